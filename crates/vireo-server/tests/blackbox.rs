//! Black-box tests: the real `vireo-server` binary over TCP.

mod support;

use std::process::Command;

use support::{find_program, words, Connection, ServerProcess};

#[test]
fn serves_commands_over_tcp_and_pipelines() {
    let server = ServerProcess::vireo(&[]);
    let mut conn = server.connect();
    assert_eq!(conn.request(&words("SET greeting hello")), b"+OK\r\n");
    assert_eq!(conn.request(&words("GET greeting")), b"$5\r\nhello\r\n");
    assert_eq!(
        conn.request(&words("NOPE x")),
        b"-ERR unknown command 'NOPE', with args beginning with: 'x' \r\n"
    );

    let mut pipeline = Vec::new();
    for index in 0..1000 {
        vireo_resp::encode::command(&mut pipeline, &[b"INCR", b"counter"]);
        if index % 100 == 0 {
            vireo_resp::encode::command(&mut pipeline, &[b"PING"]);
        }
    }
    conn.send_raw(&pipeline);
    let mut last = Vec::new();
    for _ in 0..1010 {
        last = conn.read_reply().expect("pipelined reply");
    }
    assert_eq!(last, b":1000\r\n");
}

#[test]
fn a_large_value_round_trips() {
    let server = ServerProcess::vireo(&[]);
    let mut conn = server.connect();
    let value: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(conn.request(&[b"SET", b"big", &value]), b"+OK\r\n");
    let reply = conn.request(&[b"GET", b"big"]);
    let header = b"$3000000\r\n";
    assert_eq!(&reply[..header.len()], header);
    assert_eq!(&reply[header.len()..reply.len() - 2], value.as_slice());
}

#[test]
fn a_protocol_error_closes_only_that_connection() {
    let server = ServerProcess::vireo(&[]);
    let mut bystander = server.connect();
    let mut offender = server.connect();
    offender.send_raw(b"*1\r\nfoo\r\n");
    assert_eq!(
        offender.read_reply().expect("error reply"),
        b"-ERR Protocol error: expected '$', got 'f'\r\n"
    );
    assert!(offender.is_closed_by_server());
    assert_eq!(bystander.request(&words("PING")), b"+PONG\r\n");
}

#[test]
fn quit_closes_after_the_reply() {
    let server = ServerProcess::vireo(&[]);
    let mut conn = server.connect();
    let mut request = Vec::new();
    vireo_resp::encode::command(&mut request, &[b"QUIT"]);
    vireo_resp::encode::command(&mut request, &[b"SET", b"foo", b"bar"]);
    conn.send_raw(&request);
    assert_eq!(conn.read_reply().expect("QUIT reply"), b"+OK\r\n");
    assert!(conn.is_closed_by_server());
    assert_eq!(server.connect().request(&words("GET foo")), b"$-1\r\n");
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let mut server = ServerProcess::vireo(&[]);
    let status = server
        .terminate()
        .expect("server exits within the time limit");
    assert!(status.success(), "exit status {status}");
    let log = server.log();
    assert!(log.contains("Ready to accept connections"), "{log}");
    assert!(log.contains(" PID: "), "{log}");
    assert!(
        log.contains("Received SIGTERM scheduling shutdown"),
        "{log}"
    );
    assert!(log.contains("ready to exit, bye bye"), "{log}");
}

#[test]
fn bad_command_line_options_fail_like_redis() {
    let output = Command::new(env!("CARGO_BIN_EXE_vireo-server"))
        .args(["--port", "notanumber"])
        .output()
        .expect("run vireo-server");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("*** FATAL CONFIG FILE ERROR"), "{stderr}");
    assert!(stderr.contains(">>> 'port \"notanumber\"'"), "{stderr}");
    assert!(
        stderr.contains("argument couldn't be parsed into an integer"),
        "{stderr}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_vireo-server"))
        .args(["--port"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&output.stderr).contains("wrong number of arguments"));

    // A flags option with no value fails instead of starting a server.
    let output = Command::new(env!("CARGO_BIN_EXE_vireo-server"))
        .args(["--shutdown-on-sigint"])
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("'shutdown-on-sigint'")
            && stderr.contains("argument(s) must be one of the following"),
        "{stderr}"
    );
}

#[test]
fn a_config_file_then_options() {
    let dir = std::env::temp_dir().join(format!("vireo-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("vireo.conf");
    std::fs::write(&path, "# comment\ndatabases 4\nhz 50\nmaxmemory 100mb\n")
        .expect("write config");
    let port = support::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vireo-server"))
        .arg(&path)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start with a config file");
    let mut answered = None;
    for _ in 0..250 {
        if let Ok(mut conn) = support::Connection::open(port) {
            answered = Some(conn.request(&words("SELECT 4")));
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        answered.expect("server answered"),
        b"-ERR DB index is out of range\r\n"
    );
}

#[test]
fn redis_cli_works_against_vireo() {
    let Some(redis_cli) = find_program("redis-cli") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install redis-tools"
        );
        eprintln!("redis-cli not installed; skipping the redis-cli check");
        return;
    };
    let server = ServerProcess::vireo(&[]);
    let run = |args: &[&str]| {
        let output = Command::new(&redis_cli)
            .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
            .args(args)
            .output()
            .expect("run redis-cli");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert_eq!(run(&["PING"]), "PONG\n");
    assert_eq!(run(&["SET", "k", "v"]), "OK\n");
    assert_eq!(run(&["GET", "k"]), "v\n");
    assert_eq!(
        run(&["SETT", "k", "v"]),
        "ERR unknown command 'SETT', with args beginning with: 'k' 'v' \n\n",
        "redis-cli prints errors followed by a blank line"
    );
}

#[test]
fn shutdown_command_stops_the_server() {
    let mut server = ServerProcess::vireo(&[]);
    let mut conn = server.connect();
    assert_eq!(
        conn.request(&words("SHUTDOWN ABORT")),
        b"-ERR No shutdown in progress.\r\n"
    );
    assert_eq!(
        conn.request(&words("SHUTDOWN NOSAVE SAVE")),
        b"-ERR syntax error\r\n"
    );
    conn.send_raw(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n");
    assert!(
        conn.read_reply().is_none(),
        "no reply: the connection closes as the server exits"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "server did not exit");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success());
    assert!(server.log().contains("ready to exit, bye bye"));
}

#[test]
fn debians_redis_conf_starts_vireo() {
    let path = std::path::Path::new("/etc/redis/redis.conf");
    let Ok(contents) = std::fs::read_to_string(path) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs redis-server, which ships this file"
        );
        eprintln!("no readable /etc/redis/redis.conf; skipping");
        return;
    };
    assert!(
        contents.contains("hash-max-listpack-entries"),
        "a Redis 7 config file"
    );
    let dir = std::env::temp_dir().join(format!("vireo-debian-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let port = support::free_port();
    // The file is used as shipped; only what would clash with a system
    // server (port, daemonizing, paths) is overridden on the command line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_vireo-server"))
        .arg(path)
        .args([
            "--port",
            &port.to_string(),
            "--daemonize",
            "no",
            "--logfile",
            "",
            "--pidfile",
            "",
        ])
        .arg("--dir")
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start with Debian's redis.conf");
    let mut replies = None;
    for _ in 0..250 {
        if let Ok(mut conn) = support::Connection::open(port) {
            replies = Some((
                conn.request(&words("PING")),
                conn.request(&words("CONFIG GET hash-max-listpack-entries")),
                conn.request(&words("CONFIG GET aof-use-rdb-preamble")),
            ));
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let (ping, entries, preamble) = replies.expect("server answered");
    assert_eq!(ping, b"+PONG\r\n");
    assert_eq!(
        entries, b"*2\r\n$25\r\nhash-max-listpack-entries\r\n$3\r\n512\r\n",
        "the file's value, not the default 128"
    );
    assert_eq!(
        preamble,
        b"*2\r\n$20\r\naof-use-rdb-preamble\r\n$3\r\nyes\r\n"
    );
}

#[test]
fn info_memory_and_memory_stats_follow_the_allocator() {
    let server = ServerProcess::vireo(&[]);
    let mut conn = server.connect();
    let number = |info: &str, name: &str| -> f64 {
        info.split("\r\n")
            .find_map(|line| line.strip_prefix(name))
            .and_then(|value| value.trim_end_matches('%').parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {info}"))
    };
    let before = String::from_utf8_lossy(&conn.request(&words("INFO memory"))).into_owned();
    let big = vec![b'x'; 4 << 20];
    assert_eq!(conn.request(&[b"SET", b"big", &big]), b"+OK\r\n");
    let after = String::from_utf8_lossy(&conn.request(&words("INFO memory"))).into_owned();
    let used = number(&after, "used_memory:");
    assert!(used >= number(&before, "used_memory:") + f64::from(4 << 20));
    assert!(number(&after, "used_memory_peak:") >= used);
    assert!(number(&after, "used_memory_dataset:") >= f64::from(4 << 20));
    assert!(number(&after, "allocator_active:") >= number(&after, "allocator_allocated:"));
    assert!(number(&after, "mem_fragmentation_ratio:") > 0.0);
    let usage = String::from_utf8_lossy(&conn.request(&words("MEMORY USAGE big"))).into_owned();
    let usage: f64 = usage[1..].trim_end().parse().expect("integer reply");
    assert!(usage >= f64::from(4 << 20), "{usage}");
    assert_eq!(conn.request(&words("DEL big")), b":1\r\n");
    let freed = String::from_utf8_lossy(&conn.request(&words("INFO memory"))).into_owned();
    assert!(number(&freed, "used_memory:") < used);
    assert!(number(&freed, "used_memory_peak:") >= used);
}

#[test]
fn config_set_port_moves_the_listener_or_changes_nothing() {
    let server = ServerProcess::vireo(&[]);
    let mut conn = server.connect();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let taken_port = taken.local_addr().expect("address").port();
    let reply = conn.request(&support::words(&format!(
        "CONFIG SET maxmemory 10000001 port {taken_port} client-query-buffer-limit 10m"
    )));
    assert_eq!(
        String::from_utf8_lossy(&reply),
        "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port\r\n"
    );
    // Nothing changed, and the server still listens where it did.
    let port = server.port.to_string();
    assert_eq!(
        conn.request(&support::words("CONFIG GET port")),
        format!("*2\r\n$4\r\nport\r\n${}\r\n{port}\r\n", port.len()).into_bytes()
    );
    assert_eq!(
        conn.request(&support::words("CONFIG GET maxmemory")),
        b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
    );
    assert_eq!(
        Connection::open(server.port)
            .expect("old port")
            .request(&[b"PING"]),
        b"+PONG\r\n"
    );

    let new_port = support::free_port();
    let reply = conn.request(&support::words(&format!("CONFIG SET port {new_port}")));
    assert_eq!(reply, b"+OK\r\n");
    assert_eq!(
        Connection::open(new_port)
            .expect("new port")
            .request(&[b"PING"]),
        b"+PONG\r\n"
    );
    assert!(
        Connection::open(server.port).is_err(),
        "the old port is closed"
    );
    // Connections made before the move stay.
    assert_eq!(conn.request(&[b"PING"]), b"+PONG\r\n");
}

/// Runs `redis-cli` against `server` for `run_for`, then stops it and
/// returns what it printed: for the modes that never end by themselves
/// (`--stat`, `--latency`, `monitor`).
fn redis_cli_output_for(
    redis_cli: &std::path::Path,
    server: &ServerProcess,
    args: &[&str],
    run_for: std::time::Duration,
    meanwhile: impl FnOnce(),
) -> String {
    // redis-cli buffers its output when it is not a terminal and is
    // stopped by a signal here: stdbuf makes it write each line at once.
    let child = Command::new("stdbuf")
        .arg("-oL")
        .arg(redis_cli)
        .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run redis-cli");
    std::thread::sleep(run_for / 2);
    meanwhile();
    std::thread::sleep(run_for / 2);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().expect("redis-cli output");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn redis_cli_stat_latency_and_monitor_modes_work_against_vireo() {
    let Some(redis_cli) = find_program("redis-cli") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install redis-tools"
        );
        eprintln!("redis-cli not installed; skipping the redis-cli modes check");
        return;
    };
    let server = ServerProcess::vireo(&[]);
    let second = std::time::Duration::from_millis(1200);

    // --stat reads INFO each interval and prints one row per sample.
    let stat = redis_cli_output_for(&redis_cli, &server, &["--stat", "-i", "0.1"], second, || {});
    for column in [
        "keys",
        "mem",
        "clients",
        "blocked",
        "requests",
        "connections",
    ] {
        assert!(stat.contains(column), "--stat header: {stat}");
    }
    // A sample row starts with the key count and shows the memory in use.
    let rows = stat
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_digit()) && line.contains('K'))
        .count();
    assert!(rows >= 3, "--stat printed too few samples: {stat}");

    // --latency pings and prints min/max/avg over the samples.
    let latency = redis_cli_output_for(&redis_cli, &server, &["--latency", "--raw"], second, || {});
    let samples: Vec<&str> = latency.lines().filter(|line| !line.is_empty()).collect();
    assert!(!samples.is_empty(), "--latency printed nothing");
    let fields: Vec<f64> = samples[samples.len() - 1]
        .split_whitespace()
        .filter_map(|field| field.parse().ok())
        .collect();
    assert_eq!(
        fields.len(),
        4,
        "--latency --raw prints min max avg count: {latency}"
    );
    assert!(fields[3] > 0.0, "--latency made no sample: {latency}");

    // MONITOR shows another connection's command in redis-cli's format.
    let monitor = redis_cli_output_for(&redis_cli, &server, &["monitor"], second, || {
        let mut conn = server.connect();
        assert_eq!(conn.request(&words("SET monitored-key value")), b"+OK\r\n");
    });
    assert!(monitor.starts_with("OK\n"), "monitor: {monitor}");
    assert!(
        monitor
            .lines()
            .any(|line| line.contains("] \"SET\" \"monitored-key\"")),
        "monitor: {monitor}"
    );
}

#[test]
fn client_limits_close_or_refuse_like_redis() {
    let server = ServerProcess::vireo(&[
        "--maxclients",
        "3",
        "--client-query-buffer-limit",
        "1mb",
        "--timeout",
        "1",
    ]);
    // maxclients: the connection over the limit gets Redis's error, then EOF.
    // The start-up readiness probe's connection must be gone first.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut first = server.connect();
    let mut second = server.connect();
    let mut third = server.connect();
    for conn in [&mut first, &mut second, &mut third] {
        assert_eq!(conn.request(&[b"PING"]), b"+PONG\r\n");
    }
    let mut fourth = server.connect();
    let refused = fourth.read_reply().expect("an error before the close");
    assert_eq!(
        String::from_utf8_lossy(&refused),
        "-ERR max number of clients reached\r\n"
    );
    assert!(fourth.is_closed_by_server());
    drop((first, second, third));
    std::thread::sleep(std::time::Duration::from_millis(200));

    // client-query-buffer-limit: an endless bulk argument closes the client.
    let mut greedy = server.connect();
    greedy.send_raw(b"*2\r\n$3\r\nSET\r\n$100000000\r\n");
    let chunk = vec![b'x'; 256 * 1024];
    // The server may close while the bytes are still going out.
    for _ in 0..8 {
        if greedy.try_send_raw(&chunk).is_err() {
            break;
        }
    }
    assert!(
        greedy.is_closed_or_reset_by_server(),
        "over client-query-buffer-limit"
    );
    let mut conn = server.connect();
    assert_eq!(conn.request(&[b"PING"]), b"+PONG\r\n");

    // timeout: an idle client is closed after `timeout` seconds.
    let mut idle = server.connect();
    assert_eq!(idle.request(&[b"PING"]), b"+PONG\r\n");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(
        idle.is_closed_by_server(),
        "an idle client outlives timeout"
    );
}
