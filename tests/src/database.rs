//! Throwaway databases for end-to-end tests: a PostgreSQL database of its own per test, or a SQLite file in a
//! temporary directory. The PostgreSQL server comes from `TOVHOLDER_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432`); `TOVHOLDER_TEST_SKIP_PG=1` skips, loudly, the tests that need it.

use std::path::PathBuf;

use sqlx::Connection;

/// A database that lives as long as the value (PostgreSQL databases are dropped by [`TestDatabase::drop_now`]).
pub struct TestDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
    dir: Option<PathBuf>,
}

/// Whether the PostgreSQL tests are to be skipped; says so on stderr.
pub fn skip_postgres(test: &str) -> bool {
    let skip = std::env::var("TOVHOLDER_TEST_SKIP_PG").is_ok_and(|v| v == "1");
    if skip {
        eprintln!("SKIPPED (no PostgreSQL): {test}");
    }
    skip
}

fn server_url() -> String {
    std::env::var("TOVHOLDER_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

impl TestDatabase {
    /// A fresh PostgreSQL database.
    pub async fn postgres() -> TestDatabase {
        let server = server_url();
        let name = format!("tovholder_e2e_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL at {server} is not reachable ({e}); set TOVHOLDER_TEST_SKIP_PG=1 to skip")
            });
        // The name is ours (a fixed prefix and a UUID), never input.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        TestDatabase {
            url: format!("{server}/{name}"),
            postgres: Some((server, name)),
            dir: None,
        }
    }

    /// A fresh SQLite file.
    pub fn sqlite() -> TestDatabase {
        let dir = std::env::temp_dir().join(format!("tovholder-e2e-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        TestDatabase {
            url: format!("sqlite:{}", dir.join("tovholder.db").display()),
            postgres: None,
            dir: Some(dir),
        }
    }

    /// Drops the database; call it once the servers using it have stopped.
    pub async fn drop_now(self) {
        if let Some((server, name)) = &self.postgres
            && let Ok(mut admin) = sqlx::PgConnection::connect(&format!("{server}/postgres")).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await;
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Changes committed so far, read straight from the database the server writes.
pub async fn committed_changes(url: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM doc_changes";
    let count = if url.starts_with("sqlite:") {
        match sqlx::SqliteConnection::connect(url).await {
            Ok(mut db) => sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut db).await.ok(),
            Err(_) => None,
        }
    } else {
        match sqlx::PgConnection::connect(url).await {
            Ok(mut db) => sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut db).await.ok(),
            Err(_) => None,
        }
    };
    count.unwrap_or(0)
}
