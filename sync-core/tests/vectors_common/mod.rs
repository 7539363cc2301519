//! What the vector generators (`agenda_vectors.rs`, `series_vectors.rs`, `edit_vectors.rs` and the others) share: the
//! synthetic case and entries they build on, the expectation of an edit that changed nothing, and the one check that
//! a vector file is what sync-core computes now.
#![allow(dead_code)]

use serde_json::{Value, json};
use sync_core::case::{Approval, Case, CaseError, Citizen, Course, FollowUp};

/// The FFB service every generated course names (a time-limited socialpædagogisk service).
pub const SERVICE: &str = "1f0ff82b-3243-422f-9651-1d00fd2dcd61";

/// An empty case of a synthetic citizen born in 1980, in Høje-Taastrup's team Nord.
pub fn citizen_case(reference: &str) -> Case {
    Case::new(
        "hoeje-taastrup",
        "team-nord",
        Citizen {
            display_name: "Synthetic Citizen".into(),
            reference: reference.into(),
            birth_year: Some(1980),
        },
    )
}

/// A course of two hours a week that needs no approval; ended for a mutual agreement when `end` is given.
pub fn course(legal_basis: &str, start: &str, planned_end: Option<&str>, end: Option<&str>) -> Course {
    Course {
        service: SERVICE.into(),
        legal_basis: legal_basis.into(),
        start: start.into(),
        planned_end: planned_end.map(str::to_owned),
        end: end.map(str::to_owned),
        end_reason: end.map(|_| "mutual_agreement".to_owned()),
        granted_minutes_per_week: 120,
        granted_sessions: None,
        approval: Approval {
            state: "not_required".into(),
            by: None,
            at_ms: None,
        },
        extensions: vec![],
        entered_in_error: None,
    }
}

/// A follow-up on the citizen's status.
pub fn follow_up(due: &str, done: bool) -> FollowUp {
    FollowUp {
        due: due.into(),
        purpose: "Status with the citizen".into(),
        with: vec![],
        done,
        done_note: String::new(),
        entered_in_error: None,
    }
}

/// The expectation of an edit that left the document as it was: `unchanged`, or its refusal (`invalid` with the
/// field and problem, `not_found` with what and which). `generator` names the vectors in the panic for any other
/// error, which no vector may produce.
pub fn unchanged_or_refused<T>(result: Result<T, CaseError>, generator: &str) -> Value {
    match result {
        Ok(_) => json!({"result": "unchanged"}),
        Err(CaseError::Invalid(error)) => {
            json!({"result": "invalid", "error": {"field": error.field, "problem": error.problem}})
        }
        Err(CaseError::NotFound { what, id }) => json!({"result": "not_found", "what": what, "id": id}),
        Err(other) => panic!("{generator} cannot produce {other}"),
    }
}

/// Fails unless `tests/vectors/{file}` holds `generated` exactly; with `TOVHOLDER_WRITE_VECTORS` set, writes it
/// first (after a deliberate rule change: regenerate, then review the diff). `test` names the generator.
pub fn check_vectors(file: &str, test: &str, generated: &Value) {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = format!("{}\n", serde_json::to_string_pretty(generated).expect("json"));
    if std::env::var_os("TOVHOLDER_WRITE_VECTORS").is_some() {
        std::fs::write(&path, &text).expect("write the vectors");
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == text,
        "tests/vectors/{file} is not what sync-core computes; regenerate it with \
         TOVHOLDER_WRITE_VECTORS=1 cargo test -p sync-core --test {test} and review the diff"
    );
}
