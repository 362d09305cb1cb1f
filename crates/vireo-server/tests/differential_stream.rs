//! Differential tests of the stream commands: the same requests against
//! Vireo and a real `redis-server`, asserting byte-identical replies
//! (errors, DUMP payloads and XINFO included). IDs are explicit wherever a
//! reply would otherwise depend on the clock, and replies carrying idle or
//! delivery times are compared only where both servers agree on them.
//!
//! Runs when `redis-server` is on PATH; CI installs it, and there a missing
//! binary fails the test instead of skipping it.

mod support;

use support::{Pair, ServerProcess};
use vireo_core::random::Rng;

fn servers() -> Option<(ServerProcess, ServerProcess)> {
    support::redis_and_vireo(&[])
}

/// What these tests add to the shared pair of connections.
impl Pair {
    fn lines(&mut self, lines: &str) {
        for line in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
            self.same(&support::words(line));
        }
    }

    /// Sends `line` to both and compares the replies with every integer
    /// masked, for replies that carry idle times.
    fn same_shape(&mut self, line: &str) {
        let args = support::words(line);
        let mask = |reply: Vec<u8>| -> String {
            let text = String::from_utf8_lossy(&reply).into_owned();
            text.split("\r\n")
                .map(|part| if part.starts_with(':') { ":N" } else { part })
                .collect::<Vec<_>>()
                .join("\r\n")
        };
        let expected = mask(self.redis.request(&args));
        let actual = mask(self.vireo.request(&args));
        assert_eq!(actual, expected, "request: {line}");
    }
}

#[test]
fn xadd_ids_options_and_errors_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    p.lines(
        "
        XADD s 1-1 a 1
        XADD s 1-1 a 1
        XADD s 1-0 a 1
        XADD s 1-* b 2
        XADD s 2-* c 3
        XADD s 5 d 4
        XADD s 0-0 a 1
        XADD new 0-0 a 1
        XADD new 0-* a 1
        XADD s abc a 1
        XADD s 1-2-3 a 1
        XADD s - a 1
        XADD s + a 1
        XADD s 9-1 a
        XADD s 9-1 a 1 b
        XADD s 9-1
        XADD s NOMKSTREAM 10-1 a 1
        XADD nokey NOMKSTREAM 10-1 a 1
        EXISTS nokey
        XADD s MAXLEN 2 10-1 a 1
        XLEN s
        XRANGE s - +
        XADD s MAXLEN = 1 11-1 a 1
        XADD s MAXLEN ~ 1 12-1 a 1
        XADD s MAXLEN -1 13-1 a 1
        XADD s MAXLEN x 13-1 a 1
        XADD s MAXLEN 1 MINID 2 13-1 a 1
        XADD s MINID 12 LIMIT 1 13-1 a 1
        XADD s MINID ~ 12 LIMIT -1 13-1 a 1
        XADD s MINID ~ 12 LIMIT 1 13-1 a 1
        XADD s LIMIT 1 13-1 a 1
        XADD s MINID 12 14-1 a 1
        XRANGE s - +
        XADD s MINID ( 15-1 a 1
        XADD s 18446744073709551615-18446744073709551615 a 1
        XADD s * a 1
        XADD s 18446744073709551615-* a 1
        SET str x
        XADD str 1-1 a 1
        XLEN str
        XLEN nokey
        XSETID s 20-0
        XSETID s 18446744073709551615-18446744073709551615
        TYPE s
        OBJECT ENCODING s
        ",
    );
}

#[test]
fn xrange_xrevrange_and_xdel_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    for i in 1..=30 {
        let id = format!("{i}-{}", i % 3);
        let value = format!("v{i}");
        if i % 4 == 0 {
            p.same(&[b"XADD", b"s", id.as_bytes(), b"other", value.as_bytes()]);
        } else {
            p.same(&[
                b"XADD",
                b"s",
                id.as_bytes(),
                b"f",
                value.as_bytes(),
                b"g",
                b"12345",
            ]);
        }
    }
    p.lines(
        "
        XRANGE s - +
        XRANGE s - + COUNT 3
        XRANGE s 5 10
        XRANGE s (5-2 (10-1
        XRANGE s 5-2 10-1 COUNT 0
        XRANGE s 5-2 10-1 COUNT -1
        XRANGE s 10 5
        XRANGE s ( +
        XRANGE s (- +
        XRANGE s - (+
        XRANGE s (18446744073709551615-18446744073709551615 +
        XRANGE s - (0-0
        XRANGE s x +
        XRANGE s - + COUNT
        XRANGE s - + COUNT x
        XRANGE s - + LIMIT 1
        XREVRANGE s + -
        XREVRANGE s + - COUNT 4
        XREVRANGE s (20 (10
        XREVRANGE s 10 20
        XRANGE nokey - +
        XREVRANGE nokey + -
        XDEL s 3-0 4-1 999-0
        XDEL s 3-0
        XDEL s bad
        XDEL nokey bad
        XDEL s 1-1
        XINFO STREAM s
        XRANGE s - + COUNT 5
        XREVRANGE s + - COUNT 5
        DUMP s
        XINFO STREAM s FULL
        XINFO STREAM s FULL COUNT 2
        XINFO STREAM s FULL COUNT 0
        XINFO STREAM s FULL COUNT
        XINFO STREAM s FOO
        XINFO STREAM nokey
        XINFO HELP
        XINFO HELP x
        XINFO FOO s
        XINFO GROUPS s
        XINFO CONSUMERS s g
        ",
    );
    for i in 1..=30 {
        let id = format!("{i}-{}", i % 3);
        p.same(&[b"XDEL", b"s", id.as_bytes()]);
    }
    p.lines(
        "
        XLEN s
        EXISTS s
        XINFO STREAM s
        XRANGE s - +
        XADD s 40-0 a 1
        XINFO STREAM s
        DUMP s
        ",
    );
}

#[test]
fn trimming_matches_redis_node_by_node() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    p.lines("CONFIG SET stream-node-max-entries 10");
    for i in 1..=95 {
        let id = format!("{i}-0");
        let value = format!("{}", i * 7);
        p.same(&[b"XADD", b"s", id.as_bytes(), b"field", value.as_bytes()]);
    }
    p.lines(
        "
        XINFO STREAM s
        DUMP s
        XTRIM s MAXLEN ~ 85
        XLEN s
        XTRIM s MAXLEN ~ 85 LIMIT 5
        XTRIM s MAXLEN = 82
        XINFO STREAM s
        DUMP s
        XTRIM s MINID ~ 30
        XTRIM s MINID 35
        XRANGE s - + COUNT 2
        XTRIM s MINID ~ 50 LIMIT 10
        XTRIM s MINID ~ 50 LIMIT 0
        XINFO STREAM s
        XTRIM s
        XTRIM s MAXLEN
        XTRIM s FOO 1
        XTRIM s MAXLEN 1 LIMIT 1
        XTRIM s LIMIT 1
        XTRIM s MAXLEN -1
        XTRIM nokey MAXLEN 1
        XTRIM s MAXLEN 0
        XLEN s
        EXISTS s
        XINFO STREAM s
        DUMP s
        ",
    );
    p.lines("CONFIG SET stream-node-max-entries 100");
    p.lines("CONFIG SET stream-node-max-bytes 60");
    for i in 1..=20 {
        let id = format!("{i}-0");
        p.same(&[b"XADD", b"b", id.as_bytes(), b"f", b"0123456789abcdef"]);
    }
    p.lines(
        "
        XINFO STREAM b
        DUMP b
        CONFIG SET stream-node-max-bytes 4096
        ",
    );
}

#[test]
fn random_workloads_store_the_same_bytes_as_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    for seed in 7..10 {
        let mut p = Pair::new(&redis, &vireo);
        run_stream_workload(&mut p, seed);
    }
}

fn run_stream_workload(p: &mut Pair, seed: u64) {
    let mut rng = Rng::new(seed);
    p.lines("CONFIG SET stream-node-max-entries 5");
    let mut next = 1u64;
    for _ in 0..400 {
        match rng.below(10) {
            0..=5 => {
                let id = format!("{next}-{}", rng.below(3));
                next += 1 + rng.below(3) as u64;
                let fields = 1 + rng.below(3);
                let mut args: Vec<Vec<u8>> = vec![b"XADD".to_vec(), b"s".to_vec(), id.into()];
                let same = rng.below(2) == 0;
                for f in 0..fields {
                    args.push(if same {
                        format!("k{f}").into_bytes()
                    } else {
                        format!("x{}", rng.below(5)).into_bytes()
                    });
                    args.push(match rng.below(3) {
                        0 => format!("{}", rng.next_u64() as i64 >> rng.below(60)).into_bytes(),
                        1 => vec![b'z'; rng.below(70)],
                        _ => format!("val{}", rng.below(1000)).into_bytes(),
                    });
                }
                let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                p.same(&refs);
            }
            6 | 7 => {
                let id = format!("{}-{}", rng.below(next as usize + 1), rng.below(3));
                p.same(&[b"XDEL", b"s", id.as_bytes()]);
            }
            8 => {
                let n = rng.below(40).to_string();
                let approx: &[u8] = if rng.below(2) == 0 { b"~" } else { b"=" };
                p.same(&[b"XTRIM", b"s", b"MAXLEN", approx, n.as_bytes()]);
                let limit = rng.below(12).to_string();
                let id = format!("{next}-0");
                next += 1;
                p.same(&[
                    b"XADD",
                    b"s",
                    b"MAXLEN",
                    b"~",
                    n.as_bytes(),
                    b"LIMIT",
                    limit.as_bytes(),
                    id.as_bytes(),
                    b"k",
                    b"v",
                ]);
            }
            _ => {
                let id = format!("{}", rng.below(next as usize + 1));
                let approx: &[u8] = if rng.below(2) == 0 { b"~" } else { b"=" };
                p.same(&[b"XTRIM", b"s", b"MINID", approx, id.as_bytes()]);
            }
        }
        p.same(&[b"DUMP", b"s"]);
    }
    p.lines(
        "
        XINFO STREAM s
        XRANGE s - +
        XREVRANGE s + - COUNT 7
        DEBUG DIGEST-VALUE s
        ",
    );
}

#[test]
fn xsetid_and_groups_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    p.lines(
        "
        XSETID nokey 1-1
        XADD s 5-0 a 1
        XADD s 6-0 a 1
        XSETID s 4-0
        XSETID s 6-0 ENTRIESADDED 1
        XSETID s 6-0 ENTRIESADDED -1
        XSETID s 6-0 MAXDELETEDID 7-0
        XSETID s 7-0 MAXDELETEDID 6-5 ENTRIESADDED 10
        XSETID s 7-0 FOO
        XSETID s bad
        XSETID s -
        XINFO STREAM s
        XGROUP HELP
        XGROUP CREATE nokey g $
        XGROUP CREATE nokey g $ MKSTREAM
        XINFO STREAM nokey
        XGROUP CREATE s g $
        XGROUP CREATE s g $
        XGROUP CREATE s g0 0
        XGROUP CREATE s g1 5-0 ENTRIESREAD 1
        XGROUP CREATE s g2 5-0 ENTRIESREAD -2
        XGROUP CREATE s g3 5-0 ENTRIESREAD x
        XGROUP CREATE s g4 bad
        XGROUP CREATE s g5 0 FOO
        XGROUP CREATE s g6 - 
        XGROUP CREATE s g7 0 MKSTREAM ENTRIESREAD 0 MKSTREAM
        XGROUP CREATE s g8 0 MKSTREAM ENTRIESREAD 0 MKSTREAM MKSTREAM
        XGROUP SETID s g 0
        XGROUP SETID s g - 
        XGROUP SETID s g $ ENTRIESREAD 2
        XGROUP SETID s nogroup 0
        XGROUP SETID s g 0 MKSTREAM
        XGROUP SETID nokey2 g 0
        XGROUP CREATECONSUMER s g alice
        XGROUP CREATECONSUMER s g alice
        XGROUP CREATECONSUMER s nogroup alice
        XGROUP DELCONSUMER s g bob
        XGROUP DELCONSUMER s g alice
        XGROUP DESTROY s g7
        XGROUP DESTROY s g7
        XGROUP DESTROY nokey2 g
        XGROUP FOO s g
        XGROUP CREATE s
        XINFO GROUPS s
        XINFO CONSUMERS s nogroup
        SET str x
        XGROUP CREATE str g $
        XINFO GROUPS str
        XSETID str 1-1
        ",
    );
}

#[test]
fn consumer_groups_deliver_ack_and_claim_like_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    for i in 1..=10 {
        let id = format!("{i}-0");
        p.same(&[b"XADD", b"s", id.as_bytes(), b"n", i.to_string().as_bytes()]);
    }
    p.lines(
        "
        XGROUP CREATE s g 0
        XREADGROUP GROUP g alice COUNT 3 STREAMS s >
        XREADGROUP GROUP g bob COUNT 2 STREAMS s >
        XREADGROUP GROUP g alice STREAMS s 0
        XREADGROUP GROUP g alice COUNT 1 STREAMS s 1-0
        XREADGROUP GROUP g bob STREAMS s 0
        XREADGROUP GROUP g carol STREAMS s 0
        XINFO GROUPS s
        XPENDING s g
        XPENDING s g - + 0
        XPENDING s g - + x
        XPENDING s g x + 10
        XPENDING s g - + 10 nobody
        XPENDING s g IDLE x - + 10
        XPENDING s g IDLE 0 - +
        XPENDING s g - +
        XPENDING s nogroup
        XPENDING nokey g
        ",
    );
    p.same_shape("XPENDING s g - + 10 bob");
    p.same_shape("XPENDING s g (1-0 (5-0 10 alice");
    p.same_shape("XPENDING s g IDLE 0 - + 10");
    p.same_shape("XPENDING s g IDLE 100000 - + 10");
    p.same_shape("XPENDING s g - + 3");
    p.lines(
        "
        XACK s g 1-0 1-0 2-0 99-0
        XACK s g bad
        XACK s nogroup bad
        XACK nokey g bad
        XPENDING s g
        XDEL s 4-0
        XREADGROUP GROUP g bob STREAMS s 0
        XINFO GROUPS s
        XREADGROUP GROUP g alice NOACK COUNT 2 STREAMS s >
        XPENDING s g
        XREADGROUP GROUP g alice STREAMS s $
        XREADGROUP GROUP nogroup alice STREAMS s >
        XREADGROUP GROUP g alice STREAMS nokey >
        XREADGROUP GROUP g alice STREAMS s
        XREADGROUP GROUP g alice STREAMS s x
        XREADGROUP GROUP g STREAMS s >
        XREADGROUP COUNT 1 STREAMS s >
        XREADGROUP GROUP g alice FOO STREAMS s >
        XREADGROUP GROUP g alice COUNT -5 STREAMS s 0
        XREADGROUP GROUP g alice STREAMS s >
        XINFO GROUPS s
        XCLAIM s g carol 0 5-0 JUSTID
        XCLAIM s g carol 0 6-0 RETRYCOUNT 7 JUSTID
        XCLAIM s g carol 0 3-0 4-0 9-0
        XPENDING s g
        XCLAIM s g dave 0 1-0 FORCE JUSTID
        XCLAIM s g dave 0 4-0 FORCE JUSTID
        XCLAIM s g dave 0 8-0 FOO
        XCLAIM s g dave x 8-0
        XCLAIM s g dave 0 8-0 IDLE x
        XCLAIM s g dave 0 8-0 TIME x
        XCLAIM s g dave 0 8-0 RETRYCOUNT x
        XCLAIM s g dave 0 8-0 LASTID x
        XCLAIM s g dave 0 8-0 LASTID 20-0 JUSTID
        XCLAIM s nogroup dave 0 8-0
        XCLAIM nokey g dave 0 8-0
        XINFO GROUPS s
        XAUTOCLAIM s g erin 0 0 COUNT 2 JUSTID
        XAUTOCLAIM s g erin 0 0 COUNT 100
        XAUTOCLAIM s g erin 0 (1-0 JUSTID
        XAUTOCLAIM s g erin 0 0 COUNT 0
        XAUTOCLAIM s g erin 0 0 COUNT x
        XAUTOCLAIM s g erin x 0
        XAUTOCLAIM s g erin 0 x
        XAUTOCLAIM s g erin 0 0 FOO
        XAUTOCLAIM s nogroup erin 0 0
        XAUTOCLAIM nokey g erin 0 0
        XDEL s 5-0 6-0
        XAUTOCLAIM s g frank 0 0 COUNT 3 JUSTID
        XAUTOCLAIM s g frank 0 0 JUSTID
        XPENDING s g
        ",
    );
    p.same_shape("XINFO CONSUMERS s g");
    p.same_shape("XPENDING s g - + 100");
    p.same_shape("XINFO STREAM s FULL");
    p.same_shape("XINFO STREAM s FULL COUNT 1");
    p.lines(
        "
        XGROUP DELCONSUMER s g erin
        XGROUP DELCONSUMER s g frank
        XPENDING s g
        XINFO GROUPS s
        XGROUP DESTROY s g
        XINFO GROUPS s
        ",
    );
    p.same_shape("XINFO CONSUMERS s g");
}

#[test]
fn xread_matches_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    p.lines(
        "
        XADD a 1-0 f 1
        XADD a 2-0 f 2
        XADD b 1-5 g 1
        XREAD STREAMS a b 0 0
        XREAD COUNT 1 STREAMS a b 0 0
        XREAD STREAMS a b 1 1-5
        XREAD STREAMS a b $ $
        XREAD STREAMS a nokey 0 0
        XREAD STREAMS a
        XREAD STREAMS a b 0
        XREAD STREAMS a x
        XREAD STREAMS a >
        XREAD STREAMS a -
        XREAD COUNT x STREAMS a 0
        XREAD BLOCK x STREAMS a 0
        XREAD BLOCK -1 STREAMS a 0
        XREAD GROUP g c STREAMS a 0
        XREAD NOACK STREAMS a 0
        XREAD FOO STREAMS a 0
        XREAD COUNT 1
        XREAD BLOCK 10 STREAMS a 0
        MULTI
        XREAD BLOCK 0 STREAMS a $
        EXEC
        SET str x
        XREAD STREAMS str 0
        XREAD STREAMS a str 0 0
        ",
    );
}

#[test]
fn resp3_replies_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    // The greetings differ in version and client id.
    p.redis.request(&support::words("HELLO 3"));
    p.vireo.request(&support::words("HELLO 3"));
    p.lines(
        "
        XADD a 1-0 f 1
        XADD a 2-0 f 2
        XREAD STREAMS a 0
        XRANGE a - + COUNT 0
        XGROUP CREATE a g 0
        XREADGROUP GROUP g c STREAMS a >
        XREADGROUP GROUP g c STREAMS a >
        XINFO STREAM a
        XINFO GROUPS a
        XPENDING a g
        XPENDING nokey g
        XADD a NOMKSTREAM 3-0 f 3
        XADD x NOMKSTREAM 3-0 f 3
        ",
    );
}

#[test]
fn getkeys_matches_redis_for_the_stream_commands() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    p.lines(
        "
        COMMAND GETKEYS XREAD COUNT 1 STREAMS a b 0 0
        COMMAND GETKEYS XREADGROUP GROUP g c STREAMS a b > >
        COMMAND GETKEYS XADD s * a 1
        COMMAND GETKEYS XGROUP CREATE s g $
        ",
    );
}

#[test]
fn copy_rename_restore_and_sort_treat_streams_like_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    p.lines(
        "
        XADD s 1-0 a 1
        XADD s 2-0 b 2
        XGROUP CREATE s g 0
        COPY s t
        XRANGE t - +
        XINFO GROUPS t
        RENAME t u
        XRANGE u - +
        SORT s
        SET plain 1
        SCAN 0 TYPE stream MATCH s
        SCAN 0 TYPE string
        ",
    );
    let dump = p.same(&[b"DUMP", b"s"]);
    // The bulk reply's payload.
    let start = dump.iter().position(|&b| b == b'\n').unwrap() + 1;
    let payload = &dump[start..dump.len() - 2];
    p.same(&[b"RESTORE", b"r", b"0", payload]);
    p.lines(
        "
        XRANGE r - +
        XINFO GROUPS r
        DEBUG RELOAD
        XRANGE s - +
        XINFO STREAM s
        ",
    );
}

/// Blocks `reader` on both servers with `block`, runs `wake` from the
/// pair's own connections, and compares what each reader then receives.
fn blocked_reply(
    redis: &ServerProcess,
    vireo: &ServerProcess,
    p: &mut Pair,
    block: &str,
    wake: &str,
) {
    let mut readers = [redis.connect(), vireo.connect()];
    let mut request = Vec::new();
    vireo_resp::encode::command(&mut request, &support::words(block));
    for reader in &mut readers {
        reader.send_raw(&request);
    }
    // Both readers must be blocked before the wake-up command runs.
    std::thread::sleep(std::time::Duration::from_millis(100));
    p.lines(wake);
    let [mut redis_reader, mut vireo_reader] = readers;
    let expected = redis_reader.read_reply().expect("redis replies");
    let actual = vireo_reader.read_reply().expect("vireo replies");
    assert_eq!(
        String::from_utf8_lossy(&actual),
        String::from_utf8_lossy(&expected),
        "blocked on {block}, woken by {wake}"
    );
}

#[test]
fn blocked_reads_wake_like_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    p.lines("XADD s 1-0 f 1");
    blocked_reply(
        &redis,
        &vireo,
        &mut p,
        "XREAD BLOCK 0 STREAMS s $",
        "XADD s 2-0 f 2",
    );
    blocked_reply(
        &redis,
        &vireo,
        &mut p,
        "XREAD BLOCK 0 COUNT 1 STREAMS nokey s $ 2-0",
        "XADD s 3-0 f 3\nXADD s 4-0 f 4",
    );
    blocked_reply(&redis, &vireo, &mut p, "XREAD BLOCK 50 STREAMS s $", "PING");
    blocked_reply(
        &redis,
        &vireo,
        &mut p,
        "XREAD BLOCK 0 STREAMS s s $ $",
        "XADD s 4-5 f 4",
    );
    p.lines("XGROUP CREATE s g $");
    blocked_reply(
        &redis,
        &vireo,
        &mut p,
        "XREADGROUP GROUP g c BLOCK 0 STREAMS s >",
        "XADD s 5-0 f 5",
    );
    p.lines("XGROUP CREATE s other $");
    blocked_reply(
        &redis,
        &vireo,
        &mut p,
        "XREADGROUP GROUP other c BLOCK 0 STREAMS s >",
        "XGROUP DESTROY s other",
    );
    blocked_reply(
        &redis,
        &vireo,
        &mut p,
        "XREADGROUP GROUP g c BLOCK 0 STREAMS s >",
        "SET s not-a-stream",
    );
    p.lines("DEL s\nXGROUP CREATE s g $ MKSTREAM");
    blocked_reply(
        &redis,
        &vireo,
        &mut p,
        "XREADGROUP GROUP g c BLOCK 0 NOACK STREAMS s >",
        "MULTI\nXADD s 7-0 f 7\nXADD s 8-0 f 8\nEXEC",
    );
    p.lines("XPENDING s g\nXINFO GROUPS s");
}

#[test]
fn keyspace_hits_and_misses_are_counted_like_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut p = Pair::new(&redis, &vireo);
    p.lines(
        "
        CONFIG RESETSTAT
        XADD s 1-0 f 1
        XGROUP CREATE s g 0
        XLEN s
        XLEN nokey
        XRANGE s - +
        XREAD STREAMS s nokey 0 0
        XREADGROUP GROUP g c STREAMS s >
        XACK s g 1-0
        XACK nokey g 1-0
        XCLAIM s g c 0 1-0
        XAUTOCLAIM s g c 0 0
        XPENDING s g
        XINFO STREAM s
        XDEL s 5-0
        XTRIM s MAXLEN 5
        XSETID s 9-0
        ",
    );
    let stats = |reply: Vec<u8>| -> Vec<String> {
        String::from_utf8_lossy(&reply)
            .lines()
            .filter(|line| line.starts_with("keyspace_"))
            .map(str::to_string)
            .collect()
    };
    let expected = stats(p.redis.request(&support::words("INFO stats")));
    let actual = stats(p.vireo.request(&support::words("INFO stats")));
    assert_eq!(actual, expected);
}

#[test]
fn random_group_workloads_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    for seed in 11..14 {
        let mut p = Pair::new(&redis, &vireo);
        run_group_workload(&mut p, seed);
    }
}

fn run_group_workload(p: &mut Pair, seed: u64) {
    let mut rng = Rng::new(seed);
    p.lines(
        "
        CONFIG SET stream-node-max-entries 4
        XGROUP CREATE s g1 $ MKSTREAM
        XGROUP CREATE s g2 0 ENTRIESREAD 0
        ",
    );
    let mut next = 1u64;
    let consumers = ["alice", "bob", "carol"];
    let groups = ["g1", "g2", "g3"];
    for _ in 0..600 {
        let group = groups[rng.below(groups.len())];
        let consumer = consumers[rng.below(consumers.len())];
        let some_id = format!("{}-0", 1 + rng.below(next as usize));
        let count = (1 + rng.below(4)).to_string();
        let line = match rng.below(14) {
            0..=3 => {
                next += 1;
                format!("XADD s {}-0 f {}", next - 1, rng.below(100))
            }
            4 => format!("XDEL s {some_id}"),
            5 => format!("XTRIM s MAXLEN {}", rng.below(30)),
            6 | 7 => format!("XREADGROUP GROUP {group} {consumer} COUNT {count} STREAMS s >"),
            8 => format!("XREADGROUP GROUP {group} {consumer} COUNT {count} STREAMS s 0"),
            9 => format!("XACK s {group} {some_id}"),
            10 => format!("XCLAIM s {group} {consumer} 0 {some_id} JUSTID"),
            11 => format!("XAUTOCLAIM s {group} {consumer} 0 {some_id} COUNT {count} JUSTID"),
            12 => match rng.below(3) {
                0 => format!("XGROUP CREATE s {group} {some_id}"),
                1 => format!("XGROUP SETID s {group} {some_id}"),
                _ => format!("XGROUP DELCONSUMER s {group} {consumer}"),
            },
            _ => format!("XREADGROUP GROUP {group} {consumer} NOACK COUNT {count} STREAMS s >"),
        };
        p.same(&support::words(&line));
        p.lines(
            "
            XINFO GROUPS s
            XPENDING s g1
            XPENDING s g2
            XINFO STREAM s
            ",
        );
    }
}
