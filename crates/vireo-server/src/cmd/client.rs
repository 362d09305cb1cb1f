//! CLIENT: ID, INFO, LIST, KILL, GETNAME, SETNAME, REPLY, NO-EVICT,
//! NO-TOUCH, SETINFO and HELP; TRACKING, CACHING, GETREDIR and
//! TRACKINGINFO are handled in `tracking`.

use vireo_resp::Argv;

use crate::client::{Client, Connection};
use crate::command::{self, acl, flags, Arg, ArgKind, CommandSpec, Doc};
use crate::errors;
use crate::server::{ClientPause, Server};

const CLIENT_FLAGS: u64 = flags::NOSCRIPT | flags::LOADING | flags::STALE;

const fn sub(
    name: &'static str,
    arity: i32,
    summary: &'static str,
    since: &'static str,
    args: &'static [Arg],
    handler: command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: CLIENT_FLAGS,
        acl: acl::CONNECTION,
        tips: &[],
        key_specs: &[],
        doc: Doc {
            summary,
            since,
            group: "connection",
            complexity: "O(1)",
            args,
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

const ON_OFF: &[Arg] =
    &[Arg::new("enabled", ArgKind::OneOf).of(&[Arg::token("on", "ON"), Arg::token("off", "OFF")])];

/// CLIENT and its subcommands.
pub const CLIENT: CommandSpec = CommandSpec {
    name: "client",
    arity: -2,
    flags: 0,
    acl: acl::SLOW,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Inspects and manages client connections",
        since: "2.4.0",
        group: "connection",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[
        sub(
            "id",
            2,
            "Returns the connection's unique id",
            "5.0.0",
            &[],
            client_id,
        ),
        CommandSpec {
            tips: &["nondeterministic_output"],
            ..sub(
                "info",
                2,
                "Describes the connection",
                "6.2.0",
                &[],
                client_info,
            )
        },
        CommandSpec {
            tips: &["nondeterministic_output"],
            flags: flags::ADMIN | CLIENT_FLAGS,
            acl: acl::CONNECTION | acl::ADMIN | acl::DANGEROUS,
            doc: Doc {
                summary: "Describes every connection, or those of a type or with given ids",
                since: "2.4.0",
                group: "connection",
                complexity: "O(N) where N is the number of client connections",
                args: &[],
            },
            ..sub("list", -2, "", "", &[], client_list)
        },
        CommandSpec {
            flags: flags::ADMIN | CLIENT_FLAGS,
            acl: acl::CONNECTION | acl::ADMIN | acl::DANGEROUS,
            ..sub(
                "kill",
                -3,
                "Closes connections matching filters",
                "2.4.0",
                &[],
                client_kill,
            )
        },
        sub(
            "getname",
            2,
            "Returns the connection's name",
            "2.6.9",
            &[],
            client_getname,
        ),
        sub(
            "setname",
            3,
            "Names the connection",
            "2.6.9",
            &[Arg::new("connection-name", ArgKind::String)],
            client_setname,
        ),
        CommandSpec {
            flags: flags::ADMIN | CLIENT_FLAGS,
            acl: acl::CONNECTION | acl::ADMIN | acl::DANGEROUS,
            ..sub(
                "pause",
                -3,
                "Holds back clients' commands for a time",
                "3.0.0",
                &[
                    Arg::new("timeout", ArgKind::Integer),
                    Arg::new("mode", ArgKind::OneOf)
                        .optional()
                        .since("6.2.0")
                        .of(&[Arg::token("write", "WRITE"), Arg::token("all", "ALL")]),
                ],
                client_pause,
            )
        },
        CommandSpec {
            flags: flags::ADMIN | CLIENT_FLAGS,
            acl: acl::CONNECTION | acl::ADMIN | acl::DANGEROUS,
            ..sub(
                "unpause",
                2,
                "Ends a CLIENT PAUSE",
                "6.2.0",
                &[],
                client_unpause,
            )
        },
        CommandSpec {
            flags: flags::ADMIN | CLIENT_FLAGS,
            acl: acl::CONNECTION | acl::ADMIN | acl::DANGEROUS,
            ..sub(
                "unblock",
                -3,
                "Ends the wait of a client blocked in a blocking command",
                "5.0.0",
                &[
                    Arg::new("client-id", ArgKind::Integer),
                    Arg::new("unblock-type", ArgKind::OneOf).optional().of(&[
                        Arg::token("timeout", "TIMEOUT"),
                        Arg::token("error", "ERROR"),
                    ]),
                ],
                client_unblock,
            )
        },
        sub(
            "reply",
            3,
            "Turns replies on or off, or skips the next one",
            "3.2.0",
            &[Arg::new("action", ArgKind::OneOf).of(&[
                Arg::token("on", "ON"),
                Arg::token("off", "OFF"),
                Arg::token("skip", "SKIP"),
            ])],
            client_reply,
        ),
        CommandSpec {
            flags: flags::ADMIN | CLIENT_FLAGS,
            acl: acl::CONNECTION | acl::ADMIN | acl::DANGEROUS,
            ..sub(
                "no-evict",
                3,
                "Exempts the connection from client eviction",
                "7.0.0",
                ON_OFF,
                client_no_evict,
            )
        },
        sub(
            "no-touch",
            3,
            "Makes the connection's reads leave keys' access times alone",
            "7.2.0",
            ON_OFF,
            client_no_touch,
        ),
        sub(
            "setinfo",
            -4,
            "Records the client library's name or version",
            "7.2.0",
            &[Arg::new("attr", ArgKind::OneOf).of(&[
                Arg::new("libname", ArgKind::String).with_token("LIB-NAME"),
                Arg::new("libver", ArgKind::String).with_token("LIB-VER"),
            ])],
            client_setinfo,
        ),
        sub(
            "tracking",
            -3,
            "Turns client-side caching invalidations on or off",
            "6.0.0",
            crate::tracking::TRACKING_ARGS,
            crate::tracking::client_tracking,
        ),
        sub(
            "caching",
            3,
            "Tracks (or not) the keys read by the next command",
            "6.0.0",
            crate::tracking::CACHING_ARGS,
            crate::tracking::client_caching,
        ),
        sub(
            "getredir",
            2,
            "Returns the id of the client invalidations are redirected to",
            "6.0.0",
            &[],
            crate::tracking::client_getredir,
        ),
        sub(
            "trackinginfo",
            2,
            "Describes the connection's client-side caching settings",
            "6.2.0",
            &[],
            crate::tracking::client_trackinginfo,
        ),
        CommandSpec {
            flags: flags::LOADING | flags::STALE,
            ..sub(
                "help",
                2,
                "Lists the CLIENT subcommands",
                "5.0.0",
                &[],
                client_help,
            )
        },
    ],
    handler: None,
};

fn client_id(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_integer(client.id as i64);
}

/// One CLIENT LIST line, with Redis's fields in Redis's order.
fn describe(client: &Client, now_ms: i64) -> String {
    let name = client
        .name
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let mut flags = String::new();
    if client.replica.is_some() {
        flags.push('S');
    }
    if client.is_primary {
        flags.push('M');
    }
    if client.monitor {
        flags.push('O');
    }
    if client.is_subscribed() {
        flags.push('P');
    }
    if client.multi.is_some() {
        flags.push('x');
    }
    if client.postponed || client.blocked.is_some() {
        flags.push('b');
    }
    crate::tracking::list_flags(client, &mut flags);
    if client.close_after_reply {
        flags.push('c');
    }
    if matches!(client.conn, Connection::Unix(_)) {
        flags.push('U');
    }
    if client.no_evict {
        flags.push('e');
    }
    if client.no_touch {
        flags.push('T');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let events = if client.writable_interest { "rw" } else { "r" };
    let command = client
        .last_command
        .map(|(container, spec)| command::full_name(container, spec));
    let pending = client.out.len() - client.out_sent;
    // Redis compat: the first 16 KiB of pending output are Redis's static
    // reply buffer (obl); the rest is its list of 16 KiB nodes (oll, omem),
    // which is what output buffer limits measure.
    let in_buffer = pending.min(crate::server::OUTPUT_BUFFER_FREE_BYTES);
    let beyond = pending - in_buffer;
    let nodes = beyond.div_ceil(crate::server::OUTPUT_BUFFER_FREE_BYTES);
    // While a command runs its bytes are still counted, as in Redis.
    let query_used = client.query.len().max(client.query_pending);
    let query_free = client.query.capacity().saturating_sub(query_used);
    let total_memory =
        client.query.capacity() + client.out.capacity() + std::mem::size_of::<Client>();
    let lib = |value: &Option<Vec<u8>>| {
        value
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default()
            .into_owned()
    };
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp={} obl={} oll={} omem={} tot-mem={} events={} cmd={} user=default redir={} resp={} lib-name={} lib-ver={}",
        client.id,
        client.peer,
        client.local_addr,
        client.fd,
        name,
        (now_ms - client.created_ms).max(0) / 1000,
        (now_ms - client.last_interaction_ms).max(0) / 1000,
        flags,
        client.db,
        client.channels.len(),
        client.patterns.len(),
        client.shard_channels.len(),
        client.multi.as_ref().map_or(-1, |state| state.commands.len() as i64),
        query_used,
        query_free,
        client.out.capacity(),
        client.out.capacity(),
        in_buffer,
        nodes,
        beyond,
        total_memory,
        events,
        command.as_deref().unwrap_or("NULL"),
        crate::tracking::redirect_of(client),
        client.resp,
        lib(&client.lib_name),
        lib(&client.lib_ver),
    )
}

fn client_info(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let mut text = describe(client, server.now_ms);
    text.push('\n');
    client.reply_verbatim(text.as_bytes(), *b"txt");
}

/// Every connected client, the caller included, in id order.
fn all_clients<'a>(server: &'a Server, caller: &'a Client) -> Vec<&'a Client> {
    let mut clients: Vec<&Client> = server
        .clients
        .iter()
        .flatten()
        .map(|boxed| &**boxed)
        .chain(std::iter::once(caller))
        .collect();
    clients.sort_by_key(|c| c.id);
    clients
}

/// The client types CLIENT LIST/KILL TYPE accept, by their canonical name.
fn parse_client_type(name: &[u8]) -> Option<&'static str> {
    ["normal", "master", "replica", "slave", "pubsub"]
        .into_iter()
        .find(|t| t.as_bytes().eq_ignore_ascii_case(name))
        .map(|t| if t == "replica" { "slave" } else { t })
}

/// A client's type, as Redis's `getClientType` decides it.
fn client_type(client: &Client) -> &'static str {
    if client.is_primary {
        "master"
    } else if client.replica.is_some() && !client.monitor {
        "slave"
    } else if client.is_subscribed() {
        "pubsub"
    } else {
        "normal"
    }
}

fn client_list(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut text = String::new();
    if argv.len() == 4 && argv[2].eq_ignore_ascii_case(b"type") {
        let Some(wanted) = parse_client_type(&argv[3]) else {
            return client.reply_error(format!(
                "Unknown client type '{}'",
                String::from_utf8_lossy(&argv[3])
            ));
        };
        for listed in all_clients(server, client) {
            if client_type(listed) == wanted {
                text.push_str(&describe(listed, server.now_ms));
                text.push('\n');
            }
        }
    } else if argv.len() > 3 && argv[2].eq_ignore_ascii_case(b"id") {
        let mut ids = Vec::new();
        for arg in argv.iter().skip(3) {
            match super::parse_i64(arg) {
                Some(id) => ids.push(id),
                None => return client.reply_error("Invalid client ID"),
            }
        }
        let clients = all_clients(server, client);
        for id in ids {
            if let Some(found) = clients.iter().find(|c| c.id as i64 == id) {
                text.push_str(&describe(found, server.now_ms));
                text.push('\n');
            }
        }
    } else if argv.len() != 2 {
        return client.reply_error(errors::SYNTAX);
    } else {
        for listed in all_clients(server, client) {
            text.push_str(&describe(listed, server.now_ms));
            text.push('\n');
        }
    }
    client.reply_verbatim(text.as_bytes(), *b"txt");
}

fn client_kill(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut id: Option<u64> = None;
    let mut only_type: Option<&str> = None;
    let mut skip_me = true;
    let old_form = argv.len() == 3;
    if old_form {
        addr = Some(&argv[2]);
        // Redis compat: the old form may kill the caller itself.
        skip_me = false;
    } else {
        let mut index = 2;
        while index < argv.len() {
            let option = &argv[index];
            let Some(value) = argv.get(index + 1) else {
                return client.reply_error(errors::SYNTAX);
            };
            if option.eq_ignore_ascii_case(b"id") {
                match super::parse_i64(value).filter(|id| *id >= 1) {
                    Some(parsed) => id = Some(parsed as u64),
                    None => return client.reply_error("client-id should be greater than 0"),
                }
            } else if option.eq_ignore_ascii_case(b"type") {
                let Some(wanted) = parse_client_type(value) else {
                    return client.reply_error(format!(
                        "Unknown client type '{}'",
                        String::from_utf8_lossy(value)
                    ));
                };
                only_type = Some(wanted);
            } else if option.eq_ignore_ascii_case(b"addr") {
                addr = Some(value);
            } else if option.eq_ignore_ascii_case(b"laddr") {
                laddr = Some(value);
            } else if option.eq_ignore_ascii_case(b"user") {
                if value != b"default" {
                    return client
                        .reply_error(format!("No such user '{}'", String::from_utf8_lossy(value)));
                }
            } else if option.eq_ignore_ascii_case(b"skipme") {
                if value.eq_ignore_ascii_case(b"yes") {
                    skip_me = true;
                } else if value.eq_ignore_ascii_case(b"no") {
                    skip_me = false;
                } else {
                    return client.reply_error(errors::SYNTAX);
                }
            } else {
                return client.reply_error(errors::SYNTAX);
            }
            index += 2;
        }
    }
    let matches = |candidate: &Client| {
        addr.is_none_or(|addr| candidate.peer.as_bytes() == addr)
            && laddr.is_none_or(|laddr| candidate.local_addr.as_bytes() == laddr)
            && id.is_none_or(|id| candidate.id == id)
            && only_type.is_none_or(|wanted| client_type(candidate) == wanted)
    };
    let mut killed = 0;
    let victims: Vec<usize> = server
        .clients
        .iter()
        .flatten()
        .filter(|candidate| matches(candidate))
        .map(|c| c.slot)
        .collect();
    for slot in victims {
        killed += 1;
        server.clients_to_close.push(slot);
        if let Some(Some(victim)) = server.clients.get_mut(slot) {
            // Nothing more is read from or run for a killed client, and
            // nothing more is written to it.
            victim.close_after_reply = true;
            victim.out.truncate(victim.out_sent);
            victim.conn.shut_down();
        }
    }
    let kill_self = !skip_me && matches(client);
    if kill_self {
        killed += 1;
    }
    if old_form {
        if killed == 0 {
            client.reply_error("No such client");
        } else {
            client.reply_ok();
        }
    } else {
        client.reply_integer(killed);
    }
    if kill_self {
        client.close_after_reply = true;
    }
}

fn client_pause(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() > 4 {
        return client.reply_error(errors::wrong_arity("client|pause"));
    }
    let writes_only = match argv.get(3) {
        None => false,
        Some(mode) if mode.eq_ignore_ascii_case(b"write") => true,
        Some(mode) if mode.eq_ignore_ascii_case(b"all") => false,
        Some(_) => return client.reply_error("CLIENT PAUSE mode must be WRITE or ALL"),
    };
    let Some(timeout) = super::parse_i64(&argv[2]) else {
        return client.reply_error("timeout is not an integer or out of range");
    };
    if timeout < 0 {
        return client.reply_error("timeout is negative");
    }
    // Redis compat: a zero timeout means "already over".
    let end_ms = if timeout > 0 {
        server.now_ms.saturating_add(timeout)
    } else {
        0
    };
    server.pause_clients(ClientPause {
        writes_only,
        end_ms,
    });
    client.reply_ok();
}

fn client_unpause(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    server.end_pause_if_due(true);
    client.reply_ok();
}

fn client_unblock(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() > 4 {
        return client.reply_error(errors::wrong_arity("client|unblock"));
    }
    let with_error = match argv.get(3) {
        None => false,
        Some(kind) if kind.eq_ignore_ascii_case(b"timeout") => false,
        Some(kind) if kind.eq_ignore_ascii_case(b"error") => true,
        Some(_) => return client.reply_error("CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
    };
    let Some(id) = super::parse_i64(&argv[2]) else {
        return client.reply_error(errors::NOT_INTEGER);
    };
    let unblocked = id > 0 && server.unblock_by_id(id as u64, with_error);
    client.reply_integer(i64::from(unblocked));
}

fn client_getname(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    match client.name.clone() {
        Some(name) => client.reply_bulk(&name),
        None => client.reply_null(),
    }
}

fn client_setname(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let name = &argv[2];
    if !super::connection::valid_client_name(name) {
        return client
            .reply_error("Client names cannot contain spaces, newlines or special characters.");
    }
    client.name = (!name.is_empty()).then(|| name.to_vec());
    client.reply_ok();
}

fn client_reply(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mode = &argv[2];
    if mode.eq_ignore_ascii_case(b"on") {
        client.reply_off = false;
        client.reply_skip = false;
        client.reply_ok();
    } else if mode.eq_ignore_ascii_case(b"off") {
        client.reply_off = true;
    } else if mode.eq_ignore_ascii_case(b"skip") {
        if !client.reply_off {
            client.reply_skip_next = true;
        }
    } else {
        client.reply_error(errors::SYNTAX);
    }
}

/// Parses ON/OFF; replies with a syntax error otherwise.
fn on_off(client: &mut Client, arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"on") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"off") {
        Some(false)
    } else {
        client.reply_error(errors::SYNTAX);
        None
    }
}

fn client_no_evict(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if let Some(enabled) = on_off(client, &argv[2]) {
        client.no_evict = enabled;
        client.reply_ok();
    }
}

fn client_no_touch(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if let Some(enabled) = on_off(client, &argv[2]) {
        client.no_touch = enabled;
        client.reply_ok();
    }
}

fn client_setinfo(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() != 4 {
        return client.reply_error(errors::wrong_arity("client|setinfo"));
    }
    let attribute = &argv[2];
    let value = &argv[3];
    // Redis compat: the same character rule as client names.
    if !super::connection::valid_client_name(value) {
        return client.reply_error(format!(
            "{} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(attribute)
        ));
    }
    let stored = (!value.is_empty()).then(|| value.to_vec());
    if attribute.eq_ignore_ascii_case(b"lib-name") {
        client.lib_name = stored;
    } else if attribute.eq_ignore_ascii_case(b"lib-ver") {
        client.lib_ver = stored;
    } else {
        return client.reply_error(format!(
            "Unrecognized option '{}'",
            String::from_utf8_lossy(attribute)
        ));
    }
    client.reply_ok();
}

fn client_help(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    const LINES: &[&str] = &[
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ID",
        "    Return the id of this connection.",
        "INFO",
        "    Describe this connection.",
        "LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID id ...]",
        "    Describe every connection, or those selected.",
        "KILL <ip:port> | KILL <option> <value> [<option> <value> ...]",
        "    Close connections by address, or by ID, TYPE, ADDR, LADDR, USER or SKIPME filters.",
        "GETNAME",
        "    Return the name of this connection.",
        "SETNAME <name>",
        "    Name this connection.",
        "REPLY ON|OFF|SKIP",
        "    Turn replies on or off, or drop the next one.",
        "NO-EVICT ON|OFF",
        "    Protect this connection from client eviction.",
        "NO-TOUCH ON|OFF",
        "    Leave keys' access times alone when this connection reads them.",
        "SETINFO LIB-NAME|LIB-VER <value>",
        "    Record the client library's name or version.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]] [OPTIN] [OPTOUT] [NOLOOP]",
        "    Turn invalidation messages for client-side caching on or off.",
        "CACHING (YES|NO)",
        "    In OPTIN (YES) or OPTOUT (NO) mode, track or skip the keys the next command reads.",
        "GETREDIR",
        "    Return the id of the client invalidations are redirected to, 0 for none, -1 without tracking.",
        "TRACKINGINFO",
        "    Describe this connection's client-side caching settings.",
        "HELP",
        "    Print this help.",
    ];
    client.reply_array_len(LINES.len());
    for line in LINES {
        client.reply_simple(line.as_bytes());
    }
}
