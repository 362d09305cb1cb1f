//! The [`Reactor`]: registration bookkeeping on top of `mio::Poll`, the
//! pending (level-triggered on demand) set, and the iteration itself —
//! before-sleep, wait, after-sleep, file events, timers.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::mem;
use std::time::{Duration, Instant};

use mio::event::Source;
use mio::{Events, Interest, Poll, Token};

use crate::event::{Event, Handler};
use crate::timer::{deadline_after, TimerId, TimerNext, Timers};

/// Size of the OS event buffer used by [`Reactor::new`].
const DEFAULT_EVENTS: usize = 1024;

/// Readiness bits. A private pair of flags rather than `mio::Interest`
/// because `Interest` cannot be empty, and "nothing yet" is a state both the
/// pending marks and the per-iteration batch need.
const READ: u8 = 0b01;
const WRITE: u8 = 0b10;

/// What the reactor knows about one registered token.
#[derive(Debug)]
struct Slot {
    interest: Interest,
    /// Distinguishes this registration from earlier ones under the same
    /// token, so readiness the OS reported for a source that has since been
    /// deregistered is never handed to a new source that took its token.
    serial: u64,
    /// `READ`/`WRITE` marks set by `mark_pending` and not yet delivered.
    pending: u8,
    /// Whether this token sits in `Reactor::pending` since that list was
    /// last drained. Tracked separately from `pending` because marks are
    /// cleared on delivery, not on collection: a mark added to a token that
    /// was already collected (but whose bits are not all delivered yet) must
    /// still put the token back on the list, or it would never be seen again.
    listed: bool,
    /// The iteration in which this token last entered the ready list, and its
    /// index there: lets readiness for one token arriving in several OS
    /// events (kqueue reports each direction separately) or from both the OS
    /// and a pending mark collapse into one entry, in O(1).
    ready_iteration: u64,
    ready_index: usize,
}

/// One token's readiness for the current iteration.
#[derive(Debug, Clone, Copy)]
struct Ready {
    token: Token,
    serial: u64,
    flags: u8,
}

/// A single-threaded event loop over `mio`, modelled on Redis's `ae`.
///
/// See the [crate documentation](crate) for the contract: how edge-triggered
/// readiness, pending marks, ordering, timers and the sleep hooks interact.
pub struct Reactor {
    poll: Poll,
    events: Events,
    slots: HashMap<Token, Slot>,
    next_serial: u64,
    /// Tokens marked pending since the list was last drained. May hold
    /// tokens since deregistered or already delivered, and a token twice if
    /// it was registered again; the slots' bits tell.
    pending: Vec<Token>,
    /// Number of slots with non-empty `pending` bits: decides whether the
    /// next wait may block.
    pending_live: usize,
    /// Reused per-iteration buffers, so a steady-state iteration allocates
    /// nothing.
    ready: Vec<Ready>,
    due: Vec<TimerId>,
    timers: Timers,
    iteration: u64,
    stopped: bool,
}

impl Reactor {
    /// Creates a reactor with room for 1024 OS events per wait.
    ///
    /// # Errors
    ///
    /// Fails if the OS selector (epoll, kqueue, …) cannot be created, for
    /// example because the process is out of file descriptors.
    pub fn new() -> io::Result<Reactor> {
        Reactor::with_capacity(DEFAULT_EVENTS)
    }

    /// Creates a reactor whose OS event buffer holds `events` events.
    ///
    /// The buffer bounds how many OS events one wait can return, not how many
    /// sources can be registered: readiness that does not fit is returned by
    /// the next wait. A capacity of zero is raised to one, since a wait that
    /// can report nothing could never make progress.
    ///
    /// # Errors
    ///
    /// As for [`Reactor::new`].
    pub fn with_capacity(events: usize) -> io::Result<Reactor> {
        let events = events.max(1);
        Ok(Reactor {
            poll: Poll::new()?,
            events: Events::with_capacity(events),
            slots: HashMap::new(),
            next_serial: 0,
            pending: Vec::new(),
            pending_live: 0,
            ready: Vec::with_capacity(events),
            due: Vec::new(),
            timers: Timers::new(),
            iteration: 0,
            stopped: false,
        })
    }

    /// Registers `source` under `token` for `interest`.
    ///
    /// Readiness is edge-triggered (see the crate documentation). A token
    /// names one source at a time; it becomes free again when the source is
    /// deregistered.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::AlreadyExists`] if `token` is already registered with
    /// this reactor (nothing is changed), or whatever the OS reports for the
    /// registration.
    pub fn register<S: Source + ?Sized>(
        &mut self,
        source: &mut S,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        if self.slots.contains_key(&token) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "token is already registered with this reactor",
            ));
        }
        self.poll.registry().register(source, token, interest)?;
        let serial = self.next_serial;
        self.next_serial += 1;
        self.slots.insert(
            token,
            Slot {
                interest,
                serial,
                pending: 0,
                listed: false,
                ready_iteration: 0,
                ready_index: 0,
            },
        );
        Ok(())
    }

    /// Replaces the interest of the source registered under `token`.
    ///
    /// `token` must be the token `source` is registered under; a source
    /// cannot be moved to another token this way (deregister it and register
    /// it again instead). Readiness already collected for this iteration is
    /// still delivered if the new interest includes it, and is dropped if it
    /// does not. Pending marks are kept.
    ///
    /// Because sources are edge-triggered, adding writable interest to a
    /// socket that is already writable reports it writable in a following
    /// iteration: the OS re-evaluates readiness on every change of interest.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::NotFound`] if `token` is not registered with this
    /// reactor, or whatever the OS reports; on error the recorded interest is
    /// unchanged.
    pub fn reregister<S: Source + ?Sized>(
        &mut self,
        source: &mut S,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        let Some(slot) = self.slots.get_mut(&token) else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "token is not registered with this reactor",
            ));
        };
        self.poll.registry().reregister(source, token, interest)?;
        slot.interest = interest;
        Ok(())
    }

    /// Deregisters `source`, which must be registered under `token`.
    ///
    /// From this call on the reactor delivers nothing more for `token`: not
    /// readiness already collected for this iteration, not pending marks.
    /// The token is free for a new registration immediately, and a source
    /// registered under it later in the same iteration is treated as new,
    /// receiving only readiness reported for it.
    ///
    /// Deregister a source before dropping it; dropping a registered source
    /// leaves its token taken in the reactor.
    ///
    /// # Errors
    ///
    /// Whatever the OS reports. The reactor forgets the token even then, so
    /// that a failure cannot leave events flowing to a handler that believes
    /// the source is gone; any readiness the OS still reports for it is
    /// ignored.
    pub fn deregister<S: Source + ?Sized>(
        &mut self,
        source: &mut S,
        token: Token,
    ) -> io::Result<()> {
        let result = self.poll.registry().deregister(source);
        if let Some(slot) = self.slots.remove(&token) {
            if slot.pending != 0 {
                self.pending_live -= 1;
            }
        }
        result
    }

    /// The interest registered under `token` now, or `None` if the token is
    /// not registered.
    pub fn interest(&self, token: Token) -> Option<Interest> {
        self.slots.get(&token).map(|slot| slot.interest)
    }

    /// Level-triggering on demand.
    ///
    /// mio is edge-triggered, so a handler that stops reading before the
    /// socket is drained (for fairness: reading at most N bytes per event, as
    /// Redis does) marks the token; the reactor then delivers `Readable` (or
    /// `Writable`, following the kind of `event`) for it again in the next
    /// iteration, without blocking in the wait. The mark is cleared when the
    /// event is delivered or when the token is deregistered.
    ///
    /// Only the kind of `event` is used; the token it carries is ignored in
    /// favour of `token`. Marks on a token that is not registered are ignored.
    /// A mark is delivered only if the interest registered at delivery time
    /// includes it, and is dropped otherwise. Marking an already marked token
    /// again has no further effect: the event is delivered once.
    pub fn mark_pending(&mut self, token: Token, event: Event) {
        let Some(slot) = self.slots.get_mut(&token) else {
            return;
        };
        let bit = match event {
            Event::Readable(_) => READ,
            Event::Writable(_) => WRITE,
        };
        if slot.pending == 0 {
            self.pending_live += 1;
        }
        slot.pending |= bit;
        if !slot.listed {
            slot.listed = true;
            self.pending.push(token);
        }
    }

    /// Arms a timer that comes due `delay` from now.
    ///
    /// It fires in an iteration whose clock reading is at or past the
    /// deadline, and never in the iteration that is running when it is added
    /// (a timer added from [`Handler::before_sleep`] belongs to the iteration
    /// that is about to wait, so it can fire in it). Timers due at the same
    /// instant fire in creation order.
    pub fn add_timer(&mut self, delay: Duration) -> TimerId {
        self.timers.add(deadline_after(Instant::now(), delay))
    }

    /// Cancels a timer. Returns `true` if it was armed, `false` if it had
    /// already stopped or been cancelled.
    ///
    /// A cancelled timer does not fire, even if it is due in the iteration
    /// that is running. A timer may cancel itself from its own handler; the
    /// cancellation then wins over the handler's [`TimerNext::After`].
    pub fn cancel_timer(&mut self, id: TimerId) -> bool {
        self.timers.cancel(id)
    }

    /// Makes [`run`](Reactor::run) return after the current iteration.
    ///
    /// While the stop flag is set, waits do not block, so an iteration whose
    /// `before_sleep` asks to stop ends promptly instead of sleeping until
    /// some event arrives.
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Whether [`stop`](Reactor::stop) was called since `run` last started.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Runs one iteration and returns the number of events and timers
    /// handled.
    ///
    /// In order: [`Handler::before_sleep`]; the wait, bounded by `max_wait`
    /// if given, by the nearest timer, and zero if any token is marked
    /// pending or the reactor is stopped (with none of these it blocks until
    /// an OS event arrives); the clock is read once; [`Handler::after_sleep`]
    /// with that reading; file events, `Readable` before `Writable` for each
    /// token, skipping events for tokens deregistered or whose interest no
    /// longer includes them; then the timers that were due at the reading.
    ///
    /// A wait interrupted by a signal (`EINTR`) counts as a wait that
    /// returned no OS events: the iteration continues with the hooks, pending
    /// marks and timers, and is not an error.
    ///
    /// # Errors
    ///
    /// Any other failure of the wait. `before_sleep` has then been called,
    /// `after_sleep` has not, and nothing was delivered.
    pub fn run_once<H: Handler>(
        &mut self,
        handler: &mut H,
        max_wait: Option<Duration>,
    ) -> io::Result<usize> {
        handler.before_sleep(self);

        let timeout = self.wait_timeout(max_wait);
        let polled = match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => true,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => false,
            Err(err) => return Err(err),
        };
        let now = Instant::now();
        // Timers created from here on belong to later iterations.
        let timer_boundary = self.timers.boundary();
        self.iteration += 1;
        self.collect_ready(polled);

        handler.after_sleep(self, now);

        let mut handled = self.dispatch_file_events(handler, now);
        handled += self.dispatch_timers(handler, now, timer_boundary);
        Ok(handled)
    }

    /// Runs iterations until [`stop`](Reactor::stop) is called.
    ///
    /// Clears the stop flag first, so a reactor can be run again after it
    /// stopped. Iterations never time out on their own: with no timers and no
    /// sources, this blocks forever.
    ///
    /// # Errors
    ///
    /// The first error [`run_once`](Reactor::run_once) returns. Signals
    /// interrupting the wait are not errors.
    pub fn run<H: Handler>(&mut self, handler: &mut H) -> io::Result<()> {
        self.stopped = false;
        while !self.stopped {
            self.run_once(handler, None)?;
        }
        Ok(())
    }

    /// The timeout for this iteration's wait; `None` blocks indefinitely.
    fn wait_timeout(&mut self, max_wait: Option<Duration>) -> Option<Duration> {
        if self.stopped || self.pending_live > 0 {
            return Some(Duration::ZERO);
        }
        // Computed from a fresh clock reading: the previous iteration's `now`
        // is stale by however long its handlers and before_sleep ran.
        let until_timer = self
            .timers
            .next_deadline()
            .map(|deadline| deadline.saturating_duration_since(Instant::now()));
        match (until_timer, max_wait) {
            (Some(timer), Some(max)) => Some(timer.min(max)),
            (timer, max) => timer.or(max),
        }
    }

    /// Fixes the set of file events this iteration will consider: the OS
    /// batch first, in the order the OS reported it, then tokens marked
    /// pending that the OS did not report.
    fn collect_ready(&mut self, polled: bool) {
        self.ready.clear();
        let iteration = self.iteration;
        if polled {
            for ev in self.events.iter() {
                let mut flags = 0;
                if ev.is_readable() || ev.is_read_closed() {
                    flags |= READ;
                }
                if ev.is_writable() {
                    flags |= WRITE;
                }
                // An error or a closed write side is reported in both
                // directions, as Redis does for EPOLLERR/EPOLLHUP. Readable
                // comes first, so a reading handler sees EOF or the error and
                // can close; the Writable half ensures a source registered
                // for writing alone still learns of it, instead of waiting
                // for an edge that will never come.
                if ev.is_error() || ev.is_write_closed() {
                    flags |= READ | WRITE;
                }
                if flags == 0 {
                    continue;
                }
                // Readiness for a token nobody holds is from a source
                // deregistered after the OS queued it.
                if let Some(slot) = self.slots.get_mut(&ev.token()) {
                    merge_ready(&mut self.ready, iteration, ev.token(), slot, flags);
                }
            }
        }
        for token in self.pending.drain(..) {
            // The list can name tokens deregistered since they were marked,
            // or whose marks were already delivered; their bits are empty.
            if let Some(slot) = self.slots.get_mut(&token) {
                slot.listed = false;
                if slot.pending != 0 {
                    let flags = slot.pending;
                    merge_ready(&mut self.ready, iteration, token, slot, flags);
                }
            }
        }
    }

    /// Delivers this iteration's file events and returns how many were
    /// delivered.
    fn dispatch_file_events<H: Handler>(&mut self, handler: &mut H, now: Instant) -> usize {
        // Taken out of `self` for the duration so handlers get a `&mut
        // Reactor` while we walk it; a handler that runs a nested iteration
        // then works with a fresh, empty list instead of this one.
        let mut ready = mem::take(&mut self.ready);
        let mut handled = 0;
        for entry in &ready {
            if entry.flags & READ != 0 && self.claim(entry, READ) {
                handler.on_event(self, Event::Readable(entry.token), now);
                handled += 1;
            }
            // Re-checked after the readable handler: it may have deregistered
            // the source, dropped writable interest, or handed the token to a
            // different source.
            if entry.flags & WRITE != 0 && self.claim(entry, WRITE) {
                handler.on_event(self, Event::Writable(entry.token), now);
                handled += 1;
            }
        }
        ready.clear();
        self.ready = ready;
        handled
    }

    /// Decides whether `bit` of `entry` may still be delivered, and if so
    /// clears the matching pending mark: the delivery satisfies it. Marks set
    /// by the handler during the delivery survive, since they are set after
    /// this.
    fn claim(&mut self, entry: &Ready, bit: u8) -> bool {
        let Some(slot) = self.slots.get_mut(&entry.token) else {
            return false;
        };
        if slot.serial != entry.serial {
            return false;
        }
        let wanted = if bit == READ {
            slot.interest.is_readable()
        } else {
            slot.interest.is_writable()
        };
        if slot.pending & bit != 0 {
            slot.pending &= !bit;
            if slot.pending == 0 {
                self.pending_live -= 1;
            }
        }
        wanted
    }

    /// Fires the timers that were due at `now` and created before
    /// `boundary`; returns how many fired.
    fn dispatch_timers<H: Handler>(
        &mut self,
        handler: &mut H,
        now: Instant,
        boundary: u64,
    ) -> usize {
        let mut due = mem::take(&mut self.due);
        due.clear();
        self.timers.take_due(now, boundary, &mut due);
        let mut handled = 0;
        for &id in &due {
            // An earlier timer's handler may have cancelled this one.
            if !self.timers.is_live(id) {
                continue;
            }
            let next = handler.on_timer(self, id, now);
            handled += 1;
            match next {
                TimerNext::After(delay) => self.timers.reschedule(id, deadline_after(now, delay)),
                TimerNext::Stop => self.timers.finish(id),
            }
        }
        due.clear();
        self.due = due;
        handled
    }
}

/// Adds `flags` for `token` to the ready list, merging with the entry the
/// token already has in this iteration.
fn merge_ready(ready: &mut Vec<Ready>, iteration: u64, token: Token, slot: &mut Slot, flags: u8) {
    if slot.ready_iteration == iteration {
        if let Some(entry) = ready.get_mut(slot.ready_index) {
            entry.flags |= flags;
            return;
        }
    }
    slot.ready_iteration = iteration;
    slot.ready_index = ready.len();
    ready.push(Ready {
        token,
        serial: slot.serial,
        flags,
    });
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("registered", &self.slots.len())
            .field("pending", &self.pending_live)
            .field("timers", &self.timers.len())
            .field("iteration", &self.iteration)
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    use mio::net::UnixStream;

    #[test]
    fn nothing_armed_means_an_unbounded_wait() {
        let mut reactor = Reactor::new().expect("reactor");
        assert_eq!(reactor.wait_timeout(None), None);
        assert_eq!(
            reactor.wait_timeout(Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
    }

    #[test]
    fn the_nearest_timer_bounds_the_wait() {
        let mut reactor = Reactor::new().expect("reactor");
        let near = reactor.add_timer(Duration::from_millis(5));
        reactor.add_timer(Duration::from_secs(60));
        let timeout = reactor.wait_timeout(None).expect("bounded");
        assert!(timeout <= Duration::from_millis(5));
        assert!(reactor.cancel_timer(near));
        let timeout = reactor.wait_timeout(None).expect("bounded");
        assert!(timeout > Duration::from_secs(50));
        assert_eq!(
            reactor.wait_timeout(Some(Duration::from_millis(1))),
            Some(Duration::from_millis(1))
        );
    }

    #[test]
    fn stop_makes_the_wait_zero() {
        let mut reactor = Reactor::new().expect("reactor");
        reactor.stop();
        assert!(reactor.is_stopped());
        assert_eq!(reactor.wait_timeout(None), Some(Duration::ZERO));
    }

    #[cfg(unix)]
    #[test]
    fn registration_bookkeeping() {
        let mut reactor = Reactor::new().expect("reactor");
        let (mut a, mut b) = UnixStream::pair().expect("pair");
        let token = Token(7);
        assert_eq!(reactor.interest(token), None);
        reactor
            .register(&mut a, token, Interest::READABLE)
            .expect("register");
        assert_eq!(reactor.interest(token), Some(Interest::READABLE));

        let err = reactor
            .register(&mut b, token, Interest::READABLE)
            .expect_err("token is taken");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);

        let err = reactor
            .reregister(&mut b, Token(8), Interest::WRITABLE)
            .expect_err("token unknown");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);

        let both = Interest::READABLE | Interest::WRITABLE;
        reactor.reregister(&mut a, token, both).expect("reregister");
        assert_eq!(reactor.interest(token), Some(both));

        reactor.deregister(&mut a, token).expect("deregister");
        assert_eq!(reactor.interest(token), None);
        reactor
            .register(&mut b, token, Interest::WRITABLE)
            .expect("token free again");
        reactor.deregister(&mut b, token).expect("deregister");
    }

    #[cfg(unix)]
    #[test]
    fn pending_marks_count_once_and_die_with_the_token() {
        let mut reactor = Reactor::new().expect("reactor");
        let (mut a, _b) = UnixStream::pair().expect("pair");
        let token = Token(1);

        reactor.mark_pending(token, Event::Readable(token));
        assert_eq!(reactor.pending_live, 0, "unregistered tokens are ignored");

        reactor
            .register(&mut a, token, Interest::READABLE)
            .expect("register");
        reactor.mark_pending(token, Event::Readable(token));
        reactor.mark_pending(token, Event::Readable(token));
        reactor.mark_pending(token, Event::Writable(token));
        assert_eq!(reactor.pending_live, 1);
        assert_eq!(reactor.pending.len(), 1);
        assert_eq!(reactor.wait_timeout(None), Some(Duration::ZERO));

        reactor.deregister(&mut a, token).expect("deregister");
        assert_eq!(reactor.pending_live, 0);
        assert_eq!(reactor.wait_timeout(None), None);

        // A new registration under the same token starts without marks.
        reactor
            .register(&mut a, token, Interest::READABLE)
            .expect("register");
        assert_eq!(reactor.wait_timeout(None), None);
    }

    #[test]
    fn zero_capacity_is_raised() {
        let reactor = Reactor::with_capacity(0).expect("reactor");
        assert!(reactor.events.capacity() >= 1);
    }
}
