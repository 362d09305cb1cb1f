//! Replication commands: REPLCONF, SYNC, PSYNC.
//!
//! Vireo does not serve replicas yet. What it does serve is the snapshot
//! half of the protocol that backup tools use: `redis-cli --rdb FILE` sends
//! `REPLCONF rdb-only 1` (and `rdb-filter-only functions` for
//! `--functions-rdb`), then `SYNC`, reads `$<length>` and the RDB bytes,
//! and expects the server to close the connection. A replica asking for
//! the command stream after the snapshot is refused with an error rather
//! than left believing it is in sync.

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{flags, Arg, ArgKind, CommandSpec, Doc};
use crate::errors;
use crate::server::Server;

/// The refusal for a replica that wants the command stream.
const NO_REPLICAS: &str =
    "Replication to replicas is not supported yet; only an RDB snapshot (REPLCONF rdb-only 1, then SYNC) can be taken";

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

fn replconf(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() % 2 == 0 {
        return client.reply_error(errors::SYNTAX);
    }
    let mut rdb_only = client.repl_rdb_only;
    let mut rdb_without_data = client.repl_rdb_without_data;
    for pair in (1..argv.len()).step_by(2) {
        let (option, value) = (&argv[pair], &argv[pair + 1]);
        if option.eq_ignore_ascii_case(b"listening-port") {
            if super::parse_i64(value).is_none() {
                return client.reply_error(errors::NOT_INTEGER);
            }
        } else if option.eq_ignore_ascii_case(b"ip-address") || option.eq_ignore_ascii_case(b"capa")
        {
            // Accepted for compatibility; nothing here depends on them.
        } else if option.eq_ignore_ascii_case(b"ack") || option.eq_ignore_ascii_case(b"getack") {
            // Redis compat: acknowledgements get no reply.
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
    send_snapshot(server, client, false);
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

fn psync(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    send_snapshot(server, client, true);
}

/// Sends the snapshot as a full resynchronisation (`+FULLRESYNC` first
/// for PSYNC), then closes the connection; refuses a replica that did not
/// ask for the snapshot alone.
fn send_snapshot(server: &mut Server, client: &mut Client, psync: bool) {
    if !client.repl_rdb_only {
        return client.reply_error(NO_REPLICAS);
    }
    let mut rdb = Vec::new();
    let databases = if client.repl_rdb_without_data {
        &[][..]
    } else {
        &server.dbs[..]
    };
    let written = crate::rdb::write_rdb(&mut rdb, server, databases, server.now_ms, |_| {});
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
