//! `tov`: parse the command line, run the command, turn errors into a message and an exit code.
//!
//! Everything of substance lives in the library (`cli`); `cmd/` only calls it and prints.

mod args;
mod cmd;

use std::process::ExitCode;

use clap::Parser;
use cli::device::DeviceError;
use cli::login::LoginError;
use cli::sync::SyncError;
use cli::tls::TlsError;
use sync_core::validation::ValidationError;

fn main() -> ExitCode {
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

/// 2 for bad input (nothing was written or sent: a score out of range, a server URL tov will not use, an unreadable
/// `--ca-cert`), 3 when the server refused the login or the device, 1 otherwise.
fn exit_code(error: &anyhow::Error) -> ExitCode {
    for cause in error.chain() {
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

fn login_refused(error: &LoginError) -> bool {
    matches!(
        error,
        LoginError::Api(cli::api::ApiError::Refused {
            status: 401 | 403,
            ..
        })
    )
}
