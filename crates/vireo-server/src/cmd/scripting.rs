//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.
//!
//! The Lua side (state, sandbox, conversions) is `crate::scripting`; this
//! module parses arguments, applies the checks Redis makes before a
//! script runs (`scriptPrepareForRun`), and manages the cache.

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec};
use crate::errors;
use crate::scripting::{self, RunOptions};
use crate::server::Server;

const EVAL_ARGS: &[Arg] = &[
    Arg::new("script", ArgKind::String),
    Arg::new("numkeys", ArgKind::Integer),
    Arg::key("key", 0).optional().multiple(),
    Arg::new("arg", ArgKind::String).optional().multiple(),
];

const EVALSHA_ARGS: &[Arg] = &[
    Arg::new("sha1", ArgKind::String),
    Arg::new("numkeys", ArgKind::Integer),
    Arg::key("key", 0).optional().multiple(),
    Arg::new("arg", ArgKind::String).optional().multiple(),
];

const KEYS_RW: &[KeySpec] = &[KeySpec {
    flags: &["RW", "access", "update"],
    begin_search: BeginSearch::Index(2),
    find_keys: FindKeys::Keynum {
        keynum_index: 0,
        first_key: 1,
        key_step: 1,
    },
}];

const KEYS_RO: &[KeySpec] = &[KeySpec {
    flags: &["RO", "access"],
    begin_search: BeginSearch::Index(2),
    find_keys: FindKeys::Keynum {
        keynum_index: 0,
        first_key: 1,
        key_step: 1,
    },
}];

const EVAL_FLAGS: u64 = flags::NOSCRIPT
    | flags::SKIP_MONITOR
    | flags::MAY_REPLICATE
    | flags::NO_MANDATORY_KEYS
    | flags::STALE
    | flags::MOVABLEKEYS;
const EVAL_RO_FLAGS: u64 = flags::NOSCRIPT
    | flags::SKIP_MONITOR
    | flags::NO_MANDATORY_KEYS
    | flags::STALE
    | flags::READONLY
    | flags::MOVABLEKEYS;

const fn eval_spec(
    name: &'static str,
    command_flags: u64,
    key_specs: &'static [KeySpec],
    summary: &'static str,
    since: &'static str,
    args: &'static [Arg],
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: -3,
        flags: command_flags,
        acl: acl::SCRIPTING,
        tips: &[],
        key_specs,
        doc: Doc {
            summary,
            since,
            group: "scripting",
            complexity: "Depends on the script that is executed.",
            args,
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

/// EVAL script numkeys [key ...] [arg ...]
pub const EVAL: CommandSpec = eval_spec(
    "eval",
    EVAL_FLAGS,
    KEYS_RW,
    "Execute a Lua script server side",
    "2.6.0",
    EVAL_ARGS,
    eval,
);
/// EVALSHA sha1 numkeys [key ...] [arg ...]
pub const EVALSHA: CommandSpec = eval_spec(
    "evalsha",
    EVAL_FLAGS,
    KEYS_RW,
    "Execute a Lua script server side",
    "2.6.0",
    EVALSHA_ARGS,
    evalsha,
);
/// EVAL_RO script numkeys [key ...] [arg ...]
pub const EVAL_RO: CommandSpec = eval_spec(
    "eval_ro",
    EVAL_RO_FLAGS,
    KEYS_RO,
    "Execute a read-only Lua script server side",
    "7.0.0",
    EVAL_ARGS,
    eval_ro,
);
/// EVALSHA_RO sha1 numkeys [key ...] [arg ...]
pub const EVALSHA_RO: CommandSpec = eval_spec(
    "evalsha_ro",
    EVAL_RO_FLAGS,
    KEYS_RO,
    "Execute a read-only Lua script server side",
    "7.0.0",
    EVALSHA_ARGS,
    evalsha_ro,
);

/// A SCRIPT subcommand: `name`, `arity`, flags and handler; the rest is
/// filled in by struct update.
const fn script_sub(
    name: &'static str,
    arity: i32,
    command_flags: u64,
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: command_flags,
        acl: acl::SCRIPTING,
        tips: &[],
        key_specs: &[],
        doc: Doc {
            summary: "",
            since: "2.6.0",
            group: "scripting",
            complexity: "O(1)",
            args: &[],
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

const fn doc(
    summary: &'static str,
    since: &'static str,
    complexity: &'static str,
    args: &'static [Arg],
) -> Doc {
    Doc {
        summary,
        since,
        group: "scripting",
        complexity,
        args,
    }
}

/// SCRIPT and its subcommands.
pub const SCRIPT: CommandSpec = CommandSpec {
    name: "script",
    arity: -2,
    flags: 0,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "A container for Lua scripts management commands",
        since: "2.6.0",
        group: "scripting",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[
        CommandSpec {
            tips: &["request_policy:all_shards", "response_policy:agg_logical_and"],
            doc: doc(
                "Check existence of scripts in the script cache.",
                "2.6.0",
                "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
                &[Arg::new("sha1", ArgKind::String).multiple()],
            ),
            ..script_sub("exists", -3, flags::NOSCRIPT, script_exists)
        },
        CommandSpec {
            tips: &["request_policy:all_nodes", "response_policy:all_succeeded"],
            doc: doc(
                "Remove all the scripts from the script cache.",
                "2.6.0",
                "O(N) with N being the number of scripts in cache",
                &[Arg::new("async", ArgKind::OneOf)
                .optional()
                .since("6.2.0")
                .of(&[Arg::token("async", "ASYNC"), Arg::token("sync", "SYNC")])],
            ),
            ..script_sub("flush", -2, flags::NOSCRIPT, script_flush)
        },
        CommandSpec {
            tips: &[],
            doc: doc(
                "Show helpful text about the different subcommands",
                "5.0.0",
                "O(1)",
                &[],
            ),
            ..script_sub("help", 2, flags::LOADING | flags::STALE, script_help)
        },
        CommandSpec {
            tips: &["request_policy:all_shards", "response_policy:one_succeeded"],
            doc: doc(
                "Kill the script currently in execution.",
                "2.6.0",
                "O(1)",
                &[],
            ),
            ..script_sub("kill", 2, flags::NOSCRIPT | flags::ALLOW_BUSY, script_kill)
        },
        CommandSpec {
            tips: &["request_policy:all_nodes", "response_policy:all_succeeded"],
            doc: doc(
                "Load the specified Lua script into the script cache.",
                "2.6.0",
                "O(N) with N being the length in bytes of the script body.",
                &[Arg::new("script", ArgKind::String)],
            ),
            ..script_sub("load", 3, flags::NOSCRIPT | flags::STALE, script_load)
        },
    ],
    handler: None,
};

fn eval(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    eval_generic(server, client, argv, false, false);
}

fn evalsha(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    eval_generic(server, client, argv, true, false);
}

fn eval_ro(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    eval_generic(server, client, argv, false, true);
}

fn evalsha_ro(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    eval_generic(server, client, argv, true, true);
}

/// Redis's `evalGenericCommand`.
fn eval_generic(
    server: &mut Server,
    client: &mut Client,
    argv: Argv<'_>,
    by_sha: bool,
    read_only: bool,
) {
    // Redis compat: monitors see the script before the commands it runs.
    if !server.monitors.is_empty() {
        crate::monitor::feed_monitors(server, client, &argv);
    }
    if by_sha && argv[1].len() != 40 {
        return client.reply_error(errors::NOSCRIPT);
    }
    let Some(numkeys) = vireo_core::util::parse_i64(&argv[2]) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    let available = (argv.len() - 3) as i64;
    if numkeys > available {
        return client.reply_error(errors::NUMKEYS_TOO_MANY);
    }
    if numkeys < 0 {
        return client.reply_error(errors::NUMKEYS_NEGATIVE);
    }
    let numkeys = numkeys as usize;
    let keys: Vec<&[u8]> = argv.iter().skip(3).take(numkeys).collect();
    let args: Vec<&[u8]> = argv.iter().skip(3 + numkeys).collect();
    let ran = scripting::with_engine(server, |engine, server| {
        let sha = if by_sha {
            let sha = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
            if engine.script(&sha).is_none() {
                return client.reply_error(errors::NOSCRIPT);
            }
            sha
        } else {
            match engine.create(&argv[1]) {
                Ok(sha) => sha,
                Err(message) => return client.reply_error(message),
            }
        };
        let script_flags = engine.script(&sha).map_or(0, |script| script.flags);
        if let Some(refusal) = refuse_to_run(server, script_flags, read_only) {
            return client.reply_error(refusal);
        }
        let read_only = read_only
            || (script_flags & scripting::FLAG_EVAL_COMPAT_MODE == 0
                && script_flags & scripting::FLAG_NO_WRITES != 0);
        engine.run(server, client, &sha, &keys, &args, RunOptions { read_only });
    });
    if ran.is_none() {
        client.reply_error("Failed to initialize the Lua interpreter");
    }
}

/// The checks of Redis's `scriptPrepareForRun` that apply to a server
/// without replicas or cluster: a script that may write is refused by
/// `*_RO` commands and while writes are refused after a failed save.
fn refuse_to_run(server: &Server, script_flags: u64, read_only: bool) -> Option<&'static str> {
    if script_flags & scripting::FLAG_EVAL_COMPAT_MODE != 0 {
        return None;
    }
    if script_flags & scripting::FLAG_NO_WRITES == 0 {
        if !server.persistence.last_bgsave_ok
            && server.config.stop_writes_on_bgsave_error
            && !server.config.save.is_empty()
        {
            return Some(errors::MISCONF_SCRIPT);
        }
        if read_only {
            return Some(errors::SCRIPT_WRITE_FLAG_RO);
        }
    }
    None
}

fn script_exists(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    client.reply_array_len(argv.len() - 2);
    for sha in argv.iter().skip(2) {
        let known = server
            .scripting
            .as_ref()
            .is_some_and(|engine| engine.exists(sha));
        client.reply_integer(i64::from(known));
    }
}

fn script_flush(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Both modes free the state at once: dropping it is quick next to
    // compiling the scripts that filled it.
    if argv.len() > 3
        || (argv.len() == 3
            && !argv[2].eq_ignore_ascii_case(b"sync")
            && !argv[2].eq_ignore_ascii_case(b"async"))
    {
        return client.reply_error("SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    if let Some(engine) = server.scripting.take() {
        match engine.reset() {
            Ok(fresh) => server.scripting = Some(Box::new(fresh)),
            Err(error) => crate::warning!("Failed to initialize the Lua interpreter: {error}"),
        }
    }
    client.reply_ok();
}

fn script_help(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    crate::cmd::keyspace::reply_help(
        client,
        b"script",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    );
}

/// Scripts run to completion inside one command, so no other client ever
/// sees one running.
fn script_kill(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_error(errors::NOTBUSY);
}

fn script_load(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let created = scripting::with_engine(server, |engine, _| engine.create(&argv[2]));
    match created {
        Some(Ok(sha)) => client.reply_bulk(sha.as_bytes()),
        Some(Err(message)) => client.reply_error(message),
        None => client.reply_error("Failed to initialize the Lua interpreter"),
    }
}
