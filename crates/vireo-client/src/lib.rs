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
//! [`Config`] (from `redis://` and `unix://` URLs). The tokio client also
//! reports its [`State`] as a `watch` stream and its connection events
//! (with reasons) as a bounded broadcast; the core logs through `tracing`
//! (a `vireo_client` span per connection, a `connect` span per attempt).
//!
//! # Features
//!
//! * `tokio` (default): the [`tokio`] adapter. Without it the crate has no
//!   runtime dependency; the core and the blocking client remain.
//! * `reactor` (default): the [`reactor`] adapter for
//!   [`vireo_reactor::Reactor`] (it brings `mio`).
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
//! # Not yet
//!
//! TLS (`rediss://` returns [`Error::InvalidConfig`]), cluster and
//! sentinel discovery, and pub/sub and MONITOR on the reactor adapter.

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
