//! The device's local store: one SQLite file holding the case documents and what the protocol needs to survive a
//! restart.
//!
//! - [`documents`]: documents as appended automerge chunks, their heads and the heads the server acknowledged.
//! - [`notes`]: refusals (quarantined changes) and purge notes, shown by `tov status`.
//! - [`opens`]: openings of cases with their purpose, kept until the server's access log has them.
//! - [`seal`]: what is encrypted under the profile's data key (chunks, refusal messages), and the sealing of a
//!   plaintext store an older tov wrote.
//! - Here: opening (WAL, `synchronous=FULL`, `secure_delete`), the schema migrations, the single values (cursor,
//!   actor id), and [`Store::census`], the counts readable without the key.
//!
//! `synchronous=FULL` because the protocol rests on it: a local edit must be on disk before it is sent, and an Ack
//! or a cursor that is recorded must not be lost to a power cut, or the device would misjudge what is pending.

mod documents;
mod notes;
mod opens;
mod seal;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use automerge::ActorId;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::keys::DataKey;

pub use documents::{AckRecord, StoredDoc, WriteTx, decode_heads, encode_heads, load_automerge};
pub use notes::{PurgeNote, PurgeOutcome, RefusalNote};
pub use opens::Opening;

/// How long a command waits for another tov process (a `sync --watch`, say) to finish its write.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local store: {0}")]
    Database(#[from] sqlx::Error),
    #[error("local store migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value this build cannot read (the store was damaged or written by something else).
    #[error("local store is damaged: {0}")]
    Damaged(String),
    /// The store is sealed under another key than the profile's.
    #[error(
        "the local store is encrypted under another key than this profile's (was key.json replaced?): its \
         documents cannot be read; `tov reset --force` discards them"
    )]
    WrongKey,
}

/// How many documents a store holds, and how many of them have changes the server has not acknowledged: what can
/// be counted without the key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Census {
    pub documents: usize,
    pub pending: usize,
}

/// The open store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    key: Arc<DataKey>,
}

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        // Deleted rows (a purged case, a compacted chunk) are overwritten with zeros, not left in free pages.
        .pragma("secure_delete", "ON")
}

impl Store {
    /// Opens (creating and migrating if needed) the store at `path`, whose rows are sealed under `key`; a store
    /// of an older tov is sealed now ([`seal`]). [`StoreError::WrongKey`] if it is sealed under another key.
    pub async fn open(path: &Path, key: Arc<DataKey>) -> Result<Store, StoreError> {
        // One process, one user: a couple of connections is plenty, and writes serialise on SQLite's lock anyway.
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options(path).create_if_missing(true))
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let store = Store {
            pool,
            path: path.to_owned(),
            key,
        };
        if let Err(error) = store.seal_plaintext().await {
            store.pool.close().await;
            return Err(error);
        }
        Ok(store)
    }

    /// Counts the documents of the store at `path` without its key and without changing it (no store: none).
    pub async fn census(path: &Path) -> Result<Census, StoreError> {
        if !path.exists() {
            return Ok(Census::default());
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options(path))
            .await?;
        let counted: Result<(i64, i64), sqlx::Error> = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(acked_heads IS NULL OR acked_heads != heads), 0) FROM documents",
        )
        .fetch_one(&pool)
        .await;
        pool.close().await;
        let (documents, pending) = match counted {
            Ok(counts) => counts,
            // A file the migrations never reached holds no documents.
            Err(sqlx::Error::Database(error)) if error.message().contains("no such table") => (0, 0),
            Err(error) => return Err(error.into()),
        };
        Ok(Census {
            documents: usize::try_from(documents).unwrap_or(0),
            pending: usize::try_from(pending).unwrap_or(0),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the pool, letting SQLite checkpoint its WAL into the database file.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Deletes the store's files (the database and its WAL). The store must not be open.
    pub fn remove_files(path: &Path) -> std::io::Result<()> {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            match std::fs::remove_file(PathBuf::from(name)) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
        }
        Ok(())
    }

    /// The automerge actor id of this replica, drawn once when the store is created.
    ///
    /// One actor per store, not per process: every edit runs in a write transaction on a freshly loaded document
    /// (see [`WriteTx`]), so two tov processes never give the same sequence number to different changes.
    pub async fn actor(&self) -> Result<ActorId, StoreError> {
        let fresh = uuid::Uuid::new_v4().simple().to_string();
        sqlx::query("INSERT OR IGNORE INTO meta (key, value) VALUES ('actor', ?)")
            .bind(fresh)
            .execute(&self.pool)
            .await?;
        let hex = self
            .meta("actor")
            .await?
            .ok_or_else(|| StoreError::Damaged("no actor id".into()))?;
        hex.parse::<ActorId>()
            .map_err(|_| StoreError::Damaged("actor id is not hex".into()))
    }

    /// The cursor of the last completed catch-up, or `None` before the first.
    pub async fn cursor(&self) -> Result<Option<u64>, StoreError> {
        match self.meta("cursor").await? {
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| StoreError::Damaged("cursor is not a number".into())),
            None => Ok(None),
        }
    }

    pub async fn set_cursor(&self, cursor: u64) -> Result<(), StoreError> {
        self.set_meta("cursor", &cursor.to_string()).await
    }

    /// When the last sync reached the server's state (unix milliseconds).
    pub async fn last_sync_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .meta("last_sync_ms")
            .await?
            .and_then(|text| text.parse().ok()))
    }

    pub async fn set_last_sync_ms(&self, ms: i64) -> Result<(), StoreError> {
        self.set_meta("last_sync_ms", &ms.to_string()).await
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
