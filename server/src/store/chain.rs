//! The access log's hash chain: how a row's hash is computed, and how a run of rows is checked.
//!
//! A row's hash is SHA-256 over the previous row's hash and the row's canonical form: its fields as one JSON
//! array, so no choice of values (a separator inside a purpose, a missing versus an empty field) can make two
//! different rows serialise alike. Changing a field, removing a row or inserting one breaks the chain at that
//! row. Pure: no I/O, so the same code serves appends, `tovholder audit verify` and tests.
//!
//! Each tenant has a chain of its own (its rows numbered 1, 2, 3, … by `chain_seq`), so appends of different
//! municipalities never wait for each other. Rows written before the chains were split form the legacy chain,
//! numbered by their global id; it no longer grows, and verifies as it always did.

use sha2::{Digest, Sha256};

use super::{AuditChain, AuditHead, AuditRow};

/// The `prev_hash` of the first row ever appended.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields a row's hash covers, in their canonical order.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    /// The row's place: its tenant chain and number there, or, in the legacy chain, its global id.
    pub position: Position<'a>,
    pub at: i64,
    pub tenant_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub device_id: Option<&'a str>,
    pub action: &'a str,
    pub case_id: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// Where a row stands in its chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position<'a> {
    /// The legacy chain of every tenant's rows, by global id.
    Legacy { id: i64 },
    /// A tenant's chain (the tenant id, or "" for events of no tenant), by its own numbering.
    Chain { chain: &'a str, seq: i64 },
}

/// The hash of a row with `fields` following a row with hash `prev_hash`, as lowercase hex.
pub fn row_hash(prev_hash: &str, fields: &Fields<'_>) -> String {
    let canonical = match fields.position {
        Position::Legacy { id } => serde_json::json!([
            id,
            fields.at,
            fields.tenant_id,
            fields.user_id,
            fields.device_id,
            fields.action,
            fields.case_id,
            fields.purpose,
            fields.detail,
        ]),
        // The chain's name and number lead, so a row moved to another chain or place breaks it.
        Position::Chain { chain, seq } => serde_json::json!([
            "chain",
            chain,
            seq,
            fields.at,
            fields.tenant_id,
            fields.user_id,
            fields.device_id,
            fields.action,
            fields.case_id,
            fields.purpose,
            fields.detail,
        ]),
    }
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

/// The first place where a chain does not hold. `id` is the global id of the row concerned (for a truncated
/// chain, the number the missing row would have had in its chain); `chain` names the chain (`None`: legacy).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    /// A row is not the next one of its chain: rows were removed (or inserted) before it.
    #[error(
        "row {id}{}: expected number {expected} of the chain here (rows missing or inserted)",
        of(chain)
    )]
    Gap {
        chain: Option<String>,
        id: i64,
        expected: i64,
    },
    /// A row does not name the previous row's hash.
    #[error("row {id}{}: prev_hash does not match the previous row", of(chain))]
    PrevHash { chain: Option<String>, id: i64 },
    /// A row's fields do not give its stored hash: the row was changed.
    #[error("row {id}{}: hash does not match the row's contents", of(chain))]
    Hash { chain: Option<String>, id: i64 },
    /// The head names rows that are not there: the newest rows were removed.
    #[error("row {id}{}: missing (the chain's head is at {last})", of(chain))]
    Truncated {
        chain: Option<String>,
        id: i64,
        last: i64,
    },
}

fn of(chain: &Option<String>) -> String {
    match chain {
        Some(chain) => format!(" (chain {chain:?})"),
        None => " (legacy chain)".to_owned(),
    }
}

impl Break {
    /// The id of the first broken row.
    pub fn row(&self) -> i64 {
        match self {
            Break::Gap { id, .. }
            | Break::PrevHash { id, .. }
            | Break::Hash { id, .. }
            | Break::Truncated { id, .. } => *id,
        }
    }
}

/// Checks the rows of one chain fed in order, starting from its anchor.
#[derive(Debug)]
pub struct Verifier {
    chain: Option<String>,
    expected: i64,
    prev_hash: String,
    rows: u64,
}

impl Verifier {
    /// For the legacy chain, with its head.
    pub fn legacy(head: &AuditHead) -> Self {
        Verifier {
            chain: None,
            expected: head.anchor_id + 1,
            prev_hash: head.anchor_hash.clone(),
            rows: 0,
        }
    }

    /// For a tenant's chain, with its head.
    pub fn chain(head: &AuditChain) -> Self {
        Verifier {
            chain: Some(head.chain.clone()),
            expected: head.anchor_seq + 1,
            prev_hash: head.anchor_hash.clone(),
            rows: 0,
        }
    }

    /// Checks the next row.
    pub fn check(&mut self, row: &AuditRow) -> Result<(), Break> {
        let chain = self.chain.clone();
        let place = match (&self.chain, &row.chain, row.chain_seq) {
            (None, None, _) => row.id,
            (Some(mine), Some(theirs), Some(seq)) if mine == theirs => seq,
            // A row of another chain fed here is a row out of place.
            _ => -1,
        };
        if place != self.expected {
            return Err(Break::Gap {
                chain,
                id: row.id,
                expected: self.expected,
            });
        }
        if row.prev_hash != self.prev_hash {
            return Err(Break::PrevHash { chain, id: row.id });
        }
        if row_hash(&self.prev_hash, &row.fields()) != row.hash {
            return Err(Break::Hash { chain, id: row.id });
        }
        self.expected += 1;
        self.prev_hash.clone_from(&row.hash);
        self.rows += 1;
        Ok(())
    }

    /// After the last row: the chain must end where its head says (`last` and `last_hash`). Returns the number of
    /// rows checked.
    pub fn finish(self, last: i64, last_hash: &str) -> Result<u64, Break> {
        if self.expected - 1 != last || self.prev_hash != last_hash {
            return Err(Break::Truncated {
                chain: self.chain,
                id: self.expected,
                last,
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
            position: Position::Legacy { id },
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

    #[test]
    fn a_chained_row_hash_covers_its_chain_and_number() {
        let chained = |chain, seq| Fields {
            position: Position::Chain { chain, seq },
            ..fields(1, Some("sync"))
        };
        let base = row_hash(GENESIS, &chained("t", 1));
        assert_ne!(base, row_hash(GENESIS, &chained("t", 2)));
        assert_ne!(base, row_hash(GENESIS, &chained("u", 1)));
        assert_ne!(
            base,
            row_hash(GENESIS, &fields(1, Some("sync"))),
            "not the legacy form"
        );
    }
}
