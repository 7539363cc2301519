//! The back office's review API: the dashboard's figures, the lists behind them, one case's review page, who may
//! see what, the access log, the tenant's recommended caseload, and the summary rows rebuilt at start-up.
//!
//! [`Nord`] builds a known set of cases through the normal write path (sync-core edits, the store's commit); the
//! expected figures below are worked out by hand from it.

use automerge::ActorId;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use server::store::Quarantined;
use sync_core::case::date::Date;
use sync_core::case::{CaseDocument, FollowUp};

use crate::fixtures::{NOW, World, Writer, goal, ors, srs, uuid};
use crate::helpers::{Backend, TestApp, TestResponse};

both_backends!(
    the_dashboard_counts_what_the_lists_behind_it_hold,
    each_role_reviews_its_own_scope,
    a_case_out_of_scope_answers_like_a_missing_one,
    the_review_page_shows_fit_conflicts_and_refusals,
    lists_page_and_refuse_filters_they_do_not_know,
    an_admin_sets_the_recommended_caseload,
    cases_without_a_summary_get_one_at_start,
    a_lead_decides_a_waiting_grant_in_the_document,
    a_lead_resolves_a_conflict_by_picking_a_value,
    a_refused_change_is_dismissed_once,
);

const DAY_MS: i64 = 86_400_000;

/// Team Nord's cases (lea leads; anna and bo work), one Syd case (cy) and one in the other tenant (mads):
/// - `low_srs` (anna): the latest SRS is 34.0, below the cutoff (alerts srs_below_cutoff and srs_item_low); its
///   course is planned to end in 5 days;
/// - `waiting` (bo): a follow-up was due yesterday; its course grants 7 hours a week and awaits approval, and
///   was planned to end 3 days ago;
/// - `ended` (anna): closed (its one course ended), with a goal set to two statuses offline: a conflict;
/// - `refused` (bo): a device's change to it was refused;
/// - `syd` (cy) and `west` (mads): nobody in Nord reviews them; a west device's refused upload that named
///   `low_srs`'s id counts nowhere in Nord.
struct Nord {
    w: World,
    low_srs: Writer,
    waiting: Writer,
    ended: Writer,
    refused: Writer,
    syd: Writer,
    west: Writer,
    today: Date,
}

impl Nord {
    async fn new(backend: Backend) -> Nord {
        let w = World::new(backend).await;
        let store = w.store().clone();
        let today = Date::from_unix_ms(server::clock::now_ms());
        let date_in = |days: i64| Date::from_unix_ms((today.days_since_epoch() + days) * DAY_MS).to_string();

        let mut low_srs = Writer::new(1, &w.north, &w.nord, &w.anna);
        low_srs.add_contact(1, Some(ors([50, 50, 50, 50])), Some(srs([85, 85, 85, 85])), true);
        let course = low_srs.course_id();
        let soon = date_in(5);
        low_srs
            .doc
            .change(NOW, "planned end", |case| {
                case.courses.get_mut(&course).expect("course").planned_end = Some(soon);
                Ok(())
            })
            .expect("valid");
        low_srs.create(&store, &[&w.anna]).await;

        let mut waiting = Writer::new(2, &w.north, &w.nord, &w.bo);
        waiting.add_contact(1, Some(ors([50, 50, 50, 50])), Some(srs([95, 95, 95, 95])), true);
        let course = waiting.course_id();
        let past = date_in(-3);
        waiting
            .doc
            .change(NOW, "a grant above the limit", |case| {
                let course = case.courses.get_mut(&course).expect("course");
                course.granted_minutes_per_week = 420;
                course.approval.state = "awaiting".into();
                course.planned_end = Some(past);
                Ok(())
            })
            .expect("valid");
        let follow_up = FollowUp {
            due: date_in(-1),
            purpose: "Opfølgning på boligansøgning".into(),
            with: vec![],
            done: false,
            done_note: String::new(),
            entered_in_error: None,
        };
        waiting
            .doc
            .add_follow_up(uuid(500), follow_up, NOW)
            .expect("valid");
        waiting.create(&store, &[&w.bo]).await;

        let mut ended = Writer::new(3, &w.north, &w.nord, &w.anna);
        let goal_id = uuid(77).to_string();
        ended
            .doc
            .add_goal(uuid(77), goal("Egen bolig"), NOW)
            .expect("goal");
        let course = ended.course_id();
        ended
            .doc
            .end_course(&course, "2025-12-01", "mutual_agreement", NOW)
            .expect("valid");
        ended.create(&store, &[&w.anna]).await;
        let mut phone =
            CaseDocument::load(&ended.doc.save(), ActorId::from(vec![99; 16]), NOW).expect("loads");
        phone.set_goal_status(&goal_id, "paused", NOW).expect("valid");
        ended
            .doc
            .set_goal_status(&goal_id, "achieved", NOW)
            .expect("valid");
        ended
            .doc
            .automerge_mut()
            .merge(phone.automerge_mut())
            .expect("merges");
        ended.commit(&store).await;

        let mut refused = Writer::new(4, &w.north, &w.nord, &w.bo);
        refused.create(&store, &[&w.bo]).await;
        let device = store
            .register_device(&w.bo.id, &w.north.id, "bo's phone", NOW)
            .await
            .expect("device");
        store
            .quarantine(&Quarantined {
                tenant_id: &w.north.id,
                doc_id: &refused.doc_id,
                device_id: Some(&device.id),
                user_id: Some(&w.bo.id),
                reason: "invalid",
                message: "contacts.x.ors.items[2]: an item is 0 to 100 mm",
                bytes: &[1, 2, 3],
                now_ms: NOW,
            })
            .await
            .expect("store");

        // A device of the other tenant named low_srs's id (a guess): its refusal is west's, never Nord's.
        store
            .quarantine(&Quarantined {
                tenant_id: &w.west.id,
                doc_id: &low_srs.doc_id,
                device_id: None,
                user_id: Some(&w.mads.id),
                reason: "not_found",
                message: "no such document",
                bytes: &[9],
                now_ms: NOW,
            })
            .await
            .expect("store");

        let mut syd = Writer::new(5, &w.north, &w.syd, &w.cy);
        syd.create(&store, &[&w.cy]).await;
        let mut west = Writer::new(6, &w.west, &w.bost, &w.mads);
        west.create(&store, &[&w.mads]).await;
        Nord {
            w,
            low_srs,
            waiting,
            ended,
            refused,
            syd,
            west,
            today,
        }
    }
}

async fn get(app: &TestApp, path: &str, token: &str) -> TestResponse {
    app.get(path, Some(token)).await
}

async fn put_json(app: &TestApp, path: &str, token: &str, body: &Value) -> TestResponse {
    send_json(app, "PUT", path, token, body).await
}

async fn post_json(app: &TestApp, path: &str, token: &str, body: &Value) -> TestResponse {
    send_json(app, "POST", path, token, body).await
}

async fn send_json(app: &TestApp, method: &str, path: &str, token: &str, body: &Value) -> TestResponse {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a valid request");
    app.send(request).await
}

/// The ids of a list's cases, in order.
fn ids(list: &Value) -> Vec<String> {
    list["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|case| case["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Every figure of a team's or a worker's figures, with its name: (name, count, list).
fn figures(figures: &Value) -> Vec<(String, u64, String)> {
    let mut all = Vec::new();
    for (name, figure) in figures.as_object().expect("figures") {
        if let Some(list) = figure.get("list") {
            all.push((
                name.clone(),
                figure["count"].as_u64().expect("count"),
                list.as_str().expect("list").to_owned(),
            ));
        }
    }
    for alert in figures["alerts"].as_array().expect("alerts") {
        all.push((
            format!("alert {}", alert["kind"]),
            alert["count"].as_u64().expect("count"),
            alert["list"].as_str().expect("list").to_owned(),
        ));
    }
    all
}

async fn the_dashboard_counts_what_the_lists_behind_it_hold(backend: Backend) {
    let n = Nord::new(backend).await;
    let lea = n.w.token(&n.w.lea).await;
    let board = get(&n.w.app, "/v1/review/dashboard", &lea).await;
    assert_eq!(board.status, StatusCode::OK, "{:?}", board.body);
    assert_eq!(board.body["today"], n.today.to_string());
    assert_eq!(
        board.body["recommended_caseload"],
        Value::Null,
        "no number pretends to be a standard"
    );
    let teams = board.body["teams"].as_array().expect("teams");
    assert_eq!(teams.len(), 1, "a lead reviews their own team: {teams:?}");
    let team = &teams[0];
    assert_eq!(team["name"], "Nord");

    // Worked out by hand from the four Nord cases.
    let counted: Vec<(String, u64)> = figures(&team["figures"])
        .into_iter()
        .map(|(name, count, _)| (name, count))
        .filter(|(_, count)| *count > 0)
        .collect();
    let expected: Vec<(String, u64)> = [
        ("conflicts", 1),
        ("courses_ending_soon", 1),
        ("courses_past_planned_end", 1),
        ("follow_ups_overdue", 1),
        ("grants_awaiting_approval", 1),
        ("open_cases", 3),
        ("refused_changes", 1),
        ("srs_below_cutoff", 1),
        ("with_alert", 1),
        ("alert \"srs_below_cutoff\"", 1),
        ("alert \"srs_item_low\"", 1),
    ]
    .into_iter()
    .map(|(name, count)| (name.to_owned(), count))
    .collect();
    assert_eq!(counted, expected);

    // Every figure, the team's and each worker's, is the total of the list it links to.
    let mut checked = 0;
    let mut all = figures(&team["figures"]);
    for worker in team["workers"].as_array().expect("workers") {
        all.extend(figures(&worker["figures"]));
    }
    for (name, count, link) in all {
        let list = get(&n.w.app, &link, &lea).await;
        assert_eq!(list.status, StatusCode::OK, "{link}: {:?}", list.body);
        assert_eq!(list.body["total"].as_u64(), Some(count), "{name}: {link}");
        checked += 1;
    }
    assert!(checked > 30, "only {checked} figures checked");

    let workers: Vec<(&str, u64)> = team["workers"]
        .as_array()
        .expect("workers")
        .iter()
        .map(|worker| {
            (
                worker["username"].as_str().expect("name"),
                worker["caseload"].as_u64().expect("n"),
            )
        })
        .collect();
    // anna holds low_srs (open) and ended (closed); bo holds waiting and refused, both open.
    assert_eq!(workers, [("anna", 1), ("bo", 2), ("lea", 0)]);
    let srs_list = get(
        &n.w.app,
        team["figures"]["srs_below_cutoff"]["list"]
            .as_str()
            .expect("link"),
        &lea,
    )
    .await;
    assert_eq!(ids(&srs_list.body), [n.low_srs.doc_id.to_string()]);
    let row = &srs_list.body["cases"][0];
    assert_eq!(row["display_name"], "Test Fiktivsen 1");
    assert_eq!(row["tovholder"]["username"], "anna");
    assert_eq!(row["alert_kinds"], json!(["srs_below_cutoff", "srs_item_low"]));
    assert_eq!(row["review"], format!("/v1/review/cases/{}", n.low_srs.doc_id));

    // The dashboard and each list are searches in the access log, with their criteria.
    let logged = n.w.logged(&n.w.lea, "search", None).await;
    assert!(
        logged
            .iter()
            .all(|row| row.purpose.as_deref() == Some("case_review"))
    );
    assert!(
        logged
            .iter()
            .any(|row| row.detail.as_deref() == Some("dashboard team=*"))
    );
    let criteria = format!(
        "cases open=true&srs_below_cutoff=true&team={} limit=50 offset=0",
        n.w.nord.id
    );
    assert!(
        logged
            .iter()
            .any(|row| row.detail.as_deref() == Some(criteria.as_str())),
        "{logged:?}"
    );
}

async fn each_role_reviews_its_own_scope(backend: Backend) {
    let n = Nord::new(backend).await;
    // The cases are named "Test Fiktivsen <n>", so name order is the order they were made in.
    let nord = vec![
        n.low_srs.doc_id.to_string(),
        n.waiting.doc_id.to_string(),
        n.ended.doc_id.to_string(),
        n.refused.doc_id.to_string(),
    ];
    let everyone = [
        (
            &n.w.anna,
            vec![n.low_srs.doc_id.to_string(), n.ended.doc_id.to_string()],
        ),
        (
            &n.w.bo,
            vec![n.waiting.doc_id.to_string(), n.refused.doc_id.to_string()],
        ),
        (&n.w.lea, nord.clone()),
        (&n.w.dan, vec![n.syd.doc_id.to_string()]),
        (&n.w.cy, vec![n.syd.doc_id.to_string()]),
        (&n.w.mads, vec![n.west.doc_id.to_string()]),
        (
            &n.w.admin,
            [nord.clone(), vec![n.syd.doc_id.to_string()]].concat(),
        ),
    ];
    for (user, expected) in everyone {
        let token = n.w.token(user).await;
        let list = get(&n.w.app, "/v1/review/cases", &token).await;
        assert_eq!(list.status, StatusCode::OK, "{}: {:?}", user.username, list.body);
        assert_eq!(ids(&list.body), expected, "{}", user.username);
    }
    let admin = n.w.token(&n.w.admin).await;
    let board = get(&n.w.app, "/v1/review/dashboard", &admin).await;
    let names: Vec<&str> = board.body["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|team| team["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["Nord", "Syd"],
        "an admin reviews every team of the tenant"
    );
    let only_syd = get(
        &n.w.app,
        &format!("/v1/review/dashboard?team={}", n.w.syd.id),
        &admin,
    )
    .await;
    assert_eq!(only_syd.body["teams"].as_array().map(Vec::len), Some(1));
    let anna = n.w.token(&n.w.anna).await;
    let own = get(&n.w.app, "/v1/review/dashboard", &anna).await;
    let workers = own.body["teams"][0]["workers"].as_array().expect("workers");
    assert_eq!(workers.len(), 1, "a worker's dashboard is about themself");
    assert_eq!(workers[0]["username"], "anna");
}

async fn a_case_out_of_scope_answers_like_a_missing_one(backend: Backend) {
    let n = Nord::new(backend).await;
    let lea = n.w.token(&n.w.lea).await;
    let missing = get(&n.w.app, "/v1/review/cases/2nj4pkBJAwGUkyzr9vBNxUJm6bmm", &lea).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for other in [&n.syd.doc_id, &n.west.doc_id] {
        let answer = get(&n.w.app, &format!("/v1/review/cases/{other}"), &lea).await;
        assert_eq!((answer.status, &answer.body), (missing.status, &missing.body));
    }
    // An admin opens no case page at all: the same answer for a foreign id, a missing one and the tenant's own.
    let admin = n.w.token(&n.w.admin).await;
    let answers = [
        n.west.doc_id.to_string(),
        n.low_srs.doc_id.to_string(),
        "2nj4pkBJAwGUkyzr9vBNxUJm6bmm".to_owned(),
    ];
    for id in answers {
        let answer = get(&n.w.app, &format!("/v1/review/cases/{id}"), &admin).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{id}");
    }
    let listed = get(&n.w.app, "/v1/review/cases", &admin).await;
    assert!(
        listed.body["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .all(|c| c["display_name"].is_null()),
        "an admin's lists name no citizen"
    );
    let mads = n.w.token(&n.w.mads).await;
    let foreign_team = get(
        &n.w.app,
        &format!("/v1/review/dashboard?team={}", n.w.nord.id),
        &mads,
    )
    .await;
    assert_eq!(
        foreign_team.body["teams"],
        json!([]),
        "another tenant's team is no team"
    );
}

async fn the_review_page_shows_fit_conflicts_and_refusals(backend: Backend) {
    let n = Nord::new(backend).await;
    let lea = n.w.token(&n.w.lea).await;
    let page = get(&n.w.app, &format!("/v1/review/cases/{}", n.low_srs.doc_id), &lea).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    assert_eq!(page.body["case"]["citizen"]["display_name"], "Test Fiktivsen 1");
    let series = page.body["fit"].as_array().expect("fit");
    assert_eq!(series.len(), 1);
    assert_eq!(series[0]["course_id"], n.low_srs.course_id());
    let kinds: Vec<&str> = series[0]["assessment"]["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .map(|alert| alert["kind"].as_str().expect("kind"))
        .collect();
    // All four items are below 9.0: an alert each.
    assert_eq!(
        kinds,
        [
            "srs_below_cutoff",
            "srs_item_low",
            "srs_item_low",
            "srs_item_low",
            "srs_item_low"
        ]
    );
    assert_eq!(series[0]["assessment"]["contacts"][0]["srs_total_mm"], 340);
    assert_eq!(
        page.body["refused_changes"],
        json!([]),
        "the west device's refusal is not this case's"
    );
    assert_eq!(
        page.body["assignees"],
        json!([{ "id": n.w.anna.id, "username": "anna" }])
    );
    assert!(
        page.body["contacts"][0].get("notes").is_none(),
        "the timeline rows carry no notes"
    );

    let conflicted = get(&n.w.app, &format!("/v1/review/cases/{}", n.ended.doc_id), &lea).await;
    let conflicts = conflicted.body["conflicts"].as_array().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let values: Vec<&str> = conflicts[0]["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["value"].as_str().expect("a status"))
        .collect();
    let mut sorted = values.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["achieved", "paused"]);
    assert!(conflicts[0]["values"][0]["actor"].is_string());
    // The first phone's value was committed by anna (the Writer commits as the holder); the second phone's
    // actor came in the same commit, so the server names anna for both.
    let actor = conflicts[0]["values"][0]["actor"].as_str().expect("actor");
    assert_eq!(conflicted.body["authors"][actor]["username"], "anna");

    // The goal's status history, from the document's own changes: active, each phone's status, then both.
    let steps = conflicted.body["goal_history"][uuid(77).to_string()]
        .as_array()
        .expect("steps");
    let statuses: Vec<Value> = steps.iter().map(|step| step["statuses"].clone()).collect();
    assert_eq!(statuses.first(), Some(&json!(["active"])));
    assert_eq!(statuses.last(), Some(&json!(["achieved", "paused"])));
    assert_eq!(steps.last().map(|step| step["actor"].clone()), Some(Value::Null));

    let refused = get(&n.w.app, &format!("/v1/review/cases/{}", n.refused.doc_id), &lea).await;
    let refusals = refused.body["refused_changes"].as_array().expect("refusals");
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0]["reason"], "invalid");
    assert!(refusals[0]["device_id"].is_string());

    // Each review page is a read of that case in the access log, with its purpose.
    let reads =
        n.w.logged(&n.w.lea, "read", Some(n.low_srs.doc_id.to_string().as_str()))
            .await;
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].purpose.as_deref(), Some("case_review"));
}

async fn lists_page_and_refuse_filters_they_do_not_know(backend: Backend) {
    let n = Nord::new(backend).await;
    let lea = n.w.token(&n.w.lea).await;
    let all = get(&n.w.app, "/v1/review/cases", &lea).await;
    let every = ids(&all.body);
    let page = get(&n.w.app, "/v1/review/cases?limit=2&offset=1", &lea).await;
    assert_eq!(page.body["total"], 4);
    assert_eq!(ids(&page.body), every[1..3]);
    let worker = get(&n.w.app, &format!("/v1/review/cases?worker={}", n.w.bo.id), &lea).await;
    assert_eq!(
        ids(&worker.body),
        [n.waiting.doc_id.to_string(), n.refused.doc_id.to_string()]
    );
    let closed = get(&n.w.app, "/v1/review/cases?open=false", &lea).await;
    assert_eq!(ids(&closed.body), [n.ended.doc_id.to_string()]);

    for (query, says) in [
        ("colour=red", "unknown field"),
        ("alert=sad", "alert: unknown kind"),
        (
            "course_ending_before=tomorrow",
            "course_ending_before: expected YYYY-MM-DD",
        ),
        ("limit=0", "limit must be between 1 and 200"),
        ("open=maybe", "open"),
    ] {
        let answer = get(&n.w.app, &format!("/v1/review/cases?{query}"), &lea).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        let message = answer.body["error"]["message"].as_str().expect("message");
        assert!(message.contains(says), "{query}: {message}");
    }
    let unauthenticated = n.w.app.get("/v1/review/dashboard", None).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
}

async fn an_admin_sets_the_recommended_caseload(backend: Backend) {
    let n = Nord::new(backend).await;
    let (admin, lea) = (n.w.token(&n.w.admin).await, n.w.token(&n.w.lea).await);
    let refused = put_json(
        &n.w.app,
        "/v1/settings",
        &lea,
        &json!({ "recommended_caseload": 1 }),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let zero = put_json(
        &n.w.app,
        "/v1/settings",
        &admin,
        &json!({ "recommended_caseload": 0 }),
    )
    .await;
    assert_eq!(zero.status, StatusCode::BAD_REQUEST);
    let set = put_json(
        &n.w.app,
        "/v1/settings",
        &admin,
        &json!({ "recommended_caseload": 1 }),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    assert_eq!(set.body["recommended_caseload"], 1);

    let board = get(&n.w.app, "/v1/review/dashboard", &lea).await;
    assert_eq!(board.body["recommended_caseload"], 1);
    let over: Vec<(&str, i64)> = board.body["teams"][0]["workers"]
        .as_array()
        .expect("workers")
        .iter()
        .map(|worker| {
            (
                worker["username"].as_str().expect("name"),
                worker["over_recommended"].as_i64().expect("set"),
            )
        })
        .collect();
    assert_eq!(over, [("anna", 0), ("bo", 1), ("lea", -1)]);

    let cleared = put_json(
        &n.w.app,
        "/v1/settings",
        &admin,
        &json!({ "recommended_caseload": null }),
    )
    .await;
    assert_eq!(cleared.body["recommended_caseload"], Value::Null);
    let read = get(&n.w.app, "/v1/settings", &lea).await;
    assert_eq!(read.body["recommended_caseload"], Value::Null);
}

async fn cases_without_a_summary_get_one_at_start(backend: Backend) {
    let n = Nord::new(backend).await;
    let store = n.w.store();
    let before = store.projection_rows(&n.waiting.doc_id).await.expect("store");
    assert!(before.summary.is_open && before.summary.next_follow_up_due.is_some());
    // As a database migrated from before the summary table holds it.
    n.w.app.execute_raw("DELETE FROM proj_cases").await;
    let lea = n.w.token(&n.w.lea).await;
    let empty = get(&n.w.app, "/v1/review/cases", &lea).await;
    assert_eq!(empty.body["total"], 0);

    let rebuilt = server::backfill::old_projections(store, &server::fit_rules::FitRules::new(store.clone()))
        .await
        .expect("rebuilds");
    assert_eq!(rebuilt, 6, "every case, in both tenants");
    assert_eq!(
        store.projection_rows(&n.waiting.doc_id).await.expect("store"),
        before
    );
    let full = get(&n.w.app, "/v1/review/cases", &lea).await;
    assert_eq!(full.body["total"], 4);
    assert_eq!(
        server::backfill::old_projections(store, &server::fit_rules::FitRules::new(store.clone()))
            .await
            .expect("runs"),
        0,
        "nothing is rebuilt twice"
    );
}

async fn a_lead_decides_a_waiting_grant_in_the_document(backend: Backend) {
    let n = Nord::new(backend).await;
    let path = format!(
        "/v1/review/cases/{}/courses/{}/approval",
        n.waiting.doc_id,
        n.waiting.course_id()
    );
    let approve = json!({ "approve": true });
    // Only Nord's lead decides: Syd's lead does not see the case, the admin and bo (who holds it) do not lead it.
    for (user, status) in [
        (&n.w.dan, StatusCode::NOT_FOUND),
        (&n.w.anna, StatusCode::NOT_FOUND),
        (&n.w.admin, StatusCode::FORBIDDEN),
        (&n.w.bo, StatusCode::FORBIDDEN),
    ] {
        let token = n.w.token(user).await;
        let answer = post_json(&n.w.app, &path, &token, &approve).await;
        assert_eq!(answer.status, status, "{}: {:?}", user.username, answer.body);
    }
    let lea = n.w.token(&n.w.lea).await;
    let decided = post_json(&n.w.app, &path, &lea, &approve).await;
    assert_eq!(decided.status, StatusCode::OK, "{:?}", decided.body);

    // The decision is in the document, under the lead's name, and the figures follow.
    let stored =
        n.w.store()
            .load_document(&n.waiting.doc_id)
            .await
            .expect("store")
            .expect("case");
    let doc = automerge::Automerge::load(&stored.bytes).expect("loads");
    let case = sync_core::case::read_case(&doc).expect("reads");
    let approval = &case.courses[&n.waiting.course_id()].approval;
    assert_eq!(
        (approval.state.as_str(), approval.by.as_deref()),
        ("approved", Some(n.w.lea.id.as_str()))
    );
    let board = get(&n.w.app, "/v1/review/dashboard", &lea).await;
    assert_eq!(
        board.body["teams"][0]["figures"]["grants_awaiting_approval"]["count"],
        0
    );

    let again = post_json(&n.w.app, &path, &lea, &json!({ "approve": false })).await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "a decision is not overwritten: {:?}",
        again.body
    );
    let logged =
        n.w.logged(&n.w.lea, "change", Some(n.waiting.doc_id.to_string().as_str()))
            .await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].purpose.as_deref(), Some("review_decision"));
}

async fn a_lead_resolves_a_conflict_by_picking_a_value(backend: Backend) {
    let n = Nord::new(backend).await;
    let lea = n.w.token(&n.w.lea).await;
    let page = get(&n.w.app, &format!("/v1/review/cases/{}", n.ended.doc_id), &lea).await;
    let conflict = &page.body["conflicts"][0];
    let field = conflict["path"]
        .as_array()
        .expect("path")
        .iter()
        .map(|part| part.as_str().expect("text"))
        .collect::<Vec<_>>()
        .join(".");
    let second = conflict["values"][1]["value"].clone();
    let path = format!("/v1/review/cases/{}/conflicts/resolve", n.ended.doc_id);
    let stale = post_json(
        &n.w.app,
        &path,
        &lea,
        &json!({ "field": field, "value": "completed" }),
    )
    .await;
    assert_eq!(
        stale.status,
        StatusCode::CONFLICT,
        "a value the field does not hold: {:?}",
        stale.body
    );
    let resolved = post_json(&n.w.app, &path, &lea, &json!({ "field": field, "value": second })).await;
    assert_eq!(resolved.status, StatusCode::OK, "{:?}", resolved.body);

    let after = get(&n.w.app, &format!("/v1/review/cases/{}", n.ended.doc_id), &lea).await;
    assert_eq!(after.body["conflicts"], json!([]));
    assert_eq!(
        after.body["case"]["plan"]["goals"][uuid(77).to_string()]["status"],
        second
    );
    let board = get(&n.w.app, "/v1/review/dashboard", &lea).await;
    assert_eq!(board.body["teams"][0]["figures"]["conflicts"]["count"], 0);
    let gone = post_json(&n.w.app, &path, &lea, &json!({ "field": field, "value": second })).await;
    assert_eq!(gone.status, StatusCode::BAD_REQUEST, "{:?}", gone.body);
}

async fn a_refused_change_is_dismissed_once(backend: Backend) {
    let n = Nord::new(backend).await;
    let lea = n.w.token(&n.w.lea).await;
    let page = get(&n.w.app, &format!("/v1/review/cases/{}", n.refused.doc_id), &lea).await;
    let id = page.body["refused_changes"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/v1/review/refusals/{id}/dismiss");
    let (dan, anna) = (n.w.token(&n.w.dan).await, n.w.token(&n.w.anna).await);
    assert_eq!(
        post_json(&n.w.app, &path, &dan, &json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post_json(&n.w.app, &path, &anna, &json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let dismissed = post_json(&n.w.app, &path, &lea, &json!({})).await;
    assert_eq!(dismissed.status, StatusCode::OK, "{:?}", dismissed.body);
    assert_eq!(dismissed.body["case_id"], n.refused.doc_id.to_string());
    let again = post_json(&n.w.app, &path, &lea, &json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let board = get(&n.w.app, "/v1/review/dashboard", &lea).await;
    assert_eq!(board.body["teams"][0]["figures"]["refused_changes"]["count"], 0);
    let after = get(&n.w.app, &format!("/v1/review/cases/{}", n.refused.doc_id), &lea).await;
    assert!(
        after.body["refused_changes"][0]["resolved_at"].is_i64(),
        "kept, marked handled"
    );
}
