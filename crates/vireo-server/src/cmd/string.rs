//! String commands: GET, SET, INCR, DECR, MGET, MSET.

use vireo_core::db::NO_EXPIRY;
use vireo_core::{StrValue, Value};
use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{
    acl, flags, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec, KEY_RO_ACCESS,
    KEY_RW_ACCESS_UPDATE,
};
use crate::errors;
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
    key_specs: &[KeySpec {
        flags: &["RW", "access", "update", "variable_flags"],
        begin_search: BeginSearch::Index(1),
        find_keys: FindKeys::Range {
            last_key: 0,
            key_step: 1,
            limit: 0,
        },
    }],
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

/// Options parsed from a SET command.
struct SetOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    expiry: Option<(ExpiryUnit, &'a [u8])>,
}

/// Redis compat: options may repeat and combine as Redis's parser allows;
/// only mutually exclusive ones (NX/XX, and the expiry forms) conflict.
fn parse_set_options<'a>(argv: &Argv<'a>) -> Option<SetOptions<'a>> {
    let mut options = SetOptions {
        nx: false,
        xx: false,
        get: false,
        keep_ttl: false,
        expiry: None,
    };
    let mut index = 3;
    while index < argv.len() {
        let option = argv.get(index)?;
        let next = argv.get(index + 1);
        let unit_conflicts = |unit: ExpiryUnit, options: &SetOptions<'_>| {
            options.keep_ttl || options.expiry.is_some_and(|(existing, _)| existing != unit)
        };
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
        if option.eq_ignore_ascii_case(b"NX") && !options.xx {
            options.nx = true;
        } else if option.eq_ignore_ascii_case(b"XX") && !options.nx {
            options.xx = true;
        } else if option.eq_ignore_ascii_case(b"GET") {
            options.get = true;
        } else if option.eq_ignore_ascii_case(b"KEEPTTL") && options.expiry.is_none() {
            options.keep_ttl = true;
        } else if let (Some(unit), Some(value)) = (expiry_unit, next) {
            if unit_conflicts(unit, &options) {
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
fn expiry_to_absolute_ms(unit: ExpiryUnit, value: &[u8], now_ms: i64) -> Result<i64, String> {
    let amount = super::parse_i64(value).ok_or_else(|| errors::NOT_INTEGER.to_string())?;
    let in_seconds = matches!(unit, ExpiryUnit::Seconds | ExpiryUnit::UnixSeconds);
    if amount <= 0 || (in_seconds && amount > i64::MAX / 1000) {
        return Err(errors::invalid_expire("set"));
    }
    let mut milliseconds = if in_seconds { amount * 1000 } else { amount };
    if matches!(unit, ExpiryUnit::Seconds | ExpiryUnit::Milliseconds) {
        // Redis compat: an overflowing sum is caught by the sign check below.
        milliseconds = milliseconds.wrapping_add(now_ms);
    }
    if milliseconds <= 0 {
        return Err(errors::invalid_expire("set"));
    }
    Ok(milliseconds)
}

fn set(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(options) = parse_set_options(&argv) else {
        return client.reply_error(errors::SYNTAX);
    };
    let now = server.now_ms;
    let expire_at = match options.expiry {
        None => None,
        Some((unit, value)) => match expiry_to_absolute_ms(unit, value, now) {
            Ok(at) => Some(at),
            Err(message) => return client.reply_error(message),
        },
    };
    let key = &argv[1];
    if options.get && !reply_string(server, client, key) {
        return;
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
    client.reply_integer(updated);
}

/// MGET key [key ...]
pub const MGET: CommandSpec = CommandSpec {
    name: "mget",
    arity: -2,
    flags: flags::READONLY | flags::FAST,
    acl: acl::STRING,
    tips: &["request_policy:multi_shard"],
    key_specs: &[KeySpec {
        flags: &["RO", "access"],
        begin_search: BeginSearch::Index(1),
        find_keys: FindKeys::Range {
            last_key: -1,
            key_step: 1,
            limit: 0,
        },
    }],
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
    let db = &mut server.dbs[client.db];
    client.reply_array_len(argv.len() - 1);
    for key in argv.iter().skip(1) {
        // Redis compat: a key of another type reads as null here, not an error.
        match db.get(key, now) {
            Some(Value::Str(value)) => value.with_bytes(|bytes| client.reply_bulk(bytes)),
            #[allow(unreachable_patterns)]
            _ => client.reply_null(),
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
    key_specs: &[KeySpec {
        flags: &["OW", "update"],
        begin_search: BeginSearch::Index(1),
        find_keys: FindKeys::Range {
            last_key: -1,
            key_step: 2,
            limit: 0,
        },
    }],
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
    let db = &mut server.dbs[client.db];
    for index in (1..argv.len()).step_by(2) {
        db.insert(
            &argv[index],
            Value::Str(StrValue::from_bytes(&argv[index + 1])),
            NO_EXPIRY,
        );
    }
    server.dirty += (argv.len() as u64 - 1) / 2;
    client.reply_ok();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_conversion_matches_redis_edge_cases() {
        assert_eq!(
            expiry_to_absolute_ms(ExpiryUnit::Seconds, b"10", 1000),
            Ok(11_000)
        );
        assert_eq!(
            expiry_to_absolute_ms(ExpiryUnit::UnixMilliseconds, b"5", 1000),
            Ok(5)
        );
        assert_eq!(
            expiry_to_absolute_ms(ExpiryUnit::Seconds, b"0", 1000),
            Err(errors::invalid_expire("set"))
        );
        assert_eq!(
            expiry_to_absolute_ms(ExpiryUnit::Seconds, b"-1", 1000),
            Err(errors::invalid_expire("set"))
        );
        assert_eq!(
            expiry_to_absolute_ms(ExpiryUnit::Seconds, b"9223372036854776", 0),
            Err(errors::invalid_expire("set"))
        );
        assert_eq!(
            expiry_to_absolute_ms(ExpiryUnit::Milliseconds, b"9223372036854775807", 1),
            Err(errors::invalid_expire("set"))
        );
        assert_eq!(
            expiry_to_absolute_ms(ExpiryUnit::Seconds, b"1.5", 0),
            Err(errors::NOT_INTEGER.to_string())
        );
    }
}
