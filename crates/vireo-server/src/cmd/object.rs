//! OBJECT: introspection of stored values (ENCODING so far).

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, Arg, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec};
use crate::server::Server;

/// OBJECT and its subcommands.
pub const OBJECT: CommandSpec = CommandSpec {
    name: "object",
    arity: -2,
    flags: 0,
    acl: acl::SLOW,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Introspects stored values",
        since: "2.2.3",
        group: "generic",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[CommandSpec {
        name: "encoding",
        arity: 3,
        flags: flags::READONLY,
        acl: acl::KEYSPACE,
        tips: &["nondeterministic_output"],
        key_specs: &[KeySpec {
            flags: &["RO"],
            begin_search: BeginSearch::Index(2),
            find_keys: FindKeys::Range {
                last_key: 0,
                key_step: 1,
                limit: 0,
            },
        }],
        doc: Doc {
            summary: "Returns the internal encoding of a stored value",
            since: "2.2.3",
            group: "generic",
            complexity: "O(1)",
            args: &[Arg::key("key", 0)],
        },
        subcommands: &[],
        handler: Some(object_encoding),
    }],
    handler: None,
};

fn object_encoding(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let now = server.now_ms;
    match server.dbs[client.db].get(&argv[2], now) {
        Some(value) => client.reply_bulk(value.encoding().as_bytes()),
        None => client.reply_null(),
    }
}
