//! The words and codes demo cases are made of: invented names, plan themes, services, contact kinds and notes.
//!
//! The names are deliberately unreal ("Fiktivsen", "Demogaard") so no demo case can be mistaken for a person.
//! Plan themes keep a case coherent: the citizen's own goal, the goals, sub-goals and stepping stones all belong
//! to one theme, in the plain words a worker would write.

use rand::RngExt;
use rand::rngs::StdRng;
use sync_core::case::date::Date;
use sync_core::case::ffb::Ffb;
use sync_core::case::{Approval, CaseError, Course};
use sync_core::{Problem, ValidationError};

const FIRST_NAMES: &[&str] = &[
    "Alma", "Bjarke", "Cecilie", "Dagmar", "Egon", "Frida", "Gorm", "Hjørdis", "Ib", "Jytte", "Karl", "Lone",
    "Mogens", "Nanna", "Oluf", "Pernille", "Rasmus", "Sigrid", "Tage", "Ulla", "Viggo", "Yrsa", "Åge",
    "Ebbe",
];
const SURNAMES: &[&str] = &[
    "Demosen",
    "Prøvesen",
    "Fiktivsen",
    "Eksempelgaard",
    "Testrup",
    "Opdigtholm",
    "Skabelonsen",
    "Attrapsen",
    "Modelby",
    "Øvelund",
];

/// One plan theme: what the plan is for, the citizen's own words, and goals with a sub-goal and stepping stones.
pub struct Theme {
    pub purpose: &'static str,
    pub own_goal: &'static str,
    pub goals: &'static [(&'static str, &'static str, &'static [&'static str])],
}

const THEMES: &[Theme] = &[
    Theme {
        purpose: "Støtte til at bevare egen bolig og få hverdagen til at hænge sammen.",
        own_goal: "Jeg vil gerne blive boende i min lejlighed og have styr på mine regninger.",
        goals: &[
            (
                "Bevare egen bolig",
                "Betale husleje til tiden",
                &["Åbne posten hver mandag", "Lave budget med støttepersonen"],
            ),
            (
                "Bedre døgnrytme",
                "Stå op inden kl. 9 på hverdage",
                &["Sætte vækkeur hver aften"],
            ),
        ],
    },
    Theme {
        purpose: "Støtte til at komme videre mod uddannelse eller job.",
        own_goal: "Jeg vil gerne i gang med noget, hvor jeg møder andre mennesker.",
        goals: &[
            (
                "Komme i uddannelse eller job",
                "Deltage i et praktikforløb",
                &["Ringe til jobcentret", "Besøge en praktikplads"],
            ),
            (
                "Styrke sociale relationer",
                "Deltage i en fast aktivitet",
                &["Prøve caféen én gang"],
            ),
        ],
    },
    Theme {
        purpose: "Støtte til at mindske brugen af rusmidler og styrke netværket.",
        own_goal: "Jeg vil gerne kunne se mine børn hver anden weekend.",
        goals: &[
            (
                "Mindre brug af rusmidler",
                "Holde fast i aftaler med misbrugscentret",
                &["Skrive aftaler i kalenderen"],
            ),
            (
                "Styrke relationen til familien",
                "Planlægge samvær med børnene",
                &["Ringe til børnenes mor", "Forberede et samvær"],
            ),
        ],
    },
    Theme {
        purpose: "Støtte til at klare praktiske opgaver og egen økonomi.",
        own_goal: "Jeg vil kunne åbne min post uden at få ondt i maven.",
        goals: &[
            (
                "Få styr på økonomien",
                "Få overblik over gæld",
                &["Samle regninger i én mappe", "Kontakte gældsrådgivningen"],
            ),
            (
                "Klare indkøb selv",
                "Handle ind efter en liste",
                &["Skrive indkøbsliste sammen"],
            ),
        ],
    },
    Theme {
        purpose: "Støtte til en mere stabil hverdag med bedre psykisk trivsel.",
        own_goal: "Jeg vil gerne sove om natten og tage bussen alene igen.",
        goals: &[
            (
                "Bedre psykisk trivsel",
                "Bruge en plan for svære dage",
                &["Lave kriseplan", "Øve vejrtrækning"],
            ),
            (
                "Færdes alene i byen",
                "Tage bussen til kontoret",
                &["Tage bussen sammen én gang"],
            ),
        ],
    },
];

/// Short, generic notes: no invented life story, nothing that reads like a real person's record.
const NOTES: &[&str] = &[
    "Gennemgik ugens aftaler.",
    "Talte om post og regninger.",
    "Fulgte op på delmålet.",
    "Borgeren fortalte om ugen; aftalte næste besøg.",
    "Kort snak om søvn og døgnrytme.",
    "Planlagde næste skridt sammen.",
];

/// (code, weight, minutes from, minutes to) of the contact kinds a course's contacts are drawn from.
const KINDS: &[(&str, u32, i64, i64)] = &[
    ("home_visit", 50, 45, 90),
    ("phone", 15, 15, 30),
    ("video", 10, 30, 45),
    ("office", 10, 45, 60),
    ("cafe", 7, 60, 120),
    ("group", 8, 90, 120),
];

pub fn citizen_name(rng: &mut StdRng) -> String {
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = SURNAMES[rng.random_range(0..SURNAMES.len())];
    format!("{first} {last}")
}

pub fn theme(rng: &mut StdRng) -> &'static Theme {
    &THEMES[rng.random_range(0..THEMES.len())]
}

/// A course starting on `start`: mostly §85 (one of the socio-educational services, approved by the lead),
/// otherwise §82b, which needs no approval.
pub fn course(rng: &mut StdRng, start: Date, lead_id: &str, at: i64) -> Result<Course, CaseError> {
    let ffb = Ffb::get();
    let s85 = rng.random_bool(0.7);
    let service = if s85 {
        let services = [
            "Støtte til praktiske opgaver",
            "Støtte til relationer og fællesskaber",
            "Støtte til samfundsdeltagelse",
            "Støtte til sundhed",
        ];
        services[rng.random_range(0..services.len())]
    } else {
        "Individuel tidsbegrænset socialpædagogisk hjælp og støtte"
    };
    let code = ffb.service_code(service).ok_or_else(|| {
        CaseError::Invalid(ValidationError::new(
            "service",
            Problem::UnknownCode,
            "no such FFB service",
        ))
    })?;
    let planned_end = Date::from_unix_ms(at + (if s85 { 730 } else { 365 }) * 86_400_000);
    Ok(Course {
        service: code.to_owned(),
        legal_basis: if s85 { "s85" } else { "s82b" }.to_owned(),
        start: start.to_string(),
        planned_end: Some(planned_end.to_string()),
        end: None,
        end_reason: None,
        granted_minutes_per_week: if s85 {
            rng.random_range(4..=10) * 30
        } else {
            rng.random_range(2..=4) * 30
        },
        granted_sessions: None,
        approval: if s85 {
            Approval {
                state: "approved".to_owned(),
                by: Some(lead_id.to_owned()),
                at_ms: Some(at),
            }
        } else {
            Approval {
                state: "not_required".to_owned(),
                by: None,
                at_ms: None,
            }
        },
        extensions: vec![],
        entered_in_error: None,
    })
}

pub fn contact_kind(rng: &mut StdRng) -> &'static str {
    let total: u32 = KINDS.iter().map(|k| k.1).sum();
    let mut pick = rng.random_range(0..total);
    for (code, weight, _, _) in KINDS {
        if pick < *weight {
            return code;
        }
        pick -= weight;
    }
    "home_visit"
}

/// A plausible duration for a contact of `kind`, in minutes.
pub fn duration(rng: &mut StdRng, kind: &str) -> i64 {
    let (from, to) = KINDS
        .iter()
        .find(|k| k.0 == kind)
        .map_or((30, 120), |k| (k.2, k.3));
    rng.random_range(from..=to) / 5 * 5
}

/// A short note, or none (about a third of contacts have no notes).
pub fn note(rng: &mut StdRng) -> String {
    if rng.random_bool(0.3) {
        return String::new();
    }
    NOTES[rng.random_range(0..NOTES.len())].to_owned()
}
