//! Generic key commands: DEL, UNLINK, EXISTS, TOUCH, TYPE, KEYS, the TTL
//! family, the EXPIRE family and PERSIST.

use vireo_core::db::NO_EXPIRY;
use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, keys_from_1, Arg, ArgKind, CommandSpec, Doc, KEY_RO_ACCESS};
use crate::errors;
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
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    let removed = argv
        .iter()
        .skip(1)
        .filter(|key| db.remove(key, now))
        .count();
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
    // Redis compat: a key named twice counts twice.
    let count = argv
        .iter()
        .skip(1)
        .filter(|key| db.contains(key, now))
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
    handler: Some(del),
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
    let name = server.dbs[client.db]
        .get(&argv[1], now)
        .map_or("none", |value| value.type_name());
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
    if when <= now {
        db.remove(&argv[1], now);
    } else {
        db.set_expiry(&argv[1], when, now);
    }
    server.dirty += 1;
    client.reply_integer(1);
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
