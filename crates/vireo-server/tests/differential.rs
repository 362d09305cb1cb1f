//! Differential tests: the same command sequences against Vireo and a real
//! `redis-server`, asserting byte-identical replies, errors included.
//!
//! Runs when `redis-server` is on PATH; CI installs it, and there a missing
//! binary fails the test instead of skipping it.

mod support;

use support::{find_program, ServerProcess};

/// Command sequences, one command per line, words separated by spaces.
/// Each sequence runs on a fresh connection after FLUSHALL.
const SEQUENCES: &[&str] = &[
    "PING
     PING hello
     PING a b
     ECHO x
     ECHO
     ECHO a b
     NOSUCHCOMMAND
     nosuchcommand a b c
     COMMAND nosuch
     COMMAND COUNT x",
    "GET missing
     SET k v
     GET k
     SET k v2 GET
     SET n v GET
     SET k x NX
     SET k x NX GET
     SET z x XX
     SET z x XX GET
     SET k x XX
     SET k v NX XX
     SET k v XX NX
     SET k v EX
     SET k v EX 0
     SET k v EX -1
     SET k v PX 0
     SET k v EXAT 0
     SET k v PXAT -5
     SET k v EX abc
     SET k v EX 1.5
     SET k v EX 9223372036854775807
     SET k v PX 9223372036854775807
     SET k v EX 100 PX 100
     SET k v EX 100 EX 200
     SET k v KEEPTTL EX 100
     SET k v EX 100 KEEPTTL
     SET k v KEEPTTL
     SET k v KEEPTTL KEEPTTL
     SET k v GET GET
     SET k v BOGUS
     SET k
     SET
     GET
     GET a b",
    "INCR n
     INCR n
     DECR n
     DECR m
     SET s abc
     INCR s
     SET s 007
     INCR s
     SET s 1.0
     INCR s
     SET s -0
     INCR s
     SET s 12345678901234567890
     INCR s
     SET big 9223372036854775807
     INCR big
     SET small -9223372036854775808
     DECR small
     INCR
     INCR a b",
    "MSET a 1 b 2 c 3
     MGET a b c d
     MSET a 1 b
     MSET a
     MGET
     EXISTS a b nope a
     EXISTS
     DEL a nope a
     DEL
     DBSIZE
     DBSIZE x
     FLUSHDB bogus
     FLUSHDB ASYNC SYNC
     FLUSHDB SYNC
     DBSIZE
     FLUSHALL async
     FLUSHALL nope",
    "SELECT 9
     SET k nine
     SELECT 15
     GET k
     SELECT 16
     SELECT -1
     SELECT x
     SELECT 1.5
     SELECT 99999999999
     SELECT
     SELECT 9
     GET k",
    "HELLO 4
     HELLO 1
     HELLO x
     HELLO 3 BOGUS
     HELLO 3 AUTH default
     HELLO 3 AUTH nobody pw
     AUTH x
     AUTH a b c
     QUIT",
    "COMMAND INFO nosuch
     COMMAND DOCS nosuch
     COMMAND LIST FILTERBY bogus x
     COMMAND LIST x
     COMMAND LIST FILTERBY ACLCAT nosuch
     COMMAND LIST FILTERBY MODULE nosuch
     FUNCTION FLUSH
     FUNCTION FLUSH bogus
     FUNCTION",
    "SET k v
     TYPE k
     TYPE nope
     TTL k
     PTTL k
     TTL nope
     PTTL nope
     EXPIRETIME k
     PEXPIRETIME nope
     EXPIRE k 100
     TTL k
     EXPIRE k 100 NX
     EXPIRE k 200 XX
     TTL k
     EXPIRE k 50 GT
     EXPIRE k 500 GT
     EXPIRE k 600 LT
     EXPIRE k 5 LT
     TTL k
     EXPIRE k 10 NX XX
     EXPIRE k 10 NX GT
     EXPIRE k 10 GT LT
     EXPIRE k 10 bogus
     EXPIRE k abc
     EXPIRE k 9223372036854775807
     PEXPIRE k 9223372036854775807
     EXPIRE k -9223372036854775808
     EXPIREAT k 4102444800
     EXPIRETIME k
     PEXPIRETIME k
     PEXPIREAT k 4102444800123
     PEXPIRETIME k
     EXPIRETIME k
     PERSIST k
     PERSIST k
     PERSIST nope
     TTL k
     EXPIRE nope 10
     SET p v
     EXPIRE p 10 XX
     EXPIRE p 10 GT
     EXPIRE p 10 LT
     TTL p
     PEXPIRE p -1
     EXISTS p
     SET q v
     EXPIREAT q 1
     GET q
     EXPIRE
     TTL",
    "SET a 1
     SET b 2
     UNLINK a nope
     TOUCH b b nope
     KEYS nomatch*
     KEYS b
     KEYS [ab]
     KEYS
     UNLINK
     TOUCH",
    "INCRBY n 10
     INCRBY n -3
     DECRBY n 4
     DECRBY n -9223372036854775808
     INCRBY n abc
     DECRBY n 1.5
     INCRBY n 9223372036854775807
     DECRBY m 9223372036854775807
     DECRBY m 2
     INCRBY n
     SETNX a 1
     SETNX a 2
     GET a
     SETEX b 100 v
     TTL b
     SETEX b 0 v
     SETEX b -1 v
     SETEX b x v
     PSETEX c 100000 v
     TTL c
     PSETEX c 0 v
     PSETEX c 9223372036854775807 v
     SETEX b 100
     GETSET b new
     TTL b
     GETSET fresh v
     GETDEL b
     GETDEL b
     EXISTS b
     MSETNX x 1 y 2
     MSETNX y 3 z 4
     MGET x y z
     MSETNX x
     MSETNX x 1 y",
    "APPEND s hello
     APPEND s world
     GET s
     STRLEN s
     STRLEN nope
     SET i 12
     APPEND i 3
     INCR i
     STRLEN i
     GETRANGE s 0 4
     GETRANGE s -5 -1
     GETRANGE s 5 100
     GETRANGE s -100 2
     GETRANGE s -1 -5
     GETRANGE s 3 1
     GETRANGE s 0 -1
     GETRANGE s -3 -2
     GETRANGE nope 0 5
     GETRANGE s a 1
     GETRANGE s 0 b
     SUBSTR s 1 3
     SET n 12345
     GETRANGE n 1 2
     SETRANGE s 0 J
     GET s
     SETRANGE s 12 !
     GET s
     SETRANGE s 1 x
     SETRANGE s -1 x
     SETRANGE s abc x
     SETRANGE t 0 x
     SETRANGE t 3 y
     GET t
     SETRANGE u 5 x
     STRLEN u
     SETRANGE s 600000000 x
     APPEND",
    "RENAME missing b
     SET a 1
     RENAME a a
     RENAMENX a a
     RENAME a b
     GET a
     GET b
     SET c 2
     RENAMENX b c
     RENAMENX b d
     PEXPIRE d 100000
     RENAME d e
     TTL e
     SET f x
     RENAME e f
     TTL f
     RENAMENX missing x
     RENAME a
     RENAME a b c
     RENAMENX a",
    "SET s hello
     COPY s t
     GET t
     COPY s t
     COPY s t REPLACE
     COPY s s
     COPY s s DB 0
     COPY s s DB 1
     SELECT 1
     GET s
     SELECT 0
     COPY s t DB
     COPY s t DB 16
     COPY s t DB -1
     COPY s t DB x
     COPY s t DB 99999999999
     COPY s t BOGUS
     COPY s t REPLACE REPLACE DB 2
     COPY missing t
     SET n 12
     EXPIRE n 1000
     COPY n m
     TTL m
     OBJECT ENCODING m
     APPEND s !
     COPY s r REPLACE
     OBJECT ENCODING r
     COPY s",
    "SET k v
     MOVE k 1
     MOVE k 1
     EXISTS k
     SELECT 1
     GET k
     MOVE k 1
     MOVE k 0
     SET k other
     MOVE k 0
     SELECT 0
     SET k again
     MOVE k 1
     MOVE missing 1
     MOVE k 16
     MOVE k -1
     MOVE k x
     MOVE k 1.5
     MOVE k 4294967296
     MOVE k",
    "SET a in0
     SWAPDB 0 1
     GET a
     SELECT 1
     GET a
     SWAPDB 1 1
     SWAPDB 0 16
     SWAPDB -1 0
     SWAPDB x 0
     SWAPDB 0 x
     SWAPDB x y
     SWAPDB 99999999999 0
     SWAPDB 0 99999999999
     SWAPDB 0",
    "RANDOMKEY
     RANDOMKEY x
     SET only one
     RANDOMKEY",
    "SCAN 0
     SET a 1
     SCAN 0
     SCAN 0 COUNT 10
     SCAN 0 MATCH a
     SCAN 0 MATCH b*
     SCAN 0 MATCH * COUNT 5
     SCAN 0 TYPE string
     SCAN 0 TYPE list
     SCAN 0 TYPE STRING
     SCAN 0 COUNT 0
     SCAN 0 COUNT -1
     SCAN 0 COUNT x
     SCAN 0 COUNT
     SCAN 0 MATCH
     SCAN 0 BOGUS x
     SCAN x
     SCAN +0
     SCAN 18446744073709551616
     SCAN 0x1
     SCAN 1a
     SCAN",
    "OBJECT ENCODING missing
     SET i 12345
     OBJECT ENCODING i
     SET e hello
     OBJECT ENCODING e
     SET big 123456789012345678901234567890123456789012345
     OBJECT ENCODING big
     SET edge 12345678901234567890123456789012345678901234
     OBJECT ENCODING edge
     SET neg -42
     OBJECT ENCODING neg
     SET lead 007
     OBJECT ENCODING lead
     APPEND a x
     OBJECT ENCODING a
     APPEND e !
     OBJECT ENCODING e
     SETRANGE r 0 hi
     OBJECT ENCODING r
     INCR counter
     OBJECT ENCODING counter
     OBJECT REFCOUNT counter
     OBJECT REFCOUNT e
     SET bigint 123456
     OBJECT REFCOUNT bigint
     OBJECT REFCOUNT missing
     OBJECT IDLETIME e
     OBJECT IDLETIME missing
     OBJECT FREQ e
     OBJECT FREQ missing
     OBJECT HELP
     OBJECT help extra
     OBJECT NOSUCH
     OBJECT
     OBJECT ENCODING
     OBJECT ENCODING a b",
];

/// Sequences run with `enable-debug-command yes` on both servers.
const DEBUG_SEQUENCES: &[&str] = &["DEBUG OBJECT missing
     DEBUG OBJECT
     DEBUG SET-ACTIVE-EXPIRE 0
     SET k v PX 1
     DEBUG SET-ACTIVE-EXPIRE 1
     DEBUG SET-ACTIVE-EXPIRE x
     DEBUG SET-ACTIVE-EXPIRE 1
     DEBUG SET-ACTIVE-EXPIRE
     DEBUG SET-ACTIVE-EXPIRE 1 2"];

/// Raw requests (protocol-level), each on its own connection; the reply
/// bytes and whether the connection was closed must match.
const RAW_REQUESTS: &[&[u8]] = &[
    b"*3000000000\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
    b"*1\r\nfoo\r\n",
    b"set \"\"\"test-key\"\"\" test-value\r\nping\r\n",
    b"*-10\r\n*0\r\nPING\r\n",
    b"  ping   \r\n",
    b"echo \"a\\x41\\n\" 'b\\'c'\r\n",
    b"*2\r\n$4\r\nECHO\r\n$3\r\na\r\nb\r\n",
    b"*2\r\n$3\r\nfoo\r\n$3\r\na\r\nb\r\n",
    b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n",
];

fn servers() -> Option<(ServerProcess, ServerProcess)> {
    let Some(redis) = find_program("redis-server") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install redis-server for the differential tests"
        );
        eprintln!("redis-server not installed; differential tests not run");
        return None;
    };
    let redis = ServerProcess::start(redis.to_str().expect("utf-8 path"), &[]);
    let vireo = ServerProcess::vireo(&[]);
    Some((redis, vireo))
}

#[test]
fn command_sequences_match_redis_byte_for_byte() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    for sequence in SEQUENCES {
        let mut redis_conn = redis.connect();
        let mut vireo_conn = vireo.connect();
        redis_conn.request(&[b"FLUSHALL"]);
        vireo_conn.request(&[b"FLUSHALL"]);
        for line in sequence.lines() {
            let args = support::words(line.trim());
            let expected = redis_conn.request(&args);
            let actual = vireo_conn.request(&args);
            assert_eq!(
                String::from_utf8_lossy(&actual),
                String::from_utf8_lossy(&expected),
                "reply to `{}` differs from Redis",
                line.trim()
            );
        }
    }
}

#[test]
fn debug_sequences_match_redis_byte_for_byte() {
    let Some(redis) = find_program("redis-server") else {
        return;
    };
    let flags = ["--enable-debug-command", "yes"];
    let redis = ServerProcess::start(redis.to_str().expect("utf-8 path"), &flags);
    let vireo = ServerProcess::vireo(&flags);
    for sequence in DEBUG_SEQUENCES {
        let mut redis_conn = redis.connect();
        let mut vireo_conn = vireo.connect();
        for line in sequence.lines() {
            let args = support::words(line.trim());
            let expected = redis_conn.request(&args);
            let actual = vireo_conn.request(&args);
            assert_eq!(
                String::from_utf8_lossy(&actual),
                String::from_utf8_lossy(&expected),
                "reply to `{}` differs from Redis",
                line.trim()
            );
        }
    }
}

#[test]
fn protocol_level_requests_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    for request in RAW_REQUESTS {
        let mut transcripts = Vec::new();
        for server in [&redis, &vireo] {
            let mut conn = server.connect();
            // Short: the end of a reply stream is detected by silence.
            conn.set_timeout(std::time::Duration::from_millis(300));
            conn.send_raw(request);
            let mut replies = Vec::new();
            while let Some(reply) = conn.read_reply() {
                replies.push(String::from_utf8_lossy(&reply).into_owned());
                if reply.starts_with(b"-ERR Protocol error") || reply == b"+OK\r\n" {
                    break;
                }
                if replies.len() > 10 {
                    break;
                }
            }
            let closed = replies
                .last()
                .is_some_and(|r| r.starts_with("-ERR Protocol error") || r == "+OK\r\n")
                && conn.is_closed_by_server();
            transcripts.push((replies, closed));
        }
        assert_eq!(
            transcripts[1],
            transcripts[0],
            "request {:?}",
            String::from_utf8_lossy(request)
        );
    }
}
