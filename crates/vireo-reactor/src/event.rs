//! The callback side of the reactor: the [`Event`] a handler receives and the
//! [`Handler`] trait an application implements to receive file events, timer
//! expirations and the before/after-sleep hooks.

use std::time::Instant;

use mio::Token;

use crate::timer::{TimerId, TimerNext};
use crate::Reactor;

/// A file event: a registered source is ready in one direction.
///
/// This is the closed set of things the reactor reports about a source.
/// Errors and hang-ups have no variant of their own: they arrive as
/// [`Readable`](Event::Readable) (and as [`Writable`](Event::Writable) when
/// writable interest is registered), because the next read or write on the
/// source is what reports the condition, exactly as it would for a socket
/// that a blocking program reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// The source registered under this token may have data to read, or has
    /// reached end of file, or has a pending error.
    Readable(Token),
    /// The source registered under this token may accept writes.
    Writable(Token),
}

impl Event {
    /// The token of the source the event is about.
    pub fn token(self) -> Token {
        match self {
            Event::Readable(token) | Event::Writable(token) => token,
        }
    }

    /// Whether this is [`Event::Readable`].
    pub fn is_readable(self) -> bool {
        matches!(self, Event::Readable(_))
    }

    /// Whether this is [`Event::Writable`].
    pub fn is_writable(self) -> bool {
        matches!(self, Event::Writable(_))
    }
}

/// The application side of the loop.
///
/// Every callback receives the [`Reactor`] mutably, so a handler can register
/// and deregister sources, change interest, mark tokens pending, arm and
/// cancel timers, or [`stop`](Reactor::stop) the loop from inside any
/// callback. The reactor re-checks its own state after every callback, so
/// such changes take effect immediately for the rest of the iteration (see
/// the crate documentation for the exact rules).
pub trait Handler {
    /// A file event. `now` is the time read once after this iteration's wait.
    ///
    /// Sources are edge-triggered: this is called once per readiness change,
    /// not once per wait while the source stays ready. A handler that leaves
    /// data unread must call [`Reactor::mark_pending`] to hear about it again.
    fn on_event(&mut self, reactor: &mut Reactor, event: Event, now: Instant);

    /// A timer that came due. `now` is the iteration's clock reading, the
    /// same one file events of this iteration received.
    ///
    /// Return [`TimerNext::After`] to fire again that long after `now`, or
    /// [`TimerNext::Stop`] to end the timer.
    fn on_timer(&mut self, reactor: &mut Reactor, timer: TimerId, now: Instant) -> TimerNext;

    /// Called before each wait (Redis's `beforeSleep`). Default: nothing.
    ///
    /// This is the place for work that should be batched per iteration, such
    /// as flushing replies produced by this iteration's events. Anything it
    /// does to the reactor (a new timer, a pending mark, a stop) is taken into
    /// account when the wait's timeout is computed, which happens after it
    /// returns.
    fn before_sleep(&mut self, reactor: &mut Reactor) {
        let _ = reactor;
    }

    /// Called after each wait, before any event is handled. Default: nothing.
    ///
    /// `now` is the clock reading that the iteration's file events and timers
    /// will also receive. The set of events the iteration delivers was fixed
    /// when the wait returned; this hook can still suppress some of them by
    /// deregistering sources or dropping interest.
    fn after_sleep(&mut self, reactor: &mut Reactor, now: Instant) {
        let _ = (reactor, now);
    }
}
