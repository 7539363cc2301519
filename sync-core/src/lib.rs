//! Tovholder's domain as a CRDT, and the sync protocol, with no I/O.
//!
//! - [`case`]: the case document (one automerge document per citizen's case), typed through autosurgeon.
//! - [`fit`]: FIT (ORS/SRS) scores and the versioned rule set that turns them into totals, flags and alerts.
//! - [`validation`]: the one error shape for refused writes.
//! - [`protocol`]: frames, their binary encoding and the client and server session state machines.
//!
//! Nothing here touches the network, the disk or the clock: time and randomness are parameters, so the server, the
//! `tov` client and the tests drive the same code deterministically.

pub mod case;
pub mod fit;
pub mod ids;
pub mod protocol;
pub mod validation;

pub use ids::DocumentId;
pub use validation::{Problem, ValidationError};
