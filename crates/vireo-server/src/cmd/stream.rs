//! Stream commands: XADD, XLEN, XRANGE/XREVRANGE, XDEL, XTRIM, XSETID,
//! XREAD and XREADGROUP (blocking), XGROUP, XACK, XPENDING, XCLAIM,
//! XAUTOCLAIM and XINFO.
//!
//! Argument checks run in Redis's order (some commands look the key up
//! before parsing the rest, some after), since which error wins is visible
//! to clients. Time (IDs from `*`, delivery and seen times, idle times) is
//! the server's `now_ms`.

use vireo_core::t_stream::{
    AddError, ConsumerGroup, Entry, IdSpec, Stream, StreamId, Trim, TrimStrategy,
    INVALID_ENTRIES_READ,
};
use vireo_core::{Db, Value};
use vireo_resp::Argv;

use crate::blocked::{BlockKind, BlockRequest};
use crate::client::Client;
use crate::command::{
    acl, flags, keys_from_1, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec,
};
use crate::errors;
use crate::notify;
use crate::server::Server;

const RO: &[KeySpec] = &[keys_from_1(&["RO"], 0, 1)];
const RO_ACCESS: &[KeySpec] = &[keys_from_1(&["RO", "access"], 0, 1)];
const RW_UPDATE: &[KeySpec] = &[keys_from_1(&["RW", "update"], 0, 1)];
const RW_DELETE: &[KeySpec] = &[keys_from_1(&["RW", "delete"], 0, 1)];

const fn key_at_2(flags: &'static [&'static str]) -> KeySpec {
    KeySpec {
        flags,
        begin_search: BeginSearch::Index(2),
        find_keys: FindKeys::Range {
            last_key: 0,
            key_step: 1,
            limit: 0,
        },
    }
}

const fn streams_keys(start_from: i32) -> KeySpec {
    KeySpec {
        flags: &["RO", "access"],
        begin_search: BeginSearch::Keyword {
            keyword: "STREAMS",
            start_from,
        },
        find_keys: FindKeys::Range {
            last_key: -1,
            key_step: 1,
            limit: 2,
        },
    }
}

const fn doc(summary: &'static str, since: &'static str, complexity: &'static str) -> Doc {
    Doc {
        summary,
        since,
        group: "stream",
        complexity,
        args: &[],
    }
}

const fn spec(
    name: &'static str,
    arity: i32,
    flags: u64,
    key_specs: &'static [KeySpec],
    doc: Doc,
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        acl: acl::STREAM,
        tips: &[],
        key_specs,
        doc,
        subcommands: &[],
        handler: Some(handler),
    }
}

const KEY_START_END_COUNT: &[Arg] = &[
    Arg::key("key", 0),
    Arg::new("start", ArgKind::String),
    Arg::new("end", ArgKind::String),
    Arg::new("count", ArgKind::Integer)
        .with_token("COUNT")
        .optional(),
];

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
pub const XADD: CommandSpec = CommandSpec {
    tips: &["nondeterministic_output"],
    ..spec(
        "xadd",
        -5,
        flags::WRITE | flags::DENYOOM | flags::FAST,
        RW_UPDATE,
        Doc {
            args: &[
                Arg::key("key", 0),
                Arg::token("nomkstream", "NOMKSTREAM")
                    .optional()
                    .since("6.2.0"),
                Arg::new("trim", ArgKind::Block).optional().of(TRIM_ARGS),
                Arg::new("id_or_auto", ArgKind::OneOf).of(&[
                    Arg::token("auto_id", "*"),
                    Arg::new("id", ArgKind::String),
                ]),
                Arg::new("field_value", ArgKind::Block).multiple().of(&[
                    Arg::new("field", ArgKind::String),
                    Arg::new("value", ArgKind::String),
                ]),
            ],
            ..doc(
                "Appends a new entry to a stream",
                "5.0.0",
                "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
            )
        },
        xadd,
    )
};

const TRIM_ARGS: &[Arg] = &[
    Arg::new("strategy", ArgKind::OneOf).of(&[
        Arg::token("maxlen", "MAXLEN"),
        Arg::token("minid", "MINID").since("6.2.0"),
    ]),
    Arg::new("operator", ArgKind::OneOf)
        .optional()
        .of(&[Arg::token("equal", "="), Arg::token("approximately", "~")]),
    Arg::new("threshold", ArgKind::String),
    Arg::new("count", ArgKind::Integer)
        .with_token("LIMIT")
        .optional()
        .since("6.2.0"),
];

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
pub const XTRIM: CommandSpec = CommandSpec {
    tips: &["nondeterministic_output"],
    ..spec("xtrim", -4, flags::WRITE, RW_DELETE, Doc {
        args: &[
            Arg::key("key", 0),
            Arg::new("trim", ArgKind::Block).of(TRIM_ARGS),
        ],
        ..doc(
            "Trims the stream to (approximately if '~' is passed) a certain size",
            "5.0.0",
            "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
        )
    }, xtrim)
};

/// XLEN key
pub const XLEN: CommandSpec = spec(
    "xlen",
    2,
    flags::READONLY | flags::FAST,
    RO,
    Doc {
        args: &[Arg::key("key", 0)],
        ..doc("Return the number of entries in a stream", "5.0.0", "O(1)")
    },
    xlen,
);

/// XRANGE key start end [COUNT count]
pub const XRANGE: CommandSpec = spec(
        "xrange",
        -4,
        flags::READONLY,
        RO_ACCESS,
        Doc {
            args: KEY_START_END_COUNT,
            ..doc(
                "Return a range of elements in a stream, with IDs matching the specified IDs interval",
                "5.0.0",
                "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
            )
        },
        xrange,
    );

/// XREVRANGE key end start [COUNT count]
pub const XREVRANGE: CommandSpec = CommandSpec {
    doc: Doc {
        args: &[
            Arg::key("key", 0),
            Arg::new("end", ArgKind::String),
            Arg::new("start", ArgKind::String),
            Arg::new("count", ArgKind::Integer)
                .with_token("COUNT")
                .optional(),
        ],
        ..doc(
            "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
            "5.0.0",
            "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        )
    },
    handler: Some(xrevrange),
    name: "xrevrange",
    ..XRANGE
};

/// XDEL key id [id ...]
pub const XDEL: CommandSpec = spec(
        "xdel",
        -3,
        flags::WRITE | flags::FAST,
        RW_DELETE,
        Doc {
            args: &[Arg::key("key", 0), Arg::new("id", ArgKind::String).multiple()],
            ..doc(
                "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
                "5.0.0",
                "O(1) for each single item to delete in the stream, regardless of the stream size.",
            )
        },
        xdel,
    );

/// XSETID key last-id [ENTRIESADDED entries_added] [MAXDELETEDID max_deleted_entry_id]
pub const XSETID: CommandSpec = spec(
    "xsetid",
    -3,
    flags::WRITE | flags::DENYOOM | flags::FAST,
    RW_UPDATE,
    Doc {
        args: &[
            Arg::key("key", 0),
            Arg::new("last-id", ArgKind::String),
            Arg::new("entries_added", ArgKind::Integer)
                .with_token("ENTRIESADDED")
                .optional()
                .since("7.0.0"),
            Arg::new("max_deleted_entry_id", ArgKind::String)
                .with_token("MAXDELETEDID")
                .optional()
                .since("7.0.0"),
        ],
        ..doc(
            "An internal command for replicating stream values",
            "5.0.0",
            "O(1)",
        )
    },
    xsetid,
);

const XREAD_ARGS: &[Arg] = &[
    Arg::new("count", ArgKind::Integer)
        .with_token("COUNT")
        .optional(),
    Arg::new("milliseconds", ArgKind::Integer)
        .with_token("BLOCK")
        .optional(),
    Arg::new("streams", ArgKind::Block)
        .with_token("STREAMS")
        .of(&[
            Arg::key("key", 0).multiple(),
            Arg::new("id", ArgKind::String).multiple(),
        ]),
];

/// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
pub const XREAD: CommandSpec = spec(
        "xread",
        -4,
        flags::BLOCKING | flags::READONLY | flags::MOVABLEKEYS,
        &[streams_keys(1)],
        Doc {
            args: XREAD_ARGS,
            ..doc(
                "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
                "5.0.0",
                "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
            )
        },
        xread,
    );

/// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
pub const XREADGROUP: CommandSpec = spec(
        "xreadgroup",
        -7,
        flags::BLOCKING | flags::WRITE | flags::MOVABLEKEYS,
        &[streams_keys(4)],
        Doc {
            args: &[
                Arg::new("group_consumer", ArgKind::Block)
                    .with_token("GROUP")
                    .of(&[
                        Arg::new("group", ArgKind::String),
                        Arg::new("consumer", ArgKind::String),
                    ]),
                Arg::new("count", ArgKind::Integer)
                    .with_token("COUNT")
                    .optional(),
                Arg::new("milliseconds", ArgKind::Integer)
                    .with_token("BLOCK")
                    .optional(),
                Arg::token("noack", "NOACK").optional(),
                Arg::new("streams", ArgKind::Block)
                    .with_token("STREAMS")
                    .of(&[
                        Arg::key("key", 0).multiple(),
                        Arg::new("id", ArgKind::String).multiple(),
                    ]),
            ],
            ..doc(
                "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
                "5.0.0",
                "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
            )
        },
        xreadgroup,
    );

/// XACK key group id [id ...]
pub const XACK: CommandSpec = spec(
        "xack",
        -4,
        flags::WRITE | flags::FAST,
        RW_UPDATE,
        Doc {
            args: &[
                Arg::key("key", 0),
                Arg::new("group", ArgKind::String),
                Arg::new("id", ArgKind::String).multiple(),
            ],
            ..doc(
                "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
                "5.0.0",
                "O(1) for each message ID processed.",
            )
        },
        xack,
    );

/// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
pub const XPENDING: CommandSpec = CommandSpec {
    tips: &["nondeterministic_output"],
    ..spec(
        "xpending",
        -3,
        flags::READONLY,
        RO_ACCESS,
        Doc {
            args: &[
                Arg::key("key", 0),
                Arg::new("group", ArgKind::String),
                Arg::new("filters", ArgKind::Block).optional().of(&[
                    Arg::new("min-idle-time", ArgKind::Integer)
                        .with_token("IDLE")
                        .optional()
                        .since("6.2.0"),
                    Arg::new("start", ArgKind::String),
                    Arg::new("end", ArgKind::String),
                    Arg::new("count", ArgKind::Integer),
                    Arg::new("consumer", ArgKind::String).optional(),
                ]),
            ],
            ..doc(
                "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
                "5.0.0",
                "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
            )
        },
        xpending,
    )
};

/// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
pub const XCLAIM: CommandSpec = CommandSpec {
    tips: &["nondeterministic_output"],
    ..spec(
        "xclaim",
        -6,
        flags::WRITE | flags::FAST,
        RW_UPDATE,
        Doc {
            args: &[
                Arg::key("key", 0),
                Arg::new("group", ArgKind::String),
                Arg::new("consumer", ArgKind::String),
                Arg::new("min-idle-time", ArgKind::String),
                Arg::new("id", ArgKind::String).multiple(),
                Arg::new("ms", ArgKind::Integer).with_token("IDLE").optional(),
                Arg::new("unix-time-milliseconds", ArgKind::UnixTime)
                    .with_token("TIME")
                    .optional(),
                Arg::new("count", ArgKind::Integer)
                    .with_token("RETRYCOUNT")
                    .optional(),
                Arg::token("force", "FORCE").optional(),
                Arg::token("justid", "JUSTID").optional(),
                Arg::new("id", ArgKind::String)
                    .with_token("LASTID")
                    .optional(),
            ],
            ..doc(
                "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
                "5.0.0",
                "O(log N) with N being the number of messages in the PEL of the consumer group.",
            )
        },
        xclaim,
    )
};

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
pub const XAUTOCLAIM: CommandSpec = CommandSpec {
    tips: &["nondeterministic_output"],
    ..spec(
        "xautoclaim",
        -6,
        flags::WRITE | flags::FAST,
        RW_DELETE,
        Doc {
            args: &[
                Arg::key("key", 0),
                Arg::new("group", ArgKind::String),
                Arg::new("consumer", ArgKind::String),
                Arg::new("min-idle-time", ArgKind::String),
                Arg::new("start", ArgKind::String),
                Arg::new("count", ArgKind::Integer)
                    .with_token("COUNT")
                    .optional(),
                Arg::token("justid", "JUSTID").optional(),
            ],
            ..doc(
                "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
                "6.2.0",
                "O(1) if COUNT is small.",
            )
        },
        xautoclaim,
    )
};

const GROUP_ARGS: &[Arg] = &[Arg::key("key", 0), Arg::new("groupname", ArgKind::String)];
const GROUP_CONSUMER_ARGS: &[Arg] = &[
    Arg::key("key", 0),
    Arg::new("groupname", ArgKind::String),
    Arg::new("consumername", ArgKind::String),
];

const HELP_DOC: Doc = doc(
    "Show helpful text about the different subcommands",
    "5.0.0",
    "O(1)",
);

/// XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP
pub const XGROUP: CommandSpec = CommandSpec {
    name: "xgroup",
    arity: -2,
    flags: 0,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: doc(
        "A container for consumer groups commands",
        "5.0.0",
        "Depends on subcommand.",
    ),
    subcommands: &[
        spec(
                "create",
                -5,
                flags::WRITE | flags::DENYOOM,
                &[key_at_2(&["RW", "insert"])],
                Doc {
                    args: &[
                        Arg::key("key", 0),
                        Arg::new("groupname", ArgKind::String),
                        Arg::new("id", ArgKind::OneOf).of(&[
                            Arg::new("id", ArgKind::String),
                            Arg::token("new_id", "$"),
                        ]),
                        Arg::token("mkstream", "MKSTREAM").optional(),
                        Arg::new("entries_read", ArgKind::Integer)
                            .with_token("ENTRIESREAD")
                            .optional(),
                    ],
                    ..doc("Create a consumer group.", "5.0.0", "O(1)")
                },
                xgroup,
            ),
        spec(
                "createconsumer",
                5,
                flags::WRITE | flags::DENYOOM,
                &[key_at_2(&["RW", "insert"])],
                Doc {
                    args: GROUP_CONSUMER_ARGS,
                    ..doc("Create a consumer in a consumer group.", "6.2.0", "O(1)")
                },
                xgroup,
            ),
        spec(
                "delconsumer",
                5,
                flags::WRITE,
                &[key_at_2(&["RW", "delete"])],
                Doc {
                    args: GROUP_CONSUMER_ARGS,
                    ..doc("Delete a consumer from a consumer group.", "5.0.0", "O(1)")
                },
                xgroup,
            ),
        spec(
                "destroy",
                4,
                flags::WRITE,
                &[key_at_2(&["RW", "delete"])],
                Doc {
                    args: GROUP_ARGS,
                    ..doc(
                        "Destroy a consumer group.",
                        "5.0.0",
                        "O(N) where N is the number of entries in the group's pending entries list (PEL).",
                    )
                },
                xgroup,
            ),
        spec(
            "help",
            2,
            flags::LOADING | flags::STALE,
            &[],
            HELP_DOC,
            xgroup,
        ),
        spec(
                "setid",
                -5,
                flags::WRITE,
                &[key_at_2(&["RW", "update"])],
                Doc {
                    args: &[
                        Arg::key("key", 0),
                        Arg::new("groupname", ArgKind::String),
                        Arg::new("id", ArgKind::OneOf).of(&[
                            Arg::new("id", ArgKind::String),
                            Arg::token("new_id", "$"),
                        ]),
                        Arg::new("entries_read", ArgKind::Integer)
                            .with_token("ENTRIESREAD")
                            .optional(),
                    ],
                    ..doc(
                        "Set a consumer group to an arbitrary last delivered ID value.",
                        "5.0.0",
                        "O(1)",
                    )
                },
                xgroup,
            ),
    ],
    handler: None,
};

/// XINFO CONSUMERS|GROUPS|STREAM|HELP
pub const XINFO: CommandSpec = CommandSpec {
    name: "xinfo",
    arity: -2,
    flags: 0,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: doc(
        "A container for stream introspection commands",
        "5.0.0",
        "Depends on subcommand.",
    ),
    subcommands: &[
        CommandSpec {
            tips: &["nondeterministic_output"],
            ..spec(
                "consumers",
                4,
                flags::READONLY,
                &[key_at_2(&["RO", "access"])],
                Doc {
                    args: GROUP_ARGS,
                    ..doc("List the consumers in a consumer group", "5.0.0", "O(1)")
                },
                xinfo,
            )
        },
        spec(
            "groups",
            3,
            flags::READONLY,
            &[key_at_2(&["RO", "access"])],
            Doc {
                args: &[Arg::key("key", 0)],
                ..doc("List the consumer groups of a stream", "5.0.0", "O(1)")
            },
            xinfo,
        ),
        spec(
            "help",
            2,
            flags::LOADING | flags::STALE,
            &[],
            HELP_DOC,
            xinfo,
        ),
        spec(
            "stream",
            -3,
            flags::READONLY,
            &[key_at_2(&["RO", "access"])],
            Doc {
                args: &[
                    Arg::key("key", 0),
                    Arg::new("full", ArgKind::Block)
                        .with_token("FULL")
                        .optional()
                        .of(&[Arg::new("count", ArgKind::Integer)
                            .with_token("COUNT")
                            .optional()]),
                ],
                ..doc("Get information about a stream", "5.0.0", "O(1)")
            },
            xinfo,
        ),
    ],
    handler: None,
};

const INVALID_ID: &str = "Invalid stream ID specified as stream command argument";

/// Redis's `string2ull`: a strict integer, or whatever `strtoull` takes
/// whole (leading spaces, a sign, up to 2^64 - 1; a minus sign wraps).
fn string2ull(text: &[u8]) -> Option<u64> {
    if let Some(value) = vireo_core::util::parse_i64(text) {
        return u64::try_from(value).ok();
    }
    let mut rest = text;
    while let [b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r', tail @ ..] = rest {
        rest = tail;
    }
    let negative = match rest {
        [b'-', tail @ ..] => {
            rest = tail;
            true
        }
        [b'+', tail @ ..] => {
            rest = tail;
            false
        }
        _ => false,
    };
    if rest.is_empty() || !rest.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: u64 = 0;
    for digit in rest {
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

/// What an ID argument parsed to: the ID, and whether its sequence was
/// given (false for XADD's `ms-*`).
struct ParsedId {
    id: StreamId,
    seq_given: bool,
}

/// Redis's `streamGenericParseIDOrReply`: `-` and `+` (unless `strict`),
/// `ms`, `ms-seq`, and with `allow_star` also `ms-*`.
fn parse_id_full(arg: &[u8], missing_seq: u64, strict: bool, allow_star: bool) -> Option<ParsedId> {
    if arg.len() > 127 {
        return None;
    }
    // Redis compat: the argument is read as a C string.
    let arg = arg.split(|&b| b == 0).next().unwrap_or_default();
    if arg == b"-" || arg == b"+" {
        if strict {
            return None;
        }
        let id = if arg == b"-" {
            StreamId::MIN
        } else {
            StreamId::MAX
        };
        return Some(ParsedId {
            id,
            seq_given: true,
        });
    }
    let (ms_part, seq_part) = match arg.iter().position(|&b| b == b'-') {
        Some(dash) => (&arg[..dash], Some(&arg[dash + 1..])),
        None => (arg, None),
    };
    let ms = string2ull(ms_part)?;
    let (seq, seq_given) = match seq_part {
        Some(b"*") if allow_star => (0, false),
        Some(seq) => (string2ull(seq)?, true),
        None => (missing_seq, true),
    };
    Some(ParsedId {
        id: StreamId::new(ms, seq),
        seq_given,
    })
}

fn parse_id(client: &mut Client, arg: &[u8], missing_seq: u64, strict: bool) -> Option<StreamId> {
    match parse_id_full(arg, missing_seq, strict, false) {
        Some(parsed) => Some(parsed.id),
        None => {
            client.reply_error(INVALID_ID);
            None
        }
    }
}

/// An interval bound: `(` makes it exclusive (Redis's
/// `streamParseIntervalIDOrReply` plus the increment or decrement).
fn parse_bound(client: &mut Client, arg: &[u8], missing_seq: u64, start: bool) -> Option<StreamId> {
    let exclusive = arg.len() > 1 && arg[0] == b'(';
    if !exclusive {
        return parse_id(client, arg, missing_seq, false);
    }
    let id = parse_id(client, &arg[1..], missing_seq, true)?;
    let moved = if start {
        id.successor()
    } else {
        id.predecessor()
    };
    if moved.is_none() {
        client.reply_error(if start {
            "invalid start ID for the interval"
        } else {
            "invalid end ID for the interval"
        });
    }
    moved
}

fn parse_integer(client: &mut Client, arg: &[u8], message: &str) -> Option<i64> {
    let value = super::parse_i64(arg);
    if value.is_none() {
        client.reply_error(message);
    }
    value
}

fn reply_id(client: &mut Client, id: StreamId) {
    client.reply_bulk(&id.format());
}

fn reply_entry(client: &mut Client, entry: &Entry) {
    client.reply_array_len(2);
    reply_id(client, entry.id);
    client.reply_array_len(entry.fields.len());
    for element in &entry.fields {
        client.reply_bulk(element);
    }
}

fn reply_entries(client: &mut Client, entries: &[Entry]) {
    client.reply_array_len(entries.len());
    for entry in entries {
        reply_entry(client, entry);
    }
}

/// The stream at `key`: `Ok(None)` if absent, `Err(())` after replying
/// WRONGTYPE for another type.
fn stream_mut<'a>(
    db: &'a mut Db,
    client: &mut Client,
    key: &[u8],
    now: i64,
) -> Result<Option<&'a mut Stream>, ()> {
    match db.lookup(key, now) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::Stream(stream) => Ok(Some(stream)),
            _ => {
                client.reply_error(errors::WRONGTYPE);
                Err(())
            }
        },
    }
}

fn now_u64(server: &Server) -> u64 {
    u64::try_from(server.now_ms).unwrap_or(0)
}

/// Parsed XADD/XTRIM options (Redis's `streamAddTrimArgs`).
struct AddTrimArgs {
    trim: Option<Trim>,
    no_mkstream: bool,
    /// XADD: position of the ID argument.
    id_pos: usize,
    id: IdSpec,
    /// Positions of the `~` and of the threshold after it, when trimming
    /// is approximate: replicas get `=` and the exact result instead.
    approx_at: Option<(usize, usize)>,
}

/// Redis's `streamParseAddOrTrimArgsOrReply`.
fn parse_add_trim(
    server: &Server,
    client: &mut Client,
    argv: &Argv<'_>,
    xadd: bool,
) -> Option<AddTrimArgs> {
    let mut strategy: Option<TrimStrategy> = None;
    let mut approx = false;
    let mut limit: i64 = 0;
    let mut limit_given = false;
    let mut parsed = AddTrimArgs {
        trim: None,
        no_mkstream: false,
        id_pos: argv.len(),
        id: IdSpec::Auto,
        approx_at: None,
    };
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = &argv[i];
        if xadd && opt == b"*" {
            parsed.id_pos = i;
            break;
        } else if (opt.eq_ignore_ascii_case(b"maxlen") || opt.eq_ignore_ascii_case(b"minid"))
            && more > 0
        {
            if strategy.is_some() {
                client.reply_error(
                    "syntax error, MAXLEN and MINID options at the same time are not compatible",
                );
                return None;
            }
            let maxlen = opt.eq_ignore_ascii_case(b"maxlen");
            approx = false;
            parsed.approx_at = None;
            let next = &argv[i + 1];
            if more >= 2 && next == b"~" {
                approx = true;
                i += 1;
                parsed.approx_at = Some((i, i + 1));
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            let threshold = &argv[i + 1];
            if maxlen {
                let value = parse_integer(client, threshold, errors::NOT_INTEGER)?;
                if value < 0 {
                    client.reply_error("The MAXLEN argument must be >= 0.");
                    return None;
                }
                strategy = Some(TrimStrategy::MaxLen(value as u64));
            } else {
                let id = parse_id(client, threshold, 0, true)?;
                strategy = Some(TrimStrategy::MinId(id));
            }
            i += 1;
        } else if opt.eq_ignore_ascii_case(b"limit") && more > 0 {
            let value = parse_integer(client, &argv[i + 1], errors::NOT_INTEGER)?;
            if value < 0 {
                client.reply_error("The LIMIT argument must be >= 0.");
                return None;
            }
            limit = value;
            limit_given = true;
            i += 1;
        } else if xadd && opt.eq_ignore_ascii_case(b"nomkstream") {
            parsed.no_mkstream = true;
        } else if xadd {
            let Some(id) = parse_id_full(opt, 0, true, true) else {
                client.reply_error(INVALID_ID);
                return None;
            };
            parsed.id = if id.seq_given {
                IdSpec::Exact(id.id)
            } else {
                IdSpec::Ms(id.id.ms)
            };
            parsed.id_pos = i;
            break;
        } else {
            client.reply_error(errors::SYNTAX);
            return None;
        }
        i += 1;
    }
    if limit != 0 && strategy.is_none() {
        client.reply_error(
            "syntax error, LIMIT cannot be used without specifying a trimming strategy",
        );
        return None;
    }
    if !xadd && strategy.is_none() {
        client.reply_error("syntax error, XTRIM must be called with a trimming strategy");
        return None;
    }
    if client.is_primary {
        // Redis compat: the primary's stream carries exact thresholds
        // (approximate ones were rewritten), so no LIMIT applies.
        limit = 0;
    } else if limit_given {
        if !approx {
            client.reply_error("syntax error, LIMIT cannot be used without the special ~ option");
            return None;
        }
    } else if approx {
        // Redis compat: at most 100 nodes' worth of entries by default.
        limit = server
            .config
            .stream_node_limits
            .max_entries
            .wrapping_mul(100);
        if limit <= 0 {
            limit = 10000;
        }
        limit = limit.min(1_000_000);
    } else {
        limit = 0;
    }
    parsed.trim = strategy.map(|strategy| Trim {
        strategy,
        approx,
        limit,
    });
    Some(parsed)
}

fn xadd(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(args) = parse_add_trim(server, client, &argv, true) else {
        return;
    };
    let field_pos = args.id_pos + 1;
    if argv.len() < field_pos + 2 || (argv.len() - field_pos) % 2 == 1 {
        return client.reply_error(errors::wrong_arity("xadd"));
    }
    if args.id == IdSpec::Exact(StreamId::MIN) {
        return client.reply_error("The ID specified in XADD must be greater than 0-0");
    }
    let now = server.now_ms;
    let limits = server.config.stream_node_limits;
    let key = &argv[1];
    let db = &mut server.dbs[client.db];
    let mut created = None;
    let stream = match stream_mut(db, client, key, now) {
        Err(()) => return,
        Ok(Some(stream)) => stream,
        Ok(None) => {
            if args.no_mkstream {
                return client.reply_null();
            }
            created.insert(Stream::new())
        }
    };
    if stream.last_id == StreamId::MAX {
        return client.reply_error(
            "The stream has exhausted the last possible ID, unable to add more items",
        );
    }
    let fields: Vec<&[u8]> = (field_pos..argv.len()).map(|i| &argv[i]).collect();
    let id = match stream.add(args.id, &fields, u64::try_from(now).unwrap_or(0), limits) {
        Ok(id) => id,
        Err(AddError::NotGreater) => {
            return client.reply_error(
                "The ID specified in XADD is equal or smaller than the target stream top item",
            )
        }
        Err(AddError::TooLarge) => {
            return client.reply_error("Elements are too large to be stored")
        }
    };
    let trimmed = args.trim.is_some_and(|trim| stream.trim(trim) > 0);
    let exact_threshold = args
        .approx_at
        .map(|at| (at, exact_threshold(stream, args.trim)));
    if let Some(stream) = created {
        db.insert(
            key,
            Value::Stream(Box::new(stream)),
            vireo_core::db::NO_EXPIRY,
        );
    }
    reply_id(client, id);
    server.dirty += 1;
    if server.propagation.enabled {
        // Redis compat: replicas get the ID this server chose and the
        // exact result of approximate trimming.
        let generated = id.format();
        let mut propagated: Vec<&[u8]> = argv.iter().collect();
        if args.id != IdSpec::Exact(id) {
            propagated[args.id_pos] = &generated;
        }
        propagate_with_exact_trim(server, propagated, exact_threshold.as_ref());
    }
    server.notify(client, notify::STREAM, "xadd", key);
    if trimmed {
        server.notify(client, notify::STREAM, "xtrim", key);
    }
}

fn xtrim(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(args) = parse_add_trim(server, client, &argv, false) else {
        return;
    };
    let now = server.now_ms;
    let key = &argv[1];
    let stream = match stream_mut(&mut server.dbs[client.db], client, key, now) {
        Err(()) => return,
        Ok(None) => return client.reply_integer(0),
        Ok(Some(stream)) => stream,
    };
    let deleted = args.trim.map_or(0, |trim| stream.trim(trim));
    let exact_threshold = args
        .approx_at
        .map(|at| (at, exact_threshold(stream, args.trim)));
    if deleted > 0 {
        server.dirty += deleted;
        if server.propagation.enabled {
            propagate_with_exact_trim(server, argv.iter().collect(), exact_threshold.as_ref());
        }
        server.notify(client, notify::STREAM, "xtrim", key);
    }
    client.reply_integer(deleted as i64);
}

/// What an approximate trim's threshold became: the stream's length for
/// MAXLEN, its first ID for MINID (Redis's `streamRewriteTrimArgument`).
fn exact_threshold(stream: &Stream, trim: Option<Trim>) -> Vec<u8> {
    match trim.map(|trim| trim.strategy) {
        Some(TrimStrategy::MinId(_)) => stream.edge_id(true).unwrap_or(StreamId::MIN).format(),
        _ => stream.len().to_string().into_bytes(),
    }
}

/// Propagates `args` with an approximate trim made exact: `~` becomes
/// `=` and the threshold what trimming left.
fn propagate_with_exact_trim<'a>(
    server: &mut Server,
    mut args: Vec<&'a [u8]>,
    exact: Option<&'a ((usize, usize), Vec<u8>)>,
) {
    if let Some(((tilde, threshold), value)) = exact {
        args[*tilde] = b"=";
        args[*threshold] = value;
    }
    server.rewrite_propagated(&args);
}

fn xlen(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    match stream_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => {}
        Ok(None) => client.reply_integer(0),
        Ok(Some(stream)) => client.reply_integer(stream.len() as i64),
    }
}

fn xrange(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    range_generic(server, client, argv, false);
}

fn xrevrange(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    range_generic(server, client, argv, true);
}

fn range_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, rev: bool) {
    let (start_arg, end_arg) = if rev {
        (&argv[3], &argv[2])
    } else {
        (&argv[2], &argv[3])
    };
    let Some(start) = parse_bound(client, start_arg, 0, true) else {
        return;
    };
    let Some(end) = parse_bound(client, end_arg, u64::MAX, false) else {
        return;
    };
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if argv[j].eq_ignore_ascii_case(b"COUNT") && j + 1 < argv.len() {
            count = match parse_integer(client, &argv[j + 1], errors::NOT_INTEGER) {
                Some(value) => value.max(0),
                None => return,
            };
            j += 2;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
    }
    let now = server.now_ms;
    let stream = match stream_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => return,
        Ok(None) => return client.reply_array_len(0),
        Ok(Some(stream)) => stream,
    };
    if count == 0 {
        return client.reply_null_array();
    }
    let entries = stream.range(start, end, count.max(0) as usize, rev);
    reply_entries(client, &entries);
}

fn xdel(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    let key = &argv[1];
    let stream = match stream_mut(&mut server.dbs[client.db], client, key, now) {
        Err(()) => return,
        Ok(None) => return client.reply_integer(0),
        Ok(Some(stream)) => stream,
    };
    let mut ids = Vec::with_capacity(argv.len() - 2);
    for j in 2..argv.len() {
        match parse_id_full(&argv[j], 0, true, false) {
            Some(parsed) => ids.push(parsed.id),
            None => return client.reply_error(INVALID_ID),
        }
    }
    let deleted = stream.delete_ids(&ids);
    if deleted > 0 {
        server.dirty += deleted;
        server.notify(client, notify::STREAM, "xdel", key);
    }
    client.reply_integer(deleted as i64);
}

fn xsetid(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(id) = parse_id(client, &argv[2], 0, true) else {
        return;
    };
    let mut entries_added: i64 = -1;
    let mut max_deleted = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = &argv[i];
        if opt.eq_ignore_ascii_case(b"ENTRIESADDED") && more > 0 {
            entries_added = match parse_integer(client, &argv[i + 1], errors::NOT_INTEGER) {
                Some(value) if value < 0 => {
                    return client.reply_error("entries_added must be positive")
                }
                Some(value) => value,
                None => return,
            };
            i += 2;
        } else if opt.eq_ignore_ascii_case(b"MAXDELETEDID") && more > 0 {
            let Some(value) = parse_id(client, &argv[i + 1], 0, true) else {
                return;
            };
            if id < value {
                return client.reply_error(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                );
            }
            max_deleted = value;
            i += 2;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
    }
    let now = server.now_ms;
    let key = &argv[1];
    let stream = match stream_mut(&mut server.dbs[client.db], client, key, now) {
        Err(()) => return,
        Ok(None) => return client.reply_error(errors::NO_SUCH_KEY),
        Ok(Some(stream)) => stream,
    };
    if !stream.is_empty() {
        let top = stream.edge_id(false).unwrap_or(StreamId::MIN);
        if id < top {
            return client.reply_error(
                "The ID specified in XSETID is smaller than the target stream top item",
            );
        }
        if entries_added != -1 && stream.len() > entries_added as u64 {
            return client.reply_error(
                "The entries_added specified in XSETID is smaller than the target stream length",
            );
        }
    }
    stream.last_id = id;
    if entries_added != -1 {
        stream.entries_added = entries_added as u64;
    }
    if !max_deleted.is_zero() {
        stream.max_deleted_entry_id = max_deleted;
    }
    client.reply_ok();
    server.dirty += 1;
    server.notify(client, notify::STREAM, "xsetid", key);
}

/// Marks consumer `name` of `group` as seen now, creating it if missing;
/// true if it was created (the caller counts that as a change and sends
/// `xgroup-createconsumer`).
fn touch_consumer(group: &mut ConsumerGroup, name: &[u8], now: u64) -> bool {
    match group.consumers.get_mut(name) {
        Some(consumer) => {
            consumer.seen_time = now;
            false
        }
        None => {
            group.consumers.insert(
                name.to_vec(),
                vireo_core::t_stream::Consumer {
                    seen_time: now,
                    pel: Default::default(),
                },
            );
            true
        }
    }
}

fn xread(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    read_generic(server, client, argv, false);
}

fn xreadgroup(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: these write commands look their key up as a read,
    // so it counts as a keyspace hit or miss.
    super::count_reads(server, client, true);
    read_generic(server, client, argv, true);
}

/// Which IDs an XREAD/XREADGROUP key reads after.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ReadFrom {
    After(StreamId),
    /// XREADGROUP `>`: entries never delivered to the group.
    New,
}

/// XREAD and XREADGROUP (Redis's `xreadCommand`).
fn read_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, group_mode: bool) {
    let mut block: Option<i64> = None;
    let mut count: i64 = 0;
    let mut streams_arg = 0;
    let mut streams_count = 0;
    let mut noack = false;
    let mut group: Option<(&[u8], &[u8])> = None;
    let mut i = 1;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = &argv[i];
        if opt.eq_ignore_ascii_case(b"BLOCK") && more > 0 {
            // Redis compat: refused outright in scripts (where it could only
            // ever answer at once), named as the script spelled it.
            if client.is_script {
                return client.reply_error(format!(
                    "{} command is not allowed with BLOCK option from scripts",
                    String::from_utf8_lossy(&argv[0])
                ));
            }
            i += 1;
            let Some(ms) = parse_integer(
                client,
                &argv[i],
                "timeout is not an integer or out of range",
            ) else {
                return;
            };
            if ms < 0 {
                return client.reply_error("timeout is negative");
            }
            block = Some(if ms > 0 {
                server.now_ms.saturating_add(ms)
            } else {
                0
            });
        } else if opt.eq_ignore_ascii_case(b"COUNT") && more > 0 {
            i += 1;
            count = match parse_integer(client, &argv[i], errors::NOT_INTEGER) {
                Some(value) => value.max(0),
                None => return,
            };
        } else if opt.eq_ignore_ascii_case(b"STREAMS") && more > 0 {
            streams_arg = i + 1;
            streams_count = argv.len() - streams_arg;
            if streams_count % 2 != 0 {
                return client.reply_error(
                    "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                );
            }
            streams_count /= 2;
            break;
        } else if opt.eq_ignore_ascii_case(b"GROUP") && more >= 2 {
            if !group_mode {
                return client.reply_error(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                );
            }
            group = Some((&argv[i + 1], &argv[i + 2]));
            i += 2;
        } else if opt.eq_ignore_ascii_case(b"NOACK") {
            if !group_mode {
                return client.reply_error(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                );
            }
            noack = true;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
        i += 1;
    }
    if streams_arg == 0 {
        return client.reply_error(errors::SYNTAX);
    }
    if group_mode && group.is_none() {
        return client.reply_error("Missing GROUP option for XREADGROUP");
    }
    let rerun = client
        .blocked
        .as_ref()
        .map(|state| (state.timed_out, state.stream_ids.clone()));
    if let Some((true, _)) = rerun {
        return client.reply_null_array();
    }
    let now = server.now_ms;
    let db = client.db;
    // A blocked XREADGROUP run again: its key or group may be gone.
    if let (Some(_), Some((group_name, _))) = (&rerun, group) {
        for k in 0..streams_count {
            let key = &argv[streams_arg + k];
            match server.dbs[db].get(key, now) {
                Some(Value::Stream(stream)) => {
                    if !stream.groups.contains_key(group_name) {
                        return client.reply_error(
                            "-NOGROUP the consumer group this client was blocked on no longer exists",
                        );
                    }
                }
                _ => return client.reply_error("-UNBLOCKED the stream key no longer exists"),
            }
        }
    }
    // Redis compat: a blocked XREAD whose key now holds another type stays
    // blocked instead of failing with WRONGTYPE.
    if let (Some((false, _)), None) = (&rerun, group) {
        let wrong_type = (0..streams_count).any(|k| {
            matches!(server.dbs[db].get(&argv[streams_arg + k], now), Some(value) if !matches!(value, Value::Stream(_)))
        });
        if wrong_type {
            if let Some(state) = &client.blocked {
                client.block_request = Some(BlockRequest {
                    kind: state.kind,
                    keys: state.keys.clone(),
                    deadline_ms: state.deadline_ms,
                    stream_ids: state.stream_ids.clone(),
                });
            }
            return;
        }
    }
    let mut from = Vec::with_capacity(streams_count);
    for k in 0..streams_count {
        let key = &argv[streams_arg + k];
        let id_arg = &argv[streams_arg + streams_count + k];
        let stream = match stream_mut(&mut server.dbs[db], client, key, now) {
            Err(()) => return,
            Ok(stream) => stream,
        };
        if let Some((group_name, _)) = group {
            if !stream
                .as_ref()
                .is_some_and(|s| s.groups.contains_key(group_name))
            {
                let mut message = b"-NOGROUP No such key '".to_vec();
                message.extend_from_slice(key);
                message.extend_from_slice(b"' or consumer group '");
                message.extend_from_slice(group_name);
                message.extend_from_slice(b"' in XREADGROUP with GROUP option");
                return client.reply_error(message);
            }
        }
        if id_arg == b"$" {
            if group_mode {
                return client.reply_error(
                    "The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
                );
            }
            from.push(ReadFrom::After(stream.map_or(StreamId::MIN, |s| s.last_id)));
        } else if id_arg == b">" {
            if !group_mode {
                return client.reply_error(
                    "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                );
            }
            from.push(ReadFrom::New);
        } else {
            let Some(id) = parse_id(client, id_arg, 0, true) else {
                return;
            };
            from.push(ReadFrom::After(id));
        }
    }
    // Redis compat: a blocked XREAD keeps the IDs it blocked with, so `$`
    // means the last ID when it blocked.
    if let Some((false, ids)) = &rerun {
        if !group_mode && ids.len() == from.len() {
            for (slot, id) in from.iter_mut().zip(ids) {
                *slot = ReadFrom::After(*id);
            }
        }
    }
    if rerun.is_some() && count == 0 {
        // Redis compat: XREAD_BLOCKED_DEFAULT_COUNT.
        count = 1000;
    }
    let now_ms = now_u64(server);
    let limit = if count == 0 {
        usize::MAX
    } else {
        count as usize
    };
    // Redis compat: the count of streams in the reply is written last, in
    // front of them (a deferred length), so that a notification sent while
    // serving (a consumer created) lands after the stream's name, as in
    // Redis, for a RESP3 client subscribed to its own events.
    let header_at = client.out.len();
    let mut served = 0usize;
    // Redis compat: XREADGROUP never reaches replicas itself, only the
    // state changes it made (an XCLAIM per delivered entry, the group's
    // new position with NOACK).
    let propagating = group_mode && server.propagation.enabled;
    let mut effects: Vec<Vec<Vec<u8>>> = Vec::new();
    if group_mode {
        server.prevent_propagation();
    }
    for (k, read_from) in from.iter().enumerate() {
        // Redis compat: a waiter is served from the one key that became
        // ready, so its reply names a single stream.
        if rerun.is_some() && served > 0 {
            break;
        }
        let key = &argv[streams_arg + k];
        let serve = stream_at(server, db, key, now).is_some_and(|stream| {
            let last_live = stream.edge_id(false);
            match (group, *read_from) {
                (None, ReadFrom::After(after)) => last_live.is_some_and(|last| last > after),
                (None, ReadFrom::New) => false,
                // History reads are always served.
                (Some(_), ReadFrom::After(_)) => true,
                (Some((group_name, _)), ReadFrom::New) => stream
                    .groups
                    .get(group_name)
                    .is_some_and(|g| last_live.is_some_and(|last| last > g.last_id)),
            }
        });
        if !serve {
            continue;
        }
        served += 1;
        if client.resp < 3 {
            client.reply_array_len(2);
        }
        client.reply_bulk(key);
        if let Some((group_name, consumer_name)) = group {
            let created = stream_again(server, db, key, now)
                .and_then(|stream| stream.groups.get_mut(group_name))
                .is_some_and(|g| touch_consumer(g, consumer_name, now_ms));
            if created {
                server.dirty += 1;
                // Redis compat: without NOACK the XCLAIMs create the
                // consumer on replicas; with it, it is created explicitly.
                if noack && propagating {
                    effects.push(vec![
                        b"XGROUP".to_vec(),
                        b"CREATECONSUMER".to_vec(),
                        key.to_vec(),
                        group_name.to_vec(),
                        consumer_name.to_vec(),
                    ]);
                }
                server.notify(client, notify::STREAM, "xgroup-createconsumer", key);
            }
        }
        let Some(stream) = stream_again(server, db, key, now) else {
            client.reply_array_len(0);
            continue;
        };
        match (group, *read_from) {
            (Some((group_name, consumer_name)), ReadFrom::After(after)) => {
                // History: the consumer's own pending entries.
                let start = after.successor().unwrap_or(StreamId::MAX);
                let mut history = Vec::new();
                if let Some(mut group_state) = stream.groups.remove(group_name) {
                    let owned: Vec<StreamId> = group_state
                        .consumers
                        .get(consumer_name)
                        .map(|c| c.pel.range(start..).take(limit).copied().collect())
                        .unwrap_or_default();
                    for id in owned {
                        let entry = stream.get(id);
                        if entry.is_some() {
                            if let Some(nack) = group_state.pel.get_mut(&id) {
                                nack.delivery_time = now_ms;
                                nack.delivery_count = nack.delivery_count.wrapping_add(1);
                            }
                        }
                        history.push((id, entry));
                    }
                    stream.groups.insert(group_name.to_vec(), group_state);
                }
                server.dirty += 1;
                client.reply_array_len(history.len());
                for (id, entry) in history {
                    match entry {
                        Some(entry) => reply_entry(client, &entry),
                        None => {
                            client.reply_array_len(2);
                            reply_id(client, id);
                            client.reply_null_array();
                        }
                    }
                }
            }
            (Some((group_name, consumer_name)), ReadFrom::New) => {
                let mut entries = Vec::new();
                if let Some(mut group_state) = stream.groups.remove(group_name) {
                    let start = group_state.last_id.successor().unwrap_or(StreamId::MAX);
                    entries = stream.range(start, StreamId::MAX, count as usize, false);
                    for entry in &entries {
                        stream.advance_group(&mut group_state, entry.id);
                        if !noack {
                            group_state.assign(entry.id, consumer_name, now_ms, 1);
                            if let Some(nack) =
                                group_state.pel.get(&entry.id).filter(|_| propagating)
                            {
                                effects.push(xclaim_effect(
                                    key,
                                    group_name,
                                    nack,
                                    entry.id,
                                    group_state.last_id,
                                ));
                            }
                        }
                    }
                    if noack && propagating && !entries.is_empty() {
                        effects.push(group_id_effect(key, group_name, &group_state));
                    }
                    stream.groups.insert(group_name.to_vec(), group_state);
                }
                server.dirty += 1;
                reply_entries(client, &entries);
            }
            (None, ReadFrom::After(after)) => {
                let start = after.successor().unwrap_or(StreamId::MAX);
                let entries = stream.range(start, StreamId::MAX, count as usize, false);
                reply_entries(client, &entries);
            }
            (None, ReadFrom::New) => client.reply_array_len(0),
        }
    }
    if served > 0 {
        let mut header = Vec::new();
        if client.resp >= 3 {
            vireo_resp::encode::map_len(&mut header, served);
        } else {
            vireo_resp::encode::array_len(&mut header, served);
        }
        client.out.splice(header_at..header_at, header);
        if !effects.is_empty() {
            propagate_effects(server, client.db, effects);
        }
        return;
    }
    let Some(deadline_ms) = block else {
        return client.reply_null_array();
    };
    if super::list::must_not_wait(client) {
        return client.reply_null_array();
    }
    let stream_ids = from
        .iter()
        .map(|f| match f {
            ReadFrom::After(id) => *id,
            ReadFrom::New => StreamId::MAX,
        })
        .collect();
    client.block_request = Some(BlockRequest {
        kind: if group_mode {
            BlockKind::StreamGroup
        } else {
            BlockKind::Stream
        },
        keys: (0..streams_count)
            .map(|k| argv[streams_arg + k].to_vec())
            .collect(),
        deadline_ms,
        stream_ids,
    });
}

fn no_group_error(key: &[u8], group: &[u8]) -> Vec<u8> {
    let mut message = b"-NOGROUP No such key '".to_vec();
    message.extend_from_slice(key);
    message.extend_from_slice(b"' or consumer group '");
    message.extend_from_slice(group);
    message.push(b'\'');
    message
}

fn no_such_group_error(group: &[u8], key: &[u8]) -> Vec<u8> {
    let mut message = b"-NOGROUP No such consumer group '".to_vec();
    message.extend_from_slice(group);
    message.extend_from_slice(b"' for key name '");
    message.extend_from_slice(key);
    message.push(b'\'');
    message
}

/// The stream at `key` of database `db`, if there is one.
fn stream_at<'a>(
    server: &'a mut Server,
    db: usize,
    key: &[u8],
    now: i64,
) -> Option<&'a mut Stream> {
    match server.dbs[db].lookup(key, now).map(|e| &mut e.value) {
        Some(Value::Stream(stream)) => Some(stream),
        _ => None,
    }
}

/// [`stream_at`] for a key the command has already looked up: not counted
/// again as a keyspace hit.
fn stream_again<'a>(
    server: &'a mut Server,
    db: usize,
    key: &[u8],
    now: i64,
) -> Option<&'a mut Stream> {
    match server.dbs[db]
        .lookup_for_write(key, now)
        .map(|e| &mut e.value)
    {
        Some(Value::Stream(stream)) => Some(stream),
        _ => None,
    }
}

const XGROUP_HELP: &[&str] = &[
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
];

/// XGROUP's subcommands (Redis's `xgroupCommand`, one function for all).
fn xgroup(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let opt = &argv[1];
    let syntax_error = |client: &mut Client| {
        client.reply_error(errors::unknown_subcommand_or_arity(&argv[0], &argv[1]));
    };
    let is = |name: &[u8]| opt.eq_ignore_ascii_case(name);
    let mut mkstream = false;
    let mut entries_read = INVALID_ENTRIES_READ;
    let now = server.now_ms;
    let db = client.db;
    if argv.len() >= 4 {
        let create = is(b"CREATE");
        let setid = is(b"SETID");
        let mut i = 5;
        while i < argv.len() {
            if create && argv[i].eq_ignore_ascii_case(b"MKSTREAM") {
                mkstream = true;
                i += 1;
            } else if (create || setid)
                && argv[i].eq_ignore_ascii_case(b"ENTRIESREAD")
                && i + 1 < argv.len()
            {
                entries_read = match parse_integer(client, &argv[i + 1], errors::NOT_INTEGER) {
                    Some(value) if value < 0 && value != INVALID_ENTRIES_READ => {
                        return client.reply_error("value for ENTRIESREAD must be positive or -1")
                    }
                    Some(value) => value,
                    None => return,
                };
                i += 2;
            } else {
                return syntax_error(client);
            }
        }
        let exists = match stream_mut(&mut server.dbs[db], client, &argv[2], now) {
            Err(()) => return,
            Ok(stream) => stream.map(|s| s.groups.contains_key(&argv[3])),
        };
        if !mkstream {
            let Some(group_exists) = exists else {
                return client.reply_error(
                    "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
                );
            };
            if !group_exists && (is(b"SETID") || is(b"CREATECONSUMER") || is(b"DELCONSUMER")) {
                return client.reply_error(no_such_group_error(&argv[3], &argv[2]));
            }
        }
    }
    let key = argv.get(2).unwrap_or_default();
    let group_name = argv.get(3).unwrap_or_default();
    if argv.len() == 2 && is(b"HELP") {
        super::keyspace::reply_help(client, &argv[0], XGROUP_HELP);
    } else if is(b"CREATE") && (5..=8).contains(&argv.len()) {
        let id = if &argv[4] == b"$" {
            stream_at(server, db, key, now).map_or(StreamId::MIN, |s| s.last_id)
        } else {
            match parse_id(client, &argv[4], 0, true) {
                Some(id) => id,
                None => return,
            }
        };
        if stream_at(server, db, key, now).is_none() {
            server.dbs[db].insert(
                key,
                Value::Stream(Box::default()),
                vireo_core::db::NO_EXPIRY,
            );
        }
        let Some(stream) = stream_at(server, db, key, now) else {
            return;
        };
        if stream.groups.contains_key(group_name) {
            return client.reply_error("-BUSYGROUP Consumer Group name already exists");
        }
        stream
            .groups
            .insert(group_name.to_vec(), ConsumerGroup::new(id, entries_read));
        client.reply_ok();
        server.dirty += 1;
        server.notify(client, notify::STREAM, "xgroup-create", key);
    } else if is(b"SETID") && (argv.len() == 5 || argv.len() == 7) {
        let id = if &argv[4] == b"$" {
            stream_at(server, db, key, now).map_or(StreamId::MIN, |s| s.last_id)
        } else {
            match parse_id(client, &argv[4], 0, false) {
                Some(id) => id,
                None => return,
            }
        };
        if let Some(group) =
            stream_at(server, db, key, now).and_then(|s| s.groups.get_mut(group_name))
        {
            group.last_id = id;
            group.entries_read = entries_read;
        }
        client.reply_ok();
        server.dirty += 1;
        server.notify(client, notify::STREAM, "xgroup-setid", key);
    } else if is(b"DESTROY") && argv.len() == 4 {
        let removed =
            stream_at(server, db, key, now).is_some_and(|s| s.groups.remove(group_name).is_some());
        if removed {
            client.reply_integer(1);
            server.dirty += 1;
            server.notify(client, notify::STREAM, "xgroup-destroy", key);
            server.signal_key_ready(db, key);
        } else {
            client.reply_integer(0);
        }
    } else if is(b"CREATECONSUMER") && argv.len() == 5 {
        let now_ms = now_u64(server);
        let mut created = false;
        if let Some(group) =
            stream_at(server, db, key, now).and_then(|s| s.groups.get_mut(group_name))
        {
            if !group.consumers.contains_key(&argv[4]) {
                created = touch_consumer(group, &argv[4], now_ms);
            }
        }
        if created {
            server.dirty += 1;
            server.notify(client, notify::STREAM, "xgroup-createconsumer", key);
        }
        client.reply_integer(i64::from(created));
    } else if is(b"DELCONSUMER") && argv.len() == 5 {
        let pending = stream_at(server, db, key, now)
            .and_then(|s| s.groups.get_mut(group_name))
            .and_then(|group| group.delete_consumer(&argv[4]));
        if pending.is_some() {
            server.dirty += 1;
            server.notify(client, notify::STREAM, "xgroup-delconsumer", key);
        }
        client.reply_integer(pending.unwrap_or(0) as i64);
    } else {
        syntax_error(client);
    }
}

fn xack(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: these write commands look their key up as a read,
    // so it counts as a keyspace hit or miss.
    super::count_reads(server, client, true);
    let now = server.now_ms;
    let group = match stream_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => return,
        Ok(stream) => stream.and_then(|s| s.groups.get_mut(&argv[2])),
    };
    let Some(group) = group else {
        return client.reply_integer(0);
    };
    let mut ids = Vec::with_capacity(argv.len() - 3);
    for j in 3..argv.len() {
        match parse_id_full(&argv[j], 0, true, false) {
            Some(parsed) => ids.push(parsed.id),
            None => return client.reply_error(INVALID_ID),
        }
    }
    let acknowledged = ids.into_iter().filter(|id| group.ack(*id)).count();
    server.dirty += acknowledged as u64;
    client.reply_integer(acknowledged as i64);
}

fn xpending(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let summary = argv.len() == 3;
    if argv.len() != 3 && !(6..=9).contains(&argv.len()) {
        return client.reply_error(errors::SYNTAX);
    }
    let mut start = StreamId::MIN;
    let mut end = StreamId::MAX;
    let mut count: i64 = 0;
    let mut min_idle: i64 = 0;
    let mut consumer_name: Option<&[u8]> = None;
    if argv.len() >= 6 {
        let mut start_idx = 3;
        if argv[3].eq_ignore_ascii_case(b"IDLE") {
            min_idle = match parse_integer(client, &argv[4], errors::NOT_INTEGER) {
                Some(value) => value,
                None => return,
            };
            if argv.len() < 8 {
                return client.reply_error(errors::SYNTAX);
            }
            start_idx += 2;
        }
        count = match parse_integer(client, &argv[start_idx + 2], errors::NOT_INTEGER) {
            Some(value) => value.max(0),
            None => return,
        };
        start = match parse_bound(client, &argv[start_idx], 0, true) {
            Some(id) => id,
            None => return,
        };
        end = match parse_bound(client, &argv[start_idx + 1], u64::MAX, false) {
            Some(id) => id,
            None => return,
        };
        if start_idx + 3 < argv.len() {
            consumer_name = Some(&argv[start_idx + 3]);
        }
    }
    let now = server.now_ms;
    let group = match stream_mut(&mut server.dbs[client.db], client, &argv[1], now) {
        Err(()) => return,
        Ok(stream) => stream.and_then(|s| s.groups.get(&argv[2])),
    };
    let Some(group) = group else {
        return client.reply_error(no_group_error(&argv[1], &argv[2]));
    };
    if summary {
        client.reply_array_len(4);
        client.reply_integer(group.pel.len() as i64);
        match (group.pel.keys().next(), group.pel.keys().next_back()) {
            (Some(first), Some(last)) => {
                reply_id(client, *first);
                reply_id(client, *last);
                let owners: Vec<_> = group
                    .consumers
                    .iter()
                    .filter(|(_, c)| !c.pel.is_empty())
                    .collect();
                client.reply_array_len(owners.len());
                for (name, consumer) in owners {
                    client.reply_array_len(2);
                    client.reply_bulk(name);
                    client.reply_bulk(consumer.pel.len().to_string().as_bytes());
                }
            }
            _ => {
                client.reply_null();
                client.reply_null();
                client.reply_null_array();
            }
        }
        return;
    }
    // Walked lazily: COUNT bounds the work, not the size of the PEL.
    let ids: Box<dyn Iterator<Item = StreamId>> = match consumer_name {
        Some(name) => match group.consumers.get(name) {
            Some(consumer) => Box::new(consumer.pel.range(start..).copied()),
            None => return client.reply_array_len(0),
        },
        None => Box::new(group.pel.range(start..).map(|(id, _)| *id)),
    };
    let mut rows = Vec::new();
    for id in ids {
        if count == 0 || id > end {
            break;
        }
        let Some(nack) = group.pel.get(&id) else {
            continue;
        };
        let idle = now.wrapping_sub(nack.delivery_time as i64);
        if min_idle != 0 && idle < min_idle {
            continue;
        }
        count -= 1;
        rows.push((id, nack.consumer.clone(), idle.max(0), nack.delivery_count));
    }
    client.reply_array_len(rows.len());
    for (id, consumer, idle, deliveries) in rows {
        client.reply_array_len(4);
        reply_id(client, id);
        client.reply_bulk(&consumer);
        client.reply_integer(idle);
        client.reply_integer(deliveries as i64);
    }
}

fn xclaim(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: these write commands look their key up as a read,
    // so it counts as a keyspace hit or miss.
    super::count_reads(server, client, true);
    let now = server.now_ms;
    let db = client.db;
    let has_group = match stream_mut(&mut server.dbs[db], client, &argv[1], now) {
        Err(()) => return,
        Ok(stream) => stream.is_some_and(|s| s.groups.contains_key(&argv[2])),
    };
    if !has_group {
        return client.reply_error(no_group_error(&argv[1], &argv[2]));
    }
    // The second lookup below is not one Redis makes.
    super::count_reads(server, client, false);
    let Some(min_idle) = parse_integer(
        client,
        &argv[4],
        "Invalid min-idle-time argument for XCLAIM",
    ) else {
        return;
    };
    let min_idle = min_idle.max(0);
    let mut ids = Vec::new();
    let mut j = 5;
    while j < argv.len() {
        match parse_id_full(&argv[j], 0, true, false) {
            Some(parsed) => ids.push(parsed.id),
            None => break,
        }
        j += 1;
    }
    let mut force = false;
    let mut justid = false;
    let mut delivery_time: i64 = -1;
    let mut retry_count: i64 = -1;
    let mut last_id = StreamId::MIN;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = &argv[j];
        if opt.eq_ignore_ascii_case(b"FORCE") {
            force = true;
        } else if opt.eq_ignore_ascii_case(b"JUSTID") {
            justid = true;
        } else if opt.eq_ignore_ascii_case(b"IDLE") && more > 0 {
            j += 1;
            let Some(idle) =
                parse_integer(client, &argv[j], "Invalid IDLE option argument for XCLAIM")
            else {
                return;
            };
            delivery_time = now.wrapping_sub(idle);
        } else if opt.eq_ignore_ascii_case(b"TIME") && more > 0 {
            j += 1;
            let Some(time) =
                parse_integer(client, &argv[j], "Invalid TIME option argument for XCLAIM")
            else {
                return;
            };
            delivery_time = time;
        } else if opt.eq_ignore_ascii_case(b"RETRYCOUNT") && more > 0 {
            j += 1;
            let Some(retries) = parse_integer(
                client,
                &argv[j],
                "Invalid RETRYCOUNT option argument for XCLAIM",
            ) else {
                return;
            };
            retry_count = retries;
        } else if opt.eq_ignore_ascii_case(b"LASTID") && more > 0 {
            j += 1;
            let Some(id) = parse_id(client, &argv[j], 0, true) else {
                return;
            };
            last_id = id;
        } else {
            let mut message = b"Unrecognized XCLAIM option '".to_vec();
            message.extend_from_slice(opt.split(|&b| b == 0).next().unwrap_or_default());
            message.push(b'\'');
            return client.reply_error(message);
        }
        j += 1;
    }
    let now_ms = now_u64(server);
    let propagating = server.propagation.enabled;
    let Some(stream) = stream_at(server, db, &argv[1], now) else {
        return;
    };
    let Some(mut group) = stream.groups.remove(&argv[2]) else {
        return;
    };
    let mut dirty = 0u64;
    let mut effects: Vec<Vec<Vec<u8>>> = Vec::new();
    // Redis compat: a LASTID that moves the group is propagated by the
    // XCLAIMs below, or on its own if there are none.
    let mut propagate_last_id = false;
    if last_id > group.last_id {
        group.last_id = last_id;
        dirty += 1;
        propagate_last_id = true;
    }
    if delivery_time == -1 || delivery_time < 0 || delivery_time > now {
        delivery_time = now;
    }
    let name = &argv[3];
    let mut created = false;
    let mut consumer_touched = false;
    let mut claimed: Vec<(StreamId, Option<Entry>)> = Vec::new();
    for id in ids {
        let entry = stream.get(id);
        if entry.is_none() {
            if let Some(nack) = group.pel.get(&id).filter(|_| propagating) {
                effects.push(xclaim_effect(&argv[1], &argv[2], nack, id, group.last_id));
                propagate_last_id = false;
            }
            if group.ack(id) {
                dirty += 1;
            }
            continue;
        }
        let mut unowned = false;
        if let std::collections::btree_map::Entry::Vacant(slot) = group.pel.entry(id) {
            if !force {
                continue;
            }
            unowned = true;
            slot.insert(vireo_core::t_stream::Nack {
                consumer: Vec::new(),
                delivery_time: now_ms,
                delivery_count: 1,
            });
        }
        let Some((delivered_at, previous)) = group
            .pel
            .get(&id)
            .map(|n| (n.delivery_time, n.delivery_count))
        else {
            continue;
        };
        if !unowned && min_idle != 0 && now.wrapping_sub(delivered_at as i64) < min_idle {
            continue;
        }
        if !consumer_touched {
            created = touch_consumer(&mut group, name, now_ms);
            consumer_touched = true;
        }
        let count = if retry_count >= 0 {
            retry_count as u64
        } else if !justid {
            previous.wrapping_add(1)
        } else {
            previous
        };
        group.assign(id, name, delivery_time as u64, count);
        if let Some(nack) = group.pel.get(&id).filter(|_| propagating) {
            effects.push(xclaim_effect(&argv[1], &argv[2], nack, id, group.last_id));
            propagate_last_id = false;
        }
        claimed.push((id, if justid { None } else { entry }));
        dirty += 1;
    }
    if propagate_last_id && propagating {
        effects.push(group_id_effect(&argv[1], &argv[2], &group));
    }
    stream.groups.insert(argv[2].to_vec(), group);
    propagate_effects(server, client.db, effects);
    server.dirty += dirty + u64::from(created);
    // Redis compat: the reply's length comes first (a deferred length), the
    // consumer's creation event next, then the entries.
    client.reply_array_len(claimed.len());
    if created {
        server.notify(client, notify::STREAM, "xgroup-createconsumer", &argv[1]);
    }
    for (id, entry) in claimed {
        match entry {
            Some(entry) => reply_entry(client, &entry),
            None => reply_id(client, id),
        }
    }
}

fn xautoclaim(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: these write commands look their key up as a read,
    // so it counts as a keyspace hit or miss.
    super::count_reads(server, client, true);
    let Some(min_idle) = parse_integer(
        client,
        &argv[4],
        "Invalid min-idle-time argument for XAUTOCLAIM",
    ) else {
        return;
    };
    let min_idle = min_idle.max(0);
    let Some(start) = parse_bound(client, &argv[5], 0, true) else {
        return;
    };
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if argv[j].eq_ignore_ascii_case(b"COUNT") && more > 0 {
            // Redis compat: LONG_MAX / max(sizeof(streamID), 10).
            let max_count = i64::MAX / 16;
            match super::parse_i64(&argv[j + 1]) {
                Some(value) if (1..=max_count).contains(&value) => count = value,
                _ => return client.reply_error("COUNT must be > 0"),
            }
            j += 1;
        } else if argv[j].eq_ignore_ascii_case(b"JUSTID") {
            justid = true;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
        j += 1;
    }
    let now = server.now_ms;
    let db = client.db;
    let has_group = match stream_mut(&mut server.dbs[db], client, &argv[1], now) {
        Err(()) => return,
        Ok(stream) => stream.is_some_and(|s| s.groups.contains_key(&argv[2])),
    };
    if !has_group {
        return client.reply_error(no_group_error(&argv[1], &argv[2]));
    }
    // The second lookup below is not one Redis makes.
    super::count_reads(server, client, false);
    let now_ms = now_u64(server);
    let propagating = server.propagation.enabled;
    let Some(stream) = stream_at(server, db, &argv[1], now) else {
        return;
    };
    let Some(mut group) = stream.groups.remove(&argv[2]) else {
        return;
    };
    let name = &argv[3];
    let mut attempts = count.saturating_mul(10);
    let mut created = false;
    let mut consumer_touched = false;
    let mut claimed: Vec<(StreamId, Option<Entry>)> = Vec::new();
    let mut deleted = Vec::new();
    let mut dirty = 0u64;
    let mut effects: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut next: Option<StreamId> = group.pel.range(start..).next().map(|(id, _)| *id);
    loop {
        if attempts == 0 || count == 0 {
            break;
        }
        attempts -= 1;
        let Some(id) = next else {
            break;
        };
        next = id
            .successor()
            .and_then(|after| group.pel.range(after..).next().map(|(id, _)| *id));
        let entry = stream.get(id);
        if entry.is_none() {
            if let Some(nack) = group.pel.get(&id).filter(|_| propagating) {
                effects.push(xclaim_effect(&argv[1], &argv[2], nack, id, group.last_id));
            }
            group.ack(id);
            deleted.push(id);
            dirty += 1;
            count -= 1;
            continue;
        }
        let Some((delivered_at, previous)) = group
            .pel
            .get(&id)
            .map(|n| (n.delivery_time, n.delivery_count))
        else {
            continue;
        };
        if min_idle != 0 && now.wrapping_sub(delivered_at as i64) < min_idle {
            continue;
        }
        if !consumer_touched {
            created = touch_consumer(&mut group, name, now_ms);
            consumer_touched = true;
        }
        let deliveries = if justid {
            previous
        } else {
            previous.wrapping_add(1)
        };
        group.assign(id, name, now_ms, deliveries);
        if let Some(nack) = group.pel.get(&id).filter(|_| propagating) {
            effects.push(xclaim_effect(&argv[1], &argv[2], nack, id, group.last_id));
        }
        claimed.push((id, if justid { None } else { entry }));
        count -= 1;
        dirty += 1;
    }
    let end_id = next.unwrap_or(StreamId::MIN);
    stream.groups.insert(argv[2].to_vec(), group);
    propagate_effects(server, client.db, effects);
    server.dirty += dirty + u64::from(created);
    // Redis compat: the cursor and the claimed count are deferred replies
    // written before the loop, so the consumer's creation event follows
    // them.
    client.reply_array_len(3);
    reply_id(client, end_id);
    client.reply_array_len(claimed.len());
    if created {
        server.notify(client, notify::STREAM, "xgroup-createconsumer", &argv[1]);
    }
    for (id, entry) in claimed {
        match entry {
            Some(entry) => reply_entry(client, &entry),
            None => reply_id(client, id),
        }
    }
    client.reply_array_len(deleted.len());
    for id in deleted {
        reply_id(client, id);
    }
}

const XINFO_HELP: &[&str] = &[
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
];

/// XINFO's subcommands (Redis's `xinfoCommand`).
fn xinfo(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let syntax_error = |client: &mut Client| {
        client.reply_error(errors::unknown_subcommand_or_arity(&argv[0], &argv[1]));
    };
    let opt = &argv[1];
    if opt.eq_ignore_ascii_case(b"HELP") {
        if argv.len() != 2 {
            return syntax_error(client);
        }
        return super::keyspace::reply_help(client, &argv[0], XINFO_HELP);
    } else if argv.len() < 3 {
        return syntax_error(client);
    }
    let now = server.now_ms;
    let key = &argv[2];
    let stream = match stream_mut(&mut server.dbs[client.db], client, key, now) {
        Err(()) => return,
        Ok(None) => return client.reply_error(errors::NO_SUCH_KEY),
        Ok(Some(stream)) => &*stream,
    };
    if opt.eq_ignore_ascii_case(b"CONSUMERS") && argv.len() == 4 {
        let Some(group) = stream.groups.get(&argv[3]) else {
            return client.reply_error(no_such_group_error(&argv[3], key));
        };
        client.reply_array_len(group.consumers.len());
        for (name, consumer) in &group.consumers {
            client.reply_map_len(3);
            client.reply_bulk(b"name");
            client.reply_bulk(name);
            client.reply_bulk(b"pending");
            client.reply_integer(consumer.pel.len() as i64);
            client.reply_bulk(b"idle");
            client.reply_integer(now.wrapping_sub(consumer.seen_time as i64).max(0));
        }
    } else if opt.eq_ignore_ascii_case(b"GROUPS") && argv.len() == 3 {
        client.reply_array_len(stream.groups.len());
        for (name, group) in &stream.groups {
            client.reply_map_len(6);
            client.reply_bulk(b"name");
            client.reply_bulk(name);
            client.reply_bulk(b"consumers");
            client.reply_integer(group.consumers.len() as i64);
            client.reply_bulk(b"pending");
            client.reply_integer(group.pel.len() as i64);
            client.reply_bulk(b"last-delivered-id");
            reply_id(client, group.last_id);
            reply_entries_read_and_lag(client, stream, group);
        }
    } else if opt.eq_ignore_ascii_case(b"STREAM") {
        xinfo_stream(client, &argv, stream);
    } else {
        syntax_error(client);
    }
}

fn reply_entries_read_and_lag(client: &mut Client, stream: &Stream, group: &ConsumerGroup) {
    client.reply_bulk(b"entries-read");
    if group.entries_read != INVALID_ENTRIES_READ {
        client.reply_integer(group.entries_read);
    } else {
        client.reply_null();
    }
    client.reply_bulk(b"lag");
    match stream.group_lag(group) {
        Some(lag) => client.reply_integer(lag),
        None => client.reply_null(),
    }
}

/// XINFO STREAM key [FULL [COUNT count]].
fn xinfo_stream(client: &mut Client, argv: &Argv<'_>, stream: &Stream) {
    let syntax_error = |client: &mut Client| {
        client.reply_error(errors::unknown_subcommand_or_arity(&argv[0], &argv[1]));
    };
    let options = argv.len() - 3;
    let mut count: i64 = 10;
    let full = options > 0;
    if full {
        if (options != 1 && options != 3) || !argv[3].eq_ignore_ascii_case(b"full") {
            return syntax_error(client);
        }
        if options == 3 {
            if !argv[4].eq_ignore_ascii_case(b"count") {
                return syntax_error(client);
            }
            count = match parse_integer(client, &argv[5], errors::NOT_INTEGER) {
                Some(value) if value < 0 => 10,
                Some(value) => value,
                None => return,
            };
        }
    }
    client.reply_map_len(if full { 9 } else { 10 });
    client.reply_bulk(b"length");
    client.reply_integer(stream.len() as i64);
    client.reply_bulk(b"radix-tree-keys");
    client.reply_integer(stream.node_count() as i64);
    client.reply_bulk(b"radix-tree-nodes");
    client.reply_integer(stream.rax_node_count() as i64);
    client.reply_bulk(b"last-generated-id");
    reply_id(client, stream.last_id);
    client.reply_bulk(b"max-deleted-entry-id");
    reply_id(client, stream.max_deleted_entry_id);
    client.reply_bulk(b"entries-added");
    client.reply_integer(stream.entries_added as i64);
    client.reply_bulk(b"recorded-first-entry-id");
    reply_id(client, stream.first_id);
    if !full {
        client.reply_bulk(b"groups");
        client.reply_integer(stream.groups.len() as i64);
        for (label, rev) in [(&b"first-entry"[..], false), (b"last-entry", true)] {
            client.reply_bulk(label);
            match stream.range(StreamId::MIN, StreamId::MAX, 1, rev).first() {
                Some(entry) => reply_entry(client, entry),
                None => client.reply_null(),
            }
        }
        return;
    }
    let limit = if count == 0 {
        usize::MAX
    } else {
        count as usize
    };
    client.reply_bulk(b"entries");
    let entries = stream.range(StreamId::MIN, StreamId::MAX, count as usize, false);
    reply_entries(client, &entries);
    client.reply_bulk(b"groups");
    client.reply_array_len(stream.groups.len());
    for (name, group) in &stream.groups {
        client.reply_map_len(7);
        client.reply_bulk(b"name");
        client.reply_bulk(name);
        client.reply_bulk(b"last-delivered-id");
        reply_id(client, group.last_id);
        reply_entries_read_and_lag(client, stream, group);
        client.reply_bulk(b"pel-count");
        client.reply_integer(group.pel.len() as i64);
        client.reply_bulk(b"pending");
        let shown: Vec<_> = group.pel.iter().take(limit).collect();
        client.reply_array_len(shown.len());
        for (id, nack) in shown {
            client.reply_array_len(4);
            reply_id(client, *id);
            client.reply_bulk(&nack.consumer);
            client.reply_integer(nack.delivery_time as i64);
            client.reply_integer(nack.delivery_count as i64);
        }
        client.reply_bulk(b"consumers");
        client.reply_array_len(group.consumers.len());
        for (consumer_name, consumer) in &group.consumers {
            client.reply_map_len(4);
            client.reply_bulk(b"name");
            client.reply_bulk(consumer_name);
            client.reply_bulk(b"seen-time");
            client.reply_integer(consumer.seen_time as i64);
            client.reply_bulk(b"pel-count");
            client.reply_integer(consumer.pel.len() as i64);
            client.reply_bulk(b"pending");
            let shown: Vec<_> = consumer.pel.iter().take(limit).collect();
            client.reply_array_len(shown.len());
            for id in shown {
                client.reply_array_len(3);
                reply_id(client, *id);
                let (time, deliveries) = group
                    .pel
                    .get(id)
                    .map_or((0, 0), |nack| (nack.delivery_time, nack.delivery_count));
                client.reply_integer(time as i64);
                client.reply_integer(deliveries as i64);
            }
        }
    }
}

/// The XCLAIM that gives a replica the state of one pending entry
/// (Redis's `streamPropagateXCLAIM`): idempotent, with every field given.
fn xclaim_effect(
    key: &[u8],
    group: &[u8],
    nack: &vireo_core::t_stream::Nack,
    id: StreamId,
    last_id: StreamId,
) -> Vec<Vec<u8>> {
    vec![
        b"XCLAIM".to_vec(),
        key.to_vec(),
        group.to_vec(),
        nack.consumer.clone(),
        b"0".to_vec(),
        id.format(),
        b"TIME".to_vec(),
        nack.delivery_time.to_string().into_bytes(),
        b"RETRYCOUNT".to_vec(),
        nack.delivery_count.to_string().into_bytes(),
        b"FORCE".to_vec(),
        b"JUSTID".to_vec(),
        b"LASTID".to_vec(),
        last_id.format(),
    ]
}

/// The XGROUP SETID that moves a replica's group to where this one is
/// (Redis's `streamPropagateGroupID`).
fn group_id_effect(key: &[u8], group_name: &[u8], group: &ConsumerGroup) -> Vec<Vec<u8>> {
    vec![
        b"XGROUP".to_vec(),
        b"SETID".to_vec(),
        key.to_vec(),
        group_name.to_vec(),
        group.last_id.format(),
        b"ENTRIESREAD".to_vec(),
        group.entries_read.to_string().into_bytes(),
    ]
}

/// Sends a command's effects in its place: XREADGROUP, XCLAIM and
/// XAUTOCLAIM reach replicas as the state changes they made.
fn propagate_effects(server: &mut Server, db: usize, effects: Vec<Vec<Vec<u8>>>) {
    server.prevent_propagation();
    for effect in effects {
        let args: Vec<&[u8]> = effect.iter().map(Vec::as_slice).collect();
        server.also_propagate(db, &args);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_like_redis() {
        let id = |text: &[u8]| parse_id_full(text, 7, false, true).map(|p| (p.id, p.seq_given));
        assert_eq!(id(b"5"), Some((StreamId::new(5, 7), true)));
        assert_eq!(id(b"5-3"), Some((StreamId::new(5, 3), true)));
        assert_eq!(id(b"5-*"), Some((StreamId::new(5, 0), false)));
        assert_eq!(id(b"-"), Some((StreamId::MIN, true)));
        assert_eq!(id(b"+"), Some((StreamId::MAX, true)));
        assert_eq!(id(b"+5"), Some((StreamId::new(5, 7), true)));
        assert_eq!(id(b"-5"), None);
        assert_eq!(id(b"5-"), None);
        assert_eq!(id(b"a"), None);
        assert_eq!(
            id(b"18446744073709551615-18446744073709551615"),
            Some((StreamId::MAX, true))
        );
        assert_eq!(id(b"18446744073709551616"), None);
        assert_eq!(parse_id_full(b"-", 0, true, false).map(|p| p.id), None);
    }
}
