//! The changes one sync message added to the server's document ([`super::Received::new_changes`]), as the server
//! records, stores or quarantines them.
//!
//! Most messages add changes that automerge applied one by one, and they are kept as automerge's [`Change`]s. A
//! device's new case comes as one whole document, which the server takes as it is (`case::changes::check` loaded
//! it): rebuilding its changes only to count their bytes and name their hashes was a sixth of the server's work on
//! an upload of new cases, so such a document is kept as it came, with the hashes and actors of its changes, and
//! its changes are rebuilt only in the rare path that needs them ([`NewChanges::changes`]: the case was created
//! by another process meanwhile).

use std::borrow::Cow;

use automerge::{ActorId, Automerge, AutomergeError, Change, ChangeHash};

use crate::case::changes::{DocumentChunk, WholeDocument};

/// The changes one sync message added; empty when it brought nothing new.
#[derive(Debug, Clone, Default)]
pub struct NewChanges(Added);

#[derive(Debug, Clone)]
enum Added {
    Changes(Vec<Change>),
    Document(DocumentChunk),
}

impl Default for Added {
    fn default() -> Self {
        Added::Changes(Vec::new())
    }
}

impl From<Vec<Change>> for NewChanges {
    fn from(changes: Vec<Change>) -> Self {
        Self(Added::Changes(changes))
    }
}

impl NewChanges {
    /// A whole document taken as it came; its loaded `doc` goes to the server's document.
    pub(super) fn whole(document: WholeDocument) -> (Automerge, Self) {
        (document.doc, Self(Added::Document(document.chunk)))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many changes.
    pub fn len(&self) -> usize {
        match &self.0 {
            Added::Changes(changes) => changes.len(),
            Added::Document(chunk) => chunk.changes.len(),
        }
    }

    /// Their hashes, in causal order.
    pub fn hashes(&self) -> Vec<ChangeHash> {
        match &self.0 {
            Added::Changes(changes) => changes.iter().map(Change::hash).collect(),
            Added::Document(chunk) => chunk.changes.iter().map(|(hash, _)| *hash).collect(),
        }
    }

    /// The actor of each change, in causal order (an actor of many changes is named for each).
    pub fn actors(&self) -> Vec<&ActorId> {
        match &self.0 {
            Added::Changes(changes) => changes.iter().map(Change::actor_id).collect(),
            Added::Document(chunk) => chunk.changes.iter().map(|(_, actor)| actor).collect(),
        }
    }

    /// Their size in bytes, as the bound on a document's size counts it: the raw changes', or for a whole document
    /// its size with its columns inflated.
    pub fn bytes(&self) -> usize {
        match &self.0 {
            Added::Changes(changes) => changes.iter().map(|c| c.raw_bytes().len()).sum(),
            Added::Document(chunk) => chunk.inflated_bytes,
        }
    }

    /// Their encoding, as a quarantine keeps it: the raw changes one after another, or the document chunk as it
    /// came. automerge loads either.
    pub fn encoded(&self) -> Cow<'_, [u8]> {
        match &self.0 {
            Added::Changes(changes) => changes.iter().flat_map(|c| c.raw_bytes().to_vec()).collect(),
            Added::Document(chunk) => Cow::Borrowed(&chunk.bytes),
        }
    }

    /// A whole document's chunk as it came (automerge loads it as the document it is), or `None` for changes.
    pub fn document_chunk(&self) -> Option<&[u8]> {
        match &self.0 {
            Added::Changes(_) => None,
            Added::Document(chunk) => Some(&chunk.bytes),
        }
    }

    /// The changes themselves; a whole document's are rebuilt from its chunk (which loaded before, in the check).
    pub fn changes(&self) -> Result<Cow<'_, [Change]>, AutomergeError> {
        match &self.0 {
            Added::Changes(changes) => Ok(Cow::Borrowed(changes)),
            Added::Document(chunk) => Ok(Cow::Owned(Automerge::load(&chunk.bytes)?.get_changes(&[]))),
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::ROOT;
    use automerge::transaction::Transactable;

    use super::*;
    use crate::case::changes;

    #[test]
    fn a_whole_document_answers_as_its_changes_would() {
        let mut doc = Automerge::new().with_actor(ActorId::from([3; 16].as_slice()));
        for value in ["first", "second"] {
            let mut tx = doc.transaction();
            tx.put(ROOT, "field", value).expect("put");
            tx.commit();
        }
        let as_changes = NewChanges::from(doc.get_changes(&[]));
        let saved = doc.save();
        let checked = changes::check([saved.as_slice()]).expect("passes");
        let (_, as_document) = NewChanges::whole(checked.document.expect("whole"));

        assert_eq!(as_document.len(), 2);
        assert_eq!(as_document.hashes(), as_changes.hashes());
        assert_eq!(as_document.actors(), as_changes.actors());
        assert_eq!(
            as_document.changes().expect("rebuilt").as_ref(),
            as_changes.changes().expect("kept").as_ref()
        );
        assert_eq!(as_document.encoded().as_ref(), saved.as_slice());
        let loaded = Automerge::load(&as_changes.encoded()).expect("changes load");
        assert_eq!(loaded.get_heads(), doc.get_heads());
        assert!(NewChanges::default().is_empty());
    }
}
