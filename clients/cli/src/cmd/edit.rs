//! `tov contact add`, `tov goal add|set` and `tov note edit`: offline edits, validated before they are stored.

use std::path::Path;

use anyhow::Context;
use cli::edits::{self, Assignment, ContactInput, CourseChoice, Entry, GoalInput, GoalType, NoteEdit};
use cli::time::{now_ms, parse_rfc3339};
use cli::view::short;
use sync_core::fit::RaterKind;

use super::{case_id, open};
use crate::args::{
    AssignArgs, ContactCommand, GoalCommand, GoalStatus, GoalTypeArg, GroupArgs, NoteCommand, PlanArgs, Rater,
};

pub(super) const NOT_SYNCED: &str = "(stored on this device; `tov sync` sends it)";

pub async fn contact(dir: &Path, command: ContactCommand) -> anyhow::Result<()> {
    let args = match command {
        ContactCommand::Add(args) => args,
        ContactCommand::Group(args) => return group(dir, args).await,
        ContactCommand::MarkInError {
            case,
            contact,
            reason,
        } => {
            return mark_in_error(dir, Entry::Contact, &case, &contact, &reason).await;
        }
    };
    let now = now_ms();
    // The time is read before the store is opened: bad input is refused before anything is touched.
    let start_ms = match &args.at {
        Some(text) => parse_rfc3339(text, "at")?,
        None => now,
    };
    let device = open(dir).await?;
    let id = case_id(&device, &args.case).await?;
    let input = ContactInput {
        kind: args.kind.code(),
        start_ms,
        duration_minutes: args.minutes,
        notes: args.note,
        ors: args.ors,
        srs: args.srs,
        rater: match args.rater {
            Rater::Citizen => RaterKind::Citizen,
            Rater::Relative => RaterKind::Relative,
            Rater::Professional => RaterKind::Professional,
        },
        goals: args.goals,
        course: match args.course.as_deref() {
            None => CourseChoice::Current,
            Some("none") => CourseChoice::None,
            Some(prefix) => CourseChoice::Id(prefix.to_owned()),
        },
    };
    let contact = edits::add_contact(&device, &id, input, now)
        .await
        .context("the contact was not recorded")?;
    println!(
        "Recorded contact {} on case {} {NOT_SYNCED}.",
        short(&contact),
        short(&id.to_string())
    );
    device.close().await;
    Ok(())
}

/// `tov contact group`: one group session, recorded in every participant's case or in none.
async fn group(dir: &Path, args: GroupArgs) -> anyhow::Result<()> {
    let now = now_ms();
    let start_ms = match &args.at {
        Some(text) => parse_rfc3339(text, "at")?,
        None => now,
    };
    // Each rating names its case; one that names no participant is a typing error, refused before anything is
    // opened.
    let mut ratings: Vec<(String, String)> = Vec::with_capacity(args.ratings.len());
    for given in &args.ratings {
        let Some((case, scores)) = given.split_once('=') else {
            return Err(super::BadInput(format!(
                "--rating {given:?}: write CASE=SCORES, e.g. 3f2a=paper:31.5"
            ))
            .into());
        };
        if !args.cases.iter().any(|c| c == case) {
            return Err(super::BadInput(format!(
                "--rating names case {case:?}, which is not among the participants; use the prefix given for it"
            ))
            .into());
        }
        if ratings.iter().any(|(c, _)| c == case) {
            return Err(super::BadInput(format!("--rating names case {case:?} twice")).into());
        }
        ratings.push((case.to_owned(), scores.to_owned()));
    }
    let device = open(dir).await?;
    let mut participants = Vec::with_capacity(args.cases.len());
    for prefix in &args.cases {
        participants.push(edits::Participant {
            case: case_id(&device, prefix).await?,
            rating: ratings
                .iter()
                .find(|(case, _)| case == prefix)
                .map(|(_, scores)| scores.clone()),
        });
    }
    let session = edits::GroupSession {
        start_ms,
        duration_minutes: args.minutes,
        notes: args.note,
    };
    let contacts = edits::record_group_session(&device, session, &participants, now)
        .await
        .context("the group session was not recorded")?;
    for (participant, contact) in participants.iter().zip(&contacts) {
        println!(
            "Recorded group contact {} on case {}.",
            short(contact),
            short(&participant.case.to_string())
        );
    }
    println!("{} participant(s) {NOT_SYNCED}.", contacts.len());
    device.close().await;
    Ok(())
}

/// `tov contact|course|follow-up|outcome mark-in-error`: the entry stays in the record, struck through.
pub(super) async fn mark_in_error(
    dir: &Path,
    entry: Entry,
    case: &str,
    prefix: &str,
    reason: &str,
) -> anyhow::Result<()> {
    if reason.trim().is_empty() {
        return Err(super::BadInput("give a --reason: it stays in the record".into()).into());
    }
    let device = open(dir).await?;
    let id = case_id(&device, case).await?;
    let marked = edits::mark_in_error(&device, &id, entry, prefix, reason, now_ms())
        .await
        .with_context(|| format!("the {} was not marked", entry.name()))?;
    let name = entry.name();
    let capitalised = name[..1].to_uppercase() + &name[1..];
    let leaves_fit = if entry == Entry::Contact {
        " and leaves FIT"
    } else {
        ""
    };
    println!(
        "{capitalised} {} is marked as made in error; it stays in the record{leaves_fit} {NOT_SYNCED}.",
        short(&marked)
    );
    device.close().await;
    Ok(())
}

/// `tov plan CASE --purpose … --own-goal …`.
pub async fn plan(dir: &Path, args: PlanArgs) -> anyhow::Result<()> {
    if args.purpose.is_none() && args.own_goal.is_none() {
        return Err(super::BadInput("give --purpose, --own-goal or both".into()).into());
    }
    let device = open(dir).await?;
    let id = case_id(&device, &args.case).await?;
    let changed = edits::edit_plan(
        &device,
        &id,
        args.purpose.as_deref(),
        args.own_goal.as_deref(),
        now_ms(),
    )
    .await
    .context("the plan was not changed")?;
    if changed {
        println!(
            "The plan of case {} is written {NOT_SYNCED}.",
            short(&id.to_string())
        );
    } else {
        println!("The plan of case {} already reads so.", short(&id.to_string()));
    }
    device.close().await;
    Ok(())
}

pub async fn goal(dir: &Path, command: GoalCommand) -> anyhow::Result<()> {
    let device = open(dir).await?;
    let now = now_ms();
    match command {
        GoalCommand::Add {
            case,
            title,
            parent,
            goal_type,
            target,
        } => {
            let id = case_id(&device, &case).await?;
            let input = GoalInput {
                title,
                parent,
                goal_type: goal_type.map(goal_type_of),
                target_date: target,
            };
            let goal = edits::add_goal(&device, &id, input, now)
                .await
                .context("the goal was not added")?;
            println!(
                "Added goal {} to case {} {NOT_SYNCED}.",
                short(&goal),
                short(&id.to_string())
            );
        }
        GoalCommand::Edit {
            case,
            goal,
            title,
            goal_type,
            target,
            no_target,
        } => {
            let id = case_id(&device, &case).await?;
            let change = edits::GoalEdit {
                title,
                goal_type: goal_type.map(goal_type_of),
                target_date: if no_target { Some(None) } else { target.map(Some) },
            };
            let goal = edits::edit_goal(&device, &id, &goal, change, now)
                .await
                .context("the goal was not changed")?;
            println!("Changed goal {} {NOT_SYNCED}.", short(&goal));
        }
        GoalCommand::Move {
            case,
            goal,
            after,
            first: _,
        } => {
            let id = case_id(&device, &case).await?;
            let goal = edits::move_goal(&device, &id, &goal, after.as_deref(), now)
                .await
                .context("the goal was not moved")?;
            println!("Moved goal {} {NOT_SYNCED}.", short(&goal));
        }
        GoalCommand::Set { case, goal, status } => {
            let id = case_id(&device, &case).await?;
            let code = match status {
                GoalStatus::Active => "active",
                GoalStatus::Achieved => "achieved",
                GoalStatus::Paused => "paused",
                GoalStatus::Dropped => "dropped",
            };
            let goal = edits::set_goal_status(&device, &id, &goal, code, now)
                .await
                .context("the goal was not changed")?;
            println!("Goal {} is now {code} {NOT_SYNCED}.", short(&goal));
        }
    }
    device.close().await;
    Ok(())
}

fn goal_type_of(arg: GoalTypeArg) -> GoalType {
    match arg {
        GoalTypeArg::Udvikle => GoalType::Develop,
        GoalTypeArg::Fastholde => GoalType::Maintain,
        GoalTypeArg::Begraense => GoalType::LimitLoss,
    }
}

/// `tov assign`: one change of who holds the case.
pub async fn assign(dir: &Path, args: AssignArgs) -> anyhow::Result<()> {
    let change = match (args.add, args.name, args.remove, args.tovholder) {
        (Some(who), name, None, None) => Assignment::Add { who, name },
        (None, None, Some(who), None) => Assignment::Remove(who),
        (None, None, None, Some(who)) => Assignment::Tovholder(who),
        // clap's group lets exactly one of them through.
        _ => {
            return Err(super::BadInput("give one of --add, --remove, --tovholder".into()).into());
        }
    };
    let device = open(dir).await?;
    let id = case_id(&device, &args.case).await?;
    let what = match &change {
        Assignment::Add { .. } => "is assigned to",
        Assignment::Remove(_) => "is no longer assigned to",
        Assignment::Tovholder(_) => "is the tovholder of",
    };
    let (user, changed) = edits::change_assignment(&device, &id, change, now_ms())
        .await
        .context("who holds the case was not changed")?;
    if changed {
        println!("{user} {what} case {} {NOT_SYNCED}.", short(&id.to_string()));
    } else {
        println!(
            "{user} already {what} case {}: nothing changed.",
            short(&id.to_string())
        );
    }
    device.close().await;
    Ok(())
}

pub async fn note(dir: &Path, command: NoteCommand) -> anyhow::Result<()> {
    let NoteCommand::Edit {
        case,
        contact,
        text,
        append,
    } = command;
    let edit = match (text, append) {
        (Some(text), _) => NoteEdit::Replace(text),
        (None, Some(text)) => NoteEdit::Append(text),
        (None, None) => return Err(super::BadInput("give --text or --append".into()).into()),
    };
    let device = open(dir).await?;
    let id = case_id(&device, &case).await?;
    let contact = edits::edit_note(&device, &id, &contact, edit, now_ms())
        .await
        .context("the note was not changed")?;
    println!("Edited the notes of contact {} {NOT_SYNCED}.", short(&contact));
    device.close().await;
    Ok(())
}
