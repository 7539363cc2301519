//! The server's in-memory documents: loaded from the store when a connection needs one, shared by every
//! connection of this process, and dropped again when idle, so memory follows the documents in use rather than
//! every document ever touched; and never more than a configured number at once (the least recently used go
//! first).
//!
//! Each document sits behind its own async read-write lock. A connection holds it for writing from applying a
//! device's sync message until the commit (or rollback) is done, so no other connection ever sees changes that may
//! still be rolled back, and commits to one document are serialised while other documents go on in parallel.
//! Sending the document to devices only reads it: after a commit, the hundreds of connections watching a case
//! generate their sync messages side by side instead of handing one lock on in turn, where each hand-over waits
//! for the next connection's task to be scheduled.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use automerge::Automerge;
use sync_core::DocumentId;
use sync_core::case::{Case, CaseError, read_case};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use crate::clock;
use crate::ids::{TeamId, TenantId};
use crate::store::{Store, StoreError, StoredDocument};

/// A document as this process holds it.
pub struct Loaded {
    pub doc: Automerge,
    pub tenant_id: TenantId,
    pub team_id: Option<TeamId>,
    /// The sequence number of the last commit folded into `doc`.
    pub seq: i64,
    /// The bytes the store holds for it (snapshot and changes), for the document size limit.
    pub stored_bytes: usize,
    /// The typed case as committed, read on first need: the "before" of the write rules that compare a device's
    /// changes with what is recorded. `None` until read, and again after other processes' commits.
    pub case: Option<Case>,
}

impl Loaded {
    /// The committed case, read from the document if not held yet. Call it only while `doc` is at its committed
    /// state (before a device's message is applied).
    pub fn committed_case(&mut self) -> Result<&Case, CaseError> {
        let case = match self.case.take() {
            Some(case) => case,
            None => read_case(&self.doc)?,
        };
        Ok(self.case.insert(case))
    }
}

/// A document locked for writing: `None` while the store has no such case (a device may be creating it).
pub type DocGuard = OwnedRwLockWriteGuard<Option<Loaded>>;

/// A document locked for reading, beside other readers: `None` while the store has no such case.
pub type DocReadGuard = OwnedRwLockReadGuard<Option<Loaded>>;

struct Slot {
    doc: Arc<RwLock<Option<Loaded>>>,
    last_used_ms: AtomicI64,
    /// [`Documents::drop_unused`] found the document in use: whoever only caught it up meanwhile
    /// ([`Documents::refresh`]) drops it as it lets go, and whoever opens it again keeps it.
    leave_when_free: AtomicBool,
}

impl Slot {
    /// Whether a connection holds the document, waits for its lock, or is about to (it holds the slot, taken
    /// from the map under the map's lock): such a slot must stay, or two copies of the document would exist.
    /// Called with the map locked, where the map's own reference is the only other one.
    fn in_use(self: &Arc<Self>) -> bool {
        Arc::strong_count(self) > 1 || Arc::strong_count(&self.doc) > 1 || self.doc.try_write().is_err()
    }
}

/// Drops the least recently used documents nobody holds until at most `keep` are left (or only ones in use).
fn evict_least_recently_used(slots: &mut HashMap<DocumentId, Arc<Slot>>, keep: usize) {
    let mut idle: Vec<(i64, DocumentId)> = slots
        .iter()
        .filter(|(_, slot)| !slot.in_use())
        .map(|(id, slot)| (slot.last_used_ms.load(Ordering::Relaxed), *id))
        .collect();
    idle.sort_unstable();
    let excess = slots.len().saturating_sub(keep);
    for (_, id) in idle.into_iter().take(excess) {
        slots.remove(&id);
    }
}

/// The cache of loaded documents.
pub struct Documents {
    store: Store,
    slots: Mutex<HashMap<DocumentId, Arc<Slot>>>,
    /// At most this many documents are held: opening one more first drops the least recently used tenth. The
    /// idle eviction keeps memory following the documents in use over a minute; this bounds it within the minute,
    /// when a morning's uploads touch thousands of documents once each.
    max_held: usize,
}

/// Why a document could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored document {doc} does not load: {source}")]
    Corrupt {
        doc: DocumentId,
        source: Box<automerge::AutomergeError>,
    },
}

impl Documents {
    pub fn new(store: Store, max_held: usize) -> Self {
        Self {
            store,
            slots: Mutex::new(HashMap::new()),
            max_held: max_held.max(10),
        }
    }

    /// Locks `id` for writing, loading it from the store if this process does not hold it.
    pub async fn open(&self, id: DocumentId) -> Result<DocGuard, OpenError> {
        let slot = self.slot(id);
        let guard = slot.doc.clone().write_owned().await;
        self.loaded(&slot, id, guard).await
    }

    /// Locks `id` for writing as [`Self::open`] does, but without asking the store for a document this process
    /// does not hold (the slot stays empty): for an id the store called unused a moment ago, which a device is
    /// about to create. A case created in this process meanwhile is in its slot; one another process created
    /// meanwhile fails the creation's commit as already existing, which `sync/receive.rs` `created_elsewhere`
    /// answers. So a new case costs no store round trip before its merge.
    pub async fn open_unloaded(&self, id: DocumentId) -> DocGuard {
        let slot = self.slot(id);
        let guard = slot.doc.clone().write_owned().await;
        slot.last_used_ms.store(clock::now_ms(), Ordering::Relaxed);
        guard
    }

    /// [`Self::open_unloaded`] with `missing`, else [`Self::open`].
    pub async fn open_as(&self, id: DocumentId, missing: bool) -> Result<DocGuard, OpenError> {
        if missing {
            return Ok(self.open_unloaded(id).await);
        }
        self.open(id).await
    }

    /// [`Self::open_unloaded`] if nobody holds the lock right now; `None` if someone does.
    pub fn try_open_unloaded(&self, id: DocumentId) -> Option<DocGuard> {
        let slot = self.slot(id);
        let guard = slot.doc.clone().try_write_owned().ok()?;
        slot.last_used_ms.store(clock::now_ms(), Ordering::Relaxed);
        Some(guard)
    }

    /// Locks `id` for writing if nobody holds its lock right now (loading it as [`Self::open`] does); `None` if
    /// someone does.
    pub async fn try_open(&self, id: DocumentId) -> Result<Option<DocGuard>, OpenError> {
        let slot = self.slot(id);
        let Ok(guard) = slot.doc.clone().try_write_owned() else {
            return Ok(None);
        };
        Ok(Some(self.loaded(&slot, id, guard).await?))
    }

    /// Locks `id` for reading, beside other readers (loading it first if this process does not hold it).
    pub async fn read(&self, id: DocumentId) -> Result<DocReadGuard, OpenError> {
        let slot = self.slot(id);
        let guard = slot.doc.clone().read_owned().await;
        if guard.is_some() {
            slot.last_used_ms.store(clock::now_ms(), Ordering::Relaxed);
            return Ok(guard);
        }
        // Not held yet: whoever takes the write lock first loads it; the lock is then shared again.
        drop(guard);
        let guard = slot.doc.clone().write_owned().await;
        Ok(self.loaded(&slot, id, guard).await?.downgrade())
    }

    /// Locks `id` for reading (loading it as [`Self::read`] does) if that needs no wait; `None` if a writer holds
    /// or awaits its lock right now.
    pub async fn try_read(&self, id: DocumentId) -> Result<Option<DocReadGuard>, OpenError> {
        let slot = self.slot(id);
        let Ok(guard) = slot.doc.clone().try_read_owned() else {
            return Ok(None);
        };
        if guard.is_some() {
            slot.last_used_ms.store(clock::now_ms(), Ordering::Relaxed);
            return Ok(Some(guard));
        }
        drop(guard);
        let Ok(guard) = slot.doc.clone().try_write_owned() else {
            return Ok(None);
        };
        Ok(Some(self.loaded(&slot, id, guard).await?.downgrade()))
    }

    /// `guard` with the document loaded from the store if this process does not hold it.
    async fn loaded(&self, slot: &Slot, id: DocumentId, mut guard: DocGuard) -> Result<DocGuard, OpenError> {
        if guard.is_none() {
            *guard = self.load(id).await?;
        }
        slot.last_used_ms.store(clock::now_ms(), Ordering::Relaxed);
        Ok(guard)
    }

    /// Brings a held document up to date with commits made by other processes. A document this process does not
    /// hold needs nothing: it is loaded fresh when next opened. Returns whether anything was applied.
    ///
    /// A notice of this process's own commit can come while the committing connection still holds the document;
    /// the refresh then waits for its lock, and holds the document when the connection, done, drops it as unused
    /// (a case it just created, say). The refresh drops it then, as it lets go.
    pub async fn refresh(&self, id: DocumentId, seq: i64) -> Result<bool, OpenError> {
        let Some(slot) = self.held(id) else {
            return Ok(false);
        };
        let caught_up = {
            let mut guard = slot.doc.clone().write_owned().await;
            catch_up(&self.store, id, &mut guard, seq).await
        };
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        drop(slot);
        if slots
            .get(&id)
            .is_some_and(|slot| slot.leave_when_free.load(Ordering::Relaxed) && !slot.in_use())
        {
            slots.remove(&id);
        }
        caught_up
    }

    /// Like [`Self::refresh`], on a document already locked.
    pub async fn catch_up(&self, id: DocumentId, guard: &mut DocGuard, seq: i64) -> Result<bool, OpenError> {
        catch_up(&self.store, id, guard, seq).await
    }

    /// Drops documents nobody has used for `idle_ms` and nobody holds now. Returns how many are still held.
    pub fn evict_idle(&self, idle_ms: i64) -> usize {
        let now = clock::now_ms();
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        slots.retain(|_, slot| now - slot.last_used_ms.load(Ordering::Relaxed) < idle_ms || slot.in_use());
        slots.len()
    }

    /// Drops those of `ids` that nobody holds, waits for or is about to lock: documents no connection watches any
    /// more (its last watcher closed), or a case just created that no other connection was told of, which the idle
    /// eviction would drop only a minute later. An uploading device's new cases thus leave memory as they are
    /// committed, the rest of what it used when it disconnects; a case a teammate's connection watches stays. One
    /// that is only being caught up right now ([`Self::refresh`]) goes when that is done.
    pub fn drop_unused(&self, ids: impl IntoIterator<Item = DocumentId>) {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for id in ids {
            match slots.get(&id) {
                Some(slot) if slot.in_use() => slot.leave_when_free.store(true, Ordering::Relaxed),
                Some(_) => {
                    slots.remove(&id);
                }
                None => {}
            }
        }
    }

    /// How many documents this process holds in memory.
    pub fn held_count(&self) -> usize {
        self.slots.lock().map(|slots| slots.len()).unwrap_or_default()
    }

    fn slot(&self, id: DocumentId) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if slots.len() >= self.max_held && !slots.contains_key(&id) {
            evict_least_recently_used(&mut slots, self.max_held - self.max_held / 10);
        }
        let slot = slots.entry(id).or_insert_with(|| {
            Arc::new(Slot {
                doc: Arc::new(RwLock::new(None)),
                last_used_ms: AtomicI64::new(clock::now_ms()),
                leave_when_free: AtomicBool::new(false),
            })
        });
        // Opened again: wanted after all.
        slot.leave_when_free.store(false, Ordering::Relaxed);
        slot.clone()
    }

    fn held(&self, id: DocumentId) -> Option<Arc<Slot>> {
        let slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        slots.get(&id).cloned()
    }

    async fn load(&self, id: DocumentId) -> Result<Option<Loaded>, OpenError> {
        let Some(stored) = self.store.load_document(&id).await? else {
            return Ok(None);
        };
        Ok(Some(loaded_from(stored)?))
    }
}

/// A stored document as this process holds it.
fn loaded_from(stored: StoredDocument) -> Result<Loaded, OpenError> {
    let doc = Automerge::load(&stored.bytes).map_err(|source| OpenError::Corrupt {
        doc: stored.doc_id,
        source: Box::new(source),
    })?;
    Ok(Loaded {
        doc,
        tenant_id: stored.tenant_id,
        team_id: stored.team_id,
        seq: stored.seq,
        stored_bytes: stored.bytes.len(),
        case: None,
    })
}

async fn catch_up(store: &Store, id: DocumentId, guard: &mut DocGuard, seq: i64) -> Result<bool, OpenError> {
    let Some(loaded) = guard.as_mut() else {
        return Ok(false);
    };
    if loaded.seq >= seq {
        return Ok(false);
    }
    for (change_seq, bytes) in store.changes_after(&id, loaded.seq).await? {
        loaded
            .doc
            .load_incremental(&bytes)
            .map_err(|source| OpenError::Corrupt {
                doc: id,
                source: Box::new(source),
            })?;
        loaded.seq = loaded.seq.max(change_seq);
        loaded.stored_bytes += bytes.len();
    }
    loaded.case = None;
    Ok(true)
}
