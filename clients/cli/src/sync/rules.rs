//! Fetching the municipality's FIT rule set (`GET /v1/fit-rules`) at each connection, so that `tov` assesses
//! offline with the same thresholds as the server (issue 12, point 9). The set is kept in the profile
//! ([`crate::Profile::fit_rules`]); until one arrives, `tov` assesses with the built-in fit-rules/1.
//!
//! Never fails a sync: a server that does not answer (or an older one without the endpoint) leaves the kept set in
//! use, and a set sync-core refuses is not kept.

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
