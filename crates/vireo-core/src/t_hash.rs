//! The hash type: a listpack of field, value pairs while small, a table
//! once it grows, with Redis 7.0's conversion rules.
//!
//! Redis compat: a hash starts as a `listpack` and becomes a `hashtable`
//! (never back) when it gets more than `hash-max-listpack-entries` fields,
//! or when a command is about to store a field or value longer than
//! `hash-max-listpack-value` bytes: checked on all of a command's
//! arguments before its first write (`hashTypeTryConversion`), and again
//! on each pair stored (which catches values HINCRBYFLOAT computes).
//!
//! The table is a [`MemberTable`] (the set type's hash table) whose
//! entries hold field and value in one allocation, looked up by the field
//! part: one allocation per pair, and, as for sets, a dense vector so a
//! random pair (HRANDFIELD) is O(1) and a cursor over it is a plain
//! offset. Deleting moves the last pair into the freed slot.

use std::borrow::Cow;

use crate::listpack::{Listpack, LpValue};
use crate::t_set::{EntryLayout, MemberTable};

/// Conversion thresholds (`hash-max-listpack-entries`, `-value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    /// Most fields a listpack hash holds.
    pub max_entries: usize,
    /// Longest field or value a listpack hash holds.
    pub max_value: usize,
}

impl Default for HashLimits {
    fn default() -> Self {
        HashLimits {
            max_entries: 512,
            max_value: 64,
        }
    }
}

/// A hash value.
#[derive(Debug, Clone)]
pub enum Hash {
    /// Fields and values alternating in one listpack.
    Listpack(Listpack),
    /// The table encoding.
    Table(Table),
}

/// The table encoding.
pub type Table = MemberTable<FieldValue>;

/// Layout of a table entry: the field's length, the field, the value. The
/// length is one byte below 255, else 255 and eight little-endian bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct FieldValue;

const LONG_FIELD: u8 = 255;

impl FieldValue {
    /// Calls `f` with one entry holding `field` and `value`, built on the
    /// stack when it is small enough to be stored inside the table.
    fn with_encoded<R>(field: &[u8], value: &[u8], f: impl FnOnce(Cow<'_, [u8]>) -> R) -> R {
        let len = 1 + field.len() + value.len();
        if field.len() < LONG_FIELD as usize && len <= crate::t_set::INLINE_CAPACITY {
            let mut entry = [0u8; crate::t_set::INLINE_CAPACITY];
            entry[0] = field.len() as u8;
            entry[1..1 + field.len()].copy_from_slice(field);
            entry[1 + field.len()..len].copy_from_slice(value);
            return f(Cow::Borrowed(&entry[..len]));
        }
        let header = if field.len() < LONG_FIELD as usize {
            1
        } else {
            9
        };
        // Exactly sized, so the table boxes it without reallocating.
        let mut entry = Vec::with_capacity(header + field.len() + value.len());
        if field.len() < LONG_FIELD as usize {
            entry.push(field.len() as u8);
        } else {
            entry.push(LONG_FIELD);
            entry.extend_from_slice(&(field.len() as u64).to_le_bytes());
        }
        entry.extend_from_slice(field);
        entry.extend_from_slice(value);
        f(Cow::Owned(entry))
    }

    /// The field and the value of an entry made by [`FieldValue::with_encoded`].
    #[inline]
    fn split(entry: &[u8]) -> (&[u8], &[u8]) {
        let (header, field_len) = match entry.first() {
            Some(&LONG_FIELD) => {
                let mut len = [0u8; 8];
                len.copy_from_slice(entry.get(1..9).unwrap_or(&[0; 8]));
                (9, u64::from_le_bytes(len) as usize)
            }
            Some(&len) => (1, len as usize),
            None => (0, 0),
        };
        // INVARIANT: entries are only made by `with_encoded`, so the header and
        // the field fit; `min` keeps a broken invariant from panicking.
        let body = entry.get(header..).unwrap_or(&[]);
        body.split_at(field_len.min(body.len()))
    }
}

impl EntryLayout for FieldValue {
    #[inline]
    fn key(entry: &[u8]) -> &[u8] {
        FieldValue::split(entry).0
    }
}

/// A field or value as stored (listpacks keep canonical integers as integers).
pub type HashValue<'a> = LpValue<'a>;

/// Equal when both hold the same fields with the same values, whatever
/// the encoding or order.
impl PartialEq for Hash {
    fn eq(&self, other: &Hash) -> bool {
        self.len() == other.len()
            && self.iter().all(|(field, value)| {
                other.get(&field.to_vec()).map(|v| v.to_vec()) == Some(value.to_vec())
            })
    }
}

impl Eq for Hash {}

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

impl Hash {
    /// An empty hash (listpack encoded).
    pub fn new() -> Hash {
        Hash::Listpack(Listpack::new())
    }

    /// The `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Listpack(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            Hash::Listpack(lp) => lp.len() / 2,
            Hash::Table(table) => table.len(),
        }
    }

    /// True when there is no field.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Converts to the table encoding if any of `arguments` (fields and
    /// values about to be written) is longer than the listpack allows.
    pub fn prepare_for<'a>(
        &mut self,
        arguments: impl IntoIterator<Item = &'a [u8]>,
        limits: HashLimits,
    ) {
        if !matches!(self, Hash::Listpack(_)) {
            return;
        }
        let mut sum = 0usize;
        for argument in arguments {
            if argument.len() > limits.max_value {
                self.convert();
                return;
            }
            sum += argument.len();
        }
        if let Hash::Listpack(lp) = self {
            if !lp.fits(sum) {
                self.convert();
            }
        }
    }

    /// Converts a listpack to the table encoding if it holds more fields
    /// or a longer element than `limits` allow (a loaded value meeting the
    /// server's configuration, as Redis's loader converts it).
    pub fn fit_limits(&mut self, limits: HashLimits) {
        let fields = self.len();
        let too_big = match &*self {
            Hash::Listpack(lp) => {
                fields > limits.max_entries
                    || lp.iter().any(|element| element.len() > limits.max_value)
            }
            Hash::Table(_) => false,
        };
        if too_big {
            self.convert();
        }
    }

    fn convert(&mut self) {
        let Hash::Listpack(lp) = self else {
            return;
        };
        let mut table = Table::default();
        let mut values = lp.iter();
        while let (Some(field), Some(value)) = (values.next(), values.next()) {
            table_set(&mut table, &field.to_vec(), &value.to_vec());
        }
        *self = Hash::Table(table);
    }

    fn find_in_listpack(lp: &Listpack, field: &[u8]) -> Option<usize> {
        lp.find(lp.first(), field, 1)
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<HashValue<'_>> {
        match self {
            Hash::Listpack(lp) => {
                let at = Self::find_in_listpack(lp, field)?;
                lp.get(lp.next(at)?)
            }
            Hash::Table(table) => table
                .find(field)
                .and_then(|index| table.get_index(index))
                .map(|entry| LpValue::Str(FieldValue::split(entry).1)),
        }
    }

    /// True if `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Sets `field` to `value`; true if the field is new. Converts to the
    /// table first if either is longer than `limits.max_value`, and after
    /// once the hash holds more than `limits.max_entries` fields.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: HashLimits) -> bool {
        if matches!(self, Hash::Listpack(_))
            && (field.len() > limits.max_value || value.len() > limits.max_value)
        {
            self.convert();
        }
        let inserted = match self {
            Hash::Listpack(lp) => match Self::find_in_listpack(lp, field) {
                Some(at) => {
                    if let Some(value_at) = lp.next(at) {
                        lp.replace(value_at, value);
                    }
                    false
                }
                None => {
                    lp.append(field);
                    lp.append(value);
                    true
                }
            },
            Hash::Table(table) => table_set(table, field, value),
        };
        if matches!(self, Hash::Listpack(_)) && self.len() > limits.max_entries {
            self.convert();
        }
        inserted
    }

    /// Removes `field`; true if it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Listpack(lp) => match Self::find_in_listpack(lp, field) {
                Some(at) => {
                    lp.delete_range_at(at, 2);
                    true
                }
                None => false,
            },
            Hash::Table(table) => table.remove(field),
        }
    }

    /// A hash over a listpack of alternating fields and values (RDB
    /// loading); `None` if the element count is odd or a field repeats.
    pub fn from_listpack(listpack: Listpack) -> Option<Hash> {
        if listpack.len() % 2 != 0 {
            return None;
        }
        let mut seen = std::collections::HashSet::new();
        for (index, element) in listpack.iter().enumerate() {
            if index % 2 == 0 && !seen.insert(element.to_vec()) {
                return None;
            }
        }
        Some(Hash::Listpack(listpack))
    }

    /// The listpack bytes, for the listpack encoding.
    pub fn listpack(&self) -> Option<&Listpack> {
        match self {
            Hash::Listpack(lp) => Some(lp),
            Hash::Table(_) => None,
        }
    }

    /// Size in bytes of the listpack encoding (0 for a table).
    pub fn listpack_bytes_len(&self) -> usize {
        match self {
            Hash::Listpack(lp) => lp.as_bytes().len(),
            Hash::Table(_) => 0,
        }
    }

    /// Estimated heap bytes (MEMORY USAGE), extrapolating a table's pairs
    /// from the first `samples`.
    pub fn memory_usage(&self, samples: usize) -> usize {
        match self {
            Hash::Listpack(lp) => lp.allocated(),
            Hash::Table(table) => table.memory_usage(samples),
        }
    }

    /// Every field and value, in storage order.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            Hash::Listpack(lp) => Iter::Listpack(lp.iter()),
            Hash::Table(table) => Iter::Table(table.iter()),
        }
    }

    /// The pair in storage slot `index` (`0..len`): O(1) for tables,
    /// O(index) for listpacks (which are small).
    pub fn pair_at(&self, index: usize) -> Option<(HashValue<'_>, HashValue<'_>)> {
        match self {
            Hash::Listpack(lp) => {
                let at = lp.seek(i64::try_from(index.checked_mul(2)?).ok()?)?;
                Some((lp.get(at)?, lp.get(lp.next(at)?)?))
            }
            Hash::Table(table) => table.get_index(index).map(|entry| {
                let (field, value) = FieldValue::split(entry);
                (LpValue::Str(field), LpValue::Str(value))
            }),
        }
    }
}

/// Sets `field` to `value` in a table; true if the field is new.
fn table_set(table: &mut Table, field: &[u8], value: &[u8]) -> bool {
    FieldValue::with_encoded(field, value, |entry| match table.find(field) {
        Some(index) => {
            table.replace_index(index, entry);
            false
        }
        None => {
            table.insert_new(entry);
            true
        }
    })
}

/// Iterator over a hash's (field, value) pairs.
pub enum Iter<'a> {
    /// Over a listpack.
    Listpack(crate::listpack::Iter<'a>),
    /// Over a table.
    Table(crate::t_set::TableIter<'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (HashValue<'a>, HashValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(values) => Some((values.next()?, values.next()?)),
            Iter::Table(entries) => entries.next().map(|entry| {
                let (field, value) = FieldValue::split(entry);
                (LpValue::Str(field), LpValue::Str(value))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn converts_on_entry_count_and_value_length() {
        let limits = HashLimits {
            max_entries: 4,
            max_value: 10,
        };
        let mut hash = Hash::new();
        for i in 0..4 {
            hash.set(format!("f{i}").as_bytes(), b"v", limits);
        }
        assert_eq!(hash.encoding(), "listpack");
        hash.set(b"f4", b"v", limits);
        assert_eq!(hash.encoding(), "hashtable");
        assert_eq!(hash.len(), 5);

        let mut hash = Hash::new();
        hash.prepare_for([b"field".as_slice(), b"short"], limits);
        assert_eq!(hash.encoding(), "listpack");
        hash.prepare_for([b"field".as_slice(), b"much longer value"], limits);
        assert_eq!(hash.encoding(), "hashtable");
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(Vec<u8>, Vec<u8>),
        Remove(Vec<u8>),
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0u8..20).prop_map(|v| format!("f{v}").into_bytes()),
            (0i64..50).prop_map(|v| v.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..20),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_hashmap(
            max_entries in 0usize..10,
            max_value in 0usize..20,
            ops in proptest::collection::vec(prop_oneof![
                3 => (bytes(), bytes()).prop_map(|(f, v)| Op::Set(f, v)),
                1 => bytes().prop_map(Op::Remove),
            ], 0..80),
        ) {
            let limits = HashLimits { max_entries, max_value };
            let mut hash = Hash::new();
            let mut model = std::collections::HashMap::new();
            for op in ops {
                match op {
                    Op::Set(f, v) => {
                        hash.prepare_for([f.as_slice(), v.as_slice()], limits);
                        let inserted = hash.set(&f, &v, limits);
                        prop_assert_eq!(inserted, model.insert(f, v).is_none());
                    }
                    Op::Remove(f) => {
                        prop_assert_eq!(hash.remove(&f), model.remove(&f).is_some());
                    }
                }
                prop_assert_eq!(hash.len(), model.len());
                if let Hash::Listpack(_) = hash {
                    prop_assert!(hash.len() <= max_entries);
                    prop_assert!(hash.iter().all(|(f, v)| f.len() <= max_value && v.len() <= max_value));
                }
            }
            for (f, v) in &model {
                prop_assert!(hash.get(f).is_some_and(|stored| stored.eq_bytes(v)));
            }
            let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = hash.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            let mut by_slot: Vec<(Vec<u8>, Vec<u8>)> = (0..hash.len())
                .filter_map(|i| hash.pair_at(i))
                .map(|(f, v)| (f.to_vec(), v.to_vec()))
                .collect();
            let mut expected: Vec<(Vec<u8>, Vec<u8>)> = model.into_iter().collect();
            pairs.sort();
            by_slot.sort();
            expected.sort();
            prop_assert_eq!(&pairs, &expected);
            prop_assert_eq!(by_slot, expected);
        }
    }
}
