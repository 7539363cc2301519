//! Plain-text rendering for the terminal: the caseload table, one case, and its FIT chart.
//!
//! Views are pure functions from data to a `String`, so they are unit-tested and the binary only prints them.
//! Labels come from `sync-core`'s code lists (English) and KL's FFB code system (Danish display names).

pub mod case;
pub mod caseload;
pub mod chart;

use sync_core::case::codes::{self, Code};
use sync_core::fit::AlertKind;

/// How many characters of an id are shown; any unique prefix is accepted back.
pub const SHORT_ID: usize = 8;

/// The first [`SHORT_ID`] characters of an id.
pub fn short(id: &str) -> &str {
    id.char_indices().nth(SHORT_ID).map_or(id, |(end, _)| &id[..end])
}

/// The English label of a code, or the code itself when the list does not know it.
pub fn label(list: &'static [Code], code: &str) -> String {
    codes::find(list, code).map_or_else(|| code.to_owned(), |c| c.en.to_owned())
}

/// `text` cut or padded to exactly `width` characters.
pub fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text}{}", " ".repeat(width - count))
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// A short marker for the caseload table.
pub fn alert_marker(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::NoBaseline => "no-baseline",
        AlertKind::SrsBelowCutoff => "SRS<cutoff",
        AlertKind::SrsItemLow => "SRS-item-low",
        AlertKind::SrsDropped => "SRS-drop",
        AlertKind::SrsMissing => "SRS-missing",
        AlertKind::NoReliableChangeRevisitGoals => "revisit-goals",
        AlertKind::NoReliableChangeChangeSupport => "change-support",
        AlertKind::NoReliableChangeConsiderOther => "consider-other",
        AlertKind::ReliableDeterioration => "deteriorating",
    }
}

/// What an alert asks of the worker, as a sentence.
pub fn alert_sentence(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::NoBaseline => "No ORS baseline yet: without one no change can be shown.",
        AlertKind::SrsBelowCutoff => {
            "The latest SRS is below the cutoff: talk about how the work together is going."
        }
        AlertKind::SrsItemLow => "An item of the latest SRS is low, even if the total is fine.",
        AlertKind::SrsDropped => "The SRS fell since the previous contact.",
        AlertKind::SrsMissing => "The latest contact has no SRS.",
        AlertKind::NoReliableChangeRevisitGoals => {
            "No reliable ORS change at the first checkpoint: revisit the goals."
        }
        AlertKind::NoReliableChangeChangeSupport => {
            "No reliable ORS change at the second checkpoint: add or change support."
        }
        AlertKind::NoReliableChangeConsiderOther => {
            "No reliable ORS change at the third checkpoint: consider another kind of support."
        }
        AlertKind::ReliableDeterioration => "The ORS total fell reliably since intake.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_pads_and_cuts_by_characters_not_bytes() {
        assert_eq!(fit("Søren", 7), "Søren  ");
        assert_eq!(fit("Ærø Østergård", 6), "Ærø Ø…");
        assert_eq!(short("EnrGHeqCd5UQ2jTW2Mo32rzJipp"), "EnrGHeqC");
        assert_eq!(short("abc"), "abc");
    }
}
