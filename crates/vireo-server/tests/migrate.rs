//! MIGRATE between real processes: Vireo to Vireo, and in both directions
//! between Vireo and `redis-server` when it is installed (CI installs it,
//! and there a missing binary fails instead of skipping).

mod support;

use support::{find_program, free_port, Connection, ServerProcess};

/// Sends `line` (space-separated words, `""` for an empty argument) and
/// returns the reply's bytes as text.
fn request(conn: &mut Connection, line: &str) -> String {
    let args: Vec<&[u8]> = line
        .split_whitespace()
        .map(|word| {
            if word == "\"\"" {
                &b""[..]
            } else {
                word.as_bytes()
            }
        })
        .collect();
    String::from_utf8_lossy(&conn.request(&args)).into_owned()
}

/// Fills the source with one key of each type and a key with a TTL.
fn fill(conn: &mut Connection) {
    for line in [
        "SET s hello",
        "SET counter 42",
        "RPUSH l a b c",
        "HSET h f1 v1 f2 v2",
        "SADD set x y z",
        "ZADD z 1 one 2 two",
        "SET ttl v PX 100000",
    ] {
        conn.request(&support::words(line));
    }
}

/// Moves every key of `source` to `target` with MIGRATE and checks the
/// keys, values, TTLs and the source's deletions.
fn migrate_all_types(source: &ServerProcess, target: &ServerProcess) {
    let mut from = source.connect();
    let mut to = target.connect();
    request(&mut from, "FLUSHALL");
    request(&mut to, "FLUSHALL");
    fill(&mut from);
    let port = target.port;
    let digest_before = request(&mut from, "DEBUG DIGEST-VALUE l h set z s counter");
    assert_eq!(
        request(&mut from, &format!("MIGRATE 127.0.0.1 {port} s 0 5000")),
        "+OK\r\n"
    );
    assert_eq!(request(&mut from, "EXISTS s"), ":0\r\n");
    assert_eq!(request(&mut to, "GET s"), "$5\r\nhello\r\n");
    // Several keys at once, one of them missing; COPY keeps the source.
    assert_eq!(
        request(
            &mut from,
            &format!(
                "MIGRATE 127.0.0.1 {port} \"\" 0 5000 COPY KEYS l h missing set z counter ttl"
            )
        ),
        "+OK\r\n"
    );
    assert_eq!(request(&mut from, "EXISTS l h set z counter ttl"), ":6\r\n");
    let pttl: i64 = request(&mut to, "PTTL ttl")[1..]
        .trim()
        .parse()
        .expect("an integer");
    assert!(
        (90_000..=100_000).contains(&pttl),
        "PTTL after MIGRATE: {pttl}"
    );
    // The target refuses keys that exist unless REPLACE is given.
    let refused = request(&mut from, &format!("MIGRATE 127.0.0.1 {port} l 0 5000"));
    assert_eq!(
        refused,
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n"
    );
    assert_eq!(request(&mut from, "EXISTS l"), ":1\r\n");
    assert_eq!(
        request(
            &mut from,
            &format!("MIGRATE 127.0.0.1 {port} \"\" 0 5000 REPLACE KEYS l h set z counter")
        ),
        "+OK\r\n"
    );
    assert_eq!(request(&mut from, "EXISTS l h set z counter"), ":0\r\n");
    assert_eq!(
        request(&mut to, "DEBUG DIGEST-VALUE l h set z s counter"),
        digest_before
    );
    // Another database on the target, over the cached connection.
    request(&mut from, "SET other 1");
    assert_eq!(
        request(&mut from, &format!("MIGRATE 127.0.0.1 {port} other 3 5000")),
        "+OK\r\n"
    );
    assert_eq!(request(&mut to, "SELECT 3"), "+OK\r\n");
    assert_eq!(request(&mut to, "GET other"), "$1\r\n1\r\n");
}

#[test]
fn migrate_moves_every_type_between_vireo_servers() {
    let source = ServerProcess::vireo(&["--enable-debug-command", "yes"]);
    let target = ServerProcess::vireo(&["--enable-debug-command", "yes"]);
    migrate_all_types(&source, &target);
}

#[test]
fn migrate_interoperates_with_redis_in_both_directions() {
    let Some(redis) = find_program("redis-server") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install redis-server for the differential tests"
        );
        eprintln!("redis-server not installed; MIGRATE interoperability not tested");
        return;
    };
    let redis = ServerProcess::start(
        redis.to_str().expect("utf-8 path"),
        &["--enable-debug-command", "yes"],
    );
    let vireo = ServerProcess::vireo(&["--enable-debug-command", "yes"]);
    migrate_all_types(&vireo, &redis);
    migrate_all_types(&redis, &vireo);
}

#[test]
fn migrate_errors_match_redis() {
    let vireo = ServerProcess::vireo(&[]);
    let mut conn = vireo.connect();
    let closed_port = free_port();
    let own_port = vireo.port;
    let target = ServerProcess::vireo(&[]);
    let target_port = target.port;
    request(&mut conn, "SET k v");
    let cases = [
        (format!("MIGRATE 127.0.0.1 {own_port} missing 0 100"), "+NOKEY\r\n"),
        (
            format!("MIGRATE 127.0.0.1 {own_port} k 0 100 KEYS a"),
            "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n",
        ),
        (format!("MIGRATE 127.0.0.1 {own_port} k 0 100 AUTH"), "-ERR syntax error\r\n"),
        (format!("MIGRATE 127.0.0.1 {own_port} k 0 100 AUTH2 u"), "-ERR syntax error\r\n"),
        (format!("MIGRATE 127.0.0.1 {own_port} k 0 100 BOGUS"), "-ERR syntax error\r\n"),
        (
            format!("MIGRATE 127.0.0.1 {own_port} k 0 x"),
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            format!("MIGRATE 127.0.0.1 {own_port} k x 100"),
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            format!("MIGRATE 127.0.0.1 {closed_port} k 0 500"),
            "-IOERR error or timeout writing to target instance\r\n",
        ),
        (
            format!("MIGRATE 127.0.0.1 {target_port} k 0 1000 AUTH secret"),
            "-ERR Target instance replied with error: ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
        ),
    ];
    for (line, expected) in &cases {
        assert_eq!(&request(&mut conn, line), expected, "{line}");
    }
    assert_eq!(request(&mut conn, "GET k"), "$1\r\nv\r\n");
    assert_eq!(
        request(&mut conn, "COMMAND GETKEYS MIGRATE h 1 \"\" 0 5 KEYS a b"),
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_eq!(
        request(&mut conn, "COMMAND GETKEYS MIGRATE h 1 k 0 5 COPY"),
        "*1\r\n$1\r\nk\r\n"
    );
}

#[test]
fn monitor_and_slowlog_redact_migrate_and_auth_secrets() {
    let vireo = ServerProcess::vireo(&[]);
    let mut monitor = vireo.connect();
    assert_eq!(request(&mut monitor, "MONITOR"), "+OK\r\n");
    let mut conn = vireo.connect();
    let port = vireo.port;
    request(&mut conn, "CONFIG SET slowlog-log-slower-than 0");
    request(&mut conn, "SLOWLOG RESET");
    request(
        &mut conn,
        &format!("MIGRATE 127.0.0.1 {port} key 9 5000 AUTH2 user password"),
    );
    request(&mut conn, "AUTH not-real not-a-password");
    request(&mut conn, "CONFIG SET masterauth secret");
    let mut lines = Vec::new();
    while lines.len() < 2 {
        let reply = monitor.read_reply().expect("a MONITOR line");
        let line = String::from_utf8_lossy(&reply).into_owned();
        if !line.contains("\"slowlog\"") {
            lines.push(line);
        }
    }
    assert!(
        lines[0].ends_with("\"key\" \"9\" \"5000\" \"AUTH2\" \"(redacted)\" \"(redacted)\"\r\n"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].ends_with("\"AUTH\" \"(redacted)\" \"(redacted)\"\r\n"),
        "{}",
        lines[1]
    );
    let slowlog = request(&mut conn, "SLOWLOG GET");
    assert!(
        slowlog.contains("AUTH2\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n"),
        "{slowlog}"
    );
    assert!(
        slowlog.contains("masterauth\r\n$10\r\n(redacted)\r\n"),
        "{slowlog}"
    );
    assert!(
        !slowlog.contains("password") && !slowlog.contains("secret"),
        "{slowlog}"
    );
}
