//! SLOWLOG GET, LEN, RESET and HELP.

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, Arg, ArgKind, CommandSpec, Doc};
use crate::server::Server;

const SLOWLOG_FLAGS: u64 = flags::ADMIN | flags::LOADING | flags::STALE;

const fn sub(
    name: &'static str,
    arity: i32,
    summary: &'static str,
    tips: &'static [&'static str],
    args: &'static [Arg],
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: SLOWLOG_FLAGS,
        acl: 0,
        tips,
        key_specs: &[],
        doc: Doc {
            summary,
            since: "2.2.12",
            group: "server",
            complexity: "O(N) where N is the number of entries returned",
            args,
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

/// SLOWLOG and its subcommands.
pub const SLOWLOG: CommandSpec = CommandSpec {
    name: "slowlog",
    arity: -2,
    flags: 0,
    acl: acl::SLOW,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Reads and resets the log of slow commands",
        since: "2.2.12",
        group: "server",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[
        sub(
            "get",
            -2,
            "Returns the newest entries of the slow log",
            &["request_policy:all_nodes", "nondeterministic_output"],
            &[Arg::new("count", ArgKind::Integer).optional()],
            slowlog_get,
        ),
        sub(
            "len",
            2,
            "Returns the number of entries in the slow log",
            &[
                "request_policy:all_nodes",
                "response_policy:agg_sum",
                "nondeterministic_output",
            ],
            &[],
            slowlog_len,
        ),
        sub(
            "reset",
            2,
            "Empties the slow log",
            &["request_policy:all_nodes", "response_policy:all_succeeded"],
            &[],
            slowlog_reset,
        ),
        CommandSpec {
            flags: flags::LOADING | flags::STALE,
            ..sub(
                "help",
                2,
                "Lists the SLOWLOG subcommands",
                &[],
                &[],
                slowlog_help,
            )
        },
    ],
    handler: None,
};

fn slowlog_get(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let count = match argv.get(2) {
        None => 10,
        Some(arg) => match super::parse_i64(arg) {
            Some(-1) => usize::MAX,
            Some(count) if count >= 0 => count as usize,
            _ => return client.reply_error("count should be greater than or equal to -1"),
        },
    };
    let entries: Vec<_> = server.slowlog.iter().take(count).cloned().collect();
    client.reply_array_len(entries.len());
    for entry in entries {
        client.reply_array_len(6);
        client.reply_integer(entry.id as i64);
        client.reply_integer(entry.time);
        client.reply_integer(entry.duration_us as i64);
        client.reply_array_len(entry.args.len());
        for arg in &entry.args {
            client.reply_bulk(arg);
        }
        client.reply_bulk(entry.peer.as_bytes());
        client.reply_bulk(&entry.name);
    }
}

fn slowlog_len(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_integer(server.slowlog.len() as i64);
}

fn slowlog_reset(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    server.slowlog.clear();
    client.reply_ok();
}

fn slowlog_help(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    const LINES: &[&str] = &[
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return the newest <count> entries (default 10, -1 for all): id, Unix time,",
        "    duration in microseconds, arguments, client address and client name.",
        "LEN",
        "    Return the number of entries.",
        "RESET",
        "    Remove every entry.",
        "HELP",
        "    Print this help.",
    ];
    client.reply_array_len(LINES.len());
    for line in LINES {
        client.reply_simple(line.as_bytes());
    }
}
