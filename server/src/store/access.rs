//! Who may see which case, written once as SQL ([`visible_case!`]) and used by every query that answers it.
//!
//! The rule:
//! - a worker sees the cases assigned to them (an open assignment), plus their own team's cases when the team
//!   shares cases;
//! - a lead sees their team's cases and their own assignments;
//! - a worker or lead also sees a case they broke the glass for (a stated reason, logged, shown to the lead)
//!   until that grant expires, to read only: they change only the cases they work on ([`Store::access`]);
//! - an admin sees no case content (admins manage users and devices), even when a case was assigned to them;
//! - nothing crosses tenants.
//!
//! The back office's review has its own, wider scope ([`in_review!`]): an admin reviews the whole tenant's
//! figures and cases, a lead their team's, a worker their own caseload.
//!
//! The rule reads the viewer's role and team from the `users` and `teams` rows, not from the [`Viewer`] the
//! caller holds, so a changed role or team takes effect at the next query even on a connection opened before.
//! A case that does not exist and a case the viewer may not see give the same answer, so guessing ids reveals
//! nothing.

use sync_core::DocumentId;
use sync_core::protocol::{Access, Holding, PurgeReason};

use super::{Heads, Role, Store, StoreError, case_id, on_pool};
use crate::clock;
use crate::ids::{DeviceId, TeamId, TenantId, UserId};

/// The SQL condition "the case `c` is one the user `u` works on": assigned, their team's as a lead, or their
/// sharing team's as a worker (tenants not yet compared; see [`visible_case!`] and [`changeable_case!`]).
macro_rules! works_on_case {
    () => {
        "((u.role IN ('worker', 'lead') AND EXISTS (SELECT 1 FROM case_assignments a \
                WHERE a.case_id = c.doc_id AND a.user_id = u.id AND a.unassigned_at IS NULL)) \
            OR (u.role = 'lead' AND c.team_id = u.team_id) \
            OR (u.role = 'worker' AND c.team_id = u.team_id \
                AND EXISTS (SELECT 1 FROM teams tm WHERE tm.id = u.team_id AND tm.shares_cases)))"
    };
}

/// The SQL condition "the case `c` has left its workers' devices at the time `$4`": every course of it ended more
/// than the municipality's device retention ago (`tenant_settings.device_retention_days`; none set: never). Leaves
/// on the day after the end date plus the retention.
macro_rules! retired_case {
    () => {
        "EXISTS (SELECT 1 FROM proj_cases p JOIN tenant_settings s ON s.tenant_id = p.tenant_id \
            WHERE p.doc_id = c.doc_id AND p.closed_day IS NOT NULL AND s.device_retention_days IS NOT NULL \
            AND (p.closed_day + s.device_retention_days + 1) * 86400000 <= $4)"
    };
}

/// The SQL condition "the user `u` may see the case `c` at the time `$4`" (the aliases are the caller's; every
/// query using it binds the current time in milliseconds as `$4`, for break-the-glass grants and the retention of
/// ended cases).
macro_rules! visible_case {
    () => {
        concat!(
            "(c.tenant_id = u.tenant_id AND ((",
            works_on_case!(),
            " AND NOT ",
            retired_case!(),
            ") OR (u.role IN ('worker', 'lead') AND EXISTS (SELECT 1 FROM break_glass g \
                WHERE g.case_id = c.doc_id AND g.user_id = u.id AND g.expires_at > $4))))"
        )
    };
}

/// The SQL condition "the user `u` may change the case `c`": break-the-glass opens a case to read, not to write.
macro_rules! changeable_case {
    () => {
        concat!(
            "(c.tenant_id = u.tenant_id AND ",
            works_on_case!(),
            " AND NOT ",
            retired_case!(),
            ")"
        )
    };
}

/// The SQL condition "the case `c` is in the review scope of the user `u`" (the back office's lists and figures,
/// `crate::review`): an admin reviews the whole tenant, a lead their team's cases and their own assignments, a
/// worker only the cases assigned to them. Nothing crosses tenants.
macro_rules! in_review {
    () => {
        "(c.tenant_id = u.tenant_id AND ( \
            u.role = 'admin' \
            OR (u.role = 'lead' AND c.team_id = u.team_id) \
            OR (u.role IN ('worker', 'lead') AND EXISTS (SELECT 1 FROM case_assignments a \
                WHERE a.case_id = c.doc_id AND a.user_id = u.id AND a.unassigned_at IS NULL))))"
    };
}
pub(super) use in_review;

pub(super) use {retired_case, visible_case, works_on_case};

/// A row of the access query: 2 change, 1 read, 0 neither; whether the device holds it; when the device was first
/// told to purge it; the cursor of the last Hello answered with a Purge of it; whether the device held it as one
/// its user could change (`None` when it does not hold it); whether it left the devices because its course ended.
type AccessRow = (i64, bool, Option<i64>, Option<i64>, Option<bool>, i64);

/// A case a viewer may see, as a Hello reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisibleCase {
    pub doc_id: DocumentId,
    pub heads: Heads,
    /// Whether the viewer may change it, not only read it.
    pub writable: bool,
}

/// The SQL column "why the user `u` may no longer see the case `c`": 1 when they still work on it but its course
/// ended past the retention, else 0 (see [`purge_reason`]).
macro_rules! course_ended {
    () => {
        concat!(
            "CAST(CASE WHEN ",
            works_on_case!(),
            " AND ",
            retired_case!(),
            " THEN 1 ELSE 0 END AS BIGINT)"
        )
    };
}
pub(super) use course_ended;

/// The reason a device is told when it must purge a case: [`course_ended!`]'s column.
pub(super) fn purge_reason(course_ended: i64) -> PurgeReason {
    if course_ended == 1 {
        PurgeReason::CourseEnded
    } else {
        PurgeReason::Unassigned
    }
}

/// The user a sync connection acts for, with what the access rule looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub role: Role,
    pub team_id: Option<TeamId>,
    /// Whether the user's team shares its cases with every member.
    pub team_shares_cases: bool,
}

#[derive(sqlx::FromRow)]
struct ViewerRow {
    id: UserId,
    tenant_id: TenantId,
    role: String,
    team_id: Option<TeamId>,
    shares_cases: Option<bool>,
}

impl Store {
    /// The viewer for a user id; `None` if there is no such user.
    pub async fn viewer(&self, user_id: &UserId) -> Result<Option<Viewer>, StoreError> {
        let sql = "SELECT u.id, u.tenant_id, u.role, u.team_id, t.shares_cases FROM users u \
                   LEFT JOIN teams t ON t.id = u.team_id WHERE u.id = $1";
        let row: Option<ViewerRow> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_optional(pool)
            .await)?;
        row.map(|row| {
            Ok(Viewer {
                role: row.role.parse()?,
                user_id: row.id,
                tenant_id: row.tenant_id,
                team_id: row.team_id,
                team_shares_cases: row.shares_cases.unwrap_or(false),
            })
        })
        .transpose()
    }

    /// What `device` of `viewer` may do with the case `doc_id`: see and change it, only read it (break-the-glass),
    /// nothing (`Hidden`, or `Lost` with what the store records if the device held it), or there is no such case
    /// (`Missing`). A case of another tenant is `Hidden`: callers answer `Hidden` and `Missing` alike, so guessing
    /// ids reveals nothing.
    pub async fn access(
        &self,
        viewer: &Viewer,
        device_id: &DeviceId,
        doc_id: &DocumentId,
    ) -> Result<Access, StoreError> {
        let sql = concat!(
            "SELECT CAST(CASE WHEN ",
            changeable_case!(),
            " THEN 2 WHEN ",
            visible_case!(),
            " THEN 1 ELSE 0 END AS BIGINT), h.doc_id IS NOT NULL, h.purged_at, h.purge_cursor, h.writable, ",
            course_ended!(),
            " FROM users u JOIN cases c ON c.doc_id = $2 \
             LEFT JOIN device_holdings h ON h.device_id = $5 AND h.doc_id = c.doc_id \
             WHERE u.id = $1 AND u.tenant_id = $3"
        );
        let row: Option<AccessRow> = on_pool!(self, |pool| {
            sqlx::query_as(sql)
                .bind(&viewer.user_id)
                .bind(doc_id.to_string())
                .bind(&viewer.tenant_id)
                .bind(clock::now_ms())
                .bind(device_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(match row {
            None => Access::Missing,
            Some((2, ..)) => Access::Write,
            Some((1, ..)) => Access::Read,
            Some((_, true, purged_at, purge_cursor, writable, ended)) => Access::Lost(Holding {
                reason: purge_reason(ended),
                writable: writable.unwrap_or(false),
                told_at_ms: purged_at,
                purge_cursor: purge_cursor.and_then(|cursor| u64::try_from(cursor).ok()),
            }),
            Some(_) => Access::Hidden,
        })
    }

    /// The tenant's change sequence now: the cursor a device holds once it has everything up to here.
    pub async fn tenant_cursor(&self, tenant_id: &TenantId) -> Result<i64, StoreError> {
        let sql = "SELECT seq FROM tenant_seq WHERE tenant_id = $1";
        let seq: Option<i64> = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(tenant_id)
            .fetch_optional(pool)
            .await)?;
        Ok(seq.unwrap_or(0))
    }

    /// The cases `viewer` may see whose sequence is past `after` (every visible case when `None`), each with
    /// its heads and whether the viewer may change it, and the tenant's cursor at the same instant.
    ///
    /// One statement reads both, so it sees one snapshot: a commit is either counted in the cursor *and* listed,
    /// or neither. Since commits take their numbers under the tenant's row lock, every commit numbered up to
    /// the cursor is in that snapshot, and a device that stores the cursor misses nothing.
    pub async fn visible_changes(
        &self,
        viewer: &Viewer,
        after: Option<i64>,
    ) -> Result<(i64, Vec<VisibleCase>), StoreError> {
        self.visible_changes_for(viewer, after, None).await
    }

    /// [`Store::visible_changes`] for a reconnecting device, without the cases `device` is known to hold exactly as
    /// they stand (`device_holdings.held_seq`, recorded by the commit of its own upload): a device that uploaded
    /// a hundred cases is not sent them back in its next Welcome.
    pub async fn changes_for_device(
        &self,
        viewer: &Viewer,
        device: &DeviceId,
        after: i64,
    ) -> Result<(i64, Vec<VisibleCase>), StoreError> {
        self.visible_changes_for(viewer, Some(after), Some(device)).await
    }

    async fn visible_changes_for(
        &self,
        viewer: &Viewer,
        after: Option<i64>,
        held_by: Option<&DeviceId>,
    ) -> Result<(i64, Vec<VisibleCase>), StoreError> {
        // The LEFT JOIN keeps the cursor row when no case qualifies.
        let sql = concat!(
            "SELECT t.seq, c.doc_id, c.heads, CAST(CASE WHEN ",
            changeable_case!(),
            " THEN 1 ELSE 0 END AS BIGINT) FROM users u \
             JOIN tenant_seq t ON t.tenant_id = u.tenant_id \
             LEFT JOIN cases c ON c.tenant_id = u.tenant_id AND c.seq > $3 AND ",
            visible_case!(),
            " AND NOT EXISTS (SELECT 1 FROM device_holdings h \
               WHERE h.device_id = $5 AND h.doc_id = c.doc_id AND h.held_seq = c.seq) \
             WHERE u.id = $1 AND u.tenant_id = $2"
        );
        let rows: Vec<(i64, Option<String>, Option<String>, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(sql)
                .bind(&viewer.user_id)
                .bind(&viewer.tenant_id)
                .bind(after.unwrap_or(-1))
                .bind(clock::now_ms())
                // No device id is empty: without one, nothing is left out.
                .bind(held_by.map_or("", DeviceId::as_str))
                .fetch_all(pool)
                .await
        })?;
        let cursor = rows.first().map_or(0, |(seq, ..)| *seq);
        let changed = rows
            .into_iter()
            .filter_map(|(_, doc_id, heads, writable)| Some((doc_id?, heads.unwrap_or_default(), writable)))
            .map(|(doc_id, heads, writable)| {
                Ok(VisibleCase {
                    doc_id: case_id(&doc_id)?,
                    heads: Heads::decode(&heads)?,
                    writable: writable == 1,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((cursor, changed))
    }
}
