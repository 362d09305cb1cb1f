//! The tokio adapter: [`Client`], a clonable `Send + Sync` handle, and the
//! one task that owns the socket and drives the [`Connection`] core.
//!
//! The adapter makes no protocol decision. The core sits behind a mutex
//! that the driver task holds while it feeds the core; handles do not take
//! it to send a command. Under one small lock (the *exchange*: held for a
//! push, a swap or a slot update, never while the core works), a handle
//! reserves room under [`Config::max_pending`], takes a reply slot (with
//! its task's waker) and pushes the command onto the submission queue; it
//! wakes the driver only if no wake-up is already on its way. Woken while
//! other commands are outstanding, the driver first yields once, so that
//! the tasks about to send join the batch; it swaps the whole queue out at
//! once, moves it into the core, writes the batch in one `write`, feeds
//! replies to the core and leaves each completion in its slot, waking the
//! task that waits there (and gives the room back under the same lock).
//! Reply slots are reused, so a command costs no allocation of the
//! adapter's own. Commands issued by many tasks at once are therefore
//! written together and pipelined on one socket, and the handles never
//! wait for each other or for the driver.
//!
//! Rarer operations (subscribing, closing, reading deliveries) take the
//! mutex; they first move the queue into the core, so they stay in order
//! with the commands queued before them.
//!
//! With TLS ([`Config::tls`]) the driver runs the TLS handshake within
//! [`Config::connect_timeout`] before telling the core the connection is
//! open, and then reads and writes through a stream that moves ciphertext
//! between the socket and a `rustls` session.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::Instant;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{broadcast, watch, Notify};
use tracing::Instrument;
use vireo_resp::Frame;

use crate::command::{Command, ToArgs};
use crate::config::{Address, Config};
use crate::connection::{Connection, Event, State, SubscriptionId, Token, TransportAction};
use crate::error::Error;
use crate::pipeline::{Pipeline, Transaction};
use crate::pubsub::{Delivery, SubscriptionKind};
use crate::reply::{check, FromReply};
use crate::script::Script;
use crate::tls::Connector;
use crate::tokio_tls::TlsStream;

/// A handle to one logical connection, shared by cloning.
///
/// Every clone talks to the same connection: commands from many tasks are
/// pipelined on one socket and each gets its own reply, in order. The
/// connection is opened in the background and reopened after failures as
/// [`Config::reconnect`] says; commands submitted meanwhile wait (bounded
/// by [`Config::max_pending`]). Dropping the last handle and the last
/// [`Subscription`] closes the connection gracefully.
///
/// # Cancellation
///
/// Every future returned here is cancellation-safe: dropping it before it
/// is first polled sends nothing; dropping it later abandons the reply but
/// not the command, which still runs on the server, and the connection
/// stays in step.
///
/// # Blocking commands
///
/// Replies come back in order on one connection, so a `BLPOP` that waits
/// holds up every command queued behind it, as with any pipelined
/// connection. Give blocking commands (and `WATCH` sequences, and MONITOR)
/// a client of their own.
///
/// # Timeouts
///
/// A command's deadline ([`Config::command_timeout`], `Command::timeout`)
/// runs from the moment the driver task moves it into the connection,
/// which is right after submission unless the runtime is starved; a
/// deadline is never shortened by the queueing.
///
/// # Back-pressure
///
/// When [`Config::max_pending`] commands are unanswered, [`query`](Self::query)
/// waits for room; [`try_query`](Self::try_query) fails with
/// [`Error::QueueFull`] instead.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    _open: Arc<OpenGuard>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state())
            .finish()
    }
}

struct Shared {
    inner: Mutex<Inner>,
    /// The submission queue and the reply slots. Its lock is held for one
    /// push, one swap or one batch of slot updates, so handles barely
    /// contend for it (the core's lock, held while the driver works, would
    /// make them wait).
    exchange: Mutex<Exchange>,
    /// A wake-up of the driver is on its way (or it is running and will
    /// look at the queue): senders need not wake it again.
    flush_scheduled: AtomicBool,
    max_pending: usize,
    /// The driver has stopped: senders move the queue into the (closed)
    /// core themselves, so nothing waits forever.
    stopped: AtomicBool,
    /// Wakes the driver: something to write, or the connection closing.
    driver: Notify,
    /// Wakes tasks waiting for room under `max_pending`.
    room: Notify,
    state: watch::Sender<State>,
    events: broadcast::Sender<ConnectionEvent>,
}

/// What [`Client::events`] reports: the core's connection events (see
/// [`Event`]) and RESP3 push frames that are not pub/sub.
#[derive(Debug, Clone)]
pub enum ConnectionEvent {
    /// The handshake succeeded.
    Connected,
    /// The connection broke, could not be opened, or its handshake failed.
    Disconnected(Error),
    /// The next attempt comes after `delay`.
    Reconnecting {
        /// Consecutive failed attempts.
        attempt: u32,
        /// Backoff delay, jitter included.
        delay: std::time::Duration,
    },
    /// The client closed for good.
    Closed,
    /// A push frame that is not pub/sub (client-side caching
    /// invalidations, for example).
    Push(Frame),
}

/// Where a command's reply goes: an index into `Exchange::slots`.
type ReplySlot = usize;

/// What a handle queues for the driver.
struct Submission {
    request: Submit,
    /// Room reserved in `Exchange::outstanding`, given back at completion.
    weight: usize,
    slot: ReplySlot,
}

/// Submissions on their way to the driver, replies on their way back, and
/// the room reserved under `max_pending` (kept here rather than in an
/// atomic of its own: a sender reserves room and queues its command under
/// one lock).
#[derive(Default)]
struct Exchange {
    queue: Vec<Submission>,
    slots: Vec<Slot>,
    free: Vec<ReplySlot>,
    /// Commands (and subscription requests) reserved by handles and not
    /// yet completed: never below the core's `pending`, so the core never
    /// refuses a reserved command for lack of room.
    outstanding: usize,
    /// A task waits for room under `max_pending`.
    room_wanted: bool,
}

/// One reply slot's life: taken by a request (`Waiting`), filled by the
/// driver (`Ready`), emptied by the request's future; a future dropped
/// before its reply leaves it `Abandoned`, and the reply frees it.
enum Slot {
    Free,
    Waiting(Option<Waker>),
    Ready(Result<Frame, Error>),
    Abandoned,
}

impl Exchange {
    /// Reserves room for `weight` commands under `max`. A request larger
    /// than `max` is let through when nothing else is pending, and the core
    /// refuses it.
    fn reserve(&mut self, weight: usize, max: usize) -> bool {
        let room = self.outstanding == 0 || self.outstanding + weight <= max;
        if room {
            self.outstanding += weight;
        }
        room
    }

    /// Queues `request`, which has room reserved, with a reply slot whose
    /// `waker` is woken when the reply is in.
    fn enqueue(&mut self, request: Submit, weight: usize, waker: Waker) -> ReplySlot {
        let slot = self.take_slot(Some(waker));
        self.queue.push(Submission {
            request,
            weight,
            slot,
        });
        slot
    }

    /// Takes a free slot; `waker` is woken when it is filled.
    fn take_slot(&mut self, waker: Option<Waker>) -> ReplySlot {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Slot::Waiting(waker);
                slot
            }
            None => {
                self.slots.push(Slot::Waiting(waker));
                self.slots.len() - 1
            }
        }
    }

    fn free_slot(&mut self, slot: ReplySlot) {
        self.slots[slot] = Slot::Free;
        self.free.push(slot);
    }

    /// Leaves a reply in its slot; returns the waker to wake.
    fn fill(&mut self, slot: ReplySlot, result: Result<Frame, Error>) -> Option<Waker> {
        match std::mem::replace(&mut self.slots[slot], Slot::Ready(result)) {
            Slot::Waiting(waker) => waker,
            // INVARIANT: a slot is filled once, while taken; a free or
            // ready one here would be a bug, and dropping the reply is
            // the least harmful answer.
            Slot::Abandoned | Slot::Free | Slot::Ready(_) => {
                self.free_slot(slot);
                None
            }
        }
    }
}

/// The future side of a reply slot.
struct Reply<'a> {
    shared: &'a Shared,
    slot: ReplySlot,
    done: bool,
    /// The slot already holds the waker of the task that polls this
    /// future first: the first poll need not look (a reply filled since
    /// has woken the task, which polls again).
    registered: bool,
}

impl std::future::Future for Reply<'_> {
    type Output = Result<Frame, Error>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        if std::mem::take(&mut self.registered) {
            return std::task::Poll::Pending;
        }
        let mut exchange = lock_exchange(self.shared);
        let slot = self.slot;
        let result = match &mut exchange.slots[slot] {
            Slot::Waiting(waker) => {
                if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *waker = Some(cx.waker().clone());
                }
                return std::task::Poll::Pending;
            }
            Slot::Ready(_) => {
                let filled = std::mem::replace(&mut exchange.slots[slot], Slot::Free);
                exchange.free.push(slot);
                match filled {
                    Slot::Ready(result) => result,
                    _ => Err(Error::Closed),
                }
            }
            // INVARIANT: only this future frees or abandons its slot.
            Slot::Free | Slot::Abandoned => Err(Error::Closed),
        };
        drop(exchange);
        self.done = true;
        std::task::Poll::Ready(result)
    }
}

impl Drop for Reply<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut exchange = lock_exchange(self.shared);
        match exchange.slots[self.slot] {
            // The reply is abandoned; the command still runs, and the
            // connection stays in step.
            Slot::Waiting(_) => exchange.slots[self.slot] = Slot::Abandoned,
            Slot::Ready(_) => exchange.free_slot(self.slot),
            Slot::Free | Slot::Abandoned => {}
        }
    }
}

enum Submit {
    One(Command),
    Batch(Vec<Command>),
}

struct Inner {
    core: Connection,
    /// The emptied queue, kept for its capacity.
    absorbed: Vec<Submission>,
    /// Reply slots, with the room each reserved.
    replies: ReplySlots,
    subscribers: HashMap<SubscriptionId, Arc<Notify>>,
    /// The state last published on `Shared::state`.
    published: State,
}

/// The reply slots of the requests in the core, in token order (the core
/// numbers requests in the order they are made): replies mostly arrive in
/// that order too, so finding a slot is a look at the front. Requests that
/// complete out of order (timeouts) leave a settled entry behind, dropped
/// once it reaches the front or when such entries are half the queue.
#[derive(Default)]
struct ReplySlots {
    pending: VecDeque<PendingReply>,
    settled: usize,
}

struct PendingReply {
    token: Token,
    slot: ReplySlot,
    /// Room reserved under `max_pending`.
    weight: usize,
    settled: bool,
}

impl ReplySlots {
    fn insert(&mut self, token: Token, slot: ReplySlot, weight: usize) {
        let entry = PendingReply {
            token,
            slot,
            weight,
            settled: false,
        };
        if self.pending.back().is_none_or(|last| last.token < token) {
            self.pending.push_back(entry);
        } else {
            let at = self.pending.partition_point(|p| p.token < token);
            self.pending.insert(at, entry);
        }
    }

    /// The slot and reserved room of `token`'s request, once.
    fn remove(&mut self, token: Token) -> Option<(ReplySlot, usize)> {
        let front = self.pending.front()?;
        let found = if front.token == token {
            let entry = self.pending.pop_front()?;
            (entry.slot, entry.weight)
        } else {
            let at = self.pending.partition_point(|p| p.token < token);
            let entry = self.pending.get_mut(at)?;
            if entry.token != token || entry.settled {
                return None;
            }
            entry.settled = true;
            self.settled += 1;
            (entry.slot, entry.weight)
        };
        while self.pending.front().is_some_and(|p| p.settled) {
            self.pending.pop_front();
            self.settled -= 1;
        }
        if self.settled > self.pending.len() / 2 {
            self.pending.retain(|p| !p.settled);
            self.settled = 0;
        }
        Some(found)
    }
}

/// Replies and wake-ups gathered under the lock and delivered after it is
/// released, so woken tasks do not contend for it at once.
#[derive(Default)]
struct Outbox {
    replies: Vec<(ReplySlot, Result<Frame, Error>)>,
    wakers: Vec<Waker>,
    /// Reserved room to give back (see [`release`]).
    freed: usize,
    room: bool,
}

impl Outbox {
    fn deliver(&mut self, shared: &Shared) {
        if !self.replies.is_empty() || self.freed > 0 {
            let mut exchange = lock_exchange(shared);
            if self.freed > 0 {
                exchange.outstanding = exchange.outstanding.saturating_sub(self.freed);
                self.freed = 0;
                self.room |= std::mem::take(&mut exchange.room_wanted);
            }
            for (slot, result) in self.replies.drain(..) {
                self.wakers.extend(exchange.fill(slot, result));
            }
        }
        // Woken after the exchange's lock is released, so the tasks do not
        // run into it.
        for waker in self.wakers.drain(..) {
            waker.wake();
        }
        if std::mem::take(&mut self.room) {
            shared.room.notify_waiters();
        }
    }
}

/// Closes the connection gracefully when the last handle goes.
struct OpenGuard {
    shared: Arc<Shared>,
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        let mut outbox = Outbox::default();
        let mut inner = lock(&self.shared);
        inner.absorb(&self.shared, &mut outbox);
        inner.core.close();
        inner.dispatch(&self.shared, &mut outbox);
        drop(inner);
        outbox.deliver(&self.shared);
        self.shared.driver.notify_one();
    }
}

fn lock_exchange(shared: &Shared) -> MutexGuard<'_, Exchange> {
    // Every update under this lock is a single push, swap or replacement:
    // a panic cannot leave it half-done.
    shared
        .exchange
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lock(shared: &Shared) -> MutexGuard<'_, Inner> {
    // A panic while holding the lock cannot leave the core half-updated in
    // a way that matters more than losing the client, so keep going.
    shared
        .inner
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Inner {
    /// Moves the queued submissions into the core, in queue order. A
    /// command the core refuses (closed, not allowed) fails at once.
    fn absorb(&mut self, shared: &Shared, outbox: &mut Outbox) {
        std::mem::swap(&mut lock_exchange(shared).queue, &mut self.absorbed);
        if self.absorbed.is_empty() {
            return;
        }
        // One clock reading per batch: these were all sent since the queue
        // was last emptied.
        let now = Instant::now();
        let mut absorbed = std::mem::take(&mut self.absorbed);
        for submission in absorbed.drain(..) {
            let submitted = match submission.request {
                Submit::One(command) => self.core.submit(command, now),
                Submit::Batch(commands) => self.core.submit_batch(commands, now),
            };
            match submitted {
                Ok(token) => {
                    self.replies
                        .insert(token, submission.slot, submission.weight);
                }
                Err(error) => {
                    release(submission.weight, outbox);
                    outbox.replies.push((submission.slot, Err(error)));
                }
            }
        }
        self.absorbed = absorbed;
    }

    /// Routes the core's completions and events to the tasks waiting for
    /// them: replies go into `outbox`, to be sent once the lock is released.
    fn dispatch(&mut self, shared: &Shared, outbox: &mut Outbox) {
        self.absorb(shared, outbox);
        let mut freed = 0;
        while let Some(completion) = self.core.poll_completion() {
            if let Some((slot, weight)) = self.replies.remove(completion.token) {
                freed += weight;
                outbox.replies.push((slot, completion.result));
            }
        }
        while let Some(event) = self.core.poll_event() {
            let public = match event {
                Event::Messages(id) => {
                    if let Some(notify) = self.subscribers.get(&id) {
                        notify.notify_one();
                    }
                    continue;
                }
                Event::Connected => {
                    tracing::info!("connected");
                    ConnectionEvent::Connected
                }
                Event::Disconnected(error) => {
                    tracing::warn!(%error, "disconnected");
                    ConnectionEvent::Disconnected(error)
                }
                Event::Reconnecting { attempt, delay } => {
                    tracing::info!(attempt, ?delay, "reconnecting");
                    ConnectionEvent::Reconnecting { attempt, delay }
                }
                Event::Closed => {
                    tracing::debug!("closed");
                    ConnectionEvent::Closed
                }
                Event::Push(frame) => ConnectionEvent::Push(frame),
            };
            // No receiver is fine: nobody asked for events.
            let _ = shared.events.send(public);
        }
        let state = self.core.state();
        if state != self.published {
            self.published = state;
            shared.state.send_replace(state);
        }
        release(freed, outbox);
    }
}

/// Gives back room reserved under `max_pending` when `outbox` is
/// delivered (with the replies of the commands that held it, under the
/// same lock), waking the tasks waiting for it.
fn release(weight: usize, outbox: &mut Outbox) {
    outbox.freed += weight;
}

impl Client {
    /// Opens a client from a URL (see [`Config::from_url`]).
    ///
    /// Returns at once; the connection is made in the background.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a bad URL or unusable TLS settings.
    ///
    /// # Panics
    /// Outside a tokio runtime, like `tokio::spawn`.
    pub fn open(url: &str) -> Result<Client, Error> {
        Client::with_config(Config::from_url(url)?)
    }

    /// Opens a client with a configuration.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for unusable TLS settings (an unreadable
    /// or malformed PEM file, a Unix socket address).
    ///
    /// # Panics
    /// Outside a tokio runtime, like `tokio::spawn`.
    pub fn with_config(mut config: Config) -> Result<Client, Error> {
        let tls = Connector::from_config(&config)?;
        if config.seed == Config::new(config.address.clone()).seed {
            config.seed = clock_seed();
        }
        let span = tracing::info_span!("vireo_client", address = ?config.address);
        let max_pending = config.max_pending;
        let core = Connection::new(config, Instant::now());
        let (state, _) = watch::channel(core.state());
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                published: core.state(),
                core,
                absorbed: Vec::new(),
                replies: ReplySlots::default(),
                subscribers: HashMap::new(),
            }),
            exchange: Mutex::new(Exchange::default()),
            flush_scheduled: AtomicBool::new(false),
            max_pending,
            stopped: AtomicBool::new(false),
            driver: Notify::new(),
            room: Notify::new(),
            state,
            events: broadcast::channel(EVENT_CAPACITY).0,
        });
        tokio::spawn(drive(shared.clone(), tls).instrument(span));
        Ok(Client {
            _open: Arc::new(OpenGuard {
                shared: shared.clone(),
            }),
            shared,
        })
    }

    /// Opens a client and waits until its first connection is ready.
    ///
    /// # Errors
    /// The configuration error, or the first connection or handshake
    /// failure (the client is then closed).
    pub async fn connect(url: &str) -> Result<Client, Error> {
        let mut config = Config::from_url(url)?;
        let reconnect = config.reconnect.take();
        let client = Client::with_config(config)?;
        if client.ready().await.is_err() {
            let reason = lock(&client.shared).core.last_error();
            return Err(Error::Connect { reason });
        }
        lock(&client.shared).core.set_reconnect(reconnect);
        Ok(client)
    }

    /// Waits until the connection is ready (handshake done).
    ///
    /// # Errors
    /// [`Error::Closed`] when the client closed first.
    pub async fn ready(&self) -> Result<(), Error> {
        let mut states = self.shared.state.subscribe();
        loop {
            match *states.borrow_and_update() {
                State::Ready => return Ok(()),
                State::Closed => return Err(Error::Closed),
                _ => {}
            }
            if states.changed().await.is_err() {
                return Err(Error::Closed);
            }
        }
    }

    /// The connection's state now.
    pub fn state(&self) -> State {
        *self.shared.state.borrow()
    }

    /// A stream of state changes (`Connecting`, `Handshaking`, `Ready`,
    /// `WaitingToReconnect`, `Closed`); intermediate states may be skipped
    /// by a slow reader, the latest is always seen.
    pub fn state_changes(&self) -> watch::Receiver<State> {
        self.shared.state.subscribe()
    }

    /// A stream of connection events (connects, disconnects with their
    /// reason, reconnection delays, close) and non-pub/sub push frames,
    /// from now on. It is bounded: a receiver more than 64 events behind
    /// gets `RecvError::Lagged(n)` and continues with the most recent.
    pub fn events(&self) -> broadcast::Receiver<ConnectionEvent> {
        self.shared.events.subscribe()
    }

    /// Sends one command and converts its reply.
    ///
    /// # Errors
    /// See [`Connection::submit`] and [`Error`]; a server error reply is
    /// [`Error::Server`].
    pub async fn query<T: FromReply>(&self, command: Command) -> Result<T, Error> {
        let frame = self.request(1, true, Submit::One(command)).await?;
        T::from_reply(frame)
    }

    /// Like [`query`](Self::query), but fails with [`Error::QueueFull`]
    /// instead of waiting for room.
    ///
    /// # Errors
    /// As [`query`](Self::query).
    pub async fn try_query<T: FromReply>(&self, command: Command) -> Result<T, Error> {
        let frame = self.request(1, false, Submit::One(command)).await?;
        T::from_reply(frame)
    }

    /// Sends a pipeline and converts its replies (a tuple or a `Vec`).
    ///
    /// # Errors
    /// As [`query`](Self::query); an error reply among the pipeline's makes
    /// the conversion fail unless `T` keeps frames (`Vec<Frame>`).
    pub async fn pipeline<T: FromReply>(&self, pipeline: &Pipeline) -> Result<T, Error> {
        let commands = pipeline.commands();
        let frame = self
            .request(commands.len(), true, Submit::Batch(commands))
            .await?;
        T::from_reply(frame)
    }

    /// Runs a `MULTI`/`EXEC` transaction; see [`Transaction`] (and its
    /// notes on `WATCH`).
    ///
    /// # Errors
    /// As [`query`](Self::query), plus `EXECABORT`.
    pub async fn transaction<T: FromReply>(&self, transaction: &Transaction) -> Result<T, Error> {
        let commands = transaction.commands();
        let frame = self
            .request(commands.len(), true, Submit::Batch(commands))
            .await?;
        Transaction::read(frame)
    }

    /// Runs a script by SHA1, sending its source only if the server does
    /// not have it.
    ///
    /// # Errors
    /// As [`query`](Self::query).
    pub async fn invoke<T, K, A>(&self, script: &Script, keys: &K, args: &A) -> Result<T, Error>
    where
        T: FromReply,
        K: ToArgs + ?Sized,
        A: ToArgs + ?Sized,
    {
        let reply: Frame = self.query(script.evalsha(keys, args)).await?;
        if Script::is_noscript(&reply) {
            return self.query(script.eval(keys, args)).await;
        }
        T::from_reply(reply)
    }

    /// Subscribes to a channel; returns once the server confirmed it.
    ///
    /// # Errors
    /// [`Error::Server`] when the server refuses (an ACL), [`Error::Closed`].
    pub async fn subscribe(&self, channel: impl AsRef<[u8]>) -> Result<Subscription, Error> {
        self.listen(Some((SubscriptionKind::Channel, channel.as_ref())))
            .await
    }

    /// Subscribes to a channel pattern (`PSUBSCRIBE`).
    ///
    /// # Errors
    /// As [`subscribe`](Self::subscribe).
    pub async fn psubscribe(&self, pattern: impl AsRef<[u8]>) -> Result<Subscription, Error> {
        self.listen(Some((SubscriptionKind::Pattern, pattern.as_ref())))
            .await
    }

    /// Subscribes to a shard channel (`SSUBSCRIBE`).
    ///
    /// # Errors
    /// As [`subscribe`](Self::subscribe).
    pub async fn ssubscribe(&self, channel: impl AsRef<[u8]>) -> Result<Subscription, Error> {
        self.listen(Some((SubscriptionKind::Shard, channel.as_ref())))
            .await
    }

    /// Turns this connection into a `MONITOR` connection (use a client of
    /// its own: it no longer accepts commands).
    ///
    /// # Errors
    /// As [`subscribe`](Self::subscribe).
    pub async fn monitor(&self) -> Result<Subscription, Error> {
        self.listen(None).await
    }

    /// Closes gracefully: refuses new commands, waits for pending replies,
    /// closes the socket. Returns when the connection is closed.
    pub async fn close(&self) {
        let mut outbox = Outbox::default();
        {
            let mut inner = lock(&self.shared);
            inner.absorb(&self.shared, &mut outbox);
            inner.core.close();
            inner.dispatch(&self.shared, &mut outbox);
        }
        outbox.deliver(&self.shared);
        self.shared.driver.notify_one();
        let _ = self.closed().await;
    }

    async fn closed(&self) -> Result<(), Error> {
        let mut states = self.shared.state.subscribe();
        while *states.borrow_and_update() != State::Closed {
            if states.changed().await.is_err() {
                break;
            }
        }
        Ok(())
    }

    async fn listen(&self, what: Option<(SubscriptionKind, &[u8])>) -> Result<Subscription, Error> {
        let notify = Arc::new(Notify::new());
        let mut outbox = Outbox::default();
        if !self.reserve(1) {
            return Err(Error::QueueFull);
        }
        let (subscription, reply) = {
            let mut inner = lock(&self.shared);
            // Commands queued before this call reach the core first.
            inner.absorb(&self.shared, &mut outbox);
            let now = Instant::now();
            let subscribed = match what {
                Some((kind, name)) => inner.core.subscribe(kind, name, now),
                None => inner.core.monitor(now),
            };
            let (id, token) = match subscribed {
                Ok(both) => both,
                Err(error) => {
                    release(1, &mut outbox);
                    drop(inner);
                    outbox.deliver(&self.shared);
                    return Err(error);
                }
            };
            let slot = lock_exchange(&self.shared).take_slot(None);
            let reply = Reply {
                shared: &self.shared,
                slot,
                done: false,
                registered: false,
            };
            inner.replies.insert(token, slot, 1);
            inner.subscribers.insert(id, notify.clone());
            inner.dispatch(&self.shared, &mut outbox);
            let subscription = Subscription {
                id,
                notify,
                shared: self.shared.clone(),
                _open: self._open.clone(),
            };
            (subscription, reply)
        };
        outbox.deliver(&self.shared);
        self.shared.driver.notify_one();
        let confirmation = reply.await?;
        check(confirmation)?;
        Ok(subscription)
    }

    /// Reserves room for `weight` commands under `max_pending` (see
    /// [`Exchange::reserve`]).
    fn reserve(&self, weight: usize) -> bool {
        lock_exchange(&self.shared).reserve(weight, self.shared.max_pending)
    }

    /// Queues `request` once there is room for `weight` commands (or at
    /// once, failing when full, if `wait` is false), then waits for the
    /// reply.
    async fn request(&self, weight: usize, wait: bool, request: Submit) -> Result<Frame, Error> {
        // The slot gets this task's waker at once, so that waiting for the
        // reply starts without taking the lock again. (Nothing is awaited
        // between getting the waker and the reply's first poll.)
        let waker = current_waker().await;
        let queued = {
            let mut exchange = lock_exchange(&self.shared);
            if exchange.reserve(weight, self.shared.max_pending) {
                Ok(exchange.enqueue(request, weight, waker))
            } else {
                Err(request)
            }
        };
        let slot = match queued {
            Ok(slot) => slot,
            Err(request) => {
                self.room_for(weight, wait).await?;
                let waker = current_waker().await;
                lock_exchange(&self.shared).enqueue(request, weight, waker)
            }
        };
        // From here on, dropping this future abandons the slot.
        let reply = Reply {
            shared: &self.shared,
            slot,
            done: false,
            registered: true,
        };
        if self.shared.stopped.load(Ordering::SeqCst) {
            // No driver any more: the closed core refuses it right here.
            let mut outbox = Outbox::default();
            lock(&self.shared).dispatch(&self.shared, &mut outbox);
            outbox.deliver(&self.shared);
        } else if !self.shared.flush_scheduled.load(Ordering::Acquire)
            && !self.shared.flush_scheduled.swap(true, Ordering::AcqRel)
        {
            // (Seeing the flag set is enough: it is cleared before the
            // driver takes the queue, under the lock this command was
            // pushed under, so a set flag means the driver has yet to.)
            self.shared.driver.notify_one();
        }
        reply.await
    }

    /// Reserves room for `weight` commands, waiting for it if `wait`.
    async fn room_for(&self, weight: usize, wait: bool) -> Result<(), Error> {
        loop {
            // Created before the check, so a wake-up between the check and
            // the wait is not lost (`notify_waiters` reaches it).
            let room = self.shared.room.notified();
            {
                let mut exchange = lock_exchange(&self.shared);
                if exchange.reserve(weight, self.shared.max_pending) {
                    return Ok(());
                }
                if !wait {
                    return Err(Error::QueueFull);
                }
                // Room given back from now on wakes `room`.
                exchange.room_wanted = true;
            }
            room.await;
        }
    }
}

/// The waker of the task polling the caller.
async fn current_waker() -> Waker {
    std::future::poll_fn(|cx| std::task::Poll::Ready(cx.waker().clone())).await
}

/// One subscriber's stream of [`Delivery`]s.
///
/// Dropping it unsubscribes (the server is told when it was the channel's
/// last subscriber on this connection).
pub struct Subscription {
    id: SubscriptionId,
    notify: Arc<Notify>,
    shared: Arc<Shared>,
    _open: Arc<OpenGuard>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .finish()
    }
}

impl Subscription {
    /// The next delivery: a message, a [`Delivery::Lagged`] count, or
    /// [`Delivery::Closed`] (repeated forever once reached).
    /// Cancellation-safe: nothing is lost if the future is dropped.
    pub async fn next(&mut self) -> Delivery {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(delivery) = lock(&self.shared).core.poll_delivery(self.id) {
                return delivery;
            }
            notified.await;
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut outbox = Outbox::default();
        {
            let mut inner = lock(&self.shared);
            inner.absorb(&self.shared, &mut outbox);
            inner.subscribers.remove(&self.id);
            inner.core.unsubscribe(self.id);
            inner.dispatch(&self.shared, &mut outbox);
        }
        outbox.deliver(&self.shared);
        self.shared.driver.notify_one();
    }
}

/// Connection events buffered per [`Client::events`] receiver.
const EVENT_CAPACITY: usize = 64;

fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

type Reader = Box<dyn AsyncRead + Send + Unpin>;
type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// Opens the socket (and runs the TLS handshake when configured) and
/// splits it into halves (the reader and the writer are polled in the same
/// task, so a TLS stream's shared half never waits for the other).
async fn open_socket(
    address: &Address,
    tls: Option<&Connector>,
) -> std::io::Result<(Reader, Writer)> {
    match address {
        Address::Tcp { host, port } => {
            let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
            stream.set_nodelay(true)?;
            if let Some(connector) = tls {
                let stream = TlsStream::connect(stream, connector.start()?).await?;
                let (reader, writer) = tokio::io::split(stream);
                return Ok((Box::new(reader), Box::new(writer)));
            }
            let (reader, writer) = stream.into_split();
            Ok((Box::new(reader), Box::new(writer)))
        }
        #[cfg(unix)]
        Address::Unix(path) => {
            let (reader, writer) = tokio::net::UnixStream::connect(path).await?.into_split();
            Ok((Box::new(reader), Box::new(writer)))
        }
        #[cfg(not(unix))]
        Address::Unix(_) => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "Unix sockets are not available on this platform",
        )),
    }
}

type Halves = (Reader, Writer);

/// The task that owns the socket.
async fn drive(shared: Arc<Shared>, tls: Option<Connector>) {
    let (address, connect_timeout) = {
        let inner = lock(&shared);
        let config = inner.core.config();
        (config.address.clone(), config.connect_timeout)
    };
    let mut socket: Option<Halves> = None;
    let mut out: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut written = 0;
    let mut input = BytesMut::with_capacity(64 * 1024);
    let mut outbox = Outbox::default();
    loop {
        let (action, deadline, closed) = {
            // Cleared before the queue is read: a command sent from here on
            // wakes the driver again.
            shared.flush_scheduled.store(false, Ordering::SeqCst);
            let mut inner = lock(&shared);
            inner.dispatch(&shared, &mut outbox);
            let action = inner.core.poll_transport();
            if action.is_none() && written == out.len() {
                out.clear();
                written = 0;
                inner.core.poll_transmit(&mut out);
            }
            let closed = inner.core.state() == State::Closed;
            (action, inner.core.poll_timeout(), closed)
        };
        outbox.deliver(&shared);
        match action {
            Some(TransportAction::Connect) => {
                socket = None;
                let attempt =
                    tokio::time::timeout(connect_timeout, open_socket(&address, tls.as_ref()))
                        .instrument(tracing::debug_span!("connect"))
                        .await;
                let mut inner = lock(&shared);
                match attempt {
                    Ok(Ok(stream)) => {
                        socket = Some(stream);
                        out.clear();
                        written = 0;
                        input.clear();
                        inner.core.handle_connected(Instant::now());
                    }
                    Ok(Err(error)) => inner
                        .core
                        .handle_connect_failed(&error.to_string(), Instant::now()),
                    Err(_) => inner
                        .core
                        .handle_connect_failed("connection timed out", Instant::now()),
                }
                continue;
            }
            Some(TransportAction::Close) => {
                socket = None;
                out.clear();
                written = 0;
                continue;
            }
            None => {}
        }
        if closed {
            if let Some((_, mut writer)) = socket.take() {
                let _ = writer.shutdown().await;
            }
            // Senders that come after this see `stopped` and settle their
            // own commands; those before are settled here.
            shared.stopped.store(true, Ordering::SeqCst);
            lock(&shared).dispatch(&shared, &mut outbox);
            outbox.deliver(&shared);
            return;
        }
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        let Some((reader, writer)) = socket.as_mut() else {
            tokio::select! {
                biased;
                _ = shared.driver.notified() => {}
                _ = sleep => lock(&shared).core.handle_timeout(Instant::now()),
            }
            continue;
        };
        let pending_write = written < out.len();
        // Unbiased on purpose: a server flooding us with pub/sub messages
        // must not starve our writes, nor a stream of writes our reads.
        let step = tokio::select! {
            read = reader.read_buf(&mut input) => Step::Read(read),
            wrote = writer.write(&out[written..]), if pending_write => Step::Wrote(wrote),
            _ = shared.driver.notified() => {
                gather(&shared).await;
                continue;
            }
            _ = sleep => Step::Timer,
        };
        let mut inner = lock(&shared);
        let now = Instant::now();
        match step {
            Step::Read(Ok(0)) => {
                socket = None;
                inner
                    .core
                    .handle_disconnected("the server closed the connection", now);
            }
            Step::Read(Ok(_)) => {
                inner.core.handle_read(&input, now);
                input.clear();
            }
            Step::Wrote(Ok(n)) if n > 0 => written += n,
            Step::Wrote(Ok(_)) => {
                socket = None;
                inner
                    .core
                    .handle_disconnected("the socket accepts no more bytes", now);
            }
            Step::Read(Err(error)) | Step::Wrote(Err(error)) => {
                socket = None;
                inner.core.handle_disconnected(&error.to_string(), now);
            }
            Step::Timer => inner.core.handle_timeout(now),
        }
    }
}

/// Most turns [`gather`] lets the other tasks take. Two was measured best
/// on a quiet two-core machine with 1,000 senders (multi-thread runtime:
/// 2.2-2.4x redis-rs with two turns, 1.6-2.0x with eight, whose extra
/// turns mostly hand the worker to tasks with nothing to send).
const GATHER_TURNS: usize = 2;

/// Called when something was queued. When other commands are outstanding,
/// other tasks are sending too, and those ready to run are about to:
/// yielding lets them, so that the batch goes out in one write (and the
/// server reads it in one call). On a multi-thread runtime the tasks woken
/// by one read run on several workers, so this yields again as long as
/// the last turn queued more. A lone sender is not kept waiting.
async fn gather(shared: &Shared) {
    let (concurrent, mut queued) = {
        let exchange = lock_exchange(shared);
        (exchange.outstanding > 1, exchange.queue.len())
    };
    if !concurrent {
        return;
    }
    for _ in 0..GATHER_TURNS {
        tokio::task::yield_now().await;
        let now = lock_exchange(shared).queue.len();
        if now == queued {
            return;
        }
        queued = now;
    }
}

/// What woke the driver.
enum Step {
    Read(std::io::Result<usize>),
    Wrote(std::io::Result<usize>),
    Timer,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_slots_are_found_once_in_any_order() {
        let mut slots = ReplySlots::default();
        for token in 1..=10 {
            slots.insert(Token(token), token as usize * 10, 1);
        }
        // Out of order (timeouts), then in order, then twice.
        assert_eq!(slots.remove(Token(4)), Some((40, 1)));
        assert_eq!(slots.remove(Token(4)), None);
        assert_eq!(slots.remove(Token(1)), Some((10, 1)));
        assert_eq!(slots.remove(Token(2)), Some((20, 1)));
        assert_eq!(slots.remove(Token(3)), Some((30, 1)));
        // The settled entry behind them went with them.
        assert_eq!(slots.pending.front().map(|p| p.token), Some(Token(5)));
        assert_eq!(slots.remove(Token(11)), None);
        for token in [9, 7, 8, 6] {
            assert_eq!(slots.remove(Token(token)), Some((token as usize * 10, 1)));
        }
        // Settled entries never outnumber the live ones for long.
        assert!(slots.pending.len() <= 2);
        assert_eq!(slots.remove(Token(10)), Some((100, 1)));
        assert_eq!(slots.remove(Token(5)), Some((50, 1)));
        assert!(slots.pending.is_empty());
        assert_eq!(slots.settled, 0);
    }

    #[test]
    fn reply_slots_keep_token_order_whatever_the_insertion_order() {
        let mut slots = ReplySlots::default();
        for token in [3, 1, 2] {
            slots.insert(Token(token), token as usize, 2);
        }
        for token in 1..=3 {
            assert_eq!(slots.remove(Token(token)), Some((token as usize, 2)));
        }
        assert_eq!(slots.remove(Token(1)), None);
    }
}
