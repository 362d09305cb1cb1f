//! String commands: GET, SET and its variants, the INCR family, MGET,
//! MSET, MSETNX, APPEND, STRLEN, GETRANGE/SUBSTR, SETRANGE.

use vireo_core::db::NO_EXPIRY;
use vireo_core::{StrValue, Value};
use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{
    acl, flags, keys_from_1, Arg, ArgKind, CommandSpec, Doc, KeySpec, KEY_RO_ACCESS,
    KEY_RW_ACCESS_UPDATE,
};
use crate::errors;
use crate::notify;
use crate::server::Server;

/// GET key
pub const GET: CommandSpec = CommandSpec {
    name: "get",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    acl: acl::STRING,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns the string value of a key",
        since: "1.0.0",
        group: "string",
        complexity: "O(1)",
        args: &[Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(get),
};

/// Replies with the string at `key`, null if absent; false on a wrong type
/// (after replying with the error).
fn reply_string(server: &mut Server, client: &mut Client, key: &[u8]) -> bool {
    let now = server.now_ms;
    match server.dbs[client.db].get(key, now) {
        None => client.reply_null(),
        Some(Value::Str(value)) => value.with_bytes(|bytes| client.reply_bulk(bytes)),
        #[allow(unreachable_patterns)]
        Some(_) => {
            client.reply_error(errors::WRONGTYPE);
            return false;
        }
    }
    true
}

fn get(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    reply_string(server, client, &argv[1]);
}

/// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts|KEEPTTL]
pub const SET: CommandSpec = CommandSpec {
    name: "set",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::STRING,
    tips: &[],
    key_specs: &[keys_from_1(
        &["RW", "access", "update", "variable_flags"],
        0,
        1,
    )],
    doc: Doc {
        summary: "Sets the string value of a key, optionally with an expiry and a condition",
        since: "1.0.0",
        group: "string",
        complexity: "O(1)",
        args: &[
            Arg::key("key", 0),
            Arg::new("value", ArgKind::String),
            Arg::new("condition", ArgKind::OneOf)
                .optional()
                .since("2.6.12")
                .of(&[Arg::token("nx", "NX"), Arg::token("xx", "XX")]),
            Arg::token("get", "GET").optional().since("6.2.0"),
            Arg::new("expiration", ArgKind::OneOf).optional().of(&[
                Arg::new("seconds", ArgKind::Integer)
                    .with_token("EX")
                    .since("2.6.12"),
                Arg::new("milliseconds", ArgKind::Integer)
                    .with_token("PX")
                    .since("2.6.12"),
                Arg::new("unix-time-seconds", ArgKind::UnixTime)
                    .with_token("EXAT")
                    .since("6.2.0"),
                Arg::new("unix-time-milliseconds", ArgKind::UnixTime)
                    .with_token("PXAT")
                    .since("6.2.0"),
                Arg::token("keepttl", "KEEPTTL").since("6.0.0"),
            ]),
        ],
    },
    subcommands: &[],
    handler: Some(set),
};

/// How a SET expiry argument is to be read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpiryUnit {
    /// EX: relative seconds.
    Seconds,
    /// PX: relative milliseconds.
    Milliseconds,
    /// EXAT: absolute Unix seconds.
    UnixSeconds,
    /// PXAT: absolute Unix milliseconds.
    UnixMilliseconds,
}

/// Options parsed from SET or GETEX.
struct SetOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    expiry: Option<(ExpiryUnit, &'a [u8])>,
}

/// Which command's options are being parsed: they share a parser in Redis.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OptionsFor {
    Set,
    GetEx,
}

/// Redis compat: options may repeat and combine as Redis's parser allows;
/// only mutually exclusive ones (NX/XX, KEEPTTL/PERSIST and the expiry
/// forms) conflict, and each command accepts only its own.
fn parse_set_options<'a>(argv: &Argv<'a>, command: OptionsFor) -> Option<SetOptions<'a>> {
    let mut options = SetOptions {
        nx: false,
        xx: false,
        get: false,
        keep_ttl: false,
        persist: false,
        expiry: None,
    };
    let is_set = command == OptionsFor::Set;
    let mut index = if is_set { 3 } else { 2 };
    while index < argv.len() {
        let option = argv.get(index)?;
        let next = argv.get(index + 1);
        let expiry_unit = if option.eq_ignore_ascii_case(b"EX") {
            Some(ExpiryUnit::Seconds)
        } else if option.eq_ignore_ascii_case(b"PX") {
            Some(ExpiryUnit::Milliseconds)
        } else if option.eq_ignore_ascii_case(b"EXAT") {
            Some(ExpiryUnit::UnixSeconds)
        } else if option.eq_ignore_ascii_case(b"PXAT") {
            Some(ExpiryUnit::UnixMilliseconds)
        } else {
            None
        };
        if is_set && option.eq_ignore_ascii_case(b"NX") && !options.xx {
            options.nx = true;
        } else if is_set && option.eq_ignore_ascii_case(b"XX") && !options.nx {
            options.xx = true;
        } else if is_set && option.eq_ignore_ascii_case(b"GET") {
            options.get = true;
        } else if is_set && option.eq_ignore_ascii_case(b"KEEPTTL") && options.expiry.is_none() {
            options.keep_ttl = true;
        } else if !is_set && option.eq_ignore_ascii_case(b"PERSIST") && options.expiry.is_none() {
            options.persist = true;
        } else if let (Some(unit), Some(value)) = (expiry_unit, next) {
            let conflicts = options.keep_ttl
                || options.persist
                || options.expiry.is_some_and(|(existing, _)| existing != unit);
            if conflicts {
                return None;
            }
            options.expiry = Some((unit, value));
            index += 1;
        } else {
            return None;
        }
        index += 1;
    }
    Some(options)
}

/// Converts a SET expiry argument to an absolute Unix time in milliseconds,
/// or the error to reply with.
fn expiry_to_absolute_ms(
    command: &str,
    unit: ExpiryUnit,
    value: &[u8],
    now_ms: i64,
) -> Result<i64, String> {
    let amount = super::parse_i64(value).ok_or_else(|| errors::NOT_INTEGER.to_string())?;
    let in_seconds = matches!(unit, ExpiryUnit::Seconds | ExpiryUnit::UnixSeconds);
    if amount <= 0 || (in_seconds && amount > i64::MAX / 1000) {
        return Err(errors::invalid_expire(command));
    }
    let mut milliseconds = if in_seconds { amount * 1000 } else { amount };
    if matches!(unit, ExpiryUnit::Seconds | ExpiryUnit::Milliseconds) {
        // Redis compat: an overflowing sum is caught by the sign check below.
        milliseconds = milliseconds.wrapping_add(now_ms);
    }
    if milliseconds <= 0 {
        return Err(errors::invalid_expire(command));
    }
    Ok(milliseconds)
}

fn set(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(options) = parse_set_options(&argv, OptionsFor::Set) else {
        return client.reply_error(errors::SYNTAX);
    };
    let now = server.now_ms;
    let expire_at = match options.expiry {
        None => None,
        Some((unit, value)) => match expiry_to_absolute_ms("set", unit, value, now) {
            Ok(at) => Some(at),
            Err(message) => return client.reply_error(message),
        },
    };
    let key = &argv[1];
    if options.get {
        super::count_reads(server, client, true);
        let found = reply_string(server, client, key);
        super::count_reads(server, client, false);
        if !found {
            return;
        }
        // Redis compat: the lookup is announced before the reply that
        // follows it, the write after.
        server.announce_lookups(client);
    }
    let db = &mut server.dbs[client.db];
    if options.nx || options.xx {
        let found = db.contains(key, now);
        if (options.nx && found) || (options.xx && !found) {
            if !options.get {
                client.reply_null();
            }
            return;
        }
    }
    let value = Value::Str(StrValue::from_bytes(&argv[2]));
    match expire_at {
        Some(at) => db.insert(key, value, at),
        None if options.keep_ttl => db.insert_keep_ttl(key, value, now),
        None => db.insert(key, value, NO_EXPIRY),
    }
    server.dirty += 1;
    server.notify(client, notify::STRING, "set", key);
    if let Some(at) = expire_at {
        propagate_set_pxat(server, key, &argv[2], at);
        server.notify(client, notify::GENERIC, "expire", key);
    }
    if !options.get {
        client.reply_ok();
    }
}

/// INCR key
pub const INCR: CommandSpec = CommandSpec {
    name: "incr",
    arity: 2,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::STRING,
    tips: &[],
    key_specs: KEY_RW_ACCESS_UPDATE,
    doc: Doc {
        summary: "Adds one to the integer value of a key, starting from 0 if absent",
        since: "1.0.0",
        group: "string",
        complexity: "O(1)",
        args: &[Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(incr),
};

/// DECR key
pub const DECR: CommandSpec = CommandSpec {
    name: "decr",
    doc: Doc {
        summary: "Subtracts one from the integer value of a key, starting from 0 if absent",
        ..INCR.doc
    },
    handler: Some(decr),
    ..INCR
};

fn incr(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    increment_by(server, client, &argv[1], 1);
}

/// INCRBY key increment
pub const INCRBY: CommandSpec = CommandSpec {
    name: "incrby",
    arity: 3,
    doc: Doc {
        summary: "Adds an integer to the integer value of a key, starting from 0 if absent",
        args: &[Arg::key("key", 0), Arg::new("increment", ArgKind::Integer)],
        ..INCR.doc
    },
    handler: Some(incrby),
    ..INCR
};

/// DECRBY key decrement
pub const DECRBY: CommandSpec = CommandSpec {
    name: "decrby",
    arity: 3,
    doc: Doc {
        summary: "Subtracts an integer from the integer value of a key, starting from 0 if absent",
        args: &[Arg::key("key", 0), Arg::new("decrement", ArgKind::Integer)],
        ..INCR.doc
    },
    handler: Some(decrby),
    ..INCR
};

fn incrby(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    match super::parse_i64(&argv[2]) {
        Some(delta) => increment_by(server, client, &argv[1], delta),
        None => client.reply_error(errors::NOT_INTEGER),
    }
}

fn decrby(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    match super::parse_i64(&argv[2]) {
        // Redis compat: negating i64::MIN would overflow before the add does.
        Some(i64::MIN) => client.reply_error("decrement would overflow"),
        Some(delta) => increment_by(server, client, &argv[1], -delta),
        None => client.reply_error(errors::NOT_INTEGER),
    }
}

fn decr(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    increment_by(server, client, &argv[1], -1);
}

/// Adds `delta` to the integer at `key` and replies with the result.
pub fn increment_by(server: &mut Server, client: &mut Client, key: &[u8], delta: i64) {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    let updated = match db.lookup(key, now) {
        None => {
            db.insert(key, Value::Str(StrValue::Int(delta)), NO_EXPIRY);
            delta
        }
        Some(entry) => {
            let current = match &entry.value {
                Value::Str(StrValue::Int(value)) => *value,
                Value::Str(StrValue::Bytes(bytes)) => match super::parse_i64(bytes) {
                    Some(value) => value,
                    None => return client.reply_error(errors::NOT_INTEGER),
                },
                #[allow(unreachable_patterns)]
                _ => return client.reply_error(errors::WRONGTYPE),
            };
            let Some(updated) = current.checked_add(delta) else {
                return client.reply_error(errors::INCR_OVERFLOW);
            };
            entry.value = Value::Str(StrValue::Int(updated));
            updated
        }
    };
    server.dirty += 1;
    server.notify(client, notify::STRING, "incrby", key);
    client.reply_integer(updated);
}

/// MGET key [key ...]
pub const MGET: CommandSpec = CommandSpec {
    name: "mget",
    arity: -2,
    flags: flags::READONLY | flags::FAST,
    acl: acl::STRING,
    tips: &["request_policy:multi_shard"],
    key_specs: &[keys_from_1(&["RO", "access"], -1, 1)],
    doc: Doc {
        summary: "Returns the string values of one or more keys",
        since: "1.0.0",
        group: "string",
        complexity: "O(N) where N is the number of keys to retrieve",
        args: &[Arg::key("key", 0).multiple()],
    },
    subcommands: &[],
    handler: Some(mget),
};

fn mget(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    client.reply_array_len(argv.len() - 1);
    for key in argv.iter().skip(1) {
        notify::announce_after_output(client);
        // Redis compat: a key of another type reads as null here, not an error.
        match server.dbs[client.db].get(key, now) {
            Some(Value::Str(value)) => value.with_bytes(|bytes| client.reply_bulk(bytes)),
            // Redis compat: a miss is announced inside the array, before
            // the element.
            _ => {
                server.announce_lookups(client);
                client.reply_null();
            }
        }
    }
}

/// MSET key value [key value ...]
pub const MSET: CommandSpec = CommandSpec {
    name: "mset",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::STRING,
    tips: &[
        "request_policy:multi_shard",
        "response_policy:all_succeeded",
    ],
    key_specs: &[keys_from_1(&["OW", "update"], -1, 2)],
    doc: Doc {
        summary: "Sets the string values of one or more keys",
        since: "1.0.1",
        group: "string",
        complexity: "O(N) where N is the number of keys to set",
        args: &[Arg::new("data", ArgKind::Block)
            .multiple()
            .of(&[Arg::key("key", 0), Arg::new("value", ArgKind::String)])],
    },
    subcommands: &[],
    handler: Some(mset),
};

fn mset(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() % 2 == 0 {
        return client.reply_error(errors::wrong_arity("mset"));
    }
    set_pairs(server, client, &argv);
    client.reply_ok();
}

/// The string at `key`: `Ok(None)` if absent, `Err(())` after replying
/// WRONGTYPE if the key holds another type.
fn string_at<'a>(
    server: &'a mut Server,
    client: &mut Client,
    key: &[u8],
) -> Result<Option<&'a mut StrValue>, ()> {
    let now = server.now_ms;
    match server.dbs[client.db].lookup(key, now) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::Str(value) => Ok(Some(value)),
            #[allow(unreachable_patterns)]
            _ => {
                client.reply_error(errors::WRONGTYPE);
                Err(())
            }
        },
    }
}

const KEY_VALUE: &[Arg] = &[Arg::key("key", 0), Arg::new("value", ArgKind::String)];

/// SETNX key value
pub const SETNX: CommandSpec = CommandSpec {
    name: "setnx",
    arity: 3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::STRING,
    tips: &[],
    key_specs: &[keys_from_1(&["OW", "insert"], 0, 1)],
    doc: Doc {
        summary: "Sets the string value of a key only if the key does not exist",
        since: "1.0.0",
        group: "string",
        complexity: "O(1)",
        args: KEY_VALUE,
    },
    subcommands: &[],
    handler: Some(setnx),
};

fn setnx(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    if db.contains(&argv[1], now) {
        return client.reply_integer(0);
    }
    db.insert(
        &argv[1],
        Value::Str(StrValue::from_bytes(&argv[2])),
        NO_EXPIRY,
    );
    server.dirty += 1;
    server.notify(client, notify::STRING, "set", &argv[1]);
    client.reply_integer(1);
}

const fn setex_spec(
    name: &'static str,
    summary: &'static str,
    since: &'static str,
    args: &'static [Arg],
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: 4,
        flags: flags::WRITE | flags::DENYOOM,
        acl: acl::STRING,
        tips: &[],
        key_specs: KEY_OW_UPDATE,
        doc: Doc {
            summary,
            since,
            group: "string",
            complexity: "O(1)",
            args,
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

const KEY_OW_UPDATE: &[KeySpec] = &[keys_from_1(&["OW", "update"], 0, 1)];

/// SETEX key seconds value
pub const SETEX: CommandSpec = setex_spec(
    "setex",
    "Sets the string value and the expiry in seconds of a key",
    "2.0.0",
    &[
        Arg::key("key", 0),
        Arg::new("seconds", ArgKind::Integer),
        Arg::new("value", ArgKind::String),
    ],
    setex,
);

/// PSETEX key milliseconds value
pub const PSETEX: CommandSpec = setex_spec(
    "psetex",
    "Sets the string value and the expiry in milliseconds of a key",
    "2.6.0",
    &[
        Arg::key("key", 0),
        Arg::new("milliseconds", ArgKind::Integer),
        Arg::new("value", ArgKind::String),
    ],
    psetex,
);

/// Redis compat: a SET with any expiry reaches replicas as `SET key value
/// PXAT <ms>`, whatever its other options were.
fn propagate_set_pxat(server: &mut Server, key: &[u8], value: &[u8], at_ms: i64) {
    if server.propagation.enabled {
        let at = at_ms.to_string();
        server.rewrite_propagated(&[b"SET", key, value, b"PXAT", at.as_bytes()]);
    }
}

fn setex(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    set_with_expiry(server, client, argv, "setex", ExpiryUnit::Seconds);
}

fn psetex(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    set_with_expiry(server, client, argv, "psetex", ExpiryUnit::Milliseconds);
}

fn set_with_expiry(
    server: &mut Server,
    client: &mut Client,
    argv: Argv<'_>,
    command: &str,
    unit: ExpiryUnit,
) {
    let now = server.now_ms;
    match expiry_to_absolute_ms(command, unit, &argv[2], now) {
        Ok(at) => {
            server.dbs[client.db].insert(&argv[1], Value::Str(StrValue::from_bytes(&argv[3])), at);
            server.dirty += 1;
            propagate_set_pxat(server, &argv[1], &argv[3], at);
            server.notify(client, notify::STRING, "set", &argv[1]);
            server.notify(client, notify::GENERIC, "expire", &argv[1]);
            client.reply_ok();
        }
        Err(message) => client.reply_error(message),
    }
}

/// GETSET key value
pub const GETSET: CommandSpec = CommandSpec {
    name: "getset",
    arity: 3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::STRING,
    tips: &[],
    key_specs: KEY_RW_ACCESS_UPDATE,
    doc: Doc {
        summary: "Sets the string value of a key and returns its previous value",
        since: "1.0.0",
        group: "string",
        complexity: "O(1)",
        args: KEY_VALUE,
    },
    subcommands: &[],
    handler: Some(getset),
};

fn getset(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    super::count_reads(server, client, true);
    if !reply_string(server, client, &argv[1]) {
        return;
    }
    super::count_reads(server, client, false);
    server.announce_lookups(client);
    // Redis compat: like SET, GETSET drops any expiry.
    server.dbs[client.db].insert(
        &argv[1],
        Value::Str(StrValue::from_bytes(&argv[2])),
        NO_EXPIRY,
    );
    server.dirty += 1;
    server.rewrite_propagated(&[b"SET", &argv[1], &argv[2]]);
    server.notify(client, notify::STRING, "set", &argv[1]);
}

/// GETDEL key
pub const GETDEL: CommandSpec = CommandSpec {
    name: "getdel",
    arity: 2,
    flags: flags::WRITE | flags::FAST,
    acl: acl::STRING,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "access", "delete"], 0, 1)],
    doc: Doc {
        summary: "Returns the string value of a key and deletes the key",
        since: "6.2.0",
        group: "string",
        complexity: "O(1)",
        args: &[Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(getdel),
};

fn getdel(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    super::count_reads(server, client, true);
    if !reply_string(server, client, &argv[1]) {
        return;
    }
    super::count_reads(server, client, false);
    let now = server.now_ms;
    if server.dbs[client.db].remove(&argv[1], now) {
        server.dirty += 1;
        let delete: &[u8] = if server.config.lazyfree_lazy_user_del {
            b"UNLINK"
        } else {
            b"DEL"
        };
        server.rewrite_propagated(&[delete, &argv[1]]);
        server.notify(client, notify::GENERIC, "del", &argv[1]);
    }
}

/// MSETNX key value [key value ...]
pub const MSETNX: CommandSpec = CommandSpec {
    name: "msetnx",
    tips: &["request_policy:multi_shard", "response_policy:agg_min"],
    key_specs: &[keys_from_1(&["OW", "insert"], -1, 2)],
    doc: Doc {
        summary: "Sets the string values of one or more keys, only if none of them exists",
        since: "1.0.1",
        ..MSET.doc
    },
    handler: Some(msetnx),
    ..MSET
};

fn msetnx(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() % 2 == 0 {
        return client.reply_error(errors::wrong_arity("msetnx"));
    }
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    if argv
        .iter()
        .skip(1)
        .step_by(2)
        .any(|key| db.contains(key, now))
    {
        return client.reply_integer(0);
    }
    set_pairs(server, client, &argv);
    client.reply_integer(1);
}

/// Stores each key-value pair of MSET and MSETNX, announcing each in turn.
fn set_pairs(server: &mut Server, client: &mut Client, argv: &Argv<'_>) {
    for index in (1..argv.len()).step_by(2) {
        server.dbs[client.db].insert(
            &argv[index],
            Value::Str(StrValue::from_bytes(&argv[index + 1])),
            NO_EXPIRY,
        );
        server.notify(client, notify::STRING, "set", &argv[index]);
    }
    server.dirty += (argv.len() as u64 - 1) / 2;
}

/// Redis compat: strings may not grow past `proto-max-bulk-len`.
fn check_string_length(server: &Server, client: &mut Client, size: u64, append: u64) -> bool {
    let fits = size
        .checked_add(append)
        .is_some_and(|total| total <= server.config.proto_max_bulk_len);
    if !fits {
        client.reply_error("string exceeds maximum allowed size (proto-max-bulk-len)");
    }
    fits
}

/// APPEND key value
pub const APPEND: CommandSpec = CommandSpec {
    name: "append",
    arity: 3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::STRING,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "insert"], 0, 1)],
    doc: Doc {
        summary: "Appends a string to the value of a key, creating the key if needed",
        since: "2.0.0",
        group: "string",
        complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
        args: KEY_VALUE,
    },
    subcommands: &[],
    handler: Some(append),
};

fn append(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let limit_check_len = match string_at(server, client, &argv[1]) {
        Err(()) => return,
        Ok(None) => None,
        Ok(Some(value)) => Some(value.len() as u64),
    };
    let total = match limit_check_len {
        None => {
            server.dbs[client.db].insert(
                &argv[1],
                Value::Str(StrValue::from_bytes(&argv[2])),
                NO_EXPIRY,
            );
            argv[2].len()
        }
        Some(current) => {
            if !check_string_length(server, client, current, argv[2].len() as u64) {
                return;
            }
            let Ok(Some(value)) = string_at(server, client, &argv[1]) else {
                return;
            };
            let bytes = value.make_bytes();
            bytes.extend_from_slice(&argv[2]);
            bytes.len()
        }
    };
    server.dirty += 1;
    server.notify(client, notify::STRING, "append", &argv[1]);
    client.reply_integer(total as i64);
}

/// STRLEN key
pub const STRLEN: CommandSpec = CommandSpec {
    name: "strlen",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    acl: acl::STRING,
    tips: &[],
    key_specs: &[keys_from_1(&["RO"], 0, 1)],
    doc: Doc {
        summary: "Returns the length of a string value",
        since: "2.2.0",
        group: "string",
        complexity: "O(1)",
        args: &[Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(strlen),
};

fn strlen(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    match string_at(server, client, &argv[1]) {
        Err(()) => {}
        Ok(None) => client.reply_integer(0),
        Ok(Some(value)) => {
            let len = value.len();
            client.reply_integer(len as i64);
        }
    }
}

const RANGE_ARGS: &[Arg] = &[
    Arg::key("key", 0),
    Arg::new("start", ArgKind::Integer),
    Arg::new("end", ArgKind::Integer),
];

/// GETRANGE key start end
pub const GETRANGE: CommandSpec = CommandSpec {
    name: "getrange",
    arity: 4,
    flags: flags::READONLY,
    acl: acl::STRING,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns a substring of a string value",
        since: "2.4.0",
        group: "string",
        complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        args: RANGE_ARGS,
    },
    subcommands: &[],
    handler: Some(getrange),
};

/// SUBSTR key start end (the old name of GETRANGE)
pub const SUBSTR: CommandSpec = CommandSpec {
    name: "substr",
    doc: Doc {
        since: "1.0.0",
        ..GETRANGE.doc
    },
    ..GETRANGE
};

fn getrange(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let (Some(start), Some(end)) = (super::parse_i64(&argv[2]), super::parse_i64(&argv[3])) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    let value = match string_at(server, client, &argv[1]) {
        Err(()) => return,
        Ok(None) => return client.reply_bulk(b""),
        Ok(Some(value)) => value,
    };
    value.with_bytes(|bytes| match substring_range(bytes.len(), start, end) {
        Some((from, to)) => client.reply_bulk(&bytes[from..=to]),
        None => client.reply_bulk(b""),
    });
}

/// The inclusive byte range GETRANGE returns, with Redis's clamping of
/// negative and oversized indexes; `None` for an empty result.
fn substring_range(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let end = if end < 0 { (len + end).max(0) } else { end }.min(len - 1);
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

/// SETRANGE key offset value
pub const SETRANGE: CommandSpec = CommandSpec {
    name: "setrange",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::STRING,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "update"], 0, 1)],
    doc: Doc {
        summary: "Overwrites part of a string value from an offset, padding with zero bytes",
        since: "2.2.0",
        group: "string",
        complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
        args: &[Arg::key("key", 0), Arg::new("offset", ArgKind::Integer), Arg::new("value", ArgKind::String)],
    },
    subcommands: &[],
    handler: Some(setrange),
};

fn setrange(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(offset) = super::parse_i64(&argv[2]) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    if offset < 0 {
        return client.reply_error("offset is out of range");
    }
    let patch = &argv[3];
    let current_len = match string_at(server, client, &argv[1]) {
        Err(()) => return,
        Ok(None) if patch.is_empty() => return client.reply_integer(0),
        Ok(Some(value)) if patch.is_empty() => {
            let len = value.len();
            return client.reply_integer(len as i64);
        }
        Ok(current) => current.map(|value| value.len()),
    };
    if !check_string_length(server, client, offset as u64, patch.len() as u64) {
        return;
    }
    let offset = offset as usize;
    let new_len = match current_len {
        None => {
            let mut bytes = vec![0u8; offset + patch.len()];
            bytes[offset..].copy_from_slice(patch);
            let len = bytes.len();
            server.dbs[client.db].insert(
                &argv[1],
                Value::Str(StrValue::Bytes(bytes.into())),
                NO_EXPIRY,
            );
            len
        }
        Some(_) => {
            let Ok(Some(value)) = string_at(server, client, &argv[1]) else {
                return;
            };
            let bytes = value.make_bytes();
            if bytes.len() < offset + patch.len() {
                bytes.resize(offset + patch.len(), 0);
            }
            bytes[offset..offset + patch.len()].copy_from_slice(patch);
            bytes.len()
        }
    };
    server.dirty += 1;
    server.notify(client, notify::STRING, "setrange", &argv[1]);
    client.reply_integer(new_len as i64);
}

/// GETEX key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]
pub const GETEX: CommandSpec = CommandSpec {
    name: "getex",
    arity: -2,
    flags: flags::WRITE | flags::FAST,
    acl: acl::STRING,
    tips: &[],
    key_specs: KEY_RW_ACCESS_UPDATE,
    doc: Doc {
        summary:
            "Returns the string value of a key after optionally setting or removing its expiry",
        since: "6.2.0",
        group: "string",
        complexity: "O(1)",
        args: &[
            Arg::key("key", 0),
            Arg::new("expiration", ArgKind::OneOf).optional().of(&[
                Arg::new("seconds", ArgKind::Integer).with_token("EX"),
                Arg::new("milliseconds", ArgKind::Integer).with_token("PX"),
                Arg::new("unix-time-seconds", ArgKind::UnixTime).with_token("EXAT"),
                Arg::new("unix-time-milliseconds", ArgKind::UnixTime).with_token("PXAT"),
                Arg::token("persist", "PERSIST"),
            ]),
        ],
    },
    subcommands: &[],
    handler: Some(getex),
};

fn getex(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(options) = parse_set_options(&argv, OptionsFor::GetEx) else {
        return client.reply_error(errors::SYNTAX);
    };
    let key = &argv[1];
    super::count_reads(server, client, true);
    let found = string_at(server, client, key).map(|value| value.is_some());
    super::count_reads(server, client, false);
    match found {
        Err(()) => return,
        Ok(false) => return client.reply_null(),
        Ok(true) => {}
    }
    let now = server.now_ms;
    // Redis compat: the expiry is validated after the type check and
    // before the reply, so a bad expiry replies with only the error.
    let expire_at = match options.expiry {
        None => None,
        Some((unit, value)) => match expiry_to_absolute_ms("getex", unit, value, now) {
            Ok(at) => Some((unit, at)),
            Err(message) => return client.reply_error(message),
        },
    };
    reply_string(server, client, key);
    let db = &mut server.dbs[client.db];
    match expire_at {
        Some((ExpiryUnit::UnixSeconds | ExpiryUnit::UnixMilliseconds, at)) if at <= now => {
            db.remove(key, now);
            server.dirty += 1;
            let delete: &[u8] = if server.config.lazyfree_lazy_expire {
                b"UNLINK"
            } else {
                b"DEL"
            };
            server.rewrite_propagated(&[delete, key]);
            server.notify(client, notify::GENERIC, "del", key);
        }
        Some((_, at)) => {
            db.set_expiry(key, at, now);
            server.dirty += 1;
            if server.propagation.enabled {
                let at = at.to_string();
                server.rewrite_propagated(&[b"PEXPIREAT", key, at.as_bytes()]);
            }
            server.notify(client, notify::GENERIC, "expire", key);
        }
        None if options.persist => {
            let had_expiry = db.expire_at(key, now).is_some_and(|at| at != NO_EXPIRY);
            if had_expiry {
                db.set_expiry(key, NO_EXPIRY, now);
                server.dirty += 1;
                server.rewrite_propagated(&[b"PERSIST", key]);
                server.notify(client, notify::GENERIC, "persist", key);
            }
        }
        None => {}
    }
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
pub const LCS: CommandSpec = CommandSpec {
    name: "lcs",
    arity: -3,
    flags: flags::READONLY,
    acl: acl::STRING,
    tips: &[],
    key_specs: &[keys_from_1(&["RO", "access"], 1, 1)],
    doc: Doc {
        summary: "Finds the longest common subsequence of two string values",
        since: "7.0.0",
        group: "string",
        complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        args: &[
            Arg::key("key1", 0),
            Arg::key("key2", 0),
            Arg::token("len", "LEN").optional(),
            Arg::token("idx", "IDX").optional(),
            Arg::new("min-match-len", ArgKind::Integer)
                .with_token("MINMATCHLEN")
                .optional(),
            Arg::token("withmatchlen", "WITHMATCHLEN").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(lcs),
};

fn lcs(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let mut strings = [Vec::new(), Vec::new()];
    for (slot, key) in strings.iter_mut().zip([&argv[1], &argv[2]]) {
        match server.dbs[client.db].get(key, now) {
            None => {}
            Some(Value::Str(value)) => *slot = value.with_bytes(<[u8]>::to_vec),
            #[allow(unreachable_patterns)]
            Some(_) => return client.reply_error("The specified keys must contain string values"),
        }
    }
    let (mut want_len, mut want_idx, mut with_match_len, mut min_match_len) =
        (false, false, false, 0i64);
    let mut index = 3;
    while index < argv.len() {
        let option = &argv[index];
        let more = argv.len() - 1 - index;
        if option.eq_ignore_ascii_case(b"IDX") {
            want_idx = true;
        } else if option.eq_ignore_ascii_case(b"LEN") {
            want_len = true;
        } else if option.eq_ignore_ascii_case(b"WITHMATCHLEN") {
            with_match_len = true;
        } else if option.eq_ignore_ascii_case(b"MINMATCHLEN") && more > 0 {
            match super::parse_i64(&argv[index + 1]) {
                Some(value) => min_match_len = value.max(0),
                None => return client.reply_error(errors::NOT_INTEGER),
            }
            index += 1;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
        index += 1;
    }
    if want_len && want_idx {
        return client.reply_error("If you want both the length and indexes, please just use IDX.");
    }
    let [a, b] = &strings;
    let table_cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
    if table_cells * 4 > server.config.proto_max_bulk_len {
        return client.reply_error(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        );
    }
    let width = b.len() + 1;
    let mut table = vec![0u32; table_cells as usize];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            table[i * width + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * width + j - 1] + 1
            } else {
                table[(i - 1) * width + j].max(table[i * width + j - 1])
            };
        }
    }
    let total = table[a.len() * width + b.len()];
    if want_len {
        return client.reply_integer(i64::from(total));
    }
    // Walk back from the end, collecting the subsequence and, for IDX, the
    // matching ranges (Redis's exact walk, including its tie-breaking).
    let mut sequence = vec![0u8; total as usize];
    let mut remaining = total as usize;
    let mut ranges: Vec<[usize; 4]> = Vec::new();
    let unset = a.len();
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (unset, 0, 0, 0);
    let (mut i, mut j) = (a.len(), b.len());
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            sequence[remaining - 1] = a[i - 1];
            if a_start == unset {
                (a_start, a_end, b_start, b_end) = (i - 1, i - 1, j - 1, j - 1);
            } else if a_start == i && b_start == j {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            remaining -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table[(i - 1) * width + j] > table[i * width + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != unset {
                emit = true;
            }
        }
        if emit {
            let match_len = (a_end as i64) - (a_start as i64) + 1;
            if min_match_len == 0 || match_len >= min_match_len {
                ranges.push([a_start, a_end, b_start, b_end]);
            }
            a_start = unset;
        }
    }
    if !want_idx {
        return client.reply_bulk(&sequence);
    }
    client.reply_map_len(2);
    client.reply_bulk(b"matches");
    client.reply_array_len(ranges.len());
    for [a_start, a_end, b_start, b_end] in ranges {
        client.reply_array_len(2 + usize::from(with_match_len));
        client.reply_array_len(2);
        client.reply_integer(a_start as i64);
        client.reply_integer(a_end as i64);
        client.reply_array_len(2);
        client.reply_integer(b_start as i64);
        client.reply_integer(b_end as i64);
        if with_match_len {
            client.reply_integer(a_end as i64 - a_start as i64 + 1);
        }
    }
    client.reply_bulk(b"len");
    client.reply_integer(i64::from(total));
}

/// INCRBYFLOAT key increment
pub const INCRBYFLOAT: CommandSpec = CommandSpec {
    name: "incrbyfloat",
    arity: 3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::STRING,
    tips: &[],
    key_specs: KEY_RW_ACCESS_UPDATE,
    doc: Doc {
        summary: "Adds a floating point number to the value of a key, starting from 0 if absent",
        since: "2.6.0",
        group: "string",
        complexity: "O(1)",
        args: &[Arg::key("key", 0), Arg::new("increment", ArgKind::Double)],
    },
    subcommands: &[],
    handler: Some(incrbyfloat),
};

fn incrbyfloat(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    use vireo_core::long_double::LongDouble;
    const NOT_FLOAT: &str = "value is not a valid float";
    let key = &argv[1];
    let current = match string_at(server, client, key) {
        Err(()) => return,
        Ok(None) => LongDouble::from_i64(0),
        Ok(Some(value)) => match value.with_bytes(LongDouble::parse) {
            Some(parsed) => parsed,
            None => return client.reply_error(NOT_FLOAT),
        },
    };
    let Some(increment) = LongDouble::parse(&argv[2]) else {
        return client.reply_error(NOT_FLOAT);
    };
    // Redis compat: the sum is computed in x87 extended precision and
    // printed with 17 decimals, trailing zeros trimmed.
    let sum = current.add(increment);
    if sum.is_nan() || sum.is_infinite() {
        return client.reply_error("increment would produce NaN or Infinity");
    }
    let text = sum.to_human_string();
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    match db.lookup(key, now) {
        Some(entry) => entry.value = Value::Str(StrValue::from_bytes(&text)),
        None => db.insert(key, Value::Str(StrValue::from_bytes(&text)), NO_EXPIRY),
    }
    server.dirty += 1;
    // Redis compat: replicas get the result, not the float arithmetic.
    server.rewrite_propagated(&[b"SET", key, &text, b"KEEPTTL"]);
    server.notify(client, notify::STRING, "incrbyfloat", key);
    client.reply_bulk(&text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_conversion_matches_redis_edge_cases() {
        assert_eq!(
            expiry_to_absolute_ms("set", ExpiryUnit::Seconds, b"10", 1000),
            Ok(11_000)
        );
        assert_eq!(
            expiry_to_absolute_ms("set", ExpiryUnit::UnixMilliseconds, b"5", 1000),
            Ok(5)
        );
        assert_eq!(
            expiry_to_absolute_ms("set", ExpiryUnit::Seconds, b"0", 1000),
            Err(errors::invalid_expire("set"))
        );
        assert_eq!(
            expiry_to_absolute_ms("set", ExpiryUnit::Seconds, b"-1", 1000),
            Err(errors::invalid_expire("set"))
        );
        assert_eq!(
            expiry_to_absolute_ms("set", ExpiryUnit::Seconds, b"9223372036854776", 0),
            Err(errors::invalid_expire("set"))
        );
        assert_eq!(
            expiry_to_absolute_ms("set", ExpiryUnit::Milliseconds, b"9223372036854775807", 1),
            Err(errors::invalid_expire("set"))
        );
        assert_eq!(
            expiry_to_absolute_ms("set", ExpiryUnit::Seconds, b"1.5", 0),
            Err(errors::NOT_INTEGER.to_string())
        );
    }
}
