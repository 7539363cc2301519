//! `tov login`, `tov unlock`, `tov lock`, `tov status`, `tov reset` and `tov sync`: the device's relation to the
//! server, and the release of its data key.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use cli::keys::{self, KeyError};
use cli::login::{self, LoginInput};
use cli::profile::ProfileError;
use cli::store::{Census, PurgeOutcome, Store};
use cli::sync::{self, SyncError, SyncEvent, SyncOptions, SyncReport, WatchEvent};
use cli::time::{local_minute, now_ms};
use cli::tls::Trust;
use cli::view::short;
use cli::{Device, Profile};
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

/// The previous password, when the server accepted a new one that does not open the store:
/// `TOV_PREVIOUS_PASSWORD`, or asked on a terminal after saying what the store holds; `None` where neither.
fn previous_password(census: &Census) -> Option<SecretString> {
    if let Ok(password) = std::env::var("TOV_PREVIOUS_PASSWORD") {
        return Some(SecretString::from(password));
    }
    if !std::io::stdin().is_terminal() {
        return None;
    }
    eprintln!(
        "Your password was changed since this device's store was locked. The store holds {} case(s), {} with \
         unsent changes; the previous password keeps them.",
        census.documents, census.pending
    );
    rpassword::prompt_password("Previous password: ")
        .ok()
        .map(SecretString::from)
}

/// Unlocks a locked profile for a command: with TOV_PASSWORD, or the password asked on a terminal. Without
/// either the store stays locked ([`KeyError::Locked`]).
pub fn unlock_profile(profile: &mut Profile) -> anyhow::Result<()> {
    let settings = profile.logged_in()?.clone();
    let password = match std::env::var("TOV_PASSWORD") {
        Ok(password) => SecretString::from(password),
        Err(_) if std::io::stdin().is_terminal() => {
            eprintln!("The local store is locked.");
            password_for(&settings.username, &settings.tenant_slug)?
        }
        Err(_) => return Err(KeyError::Locked.into()),
    };
    unlock_with(profile, &password)
}

/// Unwraps the data key with `password` (offline, within the maximum offline period), releases it for the session
/// and gives it to `profile`.
fn unlock_with(profile: &mut Profile, password: &SecretString) -> anyhow::Result<()> {
    let offline_until_ms = profile.logged_in()?.offline_until_ms;
    let now = now_ms();
    let key = keys::unlock(profile.dir(), password, offline_until_ms, now)?;
    keys::release(profile.dir(), &key, now);
    profile.set_key(Arc::new(key));
    Ok(())
}

/// How long the released key lasts, for the user.
fn unlocked_until(dir: &Path, now: i64) -> String {
    if keys::released(dir, now).is_ok() {
        format!(
            "unlocked until {} (or `tov lock`, a logout, a restart)",
            local_minute(now.saturating_add(keys::UNLOCKED_FOR_MS))
        )
    } else {
        "unlocked for this command only: no RAM-backed directory to keep the key in (see TOV_RUNTIME_DIR), so \
         each command asks for the password"
            .to_owned()
    }
}

pub async fn unlock(dir: &Path) -> anyhow::Result<()> {
    let mut profile = Profile::open(dir)?;
    let settings = profile.logged_in()?.clone();
    let password = password_for(&settings.username, &settings.tenant_slug)?;
    unlock_with(&mut profile, &password)?;
    // The store must open with it; a store sealed under another key says so now rather than at the next command.
    Device::open(profile).await?.close().await;
    println!("Store {}.", unlocked_until(dir, now_ms()));
    Ok(())
}

pub fn lock(dir: &Path) -> anyhow::Result<()> {
    keys::lock(dir)?;
    println!("Store locked: the next command asks for the password (`tov unlock`).");
    Ok(())
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
    let profile = login::login(dir, input, now_ms(), previous_password)
        .await
        .context("login failed")?;
    let settings = profile.logged_in()?;
    println!(
        "Logged in as {} ({}) in {} on {}.",
        settings.username, settings.role, settings.tenant_slug, settings.server
    );
    println!(
        "Device \"{}\" registered as {}.",
        settings.device_name, settings.device_id
    );
    println!("Store encrypted, {}.", unlocked_until(profile.dir(), now_ms()));
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
    let mut profile = Profile::open(dir)?;
    match profile.settings() {
        Some(s) => {
            println!("Server:    {}", s.server);
            println!("User:      {} ({}) in {}", s.username, s.role, s.tenant_slug);
            println!("Device:    {} ({})", s.device_name, s.device_id);
            let token = if s.token_expires_ms > now_ms() {
                "valid until"
            } else {
                "expired at"
            };
            let renewal = if profile.has_refresh_token() {
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
    println!("Profile:   {}", profile.dir().display());
    let locked = match profile.unlocked(now_ms()) {
        Ok(_) => None,
        Err(ProfileError::Key(KeyError::Locked)) => {
            Some("`tov unlock` (asks for the password, works offline) or `tov login`".to_owned())
        }
        Err(ProfileError::Key(error)) => Some(error.to_string()),
        Err(ProfileError::NotLoggedIn(_)) => Some("no key before the first `tov login`".to_owned()),
        Err(error) => return Err(error.into()),
    };
    if let Some(why) = locked {
        // Without the key only the counts can be read.
        let census = Store::census(&profile.store_path()).await?;
        println!("Store:     locked: {why}");
        println!(
            "Documents: {} ({} with changes not yet acknowledged)",
            census.documents, census.pending
        );
        return Ok(());
    }
    println!("Store:     encrypted, unlocked");
    let device = Device::open(profile).await?;
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
    // Counted without the key: a store locked with a forgotten password can be discarded too.
    let path = Profile::open(dir)?.store_path();
    let pending = Store::census(&path).await?.pending;
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
        let device = open(dir).await?;
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
    let device = open(dir).await?;
    let result = sync::sync_device(&device, &options).await;
    device.close().await;
    if let Err(SyncError::Revoked(_)) = &result {
        wipe_revoked(dir)?;
    }
    let report = result.context("sync failed")?;
    print_report(&report);
    Ok(())
}

/// A revoked device (a lost or stolen phone) deletes what it holds of citizens' cases, unsent changes included:
/// they can no longer reach the server, and keeping them is the risk revocation removes. The wrapped data key goes
/// too, so nothing left on the device opens, even with the password.
fn wipe_revoked(dir: &Path) -> anyhow::Result<()> {
    let profile = Profile::open(dir)?;
    let path = profile.store_path();
    Store::remove_files(&path).with_context(|| format!("deleting {}", path.display()))?;
    profile.forget_tokens()?;
    keys::destroy(dir)?;
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
    let openings = &report.openings;
    if openings.logged + openings.skipped > 0 {
        println!(
            "{} case opening(s) logged with their purpose ({} for cases no longer yours).",
            openings.logged, openings.skipped
        );
    }
    if let Some(Err(reason)) = &report.fit_rules {
        eprintln!(
            "warning: the municipality's FIT rule set was not fetched, the one kept before stays: {reason}"
        );
    }
    if let Some(reason) = &openings.waiting {
        eprintln!("warning: case openings wait for the next sync to reach the access log: {reason}");
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
