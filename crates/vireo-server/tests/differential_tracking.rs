//! Differential tests for client-side caching: the same multi-connection
//! scenarios against Vireo and a real `redis-server`, asserting that every
//! connection receives byte-identical streams (replies, errors and
//! invalidation messages alike).
//!
//! Runs when `redis-server` is on PATH; CI installs it, and there a missing
//! binary fails the test instead of skipping it.

mod support;

use std::time::Duration;

use support::{Connection, ServerProcess};

/// Scenarios, one step per line:
/// - `N command words`: connection N sends the command and reads one frame;
/// - `N! command words`: sends without reading (a reply is not expected);
/// - `N~ command words`: reads one frame but does not compare it (HELLO
///   names the server's version);
/// - `N read`: reads one more frame (an invalidation) on connection N;
/// - `N close`: closes connection N;
/// - `sleep MS`: waits.
///
/// `$N` in a command is replaced by connection N's client id. Once a
/// scenario is over, whatever each connection still has to read is read
/// and compared too.
const SCENARIOS: &[&str] = &[
    // Option rules and their errors.
    "0 CLIENT TRACKING
     0 CLIENT TRACKING maybe
     0 CLIENT TRACKING on FOO
     0 CLIENT TRACKING on REDIRECT
     0 CLIENT TRACKING on REDIRECT abc
     0 CLIENT TRACKING on REDIRECT 0
     0 CLIENT TRACKING on REDIRECT 999999
     0 CLIENT TRACKING on REDIRECT $1 REDIRECT $1
     0 CLIENT TRACKING on PREFIX a
     0 CLIENT TRACKING on BCAST OPTIN
     0 CLIENT TRACKING on BCAST OPTOUT
     0 CLIENT TRACKING on OPTIN OPTOUT
     0 CLIENT TRACKING off REDIRECT 999999
     0 CLIENT TRACKING maybe BCAST
     0 CLIENT TRACKING on OPTIN
     0 CLIENT TRACKING on OPTOUT
     0 CLIENT TRACKING on BCAST
     0 CLIENT TRACKINGINFO
     0 CLIENT TRACKING off
     0 CLIENT TRACKING off
     0 CLIENT TRACKINGINFO
     0 CLIENT GETREDIR
     1 CLIENT TRACKING on BCAST PREFIX a PREFIX ab
     1 CLIENT TRACKING on BCAST PREFIX ab PREFIX a
     1 CLIENT TRACKING on BCAST PREFIX x PREFIX y
     1 CLIENT TRACKING on BCAST PREFIX xy
     1 CLIENT TRACKING on BCAST PREFIX z
     1 CLIENT TRACKING on
     1 CLIENT TRACKINGINFO
     1 CLIENT TRACKING off
     1 CLIENT TRACKINGINFO",
    // Redis compat: a collision found past the first prefix is an error
    // followed by +OK, tracking on.
    "0! CLIENT TRACKING on BCAST PREFIX a PREFIX b PREFIX bc
     0 read
     0 read
     0 CLIENT TRACKINGINFO",
    // CLIENT CACHING rules.
    "0 CLIENT CACHING yes
     0 CLIENT CACHING no
     0 CLIENT CACHING maybe
     0 CLIENT CACHING
     0 CLIENT TRACKING on
     0 CLIENT CACHING yes
     0 CLIENT CACHING no
     0 CLIENT TRACKING on OPTIN
     0 CLIENT CACHING no
     0 CLIENT CACHING maybe
     0 CLIENT CACHING yes
     0 CLIENT TRACKINGINFO
     0 CLIENT TRACKING on OPTOUT
     0 CLIENT TRACKING off
     0 CLIENT TRACKING on OPTOUT
     0 CLIENT CACHING no
     0 CLIENT TRACKINGINFO",
    // RESP2 with REDIRECT to a subscribed connection.
    "1 SUBSCRIBE __redis__:invalidate
     0 CLIENT TRACKING on REDIRECT $1
     0 GETREDIR
     0 CLIENT GETREDIR
     0 SET a 1
     0 GET a
     0 MGET a b c
     2 SET a 2
     1 read
     2 SET a 3
     0 GET b
     0 SET b 1
     1 read
     2 DEL c
     2 MSET b 1 c 2
     0 CLIENT TRACKINGINFO",
    // RESP2 redirect to a connection that is not subscribed: nothing.
    "0 CLIENT TRACKING on REDIRECT $1
     0 GET a
     2 SET a 1
     1 PING
     0 CLIENT TRACKING off",
    // RESP3 on the tracking connection itself: the reply comes before the
    // invalidation of the client's own write.
    "0~ HELLO 3
     0 CLIENT TRACKING on
     0 SET a 1
     0 GET a
     0 SET a 2
     0 read
     0 HSET h f 1
     0 HGET h f
     0 HDEL h f
     0 read
     1 SET a 3
     0 GET a
     1 SET a 4
     0 PING",
    // Inside a transaction, the invalidations follow EXEC's reply.
    "0~ HELLO 3
     0 CLIENT TRACKING on
     0 MSET a 1 b 2
     0 GET a
     0 GET b
     0 MULTI
     0 INCR a
     0 GET b
     0 SET b 3
     0 EXEC
     0 read
     0 read
     0 PING",
    // Writes found by key specs, and SORT's STORE which they miss. Every
    // invalidation is read before the next command, so that command's
    // reply is what the next read gets and the steps stay in order.
    "0~ HELLO 3
     0 CLIENT TRACKING on
     0 MGET s d dst
     1 RPUSH l 3 1 2
     1 SORT l STORE dst
     0 read
     1 SET s 1
     0 read
     0 MGET s d dst
     1 RENAME s d
     0 read
     0 read
     0 MGET s d
     1 DEL nothing
     1 SET s 2
     0 read
     0 GET s
     1 MOVE s 1
     0 read
     1 SELECT 1
     1 GET s
     0 PING",
    // Keys a command could only delete, absent before it, were not changed.
    "0~ HELLO 3
     0 CLIENT TRACKING on
     0 MGET a b l1 l2
     1 SET a 1
     0 read
     1 DEL a b
     1 RPUSH l2 x
     0 read
     0 MGET a b l1 l2
     1 BLPOP l1 l2 0
     0 read
     1 UNLINK b a
     1 SET b 1
     0 read
     0 PING",
    // NOLOOP.
    "0~ HELLO 3
     0 CLIENT TRACKING on NOLOOP
     0 GET a
     0 SET a 1
     0 GET a
     1 SET a 2
     0 PING",
    // OPTIN and OPTOUT with CLIENT CACHING.
    "0~ HELLO 3
     0 CLIENT TRACKING on OPTIN
     0 GET a
     1 SET a 1
     0 CLIENT CACHING yes
     0 GET a
     1 SET a 2
     0 read
     0 GET a
     1 SET a 3
     0 CLIENT CACHING yes
     0 MULTI
     0 GET b
     0 GET c
     0 EXEC
     1 MSET b 1 c 1
     0 read
     0 read
     0 CLIENT TRACKING off
     0 CLIENT TRACKING on OPTOUT
     0 GET d
     0 CLIENT CACHING no
     0 GET e
     1 MSET d 1 e 1
     0 PING",
    // CLIENT CACHING queued in a transaction covers it and ends with it.
    "0~ HELLO 3
     0 CLIENT TRACKING on OPTIN
     0 MULTI
     0 CLIENT CACHING yes
     0 GET a
     0 EXEC
     0 GET b
     1 MSET a 1 b 1
     0 read
     0 PING",
    // BCAST with prefixes and NOLOOP.
    "0~ HELLO 3
     0 CLIENT TRACKING on BCAST PREFIX a: PREFIX b:
     1 SET a:1 1
     0 read
     1 MSET b:2 1 c:3 1 a:4 1
     0 read
     0 read
     2~ HELLO 3
     2 CLIENT TRACKING on BCAST NOLOOP
     2 MSET x 1 y 2
     1 SET z 1
     2 read
     0 PING
     2 CLIENT TRACKINGINFO",
    // Switching to BCAST drops what was tracked before.
    "0~ HELLO 3
     0 CLIENT TRACKING on
     0 GET a
     0 CLIENT TRACKING off
     0 CLIENT TRACKING on BCAST PREFIX b
     1 SET a 1
     0 PING",
    // FLUSHALL and FLUSHDB send a null to every tracking client.
    "0~ HELLO 3
     0 CLIENT TRACKING on
     2 SUBSCRIBE __redis__:invalidate
     1 CLIENT TRACKING on REDIRECT $2
     0 GET a
     1 GET a
     3 FLUSHALL
     0 read
     2 read
     3 FLUSHDB
     0 read
     2 read
     0 FLUSHALL
     0 read
     0 MULTI
     0 FLUSHDB
     0 EXEC
     0 read",
    // A RESP2 tracking client redirecting to a RESP3 connection.
    "1~ HELLO 3
     0 CLIENT TRACKING on REDIRECT $1
     0 GET a
     2 SET a 1
     1 read
     2 FLUSHALL
     1 read",
    // A vanished redirect target: RESP3 clients are told, RESP2 ones not.
    "0~ HELLO 3
     0 CLIENT TRACKING on REDIRECT $2
     1 CLIENT TRACKING on REDIRECT $2
     0 GET a
     1 GET a
     2 close
     3 SET a 1
     0 read
     0 CLIENT TRACKINGINFO
     1 CLIENT TRACKINGINFO",
    // A redirect target closed by CLIENT KILL, in BCAST mode.
    "1 SUBSCRIBE __redis__:invalidate
     0~ HELLO 3
     0 CLIENT TRACKING on BCAST REDIRECT $1
     2 CLIENT KILL ID $1
     2 SET x 1
     0 read
     0 CLIENT TRACKINGINFO
     0 CLIENT TRACKING on BCAST
     2 SET x 2
     0 read",
    // CLIENT REPLY OFF does not silence invalidations.
    "0~ HELLO 3
     0 CLIENT TRACKING on
     0 GET a
     0! CLIENT REPLY OFF
     1 SET a 1
     0 read
     0! GET a
     0! SET a 2
     0 read
     0 CLIENT REPLY ON",
    // RESET turns tracking off and clears the redirect.
    "1 SUBSCRIBE __redis__:invalidate
     0 CLIENT TRACKING on REDIRECT $1
     0 GET a
     0 RESET
     0 CLIENT GETREDIR
     0 CLIENT TRACKINGINFO
     2 SET a 1
     0 GET a
     2 SET a 2
     1 PING",
];

/// Scenarios that need DEBUG or wait for expiry.
const EXPIRY_SCENARIOS: &[&str] = &[
    // Active expiry is an invalidation like any other change.
    "1 SUBSCRIBE __redis__:invalidate
     0 CLIENT TRACKING on BCAST REDIRECT $1 NOLOOP
     0 SET mykey myval px 1
     0 SET mykeyotherkey myval
     sleep 1100
     1 read",
    // Lazy expiry inside EXEC reaches a NOLOOP broadcast client.
    "1 SUBSCRIBE __redis__:invalidate
     0 CLIENT TRACKING on BCAST REDIRECT $1 NOLOOP
     0 MULTI
     0 SET mykey myval px 1
     0 SET mykeyotherkey myval
     0 DEBUG SLEEP 0.1
     0 GET mykey
     0 EXEC
     1 read",
    // Lazy expiry by the tracking client's own read comes after the reply.
    "0~ HELLO 3
     0 CLIENT TRACKING on
     0 DEBUG SET-ACTIVE-EXPIRE 0
     0 MULTI
     0 MSET x 1 y 2
     0 PEXPIRE y 100
     0 GET y
     0 EXEC
     sleep 150
     0 MGET x y
     0 read
     0 DEBUG SET-ACTIVE-EXPIRE 1",
];

fn servers(flags: &[&str]) -> Option<(ServerProcess, ServerProcess)> {
    support::redis_and_vireo(flags)
}

/// One server's side of a scenario.
struct Side {
    conns: Vec<Option<Connection>>,
    ids: Vec<String>,
}

impl Side {
    fn open(server: &ServerProcess, count: usize) -> Side {
        let mut conns = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..count {
            let mut conn = server.connect();
            let reply = conn.request(&[b"CLIENT", b"ID"]);
            let text = String::from_utf8_lossy(&reply);
            ids.push(text.trim_start_matches(':').trim_end().to_string());
            conns.push(Some(conn));
        }
        Side { conns, ids }
    }

    fn conn(&mut self, index: usize) -> &mut Connection {
        self.conns[index].as_mut().expect("connection still open")
    }

    fn send(&mut self, index: usize, words: &[&str]) {
        let owned: Vec<String> = words
            .iter()
            .map(|word| match word.strip_prefix('$') {
                Some(n) => self.ids[n.parse::<usize>().expect("connection number")].clone(),
                None => (*word).to_string(),
            })
            .collect();
        let args: Vec<&[u8]> = owned.iter().map(|w| w.as_bytes()).collect();
        let mut request = Vec::new();
        vireo_resp::encode::command(&mut request, &args);
        self.conn(index).send_raw(&request);
    }

    fn read(&mut self, index: usize) -> Vec<u8> {
        self.conn(index)
            .read_reply()
            .unwrap_or_else(|| b"(nothing)".to_vec())
    }

    /// Everything left to read on each open connection.
    fn drain(&mut self) -> Vec<Vec<u8>> {
        self.conns
            .iter_mut()
            .map(|conn| {
                let mut rest = Vec::new();
                if let Some(conn) = conn {
                    conn.set_timeout(Duration::from_millis(300));
                    while let Some(frame) = conn.read_reply() {
                        rest.extend_from_slice(&frame);
                    }
                }
                rest
            })
            .collect()
    }
}

fn connection_count(scenario: &str) -> usize {
    scenario
        .lines()
        .filter_map(|line| line.trim().chars().next()?.to_digit(10))
        .max()
        .map_or(1, |n| n as usize + 1)
}

/// The id the next connection to `server` gets.
fn next_id(server: &ServerProcess) -> i64 {
    let reply = server.connect().request(&[b"CLIENT", b"ID"]);
    let text = String::from_utf8_lossy(&reply).into_owned();
    text.trim_start_matches(':')
        .trim_end()
        .parse::<i64>()
        .expect("an id")
        + 1
}

/// Opens and drops connections until both servers give the next
/// connection the same id, so replies that show ids can be compared.
fn align_ids(redis: &ServerProcess, vireo: &ServerProcess) {
    let (mut on_redis, mut on_vireo) = (next_id(redis), next_id(vireo));
    while on_redis != on_vireo {
        if on_redis < on_vireo {
            on_redis = next_id(redis);
        } else {
            on_vireo = next_id(vireo);
        }
    }
}

fn run(redis: &ServerProcess, vireo: &ServerProcess, scenario: &str) {
    align_ids(redis, vireo);
    let count = connection_count(scenario);
    let mut expected = Side::open(redis, count);
    let mut actual = Side::open(vireo, count);
    assert_eq!(expected.ids, actual.ids, "client ids differ");
    expected.send(0, &["FLUSHALL"]);
    actual.send(0, &["FLUSHALL"]);
    assert_eq!(expected.read(0), actual.read(0));
    for line in scenario.lines().map(str::trim) {
        let words: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
        if words[0] == "sleep" {
            let ms = words[1].parse().expect("milliseconds");
            std::thread::sleep(Duration::from_millis(ms));
            continue;
        }
        let marker = words[0];
        let index = marker[..1].parse::<usize>().expect("connection number");
        let mode = &marker[1..];
        let command = &words[1..];
        match (mode, command) {
            (_, ["close"]) => {
                expected.conns[index] = None;
                actual.conns[index] = None;
                // Let both servers notice the connection is gone.
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
            (_, ["read"]) => {}
            ("!", _) => {
                expected.send(index, command);
                actual.send(index, command);
                continue;
            }
            _ => {
                expected.send(index, command);
                actual.send(index, command);
            }
        }
        let (want, got) = (expected.read(index), actual.read(index));
        if mode != "~" {
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
                "step `{line}` differs from Redis in:\n{scenario}"
            );
        }
    }
    let (want, got) = (expected.drain(), actual.drain());
    for (index, (want, got)) in want.iter().zip(&got).enumerate() {
        assert_eq!(
            String::from_utf8_lossy(got),
            String::from_utf8_lossy(want),
            "what connection {index} had left to read differs from Redis in:\n{scenario}"
        );
    }
}

#[test]
fn tracking_scenarios_match_redis_byte_for_byte() {
    let Some((redis, vireo)) = servers(&[]) else {
        return;
    };
    for scenario in SCENARIOS {
        run(&redis, &vireo, scenario);
    }
}

#[test]
fn expiry_invalidations_match_redis_byte_for_byte() {
    let Some((redis, vireo)) = servers(&["--enable-debug-command", "yes"]) else {
        return;
    };
    for scenario in EXPIRY_SCENARIOS {
        run(&redis, &vireo, scenario);
    }
}

/// A tracking client whose write wakes a blocked BLMOVE gets the
/// invalidation for the key the served client changed, after its reply,
/// with or without NOLOOP, as from Redis.
#[test]
fn invalidations_caused_by_serving_a_blocked_client_reach_the_writer() {
    let Some((redis, vireo)) = servers(&[]) else {
        return;
    };
    for noloop in [false, true] {
        let mut streams = Vec::new();
        for server in [&redis, &vireo] {
            let mut writer = server.connect();
            let mut blocked = server.connect();
            let mut stream = Vec::new();
            writer.request(&[b"HELLO", b"3"]);
            writer.request(&[b"FLUSHALL"]);
            let mut tracking: Vec<&[u8]> = vec![b"CLIENT", b"TRACKING", b"ON"];
            if noloop {
                tracking.push(b"NOLOOP");
            }
            stream.push(writer.request(&tracking));
            stream.push(writer.request(&[b"RPUSH", b"dst", b"y"]));
            stream.push(writer.request(&[b"LRANGE", b"dst", b"0", b"-1"]));
            blocked.send_raw(b"*6\r\n$6\r\nBLMOVE\r\n$3\r\nsrc\r\n$3\r\ndst\r\n$4\r\nLEFT\r\n$4\r\nLEFT\r\n$1\r\n0\r\n");
            // Bounded wait until the server has the client blocked.
            for _ in 0..100 {
                let clients = writer.request(&[b"INFO", b"clients"]);
                if String::from_utf8_lossy(&clients).contains("blocked_clients:1") {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            stream.push(writer.request(&[b"LPUSH", b"src", b"x"]));
            stream.push(writer.read_reply().expect("the invalidation of dst"));
            stream.push(blocked.read_reply().expect("BLMOVE's reply"));
            streams.push(stream);
        }
        let text = |stream: &Vec<Vec<u8>>| {
            stream
                .iter()
                .map(|reply| String::from_utf8_lossy(reply).into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(text(&streams[1]), text(&streams[0]), "NOLOOP: {noloop}");
    }
}
