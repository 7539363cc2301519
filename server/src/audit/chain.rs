//! The access log's hash chain: how a row's hash is computed, and how a run of rows is checked.
//!
//! A row's hash is SHA-256 over the previous row's hash and the row's canonical form: its fields as one JSON
//! array, so no choice of values (a separator inside a purpose, a missing versus an empty field) can make two
//! different rows serialise alike. Changing a field, removing a row or inserting one breaks the chain at that
//! row. Pure: no I/O, so the same code serves appends, `tovholder audit verify` and tests.

use sha2::{Digest, Sha256};

use crate::store::{AuditHead, AuditRow};

/// The `prev_hash` of the first row ever appended.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields a row's hash covers, in their canonical order.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    pub id: i64,
    pub at: i64,
    pub tenant_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub device_id: Option<&'a str>,
    pub action: &'a str,
    pub case_id: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// The hash of a row with `fields` following a row with hash `prev_hash`, as lowercase hex.
pub fn row_hash(prev_hash: &str, fields: &Fields<'_>) -> String {
    let canonical = serde_json::json!([
        fields.id,
        fields.at,
        fields.tenant_id,
        fields.user_id,
        fields.device_id,
        fields.action,
        fields.case_id,
        fields.purpose,
        fields.detail,
    ])
    .to_string();
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The first place where the chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    /// A row's id is not the next one: rows were removed (or inserted) before it.
    #[error("row {id}: expected row {expected} here (rows missing or inserted)")]
    Gap { id: i64, expected: i64 },
    /// A row does not name the previous row's hash.
    #[error("row {id}: prev_hash does not match the previous row")]
    PrevHash { id: i64 },
    /// A row's fields do not give its stored hash: the row was changed.
    #[error("row {id}: hash does not match the row's contents")]
    Hash { id: i64 },
    /// The head names rows that are not there: the newest rows were removed.
    #[error("row {id}: missing (the chain's head is at row {last_id})")]
    Truncated { id: i64, last_id: i64 },
}

impl Break {
    /// The id of the first broken row.
    pub fn row(&self) -> i64 {
        match self {
            Break::Gap { id, .. }
            | Break::PrevHash { id }
            | Break::Hash { id }
            | Break::Truncated { id, .. } => *id,
        }
    }
}

/// Checks rows fed in id order, starting from the head's anchor.
#[derive(Debug)]
pub struct Verifier {
    expected_id: i64,
    prev_hash: String,
    rows: u64,
}

impl Verifier {
    pub fn new(head: &AuditHead) -> Self {
        Verifier {
            expected_id: head.anchor_id + 1,
            prev_hash: head.anchor_hash.clone(),
            rows: 0,
        }
    }

    /// Checks the next row.
    pub fn check(&mut self, row: &AuditRow) -> Result<(), Break> {
        if row.id != self.expected_id {
            return Err(Break::Gap {
                id: row.id,
                expected: self.expected_id,
            });
        }
        if row.prev_hash != self.prev_hash {
            return Err(Break::PrevHash { id: row.id });
        }
        if row_hash(&self.prev_hash, &row.fields()) != row.hash {
            return Err(Break::Hash { id: row.id });
        }
        self.expected_id += 1;
        self.prev_hash.clone_from(&row.hash);
        self.rows += 1;
        Ok(())
    }

    /// After the last row: the chain must end where the head says. Returns the number of rows checked.
    pub fn finish(self, head: &AuditHead) -> Result<u64, Break> {
        if self.expected_id - 1 != head.last_id || self.prev_hash != head.last_hash {
            return Err(Break::Truncated {
                id: self.expected_id,
                last_id: head.last_id,
            });
        }
        Ok(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(id: i64, purpose: Option<&str>) -> Fields<'_> {
        Fields {
            id,
            at: 1,
            tenant_id: Some("t"),
            user_id: None,
            device_id: None,
            action: "read",
            case_id: None,
            purpose,
            detail: None,
        }
    }

    #[test]
    fn the_hash_covers_the_previous_hash_and_every_field() {
        let base = row_hash(GENESIS, &fields(1, Some("sync")));
        assert_eq!(base.len(), 64);
        assert_ne!(base, row_hash(&base, &fields(1, Some("sync"))));
        assert_ne!(base, row_hash(GENESIS, &fields(2, Some("sync"))));
        assert_ne!(base, row_hash(GENESIS, &fields(1, Some(""))));
        assert_ne!(
            row_hash(GENESIS, &fields(1, Some(""))),
            row_hash(GENESIS, &fields(1, None))
        );
    }
}
