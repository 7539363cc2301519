//! Reading a whole document with one sequential pass per object, shared by everything that checks or reads it.
//!
//! automerge 0.12 answers each `get` by seeking through its op columns afresh: some 30,000 instructions a key.
//! autosurgeon reads a struct field by field, and the shape check and the conflict list each walked the whole
//! document again: together most of the server's time on an upload. [`ObjectReader`] reads each map or list once
//! (`map_range`, `list_range`, which also mark the keys with concurrent values), the first time it is asked for,
//! and answers the shape check ([`super::shape`]), autosurgeon's `get` (as an [`autosurgeon::ReadDoc`]) and the
//! conflict list ([`super::conflicts`]) from that. The values are the ones `get` returns: the value every replica
//! shows for the key. Only a key with concurrent values is read again, with `get_all`. A text is likewise read
//! once (`text`) for the shape check's bound and for autosurgeon. A caller that reads the whole document (the
//! server's check, the typed case) starts with [`ObjectReader::read_all`], which reads every object in one pass
//! along the document instead of seeking to each.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::RangeBounds;
use std::rc::Rc;
use std::sync::Arc;

use automerge::{self as am, Automerge, AutomergeError, ObjId, ObjType, Prop, ReadDoc as _, Value};

/// One key (or index) of an object as automerge shows it: the value every replica shows, its id, and whether
/// other concurrent values stand beside it (then `get_all` has them all).
#[derive(Debug, Clone)]
pub struct Entry {
    pub value: Value<'static>,
    pub id: ObjId,
    pub conflict: bool,
}

impl Entry {
    fn from_ref(value: am::ValueRef<'_>, id: ObjId, conflict: bool) -> Self {
        Self {
            value: Value::from(value),
            id,
            conflict,
        }
    }
}

/// One item of [`ObjectReader::read_all`]'s pass, before it joins its object.
enum Item {
    Map(String, Entry),
    List(Entry),
}

impl Item {
    /// An object of this item's kind, with nothing in it yet.
    fn empty_object(&self) -> Object {
        Object::empty(match self {
            Item::Map(..) => ObjType::Map,
            Item::List(_) => ObjType::List,
        })
    }
}

/// Adds what was gathered of `obj` to what `objects` holds of it (automerge shows an object's items together, so
/// this is the first of them, but nothing here depends on that); false if the two are of different kinds.
fn join(objects: &mut HashMap<ObjId, Object>, obj: &ObjId, gathered: Object) -> bool {
    match (objects.get_mut(obj), gathered) {
        (None, gathered) => {
            objects.insert(obj.clone(), gathered);
            true
        }
        (Some(Object::Map { entries, .. }), Object::Map { entries: more, .. }) => {
            entries.extend(more);
            true
        }
        (Some(Object::List(items)), Object::List(more)) => {
            items.extend(more);
            true
        }
        (Some(_), _) => false,
    }
}

/// What one object holds, read in one pass.
#[derive(Debug)]
pub enum Object {
    /// The keys in document order, and where each is.
    Map {
        entries: Vec<(String, Entry)>,
        index: HashMap<String, usize>,
    },
    List(Vec<Entry>),
    /// Text (read with `text` or `list_range`), or an id that is no object.
    Other,
}

impl Object {
    /// A map's keys with their entries, in document order (none for anything else).
    pub fn entries(&self) -> &[(String, Entry)] {
        match self {
            Object::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    /// A list's items (none for anything else).
    pub fn items(&self) -> &[Entry] {
        match self {
            Object::List(items) => items,
            _ => &[],
        }
    }

    /// An object of `kind` that holds nothing, as [`ObjectReader::object`] shows it.
    fn empty(kind: ObjType) -> Self {
        match kind {
            ObjType::Map | ObjType::Table => Object::Map {
                entries: Vec::new(),
                index: HashMap::new(),
            },
            ObjType::List => Object::List(Vec::new()),
            ObjType::Text => Object::Other,
        }
    }

    /// A map with its key index built from its entries (anything else as it is).
    fn indexed(self) -> Self {
        match self {
            Object::Map { entries, .. } => {
                let index = entries
                    .iter()
                    .enumerate()
                    .map(|(at, (key, _))| (key.clone(), at))
                    .collect();
                Object::Map { entries, index }
            }
            other => other,
        }
    }

    /// Adds `item`; false if it is of another kind than this object.
    fn push(&mut self, item: Item) -> bool {
        match (self, item) {
            (Object::Map { entries, .. }, Item::Map(key, entry)) => entries.push((key, entry)),
            (Object::List(items), Item::List(entry)) => items.push(entry),
            _ => return false,
        }
        true
    }

    fn get(&self, prop: &Prop) -> Option<&Entry> {
        match (self, prop) {
            (Object::Map { entries, index }, Prop::Map(key)) => index.get(key).map(|&at| &entries[at].1),
            (Object::List(items), Prop::Seq(at)) => items.get(*at),
            _ => None,
        }
    }
}

/// Reads the objects of one document, each once, the first time it is asked for; shared by the shape check, the
/// typed case (as an [`autosurgeon::ReadDoc`]) and the conflict list, so a document is read once for all three.
pub struct ObjectReader<'a> {
    doc: &'a Automerge,
    objects: RefCell<HashMap<ObjId, Rc<Object>>>,
    texts: RefCell<HashMap<ObjId, Rc<str>>>,
}

impl<'a> ObjectReader<'a> {
    pub fn new(doc: &'a Automerge) -> Self {
        Self {
            doc,
            objects: RefCell::new(HashMap::new()),
            texts: RefCell::new(HashMap::new()),
        }
    }

    /// A reader that has read every map and list the document shows in one pass (automerge's `iter`, which moves
    /// its column readers along the document instead of seeking afresh for each object as `map_range` does: that
    /// seek was most of the cost of reading a case of many small objects). For a caller that reads the whole
    /// document anyway, as the server's check does; the document's size is bounded before (`changes::check`),
    /// and so is what this holds. An empty object or a text that a shown value names is known from that value;
    /// any other object the pass did not show (a value that lost a conflict) is read when asked for, as
    /// [`Self::new`]'s are.
    pub fn read_all(doc: &'a Automerge) -> Self {
        let mut objects: HashMap<ObjId, Object> = HashMap::new();
        // Objects that showed an item of a kind other than their own: automerge never shows one, but should it,
        // they are left to be read when asked for rather than answered from a mix.
        let mut mixed: HashSet<ObjId> = HashSet::new();
        // The items of one object come one after another under one shared id: they are gathered, then joined to
        // the object's own once another object's come.
        let mut current: Option<(Arc<ObjId>, Object)> = None;
        for am::iter::DocObjItem { obj, item } in am::ReadDoc::iter(doc) {
            let item = match item {
                am::iter::DocItem::Map(item) => {
                    let id = item.id();
                    Item::Map(
                        item.key.into_owned(),
                        Entry::from_ref(item.value, id, item.conflict),
                    )
                }
                am::iter::DocItem::List(item) => {
                    let id = item.id();
                    Item::List(Entry::from_ref(item.value, id, item.conflict))
                }
                // Texts are read whole with `text` when asked for.
                am::iter::DocItem::Text(_) => continue,
            };
            let same = matches!(&current, Some((at, _)) if Arc::ptr_eq(at, &obj) || **at == *obj);
            if !same {
                if let Some((at, gathered)) = current.take()
                    && !join(&mut objects, &at, gathered)
                {
                    mixed.insert((*at).clone());
                }
                current = Some((obj, item.empty_object()));
            }
            if let Some((at, object)) = &mut current
                && !object.push(item)
            {
                mixed.insert((**at).clone());
            }
        }
        if let Some((at, gathered)) = current
            && !join(&mut objects, &at, gathered)
        {
            mixed.insert((*at).clone());
        }
        objects.retain(|obj, _| !mixed.contains(obj));
        // The pass shows every object a shown value holds that has items: one it did not show is empty (or a
        // text, which reads as neither).
        let shown_empty: Vec<(ObjId, Object)> = objects
            .values()
            .flat_map(|object| {
                object
                    .entries()
                    .iter()
                    .map(|(_, entry)| entry)
                    .chain(object.items())
            })
            .filter_map(|entry| match entry.value {
                Value::Object(kind) if !objects.contains_key(&entry.id) && !mixed.contains(&entry.id) => {
                    Some((entry.id.clone(), Object::empty(kind)))
                }
                _ => None,
            })
            .collect();
        objects.extend(shown_empty);
        let objects = objects
            .into_iter()
            .map(|(obj, object)| (obj, Rc::new(object.indexed())))
            .collect();
        Self {
            doc,
            objects: RefCell::new(objects),
            texts: RefCell::new(HashMap::new()),
        }
    }

    /// The text `obj` holds, as automerge's `text` renders it (anything that is no character shows as U+FFFC),
    /// read the first time it is asked for: the shape check bounds it and autosurgeon reads it, a note once for
    /// both.
    pub fn text(&self, obj: &ObjId) -> Result<Rc<str>, AutomergeError> {
        if let Some(text) = self.texts.borrow().get(obj) {
            return Ok(text.clone());
        }
        let text: Rc<str> = am::ReadDoc::text(self.doc, obj)?.into();
        self.texts.borrow_mut().insert(obj.clone(), text.clone());
        Ok(text)
    }

    pub fn doc(&self) -> &'a Automerge {
        self.doc
    }

    /// What `obj` holds (read now if it was not yet).
    pub fn object(&self, obj: &ObjId) -> Rc<Object> {
        if let Some(object) = self.objects.borrow().get(obj) {
            return object.clone();
        }
        let object = Rc::new(self.read_object(obj));
        self.objects.borrow_mut().insert(obj.clone(), object.clone());
        object
    }

    fn read_object(&self, obj: &ObjId) -> Object {
        match self.doc.object_type(obj) {
            Ok(ObjType::Map | ObjType::Table) => Object::Map {
                entries: self
                    .doc
                    .map_range(obj, ..)
                    .map(|item| {
                        let id = item.id();
                        (
                            item.key.into_owned(),
                            Entry::from_ref(item.value, id, item.conflict),
                        )
                    })
                    .collect(),
                index: HashMap::new(),
            }
            .indexed(),
            Ok(ObjType::List) => Object::List(
                self.doc
                    .list_range(obj, ..)
                    .map(|item| {
                        let id = item.id();
                        Entry::from_ref(item.value, id, item.conflict)
                    })
                    .collect(),
            ),
            _ => Object::Other,
        }
    }
}

impl autosurgeon::ReadDoc for ObjectReader<'_> {
    type Parents<'b>
        = am::Parents<'b>
    where
        Self: 'b;

    fn get_heads(&self) -> Vec<am::ChangeHash> {
        self.doc.get_heads()
    }

    fn get<P: Into<Prop>>(&self, obj: &ObjId, prop: P) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        let prop = prop.into();
        let object = self.object(obj);
        match (&*object, &prop) {
            (Object::Map { .. }, Prop::Map(_)) | (Object::List(_), Prop::Seq(_)) => Ok(object
                .get(&prop)
                .map(|entry| (entry.value.clone(), entry.id.clone()))),
            // A prop of the other kind, text, or an id that is no object: automerge's own answer (or error).
            _ => am::ReadDoc::get(self.doc, obj, prop),
        }
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        am::ReadDoc::object_type(self.doc, obj).ok()
    }

    fn map_range<'b, O, R>(&'b self, obj: O, range: R) -> am::iter::MapRange<'b>
    where
        R: RangeBounds<String> + 'b,
        O: AsRef<ObjId>,
    {
        am::ReadDoc::map_range(self.doc, obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> am::iter::ListRange<'_> {
        am::ReadDoc::list_range(self.doc, obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        am::ReadDoc::length(self.doc, obj)
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        ObjectReader::text(self, obj.as_ref()).map(|text| String::from(&*text))
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        am::ReadDoc::parents(self.doc, obj)
    }

    fn is_empty(&self) -> bool {
        am::ReadDoc::keys(self.doc, am::ROOT).next().is_none()
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ROOT, ScalarValue};

    use super::*;

    #[test]
    fn every_get_answers_as_the_document_does() {
        let base = {
            let mut doc = Automerge::new().with_actor(ActorId::from([1; 16].as_slice()));
            let mut tx = doc.transaction();
            let record = tx.put_object(ROOT, "record", ObjType::Map).expect("map");
            tx.put(&record, "name", "synthetic").expect("put");
            tx.put(&record, "count", 3_i64).expect("put");
            let items = tx.put_object(&record, "items", ObjType::List).expect("list");
            tx.insert(&items, 0, "a").expect("insert");
            tx.insert(&items, 1, ScalarValue::Null).expect("insert");
            let text = tx.put_object(&record, "notes", ObjType::Text).expect("text");
            tx.splice_text(&text, 0, 0, "hej").expect("splice");
            tx.commit();
            doc
        };
        // Concurrent values: both readers must show the same winner.
        let mut doc = base.fork().with_actor(ActorId::from([2; 16].as_slice()));
        let mut other = base.fork().with_actor(ActorId::from([3; 16].as_slice()));
        for (doc, name) in [(&mut doc, "left"), (&mut other, "right")] {
            let record = doc.get(ROOT, "record").expect("get").expect("record").1;
            let mut tx = doc.transaction();
            tx.put(&record, "name", name).expect("put");
            tx.commit();
        }
        doc.merge(&mut other).expect("merge");

        let reader = ObjectReader::new(&doc);
        let record = doc.get(ROOT, "record").expect("get").expect("record").1;
        let items = doc.get(&record, "items").expect("get").expect("items").1;
        let notes = doc.get(&record, "notes").expect("get").expect("notes").1;
        let asked: [(&ObjId, Prop); 9] = [
            (&ROOT, "record".into()),
            (&ROOT, "missing".into()),
            (&record, "name".into()),
            (&record, "count".into()),
            (&record, 0.into()),
            (&items, 1.into()),
            (&items, 5.into()),
            (&items, "key".into()),
            (&notes, 0.into()),
        ];
        for (obj, prop) in asked {
            let direct = doc.get(obj, prop.clone()).map_err(|e| e.to_string());
            let read = autosurgeon::ReadDoc::get(&reader, obj, prop.clone()).map_err(|e| e.to_string());
            assert_eq!(read, direct, "{prop:?}");
        }
    }

    #[test]
    fn reading_all_at_once_shows_each_object_as_reading_it_alone_does() {
        let mut doc = Automerge::new().with_actor(ActorId::from([1; 16].as_slice()));
        let mut tx = doc.transaction();
        let record = tx.put_object(ROOT, "record", ObjType::Map).expect("map");
        tx.put(&record, "name", "synthetic").expect("put");
        tx.put_object(&record, "empty", ObjType::Map).expect("map");
        tx.put_object(&record, "none", ObjType::List).expect("list");
        let items = tx.put_object(&record, "items", ObjType::List).expect("list");
        for (at, value) in ["a", "b", "c"].into_iter().enumerate() {
            tx.insert(&items, at, value).expect("insert");
        }
        let nested = tx.insert_object(&items, 3, ObjType::Map).expect("map in a list");
        tx.put(&nested, "deep", 7_i64).expect("put");
        let text = tx.put_object(&record, "notes", ObjType::Text).expect("text");
        tx.splice_text(&text, 0, 0, "hej").expect("splice");
        tx.put(ROOT, "after", true).expect("put");
        tx.commit();
        // Concurrent objects at one key: one wins, the other is only reachable through `get_all`.
        let mut other = doc.fork().with_actor(ActorId::from([2; 16].as_slice()));
        for (doc, value) in [(&mut doc, 1_i64), (&mut other, 2)] {
            let mut tx = doc.transaction();
            let contested = tx.put_object(&record, "contested", ObjType::Map).expect("map");
            tx.put(&contested, "value", value).expect("put");
            tx.commit();
        }
        doc.merge(&mut other).expect("merge");

        let all = ObjectReader::read_all(&doc);
        let alone = ObjectReader::new(&doc);
        let mut objects = vec![ROOT, record.clone(), items, nested, text];
        objects.extend(
            doc.get_all(&record, "contested")
                .expect("get_all")
                .into_iter()
                .map(|(_, id)| id),
        );
        for empty in ["empty", "none"] {
            objects.push(doc.get(&record, empty).expect("get").expect("empty").1);
        }
        assert_eq!(objects.len(), 9);
        for obj in &objects {
            let (all, alone) = (all.object(obj), alone.object(obj));
            let shown = |object: &Object| {
                let kind = std::mem::discriminant(object);
                (kind, format!("{:?} {:?}", object.entries(), object.items()))
            };
            assert_eq!(shown(&all), shown(&alone), "{obj}");
            for (key, _) in alone.entries() {
                let prop = Prop::Map(key.clone());
                assert_eq!(
                    format!("{:?}", all.get(&prop)),
                    format!("{:?}", alone.get(&prop)),
                    "{obj} {key}"
                );
            }
        }
        assert!(
            all.object(&record)
                .entries()
                .iter()
                .any(|(key, entry)| key == "contested" && entry.conflict)
        );
    }
}
