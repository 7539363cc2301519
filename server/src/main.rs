//! The `tovholder` binary: parse the configuration, set up logging, serve until SIGTERM or Ctrl-C; or check the
//! access log's chain (`tovholder audit verify`); or unblock a user or create an admin (`tovholder users …`).

use anyhow::Context;
use clap::Parser;
use secrecy::ExposeSecret;
use secrecy::SecretString;
use server::app::Application;
use server::audit::{self, Verification};
use server::config::{AuditCommand, Cli, Command, ServeConfig, UsersCommand};
use server::operations;
use server::store::Store;
use server::thread_caches;
use tikv_jemalloc_ctl::{Access, AsName};

/// jemalloc instead of glibc's malloc: its background thread returns the pages of evicted documents to the system,
/// so the server's memory comes back after a burst (BENCHMARKS.md, "Memory that comes back"). Its options (freed
/// pages back after about a second) are compiled in: `.cargo/config.toml`. Built unprefixed (the workspace's
/// `Cargo.toml`), it serves the C code's `malloc` as well: SQLite's page caches come back the same way. What the
/// runtime's workers cache per thread is handed back as they go idle ([`flush_thread_cache`]).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    server::telemetry::init();
    // What `#[tokio::main]` builds, plus the hook that hands a worker's allocator cache back when it goes idle.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(|| {
            if thread_caches::take_release() {
                flush_thread_cache();
            }
        })
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve(config) => serve(*config).await,
            Command::Audit(AuditCommand::Verify { database_url }) => {
                verify(database_url.expose_secret()).await
            }
            Command::Users(command) => users(command).await,
        }
    })
}

/// Hands the calling thread's jemalloc cache back to the shared arenas (`server/src/thread_caches.rs` says when).
/// Turning the cache off flushes it and turning it on again starts an empty one; jemalloc's `thread.tcache.flush`
/// does the first half alone, but it takes no value, and the safe interface of `tikv-jemalloc-ctl` writes only
/// values (the workspace forbids unsafe code). If the second write fails, the thread goes on without a cache, which
/// is slower, never wrong.
fn flush_thread_cache() {
    let enabled = b"thread.tcache.enabled\0".name();
    let flushed = Access::<bool>::write(enabled, false).and_then(|()| Access::<bool>::write(enabled, true));
    if let Err(error) = flushed {
        tracing::debug!(%error, "cannot flush the thread's allocator cache");
    }
}

/// `tovholder users unblock|create-admin`.
async fn users(command: UsersCommand) -> anyhow::Result<()> {
    let (UsersCommand::Unblock(args) | UsersCommand::CreateAdmin(args)) = &command;
    let store = Store::connect(args.database_url.expose_secret())
        .await
        .context("cannot open the database")?;
    store.migrate().await.context("cannot migrate the database")?;
    let result = match &command {
        UsersCommand::Unblock(args) => operations::unblock(&store, &args.tenant, &args.username)
            .await
            .map(|was_blocked| {
                let state = if was_blocked {
                    "unblocked"
                } else {
                    "was not blocked; failures cleared"
                };
                println!("{} in {}: {state}", args.username, args.tenant);
            }),
        UsersCommand::CreateAdmin(args) => {
            let password = new_password()?;
            operations::create_admin(&store, &args.tenant, &args.username, &password)
                .await
                .map(|user| {
                    println!(
                        "created admin {} in {} (id {})",
                        user.username, args.tenant, user.id
                    )
                })
        }
    };
    store.close().await;
    result.context("the operation was not done")
}

/// The new password: TOVHOLDER_NEW_PASSWORD, else the first line of standard input.
fn new_password() -> anyhow::Result<SecretString> {
    if let Ok(password) = std::env::var("TOVHOLDER_NEW_PASSWORD") {
        return Ok(SecretString::from(password));
    }
    eprintln!("password for the new admin (then Enter):");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// Checks the access log's chain; exits with status 1 when it is broken.
async fn verify(database_url: &str) -> anyhow::Result<()> {
    let store = Store::connect(database_url)
        .await
        .context("cannot open the database")?;
    store.migrate().await.context("cannot migrate the database")?;
    let verification = audit::verify(&store)
        .await
        .context("cannot read the access log")?;
    store.close().await;
    match verification {
        Verification::Intact { rows } => {
            println!("chain intact ({rows} rows)");
            Ok(())
        }
        Verification::Broken(broken) => {
            println!("chain broken at row {}: {broken}", broken.row());
            std::process::exit(1);
        }
    }
}

async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let app = Application::build(config)
        .await
        .context("could not start tovholder")?;
    println!("tovholder listening on http://{}", app.local_addr());
    if let Some((logins, password)) = app.demo() {
        // Printed to stdout once, for the person who started the demo; never to the log.
        println!("demo logins, all with password {}", password.expose_secret());
        for login in logins {
            println!(
                "  tenant {:<16} username {:<8} role {}",
                login.tenant, login.username, login.role
            );
        }
    }
    app.run_until_stopped(shutdown_signal())
        .await
        .context("server failed")?;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM (what container runtimes and systemd send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
