//! Client-side caching: `CLIENT TRACKING` and the invalidation messages it
//! asks for.
//!
//! Design:
//! - The *table* maps a key name to the clients that may have cached it
//!   (default mode). Read-only commands run by a tracking client add their
//!   keys; the first change to a key sends one invalidation to every client
//!   listed and drops the entry, so a client hears about a key once per
//!   read. Names are global: the same key in two databases is one entry.
//!   Entries of clients that stopped tracking are left to be dropped lazily,
//!   as Redis does, so INFO's item counts match it.
//! - *Broadcast* (BCAST) clients subscribe to prefixes instead. Changed keys
//!   are collected per prefix during the event-loop iteration and sent in
//!   one message per prefix from `before_sleep`.
//! - OPTIN/OPTOUT make tracking depend on `CLIENT CACHING` before the
//!   command; NOLOOP skips keys the client changed itself.
//! - What counts as a change: the keys a write command's key specs name
//!   (less those it could only delete and that did not exist), SORT's
//!   STORE key, keys removed on expiry (the databases log them once
//!   tracking is active), and keys evicted from a table over
//!   `tracking-table-max-keys`, checked before each command and in cron.
//! - When invalidations go out: to other clients at once; to the client
//!   whose command caused them, after that command's reply (after EXEC's
//!   whole reply inside a transaction). FLUSHDB/FLUSHALL send a null
//!   ("everything") to every tracking client and empty the table.
//! - Delivery: a RESP3 push on the client's own connection, or, with
//!   REDIRECT, to another connection (a pub/sub message on
//!   `__redis__:invalidate` if that one speaks RESP2 and is subscribed).
//! - Cost when nobody tracks: [`Tracking::active`] stays false until the
//!   first `CLIENT TRACKING ON`, and it is the one check the command path
//!   makes. Once active, a write costs a table lookup per key it names.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use vireo_resp::{encode, Argv};

use crate::client::Client;
use crate::command::{self, flags, Arg, ArgKind, CommandSpec};
use crate::errors;
use crate::server::Server;

/// The pub/sub channel RESP2 clients receive redirected invalidations on.
pub const INVALIDATION_CHANNEL: &[u8] = b"__redis__:invalidate";

/// A client as the tracking state refers to it: its id, and the slot it
/// was in (checked against the id, since slots are reused).
type ClientRef = (u64, usize);

/// The server-wide tracking state.
#[derive(Debug, Default)]
pub struct Tracking {
    /// Set by the first `CLIENT TRACKING ON` and never cleared: from then on
    /// changed keys are looked up in the table.
    pub active: bool,
    /// Clients with tracking on (INFO `tracking_clients`).
    pub clients: usize,
    /// Key name to the clients that may have it cached.
    table: KeyTable,
    /// Client references across the whole table (INFO `tracking_total_items`).
    total_items: u64,
    /// Broadcast prefixes, in byte order.
    prefixes: BTreeMap<Vec<u8>, Broadcast>,
    /// Invalidations for the client running the current command, sent
    /// after its reply; `None` is a flush (null) invalidation.
    pending: Vec<Option<Vec<u8>>>,
    /// Consecutive table-limit passes that could not get under the limit.
    limit_rounds: u32,
    /// Invalidations for a reader that was out of its slot, running the
    /// command whose effects are being applied (it woke a blocked client):
    /// sent to it once that command is done.
    held: Vec<(ClientRef, Vec<u8>)>,
    /// Keys removed on expiry that the propagation point took from the
    /// databases' logs, left for invalidation.
    pub expired: Vec<Vec<u8>>,
    /// The running script called a read-only command: its caller tracks
    /// the keys the script declared.
    pub script_read: bool,
}

/// Key names to readers, with a uniformly random key in O(1) for the
/// table limit: entries live in a vector, and a map finds a key's place.
#[derive(Debug, Default)]
struct KeyTable {
    places: HashMap<Arc<[u8]>, usize>,
    entries: Vec<(Arc<[u8]>, Vec<ClientRef>)>,
}

impl KeyTable {
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// The readers of `key`, an empty list first if it has none.
    fn readers_mut(&mut self, key: &[u8]) -> &mut Vec<ClientRef> {
        let place = match self.places.get(key) {
            Some(&place) => place,
            None => {
                let name: Arc<[u8]> = Arc::from(key);
                self.places.insert(Arc::clone(&name), self.entries.len());
                self.entries.push((name, Vec::new()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[place].1
    }

    /// Takes `key` out of the table with its readers.
    fn remove(&mut self, key: &[u8]) -> Option<Vec<ClientRef>> {
        let place = self.places.remove(key)?;
        let (_, readers) = self.entries.swap_remove(place);
        if let Some((moved, _)) = self.entries.get(place) {
            self.places.insert(Arc::clone(moved), place);
        }
        Some(readers)
    }

    /// The key at `place` (below [`KeyTable::len`]).
    fn key_at(&self, place: usize) -> Option<Arc<[u8]>> {
        self.entries.get(place).map(|(name, _)| Arc::clone(name))
    }

    fn clear(&mut self) {
        self.places.clear();
        self.entries.clear();
    }
}

/// The clients subscribed to one prefix, and the keys under it changed in
/// this event-loop iteration.
#[derive(Debug, Default)]
struct Broadcast {
    /// Changed keys, in byte order, each with the id of the client whose
    /// command changed it last (`None` for expiry), for NOLOOP.
    keys: BTreeMap<Vec<u8>, Option<u64>>,
    clients: Vec<ClientRef>,
}

/// A client's tracking settings; present while tracking is on.
#[derive(Debug, Default, Clone)]
pub struct ClientTracking {
    /// Id of the client invalidations go to; 0 for this one.
    pub redirect: u64,
    redirect_slot: usize,
    /// BCAST mode.
    pub bcast: bool,
    /// OPTIN mode: only reads after `CLIENT CACHING YES` are tracked.
    pub optin: bool,
    /// OPTOUT mode: reads after `CLIENT CACHING NO` are not tracked.
    pub optout: bool,
    /// `CLIENT CACHING` was given for the next command (or transaction).
    pub caching: bool,
    /// NOLOOP: no invalidations for this client's own changes.
    pub noloop: bool,
    /// The redirect target was gone when an invalidation was due.
    pub broken_redirect: bool,
    /// BCAST prefixes, in byte order.
    pub prefixes: BTreeSet<Vec<u8>>,
}

impl Tracking {
    /// Keys in the table (INFO `tracking_total_keys`).
    pub fn total_keys(&self) -> usize {
        self.table.len()
    }

    /// Client references in the table (INFO `tracking_total_items`).
    pub fn total_items(&self) -> u64 {
        self.total_items
    }

    /// Broadcast prefixes (INFO `tracking_total_prefixes`).
    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }
}

/// What an invalidation message carries.
#[derive(Clone, Copy)]
enum Body<'a> {
    /// One key, sent as a one-element array.
    Key(&'a [u8]),
    /// Protocol already encoded (a BCAST key array, or a flush null).
    Encoded(&'a [u8]),
}

/// The client `(id, slot)`: `current` if it is that one, else the table's.
fn find<'a>(
    clients: &'a [Option<Box<Client>>],
    current: Option<&'a Client>,
    (id, slot): ClientRef,
) -> Option<&'a Client> {
    if let Some(client) = current.filter(|c| c.id == id) {
        return Some(client);
    }
    clients
        .get(slot)?
        .as_deref()
        .filter(|client| client.id == id)
}

/// Runs `write` on the client `(id, slot)` and makes sure what it wrote is
/// sent even under CLIENT REPLY OFF. False if the client is gone.
fn write_to(
    server: &mut Server,
    current: Option<&mut Client>,
    (id, slot): ClientRef,
    write: impl FnOnce(&mut Client),
) -> bool {
    if let Some(client) = current.filter(|c| c.id == id) {
        let start = client.out.len();
        write(client);
        client.mark_push(start);
        return true;
    }
    let Some(Some(mut client)) = server.clients.get_mut(slot).map(Option::take) else {
        return false;
    };
    let found = client.id == id;
    if found {
        write(&mut client);
        server.queue_write(&mut client);
    }
    server.clients[slot] = Some(client);
    found
}

/// Sends one invalidation for the tracking client `target`, to it or to
/// its redirect (Redis's `sendTrackingMessage`).
fn send(server: &mut Server, current: Option<&mut Client>, target: ClientRef, body: Body<'_>) {
    let Some((redirect, redirect_slot)) = find(&server.clients, current.as_deref(), target)
        .and_then(|client| client.tracking.as_deref())
        .map(|settings| (settings.redirect, settings.redirect_slot))
    else {
        return;
    };
    let receiver = if redirect == 0 {
        target
    } else {
        (redirect, redirect_slot)
    };
    let Some((as_push, subscribed)) = find(&server.clients, current.as_deref(), receiver)
        .map(|client| (client.resp > 2, client.is_subscribed()))
    else {
        // Redis compat: a vanished redirect target is reported to the
        // tracking client itself, on RESP3 only, each time a message is due.
        write_to(server, current, target, |client| {
            if let Some(settings) = client.tracking.as_deref_mut() {
                settings.broken_redirect = true;
            }
            if client.resp > 2 {
                encode::push_len(&mut client.out, 2);
                client.reply_bulk(b"tracking-redir-broken");
                client.reply_integer(redirect as i64);
            }
        });
        return;
    };
    // RESP2 has no push frames: only a redirect to a subscribed RESP2
    // connection can carry the message, as a pub/sub message.
    if !as_push && (redirect == 0 || !subscribed) {
        return;
    }
    write_to(server, current, receiver, |client| {
        if as_push {
            encode::push_len(&mut client.out, 2);
            client.reply_bulk(b"invalidate");
        } else {
            client.reply_array_len(3);
            client.reply_bulk(b"message");
            client.reply_bulk(INVALIDATION_CHANNEL);
        }
        match body {
            Body::Key(key) => {
                client.reply_array_len(1);
                client.reply_bulk(key);
            }
            Body::Encoded(bytes) => client.out.extend_from_slice(bytes),
        }
    });
}

/// The null a flush invalidation carries, in the tracking client's protocol.
fn null_for(resp: u8) -> &'static [u8] {
    if resp > 2 {
        b"_\r\n"
    } else {
        b"$-1\r\n"
    }
}

/// `key` changed (or is dropped from the table): invalidates it for every
/// client that may cache it, and with `bcast` records it for the prefixes
/// that match. `writer` is the client whose command changed it, `None` for
/// expiry and table eviction; `in_command` says `current` is running a
/// command, so its own invalidations wait for the reply.
fn invalidate_key(
    server: &mut Server,
    mut current: Option<&mut Client>,
    in_command: bool,
    writer: Option<u64>,
    key: &[u8],
    bcast: bool,
) {
    if bcast {
        for (prefix, state) in server.tracking.prefixes.iter_mut() {
            if key.starts_with(prefix) {
                state.keys.insert(key.to_vec(), writer);
            }
        }
    }
    let Some(mut readers) = server.tracking.table.remove(key) else {
        return;
    };
    server.tracking.total_items -= readers.len() as u64;
    // Redis compat: ids are kept in a radix tree of their in-memory
    // (little-endian) bytes, which is the order messages go out in.
    readers.sort_by_key(|(id, _)| id.to_le_bytes());
    let current_id = current.as_deref().map(|c| c.id);
    for reader in readers {
        let Some(settings) = find(&server.clients, current.as_deref(), reader) else {
            // An empty slot is a client busy running its command (the one
            // whose write is waking the client served now): the message
            // waits for it instead of being lost.
            if matches!(server.clients.get(reader.1), Some(None)) {
                server.tracking.held.push((reader, key.to_vec()));
            }
            continue;
        };
        let Some((bcast, noloop)) = settings
            .tracking
            .as_deref()
            .map(|settings| (settings.bcast, settings.noloop))
        else {
            continue;
        };
        if bcast {
            continue;
        }
        // Redis compat: NOLOOP compares with the client running a command,
        // so that client's own lazy expirations are skipped too.
        let is_current = current_id == Some(reader.0);
        if noloop && is_current {
            continue;
        }
        if is_current && in_command {
            server.tracking.pending.push(Some(key.to_vec()));
        } else {
            send(server, current.as_deref_mut(), reader, Body::Key(key));
        }
    }
}

/// Sends `client` the invalidations held while it was busy (see
/// `Tracking::held`), after its reply. Redis compat: the change was made
/// by serving another client, so NOLOOP does not hold them back.
pub fn deliver_held(server: &mut Server, client: &mut Client) {
    for (reader, key) in std::mem::take(&mut server.tracking.held) {
        if reader.0 != client.id {
            continue;
        }
        let bcast = client.tracking.as_deref().map(|settings| settings.bcast);
        if bcast == Some(false) {
            send(server, Some(&mut *client), reader, Body::Key(&key));
        }
    }
}

/// The keys the databases dropped on expiry since last asked.
fn take_expired_keys(server: &mut Server) -> Vec<Vec<u8>> {
    // The propagation point may have taken some from the databases first.
    let mut keys = std::mem::take(&mut server.tracking.expired);
    for db in &mut server.dbs {
        keys.append(&mut db.take_expired_log());
    }
    keys
}

/// Invalidates the keys expired outside any command (active expiry).
pub fn invalidate_expired(server: &mut Server) {
    if !server.tracking.active {
        return;
    }
    for key in take_expired_keys(server) {
        invalidate_key(server, None, false, None, &key, true);
    }
}

/// What a command may have written, for [`after_command`].
pub struct Written<'a> {
    /// The dirty counter moved.
    pub changed: bool,
    /// Positions found by [`absent_deleted_keys`] before the command ran.
    pub absent_deleted_keys: &'a [usize],
}

/// Run by the command gate before a write command's handler: the
/// positions of keys the command may only delete that do not exist now.
/// Redis compat: such keys are not changed, so they get no invalidation
/// (`DEL a b` with only `a` present invalidates `a` alone).
pub fn absent_deleted_keys(
    server: &Server,
    client: &Client,
    spec: &CommandSpec,
    argv: &Argv<'_>,
) -> Vec<usize> {
    let Some(keys) = command::keys_of(spec, argv.len(), |index| argv.get(index)) else {
        return Vec::new();
    };
    let db = &server.dbs[client.db];
    keys.into_iter()
        .filter(|(_, key_flags)| key_flags.contains(&"delete") && !key_flags.contains(&"insert"))
        .filter(|(position, _)| {
            argv.get(*position)
                .is_some_and(|key| !db.get_for_watch(key, server.now_ms))
        })
        .map(|(position, _)| position)
        .collect()
}

/// Run by the command gate after a command's handler: invalidates what it
/// expired and changed, remembers what a tracking client read, and at the
/// top level (not inside EXEC) sends the client's own invalidations.
pub fn after_command(
    server: &mut Server,
    client: &mut Client,
    spec: &CommandSpec,
    argv: &Argv<'_>,
    written: Written<'_>,
) {
    let in_command = true;
    for key in take_expired_keys(server) {
        invalidate_key(server, Some(&mut *client), in_command, None, &key, true);
    }
    if written.changed && spec.flags & flags::WRITE != 0 {
        if let Some(keys) = command::keys_of(spec, argv.len(), |index| argv.get(index)) {
            for (position, key_flags) in keys {
                if key_flags.contains(&"RO") || written.absent_deleted_keys.contains(&position) {
                    continue;
                }
                if let Some(key) = argv.get(position) {
                    let writer = Some(client.id);
                    invalidate_key(server, Some(&mut *client), in_command, writer, key, true);
                }
            }
        }
        if let Some(key) = sort_store_key(spec, argv) {
            let writer = Some(client.id);
            invalidate_key(server, Some(&mut *client), in_command, writer, key, true);
        }
    }
    // Redis compat: a script is tracked by the keys it declared, and only
    // if it ran a read-only command (EVAL_RO included: its own flag does
    // not count); the commands it runs track nothing themselves.
    if crate::scripting::runs_script(spec) {
        if std::mem::take(&mut server.tracking.script_read) {
            remember_keys(server, client, spec, argv);
        }
    } else if spec.flags & flags::READONLY != 0 && spec.flags & flags::PUBSUB == 0 {
        if client.is_script {
            server.tracking.script_read = true;
        } else {
            remember_keys(server, client, spec, argv);
        }
    }
    if !client.deny_blocking {
        send_pending(server, client);
    }
}

/// SORT's STORE destination, which its key specs cannot describe (the last
/// STORE given wins, as in SORT itself).
fn sort_store_key<'a>(spec: &CommandSpec, argv: &Argv<'a>) -> Option<&'a [u8]> {
    if spec.name != "sort" {
        return None;
    }
    let mut store = None;
    let mut index = 2;
    while index + 1 < argv.len() {
        if argv[index].eq_ignore_ascii_case(b"store") {
            store = argv.get(index + 1);
        }
        index += 1;
    }
    store
}

/// Sends the invalidations held back for `client` until its reply was out.
fn send_pending(server: &mut Server, client: &mut Client) {
    if server.tracking.pending.is_empty() {
        return;
    }
    let target = (client.id, client.slot);
    for key in std::mem::take(&mut server.tracking.pending) {
        match key {
            Some(key) => send(server, Some(&mut *client), target, Body::Key(&key)),
            None => {
                let null = null_for(client.resp);
                send(server, Some(&mut *client), target, Body::Encoded(null));
            }
        }
    }
}

/// Adds the keys a read-only command used to the table, for a tracking
/// client in default mode that wants this command tracked.
fn remember_keys(server: &mut Server, client: &Client, spec: &CommandSpec, argv: &Argv<'_>) {
    let Some(settings) = client.tracking.as_deref() else {
        return;
    };
    if settings.bcast
        || (settings.optin && !settings.caching)
        || (settings.optout && settings.caching)
    {
        return;
    }
    let Some(keys) = command::keys_of(spec, argv.len(), |index| argv.get(index)) else {
        return;
    };
    let reader = (client.id, client.slot);
    for (position, _) in keys {
        let Some(key) = argv.get(position) else {
            continue;
        };
        let readers = server.tracking.table.readers_mut(key);
        if !readers.iter().any(|(id, _)| *id == client.id) {
            readers.push(reader);
            server.tracking.total_items += 1;
        }
    }
}

/// Run by the command gate before a command that is not inside EXEC runs
/// or is queued: ends the previous command's `CLIENT CACHING` and keeps
/// the table within its limit.
pub fn before_command(server: &mut Server, client: &mut Client) {
    end_caching(client);
    if server.tracking.clients > 0 {
        limit_table(server, Some(client));
    }
}

/// `CLIENT CACHING` covers only the next command, or the whole next
/// transaction; other CLIENT subcommands leave it pending. Checked when
/// the following command starts, which is when it would matter.
fn end_caching(client: &mut Client) {
    let Some(settings) = client.tracking.as_deref_mut() else {
        return;
    };
    let ran_client_command = client
        .last_command
        .is_some_and(|(container, _)| container.is_some_and(|c| c.name == "client"));
    if settings.caching && client.multi.is_none() && !ran_client_command {
        settings.caching = false;
    }
}

/// A key a read-only command changed (PFCOUNT refreshing its cached
/// count), which the gate does not see as a write: invalidates it as a
/// write by `client` would (Redis's `signalModifiedKey`).
pub fn key_changed_by_read(server: &mut Server, client: &mut Client, key: &[u8]) {
    if server.tracking.active {
        let writer = Some(client.id);
        invalidate_key(server, Some(client), true, writer, key, true);
    }
}

/// FLUSHDB/FLUSHALL: every tracking client is told that all keys are
/// invalid, and the table is emptied.
pub fn invalidate_all(server: &mut Server, client: &mut Client) {
    if !server.tracking.active {
        return;
    }
    if server.tracking.clients > 0 {
        let mut targets: Vec<(ClientRef, u8)> = server
            .clients
            .iter()
            .flatten()
            .map(|c| &**c)
            .chain(std::iter::once(&*client))
            .filter(|c| c.tracking.is_some())
            .map(|c| ((c.id, c.slot), c.resp))
            .collect();
        targets.sort_by_key(|((id, _), _)| *id);
        for (target, resp) in targets {
            if target.0 == client.id {
                server.tracking.pending.push(None);
            } else {
                send(
                    server,
                    Some(&mut *client),
                    target,
                    Body::Encoded(null_for(resp)),
                );
            }
        }
    }
    // Redis compat: the whole table goes, even for FLUSHDB of one database.
    server.tracking.table.clear();
    server.tracking.total_items = 0;
}

/// Sends the keys collected per broadcast prefix in this iteration (Redis's
/// `trackingBroadcastInvalidationMessages`, from `before_sleep`).
pub fn broadcast_invalidations(server: &mut Server) {
    if !server.tracking.active || server.tracking.clients == 0 {
        return;
    }
    let mut batches = Vec::new();
    for state in server.tracking.prefixes.values_mut() {
        let keys = std::mem::take(&mut state.keys);
        if !keys.is_empty() {
            batches.push((keys, state.clients.clone()));
        }
    }
    for (keys, clients) in batches {
        let everything = encode_keys(&keys, None);
        for target in clients {
            let noloop = find(&server.clients, None, target)
                .and_then(|c| c.tracking.as_deref())
                .is_some_and(|settings| settings.noloop);
            if noloop {
                if let Some(own) = encode_keys(&keys, Some(target.0)) {
                    send(server, None, target, Body::Encoded(&own));
                }
            } else if let Some(everything) = &everything {
                send(server, None, target, Body::Encoded(everything));
            }
        }
    }
}

/// The keys as a RESP array, without those last changed by `excluded`;
/// `None` if that leaves nothing.
fn encode_keys(keys: &BTreeMap<Vec<u8>, Option<u64>>, excluded: Option<u64>) -> Option<Vec<u8>> {
    let kept: Vec<&Vec<u8>> = keys
        .iter()
        .filter(|(_, writer)| excluded.is_none() || **writer != excluded)
        .map(|(key, _)| key)
        .collect();
    if kept.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    encode::array_len(&mut out, kept.len());
    for key in kept {
        encode::bulk(&mut out, key);
    }
    Some(out)
}

/// Keeps the table within `tracking-table-max-keys`: drops random keys,
/// invalidating them for their readers, with more effort each time the
/// previous pass could not get under the limit.
pub fn limit_table(server: &mut Server, mut current: Option<&mut Client>) {
    let max_keys = server.config.tracking_table_max_keys;
    if !server.tracking.active || max_keys == 0 {
        return;
    }
    if server.tracking.table.len() as u64 <= max_keys {
        server.tracking.limit_rounds = 0;
        return;
    }
    let mut effort = 100 * (u64::from(server.tracking.limit_rounds) + 1);
    while effort > 0 {
        effort -= 1;
        let len = server.tracking.table.len();
        if len == 0 {
            break;
        }
        let pick = server.rng.below(len);
        let Some(key) = server.tracking.table.key_at(pick) else {
            break;
        };
        invalidate_key(server, current.as_deref_mut(), false, None, &key, false);
        if server.tracking.table.len() as u64 <= max_keys {
            server.tracking.limit_rounds = 0;
            return;
        }
    }
    server.tracking.limit_rounds += 1;
}

/// Turns tracking off for a client going away or reset: leaves its
/// broadcast prefixes. Its table entries are dropped lazily.
pub fn forget_client(server: &mut Server, client: &Client) {
    let Some(settings) = client.tracking.as_deref() else {
        return;
    };
    for prefix in &settings.prefixes {
        if let Some(state) = server.tracking.prefixes.get_mut(prefix) {
            state.clients.retain(|(id, _)| *id != client.id);
            if state.clients.is_empty() {
                server.tracking.prefixes.remove(prefix);
            }
        }
    }
    server.tracking.clients -= 1;
}

/// Turns tracking off for `client` (CLIENT TRACKING OFF, RESET).
pub fn disable(server: &mut Server, client: &mut Client) {
    forget_client(server, client);
    client.tracking = None;
}

/// CLIENT LIST's tracking flags, in Redis's order: `t`, `R`, `B`.
pub fn list_flags(client: &Client, flags: &mut String) {
    if let Some(settings) = client.tracking.as_deref() {
        flags.push('t');
        if settings.broken_redirect {
            flags.push('R');
        }
        if settings.bcast {
            flags.push('B');
        }
    }
}

/// CLIENT LIST's `redir`: the redirect id while tracking (0 for none), else -1.
pub fn redirect_of(client: &Client) -> i64 {
    client
        .tracking
        .as_deref()
        .map_or(-1, |settings| settings.redirect as i64)
}

/// Text up to the first NUL, as Redis's C formatting prints it.
fn printable(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Whether two prefixes would both match some key.
fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let shorter = a.len().min(b.len());
    a[..shorter] == b[..shorter]
}

/// CLIENT TRACKING's arguments, for COMMAND DOCS.
pub const TRACKING_ARGS: &[Arg] = &[
    Arg::new("status", ArgKind::OneOf).of(&[Arg::token("on", "ON"), Arg::token("off", "OFF")]),
    Arg::new("client-id", ArgKind::Integer)
        .with_token("REDIRECT")
        .optional(),
    Arg::new("prefix", ArgKind::String)
        .with_token("PREFIX")
        .optional()
        .multiple(),
    Arg::token("bcast", "BCAST").optional(),
    Arg::token("optin", "OPTIN").optional(),
    Arg::token("optout", "OPTOUT").optional(),
    Arg::token("noloop", "NOLOOP").optional(),
];

/// CLIENT CACHING's arguments, for COMMAND DOCS.
pub const CACHING_ARGS: &[Arg] =
    &[Arg::new("mode", ArgKind::OneOf).of(&[Arg::token("yes", "YES"), Arg::token("no", "NO")])];

/// What `CLIENT TRACKING` was asked for.
#[derive(Default)]
struct Request<'a> {
    redirect: Option<ClientRef>,
    bcast: bool,
    optin: bool,
    optout: bool,
    noloop: bool,
    prefixes: Vec<&'a [u8]>,
}

/// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX prefix ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
pub fn client_tracking(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut request = Request::default();
    let mut index = 3;
    while index < argv.len() {
        let option = &argv[index];
        let has_value = index + 1 < argv.len();
        if option.eq_ignore_ascii_case(b"redirect") && has_value {
            index += 1;
            if request.redirect.is_some() {
                return client.reply_error(errors::TRACKING_ONE_REDIRECT);
            }
            let Some(id) = crate::cmd::parse_i64(&argv[index]) else {
                return client.reply_error(errors::NOT_INTEGER);
            };
            let found = server
                .clients
                .iter()
                .flatten()
                .map(|c| &**c)
                .chain(std::iter::once(&*client))
                .find(|c| c.id as i64 == id)
                .map(|c| (c.id, c.slot));
            match found {
                Some(target) => request.redirect = Some(target),
                None => return client.reply_error(errors::TRACKING_REDIRECT_MISSING),
            }
        } else if option.eq_ignore_ascii_case(b"bcast") {
            request.bcast = true;
        } else if option.eq_ignore_ascii_case(b"optin") {
            request.optin = true;
        } else if option.eq_ignore_ascii_case(b"optout") {
            request.optout = true;
        } else if option.eq_ignore_ascii_case(b"noloop") {
            request.noloop = true;
        } else if option.eq_ignore_ascii_case(b"prefix") && has_value {
            index += 1;
            request.prefixes.push(&argv[index]);
        } else {
            return client.reply_error(errors::SYNTAX);
        }
        index += 1;
    }
    let mode = &argv[2];
    if mode.eq_ignore_ascii_case(b"off") {
        disable(server, client);
        return client.reply_ok();
    }
    if !mode.eq_ignore_ascii_case(b"on") {
        return client.reply_error(errors::SYNTAX);
    }
    if !request.bcast && !request.prefixes.is_empty() {
        return client.reply_error(errors::TRACKING_PREFIX_NEEDS_BCAST);
    }
    let current = client.tracking.as_deref();
    if current.is_some_and(|settings| settings.bcast != request.bcast) {
        return client.reply_error(errors::TRACKING_BCAST_SWITCH);
    }
    if request.bcast && (request.optin || request.optout) {
        return client.reply_error(errors::TRACKING_OPT_WITH_BCAST);
    }
    if request.optin && request.optout {
        return client.reply_error(errors::TRACKING_OPTIN_AND_OPTOUT);
    }
    if current.is_some_and(|settings| {
        (request.optin && settings.optout) || (request.optout && settings.optin)
    }) {
        return client.reply_error(errors::TRACKING_OPT_SWITCH);
    }
    if request.bcast && !prefixes_acceptable(client, &request.prefixes) {
        return;
    }
    enable(server, client, &request);
    client.reply_ok();
}

/// Checks the requested prefixes against each other and against those the
/// client has; replies with the error on a collision. Returns whether
/// tracking should still be turned on.
fn prefixes_acceptable(client: &mut Client, prefixes: &[&[u8]]) -> bool {
    let existing: Vec<Vec<u8>> = client
        .tracking
        .as_deref()
        .map(|settings| settings.prefixes.iter().cloned().collect())
        .unwrap_or_default();
    for (position, prefix) in prefixes.iter().enumerate() {
        if let Some(old) = existing.iter().find(|old| overlaps(old, prefix)) {
            client.reply_error(errors::tracking_prefix_overlaps_existing(
                &printable(prefix),
                &printable(old),
            ));
            return false;
        }
        if let Some(other) = prefixes[position + 1..]
            .iter()
            .find(|o| overlaps(prefix, o))
        {
            client.reply_error(errors::tracking_prefix_overlaps_provided(
                &printable(prefix),
                &printable(other),
            ));
            // Redis compat: a collision found past the first prefix is
            // reported, and tracking is turned on anyway (with a +OK after
            // the error), since Redis returns the prefix's position as its
            // verdict and any position but the first reads as success.
            return position > 0;
        }
    }
    true
}

/// Turns tracking on (or changes its options) for `client`.
fn enable(server: &mut Server, client: &mut Client, request: &Request<'_>) {
    server.tracking.active = true;
    if client.tracking.is_none() {
        server.tracking.clients += 1;
        for db in &mut server.dbs {
            db.log_expired_keys();
        }
    }
    let settings = client.tracking.get_or_insert_with(Default::default);
    // The CACHING flag and the prefixes survive re-enabling; every other
    // option is set anew.
    (settings.redirect, settings.redirect_slot) = request.redirect.unwrap_or((0, 0));
    settings.broken_redirect = false;
    settings.bcast = request.bcast;
    settings.optin = request.optin;
    settings.optout = request.optout;
    settings.noloop = request.noloop;
    if request.bcast {
        let mut wanted = request.prefixes.clone();
        if wanted.is_empty() {
            wanted.push(b"");
        }
        for prefix in wanted {
            let state = server.tracking.prefixes.entry(prefix.to_vec()).or_default();
            if !state.clients.iter().any(|(id, _)| *id == client.id) {
                state.clients.push((client.id, client.slot));
                settings.prefixes.insert(prefix.to_vec());
            }
        }
    }
}

/// CLIENT CACHING YES|NO
pub fn client_caching(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(settings) = client.tracking.as_deref_mut() else {
        return client.reply_error(errors::CACHING_WITHOUT_TRACKING);
    };
    let choice = &argv[2];
    if choice.eq_ignore_ascii_case(b"yes") {
        if !settings.optin {
            return client.reply_error(errors::CACHING_YES_NEEDS_OPTIN);
        }
    } else if choice.eq_ignore_ascii_case(b"no") {
        if !settings.optout {
            return client.reply_error(errors::CACHING_NO_NEEDS_OPTOUT);
        }
    } else {
        return client.reply_error(errors::SYNTAX);
    }
    settings.caching = true;
    client.reply_ok();
}

/// CLIENT GETREDIR
pub fn client_getredir(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_integer(redirect_of(client));
}

/// CLIENT TRACKINGINFO
pub fn client_trackinginfo(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let settings = client.tracking.clone();
    let mut names: Vec<&[u8]> = Vec::new();
    match settings.as_deref() {
        None => names.push(b"off"),
        Some(settings) => {
            names.push(b"on");
            if settings.bcast {
                names.push(b"bcast");
            }
            if settings.optin {
                names.push(b"optin");
                if settings.caching {
                    names.push(b"caching-yes");
                }
            }
            if settings.optout {
                names.push(b"optout");
                if settings.caching {
                    names.push(b"caching-no");
                }
            }
            if settings.noloop {
                names.push(b"noloop");
            }
            if settings.broken_redirect {
                names.push(b"broken_redirect");
            }
        }
    }
    client.reply_map_len(3);
    client.reply_bulk(b"flags");
    client.reply_set_len(names.len());
    for name in names {
        client.reply_bulk(name);
    }
    client.reply_bulk(b"redirect");
    client.reply_integer(redirect_of(client));
    client.reply_bulk(b"prefixes");
    let prefixes = settings.map(|s| s.prefixes).unwrap_or_default();
    client.reply_array_len(prefixes.len());
    for prefix in &prefixes {
        client.reply_bulk(prefix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_table_keeps_places_right_across_removals() {
        let mut table = KeyTable::default();
        for (id, key) in [b"a", b"b", b"c", b"d"].iter().enumerate() {
            table.readers_mut(*key).push((id as u64, id));
        }
        table.readers_mut(b"b").push((9, 9));
        assert_eq!(table.len(), 4);
        assert_eq!(table.remove(b"a"), Some(vec![(0, 0)]));
        assert_eq!(table.remove(b"a"), None);
        // "d" moved into the freed place and is still found.
        assert_eq!(table.remove(b"d"), Some(vec![(3, 3)]));
        assert_eq!(table.remove(b"b"), Some(vec![(1, 1), (9, 9)]));
        assert_eq!(table.len(), 1);
        assert_eq!(table.key_at(0).as_deref(), Some(&b"c"[..]));
        assert_eq!(table.key_at(1), None);
        table.clear();
        assert_eq!(table.len(), 0);
    }

    #[test]
    fn prefixes_overlap_when_one_starts_the_other() {
        assert!(overlaps(b"ab", b"a"));
        assert!(overlaps(b"", b"x"));
        assert!(overlaps(b"same", b"same"));
        assert!(!overlaps(b"ab", b"ac"));
    }
}
