//! The projection tables hold exactly what a rebuild from the stored documents gives, row by row, and each
//! commit replaces a document's rows rather than adding to them.

use automerge::ActorId;
use server::projection::Projection;
use sync_core::DocumentId;
use sync_core::case::{CaseDocument, EntryRef, ErrorMark, conflicts, read_case};
use sync_core::fit::{Instrument, RaterKind, Rating, RuleSet};

use crate::fixtures::{NOW, World, Writer, goal, load_stored, ors, srs, uuid};
use crate::helpers::Backend;

both_backends!(
    the_projection_tables_equal_a_rebuild_from_the_stored_documents,
    a_commit_replaces_the_rows_of_its_document,
);

/// The projection rebuilt from what the store holds: load, hydrate, project.
async fn rebuilt(world: &World, doc_id: &DocumentId) -> Projection {
    let (_, doc) = load_stored(world.store(), doc_id).await;
    let case = read_case(&doc).expect("hydrates");
    Projection::of(&doc_id.to_string(), &case, &conflicts::list(&doc), &RuleSet::v1())
}

async fn the_projection_tables_equal_a_rebuild_from_the_stored_documents(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let holders = [&world.anna];

    // A course whose ORS rises and whose last SRS is low, with a paper total, a skipped SRS, a relative's
    // rating and a contact outside the course.
    let mut improving = Writer::new(1, &world.north, &world.nord, &world.anna);
    improving.add_contact(1, Some(ors([40, 45, 50, 55])), Some(srs([95, 95, 95, 95])), true);
    improving.add_contact(
        2,
        Some(Rating::paper_total(Instrument::Ors, 230, RaterKind::Citizen)),
        Some(Rating::skipped(Instrument::Srs, RaterKind::Citizen)),
        true,
    );
    improving.add_contact(3, Some(ors([70, 75, 80, 80])), Some(srs([95, 80, 95, 90])), true);
    improving.add_contact(
        4,
        Some(Rating::items(
            Instrument::Ors,
            [10, 10, 10, 10],
            RaterKind::Relative,
        )),
        None,
        false,
    );
    improving.create(store, &holders).await;

    // A teenager (the ORS cutoff is higher under 18) with no ratings at all yet.
    let mut youth = Writer::new(2, &world.north, &world.nord, &world.anna);
    youth
        .doc
        .change(NOW, "birth year", |case| {
            case.citizen.birth_year = Some(2010);
            Ok(())
        })
        .expect("valid");
    youth.add_contact(1, Some(ors([65, 65, 65, 65])), None, true);
    youth.add_contact(2, None, None, true);
    youth.create(store, &holders).await;

    // Two devices set the same goal's status offline: a conflict, stored as a path and a count.
    let mut shared = Writer::new(3, &world.north, &world.nord, &world.anna);
    let goal_id = uuid(77).to_string();
    shared
        .doc
        .add_goal(uuid(77), goal("Egen bolig"), NOW)
        .expect("goal");
    shared.create(store, &holders).await;
    let mut phone = CaseDocument::load(&shared.doc.save(), ActorId::from(vec![99; 16]), NOW).expect("loads");
    phone.set_goal_status(&goal_id, "paused", NOW).expect("valid");
    shared
        .doc
        .set_goal_status(&goal_id, "achieved", NOW)
        .expect("valid");
    shared
        .doc
        .automerge_mut()
        .merge(phone.automerge_mut())
        .expect("merges");
    shared.commit(store).await;

    for case in [&improving, &youth, &shared] {
        let held = store.projection_rows(&case.doc_id).await.expect("store");
        assert_eq!(held, rebuilt(&world, &case.doc_id).await, "case {}", case.doc_id);
    }

    // The comparison above is only worth something if the rows say something.
    let held = store.projection_rows(&improving.doc_id).await.expect("store");
    assert_eq!(
        (held.contacts.len(), held.fit_scores.len(), held.courses.len()),
        (4, 7, 1)
    );
    assert!(held.contacts.iter().any(|c| c.has_notes) && held.contacts.iter().any(|c| !c.has_notes));
    assert!(
        held.fit_scores
            .iter()
            .any(|f| f.paper_total && f.items_mm.is_none())
    );
    assert!(
        held.fit_scores
            .iter()
            .any(|f| f.entry == "skipped" && f.total_mm.is_none())
    );
    assert!(
        held.fit_scores
            .iter()
            .any(|f| f.rater == "relative" && f.below_cutoff == Some(true))
    );
    let kinds: Vec<&str> = held.alerts.iter().map(|a| a.kind.as_str()).collect();
    assert!(kinds.contains(&"srs_item_low"), "{kinds:?}");
    assert!(
        held.alerts.iter().any(|a| a.course_id.is_none()),
        "the contact outside the course: {kinds:?}"
    );
    assert!(held.alerts.iter().all(|a| a.rule_set_version == "fit-rules/1"));
    let teen = store.projection_rows(&youth.doc_id).await.expect("store");
    // 260 mm is above the adult cutoff (250) but below the one for under-18s (280).
    assert_eq!(teen.fit_scores[0].below_cutoff, Some(true));
    let conflicted = store.projection_rows(&shared.doc_id).await.expect("store");
    assert_eq!(conflicted.conflicts.len(), 1);
    assert_eq!(
        conflicted.conflicts[0].path,
        format!("plan.goals.{goal_id}.status")
    );
    assert_eq!(conflicted.conflicts[0].value_count, 2);
}

async fn a_commit_replaces_the_rows_of_its_document(backend: Backend) {
    let world = World::new(backend).await;
    let store = world.store();
    let mut case = Writer::new(1, &world.north, &world.nord, &world.anna);
    case.add_contact(1, Some(ors([40, 40, 40, 40])), Some(srs([90, 90, 90, 90])), true);
    case.add_contact(2, Some(ors([40, 40, 40, 40])), None, true);
    case.create(store, &[&world.anna]).await;
    let mut other = Writer::new(2, &world.north, &world.nord, &world.anna);
    other.add_contact(1, Some(ors([40, 40, 40, 40])), None, true);
    other.create(store, &[&world.anna]).await;
    let other_rows = store.projection_rows(&other.doc_id).await.expect("store");

    // History is never removed (issue 10): a contact made in error is marked, and its scores leave
    // the figures while the contact's row stays for the record.
    let mistaken = uuid(1 + 1000).to_string();
    let mark = ErrorMark {
        by: world.anna.id.to_string(),
        at_ms: NOW,
        reason: "recorded on the wrong citizen".into(),
    };
    case.doc
        .mark_in_error(EntryRef::Contact(&mistaken), mark, NOW)
        .expect("valid");
    case.commit(store).await;

    let held = store.projection_rows(&case.doc_id).await.expect("store");
    assert_eq!(held, rebuilt(&world, &case.doc_id).await);
    assert_eq!((held.contacts.len(), held.fit_scores.len()), (2, 1));
    let in_error: Vec<_> = held
        .contacts
        .iter()
        .filter(|c| c.in_error)
        .map(|c| &c.contact_id)
        .collect();
    assert_eq!(in_error, [&mistaken]);
    assert!(held.fit_scores.iter().all(|s| s.contact_id != mistaken));
    assert_eq!(
        store.projection_rows(&other.doc_id).await.expect("store"),
        other_rows
    );
}
