//! Vireo's server: a Redis-compatible in-memory data server.
//!
//! Start at [`networking::EventLoop`] (the event loop's handler) and
//! [`server::Server`] (all state, and the command gate). `ARCHITECTURE.md`
//! at the repository root maps the rest.

pub mod blocked;
pub mod client;
pub mod cmd;
pub mod command;
pub mod config;
pub mod config_rewrite;
pub mod config_table;
pub mod errors;
pub mod latency;
pub mod lazyfree;
pub mod log;
pub mod monitor;
pub mod networking;
pub mod notify;
pub mod os;
pub mod propagate;
pub mod rdb;
pub mod replica;
pub mod replication;
pub mod scripting;
pub mod server;
pub mod testing;
pub mod tracking;

use std::io;

use config::Config;
use networking::EventLoop;
use server::Server;
use vireo_reactor::Reactor;

/// Version of Vireo itself (`vireo_version` in INFO).
pub const VIREO_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs a server with `config` until it is told to shut down.
///
/// # Errors
/// Fails when the listeners cannot be opened or the event loop fails.
pub fn run(config: Config) -> io::Result<()> {
    let mut reactor = Reactor::new()?;
    let server = Server::new(config, networking::unix_time_us() / 1000);
    let mut event_loop = EventLoop::listen(server, &mut reactor)?;
    let config = &event_loop.server.config;
    notice!(
        "Vireo {VIREO_VERSION} (Redis {} compatible) running in standalone mode, port {}, PID: {}",
        server::REDIS_VERSION,
        event_loop.local_tcp_port().unwrap_or(config.port),
        std::process::id()
    );
    for (name, value) in &config.unimplemented {
        warning!("Configuration option '{name}' ('{value}') is accepted but not implemented yet; it has no effect.");
    }
    notice!("Server initialized");
    // Redis compat: the data is loaded after the banner (which tools wait
    // for) and before the server accepts commands.
    let started = std::time::Instant::now();
    match rdb::load(&mut event_loop.server, rdb::LoadMode::Replace) {
        Ok(true) => notice!(
            "DB loaded from disk: {:.3} seconds",
            started.elapsed().as_secs_f64()
        ),
        Ok(false) => {}
        Err(error) => {
            warning!("Fatal error loading the DB: {error}. Exiting.");
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                error.to_string(),
            ));
        }
    }
    // The `replicaof` option: follow that primary from the start.
    let following = event_loop
        .server
        .config
        .get("replicaof")
        .unwrap_or_default()
        .to_string();
    if let Some((host, port)) = following.rsplit_once(' ') {
        if let Ok(port) = port.parse::<u16>() {
            replica::follow(&mut event_loop.server, host.to_string(), port);
            event_loop.server.primary_connect_now = true;
        }
    }
    replication::restore_history(&mut event_loop.server);
    notice!("Ready to accept connections tcp");
    reactor.run(&mut event_loop)
}
