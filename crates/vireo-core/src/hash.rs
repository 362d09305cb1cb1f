//! The hash function for keyspace tables.
//!
//! Keys come from clients, so the function is seeded per process: a client
//! that cannot guess the seed cannot aim many keys at one bucket.

use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// Mixes 64 bits into 64 bits (the folded 128-bit product of wyhash and
/// friends): cheap, and every input bit reaches every output bit.
#[inline]
fn fold_multiply(a: u64, b: u64) -> u64 {
    let full = (a as u128).wrapping_mul(b as u128);
    (full as u64) ^ ((full >> 64) as u64)
}

/// A fast seeded hasher for byte-string keys.
#[derive(Clone)]
pub struct KeyHasher {
    state: u64,
}

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut state = self.state;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            state = fold_multiply(state ^ u64::from_le_bytes(word), MULTIPLIER);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            state = fold_multiply(state ^ u64::from_le_bytes(word), MULTIPLIER);
        }
        // The length goes in last so that "a" and "a\0" differ.
        self.state = fold_multiply(state ^ bytes.len() as u64, MULTIPLIER);
    }

    #[inline]
    fn write_u8(&mut self, _byte: u8) {
        // `[u8]`'s Hash writes its length prefix through write_usize and
        // Borrow<[u8]> lookups hash the same way, so a single length byte
        // (from str's terminator) adds nothing write() has not covered.
    }

    #[inline]
    fn write_usize(&mut self, _len: usize) {
        // The length is mixed in by write() itself.
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.state
    }
}

/// Builds [`KeyHasher`]s that all share the process seed.
#[derive(Clone)]
pub struct KeyHasherBuilder {
    seed: u64,
}

impl Default for KeyHasherBuilder {
    fn default() -> Self {
        KeyHasherBuilder {
            seed: process_seed(),
        }
    }
}

impl BuildHasher for KeyHasherBuilder {
    type Hasher = KeyHasher;
    #[inline]
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher { state: self.seed }
    }
}

fn process_seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        // std's RandomState is seeded from the OS; borrow its randomness once.
        let random = std::collections::hash_map::RandomState::new();
        random.hash_one(0x5EED_u64) | 1
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(bytes: &[u8]) -> u64 {
        KeyHasherBuilder::default().hash_one(bytes)
    }

    #[test]
    fn equal_keys_hash_equal_and_close_keys_differ() {
        assert_eq!(hash(b"key:1"), hash(b"key:1"));
        assert_ne!(hash(b"key:1"), hash(b"key:2"));
        assert_ne!(hash(b"a"), hash(b"a\0"));
        assert_ne!(hash(b""), hash(b"\0"));
        assert_ne!(hash(b"12345678"), hash(b"123456789"));
    }
}
