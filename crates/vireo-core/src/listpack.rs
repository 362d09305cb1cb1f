//! Listpack: Redis's compact sequence of strings and integers, in Redis's
//! exact byte format.
//!
//! # Format
//!
//! ```text
//! +------------+----------+---------+---------+-----+------+
//! | total u32  | count u16| entry 0 | entry 1 | ... | 0xFF |
//! +------------+----------+---------+---------+-----+------+
//!   little-endian; count 65535 means "count by walking"
//!
//! entry = encoding+data | backlen
//!
//! 0xxxxxxx                      7-bit unsigned integer (0..=127)
//! 10xxxxxx <data>               string of up to 63 bytes
//! 110xxxxx yyyyyyyy             13-bit signed integer, big-endian bits
//! 1110xxxx yyyyyyyy <data>      string of up to 4095 bytes
//! 11110000 <len u32 LE> <data>  string of up to 2^32-1 bytes
//! 11110001 <i16 LE>             16-bit signed integer
//! 11110010 <i24 LE>             24-bit signed integer
//! 11110011 <i32 LE>             32-bit signed integer
//! 11110100 <i64 LE>             64-bit signed integer
//! 11111111                      end of the listpack
//!
//! backlen: the length of encoding+data, 7 bits per byte, written so that
//! it reads right to left: the rightmost byte holds the low 7 bits, and a
//! set high bit means "another byte to the left".
//! ```
//!
//! # Why this layout
//!
//! The bytes are exactly what Redis keeps in memory and writes into RDB
//! files, so persistence can dump and load a listpack without converting
//! it. Every entry knows its own length from the front (the encoding) and
//! from the back (the backlen), so the sequence walks in both directions
//! with no per-entry pointers: 2 to 11 bytes of overhead per element.
//!
//! # Costs
//!
//! Appending is amortised O(size of the entry). Inserting or deleting in
//! the middle moves the bytes after the position: O(total bytes), which is
//! why lists chain bounded listpacks (`quicklist`) and hashes convert to a
//! table past a size threshold. Finding element `i` walks from the nearer
//! end: O(i).
//!
//! # Trust
//!
//! A listpack built through this API is valid by construction. Bytes from
//! elsewhere (an RDB file) go through [`Listpack::from_bytes`], which
//! checks every entry; decoding never panics even on corrupt bytes (it
//! stops early instead), so a bug cannot become a crash.

const HEADER_SIZE: usize = 6;
const EOF: u8 = 0xFF;
/// Count value meaning "too many to record; walk to count".
const COUNT_UNKNOWN: u16 = u16::MAX;

/// An element as stored: integers that were canonical decimal strings are
/// stored (and returned) as integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LpValue<'a> {
    /// An integer element.
    Int(i64),
    /// A string element.
    Str(&'a [u8]),
}

impl LpValue<'_> {
    /// Calls `f` with the element's string form.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            LpValue::Int(value) => f(crate::util::format_i64(&mut [0; 20], *value)),
            LpValue::Str(bytes) => f(bytes),
        }
    }

    /// The element's string form, owned.
    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }

    /// True if the element's string form equals `other`.
    pub fn eq_bytes(&self, other: &[u8]) -> bool {
        match self {
            LpValue::Str(bytes) => *bytes == other,
            LpValue::Int(value) => crate::util::format_i64(&mut [0; 20], *value) == other,
        }
    }

    /// Length of the string form.
    pub fn len(&self) -> usize {
        self.with_bytes(<[u8]>::len)
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where [`Listpack::insert`] puts the new element relative to a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// In front of the element at the position.
    Before,
    /// Behind the element at the position.
    After,
}

/// Why bytes are not a valid listpack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListpackError {
    /// Shorter than a header and terminator.
    TooShort,
    /// The header's total differs from the byte count.
    TotalMismatch,
    /// The last byte is not 0xFF.
    NoTerminator,
    /// An entry at this offset is malformed or runs past the end.
    BadEntry(usize),
    /// An entry's backlen does not match its size.
    BadBacklen(usize),
    /// The header's count differs from the number of entries.
    CountMismatch,
}

/// A listpack, owning its bytes (always a valid listpack).
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|v| v.to_vec()))
            .finish()
    }
}

impl Default for Listpack {
    fn default() -> Self {
        Listpack::new()
    }
}

/// Encoding of one element: the header bytes (up to 9) and the payload.
struct Encoded<'a> {
    head: [u8; 9],
    head_len: usize,
    payload: &'a [u8],
}

impl Encoded<'_> {
    fn of(element: &[u8]) -> Encoded<'_> {
        // Redis compat: a string that is a canonical i64 is stored as an
        // integer (lpStringToInt64 has string2ll's rules).
        if element.len() <= 20 {
            if let Some(value) = crate::util::parse_i64(element) {
                return Encoded::int(value);
            }
        }
        let mut head = [0u8; 9];
        let len = element.len();
        let head_len = if len < 64 {
            head[0] = 0x80 | len as u8;
            1
        } else if len < 4096 {
            head[0] = 0xE0 | (len >> 8) as u8;
            head[1] = len as u8;
            2
        } else {
            head[0] = 0xF0;
            // Lengths past u32 are refused by callers (see `fits`).
            head[1..5].copy_from_slice(&(len as u32).to_le_bytes());
            5
        };
        Encoded {
            head,
            head_len,
            payload: element,
        }
    }

    fn int(value: i64) -> Encoded<'static> {
        let mut head = [0u8; 9];
        let head_len = if (0..=127).contains(&value) {
            head[0] = value as u8;
            1
        } else if (-4096..=4095).contains(&value) {
            let bits = (value as u64) & 0x1FFF;
            head[0] = 0xC0 | (bits >> 8) as u8;
            head[1] = bits as u8;
            2
        } else if i16::try_from(value).is_ok() {
            head[0] = 0xF1;
            head[1..3].copy_from_slice(&(value as i16).to_le_bytes());
            3
        } else if (-(1 << 23)..(1 << 23)).contains(&value) {
            head[0] = 0xF2;
            head[1..4].copy_from_slice(&(value as i32).to_le_bytes()[..3]);
            4
        } else if i32::try_from(value).is_ok() {
            head[0] = 0xF3;
            head[1..5].copy_from_slice(&(value as i32).to_le_bytes());
            5
        } else {
            head[0] = 0xF4;
            head[1..9].copy_from_slice(&value.to_le_bytes());
            9
        };
        Encoded {
            head,
            head_len,
            payload: &[],
        }
    }

    /// Encoding plus data length (what the backlen records).
    fn body_len(&self) -> usize {
        self.head_len + self.payload.len()
    }

    /// Whole entry length, backlen included.
    fn entry_len(&self) -> usize {
        self.body_len() + backlen_size(self.body_len())
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.head[..self.head_len]);
        out.extend_from_slice(self.payload);
        let mut backlen = [0u8; 5];
        let size = encode_backlen(self.body_len(), &mut backlen);
        out.extend_from_slice(&backlen[..size]);
    }
}

fn backlen_size(body_len: usize) -> usize {
    match body_len {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

fn encode_backlen(body_len: usize, out: &mut [u8; 5]) -> usize {
    let size = backlen_size(body_len);
    // The rightmost byte carries the low 7 bits; every byte but the
    // leftmost has the high bit set ("more to the left").
    for (i, slot) in out.iter_mut().take(size).enumerate() {
        let shift = 7 * (size - 1 - i);
        let mut byte = ((body_len >> shift) & 0x7F) as u8;
        if i > 0 {
            byte |= 0x80;
        }
        *slot = byte;
    }
    size
}

/// Decodes the entry starting at `pos`: its value and the length of
/// encoding+data. `None` if the bytes there are not a complete entry.
fn decode_body(bytes: &[u8], pos: usize) -> Option<(LpValue<'_>, usize)> {
    let first = *bytes.get(pos)?;
    let tail = |n: usize| bytes.get(pos + 1..pos + 1 + n);
    let string = |head: usize, len: usize| {
        let start = pos + head;
        let data = bytes.get(start..start.checked_add(len)?)?;
        Some((LpValue::Str(data), head + len))
    };
    match first {
        0x00..=0x7F => Some((LpValue::Int(i64::from(first)), 1)),
        0x80..=0xBF => string(1, usize::from(first & 0x3F)),
        0xC0..=0xDF => {
            let low = *tail(1)?.first()?;
            let bits = (u16::from(first & 0x1F) << 8) | u16::from(low);
            // Sign-extend 13 bits.
            let value = i64::from(((bits << 3) as i16) >> 3);
            Some((LpValue::Int(value), 2))
        }
        0xE0..=0xEF => {
            let low = *tail(1)?.first()?;
            string(2, (usize::from(first & 0x0F) << 8) | usize::from(low))
        }
        0xF0 => {
            let len = tail(4)?;
            let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]);
            string(5, usize::try_from(len).ok()?)
        }
        0xF1 => {
            let b = tail(2)?;
            Some((LpValue::Int(i64::from(i16::from_le_bytes([b[0], b[1]]))), 3))
        }
        0xF2 => {
            let b = tail(3)?;
            // Place the 24 bits high in an i32, then shift back to sign-extend.
            let value = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
            Some((LpValue::Int(i64::from(value)), 4))
        }
        0xF3 => {
            let b = tail(4)?;
            Some((
                LpValue::Int(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
                5,
            ))
        }
        0xF4 => {
            let b = tail(8)?;
            let mut raw = [0u8; 8];
            raw.copy_from_slice(b);
            Some((LpValue::Int(i64::from_le_bytes(raw)), 9))
        }
        _ => None,
    }
}

/// Reads the backlen that ends just before `end`: (body length, backlen size).
fn decode_backlen(bytes: &[u8], end: usize) -> Option<(usize, usize)> {
    let mut value = 0usize;
    let mut shift = 0;
    for size in 1..=5 {
        let byte = *bytes.get(end.checked_sub(size)?)?;
        value |= usize::from(byte & 0x7F) << shift;
        if byte & 0x80 == 0 {
            return Some((value, size));
        }
        shift += 7;
    }
    None
}

impl Listpack {
    /// An empty listpack (7 bytes).
    pub fn new() -> Listpack {
        let mut bytes = Vec::with_capacity(HEADER_SIZE + 1);
        bytes.extend_from_slice(&7u32.to_le_bytes());
        bytes.extend_from_slice(&0u16.to_le_bytes());
        bytes.push(EOF);
        Listpack { bytes }
    }

    /// Takes `bytes` after checking every entry ([`validate`]).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Listpack, ListpackError> {
        validate(&bytes)?;
        Ok(Listpack { bytes })
    }

    /// Takes bytes this crate produced from a listpack before (a
    /// decompressed quicklist node), without walking them again.
    pub(crate) fn from_own_bytes(bytes: Vec<u8>) -> Listpack {
        Listpack { bytes }
    }

    /// The raw bytes, in Redis's format.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Releases the spare capacity kept for growth.
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
    }

    /// Heap bytes reserved for the listpack (MEMORY USAGE).
    pub fn allocated(&self) -> usize {
        self.bytes.capacity()
    }

    /// Total size in bytes (header and terminator included).
    pub fn bytes_len(&self) -> usize {
        self.bytes.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        let count = u16::from_le_bytes([self.bytes[4], self.bytes[5]]);
        if count != COUNT_UNKNOWN {
            return usize::from(count);
        }
        let mut n = 0;
        let mut pos = self.first();
        while let Some(p) = pos {
            n += 1;
            pos = self.next(p);
        }
        n
    }

    /// True when there is no element.
    pub fn is_empty(&self) -> bool {
        self.bytes.len() <= HEADER_SIZE + 1
    }

    fn set_header(&mut self, count: usize) {
        let total = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        self.bytes[0..4].copy_from_slice(&total.to_le_bytes());
        let count = u16::try_from(count)
            .ok()
            .filter(|&c| c != COUNT_UNKNOWN)
            .unwrap_or(COUNT_UNKNOWN);
        self.bytes[4..6].copy_from_slice(&count.to_le_bytes());
    }

    fn adjust_count(&mut self, delta: isize) {
        let count = u16::from_le_bytes([self.bytes[4], self.bytes[5]]);
        let count = if count == COUNT_UNKNOWN {
            self.len_by_walking()
        } else {
            (usize::from(count) as isize + delta) as usize
        };
        self.set_header(count);
    }

    fn len_by_walking(&self) -> usize {
        let mut n = 0;
        let mut pos = self.first();
        while let Some(p) = pos {
            n += 1;
            pos = self.next(p);
        }
        n
    }

    /// Whether adding an element of `len` bytes keeps the listpack within
    /// the 32-bit total its header can record.
    pub fn fits(&self, len: usize) -> bool {
        self.bytes.len() + len + 16 <= u32::MAX as usize
    }

    /// Position of the first element.
    pub fn first(&self) -> Option<usize> {
        (self.bytes.get(HEADER_SIZE) != Some(&EOF) && self.bytes.len() > HEADER_SIZE + 1)
            .then_some(HEADER_SIZE)
    }

    /// Position of the last element.
    pub fn last(&self) -> Option<usize> {
        self.prev(self.bytes.len() - 1)
    }

    /// Length of the whole entry at `pos` (backlen included).
    fn entry_len(&self, pos: usize) -> Option<usize> {
        let (_, body) = decode_body(&self.bytes, pos)?;
        Some(body + backlen_size(body))
    }

    /// Position of the element after `pos`.
    pub fn next(&self, pos: usize) -> Option<usize> {
        let next = pos + self.entry_len(pos)?;
        (next < self.bytes.len() - 1).then_some(next)
    }

    /// Position of the element before `pos` (`pos` may be the terminator).
    pub fn prev(&self, pos: usize) -> Option<usize> {
        if pos <= HEADER_SIZE {
            return None;
        }
        let (body, size) = decode_backlen(&self.bytes, pos)?;
        pos.checked_sub(body + size)
            .filter(|&start| start >= HEADER_SIZE)
    }

    /// The element at `pos` and the position of the element after it:
    /// one decoding for both, for iterators.
    #[inline]
    pub fn get_and_next(&self, pos: usize) -> Option<(LpValue<'_>, Option<usize>)> {
        let (value, body) = decode_body(&self.bytes, pos)?;
        let next = pos + body + backlen_size(body);
        Some((value, (next < self.bytes.len() - 1).then_some(next)))
    }

    /// The element at `pos`.
    pub fn get(&self, pos: usize) -> Option<LpValue<'_>> {
        decode_body(&self.bytes, pos).map(|(value, _)| value)
    }

    /// Position of element `index` (negative: from the end, -1 the last).
    pub fn seek(&self, index: i64) -> Option<usize> {
        let len = self.len() as i64;
        let index = if index < 0 { len + index } else { index };
        if index < 0 || index >= len {
            return None;
        }
        if index < len / 2 {
            let mut pos = self.first()?;
            for _ in 0..index {
                pos = self.next(pos)?;
            }
            Some(pos)
        } else {
            let mut pos = self.last()?;
            for _ in 0..(len - 1 - index) {
                pos = self.prev(pos)?;
            }
            Some(pos)
        }
    }

    /// Adds `element` at the end.
    pub fn append(&mut self, element: &[u8]) {
        let encoded = Encoded::of(element);
        self.bytes.pop();
        self.bytes.reserve(encoded.entry_len() + 1);
        encoded.write(&mut self.bytes);
        self.bytes.push(EOF);
        self.adjust_count(1);
    }

    /// Adds the integer `value` at the end.
    pub fn append_int(&mut self, value: i64) {
        let encoded = Encoded::int(value);
        self.bytes.pop();
        encoded.write(&mut self.bytes);
        self.bytes.push(EOF);
        self.adjust_count(1);
    }

    /// Adds `element` at the front.
    pub fn prepend(&mut self, element: &[u8]) {
        self.splice_at(HEADER_SIZE, 0, element);
        self.adjust_count(1);
    }

    /// Inserts `element` before or after the element at `pos`; returns the
    /// new element's position.
    pub fn insert(&mut self, pos: usize, place: Where, element: &[u8]) -> usize {
        let at = match place {
            Where::Before => pos,
            Where::After => pos + self.entry_len(pos).unwrap_or(0),
        };
        self.splice_at(at, 0, element);
        self.adjust_count(1);
        at
    }

    /// Replaces the element at `pos` with `element`.
    pub fn replace(&mut self, pos: usize, element: &[u8]) {
        let old = self.entry_len(pos).unwrap_or(0);
        self.splice_at(pos, old, element);
        self.adjust_count(0);
    }

    fn splice_at(&mut self, at: usize, remove: usize, element: &[u8]) {
        let encoded = Encoded::of(element);
        let mut entry = Vec::with_capacity(encoded.entry_len());
        encoded.write(&mut entry);
        self.bytes.splice(at..at + remove, entry);
    }

    /// Removes the element at `pos`; returns the position of the element
    /// that followed it, if any.
    pub fn delete(&mut self, pos: usize) -> Option<usize> {
        let len = self.entry_len(pos)?;
        self.bytes.drain(pos..pos + len);
        self.adjust_count(-1);
        (pos < self.bytes.len() - 1).then_some(pos)
    }

    /// Removes `count` elements starting at element `index` (negative: from
    /// the end); returns how many were removed.
    pub fn delete_range(&mut self, index: i64, count: usize) -> usize {
        match self.seek(index) {
            Some(start) => self.delete_range_at(start, count),
            None => 0,
        }
    }

    /// Removes up to `count` elements starting with the one at `start`;
    /// returns how many were removed.
    pub fn delete_range_at(&mut self, start: usize, count: usize) -> usize {
        let mut end = start;
        let mut removed = 0;
        while removed < count && end < self.bytes.len() - 1 {
            match self.entry_len(end) {
                Some(len) => end += len,
                None => break,
            }
            removed += 1;
        }
        self.bytes.drain(start..end);
        self.adjust_count(-(removed as isize));
        removed
    }

    /// Elements front to back (reversible).
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            lp: self,
            front: self.first(),
            back: self.last(),
        }
    }

    /// Position of the first element equal to `element` at or after `pos`,
    /// looking at every `skip + 1`-th element (hashes store field, value
    /// pairs and search fields with `skip` 1).
    pub fn find(&self, mut pos: Option<usize>, element: &[u8], skip: usize) -> Option<usize> {
        let as_int = if element.len() <= 20 {
            crate::util::parse_i64(element)
        } else {
            None
        };
        while let Some(p) = pos {
            let (value, body) = decode_body(&self.bytes, p)?;
            let matched = match (value, as_int) {
                (LpValue::Int(v), Some(i)) => v == i,
                (LpValue::Str(s), None) => s == element,
                _ => false,
            };
            if matched {
                return Some(p);
            }
            let mut next = p + body + backlen_size(body);
            for _ in 0..skip {
                if next >= self.bytes.len() - 1 {
                    return None;
                }
                next += self.entry_len(next)?;
            }
            pos = (next < self.bytes.len() - 1).then_some(next);
        }
        None
    }
}

/// Iterator over a listpack's elements, from either end.
pub struct Iter<'a> {
    lp: &'a Listpack,
    front: Option<usize>,
    back: Option<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = LpValue<'a>;

    fn next(&mut self) -> Option<LpValue<'a>> {
        let pos = self.front?;
        let value = self.lp.get(pos)?;
        if Some(pos) == self.back {
            self.front = None;
            self.back = None;
        } else {
            self.front = self.lp.next(pos);
        }
        Some(value)
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let pos = self.back?;
        let value = self.lp.get(pos)?;
        if Some(pos) == self.front {
            self.front = None;
            self.back = None;
        } else {
            self.back = self.lp.prev(pos);
        }
        Some(value)
    }
}

/// Checks that `bytes` is a well-formed listpack: header total, every
/// entry's encoding, bounds and backlen, the count and the terminator.
pub fn validate(bytes: &[u8]) -> Result<(), ListpackError> {
    if bytes.len() < HEADER_SIZE + 1 {
        return Err(ListpackError::TooShort);
    }
    let total = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if usize::try_from(total).ok() != Some(bytes.len()) {
        return Err(ListpackError::TotalMismatch);
    }
    if bytes[bytes.len() - 1] != EOF {
        return Err(ListpackError::NoTerminator);
    }
    let header_count = u16::from_le_bytes([bytes[4], bytes[5]]);
    let end = bytes.len() - 1;
    let mut pos = HEADER_SIZE;
    let mut count = 0usize;
    while pos < end {
        let (_, body) = decode_body(&bytes[..end], pos).ok_or(ListpackError::BadEntry(pos))?;
        let entry_end = pos + body + backlen_size(body);
        if entry_end > end {
            return Err(ListpackError::BadEntry(pos));
        }
        match decode_backlen(&bytes[..entry_end], entry_end) {
            Some((len, size)) if len == body && size == backlen_size(body) => {}
            _ => return Err(ListpackError::BadBacklen(pos)),
        }
        pos = entry_end;
        count += 1;
    }
    if header_count != COUNT_UNKNOWN && usize::from(header_count) != count {
        return Err(ListpackError::CountMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    fn contents(lp: &Listpack) -> Vec<Vec<u8>> {
        lp.iter().map(|v| v.to_vec()).collect()
    }

    #[test]
    fn empty_listpack_is_seven_bytes() {
        let lp = Listpack::new();
        assert_eq!(lp.as_bytes(), &[7, 0, 0, 0, 0, 0, 0xFF]);
        assert_eq!(lp.len(), 0);
        assert!(validate(lp.as_bytes()).is_ok());
    }

    #[test]
    fn encodings_match_redis_bytes() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"0", &[0x00, 0x01]),
            (b"127", &[0x7F, 0x01]),
            (b"128", &[0xC0, 0x80, 0x02]),
            (b"-1", &[0xDF, 0xFF, 0x02]),
            (b"-4096", &[0xD0, 0x00, 0x02]),
            (b"4096", &[0xF1, 0x00, 0x10, 0x03]),
            (b"-32768", &[0xF1, 0x00, 0x80, 0x03]),
            (b"65536", &[0xF2, 0x00, 0x00, 0x01, 0x04]),
            (b"16777216", &[0xF3, 0x00, 0x00, 0x00, 0x01, 0x05]),
            (b"abc", &[0x83, b'a', b'b', b'c', 0x04]),
            (b"01", &[0x82, b'0', b'1', 0x03]),
        ];
        for (element, expected) in cases {
            let mut lp = Listpack::new();
            lp.append(element);
            assert_eq!(&lp.as_bytes()[6..lp.bytes_len() - 1], *expected);
            assert_eq!(contents(&lp), vec![element.to_vec()]);
        }
        let mut lp = Listpack::new();
        lp.append(&[b'x'; 100]);
        assert_eq!(&lp.as_bytes()[6..8], &[0xE0, 100]);
        // 102 bytes of body: a one-byte backlen.
        assert_eq!(lp.as_bytes()[6 + 102], 102);
        let mut big = Listpack::new();
        big.append(&[b'y'; 5000]);
        assert_eq!(&big.as_bytes()[6..11], &[0xF0, 0x88, 0x13, 0, 0]);
        // 5005 bytes of body: backlen 0x27 then 0x8D.
        assert_eq!(&big.as_bytes()[6 + 5005..6 + 5007], &[0x27, 0x8D]);
        assert!(validate(big.as_bytes()).is_ok());
    }

    #[test]
    fn integers_round_trip_through_every_width() {
        let mut lp = Listpack::new();
        let values = [
            0,
            127,
            -1,
            4095,
            -4096,
            32767,
            -32768,
            8_388_607,
            -8_388_608,
            i32::MAX as i64,
            i32::MIN as i64,
            i64::MAX,
            i64::MIN,
        ];
        for v in values {
            lp.append_int(v);
        }
        let read: Vec<_> = lp.iter().collect();
        assert_eq!(
            read,
            values.iter().map(|&v| LpValue::Int(v)).collect::<Vec<_>>()
        );
        let back: Vec<_> = lp.iter().rev().collect();
        assert_eq!(back.len(), values.len());
        assert!(validate(lp.as_bytes()).is_ok());
    }

    #[test]
    fn validate_rejects_corruption() {
        let mut lp = Listpack::new();
        lp.append(b"hello");
        lp.append(b"12");
        let good = lp.as_bytes().to_vec();
        let mut bad = good.clone();
        bad[0] += 1;
        assert_eq!(validate(&bad), Err(ListpackError::TotalMismatch));
        let mut bad = good.clone();
        bad[4] = 3;
        assert_eq!(validate(&bad), Err(ListpackError::CountMismatch));
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] = 0;
        assert_eq!(validate(&bad), Err(ListpackError::NoTerminator));
        let mut bad = good.clone();
        bad[12] = 9;
        assert_eq!(validate(&bad), Err(ListpackError::BadBacklen(6)));
        let mut bad = good;
        bad[6] = 0x8F;
        assert!(validate(&bad).is_err());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Append(Vec<u8>),
        Prepend(Vec<u8>),
        Insert(usize, bool, Vec<u8>),
        Delete(usize),
        DeleteRange(i64, usize),
        Replace(usize, Vec<u8>),
    }

    fn element() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<i64>().prop_map(|v| v.to_string().into_bytes()),
            (-5000i64..5000).prop_map(|v| v.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..80),
            proptest::collection::vec(any::<u8>(), 4000..4200),
            Just(b"007".to_vec()),
            Just(b"-0".to_vec()),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            element().prop_map(Op::Append),
            element().prop_map(Op::Prepend),
            (any::<usize>(), any::<bool>(), element()).prop_map(|(i, b, e)| Op::Insert(i, b, e)),
            any::<usize>().prop_map(Op::Delete),
            (-10i64..10, 0usize..5).prop_map(|(i, n)| Op::DeleteRange(i, n)),
            (any::<usize>(), element()).prop_map(|(i, e)| Op::Replace(i, e)),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_vecdeque(ops in proptest::collection::vec(op(), 0..60)) {
            let mut lp = Listpack::new();
            let mut model: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                match op {
                    Op::Append(e) => { lp.append(&e); model.push_back(e); }
                    Op::Prepend(e) => { lp.prepend(&e); model.push_front(e); }
                    Op::Insert(i, after, e) => {
                        if model.is_empty() { continue; }
                        let i = i % model.len();
                        let pos = lp.seek(i as i64).unwrap();
                        if after {
                            lp.insert(pos, Where::After, &e);
                            model.insert(i + 1, e);
                        } else {
                            lp.insert(pos, Where::Before, &e);
                            model.insert(i, e);
                        }
                    }
                    Op::Delete(i) => {
                        if model.is_empty() { continue; }
                        let i = i % model.len();
                        let pos = lp.seek(i as i64).unwrap();
                        let next = lp.delete(pos);
                        model.remove(i);
                        prop_assert_eq!(next.is_some(), i < model.len());
                    }
                    Op::DeleteRange(i, n) => {
                        let len = model.len() as i64;
                        let start = if i < 0 { len + i } else { i };
                        let removed = lp.delete_range(i, n);
                        if start >= 0 && start < len {
                            let n = n.min((len - start) as usize);
                            prop_assert_eq!(removed, n);
                            model.drain(start as usize..start as usize + n);
                        } else {
                            prop_assert_eq!(removed, 0);
                        }
                    }
                    Op::Replace(i, e) => {
                        if model.is_empty() { continue; }
                        let i = i % model.len();
                        let pos = lp.seek(i as i64).unwrap();
                        lp.replace(pos, &e);
                        model[i] = e;
                    }
                }
                prop_assert!(validate(lp.as_bytes()).is_ok());
                prop_assert_eq!(lp.len(), model.len());
            }
            prop_assert_eq!(contents(&lp), model.iter().cloned().collect::<Vec<_>>());
            let reversed: Vec<Vec<u8>> = lp.iter().rev().map(|v| v.to_vec()).collect();
            prop_assert_eq!(reversed, model.iter().rev().cloned().collect::<Vec<_>>());
            for (i, e) in model.iter().enumerate() {
                let pos = lp.seek(i as i64).unwrap();
                prop_assert!(lp.get(pos).unwrap().eq_bytes(e));
                prop_assert_eq!(lp.seek(i as i64 - model.len() as i64), Some(pos));
                prop_assert!(lp.find(lp.first(), e, 0).is_some());
            }
            prop_assert_eq!(Listpack::from_bytes(lp.as_bytes().to_vec()), Ok(lp));
        }

        #[test]
        fn random_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..64),
                                    fix_header in any::<bool>()) {
            if fix_header && bytes.len() >= 7 {
                let len = bytes.len() as u32;
                bytes[0..4].copy_from_slice(&len.to_le_bytes());
                let last = bytes.len() - 1;
                bytes[last] = 0xFF;
            }
            if let Ok(lp) = Listpack::from_bytes(bytes.clone()) {
                let forward = lp.iter().count();
                prop_assert_eq!(forward, lp.iter().rev().count());
                prop_assert_eq!(forward, lp.len());
            }
        }

        #[test]
        fn corrupting_a_valid_listpack_never_panics(
            elements in proptest::collection::vec(element(), 1..6),
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
        ) {
            let mut lp = Listpack::new();
            for e in &elements { lp.append(e); }
            let mut bytes = lp.as_bytes().to_vec();
            for (at, value) in flips {
                let at = at % bytes.len();
                bytes[at] = value;
            }
            if let Ok(lp) = Listpack::from_bytes(bytes) {
                prop_assert_eq!(lp.iter().count(), lp.iter().rev().count());
            }
        }
    }
}
