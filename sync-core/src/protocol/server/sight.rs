//! What a device may see on this connection, and when it must delete what it may no longer see: the policy half of
//! the server session.
//!
//! The I/O layer reports facts only: the store's access rule for one document ([`Access`], asked for with
//! [`ServerEffect::CheckAccess`]), and at a Hello every document the device may see and every document it holds
//! that it may no longer see ([`Resolved`]). The decisions are made here, so the deterministic simulation in
//! `sync-core/tests/sim` runs the very decisions the server runs:
//!
//! - which documents the device is offered, and which of its messages are taken as reads, writes, creations, or
//!   answered as for an id nobody uses (a document it may not see, docs/PROTOCOL.md §5.5);
//! - the grace: a case the device may no longer see but may hold changes for still takes its uploads, and the
//!   Purge follows the Ack that covers them. No device is told to delete what the server lacks. The grace is for
//!   a case the device last held as one its user could change (one who could only read it, through
//!   break-the-glass, gains no write by losing sight of it), and it is bounded: it closes [`DEFAULT_GRACE_MS`] (the
//!   maximum offline period) after the device was first told to purge, since the server cannot tell an edit made
//!   before the unassignment from one made after;
//! - when to purge: at a Hello, a lost case the manifest does not list (nothing pending); live, a lost case whose
//!   every change the device named the server holds; in the grace, right after the Ack;
//! - when the device no longer holds it: a Purge sent at a Hello comes before `CaughtUp`, and a device keeps the
//!   Welcome's cursor only once it has read everything up to `CaughtUp`. So a later Hello whose cursor has reached
//!   that Welcome's cursor proves the device read the Purge; if its manifest does not list the case either, the
//!   device deleted it and the store may forget the holding ([`ServerEffect::Forget`]). Until then the Purge is
//!   sent again at every Hello, and an upload racing it still finds its grace.
//!
//! The I/O layer records what the session tells it ([`ServerEffect::Hold`], [`ServerEffect::Purged`],
//! [`ServerEffect::Forget`]) in the store, which is where the next Hello's [`Lost`] documents come from.

use automerge::{Automerge, ChangeHash};

use super::{Phase, ServerEffect, ServerSession};
use crate::ids::DocumentId;
use crate::protocol::frame::{Frame, ManifestEntry, PurgeReason};
use crate::protocol::sync_message::{knows_all, normalized};

/// How long the grace of a lost case stays open after the device was first told to purge it: the maximum offline
/// period, 14 days, within which an honest device reconnects.
pub const DEFAULT_GRACE_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// The store's answer to "may this device's user see the document?", at the instant the I/O layer asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No document has this id: the device may be creating it.
    Missing,
    /// The document exists, but the device's user may not see it. Every answer about it is the answer for an
    /// unused id, and the stored document is never touched.
    Hidden,
    /// As [`Access::Hidden`], but the store records that this device held the document: its uploads may still be
    /// taken in the grace.
    Lost(Holding),
    /// The user may read the document but not change it (a break-the-glass grant opens a case to read).
    Read,
    /// The user works on the case: read and write.
    Write,
}

/// What the store records of a document a device held and whose user may no longer see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub reason: PurgeReason,
    /// Whether the device last held it as a case its user could change ([`Held::writable`]). Only then does the
    /// grace take the device's pending changes: one who could only read the case (break-the-glass) gains no write
    /// by losing sight of it.
    pub writable: bool,
    /// When the device was first told to purge it, if it was.
    pub told_at_ms: Option<i64>,
    /// The Welcome cursor of the last connection whose Hello was answered with a Purge of it (sent before
    /// `CaughtUp`): a device whose cursor reaches it has read that Purge.
    pub purge_cursor: Option<u64>,
}

/// A document the device holds, as the store records it ([`ServerEffect::Hold`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub doc: DocumentId,
    /// Whether the device's user may change it, as this connection found: kept, so that when the device loses sight
    /// of the case its grace is open only if it held the case as one it could change.
    pub writable: bool,
}

/// A document the store says the device holds, whose user may no longer see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lost {
    pub doc: DocumentId,
    pub holding: Holding,
}

/// A document the device may see, as the I/O layer read it for a Hello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visible {
    pub doc: DocumentId,
    /// The server's heads.
    pub heads: Vec<ChangeHash>,
    /// Whether the device's user may change it, not only read it.
    pub writable: bool,
}

/// What the I/O layer read from the store for a Hello, all at one instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The tenant's change sequence: the cursor the device may keep once it holds the changed documents.
    pub cursor: u64,
    /// The visible documents changed after the Hello's cursor (every visible one without a cursor).
    pub changed: Vec<ManifestEntry>,
    /// Every document the device may see now.
    pub visible: Vec<Visible>,
    /// Every document the device holds that it may no longer see.
    pub lost: Vec<Lost>,
    /// The manifest's documents no case has the id of: the device is about to create them, and their sync messages
    /// are taken as creations without asking the store again ([`Access::Missing`], as after a
    /// [`ServerEffect::CheckAccess`]); the I/O layer finds out if someone created one meanwhile when it opens it.
    pub missing: Vec<DocumentId>,
}

/// Why a device lost sight of a document: the store's reason for one it held (an ended course, say), else an
/// unassignment.
fn why_lost(access: Access) -> PurgeReason {
    match access {
        Access::Lost(holding) => holding.reason,
        _ => PurgeReason::Unassigned,
    }
}

/// What the session knows of one document's visibility on this connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Sight {
    Read,
    Write,
    /// The device is uploading a document no one has: its commit makes the document the device's to write.
    Creating,
    /// The device may no longer see a document it could change; the I/O layer is fetching the document so the
    /// session can decide between purging now and the grace.
    Losing(PurgeReason),
    /// The device may no longer see a document it could change, but may hold changes the server lacks: its
    /// uploads are taken, nothing more is pushed, and the Purge follows the Ack.
    Grace(PurgeReason),
    /// The Hello's manifest lists a lost document whose grace is not open (the device could only read it, or the
    /// grace closed): the I/O layer is fetching the document so the session can acknowledge the device's heads if
    /// the server holds them all (a device counts the server's own changes since its last Ack as pending, and
    /// would keep the case) and then purge. Nothing of the document is sent.
    Leaving {
        reason: PurgeReason,
        heads: Vec<ChangeHash>,
    },
}

impl Sight {
    fn is_visible(&self) -> bool {
        matches!(self, Sight::Read | Sight::Write)
    }

    fn of(writable: bool) -> Self {
        if writable { Sight::Write } else { Sight::Read }
    }
}

impl ServerSession {
    /// Answers the Hello with what the I/O layer read (see [`Resolved`]): the Welcome, an Ack for each manifest
    /// document the server already holds, the purges of lost documents, and `CaughtUp`. A lost document the
    /// manifest lists (changes pending) goes into the grace if the grace is open, and is checked against the
    /// server's copy otherwise (see [`Sight::Leaving`]).
    pub fn welcome(&mut self, resolved: Resolved) -> Vec<ServerEffect> {
        if self.phase != Phase::Resolving {
            return Vec::new();
        }
        self.phase = Phase::Open;
        let Resolved {
            cursor,
            changed,
            visible,
            lost,
            missing,
        } = resolved;
        self.welcome_cursor = cursor;
        let manifest = std::mem::take(&mut self.manifest);
        let mut heads = std::collections::BTreeMap::new();
        for entry in visible {
            self.sight.insert(entry.doc, Sight::of(entry.writable));
            heads.insert(entry.doc, entry.heads);
        }
        for doc in missing {
            self.sight.entry(doc).or_insert(Sight::Creating);
        }
        // The device will hold what the Welcome lists and the visible documents it brought: recorded before
        // anything is sent, so a purge later knows to reach this device.
        let mut held: std::collections::BTreeSet<DocumentId> =
            changed.iter().map(|entry| entry.doc).collect();
        held.extend(
            manifest
                .iter()
                .map(|entry| entry.doc)
                .filter(|doc| heads.contains_key(doc)),
        );
        let mut out = Vec::new();
        if !held.is_empty() {
            let docs = held
                .into_iter()
                .map(|doc| Held {
                    doc,
                    writable: self.sight.get(&doc) == Some(&Sight::Write),
                })
                .collect();
            out.push(ServerEffect::Hold { docs });
        }
        // The Welcome documents are open from now on, so other peers' changes to them are pushed live.
        for entry in &changed {
            self.peers.entry(entry.doc).or_default();
        }
        out.push(ServerEffect::Send(Frame::Welcome { cursor, changed }));
        for entry in &manifest {
            let Some(server_heads) = heads.get(&entry.doc) else {
                continue;
            };
            // Every client head among the server's heads: the client's changes were committed before (the
            // Ack was lost with an earlier connection), so acknowledge without waiting for a sync round.
            let client_heads = normalized(entry.heads.clone());
            if !client_heads.is_empty() && client_heads.iter().all(|head| server_heads.contains(head)) {
                self.peers
                    .entry(entry.doc)
                    .or_default()
                    .acked
                    .clone_from(&client_heads);
                out.push(ServerEffect::Send(Frame::Ack {
                    doc: entry.doc,
                    heads: client_heads,
                }));
            }
        }
        out.extend(self.held.drain(..).map(ServerEffect::Send));
        // Purges before CaughtUp: a device reads everything up to its catch-up before it may keep the cursor.
        for Lost { doc, holding } in lost {
            match manifest.iter().find(|entry| entry.doc == doc) {
                Some(_) if self.grace_open(&holding) => {
                    self.sight.insert(doc, Sight::Grace(holding.reason));
                }
                Some(entry) => {
                    self.sight.insert(
                        doc,
                        Sight::Leaving {
                            reason: holding.reason,
                            heads: normalized(entry.heads.clone()),
                        },
                    );
                    out.push(ServerEffect::Offer { doc });
                }
                None if self.read_purge(&holding) => out.push(ServerEffect::Forget { doc }),
                None => out.extend(self.tell_to_purge(doc, holding.reason, true)),
            }
        }
        out.push(ServerEffect::Send(Frame::CaughtUp { cursor }));
        out
    }

    /// The access of a document whose visibility the session asked for ([`ServerEffect::CheckAccess`]), with the
    /// device's sync message that was waiting for it, if any.
    pub fn access(
        &mut self,
        doc: DocumentId,
        access: Access,
        message: Option<automerge::sync::Message>,
    ) -> Vec<ServerEffect> {
        if !matches!(self.phase, Phase::Resolving | Phase::Open) {
            return Vec::new();
        }
        let before = self.sight.get(&doc).cloned();
        let mut out = Vec::new();
        match access {
            Access::Read | Access::Write => {
                let now = Sight::of(access == Access::Write);
                self.sight.insert(doc, now.clone());
                if before.as_ref() != Some(&now) {
                    // Newly visible (assigned, a teammate's new case, sight regained in the grace), or the right to
                    // change it came or went: the device is about to hold it, as this.
                    out.push(ServerEffect::Hold {
                        docs: vec![Held {
                            doc,
                            writable: now == Sight::Write,
                        }],
                    });
                }
                if message.is_none() {
                    out.push(ServerEffect::Offer { doc });
                }
            }
            Access::Missing | Access::Hidden | Access::Lost(_) => match before {
                // Lost, and the device could only read it: none of its changes would be taken, so nothing is waited
                // for.
                Some(Sight::Read) => out.extend(self.tell_to_purge(doc, why_lost(access), false)),
                Some(Sight::Write) => {
                    // Lost: purged now if the server holds all the device named, else the grace; which of
                    // the two needs the document, so the I/O layer offers it.
                    self.sight.insert(doc, Sight::Losing(why_lost(access)));
                    out.push(ServerEffect::Offer { doc });
                }
                Some(Sight::Creating) if access != Access::Missing => {
                    // Someone else's document now has the id: the device's upload is answered as for any id it
                    // may not see.
                    self.sight.remove(&doc);
                }
                _ => {}
            },
        }
        if let Some(message) = message {
            if let Access::Lost(holding) = access
                && self.grace_open(&holding)
                && !self.sight.contains_key(&doc)
            {
                // An upload for a case the device lost, sent after its Hello (an edit racing the Purge, say).
                self.sight.insert(doc, Sight::Grace(holding.reason));
            }
            let access = match (access, self.sight.get(&doc)) {
                // The grace takes the device's last changes to a case it may no longer see.
                (_, Some(Sight::Grace(_) | Sight::Losing(_))) => Access::Write,
                // Purged on this connection, and its grace is not open: the device knows the case exists, so there is
                // nothing to hide, and the answer must not be a sync message, which the device would take for a
                // document to start anew.
                (Access::Lost(_) | Access::Hidden, _) if self.purged.contains(&doc) => {
                    out.extend(self.not_found(doc));
                    return out;
                }
                (Access::Lost(_), _) => Access::Hidden,
                (Access::Missing, _) => {
                    self.sight.insert(doc, Sight::Creating);
                    Access::Missing
                }
                (access, _) => access,
            };
            out.push(ServerEffect::ReceiveSync { doc, message, access });
        }
        out
    }

    /// Another connection or process committed to `doc`: offer it to the device if the device may see it. Costs
    /// nothing for a document this connection does not see.
    pub fn changed_elsewhere(&mut self, doc: DocumentId) -> Vec<ServerEffect> {
        if self.visible(doc) {
            vec![ServerEffect::Offer { doc }]
        } else {
            Vec::new()
        }
    }

    /// Who may see `doc` changed (an assignment, a new case, a grant): the session asks the store again.
    pub fn access_changed(&mut self, doc: DocumentId) -> Vec<ServerEffect> {
        if !matches!(self.phase, Phase::Resolving | Phase::Open) {
            return Vec::new();
        }
        vec![ServerEffect::CheckAccess { doc, message: None }]
    }

    /// Every document the device may see, to be offered again (after the connection missed events).
    pub fn offer_all(&self) -> Vec<ServerEffect> {
        self.sight
            .iter()
            .filter(|(_, sight)| sight.is_visible())
            .map(|(doc, _)| ServerEffect::Offer { doc: *doc })
            .collect()
    }

    /// The server's copy of a document the session asked for ([`ServerEffect::Offer`]): a sync message if the
    /// device may see it, or, for a document it just lost, the purge or the grace.
    pub fn offer(&mut self, doc_id: DocumentId, doc: &Automerge) -> Vec<ServerEffect> {
        if !matches!(self.phase, Phase::Resolving | Phase::Open) {
            return Vec::new();
        }
        match self.sight.get(&doc_id).cloned() {
            Some(Sight::Read | Sight::Write) => self.send_changes(doc_id, doc),
            Some(Sight::Losing(reason)) if self.holds_all_of_peer(doc_id, doc) => {
                self.tell_to_purge(doc_id, reason, false)
            }
            Some(Sight::Losing(reason)) => {
                self.sight.insert(doc_id, Sight::Grace(reason));
                Vec::new()
            }
            Some(Sight::Leaving { reason, heads }) => {
                let mut out = Vec::new();
                if !heads.is_empty() && knows_all(doc, &heads) {
                    out.push(ServerEffect::Send(Frame::Ack { doc: doc_id, heads }));
                }
                out.extend(self.tell_to_purge(doc_id, reason, false));
                out
            }
            _ => Vec::new(),
        }
    }

    /// Whether the session has anything on `doc`: a sight of it (visible, being lost, in its grace) or a sync with
    /// the device. A change of who may see such a document concerns this connection whoever else it concerns.
    pub fn knows(&self, doc: DocumentId) -> bool {
        self.sight.contains_key(&doc) || self.syncs(doc)
    }

    /// Whether the device may see `doc` on this connection, as last found.
    pub fn visible(&self, doc: DocumentId) -> bool {
        self.sight.get(&doc).is_some_and(Sight::is_visible)
    }

    /// The access a sync message for `doc` is taken with, if the session knows it without asking the store.
    pub(super) fn known_access(&self, doc: DocumentId) -> Option<Access> {
        match self.sight.get(&doc)? {
            Sight::Read => Some(Access::Read),
            Sight::Write | Sight::Grace(_) | Sight::Losing(_) => Some(Access::Write),
            // The store said it was missing a moment ago, on this connection: the device's next message (its
            // changes, after the server's answer to its heads) is taken as creating it without asking again. The
            // I/O layer finds out if someone created it meanwhile, when it opens the document.
            Sight::Creating => Some(Access::Missing),
            Sight::Leaving { .. } => None,
        }
    }

    /// A commit created `doc` on this device's behalf: it is the device's to write, and the device holds it.
    pub(super) fn created(&mut self, doc: DocumentId) -> Option<ServerEffect> {
        if self.sight.get(&doc) == Some(&Sight::Creating) {
            self.sight.insert(doc, Sight::Write);
            return Some(ServerEffect::Hold {
                docs: vec![Held { doc, writable: true }],
            });
        }
        None
    }

    /// After an Ack: a case in the grace is purged once the server holds what the device had for it.
    pub(super) fn purge_after_ack(&mut self, doc: DocumentId) -> Vec<ServerEffect> {
        match self.sight.get(&doc).cloned() {
            Some(Sight::Grace(reason)) => self.tell_to_purge(doc, reason, false),
            _ => Vec::new(),
        }
    }

    /// A creation that did not happen (refused, or the id answered as unused) leaves no trace.
    pub(super) fn forget_creation(&mut self, doc: DocumentId) {
        if self.sight.get(&doc) == Some(&Sight::Creating) {
            self.sight.remove(&doc);
        }
    }

    /// Whether the grace of a lost case is open: the device held it as one its user could change, and was told to
    /// purge it less than the grace period ago (or not yet).
    fn grace_open(&self, holding: &Holding) -> bool {
        let now = i64::try_from(self.now_ms).unwrap_or(i64::MAX);
        holding.writable
            && holding
                .told_at_ms
                .is_none_or(|told| now < told.saturating_add(self.grace_ms))
    }

    /// Whether the device has read a Purge of this lost case: it was sent at a Hello whose Welcome cursor the device's
    /// cursor has reached since (a device without a cursor lists everything it holds, so it holds nothing else).
    fn read_purge(&self, holding: &Holding) -> bool {
        match self.hello_cursor {
            None => true,
            Some(cursor) => holding.purge_cursor.is_some_and(|sent| cursor >= sent),
        }
    }

    /// Tells the device to delete `doc`, and forgets it; `at_hello` when the Purge goes out before `CaughtUp`.
    fn tell_to_purge(&mut self, doc: DocumentId, reason: PurgeReason, at_hello: bool) -> Vec<ServerEffect> {
        self.sight.remove(&doc);
        self.peers.remove(&doc);
        self.purged.insert(doc);
        let mut out = vec![ServerEffect::Purged {
            doc,
            reason,
            cursor: at_hello.then_some(self.welcome_cursor),
        }];
        out.extend(self.emit(Frame::Purge { doc, reason }));
        out
    }

    /// Whether the server's `doc` holds every head the peer named for it on this connection: false when the peer
    /// named a change the server lacks (or refused), or has not synced the document here. A document is purged
    /// live only when this holds, so a device is never told to delete what the server does not have.
    pub fn holds_all_of_peer(&self, doc_id: DocumentId, doc: &Automerge) -> bool {
        self.peers
            .get(&doc_id)
            .and_then(|peer| peer.state.their_heads.as_deref())
            .is_some_and(|heads| knows_all(doc, heads))
    }
}
