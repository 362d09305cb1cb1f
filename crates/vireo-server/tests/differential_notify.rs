//! Differential test of keyspace notifications: one client subscribed to
//! `__key*__:*` records every notification while another runs commands of
//! every family; the recorded streams (and the writer's replies) must be
//! byte-identical between Vireo and a real `redis-server`. A second run has
//! a RESP3 writer subscribed itself, so the pushes interleave with its
//! replies, which must interleave as Redis's do.
//!
//! Runs when `redis-server` is on PATH; under CI a missing binary fails the
//! test instead of skipping it. Active expiry is switched off so that keys
//! expire only when looked up, which makes the stream deterministic.

mod support;

use std::time::Duration;

use support::{Connection, ServerProcess};

/// The writer's commands, one a line. `SLEEP ms` pauses the test instead of
/// sending; `RESTORE-FROM-DUMP src dst [option ...]` dumps `src` and
/// restores it at `dst`; `WAITER command ...` sends a blocking command from
/// a third client and returns once the server counts it blocked, and
/// `WAITER-REPLY` records that client's reply.
const SEQUENCE: &str = "
    CONFIG SET notify-keyspace-events KEAnm
    DEBUG SET-ACTIVE-EXPIRE 0
    SET s v
    SET s v2 EX 100
    SET s v3 KEEPTTL
    SET nx v NX
    SET nx v NX
    SET s v4 XX GET
    SET s v5 PXAT 1
    SETNX s2 x
    SETNX s2 x
    SETEX s3 100 v
    PSETEX s4 100000 v
    GETSET s2 y
    MSET m1 a m2 b
    MSETNX m1 a m3 c
    MSETNX m4 a m5 b
    INCR i
    INCRBY i 5
    DECR i
    DECRBY i 2
    INCRBYFLOAT f 1.5
    APPEND s2 zz
    APPEND s5 new
    SETRANGE s5 1 XY
    GETDEL s5
    GETDEL s5
    GETEX s3 EX 100
    GETEX s3 PERSIST
    GETEX s3 PERSIST
    GETEX s3 PXAT 1
    SETBIT b 7 1
    SETBIT b 7 1
    BITFIELD bf SET u8 0 255
    BITFIELD bf SET u8 0 255
    BITFIELD bf GET u8 0
    BITOP OR bo b bf
    BITOP AND bo missing1 missing2
    DEL m1 m2 nosuch
    UNLINK m3
    EXPIRE s2 100
    PEXPIRE s2 100000
    EXPIRE s2 100 NX
    EXPIREAT s2 1
    PERSIST m4
    PEXPIREAT m4 99999999999999
    PERSIST m4
    RENAME m4 m6
    SET m7 x
    RENAME m6 m7
    RENAMENX m7 m5
    RENAMENX m7 m8
    RENAME m8 m8
    MOVE m8 1
    COPY m5 c1
    COPY m5 c1
    COPY m5 c1 REPLACE
    COPY m5 c1 DB 2
    RESTORE-FROM-DUMP c1 r1
    RESTORE-FROM-DUMP c1 r1 REPLACE
    SET gone v PX 1
    SLEEP 20
    RESTORE-FROM-DUMP c1 gone
    MOVE m5 1
    MOVE m5 1
    LPUSH l a b c
    RPUSH l d
    LPUSHX nol a
    RPUSHX l e
    LINSERT l BEFORE a x
    LINSERT l BEFORE nope x
    LSET l 0 y
    LREM l 1 y
    LREM l 1 nope
    LTRIM l 0 2
    LPOP l
    RPOP l
    LPOP l 0
    LPOP l 5
    RPUSH l2 1 2 3
    LMOVE l2 l3 LEFT RIGHT
    RPOPLPUSH l2 l3
    RPOPLPUSH l2 l3
    LMPOP 2 nol l3 LEFT COUNT 1
    BLPOP l3 0
    BRPOP l3 0
    RPUSH l4 a b
    LTRIM l4 5 6
    RPUSH l5 x x
    LREM l5 0 x
    RPUSH l6 a b
    BLMOVE l6 l6 LEFT RIGHT 0
    BLMPOP 0 1 l6 RIGHT COUNT 5
    RPUSH sl 3 1 2
    WAITER BLPOP wl1 wl2 0
    RPUSH wl2 a b
    WAITER-REPLY
    WAITER BLMOVE wl3 wl4 RIGHT LEFT 0
    LPUSH wl3 x
    WAITER-REPLY
    WAITER BZPOPMAX wz 0
    ZADD wz 1 a
    WAITER-REPLY
    SORT sl STORE sd
    SORT nosuch STORE sd
    HSET h f1 v1 f2 v2
    HSET h f1 v1
    HSETNX h f1 x
    HSETNX h f3 x
    HINCRBY h n 2
    HINCRBYFLOAT h fl 1.5
    HDEL h nope
    HDEL h f1 f2 f3 n fl
    HMSET h2 a b
    SADD st a b c
    SADD st a
    SREM st a
    SREM st nope
    SADD st2 b
    SMOVE st st2 b
    SMOVE st st2 c
    SMOVE nosuch st2 c
    SADD st3 x
    SPOP st3
    SADD s1 1 2 3
    SADD s2x 2 3 4
    SINTERSTORE si s1 s2x
    SUNIONSTORE su s1 s2x
    SDIFFSTORE sdf s1 s2x
    SINTERSTORE si s1 nosuch
    SDIFFSTORE sdf s1 s1
    SPOP s1 0
    SPOP s1 3
    ZADD z 1 a 2 b 3 c
    ZADD z NX 5 a
    ZADD z XX 5 a
    ZADD z XX 5 a
    ZADD z INCR 1 a
    ZADD z GT 1 a
    ZINCRBY z 1 b
    ZREM z a nope
    ZREM z nope
    ZADD z 4 d 5 e 6 f
    ZREMRANGEBYSCORE z 4 4
    ZREMRANGEBYSCORE z 40 40
    ZREMRANGEBYRANK z 0 0
    ZREMRANGEBYLEX z - +
    ZADD z1 1 a 2 b 3 c
    ZADD z2 2 b 3 c 4 d
    ZUNIONSTORE zu 2 z1 z2
    ZINTERSTORE zi 2 z1 z2
    ZDIFFSTORE zd 2 z1 z2
    ZDIFFSTORE zd 2 z1 z1
    ZRANGESTORE zr z1 0 1
    ZRANGESTORE zr nosuch 0 1
    ZPOPMIN z1
    ZPOPMIN z1 0
    ZPOPMAX z1 5
    ZMPOP 1 z2 MIN COUNT 1
    BZPOPMIN z2 0
    BZPOPMAX z2 0
    BZMPOP 0 1 zu MAX COUNT 1
    GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
    GEOADD g 13.361389 38.115556 Palermo
    GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 200 km ASC
    GEORADIUS g 15 37 200 km STORE gr
    GEORADIUSBYMEMBER g Palermo 10 km STOREDIST grd
    GEOSEARCHSTORE gs g FROMLONLAT 0 0 BYRADIUS 1 km
    GEORADIUS nosuch 15 37 200 km STORE gr
    PFADD hll a b c
    PFADD hll a
    PFADD hll2 c d
    PFMERGE hll3 hll hll2
    PFCOUNT hll3 nosuch
    XADD x 1-0 f 1
    XADD x 1-0 f 1
    XADD nox NOMKSTREAM 1-0 f 1
    XADD x MAXLEN 1 2-0 f 2
    XADD x MAXLEN 5 3-0 f 3
    XDEL x 1-0 2-0
    XDEL x 9-0
    XTRIM x MAXLEN 0
    XTRIM x MAXLEN 0
    XSETID x 5-0
    XGROUP CREATE x g $
    XGROUP CREATE xs g $ MKSTREAM
    XGROUP CREATECONSUMER x g c1
    XGROUP CREATECONSUMER x g c1
    XGROUP SETID x g 0
    XADD x 6-0 f 6
    XREADGROUP GROUP g c2 STREAMS x >
    XREADGROUP GROUP g c3 STREAMS x 0
    XACK x g 6-0
    XCLAIM x g c4 0 6-0 FORCE
    XAUTOCLAIM x g c5 0 0
    XGROUP DELCONSUMER x g c1
    XGROUP DELCONSUMER x g nobody
    XGROUP DESTROY x g
    XGROUP DESTROY x g
    XLEN nosuch
    XRANGE nosuch - +
    XADD wx 0-1 f 0
    WAITER XREAD BLOCK 0 STREAMS wx $
    XADD wx 1-0 f 1
    WAITER-REPLY
    XGROUP CREATE wx wg $
    WAITER XREADGROUP GROUP wg c BLOCK 0 STREAMS wx >
    XADD wx 2-0 f 2
    WAITER-REPLY
    GET nosuch
    MGET s nosuch s2
    EXISTS nosuch s
    TYPE nosuch
    TTL nosuch
    OBJECT ENCODING nosuch
    STRLEN nosuch
    HGET nosuch f
    LRANGE nosuch 0 -1
    SMEMBERS nosuch
    ZSCORE nosuch a
    DUMP nosuch
    MULTI
    SET t 1
    INCR t
    EXEC
    SET e1 v PX 1
    SET e2 v PX 1
    SET e3 v PX 1
    SET e4 v PX 1
    HSET e5 f v
    PEXPIRE e5 1
    SLEEP 20
    GET e1
    SET e2 w
    LPUSH e3 a
    DEL e4
    HSET e5 g v
    SELECT 1
    SET d1 x
    FLUSHDB
    SWAPDB 0 1
    SWAPDB 0 1
    SELECT 0
    CONFIG SET notify-keyspace-events Kl
    SET quiet v
    RPUSH masked a
    CONFIG SET notify-keyspace-events ''
    SET silent v
";

/// The channel the writer publishes on last, so the subscriber knows the
/// stream is complete (it matches the subscription's pattern).
const END_CHANNEL: &[u8] = b"__keyend__:done";

fn servers() -> Option<(ServerProcess, ServerProcess)> {
    support::redis_and_vireo(&["--enable-debug-command", "yes"])
}

/// The bulk string payload of a RESP2 bulk reply.
fn bulk_payload(reply: &[u8]) -> Vec<u8> {
    assert!(
        reply.starts_with(b"$") && reply != b"$-1\r\n",
        "DUMP found nothing"
    );
    let header_end = reply
        .windows(2)
        .position(|pair| pair == b"\r\n")
        .expect("bulk header");
    reply[header_end + 2..reply.len() - 2].to_vec()
}

/// The client that runs the sequence.
struct Writer {
    connection: Connection,
    /// A RESP3 client subscribed to the notifications itself: each reply
    /// is read with the pushes around it, up to a PING sent after it.
    self_subscribed: bool,
    in_multi: bool,
}

impl Writer {
    fn send(&mut self, args: &[&[u8]]) -> Vec<u8> {
        let name = args[0].to_ascii_uppercase();
        let queued = self.in_multi && name != b"EXEC" && name != b"DISCARD";
        match name.as_slice() {
            b"MULTI" => self.in_multi = true,
            b"EXEC" | b"DISCARD" => self.in_multi = false,
            _ => {}
        }
        // Nothing is published while a transaction is being queued.
        if !self.self_subscribed || queued || self.in_multi {
            return self.connection.request(args);
        }
        let mut request = Vec::new();
        vireo_resp::encode::command(&mut request, args);
        vireo_resp::encode::command(&mut request, &[b"PING"]);
        self.connection.send_raw(&request);
        let mut frames = Vec::new();
        loop {
            let frame = self.connection.read_reply().expect("a reply, then PONG");
            if frame == b"+PONG\r\n" {
                return frames;
            }
            frames.extend_from_slice(&frame);
        }
    }
}

/// Runs the sequence against `server`; returns the writer's transcript and
/// the subscriber's recorded stream (empty when the writer is the
/// subscriber: its transcript holds the pushes).
fn record(server: &ServerProcess, self_subscribed: bool) -> (Vec<(String, String)>, Vec<u8>) {
    let mut writer = Writer {
        connection: server.connect(),
        self_subscribed,
        in_multi: false,
    };
    let mut subscriber = server.connect();
    let mut waiter = server.connect();
    writer.send(&[b"FLUSHALL"]);
    if self_subscribed {
        // The HELLO reply names the server: not recorded.
        writer.connection.request(&[b"HELLO", b"3"]);
        writer.connection.request(&[b"PSUBSCRIBE", b"__key*__:*"]);
    } else {
        subscriber.request(&[b"PSUBSCRIBE", b"__key*__:*"]);
    }
    let mut transcript = Vec::new();
    for line in SEQUENCE.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let args = support::words(line);
        let reply = match args.as_slice() {
            [b"SLEEP", ms] => {
                let ms = std::str::from_utf8(ms).expect("utf-8").parse().expect("ms");
                std::thread::sleep(Duration::from_millis(ms));
                continue;
            }
            [b"RESTORE-FROM-DUMP", source, destination, options @ ..] => {
                let payload = bulk_payload(&writer.connection.request(&[b"DUMP", source]));
                let mut restore: Vec<&[u8]> = vec![b"RESTORE", destination, b"0", &payload];
                restore.extend_from_slice(options);
                writer.send(&restore)
            }
            [b"WAITER", command @ ..] => {
                let mut request = Vec::new();
                vireo_resp::encode::command(&mut request, command);
                waiter.send_raw(&request);
                wait_until_blocked(&mut writer.connection);
                continue;
            }
            [b"WAITER-REPLY"] => waiter.read_reply().expect("the waiter is served"),
            [.., b"''"] => {
                let mut args = args.clone();
                *args.last_mut().expect("non-empty") = b"";
                writer.send(&args)
            }
            _ => writer.send(&args),
        };
        transcript.push((
            line.to_string(),
            String::from_utf8_lossy(&reply).into_owned(),
        ));
    }
    if self_subscribed {
        return (transcript, Vec::new());
    }
    writer.send(&[b"PUBLISH", END_CHANNEL, b"end"]);
    (transcript, read_stream(&mut subscriber))
}

/// Polls INFO until a client is blocked (the poll is not recorded).
fn wait_until_blocked(writer: &mut Connection) {
    for _ in 0..500 {
        let info = writer.request(&[b"INFO", b"clients"]);
        if String::from_utf8_lossy(&info).contains("blocked_clients:1\r\n") {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the waiter never blocked");
}

/// Reads the subscriber's messages up to the end marker.
fn read_stream(subscriber: &mut Connection) -> Vec<u8> {
    let mut stream = Vec::new();
    loop {
        let message = subscriber
            .read_reply()
            .expect("the end marker arrives before the connection goes quiet");
        if message.windows(END_CHANNEL.len()).any(|w| w == END_CHANNEL) {
            return stream;
        }
        stream.extend_from_slice(&message);
    }
}

#[test]
fn notification_streams_match_redis_byte_for_byte() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let (redis_replies, redis_stream) = record(&redis, false);
    let (vireo_replies, vireo_stream) = record(&vireo, false);
    assert_eq!(
        vireo_replies, redis_replies,
        "the writer's replies differ from Redis"
    );
    assert!(
        redis_stream.len() > 10_000,
        "the sequence covers many events"
    );
    // Compared message by message so that a failure names the first
    // difference rather than printing two whole streams.
    let split = |stream: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(stream)
            .split("*4\r\n$8\r\npmessage\r\n")
            .map(str::to_string)
            .collect()
    };
    let (expected, actual) = (split(&redis_stream), split(&vireo_stream));
    for (index, (want, got)) in expected.iter().zip(&actual).enumerate() {
        let window = index.saturating_sub(4)..index + 1;
        assert_eq!(
            got,
            want,
            "notification {index} differs from Redis; Redis sent {:?}, Vireo {:?}",
            &expected[window.clone()],
            &actual[window]
        );
    }
    assert_eq!(
        actual.len(),
        expected.len(),
        "Vireo sent a different number of notifications"
    );
}

#[test]
fn a_resp3_writer_gets_its_own_notifications_around_its_replies_as_in_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let (expected, _) = record(&redis, true);
    let (actual, _) = record(&vireo, true);
    for (want, got) in expected.iter().zip(&actual) {
        assert_eq!(got, want, "replies and pushes differ from Redis");
    }
    assert_eq!(actual.len(), expected.len());
}
