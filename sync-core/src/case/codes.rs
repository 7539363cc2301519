//! The closed code lists of the case document, with short Danish and English labels.
//!
//! FFB codes (services, goal types) come from KL's code system in [`crate::case::ffb`]; the lists here are the
//! project's own, small and stable, so they live in code. Stored values are the snake_case `code`.

/// A code with its labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub da: &'static str,
    pub en: &'static str,
}

const fn code(code: &'static str, da: &'static str, en: &'static str) -> Code {
    Code { code, da, en }
}

/// Kinds of contact with a citizen.
pub const CONTACT_KINDS: &[Code] = &[
    code("home_visit", "Hjemmebesøg", "Home visit"),
    code("video", "Videosamtale", "Video call"),
    code("phone", "Telefonsamtale", "Phone call"),
    code("group", "Gruppeforløb", "Group session"),
    code("cafe", "Åben café", "Open café"),
    code("office", "Kontorsamtale", "Office meeting"),
    code("acute", "Akut kontakt (§82c)", "Acute contact (§82c)"),
];

/// Legal bases of a course (Serviceloven).
pub const LEGAL_BASES: &[Code] = &[
    code(
        "s85",
        "§85 Socialpædagogisk støtte",
        "§85 Socio-educational support",
    ),
    code("s82a", "§82a Gruppebaseret hjælp", "§82a Group-based help"),
    code(
        "s82b",
        "§82b Individuel tidsbegrænset hjælp",
        "§82b Individual time-limited help",
    ),
    code("s82c", "§82c Akut hjælp", "§82c Acute help"),
    code("s82d", "§82d Med frivillige", "§82d With volunteer organisations"),
];

/// Who a follow-up is held with (DOMAIN.md: the citizen, and the network around them).
pub const FOLLOW_UP_WITH: &[Code] = &[
    code("citizen", "Borgeren", "The citizen"),
    code("jobcenter", "Jobcenter", "Job centre"),
    code("psychiatry", "Psykiatrien", "Psychiatry"),
    code("network", "Netværk", "Network"),
];

/// Who a coordination involved: the network around the citizen.
pub const COORDINATION_PARTIES: &[Code] = &[
    code("jobcenter", "Jobcenter", "Job centre"),
    code("psychiatry", "Psykiatrien", "Psychiatry"),
    code("housing", "Boligområdet", "Housing"),
    code("treatment", "Misbrugsbehandling", "Addiction treatment"),
    code("general_practice", "Egen læge", "GP"),
    code("network", "Netværk", "Network"),
];

/// Why a course ended.
pub const END_REASONS: &[Code] = &[
    code(
        "mutual_agreement",
        "Afsluttet efter aftale",
        "Ended by mutual agreement",
    ),
    code("citizen_dropped_out", "Borgeren faldt fra", "Citizen dropped out"),
    code("moved", "Fraflyttet", "Moved away"),
    code("other", "Andet", "Other"),
];

/// Approval states of a grant.
pub const APPROVAL_STATES: &[Code] = &[
    code("not_required", "Kræver ikke godkendelse", "No approval needed"),
    code("awaiting", "Afventer godkendelse", "Awaiting approval"),
    code("approved", "Godkendt", "Approved"),
    code("rejected", "Afvist", "Rejected"),
];

/// Levels of the goal hierarchy, top first.
pub const GOAL_LEVELS: &[Code] = &[
    code("goal", "Mål", "Goal"),
    code("sub_goal", "Delmål", "Sub-goal"),
    code("stepping_stone", "Snublemål", "Stepping-stone goal"),
];

/// Goal statuses.
pub const GOAL_STATUSES: &[Code] = &[
    code("active", "Igangværende", "Active"),
    code("achieved", "Opnået", "Achieved"),
    code("paused", "Sat på pause", "Paused"),
    code("dropped", "Opgivet", "Dropped"),
];

/// Outcome events the municipality reports.
pub const OUTCOME_KINDS: &[Code] = &[
    code("own_home", "Egen bolig", "Own home"),
    code("job", "Job", "Job"),
    code(
        "job_special_terms",
        "Job på særlige vilkår",
        "Job on special terms",
    ),
    code("less_support", "Mindre støtte", "Less support"),
    code("support_ended", "Støtte afsluttet", "Support ended"),
    code("self_support", "Selvforsørgelse", "Self-support"),
];

/// Why a worker opens a case on a device: the purpose the access log keeps with the lookup (DOMAIN.md: every read
/// with its purpose). Not case content; the clients and the server share the list here.
pub const OPEN_PURPOSES: &[Code] = &[
    code("visit", "Besøg eller kontakt", "Visit or contact"),
    code("follow_up", "Opfølgning", "Follow-up"),
    code("review", "Gennemgang af sagen", "Reviewing the case"),
    code(
        "coordination",
        "Koordinering med netværk",
        "Coordination with the network",
    ),
];

/// Finds `value` in `list`.
pub fn find(list: &'static [Code], value: &str) -> Option<&'static Code> {
    list.iter().find(|c| c.code == value)
}

/// The position of a goal level (0 = goal, 1 = sub-goal, 2 = stepping stone).
pub fn goal_level_depth(level: &str) -> Option<usize> {
    GOAL_LEVELS.iter().position(|c| c.code == level)
}
