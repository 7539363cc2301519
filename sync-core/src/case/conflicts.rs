//! Concurrent values of one field: found, shown with their authors, and resolved by a person.
//!
//! When two devices set the same single-valued field offline, automerge keeps both values and every replica
//! shows the same winner. Tovholder never lets that choice pass silently: [`list`] walks the document (with its own
//! stack and a depth bound, so no document can exhaust the thread's) and reports every field holding more than one
//! distinct value, with each value and the actor (device) that wrote it, and
//! [`resolve`] writes the value a person chose as a normal change that supersedes all of them.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ObjId, ObjType, Prop, ROOT, ReadDoc, ScalarValue, Value};
use serde::Serialize;
use serde_json::Value as Json;

use super::document::CaseError;
use super::reader::ObjectReader;

/// A field with concurrent values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    /// Path from the root, e.g. `["plan", "goals", "<id>", "status"]`.
    pub path: Vec<String>,
    /// Every value, the one every replica currently shows first.
    pub values: Vec<ConflictValue>,
}

/// One of the concurrent values of a field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictValue {
    /// The value as JSON (objects are shown whole).
    pub value: Json,
    /// Hex actor id of the device that wrote it.
    pub actor: String,
}

impl Conflict {
    /// The dotted path, as validation errors name fields.
    pub fn field(&self) -> String {
        self.path.join(".")
    }
}

/// How deep [`list`] and [`to_json`] look. The case schema is seven levels deep; a document that passed
/// [`super::shape::check`] never reaches this, and one that did not is cut off here instead of exhausting the stack.
pub const MAX_DEPTH: usize = 16;

/// Every conflicted field of the document, in document order. Concurrent values that are all equal (two phones
/// writing the same value) are no disagreement and are not listed.
pub fn list(doc: &Automerge) -> Vec<Conflict> {
    if !marks_any(doc) {
        return Vec::new();
    }
    list_read(&ObjectReader::new(doc))
}

/// Whether automerge marks any key or list item that [`list_read`] visits as holding concurrent values. It walks
/// the same objects to the same depth but reads no value and builds no path, so the common answer for a case,
/// none, costs a fraction of [`list_read`] (a phone checks every case it receives); only a document with a mark
/// is read in full, where identical concurrent values are told apart from real conflicts.
fn marks_any(doc: &Automerge) -> bool {
    any_marked(|obj| -> Box<dyn Iterator<Item = MarkedEntry> + '_> {
        // Text reads as neither map nor list, as in `ObjectReader`.
        match doc.object_type(obj) {
            Ok(ObjType::Map | ObjType::Table) => Box::new(doc.map_range(obj, ..).map(|item| {
                let object = matches!(item.value, automerge::ValueRef::Object(_));
                (object, item.id(), item.conflict)
            })),
            Ok(ObjType::List) => Box::new(doc.list_range(obj, ..).map(|item| {
                let object = matches!(item.value, automerge::ValueRef::Object(_));
                (object, item.id(), item.conflict)
            })),
            _ => Box::new(std::iter::empty()),
        }
    })
}

/// [`marks_any`] through a reader, which has read (or reads now) the objects [`list_read`] visits: the common answer,
/// none, without the paths and values [`list_read`] builds.
fn reader_marks_any(reader: &ObjectReader<'_>) -> bool {
    any_marked(|obj| {
        let object = reader.object(obj);
        let entries = object.entries().iter().map(|(_, entry)| entry);
        entries
            .chain(object.items())
            .map(|entry| {
                (
                    matches!(entry.value, Value::Object(_)),
                    entry.id.clone(),
                    entry.conflict,
                )
            })
            .collect::<Vec<_>>()
    })
}

/// A key or list item as [`any_marked`] sees it: whether its value is an object, its id, and whether automerge marks
/// it as holding concurrent values.
type MarkedEntry = (bool, ObjId, bool);

/// The walk behind [`marks_any`] and [`reader_marks_any`]: from the root, down to [`MAX_DEPTH`] with its own stack,
/// whether any entry `entries` lists for an object is marked.
fn any_marked<I: IntoIterator<Item = MarkedEntry>>(mut entries: impl FnMut(&ObjId) -> I) -> bool {
    let mut pending: Vec<(ObjId, usize)> = vec![(ROOT, 0)];
    while let Some((obj, depth)) = pending.pop() {
        for (object, id, marked) in entries(&obj) {
            if marked {
                return true;
            }
            if object && depth + 1 < MAX_DEPTH {
                pending.push((id, depth + 1));
            }
        }
    }
    false
}

/// [`list`] through a reader that may already have read the document's objects (see [`super::reader`]): each
/// object is read once, and only the keys automerge marks as having concurrent values are read again, for all
/// their values.
pub fn list_read(reader: &ObjectReader<'_>) -> Vec<Conflict> {
    if !reader_marks_any(reader) {
        return Vec::new();
    }
    let doc = reader.doc();
    let mut found = Vec::new();
    // An explicit stack of objects still to visit, with their paths; children are pushed in reverse so they are
    // visited in document order.
    let mut pending: Vec<(ObjId, Vec<String>)> = vec![(ROOT, Vec::new())];
    while let Some((obj, path)) = pending.pop() {
        let object = reader.object(&obj);
        // Text merges character by character: there is nothing to choose between (its object reads as neither).
        let keys = object
            .entries()
            .iter()
            .map(|(key, entry)| (Prop::Map(key.clone()), entry));
        let items = object
            .items()
            .iter()
            .enumerate()
            .map(|(at, entry)| (Prop::Seq(at), entry));
        let mut children = Vec::new();
        for (prop, entry) in keys.chain(items) {
            let mut child_path = path.clone();
            child_path.push(prop_name(&prop));
            let mut descend_into = matches!(entry.value, Value::Object(_)).then(|| entry.id.clone());
            if entry.conflict
                && let Ok(values) = doc.get_all(&obj, prop)
            {
                let listed: Vec<ConflictValue> = values
                    .iter()
                    .map(|(value, id)| ConflictValue {
                        value: to_json(doc, value, id),
                        actor: author(id),
                    })
                    .collect();
                // The first value is the one listed first as shown; what lies under a losing object is part of
                // its shown value and is not visited.
                descend_into = match values.into_iter().next() {
                    Some((Value::Object(_), id)) => Some(id),
                    _ => None,
                };
                if listed.iter().any(|v| v.value != listed[0].value) {
                    found.push(Conflict {
                        path: child_path.clone(),
                        values: listed,
                    });
                }
            }
            if let Some(child) = descend_into
                && child_path.len() < MAX_DEPTH
            {
                children.push((child, child_path));
            }
        }
        pending.extend(children.into_iter().rev());
    }
    found
}

/// The hex actor id that wrote the operation `id`.
fn author(id: &ObjId) -> String {
    match id {
        ObjId::Id(_, actor, _) => actor.to_hex_string(),
        ObjId::Root => String::new(),
    }
}

fn prop_name(prop: &Prop) -> String {
    match prop {
        Prop::Map(key) => key.clone(),
        Prop::Seq(index) => index.to_string(),
    }
}

/// The whole document as JSON, every key whether or not the typed case knows it (for the art. 15 export).
pub fn document_json(doc: &Automerge) -> Json {
    to_json(doc, &Value::Object(ObjType::Map), &ROOT)
}

/// A document value as JSON. Objects nested deeper than [`MAX_DEPTH`] are shown as null.
pub fn to_json(doc: &Automerge, value: &Value<'_>, id: &ObjId) -> Json {
    to_json_within(doc, value, id, MAX_DEPTH)
}

fn to_json_within(doc: &Automerge, value: &Value<'_>, id: &ObjId, depth: usize) -> Json {
    match value {
        Value::Scalar(s) => scalar_to_json(s.as_ref()),
        Value::Object(ObjType::Text) => Json::String(doc.text(id).unwrap_or_default()),
        Value::Object(_) if depth == 0 => Json::Null,
        Value::Object(ObjType::List) => Json::Array(
            (0..doc.length(id))
                .filter_map(|i| doc.get(id, i).ok().flatten())
                .map(|(v, child)| to_json_within(doc, &v, &child, depth - 1))
                .collect(),
        ),
        Value::Object(_) => Json::Object(
            doc.keys(id)
                .filter_map(|key| {
                    let (v, child) = doc.get(id, key.as_str()).ok().flatten()?;
                    Some((key, to_json_within(doc, &v, &child, depth - 1)))
                })
                .collect(),
        ),
    }
}

fn scalar_to_json(s: &ScalarValue) -> Json {
    match s {
        ScalarValue::Str(text) => Json::String(text.to_string()),
        ScalarValue::Int(i) => Json::from(*i),
        ScalarValue::Uint(u) => Json::from(*u),
        ScalarValue::F64(f) => Json::from(*f),
        ScalarValue::Boolean(b) => Json::Bool(*b),
        ScalarValue::Timestamp(t) => Json::from(*t),
        ScalarValue::Counter(c) => Json::from(i64::from(c)),
        ScalarValue::Null => Json::Null,
        other => Json::String(other.to_string()),
    }
}

/// Resolves the conflict at `path` with `chosen` (one of its values, or a new one), as one change that
/// supersedes every concurrent value.
pub fn resolve(doc: &mut Automerge, path: &[String], chosen: &Json, now_ms: i64) -> Result<(), CaseError> {
    let (last, parents) = path.split_last().ok_or_else(|| not_found(path))?;
    let mut obj = ROOT;
    for key in parents {
        obj = match doc.get(&obj, prop_of(doc, &obj, key)?) {
            Ok(Some((Value::Object(_), child))) => child,
            _ => return Err(not_found(path)),
        };
    }
    let prop = prop_of(doc, &obj, last)?;
    let mut tx = doc.transaction();
    write_json(&mut tx, &obj, prop, chosen).map_err(|e| CaseError::Unreadable(e.to_string()))?;
    tx.commit_with(
        CommitOptions::default()
            .with_message("resolve conflict".to_owned())
            .with_time(now_ms / 1000),
    );
    Ok(())
}

fn prop_of(doc: &Automerge, obj: &ObjId, key: &str) -> Result<Prop, CaseError> {
    match doc.object_type(obj) {
        Ok(ObjType::List) => key
            .parse::<usize>()
            .map(Prop::Seq)
            .map_err(|_| CaseError::NotFound {
                what: "field",
                id: key.to_owned(),
            }),
        _ => Ok(Prop::Map(key.to_owned())),
    }
}

fn not_found(path: &[String]) -> CaseError {
    CaseError::NotFound {
        what: "field",
        id: path.join("."),
    }
}

/// Writes JSON at `prop`: a put (or a new object) supersedes every concurrent value there.
fn write_json<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    prop: Prop,
    value: &Json,
) -> Result<(), automerge::AutomergeError> {
    match value {
        Json::Object(fields) => {
            let child = tx.put_object(obj, prop, ObjType::Map)?;
            for (key, field) in fields {
                write_json(tx, &child, Prop::Map(key.clone()), field)?;
            }
        }
        Json::Array(items) => {
            let child = tx.put_object(obj, prop, ObjType::List)?;
            for (index, item) in items.iter().enumerate() {
                insert_json(tx, &child, index, item)?;
            }
        }
        scalar => tx.put(obj, prop, json_scalar(scalar))?,
    }
    Ok(())
}

fn insert_json<T: Transactable>(
    tx: &mut T,
    list: &ObjId,
    index: usize,
    value: &Json,
) -> Result<(), automerge::AutomergeError> {
    match value {
        Json::Object(_) | Json::Array(_) => {
            let kind = if value.is_array() {
                ObjType::List
            } else {
                ObjType::Map
            };
            let child = tx.insert_object(list, index, kind)?;
            match value {
                Json::Object(fields) => {
                    for (key, field) in fields {
                        write_json(tx, &child, Prop::Map(key.clone()), field)?;
                    }
                }
                Json::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        insert_json(tx, &child, i, item)?;
                    }
                }
                _ => {}
            }
        }
        scalar => tx.insert(list, index, json_scalar(scalar))?,
    }
    Ok(())
}

/// JSON numbers become integers where they are integers, as the typed model stores them.
fn json_scalar(value: &Json) -> ScalarValue {
    match value {
        Json::Null => ScalarValue::Null,
        Json::Bool(b) => ScalarValue::Boolean(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => ScalarValue::Int(i),
            (None, Some(u)) => ScalarValue::Uint(u),
            _ => ScalarValue::F64(n.as_f64().unwrap_or_default()),
        },
        Json::String(s) => ScalarValue::Str(s.as_str().into()),
        Json::Array(_) | Json::Object(_) => ScalarValue::Null,
    }
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;

    use super::*;

    /// A document with `items` as a list of one string and `field` as a string, forked to two devices that each
    /// set both concurrently with `left` and `right`, then merged.
    fn concurrent(left: (&str, &str), right: (&str, &str)) -> Automerge {
        let mut base = Automerge::new().with_actor(ActorId::from([1; 16].as_slice()));
        let mut tx = base.transaction();
        let items = tx.put_object(ROOT, "items", ObjType::List).expect("list");
        tx.insert(&items, 0, "first").expect("insert");
        let record = tx.put_object(ROOT, "record", ObjType::Map).expect("map");
        tx.put(&record, "field", "first").expect("put");
        tx.commit();
        let mut devices = [(2_u8, left), (3, right)].map(|(actor, (item, field))| {
            let mut doc = base.fork().with_actor(ActorId::from([actor; 16].as_slice()));
            let mut tx = doc.transaction();
            tx.put(&items, 0, item).expect("put");
            tx.put(&record, "field", field).expect("put");
            tx.commit();
            doc
        });
        let [left, right] = &mut devices;
        left.merge(right).expect("merge");
        devices[0].clone()
    }

    #[test]
    fn concurrent_values_in_lists_and_nested_maps_are_listed_by_path() {
        let found = list(&concurrent(("anna", "a"), ("bo", "b")));
        let paths: Vec<String> = found.iter().map(Conflict::field).collect();
        assert_eq!(paths, ["items.0", "record.field"]);
        let mut values: Vec<&Json> = found[0].values.iter().map(|v| &v.value).collect();
        values.sort_by_key(|value| value.to_string());
        assert_eq!(values, [&Json::from("anna"), &Json::from("bo")]);
        assert!(found[0].values.iter().all(|v| v.actor.len() == 32));
    }

    #[test]
    fn the_quick_walk_marks_what_the_full_read_visits() {
        // Concurrent values at every depth from 1 to one past the bound: the walk marks those the full read would
        // visit (and lists), and no others.
        for depth in 1..=MAX_DEPTH + 1 {
            let mut base = Automerge::new();
            let mut tx = base.transaction();
            let mut obj = ROOT;
            for _ in 1..depth {
                obj = tx.put_object(&obj, "in", ObjType::Map).expect("put");
            }
            tx.put(&obj, "field", "base").expect("put");
            tx.commit();
            let mut left = base.fork().with_actor(ActorId::from([2; 16].as_slice()));
            let mut right = base.fork().with_actor(ActorId::from([3; 16].as_slice()));
            for (doc, value) in [(&mut left, "left"), (&mut right, "right")] {
                let mut tx = doc.transaction();
                tx.put(&obj, "field", value).expect("put");
                tx.commit();
            }
            left.merge(&mut right).expect("merge");
            let listed = !list_read(&ObjectReader::new(&left)).is_empty();
            assert_eq!(marks_any(&left), listed, "depth {depth}");
            assert_eq!(listed, depth <= MAX_DEPTH, "depth {depth}");
            assert!(!marks_any(&base), "depth {depth}: nothing concurrent");
        }
    }

    #[test]
    fn equal_concurrent_values_are_no_conflict() {
        assert_eq!(list(&concurrent(("same", "x"), ("same", "x"))), []);
        let found = list(&concurrent(("same", "a"), ("same", "b")));
        assert_eq!(
            found.iter().map(Conflict::field).collect::<Vec<_>>(),
            ["record.field"]
        );
    }
}
