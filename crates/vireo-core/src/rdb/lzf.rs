//! LZF compression, bit-compatible with the `lzf` Redis embeds.
//!
//! Redis LZF-compresses long strings in DUMP payloads and RDB files, and
//! quicklist nodes; to produce the same DUMP bytes as Redis, the
//! compressor must make exactly the same choices, not merely produce a
//! valid stream.
//!
//! # Format
//!
//! A stream is a sequence of items, each starting with a control byte:
//!
//! ```text
//!  000LLLLL  <L+1 bytes>           literal run of 1..32 bytes
//!  LLLooooo  oooooooo              back reference: copy L+2 bytes (L = 1..6)
//!  111ooooo  LLLLLLLL  oooooooo    back reference: copy L+9 bytes
//! ```
//!
//! A back reference copies from `distance = o + 1` bytes behind the end of
//! the output so far (`o` is 13 bits: 1..8192), byte by byte, so it may
//! overlap what it writes (a run of one byte is a distance of 1). The
//! stream carries no length; the container stores the uncompressed length.
//!
//! # The compressor's choices (what makes output identical)
//!
//! Redis's build: `HLOG` 16 (a 65536-slot table of last positions), the
//! `VERY_FAST` variant (after a match only its last two positions are
//! hashed), `CHECK_INPUT` on. At each position the three next bytes are
//! hashed; the slot's previous position is a candidate if it is less than
//! 8192 bytes back, is not position 0, and its three bytes really match.
//! The match is then extended greedily up to 264 bytes. Output space is
//! checked with the same conservative tests as Redis, because they decide
//! when compression "fails" (the caller passes a limit and stores the
//! string uncompressed when the result would not fit).
//!
//! Redis leaves its hash table uninitialised between calls; stale slots can
//! in principle find a real match a fresh table would not. Vireo starts each
//! call with an empty table, the deterministic reading of the algorithm.
//!
//! # Safety against hostile input
//!
//! [`decompress`] checks every read and every back reference and never
//! allocates more than the output limit, or 88 times the input (the most a
//! valid stream can expand), whichever is smaller.

use std::fmt;

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
/// Longest literal run.
const MAX_LIT: usize = 1 << 5;
/// Back references reach at most this far (exclusive, as `distance - 1`).
const MAX_OFF: usize = 1 << 13;
/// Longest back reference.
const MAX_REF: usize = (1 << 8) + (1 << 3);
/// Output bytes per input byte a valid stream can reach at most: a
/// three-byte back reference copies up to 264 bytes.
const MAX_EXPANSION: usize = MAX_REF / 3;

/// Why a compressed stream was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LzfError {
    /// The stream decodes to more bytes than the output limit.
    OutputTooLong,
    /// The stream ends inside an item.
    Truncated,
    /// A back reference points before the start of the output.
    BadReference,
}

impl fmt::Display for LzfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LzfError::OutputTooLong => "LZF data decodes past the expected length",
            LzfError::Truncated => "LZF data ends inside an item",
            LzfError::BadReference => "LZF back reference before the start of the output",
        })
    }
}

impl std::error::Error for LzfError {}

/// Decodes `input`, producing at most `max_out` bytes.
///
/// # Errors
/// Any malformed stream; the output is never longer than `max_out`.
pub fn decompress(input: &[u8], max_out: usize) -> Result<Vec<u8>, LzfError> {
    let mut out = Vec::with_capacity(max_out.min(input.len().saturating_mul(MAX_EXPANSION)));
    let mut ip = 0;
    while let Some(&ctrl) = input.get(ip) {
        ip += 1;
        let ctrl = usize::from(ctrl);
        if ctrl < MAX_LIT {
            let run = ctrl + 1;
            if out.len() + run > max_out {
                return Err(LzfError::OutputTooLong);
            }
            let literal = input.get(ip..ip + run).ok_or(LzfError::Truncated)?;
            out.extend_from_slice(literal);
            ip += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(ip).ok_or(LzfError::Truncated)?);
                ip += 1;
            }
            let low = usize::from(*input.get(ip).ok_or(LzfError::Truncated)?);
            ip += 1;
            let distance = ((ctrl & 0x1f) << 8) + low + 1;
            let copy = len + 2;
            if out.len() + copy > max_out {
                return Err(LzfError::OutputTooLong);
            }
            let Some(start) = out.len().checked_sub(distance) else {
                return Err(LzfError::BadReference);
            };
            // Byte by byte: the source may overlap what is being written.
            for k in start..start + copy {
                let byte = out[k];
                out.push(byte);
            }
        }
    }
    Ok(out)
}

/// Compresses `input` as Redis's `lzf_compress` would, into at most
/// `max_out` bytes; `None` when it does not fit (or `input` is empty).
///
/// Allocates a fresh hash table (512 KiB); a caller compressing many
/// strings should keep a [`Compressor`].
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    Compressor::new().compress(input, max_out)
}

/// An LZF compressor that reuses its hash table across calls.
///
/// Each slot holds `base + position`; every call raises `base` past all
/// values stored before, so old slots read as empty without clearing the
/// table.
pub struct Compressor {
    table: Vec<u64>,
    base: u64,
}

impl Default for Compressor {
    fn default() -> Self {
        Compressor::new()
    }
}

#[inline]
fn hash_first(input: &[u8], ip: usize) -> u32 {
    (u32::from(input[ip]) << 8) | u32::from(input[ip + 1])
}

#[inline]
fn hash_next(value: u32, input: &[u8], ip: usize) -> u32 {
    (value << 8) | u32::from(input[ip + 2])
}

/// The table slot of a hash value (Redis's `VERY_FAST` index function).
#[inline]
fn slot(value: u32) -> usize {
    ((value >> (3 * 8 - HLOG)).wrapping_sub(value.wrapping_mul(5)) & (HSIZE as u32 - 1)) as usize
}

/// Writes `byte` at `at`; `None` past the end. The conservative space
/// checks keep every write in bounds; this makes that a recoverable
/// outcome ("does not fit") rather than a panic if they ever did not.
#[inline]
fn put(out: &mut [u8], at: usize, byte: u8) -> Option<()> {
    *out.get_mut(at)? = byte;
    Some(())
}

impl Compressor {
    /// A compressor with an empty table.
    pub fn new() -> Compressor {
        Compressor {
            table: vec![0; HSIZE],
            base: 1,
        }
    }

    /// Compresses `input` into at most `max_out` bytes, as Redis's
    /// `lzf_compress`; `None` when it does not fit (or `input` is empty).
    pub fn compress(&mut self, input: &[u8], max_out: usize) -> Option<Vec<u8>> {
        let base = self.base;
        // Every value stored by this call is below the next base.
        self.base = base.saturating_add(input.len() as u64 + 1);
        if input.is_empty() || max_out == 0 {
            return None;
        }
        let in_len = input.len();
        let out_end = max_out;
        let mut out = vec![0u8; max_out];
        // `op` is where the next byte goes; a literal run reserves its
        // control byte at `op - lit - 1` and fills it when the run stops.
        let mut op = 1;
        let mut lit: usize = 0;
        let mut ip = 0;
        let mut hval = if in_len >= 2 { hash_first(input, 0) } else { 0 };
        while ip + 2 < in_len {
            hval = hash_next(hval, input, ip);
            let index = slot(hval);
            let stored = self.table[index];
            self.table[index] = base + ip as u64;
            let candidate = stored
                .checked_sub(base)
                .map(|position| position as usize)
                // Redis compat: position 0 is never referenced
                // (`ref > in_data`).
                .filter(|&position| position > 0 && position < ip && ip - position - 1 < MAX_OFF)
                .filter(|&position| input[position..position + 3] == input[ip..ip + 3]);
            if let Some(reference) = candidate {
                let off = ip - reference - 1;
                let mut len = 2;
                let maxlen = (in_len - ip - len).min(MAX_REF);
                // Redis compat: a fast test, then the exact one.
                if op + 3 + 1 >= out_end && op - usize::from(lit == 0) + 3 + 1 >= out_end {
                    return None;
                }
                put(&mut out, op - lit - 1, (lit as u8).wrapping_sub(1))?;
                op -= usize::from(lit == 0);
                'extend: {
                    // Redis compat: the unrolled first 16 steps may pass
                    // `maxlen` by design; the bound `maxlen > 16` keeps
                    // them inside the input.
                    if maxlen > 16 {
                        for _ in 0..16 {
                            len += 1;
                            if input[reference + len] != input[ip + len] {
                                break 'extend;
                            }
                        }
                    }
                    loop {
                        len += 1;
                        if !(len < maxlen && input[reference + len] == input[ip + len]) {
                            break;
                        }
                    }
                }
                len -= 2;
                ip += 1;
                if len < 7 {
                    put(&mut out, op, ((off >> 8) + (len << 5)) as u8)?;
                    op += 1;
                } else {
                    put(&mut out, op, ((off >> 8) + (7 << 5)) as u8)?;
                    put(&mut out, op + 1, (len - 7) as u8)?;
                    op += 2;
                }
                put(&mut out, op, off as u8)?;
                op += 1;
                lit = 0;
                op += 1;
                ip += len + 1;
                if ip + 2 >= in_len {
                    break;
                }
                // VERY_FAST: hash only the last two positions of the match.
                ip -= 2;
                hval = hash_first(input, ip);
                hval = hash_next(hval, input, ip);
                self.table[slot(hval)] = base + ip as u64;
                ip += 1;
                hval = hash_next(hval, input, ip);
                self.table[slot(hval)] = base + ip as u64;
                ip += 1;
            } else {
                if op >= out_end {
                    return None;
                }
                lit += 1;
                put(&mut out, op, input[ip])?;
                op += 1;
                ip += 1;
                if lit == MAX_LIT {
                    put(&mut out, op - lit - 1, (lit - 1) as u8)?;
                    lit = 0;
                    op += 1;
                }
            }
        }
        // At most two input bytes are left, plus perhaps a control byte.
        if op + 3 > out_end {
            return None;
        }
        while ip < in_len {
            lit += 1;
            put(&mut out, op, input[ip])?;
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                put(&mut out, op - lit - 1, (lit - 1) as u8)?;
                lit = 0;
                op += 1;
            }
        }
        put(&mut out, op - lit - 1, (lit as u8).wrapping_sub(1))?;
        op -= usize::from(lit == 0);
        out.truncate(op);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(data: &[u8]) {
        let compressed = compress(data, data.len() + 64).expect("room for any input");
        assert_eq!(decompress(&compressed, data.len()).as_deref(), Ok(data));
    }

    #[test]
    fn round_trips_typical_inputs() {
        round_trip(b"a");
        round_trip(b"ab");
        round_trip(b"abc");
        round_trip(&[b'a'; 1000]);
        round_trip(&b"0123456789".repeat(500));
        let noise: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        round_trip(&noise);
    }

    #[test]
    fn known_encodings() {
        // A lone byte: one literal run.
        assert_eq!(compress(b"x", 8), Some(vec![0x00, b'x']));
        // Thirty `a`s: literal "aa", then a back reference of distance 1.
        // Position 0 is never a reference, so the match starts at 2.
        let compressed = compress(&[b'a'; 30], 30).expect("compressible");
        assert_eq!(
            compressed,
            vec![0x01, b'a', b'a', 0xe0, 0x11, 0x00, 0x01, b'a', b'a']
        );
        assert_eq!(decompress(&compressed, 30), Ok(vec![b'a'; 30]));
    }

    #[test]
    fn respects_the_output_limit() {
        let data = b"abcdefghijklmnopqrstuvwxyz";
        assert_eq!(compress(data, data.len() - 4), None);
        assert_eq!(compress(b"", 10), None);
        assert_eq!(compress(b"abc", 0), None);
    }

    #[test]
    fn a_reused_compressor_gives_the_same_bytes() {
        let mut compressor = Compressor::new();
        let first = b"hello hello hello hello hello".to_vec();
        let second = b"other text, other text, other text".to_vec();
        for _ in 0..3 {
            assert_eq!(compressor.compress(&first, 100), compress(&first, 100));
            assert_eq!(compressor.compress(&second, 100), compress(&second, 100));
        }
    }

    #[test]
    fn hostile_streams_are_errors() {
        // A literal run longer than the input.
        assert_eq!(decompress(&[0x05, b'a'], 10), Err(LzfError::Truncated));
        // A back reference with no history.
        assert_eq!(decompress(&[0x20, 0x00], 10), Err(LzfError::BadReference));
        // A back reference missing its offset byte, or its length byte.
        assert_eq!(
            decompress(&[0x00, b'a', 0x20], 10),
            Err(LzfError::Truncated)
        );
        assert_eq!(
            decompress(&[0x00, b'a', 0xe0], 10),
            Err(LzfError::Truncated)
        );
        // Output past the limit, by a literal and by a reference.
        assert_eq!(
            decompress(&[0x01, b'a', b'b'], 1),
            Err(LzfError::OutputTooLong)
        );
        assert_eq!(
            decompress(&[0x00, b'a', 0x20, 0x00], 2),
            Err(LzfError::OutputTooLong)
        );
        // A short stream with a huge claimed length allocates nothing big.
        assert_eq!(decompress(&[0x00, b'a'], usize::MAX), Ok(vec![b'a']));
        assert_eq!(decompress(&[], 5), Ok(vec![]));
    }

    proptest! {
        #[test]
        fn compressed_data_round_trips(data in proptest::collection::vec(0u8..4, 0..3000)) {
            if let Some(compressed) = compress(&data, data.len() + 64) {
                prop_assert_eq!(decompress(&compressed, data.len()), Ok(data));
            } else {
                prop_assert!(data.is_empty());
            }
        }

        #[test]
        fn any_limit_either_fits_or_declines(
            data in proptest::collection::vec(any::<u8>(), 0..400),
            limit in 0usize..500,
        ) {
            if let Some(compressed) = compress(&data, limit) {
                prop_assert!(compressed.len() <= limit);
                prop_assert_eq!(decompress(&compressed, data.len()), Ok(data));
            }
        }

        #[test]
        fn random_streams_never_panic(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            limit in 0usize..2000,
        ) {
            if let Ok(out) = decompress(&data, limit) {
                prop_assert!(out.len() <= limit);
            }
        }
    }
}
