//! Fixtures for the document-store tests: a small world of tenants, teams and users (no demo), and case
//! documents written with sync-core's edits and committed the way the sync endpoint commits them.

use automerge::{ActorId, Automerge, ChangeHash};
use axum::http::StatusCode;
use secrecy::SecretString;
use server::auth::password;
use server::clock::now_ms;
use server::ids::{TeamId, TenantId, UserId};
use server::projection::Projection;
use server::store::{
    AuditFilter, AuditRow, DocumentCommit, Heads, NewUser, Role, Store, StoredDocument, Team, Tenant, User,
    Viewer, actors_of,
};
use sync_core::DocumentId;
use sync_core::case::ffb::Ffb;
use sync_core::case::{
    Approval, Case, CaseDocument, Citizen, Course, Goal, NewContact, conflicts, read_case,
};
use sync_core::fit::{Instrument, RaterKind, Rating, RuleSet};
use uuid::Uuid;

use crate::helpers::{Backend, TestApp};

/// Not a real hash: these users never log in.
const PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
pub const NOW: i64 = 1_764_000_000_000;

/// Two tenants. In `north` (team Nord shares its cases, team Syd does not): anna and bo (Nord workers), lea
/// (Nord lead), cy (Syd worker), dan (Syd lead), admin (no team). In `west`: mads (worker of a team that does not
/// share).
pub struct World {
    pub app: TestApp,
    pub north: Tenant,
    pub west: Tenant,
    pub nord: Team,
    pub syd: Team,
    pub bost: Team,
    pub anna: User,
    pub bo: User,
    pub lea: User,
    pub cy: User,
    pub dan: User,
    pub admin: User,
    pub mads: User,
}

impl World {
    pub async fn new(backend: Backend) -> World {
        let app = TestApp::builder(backend).without_demo().build().await;
        let store = app.state().store.clone();
        let tenant = |slug: &'static str| {
            let store = store.clone();
            async move { store.create_tenant(slug, slug, NOW).await.expect("tenant") }
        };
        let (north, west) = (tenant("north").await, tenant("west").await);
        let nord = store
            .create_team(&north.id, "Nord", true, NOW)
            .await
            .expect("team");
        let syd = store
            .create_team(&north.id, "Syd", false, NOW)
            .await
            .expect("team");
        let bost = store
            .create_team(&west.id, "Bost", false, NOW)
            .await
            .expect("team");
        World {
            anna: user(&store, &north, Some(&nord), "anna", Role::Worker).await,
            bo: user(&store, &north, Some(&nord), "bo", Role::Worker).await,
            lea: user(&store, &north, Some(&nord), "lea", Role::Lead).await,
            cy: user(&store, &north, Some(&syd), "cy", Role::Worker).await,
            dan: user(&store, &north, Some(&syd), "dan", Role::Lead).await,
            admin: user(&store, &north, None, "admin", Role::Admin).await,
            mads: user(&store, &west, Some(&bost), "mads", Role::Worker).await,
            app,
            north,
            west,
            nord,
            syd,
            bost,
        }
    }

    pub fn store(&self) -> &Store {
        &self.app.state().store
    }

    /// Gives `user` a real password (the World's users have a placeholder hash) and logs them in: an access
    /// token for the API.
    pub async fn token(&self, user: &User) -> String {
        const PASSWORD: &str = "a long enough test password";
        let hash = password::hash(&SecretString::from(PASSWORD)).expect("hash");
        self.store()
            .set_password_hash(&user.id, &hash)
            .await
            .expect("store");
        let tenant = if user.tenant_id == self.north.id {
            "north"
        } else {
            "west"
        };
        let response = self.app.login(tenant, &user.username, PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "login of {}: {:?}",
            user.username,
            response.body
        );
        response.body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// What the access log holds of `user` in `north` (newest first), of `action` and about `case` if given.
    pub async fn logged(&self, user: &User, action: &str, case: Option<&str>) -> Vec<AuditRow> {
        let filter = AuditFilter {
            user_id: Some(user.id.to_string()),
            case_id: case.map(str::to_owned),
            action: Some(action.to_owned()),
            from: None,
            to: None,
            limit: 1000,
        };
        self.store()
            .audit_search(&self.north.id, &filter)
            .await
            .expect("store")
    }

    pub async fn viewer(&self, user: &User) -> Viewer {
        self.store()
            .viewer(&user.id)
            .await
            .expect("store")
            .expect("viewer")
    }
}

async fn user(store: &Store, tenant: &Tenant, team: Option<&Team>, username: &str, role: Role) -> User {
    let new = NewUser {
        tenant_id: &tenant.id,
        username,
        password_hash: PASSWORD_HASH,
        role,
        team_id: team.map(|t| &t.id),
    };
    store.create_user(&new, NOW).await.expect("user")
}

/// A case document being written by one device, with the heads the store last committed.
pub struct Writer {
    pub doc_id: DocumentId,
    pub tenant_id: TenantId,
    pub team_id: TeamId,
    /// The user the commits are made by.
    pub holder_id: UserId,
    pub doc: CaseDocument,
    committed: Vec<ChangeHash>,
}

impl Writer {
    /// A new case in `team`, with a course, written by actor `n`.
    pub fn new(n: u8, tenant: &Tenant, team: &Team, holder: &User) -> Writer {
        let mut case = Case::new(
            &tenant.slug,
            team.id.as_str(),
            Citizen {
                display_name: format!("Test Fiktivsen {n}"),
                reference: format!("test-{n:04}"),
                birth_year: Some(1980),
            },
        );
        case.tovholder = Some(holder.id.to_string());
        let mut doc = CaseDocument::create(ActorId::from(vec![n; 16]), &case, NOW).expect("a valid case");
        doc.add_course(uuid(u128::from(n) << 64), course(), NOW)
            .expect("course");
        Writer {
            doc_id: DocumentId::from_uuid(uuid(u128::from(n))),
            tenant_id: tenant.id.clone(),
            team_id: team.id.clone(),
            holder_id: holder.id.clone(),
            doc,
            committed: Vec::new(),
        }
    }

    pub fn course_id(&self) -> String {
        self.doc
            .read()
            .expect("read")
            .courses
            .keys()
            .next()
            .cloned()
            .expect("a course")
    }

    /// Adds a contact with ratings; `k` makes its id and time.
    pub fn add_contact(&mut self, k: u128, ors: Option<Rating>, srs: Option<Rating>, course: bool) {
        let contact = NewContact {
            kind: "home_visit".into(),
            start_ms: NOW + i64::try_from(k).expect("small") * 86_400_000,
            duration_minutes: 60,
            course: course.then(|| self.course_id()),
            workers: vec![],
            notes: if k.is_multiple_of(2) {
                "Talte om ugen.".into()
            } else {
                String::new()
            },
            goals: vec![],
            ors,
            srs,
            recorded_by: "someone".into(),
        };
        self.doc
            .add_contact(uuid(k + 1000), contact, NOW)
            .expect("contact");
    }

    /// Commits the new case, assigned to `holders`.
    pub async fn create(&mut self, store: &Store, holders: &[&User]) -> i64 {
        let holders: Vec<UserId> = holders.iter().map(|u| u.id.clone()).collect();
        self.commit_as(store, true, &holders).await
    }

    /// Commits the new case as a device's upload does: the whole document, stored as its snapshot.
    pub async fn create_whole(&mut self, store: &Store, holders: &[&User]) -> i64 {
        let holders: Vec<UserId> = holders.iter().map(|u| u.id.clone()).collect();
        let pending = self.pending(true, &holders);
        let document = self.doc.automerge().save();
        let commit = DocumentCommit {
            changes: &[],
            document: Some(&document),
            ..self.commit_of(&pending)
        };
        let seq = store.commit_document(&commit).await.expect("commit");
        self.committed(&pending);
        seq
    }

    /// Commits what changed since the last commit.
    pub async fn commit(&mut self, store: &Store) -> i64 {
        self.commit_as(store, false, &[]).await
    }

    async fn commit_as(&mut self, store: &Store, create: bool, assign: &[UserId]) -> i64 {
        let pending = self.pending(create, assign);
        let seq = store
            .commit_document(&self.commit_of(&pending))
            .await
            .expect("commit");
        self.committed(&pending);
        seq
    }

    /// What changed since the last commit, ready to commit (alone or in a group, `Store::commit_documents`).
    pub fn pending(&self, create: bool, assign: &[UserId]) -> Pending {
        let doc = self.doc.automerge();
        let changes = doc.get_changes(&self.committed);
        Pending {
            create,
            assign: assign.to_vec(),
            raw: changes.iter().map(|c| c.raw_bytes().to_vec()).collect(),
            hashes: changes.iter().map(|c| c.hash().to_string()).collect(),
            actors: actors_of(changes.iter().map(automerge::Change::actor_id)),
            heads: Heads::new(doc.get_heads()),
            projection: projection_of(&self.doc_id.to_string(), doc),
        }
    }

    /// The commit of `pending`.
    pub fn commit_of<'a>(&'a self, pending: &'a Pending) -> DocumentCommit<'a> {
        DocumentCommit {
            doc_id: &self.doc_id,
            tenant_id: &self.tenant_id,
            team_id: Some(&self.team_id),
            create: pending.create,
            base_seq: None,
            assign_users: &pending.assign,
            device_id: None,
            held_as_committed: false,
            user_id: &self.holder_id,
            changes: &pending.raw,
            document: None,
            change_hashes: &pending.hashes,
            actors: &pending.actors,
            heads: &pending.heads,
            projection: &pending.projection,
            now_ms: now_ms(),
            audit: &[],
        }
    }

    /// Records that `pending` was committed.
    pub fn committed(&mut self, pending: &Pending) {
        self.committed = pending.heads.as_slice().to_vec();
    }
}

/// A writer's changes since its last commit, owned (see [`Writer::pending`]).
pub struct Pending {
    create: bool,
    assign: Vec<UserId>,
    raw: Vec<Vec<u8>>,
    hashes: Vec<String>,
    actors: Vec<String>,
    heads: Heads,
    /// The projection the commit writes.
    pub projection: Projection,
}

/// The projection of a document, as the server builds it.
pub fn projection_of(doc_id: &str, doc: &automerge::Automerge) -> Projection {
    let case = read_case(doc).expect("readable case");
    Projection::of(doc_id, &case, &conflicts::list(doc), &RuleSet::v1())
}

pub fn heads_hex(heads: &[ChangeHash]) -> Vec<String> {
    let mut hex: Vec<String> = heads.iter().map(ToString::to_string).collect();
    hex.sort();
    hex
}

pub fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// An active goal of the plan.
pub fn goal(title: &str) -> Goal {
    Goal {
        title: title.into(),
        level: "goal".into(),
        parent: None,
        goal_type: Ffb::get()
            .goal_type_code("Udvikle funktionsevne")
            .expect("code")
            .to_owned(),
        status: "active".into(),
        target_date: None,
        created_ms: NOW,
        entered_in_error: None,
    }
}

pub fn ors(items: [i64; 4]) -> Rating {
    Rating::items(Instrument::Ors, items, RaterKind::Citizen)
}

pub fn srs(items: [i64; 4]) -> Rating {
    Rating::items(Instrument::Srs, items, RaterKind::Citizen)
}

fn course() -> Course {
    Course {
        service: Ffb::get()
            .service_code("Socialpædagogisk støtte")
            .expect("code")
            .to_owned(),
        legal_basis: "s85".into(),
        start: "2025-11-01".into(),
        planned_end: None,
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
    }
}

/// The store's copy of a case, which must exist: its row (sequence, tenant, team) and the document loaded from it.
pub async fn load_stored(store: &Store, doc_id: &DocumentId) -> (StoredDocument, Automerge) {
    let stored = store.load_document(doc_id).await.expect("store").expect("stored");
    let doc = Automerge::load(&stored.bytes).expect("loads");
    (stored, doc)
}
