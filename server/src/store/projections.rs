//! The projection tables (`proj_*`): replaced as a whole inside each commit, and read back.
//!
//! A commit deletes the document's rows and inserts the new projection with multi-row `INSERT`s, a statement per
//! table (per [`ROWS_PER_INSERT`] rows) rather than one per row, so a document with a year of contacts costs a
//! handful of round trips on PostgreSQL, not hundreds.

use sqlx::{Connection, Database, QueryBuilder};

use super::{Store, StoreError, Tx, on_pool, on_tx};
use crate::projection::{AlertRow, ConflictRow, ContactRow, CourseRow, FitScoreRow, GoalRow, Projection};

/// Rows per `INSERT`: at 14 columns, far below SQLite's (32,766) and PostgreSQL's (65,535) parameter limits.
const ROWS_PER_INSERT: usize = 500;

/// The tables a projection fills, in the order they are cleared.
const TABLES: [&str; 6] = [
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
        tenant_id: &str,
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
            insert_rows!(
                conn,
                doc,
                tenant_id,
                "INSERT INTO proj_contacts (doc_id, tenant_id, contact_id, kind, started_at, duration_minutes, \
                 course_id, recorded_by, has_notes) ",
                projection.contacts,
                |b, row| {
                    b.push_bind(&row.contact_id)
                        .push_bind(&row.kind)
                        .push_bind(row.start_ms)
                        .push_bind(row.duration_minutes)
                        .push_bind(&row.course_id)
                        .push_bind(&row.recorded_by)
                        .push_bind(row.has_notes);
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
                 target_date, created_at) ",
                projection.goals,
                |b, row| {
                    b.push_bind(&row.goal_id)
                        .push_bind(&row.parent_id)
                        .push_bind(&row.level)
                        .push_bind(&row.goal_type)
                        .push_bind(&row.status)
                        .push_bind(&row.title)
                        .push_bind(&row.target_date)
                        .push_bind(row.created_ms);
                }
            );
            insert_rows!(
                conn,
                doc,
                tenant_id,
                "INSERT INTO proj_courses (doc_id, tenant_id, course_id, service_code, legal_basis, start_date, \
                 planned_end_date, end_date, end_reason, granted_minutes_per_week, approval_state) ",
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
                        .push_bind(&row.approval_state);
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

// The columns of each table's SELECT below, in order.
type ContactColumns = (String, String, i64, i64, Option<String>, String, bool);
type GoalColumns = (
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
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
);
type AlertColumns = (
    i64,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
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
    pub async fn projection_rows(&self, doc_id: &str) -> Result<Projection, StoreError> {
        let mut projection = Projection {
            doc_id: doc_id.to_owned(),
            ..Projection::default()
        };
        let sql = "SELECT contact_id, kind, started_at, duration_minutes, course_id, recorded_by, has_notes \
                   FROM proj_contacts WHERE doc_id = $1";
        let rows: Vec<ContactColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id)
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
            })
            .collect();
        projection
            .contacts
            .sort_by(|a, b| a.contact_id.cmp(&b.contact_id));

        let sql = "SELECT contact_id, slot, instrument, entry, item_1_mm, item_2_mm, item_3_mm, item_4_mm, \
                   total_mm, paper_total, rater, below_cutoff FROM proj_fit_scores WHERE doc_id = $1";
        let rows: Vec<FitScoreColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id)
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

        let sql = "SELECT goal_id, parent_id, level, goal_type, status, title, target_date, created_at \
                   FROM proj_goals WHERE doc_id = $1";
        let rows: Vec<GoalColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id)
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
            })
            .collect();
        projection.goals.sort_by(|a, b| a.goal_id.cmp(&b.goal_id));

        projection.courses = self.course_rows(doc_id).await?;

        let sql = "SELECT position, course_id, kind, contact_id, item, rule_set_version \
                   FROM proj_alerts WHERE doc_id = $1";
        let mut rows: Vec<AlertColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id)
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
            .bind(doc_id)
            .fetch_all(pool)
            .await)?;
        projection.conflicts = rows
            .into_iter()
            .map(|(path, value_count)| ConflictRow { path, value_count })
            .collect();
        projection.conflicts.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(projection)
    }

    async fn course_rows(&self, doc_id: &str) -> Result<Vec<CourseRow>, StoreError> {
        let sql = "SELECT course_id, service_code, legal_basis, start_date, planned_end_date, end_date, \
                   end_reason, granted_minutes_per_week, approval_state FROM proj_courses WHERE doc_id = $1";
        let rows: Vec<CourseColumns> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(doc_id)
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
            })
            .collect();
        courses.sort_by(|a, b| a.course_id.cmp(&b.course_id));
        Ok(courses)
    }
}
