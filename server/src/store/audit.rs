//! The access log's rows: appending under the chain's head lock, reading for verification and spot checks, and
//! purging past the retention period while keeping an anchor.
//!
//! Every append and every purge first locks the single `audit_head` row (SQLite: the write lock of
//! `BEGIN IMMEDIATE`; PostgreSQL: `SELECT … FOR UPDATE`), so rows get consecutive ids and each row's `prev_hash`
//! is the hash of the row before it, even with several server processes on one database. The hashing itself is
//! pure and lives in [`crate::audit::chain`].

use serde::Serialize;

use super::{Store, StoreError, Tx, on_pool, on_tx};
use crate::audit::chain::{self, Fields};

/// One event to append. Ids, codes, purposes and change hashes only: never citizen data, never secrets.
#[derive(Clone, Copy, Debug)]
pub struct AuditRecord<'a> {
    pub at: i64,
    pub tenant_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub device_id: Option<&'a str>,
    pub action: &'a str,
    pub case_id: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// A stored row of the access log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub tenant_id: Option<String>,
    pub user_id: Option<String>,
    pub device_id: Option<String>,
    pub action: String,
    pub case_id: Option<String>,
    pub purpose: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// The fields the row's hash covers.
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            id: self.id,
            at: self.at,
            tenant_id: self.tenant_id.as_deref(),
            user_id: self.user_id.as_deref(),
            device_id: self.device_id.as_deref(),
            action: &self.action,
            case_id: self.case_id.as_deref(),
            purpose: self.purpose.as_deref(),
            detail: self.detail.as_deref(),
        }
    }
}

/// One lookup of a case for an export (GDPR art. 15): date, action and purpose, never who.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CaseLookup {
    pub at: i64,
    pub action: String,
    pub purpose: Option<String>,
}

/// Where the chain ends and where verification starts (the newest purged row, or the genesis hash).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditHead {
    pub last_id: i64,
    pub last_hash: String,
    pub anchor_id: i64,
    pub anchor_hash: String,
}

/// Spot-check filters of `GET /v1/audit`; `None` matches everything.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub user_id: Option<String>,
    pub case_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: i64,
}

/// The columns of [`AuditRow`], for `concat!`.
macro_rules! columns {
    () => {
        "id, at, tenant_id, user_id, device_id, action, case_id, purpose, detail, prev_hash, hash"
    };
}
const HEAD: &str = "SELECT last_id, last_hash, anchor_id, anchor_hash FROM audit_head WHERE id = 1";

impl Store {
    /// Appends `records` to the chain in one transaction, in order.
    pub async fn append_audit(&self, records: &[AuditRecord<'_>]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        let head = lock_head(&mut tx).await?;
        let (mut id, mut prev) = (head.last_id, head.last_hash);
        let insert = "INSERT INTO audit_log (id, at, tenant_id, user_id, device_id, action, case_id, purpose, \
                      detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        for record in records {
            id += 1;
            let hash = chain::row_hash(
                &prev,
                &Fields {
                    id,
                    at: record.at,
                    tenant_id: record.tenant_id,
                    user_id: record.user_id,
                    device_id: record.device_id,
                    action: record.action,
                    case_id: record.case_id,
                    purpose: record.purpose,
                    detail: record.detail,
                },
            );
            on_tx!(&mut tx, |conn| sqlx::query(insert)
                .bind(id)
                .bind(record.at)
                .bind(record.tenant_id)
                .bind(record.user_id)
                .bind(record.device_id)
                .bind(record.action)
                .bind(record.case_id)
                .bind(record.purpose)
                .bind(record.detail)
                .bind(&prev)
                .bind(&hash)
                .execute(&mut *conn)
                .await
                .map(|_| ()))?;
            prev = hash;
        }
        let update = "UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1";
        on_tx!(&mut tx, |conn| sqlx::query(update)
            .bind(id)
            .bind(&prev)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
        tx.commit().await
    }

    /// The chain's end and anchor.
    pub async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(HEAD).fetch_one(pool).await)?)
    }

    /// Up to `limit` rows with ids above `after`, in chain order (verification reads the chain in pages).
    pub async fn audit_rows_after(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await)?)
    }

    /// A tenant's rows matching `filter`, newest first.
    pub async fn audit_search(
        &self,
        tenant_id: &str,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM audit_log WHERE tenant_id = $1 \
             AND ($2 IS NULL OR user_id = $2) AND ($3 IS NULL OR case_id = $3) AND ($4 IS NULL OR action = $4) \
             AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at <= $6) ORDER BY id DESC LIMIT $7"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .bind(filter.user_id.as_deref())
            .bind(filter.case_id.as_deref())
            .bind(filter.action.as_deref())
            .bind(filter.from)
            .bind(filter.to)
            .bind(filter.limit)
            .fetch_all(pool)
            .await)?)
    }

    /// Every lookup of a case in a tenant, oldest first, as the citizen's right of access shows it: when, what
    /// and why, but not who (no user or device).
    pub async fn audit_lookups_of_case(
        &self,
        tenant_id: &str,
        case_id: &str,
    ) -> Result<Vec<CaseLookup>, StoreError> {
        let sql =
            "SELECT at, action, purpose FROM audit_log WHERE tenant_id = $1 AND case_id = $2 ORDER BY id";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .bind(case_id)
            .fetch_all(pool)
            .await)?)
    }

    /// Up to `n` rows of a tenant chosen at random, for spot checks.
    pub async fn audit_sample(&self, tenant_id: &str, n: i64) -> Result<Vec<AuditRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM audit_log WHERE tenant_id = $1 ORDER BY RANDOM() LIMIT $2"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .bind(n)
            .fetch_all(pool)
            .await)?)
    }

    /// Deletes the rows older than `before` (by id: every row up to the newest one older than `before`) and moves
    /// the anchor to the last deleted row, so the remaining chain still verifies. Returns how many went.
    pub async fn purge_audit(&self, before: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let head = lock_head(&mut tx).await?;
        let newest_old = "SELECT id, hash FROM audit_log WHERE id = \
                          (SELECT MAX(id) FROM audit_log WHERE at < $1 AND id > $2)";
        let anchor: Option<(i64, String)> = on_tx!(&mut tx, |conn| sqlx::query_as(newest_old)
            .bind(before)
            .bind(head.anchor_id)
            .fetch_optional(&mut *conn)
            .await)?;
        let Some((anchor_id, anchor_hash)) = anchor else {
            return Ok(0);
        };
        let delete = "DELETE FROM audit_log WHERE id <= $1";
        let update = "UPDATE audit_head SET anchor_id = $1, anchor_hash = $2 WHERE id = 1";
        let deleted = on_tx!(&mut tx, |conn| {
            let done = sqlx::query(delete).bind(anchor_id).execute(&mut *conn).await?;
            sqlx::query(update)
                .bind(anchor_id)
                .bind(&anchor_hash)
                .execute(&mut *conn)
                .await?;
            done.rows_affected()
        });
        tx.commit().await?;
        Ok(deleted)
    }
}

/// Reads the head row, locking it for the rest of the transaction.
async fn lock_head(tx: &mut Tx) -> Result<AuditHead, StoreError> {
    Ok(match tx {
        // BEGIN IMMEDIATE already holds SQLite's single write lock.
        Tx::Sqlite(tx) => sqlx::query_as(HEAD).fetch_one(&mut **tx).await?,
        Tx::Postgres(tx) => {
            let sql =
                "SELECT last_id, last_hash, anchor_id, anchor_hash FROM audit_head WHERE id = 1 FOR UPDATE";
            sqlx::query_as(sql).fetch_one(&mut **tx).await?
        }
    })
}
