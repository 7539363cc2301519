//! The case document's schema version and the migration hook that brings older documents up to date.
//!
//! Every document carries `schema` at its root. A device or server that opens a document runs the migrations
//! from the stored version up to [`SCHEMA_VERSION`] as one ordinary automerge change, so migrations merge like any
//! other edit. Migrations must be idempotent (two devices may run the same one concurrently) and may only add
//! fields with defaults or rename by copying: they never delete data another device might still be writing.
//! A document newer than this build is refused rather than guessed at.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ROOT, ReadDoc, ScalarValue, Value};

use crate::validation::{Problem, ValidationError};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u64 = 1;

/// One step from `from` to `from + 1`.
pub struct Migration {
    pub from: u64,
    pub apply: fn(&mut automerge::transaction::Transaction<'_>) -> Result<(), automerge::AutomergeError>,
}

/// The migrations of this build, in order. Version 1 is the first schema, so there are none yet.
pub const MIGRATIONS: &[Migration] = &[];

/// The schema version stored in a document; 0 when absent or not a number.
pub fn stored_version(doc: &Automerge) -> u64 {
    match doc.get(ROOT, "schema") {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Uint(v) => *v,
            ScalarValue::Int(v) => u64::try_from(*v).unwrap_or(0),
            _ => 0,
        },
        _ => 0,
    }
}

/// Brings `doc` to `target` with `steps`; returns whether anything changed. `now_ms` stamps the change.
pub fn migrate(
    doc: &mut Automerge,
    steps: &[Migration],
    target: u64,
    now_ms: i64,
) -> Result<bool, ValidationError> {
    let mut version = stored_version(doc);
    if version == 0 {
        return Err(ValidationError::new(
            "schema",
            Problem::Missing,
            "not a case document",
        ));
    }
    if version > target {
        return Err(ValidationError::new(
            "schema",
            Problem::UnsupportedSchema,
            format!("document schema {version} is newer than this build ({target}); update the app"),
        ));
    }
    if version == target {
        return Ok(false);
    }
    let mut tx = doc.transaction();
    while version < target {
        let step = steps.iter().find(|s| s.from == version).ok_or_else(|| {
            ValidationError::new(
                "schema",
                Problem::UnsupportedSchema,
                format!("no migration from {version}"),
            )
        })?;
        (step.apply)(&mut tx).map_err(|e| {
            ValidationError::new(
                "schema",
                Problem::Malformed,
                format!("migration from {version} failed: {e}"),
            )
        })?;
        version += 1;
    }
    tx.put(ROOT, "schema", version)
        .map_err(|e| ValidationError::new("schema", Problem::Malformed, e.to_string()))?;
    tx.commit_with(
        CommitOptions::default()
            .with_message("migrate schema")
            .with_time(now_ms / 1000),
    );
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_with_schema(version: u64) -> Automerge {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(ROOT, "schema", version).expect("put");
        tx.put(ROOT, "tenant", "t").expect("put");
        tx.commit();
        doc
    }

    #[test]
    fn a_current_document_is_left_alone() {
        let mut doc = doc_with_schema(SCHEMA_VERSION);
        let heads = doc.get_heads();
        assert_eq!(migrate(&mut doc, MIGRATIONS, SCHEMA_VERSION, 0), Ok(false));
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn a_newer_document_is_refused_with_a_clear_error() {
        let mut doc = doc_with_schema(SCHEMA_VERSION + 1);
        let error = migrate(&mut doc, MIGRATIONS, SCHEMA_VERSION, 0).expect_err("newer schema");
        assert_eq!(error.problem, Problem::UnsupportedSchema);
    }

    #[test]
    fn an_older_document_runs_each_step_once_in_order() {
        fn add_region(
            tx: &mut automerge::transaction::Transaction<'_>,
        ) -> Result<(), automerge::AutomergeError> {
            tx.put(ROOT, "region", "unknown")
        }
        let steps = [Migration {
            from: 1,
            apply: add_region,
        }];
        let mut doc = doc_with_schema(1);
        assert_eq!(migrate(&mut doc, &steps, 2, 1_000), Ok(true));
        assert_eq!(stored_version(&doc), 2);
        assert!(doc.get(ROOT, "region").expect("read").is_some());
        assert_eq!(migrate(&mut doc, &steps, 2, 1_000), Ok(false));
    }
}
