//! One connection's protocol state: `sync-core`'s [`ClientSession`], the documents in play, and how each effect is
//! made durable before the next frame goes out.
//!
//! Documents are loaded from the store only when the connection needs them: a Welcome's or a Sync's when that
//! frame arrives (the frame is decoded once more here, before the session sees it, to know which), and the
//! manifest's a few at a time while the connection runs ([`Link::upload_next`]), so the server works on the first
//! uploads while the rest load. So a reconnect with 2,000 documents on the device and 5 changed touches 5 of them.
//! A document the server has never acknowledged is not loaded at all to be uploaded: the store keeps it as one
//! save, which goes up as it is ([`ClientSession::upload_saved`]); it is loaded only if the server's answer brings
//! more than "I hold it" (or refuses it). Likewise a case the device holds nothing of, which the server sends whole,
//! is stored as the bytes that came ([`ClientEffect::ReceivedWhole`]) and loaded only for a frame that follows.
//!
//! Effects are carried out in the order the session gives them, which matters: a document that received changes
//! is persisted before the reply that announces its new heads is sent, and before the cursor is recorded, so a
//! connection lost at any point leaves a store the next Hello can start from. Both are done a batch at a time, one
//! transaction (one fsync) for many documents where one each made a fresh phone's first sync wait for a thousand:
//! received documents are persisted together ([`Link::persist_received`]) and the frames sent after them are
//! held until then; acknowledged heads are recorded together ([`Link::record_acks`]). Either happens when no frame
//! is waiting, at a batch's limit, before any effect that reads or changes what they write, and at the end. An Ack
//! lost before it is recorded only puts its document in the next Hello's manifest, which the server answers with
//! the Ack again.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use automerge::{ActorId, Automerge, ChangeHash};
use sync_core::DocumentId;
use sync_core::case::{conflicts, read_case};
use sync_core::protocol::{
    ClientEffect, ClientSession, Frame, Limits, ManifestEntry, PurgeReason, decode, encode,
};

use super::report::{purge_code, refusal_code};
use super::{SyncError, SyncEvent, SyncReport};
use crate::device::Device;
use crate::store::{AckRecord, PurgeNote, PurgeOutcome, RefusalNote, Store, StoredDoc, load_automerge};
use crate::time::now_ms;

/// The session and the documents of one connection.
pub(crate) struct Link<'a> {
    store: &'a Store,
    actor: ActorId,
    force: bool,
    /// Fill in the citizen's name on [`SyncEvent::Received`] (for `--watch` output).
    describe: bool,
    session: ClientSession,
    docs: BTreeMap<DocumentId, Automerge>,
    /// The acknowledged heads of the documents in `docs`, as stored or about to be.
    acked: BTreeMap<DocumentId, Vec<ChangeHash>>,
    /// Acks not recorded in the store yet ([`Self::record_acks`]).
    unrecorded: Vec<AckRecord>,
    /// Documents that received changes and are not persisted yet ([`Self::persist_received`]).
    unsaved: BTreeSet<DocumentId>,
    /// Documents the server sent whole, not loaded, with their heads and bytes, not persisted yet
    /// ([`Self::persist_received`]).
    unsaved_whole: BTreeMap<DocumentId, (Vec<ChangeHash>, Vec<u8>)>,
    /// Documents received whole without being loaded, with their heads, until an Ack covers them (or they are
    /// loaded after all, and `docs` has them).
    received_whole: BTreeMap<DocumentId, Vec<ChangeHash>>,
    /// Frames to send once `unsaved` is persisted, in order.
    held: Vec<Vec<u8>>,
    /// Documents the device offered: its own changes are waiting for an Ack.
    offered: BTreeSet<DocumentId>,
    /// Documents the server refused in this connection: nothing more will be acknowledged for them.
    refused: BTreeSet<DocumentId>,
    /// Documents the store did not have when their first frame arrived.
    arriving: BTreeSet<DocumentId>,
    /// Manifest documents not loaded yet, in manifest order: [`Self::upload_next`] loads and offers them.
    to_load: VecDeque<DocumentId>,
    /// Documents uploaded from their saved bytes without being loaded, with their heads, until an Ack covers them
    /// (or they are loaded after all, and `docs` has them).
    uploaded_saved: BTreeMap<DocumentId, Vec<ChangeHash>>,
    in_sync: bool,
    /// The document that kept the last [`Self::is_complete`] from completing: the next check starts there. Acks
    /// come back in about the order the documents were offered, which is the order of `docs`, so starting from
    /// the beginning after every frame made a sync of many documents quadratic.
    unsettled_from: Cell<Option<DocumentId>>,
    /// How many Welcome documents were to be caught up on, for the progress bar.
    catch_up_total: usize,
    pub(crate) events: Vec<SyncEvent>,
    report: SyncReport,
}

/// Acks [`Link`] keeps unrecorded at most: past this many, the next one records them all.
const MAX_UNRECORDED_ACKS: usize = 256;

/// Received documents [`Link`] keeps unpersisted at most (their replies wait meanwhile).
const MAX_UNSAVED: usize = 64;

/// Manifest documents [`Link::upload_next`] loads at a time: about 3 ms of work, so a frame from the server
/// waits little for the loading to pause.
pub(crate) const UPLOAD_BATCH: usize = 16;

impl<'a> Link<'a> {
    /// Returns the Hello, offering every document on a first sync (no cursor), else the documents with
    /// unacknowledged changes. Their heads come from the store's bookkeeping; the documents themselves are loaded
    /// by [`Self::upload_next`].
    pub(crate) async fn open(
        device: &'a Device,
        device_id: &str,
        force: bool,
        describe: bool,
    ) -> Result<(Link<'a>, Vec<Vec<u8>>), SyncError> {
        let store = device.store();
        let cursor = store.cursor().await?;
        let offered = match cursor {
            None => store.documents().await?,
            Some(_) => store.pending().await?,
        };
        let mut link = Link {
            store,
            actor: device.actor().clone(),
            force,
            describe,
            session: ClientSession::new(crate::CLIENT_NAME.to_owned(), device_id.to_owned()),
            docs: BTreeMap::new(),
            acked: BTreeMap::new(),
            unrecorded: Vec::new(),
            unsaved: BTreeSet::new(),
            unsaved_whole: BTreeMap::new(),
            received_whole: BTreeMap::new(),
            held: Vec::new(),
            offered: offered.iter().map(|d| d.id).collect(),
            refused: BTreeSet::new(),
            arriving: BTreeSet::new(),
            to_load: offered.iter().map(|d| d.id).collect(),
            uploaded_saved: BTreeMap::new(),
            in_sync: false,
            unsettled_from: Cell::new(None),
            catch_up_total: 0,
            events: Vec::new(),
            report: SyncReport {
                offered: offered.len(),
                ..SyncReport::default()
            },
        };
        let mut manifest = Vec::with_capacity(offered.len());
        for stored in offered {
            link.mark_if_never_acknowledged(&stored);
            if let Some(acked) = stored.acked {
                link.acked.insert(stored.id, acked);
            }
            manifest.push(ManifestEntry {
                doc: stored.id,
                heads: stored.heads,
            });
        }
        // A case received whole goes to the store as it came, unless `--watch` names its citizen, which reads it.
        if !describe {
            link.session.receive_unloaded();
        }
        let effects = link.session.start(cursor, manifest);
        let frames = link.apply(effects).await?;
        Ok((link, frames))
    }

    /// Loads the documents of `ids` the store has into the connection, those not loaded yet; the rest are arriving.
    /// Which the store has is asked in one statement per hundred: a fresh device's Welcome lists its whole caseload.
    async fn load(&mut self, ids: impl IntoIterator<Item = DocumentId>) -> Result<(), SyncError> {
        // A document known to be arriving was not in the store when the connection asked; one another tov command
        // has stored meanwhile is merged when the received one is persisted (`WriteTx::save_synced_all`).
        let wanted: Vec<DocumentId> = ids
            .into_iter()
            .filter(|id| !self.docs.contains_key(id) && !self.arriving.contains(id))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        self.arriving.extend(wanted.iter().copied());
        let found = self.store.documents_among(&wanted).await?;
        let found_ids: Vec<DocumentId> = found.iter().map(|stored| stored.id).collect();
        for stored in found {
            self.arriving.remove(&stored.id);
            self.uploaded_saved.remove(&stored.id);
            self.received_whole.remove(&stored.id);
            if let Some(acked) = stored.acked {
                self.acked.insert(stored.id, acked);
            }
        }
        self.docs
            .extend(self.store.load_among(&found_ids, &self.actor).await?);
        Ok(())
    }

    /// Whether manifest documents are still to be offered ([`Self::upload_next`]): once the Welcome is in, when
    /// the session knows which the server lacks and may go up without loading.
    pub(crate) fn has_unloaded(&self) -> bool {
        self.session.is_open() && !self.to_load.is_empty()
    }

    /// Offers up to `count` more manifest documents; returns the frames to send. One the server has never
    /// acknowledged goes up from its saved bytes; the others are loaded and handed to the session. A document a
    /// frame of the server had the link load already was offered then.
    pub(crate) async fn upload_next(&mut self, count: usize) -> Result<Vec<Vec<u8>>, SyncError> {
        let take = count.min(self.to_load.len());
        let ids: Vec<DocumentId> = self
            .to_load
            .drain(..take)
            .filter(|id| !self.docs.contains_key(id))
            .collect();
        let mut effects = Vec::new();
        for saved in self.store.saved_among(&ids).await? {
            let id = saved.id;
            if saved.one_save && self.session.may_upload_saved(&id) {
                self.uploaded_saved.insert(id, saved.heads.clone());
                effects.extend(self.session.upload_saved(id, saved.heads, saved.bytes));
                continue;
            }
            self.docs
                .insert(id, load_automerge(&saved.bytes, self.actor.clone())?);
            effects.extend(self.session.local_change(id, &mut self.docs));
        }
        self.apply(effects).await
    }

    /// Handles one binary message from the server; returns the frames to send, in order.
    pub(crate) async fn receive(&mut self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, SyncError> {
        // An undecodable frame is left to the session, which fails the connection for it.
        let mut frames = Vec::new();
        match decode(bytes, &Limits::default()) {
            Ok(Frame::Welcome { changed, .. }) => self.load(changed.iter().map(|entry| entry.doc)).await?,
            Ok(Frame::Sync { doc, message }) if self.session.needs_document(&doc, &message) => {
                // One received whole and not stored yet is stored first, and loaded from the store.
                if self.unsaved_whole.contains_key(&doc) {
                    frames = self.persist_received().await?;
                }
                self.load([doc]).await?
            }
            // A refused document is synced afresh, so one uploaded unloaded is needed now.
            Ok(Frame::Refused { doc, .. }) if self.uploaded_saved.contains_key(&doc) => {
                self.load([doc]).await?
            }
            _ => {}
        }
        let effects = self.session.handle_frame(bytes, &mut self.docs);
        if self.catch_up_total == 0 {
            self.catch_up_total = self.session.catching_up();
        }
        frames.extend(self.apply(effects).await?);
        Ok(frames)
    }

    /// Offers the documents other tov commands changed in the store since they were loaded (`--watch`).
    pub(crate) async fn upload_local(&mut self) -> Result<Vec<Vec<u8>>, SyncError> {
        let mut effects = Vec::new();
        for stored in self.store.pending().await? {
            let id = stored.id;
            self.mark_if_never_acknowledged(&stored);
            let current = self.docs.get(&id).map(Automerge::get_heads);
            if self.refused.contains(&id) || current.as_ref() == Some(&stored.heads) {
                continue;
            }
            match self.docs.get_mut(&id) {
                Some(doc) => {
                    if let Some(mut newer) = self.store.load(&id, self.actor.clone()).await? {
                        doc.merge(&mut newer)
                            .map_err(|e| SyncError::Network(format!("merging a local edit: {e}")))?;
                    }
                }
                None => {
                    // In the store, so not arriving whatever the server listed.
                    self.arriving.remove(&id);
                    self.load([id]).await?;
                }
            }
            self.offered.insert(id);
            effects.extend(self.session.local_change(id, &mut self.docs));
        }
        self.apply(effects).await
    }

    /// A document made on this device that the server never acknowledged goes up whole in its first message
    /// (docs/PROTOCOL.md §5.2); one the server acknowledged starts from its heads.
    fn mark_if_never_acknowledged(&mut self, stored: &StoredDoc) {
        if stored.acked.is_none() {
            self.session.never_acknowledged(stored.id);
        }
    }

    /// Carries out effects in order; returns the encoded frames to send now (frames after a received document wait
    /// until it is persisted, see the module docs).
    async fn apply(&mut self, effects: Vec<ClientEffect>) -> Result<Vec<Vec<u8>>, SyncError> {
        let mut queue: VecDeque<ClientEffect> = effects.into();
        let mut frames = Vec::new();
        while let Some(effect) = queue.pop_front() {
            if !matches!(
                effect,
                ClientEffect::Send(_)
                    | ClientEffect::DocumentChanged { .. }
                    | ClientEffect::ReceivedWhole { .. }
                    | ClientEffect::Acknowledged { .. }
            ) {
                // Everything else may read or change what the received documents change (a purge deletes one, the
                // cursor says they are all here): they are persisted first.
                frames.extend(self.persist_received().await?);
            }
            match effect {
                ClientEffect::Send(frame) if !self.has_unsaved() => frames.push(encode(&frame)),
                ClientEffect::Send(frame) => self.held.push(encode(&frame)),
                ClientEffect::DocumentChanged { doc } => {
                    if self.docs.contains_key(&doc) {
                        self.unsaved.insert(doc);
                    }
                    if self.unsaved.len() + self.unsaved_whole.len() >= MAX_UNSAVED {
                        frames.extend(self.persist_received().await?);
                    }
                }
                ClientEffect::ReceivedWhole { doc, heads, saved } => {
                    self.received_whole.insert(doc, heads.clone());
                    self.unsaved_whole.insert(doc, (heads, saved));
                    if self.unsaved.len() + self.unsaved_whole.len() >= MAX_UNSAVED {
                        frames.extend(self.persist_received().await?);
                    }
                }
                ClientEffect::Acknowledged { doc, heads } => {
                    let covered = match self.docs.get(&doc) {
                        Some(loaded) => loaded.get_heads() == heads,
                        None => {
                            self.uploaded_saved.get(&doc) == Some(&heads)
                                || self.received_whole.get(&doc) == Some(&heads)
                        }
                    };
                    if covered {
                        self.uploaded_saved.remove(&doc);
                        self.received_whole.remove(&doc);
                    }
                    let settles = covered && self.offered.remove(&doc);
                    self.acked.insert(doc, heads.clone());
                    self.unrecorded.push(AckRecord {
                        doc,
                        heads,
                        clears_refusals: settles,
                    });
                    if settles {
                        self.event(SyncEvent::Acknowledged { doc });
                    }
                    if self.unrecorded.len() >= MAX_UNRECORDED_ACKS {
                        self.record_acks().await?;
                    }
                }
                ClientEffect::Refused { doc, reason, message } => {
                    let note = RefusalNote {
                        doc,
                        reason: refusal_code(reason).to_owned(),
                        message,
                        at_ms: now_ms(),
                    };
                    // A document the device does not hold (one the server listed, then hid) has nothing to keep.
                    if self.docs.get(&doc).is_some_and(|d| !d.get_heads().is_empty()) {
                        self.store.add_refusal(&note).await?;
                        self.refused.insert(doc);
                        self.event(SyncEvent::Refused(note));
                    } else {
                        self.docs.remove(&doc);
                    }
                }
                ClientEffect::Purge { doc, reason } => self.purge(doc, reason).await?,
                ClientEffect::ServerError { code, message } => {
                    return Err(SyncError::from_server(code, message));
                }
                ClientEffect::CursorAdvanced(cursor) => {
                    self.store.set_cursor(cursor).await?;
                    self.report.cursor = Some(cursor);
                }
                ClientEffect::InSync => {
                    self.in_sync = true;
                    self.store.set_last_sync_ms(now_ms()).await?;
                }
                ClientEffect::Failed(error) => return Err(error.into()),
            }
        }
        Ok(frames)
    }

    /// Whether Acks wait to be recorded ([`Self::record_acks`]) or received documents to be persisted
    /// ([`Self::persist_received`]).
    pub(crate) fn has_unwritten(&self) -> bool {
        !self.unrecorded.is_empty() || self.has_unsaved()
    }

    /// Whether received documents wait to be persisted (and the frames after them with them).
    fn has_unsaved(&self) -> bool {
        !self.unsaved.is_empty() || !self.unsaved_whole.is_empty()
    }

    /// Persists the received documents and records the Acks that wait; returns the frames that waited for them.
    pub(crate) async fn write_pending(&mut self) -> Result<Vec<Vec<u8>>, SyncError> {
        self.record_acks().await?;
        self.persist_received().await
    }

    /// Persists the documents that received changes since the last call, in one transaction, and returns the frames
    /// held back for them (with those of any local edits merged in meanwhile, which go up too).
    pub(crate) async fn persist_received(&mut self) -> Result<Vec<Vec<u8>>, SyncError> {
        if !self.has_unsaved() {
            return Ok(Vec::new());
        }
        let mut unsaved = std::mem::take(&mut self.unsaved);
        let whole: Vec<(DocumentId, Vec<ChangeHash>, Vec<u8>)> = std::mem::take(&mut self.unsaved_whole)
            .into_iter()
            .map(|(doc, (heads, saved))| (doc, heads, saved))
            .collect();
        let mut tx = self.store.begin_write().await?;
        let now = now_ms();
        // One another tov command stored meanwhile is loaded and merged with it, as any received document.
        let held = tx.insert_received_whole(&whole, now).await?;
        for (doc, _, saved) in whole.iter().filter(|(doc, ..)| held.contains(doc)) {
            self.docs.insert(*doc, load_automerge(saved, self.actor.clone())?);
            self.received_whole.remove(doc);
            unsaved.insert(*doc);
        }
        let received = self.docs.iter_mut().filter(|(id, _)| unsaved.contains(id));
        let merged = tx.save_synced_all(received, now).await?;
        tx.commit().await?;
        for (doc, ..) in whole.iter().filter(|(doc, ..)| !held.contains(doc)) {
            // In the store now: a later frame that needs it loads it from there.
            let new = self.arriving.remove(doc);
            self.event(SyncEvent::Received {
                doc: *doc,
                new,
                citizen: None,
            });
        }
        for &doc in &unsaved {
            let new = self.arriving.remove(&doc);
            let citizen = self
                .describe
                .then(|| self.docs.get(&doc).and_then(|d| read_case(d).ok()))
                .flatten()
                .map(|case| case.citizen.display_name);
            self.event(SyncEvent::Received { doc, new, citizen });
        }
        let mut frames = std::mem::take(&mut self.held);
        // Another tov command edited them meanwhile: those changes go up too.
        let mut effects = Vec::new();
        for doc in merged {
            self.offered.insert(doc);
            effects.extend(self.session.local_change(doc, &mut self.docs));
        }
        frames.extend(Box::pin(self.apply(effects)).await?);
        Ok(frames)
    }

    /// Records the Acks received since the last call, in one transaction.
    pub(crate) async fn record_acks(&mut self) -> Result<(), SyncError> {
        if self.unrecorded.is_empty() {
            return Ok(());
        }
        self.store.record_acks(&self.unrecorded).await?;
        self.unrecorded.clear();
        Ok(())
    }

    /// Deletes a purged document, unless it holds changes the server never acknowledged and `force` is off.
    async fn purge(&mut self, doc: DocumentId, reason: PurgeReason) -> Result<(), SyncError> {
        // Whether it is pending is read from the store: every Ack received must be in it.
        self.record_acks().await?;
        let pending = self.store.document(&doc).await?.is_some_and(|d| d.is_pending());
        let outcome = match (pending, self.force) {
            (true, false) => PurgeOutcome::KeptPending,
            (true, true) => PurgeOutcome::DeletedPending,
            (false, _) => PurgeOutcome::Deleted,
        };
        if outcome != PurgeOutcome::KeptPending {
            self.store.delete(&doc).await?;
        }
        self.docs.remove(&doc);
        self.uploaded_saved.remove(&doc);
        self.received_whole.remove(&doc);
        self.acked.remove(&doc);
        self.offered.remove(&doc);
        let note = PurgeNote {
            doc,
            reason: purge_code(reason).to_owned(),
            outcome,
            at_ms: now_ms(),
        };
        self.store.add_purge(&note).await?;
        self.event(SyncEvent::Purged(note));
        Ok(())
    }

    fn event(&mut self, event: SyncEvent) {
        self.report.record(&event);
        self.events.push(event);
    }

    /// Caught up with the Welcome, and every document in play acknowledged at its heads or refused.
    pub(crate) fn is_complete(&self) -> bool {
        if !self.in_sync
            || !self.to_load.is_empty()
            || self.has_unsaved()
            || !self.uploaded_saved.is_empty()
            || !self.received_whole.is_empty()
        {
            return false;
        }
        // From where the last check stopped to the end, then from the start: every document, once.
        let from = self.unsettled_from.get();
        let tail = match from {
            Some(id) => self.docs.range(id..),
            None => self.docs.range(..),
        };
        let head = from.into_iter().flat_map(|id| self.docs.range(..id));
        match tail.chain(head).find(|(id, doc)| !self.is_settled(id, doc)) {
            Some((id, _)) => {
                self.unsettled_from.set(Some(*id));
                false
            }
            None => true,
        }
    }

    fn is_settled(&self, id: &DocumentId, doc: &Automerge) -> bool {
        let heads = doc.get_heads();
        heads.is_empty() || self.refused.contains(id) || self.acked.get(id) == Some(&heads)
    }

    /// (done, total) documents, for the progress bar: Welcome documents caught up on, and offered documents
    /// acknowledged or refused. Both only grow, so the bar never runs backwards.
    pub(crate) fn progress(&self) -> (u64, u64) {
        let offered = self.report.offered;
        let open_uploads = self
            .offered
            .iter()
            .filter(|id| !self.refused.contains(id))
            .count();
        let caught_up = self.catch_up_total.saturating_sub(self.session.catching_up());
        let done = caught_up + offered.saturating_sub(open_uploads);
        (done as u64, (self.catch_up_total + offered) as u64)
    }

    pub(crate) fn is_in_sync(&self) -> bool {
        self.in_sync
    }

    /// The report, with the conflicts found in received documents and what is still pending.
    pub(crate) async fn finish(mut self) -> Result<SyncReport, SyncError> {
        // Whatever the frames held for them, nothing is sent any more.
        self.write_pending().await?;
        for id in &self.report.received {
            if let Some(doc) = self.docs.get(id) {
                let found = conflicts::list(doc).len();
                if found > 0 {
                    self.report.conflicts.push((*id, found));
                }
            }
        }
        self.report.pending = self.store.pending().await?.len();
        Ok(self.report)
    }
}
