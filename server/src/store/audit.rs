//! The access log's rows: appending under the head lock of the tenant's chain, reading for verification and spot
//! checks, and purging past the retention period while keeping an anchor.
//!
//! Each tenant has its own chain (`audit_chains`, one row per chain). Every append and every purge of a chain first
//! locks its head row (SQLite: the write lock of `BEGIN IMMEDIATE`; PostgreSQL: `SELECT … FOR UPDATE`), so the
//! chain's rows get consecutive numbers (`chain_seq`) and each row's `prev_hash` is the hash of the row before it
//! in its chain, even with several server processes on one database, while different tenants never wait for each
//! other. Rows from before the split (`chain` NULL) keep the single legacy chain of `audit_head`. An append can
//! run inside another transaction ([`Tx::append_audit`]), so a commit and its log row land together. The hashing
//! itself is pure and lives in [`super::chain`].

use serde::Serialize;
use sync_core::DocumentId;

use super::chain::{self, Fields, GENESIS, Position};
use super::{Store, StoreError, Tx, on_pool, on_tx};
use crate::ids::{DeviceId, TenantId, UserId};

/// One event to append. Ids, codes, purposes and change hashes only: never citizen data, never secrets.
#[derive(Clone, Copy, Debug)]
pub struct AuditRecord<'a> {
    pub at: i64,
    pub tenant_id: Option<&'a TenantId>,
    pub user_id: Option<&'a UserId>,
    pub device_id: Option<&'a DeviceId>,
    pub action: &'a str,
    pub case_id: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// A stored row of the access log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    #[schema(value_type = Option<String>)]
    pub tenant_id: Option<TenantId>,
    #[schema(value_type = Option<String>)]
    pub user_id: Option<UserId>,
    #[schema(value_type = Option<String>)]
    pub device_id: Option<DeviceId>,
    pub action: String,
    pub case_id: Option<String>,
    pub purpose: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// The row's chain: its tenant's id ("" for events of no tenant); `None` for a row of the legacy chain.
    pub chain: Option<String>,
    /// The row's number in its chain.
    pub chain_seq: Option<i64>,
}

impl AuditRow {
    /// The fields the row's hash covers.
    pub fn fields(&self) -> Fields<'_> {
        let position = match (&self.chain, self.chain_seq) {
            (Some(chain), Some(seq)) => Position::Chain { chain, seq },
            _ => Position::Legacy { id: self.id },
        };
        Fields {
            position,
            at: self.at,
            tenant_id: self.tenant_id.as_ref().map(TenantId::as_str),
            user_id: self.user_id.as_ref().map(UserId::as_str),
            device_id: self.device_id.as_ref().map(DeviceId::as_str),
            action: &self.action,
            case_id: self.case_id.as_deref(),
            purpose: self.purpose.as_deref(),
            detail: self.detail.as_deref(),
        }
    }
}

/// One lookup of a case for an export (GDPR art. 15): date, action and purpose, never who.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CaseLookup {
    pub at: i64,
    pub action: String,
    pub purpose: Option<String>,
}

/// Where a tenant's chain ends and where verification starts (the newest purged row, or the genesis hash).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditChain {
    pub chain: String,
    pub last_seq: i64,
    pub last_hash: String,
    pub anchor_seq: i64,
    pub anchor_hash: String,
}

/// Where the legacy chain ends and where its verification starts (the newest purged row, or the genesis hash).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditHead {
    pub last_id: i64,
    pub last_hash: String,
    pub anchor_id: i64,
    pub anchor_hash: String,
}

/// Spot-check filters of `GET /v1/audit`; `None` matches everything.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// A user id as typed into the search, matched as text (one that is no id matches nothing).
    pub user_id: Option<String>,
    pub case_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: i64,
}

/// The columns of [`AuditRow`], for `concat!`.
macro_rules! columns {
    () => {
        "id, at, tenant_id, user_id, device_id, action, case_id, purpose, detail, prev_hash, hash, chain, chain_seq"
    };
}
const HEAD: &str = "SELECT last_id, last_hash, anchor_id, anchor_hash FROM audit_head WHERE id = 1";

impl Store {
    /// Appends `records` to their tenants' chains in one transaction, in order.
    pub async fn append_audit(&self, records: &[AuditRecord<'_>]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        tx.append_audit(records).await?;
        tx.commit().await
    }

    /// The legacy chain's end and anchor.
    pub async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(HEAD).fetch_one(pool).await)?)
    }

    /// Every tenant's chain: its end and anchor.
    pub async fn audit_chains(&self) -> Result<Vec<AuditChain>, StoreError> {
        let sql =
            "SELECT chain, last_seq, last_hash, anchor_seq, anchor_hash FROM audit_chains ORDER BY chain";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await)?)
    }

    /// Up to `limit` rows of the legacy chain with ids above `after`, in chain order (verification reads a chain
    /// in pages).
    pub async fn audit_rows_after(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM audit_log WHERE chain IS NULL AND id > $1 ORDER BY id LIMIT $2"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await)?)
    }

    /// Up to `limit` rows of `chain` numbered above `after`, in chain order.
    pub async fn audit_chain_rows_after(
        &self,
        chain: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM audit_log WHERE chain = $1 AND chain_seq > $2 ORDER BY chain_seq LIMIT $3"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(chain)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await)?)
    }

    /// A tenant's rows matching `filter`, newest first.
    pub async fn audit_search(
        &self,
        tenant_id: &TenantId,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM audit_log WHERE tenant_id = $1 \
             AND ($2 IS NULL OR user_id = $2) AND ($3 IS NULL OR case_id = $3) AND ($4 IS NULL OR action = $4) \
             AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at <= $6) ORDER BY id DESC LIMIT $7"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .bind(filter.user_id.as_deref())
            .bind(filter.case_id.as_deref())
            .bind(filter.action.as_deref())
            .bind(filter.from)
            .bind(filter.to)
            .bind(filter.limit)
            .fetch_all(pool)
            .await)?)
    }

    /// Every lookup of a case in a tenant, oldest first, as the citizen's right of access shows it: when, what
    /// and why, but not who (no user or device).
    pub async fn audit_lookups_of_case(
        &self,
        tenant_id: &TenantId,
        case_id: &DocumentId,
    ) -> Result<Vec<CaseLookup>, StoreError> {
        let sql =
            "SELECT at, action, purpose FROM audit_log WHERE tenant_id = $1 AND case_id = $2 ORDER BY id";
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .bind(case_id.to_string())
            .fetch_all(pool)
            .await)?)
    }

    /// Up to `n` rows of a tenant chosen at random, for spot checks.
    pub async fn audit_sample(&self, tenant_id: &TenantId, n: i64) -> Result<Vec<AuditRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM audit_log WHERE tenant_id = $1 ORDER BY RANDOM() LIMIT $2"
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(tenant_id)
            .bind(n)
            .fetch_all(pool)
            .await)?)
    }

    /// Deletes the rows older than `before` from every chain (by position: every row up to the newest one older
    /// than `before`) and moves each chain's anchor to its last deleted row, so what remains still verifies. One
    /// transaction per chain, so a purge holds no tenant up for long. Returns how many rows went.
    pub async fn purge_audit(&self, before: i64) -> Result<u64, StoreError> {
        let mut deleted = self.purge_legacy_audit(before).await?;
        for chain in self.audit_chains().await? {
            deleted += self.purge_audit_chain(&chain.chain, before).await?;
        }
        Ok(deleted)
    }

    async fn purge_legacy_audit(&self, before: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let head = lock_head(&mut tx).await?;
        let newest_old = "SELECT id, hash FROM audit_log WHERE id = \
                          (SELECT MAX(id) FROM audit_log WHERE chain IS NULL AND at < $1 AND id > $2)";
        let anchor: Option<(i64, String)> = on_tx!(&mut tx, |conn| sqlx::query_as(newest_old)
            .bind(before)
            .bind(head.anchor_id)
            .fetch_optional(&mut *conn)
            .await)?;
        let Some((anchor_id, anchor_hash)) = anchor else {
            return Ok(0);
        };
        let delete = "DELETE FROM audit_log WHERE chain IS NULL AND id <= $1";
        let update = "UPDATE audit_head SET anchor_id = $1, anchor_hash = $2 WHERE id = 1";
        let deleted = on_tx!(&mut tx, |conn| {
            let done = sqlx::query(delete).bind(anchor_id).execute(&mut *conn).await?;
            sqlx::query(update)
                .bind(anchor_id)
                .bind(&anchor_hash)
                .execute(&mut *conn)
                .await?;
            done.rows_affected()
        });
        tx.commit().await?;
        Ok(deleted)
    }

    async fn purge_audit_chain(&self, chain: &str, before: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let head = lock_chain(&mut tx, chain).await?;
        let newest_old = "SELECT chain_seq, hash FROM audit_log WHERE chain = $1 AND chain_seq = \
                          (SELECT MAX(chain_seq) FROM audit_log WHERE chain = $1 AND at < $2 AND chain_seq > $3)";
        let anchor: Option<(i64, String)> = on_tx!(&mut tx, |conn| sqlx::query_as(newest_old)
            .bind(chain)
            .bind(before)
            .bind(head.anchor_seq)
            .fetch_optional(&mut *conn)
            .await)?;
        let Some((anchor_seq, anchor_hash)) = anchor else {
            return Ok(0);
        };
        let delete = "DELETE FROM audit_log WHERE chain = $1 AND chain_seq <= $2";
        let update = "UPDATE audit_chains SET anchor_seq = $2, anchor_hash = $3 WHERE chain = $1";
        let deleted = on_tx!(&mut tx, |conn| {
            let done = sqlx::query(delete)
                .bind(chain)
                .bind(anchor_seq)
                .execute(&mut *conn)
                .await?;
            sqlx::query(update)
                .bind(chain)
                .bind(anchor_seq)
                .bind(&anchor_hash)
                .execute(&mut *conn)
                .await?;
            done.rows_affected()
        });
        tx.commit().await?;
        Ok(deleted)
    }
}

impl Tx {
    /// Appends `records` to their tenants' chains within this transaction, in order: a commit and its log row land
    /// together or not at all.
    pub(crate) async fn append_audit(&mut self, records: &[AuditRecord<'_>]) -> Result<(), StoreError> {
        let mut chains: Vec<&str> = Vec::new();
        for record in records {
            let chain = record.tenant_id.map_or("", TenantId::as_str);
            if !chains.contains(&chain) {
                chains.push(chain);
            }
        }
        // Chains are locked in name order, one order for every writer, so two appends never wait on each other
        // in a circle.
        chains.sort_unstable();
        let mut rows = Vec::with_capacity(records.len());
        for chain in chains {
            let head = lock_chain(self, chain).await?;
            let (mut seq, mut prev) = (head.last_seq, head.last_hash);
            for record in records
                .iter()
                .filter(|r| r.tenant_id.map_or("", TenantId::as_str) == chain)
            {
                seq += 1;
                let hash = chain::row_hash(
                    &prev,
                    &Fields {
                        position: Position::Chain { chain, seq },
                        at: record.at,
                        tenant_id: record.tenant_id.map(TenantId::as_str),
                        user_id: record.user_id.map(UserId::as_str),
                        device_id: record.device_id.map(DeviceId::as_str),
                        action: record.action,
                        case_id: record.case_id,
                        purpose: record.purpose,
                        detail: record.detail,
                    },
                );
                rows.push(ChainedRow {
                    record,
                    chain,
                    seq,
                    prev: std::mem::replace(&mut prev, hash.clone()),
                    hash,
                });
            }
            let update = "UPDATE audit_chains SET last_seq = $2, last_hash = $3 WHERE chain = $1";
            on_tx!(self, |conn| sqlx::query(update)
                .bind(chain)
                .bind(seq)
                .bind(&prev)
                .execute(&mut *conn)
                .await
                .map(|_| ()))?;
        }
        insert_rows(self, &rows).await
    }
}

/// Rows per multi-row `INSERT`: at 13 columns, far below SQLite's (32,766) and PostgreSQL's (65,535) parameter
/// limits.
const ROWS_PER_INSERT: usize = 500;

/// One access-log row with its place in its chain.
struct ChainedRow<'a> {
    record: &'a AuditRecord<'a>,
    chain: &'a str,
    seq: i64,
    prev: String,
    hash: String,
}

/// Inserts `rows`, many to a statement: a group commit or the read log's lane appends hundreds at once. A row's
/// global id only orders rows across chains for reading: PostgreSQL draws it from a sequence (so tenants need no
/// common lock); SQLite, whose single writer holds the write lock, numbers on from the largest.
async fn insert_rows(tx: &mut Tx, rows: &[ChainedRow<'_>]) -> Result<(), StoreError> {
    let sql = "INSERT INTO audit_log (id, at, tenant_id, user_id, device_id, action, case_id, purpose, detail, \
               prev_hash, hash, chain, chain_seq) ";
    let mut next_id = match tx {
        Tx::Sqlite(tx) => {
            let largest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM audit_log")
                .fetch_one(&mut **tx)
                .await?;
            Some(largest + 1)
        }
        Tx::Postgres(_) => None,
    };
    on_tx!(tx, |conn| {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut query = sqlx::QueryBuilder::new(sql);
            query.push_values(chunk, |mut values, row| {
                match next_id.as_mut() {
                    Some(id) => {
                        values.push_bind(*id);
                        *id += 1;
                    }
                    None => {
                        values.push("nextval('audit_log_ids')");
                    }
                }
                let record = row.record;
                values
                    .push_bind(record.at)
                    .push_bind(record.tenant_id)
                    .push_bind(record.user_id)
                    .push_bind(record.device_id)
                    .push_bind(record.action)
                    .push_bind(record.case_id)
                    .push_bind(record.purpose)
                    .push_bind(record.detail)
                    .push_bind(&row.prev)
                    .push_bind(&row.hash)
                    .push_bind(row.chain)
                    .push_bind(row.seq);
            });
            query.build().persistent(false).execute(&mut *conn).await?;
        }
    });
    Ok(())
}
/// Reads a tenant chain's head row (created at the genesis hash on first use), locking it for the rest of the
/// transaction.
async fn lock_chain(tx: &mut Tx, chain: &str) -> Result<AuditChain, StoreError> {
    let create = "INSERT INTO audit_chains (chain, last_seq, last_hash, anchor_seq, anchor_hash) \
                  VALUES ($1, 0, $2, 0, $2) ON CONFLICT (chain) DO NOTHING";
    on_tx!(tx, |conn| sqlx::query(create)
        .bind(chain)
        .bind(GENESIS)
        .execute(&mut *conn)
        .await
        .map(|_| ()))?;
    Ok(match tx {
        // BEGIN IMMEDIATE already holds SQLite's single write lock.
        Tx::Sqlite(tx) => {
            let sql = "SELECT chain, last_seq, last_hash, anchor_seq, anchor_hash FROM audit_chains WHERE chain = $1";
            sqlx::query_as(sql).bind(chain).fetch_one(&mut **tx).await?
        }
        Tx::Postgres(tx) => {
            let sql = "SELECT chain, last_seq, last_hash, anchor_seq, anchor_hash FROM audit_chains \
                       WHERE chain = $1 FOR UPDATE";
            sqlx::query_as(sql).bind(chain).fetch_one(&mut **tx).await?
        }
    })
}

/// Reads the legacy chain's head row, locking it for the rest of the transaction.
async fn lock_head(tx: &mut Tx) -> Result<AuditHead, StoreError> {
    Ok(match tx {
        // BEGIN IMMEDIATE already holds SQLite's single write lock.
        Tx::Sqlite(tx) => sqlx::query_as(HEAD).fetch_one(&mut **tx).await?,
        Tx::Postgres(tx) => {
            let sql =
                "SELECT last_id, last_hash, anchor_id, anchor_hash FROM audit_head WHERE id = 1 FOR UPDATE";
            sqlx::query_as(sql).fetch_one(&mut **tx).await?
        }
    })
}
