//! The projection tables (`proj_*`): replaced as a whole inside each commit, and read back ([`read`]).
//!
//! A commit deletes the document's rows and inserts the new projection with multi-row `INSERT`s, a statement per
//! table (per [`ROWS_PER_INSERT`] rows) rather than one per row, so a document with a year of contacts costs a
//! handful of round trips on PostgreSQL, not hundreds.

use sqlx::{Connection, Database, QueryBuilder};

use super::{StoreError, Tx, on_tx};
use crate::ids::TenantId;
use crate::projection::{PROJECTION_VERSION, Projection};

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

/// Inserts the rows `$field` of every projection of `$items` in chunks; `$push` binds one row's values, after the
/// doc id and tenant id.
macro_rules! insert_rows {
    ($conn:ident, $items:expr, $sql:literal, |$p:ident| $field:expr, |$b:ident, $row:ident| $push:block) => {
        let rows: Vec<_> = $items
            .iter()
            .flat_map(|(tenant, $p, _)| {
                $field
                    .into_iter()
                    .map(move |row| ($p.doc_id.as_str(), *tenant, row))
            })
            .collect();
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut query = builder(&*$conn, $sql);
            query.push_values(chunk, |mut $b, (doc, tenant, $row)| {
                $b.push_bind(*doc).push_bind(*tenant);
                $push
            });
            query.build().persistent(false).execute(&mut *$conn).await?;
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
        self.replace_projections(&[(tenant_id, projection, false)]).await
    }

    /// Replaces the projection rows of several documents, each `(tenant, projection, new)`: a statement per table
    /// for all of them. A `new` document's case row was created in this transaction, so it has no rows to delete
    /// (the tables reference `cases`).
    pub(crate) async fn replace_projections(
        &mut self,
        items: &[(&TenantId, &Projection, bool)],
    ) -> Result<(), StoreError> {
        let stale: Vec<&str> = items
            .iter()
            .filter(|(_, _, new)| !new)
            .map(|(_, projection, _)| projection.doc_id.as_str())
            .collect();
        on_tx!(self, |conn| {
            for chunk in stale.chunks(ROWS_PER_INSERT) {
                for table in TABLES {
                    let mut query = builder(&*conn, &format!("DELETE FROM {table} WHERE doc_id IN ("));
                    let mut ids = query.separated(", ");
                    for doc in chunk {
                        ids.push_bind(*doc);
                    }
                    query.push(")");
                    query.build().persistent(false).execute(&mut *conn).await?;
                }
            }
            insert_rows!(
                conn,
                items,
                "INSERT INTO proj_cases (doc_id, tenant_id, display_name, birth_year, tovholder, is_open, \
                 current_course_id, last_contact_at, last_srs_below_cutoff, next_follow_up_due, \
                 projection_version, closed_day) ",
                |p| std::iter::once(&p.summary),
                |b, summary| {
                    b.push_bind(&summary.display_name)
                        .push_bind(summary.birth_year)
                        .push_bind(&summary.tovholder)
                        .push_bind(summary.is_open)
                        .push_bind(&summary.current_course_id)
                        .push_bind(summary.last_contact_ms)
                        .push_bind(summary.last_srs_below_cutoff)
                        .push_bind(&summary.next_follow_up_due)
                        .push_bind(PROJECTION_VERSION)
                        .push_bind(summary.closed_day);
                }
            );
            insert_rows!(
                conn,
                items,
                "INSERT INTO proj_course_fit (doc_id, tenant_id, course_id, start_date, planned_end_date, \
                 end_date, end_reason, age_at_start, contacts, intake_ors_mm, intake_srs_mm, change_mm, category, \
                 rule_set_version) ",
                |p| &p.course_fit,
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
                items,
                "INSERT INTO proj_outcomes (doc_id, tenant_id, outcome_id, kind, date, in_error) ",
                |p| &p.outcomes,
                |b, row| {
                    b.push_bind(&row.outcome_id)
                        .push_bind(&row.kind)
                        .push_bind(&row.date)
                        .push_bind(row.in_error);
                }
            );
            insert_rows!(
                conn,
                items,
                "INSERT INTO proj_contacts (doc_id, tenant_id, contact_id, kind, started_at, duration_minutes, \
                 course_id, recorded_by, has_notes, in_error) ",
                |p| &p.contacts,
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
                items,
                "INSERT INTO proj_fit_scores (doc_id, tenant_id, contact_id, slot, instrument, entry, item_1_mm, \
                 item_2_mm, item_3_mm, item_4_mm, total_mm, paper_total, rater, below_cutoff) ",
                |p| &p.fit_scores,
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
                items,
                "INSERT INTO proj_goals (doc_id, tenant_id, goal_id, parent_id, level, goal_type, status, title, \
                 target_date, created_at, in_error) ",
                |p| &p.goals,
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
                items,
                "INSERT INTO proj_courses (doc_id, tenant_id, course_id, service_code, legal_basis, start_date, \
                 planned_end_date, end_date, end_reason, granted_minutes_per_week, approval_state, in_error) ",
                |p| &p.courses,
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
            insert_rows!(
                conn,
                items,
                "INSERT INTO proj_alerts (doc_id, tenant_id, position, course_id, kind, contact_id, item, \
                 rule_set_version) ",
                |p| (0_i64..).zip(&p.alerts),
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
                items,
                "INSERT INTO proj_conflicts (doc_id, tenant_id, path, value_count) ",
                |p| &p.conflicts,
                |b, row| {
                    b.push_bind(&row.path).push_bind(row.value_count);
                }
            );
        });
        Ok(())
    }
}
