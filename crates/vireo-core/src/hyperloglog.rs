//! HyperLogLog sketches stored as plain string bytes, in Redis's exact format.
//!
//! # Byte layout
//!
//! Every sketch starts with a 16-byte header:
//!
//! | bytes  | meaning                                                      |
//! |--------|--------------------------------------------------------------|
//! | 0..4   | the magic `HYLL`                                             |
//! | 4      | encoding: 0 dense, 1 sparse (anything else is not a sketch)  |
//! | 5..8   | reserved, zero                                               |
//! | 8..16  | cached cardinality, little endian; the top bit of byte 15 set |
//! |        | means the cache is stale and must be recomputed              |
//!
//! There are 16384 registers (the low 14 bits of an element's hash pick
//! one), each holding the length of the run of zero bits that follows in the
//! hash, plus one: at most 51, so 6 bits are enough.
//!
//! The dense body is 12288 bytes of 6-bit registers packed least significant
//! bit first: register `i` starts at bit `6 * i` of the body.
//!
//! The sparse body is a run-length code that must cover exactly 16384
//! registers, left to right, with three opcodes:
//!
//! - `00LLLLLL`: a run of `L + 1` (1..=64) zero registers;
//! - `01LLLLLL LLLLLLLL`: a run of `L + 1` (1..=16384) zero registers, the
//!   14-bit length split over two bytes, high part first;
//! - `1VVVVVLL`: a run of `L + 1` (1..=4) registers all holding `V + 1`
//!   (1..=32).
//!
//! A sketch is created sparse and becomes dense, for good, once a register
//! needs a value above 32 or the string would grow past
//! `hll-sparse-max-bytes`.
//!
//! Stored bytes may have been written by SET, SETRANGE or RESTORE, so every
//! reader here treats them as hostile: lengths and opcodes are checked, and a
//! malformed sketch is reported as [`Corrupt`], never trusted.

/// Header length in bytes.
pub const HEADER_LEN: usize = 16;
/// Number of registers.
pub const REGISTERS: usize = 1 << INDEX_BITS;
/// Bits of the hash that select the register.
const INDEX_BITS: u32 = 14;
/// Bits of the hash left to count zeros in.
const COUNT_BITS: u32 = 64 - INDEX_BITS;
/// Bits per dense register.
const REGISTER_BITS: usize = 6;
/// Largest value a dense register can hold.
const REGISTER_MAX: u8 = (1 << REGISTER_BITS) - 1;
/// Length of a dense sketch, header included.
pub const DENSE_LEN: usize = HEADER_LEN + (REGISTERS * REGISTER_BITS).div_ceil(8);
/// Largest register value a sparse VAL opcode can hold.
pub const SPARSE_VAL_MAX_VALUE: u8 = 32;
/// Longest run a sparse VAL opcode can hold.
const SPARSE_VAL_MAX_LEN: usize = 4;
/// Longest run a one-byte sparse ZERO opcode can hold.
const SPARSE_ZERO_MAX_LEN: usize = 64;
/// Longest run a two-byte sparse XZERO opcode can hold.
const SPARSE_XZERO_MAX_LEN: usize = 16384;
/// Seed of the element hash.
// Redis compat: the seed Redis uses, so registers match for the same elements.
const HASH_SEED: u64 = 0xadc8_3b19;
/// 0.5 / ln(2), the estimator's bias constant for an infinite register count.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
/// 2^63: estimates at or beyond it do not fit the i64 Redis rounds into.
const I64_LIMIT: f64 = (1u64 << 63) as f64;
/// Offset of the encoding byte.
const ENCODING_OFFSET: usize = 4;
/// Offset of the cached cardinality.
const CARD_OFFSET: usize = 8;
/// The stale-cache flag, in the last cardinality byte.
const STALE_CACHE_BIT: u8 = 0x80;

/// The two stored encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// 16384 packed 6-bit registers.
    Dense,
    /// Run-length opcodes.
    Sparse,
}

impl Encoding {
    /// The name PFDEBUG ENCODING reports.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Dense => "dense",
            Encoding::Sparse => "sparse",
        }
    }
}

/// A string that does not even look like a sketch (Redis's "not a valid
/// HyperLogLog string value").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotHll;

/// A sketch whose header is right but whose sparse body is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// Checks the header the way Redis does before any HLL command touches a
/// value: length, magic, encoding, and the exact dense length. The sparse
/// body is only checked when it is walked.
pub fn validate(bytes: &[u8]) -> Result<Encoding, NotHll> {
    if bytes.len() < HEADER_LEN || &bytes[..4] != b"HYLL" {
        return Err(NotHll);
    }
    match bytes[ENCODING_OFFSET] {
        0 if bytes.len() == DENSE_LEN => Ok(Encoding::Dense),
        1 => Ok(Encoding::Sparse),
        _ => Err(NotHll),
    }
}

/// The encoding of a sketch already validated by [`validate`].
pub fn encoding(bytes: &[u8]) -> Encoding {
    if bytes.get(ENCODING_OFFSET) == Some(&0) {
        Encoding::Dense
    } else {
        Encoding::Sparse
    }
}

/// A new empty sketch: sparse, every register covered by XZERO opcodes,
/// cached cardinality zero and valid.
pub fn new_sketch() -> Vec<u8> {
    let mut bytes = vec![0u8; HEADER_LEN];
    bytes[..4].copy_from_slice(b"HYLL");
    bytes[ENCODING_OFFSET] = 1;
    let mut left = REGISTERS;
    while left > 0 {
        let run = left.min(SPARSE_XZERO_MAX_LEN);
        bytes.extend_from_slice(&xzero_opcode(run));
        left -= run;
    }
    bytes
}

/// MurmurHash64A, reading 8-byte blocks little endian whatever the host.
pub fn murmur_hash64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut blocks = key.chunks_exact(8);
    for block in &mut blocks {
        let mut word = [0u8; 8];
        word.copy_from_slice(block);
        let mut k = u64::from_le_bytes(word);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        for (shift, &byte) in tail.iter().enumerate() {
            h ^= u64::from(byte) << (8 * shift);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element lands in and the value it offers for it: one
/// plus the number of zero bits above the index bits, capped at 51.
pub fn register_for(element: &[u8]) -> (usize, u8) {
    let hash = murmur_hash64a(element, HASH_SEED);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    // The sentinel bit bounds the count at COUNT_BITS + 1.
    let rest = (hash >> INDEX_BITS) | (1u64 << COUNT_BITS);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// Byte `at`, or zero past the end.
// Redis compat: a two-byte XZERO cut off by the end of the string reads its
// second byte from the string terminator, which is always zero.
fn byte_or_zero(bytes: &[u8], at: usize) -> u8 {
    bytes.get(at).copied().unwrap_or(0)
}

/// A decoded sparse opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opcode {
    /// A run of zero registers, written in `width` bytes.
    Zeros { run: usize, width: usize },
    /// A run of registers holding `value`.
    Value { value: u8, run: usize },
}

impl Opcode {
    fn run(self) -> usize {
        match self {
            Opcode::Zeros { run, .. } | Opcode::Value { run, .. } => run,
        }
    }

    fn width(self) -> usize {
        match self {
            Opcode::Zeros { width, .. } => width,
            Opcode::Value { .. } => 1,
        }
    }
}

fn opcode_at(bytes: &[u8], at: usize) -> Opcode {
    let first = byte_or_zero(bytes, at);
    if first & 0x80 != 0 {
        Opcode::Value {
            value: ((first >> 2) & 0x1f) + 1,
            run: usize::from(first & 0x03) + 1,
        }
    } else if first & 0x40 == 0 {
        Opcode::Zeros {
            run: usize::from(first & 0x3f) + 1,
            width: 1,
        }
    } else {
        Opcode::Zeros {
            run: ((usize::from(first & 0x3f) << 8) | usize::from(byte_or_zero(bytes, at + 1))) + 1,
            width: 2,
        }
    }
}

fn value_opcode(value: u8, run: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (run - 1) as u8
}

fn zero_opcode(run: usize) -> u8 {
    (run - 1) as u8
}

fn xzero_opcode(run: usize) -> [u8; 2] {
    let stored = run - 1;
    [0x40 | (stored >> 8) as u8, (stored & 0xff) as u8]
}

/// Appends the shortest zero-run opcode for `run` registers.
fn push_zeros(seq: &mut Vec<u8>, run: usize) {
    if run > SPARSE_ZERO_MAX_LEN {
        seq.extend_from_slice(&xzero_opcode(run));
    } else {
        seq.push(zero_opcode(run));
    }
}

/// Register `index` of a dense body (the bytes after the header).
pub fn dense_register(body: &[u8], index: usize) -> u8 {
    let bit = index * REGISTER_BITS;
    let (byte, shift) = (bit / 8, bit % 8);
    let low = u16::from(byte_or_zero(body, byte));
    let high = u16::from(byte_or_zero(body, byte + 1));
    (((low | (high << 8)) >> shift) as u8) & REGISTER_MAX
}

/// Sets register `index` of a dense body to `value` (at most 63).
pub fn set_dense_register(body: &mut [u8], index: usize, value: u8) {
    let bit = index * REGISTER_BITS;
    let (byte, shift) = (bit / 8, bit % 8);
    let mask = u16::from(REGISTER_MAX) << shift;
    let bits = u16::from(value & REGISTER_MAX) << shift;
    body[byte] = (body[byte] & !(mask as u8)) | bits as u8;
    // The last register never spills into a byte past the body.
    if let Some(next) = body.get_mut(byte + 1) {
        *next = (*next & !((mask >> 8) as u8)) | (bits >> 8) as u8;
    }
}

/// Raises a dense register to `count`; whether it changed.
fn dense_raise(body: &mut [u8], index: usize, count: u8) -> bool {
    if count > dense_register(body, index) {
        set_dense_register(body, index, count);
        true
    } else {
        false
    }
}

/// Rewrites a sparse sketch as dense, keeping the header (and so the cached
/// cardinality). `Ok(false)` if it was dense already.
///
/// Redis compat: a value run reaching past the last register makes the
/// sketch corrupt even when the runs before it cover exactly 16384
/// registers, as the reference Redis 7.0.15 build (which carries the fix
/// for CVE-2025-32023) decides; the same holds for [`merge_into`].
pub fn to_dense(bytes: &mut Vec<u8>) -> Result<bool, Corrupt> {
    if encoding(bytes) == Encoding::Dense {
        return Ok(false);
    }
    let mut dense = vec![0u8; DENSE_LEN];
    dense[..HEADER_LEN].copy_from_slice(&bytes[..HEADER_LEN]);
    dense[ENCODING_OFFSET] = 0;
    let body = &mut dense[HEADER_LEN..];
    for_each_value_run(bytes, |registers, value| {
        for register in registers {
            set_dense_register(body, register, value);
        }
    })?;
    *bytes = dense;
    Ok(true)
}

/// Calls `apply` with the registers and value of each value run of a
/// sparse sketch, in order. A run reaching past the last register, or runs
/// not covering exactly every register, make the sketch corrupt (the rule
/// [`to_dense`] and [`merge_into`] share).
fn for_each_value_run(
    bytes: &[u8],
    mut apply: impl FnMut(std::ops::Range<usize>, u8),
) -> Result<(), Corrupt> {
    let mut index = 0usize;
    let mut at = HEADER_LEN;
    while at < bytes.len() {
        let opcode = opcode_at(bytes, at);
        match opcode {
            Opcode::Zeros { run, .. } => index += run,
            Opcode::Value { value, run } => {
                if index + run > REGISTERS {
                    return Err(Corrupt);
                }
                apply(index..index + run, value);
                index += run;
            }
        }
        at += opcode.width();
    }
    if index == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// Raises register `index` to `count` in a sparse sketch, splitting the run
/// that covers it, and promotes the sketch to dense when the value does not
/// fit a VAL opcode or the string would outgrow `sparse_max_bytes`. Whether
/// a register changed.
fn sparse_raise(
    bytes: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max_bytes: usize,
) -> Result<bool, Corrupt> {
    if count > SPARSE_VAL_MAX_VALUE {
        return promote_and_raise(bytes, index, count);
    }
    // Find the opcode covering `index`.
    let mut at = HEADER_LEN;
    let mut first = 0usize;
    let mut previous = None;
    let mut found = None;
    while at < bytes.len() {
        let opcode = opcode_at(bytes, at);
        if index < first + opcode.run() {
            found = Some(opcode);
            break;
        }
        previous = Some(at);
        at += opcode.width();
        first += opcode.run();
    }
    let Some(opcode) = found else {
        return Err(Corrupt);
    };
    let last = first + opcode.run() - 1;

    let mut seq = Vec::with_capacity(5);
    match opcode {
        Opcode::Value { value, .. } if value >= count => return Ok(false),
        Opcode::Value { run: 1, .. } | Opcode::Zeros { run: 1, width: 1 } => {
            bytes[at] = value_opcode(count, 1);
        }
        Opcode::Value { value, .. } => {
            if index != first {
                seq.push(value_opcode(value, index - first));
            }
            seq.push(value_opcode(count, 1));
            if index != last {
                seq.push(value_opcode(value, last - index));
            }
        }
        Opcode::Zeros { .. } => {
            if index != first {
                push_zeros(&mut seq, index - first);
            }
            seq.push(value_opcode(count, 1));
            if index != last {
                push_zeros(&mut seq, last - index);
            }
        }
    }
    if !seq.is_empty() {
        let old_width = opcode.width();
        if seq.len() > old_width && bytes.len() + seq.len() - old_width > sparse_max_bytes {
            return promote_and_raise(bytes, index, count);
        }
        if at + old_width <= bytes.len() {
            bytes.splice(at..at + old_width, seq.iter().copied());
        } else {
            // Redis compat: an XZERO cut off by the end of the string is
            // replaced as if it were whole, and the string ends one byte
            // before the new sequence does. Redis leaves that last byte
            // just past the end, where a later read of another cut-off
            // XZERO finds it; nothing is kept past the end here, so such a
            // read sees zero (only reachable with a hand-corrupted sketch).
            bytes.truncate(at);
            bytes.extend_from_slice(&seq[..seq.len() - 1]);
        }
    }
    merge_adjacent_values(bytes, previous.unwrap_or(HEADER_LEN));
    invalidate_cache(bytes);
    Ok(true)
}

/// Joins equal adjacent VAL opcodes near a change, scanning at most five
/// opcodes from `at`, so the code stays as short as Redis keeps it.
fn merge_adjacent_values(bytes: &mut Vec<u8>, mut at: usize) {
    let mut budget = 5;
    while at < bytes.len() && budget > 0 {
        budget -= 1;
        let opcode = opcode_at(bytes, at);
        let Opcode::Value { value, run } = opcode else {
            at += opcode.width();
            continue;
        };
        if at + 1 < bytes.len() {
            if let Opcode::Value {
                value: next_value,
                run: next_run,
            } = opcode_at(bytes, at + 1)
            {
                if next_value == value && run + next_run <= SPARSE_VAL_MAX_LEN {
                    bytes[at + 1] = value_opcode(value, run + next_run);
                    bytes.remove(at);
                    continue;
                }
            }
        }
        at += 1;
    }
}

fn promote_and_raise(bytes: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(bytes)?;
    dense_raise(&mut bytes[HEADER_LEN..], index, count);
    Ok(true)
}

/// Raises register `index` to `count` if it is lower, in either encoding.
/// Whether a register changed.
pub fn raise_register(
    bytes: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max_bytes: usize,
) -> Result<bool, Corrupt> {
    match encoding(bytes) {
        Encoding::Dense => Ok(dense_raise(&mut bytes[HEADER_LEN..], index, count)),
        Encoding::Sparse => sparse_raise(bytes, index, count, sparse_max_bytes),
    }
}

/// Adds one element to a validated sketch. Whether a register changed.
/// The cached cardinality is the caller's to invalidate (PFADD does it once
/// per command).
pub fn add(bytes: &mut Vec<u8>, element: &[u8], sparse_max_bytes: usize) -> Result<bool, Corrupt> {
    let (index, count) = register_for(element);
    raise_register(bytes, index, count, sparse_max_bytes)
}

/// The cached cardinality, if the cache is valid.
pub fn cached_cardinality(bytes: &[u8]) -> Option<u64> {
    let mut card = [0u8; 8];
    card.copy_from_slice(&bytes[CARD_OFFSET..HEADER_LEN]);
    (card[7] & STALE_CACHE_BIT == 0).then(|| u64::from_le_bytes(card))
}

/// Stores `card` as the cached cardinality.
pub fn store_cardinality(bytes: &mut [u8], card: u64) {
    bytes[CARD_OFFSET..HEADER_LEN].copy_from_slice(&card.to_le_bytes());
}

/// Marks the cached cardinality stale.
pub fn invalidate_cache(bytes: &mut [u8]) {
    bytes[HEADER_LEN - 1] |= STALE_CACHE_BIT;
}

/// How many registers hold each value (values above 63 cannot occur).
type Histogram = [u64; 64];

fn dense_histogram(body: &[u8]) -> Histogram {
    let mut histogram = [0u64; 64];
    for index in 0..REGISTERS {
        histogram[usize::from(dense_register(body, index))] += 1;
    }
    histogram
}

fn sparse_histogram(bytes: &[u8]) -> Result<Histogram, Corrupt> {
    let mut histogram = [0u64; 64];
    let mut covered = 0usize;
    let mut at = HEADER_LEN;
    while at < bytes.len() {
        let opcode = opcode_at(bytes, at);
        match opcode {
            Opcode::Zeros { run, .. } => histogram[0] += run as u64,
            Opcode::Value { value, run } => histogram[usize::from(value)] += run as u64,
        }
        covered += opcode.run();
        at += opcode.width();
    }
    if covered == REGISTERS {
        Ok(histogram)
    } else {
        Err(Corrupt)
    }
}

/// Ertl's sigma function (arXiv:1702.01284), iterated until it converges.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if previous == z {
            return z;
        }
    }
}

/// Ertl's tau function (arXiv:1702.01284), iterated until it converges.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if previous == z {
            return z / 3.0;
        }
    }
}

/// The cardinality estimate from a register histogram (Ertl's improved
/// estimator, as Redis 7 computes it, same floating-point steps).
fn estimate(histogram: &Histogram) -> u64 {
    let m = REGISTERS as f64;
    let top = COUNT_BITS as usize + 1;
    let mut z = m * tau((m - histogram[top] as f64) / m);
    for value in (1..top).rev() {
        z += histogram[value] as f64;
        z *= 0.5;
    }
    z += m * sigma(histogram[0] as f64 / m);
    let estimate = (ALPHA_INF * m * m / z).round();
    if estimate.abs() < I64_LIMIT {
        estimate as i64 as u64
    } else {
        // Redis compat: a sketch whose registers are all at the maximum
        // divides by zero; the rounding then yields the i64 minimum.
        1 << 63
    }
}

/// Computes the cardinality of a validated sketch, ignoring the cache.
pub fn count(bytes: &[u8]) -> Result<u64, Corrupt> {
    let histogram = match encoding(bytes) {
        Encoding::Dense => dense_histogram(&bytes[HEADER_LEN..]),
        Encoding::Sparse => sparse_histogram(bytes)?,
    };
    Ok(estimate(&histogram))
}

/// The cardinality of one byte per register (a merge result).
pub fn count_registers(registers: &[u8; REGISTERS]) -> u64 {
    let mut histogram = [0u64; 64];
    for &value in registers {
        histogram[usize::from(value & REGISTER_MAX)] += 1;
    }
    estimate(&histogram)
}

/// Folds a validated sketch into `max`, one byte per register, keeping the
/// larger value of each.
pub fn merge_into(max: &mut [u8; REGISTERS], bytes: &[u8]) -> Result<(), Corrupt> {
    if encoding(bytes) == Encoding::Dense {
        let body = &bytes[HEADER_LEN..];
        for (index, slot) in max.iter_mut().enumerate() {
            *slot = (*slot).max(dense_register(body, index));
        }
        return Ok(());
    }
    for_each_value_run(bytes, |registers, value| {
        for slot in &mut max[registers] {
            *slot = (*slot).max(value);
        }
    })
}

/// Writes merged registers into a validated sketch (PFMERGE's destination),
/// converting it to dense first when `dense` is asked for, and marks the
/// cache stale.
pub fn store_registers(
    bytes: &mut Vec<u8>,
    registers: &[u8; REGISTERS],
    dense: bool,
    sparse_max_bytes: usize,
) -> Result<(), Corrupt> {
    if dense {
        to_dense(bytes)?;
    }
    for (index, &value) in registers.iter().enumerate() {
        if value == 0 {
            continue;
        }
        // Redis compat: a failure here is ignored; the sources, destination
        // included, were all checked by the merge.
        let _ = raise_register(bytes, index, value, sparse_max_bytes);
    }
    invalidate_cache(bytes);
    Ok(())
}

/// Every register of a dense sketch.
pub fn dense_registers(bytes: &[u8]) -> Vec<u8> {
    let body = &bytes[HEADER_LEN..];
    (0..REGISTERS)
        .map(|index| dense_register(body, index))
        .collect()
}

/// The sparse body as PFDEBUG DECODE shows it: `z:N` and `Z:N` for zero
/// runs, `v:VALUE,N` for value runs, space separated.
pub fn decode_sparse(bytes: &[u8]) -> String {
    let mut words = Vec::new();
    let mut at = HEADER_LEN;
    while at < bytes.len() {
        let opcode = opcode_at(bytes, at);
        words.push(match opcode {
            Opcode::Zeros { run, width: 1 } => format!("z:{run}"),
            Opcode::Zeros { run, .. } => format!("Z:{run}"),
            Opcode::Value { value, run } => format!("v:{value},{run}"),
        });
        at += opcode.width();
    }
    words.join(" ")
}

/// How hard [`self_test`] works.
#[derive(Debug, Clone, Copy)]
pub struct SelfTestSize {
    /// Rounds of writing and reading back every dense register.
    pub register_rounds: usize,
    /// Elements added to the sparse and the dense sketch.
    pub elements: u64,
}

/// PFSELFTEST's full size.
pub const FULL_SELF_TEST: SelfTestSize = SelfTestSize {
    register_rounds: 1000,
    elements: 10_000_000,
};

/// Checks the register packing and the estimator: random values written to
/// every dense register read back unchanged, and a sparse and a dense sketch
/// fed the same elements agree, stay sparse while small, and stay within six
/// standard errors at every power of ten. The error text is Redis's.
pub fn self_test(
    rng: &mut crate::random::Rng,
    size: SelfTestSize,
    sparse_max_bytes: usize,
) -> Result<(), String> {
    let mut body = vec![0u8; DENSE_LEN - HEADER_LEN];
    let mut expected = vec![0u8; REGISTERS];
    for _ in 0..size.register_rounds {
        for (index, slot) in expected.iter_mut().enumerate() {
            let value = (rng.next_u64() as u8) & REGISTER_MAX;
            *slot = value;
            set_dense_register(&mut body, index, value);
        }
        for (index, &value) in expected.iter().enumerate() {
            let got = dense_register(&body, index);
            if got != value {
                return Err(format!(
                    "TESTFAILED Register {index} should be {value} but is {got}"
                ));
            }
        }
    }

    let mut dense = new_sketch();
    to_dense(&mut dense).map_err(|_| "TESTFAILED dense/sparse disagree".to_string())?;
    let mut sparse = new_sketch();
    let relative_error = 1.04 / (REGISTERS as f64).sqrt();
    let seed = rng.next_u64();
    let mut checkpoint = 1u64;
    for step in 1..=size.elements {
        let element = (step ^ seed).to_le_bytes();
        let added = add(&mut dense, &element, sparse_max_bytes)
            .and_then(|_| add(&mut sparse, &element, sparse_max_bytes));
        if added.is_err() {
            return Err("TESTFAILED dense/sparse disagree".to_string());
        }
        if step != checkpoint {
            continue;
        }
        if step < (sparse_max_bytes / 2) as u64 && encoding(&sparse) != Encoding::Sparse {
            return Err("TESTFAILED sparse encoding not used".to_string());
        }
        let dense_card = count(&dense).unwrap_or(u64::MAX);
        if count(&sparse) != Ok(dense_card) {
            return Err("TESTFAILED dense/sparse disagree".to_string());
        }
        // Redis compat: at ten elements a collision is likely enough that
        // Redis allows an error of one, whatever the formula says.
        let max_error = if step == 10 {
            1
        } else {
            (relative_error * 6.0 * checkpoint as f64).ceil() as u64
        };
        let error = checkpoint.abs_diff(dense_card);
        if error > max_error {
            return Err(format!(
                "TESTFAILED Too big error. card:{checkpoint} abserr:{error}"
            ));
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MAX_BYTES: usize = 3000;

    fn sketch_with(elements: &[Vec<u8>], max_bytes: usize) -> Vec<u8> {
        let mut bytes = new_sketch();
        for element in elements {
            add(&mut bytes, element, max_bytes).expect("a sketch we built is valid");
        }
        bytes
    }

    fn registers_of(bytes: &[u8]) -> Vec<u8> {
        let mut copy = bytes.to_vec();
        to_dense(&mut copy).expect("a sketch we built is valid");
        dense_registers(&copy)
    }

    #[test]
    fn empty_sketch_matches_redis_bytes() {
        let bytes = new_sketch();
        assert_eq!(
            bytes,
            b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff".to_vec()
        );
        assert_eq!(validate(&bytes), Ok(Encoding::Sparse));
        assert_eq!(count(&bytes), Ok(0));
        assert_eq!(decode_sparse(&bytes), "Z:16384");
    }

    #[test]
    fn adds_match_redis_bytes() {
        // What Redis 7.0 stores for PFADD h a b c, before and after PFCOUNT.
        let mut bytes = sketch_with(&[b"a".to_vec(), b"b".to_vec(), b"c".to_vec()], MAX_BYTES);
        invalidate_cache(&mut bytes);
        let body = b"\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a";
        let mut expected = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80".to_vec();
        expected.extend_from_slice(body);
        assert_eq!(bytes, expected);
        assert_eq!(
            decode_sparse(&bytes),
            "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
        );
        assert_eq!(count(&bytes), Ok(3));
    }

    #[test]
    fn validate_rejects_what_redis_rejects() {
        assert_eq!(validate(b"HYLL"), Err(NotHll));
        let mut bytes = new_sketch();
        bytes[0] = b'X';
        assert_eq!(validate(&bytes), Err(NotHll));
        let mut bytes = new_sketch();
        bytes[ENCODING_OFFSET] = 2;
        assert_eq!(validate(&bytes), Err(NotHll));
        let mut bytes = new_sketch();
        bytes[ENCODING_OFFSET] = 0;
        assert_eq!(validate(&bytes), Err(NotHll), "dense with the wrong length");
    }

    #[test]
    fn dense_registers_round_trip_without_touching_neighbours() {
        let mut body = vec![0u8; DENSE_LEN - HEADER_LEN];
        for index in 0..REGISTERS {
            set_dense_register(&mut body, index, (index % 64) as u8);
        }
        for index in 0..REGISTERS {
            assert_eq!(dense_register(&body, index), (index % 64) as u8);
        }
        set_dense_register(&mut body, 5, 0);
        assert_eq!(dense_register(&body, 4), 4);
        assert_eq!(dense_register(&body, 6), 6);
    }

    #[test]
    fn large_counts_promote_to_dense() {
        let mut bytes = new_sketch();
        assert_eq!(raise_register(&mut bytes, 100, 33, MAX_BYTES), Ok(true));
        assert_eq!(encoding(&bytes), Encoding::Dense);
        assert_eq!(dense_registers(&bytes)[100], 33);
    }

    #[test]
    fn growth_past_the_limit_promotes_to_dense() {
        let elements: Vec<Vec<u8>> = (0..400).map(|n| n.to_string().into_bytes()).collect();
        let small_limit = sketch_with(&elements, 100);
        assert_eq!(encoding(&small_limit), Encoding::Dense);
        let large_limit = sketch_with(&elements, MAX_BYTES);
        assert_eq!(encoding(&large_limit), Encoding::Sparse);
        assert!(large_limit.len() <= MAX_BYTES);
        assert_eq!(registers_of(&small_limit), registers_of(&large_limit));
    }

    #[test]
    fn cache_round_trips_and_invalidates() {
        let mut bytes = new_sketch();
        assert_eq!(cached_cardinality(&bytes), Some(0));
        store_cardinality(&mut bytes, 1234);
        assert_eq!(cached_cardinality(&bytes), Some(1234));
        invalidate_cache(&mut bytes);
        assert_eq!(cached_cardinality(&bytes), None);
    }

    #[test]
    fn truncated_sparse_bodies_are_corrupt() {
        let mut bytes = new_sketch();
        bytes.truncate(HEADER_LEN + 1);
        assert_eq!(count(&bytes), Err(Corrupt));
        let mut bytes = new_sketch();
        bytes.truncate(HEADER_LEN);
        assert_eq!(add(&mut bytes, b"x", MAX_BYTES), Err(Corrupt));
        let mut bytes = new_sketch();
        bytes.extend_from_slice(b"hello");
        assert_eq!(count(&bytes), Err(Corrupt));
        let mut max = [0u8; REGISTERS];
        assert_eq!(merge_into(&mut max, &bytes), Err(Corrupt));

        // Full coverage followed by a value run that overflows.
        let mut bytes = new_sketch();
        bytes.push(value_opcode(1, 1));
        assert_eq!(merge_into(&mut max, &bytes), Err(Corrupt));
        assert_eq!(to_dense(&mut bytes.clone()), Err(Corrupt));
        assert_eq!(count(&bytes), Err(Corrupt));
    }

    #[test]
    fn estimates_are_close_at_scale() {
        let elements: Vec<Vec<u8>> = (0..20_000).map(|n| format!("e{n}").into_bytes()).collect();
        let bytes = sketch_with(&elements, MAX_BYTES);
        let card = count(&bytes).expect("valid");
        assert!(card.abs_diff(20_000) < 20_000 / 50, "estimate {card}");
    }

    #[test]
    fn all_registers_at_the_top_estimate_like_redis() {
        let mut registers = [0u8; REGISTERS];
        registers.fill(COUNT_BITS as u8 + 1);
        assert_eq!(count_registers(&registers), 1 << 63);
    }

    #[test]
    fn small_self_test_passes() {
        let mut rng = crate::random::Rng::new(42);
        let size = SelfTestSize {
            register_rounds: 3,
            elements: 100_000,
        };
        assert_eq!(self_test(&mut rng, size, MAX_BYTES), Ok(()));
    }

    fn elements() -> impl Strategy<Value = Vec<Vec<u8>>> {
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 0..600)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn sparse_and_dense_agree_on_every_register(elements in elements(), max_bytes in 20usize..4000) {
            let sparse = sketch_with(&elements, max_bytes);
            let mut dense = new_sketch();
            to_dense(&mut dense).expect("valid");
            for element in &elements {
                add(&mut dense, element, max_bytes).expect("valid");
            }
            prop_assert_eq!(registers_of(&sparse), dense_registers(&dense));
            prop_assert_eq!(count(&sparse), count(&dense));
            if encoding(&sparse) == Encoding::Sparse {
                prop_assert!(sparse.len() <= max_bytes.max(HEADER_LEN + 2));
            }
        }

        #[test]
        fn merge_equals_adding_the_union(left in elements(), right in elements()) {
            let mut max = [0u8; REGISTERS];
            merge_into(&mut max, &sketch_with(&left, MAX_BYTES)).expect("valid");
            merge_into(&mut max, &sketch_with(&right, MAX_BYTES)).expect("valid");
            let union: Vec<Vec<u8>> = left.iter().chain(&right).cloned().collect();
            let together = sketch_with(&union, MAX_BYTES);
            prop_assert_eq!(max.to_vec(), registers_of(&together));
            prop_assert_eq!(count_registers(&max), count(&together).expect("valid"));

            let mut destination = new_sketch();
            store_registers(&mut destination, &max, false, MAX_BYTES).expect("valid");
            prop_assert_eq!(registers_of(&destination), registers_of(&together));
        }

        #[test]
        fn hostile_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..200), dense_header in any::<bool>(), element in prop::collection::vec(any::<u8>(), 0..8)) {
            let mut bytes = new_sketch();
            bytes.truncate(HEADER_LEN);
            bytes.extend_from_slice(&body);
            if dense_header {
                bytes[ENCODING_OFFSET] = 0;
                bytes.resize(DENSE_LEN, 0xff);
            }
            if validate(&bytes).is_ok() {
                let _ = count(&bytes);
                let _ = decode_sparse(&bytes);
                let mut max = [0u8; REGISTERS];
                let _ = merge_into(&mut max, &bytes);
                let mut added = bytes.clone();
                if add(&mut added, &element, MAX_BYTES).is_ok() {
                    prop_assert!(validate(&added).is_ok());
                }
                let mut dense = bytes.clone();
                if to_dense(&mut dense).is_ok() {
                    prop_assert_eq!(dense.len(), DENSE_LEN);
                }
            }
        }
    }
}
