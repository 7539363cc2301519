//! `tov`: parse the command line, run the command, turn errors into a message and an exit code.
//!
//! Everything of substance lives in the library (`cli`); `cmd/` only calls it and prints.

mod args;
mod cmd;

use std::process::ExitCode;

use clap::Parser;
use cli::device::DeviceError;
use cli::keys::KeyError;
use cli::login::LoginError;
use cli::profile::ProfileError;
use cli::sync::SyncError;
use cli::tls::TlsError;
use sync_core::validation::ValidationError;

fn main() -> ExitCode {
    quiet_on_closed_output();
    // clap exits with code 2 on a usage error, matching "bad input" below.
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tov: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cmd::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tov: {error:#}");
            exit_code(&error)
        }
    }
}

/// Ends the process quietly when its output is cut (`tov status | head -5`), as ripgrep does, instead of a panic
/// with a backtrace: `println!` panics when stdout's reader has gone, and this hook recognises that panic. Rust
/// ignores SIGPIPE, and restoring it would need `unsafe`. Leaving mid-command is safe: every store write is one
/// SQLite transaction, rolled back at the next open if it did not commit. Any other panic is reported as before.
fn quiet_on_closed_output() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        report(info);
    }));
}

/// 2 for bad input (nothing was written or sent: a score out of range, a server URL tov will not use, an unreadable
/// `--ca-cert`), 3 when the server refused the login or the device (or `tov unlock` the password), 4 when the
/// store is locked, 1 otherwise.
fn exit_code(error: &anyhow::Error) -> ExitCode {
    for cause in error.chain() {
        let key = key_error(cause);
        if key.is_some_and(KeyError::is_locked)
            || cause
                .downcast_ref::<LoginError>()
                .is_some_and(LoginError::is_locked)
        {
            return ExitCode::from(4);
        }
        if matches!(key, Some(KeyError::WrongPassword)) {
            return ExitCode::from(3);
        }
        if cause.downcast_ref::<ValidationError>().is_some()
            || cause
                .downcast_ref::<DeviceError>()
                .is_some_and(DeviceError::is_bad_input)
            || cause.downcast_ref::<cmd::BadInput>().is_some()
            || cause
                .downcast_ref::<TlsError>()
                .is_some_and(TlsError::is_bad_input)
            || cause
                .downcast_ref::<SyncError>()
                .is_some_and(SyncError::is_bad_input)
            || cause
                .downcast_ref::<LoginError>()
                .is_some_and(|e| matches!(e, LoginError::Api(api) if api.is_bad_input()))
        {
            return ExitCode::from(2);
        }
        if cause
            .downcast_ref::<SyncError>()
            .is_some_and(SyncError::is_refused_login)
            || cause.downcast_ref::<LoginError>().is_some_and(login_refused)
        {
            return ExitCode::from(3);
        }
    }
    ExitCode::FAILURE
}

/// The key error behind `cause`, through the library's wrappers (which forward their `source`, so the key error
/// is no link of its own in the chain).
fn key_error<'a>(cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a KeyError> {
    fn profile(error: &DeviceError) -> Option<&ProfileError> {
        match error {
            DeviceError::Profile(profile) => Some(profile),
            _ => None,
        }
    }
    let profile = cause
        .downcast_ref::<ProfileError>()
        .or_else(|| cause.downcast_ref::<DeviceError>().and_then(profile))
        .or_else(|| match cause.downcast_ref::<SyncError>() {
            Some(SyncError::Device(device)) => profile(device),
            _ => None,
        })
        .or_else(|| match cause.downcast_ref::<LoginError>() {
            Some(LoginError::Profile(profile)) => Some(profile),
            _ => None,
        });
    match (
        cause.downcast_ref::<KeyError>(),
        profile,
        cause.downcast_ref::<LoginError>(),
    ) {
        (Some(key), _, _) => Some(key),
        (_, Some(ProfileError::Key(key)), _) => Some(key),
        (_, _, Some(LoginError::Key(key))) => Some(key),
        _ => None,
    }
}

fn login_refused(error: &LoginError) -> bool {
    matches!(
        error,
        LoginError::Api(cli::api::ApiError::Refused {
            status: 401 | 403,
            ..
        })
    )
}
