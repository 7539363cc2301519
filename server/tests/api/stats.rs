//! The FIT and outcome statistics and the contacts export: known sets of courses written through the normal write
//! path, with every figure worked out by hand; small numbers suppressed; scope by team; and, for random cases, the
//! figures the API gives equal the ones counted straight from sync-core's assessment of the same documents.

use axum::http::StatusCode;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use server::store::User;
use sync_core::case::{Case, EntryRef, ErrorMark, OutcomeEvent, series};
use sync_core::fit::{Assessment, ChangeCategory, RuleSet};

use crate::fixtures::{World, Writer, ors, srs, uuid};
use crate::helpers::Backend;

both_backends!(
    every_figure_of_a_known_set_of_courses,
    a_lead_sees_their_team_and_an_admin_every_team,
    the_figures_equal_sync_cores_assessment_of_random_cases,
    the_contacts_export_has_a_row_per_contact_and_no_notes,
    the_outcomes_of_a_known_set_of_courses,
    the_fhir_export_holds_a_response_and_an_observation_per_rating,
);

const PERIOD: &str = "from=2025-01-01&to=2026-12-31";

async fn report(w: &World, user: &User, query: &str) -> Value {
    report_at(w, user, "/v1/review/stats/fit", query).await
}

async fn report_at(w: &World, user: &User, path: &str, query: &str) -> Value {
    let token = w.token(user).await;
    let answer = w.app.get(&format!("{path}?{query}"), Some(&token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.body
}

/// A Nord case (course from 2025-11-01, born 1980: 45 at the start) with contacts rated ORS `totals` (each item
/// a quarter of the total: give multiples of 4 mm) and SRS 38.0.
async fn course_with(w: &World, n: u8, totals: &[i64], holder: &User) -> Writer {
    let mut case = Writer::new(n, &w.north, &w.nord, holder);
    for (k, total) in totals.iter().enumerate() {
        let item = total / 4;
        case.add_contact(k as u128 + 1, Some(ors([item; 4])), Some(srs([95; 4])), true);
    }
    case
}

async fn every_figure_of_a_known_set_of_courses(backend: Backend) {
    let w = World::new(backend).await;
    let store = w.store().clone();
    // Intake → latest ORS (points), ORS items a quarter of each total: 15.2 → 22 (courses 1 and 7 to 10) and
    // 15.2 → 21.2 reliable improvement; 20 → 28 clinically significant; 20 → 21.2 no reliable change; 22 → 16
    // reliable deterioration; 30 → 31.2 started above the cutoff (25).
    for (n, totals) in [
        (1, [152, 220]),
        (2, [152, 212]),
        (3, [200, 280]),
        (4, [200, 212]),
        (5, [220, 160]),
        (6, [300, 312]),
        (7, [152, 220]),
        (8, [152, 220]),
        (9, [152, 220]),
        (10, [152, 220]),
    ] {
        let mut case = course_with(&w, n, &totals, &w.anna).await;
        if n == 6 {
            let course = case.course_id();
            case.doc
                .end_course(&course, "2026-01-31", "mutual_agreement", crate::fixtures::NOW)
                .expect("valid");
        }
        case.create(&store, &[&w.anna]).await;
    }
    // One contact with no ratings: no baseline.
    let mut unrated = Writer::new(11, &w.north, &w.nord, &w.anna);
    unrated.add_contact(1, None, None, true);
    unrated.create(&store, &[&w.anna]).await;
    // A course recorded in error stays in the record and out of every figure.
    let mut mistaken = course_with(&w, 12, &[100, 300], &w.anna).await;
    let course = mistaken.course_id();
    let mark = ErrorMark {
        by: w.anna.id.to_string(),
        at_ms: crate::fixtures::NOW,
        reason: "Oprettet på forkert borger".into(),
    };
    mistaken
        .doc
        .mark_in_error(EntryRef::Course(&course), mark, crate::fixtures::NOW)
        .expect("valid");
    mistaken.create(&store, &[&w.anna]).await;

    let body = report(&w, &w.lea, PERIOD).await;
    let stats = &body["all"];
    assert_eq!(body["teams"][0]["stats"], *stats, "one team: the same figures");
    assert_eq!(stats["courses_started"], 11);
    assert_eq!(stats["clients"], json!({ "n": 11, "too_few": false }));
    let groups: Vec<(String, Value)> = stats["age_groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["group"].as_str().expect("group").to_owned(),
                g["clients"]["n"].clone(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("under_18".to_owned(), json!(0)),
            ("18_24".to_owned(), json!(0)),
            ("25_39".to_owned(), json!(0)),
            ("40_64".to_owned(), json!(11)),
            ("65_plus".to_owned(), json!(0)),
            ("unknown".to_owned(), json!(0)),
        ]
    );
    // (6 × 15.2 + 20 + 20 + 22 + 30) / 10 = 18.32; SRS 38.0 everywhere; 21 contacts over 11 courses = 1.91.
    assert_eq!(
        stats["intake_ors"],
        json!({ "n": 10, "mean": 18.3, "too_few": false })
    );
    assert_eq!(
        stats["intake_srs"],
        json!({ "n": 10, "mean": 38.0, "too_few": false })
    );
    assert_eq!(
        stats["contacts_per_course"],
        json!({ "n": 11, "mean": 1.9, "too_few": false })
    );
    // Ten courses with a baseline: 6 + 1 improved reliably (70 %); every other category holds one course, and a
    // share of one in ten would give that one away.
    let share = |name: &str| {
        (
            stats["change"][name]["percent"].clone(),
            stats["change"][name]["of"].clone(),
        )
    };
    assert_eq!(share("reliable_improvement"), (json!(70.0), json!(10)));
    for name in [
        "clinically_significant",
        "reliable_deterioration",
        "no_reliable_change",
        "started_above_cutoff",
    ] {
        assert_eq!(share(name), (Value::Null, json!(10)), "{name}");
        assert_eq!(stats["change"][name]["too_few"], true, "{name}");
    }
    assert_eq!(
        stats["change"]["reliable_improvement"]["courses"],
        json!({ "n": 7, "too_few": false })
    );
    assert_eq!(
        stats["change"]["without_baseline"],
        json!({ "n": null, "too_few": true })
    );
    // One course ended (by mutual agreement, after 91 days): too few for a figure.
    assert_eq!(stats["courses_ended"], 1);
    assert_eq!(
        stats["course_length_days"],
        json!({ "n": 1, "mean": null, "too_few": true })
    );
    assert_eq!(
        stats["ended"][0],
        json!({ "reason": "mutual_agreement", "courses": { "n": null, "too_few": true } })
    );
    assert!(body["about"].as_str().expect("about").contains("do not"));

    // A period the courses did not start in holds none of them.
    let later = report(&w, &w.lea, "from=2026-06-01&to=2026-12-31").await;
    assert_eq!(later["all"]["courses_started"], 0);
    let bad = w
        .app
        .get(
            "/v1/review/stats/fit?from=2026-12-31&to=2026-01-01",
            Some(&w.token(&w.lea).await),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

async fn a_lead_sees_their_team_and_an_admin_every_team(backend: Backend) {
    let w = World::new(backend).await;
    let store = w.store().clone();
    for n in 1..=5 {
        course_with(&w, n, &[150, 220], &w.anna)
            .await
            .create(&store, &[&w.anna])
            .await;
    }
    let mut syd = Writer::new(9, &w.north, &w.syd, &w.cy);
    syd.add_contact(1, Some(ors([40; 4])), None, true);
    syd.create(&store, &[&w.cy]).await;

    let lea = report(&w, &w.lea, PERIOD).await;
    let names: Vec<&str> = lea["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Nord"]);
    assert_eq!(lea["all"]["courses_started"], 5);
    let admin = report(&w, &w.admin, PERIOD).await;
    assert_eq!(admin["teams"].as_array().map(Vec::len), Some(2));
    assert_eq!(admin["all"]["courses_started"], 6);
    let mads = report(&w, &w.mads, PERIOD).await;
    assert_eq!(
        mads["all"]["courses_started"], 0,
        "another tenant's courses are none of mads's"
    );
}

/// What the figures must be, counted straight from sync-core's assessment (not through the projection).
fn expected(cases: &[Case]) -> (usize, usize, usize, Option<f64>) {
    let rules = RuleSet::v1();
    let assessments: Vec<Assessment> = cases
        .iter()
        .flat_map(|case| series::series(case, &rules))
        .filter(|s| s.course.is_some())
        .map(|s| s.assessment)
        .collect();
    let improved = assessments
        .iter()
        .filter(|a| {
            matches!(
                a.category,
                ChangeCategory::ReliableImprovement | ChangeCategory::ClinicallySignificant
            )
        })
        .count();
    let with_baseline = assessments
        .iter()
        .filter(|a| a.category != ChangeCategory::NoBaseline)
        .count();
    let intakes: Vec<i64> = assessments
        .iter()
        .filter_map(|a| a.intake_index.and_then(|i| a.contacts[i].ors_total_mm))
        .collect();
    // The mean in points to one decimal: the mean in millimetres, rounded, over ten.
    let mean = (intakes.len() >= 5)
        .then(|| (intakes.iter().sum::<i64>() as f64 / intakes.len() as f64).round() / 10.0);
    (assessments.len(), with_baseline, improved, mean)
}

async fn the_figures_equal_sync_cores_assessment_of_random_cases(backend: Backend) {
    // Each run: 5 to 9 cases, each with 0 to 4 contacts whose ORS is random or missing.
    let contacts = proptest::collection::vec(proptest::option::of(0_i64..=100), 0..=4);
    let strategy = proptest::collection::vec(contacts, 5..=9);
    let mut runner = TestRunner::deterministic();
    for run in 0..4 {
        let w = World::new(backend).await;
        let store = w.store().clone();
        let plan = strategy.new_tree(&mut runner).expect("a value").current();
        let mut cases = Vec::new();
        for (i, contacts) in plan.iter().enumerate() {
            let mut case = Writer::new(u8::try_from(i + 1).expect("small"), &w.north, &w.nord, &w.anna);
            for (k, item) in contacts.iter().enumerate() {
                case.add_contact(k as u128 + 1, item.map(|item| ors([item; 4])), None, true);
            }
            case.create(&store, &[&w.anna]).await;
            cases.push(case.doc.read().expect("reads"));
        }
        let (courses, with_baseline, improved, mean) = expected(&cases);
        let body = report(&w, &w.lea, PERIOD).await;
        let stats = &body["all"];
        assert_eq!(stats["courses_started"], courses, "run {run}: {plan:?}");
        assert_eq!(
            stats["change"]["reliable_improvement"]["of"], with_baseline,
            "run {run}: {plan:?}"
        );
        if with_baseline >= 5 && improved >= 5 {
            assert_eq!(
                stats["change"]["reliable_improvement"]["courses"]["n"], improved,
                "run {run}"
            );
        }
        assert_eq!(stats["intake_ors"]["mean"], json!(mean), "run {run}: {plan:?}");
    }
}

async fn the_contacts_export_has_a_row_per_contact_and_no_notes(backend: Backend) {
    let w = World::new(backend).await;
    let store = w.store().clone();
    let mut case = course_with(&w, 1, &[152, 220], &w.anna).await;
    // Writer's even-numbered contacts have notes: they must not reach the export.
    case.create(&store, &[&w.anna]).await;
    let mut syd = Writer::new(9, &w.north, &w.syd, &w.cy);
    syd.add_contact(1, Some(ors([40; 4])), None, true);
    syd.create(&store, &[&w.cy]).await;
    let path = format!("/v1/export/contacts.csv?{PERIOD}");

    let anna = w.token(&w.anna).await;
    assert_eq!(w.app.get(&path, Some(&anna)).await.status, StatusCode::FORBIDDEN);
    let lea = w.token(&w.lea).await;
    let answer = w.app.get(&path, Some(&lea)).await;
    assert_eq!(answer.status, StatusCode::OK);
    let csv = answer.body.as_str().expect("text");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "a header and Nord's two contacts: {csv}");
    assert!(lines[0].starts_with("case_id,contact_id,date,kind,duration_minutes"));
    let first: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(first[0], case.doc_id.to_string());
    assert_eq!(first[3], "home_visit");
    assert_eq!((first[7], first[8], first[9]), ("ors", "15.2", "citizen"));
    assert_eq!((first[10], first[11]), ("srs", "38.0"));
    assert!(!csv.contains("Talte om ugen"), "no notes in the export");
    let admin = w.token(&w.admin).await;
    let all = w.app.get(&path, Some(&admin)).await;
    assert_eq!(
        all.body.as_str().expect("text").lines().count(),
        4,
        "an admin exports the tenant"
    );

    let logged = w.logged(&w.lea, "export", None).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0].detail.as_deref(),
        Some("contacts.csv from=2025-01-01 to=2026-12-31")
    );
}

async fn the_outcomes_of_a_known_set_of_courses(backend: Backend) {
    let w = World::new(backend).await;
    let store = w.store().clone();
    let now = crate::fixtures::NOW;
    for n in 1..=6_u8 {
        let mut case = Writer::new(n, &w.north, &w.nord, &w.anna);
        let course = case.course_id();
        // Planned 2025-11-01 → 2026-05-01 (181 days), ended 2026-03-02 (121 days).
        case.doc
            .change(now, "planned end", |c| {
                c.courses.get_mut(&course).expect("course").planned_end = Some("2026-05-01".into());
                Ok(())
            })
            .expect("valid");
        let reason = if n == 6 { "moved" } else { "mutual_agreement" };
        case.doc
            .end_course(&course, "2026-03-02", reason, now)
            .expect("valid");
        let (kind, date) = if n == 6 {
            ("job", "2026-03-01")
        } else {
            ("own_home", "2026-02-15")
        };
        let outcome = |kind: &str, date: &str| OutcomeEvent {
            kind: kind.into(),
            date: date.into(),
            note: "Syntetisk note".into(),
            entered_in_error: None,
        };
        case.doc
            .add_outcome(uuid(600 + u128::from(n)), outcome(kind, date), now)
            .expect("valid");
        if n == 1 {
            // Made in error: it stays in the record but is no outcome.
            let wrong = uuid(700);
            case.doc
                .add_outcome(wrong, outcome("less_support", "2026-02-20"), now)
                .expect("valid");
            let mark = ErrorMark {
                by: w.anna.id.to_string(),
                at_ms: now,
                reason: "Forkert borger".into(),
            };
            case.doc
                .mark_in_error(EntryRef::Outcome(&wrong.to_string()), mark, now)
                .expect("valid");
        }
        case.create(&store, &[&w.anna]).await;
    }

    let body = report_at(&w, &w.lea, "/v1/review/stats/outcomes", PERIOD).await;
    let stats = &body["all"];
    let events: Vec<(String, Value)> = stats["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| (e["kind"].as_str().expect("kind").to_owned(), e["events"].clone()))
        .collect();
    assert_eq!(
        events,
        [
            ("own_home".to_owned(), json!({ "n": 5, "too_few": false })),
            ("job".to_owned(), json!({ "n": null, "too_few": true })),
            (
                "job_special_terms".to_owned(),
                json!({ "n": 0, "too_few": false })
            ),
            ("less_support".to_owned(), json!({ "n": 0, "too_few": false })),
            ("support_ended".to_owned(), json!({ "n": 0, "too_few": false })),
            ("self_support".to_owned(), json!({ "n": 0, "too_few": false })),
        ]
    );
    assert_eq!(stats["courses_ended"], 6);
    assert_eq!(
        stats["ended"][0],
        json!({ "reason": "mutual_agreement", "courses": { "n": 5, "too_few": false } })
    );
    assert_eq!(
        stats["ended"][2],
        json!({ "reason": "moved", "courses": { "n": null, "too_few": true } })
    );
    assert_eq!(
        stats["length_against_plan"],
        json!({ "n": 6, "mean_days": 121.0, "mean_planned_days": 181.0, "too_few": false })
    );
    let months = stats["months"].as_array().expect("months");
    assert_eq!(months.len(), 24);
    let month = |m: &str| months.iter().find(|x| x["month"] == m).expect("a month").clone();
    assert_eq!(month("2025-11")["courses_started"]["n"], 6);
    assert_eq!(month("2026-03")["courses_ended"]["n"], 6);
    assert_eq!(month("2026-02")["events"][0]["events"]["n"], 5);
    assert_eq!(
        month("2026-03")["events"][1]["events"],
        json!({ "n": null, "too_few": true })
    );
}

async fn the_fhir_export_holds_a_response_and_an_observation_per_rating(backend: Backend) {
    let w = World::new(backend).await;
    let store = w.store().clone();
    let mut case = course_with(&w, 1, &[152, 220], &w.anna).await;
    // A contact whose SRS was skipped: a response without items and no observation.
    case.add_contact(
        3,
        Some(ors([60; 4])),
        Some(sync_core::fit::Rating::skipped(
            sync_core::fit::Instrument::Srs,
            sync_core::fit::RaterKind::Citizen,
        )),
        true,
    );
    case.create(&store, &[&w.anna]).await;
    let path = format!("/v1/export/fhir?{PERIOD}");
    let anna = w.token(&w.anna).await;
    assert_eq!(w.app.get(&path, Some(&anna)).await.status, StatusCode::FORBIDDEN);
    let lea = w.token(&w.lea).await;
    let answer = w.app.get(&path, Some(&lea)).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let bundle = &answer.body;
    assert_eq!(
        (bundle["resourceType"].as_str(), bundle["type"].as_str()),
        (Some("Bundle"), Some("collection"))
    );
    let resources: Vec<&Value> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let of = |kind: &str| resources.iter().filter(|r| r["resourceType"] == kind).count();
    // Three contacts with ORS and SRS: six responses; the skipped SRS has no total, so five observations.
    assert_eq!((of("QuestionnaireResponse"), of("Observation")), (6, 5));
    let first = resources[0];
    assert_eq!(first["questionnaire"], "urn:tovholder:fit:questionnaire:ors");
    assert_eq!(
        first["item"][0],
        json!({ "linkId": "1", "answer": [{ "valueDecimal": 3.8 }] })
    );
    assert_eq!(first["subject"]["identifier"]["value"], case.doc_id.to_string());
    assert_eq!(
        first["extension"][0]["valueCoding"]["system"],
        "urn:oid:1.2.208.176.2.22"
    );
    let total = resources[1];
    assert_eq!(total["valueQuantity"]["value"], 15.2);
    assert_eq!(
        total["derivedFrom"][0]["reference"],
        format!("urn:uuid:{}", first["id"].as_str().expect("id"))
    );
    assert!(bundle.get("link").is_none(), "everything on one page");

    // Paged: two ratings a page, each page linking to the next, the last to none; together the same resources.
    let mut next = Some(format!("/v1/export/fhir?{PERIOD}&limit=2"));
    let mut paged = Vec::new();
    while let Some(url) = next {
        let page = w.app.get(&url, Some(&lea)).await;
        assert_eq!(page.status, StatusCode::OK, "{url}: {:?}", page.body);
        paged.extend(
            page.body["entry"]
                .as_array()
                .expect("entries")
                .iter()
                .map(|e| e["resource"]["id"].clone()),
        );
        next = page.body["link"][0]["url"].as_str().map(str::to_owned);
        assert!(paged.len() <= 12, "the pages end");
    }
    let all: Vec<Value> = resources.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(paged, all);
    let too_big = w
        .app
        .get(&format!("/v1/export/fhir?{PERIOD}&limit=100000"), Some(&lea))
        .await;
    assert_eq!(too_big.status, StatusCode::BAD_REQUEST);

    let text = bundle.to_string();
    assert!(
        !text.contains("Talte om ugen") && !text.contains("Fiktivsen"),
        "no notes and no names"
    );
    let exports = w.logged(&w.lea, "export", None).await;
    assert_eq!(
        exports.last().and_then(|row| row.detail.as_deref()),
        Some("fhir from=2025-01-01 to=2026-12-31 limit=10000 offset=0"),
        "the first export, oldest last"
    );
}
