//! Command handlers, one module per family, and the table that lists them.

pub mod connection;
pub mod debug;
pub mod keyspace;
pub mod server;
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
    server::DBSIZE,
    server::FLUSHDB,
    server::FLUSHALL,
    server::TIME,
    server::COMMAND,
    server::FUNCTION,
    debug::DEBUG,
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
];

/// Parses an integer argument with Redis's strict rules.
#[inline]
pub fn parse_i64(arg: &[u8]) -> Option<i64> {
    vireo_core::util::parse_i64(arg)
}
