//! One logical database: keys, their values and their expiry times.
//!
//! Expiry is stored inline in each entry (no second table, no extra
//! allocation per volatile key). A key whose time has passed is treated as
//! absent by every lookup and removed on the spot (lazy expiry); the active
//! cycle that reclaims keys nobody reads arrives with the keyspace table.

use std::collections::HashMap;

use crate::hash::KeyHasherBuilder;
use crate::object::Value;

/// Expiry time meaning "never".
pub const NO_EXPIRY: i64 = i64::MAX;

/// A value and when it expires (Unix milliseconds, [`NO_EXPIRY`] if never).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The stored value.
    pub value: Value,
    /// Unix time in milliseconds after which the key no longer exists.
    pub expire_at_ms: i64,
}

impl Entry {
    /// Redis compat: a key is expired strictly after its expiry time.
    #[inline]
    fn is_expired(&self, now_ms: i64) -> bool {
        now_ms > self.expire_at_ms
    }
}

/// A database: the keyspace of one `SELECT` index.
#[derive(Default)]
pub struct Db {
    entries: HashMap<Box<[u8]>, Entry, KeyHasherBuilder>,
    volatile_keys: usize,
    expired_keys: u64,
}

impl Db {
    /// An empty database.
    pub fn new() -> Db {
        Db::default()
    }

    /// Number of keys, counting expired keys not yet reclaimed (as Redis's DBSIZE does).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the database holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of keys with an expiry time.
    pub fn volatile_len(&self) -> usize {
        self.volatile_keys
    }

    /// Keys removed because their time had passed, since creation.
    pub fn expired_keys(&self) -> u64 {
        self.expired_keys
    }

    /// The live entry for `key`, removing it first if it has expired.
    #[inline]
    pub fn lookup(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Entry> {
        // With no volatile key nothing can have expired: one probe instead of two.
        if self.volatile_keys == 0 {
            return self.entries.get_mut(key);
        }
        let expired = self.entries.get(key)?.is_expired(now_ms);
        if expired {
            self.remove_entry(key);
            self.expired_keys += 1;
            return None;
        }
        self.entries.get_mut(key)
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
        let volatile = expire_at_ms != NO_EXPIRY;
        if let Some(entry) = self.entries.get_mut(key) {
            let was_volatile = entry.expire_at_ms != NO_EXPIRY;
            entry.value = value;
            entry.expire_at_ms = expire_at_ms;
            self.volatile_keys =
                self.volatile_keys + usize::from(volatile) - usize::from(was_volatile);
            return;
        }
        self.volatile_keys += usize::from(volatile);
        self.entries.insert(
            key.into(),
            Entry {
                value,
                expire_at_ms,
            },
        );
    }

    /// Stores `value` under `key`, keeping the expiry of a live previous value.
    pub fn insert_keep_ttl(&mut self, key: &[u8], value: Value, now_ms: i64) {
        match self.lookup(key, now_ms) {
            Some(entry) => entry.value = value,
            None => self.insert(key, value, NO_EXPIRY),
        }
    }

    /// Removes `key`; false if it did not exist (or had expired).
    pub fn remove(&mut self, key: &[u8], now_ms: i64) -> bool {
        if self.lookup(key, now_ms).is_none() {
            return false;
        }
        self.remove_entry(key);
        true
    }

    fn remove_entry(&mut self, key: &[u8]) {
        if let Some(entry) = self.entries.remove(key) {
            if entry.expire_at_ms != NO_EXPIRY {
                self.volatile_keys -= 1;
            }
        }
    }

    /// Sets the expiry of a live key; false if there is no such key.
    pub fn set_expiry(&mut self, key: &[u8], expire_at_ms: i64, now_ms: i64) -> bool {
        let Some(entry) = self.lookup(key, now_ms) else {
            return false;
        };
        let was_volatile = entry.expire_at_ms != NO_EXPIRY;
        entry.expire_at_ms = expire_at_ms;
        let volatile = expire_at_ms != NO_EXPIRY;
        self.volatile_keys = self.volatile_keys + usize::from(volatile) - usize::from(was_volatile);
        true
    }

    /// Live keys matching `filter`, in table order.
    pub fn keys_where(&self, now_ms: i64, mut filter: impl FnMut(&[u8]) -> bool) -> Vec<&[u8]> {
        self.entries
            .iter()
            .filter(|(key, entry)| !entry.is_expired(now_ms) && filter(key))
            .map(|(key, _)| &key[..])
            .collect()
    }

    /// Whether `key` is present and live, without removing it if expired
    /// (for deciding whose WATCH a flush dooms).
    pub fn get_for_watch(&self, key: &[u8], now_ms: i64) -> bool {
        self.entries
            .get(key)
            .is_some_and(|entry| !entry.is_expired(now_ms))
    }

    /// Removes every key; returns how many there were.
    pub fn clear(&mut self) -> usize {
        let removed = self.entries.len();
        self.entries = HashMap::default();
        self.volatile_keys = 0;
        removed
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
    fn insert_replaces_expiry_and_keep_ttl_keeps_it() {
        let mut db = Db::new();
        db.insert(b"k", string(b"1"), 5000);
        db.insert_keep_ttl(b"k", string(b"2"), 0);
        assert_eq!(db.lookup(b"k", 0).map(|e| e.expire_at_ms), Some(5000));
        db.insert(b"k", string(b"3"), NO_EXPIRY);
        assert_eq!(db.lookup(b"k", 0).map(|e| e.expire_at_ms), Some(NO_EXPIRY));
        assert_eq!(db.volatile_len(), 0);
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
}
