//! Case rows and case assignments: which cases exist and who holds them.
//!
//! The document bytes and projections are in `documents.rs`; what is here is a case row to hang assignments on,
//! and the assignments themselves, which move the case's change sequence because they change who sees it.
//!
//! # Why the change sequence is a counter row and not a database sequence
//!
//! Each commit to a tenant's documents will take its number with `UPDATE tenant_seq SET seq = seq + 1 … RETURNING
//! seq` inside the committing transaction. The row lock serialises commits per tenant, so commit order equals
//! sequence order. A PostgreSQL `SEQUENCE` (or an autoincrement id) hands out numbers at insert time instead: a
//! transaction holding 41 can commit after another has committed 42, and a device that synced in between got
//! cursor 42 and would never see 41. A client cursor must never skip a late-committing lower number.

use sync_core::DocumentId;

use super::{Reach, Store, StoreError, case_id, execute, on_pool, on_tx};
use crate::ids::{TeamId, TenantId, UserId};

/// A case row to create without a document (the first commit of a document usually creates its row instead,
/// see `Store::commit_document`).
#[derive(Clone, Debug)]
pub struct NewCase<'a> {
    /// automerge-repo document id (see `sync_core::DocumentId`).
    pub doc_id: &'a DocumentId,
    pub tenant_id: &'a TenantId,
    pub team_id: Option<&'a TeamId>,
}

impl Store {
    /// Creates a case row with no commits yet (sequence 0).
    pub async fn create_case(&self, new: &NewCase<'_>, now: i64) -> Result<(), StoreError> {
        let sql =
            "INSERT INTO cases (doc_id, tenant_id, team_id, created_at, seq) VALUES ($1, $2, $3, $4, 0)";
        execute!(
            self,
            sqlx::query(sql)
                .bind(new.doc_id.to_string())
                .bind(new.tenant_id)
                .bind(new.team_id)
                .bind(now)
        )?;
        Ok(())
    }

    /// Assigns a case to a user of the same tenant. Assigning twice is a no-op: at most one open assignment per
    /// (case, user). Returns whether a new assignment was made; false also when the case or the user does not
    /// exist or they belong to different tenants, which the join rules out.
    ///
    /// A new assignment changes who sees the case, so it takes the tenant's next sequence number for the case in
    /// the same transaction: a device of the new holder whose cursor is already past the case's last commit
    /// still finds it in its next catch-up.
    pub async fn assign_case(
        &self,
        case_id: &DocumentId,
        user_id: &UserId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let sql = "INSERT INTO case_assignments (case_id, tenant_id, user_id, assigned_at) \
                   SELECT c.doc_id, c.tenant_id, u.id, $3 FROM cases c JOIN users u ON u.tenant_id = c.tenant_id \
                   WHERE c.doc_id = $1 AND u.id = $2 \
                   ON CONFLICT (case_id, user_id) WHERE unassigned_at IS NULL DO NOTHING";
        self.change_assignment(case_id, sql, user_id, now).await
    }

    /// Ends a user's open assignment to a case. Returns whether there was one. Like [`Store::assign_case`], it
    /// moves the case's sequence number, so the former holder's devices learn of it at their next catch-up.
    pub async fn unassign_case(
        &self,
        case_id: &DocumentId,
        user_id: &UserId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE case_assignments SET unassigned_at = $3 \
                   WHERE case_id = $1 AND user_id = $2 AND unassigned_at IS NULL";
        self.change_assignment(case_id, sql, user_id, now).await
    }

    /// Runs an assignment statement (binding case, user, now) and, if it changed a row, bumps the tenant's
    /// sequence and gives the case that number, all in one transaction.
    async fn change_assignment(
        &self,
        case_id: &DocumentId,
        sql: &'static str,
        user_id: &UserId,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let case: Option<(TenantId, Option<TeamId>)> = on_tx!(&mut tx, |conn| {
            sqlx::query_as("SELECT tenant_id, team_id FROM cases WHERE doc_id = $1")
                .bind(case_id.to_string())
                .fetch_optional(&mut *conn)
                .await
        })?;
        let Some((tenant_id, team_id)) = case else {
            return Ok(false);
        };
        // The sequence row is locked before the assignment changes, as in a commit, so both kinds of writer
        // take their locks in the same order.
        let seq = tx.next_seq(&tenant_id).await?;
        let changed = on_tx!(&mut tx, |conn| {
            let done = sqlx::query(sql)
                .bind(case_id.to_string())
                .bind(user_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            if done.rows_affected() == 1 {
                sqlx::query("UPDATE cases SET seq = $1 WHERE doc_id = $2")
                    .bind(seq)
                    .bind(case_id.to_string())
                    .execute(&mut *conn)
                    .await?;
            }
            done.rows_affected() == 1
        });
        if !changed {
            // Nothing changed: roll back, so the sequence number is not spent on nothing.
            return Ok(false);
        }
        let reach = Reach::Audience {
            team_id,
            users: vec![user_id.to_owned()],
        };
        tx.notify_case(case_id, seq, &tenant_id, reach).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The cases a user currently holds, by document id.
    pub async fn assigned_cases(&self, user_id: &UserId) -> Result<Vec<DocumentId>, StoreError> {
        let sql = "SELECT case_id FROM case_assignments WHERE user_id = $1 AND unassigned_at IS NULL ORDER BY case_id";
        let cases: Vec<String> = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?;
        cases.iter().map(String::as_str).map(case_id).collect()
    }

    /// The tenant and team a case belongs to, without loading it; `None` if there is no such case.
    pub async fn case_home(
        &self,
        case_id: &DocumentId,
    ) -> Result<Option<(TenantId, Option<TeamId>)>, StoreError> {
        let sql = "SELECT tenant_id, team_id FROM cases WHERE doc_id = $1";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(case_id.to_string())
            .fetch_optional(pool)
            .await)?)
    }

    /// The users currently holding a case.
    pub async fn case_assignees(&self, case_id: &DocumentId) -> Result<Vec<UserId>, StoreError> {
        let sql = "SELECT user_id FROM case_assignments WHERE case_id = $1 AND unassigned_at IS NULL ORDER BY user_id";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(case_id.to_string())
            .fetch_all(pool)
            .await)?)
    }
}
