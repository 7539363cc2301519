//! `tov`, Tovholder's offline client, as a library: the local store, local edits, views and sync.
//!
//! A device works on its own copy of every case document it may see and syncs when it has signal. The rules it
//! keeps (ARCHITECTURE.md, docs/PROTOCOL.md):
//! - Every local edit is validated by `sync-core` before anything is written, and written to the store in one
//!   transaction before anything is sent: the device never forgets a change until the server acknowledged it.
//! - A document has changes the server has not acknowledged exactly when its heads differ from the heads of the
//!   server's last Ack; those documents go into the next Hello's manifest and block `tov reset`.
//! - No token and no citizen data goes to logs. Citizen data is printed only as the output of the user's own
//!   commands: it is their caseload.
//! - Nothing of a citizen and no token is written to disk in the clear: the store's documents and refusal messages
//!   and the tokens are sealed under a data key that only the worker's password (or the working session's
//!   released copy, kept in RAM) opens.
//! - Nothing crosses a network in the clear: `https://` and `wss://` through rustls, plain HTTP only to this
//!   machine.
//!
//! Module map:
//! - [`profile`]: the profile directory: login settings and the sealed tokens.
//! - [`keys`]: the data key the store and the tokens are encrypted under: wrapped under the password at rest,
//!   released by `tov login` or `tov unlock` for the session. Its documentation holds the threat model.
//! - [`store`]: the SQLite store of documents, acknowledged heads, the cursor, refusals and purge notes; the
//!   documents and refusal messages sealed under the data key.
//! - [`device`]: a logged-in profile with its store: finding, reading and changing cases.
//! - [`edits`]: the edits a worker makes (`tov case new`, `contact add`, `goal …`, `note edit`, `resolve`).
//! - [`caseload`]: what `tov cases` shows of a case, FIT alerts included.
//! - [`view`]: plain-text rendering of the caseload, one case, and its FIT chart.
//! - [`api`]: the HTTP calls (`/v1/auth/login`, `/v1/me`) and the server's checked URL; [`login`] stores their
//!   result.
//! - [`tls`]: the rustls configuration every connection uses (https://, wss://; plain only to this machine).
//! - [`sync`]: [`sync::run_once`] and [`sync::watch`] over the WebSocket protocol.
//! - [`time`]: reading and showing times.
//!
//! The `tov` binary (`main.rs`, `args.rs`, `cmd/`) is a thin layer over this crate; end-to-end tests drive
//! devices through either.

pub mod api;
pub mod caseload;
pub mod device;
pub mod edits;
pub mod keys;
pub mod login;
pub mod profile;
pub mod store;
pub mod sync;
pub mod time;
pub mod tls;
pub mod view;

pub use device::Device;
pub use profile::Profile;
pub use store::Store;

/// The client name and version sent in every Hello, for the server's logs.
pub const CLIENT_NAME: &str = concat!("tov/", env!("CARGO_PKG_VERSION"));
