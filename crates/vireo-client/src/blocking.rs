//! The blocking adapter: [`Client`] drives the [`Connection`] core on the
//! calling thread with a standard-library socket.
//!
//! Each call runs the core until its own request completes: write what
//! the core wants written, read with a socket timeout equal to the core's
//! next deadline, feed bytes and time back. Reconnection, timeouts and
//! pub/sub behave exactly as with the tokio client, because the core
//! decides them.
//!
//! With TLS ([`Config::tls`]) the handshake is completed, within
//! [`Config::connect_timeout`], before the core is told the connection is
//! open, so a certificate that fails verification is reported as a
//! connection failure ([`Error::Connect`] from [`Client::with_config`]).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use vireo_resp::Frame;

use crate::command::{Command, ToArgs};
use crate::config::{Address, Config};
use crate::connection::{Connection, Event, State, SubscriptionId, Token, TransportAction};
use crate::error::Error;
use crate::pipeline::{Pipeline, Transaction};
use crate::pubsub::{Delivery, SubscriptionKind};
use crate::reply::{check, FromReply};
use crate::script::Script;
use crate::tls::Connector;

/// A connection used from one thread, one request at a time.
///
/// Because nothing else shares it, it is the natural home for `WATCH`:
///
/// ```no_run
/// use vireo_client::{blocking::Client, cmd, Transaction};
/// # fn main() -> Result<(), vireo_client::Error> {
/// let mut client = Client::open("redis://127.0.0.1/")?;
/// client.query::<()>(cmd("WATCH").arg("balance"))?;
/// let balance: i64 = client.query::<Option<i64>>(cmd("GET").arg("balance"))?.unwrap_or(0);
/// let mut tx = Transaction::new();
/// tx.add(cmd("SET").arg("balance").arg(balance + 10));
/// let done: Option<((),)> = client.transaction(&tx)?;
/// println!("{}", if done.is_some() { "committed" } else { "someone else wrote first" });
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Client {
    core: Connection,
    socket: Option<Socket>,
    out: Vec<u8>,
    input: Vec<u8>,
    done: HashMap<Token, Result<Frame, Error>>,
    tls: Option<Connector>,
}

#[derive(Debug)]
enum Socket {
    Tcp(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

impl Socket {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> std::io::Result<()> {
        match self {
            Socket::Tcp(s) => s.set_read_timeout(timeout),
            Socket::Tls(s) => s.sock.set_read_timeout(timeout),
            #[cfg(unix)]
            Socket::Unix(s) => s.set_read_timeout(timeout),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.read(buf),
            Socket::Tls(s) => s.read(buf),
            #[cfg(unix)]
            Socket::Unix(s) => s.read(buf),
        }
    }

    /// Tells a TLS peer the stream ends here (close_notify); the socket is
    /// closed right after, so this waits only briefly.
    fn say_goodbye(&mut self) {
        if let Socket::Tls(stream) = self {
            stream.conn.send_close_notify();
            let _ = stream
                .sock
                .set_write_timeout(Some(Duration::from_millis(100)));
            let _ = stream.flush();
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Socket::Tcp(s) => s.write_all(buf),
            // Flushed too: rustls may hold ciphertext back otherwise.
            Socket::Tls(s) => s.write_all(buf).and_then(|()| s.flush()),
            #[cfg(unix)]
            Socket::Unix(s) => s.write_all(buf),
        }
    }
}

fn open_socket(
    address: &Address,
    timeout: Duration,
    tls: Option<&Connector>,
) -> std::io::Result<Socket> {
    let socket = open_plain_socket(address, timeout)?;
    match (socket, tls) {
        (Socket::Tcp(tcp), Some(connector)) => tls_handshake(tcp, connector, timeout),
        (socket, _) => Ok(socket),
    }
}

/// Runs the TLS handshake to its end, each socket operation bounded by
/// `timeout`.
fn tls_handshake(
    mut tcp: TcpStream,
    connector: &Connector,
    timeout: Duration,
) -> std::io::Result<Socket> {
    let mut session = connector.start()?;
    tcp.set_read_timeout(Some(timeout))?;
    tcp.set_write_timeout(Some(timeout))?;
    while session.is_handshaking() {
        let (read, _) = session.complete_io(&mut tcp)?;
        if read == 0 && session.is_handshaking() && session.wants_read() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the server closed the connection during the TLS handshake",
            ));
        }
    }
    while session.wants_write() {
        session.write_tls(&mut tcp)?;
    }
    // Writes block again as for plain TCP; reads get their timeout per
    // call.
    tcp.set_write_timeout(None)?;
    Ok(Socket::Tls(Box::new(rustls::StreamOwned::new(
        session, tcp,
    ))))
}

fn open_plain_socket(address: &Address, timeout: Duration) -> std::io::Result<Socket> {
    match address {
        Address::Tcp { host, port } => {
            let mut last = std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{host}:{port} resolves to no address"),
            );
            for addr in (host.as_str(), *port).to_socket_addrs()? {
                match TcpStream::connect_timeout(&addr, timeout) {
                    Ok(stream) => {
                        stream.set_nodelay(true)?;
                        return Ok(Socket::Tcp(stream));
                    }
                    Err(e) => last = e,
                }
            }
            Err(last)
        }
        #[cfg(unix)]
        Address::Unix(path) => Ok(Socket::Unix(std::os::unix::net::UnixStream::connect(path)?)),
        #[cfg(not(unix))]
        Address::Unix(_) => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "Unix sockets are not available on this platform",
        )),
    }
}

impl Client {
    /// Connects to a URL (see [`Config::from_url`]) and waits for the
    /// handshake.
    ///
    /// # Errors
    /// The configuration error, or the first connection failure.
    pub fn open(url: &str) -> Result<Client, Error> {
        Client::with_config(Config::from_url(url)?)
    }

    /// Connects with a configuration and waits for the handshake.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for unusable TLS settings (unreadable PEM
    /// files, say), and the first connection or handshake failure.
    pub fn with_config(config: Config) -> Result<Client, Error> {
        let tls = Connector::from_config(&config)?;
        let reconnect = config.reconnect;
        let mut config = config;
        config.reconnect = None;
        let mut client = Client {
            core: Connection::new(config, Instant::now()),
            socket: None,
            out: Vec::new(),
            input: vec![0; 64 * 1024],
            done: HashMap::new(),
            tls,
        };
        while client.core.state() != State::Ready {
            if client.core.state() == State::Closed {
                return Err(Error::Connect {
                    reason: client.core.last_error(),
                });
            }
            client.step(None);
        }
        client.core.set_reconnect(reconnect);
        Ok(client)
    }

    /// The underlying core's state.
    pub fn state(&self) -> State {
        self.core.state()
    }

    /// Sends one command and converts its reply.
    ///
    /// # Errors
    /// See [`Connection::submit`] and [`Error`].
    pub fn query<T: FromReply>(&mut self, command: Command) -> Result<T, Error> {
        let token = self.core.submit(command, Instant::now())?;
        T::from_reply(self.wait(token)?)
    }

    /// Sends a pipeline and converts its replies.
    ///
    /// # Errors
    /// As [`query`](Self::query).
    pub fn pipeline<T: FromReply>(&mut self, pipeline: &Pipeline) -> Result<T, Error> {
        let token = self
            .core
            .submit_batch(pipeline.commands(), Instant::now())?;
        T::from_reply(self.wait(token)?)
    }

    /// Runs a `MULTI`/`EXEC` transaction.
    ///
    /// # Errors
    /// As [`query`](Self::query), plus `EXECABORT`.
    pub fn transaction<T: FromReply>(&mut self, transaction: &Transaction) -> Result<T, Error> {
        let token = self
            .core
            .submit_batch(transaction.commands(), Instant::now())?;
        Transaction::read(self.wait(token)?)
    }

    /// Runs a script by SHA1, sending its source only when needed.
    ///
    /// # Errors
    /// As [`query`](Self::query).
    pub fn invoke<T, K, A>(&mut self, script: &Script, keys: &K, args: &A) -> Result<T, Error>
    where
        T: FromReply,
        K: ToArgs + ?Sized,
        A: ToArgs + ?Sized,
    {
        let reply: Frame = self.query(script.evalsha(keys, args))?;
        if Script::is_noscript(&reply) {
            return self.query(script.eval(keys, args));
        }
        T::from_reply(reply)
    }

    /// Subscribes and waits for the server's confirmation.
    ///
    /// # Errors
    /// [`Error::Server`] when refused, [`Error::Closed`].
    pub fn subscribe(
        &mut self,
        kind: SubscriptionKind,
        name: impl AsRef<[u8]>,
    ) -> Result<SubscriptionId, Error> {
        let (id, token) = self.core.subscribe(kind, name.as_ref(), Instant::now())?;
        match self.wait(token).and_then(check) {
            Ok(_) => Ok(id),
            Err(error) => {
                self.core.unsubscribe(id);
                Err(error)
            }
        }
    }

    /// Turns this connection into a `MONITOR` connection; read the lines
    /// with [`next_delivery`](Self::next_delivery). Other commands are
    /// refused from then on.
    ///
    /// # Errors
    /// [`Error::NotAllowed`] while subscriptions exist, [`Error::Closed`].
    pub fn monitor(&mut self) -> Result<SubscriptionId, Error> {
        let (id, token) = self.core.monitor(Instant::now())?;
        match self.wait(token).and_then(check) {
            Ok(_) => Ok(id),
            Err(error) => {
                self.core.unsubscribe(id);
                Err(error)
            }
        }
    }

    /// Ends a subscription.
    pub fn unsubscribe(&mut self, id: SubscriptionId) {
        self.core.unsubscribe(id);
        self.flush();
    }

    /// The next delivery for `id`, waiting at most `timeout` (`None`:
    /// forever); `Ok(None)` when the time ran out.
    ///
    /// # Errors
    /// Never at present; reserved for adapter failures.
    pub fn next_delivery(
        &mut self,
        id: SubscriptionId,
        timeout: Option<Duration>,
    ) -> Result<Option<Delivery>, Error> {
        let limit = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(delivery) = self.core.poll_delivery(id) {
                return Ok(Some(delivery));
            }
            if limit.is_some_and(|at| Instant::now() >= at) {
                return Ok(None);
            }
            self.step(limit);
        }
    }

    /// Closes gracefully: pending replies are awaited, then the socket is
    /// closed.
    pub fn close(mut self) {
        self.core.close();
        while self.core.state() != State::Closed {
            self.step(None);
        }
        self.step(Some(Instant::now()));
    }

    fn wait(&mut self, token: Token) -> Result<Frame, Error> {
        loop {
            if let Some(result) = self.done.remove(&token) {
                return result;
            }
            self.step(None);
        }
    }

    fn flush(&mut self) {
        self.core.poll_transmit(&mut self.out);
        if self.out.is_empty() {
            return;
        }
        if let Some(socket) = self.socket.as_mut() {
            if let Err(error) = socket.write_all(&self.out) {
                self.socket = None;
                self.core
                    .handle_disconnected(&error.to_string(), Instant::now());
            }
        }
        self.out.clear();
    }

    /// One round of the core's loop: act on the transport, write, collect
    /// completions, then wait for bytes or the next deadline (or `limit`).
    fn step(&mut self, limit: Option<Instant>) {
        while let Some(action) = self.core.poll_transport() {
            match action {
                TransportAction::Connect => {
                    self.socket = None;
                    let config = self.core.config();
                    match open_socket(&config.address, config.connect_timeout, self.tls.as_ref()) {
                        Ok(socket) => {
                            self.socket = Some(socket);
                            self.core.handle_connected(Instant::now());
                        }
                        Err(error) => self
                            .core
                            .handle_connect_failed(&error.to_string(), Instant::now()),
                    }
                }
                TransportAction::Close => {
                    if let Some(mut socket) = self.socket.take() {
                        socket.say_goodbye();
                    }
                }
            }
        }
        self.flush();
        let mut progressed = false;
        while let Some(completion) = self.core.poll_completion() {
            self.done.insert(completion.token, completion.result);
            progressed = true;
        }
        while let Some(event) = self.core.poll_event() {
            match event {
                Event::Messages(_) | Event::Closed => progressed = true,
                Event::Disconnected(error) => tracing::warn!(%error, "disconnected"),
                other => tracing::debug!(?other, "connection event"),
            }
        }
        if progressed || self.core.state() == State::Closed {
            return;
        }
        let deadline = match (self.core.poll_timeout(), limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let now = Instant::now();
        let wait = deadline.map(|at| at.saturating_duration_since(now));
        match self.socket.as_mut() {
            Some(socket) => {
                if wait == Some(Duration::ZERO) {
                    self.core.handle_timeout(now);
                    return;
                }
                let _ = socket.set_read_timeout(wait);
                match socket.read(&mut self.input) {
                    Ok(0) => {
                        self.socket = None;
                        self.core.handle_disconnected(
                            "the server closed the connection",
                            Instant::now(),
                        );
                    }
                    Ok(n) => self.core.handle_read(&self.input[..n], Instant::now()),
                    Err(error)
                        if matches!(
                            error.kind(),
                            std::io::ErrorKind::WouldBlock
                                | std::io::ErrorKind::TimedOut
                                | std::io::ErrorKind::Interrupted
                        ) =>
                    {
                        self.core.handle_timeout(Instant::now())
                    }
                    Err(error) => {
                        self.socket = None;
                        self.core
                            .handle_disconnected(&error.to_string(), Instant::now());
                    }
                }
            }
            None => {
                if let Some(wait) = wait {
                    std::thread::sleep(wait);
                }
                self.core.handle_timeout(Instant::now());
            }
        }
    }
}
