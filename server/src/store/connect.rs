//! Opening a [`Store`] from a database URL, with each backend's settings for durability and concurrency.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Backend, Store, StoreError};

/// How long a connection waits for SQLite's single write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request waits for a free pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// A pooled connection idle this long is closed (sqlx's default is ten minutes): after a burst the pools shrink
/// back, and with them what each connection keeps (prepared statements, SQLite's page cache), so the server's
/// memory comes back with its documents (BENCHMARKS.md, "Memory that comes back"). Opening one again costs a
/// few milliseconds.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// SQLite's page cache per connection, in KiB (SQLite's default is 2,000): the operating system caches the file
/// too, and eleven connections with full default caches would hold 22 MiB.
const SQLITE_CACHE_KIB: i64 = 1024;
/// The general pool's size on SQLite: readers run in parallel under WAL; writers queue on SQLite's lock, so a
/// handful of connections is plenty on a small machine.
const SQLITE_CONNECTIONS: u32 = 8;
/// The general pool's size on PostgreSQL. With the sync writers' pool and the notice listener, a process holds at
/// most 21 connections, so four processes stay within PostgreSQL's default limit of 100.
const POSTGRES_CONNECTIONS: u32 = 14;
/// The sync writers' own pool ([`Store::sync_writer`]): the group committer's lanes (one on SQLite, four on
/// PostgreSQL), the read log's lane and the holdings lane.
const SQLITE_SYNC_WRITERS: u32 = 3;
const POSTGRES_SYNC_WRITERS: u32 = 6;

impl Store {
    /// Opens a pool for `url`: `sqlite:path` (the file is created if missing) or `postgres://…`.
    ///
    /// Does not migrate; call [`Store::migrate`] next.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let (backend, writer) = if url.starts_with("sqlite:") {
            let general = connect_sqlite(url, SQLITE_CONNECTIONS).await?;
            let writer = connect_sqlite(url, SQLITE_SYNC_WRITERS).await?;
            (Backend::Sqlite(general), Backend::Sqlite(writer))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let general = connect_postgres(url, POSTGRES_CONNECTIONS).await?;
            let writer = connect_postgres(url, POSTGRES_SYNC_WRITERS).await?;
            (Backend::Postgres(general), Backend::Postgres(writer))
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        Ok(Store { backend, writer })
    }
}

async fn connect_sqlite(url: &str, connections: u32) -> Result<sqlx::SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        // WAL lets readers proceed while one writer commits.
        .journal_mode(SqliteJournalMode::Wal)
        // FULL syncs the WAL on every commit: an acknowledgement to a device means the change survives a power
        // cut, which NORMAL (the usual WAL pairing) does not promise.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        // Negative: a size in KiB rather than in pages.
        .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"));
    let pool = SqlitePoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .idle_timeout(POOL_IDLE_TIMEOUT)
        .connect_with(options)
        .await?;
    Ok(pool)
}

async fn connect_postgres(url: &str, connections: u32) -> Result<sqlx::PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url)?.application_name("tovholder");
    let pool = PgPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .idle_timeout(POOL_IDLE_TIMEOUT)
        .connect_with(options)
        .await?;
    Ok(pool)
}
