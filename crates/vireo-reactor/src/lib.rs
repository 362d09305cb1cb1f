//! A single-threaded event loop in the style of Redis's `ae`, built on
//! [`mio`].
//!
//! This file owns the crate's documentation and public surface; the loop
//! itself lives in `reactor`, the callback types in `event`, and the timer
//! queue in `timer`.
//!
//! # Overview
//!
//! A [`Reactor`] multiplexes two kinds of work on one thread:
//!
//! * **file events**: a source (socket, pipe, anything implementing
//!   [`Source`]) registered under a [`Token`] became readable or writable;
//! * **time events**: a timer armed with [`Reactor::add_timer`] came due.
//!
//! The application implements [`Handler`] and drives the loop with
//! [`Reactor::run`] (until [`Reactor::stop`]) or one iteration at a time with
//! [`Reactor::run_once`]. Every callback receives the reactor mutably, so
//! handlers register sources, change interest and arm timers directly.
//!
//! # An iteration
//!
//! Each iteration performs these steps, in this order:
//!
//! 1. [`Handler::before_sleep`] runs.
//! 2. The timeout of the wait is computed: zero if any token is marked
//!    pending or the reactor is stopped; otherwise the time until the nearest
//!    timer, further bounded by the `max_wait` passed to `run_once`. With no
//!    timers and no `max_wait` the wait blocks until the OS reports readiness.
//!    Because this happens after `before_sleep`, a timer or pending mark that
//!    `before_sleep` adds is honoured by the very wait that follows.
//! 3. The thread waits for readiness.
//! 4. The monotonic clock ([`Instant`](std::time::Instant)) is read **once**.
//!    Every callback until the end of the iteration receives that reading as
//!    `now`, so all work of an iteration agrees on what time it is, and
//!    handlers that only need coarse time never touch the clock themselves.
//! 5. The set of file events to consider is fixed: everything the OS
//!    reported, in the order it reported it, followed by pending tokens the
//!    OS did not report.
//! 6. [`Handler::after_sleep`] runs with `now`.
//! 7. File events are delivered (subject to the rules below).
//! 8. Timers that were due at `now` fire, earliest deadline first.
//!
//! `run_once` returns the number of file events and timers delivered.
//!
//! # Readiness is edge-triggered
//!
//! mio, and therefore this reactor, reports a *change* of readiness, not a
//! state: after a `Readable` event the source is not reported again until new
//! data arrives, however much unread data remains. A handler must either
//! drain the source until it returns [`WouldBlock`](std::io::ErrorKind::WouldBlock),
//! or tell the reactor it stopped early.
//!
//! Stopping early is often what a server wants: reading at most a fixed
//! budget per event keeps one fast client from starving the others. For that,
//! [`Reactor::mark_pending`] turns a token level-triggered for one iteration:
//! the reactor delivers the marked event again in the next iteration, and that
//! iteration's wait does not block, so other ready sources and due timers are
//! served in between without adding latency. The mark is cleared when the
//! event is delivered (a handler that still has not drained the source marks
//! it again) or when the token is deregistered.
//!
//! # Ordering and re-checks
//!
//! For one token in one iteration, `Readable` is delivered before `Writable`
//! (as in `ae`, this lets a server answer a request in the same iteration it
//! read it), and each is delivered at most once, even when the OS reports the
//! two directions separately or the token is also marked pending.
//!
//! Before each delivery the reactor checks its *current* registration state,
//! so changes made by earlier callbacks in the same iteration, including
//! `after_sleep` and the readable handler of the same token, take effect at
//! once. An event is skipped if:
//!
//! * its token has been deregistered;
//! * the registered interest no longer includes it (for instance the readable
//!   handler flushed everything and dropped writable interest); or
//! * the token was deregistered and registered again: the new registration is
//!   a new source and receives only readiness reported for it, never what the
//!   OS reported for its predecessor.
//!
//! Errors and hang-ups are not separate events. They are delivered as
//! `Readable`, so the handler's next read returns end-of-file or the error,
//! and, when the OS reports an error or a closed write side, as `Writable`
//! too, so a source registered for writing alone still learns of it. Since
//! `Readable` comes first, a handler that closes on a failed read never sees
//! the `Writable` half.
//!
//! # Timers
//!
//! [`Reactor::add_timer`] arms a one-shot timer and returns a [`TimerId`].
//! When it comes due, [`Handler::on_timer`] decides its fate: return
//! [`TimerNext::After`] to fire again that long after the iteration's `now`
//! (a periodic timer, which does not drift by its handler's running time), or
//! [`TimerNext::Stop`] to end it. [`Reactor::cancel_timer`] ends a timer
//! early, and wins over a pending `After` if called from the timer's own
//! handler.
//!
//! Timers due at the same instant fire in creation order. A timer never fires
//! in the iteration that is delivering events when it is added or
//! rescheduled, even with a zero delay, so a timer that keeps rescheduling
//! itself at zero cannot monopolise the loop: it fires once per iteration,
//! and file events get their turn in between. (Timers added from
//! `before_sleep` belong to the iteration about to wait, and may fire in it.)
//!
//! A timer fires no earlier than its deadline but may fire later: the loop
//! only looks at the clock once per iteration, and slow handlers delay
//! everything after them. Deadlines use the monotonic clock, so changes to
//! the wall clock affect nothing.
//!
//! # Sleep hooks
//!
//! [`Handler::before_sleep`] and [`Handler::after_sleep`] run exactly once per
//! iteration, before and after the wait, whether or not the wait returned
//! anything. `before_sleep` is the natural place for per-iteration batch
//! work, such as writing out replies produced by this iteration's requests
//! or handling clients whose input was parsed but not executed;
//! `after_sleep` sees the fresh `now` before any event does.
//!
//! # Stopping and signals
//!
//! [`Reactor::stop`] makes [`Reactor::run`] return once the current
//! iteration completes; while stopped, waits do not block, so that iteration
//! ends promptly even when the stop is requested from `before_sleep`. `run`
//! clears the flag when it starts.
//!
//! A wait interrupted by a signal (`EINTR`) is not an error: the iteration
//! continues as if the wait had returned no OS events, which is also what
//! lets a server notice flags set by its signal handlers in the following
//! callbacks.
//!
//! # Cost
//!
//! A steady-state iteration performs no heap allocation: the OS event
//! buffer, the per-iteration ready list and the list of due timers are
//! reused, and registration state lives in a hash map indexed by token.
//! Timers sit in a binary heap with lazy cancellation, compacted when
//! cancelled entries outnumber live ones.
//!
//! # Example
//!
//! A server that accepts connections and consumes their input with a
//! deliberately tiny read budget, relying on [`Reactor::mark_pending`] to be
//! called back for the rest, and stopping once its client hangs up (or after
//! a safety timeout):
//!
//! ```
//! use std::collections::HashMap;
//! use std::io::{self, Read, Write};
//! use std::time::{Duration, Instant};
//!
//! use mio::net::{TcpListener, TcpStream};
//! use vireo_reactor::{Event, Handler, Interest, Reactor, TimerId, TimerNext, Token};
//!
//! const LISTENER: Token = Token(0);
//! /// Bytes read per event before yielding to other sources.
//! const READ_BUDGET: usize = 4;
//!
//! struct Sink {
//!     listener: TcpListener,
//!     conns: HashMap<Token, TcpStream>,
//!     next_token: usize,
//!     received: Vec<u8>,
//! }
//!
//! impl Sink {
//!     fn accept_all(&mut self, reactor: &mut Reactor) {
//!         // Edge-triggered: accept until the backlog is empty.
//!         loop {
//!             match self.listener.accept() {
//!                 Ok((mut conn, _)) => {
//!                     let token = Token(self.next_token);
//!                     self.next_token += 1;
//!                     if reactor.register(&mut conn, token, Interest::READABLE).is_ok() {
//!                         self.conns.insert(token, conn);
//!                     }
//!                 }
//!                 Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
//!                 Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
//!                 Err(_) => return,
//!             }
//!         }
//!     }
//!
//!     fn read_some(&mut self, reactor: &mut Reactor, token: Token) {
//!         let Some(conn) = self.conns.get_mut(&token) else { return };
//!         let mut buf = [0u8; READ_BUDGET];
//!         let done = match conn.read(&mut buf) {
//!             Ok(0) => true,
//!             Ok(n) => {
//!                 self.received.extend_from_slice(&buf[..n]);
//!                 // More may be waiting; no new edge will say so.
//!                 reactor.mark_pending(token, Event::Readable(token));
//!                 false
//!             }
//!             Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
//!             Err(e) if e.kind() == io::ErrorKind::Interrupted => {
//!                 reactor.mark_pending(token, Event::Readable(token));
//!                 false
//!             }
//!             Err(_) => true,
//!         };
//!         if done {
//!             if let Some(mut conn) = self.conns.remove(&token) {
//!                 let _ = reactor.deregister(&mut conn, token);
//!             }
//!             reactor.stop();
//!         }
//!     }
//! }
//!
//! impl Handler for Sink {
//!     fn on_event(&mut self, reactor: &mut Reactor, event: Event, _now: Instant) {
//!         match event {
//!             Event::Readable(LISTENER) => self.accept_all(reactor),
//!             Event::Readable(token) => self.read_some(reactor, token),
//!             Event::Writable(_) => {}
//!         }
//!     }
//!
//!     fn on_timer(&mut self, reactor: &mut Reactor, _timer: TimerId, _now: Instant) -> TimerNext {
//!         reactor.stop();
//!         TimerNext::Stop
//!     }
//! }
//!
//! fn main() -> io::Result<()> {
//!     let mut reactor = Reactor::new()?;
//!     let mut listener = TcpListener::bind("127.0.0.1:0".parse().expect("address"))?;
//!     reactor.register(&mut listener, LISTENER, Interest::READABLE)?;
//!
//!     let mut client = std::net::TcpStream::connect(listener.local_addr()?)?;
//!     client.write_all(b"hello, reactor")?;
//!     drop(client);
//!
//!     reactor.add_timer(Duration::from_secs(5));
//!     let mut sink = Sink { listener, conns: HashMap::new(), next_token: 1, received: Vec::new() };
//!     reactor.run(&mut sink)?;
//!     assert_eq!(sink.received, b"hello, reactor");
//!     Ok(())
//! }
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod event;
mod reactor;
mod timer;

pub use event::{Event, Handler};
pub use mio::event::Source;
pub use mio::{Interest, Token};
pub use reactor::Reactor;
pub use timer::{TimerId, TimerNext};
