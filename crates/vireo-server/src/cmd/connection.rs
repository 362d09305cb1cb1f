//! Connection commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT.

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, Arg, ArgKind, CommandSpec, Doc};
use crate::errors;
use crate::server::{Server, REDIS_VERSION};

const CONNECTION_FLAGS: u64 = flags::LOADING | flags::STALE | flags::FAST;

/// PING [message]
pub const PING: CommandSpec = CommandSpec {
    name: "ping",
    arity: -1,
    flags: flags::FAST,
    acl: acl::CONNECTION,
    tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
    key_specs: &[],
    doc: Doc {
        summary: "Checks that the server answers",
        since: "1.0.0",
        group: "connection",
        complexity: "O(1)",
        args: &[Arg::new("message", ArgKind::String).optional()],
    },
    subcommands: &[],
    handler: Some(ping),
};

fn ping(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: PING checks its own upper bound so that the error names PING.
    if argv.len() > 2 {
        return client.reply_error(errors::wrong_arity("ping"));
    }
    // Redis compat: in RESP2 pub/sub mode PING answers with an array.
    if client.resp == 2 && client.is_subscribed() {
        client.reply_array_len(2);
        client.reply_bulk(b"pong");
        client.reply_bulk(argv.get(1).unwrap_or_default());
    } else if argv.len() == 1 {
        client.reply_simple(b"PONG");
    } else {
        client.reply_bulk(&argv[1]);
    }
}

/// ECHO message
pub const ECHO: CommandSpec = CommandSpec {
    name: "echo",
    arity: 2,
    flags: CONNECTION_FLAGS,
    acl: acl::CONNECTION,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Returns its argument",
        since: "1.0.0",
        group: "connection",
        complexity: "O(1)",
        args: &[Arg::new("message", ArgKind::String)],
    },
    subcommands: &[],
    handler: Some(echo),
};

fn echo(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    client.reply_bulk(&argv[1]);
}

/// QUIT
pub const QUIT: CommandSpec = CommandSpec {
    name: "quit",
    arity: -1,
    flags: flags::NOSCRIPT | CONNECTION_FLAGS | flags::NO_AUTH | flags::ALLOW_BUSY,
    acl: acl::CONNECTION,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Closes the connection once pending replies are sent",
        since: "1.0.0",
        group: "connection",
        complexity: "O(1)",
        args: &[],
    },
    subcommands: &[],
    handler: Some(quit),
};

fn quit(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_ok();
    client.close_after_reply = true;
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
pub const HELLO: CommandSpec = CommandSpec {
    name: "hello",
    arity: -1,
    flags: flags::NOSCRIPT | CONNECTION_FLAGS | flags::NO_AUTH | flags::ALLOW_BUSY,
    acl: acl::CONNECTION,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Negotiates the protocol version and returns server details",
        since: "6.0.0",
        group: "connection",
        complexity: "O(1)",
        args: &[Arg::new("arguments", ArgKind::Block).optional().of(&[
            Arg::new("protover", ArgKind::Integer),
            Arg::new("username-password", ArgKind::Block)
                .with_token("AUTH")
                .optional()
                .of(&[
                    Arg::new("username", ArgKind::String),
                    Arg::new("password", ArgKind::String),
                ]),
            Arg::new("clientname", ArgKind::String)
                .with_token("SETNAME")
                .optional(),
        ])],
    },
    subcommands: &[],
    handler: Some(hello),
};

fn hello(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut version = None;
    let mut next = 1;
    if argv.len() >= 2 {
        next = 2;
        match super::parse_i64(&argv[1]) {
            None => {
                return client.reply_error("Protocol version is not an integer or out of range")
            }
            Some(v @ 2..=3) => version = Some(v as u8),
            Some(_) => return client.reply_error(errors::NOPROTO),
        }
    }
    let mut index = next;
    while index < argv.len() {
        let remaining = argv.len() - 1 - index;
        let option = &argv[index];
        if option.eq_ignore_ascii_case(b"AUTH") && remaining >= 2 {
            if !authenticate(server, &argv[index + 1], &argv[index + 2]) {
                return client.reply_error(errors::WRONGPASS);
            }
            client.authenticated = true;
            index += 3;
        } else if option.eq_ignore_ascii_case(b"SETNAME") && remaining >= 1 {
            let name = &argv[index + 1];
            if !valid_client_name(name) {
                return client.reply_error(
                    "Client names cannot contain spaces, newlines or special characters.",
                );
            }
            client.name = (!name.is_empty()).then(|| name.to_vec());
            index += 2;
        } else {
            let mut message = b"Syntax error in HELLO option '".to_vec();
            message.extend_from_slice(option);
            message.push(b'\'');
            return client.reply_error(message);
        }
    }
    if !client.authenticated {
        return client.reply_error(
            "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        );
    }
    if let Some(version) = version {
        client.resp = version;
    }
    client.reply_map_len(7);
    client.reply_bulk(b"server");
    client.reply_bulk(b"redis");
    client.reply_bulk(b"version");
    client.reply_bulk(REDIS_VERSION.as_bytes());
    client.reply_bulk(b"proto");
    client.reply_integer(i64::from(client.resp));
    client.reply_bulk(b"id");
    client.reply_integer(client.id as i64);
    client.reply_bulk(b"mode");
    client.reply_bulk(b"standalone");
    client.reply_bulk(b"role");
    client.reply_bulk(b"master");
    client.reply_bulk(b"modules");
    client.reply_array_len(0);
}

/// Redis compat: names are printable ASCII without spaces.
pub fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// Checks credentials against the default user (the only user until ACLs).
fn authenticate(server: &Server, username: &[u8], password: &[u8]) -> bool {
    if username != b"default" {
        return false;
    }
    match &server.config.requirepass {
        None => true,
        Some(expected) => constant_time_eq(expected, password),
    }
}

/// Compares without an early exit, so timing does not reveal the prefix matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for (index, &byte) in a.iter().enumerate() {
        difference |= usize::from(byte ^ b.get(index).copied().unwrap_or(0));
    }
    difference == 0
}

/// AUTH [username] password
pub const AUTH: CommandSpec = CommandSpec {
    name: "auth",
    arity: -2,
    flags: flags::NOSCRIPT | CONNECTION_FLAGS | flags::NO_AUTH | flags::ALLOW_BUSY,
    acl: acl::CONNECTION,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Authenticates the connection",
        since: "1.0.0",
        group: "connection",
        complexity: "O(N) where N is the number of passwords defined for the user",
        args: &[
            Arg::new("username", ArgKind::String)
                .optional()
                .since("6.0.0"),
            Arg::new("password", ArgKind::String),
        ],
    },
    subcommands: &[],
    handler: Some(auth),
};

fn auth(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() > 3 {
        return client.reply_error(errors::SYNTAX);
    }
    let (username, password): (&[u8], &[u8]) = if argv.len() == 2 {
        if server.config.requirepass.is_none() {
            return client.reply_error(errors::AUTH_WITHOUT_PASSWORD);
        }
        (b"default", &argv[1])
    } else {
        (&argv[1], &argv[2])
    };
    if authenticate(server, username, password) {
        client.authenticated = true;
        client.reply_ok();
    } else {
        client.reply_error(errors::WRONGPASS);
    }
}

/// SELECT index
pub const SELECT: CommandSpec = CommandSpec {
    name: "select",
    arity: 2,
    flags: CONNECTION_FLAGS,
    acl: acl::CONNECTION,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Changes the selected database",
        since: "1.0.0",
        group: "connection",
        complexity: "O(1)",
        args: &[Arg::new("index", ArgKind::Integer)],
    },
    subcommands: &[],
    handler: Some(select),
};

fn select(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: the index is parsed as a C int.
    let Some(index) = super::parse_i64(&argv[1]) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    if i32::try_from(index).is_err() {
        return client.reply_error(errors::out_of_range(i32::MIN.into(), i32::MAX.into()));
    }
    match usize::try_from(index) {
        Ok(index) if index < server.dbs.len() => {
            client.db = index;
            client.reply_ok();
        }
        _ => client.reply_error(errors::DB_INDEX_OUT_OF_RANGE),
    }
}

/// RESET
pub const RESET: CommandSpec = CommandSpec {
    name: "reset",
    arity: 1,
    flags: flags::NOSCRIPT | CONNECTION_FLAGS | flags::NO_AUTH | flags::ALLOW_BUSY,
    acl: acl::CONNECTION,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Returns the connection to the state of a new one",
        since: "6.2.0",
        group: "connection",
        complexity: "O(1)",
        args: &[],
    },
    subcommands: &[],
    handler: Some(reset),
};

fn reset(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.multi = None;
    server.unwatch_all(client);
    super::pubsub::unsubscribe_all_silently(server, client);
    if client.monitor {
        client.monitor = false;
        server.monitors.retain(|slot| *slot != client.slot);
    }
    crate::tracking::disable(server, client);
    client.db = 0;
    client.resp = 2;
    client.name = None;
    client.reply_off = false;
    client.reply_skip = false;
    client.reply_skip_next = false;
    client.no_evict = false;
    client.no_touch = false;
    client.authenticated = server.config.requirepass.is_none();
    client.reply_simple(b"RESET");
}
