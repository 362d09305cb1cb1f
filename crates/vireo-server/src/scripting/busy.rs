//! Serving other clients while a script runs past `busy-reply-threshold`
//! (Redis's `processEventsWhileBlocked` during a script timeout).
//!
//! A Lua count hook calls [`serve_while_busy`] every 100,000 instructions
//! once the threshold has passed. It cannot re-enter the event loop (the
//! reactor and the listeners are borrowed up the stack by the command
//! that runs the script), so it does the narrow part Redis's clients rely
//! on itself: it reads what the already connected clients sent, without
//! blocking, answers `SCRIPT KILL`/`FUNCTION KILL`, `FUNCTION STATS` and
//! `SHUTDOWN NOSAVE`, runs the other commands that may run while busy
//! through the gate, refuses everything else with `-BUSY`, and writes the
//! replies straight to the sockets. New connections wait until the script
//! ends.
//!
//! Invariant: no command that may touch the dataset runs while a script
//! is in the middle of its work.

use std::io::{Read, Write};

use vireo_resp::RequestLimits;

use crate::client::{Client, Connection};
use crate::command::{self, flags};
use crate::server::Server;

/// What the busy loop knows of the running script.
pub struct BusyScript<'a> {
    /// Its name in replies and logs (the SHA-1 or the function name).
    pub name: &'a str,
    /// EVAL (killed by SCRIPT KILL) rather than FCALL (FUNCTION KILL).
    pub is_eval: bool,
    /// It already ran a write command: it cannot be killed.
    pub write_dirty: bool,
    /// How long it has run, milliseconds.
    pub elapsed_ms: u64,
    /// The command that started it, for FUNCTION STATS.
    pub command: &'a [Vec<u8>],
    /// Set by a successful kill.
    pub killed: bool,
}

const BUSY_EVAL: &str =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
const BUSY_FUNCTION: &str =
    "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
const UNKILLABLE: &str = "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";

/// One pass over the connected clients (see the module comment).
pub fn serve_while_busy(server: &mut Server, script: &mut BusyScript<'_>) {
    server.set_time_us(crate::networking::unix_time_us());
    for slot in 0..server.clients.len() {
        let Some(mut client) = server.take_client(slot) else {
            continue;
        };
        if !client.close_after_reply && read_available(server, &mut client) {
            serve_requests(server, &mut client, script);
            write_available(server, &mut client);
        }
        server.put_client(client);
    }
}

/// Reads what the socket holds without blocking; false when nothing new
/// arrived (or the peer is gone, which the event loop will notice).
fn read_available(server: &mut Server, client: &mut Client) -> bool {
    let mut got = false;
    loop {
        let spare = client.query.spare(16 * 1024);
        let result = match &mut client.conn {
            Connection::Tcp(stream) => stream.read(spare),
            Connection::Unix(stream) => stream.read(spare),
            Connection::Detached => return false,
        };
        match result {
            Ok(0) | Err(_) => return got,
            Ok(read) => {
                client.query.commit(read);
                server.stats.net_input_bytes += read as u64;
                got = true;
            }
        }
    }
}

/// Answers every complete request in the client's query buffer.
/// Refuses a request while the script runs. Redis compat: as any command
/// the gate rejects, it dooms the client's transaction, and EXEC itself is
/// answered by discarding it with the reason.
fn refuse(server: &mut Server, client: &mut Client, words: &[Vec<u8>], reply: &str) {
    let Some(state) = client.multi.as_mut() else {
        return client.reply_error(reply);
    };
    let is_exec = words
        .first()
        .is_some_and(|name| name.eq_ignore_ascii_case(b"exec"));
    if is_exec {
        client.multi = None;
        server.unwatch_all(client);
        let reason = reply.strip_prefix('-').unwrap_or(reply);
        return client.reply_error(format!(
            "-EXECABORT Transaction discarded because of: {reason}"
        ));
    }
    state.aborted = true;
    client.reply_error(reply);
}

fn serve_requests(server: &mut Server, client: &mut Client, script: &mut BusyScript<'_>) {
    let query = std::mem::take(&mut client.query);
    let mut args = std::mem::take(&mut client.args);
    let data = query.data();
    let mut consumed = 0;
    let limits = RequestLimits {
        auth_required: !client.authenticated,
        ..server.limits
    };
    while consumed < data.len() {
        let request = &data[consumed..];
        match client.decoder.decode(request, &limits, &mut args) {
            Ok(Some(length)) => {
                consumed += length;
                if args.is_empty() {
                    continue;
                }
                let argv = args.view(&request[..length]);
                let words: Vec<Vec<u8>> = argv.iter().map(<[u8]>::to_vec).collect();
                match answer(server, client, script, &words) {
                    Answer::Refuse(reply) => refuse(server, client, &words, reply),
                    Answer::Replied => {}
                    Answer::Run => {
                        server.process_command(client, argv);
                    }
                }
            }
            Ok(None) => break,
            Err(error) => {
                client.reply_error(error.to_string());
                client.close_after_reply = true;
                client.decoder.reset();
                consumed = data.len();
            }
        }
    }
    client.args = args;
    client.query = query;
    client.query.consume(consumed);
}

/// What to do with a request while busy.
enum Answer {
    /// Reply this error.
    Refuse(&'static str),
    /// Already answered.
    Replied,
    /// Run it through the gate (a command allowed while busy).
    Run,
}

fn answer(
    server: &mut Server,
    client: &mut Client,
    script: &mut BusyScript<'_>,
    words: &[Vec<u8>],
) -> Answer {
    let busy = if script.is_eval {
        BUSY_EVAL
    } else {
        BUSY_FUNCTION
    };
    let Some(container) = server.commands.lookup(&words[0]) else {
        return Answer::Refuse(busy);
    };
    let spec = match words.get(1) {
        Some(sub) if !container.subcommands.is_empty() => {
            command::lookup_subcommand(container, sub).unwrap_or(container)
        }
        _ => container,
    };
    match (container.name, spec.name) {
        ("script" | "function", "kill") => {
            let wants_eval = container.name == "script";
            if script.write_dirty {
                return Answer::Refuse(UNKILLABLE);
            }
            // Redis compat: each kill command kills only its own kind.
            if wants_eval != script.is_eval {
                return Answer::Refuse(busy);
            }
            script.killed = true;
            client.reply_ok();
            Answer::Replied
        }
        ("function", "stats") => {
            if script.is_eval {
                return Answer::Refuse(BUSY_EVAL);
            }
            reply_function_stats(server, client, script);
            Answer::Replied
        }
        ("shutdown", _)
            if words
                .iter()
                .skip(1)
                .any(|w| w.eq_ignore_ascii_case(b"nosave")) =>
        {
            crate::warning!("User requested shutdown...");
            crate::warning!("Redis is now ready to exit, bye bye...");
            std::process::exit(0);
        }
        _ if spec.flags & flags::ALLOW_BUSY != 0
            && container.name != "script"
            && container.name != "function" =>
        {
            Answer::Run
        }
        _ => Answer::Refuse(busy),
    }
}

fn reply_function_stats(server: &Server, client: &mut Client, script: &BusyScript<'_>) {
    let (libraries, functions) = server.functions.as_ref().map_or((0, 0), |engine| {
        (engine.libraries.len(), engine.function_count())
    });
    client.reply_map_len(2);
    client.reply_bulk(b"running_script");
    client.reply_map_len(3);
    client.reply_bulk(b"name");
    client.reply_bulk(script.name.as_bytes());
    client.reply_bulk(b"command");
    client.reply_array_len(script.command.len());
    for word in script.command {
        client.reply_bulk(word);
    }
    client.reply_bulk(b"duration_ms");
    client.reply_integer(script.elapsed_ms as i64);
    client.reply_bulk(b"engines");
    client.reply_map_len(1);
    client.reply_bulk(b"LUA");
    client.reply_map_len(2);
    client.reply_bulk(b"libraries_count");
    client.reply_integer(libraries as i64);
    client.reply_bulk(b"functions_count");
    client.reply_integer(functions as i64);
}

/// Writes the client's pending replies without blocking; what the socket
/// does not take is left for the event loop's next write pass.
fn write_available(server: &mut Server, client: &mut Client) {
    while client.has_pending_replies() {
        let pending = &client.out[client.out_sent..];
        let result = match &mut client.conn {
            Connection::Tcp(stream) => stream.write(pending),
            Connection::Unix(stream) => stream.write(pending),
            Connection::Detached => Ok(pending.len()),
        };
        match result {
            Ok(written) if written > 0 => {
                client.out_sent += written;
                server.stats.net_output_bytes += written as u64;
            }
            _ => break,
        }
    }
    if client.has_pending_replies() {
        server.queue_write(client);
    } else {
        client.out.clear();
        client.out_sent = 0;
    }
}
