//! The keyspace hash table: chained buckets over dense entry arenas, with
//! Redis-style incremental rehashing and a reverse-binary SCAN cursor.
//!
//! # Layout
//!
//! ```text
//!  tables[0]: [u32; 2^n]  bucket heads ──┐      (tables[1] only while rehashing)
//!                                         ▼
//!  persistent arena: chunks of Entry { key: Bytes(24), value(24), next: u32, lru: u32 }
//!  volatile arena:   chunks of Volatile { Entry, expire_at: i64 }
//! ```
//!
//! A bucket head and an entry's `next` are 32-bit links (0 is "none"; the
//! low bit of `link - 1` names the arena, the rest is the index), so chaining
//! costs 4 bytes per bucket plus 4 per entry instead of two 8-byte pointers.
//! Entries live in two dense, chunked arenas: keys without an expiry time in
//! one, keys with one in the other, so the expiry time costs 8 bytes only
//! where it exists and never an allocation of its own. Keys and small
//! string values are stored inline in the entry (up to 22 bytes each), so
//! `SET key:123 <16 bytes>` costs one 56-byte arena slot plus about 4 bytes
//! of bucket array and nothing else; Redis spends a `dictEntry`, an `sds`
//! key and a `robj` (three allocations, about 113 bytes with the table).
//!
//! # Costs and guarantees
//!
//! - Lookup, insert, delete: expected O(1). Each mutating operation also
//!   moves at most one bucket of a rehash in progress, after skipping at
//!   most ten empty buckets (Redis's `_dictRehashStep`); [`Dict::rehash`]
//!   lets the server's cron move more under a time budget. The table grows
//!   when it holds as many entries as buckets and shrinks below 10% fill,
//!   both by starting such an incremental rehash, so no operation ever
//!   touches a number of buckets proportional to the table. The new bucket
//!   array is allocated zeroed, which the allocator serves from fresh pages
//!   without touching them for large tables (as Redis's `zcalloc`).
//! - Delete keeps the arena dense by moving the arena's last entry into the
//!   hole and fixing the one link that pointed to it (a walk of that
//!   entry's chain). Dense arenas give exact O(1) uniform sampling
//!   ([`Dict::random`]), and the volatile arena alone is the sample space
//!   of the active expire cycle: no second table of expiring keys.
//! - Arenas grow by fixed chunks, never by copying what they hold.
//! - [`Dict::scan`] is Redis's `dictScan`: the cursor is a bucket index
//!   incremented on its reversed bits, so every key present for the whole
//!   scan is returned at least once even when the table grows or shrinks
//!   between calls (keys may be returned twice).
//!
//! # Alternatives considered
//!
//! Open addressing (SwissTable) would drop the chain links, but entries
//! move between slots, which breaks the SCAN guarantee, and it grows by
//! rehashing everything at once. A segmented table (Dragonfly's dashtable)
//! splits one segment at a time but needs a different SCAN cursor and
//! larger buckets. Entries allocated one by one (Redis, Valkey 8) cost an
//! allocation and an 8-byte pointer per key, and random sampling must probe
//! buckets. Limits: at most 2^31 - 1 entries per arena.

use std::hash::BuildHasher;

use crate::hash::KeyHasherBuilder;
use crate::object::Bytes;

/// Expiry time meaning "never".
pub const NO_EXPIRY: i64 = i64::MAX;

/// Redis compat: DICT_HT_INITIAL_SIZE.
const INITIAL_SIZE: usize = 4;
/// Redis compat: HASHTABLE_MIN_FILL, the fill percentage below which a
/// table is shrunk.
const MIN_FILL_PERCENT: usize = 10;
/// Empty buckets a rehash step may skip per bucket it is asked to move.
const EMPTY_VISITS_PER_STEP: usize = 10;

const CHUNK_BITS: usize = 10;
const CHUNK: usize = 1 << CHUNK_BITS;

/// No entry.
const NIL: u32 = 0;

#[inline]
fn make_link(index: usize, volatile: bool) -> u32 {
    assert!(index < (1 << 31) - 1, "keyspace arena full");
    (((index as u32) << 1) | u32::from(volatile)) + 1
}

#[inline]
fn split_link(link: u32) -> (usize, bool) {
    let raw = link - 1;
    ((raw >> 1) as usize, raw & 1 == 1)
}

/// One key and its value, as stored in the table.
#[derive(Debug, Clone)]
pub struct Entry<V> {
    key: Bytes,
    /// The stored value.
    pub value: V,
    next: u32,
    lru: u32,
}

impl<V> Entry<V> {
    /// The key.
    #[inline]
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// Heap bytes the key holds beyond the entry (MEMORY USAGE).
    pub fn key_heap_len(&self) -> usize {
        self.key.heap_len()
    }

    /// The access clock (Unix seconds, truncated to 32 bits) of the last access.
    #[inline]
    pub fn lru(&self) -> u32 {
        self.lru
    }

    /// Records an access at `lru` (see [`Entry::lru`]).
    #[inline]
    pub fn set_lru(&mut self, lru: u32) {
        self.lru = lru;
    }
}

/// Where an entry is, valid until the table is next modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handle(u32);

#[derive(Debug)]
struct Volatile<V> {
    entry: Entry<V>,
    expire_at: i64,
}

/// A dense vector stored in fixed-size chunks: pushing never copies
/// existing elements, and removal swaps the last element into the hole.
#[derive(Debug)]
struct Arena<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Arena<T> {
    const fn new() -> Arena<T> {
        Arena {
            chunks: Vec::new(),
            len: 0,
        }
    }

    #[inline]
    fn get(&self, index: usize) -> &T {
        &self.chunks[index >> CHUNK_BITS][index & (CHUNK - 1)]
    }

    #[inline]
    fn get_mut(&mut self, index: usize) -> &mut T {
        &mut self.chunks[index >> CHUNK_BITS][index & (CHUNK - 1)]
    }

    fn push(&mut self, item: T) -> usize {
        let index = self.len;
        if index == self.chunks.len() * CHUNK {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        self.chunks[index >> CHUNK_BITS].push(item);
        self.len += 1;
        index
    }

    /// Removes element `index`; the last element takes its place.
    fn swap_remove(&mut self, index: usize) -> T {
        let last = self.len - 1;
        let last_item = self.chunks[last >> CHUNK_BITS]
            .pop()
            // INVARIANT: `len` counts the elements, so the chunk holding
            // element `len - 1` is not empty.
            .expect("arena chunk holds its last element");
        self.len = last;
        // Keep one empty chunk as a spare, so a key added and removed at a
        // chunk boundary does not allocate and free a chunk each time.
        if self.chunks.len() * CHUNK >= self.len + 2 * CHUNK {
            self.chunks.pop();
        }
        if index == last {
            last_item
        } else {
            std::mem::replace(self.get_mut(index), last_item)
        }
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

/// The keyspace table: byte-string keys, values of type `V`, and an
/// optional expiry time per key (Unix milliseconds, [`NO_EXPIRY`] if none).
///
/// The table itself never judges expiry: it stores the time and lets the
/// database decide, given its `now`.
pub struct Dict<V> {
    tables: [Vec<u32>; 2],
    used: [usize; 2],
    /// Next bucket of `tables[0]` to move while `tables[1]` is in use.
    rehash_index: usize,
    persistent: Arena<Entry<V>>,
    volatile: Arena<Volatile<V>>,
    hasher: KeyHasherBuilder,
    last_rehash_work: usize,
    /// False while a forked child shares the memory: growing then copies
    /// every page the new table and the moved entries touch.
    resize_allowed: bool,
}

/// Redis compat: with resizing held back, a table still grows once it
/// holds five entries per bucket (`dict_force_resize_ratio`).
const FORCE_RESIZE_RATIO: usize = 5;

/// Chains longer than this count as this in [`TableStats::chain_lengths`].
pub const CHAIN_LENGTH_BUCKETS: usize = 50;

/// Shape of one bucket array (DEBUG HTSTATS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStats {
    /// Buckets.
    pub size: usize,
    /// Entries.
    pub elements: usize,
    /// Buckets holding at least one entry.
    pub used_buckets: usize,
    /// The longest chain.
    pub max_chain: usize,
    /// Entries counted by walking the chains.
    pub chained: usize,
    /// How many buckets have a chain of each length (the last one: that
    /// length or more).
    pub chain_lengths: [usize; CHAIN_LENGTH_BUCKETS],
}

impl<V> std::fmt::Debug for Dict<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dict")
            .field("len", &self.len())
            .field("volatile_len", &self.volatile_len())
            .field("buckets", &self.bucket_count())
            .field("rehashing", &self.is_rehashing())
            .finish()
    }
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Dict::new()
    }
}

impl<V> Dict<V> {
    /// An empty table; it allocates on the first insert.
    pub fn new() -> Dict<V> {
        Dict {
            tables: [Vec::new(), Vec::new()],
            used: [0, 0],
            rehash_index: 0,
            persistent: Arena::new(),
            volatile: Arena::new(),
            hasher: KeyHasherBuilder::default(),
            last_rehash_work: 0,
            resize_allowed: true,
        }
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.persistent.len + self.volatile.len
    }

    /// True when there is no entry.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of entries with an expiry time.
    #[inline]
    pub fn volatile_len(&self) -> usize {
        self.volatile.len
    }

    /// Buckets in both tables (Redis's `dictSlots`).
    pub fn bucket_count(&self) -> usize {
        self.tables[0].len() + self.tables[1].len()
    }

    /// True while entries are being moved to a resized table.
    #[inline]
    pub fn is_rehashing(&self) -> bool {
        !self.tables[1].is_empty()
    }

    /// Buckets visited by the last rehash step (work done by one operation
    /// on behalf of a resize).
    pub fn last_rehash_work(&self) -> usize {
        self.last_rehash_work
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    #[inline]
    fn entry(&self, link: u32) -> &Entry<V> {
        let (index, volatile) = split_link(link);
        if volatile {
            &self.volatile.get(index).entry
        } else {
            self.persistent.get(index)
        }
    }

    #[inline]
    fn entry_mut(&mut self, link: u32) -> &mut Entry<V> {
        let (index, volatile) = split_link(link);
        if volatile {
            &mut self.volatile.get_mut(index).entry
        } else {
            self.persistent.get_mut(index)
        }
    }

    #[inline]
    fn expire_of(&self, link: u32) -> i64 {
        let (index, volatile) = split_link(link);
        if volatile {
            self.volatile.get(index).expire_at
        } else {
            NO_EXPIRY
        }
    }

    /// The link of `key`'s entry.
    fn find(&self, key: &[u8]) -> Option<u32> {
        if self.is_empty() {
            return None;
        }
        let hash = self.hash(key) as usize;
        for table in &self.tables {
            if table.is_empty() {
                break;
            }
            let mut link = table[hash & (table.len() - 1)];
            while link != NIL {
                let entry = self.entry(link);
                if *entry.key == *key {
                    return Some(link);
                }
                link = entry.next;
            }
        }
        None
    }

    /// Where `key`'s entry is; valid until the table is next modified.
    #[inline]
    pub fn locate(&self, key: &[u8]) -> Option<Handle> {
        self.find(key).map(Handle)
    }

    /// The expiry time of the entry at `handle`.
    #[inline]
    pub fn expire_at(&self, handle: Handle) -> i64 {
        self.expire_of(handle.0)
    }

    /// The entry at `handle`.
    #[inline]
    pub fn entry_at(&mut self, handle: Handle) -> &mut Entry<V> {
        self.entry_mut(handle.0)
    }

    /// The entry for `key` and its expiry time.
    pub fn get(&self, key: &[u8]) -> Option<(&Entry<V>, i64)> {
        let link = self.find(key)?;
        Some((self.entry(link), self.expire_of(link)))
    }

    /// The entry for `key`, mutable, and its expiry time.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<(&mut Entry<V>, i64)> {
        let link = self.find(key)?;
        let expire_at = self.expire_of(link);
        Some((self.entry_mut(link), expire_at))
    }

    /// Adds `key`, which must not be present (checked in debug builds).
    pub fn insert_new(&mut self, key: &[u8], value: V, expire_at: i64, lru: u32) {
        debug_assert!(self.find(key).is_none(), "insert_new of a present key");
        let entry = Entry {
            key: Bytes::from_slice(key),
            value,
            next: NIL,
            lru,
        };
        self.insert_entry(entry, expire_at);
    }

    fn insert_entry(&mut self, mut entry: Entry<V>, expire_at: i64) {
        self.rehash_step();
        self.expand_if_needed();
        let table = usize::from(self.is_rehashing());
        let bucket = self.hash(&entry.key) as usize & (self.tables[table].len() - 1);
        entry.next = self.tables[table][bucket];
        let link = if expire_at == NO_EXPIRY {
            make_link(self.persistent.push(entry), false)
        } else {
            make_link(self.volatile.push(Volatile { entry, expire_at }), true)
        };
        self.tables[table][bucket] = link;
        self.used[table] += 1;
    }

    /// Removes `key`, returning its entry and expiry time.
    pub fn remove(&mut self, key: &[u8]) -> Option<(Entry<V>, i64)> {
        self.rehash_step();
        let link = self.detach(key)?;
        Some(self.take(link))
    }

    /// Unlinks `key`'s entry from its chain (it stays in its arena).
    fn detach(&mut self, key: &[u8]) -> Option<u32> {
        if self.is_empty() {
            return None;
        }
        let hash = self.hash(key) as usize;
        for table in 0..2 {
            if self.tables[table].is_empty() {
                break;
            }
            let bucket = hash & (self.tables[table].len() - 1);
            let mut previous = NIL;
            let mut link = self.tables[table][bucket];
            while link != NIL {
                let next = self.entry(link).next;
                if *self.entry(link).key == *key {
                    if previous == NIL {
                        self.tables[table][bucket] = next;
                    } else {
                        self.entry_mut(previous).next = next;
                    }
                    self.used[table] -= 1;
                    return Some(link);
                }
                previous = link;
                link = next;
            }
        }
        None
    }

    /// Removes a detached entry from its arena, fixing the link to the
    /// entry that moves into its place.
    fn take(&mut self, link: u32) -> (Entry<V>, i64) {
        let (index, volatile) = split_link(link);
        let (entry, expire_at, last) = if volatile {
            let last = self.volatile.len - 1;
            let item = self.volatile.swap_remove(index);
            (item.entry, item.expire_at, last)
        } else {
            let last = self.persistent.len - 1;
            (self.persistent.swap_remove(index), NO_EXPIRY, last)
        };
        if last != index {
            self.relink(make_link(last, volatile), link);
        }
        (entry, expire_at)
    }

    /// Replaces the one link equal to `old` (whose entry now lives at `new`) by `new`.
    fn relink(&mut self, old: u32, new: u32) {
        let hash = self.hash(&self.entry(new).key) as usize;
        for table in 0..2 {
            if self.tables[table].is_empty() {
                break;
            }
            let bucket = hash & (self.tables[table].len() - 1);
            if self.tables[table][bucket] == old {
                self.tables[table][bucket] = new;
                return;
            }
            let mut link = self.tables[table][bucket];
            while link != NIL {
                // `old` is never dereferenced: its arena slot is gone.
                let next = self.entry(link).next;
                if next == old {
                    self.entry_mut(link).next = new;
                    return;
                }
                link = next;
            }
        }
        // INVARIANT: every arena entry is linked from exactly one bucket
        // chain of the table its hash selects.
        unreachable!("moved entry not found in its chain");
    }

    /// Sets or clears (`NO_EXPIRY`) the expiry time of `key`; false if absent.
    pub fn set_expire(&mut self, key: &[u8], expire_at: i64) -> bool {
        let Some(link) = self.find(key) else {
            return false;
        };
        let (index, volatile) = split_link(link);
        if volatile == (expire_at != NO_EXPIRY) {
            if volatile {
                self.volatile.get_mut(index).expire_at = expire_at;
            }
            return true;
        }
        // The entry changes arena: unlink it and link it again.
        if let Some(link) = self.detach(key) {
            let (entry, _) = self.take(link);
            self.insert_entry(entry, expire_at);
        }
        true
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.tables = [Vec::new(), Vec::new()];
        self.used = [0, 0];
        self.rehash_index = 0;
        self.persistent = Arena::new();
        self.volatile = Arena::new();
    }

    fn expand_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        if self.tables[0].is_empty() {
            self.resize(INITIAL_SIZE);
        } else if self.used[0] >= self.tables[0].len()
            && (self.resize_allowed || self.used[0] / self.tables[0].len() > FORCE_RESIZE_RATIO)
        {
            // Redis compat: grow at one entry per bucket, to the next power
            // of two above the count (dictExpand(d, used + 1)).
            self.resize(self.used[0] + 1);
        }
    }

    /// Starts a rehash to a table of at least `size` buckets.
    fn resize(&mut self, size: usize) {
        let size = size.max(INITIAL_SIZE).next_power_of_two();
        // Zeroed memory: the allocator hands out untouched pages for large
        // tables, so this costs no time proportional to `size`.
        let table = vec![NIL; size];
        if self.tables[0].is_empty() {
            self.tables[0] = table;
        } else {
            self.tables[1] = table;
            self.rehash_index = 0;
        }
    }

    /// Allows or holds back growing and shrinking (held back while a
    /// forked child shares the memory, as Redis's `dictSetResizeEnabled`).
    pub fn set_resize_allowed(&mut self, allowed: bool) {
        self.resize_allowed = allowed;
    }

    /// Whether growing and shrinking are allowed.
    pub fn resize_allowed(&self) -> bool {
        self.resize_allowed
    }

    /// The shape of the main table (0) or of the rehash target (1), or
    /// `None` when it holds nothing.
    pub fn table_stats(&self, index: usize) -> Option<TableStats> {
        let table = self.tables.get(index)?;
        if self.used[index] == 0 || table.is_empty() {
            return None;
        }
        let mut stats = TableStats {
            size: table.len(),
            elements: self.used[index],
            used_buckets: 0,
            max_chain: 0,
            chained: 0,
            chain_lengths: [0; CHAIN_LENGTH_BUCKETS],
        };
        for &head in table {
            let mut length = 0;
            let mut link = head;
            while link != NIL {
                length += 1;
                link = self.entry(link).next;
            }
            if length > 0 {
                stats.used_buckets += 1;
            }
            stats.chain_lengths[length.min(CHAIN_LENGTH_BUCKETS - 1)] += 1;
            stats.max_chain = stats.max_chain.max(length);
            stats.chained += length;
        }
        Some(stats)
    }

    /// Starts shrinking a table that is less than 10% full (Redis's
    /// `htNeedsResize` + `dictResize`, called from cron). True if it did.
    pub fn shrink_if_needed(&mut self) -> bool {
        let size = self.tables[0].len();
        if self.is_rehashing()
            || !self.resize_allowed
            || size <= INITIAL_SIZE
            || self.used[0] * 100 / size >= MIN_FILL_PERCENT
        {
            return false;
        }
        let target = self.used[0].max(INITIAL_SIZE).next_power_of_two();
        if target >= size {
            return false;
        }
        self.resize(target);
        true
    }

    #[inline]
    fn rehash_step(&mut self) {
        if self.is_rehashing() {
            self.last_rehash_work = self.rehash(1);
        }
    }

    /// Moves up to `buckets` non-empty buckets of a rehash in progress,
    /// skipping at most ten empty buckets per bucket asked for. Returns the
    /// number of buckets visited; [`Dict::is_rehashing`] says if more remain.
    pub fn rehash(&mut self, buckets: usize) -> usize {
        let mut visited = 0;
        let mut empty_visits = buckets * EMPTY_VISITS_PER_STEP;
        for _ in 0..buckets {
            if !self.is_rehashing() {
                break;
            }
            if self.used[0] == 0 {
                self.finish_rehash();
                break;
            }
            while self.tables[0][self.rehash_index] == NIL {
                self.rehash_index += 1;
                visited += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    return visited;
                }
            }
            let mut link = std::mem::replace(&mut self.tables[0][self.rehash_index], NIL);
            let mask = self.tables[1].len() - 1;
            while link != NIL {
                let hash = self.hash(&self.entry(link).key) as usize;
                let bucket = hash & mask;
                let head = self.tables[1][bucket];
                let next = std::mem::replace(&mut self.entry_mut(link).next, head);
                self.tables[1][bucket] = link;
                self.used[0] -= 1;
                self.used[1] += 1;
                link = next;
            }
            self.rehash_index += 1;
            visited += 1;
        }
        if self.is_rehashing() && self.used[0] == 0 {
            self.finish_rehash();
        }
        visited
    }

    fn finish_rehash(&mut self) {
        self.tables[0] = std::mem::take(&mut self.tables[1]);
        self.used = [self.used[1], 0];
        self.rehash_index = 0;
    }

    /// The entry at position `sample` modulo the number of entries: with a
    /// uniform `sample`, a uniformly chosen entry. `None` if empty.
    pub fn random(&self, sample: u64) -> Option<(&Entry<V>, i64)> {
        let len = self.len() as u64;
        if len == 0 {
            return None;
        }
        let index = (sample % len) as usize;
        Some(if index < self.persistent.len {
            (self.persistent.get(index), NO_EXPIRY)
        } else {
            let item = self.volatile.get(index - self.persistent.len);
            (&item.entry, item.expire_at)
        })
    }

    /// The volatile entry at `index` (below [`Dict::volatile_len`]).
    pub fn volatile_at(&self, index: usize) -> (&Entry<V>, i64) {
        let item = self.volatile.get(index);
        (&item.entry, item.expire_at)
    }

    /// Every entry with its expiry time, in arena order.
    pub fn iter(&self) -> impl Iterator<Item = (&Entry<V>, i64)> {
        self.persistent
            .iter()
            .map(|entry| (entry, NO_EXPIRY))
            .chain(
                self.volatile
                    .iter()
                    .map(|item| (&item.entry, item.expire_at)),
            )
    }

    fn scan_bucket(&self, table: usize, bucket: u64, f: &mut impl FnMut(&Entry<V>, i64)) {
        let table = &self.tables[table];
        let mut link = table[bucket as usize & (table.len() - 1)];
        while link != NIL {
            let entry = self.entry(link);
            f(entry, self.expire_of(link));
            link = entry.next;
        }
    }

    /// One SCAN step (Redis's `dictScan`): calls `f` for the entries of the
    /// bucket(s) at `cursor` and returns the next cursor, 0 when done.
    ///
    /// The cursor's bits are incremented from the most significant bit of
    /// the table mask down, so the buckets already visited in a table of
    /// size 2^n are exactly those whose expansions in a table of 2^m were
    /// visited too; while two tables exist, every bucket of the larger one
    /// that expands the smaller one's bucket is visited in the same step.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&Entry<V>, i64)) -> u64 {
        if self.is_empty() || self.tables[0].is_empty() {
            return 0;
        }
        let mut v = cursor;
        if !self.is_rehashing() {
            let mask = (self.tables[0].len() - 1) as u64;
            self.scan_bucket(0, v, &mut f);
            return reverse_increment(v, mask);
        }
        let (small, large) = if self.tables[0].len() <= self.tables[1].len() {
            (0, 1)
        } else {
            (1, 0)
        };
        let small_mask = (self.tables[small].len() - 1) as u64;
        let large_mask = (self.tables[large].len() - 1) as u64;
        self.scan_bucket(small, v, &mut f);
        // The remaining expansions of the small bucket in the large table,
        // in reverse-binary order like the cursor itself: a cursor that
        // was returned while the large table stood alone (a shrink began
        // since) already covers the expansions that come before it. When
        // the bits the large mask adds wrap to zero, the carry has moved
        // the small table's part of the cursor on.
        loop {
            self.scan_bucket(large, v, &mut f);
            v = reverse_increment(v, large_mask);
            if v & (small_mask ^ large_mask) == 0 {
                break;
            }
        }
        v
    }
}

/// Increments the bits of `cursor` under `mask` as a number read from its
/// most significant bit down (Redis's reverse-binary cursor step).
fn reverse_increment(cursor: u64, mask: u64) -> u64 {
    (cursor | !mask)
        .reverse_bits()
        .wrapping_add(1)
        .reverse_bits()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn key(n: u32) -> Vec<u8> {
        format!("key:{n}").into_bytes()
    }

    /// Checks every structural invariant against `model`.
    fn check_against(dict: &Dict<u32>, model: &BTreeMap<Vec<u8>, (u32, i64)>) {
        assert_eq!(dict.len(), model.len());
        let volatile = model.values().filter(|(_, at)| *at != NO_EXPIRY).count();
        assert_eq!(dict.volatile_len(), volatile);
        for (key, (value, at)) in model {
            let (entry, expire_at) = dict.get(key).expect("model key present");
            assert_eq!((entry.value, expire_at), (*value, *at));
            assert_eq!(entry.key(), &key[..]);
        }
        let mut linked = 0;
        for table in &dict.tables {
            for &head in table {
                let mut link = head;
                while link != NIL {
                    linked += 1;
                    link = dict.entry(link).next;
                }
            }
        }
        assert_eq!(linked, dict.len(), "every entry linked exactly once");
        assert_eq!(dict.used[0] + dict.used[1], dict.len());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u32, bool),
        Remove(u32),
        SetExpire(u32, bool),
        Shrink,
        Rehash(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..400u32, any::<bool>()).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => (0..400u32).prop_map(Op::Remove),
            1 => (0..400u32, any::<bool>()).prop_map(|(k, v)| Op::SetExpire(k, v)),
            1 => Just(Op::Shrink),
            1 => (1..50usize).prop_map(Op::Rehash),
        ]
    }

    fn apply(dict: &mut Dict<u32>, model: &mut BTreeMap<Vec<u8>, (u32, i64)>, op: &Op, n: u32) {
        match *op {
            Op::Insert(k, volatile) => {
                let at = if volatile {
                    1000 + i64::from(k)
                } else {
                    NO_EXPIRY
                };
                if let Some((entry, _)) = dict.get_mut(&key(k)) {
                    entry.value = n;
                    dict.set_expire(&key(k), at);
                } else {
                    dict.insert_new(&key(k), n, at, 0);
                }
                model.insert(key(k), (n, at));
            }
            Op::Remove(k) => {
                let removed = dict.remove(&key(k)).map(|(e, at)| (e.value, at));
                assert_eq!(removed, model.remove(&key(k)));
            }
            Op::SetExpire(k, volatile) => {
                let at = if volatile { 5 } else { NO_EXPIRY };
                let present = dict.set_expire(&key(k), at);
                assert_eq!(present, model.contains_key(&key(k)));
                if let Some(slot) = model.get_mut(&key(k)) {
                    slot.1 = at;
                }
            }
            Op::Shrink => {
                dict.shrink_if_needed();
            }
            Op::Rehash(n) => {
                dict.rehash(n);
            }
        }
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreemap(ops in proptest::collection::vec(op(), 1..600)) {
            let mut dict = Dict::new();
            let mut model = BTreeMap::new();
            for (n, op) in ops.iter().enumerate() {
                apply(&mut dict, &mut model, op, n as u32);
            }
            check_against(&dict, &model);
            let iterated: BTreeSet<Vec<u8>> = dict.iter().map(|(e, _)| e.key().to_vec()).collect();
            prop_assert_eq!(iterated, model.keys().cloned().collect::<BTreeSet<_>>());
        }

        #[test]
        fn scan_returns_every_key_present_throughout(
            initial in 0..600u32,
            ops in proptest::collection::vec(op(), 0..400),
            per_step in 1..20usize,
        ) {
            let mut dict = Dict::new();
            let mut model = BTreeMap::new();
            for k in 0..initial {
                apply(&mut dict, &mut model, &Op::Insert(k + 10_000, false), k);
            }
            // Keys never touched by `ops` (which use 0..400) are present for the whole scan.
            let stable: BTreeSet<Vec<u8>> = model.keys().cloned().collect();
            let mut seen = BTreeSet::new();
            let mut cursor = 0;
            let mut ops = ops.iter();
            let mut steps = 0;
            loop {
                cursor = dict.scan(cursor, |entry, _| {
                    seen.insert(entry.key().to_vec());
                });
                steps += 1;
                if cursor == 0 {
                    break;
                }
                for op in ops.by_ref().take(per_step) {
                    apply(&mut dict, &mut model, op, steps);
                }
                prop_assert!(steps < 1_000_000, "scan terminates");
            }
            prop_assert!(stable.is_subset(&seen), "missing {:?}", stable.difference(&seen).next());
        }
    }

    #[test]
    fn growth_moves_a_bounded_amount_per_operation() {
        let mut dict = Dict::new();
        let mut max_work = 0;
        let mut rehashing_inserts = 0;
        for n in 0..2_000_000u32 {
            dict.insert_new(&n.to_le_bytes(), n, NO_EXPIRY, 0);
            if dict.is_rehashing() {
                rehashing_inserts += 1;
            }
            max_work = max_work.max(dict.last_rehash_work());
        }
        assert!(
            rehashing_inserts > 1_000_000,
            "the table grew incrementally"
        );
        // One bucket moved plus at most ten empty ones skipped: a constant,
        // whatever the table size.
        assert!(max_work <= 1 + EMPTY_VISITS_PER_STEP, "max work {max_work}");
        assert_eq!(dict.bucket_count(), 1 << 21);
        for n in (0..2_000_000u32).step_by(9973) {
            assert_eq!(dict.get(&n.to_le_bytes()).map(|(e, _)| e.value), Some(n));
        }
    }

    #[test]
    fn shrinking_is_incremental_and_keeps_every_key() {
        let mut dict = Dict::new();
        for n in 0..10_000u32 {
            dict.insert_new(&key(n), n, NO_EXPIRY, 0);
        }
        for n in 100..10_000u32 {
            assert!(dict.remove(&key(n)).is_some());
        }
        assert!(dict.shrink_if_needed());
        assert!(dict.is_rehashing());
        while dict.is_rehashing() {
            assert!(dict.rehash(1) <= 1 + EMPTY_VISITS_PER_STEP);
        }
        assert_eq!(dict.bucket_count(), 128);
        for n in 0..100u32 {
            assert_eq!(dict.get(&key(n)).map(|(e, _)| e.value), Some(n));
        }
    }

    /// Regression: a cursor handed out while the big table stood alone,
    /// continued once a shrink had begun, skipped buckets (the expansions
    /// were walked in plain binary order instead of the cursor's).
    #[test]
    fn a_scan_across_a_shrink_returns_every_key_present_throughout() {
        // Cursors at many positions of the big table's walk, so the small
        // table's bucket and the expansions already walked both vary.
        for steps_before_shrink in (1usize..600).step_by(11) {
            for rehash_between in [0usize, 3] {
                let mut dict = Dict::new();
                for n in 0..4_000u32 {
                    dict.insert_new(&key(n), n, NO_EXPIRY, 0);
                }
                while dict.is_rehashing() {
                    dict.rehash(100);
                }
                let mut seen = BTreeSet::new();
                let mut cursor = 0;
                for _ in 0..steps_before_shrink {
                    cursor = dict.scan(cursor, |entry, _| {
                        seen.insert(entry.key().to_vec());
                    });
                }
                for n in 50..4_000u32 {
                    dict.remove(&key(n));
                }
                assert!(dict.shrink_if_needed());
                let mut steps = 0;
                while cursor != 0 {
                    cursor = dict.scan(cursor, |entry, _| {
                        seen.insert(entry.key().to_vec());
                    });
                    dict.rehash(rehash_between);
                    steps += 1;
                    assert!(steps < 100_000, "the scan ends");
                }
                for n in 0..50u32 {
                    assert!(
                        seen.contains(&key(n)),
                        "key {n} missed ({steps_before_shrink} steps before, {rehash_between} rehashed between)"
                    );
                }
            }
        }
    }

    #[test]
    fn random_covers_both_arenas_uniformly_by_position() {
        let mut dict = Dict::new();
        dict.insert_new(b"a", 1, NO_EXPIRY, 0);
        dict.insert_new(b"b", 2, 77, 0);
        assert_eq!(
            dict.random(0).map(|(e, at)| (e.key().to_vec(), at)),
            Some((b"a".to_vec(), NO_EXPIRY))
        );
        assert_eq!(
            dict.random(1).map(|(e, at)| (e.key().to_vec(), at)),
            Some((b"b".to_vec(), 77))
        );
        assert_eq!(dict.random(2).map(|(e, _)| e.value), Some(1));
        assert!(Dict::<u32>::new().random(5).is_none());
    }

    #[test]
    fn entries_stay_small() {
        assert_eq!(std::mem::size_of::<Entry<crate::object::Value>>(), 56);
        assert_eq!(std::mem::size_of::<Volatile<crate::object::Value>>(), 64);
    }
}
