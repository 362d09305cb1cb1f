//! The reactor adapter end to end: a client on a `vireo_reactor::Reactor`
//! over loopback against an in-process Vireo server and, when installed,
//! a real `redis-server`: pipelined completions in order, a timeout that
//! fails only its command, a disconnect completing every pending command
//! exactly once, and pub/sub and MONITOR through subscription callbacks.

mod support;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::{start_vireo, RedisServer};
use vireo_client::reactor::{Client, SubscriptionEvent};
use vireo_client::{blocking, cmd, Config, Delivery, Error, Event, Frame, FromReply, State, Token};
use vireo_reactor::{Event as FileEvent, Handler, Reactor, TimerId, TimerNext};

const CLIENT: vireo_reactor::Token = vireo_reactor::Token(1);

fn vireo_url(db: u32) -> String {
    static PORT: OnceLock<u16> = OnceLock::new();
    format!("redis://127.0.0.1:{}/{db}", PORT.get_or_init(start_vireo))
}

/// The application's side of the loop: forwards everything to the client.
struct App {
    client: Client,
}

impl Handler for App {
    fn on_event(&mut self, reactor: &mut Reactor, event: FileEvent, now: Instant) {
        assert!(
            self.client.handle_event(reactor, event, now),
            "the client's socket is the only source"
        );
    }

    fn on_timer(&mut self, reactor: &mut Reactor, timer: TimerId, now: Instant) -> TimerNext {
        match self.client.handle_timer(reactor, timer, now) {
            Some(next) => next,
            None => panic!("a timer nobody armed fired"),
        }
    }
}

/// Replies received by callbacks, in the order the callbacks ran.
type Log = Rc<RefCell<Vec<(usize, Result<Frame, Error>)>>>;

/// Every completion of each command, by token.
type CompletionsByToken = Rc<RefCell<HashMap<Token, Vec<Result<Frame, Error>>>>>;

fn logger(log: &Log, n: usize) -> impl FnOnce(&mut Client, &mut Reactor, Result<Frame, Error>) {
    let log = log.clone();
    move |_, _, reply| log.borrow_mut().push((n, reply))
}

/// Runs the loop until `done` holds; a hung test fails instead of
/// blocking CI.
fn run_until(reactor: &mut Reactor, app: &mut App, mut done: impl FnMut(&App) -> bool) {
    let give_up = Instant::now() + Duration::from_secs(20);
    while !done(app) {
        assert!(
            Instant::now() < give_up,
            "test took too long: {:?} {}",
            app.client,
            app.client.pending()
        );
        reactor
            .run_once(app, Some(Duration::from_millis(50)))
            .expect("reactor iteration");
    }
}

fn connect(url: &str) -> (Reactor, App) {
    let mut reactor = Reactor::new().expect("reactor");
    let client = Client::open(url, &mut reactor, CLIENT).expect("valid URL");
    let mut app = App { client };
    run_until(&mut reactor, &mut app, |app| {
        app.client.state() == State::Ready
    });
    (reactor, app)
}

fn value<T: FromReply>(reply: &Result<Frame, Error>) -> T {
    match reply {
        Ok(frame) => T::from_reply(frame.clone()).expect("converts"),
        Err(error) => panic!("command failed: {error}"),
    }
}

fn pipelined_completions_arrive_in_order(url: &str) {
    let (mut reactor, mut app) = connect(url);
    let log: Log = Rc::default();
    let key = "reactor:order";
    app.client
        .send(&mut reactor, cmd("DEL").arg(key), |_, _, _| {})
        .unwrap();
    // All sent in one iteration: they leave in one batch, pipelined.
    for n in 0..500 {
        app.client
            .send(&mut reactor, cmd("INCR").arg(key), logger(&log, n))
            .unwrap();
    }
    // A callback sends the next command from inside the loop.
    let chained = log.clone();
    app.client
        .send(
            &mut reactor,
            cmd("GET").arg(key),
            move |client, reactor, reply| {
                chained.borrow_mut().push((500, reply));
                let log = chained.clone();
                client
                    .send(reactor, cmd("INCR").arg(key), move |_, _, reply| {
                        log.borrow_mut().push((501, reply))
                    })
                    .unwrap();
            },
        )
        .unwrap();
    run_until(&mut reactor, &mut app, |_| log.borrow().len() == 502);
    let log = log.borrow();
    for (i, (n, reply)) in log.iter().enumerate() {
        assert_eq!(*n, i, "callbacks run in submission order");
        // INCR 1..=500, GET 500, then the chained INCR 501.
        let expected = if i == 500 { 500 } else { i.min(500) as i64 + 1 };
        assert_eq!(value::<i64>(reply), expected);
    }
    app.client.close(&mut reactor);
    assert_eq!(app.client.state(), State::Closed);
}

/// `slow` takes about 300 ms on the server; it is given 50.
fn a_timeout_fails_only_its_command(url: &str, slow: vireo_client::Command) {
    let (mut reactor, mut app) = connect(url);
    let log: Log = Rc::default();
    app.client
        .send(
            &mut reactor,
            cmd("SET").arg("reactor:t").arg("v"),
            logger(&log, 0),
        )
        .unwrap();
    // Answered before the slow command goes out: a server that sleeps
    // (Vireo's DEBUG SLEEP stops its loop) would hold this reply too.
    run_until(&mut reactor, &mut app, |_| log.borrow().len() == 1);
    let slow = slow.timeout(Duration::from_millis(50));
    app.client
        .send(&mut reactor, slow, logger(&log, 1))
        .unwrap();
    app.client
        .send(&mut reactor, cmd("GET").arg("reactor:t"), logger(&log, 2))
        .unwrap();
    run_until(&mut reactor, &mut app, |_| log.borrow().len() == 3);
    let log = log.borrow();
    let order: Vec<usize> = log.iter().map(|(n, _)| *n).collect();
    assert_eq!(order, [0, 1, 2]);
    assert!(matches!(log[1].1, Err(Error::Timeout)), "{:?}", log[1].1);
    // The slow command's late reply is not taken for GET's.
    assert_eq!(value::<String>(&log[2].1), "v");
    assert_eq!(app.client.state(), State::Ready);
}

fn a_disconnect_completes_every_pending_command_once(url: &str) {
    let mut config = Config::from_url(url).unwrap();
    config.reconnect = None;
    let mut reactor = Reactor::new().expect("reactor");
    let client = Client::with_config(config, &mut reactor, CLIENT).unwrap();
    let events = Rc::new(RefCell::new(Vec::new()));
    let mut app = App { client };
    let seen = events.clone();
    app.client.on_event(move |event: &Event| {
        seen.borrow_mut().push(format!("{event:?}"));
    });
    run_until(&mut reactor, &mut app, |app| {
        app.client.state() == State::Ready
    });
    let id: Rc<RefCell<Option<i64>>> = Rc::default();
    let slot = id.clone();
    app.client
        .send(&mut reactor, cmd("CLIENT").arg("ID"), move |_, _, reply| {
            *slot.borrow_mut() = Some(value(&reply));
        })
        .unwrap();
    run_until(&mut reactor, &mut app, |_| id.borrow().is_some());
    let id = id.borrow().unwrap_or_default();

    // The server runs the first INCR, closes the connection after CLIENT
    // KILL's reply, and never sees the rest.
    let completions: CompletionsByToken = Rc::default();
    let mut tokens = Vec::new();
    let mut send = |app: &mut App, reactor: &mut Reactor, command| {
        let record = completions.clone();
        let token = Rc::new(RefCell::new(None::<Token>));
        let mine = token.clone();
        let sent = app
            .client
            .send(reactor, command, move |_, _, reply| {
                let token = mine.borrow().expect("token known");
                record.borrow_mut().entry(token).or_default().push(reply);
            })
            .unwrap();
        *token.borrow_mut() = Some(sent);
        tokens.push(sent);
    };
    send(&mut app, &mut reactor, cmd("INCR").arg("reactor:kill"));
    send(
        &mut app,
        &mut reactor,
        // Redis compat: the new form skips the caller unless told not to.
        cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(id)
            .arg("SKIPME")
            .arg("no"),
    );
    for _ in 0..100 {
        send(&mut app, &mut reactor, cmd("INCR").arg("reactor:kill"));
    }
    run_until(&mut reactor, &mut app, |app| {
        app.client.state() == State::Closed
    });
    // Nothing more arrives after the close.
    for _ in 0..3 {
        reactor
            .run_once(&mut app, Some(Duration::from_millis(10)))
            .expect("reactor iteration");
    }
    let completions = completions.borrow();
    assert_eq!(completions.len(), tokens.len(), "every command completed");
    let mut lost = 0;
    for token in &tokens {
        match completions.get(token).map(Vec::as_slice) {
            Some([Ok(_)]) => {}
            Some([Err(Error::ConnectionLost { .. } | Error::NotConnected { .. })]) => lost += 1,
            other => panic!("{token:?} completed {other:?}, expected exactly once"),
        }
    }
    assert!(
        lost >= 100,
        "the commands behind CLIENT KILL failed: {lost}"
    );
    assert_eq!(app.client.pending(), 0);
    assert!(
        events
            .borrow()
            .iter()
            .any(|e| e.starts_with("Disconnected")),
        "{:?}",
        events.borrow()
    );
    // The closed client's socket left the reactor: the token is free.
    let mut other = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    reactor
        .register(&mut other, CLIENT, vireo_reactor::Interest::READABLE)
        .expect("token released");
}

/// What a subscription's callback saw, one line per call:
/// `confirmed`, `failed: ...`, `message <channel> <payload> [<pattern>]`,
/// `lagged <n>`, `closed`.
type Seen = Rc<RefCell<Vec<String>>>;

fn recorder(seen: &Seen) -> impl FnMut(&mut Client, &mut Reactor, SubscriptionEvent) {
    let seen = seen.clone();
    move |_, _, event| {
        let line = match event {
            SubscriptionEvent::Confirmed => "confirmed".to_string(),
            SubscriptionEvent::Failed(error) => format!("failed: {error}"),
            SubscriptionEvent::Delivery(Delivery::Message(message)) => {
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                let mut line = format!(
                    "message {} {}",
                    text(&message.channel),
                    text(&message.payload)
                );
                if let Some(pattern) = &message.pattern {
                    line.push(' ');
                    line.push_str(&text(pattern));
                }
                line
            }
            SubscriptionEvent::Delivery(Delivery::Lagged(n)) => format!("lagged {n}"),
            SubscriptionEvent::Delivery(Delivery::Closed) => "closed".to_string(),
        };
        seen.borrow_mut().push(line);
    }
}

/// Publishes from a connection of its own and returns the receiver count.
fn publish(publisher: &mut blocking::Client, channel: &str, payload: &str) -> i64 {
    publisher
        .query(cmd("PUBLISH").arg(channel).arg(payload))
        .expect("PUBLISH")
}

/// RESP3: one connection subscribes to a channel and a pattern and keeps
/// running commands; unsubscribing one leaves the other; closing ends it.
fn resp3_subscriptions_deliver_to_their_callbacks(url: &str) {
    let (mut reactor, mut app) = connect(url);
    let channel: Seen = Rc::default();
    let pattern: Seen = Rc::default();
    let channel_id = app
        .client
        .subscribe(&mut reactor, "reactor:news", recorder(&channel))
        .unwrap();
    app.client
        .psubscribe(&mut reactor, "reactor:new*", recorder(&pattern))
        .unwrap();
    run_until(&mut reactor, &mut app, |_| {
        channel.borrow().len() == 1 && pattern.borrow().len() == 1
    });
    assert_eq!(*channel.borrow(), ["confirmed"]);
    assert_eq!(*pattern.borrow(), ["confirmed"]);

    // Commands still flow on the subscribed RESP3 connection.
    let log: Log = Rc::default();
    app.client
        .send(
            &mut reactor,
            cmd("PUBLISH").arg("reactor:news").arg("first"),
            logger(&log, 0),
        )
        .unwrap();
    run_until(&mut reactor, &mut app, |_| {
        log.borrow().len() == 1 && channel.borrow().len() == 2 && pattern.borrow().len() == 2
    });
    assert!(value::<i64>(&log.borrow()[0].1) >= 1);
    assert_eq!(channel.borrow()[1], "message reactor:news first");
    assert_eq!(
        pattern.borrow()[1],
        "message reactor:news first reactor:new*"
    );

    app.client.unsubscribe(&mut reactor, channel_id);
    app.client
        .send(
            &mut reactor,
            cmd("PUBLISH").arg("reactor:news").arg("second"),
            logger(&log, 1),
        )
        .unwrap();
    run_until(&mut reactor, &mut app, |_| pattern.borrow().len() == 3);
    assert_eq!(
        pattern.borrow()[2],
        "message reactor:news second reactor:new*"
    );
    assert_eq!(channel.borrow().len(), 2, "{:?}", channel.borrow());

    app.client.close(&mut reactor);
    run_until(&mut reactor, &mut app, |app| {
        app.client.state() == State::Closed
    });
    assert_eq!(pattern.borrow().last().map(String::as_str), Some("closed"));
    assert_eq!(channel.borrow().len(), 2, "{:?}", channel.borrow());
}

/// RESP2: a subscribed connection refuses other commands; messages come
/// from another connection.
fn resp2_subscriptions_deliver_and_refuse_other_commands(url: &str) {
    let (mut reactor, mut app) = connect(&format!("{url}?protocol=resp2"));
    let seen: Seen = Rc::default();
    app.client
        .subscribe(&mut reactor, "reactor:old", recorder(&seen))
        .unwrap();
    run_until(&mut reactor, &mut app, |_| seen.borrow().len() == 1);
    assert_eq!(*seen.borrow(), ["confirmed"]);
    let refused = app
        .client
        .send(&mut reactor, cmd("GET").arg("reactor:x"), |_, _, _| {});
    assert!(matches!(refused, Err(Error::NotAllowed(_))), "{refused:?}");

    let mut publisher = blocking::Client::open(url).unwrap();
    assert_eq!(publish(&mut publisher, "reactor:old", "hello"), 1);
    run_until(&mut reactor, &mut app, |_| seen.borrow().len() == 2);
    assert_eq!(seen.borrow()[1], "message reactor:old hello");
    app.client.abort(&mut reactor);
    assert_eq!(seen.borrow().last().map(String::as_str), Some("closed"));
}

/// MONITOR shows commands run by other connections; the monitoring
/// connection accepts nothing else.
fn monitor_lines_reach_the_callback(url: &str) {
    let (mut reactor, mut app) = connect(url);
    let seen: Seen = Rc::default();
    app.client.monitor(&mut reactor, recorder(&seen)).unwrap();
    run_until(&mut reactor, &mut app, |_| !seen.borrow().is_empty());
    // Other tests share the server: their commands may already follow.
    assert_eq!(seen.borrow()[0], "confirmed");
    let refused = app.client.send(&mut reactor, cmd("PING"), |_, _, _| {});
    assert!(matches!(refused, Err(Error::NotAllowed(_))), "{refused:?}");
    let subscribe = app
        .client
        .subscribe(&mut reactor, "reactor:x", recorder(&seen));
    assert!(
        matches!(subscribe, Err(Error::NotAllowed(_))),
        "{subscribe:?}"
    );

    let mut other = blocking::Client::open(url).unwrap();
    other
        .query::<()>(cmd("SET").arg("reactor:watched").arg("42"))
        .unwrap();
    run_until(&mut reactor, &mut app, |_| {
        seen.borrow()
            .iter()
            .any(|line| line.contains("\"SET\" \"reactor:watched\" \"42\""))
    });
    app.client.abort(&mut reactor);
    assert_eq!(seen.borrow().last().map(String::as_str), Some("closed"));
}

#[test]
fn vireo_resp3_subscriptions_deliver_to_their_callbacks() {
    resp3_subscriptions_deliver_to_their_callbacks(&vireo_url(9));
}

#[test]
fn vireo_resp2_subscriptions_deliver_and_refuse_other_commands() {
    resp2_subscriptions_deliver_and_refuse_other_commands(&vireo_url(10));
}

#[test]
fn vireo_monitor_lines_reach_the_callback() {
    monitor_lines_reach_the_callback(&vireo_url(11));
}

#[test]
fn redis_resp3_subscriptions_deliver_to_their_callbacks() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    resp3_subscriptions_deliver_to_their_callbacks(&server.url());
}

#[test]
fn redis_resp2_subscriptions_deliver_and_refuse_other_commands() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    resp2_subscriptions_deliver_and_refuse_other_commands(&server.url());
}

#[test]
fn redis_monitor_lines_reach_the_callback() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    monitor_lines_reach_the_callback(&server.url());
}

/// A subscription the server refuses (an ACL) fails once and is gone,
/// and the connection goes on.
#[test]
fn redis_a_refused_subscription_fails_its_callback_once() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut admin = blocking::Client::open(&server.url()).unwrap();
    admin
        .query::<()>(
            cmd("ACL")
                .arg("SETUSER")
                .arg("listener")
                .arg("on")
                .arg("nopass")
                .arg("+@all")
                .arg("~*")
                .arg("resetchannels")
                .arg("&reactor:allowed"),
        )
        .unwrap();
    let url = format!("redis://listener:any@127.0.0.1:{}", server.port);
    let (mut reactor, mut app) = connect(&url);
    let refused: Seen = Rc::default();
    let allowed: Seen = Rc::default();
    app.client
        .subscribe(&mut reactor, "reactor:forbidden", recorder(&refused))
        .unwrap();
    app.client
        .subscribe(&mut reactor, "reactor:allowed", recorder(&allowed))
        .unwrap();
    run_until(&mut reactor, &mut app, |_| {
        !refused.borrow().is_empty() && !allowed.borrow().is_empty()
    });
    assert_eq!(refused.borrow().len(), 1, "{:?}", refused.borrow());
    assert!(
        refused.borrow()[0].starts_with("failed: NOPERM"),
        "{:?}",
        refused.borrow()
    );
    assert_eq!(*allowed.borrow(), ["confirmed"]);
    assert_eq!(publish(&mut admin, "reactor:allowed", "ok"), 1);
    run_until(&mut reactor, &mut app, |_| allowed.borrow().len() == 2);
    app.client.close(&mut reactor);
    run_until(&mut reactor, &mut app, |app| {
        app.client.state() == State::Closed
    });
    assert_eq!(refused.borrow().len(), 1, "{:?}", refused.borrow());
    assert_eq!(
        *allowed.borrow(),
        ["confirmed", "message reactor:allowed ok", "closed"]
    );
}

#[test]
fn vireo_pipelined_completions_arrive_in_order() {
    pipelined_completions_arrive_in_order(&vireo_url(12));
}

#[test]
fn vireo_a_timeout_fails_only_its_command() {
    let sleep = cmd("DEBUG").arg("SLEEP").arg("0.3");
    a_timeout_fails_only_its_command(&vireo_url(13), sleep);
}

#[test]
fn vireo_a_disconnect_completes_every_pending_command_once() {
    a_disconnect_completes_every_pending_command_once(&vireo_url(14));
}

#[test]
fn redis_pipelined_completions_arrive_in_order() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    pipelined_completions_arrive_in_order(&server.url());
}

#[test]
fn redis_a_timeout_fails_only_its_command() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    // Debian's redis-server refuses DEBUG by default; a blocking pop on an
    // empty list waits as long.
    let pop = cmd("BLPOP").arg("reactor:empty").arg("0.3");
    a_timeout_fails_only_its_command(&server.url(), pop);
}

#[test]
fn redis_a_disconnect_completes_every_pending_command_once() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    a_disconnect_completes_every_pending_command_once(&server.url());
}

#[test]
fn a_refused_connection_closes_a_client_without_reconnection() {
    let port = support::free_port();
    let mut config = Config::from_url(&format!("redis://127.0.0.1:{port}")).unwrap();
    config.reconnect = None;
    let mut reactor = Reactor::new().expect("reactor");
    let client = Client::with_config(config, &mut reactor, CLIENT).unwrap();
    let mut app = App { client };
    let log: Log = Rc::default();
    app.client
        .send(&mut reactor, cmd("PING"), logger(&log, 0))
        .unwrap();
    run_until(&mut reactor, &mut app, |app| {
        app.client.state() == State::Closed
    });
    let log = log.borrow();
    assert_eq!(log.len(), 1);
    assert!(
        matches!(log[0].1, Err(Error::NotConnected { .. })),
        "{:?}",
        log[0].1
    );
}
