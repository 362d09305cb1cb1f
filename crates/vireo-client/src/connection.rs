//! [`Connection`]: the deterministic protocol core. It does no I/O and
//! reads no clock: commands, socket bytes and `now` go in; bytes to write,
//! completions, events, transport actions and the next deadline come out.
//! Everything the client promises (ordering, exactly-once completion,
//! timeouts, reconnection, pub/sub, back-pressure) is decided here, once.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use vireo_resp::{Frame, ReplyDecoder};

use crate::command::{cmd, Command};
use crate::config::{Config, Protocol};
use crate::error::Error;
use crate::pubsub::{Delivery, Message, SubscriberQueue, SubscriptionKind};

/// Identifies one submitted command (or batch, or subscription request)
/// in the [`Completion`] that answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(pub u64);

/// Identifies one subscriber (of a channel, a pattern, a shard channel, or
/// of `MONITOR` output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionId(pub u64);

/// The answer to one submitted command, batch or subscription request.
#[derive(Debug, Clone)]
pub struct Completion {
    /// What was submitted.
    pub token: Token,
    /// The reply. Error replies from the server are `Ok(Frame::Error(..))`
    /// here: they are data, and a batch keeps them in place;
    /// [`FromReply`](crate::FromReply) turns them into
    /// [`Error::Server`](crate::Error::Server). A batch's replies come as one
    /// `Frame::Array`.
    pub result: Result<Frame, Error>,
}

/// What the adapter must do with its socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportAction {
    /// Open a new connection to [`Config::address`], then call
    /// [`Connection::handle_connected`] or
    /// [`Connection::handle_connect_failed`].
    Connect,
    /// Drop the current socket, without calling
    /// [`Connection::handle_disconnected`]: the core already knows.
    Close,
}

/// Something the application may want to know about.
#[derive(Debug, Clone)]
pub enum Event {
    /// The handshake succeeded: the connection is ready.
    Connected,
    /// The connection broke (or could not be opened, or the handshake
    /// failed). Commands in flight have failed; see [`Event::Reconnecting`]
    /// and [`Event::Closed`] for what happens next.
    Disconnected(Error),
    /// A new connection will be attempted after `delay`.
    Reconnecting {
        /// Consecutive failed attempts so far.
        attempt: u32,
        /// The backoff delay chosen, jitter included.
        delay: Duration,
    },
    /// The client is closed for good; every command has completed.
    Closed,
    /// The subscriber has deliveries waiting: call
    /// [`Connection::poll_delivery`] until it returns `None`. Emitted again
    /// only after that.
    Messages(SubscriptionId),
    /// A RESP3 push frame that is not pub/sub (client-side caching
    /// invalidations, for example).
    Push(Frame),
}

/// Where the connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for the adapter to open a socket.
    Connecting,
    /// Socket open, handshake (`HELLO`, `AUTH`, `SELECT`...) in progress.
    Handshaking,
    /// Ready; commands flow.
    Ready,
    /// Disconnected; the next attempt is due at the given instant.
    WaitingToReconnect(Instant),
    /// Closed for good.
    Closed,
}

/// Who is waiting for a request's replies.
#[derive(Debug)]
enum Owner {
    /// An application command or batch: its replies become a completion.
    User,
    /// One step of the connection handshake.
    Handshake(&'static str),
    /// `SUBSCRIBE`-family, internal; confirmations mark channels live.
    Subscribe(SubscriptionKind, Vec<Bytes>),
    /// `UNSUBSCRIBE`-family, internal; nothing waits for it.
    Unsubscribe,
    /// `MONITOR`, internal.
    Monitor,
}

/// What a request waits for.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// This many ordinary replies.
    Replies(usize),
    /// This many pub/sub confirmations whose first element is `name`.
    Confirmations { name: &'static [u8], left: usize },
}

#[derive(Debug)]
struct Request {
    /// User requests carry their token; internal ones carry 0 when made at
    /// connect time (so the queues stay sorted by token) or a fresh token.
    token: u64,
    owner: Owner,
    payload: Payload,
    expect: Expect,
    collected: Vec<Frame>,
    deadline: Option<Instant>,
    idempotent: bool,
    /// Timed out: the replies are still owed by the server, and discarded.
    abandoned: bool,
}

impl Request {
    fn weight(&self) -> usize {
        match self.owner {
            Owner::User => self.payload.commands().len(),
            _ => 0,
        }
    }
}

/// What a request sends. A single command is kept inline: no allocation
/// beyond the command's own.
#[derive(Debug)]
enum Payload {
    One(Command),
    /// A batch, whose replies are gathered into one array (even when it
    /// holds one command).
    Batch(Vec<Command>),
}

impl Payload {
    fn commands(&self) -> &[Command] {
        match self {
            Payload::One(command) => std::slice::from_ref(command),
            Payload::Batch(commands) => commands,
        }
    }
}

#[derive(Debug, Default)]
struct ChannelState {
    subscribers: Vec<SubscriptionId>,
    /// The server has confirmed this subscription on the current socket.
    confirmed: bool,
    /// Subscribe requests waiting for the confirmation.
    waiters: Vec<(SubscriptionId, Token)>,
}

#[derive(Debug)]
struct Subscriber {
    /// `None` for a `MONITOR` subscriber.
    key: Option<(SubscriptionKind, Bytes)>,
    queue: SubscriberQueue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Connected { handshake_left: usize },
    Waiting(Instant),
    Closed,
}

/// The protocol core of one client: a logical connection that outlives
/// its sockets.
///
/// `Connection` is a state machine. It never touches a socket, a clock or a
/// thread; an *adapter* (the `tokio` client, the `reactor` client, the
/// [`blocking`](crate::blocking) client, or your own) moves bytes and time
/// in and out. Because every decision is made here, the adapters are thin
/// and every behaviour can be tested with a simulated clock and scripted
/// bytes.
///
/// # Driving it
///
/// Inputs are `handle_*` and the request methods; outputs are `poll_*`.
/// After **any** input, drain the outputs in this order:
///
/// 1. [`poll_transport`](Self::poll_transport): open or drop the socket.
///    After opening one, call [`handle_connected`](Self::handle_connected)
///    (or [`handle_connect_failed`](Self::handle_connect_failed)); after
///    `Close`, stop reading the old socket.
/// 2. [`poll_transmit`](Self::poll_transmit): bytes to write, in order.
///    Write all of them before any later ones; partial writes are fine,
///    the adapter keeps the rest.
/// 3. [`poll_completion`](Self::poll_completion): answers to submitted
///    requests.
/// 4. [`poll_event`](Self::poll_event): connection events and pub/sub
///    wake-ups ([`Event::Messages`]), then
///    [`poll_delivery`](Self::poll_delivery) for those subscribers.
/// 5. [`poll_timeout`](Self::poll_timeout): call
///    [`handle_timeout`](Self::handle_timeout) at that instant if nothing
///    else happens first.
///
/// Bytes read from the socket go to [`handle_read`](Self::handle_read);
/// end-of-file or a socket error to
/// [`handle_disconnected`](Self::handle_disconnected).
///
/// # Requests
///
/// * [`submit`](Self::submit) one [`Command`], or
///   [`submit_batch`](Self::submit_batch) several that must reach the
///   server back to back (pipelines, `MULTI`...`EXEC`): no other request is
///   interleaved with a batch.
/// * [`subscribe`](Self::subscribe) / [`unsubscribe`](Self::unsubscribe)
///   for channels, patterns and shard channels, and
///   [`monitor`](Self::monitor).
/// * [`close`](Self::close) (graceful) and [`abort`](Self::abort).
///
/// # Guarantees
///
/// * **Exactly one completion** per token: with the reply, or with an
///   error ([`Error::Timeout`], [`Error::ConnectionLost`],
///   [`Error::NotConnected`], [`Error::Closed`], [`Error::Connect`]).
/// * **In order**: replies complete in submission order, all requests
///   share one pipelined socket, and nothing is sent ahead of the
///   handshake. The exceptions are explicit: a timed-out command completes
///   at its deadline, and after a disconnect the commands that failed
///   complete at once while idempotent ones are retried.
/// * **Timeouts fail only their command**: the request is marked
///   abandoned, its reply is discarded when it arrives, and the connection
///   stays up. A blocking command (`BLPOP k 5`, `XREAD BLOCK 100`,
///   `WAIT 1 250`) gets a deadline of its own timeout plus
///   [`Config::blocking_grace`]; a blocking command that may block forever
///   gets none, unless it has its own [`Command::timeout`].
/// * **Never replayed silently**: after a disconnect, commands already
///   handed to the socket fail with [`Error::ConnectionLost`] unless they
///   were marked [`Command::idempotent`], in which case they are sent again
///   on the next connection. Commands never handed to the socket wait for
///   the next connection.
/// * **Reconnection** follows [`Config::reconnect`] (exponential backoff
///   with jitter from a seeded generator). The handshake is `HELLO 3` with
///   `AUTH` and `SETNAME` (RESP3), or `AUTH` and `CLIENT SETNAME` (RESP2),
///   then `SELECT`; then every subscription and `MONITOR` is restored.
///   A failed handshake fails the queued commands with [`Error::Connect`]
///   (a wrong password must not leave them hanging) and retries later.
/// * **Bounded**: at most [`Config::max_pending`] commands are queued or
///   in flight ([`Error::QueueFull`] beyond); each subscriber holds at most
///   [`Config::subscription_capacity`] messages, then the oldest are
///   dropped and it receives [`Delivery::Lagged`]. The completion and
///   event queues only hold what the last input produced, as long as the
///   adapter drains them after each input.
/// * **No panics on server bytes**: malformed or unexpected frames drop
///   the socket with [`Error::Protocol`], and reconnection follows.
///
/// # Pub/sub
///
/// Over RESP3 (the default), messages are push frames and the connection
/// keeps serving ordinary commands. Over RESP2 the server only accepts
/// pub/sub commands, `PING` and `QUIT` from a subscribed connection, so
/// while any subscription exists `submit` refuses other commands with
/// [`Error::NotAllowed`] rather than sending what the server would refuse.
/// Several subscribers may listen to one channel; the server sees one
/// `SUBSCRIBE` and one `UNSUBSCRIBE`.
///
/// After `MONITOR`, the connection only carries monitor output: later
/// commands are refused.
///
/// # Example
///
/// ```
/// use std::time::Instant;
/// use vireo_client::{cmd, Address, Config, Connection, TransportAction};
/// use vireo_resp::Frame;
///
/// let now = Instant::now();
/// let config = Config::new(Address::Tcp { host: "127.0.0.1".into(), port: 6379 });
/// let mut conn = Connection::new(config, now);
/// assert_eq!(conn.poll_transport(), Some(TransportAction::Connect));
/// conn.handle_connected(now);
/// let token = conn.submit(cmd("GET").arg("k"), now).unwrap();
///
/// let mut wire = Vec::new();
/// conn.poll_transmit(&mut wire);
/// assert!(wire.starts_with(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"));
/// // The GET waits for the handshake's reply.
/// conn.handle_read(b"%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n", now);
/// wire.clear();
/// conn.poll_transmit(&mut wire);
/// assert_eq!(wire, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
/// conn.handle_read(b"$2\r\nhi\r\n", now);
/// let done = conn.poll_completion().unwrap();
/// assert_eq!(done.token, token);
/// assert_eq!(done.result.unwrap(), Frame::Bulk("hi".into()));
/// ```
#[derive(Debug)]
pub struct Connection {
    config: Config,
    phase: Phase,
    closing: bool,
    /// Requests not yet handed to the socket, sorted by token.
    queued: VecDeque<Request>,
    /// Requests handed to the socket, in wire order, sorted by token.
    in_flight: VecDeque<Request>,
    out: Vec<u8>,
    read_buf: BytesMut,
    decoder: ReplyDecoder,
    /// The decoder holds no part of a frame: the buffer starts with a new
    /// one (see [`quick_frame`](Self::quick_frame)).
    between_frames: bool,
    completions: VecDeque<Completion>,
    events: VecDeque<Event>,
    transport: VecDeque<TransportAction>,
    deadlines: BinaryHeap<Reverse<(Instant, u64)>>,
    next_token: u64,
    /// User commands and subscription requests not yet completed.
    pending: usize,
    attempt: u32,
    rng: u64,
    last_error: Arc<str>,
    channels: HashMap<(SubscriptionKind, Bytes), ChannelState>,
    subscribers: HashMap<SubscriptionId, Subscriber>,
    next_subscriber: u64,
    /// The server's subscription count from the last confirmation (RESP2's
    /// subscribed mode lasts while it is above zero).
    server_subscriptions: i64,
    monitor_subscribers: Vec<SubscriptionId>,
    monitor_waiters: Vec<Token>,
    monitor_active: bool,
    /// The instant given with the latest input.
    now: Instant,
}

impl Connection {
    /// A core that wants to connect at once ([`TransportAction::Connect`]).
    pub fn new(config: Config, now: Instant) -> Connection {
        let seed = config.seed | 1;
        let mut connection = Connection {
            config,
            phase: Phase::Connecting,
            closing: false,
            queued: VecDeque::new(),
            in_flight: VecDeque::new(),
            out: Vec::new(),
            read_buf: BytesMut::with_capacity(16 * 1024),
            decoder: ReplyDecoder::new(),
            between_frames: true,
            completions: VecDeque::new(),
            events: VecDeque::new(),
            transport: VecDeque::new(),
            deadlines: BinaryHeap::new(),
            next_token: 1,
            pending: 0,
            attempt: 0,
            rng: seed,
            last_error: Arc::from("not connected yet"),
            channels: HashMap::new(),
            subscribers: HashMap::new(),
            next_subscriber: 1,
            server_subscriptions: 0,
            monitor_subscribers: Vec::new(),
            monitor_waiters: Vec::new(),
            monitor_active: false,
            now,
        };
        connection.transport.push_back(TransportAction::Connect);
        connection
    }

    /// The configuration this core was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the connection is in its life.
    pub fn state(&self) -> State {
        match self.phase {
            Phase::Connecting => State::Connecting,
            Phase::Connected { handshake_left: 0 } => State::Ready,
            Phase::Connected { .. } => State::Handshaking,
            Phase::Waiting(at) => State::WaitingToReconnect(at),
            Phase::Closed => State::Closed,
        }
    }

    /// Why the latest connection attempt or connection failed.
    pub fn last_error(&self) -> Arc<str> {
        self.last_error.clone()
    }

    /// Replaces the reconnection policy from now on (`None`: the next
    /// failure closes the client).
    pub fn set_reconnect(&mut self, policy: Option<crate::config::Backoff>) {
        self.config.reconnect = policy;
    }

    /// Commands (and subscription requests) submitted and not yet
    /// completed.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// How many more commands [`submit`](Self::submit) accepts now.
    pub fn capacity(&self) -> usize {
        self.config.max_pending.saturating_sub(self.pending)
    }

    // ----- requests --------------------------------------------------------

    /// Submits one command.
    ///
    /// # Errors
    /// [`Error::Closed`] after [`close`](Self::close);
    /// [`Error::QueueFull`] at [`Config::max_pending`];
    /// [`Error::NotAllowed`] for commands that would break the connection's
    /// state (`SUBSCRIBE` and friends: use [`subscribe`](Self::subscribe);
    /// `MONITOR`: use [`monitor`](Self::monitor); `HELLO`, `RESET`, `QUIT`:
    /// configure or [`close`](Self::close) instead), in MONITOR mode, and
    /// for non-pub/sub commands in RESP2 subscribed mode.
    pub fn submit(&mut self, command: Command, now: Instant) -> Result<Token, Error> {
        self.now = now;
        self.check_allowed(&command)?;
        self.submit_request(Payload::One(command), now)
    }

    /// Submits commands that go to the server back to back, with nothing
    /// interleaved; their replies complete together as one
    /// `Frame::Array`, in order (a batch's server errors stay in place as
    /// `Frame::Error`). The batch is idempotent only if every command is.
    /// An empty batch completes at once with an empty array.
    ///
    /// # Errors
    /// As [`submit`](Self::submit), for any command of the batch.
    pub fn submit_batch(&mut self, commands: Vec<Command>, now: Instant) -> Result<Token, Error> {
        self.now = now;
        for command in &commands {
            self.check_allowed(command)?;
        }
        if commands.is_empty() {
            if self.closing || self.phase == Phase::Closed {
                return Err(Error::Closed);
            }
            let token = self.fresh_token();
            self.completions.push_back(Completion {
                token: Token(token),
                result: Ok(Frame::Array(Vec::new())),
            });
            return Ok(Token(token));
        }
        self.submit_request(Payload::Batch(commands), now)
    }

    fn check_allowed(&self, command: &Command) -> Result<(), Error> {
        if self.closing || self.phase == Phase::Closed {
            return Err(Error::Closed);
        }
        // The guarded names are 4 to 12 letters long: the most common
        // commands (GET, SET, DEL...) skip the comparisons.
        if (4..=12).contains(&command.name().len()) {
            const PUBSUB: [&str; 6] = [
                "SUBSCRIBE",
                "PSUBSCRIBE",
                "SSUBSCRIBE",
                "UNSUBSCRIBE",
                "PUNSUBSCRIBE",
                "SUNSUBSCRIBE",
            ];
            if PUBSUB.iter().any(|name| command.is(name)) {
                return Err(Error::NotAllowed(
                    "pub/sub commands go through subscribe() and unsubscribe()",
                ));
            }
            if command.is("MONITOR") {
                return Err(Error::NotAllowed("MONITOR goes through monitor()"));
            }
            if command.is("HELLO") || command.is("RESET") || command.is("QUIT") {
                return Err(Error::NotAllowed(
                    "HELLO, RESET and QUIT would desynchronise the connection; \
                     set the protocol in Config, or close the client",
                ));
            }
        }
        if !self.monitor_subscribers.is_empty() {
            return Err(Error::NotAllowed(
                "the connection is in MONITOR mode and only carries its output",
            ));
        }
        if self.config.protocol == Protocol::Resp2
            && !self.channels.is_empty()
            && !command.is("PING")
        {
            return Err(Error::NotAllowed(
                "RESP2 subscribed mode: only pub/sub commands and PING are allowed; \
                 use RESP3 or another connection",
            ));
        }
        Ok(())
    }

    fn submit_request(&mut self, payload: Payload, now: Instant) -> Result<Token, Error> {
        let commands = payload.commands();
        let weight = commands.len();
        if self.pending + weight > self.config.max_pending {
            return Err(Error::QueueFull);
        }
        let deadline = self.deadline_for(commands, now);
        let idempotent = commands.iter().all(|c| c.idempotent);
        let token = self.fresh_token();
        if let Some(at) = deadline {
            self.deadlines.push(Reverse((at, token)));
            // Answered commands leave their deadline behind (removing it from
            // the heap would cost a search per reply); sweep when such
            // leftovers are most of the heap, so it stays proportional to
            // the pending commands at an amortised O(log n) per command.
            if self.deadlines.len() > 1024 && self.deadlines.len() > 4 * self.pending {
                self.prune_deadlines();
            }
        }
        self.pending += weight;
        self.queued.push_back(Request {
            token,
            owner: Owner::User,
            expect: Expect::Replies(weight),
            payload,
            collected: Vec::new(),
            deadline,
            idempotent,
            abandoned: false,
        });
        Ok(Token(token))
    }

    fn deadline_for(&self, commands: &[Command], now: Instant) -> Option<Instant> {
        let mut latest: Option<Duration> = None;
        for command in commands {
            let limit = match (command.timeout, command.blocking_timeout()) {
                (Some(own), _) => own,
                (None, Some(None)) => return None,
                (None, Some(Some(blocking))) => blocking + self.config.blocking_grace,
                (None, None) => self.config.command_timeout?,
            };
            latest = Some(latest.map_or(limit, |l| l.max(limit)));
        }
        latest.and_then(|d| now.checked_add(d))
    }

    fn fresh_token(&mut self) -> u64 {
        let token = self.next_token;
        self.next_token += 1;
        token
    }

    /// Subscribes to a channel, a pattern or a shard channel.
    ///
    /// Returns the subscriber's id, for [`poll_delivery`](Self::poll_delivery)
    /// and [`unsubscribe`](Self::unsubscribe), and a token that completes
    /// (with `+OK`) once the server has confirmed the subscription: messages
    /// published after that are received. The subscription survives
    /// reconnections.
    ///
    /// # Errors
    /// [`Error::Closed`], [`Error::QueueFull`], and [`Error::NotAllowed`] in
    /// MONITOR mode.
    pub fn subscribe(
        &mut self,
        kind: SubscriptionKind,
        name: &[u8],
        now: Instant,
    ) -> Result<(SubscriptionId, Token), Error> {
        self.now = now;
        if self.closing || self.phase == Phase::Closed {
            return Err(Error::Closed);
        }
        if !self.monitor_subscribers.is_empty() {
            return Err(Error::NotAllowed("the connection is in MONITOR mode"));
        }
        if self.pending + 1 > self.config.max_pending {
            return Err(Error::QueueFull);
        }
        let id = SubscriptionId(self.next_subscriber);
        self.next_subscriber += 1;
        let name = Bytes::copy_from_slice(name);
        let key = (kind, name.clone());
        self.subscribers.insert(
            id,
            Subscriber {
                key: Some(key.clone()),
                queue: SubscriberQueue::new(self.config.subscription_capacity),
            },
        );
        let token = Token(self.fresh_token());
        self.pending += 1;
        let fresh = !self.channels.contains_key(&key);
        let channel = self.channels.entry(key).or_default();
        channel.subscribers.push(id);
        if channel.confirmed {
            self.complete(token, Ok(Frame::Simple(Bytes::from_static(b"OK"))), 1);
        } else {
            channel.waiters.push((id, token));
            if fresh {
                let request = self.subscribe_request(kind, vec![name]);
                self.queued.push_back(request);
            }
        }
        Ok((id, token))
    }

    fn subscribe_request(&mut self, kind: SubscriptionKind, names: Vec<Bytes>) -> Request {
        let command = cmd(kind.subscribe_command()).arg(&names);
        Request {
            token: self.fresh_token(),
            expect: Expect::Confirmations {
                name: kind.confirmation(true),
                left: names.len(),
            },
            owner: Owner::Subscribe(kind, names),
            payload: Payload::One(command),
            collected: Vec::new(),
            deadline: None,
            idempotent: false,
            abandoned: false,
        }
    }

    /// Ends a subscriber. Its queued deliveries are dropped; when it was the
    /// last subscriber of its channel, the server is told to unsubscribe.
    /// Unknown ids are ignored.
    pub fn unsubscribe(&mut self, id: SubscriptionId) {
        let Some(subscriber) = self.subscribers.remove(&id) else {
            return;
        };
        let Some(key) = subscriber.key else {
            self.monitor_subscribers.retain(|s| *s != id);
            return;
        };
        let Some(channel) = self.channels.get_mut(&key) else {
            return;
        };
        channel.subscribers.retain(|s| *s != id);
        let mut abandoned_waiters = Vec::new();
        channel.waiters.retain(|(s, token)| {
            let keep = *s != id;
            if !keep {
                abandoned_waiters.push(*token);
            }
            keep
        });
        let last = channel.subscribers.is_empty();
        for token in abandoned_waiters {
            self.complete(token, Err(Error::Closed), 1);
        }
        if last {
            self.channels.remove(&key);
            if matches!(self.phase, Phase::Connected { .. }) && !self.closing {
                let (kind, name) = key;
                let token = self.fresh_token();
                self.queued.push_back(Request {
                    token,
                    owner: Owner::Unsubscribe,
                    expect: Expect::Confirmations {
                        name: kind.confirmation(false),
                        left: 1,
                    },
                    payload: Payload::One(cmd(kind.unsubscribe_command()).arg(&name)),
                    collected: Vec::new(),
                    deadline: None,
                    idempotent: false,
                    abandoned: false,
                });
            }
        }
    }

    /// Turns the connection into a `MONITOR` connection: every command the
    /// server runs arrives as a [`Delivery::Message`] whose payload is the
    /// monitor line. The token completes when the server has agreed. From
    /// then on the connection carries nothing else; MONITOR is restored
    /// after a reconnect.
    ///
    /// # Errors
    /// [`Error::Closed`], [`Error::QueueFull`], and [`Error::NotAllowed`]
    /// while subscriptions exist.
    pub fn monitor(&mut self, now: Instant) -> Result<(SubscriptionId, Token), Error> {
        self.now = now;
        if self.closing || self.phase == Phase::Closed {
            return Err(Error::Closed);
        }
        if !self.channels.is_empty() {
            return Err(Error::NotAllowed(
                "MONITOR needs a connection without subscriptions",
            ));
        }
        if self.pending + 1 > self.config.max_pending {
            return Err(Error::QueueFull);
        }
        let id = SubscriptionId(self.next_subscriber);
        self.next_subscriber += 1;
        self.subscribers.insert(
            id,
            Subscriber {
                key: None,
                queue: SubscriberQueue::new(self.config.subscription_capacity),
            },
        );
        let token = Token(self.fresh_token());
        self.pending += 1;
        let first = self.monitor_subscribers.is_empty();
        self.monitor_subscribers.push(id);
        if self.monitor_active {
            self.complete(token, Ok(Frame::Simple(Bytes::from_static(b"OK"))), 1);
        } else {
            self.monitor_waiters.push(token);
            if first {
                let request = self.internal(Owner::Monitor, cmd("MONITOR"), false);
                self.queued.push_back(request);
            }
        }
        Ok((id, token))
    }

    fn internal(&mut self, owner: Owner, command: Command, at_connect: bool) -> Request {
        Request {
            token: if at_connect { 0 } else { self.fresh_token() },
            owner,
            payload: Payload::One(command),
            expect: Expect::Replies(1),
            collected: Vec::new(),
            deadline: None,
            idempotent: false,
            abandoned: false,
        }
    }

    /// Graceful close (hiredis's `redisAsyncDisconnect`): new requests are
    /// refused with [`Error::Closed`], subscriptions end
    /// ([`Delivery::Closed`]), pending commands are still answered, then the
    /// socket is closed ([`TransportAction::Close`]) and [`Event::Closed`]
    /// is emitted. When no connection is open, queued commands fail with
    /// [`Error::NotConnected`] and the client closes at once.
    pub fn close(&mut self) {
        if self.closing || self.phase == Phase::Closed {
            return;
        }
        self.closing = true;
        self.end_subscriptions(None);
        if !matches!(self.phase, Phase::Connected { .. }) {
            let reason = self.last_error.clone();
            self.shut(Error::NotConnected { reason });
            return;
        }
        self.check_drained();
    }

    /// Closes at once: every pending request fails with [`Error::Closed`].
    pub fn abort(&mut self) {
        if self.phase == Phase::Closed {
            return;
        }
        self.closing = true;
        self.end_subscriptions(None);
        if matches!(self.phase, Phase::Connected { .. }) {
            self.transport.push_back(TransportAction::Close);
        }
        self.drain_in_flight_failing(Error::Closed);
        self.shut(Error::Closed);
    }

    // ----- transport inputs ------------------------------------------------

    /// The adapter opened the socket it was asked for: the handshake is
    /// queued for transmission.
    pub fn handle_connected(&mut self, now: Instant) {
        self.now = now;
        if self.phase != Phase::Connecting {
            return;
        }
        self.read_buf.clear();
        self.decoder.reset();
        self.between_frames = true;
        self.out.clear();
        self.server_subscriptions = 0;
        self.monitor_active = false;
        let mut steps = Vec::new();
        let config = &self.config;
        match config.protocol {
            Protocol::Resp3 => {
                let mut hello = cmd("HELLO").arg("3");
                if let Some(password) = &config.password {
                    let user = config.username.as_deref().unwrap_or("default");
                    hello = hello.arg("AUTH").arg(user).arg(password);
                }
                if let Some(name) = &config.client_name {
                    hello = hello.arg("SETNAME").arg(name);
                }
                steps.push(("HELLO", hello));
            }
            Protocol::Resp2 => {
                if let Some(password) = &config.password {
                    let auth = match &config.username {
                        Some(user) => cmd("AUTH").arg(user).arg(password),
                        None => cmd("AUTH").arg(password),
                    };
                    steps.push(("AUTH", auth));
                }
                if let Some(name) = &config.client_name {
                    steps.push(("CLIENT SETNAME", cmd("CLIENT").arg("SETNAME").arg(name)));
                }
            }
        }
        if config.db != 0 {
            steps.push(("SELECT", cmd("SELECT").arg(config.db)));
        }
        self.phase = Phase::Connected {
            handshake_left: steps.len(),
        };
        for (what, command) in steps {
            command.encode(&mut self.out);
            let request = self.internal(Owner::Handshake(what), command, true);
            self.in_flight.push_back(request);
        }
        // Restored state goes first among the queued requests, in front of
        // commands waiting since the disconnect.
        let mut restore = Vec::new();
        if !self.monitor_subscribers.is_empty() {
            restore.push(self.internal(Owner::Monitor, cmd("MONITOR"), true));
        }
        for kind in SubscriptionKind::ALL.into_iter().rev() {
            let mut names: Vec<Bytes> = self
                .channels
                .keys()
                .filter(|(k, _)| *k == kind)
                .map(|(_, n)| n.clone())
                .collect();
            if names.is_empty() {
                continue;
            }
            names.sort();
            let mut request = self.subscribe_request(kind, names);
            request.token = 0;
            restore.push(request);
        }
        for request in restore {
            self.queued.push_front(request);
        }
        if self.phase == (Phase::Connected { handshake_left: 0 }) {
            self.handshake_done();
        }
    }

    /// The adapter could not open the socket.
    pub fn handle_connect_failed(&mut self, reason: &str, now: Instant) {
        self.now = now;
        if self.phase != Phase::Connecting {
            return;
        }
        self.last_error = Arc::from(reason);
        self.events.push_back(Event::Disconnected(Error::Connect {
            reason: self.last_error.clone(),
        }));
        self.schedule_reconnect();
    }

    /// The socket reached end-of-file or failed.
    pub fn handle_disconnected(&mut self, reason: &str, now: Instant) {
        self.now = now;
        if !matches!(self.phase, Phase::Connected { .. }) {
            return;
        }
        self.lose_connection(Arc::from(reason));
    }

    /// Bytes read from the socket.
    pub fn handle_read(&mut self, data: &[u8], now: Instant) {
        self.now = now;
        if !matches!(self.phase, Phase::Connected { .. }) {
            return;
        }
        self.read_buf.extend_from_slice(data);
        loop {
            let decoded = match self.quick_frame() {
                Some(frame) => Ok(Some(frame)),
                None => self.decoder.decode(&mut self.read_buf),
            };
            self.between_frames = matches!(decoded, Ok(Some(_)));
            match decoded {
                Ok(Some(frame)) => {
                    if let Err(why) = self.handle_frame(frame) {
                        self.fail_protocol(why);
                        return;
                    }
                    if !matches!(self.phase, Phase::Connected { .. }) {
                        return;
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    self.fail_protocol(error.to_string());
                    return;
                }
            }
        }
        self.check_drained();
    }

    /// Takes the replies that make most of pipelined traffic, `+OK` and
    /// bulk strings shorter than 10,000 bytes, off the front of the buffer
    /// without the general decoder, as the same frames it would make (the
    /// `+OK` shares no buffer). Only between frames, and only when the
    /// whole reply is there; anything else is left to the decoder, errors
    /// included.
    fn quick_frame(&mut self) -> Option<Frame> {
        if !self.between_frames {
            return None;
        }
        let buf = &self.read_buf[..];
        if buf.starts_with(b"+OK\r\n") {
            self.read_buf.advance(5);
            return Some(Frame::Simple(Bytes::from_static(b"OK")));
        }
        let digits = match buf {
            [b'$', b'0', b'\r', b'\n', ..] => &buf[1..2],
            [b'$', b'1'..=b'9', rest @ ..] => {
                let more = rest.iter().take(3).take_while(|b| b.is_ascii_digit());
                buf.get(1..2 + more.count())?
            }
            _ => return None,
        };
        let header = digits.len() + 3;
        if buf.get(header - 2..header)? != b"\r\n" {
            return None;
        }
        let len = digits.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0'));
        if buf.get(header + len..header + len + 2)? != b"\r\n" {
            return None;
        }
        self.read_buf.advance(header);
        let payload = self.read_buf.split_to(len).freeze();
        self.read_buf.advance(2);
        Some(Frame::Bulk(payload))
    }

    /// Time passed: fails commands past their deadline and starts due
    /// reconnection attempts.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        if let Phase::Waiting(at) = self.phase {
            if now >= at {
                self.phase = Phase::Connecting;
                self.transport.push_back(TransportAction::Connect);
            }
        }
        while let Some(Reverse((at, token))) = self.deadlines.peek().copied() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            self.expire(token, at);
        }
        self.check_drained();
    }

    fn prune_deadlines(&mut self) {
        let heap = std::mem::take(&mut self.deadlines);
        let live: Vec<_> = heap
            .into_vec()
            .into_iter()
            .filter(|Reverse((at, token))| self.waits_for(*token, *at))
            .collect();
        self.deadlines = BinaryHeap::from(live);
    }

    /// Whether a live (not abandoned) request `token` has deadline `at`.
    fn waits_for(&self, token: u64, at: Instant) -> bool {
        [&self.queued, &self.in_flight].into_iter().any(|queue| {
            let i = queue.partition_point(|r| r.token < token);
            queue
                .get(i)
                .is_some_and(|r| r.token == token && r.deadline == Some(at) && !r.abandoned)
        })
    }

    fn expire(&mut self, token: u64, at: Instant) {
        let queued_at = self.queued.partition_point(|r| r.token < token);
        if let Some(request) = self.queued.get(queued_at) {
            if request.token == token && request.deadline == Some(at) {
                if let Some(request) = self.queued.remove(queued_at) {
                    let weight = request.weight();
                    self.complete(Token(token), Err(Error::Timeout), weight);
                }
                return;
            }
        }
        let flying_at = self.in_flight.partition_point(|r| r.token < token);
        if let Some(request) = self.in_flight.get_mut(flying_at) {
            if request.token == token && request.deadline == Some(at) && !request.abandoned {
                request.abandoned = true;
                let weight = request.weight();
                tracing::debug!(token, "command timed out; its reply will be discarded");
                self.complete(Token(token), Err(Error::Timeout), weight);
            }
        }
    }

    // ----- outputs ---------------------------------------------------------

    /// The next thing to do with the socket.
    pub fn poll_transport(&mut self) -> Option<TransportAction> {
        self.transport.pop_front()
    }

    /// Appends the bytes to write to `buf`. Requests move from "queued" to
    /// "in flight" here: from now on a disconnect means they may have
    /// reached the server.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) {
        if self.phase == (Phase::Connected { handshake_left: 0 }) {
            for request in &self.queued {
                for command in request.payload.commands() {
                    command.encode(&mut self.out);
                }
            }
            // Requests are large: when nothing is in flight, the queues
            // trade places instead of moving them one by one.
            if self.in_flight.is_empty() {
                std::mem::swap(&mut self.queued, &mut self.in_flight);
            } else {
                self.in_flight.extend(self.queued.drain(..));
            }
        }
        if buf.is_empty() {
            std::mem::swap(buf, &mut self.out);
        } else {
            buf.extend_from_slice(&self.out);
            self.out.clear();
        }
    }

    /// True when [`poll_transmit`](Self::poll_transmit) would produce bytes.
    pub fn wants_transmit(&self) -> bool {
        !self.out.is_empty()
            || (self.phase == (Phase::Connected { handshake_left: 0 }) && !self.queued.is_empty())
    }

    /// The next completion.
    pub fn poll_completion(&mut self) -> Option<Completion> {
        self.completions.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next delivery for a subscriber, or `None` when it has nothing
    /// waiting (an [`Event::Messages`] announces new ones). Unknown ids get
    /// [`Delivery::Closed`].
    pub fn poll_delivery(&mut self, id: SubscriptionId) -> Option<Delivery> {
        match self.subscribers.get_mut(&id) {
            Some(subscriber) => subscriber.queue.pop(),
            None => Some(Delivery::Closed),
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    /// An instant in the past means "now". May be earlier than needed
    /// (a completed command's deadline); calling early is harmless.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let command = self.deadlines.peek().map(|Reverse((at, _))| *at);
        let reconnect = match self.phase {
            Phase::Waiting(at) => Some(at),
            _ => None,
        };
        match (command, reconnect) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- replies ---------------------------------------------------------

    fn handle_frame(&mut self, frame: Frame) -> Result<(), String> {
        if let Frame::Push(items) = frame {
            return self.handle_push(items);
        }
        if self.monitor_active && self.live_head().is_none() {
            if let Frame::Simple(line) | Frame::Bulk(line) = frame {
                self.deliver_monitor(line);
                return Ok(());
            }
            return Err("unexpected frame in MONITOR mode".into());
        }
        if self.config.protocol == Protocol::Resp2 {
            let subscribed = self.server_subscriptions > 0
                || matches!(
                    self.in_flight.front().map(|r| r.expect),
                    Some(Expect::Confirmations { .. })
                );
            if subscribed {
                if let Frame::Array(items) = &frame {
                    if items.first().is_some_and(|f| pubsub_kind(f).is_some()) {
                        if let Frame::Array(items) = frame {
                            return self.handle_push(items);
                        }
                    }
                }
            }
        }
        self.handle_reply(frame)
    }

    /// The first in-flight request, if any.
    fn live_head(&self) -> Option<&Request> {
        self.in_flight.front()
    }

    fn handle_push(&mut self, items: Vec<Frame>) -> Result<(), String> {
        let kind = items.first().and_then(pubsub_kind);
        match (kind, items.len()) {
            (Some(PushKind::Message(kind)), 3) => {
                let mut items = items.into_iter().skip(1);
                let (Some(channel), Some(payload)) = (items.next(), items.next()) else {
                    return Err("short message".into());
                };
                let (channel, payload) = (bytes_of(channel)?, bytes_of(payload)?);
                self.deliver(
                    kind,
                    channel.clone(),
                    Message {
                        channel,
                        pattern: None,
                        payload,
                    },
                );
                Ok(())
            }
            (Some(PushKind::PatternMessage), 4) => {
                let mut items = items.into_iter().skip(1);
                let (Some(pattern), Some(channel), Some(payload)) =
                    (items.next(), items.next(), items.next())
                else {
                    return Err("short pmessage".into());
                };
                let pattern = bytes_of(pattern)?;
                let message = Message {
                    channel: bytes_of(channel)?,
                    pattern: Some(pattern.clone()),
                    payload: bytes_of(payload)?,
                };
                self.deliver(SubscriptionKind::Pattern, pattern, message);
                Ok(())
            }
            (Some(PushKind::Confirmation(name)), 3) => {
                let mut items = items.into_iter().skip(1);
                let (Some(channel), Some(count)) = (items.next(), items.next()) else {
                    return Err("short confirmation".into());
                };
                if let Frame::Integer(count) = count {
                    self.server_subscriptions = count;
                }
                self.handle_confirmation(name, channel)
            }
            (Some(_), _) => Err("pub/sub frame of unexpected length".into()),
            (None, _) => {
                self.events.push_back(Event::Push(Frame::Push(items)));
                Ok(())
            }
        }
    }

    fn handle_confirmation(&mut self, name: &'static [u8], channel: Frame) -> Result<(), String> {
        let expects = matches!(
            self.in_flight.front().map(|r| r.expect),
            Some(Expect::Confirmations { name: n, .. }) if n == name
        );
        if !expects {
            // Redis compat: the server may unsubscribe us on its own (a
            // sharded channel's slot moved). The subscription stays wanted and
            // is restored on the next connection.
            tracing::debug!(kind = ?String::from_utf8_lossy(name), "unsolicited pub/sub confirmation");
            return Ok(());
        }
        let Some(head) = self.in_flight.front_mut() else {
            return Ok(());
        };
        let mut finished = false;
        if let Expect::Confirmations { left, .. } = &mut head.expect {
            *left = left.saturating_sub(1);
            finished = *left == 0;
        }
        let subscribed = match &head.owner {
            Owner::Subscribe(kind, _) => Some(*kind),
            _ => None,
        };
        if finished {
            self.in_flight.pop_front();
        }
        if let Some(kind) = subscribed {
            let channel = match channel {
                Frame::Bulk(b) | Frame::Simple(b) => b,
                _ => return Err("confirmation without a channel name".into()),
            };
            self.confirm_channel(kind, channel);
        }
        Ok(())
    }

    fn confirm_channel(&mut self, kind: SubscriptionKind, name: Bytes) {
        let Some(channel) = self.channels.get_mut(&(kind, name)) else {
            return;
        };
        channel.confirmed = true;
        let waiters = std::mem::take(&mut channel.waiters);
        for (_, token) in waiters {
            self.complete(token, Ok(Frame::Simple(Bytes::from_static(b"OK"))), 1);
        }
    }

    fn handle_reply(&mut self, frame: Frame) -> Result<(), String> {
        let Some(head) = self.in_flight.front_mut() else {
            return Err("a reply arrived with no command waiting for it".into());
        };
        match head.expect {
            Expect::Confirmations { .. } => {
                let is_error = matches!(frame, Frame::Error(_) | Frame::BulkError(_));
                if !is_error {
                    return Err("expected a pub/sub confirmation".into());
                }
                // The whole (un)subscribe command was refused (an ACL, for
                // example): nothing else will confirm it.
                if let Some(request) = self.in_flight.pop_front() {
                    if let Owner::Subscribe(kind, names) = request.owner {
                        self.refuse_subscription(kind, names, frame);
                    }
                }
                Ok(())
            }
            Expect::Replies(n) => {
                if head.collected.len() + 1 < n {
                    head.collected.push(frame);
                    return Ok(());
                }
                if matches!(head.owner, Owner::User) {
                    // The common case, settled where the request lies
                    // rather than moving it out first (requests are large).
                    let (token, weight, abandoned) = (head.token, head.weight(), head.abandoned);
                    let reply = if matches!(head.payload, Payload::Batch(_)) {
                        head.collected.push(frame);
                        Frame::Array(std::mem::take(&mut head.collected))
                    } else {
                        frame
                    };
                    self.in_flight.pop_front();
                    if !abandoned {
                        self.complete(Token(token), Ok(reply), weight);
                    }
                    return Ok(());
                }
                let Some(mut request) = self.in_flight.pop_front() else {
                    return Ok(());
                };
                let reply = if matches!(request.payload, Payload::Batch(_)) {
                    request.collected.push(frame);
                    Frame::Array(std::mem::take(&mut request.collected))
                } else {
                    frame
                };
                self.finish(request, reply);
                Ok(())
            }
        }
    }

    fn finish(&mut self, request: Request, reply: Frame) {
        match request.owner {
            Owner::User => {
                if !request.abandoned {
                    let weight = request.weight();
                    self.complete(Token(request.token), Ok(reply), weight);
                }
            }
            Owner::Handshake(step) => {
                if let Frame::Error(message) | Frame::BulkError(message) = &reply {
                    let reason: Arc<str> = Arc::from(format!(
                        "{step} failed: {}",
                        String::from_utf8_lossy(message)
                    ));
                    self.handshake_failed(reason);
                    return;
                }
                if let Phase::Connected { handshake_left } = &mut self.phase {
                    *handshake_left = handshake_left.saturating_sub(1);
                    if *handshake_left == 0 {
                        self.handshake_done();
                    }
                }
            }
            Owner::Monitor => {
                let waiters = std::mem::take(&mut self.monitor_waiters);
                if let Frame::Error(_) | Frame::BulkError(_) = &reply {
                    for token in waiters {
                        self.complete(token, Ok(reply.clone()), 1);
                    }
                    let ids = std::mem::take(&mut self.monitor_subscribers);
                    for id in ids {
                        self.close_subscriber(id);
                    }
                } else {
                    self.monitor_active = true;
                    for token in waiters {
                        self.complete(token, Ok(reply.clone()), 1);
                    }
                }
            }
            Owner::Subscribe(..) | Owner::Unsubscribe => {}
        }
    }

    fn refuse_subscription(&mut self, kind: SubscriptionKind, names: Vec<Bytes>, error: Frame) {
        for name in names {
            if let Some(channel) = self.channels.remove(&(kind, name)) {
                for (_, token) in channel.waiters {
                    self.complete(token, Ok(error.clone()), 1);
                }
                for id in channel.subscribers {
                    self.close_subscriber(id);
                }
            }
        }
    }

    fn deliver(&mut self, kind: SubscriptionKind, key: Bytes, message: Message) {
        let Some(channel) = self.channels.get(&(kind, key)) else {
            return;
        };
        for id in &channel.subscribers {
            if let Some(subscriber) = self.subscribers.get_mut(id) {
                subscriber.queue.push(message.clone());
                if !subscriber.queue.signalled {
                    subscriber.queue.signalled = true;
                    self.events.push_back(Event::Messages(*id));
                }
            }
        }
    }

    fn deliver_monitor(&mut self, line: Bytes) {
        for id in &self.monitor_subscribers {
            if let Some(subscriber) = self.subscribers.get_mut(id) {
                subscriber.queue.push(Message {
                    channel: Bytes::new(),
                    pattern: None,
                    payload: line.clone(),
                });
                if !subscriber.queue.signalled {
                    subscriber.queue.signalled = true;
                    self.events.push_back(Event::Messages(*id));
                }
            }
        }
    }

    fn close_subscriber(&mut self, id: SubscriptionId) {
        if let Some(subscriber) = self.subscribers.get_mut(&id) {
            subscriber.queue.close();
            if !subscriber.queue.signalled {
                subscriber.queue.signalled = true;
                self.events.push_back(Event::Messages(id));
            }
        }
    }

    /// Ends every subscription, completing waiters with `error` (or
    /// [`Error::Closed`]).
    fn end_subscriptions(&mut self, error: Option<Error>) {
        let channels = std::mem::take(&mut self.channels);
        for (_, channel) in channels {
            for (_, token) in channel.waiters {
                self.complete(token, Err(error.clone().unwrap_or(Error::Closed)), 1);
            }
            for id in channel.subscribers {
                self.close_subscriber(id);
            }
        }
        for token in std::mem::take(&mut self.monitor_waiters) {
            self.complete(token, Err(error.clone().unwrap_or(Error::Closed)), 1);
        }
        for id in std::mem::take(&mut self.monitor_subscribers) {
            self.close_subscriber(id);
        }
    }

    // ----- connection life -------------------------------------------------

    fn complete(&mut self, token: Token, result: Result<Frame, Error>, weight: usize) {
        self.pending = self.pending.saturating_sub(weight);
        self.completions.push_back(Completion { token, result });
    }

    fn handshake_done(&mut self) {
        self.attempt = 0;
        tracing::debug!("connection ready");
        self.events.push_back(Event::Connected);
    }

    fn handshake_failed(&mut self, reason: Arc<str>) {
        tracing::warn!(%reason, "connection handshake failed");
        let error = Error::Connect {
            reason: reason.clone(),
        };
        let queued: Vec<Request> = self.queued.drain(..).collect();
        for request in queued {
            if matches!(request.owner, Owner::User) {
                let weight = request.weight();
                self.complete(Token(request.token), Err(error.clone()), weight);
            } else {
                self.queued.push_back(request);
            }
        }
        self.transport.push_back(TransportAction::Close);
        self.lose_connection_with(error, reason);
    }

    fn fail_protocol(&mut self, why: String) {
        tracing::warn!(%why, "protocol error; dropping the connection");
        let reason: Arc<str> = Arc::from(format!("protocol error: {why}"));
        self.transport.push_back(TransportAction::Close);
        self.lose_connection_with(Error::Protocol(Arc::from(why)), reason);
    }

    fn lose_connection(&mut self, reason: Arc<str>) {
        tracing::info!(%reason, "connection lost");
        self.lose_connection_with(
            Error::ConnectionLost {
                reason: reason.clone(),
            },
            reason,
        );
    }

    /// Common path of every broken connection: settle the in-flight
    /// requests, then reconnect or close.
    fn lose_connection_with(&mut self, event: Error, reason: Arc<str>) {
        self.last_error = reason.clone();
        self.out.clear();
        self.read_buf.clear();
        self.decoder.reset();
        self.between_frames = true;
        self.monitor_active = false;
        self.server_subscriptions = 0;
        for channel in self.channels.values_mut() {
            channel.confirmed = false;
        }
        let retry = !self.closing && self.config.reconnect.is_some();
        let mut requeue = Vec::new();
        for request in std::mem::take(&mut self.in_flight) {
            match request.owner {
                Owner::User if request.abandoned => {}
                Owner::User if retry && request.idempotent => requeue.push(request),
                Owner::User => {
                    let weight = request.weight();
                    self.complete(
                        Token(request.token),
                        Err(Error::ConnectionLost {
                            reason: reason.clone(),
                        }),
                        weight,
                    );
                }
                _ => {}
            }
        }
        // Internal requests are rebuilt from `channels` and the monitor
        // subscribers at the next handshake.
        self.queued.retain(|r| matches!(r.owner, Owner::User));
        for mut request in requeue.into_iter().rev() {
            request.collected.clear();
            self.queued.push_front(request);
        }
        self.events.push_back(Event::Disconnected(event));
        self.phase = Phase::Connecting;
        if self.closing || self.config.reconnect.is_none() {
            self.shut(Error::NotConnected { reason });
        } else {
            self.schedule_reconnect_at(self.now);
        }
    }

    fn schedule_reconnect(&mut self) {
        self.phase = Phase::Connecting;
        if self.closing || self.config.reconnect.is_none() {
            let reason = self.last_error.clone();
            self.shut(Error::NotConnected { reason });
            return;
        }
        self.schedule_reconnect_at(self.now);
    }

    fn schedule_reconnect_at(&mut self, now: Instant) {
        let Some(backoff) = self.config.reconnect else {
            return;
        };
        if backoff.max_attempts.is_some_and(|max| self.attempt >= max) {
            let reason: Arc<str> = Arc::from(format!(
                "gave up reconnecting after {} attempts: {}",
                self.attempt, self.last_error
            ));
            self.shut(Error::NotConnected { reason });
            return;
        }
        let delay = backoff.delay(self.attempt, self.next_random());
        self.attempt += 1;
        self.phase = Phase::Waiting(now + delay);
        self.events.push_back(Event::Reconnecting {
            attempt: self.attempt,
            delay,
        });
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: enough for jitter, and reproducible from the seed.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Closed for good: fails whatever is left with `error`.
    fn shut(&mut self, error: Error) {
        self.closing = true;
        self.end_subscriptions(Some(error.clone()));
        self.drain_in_flight_failing(error.clone());
        let queued: Vec<Request> = self.queued.drain(..).collect();
        for request in queued {
            if matches!(request.owner, Owner::User) {
                let weight = request.weight();
                self.complete(Token(request.token), Err(error.clone()), weight);
            }
        }
        self.deadlines.clear();
        if self.phase != Phase::Closed {
            self.phase = Phase::Closed;
            self.events.push_back(Event::Closed);
        }
    }

    fn drain_in_flight_failing(&mut self, error: Error) {
        for request in std::mem::take(&mut self.in_flight) {
            if matches!(request.owner, Owner::User) && !request.abandoned {
                let weight = request.weight();
                self.complete(Token(request.token), Err(error.clone()), weight);
            }
        }
    }

    fn check_drained(&mut self) {
        if !self.closing || !matches!(self.phase, Phase::Connected { .. }) {
            return;
        }
        let busy = |r: &Request| matches!(r.owner, Owner::User) && !r.abandoned;
        if self.queued.iter().any(busy) || self.in_flight.iter().any(busy) {
            return;
        }
        self.transport.push_back(TransportAction::Close);
        self.in_flight.clear();
        self.queued.clear();
        self.deadlines.clear();
        self.phase = Phase::Closed;
        self.events.push_back(Event::Closed);
    }
}

enum PushKind {
    Message(SubscriptionKind),
    PatternMessage,
    Confirmation(&'static [u8]),
}

fn pubsub_kind(first: &Frame) -> Option<PushKind> {
    let (Frame::Bulk(name) | Frame::Simple(name)) = first else {
        return None;
    };
    let kind = match &name[..] {
        b"message" => PushKind::Message(SubscriptionKind::Channel),
        b"smessage" => PushKind::Message(SubscriptionKind::Shard),
        b"pmessage" => PushKind::PatternMessage,
        _ => {
            let confirmation = SubscriptionKind::ALL.into_iter().find_map(|k| {
                [true, false]
                    .into_iter()
                    .map(|s| k.confirmation(s))
                    .find(|c| *c == &name[..])
            })?;
            PushKind::Confirmation(confirmation)
        }
    };
    Some(kind)
}

fn bytes_of(frame: Frame) -> Result<Bytes, String> {
    match frame {
        Frame::Bulk(b) | Frame::Simple(b) => Ok(b),
        _ => Err("pub/sub field is not a string".into()),
    }
}
