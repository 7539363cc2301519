//! [`CaseDocument`]: one citizen's case as an automerge document, read and changed through the typed [`Case`].
//!
//! Every change goes the same way: read the typed case, apply the edit, validate the whole result and check that
//! it keeps the recorded history ([`super::history`]), and only then reconcile it into the document as one
//! automerge change stamped with the caller's clock. A refused edit leaves the document exactly as it was. The
//! actor id (one per device) is passed in: the core draws no randomness.

use automerge::transaction::CommitOptions;
use automerge::{ActorId, Automerge, ChangeHash};

use crate::validation::ValidationError;

use super::conflicts::{self, Conflict};
use super::history;
use super::model::Case;
use super::reader::ObjectReader;
use super::schema::{self, SCHEMA_VERSION};
use super::shape;
use super::validate::validate;

/// Why a case document could not be read or changed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CaseError {
    /// The edit, or the document as merged, breaks a rule; the document is unchanged.
    #[error("invalid case: {0}")]
    Invalid(#[from] ValidationError),
    /// An edit named a contact, goal or course the case does not have.
    #[error("no {what} with id {id} in this case")]
    NotFound { what: &'static str, id: String },
    /// The bytes or the document structure are not a case document this build can read.
    #[error("unreadable case document: {0}")]
    Unreadable(String),
}

/// One case document.
#[derive(Debug, Clone)]
pub struct CaseDocument {
    doc: Automerge,
    /// The user id of whoever edits through this handle, for the write rules that depend on it (see
    /// [`history`]); `None` when unknown.
    author: Option<String>,
}

impl CaseDocument {
    /// A new case document holding `case`, written by `actor` at `now_ms`. The case is validated first.
    pub fn create(actor: ActorId, case: &Case, now_ms: i64) -> Result<Self, CaseError> {
        let mut case = case.clone();
        case.schema = SCHEMA_VERSION;
        // Text read from another document remembers that document's heads; written here it must start fresh.
        case.plan.own_goal = autosurgeon::Text::with_value(case.plan.own_goal.as_str());
        for contact in case.contacts.values_mut() {
            contact.notes = autosurgeon::Text::with_value(contact.notes.as_str());
        }
        validate(&case)?;
        let mut doc = Automerge::new().with_actor(actor);
        reconcile_committed(&mut doc, &case, "create case", now_ms)?;
        Ok(Self { doc, author: None })
    }

    /// Loads a saved document (full save or concatenated incremental saves) for `actor`, migrating it to the
    /// current schema if it is older.
    pub fn load(bytes: &[u8], actor: ActorId, now_ms: i64) -> Result<Self, CaseError> {
        let doc = Automerge::load(bytes).map_err(|e| CaseError::Unreadable(e.to_string()))?;
        Self::from_automerge(doc.with_actor(actor), now_ms)
    }

    /// Wraps a document received through sync, migrating it to the current schema if needed.
    pub fn from_automerge(mut doc: Automerge, now_ms: i64) -> Result<Self, CaseError> {
        schema::migrate(&mut doc, schema::MIGRATIONS, SCHEMA_VERSION, now_ms)?;
        Ok(Self { doc, author: None })
    }

    /// Names the user who edits through this handle: the append-only rules then also refuse rewriting another
    /// worker's rating, as the server does.
    pub fn with_author(mut self, user_id: &str) -> Self {
        self.author = Some(user_id.to_owned());
        self
    }

    /// Reads the typed case. Concurrent values of one field show the winner automerge picks on every replica;
    /// [`super::conflicts`] lists the others.
    pub fn read(&self) -> Result<Case, CaseError> {
        read_case(&self.doc)
    }

    /// Changes the case with `edit`, validates the result and commits it as one change. Returns the new change's
    /// hash, or `None` when the edit changed nothing.
    pub fn change<F>(&mut self, now_ms: i64, message: &str, edit: F) -> Result<Option<ChangeHash>, CaseError>
    where
        F: FnOnce(&mut Case) -> Result<(), CaseError>,
    {
        // Read inside the transaction that writes: a transaction depends on this actor's previous change even when
        // that is no longer a head (after others built on it), so text read from the document outside it would
        // carry other heads than the transaction and autosurgeon would refuse it as stale.
        let mut tx = self.doc.transaction();
        let mut case: Case = autosurgeon::hydrate(&tx).map_err(|e| CaseError::Unreadable(e.to_string()))?;
        let before = case.clone();
        let checked = edit(&mut case).and_then(|()| {
            validate(&case)?;
            history::check(&before, &case, self.author.as_deref())?;
            Ok(())
        });
        if let Err(error) = checked {
            tx.rollback();
            return Err(error);
        }
        if let Err(error) = autosurgeon::reconcile(&mut tx, &case) {
            tx.rollback();
            return Err(CaseError::Unreadable(error.to_string()));
        }
        Ok(tx.commit_with(commit_options(message, now_ms)).0)
    }

    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    pub fn automerge(&self) -> &Automerge {
        &self.doc
    }

    /// The underlying document, for the sync protocol. Changes made here bypass validation; the protocol only
    /// applies sync messages, which the server validates as a whole.
    pub fn automerge_mut(&mut self) -> &mut Automerge {
        &mut self.doc
    }

    pub fn into_automerge(self) -> Automerge {
        self.doc
    }
}

/// Reads the typed case from any automerge document (the server validates documents it did not create).
pub fn read_case(doc: &Automerge) -> Result<Case, CaseError> {
    autosurgeon::hydrate(&ObjectReader::read_all(doc)).map_err(|e| CaseError::Unreadable(e.to_string()))
}

/// Checks the document's shape, reads and validates: what the server runs before accepting merged changes. The
/// shape comes first, so nothing reads a document holding keys, types or sizes the schema does not define.
pub fn read_valid_case(doc: &Automerge) -> Result<Case, CaseError> {
    read_valid(&ObjectReader::read_all(doc))
}

/// [`read_valid_case`], and the document's conflicts ([`super::conflicts::list`]), from one reading of it.
pub fn read_valid_case_and_conflicts(doc: &Automerge) -> Result<(Case, Vec<Conflict>), CaseError> {
    let reader = ObjectReader::read_all(doc);
    let case = read_valid(&reader)?;
    Ok((case, conflicts::list_read(&reader)))
}

fn read_valid(reader: &ObjectReader<'_>) -> Result<Case, CaseError> {
    shape::check_read(reader, &shape::CASE)?;
    let case: Case = autosurgeon::hydrate(reader).map_err(|e| CaseError::Unreadable(e.to_string()))?;
    validate(&case)?;
    Ok(case)
}

fn reconcile_committed(
    doc: &mut Automerge,
    case: &Case,
    message: &str,
    now_ms: i64,
) -> Result<Option<ChangeHash>, CaseError> {
    let mut tx = doc.transaction();
    autosurgeon::reconcile(&mut tx, case).map_err(|e| CaseError::Unreadable(e.to_string()))?;
    Ok(tx.commit_with(commit_options(message, now_ms)).0)
}

/// Every change carries a message and the caller's clock (automerge's own would read the system clock).
fn commit_options(message: &str, now_ms: i64) -> CommitOptions {
    CommitOptions::default()
        .with_message(message.to_owned())
        .with_time(now_ms / 1000)
}
