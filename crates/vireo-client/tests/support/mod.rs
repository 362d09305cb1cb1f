//! Test vocabulary for the protocol core: a [`Harness`] that owns a
//! [`Connection`] and a simulated clock, scripted peers that decode what the
//! client wrote, and helpers that start servers for end-to-end tests.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use vireo_client::{
    Address, Completion, Config, Connection, Error, Event, Frame, Protocol, State, Token,
    TransportAction,
};
use vireo_resp::{Args, RequestDecoder, RequestLimits};

/// A core with a clock the test moves.
pub struct Harness {
    pub conn: Connection,
    pub now: Instant,
    pub completions: HashMap<Token, Vec<Result<Frame, Error>>>,
    pub order: Vec<Token>,
    pub events: Vec<Event>,
    pub requests: RequestReader,
}

/// The configuration the core tests start from: RESP3, no password,
/// reconnection with a small fixed-seed backoff.
pub fn config() -> Config {
    let mut config = Config::new(Address::Tcp {
        host: "127.0.0.1".into(),
        port: 6379,
    });
    config.reconnect = Some(vireo_client::Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_secs(2),
        max_attempts: None,
    });
    config
}

pub fn resp2() -> Config {
    let mut config = config();
    config.protocol = Protocol::Resp2;
    config
}

impl Harness {
    /// A core that has not been told about any socket yet.
    pub fn new(config: Config) -> Harness {
        let now = Instant::now();
        Harness {
            conn: Connection::new(config, now),
            now,
            completions: HashMap::new(),
            order: Vec::new(),
            events: Vec::new(),
            requests: RequestReader::default(),
        }
    }

    /// A core connected and past its handshake (the handshake's replies are
    /// given as `+OK`/an empty map).
    pub fn ready(config: Config) -> Harness {
        let mut h = Harness::new(config);
        h.open_socket();
        h.finish_handshake();
        h
    }

    /// Expects a Connect action and reports success.
    pub fn open_socket(&mut self) {
        assert_eq!(self.transport(), Some(TransportAction::Connect));
        self.conn.handle_connected(self.now);
        self.requests = RequestReader::default();
    }

    /// Answers every handshake command the core wrote.
    pub fn finish_handshake(&mut self) {
        let commands = self.sent();
        for command in &commands {
            let reply: &[u8] = match command[0].to_ascii_uppercase().as_slice() {
                b"HELLO" => b"%1\r\n$6\r\nserver\r\n$5\r\nvireo\r\n",
                _ => b"+OK\r\n",
            };
            self.read(reply);
        }
        assert_eq!(self.conn.state(), State::Ready, "handshake {commands:?}");
    }

    pub fn transport(&mut self) -> Option<TransportAction> {
        self.conn.poll_transport()
    }

    /// Bytes the core wants written now.
    pub fn written(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.conn.poll_transmit(&mut out);
        out
    }

    /// The commands the core wrote since the last call, as argument lists.
    pub fn sent(&mut self) -> Vec<Vec<Vec<u8>>> {
        let bytes = self.written();
        self.requests.feed(&bytes)
    }

    /// The commands written, each joined with spaces (for readable asserts).
    pub fn sent_lines(&mut self) -> Vec<String> {
        self.sent()
            .into_iter()
            .map(|argv| {
                argv.iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    pub fn read(&mut self, bytes: &[u8]) {
        self.conn.handle_read(bytes, self.now);
        self.collect();
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.conn.handle_timeout(self.now);
        self.collect();
    }

    /// Moves the clock to the core's next deadline and handles it.
    pub fn advance_to_deadline(&mut self) {
        let at = self.conn.poll_timeout().expect("a deadline");
        if at > self.now {
            self.now = at;
        }
        self.conn.handle_timeout(self.now);
        self.collect();
    }

    pub fn disconnect(&mut self, why: &str) {
        self.conn.handle_disconnected(why, self.now);
        self.collect();
    }

    pub fn submit(&mut self, command: vireo_client::Command) -> Token {
        let token = self.conn.submit(command, self.now).expect("submit");
        self.collect();
        token
    }

    /// Drains completions and events into the harness.
    pub fn collect(&mut self) {
        while let Some(Completion { token, result }) = self.conn.poll_completion() {
            self.order.push(token);
            self.completions.entry(token).or_default().push(result);
        }
        while let Some(event) = self.conn.poll_event() {
            self.events.push(event);
        }
    }

    /// The single completion of `token`.
    pub fn result(&self, token: Token) -> &Result<Frame, Error> {
        match self.completions.get(&token).map(Vec::as_slice) {
            Some([one]) => one,
            other => panic!("{token:?} completed {other:?}, expected exactly once"),
        }
    }

    pub fn reply(&self, token: Token) -> &Frame {
        match self.result(token) {
            Ok(frame) => frame,
            Err(error) => panic!("{token:?} failed: {error}"),
        }
    }

    pub fn is_pending(&self, token: Token) -> bool {
        !self.completions.contains_key(&token)
    }
}

/// Decodes the commands a client wrote, across arbitrary chunking.
#[derive(Default)]
pub struct RequestReader {
    buffer: Vec<u8>,
    decoder: RequestDecoder,
}

impl RequestReader {
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Vec<Vec<u8>>> {
        self.buffer.extend_from_slice(bytes);
        let mut commands = Vec::new();
        let limits = RequestLimits::default();
        loop {
            let mut args = Args::new();
            match self.decoder.decode(&self.buffer, &limits, &mut args) {
                Ok(Some(used)) => {
                    let argv = args.view(&self.buffer);
                    commands.push(argv.iter().map(<[u8]>::to_vec).collect());
                    self.buffer.drain(..used);
                }
                Ok(None) => return commands,
                Err(error) => panic!("client wrote invalid RESP: {error:?}"),
            }
        }
    }
}

pub fn bulk(text: &str) -> Frame {
    Frame::Bulk(bytes::Bytes::copy_from_slice(text.as_bytes()))
}

pub fn simple(text: &str) -> Frame {
    Frame::Simple(bytes::Bytes::copy_from_slice(text.as_bytes()))
}

/// Splits `bytes` into chunks at the given cut points (taken modulo the
/// length), for random read/write splitting.
pub fn chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let mut points: Vec<usize> = cuts.iter().map(|c| c % bytes.len()).collect();
    points.push(0);
    points.push(bytes.len());
    points.sort_unstable();
    points.dedup();
    points
        .windows(2)
        .map(|w| bytes[w[0]..w[1]].to_vec())
        .collect()
}

// ----- real servers ---------------------------------------------------------

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// Starts an in-process Vireo server on a free loopback port, on a thread
/// that lives as long as the test process, and returns its port once it
/// answers. A free port can be taken by another test before the server binds
/// it; the server's thread then ends at once, and a new port is tried.
pub fn start_vireo() -> u16 {
    use vireo_server::config::{Config as ServerConfig, ProtectedAccess};
    for _ in 0..5 {
        let port = free_port();
        let mut config = ServerConfig::default();
        config.port = port;
        config.bind = vec!["127.0.0.1".into()];
        config.save = String::new();
        config.enable_debug_command = ProtectedAccess::Yes;
        let server = std::thread::spawn(move || {
            let _ = vireo_server::run(config);
        });
        wait_for_port(port);
        // A failed bind ends the thread within microseconds; this pause lets
        // that show before the port is trusted.
        std::thread::sleep(Duration::from_millis(50));
        if !server.is_finished() {
            return port;
        }
    }
    panic!("no free port for an in-process server in 5 attempts");
}

pub fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("nothing listens on port {port}");
}

/// True once the server on `port` is the process `pid` (its `INFO server`
/// names it), so a server of another test on a reused port is never taken
/// for ours.
fn port_answers_as(port: u16, pid: u32) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    if stream
        .write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
        .is_err()
    {
        return false;
    }
    let wanted = format!("process_id:{pid}\r\n");
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(read @ 1..) = stream.read(&mut chunk) {
        seen.extend_from_slice(&chunk[..read]);
        if seen.windows(wanted.len()).any(|w| w == wanted.as_bytes()) {
            return true;
        }
    }
    false
}

/// A `redis-server` process on a loopback port, killed on drop.
pub struct RedisServer {
    child: Child,
    pub port: u16,
    binary: PathBuf,
}

impl RedisServer {
    /// Starts Debian's `redis-server` when installed. Without it, returns
    /// `None` so the test can skip, unless CI is set: CI installs it, so a
    /// missing binary there is a failure.
    pub fn start() -> Option<RedisServer> {
        RedisServer::start_on_port(free_port())
    }

    /// As [`RedisServer::start`], on a given port.
    pub fn start_on_port(port: u16) -> Option<RedisServer> {
        let binary = PathBuf::from("/usr/bin/redis-server");
        let binary = if binary.is_file() {
            binary
        } else {
            let path = std::env::var_os("PATH")?;
            match std::env::split_paths(&path)
                .map(|dir| dir.join("redis-server"))
                .find(|candidate| candidate.is_file())
            {
                Some(found) => found,
                None => {
                    assert!(
                        std::env::var_os("CI").is_none(),
                        "redis-server is required when CI is set"
                    );
                    eprintln!("redis-server not installed: skipping");
                    return None;
                }
            }
        };
        Some(RedisServer::start_on(binary, port))
    }

    fn start_on(binary: PathBuf, port: u16) -> RedisServer {
        let child = Process::new(&binary)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let pid = child.id();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !port_answers_as(port, pid) {
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} did not answer as pid {pid}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        RedisServer {
            child,
            port,
            binary,
        }
    }

    /// Kills the server and starts a fresh one on the same port.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let fresh = RedisServer::start_on(self.binary.clone(), self.port);
        let old = std::mem::replace(self, fresh);
        drop(old);
    }

    /// Kills the server, leaving the port closed.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
