//! The propagation point: what reaches replicas (and later the AOF) of the
//! writes commands make.
//!
//! Redis's `call`/`alsoPropagate`/`propagatePendingCommands`, rebuilt around
//! one rule: a write leaves the server as a normalised command, never as
//! the request that caused it when the two could differ on a replica.
//! Relative times become absolute (`SET .. EX 10` leaves as `SET .. PXAT
//! <ms>`), random choices become their outcome (`SPOP` leaves as `SREM`),
//! blocking commands leave as the pop they did, and a key found expired on
//! access leaves as a `DEL` before the command that found it.
//!
//! How it works: the gate counts how deeply commands nest (EXEC runs its
//! queued commands inside itself). Each command that changed the dataset
//! adds one operation, its arguments or what its handler rewrote them to
//! ([`Server::rewrite_propagated`]); a handler may also prevent its own
//! operation or add others ([`Server::also_propagate`]). When the outermost
//! command returns, the operations of this "execution unit" go out
//! together, wrapped in MULTI/EXEC when there is more than one, so a
//! replica applies them atomically; `SELECT` is added whenever the database
//! differs from the stream's current one.
//!
//! Cost while nothing listens (no replica has ever attached): one branch
//! per command. The operations are encoded once into one byte buffer that
//! keeps its allocation between units.

use std::ops::Range;

use vireo_resp::encode;

use crate::server::Server;

/// Operations waiting for the end of their execution unit.
#[derive(Debug, Default)]
pub struct Propagation {
    /// Whether anything receives propagated commands (a replication
    /// backlog exists). Everything else here is idle while it is false.
    pub enabled: bool,
    /// How deeply commands are nested right now (0: none running).
    depth: u32,
    /// The unit's operations: database and encoded command in `bytes`.
    ops: Vec<(usize, Range<usize>)>,
    bytes: Vec<u8>,
    /// The running command's own choices (saved and restored around
    /// nested commands).
    current: CommandChoice,
}

/// What the running command asked for its own operation.
#[derive(Debug, Default)]
pub struct CommandChoice {
    /// No operation for the command itself (it added its own, or its
    /// effects are propagated by the commands it ran, as EXEC's are).
    prevent: bool,
    /// An operation even though `dirty` did not move (PUBLISH, FLUSHALL).
    force: bool,
    /// The command's operation in place of its arguments, encoded.
    rewritten: Option<Vec<u8>>,
}

impl Propagation {
    /// True while a command is running.
    pub fn in_command(&self) -> bool {
        self.depth > 0
    }

    /// Adds an operation on `db`, which `encode` writes into the buffer.
    fn push(&mut self, db: usize, encode: impl FnOnce(&mut Vec<u8>)) {
        let start = self.bytes.len();
        encode(&mut self.bytes);
        let end = self.bytes.len();
        self.ops.push((db, start..end));
    }
}

impl Server {
    /// Called by the gate before a handler runs: a fresh choice for the
    /// command, the outer command's returned to be restored after.
    #[inline]
    pub(crate) fn propagation_enter(&mut self) -> Option<CommandChoice> {
        self.propagation.depth += 1;
        if !self.propagation.enabled {
            return None;
        }
        Some(std::mem::take(&mut self.propagation.current))
    }

    /// Called by the gate after a handler ran: adds the command's
    /// operation if it changed the dataset (or forced one), then, at the
    /// end of the outermost command, sends the unit.
    pub(crate) fn propagation_leave(
        &mut self,
        outer: Option<CommandChoice>,
        db: usize,
        args: &mut dyn Iterator<Item = &[u8]>,
        changed: bool,
        unit_without_multi: bool,
    ) {
        self.propagation.depth -= 1;
        let Some(outer) = outer else {
            return;
        };
        self.propagate_expired_keys();
        let choice = std::mem::replace(&mut self.propagation.current, outer);
        if !choice.prevent && (changed || choice.force) {
            self.propagation.push(db, |bytes| match choice.rewritten {
                Some(encoded) => bytes.extend_from_slice(&encoded),
                None => {
                    let args: Vec<&[u8]> = args.collect();
                    encode::command(bytes, &args);
                }
            });
        }
        if self.propagation.depth == 0 {
            self.propagate_pending(!unit_without_multi);
        }
    }

    /// The running command's operation is `args` instead of its request.
    pub fn rewrite_propagated(&mut self, args: &[&[u8]]) {
        if !self.propagation.enabled {
            return;
        }
        let mut encoded = Vec::new();
        encode::command(&mut encoded, args);
        self.propagation.current.rewritten = Some(encoded);
    }

    /// The running command adds no operation of its own.
    pub fn prevent_propagation(&mut self) {
        self.propagation.current.prevent = true;
    }

    /// The running command adds its operation even if it changed nothing.
    pub fn force_propagation(&mut self) {
        self.propagation.current.force = true;
    }

    /// Adds an operation to the running unit (or sends it at once outside
    /// any command).
    pub fn also_propagate(&mut self, db: usize, args: &[&[u8]]) {
        if !self.propagation.enabled {
            return;
        }
        // Keys found expired so far came first.
        self.propagate_expired_keys();
        self.propagation
            .push(db, |bytes| encode::command(bytes, args));
        if self.propagation.depth == 0 {
            self.propagate_pending(false);
        }
    }

    /// Turns the keys the databases removed on expiry since last asked
    /// into DEL (or UNLINK, with `lazyfree-lazy-expire`) operations.
    pub(crate) fn propagate_expired_keys(&mut self) {
        let lazy = self.config.lazyfree_lazy_expire;
        let command: &[u8] = if lazy { b"UNLINK" } else { b"DEL" };
        for db in 0..self.dbs.len() {
            let keys = self.dbs[db].take_expired_log();
            if keys.is_empty() {
                continue;
            }
            if self.tracking.active {
                self.tracking.expired.extend(keys.iter().cloned());
            }
            for key in keys {
                self.propagation
                    .push(db, |bytes| encode::command(bytes, &[command, &key]));
            }
        }
    }

    /// Sends the unit's operations, in MULTI/EXEC when there are several
    /// and `transaction` allows it.
    pub(crate) fn propagate_pending(&mut self, transaction: bool) {
        // Taken out while they are fed (feeding needs the whole server),
        // put back empty so their allocations serve the next unit.
        let mut ops = std::mem::take(&mut self.propagation.ops);
        let mut bytes = std::mem::take(&mut self.propagation.bytes);
        if !ops.is_empty() {
            let wrap = transaction && ops.len() > 1;
            if wrap {
                crate::replication::feed(self, ops[0].0, b"*1\r\n$5\r\nMULTI\r\n");
            }
            for (db, range) in &ops {
                crate::replication::feed(self, *db, &bytes[range.clone()]);
            }
            if wrap {
                let last_db = ops[ops.len() - 1].0;
                crate::replication::feed(self, last_db, b"*1\r\n$4\r\nEXEC\r\n");
            }
        }
        ops.clear();
        bytes.clear();
        self.propagation.ops = ops;
        self.propagation.bytes = bytes;
    }

    /// Starts propagating: from now on the databases log the keys they
    /// expire, so replicas get their deletions.
    pub fn enable_propagation(&mut self) {
        if self.propagation.enabled {
            return;
        }
        self.propagation.enabled = true;
        for db in &mut self.dbs {
            db.log_expired_keys();
        }
    }
}
