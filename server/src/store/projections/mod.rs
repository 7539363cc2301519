//! The projection tables (`proj_*`): replaced as a whole inside each commit, and read back ([`read`]).
//!
//! A commit deletes the document's rows and inserts the new projection with multi-row `INSERT`s, a statement per
//! table (per [`ROWS_PER_INSERT`] rows) rather than one per row, so a document with a year of contacts costs a
//! handful of round trips on PostgreSQL, not hundreds.

use sqlx::{Connection, Database, QueryBuilder};

use super::{StoreError, Tx, on_tx};
use crate::ids::TenantId;
use crate::projection::{AlertRow, PROJECTION_VERSION, Projection};

mod read;

/// Rows per `INSERT`: at 14 columns, far below SQLite's (32,766) and PostgreSQL's (65,535) parameter limits.
const ROWS_PER_INSERT: usize = 500;

/// The tables a projection fills, in the order they are cleared.
const TABLES: [&str; 9] = [
    "proj_cases",
    "proj_course_fit",
    "proj_outcomes",
    "proj_contacts",
    "proj_fit_scores",
    "proj_goals",
    "proj_courses",
    "proj_alerts",
    "proj_conflicts",
];

/// A query builder for the database `conn` belongs to (the type is inferred from the connection).
fn builder<C: Connection>(_conn: &C, sql: &str) -> QueryBuilder<C::Database>
where
    <C::Database as Database>::Arguments: Default,
{
    QueryBuilder::new(sql)
}

/// Inserts `$rows` in chunks; `$push` binds one row's values, after the doc id and tenant id.
macro_rules! insert_rows {
    ($conn:ident, $doc:expr, $tenant:expr, $sql:literal, $rows:expr, |$b:ident, $row:ident| $push:block) => {
        for chunk in $rows.chunks(ROWS_PER_INSERT) {
            let mut query = builder(&*$conn, $sql);
            query.push_values(chunk, |mut $b, $row| {
                $b.push_bind($doc).push_bind($tenant);
                $push
            });
            query.build().execute(&mut *$conn).await?;
        }
    };
}

impl Tx {
    /// Replaces every projection row of `projection.doc_id` with `projection`.
    pub(crate) async fn replace_projection(
        &mut self,
        tenant_id: &TenantId,
        projection: &Projection,
    ) -> Result<(), StoreError> {
        let doc = projection.doc_id.as_str();
        on_tx!(self, |conn| {
            for table in TABLES {
                let sql = format!("DELETE FROM {table} WHERE doc_id = $1");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(doc)
                    .execute(&mut *conn)
                    .await?;
            }
            let summary = &projection.summary;
            sqlx::query(
                "INSERT INTO proj_cases (doc_id, tenant_id, display_name, birth_year, tovholder, is_open, \
                 current_course_id, last_contact_at, last_srs_below_cutoff, next_follow_up_due, \
                 projection_version, closed_day) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(doc)
            .bind(tenant_id)
            .bind(&summary.display_name)
            .bind(summary.birth_year)
            .bind(&summary.tovholder)
            .bind(summary.is_open)
            .bind(&summary.current_course_id)
            .bind(summary.last_contact_ms)
            .bind(summary.last_srs_below_cutoff)
            .bind(&summary.next_follow_up_due)
            .bind(PROJECTION_VERSION)
            .bind(summary.closed_day)
            .execute(&mut *conn)
            .await?;
            insert_rows!(
                conn,
                doc,
                tenant_id,
                "INSERT INTO proj_course_fit (doc_id, tenant_id, course_id, start_date, planned_end_date, \
                 end_date, end_reason, age_at_start, contacts, intake_ors_mm, intake_srs_mm, change_mm, category, \
                 rule_set_version) ",
                projection.course_fit,
                |b, row| {
                    b.push_bind(&row.course_id)
                        .push_bind(&row.start_date)
                        .push_bind(&row.planned_end_date)
                        .push_bind(&row.end_date)
                        .push_bind(&row.end_reason)
                        .push_bind(row.age_at_start)
                        .push_bind(row.contacts)
                        .push_bind(row.intake_ors_mm)
                        .push_bind(row.intake_srs_mm)
                        .push_bind(row.change_mm)
                        .push_bind(&row.category)
                        .push_bind(&row.rule_set_version);
                }
            );
            insert_rows!(
                conn,
                doc,
                tenant_id,
                "INSERT INTO proj_outcomes (doc_id, tenant_id, outcome_id, kind, date, in_error) ",
                projection.outcomes,
                |b, row| {
                    b.push_bind(&row.outcome_id)
                        .push_bind(&row.kind)
                        .push_bind(&row.date)
                        .push_bind(row.in_error);
                }
            );
            insert_rows!(
                conn,
                doc,
                tenant_id,
                "INSERT INTO proj_contacts (doc_id, tenant_id, contact_id, kind, started_at, duration_minutes, \
                 course_id, recorded_by, has_notes, in_error) ",
                projection.contacts,
                |b, row| {
                    b.push_bind(&row.contact_id)
                        .push_bind(&row.kind)
                        .push_bind(row.start_ms)
                        .push_bind(row.duration_minutes)
                        .push_bind(&row.course_id)
                        .push_bind(&row.recorded_by)
                        .push_bind(row.has_notes)
                        .push_bind(row.in_error);
                }
            );
            insert_rows!(
                conn,
                doc,
                tenant_id,
                "INSERT INTO proj_fit_scores (doc_id, tenant_id, contact_id, slot, instrument, entry, item_1_mm, \
                 item_2_mm, item_3_mm, item_4_mm, total_mm, paper_total, rater, below_cutoff) ",
                projection.fit_scores,
                |b, row| {
                    let item = |i: usize| row.items_mm.map(|items| items[i]);
                    b.push_bind(&row.contact_id)
                        .push_bind(&row.slot)
                        .push_bind(&row.instrument)
                        .push_bind(&row.entry)
                        .push_bind(item(0))
                        .push_bind(item(1))
                        .push_bind(item(2))
                        .push_bind(item(3))
                        .push_bind(row.total_mm)
                        .push_bind(row.paper_total)
                        .push_bind(&row.rater)
                        .push_bind(row.below_cutoff);
                }
            );
            insert_rows!(
                conn,
                doc,
                tenant_id,
                "INSERT INTO proj_goals (doc_id, tenant_id, goal_id, parent_id, level, goal_type, status, title, \
                 target_date, created_at, in_error) ",
                projection.goals,
                |b, row| {
                    b.push_bind(&row.goal_id)
                        .push_bind(&row.parent_id)
                        .push_bind(&row.level)
                        .push_bind(&row.goal_type)
                        .push_bind(&row.status)
                        .push_bind(&row.title)
                        .push_bind(&row.target_date)
                        .push_bind(row.created_ms)
                        .push_bind(row.in_error);
                }
            );
            insert_rows!(
                conn,
                doc,
                tenant_id,
                "INSERT INTO proj_courses (doc_id, tenant_id, course_id, service_code, legal_basis, start_date, \
                 planned_end_date, end_date, end_reason, granted_minutes_per_week, approval_state, in_error) ",
                projection.courses,
                |b, row| {
                    b.push_bind(&row.course_id)
                        .push_bind(&row.service_code)
                        .push_bind(&row.legal_basis)
                        .push_bind(&row.start_date)
                        .push_bind(&row.planned_end_date)
                        .push_bind(&row.end_date)
                        .push_bind(&row.end_reason)
                        .push_bind(row.granted_minutes_per_week)
                        .push_bind(&row.approval_state)
                        .push_bind(row.in_error);
                }
            );
            let alerts: Vec<(i64, &AlertRow)> = (0_i64..).zip(&projection.alerts).collect();
            insert_rows!(
                conn,
                doc,
                tenant_id,
                "INSERT INTO proj_alerts (doc_id, tenant_id, position, course_id, kind, contact_id, item, \
                 rule_set_version) ",
                alerts,
                |b, entry| {
                    let (position, row) = entry;
                    b.push_bind(*position)
                        .push_bind(&row.course_id)
                        .push_bind(&row.kind)
                        .push_bind(&row.contact_id)
                        .push_bind(&row.item)
                        .push_bind(&row.rule_set_version);
                }
            );
            insert_rows!(
                conn,
                doc,
                tenant_id,
                "INSERT INTO proj_conflicts (doc_id, tenant_id, path, value_count) ",
                projection.conflicts,
                |b, row| {
                    b.push_bind(&row.path).push_bind(row.value_count);
                }
            );
        });
        Ok(())
    }
}
