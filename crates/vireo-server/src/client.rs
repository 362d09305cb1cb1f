//! A connected client: its socket, query buffer, parse state and replies.
//!
//! A client is a state machine fed with bytes: `networking` appends what the
//! socket delivers to `query`, the server decodes and runs whole requests,
//! and replies accumulate in `out` until `before_sleep` writes them all at
//! once. The transcript harness drives the same state machine with no socket.

use mio::net::{TcpStream, UnixStream};
use vireo_resp::{encode, Args, RequestDecoder};

/// Bytes read from a client and not yet consumed.
///
/// The backing vector is kept fully initialised (its length is its
/// capacity), so a read can target the spare tail without zeroing it again
/// on every call: at one request per read, a fresh 16 KiB memset per read
/// would cost more than parsing the request.
#[derive(Default)]
pub struct QueryBuffer {
    bytes: Vec<u8>,
    len: usize,
}

impl QueryBuffer {
    /// The unconsumed bytes.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Number of unconsumed bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is buffered.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes allocated, used or not.
    pub fn capacity(&self) -> usize {
        self.bytes.len()
    }

    /// Room for at least `min` more bytes, to read into; call
    /// [`QueryBuffer::commit`] with how many were filled.
    #[inline]
    pub fn spare(&mut self, min: usize) -> &mut [u8] {
        if self.bytes.len() - self.len < min {
            let wanted = (self.len + min).max(self.bytes.len() * 2);
            self.bytes.resize(wanted, 0);
        }
        &mut self.bytes[self.len..]
    }

    /// Marks `count` bytes of the spare room as filled.
    #[inline]
    pub fn commit(&mut self, count: usize) {
        self.len = (self.len + count).min(self.bytes.len());
    }

    /// Appends `data` (used when no socket is involved).
    pub fn extend(&mut self, data: &[u8]) {
        let spare = self.spare(data.len());
        spare[..data.len()].copy_from_slice(data);
        self.commit(data.len());
    }

    /// Drops the first `count` bytes, keeping the rest at the front.
    #[inline]
    pub fn consume(&mut self, count: usize) {
        let count = count.min(self.len);
        if count == self.len {
            self.len = 0;
        } else if count > 0 {
            self.bytes.copy_within(count..self.len, 0);
            self.len -= count;
        }
    }

    /// Returns memory after a burst of large requests.
    pub fn shrink_if_idle(&mut self, keep: usize) {
        if self.len == 0 && self.bytes.len() > keep {
            self.bytes = vec![0; keep];
        }
    }
}

/// The transport under a client.
pub enum Connection {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A Unix-domain socket connection.
    Unix(UnixStream),
    /// No socket: driven in-process (tests, and later AOF loading).
    Detached,
}

impl Connection {
    /// Ends the connection at once, in both directions, ahead of the
    /// client's removal at the end of the loop iteration: the peer sees
    /// the close immediately, as when Redis frees a killed client.
    pub fn shut_down(&self) {
        let _ = match self {
            Connection::Tcp(stream) => stream.shutdown(std::net::Shutdown::Both),
            Connection::Unix(stream) => stream.shutdown(std::net::Shutdown::Both),
            Connection::Detached => Ok(()),
        };
    }
}

/// Per-client state.
pub struct Client {
    /// Unique, increasing id (`CLIENT ID`).
    pub id: u64,
    /// Slot in the server's client table; also the reactor token.
    pub slot: usize,
    /// The socket.
    pub conn: Connection,
    /// Peer address as `ip:port`.
    pub peer: String,
    /// Bytes received and not yet consumed.
    pub query: QueryBuffer,
    /// Incremental request parser state.
    pub decoder: RequestDecoder,
    /// Arguments of the request being run (reused across requests).
    pub args: Args,
    /// Replies not yet written.
    pub out: Vec<u8>,
    /// How much of `out` has been written already.
    pub out_sent: usize,
    /// Selected database index.
    pub db: usize,
    /// RESP protocol version (2 or 3).
    pub resp: u8,
    /// `CLIENT SETNAME` / `HELLO SETNAME` name.
    pub name: Option<Vec<u8>>,
    /// Whether the client has authenticated (always true without a password).
    pub authenticated: bool,
    /// Stop reading; close once `out` is written (QUIT, protocol errors).
    pub close_after_reply: bool,
    /// `error_replies` when the last command's failure was accounted (a
    /// command nested in EXEC accounts its own errors).
    pub errors_counted: u64,
    /// REPLCONF rdb-only 1: SYNC sends a snapshot and nothing after it.
    pub repl_rdb_only: bool,
    /// REPLCONF rdb-filter-only: the snapshot leaves the keys out.
    pub repl_rdb_without_data: bool,
    /// The port a replica said it listens on (REPLCONF listening-port).
    pub repl_port: u16,
    /// The replica understands `+CONTINUE <replid>` (REPLCONF capa psync2).
    pub repl_capa_psync2: bool,
    /// The replica can take a diskless snapshot (REPLCONF capa eof).
    pub repl_capa_eof: bool,
    /// Set once the client is a replica (SYNC or PSYNC).
    pub replica: Option<Box<crate::replication::Replica>>,
    /// Output up to this position is a snapshot transfer, outside the
    /// replica output limits.
    pub repl_uncounted: usize,
    /// This connection is the link to the primary this server follows.
    pub is_primary: bool,
    /// The primary asked for an acknowledgement (REPLCONF GETACK).
    pub repl_ack_requested: bool,
    /// The replication offset right after this client's last propagated
    /// write: what WAIT waits for.
    pub woff: i64,
    /// Queued in the server's pending-write list.
    pub pending_write: bool,
    /// The reactor is watching this socket for writability.
    pub writable_interest: bool,
    /// Creation time, Unix milliseconds.
    pub created_ms: i64,
    /// Time of the last interaction, Unix milliseconds.
    pub last_interaction_ms: i64,
    /// Error replies sent to this client.
    pub error_replies: u64,
    /// Error replies by error code (`ERR`, `WRONGTYPE`, ...).
    pub error_codes: Vec<(Vec<u8>, u64)>,
    /// Bytes buffered from the start of the command being run (CLIENT
    /// LIST's qbuf, which in Redis still holds the current command).
    pub query_pending: usize,
    /// Local address as `ip:port` (CLIENT LIST's laddr).
    pub local_addr: String,
    /// The socket's file descriptor, -1 without one.
    pub fd: i32,
    /// The last command run: (container, command) for CLIENT LIST's `cmd`.
    pub last_command: Option<(
        Option<&'static crate::command::CommandSpec>,
        &'static crate::command::CommandSpec,
    )>,
    /// CLIENT REPLY OFF: no replies until CLIENT REPLY ON.
    pub reply_off: bool,
    /// The reply of the command being run is dropped (CLIENT REPLY SKIP was the previous command).
    pub reply_skip: bool,
    /// CLIENT REPLY SKIP was just run: drop the next command's reply.
    pub reply_skip_next: bool,
    /// Output ranges the current command wrote as pub/sub notifications
    /// while replies are off or skipped: Redis still sends those.
    pub kept_pushes: Vec<std::ops::Range<usize>>,
    /// Where in `out` the keyspace events the databases logged since the
    /// command's last notification go (see `crate::notify`).
    pub key_event_anchor: usize,
    /// The transaction being queued (MULTI ... EXEC).
    pub multi: Option<crate::cmd::multi::MultiState>,
    /// Keys this client WATCHes: (db, key, whether it existed then).
    pub watched: Vec<(usize, Vec<u8>, bool)>,
    /// A watched key was written: the next EXEC fails.
    pub watch_dirty: bool,
    /// Subscribed channels.
    pub channels: std::collections::HashSet<Vec<u8>>,
    /// Subscribed patterns, in subscription order.
    pub patterns: Vec<Vec<u8>>,
    /// Subscribed shard channels.
    pub shard_channels: std::collections::HashSet<Vec<u8>>,
    /// When its output first went over the soft limit (Unix seconds, 0: not over).
    pub soft_limit_since: i64,
    /// Over an output buffer limit: close without writing what is pending.
    pub close_asap: bool,
    /// Waiting on keys (BLPOP and friends).
    pub blocked: Option<crate::blocked::BlockState>,
    /// Set by a blocking command that found nothing: what it waits for.
    pub block_request: Option<crate::blocked::BlockRequest>,
    /// Blocking commands must not block (inside EXEC): they reply at once.
    pub deny_blocking: bool,
    /// The client scripts issue their commands through (Redis's fake Lua
    /// client).
    pub is_script: bool,
    /// In MONITOR mode.
    pub monitor: bool,
    /// Its next command waits for CLIENT PAUSE to end.
    pub postponed: bool,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// CLIENT NO-TOUCH.
    pub no_touch: bool,
    /// CLIENT SETINFO LIB-NAME.
    pub lib_name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: Option<Vec<u8>>,
    /// CLIENT TRACKING settings, while tracking is on.
    pub tracking: Option<Box<crate::tracking::ClientTracking>>,
}

impl Client {
    /// A fresh client on `conn`.
    pub fn new(id: u64, slot: usize, conn: Connection, peer: String, now_ms: i64) -> Client {
        Client {
            id,
            slot,
            conn,
            peer,
            query: QueryBuffer::default(),
            decoder: RequestDecoder::new(),
            args: Args::new(),
            out: Vec::new(),
            out_sent: 0,
            db: 0,
            resp: 2,
            name: None,
            authenticated: true,
            close_after_reply: false,
            errors_counted: 0,
            repl_rdb_only: false,
            repl_rdb_without_data: false,
            repl_port: 0,
            repl_capa_psync2: false,
            repl_capa_eof: false,
            replica: None,
            repl_uncounted: 0,
            is_primary: false,
            repl_ack_requested: false,
            woff: 0,
            pending_write: false,
            writable_interest: false,
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            error_replies: 0,
            error_codes: Vec::new(),
            query_pending: 0,
            local_addr: String::new(),
            fd: -1,
            last_command: None,
            reply_off: false,
            reply_skip: false,
            reply_skip_next: false,
            kept_pushes: Vec::new(),
            key_event_anchor: 0,
            multi: None,
            watched: Vec::new(),
            watch_dirty: false,
            channels: Default::default(),
            patterns: Vec::new(),
            shard_channels: Default::default(),
            soft_limit_since: 0,
            close_asap: false,
            blocked: None,
            block_request: None,
            deny_blocking: false,
            is_script: false,
            monitor: false,
            postponed: false,
            no_evict: false,
            no_touch: false,
            lib_name: None,
            lib_ver: None,
            tracking: None,
        }
    }

    /// In pub/sub mode: subscribed to anything.
    #[inline]
    pub fn is_subscribed(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty() || !self.shard_channels.is_empty()
    }

    /// True if there are replies waiting to be written.
    #[inline]
    pub fn has_pending_replies(&self) -> bool {
        self.out.len() > self.out_sent
    }

    // Reply writers. Everything a handler sends goes through these, so the
    // RESP2/RESP3 differences live in one place.

    /// `+OK`.
    #[inline]
    pub fn reply_ok(&mut self) {
        self.out.extend_from_slice(b"+OK\r\n");
    }

    /// A status reply.
    #[inline]
    pub fn reply_simple(&mut self, status: &[u8]) {
        encode::simple(&mut self.out, status);
    }

    /// An error reply. `message` is either a full error starting with its
    /// code (`-WRONGTYPE ...`, given with the dash) or text that gets the
    /// generic `ERR` code.
    ///
    /// Redis compat: CR and LF inside the message become spaces, since
    /// errors often quote client input and must stay one protocol line.
    pub fn reply_error(&mut self, message: impl AsRef<[u8]>) {
        let message = message.as_ref();
        self.error_replies += 1;
        // Redis compat: the code is the text up to the first space, looked
        // for in the first 32 bytes, else ERR.
        let code: &[u8] = match message.strip_prefix(b"-") {
            Some(coded) => match coded[..coded.len().min(31)].iter().position(|&b| b == b' ') {
                Some(space) => &coded[..space],
                None => b"ERR",
            },
            None => b"ERR",
        };
        match self
            .error_codes
            .iter_mut()
            .find(|(existing, _)| existing == code)
        {
            Some((_, count)) => *count += 1,
            None => self.error_codes.push((code.to_vec(), 1)),
        }
        let body = match message.strip_prefix(b"-") {
            Some(coded) => {
                self.out.push(b'-');
                coded
            }
            None => {
                self.out.extend_from_slice(b"-ERR ");
                message
            }
        };
        self.out.extend(
            body.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        self.out.extend_from_slice(b"\r\n");
    }

    /// An integer reply.
    #[inline]
    pub fn reply_integer(&mut self, value: i64) {
        encode::integer(&mut self.out, value);
    }

    /// A bulk string reply.
    #[inline]
    pub fn reply_bulk(&mut self, bytes: &[u8]) {
        encode::bulk(&mut self.out, bytes);
    }

    /// The null reply: `$-1` in RESP2, `_` in RESP3.
    #[inline]
    pub fn reply_null(&mut self) {
        if self.resp >= 3 {
            encode::null(&mut self.out);
        } else {
            encode::null_bulk(&mut self.out);
        }
    }

    /// The null array reply: `*-1` in RESP2, `_` in RESP3.
    pub fn reply_null_array(&mut self) {
        if self.resp >= 3 {
            encode::null(&mut self.out);
        } else {
            encode::null_array(&mut self.out);
        }
    }

    /// An array header.
    #[inline]
    pub fn reply_array_len(&mut self, len: usize) {
        encode::array_len(&mut self.out, len);
    }

    /// Marks the output written since `start` as a pub/sub notification,
    /// which CLIENT REPLY OFF and SKIP do not silence.
    #[inline]
    pub fn mark_push(&mut self, start: usize) {
        if self.reply_off || self.reply_skip {
            self.kept_pushes.push(start..self.out.len());
        }
    }

    /// A map header: a RESP3 map, or a flat array of 2×`len` in RESP2.
    pub fn reply_map_len(&mut self, len: usize) {
        if self.resp >= 3 {
            encode::map_len(&mut self.out, len);
        } else {
            encode::array_len(&mut self.out, len * 2);
        }
    }

    /// A set header: a RESP3 set, or an array in RESP2.
    pub fn reply_set_len(&mut self, len: usize) {
        if self.resp >= 3 {
            encode::set_len(&mut self.out, len);
        } else {
            encode::array_len(&mut self.out, len);
        }
    }

    /// A boolean: RESP3 `#t`/`#f`, or the integers 1/0 in RESP2.
    pub fn reply_bool(&mut self, value: bool) {
        if self.resp >= 3 {
            encode::boolean(&mut self.out, value);
        } else {
            encode::integer(&mut self.out, i64::from(value));
        }
    }

    /// A double: RESP3 `,`, or its text as a bulk string in RESP2.
    pub fn reply_double(&mut self, value: f64) {
        if self.resp >= 3 {
            encode::double(&mut self.out, value);
        } else {
            let mut text = Vec::with_capacity(24);
            encode::double(&mut text, value);
            // `,<text>\r\n` minus its framing is the bulk payload.
            encode::bulk(&mut self.out, &text[1..text.len() - 2]);
        }
    }

    /// A double already printed: RESP3 `,<text>`, or `text` as a bulk
    /// string in RESP2 (Redis's `addReplyHumanLongDouble`).
    pub fn reply_double_text(&mut self, text: &[u8]) {
        if self.resp >= 3 {
            self.out.push(b',');
            self.out.extend_from_slice(text);
            self.out.extend_from_slice(b"\r\n");
        } else {
            encode::bulk(&mut self.out, text);
        }
    }

    /// True for clients on loopback or a Unix socket (`local` protected access).
    pub fn is_local(&self) -> bool {
        match &self.conn {
            Connection::Unix(_) | Connection::Detached => true,
            Connection::Tcp(stream) => stream
                .peer_addr()
                .map(|addr| addr.ip().is_loopback())
                .unwrap_or(false),
        }
    }

    /// A verbatim string (RESP3) or a bulk string (RESP2).
    pub fn reply_verbatim(&mut self, text: &[u8], format: [u8; 3]) {
        if self.resp >= 3 {
            encode::verbatim(&mut self.out, format, text);
        } else {
            encode::bulk(&mut self.out, text);
        }
    }
}
