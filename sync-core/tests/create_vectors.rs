//! `tests/vectors/case-create.json`: a worker opens a case for a citizen in their own team (`Case::opened_by`,
//! created by sync-core's own [`CaseDocument::create`]), with the case as it reads back or the refusal. The web
//! app runs every vector (`clients/web/tests/case-create-vectors.test.ts`), so a case created offline on the phone
//! is the case `tov case new` creates, and is refused for the same reasons.
//!
//! After a deliberate rule change, regenerate it with
//! `TOVHOLDER_WRITE_VECTORS=1 cargo test -p sync-core --test create_vectors` and review the diff.

mod vectors_common;

use automerge::ActorId;
use serde_json::{Value, json};
use sync_core::case::{Case, CaseDocument, CaseError, Citizen};
use vectors_common::check_vectors;

const NOW_MS: i64 = 1_781_524_800_000;
const TENANT: &str = "hoeje-taastrup";
const TEAM: &str = "team-nord";
const WORKER_ID: &str = "0b0e0000-0000-4000-8000-000000000001";
const WORKER_NAME: &str = "anna";

fn citizen(name: &str, reference: &str, birth_year: Option<i64>) -> Citizen {
    Citizen {
        display_name: name.into(),
        reference: reference.into(),
        birth_year,
    }
}

fn vectors() -> Vec<(&'static str, &'static str, Citizen)> {
    let long = "x".repeat(501);
    vec![
        (
            "adult",
            "the worker becomes the tovholder and the first assigned worker; the plan is empty",
            citizen("Synthetic Citizen", "T-1001", Some(1984)),
        ),
        (
            "child",
            "a child's case is created like any other; its FIT forms follow from the birth year",
            citizen("Synthetic Child", "T-1002", Some(2017)),
        ),
        (
            "birth_year_unknown",
            "the birth year may be left out",
            citizen("Synthetic Citizen", "T-1003", None),
        ),
        (
            "name_blank",
            "a citizen needs a name: blank is missing",
            citizen("   ", "T-1004", Some(1990)),
        ),
        (
            "reference_missing",
            "a case needs the municipality's pseudonymous reference",
            citizen("Synthetic Citizen", "", Some(1990)),
        ),
        (
            "name_too_long",
            "a line is at most 500 characters",
            citizen(&long, "T-1005", Some(1990)),
        ),
        (
            "birth_year_before_1900",
            "a birth year is 1900 to 2200",
            citizen("Synthetic Citizen", "T-1006", Some(1899)),
        ),
    ]
}

fn expectation(citizen: &Citizen) -> Value {
    let case = Case::opened_by(TENANT, TEAM, citizen.clone(), WORKER_ID, WORKER_NAME);
    match CaseDocument::create(ActorId::from(vec![1u8; 16]), &case, NOW_MS) {
        Ok(doc) => {
            let read = doc.read().expect("a created case reads back");
            json!({"result": "created", "case": serde_json::to_value(&read).expect("json")})
        }
        Err(CaseError::Invalid(error)) => {
            json!({"result": "invalid", "error": {"field": error.field, "problem": error.problem}})
        }
        Err(other) => panic!("a create vector cannot produce {other}"),
    }
}

#[test]
fn create_vectors_are_what_sync_core_computes() {
    let cases: Vec<Value> = vectors()
        .into_iter()
        .map(|(name, why, citizen)| {
            json!({
                "name": name,
                "why": why,
                "citizen": serde_json::to_value(&citizen).expect("json"),
                "expect": expectation(&citizen),
            })
        })
        .collect();
    let generated = json!({
        "about": "A worker opens a case for `citizen` in their own team (Case::opened_by, CaseDocument::create in \
                  tests/create_vectors.rs), with the case as it reads back or the refusal. See README.md.",
        "tenant": TENANT,
        "team": TEAM,
        "worker": {"id": WORKER_ID, "name": WORKER_NAME},
        "cases": cases,
    });
    check_vectors("case-create.json", "create_vectors", &generated);
}
