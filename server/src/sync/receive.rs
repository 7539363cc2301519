//! A device's sync message for one document: merge it, check the result, commit durably, and only then
//! acknowledge; or roll back, quarantine and refuse, without touching the device's other documents.
//!
//! The document stays locked from merge to commit, so no other connection sees changes that may still be rolled
//! back. Whether the device may write, read or not see the document the session decided ([`Access`]); a document
//! the device may not see gets exactly the answer a missing one gets.

use std::time::Instant;

use automerge::sync;
use automerge::{Automerge, Change, ChangeHash};
use sync_core::DocumentId;
use sync_core::case::{Case, Conflict, read_case};
use sync_core::fit::RuleSet;
use sync_core::protocol::sync_message::knows_all;
use sync_core::protocol::{
    Access, ErrorCode, NewChanges, Received, RefusalReason, ServerEffect, SessionError,
};
use tokio::sync::oneshot::error::RecvError;

use super::accept::{
    Existing, Incoming, MAX_NAMED_PER_CHANGE, Refusal, check_named, check_write, newly_named,
};
use super::connection::{Connection, ConnectionError};
use super::documents::{DocGuard, Loaded};
use super::grants;
use super::group_commit::{CommitOrder, CommitReceipt};
use super::hub::HubEvent;
use crate::clock;
use crate::ids::{TeamId, UserId};
use crate::projection::Projection;
use crate::store::{Heads, Quarantined, Reach, StoreError, actors_of, snapshot_of};

/// A connection keeps the commits of the frames it checks in a burst and hands them in together once no further
/// frame is waiting, or when this many wait: so the first of a long burst is not held back behind the checks of all
/// the others (about a millisecond each).
const HAND_IN_AT: usize = 32;

impl Connection {
    pub(super) async fn receive(
        &mut self,
        doc_id: DocumentId,
        message: sync::Message,
        access: Access,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        if matches!(access, Access::Hidden | Access::Lost(_)) {
            return self.receive_unseen(doc_id, message).await;
        }
        if access == Access::Missing && message.changes.is_empty() {
            // Heads or a request for a missing document: the answer is the same whether or not someone created it
            // since the store was asked (see `receive_unseen`), and needs no document.
            return self.receive_unseen(doc_id, message).await;
        }
        // A device that holds nothing of the document gets it as the store saved it, and its answer that it holds
        // it now is acknowledged; neither needs the document loaded (sync-core's `protocol::server::saved`).
        if let Some(effects) = self.session.receive_saved_confirmation(doc_id, &message) {
            return Ok(effects);
        }
        if self.session.wants_saved(doc_id, &message)
            && let Some(stored) = self.stored_document(doc_id).await?
            && !stored.bytes.is_empty()
        {
            let heads = stored.heads.into_vec();
            return Ok(self.session.send_saved(doc_id, message, heads, stored.bytes));
        }
        self.not_read_ahead(doc_id);
        let (guard, mut effects) = self.lock_document(doc_id, access == Access::Missing).await?;
        effects.extend(self.receive_locked(doc_id, message, access, guard).await?);
        Ok(effects)
    }

    /// [`Connection::receive`] with the document locked.
    async fn receive_locked(
        &mut self,
        doc_id: DocumentId,
        message: sync::Message,
        access: Access,
        mut guard: DocGuard,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        if access == Access::Missing && guard.is_some() {
            drop(guard);
            // A connection of this process created a case under this id since the store was asked (the device
            // itself, on another connection; or anyone else): ask again. If it is still missing to the store, another
            // connection is creating it right now, and to this device it is a case it may not see. (A case another
            // process created meanwhile is not looked up here: the creation's commit finds the id taken,
            // `created_elsewhere`.)
            let fresh = self.peer.access(&self.service.store, doc_id).await?;
            if fresh != Access::Missing {
                return Ok(self.session.access(doc_id, fresh, Some(message)));
            }
            return self.receive_unseen(doc_id, message).await;
        }
        let creating = guard.is_none();
        let read_only = !creating && access == Access::Read;
        let device_heads = message.heads.clone();
        // automerge's first sync message carries heads, not changes: a device offering heads for a document the
        // server lacks is about to upload it, while one with nothing to offer is asking for a missing document.
        let offers_content = !message.heads.is_empty();
        // The committed case is the "before" of the append-only rules: read it (once, then cached) while the
        // document is still at it.
        if let Some(loaded) = guard.as_mut()
            && !message.changes.is_empty()
            && let Err(error) = loaded.committed_case()
        {
            tracing::error!(case.id = %doc_id, %error, "a stored case does not read");
        }
        let loaded = guard.get_or_insert_with(|| Loaded {
            doc: Automerge::new(),
            tenant_id: self.peer.viewer.tenant_id.clone(),
            team_id: None,
            seq: 0,
            stored_bytes: 0,
            case: None,
        });
        let received = match self.session.receive_sync(doc_id, &mut loaded.doc, message) {
            Ok(received) => received,
            Err(SessionError::NotOpen) => return Ok(Vec::new()),
            Err(SessionError::Sync { heads_before, source }) => {
                tracing::info!(connection.id = self.id, case.id = %doc_id, error = %source, "unusable sync message");
                roll_back(&mut guard, creating, &heads_before);
                return Ok(self.session.close(
                    ErrorCode::Malformed,
                    "the sync message could not be applied".into(),
                ));
            }
            // Nothing was applied; a document being created is not kept.
            Err(SessionError::Refused { problem, raw }) => {
                if creating {
                    *guard = None;
                }
                drop(guard);
                return self
                    .refuse_unapplied(doc_id, Refusal::invalid(&problem), &raw)
                    .await;
            }
            Err(SessionError::Panicked { raw }) => {
                // The document may be half changed: drop it, so the next use loads the committed one from the
                // store, and tell the other connections, whose queued changes went with it.
                tracing::warn!(connection.id = self.id, case.id = %doc_id, "automerge panicked on a device's changes; the case is reloaded from the store");
                *guard = None;
                drop(guard);
                self.service.hub.publish(HubEvent::RolledBack {
                    doc: doc_id,
                    origin: self.id,
                });
                let refusal = Refusal {
                    reason: RefusalReason::Invalid,
                    message: "changes: the changes could not be applied".into(),
                };
                return self.refuse_unapplied(doc_id, refusal, &raw).await;
            }
        };
        if received.new_changes.is_empty() {
            if creating {
                let empty = guard.take().map(|loaded| loaded.doc).unwrap_or_default();
                if offers_content {
                    // Tell the device the server has nothing, so it sends its changes; keep nothing meanwhile.
                    return Ok(self.session.reply(doc_id, &empty));
                }
                // Asking for a document that is not there: the same answer as for one the device may not see.
                return Ok(self.session.not_found(doc_id));
            }
            let loaded = guard.as_ref().ok_or(ConnectionError::CorruptId)?;
            return Ok(self.session.reply(doc_id, &loaded.doc));
        }
        let attempt = Attempt {
            doc_id,
            guard,
            creating,
            read_only,
            new_bytes: received.new_changes.bytes(),
            received,
            device_heads,
            reloaded: false,
            number: 1,
        };
        self.check_and_commit(attempt, true).await
    }

    /// A document that exists but that the device may not see (another tenant's, another team's) is answered at
    /// every step as an id nobody has used is: heads are met with an invitation to upload, a request for content
    /// with `NotFound`, and an upload is checked as a new case would be and refused as one would be. Only an upload
    /// that a new case would pass is refused where a new one would be taken, with `NotFound`; docs/PROTOCOL.md
    /// §5.5 says why that one step remains. The changes go to a scratch document and the quarantine, never near
    /// the stored case, which stays locked by nobody.
    async fn receive_unseen(
        &mut self,
        doc_id: DocumentId,
        message: sync::Message,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        let offers_content = !message.heads.is_empty();
        let mut scratch = Automerge::new();
        let received = match self.session.receive_sync(doc_id, &mut scratch, message) {
            Ok(received) => received,
            Err(SessionError::NotOpen) => return Ok(Vec::new()),
            Err(SessionError::Sync { .. }) => {
                return Ok(self.session.close(
                    ErrorCode::Malformed,
                    "the sync message could not be applied".into(),
                ));
            }
            Err(SessionError::Refused { problem, raw }) => {
                return self
                    .refuse_unapplied(doc_id, Refusal::invalid(&problem), &raw)
                    .await;
            }
            Err(SessionError::Panicked { raw }) => {
                let refusal = Refusal {
                    reason: RefusalReason::Invalid,
                    message: "changes: the changes could not be applied".into(),
                };
                return self.refuse_unapplied(doc_id, refusal, &raw).await;
            }
        };
        if received.new_changes.is_empty() {
            return Ok(if offers_content {
                self.session.reply(doc_id, &scratch)
            } else {
                self.session.not_found(doc_id)
            });
        }
        let incoming = Incoming {
            doc: &scratch,
            bytes: received.new_changes.bytes(),
        };
        let verdict =
            check_write(&self.peer.viewer, &self.peer.tenant_slug, None, &incoming).and_then(|(case, _)| {
                grants::check(&self.peer.viewer, None, &case, self.service.grant_limit_minutes)
            });
        let refusal = verdict.err().unwrap_or_else(|| Refusal {
            reason: RefusalReason::NotFound,
            message: "no such document".into(),
        });
        self.quarantine(doc_id, &refusal, &received.new_changes).await?;
        Ok(self.session.refused(doc_id, refusal.reason, refusal.message))
    }

    /// Checks the merged document and hands it to the group committer. With `pipeline` the commit stays in
    /// flight ([`InFlight`]) and the connection reads on: the Ack goes out when [`Connection::complete`] sees it
    /// durable. Without, this waits for it and returns the Ack.
    pub(super) async fn check_and_commit(
        &mut self,
        mut attempt: Attempt,
        pipeline: bool,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        loop {
            let mut in_flight = match self.check_and_submit(attempt).await? {
                Submitted::Answered(effects) => return Ok(effects),
                Submitted::InFlight(in_flight) => *in_flight,
            };
            if pipeline {
                self.in_flight.push_back(in_flight);
                return Ok(Vec::new());
            }
            self.hand_in_commits().await;
            let result = (&mut in_flight.receipt).await;
            match self.finish(in_flight, result).await? {
                Finished::Answered(effects) => return Ok(effects),
                Finished::Retry(next) => attempt = next,
            }
        }
    }

    /// A commit handed in earlier came back: acknowledge it, or check and commit it again on a reloaded
    /// document if another process committed to the document in the meantime.
    pub(super) async fn complete(
        &mut self,
        in_flight: InFlight,
        result: Result<Result<i64, StoreError>, RecvError>,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        match self.finish(in_flight, result).await? {
            Finished::Answered(effects) => Ok(effects),
            Finished::Retry(next) => self.check_and_commit(next, false).await,
        }
    }

    /// Checks the write rules on the merged document; refuses it, or hands its commit in.
    async fn check_and_submit(&mut self, mut attempt: Attempt) -> Result<Submitted, ConnectionError> {
        let verdict = {
            let loaded = attempt.guard.as_ref().ok_or(ConnectionError::CorruptId)?;
            let existing = (!attempt.creating).then_some(Existing {
                team_id: loaded.team_id.as_ref(),
                case: loaded.case.as_ref(),
                stored_bytes: loaded.stored_bytes,
                read_only: attempt.read_only,
            });
            let incoming = Incoming {
                doc: &loaded.doc,
                bytes: attempt.new_bytes,
            };
            check_write(&self.peer.viewer, &self.peer.tenant_slug, existing, &incoming).and_then(
                |(case, conflicts)| {
                    grants::check(
                        &self.peer.viewer,
                        if attempt.creating {
                            None
                        } else {
                            loaded.case.as_ref()
                        },
                        &case,
                        self.service.grant_limit_minutes,
                    )?;
                    Ok((case, conflicts))
                },
            )
        };
        let verdict = match verdict {
            Ok((case, conflicts)) if !attempt.creating => {
                match self.check_named(attempt.guard.as_ref(), case).await {
                    Ok(verdict) => verdict.map(|case| (case, conflicts)),
                    Err(error) => {
                        // Not acknowledged: the device keeps its changes and sends them again later.
                        roll_back(
                            &mut attempt.guard,
                            attempt.reloaded,
                            &attempt.received.heads_before,
                        );
                        return Err(error);
                    }
                }
            }
            other => other,
        };
        let (case, conflicts) = match verdict {
            Ok(checked) => checked,
            Err(refusal) => {
                let drop_doc = attempt.creating || attempt.reloaded;
                let effects = self
                    .refuse(
                        attempt.doc_id,
                        attempt.guard,
                        drop_doc,
                        &attempt.received,
                        refusal,
                    )
                    .await?;
                return Ok(Submitted::Answered(effects));
            }
        };
        let rules = match self.service.rules.for_tenant(&self.peer.viewer.tenant_id).await {
            Ok(rules) => rules,
            Err(error) => {
                // Not acknowledged: the device keeps its changes and sends them again later.
                roll_back(
                    &mut attempt.guard,
                    attempt.reloaded,
                    &attempt.received.heads_before,
                );
                return Err(error.into());
            }
        };
        let order = self.commit_order(&attempt, &case, &conflicts, &rules)?;
        let team_id = order.team_id.clone();
        let reach = order.reach();
        let holding_recorded = order.held_as_committed;
        // Handed in with the commits of the frames waiting behind this one (`Connection::hand_in_commits`).
        let (prepared, receipt) = self.service.committer.prepare(order);
        self.unsubmitted.push(prepared);
        if self.unsubmitted.len() >= HAND_IN_AT {
            self.hand_in_commits().await;
        }
        Ok(Submitted::InFlight(Box::new(InFlight {
            attempt,
            case,
            team_id,
            reach,
            holding_recorded,
            frame_received: self.frame_received,
            receipt,
        })))
    }

    /// What the committer said about a commit: on success the held document records it and the device gets its
    /// Ack (and the other connections an event); a stale one is retried on the reloaded document; on failure the
    /// device's changes are rolled back and not acknowledged, so it sends them again later.
    async fn finish(
        &mut self,
        in_flight: InFlight,
        result: Result<Result<i64, StoreError>, RecvError>,
    ) -> Result<Finished, ConnectionError> {
        const ATTEMPTS: usize = 3;
        let InFlight {
            mut attempt,
            case,
            team_id,
            reach,
            holding_recorded,
            frame_received,
            receipt: _,
        } = in_flight;
        let doc_id = attempt.doc_id;
        let error = match result {
            Ok(Ok(seq)) => {
                self.service.metrics.committed(frame_received.elapsed());
                let loaded = attempt.guard.as_mut().ok_or(ConnectionError::CorruptId)?;
                loaded.seq = seq;
                loaded.team_id = team_id;
                loaded.stored_bytes += attempt.new_bytes;
                loaded.case = Some(case);
                tracing::info!(connection.id = self.id, case.id = %doc_id, seq, changes = attempt.received.new_changes.len(), "committed");
                let effects = self.session.committed(doc_id, &loaded.doc, holding_recorded);
                let created = attempt.creating;
                self.service.hub.remember_own_commit(doc_id, seq);
                drop(attempt);
                let told_others = self.service.hub.publish(HubEvent::Changed {
                    doc: doc_id,
                    seq,
                    origin: self.id,
                    tenant: self.peer.viewer.tenant_id.clone(),
                    reach,
                });
                // A case this device just created, which no other connection here was told of, is needed by
                // nobody here for now: the device holds it whole, and its next change loads it again. So a phone
                // uploading its caseload does not keep a thousand documents in memory for the idle minute.
                if created && told_others == 0 {
                    self.service.documents.drop_unused([doc_id]);
                }
                return Ok(Finished::Answered(effects));
            }
            Ok(Err(StoreError::Stale)) if attempt.number < ATTEMPTS => {
                tracing::debug!(connection.id = self.id, case.id = %doc_id, "document changed elsewhere; retrying");
                self.reload_with(doc_id, &mut attempt).await?;
                return self.retry(attempt);
            }
            Ok(Err(StoreError::AlreadyExists)) if attempt.creating && attempt.number < ATTEMPTS => {
                return self.created_elsewhere(attempt).await;
            }
            Ok(Err(error)) => ConnectionError::Store(error),
            Err(_) => ConnectionError::LaneGone,
        };
        // After a reload the document no longer has `heads_before` as its state before the device's changes, so
        // undoing them means dropping it (the next use loads it from the store) rather than rolling back.
        let drop_doc = attempt.creating || attempt.reloaded;
        roll_back(&mut attempt.guard, drop_doc, &attempt.received.heads_before);
        Err(error)
    }

    /// A case this connection was creating was created first by another process (the same device reconnecting
    /// through another server, say, while this connection still committed): the device's changes are a change to
    /// that case now. If the device may change it, they are checked and committed against it as stored (see
    /// [`Self::retry`]); if not, they get the answer a new case that passed gets where the id is taken, `NotFound`
    /// (as in [`Connection::receive_unseen`]).
    async fn created_elsewhere(&mut self, mut attempt: Attempt) -> Result<Finished, ConnectionError> {
        let doc_id = attempt.doc_id;
        let access = self.peer.access(&self.service.store, doc_id).await?;
        if access != Access::Write {
            let refusal = Refusal {
                reason: RefusalReason::NotFound,
                message: "no such document".into(),
            };
            let effects = self
                .refuse(doc_id, attempt.guard, true, &attempt.received, refusal)
                .await?;
            return Ok(Finished::Answered(effects));
        }
        tracing::debug!(connection.id = self.id, case.id = %doc_id, "case created elsewhere meanwhile; taking the changes as a change to it");
        self.reload_with(doc_id, &mut attempt).await?;
        attempt.creating = false;
        self.retry(attempt)
    }

    /// After [`Self::reload_with`]: the device's changes are checked and committed again on the stored document,
    /// or, when the store holds every one of them already, acknowledged without a commit (the session then takes a
    /// case the device was creating as one it holds and may change, `ServerSession::committed`).
    fn retry(&mut self, mut attempt: Attempt) -> Result<Finished, ConnectionError> {
        if attempt.received.new_changes.is_empty() {
            let loaded = attempt.guard.as_ref().ok_or(ConnectionError::CorruptId)?;
            let effects = self.session.committed(attempt.doc_id, &loaded.doc, false);
            return Ok(Finished::Answered(effects));
        }
        attempt.reloaded = true;
        attempt.number += 1;
        Ok(Finished::Retry(attempt))
    }

    /// The write rule only the store can judge for a change to an existing case: everyone it newly names as an
    /// assigned worker or tovholder is a worker of the case's team (`accept::check_named`).
    async fn check_named(
        &mut self,
        loaded: Option<&Loaded>,
        case: Case,
    ) -> Result<Result<Case, Refusal>, ConnectionError> {
        let Some((before, loaded)) = loaded.and_then(|l| l.case.as_ref().map(|c| (c, l))) else {
            return Ok(Ok(case));
        };
        let named = newly_named(before, &case);
        if named.len() > MAX_NAMED_PER_CHANGE {
            return Ok(Err(Refusal::too_many_named()));
        }
        for named in named {
            // The document names people as text: one that is no user id is no user of the tenant's either.
            let user = match named.parse::<UserId>() {
                Ok(id) => self.service.store.user_by_id(&id).await?,
                Err(_) => None,
            };
            if let Err(refusal) = check_named(user.as_ref(), &loaded.tenant_id, loaded.team_id.as_ref()) {
                return Ok(Err(refusal));
            }
        }
        Ok(Ok(case))
    }

    /// The commit of the device's changes with the projection of `case`.
    fn commit_order(
        &self,
        attempt: &Attempt,
        case: &Case,
        conflicts: &[Conflict],
        rules: &RuleSet,
    ) -> Result<CommitOrder, ConnectionError> {
        let Attempt {
            doc_id,
            creating,
            received,
            device_heads,
            ..
        } = attempt;
        let (doc_id, creating) = (*doc_id, *creating);
        let loaded = attempt.guard.as_ref().ok_or(ConnectionError::CorruptId)?;
        let projection = Projection::of(&doc_id.to_string(), case, conflicts, rules);
        let changes = &received.new_changes;
        // The creator holds the case, and so do the workers the document names (the store skips anyone outside
        // the tenant). The document names them as text; one that is no user id is no user of the tenant's either.
        let mut assign_users: Vec<UserId> = Vec::new();
        if creating {
            assign_users.push(self.peer.viewer.user_id.clone());
            assign_users.extend(
                case.workers
                    .keys()
                    .filter_map(|u| u.parse::<UserId>().ok())
                    .filter(|u| *u != self.peer.viewer.user_id),
            );
        }
        let team_id = if creating {
            // The write rules let a device create a case only in its user's own team, a team id.
            case.team.parse::<TeamId>().ok()
        } else {
            loaded.team_id.clone()
        };
        // The device holds the case exactly as committed when its heads are the document's: the server had nothing
        // it lacked.
        let mut heads = loaded.doc.get_heads();
        heads.sort_unstable();
        let mut held = device_heads.to_vec();
        held.sort_unstable();
        Ok(CommitOrder {
            held_as_committed: held == heads,
            doc_id,
            tenant_id: loaded.tenant_id.clone(),
            team_id,
            create: creating,
            base_seq: (!creating).then_some(loaded.seq),
            assign_users,
            device_id: self.peer.device_id.clone(),
            user_id: self.peer.viewer.user_id.clone(),
            // A new case is stored whole, as its snapshot (`DocumentCommit::document`).
            changes: if creating {
                Vec::new()
            } else {
                changes
                    .changes()?
                    .iter()
                    .map(|c| c.raw_bytes().to_vec())
                    .collect()
            },
            // As the device sent it when it came whole (the document is exactly that chunk, which loaded and was
            // checked): saving it again was server work, and undid the device's deflate of its columns, which every
            // device that downloads the case whole then paid in bytes (docs/PROTOCOL.md §6).
            document: creating.then(|| {
                changes
                    .document_chunk()
                    .map_or_else(|| snapshot_of(&loaded.doc), <[u8]>::to_vec)
            }),
            change_hashes: changes.hashes().iter().map(ChangeHash::to_string).collect(),
            actors: actors_of(changes.actors()),
            heads: Heads::new(heads),
            projection,
            now_ms: clock::now_ms(),
        })
    }

    /// Replaces the held document with the stored one plus the device's new changes. Those the store holds
    /// already (another process committed them: the same device's upload on another connection, say) are no part
    /// of the attempt any more.
    async fn reload_with(
        &mut self,
        doc_id: DocumentId,
        attempt: &mut Attempt,
    ) -> Result<(), ConnectionError> {
        let stored = self
            .service
            .store
            .load_document(&doc_id)
            .await?
            .ok_or(StoreError::NotFound("document"))?;
        let mut doc = Automerge::load(&stored.bytes)?;
        // The new "before" of the write rules: the case as the other process committed it.
        let committed = read_case(&doc).ok();
        let received = &mut attempt.received;
        let unstored: Vec<Change> = received
            .new_changes
            .changes()?
            .iter()
            .filter(|change| !knows_all(&doc, &[change.hash()]))
            .cloned()
            .collect();
        doc.apply_changes(unstored.iter().cloned())?;
        received.new_changes = NewChanges::from(unstored);
        attempt.new_bytes = received.new_changes.bytes();
        let loaded = attempt.guard.as_mut().ok_or(ConnectionError::CorruptId)?;
        loaded.doc = doc;
        loaded.tenant_id = stored.tenant_id;
        loaded.team_id = stored.team_id;
        loaded.seq = stored.seq;
        loaded.stored_bytes = stored.bytes.len();
        loaded.case = committed;
        Ok(())
    }

    /// Rolls back, quarantines and refuses the device's changes; its other documents carry on. With `drop_doc`
    /// the held document is dropped instead of rolled back.
    async fn refuse(
        &mut self,
        doc_id: DocumentId,
        mut guard: DocGuard,
        drop_doc: bool,
        received: &Received,
        refusal: Refusal,
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        self.quarantine(doc_id, &refusal, &received.new_changes).await?;
        roll_back(&mut guard, drop_doc, &received.heads_before);
        drop(guard);
        self.service.hub.publish(HubEvent::RolledBack {
            doc: doc_id,
            origin: self.id,
        });
        Ok(self.session.refused(doc_id, refusal.reason, refusal.message))
    }

    /// Quarantines and refuses changes that were never applied (they failed the checks before automerge, or
    /// automerge panicked on them and the document was dropped).
    async fn refuse_unapplied(
        &mut self,
        doc_id: DocumentId,
        refusal: Refusal,
        raw: &[u8],
    ) -> Result<Vec<ServerEffect>, ConnectionError> {
        self.store_quarantine(doc_id, &refusal, raw).await?;
        Ok(self.session.refused(doc_id, refusal.reason, refusal.message))
    }

    async fn quarantine(
        &mut self,
        doc_id: DocumentId,
        refusal: &Refusal,
        changes: &NewChanges,
    ) -> Result<(), ConnectionError> {
        self.store_quarantine(doc_id, refusal, &changes.encoded()).await
    }

    async fn store_quarantine(
        &mut self,
        doc_id: DocumentId,
        refusal: &Refusal,
        bytes: &[u8],
    ) -> Result<(), ConnectionError> {
        self.service
            .store
            .quarantine(&Quarantined {
                tenant_id: &self.peer.viewer.tenant_id,
                doc_id: &doc_id,
                device_id: Some(&self.peer.device_id),
                user_id: Some(&self.peer.viewer.user_id),
                reason: refusal.code(),
                message: &refusal.message,
                bytes,
                now_ms: clock::now_ms(),
            })
            .await?;
        tracing::info!(connection.id = self.id, case.id = %doc_id, reason = refusal.code(), "quarantined changes");
        Ok(())
    }
}

/// Puts the shared document back as it was before a device's message; with `drop_doc` (a document being
/// created, or one reloaded since the message) it is dropped instead.
fn roll_back(guard: &mut DocGuard, drop_doc: bool, heads_before: &[ChangeHash]) {
    if drop_doc {
        **guard = None;
        return;
    }
    let Some(loaded) = guard.as_mut() else { return };
    match loaded.doc.fork_at(heads_before) {
        Ok(doc) => loaded.doc = doc,
        // Cannot happen for heads the document had; drop it so the next use reloads it from the store.
        Err(_) => **guard = None,
    }
}

/// One try at checking and committing a device's changes to a document, holding the document's lock.
pub(super) struct Attempt {
    doc_id: DocumentId,
    guard: DocGuard,
    creating: bool,
    read_only: bool,
    received: Received,
    /// The size of the device's new changes.
    new_bytes: usize,
    /// The heads the device's message announced: its document's.
    device_heads: Vec<ChangeHash>,
    /// Whether the document was reloaded since the device's message (another process committed to it).
    reloaded: bool,
    /// 1 for the first try.
    number: usize,
}

/// A commit handed to the committer, waiting to be durable. It holds the document's lock, so nothing else reads
/// the document with changes that may still fail to commit.
pub(super) struct InFlight {
    attempt: Attempt,
    case: Case,
    team_id: Option<TeamId>,
    reach: Reach,
    /// The commit records that the device holds the document as committed (`CommitOrder::held_as_committed`).
    holding_recorded: bool,
    frame_received: Instant,
    pub(super) receipt: CommitReceipt,
}

impl InFlight {
    pub(super) fn doc(&self) -> DocumentId {
        self.attempt.doc_id
    }
}

enum Submitted {
    /// Refused: the answer to send.
    Answered(Vec<ServerEffect>),
    InFlight(Box<InFlight>),
}

enum Finished {
    /// What to send: the Ack, or a refusal.
    Answered(Vec<ServerEffect>),
    Retry(Attempt),
}
