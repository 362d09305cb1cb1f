//! The protocol core's semantics, without sockets: scripted replies and a
//! simulated clock.

mod support;

use std::time::Duration;

use support::{bulk, config, resp2, simple, Harness};
use vireo_client::{
    cmd, Delivery, Error, Event, Frame, Message, State, SubscriptionKind, TransportAction,
};

// ----- handshake ------------------------------------------------------------

#[test]
fn handshake_is_hello_with_auth_and_setname_then_select() {
    let mut c = config();
    c.username = Some("app".into());
    c.password = Some("pw".into());
    c.client_name = Some("worker-1".into());
    c.db = 3;
    let mut h = Harness::new(c);
    h.open_socket();
    let get = h.submit(cmd("GET").arg("k"));
    assert_eq!(
        h.sent_lines(),
        ["HELLO 3 AUTH app pw SETNAME worker-1", "SELECT 3"]
    );
    assert_eq!(h.conn.state(), State::Handshaking);
    h.read(b"%1\r\n$6\r\nserver\r\n$5\r\nvireo\r\n");
    assert!(
        h.sent().is_empty(),
        "nothing is sent before SELECT is confirmed"
    );
    h.read(b"+OK\r\n");
    assert_eq!(h.conn.state(), State::Ready);
    assert!(matches!(h.events.last(), Some(Event::Connected)));
    assert_eq!(h.sent_lines(), ["GET k"]);
    h.read(b"$1\r\nv\r\n");
    assert_eq!(h.reply(get), &bulk("v"));
}

#[test]
fn password_without_user_authenticates_the_default_user() {
    let mut c = config();
    c.password = Some("pw".into());
    let mut h = Harness::new(c);
    h.open_socket();
    assert_eq!(h.sent_lines(), ["HELLO 3 AUTH default pw"]);
}

#[test]
fn resp2_handshake_uses_auth_and_client_setname() {
    let mut c = resp2();
    c.password = Some("pw".into());
    c.client_name = Some("n".into());
    let mut h = Harness::new(c);
    h.open_socket();
    assert_eq!(h.sent_lines(), ["AUTH pw", "CLIENT SETNAME n"]);
}

#[test]
fn no_handshake_needed_means_ready_at_once() {
    let mut h = Harness::new(resp2());
    h.open_socket();
    assert_eq!(h.conn.state(), State::Ready);
    assert!(h.sent().is_empty());
}

#[test]
fn failed_handshake_fails_queued_commands_and_retries_later() {
    let mut c = config();
    c.password = Some("wrong".into());
    let mut h = Harness::new(c);
    h.open_socket();
    let get = h.submit(cmd("GET").arg("k"));
    h.sent();
    h.read(b"-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    match h.result(get) {
        Err(Error::Connect { reason }) => assert!(reason.contains("WRONGPASS"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.transport(), Some(TransportAction::Close));
    assert!(matches!(h.conn.state(), State::WaitingToReconnect(_)));
    h.advance_to_deadline();
    assert_eq!(h.transport(), Some(TransportAction::Connect));
}

// ----- ordering and pipelining ----------------------------------------------

#[test]
fn pipelined_commands_complete_in_order_with_their_own_replies() {
    let mut h = Harness::ready(config());
    let tokens: Vec<_> = (0..5).map(|i| h.submit(cmd("ECHO").arg(i))).collect();
    assert_eq!(h.sent().len(), 5, "all five leave in one write");
    h.read(b"$1\r\n0\r\n$1\r\n1\r\n$1\r");
    assert_eq!(h.order, tokens[..2]);
    h.read(b"\n2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    assert_eq!(h.order, tokens);
    for (i, token) in tokens.iter().enumerate() {
        assert_eq!(h.reply(*token), &bulk(&i.to_string()));
    }
}

#[test]
fn replies_cut_anywhere_decode_to_the_same_frames() {
    let big = "x".repeat(10_000);
    let replies: Vec<(String, Frame)> = vec![
        ("+OK\r\n".into(), simple("OK")),
        ("$0\r\n\r\n".into(), bulk("")),
        ("$2\r\n91\r\n".into(), bulk("91")),
        ("+OKAY\r\n".into(), simple("OKAY")),
        ("$12\r\nhello\r\nworld\r\n".into(), bulk("hello\r\nworld")),
        ("$-1\r\n".into(), Frame::NullBulk),
        (
            "*2\r\n+OK\r\n$1\r\nx\r\n".into(),
            Frame::Array(vec![simple("OK"), bulk("x")]),
        ),
        (
            "$9999\r\n".to_string() + &big[..9999] + "\r\n",
            bulk(&big[..9999]),
        ),
        ("$10000\r\n".to_string() + &big + "\r\n", bulk(&big)),
        (":7\r\n".into(), Frame::Integer(7)),
        ("+OK\r\n".into(), simple("OK")),
    ];
    let wire: Vec<u8> = replies.iter().flat_map(|(r, _)| r.bytes()).collect();
    let cuts = (0..wire.len()).filter(|i| i % 97 < 12 || *i < 200);
    for cut in cuts {
        let mut h = Harness::ready(config());
        let tokens: Vec<_> = replies
            .iter()
            .map(|_| h.submit(cmd("GET").arg("k")))
            .collect();
        h.sent();
        h.read(&wire[..cut]);
        h.read(&wire[cut..]);
        for (token, (_, expected)) in tokens.iter().zip(&replies) {
            assert_eq!(h.reply(*token), expected, "cut at {cut}");
        }
    }
    // A malformed length is still the decoder's to refuse.
    let mut h = Harness::ready(config());
    let get = h.submit(cmd("GET").arg("k"));
    h.sent();
    h.read(b"$01\r\nx\r\n");
    match h.result(get) {
        Err(Error::ConnectionLost { reason }) => assert!(reason.contains("protocol"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_batch_goes_out_back_to_back_and_completes_as_one_array() {
    let mut h = Harness::ready(config());
    let before = h.submit(cmd("PING"));
    let batch = h
        .conn
        .submit_batch(vec![cmd("MULTI"), cmd("INCR").arg("n"), cmd("EXEC")], h.now)
        .unwrap();
    let after = h.submit(cmd("PING"));
    assert_eq!(h.sent_lines(), ["PING", "MULTI", "INCR n", "EXEC", "PING"]);
    h.read(b"+PONG\r\n+OK\r\n+QUEUED\r\n*1\r\n:1\r\n+PONG\r\n");
    assert_eq!(h.reply(before), &simple("PONG"));
    assert_eq!(
        h.reply(batch),
        &Frame::Array(vec![
            simple("OK"),
            simple("QUEUED"),
            Frame::Array(vec![Frame::Integer(1)])
        ])
    );
    assert_eq!(h.reply(after), &simple("PONG"));
    let empty = h.conn.submit_batch(Vec::new(), h.now).unwrap();
    h.collect();
    assert_eq!(h.reply(empty), &Frame::Array(Vec::new()));
}

#[test]
fn error_replies_are_completions_not_connection_errors() {
    let mut h = Harness::ready(config());
    let bad = h.submit(cmd("NOPE"));
    let good = h.submit(cmd("PING"));
    h.sent();
    h.read(b"-ERR unknown command 'NOPE', with args beginning with: \r\n+PONG\r\n");
    assert!(matches!(h.reply(bad), Frame::Error(_)));
    assert_eq!(h.reply(good), &simple("PONG"));
    assert_eq!(h.conn.state(), State::Ready);
}

#[test]
fn commands_that_would_desynchronise_the_connection_are_refused() {
    let mut h = Harness::ready(config());
    for name in [
        "SUBSCRIBE",
        "psubscribe",
        "UNSUBSCRIBE",
        "MONITOR",
        "HELLO",
        "RESET",
        "QUIT",
    ] {
        assert!(
            matches!(
                h.conn.submit(cmd(name).arg("x"), h.now),
                Err(Error::NotAllowed(_))
            ),
            "{name}"
        );
    }
    assert!(h.sent().is_empty());
}

// ----- graceful close and connection errors ---------------------------------

#[test]
fn graceful_close_refuses_new_commands_and_drains_pending_ones() {
    let mut h = Harness::ready(config());
    let first = h.submit(cmd("GET").arg("a"));
    h.sent();
    let second = h.submit(cmd("GET").arg("b"));
    h.conn.close();
    h.collect();
    assert!(matches!(
        h.conn.submit(cmd("PING"), h.now),
        Err(Error::Closed)
    ));
    assert_eq!(h.sent_lines(), ["GET b"], "queued commands still go out");
    h.read(b"$1\r\n1\r\n");
    assert_eq!(h.transport(), None, "one reply still owed");
    h.read(b"$1\r\n2\r\n");
    assert_eq!(h.reply(first), &bulk("1"));
    assert_eq!(h.reply(second), &bulk("2"));
    assert_eq!(h.transport(), Some(TransportAction::Close));
    assert_eq!(h.conn.state(), State::Closed);
    assert!(matches!(h.events.last(), Some(Event::Closed)));
}

#[test]
fn close_with_nothing_pending_closes_at_once() {
    let mut h = Harness::ready(config());
    h.conn.close();
    h.collect();
    assert_eq!(h.transport(), Some(TransportAction::Close));
    assert_eq!(h.conn.state(), State::Closed);
}

#[test]
fn disconnect_fails_in_flight_commands_once_and_keeps_unsent_ones() {
    let mut h = Harness::ready(config());
    let sent = h.submit(cmd("INCR").arg("n"));
    h.sent();
    let unsent = h.submit(cmd("GET").arg("n"));
    h.disconnect("connection reset by peer");
    match h.result(sent) {
        Err(error @ Error::ConnectionLost { .. }) => {
            assert!(error.may_have_executed());
            let text = error.to_string();
            assert!(
                text.contains("may or may not") && text.contains("not retried"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(h.is_pending(unsent));
    assert!(matches!(h.conn.state(), State::WaitingToReconnect(_)));
    h.advance_to_deadline();
    h.open_socket();
    h.finish_handshake();
    assert_eq!(h.sent_lines(), ["GET n"]);
    h.read(b"$1\r\n5\r\n");
    assert_eq!(h.reply(unsent), &bulk("5"));
    assert_eq!(h.completions[&sent].len(), 1);
}

#[test]
fn idempotent_commands_are_sent_again_after_reconnecting() {
    let mut h = Harness::ready(config());
    let read = h.submit(cmd("GET").arg("k").idempotent());
    let write = h.submit(cmd("INCR").arg("k"));
    let later = h.submit(cmd("GET").arg("j").idempotent());
    h.sent();
    h.disconnect("eof");
    assert!(matches!(h.result(write), Err(Error::ConnectionLost { .. })));
    assert!(h.is_pending(read) && h.is_pending(later));
    h.advance_to_deadline();
    h.open_socket();
    h.finish_handshake();
    assert_eq!(h.sent_lines(), ["GET k", "GET j"]);
    h.read(b"$1\r\na\r\n$1\r\nb\r\n");
    assert_eq!(h.reply(read), &bulk("a"));
    assert_eq!(h.reply(later), &bulk("b"));
}

#[test]
fn without_reconnection_a_disconnect_closes_the_client() {
    let mut c = config();
    c.reconnect = None;
    let mut h = Harness::ready(c);
    let sent = h.submit(cmd("PING"));
    h.sent();
    let unsent = h.submit(cmd("PING"));
    h.disconnect("eof");
    assert!(matches!(h.result(sent), Err(Error::ConnectionLost { .. })));
    assert!(matches!(h.result(unsent), Err(Error::NotConnected { .. })));
    assert_eq!(h.conn.state(), State::Closed);
}

#[test]
fn abort_fails_everything_with_closed() {
    let mut h = Harness::ready(config());
    let a = h.submit(cmd("PING"));
    h.sent();
    let b = h.submit(cmd("PING"));
    h.conn.abort();
    h.collect();
    assert!(matches!(h.result(a), Err(Error::Closed)));
    assert!(matches!(h.result(b), Err(Error::Closed)));
    assert_eq!(h.transport(), Some(TransportAction::Close));
}

#[test]
fn reconnect_delays_grow_with_jitter_and_reset_after_success() {
    let mut h = Harness::new(config());
    let mut delays = Vec::new();
    for _ in 0..6 {
        assert_eq!(h.transport(), Some(TransportAction::Connect));
        h.conn.handle_connect_failed("connection refused", h.now);
        h.collect();
        let Some(Event::Reconnecting { delay, .. }) = h.events.last().cloned() else {
            panic!("{:?}", h.events.last());
        };
        delays.push(delay);
        h.advance_to_deadline();
    }
    for (attempt, delay) in delays.iter().enumerate() {
        let ceiling =
            (Duration::from_millis(100) * 2u32.pow(attempt as u32)).min(Duration::from_secs(2));
        assert!(
            *delay <= ceiling && *delay >= ceiling / 2,
            "{attempt}: {delay:?}"
        );
    }
    h.open_socket();
    h.finish_handshake();
    h.disconnect("eof");
    let Some(Event::Reconnecting { attempt, delay }) = h.events.last().cloned() else {
        panic!();
    };
    assert_eq!(attempt, 1);
    assert!(delay <= Duration::from_millis(100));
}

#[test]
fn giving_up_after_max_attempts_fails_queued_commands() {
    let mut c = config();
    if let Some(backoff) = c.reconnect.as_mut() {
        backoff.max_attempts = Some(2);
    }
    let mut h = Harness::new(c);
    let token = h.submit(cmd("PING"));
    for _ in 0..3 {
        assert_eq!(h.transport(), Some(TransportAction::Connect));
        h.conn.handle_connect_failed("connection refused", h.now);
        h.collect();
        if h.conn.state() == State::Closed {
            break;
        }
        h.advance_to_deadline();
    }
    assert_eq!(h.conn.state(), State::Closed);
    match h.result(token) {
        Err(Error::NotConnected { reason }) => assert!(reason.contains("gave up"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_from_the_server_drops_the_socket_and_fails_in_flight() {
    let mut h = Harness::ready(config());
    let token = h.submit(cmd("PING"));
    h.sent();
    h.read(b"?what\r\n");
    assert!(matches!(h.result(token), Err(Error::ConnectionLost { .. })));
    assert_eq!(h.transport(), Some(TransportAction::Close));
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, Event::Disconnected(Error::Protocol(_)))));
    assert!(matches!(h.conn.state(), State::WaitingToReconnect(_)));
}

#[test]
fn a_reply_nobody_asked_for_is_a_protocol_error() {
    let mut h = Harness::ready(config());
    h.read(b"+OK\r\n");
    assert_eq!(h.transport(), Some(TransportAction::Close));
    assert!(matches!(h.conn.state(), State::WaitingToReconnect(_)));
}

// ----- timeouts -------------------------------------------------------------

#[test]
fn a_timeout_fails_only_its_command_and_the_late_reply_is_discarded() {
    let mut h = Harness::ready(config());
    let slow = h.submit(
        cmd("DEBUG")
            .arg("SLEEP")
            .arg(1)
            .timeout(Duration::from_millis(200)),
    );
    let next = h.submit(cmd("GET").arg("k"));
    h.sent();
    h.advance(Duration::from_millis(199));
    assert!(h.is_pending(slow));
    h.advance(Duration::from_millis(1));
    match h.result(slow) {
        Err(error @ Error::Timeout) => assert!(error.may_have_executed()),
        other => panic!("{other:?}"),
    }
    assert!(h.is_pending(next));
    h.read(b"+OK\r\n$1\r\nv\r\n");
    assert_eq!(h.reply(next), &bulk("v"));
    assert_eq!(
        h.completions[&slow].len(),
        1,
        "the late reply completes nothing"
    );
    assert_eq!(h.conn.state(), State::Ready);
    let after = h.submit(cmd("PING"));
    h.sent();
    h.read(b"+PONG\r\n");
    assert_eq!(h.reply(after), &simple("PONG"));
}

#[test]
fn the_default_command_timeout_applies_to_queued_commands_too() {
    let mut c = config();
    c.command_timeout = Some(Duration::from_millis(50));
    let mut h = Harness::new(c);
    let token = h.submit(cmd("PING"));
    h.advance(Duration::from_millis(50));
    assert!(matches!(h.result(token), Err(Error::Timeout)));
    h.open_socket();
    h.finish_handshake();
    assert!(
        h.sent().is_empty(),
        "a timed-out queued command is never sent"
    );
}

#[test]
fn blocking_commands_get_their_own_timeout_plus_grace() {
    let mut c = config();
    c.command_timeout = Some(Duration::from_millis(100));
    c.blocking_grace = Duration::from_millis(500);
    let mut h = Harness::ready(c);
    let blpop = h.submit(cmd("BLPOP").arg("jobs").arg(5));
    h.sent();
    h.advance(Duration::from_millis(5_499));
    assert!(h.is_pending(blpop), "the connection default does not apply");
    h.advance(Duration::from_millis(1));
    assert!(matches!(h.result(blpop), Err(Error::Timeout)));
}

#[test]
fn a_blocking_command_that_may_block_forever_has_no_deadline() {
    let mut c = config();
    c.command_timeout = Some(Duration::from_millis(100));
    let mut h = Harness::ready(c);
    let blpop = h.submit(cmd("BLPOP").arg("jobs").arg(0));
    h.sent();
    assert_eq!(h.conn.poll_timeout(), None);
    h.advance(Duration::from_secs(3600));
    assert!(h.is_pending(blpop));
    h.read(b"*2\r\n$4\r\njobs\r\n$1\r\nx\r\n");
    assert_eq!(h.reply(blpop), &Frame::Array(vec![bulk("jobs"), bulk("x")]));
}

#[test]
fn deadlines_still_fire_after_many_answered_commands() {
    let mut h = Harness::ready(config());
    let timeout = Duration::from_millis(100);
    let mut answered = Vec::new();
    for _ in 0..5000 {
        answered.push(h.submit(cmd("PING").timeout(timeout)));
    }
    h.sent();
    let mut replies = Vec::new();
    for _ in 0..5000 {
        replies.extend_from_slice(b"+PONG\r\n");
    }
    h.read(&replies);
    // Submitting more sweeps the deadlines of the answered ones.
    let late: Vec<_> = (0..2000)
        .map(|_| h.submit(cmd("PING").timeout(timeout)))
        .collect();
    h.sent();
    h.read(b"+PONG\r\n");
    assert_eq!(h.reply(late[0]), &simple("PONG"));
    h.advance(timeout);
    for token in &late[1..] {
        assert!(matches!(h.result(*token), Err(Error::Timeout)));
    }
    for token in answered {
        assert_eq!(h.reply(token), &simple("PONG"));
    }
}

// ----- back-pressure --------------------------------------------------------

#[test]
fn the_pending_queue_is_bounded() {
    let mut c = config();
    c.max_pending = 3;
    let mut h = Harness::ready(c);
    let first = h.submit(cmd("PING"));
    h.submit(cmd("PING"));
    h.submit(cmd("PING"));
    assert_eq!(h.conn.capacity(), 0);
    assert!(matches!(
        h.conn.submit(cmd("PING"), h.now),
        Err(Error::QueueFull)
    ));
    assert!(matches!(
        h.conn.submit_batch(vec![cmd("PING")], h.now),
        Err(Error::QueueFull)
    ));
    h.sent();
    h.read(b"+PONG\r\n");
    assert_eq!(h.reply(first), &simple("PONG"));
    assert_eq!(h.conn.capacity(), 1);
    h.submit(cmd("PING"));
}

// ----- pub/sub --------------------------------------------------------------

fn message(channel: &str, payload: &str) -> Delivery {
    Delivery::Message(Message {
        channel: channel.as_bytes().to_vec().into(),
        pattern: None,
        payload: payload.as_bytes().to_vec().into(),
    })
}

fn push(items: &[&str]) -> Vec<u8> {
    let mut out = format!(">{}\r\n", items.len()).into_bytes();
    for item in items {
        out.extend_from_slice(format!("${}\r\n{item}\r\n", item.len()).as_bytes());
    }
    out
}

fn confirmation(kind: &str, name: &str, count: i64, resp3: bool) -> Vec<u8> {
    let mut out = format!("{}3\r\n", if resp3 { '>' } else { '*' }).into_bytes();
    out.extend_from_slice(
        format!(
            "${}\r\n{kind}\r\n${}\r\n{name}\r\n:{count}\r\n",
            kind.len(),
            name.len()
        )
        .as_bytes(),
    );
    out
}

#[test]
fn resp3_messages_arrive_as_push_frames_between_replies() {
    let mut h = Harness::ready(config());
    let (news, confirmed) = h
        .conn
        .subscribe(SubscriptionKind::Channel, b"news", h.now)
        .unwrap();
    let get = h.submit(cmd("GET").arg("k"));
    assert_eq!(h.sent_lines(), ["SUBSCRIBE news", "GET k"]);
    h.read(&confirmation("subscribe", "news", 1, true));
    assert_eq!(h.reply(confirmed), &simple("OK"));
    h.read(&push(&["message", "news", "hello"]));
    assert!(h.is_pending(get));
    h.read(b"$1\r\nv\r\n");
    assert_eq!(h.reply(get), &bulk("v"));
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, Event::Messages(id) if *id == news)));
    assert_eq!(h.conn.poll_delivery(news), Some(message("news", "hello")));
    assert_eq!(h.conn.poll_delivery(news), None);
}

#[test]
fn pattern_messages_carry_the_pattern() {
    let mut h = Harness::ready(config());
    let (id, _) = h
        .conn
        .subscribe(SubscriptionKind::Pattern, b"n*", h.now)
        .unwrap();
    assert_eq!(h.sent_lines(), ["PSUBSCRIBE n*"]);
    h.read(&confirmation("psubscribe", "n*", 1, true));
    h.read(&push(&["pmessage", "n*", "news", "x"]));
    assert_eq!(
        h.conn.poll_delivery(id),
        Some(Delivery::Message(Message {
            channel: "news".into(),
            pattern: Some("n*".into()),
            payload: "x".into(),
        }))
    );
}

#[test]
fn a_slow_subscriber_is_told_how_many_messages_it_lost() {
    let mut c = config();
    c.subscription_capacity = 2;
    let mut h = Harness::ready(c);
    let (id, _) = h
        .conn
        .subscribe(SubscriptionKind::Channel, b"c", h.now)
        .unwrap();
    h.sent();
    h.read(&confirmation("subscribe", "c", 1, true));
    for n in 0..5 {
        h.read(&push(&["message", "c", &n.to_string()]));
    }
    let wakeups = h
        .events
        .iter()
        .filter(|e| matches!(e, Event::Messages(_)))
        .count();
    assert_eq!(wakeups, 1, "one wake-up until the subscriber drains");
    assert_eq!(h.conn.poll_delivery(id), Some(Delivery::Lagged(3)));
    assert_eq!(h.conn.poll_delivery(id), Some(message("c", "3")));
    assert_eq!(h.conn.poll_delivery(id), Some(message("c", "4")));
    assert_eq!(h.conn.poll_delivery(id), None);
    h.read(&push(&["message", "c", "5"]));
    let wakeups = h
        .events
        .iter()
        .filter(|e| matches!(e, Event::Messages(_)))
        .count();
    assert_eq!(wakeups, 2);
}

#[test]
fn subscribers_share_one_server_subscription() {
    let mut h = Harness::ready(config());
    let (a, _) = h
        .conn
        .subscribe(SubscriptionKind::Channel, b"c", h.now)
        .unwrap();
    let (b, second) = h
        .conn
        .subscribe(SubscriptionKind::Channel, b"c", h.now)
        .unwrap();
    assert_eq!(h.sent_lines(), ["SUBSCRIBE c"]);
    h.read(&confirmation("subscribe", "c", 1, true));
    assert_eq!(h.reply(second), &simple("OK"));
    let (_, third) = h
        .conn
        .subscribe(SubscriptionKind::Channel, b"c", h.now)
        .unwrap();
    h.collect();
    assert_eq!(h.reply(third), &simple("OK"), "already confirmed");
    h.read(&push(&["message", "c", "m"]));
    assert_eq!(h.conn.poll_delivery(a), Some(message("c", "m")));
    assert_eq!(h.conn.poll_delivery(b), Some(message("c", "m")));
    h.conn.unsubscribe(a);
    assert!(h.sent().is_empty(), "b still listens");
}

#[test]
fn the_last_unsubscribe_tells_the_server() {
    let mut h = Harness::ready(config());
    let (id, _) = h
        .conn
        .subscribe(SubscriptionKind::Shard, b"s", h.now)
        .unwrap();
    assert_eq!(h.sent_lines(), ["SSUBSCRIBE s"]);
    h.read(&confirmation("ssubscribe", "s", 1, true));
    h.conn.unsubscribe(id);
    let get = h.submit(cmd("GET").arg("k"));
    assert_eq!(h.sent_lines(), ["SUNSUBSCRIBE s", "GET k"]);
    h.read(&push(&["smessage", "s", "late"]));
    h.read(&confirmation("sunsubscribe", "s", 0, true));
    h.read(b"$1\r\nv\r\n");
    assert_eq!(h.reply(get), &bulk("v"));
    assert_eq!(h.conn.poll_delivery(id), Some(Delivery::Closed));
}

#[test]
fn a_refused_subscription_reports_the_error_and_closes_the_subscriber() {
    let mut h = Harness::ready(config());
    let (id, token) = h
        .conn
        .subscribe(SubscriptionKind::Channel, b"secret", h.now)
        .unwrap();
    h.sent();
    h.read(b"-NOPERM this user has no permissions to access the 'secret' channel\r\n");
    assert!(matches!(h.reply(token), Frame::Error(_)));
    assert_eq!(h.conn.poll_delivery(id), Some(Delivery::Closed));
    assert_eq!(h.conn.state(), State::Ready);
}

#[test]
fn resp2_subscribed_mode_only_allows_pubsub_and_ping() {
    let mut h = Harness::ready(resp2());
    let (id, _) = h
        .conn
        .subscribe(SubscriptionKind::Channel, b"c", h.now)
        .unwrap();
    assert!(matches!(
        h.conn.submit(cmd("GET").arg("k"), h.now),
        Err(Error::NotAllowed(_))
    ));
    let ping = h.submit(cmd("PING"));
    assert_eq!(h.sent_lines(), ["SUBSCRIBE c", "PING"]);
    h.read(&confirmation("subscribe", "c", 1, false));
    h.read(b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n");
    h.read(b"*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(h.reply(ping), &Frame::Array(vec![bulk("pong"), bulk("")]));
    assert_eq!(h.conn.poll_delivery(id), Some(message("c", "hi")));
    h.conn.unsubscribe(id);
    let get = h.submit(cmd("LRANGE").arg("l").arg(0).arg(-1));
    assert_eq!(h.sent_lines(), ["UNSUBSCRIBE c", "LRANGE l 0 -1"]);
    h.read(&confirmation("unsubscribe", "c", 0, false));
    h.read(b"*1\r\n$7\r\nmessage\r\n");
    assert_eq!(
        h.reply(get),
        &Frame::Array(vec![bulk("message")]),
        "outside subscribed mode an array is a reply"
    );
}

#[test]
fn subscriptions_are_restored_after_a_reconnect() {
    let mut h = Harness::ready(config());
    let (channel, _) = h
        .conn
        .subscribe(SubscriptionKind::Channel, b"a", h.now)
        .unwrap();
    let (_, _) = h
        .conn
        .subscribe(SubscriptionKind::Channel, b"b", h.now)
        .unwrap();
    let (pattern, _) = h
        .conn
        .subscribe(SubscriptionKind::Pattern, b"p*", h.now)
        .unwrap();
    h.sent();
    h.read(&confirmation("subscribe", "a", 1, true));
    h.read(&confirmation("subscribe", "b", 2, true));
    h.read(&confirmation("psubscribe", "p*", 3, true));
    let queued = h.submit(cmd("GET").arg("k"));
    h.disconnect("server restarted");
    h.advance_to_deadline();
    h.open_socket();
    h.finish_handshake();
    assert_eq!(h.sent_lines(), ["SUBSCRIBE a b", "PSUBSCRIBE p*", "GET k"]);
    h.read(&confirmation("subscribe", "a", 1, true));
    h.read(&confirmation("subscribe", "b", 2, true));
    h.read(&confirmation("psubscribe", "p*", 3, true));
    h.read(&push(&["message", "a", "again"]));
    h.read(&push(&["pmessage", "p*", "pq", "too"]));
    h.read(b"$1\r\nv\r\n");
    assert_eq!(h.reply(queued), &bulk("v"));
    assert_eq!(h.conn.poll_delivery(channel), Some(message("a", "again")));
    assert!(matches!(
        h.conn.poll_delivery(pattern),
        Some(Delivery::Message(_))
    ));
}

#[test]
fn close_ends_subscriptions() {
    let mut h = Harness::ready(config());
    let (id, _) = h
        .conn
        .subscribe(SubscriptionKind::Channel, b"c", h.now)
        .unwrap();
    h.sent();
    h.read(&confirmation("subscribe", "c", 1, true));
    h.conn.close();
    h.collect();
    assert_eq!(h.conn.poll_delivery(id), Some(Delivery::Closed));
    assert_eq!(h.transport(), Some(TransportAction::Close));
}

#[test]
fn other_push_frames_are_events() {
    let mut h = Harness::ready(config());
    h.read(&push(&["invalidate", "k"]));
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, Event::Push(Frame::Push(_)))));
    assert_eq!(h.conn.state(), State::Ready);
}

// ----- MONITOR --------------------------------------------------------------

#[test]
fn monitor_mode_delivers_lines_and_refuses_commands() {
    let mut h = Harness::ready(config());
    let before = h.submit(cmd("PING"));
    let (id, token) = h.conn.monitor(h.now).unwrap();
    assert!(matches!(
        h.conn.submit(cmd("PING"), h.now),
        Err(Error::NotAllowed(_))
    ));
    assert_eq!(h.sent_lines(), ["PING", "MONITOR"]);
    h.read(b"+PONG\r\n+OK\r\n+1700000000.000000 [0 127.0.0.1:5000] \"GET\" \"k\"\r\n");
    assert_eq!(h.reply(before), &simple("PONG"));
    assert_eq!(h.reply(token), &simple("OK"));
    match h.conn.poll_delivery(id) {
        Some(Delivery::Message(m)) => assert!(m.payload.ends_with(b"\"GET\" \"k\"")),
        other => panic!("{other:?}"),
    }
    h.disconnect("eof");
    h.advance_to_deadline();
    h.open_socket();
    h.finish_handshake();
    assert_eq!(h.sent_lines(), ["MONITOR"], "restored after reconnecting");
}
