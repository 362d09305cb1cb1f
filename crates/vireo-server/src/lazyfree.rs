//! Freeing big values off the event loop: UNLINK, FLUSHDB/FLUSHALL ASYNC
//! and the `lazyfree-lazy-*` options.
//!
//! Dropping a set of a million members walks a million allocations; done
//! on the event loop, every client waits for it. Instead the value is sent
//! over a channel to one background thread that drops it, and the command
//! returns at once. Small values are cheaper to drop in place than to
//! send: only values whose free effort ([`Value::free_effort`]) exceeds
//! [`LAZYFREE_THRESHOLD`] travel (Redis compat: the same threshold, and
//! the same counters: `lazyfree_pending_objects`, `lazyfreed_objects`).
//!
//! The thread starts on first use, so servers (and test harnesses) that
//! never free anything big never own one. Values are plain owned data
//! (`Send`), and jemalloc frees memory allocated by another thread
//! without contention worth measuring.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

use vireo_core::db::Db;
use vireo_core::object::Value;

/// Values whose free effort is at most this are dropped in place.
pub const LAZYFREE_THRESHOLD: usize = 64;

/// What the background thread drops: a value or a whole database.
type Garbage = Box<dyn Send>;

#[derive(Default)]
struct Counters {
    /// Objects sent and not yet dropped (a database counts its keys).
    pending: AtomicU64,
    /// Objects dropped by the thread since the last CONFIG RESETSTAT.
    freed: AtomicU64,
}

/// The background freer and its counters.
#[derive(Default)]
pub struct LazyFree {
    sender: Option<Sender<(Garbage, u64)>>,
    counters: Arc<Counters>,
}

impl LazyFree {
    /// Frees `value` in the background when it is big enough to be worth
    /// it, else here.
    pub fn free_value(&mut self, value: Value) {
        if value.free_effort() > LAZYFREE_THRESHOLD {
            self.send(Box::new(value), 1);
        }
    }

    /// Frees every key of `contents` in the background.
    pub fn free_database(&mut self, contents: Db) {
        let keys = contents.len() as u64;
        if keys > 0 {
            self.send(Box::new(contents), keys);
        }
    }

    /// Objects waiting to be freed (`lazyfree_pending_objects`).
    pub fn pending_objects(&self) -> u64 {
        self.counters.pending.load(Ordering::Relaxed)
    }

    /// Objects freed in the background (`lazyfreed_objects`).
    pub fn freed_objects(&self) -> u64 {
        self.counters.freed.load(Ordering::Relaxed)
    }

    /// CONFIG RESETSTAT.
    pub fn reset_stats(&self) {
        self.counters.freed.store(0, Ordering::Relaxed);
    }

    fn send(&mut self, garbage: Garbage, objects: u64) {
        self.counters.pending.fetch_add(objects, Ordering::Relaxed);
        let garbage = match self.sender_or_start() {
            Some(sender) => match sender.send((garbage, objects)) {
                Ok(()) => return,
                Err(std::sync::mpsc::SendError((garbage, _))) => garbage,
            },
            None => garbage,
        };
        // No thread (it could not be started, or it died): free here, late
        // rather than never.
        self.sender = None;
        drop(garbage);
        self.counters.pending.fetch_sub(objects, Ordering::Relaxed);
    }

    fn sender_or_start(&mut self) -> Option<&Sender<(Garbage, u64)>> {
        if self.sender.is_none() {
            let (sender, receiver) = channel::<(Garbage, u64)>();
            let counters = Arc::clone(&self.counters);
            let started = std::thread::Builder::new()
                .name("lazyfree".into())
                .spawn(move || {
                    for (garbage, objects) in receiver {
                        drop(garbage);
                        counters.pending.fetch_sub(objects, Ordering::Relaxed);
                        counters.freed.fetch_add(objects, Ordering::Relaxed);
                    }
                });
            if started.is_err() {
                return None;
            }
            self.sender = Some(sender);
        }
        self.sender.as_ref()
    }
}

impl std::fmt::Debug for LazyFree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyFree")
            .field("running", &self.sender.is_some())
            .field("pending", &self.pending_objects())
            .field("freed", &self.freed_objects())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vireo_core::t_set::Set;

    fn big_set(members: usize) -> Value {
        let mut set = Set::new_hashtable();
        for i in 0..members {
            set.add(format!("member:{i}").as_bytes(), 512);
        }
        Value::Set(Box::new(set))
    }

    fn wait_until_idle(lazyfree: &LazyFree) {
        for _ in 0..500 {
            if lazyfree.pending_objects() == 0 {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("background freeing did not finish");
    }

    #[test]
    fn small_values_are_freed_in_place() {
        let mut lazyfree = LazyFree::default();
        lazyfree.free_value(big_set(LAZYFREE_THRESHOLD));
        assert!(lazyfree.sender.is_none());
        assert_eq!(lazyfree.freed_objects(), 0);
    }

    #[test]
    fn big_values_and_databases_are_freed_in_the_background() {
        let mut lazyfree = LazyFree::default();
        lazyfree.free_value(big_set(LAZYFREE_THRESHOLD + 1));
        let mut db = Db::new();
        for i in 0..10 {
            db.insert(
                format!("k{i}").as_bytes(),
                big_set(3),
                vireo_core::db::NO_EXPIRY,
            );
        }
        lazyfree.free_database(db.take_contents());
        assert!(db.is_empty());
        wait_until_idle(&lazyfree);
        assert_eq!(lazyfree.freed_objects(), 11);
        lazyfree.reset_stats();
        assert_eq!(lazyfree.freed_objects(), 0);
    }
}
