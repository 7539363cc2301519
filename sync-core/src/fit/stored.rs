//! Tests that a rating stored in the automerge case document has the same shape as its JSON, and that a broken
//! or hostile document still hydrates so validation can name what is wrong.

use automerge::{AutoCommit, ROOT, ReadDoc, transaction::Transactable};
use autosurgeon::{hydrate_prop, reconcile_prop};

use super::{Entry, Instrument, RaterKind, Rating};
use crate::validation::Problem;

fn stored(rating: &Rating) -> AutoCommit {
    let mut doc = AutoCommit::new();
    reconcile_prop(&mut doc, ROOT, "ors", rating).expect("reconciles");
    doc
}

fn document_json(doc: &AutoCommit) -> serde_json::Value {
    let value = serde_json::to_value(automerge::AutoSerde::from(doc)).expect("serializes");
    value["ors"].clone()
}

#[test]
fn a_stored_rating_has_the_same_shape_as_its_json() {
    for rating in [
        Rating::items(Instrument::Ors, [65, 0, 72, 60], RaterKind::Citizen),
        Rating::paper_total(Instrument::Cors, 310, RaterKind::Relative),
        Rating::skipped(Instrument::Gsrs, RaterKind::Professional),
    ] {
        let doc = stored(&rating);
        assert_eq!(
            document_json(&doc),
            serde_json::to_value(&rating).expect("serializes")
        );
        let back: Rating = hydrate_prop(&doc, ROOT, "ors").expect("hydrates");
        assert_eq!(back, rating);
    }
}

#[test]
fn changing_the_entry_kind_leaves_no_trace_of_the_old_one() {
    let mut doc = stored(&Rating::items(
        Instrument::Ors,
        [65, 50, 72, 60],
        RaterKind::Citizen,
    ));
    let paper = Rating::paper_total(Instrument::Ors, 247, RaterKind::Citizen);
    reconcile_prop(&mut doc, ROOT, "ors", &paper).expect("reconciles");
    assert_eq!(
        document_json(&doc),
        serde_json::to_value(&paper).expect("serializes")
    );
}

#[test]
fn a_document_with_three_items_hydrates_and_is_refused_as_partial() {
    let mut doc = stored(&Rating::items(
        Instrument::Ors,
        [65, 50, 72, 60],
        RaterKind::Citizen,
    ));
    let (_, rating) = doc.get(ROOT, "ors").expect("reads").expect("present");
    let (_, entry) = doc.get(&rating, "entry").expect("reads").expect("present");
    let (_, variant) = doc.get(&entry, "items").expect("reads").expect("present");
    let (_, items) = doc.get(&variant, "items").expect("reads").expect("present");
    doc.delete(&items, 3).expect("deletes");

    let hydrated: Rating = hydrate_prop(&doc, ROOT, "ors").expect("a partial set still hydrates");
    assert_eq!(
        hydrated.entry,
        Entry::Items {
            items: vec![65, 50, 72]
        }
    );
    let error = hydrated.validate().expect_err("refused");
    assert_eq!(
        (error.field.as_str(), error.problem),
        ("items", Problem::PartialItems)
    );
    assert_eq!(error.within("contacts.c1.ors").field, "contacts.c1.ors.items");
}

#[test]
fn a_document_with_an_item_off_the_line_hydrates_and_names_the_item() {
    let doc = stored(&Rating {
        instrument: Instrument::Srs,
        entry: Entry::Items {
            items: vec![90, 250, 90, 90],
        },
        rater: RaterKind::Citizen,
    });
    let hydrated: Rating = hydrate_prop(&doc, ROOT, "ors").expect("hydrates");
    let error = hydrated.validate().expect_err("refused");
    assert_eq!(
        (error.field.as_str(), error.problem),
        ("items[1]", Problem::OutOfRange)
    );
}
