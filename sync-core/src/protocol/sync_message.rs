//! Vetting automerge sync messages from a peer before automerge sees them, and comparing heads.
//!
//! automerge decodes sync messages safely, but it trusts some of what it decoded when it later answers:
//! a bloom filter with no bits divides by zero, one with billions of probes allocates billions of
//! entries, and unsorted heads trip a debug assertion when they are echoed back. A server shares its
//! documents between connections, so one hostile client must not be able to take it down this way.
//! [`vet`] rejects such messages; everything automerge itself produces passes.

use automerge::sync::{BloomFilter, Have, Message, State, SyncDoc};
use automerge::{Automerge, ChangeHash};

use super::limits::Limits;
use super::wire::Reader;

/// automerge sends at most one `have` entry per message; a few more leave room without letting a
/// peer multiply the cost of every bloom lookup.
pub const MAX_HAVES: usize = 4;

/// automerge uses 7 probes per bloom filter entry.
pub const MAX_BLOOM_PROBES: u64 = 64;

/// Keeps `8 * bits.len()` inside the `u32` automerge computes it in.
const MAX_BLOOM_BYTES: usize = 1 << 28;

/// Why a sync message from a peer was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncMessageError {
    #[error("not an automerge sync message: {0}")]
    Undecodable(String),
    #[error("{0} are not in strictly ascending order")]
    Unsorted(&'static str),
    #[error("{field}: {len} hashes exceed the limit of {max}")]
    TooManyHashes {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{0} have entries exceed the limit of {MAX_HAVES}")]
    TooManyHaves(usize),
    #[error("malformed bloom filter")]
    BadBloom,
}

/// Decodes a sync message from a peer and checks it is one automerge could have produced.
pub fn vet(bytes: &[u8], limits: &Limits) -> Result<Message, SyncMessageError> {
    let message = Message::decode(bytes).map_err(|error| SyncMessageError::Undecodable(error.to_string()))?;
    check_hashes("heads", &message.heads, limits)?;
    check_hashes("need", &message.need, limits)?;
    if message.have.len() > MAX_HAVES {
        return Err(SyncMessageError::TooManyHaves(message.have.len()));
    }
    for have in &message.have {
        check_hashes("have.last_sync", &have.last_sync, limits)?;
        check_bloom(&have.bloom.to_bytes())?;
    }
    Ok(message)
}

fn check_hashes(field: &'static str, hashes: &[ChangeHash], limits: &Limits) -> Result<(), SyncMessageError> {
    if hashes.len() > limits.max_list_len {
        return Err(SyncMessageError::TooManyHashes {
            field,
            len: hashes.len(),
            max: limits.max_list_len,
        });
    }
    if hashes.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(SyncMessageError::Unsorted(field));
    }
    Ok(())
}

/// A bloom filter re-encodes as nothing (empty) or as entries, bits per entry, probes, then the bits.
fn check_bloom(encoded: &[u8]) -> Result<(), SyncMessageError> {
    if encoded.is_empty() {
        return Ok(());
    }
    let mut reader = Reader::new(encoded);
    let parts = (
        reader.varint("entries"),
        reader.varint("bits per entry"),
        reader.varint("probes"),
    );
    let (Ok(_), Ok(_), Ok(probes)) = parts else {
        return Err(SyncMessageError::BadBloom);
    };
    let bits = reader.remaining();
    if !(1..=MAX_BLOOM_PROBES).contains(&probes) || bits == 0 || bits > MAX_BLOOM_BYTES {
        return Err(SyncMessageError::BadBloom);
    }
    Ok(())
}

/// The first sync message for a document the peer has never held, built from the document's saved bytes (`saved`,
/// a document chunk as `Automerge::save` writes it, with heads `heads`) without loading it.
///
/// automerge, sending a whole document to a peer that has nothing (from [`peer_has_nothing`]), offers with it a
/// bloom filter of every change in it, and naming its changes means rebuilding them: most of the work of loading a
/// document. This message offers none (`have` empty), which asks the peer to send only what is needed (`need`),
/// here nothing; so the peer takes the document, and a Tovholder server that then holds exactly these heads
/// answers with its Ack alone (an older one, or a peer holding the same heads, with its heads alone:
/// [`confirms_whole_document`]).
/// The rest (version, capabilities) is what automerge puts in a first message. docs/PROTOCOL.md §5.2.
pub fn whole_document(heads: Vec<ChangeHash>, saved: Vec<u8>) -> Message {
    let mut first = Automerge::new()
        .generate_sync_message(&mut State::new())
        .expect("a first message always goes out");
    first.heads = normalized(heads);
    first.need = Vec::new();
    first.have = Vec::new();
    first.changes = saved.into();
    first
}

/// Whether the peer's answer to [`whole_document`] (sent with heads `sent`) says only that it holds them: no changes,
/// nothing needed, and exactly those heads. Anything else needs the document itself to answer.
pub fn confirms_whole_document(answer: &Message, sent: &[ChangeHash]) -> bool {
    answer.heads == sent && answer.need.is_empty() && answer.changes.is_empty()
}

/// Whether the peer's last message (received into `state`) was shaped as [`whole_document`]: it needs nothing and
/// offers nothing. automerge's own messages offer a bloom filter whenever they need nothing, so only a peer that
/// keeps no sync state for the document sends this; such a peer waits for no answer (docs/PROTOCOL.md §5.2).
pub fn offered_nothing(state: &State) -> bool {
    state.their_need.as_ref().is_some_and(Vec::is_empty)
        && state.their_have.as_ref().is_some_and(Vec::is_empty)
}

/// Leaves `state` as automerge's `receive_sync_message` leaves it on receiving `message` at a document that holds
/// exactly the message's heads (and so every change this side sent), without that document: every head known and
/// shared, nothing sent that the peer lacks. The flags (capabilities, read-only) are read by automerge itself, from
/// the message without heads or changes, which applies nothing. The heads last sent are the caller's to set.
pub fn received_at_its_heads(state: &mut State, message: &Message) {
    let flags_only = Message {
        heads: Vec::new(),
        need: Vec::new(),
        have: Vec::new(),
        changes: Vec::<Vec<u8>>::new().into(),
        ..message.clone()
    };
    // Without heads or changes, nothing is applied: this cannot fail.
    let _ = Automerge::new().receive_sync_message(state, flags_only);
    state.shared_heads.clone_from(&message.heads);
    state.their_heads = Some(message.heads.clone());
    state.their_need = Some(message.need.clone());
    state.their_have = Some(message.have.clone());
    state.sent_hashes.clear();
}

/// The reply to `message`, a whole document sent to a peer that held nothing of it, from that peer once it holds
/// it, with `state` (the state that sent "I have nothing") left as automerge would leave it on receiving the
/// document and generating the reply: without loading the document. The reply is automerge's own: the heads
/// received, nothing needed, and nothing had beyond them (an empty bloom filter since those heads).
pub fn holding_now(state: &mut State, message: &Message) -> Message {
    let heads = message.heads.clone();
    received_at_its_heads(state, message);
    // The version and flags of a message without changes to this peer, as automerge picks them from its
    // capabilities (a state that knows nothing else, so the empty document stands in).
    let mut capabilities_only = State::new();
    capabilities_only
        .their_capabilities
        .clone_from(&state.their_capabilities);
    capabilities_only.read_only = state.read_only;
    let mut reply = Automerge::new()
        .generate_sync_message(&mut capabilities_only)
        .expect("a first message always goes out");
    reply.heads.clone_from(&heads);
    reply.need = Vec::new();
    reply.have = vec![Have {
        last_sync: heads.clone(),
        bloom: BloomFilter::from_hashes(std::iter::empty::<ChangeHash>()),
    }];
    state.have_responded = true;
    state.in_flight = true;
    state.last_sent_heads = heads;
    reply
}

/// Heads in the canonical order automerge keeps them in (ascending, without duplicates).
pub fn normalized(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort_unstable();
    heads.dedup();
    heads
}

/// Whether `doc` holds every change named in `heads` (and so, by the hash chain, all their ancestors).
pub fn knows_all(doc: &Automerge, heads: &[ChangeHash]) -> bool {
    // The common case, a document exactly at those heads, needs no lookups.
    if doc.get_heads() == heads {
        return true;
    }
    heads
        .iter()
        .all(|hash| doc.get_change_meta_by_hash(hash).is_some())
}

/// A sync state as if the peer had already said "I have nothing" (automerge's first message from an empty document,
/// received): the next message generated from it carries the whole document at once. For a document the peer has
/// never held, that saves the round trip in which the peer would say so (docs/PROTOCOL.md §5.2). The state does not
/// depend on the document it is for: receiving a message without heads or changes reads nothing of it.
pub fn peer_has_nothing() -> State {
    let mut empty = Automerge::new();
    let mut state = State::new();
    if let Some(nothing) = Automerge::new().generate_sync_message(&mut State::new())
        && empty.receive_sync_message(&mut state, nothing).is_err()
    {
        // Unreachable (a message without changes applies nothing that could fail); a fresh state is the protocol's
        // ordinary start.
        state = State::new();
    }
    state
}

#[cfg(test)]
mod tests {
    use automerge::sync::{State, SyncDoc};
    use automerge::transaction::Transactable;

    use super::*;

    fn doc_with_changes() -> Automerge {
        let mut doc = Automerge::new();
        for value in 0..3i64 {
            let mut tx = doc.transaction();
            tx.put(automerge::ROOT, "n", value).expect("put");
            tx.commit();
        }
        doc
    }

    #[test]
    fn accepts_what_automerge_generates() {
        let doc = doc_with_changes();
        let mut state = State::new();
        let message = doc.generate_sync_message(&mut state).expect("first message");
        assert!(vet(&message.encode(), &Limits::default()).is_ok());
    }

    #[test]
    fn rejects_unsorted_heads() {
        // Written by hand: automerge's own encoder asserts the order we are testing for.
        let mut bytes = vec![0x42, 2];
        bytes.extend([2; 32]);
        bytes.extend([1; 32]);
        bytes.extend([0, 0, 0]);
        assert_eq!(
            vet(&bytes, &Limits::default()).err(),
            Some(SyncMessageError::Unsorted("heads"))
        );
    }

    #[test]
    fn rejects_blooms_without_bits_or_with_absurd_probes() {
        assert_eq!(check_bloom(&[1, 0, 7]), Err(SyncMessageError::BadBloom));
        assert_eq!(
            check_bloom(&[1, 8, 0xff, 0xff, 0xff, 0xff, 0x0f, 0]),
            Err(SyncMessageError::BadBloom)
        );
        assert_eq!(check_bloom(&[1, 8, 7, 0]), Ok(()));
    }

    #[test]
    fn holding_a_whole_document_now_answers_and_leaves_the_state_as_receiving_it_would() {
        let server = doc_with_changes();
        let (mut server_state, mut client_state) = (State::new(), State::new());
        let client = Automerge::new();
        let nothing = client.generate_sync_message(&mut client_state).expect("first");
        let mut server_side = server.clone();
        server_side
            .receive_sync_message(&mut server_state, nothing)
            .expect("receive");
        // automerge's own whole document, and this server's (the saved bytes, no bloom filter).
        let own = server_side
            .generate_sync_message(&mut server_state)
            .expect("whole");
        let saved = whole_document(server.get_heads(), server.save());
        for whole in [own, saved] {
            let (mut received, mut received_state) = (client.clone(), client_state.clone());
            received
                .receive_sync_message(&mut received_state, whole.clone())
                .expect("receive");
            assert_eq!(received.get_heads(), server.get_heads());
            let expected = received
                .generate_sync_message(&mut received_state)
                .expect("a reply");

            let mut state = client_state.clone();
            let reply = holding_now(&mut state, &whole);
            assert_eq!(reply.encode(), expected.encode());
            assert_eq!(state, received_state);
        }
    }

    #[test]
    fn knows_all_follows_history_not_just_heads() {
        let doc = doc_with_changes();
        let first = doc
            .get_changes(&[])
            .first()
            .map(|change| change.hash())
            .expect("a change");
        assert!(knows_all(&doc, &[first]));
        assert!(!knows_all(&doc, &[ChangeHash([9; 32])]));
    }
}
