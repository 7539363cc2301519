//! The FIT statistics of a team and period, from the per-course rows (`proj_course_fit`) that sync-core's own
//! assessment wrote: this module counts, it never assesses.
//!
//! Which courses a figure covers:
//! - the intake figures (clients and their ages, intake ORS and SRS, contacts per course, the change
//!   categories) cover the courses that *started* in the period: a cohort, followed to where it stands today;
//! - how courses ended and how long they lasted cover the courses that *ended* in the period;
//! - outcome events ([`outcome_stats`]) are counted by their date.
//!
//! Small numbers are suppressed so a report cannot single out a citizen: a mean or a share over fewer than
//! [`MIN_N`] courses, and a count from 1 to [`MIN_N`] − 1, are given as "too few" (`null` with `too_few`). Every
//! share carries its base (`of`).
//!
//! What the figures are not: FIT here is a dialogue and documentation tool. The change categories say how the
//! citizens' own ratings moved while they had support; they are not a measure of the support's effect (there is
//! no comparison group; see DOMAIN.md on the VIVE 2018 trial).

use std::collections::BTreeSet;

use serde::Serialize;
use sync_core::case::codes::{END_REASONS, OUTCOME_KINDS};
use sync_core::case::date::Date;

use crate::ids::TeamId;
use crate::projection::CourseFitRow;

/// The smallest base a figure is shown for.
pub const MIN_N: usize = 5;

/// What the statistics page says about the figures, so a report does not oversell them.
pub const ABOUT: &str = "FIT is used here as a dialogue and documentation tool. The figures show how citizens rated \
their own lives (ORS) and the collaboration (SRS) during their courses; with no comparison group they do not \
measure the effect of the support. Figures over fewer than 5 courses are not shown.";

/// One course's row, with the case and team it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FitRow {
    pub doc_id: String,
    pub team_id: Option<TeamId>,
    pub course: CourseFitRow,
}

/// The period, both days included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    fn holds(self, iso: &str) -> bool {
        Date::parse(iso, "date").is_ok_and(|day| self.from <= day && day <= self.to)
    }
}

/// A count, suppressed from 1 to [`MIN_N`] − 1.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub n: Option<usize>,
    pub too_few: bool,
}

impl Count {
    fn of(n: usize) -> Count {
        let too_few = (1..MIN_N).contains(&n);
        Count {
            n: (!too_few).then_some(n),
            too_few,
        }
    }
}

/// A mean over `n` courses, shown from [`MIN_N`] courses on.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Mean {
    pub n: usize,
    /// Rounded to one decimal.
    pub mean: Option<f64>,
    pub too_few: bool,
}

impl Mean {
    fn of(values: &[f64]) -> Mean {
        let n = values.len();
        let too_few = n < MIN_N;
        Mean {
            n,
            mean: (!too_few).then(|| round1(values.iter().sum::<f64>() / n as f64)),
            too_few,
        }
    }
}

/// How many of `of` courses, as a percentage: shown from a base of [`MIN_N`] courses on, and only when the
/// count is 0 or at least [`MIN_N`] (else the percentage and the base give the count away).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Share {
    pub courses: Count,
    pub of: usize,
    /// Rounded to one decimal.
    pub percent: Option<f64>,
    pub too_few: bool,
}

impl Share {
    fn of(courses: usize, of: usize) -> Share {
        // A small base, or a small count over any base: a percentage and its base give the count away.
        let too_few = of < MIN_N || (1..MIN_N).contains(&courses);
        Share {
            courses: if too_few {
                Count {
                    n: None,
                    too_few: true,
                }
            } else {
                Count::of(courses)
            },
            of,
            percent: (!too_few).then(|| round1(100.0 * courses as f64 / of as f64)),
            too_few,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AgeGroup {
    /// `under_18`, `18_24`, `25_39`, `40_64`, `65_plus` or `unknown`.
    pub group: &'static str,
    pub clients: Count,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EndReason {
    /// `mutual_agreement`, `citizen_dropped_out`, `moved` or `other` (sync-core's END_REASONS).
    pub reason: String,
    pub courses: Count,
}

/// The change from intake to the latest ORS, over the courses that started in the period and have a baseline.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Change {
    /// Reliable improvement, clinically significant change included.
    pub reliable_improvement: Share,
    pub clinically_significant: Share,
    pub reliable_deterioration: Share,
    pub no_reliable_change: Share,
    /// The intake ORS was above the clinical cutoff: little room to improve, so read with caution.
    pub started_above_cutoff: Share,
    /// Courses that started in the period with no ORS yet: not in the base of the shares above.
    pub without_baseline: Count,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FitStats {
    pub courses_started: usize,
    pub courses_ended: usize,
    /// Citizens with a course that started in the period.
    pub clients: Count,
    /// Age at the start of their (first) course in the period.
    pub age_groups: Vec<AgeGroup>,
    /// Points (0–40), over the courses with an intake ORS (SRS).
    pub intake_ors: Mean,
    pub intake_srs: Mean,
    pub contacts_per_course: Mean,
    pub change: Change,
    /// Days from start to end, over the courses that ended in the period.
    pub course_length_days: Mean,
    pub ended: Vec<EndReason>,
}

/// The statistics of `rows` for `period` (rows outside it are ignored).
pub fn fit_stats(rows: &[&FitRow], period: Period) -> FitStats {
    let started: Vec<&FitRow> = rows
        .iter()
        .copied()
        .filter(|row| period.holds(&row.course.start_date))
        .collect();
    let ended = ended_in(rows, period);

    // One age per citizen: at the start of their first course in the period.
    let mut first_course: Vec<&FitRow> = started.clone();
    first_course.sort_by(|a, b| (&a.doc_id, &a.course.start_date).cmp(&(&b.doc_id, &b.course.start_date)));
    first_course.dedup_by(|later, first| later.doc_id == first.doc_id);
    let clients = first_course.len();
    let groups = ["under_18", "18_24", "25_39", "40_64", "65_plus", "unknown"];
    let age_groups = groups
        .iter()
        .map(|group| AgeGroup {
            group,
            clients: Count::of(
                first_course
                    .iter()
                    .filter(|row| age_group(row.course.age_at_start) == *group)
                    .count(),
            ),
        })
        .collect();

    let points = |mm: Option<i64>| mm.map(|mm| mm as f64 / 10.0);
    let intake_ors: Vec<f64> = started
        .iter()
        .filter_map(|r| points(r.course.intake_ors_mm))
        .collect();
    let intake_srs: Vec<f64> = started
        .iter()
        .filter_map(|r| points(r.course.intake_srs_mm))
        .collect();
    let contacts: Vec<f64> = started.iter().map(|r| r.course.contacts as f64).collect();

    let category = |name: &str| started.iter().filter(|r| r.course.category == name).count();
    let without_baseline = category("no_baseline");
    let base = started.len() - without_baseline;
    let clinically = category("clinically_significant");
    let change = Change {
        reliable_improvement: Share::of(category("reliable_improvement") + clinically, base),
        clinically_significant: Share::of(clinically, base),
        reliable_deterioration: Share::of(category("reliable_deterioration"), base),
        no_reliable_change: Share::of(category("no_reliable_change"), base),
        started_above_cutoff: Share::of(category("intake_above_cutoff"), base),
        without_baseline: Count::of(without_baseline),
    };

    let lengths: Vec<f64> = ended
        .iter()
        .filter_map(|row| days(&row.course.start_date, row.course.end_date.as_deref()?))
        .collect();

    FitStats {
        courses_started: started.len(),
        courses_ended: ended.len(),
        clients: Count::of(clients),
        age_groups,
        intake_ors: Mean::of(&intake_ors),
        intake_srs: Mean::of(&intake_srs),
        contacts_per_course: Mean::of(&contacts),
        change,
        course_length_days: Mean::of(&lengths),
        ended: end_reasons(&ended),
    }
}

/// The courses of `rows` that ended in `period`.
fn ended_in<'r>(rows: &[&'r FitRow], period: Period) -> Vec<&'r FitRow> {
    rows.iter()
        .copied()
        .filter(|row| {
            row.course
                .end_date
                .as_deref()
                .is_some_and(|end| period.holds(end))
        })
        .collect()
}

/// The courses of `ended` by how they ended, in sync-core's order of END_REASONS.
fn end_reasons(ended: &[&FitRow]) -> Vec<EndReason> {
    let reasons: BTreeSet<&str> = END_REASONS.iter().map(|code| code.code).collect();
    END_REASONS
        .iter()
        .map(|code| EndReason {
            reason: code.code.to_owned(),
            courses: Count::of(
                ended
                    .iter()
                    .filter(|row| match row.course.end_reason.as_deref() {
                        Some(reason) if reasons.contains(reason) => reason == code.code,
                        // An ended course without a known reason counts as "other".
                        _ => code.code == "other",
                    })
                    .count(),
            ),
        })
        .collect()
}

/// Days from `start` to `end` (ISO dates).
fn days(start: &str, end: &str) -> Option<f64> {
    let start = Date::parse(start, "start").ok()?;
    let end = Date::parse(end, "end").ok()?;
    Some(start.days_until(end) as f64)
}

/// An outcome event (not made in error) of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub doc_id: String,
    pub team_id: Option<TeamId>,
    /// One of sync-core's OUTCOME_KINDS (`own_home`, `job`, `job_special_terms`, `less_support`, `support_ended`,
    /// `self_support`).
    pub kind: String,
    pub date: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub events: Count,
}

/// Ended courses' length against what was planned, over the courses that ended in the period with a planned
/// end.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AgainstPlan {
    pub n: usize,
    pub mean_days: Option<f64>,
    pub mean_planned_days: Option<f64>,
    pub too_few: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    pub courses_started: Count,
    pub courses_ended: Count,
    pub events: Vec<KindCount>,
}

/// The results a municipality reports: outcome events, how courses ended and how long they took against the
/// plan, and all of it month by month.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OutcomeStats {
    pub events: Vec<KindCount>,
    pub courses_ended: usize,
    pub ended: Vec<EndReason>,
    pub length_against_plan: AgainstPlan,
    pub months: Vec<Month>,
}

/// The outcome statistics of `rows` (courses) and `outcomes` for `period`.
pub fn outcome_stats(rows: &[&FitRow], outcomes: &[&Outcome], period: Period) -> OutcomeStats {
    let ended = ended_in(rows, period);
    let outcomes: Vec<&Outcome> = outcomes
        .iter()
        .copied()
        .filter(|o| period.holds(&o.date))
        .collect();
    let by_kind = |events: &[&Outcome]| -> Vec<KindCount> {
        OUTCOME_KINDS
            .iter()
            .map(|code| KindCount {
                kind: code.code.to_owned(),
                events: Count::of(events.iter().filter(|o| o.kind == code.code).count()),
            })
            .collect()
    };
    let planned: Vec<(f64, f64)> = ended
        .iter()
        .filter_map(|row| {
            let actual = days(&row.course.start_date, row.course.end_date.as_deref()?)?;
            let planned = days(&row.course.start_date, row.course.planned_end_date.as_deref()?)?;
            Some((actual, planned))
        })
        .collect();
    let too_few = planned.len() < MIN_N;
    let mean = |pick: fn(&(f64, f64)) -> f64| {
        (!too_few).then(|| round1(planned.iter().map(pick).sum::<f64>() / planned.len() as f64))
    };
    let months = months(period)
        .into_iter()
        .map(|month| {
            let in_month = |iso: &str| iso.get(..7) == Some(month.as_str());
            let events: Vec<&Outcome> = outcomes.iter().copied().filter(|o| in_month(&o.date)).collect();
            Month {
                courses_started: Count::of(
                    rows.iter()
                        .filter(|r| period.holds(&r.course.start_date) && in_month(&r.course.start_date))
                        .count(),
                ),
                courses_ended: Count::of(
                    ended
                        .iter()
                        .filter(|r| r.course.end_date.as_deref().is_some_and(in_month))
                        .count(),
                ),
                events: by_kind(&events),
                month,
            }
        })
        .collect();
    OutcomeStats {
        events: by_kind(&outcomes),
        courses_ended: ended.len(),
        ended: end_reasons(&ended),
        length_against_plan: AgainstPlan {
            n: planned.len(),
            mean_days: mean(|(actual, _)| *actual),
            mean_planned_days: mean(|(_, planned)| *planned),
            too_few,
        },
        months,
    }
}

/// Every month the period touches, `YYYY-MM`, oldest first.
fn months(period: Period) -> Vec<String> {
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let parse = |iso: &str| -> Option<(i64, i64)> {
        Some((iso.get(..4)?.parse().ok()?, iso.get(5..7)?.parse().ok()?))
    };
    let (Some(mut at), Some(last)) = (parse(&from), parse(&to)) else {
        return Vec::new();
    };
    let mut months = Vec::new();
    while at <= last {
        months.push(format!("{:04}-{:02}", at.0, at.1));
        at = if at.1 == 12 {
            (at.0 + 1, 1)
        } else {
            (at.0, at.1 + 1)
        };
    }
    months
}

fn age_group(age: Option<i64>) -> &'static str {
    match age {
        None => "unknown",
        Some(age) if age < 18 => "under_18",
        Some(18..=24) => "18_24",
        Some(25..=39) => "25_39",
        Some(40..=64) => "40_64",
        Some(_) => "65_plus",
    }
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(doc: &str, start: &str, category: &str, intake: Option<i64>, age: Option<i64>) -> FitRow {
        FitRow {
            doc_id: doc.to_owned(),
            team_id: None,
            course: CourseFitRow {
                course_id: format!("{doc}-{start}"),
                start_date: start.to_owned(),
                planned_end_date: None,
                end_date: None,
                end_reason: None,
                age_at_start: age,
                contacts: 4,
                intake_ors_mm: intake,
                intake_srs_mm: intake.map(|mm| mm + 100),
                change_mm: None,
                category: category.to_owned(),
                rule_set_version: "fit-rules/1".to_owned(),
            },
        }
    }

    fn year() -> Period {
        Period {
            from: Date::parse("2026-01-01", "from").unwrap(),
            to: Date::parse("2026-12-31", "to").unwrap(),
        }
    }

    #[test]
    fn months_span_the_period_across_a_new_year() {
        let period = Period {
            from: Date::parse("2025-11-15", "from").unwrap(),
            to: Date::parse("2026-02-01", "to").unwrap(),
        };
        assert_eq!(months(period), ["2025-11", "2025-12", "2026-01", "2026-02"]);
    }

    #[test]
    fn fewer_than_five_courses_are_too_few() {
        let rows: Vec<FitRow> = (0..4)
            .map(|i| {
                row(
                    &format!("d{i}"),
                    "2026-03-01",
                    "reliable_improvement",
                    Some(200),
                    Some(30),
                )
            })
            .collect();
        let refs: Vec<&FitRow> = rows.iter().collect();
        let stats = fit_stats(&refs, year());
        assert_eq!(stats.courses_started, 4);
        assert_eq!(
            stats.clients,
            Count {
                n: None,
                too_few: true
            }
        );
        assert_eq!(stats.intake_ors.mean, None);
        assert!(stats.change.reliable_improvement.too_few);
        assert_eq!(stats.change.reliable_improvement.percent, None);
    }

    #[test]
    fn the_figures_of_a_known_cohort() {
        let mut rows: Vec<FitRow> = Vec::new();
        for i in 0..6 {
            rows.push(row(
                &format!("d{i}"),
                "2026-02-01",
                "reliable_improvement",
                Some(150 + 10 * i),
                Some(30),
            ));
        }
        for i in 6..8 {
            rows.push(row(
                &format!("d{i}"),
                "2026-02-01",
                "clinically_significant",
                Some(200),
                Some(70),
            ));
        }
        rows.push(row("d8", "2026-02-01", "no_baseline", None, None));
        // Started the year before: outside the cohort.
        rows.push(row(
            "d9",
            "2025-06-01",
            "reliable_deterioration",
            Some(100),
            Some(30),
        ));
        let refs: Vec<&FitRow> = rows.iter().collect();
        let stats = fit_stats(&refs, year());
        assert_eq!(stats.courses_started, 9);
        assert_eq!(stats.clients.n, Some(9));
        // Intake ORS: 15, 16, 17, 18, 19, 20 and 20, 20 points; mean 145 / 8 = 18.125.
        assert_eq!(stats.intake_ors.mean, Some(18.1));
        assert_eq!(stats.intake_ors.n, 8);
        // 8 with a baseline: 6 + 2 improved reliably (100 %); 2 clinically significant, and 25 % of 8 would give
        // the 2 away: too few.
        assert_eq!(stats.change.reliable_improvement.percent, Some(100.0));
        assert_eq!(stats.change.clinically_significant.percent, None);
        assert!(stats.change.clinically_significant.too_few);
        assert_eq!(
            stats.change.without_baseline,
            Count {
                n: None,
                too_few: true
            }
        );
        let by_group: Vec<(&str, Option<usize>)> =
            stats.age_groups.iter().map(|g| (g.group, g.clients.n)).collect();
        assert_eq!(
            by_group,
            [
                ("under_18", Some(0)),
                ("18_24", Some(0)),
                ("25_39", Some(6)),
                ("40_64", Some(0)),
                ("65_plus", None),
                ("unknown", None)
            ]
        );
    }
}
