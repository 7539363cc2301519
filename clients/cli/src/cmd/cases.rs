//! `tov cases`, `tov case ID --purpose P` and `tov case new`: the caseload, one case (its opening recorded with
//! why, for the access log), and creating a case. All offline.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use cli::caseload::CaseSummary;
use cli::edits::{self, NewCase};
use cli::time::now_ms;
use cli::view::{self, case::CaseView, short};
use sync_core::case::{conflicts, timeline};

use super::{case_id, open};

pub async fn list(dir: &Path) -> anyhow::Result<()> {
    let device = open(dir).await?;
    let refused: BTreeSet<_> = device
        .store()
        .refusals()
        .await?
        .into_iter()
        .map(|r| r.doc)
        .collect();
    let rules = device.profile().fit_rules();
    let today = sync_core::case::date::Date::from_unix_ms(now_ms());
    let mut summaries = Vec::new();
    for case in device.cases().await? {
        match case {
            Ok(local) => {
                let mut summary = CaseSummary::of(local.id, &local.case, &rules, today);
                summary.conflicts = conflicts::list(local.doc.automerge()).len();
                summary.pending = local.pending;
                summary.refused = refused.contains(&local.id);
                summaries.push(summary);
            }
            // Named by id only: the document could not be read, and its content is none of the log's business.
            Err((id, error)) => eprintln!(
                "warning: case {} cannot be shown: {error}",
                short(&id.to_string())
            ),
        }
    }
    summaries.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    print!("{}", view::caseload::render(&summaries));
    device.close().await;
    Ok(())
}

/// Shows a case, after recording why it was opened (sent to the access log at the next sync).
pub async fn show(dir: &Path, prefix: &str, purpose: &str, contacts: usize) -> anyhow::Result<()> {
    let device = open(dir).await?;
    let id = case_id(&device, prefix).await?;
    device
        .store()
        .record_opening(&id, purpose, now_ms())
        .await
        .context("recording why the case was opened")?;
    let local = device.read_case(&id).await.context("reading the case")?;
    let found = conflicts::list(local.doc.automerge());
    let goal_history = timeline::goal_status_history(local.doc.automerge());
    let own_actor = device.actor().to_hex_string();
    let refusals: Vec<_> = device
        .store()
        .refusals()
        .await?
        .into_iter()
        .filter(|r| r.doc == id)
        .collect();
    let view = CaseView {
        pending: local.pending,
        conflicts: &found,
        refusals: &refusals,
        contacts,
        today: sync_core::case::date::Date::from_unix_ms(now_ms()),
        goal_history: &goal_history,
        own_actor: &own_actor,
    };
    print!(
        "{}",
        view::case::render(&id, &local.case, view, &device.profile().fit_rules())
    );
    device.close().await;
    Ok(())
}

pub async fn create(
    dir: &Path,
    name: String,
    reference: String,
    birth_year: Option<i64>,
) -> anyhow::Result<()> {
    let device = open(dir).await?;
    let shown = name.clone();
    let new = NewCase {
        name,
        reference,
        birth_year,
    };
    let id = edits::create_case(&device, new, now_ms())
        .await
        .context("the case was not created")?;
    println!(
        "Created case {id} for {shown} (short id {}).",
        short(&id.to_string())
    );
    println!("It reaches the server at the next `tov sync`.");
    device.close().await;
    Ok(())
}
