//! `tov conflicts [ID]` and `tov resolve`: fields two devices changed concurrently, and a person's choice.

use std::path::Path;

use anyhow::Context;
use cli::Device;
use cli::edits::{self, Choice};
use cli::time::now_ms;
use cli::view::short;
use sync_core::case::{Case, Conflict, conflicts};

use super::{BadInput, case_id, open};
use crate::args::ResolveArgs;

pub async fn list(dir: &Path, case: Option<&str>) -> anyhow::Result<()> {
    let device = open(dir).await?;
    let ids = match case {
        Some(prefix) => vec![case_id(&device, prefix).await?],
        None => device
            .store()
            .documents()
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect(),
    };
    let mut any = false;
    for id in ids {
        let local = device.read_case(&id).await.context("reading the case")?;
        let found = conflicts::list(local.doc.automerge());
        if found.is_empty() {
            continue;
        }
        any = true;
        println!(
            "{}  {} ({} conflicted field(s))",
            short(&id.to_string()),
            local.case.citizen.display_name,
            found.len()
        );
        for (n, conflict) in found.iter().enumerate() {
            print_conflict(&device, &local.case, n + 1, conflict);
        }
    }
    if !any {
        println!("No conflicts.");
    } else {
        println!("Resolve with `tov resolve CASE FIELD --pick N` (FIELD: the path or its number).");
    }
    device.close().await;
    Ok(())
}

fn print_conflict(device: &Device, case: &Case, n: usize, conflict: &Conflict) {
    println!("  {n}. {}{}", conflict.field(), describe(case, &conflict.path));
    for (i, value) in conflict.values.iter().enumerate() {
        let by = if device.is_own_actor(&value.actor) {
            "this device".to_owned()
        } else {
            format!(
                "device {}",
                value
                    .actor
                    // The first 8 bytes are enough to tell devices apart on screen.
                    .get(..16)
                    .unwrap_or(&value.actor)
            )
        };
        let shown = if i == 0 { "  (shown now)" } else { "" };
        println!("       [{}] {}  by {by}{shown}", i + 1, value.value);
    }
}

/// What a path is about, in the worker's terms: the goal's title or the contact's date.
fn describe(case: &Case, path: &[String]) -> String {
    match path {
        [plan, goals, id, ..] if plan == "plan" && goals == "goals" => case
            .plan
            .goals
            .get(id)
            .map(|g| format!("  (goal \"{}\")", g.title))
            .unwrap_or_default(),
        [contacts, id, ..] if contacts == "contacts" => case
            .contacts
            .get(id)
            .map(|c| format!("  (contact of {})", cli::time::local_minute(c.start_ms)))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

pub async fn resolve(dir: &Path, args: ResolveArgs) -> anyhow::Result<()> {
    let choice = match (args.pick, args.value) {
        (Some(n), _) => Choice::Pick(n),
        (None, Some(json)) => Choice::Value(
            serde_json::from_str(&json)
                .map_err(|e| BadInput(format!("--value is not JSON ({e}); quote strings: '\"text\"'")))?,
        ),
        (None, None) => return Err(BadInput("give --pick N or --value JSON".into()).into()),
    };
    let device = open(dir).await?;
    let id = case_id(&device, &args.case).await?;
    let (field, value) = edits::resolve(&device, &id, &args.field, choice, now_ms())
        .await
        .context("the conflict was not resolved")?;
    println!("Resolved {field} = {value} (stored on this device; `tov sync` sends it).");
    device.close().await;
    Ok(())
}
