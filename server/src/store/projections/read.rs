//! Reading a document's projection rows back, for checks, the art. 15 export and the review of one case.

use sync_core::DocumentId;

use crate::projection::{
    AlertRow, CaseSummary, ConflictRow, ContactRow, CourseFitRow, CourseRow, FitScoreRow, GoalRow,
    OutcomeRow, Projection,
};
use crate::store::{Store, StoreError, on_pool};

// The columns of each table's SELECT below, in order.
type ContactColumns = (String, String, i64, i64, Option<String>, String, bool, bool);
type GoalColumns = (
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    bool,
);
type CourseColumns = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    String,
    bool,
);
type AlertColumns = (
    i64,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
);
type SummaryColumns = (
    String,
    Option<i64>,
    Option<String>,
    bool,
    Option<String>,
    Option<i64>,
    Option<bool>,
    Option<String>,
    Option<i64>,
);
type CourseFitColumns = (
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
type FitScoreColumns = (
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    bool,
    String,
    Option<bool>,
);

impl Store {
    /// The projection rows the tables hold for `doc_id`, sorted as [`Projection::of`] sorts them.
    ///
    /// Sorting happens here, not in SQL: PostgreSQL orders text by its collation, Rust by bytes.
    pub async fn projection_rows(&self, doc_id: &DocumentId) -> Result<Projection, StoreError> {
        let mut projection = Projection {
            doc_id: doc_id.to_string(),
            ..Projection::default()
        };
        let sql = "SELECT contact_id, kind, started_at, duration_minutes, course_id, recorded_by, has_notes, \
                   in_error FROM proj_contacts WHERE doc_id = $1";
        let rows: Vec<ContactColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id.to_string())
            .fetch_all(pool)
            .await)?;
        projection.contacts = rows
            .into_iter()
            .map(|r| ContactRow {
                contact_id: r.0,
                kind: r.1,
                start_ms: r.2,
                duration_minutes: r.3,
                course_id: r.4,
                recorded_by: r.5,
                has_notes: r.6,
                in_error: r.7,
            })
            .collect();
        projection
            .contacts
            .sort_by(|a, b| a.contact_id.cmp(&b.contact_id));

        let sql = "SELECT contact_id, slot, instrument, entry, item_1_mm, item_2_mm, item_3_mm, item_4_mm, \
                   total_mm, paper_total, rater, below_cutoff FROM proj_fit_scores WHERE doc_id = $1";
        let rows: Vec<FitScoreColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id.to_string())
            .fetch_all(pool)
            .await)?;
        projection.fit_scores = rows
            .into_iter()
            .map(|r| FitScoreRow {
                contact_id: r.0,
                slot: r.1,
                instrument: r.2,
                entry: r.3,
                items_mm: match (r.4, r.5, r.6, r.7) {
                    (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
                    _ => None,
                },
                total_mm: r.8,
                paper_total: r.9,
                rater: r.10,
                below_cutoff: r.11,
            })
            .collect();
        projection
            .fit_scores
            .sort_by(|a, b| (&a.contact_id, &a.slot).cmp(&(&b.contact_id, &b.slot)));

        let sql = "SELECT goal_id, parent_id, level, goal_type, status, title, target_date, created_at, \
                   in_error FROM proj_goals WHERE doc_id = $1";
        let rows: Vec<GoalColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id.to_string())
            .fetch_all(pool)
            .await)?;
        projection.goals = rows
            .into_iter()
            .map(|r| GoalRow {
                goal_id: r.0,
                parent_id: r.1,
                level: r.2,
                goal_type: r.3,
                status: r.4,
                title: r.5,
                target_date: r.6,
                created_ms: r.7,
                in_error: r.8,
            })
            .collect();
        projection.goals.sort_by(|a, b| a.goal_id.cmp(&b.goal_id));

        projection.courses = self.course_rows(doc_id).await?;

        let sql = "SELECT position, course_id, kind, contact_id, item, rule_set_version \
                   FROM proj_alerts WHERE doc_id = $1";
        let mut rows: Vec<AlertColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id.to_string())
            .fetch_all(pool)
            .await)?;
        rows.sort_by_key(|r| r.0);
        projection.alerts = rows
            .into_iter()
            .map(|r| AlertRow {
                course_id: r.1,
                kind: r.2,
                contact_id: r.3,
                item: r.4,
                rule_set_version: r.5,
            })
            .collect();

        let sql = "SELECT path, value_count FROM proj_conflicts WHERE doc_id = $1";
        let rows: Vec<(String, i64)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id.to_string())
            .fetch_all(pool)
            .await)?;
        projection.conflicts = rows
            .into_iter()
            .map(|(path, value_count)| ConflictRow { path, value_count })
            .collect();
        projection.conflicts.sort_by(|a, b| a.path.cmp(&b.path));

        let sql = "SELECT display_name, birth_year, tovholder, is_open, current_course_id, last_contact_at, \
                   last_srs_below_cutoff, next_follow_up_due, closed_day FROM proj_cases WHERE doc_id = $1";
        let row: Option<SummaryColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id.to_string())
            .fetch_optional(pool)
            .await)?;
        let sql = "SELECT course_id, start_date, planned_end_date, end_date, end_reason, age_at_start, contacts, \
                   intake_ors_mm, intake_srs_mm, change_mm, category, rule_set_version FROM proj_course_fit \
                   WHERE doc_id = $1";
        let rows: Vec<CourseFitColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id.to_string())
            .fetch_all(pool)
            .await)?;
        projection.course_fit = rows
            .into_iter()
            .map(|r| CourseFitRow {
                course_id: r.0,
                start_date: r.1,
                planned_end_date: r.2,
                end_date: r.3,
                end_reason: r.4,
                age_at_start: r.5,
                contacts: r.6,
                intake_ors_mm: r.7,
                intake_srs_mm: r.8,
                change_mm: r.9,
                category: r.10,
                rule_set_version: r.11,
            })
            .collect();
        projection
            .course_fit
            .sort_by(|a, b| a.course_id.cmp(&b.course_id));
        let sql = "SELECT outcome_id, kind, date, in_error FROM proj_outcomes WHERE doc_id = $1";
        let rows: Vec<(String, String, String, bool)> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id.to_string())
            .fetch_all(pool)
            .await)?;
        projection.outcomes = rows
            .into_iter()
            .map(|(outcome_id, kind, date, in_error)| OutcomeRow {
                outcome_id,
                kind,
                date,
                in_error,
            })
            .collect();
        projection
            .outcomes
            .sort_by(|a, b| a.outcome_id.cmp(&b.outcome_id));
        if let Some(r) = row {
            projection.summary = CaseSummary {
                display_name: r.0,
                birth_year: r.1,
                tovholder: r.2,
                is_open: r.3,
                current_course_id: r.4,
                last_contact_ms: r.5,
                last_srs_below_cutoff: r.6,
                next_follow_up_due: r.7,
                closed_day: r.8,
            };
        }
        Ok(projection)
    }

    async fn course_rows(&self, doc_id: &DocumentId) -> Result<Vec<CourseRow>, StoreError> {
        let sql = "SELECT course_id, service_code, legal_basis, start_date, planned_end_date, end_date, \
                   end_reason, granted_minutes_per_week, approval_state, in_error FROM proj_courses \
                   WHERE doc_id = $1";
        let rows: Vec<CourseColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id.to_string())
            .fetch_all(pool)
            .await)?;
        let mut courses: Vec<CourseRow> = rows
            .into_iter()
            .map(|r| CourseRow {
                course_id: r.0,
                service_code: r.1,
                legal_basis: r.2,
                start_date: r.3,
                planned_end_date: r.4,
                end_date: r.5,
                end_reason: r.6,
                granted_minutes_per_week: r.7,
                approval_state: r.8,
                in_error: r.9,
            })
            .collect();
        courses.sort_by(|a, b| a.course_id.cmp(&b.course_id));
        Ok(courses)
    }
}
