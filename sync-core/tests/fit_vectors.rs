//! Runs the language-neutral FIT vectors in `tests/vectors/` (shared with the TypeScript client) against sync-core.
//!
//! Every case is checked and all failures are reported together, so a rule change shows its whole footprint at once.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};
use sync_core::fit::{
    AlertKind, Assessment, ChangeCategory, Instrument, RaterKind, Rating, RuleSet, ScoredContact,
};

fn vector(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FitVectors {
    #[allow(dead_code)]
    about: String,
    rule_set: String,
    cases: Vec<FitCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FitCase {
    name: String,
    #[allow(dead_code)]
    why: String,
    birth_year: Option<i32>,
    #[serde(default)]
    rules_patch: Option<serde_json::Map<String, Value>>,
    contacts: Vec<ScoredContact>,
    expect: Expect,
}

/// The expected outcome. The first five fields are always given; the per-contact flags only where a case pins them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    ors_totals_mm: Vec<Option<i64>>,
    srs_totals_mm: Vec<Option<i64>>,
    category: ChangeCategory,
    change_mm: Option<i64>,
    alerts: Vec<Value>,
    ors_cutoffs_mm: Option<Vec<Option<i64>>>,
    ors_clinical: Option<Vec<Option<bool>>>,
    srs_below_cutoff: Option<Vec<Option<bool>>>,
    ors_paper_total: Option<Vec<bool>>,
    srs_paper_total: Option<Vec<bool>>,
    intake_index: Option<usize>,
    latest_index: Option<usize>,
}

fn rules_for(case: &FitCase) -> RuleSet {
    let Some(patch) = &case.rules_patch else {
        return RuleSet::v1();
    };
    let mut rules = serde_json::to_value(RuleSet::v1()).expect("rules serialize");
    for (key, value) in patch {
        rules[key] = value.clone();
    }
    RuleSet::from_json(&rules.to_string()).unwrap_or_else(|e| panic!("{}: rules_patch: {e}", case.name))
}

/// The differences between what a case expects and what the assessment says, one line each.
fn differences(case: &FitCase, rules: &RuleSet, got: &Assessment) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, expected: Value, actual: Value| {
        if expected != actual {
            out.push(format!(
                "{}: {what}: expected {expected}, got {actual}",
                case.name
            ));
        }
    };
    let per_contact = |f: &dyn Fn(&sync_core::fit::ContactAssessment) -> Value| -> Value {
        got.contacts.iter().map(f).collect()
    };
    let e = &case.expect;
    check(
        "ors_totals_mm",
        json!(e.ors_totals_mm),
        per_contact(&|c| json!(c.ors_total_mm)),
    );
    check(
        "srs_totals_mm",
        json!(e.srs_totals_mm),
        per_contact(&|c| json!(c.srs_total_mm)),
    );
    check("category", json!(e.category), json!(got.category));
    check("change_mm", json!(e.change_mm), json!(got.change_mm));
    let alerts: Value = got
        .alerts
        .iter()
        .map(|a| json!({"kind": a.kind, "contact_index": a.contact_index, "item": a.item}))
        .collect();
    check("alerts", json!(e.alerts), alerts);
    if let Some(expected) = &e.ors_cutoffs_mm {
        check(
            "ors_cutoffs_mm",
            json!(expected),
            per_contact(&|c| json!(c.ors_cutoff_mm)),
        );
    }
    if let Some(expected) = &e.ors_clinical {
        check(
            "ors_clinical",
            json!(expected),
            per_contact(&|c| json!(c.ors_clinical)),
        );
    }
    if let Some(expected) = &e.srs_below_cutoff {
        check(
            "srs_below_cutoff",
            json!(expected),
            per_contact(&|c| json!(c.srs_below_cutoff)),
        );
    }
    if let Some(expected) = &e.ors_paper_total {
        check(
            "ors_paper_total",
            json!(expected),
            per_contact(&|c| json!(c.ors_paper_total)),
        );
    }
    if let Some(expected) = &e.srs_paper_total {
        check(
            "srs_paper_total",
            json!(expected),
            per_contact(&|c| json!(c.srs_paper_total)),
        );
    }
    if e.intake_index.is_some() {
        check("intake_index", json!(e.intake_index), json!(got.intake_index));
    }
    if e.latest_index.is_some() {
        check("latest_index", json!(e.latest_index), json!(got.latest_index));
    }
    if got.alerts.iter().any(|a| a.rule_set_version != rules.version) {
        out.push(format!(
            "{}: an alert does not carry rule set version {}",
            case.name, rules.version
        ));
    }
    out
}

#[test]
fn fit_vectors_assess_as_expected() {
    let vectors: FitVectors =
        serde_json::from_value(vector("fit.json")).expect("fit.json has the documented shape");
    assert_eq!(
        vectors.rule_set,
        RuleSet::v1().version,
        "the vectors are written for the embedded rule set"
    );

    let mut failures = Vec::new();
    for case in &vectors.cases {
        let rules = rules_for(case);
        let got = sync_core::fit::assess(&rules, case.birth_year, &case.contacts);
        failures.extend(differences(case, &rules, &got));
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fit_vectors_cover_every_category_and_alert_kind() {
    let vectors: FitVectors =
        serde_json::from_value(vector("fit.json")).expect("fit.json has the documented shape");
    assert!(vectors.cases.len() >= 30, "only {} cases", vectors.cases.len());
    for category in ChangeCategory::ALL {
        assert!(
            vectors.cases.iter().any(|c| c.expect.category == category),
            "no vector expects category {category:?}"
        );
    }
    for kind in AlertKind::ALL {
        let kind = json!(kind);
        assert!(
            vectors
                .cases
                .iter()
                .flat_map(|c| &c.expect.alerts)
                .any(|a| a["kind"] == kind),
            "no vector expects alert {kind}"
        );
    }
}

#[test]
fn validation_vectors_refuse_and_accept_as_expected() {
    let vectors = vector("fit-validation.json");
    let mut failures = Vec::new();
    let cases = |key: &str| {
        vectors[key]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("{key} is a list"))
    };
    let name = |case: &Value| case["name"].as_str().unwrap_or("?").to_owned();

    for case in cases("invalid") {
        let rating: Rating =
            serde_json::from_value(case["rating"].clone()).expect("rating has the stored shape");
        let got = match rating.validate() {
            Ok(()) => json!(null),
            Err(error) => json!({"field": error.field, "problem": error.problem}),
        };
        if got != case["expect"] {
            failures.push(format!(
                "invalid {}: expected {}, got {got}",
                name(&case),
                case["expect"]
            ));
        }
    }
    for case in cases("valid") {
        let rating: Rating =
            serde_json::from_value(case["rating"].clone()).expect("rating has the stored shape");
        if let Err(error) = rating.validate() {
            failures.push(format!("valid {}: refused with {error}", name(&case)));
        }
    }
    for case in cases("typed") {
        let instrument: Instrument = serde_json::from_value(case["instrument"].clone()).expect("instrument");
        let text = case["text"].as_str().expect("text is a string");
        let parsed = match case["form"].as_str() {
            Some("items") => Rating::parse_items(instrument, text, RaterKind::Citizen),
            Some("paper_total") => Rating::parse_paper_total(instrument, text, RaterKind::Citizen),
            other => panic!("typed {}: unknown form {other:?}", name(&case)),
        };
        let got = match parsed {
            Ok(rating) => json!({"entry": rating.entry}),
            Err(error) => json!({"error": {"field": error.field, "problem": error.problem}}),
        };
        if got != case["expect"] {
            failures.push(format!(
                "typed {}: expected {}, got {got}",
                name(&case),
                case["expect"]
            ));
        }
    }
    assert!(cases("invalid").len() >= 12, "too few invalid ratings");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
