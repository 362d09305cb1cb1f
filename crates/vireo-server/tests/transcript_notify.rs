//! Keyspace notifications through the server core: a subscriber client and
//! a writer client in one transcript, with the exact bytes pushed.

use vireo_core::expire::CycleKind;
use vireo_server::testing::{check, words, ClientHandle, Transcript};

/// A RESP2 bulk string.
fn bulk(text: &str) -> String {
    format!("${}\r\n{text}\r\n", text.len())
}

/// A RESP2 `pmessage` for pattern `__key*__:*`.
fn pmessage(channel: &str, message: &str) -> String {
    format!(
        "*4\r\n{}{}{}{}",
        bulk("pmessage"),
        bulk("__key*__:*"),
        bulk(channel),
        bulk(message)
    )
}

/// The keyspace then keyevent messages of `event` on `key` in db 0.
fn both(event: &str, key: &str) -> String {
    pmessage(&format!("__keyspace@0__:{key}"), event)
        + &pmessage(&format!("__keyevent@0__:{event}"), key)
}

/// Keyevent messages only, for classes configured without `K`.
fn keyevent(event: &str, key: &str) -> String {
    pmessage(&format!("__keyevent@0__:{event}"), key)
}

/// A writer and a subscriber to every notification, with `classes` set.
fn setup(classes: &str) -> (Transcript, ClientHandle, ClientHandle) {
    let mut t = Transcript::new();
    let writer = t.connect();
    let subscriber = t.connect();
    check(
        &mut t,
        writer,
        &format!("CONFIG SET notify-keyspace-events {classes}"),
        "+OK\r\n",
    );
    check(
        &mut t,
        subscriber,
        "PSUBSCRIBE __key*__:*",
        "*3\r\n$10\r\npsubscribe\r\n$10\r\n__key*__:*\r\n:1\r\n",
    );
    (t, writer, subscriber)
}

/// What the subscriber has been sent since it last looked.
fn pushed(t: &mut Transcript, subscriber: ClientHandle) -> String {
    String::from_utf8_lossy(&t.send(subscriber, b"")).into_owned()
}

#[test]
fn config_round_trips_in_redis_letter_order() {
    let mut t = Transcript::new();
    let c = t.connect();
    let get = "CONFIG GET notify-keyspace-events";
    check(
        &mut t,
        c,
        get,
        "*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n",
    );
    for (set, shown) in [
        ("KEA", "AKE"),
        ("gKE", "gKE"),
        ("$lshzxeKE", "$lshzxeKE"),
        ("Anm", "Am"),
        ("Exn", "xnE"),
        ("tdK", "tdK"),
    ] {
        check(
            &mut t,
            c,
            &format!("CONFIG SET notify-keyspace-events {set}"),
            "+OK\r\n",
        );
        check(
            &mut t,
            c,
            get,
            &format!("*2\r\n$22\r\nnotify-keyspace-events\r\n{}", bulk(shown)),
        );
    }
    check(
        &mut t,
        c,
        "CONFIG SET notify-keyspace-events KEQ",
        "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n",
    );
    check(
        &mut t,
        c,
        get,
        "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\ntdK\r\n",
    );
}

#[test]
fn nothing_is_published_by_default() {
    let mut t = Transcript::new();
    let writer = t.connect();
    let subscriber = t.connect();
    t.command(subscriber, &words("PSUBSCRIBE *"));
    check(&mut t, writer, "SET k v", "+OK\r\n");
    check(&mut t, writer, "DEL k", ":1\r\n");
    assert_eq!(pushed(&mut t, subscriber), "");
}

#[test]
fn channel_subscribers_get_keyspace_and_keyevent_messages() {
    let mut t = Transcript::new();
    let writer = t.connect();
    let subscriber = t.connect();
    check(
        &mut t,
        writer,
        "CONFIG SET notify-keyspace-events KE$",
        "+OK\r\n",
    );
    t.command(
        subscriber,
        &words("SUBSCRIBE __keyspace@0__:k __keyevent@0__:set"),
    );
    check(&mut t, writer, "SET k v", "+OK\r\n");
    assert_eq!(
        pushed(&mut t, subscriber),
        format!(
            "*3\r\n{}{}{}*3\r\n{}{}{}",
            bulk("message"),
            bulk("__keyspace@0__:k"),
            bulk("set"),
            bulk("message"),
            bulk("__keyevent@0__:set"),
            bulk("k")
        )
    );
    check(&mut t, writer, "SELECT 3", "+OK\r\n");
    check(&mut t, writer, "APPEND k v", ":1\r\n");
    assert_eq!(pushed(&mut t, subscriber), "", "db 3 is another channel");
}

#[test]
fn classes_mask_events() {
    let (mut t, writer, subscriber) = setup("KEl");
    check(&mut t, writer, "SET k v", "+OK\r\n");
    check(&mut t, writer, "LPUSH l a", ":1\r\n");
    check(&mut t, writer, "DEL l", ":1\r\n");
    assert_eq!(pushed(&mut t, subscriber), both("lpush", "l"));
}

#[test]
fn string_and_generic_commands_in_redis_order() {
    let (mut t, writer, subscriber) = setup("KEA");
    check(&mut t, writer, "SET k v EX 100", "+OK\r\n");
    check(&mut t, writer, "INCRBY n 2", ":2\r\n");
    check(&mut t, writer, "RENAME k k2", "+OK\r\n");
    check(&mut t, writer, "PERSIST k2", ":1\r\n");
    check(&mut t, writer, "MSET a 1 b 2", "+OK\r\n");
    check(&mut t, writer, "DEL a missing b", ":2\r\n");
    check(&mut t, writer, "EXPIRE n 0", ":1\r\n");
    check(&mut t, writer, "MOVE k2 1", ":1\r\n");
    let expected = both("set", "k")
        + &both("expire", "k")
        + &both("incrby", "n")
        + &both("rename_from", "k")
        + &both("rename_to", "k2")
        + &both("persist", "k2")
        + &both("set", "a")
        + &both("set", "b")
        + &both("del", "a")
        + &both("del", "b")
        + &both("del", "n")
        + &both("move_from", "k2")
        + &pmessage("__keyspace@1__:k2", "move_to")
        + &pmessage("__keyevent@1__:move_to", "k2");
    assert_eq!(pushed(&mut t, subscriber), expected);
}

#[test]
fn emptied_containers_announce_del_after_their_own_event() {
    let (mut t, writer, subscriber) = setup("KEA");
    check(&mut t, writer, "RPUSH l a", ":1\r\n");
    check(&mut t, writer, "LPOP l", "$1\r\na\r\n");
    check(&mut t, writer, "HSET h f v", ":1\r\n");
    check(&mut t, writer, "HDEL h f", ":1\r\n");
    check(&mut t, writer, "ZADD z 1 m", ":1\r\n");
    check(&mut t, writer, "ZREM z m nope", ":1\r\n");
    check(&mut t, writer, "ZREM z m", ":0\r\n");
    let expected = both("rpush", "l")
        + &both("lpop", "l")
        + &both("del", "l")
        + &both("hset", "h")
        + &both("hdel", "h")
        + &both("del", "h")
        + &both("zadd", "z")
        + &both("zrem", "z")
        + &both("del", "z");
    assert_eq!(pushed(&mut t, subscriber), expected);
}

#[test]
fn smove_announces_the_destination_only_when_it_gained_the_member() {
    let (mut t, writer, subscriber) = setup("Es");
    check(&mut t, writer, "SADD src a b", ":2\r\n");
    check(&mut t, writer, "SADD dst a", ":1\r\n");
    check(&mut t, writer, "SMOVE src dst a", ":1\r\n");
    check(&mut t, writer, "SMOVE src dst b", ":1\r\n");
    let expected = keyevent("sadd", "src")
        + &keyevent("sadd", "dst")
        + &keyevent("srem", "src")
        + &keyevent("srem", "src")
        + &keyevent("sadd", "dst");
    assert_eq!(pushed(&mut t, subscriber), expected);
}

#[test]
fn new_keys_are_announced_before_the_write_that_created_them() {
    let (mut t, writer, subscriber) = setup("KEn$");
    check(&mut t, writer, "SET foo bar", "+OK\r\n");
    check(&mut t, writer, "SET foo baz", "+OK\r\n");
    check(&mut t, writer, "SET bar bar", "+OK\r\n");
    let expected = both("new", "foo")
        + &both("set", "foo")
        + &both("set", "foo")
        + &both("new", "bar")
        + &both("set", "bar");
    assert_eq!(pushed(&mut t, subscriber), expected);
}

#[test]
fn lazy_expiry_is_announced_before_the_write_that_found_it() {
    // Transcripts run no active expire cycle: keys go only when looked up.
    let (mut t, writer, subscriber) = setup("KEA");
    check(&mut t, writer, "SET k v PX 10", "+OK\r\n");
    pushed(&mut t, subscriber);
    t.advance_ms(20);
    check(&mut t, writer, "SET k w", "+OK\r\n");
    check(&mut t, writer, "PSETEX gone 10 x", "+OK\r\n");
    t.advance_ms(20);
    check(&mut t, writer, "GET gone", "$-1\r\n");
    let expected = both("expired", "k")
        + &both("set", "k")
        + &both("set", "gone")
        + &both("expire", "gone")
        + &both("expired", "gone");
    assert_eq!(pushed(&mut t, subscriber), expected);
}

#[test]
fn active_expiry_is_announced() {
    let (mut t, writer, subscriber) = setup("Ex");
    check(&mut t, writer, "PSETEX foo 100 1", "+OK\r\n");
    t.advance_ms(200);
    let mut clock = || 0;
    t.server.active_expire_cycle(CycleKind::Slow, &mut clock);
    assert_eq!(pushed(&mut t, subscriber), keyevent("expired", "foo"));
}

#[test]
fn blocked_pop_served_later_is_announced_after_the_push() {
    let (mut t, writer, subscriber) = setup("El");
    let waiter = t.connect();
    check(&mut t, waiter, "BLPOP l 0", "");
    check(&mut t, writer, "RPUSH l a", ":1\r\n");
    assert_eq!(t.send(waiter, b""), b"*2\r\n$1\r\nl\r\n$1\r\na\r\n");
    let expected = keyevent("rpush", "l") + &keyevent("lpop", "l");
    assert_eq!(pushed(&mut t, subscriber), expected);
}

#[test]
fn a_resp3_writer_subscribed_to_its_own_keys_gets_pushes_before_the_reply() {
    let mut t = Transcript::new();
    let c = t.connect();
    t.command(c, &words("HELLO 3"));
    check(&mut t, c, "CONFIG SET notify-keyspace-events K$", "+OK\r\n");
    check(
        &mut t,
        c,
        "SUBSCRIBE __keyspace@0__:k",
        ">3\r\n$9\r\nsubscribe\r\n$16\r\n__keyspace@0__:k\r\n:1\r\n",
    );
    let push = ">3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n";
    check(&mut t, c, "SET k v", &format!("{push}+OK\r\n"));
    check(&mut t, c, "CLIENT REPLY OFF", "");
    check(&mut t, c, "SET k v", push);
}

#[test]
fn new_given_with_all_is_in_force_though_not_shown() {
    let (mut t, writer, subscriber) = setup("EAn");
    check(
        &mut t,
        writer,
        "CONFIG GET notify-keyspace-events",
        "*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nAE\r\n",
    );
    check(&mut t, writer, "SET k v", "+OK\r\n");
    assert_eq!(
        pushed(&mut t, subscriber),
        keyevent("new", "k") + &keyevent("set", "k")
    );
}

#[test]
fn read_lookups_of_missing_keys_are_announced_and_writes_are_not() {
    let (mut t, writer, subscriber) = setup("Em");
    check(&mut t, writer, "GET nosuch", "$-1\r\n");
    check(&mut t, writer, "OBJECT ENCODING nosuch", "$-1\r\n");
    check(&mut t, writer, "SET k v", "+OK\r\n");
    check(&mut t, writer, "EXISTS k other", ":1\r\n");
    check(&mut t, writer, "SUNIONSTORE dst src", ":0\r\n");
    let expected =
        keyevent("keymiss", "nosuch") + &keyevent("keymiss", "other") + &keyevent("keymiss", "src");
    assert_eq!(pushed(&mut t, subscriber), expected);
}

#[test]
fn smove_dooms_watchers_of_the_destination_only_when_it_gained_the_member() {
    let mut t = Transcript::new();
    let (watcher, mover) = (t.connect(), t.connect());
    check(&mut t, mover, "SADD src a b", ":2\r\n");
    check(&mut t, mover, "SADD dst a", ":1\r\n");
    check(&mut t, watcher, "WATCH dst", "+OK\r\n");
    check(&mut t, mover, "SMOVE src dst a", ":1\r\n");
    check(&mut t, watcher, "MULTI", "+OK\r\n");
    check(&mut t, watcher, "SADD dst c", "+QUEUED\r\n");
    check(&mut t, watcher, "EXEC", "*1\r\n:1\r\n");
    check(&mut t, watcher, "WATCH dst", "+OK\r\n");
    check(&mut t, mover, "SMOVE src dst b", ":1\r\n");
    check(&mut t, watcher, "MULTI", "+OK\r\n");
    check(&mut t, watcher, "SADD dst d", "+QUEUED\r\n");
    check(&mut t, watcher, "EXEC", "*-1\r\n");
}

#[test]
fn a_subscriber_whose_push_wakes_a_waiter_gets_the_waiters_events_after_its_own() {
    let mut t = Transcript::new();
    let (writer, waiter) = (t.connect(), t.connect());
    t.command(writer, &words("HELLO 3"));
    check(
        &mut t,
        writer,
        "CONFIG SET notify-keyspace-events El",
        "+OK\r\n",
    );
    t.command(
        writer,
        &words("SUBSCRIBE __keyevent@0__:rpush __keyevent@0__:lpop"),
    );
    check(&mut t, waiter, "BLPOP l 0", "");
    let push = |event: &str| {
        format!(
            ">3\r\n$7\r\nmessage\r\n{}$1\r\nl\r\n",
            bulk(&format!("__keyevent@0__:{event}"))
        )
    };
    check(
        &mut t,
        writer,
        "RPUSH l a",
        &format!(":1\r\n{}{}", push("rpush"), push("lpop")),
    );
    assert_eq!(t.send(waiter, b""), b"*2\r\n$1\r\nl\r\n$1\r\na\r\n");
}
