//! Command handlers, one module per family, and the table that lists them.

pub mod bitops;
pub mod client;
pub mod config;
pub mod connection;
pub mod debug;
pub mod info;
pub mod keyspace;
pub mod latency;
pub mod multi;
pub mod pubsub;
pub mod server;
pub mod slowlog;
pub mod string;

use crate::command::CommandSpec;

/// Every top-level command. Subcommands hang off their container.
pub static TABLE: &[CommandSpec] = &[
    connection::PING,
    connection::ECHO,
    connection::QUIT,
    connection::HELLO,
    connection::AUTH,
    connection::SELECT,
    connection::RESET,
    server::DBSIZE,
    server::FLUSHDB,
    server::FLUSHALL,
    server::TIME,
    server::COMMAND,
    server::FUNCTION,
    server::MONITOR,
    server::SHUTDOWN,
    debug::DEBUG,
    config::CONFIG,
    info::INFO,
    client::CLIENT,
    slowlog::SLOWLOG,
    latency::LATENCY,
    multi::MULTI,
    multi::EXEC,
    multi::DISCARD,
    multi::WATCH,
    multi::UNWATCH,
    pubsub::SUBSCRIBE,
    pubsub::UNSUBSCRIBE,
    pubsub::PSUBSCRIBE,
    pubsub::PUNSUBSCRIBE,
    pubsub::SSUBSCRIBE,
    pubsub::SUNSUBSCRIBE,
    pubsub::PUBLISH,
    pubsub::SPUBLISH,
    pubsub::PUBSUB,
    string::GET,
    string::SET,
    string::INCR,
    string::DECR,
    string::MGET,
    string::MSET,
    string::INCRBY,
    string::DECRBY,
    string::SETNX,
    string::SETEX,
    string::PSETEX,
    string::GETSET,
    string::GETDEL,
    string::MSETNX,
    string::APPEND,
    string::STRLEN,
    string::GETRANGE,
    string::SUBSTR,
    string::SETRANGE,
    string::GETEX,
    string::LCS,
    string::INCRBYFLOAT,
    bitops::SETBIT,
    bitops::GETBIT,
    bitops::BITCOUNT,
    bitops::BITPOS,
    bitops::BITOP,
    bitops::BITFIELD,
    bitops::BITFIELD_RO,
    keyspace::DEL,
    keyspace::EXISTS,
    keyspace::UNLINK,
    keyspace::TOUCH,
    keyspace::TYPE,
    keyspace::KEYS,
    keyspace::TTL,
    keyspace::PTTL,
    keyspace::EXPIRETIME,
    keyspace::PEXPIRETIME,
    keyspace::PERSIST,
    keyspace::EXPIRE,
    keyspace::PEXPIRE,
    keyspace::EXPIREAT,
    keyspace::PEXPIREAT,
    keyspace::RENAME,
    keyspace::RENAMENX,
    keyspace::COPY,
    keyspace::MOVE,
    keyspace::SWAPDB,
    keyspace::RANDOMKEY,
    keyspace::SCAN,
    keyspace::OBJECT,
    keyspace::DUMP,
    keyspace::RESTORE,
];

/// Parses an integer argument with Redis's strict rules.
#[inline]
pub fn parse_i64(arg: &[u8]) -> Option<i64> {
    vireo_core::util::parse_i64(arg)
}
