//! Break-the-glass grants: a worker or lead opens a case outside their caseload for a limited time, with a
//! stated reason. The access rule ([`super::access`]) honours a grant until it expires.
//!
//! A grant changes who sees the case, so like an assignment it takes the tenant's next sequence number for the
//! case in the same transaction (and notifies other processes): the user's devices find the case at their next
//! catch-up, or at once when connected.

use sync_core::DocumentId;
use uuid::Uuid;

use super::{Reach, Store, StoreError, on_pool, on_tx};
use crate::ids::{DeviceId, TeamId, TenantId, UserId};

/// A new grant.
#[derive(Clone, Copy, Debug)]
pub struct NewBreakGlass<'a> {
    pub tenant_id: &'a TenantId,
    pub case_id: &'a DocumentId,
    pub user_id: &'a UserId,
    pub device_id: &'a DeviceId,
    pub team_id: Option<&'a TeamId>,
    pub reason: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// A grant as a lead sees it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BreakGlass {
    pub id: String,
    pub case_id: String,
    #[schema(value_type = String)]
    pub user_id: UserId,
    pub username: String,
    #[schema(value_type = Option<String>)]
    pub team_id: Option<TeamId>,
    pub reason: String,
    pub granted_at: i64,
    pub expires_at: i64,
}

impl Store {
    /// Records a grant for a case of the grant's tenant. Returns `None` when there is no such case in that
    /// tenant (a missing case and another tenant's case are the same answer).
    pub async fn break_glass(&self, grant: &NewBreakGlass<'_>) -> Result<Option<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        let found: Option<String> = on_tx!(&mut tx, |conn| {
            sqlx::query_scalar("SELECT doc_id FROM cases WHERE doc_id = $1 AND tenant_id = $2")
                .bind(grant.case_id.to_string())
                .bind(grant.tenant_id)
                .fetch_optional(&mut *conn)
                .await
        })?;
        if found.is_none() {
            return Ok(None);
        }
        // The sequence row is locked first, as in a commit and an assignment: one lock order for every writer.
        let seq = tx.next_seq(grant.tenant_id).await?;
        let id = Uuid::new_v4().to_string();
        let insert = "INSERT INTO break_glass (id, tenant_id, case_id, user_id, device_id, team_id, reason, \
                      granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        on_tx!(&mut tx, |conn| {
            sqlx::query(insert)
                .bind(&id)
                .bind(grant.tenant_id)
                .bind(grant.case_id.to_string())
                .bind(grant.user_id)
                .bind(grant.device_id)
                .bind(grant.team_id)
                .bind(grant.reason)
                .bind(grant.now)
                .bind(grant.expires_at)
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE cases SET seq = $1 WHERE doc_id = $2")
                .bind(seq)
                .bind(grant.case_id.to_string())
                .execute(&mut *conn)
                .await?;
        });
        // The grantee's devices may now read the case; nobody else's sight changed.
        let reach = Reach::Audience {
            team_id: None,
            users: vec![grant.user_id.to_owned()],
        };
        tx.notify_case(grant.case_id, seq, grant.tenant_id, reach).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// A tenant's grants since `since`, newest first; only those of `team_id`'s members when given.
    pub async fn break_glass_since(
        &self,
        tenant_id: &TenantId,
        team_id: Option<&TeamId>,
        since: i64,
    ) -> Result<Vec<BreakGlass>, StoreError> {
        let sql = "SELECT g.id, g.case_id, g.user_id, u.username, g.team_id, g.reason, g.granted_at, \
                   g.expires_at FROM break_glass g JOIN users u ON u.id = g.user_id \
                   WHERE g.tenant_id = $1 AND ($2 IS NULL OR g.team_id = $2) AND g.granted_at >= $3 \
                   ORDER BY g.granted_at DESC, g.id LIMIT 500";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .bind(team_id)
            .bind(since)
            .fetch_all(pool)
            .await)?)
    }
}
