//! The edits a worker makes on the device: each one validated by `sync-core` and written in one transaction
//! before the next sync sends it.
//!
//! - Here: creating a case, the plan, goals, notes and coordination with the network, and marking any entry as made in error.
//! - [`contact`]: recording a contact with its ORS and SRS.
//! - [`group`]: a group session, recorded once in every participant's case.
//! - [`course`]: courses, follow-ups and outcomes.
//! - [`resolve`]: choosing a value for a conflicted field.
//! - [`assign`]: who holds the case (its assigned workers and tovholder).
//!
//! Ids of goals, contacts and courses may be given as a unique prefix, as `tov case ID` shows them shortened.

mod assign;
mod contact;
mod course;
mod group;
mod resolve;

use sync_core::DocumentId;
use sync_core::case::ffb::Ffb;
use sync_core::case::{Case, CaseDocument, Citizen, Coordination, EntryRef, ErrorMark, Goal, codes};
use sync_core::validation::{Problem, ValidationError};
use uuid::Uuid;

use crate::device::{Device, DeviceError, unique_match};

pub use assign::{Assignment, change_assignment, find_worker};
pub use contact::{ContactInput, CourseChoice, add_contact, parse_rating, record_contact};
pub use course::{
    add_outcome, complete_follow_up, end_course, extend_course, find_service, plan_follow_up, start_course,
};
pub use group::{GroupSession, Participant, record_group_session};
pub use resolve::{Choice, resolve};

/// A new case's citizen.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub name: String,
    /// The municipality's pseudonymous reference (never a CPR number).
    pub reference: String,
    pub birth_year: Option<i64>,
}

/// Creates a case in the user's team, with the user as its tovholder. Returns its id.
pub async fn create_case(device: &Device, new: NewCase, now_ms: i64) -> Result<DocumentId, DeviceError> {
    let settings = device.settings()?;
    let team = settings.team_id.as_deref().ok_or_else(|| {
        DeviceError::Unusable(format!(
            "{} is in no team, so cannot create cases",
            settings.username
        ))
    })?;
    let citizen = Citizen {
        display_name: new.name,
        reference: new.reference,
        birth_year: new.birth_year,
    };
    let case = Case::opened_by(
        &settings.tenant_slug,
        team,
        citizen,
        &settings.user_id,
        &settings.username,
    );
    let doc = CaseDocument::create(device.actor().clone(), &case, now_ms)?;
    let id = DocumentId::from_uuid(Uuid::new_v4());
    device.insert_case(&id, &doc, now_ms).await?;
    Ok(id)
}

/// FFB goal types, by the names workers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalType {
    /// Udvikle funktionsevne: develop what the citizen can do.
    Develop,
    /// Fastholde funktionsevne: keep it.
    Maintain,
    /// Begrænse tab af funktionsevne: limit its loss.
    LimitLoss,
}

impl GoalType {
    /// The FFB code, looked up by its Danish display name in KL's code system.
    pub fn ffb_code(self) -> Option<&'static str> {
        let display = match self {
            Self::Develop => "Udvikle funktionsevne",
            Self::Maintain => "Fastholde funktionsevne",
            Self::LimitLoss => "Begrænse tab af funktionsevne",
        };
        Ffb::get().goal_type_code(display)
    }
}

/// A goal to add.
#[derive(Debug, Clone)]
pub struct GoalInput {
    pub title: String,
    /// The goal one level up (id prefix): a sub-goal under a goal, a stepping stone under a sub-goal.
    pub parent: Option<String>,
    /// Defaults to the parent's type, or "develop" for a top-level goal.
    pub goal_type: Option<GoalType>,
    /// `YYYY-MM-DD`.
    pub target_date: Option<String>,
}

/// Adds a goal; its level follows from the parent. Returns the new goal's id.
pub async fn add_goal(
    device: &Device,
    case_id: &DocumentId,
    input: GoalInput,
    now_ms: i64,
) -> Result<String, DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let case = doc.read()?;
            let parent = match &input.parent {
                Some(prefix) => Some(find_goal(&case, prefix)?),
                None => None,
            };
            let parent_goal = parent.as_ref().and_then(|id| case.plan.goals.get(id));
            let level = match parent_goal.map(|p| codes::goal_level_depth(&p.level)) {
                None => codes::GOAL_LEVELS[0].code,
                Some(Some(depth)) if depth + 1 < codes::GOAL_LEVELS.len() => {
                    codes::GOAL_LEVELS[depth + 1].code
                }
                Some(_) => {
                    return Err(ValidationError::new(
                        "parent",
                        Problem::UnknownCode,
                        "a stepping-stone goal is the smallest step: it has no sub-goals",
                    )
                    .into());
                }
            };
            let goal_type = match input.goal_type {
                Some(kind) => kind.ffb_code().unwrap_or_default().to_owned(),
                None => match parent_goal {
                    Some(parent) => parent.goal_type.clone(),
                    None => GoalType::Develop.ffb_code().unwrap_or_default().to_owned(),
                },
            };
            let goal = Goal {
                title: input.title,
                level: level.to_owned(),
                parent,
                goal_type,
                status: "active".to_owned(),
                target_date: input.target_date,
                created_ms: now_ms,
                entered_in_error: None,
            };
            let id = Uuid::new_v4();
            doc.add_goal(id, goal, now_ms)?;
            Ok(id.to_string())
        })
        .await
}

/// Sets a goal's status (`active`, `achieved`, `paused`, `dropped`).
pub async fn set_goal_status(
    device: &Device,
    case_id: &DocumentId,
    goal: &str,
    status: &str,
    now_ms: i64,
) -> Result<String, DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let id = find_goal(&doc.read()?, goal)?;
            doc.set_goal_status(&id, status, now_ms)?;
            Ok(id)
        })
        .await
}

/// What to change in a goal: each field given is written, the rest kept.
#[derive(Debug, Clone, Default)]
pub struct GoalEdit {
    pub title: Option<String>,
    pub goal_type: Option<GoalType>,
    /// `Some(None)` clears the target date.
    pub target_date: Option<Option<String>>,
}

/// Edits a goal's title, FFB goal type and target date, all in one store write (each edit validated). Returns the
/// goal's id.
pub async fn edit_goal(
    device: &Device,
    case_id: &DocumentId,
    goal: &str,
    edit: GoalEdit,
    now_ms: i64,
) -> Result<String, DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let id = find_goal(&doc.read()?, goal)?;
            let mut changed = false;
            if let Some(title) = &edit.title {
                changed |= doc.set_goal_title(&id, title, now_ms)?.is_some();
            }
            if let Some(kind) = edit.goal_type {
                let code = kind.ffb_code().unwrap_or_default();
                changed |= doc.set_goal_type(&id, code, now_ms)?.is_some();
            }
            if let Some(target) = &edit.target_date {
                changed |= doc.set_goal_target(&id, target.as_deref(), now_ms)?.is_some();
            }
            if !changed {
                return Err(DeviceError::Unusable(
                    "the goal already reads so: nothing to change".into(),
                ));
            }
            Ok(id)
        })
        .await
}

/// Moves a goal among the goals with the same parent: right after `after` (id prefix), or first. Returns the
/// goal's id, or why nothing moved.
pub async fn move_goal(
    device: &Device,
    case_id: &DocumentId,
    goal: &str,
    after: Option<&str>,
    now_ms: i64,
) -> Result<String, DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let case = doc.read()?;
            let id = find_goal(&case, goal)?;
            let after = after.map(|prefix| find_goal(&case, prefix)).transpose()?;
            if doc.move_goal(&id, after.as_deref(), now_ms)?.is_none() {
                return Err(DeviceError::Unusable("the goal already stands there".into()));
            }
            Ok(id)
        })
        .await
}

/// Records a coordination with the network by the logged-in user. Returns its id.
pub async fn add_coordination(
    device: &Device,
    case_id: &DocumentId,
    date: &str,
    parties: Vec<String>,
    participants: &str,
    agreements: &str,
    now_ms: i64,
) -> Result<String, DeviceError> {
    let recorded_by = device.settings()?.user_id.clone();
    device
        .change_case(case_id, now_ms, |doc| {
            let id = Uuid::new_v4();
            let entry = Coordination {
                date: date.to_owned(),
                parties,
                participants: participants.trim().to_owned(),
                agreements: agreements.to_owned(),
                recorded_by,
                entered_in_error: None,
            };
            doc.add_coordination(id, entry, now_ms)?;
            Ok(id.to_string())
        })
        .await
}

/// Writes the plan's purpose and the citizen's own goal, where given; nothing is written for what already reads
/// so. Returns whether anything changed.
pub async fn edit_plan(
    device: &Device,
    case_id: &DocumentId,
    purpose: Option<&str>,
    own_goal: Option<&str>,
    now_ms: i64,
) -> Result<bool, DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let mut changed = false;
            if let Some(purpose) = purpose {
                changed |= doc.set_purpose(purpose, now_ms)?.is_some();
            }
            if let Some(words) = own_goal {
                changed |= doc.set_own_goal(words, now_ms)?.is_some();
            }
            Ok(changed)
        })
        .await
}

/// How to change a contact's notes.
#[derive(Debug, Clone)]
pub enum NoteEdit {
    /// Replace the text; written as the smallest text edit, so it interleaves with a colleague's edit.
    Replace(String),
    /// Add to the end, on a new line.
    Append(String),
}

/// Edits a contact's notes. Returns the contact's id.
pub async fn edit_note(
    device: &Device,
    case_id: &DocumentId,
    contact: &str,
    edit: NoteEdit,
    now_ms: i64,
) -> Result<String, DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let case = doc.read()?;
            let id = entry_id("contact", contact, case.contacts.keys())?;
            match edit {
                NoteEdit::Replace(text) => doc.set_notes(&id, &text, now_ms)?,
                // Written through `set_notes` (a minimal diff: an insertion at the end) rather than
                // `splice_notes`, whose position is in characters while autosurgeon splices at byte offsets: with
                // "ø" in the notes the text would land mid-word, or the splice would panic off a char boundary.
                NoteEdit::Append(text) => {
                    let notes = case
                        .contacts
                        .get(&id)
                        .map(|c| c.notes.as_str().to_owned())
                        .unwrap_or_default();
                    let joined = if notes.is_empty() || notes.ends_with('\n') {
                        format!("{notes}{text}")
                    } else {
                        format!("{notes}\n{text}")
                    };
                    doc.set_notes(&id, &joined, now_ms)?
                }
            };
            Ok(id)
        })
        .await
}

/// An entry of a case that can be marked as made in error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Contact,
    Course,
    FollowUp,
    Outcome,
    Coordination,
}

impl Entry {
    /// The entry's name in messages ("follow-up").
    pub fn name(self) -> &'static str {
        match self {
            Entry::Contact => "contact",
            Entry::Course => "course",
            Entry::FollowUp => "follow-up",
            Entry::Outcome => "outcome",
            Entry::Coordination => "coordination",
        }
    }

    /// The id of the entry of this kind that `prefix` names.
    fn find(self, case: &Case, prefix: &str) -> Result<String, DeviceError> {
        match self {
            Entry::Contact => entry_id(self.name(), prefix, case.contacts.keys()),
            Entry::Course => entry_id(self.name(), prefix, case.courses.keys()),
            Entry::FollowUp => entry_id(self.name(), prefix, case.follow_ups.keys()),
            Entry::Outcome => entry_id(self.name(), prefix, case.outcomes.keys()),
            Entry::Coordination => entry_id(self.name(), prefix, case.coordination.keys()),
        }
    }

    fn reference(self, id: &str) -> EntryRef<'_> {
        match self {
            Entry::Contact => EntryRef::Contact(id),
            Entry::Course => EntryRef::Course(id),
            Entry::FollowUp => EntryRef::FollowUp(id),
            Entry::Outcome => EntryRef::Outcome(id),
            Entry::Coordination => EntryRef::Coordination(id),
        }
    }
}

/// Marks a contact, course, follow-up or outcome (id prefix) as made in error, with why: it stays in the
/// record, struck through, and is not acted on again (a contact leaves FIT). Returns its id.
pub async fn mark_in_error(
    device: &Device,
    case_id: &DocumentId,
    entry: Entry,
    prefix: &str,
    reason: &str,
    now_ms: i64,
) -> Result<String, DeviceError> {
    let by = device.settings()?.user_id.clone();
    device
        .change_case(case_id, now_ms, |doc| {
            let id = entry.find(&doc.read()?, prefix)?;
            let mark = ErrorMark {
                by,
                at_ms: now_ms,
                reason: reason.trim().to_owned(),
            };
            doc.mark_in_error(entry.reference(&id), mark, now_ms)?;
            Ok(id)
        })
        .await
}

/// The id among `ids` that `prefix` names (see [`unique_match`]); `what` names the kind in the error.
fn entry_id<'a>(
    what: &'static str,
    prefix: &str,
    ids: impl Iterator<Item = &'a String>,
) -> Result<String, DeviceError> {
    unique_match(what, prefix, ids.map(|id| (id.clone(), id.clone())))
}

fn find_goal(case: &Case, prefix: &str) -> Result<String, DeviceError> {
    entry_id("goal", prefix, case.plan.goals.keys())
}
