//! Replication commands: REPLCONF, SYNC, PSYNC, ROLE.
//!
//! The work is in `replication.rs`; these handlers parse and answer. A
//! client asking for the snapshot alone (`REPLCONF rdb-only 1`, as
//! `redis-cli --rdb` does) gets it and is disconnected; with
//! `rdb-filter-only functions` the keys are left out and the small file is
//! written on the spot.

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{flags, Arg, ArgKind, CommandSpec, Doc};
use crate::errors;
use crate::server::Server;

/// REPLCONF option value ...
pub const REPLCONF: CommandSpec = CommandSpec {
    name: "replconf",
    arity: -1,
    flags: flags::ADMIN | flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::ALLOW_BUSY,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "An internal command for configuring the replication stream",
        since: "3.0.0",
        group: "server",
        complexity: "O(1)",
        args: &[],
    },
    subcommands: &[],
    handler: Some(replconf),
};

fn replconf(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() % 2 == 0 {
        return client.reply_error(errors::SYNTAX);
    }
    let mut rdb_only = client.repl_rdb_only;
    let mut rdb_without_data = client.repl_rdb_without_data;
    for pair in (1..argv.len()).step_by(2) {
        let (option, value) = (&argv[pair], &argv[pair + 1]);
        if option.eq_ignore_ascii_case(b"listening-port") {
            match super::parse_i64(value) {
                Some(port) => client.repl_port = port.clamp(0, 65535) as u16,
                None => return client.reply_error(errors::NOT_INTEGER),
            }
        } else if option.eq_ignore_ascii_case(b"capa") {
            if value.eq_ignore_ascii_case(b"psync2") {
                client.repl_capa_psync2 = true;
            } else if value.eq_ignore_ascii_case(b"eof") {
                client.repl_capa_eof = true;
            }
        } else if option.eq_ignore_ascii_case(b"ip-address") {
            // Accepted for compatibility; the peer address is reported.
        } else if option.eq_ignore_ascii_case(b"ack") {
            // Redis compat: acknowledgements get no reply, and only a
            // replica's count.
            if let (Some(replica), Some(offset)) =
                (client.replica.as_mut(), super::parse_i64(value))
            {
                replica.ack_offset = replica.ack_offset.max(offset);
                replica.ack_ms = server.now_ms;
                server.replication.acks_arrived = true;
            }
            return;
        } else if option.eq_ignore_ascii_case(b"getack") {
            // Answered by the stream's reader once the command is done.
            if client.is_primary {
                client.repl_ack_requested = true;
            }
            return;
        } else if option.eq_ignore_ascii_case(b"rdb-only") {
            match super::parse_i64(value) {
                Some(0) => rdb_only = false,
                Some(1) => rdb_only = true,
                Some(_) => return client.reply_error(errors::out_of_range(0, 1)),
                None => return client.reply_error(errors::NOT_INTEGER),
            }
        } else if option.eq_ignore_ascii_case(b"rdb-filter-only") {
            // Every filter given is included; the keys are not a filter
            // Redis knows, so any filter list leaves them out.
            rdb_without_data = true;
            for filter in value.split(|&b| b == b' ').filter(|f| !f.is_empty()) {
                if !filter.eq_ignore_ascii_case(b"functions") {
                    return client.reply_error(format!(
                        "Unsupported rdb-filter-only option: {}",
                        String::from_utf8_lossy(filter)
                    ));
                }
            }
        } else {
            return client.reply_error(format!(
                "Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(option)
            ));
        }
    }
    client.repl_rdb_only = rdb_only;
    client.repl_rdb_without_data = rdb_without_data;
    client.reply_ok();
}

/// SYNC
pub const SYNC: CommandSpec = CommandSpec {
    name: "sync",
    arity: 1,
    flags: flags::NO_ASYNC_LOADING | flags::ADMIN | flags::NO_MULTI | flags::NOSCRIPT,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "An internal command used in replication",
        since: "1.0.0",
        group: "server",
        complexity: "",
        args: &[],
    },
    subcommands: &[],
    handler: Some(sync),
};

fn sync(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    if client.repl_rdb_without_data {
        return send_functions_snapshot(server, client, false);
    }
    crate::replication::sync_command(server, client, None);
}

/// PSYNC replicationid offset
pub const PSYNC: CommandSpec = CommandSpec {
    name: "psync",
    arity: -3,
    flags: flags::NO_ASYNC_LOADING | flags::ADMIN | flags::NO_MULTI | flags::NOSCRIPT,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "An internal command used in replication",
        since: "2.8.0",
        group: "server",
        complexity: "",
        args: &[
            Arg::new("replicationid", ArgKind::String),
            Arg::new("offset", ArgKind::Integer),
        ],
    },
    subcommands: &[],
    handler: Some(psync),
};

fn psync(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if client.repl_rdb_without_data {
        return send_functions_snapshot(server, client, true);
    }
    crate::replication::sync_command(server, client, Some((&argv[1], &argv[2])));
}

/// The snapshot without keys (`rdb-filter-only`), written on the spot
/// since it holds no data, then the connection closed.
fn send_functions_snapshot(server: &mut Server, client: &mut Client, psync: bool) {
    let mut rdb = Vec::new();
    let written = crate::rdb::write_rdb(&mut rdb, server, &[], server.now_ms, |_| {});
    if written.is_err() {
        return client.reply_error("-ERR");
    }
    crate::notice!(
        "Replica {} asks for an RDB snapshot: sending {} bytes",
        client.peer,
        rdb.len()
    );
    if psync {
        client
            .out
            .extend_from_slice(format!("+FULLRESYNC {} 0\r\n", server.run_id).as_bytes());
    }
    // Redis compat: the payload is a bulk length and the raw file, with no
    // CRLF after it.
    client
        .out
        .extend_from_slice(format!("${}\r\n", rdb.len()).as_bytes());
    client.out.extend_from_slice(&rdb);
    client.close_after_reply = true;
}

/// ROLE
pub const ROLE: CommandSpec = CommandSpec {
    name: "role",
    arity: 1,
    flags: flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::SENTINEL,
    acl: crate::command::acl::ADMIN | crate::command::acl::FAST | crate::command::acl::DANGEROUS,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Return the role of the instance in the context of replication",
        since: "2.8.12",
        group: "server",
        complexity: "O(1)",
        args: &[],
    },
    subcommands: &[],
    handler: Some(role),
};

fn role(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    if let Some(link) = &server.primary {
        client.reply_array_len(5);
        client.reply_bulk(b"slave");
        client.reply_bulk(link.host.as_bytes());
        client.reply_integer(i64::from(link.port));
        client.reply_bulk(crate::replica::role_state(link).as_bytes());
        let offset = if crate::replica::is_connected(server) {
            server.replication.offset
        } else {
            -1
        };
        return client.reply_integer(offset);
    }
    let replication = &server.replication;
    client.reply_array_len(3);
    client.reply_bulk(b"master");
    client.reply_integer(replication.offset);
    let replicas: Vec<(String, u16, i64)> = replication
        .replicas
        .iter()
        .filter_map(|&slot| server.clients.get(slot).and_then(Option::as_ref))
        .filter_map(|replica_client| {
            let replica = replica_client.replica.as_ref()?;
            if replica.phase != crate::replication::Phase::Online {
                return None;
            }
            let ip = crate::replication::replica_ip(replica_client).to_string();
            Some((ip, replica_client.repl_port, replica.ack_offset))
        })
        .collect();
    client.reply_array_len(replicas.len());
    for (ip, port, offset) in replicas {
        client.reply_array_len(3);
        client.reply_bulk(ip.as_bytes());
        client.reply_bulk(port.to_string().as_bytes());
        client.reply_bulk(offset.to_string().as_bytes());
    }
}

/// REPLICAOF host port | NO ONE
pub const REPLICAOF: CommandSpec = CommandSpec {
    name: "replicaof",
    arity: 3,
    flags: flags::ADMIN | flags::NOSCRIPT | flags::STALE | flags::NO_ASYNC_LOADING,
    acl: crate::command::acl::ADMIN | crate::command::acl::SLOW | crate::command::acl::DANGEROUS,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Configures a server as replica of another, or promotes it to a master",
        since: "5.0.0",
        group: "server",
        complexity: "O(1)",
        args: &[
            Arg::new("host", ArgKind::String),
            Arg::new("port", ArgKind::Integer),
        ],
    },
    subcommands: &[],
    handler: Some(replicaof),
};

/// SLAVEOF host port | NO ONE
pub const SLAVEOF: CommandSpec = CommandSpec {
    name: "slaveof",
    doc: Doc {
        summary: "Sets a Redis server as a replica of another, or promotes it to being a master",
        since: "1.0.0",
        ..REPLICAOF.doc
    },
    ..REPLICAOF
};

fn replicaof(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv[1].eq_ignore_ascii_case(b"no") && argv[2].eq_ignore_ascii_case(b"one") {
        if server.primary.is_some() {
            crate::replica::stop_following(server);
            crate::notice!("MASTER MODE enabled (user request from '{}')", client.peer);
        }
        return client.reply_ok();
    }
    // Redis compat: a replica of this server cannot make it follow
    // another (that would flush the replica itself).
    if client.replica.is_some() {
        return client.reply_error("Command is not valid when client is a replica.");
    }
    let port = match super::parse_i64(&argv[2]) {
        Some(port) if (0..=65535).contains(&port) => port as u16,
        _ => return client.reply_error("Invalid master port"),
    };
    let host = String::from_utf8_lossy(&argv[1]).into_owned();
    if let Some(link) = &server.primary {
        if link.host.eq_ignore_ascii_case(&host) && link.port == port {
            crate::notice!("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
            return client.reply_simple(b"OK Already connected to specified master");
        }
    }
    crate::replica::follow(server, host.clone(), port);
    server.primary_connect_now = true;
    crate::notice!(
        "REPLICAOF {host}:{port} enabled (user request from '{}')",
        client.peer
    );
    client.reply_ok();
}

/// WAIT numreplicas timeout
pub const WAIT: CommandSpec = CommandSpec {
    name: "wait",
    arity: 3,
    flags: flags::NOSCRIPT,
    acl: crate::command::acl::SLOW | crate::command::acl::CONNECTION,
    tips: &["request_policy:all_shards", "response_policy:agg_min"],
    key_specs: &[],
    doc: Doc {
        summary: "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed",
        since: "3.0.0",
        group: "generic",
        complexity: "O(1)",
        args: &[
            Arg::new("numreplicas", ArgKind::Integer),
            Arg::new("timeout", ArgKind::Integer),
        ],
    },
    subcommands: &[],
    handler: Some(wait),
};

fn wait(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if server.primary.is_some() {
        return client.reply_error("WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
    }
    let Some(wanted) = super::parse_i64(&argv[1]) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    let Some(timeout_ms) = super::parse_i64(&argv[2]) else {
        return client.reply_error("timeout is not an integer or out of range");
    };
    if timeout_ms < 0 {
        return client.reply_error("timeout is negative");
    }
    let acknowledged = crate::replication::replicas_acknowledging(server, client.woff);
    // Redis compat: inside a transaction WAIT never blocks, and a wait
    // that timed out replies with the count it has.
    if acknowledged >= wanted || super::list::must_not_wait(client) {
        return client.reply_integer(acknowledged);
    }
    if client.blocked.is_none() {
        server.replication.get_ack_requested = true;
    }
    let deadline_ms = if timeout_ms > 0 {
        server.now_ms.saturating_add(timeout_ms)
    } else {
        0
    };
    client.block_request = Some(crate::blocked::BlockRequest {
        kind: crate::blocked::BlockKind::Replication,
        keys: Vec::new(),
        stream_ids: Vec::new(),
        deadline_ms,
    });
}
