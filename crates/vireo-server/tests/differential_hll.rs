//! Differential tests of the HyperLogLog commands: the same requests against
//! Vireo and a real `redis-server`, asserting byte-identical replies, so the
//! stored sketches (GET, DUMP), the estimates and the errors all agree.
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
    /// PFADD `elements` to `key`, then compares the stored bytes, the
    /// estimate, the bytes with the refreshed cache and the DUMP payload.
    fn add_and_compare(&mut self, key: &[u8], elements: &[Vec<u8>]) {
        let mut args: Vec<&[u8]> = vec![b"PFADD", key];
        args.extend(elements.iter().map(Vec::as_slice));
        self.same(&args);
        self.same(&[b"GET", key]);
        self.same(&[b"PFCOUNT", key]);
        self.same(&[b"GET", key]);
        self.same(&[b"DUMP", key]);
    }

    fn set_sparse_max_bytes(&mut self, bytes: usize) {
        let value = bytes.to_string();
        self.same(&[b"CONFIG", b"SET", b"hll-sparse-max-bytes", value.as_bytes()]);
    }
}

/// `count` distinct-looking elements drawn from `rng`, of varied lengths so
/// every tail length of the hash is exercised.
fn elements(rng: &mut Rng, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|_| {
            let len = rng.below(20);
            (0..len).map(|_| rng.next_u64() as u8).collect()
        })
        .collect()
}

#[test]
fn pfadd_sequences_store_the_same_bytes_as_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    let mut rng = Rng::new(0x5eed_0001);
    // The default limit, a tiny one, and one so small every sketch is dense
    // from its first register.
    for sparse_max_bytes in [3000, 120, 0] {
        pair.set_sparse_max_bytes(sparse_max_bytes);
        pair.line("DEL h");
        pair.line("PFADD h");
        pair.line("GET h");
        // 30 batches of 100 cross the sparse-to-dense promotion at 3000 bytes.
        for _ in 0..30 {
            let batch = elements(&mut rng, 100);
            pair.add_and_compare(b"h", &batch);
        }
        // Adding what is already there changes nothing.
        pair.line("PFADD h a");
        pair.line("PFADD h a");
        pair.line("GET h");
    }
    pair.set_sparse_max_bytes(3000);
}

#[test]
fn small_sketches_match_redis_element_by_element() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    let mut rng = Rng::new(0x5eed_0002);
    for element in elements(&mut rng, 400) {
        pair.add_and_compare(b"one", &[element]);
    }
    pair.line("OBJECT ENCODING one");
    pair.line("TYPE one");
    pair.line("STRLEN one");
}

#[test]
fn pfmerge_and_union_counts_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    let mut rng = Rng::new(0x5eed_0003);
    for (key, count) in [("s1", 50), ("s2", 80), ("s3", 2000), ("s4", 5000)] {
        let batch = elements(&mut rng, count);
        pair.add_and_compare(key.as_bytes(), &batch);
    }
    for line in [
        // Sparse inputs only: the result stays sparse.
        "PFMERGE m1 s1 s2",
        "GET m1",
        "PFCOUNT m1",
        "GET m1",
        // A dense input makes the result dense.
        "PFMERGE m2 s1 s4",
        "GET m2",
        "PFCOUNT m2",
        // Into an existing sketch, which is also a source.
        "PFMERGE s1 s2 s3",
        "GET s1",
        "PFCOUNT s1",
        // Missing sources count as empty; no sources at all creates the key.
        "PFMERGE m3 nosuch1 nosuch2",
        "GET m3",
        "PFMERGE m4",
        "GET m4",
        "PFCOUNT s1 s2 s3 s4",
        "PFCOUNT s2 nosuch",
        "PFCOUNT nosuch1 nosuch2",
        "PFCOUNT m1 m2 m3 m4",
        "DUMP m2",
    ] {
        pair.line(line);
    }
    // RESTORE of a sketch's DUMP is a working sketch.
    let payload = pair.line("DUMP s3");
    let body = payload
        .splitn(2, |&b| b == b'\n')
        .nth(1)
        .map(|rest| &rest[..rest.len() - 2])
        .expect("a bulk reply");
    pair.same(&[b"RESTORE", b"r", b"0", body]);
    pair.line("PFCOUNT r");
    pair.line("PFADD r extra");
    pair.line("GET r");
}

#[test]
fn hll_errors_and_watch_match_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    for line in [
        "PFADD",
        "PFCOUNT",
        "PFMERGE",
        "PFDEBUG GETREG",
        "PFSELFTEST x",
        "SET str bar",
        "PFADD str 1",
        "PFCOUNT str",
        "PFCOUNT h str",
        "PFMERGE dst str",
        "PFMERGE str nosuch",
        "EXISTS dst",
        "SET int 12345",
        "PFCOUNT int",
        "LPUSH list x",
        "PFADD list 1",
        "PFCOUNT list",
        "PFMERGE dst list",
        "PFADD h a b c",
        "APPEND h hello",
        "PFCOUNT h",
        "PFADD h d",
        "PFCOUNT h h",
        "PFMERGE dst h",
        "DEL h",
        "PFADD h a b c",
        "SETRANGE h 0 0123",
        "PFCOUNT h",
        "DEL h",
        "PFADD h a b c",
        "SETRANGE h 4 x",
        "PFCOUNT h",
        "DEL h",
        "PFADD h a b c",
        "SETRANGE h 4 \x00",
        "PFCOUNT h",
        "DEL h",
        "PFADD h a b c",
        "PFDEBUG nosuch h",
        "PFDEBUG encoding missing",
        "PFDEBUG ENCODING h",
        "PFDEBUG DECODE h",
        "PFDEBUG TODENSE h",
        "PFDEBUG TODENSE h",
        "PFDEBUG DECODE h",
        "PFDEBUG ENCODING h",
        "GET h",
        "PFDEBUG GETREG str",
        // A stale cache refreshed by PFCOUNT is a change WATCH sees.
        "PFADD w x",
        "WATCH w",
        "PFCOUNT w",
        "MULTI",
        "PING",
        "EXEC",
        // A valid cache is not.
        "WATCH w",
        "PFCOUNT w",
        "MULTI",
        "PING",
        "EXEC",
        "PFADD w x",
        "GETRANGE w 15 15",
        "PFADD w y",
        "GETRANGE w 15 15",
    ] {
        pair.line(line);
    }
}

#[test]
fn corrupted_sketches_get_the_same_replies_as_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    let mut rng = Rng::new(0x5eed_0004);
    for round in 0..150 {
        pair.line("DEL c");
        let count = rng.below(400);
        let batch = elements(&mut rng, count);
        let mut args: Vec<&[u8]> = vec![b"PFADD", b"c"];
        args.extend(batch.iter().map(Vec::as_slice));
        pair.same(&args);
        if round % 5 == 0 {
            pair.line("PFDEBUG TODENSE c");
        }
        for _ in 0..1 + rng.below(4) {
            let len = pair.vireo.request(&[b"STRLEN", b"c"]);
            let len: usize = std::str::from_utf8(&len[1..len.len() - 2])
                .expect("an integer reply")
                .parse()
                .expect("an integer reply");
            let offset = rng.below(len.max(1)).to_string();
            let byte = [rng.next_u64() as u8];
            pair.same(&[b"SETRANGE", b"c", offset.as_bytes(), &byte]);
        }
        let extra = elements(&mut rng, 3);
        pair.same(&[b"PFCOUNT", b"c"]);
        pair.same(&[b"PFADD", b"c", &extra[0], &extra[1], &extra[2]]);
        pair.same(&[b"GET", b"c"]);
        pair.same(&[b"PFCOUNT", b"c", b"nosuch"]);
        pair.same(&[b"PFMERGE", b"d", b"c"]);
        pair.same(&[b"GET", b"d"]);
    }
    pair.line("PING");
}

/// A sparse body of random opcodes covering about 16384 registers: exactly,
/// a few short or a few over, sometimes cut in the middle of an opcode.
fn crafted_sparse_body(rng: &mut Rng) -> Vec<u8> {
    let offsets: [i64; 7] = [0, 0, 0, -1, 1, -4, 100];
    let target = (16384 + offsets[rng.below(offsets.len())]) as usize;
    let mut body = Vec::new();
    let mut covered = 0usize;
    while covered < target {
        match rng.below(10) {
            0..=3 => {
                let run = 1 + rng.below(4);
                body.push(0x80 | ((rng.below(32) as u8) << 2) | (run - 1) as u8);
                covered += run;
            }
            4..=6 => {
                let run = 1 + rng.below(64);
                body.push((run - 1) as u8);
                covered += run;
            }
            _ => {
                let run = 1 + rng.below((target - covered + 3).min(16384));
                body.push(0x40 | ((run - 1) >> 8) as u8);
                body.push(((run - 1) & 0xff) as u8);
                covered += run;
            }
        }
    }
    if rng.below(5) == 0 {
        body.pop();
    }
    body
}

#[test]
fn crafted_sparse_bodies_get_the_same_replies_as_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    let mut rng = Rng::new(0x5eed_0005);
    for _ in 0..300 {
        let mut value = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80".to_vec();
        value.extend_from_slice(&crafted_sparse_body(&mut rng));
        pair.same(&[b"SET", b"c", &value]);
        pair.line("PFCOUNT c nosuch");
        pair.line("PFDEBUG DECODE c");
        pair.line("PFCOUNT c");
        pair.line("PFMERGE d c");
        pair.line("GET d");
        pair.same(&[b"SET", b"c", &value]);
        let count = 1 + rng.below(20);
        let batch = elements(&mut rng, count);
        let mut args: Vec<&[u8]> = vec![b"PFADD", b"c"];
        args.extend(batch.iter().map(Vec::as_slice));
        pair.same(&args);
        pair.line("GET c");
        pair.line("PFCOUNT c");
        pair.line("PFDEBUG TODENSE c");
        pair.line("GET c");
    }
}
