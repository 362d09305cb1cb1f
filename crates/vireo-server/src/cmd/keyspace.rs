//! Generic key commands: DEL, EXISTS.

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, Arg, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec};
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
    key_specs: &[KeySpec {
        flags: &["RO"],
        begin_search: BeginSearch::Index(1),
        find_keys: FindKeys::Range {
            last_key: -1,
            key_step: 1,
            limit: 0,
        },
    }],
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
