//! `tov login`, `tov status`, `tov reset` and `tov sync`: the device's relation to the server.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use cli::Profile;
use cli::login::{self, LoginInput};
use cli::store::{PurgeOutcome, Store};
use cli::sync::{self, SyncError, SyncEvent, SyncOptions, SyncReport, WatchEvent};
use cli::time::{local_minute, now_ms};
use cli::tls::Trust;
use cli::view::short;
use secrecy::SecretString;

use super::open;
use crate::args::{LoginArgs, SyncArgs};

/// The password from `TOV_PASSWORD`, or else asked for without echo.
pub fn password_for(user: &str, tenant: &str) -> anyhow::Result<SecretString> {
    let password = match std::env::var("TOV_PASSWORD") {
        Ok(password) => password,
        Err(_) => rpassword::prompt_password(format!("Password for {user}@{tenant}: "))
            .context("reading the password")?,
    };
    Ok(SecretString::from(password))
}

pub async fn login(dir: &Path, args: LoginArgs, trust: Trust) -> anyhow::Result<()> {
    let password = password_for(&args.user, &args.tenant)?;
    let device_name = args.device.unwrap_or_else(default_device_name);
    let input = LoginInput {
        server: args.server,
        tenant: args.tenant,
        username: args.user,
        password,
        device_name,
        trust,
    };
    let profile = login::login(dir, input, now_ms()).await.context("login failed")?;
    let settings = profile.logged_in()?;
    println!(
        "Logged in as {} ({}) in {} on {}.",
        settings.username, settings.role, settings.tenant_slug, settings.server
    );
    println!(
        "Device \"{}\" registered as {}.",
        settings.device_name, settings.device_id
    );
    println!("Profile: {}. Next: `tov sync`.", profile.dir().display());
    Ok(())
}

fn default_device_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this machine".to_owned());
    format!("tov on {host}")
}

pub async fn status(dir: &Path) -> anyhow::Result<()> {
    let device = open(dir, false).await?;
    match device.profile().settings() {
        Some(s) => {
            println!("Server:    {}", s.server);
            println!("User:      {} ({}) in {}", s.username, s.role, s.tenant_slug);
            println!("Device:    {} ({})", s.device_name, s.device_id);
            let token = if s.token_expires_ms > now_ms() {
                "valid until"
            } else {
                "expired at"
            };
            let renewal = if device.profile().refresh_token().ok().flatten().is_some() {
                "renewed at the next sync, within the maximum offline period"
            } else {
                "log in again after that"
            };
            println!(
                "Login:     {token} {} ({renewal})",
                local_minute(s.token_expires_ms)
            );
        }
        None => println!("Not logged in: run `tov login`."),
    }
    println!("Profile:   {}", device.profile().dir().display());
    let store = device.store();
    let cursor = store
        .cursor()
        .await?
        .map_or("none (never synced)".to_owned(), |c| c.to_string());
    let last = store
        .last_sync_ms()
        .await?
        .map(local_minute)
        .unwrap_or_else(|| "never".into());
    println!("Cursor:    {cursor}, last complete sync {last}");
    let documents = store.documents().await?;
    let pending: Vec<_> = documents.iter().filter(|d| d.is_pending()).collect();
    println!(
        "Documents: {} ({} with changes not yet acknowledged)",
        documents.len(),
        pending.len()
    );
    for doc in &pending {
        println!("  * {}", short(&doc.id.to_string()));
    }
    let refusals = store.refusals().await?;
    if !refusals.is_empty() {
        println!("Refused changes ({}):", refusals.len());
        for r in &refusals {
            println!(
                "  R {}  {}: {}  ({})",
                short(&r.doc.to_string()),
                r.reason,
                r.message,
                local_minute(r.at_ms)
            );
        }
    }
    let purges = store.purges(10).await?;
    if !purges.is_empty() {
        println!("Recent purges:");
        for p in &purges {
            println!(
                "  {}  {} -> {}  ({})",
                short(&p.doc.to_string()),
                p.reason,
                p.outcome.code(),
                local_minute(p.at_ms)
            );
        }
    }
    device.close().await;
    Ok(())
}

pub async fn reset(dir: &Path, force: bool) -> anyhow::Result<()> {
    let device = open(dir, false).await?;
    let pending = device.store().pending().await?.len();
    let path = device.profile().store_path();
    device.close().await;
    if pending > 0 && !force {
        bail!(
            "{pending} document(s) have changes the server has not acknowledged: run `tov sync` first, \
             or `tov reset --force` to discard them"
        );
    }
    if pending > 0 {
        eprintln!("warning: discarding unsynced changes in {pending} document(s)");
    }
    Store::remove_files(&path).with_context(|| format!("deleting {}", path.display()))?;
    println!("Local store deleted; the login is kept. `tov sync` downloads the caseload again.");
    Ok(())
}

pub async fn sync(dir: &Path, args: SyncArgs, trust: Trust) -> anyhow::Result<()> {
    let options = SyncOptions {
        force: args.force,
        timeout: Duration::from_secs(args.timeout.max(1)),
        progress: true,
        trust,
    };
    if args.watch {
        let device = open(dir, true).await?;
        println!("Watching for changes; Ctrl-C to stop.");
        let stop = async {
            // If Ctrl-C cannot be watched, the process is stopped the hard way; the store is safe either way.
            let _ = tokio::signal::ctrl_c().await;
        };
        let result = sync::watch(&device, &options, print_watch_event, stop).await;
        device.close().await;
        if let Err(SyncError::Revoked(_)) = &result {
            wipe_revoked(dir)?;
        }
        return result.context("watch stopped");
    }
    let profile = Profile::open(dir)?;
    profile.logged_in()?;
    let result = sync::run_once(&profile, &options).await;
    if let Err(SyncError::Revoked(_)) = &result {
        wipe_revoked(dir)?;
    }
    let report = result.context("sync failed")?;
    print_report(&report);
    Ok(())
}

/// A revoked device (a lost or stolen phone) deletes what it holds of citizens' cases, unsent changes included:
/// they can no longer reach the server, and keeping them is the risk revocation removes.
fn wipe_revoked(dir: &Path) -> anyhow::Result<()> {
    let profile = Profile::open(dir)?;
    let path = profile.store_path();
    Store::remove_files(&path).with_context(|| format!("deleting {}", path.display()))?;
    profile.forget_tokens()?;
    eprintln!(
        "This device was revoked: its local store and login were deleted. Log in again to use tov here."
    );
    Ok(())
}

fn print_report(report: &SyncReport) {
    println!(
        "Synced: {} document(s) received ({} new), {} upload(s) acknowledged, {} refused, {} purged; cursor {}.",
        report.received.len(),
        report.new.len(),
        report.acknowledged.len(),
        report.refused.len(),
        report.purged.len(),
        report.cursor.map_or("-".to_owned(), |c| c.to_string()),
    );
    for note in &report.refused {
        println!(
            "  refused {}: {}: {}",
            short(&note.doc.to_string()),
            note.reason,
            note.message
        );
    }
    for note in &report.purged {
        let what = match note.outcome {
            PurgeOutcome::Deleted => "deleted",
            PurgeOutcome::DeletedPending => "deleted, with its unsynced changes (--force)",
            PurgeOutcome::KeptPending => "kept: it has unsynced changes (use --force to delete)",
        };
        println!(
            "  purged {} ({}): {what}",
            short(&note.doc.to_string()),
            note.reason
        );
        if note.outcome == PurgeOutcome::DeletedPending {
            eprintln!(
                "warning: unsynced changes to {} were deleted",
                short(&note.doc.to_string())
            );
        }
    }
    for (doc, count) in &report.conflicts {
        println!(
            "  {} has {count} conflicted field(s): `tov conflicts {}`",
            short(&doc.to_string()),
            short(&doc.to_string())
        );
    }
    if report.pending > 0 {
        println!(
            "{} document(s) still have changes the server has not acknowledged (see `tov status`).",
            report.pending
        );
    }
}

fn print_watch_event(event: WatchEvent) {
    let now = local_minute(now_ms());
    match event {
        WatchEvent::Connected => println!("{now}  connected"),
        WatchEvent::InSync => println!("{now}  in sync"),
        WatchEvent::Lost { error, retry_in } => {
            println!("{now}  connection lost ({error}); retrying in {retry_in:?}")
        }
        WatchEvent::Sync(SyncEvent::Received { doc, new, citizen }) => println!(
            "{now}  {} {}{}",
            short(&doc.to_string()),
            if new { "arrived" } else { "changed" },
            citizen.map(|c| format!(" ({c})")).unwrap_or_default()
        ),
        WatchEvent::Sync(SyncEvent::Acknowledged { doc }) => {
            println!("{now}  {} uploaded and acknowledged", short(&doc.to_string()))
        }
        WatchEvent::Sync(SyncEvent::Refused(note)) => {
            println!(
                "{now}  {} refused: {}: {}",
                short(&note.doc.to_string()),
                note.reason,
                note.message
            )
        }
        WatchEvent::Sync(SyncEvent::Purged(note)) => {
            println!(
                "{now}  {} purged ({}): {}",
                short(&note.doc.to_string()),
                note.reason,
                note.outcome.code()
            )
        }
    }
}
