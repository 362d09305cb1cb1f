//! List commands: the PUSH and POP families, LLEN, LRANGE, LINDEX, LSET,
//! LINSERT, LREM, LTRIM, LPOS, LMOVE, RPOPLPUSH and LMPOP.
//!
//! Argument checks happen in Redis's order (some before the key lookup,
//! some after it), because the order decides which error a client sees.

use vireo_core::db::NO_EXPIRY;
use vireo_core::listpack::{LpValue, Where};
use vireo_core::t_list::{clamp_range, List};
use vireo_core::{Db, Value};
use vireo_resp::Argv;

use crate::blocked::{BlockKind, BlockRequest};
use crate::client::Client;
use crate::command::{
    acl, flags, keys_from_1, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec,
    KEY_RO_ACCESS,
};
use crate::errors;
use crate::notify;
use crate::server::Server;

const RW_INSERT: &[KeySpec] = &[keys_from_1(&["RW", "insert"], 0, 1)];
const RW_ACCESS_DELETE: &[KeySpec] = &[keys_from_1(&["RW", "access", "delete"], 0, 1)];
const RW_DELETE: &[KeySpec] = &[keys_from_1(&["RW", "delete"], 0, 1)];
const MOVE_KEYS: &[KeySpec] = &[
    keys_from_1(&["RW", "access", "delete"], 0, 1),
    KeySpec {
        flags: &["RW", "insert"],
        begin_search: BeginSearch::Index(2),
        find_keys: FindKeys::Range {
            last_key: 0,
            key_step: 1,
            limit: 0,
        },
    },
];
const KEY_ELEMENTS: &[Arg] = &[
    Arg::key("key", 0),
    Arg::new("element", ArgKind::String).multiple(),
];
const LEFT_RIGHT: &[Arg] = &[Arg::token("left", "LEFT"), Arg::token("right", "RIGHT")];

/// LPUSH key element [element ...]
pub const LPUSH: CommandSpec = CommandSpec {
    name: "lpush",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::LIST,
    tips: &[],
    key_specs: RW_INSERT,
    doc: Doc {
        summary: "Prepends one or more elements to a list, creating it if absent",
        since: "1.0.0",
        group: "list",
        complexity: "O(1) for each element added",
        args: KEY_ELEMENTS,
    },
    subcommands: &[],
    handler: Some(lpush),
};

/// RPUSH key element [element ...]
pub const RPUSH: CommandSpec = CommandSpec {
    name: "rpush",
    doc: Doc {
        summary: "Appends one or more elements to a list, creating it if absent",
        ..LPUSH.doc
    },
    handler: Some(rpush),
    ..LPUSH
};

/// LPUSHX key element [element ...]
pub const LPUSHX: CommandSpec = CommandSpec {
    name: "lpushx",
    doc: Doc {
        summary: "Prepends one or more elements to a list, only if it exists",
        since: "2.2.0",
        ..LPUSH.doc
    },
    handler: Some(lpushx),
    ..LPUSH
};

/// RPUSHX key element [element ...]
pub const RPUSHX: CommandSpec = CommandSpec {
    name: "rpushx",
    doc: Doc {
        summary: "Appends one or more elements to a list, only if it exists",
        since: "2.2.0",
        ..LPUSH.doc
    },
    handler: Some(rpushx),
    ..LPUSH
};

/// Which end of a list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Head,
    Tail,
}

fn lpush(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    push(server, client, argv, End::Head, false);
}

fn rpush(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    push(server, client, argv, End::Tail, false);
}

fn lpushx(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    push(server, client, argv, End::Head, true);
}

fn rpushx(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    push(server, client, argv, End::Tail, true);
}

/// The list at `key`: `Ok(None)` if absent, `Err(())` after replying
/// WRONGTYPE for another type.
fn list_mut<'a>(
    db: &'a mut Db,
    client: &mut Client,
    key: &[u8],
    now: i64,
) -> Result<Option<&'a mut List>, ()> {
    match db.lookup(key, now) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::List(list) => Ok(Some(list)),
            _ => {
                client.reply_error(errors::WRONGTYPE);
                Err(())
            }
        },
    }
}

/// The keyspace event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// Announces elements popped from `key`'s `end`, then the key's removal
/// when the pop `emptied` the list.
fn announce_pop(server: &mut Server, client: &mut Client, key: &[u8], end: End, emptied: bool) {
    let event = match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    };
    server.notify(client, notify::LIST, event, key);
    if emptied {
        server.notify(client, notify::GENERIC, "del", key);
    }
}

fn push_one(list: &mut List, end: End, element: &[u8], fill: i64) {
    match end {
        End::Head => list.push_front(element, fill),
        End::Tail => list.push_back(element, fill),
    }
}

fn push(server: &mut Server, client: &mut Client, argv: Argv<'_>, end: End, only_existing: bool) {
    let now = server.now_ms;
    let fill = server.config.list_max_listpack_size;
    let db = &mut server.dbs[client.db];
    let key = &argv[1];
    let len = match list_mut(db, client, key, now) {
        Err(()) => return,
        Ok(None) if only_existing => return client.reply_integer(0),
        Ok(None) => {
            let mut list = List::with_compress_depth(server.config.list_compress_depth);
            for element in argv.iter().skip(2) {
                push_one(&mut list, end, element, fill);
            }
            let len = list.len();
            db.insert(key, Value::List(Box::new(list)), NO_EXPIRY);
            len
        }
        Ok(Some(list)) => {
            for element in argv.iter().skip(2) {
                push_one(list, end, element, fill);
            }
            list.len()
        }
    };
    server.dirty += (argv.len() - 2) as u64;
    client.reply_integer(len as i64);
    server.notify(client, notify::LIST, push_event(end), key);
}

/// LPOP key [count]
pub const LPOP: CommandSpec = CommandSpec {
    name: "lpop",
    arity: -2,
    flags: flags::WRITE | flags::FAST,
    acl: acl::LIST,
    tips: &[],
    key_specs: RW_ACCESS_DELETE,
    doc: Doc {
        summary: "Removes and returns the first elements of a list",
        since: "1.0.0",
        group: "list",
        complexity: "O(N) where N is the number of elements returned",
        args: &[
            Arg::key("key", 0),
            Arg::new("count", ArgKind::Integer)
                .optional()
                .since("6.2.0"),
        ],
    },
    subcommands: &[],
    handler: Some(lpop),
};

/// RPOP key [count]
pub const RPOP: CommandSpec = CommandSpec {
    name: "rpop",
    doc: Doc {
        summary: "Removes and returns the last elements of a list",
        ..LPOP.doc
    },
    handler: Some(rpop),
    ..LPOP
};

fn lpop(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    pop(server, client, argv, End::Head);
}

fn rpop(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    pop(server, client, argv, End::Tail);
}

/// Parses a count that must be at least 0 (Redis's
/// getPositiveLongFromObjectOrReply), replying `message`, or the generic
/// "must be positive" error, when it is not.
// Redis compat: a non-integer gets the same message as a negative value.
fn parse_non_negative(client: &mut Client, arg: &[u8], message: Option<&str>) -> Option<i64> {
    match super::parse_i64(arg) {
        Some(value) if value >= 0 => Some(value),
        _ => {
            client.reply_error(message.unwrap_or("value is out of range, must be positive"));
            None
        }
    }
}

fn reply_value(client: &mut Client, value: LpValue<'_>) {
    match value {
        LpValue::Str(bytes) => client.reply_bulk(bytes),
        LpValue::Int(n) => client.reply_bulk(vireo_core::util::format_i64(&mut [0; 20], n)),
    }
}

/// Replies with up to `count` elements from `end` (in pop order) and
/// removes them; returns how many.
fn pop_range_and_reply(client: &mut Client, list: &mut List, end: End, count: usize) -> usize {
    let count = count.min(list.len());
    client.reply_array_len(count);
    match end {
        End::Head => {
            for value in list.iter_from(0).take(count) {
                reply_value(client, value);
            }
            list.delete_range(0, count);
        }
        End::Tail => {
            for value in list.iter_back_from(list.len() - 1).take(count) {
                reply_value(client, value);
            }
            list.delete_range(-(count as i64), count);
        }
    }
    count
}

fn pop(server: &mut Server, client: &mut Client, argv: Argv<'_>, end: End) {
    if argv.len() > 3 {
        return client.reply_error(errors::wrong_arity(if end == End::Head {
            "lpop"
        } else {
            "rpop"
        }));
    }
    let count = match argv.get(2) {
        None => None,
        Some(arg) => match parse_non_negative(client, arg, None) {
            Some(count) => Some(count),
            None => return,
        },
    };
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    let key = &argv[1];
    let list = match list_mut(db, client, key, now) {
        Err(()) => return,
        Ok(None) if count.is_some() => return client.reply_null_array(),
        Ok(None) => return client.reply_null(),
        Ok(Some(list)) => list,
    };
    let removed = match count {
        Some(0) => return client.reply_array_len(0),
        Some(count) => pop_range_and_reply(client, list, end, count as usize),
        None => {
            let value = match end {
                End::Head => list.pop_front(),
                End::Tail => list.pop_back(),
            };
            match value {
                Some(value) => client.reply_bulk(&value),
                None => client.reply_null(),
            }
            1
        }
    };
    let emptied = list.is_empty();
    if emptied {
        db.remove(key, now);
    }
    server.dirty += removed as u64;
    announce_pop(server, client, key, end, emptied);
}

/// LLEN key
pub const LLEN: CommandSpec = CommandSpec {
    name: "llen",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    acl: acl::LIST,
    tips: &[],
    key_specs: &[keys_from_1(&["RO"], 0, 1)],
    doc: Doc {
        summary: "Returns the length of a list",
        since: "1.0.0",
        group: "list",
        complexity: "O(1)",
        args: &[Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(llen),
};

fn llen(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    match list_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => {}
        Ok(None) => client.reply_integer(0),
        Ok(Some(list)) => client.reply_integer(list.len() as i64),
    }
}

/// LRANGE key start stop
pub const LRANGE: CommandSpec = CommandSpec {
    name: "lrange",
    arity: 4,
    flags: flags::READONLY,
    acl: acl::LIST,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns a range of elements from a list",
        since: "1.0.0",
        group: "list",
        complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        args: &[
            Arg::key("key", 0),
            Arg::new("start", ArgKind::Integer),
            Arg::new("stop", ArgKind::Integer),
        ],
    },
    subcommands: &[],
    handler: Some(lrange),
};

/// Parses an integer argument, replying with Redis's error if it is not one.
fn parse_integer(client: &mut Client, arg: &[u8]) -> Option<i64> {
    let parsed = super::parse_i64(arg);
    if parsed.is_none() {
        client.reply_error(errors::NOT_INTEGER);
    }
    parsed
}

fn lrange(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(start) = parse_integer(client, &argv[2]) else {
        return;
    };
    let Some(end) = parse_integer(client, &argv[3]) else {
        return;
    };
    let now = server.now_ms;
    let list = match list_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => return,
        Ok(None) => return client.reply_array_len(0),
        Ok(Some(list)) => list,
    };
    match clamp_range(start, end, list.len()) {
        None => client.reply_array_len(0),
        Some((start, end)) => {
            let count = end - start + 1;
            client.reply_array_len(count);
            // Redis compat: a range nearer the tail is walked from the tail.
            if start > list.len() / 2 {
                let mut values: Vec<LpValue<'_>> = list.iter_back_from(end).take(count).collect();
                values.reverse();
                for value in values {
                    reply_value(client, value);
                }
            } else {
                for value in list.iter_from(start).take(count) {
                    reply_value(client, value);
                }
            }
        }
    }
    list.release_read_copies();
}

/// LINDEX key index
pub const LINDEX: CommandSpec = CommandSpec {
    name: "lindex",
    arity: 3,
    flags: flags::READONLY,
    acl: acl::LIST,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns an element from a list by its index",
        since: "1.0.0",
        group: "list",
        complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        args: &[Arg::key("key", 0), Arg::new("index", ArgKind::Integer)],
    },
    subcommands: &[],
    handler: Some(lindex),
};

fn lindex(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let list = match list_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => return,
        Ok(None) => return client.reply_null(),
        Ok(Some(list)) => list,
    };
    let Some(index) = parse_integer(client, &argv[2]) else {
        return;
    };
    match list.get(index) {
        Some(value) => reply_value(client, value),
        None => client.reply_null(),
    }
    list.release_read_copies();
}

/// LSET key index element
pub const LSET: CommandSpec = CommandSpec {
    name: "lset",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::LIST,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "update"], 0, 1)],
    doc: Doc {
        summary: "Sets the value of an element in a list by its index",
        since: "1.0.0",
        group: "list",
        complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        args: &[
            Arg::key("key", 0),
            Arg::new("index", ArgKind::Integer),
            Arg::new("element", ArgKind::String),
        ],
    },
    subcommands: &[],
    handler: Some(lset),
};

fn lset(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let fill = server.config.list_max_listpack_size;
    let list = match list_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => return,
        Ok(None) => return client.reply_error(errors::NO_SUCH_KEY),
        Ok(Some(list)) => list,
    };
    let Some(index) = parse_integer(client, &argv[2]) else {
        return;
    };
    if list.set(index, &argv[3], fill) {
        server.dirty += 1;
        client.reply_ok();
        server.notify(client, notify::LIST, "lset", &argv[1]);
    } else {
        client.reply_error(errors::INDEX_OUT_OF_RANGE);
    }
}

/// LINSERT key BEFORE|AFTER pivot element
pub const LINSERT: CommandSpec = CommandSpec {
    name: "linsert",
    arity: 5,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::LIST,
    tips: &[],
    key_specs: RW_INSERT,
    doc: Doc {
        summary: "Inserts an element before or after another element in a list",
        since: "2.2.0",
        group: "list",
        complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        args: &[
            Arg::key("key", 0),
            Arg::new("where", ArgKind::OneOf).of(&[
                Arg::token("before", "BEFORE"),
                Arg::token("after", "AFTER"),
            ]),
            Arg::new("pivot", ArgKind::String),
            Arg::new("element", ArgKind::String),
        ],
    },
    subcommands: &[],
    handler: Some(linsert),
};

fn linsert(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let place = if argv[2].eq_ignore_ascii_case(b"after") {
        Where::After
    } else if argv[2].eq_ignore_ascii_case(b"before") {
        Where::Before
    } else {
        return client.reply_error(errors::SYNTAX);
    };
    let now = server.now_ms;
    let fill = server.config.list_max_listpack_size;
    let list = match list_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => return,
        Ok(None) => return client.reply_integer(0),
        Ok(Some(list)) => list,
    };
    let pivot = &argv[3];
    let Some(index) = list.iter().position(|value| value.eq_bytes(pivot)) else {
        return client.reply_integer(-1);
    };
    list.insert(index, place, &argv[4], fill);
    let len = list.len();
    server.dirty += 1;
    server.notify(client, notify::LIST, "linsert", &argv[1]);
    client.reply_integer(len as i64);
}

/// LREM key count element
pub const LREM: CommandSpec = CommandSpec {
    name: "lrem",
    arity: 4,
    flags: flags::WRITE,
    acl: acl::LIST,
    tips: &[],
    key_specs: RW_DELETE,
    doc: Doc {
        summary: "Removes elements from a list",
        since: "1.0.0",
        group: "list",
        complexity:
            "O(N+M) where N is the length of the list and M is the number of elements removed.",
        args: &[
            Arg::key("key", 0),
            Arg::new("count", ArgKind::Integer),
            Arg::new("element", ArgKind::String),
        ],
    },
    subcommands: &[],
    handler: Some(lrem),
};

fn lrem(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(count) = parse_integer(client, &argv[2]) else {
        return;
    };
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    let list = match list_mut(db, client, &argv[1], now) {
        Err(()) => return,
        Ok(None) => return client.reply_integer(0),
        Ok(Some(list)) => list,
    };
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = list.remove_matching(&argv[3], limit, count < 0);
    let emptied = list.is_empty();
    if emptied {
        db.remove(&argv[1], now);
    }
    server.dirty += removed as u64;
    if removed > 0 {
        server.notify(client, notify::LIST, "lrem", &argv[1]);
    }
    if emptied {
        server.notify(client, notify::GENERIC, "del", &argv[1]);
    }
    client.reply_integer(removed as i64);
}

/// LTRIM key start stop
pub const LTRIM: CommandSpec = CommandSpec {
    name: "ltrim",
    arity: 4,
    flags: flags::WRITE,
    acl: acl::LIST,
    tips: &[],
    key_specs: RW_DELETE,
    doc: Doc {
        summary: "Removes elements from both ends a list, keeping only a range",
        since: "1.0.0",
        group: "list",
        complexity: "O(N) where N is the number of elements to be removed by the operation.",
        args: &[
            Arg::key("key", 0),
            Arg::new("start", ArgKind::Integer),
            Arg::new("stop", ArgKind::Integer),
        ],
    },
    subcommands: &[],
    handler: Some(ltrim),
};

fn ltrim(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(start) = parse_integer(client, &argv[2]) else {
        return;
    };
    let Some(end) = parse_integer(client, &argv[3]) else {
        return;
    };
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    let list = match list_mut(db, client, &argv[1], now) {
        Err(()) => return,
        Ok(None) => return client.reply_ok(),
        Ok(Some(list)) => list,
    };
    let len = list.len();
    let (left, right) = match clamp_range(start, end, len) {
        None => (len, 0),
        Some((start, end)) => (start, len - end - 1),
    };
    list.delete_range(0, left);
    if right > 0 {
        list.delete_range(-(right as i64), right);
    }
    let emptied = list.is_empty();
    if emptied {
        db.remove(&argv[1], now);
    }
    server.dirty += (left + right) as u64;
    server.notify(client, notify::LIST, "ltrim", &argv[1]);
    if emptied {
        server.notify(client, notify::GENERIC, "del", &argv[1]);
    }
    client.reply_ok();
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
pub const LPOS: CommandSpec = CommandSpec {
    name: "lpos",
    arity: -3,
    flags: flags::READONLY,
    acl: acl::LIST,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns the index of matching elements in a list",
        since: "6.0.6",
        group: "list",
        complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        args: &[
            Arg::key("key", 0),
            Arg::new("element", ArgKind::String),
            Arg::new("rank", ArgKind::Integer)
                .with_token("RANK")
                .optional(),
            Arg::new("num-matches", ArgKind::Integer)
                .with_token("COUNT")
                .optional(),
            Arg::new("len", ArgKind::Integer)
                .with_token("MAXLEN")
                .optional(),
        ],
    },
    subcommands: &[],
    handler: Some(lpos),
};

fn lpos(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let mut index = 3;
    while index < argv.len() {
        let option = &argv[index];
        let value = argv.get(index + 1);
        match value {
            Some(value) if option.eq_ignore_ascii_case(b"RANK") => {
                let Some(parsed) = parse_integer(client, value) else {
                    return;
                };
                if parsed == 0 {
                    return client.reply_error(errors::LPOS_RANK_ZERO);
                }
                rank = parsed;
            }
            Some(value) if option.eq_ignore_ascii_case(b"COUNT") => {
                match parse_non_negative(client, value, Some("COUNT can't be negative")) {
                    Some(parsed) => count = Some(parsed),
                    None => return,
                }
            }
            Some(value) if option.eq_ignore_ascii_case(b"MAXLEN") => {
                match parse_non_negative(client, value, Some("MAXLEN can't be negative")) {
                    Some(parsed) => maxlen = parsed,
                    None => return,
                }
            }
            _ => return client.reply_error(errors::SYNTAX),
        }
        index += 2;
    }
    // Redis compat: a negative rank searches from the tail; i64::MIN wraps
    // to itself, as in Redis, and then matches from the first hit.
    let from_tail = rank < 0;
    if from_tail {
        rank = rank.wrapping_neg();
    }
    let now = server.now_ms;
    let list = match list_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => return,
        Ok(None) if count.is_some() => return client.reply_array_len(0),
        Ok(None) => return client.reply_null(),
        Ok(Some(list)) => list,
    };
    let element = &argv[2];
    let len = list.len();
    let values: Box<dyn Iterator<Item = LpValue<'_>>> = if from_tail {
        Box::new(list.iter_back_from(len.saturating_sub(1)))
    } else {
        Box::new(list.iter())
    };
    let mut found = Vec::new();
    let mut matches: i64 = 0;
    for (scanned, value) in values.enumerate() {
        if maxlen != 0 && scanned as i64 >= maxlen {
            break;
        }
        if !value.eq_bytes(element) {
            continue;
        }
        matches += 1;
        if matches >= rank {
            let position = if from_tail {
                len - scanned - 1
            } else {
                scanned
            };
            found.push(position as i64);
            match count {
                None => break,
                Some(count) if count != 0 && matches - rank + 1 >= count => break,
                Some(_) => {}
            }
        }
    }
    list.release_read_copies();
    match count {
        Some(_) => {
            client.reply_array_len(found.len());
            for position in found {
                client.reply_integer(position);
            }
        }
        None => match found.first() {
            Some(&position) => client.reply_integer(position),
            None => client.reply_null(),
        },
    }
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
pub const LMOVE: CommandSpec = CommandSpec {
    name: "lmove",
    arity: 5,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::LIST,
    tips: &[],
    key_specs: MOVE_KEYS,
    doc: Doc {
        summary: "Pops an element from a list, pushes it to another list and returns it",
        since: "6.2.0",
        group: "list",
        complexity: "O(1)",
        args: &[
            Arg::key("source", 0),
            Arg::key("destination", 1),
            Arg::new("wherefrom", ArgKind::OneOf).of(LEFT_RIGHT),
            Arg::new("whereto", ArgKind::OneOf).of(LEFT_RIGHT),
        ],
    },
    subcommands: &[],
    handler: Some(lmove),
};

/// RPOPLPUSH source destination
pub const RPOPLPUSH: CommandSpec = CommandSpec {
    name: "rpoplpush",
    arity: 3,
    doc: Doc {
        summary: "Removes the last element of a list, prepends it to another list and returns it",
        since: "1.2.0",
        args: &[Arg::key("source", 0), Arg::key("destination", 1)],
        ..LMOVE.doc
    },
    handler: Some(rpoplpush),
    ..LMOVE
};

fn parse_end(client: &mut Client, arg: &[u8]) -> Option<End> {
    if arg.eq_ignore_ascii_case(b"right") {
        Some(End::Tail)
    } else if arg.eq_ignore_ascii_case(b"left") {
        Some(End::Head)
    } else {
        client.reply_error(errors::SYNTAX);
        None
    }
}

fn lmove(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(from) = parse_end(client, &argv[3]) else {
        return;
    };
    let Some(to) = parse_end(client, &argv[4]) else {
        return;
    };
    move_element(server, client, &argv[1], &argv[2], from, to);
}

fn rpoplpush(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    move_element(server, client, &argv[1], &argv[2], End::Tail, End::Head);
}

fn move_element(
    server: &mut Server,
    client: &mut Client,
    source: &[u8],
    destination: &[u8],
    from: End,
    to: End,
) {
    let now = server.now_ms;
    let fill = server.config.list_max_listpack_size;
    let db = &mut server.dbs[client.db];
    match list_mut(db, client, source, now) {
        Err(()) => return,
        Ok(None) => return client.reply_null(),
        Ok(Some(_)) => {}
    }
    // The destination's type is checked before anything moves.
    let destination_exists = match list_mut(db, client, destination, now) {
        Err(()) => return,
        Ok(found) => found.is_some(),
    };
    let Ok(Some(list)) = list_mut(db, client, source, now) else {
        return;
    };
    let value = match from {
        End::Head => list.pop_front(),
        End::Tail => list.pop_back(),
    };
    let Some(value) = value else {
        return client.reply_null();
    };
    if !destination_exists {
        let depth = server.config.list_compress_depth;
        db.insert(
            destination,
            Value::List(Box::new(List::with_compress_depth(depth))),
            NO_EXPIRY,
        );
    }
    if let Ok(Some(target)) = list_mut(db, client, destination, now) {
        push_one(target, to, &value, fill);
    }
    server.notify(client, notify::LIST, push_event(to), destination);
    client.reply_bulk(&value);
    let db = &mut server.dbs[client.db];
    let mut emptied = false;
    if let Ok(Some(list)) = list_mut(db, client, source, now) {
        if list.is_empty() {
            db.remove(source, now);
            emptied = true;
        }
    }
    server.dirty += 1;
    announce_pop(server, client, source, from, emptied);
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub const LMPOP: CommandSpec = CommandSpec {
    name: "lmpop",
    arity: -4,
    flags: flags::WRITE | flags::MOVABLEKEYS,
    acl: acl::LIST,
    tips: &[],
    key_specs: &[KeySpec {
        flags: &["RW", "access", "delete"],
        begin_search: BeginSearch::Index(1),
        find_keys: FindKeys::Keynum {
            keynum_index: 0,
            first_key: 1,
            key_step: 1,
        },
    }],
    doc: Doc {
        summary: "Pops one or more elements from the first non-empty list of several",
        since: "7.0.0",
        group: "list",
        complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        args: &[
            Arg::new("numkeys", ArgKind::Integer),
            Arg::key("key", 0).multiple(),
            Arg::new("where", ArgKind::OneOf).of(LEFT_RIGHT),
            Arg::new("count", ArgKind::Integer)
                .with_token("COUNT")
                .optional(),
        ],
    },
    subcommands: &[],
    handler: Some(lmpop),
};

fn lmpop(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: both a non-integer and an out-of-range numkeys or count
    // get the same message.
    let numkeys = match super::parse_i64(&argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return client.reply_error("numkeys should be greater than 0"),
    };
    let where_index = match usize::try_from(numkeys + 2) {
        Ok(index) if index < argv.len() => index,
        _ => return client.reply_error(errors::SYNTAX),
    };
    let Some(end) = parse_end(client, &argv[where_index]) else {
        return;
    };
    let mut count: Option<i64> = None;
    let mut index = where_index + 1;
    while index < argv.len() {
        let more = index + 1 < argv.len();
        if count.is_none() && more && argv[index].eq_ignore_ascii_case(b"COUNT") {
            match super::parse_i64(&argv[index + 1]) {
                Some(n) if n >= 1 => count = Some(n),
                _ => return client.reply_error("count should be greater than 0"),
            }
            index += 2;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
    }
    let count = count.unwrap_or(1) as usize;
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    for key in argv.iter().take(where_index).skip(2) {
        let list = match list_mut(db, client, key, now) {
            Err(()) => return,
            Ok(None) => continue,
            Ok(Some(list)) => list,
        };
        client.reply_array_len(2);
        client.reply_bulk(key);
        let removed = pop_range_and_reply(client, list, end, count);
        let emptied = list.is_empty();
        if emptied {
            db.remove(key, now);
        }
        server.dirty += removed as u64;
        propagate_pop(server, key, end, Some(removed));
        announce_pop(server, client, key, end, emptied);
        return;
    }
    client.reply_null_array();
}

/// Redis compat: the multi-key and blocking pops reach replicas as the
/// plain pop they did (`LPOP key [count]`).
fn propagate_pop(server: &mut Server, key: &[u8], end: End, count: Option<usize>) {
    if !server.propagation.enabled {
        return;
    }
    let command: &[u8] = match end {
        End::Head => b"LPOP",
        End::Tail => b"RPOP",
    };
    match count {
        Some(count) => {
            let count = count.to_string();
            server.rewrite_propagated(&[command, key, count.as_bytes()]);
        }
        None => server.rewrite_propagated(&[command, key]),
    }
}

const BLOCKING_POP_KEYS: &[KeySpec] = &[keys_from_1(&["RW", "access", "delete"], -2, 1)];

const fn blocking_pop_spec(
    name: &'static str,
    summary: &'static str,
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: -3,
        flags: flags::WRITE | flags::NOSCRIPT | flags::BLOCKING,
        acl: acl::LIST,
        tips: &[],
        key_specs: BLOCKING_POP_KEYS,
        doc: Doc {
            summary,
            since: "2.0.0",
            group: "list",
            complexity: "O(N) where N is the number of provided keys.",
            args: BLOCKING_POP_ARGS,
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

const BLOCKING_POP_ARGS: &[Arg] = &[
    Arg::key("key", 0).multiple(),
    Arg::new("timeout", ArgKind::Double),
];

/// BLPOP key [key ...] timeout
pub const BLPOP: CommandSpec = blocking_pop_spec(
    "blpop",
    "Pops the first element of the first non-empty list, waiting for one if needed",
    blpop,
);
/// BRPOP key [key ...] timeout
pub const BRPOP: CommandSpec = blocking_pop_spec(
    "brpop",
    "Pops the last element of the first non-empty list, waiting for one if needed",
    brpop,
);

fn blpop(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).take(argv.len() - 2).collect();
    blocking_pop(
        server,
        client,
        &keys,
        &argv[argv.len() - 1],
        End::Head,
        None,
    );
}

fn brpop(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).take(argv.len() - 2).collect();
    blocking_pop(
        server,
        client,
        &keys,
        &argv[argv.len() - 1],
        End::Tail,
        None,
    );
}

/// Whether a blocking command that found nothing must answer at once
/// (inside EXEC, or because its wait ended).
pub(super) fn must_not_wait(client: &Client) -> bool {
    client.deny_blocking || client.blocked.as_ref().is_some_and(|state| state.timed_out)
}

/// The BLPOP/BRPOP/BLMPOP core: pops from the first non-empty list of
/// `keys`, or asks the gate to block. `count` is BLMPOP's (nested replies).
fn blocking_pop(
    server: &mut Server,
    client: &mut Client,
    keys: &[&[u8]],
    timeout: &[u8],
    end: End,
    count: Option<usize>,
) {
    let deadline = match crate::blocked::parse_timeout(timeout, server.now_ms) {
        Ok(deadline) => deadline,
        Err(message) => return client.reply_error(message),
    };
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    for key in keys {
        let list = match list_mut(db, client, key, now) {
            Err(()) => return,
            Ok(None) => continue,
            Ok(Some(list)) => list,
        };
        client.reply_array_len(2);
        client.reply_bulk(key);
        let removed = match count {
            Some(count) => pop_range_and_reply(client, list, end, count),
            None => {
                let value = match end {
                    End::Head => list.pop_front(),
                    End::Tail => list.pop_back(),
                };
                // INVARIANT: stored lists are never empty.
                client.reply_bulk(&value.unwrap_or_default());
                1
            }
        };
        let emptied = list.is_empty();
        if emptied {
            db.remove(key, now);
        }
        server.dirty += removed as u64;
        propagate_pop(server, key, end, count.map(|_| removed));
        announce_pop(server, client, key, end, emptied);
        return;
    }
    if must_not_wait(client) {
        return client.reply_null_array();
    }
    client.block_request = Some(BlockRequest {
        kind: BlockKind::List,
        keys: keys.iter().map(|key| key.to_vec()).collect(),
        deadline_ms: deadline,
        stream_ids: Vec::new(),
    });
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
pub const BLMOVE: CommandSpec = CommandSpec {
    name: "blmove",
    arity: 6,
    flags: flags::WRITE | flags::DENYOOM | flags::NOSCRIPT | flags::BLOCKING,
    acl: acl::LIST,
    tips: &[],
    key_specs: MOVE_KEYS,
    doc: Doc {
        summary: "Moves an element from one list to another, waiting for one if needed",
        since: "6.2.0",
        group: "list",
        complexity: "O(1)",
        args: &[
            Arg::key("source", 0),
            Arg::key("destination", 1),
            Arg::new("wherefrom", ArgKind::OneOf).of(LEFT_RIGHT),
            Arg::new("whereto", ArgKind::OneOf).of(LEFT_RIGHT),
            Arg::new("timeout", ArgKind::Double),
        ],
    },
    subcommands: &[],
    handler: Some(blmove),
};

/// BRPOPLPUSH source destination timeout
pub const BRPOPLPUSH: CommandSpec = CommandSpec {
    name: "brpoplpush",
    arity: 4,
    key_specs: BLMOVE.key_specs,
    doc: Doc {
        summary:
            "Moves the last element of a list to the head of another, waiting for one if needed",
        since: "2.2.0",
        complexity: "O(1)",
        args: &[
            Arg::key("source", 0),
            Arg::key("destination", 1),
            Arg::new("timeout", ArgKind::Double),
        ],
        ..BLMOVE.doc
    },
    handler: Some(brpoplpush),
    ..BLMOVE
};

fn blmove(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(from) = parse_end(client, &argv[3]) else {
        return;
    };
    let Some(to) = parse_end(client, &argv[4]) else {
        return;
    };
    let dirty_before = server.dirty;
    blocking_move(server, client, &argv[1], &argv[2], from, to, &argv[5]);
    if server.dirty != dirty_before {
        server.rewrite_propagated(&[b"LMOVE", &argv[1], &argv[2], &argv[3], &argv[4]]);
    }
}

fn brpoplpush(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let dirty_before = server.dirty;
    blocking_move(
        server,
        client,
        &argv[1],
        &argv[2],
        End::Tail,
        End::Head,
        &argv[3],
    );
    if server.dirty != dirty_before {
        server.rewrite_propagated(&[b"RPOPLPUSH", &argv[1], &argv[2]]);
    }
}

fn blocking_move(
    server: &mut Server,
    client: &mut Client,
    source: &[u8],
    destination: &[u8],
    from: End,
    to: End,
    timeout: &[u8],
) {
    let deadline = match crate::blocked::parse_timeout(timeout, server.now_ms) {
        Ok(deadline) => deadline,
        Err(message) => return client.reply_error(message),
    };
    let now = server.now_ms;
    match list_mut(&mut server.dbs[client.db], client, source, now) {
        Err(()) => return,
        Ok(Some(_)) => return move_element(server, client, source, destination, from, to),
        Ok(None) => {}
    }
    if client.deny_blocking {
        // Redis compat: inside EXEC this replies a null bulk string...
        return client.reply_null();
    }
    if must_not_wait(client) {
        // ...but a timed-out wait replies a null array, like the other
        // blocking list commands.
        return client.reply_null_array();
    }
    client.block_request = Some(BlockRequest {
        kind: BlockKind::List,
        keys: vec![source.to_vec()],
        deadline_ms: deadline,
        stream_ids: Vec::new(),
    });
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub const BLMPOP: CommandSpec = CommandSpec {
    name: "blmpop",
    arity: -5,
    flags: flags::WRITE | flags::BLOCKING | flags::MOVABLEKEYS,
    acl: acl::LIST,
    tips: &[],
    key_specs: &[KeySpec {
        flags: &["RW", "access", "delete"],
        begin_search: BeginSearch::Index(2),
        find_keys: FindKeys::Keynum { keynum_index: 0, first_key: 1, key_step: 1 },
    }],
    doc: Doc {
        summary: "Pops elements from the first non-empty list of several, waiting for one if needed",
        since: "7.0.0",
        group: "list",
        complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        args: &[
            Arg::new("timeout", ArgKind::Double),
            Arg::new("numkeys", ArgKind::Integer),
            Arg::key("key", 0).multiple(),
            Arg::new("where", ArgKind::OneOf).of(LEFT_RIGHT),
            Arg::new("count", ArgKind::Integer).with_token("COUNT").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(blmpop),
};

fn blmpop(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let numkeys = match super::parse_i64(&argv[2]) {
        Some(n) if n >= 1 => n as u64,
        _ => return client.reply_error("numkeys should be greater than 0"),
    };
    let where_index = match usize::try_from(numkeys + 3) {
        Ok(index) if index < argv.len() => index,
        _ => return client.reply_error(errors::SYNTAX),
    };
    let Some(end) = parse_end(client, &argv[where_index]) else {
        return;
    };
    let mut count: Option<i64> = None;
    let mut index = where_index + 1;
    while index < argv.len() {
        let more = index + 1 < argv.len();
        if count.is_none() && more && argv[index].eq_ignore_ascii_case(b"COUNT") {
            match super::parse_i64(&argv[index + 1]) {
                Some(n) if n >= 1 => count = Some(n),
                _ => return client.reply_error("count should be greater than 0"),
            }
            index += 2;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
    }
    let keys: Vec<&[u8]> = argv.iter().take(where_index).skip(3).collect();
    blocking_pop(
        server,
        client,
        &keys,
        &argv[1],
        end,
        Some(count.unwrap_or(1) as usize),
    );
}
