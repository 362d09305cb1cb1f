//! Generic key commands: DEL, UNLINK, EXISTS, TOUCH, TYPE, KEYS, the TTL
//! family, the EXPIRE family, PERSIST, RENAME, RENAMENX, COPY, MOVE, SWAPDB,
//! RANDOMKEY, SCAN, OBJECT, DUMP and RESTORE.

use vireo_core::db::{lru_clock, NO_EXPIRY};
use vireo_core::rdb;
use vireo_core::{StrValue, Value};
use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{
    acl, flags, keys_from_1, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec,
    KEY_RO_ACCESS,
};
use crate::errors;
use crate::notify;
use crate::server::Server;

/// DEL key [key ...]
pub const DEL: CommandSpec = CommandSpec {
    name: "del",
    arity: -2,
    flags: flags::WRITE,
    acl: acl::KEYSPACE,
    tips: &["request_policy:multi_shard", "response_policy:agg_sum"],
    key_specs: super::server::KEY_RM_DELETE_ALL,
    doc: Doc {
        summary: "Deletes one or more keys",
        since: "1.0.0",
        group: "generic",
        complexity: "O(N) where N is the number of keys that will be removed",
        args: &[Arg::key("key", 0).multiple()],
    },
    subcommands: &[],
    handler: Some(del),
};

fn del(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let lazy = server.config.lazyfree_lazy_user_del;
    delete_keys(server, client, argv, lazy);
}

fn unlink(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    delete_keys(server, client, argv, true);
}

/// DEL and UNLINK: the same removal, the values freed here or, when
/// `lazy`, big ones on the background thread.
fn delete_keys(server: &mut Server, client: &mut Client, argv: Argv<'_>, lazy: bool) {
    let now = server.now_ms;
    let mut removed = 0;
    for key in argv.iter().skip(1) {
        if let Some(taken) = server.dbs[client.db].take(key, now) {
            removed += 1;
            if lazy {
                server.lazyfree.free_value(taken.value);
            }
            server.notify(client, notify::GENERIC, "del", key);
        }
    }
    server.dirty += removed as u64;
    client.reply_integer(removed as i64);
}

/// EXISTS key [key ...]
pub const EXISTS: CommandSpec = CommandSpec {
    name: "exists",
    arity: -2,
    flags: flags::READONLY | flags::FAST,
    acl: acl::KEYSPACE,
    tips: &["request_policy:multi_shard", "response_policy:agg_sum"],
    key_specs: &[keys_from_1(&["RO"], -1, 1)],
    doc: Doc {
        summary: "Counts how many of the given keys exist",
        since: "1.0.0",
        group: "generic",
        complexity: "O(N) where N is the number of keys to check",
        args: &[Arg::key("key", 0).multiple()],
    },
    subcommands: &[],
    handler: Some(exists),
};

fn exists(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    // Redis compat: a key named twice counts twice, and EXISTS leaves the
    // access time alone (LOOKUP_NOTOUCH), unlike TOUCH.
    let count = argv
        .iter()
        .skip(1)
        .filter(|key| db.peek(key, now).is_some())
        .count();
    client.reply_integer(count as i64);
}

/// Counts like EXISTS, but each lookup is an access (OBJECT IDLETIME 0).
fn touch(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    let count = argv
        .iter()
        .skip(1)
        .filter(|key| db.lookup(key, now).is_some())
        .count();
    client.reply_integer(count as i64);
}

/// UNLINK key [key ...]
pub const UNLINK: CommandSpec = CommandSpec {
    name: "unlink",
    flags: flags::WRITE | flags::FAST,
    doc: Doc {
        summary: "Deletes one or more keys, reclaiming memory in the background",
        since: "4.0.0",
        complexity: "O(1) for each key removed regardless of its size",
        ..DEL.doc
    },
    handler: Some(unlink),
    ..DEL
};

/// TOUCH key [key ...]
pub const TOUCH: CommandSpec = CommandSpec {
    name: "touch",
    doc: Doc {
        summary: "Updates the last access time of keys and counts those that exist",
        since: "3.2.1",
        complexity: "O(N) where N is the number of keys that will be touched",
        ..EXISTS.doc
    },
    handler: Some(touch),
    ..EXISTS
};

/// TYPE key
pub const TYPE: CommandSpec = CommandSpec {
    name: "type",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    acl: acl::KEYSPACE,
    tips: &[],
    key_specs: &[keys_from_1(&["RO"], 0, 1)],
    doc: Doc {
        summary: "Returns the type of the value stored at a key",
        since: "1.0.0",
        group: "generic",
        complexity: "O(1)",
        args: &[Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(type_of),
};

fn type_of(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    // Redis compat: TYPE leaves the access time alone (LOOKUP_NOTOUCH).
    let name = server.dbs[client.db]
        .peek(&argv[1], now)
        .map_or("none", |(entry, _)| entry.value.type_name());
    client.reply_simple(name.as_bytes());
}

const ONE_KEY: &[Arg] = &[Arg::key("key", 0)];
const KEY_RW_UPDATE: &[crate::command::KeySpec] = &[keys_from_1(&["RW", "update"], 0, 1)];

/// How TTL-family commands report the expiry.
#[derive(Clone, Copy)]
enum TtlForm {
    /// Remaining seconds, rounded.
    Seconds,
    /// Remaining milliseconds.
    Milliseconds,
    /// Absolute Unix seconds.
    UnixSeconds,
    /// Absolute Unix milliseconds.
    UnixMilliseconds,
}

const fn ttl_spec(
    name: &'static str,
    summary: &'static str,
    since: &'static str,
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: 2,
        flags: flags::READONLY | flags::FAST,
        acl: acl::KEYSPACE,
        tips: &[],
        key_specs: KEY_RO_ACCESS,
        doc: Doc {
            summary,
            since,
            group: "generic",
            complexity: "O(1)",
            args: ONE_KEY,
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

/// TTL key
pub const TTL: CommandSpec = CommandSpec {
    tips: &["nondeterministic_output"],
    ..ttl_spec(
        "ttl",
        "Returns the remaining time to live of a key in seconds",
        "1.0.0",
        ttl,
    )
};
/// PTTL key
pub const PTTL: CommandSpec = CommandSpec {
    tips: &["nondeterministic_output"],
    ..ttl_spec(
        "pttl",
        "Returns the remaining time to live of a key in milliseconds",
        "2.6.0",
        pttl,
    )
};
/// EXPIRETIME key
pub const EXPIRETIME: CommandSpec = ttl_spec(
    "expiretime",
    "Returns the Unix time in seconds at which a key expires",
    "7.0.0",
    expiretime,
);
/// PEXPIRETIME key
pub const PEXPIRETIME: CommandSpec = ttl_spec(
    "pexpiretime",
    "Returns the Unix time in milliseconds at which a key expires",
    "7.0.0",
    pexpiretime,
);

fn ttl(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    reply_ttl(server, client, &argv[1], TtlForm::Seconds);
}
fn pttl(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    reply_ttl(server, client, &argv[1], TtlForm::Milliseconds);
}
fn expiretime(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    reply_ttl(server, client, &argv[1], TtlForm::UnixSeconds);
}
fn pexpiretime(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    reply_ttl(server, client, &argv[1], TtlForm::UnixMilliseconds);
}

fn reply_ttl(server: &mut Server, client: &mut Client, key: &[u8], form: TtlForm) {
    let now = server.now_ms;
    let Some(expire_at_ms) = server.dbs[client.db].expire_at(key, now) else {
        return client.reply_integer(-2);
    };
    if expire_at_ms == NO_EXPIRY {
        return client.reply_integer(-1);
    }
    let absolute = matches!(form, TtlForm::UnixSeconds | TtlForm::UnixMilliseconds);
    let value = if absolute {
        expire_at_ms
    } else {
        expire_at_ms - now
    }
    .max(0);
    client.reply_integer(match form {
        TtlForm::Milliseconds | TtlForm::UnixMilliseconds => value,
        // Redis compat: seconds are rounded to the nearest, not truncated.
        TtlForm::Seconds | TtlForm::UnixSeconds => (value + 500) / 1000,
    });
}

/// PERSIST key
pub const PERSIST: CommandSpec = CommandSpec {
    name: "persist",
    arity: 2,
    flags: flags::WRITE | flags::FAST,
    acl: acl::KEYSPACE,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "update"], 0, 1)],
    doc: Doc {
        summary: "Removes the expiry of a key",
        since: "2.2.0",
        group: "generic",
        complexity: "O(1)",
        args: &[Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(persist),
};

fn persist(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    let had_expiry = db
        .expire_at(&argv[1], now)
        .is_some_and(|expire_at_ms| expire_at_ms != NO_EXPIRY);
    if had_expiry {
        db.set_expiry(&argv[1], NO_EXPIRY, now);
        server.dirty += 1;
        server.notify(client, notify::GENERIC, "persist", &argv[1]);
    }
    client.reply_integer(i64::from(had_expiry));
}

/// The unit and base of an EXPIRE-family time argument.
#[derive(Clone, Copy)]
enum ExpireForm {
    RelativeSeconds,
    RelativeMilliseconds,
    UnixSeconds,
    UnixMilliseconds,
}

const EXPIRE_CONDITION: Arg = Arg::new("condition", ArgKind::OneOf)
    .optional()
    .since("7.0.0")
    .of(&[
        Arg::token("nx", "NX"),
        Arg::token("xx", "XX"),
        Arg::token("gt", "GT"),
        Arg::token("lt", "LT"),
    ]);

const fn expire_spec(
    name: &'static str,
    summary: &'static str,
    since: &'static str,
    args: &'static [Arg],
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: -3,
        flags: flags::WRITE | flags::FAST,
        acl: acl::KEYSPACE,
        tips: &[],
        key_specs: KEY_RW_UPDATE,
        doc: Doc {
            summary,
            since,
            group: "generic",
            complexity: "O(1)",
            args,
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

/// EXPIRE key seconds [NX|XX|GT|LT]
pub const EXPIRE: CommandSpec = expire_spec(
    "expire",
    "Sets a key's time to live in seconds",
    "1.0.0",
    &[
        Arg::key("key", 0),
        Arg::new("seconds", ArgKind::Integer),
        EXPIRE_CONDITION,
    ],
    expire,
);
/// PEXPIRE key milliseconds [NX|XX|GT|LT]
pub const PEXPIRE: CommandSpec = expire_spec(
    "pexpire",
    "Sets a key's time to live in milliseconds",
    "2.6.0",
    &[
        Arg::key("key", 0),
        Arg::new("milliseconds", ArgKind::Integer),
        EXPIRE_CONDITION,
    ],
    pexpire,
);
/// EXPIREAT key unix-time-seconds [NX|XX|GT|LT]
pub const EXPIREAT: CommandSpec = expire_spec(
    "expireat",
    "Sets the Unix time in seconds at which a key expires",
    "1.2.0",
    &[
        Arg::key("key", 0),
        Arg::new("unix-time-seconds", ArgKind::UnixTime),
        EXPIRE_CONDITION,
    ],
    expireat,
);
/// PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]
pub const PEXPIREAT: CommandSpec = expire_spec(
    "pexpireat",
    "Sets the Unix time in milliseconds at which a key expires",
    "2.6.0",
    &[
        Arg::key("key", 0),
        Arg::new("unix-time-milliseconds", ArgKind::UnixTime),
        EXPIRE_CONDITION,
    ],
    pexpireat,
);

fn expire(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    expire_generic(server, client, argv, ExpireForm::RelativeSeconds);
}
fn pexpire(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    expire_generic(server, client, argv, ExpireForm::RelativeMilliseconds);
}
fn expireat(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    expire_generic(server, client, argv, ExpireForm::UnixSeconds);
}
fn pexpireat(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    expire_generic(server, client, argv, ExpireForm::UnixMilliseconds);
}

fn expire_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, form: ExpireForm) {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for option in argv.iter().skip(3) {
        if option.eq_ignore_ascii_case(b"nx") {
            nx = true;
        } else if option.eq_ignore_ascii_case(b"xx") {
            xx = true;
        } else if option.eq_ignore_ascii_case(b"gt") {
            gt = true;
        } else if option.eq_ignore_ascii_case(b"lt") {
            lt = true;
        } else {
            let mut message = b"Unsupported option ".to_vec();
            message.extend_from_slice(option);
            return client.reply_error(message);
        }
    }
    if nx && (xx || gt || lt) {
        return client
            .reply_error("NX and XX, GT or LT options at the same time are not compatible");
    }
    if gt && lt {
        return client.reply_error("GT and LT options at the same time are not compatible");
    }
    let Some(mut when) = super::parse_i64(&argv[2]) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    let now = server.now_ms;
    let (in_seconds, base) = match form {
        ExpireForm::RelativeSeconds => (true, now),
        ExpireForm::RelativeMilliseconds => (false, now),
        ExpireForm::UnixSeconds => (true, 0),
        ExpireForm::UnixMilliseconds => (false, 0),
    };
    if in_seconds {
        match when.checked_mul(1000) {
            Some(ms) => when = ms,
            None => return client.reply_error(errors::invalid_expire(command_name(form))),
        }
    }
    let Some(when) = when.checked_add(base).filter(|_| when <= i64::MAX - base) else {
        return client.reply_error(errors::invalid_expire(command_name(form)));
    };
    let db = &mut server.dbs[client.db];
    let Some(expire_at_ms) = db.expire_at(&argv[1], now) else {
        return client.reply_integer(0);
    };
    let current = (expire_at_ms != NO_EXPIRY).then_some(expire_at_ms);
    let refused = (nx && current.is_some())
        || (xx && current.is_none())
        || (gt && current.is_none_or(|current| when <= current))
        || (lt && current.is_some_and(|current| when >= current));
    if refused {
        return client.reply_integer(0);
    }
    server.dirty += 1;
    // Redis compat: a deletion is announced before the reply, a new expiry
    // time after it.
    if when <= now {
        db.remove(&argv[1], now);
        let delete: &[u8] = if server.config.lazyfree_lazy_expire {
            b"UNLINK"
        } else {
            b"DEL"
        };
        server.rewrite_propagated(&[delete, &argv[1]]);
        server.notify(client, notify::GENERIC, "del", &argv[1]);
        client.reply_integer(1);
    } else {
        db.set_expiry(&argv[1], when, now);
        // Redis compat: replicas get the absolute time, options kept.
        if server.propagation.enabled {
            let at = when.to_string();
            let mut args: Vec<&[u8]> = vec![b"PEXPIREAT", &argv[1], at.as_bytes()];
            args.extend(argv.iter().skip(3));
            server.rewrite_propagated(&args);
        }
        client.reply_integer(1);
        server.notify(client, notify::GENERIC, "expire", &argv[1]);
    }
}

fn command_name(form: ExpireForm) -> &'static str {
    match form {
        ExpireForm::RelativeSeconds => "expire",
        ExpireForm::RelativeMilliseconds => "pexpire",
        ExpireForm::UnixSeconds => "expireat",
        ExpireForm::UnixMilliseconds => "pexpireat",
    }
}

/// KEYS pattern
pub const KEYS: CommandSpec = CommandSpec {
    name: "keys",
    arity: 2,
    flags: flags::READONLY,
    acl: acl::KEYSPACE | acl::DANGEROUS,
    tips: &["request_policy:all_shards", "nondeterministic_output_order"],
    key_specs: &[],
    doc: Doc {
        summary: "Returns every key that matches a pattern",
        since: "1.0.0",
        group: "generic",
        complexity: "O(N) with N being the number of keys in the database",
        args: &[Arg::new("pattern", ArgKind::Pattern)],
    },
    subcommands: &[],
    handler: Some(keys),
};

fn keys(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let pattern = &argv[1];
    // Redis compat: a lone `*` matches every key, even the empty one, which
    // the matcher itself would reject.
    let all = pattern == b"*";
    let now = server.now_ms;
    let found = server.dbs[client.db].keys_where(now, |key| {
        all || vireo_core::glob::matches(pattern, key, false)
    });
    client.reply_array_len(found.len());
    for key in found {
        client.reply_bulk(key);
    }
}

/// A key spec for one key at argument `index`.
const fn key_at(flags: &'static [&'static str], index: i32) -> KeySpec {
    KeySpec {
        flags,
        begin_search: BeginSearch::Index(index),
        find_keys: FindKeys::Range {
            last_key: 0,
            key_step: 1,
            limit: 0,
        },
    }
}

const SAME_OBJECT: &str = "source and destination objects are the same";
const NO_SUCH_KEY: &str = "no such key";
const TWO_KEYS: &[Arg] = &[Arg::key("key", 0), Arg::key("newkey", 1)];

/// RENAME key newkey
pub const RENAME: CommandSpec = CommandSpec {
    name: "rename",
    arity: 3,
    flags: flags::WRITE,
    acl: acl::KEYSPACE,
    tips: &[],
    key_specs: &[
        key_at(&["RW", "access", "delete"], 1),
        key_at(&["OW", "update"], 2),
    ],
    doc: Doc {
        summary: "Renames a key and overwrites the destination",
        since: "1.0.0",
        group: "generic",
        complexity: "O(1)",
        args: TWO_KEYS,
    },
    subcommands: &[],
    handler: Some(rename),
};

/// RENAMENX key newkey
pub const RENAMENX: CommandSpec = CommandSpec {
    name: "renamenx",
    flags: flags::WRITE | flags::FAST,
    key_specs: &[
        key_at(&["RW", "access", "delete"], 1),
        key_at(&["OW", "insert"], 2),
    ],
    doc: Doc {
        summary: "Renames a key only when the target key name doesn't exist",
        ..RENAME.doc
    },
    handler: Some(renamenx),
    ..RENAME
};

fn rename(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    rename_generic(server, client, argv, false);
}

fn renamenx(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    rename_generic(server, client, argv, true);
}

fn rename_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, nx: bool) {
    let (from, to) = (&argv[1], &argv[2]);
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    if db.lookup(from, now).is_none() {
        return client.reply_error(NO_SUCH_KEY);
    }
    if from == to {
        return reply_nx(client, nx, false);
    }
    if db.contains(to, now) {
        if nx {
            return client.reply_integer(0);
        }
        db.remove(to, now);
    }
    if let Some(taken) = db.take(from, now) {
        db.insert_taken(to, taken);
    }
    server.dirty += 1;
    server.notify(client, notify::GENERIC, "rename_from", from);
    server.notify(client, notify::GENERIC, "rename_to", to);
    reply_nx(client, nx, true);
}

/// RENAME replies OK; RENAMENX replies whether it renamed.
fn reply_nx(client: &mut Client, nx: bool, renamed: bool) {
    if nx {
        client.reply_integer(i64::from(renamed));
    } else {
        client.reply_ok();
    }
}

/// Parses a database index argument as Redis's `getIntFromObjectOrReply`
/// (with its own messages) followed by a range check; replies and returns
/// `None` on error.
fn parse_db_index(server: &Server, client: &mut Client, arg: &[u8]) -> Option<usize> {
    let Some(index) = super::parse_i64(arg) else {
        client.reply_error(errors::NOT_INTEGER);
        return None;
    };
    if i32::try_from(index).is_err() {
        client.reply_error(errors::out_of_range(i32::MIN.into(), i32::MAX.into()));
        return None;
    }
    match usize::try_from(index) {
        Ok(index) if index < server.dbs.len() => Some(index),
        _ => {
            client.reply_error(errors::DB_INDEX_OUT_OF_RANGE);
            None
        }
    }
}

/// COPY source destination [DB destination-db] [REPLACE]
pub const COPY: CommandSpec = CommandSpec {
    name: "copy",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::KEYSPACE,
    tips: &[],
    key_specs: &[key_at(&["RO", "access"], 1), key_at(&["OW", "update"], 2)],
    doc: Doc {
        summary: "Copies the value of a key to a new key",
        since: "6.2.0",
        group: "generic",
        complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
        args: &[
            Arg::key("source", 0),
            Arg::key("destination", 1),
            Arg::new("destination-db", ArgKind::Integer)
                .with_token("DB")
                .optional(),
            Arg::token("replace", "REPLACE").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(copy),
};

fn copy(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let source_db = client.db;
    let mut target_db = client.db;
    let mut replace = false;
    let mut index = 3;
    while index < argv.len() {
        let option = &argv[index];
        if option.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if option.eq_ignore_ascii_case(b"db") && index + 1 < argv.len() {
            let Some(db) = parse_db_index(server, client, &argv[index + 1]) else {
                return;
            };
            target_db = db;
            index += 1;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
        index += 1;
    }
    let (from, to) = (&argv[1], &argv[2]);
    if source_db == target_db && from == to {
        return client.reply_error(SAME_OBJECT);
    }
    let now = server.now_ms;
    super::count_reads(server, client, true);
    let source = server.dbs[source_db]
        .lookup_with_expiry(from, now)
        .map(|(entry, expire_at_ms)| (entry.value.clone(), expire_at_ms));
    super::count_reads(server, client, false);
    let Some((value, expire_at_ms)) = source else {
        return client.reply_integer(0);
    };
    let target = &mut server.dbs[target_db];
    if target.contains(to, now) {
        if !replace {
            return client.reply_integer(0);
        }
        target.remove(to, now);
    }
    target.insert(to, value, expire_at_ms);
    server.dirty += 1;
    server.notify_keyspace_event(Some(client), notify::GENERIC, "copy_to", to, target_db);
    client.reply_integer(1);
}

/// MOVE key db
pub const MOVE: CommandSpec = CommandSpec {
    name: "move",
    arity: 3,
    flags: flags::WRITE | flags::FAST,
    acl: acl::KEYSPACE,
    tips: &[],
    key_specs: &[key_at(&["RW", "access", "update"], 1)],
    doc: Doc {
        summary: "Moves a key to another database",
        since: "1.0.0",
        group: "generic",
        complexity: "O(1)",
        args: &[Arg::key("key", 0), Arg::new("db", ArgKind::Integer)],
    },
    subcommands: &[],
    handler: Some(move_key),
};

fn move_key(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(target_db) = parse_db_index(server, client, &argv[2]) else {
        return;
    };
    if target_db == client.db {
        return client.reply_error(SAME_OBJECT);
    }
    let key = &argv[1];
    let now = server.now_ms;
    if server.dbs[client.db].lookup(key, now).is_none() || server.dbs[target_db].contains(key, now)
    {
        return client.reply_integer(0);
    }
    if let Some(taken) = server.dbs[client.db].take(key, now) {
        server.dbs[target_db].insert_taken(key, taken);
    }
    server.dirty += 1;
    let source_db = client.db;
    server.notify_keyspace_event(Some(client), notify::GENERIC, "move_from", key, source_db);
    server.notify_keyspace_event(Some(client), notify::GENERIC, "move_to", key, target_db);
    client.reply_integer(1);
}

/// SWAPDB index1 index2
pub const SWAPDB: CommandSpec = CommandSpec {
    name: "swapdb",
    arity: 3,
    flags: flags::WRITE | flags::FAST,
    acl: acl::KEYSPACE | acl::DANGEROUS,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Swaps two Redis databases",
        since: "4.0.0",
        group: "server",
        complexity:
            "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        args: &[
            Arg::new("index1", ArgKind::Integer),
            Arg::new("index2", ArgKind::Integer),
        ],
    },
    subcommands: &[],
    handler: Some(swapdb),
};

fn swapdb(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: both indexes are parsed before either is range checked.
    let parse = |arg: &[u8]| super::parse_i64(arg).filter(|n| i32::try_from(*n).is_ok());
    let Some(first) = parse(&argv[1]) else {
        return client.reply_error("invalid first DB index");
    };
    let Some(second) = parse(&argv[2]) else {
        return client.reply_error("invalid second DB index");
    };
    let count = server.dbs.len();
    let (Ok(first), Ok(second)) = (usize::try_from(first), usize::try_from(second)) else {
        return client.reply_error(errors::DB_INDEX_OUT_OF_RANGE);
    };
    if first >= count || second >= count {
        return client.reply_error(errors::DB_INDEX_OUT_OF_RANGE);
    }
    server.dbs.swap(first, second);
    if !server.watched_keys.is_empty() && first != second {
        touch_swapped_watched_keys(server, client, first, second);
    }
    server.signal_all_keys_of_db(first);
    server.signal_all_keys_of_db(second);
    server.dirty += 1;
    client.reply_ok();
}

/// After SWAPDB, dooms the WATCHes of keys in either database whose
/// logical state changed: live before or after the swap (Redis compat: a
/// key absent or expired on both sides is no change, even if it now
/// exists, expired, where it did not).
fn touch_swapped_watched_keys(
    server: &mut Server,
    client: &mut Client,
    first: usize,
    second: usize,
) {
    let now = server.now_ms;
    let changed: Vec<(usize, Vec<u8>)> = server
        .watched_keys
        .keys()
        .filter_map(|(db, key)| {
            let before = match *db {
                db if db == first => second,
                db if db == second => first,
                _ => return None,
            };
            let live_before = server.dbs[before].get_for_watch(key, now);
            let live_after = server.dbs[*db].get_for_watch(key, now);
            (live_before || live_after).then(|| (*db, key.clone()))
        })
        .collect();
    for (db, key) in changed {
        server.touch_key(client, db, &key);
    }
}

/// RANDOMKEY
pub const RANDOMKEY: CommandSpec = CommandSpec {
    name: "randomkey",
    arity: 1,
    flags: flags::READONLY | flags::TOUCHES_ARBITRARY_KEYS,
    acl: acl::KEYSPACE,
    tips: &["request_policy:all_shards", "nondeterministic_output"],
    key_specs: &[],
    doc: Doc {
        summary: "Returns a random key name from the database",
        since: "1.0.0",
        group: "generic",
        complexity: "O(1)",
        args: &[],
    },
    subcommands: &[],
    handler: Some(randomkey),
};

fn randomkey(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let now = server.now_ms;
    match server.dbs[client.db].random_key(now) {
        Some(key) => client.reply_bulk(&key),
        None => client.reply_null(),
    }
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
pub const SCAN: CommandSpec = CommandSpec {
    name: "scan",
    arity: -2,
    flags: flags::READONLY | flags::TOUCHES_ARBITRARY_KEYS,
    acl: acl::KEYSPACE,
    tips: &["nondeterministic_output", "request_policy:special"],
    key_specs: &[],
    doc: Doc {
        summary: "Iterates over the key names in the database",
        since: "2.8.0",
        group: "generic",
        complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        args: &[
            Arg::new("cursor", ArgKind::Integer),
            Arg::new("pattern", ArgKind::Pattern)
                .with_token("MATCH")
                .optional(),
            Arg::new("count", ArgKind::Integer)
                .with_token("COUNT")
                .optional(),
            Arg::new("type", ArgKind::String)
                .with_token("TYPE")
                .optional()
                .since("6.0.0"),
        ],
    },
    subcommands: &[],
    handler: Some(scan),
};

/// Parses a SCAN cursor as C's `strtoul` in base 10 does, as Redis does:
/// optional sign (a minus negates modulo 2^64), digits, nothing after;
/// no leading space; an empty string is cursor 0.
fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let (negative, digits) = match arg.first() {
        None => return Some(0),
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        Some(_) => (false, arg),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
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

fn scan(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(mut cursor) = parse_cursor(&argv[1]) else {
        return client.reply_error("invalid cursor");
    };
    let mut count: i64 = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut type_name: Option<&[u8]> = None;
    let mut index = 2;
    while index < argv.len() {
        let option = &argv[index];
        let has_value = index + 1 < argv.len();
        if option.eq_ignore_ascii_case(b"count") && has_value {
            let Some(n) = super::parse_i64(&argv[index + 1]) else {
                return client.reply_error(errors::NOT_INTEGER);
            };
            if n < 1 {
                return client.reply_error(errors::SYNTAX);
            }
            count = n;
        } else if option.eq_ignore_ascii_case(b"match") && has_value {
            let value = &argv[index + 1];
            pattern = (value != b"*").then_some(value);
        } else if option.eq_ignore_ascii_case(b"type") && has_value {
            type_name = Some(&argv[index + 1]);
        } else {
            return client.reply_error(errors::SYNTAX);
        }
        index += 2;
    }
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    let mut keys: Vec<Vec<u8>> = Vec::new();
    // Redis compat: at most count*10 table steps per call, so a sparse
    // table cannot make one call walk the whole table.
    let mut steps_left = count.saturating_mul(10);
    loop {
        cursor = db.scan(cursor, |entry, _| keys.push(entry.key().to_vec()));
        if cursor == 0 || steps_left == 0 || keys.len() as i64 >= count {
            break;
        }
        steps_left -= 1;
    }
    keys.retain(|key| {
        if let Some(pattern) = pattern {
            if !vireo_core::glob::matches(pattern, key, false) {
                return false;
            }
        }
        // Redis compat: the TYPE filter reads each key with lookupKeyRead
        // (a counted hit or miss); otherwise keys are only expired.
        match type_name {
            None => db.is_live(key, now).is_some(),
            Some(name) => db.peek(key, now).is_some_and(|(entry, _)| {
                name.eq_ignore_ascii_case(entry.value.type_name().as_bytes())
            }),
        }
    });
    client.reply_array_len(2);
    client.reply_bulk(cursor.to_string().as_bytes());
    client.reply_array_len(keys.len());
    for key in &keys {
        client.reply_bulk(key);
    }
}

const OBJECT_KEY_SPECS: &[KeySpec] = &[key_at(&["RO"], 2)];

const fn object_sub(
    name: &'static str,
    summary: &'static str,
    since: &'static str,
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: 3,
        flags: flags::READONLY,
        acl: acl::KEYSPACE,
        tips: &["nondeterministic_output"],
        key_specs: OBJECT_KEY_SPECS,
        doc: Doc {
            summary,
            since,
            group: "generic",
            complexity: "O(1)",
            args: ONE_KEY,
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

/// OBJECT subcommand [arguments]
pub const OBJECT: CommandSpec = CommandSpec {
    name: "object",
    arity: -2,
    flags: 0,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "A container for object introspection commands",
        since: "2.2.3",
        group: "generic",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[
        object_sub(
            "encoding",
            "Returns the internal encoding of a Redis object",
            "2.2.3",
            object_encoding,
        ),
        object_sub(
            "freq",
            "Returns the logarithmic access frequency counter of a Redis object",
            "4.0.0",
            object_freq,
        ),
        CommandSpec {
            name: "help",
            arity: 2,
            flags: flags::LOADING | flags::STALE,
            acl: acl::KEYSPACE,
            tips: &[],
            key_specs: &[],
            doc: Doc {
                summary: "Returns helpful text about the different subcommands",
                since: "6.2.0",
                group: "generic",
                complexity: "O(1)",
                args: &[],
            },
            subcommands: &[],
            handler: Some(object_help),
        },
        object_sub(
            "idletime",
            "Returns the time since the last access to a Redis object",
            "2.2.3",
            object_idletime,
        ),
        object_sub(
            "refcount",
            "Returns the reference count of a value of a key",
            "2.2.3",
            object_refcount,
        ),
    ],
    handler: None,
};

/// The value at `key` for OBJECT, without recording an access; replies
/// null and returns `None` if there is none.
fn object_lookup<'a>(
    server: &'a mut Server,
    client: &mut Client,
    key: &[u8],
) -> Option<(&'a vireo_core::db::Entry, i64)> {
    let now = server.now_ms;
    let found = server.dbs[client.db].peek_for_object(key, now);
    if found.is_none() {
        client.reply_null();
    }
    found
}

fn object_encoding(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if let Some((entry, _)) = object_lookup(server, client, &argv[2]) {
        let encoding = entry.value.encoding();
        client.reply_bulk(encoding.as_bytes());
    }
}

fn object_freq(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if object_lookup(server, client, &argv[2]).is_some() {
        // Redis compat: frequency is only tracked under an LFU
        // maxmemory-policy, and the only policy so far is noeviction.
        client.reply_error("An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    }
}

fn object_idletime(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let clock = lru_clock(server.now_ms);
    if let Some((entry, _)) = object_lookup(server, client, &argv[2]) {
        let idle = clock.wrapping_sub(entry.lru());
        client.reply_integer(i64::from(idle));
    }
}

/// Redis compat: integers 0..10000 are shared objects in Redis, whose
/// reference count reads as INT_MAX.
fn refcount(value: &Value) -> i64 {
    match value {
        Value::Str(StrValue::Int(n)) if (0..10_000).contains(n) => i64::from(i32::MAX),
        _ => 1,
    }
}

fn object_refcount(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if let Some((entry, _)) = object_lookup(server, client, &argv[2]) {
        let count = refcount(&entry.value);
        client.reply_integer(count);
    }
}

fn object_help(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    reply_help(
        client,
        &argv[0],
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
}

/// DUMP key
pub const DUMP: CommandSpec = CommandSpec {
    name: "dump",
    arity: 2,
    flags: flags::READONLY,
    acl: acl::KEYSPACE,
    tips: &["nondeterministic_output"],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns the serialized value of a key, in the format RESTORE reads",
        since: "2.6.0",
        group: "generic",
        complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
        args: ONE_KEY,
    },
    subcommands: &[],
    handler: Some(dump),
};

fn dump(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let compression = server.config.rdbcompression;
    match server.dbs[client.db].lookup(&argv[1], now) {
        Some(entry) => {
            let payload = rdb::dump::create_payload(&entry.value, compression);
            client.reply_bulk(&payload);
        }
        None => client.reply_null(),
    }
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
pub const RESTORE: CommandSpec = CommandSpec {
    name: "restore",
    arity: -4,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::KEYSPACE | acl::DANGEROUS,
    tips: &[],
    key_specs: &[key_at(&["OW", "update"], 1)],
    doc: Doc {
        summary: "Creates a key from a value serialized by DUMP",
        since: "2.6.0",
        group: "generic",
        complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
        args: &[
            Arg::key("key", 0),
            Arg::new("ttl", ArgKind::Integer),
            Arg::new("serialized-value", ArgKind::String),
            Arg::token("replace", "REPLACE").optional().since("3.0.0"),
            Arg::token("absttl", "ABSTTL").optional().since("5.0.0"),
            Arg::new("seconds", ArgKind::Integer)
                .with_token("IDLETIME")
                .optional()
                .since("5.0.0"),
            Arg::new("frequency", ArgKind::Integer)
                .with_token("FREQ")
                .optional()
                .since("5.0.0"),
        ],
    },
    subcommands: &[],
    handler: Some(restore),
};

fn restore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let (mut replace, mut absttl) = (false, false);
    let mut idle_seconds: Option<i64> = None;
    let mut frequency: Option<i64> = None;
    let mut index = 4;
    while index < argv.len() {
        let option = &argv[index];
        let has_value = index + 1 < argv.len();
        if option.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if option.eq_ignore_ascii_case(b"absttl") {
            absttl = true;
        // Redis compat: IDLETIME and FREQ exclude each other; the second
        // one given is a syntax error.
        } else if option.eq_ignore_ascii_case(b"idletime") && has_value && frequency.is_none() {
            let Some(seconds) = super::parse_i64(&argv[index + 1]) else {
                return client.reply_error(errors::NOT_INTEGER);
            };
            if seconds < 0 {
                return client.reply_error(errors::RESTORE_INVALID_IDLETIME);
            }
            idle_seconds = Some(seconds);
            index += 1;
        } else if option.eq_ignore_ascii_case(b"freq") && has_value && idle_seconds.is_none() {
            let Some(value) = super::parse_i64(&argv[index + 1]) else {
                return client.reply_error(errors::NOT_INTEGER);
            };
            if !(0..=255).contains(&value) {
                return client.reply_error(errors::RESTORE_INVALID_FREQ);
            }
            frequency = Some(value);
            index += 1;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
        index += 1;
    }
    let key = &argv[1];
    let now = server.now_ms;
    // Redis compat: the key is checked before the TTL and the payload.
    if !replace && server.dbs[client.db].contains(key, now) {
        return client.reply_error(errors::BUSYKEY);
    }
    let Some(ttl) = super::parse_i64(&argv[2]) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    if ttl < 0 {
        return client.reply_error(errors::RESTORE_INVALID_TTL);
    }
    let payload = &argv[3];
    if rdb::dump::verify_footer(payload, !server.skip_checksum_validation).is_err() {
        return client.reply_error(errors::DUMP_PAYLOAD_WRONG);
    }
    let Ok(mut value) = rdb::dump::load_payload(payload) else {
        return client.reply_error(errors::BAD_DATA_FORMAT);
    };
    crate::rdb::fit_to_config(&mut value, &server.config);
    let db = &mut server.dbs[client.db];
    let deleted = replace && db.remove(key, now);
    // A TTL of 0 means no expiry, with or without ABSTTL. Redis compat: a
    // relative TTL so large that the sum overflows wraps to the past.
    let expire_at_ms = match ttl {
        0 => NO_EXPIRY,
        _ if absttl => ttl,
        _ => ttl.wrapping_add(now),
    };
    if expire_at_ms != NO_EXPIRY && expire_at_ms <= now {
        // Already expired: nothing is created, and REPLACE has deleted.
        if deleted {
            server.dirty += 1;
            server.rewrite_propagated(&[b"DEL", key]);
            server.notify(client, notify::GENERIC, "del", key);
        }
        return client.reply_ok();
    }
    db.insert(key, value, expire_at_ms);
    // Redis compat: under an LFU policy IDLETIME is ignored, and otherwise
    // FREQ is; Vireo has no LFU counters yet, so FREQ is validated only.
    let lfu_policy = server
        .config
        .get("maxmemory-policy")
        .is_some_and(|policy| policy.ends_with("lfu"));
    if let (Some(seconds), false) = (idle_seconds, lfu_policy) {
        let idle = u32::try_from(seconds).unwrap_or(u32::MAX);
        if let Some(entry) = server.dbs[client.db].lookup(key, now) {
            entry.set_lru(lru_clock(now).wrapping_sub(idle));
        }
    }
    server.dirty += 1;
    // Redis compat: a relative TTL reaches replicas as an absolute one.
    if server.propagation.enabled && ttl != 0 && !absttl {
        let at = expire_at_ms.to_string();
        let mut args: Vec<&[u8]> = argv.iter().collect();
        args[2] = at.as_bytes();
        args.push(b"ABSTTL");
        server.rewrite_propagated(&args);
    }
    server.notify(client, notify::GENERIC, "restore", key);
    client.reply_ok();
}

/// Redis's `addReplyHelp`: a header naming the command, the lines, and HELP.
pub fn reply_help(client: &mut Client, command: &[u8], lines: &[&str]) {
    client.reply_array_len(lines.len() + 3);
    let mut header: Vec<u8> = command.to_ascii_uppercase();
    header.extend_from_slice(b" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    client.reply_simple(&header);
    for line in lines {
        client.reply_simple(line.as_bytes());
    }
    client.reply_simple(b"HELP");
    client.reply_simple(b"    Prints this help.");
}

/// DEBUG OBJECT key.
pub fn debug_object(server: &mut Server, client: &mut Client, key: &[u8]) {
    let now = server.now_ms;
    let clock = lru_clock(now);
    // Redis compat: DEBUG OBJECT finds the key in the table without judging
    // its expiry time, so a key past its time not yet reclaimed is shown.
    let Some((entry, _)) = server.dbs[client.db].peek_even_if_expired(key, now) else {
        return client.reply_error(NO_SUCH_KEY);
    };
    // Redis compat: the length of the body as DUMP would write it, after
    // any LZF compression.
    let mut writer = rdb::Writer::new(server.config.rdbcompression);
    rdb::object::write_object(&mut writer, &entry.value);
    let mut line = format!(
        "Value at:{:p} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
        entry,
        refcount(&entry.value),
        entry.value.encoding(),
        writer.bytes().len(),
        entry.lru() & 0x00FF_FFFF,
        clock.wrapping_sub(entry.lru()),
    );
    if let Value::List(list) = &entry.value {
        let nodes = list.node_count();
        let average = if nodes == 0 {
            0.0
        } else {
            list.len() as f64 / nodes as f64
        };
        line.push_str(&format!(
            " ql_nodes:{nodes} ql_avg_node:{average:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{}",
            server.config.list_max_listpack_size,
            u8::from(list.compress_depth() != 0),
            list.bytes_len()
        ));
    }
    client.reply_simple(line.as_bytes());
}
