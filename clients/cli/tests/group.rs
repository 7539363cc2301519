//! A group session in `tov` against a real server (issue 12, point 7): recorded once, offline, for three citizens,
//! it lands as a group contact in each one's case with the session form each filled in (GSRS at any age, as
//! sync-core's `fit::forms` decides for a group); a rating one case refuses records nothing in any case; after one sync the
//! server's projections hold all three.

mod common;

use cli::view::short;
use common::{login_as, new_case, printed_id, shown, start_server, stdout, sync, tov};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_session_lands_in_every_participants_case_or_in_none() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;
    let adult = new_case(dir.path(), "T-GROUP-1", Some(1984)).await;
    let other = new_case(dir.path(), "T-GROUP-2", Some(1990)).await;
    let child = new_case(dir.path(), "T-GROUP-3", Some(2016)).await;
    let started = tov(
        dir.path(),
        &[
            "course",
            "start",
            &adult,
            "--service",
            "Socialpædagogisk støtte",
            "--basis",
            "s82a",
            "--start",
            "2026-09-01",
            "--hours-per-week",
            "1",
        ],
    )
    .await;
    assert!(started.status.success(), "{}", shown(&started));
    let course = printed_id(&started, "course ");
    let paused = server.pause().await;

    // 45 points is beyond GSRS's 40: the adult's case refuses it, so nobody's case gets the session.
    let refused = tov(
        dir.path(),
        &[
            "contact",
            "group",
            &adult,
            &other,
            &child,
            "--rating",
            &format!("{other}=paper:31.5"),
            "--rating",
            &format!("{adult}=paper:45"),
            "--note",
            "Cooking together",
        ],
    )
    .await;
    assert_eq!(refused.status.code(), Some(2), "{}", shown(&refused));
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(said.contains(&format!("case {}", short(&adult))), "{said}");
    for case in [&adult, &other, &child] {
        let view = tov(dir.path(), &["case", case, "--purpose", "visit"]).await;
        assert!(view.status.success(), "{}", shown(&view));
        assert!(!stdout(&view).contains("Cooking together"), "{}", shown(&view));
    }

    let typo = tov(
        dir.path(),
        &["contact", "group", &adult, &other, "--rating", "nobody=paper:20"],
    )
    .await;
    assert_eq!(typo.status.code(), Some(2), "{}", shown(&typo));

    let recorded = tov(
        dir.path(),
        &[
            "contact",
            "group",
            &adult,
            &other,
            &child,
            "--rating",
            &format!("{adult}=paper:31.5"),
            "--rating",
            &format!("{child}=9,8.5,9,9"),
            "--note",
            "Cooking together",
            "--minutes",
            "120",
        ],
    )
    .await;
    assert!(recorded.status.success(), "{}", shown(&recorded));
    assert!(
        stdout(&recorded).contains("3 participant(s)"),
        "{}",
        shown(&recorded)
    );
    let view = tov(dir.path(), &["case", &child, "--purpose", "visit"]).await;
    assert!(stdout(&view).contains("Cooking together"), "{}", shown(&view));

    let server = paused.resume().await;
    let synced = tov(dir.path(), &["sync"]).await;
    assert!(synced.status.success(), "{}", shown(&synced));
    let mut instruments = Vec::new();
    for case in [&adult, &other, &child] {
        let rows = server
            .state
            .store
            .projection_rows(&case.parse().expect("a case id"))
            .await
            .expect("store");
        assert_eq!(rows.contacts.len(), 1, "{case}: {:?}", rows.contacts);
        let contact = &rows.contacts[0];
        assert_eq!((contact.kind.as_str(), contact.duration_minutes), ("group", 120));
        instruments.push(
            rows.fit_scores
                .iter()
                .map(|s| s.instrument.clone())
                .collect::<Vec<_>>(),
        );
        if case == &adult {
            assert!(
                contact
                    .course_id
                    .as_deref()
                    .is_some_and(|id| id.starts_with(&course)),
                "the contact is in the adult's running course"
            );
            assert!(rows.fit_scores[0].paper_total);
        }
    }
    assert_eq!(
        instruments,
        [vec!["gsrs".to_owned()], vec![], vec!["gsrs".to_owned()]],
        "GSRS for the adult and for a ten-year-old; nothing for who filled in none"
    );
}
