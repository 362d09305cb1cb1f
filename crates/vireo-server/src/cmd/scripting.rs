//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.
//!
//! The Lua side (state, sandbox, conversions) is `crate::scripting`; this
//! module parses arguments, applies the checks Redis makes before a
//! script runs (`scriptPrepareForRun`), and manages the cache.

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec};
use crate::errors;
use crate::scripting::function::Functions;
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
    // Redis compat: a script reaches replicas as its effects, the commands
    // it ran (wrapped in MULTI/EXEC when several write), never as itself.
    server.prevent_propagation();
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
        let command = argv.iter().map(<[u8]>::to_vec).collect();
        engine.run(
            server,
            client,
            &sha,
            &keys,
            &args,
            RunOptions { read_only, command },
        );
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

const FCALL_ARGS: &[Arg] = &[
    Arg::new("function", ArgKind::String),
    Arg::new("numkeys", ArgKind::Integer),
    Arg::key("key", 0).optional().multiple(),
    Arg::new("arg", ArgKind::String).optional().multiple(),
];

/// FCALL function numkeys [key ...] [arg ...]
pub const FCALL: CommandSpec = eval_spec(
    "fcall",
    EVAL_FLAGS,
    KEYS_RW,
    "Invoke a function",
    "7.0.0",
    FCALL_ARGS,
    fcall,
);
/// FCALL_RO function numkeys [key ...] [arg ...]
pub const FCALL_RO: CommandSpec = CommandSpec {
    doc: doc(
        "Invoke a read-only function",
        "7.0.0",
        "Depends on the function that is executed.",
        FCALL_ARGS,
    ),
    ..eval_spec(
        "fcall_ro",
        EVAL_RO_FLAGS,
        KEYS_RO,
        "",
        "7.0.0",
        FCALL_ARGS,
        fcall_ro,
    )
};

const SHARDS_ALL_SUCCEEDED: &[&str] =
    &["request_policy:all_shards", "response_policy:all_succeeded"];

/// FUNCTION and its subcommands.
pub const FUNCTION: CommandSpec = CommandSpec {
    name: "function",
    arity: -2,
    flags: 0,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "A container for function commands",
        since: "7.0.0",
        group: "scripting",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[
        CommandSpec {
            tips: SHARDS_ALL_SUCCEEDED,
            doc: doc("Delete a function by name", "7.0.0", "O(1)", &[Arg::new("library-name", ArgKind::String)]),
            ..script_sub("delete", 3, flags::NOSCRIPT | flags::WRITE, function_delete)
        },
        CommandSpec {
            doc: doc(
                "Dump all functions into a serialized binary payload",
                "7.0.0",
                "O(N) where N is the number of functions",
                &[],
            ),
            ..script_sub("dump", 2, flags::NOSCRIPT, function_dump)
        },
        CommandSpec {
            tips: SHARDS_ALL_SUCCEEDED,
            doc: doc(
                "Deleting all functions",
                "7.0.0",
                "O(N) where N is the number of functions deleted",
                &[Arg::new("async", ArgKind::OneOf)
                    .optional()
                    .of(&[Arg::token("async", "ASYNC"), Arg::token("sync", "SYNC")])],
            ),
            ..script_sub("flush", -2, flags::NOSCRIPT | flags::WRITE, function_flush)
        },
        CommandSpec {
            doc: doc("Show helpful text about the different subcommands", "7.0.0", "O(1)", &[]),
            ..script_sub("help", 2, flags::LOADING | flags::STALE, function_help)
        },
        CommandSpec {
            tips: &["request_policy:all_shards", "response_policy:one_succeeded"],
            doc: doc("Kill the function currently in execution.", "7.0.0", "O(1)", &[]),
            ..script_sub("kill", 2, flags::NOSCRIPT | flags::ALLOW_BUSY, function_kill)
        },
        CommandSpec {
            tips: &["nondeterministic_output_order"],
            doc: doc(
                "List information about all the functions",
                "7.0.0",
                "O(N) where N is the number of functions",
                &[
                    Arg::new("library-name-pattern", ArgKind::String)
                        .with_token("LIBRARYNAME")
                        .optional(),
                    Arg::token("withcode", "WITHCODE").optional(),
                ],
            ),
            ..script_sub("list", -2, flags::NOSCRIPT, function_list)
        },
        CommandSpec {
            tips: SHARDS_ALL_SUCCEEDED,
            doc: doc(
                "Create a function with the given arguments (name, code, description)",
                "7.0.0",
                "O(1) (considering compilation time is redundant)",
                &[
                    Arg::token("replace", "REPLACE").optional(),
                    Arg::new("function-code", ArgKind::String),
                ],
            ),
            ..script_sub(
                "load",
                -3,
                flags::NOSCRIPT | flags::WRITE | flags::DENYOOM,
                function_load,
            )
        },
        CommandSpec {
            tips: SHARDS_ALL_SUCCEEDED,
            doc: doc(
                "Restore all the functions on the given payload",
                "7.0.0",
                "O(N) where N is the number of functions on the payload",
                &[
                    Arg::new("serialized-value", ArgKind::String),
                    Arg::new("policy", ArgKind::OneOf).optional().of(&[
                        Arg::token("flush", "FLUSH"),
                        Arg::token("append", "APPEND"),
                        Arg::token("replace", "REPLACE"),
                    ]),
                ],
            ),
            ..script_sub(
                "restore",
                -3,
                flags::NOSCRIPT | flags::WRITE | flags::DENYOOM,
                function_restore,
            )
        },
        CommandSpec {
            tips: &[
                "nondeterministic_output",
                "request_policy:all_shards",
                "response_policy:special",
            ],
            doc: doc(
                "Return information about the function currently running (name, description, duration)",
                "7.0.0",
                "O(1)",
                &[],
            ),
            ..script_sub("stats", 2, flags::NOSCRIPT | flags::ALLOW_BUSY, function_stats)
        },
    ],
    handler: None,
};

/// Runs `f` with the server's function engine, creating it on first use.
fn with_functions<R>(
    server: &mut Server,
    f: impl FnOnce(&mut Functions, &mut Server) -> R,
) -> Option<R> {
    let mut engine = match server.functions.take() {
        Some(engine) => engine,
        None => match Functions::new() {
            Ok(engine) => Box::new(engine),
            Err(error) => {
                crate::warning!("Failed to initialize the Lua interpreter: {error}");
                return None;
            }
        },
    };
    let result = f(&mut engine, server);
    server.functions = Some(engine);
    Some(result)
}

fn fcall(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    fcall_generic(server, client, argv, false);
}

fn fcall_ro(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    fcall_generic(server, client, argv, true);
}

/// Redis's `fcallCommandGeneric`.
fn fcall_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, read_only: bool) {
    // Redis compat: as for EVAL, only the commands the function ran reach
    // replicas.
    server.prevent_propagation();
    if !server.monitors.is_empty() {
        crate::monitor::feed_monitors(server, client, &argv);
    }
    let name = String::from_utf8_lossy(&argv[1]).into_owned();
    let Some(function_flags) = server
        .functions
        .as_ref()
        .and_then(|engine| engine.function(&name).map(|(_, f)| f.flags))
    else {
        return client.reply_error("Function not found");
    };
    let Some(numkeys) = vireo_core::util::parse_i64(&argv[2]) else {
        return client.reply_error("Bad number of keys provided");
    };
    if numkeys > (argv.len() - 3) as i64 {
        return client.reply_error(errors::NUMKEYS_TOO_MANY);
    }
    if numkeys < 0 {
        return client.reply_error(errors::NUMKEYS_NEGATIVE);
    }
    if let Some(refusal) = refuse_to_run(server, function_flags, read_only) {
        return client.reply_error(refusal);
    }
    let numkeys = numkeys as usize;
    let keys: Vec<&[u8]> = argv.iter().skip(3).take(numkeys).collect();
    let args: Vec<&[u8]> = argv.iter().skip(3 + numkeys).collect();
    let read_only = read_only || function_flags & scripting::FLAG_NO_WRITES != 0;
    with_functions(server, |engine, server| {
        engine.call(
            server,
            client,
            &name,
            &keys,
            &args,
            RunOptions {
                read_only,
                command: argv.iter().map(<[u8]>::to_vec).collect(),
            },
        );
    });
}

fn function_load(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut replace = false;
    let mut position = 2;
    while position < argv.len() - 1 {
        let option = &argv[position];
        position += 1;
        if option.eq_ignore_ascii_case(b"replace") {
            replace = true;
            continue;
        }
        return client.reply_error(format!(
            "Unknown option given: {}",
            String::from_utf8_lossy(option)
        ));
    }
    let code = argv[position].to_vec();
    match with_functions(server, |engine, _| engine.load(&code, replace)) {
        Some(Ok(name)) => {
            server.dirty += 1;
            client.reply_bulk(name.as_bytes());
        }
        Some(Err(message)) => client.reply_error(message),
        None => client.reply_error("Failed to initialize the Lua interpreter"),
    }
}

fn function_delete(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let name = String::from_utf8_lossy(&argv[2]).into_owned();
    let removed = server
        .functions
        .as_mut()
        .and_then(|engine| engine.libraries.remove(&name));
    if removed.is_none() {
        return client.reply_error("Library not found");
    }
    server.dirty += 1;
    client.reply_ok();
}

fn function_flush(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: FUNCTION FLUSH takes the same optional ASYNC|SYNC as
    // FLUSHALL, shifted by one argument; both free at once here.
    if argv.len() > 3 {
        return client.reply_error(errors::unknown_subcommand_or_arity(b"function", &argv[1]));
    }
    if argv.len() == 3
        && !argv[2].eq_ignore_ascii_case(b"async")
        && !argv[2].eq_ignore_ascii_case(b"sync")
    {
        return client.reply_error("FUNCTION FLUSH only supports SYNC|ASYNC option");
    }
    if let Some(engine) = server.functions.as_mut() {
        engine.libraries.clear();
    }
    server.dirty += 1;
    client.reply_ok();
}

fn function_dump(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let payload = match server.functions.as_ref() {
        Some(engine) => scripting::function::dump(&engine.libraries),
        None => scripting::function::dump(&Default::default()),
    };
    client.reply_bulk(&payload);
}

fn function_restore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() > 4 {
        return client.reply_error(errors::unknown_subcommand_or_arity(b"function", &argv[1]));
    }
    let policy =
        if argv.len() == 4 {
            let policy = argv[3].to_ascii_lowercase();
            match policy.as_slice() {
                b"append" | b"replace" | b"flush" => policy,
                _ => return client.reply_error(
                    "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
                ),
            }
        } else {
            b"append".to_vec()
        };
    let payload = argv[2].to_vec();
    if vireo_core::rdb::dump::verify_footer(&payload, !server.skip_checksum_validation).is_err() {
        return client.reply_error(errors::DUMP_PAYLOAD_WRONG);
    }
    let restored = with_functions(server, |engine, _| -> Result<(), String> {
        let codes = scripting::function::payload_codes(&payload)?;
        let mut libraries: Vec<scripting::function::Library> = Vec::new();
        for code in codes {
            let library = engine.compile(&code)?;
            for function in library.functions.keys() {
                if libraries
                    .iter()
                    .any(|other| other.functions.contains_key(function))
                {
                    return Err(format!("Function {function} already exists"));
                }
            }
            if libraries.iter().any(|other| other.name == library.name) {
                return Err(format!("Library '{}' already exists", library.name));
            }
            libraries.push(library);
        }
        if policy == b"flush" {
            engine.libraries.clear();
        }
        engine.install(libraries, policy == b"replace")
    });
    match restored {
        Some(Ok(())) => {
            server.dirty += 1;
            client.reply_ok();
        }
        Some(Err(message)) => client.reply_error(message),
        None => client.reply_error("Failed to initialize the Lua interpreter"),
    }
}

fn function_stats(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let (libraries, functions) = server.functions.as_ref().map_or((0, 0), |engine| {
        (engine.libraries.len(), engine.function_count())
    });
    client.reply_map_len(2);
    client.reply_bulk(b"running_script");
    client.reply_null();
    client.reply_bulk(b"engines");
    client.reply_map_len(1);
    client.reply_bulk(b"LUA");
    client.reply_map_len(2);
    client.reply_bulk(b"libraries_count");
    client.reply_integer(libraries as i64);
    client.reply_bulk(b"functions_count");
    client.reply_integer(functions as i64);
}

/// Functions run to completion inside one command, so no other client
/// ever sees one running.
fn function_kill(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_error(errors::NOTBUSY);
}

fn function_list(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut with_code = false;
    let mut pattern: Option<&[u8]> = None;
    let mut index = 2;
    while index < argv.len() {
        let arg = &argv[index];
        if !with_code && arg.eq_ignore_ascii_case(b"withcode") {
            with_code = true;
        } else if pattern.is_none() && arg.eq_ignore_ascii_case(b"libraryname") {
            if index >= argv.len() - 1 {
                return client.reply_error("library name argument was not given");
            }
            index += 1;
            pattern = Some(&argv[index]);
        } else {
            return client
                .reply_error(format!("Unknown argument {}", String::from_utf8_lossy(arg)));
        }
        index += 1;
    }
    let Some(engine) = server.functions.as_ref() else {
        return client.reply_array_len(0);
    };
    let libraries: Vec<&scripting::function::Library> = engine
        .libraries
        .values()
        .filter(|library| {
            pattern.is_none_or(|p| vireo_core::glob::matches(p, library.name.as_bytes(), true))
        })
        .collect();
    client.reply_array_len(libraries.len());
    for library in libraries {
        client.reply_map_len(if with_code { 4 } else { 3 });
        client.reply_bulk(b"library_name");
        client.reply_bulk(library.name.as_bytes());
        client.reply_bulk(b"engine");
        client.reply_bulk(b"LUA");
        client.reply_bulk(b"functions");
        client.reply_array_len(library.functions.len());
        for function in library.functions.values() {
            client.reply_map_len(3);
            client.reply_bulk(b"name");
            client.reply_bulk(function.name.as_bytes());
            client.reply_bulk(b"description");
            match &function.description {
                Some(text) => client.reply_bulk(text),
                None => client.reply_null(),
            }
            client.reply_bulk(b"flags");
            let names: Vec<&str> = scripting::FLAG_NAMES
                .iter()
                .filter(|(_, flag)| function.flags & flag != 0)
                .map(|(name, _)| *name)
                .collect();
            client.reply_set_len(names.len());
            for name in names {
                client.reply_simple(name.as_bytes());
            }
        }
        if with_code {
            client.reply_bulk(b"library_code");
            client.reply_bulk(&library.code);
        }
    }
}

fn function_help(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    crate::cmd::keyspace::reply_help(
        client,
        b"function",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    );
}
