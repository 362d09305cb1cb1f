//! The `Server` value that owns all state, and the one command gate.
//!
//! Every request passes through [`Server::process_command`]: lookup
//! (case-insensitive, subcommands included), arity, authentication, then the
//! handler. Handlers never re-check what the gate checked.

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
}

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
    /// Changes since the last save.
    pub dirty: u64,
    /// Counters.
    pub stats: Stats,
    /// Request size limits for authenticated clients.
    pub limits: RequestLimits,
    /// Cron iterations so far.
    pub cron_loops: u64,
    /// Set when the server should shut down at the next cron.
    pub shutdown_requested: bool,
    /// The active expire cycle's state and statistics.
    pub active_expire: ActiveExpire,
    /// `DEBUG SET-ACTIVE-EXPIRE`: whether cron and `before_sleep` run the
    /// active expire cycle.
    pub active_expire_enabled: bool,
    /// Next database whose table cron resizes and rehashes.
    pub resize_db: usize,
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
            dirty: 0,
            stats: Stats::default(),
            limits,
            cron_loops: 0,
            shutdown_requested: false,
            active_expire: ActiveExpire::default(),
            active_expire_enabled: true,
            resize_db: 0,
        };
        server.set_time_us(now_ms.saturating_mul(1000));
        server
    }

    /// Sets the current time, in Unix microseconds.
    #[inline]
    pub fn set_time_us(&mut self, now_us: i64) {
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
    pub fn release_client(&mut self, client: &Client) {
        self.free_slots.push(client.slot);
        self.connected_clients -= 1;
    }

    /// Runs every complete request in the client's query buffer.
    ///
    /// Stops at an incomplete request, at a protocol error (which is replied
    /// to and marks the client for closing), or once the client is closing.
    pub fn process_input(&mut self, client: &mut Client) {
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
                        self.process_command(client, args.view(&request[..length]));
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
    }

    /// The gate: looks the command up, checks it, and runs it.
    pub fn process_command(&mut self, client: &mut Client, argv: Argv<'_>) {
        let name = &argv[0];
        let Some(mut spec) = self.commands.lookup(name) else {
            // Redis compat: requests that look like HTTP are an attack
            // through a browser; Redis drops the connection without a reply.
            if name.eq_ignore_ascii_case(b"host:") || name.eq_ignore_ascii_case(b"post") {
                crate::warning!(
                    "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted."
                );
                client.close_after_reply = true;
                client.out.truncate(client.out_sent);
                return;
            }
            client.reply_error(errors::unknown_command(name, argv.iter().skip(1)));
            return;
        };
        let mut container: Option<&'static CommandSpec> = None;
        if !spec.subcommands.is_empty() && argv.len() >= 2 {
            match command::lookup_subcommand(spec, &argv[1]) {
                Some(sub) => {
                    container = Some(spec);
                    spec = sub;
                }
                None => {
                    client.reply_error(errors::unknown_subcommand(name, &argv[1]));
                    return;
                }
            }
        }
        if !spec.arity_ok(argv.len()) {
            client.reply_error(errors::wrong_arity(&command::full_name(container, spec)));
            return;
        }
        if spec.flags & flags::PROTECTED != 0 && !self.protected_allowed(client, spec) {
            let (command, option) = if spec.name == "debug" {
                ("DEBUG", "enable-debug-command")
            } else {
                ("MODULE", "enable-module-command")
            };
            client.reply_error(format!(
                "{command} command not allowed. If the {option} option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
            ));
            return;
        }
        if !client.authenticated && spec.flags & flags::NO_AUTH == 0 {
            client.reply_error(errors::NOAUTH);
            return;
        }
        let Some(handler) = spec.handler else {
            // INVARIANT: only containers lack a handler, and a container
            // reached here has no subcommand argument, which its arity rejects
            // unless it accepts a bare call, in which case it has a handler.
            client.reply_error(errors::wrong_arity(spec.name));
            return;
        };
        handler(self, client, argv);
        self.stats.commands += 1;
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

    /// Queues a client's replies for writing in `before_sleep`.
    #[inline]
    pub fn queue_write(&mut self, client: &mut Client) {
        if !client.pending_write && client.has_pending_replies() {
            client.pending_write = true;
            self.pending_writes.push(client.slot);
        }
    }

    /// Runs the active expire cycle of `kind` unless `DEBUG
    /// SET-ACTIVE-EXPIRE 0` turned it off; `clock_us` reads the time for
    /// the cycle's budget. Returns the keys removed.
    pub fn active_expire_cycle(
        &mut self,
        kind: CycleKind,
        clock_us: &mut dyn FnMut() -> i64,
    ) -> u64 {
        if !self.active_expire_enabled {
            return 0;
        }
        let (now_ms, hz) = (self.now_ms, self.config.hz);
        self.active_expire
            .cycle(&mut self.dbs, kind, now_ms, hz, clock_us)
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
