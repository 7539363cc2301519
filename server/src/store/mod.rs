//! The one place that speaks SQL: a [`Store`] over SQLite (embedded) or PostgreSQL (production).
//!
//! # How the two databases are abstracted
//!
//! [`Store`] holds an enum of the two concrete pools ([`SqlitePool`] or [`PgPool`]) rather than sqlx's `Any`
//! driver. Each method writes its SQL once and runs it through the [`on_pool!`] macro, which expands the same
//! expression once per backend, so every query is type-checked against the concrete driver. We chose this over
//! `Any` because:
//! - `Any` erases types to a lowest common denominator, while here `bool`, `Vec<u8>` and `i64` map to each
//!   database's native column types (INTEGER/BOOLEAN, BLOB/BYTEA, BIGINT).
//! - The places where the databases must differ stay explicit and typed: SQLite's `BEGIN IMMEDIATE` (take the
//!   write lock up front instead of failing to upgrade later), PostgreSQL's `SELECT … FOR UPDATE`, and, in the
//!   sync step, PostgreSQL `LISTEN/NOTIFY` through a `PgListener` that needs a real `PgPool`.
//! - Each pool is configured natively (SQLite pragmas; PostgreSQL pool sizes).
//!
//! The SQL itself is portable: `$1`-style parameters (SQLite accepts them as numbered parameters), `RETURNING`,
//! `ON CONFLICT … DO NOTHING`, and partial indexes work in both. Migrations live in `migrations/sqlite` and
//! `migrations/postgres`, with the same tables and columns.
//!
//! Queries use sqlx's runtime functions rather than the compile-time checked `query!` macros, which check against
//! one database at a time and would need two sets of offline data for every query.
//!
//! A statement built to fit its rows (`QueryBuilder`: a multi-row `INSERT`, an `IN (…)` list) is not kept
//! prepared (`persistent(false)`): each row count is another statement, and sqlx keeps up to 100 prepared per
//! pooled connection. SQLite's prepared form of a many-row `INSERT` is tens of KiB, so after an upload of 1,000
//! cases the pool held some 12 MiB of statements no later batch would use again (BENCHMARKS.md, "Memory after
//! 1,000 cases on SQLite"). Statements of fixed text stay prepared.

// The one module that writes SQL: server/clippy.toml forbids sqlx::query* everywhere else.
#![allow(clippy::disallowed_methods)]

mod access;
mod audit;
mod break_glass;
mod cases;
pub mod chain;
mod checkins;
mod connect;
mod devices;
mod documents;
mod fit_rules;
mod heads;
mod holdings;
mod identity;
mod login;
mod notices;
mod projections;
mod quarantine;
mod refresh;
mod review;
mod schema;
mod secrets;

use sqlx::{PgPool, SqlitePool};
use sync_core::DocumentId;

pub use access::{Viewer, VisibleCase};
pub use audit::{AuditChain, AuditFilter, AuditHead, AuditRecord, AuditRow, CaseLookup};
pub use break_glass::{BreakGlass, NewBreakGlass};
pub use cases::NewCase;
pub use checkins::{Checkin, NewCheckin};
pub use devices::{Device, DeviceListing};
pub use documents::{DocumentCommit, StoredDocument, actors_of, snapshot_of};
pub use fit_rules::{RuleSetLoad, StoredRuleSet};
pub use heads::Heads;
pub use identity::{NewUser, Role, Team, Tenant, User};
pub use login::{LOCKOUT_FAILURES, LOCKOUT_WINDOW_MS};
pub use notices::{Heard, Notice, NoticeListener, Reach};
pub use quarantine::{QuarantineEntry, Quarantined};
pub use refresh::{RefreshOwner, Rotation};
pub use review::{
    ExportContact, ExportRating, ReviewAlert, ReviewCase, ReviewCourse, ReviewData, ReviewUser,
    TenantSettings,
};
pub use schema::{Column, Schema};
pub use secrets::JWT_SECRET;

/// Handle to the central database. Cheap to clone: clones share the pools.
///
/// A store holds two pools on the same database: the general one, and a small one of the sync path's durable
/// writes (the group commits and the read log's rows), so that those never queue for a connection behind the
/// reads of thousands of sync connections at once (in the municipality benchmark, a group commit waited up to
/// 2.3 s for the general pool). [`Store::sync_writer`] is a store that runs on the second.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    writer: Backend,
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Backend {
    fn pool_use(&self) -> PoolUse {
        fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> PoolUse {
            PoolUse {
                size: pool.size() as usize,
                idle: pool.num_idle(),
                max: pool.options().get_max_connections() as usize,
            }
        }
        match self {
            Backend::Sqlite(pool) => of(pool),
            Backend::Postgres(pool) => of(pool),
        }
    }
}

/// The pool's use at one moment (for `GET /metrics`).
#[derive(Clone, Copy, Debug)]
pub struct PoolUse {
    pub size: usize,
    pub idle: usize,
    pub max: usize,
}

/// Which database a [`Store`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database url: expected `sqlite:…` or `postgres://…`")]
    UnsupportedUrl,
    /// A unique constraint refused the row (e.g. a username already taken in the tenant).
    #[error("already exists")]
    AlreadyExists,
    /// A row the operation needs does not exist (e.g. committing to a case that was never created).
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The caller passed arguments that contradict each other (e.g. fewer hashes than changes).
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// The document changed (in another process) since the caller read it: catch up and try again.
    #[error("the document changed since it was read")]
    Stale,
    /// A row holds a value the code does not understand (e.g. an unknown role).
    #[error("invalid stored value: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::AlreadyExists,
            _ => StoreError::Database(error),
        }
    }
}

/// Runs `$body` with `$pool` bound to the concrete pool of `$store`, once per backend.
///
/// The body is expanded twice, so a query written once is compiled against both drivers.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Executes a statement (built by `$query`, once per backend) on `$store`'s pool and returns the number of rows
/// it affected, the one part of the two drivers' different result types that callers need.
macro_rules! execute {
    ($store:expr, $query:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite(pool) => {
                $query.execute(pool).await.map(|done| done.rows_affected())
            }
            $crate::store::Backend::Postgres(pool) => {
                $query.execute(pool).await.map(|done| done.rows_affected())
            }
        }
    };
}
pub(crate) use execute;

/// Runs `$body` with `$conn` bound to the connection of an open transaction, once per backend.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::store::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// An open write transaction on either backend.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// A case id as the store keeps it (`cases.doc_id` and the columns naming it): sync-core's [`DocumentId`] in its
/// text form. The store writes only ids it was given as [`DocumentId`]s, so one that does not parse is corrupt.
pub(crate) fn case_id(text: &str) -> Result<DocumentId, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("case id {text:?}")))
}

impl Store {
    /// Which database this store runs on.
    pub fn kind(&self) -> DatabaseKind {
        match self.backend {
            Backend::Sqlite(_) => DatabaseKind::Sqlite,
            Backend::Postgres(_) => DatabaseKind::Postgres,
        }
    }

    /// Brings the schema up to date. Safe to run from several processes at once: sqlx takes a lock first.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Backend::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        execute!(self, sqlx::query("SELECT 1"))?;
        Ok(())
    }

    /// For each of the store's two pools, by name (`general`, `sync_writers`): how many connections it holds, how
    /// many of them are idle, and how many it may hold.
    pub fn pool_use(&self) -> [(&'static str, PoolUse); 2] {
        [
            ("general", self.backend.pool_use()),
            ("sync_writers", self.writer.pool_use()),
        ]
    }

    /// Closes every pooled connection of both pools, waiting for checked-out ones to come back.
    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await);
        match &self.writer {
            Backend::Sqlite(pool) => pool.close().await,
            Backend::Postgres(pool) => pool.close().await,
        }
    }

    /// This store on its pool of sync writes (see [`Store`]): for the tasks that make device changes and reads
    /// durable, and nothing else, so the pool stays free for them.
    pub fn sync_writer(&self) -> Store {
        Store {
            backend: self.writer.clone(),
            writer: self.writer.clone(),
        }
    }

    /// Starts a write transaction.
    ///
    /// SQLite gets `BEGIN IMMEDIATE`: a deferred transaction that reads first and writes later can fail with
    /// `SQLITE_BUSY` when another writer got in between, whereas an immediate one waits (up to the busy timeout)
    /// for the single write lock up front.
    pub(crate) async fn begin_write(&self) -> Result<Tx, StoreError> {
        Ok(match &self.backend {
            Backend::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }
}
