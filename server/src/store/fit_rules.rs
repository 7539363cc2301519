//! A municipality's own FIT rule sets (issue 12, point 9): one row per version, holding the JSON sync-core checked
//! (`RuleSet::from_json`) in its canonical form. A version's content never changes once loaded; the tenant's
//! current set is the one loaded last, and loading an earlier version again makes it current.

use super::{Store, StoreError, on_pool};
use crate::ids::{TenantId, UserId};

/// A rule set as stored: its version, its JSON, and who loaded it when.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredRuleSet {
    pub version: String,
    pub rules: String,
    pub loaded_at: i64,
    pub loaded_by: String,
}

/// What loading a rule set did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSetLoad {
    /// A new version, now current since `loaded_at`.
    New { loaded_at: i64 },
    /// A version loaded before with the same content, current again since `loaded_at`.
    Again { loaded_at: i64 },
    /// The version was loaded before with other content: nothing changed.
    OtherContent,
}

impl Store {
    /// The tenant's current rule set; `None` when it never loaded one (the built-in set applies).
    pub async fn current_fit_rules(&self, tenant_id: &TenantId) -> Result<Option<StoredRuleSet>, StoreError> {
        let sql = "SELECT version, rules, loaded_at, loaded_by FROM fit_rule_sets WHERE tenant_id = $1 \
                   ORDER BY loaded_at DESC, version DESC LIMIT 1";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Makes `version` with `rules` (canonical JSON, already checked) the tenant's current rule set. The time it
    /// records is after every earlier load's, so "loaded last" stays an order even within one millisecond.
    pub async fn load_fit_rules(
        &self,
        tenant_id: &TenantId,
        version: &str,
        rules: &str,
        by_user: &UserId,
        now_ms: i64,
    ) -> Result<RuleSetLoad, StoreError> {
        let existing: Option<String> = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT rules FROM fit_rule_sets WHERE tenant_id = $1 AND version = $2"
        )
        .bind(tenant_id)
        .bind(version)
        .fetch_optional(pool)
        .await)?;
        if existing.as_deref().is_some_and(|stored| stored != rules) {
            return Ok(RuleSetLoad::OtherContent);
        }
        let latest: Option<i64> = on_pool!(self, |pool| sqlx::query_scalar(
            "SELECT MAX(loaded_at) FROM fit_rule_sets WHERE tenant_id = $1"
        )
        .bind(tenant_id)
        .fetch_one(pool)
        .await)?;
        let at = latest.map_or(now_ms, |latest| now_ms.max(latest + 1));
        if existing.is_some() {
            super::execute!(
                self,
                sqlx::query(
                    "UPDATE fit_rule_sets SET loaded_at = $3, loaded_by = $4, reassessed_at = NULL \
                     WHERE tenant_id = $1 AND version = $2"
                )
                .bind(tenant_id)
                .bind(version)
                .bind(at)
                .bind(by_user)
            )?;
            return Ok(RuleSetLoad::Again { loaded_at: at });
        }
        super::execute!(
            self,
            sqlx::query(
                "INSERT INTO fit_rule_sets (tenant_id, version, rules, loaded_at, loaded_by) VALUES ($1, $2, $3, $4, $5)"
            )
            .bind(tenant_id)
            .bind(version)
            .bind(rules)
            .bind(at)
            .bind(by_user)
        )?;
        Ok(RuleSetLoad::New { loaded_at: at })
    }

    /// The tenants whose current rule set's reassessment never finished, with the time that set was loaded.
    pub async fn fit_rules_not_reassessed(&self) -> Result<Vec<(TenantId, i64)>, StoreError> {
        let sql = "SELECT tenant_id, loaded_at FROM fit_rule_sets f WHERE reassessed_at IS NULL \
                   AND loaded_at = (SELECT MAX(loaded_at) FROM fit_rule_sets g WHERE g.tenant_id = f.tenant_id)";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await)?)
    }

    /// Records that the tenant's cases were all reassessed with the set loaded at `loaded_at` (a set loaded since
    /// is not marked: its own reassessment does that).
    pub async fn mark_fit_rules_reassessed(
        &self,
        tenant_id: &TenantId,
        loaded_at: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        super::execute!(
            self,
            sqlx::query(
                "UPDATE fit_rule_sets SET reassessed_at = $3 WHERE tenant_id = $1 AND loaded_at = $2"
            )
            .bind(tenant_id)
            .bind(loaded_at)
            .bind(now_ms)
        )?;
        Ok(())
    }

    /// The tenant's case ids after `after` in id order, `limit` at a time: for rebuilding their projections.
    pub async fn tenant_case_ids(
        &self,
        tenant_id: &TenantId,
        after: &str,
        limit: i64,
    ) -> Result<Vec<sync_core::DocumentId>, StoreError> {
        let sql = "SELECT doc_id FROM cases WHERE tenant_id = $1 AND heads <> '' AND doc_id > $2 \
                   ORDER BY doc_id LIMIT $3";
        let cases: Vec<String> = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(tenant_id)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        cases.iter().map(String::as_str).map(super::case_id).collect()
    }
}
