//! Time events through the public API: ordering, rescheduling, stopping,
//! cancellation, the one-iteration delay for timers created while handling,
//! and the wait being bounded by the nearest timer.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::Recorder;
use vireo_reactor::{Reactor, TimerId, TimerNext};

const LONG: Option<Duration> = Some(Duration::from_secs(10));

/// Runs iterations (each bounded by the nearest timer) until `done` says so,
/// failing the test rather than hanging if that takes absurdly long.
fn run_until(reactor: &mut Reactor, rec: &mut Recorder, mut done: impl FnMut(&Recorder) -> bool) {
    let start = Instant::now();
    while !done(rec) {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "timers did not fire in time"
        );
        reactor.run_once(rec, None).expect("run_once");
    }
}

#[test]
fn timers_fire_in_deadline_order() {
    let mut reactor = Reactor::new().expect("reactor");
    let t30 = reactor.add_timer(Duration::from_millis(30));
    let t10 = reactor.add_timer(Duration::from_millis(10));
    let t20 = reactor.add_timer(Duration::from_millis(20));
    let mut rec = Recorder::new();
    run_until(&mut reactor, &mut rec, |rec| rec.timers().len() == 3);
    assert_eq!(rec.timers(), vec![t10, t20, t30]);
}

#[test]
fn due_timers_fire_in_creation_order_within_one_iteration() {
    let mut reactor = Reactor::new().expect("reactor");
    let ids: Vec<TimerId> = (0..5).map(|_| reactor.add_timer(Duration::ZERO)).collect();
    let mut rec = Recorder::new();
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 5);
    assert_eq!(rec.timers(), ids);
}

#[test]
fn a_timer_reschedules_until_it_stops() {
    let mut reactor = Reactor::new().expect("reactor");
    let id = reactor.add_timer(Duration::from_millis(1));
    let mut fired = 0;
    let mut rec = Recorder::new().on_timer(move |_, _| {
        fired += 1;
        if fired < 4 {
            TimerNext::After(Duration::from_millis(2))
        } else {
            TimerNext::Stop
        }
    });
    run_until(&mut reactor, &mut rec, |rec| rec.timers().len() == 4);
    assert_eq!(rec.timers(), vec![id; 4]);

    // Stopped: it never fires again and its id is stale.
    assert_eq!(
        reactor
            .run_once(&mut rec, Some(Duration::from_millis(20)))
            .expect("run_once"),
        0
    );
    assert!(!reactor.cancel_timer(id));
}

#[test]
fn rescheduled_deadlines_are_measured_from_the_iteration_clock() {
    let mut reactor = Reactor::new().expect("reactor");
    reactor.add_timer(Duration::ZERO);
    let mut rec = Recorder::new().on_timer(|_, _| TimerNext::After(Duration::from_millis(15)));
    reactor.run_once(&mut rec, LONG).expect("run_once");
    run_until(&mut reactor, &mut rec, |rec| rec.timers().len() == 2);
    let fired_at: Vec<Instant> = rec
        .log
        .iter()
        .filter_map(|call| match call {
            common::Call::Timer(_, now) => Some(*now),
            _ => None,
        })
        .collect();
    assert!(fired_at[1] - fired_at[0] >= Duration::from_millis(15));
}

#[test]
fn cancelled_timers_do_not_fire() {
    let mut reactor = Reactor::new().expect("reactor");
    let a = reactor.add_timer(Duration::ZERO);
    let b = reactor.add_timer(Duration::ZERO);
    assert!(reactor.cancel_timer(a));
    assert!(
        !reactor.cancel_timer(a),
        "cancelling twice reports the second as a no-op"
    );
    let mut rec = Recorder::new();
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert_eq!(rec.timers(), vec![b]);
}

#[test]
fn a_timer_cancelled_by_an_earlier_handler_in_the_same_iteration_does_not_fire() {
    let mut reactor = Reactor::new().expect("reactor");
    let a = reactor.add_timer(Duration::ZERO);
    let b = reactor.add_timer(Duration::ZERO);
    let mut rec = Recorder::new().on_timer(move |reactor, id| {
        if id == a {
            assert!(reactor.cancel_timer(b));
        }
        TimerNext::Stop
    });
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert_eq!(rec.timers(), vec![a]);
}

#[test]
fn a_timer_cancelling_itself_is_not_rescheduled() {
    let mut reactor = Reactor::new().expect("reactor");
    let id = reactor.add_timer(Duration::ZERO);
    let mut rec = Recorder::new().on_timer(|reactor, id| {
        assert!(reactor.cancel_timer(id));
        TimerNext::After(Duration::ZERO)
    });
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert_eq!(
        reactor
            .run_once(&mut rec, Some(Duration::from_millis(10)))
            .expect("run_once"),
        0
    );
    assert_eq!(rec.timers(), vec![id]);
}

#[test]
fn timers_created_while_handling_wait_for_the_next_iteration() {
    let mut reactor = Reactor::new().expect("reactor");
    let first = reactor.add_timer(Duration::ZERO);
    let created = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&created);
    let mut rec = Recorder::new().on_timer(move |reactor, id| {
        if id == first {
            sink.borrow_mut().push(reactor.add_timer(Duration::ZERO));
        }
        TimerNext::Stop
    });
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert_eq!(rec.timers(), vec![first]);
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    let second = created.borrow()[0];
    assert_eq!(rec.timers(), vec![first, second]);
}

#[test]
fn a_zero_period_timer_fires_once_per_iteration() {
    let mut reactor = Reactor::new().expect("reactor");
    let id = reactor.add_timer(Duration::ZERO);
    let mut rec = Recorder::new().on_timer(|_, _| TimerNext::After(Duration::ZERO));
    for round in 1..=3 {
        assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
        assert_eq!(rec.timers(), vec![id; round]);
    }
}

#[test]
fn timers_added_from_before_sleep_fire_in_that_iteration() {
    let mut reactor = Reactor::new().expect("reactor");
    let mut armed = false;
    let mut rec = Recorder::new().on_before(move |reactor| {
        if !armed {
            armed = true;
            reactor.add_timer(Duration::ZERO);
        }
    });
    let start = Instant::now();
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "the new timer must bound the wait"
    );
}

#[test]
fn the_wait_is_bounded_by_the_nearest_timer() {
    let mut reactor = Reactor::new().expect("reactor");
    let start = Instant::now();
    let id = reactor.add_timer(Duration::from_millis(20));
    // Also a far timer, which must not be what the wait is bounded by.
    reactor.add_timer(Duration::from_secs(60));
    let mut rec = Recorder::new();
    // No max_wait: only the timer can end these waits. One wait normally
    // suffices; a few are allowed in case the OS wakes the thread early.
    for _ in 0..5 {
        if !rec.timers().is_empty() {
            break;
        }
        reactor.run_once(&mut rec, None).expect("run_once");
    }
    assert_eq!(rec.timers(), vec![id]);
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(20),
        "fired early: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(2), "fired late: {elapsed:?}");
}
