//! The SQLite and PostgreSQL migrations are written twice by hand: after migrating, both databases must have the
//! same tables, columns (with the type mapping of `server::store::schema`), nullability and indexes.

use crate::helpers::{Backend, TestDatabase, skip_postgres};
use server::store::Store;

async fn schema_of(backend: Backend) -> (server::store::Schema, TestDatabase) {
    let database = TestDatabase::create(backend).await;
    let store = Store::connect(&database.url).await.expect("connects");
    store.migrate().await.expect("migrates");
    let schema = store.schema().await.expect("reads the schema");
    store.close().await;
    (schema, database)
}

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_schema() {
    if skip_postgres() {
        return;
    }
    let (sqlite, _a) = schema_of(Backend::Sqlite).await;
    let (postgres, _b) = schema_of(Backend::Postgres).await;
    assert!(sqlite.tables.len() > 10, "{:?}", sqlite.tables.keys());
    assert_eq!(
        sqlite.tables.keys().collect::<Vec<_>>(),
        postgres.tables.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, columns) in &sqlite.tables {
        assert_eq!(
            Some(columns),
            postgres.tables.get(table),
            "the columns of {table}"
        );
    }
    assert_eq!(sqlite.indexes, postgres.indexes, "the same indexes");
}
