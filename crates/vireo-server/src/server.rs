//! The `Server` value that owns all state, and the one command gate.
//!
//! Every request passes through [`Server::process_command`]: lookup
//! (case-insensitive, subcommands included), arity, authentication, then the
//! handler. Handlers never re-check what the gate checked.

use std::collections::HashMap;

use vireo_core::expire::{ActiveExpire, CycleKind};
use vireo_core::Db;
use vireo_resp::{Argv, RequestLimits};

use crate::client::{Client, Connection};
use crate::command::{self, flags, CommandSpec, CommandTable};
use crate::config::{Config, ProtectedAccess};
use crate::errors;

/// The Redis version reported to clients, so that they enable their Redis 7.2 paths.
pub const REDIS_VERSION: &str = "7.2.4";

/// Counters reported by `INFO stats`.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Commands processed.
    pub commands: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Connections refused (`maxclients`).
    pub rejected_connections: u64,
    /// Bytes read from clients.
    pub net_input_bytes: u64,
    /// Bytes written to clients.
    pub net_output_bytes: u64,
    /// Error replies sent, by clients already gone (INFO adds the live ones).
    pub error_replies: u64,
}

/// Per-command counters (INFO commandstats).
#[derive(Debug, Default, Clone, Copy)]
pub struct CommandStats {
    /// Times the command ran.
    pub calls: u64,
    /// Total time spent running it, microseconds.
    pub usec: u64,
    /// Times the gate refused it (arity, authentication, ...).
    pub rejected_calls: u64,
    /// Times it ran and replied with an error.
    pub failed_calls: u64,
}

/// One SLOWLOG entry.
#[derive(Debug, Clone)]
pub struct SlowlogEntry {
    /// Increasing id.
    pub id: u64,
    /// When the command ran, Unix seconds.
    pub time: i64,
    /// How long it took, microseconds.
    pub duration_us: u64,
    /// Its arguments, shortened as Redis does.
    pub args: Vec<Vec<u8>>,
    /// The client's address.
    pub peer: String,
    /// The client's name.
    pub name: Vec<u8>,
}

/// Output that never counts against client-output-buffer-limit (Redis's
/// per-client static reply buffer).
pub const OUTPUT_BUFFER_FREE_BYTES: usize = 16 * 1024;

/// WATCHed keys: (db, key) to the (slot, id) of each watching client.
pub type WatchedKeys = HashMap<(usize, Vec<u8>), Vec<(usize, u64)>>;

/// All of the server's state. Passed down by `&mut`; there are no globals.
pub struct Server {
    /// The configuration in force.
    pub config: Config,
    /// The databases, `config.databases` of them.
    pub dbs: Vec<Db>,
    /// The command table.
    pub commands: &'static CommandTable,
    /// Clients by slot. A client being served is taken out of its slot for
    /// the duration, so handlers can hold `&mut Server` and `&mut Client` at once.
    pub clients: Vec<Option<Box<Client>>>,
    free_slots: Vec<usize>,
    /// Number of connected clients.
    pub connected_clients: usize,
    next_client_id: u64,
    /// Slots of clients with replies to write in `before_sleep`.
    pub pending_writes: Vec<usize>,
    /// Unix time in milliseconds, read once per event-loop iteration (or set
    /// by the test harness): the `now` every command is judged at.
    pub now_ms: i64,
    /// The same instant in microseconds (`TIME`).
    pub now_us: i64,
    /// Unix time at start-up, milliseconds.
    pub start_ms: i64,
    /// Bytes allocated when the server was created (MEMORY STATS).
    pub startup_allocated: u64,
    /// The most bytes allocated seen so far, sampled by cron and by the
    /// commands that report it.
    pub peak_allocated: u64,
    /// Changes since the last save.
    pub dirty: u64,
    /// Time spent in DEBUG SLEEP since `now` was last set: commands keep
    /// their `now`, but blocked clients are served at the later time.
    pub slept_us: i64,
    /// RDB saves and loads: the background child, LASTSAVE, counters.
    pub persistence: crate::rdb::Persistence,
    /// True while EXEC runs its queued commands.
    pub in_exec: bool,
    /// Counters.
    pub stats: Stats,
    /// Request size limits for authenticated clients.
    pub limits: RequestLimits,
    /// Cron iterations so far.
    pub cron_loops: u64,
    /// Set when the server should shut down at the next cron.
    pub shutdown_requested: bool,
    /// 40 random hex characters identifying this run (INFO's run_id).
    pub run_id: String,
    /// Slots of clients to close before the next write pass (CLIENT KILL).
    pub clients_to_close: Vec<usize>,
    /// Slots of clients in MONITOR mode.
    pub monitors: Vec<usize>,
    /// Counters per command id (see [`CommandTable::entries`]).
    pub command_stats: Vec<CommandStats>,
    /// Error replies by error code, for clients already gone (INFO adds the live ones).
    pub error_codes: std::collections::BTreeMap<Vec<u8>, u64>,
    /// The slow log, newest first.
    pub slowlog: std::collections::VecDeque<SlowlogEntry>,
    /// Id of the next slow log entry.
    pub slowlog_next_id: u64,
    /// CLIENT PAUSE in force, if any.
    pub pause: Option<ClientPause>,
    /// Slots of clients whose next command waits for the pause to end.
    pub postponed: Vec<usize>,
    /// The command the gate found last, with its id: pipelines repeat one
    /// command, and comparing its name is cheaper than hashing it.
    last_lookup: Option<(&'static CommandSpec, usize)>,
    /// The clock commands are timed with.
    clock: crate::os::TickClock,
    /// The tick at which the last command of the batch being run ended
    /// (see `process_command`); `None` outside a batch.
    command_clock: Option<u64>,
    /// Pub/sub subscriptions.
    pub pubsub: crate::cmd::pubsub::PubSub,
    /// Latency events and per-command latency histograms.
    pub latency: crate::latency::Latency,
    /// Clients blocked on keys.
    pub blocking: crate::blocked::Blocking,
    /// WATCHed keys: (db, key) to the (slot, id) of each watching client.
    pub watched_keys: WatchedKeys,
    /// Set by a command that touched the watchers of exactly the keys it
    /// modified itself, so the gate does not touch every key it names.
    pub watchers_touched_by_command: bool,
    /// The active expire cycle's state and statistics.
    pub active_expire: ActiveExpire,
    /// `DEBUG SET-ACTIVE-EXPIRE`: whether cron and `before_sleep` run the
    /// active expire cycle.
    pub active_expire_enabled: bool,
    /// `DEBUG PAUSE-CRON`: cron does none of its periodic work.
    pub cron_paused: bool,
    /// `DEBUG SET-DISABLE-DENY-SCRIPTS`: scripts may run commands flagged
    /// `noscript`.
    pub script_disable_deny_script: bool,
    /// `DEBUG SET-SKIP-CHECKSUM-VALIDATION`: RESTORE checks only the
    /// payload's version, not its checksum.
    pub skip_checksum_validation: bool,
    /// Next database whose table cron resizes and rehashes.
    pub resize_db: usize,
    /// Randomness for SPOP, SRANDMEMBER and ZRANDMEMBER.
    pub rng: vireo_core::random::Rng,
    /// TCP listeners opened by CONFIG SET port/bind, for the event loop to
    /// put in place of the current ones.
    pub new_tcp_listeners: Option<Vec<mio::net::TcpListener>>,
    /// MIGRATE's open connections to its targets.
    pub migrate: crate::cmd::migrate::MigrateConnections,
    /// The background freer of big values (UNLINK, FLUSHALL ASYNC).
    pub lazyfree: crate::lazyfree::LazyFree,
    /// Client-side caching: who may cache which keys.
    pub tracking: crate::tracking::Tracking,
    /// The propagation point's pending operations.
    pub propagation: crate::propagate::Propagation,
    /// The primary's replication state: replicas, backlog, offsets.
    pub replication: crate::replication::Replication,
    /// The primary this server follows (REPLICAOF), if any.
    pub primary: Option<crate::replica::PrimaryLink>,
    /// REPLICAOF asked for a connection now rather than at the next cron.
    pub primary_connect_now: bool,
    /// Keys a writable replica's own clients gave an expiry: cron expires
    /// them, since the primary knows nothing of them.
    pub replica_keys_with_expiry: std::collections::HashSet<(usize, Vec<u8>)>,
    /// The Lua engine and script cache, created by the first script
    /// command (and taken out while a script runs).
    pub scripting: Option<Box<crate::scripting::Scripting>>,
    /// Function libraries (FUNCTION LOAD, FCALL), created on first use.
    pub functions: Option<Box<crate::scripting::function::Functions>>,
}

/// An active CLIENT PAUSE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientPause {
    /// Pause only commands that may write (WRITE) rather than all (ALL).
    pub writes_only: bool,
    /// When it ends, Unix milliseconds.
    pub end_ms: i64,
}

/// What the gate did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It ran, or was refused with an error reply.
    Done,
    /// It must wait for CLIENT PAUSE to end; it stays in the query buffer.
    Postponed,
    /// A blocking command found nothing and waits on keys; it stays in the
    /// query buffer and runs again when a key is ready or time is up.
    Blocked,
}

impl Server {
    /// A server with `config` and no clients; `now_ms` is the current Unix time.
    pub fn new(config: Config, now_ms: i64) -> Server {
        let dbs = (0..config.databases).map(|_| Db::new()).collect();
        let limits = RequestLimits {
            max_bulk_len: config.proto_max_bulk_len,
            ..RequestLimits::default()
        };
        let mut server = Server {
            config,
            dbs,
            commands: CommandTable::get(),
            clients: Vec::new(),
            free_slots: Vec::new(),
            connected_clients: 0,
            next_client_id: 1,
            pending_writes: Vec::new(),
            now_ms,
            now_us: 0,
            start_ms: now_ms,
            startup_allocated: crate::os::allocated_bytes().unwrap_or(0),
            peak_allocated: 0,
            dirty: 0,
            slept_us: 0,
            persistence: crate::rdb::Persistence::new(now_ms),
            in_exec: false,
            rng: vireo_core::random::Rng::from_entropy(),
            lazyfree: crate::lazyfree::LazyFree::default(),
            tracking: Default::default(),
            propagation: Default::default(),
            replication: Default::default(),
            primary: None,
            primary_connect_now: false,
            replica_keys_with_expiry: Default::default(),
            scripting: None,
            functions: None,
            migrate: Default::default(),
            new_tcp_listeners: None,
            stats: Stats::default(),
            limits,
            cron_loops: 0,
            shutdown_requested: false,
            run_id: random_hex_id(),
            clients_to_close: Vec::new(),
            monitors: Vec::new(),
            command_stats: vec![CommandStats::default(); CommandTable::get().entries().len()],
            error_codes: std::collections::BTreeMap::new(),
            slowlog: std::collections::VecDeque::new(),
            slowlog_next_id: 0,
            pause: None,
            postponed: Vec::new(),
            last_lookup: None,
            clock: crate::os::TickClock::get(),
            command_clock: None,
            watched_keys: HashMap::new(),
            watchers_touched_by_command: false,
            pubsub: Default::default(),
            latency: Default::default(),
            blocking: Default::default(),
            active_expire: ActiveExpire::default(),
            active_expire_enabled: true,
            skip_checksum_validation: false,
            script_disable_deny_script: false,
            cron_paused: false,
            resize_db: 0,
        };
        server.set_time_us(now_ms.saturating_mul(1000));
        server.apply_notify_classes();
        server
    }

    /// Sets the current time, in Unix microseconds.
    #[inline]
    pub fn set_time_us(&mut self, now_us: i64) {
        self.slept_us = 0;
        self.now_us = now_us;
        self.now_ms = now_us.div_euclid(1000);
        for db in &mut self.dbs {
            db.set_clock(self.now_ms);
        }
    }

    /// Adds a client on `conn` and returns its slot.
    pub fn add_client(&mut self, conn: Connection, peer: String) -> usize {
        let id = self.next_client_id;
        self.next_client_id += 1;
        let slot = match self.free_slots.pop() {
            Some(slot) => slot,
            None => {
                self.clients.push(None);
                self.clients.len() - 1
            }
        };
        let mut client = Box::new(Client::new(id, slot, conn, peer, self.now_ms));
        client.authenticated = self.config.requirepass.is_none();
        self.clients[slot] = Some(client);
        self.connected_clients += 1;
        self.stats.connections += 1;
        slot
    }

    /// Takes the client in `slot` out of the table while it is served;
    /// [`Server::put_client`] puts it back.
    #[inline]
    pub fn take_client(&mut self, slot: usize) -> Option<Box<Client>> {
        self.clients.get_mut(slot)?.take()
    }

    /// Returns a client taken with [`Server::take_client`].
    #[inline]
    pub fn put_client(&mut self, client: Box<Client>) {
        let slot = client.slot;
        self.clients[slot] = Some(client);
    }

    /// Forgets a client taken with [`Server::take_client`]: its slot is
    /// free again. The caller closes the socket.
    pub fn release_client(&mut self, client: &mut Client) {
        crate::replication::drop_replica(self, client);
        if client.is_primary {
            crate::replica::link_lost(self, client);
        }
        if client.monitor {
            self.monitors.retain(|slot| *slot != client.slot);
        }
        if client.postponed {
            self.postponed.retain(|slot| *slot != client.slot);
        }
        if let Some(state) = &client.blocked {
            for key in &state.keys {
                let entry = (state.db, key.clone());
                if let Some(queue) = self.blocking.waiters.get_mut(&entry) {
                    queue.retain(|(_, id)| *id != client.id);
                    if queue.is_empty() {
                        self.blocking.waiters.remove(&entry);
                    }
                }
            }
            self.blocking.blocked.retain(|(_, id)| *id != client.id);
        }
        if client.is_subscribed() {
            crate::cmd::pubsub::forget_client(self, client);
        }
        crate::tracking::forget_client(self, client);
        for (db, key, _) in &client.watched {
            let entry_key = (*db, key.clone());
            if let Some(watchers) = self.watched_keys.get_mut(&entry_key) {
                watchers.retain(|(_, id)| *id != client.id);
                if watchers.is_empty() {
                    self.watched_keys.remove(&entry_key);
                }
            }
        }
        self.stats.error_replies += client.error_replies;
        for (code, count) in &client.error_codes {
            *self.error_codes.entry(code.clone()).or_default() += count;
        }
        self.free_slots.push(client.slot);
        self.connected_clients -= 1;
    }

    /// Runs every complete request in the client's query buffer.
    ///
    /// Stops at an incomplete request, at a protocol error (which is replied
    /// to and marks the client for closing), or once the client is closing.
    pub fn process_input(&mut self, client: &mut Client) {
        self.command_clock = None;
        let query = std::mem::take(&mut client.query);
        let mut args = std::mem::take(&mut client.args);
        let data = query.data();
        let mut consumed = 0;
        while consumed < data.len() && !client.close_after_reply {
            // Redis compat: before authentication, requests are capped much
            // lower, so an anonymous peer cannot make the server buffer much.
            let limits = RequestLimits {
                auth_required: !client.authenticated,
                ..self.limits
            };
            let request = &data[consumed..];
            match client.decoder.decode(request, &limits, &mut args) {
                Ok(Some(length)) => {
                    consumed += length;
                    if !args.is_empty() {
                        client.query_pending = data.len() - (consumed - length);
                        let reply_start = client.out.len();
                        client.kept_pushes.clear();
                        let outcome = self.process_command(client, args.view(&request[..length]));
                        client.query_pending = 0;
                        if outcome == Outcome::Postponed {
                            // Leave the request unconsumed; it is parsed again
                            // when the pause ends.
                            consumed -= length;
                            if !client.postponed {
                                client.postponed = true;
                                self.postponed.push(client.slot);
                            }
                            break;
                        }
                        if outcome == Outcome::Blocked {
                            consumed -= length;
                            break;
                        }
                        apply_reply_mode(client, reply_start);
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    crate::verbose!(
                        "Protocol error ({}) from client: id={} addr={}",
                        error,
                        client.id,
                        client.peer
                    );
                    client.reply_error(error.to_string());
                    client.close_after_reply = true;
                    client.decoder.reset();
                    consumed = data.len();
                }
            }
        }
        client.args = args;
        client.query = query;
        client.query.consume(consumed);
        self.command_clock = None;
    }

    /// The gate: looks the command up, checks it, and runs it.
    pub fn process_command(&mut self, client: &mut Client, argv: Argv<'_>) -> Outcome {
        let name = &argv[0];
        let found = match self.last_lookup {
            Some((spec, id)) if command::name_matches(name, spec.name.as_bytes()) => {
                Some((spec, id))
            }
            _ => {
                let found = self.commands.lookup_with_id(name);
                if found.is_some() {
                    self.last_lookup = found;
                }
                found
            }
        };
        let Some((mut spec, mut id)) = found else {
            // Redis compat: requests that look like HTTP are an attack
            // through a browser; Redis drops the connection without a reply.
            if name.eq_ignore_ascii_case(b"host:") || name.eq_ignore_ascii_case(b"post") {
                crate::warning!(
                    "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted."
                );
                client.close_after_reply = true;
                client.out.truncate(client.out_sent);
                return Outcome::Done;
            }
            flag_transaction(client);
            client.reply_error(errors::unknown_command(name, argv.iter().skip(1)));
            return Outcome::Done;
        };
        let mut container: Option<&'static CommandSpec> = None;
        if !spec.subcommands.is_empty() && argv.len() >= 2 {
            match command::lookup_subcommand_with_id(spec, id, &argv[1]) {
                Some((sub, sub_id)) => {
                    container = Some(spec);
                    spec = sub;
                    id = sub_id;
                }
                None => {
                    flag_transaction(client);
                    client.reply_error(errors::unknown_subcommand(name, &argv[1]));
                    return Outcome::Done;
                }
            }
        }
        if !spec.arity_ok(argv.len()) {
            self.command_stats[id].rejected_calls += 1;
            flag_transaction(client);
            client.reply_error(errors::wrong_arity(&command::full_name(container, spec)));
            return Outcome::Done;
        }
        if spec.flags & flags::PROTECTED != 0 && !self.protected_allowed(client, spec) {
            let (command, option) = if spec.name == "debug" {
                ("DEBUG", "enable-debug-command")
            } else {
                ("MODULE", "enable-module-command")
            };
            self.command_stats[id].rejected_calls += 1;
            client.reply_error(format!(
                "{command} command not allowed. If the {option} option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
            ));
            return Outcome::Done;
        }
        if !client.authenticated && spec.flags & flags::NO_AUTH == 0 {
            self.command_stats[id].rejected_calls += 1;
            flag_transaction(client);
            client.reply_error(errors::NOAUTH);
            return Outcome::Done;
        }
        // Redis compat: after a failed background save, with save points
        // and `stop-writes-on-bgsave-error`, writes (a transaction holding
        // one included) and PING are refused.
        if !self.persistence.last_bgsave_ok
            && self.config.stop_writes_on_bgsave_error
            && !self.config.save.is_empty()
        {
            let queued = match &client.multi {
                Some(state) if spec.name == "exec" => state.flags,
                _ => 0,
            };
            if (crate::scripting::effective_flags(self, spec, &argv) | queued) & flags::WRITE != 0
                || spec.name == "ping"
            {
                self.command_stats[id].rejected_calls += 1;
                flag_transaction(client);
                client.reply_error(errors::MISCONF_RDB);
                return Outcome::Done;
            }
        }
        // Redis compat: a RESP2 connection in pub/sub mode may only manage
        // its subscriptions (RESP3 connections have no such limit).
        if client.resp == 2
            && client.is_subscribed()
            && !matches!(
                spec.name,
                "ping"
                    | "subscribe"
                    | "ssubscribe"
                    | "unsubscribe"
                    | "sunsubscribe"
                    | "psubscribe"
                    | "punsubscribe"
                    | "quit"
                    | "reset"
            )
        {
            self.command_stats[id].rejected_calls += 1;
            flag_transaction(client);
            client.reply_error(format!(
                "Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                command::full_name(container, spec)
            ));
            return Outcome::Done;
        }
        let in_multi = client.multi.is_some();
        if in_multi && spec.flags & flags::NO_MULTI != 0 {
            self.command_stats[id].rejected_calls += 1;
            flag_transaction(client);
            client.reply_error("Command not allowed inside a transaction");
            return Outcome::Done;
        }
        // Redis compat: a replica refuses writes from anyone but its
        // primary (a transaction holding one included: EXEC is judged, not
        // the commands it runs, so a transaction that turns the server into
        // a replica runs whole).
        if self.primary.is_some() && !client.is_primary && !self.in_exec {
            let queued = match &client.multi {
                Some(state) if spec.name == "exec" => state.flags,
                _ => 0,
            };
            if (crate::scripting::effective_flags(self, spec, &argv) | queued) & flags::WRITE != 0
                && self.config.get("replica-read-only") == Some("yes")
            {
                self.command_stats[id].rejected_calls += 1;
                flag_transaction(client);
                client.reply_error(errors::READONLY_REPLICA);
                return Outcome::Done;
            }
        }
        // Redis compat: a primary with too few replicas acknowledging
        // recently refuses writes (min-replicas-to-write).
        if self.config.min_replicas_to_write > 0 && self.primary.is_none() && !self.in_exec {
            let queued = match &client.multi {
                Some(state) if spec.name == "exec" => state.flags,
                _ => 0,
            };
            if (crate::scripting::effective_flags(self, spec, &argv) | queued) & flags::WRITE != 0
                && crate::replication::good_replicas(self) < self.config.min_replicas_to_write
            {
                self.command_stats[id].rejected_calls += 1;
                flag_transaction(client);
                client.reply_error(errors::NOREPLICAS);
                return Outcome::Done;
            }
        }
        // Redis compat: a transaction runs whole; a CLIENT PAUSE it issues
        // applies from the next command on (`deny_blocking` marks EXEC).
        // The primary's stream is never held back: its bytes are counted
        // as applied in order.
        if let Some(pause) = self
            .pause
            .filter(|_| !client.deny_blocking && !client.is_primary)
        {
            let queued_writes = client.multi.as_ref().map_or(0, |state| state.flags);
            let may_write = (crate::scripting::effective_flags(self, spec, &argv)
                | if spec.name == "exec" {
                    queued_writes
                } else {
                    0
                })
                & (flags::WRITE | flags::MAY_REPLICATE)
                != 0;
            if self.now_ms < pause.end_ms && (!pause.writes_only || may_write) {
                return Outcome::Postponed;
            }
        }
        // Client-side caching costs this one check while nobody has used it.
        let tracking = self.tracking.active;
        if tracking && !client.deny_blocking {
            crate::tracking::before_command(self, client);
        }
        if in_multi
            && !matches!(
                spec.name,
                "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
            )
        {
            // Redis compat: a queued script counts with its shebang's flags.
            let queued_flags = crate::scripting::effective_flags(self, spec, &argv);
            crate::cmd::multi::queue(client, queued_flags, &argv);
            return Outcome::Done;
        }
        let Some(handler) = spec.handler else {
            // INVARIANT: only containers lack a handler, and a container
            // reached here has no subcommand argument, which its arity rejects
            // unless it accepts a bare call, in which case it has a handler.
            client.reply_error(errors::wrong_arity(spec.name));
            return Outcome::Done;
        };
        if client
            .blocked
            .as_ref()
            .is_some_and(|state| state.unblock_error)
        {
            self.unblock_client(client);
            client.reply_error("-UNBLOCKED client unblocked via CLIENT UNBLOCK");
            // Redis compat: a blocked command is counted once, when it ends,
            // and ending with this error makes it a failed call.
            let stats = &mut self.command_stats[id];
            stats.calls += 1;
            stats.failed_calls += 1;
            self.stats.commands += 1;
            client.errors_counted = client.error_replies;
            return Outcome::Done;
        }
        client.last_command = Some((container, spec));
        let errors_before = client.error_replies;
        let dirty_before = self.dirty;
        // In a pipelined batch the previous command's end is this one's
        // start: one clock read per command instead of two, which is a
        // tenth of the CPU of cheap commands. The gap is only the parsing
        // of this request, well under the microsecond the stats report.
        let started = match self.command_clock.take() {
            Some(tick) => tick,
            None => self.clock.now(),
        };
        // Redis compat: keyspace hits and misses are counted by
        // lookupKeyRead, which read-only commands use for every key. Write
        // commands that read a source that way switch counting on
        // themselves (`cmd::count_reads`); the gate switches it off after.
        let counting_db = client.db;
        let absent_deleted_keys = if tracking && spec.flags & flags::WRITE != 0 {
            crate::tracking::absent_deleted_keys(self, client, spec, &argv)
        } else {
            Vec::new()
        };
        self.dbs[counting_db].set_count_reads(spec.flags & flags::READONLY != 0);
        self.watchers_touched_by_command = false;
        client.key_event_anchor = client.out.len();
        let outer_choice = self.propagation_enter();
        let offset_before = self.replication.offset;
        handler(self, client, argv);
        self.propagation_leave(
            outer_choice,
            client.db,
            &mut argv.iter(),
            self.dirty != dirty_before && !client.is_primary,
            spec.flags & flags::TOUCHES_ARBITRARY_KEYS != 0,
        );
        // Redis compat: WAIT waits for the offset after this client's last
        // command that reached the replicas.
        if self.replication.offset != offset_before {
            client.woff = self.replication.offset;
        }
        self.dbs[counting_db].set_count_reads(false);
        if self.primary.is_some()
            && !client.is_primary
            && spec.flags & flags::WRITE != 0
            && self.dirty != dirty_before
        {
            crate::replica::remember_keys_with_expiry(self, client, spec, &argv);
        }
        if tracking {
            let changed = self.dirty != dirty_before;
            let written = crate::tracking::Written {
                changed,
                absent_deleted_keys: &absent_deleted_keys,
            };
            crate::tracking::after_command(self, client, spec, &argv, written);
        }
        if let Some(request) = client.block_request.take() {
            self.block_client(client, request);
            return Outcome::Blocked;
        }
        if client.blocked.is_some() {
            self.unblock_client(client);
        }
        if !self.blocking.waiters.is_empty()
            && self.dirty != dirty_before
            && spec.flags & flags::WRITE != 0
        {
            self.signal_written_keys(client, spec, &argv);
        }
        if !self.watched_keys.is_empty()
            && self.dirty != dirty_before
            && spec.flags & flags::WRITE != 0
            && !self.watchers_touched_by_command
        {
            self.touch_written_keys(client, spec, &argv);
        }
        let ended = self.clock.now();
        self.command_clock = Some(ended);
        let elapsed_ns = self.clock.nanos_between(started, ended);
        let duration_us = elapsed_ns / 1000;
        if self.config.latency_tracking {
            self.latency.record_command(id, elapsed_ns);
        }
        let threshold_ms = self.config.latency_monitor_threshold;
        if threshold_ms > 0 && duration_us / 1000 >= threshold_ms {
            let event = if spec.flags & flags::FAST != 0 {
                "fast-command"
            } else {
                "command"
            };
            self.latency
                .add_sample(event, self.now_ms / 1000, duration_us / 1000);
        }
        let stats = &mut self.command_stats[id];
        stats.calls += 1;
        stats.usec += duration_us;
        // Redis compat: an error is the failure of the innermost command
        // that replied it, so EXEC is not failed by a queued command's error.
        if client.error_replies > errors_before.max(client.errors_counted) {
            stats.failed_calls += 1;
        }
        client.errors_counted = client.error_replies;
        self.stats.commands += 1;
        let slower_than = self.config.slowlog_log_slower_than;
        if slower_than >= 0
            && duration_us >= slower_than as u64
            && spec.flags & flags::SKIP_SLOWLOG == 0
        {
            self.log_slow_command(client, &argv, duration_us);
        }
        // Redis compat: administrative commands are never shown to monitors.
        if !self.monitors.is_empty() && spec.flags & (flags::SKIP_MONITOR | flags::ADMIN) == 0 {
            crate::monitor::feed_monitors(self, client, &argv);
            // Not to be counted in the next command's time.
            self.command_clock = None;
        }
        // Expiries, creations and misses not yet followed by another
        // notification, before any waiter is served.
        self.announce_lookups(client);
        // Redis compat: inside EXEC, waiters are served once the whole
        // transaction has run, so they never see its intermediate states.
        if !self.blocking.ready.is_empty() && !client.deny_blocking {
            self.serve_ready_keys();
            crate::tracking::deliver_held(self, client);
        }
        if !self.pubsub.held_for_busy.is_empty() {
            crate::cmd::pubsub::deliver_held_messages(self, client);
        }

        Outcome::Done
    }

    /// Adds a SLOWLOG entry, shortening arguments as Redis does (at most 32,
    /// each at most 128 bytes, with a note of what was cut).
    fn log_slow_command(&mut self, client: &Client, argv: &Argv<'_>, duration_us: u64) {
        const MAX_ARGS: usize = 32;
        const MAX_BYTES: usize = 128;
        let kept = argv.len().min(MAX_ARGS);
        let redacted = crate::monitor::redacted_arguments(argv);
        let mut args = Vec::with_capacity(kept);
        for (index, arg) in argv.iter().take(kept).enumerate() {
            if redacted.contains(&index) {
                args.push(b"(redacted)".to_vec());
            } else if kept != argv.len() && index == kept - 1 {
                args.push(format!("... ({} more arguments)", argv.len() - kept + 1).into_bytes());
            } else if arg.len() > MAX_BYTES {
                let mut shortened = arg[..MAX_BYTES].to_vec();
                shortened.extend_from_slice(
                    format!("... ({} more bytes)", arg.len() - MAX_BYTES).as_bytes(),
                );
                args.push(shortened);
            } else {
                args.push(arg.to_vec());
            }
        }
        self.slowlog.push_front(SlowlogEntry {
            id: self.slowlog_next_id,
            time: self.now_ms / 1000,
            duration_us,
            args,
            peer: client.peer.clone(),
            name: client.name.clone().unwrap_or_default(),
        });
        self.slowlog_next_id += 1;
        self.slowlog.truncate(self.config.slowlog_max_len);
    }

    /// Whether `enable-debug-command` / `enable-module-command` let this client run `spec`.
    fn protected_allowed(&self, client: &Client, spec: &CommandSpec) -> bool {
        let access = if spec.name == "debug" {
            self.config.enable_debug_command
        } else {
            self.config.enable_module_command
        };
        match access {
            ProtectedAccess::Yes => true,
            ProtectedAccess::No => false,
            ProtectedAccess::Local => client.is_local(),
        }
    }

    /// Replaces the configuration with `config` (already validated) and
    /// applies what takes effect at once.
    pub fn apply_config(&mut self, config: Config) {
        self.limits.max_bulk_len = config.proto_max_bulk_len;
        crate::log::set_level(config.loglevel);
        self.config = config;
        self.apply_notify_classes();
    }

    /// Starts watching `key` in the client's database for `client`.
    pub fn watch_key(&mut self, client: &mut Client, key: &[u8]) {
        let db = client.db;
        if client
            .watched
            .iter()
            .any(|(watched_db, watched, _)| *watched_db == db && watched == key)
        {
            return;
        }
        let now = self.now_ms;
        let existed = self.dbs[db].contains(key, now);
        client.watched.push((db, key.to_vec(), existed));
        self.watched_keys
            .entry((db, key.to_vec()))
            .or_default()
            .push((client.slot, client.id));
    }

    /// Forgets every key `client` watches.
    pub fn unwatch_all(&mut self, client: &mut Client) {
        for (db, key, _) in client.watched.drain(..) {
            let entry_key = (db, key);
            if let Some(watchers) = self.watched_keys.get_mut(&entry_key) {
                watchers.retain(|(_, id)| *id != client.id);
                if watchers.is_empty() {
                    self.watched_keys.remove(&entry_key);
                }
            }
        }
        client.watch_dirty = false;
    }

    /// Redis compat: a watched key that existed at WATCH and has since
    /// expired (or vanished without a write being seen) dooms the EXEC.
    pub fn watched_key_vanished(&mut self, client: &Client) -> bool {
        let now = self.now_ms;
        client
            .watched
            .iter()
            .any(|(db, key, existed)| *existed && !self.dbs[*db].contains(key, now))
    }

    /// Marks the watchers of `key` in `db` (the writer `current` included) as doomed.
    pub fn touch_key(&mut self, current: &mut Client, db: usize, key: &[u8]) {
        let Some(watchers) = self.watched_keys.get(&(db, key.to_vec())) else {
            return;
        };
        for &(slot, id) in watchers {
            if id == current.id {
                current.watch_dirty = true;
            } else if let Some(Some(watcher)) = self.clients.get_mut(slot) {
                if watcher.id == id {
                    watcher.watch_dirty = true;
                }
            }
        }
    }

    /// Marks the watchers of every existing key of `db` (FLUSHDB, FLUSHALL, SWAPDB).
    pub fn touch_all_keys_in_db(&mut self, current: &mut Client, db: usize) {
        let now = self.now_ms;
        let doomed: Vec<Vec<u8>> = self
            .watched_keys
            .keys()
            .filter(|(watched_db, key)| *watched_db == db && self.dbs[db].get_for_watch(key, now))
            .map(|(_, key)| key.clone())
            .collect();
        for key in doomed {
            self.touch_key(current, db, &key);
        }
    }

    /// After a write command changed something, marks the keys it may have
    /// written ready for the clients blocked on them.
    fn signal_written_keys(&mut self, client: &Client, spec: &CommandSpec, argv: &Argv<'_>) {
        let Some(keys) = command::keys_of(spec, argv.len(), |index| argv.get(index)) else {
            return;
        };
        for (position, key_flags) in keys {
            if key_flags.contains(&"RO") {
                continue;
            }
            if let Some(key) = argv.get(position) {
                self.signal_key_ready(client.db, key);
            }
        }
    }

    /// After a write command changed something, dooms the watchers of the
    /// keys it may have written (by its key specs).
    fn touch_written_keys(&mut self, client: &mut Client, spec: &CommandSpec, argv: &Argv<'_>) {
        let Some(keys) = command::keys_of(spec, argv.len(), |index| argv.get(index)) else {
            return;
        };
        let db = client.db;
        for (position, key_flags) in keys {
            if key_flags.contains(&"RO") {
                continue;
            }
            if let Some(key) = argv.get(position) {
                self.touch_key(client, db, key);
            }
        }
    }

    /// Starts CLIENT PAUSE, or extends the one in force: a new pause never
    /// shortens it, and ALL wins over WRITE. Expiry is held back as long.
    pub fn pause_clients(&mut self, pause: ClientPause) {
        let pause = match self.pause {
            Some(current) => ClientPause {
                writes_only: current.writes_only && pause.writes_only,
                end_ms: current.end_ms.max(pause.end_ms),
            },
            None => pause,
        };
        self.pause = Some(pause);
        for db in &mut self.dbs {
            db.keep_expired_until_ms = pause.end_ms;
        }
    }

    /// Ends CLIENT PAUSE if its time has come (or `force`), and runs the
    /// requests of the clients it held back.
    pub fn end_pause_if_due(&mut self, force: bool) {
        let Some(pause) = self.pause else { return };
        if !force && self.now_ms < pause.end_ms {
            return;
        }
        self.pause = None;
        for db in &mut self.dbs {
            db.keep_expired_until_ms = 0;
        }
        for slot in std::mem::take(&mut self.postponed) {
            let Some(mut client) = self.take_client(slot) else {
                continue;
            };
            client.postponed = false;
            self.process_input(&mut client);
            self.queue_write(&mut client);
            self.put_client(client);
        }
    }

    /// Queues a client's replies for writing in `before_sleep`.
    #[inline]
    pub fn queue_write(&mut self, client: &mut Client) {
        if client.out.len() - client.out_sent > OUTPUT_BUFFER_FREE_BYTES && !client.close_asap {
            self.check_output_limits(client);
        }
        if !client.pending_write && client.has_pending_replies() {
            client.pending_write = true;
            self.pending_writes.push(client.slot);
        }
    }

    /// Cron's pass over clients with output waiting beyond the free
    /// buffer: a soft limit exceeded for too long closes a client even
    /// when no new reply arrives (Redis's `clientsCron` check).
    pub fn enforce_output_limits(&mut self) {
        for slot in 0..self.clients.len() {
            let over_free_buffer = self.clients[slot].as_ref().is_some_and(|client| {
                client.out.len() - client.out_sent > OUTPUT_BUFFER_FREE_BYTES && !client.close_asap
            });
            if !over_free_buffer {
                continue;
            }
            if let Some(mut client) = self.take_client(slot) {
                self.check_output_limits(&mut client);
                self.put_client(client);
            }
        }
    }

    /// Closes a client whose pending output is over its class's hard limit,
    /// or over the soft limit for longer than allowed (Redis's
    /// client-output-buffer-limit), so a slow reader cannot exhaust memory.
    fn check_output_limits(&mut self, client: &mut Client) {
        // Redis compat: the first 16 KiB (Redis's static reply buffer) do not count.
        // A snapshot on its way to a replica does not count: only the
        // stream behind it does.
        let counted_from = client.out_sent.max(client.repl_uncounted);
        let used = client
            .out
            .len()
            .saturating_sub(counted_from)
            .saturating_sub(OUTPUT_BUFFER_FREE_BYTES) as u64;
        let class = if client.replica.is_some() {
            1
        } else if client.is_subscribed() {
            2
        } else {
            0
        };
        let (hard, soft, seconds) = self.config.output_buffer_limits[class];
        let now = self.now_ms / 1000;
        let over_hard = hard > 0 && used >= hard;
        let mut over_soft = false;
        if soft > 0 && used >= soft {
            if client.soft_limit_since == 0 {
                client.soft_limit_since = now;
            } else {
                over_soft = now - client.soft_limit_since > seconds as i64;
            }
        } else {
            client.soft_limit_since = 0;
        }
        if over_hard || over_soft {
            crate::warning!(
                "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
                client.id,
                client.peer
            );
            client.close_asap = true;
            client.close_after_reply = true;
            self.clients_to_close.push(client.slot);
        }
    }

    /// Runs the active expire cycle of `kind` unless `DEBUG
    /// SET-ACTIVE-EXPIRE 0` turned it off or clients are paused; `clock_us` reads the time for
    /// the cycle's budget. Returns the keys removed.
    pub fn active_expire_cycle(
        &mut self,
        kind: CycleKind,
        clock_us: &mut dyn FnMut() -> i64,
    ) -> u64 {
        // Redis compat: a replica's keys expire when its primary says so.
        if !self.active_expire_enabled
            || self.primary.is_some()
            || self.pause.is_some_and(|p| self.now_ms < p.end_ms)
        {
            return 0;
        }
        let (now_ms, hz) = (self.now_ms, self.config.hz);
        let expired = self
            .active_expire
            .cycle(&mut self.dbs, kind, now_ms, hz, clock_us);
        // Redis compat: an expired key is announced, then its trackers
        // are invalidated.
        if expired > 0 && self.config.notify_keyspace_events != 0 {
            self.publish_database_key_events(None);
        }
        // Redis compat: deletions by the active cycle go out one by one,
        // never wrapped in MULTI.
        if expired > 0 && self.propagation.enabled && !self.propagation.in_command() {
            self.propagate_expired_keys();
            self.propagate_pending(false);
        }
        if expired > 0 {
            crate::tracking::invalidate_expired(self);
        }
        expired
    }

    /// Keys removed because their time had passed, in every database
    /// (INFO `expired_keys`).
    pub fn expired_keys(&self) -> u64 {
        self.dbs.iter().map(Db::expired_keys).sum()
    }

    /// The database a client has selected.
    #[inline]
    pub fn db(&mut self, client: &Client) -> &mut Db {
        &mut self.dbs[client.db]
    }
}

/// 40 hex characters from the OS's randomness (as std's hasher seeds get it).
pub fn random_hex_id() -> String {
    use std::hash::BuildHasher;
    let mut id = String::with_capacity(40);
    while id.len() < 40 {
        let random = std::collections::hash_map::RandomState::new().hash_one(id.len());
        id.push_str(&format!("{random:016x}"));
    }
    id.truncate(40);
    id
}

/// CLIENT REPLY: drops what the command just replied while replies are off
/// or skipped, except its pub/sub notifications, then moves a pending SKIP
/// onto the next command.
#[inline]
fn apply_reply_mode(client: &mut Client, reply_start: usize) {
    if client.reply_off || client.reply_skip {
        let cut = reply_start.max(client.out_sent);
        let kept: Vec<u8> = client
            .kept_pushes
            .drain(..)
            .filter(|range| range.start >= cut && range.end <= client.out.len())
            .flat_map(|range| client.out[range].to_vec())
            .collect();
        client.out.truncate(cut);
        client.out.extend_from_slice(&kept);
    }
    client.reply_skip = std::mem::take(&mut client.reply_skip_next);
}

/// Inside MULTI, a command refused by the gate dooms the transaction.
#[inline]
fn flag_transaction(client: &mut Client) {
    if let Some(state) = client.multi.as_mut() {
        state.aborted = true;
    }
}
