//! Logging setup: `tracing` to stderr, filtered by `RUST_LOG`.
//!
//! What may be logged is decided where events are written: ids as fields (`user.id`, `device.id`, `case.id`),
//! never names, notes, scores, passwords, tokens or database URLs. Request spans carry the matched route, not the
//! URI, because a URI can carry a token in its query string.
//!
//! Panics are logged through the same channel, with their location only: a panic message can carry any value
//! the code had at hand (`unwrap` on an error prints it), and that may be citizen data.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Used when `RUST_LOG` is unset. sqlx logs each statement at info; only slow ones (warn) are worth seeing.
/// automerge opens an info span in every load of a document (`#[instrument]`), a few percent of an upload's
/// server CPU with nothing ever written; its warnings and errors still are.
const DEFAULT_FILTER: &str = "info,sqlx=warn,automerge=warn";

/// Installs the global subscriber. Call once, from `main`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Colours only for a person at a terminal; log collectors get plain text.
    let ansi = std::io::stderr().is_terminal();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let thread = std::thread::current();
        tracing::error!(panic.location = %location, thread = thread.name().unwrap_or("unnamed"), "panic");
    }));
}
