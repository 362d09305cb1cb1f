//! Hash commands: HSET/HMSET/HSETNX, the getters, HDEL, HLEN, HSTRLEN,
//! HEXISTS, HKEYS/HVALS/HGETALL, HINCRBY/HINCRBYFLOAT, HRANDFIELD, HSCAN.

use std::cell::Cell;

use vireo_core::db::NO_EXPIRY;
use vireo_core::listpack::LpValue;
use vireo_core::long_double::LongDouble;
use vireo_core::t_hash::Hash;
use vireo_core::{Db, Value};
use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, keys_from_1, Arg, ArgKind, CommandSpec, Doc, KeySpec};
use crate::errors;
use crate::notify;
use crate::server::Server;

const RO: &[KeySpec] = &[keys_from_1(&["RO"], 0, 1)];
const RO_ACCESS: &[KeySpec] = &[keys_from_1(&["RO", "access"], 0, 1)];
const RW_UPDATE: &[KeySpec] = &[keys_from_1(&["RW", "update"], 0, 1)];
const RW_ACCESS_UPDATE: &[KeySpec] = &[keys_from_1(&["RW", "access", "update"], 0, 1)];
const KEY: &[Arg] = &[Arg::key("key", 0)];
const KEY_FIELD: &[Arg] = &[Arg::key("key", 0), Arg::new("field", ArgKind::String)];
const KEY_FIELDS: &[Arg] = &[
    Arg::key("key", 0),
    Arg::new("field", ArgKind::String).multiple(),
];
const KEY_FIELD_VALUES: &[Arg] = &[
    Arg::key("key", 0),
    Arg::new("field_value", ArgKind::Block).multiple().of(&[
        Arg::new("field", ArgKind::String),
        Arg::new("value", ArgKind::String),
    ]),
];

/// HSET key field value [field value ...]
pub const HSET: CommandSpec = CommandSpec {
    name: "hset",
    arity: -4,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::HASH,
    tips: &[],
    key_specs: RW_UPDATE,
    doc: Doc {
        summary: "Creates or modifies the value of fields in a hash",
        since: "2.0.0",
        group: "hash",
        complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        args: KEY_FIELD_VALUES,
    },
    subcommands: &[],
    handler: Some(hset),
};

/// HMSET key field value [field value ...]
pub const HMSET: CommandSpec = CommandSpec {
    name: "hmset",
    doc: Doc {
        summary: "Sets the values of multiple fields",
        complexity: "O(N) where N is the number of fields being set.",
        ..HSET.doc
    },
    handler: Some(hmset),
    ..HSET
};

/// HSETNX key field value
pub const HSETNX: CommandSpec = CommandSpec {
    name: "hsetnx",
    arity: 4,
    key_specs: &[keys_from_1(&["RW", "insert"], 0, 1)],
    doc: Doc {
        summary: "Sets the value of a field in a hash only when the field doesn't exist",
        complexity: "O(1)",
        args: &[
            Arg::key("key", 0),
            Arg::new("field", ArgKind::String),
            Arg::new("value", ArgKind::String),
        ],
        ..HSET.doc
    },
    handler: Some(hsetnx),
    ..HSET
};

/// The hash at `key`: `Ok(None)` if absent, `Err(())` after replying
/// WRONGTYPE for another type.
fn hash_mut<'a>(
    db: &'a mut Db,
    client: &mut Client,
    key: &[u8],
    now: i64,
) -> Result<Option<&'a mut Hash>, ()> {
    match db.lookup(key, now) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::Hash(hash) => Ok(Some(hash)),
            _ => {
                client.reply_error(errors::WRONGTYPE);
                Err(())
            }
        },
    }
}

/// The hash at `key`, created empty if absent (Redis's
/// hashTypeLookupWriteOrCreate); `None` after replying WRONGTYPE.
fn hash_or_create<'a>(
    db: &'a mut Db,
    client: &mut Client,
    key: &[u8],
    now: i64,
) -> Option<&'a mut Hash> {
    match hash_mut(db, client, key, now) {
        Err(()) => return None,
        Ok(Some(_)) => {}
        Ok(None) => db.insert(key, Value::Hash(Box::default()), NO_EXPIRY),
    }
    match db.lookup(key, now).map(|entry| &mut entry.value) {
        Some(Value::Hash(hash)) => Some(hash),
        _ => None,
    }
}

fn hset(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    set_fields(server, client, argv, "hset");
}

fn hmset(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    set_fields(server, client, argv, "hmset");
}

fn set_fields(server: &mut Server, client: &mut Client, argv: Argv<'_>, name: &str) {
    if argv.len() % 2 == 1 {
        return client.reply_error(errors::wrong_arity(name));
    }
    let now = server.now_ms;
    let limits = server.config.hash_limits;
    let Some(hash) = hash_or_create(&mut server.dbs[client.db], client, &argv[1], now) else {
        return;
    };
    hash.prepare_for(argv.iter().skip(2), limits);
    let mut created = 0;
    for pair in 1..argv.len() / 2 {
        created += i64::from(hash.set(&argv[pair * 2], &argv[pair * 2 + 1], limits));
    }
    server.dirty += (argv.len() as u64 - 2) / 2;
    if name == "hset" {
        client.reply_integer(created);
    } else {
        client.reply_ok();
    }
    server.notify(client, notify::HASH, "hset", &argv[1]);
}

fn hsetnx(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let limits = server.config.hash_limits;
    let Some(hash) = hash_or_create(&mut server.dbs[client.db], client, &argv[1], now) else {
        return;
    };
    if hash.contains(&argv[2]) {
        return client.reply_integer(0);
    }
    hash.prepare_for([&argv[2], &argv[3]], limits);
    hash.set(&argv[2], &argv[3], limits);
    server.dirty += 1;
    client.reply_integer(1);
    server.notify(client, notify::HASH, "hset", &argv[1]);
}

/// HGET key field
pub const HGET: CommandSpec = CommandSpec {
    name: "hget",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    acl: acl::HASH,
    tips: &[],
    key_specs: RO_ACCESS,
    doc: Doc {
        summary: "Returns the value of a field in a hash",
        since: "2.0.0",
        group: "hash",
        complexity: "O(1)",
        args: KEY_FIELD,
    },
    subcommands: &[],
    handler: Some(hget),
};

/// HMGET key field [field ...]
pub const HMGET: CommandSpec = CommandSpec {
    name: "hmget",
    arity: -3,
    doc: Doc {
        summary: "Returns the values of all fields in a hash",
        complexity: "O(N) where N is the number of fields being requested.",
        args: KEY_FIELDS,
        ..HGET.doc
    },
    handler: Some(hmget),
    ..HGET
};

fn reply_value(client: &mut Client, value: LpValue<'_>) {
    match value {
        LpValue::Str(bytes) => client.reply_bulk(bytes),
        LpValue::Int(n) => client.reply_bulk(vireo_core::util::format_i64(&mut [0; 20], n)),
    }
}

fn reply_field(client: &mut Client, hash: Option<&Hash>, field: &[u8]) {
    match hash.and_then(|hash| hash.get(field)) {
        Some(value) => reply_value(client, value),
        None => client.reply_null(),
    }
}

fn hget(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    if let Ok(hash) = hash_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        reply_field(client, hash.as_deref(), &argv[2]);
    }
}

fn hmget(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    if let Ok(hash) = hash_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        client.reply_array_len(argv.len() - 2);
        for field in argv.iter().skip(2) {
            reply_field(client, hash.as_deref(), field);
        }
    }
}

/// HDEL key field [field ...]
pub const HDEL: CommandSpec = CommandSpec {
    name: "hdel",
    arity: -3,
    flags: flags::WRITE | flags::FAST,
    acl: acl::HASH,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "delete"], 0, 1)],
    doc: Doc {
        summary: "Deletes one or more fields and their values from a hash",
        since: "2.0.0",
        group: "hash",
        complexity: "O(N) where N is the number of fields to be removed.",
        args: KEY_FIELDS,
    },
    subcommands: &[],
    handler: Some(hdel),
};

fn hdel(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    let hash = match hash_mut(db, client, &argv[1], now) {
        Err(()) => return,
        Ok(None) => return client.reply_integer(0),
        Ok(Some(hash)) => hash,
    };
    let mut deleted = 0;
    let mut emptied = false;
    for field in argv.iter().skip(2) {
        if hash.remove(field) {
            deleted += 1;
            if hash.is_empty() {
                db.remove(&argv[1], now);
                emptied = true;
                break;
            }
        }
    }
    server.dirty += deleted;
    if deleted > 0 {
        server.notify(client, notify::HASH, "hdel", &argv[1]);
    }
    if emptied {
        server.notify(client, notify::GENERIC, "del", &argv[1]);
    }
    client.reply_integer(deleted as i64);
}

/// HLEN key
pub const HLEN: CommandSpec = CommandSpec {
    name: "hlen",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    acl: acl::HASH,
    tips: &[],
    key_specs: RO,
    doc: Doc {
        summary: "Returns the number of fields in a hash",
        since: "2.0.0",
        group: "hash",
        complexity: "O(1)",
        args: KEY,
    },
    subcommands: &[],
    handler: Some(hlen),
};

/// HSTRLEN key field
pub const HSTRLEN: CommandSpec = CommandSpec {
    name: "hstrlen",
    arity: 3,
    doc: Doc {
        summary: "Returns the length of the value of a field",
        since: "3.2.0",
        args: KEY_FIELD,
        ..HLEN.doc
    },
    handler: Some(hstrlen),
    ..HLEN
};

/// HEXISTS key field
pub const HEXISTS: CommandSpec = CommandSpec {
    name: "hexists",
    arity: 3,
    doc: Doc {
        summary: "Determines whether a field exists in a hash",
        args: KEY_FIELD,
        ..HLEN.doc
    },
    handler: Some(hexists),
    ..HLEN
};

fn hlen(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    if let Ok(hash) = hash_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        client.reply_integer(hash.map_or(0, |hash| hash.len() as i64));
    }
}

fn hstrlen(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    if let Ok(hash) = hash_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        let len = hash
            .and_then(|hash| hash.get(&argv[2]))
            .map_or(0, |value| value.len());
        client.reply_integer(len as i64);
    }
}

fn hexists(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    if let Ok(hash) = hash_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        let found = hash.is_some_and(|hash| hash.contains(&argv[2]));
        client.reply_integer(i64::from(found));
    }
}

/// HGETALL key
pub const HGETALL: CommandSpec = CommandSpec {
    name: "hgetall",
    arity: 2,
    flags: flags::READONLY,
    acl: acl::HASH,
    tips: &["nondeterministic_output_order"],
    key_specs: RO_ACCESS,
    doc: Doc {
        summary: "Returns all fields and values in a hash",
        since: "2.0.0",
        group: "hash",
        complexity: "O(N) where N is the size of the hash.",
        args: KEY,
    },
    subcommands: &[],
    handler: Some(hgetall),
};

/// HKEYS key
pub const HKEYS: CommandSpec = CommandSpec {
    name: "hkeys",
    doc: Doc {
        summary: "Returns all fields in a hash",
        ..HGETALL.doc
    },
    handler: Some(hkeys),
    ..HGETALL
};

/// HVALS key
pub const HVALS: CommandSpec = CommandSpec {
    name: "hvals",
    doc: Doc {
        summary: "Returns all values in a hash",
        ..HGETALL.doc
    },
    handler: Some(hvals),
    ..HGETALL
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    Fields,
    Values,
    Both,
}

fn get_all(server: &mut Server, client: &mut Client, argv: Argv<'_>, parts: Parts) {
    let now = server.now_ms;
    let Ok(hash) = hash_mut(&mut server.dbs[client.db], client, &argv[1], now) else {
        return;
    };
    let len = hash.as_ref().map_or(0, |hash| hash.len());
    if parts == Parts::Both {
        client.reply_map_len(len);
    } else {
        client.reply_array_len(len);
    }
    let Some(hash) = hash else {
        return;
    };
    for (field, value) in hash.iter() {
        if parts != Parts::Values {
            reply_value(client, field);
        }
        if parts != Parts::Fields {
            reply_value(client, value);
        }
    }
}

fn hgetall(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    get_all(server, client, argv, Parts::Both);
}

fn hkeys(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    get_all(server, client, argv, Parts::Fields);
}

fn hvals(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    get_all(server, client, argv, Parts::Values);
}

/// HINCRBY key field increment
pub const HINCRBY: CommandSpec = CommandSpec {
    name: "hincrby",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::HASH,
    tips: &[],
    key_specs: RW_ACCESS_UPDATE,
    doc: Doc {
        summary: "Increments the integer value of a field in a hash by a number",
        since: "2.0.0",
        group: "hash",
        complexity: "O(1)",
        args: &[
            Arg::key("key", 0),
            Arg::new("field", ArgKind::String),
            Arg::new("increment", ArgKind::Integer),
        ],
    },
    subcommands: &[],
    handler: Some(hincrby),
};

/// HINCRBYFLOAT key field increment
pub const HINCRBYFLOAT: CommandSpec = CommandSpec {
    name: "hincrbyfloat",
    doc: Doc {
        summary: "Increments the floating point value of a field by a number",
        since: "2.6.0",
        args: &[
            Arg::key("key", 0),
            Arg::new("field", ArgKind::String),
            Arg::new("increment", ArgKind::Double),
        ],
        ..HINCRBY.doc
    },
    handler: Some(hincrbyfloat),
    ..HINCRBY
};

fn hincrby(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(increment) = super::parse_i64(&argv[3]) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    let now = server.now_ms;
    let limits = server.config.hash_limits;
    let Some(hash) = hash_or_create(&mut server.dbs[client.db], client, &argv[1], now) else {
        return;
    };
    let current = match hash.get(&argv[2]) {
        None => 0,
        Some(LpValue::Int(n)) => n,
        Some(LpValue::Str(bytes)) => match super::parse_i64(bytes) {
            Some(n) => n,
            None => return client.reply_error("hash value is not an integer"),
        },
    };
    let Some(updated) = current.checked_add(increment) else {
        return client.reply_error(errors::INCR_OVERFLOW);
    };
    hash.set(
        &argv[2],
        vireo_core::util::format_i64(&mut [0; 20], updated),
        limits,
    );
    server.dirty += 1;
    client.reply_integer(updated);
    server.notify(client, notify::HASH, "hincrby", &argv[1]);
}

fn hincrbyfloat(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(increment) = LongDouble::parse(&argv[3]) else {
        return client.reply_error("value is not a valid float");
    };
    if increment.is_nan() || increment.is_infinite() {
        return client.reply_error("value is NaN or Infinity");
    }
    let now = server.now_ms;
    let limits = server.config.hash_limits;
    let Some(hash) = hash_or_create(&mut server.dbs[client.db], client, &argv[1], now) else {
        return;
    };
    let current = match hash.get(&argv[2]) {
        None => LongDouble::from_i64(0),
        Some(LpValue::Int(n)) => LongDouble::from_i64(n),
        Some(LpValue::Str(bytes)) => match LongDouble::parse(bytes) {
            Some(value) => value,
            None => return client.reply_error("hash value is not a float"),
        },
    };
    // Redis compat: the sum is computed in x87 extended precision and
    // printed in human form, exactly as INCRBYFLOAT does.
    let sum = current.add(increment);
    if sum.is_nan() || sum.is_infinite() {
        return client.reply_error("increment would produce NaN or Infinity");
    }
    let text = sum.to_human_string();
    hash.set(&argv[2], &text, limits);
    server.dirty += 1;
    // Redis compat: replicas get the result, not the float arithmetic.
    server.rewrite_propagated(&[b"HSET", &argv[1], &argv[2], &text]);
    client.reply_bulk(&text);
    server.notify(client, notify::HASH, "hincrbyfloat", &argv[1]);
}

/// HRANDFIELD key [count [WITHVALUES]]
pub const HRANDFIELD: CommandSpec = CommandSpec {
    name: "hrandfield",
    arity: -2,
    flags: flags::READONLY,
    acl: acl::HASH,
    tips: &["nondeterministic_output"],
    key_specs: RO_ACCESS,
    doc: Doc {
        summary: "Returns one or more random fields from a hash",
        since: "6.2.0",
        group: "hash",
        complexity: "O(N) where N is the number of fields returned",
        args: &[
            Arg::key("key", 0),
            Arg::new("options", ArgKind::Block).optional().of(&[
                Arg::new("count", ArgKind::Integer),
                Arg::token("withvalues", "WITHVALUES").optional(),
            ]),
        ],
    },
    subcommands: &[],
    handler: Some(hrandfield),
};

thread_local! {
    static RANDOM_STATE: Cell<u64> = Cell::new({
        use std::hash::BuildHasher;
        std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) | 1
    });
}

/// A uniform random number below `bound` (xorshift64*; not cryptographic,
/// like Redis's `random()`).
fn random_below(bound: usize) -> usize {
    RANDOM_STATE.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        let value = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((u128::from(value) * bound as u128) >> 64) as usize
    })
}

fn hrandfield(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut request = None;
    if argv.len() >= 3 {
        let count = match super::parse_i64(&argv[2]) {
            None => return client.reply_error(errors::NOT_INTEGER),
            Some(i64::MIN) => return client.reply_error(errors::out_of_range(-i64::MAX, i64::MAX)),
            Some(count) => count,
        };
        let with_values = argv.len() == 4;
        if argv.len() > 4 || (with_values && !argv[3].eq_ignore_ascii_case(b"withvalues")) {
            return client.reply_error(errors::SYNTAX);
        }
        if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
            return client.reply_error("value is out of range");
        }
        request = Some((count, with_values));
    }
    let now = server.now_ms;
    let hash = match hash_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => return,
        Ok(hash) => hash,
    };
    let Some((count, with_values)) = request else {
        match hash {
            None => client.reply_null(),
            Some(hash) => match hash.pair_at(random_below(hash.len())) {
                Some((field, _)) => reply_value(client, field),
                None => client.reply_null(),
            },
        }
        return;
    };
    let Some(hash) = hash else {
        return client.reply_array_len(0);
    };
    if count == 0 {
        return client.reply_array_len(0);
    }
    let resp3_pairs = with_values && client.resp >= 3;
    let reply_pair = |client: &mut Client, field: LpValue<'_>, value: LpValue<'_>| {
        if resp3_pairs {
            client.reply_array_len(2);
        }
        reply_value(client, field);
        if with_values {
            reply_value(client, value);
        }
    };
    let size = hash.len();
    let wanted = count.unsigned_abs() as usize;
    let elements = if with_values && !resp3_pairs { 2 } else { 1 };
    // Redis compat: a negative count (or 1) picks independently, so
    // repeats are possible; a positive count returns distinct fields.
    if count < 0 || count == 1 {
        client.reply_array_len(wanted * elements);
        for _ in 0..wanted {
            if let Some((field, value)) = hash.pair_at(random_below(size)) {
                reply_pair(client, field, value);
            }
        }
        return;
    }
    if wanted >= size {
        client.reply_array_len(size * elements);
        for (field, value) in hash.iter() {
            reply_pair(client, field, value);
        }
        return;
    }
    // A partial Fisher-Yates shuffle of the slot numbers: `wanted` distinct
    // slots, each subset equally likely.
    let mut slots: Vec<usize> = (0..size).collect();
    client.reply_array_len(wanted * elements);
    for i in 0..wanted {
        let pick = i + random_below(size - i);
        slots.swap(i, pick);
        if let Some((field, value)) = hash.pair_at(slots[i]) {
            reply_pair(client, field, value);
        }
    }
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]
pub const HSCAN: CommandSpec = CommandSpec {
    name: "hscan",
    arity: -3,
    flags: flags::READONLY,
    acl: acl::HASH,
    tips: &["nondeterministic_output"],
    key_specs: RO_ACCESS,
    doc: Doc {
        summary: "Iterates over fields and values of a hash",
        since: "2.8.0",
        group: "hash",
        complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        args: &[
            Arg::key("key", 0),
            Arg::new("cursor", ArgKind::Integer),
            Arg::new("pattern", ArgKind::Pattern)
                .with_token("MATCH")
                .optional(),
            Arg::new("count", ArgKind::Integer)
                .with_token("COUNT")
                .optional(),
        ],
    },
    subcommands: &[],
    handler: Some(hscan),
};

/// Redis compat: a cursor is read with `strtoul`: an optional sign, then
/// digits, no leading space, no overflow (a negative value wraps); the
/// empty string reads as 0.
pub fn parse_scan_cursor(arg: &[u8]) -> Option<u64> {
    if arg.is_empty() {
        return Some(0);
    }
    let (negative, digits) = match arg {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, arg),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: u64 = 0;
    for &digit in digits {
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

fn hscan(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if parse_scan_cursor(&argv[2]).is_none() {
        return client.reply_error("invalid cursor");
    }
    let now = server.now_ms;
    let hash = match hash_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => return,
        Ok(None) => {
            client.reply_array_len(2);
            client.reply_bulk(b"0");
            return client.reply_array_len(0);
        }
        Ok(Some(hash)) => hash,
    };
    let mut pattern: Option<&[u8]> = None;
    let mut index = 3;
    while index < argv.len() {
        let has_value = index + 1 < argv.len();
        if has_value && argv[index].eq_ignore_ascii_case(b"count") {
            match super::parse_i64(&argv[index + 1]) {
                None => return client.reply_error(errors::NOT_INTEGER),
                Some(count) if count < 1 => return client.reply_error(errors::SYNTAX),
                Some(_) => {}
            }
        } else if has_value && argv[index].eq_ignore_ascii_case(b"match") {
            let candidate = &argv[index + 1];
            pattern = (candidate != b"*").then_some(candidate);
        } else {
            return client.reply_error(errors::SYNTAX);
        }
        index += 2;
    }
    // The whole hash is returned in one reply with cursor 0, as Redis does
    // for its listpack encoding; COUNT is only a hint.
    let matching: Vec<(LpValue<'_>, LpValue<'_>)> = hash
        .iter()
        .filter(|(field, _)| {
            pattern.is_none_or(|pattern| {
                field.with_bytes(|bytes| vireo_core::glob::matches(pattern, bytes, false))
            })
        })
        .collect();
    client.reply_array_len(2);
    client.reply_bulk(b"0");
    client.reply_array_len(matching.len() * 2);
    for (field, value) in matching {
        reply_value(client, field);
        reply_value(client, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_cursors_are_read_like_strtoul() {
        assert_eq!(parse_scan_cursor(b""), Some(0));
        assert_eq!(parse_scan_cursor(b"0"), Some(0));
        assert_eq!(parse_scan_cursor(b"+7"), Some(7));
        assert_eq!(parse_scan_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_scan_cursor(b" 1"), None);
        assert_eq!(parse_scan_cursor(b"1x"), None);
        assert_eq!(parse_scan_cursor(b"-"), None);
    }

    #[test]
    fn random_below_stays_in_bounds() {
        for bound in [1, 2, 3, 10, 1000] {
            assert!((0..500).all(|_| random_below(bound) < bound));
        }
    }
}
