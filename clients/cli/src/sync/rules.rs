//! What the device keeps of its municipality beside the cases, fetched at each connection: the FIT rule set
//! (`GET /v1/fit-rules`), so that `tov` assesses offline with the same thresholds as the server (issue 12, point 9;
//! until one arrives, the built-in fit-rules/1), and the user's team (`GET /v1/team`), so a colleague is put on a
//! case by name. Both are kept in the profile ([`crate::Profile::fit_rules`], [`crate::Profile::team`]).
//!
//! Never fails a sync: a server that does not answer (or an older one without the endpoint) leaves what was kept in
//! use, and a rule set sync-core refuses is not kept.

use secrecy::SecretString;
use sync_core::fit::RuleSet;

use crate::Profile;
use crate::api::{self, Endpoint};

/// Fetches the current set and keeps it; returns its version, or why the kept one stays.
pub(super) async fn refresh(
    profile: &Profile,
    server: &Endpoint,
    token: &SecretString,
) -> Result<String, String> {
    let answer = api::fit_rules(server, token).await.map_err(|e| e.to_string())?;
    let rules = RuleSet::from_json(&answer.rules.to_string()).map_err(|e| e.to_string())?;
    profile.save_fit_rules(&rules).map_err(|e| e.to_string())?;
    Ok(rules.version)
}

/// Fetches the user's team and keeps it; someone in no team (an admin) keeps an empty list.
pub(super) async fn refresh_team(
    profile: &Profile,
    server: &Endpoint,
    token: &SecretString,
) -> Result<usize, String> {
    let members = match api::team(server, token).await {
        Ok(answer) => answer.members,
        Err(api::ApiError::Refused { status: 403, .. }) => Vec::new(),
        Err(error) => return Err(error.to_string()),
    };
    profile.save_team(&members).map_err(|e| e.to_string())?;
    Ok(members.len())
}
