//! Resolving a conflict: a person picks one of a field's concurrent values (or types a new one), written as a
//! normal change that supersedes all of them.
//!
//! `conflicts::resolve` writes JSON into the document without the typed model, so the result is validated like
//! any other edit before the store sees it: a typed value that breaks a rule is refused and nothing is written.

use serde_json::Value as Json;
use sync_core::DocumentId;
use sync_core::case::{conflicts, read_valid_case};

use crate::device::{Device, DeviceError};

/// What to resolve a conflict with.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// The n-th value as `tov conflicts` lists it, from 1.
    Pick(usize),
    /// A value of one's own, as JSON.
    Value(Json),
}

/// Resolves the conflict at `field` (its dotted path, or its number in `tov conflicts ID`, from 1). Returns the
/// path and the value written.
pub async fn resolve(
    device: &Device,
    case_id: &DocumentId,
    field: &str,
    choice: Choice,
    now_ms: i64,
) -> Result<(String, Json), DeviceError> {
    device
        .change_case(case_id, now_ms, |doc| {
            let found = conflicts::list(doc.automerge());
            let by_number = field
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| found.get(i));
            let conflict = by_number
                .or_else(|| found.iter().find(|c| c.field() == field))
                .ok_or_else(|| DeviceError::NotFound {
                    what: "conflicted field",
                    id: field.to_owned(),
                })?;
            let value = match choice {
                Choice::Pick(n) => n
                    .checked_sub(1)
                    .and_then(|i| conflict.values.get(i))
                    .map(|v| v.value.clone())
                    .ok_or_else(|| {
                        DeviceError::Unusable(format!(
                            "{} has {} values: pick 1 to {}",
                            conflict.field(),
                            conflict.values.len(),
                            conflict.values.len()
                        ))
                    })?,
                Choice::Value(json) => json,
            };
            conflicts::resolve(doc.automerge_mut(), &conflict.path, &value, now_ms)?;
            // Refused here, the transaction is dropped and the store keeps the document as it was.
            read_valid_case(doc.automerge())?;
            Ok((conflict.field(), value))
        })
        .await
}
