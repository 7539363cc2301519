//! The demo loader: the promised municipalities, users and case documents, and loading twice changes nothing but
//! the password.

use std::collections::BTreeSet;
use sync_core::DocumentId;

use automerge::Automerge;
use axum::http::StatusCode;
use secrecy::SecretString;
use server::store::{Role, Store};
use sync_core::case::{Case, read_valid_case};

use crate::helpers::{Backend, DEMO_PASSWORD, TestApp, find_tenant, find_user};

both_backends!(
    demo_has_the_two_municipalities_and_their_users,
    loading_the_demo_twice_creates_nothing_new,
    the_demo_cases_are_loaded_once_and_every_one_validates,
);

async fn demo_has_the_two_municipalities_and_their_users(backend: Backend) {
    let app = TestApp::builder(backend).without_demo().build().await;
    let store = &app.state().store;
    let logins = server::demo::load(
        store,
        &SecretString::from(DEMO_PASSWORD),
        server::demo::DEFAULT_CASES,
    )
    .await
    .expect("loads");
    let mut found: Vec<_> = logins.iter().map(|l| (l.tenant, l.username, l.role)).collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("hoeje-taastrup", "admin", Role::Admin),
            ("hoeje-taastrup", "anna", Role::Worker),
            ("hoeje-taastrup", "bo", Role::Worker),
            ("hoeje-taastrup", "lea", Role::Lead),
            ("holstebro", "lene", Role::Lead),
            ("holstebro", "mads", Role::Worker),
        ]
    );

    let tenant = find_tenant(store, "hoeje-taastrup").await;
    let team = store
        .team_by_name(&tenant.id, "Udkørende team Nord")
        .await
        .expect("store")
        .expect("team");
    assert!(team.shares_cases);
    let anna = store
        .user_by_username(&tenant.id, "anna")
        .await
        .expect("store")
        .expect("anna");
    assert_eq!(
        anna.team_id.as_ref().map(|id| id.as_str()),
        Some(team.id.as_str())
    );
    for (tenant, username, _) in found {
        assert_eq!(
            app.login(tenant, username, DEMO_PASSWORD).await.status,
            StatusCode::OK,
            "{username}"
        );
    }
}

async fn loading_the_demo_twice_creates_nothing_new(backend: Backend) {
    // The builder loaded the demo once already.
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    let tenant = find_tenant(store, "holstebro").await;
    let mads = find_user(store, "holstebro", "mads").await;

    server::demo::load(
        store,
        &SecretString::from("a-new-demo-password"),
        server::demo::DEFAULT_CASES,
    )
    .await
    .expect("loads again");

    let tenant_again = find_tenant(store, "holstebro").await;
    let mads_again = store
        .user_by_username(&tenant.id, "mads")
        .await
        .expect("store")
        .expect("mads");
    assert_eq!(
        (tenant_again.id, mads_again.id),
        (tenant.id, mads.id),
        "same rows, not new ones"
    );
    // The password printed at the latest start is the one that works.
    assert_eq!(
        app.login("holstebro", "mads", "a-new-demo-password").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("holstebro", "mads", DEMO_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// The demo cases a user sees, read back from the store and validated as the server validates uploads.
async fn visible_cases(store: &Store, tenant: &str, username: &str) -> Vec<(DocumentId, Case)> {
    let user = find_user(store, tenant, username).await;
    let viewer = store.viewer(&user.id).await.expect("store").expect("viewer");
    let (_, listed) = store.visible_changes(&viewer, None).await.expect("store");
    let mut cases = Vec::new();
    for server::store::VisibleCase { doc_id, heads, .. } in listed {
        let stored = store
            .load_document(&doc_id)
            .await
            .expect("store")
            .expect("stored");
        let doc = Automerge::load(&stored.bytes).expect("loads");
        let hex: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
        let listed: Vec<String> = heads.as_slice().iter().map(ToString::to_string).collect();
        assert_eq!(hex, listed, "the listed heads are the document's");
        let case = read_valid_case(&doc).unwrap_or_else(|error| panic!("{doc_id}: {error}"));
        cases.push((doc_id, case));
    }
    cases
}

async fn the_demo_cases_are_loaded_once_and_every_one_validates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = &app.state().store;
    server::demo::load(
        store,
        &SecretString::from(DEMO_PASSWORD),
        server::demo::DEFAULT_CASES,
    )
    .await
    .expect("loads again");

    // Høje-Taastrup's team shares its cases: each worker and the lead see all 48. Holstebro's does not: mads
    // sees his 12 because they are assigned to him. The admin sees no case content.
    let lead = visible_cases(store, "hoeje-taastrup", "lea").await;
    assert_eq!(lead.len(), 48);
    assert_eq!(visible_cases(store, "hoeje-taastrup", "anna").await.len(), 48);
    assert_eq!(visible_cases(store, "hoeje-taastrup", "admin").await.len(), 0);
    let mads = visible_cases(store, "holstebro", "mads").await;
    assert_eq!(mads.len(), 12);
    let anna_id = find_user(store, "hoeje-taastrup", "anna").await.id;
    assert_eq!(store.assigned_cases(&anna_id).await.expect("store").len(), 22 + 6);

    let all: Vec<&(DocumentId, Case)> = lead.iter().chain(&mads).collect();
    let references: BTreeSet<&str> = all.iter().map(|(_, c)| c.citizen.reference.as_str()).collect();
    assert_eq!(references.len(), 60, "no case was created twice");
    assert!(references.iter().all(|r| r.starts_with("demo-")));
    let this_year = sync_core::case::date::Date::from_unix_ms(server::clock::now_ms()).year();
    let youths = all
        .iter()
        .filter(|(_, c)| c.citizen.birth_year.is_some_and(|y| this_year - y <= 17))
        .count();
    assert!(youths >= 3, "{youths} young citizens");
    for (doc_id, case) in &all {
        assert!(
            !case.plan.own_goal.as_str().is_empty(),
            "{doc_id} has the citizen's own goal"
        );
        assert!(
            case.plan.goals.values().any(|g| g.level == "stepping_stone"),
            "{doc_id}"
        );
        assert!(
            case.contacts.len() >= 17,
            "{doc_id}: a year of contacts every 1-3 weeks"
        );
        let held = store.projection_rows(doc_id).await.expect("store");
        assert_eq!(held.contacts.len(), case.contacts.len(), "{doc_id} is projected");
    }
    let alerts: BTreeSet<String> = {
        let mut kinds = BTreeSet::new();
        for (doc_id, _) in &all {
            let held = store.projection_rows(doc_id).await.expect("store");
            kinds.extend(held.alerts.into_iter().map(|a| a.kind));
        }
        kinds
    };
    for kind in [
        "srs_below_cutoff",
        "reliable_deterioration",
        "no_reliable_change_consider_other",
    ] {
        assert!(alerts.contains(kind), "some demo case raises {kind}: {alerts:?}");
    }
    // The course of support has something to show on the phones and in the back office: follow-ups a quarter
    // apart (some overdue), courses near their planned end, outcomes reached.
    let today = sync_core::case::date::Date::from_unix_ms(server::clock::now_ms());
    let agendas: Vec<_> = all
        .iter()
        .map(|(_, c)| sync_core::case::agenda::agenda(c, today))
        .collect();
    let overdue = agendas
        .iter()
        .filter(|a| !a.overdue_follow_ups.is_empty())
        .count();
    let ending = agendas.iter().filter(|a| !a.courses_ending.is_empty()).count();
    let outcomes = all.iter().filter(|(_, c)| !c.outcomes.is_empty()).count();
    let planned = all
        .iter()
        .filter(|(_, c)| c.follow_ups.values().any(|f| !f.done))
        .count();
    assert!(
        overdue >= 3 && ending >= 3 && outcomes >= 3,
        "{overdue} {ending} {outcomes}"
    );
    assert!(planned >= 40, "{planned} open cases with a follow-up planned");
    // And the rest of a course of support: punch cards counting down, extended courses, network meetings.
    let punch_cards = agendas.iter().filter(|a| !a.punch_cards.is_empty()).count();
    let extended = all
        .iter()
        .filter(|(_, c)| c.courses.values().any(|course| !course.extensions.is_empty()))
        .count();
    let coordinated = all.iter().filter(|(_, c)| !c.coordination.is_empty()).count();
    assert!(
        punch_cards >= 3 && extended >= 3 && coordinated >= 3,
        "{punch_cards} {extended} {coordinated}"
    );
}
