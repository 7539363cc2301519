//! An ended course leaves the phones after the retention the municipality sets (issue 11, point 5): the access rule
//! stops listing a case whose every course ended more than `device_retention_days` ago, so its workers' devices are
//! told to purge it (reason `CourseEnded`), while the back office still reviews it.

use std::time::Duration;

use automerge::ActorId;
use axum::http::StatusCode;
use serde_json::json;
use sync_core::DocumentId;
use sync_core::case::{CaseDocument, read_case};
use sync_core::protocol::{ClientEffect, PurgeReason};

use crate::helpers::{Backend, Served, find_tenant};

both_backends!(an_ended_course_leaves_the_phones_after_the_municipalitys_retention);

/// A day in milliseconds.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

async fn an_ended_course_leaves_the_phones_after_the_municipalitys_retention(backend: Backend) {
    let served = Served::start(backend).await;
    let store = served.state.store.clone();
    let mut anna = served.device("hoeje-taastrup", "anna").await;
    anna.sync(served.port).await;
    // A case anna's team holds whose courses all started before today, so they can end in the past.
    let today = server::clock::now_ms() / DAY_MS;
    let started_before_today = |doc: &automerge::Automerge| {
        read_case(doc).is_ok_and(|case| {
            !case.courses.is_empty()
                && case.courses.values().all(|course| {
                    sync_core::case::date::Date::parse(&course.start, "start")
                        .is_ok_and(|start| start.days_since_epoch() < today)
                })
        })
    };
    let (id, doc) = anna
        .docs
        .iter()
        .find(|(_, doc)| started_before_today(doc))
        .map(|(id, doc)| (*id, doc.clone()))
        .expect("anna holds a case with courses");
    let kept: DocumentId = *anna
        .docs
        .keys()
        .find(|other| **other != id)
        .expect("another case");

    // anna ends every course, each on the day it started.
    let now = server::clock::now_ms();
    let mut case_doc = CaseDocument::from_automerge(doc.with_actor(ActorId::random()), now).expect("a case");
    let courses = case_doc.read().expect("reads").courses;
    for (course_id, course) in courses.iter().filter(|(_, c)| c.end.is_none()) {
        case_doc
            .end_course(course_id, &course.start, "mutual_agreement", now)
            .expect("a valid end");
    }
    anna.docs.insert(id, case_doc.into_automerge());
    anna.sync(served.port).await;

    // Without a retention set, closed cases stay on the phone until they are unassigned.
    anna.sync(served.port).await;
    assert!(anna.docs.contains_key(&id), "no retention set: the case stays");

    let admin = served.device("hoeje-taastrup", "admin").await.token;
    let set = served
        .call(
            "PUT",
            "/v1/settings",
            &admin,
            Some(json!({ "device_retention_days": 0 })),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    assert_eq!(set.body["device_retention_days"], 0);
    let tenant = find_tenant(&store, "hoeje-taastrup").await;
    let settings = store.tenant_settings(&tenant.id).await.expect("store");
    assert_eq!(settings.device_retention_days, Some(0));

    let mut connection = anna.connect(served.port).await;
    anna.run_until(&mut connection, Duration::from_secs(20), |d| d.purged(&id))
        .await;
    assert!(
        anna.effects.contains(&ClientEffect::Purge {
            doc: id,
            reason: PurgeReason::CourseEnded
        }),
        "told why"
    );
    assert!(!anna.docs.contains_key(&id));
    assert!(anna.docs.contains_key(&kept), "an open case stays");
    // The back office still reviews the case: the record is archived, not deleted.
    let lea = store
        .user_by_username(&tenant.id, "lea")
        .await
        .expect("store")
        .expect("lea");
    assert!(store.in_review_scope(&lea.id, &id).await.expect("store"));

    // A retention outside its range is refused, and leaving the field out keeps it.
    let refused = served
        .call(
            "PUT",
            "/v1/settings",
            &admin,
            Some(json!({ "device_retention_days": -1 })),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let other = served
        .call(
            "PUT",
            "/v1/settings",
            &admin,
            Some(json!({ "recommended_caseload": 30 })),
        )
        .await;
    assert_eq!(
        (
            other.body["recommended_caseload"].clone(),
            other.body["device_retention_days"].clone()
        ),
        (json!(30), json!(0))
    );
    served.stop().await;
}
