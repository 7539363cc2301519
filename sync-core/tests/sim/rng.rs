//! Seeded randomness for the simulation: the order frames are delivered in, document ids and actor ids.
//!
//! Tests must not depend on a random source they cannot seed. automerge draws actor ids at random, and
//! actor ids decide change hashes and so the order of heads, so the simulation fixes them too: the same
//! seed replays the same run, frame for frame.

use automerge::ActorId;
use sync_core::DocumentId;

/// The actor id of device `n - 1` (`n` > 0), or of the server (`n` = 0). The salt comes from the seed,
/// so that different seeds also order change hashes differently.
pub fn actor(salt: u64, n: u8) -> ActorId {
    let mut bytes = [n; 16];
    bytes[..8].copy_from_slice(&salt.to_le_bytes());
    ActorId::from(bytes.as_slice())
}

/// A small xorshift generator: tests must not depend on a random source they cannot seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn doc_id(&mut self) -> DocumentId {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        DocumentId::from_bytes(bytes)
    }
}
