//! [`Heads`]: a document's heads, and their one text form in `cases.heads`.
//!
//! The heads are stored as the hex change hashes, sorted and joined by commas, the empty text for none. Only
//! this module writes or reads that form: the store hands out and takes [`ChangeHash`]es.

use automerge::ChangeHash;

use super::StoreError;

/// The heads of a document, sorted: the set of changes no other change depends on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Heads(Vec<ChangeHash>);

impl Heads {
    pub fn new(mut heads: Vec<ChangeHash>) -> Self {
        // Sorted bytes are sorted hex: the stored text of the same heads is always the same.
        heads.sort();
        Heads(heads)
    }

    pub fn as_slice(&self) -> &[ChangeHash] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<ChangeHash> {
        self.0
    }

    /// The text stored in `cases.heads`: comma-separated hex, empty for none.
    pub(super) fn encode(&self) -> String {
        let hex: Vec<String> = self.0.iter().map(ChangeHash::to_string).collect();
        hex.join(",")
    }

    /// Reads [`Heads::encode`]'s text back.
    pub(super) fn decode(stored: &str) -> Result<Self, StoreError> {
        stored
            .split(',')
            .filter(|head| !head.is_empty())
            .map(|hex| {
                hex.parse::<ChangeHash>()
                    .map_err(|_| StoreError::Corrupt(format!("heads {stored:?}")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Heads::new)
    }
}

impl From<Vec<ChangeHash>> for Heads {
    fn from(heads: Vec<ChangeHash>) -> Self {
        Heads::new(heads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_stored_as_sorted_comma_joined_hex() {
        let a = ChangeHash([0xab; 32]);
        let b = ChangeHash([0x01; 32]);
        let heads = Heads::new(vec![a, b]);
        let stored = heads.encode();
        assert_eq!(stored, format!("{},{}", "01".repeat(32), "ab".repeat(32)));
        assert_eq!(Heads::decode(&stored).expect("decodes"), heads);
    }

    #[test]
    fn no_heads_are_the_empty_text() {
        assert_eq!(Heads::default().encode(), "");
        assert_eq!(Heads::decode("").expect("decodes"), Heads::default());
    }

    #[test]
    fn a_corrupt_head_is_refused() {
        assert!(matches!(Heads::decode("xyz"), Err(StoreError::Corrupt(_))));
    }
}
