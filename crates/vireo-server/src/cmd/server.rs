//! Server commands: DBSIZE, FLUSHDB, FLUSHALL, TIME, COMMAND, SAVE,
//! BGSAVE, LASTSAVE, SHUTDOWN.

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{
    self, acl, flags, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec,
};
use crate::errors;
use crate::server::Server;

/// DBSIZE
pub const DBSIZE: CommandSpec = CommandSpec {
    name: "dbsize",
    arity: 1,
    flags: flags::READONLY | flags::FAST,
    acl: acl::KEYSPACE,
    tips: &["request_policy:all_shards", "response_policy:agg_sum"],
    key_specs: &[],
    doc: Doc {
        summary: "Returns the number of keys in the selected database",
        since: "1.0.0",
        group: "server",
        complexity: "O(1)",
        args: &[],
    },
    subcommands: &[],
    handler: Some(dbsize),
};

fn dbsize(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let len = server.db(client).len();
    client.reply_integer(len as i64);
}

const FLUSH_ARGS: &[Arg] = &[Arg::new("flush-type", ArgKind::OneOf).optional().of(&[
    Arg::token("async", "ASYNC").since("4.0.0"),
    Arg::token("sync", "SYNC").since("6.2.0"),
])];

/// FLUSHDB [ASYNC|SYNC]
pub const FLUSHDB: CommandSpec = CommandSpec {
    name: "flushdb",
    arity: -1,
    flags: flags::WRITE,
    acl: acl::KEYSPACE | acl::DANGEROUS,
    tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
    key_specs: &[],
    doc: Doc {
        summary: "Removes every key from the selected database",
        since: "1.0.0",
        group: "server",
        complexity: "O(N) where N is the number of keys in the selected database",
        args: FLUSH_ARGS,
    },
    subcommands: &[],
    handler: Some(flushdb),
};

/// Reads the optional `ASYNC|SYNC` argument of the flush commands: whether
/// to free in the background, or `None` (after replying) for a bad one.
fn flush_is_async(server: &Server, client: &mut Client, argv: &Argv<'_>) -> Option<bool> {
    match argv.len() {
        1 => Some(server.config.lazyfree_lazy_user_flush),
        2 if argv[1].eq_ignore_ascii_case(b"async") => Some(true),
        2 if argv[1].eq_ignore_ascii_case(b"sync") => Some(false),
        _ => {
            client.reply_error(errors::SYNTAX);
            None
        }
    }
}

/// Empties database `index`, freeing its values here or in the background;
/// returns how many keys it held.
fn empty_db(server: &mut Server, index: usize, in_background: bool) -> usize {
    if in_background {
        let contents = server.dbs[index].take_contents();
        let removed = contents.len();
        server.lazyfree.free_database(contents);
        removed
    } else {
        server.dbs[index].clear()
    }
}

fn flushdb(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(in_background) = flush_is_async(server, client, &argv) else {
        return;
    };
    if !server.watched_keys.is_empty() {
        server.touch_all_keys_in_db(client, client.db);
    }
    crate::tracking::invalidate_all(server, client);
    let removed = empty_db(server, client.db, in_background);
    server.dirty += removed as u64;
    // Redis compat: replicated even when there was nothing to remove.
    server.force_propagation();
    server.signal_all_keys_of_db(client.db);
    client.reply_ok();
}

/// FLUSHALL [ASYNC|SYNC]
pub const FLUSHALL: CommandSpec = CommandSpec {
    name: "flushall",
    arity: -1,
    flags: flags::WRITE,
    acl: acl::KEYSPACE | acl::DANGEROUS,
    tips: &["request_policy:all_shards", "response_policy:all_succeeded"],
    key_specs: &[],
    doc: Doc {
        summary: "Removes every key from every database",
        since: "1.0.0",
        group: "server",
        complexity: "O(N) where N is the total number of keys in all databases",
        args: FLUSH_ARGS,
    },
    subcommands: &[],
    handler: Some(flushall),
};

fn flushall(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Some(in_background) = flush_is_async(server, client, &argv) else {
        return;
    };
    let removed = empty_all_databases(server, client, in_background);
    server.dirty += removed as u64;
    // Redis compat: replicated even when there was nothing to remove.
    server.force_propagation();
    // Redis compat: with save points configured, FLUSHALL replaces the RDB
    // file with an empty one at once (a running background save would
    // bring the old data back).
    crate::rdb::kill_child(server);
    if !crate::rdb::save_points(&server.config.save).is_empty() {
        let _ = crate::rdb::save(server);
    }
    client.reply_ok();
}

/// Empties every database as FLUSHALL does (watchers and trackers told);
/// returns how many keys there were.
pub fn empty_all_databases(server: &mut Server, client: &mut Client, in_background: bool) -> usize {
    if !server.watched_keys.is_empty() {
        for db in 0..server.dbs.len() {
            server.touch_all_keys_in_db(client, db);
        }
    }
    crate::tracking::invalidate_all(server, client);
    let removed = (0..server.dbs.len())
        .map(|index| empty_db(server, index, in_background))
        .sum();
    for db in 0..server.dbs.len() {
        server.signal_all_keys_of_db(db);
    }
    removed
}

/// SAVE
pub const SAVE: CommandSpec = CommandSpec {
    name: "save",
    arity: 1,
    flags: flags::NO_ASYNC_LOADING | flags::ADMIN | flags::NOSCRIPT | flags::NO_MULTI,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Synchronously saves the database(s) to disk",
        since: "1.0.0",
        group: "server",
        complexity: "O(N) where N is the total number of keys in all databases",
        args: &[],
    },
    subcommands: &[],
    handler: Some(save),
};

fn save(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    if server.persistence.child.is_some() {
        return client.reply_error(errors::BGSAVE_IN_PROGRESS);
    }
    server.persistence.saves += 1;
    match crate::rdb::save(server) {
        Ok(()) => client.reply_ok(),
        Err(_) => client.reply_error("-ERR"),
    }
}

/// BGSAVE [SCHEDULE]
pub const BGSAVE: CommandSpec = CommandSpec {
    name: "bgsave",
    arity: -1,
    flags: flags::NO_ASYNC_LOADING | flags::ADMIN | flags::NOSCRIPT,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Asynchronously saves the database(s) to disk",
        since: "1.0.0",
        group: "server",
        complexity: "O(1)",
        args: &[Arg::token("schedule", "SCHEDULE").optional().since("3.2.2")],
    },
    subcommands: &[],
    handler: Some(bgsave),
};

fn bgsave(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() > 1 && !(argv.len() == 2 && argv[1].eq_ignore_ascii_case(b"schedule")) {
        return client.reply_error(errors::SYNTAX);
    }
    if server.persistence.child.is_some() {
        client.reply_error(errors::BGSAVE_IN_PROGRESS);
    } else if server.in_exec {
        // Redis compat: a fork inside a transaction is deferred to cron.
        server.persistence.bgsave_scheduled = true;
        client.reply_simple(b"Background saving scheduled");
    } else if crate::rdb::background_save(server).is_ok() {
        client.reply_simple(b"Background saving started");
    } else {
        client.reply_error("-ERR");
    }
}

/// LASTSAVE
pub const LASTSAVE: CommandSpec = CommandSpec {
    name: "lastsave",
    arity: 1,
    flags: flags::LOADING | flags::STALE | flags::FAST,
    acl: acl::ADMIN | acl::DANGEROUS,
    tips: &["nondeterministic_output"],
    key_specs: &[],
    doc: Doc {
        summary: "Returns the Unix timestamp of the last successful save to disk",
        since: "1.0.0",
        group: "server",
        complexity: "O(1)",
        args: &[],
    },
    subcommands: &[],
    handler: Some(lastsave),
};

fn lastsave(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_integer(server.persistence.last_save_s);
}

/// TIME
pub const TIME: CommandSpec = CommandSpec {
    name: "time",
    arity: 1,
    flags: flags::LOADING | flags::STALE | flags::FAST,
    acl: 0,
    tips: &["nondeterministic_output"],
    key_specs: &[],
    doc: Doc {
        summary: "Returns the server's time",
        since: "2.6.0",
        group: "server",
        complexity: "O(1)",
        args: &[],
    },
    subcommands: &[],
    handler: Some(time),
};

fn time(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let micros = server.now_us;
    let mut buf = [0u8; 20];
    client.reply_array_len(2);
    client.reply_bulk(vireo_core::util::format_i64(
        &mut buf,
        micros.div_euclid(1_000_000),
    ));
    client.reply_bulk(vireo_core::util::format_i64(
        &mut buf,
        micros.rem_euclid(1_000_000),
    ));
}

const COMMAND_FLAGS: u64 = flags::LOADING | flags::STALE;

/// COMMAND and its subcommands.
pub const COMMAND: CommandSpec = CommandSpec {
    name: "command",
    arity: -1,
    flags: COMMAND_FLAGS,
    acl: acl::CONNECTION,
    tips: &["nondeterministic_output_order"],
    key_specs: &[],
    doc: Doc {
        summary: "Returns details about every command",
        since: "2.8.13",
        group: "server",
        complexity: "O(N) where N is the total number of commands",
        args: &[],
    },
    subcommands: &[
        CommandSpec {
            name: "count",
            arity: 2,
            flags: COMMAND_FLAGS,
            acl: acl::CONNECTION,
            tips: &[],
            key_specs: &[],
            doc: Doc {
                summary: "Returns the number of commands",
                since: "2.8.13",
                group: "server",
                complexity: "O(1)",
                args: &[],
            },
            subcommands: &[],
            handler: Some(command_count),
        },
        CommandSpec {
            name: "info",
            arity: -2,
            flags: COMMAND_FLAGS,
            acl: acl::CONNECTION,
            tips: &["nondeterministic_output_order"],
            key_specs: &[],
            doc: Doc {
                summary: "Returns details about one, several or every command",
                since: "2.8.13",
                group: "server",
                complexity: "O(N) where N is the number of commands to look up",
                args: &[Arg::new("command-name", ArgKind::String)
                    .optional()
                    .multiple()],
            },
            subcommands: &[],
            handler: Some(command_info),
        },
        CommandSpec {
            name: "docs",
            arity: -2,
            flags: COMMAND_FLAGS,
            acl: acl::CONNECTION,
            tips: &["nondeterministic_output_order"],
            key_specs: &[],
            doc: Doc {
                summary: "Returns the documentation of one, several or every command",
                since: "7.0.0",
                group: "server",
                complexity: "O(N) where N is the number of commands to look up",
                args: &[Arg::new("command-name", ArgKind::String)
                    .optional()
                    .multiple()],
            },
            subcommands: &[],
            handler: Some(command_docs),
        },
        CommandSpec {
            name: "getkeys",
            arity: -4,
            flags: COMMAND_FLAGS,
            acl: acl::CONNECTION,
            tips: &[],
            key_specs: &[],
            doc: Doc {
                summary: "Extracts the keys of a full command",
                since: "2.8.13",
                group: "server",
                complexity: "O(N) where N is the number of arguments to the command",
                args: &[
                    Arg::new("command", ArgKind::String),
                    Arg::new("arg", ArgKind::String).optional().multiple(),
                ],
            },
            subcommands: &[],
            handler: Some(command_getkeys),
        },
        CommandSpec {
            name: "getkeysandflags",
            arity: -4,
            flags: COMMAND_FLAGS,
            acl: acl::CONNECTION,
            tips: &[],
            key_specs: &[],
            doc: Doc {
                summary: "Extracts the keys of a full command, with their access flags",
                since: "7.0.0",
                group: "server",
                complexity: "O(N) where N is the number of arguments to the command",
                args: &[
                    Arg::new("command", ArgKind::String),
                    Arg::new("arg", ArgKind::String).optional().multiple(),
                ],
            },
            subcommands: &[],
            handler: Some(command_getkeysandflags),
        },
        CommandSpec {
            name: "list",
            arity: -2,
            flags: COMMAND_FLAGS,
            acl: acl::CONNECTION,
            tips: &["nondeterministic_output_order"],
            key_specs: &[],
            doc: Doc {
                summary: "Returns the names of commands, optionally filtered",
                since: "7.0.0",
                group: "server",
                complexity: "O(N) where N is the total number of commands",
                args: &[Arg::new("filterby", ArgKind::OneOf)
                    .with_token("FILTERBY")
                    .optional()
                    .of(&[
                        Arg::new("module-name", ArgKind::String).with_token("MODULE"),
                        Arg::new("category", ArgKind::String).with_token("ACLCAT"),
                        Arg::new("pattern", ArgKind::Pattern).with_token("PATTERN"),
                    ])],
            },
            subcommands: &[],
            handler: Some(command_list),
        },
    ],
    handler: Some(command_all),
};

fn command_all(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_array_len(server.commands.len());
    for spec in server.commands.iter() {
        reply_command_info(client, None, spec);
    }
}

fn command_getkeys(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    get_keys(server, client, argv, false);
}

fn command_getkeysandflags(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    get_keys(server, client, argv, true);
}

fn get_keys(server: &mut Server, client: &mut Client, argv: Argv<'_>, with_flags: bool) {
    let target: Vec<&[u8]> = argv.iter().skip(2).collect();
    let Some(mut spec) = server.commands.lookup(target[0]) else {
        return client.reply_error("Invalid command specified");
    };
    if !spec.subcommands.is_empty() && target.len() >= 2 {
        match command::lookup_subcommand(spec, target[1]) {
            Some(sub) => spec = sub,
            None => return client.reply_error("Invalid command specified"),
        }
    }
    if spec.key_specs.is_empty() {
        return client.reply_error("The command has no key arguments");
    }
    if !spec.arity_ok(target.len()) {
        return client.reply_error("Invalid number of arguments specified for command");
    }
    match command::keys_of(spec, target.len(), |index| target.get(index).copied()) {
        Some(keys) if !keys.is_empty() || spec.flags & flags::NO_MANDATORY_KEYS != 0 => {
            client.reply_array_len(keys.len());
            for (position, key_flags) in keys {
                if with_flags {
                    client.reply_array_len(2);
                    client.reply_bulk(target[position]);
                    client.reply_set_len(key_flags.len());
                    for flag in key_flags {
                        client.reply_simple(flag.as_bytes());
                    }
                } else {
                    client.reply_bulk(target[position]);
                }
            }
        }
        _ => client.reply_error("Invalid arguments specified for command"),
    }
}

fn command_count(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_integer(server.commands.len() as i64);
}

/// Resolves `name` or `container|sub` to a command.
fn resolve<'a>(server: &Server, name: &[u8]) -> Option<(Option<&'a CommandSpec>, &'a CommandSpec)>
where
    'static: 'a,
{
    match name.iter().position(|&b| b == b'|') {
        None => server.commands.lookup(name).map(|spec| (None, spec)),
        Some(bar) => {
            let container = server.commands.lookup(&name[..bar])?;
            let sub = command::lookup_subcommand(container, &name[bar + 1..])?;
            Some((Some(container), sub))
        }
    }
}

fn command_info(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() == 2 {
        return command_all(server, client, argv);
    }
    client.reply_array_len(argv.len() - 2);
    for name in argv.iter().skip(2) {
        match resolve(server, name) {
            Some((container, spec)) => reply_command_info(client, container, spec),
            None => client.reply_null(),
        }
    }
}

fn reply_command_info(client: &mut Client, container: Option<&CommandSpec>, spec: &CommandSpec) {
    let (first, last, step) = spec.legacy_key_range();
    client.reply_array_len(10);
    client.reply_bulk(command::full_name(container, spec).as_bytes());
    client.reply_integer(i64::from(spec.arity));
    // Redis compat: these flags exist but COMMAND INFO never shows them.
    let hidden = flags::MAY_REPLICATE
        | flags::SENTINEL
        | flags::ONLY_SENTINEL
        | flags::PROTECTED
        | flags::TOUCHES_ARBITRARY_KEYS;
    reply_flag_names(client, spec.flags & !hidden, &command::flags::NAMES, None);
    client.reply_integer(i64::from(first));
    client.reply_integer(i64::from(last));
    client.reply_integer(i64::from(step));
    reply_flag_names(
        client,
        spec.acl_categories(),
        &command::acl::NAMES,
        Some('@'),
    );
    client.reply_array_len(spec.tips.len());
    for tip in spec.tips {
        client.reply_bulk(tip.as_bytes());
    }
    client.reply_array_len(spec.key_specs.len());
    for key_spec in spec.key_specs {
        reply_key_spec(client, key_spec);
    }
    client.reply_array_len(spec.subcommands.len());
    for sub in spec.subcommands {
        reply_command_info(client, Some(spec), sub);
    }
}

fn reply_flag_names(client: &mut Client, bits: u64, names: &[&str], prefix: Option<char>) {
    client.reply_set_len(bits.count_ones() as usize);
    for (index, name) in names.iter().enumerate() {
        if bits & (1 << index) != 0 {
            match prefix {
                Some(prefix) => client.reply_simple(format!("{prefix}{name}").as_bytes()),
                None => client.reply_simple(name.as_bytes()),
            }
        }
    }
}

fn reply_key_spec(client: &mut Client, key_spec: &KeySpec) {
    client.reply_map_len(3);
    client.reply_bulk(b"flags");
    client.reply_set_len(key_spec.flags.len());
    for flag in key_spec.flags {
        client.reply_simple(flag.as_bytes());
    }
    client.reply_bulk(b"begin_search");
    client.reply_map_len(2);
    client.reply_bulk(b"type");
    match key_spec.begin_search {
        BeginSearch::Index(index) => {
            client.reply_bulk(b"index");
            client.reply_bulk(b"spec");
            client.reply_map_len(1);
            client.reply_bulk(b"index");
            client.reply_integer(i64::from(index));
        }
        BeginSearch::Keyword {
            keyword,
            start_from,
        } => {
            client.reply_bulk(b"keyword");
            client.reply_bulk(b"spec");
            client.reply_map_len(2);
            client.reply_bulk(b"keyword");
            client.reply_bulk(keyword.as_bytes());
            client.reply_bulk(b"startfrom");
            client.reply_integer(i64::from(start_from));
        }
        BeginSearch::Unknown => {
            client.reply_bulk(b"unknown");
            client.reply_bulk(b"spec");
            client.reply_map_len(0);
        }
    }
    client.reply_bulk(b"find_keys");
    client.reply_map_len(2);
    client.reply_bulk(b"type");
    match key_spec.find_keys {
        FindKeys::Range {
            last_key,
            key_step,
            limit,
        } => {
            client.reply_bulk(b"range");
            client.reply_bulk(b"spec");
            client.reply_map_len(3);
            client.reply_bulk(b"lastkey");
            client.reply_integer(i64::from(last_key));
            client.reply_bulk(b"keystep");
            client.reply_integer(i64::from(key_step));
            client.reply_bulk(b"limit");
            client.reply_integer(i64::from(limit));
        }
        FindKeys::Keynum {
            keynum_index,
            first_key,
            key_step,
        } => {
            client.reply_bulk(b"keynum");
            client.reply_bulk(b"spec");
            client.reply_map_len(3);
            client.reply_bulk(b"keynumidx");
            client.reply_integer(i64::from(keynum_index));
            client.reply_bulk(b"firstkey");
            client.reply_integer(i64::from(first_key));
            client.reply_bulk(b"keystep");
            client.reply_integer(i64::from(key_step));
        }
        FindKeys::Unknown => {
            client.reply_bulk(b"unknown");
            client.reply_bulk(b"spec");
            client.reply_map_len(0);
        }
    }
}

fn command_docs(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() == 2 {
        client.reply_map_len(server.commands.len());
        for spec in server.commands.iter() {
            client.reply_bulk(spec.name.as_bytes());
            reply_doc(client, None, spec);
        }
        return;
    }
    let found: Vec<_> = argv
        .iter()
        .skip(2)
        .filter_map(|name| resolve(server, name))
        .collect();
    client.reply_map_len(found.len());
    for (container, spec) in found {
        client.reply_bulk(command::full_name(container, spec).as_bytes());
        reply_doc(client, container, spec);
    }
}

fn reply_doc(client: &mut Client, _container: Option<&CommandSpec>, spec: &CommandSpec) {
    let doc = &spec.doc;
    let fields = 4 + usize::from(!doc.args.is_empty()) + usize::from(!spec.subcommands.is_empty());
    client.reply_map_len(fields);
    for (key, value) in [
        ("summary", doc.summary),
        ("since", doc.since),
        ("group", doc.group),
        ("complexity", doc.complexity),
    ] {
        client.reply_bulk(key.as_bytes());
        client.reply_bulk(value.as_bytes());
    }
    if !doc.args.is_empty() {
        client.reply_bulk(b"arguments");
        reply_args(client, doc.args);
    }
    if !spec.subcommands.is_empty() {
        client.reply_bulk(b"subcommands");
        client.reply_map_len(spec.subcommands.len());
        for sub in spec.subcommands {
            client.reply_bulk(command::full_name(Some(spec), sub).as_bytes());
            reply_doc(client, Some(spec), sub);
        }
    }
}

fn reply_args(client: &mut Client, args: &[Arg]) {
    client.reply_array_len(args.len());
    for arg in args {
        let has_flags = arg.optional || arg.multiple;
        let fields = 2
            + usize::from(arg.key_spec_index.is_some())
            + usize::from(arg.token.is_some())
            + usize::from(arg.since.is_some())
            + usize::from(has_flags)
            + usize::from(!arg.args.is_empty());
        client.reply_map_len(fields);
        client.reply_bulk(b"name");
        client.reply_bulk(arg.name.as_bytes());
        client.reply_bulk(b"type");
        client.reply_bulk(arg.kind.name().as_bytes());
        if let Some(index) = arg.key_spec_index {
            client.reply_bulk(b"key_spec_index");
            client.reply_integer(index as i64);
        }
        if let Some(token) = arg.token {
            client.reply_bulk(b"token");
            client.reply_bulk(token.as_bytes());
        }
        if let Some(since) = arg.since {
            client.reply_bulk(b"since");
            client.reply_bulk(since.as_bytes());
        }
        if has_flags {
            client.reply_bulk(b"flags");
            client.reply_set_len(usize::from(arg.optional) + usize::from(arg.multiple));
            if arg.optional {
                client.reply_simple(b"optional");
            }
            if arg.multiple {
                client.reply_simple(b"multiple");
            }
        }
        if !arg.args.is_empty() {
            client.reply_bulk(b"arguments");
            reply_args(client, arg.args);
        }
    }
}

/// How `COMMAND LIST` filters names.
enum ListFilter<'a> {
    All,
    Module,
    AclCategory(&'a [u8]),
    Pattern(&'a [u8]),
}

fn command_list(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let filter = match argv.len() {
        2 => ListFilter::All,
        5 if argv[2].eq_ignore_ascii_case(b"filterby") => {
            let kind = &argv[3];
            if kind.eq_ignore_ascii_case(b"module") {
                ListFilter::Module
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                ListFilter::AclCategory(&argv[4])
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                ListFilter::Pattern(&argv[4])
            } else {
                return client.reply_error(errors::SYNTAX);
            }
        }
        _ => return client.reply_error(errors::SYNTAX),
    };
    let category_bit = match filter {
        ListFilter::AclCategory(name) => command::acl::NAMES
            .iter()
            .position(|category| category.as_bytes().eq_ignore_ascii_case(name))
            .map(|index| 1u64 << index),
        _ => None,
    };
    let mut names = Vec::new();
    for spec in server.commands.iter() {
        let entries = std::iter::once((None, spec))
            .chain(spec.subcommands.iter().map(|sub| (Some(spec), sub)));
        for (container, entry) in entries {
            let full_name = command::full_name(container, entry);
            let keep = match filter {
                ListFilter::All => true,
                // No modules are loaded, so no command belongs to one.
                ListFilter::Module => false,
                ListFilter::AclCategory(_) => {
                    category_bit.is_some_and(|bit| entry.acl_categories() & bit != 0)
                }
                ListFilter::Pattern(pattern) => {
                    vireo_core::glob::matches(pattern, full_name.as_bytes(), true)
                }
            };
            if keep {
                names.push(full_name);
            }
        }
    }
    client.reply_array_len(names.len());
    for name in names {
        client.reply_bulk(name.as_bytes());
    }
}

/// Key spec helper re-exported for the other command modules.
pub const KEY_RM_DELETE_ALL: &[KeySpec] = &[KeySpec {
    flags: &["RM", "delete"],
    begin_search: BeginSearch::Index(1),
    find_keys: FindKeys::Range {
        last_key: -1,
        key_step: 1,
        limit: 0,
    },
}];

/// MONITOR
pub const MONITOR: CommandSpec = CommandSpec {
    name: "monitor",
    arity: 1,
    flags: flags::ADMIN | flags::NOSCRIPT | flags::LOADING | flags::STALE,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Streams every command the server runs, as it runs it",
        since: "1.0.0",
        group: "server",
        complexity: "",
        args: &[],
    },
    subcommands: &[],
    handler: Some(monitor),
};

fn monitor(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    // Redis compat: MONITOR again is silently ignored.
    if client.monitor {
        return;
    }
    client.monitor = true;
    server.monitors.push(client.slot);
    client.reply_ok();
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
pub const SHUTDOWN: CommandSpec = CommandSpec {
    name: "shutdown",
    arity: -1,
    flags: flags::ADMIN | flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::NO_MULTI | flags::ALLOW_BUSY,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Stops the server",
        since: "1.0.0",
        group: "server",
        complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        args: &[
            Arg::new("save-selector", ArgKind::OneOf).optional().of(&[
                Arg::token("nosave", "NOSAVE"),
                Arg::token("save", "SAVE"),
            ]),
            Arg::token("now", "NOW").optional().since("7.0.0"),
            Arg::token("force", "FORCE").optional().since("7.0.0"),
            Arg::token("abort", "ABORT").optional().since("7.0.0"),
        ],
    },
    subcommands: &[],
    handler: Some(shutdown),
};

fn shutdown(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let (mut nosave, mut save, mut other_flags, mut abort) = (false, false, false, false);
    let mut force = false;
    for arg in argv.iter().skip(1) {
        if arg.eq_ignore_ascii_case(b"nosave") {
            nosave = true;
        } else if arg.eq_ignore_ascii_case(b"save") {
            save = true;
        } else if arg.eq_ignore_ascii_case(b"now") || arg.eq_ignore_ascii_case(b"force") {
            force |= arg.eq_ignore_ascii_case(b"force");
            other_flags = true;
        } else if arg.eq_ignore_ascii_case(b"abort") {
            abort = true;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
    }
    if (abort && (nosave || save || other_flags)) || (nosave && save) {
        return client.reply_error(errors::SYNTAX);
    }
    if abort {
        // Shutdowns happen at once (there are no replicas to wait for), so
        // the only one to abort is a signal cron has not acted on yet.
        if crate::os::take_shutdown_signal().is_some() {
            crate::notice!("Shutdown manually aborted.");
            return client.reply_ok();
        }
        return client.reply_error("No shutdown in progress.");
    }
    // Redis compat: save when asked to, or when save points exist unless
    // told not to; a failed save keeps the server running unless FORCE.
    if !crate::rdb::save_before_exit(server, save, nosave) && !force {
        return client.reply_error("Errors trying to SHUTDOWN. Check logs.");
    }
    // Redis compat: a successful SHUTDOWN sends no reply; the connection
    // closes as the process exits.
    server.shutdown_requested = true;
}
