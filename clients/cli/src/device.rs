//! A device: a profile with its open store. Finding cases by id prefix, reading them, and changing them in one
//! write transaction each.
//!
//! Every change follows one path ([`Device::change_case`]): lock the store for writing, load the document as the
//! store has it, apply the edit through [`CaseDocument`] (which validates the whole resulting case before it
//! commits anything), append the new change, commit. An edit that is refused leaves both the document and the
//! store untouched.

use std::sync::Arc;

use automerge::ActorId;
use sync_core::DocumentId;
use sync_core::case::{Case, CaseDocument, CaseError};
use sync_core::validation::ValidationError;

use crate::keys::DataKey;
use crate::profile::{Profile, ProfileError, Settings};
use crate::store::{Store, StoreError, StoredDoc};

/// Why a local command could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The input, or the case it would produce, breaks a rule; nothing was written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("no {what} matches {id:?}")]
    NotFound { what: &'static str, id: String },
    #[error("{prefix:?} matches {count} {what}s: give more of the id")]
    Ambiguous {
        what: &'static str,
        prefix: String,
        count: usize,
    },
    #[error("{0}")]
    Unusable(String),
    #[error("the case document cannot be read: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DeviceError {
    /// Whether the user's input was at fault (exit code 2), rather than the device or the server.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::Invalid(_) | Self::NotFound { .. } | Self::Ambiguous { .. } | Self::Unusable(_)
        )
    }
}

impl From<CaseError> for DeviceError {
    fn from(error: CaseError) -> Self {
        match error {
            CaseError::Invalid(invalid) => Self::Invalid(invalid),
            CaseError::NotFound { what, id } => Self::NotFound { what, id },
            CaseError::Unreadable(reason) => Self::Unreadable(reason),
        }
    }
}

/// A case as the device holds it.
#[derive(Debug, Clone)]
pub struct LocalCase {
    pub id: DocumentId,
    pub doc: CaseDocument,
    pub case: Case,
    /// Whether it has changes the server has not acknowledged.
    pub pending: bool,
}

/// An open profile and store.
#[derive(Debug)]
pub struct Device {
    profile: Profile,
    store: Store,
    actor: ActorId,
}

impl Device {
    /// Opens the profile's store with its data key: the one the profile holds, or else the one released for the
    /// session ([`Profile::unlocked`]); a locked profile is [`crate::keys::KeyError::Locked`].
    pub async fn open(mut profile: Profile) -> Result<Device, DeviceError> {
        let key = profile.unlocked(crate::time::now_ms())?;
        let store = Store::open(&profile.store_path(), key).await?;
        let actor = store.actor().await?;
        Ok(Device {
            profile,
            store,
            actor,
        })
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The data key the store and the tokens are sealed under.
    pub fn key(&self) -> Result<Arc<DataKey>, DeviceError> {
        let key = self.profile.key().ok_or(crate::keys::KeyError::Locked);
        Ok(key.map_err(ProfileError::from)?.clone())
    }

    /// This replica's automerge actor id: every change this device makes carries it.
    pub fn actor(&self) -> &ActorId {
        &self.actor
    }

    /// Whether a hex actor id (as conflicts report them) was written by this replica.
    pub fn is_own_actor(&self, hex: &str) -> bool {
        self.actor.to_hex_string() == hex
    }

    pub fn settings(&self) -> Result<&Settings, DeviceError> {
        Ok(self.profile.logged_in()?)
    }

    pub async fn close(self) {
        self.store.close().await;
    }

    /// The case whose id starts with `prefix` (the text form, as `tov cases` shows it).
    pub async fn find_case(&self, prefix: &str) -> Result<DocumentId, DeviceError> {
        let prefix = prefix.trim().trim_start_matches("automerge:");
        let ids: Vec<DocumentId> = self.store.documents().await?.into_iter().map(|d| d.id).collect();
        unique_match("case", prefix, ids.iter().map(|id| (id.to_string(), *id)))
    }

    /// Reads one case (read-only: a schema migration on load stays in memory).
    pub async fn read_case(&self, id: &DocumentId) -> Result<LocalCase, DeviceError> {
        let stored = self
            .store
            .document(id)
            .await?
            .ok_or_else(|| DeviceError::NotFound {
                what: "case",
                id: id.to_string(),
            })?;
        self.read_stored(stored).await
    }

    /// Reads every case; a document that is not a readable case is returned as its error, so one broken
    /// document does not hide the caseload.
    pub async fn cases(&self) -> Result<Vec<Result<LocalCase, (DocumentId, DeviceError)>>, DeviceError> {
        let mut cases = Vec::new();
        for stored in self.store.documents().await? {
            let id = stored.id;
            cases.push(self.read_stored(stored).await.map_err(|e| (id, e)));
        }
        Ok(cases)
    }

    async fn read_stored(&self, stored: StoredDoc) -> Result<LocalCase, DeviceError> {
        let bytes = self.store.load_bytes(&stored.id).await?.unwrap_or_default();
        let doc = CaseDocument::load(&bytes, self.actor.clone(), crate::time::now_ms())?;
        let case = doc.read()?;
        Ok(LocalCase {
            id: stored.id,
            pending: stored.is_pending(),
            doc,
            case,
        })
    }

    /// Changes a case in one write transaction: `edit` runs on the document as stored and must validate (the
    /// [`CaseDocument`] edits do); only then is the change appended and committed.
    pub async fn change_case<T>(
        &self,
        id: &DocumentId,
        now_ms: i64,
        edit: impl FnOnce(&mut CaseDocument) -> Result<T, DeviceError>,
    ) -> Result<T, DeviceError> {
        let mut edit = Some(edit);
        let mut results = self
            .change_cases(std::slice::from_ref(id), now_ms, |_, doc| {
                edit.take().expect("one case, one edit")(doc)
            })
            .await?;
        Ok(results.remove(0))
    }

    /// One edit of several cases, all stored in one transaction: either every case takes its edit or none is
    /// changed (a group session is recorded in every participant's case or in none). `edit` gets each case in the
    /// order of `ids`.
    pub async fn change_cases<T>(
        &self,
        ids: &[DocumentId],
        now_ms: i64,
        mut edit: impl FnMut(&DocumentId, &mut CaseDocument) -> Result<T, DeviceError>,
    ) -> Result<Vec<T>, DeviceError> {
        let mut tx = self.store.begin_write().await?;
        let mut results = Vec::with_capacity(ids.len());
        for id in ids {
            let (bytes, stored_heads) = tx.load(id).await?.ok_or_else(|| DeviceError::NotFound {
                what: "case",
                id: id.to_string(),
            })?;
            let mut doc = CaseDocument::load(&bytes, self.actor.clone(), now_ms)?;
            // The append-only rules then refuse, here already, what the server would: rewriting another worker's
            // rating among them.
            if let Ok(settings) = self.profile.logged_in() {
                doc = doc.with_author(&settings.user_id);
            }
            results.push(edit(id, &mut doc)?);
            tx.append(id, doc.automerge(), &stored_heads, now_ms).await?;
        }
        tx.commit().await?;
        Ok(results)
    }

    /// Stores a case created on this device; it is pending until the server acknowledges it.
    pub async fn insert_case(
        &self,
        id: &DocumentId,
        doc: &CaseDocument,
        now_ms: i64,
    ) -> Result<(), DeviceError> {
        let mut tx = self.store.begin_write().await?;
        tx.append(id, doc.automerge(), &[], now_ms).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The one candidate whose key starts with `prefix`, or why there is none.
pub fn unique_match<T>(
    what: &'static str,
    prefix: &str,
    candidates: impl Iterator<Item = (String, T)>,
) -> Result<T, DeviceError> {
    if prefix.is_empty() {
        return Err(DeviceError::NotFound {
            what,
            id: String::new(),
        });
    }
    let mut found: Vec<(String, T)> = candidates.filter(|(key, _)| key.starts_with(prefix)).collect();
    // An exact match wins even when it is also the prefix of a longer key.
    if let Some(exact) = found.iter().position(|(key, _)| key == prefix) {
        return Ok(found.swap_remove(exact).1);
    }
    match found.len() {
        1 => Ok(found.remove(0).1),
        0 => Err(DeviceError::NotFound {
            what,
            id: prefix.to_owned(),
        }),
        count => Err(DeviceError::Ambiguous {
            what,
            prefix: prefix.to_owned(),
            count,
        }),
    }
}
