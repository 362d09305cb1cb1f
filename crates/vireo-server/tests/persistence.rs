//! RDB persistence end to end: SAVE, BGSAVE, save points, the save on
//! SIGTERM and SHUTDOWN, DEBUG RELOAD, loading at start-up, refusing a
//! damaged file, and files exchanged with a real `redis-server` both ways
//! (compared with DEBUG DIGEST, which both servers compute the same way).

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{find_program, words, Connection, ServerProcess, TempDir};

/// A fresh directory for one test's RDB files, removed on drop.
fn request(conn: &mut Connection, line: &str) -> String {
    String::from_utf8_lossy(&conn.request(&words(line))).into_owned()
}

/// One key of every type, small and big encodings, some with expiries.
fn populate(conn: &mut Connection) {
    let lines = [
        "SET string hello",
        "SET number 12345",
        "SET volatile soon PX 100000000",
        "RPUSH list a b c 1 2 3",
        "SADD intset 1 2 3 4",
        "SADD set a b c",
        "HSET hash f1 v1 f2 v2",
        "ZADD zset 1 a 2 b 3.5 c",
        "PFADD hll x y z",
        "SELECT 3",
        "SET in-db-3 yes",
        "SELECT 0",
    ];
    for line in lines {
        let reply = request(conn, line);
        assert!(!reply.starts_with('-'), "{line}: {reply}");
    }
    let mut big: Vec<String> = vec!["RPUSH".into(), "biglist".into()];
    big.extend((0..2000).map(|i| format!("element-{i}")));
    let args: Vec<&[u8]> = big.iter().map(|s| s.as_bytes()).collect();
    conn.request(&args);
    for (command, key) in [("SADD", "bigset"), ("ZADD", "bigzset"), ("HSET", "bighash")] {
        let mut line: Vec<String> = vec![command.into(), key.into()];
        for i in 0..1000 {
            match command {
                "SADD" => line.push(format!("member-{i}")),
                _ => {
                    line.push(format!("{}", i % 37));
                    line.push(format!("member-{i}"));
                }
            }
        }
        let args: Vec<&[u8]> = line.iter().map(|s| s.as_bytes()).collect();
        assert!(!conn.request(&args).starts_with(b"-"));
    }
}

fn digest(conn: &mut Connection) -> String {
    let reply = request(conn, "DEBUG DIGEST");
    assert!(reply.starts_with('+'), "{reply}");
    reply
}

fn info_field(conn: &mut Connection, name: &str) -> String {
    let info = request(conn, "INFO persistence");
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {info}"))
        .to_string()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills the running background save with SIGKILL (its pid from the log)
/// and waits until the server has reaped it.
fn kill_save_child(server: &ServerProcess, conn: &mut Connection) {
    let mut child = None;
    wait_until("the child's pid in the log", || {
        child = server
            .log()
            .lines()
            .find_map(|line| line.split("Background saving started by pid ").nth(1))
            .map(str::to_string);
        child.is_some()
    });
    let killed = std::process::Command::new("kill")
        .args(["-9", &child.expect("child pid")])
        .status()
        .expect("run kill");
    assert!(killed.success());
    wait_until("the child to be reaped", || {
        info_field(conn, "rdb_bgsave_in_progress") == "0"
    });
}

fn vireo_in(dir: &TempDir, extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--dir", dir.arg(), "--enable-debug-command", "yes"];
    args.extend_from_slice(extra);
    ServerProcess::vireo(&args)
}

#[test]
fn save_then_restart_brings_every_type_and_expiry_back() {
    let dir = TempDir::new("restart");
    let (before, ttl_before) = {
        let server = vireo_in(&dir, &[]);
        let mut conn = server.connect();
        populate(&mut conn);
        assert_eq!(request(&mut conn, "SAVE"), "+OK\r\n");
        assert_eq!(info_field(&mut conn, "rdb_changes_since_last_save"), "0");
        let ttl = request(&mut conn, "PTTL volatile");
        (digest(&mut conn), ttl)
    };
    assert!(dir.rdb().is_file());
    let server = vireo_in(&dir, &[]);
    let mut conn = server.connect();
    assert_eq!(digest(&mut conn), before);
    let ttl_after = request(&mut conn, "PTTL volatile");
    assert!(
        ttl_after.starts_with(':') && ttl_after <= ttl_before,
        "{ttl_after}"
    );
    assert_eq!(info_field(&mut conn, "rdb_last_load_keys_loaded"), "14");
    assert_eq!(
        request(&mut conn, "OBJECT ENCODING bigzset"),
        "$8\r\nskiplist\r\n"
    );
    assert_eq!(
        request(&mut conn, "OBJECT ENCODING intset"),
        "$6\r\nintset\r\n"
    );
}

#[test]
fn bgsave_writes_the_file_in_a_child_and_updates_lastsave() {
    let dir = TempDir::new("bgsave");
    let server = vireo_in(&dir, &[]);
    let mut conn = server.connect();
    populate(&mut conn);
    assert_eq!(
        request(&mut conn, "BGSAVE"),
        "+Background saving started\r\n"
    );
    wait_until("the background save", || {
        info_field(&mut conn, "rdb_bgsave_in_progress") == "0"
    });
    assert_eq!(info_field(&mut conn, "rdb_last_bgsave_status"), "ok");
    assert_eq!(info_field(&mut conn, "rdb_changes_since_last_save"), "0");
    assert_eq!(info_field(&mut conn, "rdb_saves"), "1");
    let lastsave = request(&mut conn, "LASTSAVE");
    assert!(lastsave.starts_with(':'), "{lastsave}");
    assert_eq!(request(&mut conn, "BGSAVE x"), "-ERR syntax error\r\n");
    // Inside a transaction the fork is left to cron.
    request(&mut conn, "MULTI");
    request(&mut conn, "BGSAVE");
    assert_eq!(
        request(&mut conn, "EXEC"),
        "*1\r\n+Background saving scheduled\r\n"
    );
    wait_until("the scheduled save", || {
        info_field(&mut conn, "rdb_saves") == "2"
    });
    let before = digest(&mut conn);
    assert_eq!(request(&mut conn, "DEBUG RELOAD"), "+OK\r\n");
    assert_eq!(digest(&mut conn), before);
}

#[test]
fn save_points_trigger_a_background_save() {
    let dir = TempDir::new("points");
    let server = vireo_in(&dir, &["--save", "1 1"]);
    let mut conn = server.connect();
    assert_eq!(request(&mut conn, "SET k v"), "+OK\r\n");
    wait_until("a save point to fire", || dir.rdb().is_file());
    wait_until("the save to finish", || {
        info_field(&mut conn, "rdb_changes_since_last_save") == "0"
    });
}

#[test]
fn sigterm_saves_only_with_save_points_and_shutdown_follows_its_flags() {
    let dir = TempDir::new("shutdown");
    // No save points: SIGTERM exits without writing.
    let mut server = vireo_in(&dir, &[]);
    request(&mut server.connect(), "SET a 1");
    assert!(server.terminate().is_some_and(|status| status.success()));
    assert!(!dir.rdb().exists());
    // Save points: SIGTERM writes the file first.
    let mut server = vireo_in(&dir, &["--save", "3600 1"]);
    request(&mut server.connect(), "SET b 2");
    assert!(server.terminate().is_some_and(|status| status.success()));
    assert!(server
        .log()
        .contains("Saving the final RDB snapshot before exiting."));
    let server = vireo_in(&dir, &[]);
    let mut conn = server.connect();
    assert_eq!(request(&mut conn, "GET b"), "$1\r\n2\r\n");
    // SHUTDOWN SAVE writes even without save points; NOSAVE never does.
    request(&mut conn, "SET c 3");
    conn.send_raw(b"SHUTDOWN SAVE\r\n");
    assert!(conn.read_reply().is_none(), "SHUTDOWN sends no reply");
    let server = vireo_in(&dir, &["--save", "3600 1"]);
    let mut conn = server.connect();
    assert_eq!(request(&mut conn, "GET c"), "$1\r\n3\r\n");
    request(&mut conn, "SET d 4");
    conn.send_raw(b"SHUTDOWN NOSAVE\r\n");
    assert!(conn.read_reply().is_none());
    let server = vireo_in(&dir, &[]);
    assert_eq!(request(&mut server.connect(), "EXISTS d"), ":0\r\n");
}

#[test]
fn a_damaged_file_stops_start_up_and_debug_reload_reports_it() {
    let dir = TempDir::new("damaged");
    {
        let server = vireo_in(&dir, &[]);
        let mut conn = server.connect();
        populate(&mut conn);
        assert_eq!(request(&mut conn, "SAVE"), "+OK\r\n");
    }
    let mut bytes = std::fs::read(dir.rdb()).expect("saved file");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(dir.rdb(), &bytes).expect("damage the file");
    let port = support::free_port().to_string();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_vireo-server"))
        .args(["--port", &port, "--bind", "127.0.0.1", "--dir", dir.arg()])
        .stdout(std::process::Stdio::piped())
        .output()
        .expect("run vireo-server");
    assert!(!status.status.success());
    let log = String::from_utf8_lossy(&status.stdout);
    assert!(log.contains("Fatal error loading the DB"), "{log}");

    std::fs::remove_file(dir.rdb()).expect("remove the damaged file");
    let server = vireo_in(&dir, &[]);
    let mut conn = server.connect();
    request(&mut conn, "SET kept yes");
    assert_eq!(request(&mut conn, "SAVE"), "+OK\r\n");
    std::fs::write(dir.rdb(), b"REDIS0010\xfe").expect("truncated file");
    assert_eq!(
        request(&mut conn, "DEBUG RELOAD NOSAVE"),
        "-ERR Error trying to load the RDB dump\r\n"
    );
    assert_eq!(
        request(&mut conn, "DEBUG RELOAD BOGUS"),
        "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n"
    );
}

#[test]
fn debug_reload_noflush_refuses_duplicates_unless_merging() {
    let dir = TempDir::new("merge");
    let server = vireo_in(&dir, &[]);
    let mut conn = server.connect();
    request(&mut conn, "SET a 1");
    assert_eq!(request(&mut conn, "SAVE"), "+OK\r\n");
    request(&mut conn, "SET a 2");
    request(&mut conn, "SET b 3");
    assert_eq!(
        request(&mut conn, "DEBUG RELOAD NOSAVE NOFLUSH"),
        "-ERR Error trying to load the RDB dump\r\n"
    );
    assert_eq!(
        request(&mut conn, "DEBUG RELOAD NOSAVE NOFLUSH MERGE"),
        "+OK\r\n"
    );
    assert_eq!(request(&mut conn, "GET a"), "$1\r\n1\r\n");
    assert_eq!(request(&mut conn, "GET b"), "$1\r\n3\r\n");
}

fn redis_in(dir: &Path, binary: &Path) -> ServerProcess {
    ServerProcess::start(
        binary.to_str().expect("utf-8 path"),
        &[
            "--dir",
            dir.to_str().expect("utf-8 path"),
            "--enable-debug-command",
            "yes",
        ],
    )
}

/// Streams with deleted entries, several nodes, groups, consumers and
/// pending entries; returns the replies that describe them in full.
fn populate_streams(conn: &mut Connection) -> Vec<String> {
    let mut lines = vec!["CONFIG SET stream-node-max-entries 4".to_string()];
    for i in 1..=30 {
        lines.push(format!("XADD s {i}-{} f {i} g value-{i}", i % 2));
    }
    lines.extend(
        [
            "XADD s 31-0 other 1",
            "XDEL s 3-1 4-0 10-0",
            "XTRIM s MINID 2",
            "XADD empty 1-0 a 1",
            "XDEL empty 1-0",
            "XGROUP CREATE s g1 0",
            "XGROUP CREATE s g2 $ ENTRIESREAD 7",
            "XGROUP CREATE s g3 0",
            "XREADGROUP GROUP g1 alice COUNT 5 STREAMS s >",
            "XREADGROUP GROUP g1 bob COUNT 3 STREAMS s >",
            "XGROUP CREATECONSUMER s g1 idle",
            "XACK s g1 5-1",
            "XDEL s 6-0",
            "XGROUP CREATE nogroups-but-empty g 0 MKSTREAM",
        ]
        .map(str::to_string),
    );
    for line in &lines {
        let reply = request(conn, line);
        assert!(!reply.starts_with('-'), "{line}: {reply}");
    }
    describe_streams(conn)
}

/// The replies that describe the streams `populate_streams` makes, in
/// full (times of delivery and of consumers included, as RDB keeps them).
fn describe_streams(conn: &mut Connection) -> Vec<String> {
    [
        "XINFO STREAM s FULL",
        "XINFO STREAM empty FULL",
        "XINFO STREAM nogroups-but-empty FULL",
        "XINFO STREAM s",
        "DEBUG DIGEST",
        "XPENDING s g1",
    ]
    .iter()
    .map(|line| request(conn, line))
    .collect()
}

#[test]
fn streams_move_between_redis_and_vireo_both_ways() {
    let Some(redis) = find_program("redis-server") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install redis-server for the differential tests"
        );
        eprintln!("redis-server not installed; stream RDB exchange not tested");
        return;
    };
    // Redis writes, Vireo reads, and writes the same bytes back.
    let from_redis = TempDir::new("streams-from-redis");
    let (expected, redis_dump) = {
        let server = redis_in(&from_redis.0, &redis);
        let mut conn = server.connect();
        let described = populate_streams(&mut conn);
        assert_eq!(request(&mut conn, "SAVE"), "+OK\r\n");
        (described, request(&mut conn, "DUMP s"))
    };
    let vireo = vireo_in(&from_redis, &[]);
    let mut conn = vireo.connect();
    assert_eq!(describe_streams(&mut conn), expected);
    assert_eq!(request(&mut conn, "DUMP s"), redis_dump);
    drop(vireo);
    // Vireo writes, Redis reads.
    let from_vireo = TempDir::new("streams-from-vireo");
    let expected = {
        let server = vireo_in(&from_vireo, &[]);
        let mut conn = server.connect();
        let described = populate_streams(&mut conn);
        assert_eq!(request(&mut conn, "SAVE"), "+OK\r\n");
        described
    };
    let redis = redis_in(&from_vireo.0, &redis);
    assert_eq!(describe_streams(&mut redis.connect()), expected);
}

#[test]
fn rdb_files_move_between_redis_and_vireo_both_ways() {
    let Some(redis) = find_program("redis-server") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install redis-server for the differential tests"
        );
        eprintln!("redis-server not installed; RDB exchange not tested");
        return;
    };
    // Redis writes, Vireo reads.
    let from_redis = TempDir::new("from-redis");
    let expected = {
        let server = redis_in(&from_redis.0, &redis);
        let mut conn = server.connect();
        populate(&mut conn);
        assert_eq!(request(&mut conn, "SAVE"), "+OK\r\n");
        digest(&mut conn)
    };
    let vireo = vireo_in(&from_redis, &[]);
    assert_eq!(digest(&mut vireo.connect()), expected);
    drop(vireo);
    // Vireo writes, Redis reads.
    let from_vireo = TempDir::new("from-vireo");
    let expected = {
        let server = vireo_in(&from_vireo, &[]);
        let mut conn = server.connect();
        populate(&mut conn);
        request(&mut conn, "SET a-long-compressible-string aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(request(&mut conn, "SAVE"), "+OK\r\n");
        digest(&mut conn)
    };
    let redis = redis_in(&from_vireo.0, &redis);
    let mut conn = redis.connect();
    assert_eq!(digest(&mut conn), expected);
    assert_eq!(
        request(&mut conn, "OBJECT ENCODING bigzset"),
        "$8\r\nskiplist\r\n"
    );
}

#[test]
fn a_failed_background_save_stops_writes_until_one_succeeds() {
    let dir = TempDir::new("misconf");
    let server = vireo_in(&dir, &["--save", "3600 1"]);
    let mut conn = server.connect();
    populate(&mut conn);
    // Slow enough (10 s per key) that the child is still saving when killed.
    assert_eq!(
        request(&mut conn, "CONFIG SET rdb-key-save-delay 10000000"),
        "+OK\r\n"
    );
    assert_eq!(
        request(&mut conn, "BGSAVE"),
        "+Background saving started\r\n"
    );
    assert_eq!(info_field(&mut conn, "rdb_bgsave_in_progress"), "1");
    kill_save_child(&server, &mut conn);
    assert_eq!(info_field(&mut conn, "rdb_last_bgsave_status"), "err");
    let misconf = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n";
    assert_eq!(request(&mut conn, "SET x y"), misconf);
    assert_eq!(request(&mut conn, "PING"), misconf);
    assert_eq!(request(&mut conn, "GET string"), "$5\r\nhello\r\n");
    request(&mut conn, "MULTI");
    assert_eq!(request(&mut conn, "SET x y"), misconf);
    assert_eq!(
        request(&mut conn, "EXEC"),
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    assert_eq!(
        request(&mut conn, "CONFIG SET stop-writes-on-bgsave-error no"),
        "+OK\r\n"
    );
    assert_eq!(request(&mut conn, "SET x y"), "+OK\r\n");
    assert_eq!(
        request(
            &mut conn,
            "CONFIG SET stop-writes-on-bgsave-error yes rdb-key-save-delay 0"
        ),
        "+OK\r\n"
    );
    assert_eq!(request(&mut conn, "SET x z"), misconf);
    assert_eq!(
        request(&mut conn, "BGSAVE"),
        "+Background saving started\r\n"
    );
    wait_until("a successful save", || {
        info_field(&mut conn, "rdb_last_bgsave_status") == "ok"
    });
    assert_eq!(request(&mut conn, "SET x z"), "+OK\r\n");
}

/// A ziplist of `entries`, each given as its encoding byte(s) and data.
fn ziplist(entries: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    let (mut previous, mut tail) = (0usize, 10usize);
    for entry in entries {
        tail = 10 + body.len();
        body.push(previous as u8);
        body.extend_from_slice(entry);
        previous = 1 + entry.len();
    }
    let mut bytes = ((10 + body.len() + 1) as u32).to_le_bytes().to_vec();
    bytes.extend_from_slice(&(tail as u32).to_le_bytes());
    bytes.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&body);
    bytes.push(0xFF);
    bytes
}

/// An RDB string of `bytes` (6-bit or 14-bit length).
fn rdb_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = if bytes.len() < 64 {
        vec![bytes.len() as u8]
    } else {
        vec![0x40 | (bytes.len() >> 8) as u8, bytes.len() as u8]
    };
    out.extend_from_slice(bytes);
    out
}

#[test]
fn files_with_the_encodings_of_older_redis_versions_load_as_redis_loads_them() {
    let Some(redis) = find_program("redis-server") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install redis-server for the differential tests"
        );
        eprintln!("redis-server not installed; old encodings not compared");
        return;
    };
    // Version 9 (Redis 5 and 6) with every older type: ziplist list, hash
    // and sorted set, a quicklist of ziplists, a zipmap hash and a linked
    // list, plus a second-resolution expiry. Checksum 0: not computed.
    let mut file = b"REDIS0009\xfe\x00".to_vec();
    let key = |file: &mut Vec<u8>, kind: u8, name: &[u8], body: Vec<u8>| {
        file.push(kind);
        file.extend(rdb_string(name));
        file.extend(body);
    };
    let list = ziplist(&[
        b"\x03abc",
        b"\xF1",
        b"\xFE\x85",
        b"\xC0\x00\x80",
        b"\xF0\xFF\xFF\x7F",
    ]);
    key(&mut file, 10, b"ziplist-list", rdb_string(&list));
    let hash = ziplist(&[b"\x02f1", b"\x02v1", b"\x02f2", b"\xD0\x00\x00\x00\x80"]);
    key(&mut file, 13, b"ziplist-hash", rdb_string(&hash));
    let zset = ziplist(&[
        b"\x01a",
        b"\xF2",
        b"\x01b",
        b"\x033.5",
        b"\x01c",
        b"\xFE\xF6",
    ]);
    key(&mut file, 12, b"ziplist-zset", rdb_string(&zset));
    let mut quicklist = vec![2u8];
    quicklist.extend(rdb_string(&ziplist(&[b"\x01x", b"\x01y"])));
    quicklist.extend(rdb_string(&ziplist(&[
        b"\x01z",
        b"\xE0\x01\x00\x00\x00\x00\x00\x00\x80",
    ])));
    key(&mut file, 14, b"quicklist", quicklist);
    let zipmap = b"\x02\x03foo\x03\x02bar\x00\x00\x01a\x01\x00b\xFF";
    key(&mut file, 9, b"zipmap-hash", rdb_string(zipmap));
    let mut linked = vec![3u8];
    for element in [&b"one"[..], b"two", b"three"] {
        linked.extend(rdb_string(element));
    }
    key(&mut file, 1, b"linked-list", linked);
    file.push(0xFD);
    file.extend_from_slice(&2_000_000_000u32.to_le_bytes());
    key(&mut file, 0, b"expiring", rdb_string(b"value"));
    file.push(0xFF);
    file.extend_from_slice(&[0; 8]);

    let dir = TempDir::new("old-encodings");
    std::fs::write(dir.rdb(), &file).expect("write the old file");
    let expected = {
        let server = redis_in(&dir.0, &redis);
        let mut conn = server.connect();
        assert_eq!(request(&mut conn, "DBSIZE"), ":7\r\n");
        digest(&mut conn)
    };
    std::fs::write(dir.rdb(), &file).expect("write the old file again");
    let vireo = vireo_in(&dir, &[]);
    let mut conn = vireo.connect();
    assert_eq!(digest(&mut conn), expected);
    assert_eq!(
        request(&mut conn, "LRANGE ziplist-list 0 -1"),
        "*5\r\n$3\r\nabc\r\n$1\r\n0\r\n$4\r\n-123\r\n$6\r\n-32768\r\n$7\r\n8388607\r\n"
    );
    assert_eq!(
        request(&mut conn, "OBJECT ENCODING ziplist-hash"),
        "$8\r\nlistpack\r\n"
    );
    assert_eq!(
        request(&mut conn, "ZRANGE ziplist-zset 0 -1 WITHSCORES"),
        "*6\r\n$1\r\nc\r\n$3\r\n-10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n3.5\r\n"
    );
}

#[test]
fn loaded_values_take_the_configured_encoding_thresholds() {
    let dir = TempDir::new("thresholds");
    let server = vireo_in(&dir, &[]);
    let mut conn = server.connect();
    request(&mut conn, "HSET hash a 1 b 2");
    request(&mut conn, "ZADD zset 1 a 2 b");
    request(&mut conn, "SADD set 1 2 3");
    let dumped = conn.request(&words("DUMP hash"));
    let payload = &dumped[dumped
        .iter()
        .position(|&b| b == b'\n')
        .expect("bulk header")
        + 1..dumped.len() - 2];
    for line in [
        "CONFIG SET hash-max-listpack-entries 1",
        "CONFIG SET zset-max-listpack-entries 1",
        "CONFIG SET set-max-intset-entries 2",
    ] {
        assert_eq!(request(&mut conn, line), "+OK\r\n");
    }
    assert_eq!(request(&mut conn, "DEBUG RELOAD"), "+OK\r\n");
    assert_eq!(
        request(&mut conn, "OBJECT ENCODING hash"),
        "$9\r\nhashtable\r\n"
    );
    assert_eq!(
        request(&mut conn, "OBJECT ENCODING zset"),
        "$8\r\nskiplist\r\n"
    );
    assert_eq!(
        request(&mut conn, "OBJECT ENCODING set"),
        "$9\r\nhashtable\r\n"
    );
    // RESTORE meets the same thresholds.
    let restored = conn.request(&[b"RESTORE", b"copy", b"0", payload]);
    assert_eq!(restored, b"+OK\r\n");
    assert_eq!(
        request(&mut conn, "OBJECT ENCODING copy"),
        "$9\r\nhashtable\r\n"
    );
}

#[test]
fn shutdown_abort_cancels_a_signal_cron_has_not_acted_on() {
    let dir = TempDir::new("abort");
    let server = vireo_in(&dir, &[]);
    let mut conn = server.connect();
    assert_eq!(
        request(&mut conn, "SHUTDOWN ABORT"),
        "-ERR No shutdown in progress.\r\n"
    );
    assert_eq!(request(&mut conn, "DEBUG PAUSE-CRON 1"), "+OK\r\n");
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(signalled.success());
    // The handler only sets a flag; give the signal time to be delivered.
    wait_until("the signal to be pending", || {
        request(&mut conn, "SHUTDOWN ABORT") == "+OK\r\n"
    });
    assert!(server.log().contains("Shutdown manually aborted."));
    assert_eq!(request(&mut conn, "DEBUG PAUSE-CRON 0"), "+OK\r\n");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(request(&mut conn, "PING"), "+PONG\r\n");
}

#[test]
fn vireo_check_rdb_passes_a_saved_file_and_locates_damage() {
    let dir = TempDir::new("check");
    {
        let server = vireo_in(&dir, &[]);
        let mut conn = server.connect();
        populate(&mut conn);
        assert_eq!(request(&mut conn, "SAVE"), "+OK\r\n");
    }
    let check = |path: &Path| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_vireo-check-rdb"))
            .arg(path)
            .output()
            .expect("run vireo-check-rdb");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (ok, report) = check(&dir.rdb());
    assert!(ok, "{report}");
    assert!(report.contains("\\o/ RDB looks OK! \\o/"), "{report}");
    assert!(report.contains("[info] 14 keys read"), "{report}");
    assert!(report.contains("[info] 1 expires"), "{report}");
    let mut bytes = std::fs::read(dir.rdb()).expect("saved file");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(dir.rdb(), &bytes).expect("damage the checksum");
    let (ok, report) = check(&dir.rdb());
    assert!(!ok, "{report}");
    assert!(report.contains("--- RDB ERROR DETECTED ---"), "{report}");
    assert!(report.contains("RDB CRC error"), "{report}");
}

#[test]
fn a_background_save_reports_its_progress_and_copy_on_write() {
    let dir = TempDir::new("progress");
    let server = vireo_in(&dir, &[]);
    let mut conn = server.connect();
    let mut mset: Vec<String> = vec!["MSET".into()];
    for i in 0..3000 {
        mset.push(format!("key:{i}"));
        mset.push("x".repeat(500));
    }
    let args: Vec<&[u8]> = mset.iter().map(|s| s.as_bytes()).collect();
    assert_eq!(conn.request(&args), b"+OK\r\n");
    assert_eq!(info_field(&mut conn, "current_save_keys_total"), "0");
    // About 3 s of saving: progress is reported once a second.
    assert_eq!(
        request(&mut conn, "CONFIG SET rdb-key-save-delay 1000"),
        "+OK\r\n"
    );
    assert_eq!(
        request(&mut conn, "BGSAVE"),
        "+Background saving started\r\n"
    );
    assert_eq!(info_field(&mut conn, "current_save_keys_total"), "3000");
    wait_until("a progress report", || {
        let processed: u64 = info_field(&mut conn, "current_save_keys_processed")
            .parse()
            .expect("a number");
        processed > 0
    });
    let percent: f64 = info_field(&mut conn, "current_fork_perc")
        .parse()
        .expect("a number");
    assert!(percent > 0.0 && percent <= 100.0, "{percent}");
    for i in 0..64 {
        request(&mut conn, &format!("SETRANGE key:{i} 0 yyyyyyyy"));
    }
    wait_until("the save to finish", || {
        info_field(&mut conn, "rdb_bgsave_in_progress") == "0"
    });
    assert_eq!(info_field(&mut conn, "current_save_keys_total"), "0");
    let cow: u64 = info_field(&mut conn, "rdb_last_cow_size")
        .parse()
        .expect("a number");
    assert!(cow > 0, "the child wrote to some pages of its own");
}

#[test]
fn the_key_table_does_not_grow_while_a_save_child_shares_memory() {
    let dir = TempDir::new("rehash");
    let server = vireo_in(&dir, &[]);
    let mut conn = server.connect();
    assert_eq!(request(&mut conn, "DEBUG POPULATE 4096"), "+OK\r\n");
    assert!(request(&mut conn, "DEBUG HTSTATS 0").contains("table size: 4096"));
    assert_eq!(
        request(&mut conn, "CONFIG SET rdb-key-save-delay 1000000"),
        "+OK\r\n"
    );
    assert_eq!(
        request(&mut conn, "BGSAVE"),
        "+Background saving started\r\n"
    );
    request(&mut conn, "MSET k1 v1 k2 v2");
    assert!(!request(&mut conn, "DEBUG HTSTATS 0").contains("table size: 8192"));
    kill_save_child(&server, &mut conn);
    request(&mut conn, "SET k3 v3");
    assert!(request(&mut conn, "DEBUG HTSTATS 0").contains("table size: 8192"));
}

#[test]
fn redis_cli_rdb_takes_a_snapshot_over_the_replication_handshake() {
    let dir = TempDir::new("cli-rdb");
    let server = vireo_in(&dir, &["--repl-diskless-sync-delay", "0"]);
    let mut conn = server.connect();
    populate(&mut conn);
    let expected = digest(&mut conn);
    assert_eq!(
        request(&mut conn, "REPLCONF foo bar"),
        "-ERR Unrecognized REPLCONF option: foo\r\n"
    );
    assert_eq!(
        request(&mut conn, "REPLCONF rdb-only"),
        "-ERR syntax error\r\n"
    );
    // The handshake by hand: the bulk length, the file, then the close.
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect for SYNC");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    // Redis compat: SYNC is refused while earlier replies are unsent, so
    // the handshake waits for each reply, as replicas do.
    let mut received = Vec::new();
    for step in [&b"REPLCONF capa eof\r\n"[..], b"REPLCONF rdb-only 1\r\n"] {
        std::io::Write::write_all(&mut stream, step).expect("send the handshake");
        let mut reply = [0u8; 5];
        std::io::Read::read_exact(&mut stream, &mut reply).expect("the reply");
        received.extend_from_slice(&reply);
    }
    std::io::Write::write_all(&mut stream, b"SYNC\r\n").expect("send SYNC");
    std::io::Read::read_to_end(&mut stream, &mut received).expect("read until the server closes");
    let header = b"+OK\r\n+OK\r\n";
    assert!(
        received.starts_with(header),
        "{:?}",
        &received[..20.min(received.len())]
    );
    // Keep-alive newlines may come while the snapshot is being written.
    let rest = &received[header.len()..];
    let rest = &rest[rest.iter().take_while(|&&b| b == b'\n').count()..];
    let rest = rest.strip_prefix(b"$").expect("a bulk length");
    let newline = rest.iter().position(|&b| b == b'\n').expect("bulk length");
    let length: usize = std::str::from_utf8(&rest[..newline - 1])
        .expect("ascii")
        .parse()
        .expect("a length");
    let body = &rest[newline + 1..];
    assert_eq!(body.len(), length, "the file, and nothing after it");
    assert!(body.starts_with(b"REDIS0010"));
    std::fs::write(dir.rdb(), body).expect("keep the snapshot");
    let copy = vireo_in(&dir, &[]);
    assert_eq!(digest(&mut copy.connect()), expected);

    let Some(cli) = find_program("redis-cli") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs redis-tools for the redis-cli tests"
        );
        return;
    };
    let target = dir.0.join("cli.rdb");
    let output = std::process::Command::new(cli)
        .args(["-p", &server.port.to_string(), "--rdb"])
        .arg(&target)
        .output()
        .expect("run redis-cli --rdb");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Transfer finished with success"),
        "{stderr}"
    );
    std::fs::rename(&target, dir.rdb()).expect("use the snapshot");
    let copy = vireo_in(&dir, &[]);
    assert_eq!(digest(&mut copy.connect()), expected);
}
