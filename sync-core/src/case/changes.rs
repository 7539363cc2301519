//! The checks on a device's automerge changes before anything applies them.
//!
//! A logged-in phone can send any bytes automerge accepts, and automerge 0.12 trusts some of them: a delete
//! operation naming no predecessor is applied, after which rebuilding the change panics ("MissingOps",
//! `op_set2/change/collector.rs`) for everyone who touches the document. Compressed data inflates without a
//! bound. So before a sync message's changes reach a document, [`check`] splits them into chunks and refuses:
//! - chunks other than changes and whole documents (automerge sends a saved document when it sends more than a
//!   third of one), and compressed change chunks, which automerge never puts in a sync message;
//! - a document whose compressed columns inflate to more than [`MAX_INFLATED_BYTES`], found by inflating them
//!   here with that bound before automerge inflates them without one;
//! - a change of more than [`MAX_CHANGE_OPS`] operations;
//! - operations the case schema has no use for (counters, marks, tables, floats, bytes, timestamps) and deletes
//!   without a predecessor.
//!
//! A document chunk gets the same checks without rebuilding its changes (which was a sixth of the server's work
//! on an upload of new cases): the operation kinds are read from its action and value columns
//! ([`check_document_columns`], with automerge's own column decoder), and the size of each change from the
//! change metadata of the document loaded in a scratch document (under `catch_unwind`: loading rebuilds and
//! verifies its changes, where a broken one panics). A message that is one whole document hands that loaded
//! document on ([`Checked::document`]): a server holding nothing of it takes it as it is, since loading it was
//! most of the cost of receiving it.
//!
//! The size of the whole document is bounded by [`check_document_size`], which the server calls with the bytes it
//! stores. What passes here is then applied under `catch_unwind` (see `protocol::server`), as the last line of
//! defence against panics nobody has found yet.

use std::borrow::Cow;

use automerge::legacy::OpType;
use automerge::{ActorId, Automerge, Change, ChangeHash, ObjType, ScalarValue};

use crate::validation::{Problem, ValidationError};

/// The most operations in one change. Typing a whole note is one operation per character, so a long visit note
/// written at once is some thousands; creating a full case a few hundred.
pub const MAX_CHANGE_OPS: usize = 50_000;
/// The most bytes of changes a case document may hold. Years of weekly visits with long notes are well under
/// 1 MiB; the bound keeps one document from filling the server's memory.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// The most operations a whole document a device sends may hold: several times what years of weekly visits with long
/// notes come to (a note is an operation per character). Its columns are run-length encoded, so a document of a few
/// bytes can claim billions of operations; reading them one by one held a server's thread for minutes (found by
/// fuzzing), and automerge loads a million operations in about a third of a second, four million in 1.5 s, from a
/// document of about a kilobyte: the bound is also what one such message can cost the server.
pub const MAX_DOCUMENT_OPS: usize = 1_000_000;

/// The most bytes the compressed columns of the documents in one sync message may inflate to.
pub const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;

/// automerge's chunk header: magic bytes, checksum, chunk type, then the length of the data.
const MAGIC_BYTES: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const HEADER_BYTES: usize = 9;
const CHUNK_TYPE_DOCUMENT: u8 = 0;
const CHUNK_TYPE_CHANGE: u8 = 1;
/// The bit of a column specification that says the column is deflated.
const COLUMN_DEFLATED: u64 = 0b1000;
/// The operation columns of a document chunk that say what each operation does and what type its value has
/// (automerge's `op_set2/columns.rs`: column id 4 as integers, column id 5 as value metadata), without the
/// deflate bit.
const ACTION_COLUMN: u64 = (4 << 4) | 2;
const VALUE_META_COLUMN: u64 = (5 << 4) | 6;

/// What [`check`] passed: the hash of every change the data carries, loose or inside a document, in the order they
/// came; and when the data was exactly one whole document (as automerge sends a document the other side lacks),
/// that document as the check loaded it, so a server that holds nothing of it can take it as it is instead of
/// loading it a second time.
#[derive(Debug, Default)]
pub struct Checked {
    pub hashes: Vec<ChangeHash>,
    pub document: Option<WholeDocument>,
}

/// A whole document a device sent, loaded and checked.
#[derive(Debug)]
pub struct WholeDocument {
    pub doc: Automerge,
    pub chunk: DocumentChunk,
}

/// A document chunk as a device sent it, with what a server records and bounds of its changes.
#[derive(Debug, Clone)]
pub struct DocumentChunk {
    /// The chunk's bytes: automerge loads them as it loads the changes they hold.
    pub bytes: Vec<u8>,
    /// Its changes' hashes and actors, in causal order.
    pub changes: Vec<(ChangeHash, ActorId)>,
    /// Its size with its columns inflated: what the bound on a document's bytes counts of it.
    pub inflated_bytes: usize,
}

/// Splits `chunks` (a sync message's change data) into changes and checks each; see the module documentation.
///
/// automerge 0.12 panics while reading some malformed changes that pass its checksum (an operation counter
/// beyond `u32`, an actor index out of range: both found by fuzzing), so the whole check runs under
/// `catch_unwind`, and such a change is refused like any that does not decode.
pub fn check<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<Checked, ValidationError> {
    let chunks: Vec<&[u8]> = chunks.into_iter().collect();
    std::panic::catch_unwind(|| check_unguarded(&chunks))
        .unwrap_or_else(|_| Err(refused(Problem::Malformed, "a change does not decode")))
}

fn check_unguarded(chunks: &[&[u8]]) -> Result<Checked, ValidationError> {
    let mut checked = Checked::default();
    // Only a message of one document and nothing else hands its document on, so only the first is kept.
    let mut first_document = None;
    let mut documents = 0;
    let mut loose_changes = 0;
    let mut inflate_budget = MAX_INFLATED_BYTES;
    for &data in chunks {
        let mut rest = data;
        while !rest.is_empty() {
            let (chunk_type, chunk, after) = split_chunk(rest)?;
            rest = after;
            if chunk_type == CHUNK_TYPE_DOCUMENT {
                let header = header_len(chunk);
                let columns = check_document_columns(&chunk[header..], inflate_budget)?;
                inflate_budget -= columns.inflated;
                let doc = load_document(chunk)?;
                let changes = check_document_changes(&doc)?;
                checked.hashes.extend(changes.iter().map(|(hash, _)| *hash));
                documents += 1;
                if documents == 1 {
                    first_document = Some(WholeDocument {
                        doc,
                        chunk: DocumentChunk {
                            bytes: chunk.to_vec(),
                            changes,
                            inflated_bytes: chunk.len() - columns.deflated_bytes + to_usize(columns.inflated),
                        },
                    });
                }
                continue;
            }
            let change = Change::try_from(chunk)
                .map_err(|_| refused(Problem::Malformed, "a change does not decode"))?;
            check_change(&change)?;
            checked.hashes.push(change.hash());
            loose_changes += 1;
        }
    }
    if documents == 1 && loose_changes == 0 {
        checked.document = first_document;
    }
    Ok(checked)
}

/// A saved document, loaded in a scratch document where a panic cannot reach anyone.
fn load_document(chunk: &[u8]) -> Result<Automerge, ValidationError> {
    match std::panic::catch_unwind(|| Automerge::load(chunk).ok()) {
        Ok(Some(doc)) => Ok(doc),
        Ok(None) => Err(refused(Problem::Malformed, "a document does not load")),
        Err(_) => Err(refused(Problem::Malformed, "a document could not be read")),
    }
}

/// The hash and actor of each change of a loaded document, each change within [`MAX_CHANGE_OPS`]: read from the
/// change metadata, without rebuilding the changes.
fn check_document_changes(doc: &Automerge) -> Result<Vec<(ChangeHash, ActorId)>, ValidationError> {
    doc.get_changes_meta(&[])
        .into_iter()
        .map(|change| {
            // A change's operations are numbered `start_op..=max_op`.
            if (change.max_op + 1).saturating_sub(change.start_op) > MAX_CHANGE_OPS as u64 {
                return Err(too_many_operations());
            }
            Ok((change.hash, change.actor.into_owned()))
        })
        .collect()
}

/// What [`check_document_columns`] found of a document's columns.
#[derive(Debug)]
struct DocumentColumns {
    /// The bytes its deflated columns take, and inflate to.
    deflated_bytes: usize,
    inflated: u64,
}

/// Checks a document chunk's `payload` before automerge reads it: its deflated columns inflate to at most `budget`
/// bytes in all, and its operations are of the kinds the case schema uses ([`allowed_action`],
/// [`allowed_value_type`]), read from the action and value metadata columns with automerge's own column decoder.
/// The layout is automerge's: actors, heads, the change and the operation column metadata (a count, then each
/// column's specification and length), then the columns' data in that order.
fn check_document_columns(payload: &[u8], budget: u64) -> Result<DocumentColumns, ValidationError> {
    use std::io::Read;
    let malformed = || refused(Problem::Malformed, "a document chunk is malformed");
    let mut at = 0;
    let number = |at: &mut usize| -> Result<u64, ValidationError> {
        let (value, used) = leb128(payload.get(*at..).unwrap_or_default()).ok_or_else(malformed)?;
        *at += used;
        Ok(value)
    };
    let skip = |at: &mut usize, bytes: u64| -> Result<(), ValidationError> {
        *at = usize::try_from(bytes)
            .ok()
            .and_then(|bytes| at.checked_add(bytes))
            .filter(|end| *end <= payload.len())
            .ok_or_else(malformed)?;
        Ok(())
    };
    for _ in 0..number(&mut at)? {
        let len = number(&mut at)?;
        skip(&mut at, len)?;
    }
    let heads = number(&mut at)?;
    skip(&mut at, heads.checked_mul(32).ok_or_else(malformed)?)?;
    // Change columns, then operation columns: (is an operation column, specification, length).
    let mut columns = Vec::new();
    for is_operation in [false, true] {
        for _ in 0..number(&mut at)? {
            let spec = number(&mut at)?;
            let len = number(&mut at)?;
            columns.push((is_operation, spec, len));
        }
    }
    let mut found = DocumentColumns {
        deflated_bytes: 0,
        inflated: 0,
    };
    for (is_operation, spec, len) in columns {
        let start = at;
        skip(&mut at, len)?;
        let stored = &payload[start..at];
        let kind = is_operation.then_some(spec & !COLUMN_DEFLATED);
        let checked = matches!(kind, Some(ACTION_COLUMN | VALUE_META_COLUMN));
        let data: Cow<[u8]> = if spec & COLUMN_DEFLATED == 0 {
            Cow::Borrowed(stored)
        } else {
            let left = budget - found.inflated;
            let mut reader = flate2::read::DeflateDecoder::new(stored).take(left.saturating_add(1));
            let mut buffer = Vec::new();
            let size = if checked {
                reader.read_to_end(&mut buffer).map_err(|_| malformed())? as u64
            } else {
                std::io::copy(&mut reader, &mut std::io::sink()).map_err(|_| malformed())?
            };
            if size > left {
                return Err(refused(
                    Problem::TooLarge,
                    &format!("compressed data inflates to more than {MAX_INFLATED_BYTES} bytes"),
                ));
            }
            found.deflated_bytes += stored.len();
            found.inflated += size;
            Cow::Owned(buffer)
        };
        match kind {
            Some(ACTION_COLUMN) => check_codes(&data, allowed_action)?,
            Some(VALUE_META_COLUMN) => check_codes(&data, allowed_value_type)?,
            _ => {}
        }
    }
    Ok(found)
}

/// Every value of an RLE column of unsigned integers (one per operation) passes `allowed`, and there are at most
/// [`MAX_DOCUMENT_OPS`]. Read a run at a time: a run of a billion equal values is one value to check.
fn check_codes(column: &[u8], allowed: fn(u64) -> bool) -> Result<(), ValidationError> {
    let column = hexane::Column::<u64>::load(column)
        .map_err(|_| refused(Problem::Malformed, "a document column is malformed"))?;
    if column.len() > MAX_DOCUMENT_OPS {
        return Err(refused(
            Problem::TooLarge,
            &format!("a document holds more than {MAX_DOCUMENT_OPS} operations"),
        ));
    }
    if column.iter().runs().all(|run| allowed(run.value)) {
        Ok(())
    } else {
        Err(not_in_schema())
    }
}

/// The operation kinds the case schema uses, by automerge's action numbers (`op_set2/types.rs`): make a map (0),
/// put (1), make a list (2), delete (3), make a text (4). Not increments (5), tables (6) or marks (7).
fn allowed_action(action: u64) -> bool {
    action <= 4
}

/// The value types the case schema uses, by the low four bits of automerge's value metadata (`op_set2/meta.rs`):
/// null (0), false (1), true (2), unsigned (3) and signed (4) integers, strings (6). Not floats (5), bytes (7),
/// counters (8), timestamps (9) or types automerge does not know.
fn allowed_value_type(meta: u64) -> bool {
    matches!(meta & 0b1111, 0..=4 | 6)
}

/// The operations of one change: the same kinds as in a document ([`allowed_action`], [`allowed_value_type`]), and
/// every delete names what it deletes.
pub fn check_change(change: &Change) -> Result<(), ValidationError> {
    if change.len() > MAX_CHANGE_OPS {
        return Err(too_many_operations());
    }
    for op in change.decode().operations {
        let (action, value_type) = match &op.action {
            OpType::Make(ObjType::Map) => (0, 0),
            OpType::Put(value) => (1, value_type(value)),
            OpType::Make(ObjType::List) => (2, 0),
            OpType::Delete if op.pred.is_empty() => {
                return Err(refused(Problem::Malformed, "a delete must name what it deletes"));
            }
            OpType::Delete => (3, 0),
            OpType::Make(ObjType::Text) => (4, 0),
            OpType::Increment(_) => (5, 0),
            OpType::Make(ObjType::Table) => (6, 0),
            OpType::MarkBegin(_) | OpType::MarkEnd(_) => (7, 0),
        };
        if !allowed_action(action) || !allowed_value_type(value_type) {
            return Err(not_in_schema());
        }
    }
    Ok(())
}

/// The type code automerge's value metadata gives `value` (`op_set2/meta.rs`).
fn value_type(value: &ScalarValue) -> u64 {
    match value {
        ScalarValue::Null => 0,
        ScalarValue::Boolean(false) => 1,
        ScalarValue::Boolean(true) => 2,
        ScalarValue::Uint(_) => 3,
        ScalarValue::Int(_) => 4,
        ScalarValue::F64(_) => 5,
        ScalarValue::Str(_) => 6,
        ScalarValue::Bytes(_) => 7,
        ScalarValue::Counter(_) => 8,
        ScalarValue::Timestamp(_) => 9,
        ScalarValue::Unknown { type_code, .. } => u64::from(*type_code),
    }
}

fn too_many_operations() -> ValidationError {
    refused(
        Problem::TooLarge,
        &format!("a change holds more than {MAX_CHANGE_OPS} operations"),
    )
}

fn not_in_schema() -> ValidationError {
    refused(
        Problem::UnknownField,
        "an operation the case schema does not use (counters, marks, tables or such values)",
    )
}

fn to_usize(bytes: u64) -> usize {
    usize::try_from(bytes).unwrap_or(usize::MAX)
}

/// A document that would hold `stored_bytes + added_bytes` of changes must stay within [`MAX_DOCUMENT_BYTES`].
pub fn check_document_size(stored_bytes: usize, added_bytes: usize) -> Result<(), ValidationError> {
    if stored_bytes.saturating_add(added_bytes) > MAX_DOCUMENT_BYTES {
        return Err(refused(
            Problem::TooLarge,
            &format!("a case document holds at most {MAX_DOCUMENT_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// The type of the first chunk of `data`, the chunk, and what follows it. Only change and document chunks are
/// accepted.
fn split_chunk(data: &[u8]) -> Result<(u8, &[u8], &[u8]), ValidationError> {
    let malformed = || refused(Problem::Malformed, "the change data is not a sequence of changes");
    if data.len() < HEADER_BYTES || data[..4] != MAGIC_BYTES {
        return Err(malformed());
    }
    let chunk_type = data[8];
    if chunk_type != CHUNK_TYPE_CHANGE && chunk_type != CHUNK_TYPE_DOCUMENT {
        return Err(refused(
            Problem::Malformed,
            "a device sends changes or documents, not compressed changes or bundles",
        ));
    }
    let (length, length_bytes) = leb128(&data[HEADER_BYTES..]).ok_or_else(malformed)?;
    let end = usize::try_from(length)
        .ok()
        .and_then(|length| length.checked_add(HEADER_BYTES + length_bytes))
        .filter(|end| *end <= data.len())
        .ok_or_else(malformed)?;
    let (chunk, rest) = data.split_at(end);
    Ok((chunk_type, chunk, rest))
}

/// The length of a chunk's header: the fixed part and the length of the data.
fn header_len(chunk: &[u8]) -> usize {
    HEADER_BYTES + leb128(&chunk[HEADER_BYTES..]).map_or(0, |(_, used)| used)
}

/// An unsigned LEB128 number and how many bytes it took; `None` when it does not fit a u64 or runs off the end.
fn leb128(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        let bits = u64::from(byte & 0x7f);
        value |= bits.checked_shl(7 * i as u32)?;
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

fn refused(problem: Problem, message: &str) -> ValidationError {
    ValidationError::new("changes", problem, message)
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, Automerge, ExpandedChange, ROOT};

    use super::*;

    /// A run-length encoded column of `count` copies of `value`: the count as signed LEB128, then the value.
    fn repeated(count: u64, value: u8) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut rest = count;
        loop {
            let byte = (rest & 0x7f) as u8;
            rest >>= 7;
            // Signed LEB128: stop once the rest is zero and the sign bit of this byte is clear.
            if rest == 0 && byte & 0x40 == 0 {
                bytes.push(byte);
                break;
            }
            bytes.push(byte | 0x80);
        }
        bytes.push(value);
        bytes
    }

    #[test]
    fn a_column_is_checked_a_run_at_a_time_and_bounded_in_operations() {
        let mut column = repeated(3, 1);
        column.extend(repeated(2, 4));
        assert!(check_codes(&column, allowed_action).is_ok());
        column.extend(repeated(1, 5));
        assert!(check_codes(&column, allowed_action).is_err(), "an increment");
        // A few bytes that claim a trillion operations: refused at once, not read one by one.
        let huge = repeated(1 << 40, 1);
        let refusal = check_codes(&huge, allowed_action).expect_err("too many operations");
        assert_eq!(refusal.problem, Problem::TooLarge);
        // Read a run at a time, the most operations a document may hold are one value to check.
        assert!(check_codes(&repeated(MAX_DOCUMENT_OPS as u64, 1), allowed_action).is_ok());
    }

    fn doc_with(f: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) -> Automerge {
        let mut doc = Automerge::new().with_actor(ActorId::from([1; 16].as_slice()));
        let mut tx = doc.transaction();
        f(&mut tx);
        tx.commit();
        doc
    }

    fn bytes_of(doc: &Automerge) -> Vec<u8> {
        doc.get_changes(&[])
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect()
    }

    #[test]
    fn what_automerge_writes_for_a_case_passes() {
        let doc = doc_with(|tx| {
            tx.put(ROOT, "tenant", "t").expect("put");
            let notes = tx.put_object(ROOT, "notes", ObjType::Text).expect("put");
            tx.splice_text(&notes, 0, 0, "Synthetic note").expect("splice");
            tx.delete(ROOT, "tenant").expect("delete");
        });
        let bytes = bytes_of(&doc);
        let checked = check([bytes.as_slice()]).expect("valid");
        assert_eq!(checked.hashes, doc.get_heads());
        assert!(checked.document.is_none(), "a change is no whole document");
        // The same as a saved document.
        let checked = check([doc.save().as_slice()]).expect("valid");
        assert_eq!(checked.hashes, doc.get_heads());
    }

    /// Every operation kind and value type the schema does not use is refused, as a change and inside a saved
    /// document (read from its columns), also where a later change hides it.
    #[test]
    fn a_counter_a_float_a_table_or_a_mark_is_refused_in_changes_and_documents() {
        let hidden = |value: ScalarValue| {
            doc_with(move |tx| {
                tx.put(ROOT, "n", value).expect("put");
                tx.put(ROOT, "n", "overwritten").expect("put");
            })
        };
        let mark = doc_with(|tx| {
            let text = tx.put_object(ROOT, "t", ObjType::Text).expect("put");
            tx.splice_text(&text, 0, 0, "Synthetic").expect("splice");
            let bold = automerge::marks::Mark::new("bold".into(), true, 0, 4);
            tx.mark(&text, bold, automerge::marks::ExpandMark::None)
                .expect("mark");
        });
        for (what, doc) in [
            (
                "a counter",
                doc_with(|tx| tx.put(ROOT, "n", ScalarValue::counter(1)).expect("put")),
            ),
            ("a float", doc_with(|tx| tx.put(ROOT, "n", 1.5_f64).expect("put"))),
            (
                "bytes",
                doc_with(|tx| tx.put(ROOT, "n", vec![1_u8, 2]).expect("put")),
            ),
            (
                "a timestamp",
                doc_with(|tx| tx.put(ROOT, "n", ScalarValue::Timestamp(1)).expect("put")),
            ),
            (
                "a table",
                doc_with(|tx| {
                    tx.put_object(ROOT, "t", ObjType::Table).expect("put");
                }),
            ),
            ("a hidden float", hidden(ScalarValue::F64(1.5))),
            // Enough values of varied sizes that automerge deflates the value metadata column of the document.
            (
                "a float among many values",
                doc_with(|tx| {
                    for n in 0..2_000_usize {
                        tx.put(ROOT, format!("k{n}"), "x".repeat(n % 97)).expect("put");
                    }
                    tx.put(ROOT, "n", 1.5_f64).expect("put");
                }),
            ),
            ("a hidden counter", hidden(ScalarValue::counter(1))),
            ("a mark", mark),
        ] {
            for (form, bytes) in [("change", bytes_of(&doc)), ("document", doc.save())] {
                let error = check([bytes.as_slice()]).expect_err(&format!("{what} as a {form}"));
                assert_eq!(error.problem, Problem::UnknownField, "{what} as a {form}");
            }
        }
    }

    /// The 0.12 bug: a delete of key `a` with an empty predecessor list is applied, and rebuilding the change then
    /// panics with MissingOps. This is the minimal reproduction written down for automerge.
    #[test]
    fn a_delete_without_a_predecessor_is_refused() {
        let base = doc_with(|tx| tx.put(ROOT, "a", 1_i64).expect("put"));
        let json = serde_json::json!({
            "ops": [{"action": "del", "obj": "_root", "key": "a", "pred": []}],
            "actor": "02020202020202020202020202020202",
            "seq": 1, "startOp": 2, "time": 0, "message": null,
            "deps": [base.get_heads()[0].to_string()],
        });
        let change = Change::from(serde_json::from_value::<ExpandedChange>(json).expect("a change"));
        let error = check([change.raw_bytes()]).expect_err("refused");
        assert_eq!(
            (error.problem, error.message.as_str()),
            (Problem::Malformed, "a delete must name what it deletes")
        );
    }

    #[test]
    fn a_saved_document_passes_with_its_changes_checked() {
        let doc = doc_with(|tx| tx.put(ROOT, "a", "x".repeat(1_000)).expect("put"));
        let saved = doc.save();
        let checked = check([saved.as_slice()]).expect("a document");
        assert_eq!(checked.hashes, doc.get_heads());
        let whole = checked.document.expect("one whole document is handed on");
        assert_eq!(whole.doc.get_heads(), doc.get_heads());
        assert_eq!(
            whole.chunk.changes,
            [(doc.get_heads()[0], ActorId::from([1; 16].as_slice()))]
        );
        assert_eq!(whole.chunk.bytes, saved);
        assert!(
            whole.chunk.inflated_bytes > saved.len(),
            "a thousand x's deflate: {} bytes inflated, {} stored",
            whole.chunk.inflated_bytes,
            saved.len()
        );
        // A document with a change beside it is not one whole document.
        let mut both = doc.save();
        both.extend_from_slice(bytes_of(&doc_with(|tx| tx.put(ROOT, "b", 1_i64).expect("put"))).as_slice());
        let checked = check([both.as_slice()]).expect("a document and a change");
        assert_eq!((checked.hashes.len(), checked.document.is_none()), (2, true));
        let counter = doc_with(|tx| tx.put(ROOT, "n", ScalarValue::counter(1)).expect("put"));
        assert_eq!(
            check([counter.save().as_slice()]).expect_err("a counter").problem,
            Problem::UnknownField
        );
    }

    #[test]
    fn a_document_that_inflates_without_bound_is_refused() {
        // A long run of one character compresses about a thousandfold.
        let doc = doc_with(|tx| {
            let text = tx.put_object(ROOT, "t", ObjType::Text).expect("put");
            tx.splice_text(&text, 0, 0, &"x".repeat(40_000)).expect("splice");
        });
        let saved = doc.save();
        let payload = &saved[header_len(&saved)..];
        assert!(check_document_columns(payload, MAX_INFLATED_BYTES).is_ok());
        assert_eq!(
            check_document_columns(payload, 1_000).expect_err("over").problem,
            Problem::TooLarge
        );
    }

    #[test]
    fn compressed_changes_and_garbage_are_refused() {
        let doc = doc_with(|tx| tx.put(ROOT, "a", "x".repeat(1_000)).expect("put"));
        let mut change = doc.get_changes(&[]).remove(0);
        let compressed = change.bytes().to_vec();
        assert!(check([compressed.as_slice()]).is_err(), "a compressed change");
        assert!(check([[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 0xff].as_slice()]).is_err());
        assert!(check([b"not a change".as_slice()]).is_err());
    }

    #[test]
    fn a_change_of_too_many_operations_is_refused() {
        // One splice writes an operation per character.
        let doc = doc_with(|tx| {
            let text = tx.put_object(ROOT, "t", ObjType::Text).expect("put");
            tx.splice_text(&text, 0, 0, &"x".repeat(MAX_CHANGE_OPS))
                .expect("splice");
        });
        for bytes in [bytes_of(&doc), doc.save()] {
            assert_eq!(
                check([bytes.as_slice()]).expect_err("big").problem,
                Problem::TooLarge
            );
        }
    }

    #[test]
    fn the_document_size_is_bounded() {
        assert!(check_document_size(MAX_DOCUMENT_BYTES - 10, 10).is_ok());
        assert_eq!(
            check_document_size(MAX_DOCUMENT_BYTES, 1)
                .expect_err("too big")
                .problem,
            Problem::TooLarge
        );
    }
}
