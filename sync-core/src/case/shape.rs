//! The case document's shape: the keys and value types schema version 1 defines, checked on the raw automerge
//! document before anything else reads it.
//!
//! A device is untrusted input. autosurgeon ignores keys it does not know, so without this check a change could
//! hide data under a key (`probe_hidden`) that the typed case, the projections and the art. 15 export never see,
//! or nest maps hundreds deep under it. [`check`] refuses every key the schema does not define, every value of the
//! wrong type, and every string, text, map or list over its bound.
//!
//! The walk keeps its own stack, so no document can exhaust the thread's. Its depth is bounded by the shape
//! itself (the deepest path, `contacts.<id>.ors.entry.items.items.<n>`, is seven levels), because a value that
//! is not what the shape expects is refused without looking inside it. Every concurrent value of a key is
//! checked, not only the one automerge shows: a conflict's other values are shown to a person as well.

use automerge::{Automerge, ObjId, ObjType, Prop, ROOT, ReadDoc, ScalarValue, Value};

use crate::validation::{Problem, ValidationError};

use super::reader::{Entry, ObjectReader};
use super::validate::{MAX_LINE_CHARS, MAX_TEXT_CHARS};

/// The most entries of any map keyed by id (contacts, goals, courses, …): years of weekly visits fit easily.
pub const MAX_MAP_ENTRIES: usize = 10_000;
/// The most items of any list (the workers at a contact, the goals worked on).
pub const MAX_LIST_ITEMS: usize = 1_000;
/// The longest id used as a map key, in bytes (a UUID is 36).
pub const MAX_KEY_BYTES: usize = 64;
/// A single-line string, in UTF-8 bytes: four bytes for each allowed character. [`super::validate`] then counts
/// the characters themselves.
const LINE_BYTES: usize = MAX_LINE_CHARS * 4;
/// A free text, in UTF-8 bytes (automerge counts text in bytes here, see the workspace's `utf8-indexing`).
const TEXT_BYTES: usize = MAX_TEXT_CHARS * 4;

/// What automerge's `text` shows for an item of a text that is no character.
const OBJECT_REPLACEMENT: char = '\u{fffc}';

/// What one value must be.
#[derive(Debug)]
pub enum Shape {
    /// A scalar string of at most this many bytes.
    Str(usize),
    /// A signed or unsigned integer that fits an `i64`.
    Int,
    Bool,
    /// An automerge Text of at most this many bytes.
    Text(usize),
    /// Null, or the inner shape (autosurgeon writes `None` as null).
    Nullable(&'static Shape),
    /// A map with exactly these fields.
    Record(&'static [Field]),
    /// An enum as autosurgeon writes it: one of the unit variants as a string, or a map holding exactly one of
    /// the struct variants.
    Tagged {
        units: &'static [&'static str],
        variants: &'static [Field],
    },
    /// A map from ids to values of one shape.
    MapOf(&'static Shape),
    /// A list of values of one shape.
    ListOf(&'static Shape),
}

/// One key of a [`Shape::Record`].
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
    /// Fields added after the first documents were written may be absent (they read as `None`).
    pub required: bool,
}

const fn field(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
    }
}

/// A field newer than the first documents: absent reads as `None`.
const fn added(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
    }
}

const LINE: Shape = Shape::Str(LINE_BYTES);
const LONG: Shape = Shape::Str(TEXT_BYTES);
const OPT_LINE: Shape = Shape::Nullable(&LINE);
const OPT_INT: Shape = Shape::Nullable(&Shape::Int);

/// Who marked an entry as made in error, when and why (see [`super::model::ErrorMark`]).
const ERROR_MARK: Shape = Shape::Nullable(&Shape::Record(&[
    field("by", LINE),
    field("at_ms", Shape::Int),
    field("reason", LINE),
]));

const ENTRY: Shape = Shape::Tagged {
    units: &["skipped"],
    variants: &[
        field(
            "items",
            Shape::Record(&[field("items", Shape::ListOf(&Shape::Int))]),
        ),
        field("paper_total", Shape::Record(&[field("total_mm", Shape::Int)])),
    ],
};

const RATING: Shape = Shape::Nullable(&Shape::Record(&[
    field("instrument", LINE),
    field("entry", ENTRY),
    field("rater", LINE),
]));

const GOAL: Shape = Shape::Record(&[
    field("title", LINE),
    field("level", LINE),
    field("parent", OPT_LINE),
    field("goal_type", LINE),
    field("status", LINE),
    field("target_date", OPT_LINE),
    field("created_ms", Shape::Int),
    added("entered_in_error", ERROR_MARK),
]);

const COURSE: Shape = Shape::Record(&[
    field("service", LINE),
    field("legal_basis", LINE),
    field("start", LINE),
    field("planned_end", OPT_LINE),
    field("end", OPT_LINE),
    field("end_reason", OPT_LINE),
    field("granted_minutes_per_week", Shape::Int),
    added("granted_sessions", OPT_INT),
    field(
        "approval",
        Shape::Record(&[
            field("state", LINE),
            field("by", OPT_LINE),
            field("at_ms", OPT_INT),
        ]),
    ),
    added(
        "extensions",
        Shape::ListOf(&Shape::Record(&[
            field("from", OPT_LINE),
            field("to", LINE),
            field("reason", LINE),
            field("by", LINE),
            field("at_ms", Shape::Int),
        ])),
    ),
    added("entered_in_error", ERROR_MARK),
]);

const CONTACT: Shape = Shape::Record(&[
    field("kind", LINE),
    field("start_ms", Shape::Int),
    field("duration_minutes", Shape::Int),
    field("course", OPT_LINE),
    field("workers", Shape::ListOf(&LINE)),
    field("notes", Shape::Text(TEXT_BYTES)),
    field("goals", Shape::ListOf(&LINE)),
    field("ors", RATING),
    field("srs", RATING),
    field("recorded_by", LINE),
    added("entered_in_error", ERROR_MARK),
]);

const FOLLOW_UP: Shape = Shape::Record(&[
    field("due", LINE),
    field("purpose", LONG),
    added("with", Shape::ListOf(&LINE)),
    field("done", Shape::Bool),
    added("done_note", LONG),
    added("entered_in_error", ERROR_MARK),
]);

const OUTCOME: Shape = Shape::Record(&[
    field("kind", LINE),
    field("date", LINE),
    field("note", LONG),
    added("entered_in_error", ERROR_MARK),
]);

const COORDINATION: Shape = Shape::Record(&[
    field("date", LINE),
    field("parties", Shape::ListOf(&LINE)),
    field("participants", LINE),
    field("agreements", LONG),
    field("recorded_by", LINE),
    added("entered_in_error", ERROR_MARK),
]);

/// The whole case document, schema version 1: [`super::model::Case`] as autosurgeon writes it.
pub const CASE: Shape = Shape::Record(&[
    field("schema", Shape::Int),
    field("tenant", LINE),
    field("team", LINE),
    field(
        "citizen",
        Shape::Record(&[
            field("display_name", LINE),
            field("reference", LINE),
            field("birth_year", OPT_INT),
        ]),
    ),
    field("tovholder", OPT_LINE),
    field("workers", Shape::MapOf(&LINE)),
    field(
        "plan",
        Shape::Record(&[
            field("purpose", LONG),
            field("own_goal", Shape::Text(TEXT_BYTES)),
            field("goals", Shape::MapOf(&GOAL)),
            added("goal_order", Shape::MapOf(&Shape::Int)),
        ]),
    ),
    field("courses", Shape::MapOf(&COURSE)),
    field("contacts", Shape::MapOf(&CONTACT)),
    field("follow_ups", Shape::MapOf(&FOLLOW_UP)),
    field("outcomes", Shape::MapOf(&OUTCOME)),
    added("coordination", Shape::MapOf(&COORDINATION)),
]);

/// Checks that `doc` has exactly the shape of a case document; the first problem found is returned, naming the
/// path (never a value: the message may reach a log).
pub fn check(doc: &Automerge) -> Result<(), ValidationError> {
    check_read(&ObjectReader::new(doc), &CASE)
}

/// Checks `doc` against any root shape (the tests use small ones).
pub fn check_shape(doc: &Automerge, root: &'static Shape) -> Result<(), ValidationError> {
    check_read(&ObjectReader::new(doc), root)
}

/// Checks the document `reader` reads against `root`, reading each object once (see [`super::reader`]); the
/// caller then reads the case through the same reader.
pub fn check_read(reader: &ObjectReader<'_>, root: &'static Shape) -> Result<(), ValidationError> {
    // Each entry is an object still to look inside: its id, what it must hold, and its path. Only objects whose
    // type matched their shape are pushed (`check_value`), so a record's object is a map and a list's a list.
    let mut pending: Vec<(ObjId, &'static Shape, String)> = vec![(ROOT, root, String::new())];
    while let Some((obj, shape, path)) = pending.pop() {
        match shape {
            Shape::Record(fields) => {
                check_record(reader, &obj, fields, &path, &mut pending)?;
            }
            Shape::Tagged { variants, .. } => {
                let object = reader.object(&obj);
                let [(key, entry)] = object.entries() else {
                    return Err(wrong(&path, "must hold exactly one variant"));
                };
                let variant = variants
                    .iter()
                    .find(|variant| variant.name == key)
                    .ok_or_else(|| unknown_field(&join(&path, key)))?;
                let child = join(&path, key);
                let prop = || Prop::Map(key.clone());
                check_entry(reader, &obj, prop, entry, &variant.shape, &child, &mut pending)?;
            }
            // Read before counting (a count is a seek of its own): the document's size is bounded before its
            // shape is checked (`changes::check_document_size`), and so is what one object can hold.
            Shape::MapOf(value) => {
                let object = reader.object(&obj);
                if object.entries().len() > MAX_MAP_ENTRIES {
                    return Err(too_large(&path, &format!("more than {MAX_MAP_ENTRIES} entries")));
                }
                for (key, entry) in object.entries() {
                    if !is_id(key) {
                        return Err(wrong(&path, "holds a key that is not an id"));
                    }
                    let child = join(&path, key);
                    check_entry(
                        reader,
                        &obj,
                        || Prop::Map(key.clone()),
                        entry,
                        value,
                        &child,
                        &mut pending,
                    )?;
                }
            }
            Shape::ListOf(item) => {
                let object = reader.object(&obj);
                if object.items().len() > MAX_LIST_ITEMS {
                    return Err(too_large(&path, &format!("more than {MAX_LIST_ITEMS} items")));
                }
                for (index, entry) in object.items().iter().enumerate() {
                    let child = format!("{path}[{index}]");
                    check_entry(
                        reader,
                        &obj,
                        || Prop::Seq(index),
                        entry,
                        item,
                        &child,
                        &mut pending,
                    )?;
                }
            }
            // Scalars and texts are checked where they are found, in `check_value`.
            Shape::Str(_) | Shape::Int | Shape::Bool | Shape::Text(_) | Shape::Nullable(_) => {}
        }
    }
    Ok(())
}

fn check_record(
    reader: &ObjectReader<'_>,
    obj: &ObjId,
    fields: &'static [Field],
    path: &str,
    pending: &mut Vec<(ObjId, &'static Shape, String)>,
) -> Result<(), ValidationError> {
    let object = reader.object(obj);
    // Every key is known before any value is looked at, so an unknown key is what is reported first.
    let mut found: Vec<Option<&Entry>> = vec![None; fields.len()];
    for (key, entry) in object.entries() {
        let Some(at) = fields.iter().position(|field| field.name == key) else {
            return Err(unknown_field(&join(path, key)));
        };
        found[at] = Some(entry);
    }
    for (field, entry) in fields.iter().zip(found) {
        let child = join(path, field.name);
        let Some(entry) = entry else {
            if field.required {
                return Err(ValidationError::new(child, Problem::Missing, "is missing"));
            }
            continue;
        };
        let prop = || Prop::Map(field.name.to_owned());
        check_entry(reader, obj, prop, entry, &field.shape, &child, pending)?;
    }
    Ok(())
}

/// Checks one key of an object as [`ObjectReader`] read it: its one value, or every concurrent one if it has
/// several (`prop` names the key for reading them all).
fn check_entry(
    reader: &ObjectReader<'_>,
    obj: &ObjId,
    prop: impl FnOnce() -> Prop,
    entry: &Entry,
    shape: &'static Shape,
    path: &str,
    pending: &mut Vec<(ObjId, &'static Shape, String)>,
) -> Result<(), ValidationError> {
    if entry.conflict {
        return each_value(reader, obj, prop(), shape, path, pending);
    }
    check_value(reader, &entry.value, || entry.id.clone(), shape, path, pending)
}

/// Checks every concurrent value at `prop` of `obj`.
fn each_value(
    reader: &ObjectReader<'_>,
    obj: &ObjId,
    prop: Prop,
    shape: &'static Shape,
    path: &str,
    pending: &mut Vec<(ObjId, &'static Shape, String)>,
) -> Result<(), ValidationError> {
    let values = reader
        .doc()
        .get_all(obj, prop)
        .map_err(|_| wrong(path, "cannot be read"))?;
    for (value, id) in values {
        check_value(reader, &value, || id, shape, path, pending)?;
    }
    Ok(())
}

/// Checks one value; `id` names it when it is an object (asked only then: making the id costs a lookup).
fn check_value(
    reader: &ObjectReader<'_>,
    value: &Value<'_>,
    id: impl FnOnce() -> ObjId,
    shape: &'static Shape,
    path: &str,
    pending: &mut Vec<(ObjId, &'static Shape, String)>,
) -> Result<(), ValidationError> {
    match (shape, value) {
        (Shape::Nullable(_), Value::Scalar(s)) if matches!(s.as_ref(), ScalarValue::Null) => Ok(()),
        (Shape::Nullable(inner), _) => check_value(reader, value, id, inner, path, pending),
        (Shape::Str(max), Value::Scalar(s)) => match s.as_ref() {
            ScalarValue::Str(text) if text.len() <= *max => Ok(()),
            ScalarValue::Str(_) => Err(too_long(path, *max)),
            _ => Err(wrong(path, "must be a string")),
        },
        (Shape::Tagged { units, .. }, Value::Scalar(s)) => match s.as_ref() {
            ScalarValue::Str(text) if units.contains(&text.as_str()) => Ok(()),
            _ => Err(wrong(path, "is not a known variant")),
        },
        (Shape::Int, Value::Scalar(s)) => match s.as_ref() {
            ScalarValue::Int(_) => Ok(()),
            ScalarValue::Uint(u) if i64::try_from(*u).is_ok() => Ok(()),
            _ => Err(wrong(path, "must be an integer")),
        },
        (Shape::Bool, Value::Scalar(s)) => match s.as_ref() {
            ScalarValue::Boolean(_) => Ok(()),
            _ => Err(wrong(path, "must be true or false")),
        },
        (Shape::Text(max), Value::Object(ObjType::Text)) => {
            let id = id();
            // Read whole (the document's size is bounded before its shape is checked) and kept for autosurgeon.
            let text = reader.text(&id).map_err(|_| wrong(path, "cannot be read"))?;
            if text.len() > *max {
                return Err(too_long(path, *max));
            }
            // Text may hold block markers (maps inside the text); the schema has none. automerge shows anything
            // that is no character as U+FFFC, which a person may also have pasted, so only a text showing one has
            // its items looked at one by one (`spans` would hydrate a block, recursively, before it could be
            // refused). Walking every character of every note was a tenth of the check.
            if text.contains(OBJECT_REPLACEMENT)
                && reader
                    .doc()
                    .list_range(&id, ..)
                    .any(|item| !matches!(item.value, automerge::ValueRef::Scalar(_)))
            {
                return Err(wrong(path, "must be plain text"));
            }
            Ok(())
        }
        (Shape::Record(_) | Shape::Tagged { .. } | Shape::MapOf(_), Value::Object(ObjType::Map))
        | (Shape::ListOf(_), Value::Object(ObjType::List)) => {
            pending.push((id(), shape, path.to_owned()));
            Ok(())
        }
        _ => Err(wrong(path, "has the wrong type")),
    }
}

/// Ids used as map keys: UUIDs and the server's user ids, `[A-Za-z0-9_-]`, at most [`MAX_KEY_BYTES`].
fn is_id(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_BYTES
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn unknown_field(path: &str) -> ValidationError {
    ValidationError::new(path, Problem::UnknownField, "is not part of the case schema")
}

fn wrong(path: &str, message: &str) -> ValidationError {
    ValidationError::new(path, Problem::Malformed, message)
}

fn too_long(path: &str, max_bytes: usize) -> ValidationError {
    ValidationError::new(path, Problem::TooLong, format!("longer than {max_bytes} bytes"))
}

fn too_large(path: &str, message: &str) -> ValidationError {
    ValidationError::new(path, Problem::TooLarge, message)
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ObjType};

    use super::*;
    use crate::case::{Case, CaseDocument, Citizen};

    fn case_doc() -> Automerge {
        let citizen = Citizen {
            display_name: "Synthetic".into(),
            reference: "ref".into(),
            birth_year: Some(1980),
        };
        CaseDocument::create(
            ActorId::from([1; 16].as_slice()),
            &Case::new("t", "team", citizen),
            1,
        )
        .expect("a valid case")
        .into_automerge()
    }

    fn edit(doc: &mut Automerge, f: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) {
        let mut tx = doc.transaction();
        f(&mut tx);
        tx.commit();
    }

    #[test]
    fn a_case_the_model_writes_has_the_shape() {
        assert_eq!(check(&case_doc()), Ok(()));
    }

    #[test]
    fn a_key_the_schema_does_not_define_is_refused_by_its_path() {
        let mut doc = case_doc();
        edit(&mut doc, |tx| tx.put(ROOT, "probe_hidden", "x").expect("put"));
        let error = check(&doc).expect_err("unknown key");
        assert_eq!(
            (error.field.as_str(), error.problem),
            ("probe_hidden", Problem::UnknownField)
        );
    }

    #[test]
    fn nesting_hundreds_deep_is_refused_without_recursion() {
        let mut doc = case_doc();
        edit(&mut doc, |tx| {
            let mut obj = tx.put_object(ROOT, "deep", ObjType::Map).expect("put");
            for _ in 0..10_000 {
                obj = tx.put_object(&obj, "d", ObjType::Map).expect("put");
            }
        });
        assert_eq!(check(&doc).expect_err("deep").problem, Problem::UnknownField);
        // Under a known key the first level of the wrong type stops the walk.
        let mut doc = case_doc();
        edit(&mut doc, |tx| {
            let citizen = tx.get(ROOT, "citizen").expect("get").expect("citizen").1;
            let mut obj = tx
                .put_object(&citizen, "display_name", ObjType::Map)
                .expect("put");
            for _ in 0..10_000 {
                obj = tx.put_object(&obj, "d", ObjType::Map).expect("put");
            }
        });
        let error = check(&doc).expect_err("wrong type");
        assert_eq!(
            (error.field.as_str(), error.problem),
            ("citizen.display_name", Problem::Malformed)
        );
    }

    #[test]
    fn a_losing_concurrent_value_is_checked_too() {
        let base = case_doc();
        let mut left = base.fork().with_actor(ActorId::from([2; 16].as_slice()));
        let mut right = base.fork().with_actor(ActorId::from([3; 16].as_slice()));
        edit(&mut left, |tx| tx.put(ROOT, "team", "team-b").expect("put"));
        edit(&mut right, |tx| tx.put(ROOT, "team", 7_i64).expect("put"));
        left.merge(&mut right).expect("merge");
        assert_eq!(check(&left).expect_err("a number as team").field, "team");
    }

    /// Writes contact `c1` with every field but `ors`, and with an empty `workers` list; returns its id.
    fn put_contact(tx: &mut automerge::transaction::Transaction<'_>) -> ObjId {
        let contacts = tx.get(ROOT, "contacts").expect("get").expect("contacts").1;
        let contact = tx.put_object(&contacts, "c1", ObjType::Map).expect("put");
        for (key, value) in [("kind", "home_visit"), ("recorded_by", "w")] {
            tx.put(&contact, key, value).expect("put");
        }
        for key in ["start_ms", "duration_minutes"] {
            tx.put(&contact, key, 1_i64).expect("put");
        }
        for key in ["course", "srs"] {
            tx.put(&contact, key, ScalarValue::Null).expect("put");
        }
        for key in ["workers", "goals"] {
            tx.put_object(&contact, key, ObjType::List).expect("put");
        }
        tx.put_object(&contact, "notes", ObjType::Text).expect("put");
        contact
    }

    #[test]
    fn a_losing_concurrent_list_item_is_checked_too() {
        let mut base = case_doc();
        // A contact with one worker, so its `workers` list has an item two devices can set concurrently.
        let mut workers = ROOT;
        edit(&mut base, |tx| {
            let contact = put_contact(tx);
            tx.put(&contact, "ors", ScalarValue::Null).expect("put");
            workers = tx.get(&contact, "workers").expect("get").expect("workers").1;
            tx.insert(&workers, 0, "w").expect("insert");
        });
        assert_eq!(check(&base), Ok(()));
        let mut left = base.fork().with_actor(ActorId::from([2; 16].as_slice()));
        let mut right = base.fork().with_actor(ActorId::from([3; 16].as_slice()));
        edit(&mut left, |tx| tx.put(&workers, 0, "w2").expect("put"));
        edit(&mut right, |tx| tx.put(&workers, 0, 7_i64).expect("put"));
        left.merge(&mut right).expect("merge");
        assert_eq!(
            check(&left).expect_err("a number as a worker").field,
            "contacts.c1.workers[0]"
        );
    }

    #[test]
    fn oversized_strings_and_maps_are_refused() {
        let mut doc = case_doc();
        edit(&mut doc, |tx| {
            tx.put(ROOT, "tenant", "x".repeat(LINE_BYTES + 1)).expect("put")
        });
        assert_eq!(check(&doc).expect_err("long").problem, Problem::TooLong);
        let mut doc = case_doc();
        edit(&mut doc, |tx| {
            let workers = tx.get(ROOT, "workers").expect("get").expect("workers").1;
            tx.put(&workers, "not an id!", "Anna").expect("put");
        });
        assert_eq!(check(&doc).expect_err("bad key").field, "workers");
    }

    /// A text holds characters only: a typed U+FFFC (which automerge also shows for anything else in a text) is
    /// a character, a map inside the text is refused, and so is a text over its bound.
    #[test]
    fn a_text_holds_characters_only() {
        let own_goal = |doc: &Automerge| {
            let plan = doc.get(ROOT, "plan").expect("get").expect("plan").1;
            doc.get(&plan, "own_goal").expect("get").expect("own_goal").1
        };
        let mut doc = case_doc();
        let text = own_goal(&doc);
        edit(&mut doc, |tx| {
            tx.splice_text(&text, 0, 0, "Pasted \u{fffc} image")
                .expect("splice")
        });
        assert_eq!(check(&doc), Ok(()));
        edit(&mut doc, |tx| {
            tx.insert_object(&text, 3, ObjType::Map).expect("a block");
        });
        let error = check(&doc).expect_err("a map in a text");
        assert_eq!(
            (error.field.as_str(), error.problem),
            ("plan.own_goal", Problem::Malformed)
        );
        let mut doc = case_doc();
        let text = own_goal(&doc);
        edit(&mut doc, |tx| {
            tx.splice_text(&text, 0, 0, &"x".repeat(TEXT_BYTES + 1))
                .expect("splice")
        });
        assert_eq!(check(&doc).expect_err("long").problem, Problem::TooLong);
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let mut doc = case_doc();
        edit(&mut doc, |tx| tx.delete(ROOT, "outcomes").expect("delete"));
        let error = check(&doc).expect_err("missing");
        assert_eq!(
            (error.field.as_str(), error.problem),
            ("outcomes", Problem::Missing)
        );
    }

    #[test]
    fn an_enum_holds_one_known_variant() {
        let mut doc = case_doc();
        edit(&mut doc, |tx| {
            let contact = put_contact(tx);
            let ors = tx.put_object(&contact, "ors", ObjType::Map).expect("put");
            tx.put(&ors, "instrument", "ors").expect("put");
            tx.put(&ors, "rater", "citizen").expect("put");
            let entry = tx.put_object(&ors, "entry", ObjType::Map).expect("put");
            tx.put(&entry, "bogus", 1_i64).expect("put");
        });
        assert_eq!(
            check(&doc).expect_err("unknown variant").field,
            "contacts.c1.ors.entry.bogus"
        );
    }
}
