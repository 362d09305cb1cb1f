//! Sockets and the event loop: accepting clients, reading requests,
//! writing replies, `server_cron` and `before_sleep`.
//!
//! Reads are edge-triggered (mio). A read that fills the buffer may have
//! left bytes in the socket, so the token is marked pending and served
//! again next iteration; a short read means the socket was drained, so no
//! extra `read` that would only return `EAGAIN` is made. Replies are
//! written in `before_sleep`, one `write` per client per iteration for all
//! the replies produced in it; only a client whose socket is full gets a
//! writable interest, dropped again once it has caught up.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mio::net::{TcpListener, UnixListener};
use vireo_core::expire::CycleKind;
use vireo_reactor::{Event, Handler, Interest, Reactor, TimerId, TimerNext, Token};

use crate::client::{Client, Connection};
use crate::server::Server;

/// Bytes asked of the socket per read: Redis's PROTO_IOBUF_LEN.
const READ_CHUNK: usize = 16 * 1024;
/// Accepts per readable event on a listener, so a connection storm cannot
/// starve connected clients.
const MAX_ACCEPTS_PER_EVENT: usize = 1000;
/// Listener tokens live far above any client slot.
const LISTENER_TOKEN_BASE: usize = usize::MAX / 2;
/// Databases whose table cron considers for shrinking per call (Redis's CRON_DBS_PER_CALL).
const DBS_PER_CRON: usize = 16;
/// Buckets rehashed between clock reads in cron (Redis's dictRehashMilliseconds).
const REHASH_BUCKETS_PER_CHECK: usize = 100;
/// Output buffers larger than this are released once drained.
const OUTPUT_BUFFER_KEEP: usize = 64 * 1024;
/// Argument storage an idle client keeps (room for ~1,000 arguments).
const ARGS_KEEP_BYTES: usize = 16 * 1024;

/// A listening socket.
enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// The server plus its listeners: what the reactor drives.
pub struct EventLoop {
    /// All state.
    pub server: Server,
    listeners: Vec<Listener>,
    cron_timer: Option<TimerId>,
}

/// Current Unix time in microseconds.
pub fn unix_time_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// Opens a TCP listener for every `bind` entry on `port` (none for port
/// 0). An optional entry (leading `-`) whose address the machine lacks is
/// skipped; any other failure is returned with the address that failed.
pub fn open_tcp_listeners(
    bind: &[String],
    port: u16,
    backlog: u32,
) -> Result<Vec<TcpListener>, (String, io::Error)> {
    let mut listeners = Vec::new();
    if port == 0 {
        return Ok(listeners);
    }
    for entry in bind {
        let (optional, address) = match entry.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, entry.as_str()),
        };
        let opened = bind_address(address, port)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "invalid bind address"))
            .and_then(|addr| crate::os::tcp_listener(addr, backlog));
        match opened {
            Ok(listener) => listeners.push(listener),
            Err(error) if optional && is_unsupported_address(&error) => {
                crate::verbose!("Skipping optional bind address {address}: {error}");
            }
            Err(error) => return Err((address.to_string(), error)),
        }
    }
    Ok(listeners)
}

/// Turns a `bind` entry into an address; `*` and `::*` are the wildcards.
fn bind_address(entry: &str, port: u16) -> Option<SocketAddr> {
    let ip: IpAddr = match entry {
        "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        "::*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        other => other.parse().ok()?,
    };
    Some(SocketAddr::new(ip, port))
}

impl EventLoop {
    /// Opens the configured listeners and registers them with `reactor`.
    ///
    /// # Errors
    /// A listener that is not optional (no leading `-` in `bind`) and cannot
    /// be opened fails start-up, as in Redis.
    pub fn listen(server: Server, reactor: &mut Reactor) -> io::Result<EventLoop> {
        let port = server.config.port;
        let mut listeners: Vec<Listener> = match open_tcp_listeners(
            &server.config.bind,
            port,
            server.config.tcp_backlog,
        ) {
            Ok(tcp) => tcp.into_iter().map(Listener::Tcp).collect(),
            Err((address, error)) => {
                crate::warning!("Warning: Could not create server TCP listening socket {address}:{port}: {error}");
                crate::warning!("Failed listening on port {port} (tcp), aborting.");
                return Err(error);
            }
        };
        if let Some(path) = &server.config.unixsocket {
            // A stale socket file from a previous run would make bind fail.
            let _ = std::fs::remove_file(path);
            match UnixListener::bind(path) {
                Ok(listener) => listeners.push(Listener::Unix(listener)),
                Err(error) => {
                    crate::warning!("Failed opening Unix socket: {error}");
                    return Err(error);
                }
            }
        }
        if listeners.is_empty() {
            crate::warning!("Configured to not listen anywhere, exiting.");
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no listening socket",
            ));
        }
        for (index, listener) in listeners.iter_mut().enumerate() {
            let token = Token(LISTENER_TOKEN_BASE + index);
            match listener {
                Listener::Tcp(listener) => reactor.register(listener, token, Interest::READABLE)?,
                Listener::Unix(listener) => {
                    reactor.register(listener, token, Interest::READABLE)?
                }
            }
        }
        let mut event_loop = EventLoop {
            server,
            listeners,
            cron_timer: None,
        };
        event_loop.cron_timer = Some(reactor.add_timer(Duration::from_millis(1)));
        Ok(event_loop)
    }

    /// Puts the TCP listeners CONFIG SET opened in place of the old ones
    /// (the Unix socket stays), re-registering every listener under its
    /// new position.
    fn install_new_tcp_listeners(&mut self, reactor: &mut Reactor) {
        let Some(tcp) = self.server.new_tcp_listeners.take() else {
            return;
        };
        let old = std::mem::take(&mut self.listeners);
        let mut listeners: Vec<Listener> = tcp.into_iter().map(Listener::Tcp).collect();
        for (index, mut listener) in old.into_iter().enumerate() {
            let token = Token(LISTENER_TOKEN_BASE + index);
            match &mut listener {
                Listener::Tcp(tcp) => {
                    let _ = reactor.deregister(tcp, token);
                }
                Listener::Unix(unix) => {
                    let _ = reactor.deregister(unix, token);
                    listeners.push(listener);
                }
            }
        }
        for (index, listener) in listeners.iter_mut().enumerate() {
            let token = Token(LISTENER_TOKEN_BASE + index);
            let registered = match listener {
                Listener::Tcp(listener) => reactor.register(listener, token, Interest::READABLE),
                Listener::Unix(listener) => reactor.register(listener, token, Interest::READABLE),
            };
            if let Err(error) = registered {
                crate::warning!("Registering a listening socket: {error}");
            }
        }
        self.listeners = listeners;
    }

    /// The TCP port actually bound (useful with `port 0` in tests).
    pub fn local_tcp_port(&self) -> Option<u16> {
        self.listeners.iter().find_map(|listener| match listener {
            Listener::Tcp(listener) => listener.local_addr().ok().map(|addr| addr.port()),
            Listener::Unix(_) => None,
        })
    }

    fn accept(&mut self, reactor: &mut Reactor, index: usize) {
        for _ in 0..MAX_ACCEPTS_PER_EVENT {
            // A listener closed by CONFIG SET port/bind may still have an
            // event pending under its old token.
            let Some(listener) = self.listeners.get(index) else {
                return;
            };
            let accepted = match listener {
                Listener::Tcp(listener) => listener.accept().map(|(stream, addr)| {
                    // Replies are small and latency matters; Nagle would
                    // hold them back waiting for an ACK.
                    let _ = stream.set_nodelay(true);
                    (Connection::Tcp(stream), addr.to_string())
                }),
                Listener::Unix(listener) => listener
                    .accept()
                    .map(|(stream, _)| (Connection::Unix(stream), String::from("/unixsocket"))),
            };
            match accepted {
                Ok((conn, peer)) => self.add_connection(reactor, conn, peer),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    crate::warning!("Accepting client connection: {error}");
                    return;
                }
            }
        }
        // More may be waiting: come back next iteration.
        reactor.mark_pending(
            Token(LISTENER_TOKEN_BASE + index),
            Event::Readable(Token(LISTENER_TOKEN_BASE + index)),
        );
    }

    fn add_connection(&mut self, reactor: &mut Reactor, mut conn: Connection, peer: String) {
        if self.server.connected_clients >= self.server.config.maxclients {
            // Best effort: the client is told why before it is dropped.
            let _ = write_to(&mut conn, b"-ERR max number of clients reached\r\n");
            self.server.stats.rejected_connections += 1;
            return;
        }
        if let Connection::Tcp(stream) = &conn {
            let remote = stream.peer_addr().map(|addr| addr.ip()).ok();
            if protected_mode_refuses(&self.server.config, remote) {
                // Best effort, as the client is dropped right after.
                let _ = write_to(&mut conn, crate::errors::PROTECTED_MODE_DENIED.as_bytes());
                self.server.stats.rejected_connections += 1;
                return;
            }
        }
        let slot = self.server.add_client(conn, peer);
        let Some(mut client) = self.server.take_client(slot) else {
            return;
        };
        let (local_addr, fd) = match &client.conn {
            Connection::Tcp(stream) => (
                stream
                    .local_addr()
                    .map(|addr| addr.to_string())
                    .unwrap_or_default(),
                stream.as_raw_fd(),
            ),
            Connection::Unix(stream) => (
                self.server.config.unixsocket.clone().unwrap_or_default(),
                stream.as_raw_fd(),
            ),
            Connection::Detached => (String::new(), -1),
        };
        client.local_addr = local_addr;
        client.fd = fd;
        let registered = match &mut client.conn {
            Connection::Tcp(stream) => reactor.register(stream, Token(slot), Interest::READABLE),
            Connection::Unix(stream) => reactor.register(stream, Token(slot), Interest::READABLE),
            Connection::Detached => Ok(()),
        };
        if let Err(error) = registered {
            crate::warning!("Registering client connection: {error}");
            self.server.release_client(&mut client);
            return;
        }
        crate::verbose!("Accepted {}", client.peer);
        self.server.put_client(client);
    }

    fn on_readable(&mut self, reactor: &mut Reactor, slot: usize) {
        let Some(mut client) = self.server.take_client(slot) else {
            return;
        };
        if client.close_after_reply {
            // Input after QUIT or a protocol error is ignored.
            self.server.put_client(client);
            return;
        }
        let spare = client.query.spare(READ_CHUNK);
        let asked = spare.len();
        let result = match &mut client.conn {
            Connection::Tcp(stream) => stream.read(spare),
            Connection::Unix(stream) => stream.read(spare),
            Connection::Detached => Ok(0),
        };
        match result {
            Ok(0) => {
                crate::verbose!(
                    "Client closed connection id={} addr={}",
                    client.id,
                    client.peer
                );
                return self.close_client(reactor, client);
            }
            Ok(read) => {
                client.query.commit(read);
                self.server.stats.net_input_bytes += read as u64;
                if read == asked {
                    reactor.mark_pending(Token(slot), Event::Readable(Token(slot)));
                }
            }
            Err(error)
                if error.kind() == io::ErrorKind::WouldBlock
                    || error.kind() == io::ErrorKind::Interrupted =>
            {
                self.server.put_client(client);
                return;
            }
            Err(error) => {
                crate::verbose!("Reading from client: {error}");
                return self.close_client(reactor, client);
            }
        }
        client.last_interaction_ms = self.server.now_ms;
        if client.is_primary {
            crate::replica::process_primary_input(&mut self.server, &mut client);
        } else {
            self.server.process_input(&mut client);
        }
        if client.query.len() as u64 > self.server.config.client_query_buffer_limit {
            crate::warning!(
                "Closing client that reached max query buffer length: id={} addr={} (qbuf initial bytes: {:?})",
                client.id,
                client.peer,
                String::from_utf8_lossy(&client.query.data()[..client.query.len().min(64)])
            );
            return self.close_client(reactor, client);
        }
        if client.close_after_reply && !client.has_pending_replies() {
            return self.close_client(reactor, client);
        }
        self.server.queue_write(&mut client);
        if client.close_asap {
            return self.close_client(reactor, client);
        }
        self.server.put_client(client);
    }

    /// Writes what the client has pending. Returns the client unless it was closed.
    fn write_client(
        &mut self,
        reactor: &mut Reactor,
        mut client: Box<Client>,
    ) -> Option<Box<Client>> {
        while client.has_pending_replies() {
            let pending = &client.out[client.out_sent..];
            match write_to(&mut client.conn, pending) {
                Ok(0) => break,
                Ok(written) => {
                    client.out_sent += written;
                    self.server.stats.net_output_bytes += written as u64;
                    if written < pending.len() {
                        // Socket buffer full: wait for writability.
                        break;
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    crate::verbose!("Error writing to client: {error}");
                    self.close_client(reactor, client);
                    return None;
                }
            }
        }
        if client.has_pending_replies() {
            if !client.writable_interest {
                client.writable_interest = true;
                let token = Token(client.slot);
                let interest = Interest::READABLE | Interest::WRITABLE;
                let _ = match &mut client.conn {
                    Connection::Tcp(stream) => reactor.reregister(stream, token, interest),
                    Connection::Unix(stream) => reactor.reregister(stream, token, interest),
                    Connection::Detached => Ok(()),
                };
            }
            return Some(client);
        }
        client.out.clear();
        client.out_sent = 0;
        client.repl_uncounted = 0;
        if client.out.capacity() > OUTPUT_BUFFER_KEEP {
            client.out.shrink_to(OUTPUT_BUFFER_KEEP);
        }
        if client.close_after_reply {
            self.close_client(reactor, client);
            return None;
        }
        if client.writable_interest {
            client.writable_interest = false;
            let token = Token(client.slot);
            let _ = match &mut client.conn {
                Connection::Tcp(stream) => reactor.reregister(stream, token, Interest::READABLE),
                Connection::Unix(stream) => reactor.reregister(stream, token, Interest::READABLE),
                Connection::Detached => Ok(()),
            };
        }
        Some(client)
    }

    fn close_client(&mut self, reactor: &mut Reactor, mut client: Box<Client>) {
        let token = Token(client.slot);
        let _ = match &mut client.conn {
            Connection::Tcp(stream) => reactor.deregister(stream, token),
            Connection::Unix(stream) => reactor.deregister(stream, token),
            Connection::Detached => Ok(()),
        };
        self.server.release_client(&mut client);
        // Dropping the client closes its socket.
    }

    /// Closes the clients other clients asked to kill (CLIENT KILL).
    fn close_killed_clients(&mut self, reactor: &mut Reactor) {
        for slot in std::mem::take(&mut self.server.clients_to_close) {
            if let Some(client) = self.server.take_client(slot) {
                if client.close_after_reply {
                    self.close_client(reactor, client);
                } else {
                    // The slot was reused by a new client since.
                    self.server.put_client(client);
                }
            }
        }
    }

    /// Writes every pending reply (Redis's handleClientsWithPendingWrites).
    fn flush_pending_writes(&mut self, reactor: &mut Reactor) {
        let mut pending = std::mem::take(&mut self.server.pending_writes);
        for slot in pending.drain(..) {
            let Some(mut client) = self.server.take_client(slot) else {
                continue;
            };
            if !client.pending_write {
                self.server.put_client(client);
                continue;
            }
            client.pending_write = false;
            if client.writable_interest {
                // Already waiting for writability; the writable event will flush it.
                self.server.put_client(client);
                continue;
            }
            if let Some(client) = self.write_client(reactor, client) {
                self.server.put_client(client);
            }
        }
        // Keep the allocation for the next iteration.
        self.server.pending_writes = pending;
    }

    fn server_cron(&mut self, reactor: &mut Reactor) {
        self.server.cron_loops += 1;
        // Redis compat: DEBUG PAUSE-CRON stops every cron duty, including
        // acting on a termination signal (SHUTDOWN ABORT can still cancel
        // it); a SHUTDOWN command is carried out in before_sleep.
        if self.server.cron_paused {
            return;
        }
        if let Some(signal) = crate::os::take_shutdown_signal() {
            if !self.server.shutdown_requested {
                crate::warning!("Received {signal} scheduling shutdown...");
                // Redis compat: a signal saves when save points exist; if
                // that fails the server keeps running.
                self.server.shutdown_requested =
                    crate::rdb::save_before_exit(&mut self.server, false, false);
            }
        }
        if self.server.shutdown_requested {
            self.shut_down(reactor);
            return;
        }
        self.close_timed_out_clients(reactor);
        self.server.enforce_output_limits();
        self.shrink_idle_client_buffers();
        self.server.migrate.close_idle(self.server.now_ms);
        crate::rdb::cron(&mut self.server);
        crate::replication::cron(&mut self.server);
        if self.server.cron_loops % u64::from(self.server.config.hz.max(1)) == 0 {
            crate::replica::cron(&mut self.server);
            self.connect_to_primary(reactor);
        }
        self.databases_cron();
        if self.server.tracking.clients > 0 {
            crate::tracking::limit_table(&mut self.server, None);
        }
        let allocated = crate::os::allocated_bytes().unwrap_or(0);
        self.server.peak_allocated = self.server.peak_allocated.max(allocated);
    }

    /// Redis's `databasesCron`: the slow active expire cycle, then table
    /// shrinking and a bounded amount of incremental rehashing.
    fn databases_cron(&mut self) {
        let server = &mut self.server;
        server.active_expire_cycle(CycleKind::Slow, &mut unix_time_us);
        // Redis compat: no resizing or rehashing while a save child shares
        // the memory (each would copy pages).
        if server.persistence.child.is_some() {
            return;
        }
        let count = server.dbs.len().min(DBS_PER_CRON);
        for _ in 0..count {
            let index = server.resize_db % server.dbs.len();
            server.dbs[index].shrink_if_needed();
            server.resize_db += 1;
        }
        // Redis compat: at most 1 ms of rehashing per cron, spent on the
        // first database that has a resize in progress.
        for db in server.dbs.iter_mut() {
            if db.is_rehashing() {
                let start = unix_time_us();
                while db.rehash(REHASH_BUCKETS_PER_CHECK) && unix_time_us() - start < 1000 {}
                break;
            }
        }
    }

    /// Opens the link to the primary this server should follow, if it has
    /// none: a client connection whose first request is the handshake's PING.
    fn connect_to_primary(&mut self, reactor: &mut Reactor) {
        let Some((host, port)) = crate::replica::wants_connection(&self.server) else {
            return;
        };
        let Some(stream) = crate::replica::open_connection(&host, port) else {
            return;
        };
        let fd = stream.as_raw_fd();
        let slot = self
            .server
            .add_client(Connection::Tcp(stream), format!("{host}:{port}"));
        let Some(mut client) = self.server.take_client(slot) else {
            return;
        };
        client.fd = fd;
        let registered = match &mut client.conn {
            Connection::Tcp(stream) => {
                reactor.register(stream, Token(slot), Interest::READABLE | Interest::WRITABLE)
            }
            _ => Ok(()),
        };
        if let Err(error) = registered {
            crate::warning!("Registering the connection to MASTER: {error}");
            self.server.release_client(&mut client);
            return;
        }
        client.writable_interest = true;
        crate::replica::link_opened(&mut self.server, &mut client);
        self.server.queue_write(&mut client);
        self.server.put_client(client);
    }

    /// Cleans up and stops the event loop (SIGTERM, SIGINT or SHUTDOWN).
    fn shut_down(&mut self, reactor: &mut Reactor) {
        crate::warning!("User requested shutdown...");
        if let Some(path) = &self.server.config.unixsocket {
            let _ = std::fs::remove_file(path);
        }
        if !self.server.config.pidfile.is_empty() {
            let _ = std::fs::remove_file(&self.server.config.pidfile);
        }
        crate::warning!("Vireo is now ready to exit, bye bye...");
        reactor.stop();
    }

    /// Gives back the memory a burst of large requests left in a client's
    /// query buffer and argument storage once the client has nothing
    /// buffered (Redis's `clientsCronResizeQueryBuffer`): without it, one
    /// 100,000-argument command keeps megabytes per connection for good.
    fn shrink_idle_client_buffers(&mut self) {
        for client in self.server.clients.iter_mut().flatten() {
            if !client.query.is_empty() {
                continue;
            }
            // Buffers of a few read chunks are normal working size; only
            // what a large request grew is given back.
            if client.query.capacity() > 4 * READ_CHUNK {
                client.query.shrink_if_idle(READ_CHUNK);
            }
            if client.args.heap_bytes() > ARGS_KEEP_BYTES {
                client.args = vireo_resp::Args::new();
            }
        }
    }

    fn close_timed_out_clients(&mut self, reactor: &mut Reactor) {
        let timeout_s = self.server.config.timeout;
        if timeout_s == 0 {
            return;
        }
        let deadline = self.server.now_ms - (timeout_s as i64) * 1000;
        let idle: Vec<usize> = self
            .server
            .clients
            .iter()
            .flatten()
            // Redis compat: replicas are judged by repl-timeout instead.
            .filter(|client| {
                client.last_interaction_ms < deadline
                    && client.replica.is_none()
                    && !client.is_primary
            })
            .map(|client| client.slot)
            .collect();
        for slot in idle {
            if let Some(client) = self.server.take_client(slot) {
                crate::verbose!("Closing idle client");
                self.close_client(reactor, client);
            }
        }
    }
}

/// Redis compat: with protected mode on and no password, only loopback
/// clients may connect.
pub fn protected_mode_refuses(config: &crate::config::Config, remote: Option<IpAddr>) -> bool {
    config.protected_mode
        && config.requirepass.is_none()
        && !remote.is_some_and(|ip| ip.is_loopback())
}

/// `ENOTSUP`-like failures that make an optional bind address skippable
/// (for example IPv6 disabled on the host).
fn is_unsupported_address(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EAFNOSUPPORT) | Some(libc::EADDRNOTAVAIL) | Some(libc::EPROTONOSUPPORT)
    )
}

fn write_to(conn: &mut Connection, bytes: &[u8]) -> io::Result<usize> {
    match conn {
        Connection::Tcp(stream) => stream.write(bytes),
        Connection::Unix(stream) => stream.write(bytes),
        Connection::Detached => Ok(bytes.len()),
    }
}

impl Handler for EventLoop {
    fn on_event(&mut self, reactor: &mut Reactor, event: Event, _now: Instant) {
        let Token(token) = event.token();
        if token >= LISTENER_TOKEN_BASE {
            if event.is_readable() {
                self.accept(reactor, token - LISTENER_TOKEN_BASE);
            }
            return;
        }
        match event {
            Event::Readable(_) => self.on_readable(reactor, token),
            Event::Writable(_) => {
                if let Some(client) = self.server.take_client(token) {
                    if let Some(client) = self.write_client(reactor, client) {
                        self.server.put_client(client);
                    }
                }
            }
        }
    }

    fn on_timer(&mut self, reactor: &mut Reactor, _timer: TimerId, _now: Instant) -> TimerNext {
        self.server_cron(reactor);
        TimerNext::After(Duration::from_micros(
            1_000_000 / u64::from(self.server.config.hz.max(1)),
        ))
    }

    fn before_sleep(&mut self, reactor: &mut Reactor) {
        if self.server.shutdown_requested && !reactor.is_stopped() {
            return self.shut_down(reactor);
        }
        self.close_killed_clients(reactor);
        if std::mem::take(&mut self.server.primary_connect_now) {
            self.connect_to_primary(reactor);
        }
        if self.server.new_tcp_listeners.is_some() {
            self.install_new_tcp_listeners(reactor);
        }
        self.server.end_pause_if_due(false);
        if !self.server.blocking.blocked.is_empty() {
            self.server.expire_blocked_clients();
        }
        self.server
            .active_expire_cycle(CycleKind::Fast, &mut unix_time_us);
        crate::replication::before_sleep(&mut self.server);
        crate::tracking::broadcast_invalidations(&mut self.server);
        self.flush_pending_writes(reactor);
    }

    fn after_sleep(&mut self, _reactor: &mut Reactor, _now: Instant) {
        self.server.set_time_us(unix_time_us());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn protected_mode_admits_only_loopback_without_a_password() {
        let mut config = Config::default();
        let outside: IpAddr = "192.0.2.7".parse().unwrap();
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let loopback6: IpAddr = "::1".parse().unwrap();
        assert!(protected_mode_refuses(&config, Some(outside)));
        assert!(!protected_mode_refuses(&config, Some(loopback)));
        assert!(!protected_mode_refuses(&config, Some(loopback6)));
        config.requirepass = Some(b"pw".to_vec());
        assert!(!protected_mode_refuses(&config, Some(outside)));
        config.requirepass = None;
        config.protected_mode = false;
        assert!(!protected_mode_refuses(&config, Some(outside)));
    }
}
