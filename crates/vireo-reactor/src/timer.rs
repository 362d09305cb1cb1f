//! Time events: the [`TimerId`] handle, the [`TimerNext`] verdict a timer
//! handler returns, and the deadline-ordered queue the reactor keeps them in.
//!
//! The queue is a binary min-heap keyed by `(deadline, id)`. Cancellation is
//! lazy: cancelling only forgets the id in the live set, and the heap entry is
//! discarded when it reaches the top (or when the heap is compacted because
//! dead entries outnumber live ones). This keeps `cancel` O(1) without giving
//! up O(log n) scheduling.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::time::{Duration, Instant};

/// Identifies a timer created by [`Reactor::add_timer`](crate::Reactor::add_timer).
///
/// Ids are never reused by a reactor, so a stale id held after its timer
/// stopped or was cancelled can never name some other, newer timer:
/// [`Reactor::cancel_timer`](crate::Reactor::cancel_timer) on it simply
/// returns `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId(u64);

/// What a timer wants after its handler ran, returned from
/// [`Handler::on_timer`](crate::Handler::on_timer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerNext {
    /// Fire again this long after the `now` the handler was given.
    ///
    /// The delay is measured from the iteration's clock reading rather than
    /// from the moment the handler returns, so a periodic timer does not drift
    /// by its own handler's running time. A handler that runs longer than its
    /// period therefore finds its timer already due in the next iteration.
    After(Duration),
    /// Forget the timer; its id becomes stale.
    Stop,
}

/// How far ahead an unrepresentable deadline is clamped to. Thirty years is
/// "never" for a server process and still fits in every platform's `Instant`.
const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);

/// Below this many heap entries compaction is not worth its O(n) pass.
const COMPACT_MIN_LEN: usize = 64;

/// `base + delay`, clamped instead of panicking when the sum does not fit in
/// an `Instant` (a caller asking for `Duration::MAX` means "practically never").
pub(crate) fn deadline_after(base: Instant, delay: Duration) -> Instant {
    base.checked_add(delay)
        .or_else(|| base.checked_add(FAR_FUTURE))
        .unwrap_or(base)
}

/// A heap entry. `Reverse` turns std's max-heap into a min-heap; the id breaks
/// ties so that timers with equal deadlines fire in creation order.
type Entry = Reverse<(Instant, u64)>;

/// The timer queue.
///
/// Invariant: every live id has at most one entry in `heap`, and none while
/// its handler is running (the reactor pops it first and pushes it back only
/// if the handler asked to be rescheduled).
#[derive(Debug)]
pub(crate) struct Timers {
    heap: BinaryHeap<Entry>,
    live: HashSet<u64>,
    next_id: u64,
    /// Scratch space for due entries that must wait for the next iteration;
    /// kept across calls so collecting due timers does not allocate.
    deferred: Vec<Entry>,
}

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            heap: BinaryHeap::new(),
            live: HashSet::new(),
            next_id: 0,
            deferred: Vec::new(),
        }
    }

    /// Schedules a new timer at `deadline`.
    pub(crate) fn add(&mut self, deadline: Instant) -> TimerId {
        let id = self.next_id;
        self.next_id += 1;
        self.live.insert(id);
        self.heap.push(Reverse((deadline, id)));
        TimerId(id)
    }

    /// Forgets a timer. Returns whether it was live.
    pub(crate) fn cancel(&mut self, id: TimerId) -> bool {
        if !self.live.remove(&id.0) {
            return false;
        }
        // Lazy cancellation leaves the entry in the heap. A server that arms
        // and cancels many long timeouts would otherwise accumulate dead
        // entries until their far-away deadlines pass, so rebuild once they
        // are the majority; the amortised cost stays O(log n) per cancel.
        if self.heap.len() >= COMPACT_MIN_LEN && self.heap.len() > 2 * self.live.len() {
            let live = &self.live;
            self.heap.retain(|Reverse((_, id))| live.contains(id));
        }
        true
    }

    pub(crate) fn is_live(&self, id: TimerId) -> bool {
        self.live.contains(&id.0)
    }

    /// Number of live timers, including any whose handler is running.
    pub(crate) fn len(&self) -> usize {
        self.live.len()
    }

    /// The id the next `add` will hand out. Every timer created before this
    /// call has a smaller id, which is how an iteration tells the timers it
    /// may fire from the ones created while it was running.
    pub(crate) fn boundary(&self) -> u64 {
        self.next_id
    }

    /// The earliest deadline among live timers, discarding dead entries found
    /// on the way.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(&Reverse((deadline, id))) = self.heap.peek() {
            if self.live.contains(&id) {
                return Some(deadline);
            }
            self.heap.pop();
        }
        None
    }

    /// Moves every live timer due at `now` and created before `boundary` out
    /// of the heap into `out`, earliest deadline first, creation order among
    /// equal deadlines.
    pub(crate) fn take_due(&mut self, now: Instant, boundary: u64, out: &mut Vec<TimerId>) {
        while let Some(&Reverse((deadline, id))) = self.heap.peek() {
            if deadline > now {
                break;
            }
            let entry = self.heap.pop();
            if !self.live.contains(&id) {
                continue;
            }
            if id >= boundary {
                if let Some(entry) = entry {
                    self.deferred.push(entry);
                }
                continue;
            }
            out.push(TimerId(id));
        }
        for entry in self.deferred.drain(..) {
            self.heap.push(entry);
        }
    }

    /// Puts a timer whose handler just ran back in the queue, unless the
    /// handler (or anything it called) cancelled it meanwhile: a cancellation
    /// is the more recent decision and wins.
    pub(crate) fn reschedule(&mut self, id: TimerId, deadline: Instant) {
        if self.live.contains(&id.0) {
            self.heap.push(Reverse((deadline, id.0)));
        }
    }

    /// Forgets a timer whose handler returned [`TimerNext::Stop`].
    pub(crate) fn finish(&mut self, id: TimerId) {
        self.live.remove(&id.0);
    }

    #[cfg(test)]
    fn heap_len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(timers: &mut Timers, now: Instant) -> Vec<TimerId> {
        let mut out = Vec::new();
        let boundary = timers.boundary();
        timers.take_due(now, boundary, &mut out);
        out
    }

    #[test]
    fn equal_deadlines_fire_in_creation_order() {
        let base = Instant::now();
        let mut timers = Timers::new();
        let late = timers.add(base + Duration::from_millis(5));
        let a = timers.add(base);
        let b = timers.add(base);
        let c = timers.add(base);
        assert_eq!(due(&mut timers, base), vec![a, b, c]);
        assert_eq!(
            due(&mut timers, base + Duration::from_millis(5)),
            vec![late]
        );
    }

    #[test]
    fn cancelled_timers_are_skipped_and_not_waited_for() {
        let base = Instant::now();
        let mut timers = Timers::new();
        let first = timers.add(base);
        let second = timers.add(base + Duration::from_millis(1));
        assert!(timers.cancel(first));
        assert!(!timers.cancel(first));
        assert_eq!(
            timers.next_deadline(),
            Some(base + Duration::from_millis(1))
        );
        assert_eq!(
            due(&mut timers, base + Duration::from_secs(1)),
            vec![second]
        );
        assert_eq!(timers.len(), 1, "taking a timer out does not end it");
        timers.finish(second);
        assert_eq!(timers.len(), 0);
        assert_eq!(timers.next_deadline(), None);
    }

    #[test]
    fn timers_created_after_the_boundary_wait() {
        let base = Instant::now();
        let mut timers = Timers::new();
        let old = timers.add(base);
        let boundary = timers.boundary();
        let new = timers.add(base);
        let mut out = Vec::new();
        timers.take_due(base, boundary, &mut out);
        assert_eq!(out, vec![old]);
        assert_eq!(
            timers.next_deadline(),
            Some(base),
            "the new timer stays queued"
        );
        assert_eq!(due(&mut timers, base), vec![new]);
    }

    #[test]
    fn cancel_during_handling_beats_reschedule() {
        let base = Instant::now();
        let mut timers = Timers::new();
        let id = timers.add(base);
        assert_eq!(due(&mut timers, base), vec![id]);
        assert!(timers.cancel(id));
        timers.reschedule(id, base);
        assert_eq!(timers.next_deadline(), None);
    }

    #[test]
    fn mass_cancellation_compacts_the_heap() {
        let base = Instant::now();
        let mut timers = Timers::new();
        let ids: Vec<TimerId> = (0..1000)
            .map(|i| timers.add(base + Duration::from_secs(i)))
            .collect();
        for id in &ids[..990] {
            assert!(timers.cancel(*id));
        }
        assert_eq!(timers.len(), 10);
        assert!(
            timers.heap_len() < 100,
            "heap kept {} entries",
            timers.heap_len()
        );
        assert_eq!(
            timers.next_deadline(),
            Some(base + Duration::from_secs(990))
        );
    }

    #[test]
    fn huge_delays_do_not_overflow() {
        let base = Instant::now();
        assert!(deadline_after(base, Duration::MAX) > base);
    }
}
