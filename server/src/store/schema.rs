//! The schema as the database reports it, in one vocabulary for both backends, so a test can check that the
//! SQLite and PostgreSQL migrations (written twice by hand) define the same tables, columns and indexes.
//!
//! Column types are mapped to what the store binds: `text`, `integer` (SQLite INTEGER; PostgreSQL BIGINT,
//! INTEGER, SMALLINT), `boolean` (SQLite stores it as INTEGER, constrained to 0 or 1: see [`Schema::of_sqlite`]),
//! `bytes` (BLOB / BYTEA) and `real`.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

use super::{Backend, Store, StoreError};

/// Tables with their columns, and the indexes (other than primary keys and unique constraints' own).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    pub tables: BTreeMap<String, BTreeMap<String, Column>>,
    /// `(table, index name, columns in order)`.
    pub indexes: BTreeSet<(String, String, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub kind: String,
    pub nullable: bool,
}

/// sqlx's own bookkeeping, not ours.
const IGNORED_TABLES: [&str; 1] = ["_sqlx_migrations"];

impl Store {
    /// The schema of the connected database.
    pub async fn schema(&self) -> Result<Schema, StoreError> {
        match &self.backend {
            Backend::Sqlite(pool) => Schema::of_sqlite(pool).await,
            Backend::Postgres(pool) => Schema::of_postgres(pool).await,
        }
    }
}

impl Schema {
    /// SQLite: `sqlite_master` and the table and index pragmas. A boolean column is an INTEGER whose CHECK
    /// constraint names it `IN (0, 1)`; that is how the migrations write one.
    async fn of_sqlite(pool: &sqlx::SqlitePool) -> Result<Schema, StoreError> {
        let mut schema = Schema::default();
        let tables = sqlx::query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(pool)
        .await?;
        for table in tables {
            let name: String = table.get("name");
            let sql: String = table.get("sql");
            if IGNORED_TABLES.contains(&name.as_str()) {
                continue;
            }
            let sql = sql
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let columns = sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&name)
                .fetch_all(pool)
                .await?;
            let mut found = BTreeMap::new();
            for column in columns {
                let column_name: String = column.get("name");
                let declared: String = column.get("type");
                let not_null: i64 = column.get("notnull");
                let primary: i64 = column.get("pk");
                let is_boolean = sql.contains(&format!("{column_name} in (0, 1)"))
                    || sql.contains(&format!("{column_name} in (0,1)"));
                let kind = if is_boolean {
                    "boolean".to_owned()
                } else {
                    sqlite_kind(&declared)
                };
                found.insert(
                    column_name,
                    Column {
                        kind,
                        nullable: not_null == 0 && primary == 0,
                    },
                );
            }
            schema.tables.insert(name.clone(), found);
            let indexes = sqlx::query("SELECT name, origin FROM pragma_index_list($1)")
                .bind(&name)
                .fetch_all(pool)
                .await?;
            for index in indexes {
                let index_name: String = index.get("name");
                let origin: String = index.get("origin");
                // `c`: made by CREATE INDEX; `pk` and `u` come with the table's own constraints.
                if origin != "c" {
                    continue;
                }
                let columns = sqlx::query("SELECT seqno, name FROM pragma_index_info($1)")
                    .bind(&index_name)
                    .fetch_all(pool)
                    .await?;
                let mut columns: Vec<(i64, String)> = columns
                    .into_iter()
                    .map(|c| (c.get::<i64, _>("seqno"), c.get::<String, _>("name")))
                    .collect();
                columns.sort();
                schema.indexes.insert((
                    name.clone(),
                    index_name,
                    columns.into_iter().map(|(_, c)| c).collect(),
                ));
            }
        }
        Ok(schema)
    }

    async fn of_postgres(pool: &sqlx::PgPool) -> Result<Schema, StoreError> {
        let mut schema = Schema::default();
        let columns = sqlx::query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, \
             is_nullable::text AS is_nullable FROM information_schema.columns WHERE table_schema = current_schema()",
        )
        .fetch_all(pool)
        .await?;
        for column in columns {
            let table: String = column.get("table_name");
            if IGNORED_TABLES.contains(&table.as_str()) {
                continue;
            }
            let data_type: String = column.get("data_type");
            let nullable: String = column.get("is_nullable");
            schema.tables.entry(table).or_default().insert(
                column.get("column_name"),
                Column {
                    kind: postgres_kind(&data_type),
                    nullable: nullable == "YES",
                },
            );
        }
        // Indexes not backing a constraint (primary keys, UNIQUE, EXCLUDE), with their key columns in order.
        let indexes = sqlx::query(
            "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
             array_agg(a.attname::text ORDER BY k.ordinality) AS columns \
             FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() \
             CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ordinality) \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
             WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
             GROUP BY t.relname, i.relname",
        )
        .fetch_all(pool)
        .await?;
        for index in indexes {
            let table: String = index.get("table_name");
            if IGNORED_TABLES.contains(&table.as_str()) {
                continue;
            }
            schema
                .indexes
                .insert((table, index.get("index_name"), index.get("columns")));
        }
        Ok(schema)
    }
}

fn sqlite_kind(declared: &str) -> String {
    match declared.to_uppercase().as_str() {
        "TEXT" => "text",
        "INTEGER" | "BIGINT" | "INT" => "integer",
        "BLOB" => "bytes",
        "REAL" | "DOUBLE" => "real",
        "BOOLEAN" => "boolean",
        other => return other.to_lowercase(),
    }
    .to_owned()
}

fn postgres_kind(data_type: &str) -> String {
    match data_type {
        "text" | "character varying" => "text",
        "bigint" | "integer" | "smallint" => "integer",
        "boolean" => "boolean",
        "bytea" => "bytes",
        "double precision" | "real" => "real",
        other => other,
    }
    .to_owned()
}
