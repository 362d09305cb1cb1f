//! Redis's intset: a sorted array of distinct integers in one flat buffer.
//!
//! # Layout
//!
//! The bytes are exactly what Redis writes inside an RDB `intset` blob, so a
//! later RDB writer can emit them as they are and a loader can adopt them
//! after [`IntSet::validate`]:
//!
//! ```text
//! +----------------+----------------+----------------------------------+
//! | encoding: u32  | length: u32    | length × element (encoding bytes)|
//! | 2, 4 or 8 (LE) | count (LE)     | ascending, little-endian, signed |
//! +----------------+----------------+----------------------------------+
//! ```
//!
//! Every element uses the width of the widest one. Inserting a value that
//! does not fit the current width upgrades the whole array (that value is
//! then necessarily the new minimum or maximum, so it goes at one end);
//! widths never shrink, as in Redis.
//!
//! # Costs
//!
//! Lookup is a binary search, O(log n). Insertion and removal move the tail,
//! O(n), which is why sets leave this encoding after `set-max-intset-entries`
//! members (512 by default): below that the memmove is a few hundred bytes
//! and the memory saving (2–8 bytes per member instead of a table entry and
//! a heap string) is worth it.

/// Bytes before the first element.
const HEADER: usize = 8;

/// A sorted set of distinct `i64`s in Redis's intset layout.
#[derive(Clone, PartialEq, Eq)]
pub struct IntSet {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for IntSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Default for IntSet {
    fn default() -> Self {
        IntSet::new()
    }
}

/// The narrowest element width (2, 4 or 8 bytes) that holds `value`.
#[inline]
fn width_for(value: i64) -> usize {
    if i16::try_from(value).is_ok() {
        2
    } else if i32::try_from(value).is_ok() {
        4
    } else {
        8
    }
}

impl IntSet {
    /// Heap bytes reserved for the encoded intset (MEMORY USAGE).
    pub fn allocated(&self) -> usize {
        self.bytes.capacity()
    }

    /// An empty intset with 16-bit elements.
    pub fn new() -> IntSet {
        let mut bytes = Vec::with_capacity(HEADER + 8);
        bytes.extend_from_slice(&2u32.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        IntSet { bytes }
    }

    /// Adopts bytes in Redis's layout; `None` unless [`IntSet::validate`]
    /// accepts them with the deep check.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<IntSet> {
        IntSet::validate(&bytes, true).then_some(IntSet { bytes })
    }

    /// The bytes in Redis's layout.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Checks untrusted bytes: header present, a known width, a length that
    /// matches the size, and with `deep` strictly ascending elements.
    /// Never panics.
    pub fn validate(bytes: &[u8], deep: bool) -> bool {
        let (Some(encoding), Some(length)) = (read_u32(bytes, 0), read_u32(bytes, 4)) else {
            return false;
        };
        let width = encoding as usize;
        if !matches!(width, 2 | 4 | 8) {
            return false;
        }
        let Some(size) = (length as usize)
            .checked_mul(width)
            .and_then(|n| n.checked_add(HEADER))
        else {
            return false;
        };
        if size != bytes.len() {
            return false;
        }
        if !deep {
            return true;
        }
        let mut previous: Option<i64> = None;
        for chunk in bytes[HEADER..].chunks_exact(width) {
            let value = decode(chunk);
            if previous.is_some_and(|p| p >= value) {
                return false;
            }
            previous = Some(value);
        }
        true
    }

    /// Element width in bytes: 2, 4 or 8.
    #[inline]
    pub fn width(&self) -> usize {
        read_u32(&self.bytes, 0).unwrap_or(2) as usize
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        read_u32(&self.bytes, 4).unwrap_or(0) as usize
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element at `index` (ascending order).
    #[inline]
    pub fn get(&self, index: usize) -> Option<i64> {
        let width = self.width();
        let start = HEADER + index * width;
        self.bytes.get(start..start + width).map(decode)
    }

    /// Binary search: `Ok(index)` if present, else `Err(insertion point)`.
    pub fn search(&self, value: i64) -> Result<usize, usize> {
        let width = self.width();
        if width_for(value) > width {
            // Wider than every element: outside the range at one end.
            return Err(if value < 0 { 0 } else { self.len() });
        }
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            let start = HEADER + middle * width;
            let current = decode(&self.bytes[start..start + width]);
            match current.cmp(&value) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Ok(middle),
            }
        }
        Err(low)
    }

    /// True if `value` is present.
    #[inline]
    pub fn contains(&self, value: i64) -> bool {
        self.search(value).is_ok()
    }

    /// Adds `value`; false if it was already present.
    pub fn insert(&mut self, value: i64) -> bool {
        if width_for(value) > self.width() {
            self.upgrade_and_insert(value);
            return true;
        }
        let Err(position) = self.search(value) else {
            return false;
        };
        let width = self.width();
        let at = HEADER + position * width;
        let mut element = [0u8; 8];
        element[..width].copy_from_slice(&value.to_le_bytes()[..width]);
        self.bytes.splice(at..at, element[..width].iter().copied());
        self.set_len(self.len() + 1);
        true
    }

    /// Rewrites every element at the width `value` needs, then puts `value`
    /// at the end it belongs to (it is beyond every current element).
    fn upgrade_and_insert(&mut self, value: i64) {
        let new_width = width_for(value);
        let length = self.len();
        let mut bytes = Vec::with_capacity(HEADER + (length + 1) * new_width);
        bytes.extend_from_slice(&(new_width as u32).to_le_bytes());
        bytes.extend_from_slice(&((length + 1) as u32).to_le_bytes());
        let push = |bytes: &mut Vec<u8>, v: i64| {
            bytes.extend_from_slice(&v.to_le_bytes()[..new_width]);
        };
        if value < 0 {
            push(&mut bytes, value);
        }
        for existing in self.iter() {
            push(&mut bytes, existing);
        }
        if value >= 0 {
            push(&mut bytes, value);
        }
        self.bytes = bytes;
    }

    /// Removes `value`; false if it was absent.
    pub fn remove(&mut self, value: i64) -> bool {
        match self.search(value) {
            Ok(index) => {
                self.remove_at(index);
                true
            }
            Err(_) => false,
        }
    }

    /// Removes and returns the element at `index`.
    pub fn remove_at(&mut self, index: usize) -> Option<i64> {
        let value = self.get(index)?;
        let width = self.width();
        let at = HEADER + index * width;
        self.bytes.drain(at..at + width);
        self.set_len(self.len() - 1);
        Some(value)
    }

    /// Elements in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = i64> + ExactSizeIterator + '_ {
        self.bytes[HEADER..].chunks_exact(self.width()).map(decode)
    }

    /// Bytes used, header included.
    pub fn blob_len(&self) -> usize {
        self.bytes.len()
    }

    fn set_len(&mut self, length: usize) {
        self.bytes[4..8].copy_from_slice(&(length as u32).to_le_bytes());
    }
}

#[inline]
fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let word: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(word))
}

/// Sign-extends a 2, 4 or 8-byte little-endian integer.
#[inline]
fn decode(chunk: &[u8]) -> i64 {
    match *chunk {
        [a, b] => i64::from(i16::from_le_bytes([a, b])),
        [a, b, c, d] => i64::from(i32::from_le_bytes([a, b, c, d])),
        [a, b, c, d, e, f, g, h] => i64::from_le_bytes([a, b, c, d, e, f, g, h]),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn layout_matches_redis() {
        let mut set = IntSet::new();
        set.insert(5);
        set.insert(-1);
        assert_eq!(set.as_bytes(), &[2, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 5, 0]);
        set.insert(70000);
        assert_eq!(set.width(), 4);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![-1, 5, 70000]);
        set.insert(i64::MIN);
        assert_eq!(set.width(), 8);
        assert_eq!(set.get(0), Some(i64::MIN));
        assert_eq!(set.blob_len(), 8 + 4 * 8);
    }

    #[test]
    fn validate_rejects_bad_headers_and_order() {
        assert!(!IntSet::validate(&[], true));
        assert!(!IntSet::validate(&[3, 0, 0, 0, 0, 0, 0, 0], true));
        assert!(!IntSet::validate(&[2, 0, 0, 0, 1, 0, 0, 0], true));
        assert!(IntSet::validate(
            &[2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0],
            true
        ));
        assert!(!IntSet::validate(
            &[2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0],
            true
        ));
        assert!(IntSet::validate(
            &[2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0],
            false
        ));
        assert!(!IntSet::validate(&[8, 0, 0, 0, 255, 255, 255, 255], true));
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreeset(ops in prop::collection::vec((any::<bool>(), prop_oneof![
            -300i64..300,
            any::<i16>().prop_map(i64::from),
            any::<i32>().prop_map(i64::from),
            any::<i64>(),
        ]), 0..200)) {
            let mut set = IntSet::new();
            let mut model = BTreeSet::new();
            for (insert, value) in ops {
                if insert {
                    prop_assert_eq!(set.insert(value), model.insert(value));
                } else {
                    prop_assert_eq!(set.remove(value), model.remove(&value));
                }
                prop_assert_eq!(set.len(), model.len());
            }
            prop_assert!(set.iter().eq(model.iter().copied()));
            let widest = model.iter().map(|&v| width_for(v)).max().unwrap_or(2);
            prop_assert!(set.width() >= widest);
            prop_assert!(IntSet::validate(set.as_bytes(), true));
            for value in &model {
                prop_assert!(set.contains(*value));
            }
            let copy = IntSet::from_bytes(set.as_bytes().to_vec());
            prop_assert_eq!(copy, Some(set));
        }

        #[test]
        fn validate_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), deep in any::<bool>()) {
            let ok = IntSet::validate(&bytes, deep);
            if ok && deep {
                let set = IntSet::from_bytes(bytes.clone());
                prop_assert!(set.is_some());
            }
        }

        #[test]
        fn validate_accepts_headers_with_random_payloads(width in prop::sample::select(vec![2u32, 4, 8]), count in 0u32..8, seed in any::<u64>()) {
            let mut bytes = width.to_le_bytes().to_vec();
            bytes.extend_from_slice(&count.to_le_bytes());
            let mut state = seed;
            for _ in 0..count * width {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                bytes.push((state >> 56) as u8);
            }
            prop_assert!(IntSet::validate(&bytes, false));
            let sorted = IntSet::validate(&bytes, true);
            let values: Vec<i64> = bytes[8..].chunks_exact(width as usize).map(decode).collect();
            prop_assert_eq!(sorted, values.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
