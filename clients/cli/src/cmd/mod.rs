//! The commands of the `tov` binary: each opens what it needs through the library, calls it, and prints.
//!
//! - [`session`]: `login`, `unlock`, `lock`, `status`, `reset`, `sync`.
//! - [`cases`]: `cases`, `case ID`, `case new`.
//! - [`edit`]: `contact add`, `goal add|set`, `note edit`.
//! - [`course`]: `course start|end`, `follow-up plan|done`, `outcome add`.
//! - [`conflicts`]: `conflicts`, `resolve`.
//! - [`bench`]: `bench`, the load generator.

mod bench;
mod cases;
mod conflicts;
mod course;
mod edit;
mod session;

use std::path::Path;

use anyhow::Context;
use cli::keys::KeyError;
use cli::profile::ProfileError;
use cli::tls::Trust;
use cli::{Device, Profile};
use sync_core::DocumentId;

use crate::args::{CaseCommand, Cli, Command};

/// Input that could not be used, found before anything was written (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let dir = match cli.profile {
        Some(dir) => dir,
        None => Profile::default_dir()?,
    };
    let trust = || trust(cli.ca_cert.as_deref());
    match cli.command {
        Command::Login(args) => session::login(&dir, args, trust()?).await,
        Command::Unlock => session::unlock(&dir).await,
        Command::Lock => session::lock(&dir),
        Command::Status => session::status(&dir).await,
        Command::Reset { force } => session::reset(&dir, force).await,
        Command::Sync(args) => session::sync(&dir, args, trust()?).await,
        Command::Cases => cases::list(&dir).await,
        Command::Case(args) => match (args.command, args.id) {
            (
                Some(CaseCommand::New {
                    name,
                    reference,
                    birth_year,
                }),
                _,
            ) => cases::create(&dir, name, reference, birth_year).await,
            (None, Some(id)) => {
                let purpose = args.purpose.ok_or_else(|| {
                    BadInput(
                        "say why you open the case, for the access log: --purpose visit, follow_up, review or \
                         coordination"
                            .into(),
                    )
                })?;
                cases::show(&dir, &id, &purpose, args.contacts).await
            }
            (None, None) => {
                Err(BadInput("give a case id (see `tov cases`), or `tov case new`".into()).into())
            }
        },
        Command::Contact(command) => edit::contact(&dir, command).await,
        Command::Plan(args) => edit::plan(&dir, args).await,
        Command::Goal(command) => edit::goal(&dir, command).await,
        Command::Assign(args) => edit::assign(&dir, args).await,
        Command::Course(command) => course::course(&dir, command).await,
        Command::FollowUp(command) => course::follow_up(&dir, command).await,
        Command::Outcome(command) => course::outcome(&dir, command).await,
        Command::Coordination(command) => course::coordination(&dir, command).await,
        Command::Note(command) => edit::note(&dir, command).await,
        Command::Conflicts { case } => conflicts::list(&dir, case.as_deref()).await,
        Command::Resolve(args) => conflicts::resolve(&dir, args).await,
        Command::Bench(args) => {
            let password = session::password_for(&args.user, &args.tenant)?;
            bench::run(args, password, trust()?).await
        }
    }
}

/// The certificates to trust: the public roots, and the `--ca-cert` file if one was given. Read only by the
/// commands that reach the server, so a stale TOV_CA_CERT does not stop offline work.
fn trust(ca_cert: Option<&Path>) -> anyhow::Result<Trust> {
    Ok(match ca_cert {
        Some(path) => Trust::with_ca_file(path)?,
        None => Trust::public(),
    })
}

/// Opens the logged-in profile in `dir` and its store, with the data key released for the session; a locked store
/// is unlocked first with the password (TOV_PASSWORD, or asked on the terminal), as `tov unlock` does.
async fn open(dir: &Path) -> anyhow::Result<Device> {
    let mut profile = Profile::open(dir)?;
    profile.logged_in()?;
    match profile.unlocked(cli::time::now_ms()) {
        Ok(_) => {}
        Err(ProfileError::Key(KeyError::Locked)) => session::unlock_profile(&mut profile)?,
        Err(error) => return Err(error.into()),
    }
    Ok(Device::open(profile).await?)
}

/// Finds a case by id prefix.
async fn case_id(device: &Device, prefix: &str) -> anyhow::Result<DocumentId> {
    device
        .find_case(prefix)
        .await
        .with_context(|| format!("looking up case {prefix:?}"))
}
