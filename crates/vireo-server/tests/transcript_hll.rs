//! RESP transcripts of the HyperLogLog commands: exact reply bytes, stored
//! sketch bytes included, through the server core.

use proptest::prelude::*;
use vireo_server::testing::{connected as setup, words, ClientHandle, Transcript};

/// Sends `line` (space-separated words) and asserts the exact reply bytes.
fn check(t: &mut Transcript, client: ClientHandle, line: &str, expected: &[u8]) {
    let reply = t.command(client, &words(line));
    assert_eq!(
        reply.escape_ascii().to_string(),
        expected.escape_ascii().to_string(),
        "request: {line}"
    );
}

/// The header of a sparse sketch with a stale cache.
const SPARSE_STALE: &[u8] = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80";
/// The sparse body Redis 7.0 stores for the elements a, b, c.
const ABC_BODY: &[u8] = b"\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a";

fn bulk(parts: &[&[u8]]) -> Vec<u8> {
    let body: Vec<u8> = parts.concat();
    let mut reply = format!("${}\r\n", body.len()).into_bytes();
    reply.extend_from_slice(&body);
    reply.extend_from_slice(b"\r\n");
    reply
}

#[test]
fn pfadd_stores_redis_bytes_and_pfcount_caches_the_estimate() {
    let (mut t, c) = setup();
    check(&mut t, c, "PFADD h a b c", b":1\r\n");
    check(&mut t, c, "GET h", &bulk(&[SPARSE_STALE, ABC_BODY]));
    check(&mut t, c, "PFCOUNT h", b":3\r\n");
    check(
        &mut t,
        c,
        "GET h",
        &bulk(&[
            b"HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00",
            ABC_BODY,
        ]),
    );
    // Nothing changes: the cache stays valid.
    check(&mut t, c, "PFADD h a b c", b":0\r\n");
    check(&mut t, c, "GETRANGE h 15 15", b"$1\r\n\x00\r\n");
    check(&mut t, c, "PFADD h 1 2 3", b":1\r\n");
    check(&mut t, c, "GETRANGE h 15 15", b"$1\r\n\x80\r\n");
    check(&mut t, c, "PFCOUNT h", b":6\r\n");
    check(&mut t, c, "TYPE h", b"+string\r\n");
    check(&mut t, c, "OBJECT ENCODING h", b"$3\r\nraw\r\n");
}

#[test]
fn pfadd_without_elements_creates_an_empty_sketch() {
    let (mut t, c) = setup();
    check(&mut t, c, "PFADD e", b":1\r\n");
    check(&mut t, c, "GET e", &bulk(&[SPARSE_STALE, b"\x7f\xff"]));
    check(&mut t, c, "PFADD e", b":0\r\n");
    check(&mut t, c, "PFCOUNT e", b":0\r\n");
    check(&mut t, c, "PFCOUNT missing", b":0\r\n");
    check(&mut t, c, "EXISTS missing", b":0\r\n");
    assert_eq!(t.command(c, &[b"PFADD", b"e", b""]), b":1\r\n");
}

#[test]
fn pfcount_of_several_keys_counts_the_union() {
    let (mut t, c) = setup();
    check(&mut t, c, "PFADD h1 a b c", b":1\r\n");
    check(&mut t, c, "PFADD h2 b c d", b":1\r\n");
    check(&mut t, c, "PFADD h3 c d e", b":1\r\n");
    check(&mut t, c, "PFCOUNT h1 h2 h3", b":5\r\n");
    check(&mut t, c, "PFCOUNT h1 missing", b":3\r\n");
    check(&mut t, c, "PFCOUNT missing other", b":0\r\n");
    // The union is not cached anywhere.
    check(&mut t, c, "GETRANGE h1 15 15", b"$1\r\n\x80\r\n");
}

#[test]
fn pfmerge_keeps_sparse_inputs_sparse_and_dense_ones_dense() {
    let (mut t, c) = setup();
    check(&mut t, c, "PFADD h1 a b c", b":1\r\n");
    check(&mut t, c, "PFADD h2 b c d", b":1\r\n");
    check(&mut t, c, "PFMERGE m h1 h2", b"+OK\r\n");
    check(&mut t, c, "PFDEBUG ENCODING m", b"+sparse\r\n");
    check(&mut t, c, "PFCOUNT m", b":4\r\n");
    check(&mut t, c, "PFADD d x", b":1\r\n");
    check(&mut t, c, "PFDEBUG TODENSE d", b":1\r\n");
    check(&mut t, c, "PFMERGE m2 h1 d", b"+OK\r\n");
    check(&mut t, c, "PFDEBUG ENCODING m2", b"+dense\r\n");
    check(&mut t, c, "PFCOUNT m2", b":4\r\n");
    check(&mut t, c, "STRLEN m2", b":12304\r\n");
    check(&mut t, c, "PFMERGE empty", b"+OK\r\n");
    check(&mut t, c, "GET empty", &bulk(&[SPARSE_STALE, b"\x7f\xff"]));
    check(
        &mut t,
        c,
        "PFMERGE",
        b"-ERR wrong number of arguments for 'pfmerge' command\r\n",
    );
}

#[test]
fn pfdebug_subcommands() {
    let (mut t, c) = setup();
    check(&mut t, c, "PFADD h a b c", b":1\r\n");
    check(&mut t, c, "PFDEBUG ENCODING h", b"+sparse\r\n");
    check(
        &mut t,
        c,
        "PFDEBUG DECODE h",
        b"$44\r\nZ:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603\r\n",
    );
    check(&mut t, c, "pfdebug todense h", b":1\r\n");
    check(&mut t, c, "PFDEBUG TODENSE h", b":0\r\n");
    check(&mut t, c, "PFDEBUG ENCODING h", b"+dense\r\n");
    check(
        &mut t,
        c,
        "PFDEBUG DECODE h",
        b"-ERR HLL encoding is not sparse\r\n",
    );
    check(&mut t, c, "PFCOUNT h", b":3\r\n");
    let registers = t.command(c, &words("PFDEBUG GETREG h"));
    assert!(registers.starts_with(b"*16384\r\n:0\r\n"));
    let ones = registers.windows(4).filter(|w| w == b":1\r\n").count();
    let twos = registers.windows(4).filter(|w| w == b":2\r\n").count();
    assert_eq!((ones, twos), (2, 1));
    check(
        &mut t,
        c,
        "PFDEBUG FOO h",
        b"-ERR Unknown PFDEBUG subcommand 'FOO'\r\n",
    );
    check(
        &mut t,
        c,
        "PFDEBUG ENCODING missing",
        b"-ERR The specified key does not exist\r\n",
    );
    check(
        &mut t,
        c,
        "PFDEBUG GETREG",
        b"-ERR wrong number of arguments for 'pfdebug' command\r\n",
    );
    // GETREG converts a sparse sketch for good.
    check(&mut t, c, "PFADD s a", b":1\r\n");
    let _ = t.command(c, &words("PFDEBUG GETREG s"));
    check(&mut t, c, "PFDEBUG ENCODING s", b"+dense\r\n");
}

#[test]
fn sparse_limit_is_configurable() {
    let (mut t, c) = setup();
    check(&mut t, c, "CONFIG SET hll-sparse-max-bytes 30", b"+OK\r\n");
    check(&mut t, c, "PFADD h a b c", b":1\r\n");
    check(&mut t, c, "PFDEBUG ENCODING h", b"+sparse\r\n");
    check(&mut t, c, "PFADD h d e f g", b":1\r\n");
    check(&mut t, c, "PFDEBUG ENCODING h", b"+dense\r\n");
    check(&mut t, c, "STRLEN h", b":12304\r\n");
    check(&mut t, c, "PFCOUNT h", b":7\r\n");
    check(
        &mut t,
        c,
        "CONFIG SET hll-sparse-max-bytes 3000",
        b"+OK\r\n",
    );
    check(&mut t, c, "PFADD h2 a b c d e f g", b":1\r\n");
    check(&mut t, c, "PFDEBUG ENCODING h2", b"+sparse\r\n");
}

#[test]
fn wrong_types_and_invalid_sketches_are_refused() {
    let (mut t, c) = setup();
    let not_hll: &[u8] = b"-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n";
    let wrong_type: &[u8] =
        b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    check(&mut t, c, "SET s bar", b"+OK\r\n");
    check(&mut t, c, "PFADD s 1", not_hll);
    check(&mut t, c, "PFCOUNT s", not_hll);
    check(&mut t, c, "PFCOUNT missing s", not_hll);
    check(&mut t, c, "PFMERGE d s", not_hll);
    check(&mut t, c, "PFMERGE s missing", not_hll);
    check(&mut t, c, "EXISTS d", b":0\r\n");
    check(&mut t, c, "SET n 12345", b"+OK\r\n");
    check(&mut t, c, "PFCOUNT n", not_hll);
    check(&mut t, c, "LPUSH l x", b":1\r\n");
    check(&mut t, c, "PFADD l x", wrong_type);
    check(&mut t, c, "PFCOUNT l", wrong_type);
    check(&mut t, c, "PFDEBUG ENCODING l", wrong_type);

    // A broken magic or encoding is not a sketch at all.
    check(&mut t, c, "PFADD h a b c", b":1\r\n");
    check(&mut t, c, "SETRANGE h 0 0123", b":27\r\n");
    check(&mut t, c, "PFCOUNT h", not_hll);
    check(&mut t, c, "SETRANGE h 0 HYLL", b":27\r\n");
    check(&mut t, c, "SETRANGE h 4 x", b":27\r\n");
    check(&mut t, c, "PFCOUNT h", not_hll);
    // Dense, but not 12304 bytes long.
    check(&mut t, c, "SETRANGE h 4 \x00", b":27\r\n");
    check(&mut t, c, "PFCOUNT h", not_hll);

    // A sparse body that does not cover exactly 16384 registers is corrupt.
    let corrupt: &[u8] = b"-INVALIDOBJ Corrupted HLL object detected\r\n";
    check(&mut t, c, "DEL h", b":1\r\n");
    check(&mut t, c, "PFADD h a b c", b":1\r\n");
    check(&mut t, c, "APPEND h hello", b":32\r\n");
    check(&mut t, c, "PFCOUNT h", corrupt);
    check(&mut t, c, "PFCOUNT h h", corrupt);
    check(&mut t, c, "PFMERGE d h", corrupt);
    check(&mut t, c, "PFDEBUG TODENSE h", corrupt);
    check(&mut t, c, "PFDEBUG GETREG h", corrupt);
    check(&mut t, c, "EXISTS d", b":0\r\n");
}

#[test]
fn a_stale_cache_refreshed_by_pfcount_breaks_watch() {
    let (mut t, c) = setup();
    check(&mut t, c, "PFADD w x", b":1\r\n");
    check(&mut t, c, "WATCH w", b"+OK\r\n");
    check(&mut t, c, "PFCOUNT w", b":1\r\n");
    check(&mut t, c, "MULTI", b"+OK\r\n");
    check(&mut t, c, "PING", b"+QUEUED\r\n");
    check(&mut t, c, "EXEC", b"*-1\r\n");
    // With the cache valid, counting changes nothing.
    check(&mut t, c, "WATCH w", b"+OK\r\n");
    check(&mut t, c, "PFCOUNT w", b":1\r\n");
    check(&mut t, c, "MULTI", b"+OK\r\n");
    check(&mut t, c, "PING", b"+QUEUED\r\n");
    check(&mut t, c, "EXEC", b"*1\r\n+PONG\r\n");
}

#[test]
fn command_info_declares_the_key_specs() {
    let (mut t, c) = setup();
    let info = t.command(c, &words("COMMAND INFO pfcount"));
    let expected: &[u8] = b"*1\r\n*10\r\n$7\r\npfcount\r\n:-2\r\n*1\r\n+readonly\r\n:1\r\n:-1\r\n:1\r\n*3\r\n+@read\r\n+@hyperloglog\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RW\r\n+access\r\n";
    assert_eq!(
        info[..expected.len().min(info.len())]
            .escape_ascii()
            .to_string(),
        expected.escape_ascii().to_string()
    );
    check(
        &mut t,
        c,
        "COMMAND GETKEYS PFMERGE d s1 s2",
        b"*3\r\n$1\r\nd\r\n$2\r\ns1\r\n$2\r\ns2\r\n",
    );
}

/// A reply the HLL commands may legitimately give for a hostile string.
fn is_expected_reply(reply: &[u8]) -> bool {
    reply.starts_with(b":")
        || reply.starts_with(b"+OK")
        || reply.starts_with(b"+sparse")
        || reply.starts_with(b"+dense")
        || reply.starts_with(b"$")
        || reply.starts_with(b"*16384\r\n")
        || reply == b"-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"
        || reply == b"-INVALIDOBJ Corrupted HLL object detected\r\n"
        || reply == b"-ERR HLL encoding is not sparse\r\n"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random bytes after a valid header, stored with SET, never crash or
    /// hang any HLL command, and the server keeps answering.
    #[test]
    fn hostile_sketches_never_crash_the_server(
        encoding in prop::sample::select(vec![0u8, 1, 2]),
        body in prop::collection::vec(any::<u8>(), 0..300),
        pad_to_dense in any::<bool>(),
    ) {
        let (mut t, c) = setup();
        let mut value = b"HYLL".to_vec();
        value.push(encoding);
        value.extend_from_slice(&[0; 11]);
        value.extend_from_slice(&body);
        if pad_to_dense {
            value.resize(12304, 0x5a);
        }
        prop_assert_eq!(t.command(c, &[b"SET", b"k", &value]), b"+OK\r\n".to_vec());
        let requests: [&[&[u8]]; 8] = [
            &[b"PFCOUNT", b"k"],
            &[b"PFADD", b"k", b"x", b"y", b"z"],
            &[b"PFCOUNT", b"k", b"missing"],
            &[b"PFMERGE", b"d", b"k"],
            &[b"PFDEBUG", b"DECODE", b"k"],
            &[b"PFDEBUG", b"ENCODING", b"k"],
            &[b"PFDEBUG", b"GETREG", b"k"],
            &[b"PFCOUNT", b"k"],
        ];
        for request in requests {
            let reply = t.command(c, request);
            prop_assert!(is_expected_reply(&reply), "{:?} -> {:?}", request, reply.escape_ascii().to_string());
        }
        prop_assert_eq!(t.command(c, &words("PING")), b"+PONG\r\n".to_vec());
    }
}
