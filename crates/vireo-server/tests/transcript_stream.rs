//! RESP transcripts of the stream commands through the server core, with
//! the clock under the test's control: IDs from `*`, delivery and idle
//! times, blocking reads and their timeouts, keyspace notifications.

use vireo_server::testing::{check, connected as setup, words, Transcript, TRANSCRIPT_EPOCH_MS};

const EPOCH: i64 = TRANSCRIPT_EPOCH_MS;

fn bulk(text: &str) -> String {
    format!("${}\r\n{text}\r\n", text.len())
}

#[test]
fn auto_ids_follow_the_clock_and_never_go_back() {
    let (mut t, c) = setup();
    check(&mut t, c, "XADD s * a 1", &bulk(&format!("{EPOCH}-0")));
    check(&mut t, c, "XADD s * a 2", &bulk(&format!("{EPOCH}-1")));
    t.advance_ms(5);
    check(
        &mut t,
        c,
        "XADD s * a 3",
        &bulk(&format!("{}-0", EPOCH + 5)),
    );
    check(
        &mut t,
        c,
        &format!("XADD s {}-* a 4", EPOCH + 5),
        &bulk(&format!("{}-1", EPOCH + 5)),
    );
    check(
        &mut t,
        c,
        &format!("XADD s {}-0 a 5", EPOCH + 100),
        &bulk(&format!("{}-0", EPOCH + 100)),
    );
    // The clock is behind the last ID: the sequence goes on.
    check(
        &mut t,
        c,
        "XADD s * a 6",
        &bulk(&format!("{}-1", EPOCH + 100)),
    );
    check(&mut t, c, "XLEN s", ":6\r\n");
    check(&mut t, c, "TYPE s", "+stream\r\n");
    check(&mut t, c, "OBJECT ENCODING s", "$6\r\nstream\r\n");
}

#[test]
fn ranges_counts_and_exclusive_bounds() {
    let (mut t, c) = setup();
    for i in 1..=5 {
        check(
            &mut t,
            c,
            &format!("XADD s {i}-0 f v{i}"),
            &bulk(&format!("{i}-0")),
        );
    }
    check(
        &mut t,
        c,
        "XRANGE s (1 (3-0",
        "*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$2\r\nv2\r\n",
    );
    check(
        &mut t,
        c,
        "XREVRANGE s + - COUNT 1",
        "*1\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\nf\r\n$2\r\nv5\r\n",
    );
    check(&mut t, c, "XRANGE s - + COUNT 0", "*-1\r\n");
    check(&mut t, c, "XRANGE s 4 2", "*0\r\n");
    check(
        &mut t,
        c,
        "XRANGE s (18446744073709551615-18446744073709551615 +",
        "-ERR invalid start ID for the interval\r\n",
    );
    check(
        &mut t,
        c,
        "XRANGE s - (0-0",
        "-ERR invalid end ID for the interval\r\n",
    );
    check(&mut t, c, "XDEL s 2-0 3-0 9-0", ":2\r\n");
    check(&mut t, c, "XRANGE s 2 3", "*0\r\n");
}

#[test]
fn consumer_groups_track_pending_entries_with_times() {
    let (mut t, c) = setup();
    check(&mut t, c, "XADD s 1-0 f 1", "$3\r\n1-0\r\n");
    check(&mut t, c, "XADD s 2-0 f 2", "$3\r\n2-0\r\n");
    check(&mut t, c, "XGROUP CREATE s g 0", "+OK\r\n");
    check(
        &mut t,
        c,
        "XREADGROUP GROUP g alice COUNT 1 STREAMS s >",
        "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n",
    );
    t.advance_ms(250);
    check(
        &mut t,
        c,
        "XPENDING s g - + 10",
        "*1\r\n*4\r\n$3\r\n1-0\r\n$5\r\nalice\r\n:250\r\n:1\r\n",
    );
    check(&mut t, c, "XPENDING s g IDLE 300 - + 10", "*0\r\n");
    check(
        &mut t,
        c,
        "XINFO CONSUMERS s g",
        "*1\r\n*6\r\n$4\r\nname\r\n$5\r\nalice\r\n$7\r\npending\r\n:1\r\n$4\r\nidle\r\n:250\r\n",
    );
    // Not idle long enough: nothing claimed.
    check(&mut t, c, "XCLAIM s g bob 1000 1-0 JUSTID", "*0\r\n");
    check(
        &mut t,
        c,
        "XCLAIM s g bob 100 1-0 JUSTID",
        "*1\r\n$3\r\n1-0\r\n",
    );
    check(
        &mut t,
        c,
        "XPENDING s g - + 10",
        "*1\r\n*4\r\n$3\r\n1-0\r\n$3\r\nbob\r\n:0\r\n:1\r\n",
    );
    t.advance_ms(10);
    check(
        &mut t,
        c,
        "XCLAIM s g carol 0 1-0 IDLE 500 RETRYCOUNT 9",
        "*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n",
    );
    check(
        &mut t,
        c,
        "XPENDING s g - + 10",
        "*1\r\n*4\r\n$3\r\n1-0\r\n$5\r\ncarol\r\n:500\r\n:9\r\n",
    );
    check(
        &mut t,
        c,
        "XAUTOCLAIM s g dave 400 0 COUNT 5",
        "*3\r\n$3\r\n0-0\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*0\r\n",
    );
    check(&mut t, c, "XDEL s 1-0", ":1\r\n");
    check(
        &mut t,
        c,
        "XAUTOCLAIM s g dave 0 0",
        "*3\r\n$3\r\n0-0\r\n*0\r\n*1\r\n$3\r\n1-0\r\n",
    );
    check(
        &mut t,
        c,
        "XPENDING s g",
        "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n",
    );
}

#[test]
fn xread_block_serves_the_first_waiter_with_the_ids_it_blocked_on() {
    let (mut t, writer) = setup();
    let first = t.connect();
    let second = t.connect();
    check(&mut t, writer, "XADD s 1-0 f 1", "$3\r\n1-0\r\n");
    assert_eq!(t.command(first, &words("XREAD BLOCK 0 STREAMS s $")), b"");
    assert_eq!(
        t.command(second, &words("XREAD BLOCK 0 COUNT 1 STREAMS s $")),
        b""
    );
    check(&mut t, writer, "XADD s 2-0 f 2", "$3\r\n2-0\r\n");
    let entry = "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n";
    assert_eq!(String::from_utf8_lossy(&t.send(first, b"")), entry);
    assert_eq!(String::from_utf8_lossy(&t.send(second, b"")), entry);
}

#[test]
fn xread_block_times_out_with_a_null_array() {
    let (mut t, c) = setup();
    assert_eq!(t.command(c, &words("XREAD BLOCK 100 STREAMS s 0")), b"");
    t.advance_ms(99);
    t.server.expire_blocked_clients();
    assert_eq!(t.send(c, b""), b"");
    t.advance_ms(1);
    t.server.expire_blocked_clients();
    assert_eq!(t.send(c, b""), b"*-1\r\n");
    // A key of another type does not wake the reader.
    assert_eq!(t.command(c, &words("XREAD BLOCK 0 STREAMS s 0")), b"");
    let other = t.connect();
    check(&mut t, other, "SET s x", "+OK\r\n");
    assert_eq!(t.send(c, b""), b"");
}

#[test]
fn xreadgroup_block_gets_new_entries_and_errors_when_the_group_goes() {
    let (mut t, writer) = setup();
    let reader = t.connect();
    check(&mut t, writer, "XGROUP CREATE s g $ MKSTREAM", "+OK\r\n");
    assert_eq!(
        t.command(reader, &words("XREADGROUP GROUP g c BLOCK 0 STREAMS s >")),
        b""
    );
    check(&mut t, writer, "XADD s 1-0 f 1", "$3\r\n1-0\r\n");
    assert_eq!(
        String::from_utf8_lossy(&t.send(reader, b"")),
        "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n"
    );
    check(
        &mut t,
        writer,
        "XPENDING s g",
        "*4\r\n:1\r\n$3\r\n1-0\r\n$3\r\n1-0\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n",
    );

    assert_eq!(
        t.command(reader, &words("XREADGROUP GROUP g c BLOCK 0 STREAMS s >")),
        b""
    );
    check(&mut t, writer, "XGROUP DESTROY s g", ":1\r\n");
    assert_eq!(
        String::from_utf8_lossy(&t.send(reader, b"")),
        "-NOGROUP the consumer group this client was blocked on no longer exists\r\n"
    );

    check(&mut t, writer, "XGROUP CREATE s g $", "+OK\r\n");
    assert_eq!(
        t.command(reader, &words("XREADGROUP GROUP g c BLOCK 0 STREAMS s >")),
        b""
    );
    check(&mut t, writer, "DEL s", ":1\r\n");
    assert_eq!(
        String::from_utf8_lossy(&t.send(reader, b"")),
        "-UNBLOCKED the stream key no longer exists\r\n"
    );
}

#[test]
fn blocking_reads_answer_at_once_inside_multi() {
    let (mut t, c) = setup();
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "XREAD BLOCK 0 STREAMS s $", "+QUEUED\r\n");
    check(&mut t, c, "EXEC", "*1\r\n*-1\r\n");
}

#[test]
fn stream_events_reach_keyspace_subscribers() {
    let mut t = Transcript::new();
    let c = t.connect();
    let subscriber = t.connect();
    check(&mut t, c, "CONFIG SET notify-keyspace-events Et", "+OK\r\n");
    t.command(subscriber, &words("PSUBSCRIBE __keyevent@0__:*"));
    for line in [
        "XADD s MAXLEN 1 1-0 f 1",
        "XADD s MAXLEN 1 2-0 f 1",
        "XDEL s 2-0",
        "XADD s 3-0 f 1",
        "XTRIM s MAXLEN 0",
        "XSETID s 5-0",
        "XGROUP CREATE s g $",
        "XGROUP CREATECONSUMER s g c",
        "XGROUP SETID s g 0",
        "XGROUP DELCONSUMER s g c",
        "XGROUP DESTROY s g",
    ] {
        t.command(c, &words(line));
    }
    let events = String::from_utf8_lossy(&t.send(subscriber, b"")).into_owned();
    let names: Vec<&str> = events
        .split("\r\n")
        .filter_map(|part| part.strip_prefix("__keyevent@0__:"))
        .filter(|name| *name != "*")
        .collect();
    assert_eq!(
        names,
        [
            "xadd",
            "xadd",
            "xtrim",
            "xdel",
            "xadd",
            "xtrim",
            "xsetid",
            "xgroup-create",
            "xgroup-createconsumer",
            "xgroup-setid",
            "xgroup-delconsumer",
            "xgroup-destroy"
        ]
    );
}

#[test]
fn dump_restore_and_debug_reload_keep_groups() {
    let mut config = vireo_server::config::Config::default();
    config.enable_debug_command = vireo_server::config::ProtectedAccess::Yes;
    let mut t = Transcript::with_config(config);
    let c = t.connect();
    check(&mut t, c, "XADD s 1-0 f 1", "$3\r\n1-0\r\n");
    check(&mut t, c, "XGROUP CREATE s g 0", "+OK\r\n");
    t.command(c, &words("XREADGROUP GROUP g alice STREAMS s >"));
    check(&mut t, c, "DEBUG RELOAD", "+OK\r\n");
    check(
        &mut t,
        c,
        "XPENDING s g",
        "*4\r\n:1\r\n$3\r\n1-0\r\n$3\r\n1-0\r\n*1\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n",
    );
    check(&mut t, c, "COPY s t", ":1\r\n");
    check(&mut t, c, "XLEN t", ":1\r\n");
    check(
        &mut t,
        c,
        "SORT s",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
}

#[test]
fn flushing_or_swapping_the_database_ends_a_blocked_xreadgroup() {
    let (mut t, writer) = setup();
    let reader = t.connect();
    for ending in ["FLUSHALL", "FLUSHDB", "SWAPDB 0 1"] {
        check(&mut t, writer, "XGROUP CREATE s g $ MKSTREAM", "+OK\r\n");
        assert_eq!(
            t.command(reader, &words("XREADGROUP GROUP g c BLOCK 0 STREAMS s >")),
            b""
        );
        check(&mut t, writer, ending, "+OK\r\n");
        assert_eq!(
            String::from_utf8_lossy(&t.send(reader, b"")),
            "-UNBLOCKED the stream key no longer exists\r\n",
            "after {ending}"
        );
    }
}

#[test]
fn a_served_waiter_gets_one_stream_even_when_named_twice() {
    let (mut t, writer) = setup();
    let reader = t.connect();
    check(&mut t, writer, "XADD s 1-0 f 1", "$3\r\n1-0\r\n");
    assert_eq!(
        t.command(reader, &words("XREAD BLOCK 0 STREAMS s s $ $")),
        b""
    );
    check(&mut t, writer, "XADD s 2-0 f 2", "$3\r\n2-0\r\n");
    assert_eq!(
        String::from_utf8_lossy(&t.send(reader, b"")),
        "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n"
    );
}
