//! The back office's review: what a lead (or an admin, or a worker for their own caseload) sees at a desk.
//!
//! Pure functions over the rows [`Store::review_data`](crate::store::Store::review_data) reads for one viewer:
//! [`case_flags`] decides once, per case, what each figure asks of it ("has an active alert of kind K", "a
//! follow-up is overdue", …); the dashboard ([`dashboard`]) counts those flags, and the case list ([`list`])
//! filters by the same flags, so every figure equals the total of the list it links to.
//!
//! Which cases a figure counts:
//! - every figure counts open cases (a case is open until each of its courses has ended), except conflicts and
//!   refused changes, which wait for a person whether the case is open or not;
//! - an alert is active while its course runs (alerts of ended courses are history, not work);
//! - "ending soon" is a running course whose planned end is within [`ENDING_SOON_DAYS`] days from today, "past
//!   planned end" one whose planned end has passed;
//! - dates are compared as UTC calendar dates.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use sync_core::case::date::Date;

use crate::ids::{TeamId, UserId};
use crate::store::{ReviewCase, ReviewCourse, ReviewData, TenantSettings};

/// "Ending soon": a planned end within this many days from today (today included); sync-core's, the figure the
/// phones' caseloads mark (`case::agenda`, which decides the same flags from the whole case document).
pub const ENDING_SOON_DAYS: i64 = sync_core::case::agenda::ENDS_SOON_DAYS;
/// How far back break-the-glass accesses are counted.
pub const BREAK_GLASS_DAYS: i64 = 30;
/// Rows per page of a case list, unless asked otherwise; and the most a page may hold.
pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 200;

/// What the figures ask of one case, decided once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFlags<'a> {
    pub case: &'a ReviewCase,
    /// Users with an open assignment to the case.
    pub assignees: Vec<&'a str>,
    pub current_course: Option<&'a ReviewCourse>,
    /// Kinds of the alerts of running courses (and of contacts without a course).
    pub alert_kinds: BTreeSet<&'a str>,
    pub follow_up_overdue: bool,
    /// The earliest planned end among running courses.
    pub earliest_planned_end: Option<Date>,
    pub awaiting_approval: bool,
    pub conflicts: i64,
    pub refusals: i64,
}

/// The flags of every case in `data`, sorted by citizen name (Danish order) and then id.
pub fn case_flags(data: &ReviewData, today: Date) -> Vec<CaseFlags<'_>> {
    let mut courses: HashMap<&str, Vec<&ReviewCourse>> = HashMap::new();
    for course in &data.courses {
        courses.entry(course.doc_id.as_str()).or_default().push(course);
    }
    let mut assignees: HashMap<&str, Vec<&str>> = HashMap::new();
    for (doc_id, user_id) in &data.assignments {
        assignees
            .entry(doc_id.as_str())
            .or_default()
            .push(user_id.as_str());
    }
    let mut alerts: HashMap<&str, Vec<(Option<&str>, &str)>> = HashMap::new();
    for alert in &data.alerts {
        alerts
            .entry(alert.doc_id.as_str())
            .or_default()
            .push((alert.course_id.as_deref(), alert.kind.as_str()));
    }
    let counts = |rows: &'_ [(String, i64)]| -> HashMap<String, i64> { rows.iter().cloned().collect() };
    let conflicts = counts(&data.conflicts);
    let refusals = counts(&data.refusals);

    let mut flags: Vec<CaseFlags<'_>> = data
        .cases
        .iter()
        .map(|case| {
            let id = case.doc_id.as_str();
            let courses = courses.get(id).map(Vec::as_slice).unwrap_or_default();
            let running = |course_id: &str| {
                courses
                    .iter()
                    .any(|course| course.course_id == course_id && course.end_date.is_none())
            };
            let alert_kinds = alerts
                .get(id)
                .into_iter()
                .flatten()
                .filter(|(course, _)| course.is_none_or(running))
                .map(|(_, kind)| *kind)
                .collect();
            let earliest_planned_end = courses
                .iter()
                .filter(|course| course.end_date.is_none())
                .filter_map(|course| course.planned_end_date.as_deref())
                .filter_map(|text| Date::parse(text, "planned_end").ok())
                .min();
            let follow_up_overdue = case
                .next_follow_up_due
                .as_deref()
                .and_then(|due| Date::parse(due, "due").ok())
                .is_some_and(|due| due < today);
            let mut case_assignees = assignees.get(id).cloned().unwrap_or_default();
            case_assignees.sort_unstable();
            CaseFlags {
                case,
                assignees: case_assignees,
                current_course: case
                    .current_course_id
                    .as_deref()
                    .and_then(|current| courses.iter().copied().find(|c| c.course_id == current)),
                alert_kinds,
                follow_up_overdue,
                earliest_planned_end,
                awaiting_approval: courses.iter().any(|course| course.approval_state == "awaiting"),
                conflicts: conflicts.get(id).copied().unwrap_or(0),
                refusals: refusals.get(id).copied().unwrap_or(0),
            }
        })
        .collect();
    flags.sort_by(|a, b| {
        (danish_sort_key(&a.case.display_name), &a.case.doc_id)
            .cmp(&(danish_sort_key(&b.case.display_name), &b.case.doc_id))
    });
    flags
}

/// A name as Danish sorts it: case-insensitive, with æ, ø and å after z (in that order).
fn danish_sort_key(name: &str) -> Vec<u32> {
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'æ' | 'ä' => u32::from('z') + 1,
            'ø' | 'ö' => u32::from('z') + 2,
            'å' => u32::from('z') + 3,
            other => u32::from(other),
        })
        .collect()
}

/// The filters of a case list, as the query string of `GET /v1/review/cases` names them. Every figure of the
/// dashboard is one such filter; an empty filter lists every case in scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Cases with an open assignment to this user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// Only open (`true`) or only closed (`false`) cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open: Option<bool>,
    /// Cases with an active alert of this kind (`any`: of any kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// The latest SRS was below the cutoff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub srs_below_cutoff: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_overdue: Option<bool>,
    /// A running course's planned end is on or after this date (YYYY-MM-DD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course_ending_from: Option<String>,
    /// A running course's planned end is before this date (YYYY-MM-DD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course_ending_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awaiting_approval: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_conflict: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_refusal: Option<bool>,
}

/// A filter that does not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct FilterError(pub String);

/// A checked [`CaseFilter`], ready to match cases.
#[derive(Clone, Debug)]
struct Matcher<'f> {
    filter: &'f CaseFilter,
    ending_from: Option<Date>,
    ending_before: Option<Date>,
}

impl CaseFilter {
    fn matcher(&self) -> Result<Matcher<'_>, FilterError> {
        if let Some(kind) = &self.alert
            && kind != "any"
            && !alert_kind_names().any(|known| known == *kind)
        {
            return Err(FilterError(format!(
                "alert: unknown kind; expected any or one of {}",
                alert_kind_names().collect::<Vec<_>>().join(", ")
            )));
        }
        let date = |text: &Option<String>, field: &str| {
            text.as_deref()
                .map(|text| {
                    Date::parse(text, field).map_err(|_| FilterError(format!("{field}: expected YYYY-MM-DD")))
                })
                .transpose()
        };
        Ok(Matcher {
            filter: self,
            ending_from: date(&self.course_ending_from, "course_ending_from")?,
            ending_before: date(&self.course_ending_before, "course_ending_before")?,
        })
    }

    /// The filter as a query string (keys in alphabetical order), for the links the dashboard gives.
    pub fn query_string(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or_default();
        let Some(fields) = value.as_object() else {
            return String::new();
        };
        fields
            .iter()
            .map(|(key, value)| {
                let text = match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                format!("{key}={}", percent_encode(&text))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The list URL this filter names.
    pub fn link(&self) -> String {
        let query = self.query_string();
        if query.is_empty() {
            "/v1/review/cases".to_owned()
        } else {
            format!("/v1/review/cases?{query}")
        }
    }
}

impl Matcher<'_> {
    fn matches(&self, flags: &CaseFlags<'_>) -> bool {
        let f = self.filter;
        let is = |wanted: Option<bool>, actual: bool| wanted.is_none_or(|wanted| wanted == actual);
        f.team
            .as_ref()
            .is_none_or(|team| flags.case.team_id.as_ref().map(TeamId::as_str) == Some(team.as_str()))
            && f.worker
                .as_ref()
                .is_none_or(|worker| flags.assignees.contains(&worker.as_str()))
            && is(f.open, flags.case.is_open)
            && f.alert.as_ref().is_none_or(|kind| match kind.as_str() {
                "any" => !flags.alert_kinds.is_empty(),
                kind => flags.alert_kinds.contains(kind),
            })
            && is(f.srs_below_cutoff, flags.case.last_srs_below_cutoff == Some(true))
            && is(f.follow_up_overdue, flags.follow_up_overdue)
            && self.ending_window(flags)
            && is(f.awaiting_approval, flags.awaiting_approval)
            && is(f.has_conflict, flags.conflicts > 0)
            && is(f.has_refusal, flags.refusals > 0)
    }

    fn ending_window(&self, flags: &CaseFlags<'_>) -> bool {
        if self.ending_from.is_none() && self.ending_before.is_none() {
            return true;
        }
        flags.earliest_planned_end.is_some_and(|end| {
            self.ending_from.is_none_or(|from| end >= from)
                && self.ending_before.is_none_or(|before| end < before)
        })
    }
}

fn alert_kind_names() -> impl Iterator<Item = String> {
    sync_core::fit::AlertKind::ALL
        .into_iter()
        .filter_map(|kind| match serde_json::to_value(kind) {
            Ok(serde_json::Value::String(name)) => Some(name),
            _ => None,
        })
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The cases of `flags` that `filter` keeps, and how many there are in all.
pub fn list<'a, 'd>(
    flags: &'a [CaseFlags<'d>],
    filter: &CaseFilter,
) -> Result<Vec<&'a CaseFlags<'d>>, FilterError> {
    let matcher = filter.matcher()?;
    Ok(flags.iter().filter(|f| matcher.matches(f)).collect())
}

/// One figure: how many cases, and the list behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figure {
    pub count: usize,
    /// `GET` this for the cases counted.
    pub list: String,
}

/// The alerts of one kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AlertFigure {
    pub kind: String,
    pub count: usize,
    pub list: String,
}

/// The figures of a team or a worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub open_cases: Figure,
    pub with_alert: Figure,
    /// Per alert kind, in the rule set's order; kinds with no case are listed with 0.
    pub alerts: Vec<AlertFigure>,
    pub srs_below_cutoff: Figure,
    pub follow_ups_overdue: Figure,
    pub courses_ending_soon: Figure,
    pub courses_past_planned_end: Figure,
    pub grants_awaiting_approval: Figure,
    pub conflicts: Figure,
    pub refused_changes: Figure,
    /// Break-the-glass accesses by the team's people (the worker's own) in the last [`BREAK_GLASS_DAYS`] days.
    pub break_glass_accesses: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WorkerFigures {
    #[schema(value_type = String)]
    pub user_id: UserId,
    pub username: String,
    pub role: String,
    /// Open cases assigned to the worker.
    pub caseload: usize,
    /// `caseload` minus the tenant's recommended caseload; `None` while none is set.
    pub over_recommended: Option<i64>,
    pub figures: Figures,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TeamFigures {
    #[schema(value_type = String)]
    pub team_id: TeamId,
    pub name: String,
    pub figures: Figures,
    pub workers: Vec<WorkerFigures>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// The date the figures are computed for (UTC).
    pub today: String,
    /// The tenant's recommended caseload per worker; `None`: not set (no built-in number stands in for it).
    pub recommended_caseload: Option<i64>,
    pub teams: Vec<TeamFigures>,
}

/// The dashboard of `data` as of `today`, for every team the viewer reviews (only `team`, if given).
pub fn dashboard(
    data: &ReviewData,
    flags: &[CaseFlags<'_>],
    settings: &TenantSettings,
    today: Date,
    team: Option<&str>,
) -> Dashboard {
    let mut teams: Vec<&(TeamId, String)> = data
        .teams
        .iter()
        .filter(|(id, _)| team.is_none_or(|wanted| wanted == id.as_str()))
        .collect();
    teams.sort_by(|a, b| {
        danish_sort_key(&a.1)
            .cmp(&danish_sort_key(&b.1))
            .then(a.0.cmp(&b.0))
    });
    let mut glass_by_team: BTreeMap<&str, usize> = BTreeMap::new();
    let mut glass_by_user: BTreeMap<&str, usize> = BTreeMap::new();
    for (user, team) in &data.break_glass {
        *glass_by_user.entry(user.as_str()).or_default() += 1;
        if let Some(team) = team {
            *glass_by_team.entry(team.as_str()).or_default() += 1;
        }
    }
    let teams = teams
        .into_iter()
        .map(|(team_id, name)| {
            let scope = CaseFilter {
                team: Some(team_id.to_string()),
                ..CaseFilter::default()
            };
            let mut people: Vec<_> = data
                .users
                .iter()
                .filter(|user| user.team_id.as_ref() == Some(team_id))
                .collect();
            people.sort_by(|a, b| a.username.cmp(&b.username));
            let workers = people
                .into_iter()
                .map(|user| {
                    let scope = CaseFilter {
                        worker: Some(user.id.to_string()),
                        ..CaseFilter::default()
                    };
                    let figures = figures(flags, &scope, today, glass_by_user.get(user.id.as_str()).copied());
                    let caseload = figures.open_cases.count;
                    WorkerFigures {
                        user_id: user.id.clone(),
                        username: user.username.clone(),
                        role: user.role.clone(),
                        caseload,
                        over_recommended: settings
                            .recommended_caseload
                            .map(|recommended| i64::try_from(caseload).unwrap_or(i64::MAX) - recommended),
                        figures,
                    }
                })
                .collect();
            TeamFigures {
                team_id: team_id.clone(),
                name: name.clone(),
                figures: figures(flags, &scope, today, glass_by_team.get(team_id.as_str()).copied()),
                workers,
            }
        })
        .collect();
    Dashboard {
        today: today.to_string(),
        recommended_caseload: settings.recommended_caseload,
        teams,
    }
}

/// The figures of the cases `scope` selects.
fn figures(flags: &[CaseFlags<'_>], scope: &CaseFilter, today: Date, break_glass: Option<usize>) -> Figures {
    let figure = |narrow: &dyn Fn(&mut CaseFilter)| {
        let mut filter = scope.clone();
        narrow(&mut filter);
        Figure {
            // A filter built here always parses.
            count: list(flags, &filter).map_or(0, |cases| cases.len()),
            list: filter.link(),
        }
    };
    let open = |f: &mut CaseFilter| f.open = Some(true);
    let soon_end = Date::from_unix_ms((today.days_since_epoch() + ENDING_SOON_DAYS + 1) * 86_400_000);
    Figures {
        open_cases: figure(&open),
        with_alert: figure(&|f| {
            open(f);
            f.alert = Some("any".to_owned());
        }),
        alerts: alert_kind_names()
            .map(|kind| {
                let figure = figure(&|f| {
                    open(f);
                    f.alert = Some(kind.clone());
                });
                AlertFigure {
                    kind,
                    count: figure.count,
                    list: figure.list,
                }
            })
            .collect(),
        srs_below_cutoff: figure(&|f| {
            open(f);
            f.srs_below_cutoff = Some(true);
        }),
        follow_ups_overdue: figure(&|f| {
            open(f);
            f.follow_up_overdue = Some(true);
        }),
        courses_ending_soon: figure(&|f| {
            open(f);
            f.course_ending_from = Some(today.to_string());
            f.course_ending_before = Some(soon_end.to_string());
        }),
        courses_past_planned_end: figure(&|f| {
            open(f);
            f.course_ending_before = Some(today.to_string());
        }),
        grants_awaiting_approval: figure(&|f| {
            open(f);
            f.awaiting_approval = Some(true);
        }),
        conflicts: figure(&|f| f.has_conflict = Some(true)),
        refused_changes: figure(&|f| f.has_refusal = Some(true)),
        break_glass_accesses: break_glass.unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ReviewAlert;

    const TEAM_A: &str = "9d3f6a1e-0c4b-4b7e-a2d5-7e8f9a0b1c2d";
    const W1: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

    fn parse_id<T: std::str::FromStr>(text: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        text.parse().expect("an id")
    }

    fn day(text: &str) -> Date {
        Date::parse(text, "test").unwrap()
    }

    fn case(id: &str, name: &str, open: bool) -> ReviewCase {
        ReviewCase {
            doc_id: id.to_owned(),
            team_id: Some(parse_id(TEAM_A)),
            display_name: name.to_owned(),
            birth_year: None,
            tovholder: None,
            is_open: open,
            current_course_id: Some(format!("{id}-c")),
            last_contact_at: None,
            last_srs_below_cutoff: None,
            next_follow_up_due: None,
        }
    }

    fn course(doc: &str, planned_end: Option<&str>, end: Option<&str>, approval: &str) -> ReviewCourse {
        ReviewCourse {
            doc_id: doc.to_owned(),
            course_id: format!("{doc}-c"),
            service_code: "ffb".to_owned(),
            start_date: "2026-01-01".to_owned(),
            planned_end_date: planned_end.map(str::to_owned),
            end_date: end.map(str::to_owned),
            approval_state: approval.to_owned(),
        }
    }

    fn data() -> ReviewData {
        let mut overdue = case("d2", "Åse", true);
        overdue.next_follow_up_due = Some("2026-11-30".to_owned());
        overdue.last_srs_below_cutoff = Some(true);
        ReviewData {
            cases: vec![case("d1", "Zia", true), overdue, case("d3", "Ærø", false)],
            courses: vec![
                course("d1", Some("2026-12-10"), None, "awaiting"),
                course("d2", Some("2026-11-01"), None, "approved"),
                course("d3", Some("2026-12-05"), Some("2026-10-01"), "not_required"),
            ],
            alerts: vec![
                ReviewAlert {
                    doc_id: "d1".to_owned(),
                    course_id: Some("d1-c".to_owned()),
                    kind: "srs_below_cutoff".to_owned(),
                },
                // Its course has ended: history, not an active alert.
                ReviewAlert {
                    doc_id: "d3".to_owned(),
                    course_id: Some("d3-c".to_owned()),
                    kind: "srs_below_cutoff".to_owned(),
                },
            ],
            conflicts: vec![("d3".to_owned(), 2)],
            refusals: vec![("d1".to_owned(), 1)],
            assignments: vec![("d1".to_owned(), parse_id(W1)), ("d2".to_owned(), parse_id(W1))],
            teams: vec![(parse_id(TEAM_A), "Team A".to_owned())],
            users: vec![crate::store::ReviewUser {
                id: parse_id(W1),
                username: "anna".to_owned(),
                role: "worker".to_owned(),
                team_id: Some(parse_id(TEAM_A)),
            }],
            break_glass: vec![(parse_id(W1), Some(parse_id(TEAM_A)))],
        }
    }

    #[test]
    fn names_sort_as_danish_does() {
        let data = data();
        let flags = case_flags(&data, day("2026-12-01"));
        let names: Vec<&str> = flags.iter().map(|f| f.case.display_name.as_str()).collect();
        assert_eq!(names, ["Zia", "Ærø", "Åse"]);
    }

    #[test]
    fn each_figure_counts_the_cases_its_rule_names() {
        let data = data();
        let today = day("2026-12-01");
        let flags = case_flags(&data, today);
        let settings = TenantSettings {
            recommended_caseload: Some(1),
            ..TenantSettings::default()
        };
        let board = dashboard(&data, &flags, &settings, today, None);
        let team = &board.teams[0].figures;
        assert_eq!(team.open_cases.count, 2);
        assert_eq!(
            team.with_alert.count, 1,
            "the ended course's alert does not count"
        );
        let srs = team.alerts.iter().find(|a| a.kind == "srs_below_cutoff").unwrap();
        assert_eq!(srs.count, 1);
        assert_eq!(team.srs_below_cutoff.count, 1);
        assert_eq!(team.follow_ups_overdue.count, 1);
        assert_eq!(team.courses_ending_soon.count, 1, "d1 ends on the 10th");
        assert_eq!(
            team.courses_past_planned_end.count, 1,
            "d2 was planned to end in November"
        );
        assert_eq!(team.grants_awaiting_approval.count, 1);
        assert_eq!(
            team.conflicts.count, 1,
            "a closed case's conflict still waits for a person"
        );
        assert_eq!(team.refused_changes.count, 1);
        assert_eq!(team.break_glass_accesses, 1);
        let anna = &board.teams[0].workers[0];
        assert_eq!(anna.caseload, 2);
        assert_eq!(anna.over_recommended, Some(1));
        assert_eq!(
            team.courses_ending_soon.list,
            format!(
                "/v1/review/cases?course_ending_before=2026-12-16&course_ending_from=2026-12-01&open=true&team={TEAM_A}"
            )
        );
    }

    #[test]
    fn a_filter_names_its_mistake() {
        let data = data();
        let flags = case_flags(&data, day("2026-12-01"));
        let bad_kind = CaseFilter {
            alert: Some("sad".to_owned()),
            ..CaseFilter::default()
        };
        assert!(
            list(&flags, &bad_kind)
                .unwrap_err()
                .0
                .starts_with("alert: unknown kind")
        );
        let bad_date = CaseFilter {
            course_ending_before: Some("01-12-2026".to_owned()),
            ..CaseFilter::default()
        };
        assert_eq!(
            list(&flags, &bad_date).unwrap_err().0,
            "course_ending_before: expected YYYY-MM-DD"
        );
    }

    #[test]
    fn links_encode_what_is_not_url_safe() {
        let filter = CaseFilter {
            team: Some("a b&c".to_owned()),
            ..CaseFilter::default()
        };
        assert_eq!(filter.link(), "/v1/review/cases?team=a%20b%26c");
    }
}
