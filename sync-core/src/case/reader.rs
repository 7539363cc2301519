//! Reading a whole document with one sequential pass per object, shared by everything that checks or reads it.
//!
//! automerge 0.12 answers each `get` by seeking through its op columns afresh: some 30,000 instructions a key.
//! autosurgeon reads a struct field by field, and the shape check and the conflict list each walked the whole
//! document again: together most of the server's time on an upload. [`ObjectReader`] reads each map or list once
//! (`map_range`, `list_range`, which also mark the keys with concurrent values), the first time it is asked for,
//! and answers the shape check ([`super::shape`]), autosurgeon's `get` (as an [`autosurgeon::ReadDoc`]) and the
//! conflict list ([`super::conflicts`]) from that. The values are the ones `get` returns: the value every replica
//! shows for the key. Only a key with concurrent values is read again, with `get_all`. A text is likewise read
//! once (`text`) for the shape check's bound and for autosurgeon.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::RangeBounds;
use std::rc::Rc;

use automerge::{self as am, Automerge, AutomergeError, ObjId, ObjType, Prop, ReadDoc as _, Value};

/// One key (or index) of an object as automerge shows it: the value every replica shows, its id, and whether
/// other concurrent values stand beside it (then `get_all` has them all).
#[derive(Debug, Clone)]
pub struct Entry {
    pub value: Value<'static>,
    pub id: ObjId,
    pub conflict: bool,
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
        let entry = |value: am::ValueRef<'_>, id: ObjId, conflict: bool| Entry {
            value: Value::from(value),
            id,
            conflict,
        };
        match self.doc.object_type(obj) {
            Ok(ObjType::Map | ObjType::Table) => {
                let entries: Vec<(String, Entry)> = self
                    .doc
                    .map_range(obj, ..)
                    .map(|item| {
                        let id = item.id();
                        (item.key.into_owned(), entry(item.value, id, item.conflict))
                    })
                    .collect();
                let index = entries
                    .iter()
                    .enumerate()
                    .map(|(at, (key, _))| (key.clone(), at))
                    .collect();
                Object::Map { entries, index }
            }
            Ok(ObjType::List) => Object::List(
                self.doc
                    .list_range(obj, ..)
                    .map(|item| {
                        let id = item.id();
                        entry(item.value, id, item.conflict)
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
}
