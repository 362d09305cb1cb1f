//! One logical database: keys, their values and their expiry times.
//!
//! Storage is the keyspace [`Dict`]; this layer adds the rules. A key whose
//! time has passed is treated as absent by every lookup and removed on the
//! spot (lazy expiry); the active cycle in [`crate::expire`] reclaims keys
//! nobody reads. Every operation that judges expiry takes `now_ms`.
//!
//! Keyspace hits and misses (INFO stats) are counted here, by the read
//! lookups, while the server has switched counting on for the command
//! running (Redis counts in `lookupKeyRead`, not in `lookupKeyWrite`).
//! Lookups that serve a write (`take`, `remove`, `set_expiry`,
//! `lookup_for_write`) and walks over the table never count.

use crate::dict::Dict;
use crate::object::Value;

pub use crate::dict::NO_EXPIRY;

/// A key's entry: `entry.value` is the stored value.
pub type Entry = crate::dict::Entry<Value>;

/// A value taken out of a database with what travels with it (RENAME, MOVE).
#[derive(Debug)]
pub struct Taken {
    /// The value.
    pub value: Value,
    /// Its expiry time, [`NO_EXPIRY`] if none.
    pub expire_at_ms: i64,
    /// Its access clock.
    pub lru: u32,
}

/// The access clock of an instant: Unix seconds, truncated to 32 bits.
#[inline]
pub fn lru_clock(now_ms: i64) -> u32 {
    (now_ms.div_euclid(1000)) as u32
}

/// Redis compat: a key is expired strictly after its expiry time.
#[inline]
fn is_expired(expire_at_ms: i64, now_ms: i64) -> bool {
    now_ms > expire_at_ms
}

/// A change to the keyspace made as a side effect of a lookup or insert,
/// which the server may have to announce (keyspace notifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEvent {
    /// The key was removed because its time had passed.
    Expired,
    /// The key did not exist and was created.
    Created,
    /// A read lookup (one counted in the keyspace statistics) found no key.
    Missed,
}

impl KeyEvent {
    const fn bit(self) -> u8 {
        match self {
            KeyEvent::Expired => 1,
            KeyEvent::Created => 2,
            KeyEvent::Missed => 4,
        }
    }
}

/// What a lookup is for, which decides what it counts and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    /// For a write: neither counted nor logged as a miss.
    Write,
    /// A read: counted while counting is on, and a miss is logged.
    Read,
    /// A read whose miss is counted but not logged (Redis's OBJECT).
    ReadUnannounced,
}

/// Read lookups that found a live key, and those that did not.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LookupStats {
    /// Lookups that found the key (`keyspace_hits`).
    pub hits: u64,
    /// Lookups that did not (`keyspace_misses`).
    pub misses: u64,
}

/// A database: the keyspace of one `SELECT` index.
#[derive(Debug)]
pub struct Db {
    dict: Dict<Value>,
    expired_keys: u64,
    /// Until this time (ms), keys past their expiry time read as absent but
    /// are not removed: while clients are paused the dataset must not
    /// change (Redis compat: CLIENT PAUSE holds back expiry too).
    pub keep_expired_until_ms: i64,
    /// A replica's database: keys past their time are reported absent but
    /// never removed here (the primary sends their deletion).
    pub replica: bool,
    /// The primary's commands are being applied: every key is live
    /// whatever its time, so the replica changes exactly what the primary did.
    pub obey_primary: bool,
    /// Whether read lookups count now, and what they have counted.
    count_reads: bool,
    lookup_stats: LookupStats,
    /// Access clock of the latest `now` this database was given, for
    /// inserts that take no time.
    clock: u32,
    /// The latest `now` this database was given, milliseconds: inserts,
    /// which take no time, judge a replaced key's expiry by it.
    now_ms: i64,
    rng: u64,
    /// Which kinds of [`KeyEvent`] are logged in `key_events` (their bits).
    record_key_events: u8,
    /// Expiries, creations and misses since the server last drained them,
    /// in order.
    key_events: Vec<(KeyEvent, Vec<u8>)>,
    /// Next volatile arena position the active expire cycle samples.
    pub(crate) expire_cursor: usize,
    /// Running average of sampled TTLs in milliseconds (INFO keyspace).
    pub(crate) avg_ttl: i64,
    /// Names of keys removed on expiry, kept once someone asked for them
    /// (the server invalidates them for client-side caching).
    expired_log: Option<Vec<Vec<u8>>>,
}

impl Default for Db {
    fn default() -> Self {
        Db::new()
    }
}

impl Db {
    /// An empty database.
    pub fn new() -> Db {
        use std::hash::BuildHasher;
        static INSTANCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let instance = INSTANCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Db {
            dict: Dict::new(),
            expired_keys: 0,
            keep_expired_until_ms: 0,
            replica: false,
            obey_primary: false,
            count_reads: false,
            lookup_stats: LookupStats::default(),
            clock: 0,
            now_ms: 0,
            rng: crate::hash::KeyHasherBuilder::default().hash_one(instance),
            record_key_events: 0,
            key_events: Vec::new(),
            expire_cursor: 0,
            avg_ttl: 0,
            expired_log: None,
        }
    }

    /// From now on, records the names of keys removed on expiry for
    /// [`Db::take_expired_log`].
    pub fn log_expired_keys(&mut self) {
        self.expired_log.get_or_insert_with(Vec::new);
    }

    /// The keys removed on expiry since the last call (none unless
    /// [`Db::log_expired_keys`] was called).
    pub fn take_expired_log(&mut self) -> Vec<Vec<u8>> {
        self.expired_log
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    #[inline]
    fn note_expired(&mut self, key: &[u8]) {
        if let Some(log) = &mut self.expired_log {
            log.push(key.to_vec());
        }
    }

    /// Number of keys, counting expired keys not yet reclaimed (as Redis's DBSIZE does).
    pub fn len(&self) -> usize {
        self.dict.len()
    }

    /// True when the database holds no key.
    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// Number of keys with an expiry time.
    pub fn volatile_len(&self) -> usize {
        self.dict.volatile_len()
    }

    /// Keys removed because their time had passed, since creation.
    pub fn expired_keys(&self) -> u64 {
        self.expired_keys
    }

    /// Switches the counting of read lookups on or off (the server turns
    /// it on around commands whose lookups Redis counts).
    #[inline]
    pub fn set_count_reads(&mut self, on: bool) {
        self.count_reads = on;
    }

    /// Logs exactly the kinds of key events in `kinds` from now on; none
    /// (the default) costs one branch on the paths that would log.
    pub fn set_record_key_events(&mut self, kinds: &[KeyEvent]) {
        self.record_key_events = kinds.iter().fold(0, |bits, kind| bits | kind.bit());
        self.key_events
            .retain(|(kind, _)| kind.bit() & self.record_key_events != 0);
    }

    #[inline]
    fn log_key_event(&mut self, kind: KeyEvent, key: &[u8]) {
        if self.record_key_events & kind.bit() != 0 {
            self.key_events.push((kind, key.to_vec()));
        }
    }

    /// Counts a lookup that found no live key, and logs it if it was a read.
    #[inline]
    fn missed(&mut self, key: &[u8], lookup: Lookup) {
        if lookup == Lookup::Write || !self.count_reads {
            return;
        }
        self.lookup_stats.misses += 1;
        if lookup == Lookup::Read {
            self.log_key_event(KeyEvent::Missed, key);
        }
    }

    /// True when expiries or creations wait to be drained.
    #[inline]
    pub fn has_key_events(&self) -> bool {
        !self.key_events.is_empty()
    }

    /// Takes the logged expiries and creations, oldest first.
    pub fn drain_key_events(&mut self) -> Vec<(KeyEvent, Vec<u8>)> {
        std::mem::take(&mut self.key_events)
    }

    /// Removes an expired key, counting and logging it.
    fn remove_expired(&mut self, key: &[u8]) {
        self.dict.remove(key);
        self.expired_keys += 1;
        self.note_expired(key);
        self.log_key_event(KeyEvent::Expired, key);
    }

    /// Removes `key` if its time has passed, even in a replica's database
    /// (keys a writable replica's own clients gave an expiry). True if it
    /// was removed.
    pub fn remove_if_expired(&mut self, key: &[u8], now_ms: i64) -> bool {
        match self.dict.get(key) {
            Some((_, expire_at_ms)) if is_expired(expire_at_ms, now_ms) => {
                self.remove_expired(key);
                true
            }
            _ => false,
        }
    }

    /// Read lookups counted so far.
    pub fn lookup_stats(&self) -> LookupStats {
        self.lookup_stats
    }

    /// Forgets the counted lookups (CONFIG RESETSTAT).
    pub fn reset_lookup_stats(&mut self) {
        self.lookup_stats = LookupStats::default();
    }

    /// Average TTL of the keys the active expire cycle sampled, milliseconds.
    pub fn avg_ttl(&self) -> i64 {
        self.avg_ttl
    }

    /// Sets the instant inserts record as their access time (the server
    /// calls this once per event-loop iteration).
    #[inline]
    pub fn set_clock(&mut self, now_ms: i64) {
        self.clock = lru_clock(now_ms);
        self.now_ms = now_ms;
    }

    /// Bytes the keyspace table itself takes, apart from keys and values:
    /// (entries and buckets, expiry times) for MEMORY STATS.
    pub fn table_overhead(&self) -> (usize, usize) {
        let main = self.dict.len() * std::mem::size_of::<Entry>()
            + self.dict.bucket_count() * std::mem::size_of::<u32>();
        (main, self.dict.volatile_len() * std::mem::size_of::<i64>())
    }

    /// Allows or holds back resizing the key table (held back while a
    /// forked child shares the memory).
    pub fn set_resize_allowed(&mut self, allowed: bool) {
        self.dict.set_resize_allowed(allowed);
    }

    /// The shape of the key table's main (0) or rehash target (1) bucket
    /// array (DEBUG HTSTATS).
    pub fn table_stats(&self, index: usize) -> Option<crate::dict::TableStats> {
        self.dict.table_stats(index)
    }

    /// Buckets in the table (Redis's `dictSlots`).
    pub fn bucket_count(&self) -> usize {
        self.dict.bucket_count()
    }

    /// A uniformly distributed 64-bit number (splitmix64).
    pub(crate) fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The live entry for `key` and its expiry time, removing the key first
    /// if it has expired. With `touch`, records the access; a read
    /// `lookup` counts a hit or a miss if counting is on.
    #[inline]
    fn find_live(
        &mut self,
        key: &[u8],
        now_ms: i64,
        touch: bool,
        lookup: Lookup,
    ) -> Option<(&mut Entry, i64)> {
        self.clock = lru_clock(now_ms);
        self.now_ms = now_ms;
        if self.dict.is_rehashing() {
            self.dict.rehash(1);
        }
        let Some(handle) = self.dict.locate(key) else {
            self.missed(key, lookup);
            return None;
        };
        let expire_at_ms = self.dict.expire_at(handle);
        if is_expired(expire_at_ms, now_ms) && !self.obey_primary {
            if now_ms >= self.keep_expired_until_ms && !self.replica {
                self.remove_expired(key);
            }
            self.missed(key, lookup);
            return None;
        }
        self.lookup_stats.hits += u64::from(lookup != Lookup::Write && self.count_reads);
        let clock = self.clock;
        let entry = self.dict.entry_at(handle);
        if touch {
            entry.set_lru(clock);
        }
        Some((entry, expire_at_ms))
    }

    /// The live entry for `key`, removing it first if it has expired.
    #[inline]
    pub fn lookup(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Entry> {
        self.find_live(key, now_ms, true, Lookup::Read)
            .map(|(entry, _)| entry)
    }

    /// Like [`Db::lookup`] for a key about to be written: never counted as
    /// a hit or a miss (Redis's `lookupKeyWrite`).
    #[inline]
    pub fn lookup_for_write(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Entry> {
        self.find_live(key, now_ms, true, Lookup::Write)
            .map(|(entry, _)| entry)
    }

    /// The live entry for `key` and its expiry time ([`NO_EXPIRY`] if none).
    #[inline]
    pub fn lookup_with_expiry(&mut self, key: &[u8], now_ms: i64) -> Option<(&mut Entry, i64)> {
        self.find_live(key, now_ms, true, Lookup::Read)
    }

    /// Like [`Db::lookup_with_expiry`] without recording an access
    /// (EXISTS, TYPE).
    pub fn peek(&mut self, key: &[u8], now_ms: i64) -> Option<(&Entry, i64)> {
        self.find_live(key, now_ms, false, Lookup::Read)
            .map(|(entry, at)| (&*entry, at))
    }

    /// Like [`Db::peek`], but a miss is not logged as a key event (OBJECT,
    /// DEBUG OBJECT: Redis compat, their lookups announce no miss).
    pub fn peek_for_object(&mut self, key: &[u8], now_ms: i64) -> Option<(&Entry, i64)> {
        self.find_live(key, now_ms, false, Lookup::ReadUnannounced)
            .map(|(entry, at)| (&*entry, at))
    }

    /// Whether `key` is live, removing it if it has expired, without
    /// recording an access or counting a lookup (SCAN's filter).
    pub fn is_live(&mut self, key: &[u8], now_ms: i64) -> Option<&Value> {
        self.find_live(key, now_ms, false, Lookup::Write)
            .map(|(entry, _)| &entry.value)
    }

    /// Estimated bytes `key` costs (MEMORY USAGE): its table entry, the
    /// key's and the value's heap bytes, elements sampled as
    /// [`Value::memory_usage`] does.
    // Redis compat: MEMORY USAGE finds the key without judging its expiry
    // time, so a logically expired key not yet reclaimed still reports.
    pub fn memory_usage(&self, key: &[u8], samples: usize) -> Option<usize> {
        let (entry, expire_at_ms) = self.dict.get(key)?;
        let expiry = if expire_at_ms == NO_EXPIRY {
            0
        } else {
            std::mem::size_of::<i64>()
        };
        Some(
            std::mem::size_of::<Entry>()
                + std::mem::size_of::<u32>()
                + expiry
                + entry.key_heap_len()
                + entry.value.memory_usage(samples),
        )
    }

    /// The expiry time of a live key ([`NO_EXPIRY`] if none); `None` if absent.
    pub fn expire_at(&mut self, key: &[u8], now_ms: i64) -> Option<i64> {
        self.find_live(key, now_ms, false, Lookup::Read)
            .map(|(_, at)| at)
    }

    /// The live value for `key`.
    #[inline]
    pub fn get(&mut self, key: &[u8], now_ms: i64) -> Option<&Value> {
        self.lookup(key, now_ms).map(|entry| &entry.value)
    }

    /// True if `key` exists and has not expired.
    pub fn contains(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.lookup(key, now_ms).is_some()
    }

    /// Stores `value` under `key` with the given expiry, replacing any
    /// previous value and expiry.
    pub fn insert(&mut self, key: &[u8], value: Value, expire_at_ms: i64) {
        let clock = self.clock;
        let (now_ms, keep_expired) = (
            self.now_ms,
            self.now_ms < self.keep_expired_until_ms || self.replica || self.obey_primary,
        );
        if let Some((entry, previous_expiry)) = self.dict.get_mut(key) {
            // Redis compat: a key past its time is expired first, then the
            // new value is a new key (Redis looks the key up before writing).
            if keep_expired || !is_expired(previous_expiry, now_ms) {
                entry.value = value;
                entry.set_lru(clock);
                self.dict.set_expire(key, expire_at_ms);
                return;
            }
            self.remove_expired(key);
        }
        self.dict.insert_new(key, value, expire_at_ms, clock);
        self.log_key_event(KeyEvent::Created, key);
    }

    /// Stores `value` under `key`, keeping the expiry of a live previous value.
    pub fn insert_keep_ttl(&mut self, key: &[u8], value: Value, now_ms: i64) {
        match self.lookup_for_write(key, now_ms) {
            Some(entry) => entry.value = value,
            None => self.insert(key, value, NO_EXPIRY),
        }
    }

    /// Removes `key`; false if it did not exist (or had expired).
    pub fn remove(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.take(key, now_ms).is_some()
    }

    /// Removes a live `key` and returns its value, expiry and access clock.
    pub fn take(&mut self, key: &[u8], now_ms: i64) -> Option<Taken> {
        self.find_live(key, now_ms, false, Lookup::Write)?;
        let (entry, expire_at_ms) = self.dict.remove(key)?;
        Some(Taken {
            lru: entry.lru(),
            value: entry.value,
            expire_at_ms,
        })
    }

    /// Stores a value taken from a database under `key`, replacing any
    /// previous value (RENAME, MOVE).
    pub fn insert_taken(&mut self, key: &[u8], taken: Taken) {
        self.insert(key, taken.value, taken.expire_at_ms);
        if let Some((entry, _)) = self.dict.get_mut(key) {
            entry.set_lru(taken.lru);
        }
    }

    /// Sets the expiry of a live key; false if there is no such key.
    pub fn set_expiry(&mut self, key: &[u8], expire_at_ms: i64, now_ms: i64) -> bool {
        if self.find_live(key, now_ms, true, Lookup::Write).is_none() {
            return false;
        }
        self.dict.set_expire(key, expire_at_ms)
    }

    /// Live keys matching `filter`, in table order.
    pub fn keys_where(&self, now_ms: i64, mut filter: impl FnMut(&[u8]) -> bool) -> Vec<&[u8]> {
        self.dict
            .iter()
            .filter(|(entry, at)| !is_expired(*at, now_ms) && filter(entry.key()))
            .map(|(entry, _)| entry.key())
            .collect()
    }

    /// The entry for `key` even if logically expired, without removing it
    /// (DEBUG DIGEST-VALUE).
    pub fn peek_even_if_expired(&mut self, key: &[u8], _now_ms: i64) -> Option<(&Entry, i64)> {
        self.dict.get(key)
    }

    /// Whether `key` is present and live, without removing it if expired
    /// (for deciding whose WATCH a flush dooms).
    pub fn get_for_watch(&self, key: &[u8], now_ms: i64) -> bool {
        self.dict
            .get(key)
            .is_some_and(|(_, expire_at_ms)| !is_expired(expire_at_ms, now_ms))
    }

    /// Every entry with its expiry time, expired or not, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (&Entry, i64)> {
        self.dict.iter()
    }

    /// Removes every key; returns how many there were.
    pub fn clear(&mut self) -> usize {
        let removed = self.dict.len();
        self.dict.clear();
        self.expire_cursor = 0;
        self.avg_ttl = 0;
        removed
    }

    /// Moves every key into a new database and returns it, leaving this one
    /// empty: FLUSHDB ASYNC hands the returned database to a background
    /// thread instead of freeing each value here.
    pub fn take_contents(&mut self) -> Db {
        let mut contents = Db::new();
        self.swap_contents(&mut contents);
        contents
    }

    /// Exchanges keys, values and expiries with `other`, each database
    /// keeping its own settings (loading a file swaps a freshly filled
    /// database in without notifying anyone of each key).
    pub fn swap_contents(&mut self, other: &mut Db) {
        let (mine, theirs) = (self.dict.resize_allowed(), other.dict.resize_allowed());
        std::mem::swap(&mut other.dict, &mut self.dict);
        self.dict.set_resize_allowed(mine);
        other.dict.set_resize_allowed(theirs);
        self.expire_cursor = 0;
        self.avg_ttl = 0;
        other.expire_cursor = 0;
        other.avg_ttl = 0;
    }

    /// A random live key (RANDOMKEY); expired keys met on the way are removed.
    pub fn random_key(&mut self, now_ms: i64) -> Option<Vec<u8>> {
        // While expired keys are kept, they cannot be removed to make
        // progress: after this many, one of them is returned, as Redis does.
        let mut kept_expired_tries = 100;
        loop {
            let sample = self.next_random();
            let (entry, expire_at_ms) = self.dict.random(sample)?;
            if !is_expired(expire_at_ms, now_ms) {
                return Some(entry.key().to_vec());
            }
            if now_ms < self.keep_expired_until_ms || self.replica {
                kept_expired_tries -= 1;
                if kept_expired_tries == 0 {
                    return Some(entry.key().to_vec());
                }
                continue;
            }
            let key = entry.key().to_vec();
            self.remove_expired(&key);
        }
    }

    /// One SCAN step from `cursor`: calls `f` with every key of the visited
    /// buckets and its entry, expired or not (the caller filters, then
    /// expires), and returns the next cursor (0 when the scan is complete).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&Entry, i64)) -> u64 {
        self.dict.scan(cursor, |entry, at| f(entry, at))
    }

    /// True while the table is being resized.
    pub fn is_rehashing(&self) -> bool {
        self.dict.is_rehashing()
    }

    /// Moves up to `buckets` buckets of a resize in progress; true while
    /// more remain.
    pub fn rehash(&mut self, buckets: usize) -> bool {
        self.dict.rehash(buckets);
        self.dict.is_rehashing()
    }

    /// Starts shrinking the table if it is mostly empty (cron).
    pub fn shrink_if_needed(&mut self) -> bool {
        self.dict.shrink_if_needed()
    }

    /// Checks up to `count` volatile keys from the expire cursor, removing
    /// the expired ones. Returns (sampled, expired, sum of positive TTLs,
    /// number of positive TTLs).
    pub(crate) fn expire_sample(
        &mut self,
        now_ms: i64,
        count: usize,
    ) -> (usize, usize, i64, usize) {
        let (mut sampled, mut expired, mut ttl_sum, mut ttl_samples) = (0, 0, 0i64, 0);
        while sampled < count && self.dict.volatile_len() > 0 {
            if self.expire_cursor >= self.dict.volatile_len() {
                self.expire_cursor = 0;
            }
            let (entry, expire_at_ms) = self.dict.volatile_at(self.expire_cursor);
            sampled += 1;
            let ttl = expire_at_ms.saturating_sub(now_ms);
            if is_expired(expire_at_ms, now_ms) {
                // The arena's last key moves into this position: look at
                // the same position again next.
                let key = entry.key().to_vec();
                self.remove_expired(&key);
                expired += 1;
            } else {
                self.expire_cursor += 1;
            }
            if ttl > 0 {
                ttl_sum = ttl_sum.saturating_add(ttl);
                ttl_samples += 1;
            }
        }
        (sampled, expired, ttl_sum, ttl_samples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::StrValue;

    fn string(bytes: &[u8]) -> Value {
        Value::Str(StrValue::from_bytes(bytes))
    }

    #[test]
    fn expired_keys_vanish_on_lookup_and_are_counted() {
        let mut db = Db::new();
        db.insert(b"k", string(b"v"), 1000);
        assert!(
            db.contains(b"k", 1000),
            "a key lives up to and including its expiry time"
        );
        assert_eq!(db.volatile_len(), 1);
        assert!(!db.contains(b"k", 1001));
        assert_eq!(db.len(), 0);
        assert_eq!(db.volatile_len(), 0);
        assert_eq!(db.expired_keys(), 1);
    }

    #[test]
    fn expired_keys_are_logged_only_once_asked_for() {
        let mut db = Db::new();
        db.insert(b"early", string(b"v"), 10);
        assert!(!db.contains(b"early", 11));
        assert!(db.take_expired_log().is_empty(), "nothing logged unasked");
        db.log_expired_keys();
        db.insert(b"a", string(b"v"), 10);
        db.insert(b"b", string(b"v"), 10);
        assert!(!db.contains(b"a", 11));
        let (_, expired, _, _) = db.expire_sample(11, 10);
        assert_eq!(expired, 1);
        assert_eq!(db.take_expired_log(), vec![b"a".to_vec(), b"b".to_vec()]);
        assert!(db.take_expired_log().is_empty());
    }

    #[test]
    fn insert_replaces_expiry_and_keep_ttl_keeps_it() {
        let mut db = Db::new();
        db.insert(b"k", string(b"1"), 5000);
        db.insert_keep_ttl(b"k", string(b"2"), 0);
        assert_eq!(db.expire_at(b"k", 0), Some(5000));
        db.insert(b"k", string(b"3"), NO_EXPIRY);
        assert_eq!(db.expire_at(b"k", 0), Some(NO_EXPIRY));
        assert_eq!(db.get(b"k", 0), Some(&string(b"3")));
        assert_eq!(db.volatile_len(), 0);
    }

    #[test]
    fn key_events_log_expiries_and_creations_in_order_only_when_on() {
        let mut db = Db::new();
        db.insert(b"quiet", string(b"v"), NO_EXPIRY);
        assert!(!db.has_key_events());
        db.set_record_key_events(&[KeyEvent::Expired, KeyEvent::Created]);
        db.insert(b"old", string(b"v"), 10);
        db.insert(b"old", string(b"w"), 10);
        assert!(!db.contains(b"old", 11));
        db.insert(b"old", string(b"x"), NO_EXPIRY);
        assert_eq!(
            db.drain_key_events(),
            vec![
                (KeyEvent::Created, b"old".to_vec()),
                (KeyEvent::Expired, b"old".to_vec()),
                (KeyEvent::Created, b"old".to_vec()),
            ]
        );
        assert!(!db.has_key_events());
    }

    #[test]
    fn insert_over_an_expired_key_expires_it_then_creates_it() {
        let mut db = Db::new();
        db.set_record_key_events(&[KeyEvent::Expired, KeyEvent::Created]);
        db.insert(b"k", string(b"v"), 10);
        db.set_clock(11);
        db.insert(b"k", string(b"w"), NO_EXPIRY);
        assert_eq!(db.expired_keys(), 1);
        assert_eq!(
            db.drain_key_events(),
            vec![
                (KeyEvent::Created, b"k".to_vec()),
                (KeyEvent::Expired, b"k".to_vec()),
                (KeyEvent::Created, b"k".to_vec()),
            ]
        );
    }

    #[test]
    fn remove_reports_whether_a_live_key_existed() {
        let mut db = Db::new();
        db.insert(b"a", string(b"x"), NO_EXPIRY);
        db.insert(b"b", string(b"x"), 10);
        assert!(db.remove(b"a", 20));
        assert!(!db.remove(b"a", 20));
        assert!(!db.remove(b"b", 20), "an expired key counts as absent");
        assert_eq!(db.clear(), 0);
    }

    #[test]
    fn take_and_insert_taken_carry_expiry_and_access_clock() {
        let mut db = Db::new();
        db.lookup(b"none", 7_000);
        db.insert(b"a", string(b"x"), 90_000);
        let taken = db.take(b"a", 8_000).expect("a is live");
        assert_eq!((taken.expire_at_ms, taken.lru), (90_000, 7));
        let mut other = Db::new();
        other.insert_taken(b"b", taken);
        assert_eq!(
            other.peek(b"b", 9_000).map(|(e, at)| (e.lru(), at)),
            Some((7, 90_000))
        );
        assert!(db.is_empty());
    }

    #[test]
    fn random_key_skips_and_removes_expired_keys() {
        let mut db = Db::new();
        for n in 0..50 {
            db.insert(format!("gone{n}").as_bytes(), string(b"x"), 10);
        }
        db.insert(b"live", string(b"x"), NO_EXPIRY);
        assert_eq!(db.random_key(11), Some(b"live".to_vec()));
        for _ in 0..20 {
            assert_eq!(db.random_key(11), Some(b"live".to_vec()));
        }
        db.remove(b"live", 11);
        assert_eq!(db.random_key(11), None);
        assert_eq!(db.len(), 0);
        assert_eq!(db.expired_keys(), 50);
    }

    #[test]
    fn lookups_record_access_and_peek_does_not() {
        let mut db = Db::new();
        db.insert(b"k", string(b"v"), NO_EXPIRY);
        db.lookup(b"k", 5_000);
        assert_eq!(db.peek(b"k", 9_000).map(|(e, _)| e.lru()), Some(5));
        db.get(b"k", 12_000);
        assert_eq!(db.peek(b"k", 13_000).map(|(e, _)| e.lru()), Some(12));
    }

    #[test]
    fn read_lookups_count_only_while_counting_is_on() {
        let mut db = Db::new();
        db.insert(b"k", string(b"v"), NO_EXPIRY);
        db.insert(b"old", string(b"v"), 10);
        db.get(b"k", 0);
        assert_eq!(db.lookup_stats(), LookupStats::default());
        db.set_count_reads(true);
        db.get(b"k", 20);
        db.contains(b"none", 20);
        db.expire_at(b"old", 20);
        db.lookup_for_write(b"k", 20);
        db.remove(b"none", 20);
        db.is_live(b"k", 20);
        assert_eq!(db.lookup_stats(), LookupStats { hits: 1, misses: 2 });
        db.reset_lookup_stats();
        assert_eq!(db.lookup_stats(), LookupStats::default());
    }

    #[test]
    fn memory_usage_grows_with_the_value_and_ignores_expiry() {
        let mut db = Db::new();
        db.insert(b"small", string(b"v"), NO_EXPIRY);
        db.insert(b"big", string(&[b'x'; 5000]), 10);
        let small = db.memory_usage(b"small", 5).expect("small exists");
        let big = db
            .memory_usage(b"big", 5)
            .expect("expired but not reclaimed");
        assert!(big > small + 5000, "{big} vs {small}");
        assert_eq!(db.memory_usage(b"none", 5), None);
    }
}
