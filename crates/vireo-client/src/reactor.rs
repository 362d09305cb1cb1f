//! The adapter for Vireo's own event loop ([`vireo_reactor::Reactor`]):
//! [`Client`] registers its socket with the reactor, feeds readiness and
//! timer deadlines to the [`Connection`] core and hands each completion
//! to the callback given with its command, the way hiredis's
//! `adapters/ae.h` plugs a `redisAsyncContext` into `ae`.
//!
//! The adapter makes no protocol decision; it only moves bytes and time.
//!
//! # Wiring
//!
//! A reactor has one [`Handler`](vireo_reactor::Handler), the
//! application's. The application gives the client a token of its own and
//! forwards to it, from its handler, every file event and every timer (the
//! client says whether they were its own):
//!
//! ```no_run
//! use std::time::Instant;
//! use vireo_client::{cmd, reactor::Client};
//! use vireo_reactor::{Event, Handler, Reactor, TimerId, TimerNext, Token};
//!
//! struct App {
//!     redis: Client,
//! }
//!
//! impl Handler for App {
//!     fn on_event(&mut self, reactor: &mut Reactor, event: Event, now: Instant) {
//!         if self.redis.handle_event(reactor, event, now) {
//!             return;
//!         }
//!         // ... the application's own sources ...
//!     }
//!
//!     fn on_timer(&mut self, reactor: &mut Reactor, timer: TimerId, now: Instant) -> TimerNext {
//!         if let Some(next) = self.redis.handle_timer(reactor, timer, now) {
//!             return next;
//!         }
//!         TimerNext::Stop
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut reactor = Reactor::new()?;
//! let mut redis = Client::open("redis://127.0.0.1:6379", &mut reactor, Token(1))?;
//! redis.send(&mut reactor, cmd("SET").arg("greeting").arg("hello"), |_, _, _| {})?;
//! redis.send(&mut reactor, cmd("GET").arg("greeting"), |client, reactor, reply| {
//!     println!("{reply:?}");
//!     client.close(reactor);
//!     reactor.stop();
//! })?;
//! reactor.run(&mut App { redis })?;
//! # Ok(())
//! # }
//! ```
//!
//! # How it moves bytes
//!
//! The socket is registered for reading and writing, edge-triggered.
//! Commands sent during an iteration are not written at once: the client
//! marks its token pending for writing, so the next iteration writes
//! everything queued in one `write` (hiredis's `AE_WRITABLE` on demand,
//! and the same batching). Reads drain the socket in 64 KiB chunks, at most
//! [`READ_ROUNDS`] per event before yielding to other sources (the token is
//! then marked pending for reading). The core's next deadline is one
//! reactor timer, moved whenever the deadline changes.
//!
//! # Callbacks
//!
//! A callback receives the client and the reactor, so it can send the next
//! command, close the client or stop the loop. Callbacks run from
//! [`Client::handle_event`], [`Client::handle_timer`], and from the methods
//! that take a reactor when their input completes something at once (a
//! refused command is returned as an error instead, and gets no callback).
//! Every accepted command's callback runs exactly once, in the order the
//! core completes them (see [`Connection`]'s guarantees).
//!
//! # Pub/sub and MONITOR
//!
//! [`Client::subscribe`], [`psubscribe`](Client::psubscribe),
//! [`ssubscribe`](Client::ssubscribe) and [`monitor`](Client::monitor)
//! take a callback that runs for every [`SubscriptionEvent`] of that
//! subscription: [`Confirmed`](SubscriptionEvent::Confirmed) once the
//! server agreed (or [`Failed`](SubscriptionEvent::Failed), and nothing
//! after, when it refused or the client closed first), then each
//! [`Delivery`] in order, ending with [`Delivery::Closed`]. Subscriptions
//! are restored after a reconnect, as the core does for every adapter.
//! [`Client::unsubscribe`] ends one at once (the callback is not called
//! again); the server is told when it was the channel's last subscriber
//! on this connection. With RESP3 the connection keeps serving commands
//! while subscribed; with RESP2 (and always after MONITOR) other commands
//! are refused with [`Error::NotAllowed`].
//!
//! ```no_run
//! # use vireo_client::{reactor::{Client, SubscriptionEvent}, Delivery};
//! # use vireo_reactor::Reactor;
//! # fn demo(redis: &mut Client, reactor: &mut Reactor) -> Result<(), vireo_client::Error> {
//! redis.subscribe(reactor, "news", |_client, _reactor, event| match event {
//!     SubscriptionEvent::Confirmed => println!("listening"),
//!     SubscriptionEvent::Delivery(Delivery::Message(message)) => {
//!         println!("{:?}", message.payload)
//!     }
//!     SubscriptionEvent::Delivery(other) => println!("{other:?}"),
//!     SubscriptionEvent::Failed(error) => eprintln!("refused: {error}"),
//! })?;
//! # Ok(())
//! # }
//! ```
//!
//! # TLS
//!
//! With [`Config::tls`] (`rediss://`) the client runs a
//! [`rustls::ClientConnection`] over the non-blocking socket: the TLS
//! handshake is driven by readiness events like the TCP connect, within
//! [`Config::connect_timeout`], and only then is the core told the
//! connection is open (a certificate that fails verification is a
//! connection failure). Afterwards reads and writes go through the TLS
//! session; ciphertext the socket cannot take yet is written on the next
//! writable event.
//!
//! Name resolution (`host:port` to an address) is blocking, as in hiredis;
//! give an IP address to avoid it.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::ToSocketAddrs;
use std::time::Instant;

use vireo_reactor::{Event as FileEvent, Interest, Reactor, TimerId, TimerNext};
use vireo_resp::Frame;

use crate::command::Command;
use crate::config::{Address, Config};
use crate::connection::{Connection, Event, State, SubscriptionId, Token, TransportAction};
use crate::error::Error;
use crate::pipeline::Pipeline;
use crate::pubsub::{Delivery, SubscriptionKind};
use crate::reply::check;
use crate::tls::Connector;

/// Reads of up to 64 KiB per readable event before the client yields to
/// the reactor's other sources (and asks to be called back).
pub const READ_ROUNDS: usize = 16;

/// Size of one read.
const READ_CHUNK: usize = 64 * 1024;

/// What a command's callback receives: the client (to send more), the
/// reactor, and the reply (server error replies are `Ok(Frame::Error)`;
/// [`FromReply`](crate::FromReply) converts and checks).
type Callback = Box<dyn FnOnce(&mut Client, &mut Reactor, Result<Frame, Error>)>;

/// Observer of connection events (connected, disconnected...).
type EventHook = Box<dyn FnMut(&Event)>;

/// What a subscription's callback receives, in order: `Confirmed` or
/// `Failed` first, then (after `Confirmed`) deliveries.
#[derive(Debug, Clone)]
pub enum SubscriptionEvent {
    /// The server agreed: messages flow from now on.
    Confirmed,
    /// The server refused the subscription (an ACL, MONITOR refused), or
    /// the client closed before it was confirmed. The subscription is gone;
    /// the callback is not called again.
    Failed(Error),
    /// A message, a [`Delivery::Lagged`] count, or [`Delivery::Closed`]
    /// (the last call).
    Delivery(Delivery),
}

/// A subscription's callback.
type SubscriptionCallback = Box<dyn FnMut(&mut Client, &mut Reactor, SubscriptionEvent)>;

/// One logical connection on a [`Reactor`]; see the [module
/// documentation](self) for the wiring.
///
/// The socket is deregistered when the client closes (gracefully with
/// [`close`](Self::close) once pending replies are in, or at once with
/// [`abort`](Self::abort)). Drop the client only after that: a client
/// dropped while its socket is registered leaves its token taken in the
/// reactor.
pub struct Client {
    core: Connection,
    token: vireo_reactor::Token,
    socket: Option<Socket>,
    /// The socket is open but the OS has not confirmed the connection, or
    /// its TLS handshake is not over.
    connecting: bool,
    /// TLS settings, when the configuration asks for TLS.
    tls: Option<Connector>,
    /// TCP is connected and the TLS handshake is under way (`connecting`
    /// is still set).
    tls_handshake: bool,
    connect_timer: Option<TimerId>,
    /// The reactor timer standing for the core's next deadline.
    timer: Option<(TimerId, Instant)>,
    out: Vec<u8>,
    written: usize,
    input: Box<[u8]>,
    callbacks: HashMap<Token, Callback>,
    /// Live subscriptions; the callback is out (`None`) while it runs.
    subscriptions: HashMap<SubscriptionId, Option<SubscriptionCallback>>,
    /// The confirmation each subscription request waits for.
    confirmations: HashMap<Token, SubscriptionId>,
    on_event: Option<EventHook>,
    /// Completions are being handed out: a callback's own sends are picked
    /// up by the loop already running instead of a nested one.
    dispatching: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.core.state())
            .field("token", &self.token)
            .field("pending", &self.core.pending())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for a URL (see [`Config::from_url`]) whose socket will be
    /// registered under `token`; it starts connecting at once.
    ///
    /// # Errors
    /// As [`with_config`](Self::with_config), and for a bad URL.
    pub fn open(
        url: &str,
        reactor: &mut Reactor,
        token: vireo_reactor::Token,
    ) -> Result<Client, Error> {
        Client::with_config(Config::from_url(url)?, reactor, token)
    }

    /// A client with a configuration; it starts connecting at once.
    /// Connection failures are reported as [`Event`]s and retried as
    /// [`Config::reconnect`] says.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for unusable TLS settings (an unreadable
    /// or malformed PEM file, a Unix socket address).
    pub fn with_config(
        config: Config,
        reactor: &mut Reactor,
        token: vireo_reactor::Token,
    ) -> Result<Client, Error> {
        let tls = Connector::from_config(&config)?;
        let mut client = Client {
            core: Connection::new(config, Instant::now()),
            token,
            socket: None,
            connecting: false,
            tls,
            tls_handshake: false,
            connect_timer: None,
            timer: None,
            out: Vec::with_capacity(READ_CHUNK),
            written: 0,
            input: vec![0; READ_CHUNK].into_boxed_slice(),
            callbacks: HashMap::new(),
            subscriptions: HashMap::new(),
            confirmations: HashMap::new(),
            on_event: None,
            dispatching: false,
        };
        client.drive(reactor);
        Ok(client)
    }

    /// Calls `callback` with every connection event from now on
    /// (connected, disconnected with the reason, reconnecting, closed, and
    /// RESP3 push frames that are not pub/sub; pub/sub deliveries go to
    /// their subscription's callback instead).
    pub fn on_event(&mut self, callback: impl FnMut(&Event) + 'static) {
        self.on_event = Some(Box::new(callback));
    }

    /// The token the socket is registered under.
    pub fn token(&self) -> vireo_reactor::Token {
        self.token
    }

    /// The connection's state.
    pub fn state(&self) -> State {
        self.core.state()
    }

    /// Commands sent and not yet completed.
    pub fn pending(&self) -> usize {
        self.core.pending()
    }

    /// Sends one command; `callback` runs once with its reply or error.
    ///
    /// # Errors
    /// As [`Connection::submit`] ([`Error::QueueFull`], [`Error::Closed`],
    /// [`Error::NotAllowed`]); the callback is then dropped unrun.
    pub fn send<F>(
        &mut self,
        reactor: &mut Reactor,
        command: Command,
        callback: F,
    ) -> Result<Token, Error>
    where
        F: FnOnce(&mut Client, &mut Reactor, Result<Frame, Error>) + 'static,
    {
        let token = self.core.submit(command, Instant::now())?;
        self.callbacks.insert(token, Box::new(callback));
        self.drive(reactor);
        Ok(token)
    }

    /// Sends a pipeline; `callback` runs once with its replies as one
    /// `Frame::Array` (see [`Connection::submit_batch`]).
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub fn send_pipeline<F>(
        &mut self,
        reactor: &mut Reactor,
        pipeline: &Pipeline,
        callback: F,
    ) -> Result<Token, Error>
    where
        F: FnOnce(&mut Client, &mut Reactor, Result<Frame, Error>) + 'static,
    {
        let token = self
            .core
            .submit_batch(pipeline.commands(), Instant::now())?;
        self.callbacks.insert(token, Box::new(callback));
        self.drive(reactor);
        Ok(token)
    }

    /// Subscribes to a channel; `callback` runs for every
    /// [`SubscriptionEvent`] of this subscription (see the [module
    /// documentation](self#pubsub-and-monitor)).
    ///
    /// # Errors
    /// As [`Connection::subscribe`] ([`Error::Closed`],
    /// [`Error::QueueFull`], [`Error::NotAllowed`] in MONITOR mode); the
    /// callback is then dropped unrun.
    pub fn subscribe<F>(
        &mut self,
        reactor: &mut Reactor,
        channel: impl AsRef<[u8]>,
        callback: F,
    ) -> Result<SubscriptionId, Error>
    where
        F: FnMut(&mut Client, &mut Reactor, SubscriptionEvent) + 'static,
    {
        self.listen(
            reactor,
            Some((SubscriptionKind::Channel, channel.as_ref())),
            Box::new(callback),
        )
    }

    /// Subscribes to a channel pattern (`PSUBSCRIBE`).
    ///
    /// # Errors
    /// As [`subscribe`](Self::subscribe).
    pub fn psubscribe<F>(
        &mut self,
        reactor: &mut Reactor,
        pattern: impl AsRef<[u8]>,
        callback: F,
    ) -> Result<SubscriptionId, Error>
    where
        F: FnMut(&mut Client, &mut Reactor, SubscriptionEvent) + 'static,
    {
        self.listen(
            reactor,
            Some((SubscriptionKind::Pattern, pattern.as_ref())),
            Box::new(callback),
        )
    }

    /// Subscribes to a shard channel (`SSUBSCRIBE`).
    ///
    /// # Errors
    /// As [`subscribe`](Self::subscribe).
    pub fn ssubscribe<F>(
        &mut self,
        reactor: &mut Reactor,
        channel: impl AsRef<[u8]>,
        callback: F,
    ) -> Result<SubscriptionId, Error>
    where
        F: FnMut(&mut Client, &mut Reactor, SubscriptionEvent) + 'static,
    {
        self.listen(
            reactor,
            Some((SubscriptionKind::Shard, channel.as_ref())),
            Box::new(callback),
        )
    }

    /// Turns this connection into a `MONITOR` connection: each command
    /// the server runs arrives as a [`Delivery::Message`] whose payload is
    /// the monitor line. Give MONITOR a client of its own: other commands
    /// are refused from then on.
    ///
    /// # Errors
    /// As [`Connection::monitor`] ([`Error::NotAllowed`] while
    /// subscriptions exist, [`Error::Closed`], [`Error::QueueFull`]).
    pub fn monitor<F>(
        &mut self,
        reactor: &mut Reactor,
        callback: F,
    ) -> Result<SubscriptionId, Error>
    where
        F: FnMut(&mut Client, &mut Reactor, SubscriptionEvent) + 'static,
    {
        self.listen(reactor, None, Box::new(callback))
    }

    /// Ends a subscription (or MONITOR) at once: its callback is not
    /// called again. Unknown ids are ignored.
    pub fn unsubscribe(&mut self, reactor: &mut Reactor, id: SubscriptionId) {
        self.subscriptions.remove(&id);
        self.core.unsubscribe(id);
        self.drive(reactor);
    }

    fn listen(
        &mut self,
        reactor: &mut Reactor,
        what: Option<(SubscriptionKind, &[u8])>,
        callback: SubscriptionCallback,
    ) -> Result<SubscriptionId, Error> {
        let now = Instant::now();
        let (id, token) = match what {
            Some((kind, name)) => self.core.subscribe(kind, name, now)?,
            None => self.core.monitor(now)?,
        };
        self.subscriptions.insert(id, Some(callback));
        self.confirmations.insert(token, id);
        self.drive(reactor);
        Ok(id)
    }

    /// Runs a subscription's callback, unless the subscription has ended;
    /// returns whether it is still live afterwards (the callback may have
    /// ended it).
    fn notify(
        &mut self,
        reactor: &mut Reactor,
        id: SubscriptionId,
        event: SubscriptionEvent,
    ) -> bool {
        let Some(mut callback) = self.subscriptions.get_mut(&id).and_then(Option::take) else {
            return false;
        };
        callback(self, reactor, event);
        match self.subscriptions.get_mut(&id) {
            Some(slot) => {
                *slot = Some(callback);
                true
            }
            None => false,
        }
    }

    /// A subscription request completed: confirmed or refused.
    fn confirm(&mut self, reactor: &mut Reactor, id: SubscriptionId, result: Result<Frame, Error>) {
        match result.and_then(check) {
            Ok(_) => {
                self.notify(reactor, id, SubscriptionEvent::Confirmed);
            }
            Err(error) => {
                let callback = self.subscriptions.remove(&id).flatten();
                self.core.unsubscribe(id);
                if let Some(mut callback) = callback {
                    callback(self, reactor, SubscriptionEvent::Failed(error));
                }
            }
        }
    }

    /// Hands a subscriber its waiting deliveries, in order.
    fn deliver(&mut self, reactor: &mut Reactor, id: SubscriptionId) {
        while self.subscriptions.contains_key(&id) {
            let Some(delivery) = self.core.poll_delivery(id) else {
                return;
            };
            let last = delivery == Delivery::Closed;
            let live = self.notify(reactor, id, SubscriptionEvent::Delivery(delivery));
            if last {
                if live {
                    self.subscriptions.remove(&id);
                    self.core.unsubscribe(id);
                }
                return;
            }
        }
    }

    /// Graceful close (hiredis's `redisAsyncDisconnect`): no new commands;
    /// pending ones still complete; then the socket is closed and
    /// deregistered.
    pub fn close(&mut self, reactor: &mut Reactor) {
        self.core.close();
        self.drive(reactor);
    }

    /// Closes at once: every pending command completes with
    /// [`Error::Closed`].
    pub fn abort(&mut self, reactor: &mut Reactor) {
        self.core.abort();
        self.drive(reactor);
    }

    /// Handles a file event if it is this client's (returns `false`, and
    /// does nothing, otherwise).
    pub fn handle_event(&mut self, reactor: &mut Reactor, event: FileEvent, now: Instant) -> bool {
        if event.token() != self.token {
            return false;
        }
        if self.socket.is_none() {
            return true;
        }
        if self.connecting {
            // Readiness in either direction settles a pending connect: a
            // refused one is reported as an error on both.
            self.finish_connect(reactor, now);
        } else {
            match event {
                FileEvent::Readable(_) => self.read(reactor, now),
                FileEvent::Writable(_) => self.flush(reactor, now),
            }
        }
        self.drive(reactor);
        true
    }

    /// Handles a timer if it is one of this client's: returns what the
    /// reactor should do with it, or `None` when it is not the client's.
    pub fn handle_timer(
        &mut self,
        reactor: &mut Reactor,
        timer: TimerId,
        now: Instant,
    ) -> Option<TimerNext> {
        if self.connect_timer == Some(timer) {
            self.connect_timer = None;
            if self.connecting {
                self.drop_socket(reactor);
                self.core.handle_connect_failed("connection timed out", now);
            }
        } else if self.timer.is_some_and(|(id, _)| id == timer) {
            self.timer = None;
            self.core.handle_timeout(now);
        } else {
            return None;
        }
        self.drive(reactor);
        Some(TimerNext::Stop)
    }

    /// Runs the core's outputs until nothing is left: socket actions,
    /// completions (callbacks), events; then asks for a write if bytes are
    /// waiting, and moves the timer to the core's next deadline.
    fn drive(&mut self, reactor: &mut Reactor) {
        if self.dispatching {
            return;
        }
        self.dispatching = true;
        loop {
            let mut progressed = false;
            while let Some(action) = self.core.poll_transport() {
                progressed = true;
                match action {
                    TransportAction::Connect => self.start_connect(reactor),
                    TransportAction::Close => self.drop_socket(reactor),
                }
            }
            while let Some(completion) = self.core.poll_completion() {
                progressed = true;
                if let Some(callback) = self.callbacks.remove(&completion.token) {
                    callback(self, reactor, completion.result);
                } else if let Some(id) = self.confirmations.remove(&completion.token) {
                    self.confirm(reactor, id, completion.result);
                }
            }
            while let Some(event) = self.core.poll_event() {
                progressed = true;
                if let Event::Messages(id) = event {
                    self.deliver(reactor, id);
                } else if let Some(callback) = self.on_event.as_mut() {
                    callback(&event);
                }
            }
            if !progressed {
                break;
            }
        }
        self.dispatching = false;
        if self.core.state() == State::Closed {
            self.drop_socket(reactor);
            if let Some((id, _)) = self.timer.take() {
                reactor.cancel_timer(id);
            }
            return;
        }
        let ready = self.socket.is_some() && !self.connecting;
        if ready && (self.written < self.out.len() || self.core.wants_transmit()) {
            // Written in the next iteration, together with whatever else is
            // sent before it: one write per batch.
            reactor.mark_pending(self.token, FileEvent::Writable(self.token));
        }
        self.arm_timer(reactor);
    }

    fn arm_timer(&mut self, reactor: &mut Reactor) {
        let wanted = self.core.poll_timeout();
        if self.timer.map(|(_, at)| at) == wanted {
            return;
        }
        if let Some((id, _)) = self.timer.take() {
            reactor.cancel_timer(id);
        }
        if let Some(at) = wanted {
            let delay = at.saturating_duration_since(Instant::now());
            self.timer = Some((reactor.add_timer(delay), at));
        }
    }

    fn start_connect(&mut self, reactor: &mut Reactor) {
        self.drop_socket(reactor);
        let config = self.core.config();
        let timeout = config.connect_timeout;
        let tls = self.tls.as_ref();
        let opened = Socket::connect(&config.address, tls).and_then(|mut socket| {
            let interest = Interest::READABLE | Interest::WRITABLE;
            socket.register(reactor, self.token, interest)?;
            Ok(socket)
        });
        match opened {
            Ok(socket) => {
                self.socket = Some(socket);
                self.connecting = true;
                self.connect_timer = Some(reactor.add_timer(timeout));
            }
            Err(error) => self
                .core
                .handle_connect_failed(&error.to_string(), Instant::now()),
        }
    }

    fn finish_connect(&mut self, reactor: &mut Reactor, now: Instant) {
        let Some(socket) = self.socket.as_mut() else {
            return;
        };
        if self.tls_handshake {
            match socket.advance_handshake() {
                Ok(true) => self.connected(reactor, now),
                // Not yet: the reactor reports the next readiness.
                Ok(false) => {}
                Err(error) => self.connect_failed(reactor, &error.to_string(), now),
            }
            return;
        }
        let failure = match socket.take_error() {
            Ok(Some(error)) | Err(error) => Some(error),
            Ok(None) => match socket.is_connected() {
                Ok(true) => None,
                // Not yet: another edge will come.
                Ok(false) => return,
                Err(error) => Some(error),
            },
        };
        match failure {
            Some(error) => self.connect_failed(reactor, &error.to_string(), now),
            None if socket.is_tls() => {
                // TCP is up; the TLS handshake starts right away.
                self.tls_handshake = true;
                self.finish_connect(reactor, now);
            }
            None => self.connected(reactor, now),
        }
    }

    fn connect_failed(&mut self, reactor: &mut Reactor, reason: &str, now: Instant) {
        self.drop_socket(reactor);
        self.core.handle_connect_failed(reason, now);
    }

    /// The socket (and its TLS session) is ready for the protocol.
    fn connected(&mut self, reactor: &mut Reactor, now: Instant) {
        self.connecting = false;
        self.tls_handshake = false;
        if let Some(id) = self.connect_timer.take() {
            reactor.cancel_timer(id);
        }
        self.out.clear();
        self.written = 0;
        self.core.handle_connected(now);
        // The protocol handshake is written right away, in this iteration.
        self.flush(reactor, now);
    }

    fn drop_socket(&mut self, reactor: &mut Reactor) {
        if let Some(mut socket) = self.socket.take() {
            socket.say_goodbye();
            // Deregistering a socket we are about to close cannot fail in a
            // way that matters: the reactor forgets the token either way.
            let _ = socket.deregister(reactor, self.token);
        }
        self.connecting = false;
        self.tls_handshake = false;
        if let Some(id) = self.connect_timer.take() {
            reactor.cancel_timer(id);
        }
        self.out.clear();
        self.written = 0;
    }

    /// Writes everything the core has, until the socket is full.
    fn flush(&mut self, reactor: &mut Reactor, now: Instant) {
        // Ciphertext left over from an earlier write goes first.
        if let Some(socket) = self.socket.as_mut() {
            match socket.write_pending() {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    self.lost(reactor, &e.to_string(), now);
                    return;
                }
            }
        }
        loop {
            if self.written == self.out.len() {
                self.out.clear();
                self.written = 0;
                self.core.poll_transmit(&mut self.out);
                if self.out.is_empty() {
                    return;
                }
            }
            let Some(socket) = self.socket.as_mut() else {
                return;
            };
            match socket.write(&self.out[self.written..]) {
                Ok(0) => {
                    self.lost(reactor, "the socket accepts no more bytes", now);
                    return;
                }
                Ok(n) => self.written += n,
                // Edge-triggered: the reactor says when there is room again.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.lost(reactor, &e.to_string(), now);
                    return;
                }
            }
        }
    }

    /// Reads until the socket is drained or the budget is spent.
    fn read(&mut self, reactor: &mut Reactor, now: Instant) {
        for _ in 0..READ_ROUNDS {
            let Some(socket) = self.socket.as_mut() else {
                return;
            };
            match socket.read(&mut self.input) {
                Ok(0) => {
                    self.lost(reactor, "the server closed the connection", now);
                    return;
                }
                Ok(n) => {
                    self.core.handle_read(&self.input[..n], now);
                    // Callbacks run as replies arrive, not once per budget.
                    // Reading goes on until `WouldBlock` even after a short
                    // read: an end-of-file that came with the last bytes
                    // gets no edge of its own.
                    self.drive(reactor);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.lost(reactor, &e.to_string(), now);
                    return;
                }
            }
        }
        reactor.mark_pending(self.token, FileEvent::Readable(self.token));
    }

    /// The socket broke: drop it; the core decides what happens to the
    /// commands.
    fn lost(&mut self, reactor: &mut Reactor, reason: &str, now: Instant) {
        self.drop_socket(reactor);
        self.core.handle_disconnected(reason, now);
    }
}

/// The non-blocking socket: TCP, TCP with TLS, or Unix.
enum Socket {
    Tcp(mio::net::TcpStream),
    Tls(mio::net::TcpStream, Box<rustls::ClientConnection>),
    #[cfg(unix)]
    Unix(mio::net::UnixStream),
}

impl Socket {
    /// Starts a non-blocking connect (with a TLS session that will start
    /// once it is connected, when `tls` is given); the reactor reports its
    /// outcome.
    fn connect(address: &Address, tls: Option<&Connector>) -> io::Result<Socket> {
        match (Socket::connect_plain(address)?, tls) {
            (Socket::Tcp(tcp), Some(connector)) => {
                Ok(Socket::Tls(tcp, Box::new(connector.start()?)))
            }
            (socket, _) => Ok(socket),
        }
    }

    fn connect_plain(address: &Address) -> io::Result<Socket> {
        match address {
            Address::Tcp { host, port } => {
                let Some(addr) = (host.as_str(), *port).to_socket_addrs()?.next() else {
                    return Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{host}:{port} resolves to no address"),
                    ));
                };
                let stream = mio::net::TcpStream::connect(addr)?;
                stream.set_nodelay(true)?;
                Ok(Socket::Tcp(stream))
            }
            #[cfg(unix)]
            Address::Unix(path) => Ok(Socket::Unix(mio::net::UnixStream::connect(path)?)),
            #[cfg(not(unix))]
            Address::Unix(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "Unix sockets are not available on this platform",
            )),
        }
    }

    fn register(
        &mut self,
        reactor: &mut Reactor,
        token: vireo_reactor::Token,
        interest: Interest,
    ) -> io::Result<()> {
        match self {
            Socket::Tcp(s) | Socket::Tls(s, _) => reactor.register(s, token, interest),
            #[cfg(unix)]
            Socket::Unix(s) => reactor.register(s, token, interest),
        }
    }

    fn deregister(&mut self, reactor: &mut Reactor, token: vireo_reactor::Token) -> io::Result<()> {
        match self {
            Socket::Tcp(s) | Socket::Tls(s, _) => reactor.deregister(s, token),
            #[cfg(unix)]
            Socket::Unix(s) => reactor.deregister(s, token),
        }
    }

    fn take_error(&self) -> io::Result<Option<io::Error>> {
        match self {
            Socket::Tcp(s) | Socket::Tls(s, _) => s.take_error(),
            #[cfg(unix)]
            Socket::Unix(s) => s.take_error(),
        }
    }

    /// Whether a non-blocking connect has completed: the peer's address
    /// is known only then.
    fn is_connected(&self) -> io::Result<bool> {
        let peer = match self {
            Socket::Tcp(s) | Socket::Tls(s, _) => s.peer_addr().map(drop),
            #[cfg(unix)]
            Socket::Unix(s) => s.peer_addr().map(drop),
        };
        match peer {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Reads plaintext; `WouldBlock` when none is buffered and the socket
    /// has nothing more.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.read(buf),
            Socket::Tls(tcp, session) => loop {
                match session.reader().read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    // `Ok(0)` after close_notify; `UnexpectedEof` for a
                    // connection cut without it.
                    other => return other,
                }
                let received = session.read_tls(tcp)?;
                session.process_new_packets().map_err(tls_error)?;
                // Records may call for an answer (a key update); a full
                // socket keeps it for the next writable event.
                match write_ciphertext(tcp, session) {
                    Err(e) if e.kind() != io::ErrorKind::WouldBlock => return Err(e),
                    _ => {}
                }
                if received == 0 {
                    // The end of the stream: rustls says how it ended on
                    // the next read; never wait for more.
                    return match session.reader().read(buf) {
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                        other => other,
                    };
                }
            },
            #[cfg(unix)]
            Socket::Unix(s) => s.read(buf),
        }
    }

    /// Writes plaintext. With TLS the bytes count as written once rustls
    /// has them; ciphertext the socket does not take now is left for
    /// [`write_pending`](Self::write_pending).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.write(buf),
            Socket::Tls(tcp, session) => {
                write_ciphertext(tcp, session)?;
                let accepted = session.writer().write(buf)?;
                match write_ciphertext(tcp, session) {
                    Err(e) if e.kind() != io::ErrorKind::WouldBlock => Err(e),
                    _ => Ok(accepted),
                }
            }
            #[cfg(unix)]
            Socket::Unix(s) => s.write(buf),
        }
    }

    /// Writes ciphertext left over from earlier writes (nothing without
    /// TLS); `WouldBlock` when the socket is full again.
    fn write_pending(&mut self) -> io::Result<()> {
        match self {
            Socket::Tls(tcp, session) => write_ciphertext(tcp, session),
            _ => Ok(()),
        }
    }

    fn is_tls(&self) -> bool {
        matches!(self, Socket::Tls(..))
    }

    /// Tells a TLS peer the stream ends here (close_notify), as far as the
    /// socket takes it without waiting: the socket is closed right after,
    /// and a peer that misses it sees a plain end of stream.
    fn say_goodbye(&mut self) {
        if let Socket::Tls(tcp, session) = self {
            if !session.is_handshaking() {
                session.send_close_notify();
                let _ = write_ciphertext(tcp, session);
            }
        }
    }

    /// Moves the TLS handshake on as far as the socket allows: `Ok(true)`
    /// once it is complete and its last message written.
    fn advance_handshake(&mut self) -> io::Result<bool> {
        let Socket::Tls(tcp, session) = self else {
            return Ok(true);
        };
        loop {
            match write_ciphertext(tcp, session) {
                Ok(()) if !session.is_handshaking() => return Ok(true),
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !session.is_handshaking() {
                        return Ok(false);
                    }
                }
                Err(e) => return Err(e),
            }
            match session.read_tls(tcp) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection during the TLS handshake",
                    ))
                }
                Ok(_) => {
                    session.process_new_packets().map_err(tls_error)?;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Writes the session's buffered ciphertext until none is left
/// (`Ok`) or the socket is full (`WouldBlock`).
fn write_ciphertext(
    tcp: &mut mio::net::TcpStream,
    session: &mut rustls::ClientConnection,
) -> io::Result<()> {
    while session.wants_write() {
        match session.write_tls(tcp) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A TLS failure (a bad certificate, a protocol violation) as an I/O
/// error carrying rustls's reason.
fn tls_error(error: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}
