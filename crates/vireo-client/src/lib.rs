//! Vireo's client library for Redis-protocol servers (Vireo, Redis,
//! Valkey): the crate root owns the crate documentation and re-exports.
//!
//! The library has two layers, in the style of `quinn-proto` and `quinn`:
//!
//! * [`Connection`], a deterministic protocol core with no I/O: commands,
//!   socket bytes and `now` in; bytes to write, completions, events and
//!   deadlines out. Its documentation is the manual of every guarantee the
//!   client makes (ordering, exactly-once completion, timeouts,
//!   reconnection, pub/sub with bounded queues, back-pressure).
//! * Thin adapters that move bytes and time: [`tokio::Client`] (the
//!   default feature `tokio`; a clonable `Send + Sync` handle, one task owns
//!   the socket), [`reactor::Client`] (feature `reactor`, default: on
//!   Vireo's own `ae`-style event loop, with a callback per command, as
//!   hiredis's `adapters/ae.h`) and [`blocking::Client`].
//!
//! Around them: [`Command`] and [`ToArgs`] to build requests,
//! [`FromReply`] to read replies, [`Pipeline`] and [`Transaction`] for
//! batches, [`Script`] for `EVALSHA` with an `EVAL` fallback, and
//! [`Config`] (from `redis://`, `rediss://` and `unix://` URLs). The tokio
//! client also reports its [`State`] as a `watch` stream and its
//! connection events (with reasons) as a bounded broadcast; the core logs
//! through `tracing` (a `vireo_client` span per connection, a `connect`
//! span per attempt).
//!
//! # Features
//!
//! * `tokio` (default): the [`tokio`] adapter. Without it the crate has no
//!   runtime dependency; the core and the blocking client remain.
//! * `reactor` (default): the [`reactor`] adapter for
//!   [`vireo_reactor::Reactor`] (it brings `mio`).
//!
//! TLS is not a feature: `rustls` (with `ring`, which builds with a C
//! compiler alone) is always a dependency.
//!
//! # Example
//!
//! ```no_run
//! # #[cfg(feature = "tokio")]
//! # async fn demo() -> Result<(), vireo_client::Error> {
//! use vireo_client::{cmd, tokio::Client};
//!
//! let client = Client::open("redis://127.0.0.1:6379/0")?;
//! client.query::<()>(cmd("SET").arg("greeting").arg("hello")).await?;
//! let value: Option<String> = client.query(cmd("GET").arg("greeting")).await?;
//! assert_eq!(value.as_deref(), Some("hello"));
//! # Ok(())
//! # }
//! ```
//!
//! Pub/sub and MONITOR work on every adapter: a `Subscription` stream with
//! tokio, a callback per subscription on the reactor, `next_delivery` when
//! blocking; the core keeps the subscriptions and restores them after a
//! reconnect.
//!
//! # TLS
//!
//! `rediss://` URLs, or [`Config::tls`] ([`TlsConfig`]), connect over TLS
//! with [`rustls`] (the `ring` crypto provider) in all three adapters. The
//! core never sees TLS: each adapter runs the TLS session on its socket and
//! completes the TLS handshake before the core's `HELLO`, so a certificate
//! that fails verification is a connection failure whose reason is
//! rustls's. The server's certificate is checked against a CA file
//! (`?tls_ca_file=/path/ca.crt`, [`Config::tls_ca_file`]) or else the
//! system bundle at `/etc/ssl/certs/ca-certificates.crt`, and against the
//! host name, which is also sent as SNI. A client certificate and key
//! ([`Config::tls_client_cert`], `tls_cert_file`/`tls_key_file`) serve
//! servers with `tls-auth-clients yes`. Skipping verification is possible
//! only through [`Config::tls_insecure_skip_verify`], never from a URL.
//! TLS files are read when a client is created: an unreadable or
//! malformed one is an [`Error::InvalidConfig`] from its constructor.
//!
//! ```no_run
//! # fn demo() -> Result<(), vireo_client::Error> {
//! use vireo_client::{blocking::Client, cmd, Config};
//!
//! let config = Config::from_url("rediss://cache.internal:6380")?
//!     .tls_ca_file("/etc/vireo/ca.crt")
//!     .tls_client_cert("/etc/vireo/client.crt", "/etc/vireo/client.key");
//! let mut client = Client::with_config(config)?;
//! let pong: String = client.query(cmd("PING"))?;
//! # Ok(())
//! # }
//! ```
//!
//! # Not yet
//!
//! Cluster and sentinel discovery.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod blocking;
mod command;
mod config;
mod connection;
mod error;
mod pipeline;
mod pubsub;
#[cfg(feature = "reactor")]
pub mod reactor;
mod reply;
mod script;
mod tls;
#[cfg(feature = "tokio")]
pub mod tokio;
#[cfg(feature = "tokio")]
mod tokio_tls;

pub use command::{cmd, Command, ToArgs};
pub use config::{Address, Backoff, Config, Protocol, TlsConfig};
pub use connection::{
    Completion, Connection, Event, State, SubscriptionId, Token, TransportAction,
};
pub use error::{Error, ServerError};
pub use pipeline::{Pipeline, Transaction};
pub use pubsub::{Delivery, Message, SubscriptionKind};
pub use reply::FromReply;
pub use script::Script;
pub use vireo_resp::Frame;
