//! Tests of the rule set: the embedded v1 numbers, age groups, comparisons, checkpoints and refused files.

use super::*;

fn v1_with(patch: serde_json::Value) -> Result<RuleSet, RuleSetError> {
    let mut json: serde_json::Value = serde_json::from_str(V1_JSON).expect("embedded JSON parses");
    for (key, value) in patch.as_object().expect("patch is an object") {
        json[key] = value.clone();
    }
    RuleSet::from_json(&json.to_string())
}

fn refused_field(patch: serde_json::Value) -> String {
    match v1_with(patch) {
        Err(RuleSetError::Invalid { field, .. }) => field,
        other => panic!("expected an invalid rule set, got {other:?}"),
    }
}

#[test]
fn the_embedded_rule_set_is_valid() {
    let rules = RuleSet::v1();
    assert_eq!(rules.version, "fit-rules/1");
    assert_eq!(rules.cutoff_comparison, CutoffComparison::Below);
    assert_eq!(rules.reliable_change_mm, 50);
    assert_eq!(rules.srs_item_threshold_mm, 90);
    assert_eq!(rules.srs_drop_mm, 10);
}

#[test]
fn cutoffs_follow_instrument_and_age_group() {
    let rules = RuleSet::v1();
    assert_eq!(rules.cutoff_mm(Instrument::Ors, Some(40)), Some(250));
    assert_eq!(rules.cutoff_mm(Instrument::Ors, Some(18)), Some(250));
    assert_eq!(rules.cutoff_mm(Instrument::Ors, Some(17)), Some(280));
    assert_eq!(rules.cutoff_mm(Instrument::Ors, Some(13)), Some(280));
    assert_eq!(rules.cutoff_mm(Instrument::Cors, Some(8)), Some(320));
    for session in [Instrument::Srs, Instrument::Csrs, Instrument::Gsrs] {
        assert_eq!(rules.cutoff_mm(session, Some(30)), Some(360));
    }
}

#[test]
fn an_unknown_age_gets_the_adult_cutoff() {
    assert_eq!(RuleSet::v1().cutoff_mm(Instrument::Ors, None), Some(250));
}

#[test]
fn the_cutoff_itself_is_clinical_only_under_at_or_below() {
    assert!(!CutoffComparison::Below.is_below(250, 250));
    assert!(CutoffComparison::Below.is_below(249, 250));
    assert!(CutoffComparison::AtOrBelow.is_below(250, 250));
    assert!(!CutoffComparison::AtOrBelow.is_below(251, 250));
}

#[test]
fn the_comparison_defaults_to_below_when_absent() {
    let mut json: serde_json::Value = serde_json::from_str(V1_JSON).expect("embedded JSON parses");
    json.as_object_mut().expect("object").remove("cutoff_comparison");
    let rules = RuleSet::from_json(&json.to_string()).expect("valid without a comparison");
    assert_eq!(rules.cutoff_comparison, CutoffComparison::Below);
}

#[test]
fn the_highest_checkpoint_reached_is_the_one_that_counts() {
    let rules = RuleSet::v1();
    let reached = |n| rules.checkpoint_reached(n).map(|c| c.alert);
    assert_eq!(reached(2), None);
    assert_eq!(reached(3), Some(AlertKind::NoReliableChangeRevisitGoals));
    assert_eq!(reached(4), Some(AlertKind::NoReliableChangeRevisitGoals));
    assert_eq!(reached(5), Some(AlertKind::NoReliableChangeChangeSupport));
    assert_eq!(reached(9), Some(AlertKind::NoReliableChangeChangeSupport));
    assert_eq!(reached(10), Some(AlertKind::NoReliableChangeConsiderOther));
    assert_eq!(reached(40), Some(AlertKind::NoReliableChangeConsiderOther));
}

#[test]
fn a_gap_or_overlap_in_age_ranges_is_refused() {
    let gap = serde_json::json!({"cutoffs": [
        {"instrument": "ors", "min_age": null, "max_age": 16, "cutoff_mm": 280},
        {"instrument": "ors", "min_age": 18, "max_age": null, "cutoff_mm": 250},
    ]});
    assert_eq!(refused_field(gap), "cutoffs of ORS");
    let overlap = serde_json::json!({"cutoffs": [
        {"instrument": "ors", "min_age": null, "max_age": 18, "cutoff_mm": 280},
        {"instrument": "ors", "min_age": 18, "max_age": null, "cutoff_mm": 250},
    ]});
    assert_eq!(refused_field(overlap), "cutoffs of ORS");
}

#[test]
fn an_instrument_without_a_cutoff_is_refused() {
    let only_ors = serde_json::json!({"cutoffs": [
        {"instrument": "ors", "min_age": null, "max_age": null, "cutoff_mm": 250},
    ]});
    assert_eq!(refused_field(only_ors), "cutoffs of SRS");
}

#[test]
fn thresholds_outside_the_scale_are_refused() {
    assert_eq!(
        refused_field(serde_json::json!({"reliable_change_mm": 0})),
        "reliable_change_mm"
    );
    assert_eq!(
        refused_field(serde_json::json!({"srs_item_threshold_mm": 101})),
        "srs_item_threshold_mm"
    );
    assert_eq!(
        refused_field(serde_json::json!({"srs_drop_mm": -10})),
        "srs_drop_mm"
    );
}

#[test]
fn checkpoints_must_ascend_and_name_a_no_change_alert() {
    let descending = serde_json::json!({"no_change_checkpoints": [
        {"from_contact": 5, "alert": "no_reliable_change_change_support"},
        {"from_contact": 3, "alert": "no_reliable_change_revisit_goals"},
    ]});
    assert_eq!(refused_field(descending), "no_change_checkpoints[1]");
    let wrong_kind = serde_json::json!({"no_change_checkpoints": [
        {"from_contact": 3, "alert": "srs_missing"},
    ]});
    assert_eq!(refused_field(wrong_kind), "no_change_checkpoints[0]");
}

#[test]
fn a_misspelt_field_is_refused_not_ignored() {
    assert!(matches!(
        v1_with(serde_json::json!({"reliable_change": 40})),
        Err(RuleSetError::Json(_))
    ));
}

#[test]
fn a_version_is_a_short_name_and_a_description_is_bounded() {
    assert_eq!(
        refused_field(serde_json::json!({ "version": "x".repeat(65) })),
        "version"
    );
    assert_eq!(
        refused_field(serde_json::json!({ "version": "kommune\n2" })),
        "version"
    );
    assert_eq!(
        refused_field(serde_json::json!({ "description": "x".repeat(4001) })),
        "description"
    );
    let named =
        v1_with(serde_json::json!({ "version": "Høje-Taastrup/2027-1" })).expect("a municipality's name");
    assert_eq!(named.version, "Høje-Taastrup/2027-1");
}
