//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Queued commands are kept as encoded requests and run through the same
//! gate at EXEC, so a transaction's commands behave exactly as they would
//! outside it. WATCH is optimistic locking: a watched key that is written
//! (or flushed, or expires) between WATCH and EXEC makes EXEC reply null.

use vireo_resp::{encode, Argv, RequestDecoder, RequestLimits};

use crate::client::Client;
use crate::command::{acl, flags, keys_from_1, Arg, CommandSpec, Doc};
use crate::server::{Outcome, Server};

/// A transaction being queued.
#[derive(Debug, Default)]
pub struct MultiState {
    /// Each queued command, encoded as a multibulk request.
    pub commands: Vec<Vec<u8>>,
    /// The union of the queued commands' flags (EXEC is a write if any is).
    pub flags: u64,
    /// A command was refused while queueing: EXEC must abort.
    pub aborted: bool,
}

/// Command ACL category of the transaction commands.
const TRANSACTION: u64 = 1 << 19;
const MULTI_FLAGS: u64 =
    flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::FAST | flags::ALLOW_BUSY;

const fn spec(
    name: &'static str,
    arity: i32,
    summary: &'static str,
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: MULTI_FLAGS,
        acl: TRANSACTION,
        tips: &[],
        key_specs: &[],
        doc: Doc {
            summary,
            since: "1.2.0",
            group: "transactions",
            complexity: "O(1)",
            args: &[],
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

/// MULTI
pub const MULTI: CommandSpec = spec("multi", 1, "Starts a transaction", multi);
/// DISCARD
pub const DISCARD: CommandSpec = spec("discard", 1, "Discards a transaction", discard);
/// UNWATCH
pub const UNWATCH: CommandSpec = CommandSpec {
    doc: Doc {
        since: "2.2.0",
        ..spec("unwatch", 1, "Forgets every watched key", unwatch).doc
    },
    ..spec("unwatch", 1, "Forgets every watched key", unwatch)
};
/// EXEC
pub const EXEC: CommandSpec = CommandSpec {
    flags: flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::SKIP_SLOWLOG,
    acl: TRANSACTION | acl::SLOW,
    doc: Doc {
        summary: "Runs the queued commands of a transaction",
        since: "1.2.0",
        group: "transactions",
        complexity: "Depends on commands in the transaction",
        args: &[],
    },
    ..spec("exec", 1, "", exec)
};
/// WATCH key [key ...]
pub const WATCH: CommandSpec = CommandSpec {
    key_specs: &[keys_from_1(&["RO"], -1, 1)],
    doc: Doc {
        summary: "Makes the next EXEC fail if any of these keys changes",
        since: "2.2.0",
        group: "transactions",
        complexity: "O(1) for every key.",
        args: &[Arg::key("key", 0).multiple()],
    },
    ..spec("watch", -2, "", watch)
};

fn multi(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    if client.multi.is_some() {
        return client.reply_error("MULTI calls can not be nested");
    }
    client.multi = Some(MultiState::default());
    client.reply_ok();
}

fn discard(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    if client.multi.is_none() {
        return client.reply_error("DISCARD without MULTI");
    }
    end_transaction(server, client);
    client.reply_ok();
}

/// Leaves MULTI state and forgets watched keys.
fn end_transaction(server: &mut Server, client: &mut Client) {
    client.multi = None;
    server.unwatch_all(client);
}

fn exec(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let Some(state) = client.multi.take() else {
        return client.reply_error("EXEC without MULTI");
    };
    let watched_changed = client.watch_dirty || server.watched_key_vanished(client);
    server.unwatch_all(client);
    if state.aborted {
        return client.reply_error("-EXECABORT Transaction discarded because of previous errors.");
    }
    if watched_changed {
        return client.reply_null_array();
    }
    // The queued commands propagate themselves, wrapped in MULTI/EXEC by
    // the propagation point when there are several.
    server.prevent_propagation();
    client.reply_array_len(state.commands.len());
    let mut decoder = RequestDecoder::new();
    let mut args = vireo_resp::Args::new();
    let limits = RequestLimits {
        max_inline_len: usize::MAX,
        ..RequestLimits::default()
    };
    // Redis compat: the queued commands run as part of EXEC, which stays
    // the client's last command (CLIENT LIST's cmd, CLIENT CACHING's scope).
    let exec_command = client.last_command;
    // Redis compat: inside a transaction blocking commands never block.
    client.deny_blocking = true;
    server.in_exec = true;
    for request in &state.commands {
        match decoder.decode(request, &limits, &mut args) {
            Ok(Some(_)) => {
                let outcome = server.process_command(client, args.view(request));
                // INVARIANT: nothing inside EXEC is postponed; the pause
                // check held back EXEC itself.
                debug_assert_eq!(outcome, Outcome::Done);
            }
            _ => client.reply_error("internal error: a queued command could not be decoded"),
        }
    }
    client.deny_blocking = false;
    server.in_exec = false;
    client.last_command = exec_command;
}

fn watch(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if client.multi.is_some() {
        return client.reply_error("WATCH inside MULTI is not allowed");
    }
    // Redis compat: no point watching more once the transaction is doomed.
    if !client.watch_dirty {
        for key in argv.iter().skip(1) {
            server.watch_key(client, key);
        }
    }
    client.reply_ok();
}

fn unwatch(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    server.unwatch_all(client);
    client.reply_ok();
}

/// Queues `argv`, a command with `flags`, in the client's transaction.
pub fn queue(client: &mut Client, flags: u64, argv: &Argv<'_>) {
    let args: Vec<&[u8]> = argv.iter().collect();
    let mut request = Vec::new();
    encode::command(&mut request, &args);
    if let Some(state) = client.multi.as_mut() {
        state.commands.push(request);
        state.flags |= flags;
    }
    client.reply_simple(b"QUEUED");
}
