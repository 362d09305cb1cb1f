//! File-event delivery over real loopback sockets: ordering within a token,
//! the skip rules for sources changed mid-iteration, pending marks, and
//! hang-ups.

mod common;

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::Recorder;
use mio::net::{TcpListener, TcpStream};
use vireo_reactor::{Event, Interest, Reactor, Token};

#[cfg(unix)]
use mio::net::UnixStream;

const T: Token = Token(1);
const LONG: Option<Duration> = Some(Duration::from_secs(10));
const SHORT: Option<Duration> = Some(Duration::from_millis(20));

fn both() -> Interest {
    Interest::READABLE | Interest::WRITABLE
}

/// A connected pair whose first end already has `data` to read, so the first
/// wait after registering it reports it readable and writable at once.
#[cfg(unix)]
fn pair_with_data(data: &[u8]) -> (UnixStream, UnixStream) {
    let (a, mut b) = UnixStream::pair().expect("socket pair");
    b.write_all(data).expect("write to peer");
    (a, b)
}

#[cfg(unix)]
#[test]
fn readable_is_delivered_before_writable() {
    let mut reactor = Reactor::new().expect("reactor");
    let (mut a, _b) = pair_with_data(b"x");
    reactor.register(&mut a, T, both()).expect("register");

    let mut rec = Recorder::new();
    let handled = reactor.run_once(&mut rec, LONG).expect("run_once");
    assert_eq!(handled, 2);
    assert_eq!(rec.events(), vec![Event::Readable(T), Event::Writable(T)]);
}

#[cfg(unix)]
#[test]
fn writable_is_skipped_after_deregistration_in_the_readable_handler() {
    let mut reactor = Reactor::new().expect("reactor");
    let (a, _b) = pair_with_data(b"x");
    let a = Rc::new(RefCell::new(a));
    reactor
        .register(&mut *a.borrow_mut(), T, both())
        .expect("register");

    let source = Rc::clone(&a);
    let mut rec = Recorder::new().on_event(move |reactor, event| {
        if event == Event::Readable(T) {
            reactor
                .deregister(&mut *source.borrow_mut(), T)
                .expect("deregister");
        }
    });
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert_eq!(rec.events(), vec![Event::Readable(T)]);
    assert_eq!(reactor.interest(T), None);

    // Nothing is delivered for the token afterwards either.
    rec.clear();
    assert_eq!(reactor.run_once(&mut rec, SHORT).expect("run_once"), 0);
    assert!(rec.events().is_empty());
}

#[cfg(unix)]
#[test]
fn writable_is_skipped_when_the_readable_handler_drops_writable_interest() {
    let mut reactor = Reactor::new().expect("reactor");
    let (a, _b) = pair_with_data(b"x");
    let a = Rc::new(RefCell::new(a));
    reactor
        .register(&mut *a.borrow_mut(), T, both())
        .expect("register");

    let source = Rc::clone(&a);
    let mut rec = Recorder::new().on_event(move |reactor, event| {
        if event == Event::Readable(T) {
            reactor
                .reregister(&mut *source.borrow_mut(), T, Interest::READABLE)
                .expect("reregister");
        }
    });
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert_eq!(rec.events(), vec![Event::Readable(T)]);
    assert_eq!(reactor.interest(T), Some(Interest::READABLE));
}

#[cfg(unix)]
#[test]
fn a_token_registered_again_mid_iteration_is_a_new_source() {
    let mut reactor = Reactor::new().expect("reactor");
    let (old, _old_peer) = pair_with_data(b"x");
    let (new, _new_peer) = UnixStream::pair().expect("socket pair");
    let old = Rc::new(RefCell::new(old));
    let new = Rc::new(RefCell::new(new));
    reactor
        .register(&mut *old.borrow_mut(), T, both())
        .expect("register");

    let (old_h, new_h) = (Rc::clone(&old), Rc::clone(&new));
    let mut swapped = false;
    let mut rec = Recorder::new().on_event(move |reactor, event| {
        if event == Event::Readable(T) && !swapped {
            swapped = true;
            reactor
                .deregister(&mut *old_h.borrow_mut(), T)
                .expect("deregister");
            // The new source is writable too, but the Writable the OS
            // reported in this batch belongs to the old one.
            reactor
                .register(&mut *new_h.borrow_mut(), T, both())
                .expect("register");
        }
    });
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert_eq!(rec.events(), vec![Event::Readable(T)]);

    // The new source's own readiness arrives in the next iteration.
    rec.clear();
    reactor.run_once(&mut rec, LONG).expect("run_once");
    assert_eq!(rec.events(), vec![Event::Writable(T)]);
}

#[cfg(unix)]
#[test]
fn events_for_a_token_deregistered_by_another_handler_are_skipped() {
    let mut reactor = Reactor::new().expect("reactor");
    let (t1, u1) = (Token(1), Token(2));
    let (a, _pa) = pair_with_data(b"x");
    let (b, _pb) = pair_with_data(b"y");
    let a = Rc::new(RefCell::new(a));
    let b = Rc::new(RefCell::new(b));
    reactor
        .register(&mut *a.borrow_mut(), t1, Interest::READABLE)
        .expect("register");
    reactor
        .register(&mut *b.borrow_mut(), u1, Interest::READABLE)
        .expect("register");

    // Whichever token is delivered first deregisters the other.
    let (ah, bh) = (Rc::clone(&a), Rc::clone(&b));
    let mut rec = Recorder::new().on_event(move |reactor, event| {
        if event.token() == t1 {
            reactor
                .deregister(&mut *bh.borrow_mut(), u1)
                .expect("deregister");
        } else {
            reactor
                .deregister(&mut *ah.borrow_mut(), t1)
                .expect("deregister");
        }
    });
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert_eq!(rec.events().len(), 1);
}

#[cfg(unix)]
#[test]
fn mark_pending_redelivers_without_blocking() {
    let mut reactor = Reactor::new().expect("reactor");
    let (a, _b) = pair_with_data(b"abc");
    let a = Rc::new(RefCell::new(a));
    reactor
        .register(&mut *a.borrow_mut(), T, Interest::READABLE)
        .expect("register");

    // Read one byte per event, as a server with a tiny read budget would.
    let received = Rc::new(RefCell::new(Vec::new()));
    let (source, sink) = (Rc::clone(&a), Rc::clone(&received));
    let mut rec = Recorder::new().on_event(move |reactor, event| {
        let mut byte = [0u8; 1];
        match source.borrow_mut().read(&mut byte) {
            Ok(1) => {
                sink.borrow_mut().push(byte[0]);
                reactor.mark_pending(T, event);
            }
            Ok(_) => {}
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::WouldBlock),
        }
    });

    let start = Instant::now();
    // Three bytes, then one more delivery that finds the socket drained.
    for _ in 0..4 {
        assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    }
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "a pending token must not wait"
    );
    assert_eq!(*received.borrow(), b"abc");
    assert_eq!(rec.events(), vec![Event::Readable(T); 4]);

    // Drained and unmarked: nothing more to deliver.
    rec.clear();
    assert_eq!(reactor.run_once(&mut rec, SHORT).expect("run_once"), 0);
}

#[cfg(unix)]
#[test]
fn pending_marks_follow_interest_and_die_with_deregistration() {
    let mut reactor = Reactor::new().expect("reactor");
    let (mut a, _pa) = UnixStream::pair().expect("socket pair");
    let (mut b, _pb) = UnixStream::pair().expect("socket pair");
    let (ta, tb) = (Token(1), Token(2));
    reactor
        .register(&mut a, ta, Interest::READABLE)
        .expect("register");
    reactor
        .register(&mut b, tb, Interest::READABLE)
        .expect("register");
    // Let the registrations' initial readiness (none for reading) settle.
    let mut rec = Recorder::new();
    reactor
        .run_once(&mut rec, Some(Duration::ZERO))
        .expect("run_once");
    rec.clear();

    // A mark is delivered even with no new readiness; the handler decides.
    reactor.mark_pending(ta, Event::Readable(ta));
    // Not in b's interest: dropped, not delivered.
    reactor.mark_pending(tb, Event::Writable(tb));
    let start = Instant::now();
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(rec.events(), vec![Event::Readable(ta)]);

    // Deregistration clears the mark.
    rec.clear();
    reactor.mark_pending(ta, Event::Readable(ta));
    reactor.deregister(&mut a, ta).expect("deregister");
    assert_eq!(reactor.run_once(&mut rec, SHORT).expect("run_once"), 0);
    assert!(rec.events().is_empty());
}

#[cfg(unix)]
#[test]
fn pending_writable_is_delivered_after_readable() {
    let mut reactor = Reactor::new().expect("reactor");
    let (mut a, _b) = UnixStream::pair().expect("socket pair");
    reactor.register(&mut a, T, both()).expect("register");
    let mut rec = Recorder::new();
    reactor.run_once(&mut rec, LONG).expect("run_once");
    assert_eq!(rec.events(), vec![Event::Writable(T)]);

    rec.clear();
    reactor.mark_pending(T, Event::Writable(T));
    reactor.mark_pending(T, Event::Readable(T));
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 2);
    assert_eq!(rec.events(), vec![Event::Readable(T), Event::Writable(T)]);
}

#[cfg(unix)]
#[test]
fn a_mark_added_to_an_already_collected_token_is_not_lost() {
    let mut reactor = Reactor::new().expect("reactor");
    let (mut a, _pa) = UnixStream::pair().expect("socket pair");
    let (mut b, _pb) = UnixStream::pair().expect("socket pair");
    let (ta, tb) = (Token(1), Token(2));
    reactor.register(&mut a, ta, both()).expect("register");
    reactor.register(&mut b, tb, both()).expect("register");
    // Consume the initial Writable edges.
    let mut rec = Recorder::new();
    reactor.run_once(&mut rec, LONG).expect("run_once");
    assert_eq!(rec.events().len(), 2);

    // Both tokens marked readable; whichever is delivered first marks the
    // other writable before that other token's own delivery.
    reactor.mark_pending(ta, Event::Readable(ta));
    reactor.mark_pending(tb, Event::Readable(tb));
    let mut first = None;
    let mut rec = Recorder::new().on_event(move |reactor, event| {
        if first.is_none() {
            first = Some(event.token());
            let other = if event.token() == ta { tb } else { ta };
            reactor.mark_pending(other, Event::Writable(other));
        }
    });
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 2);
    let events = rec.events();
    let other = events[1].token();
    assert_eq!(events[1], Event::Readable(other));

    // The late mark is delivered in the next iteration, promptly ...
    rec.clear();
    let start = Instant::now();
    assert_eq!(reactor.run_once(&mut rec, LONG).expect("run_once"), 1);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(rec.events(), vec![Event::Writable(other)]);

    // ... and then nothing is left pending: the wait blocks again.
    rec.clear();
    let start = Instant::now();
    assert_eq!(reactor.run_once(&mut rec, SHORT).expect("run_once"), 0);
    assert!(
        start.elapsed() >= Duration::from_millis(10),
        "no mark may linger"
    );
}

/// Accepts one connection from `listener`, retrying briefly: the connection
/// is established by the kernel, but mio's listener is non-blocking.
fn accept(listener: &TcpListener) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match listener.accept() {
            Ok((stream, _)) => return stream,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("accept failed: {e}"),
        }
    }
}

#[test]
fn tcp_listener_accept_read_and_hang_up() {
    const LISTENER: Token = Token(0);
    let mut reactor = Reactor::new().expect("reactor");
    let listener = TcpListener::bind("127.0.0.1:0".parse().expect("address")).expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let listener = Rc::new(RefCell::new(listener));
    reactor
        .register(&mut *listener.borrow_mut(), LISTENER, Interest::READABLE)
        .expect("register listener");

    let mut client = TcpStream::connect(addr).expect("connect");
    let conn: Rc<RefCell<Option<TcpStream>>> = Rc::new(RefCell::new(None));
    let received = Rc::new(RefCell::new(Vec::new()));
    let eof = Rc::new(RefCell::new(false));

    let (lh, ch, rh, eh) = (
        Rc::clone(&listener),
        Rc::clone(&conn),
        Rc::clone(&received),
        Rc::clone(&eof),
    );
    let mut rec = Recorder::new().on_event(move |reactor, event| match event {
        Event::Readable(LISTENER) => {
            let mut stream = accept(&lh.borrow());
            reactor
                .register(&mut stream, T, Interest::READABLE)
                .expect("register conn");
            *ch.borrow_mut() = Some(stream);
        }
        Event::Readable(token) => {
            assert_eq!(token, T);
            let mut slot = ch.borrow_mut();
            let stream = slot.as_mut().expect("accepted");
            let mut buf = [0u8; 64];
            loop {
                match stream.read(&mut buf) {
                    Ok(0) => {
                        *eh.borrow_mut() = true;
                        reactor.deregister(stream, T).expect("deregister conn");
                        break;
                    }
                    Ok(n) => rh.borrow_mut().extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("read failed: {e}"),
                }
            }
        }
        Event::Writable(_) => panic!("no writable interest was registered"),
    });

    let start = Instant::now();
    let mut wrote = false;
    while !*eof.borrow() && start.elapsed() < Duration::from_secs(3) {
        reactor
            .run_once(&mut rec, Some(Duration::from_millis(100)))
            .expect("run_once");
        if conn.borrow().is_some() && !wrote {
            wrote = true;
            client.write_all(b"ping").expect("client write");
            client
                .shutdown(std::net::Shutdown::Write)
                .expect("shutdown");
        }
    }
    assert!(*eof.borrow(), "the hang-up must be delivered as Readable");
    assert_eq!(*received.borrow(), b"ping");
    assert_eq!(reactor.interest(T), None);
}
