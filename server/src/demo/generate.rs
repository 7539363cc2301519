//! One synthetic demo case, generated from its number alone: the same number always gives the same document
//! id, citizen, plan and contacts (only the dates follow today's date), so loading is repeatable and two server
//! processes loading the demo at once agree on what to create.
//!
//! The case is built as a typed [`Case`] and written with [`CaseDocument::create`], which validates it like any
//! worker's edit, so a demo document is valid by construction.

use automerge::ActorId;
use autosurgeon::Text;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use sync_core::DocumentId;
use sync_core::case::date::Date;
use sync_core::case::ffb::Ffb;
use sync_core::case::{Case, CaseDocument, CaseError, Citizen, Contact, Goal};
use sync_core::fit::{Family, Instrument, RaterKind, Rating};
use uuid::Uuid;

use super::content::{self, Theme};
use crate::ids::{TeamId, UserId};

const DAY_MS: i64 = 86_400_000;
/// Mixed into every case's seed, so the demo's ids are its own.
const SEED: u64 = 0x746f_7668_6f6c_6465;

/// A worker who holds a demo case.
#[derive(Clone, Debug)]
pub struct Holder {
    pub user_id: UserId,
    pub name: String,
}

/// What one demo case is made from.
#[derive(Clone, Debug)]
pub struct CaseSpec {
    /// 1-based; gives the reference `demo-0001` and the seed.
    pub number: u32,
    pub tenant_slug: String,
    pub team_id: TeamId,
    /// The tovholder first, then any co-holder.
    pub holders: Vec<Holder>,
    /// The lead who approves §85 grants.
    pub lead_id: UserId,
    pub now_ms: i64,
}

/// How the citizen's ORS and SRS develop over the year.
#[derive(Clone, Copy, Debug)]
enum Trajectory {
    Improving,
    Flat,
    Deteriorating,
    /// ORS flat, and the alliance (SRS) lower than it should be.
    LowAlliance,
    /// ORS above the clinical cutoff from the start.
    AboveCutoff,
}

/// A generated case: its document id, the document, and the case it holds.
pub struct Generated {
    pub doc_id: DocumentId,
    pub doc: CaseDocument,
    pub case: Case,
}

/// Generates case `spec.number`.
pub fn generate(spec: &CaseSpec) -> Result<Generated, CaseError> {
    let mut rng = StdRng::seed_from_u64(SEED ^ u64::from(spec.number));
    let doc_id = DocumentId::from_bytes(rng.random());
    let actor = ActorId::from(rng.random::<[u8; 16]>().to_vec());
    let today = spec.now_ms.div_euclid(DAY_MS) * DAY_MS;
    let year_start = today - 365 * DAY_MS;
    let trajectory = match spec.number % 6 {
        0 | 1 => Trajectory::Improving,
        2 => Trajectory::Flat,
        3 => Trajectory::Deteriorating,
        4 => Trajectory::LowAlliance,
        _ => Trajectory::AboveCutoff,
    };
    let paper_forms = spec.number % 9 == 4;
    let age = if spec.number % 10 == 7 {
        rng.random_range(13..=17)
    } else {
        rng.random_range(19..=68)
    };
    // The case's usual SRS total: a steady, good alliance, or one that needs talking about.
    let alliance = match trajectory {
        Trajectory::LowAlliance => rng.random_range(315..=345),
        _ => rng.random_range(372..=390),
    };
    let tovholder = spec
        .holders
        .first()
        .map(|h| h.user_id.to_string())
        .unwrap_or_default();

    let mut case = Case::new(
        &spec.tenant_slug,
        spec.team_id.as_str(),
        Citizen {
            display_name: content::citizen_name(&mut rng),
            reference: format!("demo-{:04}", spec.number),
            birth_year: Some(Date::from_unix_ms(spec.now_ms).year() - age),
        },
    );
    let theme = content::theme(&mut rng);
    case.plan.purpose = theme.purpose.to_owned();
    case.plan.own_goal = Text::with_value(theme.own_goal);
    case.tovholder = Some(tovholder.clone());
    for holder in &spec.holders {
        case.workers
            .insert(holder.user_id.to_string(), holder.name.clone());
    }
    let intake = year_start + 9 * 3_600_000;
    let goals = add_goals(&mut case, &mut rng, theme, intake);
    let course_id = uuid(&mut rng).to_string();
    let course = content::course(
        &mut rng,
        Date::from_unix_ms(intake),
        spec.lead_id.as_str(),
        intake,
    )?;
    case.courses.insert(course_id.clone(), course);

    let mut at = weekday(year_start + rng.random_range(1..7) * DAY_MS) + rng.random_range(8..15) * 3_600_000;
    while at < today {
        let fraction = (at - year_start) as f64 / (365 * DAY_MS) as f64;
        let acute = rng.random_bool(0.05);
        let kind = if acute {
            "acute"
        } else {
            content::contact_kind(&mut rng)
        };
        let co_worker = usize::from(rng.random_bool(0.2));
        let contact = Contact {
            kind: kind.to_owned(),
            start_ms: at,
            duration_minutes: content::duration(&mut rng, kind),
            course: (!acute).then(|| course_id.clone()),
            workers: spec
                .holders
                .iter()
                .take(1 + co_worker)
                .map(|h| h.user_id.to_string())
                .collect(),
            notes: Text::with_value(content::note(&mut rng)),
            goals: vec![goals[rng.random_range(0..goals.len())].clone()],
            ors: ors(&mut rng, trajectory, fraction, paper_forms),
            srs: srs(&mut rng, alliance, trajectory, kind, paper_forms),
            recorded_by: tovholder.clone(),
            entered_in_error: None,
        };
        case.contacts.insert(uuid(&mut rng).to_string(), contact);
        at = weekday(at + rng.random_range(7..=21) * DAY_MS);
    }
    if matches!(trajectory, Trajectory::Improving)
        && let Some(stone) = goals.last().and_then(|id| case.plan.goals.get_mut(id))
    {
        // An improving citizen has reached a stepping stone.
        stone.status = "achieved".to_owned();
    }
    if matches!(trajectory, Trajectory::Improving) {
        // What the support was for: an outcome a municipality reports.
        let kinds = ["own_home", "job", "less_support"];
        let kind = kinds[usize::try_from(spec.number).unwrap_or(0) % kinds.len()];
        let date = Date::from_unix_ms(today - rng.random_range(10..200) * DAY_MS).to_string();
        case.outcomes.insert(
            uuid(&mut rng).to_string(),
            sync_core::case::OutcomeEvent {
                kind: kind.to_owned(),
                date,
                note: "Syntetisk demo-resultat.".to_owned(),
                entered_in_error: None,
            },
        );
    }
    // The rest of a course of support, so the phones and the review have every kind of entry to show. Decided by
    // the case's number alone, so the random draws above stay as they were.
    if spec.number % 7 == 3 {
        // A punch card: the course granted as a number of sessions, four of them left.
        let used = case
            .contacts
            .values()
            .filter(|c| c.course.as_deref() == Some(course_id.as_str()))
            .count();
        if let Some(course) = case.courses.get_mut(&course_id) {
            course.granted_sessions = Some(i64::try_from(used).unwrap_or(0) + 4);
        }
    }
    if spec.number % 7 == 4
        && let Some(course) = case.courses.get_mut(&course_id)
        && course.legal_basis == "s85"
        && let Some(planned) = course.planned_end.clone()
    {
        // A planned end moved later by the lead, with why.
        let to = Date::parse(&planned, "planned_end")?.plus_days(90).to_string();
        course.extensions.push(sync_core::case::Extension {
            from: Some(planned),
            to: to.clone(),
            reason: "Borgeren er tæt på målet (syntetisk demo-forlængelse).".to_owned(),
            by: spec.lead_id.to_string(),
            at_ms: today - 30 * DAY_MS,
        });
        course.planned_end = Some(to);
    }
    if spec.number % 5 == 1 {
        // A network meeting, recorded as its own entry.
        case.coordination.insert(
            uuid(&mut rng).to_string(),
            sync_core::case::Coordination {
                date: Date::from_unix_ms(today - 20 * DAY_MS).to_string(),
                parties: vec!["jobcenter".to_owned(), "psychiatry".to_owned()],
                participants: "Borgeren, tovholder, sagsbehandler, kontaktperson".to_owned(),
                agreements: "Syntetisk aftale: fælles mål for de næste tre måneder.".to_owned(),
                recorded_by: tovholder.clone(),
                entered_in_error: None,
            },
        );
    }
    if spec.number % 10 == 2 {
        // A course that has ended, with its reason (the case is then closed).
        let reasons = ["mutual_agreement", "citizen_dropped_out", "moved", "other"];
        let reason = reasons[usize::try_from(spec.number / 10).unwrap_or(0) % reasons.len()];
        if let Some(course) = case.courses.get_mut(&course_id) {
            course.end = Some(Date::from_unix_ms(today - DAY_MS).to_string());
            course.end_reason = Some(reason.to_owned());
        }
    }
    if spec.number % 8 == 5 {
        // A raised grant above the caseworker's limit, waiting for the lead: the review's decision to make.
        if let Some(course) = case.courses.get_mut(&course_id) {
            course.granted_minutes_per_week = 7 * 60;
            course.approval = sync_core::case::Approval {
                state: "awaiting".to_owned(),
                by: None,
                at_ms: None,
            };
        }
    }
    if case.courses.values().all(|c| c.end.is_none()) {
        follow_ups(&mut case, spec.number, today);
    }
    // One validated write of the whole year: a change per contact would replay the whole case through
    // hydrate, validate and reconcile for every contact, which makes loading sixty cases take seconds.
    let mut doc = CaseDocument::create(actor, &case, today - DAY_MS)?;
    if spec.number % 12 == 7 {
        // Two phones changed a goal's status offline: a conflict waiting for a person to choose.
        let second = ActorId::from(rng.random::<[u8; 16]>().to_vec());
        conflicting_status(&mut doc, second, &goals[0], today)?;
    }
    let case = doc.read()?;
    Ok(Generated { doc_id, doc, case })
}

/// Sets the goal's status to "paused" on a second phone (`actor`) and to "achieved" on the first, and merges.
fn conflicting_status(doc: &mut CaseDocument, actor: ActorId, goal: &str, at: i64) -> Result<(), CaseError> {
    let mut other = CaseDocument::from_automerge(doc.automerge().fork().with_actor(actor), at)?;
    other.set_goal_status(goal, "paused", at)?;
    doc.set_goal_status(goal, "achieved", at)?;
    doc.automerge_mut()
        .merge(other.automerge_mut())
        .map_err(|error| CaseError::Unreadable(error.to_string()))?;
    Ok(())
}

/// A goal, a sub-goal under it and stepping stones under that, for each of the theme's goals. Returns the ids,
/// the stepping stones last.
fn add_goals(case: &mut Case, rng: &mut StdRng, theme: &Theme, at: i64) -> Vec<String> {
    let ffb = Ffb::get();
    let target = Date::from_unix_ms(at + 365 * DAY_MS).to_string();
    let mut ids = Vec::new();
    let mut stones = Vec::new();
    for (title, sub_title, stone_titles) in theme.goals {
        let kind = if rng.random_bool(0.8) {
            "Udvikle funktionsevne"
        } else {
            "Fastholde funktionsevne"
        };
        let goal_type = ffb.goal_type_code(kind).unwrap_or_default().to_owned();
        let goal = |title: &str, level: &str, parent: Option<&String>| Goal {
            title: title.to_owned(),
            level: level.to_owned(),
            parent: parent.cloned(),
            goal_type: goal_type.clone(),
            status: "active".to_owned(),
            target_date: Some(target.clone()),
            created_ms: at,
            entered_in_error: None,
        };
        let goal_id = uuid(rng).to_string();
        case.plan.goals.insert(goal_id.clone(), goal(title, "goal", None));
        let sub_id = uuid(rng).to_string();
        case.plan
            .goals
            .insert(sub_id.clone(), goal(sub_title, "sub_goal", Some(&goal_id)));
        for stone in *stone_titles {
            let stone_id = uuid(rng).to_string();
            case.plan
                .goals
                .insert(stone_id.clone(), goal(stone, "stepping_stone", Some(&sub_id)));
            stones.push(stone_id);
        }
        ids.extend([goal_id, sub_id]);
    }
    ids.extend(stones);
    ids
}

/// The ORS at `fraction` of the year: the trajectory's line plus noise; sometimes skipped or on paper.
fn ors(rng: &mut StdRng, trajectory: Trajectory, fraction: f64, paper: bool) -> Option<Rating> {
    if rng.random_bool(0.1) {
        return None;
    }
    if rng.random_bool(0.03) {
        return Some(Rating::skipped(Instrument::Ors, RaterKind::Citizen));
    }
    let (from, to) = match trajectory {
        Trajectory::Improving => (170.0, 300.0),
        Trajectory::Flat | Trajectory::LowAlliance => (200.0, 205.0),
        Trajectory::Deteriorating => (250.0, 160.0),
        Trajectory::AboveCutoff => (290.0, 300.0),
    };
    let total = (from + (to - from) * fraction) as i64 + rng.random_range(-15..=15);
    Some(rating(rng, Instrument::Ors, total, paper))
}

/// The SRS around the case's usual level (`alliance`, in mm): steady and high for a good alliance, lower and
/// more uneven for the low-alliance cases. A group contact uses the GSRS.
fn srs(rng: &mut StdRng, alliance: i64, trajectory: Trajectory, kind: &str, paper: bool) -> Option<Rating> {
    let instrument = if kind == "group" {
        Instrument::Gsrs
    } else {
        Instrument::Srs
    };
    if rng.random_bool(0.04) {
        return Some(Rating::skipped(instrument, RaterKind::Citizen));
    }
    let spread = if matches!(trajectory, Trajectory::LowAlliance) {
        12
    } else {
        4
    };
    let total = alliance + rng.random_range(-spread..=spread);
    Some(rating(rng, instrument, total, paper))
}

/// A rating near `total` mm: four items around a quarter of it, or (on paper forms, now and then) the total only.
/// Session items vary less than outcome items: people who rate the alliance well tend to rate every part well.
fn rating(rng: &mut StdRng, instrument: Instrument, total: i64, paper: bool) -> Rating {
    let total = total.clamp(0, 400);
    if paper && rng.random_bool(0.3) {
        return Rating::paper_total(instrument, total, RaterKind::Citizen);
    }
    let spread = match instrument.family() {
        Family::Outcome => 10,
        Family::Session => 3,
    };
    let items = [0; 4].map(|_| (total / 4 + rng.random_range(-spread..=spread)).clamp(0, 100));
    Rating::items(instrument, items, RaterKind::Citizen)
}

/// A UUID v4 drawn from the case's generator.
/// Follow-ups a quarter apart over the year, the past ones held and the next one planned, as the way of working
/// asks (up to four a year); every seventh case left one undone (overdue), and every tenth's time-limited course
/// nears its planned end. A generator of its own, so the rest of the case stays as it was generated before.
fn follow_ups(case: &mut Case, number: u32, today_ms: i64) {
    let mut rng = StdRng::seed_from_u64(SEED ^ u64::from(number) ^ 0xf011_0f00);
    let today = Date::from_unix_ms(today_ms);
    let purposes = [
        "Opfølgning på mål med borgeren",
        "Opfølgning med jobcenter",
        "Netværksmøde med psykiatrien",
    ];
    let first = today.plus_days(-365 + rng.random_range(60..91));
    let mut due = first;
    let mut quarter = 0;
    while due <= today.plus_days(91) {
        let overdue = number % 7 == 3 && due < today && due >= today.plus_days(-91);
        case.follow_ups.insert(
            uuid(&mut rng).to_string(),
            sync_core::case::FollowUp {
                due: due.to_string(),
                purpose: purposes[quarter % purposes.len()].to_owned(),
                with: vec!["citizen".to_owned()],
                done: due < today && !overdue,
                done_note: String::new(),
                entered_in_error: None,
            },
        );
        due = due.plus_days(sync_core::case::agenda::FOLLOW_UP_INTERVAL_DAYS);
        quarter += 1;
    }
    if number % 10 == 6
        && let Some(course) = case.courses.values_mut().next()
    {
        course.planned_end = Some(today.plus_days(rng.random_range(3..14)).to_string());
    }
}

fn uuid(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// The same time on the next weekday, if `ms` falls on a Saturday or Sunday.
fn weekday(ms: i64) -> i64 {
    // 1970-01-01 was a Thursday: day 0 is weekday 4 counting from Sunday = 0.
    match (ms.div_euclid(DAY_MS) + 4) % 7 {
        6 => ms + 2 * DAY_MS,
        0 => ms + DAY_MS,
        _ => ms,
    }
}
