//! Blocking commands (BLPOP, BZPOPMIN and friends): clients waiting on keys.
//!
//! A blocking command that finds nothing to serve leaves its request in
//! the client's query buffer and registers the client on each of its keys
//! (`Outcome::Blocked`); the client reads nothing more meanwhile. When a
//! write creates or changes a key someone waits on, the key is marked
//! ready, and after that command the waiters are served first come, first
//! served by running their request again: it either finds data now and
//! replies, or stays blocked. A timeout (checked before each sleep and in
//! cron) runs the request once more with `timed_out` set, so the command
//! itself replies with its "nothing" value; CLIENT UNBLOCK ... ERROR makes
//! the gate answer with an error instead. The same request path as every
//! other command is used throughout, so a blocking command behaves exactly
//! like its non-blocking sibling once it runs.
//!
//! Each wait is for one value type (`BlockKind`). A ready key is offered
//! only to the waiters of the type it now holds: a client in BLPOP stays
//! blocked when its key appears as a sorted set, as in Redis, instead of
//! being run again into a WRONGTYPE error.

use std::collections::{HashMap, VecDeque};

use vireo_core::Value;

use crate::client::Client;
use crate::server::Server;

/// The value type a blocked client waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH.
    List,
    /// BZPOPMIN, BZPOPMAX, BZMPOP.
    ZSet,
    /// WAIT: replicas acknowledging an offset, no key.
    Replication,
    /// XREAD: served by a stream at the key.
    Stream,
    /// XREADGROUP: run again on any change of the key, since a deleted
    /// key, a key of another type or a destroyed group ends the wait with
    /// an error.
    StreamGroup,
}

impl BlockKind {
    /// The kind of wait `value` can serve, if any.
    fn served_by(value: &Value) -> Option<BlockKind> {
        match value {
            Value::List(_) => Some(BlockKind::List),
            Value::ZSet(_) => Some(BlockKind::ZSet),
            Value::Stream(_) => Some(BlockKind::Stream),
            _ => None,
        }
    }
}

/// What a blocking command that found nothing asks the gate for.
#[derive(Debug, Clone)]
pub struct BlockRequest {
    /// The value type it waits for.
    pub kind: BlockKind,
    /// The keys it waits on.
    pub keys: Vec<Vec<u8>>,
    /// When it gives up, Unix milliseconds (0: never).
    pub deadline_ms: i64,
    /// XREAD: the IDs to read after, one per key, fixed when it blocked
    /// (so `$` means the last ID at that moment, not at each retry).
    pub stream_ids: Vec<vireo_core::t_stream::StreamId>,
}

/// `(slot, id)` of a blocked client; the id guards against slot reuse.
pub type Waiter = (usize, u64);

/// What a blocked client waits for.
#[derive(Debug, Clone)]
pub struct BlockState {
    /// The value type it waits for.
    pub kind: BlockKind,
    /// The database of its keys.
    pub db: usize,
    /// The keys it waits on.
    pub keys: Vec<Vec<u8>>,
    /// When it gives up, Unix milliseconds (0: never).
    pub deadline_ms: i64,
    /// See [`BlockRequest::stream_ids`].
    pub stream_ids: Vec<vireo_core::t_stream::StreamId>,
    /// Its time ran out (or CLIENT UNBLOCK ... TIMEOUT): reply with "nothing".
    pub timed_out: bool,
    /// CLIENT UNBLOCK ... ERROR: reply with the UNBLOCKED error.
    pub unblock_error: bool,
}

/// Server-side bookkeeping of blocked clients.
#[derive(Debug, Default)]
pub struct Blocking {
    /// (db, key) to the clients waiting on it, oldest first.
    pub waiters: HashMap<(usize, Vec<u8>), VecDeque<Waiter>>,
    /// Keys written since their waiters were last served.
    pub ready: VecDeque<(usize, Vec<u8>)>,
    /// Every blocked client.
    pub blocked: Vec<Waiter>,
    /// Set while ready keys are being served, so nested commands leave the
    /// work to the outer loop.
    pub serving: bool,
}

/// Parses a blocking timeout in seconds (decimals allowed) into an absolute
/// deadline in milliseconds (0: wait forever), or Redis's error.
pub fn parse_timeout(arg: &[u8], now_ms: i64) -> Result<i64, &'static str> {
    let seconds = vireo_core::long_double::LongDouble::parse(arg)
        .map(|value| value.to_f64())
        .ok_or("timeout is not a float or out of range")?;
    let milliseconds = (seconds * 1000.0).ceil();
    // Redis compat: Redis converts the milliseconds to a 64-bit integer
    // unchecked; on x86-64 anything out of range (inf included) becomes the
    // most negative integer, so it is reported as negative.
    if !(0.0..i64::MAX as f64).contains(&milliseconds) {
        return Err("timeout is negative");
    }
    let milliseconds = milliseconds as i64;
    Ok(if milliseconds > 0 {
        now_ms.saturating_add(milliseconds)
    } else {
        0
    })
}

impl Server {
    /// Registers `client` as waiting on `keys` (once, however often its
    /// request is run again).
    pub fn block_client(&mut self, client: &mut Client, request: BlockRequest) {
        if client.blocked.is_some() {
            return;
        }
        let BlockRequest {
            kind,
            keys,
            deadline_ms,
            stream_ids,
        } = request;
        let waiter = (client.slot, client.id);
        for key in &keys {
            self.blocking
                .waiters
                .entry((client.db, key.clone()))
                .or_default()
                .push_back(waiter);
        }
        self.blocking.blocked.push(waiter);
        client.blocked = Some(BlockState {
            kind,
            db: client.db,
            keys,
            deadline_ms,
            stream_ids,
            timed_out: false,
            unblock_error: false,
        });
    }

    /// Forgets that `client` waits on anything.
    pub fn unblock_client(&mut self, client: &mut Client) {
        let Some(state) = client.blocked.take() else {
            return;
        };
        for key in state.keys {
            let entry = (state.db, key);
            if let Some(queue) = self.blocking.waiters.get_mut(&entry) {
                queue.retain(|(_, id)| *id != client.id);
                if queue.is_empty() {
                    self.blocking.waiters.remove(&entry);
                }
            }
        }
        self.blocking.blocked.retain(|(_, id)| *id != client.id);
    }

    /// Marks `key` ready if a client waits on it.
    pub fn signal_key_ready(&mut self, db: usize, key: &[u8]) {
        let entry = (db, key.to_vec());
        if self.blocking.waiters.contains_key(&entry) && !self.blocking.ready.contains(&entry) {
            self.blocking.ready.push_back(entry);
        }
    }

    /// Marks ready every key of database `db` that someone waits on, after
    /// FLUSHDB, FLUSHALL or SWAPDB changed keys wholesale (Redis's
    /// `scanDatabaseForReadyKeys` and `scanDatabaseForDeletedStreams`):
    /// waiters whose key now holds their type are served, XREADGROUP
    /// waiters whose key went get their error.
    pub fn signal_all_keys_of_db(&mut self, db: usize) {
        let keys: Vec<(usize, Vec<u8>)> = self
            .blocking
            .waiters
            .keys()
            .filter(|(waiter_db, _)| *waiter_db == db)
            .cloned()
            .collect();
        for (db, key) in keys {
            self.signal_key_ready(db, &key);
        }
    }

    /// Whether the value now at `key` can serve the wait of `waiter` (a
    /// missing key or a value of another type serves nobody).
    fn key_serves(&mut self, (db, key): &(usize, Vec<u8>), (slot, id): Waiter) -> bool {
        let Some(kind) = self
            .clients
            .get(slot)
            .and_then(Option::as_ref)
            .filter(|client| client.id == id)
            .and_then(|client| client.blocked.as_ref())
            .map(|state| state.kind)
        else {
            return false;
        };
        if kind == BlockKind::StreamGroup {
            return true;
        }
        let now = self.now_ms;
        self.dbs[*db].get(key, now).and_then(BlockKind::served_by) == Some(kind)
    }

    /// Runs a blocked client's request again, with the client taken out of
    /// its slot for the duration.
    fn rerun_blocked(&mut self, (slot, id): Waiter) {
        let Some(mut waiter) = self.take_client(slot) else {
            return;
        };
        if waiter.id == id && waiter.blocked.is_some() {
            self.process_input(&mut waiter);
            self.queue_write(&mut waiter);
        }
        self.put_client(waiter);
    }

    /// Serves the clients waiting on ready keys, oldest first, until no key
    /// is ready (serving one may make another ready, as BLMOVE does).
    pub fn serve_ready_keys(&mut self) {
        if self.blocking.serving {
            return;
        }
        // Redis compat: waiters are served at the current time, so a key
        // that expired during the command that readied it is gone.
        if self.slept_us > 0 {
            self.set_time_us(self.now_us + self.slept_us);
        }
        self.blocking.serving = true;
        while let Some(entry) = self.blocking.ready.pop_front() {
            let waiters: Vec<Waiter> = self
                .blocking
                .waiters
                .get(&entry)
                .map(|q| q.iter().copied().collect())
                .unwrap_or_default();
            for waiter in waiters {
                if self.key_serves(&entry, waiter) {
                    self.rerun_blocked(waiter);
                }
            }
        }
        self.blocking.serving = false;
    }

    /// Runs WAIT again for every client it blocks, after acknowledgements
    /// arrived: each replies once enough replicas have its writes.
    pub fn serve_replication_waiters(&mut self) {
        let waiters: Vec<Waiter> = self
            .blocking
            .blocked
            .iter()
            .copied()
            .filter(|&(slot, id)| {
                self.clients
                    .get(slot)
                    .and_then(Option::as_ref)
                    .filter(|client| client.id == id)
                    .and_then(|client| client.blocked.as_ref())
                    .is_some_and(|state| state.kind == BlockKind::Replication)
            })
            .collect();
        for waiter in waiters {
            self.rerun_blocked(waiter);
        }
    }

    /// Times out the blocked clients whose deadline has passed.
    pub fn expire_blocked_clients(&mut self) {
        let now = self.now_ms;
        let due: Vec<Waiter> = self
            .blocking
            .blocked
            .iter()
            .copied()
            .filter(|(slot, id)| {
                self.clients
                    .get(*slot)
                    .and_then(Option::as_ref)
                    .is_some_and(|client| {
                        client.id == *id
                            && client.blocked.as_ref().is_some_and(|state| {
                                state.deadline_ms != 0 && state.deadline_ms <= now
                            })
                    })
            })
            .collect();
        for waiter in due {
            if let Some(Some(client)) = self.clients.get_mut(waiter.0) {
                if let Some(state) = client.blocked.as_mut() {
                    state.timed_out = true;
                }
            }
            self.rerun_blocked(waiter);
        }
    }

    /// CLIENT UNBLOCK: ends the wait of client `id`, as a timeout or with an
    /// error. False if no such client is blocked.
    pub fn unblock_by_id(&mut self, id: u64, with_error: bool) -> bool {
        let Some(&waiter) = self
            .blocking
            .blocked
            .iter()
            .find(|(_, blocked_id)| *blocked_id == id)
        else {
            return false;
        };
        if let Some(Some(client)) = self.clients.get_mut(waiter.0) {
            if let Some(state) = client.blocked.as_mut() {
                state.timed_out = true;
                state.unblock_error = with_error;
            }
        }
        self.rerun_blocked(waiter);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::parse_timeout;

    #[test]
    fn timeouts_follow_redis() {
        assert_eq!(parse_timeout(b"0", 1000), Ok(0));
        assert_eq!(parse_timeout(b"1.5", 1000), Ok(2500));
        assert_eq!(
            parse_timeout(b"0.0001", 1000),
            Ok(1001),
            "rounded up to the millisecond"
        );
        assert_eq!(parse_timeout(b"-1", 1000), Err("timeout is negative"));
        assert_eq!(parse_timeout(b"inf", 1000), Err("timeout is negative"));
        assert_eq!(parse_timeout(b"1e16", 1000), Err("timeout is negative"));
        assert_eq!(parse_timeout(b"1e15", 1000), Ok(1_000_000_000_000_001_000));
        assert_eq!(
            parse_timeout(b"abc", 1000),
            Err("timeout is not a float or out of range")
        );
    }
}
