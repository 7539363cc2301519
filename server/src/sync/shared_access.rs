//! One store query per device for one change of who may see a case, however many connections the device holds.
//!
//! A change of who may see a case (a new case, an assignment) reaches every connection it may concern, and each
//! asks the store what its device may now do with the case (`connection.rs` `check_access`). The answer depends
//! on the user, the device and the case, not on the connection, so the connections of one device that handle the
//! same event share one query: the first asks, the others wait for its answer. The event's sequence is part of
//! the key, so an answer is only ever shared by connections handling the same event, asked after that event was
//! committed; a later change is a later event with its own query, which each connection handles after this one.
//! A failed query is not shared: the next connection asks again.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sync_core::DocumentId;
use sync_core::protocol::Access;
use tokio::sync::OnceCell;

use crate::ids::DeviceId;

/// How long an answer is kept for the device's slower connections; entries older than this are dropped.
const KEEP: Duration = Duration::from_secs(10);

type Key = (DeviceId, DocumentId, i64);

/// The answers being asked for or recently given, by device, case and event sequence, and their keys in the
/// order they were first asked for, so the expired ones are dropped from the front without a scan of the rest.
#[derive(Default)]
pub struct SharedAccess {
    answers: Mutex<Answers>,
}

#[derive(Default)]
struct Answers {
    /// Each answer, set once it came.
    by_key: HashMap<Key, Arc<OnceCell<Access>>>,
    /// When each key was first asked for, oldest first.
    asked: VecDeque<(Instant, Key)>,
}

impl SharedAccess {
    /// The answer for `device_id` and `doc` after the event at `seq`: another connection's, or `ask`'s.
    pub async fn answer<E, F>(
        &self,
        device_id: &DeviceId,
        doc: DocumentId,
        seq: i64,
        ask: impl FnOnce() -> F,
    ) -> Result<Access, E>
    where
        F: Future<Output = Result<Access, E>>,
    {
        let cell = {
            let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
            let Answers { by_key, asked } = &mut *answers;
            let now = Instant::now();
            while let Some((at, _)) = asked.front()
                && now.duration_since(*at) >= KEEP
            {
                if let Some((_, key)) = asked.pop_front() {
                    by_key.remove(&key);
                }
            }
            let key = (device_id.clone(), doc, seq);
            by_key
                .entry(key)
                .or_insert_with_key(|key| {
                    asked.push_back((now, key.clone()));
                    Arc::new(OnceCell::new())
                })
                .clone()
        };
        cell.get_or_try_init(ask).await.copied()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn doc() -> DocumentId {
        DocumentId::from_uuid(uuid::Uuid::new_v4())
    }

    #[tokio::test]
    async fn the_connections_of_one_device_share_one_query_per_event() {
        let shared = SharedAccess::default();
        let device = DeviceId::new_random();
        let case = doc();
        let queries = AtomicUsize::new(0);
        let ask = || async {
            queries.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok::<_, ()>(Access::Write)
        };
        let answers =
            futures_util::future::join_all((0..10).map(|_| shared.answer(&device, case, 7, ask))).await;
        assert!(answers.iter().all(|a| *a == Ok(Access::Write)));
        assert_eq!(queries.load(Ordering::SeqCst), 1, "ten connections, one query");

        // A later event, another device, another case: each its own query.
        shared.answer(&device, case, 8, ask).await.expect("answer");
        shared
            .answer(&DeviceId::new_random(), case, 7, ask)
            .await
            .expect("answer");
        shared.answer(&device, doc(), 7, ask).await.expect("answer");
        assert_eq!(queries.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_failed_query_is_asked_again() {
        let shared = SharedAccess::default();
        let device = DeviceId::new_random();
        let case = doc();
        let failed: Result<Access, &str> = shared
            .answer(&device, case, 1, || async { Err("store down") })
            .await;
        assert_eq!(failed, Err("store down"));
        let answered: Result<Access, &str> = shared
            .answer(&device, case, 1, || async { Ok(Access::Read) })
            .await;
        assert_eq!(answered, Ok(Access::Read));
    }
}
