//! What the back office's review reads (`crate::review` turns it into figures and lists): the cases in a
//! user's review scope ([`in_review!`]) with their summary, and the course, alert, conflict, refusal and
//! assignment rows of those cases, each one statement scoped by the same rule; the per-course FIT rows the
//! statistics count (`crate::stats`); and the tenant's settings.

use sync_core::DocumentId;

use super::access::in_review;
use super::{Store, StoreError, on_pool};
use crate::ids::{TeamId, TenantId, UserId};
use crate::projection::CourseFitRow;

/// The columns of [`Store::fit_rows`]' SELECT, in order.
type FitColumns = (
    String,
    Option<TeamId>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    String,
);

/// One case in review scope, from `cases` and `proj_cases`.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewCase {
    pub doc_id: String,
    pub team_id: Option<TeamId>,
    pub display_name: String,
    pub birth_year: Option<i64>,
    pub tovholder: Option<String>,
    pub is_open: bool,
    pub current_course_id: Option<String>,
    pub last_contact_at: Option<i64>,
    pub last_srs_below_cutoff: Option<bool>,
    pub next_follow_up_due: Option<String>,
}

/// One course (not made in error) of a case in scope.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewCourse {
    pub doc_id: String,
    pub course_id: String,
    pub service_code: String,
    pub start_date: String,
    pub planned_end_date: Option<String>,
    pub end_date: Option<String>,
    pub approval_state: String,
}

/// One current FIT alert of a case in scope.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewAlert {
    pub doc_id: String,
    pub course_id: Option<String>,
    pub kind: String,
}

/// A user of the tenant who can hold cases (worker or lead).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewUser {
    pub id: UserId,
    pub username: String,
    pub role: String,
    pub team_id: Option<TeamId>,
}

/// Everything the dashboard and the case lists are computed from, for one viewer at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewData {
    pub cases: Vec<ReviewCase>,
    pub courses: Vec<ReviewCourse>,
    pub alerts: Vec<ReviewAlert>,
    /// (doc id, number of fields with concurrent values).
    pub conflicts: Vec<(String, i64)>,
    /// (doc id, number of refused changes nobody has dismissed).
    pub refusals: Vec<(String, i64)>,
    /// Open assignments of the cases in scope: (doc id, user id).
    pub assignments: Vec<(String, UserId)>,
    /// The teams the viewer reviews: (id, name).
    pub teams: Vec<(TeamId, String)>,
    /// The workers and leads of those teams.
    pub users: Vec<ReviewUser>,
    /// Break-the-glass grants since the asked-for time by users of those teams: (user id, team id).
    pub break_glass: Vec<(UserId, Option<TeamId>)>,
}

/// One contact as the contacts export writes it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ExportContact {
    pub doc_id: String,
    pub contact_id: String,
    pub started_at: i64,
    pub kind: String,
    pub duration_minutes: i64,
    pub course_id: Option<String>,
    pub service_code: Option<String>,
    pub ors_instrument: Option<String>,
    pub ors_total_mm: Option<i64>,
    pub ors_rater: Option<String>,
    pub srs_instrument: Option<String>,
    pub srs_total_mm: Option<i64>,
    pub srs_rater: Option<String>,
    pub in_error: bool,
}

/// One FIT rating as the FHIR export writes it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ExportRating {
    pub doc_id: String,
    pub contact_id: String,
    pub started_at: i64,
    /// `ors` or `srs`.
    pub slot: String,
    pub instrument: String,
    /// `items`, `paper_total` or `skipped`.
    pub entry: String,
    pub item_1_mm: Option<i64>,
    pub item_2_mm: Option<i64>,
    pub item_3_mm: Option<i64>,
    pub item_4_mm: Option<i64>,
    pub total_mm: Option<i64>,
    pub rater: String,
    pub service_code: Option<String>,
}

/// The settings an admin chooses for their municipality.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TenantSettings {
    /// The caseload per worker the municipality aims for; `None`: not set.
    pub recommended_caseload: Option<i64>,
    /// How many days after its last course ended a case stays on its workers' devices; `None`: until unassigned.
    pub device_retention_days: Option<i64>,
    pub updated_at: Option<i64>,
}

/// `FROM <table> x [joins] JOIN cases c … JOIN users u ON u.id = $1 WHERE` + the scope + `extra`, for the
/// per-case row queries below.
macro_rules! scoped {
    ($select:literal, $table:literal, $extra:literal) => {
        scoped!($select, $table, "", $extra)
    };
    ($select:literal, $table:literal, $joins:literal, $extra:literal) => {
        concat!(
            $select,
            " FROM ",
            $table,
            " x ",
            $joins,
            " JOIN cases c ON c.doc_id = x.doc_id JOIN users u ON u.id = $1 WHERE ",
            in_review!(),
            $extra
        )
    };
}

impl Store {
    /// The review data of the user `user_id`: the cases in their review scope and everything about those cases
    /// the figures count. `break_glass_since` bounds the break-the-glass grants (ms since the epoch).
    pub async fn review_data(
        &self,
        user_id: &UserId,
        break_glass_since: i64,
    ) -> Result<ReviewData, StoreError> {
        let sql = scoped!(
            "SELECT c.doc_id, c.team_id, x.display_name, x.birth_year, x.tovholder, x.is_open, \
             x.current_course_id, x.last_contact_at, x.last_srs_below_cutoff, x.next_follow_up_due",
            "proj_cases",
            ""
        );
        let cases: Vec<ReviewCase> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?;
        let sql = scoped!(
            "SELECT x.doc_id, x.course_id, x.service_code, x.start_date, x.planned_end_date, x.end_date, \
             x.approval_state",
            "proj_courses",
            " AND NOT x.in_error"
        );
        let courses: Vec<ReviewCourse> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?;
        let sql = scoped!("SELECT x.doc_id, x.course_id, x.kind", "proj_alerts", "");
        let alerts: Vec<ReviewAlert> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?;
        let sql = scoped!(
            "SELECT x.doc_id, CAST(COUNT(*) AS BIGINT)",
            "proj_conflicts",
            " GROUP BY x.doc_id"
        );
        let conflicts: Vec<(String, i64)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?;
        let sql = scoped!(
            "SELECT x.doc_id, CAST(COUNT(*) AS BIGINT)",
            "quarantine",
            // A refusal is the refusing device's tenant's; another tenant's device may have named this id.
            " AND x.tenant_id = c.tenant_id AND x.resolved_at IS NULL GROUP BY x.doc_id"
        );
        let refusals: Vec<(String, i64)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?;
        let sql = concat!(
            "SELECT x.case_id, x.user_id FROM case_assignments x JOIN cases c ON c.doc_id = x.case_id \
             JOIN users u ON u.id = $1 WHERE x.unassigned_at IS NULL AND ",
            in_review!()
        );
        let assignments: Vec<(String, UserId)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?;
        let teams = self.review_teams(user_id).await?;
        // The people reviewed: an admin's are the tenant's workers and leads, a lead's their team's, a worker
        // only themself.
        let sql = "SELECT p.id, p.username, p.role, p.team_id FROM users p JOIN users u ON u.id = $1 \
                   WHERE p.tenant_id = u.tenant_id AND p.role IN ('worker', 'lead') AND (u.role = 'admin' \
                   OR (u.role = 'lead' AND p.team_id = u.team_id) OR p.id = u.id)";
        let users: Vec<ReviewUser> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?;
        let sql = "SELECT g.user_id, g.team_id FROM break_glass g JOIN users u ON u.id = $1 \
                   WHERE g.tenant_id = u.tenant_id AND g.granted_at >= $2 AND (u.role = 'admin' \
                   OR (u.role = 'lead' AND g.team_id = u.team_id) OR g.user_id = u.id)";
        let break_glass: Vec<(UserId, Option<TeamId>)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .bind(break_glass_since)
            .fetch_all(pool)
            .await)?;
        Ok(ReviewData {
            cases,
            courses,
            alerts,
            conflicts,
            refusals,
            assignments,
            teams,
            users,
            break_glass,
        })
    }

    /// The per-course FIT rows of the cases in the review scope of `user_id` whose course overlaps the days
    /// `from` to `to` (ISO dates, both included): (doc id, team id, row). `crate::stats` counts them.
    pub async fn fit_rows(
        &self,
        user_id: &UserId,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, Option<TeamId>, CourseFitRow)>, StoreError> {
        let sql = scoped!(
            "SELECT x.doc_id, c.team_id, x.course_id, x.start_date, x.planned_end_date, x.end_date, x.end_reason, \
             x.age_at_start, x.contacts, x.intake_ors_mm, x.intake_srs_mm, x.change_mm, x.category, \
             x.rule_set_version",
            "proj_course_fit",
            " AND x.start_date <= $3 AND (x.end_date IS NULL OR x.end_date >= $2)"
        );
        let rows: Vec<FitColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let course = CourseFitRow {
                    course_id: r.2,
                    start_date: r.3,
                    planned_end_date: r.4,
                    end_date: r.5,
                    end_reason: r.6,
                    age_at_start: r.7,
                    contacts: r.8,
                    intake_ors_mm: r.9,
                    intake_srs_mm: r.10,
                    change_mm: r.11,
                    category: r.12,
                    rule_set_version: r.13,
                };
                (r.0, r.1, course)
            })
            .collect())
    }

    /// The contacts (start in `[from_ms, to_ms)`) of the cases in the review scope of `user_id`, with their
    /// course's service and their ORS and SRS, oldest first; and the alerts raised at each of them. No notes.
    pub async fn export_contacts(
        &self,
        user_id: &UserId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<(Vec<ExportContact>, Vec<(String, String, String)>), StoreError> {
        let sql = scoped!(
            "SELECT x.doc_id, x.contact_id, x.started_at, x.kind, x.duration_minutes, x.course_id, \
             k.service_code, o.instrument AS ors_instrument, o.total_mm AS ors_total_mm, o.rater AS ors_rater, \
             s.instrument AS srs_instrument, s.total_mm AS srs_total_mm, s.rater AS srs_rater, x.in_error",
            "proj_contacts",
            "LEFT JOIN proj_courses k ON k.doc_id = x.doc_id AND k.course_id = x.course_id \
             LEFT JOIN proj_fit_scores o ON o.doc_id = x.doc_id AND o.contact_id = x.contact_id AND o.slot = 'ors' \
             LEFT JOIN proj_fit_scores s ON s.doc_id = x.doc_id AND s.contact_id = x.contact_id AND s.slot = 'srs'",
            " AND x.started_at >= $2 AND x.started_at < $3 ORDER BY x.started_at, x.doc_id, x.contact_id"
        );
        let contacts: Vec<ExportContact> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(pool)
            .await)?;
        let sql = scoped!(
            "SELECT x.doc_id, x.contact_id, x.kind",
            "proj_alerts",
            " AND x.contact_id IS NOT NULL"
        );
        let alerts: Vec<(String, Option<String>, String)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?;
        let alerts = alerts
            .into_iter()
            .filter_map(|(doc, contact, kind)| Some((doc, contact?, kind)))
            .collect();
        Ok((contacts, alerts))
    }

    /// The teams `user_id` reviews, (id, name): an admin's are all the tenant's, anyone else's their own.
    pub async fn review_teams(&self, user_id: &UserId) -> Result<Vec<(TeamId, String)>, StoreError> {
        let sql = "SELECT t.id, t.name FROM teams t JOIN users u ON u.id = $1 \
                   WHERE t.tenant_id = u.tenant_id AND (u.role = 'admin' OR t.id = u.team_id)";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)?)
    }

    /// The outcome events (not made in error) dated `from` to `to` of the cases in the review scope of
    /// `user_id`: (doc id, team id, kind, date).
    pub async fn outcome_rows(
        &self,
        user_id: &UserId,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, Option<TeamId>, String, String)>, StoreError> {
        let sql = scoped!(
            "SELECT x.doc_id, c.team_id, x.kind, x.date",
            "proj_outcomes",
            " AND NOT x.in_error AND x.date >= $2 AND x.date <= $3"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await)?)
    }

    /// The FIT ratings of contacts (start in `[from_ms, to_ms)`, not made in error) of the cases in the review
    /// scope of `user_id`, with the service of the contact's course, oldest first: `limit` of them after the first
    /// `offset`.
    pub async fn export_ratings(
        &self,
        user_id: &UserId,
        from_ms: i64,
        to_ms: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ExportRating>, StoreError> {
        let sql = scoped!(
            "SELECT x.doc_id, x.contact_id, k.started_at, x.slot, x.instrument, x.entry, x.item_1_mm, x.item_2_mm, \
             x.item_3_mm, x.item_4_mm, x.total_mm, x.rater, r.service_code",
            "proj_fit_scores",
            "JOIN proj_contacts k ON k.doc_id = x.doc_id AND k.contact_id = x.contact_id \
             LEFT JOIN proj_courses r ON r.doc_id = k.doc_id AND r.course_id = k.course_id",
            " AND NOT k.in_error AND k.started_at >= $2 AND k.started_at < $3 \
             ORDER BY k.started_at, x.doc_id, x.contact_id, x.slot LIMIT $4 OFFSET $5"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .bind(from_ms)
            .bind(to_ms)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await)?)
    }

    /// Whether the case `doc_id` is in the review scope of `user_id`. False both for a case that does not exist
    /// and for one out of scope (another team's, another tenant's).
    pub async fn in_review_scope(&self, user_id: &UserId, doc_id: &DocumentId) -> Result<bool, StoreError> {
        let sql = concat!(
            "SELECT COUNT(*) FROM cases c JOIN users u ON u.id = $1 WHERE c.doc_id = $2 AND ",
            in_review!()
        );
        let count: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(user_id)
            .bind(doc_id.to_string())
            .fetch_one(pool)
            .await)?;
        Ok(count > 0)
    }

    /// The tenant's settings (all `None` until an admin sets them).
    pub async fn tenant_settings(&self, tenant_id: &TenantId) -> Result<TenantSettings, StoreError> {
        let sql = "SELECT recommended_caseload, device_retention_days, updated_at FROM tenant_settings \
                   WHERE tenant_id = $1";
        let row: Option<TenantSettings> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .fetch_optional(pool)
            .await)?;
        Ok(row.unwrap_or_default())
    }

    /// Replaces the tenant's settings (`None` in a field: not set).
    pub async fn set_tenant_settings(
        &self,
        tenant_id: &TenantId,
        settings: &TenantSettings,
        by_user: &UserId,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO tenant_settings (tenant_id, recommended_caseload, device_retention_days, updated_at, \
                   updated_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id) DO UPDATE SET \
                   recommended_caseload = excluded.recommended_caseload, \
                   device_retention_days = excluded.device_retention_days, updated_at = excluded.updated_at, \
                   updated_by = excluded.updated_by";
        super::execute!(
            self,
            sqlx::query(sql)
                .bind(tenant_id)
                .bind(settings.recommended_caseload)
                .bind(settings.device_retention_days)
                .bind(now_ms)
                .bind(by_user)
        )?;
        Ok(())
    }
}
