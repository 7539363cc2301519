//! Changes the server itself makes to a case document (a citizen's check-in scores, a lead's decision), committed
//! and pushed exactly like a device's: validated by the case rules and the append-only history rules (as the user
//! the change is made for), under the document's lock, with its projection and its access-log row in the same
//! transaction, then announced to every connection that holds the document.

use automerge::{ActorId, Change};
use sync_core::DocumentId;
use sync_core::case::{CaseDocument, CaseError, conflicts};

use super::{HubEvent, SyncService};
use crate::clock;
use crate::ids::UserId;
use crate::projection::Projection;
use crate::store::{AuditRecord, DocumentCommit, Heads, Reach, StoreError, actors_of};

/// Why a server-made change did not land.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no such case")]
    NotFound,
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Open(#[from] super::documents::OpenError),
}

impl SyncService {
    /// Applies `edit` to the case `doc_id` as `actor` on behalf of `user_id`, commits it with its access-log row
    /// `audit` in one transaction, and announces it. Returns the commit's sequence number. `edit` may run more than
    /// once (after another process's commit); it must only describe the change.
    pub async fn edit_case<F>(
        &self,
        doc_id: DocumentId,
        actor: ActorId,
        user_id: &UserId,
        audit: AuditRecord<'_>,
        edit: F,
    ) -> Result<i64, EditError>
    where
        F: Fn(&mut CaseDocument) -> Result<(), CaseError>,
    {
        let mut guard = self.documents.open(doc_id).await?;
        for _ in 0..3 {
            let loaded = guard.as_mut().ok_or(EditError::NotFound)?;
            let rules = self.rules.for_tenant(&loaded.tenant_id).await?;
            let before = loaded.doc.get_heads();
            // Work on a copy: a refused edit leaves the shared document as it was.
            let mut copy = loaded.doc.clone();
            copy.set_actor(actor.clone());
            let mut case_doc =
                CaseDocument::from_automerge(copy, clock::now_ms())?.with_author(user_id.as_str());
            edit(&mut case_doc)?;
            let case = case_doc.read()?;
            let changes: Vec<Change> = case_doc.automerge().get_changes(&before);
            let doc_text = doc_id.to_string();
            let projection = Projection::of(&doc_text, &case, &conflicts::list(case_doc.automerge()), &rules);
            let raw: Vec<Vec<u8>> = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
            let hashes: Vec<String> = changes.iter().map(|c| c.hash().to_string()).collect();
            let actors = actors_of(changes.iter().map(Change::actor_id));
            let heads = Heads::new(case_doc.heads());
            let commit = DocumentCommit {
                doc_id: &doc_id,
                tenant_id: &loaded.tenant_id,
                team_id: loaded.team_id.as_ref(),
                create: false,
                base_seq: Some(loaded.seq),
                assign_users: &[],
                device_id: None,
                held_as_committed: false,
                user_id,
                changes: &raw,
                document: None,
                change_hashes: &hashes,
                actors: &actors,
                heads: &heads,
                projection: &projection,
                now_ms: clock::now_ms(),
                audit: &[audit],
            };
            match self.store.commit_document(&commit).await {
                Ok(seq) => {
                    let tenant = loaded.tenant_id.clone();
                    loaded.doc = case_doc.into_automerge();
                    loaded.seq = seq;
                    loaded.stored_bytes += raw.iter().map(Vec::len).sum::<usize>();
                    loaded.case = Some(case);
                    self.hub.remember_own_commit(doc_id, seq);
                    drop(guard);
                    self.hub.publish(HubEvent::Changed {
                        doc: doc_id,
                        seq,
                        origin: 0,
                        tenant,
                        reach: Reach::Holders,
                    });
                    tracing::info!(case.id = %doc_id, seq, "committed a server change");
                    return Ok(seq);
                }
                // Another process committed since this one loaded the document: catch up and edit again.
                Err(StoreError::Stale) => {
                    self.documents.catch_up(doc_id, &mut guard, i64::MAX).await?;
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(StoreError::Stale.into())
    }
}
