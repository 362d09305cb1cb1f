//! The replica's side of replication: the link to a primary.
//!
//! `REPLICAOF host port` (or the `replicaof` option) makes this server
//! follow a primary, Vireo or Redis. The link is an ordinary client
//! connection marked as the primary's (`Client::is_primary`), driven by
//! the event loop like any other, so it needs no thread and no blocking
//! call. Its input goes through [`process_primary_input`], a state machine:
//!
//! 1. handshake: `PING`, `AUTH` (with `masterauth`), `REPLCONF
//!    listening-port`, `REPLCONF capa eof capa psync2`, then `PSYNC` with
//!    the history this server already has (`PSYNC ? -1` without one), each
//!    sent once the previous one is answered;
//! 2. transfer, after `+FULLRESYNC <replid> <offset>`: the snapshot as
//!    `$<length>` and the bytes, or `$EOF:<mark>` and the bytes until the
//!    40-byte mark (a diskless primary), written to the RDB file and loaded
//!    in place of the dataset; `+CONTINUE` skips it;
//! 3. streaming: each command the primary sends runs through the gate with
//!    its replies discarded, and its exact bytes go on to this server's own
//!    backlog and replicas, so `master_repl_offset` counts the primary's
//!    stream and a chained replica or a later PSYNC sees the same history.
//!
//! While following a primary, keys past their time are reported absent
//! but only the primary's DEL removes them, and the primary's commands see
//! every key (`Db::replica`, `Db::obey_primary`): a replica never changes
//! its data on its own. The active expire cycle does not run. Writes from
//! other clients are refused while `replica-read-only` is on.
//!
//! A lost link is retried from cron each second, asking to continue from
//! the last offset applied. `REPLICAOF NO ONE` keeps the data and starts a
//! new history, keeping the old one as `replid2` so former peers can
//! continue from it.

use std::net::ToSocketAddrs;

use vireo_resp::{encode, RequestDecoder, RequestLimits};

use crate::client::Client;
use crate::server::Server;

/// Where the link to the primary is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// No connection; cron starts one.
    Connect,
    /// Handshake: waiting for the reply to this step.
    Handshake(Step),
    /// Receiving the snapshot.
    Transfer,
    /// Following the stream.
    Connected,
}

/// The handshake's steps, each named after the reply it waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// PING sent.
    Pong,
    /// AUTH sent.
    Auth,
    /// REPLCONF listening-port sent.
    Port,
    /// REPLCONF capa sent.
    Capa,
    /// PSYNC sent.
    Psync,
}

/// How the snapshot's end is recognised.
#[derive(Debug)]
enum Payload {
    /// Not known yet: the `$` line has not arrived.
    Unknown,
    /// `$<length>`.
    Length(usize),
    /// `$EOF:<mark>`: the payload ends with the mark.
    EndMark(Vec<u8>),
}

/// The link to the primary this server follows.
#[derive(Debug)]
pub struct PrimaryLink {
    /// The primary's host, as given.
    pub host: String,
    /// The primary's port.
    pub port: u16,
    /// Where the link is.
    pub state: LinkState,
    /// The connection's client slot while there is one.
    pub slot: Option<usize>,
    /// Since when the link is down, Unix milliseconds (0 while up).
    pub down_since_ms: i64,
    /// When the primary last sent anything.
    pub last_io_ms: i64,
    /// When this server last acknowledged its offset.
    last_ack_ms: i64,
    /// The database the primary's stream has selected, kept across a lost
    /// link: a continued stream does not select it again.
    stream_db: usize,
    /// The `+FULLRESYNC` history being transferred.
    pending_history: Option<(String, i64)>,
    payload: Payload,
    /// The temporary file the snapshot is written to, and its path.
    file: Option<(std::fs::File, std::path::PathBuf)>,
    /// Snapshot bytes written so far.
    received_bytes: usize,
    /// The last bytes of a diskless transfer, held back until it is clear
    /// they are not the end mark.
    tail: Vec<u8>,
}

/// Length of the random mark that ends a diskless transfer.
const EOF_MARK_LEN: usize = 40;

impl PrimaryLink {
    fn new(host: String, port: u16, now_ms: i64) -> PrimaryLink {
        PrimaryLink {
            host,
            port,
            state: LinkState::Connect,
            slot: None,
            down_since_ms: now_ms,
            last_io_ms: 0,
            last_ack_ms: 0,
            stream_db: 0,
            pending_history: None,
            payload: Payload::Unknown,
            file: None,
            received_bytes: 0,
            tail: Vec::new(),
        }
    }

    /// The database the primary's stream has selected (as last known).
    pub fn stream_db(&self) -> usize {
        self.stream_db
    }

    /// Snapshot bytes expected in all, when known.
    pub fn transfer_size(&self) -> Option<usize> {
        match self.payload {
            Payload::Length(len) => Some(len),
            _ => None,
        }
    }

    /// Drops a transfer in progress and its temporary file.
    fn abandon_transfer(&mut self) {
        if let Some((_, temp)) = self.file.take() {
            let _ = std::fs::remove_file(temp);
        }
        self.received_bytes = 0;
        self.tail.clear();
        self.payload = Payload::Unknown;
    }

    /// Snapshot bytes received so far.
    pub fn transfer_received(&self) -> usize {
        self.received_bytes
    }
}

/// `REPLICAOF host port`: follows that primary from now on.
pub fn follow(server: &mut Server, host: String, port: u16) {
    drop_link(server);
    crate::notice!("Connecting to MASTER {host}:{port}");
    // Redis compat: the history this server holds continues, with the
    // database its stream last selected (a replica switching primaries
    // keeps its old primary's, a primary its own).
    let stream_db = match &server.primary {
        Some(previous) => previous.stream_db,
        None => server.replication.stream_db.unwrap_or(0),
    };
    // CONFIG REWRITE writes the primary followed now.
    let _ = server
        .config
        .apply("replicaof", &[host.clone(), port.to_string()]);
    let mut link = PrimaryLink::new(host, port, server.now_ms);
    link.stream_db = stream_db;
    server.primary = Some(link);
    set_replica_databases(server, true);
    // Redis compat: this server's replicas stay; they are disconnected only
    // when its history changes (a full sync, or a continuation under a new
    // id), so they may continue partially.
}

/// Sets the database a continued stream starts in (from a loaded file).
pub fn set_stream_db(server: &mut Server, db: usize) {
    if let Some(link) = server.primary.as_mut() {
        link.stream_db = db;
    }
}

/// `REPLICAOF NO ONE`: stops following; the data stays, a new history
/// begins, and the old one stays valid up to here as `replid2`.
pub fn stop_following(server: &mut Server) {
    if server.primary.is_none() {
        return;
    }
    drop_link(server);
    server.primary = None;
    let _ = server
        .config
        .apply("replicaof", &["no".to_string(), "one".to_string()]);
    set_replica_databases(server, false);
    // Redis compat: replicas reconnect and learn the new history by PSYNC.
    disconnect_replicas(server);
    let replication = &mut server.replication;
    replication.replid2 =
        std::mem::replace(&mut replication.replid, crate::server::random_hex_id());
    replication.second_offset = replication.offset + 1;
    replication.stream_db = None;
    crate::notice!(
        "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
        replication.replid2,
        replication.second_offset,
        replication.replid
    );
}

fn set_replica_databases(server: &mut Server, replica: bool) {
    for db in &mut server.dbs {
        db.replica = replica;
    }
}

fn disconnect_replicas(server: &mut Server) {
    for slot in server.replication.replicas.clone() {
        crate::replication::disconnect_replica(server, slot);
    }
}

/// Closes the connection to the primary, if any (the event loop reaps it).
fn drop_link(server: &mut Server) {
    let Some(link) = server.primary.as_mut() else {
        return;
    };
    if let Some(slot) = link.slot.take() {
        if let Some(Some(client)) = server.clients.get_mut(slot) {
            if link.state == LinkState::Connected {
                link.stream_db = client.db;
            }
            client.is_primary = false;
            client.close_after_reply = true;
            client.out.truncate(client.out_sent);
            server.clients_to_close.push(slot);
        }
    }
    link.state = LinkState::Connect;
    link.down_since_ms = server.now_ms;
}

/// Called when the primary's connection closes.
pub fn link_lost(server: &mut Server, client: &Client) {
    let Some(link) = server.primary.as_mut() else {
        return;
    };
    if link.slot != Some(client.slot) {
        return;
    }
    link.slot = None;
    if link.state == LinkState::Connected {
        link.stream_db = client.db;
    }
    link.state = LinkState::Connect;
    link.down_since_ms = server.now_ms;
    link.abandon_transfer();
    crate::notice!("Connection with master lost.");
}

/// Whether cron (or REPLICAOF) should open the connection now.
pub fn wants_connection(server: &Server) -> Option<(String, u16)> {
    let link = server.primary.as_ref()?;
    (link.state == LinkState::Connect && link.slot.is_none())
        .then(|| (link.host.clone(), link.port))
}

/// Starts connecting: returns the socket for the event loop to register
/// as a client, or logs why not.
pub fn open_connection(host: &str, port: u16) -> Option<mio::net::TcpStream> {
    let address = match (host, port).to_socket_addrs() {
        Ok(mut addresses) => addresses.next(),
        Err(error) => {
            crate::warning!("Unable to connect to MASTER: {error}");
            return None;
        }
    };
    let address = address?;
    match mio::net::TcpStream::connect(address) {
        Ok(stream) => {
            let _ = stream.set_nodelay(true);
            Some(stream)
        }
        Err(error) => {
            crate::warning!("Unable to connect to MASTER: {error}");
            None
        }
    }
}

/// The event loop registered the primary's connection as `client`: the
/// handshake starts with a PING.
pub fn link_opened(server: &mut Server, client: &mut Client) {
    let Some(link) = server.primary.as_mut() else {
        return;
    };
    client.is_primary = true;
    client.authenticated = true;
    link.slot = Some(client.slot);
    link.last_io_ms = server.now_ms;
    link.state = LinkState::Handshake(Step::Pong);
    crate::notice!("MASTER <-> REPLICA sync started");
    send(client, &[b"PING"]);
}

fn send(client: &mut Client, args: &[&[u8]]) {
    encode::command(&mut client.out, args);
}

/// Takes one CRLF line off the query buffer, skipping the bare newlines
/// a primary sends to keep the link alive.
fn take_line(client: &mut Client) -> Option<Vec<u8>> {
    let data = client.query.data();
    let skipped = data.iter().take_while(|&&b| b == b'\n').count();
    let rest = &data[skipped..];
    let Some(end) = rest.windows(2).position(|pair| pair == b"\r\n") else {
        client.query.consume(skipped);
        return None;
    };
    let line = rest[..end].to_vec();
    client.query.consume(skipped + end + 2);
    Some(line)
}

/// Everything the primary sent: handshake replies, snapshot bytes, then
/// the command stream.
pub fn process_primary_input(server: &mut Server, client: &mut Client) {
    let Some(link) = server.primary.as_mut() else {
        return;
    };
    link.last_io_ms = server.now_ms;
    loop {
        let Some(state) = server.primary.as_ref().map(|link| link.state) else {
            return;
        };
        let progressed = match state {
            LinkState::Connect => return,
            LinkState::Handshake(step) => handshake(server, client, step),
            LinkState::Transfer => transfer(server, client),
            LinkState::Connected => {
                apply_stream(server, client);
                return;
            }
        };
        if !progressed || client.close_after_reply {
            return;
        }
    }
}

/// One handshake reply; false when more bytes are needed.
fn handshake(server: &mut Server, client: &mut Client, step: Step) -> bool {
    let Some(line) = take_line(client) else {
        return false;
    };
    let text = String::from_utf8_lossy(&line).into_owned();
    let next = |server: &mut Server, step: Step| {
        if let Some(link) = server.primary.as_mut() {
            link.state = LinkState::Handshake(step);
        }
    };
    match step {
        Step::Pong => {
            // Redis compat: an authentication error still shows the
            // primary is there; AUTH comes next.
            if line.starts_with(b"-")
                && !line.starts_with(b"-NOAUTH")
                && !line.starts_with(b"-NOPERM")
                && !line.starts_with(b"-ERR operation not permitted")
            {
                crate::warning!("Error reply to PING from master: '{text}'");
                return fail(server, client);
            }
            crate::notice!("Master replied to PING, replication can continue...");
            let password = server
                .config
                .get("masterauth")
                .unwrap_or_default()
                .to_string();
            if password.is_empty() {
                send_port(server, client);
                next(server, Step::Port);
            } else {
                let user = server
                    .config
                    .get("masteruser")
                    .unwrap_or_default()
                    .to_string();
                if user.is_empty() {
                    send(client, &[b"AUTH", password.as_bytes()]);
                } else {
                    send(client, &[b"AUTH", user.as_bytes(), password.as_bytes()]);
                }
                next(server, Step::Auth);
            }
        }
        Step::Auth => {
            if line.starts_with(b"-") {
                crate::warning!("Unable to AUTH to MASTER: {text}");
                return fail(server, client);
            }
            send_port(server, client);
            next(server, Step::Port);
        }
        Step::Port => {
            // Redis compat: an old primary may not know the option; that is
            // only noted.
            if line.starts_with(b"-") {
                crate::notice!(
                    "(Non critical) Master does not understand REPLCONF listening-port: {text}"
                );
            }
            send(client, &[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]);
            next(server, Step::Capa);
        }
        Step::Capa => {
            if line.starts_with(b"-") {
                crate::notice!("(Non critical) Master does not understand REPLCONF capa: {text}");
            }
            let replication = &server.replication;
            let (replid, offset) = if replication.offset > 0 || replication.backlog.is_some() {
                (
                    replication.replid.clone(),
                    (replication.offset + 1).to_string(),
                )
            } else {
                ("?".to_string(), "-1".to_string())
            };
            crate::notice!("Trying a partial resynchronization (request {replid}:{offset}).");
            send(client, &[b"PSYNC", replid.as_bytes(), offset.as_bytes()]);
            next(server, Step::Psync);
        }
        Step::Psync => return psync_reply(server, client, &text),
    }
    true
}

fn send_port(server: &Server, client: &mut Client) {
    let port = server.config.port.to_string();
    send(client, &[b"REPLCONF", b"listening-port", port.as_bytes()]);
}

/// The reply to PSYNC: a full resynchronisation, a continuation, or a
/// refusal (retried later).
fn psync_reply(server: &mut Server, client: &mut Client, text: &str) -> bool {
    if let Some(rest) = text.strip_prefix("+FULLRESYNC ") {
        let mut parts = rest.split(' ');
        let replid = parts.next().unwrap_or_default().to_string();
        let offset = parts.next().and_then(|n| n.parse::<i64>().ok());
        let (Some(offset), 40) = (offset, replid.len()) else {
            crate::warning!("Master replied with wrong +FULLRESYNC syntax.");
            return fail(server, client);
        };
        crate::notice!("Full resync from master: {replid}:{offset}");
        if let Some(link) = server.primary.as_mut() {
            link.pending_history = Some((replid, offset));
            link.state = LinkState::Transfer;
            link.abandon_transfer();
        }
        return true;
    }
    if let Some(rest) = text.strip_prefix("+CONTINUE") {
        let new_id = rest.trim();
        let replication = &mut server.replication;
        if new_id.len() == 40 && new_id != replication.replid {
            // The primary's history changed name (it was promoted): the
            // old one stays valid up to here.
            replication.replid2 = std::mem::replace(&mut replication.replid, new_id.to_string());
            replication.second_offset = replication.offset + 1;
            crate::notice!("Master replication ID changed to {new_id}");
            disconnect_replicas(server);
        }
        crate::notice!("Successful partial resynchronization with master.");
        crate::notice!("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        connected(server, client);
        if let Some(link) = &server.primary {
            client.db = link.stream_db;
        }
        return true;
    }
    crate::warning!("Unexpected reply to PSYNC from master: {text}");
    fail(server, client)
}

/// Receives snapshot bytes into a temporary file; loads the snapshot
/// once whole.
fn transfer(server: &mut Server, client: &mut Client) -> bool {
    let Some(link) = server.primary.as_mut() else {
        return false;
    };
    if matches!(link.payload, Payload::Unknown) {
        let Some(line) = take_line(client) else {
            return false;
        };
        let Some(spec) = line.strip_prefix(b"$") else {
            if line.starts_with(b"-") {
                crate::warning!(
                    "MASTER aborted replication with an error: {}",
                    String::from_utf8_lossy(&line)
                );
            }
            return fail(server, client);
        };
        let payload = if let Some(mark) = spec.strip_prefix(b"EOF:") {
            if mark.len() != EOF_MARK_LEN {
                return fail(server, client);
            }
            crate::notice!(
                "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk"
            );
            Payload::EndMark(mark.to_vec())
        } else {
            let Some(length) = std::str::from_utf8(spec)
                .ok()
                .and_then(|n| n.parse::<usize>().ok())
            else {
                return fail(server, client);
            };
            crate::notice!("MASTER <-> REPLICA sync: receiving {length} bytes from master to disk");
            Payload::Length(length)
        };
        let temp = server.persistence.directory.join(format!(
            "temp-{}.{}.rdb",
            server.now_ms,
            std::process::id()
        ));
        let file = match std::fs::File::create(&temp) {
            Ok(file) => file,
            Err(error) => {
                crate::warning!(
                    "Opening the temp file needed for MASTER <-> REPLICA synchronization: {error}"
                );
                return fail(server, client);
            }
        };
        let Some(link) = server.primary.as_mut() else {
            return false;
        };
        link.payload = payload;
        link.file = Some((file, temp));
        link.received_bytes = 0;
        link.tail.clear();
    }
    let Some(link) = server.primary.as_mut() else {
        return false;
    };
    let data = client.query.data();
    // What goes to the file now, how much of the input it used, and
    // whether the snapshot is complete.
    let (to_write, consumed, complete): (Vec<u8>, usize, bool) = match &link.payload {
        Payload::Length(length) => {
            let take = (length - link.received_bytes).min(data.len());
            (
                data[..take].to_vec(),
                take,
                link.received_bytes + take == *length,
            )
        }
        Payload::EndMark(mark) => {
            // The mark may straddle two reads, and the stream may follow
            // it in the same read: the last bytes wait in `tail`.
            let mut pending = std::mem::take(&mut link.tail);
            pending.extend_from_slice(data);
            match pending
                .windows(mark.len())
                .position(|window| window == mark.as_slice())
            {
                Some(at) => {
                    let excess = pending.len() - (at + mark.len());
                    pending.truncate(at);
                    (pending, data.len() - excess, true)
                }
                None => {
                    let keep = pending.len().min(mark.len() - 1);
                    link.tail = pending.split_off(pending.len() - keep);
                    (pending, data.len(), false)
                }
            }
        }
        Payload::Unknown => (Vec::new(), 0, false),
    };
    client.query.consume(consumed);
    link.received_bytes += to_write.len();
    let written = match link.file.as_mut() {
        Some((file, _)) => std::io::Write::write_all(file, &to_write),
        None => Ok(()),
    };
    if let Err(error) = written {
        crate::warning!("Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: {error}");
        return fail(server, client);
    }
    if !complete {
        return false;
    }
    let history = link.pending_history.take();
    link.payload = Payload::Unknown;
    let Some((file, temp)) = link.file.take() else {
        return fail(server, client);
    };
    load_snapshot(server, client, file, &temp, history)
}

/// Replaces the dataset with the primary's snapshot and adopts its
/// history.
fn load_snapshot(
    server: &mut Server,
    client: &mut Client,
    file: std::fs::File,
    temp: &std::path::Path,
    history: Option<(String, i64)>,
) -> bool {
    crate::notice!("MASTER <-> REPLICA sync: Flushing old data");
    let path = server.persistence.directory.join(&server.config.dbfilename);
    let renamed = file.sync_all().and_then(|()| std::fs::rename(temp, &path));
    if let Err(error) = renamed {
        crate::warning!("Failed trying to rename the temp DB into dump.rdb in MASTER <-> REPLICA synchronization: {error}");
        let _ = std::fs::remove_file(temp);
        return fail(server, client);
    }
    crate::notice!("MASTER <-> REPLICA sync: Loading DB in memory");
    if let Err(error) = crate::rdb::load(server, crate::rdb::LoadMode::Replace) {
        crate::warning!("Failed trying to load the MASTER synchronization DB from disk: {error}");
        return fail(server, client);
    }
    // The history comes from PSYNC's reply, not from the file.
    server.persistence.loaded_history = None;
    server.persistence.loaded_expired = Vec::new();
    set_replica_databases(server, true);
    let (replid, offset) = history.unwrap_or_else(|| (crate::server::random_hex_id(), 0));
    let replication = &mut server.replication;
    replication.replid = replid;
    replication.offset = offset;
    replication.replid2 = "0".repeat(40);
    replication.second_offset = -1;
    // A new history: this server's replicas and backlog start over.
    replication.backlog = None;
    disconnect_replicas(server);
    crate::notice!("MASTER <-> REPLICA sync: Finished with success");
    connected(server, client);
    true
}

/// The stream begins: a backlog for this server's own replicas and for a
/// later promotion, and the primary's commands obeyed from now on.
fn connected(server: &mut Server, client: &mut Client) {
    crate::replication::ensure_backlog(server);
    server.replication.stream_db = None;
    client.db = 0;
    if let Some(link) = server.primary.as_mut() {
        link.state = LinkState::Connected;
        link.down_since_ms = 0;
        link.last_ack_ms = 0;
    }
}

/// Gives up on this connection; cron tries again.
fn fail(server: &mut Server, client: &mut Client) -> bool {
    client.close_after_reply = true;
    client.out.truncate(client.out_sent);
    if let Some(link) = server.primary.as_mut() {
        link.state = LinkState::Connect;
        link.abandon_transfer();
    }
    false
}

/// Runs each complete command of the stream, discarding its replies, and
/// passes its exact bytes on to this server's backlog and replicas.
fn apply_stream(server: &mut Server, client: &mut Client) {
    let query = std::mem::take(&mut client.query);
    let mut args = std::mem::take(&mut client.args);
    let mut decoder = std::mem::replace(&mut client.decoder, RequestDecoder::new());
    let data = query.data();
    let mut consumed = 0;
    let limits = RequestLimits {
        max_inline_len: usize::MAX,
        ..server.limits
    };
    while consumed < data.len() && !client.close_after_reply {
        let request = &data[consumed..];
        match decoder.decode(request, &limits, &mut args) {
            Ok(Some(length)) => {
                consumed += length;
                let bytes = &request[..length];
                if !args.is_empty() {
                    let reply_start = client.out.len();
                    for db in &mut server.dbs {
                        db.obey_primary = true;
                    }
                    server.process_command(client, args.view(bytes));
                    for db in &mut server.dbs {
                        db.obey_primary = false;
                    }
                    // Redis compat: a primary gets no replies, except the
                    // acknowledgement REPLCONF GETACK asks for.
                    let ack = std::mem::take(&mut client.repl_ack_requested);
                    client.out.truncate(reply_start);
                    if ack {
                        send_ack(server, client);
                    }
                }
                crate::replication::feed_raw(server, bytes);
            }
            Ok(None) => break,
            Err(error) => {
                crate::warning!("Protocol error from master: {error}");
                client.close_after_reply = true;
                consumed = data.len();
            }
        }
    }
    client.decoder = decoder;
    client.args = args;
    client.query = query;
    client.query.consume(consumed);
}

fn send_ack(server: &Server, client: &mut Client) {
    let offset = server.replication.offset.to_string();
    send(client, &[b"REPLCONF", b"ACK", offset.as_bytes()]);
}

/// After a write by a client of a writable replica: the keys it gave an
/// expiry are remembered for [`cron`] to expire.
pub fn remember_keys_with_expiry(
    server: &mut Server,
    client: &Client,
    spec: &crate::command::CommandSpec,
    argv: &vireo_resp::Argv<'_>,
) {
    let Some(keys) = crate::command::keys_of(spec, argv.len(), |index| argv.get(index)) else {
        return;
    };
    let now = server.now_ms;
    for (position, _) in keys {
        let Some(key) = argv.get(position) else {
            continue;
        };
        let expiring = server.dbs[client.db]
            .expire_at(key, now)
            .is_some_and(|at| at != vireo_core::db::NO_EXPIRY);
        if expiring {
            server
                .replica_keys_with_expiry
                .insert((client.db, key.to_vec()));
        }
    }
}

/// Expires the keys a writable replica's clients gave an expiry, which
/// no primary will delete.
fn expire_own_keys(server: &mut Server) {
    if server.replica_keys_with_expiry.is_empty() {
        return;
    }
    let now = server.now_ms;
    let dbs = &mut server.dbs;
    server.replica_keys_with_expiry.retain(|(db, key)| {
        let Some(database) = dbs.get_mut(*db) else {
            return false;
        };
        if database.remove_if_expired(key, now) {
            return false;
        }
        // Still there with an expiry: keep watching it.
        database
            .peek_even_if_expired(key, now)
            .is_some_and(|(_, at)| at != vireo_core::db::NO_EXPIRY)
    });
}

/// Cron's part: acknowledge the offset every second, drop a silent link
/// after `repl-timeout`, expire the replica's own keys.
pub fn cron(server: &mut Server) {
    expire_own_keys(server);
    let now = server.now_ms;
    let timeout_ms = server
        .config
        .get("repl-timeout")
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(60)
        .saturating_mul(1000);
    let Some(link) = server.primary.as_mut() else {
        return;
    };
    let Some(slot) = link.slot else {
        return;
    };
    if link.state != LinkState::Connect && now - link.last_io_ms > timeout_ms {
        match link.state {
            LinkState::Handshake(_) => crate::warning!("Timeout connecting to the MASTER..."),
            LinkState::Transfer => crate::warning!("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value."),
            _ => crate::warning!("MASTER timeout: no data nor PING received..."),
        }
        drop_link(server);
        return;
    }
    if link.state != LinkState::Connected || now - link.last_ack_ms < 1000 {
        return;
    }
    link.last_ack_ms = now;
    if let Some(Some(mut client)) = server.clients.get_mut(slot).map(Option::take) {
        send_ack(server, &mut client);
        server.queue_write(&mut client);
        server.put_client(client);
    }
}

/// The primary's connection as a client, for CLIENT LIST and INFO.
pub fn is_connected(server: &Server) -> bool {
    server
        .primary
        .as_ref()
        .is_some_and(|link| link.state == LinkState::Connected)
}

/// INFO replication's lines while following a primary.
pub fn info_lines(
    server: &Server,
    link: &PrimaryLink,
    field: &mut dyn FnMut(&str, &dyn std::fmt::Display),
) {
    let now = server.now_ms;
    field("role", &"slave");
    field("master_host", &link.host);
    field("master_port", &link.port);
    let up = link.state == LinkState::Connected;
    field("master_link_status", &if up { "up" } else { "down" });
    let last_io = if link.last_io_ms == 0 {
        -1
    } else {
        (now - link.last_io_ms) / 1000
    };
    field("master_last_io_seconds_ago", &last_io);
    field(
        "master_sync_in_progress",
        &u8::from(link.state == LinkState::Transfer),
    );
    field("slave_read_repl_offset", &server.replication.offset);
    field("slave_repl_offset", &server.replication.offset);
    if link.state == LinkState::Transfer {
        let total = link.transfer_size().unwrap_or(0);
        let read = link.transfer_received();
        field("master_sync_total_bytes", &total);
        field("master_sync_read_bytes", &read);
        field("master_sync_left_bytes", &total.saturating_sub(read));
        let perc = if total > 0 {
            read as f64 * 100.0 / total as f64
        } else {
            0.0
        };
        field("master_sync_perc", &format!("{perc:.2}"));
        field(
            "master_sync_last_io_seconds_ago",
            &((now - link.last_io_ms) / 1000),
        );
    }
    if !up {
        let since = if link.down_since_ms == 0 {
            -1
        } else {
            (now - link.down_since_ms) / 1000
        };
        field("master_link_down_since_seconds", &since);
    }
    field(
        "slave_priority",
        &server
            .config
            .get("replica-priority")
            .unwrap_or("100")
            .to_string(),
    );
    field(
        "slave_read_only",
        &u8::from(server.config.get("replica-read-only") == Some("yes")),
    );
    field(
        "replica_announced",
        &u8::from(server.config.get("replica-announced") != Some("no")),
    );
}

/// ROLE's state word for the link.
pub fn role_state(link: &PrimaryLink) -> &'static str {
    match link.state {
        LinkState::Connect if link.slot.is_some() => "connecting",
        LinkState::Connect => "connect",
        LinkState::Handshake(_) => "handshake",
        LinkState::Transfer => "sync",
        LinkState::Connected => "connected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Connection;
    use crate::testing::Transcript;

    /// Feeds `bytes` to the primary's link `chunk` bytes at a time.
    fn feed(server: &mut Server, client: &mut Client, bytes: &[u8], chunk: usize) {
        for piece in bytes.chunks(chunk) {
            client.query.extend(piece);
            process_primary_input(server, client);
        }
    }

    /// A snapshot holding `key`, as a primary would send it.
    fn snapshot_with(key: &[u8]) -> Vec<u8> {
        let mut source = Transcript::new();
        let client = source.connect();
        let mut set = Vec::new();
        encode::command(&mut set, &[b"SET", key, b"value"]);
        source.send(client, &set);
        let mut rdb = Vec::new();
        let server = &source.server;
        crate::rdb::write_rdb(&mut rdb, server, &server.dbs, server.now_ms, |_| {})
            .expect("write to memory");
        rdb
    }

    fn handshake_to_transfer(server: &mut Server, client: &mut Client) {
        follow(server, "127.0.0.1".to_string(), 1);
        link_opened(server, client);
        let mut replies = b"+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC ".to_vec();
        replies.extend_from_slice(&[b'a'; 40]);
        replies.extend_from_slice(b" 100\r\n\n\n");
        feed(server, client, &replies, 3);
        assert_eq!(
            server.primary.as_ref().map(|link| link.state),
            Some(LinkState::Transfer)
        );
    }

    #[test]
    fn a_diskless_snapshot_split_anywhere_is_found_and_the_stream_after_its_mark_applied() {
        let mark = [b'm'; EOF_MARK_LEN];
        for chunk in [1, 7, 40, 41, 4096] {
            let mut transcript = Transcript::new();
            let server = &mut transcript.server;
            let slot = server.add_client(Connection::Detached, "127.0.0.1:1".to_string());
            let mut client = server.take_client(slot).expect("the link's client");
            handshake_to_transfer(server, &mut client);
            let mut bytes = b"$EOF:".to_vec();
            bytes.extend_from_slice(&mark);
            bytes.extend_from_slice(b"\r\n");
            bytes.extend_from_slice(&snapshot_with(b"copied"));
            bytes.extend_from_slice(&mark);
            let stream = b"*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n";
            bytes.extend_from_slice(stream);
            feed(server, &mut client, &bytes, chunk);
            assert!(is_connected(server), "chunk {chunk}");
            let now = server.now_ms;
            assert!(server.dbs[0].contains(b"copied", now), "chunk {chunk}");
            assert!(server.dbs[0].contains(b"after", now), "chunk {chunk}");
            assert_eq!(server.replication.offset, 100 + stream.len() as i64);
            assert_eq!(server.replication.replid, "a".repeat(40));
            server.put_client(client);
        }
    }

    #[test]
    fn a_snapshot_with_a_length_is_read_exactly() {
        let mut transcript = Transcript::new();
        let server = &mut transcript.server;
        let slot = server.add_client(Connection::Detached, "127.0.0.1:1".to_string());
        let mut client = server.take_client(slot).expect("the link's client");
        handshake_to_transfer(server, &mut client);
        let rdb = snapshot_with(b"copied");
        let mut bytes = format!("${}\r\n", rdb.len()).into_bytes();
        bytes.extend_from_slice(&rdb);
        bytes.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        let sent_before = client.out.len();
        feed(server, &mut client, &bytes, 5);
        assert!(is_connected(server));
        assert!(server.dbs[0].contains(b"copied", server.now_ms));
        assert_eq!(server.replication.offset, 114);
        // A primary's commands get no reply.
        assert_eq!(client.out.len(), sent_before);
        server.put_client(client);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Whatever a primary sends, in whatever pieces, the link parses it
        /// without panicking and ends connected, waiting, or dropped.
        #[test]
        fn any_bytes_from_a_primary_are_survived(
            prefix in proptest::sample::select(vec![
                b"".to_vec(),
                b"+PONG\r\n+OK\r\n+OK\r\n".to_vec(),
                b"+PONG\r\n+OK\r\n+OK\r\n+CONTINUE\r\n".to_vec(),
                b"+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 5\r\n".to_vec(),
            ]),
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            chunk in 1usize..64,
        ) {
            let mut transcript = Transcript::new();
            let server = &mut transcript.server;
            let slot = server.add_client(Connection::Detached, "127.0.0.1:1".to_string());
            let mut client = server.take_client(slot).expect("the link's client");
            follow(server, "127.0.0.1".to_string(), 1);
            link_opened(server, &mut client);
            let mut bytes = prefix;
            bytes.extend_from_slice(&noise);
            for piece in bytes.chunks(chunk) {
                if client.close_after_reply {
                    break;
                }
                client.query.extend(piece);
                process_primary_input(server, &mut client);
            }
            server.put_client(client);
        }
    }

    #[test]
    fn a_corrupt_snapshot_drops_the_link_and_keeps_the_data() {
        let mut transcript = Transcript::new();
        let server = &mut transcript.server;
        let now = server.now_ms;
        server.dbs[0].insert(
            b"mine",
            vireo_core::Value::Str(vireo_core::StrValue::from_bytes(b"1")),
            vireo_core::db::NO_EXPIRY,
        );
        let slot = server.add_client(Connection::Detached, "127.0.0.1:1".to_string());
        let mut client = server.take_client(slot).expect("the link's client");
        handshake_to_transfer(server, &mut client);
        feed(server, &mut client, b"$12\r\nREDIS0010xyz", 4);
        assert!(client.close_after_reply);
        assert_eq!(
            server.primary.as_ref().map(|link| link.state),
            Some(LinkState::Connect)
        );
        assert!(server.dbs[0].contains(b"mine", now));
        server.put_client(client);
    }
}
