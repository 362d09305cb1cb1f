//! MIGRATE: moves keys to another server with DUMP payloads and RESTORE,
//! over connections kept open for a while for the next call.
//!
//! Redis compat: like Redis, the transfer is synchronous. The event loop
//! waits on the target for at most the command's timeout per step, which
//! is what makes MIGRATE atomic from the point of view of other clients:
//! nobody sees the key both here and there, or in neither place.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use vireo_core::db::NO_EXPIRY;
use vireo_core::rdb;
use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec};
use crate::errors;
use crate::server::Server;

/// Connections kept at most; a random one is closed to make room.
const CACHED_CONNECTIONS: usize = 64;
/// A cached connection unused for longer than this is closed by cron.
const CACHED_CONNECTION_TTL_MS: i64 = 10_000;
/// Longest reply line read from the target.
const REPLY_LINE_LIMIT: u64 = 1024;

/// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
/// [AUTH password | AUTH2 username password] [KEYS key [key ...]]
pub const MIGRATE: CommandSpec = CommandSpec {
    name: "migrate",
    arity: -6,
    flags: flags::WRITE | flags::MOVABLEKEYS,
    acl: acl::KEYSPACE | acl::DANGEROUS,
    tips: &["nondeterministic_output"],
    key_specs: &[
        KeySpec {
            flags: &["RW", "access", "delete"],
            begin_search: BeginSearch::Index(3),
            find_keys: FindKeys::Range {
                last_key: 0,
                key_step: 1,
                limit: 0,
            },
        },
        KeySpec {
            flags: &["RW", "access", "delete", "incomplete"],
            begin_search: BeginSearch::Keyword {
                keyword: "KEYS",
                start_from: -2,
            },
            find_keys: FindKeys::Range {
                last_key: -1,
                key_step: 1,
                limit: 0,
            },
        },
    ],
    doc: Doc {
        summary: "Atomically transfer a key from a Redis instance to another one.",
        since: "2.6.0",
        group: "generic",
        complexity: "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.",
        args: &[
            Arg::new("host", ArgKind::String),
            Arg::new("port", ArgKind::Integer),
            Arg::new("key_or_empty_string", ArgKind::OneOf).of(&[
                Arg::key("key", 0),
                Arg::token("empty_string", "\"\""),
            ]),
            Arg::new("destination-db", ArgKind::Integer),
            Arg::new("timeout", ArgKind::Integer),
            Arg::token("copy", "COPY").optional().since("3.0.0"),
            Arg::token("replace", "REPLACE").optional().since("3.0.0"),
            Arg::new("authentication", ArgKind::OneOf).optional().of(&[
                Arg::new("password", ArgKind::String)
                    .with_token("AUTH")
                    .optional()
                    .since("4.0.7"),
                Arg::new("username_password", ArgKind::Block)
                    .with_token("AUTH2")
                    .optional()
                    .since("6.0.0")
                    .of(&[
                        Arg::new("username", ArgKind::String),
                        Arg::new("password", ArgKind::String),
                    ]),
            ]),
            Arg::key("key", 1)
                .with_token("KEYS")
                .optional()
                .multiple()
                .since("3.0.6"),
        ],
    },
    subcommands: &[],
    handler: Some(migrate),
};

/// An open connection to a MIGRATE target.
#[derive(Debug)]
pub struct CachedConnection {
    stream: BufReader<TcpStream>,
    /// The database last selected on it, if known.
    selected_db: Option<i64>,
    last_used_ms: i64,
}

/// MIGRATE's connections, by `host:port` as given.
#[derive(Debug, Default)]
pub struct MigrateConnections {
    by_target: HashMap<Vec<u8>, CachedConnection>,
}

impl MigrateConnections {
    /// Closes connections idle for longer than the cache keeps them (cron).
    pub fn close_idle(&mut self, now_ms: i64) {
        self.by_target
            .retain(|_, connection| now_ms - connection.last_used_ms <= CACHED_CONNECTION_TTL_MS);
    }

    /// Number of open connections.
    pub fn len(&self) -> usize {
        self.by_target.len()
    }

    /// True when no connection is open.
    pub fn is_empty(&self) -> bool {
        self.by_target.is_empty()
    }
}

/// The positions of MIGRATE's secret arguments (AUTH's password, AUTH2's
/// user name and password), which MONITOR and SLOWLOG must not show.
pub fn secret_arguments(argv: &Argv<'_>) -> Vec<usize> {
    let mut secrets = Vec::new();
    let mut index = 6;
    while index < argv.len() {
        let word = &argv[index];
        let remaining = argv.len() - 1 - index;
        if word.eq_ignore_ascii_case(b"auth") && remaining >= 1 {
            secrets.push(index + 1);
            index += 1;
        } else if word.eq_ignore_ascii_case(b"auth2") && remaining >= 2 {
            secrets.extend([index + 1, index + 2]);
            index += 2;
        } else if word.eq_ignore_ascii_case(b"keys") {
            break;
        }
        index += 1;
    }
    secrets
}

struct Options<'a> {
    copy: bool,
    replace: bool,
    username: Option<&'a [u8]>,
    password: Option<&'a [u8]>,
    first_key: usize,
}

fn parse_options<'a>(client: &mut Client, argv: &'a Argv<'_>) -> Option<Options<'a>> {
    let mut options = Options {
        copy: false,
        replace: false,
        username: None,
        password: None,
        first_key: 3,
    };
    let mut index = 6;
    while index < argv.len() {
        let word = &argv[index];
        let remaining = argv.len() - 1 - index;
        if word.eq_ignore_ascii_case(b"copy") {
            options.copy = true;
        } else if word.eq_ignore_ascii_case(b"replace") {
            options.replace = true;
        } else if word.eq_ignore_ascii_case(b"auth") && remaining >= 1 {
            options.password = Some(argv.get(index + 1)?);
            index += 1;
        } else if word.eq_ignore_ascii_case(b"auth2") && remaining >= 2 {
            options.username = Some(argv.get(index + 1)?);
            options.password = Some(argv.get(index + 2)?);
            index += 2;
        } else if word.eq_ignore_ascii_case(b"keys") {
            if !argv[3].is_empty() {
                client.reply_error(
                    "When using MIGRATE KEYS option, the key argument must be set to the empty string",
                );
                return None;
            }
            options.first_key = index + 1;
            return Some(options);
        } else {
            client.reply_error(errors::SYNTAX);
            return None;
        }
        index += 1;
    }
    Some(options)
}

/// A key to send: its name, DUMP payload and remaining time to live (0: none).
struct Outgoing {
    key: Vec<u8>,
    payload: Vec<u8>,
    ttl_ms: i64,
}

/// Why a transfer failed on the socket.
enum SocketError {
    Writing(std::io::Error),
    Reading(std::io::Error),
}

impl SocketError {
    fn is_timeout(&self) -> bool {
        let (SocketError::Writing(error) | SocketError::Reading(error)) = self;
        matches!(
            error.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        )
    }
}

fn migrate(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(options) = parse_options(client, &argv) else {
        return;
    };
    let Some(timeout_ms) = super::parse_i64(&argv[5]) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    let Some(db_index) = super::parse_i64(&argv[4]) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    let timeout_ms = if timeout_ms <= 0 { 1000 } else { timeout_ms };
    let now = server.now_ms;
    let compression = server.config.rdbcompression;
    let db = &mut server.dbs[client.db];
    let key_count = if options.first_key == 3 {
        1
    } else {
        argv.len() - options.first_key
    };
    let mut outgoing = Vec::new();
    for key in argv.iter().skip(options.first_key).take(key_count) {
        let Some((entry, expire_at_ms)) = db.lookup_with_expiry(key, now) else {
            continue;
        };
        let ttl_ms = if expire_at_ms == NO_EXPIRY {
            0
        } else {
            (expire_at_ms - now).max(1)
        };
        outgoing.push(Outgoing {
            key: key.to_vec(),
            payload: rdb::dump::create_payload(&entry.value, compression),
            ttl_ms,
        });
    }
    if outgoing.is_empty() {
        return client.reply_simple(b"NOKEY");
    }
    let target = [&argv[1][..], b":", &argv[2][..]].concat();
    let timeout = Duration::from_millis(timeout_ms.unsigned_abs());
    let mut may_retry = true;
    loop {
        let connection = match connection_for(
            &mut server.migrate,
            &target,
            &argv[1],
            &argv[2],
            timeout,
            now,
        ) {
            Ok(connection) => connection,
            Err(ConnectFailure::Address) => {
                return client.reply_error("-IOERR error or timeout connecting to the client");
            }
            // Redis compat: Redis's blocking connect reports success even
            // when the target refuses or does not answer in time, and the
            // first write then fails; so does its retry.
            Err(ConnectFailure::Refused) => {
                return client.reply_error("-IOERR error or timeout writing to target instance");
            }
        };
        match transfer(connection, &options, db_index, &outgoing, timeout) {
            Ok(replies) => {
                finish(
                    server, client, &target, &options, db_index, &outgoing, replies,
                );
                return;
            }
            Err((error, acknowledged)) => {
                server.migrate.by_target.remove(&target);
                if !acknowledged.is_empty() && !options.copy {
                    delete_acknowledged(server, client, &outgoing, &acknowledged);
                }
                // Redis compat: one retry on a fresh connection, only when
                // nothing was processed and the failure was not a timeout
                // (a cached connection the target closed is the usual case).
                if may_retry && acknowledged.is_empty() && !error.is_timeout() {
                    may_retry = false;
                    continue;
                }
                let doing = match error {
                    SocketError::Writing(_) => "writing",
                    SocketError::Reading(_) => "reading",
                };
                return client.reply_error(format!(
                    "-IOERR error or timeout {doing} to target instance"
                ));
            }
        }
    }
}

/// The cached connection to `target`, or a new one.
fn connection_for<'a>(
    cache: &'a mut MigrateConnections,
    target: &[u8],
    host: &[u8],
    port: &[u8],
    timeout: Duration,
    now_ms: i64,
) -> Result<&'a mut CachedConnection, ConnectFailure> {
    if !cache.by_target.contains_key(target) {
        if cache.by_target.len() >= CACHED_CONNECTIONS {
            let victim = cache.by_target.keys().next().cloned();
            if let Some(victim) = victim {
                cache.by_target.remove(&victim);
            }
        }
        let stream = connect(host, port, timeout)?;
        cache.by_target.insert(
            target.to_vec(),
            CachedConnection {
                stream: BufReader::new(stream),
                selected_db: None,
                last_used_ms: now_ms,
            },
        );
    }
    let connection = cache
        .by_target
        .get_mut(target)
        .ok_or(ConnectFailure::Refused)?;
    connection.last_used_ms = now_ms;
    Ok(connection)
}

/// Why no connection to the target could be made.
enum ConnectFailure {
    /// The host or port does not name an address.
    Address,
    /// The address refused the connection or did not answer in time.
    Refused,
}

fn connect(host: &[u8], port: &[u8], timeout: Duration) -> Result<TcpStream, ConnectFailure> {
    let host = std::str::from_utf8(host).map_err(|_| ConnectFailure::Address)?;
    let port: u16 = std::str::from_utf8(port)
        .ok()
        .and_then(|port| port.parse().ok())
        .ok_or(ConnectFailure::Address)?;
    let address = (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .ok_or(ConnectFailure::Address)?;
    let stream =
        TcpStream::connect_timeout(&address, timeout).map_err(|_| ConnectFailure::Refused)?;
    let configured = stream.set_nodelay(true).is_ok()
        && stream.set_read_timeout(Some(timeout)).is_ok()
        && stream.set_write_timeout(Some(timeout)).is_ok();
    if configured {
        Ok(stream)
    } else {
        Err(ConnectFailure::Refused)
    }
}

/// Replies read from the target: AUTH's and SELECT's if sent, then one
/// per RESTORE.
struct Replies {
    auth: Option<Vec<u8>>,
    select: Option<Vec<u8>>,
    restores: Vec<Vec<u8>>,
}

/// Sends AUTH, SELECT and the RESTOREs in one write and reads the replies.
/// On a socket error, also says which RESTOREs had been acknowledged.
fn transfer(
    connection: &mut CachedConnection,
    options: &Options<'_>,
    db_index: i64,
    outgoing: &[Outgoing],
    timeout: Duration,
) -> Result<Replies, (SocketError, Vec<usize>)> {
    let mut request = Vec::new();
    if let Some(password) = options.password {
        let mut auth: Vec<&[u8]> = vec![b"AUTH"];
        auth.extend(options.username);
        auth.push(password);
        write_command(&mut request, &auth);
    }
    let select = connection.selected_db != Some(db_index);
    if select {
        write_command(&mut request, &[b"SELECT", db_index.to_string().as_bytes()]);
    }
    for key in outgoing {
        let ttl = key.ttl_ms.to_string();
        let mut restore: Vec<&[u8]> = vec![b"RESTORE", &key.key, ttl.as_bytes(), &key.payload];
        if options.replace {
            restore.push(b"REPLACE");
        }
        write_command(&mut request, &restore);
    }
    let stream = connection.stream.get_mut();
    if let Err(error) = stream.set_write_timeout(Some(timeout)) {
        return Err((SocketError::Writing(error), Vec::new()));
    }
    if let Err(error) = stream.write_all(&request) {
        return Err((SocketError::Writing(error), Vec::new()));
    }
    let read = |connection: &mut CachedConnection| {
        read_line(&mut connection.stream).map_err(SocketError::Reading)
    };
    let auth = match options.password {
        Some(_) => Some(read(connection).map_err(|error| (error, Vec::new()))?),
        None => None,
    };
    let select = match select {
        true => Some(read(connection).map_err(|error| (error, Vec::new()))?),
        false => None,
    };
    let auth_or_select_failed = auth
        .iter()
        .chain(select.iter())
        .any(|r| r.starts_with(b"-"));
    let mut restores = Vec::with_capacity(outgoing.len());
    for _ in outgoing {
        match read(connection) {
            Ok(reply) => restores.push(reply),
            Err(error) => {
                let acknowledged = if auth_or_select_failed {
                    Vec::new()
                } else {
                    (0..restores.len())
                        .filter(|&index| !restores[index].starts_with(b"-"))
                        .collect()
                };
                return Err((error, acknowledged));
            }
        }
    }
    Ok(Replies {
        auth,
        select,
        restores,
    })
}

fn write_command(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// One reply line without its line ending; an empty read is an error.
fn read_line(stream: &mut BufReader<TcpStream>) -> std::io::Result<Vec<u8>> {
    let mut line = Vec::new();
    stream
        .by_ref()
        .take(REPLY_LINE_LIMIT)
        .read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    while line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        line.pop();
    }
    Ok(line)
}

/// Applies the target's replies: deletes what it acknowledged (unless
/// COPY) and replies +OK or the first error it sent.
fn finish(
    server: &mut Server,
    client: &mut Client,
    target: &[u8],
    options: &Options<'_>,
    db_index: i64,
    outgoing: &[Outgoing],
    replies: Replies,
) {
    let first_error = [replies.auth.as_ref(), replies.select.as_ref()]
        .into_iter()
        .flatten()
        .chain(replies.restores.iter())
        .find(|reply| reply.starts_with(b"-"));
    let auth_or_select_failed = [replies.auth.as_ref(), replies.select.as_ref()]
        .into_iter()
        .flatten()
        .any(|reply| reply.starts_with(b"-"));
    if !options.copy && !auth_or_select_failed {
        let acknowledged: Vec<usize> = (0..replies.restores.len())
            .filter(|&index| !replies.restores[index].starts_with(b"-"))
            .collect();
        delete_acknowledged(server, client, outgoing, &acknowledged);
    }
    match first_error {
        Some(error) => {
            if let Some(connection) = server.migrate.by_target.get_mut(target) {
                connection.selected_db = None;
            }
            let text = String::from_utf8_lossy(&error[1..]).into_owned();
            client.reply_error(format!("Target instance replied with error: {text}"));
        }
        None => {
            if let Some(connection) = server.migrate.by_target.get_mut(target) {
                connection.selected_db = Some(db_index);
            }
            client.reply_ok();
        }
    }
}

fn delete_acknowledged(
    server: &mut Server,
    client: &mut Client,
    outgoing: &[Outgoing],
    acknowledged: &[usize],
) {
    let now = server.now_ms;
    for &index in acknowledged {
        if let Some(key) = outgoing.get(index) {
            if server.dbs[client.db].remove(&key.key, now) {
                server.dirty += 1;
                server.notify(client, crate::notify::GENERIC, "del", &key.key);
            }
        }
    }
}
