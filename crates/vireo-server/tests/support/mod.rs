//! Helpers for tests that run real processes: free ports, a spawned
//! `vireo-server` or `redis-server` that is killed on drop, and a minimal
//! RESP connection that returns each reply's exact bytes.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use vireo_resp::ReplyDecoder;

/// A temporary directory for one test's files, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh, empty directory named after the test binary and `name`.
    pub fn new(name: &str) -> TempDir {
        let binary = std::env::current_exe()
            .ok()
            .and_then(|path| {
                path.file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
            })
            .unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("vireo-{binary}-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    /// The path, as a command-line argument.
    pub fn arg(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }

    /// The RDB file a server started in this directory uses.
    pub fn rdb(&self) -> PathBuf {
        self.0.join("dump.rdb")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// A server process, killed when dropped.
pub struct ServerProcess {
    /// The child process.
    pub child: Child,
    /// Its TCP port.
    pub port: u16,
    /// Where its log goes.
    pub log_path: PathBuf,
}

impl ServerProcess {
    /// Starts `binary` with `args` plus `--port <free port>`, logging to a
    /// temporary file, and waits until it answers PING. A free port can be
    /// taken by another test between the probe and the server's bind, so a
    /// server that exits before answering is started again on a new port.
    pub fn start(binary: &str, args: &[&str]) -> ServerProcess {
        const ATTEMPTS: usize = 5;
        let mut failures = Vec::new();
        for _ in 0..ATTEMPTS {
            let port = free_port();
            let log_path =
                std::env::temp_dir().join(format!("vireo-test-{}-{port}.log", std::process::id()));
            let log = std::fs::File::create(&log_path).expect("create log file");
            let child = Command::new(binary)
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
                .args(args)
                .stdout(Stdio::from(log.try_clone().expect("clone log handle")))
                .stderr(Stdio::from(log))
                .spawn()
                .unwrap_or_else(|error| panic!("start {binary}: {error}"));
            let mut process = ServerProcess {
                child,
                port,
                log_path,
            };
            match process.wait_ready() {
                Ok(()) => return process,
                Err(failure) => failures.push(failure),
            }
        }
        panic!("{binary} did not start in {ATTEMPTS} attempts: {failures:#?}");
    }

    /// Starts the `vireo-server` built for this test run.
    pub fn vireo(args: &[&str]) -> ServerProcess {
        ServerProcess::start(env!("CARGO_BIN_EXE_vireo-server"), args)
    }

    /// Waits until this very process answers on its port: the reply to
    /// `INFO server` must carry the child's pid, so a server of another test
    /// that holds a reused port is never mistaken for ours. A connection
    /// closed without a reply is retried; a server that exits is reported
    /// with its log.
    fn wait_ready(&mut self) -> Result<(), String> {
        let own_pid = format!("process_id:{}\r\n", self.child.id());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited early with {status}: {}", self.log()));
            }
            if let Ok(mut conn) = Connection::open(self.port) {
                conn.set_timeout(Duration::from_secs(1));
                let mut info = Vec::new();
                vireo_resp::encode::command(&mut info, &[b"INFO", b"server"]);
                if conn.try_send_raw(&info).is_ok() {
                    match conn.read_reply() {
                        Some(reply) if contains(&reply, own_pid.as_bytes()) => return Ok(()),
                        Some(reply) if reply.starts_with(b"$") => {
                            return Err(format!("port {} belongs to another server", self.port));
                        }
                        _ => {}
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("not ready within 10 s: {}", self.log()))
    }

    /// A new connection to this server.
    pub fn connect(&self) -> Connection {
        Connection::open(self.port).expect("connect to server")
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Sends SIGTERM and waits (bounded) for the process to exit.
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        // SAFETY-free: `kill` the command-line tool keeps tests free of libc.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

/// A RESP connection that hands back each reply's raw bytes.
pub struct Connection {
    stream: TcpStream,
    buffer: BytesMut,
    decoder: ReplyDecoder,
}

impl Connection {
    /// Connects to 127.0.0.1:`port` with a 5 s read timeout.
    pub fn open(port: u16) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: BytesMut::new(),
            decoder: ReplyDecoder::new(),
        })
    }

    /// Changes how long a read waits before giving up.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.stream
            .set_read_timeout(Some(timeout))
            .expect("set read timeout");
    }

    /// Sends raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to server");
    }

    /// Sends raw bytes to a server that may close the connection meanwhile.
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends one command as a multibulk request and returns its reply bytes.
    pub fn request(&mut self, args: &[&[u8]]) -> Vec<u8> {
        let mut request = Vec::new();
        vireo_resp::encode::command(&mut request, args);
        self.send_raw(&request);
        self.read_reply()
            .unwrap_or_else(|| panic!("no reply to {:?}", String::from_utf8_lossy(&request)))
    }

    /// Reads one whole reply and returns its exact bytes; `None` when the
    /// server closed the connection (or sent nothing within the timeout).
    pub fn read_reply(&mut self) -> Option<Vec<u8>> {
        // The decoder resumes: on a partial aggregate it may consume the
        // elements it has already decoded, so the reply's bytes are
        // gathered across reads, not taken from the last buffer alone.
        let mut reply = Vec::new();
        loop {
            let before = self.buffer.clone();
            let decoded = self.decoder.decode(&mut self.buffer);
            let consumed = before.len() - self.buffer.len();
            reply.extend_from_slice(&before[..consumed]);
            match decoded {
                Ok(Some(_frame)) => return Some(reply),
                Ok(None) => {}
                Err(error) => panic!("undecodable reply: {error}"),
            }
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(read) => self.buffer.extend_from_slice(&chunk[..read]),
            }
        }
    }

    /// True if the server has closed this connection (EOF within the timeout).
    pub fn is_closed_by_server(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.stream.read(&mut byte), Ok(0))
    }

    /// True if the server has closed this connection, cleanly or, when it
    /// closed with our bytes still unread, by a reset (within the timeout).
    pub fn is_closed_or_reset_by_server(&mut self) -> bool {
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(error) => error.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }
}

/// A real `redis-server` and a Vireo server, both started with `args`,
/// for differential tests; `None` (after saying so) when `redis-server` is
/// not installed, except under CI, which installs it: there that fails.
pub fn redis_and_vireo(args: &[&str]) -> Option<(ServerProcess, ServerProcess)> {
    let Some(redis) = find_program("redis-server") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install redis-server for the differential tests"
        );
        eprintln!("redis-server not installed; differential tests not run");
        return None;
    };
    let redis = ServerProcess::start(redis.to_str().expect("utf-8 path"), args);
    let vireo = ServerProcess::vireo(args);
    Some((redis, vireo))
}

/// The path of `program` if it is on PATH.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// True if `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Splits a command line on spaces.
pub fn words(line: &str) -> Vec<&[u8]> {
    line.split(' ')
        .filter(|w| !w.is_empty())
        .map(str::as_bytes)
        .collect()
}

/// One connection to each of a `redis-server` and a Vireo server, every
/// request sent to both, for differential tests.
pub struct Pair {
    /// The connection to `redis-server`.
    pub redis: Connection,
    /// The connection to Vireo.
    pub vireo: Connection,
}

impl Pair {
    /// Connects to both servers and empties them.
    pub fn new(redis: &ServerProcess, vireo: &ServerProcess) -> Pair {
        let mut pair = Pair {
            redis: redis.connect(),
            vireo: vireo.connect(),
        };
        pair.same(&[b"FLUSHALL"]);
        pair
    }

    /// Sends `args` to both servers, asserts identical replies, returns it.
    pub fn same(&mut self, args: &[&[u8]]) -> Vec<u8> {
        let expected = self.redis.request(args);
        let actual = self.vireo.request(args);
        assert_eq!(
            String::from_utf8_lossy(&actual),
            String::from_utf8_lossy(&expected),
            "request: {:?}",
            args.iter()
                .map(|arg| String::from_utf8_lossy(arg))
                .collect::<Vec<_>>()
        );
        expected
    }

    /// [`Pair::same`] for a command line split on spaces.
    pub fn line(&mut self, line: &str) -> Vec<u8> {
        self.same(&words(line))
    }
}
