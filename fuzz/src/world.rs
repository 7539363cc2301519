//! The one case every target works on, as the server holds it: built once, deterministically (fixed actors, ids
//! and times), so that a corpus recorded against it keeps applying to it.

use std::sync::OnceLock;

use automerge::{ActorId, Automerge, ChangeHash};
use server::ids::TeamId;
use server::store::{Role, Viewer};
use sync_core::DocumentId;
use sync_core::case::ffb::Ffb;
use sync_core::case::{Approval, Case, CaseDocument, Citizen, Course, Goal, NewContact, read_case};
use sync_core::fit::{Instrument, RaterKind, Rating, RuleSet};
use sync_core::protocol::{
    Access, Frame, Holding, Limits, Lost, ManifestEntry, PurgeReason, RateLimit, Resolved, ServerSession,
    Visible, encode,
};
use uuid::Uuid;

pub const TENANT: &str = "fuzz-kommune";
/// The team and the worker are ids as the server's store makes them (UUIDs, `server::ids`): the write rules compare
/// the case's team with the worker's.
pub const TEAM: &str = "7f3e2d1c-0b4a-4958-8776-a5b4c3d2e1f0";
pub const WORKER: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const TENANT_ID: &str = "0f1e2d3c-4b5a-4697-8877-6655aa44bb33";
pub const DEVICE: &str = "device-fuzz";
pub const NOW: i64 = 1_764_000_000_000;
/// The first byte of the id of the case the device holds and may no longer see.
const LOST_BYTE: u8 = 8;

/// What the store records of a lost case: whether its user could change it (the grace is closed to one who could
/// not), and whether the device was told to purge it at a Hello before (at time 0).
fn holding(writable: bool, purge_cursor: Option<u64>) -> Holding {
    Holding {
        reason: PurgeReason::Unassigned,
        writable,
        told_at_ms: purge_cursor.map(|_| 0),
        purge_cursor,
    }
}

/// The server's side: the committed case and what the I/O layer knows about it.
pub struct World {
    pub doc_id: DocumentId,
    pub doc: Automerge,
    pub heads: Vec<ChangeHash>,
    pub case: Case,
    pub stored_bytes: usize,
    pub viewer: Viewer,
    pub rules: RuleSet,
    pub limits: Limits,
    pub rate: RateLimit,
}

/// [`TEAM`] as the server's type.
pub fn team_id() -> &'static TeamId {
    static TEAM_ID: OnceLock<TeamId> = OnceLock::new();
    TEAM_ID.get_or_init(|| TEAM.parse().expect("a team id"))
}

impl World {
    pub fn get() -> &'static World {
        static WORLD: OnceLock<World> = OnceLock::new();
        WORLD.get_or_init(World::build)
    }

    fn build() -> World {
        let doc = server_case().into_automerge();
        let case = read_case(&doc).expect("the world's case reads");
        World {
            doc_id: DocumentId::from_bytes([7; 16]),
            heads: doc.get_heads(),
            stored_bytes: doc.save().len(),
            doc,
            case,
            viewer: Viewer {
                user_id: WORKER.parse().expect("a user id"),
                tenant_id: TENANT_ID.parse().expect("a tenant id"),
                role: Role::Worker,
                team_id: Some(team_id().clone()),
                team_shares_cases: true,
            },
            rules: RuleSet::v1(),
            limits: Limits::default(),
            // Frames all arrive at one instant: the bursts must not close the connection before the fuzzer's
            // frames are read.
            rate: RateLimit {
                frames_per_second: u64::MAX / 4,
                frame_burst: u64::MAX / 4,
                bytes_per_second: u64::MAX / 4,
                byte_burst: u64::MAX / 4,
            },
        }
    }

    /// A session past its Hello, as the server holds it once the device is welcomed.
    pub fn open_session(&self) -> ServerSession {
        let mut session = ServerSession::new(DEVICE.into(), self.limits, self.rate);
        let hello = Frame::Hello {
            client: "fuzz".into(),
            device: DEVICE.into(),
            cursor: None,
            manifest: Vec::new(),
        };
        session.handle_frame(&encode(&hello), 1);
        session.welcome(self.resolved(&[]));
        session
    }

    /// What the store tells a Hello with `manifest`: the world's case is the device's to change, the device holds one
    /// case it may no longer see (told to purge it at a Hello before, its grace open), and the manifest's ids no
    /// case has are missing.
    pub fn resolved(&self, manifest: &[ManifestEntry]) -> Resolved {
        Resolved {
            cursor: 1,
            changed: Vec::new(),
            visible: vec![Visible {
                doc: self.doc_id,
                heads: self.heads.clone(),
                writable: true,
            }],
            lost: vec![Lost {
                doc: DocumentId::from_bytes([LOST_BYTE; 16]),
                holding: holding(true, Some(1)),
            }],
            missing: manifest
                .iter()
                .map(|entry| entry.doc)
                .filter(|doc| self.access_of(*doc) == Access::Missing)
                .collect(),
        }
    }

    /// What the store says of a document: the world's case is the device's to change; for any other, the first
    /// byte of its id chooses, so that every kind of answer is fuzzed.
    pub fn access_of(&self, doc: DocumentId) -> Access {
        if doc == self.doc_id {
            return Access::Write;
        }
        match doc.as_bytes()[0] % 6 {
            0 => Access::Missing,
            1 => Access::Hidden,
            2 => Access::Lost(holding(true, None)),
            // The grace closed long ago, or the device only ever read the case.
            3 => Access::Lost(holding(doc.as_bytes()[1].is_multiple_of(2), Some(0))),
            4 => Access::Read,
            _ => Access::Write,
        }
    }

    /// The server's copy of a document: every document that exists is a copy of the world's case.
    pub fn stored(&self, doc: DocumentId) -> Automerge {
        match self.access_of(doc) {
            Access::Missing => Automerge::new(),
            _ => self.doc.clone(),
        }
    }

    /// The device's copy of the case, under its own actor.
    pub fn device_copy(&self) -> Automerge {
        self.doc.fork().with_actor(ActorId::from([2; 16].as_slice()))
    }
}

/// A case with a plan, a goal, a course and two contacts with ratings, recorded by the world's worker.
pub fn server_case() -> CaseDocument {
    let citizen = Citizen {
        display_name: "Synthetic Citizen".into(),
        reference: "fuzz-ref".into(),
        birth_year: Some(1984),
    };
    let mut case = Case::new(TENANT, TEAM, citizen);
    case.plan.purpose = "Synthetic purpose".into();
    case.courses.insert(
        Uuid::from_u128(10).to_string(),
        Course {
            service: Ffb::get()
                .service_code("Socialpædagogisk støtte")
                .expect("code")
                .into(),
            legal_basis: "s85".into(),
            start: "2025-11-01".into(),
            planned_end: Some("2026-05-01".into()),
            end: None,
            end_reason: None,
            granted_minutes_per_week: 120,
            granted_sessions: None,
            approval: Approval {
                state: "not_required".into(),
                by: None,
                at_ms: None,
            },
            extensions: vec![],
            entered_in_error: None,
        },
    );
    let mut doc = CaseDocument::create(ActorId::from([1; 16].as_slice()), &case, NOW).expect("a valid case");
    doc.add_goal(
        Uuid::from_u128(20),
        Goal {
            title: "Synthetic goal".into(),
            level: "goal".into(),
            parent: None,
            goal_type: Ffb::get()
                .goal_type_code("Udvikle funktionsevne")
                .expect("code")
                .into(),
            status: "active".into(),
            target_date: None,
            created_ms: NOW,
            entered_in_error: None,
        },
        NOW,
    )
    .expect("a valid goal");
    for n in 0..2_i64 {
        let contact = NewContact {
            kind: "home_visit".into(),
            start_ms: NOW + n * 86_400_000,
            duration_minutes: 60,
            course: Some(Uuid::from_u128(10).to_string()),
            workers: vec![WORKER.into()],
            notes: "Synthetic note".into(),
            goals: vec![Uuid::from_u128(20).to_string()],
            ors: Some(Rating::items(
                Instrument::Ors,
                [40 + n, 50, 45, 60],
                RaterKind::Citizen,
            )),
            srs: Some(Rating::items(
                Instrument::Srs,
                [90, 95, 85, 92],
                RaterKind::Citizen,
            )),
            recorded_by: WORKER.into(),
        };
        let id = Uuid::from_u128(100 + u128::try_from(n).unwrap_or_default());
        doc.add_contact(id, contact, NOW).expect("a valid contact");
    }
    doc
}
