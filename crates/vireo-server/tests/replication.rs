//! Replication both ways: the snapshot and stream a replica of Vireo
//! receives byte by byte, partial resynchronisation from the backlog, a
//! real `redis-server` following Vireo, and Vireo following a real
//! `redis-server` (or another Vireo), then taking over from it.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::{find_program, words, Connection, ServerProcess, TempDir};

/// A Vireo in `dir` whose full resynchronisations start at once (the
/// default waits five seconds for other replicas, as Redis's does).
fn vireo_in(dir: &TempDir) -> ServerProcess {
    ServerProcess::vireo(&[
        "--dir",
        dir.arg(),
        "--enable-debug-command",
        "yes",
        "--repl-diskless-sync-delay",
        "0",
    ])
}

fn request(conn: &mut Connection, line: &str) -> String {
    String::from_utf8_lossy(&conn.request(&words(line))).into_owned()
}

/// A replica's end of the link, reading the primary's bytes.
struct Link {
    stream: TcpStream,
    buffered: Vec<u8>,
}

impl Link {
    fn open(port: u16) -> Link {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect the replica");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        Link {
            stream,
            buffered: Vec::new(),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send to the primary");
    }

    fn fill(&mut self) {
        let mut chunk = [0u8; 65536];
        let read = self.stream.read(&mut chunk).expect("read from the primary");
        assert!(read > 0, "the primary closed the link");
        self.buffered.extend_from_slice(&chunk[..read]);
    }

    /// One CRLF-terminated line, keep-alive newlines skipped.
    fn line(&mut self) -> String {
        loop {
            while self.buffered.first() == Some(&b'\n') {
                self.buffered.remove(0);
            }
            if let Some(end) = self.buffered.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buffered[..end]).into_owned();
                self.buffered.drain(..end + 2);
                return line;
            }
            self.fill();
        }
    }

    fn exactly(&mut self, len: usize) -> Vec<u8> {
        while self.buffered.len() < len {
            self.fill();
        }
        self.buffered.drain(..len).collect()
    }

    /// The snapshot: `$<length>` and the RDB bytes, no CRLF after them.
    fn snapshot(&mut self) -> Vec<u8> {
        let header = self.line();
        let length: usize = header
            .strip_prefix('$')
            .and_then(|len| len.parse().ok())
            .unwrap_or_else(|| panic!("not a snapshot header: {header:?}"));
        let rdb = self.exactly(length);
        assert!(rdb.starts_with(b"REDIS0010"), "{:?}", &rdb[..9]);
        rdb
    }

    /// One command of the stream, as its arguments.
    fn command(&mut self) -> Vec<String> {
        let header = self.line();
        let count: usize = header
            .strip_prefix('*')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("not a command: {header:?}"));
        (0..count)
            .map(|_| {
                let len: usize = self
                    .line()
                    .strip_prefix('$')
                    .and_then(|n| n.parse().ok())
                    .expect("a bulk length");
                let arg = self.exactly(len + 2);
                String::from_utf8_lossy(&arg[..len]).into_owned()
            })
            .collect()
    }

    fn commands(&mut self, count: usize) -> Vec<String> {
        (0..count).map(|_| self.command().join(" ")).collect()
    }
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

#[test]
fn a_replica_gets_the_snapshot_then_each_write_as_a_normalised_command() {
    let dir = TempDir::new("stream");
    let server = vireo_in(&dir);
    let mut conn = server.connect();
    assert_eq!(request(&mut conn, "SET before 1"), "+OK\r\n");
    let mut link = Link::open(server.port);
    link.send(b"SYNC\r\n");
    link.snapshot();

    let started = unix_ms();
    for line in [
        "SET a 1 EX 100",
        "EXPIRE a 200",
        "GET a",
        "DEL missing",
        "MULTI",
        "INCR n",
        "INCR n",
        "EXEC",
        "MULTI",
        "INCR n",
        "EXEC",
        "SADD s x",
        "SPOP s",
        "SELECT 2",
        "SET b 2",
        "GETDEL b",
        "INCRBYFLOAT f 1.5",
        "HINCRBYFLOAT h k 0.25",
        "RPUSH l p q",
        "BLPOP l 1",
        "LMPOP 1 l RIGHT COUNT 5",
        "PUBLISH channel message",
        "FLUSHDB",
    ] {
        conn.request(&words(line));
    }
    // Scripts reach replicas as the commands they ran, in MULTI/EXEC when
    // more than one wrote.
    conn.request(&[
        b"EVAL",
        b"redis.call('set', KEYS[1], 'x') redis.call('incr', 'n') redis.call('get', 'n')",
        b"1",
        b"scripted",
    ]);
    conn.request(&[b"EVAL", b"return redis.call('set', 'once', '1')", b"0"]);
    conn.request(&[b"EVAL", b"return redis.call('get', 'once')", b"0"]);
    let stream = link.commands(19);
    let expected = vec![
        "SELECT 0".to_string(),
        "SET a 1 PXAT ?".to_string(),
        "PEXPIREAT a ?".to_string(),
        "MULTI".to_string(),
        "INCR n".to_string(),
        "INCR n".to_string(),
        "EXEC".to_string(),
        "INCR n".to_string(),
        "SADD s x".to_string(),
        "SREM s x".to_string(),
        "SELECT 2".to_string(),
        "SET b 2".to_string(),
        "DEL b".to_string(),
        "SET f 1.5 KEEPTTL".to_string(),
        "HSET h k 0.25".to_string(),
        "RPUSH l p q".to_string(),
        "LPOP l".to_string(),
        "RPOP l 1".to_string(),
        "PUBLISH channel message".to_string(),
    ];
    // Absolute times are checked for range, then compared as "?".
    let mut seen = stream.clone();
    for (index, seconds) in [(1usize, 100i64), (2, 200)] {
        let parts: Vec<&str> = stream[index].split(' ').collect();
        let at: i64 = parts.last().and_then(|n| n.parse().ok()).expect("a time");
        let due = started + seconds * 1000;
        assert!(
            (due - 5_000..=unix_ms() + seconds * 1000).contains(&at),
            "{} is not about {seconds} s from now",
            stream[index]
        );
        let mut normalised = parts[..parts.len() - 1].join(" ");
        normalised.push_str(" ?");
        seen[index] = normalised;
    }
    assert_eq!(seen, expected);
    assert_eq!(
        link.commands(6),
        [
            "FLUSHDB",
            "MULTI",
            "set scripted x",
            "incr n",
            "EXEC",
            "set once 1"
        ]
    );
}

#[test]
fn keys_found_expired_reach_the_replica_as_deletions() {
    let dir = TempDir::new("expired");
    let server = vireo_in(&dir);
    let mut conn = server.connect();
    assert_eq!(request(&mut conn, "DEBUG SET-ACTIVE-EXPIRE 0"), "+OK\r\n");
    let mut link = Link::open(server.port);
    link.send(b"SYNC\r\n");
    link.snapshot();
    assert_eq!(request(&mut conn, "SET gone x PX 1"), "+OK\r\n");
    std::thread::sleep(Duration::from_millis(20));
    // The lookup deletes the key; the SET that follows in the same
    // transaction comes after the deletion, both wrapped.
    assert_eq!(request(&mut conn, "GET gone"), "$-1\r\n");
    assert_eq!(request(&mut conn, "SET other y"), "+OK\r\n");
    let stream = link.commands(4);
    assert_eq!(stream[0], "SELECT 0");
    assert!(stream[1].starts_with("SET gone x PXAT "), "{}", stream[1]);
    assert_eq!(stream[2..], ["DEL gone", "SET other y"]);
    // The active cycle's deletions go out one by one, unwrapped.
    assert_eq!(request(&mut conn, "SET a 1 PX 1"), "+OK\r\n");
    assert_eq!(request(&mut conn, "SET b 1 PX 1"), "+OK\r\n");
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(request(&mut conn, "DEBUG SET-ACTIVE-EXPIRE 1"), "+OK\r\n");
    let mut stream = link.commands(4);
    assert!(stream[0].starts_with("SET a 1 PXAT "), "{}", stream[0]);
    assert!(stream[1].starts_with("SET b 1 PXAT "), "{}", stream[1]);
    stream[2..].sort();
    assert_eq!(stream[2..], ["DEL a", "DEL b"]);
}

#[test]
fn psync_continues_from_the_backlog_and_falls_back_to_a_full_resync() {
    let dir = TempDir::new("psync");
    let server = vireo_in(&dir);
    let mut conn = server.connect();
    let mut link = Link::open(server.port);
    link.send(b"REPLCONF capa psync2\r\n");
    assert_eq!(link.line(), "+OK");
    link.send(b"PSYNC ? -1\r\n");
    let full = link.line();
    let parts: Vec<&str> = full.split(' ').collect();
    assert_eq!(parts.len(), 3, "{full}");
    assert_eq!(parts[0], "+FULLRESYNC");
    let (replid, start): (String, i64) = (parts[1].to_string(), parts[2].parse().expect("offset"));
    assert_eq!(replid.len(), 40);
    link.snapshot();
    assert_eq!(request(&mut conn, "SET k 1"), "+OK\r\n");
    let received = link.commands(2);
    assert_eq!(received, ["SELECT 0", "SET k 1"]);
    let consumed = (b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n".len()
        + b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n".len()) as i64;
    drop(link);

    // Writes while the replica is away, then it asks to continue.
    assert_eq!(request(&mut conn, "SET k 2"), "+OK\r\n");
    assert_eq!(request(&mut conn, "INCR k"), ":3\r\n");
    let mut link = Link::open(server.port);
    link.send(b"REPLCONF capa psync2\r\n");
    assert_eq!(link.line(), "+OK");
    link.send(format!("PSYNC {replid} {}\r\n", start + consumed + 1).as_bytes());
    assert_eq!(link.line(), format!("+CONTINUE {replid}"));
    assert_eq!(link.commands(2), ["SET k 2", "INCR k"]);
    let info = request(&mut conn, "INFO replication");
    assert!(info.contains("connected_slaves:1\r\n"), "{info}");
    assert!(info.contains("state=online"), "{info}");
    assert!(
        info.contains(&format!("master_replid:{replid}\r\n")),
        "{info}"
    );
    assert!(info.contains("repl_backlog_active:1\r\n"), "{info}");
    drop(link);

    // An unknown history, or an offset the backlog lacks, gets a full one.
    for request_line in [
        format!("PSYNC {} 1\r\n", "0".repeat(40)),
        format!("PSYNC {replid} {}\r\n", start + consumed + 100_000),
    ] {
        let mut link = Link::open(server.port);
        link.send(request_line.as_bytes());
        let reply = link.line();
        assert!(reply.starts_with("+FULLRESYNC "), "{reply}");
        link.snapshot();
    }
}

#[test]
fn role_and_info_describe_the_primary() {
    let dir = TempDir::new("role");
    let server = vireo_in(&dir);
    let mut conn = server.connect();
    assert_eq!(
        request(&mut conn, "ROLE"),
        "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"
    );
    let mut link = Link::open(server.port);
    link.send(b"REPLCONF listening-port 6380\r\n");
    assert_eq!(link.line(), "+OK");
    link.send(b"SYNC\r\n");
    link.snapshot();
    assert_eq!(request(&mut conn, "SET k v"), "+OK\r\n");
    link.commands(2);
    link.send(b"REPLCONF ACK 5\r\n");
    // The ACK gets no reply; ROLE shows it once processed.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let role = request(&mut conn, "ROLE");
        if role.contains("$4\r\n6380\r\n$1\r\n5\r\n") {
            assert!(role.starts_with("*3\r\n$6\r\nmaster\r\n:"), "{role}");
            break;
        }
        assert!(Instant::now() < deadline, "no ACK in {role}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let list = request(&mut conn, "CLIENT LIST TYPE replica");
    assert_eq!(list.matches("flags=S").count(), 1, "{list}");
    assert!(!request(&mut conn, "CLIENT LIST TYPE normal").contains("flags=S"));
    assert_eq!(request(&mut conn, "CLIENT KILL TYPE slave"), ":1\r\n");
    eventually("the replica's departure", || {
        request(&mut conn, "INFO replication").contains("connected_slaves:0\r\n")
    });
}

/// Polls `probe` until it holds, for at most ten seconds.
fn eventually(what: &str, mut probe: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !probe() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `redis-server`'s path; `None` (a skipped test) when it is not
/// installed, except under CI, which installs it: there that fails.
fn redis_server() -> Option<std::path::PathBuf> {
    let found = find_program("redis-server");
    assert!(
        found.is_some() || std::env::var_os("CI").is_none(),
        "CI installs redis-server for the interoperability tests"
    );
    found
}

/// A `redis-server` in `dir` following the primary on `port`, returned
/// once its link is up.
fn redis_replica_of(redis: &std::path::Path, dir: &TempDir, port: u16) -> ServerProcess {
    let replica = ServerProcess::start(
        redis.to_str().expect("utf-8 path"),
        &[
            "--dir",
            dir.arg(),
            "--enable-debug-command",
            "yes",
            "--replicaof",
            "127.0.0.1",
            &port.to_string(),
        ],
    );
    let mut conn = replica.connect();
    eventually("the replica's link", || {
        request(&mut conn, "INFO replication").contains("master_link_status:up")
    });
    replica
}

#[test]
fn a_redis_replica_follows_vireo_through_full_and_partial_resyncs() {
    let Some(redis) = redis_server() else {
        return;
    };
    let dir = TempDir::new("redis-replica");
    let primary = vireo_in(&dir);
    let mut conn = primary.connect();
    for line in [
        "SET s hello",
        "RPUSH l a b c",
        "HSET h f v",
        "SADD set 1 2 3",
        "ZADD z 1 a 2 b",
        "SET t x EX 1000",
    ] {
        conn.request(&words(line));
    }
    let replica_dir = TempDir::new("redis-replica-data");
    let replica = redis_replica_of(&redis, &replica_dir, primary.port);
    let mut replica_conn = replica.connect();
    for line in [
        "INCRBYFLOAT s2 2.5",
        "SPOP set",
        "LPOP l",
        "MULTI",
        "SET m1 1",
        "SET m2 2",
        "EXEC",
        "EXPIRE s 500",
        "SELECT 5",
        "SET far away",
        "SELECT 0",
        "SET last 1",
    ] {
        conn.request(&words(line));
    }
    eventually("the last write on the replica", || {
        request(&mut replica_conn, "GET last") == "$1\r\n1\r\n"
    });
    let digest = |conn: &mut Connection| request(conn, "DEBUG DIGEST");
    assert_eq!(digest(&mut replica_conn), digest(&mut conn));
    // Redis answers the GETACK that WAIT puts in the stream.
    assert_eq!(request(&mut conn, "WAIT 1 5000"), ":1\r\n");
    assert_eq!(request(&mut replica_conn, "SELECT 5"), "+OK\r\n");
    assert_eq!(request(&mut replica_conn, "GET far"), "$4\r\naway\r\n");
    assert_eq!(request(&mut replica_conn, "SELECT 0"), "+OK\r\n");

    // A broken link is mended with the backlog, not a new snapshot.
    let full_syncs = |conn: &mut Connection| {
        request(conn, "INFO stats")
            .lines()
            .find_map(|line| line.strip_prefix("sync_full:").map(str::to_string))
            .expect("sync_full")
    };
    assert_eq!(full_syncs(&mut conn), "1");
    assert_eq!(
        request(&mut replica_conn, "CLIENT KILL TYPE master"),
        ":1\r\n"
    );
    conn.request(&words("SET during-break yes"));
    eventually("the write made while the link was down", || {
        request(&mut replica_conn, "GET during-break") == "$3\r\nyes\r\n"
    });
    assert_eq!(full_syncs(&mut conn), "1");
    let partial = request(&mut conn, "INFO stats");
    assert!(partial.contains("sync_partial_ok:1\r\n"), "{partial}");
    assert_eq!(digest(&mut replica_conn), digest(&mut conn));
}

fn info_field(conn: &mut Connection, section: &str, name: &str) -> String {
    let info = request(conn, &format!("INFO {section}"));
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_else(|| panic!("no {name} in {info}"))
}

#[test]
fn vireo_follows_a_redis_primary_then_takes_over_from_it() {
    let Some(redis) = redis_server() else {
        return;
    };
    let primary_dir = TempDir::new("redis-primary");
    let primary = ServerProcess::start(
        redis.to_str().expect("utf-8 path"),
        &[
            "--dir",
            primary_dir.arg(),
            "--enable-debug-command",
            "yes",
            "--repl-diskless-sync-delay",
            "0",
        ],
    );
    let mut primary_conn = primary.connect();
    for line in [
        "SET s hello",
        "RPUSH l a b c",
        "ZADD z 1 a 2 b",
        "SET t x EX 1000",
    ] {
        primary_conn.request(&words(line));
    }
    let dir = TempDir::new("vireo-replica");
    let replica = vireo_in(&dir);
    let mut conn = replica.connect();
    assert_eq!(
        request(&mut conn, &format!("REPLICAOF 127.0.0.1 {}", primary.port)),
        "+OK\r\n"
    );
    eventually("the link to the primary", || {
        info_field(&mut conn, "replication", "master_link_status") == "up"
    });
    for line in [
        "INCR counter",
        "SELECT 4",
        "SET far away",
        "SELECT 0",
        "SET last 1",
    ] {
        primary_conn.request(&words(line));
    }
    eventually("the last write on the replica", || {
        request(&mut conn, "GET last") == "$1\r\n1\r\n"
    });
    let digest = |conn: &mut Connection| request(conn, "DEBUG DIGEST");
    assert_eq!(digest(&mut conn), digest(&mut primary_conn));
    assert_eq!(
        request(&mut conn, "SET mine 1"),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    let role = request(&mut conn, "ROLE");
    let expected_start = format!(
        "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:{}\r\n$9\r\nconnected\r\n:",
        primary.port
    );
    assert!(role.starts_with(&expected_start), "{role}");
    assert_eq!(
        request(&mut conn, &format!("REPLICAOF 127.0.0.1 {}", primary.port)),
        "+OK Already connected to specified master\r\n"
    );

    // A broken link continues from the primary's backlog.
    assert_eq!(
        request(&mut primary_conn, "CLIENT KILL TYPE replica"),
        ":1\r\n"
    );
    primary_conn.request(&words("SET during-break yes"));
    eventually("the write made while the link was down", || {
        request(&mut conn, "GET during-break") == "$3\r\nyes\r\n"
    });
    assert_eq!(
        info_field(&mut primary_conn, "stats", "sync_partial_ok"),
        "1"
    );
    assert_eq!(info_field(&mut primary_conn, "stats", "sync_full"), "1");

    // Promotion: the old primary follows Vireo and continues its history.
    assert_eq!(request(&mut conn, "REPLICAOF NO ONE"), "+OK\r\n");
    assert_eq!(request(&mut conn, "SET promoted yes"), "+OK\r\n");
    assert_eq!(
        request(
            &mut primary_conn,
            &format!("REPLICAOF 127.0.0.1 {}", replica.port)
        ),
        "+OK\r\n"
    );
    eventually("the promoted write on the old primary", || {
        request(&mut primary_conn, "GET promoted") == "$3\r\nyes\r\n"
    });
    assert_eq!(info_field(&mut conn, "stats", "sync_partial_ok"), "1");
    assert_eq!(info_field(&mut conn, "stats", "sync_full"), "0");
    assert_eq!(digest(&mut conn), digest(&mut primary_conn));
}

#[test]
fn a_vireo_replica_of_vireo_keeps_expired_keys_until_the_primary_deletes_them() {
    let primary_dir = TempDir::new("chain-primary");
    let primary = vireo_in(&primary_dir);
    let mut primary_conn = primary.connect();
    assert_eq!(
        request(&mut primary_conn, "DEBUG SET-ACTIVE-EXPIRE 0"),
        "+OK\r\n"
    );
    let dir = TempDir::new("chain-replica");
    let replica = vireo_in(&dir);
    let mut conn = replica.connect();
    assert_eq!(
        request(&mut conn, &format!("SLAVEOF localhost {}", primary.port)),
        "+OK\r\n"
    );
    eventually("the link to the primary", || {
        info_field(&mut conn, "replication", "master_link_status") == "up"
    });
    // WAIT counts the replicas that acknowledged this client's writes.
    assert_eq!(request(&mut primary_conn, "SET durable 1"), "+OK\r\n");
    assert_eq!(request(&mut primary_conn, "WAIT 1 5000"), ":1\r\n");
    let started = Instant::now();
    assert_eq!(request(&mut primary_conn, "WAIT 2 100"), ":1\r\n");
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(
        request(&mut conn, "WAIT 1 0"),
        "-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.\r\n"
    );
    assert_eq!(request(&mut primary_conn, "DEL durable"), ":1\r\n");
    assert_eq!(request(&mut primary_conn, "SET brief x PX 50"), "+OK\r\n");
    eventually("the key on the replica", || {
        request(&mut conn, "EXISTS brief") == ":1\r\n"
    });
    std::thread::sleep(Duration::from_millis(100));
    // Past its time: absent to readers, but still held until the primary
    // decides (its active expiry is off, and nobody read it there).
    assert_eq!(request(&mut conn, "GET brief"), "$-1\r\n");
    assert_eq!(request(&mut conn, "DBSIZE"), ":1\r\n");
    assert_eq!(request(&mut primary_conn, "GET brief"), "$-1\r\n");
    eventually("the primary's deletion", || {
        request(&mut conn, "DBSIZE") == ":0\r\n"
    });
}

#[test]
fn a_restarted_replica_continues_from_the_history_its_file_recorded() {
    let primary_dir = TempDir::new("restart-primary");
    let primary = vireo_in(&primary_dir);
    let mut primary_conn = primary.connect();
    let dir = TempDir::new("restart-replica");
    let follow = format!("127.0.0.1 {}", primary.port);
    let start_replica = || {
        ServerProcess::vireo(&[
            "--dir",
            dir.arg(),
            "--enable-debug-command",
            "yes",
            "--repl-diskless-sync-delay",
            "0",
            "--replicaof",
            &follow,
        ])
    };
    let mut replica = start_replica();
    let mut conn = replica.connect();
    eventually("the first link", || {
        info_field(&mut conn, "replication", "master_link_status") == "up"
    });
    for line in ["SELECT 3", "SET k 1", "INCR k"] {
        primary_conn.request(&words(line));
    }
    eventually("the writes on the replica", || {
        request(&mut conn, "SELECT 3") == "+OK\r\n" && request(&mut conn, "GET k") == "$1\r\n2\r\n"
    });
    assert_eq!(request(&mut conn, "SAVE"), "+OK\r\n");
    replica.terminate();
    // Written while the replica is down, in the database the stream had
    // selected: no SELECT precedes it in what the replica will receive.
    primary_conn.request(&words("INCR k"));
    let replica = start_replica();
    let mut conn = replica.connect();
    eventually("the link after the restart", || {
        info_field(&mut conn, "replication", "master_link_status") == "up"
    });
    assert_eq!(request(&mut conn, "SELECT 3"), "+OK\r\n");
    eventually("the write made while the replica was down", || {
        request(&mut conn, "GET k") == "$1\r\n3\r\n"
    });
    assert_eq!(info_field(&mut primary_conn, "stats", "sync_full"), "1");
    assert_eq!(
        info_field(&mut primary_conn, "stats", "sync_partial_ok"),
        "1"
    );
}

#[test]
fn a_replica_able_to_take_a_diskless_transfer_waits_the_sync_delay() {
    let dir = TempDir::new("delay");
    let server = ServerProcess::vireo(&["--dir", dir.arg(), "--repl-diskless-sync-delay", "2"]);
    let started = Instant::now();
    let mut link = Link::open(server.port);
    link.send(b"REPLCONF capa eof\r\n");
    assert_eq!(link.line(), "+OK");
    link.send(b"PSYNC ? -1\r\n");
    assert!(link.line().starts_with("+FULLRESYNC "));
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "the snapshot did not wait: {:?}",
        started.elapsed()
    );
    link.snapshot();
    // Without the capability there is no reason to wait.
    let started = Instant::now();
    let mut link = Link::open(server.port);
    link.send(b"SYNC\r\n");
    link.snapshot();
    assert!(started.elapsed() < Duration::from_millis(1900));
}

#[test]
fn stream_ids_trims_and_group_deliveries_reach_a_redis_replica_exactly() {
    let Some(redis) = redis_server() else {
        return;
    };
    let dir = TempDir::new("stream-primary");
    let primary = vireo_in(&dir);
    let mut conn = primary.connect();
    let replica_dir = TempDir::new("stream-replica");
    let replica = redis_replica_of(&redis, &replica_dir, primary.port);
    let mut replica_conn = replica.connect();
    for round in 0..300 {
        conn.request(&words(&format!("XADD s MAXLEN ~ 50 * field {round}")));
    }
    for line in [
        "XGROUP CREATE s g 0",
        "XREADGROUP GROUP g alice COUNT 5 STREAMS s >",
        "XREADGROUP GROUP g bob COUNT 3 NOACK STREAMS s >",
        "XREADGROUP GROUP g carol COUNT 2 STREAMS s >",
        "XTRIM s MINID ~ 0-1",
        "XADD t * a 1",
        "XADD t * a 2",
        "XGROUP CREATE t h 0",
        "XREADGROUP GROUP h dave STREAMS t >",
        "SET last 1",
    ] {
        conn.request(&words(line));
    }
    let pending = request(&mut conn, "XPENDING s g - + 100");
    let first_pending = pending
        .split("\r\n")
        .nth(2)
        .expect("a pending entry")
        .to_string();
    conn.request(&words(&format!("XCLAIM s g erin 0 {first_pending}")));
    conn.request(&words("XAUTOCLAIM t h frank 0 0-0"));
    conn.request(&words("SET last 2"));
    eventually("the last write on the replica", || {
        request(&mut replica_conn, "GET last") == "$1\r\n2\r\n"
    });
    for probe in [
        "XLEN s",
        "XRANGE s - +",
        "XINFO GROUPS s",
        "XPENDING s g - + 100",
        "XPENDING t h - + 100",
        "XINFO CONSUMERS t h",
        "DEBUG DIGEST",
    ] {
        let mask_idle = |reply: String| {
            // Idle times differ by the replication delay; compare the rest.
            reply
                .split("\r\n")
                .filter(|line| !line.starts_with(':'))
                .collect::<Vec<_>>()
                .join("\r\n")
        };
        assert_eq!(
            mask_idle(request(&mut replica_conn, probe)),
            mask_idle(request(&mut conn, probe)),
            "{probe}"
        );
    }
}
