//! Sorted-set commands: ZADD, ZINCRBY, ZREM, ZCARD, ZCOUNT, ZLEXCOUNT,
//! ZSCORE, ZMSCORE, ZRANK, ZREVRANK, the ZRANGE family, ZRANGESTORE, the
//! ZREMRANGEBY* family, ZPOPMIN, ZPOPMAX, ZMPOP, their blocking forms
//! (BZPOPMIN, BZPOPMAX, BZMPOP), ZRANDMEMBER, ZUNION, ZINTER, ZDIFF (and
//! their STORE forms), ZINTERCARD and ZSCAN.

use vireo_core::db::NO_EXPIRY;
use vireo_core::t_zset::{parse_score, write_listpack_score, LexRange, ScoreRange, ZSet};
use vireo_core::Value;
use vireo_resp::Argv;

use super::set::{parse_scan_cursor, parse_scan_options, TakenValues};
use crate::blocked::{BlockKind, BlockRequest};
use crate::client::Client;
use crate::command::{
    acl, flags, keys_from_1, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec,
    KEY_RO_ACCESS, KEY_RW_ACCESS_UPDATE,
};
use crate::errors;
use crate::notify;
use crate::server::Server;

/// ZADD
pub const ZADD: CommandSpec = CommandSpec {
    name: "zadd",
    arity: -4,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "update"], 0, 1)],
    doc: Doc {
        summary: "Adds members to a sorted set or updates their scores",
        since: "1.2.0",
        group: "sorted_set",
        complexity: "O(log(N))",
        args: &[
            Arg::key("key", 0),
            Arg::new("condition", ArgKind::OneOf)
                .optional()
                .since("3.0.2")
                .of(&[Arg::token("nx", "NX"), Arg::token("xx", "XX")]),
            Arg::new("comparison", ArgKind::OneOf)
                .optional()
                .since("6.2.0")
                .of(&[Arg::token("gt", "GT"), Arg::token("lt", "LT")]),
            Arg::token("change", "CH").optional().since("3.0.2"),
            Arg::token("increment", "INCR").optional().since("3.0.2"),
            Arg::new("score_member", ArgKind::Block).multiple().of(&[
                Arg::new("score", ArgKind::Double),
                Arg::new("member", ArgKind::String),
            ]),
        ],
    },
    subcommands: &[],
    handler: Some(zadd),
};

/// ZINCRBY
pub const ZINCRBY: CommandSpec = CommandSpec {
    name: "zincrby",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RW_ACCESS_UPDATE,
    doc: Doc {
        summary: "Adds to the score of a sorted-set member",
        since: "1.2.0",
        group: "sorted_set",
        complexity: "O(log(N))",
        args: &[
            Arg::key("key", 0),
            Arg::new("increment", ArgKind::Integer),
            Arg::new("member", ArgKind::String),
        ],
    },
    subcommands: &[],
    handler: Some(zincrby),
};

/// ZREM
pub const ZREM: CommandSpec = CommandSpec {
    name: "zrem",
    arity: -3,
    flags: flags::WRITE | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "delete"], 0, 1)],
    doc: Doc {
        summary: "Removes members from a sorted set",
        since: "1.2.0",
        group: "sorted_set",
        complexity: "O(M*log(N))",
        args: &[
            Arg::key("key", 0),
            Arg::new("member", ArgKind::String).multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(zrem),
};

/// ZCARD
pub const ZCARD: CommandSpec = CommandSpec {
    name: "zcard",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[keys_from_1(&["RO"], 0, 1)],
    doc: Doc {
        summary: "Counts the members of a sorted set",
        since: "1.2.0",
        group: "sorted_set",
        complexity: "O(1)",
        args: &[Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(zcard),
};

/// ZCOUNT
pub const ZCOUNT: CommandSpec = CommandSpec {
    name: "zcount",
    arity: 4,
    flags: flags::READONLY | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Counts the members whose score is in a range",
        since: "2.0.0",
        group: "sorted_set",
        complexity: "O(log(N))",
        args: &[
            Arg::key("key", 0),
            Arg::new("min", ArgKind::Double),
            Arg::new("max", ArgKind::Double),
        ],
    },
    subcommands: &[],
    handler: Some(zcount),
};

/// ZLEXCOUNT
pub const ZLEXCOUNT: CommandSpec = CommandSpec {
    name: "zlexcount",
    arity: 4,
    flags: flags::READONLY | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Counts the members in a lexicographic range",
        since: "2.8.9",
        group: "sorted_set",
        complexity: "O(log(N))",
        args: &[
            Arg::key("key", 0),
            Arg::new("min", ArgKind::String),
            Arg::new("max", ArgKind::String),
        ],
    },
    subcommands: &[],
    handler: Some(zlexcount),
};

/// ZSCORE
pub const ZSCORE: CommandSpec = CommandSpec {
    name: "zscore",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns the score of a member",
        since: "1.2.0",
        group: "sorted_set",
        complexity: "O(1)",
        args: &[Arg::key("key", 0), Arg::new("member", ArgKind::String)],
    },
    subcommands: &[],
    handler: Some(zscore),
};

/// ZMSCORE
pub const ZMSCORE: CommandSpec = CommandSpec {
    name: "zmscore",
    arity: -3,
    flags: flags::READONLY | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns the scores of several members",
        since: "6.2.0",
        group: "sorted_set",
        complexity: "O(N)",
        args: &[
            Arg::key("key", 0),
            Arg::new("member", ArgKind::String).multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(zmscore),
};

/// ZRANK
pub const ZRANK: CommandSpec = CommandSpec {
    name: "zrank",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns a member's position in ascending score order",
        since: "2.0.0",
        group: "sorted_set",
        complexity: "O(log(N))",
        args: &[Arg::key("key", 0), Arg::new("member", ArgKind::String)],
    },
    subcommands: &[],
    handler: Some(zrank),
};

/// ZREVRANK
pub const ZREVRANK: CommandSpec = CommandSpec {
    name: "zrevrank",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns a member's position in descending score order",
        since: "2.0.0",
        group: "sorted_set",
        complexity: "O(log(N))",
        args: &[Arg::key("key", 0), Arg::new("member", ArgKind::String)],
    },
    subcommands: &[],
    handler: Some(zrevrank),
};

/// ZRANGE
pub const ZRANGE: CommandSpec = CommandSpec {
    name: "zrange",
    arity: -4,
    flags: flags::READONLY,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns members by rank, score or lexicographic range",
        since: "1.2.0",
        group: "sorted_set",
        complexity: "O(log(N)+M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("start", ArgKind::String),
            Arg::new("stop", ArgKind::String),
            Arg::new("sortby", ArgKind::OneOf)
                .optional()
                .since("6.2.0")
                .of(&[
                    Arg::token("byscore", "BYSCORE"),
                    Arg::token("bylex", "BYLEX"),
                ]),
            Arg::token("rev", "REV").optional().since("6.2.0"),
            Arg::new("offset_count", ArgKind::Block)
                .with_token("LIMIT")
                .optional()
                .since("6.2.0")
                .of(&[
                    Arg::new("offset", ArgKind::Integer),
                    Arg::new("count", ArgKind::Integer),
                ]),
            Arg::token("withscores", "WITHSCORES").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(zrange),
};

/// ZRANGESTORE
pub const ZRANGESTORE: CommandSpec = CommandSpec {
    name: "zrangestore",
    arity: -5,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[
        keys_from_1(&["OW", "update"], 0, 1),
        KeySpec {
            flags: &["RO", "access"],
            begin_search: BeginSearch::Index(2),
            find_keys: FindKeys::Range {
                last_key: 0,
                key_step: 1,
                limit: 0,
            },
        },
    ],
    doc: Doc {
        summary: "Stores a range of a sorted set in a key",
        since: "6.2.0",
        group: "sorted_set",
        complexity: "O(log(N)+M)",
        args: &[
            Arg::key("dst", 0),
            Arg::key("src", 1),
            Arg::new("min", ArgKind::String),
            Arg::new("max", ArgKind::String),
            Arg::new("sortby", ArgKind::OneOf).optional().of(&[
                Arg::token("byscore", "BYSCORE"),
                Arg::token("bylex", "BYLEX"),
            ]),
            Arg::token("rev", "REV").optional(),
            Arg::new("offset_count", ArgKind::Block)
                .with_token("LIMIT")
                .optional()
                .of(&[
                    Arg::new("offset", ArgKind::Integer),
                    Arg::new("count", ArgKind::Integer),
                ]),
        ],
    },
    subcommands: &[],
    handler: Some(zrangestore),
};

/// ZRANGEBYSCORE
pub const ZRANGEBYSCORE: CommandSpec = CommandSpec {
    name: "zrangebyscore",
    arity: -4,
    flags: flags::READONLY,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns members in a score range",
        since: "1.0.5",
        group: "sorted_set",
        complexity: "O(log(N)+M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("min", ArgKind::Double),
            Arg::new("max", ArgKind::Double),
            Arg::token("withscores", "WITHSCORES")
                .optional()
                .since("2.0.0"),
            Arg::new("offset_count", ArgKind::Block)
                .with_token("LIMIT")
                .optional()
                .of(&[
                    Arg::new("offset", ArgKind::Integer),
                    Arg::new("count", ArgKind::Integer),
                ]),
        ],
    },
    subcommands: &[],
    handler: Some(zrangebyscore),
};

/// ZREVRANGEBYSCORE
pub const ZREVRANGEBYSCORE: CommandSpec = CommandSpec {
    name: "zrevrangebyscore",
    arity: -4,
    flags: flags::READONLY,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns members in a score range, highest first",
        since: "2.2.0",
        group: "sorted_set",
        complexity: "O(log(N)+M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("max", ArgKind::Double),
            Arg::new("min", ArgKind::Double),
            Arg::token("withscores", "WITHSCORES").optional(),
            Arg::new("offset_count", ArgKind::Block)
                .with_token("LIMIT")
                .optional()
                .of(&[
                    Arg::new("offset", ArgKind::Integer),
                    Arg::new("count", ArgKind::Integer),
                ]),
        ],
    },
    subcommands: &[],
    handler: Some(zrevrangebyscore),
};

/// ZRANGEBYLEX
pub const ZRANGEBYLEX: CommandSpec = CommandSpec {
    name: "zrangebylex",
    arity: -4,
    flags: flags::READONLY,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns members in a lexicographic range",
        since: "2.8.9",
        group: "sorted_set",
        complexity: "O(log(N)+M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("min", ArgKind::String),
            Arg::new("max", ArgKind::String),
            Arg::new("offset_count", ArgKind::Block)
                .with_token("LIMIT")
                .optional()
                .of(&[
                    Arg::new("offset", ArgKind::Integer),
                    Arg::new("count", ArgKind::Integer),
                ]),
        ],
    },
    subcommands: &[],
    handler: Some(zrangebylex),
};

/// ZREVRANGEBYLEX
pub const ZREVRANGEBYLEX: CommandSpec = CommandSpec {
    name: "zrevrangebylex",
    arity: -4,
    flags: flags::READONLY,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns members in a lexicographic range, in reverse",
        since: "2.8.9",
        group: "sorted_set",
        complexity: "O(log(N)+M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("max", ArgKind::String),
            Arg::new("min", ArgKind::String),
            Arg::new("offset_count", ArgKind::Block)
                .with_token("LIMIT")
                .optional()
                .of(&[
                    Arg::new("offset", ArgKind::Integer),
                    Arg::new("count", ArgKind::Integer),
                ]),
        ],
    },
    subcommands: &[],
    handler: Some(zrevrangebylex),
};

/// ZREVRANGE
pub const ZREVRANGE: CommandSpec = CommandSpec {
    name: "zrevrange",
    arity: -4,
    flags: flags::READONLY,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns members by rank, highest score first",
        since: "1.2.0",
        group: "sorted_set",
        complexity: "O(log(N)+M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("start", ArgKind::Integer),
            Arg::new("stop", ArgKind::Integer),
            Arg::token("withscores", "WITHSCORES").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(zrevrange),
};

/// ZREMRANGEBYRANK
pub const ZREMRANGEBYRANK: CommandSpec = CommandSpec {
    name: "zremrangebyrank",
    arity: 4,
    flags: flags::WRITE,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "delete"], 0, 1)],
    doc: Doc {
        summary: "Removes the members in a rank range",
        since: "2.0.0",
        group: "sorted_set",
        complexity: "O(log(N)+M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("start", ArgKind::Integer),
            Arg::new("stop", ArgKind::Integer),
        ],
    },
    subcommands: &[],
    handler: Some(zremrangebyrank),
};

/// ZREMRANGEBYSCORE
pub const ZREMRANGEBYSCORE: CommandSpec = CommandSpec {
    name: "zremrangebyscore",
    arity: 4,
    flags: flags::WRITE,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "delete"], 0, 1)],
    doc: Doc {
        summary: "Removes the members in a score range",
        since: "1.2.0",
        group: "sorted_set",
        complexity: "O(log(N)+M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("min", ArgKind::Double),
            Arg::new("max", ArgKind::Double),
        ],
    },
    subcommands: &[],
    handler: Some(zremrangebyscore),
};

/// ZREMRANGEBYLEX
pub const ZREMRANGEBYLEX: CommandSpec = CommandSpec {
    name: "zremrangebylex",
    arity: 4,
    flags: flags::WRITE,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "delete"], 0, 1)],
    doc: Doc {
        summary: "Removes the members in a lexicographic range",
        since: "2.8.9",
        group: "sorted_set",
        complexity: "O(log(N)+M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("min", ArgKind::String),
            Arg::new("max", ArgKind::String),
        ],
    },
    subcommands: &[],
    handler: Some(zremrangebylex),
};

/// ZPOPMIN
pub const ZPOPMIN: CommandSpec = CommandSpec {
    name: "zpopmin",
    arity: -2,
    flags: flags::WRITE | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "access", "delete"], 0, 1)],
    doc: Doc {
        summary: "Removes and returns the lowest-scoring members",
        since: "5.0.0",
        group: "sorted_set",
        complexity: "O(log(N)*M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("count", ArgKind::Integer).optional(),
        ],
    },
    subcommands: &[],
    handler: Some(zpopmin),
};

/// ZPOPMAX
pub const ZPOPMAX: CommandSpec = CommandSpec {
    name: "zpopmax",
    arity: -2,
    flags: flags::WRITE | flags::FAST,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "access", "delete"], 0, 1)],
    doc: Doc {
        summary: "Removes and returns the highest-scoring members",
        since: "5.0.0",
        group: "sorted_set",
        complexity: "O(log(N)*M)",
        args: &[
            Arg::key("key", 0),
            Arg::new("count", ArgKind::Integer).optional(),
        ],
    },
    subcommands: &[],
    handler: Some(zpopmax),
};

/// ZMPOP
pub const ZMPOP: CommandSpec = CommandSpec {
    name: "zmpop",
    arity: -4,
    flags: flags::WRITE | flags::MOVABLEKEYS,
    acl: acl::SORTEDSET,
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
        summary: "Pops members from the first non-empty sorted set",
        since: "7.0.0",
        group: "sorted_set",
        complexity: "O(K) + O(M*log(N))",
        args: &[
            Arg::new("numkeys", ArgKind::Integer),
            Arg::key("key", 0).multiple(),
            Arg::new("where", ArgKind::OneOf).of(MIN_MAX),
            Arg::new("count", ArgKind::Integer)
                .with_token("COUNT")
                .optional(),
        ],
    },
    subcommands: &[],
    handler: Some(zmpop),
};

const MIN_MAX: &[Arg] = &[Arg::token("min", "MIN"), Arg::token("max", "MAX")];

/// BZPOPMIN key [key ...] timeout
pub const BZPOPMIN: CommandSpec = CommandSpec {
    name: "bzpopmin",
    arity: -3,
    flags: flags::WRITE | flags::NOSCRIPT | flags::FAST | flags::BLOCKING,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "access", "delete"], -2, 1)],
    doc: Doc {
        summary: "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
        since: "5.0.0",
        group: "sorted_set",
        complexity: "O(log(N)) with N being the number of elements in the sorted set.",
        args: &[
            Arg::key("key", 0).multiple(),
            Arg::new("timeout", ArgKind::Double),
        ],
    },
    subcommands: &[],
    handler: Some(bzpopmin),
};

/// BZPOPMAX key [key ...] timeout
pub const BZPOPMAX: CommandSpec = CommandSpec {
    name: "bzpopmax",
    doc: Doc {
        summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
        ..BZPOPMIN.doc
    },
    handler: Some(bzpopmax),
    ..BZPOPMIN
};

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
pub const BZMPOP: CommandSpec = CommandSpec {
    name: "bzmpop",
    arity: -5,
    flags: flags::WRITE | flags::BLOCKING | flags::MOVABLEKEYS,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[KeySpec {
        flags: &["RW", "access", "delete"],
        begin_search: BeginSearch::Index(2),
        find_keys: FindKeys::Keynum {
            keynum_index: 0,
            first_key: 1,
            key_step: 1,
        },
    }],
    doc: Doc {
        summary: "Remove and return members with scores in a sorted set or block until one is available",
        since: "7.0.0",
        group: "sorted_set",
        complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        args: &[
            Arg::new("timeout", ArgKind::Double),
            Arg::new("numkeys", ArgKind::Integer),
            Arg::key("key", 0).multiple(),
            Arg::new("where", ArgKind::OneOf).of(MIN_MAX),
            Arg::new("count", ArgKind::Integer)
                .with_token("COUNT")
                .optional(),
        ],
    },
    subcommands: &[],
    handler: Some(bzmpop),
};

/// ZRANDMEMBER
pub const ZRANDMEMBER: CommandSpec = CommandSpec {
    name: "zrandmember",
    arity: -2,
    flags: flags::READONLY,
    acl: acl::SORTEDSET,
    tips: &["nondeterministic_output"],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns random members of a sorted set",
        since: "6.2.0",
        group: "sorted_set",
        complexity: "O(N)",
        args: &[
            Arg::key("key", 0),
            Arg::new("options", ArgKind::Block).optional().of(&[
                Arg::new("count", ArgKind::Integer),
                Arg::token("withscores", "WITHSCORES").optional(),
            ]),
        ],
    },
    subcommands: &[],
    handler: Some(zrandmember),
};

/// ZUNION
pub const ZUNION: CommandSpec = CommandSpec {
    name: "zunion",
    arity: -3,
    flags: flags::READONLY | flags::MOVABLEKEYS,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[KeySpec {
        flags: &["RO", "access"],
        begin_search: BeginSearch::Index(1),
        find_keys: FindKeys::Keynum {
            keynum_index: 0,
            first_key: 1,
            key_step: 1,
        },
    }],
    doc: Doc {
        summary: "Union of sorted sets",
        since: "6.2.0",
        group: "sorted_set",
        complexity: "O(N)+O(M*log(M))",
        args: &[
            Arg::new("numkeys", ArgKind::Integer),
            Arg::key("key", 0).multiple(),
            Arg::new("weight", ArgKind::Integer)
                .with_token("WEIGHTS")
                .optional()
                .multiple(),
            Arg::new("aggregate", ArgKind::OneOf)
                .with_token("AGGREGATE")
                .optional()
                .of(&[
                    Arg::token("sum", "SUM"),
                    Arg::token("min", "MIN"),
                    Arg::token("max", "MAX"),
                ]),
            Arg::token("withscores", "WITHSCORES").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(zunion),
};

/// ZUNIONSTORE
pub const ZUNIONSTORE: CommandSpec = CommandSpec {
    name: "zunionstore",
    arity: -4,
    flags: flags::WRITE | flags::DENYOOM | flags::MOVABLEKEYS,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[
        keys_from_1(&["OW", "update"], 0, 1),
        KeySpec {
            flags: &["RO", "access"],
            begin_search: BeginSearch::Index(2),
            find_keys: FindKeys::Keynum {
                keynum_index: 0,
                first_key: 1,
                key_step: 1,
            },
        },
    ],
    doc: Doc {
        summary: "Stores the union of sorted sets in a key",
        since: "2.0.0",
        group: "sorted_set",
        complexity: "O(N)+O(M log(M))",
        args: &[
            Arg::key("destination", 0),
            Arg::new("numkeys", ArgKind::Integer),
            Arg::key("key", 1).multiple(),
            Arg::new("weight", ArgKind::Integer)
                .with_token("WEIGHTS")
                .optional()
                .multiple(),
            Arg::new("aggregate", ArgKind::OneOf)
                .with_token("AGGREGATE")
                .optional()
                .of(&[
                    Arg::token("sum", "SUM"),
                    Arg::token("min", "MIN"),
                    Arg::token("max", "MAX"),
                ]),
        ],
    },
    subcommands: &[],
    handler: Some(zunionstore),
};

/// ZINTER (shaped like ZUNION)
pub const ZINTER: CommandSpec = CommandSpec {
    name: "zinter",
    doc: Doc {
        summary: "Intersection of sorted sets",
        since: "6.2.0",
        complexity: "O(N*K)+O(M*log(M)) worst case",
        ..ZUNION.doc
    },
    handler: Some(zinter),
    ..ZUNION
};

/// ZINTERSTORE (shaped like ZUNIONSTORE)
pub const ZINTERSTORE: CommandSpec = CommandSpec {
    name: "zinterstore",
    doc: Doc {
        summary: "Stores the intersection of sorted sets in a key",
        since: "2.0.0",
        complexity: "O(N*K)+O(M*log(M)) worst case",
        ..ZUNIONSTORE.doc
    },
    handler: Some(zinterstore),
    ..ZUNIONSTORE
};

/// ZINTERCARD
pub const ZINTERCARD: CommandSpec = CommandSpec {
    name: "zintercard",
    arity: -3,
    flags: flags::READONLY | flags::MOVABLEKEYS,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[KeySpec {
        flags: &["RO", "access"],
        begin_search: BeginSearch::Index(1),
        find_keys: FindKeys::Keynum {
            keynum_index: 0,
            first_key: 1,
            key_step: 1,
        },
    }],
    doc: Doc {
        summary: "Size of the intersection of sorted sets, optionally capped",
        since: "7.0.0",
        group: "sorted_set",
        complexity: "O(N*K) worst case",
        args: &[
            Arg::new("numkeys", ArgKind::Integer),
            Arg::key("key", 0).multiple(),
            Arg::new("limit", ArgKind::Integer)
                .with_token("LIMIT")
                .optional(),
        ],
    },
    subcommands: &[],
    handler: Some(zintercard),
};

/// ZDIFF
pub const ZDIFF: CommandSpec = CommandSpec {
    name: "zdiff",
    arity: -3,
    flags: flags::READONLY | flags::MOVABLEKEYS,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[KeySpec {
        flags: &["RO", "access"],
        begin_search: BeginSearch::Index(1),
        find_keys: FindKeys::Keynum {
            keynum_index: 0,
            first_key: 1,
            key_step: 1,
        },
    }],
    doc: Doc {
        summary: "Members of the first sorted set missing from the others",
        since: "6.2.0",
        group: "sorted_set",
        complexity: "O(L + (N-K)log(N)) worst case",
        args: &[
            Arg::new("numkeys", ArgKind::Integer),
            Arg::key("key", 0).multiple(),
            Arg::token("withscores", "WITHSCORES").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(zdiff),
};

/// ZDIFFSTORE
pub const ZDIFFSTORE: CommandSpec = CommandSpec {
    name: "zdiffstore",
    arity: -4,
    flags: flags::WRITE | flags::DENYOOM | flags::MOVABLEKEYS,
    acl: acl::SORTEDSET,
    tips: &[],
    key_specs: &[
        keys_from_1(&["OW", "update"], 0, 1),
        KeySpec {
            flags: &["RO", "access"],
            begin_search: BeginSearch::Index(2),
            find_keys: FindKeys::Keynum {
                keynum_index: 0,
                first_key: 1,
                key_step: 1,
            },
        },
    ],
    doc: Doc {
        summary: "Stores the difference of sorted sets in a key",
        since: "6.2.0",
        group: "sorted_set",
        complexity: "O(L + (N-K)log(N)) worst case",
        args: &[
            Arg::key("destination", 0),
            Arg::new("numkeys", ArgKind::Integer),
            Arg::key("key", 1).multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(zdiffstore),
};

/// ZSCAN
pub const ZSCAN: CommandSpec = CommandSpec {
    name: "zscan",
    arity: -3,
    flags: flags::READONLY,
    acl: acl::SORTEDSET,
    tips: &["nondeterministic_output"],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Iterates over the members and scores of a sorted set with a cursor",
        since: "2.8.0",
        group: "sorted_set",
        complexity: "O(1) for every call",
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
    handler: Some(zscan),
};

/// The sorted set at `key`: `Ok(None)` if absent, `Err(())` after
/// replying WRONGTYPE if the key holds another type.
fn zset_mut<'a>(
    db: &'a mut vireo_core::Db,
    now: i64,
    client: &mut Client,
    key: &[u8],
) -> Result<Option<&'a mut ZSet>, ()> {
    match db.lookup(key, now) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::ZSet(zset) => Ok(Some(zset)),
            _ => {
                client.reply_error(errors::WRONGTYPE);
                Err(())
            }
        },
    }
}

macro_rules! zset_or_return {
    ($server:expr, $client:expr, $key:expr) => {
        match zset_mut(&mut $server.dbs[$client.db], $server.now_ms, $client, $key) {
            Err(()) => return,
            Ok(found) => found,
        }
    };
}

/// Deletes `key` if its sorted set is now empty; true if it did.
fn delete_if_empty(server: &mut Server, client: &Client, key: &[u8]) -> bool {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    if matches!(db.get(key, now), Some(Value::ZSet(zset)) if zset.is_empty()) {
        db.remove(key, now);
        return true;
    }
    false
}

/// Announces `event` on `key` after `removed` members went, and the key's
/// deletion when it was `emptied` (nothing when no member went).
fn announce_removal(
    server: &mut Server,
    client: &mut Client,
    key: &[u8],
    event: &str,
    removed: u64,
    emptied: bool,
) {
    if removed == 0 {
        return;
    }
    server.notify(client, notify::ZSET, event, key);
    if emptied {
        server.notify(client, notify::GENERIC, "del", key);
    }
}

fn zadd(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zadd_generic(server, client, argv, false);
}

fn zincrby(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zadd_generic(server, client, argv, true);
}

fn zadd_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, zincrby: bool) {
    let key = &argv[1];
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) =
        (false, false, false, false, false, zincrby);
    let mut score_at = 2;
    if !zincrby {
        while score_at < argv.len() {
            let option = &argv[score_at];
            if option.eq_ignore_ascii_case(b"NX") {
                nx = true;
            } else if option.eq_ignore_ascii_case(b"XX") {
                xx = true;
            } else if option.eq_ignore_ascii_case(b"CH") {
                ch = true;
            } else if option.eq_ignore_ascii_case(b"INCR") {
                incr = true;
            } else if option.eq_ignore_ascii_case(b"GT") {
                gt = true;
            } else if option.eq_ignore_ascii_case(b"LT") {
                lt = true;
            } else {
                break;
            }
            score_at += 1;
        }
    }
    let elements = argv.len() - score_at;
    if elements % 2 == 1 || elements == 0 {
        return client.reply_error(errors::SYNTAX);
    }
    let pairs = elements / 2;
    if nx && xx {
        return client.reply_error(errors::ZADD_NX_XX);
    }
    if nx && (gt || lt) || (gt && lt) {
        return client.reply_error(errors::ZADD_GT_LT_NX);
    }
    if incr && pairs > 1 {
        return client.reply_error(errors::ZADD_INCR_PAIRS);
    }
    let mut scored = Vec::with_capacity(pairs);
    for pair in 0..pairs {
        match parse_score(&argv[score_at + pair * 2]) {
            Some(score) => scored.push((score, &argv[score_at + pair * 2 + 1])),
            None => return client.reply_error(errors::NOT_A_FLOAT),
        }
    }
    let options = ZaddOptions {
        nx,
        xx,
        gt,
        lt,
        ch,
        incr,
    };
    add_scored_members(server, client, key, options, &scored);
}

/// ZADD's flags, already checked for conflicts.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ZaddOptions {
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only raise scores.
    pub gt: bool,
    /// Only lower scores.
    pub lt: bool,
    /// Reply with added plus updated members.
    pub ch: bool,
    /// Add to the score instead of setting it (one pair only).
    pub incr: bool,
}

/// The body of ZADD once its arguments are parsed (GEOADD shares it):
/// applies `pairs` of (score, member) to the sorted set at `key` and replies.
pub(crate) fn add_scored_members(
    server: &mut Server,
    client: &mut Client,
    key: &[u8],
    options: ZaddOptions,
    pairs: &[(f64, &[u8])],
) {
    let ZaddOptions {
        nx,
        xx,
        gt,
        lt,
        ch,
        incr,
    } = options;
    let limits = server.config.zset_limits;
    let now = server.now_ms;
    let found = zset_or_return!(server, client, key).is_some();
    if !found {
        if xx {
            return if incr {
                client.reply_null()
            } else {
                client.reply_integer(0)
            };
        }
        // Redis compat: 7.0 picks the encoding from the first member only.
        let first_len = pairs.first().map_or(0, |(_, member)| member.len());
        let zset = if limits.max_listpack_entries == 0 || limits.max_listpack_value < first_len {
            ZSet::Skiplist(Default::default())
        } else {
            ZSet::Listpack(Vec::new())
        };
        server.dbs[client.db].insert(key, Value::ZSet(Box::new(zset)), NO_EXPIRY);
    }
    let Ok(Some(zset)) = zset_mut(&mut server.dbs[client.db], now, client, key) else {
        return;
    };
    let (mut added, mut updated, mut processed) = (0, 0, 0);
    let mut last_score = 0.0;
    let mut nan = false;
    for &(score, member) in pairs {
        match zset.score(member) {
            Some(current) => {
                if nx {
                    continue;
                }
                let mut new_score = score;
                if incr {
                    new_score += current;
                    if new_score.is_nan() {
                        nan = true;
                        break;
                    }
                }
                if (lt && new_score >= current) || (gt && new_score <= current) {
                    continue;
                }
                last_score = new_score;
                processed += 1;
                if new_score != current {
                    zset.set_score(member, new_score);
                    updated += 1;
                }
            }
            None => {
                if xx {
                    continue;
                }
                zset.insert(member, score, limits);
                added += 1;
                processed += 1;
                last_score = score;
            }
        }
    }
    server.dirty += added + updated;
    delete_if_empty(server, client, key);
    if nan {
        client.reply_error(errors::SCORE_NAN);
    } else if incr {
        if processed > 0 {
            client.reply_double(last_score);
        } else {
            client.reply_null();
        }
    } else {
        client.reply_integer(if ch { added + updated } else { added } as i64);
    }
    // Redis compat: announced even when a NaN score ended the command
    // after earlier pairs changed the set.
    if added + updated > 0 {
        let event = if incr { "zincr" } else { "zadd" };
        server.notify(client, notify::ZSET, event, key);
    }
}

fn zrem(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let key = &argv[1];
    let Some(zset) = zset_or_return!(server, client, key) else {
        return client.reply_integer(0);
    };
    let mut removed = 0;
    for member in argv.iter().skip(2) {
        if zset.remove(member).is_some() {
            removed += 1;
            if zset.is_empty() {
                break;
            }
        }
    }
    let emptied = delete_if_empty(server, client, key);
    server.dirty += removed;
    announce_removal(server, client, key, "zrem", removed, emptied);
    client.reply_integer(removed as i64);
}

fn zcard(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let len = zset_or_return!(server, client, &argv[1]).map_or(0, |z| z.len());
    client.reply_integer(len as i64);
}

fn zcount(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(range) = ScoreRange::parse(&argv[2], &argv[3]) else {
        return client.reply_error(errors::MIN_MAX_NOT_FLOAT);
    };
    let zset = zset_or_return!(server, client, &argv[1]);
    let count = zset
        .and_then(|z| z.score_range_ranks(&range))
        .map_or(0, |(first, last)| last - first + 1);
    client.reply_integer(count as i64);
}

fn zlexcount(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(range) = LexRange::parse(&argv[2], &argv[3]) else {
        return client.reply_error(errors::MIN_MAX_NOT_LEX);
    };
    let zset = zset_or_return!(server, client, &argv[1]);
    let count = zset
        .and_then(|z| z.lex_range_ranks(&range))
        .map_or(0, |(first, last)| last - first + 1);
    client.reply_integer(count as i64);
}

fn zscore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let zset = zset_or_return!(server, client, &argv[1]);
    match zset.and_then(|z| z.score(&argv[2])) {
        Some(score) => client.reply_double(score),
        None => client.reply_null(),
    }
}

fn zmscore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let zset = zset_or_return!(server, client, &argv[1]).map(|z| &*z);
    client.reply_array_len(argv.len() - 2);
    for member in argv.iter().skip(2) {
        match zset.and_then(|z| z.score(member)) {
            Some(score) => client.reply_double(score),
            None => client.reply_null(),
        }
    }
}

fn zrank(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zrank_generic(server, client, argv, false);
}

fn zrevrank(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zrank_generic(server, client, argv, true);
}

fn zrank_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, rev: bool) {
    let zset = zset_or_return!(server, client, &argv[1]);
    let Some(zset) = zset else {
        return client.reply_null();
    };
    match zset.rank(&argv[2]) {
        Some(rank) if rev => client.reply_integer((zset.len() - 1 - rank) as i64),
        Some(rank) => client.reply_integer(rank as i64),
        None => client.reply_null(),
    }
}

/// How ZRANGE's min and max are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeKind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Which way a range is walked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// Replies with `(member, score)` pairs of a range: flat in RESP2, pairs
/// in RESP3 when scores are shown.
fn reply_pairs(client: &mut Client, pairs: &[(Vec<u8>, f64)], withscores: bool) {
    if withscores && client.resp == 2 {
        client.reply_array_len(pairs.len() * 2);
    } else {
        client.reply_array_len(pairs.len());
    }
    for (member, score) in pairs {
        if withscores && client.resp > 2 {
            client.reply_array_len(2);
        }
        client.reply_bulk(member);
        if withscores {
            client.reply_double(*score);
        }
    }
}

/// The common body of ZRANGE, ZRANGESTORE and the legacy range commands
/// (Redis's `zrangeGenericCommand`).
fn zrange_generic(
    server: &mut Server,
    client: &mut Client,
    argv: Argv<'_>,
    key_at: usize,
    destination: Option<&[u8]>,
    mut kind: RangeKind,
    mut direction: Direction,
) {
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut index = key_at + 3;
    while index < argv.len() {
        let option = &argv[index];
        let left = argv.len() - index - 1;
        if destination.is_none() && option.eq_ignore_ascii_case(b"WITHSCORES") {
            withscores = true;
        } else if option.eq_ignore_ascii_case(b"LIMIT") && left >= 2 {
            match (
                super::parse_i64(&argv[index + 1]),
                super::parse_i64(&argv[index + 2]),
            ) {
                (Some(o), Some(l)) => (offset, limit) = (o, l),
                _ => return client.reply_error(errors::NOT_INTEGER),
            }
            index += 2;
        } else if direction == Direction::Auto && option.eq_ignore_ascii_case(b"REV") {
            direction = Direction::Reverse;
        } else if kind == RangeKind::Auto && option.eq_ignore_ascii_case(b"BYLEX") {
            kind = RangeKind::Lex;
        } else if kind == RangeKind::Auto && option.eq_ignore_ascii_case(b"BYSCORE") {
            kind = RangeKind::Score;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
        index += 1;
    }
    if kind == RangeKind::Auto {
        kind = RangeKind::Rank;
    }
    let rev = direction == Direction::Reverse;
    if (offset != 0 || limit != -1) && kind == RangeKind::Rank {
        return client.reply_error(errors::ZRANGE_LIMIT);
    }
    if withscores && kind == RangeKind::Lex {
        return client.reply_error(errors::ZRANGE_LEX_WITHSCORES);
    }
    let (mut min, mut max) = (&argv[key_at + 1], &argv[key_at + 2]);
    if rev && kind != RangeKind::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    /// The ranks to emit, before LIMIT.
    enum Window {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let window = match kind {
        RangeKind::Score => match ScoreRange::parse(min, max) {
            Some(range) => Window::Score(range),
            None => return client.reply_error(errors::MIN_MAX_NOT_FLOAT),
        },
        RangeKind::Lex => match LexRange::parse(min, max) {
            Some(range) => Window::Lex(range),
            None => return client.reply_error(errors::MIN_MAX_NOT_LEX),
        },
        _ => match (super::parse_i64(min), super::parse_i64(max)) {
            (Some(start), Some(end)) => Window::Rank(start, end),
            _ => return client.reply_error(errors::NOT_INTEGER),
        },
    };
    let key = &argv[key_at];
    let zset = zset_or_return!(server, client, key);
    let mut pairs: Vec<(Vec<u8>, f64)> = Vec::new();
    if let Some(zset) = zset {
        let len = zset.len() as i64;
        let ranks = match &window {
            Window::Rank(start, end) => {
                let (mut start, mut end) = (*start, *end);
                if start < 0 {
                    start += len;
                }
                if end < 0 {
                    end += len;
                }
                start = start.max(0);
                if start > end || start >= len {
                    None
                } else {
                    let end = end.min(len - 1);
                    // In reverse, rank 0 is the highest score.
                    if rev {
                        Some(((len - 1 - end) as usize, (len - 1 - start) as usize))
                    } else {
                        Some((start as usize, end as usize))
                    }
                }
            }
            Window::Score(range) => zset.score_range_ranks(range),
            Window::Lex(range) => zset.lex_range_ranks(range),
        };
        if let Some((first, last)) = ranks {
            let (mut first, mut last) = (first, last);
            if !matches!(window, Window::Rank(..)) {
                // Redis compat: a negative offset skips everything; a
                // negative limit means no limit.
                let available = (last - first + 1) as i64;
                if offset < 0 || offset >= available {
                    first = 1;
                    last = 0;
                } else {
                    let take = if limit < 0 {
                        available - offset
                    } else {
                        limit.min(available - offset)
                    };
                    if take == 0 {
                        first = 1;
                        last = 0;
                    } else if rev {
                        last -= offset as usize;
                        first = last + 1 - take as usize;
                    } else {
                        first += offset as usize;
                        last = first + take as usize - 1;
                    }
                }
            }
            if first <= last {
                pairs.reserve(last - first + 1);
                zset.for_each_in_ranks(first, last, rev, |m, s| pairs.push((m.to_vec(), s)));
            }
        }
    }
    match destination {
        None => reply_pairs(client, &pairs, withscores),
        Some(destination) => {
            let limits = server.config.zset_limits;
            let max_len = pairs.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
            let mut result = ZSet::new(pairs.len(), max_len, limits);
            for (member, score) in &pairs {
                if result.score(member).is_none() {
                    result.insert(member, *score, limits);
                }
            }
            store_zset(server, client, destination, result, "zrangestore");
        }
    }
}

/// Stores `zset` at `key` (or deletes `key` if empty), replies with its
/// size and announces `event` (or `del`).
fn store_zset(server: &mut Server, client: &mut Client, key: &[u8], zset: ZSet, event: &str) {
    let now = server.now_ms;
    let len = zset.len();
    let db = &mut server.dbs[client.db];
    client.reply_integer(len as i64);
    if len > 0 {
        db.insert(key, Value::ZSet(Box::new(zset)), NO_EXPIRY);
        server.dirty += 1;
        server.notify(client, notify::ZSET, event, key);
    } else if db.remove(key, now) {
        server.dirty += 1;
        server.notify(client, notify::GENERIC, "del", key);
    }
}

fn zrange(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zrange_generic(
        server,
        client,
        argv,
        1,
        None,
        RangeKind::Auto,
        Direction::Auto,
    );
}

fn zrangestore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: the source is read with lookupKeyRead.
    super::count_reads(server, client, true);
    let destination = argv[1].to_vec();
    zrange_generic(
        server,
        client,
        argv,
        2,
        Some(&destination),
        RangeKind::Auto,
        Direction::Auto,
    );
}

fn zrangebyscore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zrange_generic(
        server,
        client,
        argv,
        1,
        None,
        RangeKind::Score,
        Direction::Forward,
    );
}

fn zrevrangebyscore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zrange_generic(
        server,
        client,
        argv,
        1,
        None,
        RangeKind::Score,
        Direction::Reverse,
    );
}

fn zrangebylex(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zrange_generic(
        server,
        client,
        argv,
        1,
        None,
        RangeKind::Lex,
        Direction::Forward,
    );
}

fn zrevrangebylex(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zrange_generic(
        server,
        client,
        argv,
        1,
        None,
        RangeKind::Lex,
        Direction::Reverse,
    );
}

fn zrevrange(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zrange_generic(
        server,
        client,
        argv,
        1,
        None,
        RangeKind::Rank,
        Direction::Reverse,
    );
}

/// Which range a ZREMRANGEBY* command removes.
enum RemoveRange {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

fn zremrange_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, range: RemoveRange) {
    let key = &argv[1];
    let Some(zset) = zset_or_return!(server, client, key) else {
        return client.reply_integer(0);
    };
    let len = zset.len() as i64;
    let ranks = match &range {
        RemoveRange::Rank(start, end) => {
            let (mut start, mut end) = (*start, *end);
            if start < 0 {
                start += len;
            }
            if end < 0 {
                end += len;
            }
            start = start.max(0);
            if start > end || start >= len {
                None
            } else {
                Some((start as usize, end.min(len - 1) as usize))
            }
        }
        RemoveRange::Score(range) => zset.score_range_ranks(range),
        RemoveRange::Lex(range) => zset.lex_range_ranks(range),
    };
    let removed = ranks.map_or(0, |(first, last)| zset.remove_ranks(first, last));
    let emptied = delete_if_empty(server, client, key);
    server.dirty += removed as u64;
    let event = match range {
        RemoveRange::Rank(..) => "zremrangebyrank",
        RemoveRange::Score(_) => "zremrangebyscore",
        RemoveRange::Lex(_) => "zremrangebylex",
    };
    announce_removal(server, client, key, event, removed as u64, emptied);
    client.reply_integer(removed as i64);
}

fn zremrangebyrank(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    match (super::parse_i64(&argv[2]), super::parse_i64(&argv[3])) {
        (Some(start), Some(end)) => {
            zremrange_generic(server, client, argv, RemoveRange::Rank(start, end))
        }
        _ => client.reply_error(errors::NOT_INTEGER),
    }
}

fn zremrangebyscore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    match ScoreRange::parse(&argv[2], &argv[3]) {
        Some(range) => zremrange_generic(server, client, argv, RemoveRange::Score(range)),
        None => client.reply_error(errors::MIN_MAX_NOT_FLOAT),
    }
}

fn zremrangebylex(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    match LexRange::parse(&argv[2], &argv[3]) {
        Some(range) => zremrange_generic(server, client, argv, RemoveRange::Lex(range)),
        None => client.reply_error(errors::MIN_MAX_NOT_LEX),
    }
}

/// Pops from the first non-empty sorted set among `keys` (Redis's
/// `genericZpopCommand`). `count` of `None` is the single-pop form.
#[allow(clippy::too_many_arguments)]
fn zpop_generic(
    server: &mut Server,
    client: &mut Client,
    keys: &[&[u8]],
    max: bool,
    count: Option<usize>,
    emit_key: bool,
    nested: bool,
    nil_when_empty: bool,
) {
    let now = server.now_ms;
    let mut chosen = None;
    for key in keys {
        match zset_mut(&mut server.dbs[client.db], now, client, key) {
            Err(()) => return,
            Ok(None) => continue,
            Ok(Some(_)) => {
                chosen = Some(*key);
                break;
            }
        }
    }
    let Some(key) = chosen else {
        return if nil_when_empty {
            client.reply_null_array()
        } else {
            client.reply_array_len(0)
        };
    };
    if count == Some(0) {
        return client.reply_array_len(0);
    }
    let Ok(Some(zset)) = zset_mut(&mut server.dbs[client.db], now, client, key) else {
        return;
    };
    let take = count.unwrap_or(1).min(zset.len());
    let popped: Vec<_> = (0..take).map_while(|_| zset.pop(max)).collect();
    match (nested, emit_key) {
        (false, false) => client.reply_array_len(take * 2),
        (true, false) => client.reply_array_len(take),
        (false, true) => {
            client.reply_array_len(take * 2 + 1);
            client.reply_bulk(key);
        }
        (true, true) => {
            client.reply_array_len(2);
            client.reply_bulk(key);
            client.reply_array_len(take);
        }
    }
    server.dirty += take as u64;
    // Redis compat: ZMPOP and the blocking pops reach replicas as the
    // ZPOPMIN/ZPOPMAX they did.
    if emit_key && take > 0 && server.propagation.enabled {
        let command: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
        match count {
            Some(_) => {
                let take = take.to_string();
                server.rewrite_propagated(&[command, key, take.as_bytes()]);
            }
            None => server.rewrite_propagated(&[command, key]),
        }
    }
    // Redis compat: announced inside the reply, before the first member.
    let event = if max { "zpopmax" } else { "zpopmin" };
    if take > 0 {
        server.notify(client, notify::ZSET, event, key);
    }
    for (member, score) in &popped {
        if nested {
            client.reply_array_len(2);
        }
        client.reply_bulk(member);
        client.reply_double(*score);
    }
    if delete_if_empty(server, client, key) && take > 0 {
        server.notify(client, notify::GENERIC, "del", key);
    }
}

fn zpop_min_max(server: &mut Server, client: &mut Client, argv: Argv<'_>, max: bool) {
    if argv.len() > 3 {
        return client.reply_error(errors::SYNTAX);
    }
    let count = match argv.get(2) {
        None => None,
        Some(arg) => match super::parse_i64(arg) {
            Some(count) if count >= 0 => Some(count as usize),
            _ => return client.reply_error(errors::MUST_BE_POSITIVE),
        },
    };
    let nested = client.resp > 2 && count.is_some();
    zpop_generic(
        server,
        client,
        &[&argv[1]],
        max,
        count,
        false,
        nested,
        false,
    );
}

fn zpopmin(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zpop_min_max(server, client, argv, false);
}

fn zpopmax(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zpop_min_max(server, client, argv, true);
}

fn zmpop(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some((keys, max, count)) = parse_zmpop(client, &argv, 1) else {
        return;
    };
    zpop_generic(server, client, &keys, max, Some(count), true, true, true);
}

/// Parses ZMPOP's and BZMPOP's `numkeys key [key ...] MIN|MAX [COUNT
/// count]`, starting at `numkeys_at`, into (keys, max, count), or replies
/// with the error.
fn parse_zmpop<'a>(
    client: &mut Client,
    argv: &'a Argv<'_>,
    numkeys_at: usize,
) -> Option<(Vec<&'a [u8]>, bool, usize)> {
    let numkeys = match super::parse_i64(&argv[numkeys_at]) {
        Some(n) if n >= 1 => n as u64,
        _ => {
            client.reply_error(errors::NUMKEYS_POSITIVE);
            return None;
        }
    };
    let where_at = match usize::try_from(numkeys_at as u64 + numkeys + 1) {
        Ok(at) if at < argv.len() => at,
        _ => {
            client.reply_error(errors::SYNTAX);
            return None;
        }
    };
    let max = if argv[where_at].eq_ignore_ascii_case(b"MIN") {
        false
    } else if argv[where_at].eq_ignore_ascii_case(b"MAX") {
        true
    } else {
        client.reply_error(errors::SYNTAX);
        return None;
    };
    let mut count = None;
    let mut index = where_at + 1;
    while index < argv.len() {
        if count.is_none() && argv[index].eq_ignore_ascii_case(b"COUNT") && index + 1 < argv.len() {
            match super::parse_i64(&argv[index + 1]) {
                Some(n) if n >= 1 => count = Some(n as usize),
                _ => {
                    client.reply_error(errors::COUNT_POSITIVE);
                    return None;
                }
            }
            index += 2;
        } else {
            client.reply_error(errors::SYNTAX);
            return None;
        }
    }
    let keys = argv.iter().take(where_at).skip(numkeys_at + 1).collect();
    Some((keys, max, count.unwrap_or(1)))
}

fn bzpopmin(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).take(argv.len() - 2).collect();
    blocking_zpop(server, client, &keys, &argv[argv.len() - 1], false, None);
}

fn bzpopmax(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).take(argv.len() - 2).collect();
    blocking_zpop(server, client, &keys, &argv[argv.len() - 1], true, None);
}

fn bzmpop(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: the arguments after the timeout are checked before it.
    let Some((keys, max, count)) = parse_zmpop(client, &argv, 2) else {
        return;
    };
    blocking_zpop(server, client, &keys, &argv[1], max, Some(count));
}

/// The BZPOPMIN/BZPOPMAX/BZMPOP core: pops from the first non-empty sorted
/// set of `keys` like ZPOPMIN/ZMPOP, or asks the gate to block. `count`
/// is BZMPOP's (nested replies); the BZPOP forms reply key, member, score.
fn blocking_zpop(
    server: &mut Server,
    client: &mut Client,
    keys: &[&[u8]],
    timeout: &[u8],
    max: bool,
    count: Option<usize>,
) {
    let deadline_ms = match crate::blocked::parse_timeout(timeout, server.now_ms) {
        Ok(deadline) => deadline,
        Err(message) => return client.reply_error(message),
    };
    let now = server.now_ms;
    for key in keys {
        match zset_mut(&mut server.dbs[client.db], now, client, key) {
            Err(()) => return,
            Ok(None) => continue,
            Ok(Some(_)) => {
                let nested = count.is_some();
                return zpop_generic(server, client, &[key], max, count, true, nested, nested);
            }
        }
    }
    if super::list::must_not_wait(client) {
        return client.reply_null_array();
    }
    client.block_request = Some(BlockRequest {
        kind: BlockKind::ZSet,
        keys: keys.iter().map(|key| key.to_vec()).collect(),
        deadline_ms,
        stream_ids: Vec::new(),
    });
}

fn zrandmember(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut withscores = false;
    let count = match argv.get(2) {
        None => None,
        Some(arg) => {
            let count = match super::parse_i64(arg) {
                None => return client.reply_error(errors::NOT_INTEGER),
                Some(i64::MIN) => {
                    return client.reply_error(errors::out_of_range(-i64::MAX, i64::MAX))
                }
                Some(count) => count,
            };
            if argv.len() > 4 || (argv.len() == 4 && !argv[3].eq_ignore_ascii_case(b"WITHSCORES")) {
                return client.reply_error(errors::SYNTAX);
            }
            if argv.len() == 4 {
                withscores = true;
                if !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
                    return client.reply_error(errors::OUT_OF_RANGE);
                }
            }
            Some(count)
        }
    };
    let now = server.now_ms;
    let zset = match zset_mut(&mut server.dbs[client.db], now, client, &argv[1]) {
        Err(()) => return,
        Ok(found) => found.map(|z| &*z),
    };
    let rng = &mut server.rng;
    let Some(zset) = zset else {
        return match count {
            None => client.reply_null(),
            Some(_) => client.reply_array_len(0),
        };
    };
    let Some(count) = count else {
        if let Some((member, _)) = zset.get_by_rank(rng.below(zset.len())) {
            client.reply_bulk(member);
        }
        return;
    };
    let mut pairs: Vec<(Vec<u8>, f64)> = Vec::new();
    if count < 0 || count == 1 {
        // Redis compat: a negative count samples with repetition.
        for _ in 0..count.unsigned_abs() {
            if let Some((member, score)) = zset.get_by_rank(rng.below(zset.len())) {
                pairs.push((member.to_vec(), score));
            }
        }
    } else if count as usize >= zset.len() {
        zset.for_each(|m, s| pairs.push((m.to_vec(), s)));
    } else {
        let mut ranks: Vec<usize> = (0..zset.len()).collect();
        for picked in 0..count as usize {
            let swap_with = picked + rng.below(ranks.len() - picked);
            ranks.swap(picked, swap_with);
            if let Some((member, score)) = zset.get_by_rank(ranks[picked]) {
                pairs.push((member.to_vec(), score));
            }
        }
    }
    reply_pairs(client, &pairs, withscores);
}

/// How ZUNION/ZINTER combine the scores of one member.
#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn apply(self, total: f64, value: f64) -> f64 {
        match self {
            // Redis compat: inf + -inf is 0, not NaN.
            Aggregate::Sum => {
                let sum = total + value;
                if sum.is_nan() {
                    0.0
                } else {
                    sum
                }
            }
            Aggregate::Min => total.min(value),
            Aggregate::Max => total.max(value),
        }
    }
}

/// Which set operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

/// A ZUNION/ZINTER/ZDIFF input: a sorted set or a plain set (score 1).
enum Source<'a> {
    Missing,
    Set(&'a vireo_core::t_set::Set),
    ZSet(&'a ZSet),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::Set(set) => set.len(),
            Source::ZSet(zset) => zset.len(),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::Set(set) => set.contains(member).then_some(1.0),
            Source::ZSet(zset) => zset.score(member),
        }
    }

    fn for_each(&self, mut visit: impl FnMut(&[u8], f64)) {
        match self {
            Source::Missing => {}
            Source::Set(set) => {
                for member in set.iter() {
                    member.with_bytes(|bytes| visit(bytes, 1.0));
                }
            }
            Source::ZSet(zset) => zset.for_each(visit),
        }
    }
}

/// What to do with the result of a ZUNION/ZINTER/ZDIFF.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOpOutput {
    Reply,
    Store,
    Cardinality,
}

fn zsetop_generic(
    server: &mut Server,
    client: &mut Client,
    argv: Argv<'_>,
    numkeys_at: usize,
    op: SetOp,
    output: SetOpOutput,
) {
    let full_name = argv[0].to_ascii_lowercase();
    let numkeys = match super::parse_i64(&argv[numkeys_at]) {
        None => return client.reply_error(errors::NOT_INTEGER),
        Some(n) if n < 1 => {
            return client.reply_error(errors::no_input_keys(&String::from_utf8_lossy(&full_name)))
        }
        Some(n) => n as u64,
    };
    if numkeys > (argv.len() - numkeys_at - 1) as u64 {
        return client.reply_error(errors::SYNTAX);
    }
    let numkeys = numkeys as usize;
    let keys: Vec<&[u8]> = argv.iter().skip(numkeys_at + 1).take(numkeys).collect();
    let taken = TakenValues::take(server, client.db, keys.iter().copied());
    let mut sources = Vec::with_capacity(numkeys);
    for index in 0..numkeys {
        sources.push(match taken.get(index) {
            None => Source::Missing,
            Some(Value::Set(set)) => Source::Set(set),
            Some(Value::ZSet(zset)) => Source::ZSet(zset),
            Some(_) => {
                client.reply_error(errors::WRONGTYPE);
                drop(sources);
                return taken.restore(server, client.db);
            }
        });
    }
    let mut weights = vec![1.0f64; numkeys];
    let mut aggregate = Aggregate::Sum;
    let (mut withscores, mut limit) = (false, 0usize);
    let mut index = numkeys_at + 1 + numkeys;
    let mut failure: Option<String> = None;
    while index < argv.len() && failure.is_none() {
        let remaining = argv.len() - index;
        let option = &argv[index];
        if op != SetOp::Diff
            && output != SetOpOutput::Cardinality
            && remaining > numkeys
            && option.eq_ignore_ascii_case(b"WEIGHTS")
        {
            for weight in weights.iter_mut() {
                index += 1;
                match parse_score(&argv[index]) {
                    Some(value) => *weight = value,
                    None => {
                        failure = Some(errors::WEIGHT_NOT_FLOAT.into());
                        break;
                    }
                }
            }
            index += 1;
        } else if op != SetOp::Diff
            && output != SetOpOutput::Cardinality
            && remaining >= 2
            && option.eq_ignore_ascii_case(b"AGGREGATE")
        {
            let name = &argv[index + 1];
            if name.eq_ignore_ascii_case(b"SUM") {
                aggregate = Aggregate::Sum;
            } else if name.eq_ignore_ascii_case(b"MIN") {
                aggregate = Aggregate::Min;
            } else if name.eq_ignore_ascii_case(b"MAX") {
                aggregate = Aggregate::Max;
            } else {
                failure = Some(errors::SYNTAX.into());
            }
            index += 2;
        } else if output == SetOpOutput::Reply && option.eq_ignore_ascii_case(b"WITHSCORES") {
            withscores = true;
            index += 1;
        } else if output == SetOpOutput::Cardinality
            && remaining >= 2
            && option.eq_ignore_ascii_case(b"LIMIT")
        {
            match super::parse_i64(&argv[index + 1]) {
                Some(n) if n >= 0 => limit = n as usize,
                _ => failure = Some(errors::LIMIT_NEGATIVE.into()),
            }
            index += 2;
        } else {
            failure = Some(errors::SYNTAX.into());
        }
    }
    if let Some(message) = failure {
        client.reply_error(message);
        drop(sources);
        return taken.restore(server, client.db);
    }
    // Smallest first (not for DIFF, whose first key is special).
    let mut order: Vec<usize> = (0..numkeys).collect();
    if op != SetOp::Diff {
        order.sort_by_key(|&i| sources[i].len());
    }
    let weighted = |value: f64, weight: f64| {
        let product = value * weight;
        if product.is_nan() {
            0.0
        } else {
            product
        }
    };
    let mut result: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut cardinality = 0usize;
    match op {
        SetOp::Inter => {
            let first = order[0];
            let mut done = false;
            sources[first].for_each(|member, score| {
                if done {
                    return;
                }
                let mut total = weighted(score, weights[first]);
                for &other in &order[1..] {
                    match sources[other].score(member) {
                        Some(value) => {
                            total = aggregate.apply(total, weighted(value, weights[other]))
                        }
                        None => return,
                    }
                }
                if output == SetOpOutput::Cardinality {
                    cardinality += 1;
                    if limit != 0 && cardinality >= limit {
                        done = true;
                    }
                } else {
                    result.push((member.to_vec(), total));
                }
            });
        }
        SetOp::Union => {
            let mut totals: std::collections::HashMap<Vec<u8>, f64> =
                std::collections::HashMap::new();
            for &index in &order {
                sources[index].for_each(|member, score| {
                    let value = weighted(score, weights[index]);
                    match totals.get_mut(member) {
                        Some(total) => *total = aggregate.apply(*total, value),
                        None => {
                            totals.insert(member.to_vec(), value);
                        }
                    }
                });
            }
            result = totals.into_iter().collect();
        }
        SetOp::Diff => {
            sources[0].for_each(|member, score| {
                if sources[1..]
                    .iter()
                    .all(|other| other.score(member).is_none())
                    && !(1..numkeys).any(|i| taken.same(0, i))
                {
                    result.push((member.to_vec(), score));
                }
            });
        }
    }
    drop(sources);
    taken.restore(server, client.db);
    result.sort_by(|a, b| vireo_core::score_tree::compare(a.1, &a.0, b.1, &b.0));
    match output {
        SetOpOutput::Cardinality => client.reply_integer(cardinality as i64),
        SetOpOutput::Reply => reply_pairs(client, &result, withscores),
        SetOpOutput::Store => {
            let limits = server.config.zset_limits;
            let mut zset = ZSet::Skiplist(Default::default());
            for (member, score) in &result {
                zset.insert(member, *score, limits);
            }
            zset.shrink_if_fits(limits);
            let event = match op {
                SetOp::Union => "zunionstore",
                SetOp::Inter => "zinterstore",
                SetOp::Diff => "zdiffstore",
            };
            store_zset(server, client, &argv[1], zset, event);
        }
    }
}

fn zunion(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zsetop_generic(server, client, argv, 1, SetOp::Union, SetOpOutput::Reply);
}

fn zunionstore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zsetop_generic(server, client, argv, 2, SetOp::Union, SetOpOutput::Store);
}

fn zinter(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zsetop_generic(server, client, argv, 1, SetOp::Inter, SetOpOutput::Reply);
}

fn zinterstore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zsetop_generic(server, client, argv, 2, SetOp::Inter, SetOpOutput::Store);
}

fn zintercard(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zsetop_generic(
        server,
        client,
        argv,
        1,
        SetOp::Inter,
        SetOpOutput::Cardinality,
    );
}

fn zdiff(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zsetop_generic(server, client, argv, 1, SetOp::Diff, SetOpOutput::Reply);
}

fn zdiffstore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    zsetop_generic(server, client, argv, 2, SetOp::Diff, SetOpOutput::Store);
}

fn zscan(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Ok(cursor) = parse_scan_cursor(client, &argv[2]) else {
        return;
    };
    let Some(zset) = zset_or_return!(server, client, &argv[1]) else {
        client.reply_array_len(2);
        client.reply_bulk(b"0");
        return client.reply_array_len(0);
    };
    let zset: &ZSet = zset;
    let Ok(options) = parse_scan_options(client, &argv, 3) else {
        return;
    };
    let small = matches!(zset, ZSet::Listpack(_));
    let mut items: Vec<(Vec<u8>, f64)> = Vec::new();
    let next = zset.scan(cursor, options.count, |member, score| {
        if options
            .pattern
            .is_none_or(|p| vireo_core::glob::matches(p, member, false))
        {
            items.push((member.to_vec(), score));
        }
    });
    client.reply_array_len(2);
    client.reply_bulk(next.to_string().as_bytes());
    client.reply_array_len(items.len() * 2);
    // Redis compat: ZSCAN returns scores as the encoding holds them: the
    // listpack's integer or text, or the skip list's double as `%.17g`.
    let mut text = Vec::new();
    for (member, score) in &items {
        client.reply_bulk(member);
        text.clear();
        if small {
            write_listpack_score(&mut text, *score);
        } else {
            vireo_resp::encode::write_double(&mut text, *score);
        }
        client.reply_bulk(&text);
    }
}
