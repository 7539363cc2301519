//! The command line of `tov`: one clap derive tree, every command and option documented for `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes: 0 success; 1 failure (network, store, incomplete sync); 2 bad input (unknown option, a score out of \
range, an id that matches no case, a plain http:// server that is not this machine: nothing was written or sent); \
3 the server refused this login or device (log in again, or the device was revoked), or a wrong password at \
`tov unlock`; 4 the local store is locked (`tov unlock`, or `tov login`).

The store and the tokens are encrypted under a key that the password unwraps: `tov login` and `tov unlock` release \
it for the working session (12 hours at most, kept in RAM only), `tov lock` ends that early.

Environment: TOV_PROFILE (profile directory), TOV_PASSWORD (the password instead of the prompt), \
TOV_PREVIOUS_PASSWORD (the password before a change, to keep the store at the next login), TOV_CA_CERT (an extra \
CA certificate to trust), TOV_RUNTIME_DIR (a RAM-backed directory for the released key, where tov finds none).

Servers: https:// (TLS, trusting Mozilla's root CAs built into tov, plus --ca-cert); plain http:// only to this \
machine (localhost, 127.0.0.1, ::1).";

/// tov: the offline client of Tovholder, for outreach workers' caseloads.
///
/// Log in once with signal; from then on list the caseload, record contacts with ORS/SRS and update goals offline.
/// Every edit is checked and stored on the device first, and reaches the server at the next `tov sync`.
#[derive(Debug, Parser)]
#[command(name = "tov", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// Profile directory: one per device, so several simulated phones can run side by side. Default: `tov` in
    /// the user's data directory (~/.local/share/tov).
    #[arg(long, global = true, env = "TOV_PROFILE", value_name = "DIR")]
    pub profile: Option<PathBuf>,

    /// Also trust the CA certificate(s) in this PEM file for https:// servers, e.g. the municipality's own CA.
    /// tov otherwise trusts the public root CAs built into it (Mozilla's), not the machine's store.
    #[arg(long, global = true, env = "TOV_CA_CERT", value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in to a server and remember it in the profile: a new device, or the profile's device again for the same
    /// user. The login lasts the maximum offline period: tokens are renewed at each sync.
    Login(LoginArgs),
    /// Unlock the local store with the password, offline too (within the maximum offline period since the last
    /// login or sync), for the working session.
    Unlock,
    /// Lock the local store now: the next command asks for the password.
    Lock,
    /// List the caseload: citizen, current course, last contact and FIT alerts.
    Cases,
    /// Show one case (`tov case ID`), or create one (`tov case new`).
    Case(CaseArgs),
    /// Record contacts with the citizen.
    #[command(subcommand)]
    Contact(ContactCommand),
    /// Write the plan's purpose and the citizen's own goal (`tov plan CASE --purpose … --own-goal …`).
    Plan(PlanArgs),
    /// Add goals and set their status.
    #[command(subcommand)]
    Goal(GoalCommand),
    /// Change who holds a case: assign a worker (`--add USER_ID --name NAME`), unassign one (`--remove WHO`) or hand
    /// the tovholder role over (`--tovholder WHO`).
    Assign(AssignArgs),
    /// Start and end courses (forløb).
    #[command(subcommand)]
    Course(CourseCommand),
    /// Plan follow-ups and mark them done.
    #[command(subcommand, name = "follow-up")]
    FollowUp(FollowUpCommand),
    /// Record outcomes (own home, job, less support, support ended).
    #[command(subcommand)]
    Outcome(OutcomeCommand),
    /// Record coordination with the network (a meeting with the job centre, psychiatry, housing).
    #[command(subcommand)]
    Coordination(CoordinationCommand),
    /// Edit a contact's notes.
    #[command(subcommand)]
    Note(NoteCommand),
    /// Exchange changes with the server: upload local edits, download others'.
    Sync(SyncArgs),
    /// List fields that two devices changed concurrently, with every value and who wrote it.
    Conflicts {
        /// Only this case (id or unique prefix).
        case: Option<String>,
    },
    /// Resolve a conflicted field by picking one of its values or giving a new one.
    Resolve(ResolveArgs),
    /// Show the server, user, cursor, documents, unsynced changes and refused changes.
    Status,
    /// Delete the local store (documents, cursor). The login is kept; the next sync downloads everything again.
    Reset {
        /// Delete even if some documents have changes the server has not acknowledged (they are lost).
        #[arg(long)]
        force: bool,
    },
    /// Play many phones against a running server and print throughput and latency percentiles. Each phone logs
    /// in (a new device of the same user), downloads its caseload, records new cases offline and uploads them.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Server base URL: https://, or http:// to this machine.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// Municipality (tenant) slug.
    #[arg(long, default_value = "hoeje-taastrup")]
    pub tenant: String,
    /// The user every phone logs in as (password from TOV_PASSWORD or a prompt).
    #[arg(long, default_value = "anna")]
    pub user: String,
    /// How many phones sync at once.
    #[arg(long, default_value_t = 20)]
    pub devices: usize,
    /// New cases each phone records offline and uploads.
    #[arg(long, default_value_t = 10)]
    pub cases: usize,
    /// Contacts (with ORS and SRS) in each new case.
    #[arg(long, default_value_t = 2)]
    pub contacts: usize,
    /// Keep the phones' profiles here instead of a temporary directory that is removed afterwards.
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Record the cases of this file instead of generated ones: a JSON array of cases as the web app reads them
    /// (bench/side-by-side writes one). Each phone keeps their citizens and their contacts' kind, time, duration,
    /// notes and ratings; the tenant, team and workers are the phone's own login's.
    #[arg(long, conflicts_with_all = ["cases", "contacts"])]
    pub cases_from: Option<std::path::PathBuf>,
    /// After the upload, log in one more phone and time its first sync: the whole caseload downloaded fresh.
    #[arg(long)]
    pub fresh_device: bool,
    /// Print `ready PHASE` before and `done PHASE SECONDS` after each timed phase, and wait for a line on stdin
    /// after each, so a harness can read the server's CPU time and the bytes on the wire between the phases.
    #[arg(long)]
    pub pause: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Server base URL: https://, or http:// to this machine.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// Municipality (tenant) slug, e.g. hoeje-taastrup.
    #[arg(long)]
    pub tenant: String,
    /// User name.
    #[arg(long)]
    pub user: String,
    /// Name the server registers this device under. Default: "tov on HOSTNAME".
    #[arg(long)]
    pub device: Option<String>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CaseArgs {
    #[command(subcommand)]
    pub command: Option<CaseCommand>,
    /// The case: its id or a unique prefix of it (as `tov cases` shows it).
    pub id: Option<String>,
    /// How many of the latest contacts to list (0 for all).
    #[arg(long, default_value_t = 10)]
    pub contacts: usize,
    /// Why you open the case, for the access log (every read of a case is logged with its purpose): visit,
    /// follow_up, review or coordination. Sent at the next sync.
    #[arg(long, value_parser = open_purposes())]
    pub purpose: Option<String>,
}

/// The purposes sync-core lists, as clap's choices.
fn open_purposes() -> clap::builder::PossibleValuesParser {
    choices(sync_core::case::codes::OPEN_PURPOSES)
}

/// A code list of sync-core as clap's choices, each with its English label as help.
fn choices(list: &'static [sync_core::case::codes::Code]) -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        list.iter()
            .map(|c| clap::builder::PossibleValue::new(c.code).help(c.en)),
    )
}

#[derive(Debug, Subcommand)]
pub enum CourseCommand {
    /// Start a course. A grant above 5 hours a week waits for a team lead's approval.
    Start {
        /// The case (id or unique prefix).
        case: String,
        /// The FFB service: its code, or a unique part of its name ("bostøtte").
        #[arg(long)]
        service: String,
        /// The legal basis (Serviceloven).
        #[arg(long, value_parser = choices(sync_core::case::codes::LEGAL_BASES))]
        basis: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        start: String,
        /// Planned last day, YYYY-MM-DD (required for §82b).
        #[arg(long)]
        planned_end: Option<String>,
        /// Granted support in hours a week (e.g. 2.5).
        #[arg(long)]
        hours_per_week: f64,
        /// A punch card (klippekort): the course is granted as this many sessions; each contact uses one.
        #[arg(long)]
        sessions: Option<i64>,
    },
    /// End a course with a date and a reason.
    End {
        /// The case (id or unique prefix).
        case: String,
        /// The course (id or unique prefix, as `tov case` shows it).
        course: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        #[arg(long, value_parser = choices(sync_core::case::codes::END_REASONS))]
        reason: String,
    },
    /// Move a course's planned end later, with why (kept with the course).
    Extend {
        /// The case (id or unique prefix).
        case: String,
        /// The course (id or unique prefix, as `tov case` shows it).
        course: String,
        /// The new planned end, YYYY-MM-DD: later than the one now.
        #[arg(long)]
        to: String,
        /// Why the course is extended.
        #[arg(long)]
        reason: String,
    },
    /// Mark it as recorded by mistake: it stays in the record, struck through, and is not acted on again. The
    /// mark cannot be undone.
    MarkInError {
        /// The case (id or unique prefix).
        case: String,
        /// The entry (id or unique prefix, as `tov case` shows it).
        entry: String,
        /// Why, for the record (e.g. "recorded on the wrong citizen").
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum FollowUpCommand {
    /// Plan a follow-up; without --due, on the date offered: a quarter after the latest one (four a year).
    Plan {
        /// The case (id or unique prefix).
        case: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        due: Option<String>,
        /// What it is to follow up.
        #[arg(long)]
        purpose: String,
        /// Who it is held with; repeat or separate with commas (`--with citizen,jobcenter`).
        #[arg(long, value_delimiter = ',', value_parser = choices(sync_core::case::codes::FOLLOW_UP_WITH))]
        with: Vec<String>,
    },
    /// Mark a follow-up as done, with a short note of how it went.
    Done {
        /// The case (id or unique prefix).
        case: String,
        /// The follow-up (id or unique prefix, as `tov case` shows it).
        follow_up: String,
        /// How it went, in a sentence or two (new sub-goals go in with `tov goal add`).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Mark it as recorded by mistake: it stays in the record, struck through, and is not acted on again. The
    /// mark cannot be undone.
    MarkInError {
        /// The case (id or unique prefix).
        case: String,
        /// The entry (id or unique prefix, as `tov case` shows it).
        entry: String,
        /// Why, for the record (e.g. "recorded on the wrong citizen").
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutcomeCommand {
    /// Record an outcome event.
    Add {
        /// The case (id or unique prefix).
        case: String,
        #[arg(long, value_parser = choices(sync_core::case::codes::OUTCOME_KINDS))]
        kind: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// A short note for the record.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Mark it as recorded by mistake: it stays in the record, struck through, and is not acted on again. The
    /// mark cannot be undone.
    MarkInError {
        /// The case (id or unique prefix).
        case: String,
        /// The entry (id or unique prefix, as `tov case` shows it).
        entry: String,
        /// Why, for the record (e.g. "recorded on the wrong citizen").
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CoordinationCommand {
    /// Record a coordination: who was involved, who took part, what was agreed.
    Add {
        /// The case (id or unique prefix).
        case: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// Who was involved; repeat or separate with commas (`--with psychiatry,housing`).
        #[arg(long, required = true, value_delimiter = ',', value_parser = choices(sync_core::case::codes::COORDINATION_PARTIES))]
        with: Vec<String>,
        /// Who took part (names or roles).
        #[arg(long, default_value = "")]
        participants: String,
        /// What was agreed.
        #[arg(long)]
        agreements: String,
    },
    /// Mark it as recorded by mistake: it stays in the record, struck through. The mark cannot be undone.
    MarkInError {
        /// The case (id or unique prefix).
        case: String,
        /// The entry (id or unique prefix, as `tov case` shows it).
        entry: String,
        /// Why, for the record (e.g. "recorded on the wrong citizen").
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Create a case in your team, with you as its tovholder.
    New {
        /// The citizen's name as the team uses it.
        #[arg(long)]
        name: String,
        /// The municipality's reference for the citizen (a pseudonymous case number, never a CPR number).
        #[arg(long)]
        reference: String,
        /// Birth year: picks the child FIT forms and age-dependent cutoffs.
        #[arg(long)]
        birth_year: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContactCommand {
    /// Record a contact. Scores are item scores in points, e.g. --ors 6.5,5.0,7.2,6.0; `paper:24.7` for a paper
    /// form that kept only the total; `skipped` when the citizen was deliberately not asked.
    Add(ContactArgs),
    /// Record one group session for several citizens of the caseload: it lands as a group contact in each one's
    /// case (in its running course), with the session form each filled in. Every case takes it, or none does.
    Group(GroupArgs),
    /// Mark a contact as recorded by mistake (on the wrong citizen, say). Recorded history is never deleted: the
    /// contact stays in the record, struck through, and its scores leave FIT. The mark cannot be undone.
    MarkInError {
        /// The case (id or unique prefix).
        case: String,
        /// The contact (id or unique prefix).
        contact: String,
        /// Why, for the record (e.g. "recorded on the wrong citizen").
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct ContactArgs {
    /// The case (id or unique prefix).
    pub case: String,
    /// Kind of contact.
    #[arg(long, value_enum)]
    pub kind: ContactKind,
    /// ORS (outcome) at the start of the contact: four item scores 0.0–10.0.
    #[arg(long, allow_hyphen_values = true)]
    pub ors: Option<String>,
    /// SRS (session) at the end of the contact: four item scores 0.0–10.0.
    #[arg(long, allow_hyphen_values = true)]
    pub srs: Option<String>,
    /// Who gave the scores.
    #[arg(long, value_enum, default_value_t = Rater::Citizen)]
    pub rater: Rater,
    /// Notes from the contact.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Start time, RFC 3339 with an offset (e.g. 2025-03-01T10:00:00+01:00). Default: now.
    #[arg(long)]
    pub at: Option<String>,
    /// Duration in minutes.
    #[arg(long, default_value_t = 60)]
    pub minutes: i64,
    /// A goal worked on (id prefix); repeat for several.
    #[arg(long = "goal")]
    pub goals: Vec<String>,
    /// The course (id prefix), or `none`. Default: the open course that started last.
    #[arg(long)]
    pub course: Option<String>,
}

#[derive(Debug, Args)]
pub struct GroupArgs {
    /// The cases of those who took part (id or unique prefix), two or more as a rule.
    #[arg(required = true, num_args = 1..)]
    pub cases: Vec<String>,
    /// A participant's group session form (GSRS): CASE=SCORES, the scores as for `contact add --srs`
    /// (`paper:31.5` for a total written on paper, `skipped`). Repeat for each one who filled it in.
    #[arg(long = "rating", value_name = "CASE=SCORES", allow_hyphen_values = true)]
    pub ratings: Vec<String>,
    /// What the session was about: the same words go into every participant's case, so write nothing about one
    /// citizen.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Start time, RFC 3339 with an offset (e.g. 2025-03-01T10:00:00+01:00). Default: now.
    #[arg(long)]
    pub at: Option<String>,
    /// Duration in minutes.
    #[arg(long, default_value_t = 90)]
    pub minutes: i64,
}

/// Kinds of contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ContactKind {
    HomeVisit,
    Video,
    Phone,
    Group,
    Cafe,
    Office,
    Acute,
}

impl ContactKind {
    /// The stored code: the option's name with underscores (`home-visit` → `home_visit`).
    pub fn code(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().replace('-', "_"))
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Rater {
    /// The citizen about themself.
    Citizen,
    /// A parent, partner or other relative.
    Relative,
    /// A professional from another service.
    Professional,
}

/// `tov plan`: the plan's purpose and the citizen's own goal in their own words (§141).
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The case (id or unique prefix).
    pub case: String,
    /// What the support is for.
    #[arg(long)]
    pub purpose: Option<String>,
    /// The citizen's own goal, in their own words (written as the smallest text edit, so a colleague's edit of it
    /// on another phone is kept).
    #[arg(long)]
    pub own_goal: Option<String>,
}

/// `tov assign`: one change of the case's assigned workers or its tovholder. A worker already on the case is named by
/// the name the case shows or a unique prefix of their user id; a new one by their username in your team (as the
/// last `tov sync` fetched it) or their full user id. The list is the case's own: which phones hold the case is the
/// lead's assignment on the server.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("change").required(true).args(["add", "remove", "tovholder"])))]
pub struct AssignArgs {
    /// The case (id or unique prefix).
    pub case: String,
    /// Put a worker on the case: a colleague's username, or a user id (a UUID).
    #[arg(long, value_name = "WHO")]
    pub add: Option<String>,
    /// The name the case shows for the worker given with --add (default: their username).
    #[arg(long, requires = "add")]
    pub name: Option<String>,
    /// Take a worker off the case (name or id prefix); not the tovholder, nor the last one.
    #[arg(long, value_name = "WHO")]
    pub remove: Option<String>,
    /// Hand the tovholder role to a worker on the case (name or id prefix).
    #[arg(long, value_name = "WHO")]
    pub tovholder: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum GoalCommand {
    /// Add a goal; with --parent a sub-goal, or a stepping stone under a sub-goal.
    Add {
        /// The case (id or unique prefix).
        case: String,
        #[arg(long)]
        title: String,
        /// The goal one level up (id prefix).
        #[arg(long)]
        parent: Option<String>,
        /// FFB goal type. Default: the parent's, or udvikle.
        #[arg(long = "type", value_enum)]
        goal_type: Option<GoalTypeArg>,
        /// Target date, YYYY-MM-DD.
        #[arg(long)]
        target: Option<String>,
    },
    /// Change a goal's title, FFB goal type or target date.
    #[command(group(clap::ArgGroup::new("change").required(true).multiple(true).args(["title", "goal_type", "target", "no_target"])))]
    Edit {
        /// The case (id or unique prefix).
        case: String,
        /// The goal (id or unique prefix).
        goal: String,
        #[arg(long)]
        title: Option<String>,
        /// FFB goal type.
        #[arg(long = "type", value_enum)]
        goal_type: Option<GoalTypeArg>,
        /// Target date, YYYY-MM-DD.
        #[arg(long, conflicts_with = "no_target")]
        target: Option<String>,
        /// Remove the target date.
        #[arg(long)]
        no_target: bool,
    },
    /// Move a goal among the goals with the same parent (as `tov case` lists them).
    #[command(group(clap::ArgGroup::new("place").required(true).args(["after", "first"])))]
    Move {
        /// The case (id or unique prefix).
        case: String,
        /// The goal (id or unique prefix).
        goal: String,
        /// Place it right after this goal (id or unique prefix).
        #[arg(long)]
        after: Option<String>,
        /// Place it first.
        #[arg(long)]
        first: bool,
    },
    /// Set a goal's status.
    Set {
        /// The case (id or unique prefix).
        case: String,
        /// The goal (id or unique prefix).
        goal: String,
        #[arg(long, value_enum)]
        status: GoalStatus,
    },
}

/// FFB goal types (KL's Måltype).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GoalTypeArg {
    /// Udvikle funktionsevne.
    #[value(alias = "develop")]
    Udvikle,
    /// Fastholde funktionsevne.
    #[value(alias = "maintain")]
    Fastholde,
    /// Begrænse tab af funktionsevne.
    #[value(alias = "begrænse", alias = "limit-loss")]
    Begraense,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GoalStatus {
    Active,
    Achieved,
    Paused,
    Dropped,
}

#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Replace a contact's notes (--text) or add a line to them (--append). Two workers' edits interleave.
    Edit {
        /// The case (id or unique prefix).
        case: String,
        /// The contact (id or unique prefix).
        contact: String,
        /// The new text.
        #[arg(long, conflicts_with = "append", required_unless_present = "append")]
        text: Option<String>,
        /// Text to add on a new line.
        #[arg(long)]
        append: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Stay connected: store live changes as they arrive and upload edits other tov commands make meanwhile;
    /// reconnect with backoff when the connection drops. Stop with Ctrl-C.
    #[arg(long)]
    pub watch: bool,
    /// Delete documents the server purges even if they have unsynced changes (they are lost).
    #[arg(long)]
    pub force: bool,
    /// Give up when the server is silent this many seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("choice").required(true).args(["pick", "value"]))]
pub struct ResolveArgs {
    /// The case (id or unique prefix).
    pub case: String,
    /// The conflicted field: its path as `tov conflicts` shows it, or its number there.
    pub field: String,
    /// Keep the value with this number (from `tov conflicts`).
    #[arg(long)]
    pub pick: Option<usize>,
    /// Write this JSON value instead (e.g. '"achieved"').
    #[arg(long)]
    pub value: Option<String>,
}
