//! The FIT chart in the terminal: the ORS and SRS totals of each contact of a series, with the cutoff lines.
//!
//! One row per point (totals rounded to whole points), limited to the range the values and cutoffs span, so a
//! typical chart is 20–30 rows; one column of three characters per contact, the latest [`MAX_CONTACTS`]. Plain
//! ASCII, so it survives any terminal, log viewer or e-mail.

use std::fmt::Write;

use sync_core::fit::{Instrument, Points, RuleSet};

use sync_core::case::series::Series;

/// The most contacts shown; older ones are left off the left edge.
pub const MAX_CONTACTS: usize = 24;

/// Millimetres to the nearest whole point.
fn row_of(mm: i64) -> i64 {
    (mm + 5).div_euclid(10)
}

/// Renders the chart, or `None` when the series has no total to draw.
pub fn render(series: &Series<'_>, rules: &RuleSet) -> Option<String> {
    let skip = series.assessment.contacts.len().saturating_sub(MAX_CONTACTS);
    let shown = &series.assessment.contacts[skip..];
    let ors: Vec<Option<i64>> = shown.iter().map(|c| c.ors_total_mm.map(row_of)).collect();
    let srs: Vec<Option<i64>> = shown.iter().map(|c| c.srs_total_mm.map(row_of)).collect();
    if ors.iter().chain(&srs).all(Option::is_none) {
        return None;
    }
    // The cutoff of the latest ORS (it depends on the form and the citizen's age), else the adult ORS cutoff.
    let ors_cutoff = shown
        .iter()
        .rev()
        .find_map(|c| c.ors_cutoff_mm)
        .or_else(|| rules.cutoff_mm(Instrument::Ors, None));
    let srs_cutoff = rules.cutoff_mm(Instrument::Srs, None);
    let ors_line = ors_cutoff.map(row_of);
    let srs_line = srs_cutoff.map(row_of);

    let values = ors
        .iter()
        .chain(&srs)
        .flatten()
        .chain(ors_line.iter())
        .chain(srs_line.iter());
    let top = (values.clone().copied().max().unwrap_or(40) + 1).min(40);
    let bottom = (values.copied().min().unwrap_or(0) - 1).max(0);

    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        out,
        "FIT chart: O = ORS total, S = SRS total, # = both; - ORS cutoff {}, = SRS cutoff {}",
        ors_cutoff.map_or("-".into(), |mm| Points(mm).to_string()),
        srs_cutoff.map_or("-".into(), |mm| Points(mm).to_string()),
    );
    for row in (bottom..=top).rev() {
        let filler = if Some(row) == ors_line {
            '-'
        } else if Some(row) == srs_line {
            '='
        } else {
            ' '
        };
        let labelled = row % 5 == 0 || Some(row) == ors_line || Some(row) == srs_line;
        let axis = if labelled {
            format!("{row:>3} |")
        } else {
            "    |".to_owned()
        };
        let mut line = axis;
        for (o, s) in ors.iter().zip(&srs) {
            let mark = match (*o == Some(row), *s == Some(row)) {
                (true, true) => '#',
                (true, false) => 'O',
                (false, true) => 'S',
                (false, false) => filler,
            };
            line.push(filler);
            line.push(mark);
            line.push(filler);
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(out, "    +{}", "-".repeat(shown.len() * 3));
    let mut numbers = String::from("     ");
    for i in 0..shown.len() {
        let n = skip + i + 1;
        // Every fifth contact, and the first one unless a fifth follows too closely to read both.
        let first = i == 0 && n % 5 != 4;
        let _ = write!(
            numbers,
            "{}",
            if n.is_multiple_of(5) || first {
                format!("{n:^3}")
            } else {
                "   ".into()
            }
        );
    }
    let _ = writeln!(out, "{}   contact", numbers.trim_end());
    Some(out)
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;
    use sync_core::case::{Case, CaseDocument, Citizen, NewContact};
    use sync_core::fit::{RaterKind, Rating};
    use uuid::Uuid;

    use super::*;
    use sync_core::case::series;

    fn contact(start_ms: i64, ors: [i64; 4], srs: [i64; 4]) -> NewContact {
        NewContact {
            kind: "home_visit".into(),
            start_ms,
            duration_minutes: 60,
            course: None,
            workers: vec![],
            notes: String::new(),
            goals: vec![],
            ors: Some(Rating::items(Instrument::Ors, ors, RaterKind::Citizen)),
            srs: Some(Rating::items(Instrument::Srs, srs, RaterKind::Citizen)),
            recorded_by: "u".into(),
        }
    }

    #[test]
    fn totals_and_cutoffs_land_on_their_rows() {
        let citizen = Citizen {
            display_name: "A".into(),
            reference: "R".into(),
            birth_year: None,
        };
        let actor = ActorId::from([1; 16].as_slice());
        let mut doc = CaseDocument::create(actor, &Case::new("t", "team", citizen), 1).expect("valid");
        doc.add_contact(
            Uuid::from_u128(1),
            contact(1_000, [50, 50, 50, 50], [90, 90, 90, 90]),
            2,
        )
        .expect("valid");
        doc.add_contact(
            Uuid::from_u128(2),
            contact(2_000, [70, 70, 70, 70], [90, 90, 90, 90]),
            3,
        )
        .expect("valid");
        let case = doc.read().expect("reads");
        let rules = RuleSet::v1();
        let all = series::series(&case, &rules);
        let chart = render(&all[0], &rules).expect("has totals");
        let row = |n: &str| {
            chart
                .lines()
                .find(|l| l.starts_with(n))
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(row(" 20 |"), " 20 | O", "{chart}");
        // Row 28 carries no label: find it eight rows above 20.
        let lines: Vec<&str> = chart.lines().collect();
        let twenty = lines.iter().position(|l| l.starts_with(" 20 |")).expect("row 20");
        assert_eq!(lines[twenty - 8], "    |    O", "{chart}");
        assert_eq!(row(" 36 |"), " 36 |=S==S=", "{chart}");
        assert_eq!(row(" 25 |"), " 25 |------", "{chart}");
    }
}
