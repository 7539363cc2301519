//! A database that exists for one test: a SQLite file in a temporary directory, or a uniquely named PostgreSQL
//! database on the server at `TOVHOLDER_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432`), dropped when
//! the value is, even when the test fails. If PostgreSQL is unreachable the PostgreSQL tests fail loudly; a run that
//! means to skip them says so with `TOVHOLDER_TEST_SKIP_PG=1` (`scripts/test` does when no PostgreSQL can be had).

use sqlx::{Connection, PgConnection};
use tempfile::TempDir;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether the PostgreSQL tests were switched off explicitly (and says so in the test output).
pub fn skip_postgres() -> bool {
    let skip = std::env::var("TOVHOLDER_TEST_SKIP_PG").is_ok_and(|value| value == "1");
    if skip {
        eprintln!("SKIPPED: PostgreSQL test (TOVHOLDER_TEST_SKIP_PG=1)");
    }
    skip
}

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code, reason = "held so the directory lives as long as the database")] TempDir),
    Postgres { admin_url: String, name: String },
}

// Creating and dropping whole databases is the harness's job, not the store's.
#[allow(
    clippy::disallowed_methods,
    reason = "CREATE and DROP DATABASE for throwaway test databases"
)]
impl TestDatabase {
    pub async fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite:{}", dir.path().join("tovholder.db").display());
                TestDatabase {
                    url,
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Backend::Postgres => {
                let base = std::env::var("TOVHOLDER_TEST_PG_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
                let admin_url = with_database(&base, "postgres");
                let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|error| {
                    panic!(
                        "\n\n*** PostgreSQL is not reachable at {base}: {error}\n*** Start PostgreSQL, point \
                         TOVHOLDER_TEST_PG_URL at one, or set TOVHOLDER_TEST_SKIP_PG=1 to skip the PostgreSQL \
                         tests explicitly.\n"
                    )
                });
                // The name is ours (a fixed prefix and a UUID), never input.
                let name = format!("tovholder_test_{}", uuid::Uuid::new_v4().simple());
                let create = format!("CREATE DATABASE \"{name}\"");
                sqlx::query(sqlx::AssertSqlSafe(create))
                    .execute(&mut admin)
                    .await
                    .expect("create the test database");
                let url = with_database(&base, &name);
                TestDatabase {
                    url,
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
        }
    }
}

#[allow(
    clippy::disallowed_methods,
    reason = "CREATE and DROP DATABASE for throwaway test databases"
)]
impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop may run inside a test's runtime, which cannot be blocked on; a thread with its own runtime can.
        // FORCE ends the connections that are still open.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .map_err(std::io::Error::other)?;
                let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                sqlx::query(sqlx::AssertSqlSafe(drop))
                    .execute(&mut admin)
                    .await
                    .map_err(std::io::Error::other)?;
                Ok::<_, std::io::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.url);
        }
    }
}

/// Runs `sql` on the database at `url` past the store, as someone with the database's password would (to tamper,
/// or to recreate what an older schema left).
#[allow(clippy::disallowed_methods, reason = "tests reach past the store on purpose")]
pub async fn execute_raw(url: &str, sql: &'static str) {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.expect("connects");
        sqlx::query(sql).execute(&pool).await.expect("runs");
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.expect("connects");
        sqlx::query(sql).execute(&pool).await.expect("runs");
        pool.close().await;
    }
}

/// Commits so far in every tenant (the sum of the tenants' commit numbers), read straight from the database the
/// server writes (0 while it does not answer). Commits, not changes: a new case is stored as one snapshot,
/// whatever number of changes it holds.
#[allow(clippy::disallowed_methods, reason = "tests reach past the store on purpose")]
pub async fn commits_so_far(url: &str) -> i64 {
    let sql = "SELECT CAST(COALESCE(SUM(seq), 0) AS BIGINT) FROM tenant_seq";
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

/// `base` (a PostgreSQL URL, with or without a database and query) pointing at `database` instead.
fn with_database(base: &str, database: &str) -> String {
    let (address, query) = match base.split_once('?') {
        Some((address, query)) => (address, format!("?{query}")),
        None => (base, String::new()),
    };
    let host_start = address.find("://").map_or(0, |at| at + 3);
    let host_end = address[host_start..]
        .find('/')
        .map_or(address.len(), |at| host_start + at);
    format!("{}/{database}{query}", &address[..host_end])
}

/// A tenant of the store, by its slug; panics if there is none (tests name the demo's tenants).
pub async fn find_tenant(store: &server::store::Store, slug: &str) -> server::store::Tenant {
    store
        .tenant_by_slug(slug)
        .await
        .expect("store")
        .unwrap_or_else(|| panic!("no tenant {slug}"))
}

/// A user of the store, by tenant slug and username; panics if there is none.
pub async fn find_user(store: &server::store::Store, slug: &str, username: &str) -> server::store::User {
    let tenant = find_tenant(store, slug).await;
    store
        .user_by_username(&tenant.id, username)
        .await
        .expect("store")
        .unwrap_or_else(|| panic!("no user {username} in {slug}"))
}

/// A team added to `tenant` straight in the store at `url`, with workers who log in with the demo password. Returns
/// the team's id and each worker's user id, in the order of `usernames`. For the benchmarks' staff, which the demo
/// data does not have.
pub async fn add_team(
    url: &str,
    tenant: &str,
    team: &str,
    shares_cases: bool,
    usernames: &[String],
) -> (String, Vec<String>) {
    let store = server::store::Store::connect(url).await.expect("the store");
    let added = add_team_in(&store, tenant, team, shares_cases, usernames).await;
    store.close().await;
    added
}

/// A municipality added straight in the store at `url`, with one team of workers who share their cases and log in
/// with the demo password: for the benchmarks that need more municipalities than the demo's two. Returns the
/// team's id and each worker's user id, in the order of `usernames`.
pub async fn add_municipality(url: &str, slug: &str, usernames: &[String]) -> (String, Vec<String>) {
    let store = server::store::Store::connect(url).await.expect("the store");
    store
        .create_tenant(slug, &format!("Benchmark municipality {slug}"), 1)
        .await
        .expect("a municipality");
    let added = add_team_in(&store, slug, "Benchmark team", true, usernames).await;
    store.close().await;
    added
}

/// [`add_team`] in an open store (a test's in-process server's).
pub async fn add_team_in(
    store: &server::store::Store,
    tenant: &str,
    team: &str,
    shares_cases: bool,
    usernames: &[String],
) -> (String, Vec<String>) {
    let tenant = find_tenant(store, tenant).await;
    let team = store
        .create_team(&tenant.id, team, shares_cases, 1)
        .await
        .expect("a team");
    // Hashed once for them all: argon2 takes a good part of a second.
    let hash = server::auth::password::hash_blocking(secrecy::SecretString::from(crate::DEMO_PASSWORD))
        .await
        .expect("hashes");
    let mut users = Vec::with_capacity(usernames.len());
    for username in usernames {
        let new = server::store::NewUser {
            tenant_id: &tenant.id,
            username,
            password_hash: &hash,
            role: server::store::Role::Worker,
            team_id: Some(&team.id),
        };
        users.push(store.create_user(&new, 1).await.expect("a user").id.to_string());
    }
    (team.id.to_string(), users)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_database_replaces_only_the_database() {
        assert_eq!(with_database("postgres://u@h:5432", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
