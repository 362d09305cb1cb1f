//! Shared test harness: a [`Recorder`] handler that logs every callback in
//! order and delegates decisions to closures each test supplies, so tests can
//! assert on the exact sequence the reactor produced.

#![allow(dead_code)] // each test binary uses a different subset

use std::time::Instant;

use vireo_reactor::{Event, Handler, Reactor, TimerId, TimerNext};

/// One callback, as the reactor made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Before,
    After(Instant),
    Event(Event, Instant),
    Timer(TimerId, Instant),
}

type OnEvent = Box<dyn FnMut(&mut Reactor, Event)>;
type OnTimer = Box<dyn FnMut(&mut Reactor, TimerId) -> TimerNext>;
type OnBefore = Box<dyn FnMut(&mut Reactor)>;

pub struct Recorder {
    pub log: Vec<Call>,
    pub on_event: OnEvent,
    pub on_timer: OnTimer,
    pub on_before: OnBefore,
}

impl Recorder {
    /// Records everything, does nothing, stops every timer.
    pub fn new() -> Recorder {
        Recorder {
            log: Vec::new(),
            on_event: Box::new(|_, _| {}),
            on_timer: Box::new(|_, _| TimerNext::Stop),
            on_before: Box::new(|_| {}),
        }
    }

    pub fn on_event(mut self, f: impl FnMut(&mut Reactor, Event) + 'static) -> Recorder {
        self.on_event = Box::new(f);
        self
    }

    pub fn on_timer(
        mut self,
        f: impl FnMut(&mut Reactor, TimerId) -> TimerNext + 'static,
    ) -> Recorder {
        self.on_timer = Box::new(f);
        self
    }

    pub fn on_before(mut self, f: impl FnMut(&mut Reactor) + 'static) -> Recorder {
        self.on_before = Box::new(f);
        self
    }

    /// The file events logged so far, without timestamps.
    pub fn events(&self) -> Vec<Event> {
        self.log
            .iter()
            .filter_map(|call| match call {
                Call::Event(event, _) => Some(*event),
                _ => None,
            })
            .collect()
    }

    /// The timers fired so far, in firing order.
    pub fn timers(&self) -> Vec<TimerId> {
        self.log
            .iter()
            .filter_map(|call| match call {
                Call::Timer(id, _) => Some(*id),
                _ => None,
            })
            .collect()
    }

    pub fn clear(&mut self) {
        self.log.clear();
    }
}

impl Handler for Recorder {
    fn on_event(&mut self, reactor: &mut Reactor, event: Event, now: Instant) {
        self.log.push(Call::Event(event, now));
        (self.on_event)(reactor, event);
    }

    fn on_timer(&mut self, reactor: &mut Reactor, timer: TimerId, now: Instant) -> TimerNext {
        self.log.push(Call::Timer(timer, now));
        (self.on_timer)(reactor, timer)
    }

    fn before_sleep(&mut self, reactor: &mut Reactor) {
        self.log.push(Call::Before);
        (self.on_before)(reactor);
    }

    fn after_sleep(&mut self, _reactor: &mut Reactor, now: Instant) {
        self.log.push(Call::After(now));
    }
}
