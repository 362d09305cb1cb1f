//! The primary's side of replication: replicas, the backlog, full and
//! partial resynchronisation.
//!
//! A replica connects like any client and asks for the data with `PSYNC
//! <replid> <offset>` (or the older `SYNC`). The stream it then follows is
//! the sequence of commands the propagation point (`propagate.rs`) emits,
//! numbered by byte: `master_repl_offset` is the number of stream bytes
//! produced since this replication id began.
//!
//! Full resynchronisation is Redis's disk-based one: a forked child writes
//! the RDB file as BGSAVE does, the replica is told `+FULLRESYNC <replid>
//! <offset>` at the fork, and the stream produced after the fork is kept
//! for it; when the child succeeds the file goes out as `$<length>\r\n`
//! and the raw bytes, followed by what was kept, and the replica is online.
//! A replica that arrives while a child is running waits for the next one
//! (Redis can also share a running save with a second replica; that
//! optimisation is not made). The file travels through the replica's
//! output buffer, whose replica-class limits count only the stream after
//! it.
//!
//! Partial resynchronisation: the backlog is a ring of the last
//! `repl-backlog-size` stream bytes, created when the first replica
//! attaches (with a fresh replication id, as Redis does). A `PSYNC` naming
//! this id (or the previous one, up to where it ended) with an offset the
//! backlog still holds gets `+CONTINUE` and the bytes from that offset.
//!
//! Boundaries: this module never runs commands and never decides what is
//! propagated; it only moves stream bytes. Replica clients stay in their
//! slots while other clients run commands (a replica sends only REPLCONF),
//! which is what lets the feed reach them.

use vireo_resp::encode;

use crate::client::Client;
use crate::server::Server;

/// Where a replica is in its synchronisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a snapshot child to be forked for it.
    WaitSnapshotStart,
    /// The child is writing its snapshot; the stream is kept meanwhile.
    WaitSnapshotEnd,
    /// Receiving the stream.
    Online,
}

/// A connected replica's state (a client that sent SYNC or PSYNC).
#[derive(Debug)]
pub struct Replica {
    /// Synchronisation phase.
    pub phase: Phase,
    /// Asked with PSYNC (gets `+FULLRESYNC` before the snapshot).
    pub psync: bool,
    /// Wants the snapshot alone, then the connection closed
    /// (`REPLCONF rdb-only 1`: `redis-cli --rdb`).
    pub rdb_only: bool,
    /// The snapshot without keys (`rdb-filter-only functions`).
    pub rdb_without_data: bool,
    /// Stream produced while its snapshot was being written.
    pub pending: Vec<u8>,
    /// The offset its stream started at.
    pub start_offset: i64,
    /// The last offset it acknowledged (REPLCONF ACK).
    pub ack_offset: i64,
    /// When it last acknowledged, Unix milliseconds.
    pub ack_ms: i64,
    /// When it asked for synchronisation.
    pub since_ms: i64,
    /// It can take a diskless snapshot, so its snapshot may wait
    /// `repl-diskless-sync-delay` for others to share it.
    pub capa_eof: bool,
}

/// The ring of recent stream bytes.
#[derive(Debug)]
pub struct Backlog {
    ring: Vec<u8>,
    /// Next write position in `ring`.
    write_at: usize,
    /// Bytes of history held (at most the ring's length).
    histlen: usize,
}

impl Backlog {
    fn new(size: usize) -> Backlog {
        Backlog {
            ring: vec![0; size.max(16 * 1024)],
            write_at: 0,
            histlen: 0,
        }
    }

    fn append(&mut self, mut bytes: &[u8]) {
        let size = self.ring.len();
        if bytes.len() >= size {
            bytes = &bytes[bytes.len() - size..];
        }
        let first = bytes.len().min(size - self.write_at);
        self.ring[self.write_at..self.write_at + first].copy_from_slice(&bytes[..first]);
        let rest = bytes.len() - first;
        self.ring[..rest].copy_from_slice(&bytes[first..]);
        self.write_at = (self.write_at + bytes.len()) % size;
        self.histlen = (self.histlen + bytes.len()).min(size);
    }

    /// The last `len` bytes of history (`len` at most `histlen`).
    fn tail(&self, len: usize) -> Vec<u8> {
        let size = self.ring.len();
        let start = (self.write_at + size - len % size) % size;
        let mut out = Vec::with_capacity(len);
        if start + len <= size {
            out.extend_from_slice(&self.ring[start..start + len]);
        } else {
            out.extend_from_slice(&self.ring[start..]);
            out.extend_from_slice(&self.ring[..len - (size - start)]);
        }
        out
    }
}

/// Replication state of the primary.
#[derive(Debug)]
pub struct Replication {
    /// The current replication id (INFO's `master_replid`).
    pub replid: String,
    /// The previous id, valid up to `second_offset` (`master_replid2`).
    pub replid2: String,
    /// Stream bytes produced under `replid` (`master_repl_offset`).
    pub offset: i64,
    /// The last offset valid under `replid2`, -1 without one.
    pub second_offset: i64,
    /// Recent stream bytes, once a replica has attached.
    pub backlog: Option<Backlog>,
    /// Slots of replica clients.
    pub replicas: Vec<usize>,
    /// The database the stream last selected.
    pub stream_db: Option<usize>,
    /// When the last replica left (for `repl-backlog-ttl`), 0 with replicas.
    pub no_replicas_since_ms: i64,
    /// When cron last put a PING in the stream.
    pub last_ping_ms: i64,
    /// When cron last sent a keep-alive newline to waiting replicas.
    pub last_newline_ms: i64,
    /// Full resynchronisations served (INFO's `sync_full`).
    pub sync_full: u64,
    /// Partial resynchronisations accepted (`sync_partial_ok`).
    pub sync_partial_ok: u64,
    /// PSYNC requests that had to fall back to a full one (`sync_partial_err`).
    pub sync_partial_err: u64,
    /// A WAIT blocked: ask every replica for its offset before sleeping.
    pub get_ack_requested: bool,
    /// Acknowledgements arrived: WAIT's clients are checked before sleeping.
    pub acks_arrived: bool,
}

impl Default for Replication {
    fn default() -> Self {
        Replication {
            replid: crate::server::random_hex_id(),
            replid2: "0".repeat(40),
            offset: 0,
            second_offset: -1,
            backlog: None,
            replicas: Vec::new(),
            stream_db: None,
            no_replicas_since_ms: 0,
            last_ping_ms: 0,
            last_newline_ms: 0,
            sync_full: 0,
            sync_partial_ok: 0,
            sync_partial_err: 0,
            get_ack_requested: false,
            acks_arrived: false,
        }
    }
}

impl Replication {
    /// First offset the backlog holds (INFO's `repl_backlog_first_byte_offset`).
    pub fn backlog_first_offset(&self) -> i64 {
        match &self.backlog {
            Some(backlog) => self.offset - backlog.histlen as i64 + 1,
            None => 0,
        }
    }

    /// Bytes of history in the backlog.
    pub fn backlog_histlen(&self) -> usize {
        self.backlog.as_ref().map_or(0, |backlog| backlog.histlen)
    }
}

/// Appends one encoded command to the stream, selecting `db` first when
/// the stream is elsewhere.
pub fn feed(server: &mut Server, db: usize, command: &[u8]) {
    // Redis compat: a replica's stream is its primary's, passed on as
    // received (`feed_raw`); nothing it runs itself goes into it.
    if server.replication.backlog.is_none() || server.primary.is_some() {
        return;
    }
    if server.replication.stream_db != Some(db) {
        let mut select = Vec::with_capacity(32);
        let index = db.to_string();
        encode::command(&mut select, &[b"SELECT", index.as_bytes()]);
        write_stream(server, &select);
        server.replication.stream_db = Some(db);
    }
    write_stream(server, command);
}

/// Passes on bytes of the primary's stream exactly as received (this
/// server is a replica; its own replicas follow the same history).
pub fn feed_raw(server: &mut Server, bytes: &[u8]) {
    write_stream(server, bytes);
}

/// Creates the backlog if there is none (a replica keeps one from its
/// first synchronisation, for its replicas and for a later promotion).
pub fn ensure_backlog(server: &mut Server) {
    if server.replication.backlog.is_none() {
        server.replication.backlog = Some(Backlog::new(server.config.repl_backlog_size as usize));
        server.enable_propagation();
    }
}

/// Adds stream bytes to the backlog and to every replica that follows the
/// stream (online ones directly, those waiting for their snapshot in their
/// pending buffer).
fn write_stream(server: &mut Server, bytes: &[u8]) {
    let replication = &mut server.replication;
    // A replica counts the primary's stream even before it has a backlog.
    replication.offset += bytes.len() as i64;
    let Some(backlog) = &mut replication.backlog else {
        return;
    };
    backlog.append(bytes);
    for index in 0..server.replication.replicas.len() {
        let slot = server.replication.replicas[index];
        // INVARIANT (module comment): replicas are in their slots here.
        let Some(Some(client)) = server.clients.get_mut(slot) else {
            continue;
        };
        let Some(replica) = client.replica.as_mut() else {
            continue;
        };
        match replica.phase {
            _ if replica.rdb_only => {}
            Phase::Online => {
                client.out.extend_from_slice(bytes);
                if !client.pending_write {
                    client.pending_write = true;
                    server.pending_writes.push(slot);
                }
            }
            Phase::WaitSnapshotEnd => replica.pending.extend_from_slice(bytes),
            Phase::WaitSnapshotStart => {}
        }
    }
}

/// SYNC and PSYNC: a partial resynchronisation when the backlog allows
/// it, otherwise a full one (snapshot, then stream).
pub fn sync_command(server: &mut Server, client: &mut Client, psync: Option<(&[u8], &[u8])>) {
    if client.replica.is_some() {
        return;
    }
    // Redis compat: the snapshot must not be interleaved with replies.
    if client.has_pending_replies() {
        return client.reply_error("SYNC and PSYNC are invalid with pending output");
    }
    // Redis compat: a replica serves replicas of its own only while it is
    // in sync with its primary.
    if server.primary.is_some() && !crate::replica::is_connected(server) {
        return client.reply_error("-NOMASTERLINK Can't SYNC while not connected with my master");
    }
    if let Some((replid, offset)) = psync {
        if !client.repl_rdb_only {
            if try_partial_resync(server, client, replid, offset) {
                server.replication.sync_partial_ok += 1;
                return;
            }
            // Redis compat: `PSYNC ? -1` asks for a full one outright.
            if replid != b"?" {
                server.replication.sync_partial_err += 1;
            }
        }
    }
    if !client.repl_rdb_only {
        server.replication.sync_full += 1;
    }
    if server.replication.backlog.is_none() && !client.repl_rdb_only {
        // Redis compat: the first replica starts a new history.
        server.replication.replid = crate::server::random_hex_id();
        server.replication.replid2 = "0".repeat(40);
        server.replication.second_offset = -1;
        ensure_backlog(server);
        crate::notice!(
            "Replication backlog created, my new replication IDs are '{}' and '{}'",
            server.replication.replid,
            server.replication.replid2
        );
    }
    crate::notice!(
        "Replica {} asks for synchronization",
        replica_address(client)
    );
    client.replica = Some(Box::new(Replica {
        phase: Phase::WaitSnapshotStart,
        psync: psync.is_some(),
        rdb_only: client.repl_rdb_only,
        rdb_without_data: client.repl_rdb_without_data,
        pending: Vec::new(),
        start_offset: 0,
        ack_offset: 0,
        ack_ms: server.now_ms,
        since_ms: server.now_ms,
        capa_eof: client.repl_capa_eof,
    }));
    server.replication.replicas.push(client.slot);
    server.replication.no_replicas_since_ms = 0;
    // Redis compat: a replica that could take a diskless transfer waits
    // `repl-diskless-sync-delay` so that replicas arriving together share
    // one snapshot (cron starts it); the others get theirs at once.
    if server.persistence.child.is_none() && !snapshot_may_wait(server, client.repl_capa_eof) {
        start_snapshot(server, Some(client));
    }
}

fn diskless_delay_ms(server: &Server) -> Option<i64> {
    if server.config.get("repl-diskless-sync") != Some("yes") {
        return None;
    }
    let seconds = server
        .config
        .get("repl-diskless-sync-delay")
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(0);
    (seconds > 0).then_some(seconds * 1000)
}

fn snapshot_may_wait(server: &Server, capa_eof: bool) -> bool {
    capa_eof && diskless_delay_ms(server).is_some()
}

/// Cron's part for snapshots that waited: starts one once the oldest
/// waiting replica has waited the delay, or enough replicas wait.
fn start_delayed_snapshot(server: &mut Server) {
    if server.persistence.child.is_some() {
        return;
    }
    let waiting = waiting_slots(server, Phase::WaitSnapshotStart);
    if waiting.is_empty() {
        return;
    }
    let delay_ms = diskless_delay_ms(server).unwrap_or(0);
    let max_replicas = server
        .config
        .get("repl-diskless-sync-max-replicas")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let oldest = waiting
        .iter()
        .filter_map(|&slot| server.clients.get(slot).and_then(Option::as_ref))
        .filter_map(|client| client.replica.as_ref())
        .map(|replica| replica.since_ms)
        .min()
        .unwrap_or(server.now_ms);
    let enough = max_replicas > 0 && waiting.len() >= max_replicas;
    if enough || server.now_ms - oldest >= delay_ms {
        start_snapshot(server, None);
    }
}

/// `+CONTINUE` and the backlog from `offset`, if this history has it.
fn try_partial_resync(
    server: &mut Server,
    client: &mut Client,
    replid: &[u8],
    offset: &[u8],
) -> bool {
    let replication = &server.replication;
    let Some(offset) = std::str::from_utf8(offset)
        .ok()
        .and_then(|text| text.parse::<i64>().ok())
    else {
        return false;
    };
    let same_history = replid == replication.replid.as_bytes()
        || (replid == replication.replid2.as_bytes() && offset <= replication.second_offset);
    let Some(backlog) = &replication.backlog else {
        return false;
    };
    let first = replication.backlog_first_offset();
    if !same_history || offset < first || offset > replication.offset + 1 {
        return false;
    }
    let missing = (replication.offset + 1 - offset) as usize;
    let bytes = if missing == 0 {
        Vec::new()
    } else {
        backlog.tail(missing)
    };
    if client.repl_capa_psync2 {
        client
            .out
            .extend_from_slice(format!("+CONTINUE {}\r\n", replication.replid).as_bytes());
    } else {
        client.out.extend_from_slice(b"+CONTINUE\r\n");
    }
    client.out.extend_from_slice(&bytes);
    client.replica = Some(Box::new(Replica {
        phase: Phase::Online,
        psync: true,
        rdb_only: false,
        rdb_without_data: false,
        pending: Vec::new(),
        start_offset: offset - 1,
        ack_offset: offset - 1,
        ack_ms: server.now_ms,
        since_ms: server.now_ms,
        capa_eof: client.repl_capa_eof,
    }));
    server.replication.replicas.push(client.slot);
    server.replication.no_replicas_since_ms = 0;
    crate::notice!(
        "Partial resynchronization request from {} accepted. Sending {} bytes of backlog starting from offset {}.",
        replica_address(client),
        missing,
        offset
    );
    true
}

/// Forks the snapshot child for every replica waiting for one; `current`
/// is the replica being served right now (out of its slot).
fn start_snapshot(server: &mut Server, current: Option<&mut Client>) {
    if crate::rdb::background_save(server).is_err() {
        // Redis compat: replicas that cannot get a snapshot are dropped.
        if let Some(client) = current {
            client.reply_error("BGSAVE failed, replication can't continue");
            drop_replica(server, client);
        }
        for slot in waiting_slots(server, Phase::WaitSnapshotStart) {
            disconnect_replica(server, slot);
        }
        return;
    }
    // Redis compat: the stream after a full resynchronisation starts with
    // a SELECT.
    server.replication.stream_db = None;
    let offset = server.replication.offset;
    let replid = server.replication.replid.clone();
    let begin = |client: &mut Client| {
        let Some(replica) = client.replica.as_mut() else {
            return;
        };
        if replica.phase != Phase::WaitSnapshotStart {
            return;
        }
        replica.phase = Phase::WaitSnapshotEnd;
        replica.start_offset = offset;
        replica.ack_offset = offset;
        if replica.psync {
            client
                .out
                .extend_from_slice(format!("+FULLRESYNC {replid} {offset}\r\n").as_bytes());
        }
    };
    if let Some(client) = current {
        begin(client);
    }
    for slot in waiting_slots(server, Phase::WaitSnapshotStart) {
        if let Some(Some(client)) = server.clients.get_mut(slot) {
            begin(client);
            if client.has_pending_replies() && !client.pending_write {
                client.pending_write = true;
                server.pending_writes.push(slot);
            }
        }
    }
}

fn waiting_slots(server: &Server, phase: Phase) -> Vec<usize> {
    server
        .replication
        .replicas
        .iter()
        .copied()
        .filter(|&slot| {
            server
                .clients
                .get(slot)
                .and_then(Option::as_ref)
                .and_then(|client| client.replica.as_ref())
                .is_some_and(|replica| replica.phase == phase)
        })
        .collect()
}

/// Called when a background save ends: sends the file to the replicas
/// that waited for it (or drops them if it failed), then, with
/// `fork_again`, forks for replicas that arrived during it.
pub fn snapshot_finished(
    server: &mut Server,
    succeeded: bool,
    path: &std::path::Path,
    fork_again: bool,
) {
    let waiting = waiting_slots(server, Phase::WaitSnapshotEnd);
    if !waiting.is_empty() {
        let file = if succeeded {
            std::fs::read(path).ok()
        } else {
            None
        };
        for slot in waiting {
            let Some(Some(client)) = server.clients.get_mut(slot) else {
                continue;
            };
            let Some(file) = &file else {
                crate::warning!("SYNC failed. BGSAVE child returned an error");
                disconnect_replica(server, slot);
                continue;
            };
            let Some(replica) = client.replica.as_mut() else {
                continue;
            };
            client
                .out
                .extend_from_slice(format!("${}\r\n", file.len()).as_bytes());
            client.out.extend_from_slice(file);
            client.repl_uncounted = client.out.len();
            if replica.rdb_only {
                client.close_after_reply = true;
                client.replica = None;
                server.replication.replicas.retain(|s| *s != slot);
            } else {
                let pending = std::mem::take(&mut replica.pending);
                replica.phase = Phase::Online;
                client.out.extend_from_slice(&pending);
                crate::notice!(
                    "Synchronization with replica {} succeeded",
                    replica_address(client)
                );
            }
            if !client.pending_write {
                client.pending_write = true;
                server.pending_writes.push(slot);
            }
        }
    }
    if fork_again
        && server.persistence.child.is_none()
        && !waiting_slots(server, Phase::WaitSnapshotStart).is_empty()
    {
        start_snapshot(server, None);
    }
}

/// Disconnects the replica in `slot` (it cannot be served, or it must
/// learn a new history): forgotten at once, its connection closed before
/// anything more is written to it.
pub fn disconnect_replica(server: &mut Server, slot: usize) {
    let Some(mut client) = server.take_client(slot) else {
        return;
    };
    drop_replica(server, &mut client);
    client.close_after_reply = true;
    client.out.truncate(client.out_sent);
    server.clients_to_close.push(slot);
    server.put_client(client);
}

/// Forgets a replica (its connection is closing or it gave up).
pub fn drop_replica(server: &mut Server, client: &mut Client) {
    if client.replica.take().is_none() {
        return;
    }
    server
        .replication
        .replicas
        .retain(|slot| *slot != client.slot);
    if server.replication.replicas.is_empty() {
        server.replication.no_replicas_since_ms = server.now_ms;
    }
    crate::notice!("Connection with replica {} lost.", replica_address(client));
}

/// Cron's part: keep-alive newlines to replicas waiting for a snapshot,
/// a PING in the stream every `repl-ping-replica-period`, the backlog
/// freed after `repl-backlog-ttl` without replicas.
pub fn cron(server: &mut Server) {
    start_delayed_snapshot(server);
    let now = server.now_ms;
    if now - server.replication.last_newline_ms >= 1000 {
        server.replication.last_newline_ms = now;
        for slot in waiting_slots(server, Phase::WaitSnapshotStart)
            .into_iter()
            .chain(waiting_slots(server, Phase::WaitSnapshotEnd))
        {
            if let Some(Some(client)) = server.clients.get_mut(slot) {
                client.out.push(b'\n');
                if !client.pending_write {
                    client.pending_write = true;
                    server.pending_writes.push(slot);
                }
            }
        }
    }
    // Redis compat: PINGs count whole periods from start-up.
    if server.replication.last_ping_ms == 0 {
        server.replication.last_ping_ms = now;
    }
    let period_ms = server.config.repl_ping_replica_period.saturating_mul(1000) as i64;
    if !server.replication.replicas.is_empty() && now - server.replication.last_ping_ms >= period_ms
    {
        server.replication.last_ping_ms = now;
        // Redis compat: the PING goes to whatever database is selected.
        let db = server.replication.stream_db.unwrap_or(0);
        feed(server, db, b"*1\r\n$4\r\nPING\r\n");
    }
    let ttl_ms = server.config.repl_backlog_ttl.saturating_mul(1000) as i64;
    if server.replication.backlog.is_some()
        && server.replication.replicas.is_empty()
        && ttl_ms > 0
        && server.replication.no_replicas_since_ms != 0
        && now - server.replication.no_replicas_since_ms > ttl_ms
    {
        // Redis compat: a new id, so no replica continues a history
        // this server no longer holds.
        server.replication.backlog = None;
        server.replication.replid = crate::server::random_hex_id();
        server.replication.replid2 = "0".repeat(40);
        server.replication.second_offset = -1;
        crate::notice!(
            "Replication backlog freed after {} seconds without connected replicas.",
            server.config.repl_backlog_ttl
        );
    }
}

/// The stream's database and offset to record in an RDB file, when this
/// server is in a replication chain (Redis's `rdbPopulateSaveInfo`).
pub fn saved_history(server: &Server) -> Option<(usize, i64)> {
    let offset = server.replication.offset;
    match &server.primary {
        None => server
            .replication
            .backlog
            .as_ref()
            .map(|_| (server.replication.stream_db.unwrap_or(0), offset)),
        Some(link) => {
            let db = link
                .slot
                .filter(|_| crate::replica::is_connected(server))
                .and_then(|slot| server.clients.get(slot).and_then(Option::as_ref))
                .map_or(link.stream_db(), |client| client.db);
            Some((db, offset))
        }
    }
}

/// At start-up, after loading a file that recorded a replication
/// history: a replica takes it up to continue with PSYNC; a primary keeps
/// it as its previous id, so its replicas can continue after its restart.
pub fn restore_history(server: &mut Server) {
    let expired = std::mem::take(&mut server.persistence.loaded_expired);
    let Some((replid, offset, db)) = server.persistence.loaded_history.take() else {
        return;
    };
    if server.primary.is_some() {
        server.replication.replid = replid;
        server.replication.offset = offset;
        crate::replica::set_stream_db(server, db);
        return;
    }
    let replication = &mut server.replication;
    replication.replid2 = replid;
    replication.second_offset = offset + 1;
    replication.offset = offset;
    replication.stream_db = Some(db);
    replication.no_replicas_since_ms = server.now_ms;
    ensure_backlog(server);
    // Redis compat: keys the load found expired are deleted on replicas
    // through the continued stream (too many, and the backlog no longer
    // reaches back to the old history: replicas resync fully).
    let lazy = server.config.lazyfree_lazy_expire;
    let delete: &[u8] = if lazy { b"UNLINK" } else { b"DEL" };
    for (key_db, key) in expired {
        let mut command = Vec::new();
        encode::command(&mut command, &[delete, &key]);
        feed(server, key_db, &command);
    }
}

/// Online replicas that acknowledged `offset` or beyond (WAIT's count).
pub fn replicas_acknowledging(server: &Server, offset: i64) -> i64 {
    server
        .replication
        .replicas
        .iter()
        .filter_map(|&slot| server.clients.get(slot).and_then(Option::as_ref))
        .filter_map(|client| client.replica.as_ref())
        .filter(|replica| replica.phase == Phase::Online && replica.ack_offset >= offset)
        .count() as i64
}

/// `before_sleep`'s part: the GETACK a blocked WAIT asked for goes into
/// the stream, and WAIT's clients are served after acknowledgements.
pub fn before_sleep(server: &mut Server) {
    if std::mem::take(&mut server.replication.get_ack_requested) {
        // Redis compat: the request travels in the stream (and counts in
        // its offset), so replicas answer once they applied what precedes it.
        let db = server.replication.stream_db.unwrap_or(0);
        let mut getack = Vec::new();
        encode::command(&mut getack, &[b"REPLCONF", b"GETACK", b"*"]);
        feed(server, db, &getack);
    }
    if std::mem::take(&mut server.replication.acks_arrived) {
        server.serve_replication_waiters();
    }
}

/// Online replicas that acknowledged within `min-replicas-max-lag`.
pub fn good_replicas(server: &Server) -> u64 {
    let max_lag_ms = server.config.min_replicas_max_lag.saturating_mul(1000) as i64;
    server
        .replication
        .replicas
        .iter()
        .filter_map(|&slot| server.clients.get(slot).and_then(Option::as_ref))
        .filter_map(|client| client.replica.as_ref())
        .filter(|replica| {
            replica.phase == Phase::Online && server.now_ms - replica.ack_ms <= max_lag_ms
        })
        .count() as u64
}

/// A replica's IP address: its peer address without the port.
pub fn replica_ip(client: &Client) -> &str {
    client
        .peer
        .rsplit_once(':')
        .map_or(client.peer.as_str(), |(ip, _)| ip)
}

/// `ip:port` of a replica as Redis logs it.
fn replica_address(client: &Client) -> String {
    format!("{}:{}", replica_ip(client), client.repl_port)
}

/// INFO replication's lines for the primary.
pub fn info_lines(server: &Server, field: &mut dyn FnMut(&str, &dyn std::fmt::Display)) {
    let replication = &server.replication;
    match &server.primary {
        Some(link) => crate::replica::info_lines(server, link, field),
        None => field("role", &"master"),
    }
    field("connected_slaves", &replication.replicas.len());
    let mut index = 0;
    for &slot in &replication.replicas {
        let Some(Some(client)) = server.clients.get(slot) else {
            continue;
        };
        let Some(replica) = &client.replica else {
            continue;
        };
        let state = match replica.phase {
            Phase::WaitSnapshotStart | Phase::WaitSnapshotEnd => "wait_bgsave",
            Phase::Online if client.repl_uncounted > client.out_sent => "send_bulk",
            Phase::Online => "online",
        };
        let ip = replica_ip(client);
        let lag = (server.now_ms - replica.ack_ms) / 1000;
        field(
            &format!("slave{index}"),
            &format!(
                "ip={ip},port={},state={state},offset={},lag={lag}",
                client.repl_port, replica.ack_offset
            ),
        );
        index += 1;
    }
    field("master_failover_state", &"no-failover");
    field("master_replid", &replication.replid);
    field("master_replid2", &replication.replid2);
    field("master_repl_offset", &replication.offset);
    field("second_repl_offset", &replication.second_offset);
    field(
        "repl_backlog_active",
        &u8::from(replication.backlog.is_some()),
    );
    field("repl_backlog_size", &server.config.repl_backlog_size);
    field(
        "repl_backlog_first_byte_offset",
        &replication.backlog_first_offset(),
    );
    field("repl_backlog_histlen", &replication.backlog_histlen());
}

#[cfg(test)]
mod tests {
    use super::Backlog;

    #[test]
    fn backlog_keeps_the_last_bytes_across_the_wrap() {
        let mut backlog = Backlog::new(0);
        let size = backlog.ring.len();
        let data: Vec<u8> = (0..size + 100).map(|i| (i % 251) as u8).collect();
        backlog.append(&data[..size - 10]);
        backlog.append(&data[size - 10..]);
        assert_eq!(backlog.histlen, size);
        assert_eq!(backlog.tail(50), data[data.len() - 50..]);
        assert_eq!(backlog.tail(size), data[data.len() - size..]);
    }

    #[test]
    fn backlog_longer_write_than_ring_keeps_its_end() {
        let mut backlog = Backlog::new(0);
        let size = backlog.ring.len();
        let data: Vec<u8> = (0..3 * size + 7).map(|i| (i % 253) as u8).collect();
        backlog.append(&data[..5]);
        backlog.append(&data);
        assert_eq!(backlog.tail(size), data[data.len() - size..]);
    }
}
