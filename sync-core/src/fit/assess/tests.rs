//! Tests of the assessment and its alerts under the v1 rule set: categories, cutoffs by age, and each alert.

use super::*;
use crate::fit::{AlertKind, Instrument, RaterKind};

const ADULT: Option<i32> = Some(1980);

fn ors(items: [i64; 4]) -> Option<Rating> {
    Some(Rating::items(Instrument::Ors, items, RaterKind::Citizen))
}

fn ors_total(total_mm: i64) -> Option<Rating> {
    Some(Rating::paper_total(Instrument::Ors, total_mm, RaterKind::Citizen))
}

fn srs(items: [i64; 4]) -> Option<Rating> {
    Some(Rating::items(Instrument::Srs, items, RaterKind::Citizen))
}

/// A good SRS that raises no alert (total 38.0, every item at least 9.0).
fn srs_good() -> Option<Rating> {
    srs([95, 95, 95, 95])
}

fn contact(ors: Option<Rating>, srs: Option<Rating>) -> ScoredContact {
    ScoredContact { year: 2025, ors, srs }
}

/// A course whose ORS totals are `totals` (paper totals) with a good SRS at every contact.
fn course(totals: &[i64]) -> Vec<ScoredContact> {
    totals
        .iter()
        .map(|t| contact(ors_total(*t), srs_good()))
        .collect()
}

fn kinds(assessment: &Assessment) -> Vec<AlertKind> {
    assessment.alerts.iter().map(|a| a.kind).collect()
}

fn v1() -> RuleSet {
    RuleSet::v1()
}

#[test]
fn an_empty_course_has_no_baseline_and_no_alerts() {
    let assessment = assess(&v1(), ADULT, &[]);
    assert_eq!(assessment.category, ChangeCategory::NoBaseline);
    assert!(assessment.alerts.is_empty());
}

#[test]
fn contacts_without_an_ors_total_raise_no_baseline() {
    let skipped = Some(Rating::skipped(Instrument::Ors, RaterKind::Citizen));
    let assessment = assess(&v1(), ADULT, &[contact(skipped, srs_good())]);
    assert_eq!(assessment.category, ChangeCategory::NoBaseline);
    assert_eq!(kinds(&assessment), [AlertKind::NoBaseline]);
    assert_eq!(assessment.alerts[0].contact_index, None);
}

#[test]
fn a_total_exactly_at_the_cutoff_is_not_clinical_by_default() {
    let assessment = assess(&v1(), ADULT, &course(&[250]));
    assert_eq!(assessment.contacts[0].ors_clinical, Some(false));
    assert_eq!(assessment.category, ChangeCategory::IntakeAboveCutoff);
}

#[test]
fn a_total_exactly_at_the_cutoff_is_clinical_under_at_or_below() {
    let mut rules = v1();
    rules.cutoff_comparison = crate::fit::CutoffComparison::AtOrBelow;
    let assessment = assess(&rules, ADULT, &course(&[250, 300]));
    assert_eq!(assessment.contacts[0].ors_clinical, Some(true));
    assert_eq!(assessment.category, ChangeCategory::ClinicallySignificant);
}

#[test]
fn an_intake_of_zero_is_a_real_baseline() {
    let assessment = assess(
        &v1(),
        ADULT,
        &[
            contact(ors([0, 0, 0, 0]), srs_good()),
            contact(ors([20, 10, 10, 10]), srs_good()),
        ],
    );
    assert_eq!(assessment.intake_index, Some(0));
    assert_eq!(assessment.change_mm, Some(50));
    assert_eq!(assessment.category, ChangeCategory::ReliableImprovement);
}

#[test]
fn exactly_the_reliable_change_counts_as_reliable() {
    assert_eq!(
        assess(&v1(), ADULT, &course(&[150, 200])).category,
        ChangeCategory::ReliableImprovement
    );
    assert_eq!(
        assess(&v1(), ADULT, &course(&[150, 199])).category,
        ChangeCategory::NoReliableChange
    );
    assert_eq!(
        assess(&v1(), ADULT, &course(&[200, 150])).category,
        ChangeCategory::ReliableDeterioration
    );
    assert_eq!(
        assess(&v1(), ADULT, &course(&[200, 151])).category,
        ChangeCategory::NoReliableChange
    );
}

#[test]
fn crossing_the_cutoff_with_reliable_change_is_clinically_significant() {
    let assessment = assess(&v1(), ADULT, &course(&[200, 250]));
    assert_eq!(assessment.category, ChangeCategory::ClinicallySignificant);
    assert_eq!(assessment.change_mm, Some(50));
}

#[test]
fn crossing_the_cutoff_without_reliable_change_is_no_reliable_change() {
    assert_eq!(
        assess(&v1(), ADULT, &course(&[240, 260])).category,
        ChangeCategory::NoReliableChange
    );
}

#[test]
fn starting_above_the_cutoff_is_never_a_success() {
    let assessment = assess(&v1(), ADULT, &course(&[260, 340]));
    assert_eq!(assessment.category, ChangeCategory::IntakeAboveCutoff);
}

#[test]
fn a_fall_from_above_the_cutoff_still_raises_deterioration() {
    let assessment = assess(&v1(), ADULT, &course(&[300, 240]));
    assert_eq!(assessment.category, ChangeCategory::IntakeAboveCutoff);
    assert_eq!(kinds(&assessment), [AlertKind::ReliableDeterioration]);
}

#[test]
fn youth_and_child_cutoffs_follow_age_and_instrument() {
    let youth = assess(&v1(), Some(2010), &course(&[270]));
    assert_eq!(youth.contacts[0].age, Some(15));
    assert_eq!(youth.contacts[0].ors_cutoff_mm, Some(280));
    assert_eq!(youth.contacts[0].ors_clinical, Some(true));
    let child = vec![contact(
        Some(Rating::paper_total(Instrument::Cors, 310, RaterKind::Citizen)),
        Some(Rating::items(
            Instrument::Csrs,
            [95, 95, 95, 95],
            RaterKind::Citizen,
        )),
    )];
    let child = assess(&v1(), Some(2016), &child);
    assert_eq!(child.contacts[0].ors_cutoff_mm, Some(320));
    assert_eq!(child.contacts[0].ors_clinical, Some(true));
}

#[test]
fn an_unknown_birth_year_uses_the_adult_cutoff() {
    let assessment = assess(&v1(), None, &course(&[260]));
    assert_eq!(assessment.contacts[0].age, None);
    assert_eq!(assessment.contacts[0].ors_cutoff_mm, Some(250));
}

#[test]
fn a_skipped_srs_does_not_raise_srs_missing_but_an_absent_one_does() {
    let skipped = Some(Rating::skipped(Instrument::Srs, RaterKind::Citizen));
    assert!(
        assess(&v1(), ADULT, &[contact(ors_total(200), skipped)])
            .alerts
            .is_empty()
    );
    let absent = assess(&v1(), ADULT, &[contact(ors_total(200), None)]);
    assert_eq!(kinds(&absent), [AlertKind::SrsMissing]);
}

#[test]
fn each_low_srs_item_raises_its_own_alert_naming_the_item() {
    let assessment = assess(&v1(), ADULT, &[contact(ors_total(200), srs([100, 89, 100, 80]))]);
    let items: Vec<_> = assessment
        .alerts
        .iter()
        .map(|a| (a.kind, a.item.as_deref()))
        .collect();
    assert_eq!(
        items,
        [
            (AlertKind::SrsItemLow, Some("goals_and_topics")),
            (AlertKind::SrsItemLow, Some("overall")),
        ]
    );
}

#[test]
fn an_srs_drop_is_measured_against_the_previous_srs_total() {
    let contacts = [
        contact(ors_total(200), srs([100, 100, 95, 95])),
        contact(
            ors_total(200),
            Some(Rating::skipped(Instrument::Srs, RaterKind::Citizen)),
        ),
        contact(ors_total(200), srs([95, 95, 95, 95])),
    ];
    let assessment = assess(&v1(), ADULT, &contacts);
    assert_eq!(
        kinds(&assessment),
        [AlertKind::SrsDropped, AlertKind::NoReliableChangeRevisitGoals]
    );
    assert_eq!(assessment.alerts[0].contact_index, Some(2));
}

#[test]
fn only_the_highest_checkpoint_reached_fires() {
    let assessment = assess(&v1(), ADULT, &course(&[200; 11]));
    assert_eq!(kinds(&assessment), [AlertKind::NoReliableChangeConsiderOther]);
    assert_eq!(assessment.alerts[0].contact_index, Some(10));
}

#[test]
fn checkpoints_count_contacts_with_an_ors_total_only() {
    let mut contacts = course(&[200, 200]);
    contacts.push(contact(
        Some(Rating::skipped(Instrument::Ors, RaterKind::Citizen)),
        srs_good(),
    ));
    assert!(assess(&v1(), ADULT, &contacts).alerts.is_empty());
}

#[test]
fn an_invalid_or_misplaced_rating_is_treated_as_absent() {
    let partial = Rating {
        instrument: Instrument::Ors,
        entry: crate::fit::Entry::Items {
            items: vec![50, 50, 50],
        },
        rater: RaterKind::Citizen,
    };
    let misplaced = Rating::items(Instrument::Ors, [95, 95, 95, 95], RaterKind::Citizen);
    let assessment = assess(&v1(), ADULT, &[contact(Some(partial), Some(misplaced))]);
    assert_eq!(assessment.contacts[0].ors_total_mm, None);
    assert_eq!(assessment.contacts[0].srs_total_mm, None);
    assert_eq!(kinds(&assessment), [AlertKind::NoBaseline, AlertKind::SrsMissing]);
}

#[test]
fn every_alert_records_the_rule_set_version() {
    let mut rules = v1();
    rules.version = "fit-rules/holstebro-2".into();
    let assessment = assess(&rules, ADULT, &[contact(None, None)]);
    assert!(
        assessment
            .alerts
            .iter()
            .all(|a| a.rule_set_version == "fit-rules/holstebro-2")
    );
    assert_eq!(assessment.rule_set_version, "fit-rules/holstebro-2");
}

#[test]
fn the_lists_of_all_kinds_and_categories_are_complete_and_in_order() {
    // The matches stop compiling when a variant is added; the positions catch a list that forgot it.
    let kind_position = |kind| match kind {
        AlertKind::NoBaseline => 0,
        AlertKind::SrsBelowCutoff => 1,
        AlertKind::SrsItemLow => 2,
        AlertKind::SrsDropped => 3,
        AlertKind::SrsMissing => 4,
        AlertKind::NoReliableChangeRevisitGoals => 5,
        AlertKind::NoReliableChangeChangeSupport => 6,
        AlertKind::NoReliableChangeConsiderOther => 7,
        AlertKind::ReliableDeterioration => 8,
    };
    let category_position = |category| match category {
        ChangeCategory::NoBaseline => 0,
        ChangeCategory::IntakeAboveCutoff => 1,
        ChangeCategory::ClinicallySignificant => 2,
        ChangeCategory::ReliableImprovement => 3,
        ChangeCategory::ReliableDeterioration => 4,
        ChangeCategory::NoReliableChange => 5,
    };
    for (i, kind) in AlertKind::ALL.into_iter().enumerate() {
        assert_eq!(kind_position(kind), i, "{kind:?}");
    }
    for (i, category) in ChangeCategory::ALL.into_iter().enumerate() {
        assert_eq!(category_position(category), i, "{category:?}");
    }
}
