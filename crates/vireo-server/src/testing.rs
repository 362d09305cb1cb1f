//! In-process transcript harness: request bytes in, exact reply bytes out,
//! through the real server core with a clock the test controls.
//!
//! No socket and no event loop are involved, so hundreds of transcript
//! tests run in milliseconds and expiry is deterministic.

use crate::client::Connection;
use crate::config::Config;
use crate::server::Server;

/// 2024-01-01T00:00:00Z: a fixed start so transcripts do not depend on the date.
pub const TRANSCRIPT_EPOCH_MS: i64 = 1_704_067_200_000;

/// A server driven by hand.
pub struct Transcript {
    /// The server under test.
    pub server: Server,
}

impl Drop for Transcript {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.server.persistence.directory);
    }
}

/// A client of a [`Transcript`] server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientHandle(usize);

impl Default for Transcript {
    fn default() -> Self {
        Transcript::new()
    }
}

impl Transcript {
    /// A server with the default configuration at [`TRANSCRIPT_EPOCH_MS`].
    pub fn new() -> Transcript {
        Transcript::with_config(Config::default())
    }

    /// A server with `config`. Its RDB files go to a temporary directory
    /// of its own, removed when the transcript is dropped.
    pub fn with_config(config: Config) -> Transcript {
        static INSTANCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let instance = INSTANCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut server = Server::new(config, TRANSCRIPT_EPOCH_MS);
        server.persistence.directory = std::env::temp_dir().join(format!(
            "vireo-transcript-{}-{instance}",
            std::process::id()
        ));
        let _ = std::fs::create_dir_all(&server.persistence.directory);
        Transcript { server }
    }

    /// Connects a new client.
    pub fn connect(&mut self) -> ClientHandle {
        ClientHandle(
            self.server
                .add_client(Connection::Detached, "127.0.0.1:40000".to_string()),
        )
    }

    /// Feeds raw bytes from `client` and returns every reply byte produced.
    ///
    /// # Panics
    /// If the client has been closed (a test bug, not a server behaviour).
    pub fn send(&mut self, client: ClientHandle, bytes: &[u8]) -> Vec<u8> {
        let mut state = self
            .server
            .take_client(client.0)
            .expect("client is connected");
        if !state.close_after_reply {
            state.query.extend(bytes);
            self.server.process_input(&mut state);
        }
        self.server.put_client(state);
        // As the event loop does before it sleeps again.
        crate::tracking::broadcast_invalidations(&mut self.server);
        let Some(state) = self.server.clients[client.0].as_mut() else {
            return Vec::new();
        };
        state.out.split_off(state.out_sent)
    }

    /// Sends one command as a multibulk request and returns the reply bytes.
    pub fn command(&mut self, client: ClientHandle, args: &[&[u8]]) -> Vec<u8> {
        let mut request = Vec::new();
        vireo_resp::encode::command(&mut request, args);
        self.send(client, &request)
    }

    /// Drops the client's connection, as if its peer had gone away.
    pub fn disconnect(&mut self, client: ClientHandle) {
        if let Some(mut state) = self.server.take_client(client.0) {
            self.server.release_client(&mut state);
        }
    }

    /// Whether the server has decided to close this client.
    pub fn is_closing(&self, client: ClientHandle) -> bool {
        self.server.clients[client.0]
            .as_ref()
            .is_some_and(|c| c.close_after_reply)
    }

    /// Moves the clock forward.
    pub fn advance_ms(&mut self, milliseconds: i64) {
        let now = self.server.now_us + milliseconds * 1000;
        self.server.set_time_us(now);
    }
}

/// A fresh transcript with one client connected.
pub fn connected() -> (Transcript, ClientHandle) {
    let mut transcript = Transcript::new();
    let client = transcript.connect();
    (transcript, client)
}

/// Sends `line` (space-separated words) as `client` and asserts the exact
/// reply bytes.
pub fn check(transcript: &mut Transcript, client: ClientHandle, line: &str, expected: &str) {
    let reply = transcript.command(client, &words(line));
    assert_eq!(String::from_utf8_lossy(&reply), expected, "request: {line}");
}

/// Splits a command line on spaces (no quoting): enough for transcripts.
pub fn words(line: &str) -> Vec<&[u8]> {
    line.split(' ')
        .filter(|w| !w.is_empty())
        .map(str::as_bytes)
        .collect()
}
