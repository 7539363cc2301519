//! Which cases each device holds (`device_holdings`): recorded as the sync session tells the I/O layer, and read back
//! at a Hello as the cases the device holds and may no longer see. The rules about them (the grace, when to purge,
//! when a device has deleted a case) are sync-core's (`protocol::server::sight`); this module only stores the facts.

use std::collections::BTreeMap;

use sync_core::DocumentId;
use sync_core::protocol::{Held, Holding};

use super::access::{course_ended, purge_reason, retired_case, visible_case, works_on_case};
use super::{Store, StoreError, Viewer, case_id, execute, on_pool, on_tx};
use crate::clock;
use crate::ids::DeviceId;

/// A row of the lost holdings query: the case, when the device was first told to purge it, the cursor of the last
/// Hello answered with a Purge of it, whether the device held it as one its user could change, and whether the case
/// left because its course ended.
type LostRow = (String, Option<i64>, Option<i64>, bool, i64);

/// Rows per multi-row statement: at 4 columns, far below SQLite's and PostgreSQL's parameter limits.
const ROWS_PER_STATEMENT: usize = 500;

impl Store {
    /// Records that devices hold these cases, each as one its user may change or not. A case held afresh (visible
    /// again after it was lost) forgets what the device was told before. One transaction (one fsync) for all of
    /// them: a Welcome hands over a caseload at once, and the sync path's holdings lane (`sync/holding_log.rs`)
    /// hands in many connections' at once.
    pub async fn record_holdings(&self, held: &[(&DeviceId, Held)], now_ms: i64) -> Result<(), StoreError> {
        // One row per device and case, the last word on it winning: a statement may not update the same row twice.
        let mut rows: BTreeMap<(&DeviceId, String), bool> = BTreeMap::new();
        for (device_id, Held { doc, writable }) in held {
            rows.insert((*device_id, doc.to_string()), *writable);
        }
        if rows.is_empty() {
            return Ok(());
        }
        // In key order, so two transactions upserting the same rows lock them in the same order and never
        // deadlock (a group commit's `record_held` sorts alike).
        let rows: Vec<_> = rows.into_iter().collect();
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, |conn| {
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let mut query = sqlx::QueryBuilder::new(
                    "INSERT INTO device_holdings (device_id, doc_id, since, writable) ",
                );
                query.push_values(chunk, |mut row, ((device_id, doc_id), writable)| {
                    row.push_bind(*device_id)
                        .push_bind(doc_id)
                        .push_bind(now_ms)
                        .push_bind(*writable);
                });
                query.push(
                    " ON CONFLICT (device_id, doc_id) DO UPDATE \
                     SET writable = excluded.writable, purged_at = NULL, purge_cursor = NULL",
                );
                query.build().persistent(false).execute(&mut *conn).await?;
            }
        });
        tx.commit().await
    }

    /// The cases `device` holds that its user may no longer see, with what the store records of each.
    pub async fn lost_holdings(
        &self,
        viewer: &Viewer,
        device_id: &DeviceId,
    ) -> Result<Vec<(DocumentId, Holding)>, StoreError> {
        let sql = concat!(
            "SELECT h.doc_id, h.purged_at, h.purge_cursor, h.writable, ",
            course_ended!(),
            " FROM device_holdings h JOIN users u ON u.id = $1 JOIN cases c ON c.doc_id = h.doc_id \
             WHERE h.device_id = $2 AND u.tenant_id = $3 AND NOT ",
            visible_case!(),
            " ORDER BY h.doc_id"
        );
        let rows: Vec<LostRow> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(&viewer.user_id)
            .bind(device_id)
            .bind(&viewer.tenant_id)
            .bind(clock::now_ms())
            .fetch_all(pool)
            .await)?;
        rows.into_iter()
            .map(|(doc_id, purged_at, purge_cursor, writable, ended)| {
                let holding = Holding {
                    reason: purge_reason(ended),
                    writable,
                    told_at_ms: purged_at,
                    purge_cursor: purge_cursor.and_then(|cursor| u64::try_from(cursor).ok()),
                };
                Ok((case_id(&doc_id)?, holding))
            })
            .collect()
    }

    /// The device was told to purge the case: when first, and the Welcome cursor the Purge went out before (`None`
    /// when it went out later in a connection).
    pub async fn mark_purged(
        &self,
        device_id: &DeviceId,
        doc_id: &DocumentId,
        now_ms: i64,
        cursor: Option<u64>,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE device_holdings SET purged_at = COALESCE(purged_at, $3), purge_cursor = $4, \
                   held_seq = NULL WHERE device_id = $1 AND doc_id = $2";
        let cursor = cursor.map(|cursor| i64::try_from(cursor).unwrap_or(i64::MAX));
        execute!(
            self,
            sqlx::query(sql)
                .bind(device_id)
                .bind(doc_id.to_string())
                .bind(now_ms)
                .bind(cursor)
        )?;
        Ok(())
    }

    /// The device no longer holds the case.
    pub async fn forget_holding(&self, device_id: &DeviceId, doc_id: &DocumentId) -> Result<(), StoreError> {
        let sql = "DELETE FROM device_holdings WHERE device_id = $1 AND doc_id = $2";
        execute!(self, sqlx::query(sql).bind(device_id).bind(doc_id.to_string()))?;
        Ok(())
    }
}
