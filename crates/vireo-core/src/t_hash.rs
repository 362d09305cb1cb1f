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
//! The table keeps its pairs in a vector indexed by a map from field to
//! slot, so a random pair (HRANDFIELD) is O(1) and a cursor over it is a
//! plain offset. Deleting moves the last pair into the freed slot.

use std::collections::HashMap;

use crate::hash::KeyHasherBuilder;
use crate::listpack::{Listpack, LpValue};

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hash {
    /// Fields and values alternating in one listpack.
    Listpack(Listpack),
    /// The table encoding.
    Table(Table),
}

/// The table encoding: pairs in slots, and a map from field to slot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pairs: Vec<Pair>,
    slots: HashMap<Box<[u8]>, usize, KeyHasherBuilder>,
}

/// A field and its value in the table encoding.
type Pair = (Box<[u8]>, Box<[u8]>);

/// A field or value as stored (listpacks keep canonical integers as integers).
pub type HashValue<'a> = LpValue<'a>;

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
            Hash::Table(table) => table.pairs.len(),
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

    fn convert(&mut self) {
        let Hash::Listpack(lp) = self else {
            return;
        };
        let mut table = Table::default();
        let mut values = lp.iter();
        while let (Some(field), Some(value)) = (values.next(), values.next()) {
            table.insert(field.to_vec().into(), value.to_vec().into());
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
                .slots
                .get(field)
                .and_then(|&slot| table.pairs.get(slot))
                .map(|(_, value)| LpValue::Str(value)),
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
            Hash::Table(table) => table.insert(field.into(), value.into()),
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
            Hash::Table(table) => {
                // The field is stored twice: in its pair and as the key of
                // the field-to-slot map.
                let per_slot = std::mem::size_of::<(Box<[u8]>, usize)>() + 1;
                table.pairs.capacity() * std::mem::size_of::<Pair>()
                    + table.slots.capacity() * per_slot
                    + crate::object::extrapolate(
                        table.pairs.len(),
                        samples,
                        table
                            .pairs
                            .iter()
                            .map(|(field, value)| 2 * field.len() + value.len()),
                    )
            }
        }
    }

    /// Every field and value, in storage order.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            Hash::Listpack(lp) => Iter::Listpack(lp.iter()),
            Hash::Table(table) => Iter::Table(table.pairs.iter()),
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
            Hash::Table(table) => table
                .pairs
                .get(index)
                .map(|(field, value)| (LpValue::Str(field), LpValue::Str(value))),
        }
    }
}

impl Table {
    fn insert(&mut self, field: Box<[u8]>, value: Box<[u8]>) -> bool {
        match self.slots.get(&field) {
            Some(&slot) => {
                if let Some(pair) = self.pairs.get_mut(slot) {
                    pair.1 = value;
                }
                false
            }
            None => {
                self.slots.insert(field.clone(), self.pairs.len());
                self.pairs.push((field, value));
                true
            }
        }
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        let Some(slot) = self.slots.remove(field) else {
            return false;
        };
        self.pairs.swap_remove(slot);
        if let Some((moved, _)) = self.pairs.get(slot) {
            if let Some(moved_slot) = self.slots.get_mut(moved) {
                *moved_slot = slot;
            }
        }
        true
    }
}

/// Iterator over a hash's (field, value) pairs.
pub enum Iter<'a> {
    /// Over a listpack.
    Listpack(crate::listpack::Iter<'a>),
    /// Over a table.
    Table(std::slice::Iter<'a, Pair>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (HashValue<'a>, HashValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(values) => Some((values.next()?, values.next()?)),
            Iter::Table(pairs) => pairs
                .next()
                .map(|(field, value)| (LpValue::Str(field), LpValue::Str(value))),
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
