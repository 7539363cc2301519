//! Who holds a case: a worker put on its list or taken off it, and the tovholder role handed over, through
//! sync-core's edits (`assign_worker`, `unassign_worker`, `hand_over_tovholder`), which refuse what would leave the
//! list unsound.
//!
//! A new worker is named by their username in the user's team (as the last sync fetched it, `GET /v1/team`) or by
//! their full user id; the name the case shows is the username unless one is given. Someone on the list already is
//! found by a unique prefix of their id or by the name the case shows. The list is the case's record of who works
//! on it: which phones see the case is the server's assignment table's, which a lead manages.

use sync_core::DocumentId;
use sync_core::case::Case;

use crate::api::TeamMember;
use crate::device::{Device, DeviceError, unique_match};

/// A change of who holds a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// Put a worker on the list: a colleague's username or a user id, and the name to show (default: the
    /// username).
    Add { who: String, name: Option<String> },
    /// Take a worker on the list off it (id prefix or name).
    Remove(String),
    /// Hand the tovholder role to a worker on the list (id prefix or name).
    Tovholder(String),
}

/// Carries out `change` on the case; returns the user id it concerned and whether the case changed.
pub async fn change_assignment(
    device: &Device,
    case_id: &DocumentId,
    change: Assignment,
    now_ms: i64,
) -> Result<(String, bool), DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let case = doc.read()?;
            Ok(match change {
                Assignment::Add { who, name } => {
                    let (user, username) = find_colleague(&device.profile().team(), &who)?;
                    let name = name.or(username).ok_or_else(|| {
                        DeviceError::Unusable(format!(
                            "{who} is no colleague this device knows: give --name, or `tov sync` to fetch the team"
                        ))
                    })?;
                    let changed = doc.assign_worker(&user, &name, now_ms)?.is_some();
                    (user, changed)
                }
                Assignment::Remove(who) => {
                    let user = find_worker(&case, &who)?;
                    let changed = doc.unassign_worker(&user, now_ms)?.is_some();
                    (user, changed)
                }
                Assignment::Tovholder(who) => {
                    let user = find_worker(&case, &who)?;
                    let changed = doc.hand_over_tovholder(&user, now_ms)?.is_some();
                    (user, changed)
                }
            })
        })
        .await
}

/// A colleague by username (ignoring case) in the kept team list, or anyone by their full user id: their id, and
/// their username when the team list knows them.
fn find_colleague(team: &[TeamMember], who: &str) -> Result<(String, Option<String>), DeviceError> {
    let who = who.trim();
    if let Some(member) = team
        .iter()
        .find(|m| m.username.eq_ignore_ascii_case(who) || m.id == who)
    {
        return Ok((member.id.clone(), Some(member.username.clone())));
    }
    if uuid::Uuid::parse_str(who).is_ok() {
        return Ok((who.to_owned(), None));
    }
    Err(DeviceError::NotFound {
        what: "colleague",
        id: who.to_owned(),
    })
}

/// A worker on the case's list, by the name the case shows (ignoring case) or a unique prefix of their user id.
pub fn find_worker(case: &Case, who: &str) -> Result<String, DeviceError> {
    let by_name: Vec<&String> = case
        .workers
        .iter()
        .filter(|(_, name)| name.trim().eq_ignore_ascii_case(who.trim()))
        .map(|(id, _)| id)
        .collect();
    if let [only] = by_name.as_slice() {
        return Ok((*only).clone());
    }
    unique_match(
        "worker",
        who,
        case.workers.keys().map(|id| (id.clone(), id.clone())),
    )
}
