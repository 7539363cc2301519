//! The typed view of a case document: what one citizen's case holds, mapped to automerge through autosurgeon.
//!
//! Layout decisions, each made for offline merging:
//! - Collections that grow on several phones at once (goals, courses, contacts, follow-ups, outcomes, workers) are
//!   maps keyed by a UUID string, never lists, so two phones adding a contact offline both win.
//! - Goals are one flat map with a `parent` reference rather than nested maps: a sub-goal added on one phone while
//!   its goal is edited on another merges without touching the same object.
//! - Notes and the citizen's own goal are automerge Text, so two workers' edits interleave.
//! - Codes (contact kind, legal basis, FFB codes, statuses) are stored as strings and checked by
//!   [`crate::case::validate`]; a document written by a newer or broken client still hydrates, and validation
//!   names the field instead of failing to read the whole case.
//! - The serde form (JSON) mirrors the document, for the back office, exports and the shared test vectors.
//! - Times are unix milliseconds (`*_ms`), calendar dates ISO `YYYY-MM-DD` strings.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};

use crate::fit::Rating;

/// One citizen's case: the root of a case document.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    /// Schema version of this document; see [`crate::case::schema`].
    pub schema: u64,
    /// Tenant (municipality) slug. Fixed at creation: a case never moves between tenants.
    pub tenant: String,
    /// Team id holding the case.
    pub team: String,
    pub citizen: Citizen,
    /// User id of the tovholder, the one worker who holds the thread for this citizen.
    pub tovholder: Option<String>,
    /// Assigned workers: user id → display name. Informational: the server's assignment table decides access.
    pub workers: BTreeMap<String, String>,
    pub plan: Plan,
    #[autosurgeon(reconcile = "new_entries_whole")]
    pub courses: BTreeMap<String, Course>,
    #[autosurgeon(reconcile = "new_entries_whole")]
    pub contacts: BTreeMap<String, Contact>,
    #[autosurgeon(reconcile = "new_entries_whole")]
    pub follow_ups: BTreeMap<String, FollowUp>,
    #[autosurgeon(reconcile = "new_entries_whole")]
    pub outcomes: BTreeMap<String, OutcomeEvent>,
    /// The tovholder's coordination with the network around the citizen (a network meeting with the job centre,
    /// psychiatry, housing): who took part and what was agreed. Absent in documents written before it existed.
    #[autosurgeon(missing = "Default::default", reconcile = "new_entries_whole")]
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub coordination: BTreeMap<String, Coordination>,
}

/// Who the case is about. The display name is citizen data: it never goes to logs.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Citizen {
    pub display_name: String,
    /// A pseudonymous reference that lets the municipality's case system find the citizen (never a CPR number).
    pub reference: String,
    /// Birth year, for age-dependent FIT cutoffs (children and youth have their own).
    pub birth_year: Option<i64>,
}

/// The action plan (Serviceloven §141).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    pub purpose: String,
    /// The citizen's own hope or goal, in their own words.
    #[serde(serialize_with = "text_as_str", deserialize_with = "text_from_str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub own_goal: Text,
    /// Goals, sub-goals and stepping-stone goals, flat, linked by `parent`.
    #[autosurgeon(reconcile = "new_entries_whole")]
    pub goals: BTreeMap<String, Goal>,
    /// Each goal's position among its siblings, lower first; a goal without one follows, in the order it was created
    /// (see [`super::goals`]). Absent in documents written before goals could be re-ordered.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub goal_order: BTreeMap<String, i64>,
}

/// A goal at one of three levels.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Goal {
    pub title: String,
    /// `goal`, `sub_goal` or `stepping_stone` (see [`crate::case::codes::GOAL_LEVELS`]).
    pub level: String,
    /// The goal one level up; none for a top-level goal.
    pub parent: Option<String>,
    /// FFB goal type code (Udvikle / Fastholde / Begrænse tab af funktionsevne).
    pub goal_type: String,
    /// `active`, `achieved`, `paused` or `dropped`.
    pub status: String,
    pub target_date: Option<String>,
    pub created_ms: i64,
    /// Set when the entry was made in error: it stays in the record (history is append-only) and is shown struck
    /// through and left out of FIT. Absent in documents written before the mark existed.
    #[autosurgeon(missing = "Default::default", reconcile = "none_unwritten")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

/// A course (forløb): a time-limited grant of support under one legal basis.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    /// FFB service (ydelse) code.
    pub service: String,
    /// `s85`, `s82a`, `s82b`, `s82c` or `s82d`.
    pub legal_basis: String,
    pub start: String,
    pub planned_end: Option<String>,
    pub end: Option<String>,
    /// `mutual_agreement`, `citizen_dropped_out`, `moved`, `other`; set together with `end`.
    pub end_reason: Option<String>,
    /// Granted support in minutes a week (integers, so two devices never disagree on rounding).
    pub granted_minutes_per_week: i64,
    /// A punch card (klippekort): the course is granted as this many sessions, each contact in it uses one.
    /// Absent for a course granted in hours only, and in documents written before punch cards existed.
    #[autosurgeon(missing = "Default::default", reconcile = "none_unwritten")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_sessions: Option<i64>,
    pub approval: Approval,
    /// Each time the planned end was moved later, with why; oldest first, append-only. Absent in documents
    /// written before extensions existed.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
    /// Set when the entry was made in error: it stays in the record (history is append-only) and is shown struck
    /// through and left out of FIT. Absent in documents written before the mark existed.
    #[autosurgeon(missing = "Default::default", reconcile = "none_unwritten")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

/// A course's planned end moved later: from what, to what, why, by whom and when.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Extension {
    /// The planned end before (none for a course that had none).
    pub from: Option<String>,
    pub to: String,
    pub reason: String,
    /// User id.
    pub by: String,
    pub at_ms: i64,
}

/// Whether a grant needed and got a lead's approval.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    /// `not_required`, `awaiting`, `approved` or `rejected`.
    pub state: String,
    pub by: Option<String>,
    pub at_ms: Option<i64>,
}

/// One contact with the citizen: a home visit, a call, a group session …
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    /// See [`crate::case::codes::CONTACT_KINDS`].
    pub kind: String,
    pub start_ms: i64,
    pub duration_minutes: i64,
    /// The course this contact belongs to, if any.
    pub course: Option<String>,
    /// User ids of the workers present.
    pub workers: Vec<String>,
    #[serde(serialize_with = "text_as_str", deserialize_with = "text_from_str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub notes: Text,
    /// Goal ids worked on.
    pub goals: Vec<String>,
    /// ORS (or CORS), rated at the start.
    pub ors: Option<Rating>,
    /// SRS (or CSRS, GSRS), rated at the end.
    pub srs: Option<Rating>,
    /// User id of the worker who recorded the contact.
    pub recorded_by: String,
    /// Set when the entry was made in error: it stays in the record (history is append-only) and is shown struck
    /// through and left out of FIT. Absent in documents written before the mark existed.
    #[autosurgeon(missing = "Default::default", reconcile = "none_unwritten")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

/// A planned follow-up of the plan.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    pub due: String,
    pub purpose: String,
    /// Who it is held with (`FOLLOW_UP_WITH` codes). Absent in documents written before it existed.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub with: Vec<String>,
    pub done: bool,
    /// A short note of how it went, written when it is marked done.
    #[autosurgeon(missing = "Default::default", reconcile = "empty_unwritten")]
    #[serde(default)]
    pub done_note: String,
    /// Set when the entry was made in error: it stays in the record (history is append-only) and is shown struck
    /// through and left out of FIT. Absent in documents written before the mark existed.
    #[autosurgeon(missing = "Default::default", reconcile = "none_unwritten")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

/// One coordination with the network around the citizen: a network meeting, a call with the job centre or
/// psychiatry. Its own entry, not hidden in a visit's notes.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coordination {
    /// YYYY-MM-DD.
    pub date: String,
    /// Who was involved (`COORDINATION_PARTIES` codes).
    pub parties: Vec<String>,
    /// Who took part, as the worker writes it (names or roles).
    pub participants: String,
    /// What was agreed.
    pub agreements: String,
    /// User id of the worker who recorded it.
    pub recorded_by: String,
    #[autosurgeon(missing = "Default::default", reconcile = "none_unwritten")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

/// A measured result: the citizen moved to their own home, got a job, needs less support, support ended.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutcomeEvent {
    /// `own_home`, `job`, `less_support` or `support_ended`.
    pub kind: String,
    pub date: String,
    pub note: String,
    /// Set when the entry was made in error: it stays in the record (history is append-only) and is shown struck
    /// through and left out of FIT. Absent in documents written before the mark existed.
    #[autosurgeon(missing = "Default::default", reconcile = "none_unwritten")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_in_error: Option<ErrorMark>,
}

/// Who marked an entry as made in error, when, and why. Once set it is never removed (two concurrent marks are a
/// conflict a person resolves, see [`super::history`]).
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorMark {
    /// User id of the worker or lead who marked it.
    pub by: String,
    pub at_ms: i64,
    /// A short reason for the record ("recorded on the wrong citizen").
    pub reason: String,
}

impl ErrorMark {
    pub fn new(by: &str, at_ms: i64, reason: &str) -> Self {
        Self {
            by: by.to_owned(),
            at_ms,
            reason: reason.to_owned(),
        }
    }
}

fn text_from_str<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
    String::deserialize(deserializer).map(Text::with_value)
}

fn text_as_str<S: serde::Serializer>(text: &Text, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(text.as_str())
}

impl Case {
    /// An empty case for a citizen: no plan content, courses or contacts yet.
    pub fn new(tenant: &str, team: &str, citizen: Citizen) -> Case {
        Case {
            schema: super::schema::SCHEMA_VERSION,
            tenant: tenant.to_owned(),
            team: team.to_owned(),
            citizen,
            tovholder: None,
            workers: BTreeMap::new(),
            plan: Plan {
                purpose: String::new(),
                own_goal: Text::with_value(""),
                goals: BTreeMap::new(),
                goal_order: BTreeMap::new(),
            },
            courses: BTreeMap::new(),
            contacts: BTreeMap::new(),
            follow_ups: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            coordination: BTreeMap::new(),
        }
    }

    /// A case a worker opens for a citizen in their own team: the worker is its tovholder and its first assigned
    /// worker (`tov case new`, the web app's "new case"). Validated when the document is created.
    pub fn opened_by(tenant: &str, team: &str, citizen: Citizen, worker_id: &str, worker_name: &str) -> Case {
        let mut case = Case::new(tenant, team, citizen);
        case.tovholder = Some(worker_id.to_owned());
        case.workers.insert(worker_id.to_owned(), worker_name.to_owned());
        case
    }
}

/// Writes an optional field only when it holds a value: `None` leaves the document as it is, never `null` over a key
/// the document lacks. An entry written without the field (by the web app, or before the field existed) would
/// otherwise get a `null` from the next edit of any other part of the case, concurrent with, say, a colleague's mark
/// made in error, and the `null` could win the merge and hide the mark (the server then refuses the edit: a mark is
/// never removed). No edit turns one of these fields from a value back to `None` (the history rules refuse it).
fn none_unwritten<T: Reconcile, R: autosurgeon::Reconciler>(
    value: &Option<T>,
    reconciler: R,
) -> Result<(), R::Error> {
    match value {
        Some(value) => value.reconcile(reconciler),
        None => Ok(()),
    }
}

/// Writes a map of entries (contacts, goals, courses, ...) as autosurgeon writes any map, except that an entry the
/// document does not hold yet is written whole: automerge's batch creation writes its fields in key order, then
/// their objects' fields, breadth first, as the web app's automerge writes a new object. Field by field in
/// declaration order, depth first (autosurgeon's way for a field it reconciles), a contact's operation ids jump back
/// and forth along the saved document, whose columns hold operations by object and key: a case with two visits
/// saved 5 % larger than the same case written by the web app, and every upload carried that. Only for maps whose
/// values are objects (batch creation makes objects). Entries the case no longer holds are deleted, in key order.
fn new_entries_whole<V: Reconcile, R: autosurgeon::Reconciler>(
    entries: &BTreeMap<String, V>,
    mut reconciler: R,
) -> Result<(), R::Error> {
    use autosurgeon::reconcile::MapReconciler;
    let mut map = reconciler.map()?;
    let held: std::collections::BTreeSet<String> = map.entries().map(|(key, _)| key.into_owned()).collect();
    for (key, value) in entries {
        if held.contains(key) {
            map.put(key, value)?;
        } else {
            map.put(key, NewEntry(value))?;
        }
    }
    for gone in held.iter().filter(|key| !entries.contains_key(*key)) {
        map.delete(gone)?;
    }
    Ok(())
}

/// An entry [`new_entries_whole`] writes whole. autosurgeon's map `put` creates an object in one batch when the
/// value carries a key the document's entry lacks (it would replace an entry of another identity that way); this
/// key only says "new", and the document has none for it.
struct NewEntry<'a, V>(&'a V);

impl<V: Reconcile> Reconcile for NewEntry<'_, V> {
    type Key<'k> = ();

    fn reconcile<R: autosurgeon::Reconciler>(&self, reconciler: R) -> Result<(), R::Error> {
        self.0.reconcile(reconciler)
    }

    fn key(&self) -> autosurgeon::reconcile::LoadKey<()> {
        autosurgeon::reconcile::LoadKey::Found(())
    }
}

/// [`none_unwritten`] for a text field added later whose empty value means "not written yet" (a follow-up's note).
fn empty_unwritten<R: autosurgeon::Reconciler>(value: &String, reconciler: R) -> Result<(), R::Error> {
    if value.is_empty() {
        Ok(())
    } else {
        value.reconcile(reconciler)
    }
}
