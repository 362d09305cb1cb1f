//! The shape of an iteration and of `run`: hook order, the single clock
//! reading per iteration, stopping, and nested iterations.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::{Call, Recorder};
use vireo_reactor::{Event, Handler, Interest, Reactor, TimerId, TimerNext, Token};

#[cfg(unix)]
use mio::net::UnixStream;
#[cfg(unix)]
use std::io::Write;

const LONG: Option<Duration> = Some(Duration::from_secs(10));

/// The log with timestamps erased, for comparing shapes.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Before,
    After,
    Event(Event),
    Timer(TimerId),
}

fn steps(rec: &Recorder) -> Vec<Step> {
    rec.log
        .iter()
        .map(|call| match *call {
            Call::Before => Step::Before,
            Call::After(_) => Step::After,
            Call::Event(event, _) => Step::Event(event),
            Call::Timer(id, _) => Step::Timer(id),
        })
        .collect()
}

#[test]
fn sleep_hooks_run_once_per_iteration_in_order() {
    let mut reactor = Reactor::new().expect("reactor");
    let mut rec = Recorder::new();
    for _ in 0..3 {
        assert_eq!(
            reactor
                .run_once(&mut rec, Some(Duration::from_millis(1)))
                .expect("run_once"),
            0
        );
    }
    use Step::{After, Before};
    assert_eq!(
        steps(&rec),
        vec![Before, After, Before, After, Before, After]
    );
}

#[cfg(unix)]
#[test]
fn one_iteration_is_before_wait_after_events_timers_with_one_clock_reading() {
    let mut reactor = Reactor::new().expect("reactor");
    let (mut a, mut b) = UnixStream::pair().expect("socket pair");
    b.write_all(b"x").expect("write");
    let t = Token(3);
    reactor
        .register(&mut a, t, Interest::READABLE)
        .expect("register");
    let id = reactor.add_timer(Duration::ZERO);

    let mut rec = Recorder::new();
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 2);
    assert_eq!(
        steps(&rec),
        vec![
            Step::Before,
            Step::After,
            Step::Event(Event::Readable(t)),
            Step::Timer(id)
        ]
    );
    let nows: Vec<Instant> = rec
        .log
        .iter()
        .filter_map(|call| match *call {
            Call::After(now) | Call::Event(_, now) | Call::Timer(_, now) => Some(now),
            Call::Before => None,
        })
        .collect();
    assert_eq!(nows.len(), 3);
    assert!(
        nows.iter().all(|&now| now == nows[0]),
        "one clock reading per iteration"
    );
}

#[test]
fn stop_from_a_timer_ends_run() {
    let mut reactor = Reactor::new().expect("reactor");
    let mut fired = 0;
    let mut rec = Recorder::new().on_timer(move |reactor, _| {
        fired += 1;
        if fired == 3 {
            reactor.stop();
        }
        TimerNext::After(Duration::from_millis(1))
    });
    reactor.add_timer(Duration::from_millis(1));
    reactor.run(&mut rec).expect("run");
    assert_eq!(rec.timers().len(), 3);
    assert!(reactor.is_stopped());
}

#[test]
fn stop_from_before_sleep_does_not_block_the_wait() {
    let mut reactor = Reactor::new().expect("reactor");
    // A safety net so a regression fails instead of hanging.
    let safety = reactor.add_timer(Duration::from_secs(3));
    let mut calls = 0;
    let mut rec = Recorder::new()
        .on_before(move |reactor| {
            calls += 1;
            if calls == 2 {
                reactor.stop();
            }
        })
        .on_timer(|reactor, _| {
            reactor.stop();
            TimerNext::Stop
        });
    // The first iteration must end on its own; give it a short bound.
    reactor
        .run_once(&mut rec, Some(Duration::from_millis(5)))
        .expect("run_once");
    let start = Instant::now();
    // The second before_sleep call stops the loop; with nothing armed but
    // the far safety timer, only the stop can keep that wait short.
    reactor.run(&mut rec).expect("run");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(!rec.timers().contains(&safety));
    assert_eq!(
        steps(&rec).iter().filter(|s| **s == Step::Before).count(),
        2
    );
}

#[test]
fn run_clears_an_earlier_stop() {
    let mut reactor = Reactor::new().expect("reactor");
    reactor.stop();
    reactor.add_timer(Duration::ZERO);
    let mut rec = Recorder::new().on_timer(|reactor, _| {
        reactor.stop();
        TimerNext::Stop
    });
    reactor.run(&mut rec).expect("run");
    assert_eq!(
        rec.timers().len(),
        1,
        "run must not return before its first iteration"
    );
}

/// A handler that runs a nested iteration from inside a timer, the way a
/// server keeps serving events during a long blocking operation.
struct Nesting {
    inner: Recorder,
    outer_fired: Vec<TimerId>,
}

impl Handler for Nesting {
    fn on_event(&mut self, _reactor: &mut Reactor, _event: Event, _now: Instant) {}

    fn on_timer(&mut self, reactor: &mut Reactor, timer: TimerId, _now: Instant) -> TimerNext {
        self.outer_fired.push(timer);
        if self.outer_fired.len() == 1 {
            reactor.add_timer(Duration::ZERO);
            let handled = reactor
                .run_once(&mut self.inner, Some(Duration::from_secs(1)))
                .expect("nested run_once");
            assert_eq!(handled, 1);
        }
        TimerNext::Stop
    }
}

#[test]
fn iterations_can_nest() {
    let mut reactor = Reactor::new().expect("reactor");
    let first = reactor.add_timer(Duration::ZERO);
    let second = reactor.add_timer(Duration::ZERO);
    let mut outer = Nesting {
        inner: Recorder::new(),
        outer_fired: Vec::new(),
    };
    assert_eq!(reactor.run_once(&mut outer, LONG).expect("run_once"), 2);
    // The outer iteration had already taken both of its due timers; the
    // nested one fired only the timer created inside it.
    assert_eq!(outer.outer_fired, vec![first, second]);
    assert_eq!(outer.inner.timers().len(), 1);
    assert!(!outer.inner.timers().contains(&first));
    assert!(!outer.inner.timers().contains(&second));
}

#[test]
fn run_once_counts_events_and_timers() {
    let mut reactor = Reactor::new().expect("reactor");
    let counted = Rc::new(Cell::new(0));
    let c = Rc::clone(&counted);
    let mut rec = Recorder::new().on_timer(move |_, _| {
        c.set(c.get() + 1);
        TimerNext::Stop
    });
    reactor.add_timer(Duration::ZERO);
    reactor.add_timer(Duration::ZERO);
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 2);
    assert_eq!(counted.get(), 2);
}
