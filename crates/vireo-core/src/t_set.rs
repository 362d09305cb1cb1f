//! The set type: an [`IntSet`] while every member is an integer and there
//! are at most `set-max-intset-entries` of them, a hash table after that.
//!
//! These are Redis 7.0's two set encodings (`OBJECT ENCODING` reports
//! `intset` and `hashtable`); a set never converts back, as in Redis.
//!
//! The hash table ([`MemberTable`]) keeps its members in one dense vector
//! and chains buckets through `u32` indices into it. That gives O(1)
//! uniformly random members (SPOP, SRANDMEMBER) by picking an index, and a
//! bucket array that a reverse-binary SSCAN cursor can walk with Redis's
//! guarantee that members present for the whole scan are returned, across
//! resizes. Members of up to [`INLINE_CAPACITY`] bytes live in their entry
//! itself; longer ones take one allocation each. A lookup that hits thus
//! touches two cache lines (bucket, entry) instead of three, the member
//! bytes being the third: on tables larger than the cache those misses are
//! most of the cost of SADD, SISMEMBER or HSET.

use std::borrow::Cow;
use std::hash::BuildHasher;

use crate::hash::KeyHasherBuilder;
use crate::intset::IntSet;
use crate::random::Rng;
use crate::util::{format_i64, parse_i64};

/// Redis's default `set-max-intset-entries`.
pub const DEFAULT_MAX_INTSET_ENTRIES: usize = 512;

/// A member as stored: integers stay integers inside an intset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    /// A member of an intset.
    Int(i64),
    /// A member of a hash table.
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// Calls `f` with the member's bytes (integers formatted on the stack).
    #[inline]
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Member::Int(value) => f(format_i64(&mut [0; 20], value)),
            Member::Bytes(bytes) => f(bytes),
        }
    }

    /// The member's bytes, copied.
    pub fn to_vec(self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }
}

/// A member taken out of a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedMember {
    /// From an intset.
    Int(i64),
    /// From a hash table.
    Bytes(Box<[u8]>),
}

impl OwnedMember {
    /// A borrowed view.
    #[inline]
    pub fn as_member(&self) -> Member<'_> {
        match self {
            OwnedMember::Int(value) => Member::Int(*value),
            OwnedMember::Bytes(bytes) => Member::Bytes(bytes),
        }
    }
}

const NIL: u32 = u32::MAX;

/// Which part of a stored entry is its lookup key. A set stores the member
/// alone; a hash table ([`crate::t_hash`]) stores field and value in one
/// allocation and looks entries up by the field part.
pub trait EntryLayout {
    /// The key part of `entry`.
    fn key(entry: &[u8]) -> &[u8];
}

/// The layout of set members: the whole entry is the key.
#[derive(Debug, Clone, Copy, Default)]
pub struct WholeEntry;

impl EntryLayout for WholeEntry {
    #[inline]
    fn key(entry: &[u8]) -> &[u8] {
        entry
    }
}

/// Longest entry stored inside the table rather than in its own
/// allocation: what fits beside the chain link in 32 bytes, the size of an
/// entry holding a pointer and a length anyway.
pub const INLINE_CAPACITY: usize = 26;

/// One member and the link to the next entry of its bucket chain.
#[derive(Clone)]
enum TableEntry {
    Inline {
        next: u32,
        len: u8,
        bytes: [u8; INLINE_CAPACITY],
    },
    Heap {
        next: u32,
        member: Box<[u8]>,
    },
}

const _: () = assert!(std::mem::size_of::<TableEntry>() == 32);

impl TableEntry {
    #[inline]
    fn new(member: Cow<'_, [u8]>, next: u32) -> TableEntry {
        if member.len() <= INLINE_CAPACITY {
            let mut bytes = [0; INLINE_CAPACITY];
            bytes[..member.len()].copy_from_slice(&member);
            TableEntry::Inline {
                next,
                len: member.len() as u8,
                bytes,
            }
        } else {
            TableEntry::Heap {
                next,
                member: member.into_owned().into_boxed_slice(),
            }
        }
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        match self {
            TableEntry::Inline { len, bytes, .. } => &bytes[..usize::from(*len)],
            TableEntry::Heap { member, .. } => member,
        }
    }

    #[inline]
    fn next(&self) -> u32 {
        match self {
            TableEntry::Inline { next, .. } | TableEntry::Heap { next, .. } => *next,
        }
    }

    #[inline]
    fn set_next(&mut self, link: u32) {
        match self {
            TableEntry::Inline { next, .. } | TableEntry::Heap { next, .. } => *next = link,
        }
    }

    /// Bytes allocated outside the table.
    fn heap_len(&self) -> usize {
        match self {
            TableEntry::Inline { .. } => 0,
            TableEntry::Heap { member, .. } => member.len(),
        }
    }

    /// The member, moved out.
    fn into_boxed(self) -> Box<[u8]> {
        match self {
            TableEntry::Inline { len, bytes, .. } => bytes[..usize::from(len)].into(),
            TableEntry::Heap { member, .. } => member,
        }
    }

    /// Replaces the member, in place when the length is unchanged.
    fn replace(&mut self, member: Cow<'_, [u8]>) {
        match self {
            TableEntry::Heap { member: old, .. } if old.len() == member.len() => {
                old.copy_from_slice(&member);
            }
            _ => *self = TableEntry::new(member, self.next()),
        }
    }
}

/// A hash set of byte strings with O(1) random access and a SCAN cursor,
/// keyed by the part of each entry that `L` names.
#[derive(Clone)]
pub struct MemberTable<L: EntryLayout = WholeEntry> {
    entries: Vec<TableEntry>,
    buckets: Vec<u32>,
    hasher: KeyHasherBuilder,
    layout: std::marker::PhantomData<L>,
}

/// Iterator over a [`MemberTable`]'s entries, in storage order.
#[derive(Clone)]
pub struct TableIter<'a>(std::slice::Iter<'a, TableEntry>);

impl<'a> Iterator for TableIter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        self.0.next().map(TableEntry::bytes)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for TableIter<'_> {}

impl<L: EntryLayout> Default for MemberTable<L> {
    fn default() -> Self {
        MemberTable {
            entries: Vec::new(),
            buckets: Vec::new(),
            hasher: KeyHasherBuilder::default(),
            layout: std::marker::PhantomData,
        }
    }
}

impl<L: EntryLayout> std::fmt::Debug for MemberTable<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

impl<L: EntryLayout> MemberTable<L> {
    /// An empty table with room for `capacity` members.
    pub fn with_capacity(capacity: usize) -> MemberTable<L> {
        let mut table = MemberTable {
            entries: Vec::with_capacity(capacity),
            buckets: Vec::new(),
            hasher: KeyHasherBuilder::default(),
            layout: std::marker::PhantomData,
        };
        table.rebuild(capacity.max(4).next_power_of_two());
        table
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    #[inline]
    fn bucket_of(&self, member: &[u8]) -> usize {
        (self.hasher.hash_one(member) as usize) & (self.buckets.len() - 1)
    }

    /// Index of the entry keyed `member` in the dense vector.
    pub(crate) fn find(&self, member: &[u8]) -> Option<usize> {
        if self.buckets.is_empty() {
            return None;
        }
        let mut at = self.buckets[self.bucket_of(member)];
        while at != NIL {
            let entry = &self.entries[at as usize];
            if L::key(entry.bytes()) == member {
                return Some(at as usize);
            }
            at = entry.next();
        }
        None
    }

    /// True if `member` is present.
    #[inline]
    pub fn contains(&self, member: &[u8]) -> bool {
        self.find(member).is_some()
    }

    /// Adds `member`; false if it was already present.
    pub fn insert(&mut self, member: &[u8]) -> bool {
        if self.contains(member) {
            return false;
        }
        self.insert_new(Cow::Borrowed(member));
        true
    }

    /// Adds an entry whose key is known to be absent.
    pub(crate) fn insert_new(&mut self, member: Cow<'_, [u8]>) {
        if self.entries.len() >= self.buckets.len() {
            self.rebuild((self.buckets.len() * 2).max(4));
        }
        let bucket = self.bucket_of(L::key(&member));
        let index = self.entries.len() as u32;
        self.entries
            .push(TableEntry::new(member, self.buckets[bucket]));
        self.buckets[bucket] = index;
    }

    /// Removes `member`; false if it was absent.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.find(member) {
            Some(index) => {
                self.remove_index(index);
                true
            }
            None => false,
        }
    }

    /// The member at dense index `index` (0..len), for random access.
    #[inline]
    pub fn get_index(&self, index: usize) -> Option<&[u8]> {
        self.entries.get(index).map(TableEntry::bytes)
    }

    /// Removes and returns the member at dense index `index`.
    pub fn remove_index(&mut self, index: usize) -> Box<[u8]> {
        self.unlink(index);
        let last = self.entries.len() - 1;
        if index != last {
            // The last entry moves into the hole: repoint whoever linked to it.
            let moved_bucket = self.bucket_of(L::key(self.entries[last].bytes()));
            self.relink(moved_bucket, last as u32, index as u32);
        }
        let removed = self.entries.swap_remove(index).into_boxed();
        if self.buckets.len() > 4 && self.entries.len() * 8 < self.buckets.len() {
            self.rebuild((self.entries.len().next_power_of_two()).max(4));
        }
        removed
    }

    /// Takes entry `index` out of its bucket chain.
    fn unlink(&mut self, index: usize) {
        let bucket = self.bucket_of(L::key(self.entries[index].bytes()));
        let next = self.entries[index].next();
        self.relink(bucket, index as u32, next);
    }

    /// In `bucket`'s chain, replaces the link that points at `from` by `to`.
    fn relink(&mut self, bucket: usize, from: u32, to: u32) {
        if self.buckets[bucket] == from {
            self.buckets[bucket] = to;
            return;
        }
        let mut at = self.buckets[bucket];
        while at != NIL {
            let entry = &mut self.entries[at as usize];
            if entry.next() == from {
                entry.set_next(to);
                return;
            }
            at = entry.next();
        }
    }

    fn rebuild(&mut self, bucket_count: usize) {
        self.buckets = vec![NIL; bucket_count];
        for index in 0..self.entries.len() {
            let bucket = self.bucket_of(L::key(self.entries[index].bytes()));
            self.entries[index].set_next(self.buckets[bucket]);
            self.buckets[bucket] = index as u32;
        }
    }

    /// Replaces the entry at dense index `index` by one with the same key.
    pub(crate) fn replace_index(&mut self, index: usize, entry: Cow<'_, [u8]>) {
        if let Some(slot) = self.entries.get_mut(index) {
            debug_assert!(L::key(slot.bytes()) == L::key(&entry));
            slot.replace(entry);
        }
    }

    /// Every member, in storage order.
    pub fn iter(&self) -> TableIter<'_> {
        TableIter(self.entries.iter())
    }

    /// Visits one bucket for `cursor` and returns the next cursor (0 when
    /// done). Redis compat: the reverse-binary increment of `dictScan`, so a
    /// member present for the whole scan is visited at least once even if
    /// the table is resized between calls.
    pub fn scan_step(&self, cursor: u64, mut visit: impl FnMut(&[u8])) -> u64 {
        if self.buckets.is_empty() {
            return 0;
        }
        let mask = (self.buckets.len() - 1) as u64;
        let mut at = self.buckets[(cursor & mask) as usize];
        while at != NIL {
            let entry = &self.entries[at as usize];
            visit(entry.bytes());
            at = entry.next();
        }
        let cursor = (cursor | !mask).reverse_bits().wrapping_add(1);
        cursor.reverse_bits()
    }

    /// Estimated heap bytes (MEMORY USAGE), extrapolating member sizes
    /// from the first `samples`.
    pub fn memory_usage(&self, samples: usize) -> usize {
        self.entries.capacity() * std::mem::size_of::<TableEntry>()
            + self.buckets.capacity() * std::mem::size_of::<u32>()
            + crate::object::extrapolate(
                self.entries.len(),
                samples,
                self.entries.iter().map(TableEntry::heap_len),
            )
    }
}

/// A set value.
#[derive(Debug, Clone)]
pub enum Set {
    /// All members are integers, and there are few of them.
    Intset(IntSet),
    /// Any members.
    Hashtable(MemberTable),
}

impl PartialEq for Set {
    fn eq(&self, other: &Set) -> bool {
        self.len() == other.len() && self.iter().all(|m| m.with_bytes(|b| other.contains(b)))
    }
}

impl Eq for Set {}

impl Set {
    /// Estimated heap bytes (MEMORY USAGE).
    pub fn memory_usage(&self, samples: usize) -> usize {
        match self {
            Set::Intset(intset) => intset.allocated(),
            Set::Hashtable(table) => table.memory_usage(samples),
        }
    }

    /// An empty set in the encoding Redis picks for a first member
    /// (`setTypeCreate`): an intset if it is an integer.
    pub fn new_for(member: &[u8]) -> Set {
        if parse_i64(member).is_some() {
            Set::Intset(IntSet::new())
        } else {
            Set::Hashtable(MemberTable::with_capacity(4))
        }
    }

    /// An empty intset-encoded set.
    pub fn new_intset() -> Set {
        Set::Intset(IntSet::new())
    }

    /// An empty hashtable-encoded set.
    pub fn new_hashtable() -> Set {
        Set::Hashtable(MemberTable::with_capacity(4))
    }

    /// The `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Intset(_) => "intset",
            Set::Hashtable(_) => "hashtable",
        }
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Set::Intset(set) => set.len(),
            Set::Hashtable(table) => table.len(),
        }
    }

    /// True when empty (an empty set is never stored in the keyspace).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if `member` is present.
    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Set::Intset(set) => parse_i64(member).is_some_and(|value| set.contains(value)),
            Set::Hashtable(table) => table.contains(member),
        }
    }

    /// Adds `member`; false if it was present. Converts to a hash table for
    /// a non-integer member or when the intset outgrows `max_intset_entries`.
    pub fn add(&mut self, member: &[u8], max_intset_entries: usize) -> bool {
        match self {
            Set::Intset(set) => match parse_i64(member) {
                Some(value) => {
                    if !set.insert(value) {
                        return false;
                    }
                    if set.len() > max_intset_entries {
                        self.convert_to_hashtable(0);
                    }
                    true
                }
                None => {
                    self.convert_to_hashtable(1);
                    self.add(member, max_intset_entries)
                }
            },
            Set::Hashtable(table) => table.insert(member),
        }
    }

    /// Removes `member`; false if it was absent.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Set::Intset(set) => parse_i64(member).is_some_and(|value| set.remove(value)),
            Set::Hashtable(table) => table.remove(member),
        }
    }

    /// Switches to the hash table encoding, with room for `extra` more members.
    pub fn convert_to_hashtable(&mut self, extra: usize) {
        if let Set::Intset(set) = self {
            let mut table = MemberTable::with_capacity(set.len() + extra);
            for value in set.iter() {
                table.insert_new(Cow::Borrowed(format_i64(&mut [0; 20], value)));
            }
            *self = Set::Hashtable(table);
        }
    }

    /// The member at position `index` (0..len) in storage order.
    pub fn get_index(&self, index: usize) -> Option<Member<'_>> {
        match self {
            Set::Intset(set) => set.get(index).map(Member::Int),
            Set::Hashtable(table) => table.get_index(index).map(Member::Bytes),
        }
    }

    /// A uniformly random member; `None` when empty.
    pub fn random(&self, rng: &mut Rng) -> Option<Member<'_>> {
        if self.is_empty() {
            return None;
        }
        self.get_index(rng.below(self.len()))
    }

    /// Removes and returns the member at position `index` in storage order.
    pub fn remove_index(&mut self, index: usize) -> Option<OwnedMember> {
        if index >= self.len() {
            return None;
        }
        match self {
            Set::Intset(set) => set.remove_at(index).map(OwnedMember::Int),
            Set::Hashtable(table) => Some(OwnedMember::Bytes(table.remove_index(index))),
        }
    }

    /// Removes and returns a uniformly random member.
    pub fn pop_random(&mut self, rng: &mut Rng) -> Option<OwnedMember> {
        if self.is_empty() {
            return None;
        }
        let index = rng.below(self.len());
        self.remove_index(index)
    }

    /// Every member: ascending for an intset, storage order otherwise.
    pub fn iter(&self) -> SetIter<'_> {
        match self {
            Set::Intset(set) => SetIter::Ints(set, 0),
            Set::Hashtable(table) => SetIter::Table(table, 0),
        }
    }

    /// One SSCAN step: visits at least `count` members' worth of buckets
    /// (bounded by 10×`count` buckets, as Redis does) and returns the next
    /// cursor, 0 when done. An intset is returned whole in one call.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(Member<'_>)) -> u64 {
        match self {
            Set::Intset(set) => {
                for value in set.iter() {
                    visit(Member::Int(value));
                }
                0
            }
            Set::Hashtable(table) => {
                let mut cursor = cursor;
                let mut visited = 0;
                let mut budget = count.saturating_mul(10);
                loop {
                    cursor = table.scan_step(cursor, |member| {
                        visited += 1;
                        visit(Member::Bytes(member));
                    });
                    budget = budget.saturating_sub(1);
                    if cursor == 0 || budget == 0 || visited >= count {
                        return cursor;
                    }
                }
            }
        }
    }
}

/// Iterator over a set's members.
pub enum SetIter<'a> {
    /// Over an intset.
    Ints(&'a IntSet, usize),
    /// Over a hash table.
    Table(&'a MemberTable, usize),
}

impl<'a> Iterator for SetIter<'a> {
    type Item = Member<'a>;

    #[inline]
    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            SetIter::Ints(set, at) => {
                let value = set.get(*at)?;
                *at += 1;
                Some(Member::Int(value))
            }
            SetIter::Table(table, at) => {
                let member = table.get_index(*at)?;
                *at += 1;
                Some(Member::Bytes(member))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = match self {
            SetIter::Ints(set, at) => set.len() - *at,
            SetIter::Table(table, at) => table.len() - *at,
        };
        (left, Some(left))
    }
}

impl ExactSizeIterator for SetIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::Rng;
    use proptest::prelude::*;
    use std::collections::{BTreeSet, HashSet};

    fn member() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (-50i64..50).prop_map(|v| v.to_string().into_bytes()),
            any::<i64>().prop_map(|v| v.to_string().into_bytes()),
            prop::collection::vec(b'a'..b'e', 0..3),
            Just(b"007".to_vec()),
            // Either side of the longest member stored inside the table.
            prop::collection::vec(b'a'..b'c', INLINE_CAPACITY - 1..INLINE_CAPACITY + 2),
        ]
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(Vec<u8>),
        Remove(Vec<u8>),
        Pop(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => member().prop_map(Op::Add),
            2 => member().prop_map(Op::Remove),
            1 => any::<u64>().prop_map(Op::Pop),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreeset(ops in prop::collection::vec(op(), 0..300), max_intset in 0usize..20) {
            let mut set = Set::new_intset();
            let mut model: BTreeSet<Vec<u8>> = BTreeSet::new();
            for op in ops {
                match op {
                    Op::Add(m) => prop_assert_eq!(set.add(&m, max_intset), model.insert(m)),
                    Op::Remove(m) => prop_assert_eq!(set.remove(&m), model.remove(&m)),
                    Op::Pop(seed) => {
                        let popped = set.pop_random(&mut Rng::new(seed));
                        match popped {
                            Some(member) => {
                                let bytes = member.as_member().to_vec();
                                prop_assert!(model.remove(&bytes));
                            }
                            None => prop_assert!(model.is_empty()),
                        }
                    }
                }
                prop_assert_eq!(set.len(), model.len());
                let all_ints = model.iter().all(|m| parse_i64(m).is_some());
                if let Set::Intset(_) = set {
                    prop_assert!(all_ints && model.len() <= max_intset);
                }
            }
            let members: BTreeSet<Vec<u8>> = set.iter().map(Member::to_vec).collect();
            prop_assert_eq!(&members, &model);
            for m in &model {
                prop_assert!(set.contains(m));
            }
            if let Set::Intset(ints) = &set {
                prop_assert!(ints.iter().zip(ints.iter().skip(1)).all(|(a, b)| a < b));
            }
        }

        #[test]
        fn scan_returns_every_member_despite_resizes(count in 1usize..300, step in 1usize..20, removals in 0usize..100) {
            let mut set = Set::new_hashtable();
            for i in 0..count {
                set.add(format!("m{i}").as_bytes(), 0);
            }
            let stable: HashSet<Vec<u8>> = (removals..count).map(|i| format!("m{i}").into_bytes()).collect();
            let mut seen = HashSet::new();
            let mut cursor = 0;
            let mut round = 0;
            loop {
                cursor = set.scan(cursor, step, |m| { seen.insert(m.to_vec()); });
                // Shrink the table while the scan is under way.
                if round < removals {
                    set.remove(format!("m{round}").as_bytes());
                }
                round += 1;
                if cursor == 0 {
                    break;
                }
            }
            for m in &stable {
                prop_assert!(seen.contains(m), "missed {:?}", String::from_utf8_lossy(m));
            }
        }
    }

    #[test]
    fn encodings_follow_redis_rules() {
        let mut set = Set::new_for(b"1");
        assert_eq!(set.encoding(), "intset");
        for i in 0..512 {
            set.add(i.to_string().as_bytes(), DEFAULT_MAX_INTSET_ENTRIES);
        }
        assert_eq!(set.encoding(), "intset");
        set.add(b"512", DEFAULT_MAX_INTSET_ENTRIES);
        assert_eq!(set.encoding(), "hashtable");
        let mut words = Set::new_for(b"a");
        assert_eq!(words.encoding(), "hashtable");
        let mut ints = Set::new_for(b"5");
        assert!(ints.add(b"5", DEFAULT_MAX_INTSET_ENTRIES));
        ints.add(b"x", DEFAULT_MAX_INTSET_ENTRIES);
        assert_eq!(ints.encoding(), "hashtable");
        assert!(ints.contains(b"5") && ints.contains(b"x"));
        assert!(words.add(b"b", 0));
        assert!(!words.add(b"b", 0));
    }
}
