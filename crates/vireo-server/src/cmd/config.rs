//! CONFIG GET, CONFIG SET, CONFIG RESETSTAT and CONFIG REWRITE over the
//! option table.

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, Arg, ArgKind, CommandSpec, Doc};
use crate::config_rewrite;
use crate::config_table::{self, HIDDEN, OPTIONS};
use crate::errors;
use crate::server::{Server, Stats};

const CONFIG_FLAGS: u64 = flags::ADMIN | flags::NOSCRIPT | flags::LOADING | flags::STALE;

/// CONFIG and its subcommands.
pub const CONFIG: CommandSpec = CommandSpec {
    name: "config",
    arity: -2,
    flags: 0,
    acl: acl::SLOW,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Reads and changes the server configuration",
        since: "2.0.0",
        group: "server",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[
        CommandSpec {
            name: "get",
            arity: -3,
            flags: CONFIG_FLAGS,
            acl: 0,
            tips: &[],
            key_specs: &[],
            doc: Doc {
                summary: "Returns the values of the options matching one or more patterns",
                since: "2.0.0",
                group: "server",
                complexity: "O(N) when N is the number of configuration parameters provided",
                args: &[Arg::new("parameter", ArgKind::String).multiple()],
            },
            subcommands: &[],
            handler: Some(config_get),
        },
        CommandSpec {
            name: "set",
            arity: -4,
            flags: CONFIG_FLAGS,
            acl: 0,
            tips: &["request_policy:all_nodes", "response_policy:all_succeeded"],
            key_specs: &[],
            doc: Doc {
                summary: "Changes one or more options, all or none",
                since: "2.0.0",
                group: "server",
                complexity: "O(N) when N is the number of configuration parameters provided",
                args: &[Arg::new("data", ArgKind::Block).multiple().of(&[
                    Arg::new("parameter", ArgKind::String),
                    Arg::new("value", ArgKind::String),
                ])],
            },
            subcommands: &[],
            handler: Some(config_set),
        },
        CommandSpec {
            name: "resetstat",
            arity: 2,
            flags: CONFIG_FLAGS,
            acl: 0,
            tips: &[],
            key_specs: &[],
            doc: Doc {
                summary: "Resets the server's statistics",
                since: "2.0.0",
                group: "server",
                complexity: "O(1)",
                args: &[],
            },
            subcommands: &[],
            handler: Some(config_resetstat),
        },
        CommandSpec {
            name: "rewrite",
            arity: 2,
            flags: CONFIG_FLAGS,
            acl: 0,
            tips: &[],
            key_specs: &[],
            doc: Doc {
                summary: "Writes the running configuration back into the configuration file",
                since: "2.8.0",
                group: "server",
                complexity: "O(1)",
                args: &[],
            },
            subcommands: &[],
            handler: Some(config_rewrite),
        },
    ],
    handler: None,
};

fn config_get(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // (name shown, option index), in the order found, each option once.
    let mut matches: Vec<(String, usize)> = Vec::new();
    for pattern in argv.iter().skip(2) {
        let pattern_text = String::from_utf8_lossy(pattern);
        if !pattern.iter().any(|b| matches!(b, b'[' | b'*' | b'?')) {
            if let Some(index) = config_table::find(&pattern_text) {
                if !matches.iter().any(|(_, seen)| *seen == index) {
                    // Redis compat: an exact name is echoed as the client typed it.
                    matches.push((pattern_text.into_owned(), index));
                }
            }
            continue;
        }
        for (index, spec) in OPTIONS.iter().enumerate() {
            if spec.flags & HIDDEN != 0 {
                continue;
            }
            for name in std::iter::once(spec.name).chain(spec.alias) {
                if matches.iter().any(|(shown, _)| shown == name) {
                    continue;
                }
                if vireo_core::glob::matches(pattern, name.as_bytes(), true) {
                    matches.push((name.to_string(), index));
                }
            }
        }
    }
    client.reply_map_len(matches.len());
    for (name, index) in matches {
        client.reply_bulk(name.as_bytes());
        client.reply_bulk(server.config.value(index).as_bytes());
    }
}

fn config_set(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() % 2 != 0 {
        return client.reply_error(errors::SYNTAX);
    }
    let local = client.is_local();
    let mut chosen: Vec<(usize, &[u8])> = Vec::new();
    let mut failure: Option<String> = None;
    for pair in (2..argv.len()).step_by(2) {
        let name = String::from_utf8_lossy(&argv[pair]).into_owned();
        let Some(index) = config_table::find(&name) else {
            if failure.is_none() {
                return client.reply_error(format!(
                    "Unknown option or number of arguments for CONFIG SET - '{name}'"
                ));
            }
            continue;
        };
        if failure.is_some() {
            continue;
        }
        if let Err(reason) = server.config.runtime_settable(index, local) {
            failure = Some(format!(
                "CONFIG SET failed (possibly related to argument '{name}') - {reason}"
            ));
            continue;
        }
        if chosen.iter().any(|(seen, _)| *seen == index) {
            failure = Some(format!(
                "CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter"
            ));
            continue;
        }
        chosen.push((index, &argv[pair + 1]));
    }
    if let Some(message) = failure {
        return client.reply_error(message);
    }
    // All or nothing: work on a copy and keep it only if every value is valid.
    let mut updated = server.config.clone();
    for (index, value) in chosen {
        if let Err(reason) = updated.set_at_runtime(index, value) {
            return client.reply_error(format!(
                "CONFIG SET failed (possibly related to argument '{}') - {reason}",
                OPTIONS[index].name
            ));
        }
    }
    if updated.port != server.config.port || updated.bind != server.config.bind {
        // Redis compat: the new sockets are opened before anything changes,
        // so a port in use fails the whole CONFIG SET.
        let argument = if updated.port != server.config.port {
            ("port", "Unable to listen on this port")
        } else {
            ("bind", "Failed to bind to specified addresses.")
        };
        match crate::networking::open_tcp_listeners(
            &updated.bind,
            updated.port,
            updated.tcp_backlog,
        ) {
            Ok(listeners) => server.new_tcp_listeners = Some(listeners),
            Err(_) => {
                return client.reply_error(format!(
                    "CONFIG SET failed (possibly related to argument '{}') - {}",
                    argument.0, argument.1
                ));
            }
        }
    }
    for (name, value) in &updated.unimplemented {
        if !server
            .config
            .unimplemented
            .iter()
            .any(|(seen, _)| seen == name)
        {
            crate::warning!("Configuration option '{name}' ('{value}') is accepted but not implemented yet; it has no effect.");
        }
    }
    server.apply_config(updated);
    client.reply_ok();
}

fn config_resetstat(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    server.stats = Stats::default();
    server.dbs.iter_mut().for_each(|db| db.reset_lookup_stats());
    server.error_codes.clear();
    server
        .command_stats
        .iter_mut()
        .for_each(|stats| *stats = Default::default());
    server.latency.histograms.clear();
    server.lazyfree.reset_stats();
    server.replication.sync_full = 0;
    server.replication.sync_partial_ok = 0;
    server.replication.sync_partial_err = 0;
    for live in server.clients.iter_mut().flatten() {
        live.error_replies = 0;
        live.error_codes.clear();
    }
    client.error_replies = 0;
    client.error_codes.clear();
    client.reply_ok();
}

fn config_rewrite(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    rewrite_config_file(server, client, false);
}

/// CONFIG REWRITE, and with `force_all` DEBUG CONFIG-REWRITE-FORCE-ALL.
pub fn rewrite_config_file(server: &mut Server, client: &mut Client, force_all: bool) {
    let Some(path) = server.config.config_file.clone() else {
        return client.reply_error("The server is running without a config file");
    };
    let path = std::path::Path::new(&path);
    let result = match std::fs::read_to_string(path) {
        // Redis compat: a config file removed since startup is created again.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        other => other,
    }
    .and_then(|old| {
        let cwd = std::env::current_dir().ok();
        let cwd = cwd.as_ref().map(|dir| dir.display().to_string());
        let text = config_rewrite::rewrite_text(&old, &server.config, cwd.as_deref(), force_all);
        config_rewrite::overwrite_file(path, &text)
    });
    match result {
        Ok(()) => {
            crate::notice!("CONFIG REWRITE executed with success.");
            client.reply_ok();
        }
        Err(error) => {
            let reason = config_rewrite::os_error_text(&error);
            crate::warning!("CONFIG REWRITE failed: {reason}");
            if force_all {
                client.reply_error(format!("CONFIG-REWRITE-FORCE-ALL failed: {reason}"));
            } else {
                client.reply_error(format!("Rewriting config file: {reason}"));
            }
        }
    }
}
