//! What a sync did ([`SyncReport`], [`SyncEvent`]) and why it failed ([`SyncError`]).

use std::collections::BTreeSet;
use std::time::Duration;

use sync_core::DocumentId;
use sync_core::protocol::{ClientError, ErrorCode, PurgeReason, RefusalReason};

use crate::device::DeviceError;
use crate::profile::ProfileError;
use crate::store::{PurgeNote, RefusalNote, StoreError};

/// Something a sync did that the user should hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEvent {
    /// Changes from the server were stored; `new` when the device did not have the document before.
    /// `citizen` is the display name, filled in only for `--watch` output.
    Received {
        doc: DocumentId,
        new: bool,
        citizen: Option<String>,
    },
    /// Every local change to the document is now durably held by the server.
    Acknowledged {
        doc: DocumentId,
    },
    Refused(RefusalNote),
    Purged(PurgeNote),
}

/// The outcome of [`super::run_once`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The cursor the device now holds.
    pub cursor: Option<u64>,
    /// Documents the device offered (its manifest).
    pub offered: usize,
    /// Documents that received changes from the server.
    pub received: BTreeSet<DocumentId>,
    /// Of those, documents the device did not have before.
    pub new: BTreeSet<DocumentId>,
    /// Documents whose local changes the server acknowledged.
    pub acknowledged: BTreeSet<DocumentId>,
    pub refused: Vec<RefusalNote>,
    pub purged: Vec<PurgeNote>,
    /// Received documents that hold conflicted fields, with how many.
    pub conflicts: Vec<(DocumentId, usize)>,
    /// Documents still holding unacknowledged changes afterwards (refused ones, typically).
    pub pending: usize,
    /// The case openings sent to the access log.
    pub openings: super::OpeningsSent,
    /// The version of the municipality's FIT rule set now kept, or why the one kept before stays (`None`: not
    /// asked).
    pub fit_rules: Option<Result<String, String>>,
}

impl SyncReport {
    pub(super) fn record(&mut self, event: &SyncEvent) {
        match event {
            SyncEvent::Received { doc, new, .. } => {
                self.received.insert(*doc);
                if *new {
                    self.new.insert(*doc);
                }
            }
            SyncEvent::Acknowledged { doc } => {
                self.acknowledged.insert(*doc);
            }
            SyncEvent::Refused(note) => self.refused.push(note.clone()),
            SyncEvent::Purged(note) => self.purged.push(note.clone()),
        }
    }
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The token was refused (expired, or the user was blocked): log in again.
    #[error("the server did not accept this login ({0}): run `tov login` again")]
    Unauthorized(String),
    /// An administrator revoked this device; it may not sync any more.
    #[error("this device has been revoked ({0}): it may no longer sync; ask an administrator")]
    Revoked(String),
    /// The client speaks another protocol version than the server.
    #[error("the server speaks another protocol version ({0}): update tov")]
    Version(String),
    #[error("the server ended the connection: {code:?}: {message}")]
    Server { code: ErrorCode, message: String },
    #[error("the server broke the protocol: {0}")]
    Protocol(#[from] ClientError),
    #[error("network: {0}")]
    Network(String),
    /// The profile's server URL or the TLS trust cannot be used (plain http:// to another machine, a bad
    /// `--ca-cert`): nothing was sent.
    #[error("{0}")]
    BadServer(crate::api::ApiError),
    #[error("no answer from the server for {0:?}")]
    Timeout(Duration),
    #[error("the server closed the connection before the sync was complete")]
    Closed,
    #[error(transparent)]
    Device(#[from] DeviceError),
}

impl SyncError {
    /// The server's Error frame, as the error it means for the device (PROTOCOL.md section 9).
    pub fn from_server(code: ErrorCode, message: String) -> SyncError {
        match code {
            ErrorCode::Unauthorized => SyncError::Unauthorized(message),
            ErrorCode::Revoked => SyncError::Revoked(message),
            ErrorCode::ProtocolVersion => SyncError::Version(message),
            code => SyncError::Server { code, message },
        }
    }

    /// Whether trying again cannot help until a person acts (logs in, updates, asks an administrator).
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Self::Unauthorized(_)
                | Self::Revoked(_)
                | Self::Version(_)
                | Self::Device(_)
                | Self::BadServer(_)
        )
    }

    /// Whether the user's input was at fault (exit code 2): the server URL or the `--ca-cert` file.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Self::BadServer(error) if error.is_bad_input())
    }

    /// Whether the server refused this device's login or the device itself.
    pub fn is_refused_login(&self) -> bool {
        matches!(self, Self::Unauthorized(_) | Self::Revoked(_))
    }
}

impl From<StoreError> for SyncError {
    fn from(error: StoreError) -> Self {
        SyncError::Device(error.into())
    }
}

impl From<ProfileError> for SyncError {
    fn from(error: ProfileError) -> Self {
        SyncError::Device(error.into())
    }
}

/// The stored name of a refusal reason.
pub(super) fn refusal_code(reason: RefusalReason) -> &'static str {
    match reason {
        RefusalReason::NotFound => "not_found",
        RefusalReason::Invalid => "invalid",
        RefusalReason::WriteForbidden => "write_forbidden",
    }
}

/// The stored name of a purge reason.
pub(super) fn purge_code(reason: PurgeReason) -> &'static str {
    match reason {
        PurgeReason::Unassigned => "unassigned",
        PurgeReason::CourseEnded => "course_ended",
        PurgeReason::DeviceRevoked => "device_revoked",
        PurgeReason::Other => "other",
    }
}
