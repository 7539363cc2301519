//! Who sees what, and purges, in the deterministic simulation: random runs in which leads assign, unassign and
//! break the glass while devices edit online and offline, an admin revokes a device, and a hostile device sends
//! what the server must refuse. The decisions are `ServerSession`'s own (see `protocol/server/sight.rs`); the
//! simulated server only reports the store's facts, as the real server does.
//!
//! After every run, once every device has connected twice more:
//! - no honest device lost an edit: every change it made (online, offline, after it was unassigned but before it
//!   heard) is in the server's document;
//! - every honest device holds exactly the documents it may see, at the server's heads, with nothing pending;
//! - a revoked device holds nothing;
//! - nothing the hostile device sent is in the server's documents.

mod sim;

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{ChangeHash, ReadDoc};
use sim::Network;
use sync_core::DocumentId;
use sync_core::protocol::{Access, ClientEffect, PurgeReason};

/// Devices 0..HONEST belong to workers who only make valid edits; device HOSTILE is a logged-in attacker.
const HONEST: usize = 4;
const HOSTILE: usize = HONEST;

struct Run {
    net: Network,
    /// Every change an honest device made: (device, document, change).
    edits: Vec<(usize, DocumentId, ChangeHash)>,
    revoked: Option<usize>,
    /// Documents the hostile device was ever allowed to change: what it wrote there earlier is a write by an
    /// authorised device once it uploads (the server cannot know when a change was made).
    hostile_could_write: BTreeSet<DocumentId>,
    counter: i64,
}

impl Run {
    fn new(seed: u64) -> Self {
        let mut net = Network::new(seed, HONEST + 1);
        net.restrict_access();
        Self {
            net,
            edits: Vec::new(),
            revoked: None,
            hostile_could_write: BTreeSet::new(),
            counter: 0,
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.net.rng.below(items.len())])
    }

    fn honest_device(&mut self) -> Option<usize> {
        let devices: Vec<usize> = (0..HONEST).filter(|d| Some(*d) != self.revoked).collect();
        self.pick(&devices)
    }

    /// A worker edits a case their phone holds as one they may change (as the server last told the phone: what its
    /// session recorded), unless it is still downloading (an empty document is no case to edit), or one they
    /// created and have not uploaded yet. They may have been unassigned meanwhile without their phone knowing yet.
    fn edit(&mut self) {
        let Some(device) = self.honest_device() else {
            return;
        };
        let server = &self.net.server;
        let holds_writable =
            |doc: &DocumentId| match server.holdings.get(&device).and_then(|held| held.get(doc)) {
                Some(held) => held.writable,
                None => !server.docs.contains_key(doc),
            };
        let held: Vec<DocumentId> = self
            .net
            .client(device)
            .docs
            .iter()
            .filter(|(doc, document)| !document.get_heads().is_empty() && holds_writable(doc))
            .map(|(doc, _)| *doc)
            .collect();
        let Some(doc) = self.pick(&held) else { return };
        self.write(device, doc);
    }

    /// A worker creates a case.
    fn create(&mut self) {
        let Some(device) = self.honest_device() else {
            return;
        };
        let doc = self.net.rng.doc_id();
        self.write(device, doc);
    }

    fn write(&mut self, device: usize, doc: DocumentId) {
        self.counter += 1;
        let (key, value) = (format!("d{device}-{}", self.counter), self.counter);
        self.net.edit(device, doc, |tx| {
            tx.put(automerge::ROOT, key, value).expect("put");
        });
        let change = self.net.client(device).docs[&doc]
            .get_last_local_change()
            .expect("the edit made a change")
            .hash();
        self.edits.push((device, doc, change));
    }

    /// A lead assigns, unassigns, or a worker breaks the glass (read only). A break-the-glass grant goes only to a
    /// device that does not hold the case: one holding unsent edits for it would have them refused, since the
    /// grant opens a case to read.
    fn decide(&mut self) {
        let docs: Vec<DocumentId> = self.net.server.docs.keys().copied().collect();
        let Some(doc) = self.pick(&docs) else { return };
        let device = self.net.rng.below(HONEST + 1);
        let access = match self.net.rng.below(20) {
            0..8 => None,
            8..17 => Some(true),
            _ if !self.net.client(device).docs.contains_key(&doc) => Some(false),
            _ => None,
        };
        if device == HOSTILE && access == Some(true) {
            self.hostile_could_write.insert(doc);
        }
        self.net.grant(device, doc, access);
    }

    fn toggle_connection(&mut self) {
        let device = self.net.rng.below(HONEST + 1);
        if Some(device) == self.revoked {
            return;
        }
        if self.net.client(device).is_connected() {
            self.net.disconnect(device);
        } else {
            self.net.connect(device);
        }
    }

    fn revoke(&mut self) {
        if self.revoked.is_some() {
            return;
        }
        let device = self.net.rng.below(HONEST);
        self.revoked = Some(device);
        self.net.revoke(device);
    }

    /// The attacker: a change the server's rules refuse, an upload to an id that belongs to a case it may not see,
    /// or bytes that are no frame.
    fn attack(&mut self) {
        match self.net.rng.below(3) {
            0 => {
                let held: Vec<DocumentId> = self.net.client(HOSTILE).docs.keys().copied().collect();
                if let Some(doc) = self.pick(&held) {
                    self.net.edit(HOSTILE, doc, |tx| {
                        tx.put(automerge::ROOT, "invalid", true).expect("put");
                    });
                }
            }
            1 => {
                let hidden: Vec<DocumentId> = self
                    .net
                    .server
                    .docs
                    .keys()
                    .filter(|doc| self.net.server.sight_of(HOSTILE, doc) == Access::Hidden)
                    .copied()
                    .collect();
                if let Some(doc) = self.pick(&hidden) {
                    self.net.edit(HOSTILE, doc, |tx| {
                        tx.put(automerge::ROOT, "stolen", true).expect("put");
                    });
                }
            }
            _ => self.net.inject(HOSTILE, vec![1, 0x03, 0xff, 0x00]),
        }
    }

    fn steps(&mut self) {
        for _ in 0..self.net.rng.below(24) {
            if !self.net.step() {
                break;
            }
        }
    }

    fn play(&mut self, actions: usize) {
        for _ in 0..actions {
            match self.net.rng.below(100) {
                0..22 => self.edit(),
                22..27 => self.create(),
                27..42 => self.decide(),
                42..57 => self.toggle_connection(),
                57..58 => self.revoke(),
                58..64 => self.attack(),
                _ => self.steps(),
            }
        }
    }

    /// Every device that may connect connects, syncs to the end and leaves, twice: the second connection reads
    /// the purges repeated from the first.
    fn settle(&mut self) {
        for _ in 0..2 {
            for device in 0..=HOSTILE {
                if self.net.client(device).is_connected() {
                    self.net.disconnect(device);
                }
            }
            for device in 0..=HOSTILE {
                self.net.connect(device);
            }
            self.net.deliver_all();
        }
    }

    fn check(&self, seed: u64) {
        let server = &self.net.server;
        for (device, doc, change) in &self.edits {
            if Some(*device) == self.revoked {
                continue;
            }
            let kept = server
                .docs
                .get(doc)
                .is_some_and(|server_doc| server_doc.get_change_by_hash(change).is_some());
            assert!(kept, "seed {seed}: device {device} lost an edit of {doc}");
        }
        for device in 0..HONEST {
            let client = self.net.client(device);
            if Some(device) == self.revoked {
                assert!(
                    client.docs.is_empty(),
                    "seed {seed}: revoked device {device} kept documents"
                );
                continue;
            }
            let held: BTreeSet<DocumentId> = client.docs.keys().copied().collect();
            let may_see: BTreeSet<DocumentId> = server
                .docs
                .keys()
                .filter(|doc| matches!(server.sight_of(device, doc), Access::Read | Access::Write))
                .copied()
                .collect();
            assert_eq!(
                held, may_see,
                "seed {seed}: device {device} holds the wrong documents"
            );
            for doc in &held {
                assert_eq!(
                    client.docs[doc].get_heads(),
                    server.docs[doc].get_heads(),
                    "seed {seed}: device {device} is behind on {doc}"
                );
                assert!(
                    !client.is_pending(doc),
                    "seed {seed}: device {device} has {doc} pending"
                );
            }
        }
        for (doc, server_doc) in &server.docs {
            assert!(
                server_doc
                    .get(automerge::ROOT, "invalid")
                    .expect("read")
                    .is_none(),
                "seed {seed}: the hostile device's invalid change reached {doc}"
            );
            if !self.hostile_could_write.contains(doc) {
                assert!(
                    server_doc.get(automerge::ROOT, "stolen").expect("read").is_none(),
                    "seed {seed}: the hostile device wrote to {doc}, which it may not change"
                );
            }
        }
    }
}

#[test]
fn random_assignments_revocations_and_attacks_lose_no_edit_and_leave_nothing_unseen() {
    // `SIM_SEEDS` runs more of them (a long search; 150 keep the test suite quick).
    let seeds: u64 = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(150);
    for seed in 1..=seeds {
        let outcome = std::panic::catch_unwind(|| {
            let mut run = Run::new(seed);
            run.play(400);
            run.settle();
            run.check(seed);
        });
        if let Err(panic) = outcome {
            eprintln!("the run of seed {seed} failed");
            std::panic::resume_unwind(panic);
        }
    }
}

/// The grace, step by step: a worker edits offline, is unassigned meanwhile, and reconnects. The server takes the
/// edit, acknowledges it, and only then tells the phone to purge.
#[test]
fn an_edit_made_offline_before_an_unassignment_is_kept_then_purged() {
    let mut run = Run::new(7);
    let doc = run.net.rng.doc_id();
    run.write(0, doc);
    run.net.connect(0);
    run.net.deliver_all();
    run.net.disconnect(0);
    run.write(0, doc);
    run.net.grant(0, doc, None);
    run.net.connect(0);
    run.net.deliver_all();

    let (_, _, offline_edit) = run.edits[1];
    assert!(
        run.net.server.docs[&doc]
            .get_change_by_hash(&offline_edit)
            .is_some()
    );
    let effects = &run.net.client(0).effects;
    let acked = effects
        .iter()
        .rposition(|e| matches!(e, ClientEffect::Acknowledged { doc: d, .. } if *d == doc))
        .expect("the offline edit is acknowledged");
    let purged = effects
        .iter()
        .rposition(
            |e| matches!(e, ClientEffect::Purge { doc: d, reason: PurgeReason::Unassigned } if *d == doc),
        )
        .expect("the case is purged");
    assert!(acked < purged, "the Purge follows the Ack");
    assert!(!run.net.client(0).docs.contains_key(&doc));
}

/// Live: a connected device that has sent everything it has is purged at once when unassigned, and a teammate
/// given the case receives it without reconnecting.
#[test]
fn an_unassignment_purges_live_and_an_assignment_delivers_live() {
    let mut run = Run::new(8);
    let doc = run.net.rng.doc_id();
    run.write(0, doc);
    run.net.connect(0);
    run.net.connect(1);
    run.net.deliver_all();
    assert!(
        !run.net.client(1).docs.contains_key(&doc),
        "not the teammate's yet"
    );

    run.net.grant(1, doc, Some(true));
    run.net.grant(0, doc, None);
    run.net.deliver_all();

    assert!(!run.net.client(0).docs.contains_key(&doc));
    assert_eq!(
        run.net.client(1).docs[&doc].get_heads(),
        run.net.server.docs[&doc].get_heads()
    );
    let held = run.net.server.holdings[&0][&doc];
    assert!(held.told_at_ms.is_some());
    assert_eq!(held.purge_cursor, None, "told live: repeated at the next Hello");
}

/// Break-the-glass opens a case to read: the device receives it, and a change it sends anyway is refused.
#[test]
fn a_read_only_grant_delivers_the_case_and_refuses_changes_to_it() {
    let mut run = Run::new(9);
    let doc = run.net.rng.doc_id();
    run.write(0, doc);
    run.net.connect(0);
    run.net.connect(1);
    run.net.deliver_all();
    run.net.grant(1, doc, Some(false));
    run.net.deliver_all();
    assert!(run.net.client(1).docs.contains_key(&doc));

    run.net.edit(1, doc, |tx| {
        tx.put(automerge::ROOT, "read-only", true).expect("put");
    });
    run.net.deliver_all();
    assert!(
        run.net.server.docs[&doc]
            .get(automerge::ROOT, "read-only")
            .expect("read")
            .is_none()
    );
    assert!(
        run.net
            .server
            .refusals
            .iter()
            .any(|(d, reason, _)| *d == doc && *reason == sync_core::protocol::RefusalReason::WriteForbidden)
    );
}
