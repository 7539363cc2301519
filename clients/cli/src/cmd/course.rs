//! `tov course start|extend|end`, `tov follow-up plan|done`, `tov outcome add`, `tov coordination add`, and
//! `mark-in-error` for each: the course of support, offline.

use std::path::Path;

use anyhow::Context;
use cli::edits::{self, Entry};
use cli::time::now_ms;
use cli::view::short;
use sync_core::case::NewCourse;

use super::edit::{NOT_SYNCED, mark_in_error};
use super::{BadInput, case_id, open};
use crate::args::{CoordinationCommand, CourseCommand, FollowUpCommand, OutcomeCommand};

/// The most hours a week a grant can name (the case validation's limit is in minutes; this catches typos first).
const MAX_HOURS_PER_WEEK: f64 = 168.0;

pub async fn course(dir: &Path, command: CourseCommand) -> anyhow::Result<()> {
    let now = now_ms();
    match command {
        CourseCommand::Start {
            case,
            service,
            basis,
            start,
            planned_end,
            hours_per_week,
            sessions,
        } => {
            // Checked before the store is opened: bad input touches nothing.
            if !(0.0..=MAX_HOURS_PER_WEEK).contains(&hours_per_week) {
                return Err(BadInput(format!(
                    "--hours-per-week must be between 0 and {MAX_HOURS_PER_WEEK}"
                ))
                .into());
            }
            let service = edits::find_service(&service)?;
            let device = open(dir).await?;
            let id = case_id(&device, &case).await?;
            let new = NewCourse {
                service: service.to_owned(),
                legal_basis: basis,
                start,
                planned_end,
                // Minutes, so two devices never disagree on rounding.
                granted_minutes_per_week: (hours_per_week * 60.0).round() as i64,
                granted_sessions: sessions,
            };
            let (course, state) = edits::start_course(&device, &id, new, now)
                .await
                .context("the course was not started")?;
            println!(
                "Started course {} on case {} {NOT_SYNCED}.",
                short(&course),
                short(&id.to_string())
            );
            if state == "awaiting" {
                println!(
                    "The grant is above what a caseworker grants alone: it awaits a team lead's approval."
                );
            }
            device.close().await;
        }
        CourseCommand::End {
            case,
            course,
            date,
            reason,
        } => {
            let device = open(dir).await?;
            let id = case_id(&device, &case).await?;
            let course = edits::end_course(&device, &id, &course, &date, &reason, now)
                .await
                .context("the course was not ended")?;
            println!(
                "Course {} ends on {date} ({reason}) {NOT_SYNCED}.",
                short(&course)
            );
            device.close().await;
        }
        CourseCommand::Extend {
            case,
            course,
            to,
            reason,
        } => {
            let device = open(dir).await?;
            let id = case_id(&device, &case).await?;
            let course = edits::extend_course(&device, &id, &course, &to, &reason, now)
                .await
                .context("the course was not extended")?;
            println!("Course {} now ends on {to} {NOT_SYNCED}.", short(&course));
            device.close().await;
        }
        CourseCommand::MarkInError { case, entry, reason } => {
            mark_in_error(dir, Entry::Course, &case, &entry, &reason).await?
        }
    }
    Ok(())
}

pub async fn follow_up(dir: &Path, command: FollowUpCommand) -> anyhow::Result<()> {
    let now = now_ms();
    match command {
        FollowUpCommand::Plan {
            case,
            due,
            purpose,
            with,
        } => {
            let device = open(dir).await?;
            let id = case_id(&device, &case).await?;
            let (follow_up, due) = edits::plan_follow_up(&device, &id, due, purpose, with, now)
                .await
                .context("the follow-up was not planned")?;
            println!(
                "Planned follow-up {} on {due} for case {} {NOT_SYNCED}.",
                short(&follow_up),
                short(&id.to_string())
            );
            device.close().await;
        }
        FollowUpCommand::Done {
            case,
            follow_up,
            note,
        } => {
            let device = open(dir).await?;
            let id = case_id(&device, &case).await?;
            let follow_up = edits::complete_follow_up(&device, &id, &follow_up, &note, now)
                .await
                .context("the follow-up was not marked done")?;
            println!("Follow-up {} is done {NOT_SYNCED}.", short(&follow_up));
            device.close().await;
        }
        FollowUpCommand::MarkInError { case, entry, reason } => {
            mark_in_error(dir, Entry::FollowUp, &case, &entry, &reason).await?
        }
    }
    Ok(())
}

pub async fn outcome(dir: &Path, command: OutcomeCommand) -> anyhow::Result<()> {
    let (case, kind, date, note) = match command {
        OutcomeCommand::Add {
            case,
            kind,
            date,
            note,
        } => (case, kind, date, note),
        OutcomeCommand::MarkInError { case, entry, reason } => {
            return mark_in_error(dir, Entry::Outcome, &case, &entry, &reason).await;
        }
    };
    let now = now_ms();
    let device = open(dir).await?;
    let id = case_id(&device, &case).await?;
    let outcome = edits::add_outcome(&device, &id, &kind, &date, &note, now)
        .await
        .context("the outcome was not recorded")?;
    println!(
        "Recorded outcome {} ({kind}, {date}) on case {} {NOT_SYNCED}.",
        short(&outcome),
        short(&id.to_string())
    );
    device.close().await;
    Ok(())
}

pub async fn coordination(dir: &Path, command: CoordinationCommand) -> anyhow::Result<()> {
    match command {
        CoordinationCommand::Add {
            case,
            date,
            with,
            participants,
            agreements,
        } => {
            let device = open(dir).await?;
            let id = case_id(&device, &case).await?;
            let entry =
                edits::add_coordination(&device, &id, &date, with, &participants, &agreements, now_ms())
                    .await
                    .context("the coordination was not recorded")?;
            println!(
                "Recorded coordination {} ({date}) on case {} {NOT_SYNCED}.",
                short(&entry),
                short(&id.to_string())
            );
            device.close().await;
            Ok(())
        }
        CoordinationCommand::MarkInError { case, entry, reason } => {
            mark_in_error(dir, Entry::Coordination, &case, &entry, &reason).await
        }
    }
}
