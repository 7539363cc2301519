//! The course of support with the real `tov` against a real server (issue 12, points 3, 4 and 6 in `tov`): a §82b
//! course needs its planned end, a grant above the limit awaits a lead, follow-ups are planned (on the offered
//! date by default), marked overdue and done, an outcome is recorded, a course ended; all offline, and after one
//! sync the server's projections hold it.

mod common;

use cli::time::now_ms;
use common::{login_as, new_case, printed_id, shown, start_server, stdout, sync, tov};
use sync_core::case::date::Date;

const TIME_LIMITED: &str = "Individuel tidsbegrænset socialpædagogisk hjælp og støtte";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_course_with_follow_ups_and_an_outcome_is_kept_offline_and_reaches_the_projections() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;
    let case = new_case(dir.path(), "T-COURSE", Some(1984)).await;
    let paused = server.pause().await;

    let today = Date::from_unix_ms(now_ms());
    let (in_ten_days, yesterday) = (today.plus_days(10).to_string(), today.plus_days(-1).to_string());
    let in_forty_days = today.plus_days(40).to_string();
    let start = today.plus_days(-30).to_string();

    // §82b is time-limited: no planned end, no course.
    let no_end = tov(
        dir.path(),
        &[
            "course",
            "start",
            &case,
            "--service",
            TIME_LIMITED,
            "--basis",
            "s82b",
            "--start",
            &start,
            "--hours-per-week",
            "2",
        ],
    )
    .await;
    assert_eq!(no_end.status.code(), Some(2), "{}", shown(&no_end));
    assert!(
        String::from_utf8_lossy(&no_end.stderr).contains("planned end"),
        "{}",
        shown(&no_end)
    );

    let started = tov(
        dir.path(),
        &[
            "course",
            "start",
            &case,
            "--service",
            TIME_LIMITED,
            "--basis",
            "s82b",
            "--start",
            &start,
            "--planned-end",
            &in_ten_days,
            "--hours-per-week",
            "2",
        ],
    )
    .await;
    assert!(started.status.success(), "{}", shown(&started));
    let course = printed_id(&started, "course ");
    let big = tov(
        dir.path(),
        &[
            "course",
            "start",
            &case,
            "--service",
            "etablering i bolig",
            "--basis",
            "s85",
            "--start",
            &start,
            "--hours-per-week",
            "6",
            "--sessions",
            "2",
        ],
    )
    .await;
    assert!(
        stdout(&big).contains("awaits a team lead's approval"),
        "{}",
        shown(&big)
    );

    let late = tov(
        dir.path(),
        &[
            "follow-up",
            "plan",
            &case,
            "--due",
            &yesterday,
            "--purpose",
            "Status with the jobcentre",
            "--with",
            "citizen,jobcenter",
        ],
    )
    .await;
    assert!(late.status.success(), "{}", shown(&late));
    let late_id = printed_id(&late, "follow-up ");
    let offered = tov(
        dir.path(),
        &["follow-up", "plan", &case, "--purpose", "Quarterly follow-up"],
    )
    .await;
    let next = today.plus_days(-1).plus_days(91).to_string();
    assert!(
        stdout(&offered).contains(&format!("on {next}")),
        "{}",
        shown(&offered)
    );

    // The caseload marks the overdue follow-up and the course ending in ten days.
    let cases = tov(dir.path(), &["cases"]).await;
    let line = stdout(&cases)
        .lines()
        .find(|l| l.contains("Synthetic Citizen"))
        .unwrap_or_default()
        .to_owned();
    assert!(line.contains("follow-up-overdue"), "{}", shown(&cases));
    assert!(
        line.contains(&format!("course-ends:{in_ten_days}")),
        "{}",
        shown(&cases)
    );

    for args in [
        vec![
            "follow-up",
            "done",
            &case,
            &late_id,
            "--note",
            "New sub-goal on the rent",
        ],
        vec![
            "outcome",
            "add",
            &case,
            "--kind",
            "own_home",
            "--date",
            &yesterday,
            "--note",
            "Signed the lease",
        ],
        vec![
            "course",
            "extend",
            &case,
            &course,
            "--to",
            &in_forty_days,
            "--reason",
            "Close to the goal",
        ],
        vec![
            "course",
            "end",
            &case,
            &course,
            "--date",
            &yesterday,
            "--reason",
            "mutual_agreement",
        ],
    ] {
        let done = tov(dir.path(), &args).await;
        assert!(done.status.success(), "{args:?}: {}", shown(&done));
    }
    let again = tov(
        dir.path(),
        &[
            "course", "end", &case, &course, "--date", &yesterday, "--reason", "moved",
        ],
    )
    .await;
    assert_eq!(
        again.status.code(),
        Some(2),
        "an ended course is not ended again: {}",
        shown(&again)
    );
    let view = tov(dir.path(), &["case", &case, "--purpose", "follow_up"]).await;
    assert!(stdout(&view).contains("Own home"), "{}", shown(&view));
    assert!(
        stdout(&view).contains("with: The citizen, Job centre")
            && stdout(&view).contains("how it went: New sub-goal on the rent")
            && stdout(&view).contains(&format!(
                "extended {in_ten_days} -> {in_forty_days}: Close to the goal"
            ))
            && stdout(&view).contains("punch card: 2 of 2 sessions left"),
        "{}",
        shown(&view)
    );
    // A quarter after the latest planned, the one offered before.
    let after_that = today.plus_days(90 + 91);
    assert!(
        stdout(&view).contains(&format!("next follow-up offered: {after_that}")),
        "{}",
        shown(&view)
    );

    // Online again: one sync, and the back office's rows hold all of it.
    let server = paused.resume().await;
    let synced = tov(dir.path(), &["sync"]).await;
    assert!(synced.status.success(), "{}", shown(&synced));
    let rows = server
        .state
        .store
        .projection_rows(&case.parse().expect("a case id"))
        .await
        .expect("store");
    assert_eq!(rows.courses.len(), 2, "{:?}", rows.courses);
    let ended = rows
        .courses
        .iter()
        .find(|c| c.course_id.starts_with(&course))
        .expect("the §82b course");
    assert_eq!(ended.end_date.as_deref(), Some(yesterday.as_str()));
    assert_eq!(ended.end_reason.as_deref(), Some("mutual_agreement"));
    assert_eq!(ended.planned_end_date.as_deref(), Some(in_forty_days.as_str()));
    let awaiting = rows
        .courses
        .iter()
        .find(|c| c.legal_basis == "s85")
        .expect("the §85 course");
    assert_eq!(awaiting.approval_state, "awaiting");
    assert_eq!(awaiting.granted_minutes_per_week, 360);
    assert_eq!(rows.outcomes.len(), 1);
    assert_eq!(rows.outcomes[0].kind, "own_home");
    // The done follow-up is no longer due; the offered one is.
    assert_eq!(rows.summary.next_follow_up_due.as_deref(), Some(next.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_cut_short_ends_tov_quietly() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;
    let tov = env!("CARGO_BIN_EXE_tov");
    let dir = dir.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        // The reader is gone before tov writes (`true` reads nothing and exits at once, tov first opens its
        // store), as when `head` has read its lines; tov's own exit status is printed to stderr.
        std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "'{tov}' --profile '{}' cases | true; echo \"tov exit ${{PIPESTATUS[0]}}\" >&2",
                dir.display()
            ))
            .env("TOV_PASSWORD", common::PASSWORD)
            .output()
            .expect("runs")
    })
    .await
    .expect("joins");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim(), "tov exit 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_made_in_error_stay_in_the_record_and_are_not_acted_on() {
    let server = start_server().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = login_as(&server, "anna", dir.path()).await;
    sync(&profile).await;
    let case = new_case(dir.path(), "T-ERROR", None).await;
    let today = Date::from_unix_ms(now_ms());
    let start = today.plus_days(-10).to_string();
    let started = tov(
        dir.path(),
        &[
            "course",
            "start",
            &case,
            "--service",
            "etablering i bolig",
            "--basis",
            "s85",
            "--start",
            &start,
            "--hours-per-week",
            "2",
        ],
    )
    .await;
    let course = printed_id(&started, "course ");
    let planned = tov(dir.path(), &["follow-up", "plan", &case, "--purpose", "Status"]).await;
    let follow_up = printed_id(&planned, "follow-up ");
    let recorded = tov(
        dir.path(),
        &["outcome", "add", &case, "--kind", "job", "--date", &start],
    )
    .await;
    let outcome = printed_id(&recorded, "outcome ");

    let no_reason = tov(
        dir.path(),
        &["outcome", "mark-in-error", &case, &outcome, "--reason", " "],
    )
    .await;
    assert_eq!(no_reason.status.code(), Some(2), "{}", shown(&no_reason));
    for (what, id) in [
        ("course", &course),
        ("follow-up", &follow_up),
        ("outcome", &outcome),
    ] {
        let marked = tov(
            dir.path(),
            &[
                what,
                "mark-in-error",
                &case,
                id,
                "--reason",
                "recorded on the wrong citizen",
            ],
        )
        .await;
        assert!(marked.status.success(), "{what}: {}", shown(&marked));
        let again = tov(
            dir.path(),
            &[what, "mark-in-error", &case, id, "--reason", "again"],
        )
        .await;
        assert_eq!(
            again.status.code(),
            Some(2),
            "a mark is permanent: {}",
            shown(&again)
        );
    }
    // Not acted on again: a course made in error is not ended, a follow-up made in error not done.
    let end = tov(
        dir.path(),
        &[
            "course", "end", &case, &course, "--date", &start, "--reason", "other",
        ],
    )
    .await;
    assert_eq!(end.status.code(), Some(2), "{}", shown(&end));
    let done = tov(dir.path(), &["follow-up", "done", &case, &follow_up]).await;
    assert_eq!(done.status.code(), Some(2), "{}", shown(&done));
    let view = tov(dir.path(), &["case", &case, "--purpose", "review"]).await;
    assert_eq!(
        stdout(&view).matches("made in error").count(),
        3,
        "{}",
        shown(&view)
    );

    let synced = tov(dir.path(), &["sync"]).await;
    assert!(synced.status.success(), "{}", shown(&synced));
    let rows = server
        .state
        .store
        .projection_rows(&case.parse().expect("a case id"))
        .await
        .expect("store");
    assert!(rows.courses.iter().all(|c| c.in_error), "{:?}", rows.courses);
    assert!(rows.outcomes.iter().all(|o| o.in_error), "{:?}", rows.outcomes);
    assert_eq!(
        rows.summary.next_follow_up_due, None,
        "a follow-up made in error is not due"
    );
}
