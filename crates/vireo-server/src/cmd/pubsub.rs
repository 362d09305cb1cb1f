//! Pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH,
//! the sharded SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, and PUBSUB.
//!
//! Subscriptions are kept twice: in each client (to answer counts and to
//! unsubscribe everything on close) and in the server (channel to
//! subscribers, for PUBLISH). Messages go straight into subscribers'
//! output buffers as RESP2 arrays or RESP3 push frames.

use std::collections::HashMap;

use vireo_resp::{encode, Argv};

use crate::client::Client;
use crate::command::{flags, keys_from_1, Arg, ArgKind, CommandSpec, Doc, KeySpec};
use crate::server::Server;

/// `(slot, id)` of a subscribed client: the id guards against slot reuse.
type Subscriber = (usize, u64);

/// The server's side of pub/sub.
#[derive(Debug, Default)]
pub struct PubSub {
    /// Channel to subscribers, in subscription order.
    pub channels: HashMap<Vec<u8>, Vec<Subscriber>>,
    /// Pattern to subscribers.
    pub patterns: HashMap<Vec<u8>, Vec<Subscriber>>,
    /// Shard channel to subscribers.
    pub shard_channels: HashMap<Vec<u8>, Vec<Subscriber>>,
    /// Messages for subscribers that were running a command of their own
    /// when a client it woke published (a blocked client served after a
    /// push): `(client id, message parts)`, claimed when that command ends.
    pub held_for_busy: Vec<(u64, Vec<Vec<u8>>)>,
}

/// Which kind of subscription a command deals with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    fn subscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"subscribe",
            Kind::Pattern => b"psubscribe",
            Kind::Shard => b"ssubscribe",
        }
    }
    fn unsubscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"unsubscribe",
            Kind::Pattern => b"punsubscribe",
            Kind::Shard => b"sunsubscribe",
        }
    }
}

const CHANNEL_ARGS: &[Arg] = &[Arg::new("channel", ArgKind::String).multiple()];
const PUBSUB_FLAGS: u64 = flags::PUBSUB | flags::NOSCRIPT | flags::LOADING | flags::STALE;
const SHARD_KEYS: &[KeySpec] = &[keys_from_1(&["not_key"], -1, 1)];

const fn spec(
    name: &'static str,
    arity: i32,
    summary: &'static str,
    since: &'static str,
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: PUBSUB_FLAGS,
        acl: 0,
        tips: &[],
        key_specs: &[],
        doc: Doc {
            summary,
            since,
            group: "pubsub",
            complexity: "O(N) where N is the number of channels or patterns",
            args: CHANNEL_ARGS,
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

/// SUBSCRIBE channel [channel ...]
pub const SUBSCRIBE: CommandSpec = spec(
    "subscribe",
    -2,
    "Listens for messages on channels",
    "2.0.0",
    subscribe,
);
/// UNSUBSCRIBE [channel ...]
pub const UNSUBSCRIBE: CommandSpec = spec(
    "unsubscribe",
    -1,
    "Stops listening on channels",
    "2.0.0",
    unsubscribe,
);
/// PSUBSCRIBE pattern [pattern ...]
pub const PSUBSCRIBE: CommandSpec = spec(
    "psubscribe",
    -2,
    "Listens for messages on channels matching patterns",
    "2.0.0",
    psubscribe,
);
/// PUNSUBSCRIBE [pattern ...]
pub const PUNSUBSCRIBE: CommandSpec = spec(
    "punsubscribe",
    -1,
    "Stops listening on patterns",
    "2.0.0",
    punsubscribe,
);
/// SSUBSCRIBE shardchannel [shardchannel ...]
pub const SSUBSCRIBE: CommandSpec = CommandSpec {
    key_specs: SHARD_KEYS,
    ..spec(
        "ssubscribe",
        -2,
        "Listens for messages on shard channels",
        "7.0.0",
        ssubscribe,
    )
};
/// SUNSUBSCRIBE [shardchannel ...]
pub const SUNSUBSCRIBE: CommandSpec = CommandSpec {
    key_specs: SHARD_KEYS,
    ..spec(
        "sunsubscribe",
        -1,
        "Stops listening on shard channels",
        "7.0.0",
        sunsubscribe,
    )
};
/// PUBLISH channel message
pub const PUBLISH: CommandSpec = CommandSpec {
    flags: flags::PUBSUB | flags::LOADING | flags::STALE | flags::FAST | flags::MAY_REPLICATE,
    doc: Doc {
        summary: "Sends a message to a channel's subscribers",
        since: "2.0.0",
        group: "pubsub",
        complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
        args: &[Arg::new("channel", ArgKind::String), Arg::new("message", ArgKind::String)],
    },
    ..spec("publish", 3, "", "", publish)
};
/// SPUBLISH shardchannel message
pub const SPUBLISH: CommandSpec = CommandSpec {
    flags: flags::PUBSUB | flags::LOADING | flags::STALE | flags::FAST | flags::MAY_REPLICATE,
    key_specs: &[keys_from_1(&["not_key"], 0, 1)],
    doc: Doc {
        summary: "Sends a message to a shard channel's subscribers",
        since: "7.0.0",
        group: "pubsub",
        complexity:
            "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        args: &[
            Arg::new("shardchannel", ArgKind::String),
            Arg::new("message", ArgKind::String),
        ],
    },
    ..spec("spublish", 3, "", "", spublish)
};

const fn pubsub_sub(
    name: &'static str,
    arity: i32,
    summary: &'static str,
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        flags: flags::PUBSUB | flags::LOADING | flags::STALE,
        doc: Doc {
            summary,
            since: "2.8.0",
            group: "pubsub",
            complexity: "O(N)",
            args: &[],
        },
        ..spec(name, arity, "", "", handler)
    }
}

/// PUBSUB and its subcommands.
pub const PUBSUB: CommandSpec = CommandSpec {
    name: "pubsub",
    arity: -2,
    flags: 0,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Inspects the state of pub/sub",
        since: "2.8.0",
        group: "pubsub",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[
        pubsub_sub(
            "channels",
            -2,
            "Returns the active channels, optionally matching a pattern",
            pubsub_channels,
        ),
        pubsub_sub(
            "numsub",
            -2,
            "Returns the subscriber counts of channels",
            pubsub_numsub,
        ),
        pubsub_sub(
            "numpat",
            2,
            "Returns the number of subscribed patterns",
            pubsub_numpat,
        ),
        pubsub_sub(
            "shardchannels",
            -2,
            "Returns the active shard channels, optionally matching a pattern",
            pubsub_shardchannels,
        ),
        pubsub_sub(
            "shardnumsub",
            -2,
            "Returns the subscriber counts of shard channels",
            pubsub_shardnumsub,
        ),
        CommandSpec {
            flags: flags::LOADING | flags::STALE,
            ..pubsub_sub("help", 2, "Lists the PUBSUB subcommands", pubsub_help)
        },
    ],
    handler: None,
};

/// Writes a subscription confirmation (or a message) header: a RESP2
/// array or a RESP3 push of `len` elements.
fn push_header(client: &mut Client, len: usize) {
    if client.resp >= 3 {
        encode::push_len(&mut client.out, len);
    } else {
        client.reply_array_len(len);
    }
}

/// Channels plus patterns: the count Redis reports for (P)SUBSCRIBE.
fn subscription_count(client: &Client) -> i64 {
    (client.channels.len() + client.patterns.len()) as i64
}

fn count_for(client: &Client, kind: Kind) -> i64 {
    match kind {
        Kind::Shard => client.shard_channels.len() as i64,
        _ => subscription_count(client),
    }
}

fn reply_subscription(client: &mut Client, kind: Kind, word: &[u8], name: Option<&[u8]>) {
    let start = client.out.len();
    push_header(client, 3);
    client.reply_bulk(word);
    match name {
        Some(name) => client.reply_bulk(name),
        None => client.reply_null(),
    }
    let count = count_for(client, kind);
    client.reply_integer(count);
    client.mark_push(start);
}

fn server_map(server: &mut Server, kind: Kind) -> &mut HashMap<Vec<u8>, Vec<Subscriber>> {
    match kind {
        Kind::Channel => &mut server.pubsub.channels,
        Kind::Pattern => &mut server.pubsub.patterns,
        Kind::Shard => &mut server.pubsub.shard_channels,
    }
}

/// Adds a subscription; false if the client already had it.
fn add(server: &mut Server, client: &mut Client, kind: Kind, name: &[u8]) -> bool {
    let added = match kind {
        Kind::Channel => client.channels.insert(name.to_vec()),
        Kind::Shard => client.shard_channels.insert(name.to_vec()),
        Kind::Pattern => {
            if client.patterns.iter().any(|p| p == name) {
                false
            } else {
                client.patterns.push(name.to_vec());
                true
            }
        }
    };
    if added {
        server_map(server, kind)
            .entry(name.to_vec())
            .or_default()
            .push((client.slot, client.id));
    }
    added
}

/// Removes a subscription; false if the client did not have it.
fn remove(server: &mut Server, client: &mut Client, kind: Kind, name: &[u8]) -> bool {
    let removed = match kind {
        Kind::Channel => client.channels.remove(name),
        Kind::Shard => client.shard_channels.remove(name),
        Kind::Pattern => match client.patterns.iter().position(|p| p == name) {
            Some(position) => {
                client.patterns.remove(position);
                true
            }
            None => false,
        },
    };
    if removed {
        let map = server_map(server, kind);
        if let Some(subscribers) = map.get_mut(name) {
            subscribers.retain(|(_, id)| *id != client.id);
            if subscribers.is_empty() {
                map.remove(name);
            }
        }
    }
    removed
}

fn subscribe_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, kind: Kind) {
    for name in argv.iter().skip(1) {
        add(server, client, kind, name);
        reply_subscription(client, kind, kind.subscribe_word(), Some(name));
    }
}

fn unsubscribe_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, kind: Kind) {
    if argv.len() > 1 {
        for name in argv.iter().skip(1) {
            remove(server, client, kind, name);
            reply_subscription(client, kind, kind.unsubscribe_word(), Some(name));
        }
        return;
    }
    let all: Vec<Vec<u8>> = match kind {
        Kind::Channel => client.channels.iter().cloned().collect(),
        Kind::Shard => client.shard_channels.iter().cloned().collect(),
        Kind::Pattern => client.patterns.clone(),
    };
    if all.is_empty() {
        reply_subscription(client, kind, kind.unsubscribe_word(), None);
    }
    for name in all {
        remove(server, client, kind, &name);
        reply_subscription(client, kind, kind.unsubscribe_word(), Some(&name));
    }
}

fn subscribe(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    subscribe_generic(server, client, argv, Kind::Channel);
}
fn unsubscribe(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    unsubscribe_generic(server, client, argv, Kind::Channel);
}
fn psubscribe(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    subscribe_generic(server, client, argv, Kind::Pattern);
}
fn punsubscribe(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    unsubscribe_generic(server, client, argv, Kind::Pattern);
}
fn ssubscribe(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    subscribe_generic(server, client, argv, Kind::Shard);
}
fn sunsubscribe(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    unsubscribe_generic(server, client, argv, Kind::Shard);
}

/// Drops every subscription of a client, without replies (on close or RESET).
pub fn unsubscribe_all_silently(server: &mut Server, client: &mut Client) {
    for name in client.channels.clone() {
        remove(server, client, Kind::Channel, &name);
    }
    for name in client.patterns.clone() {
        remove(server, client, Kind::Pattern, &name);
    }
    for name in client.shard_channels.clone() {
        remove(server, client, Kind::Shard, &name);
    }
}

/// Removes a departing client from the server's subscriber lists.
pub fn forget_client(server: &mut Server, client: &Client) {
    let id = client.id;
    let sources = [
        (
            Kind::Channel,
            client.channels.iter().cloned().collect::<Vec<_>>(),
        ),
        (Kind::Pattern, client.patterns.clone()),
        (
            Kind::Shard,
            client.shard_channels.iter().cloned().collect::<Vec<_>>(),
        ),
    ];
    for (kind, names) in sources {
        let map = server_map(server, kind);
        for name in names {
            if let Some(subscribers) = map.get_mut(&name) {
                subscribers.retain(|(_, subscriber)| *subscriber != id);
                if subscribers.is_empty() {
                    map.remove(&name);
                }
            }
        }
    }
}

/// Appends a message frame to `target`: `words` then `message`.
fn deliver(target: &mut Client, parts: &[&[u8]]) {
    push_header(target, parts.len());
    for part in parts {
        target.reply_bulk(part);
    }
}

/// Sends `parts` to the subscriber `(slot, id)`; the publisher, when it is
/// a client running a command, is out of its slot and is reached directly.
fn deliver_to(
    server: &mut Server,
    publisher: Option<&mut Client>,
    subscriber: Subscriber,
    parts: &[&[u8]],
) {
    let (slot, id) = subscriber;
    if let Some(publisher) = publisher.filter(|publisher| publisher.id == id) {
        // Only the client running the command can have its reply dropped
        // by CLIENT REPLY OFF, so only its own messages need marking.
        let start = publisher.out.len();
        deliver(publisher, parts);
        publisher.mark_push(start);
        return;
    }
    let Some(taken) = server.clients.get_mut(slot).map(Option::take) else {
        return;
    };
    let Some(mut target) = taken else {
        // The subscriber is out of its slot because it is running the
        // command that woke the publisher: its messages wait for it.
        let parts = parts.iter().map(|part| part.to_vec()).collect();
        server.pubsub.held_for_busy.push((id, parts));
        return;
    };
    if target.id == id {
        deliver(&mut target, parts);
        server.queue_write(&mut target);
    }
    server.clients[slot] = Some(target);
}

/// Appends the messages held for `client` while it was running a command.
pub(crate) fn deliver_held_messages(server: &mut Server, client: &mut Client) {
    let held = std::mem::take(&mut server.pubsub.held_for_busy);
    for (id, parts) in held {
        if id == client.id {
            let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            let start = client.out.len();
            deliver(client, &parts);
            client.mark_push(start);
        } else {
            server.pubsub.held_for_busy.push((id, parts));
        }
    }
}

/// Publishes `message` on `channel` (or a shard channel) to its
/// subscribers and to the matching patterns' subscribers; returns how many
/// received it. `publisher` is the client running the command, if any.
fn publish_generic(
    server: &mut Server,
    mut publisher: Option<&mut Client>,
    channel: &[u8],
    message: &[u8],
    shard: bool,
) -> i64 {
    let mut receivers = 0;
    let (map, word): (&HashMap<Vec<u8>, Vec<Subscriber>>, &[u8]) = if shard {
        (&server.pubsub.shard_channels, b"smessage")
    } else {
        (&server.pubsub.channels, b"message")
    };
    let direct: Vec<Subscriber> = map.get(channel).cloned().unwrap_or_default();
    for subscriber in direct {
        deliver_to(
            server,
            publisher.as_deref_mut(),
            subscriber,
            &[word, channel, message],
        );
        receivers += 1;
    }
    if shard {
        return receivers;
    }
    let matching: Vec<(Vec<u8>, Vec<Subscriber>)> = server
        .pubsub
        .patterns
        .iter()
        .filter(|(pattern, _)| vireo_core::glob::matches(pattern, channel, false))
        .map(|(pattern, subscribers)| (pattern.clone(), subscribers.clone()))
        .collect();
    for (pattern, subscribers) in matching {
        for subscriber in subscribers {
            deliver_to(
                server,
                publisher.as_deref_mut(),
                subscriber,
                &[b"pmessage", &pattern, channel, message],
            );
            receivers += 1;
        }
    }
    receivers
}

/// PUBLISH from inside the server (keyspace notifications): channel and
/// pattern subscribers, as PUBLISH delivers.
pub(crate) fn publish_message(
    server: &mut Server,
    publisher: Option<&mut Client>,
    channel: &[u8],
    message: &[u8],
) -> i64 {
    publish_generic(server, publisher, channel, message, false)
}

fn publish(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: replicas relay messages to their own subscribers.
    server.force_propagation();
    let receivers = publish_generic(server, Some(client), &argv[1], &argv[2], false);
    client.reply_integer(receivers);
}

fn spublish(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    server.force_propagation();
    let receivers = publish_generic(server, Some(client), &argv[1], &argv[2], true);
    client.reply_integer(receivers);
}

fn list_channels(
    client: &mut Client,
    map: &HashMap<Vec<u8>, Vec<Subscriber>>,
    pattern: Option<&[u8]>,
) {
    let names: Vec<&Vec<u8>> = map
        .keys()
        .filter(|name| pattern.is_none_or(|p| vireo_core::glob::matches(p, name, false)))
        .collect();
    client.reply_array_len(names.len());
    for name in names {
        client.reply_bulk(name);
    }
}

fn pubsub_channels(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() > 3 {
        return client.reply_error(crate::errors::unknown_subcommand_or_arity(
            &argv[0], &argv[1],
        ));
    }
    list_channels(client, &server.pubsub.channels, argv.get(2));
}

fn pubsub_shardchannels(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() > 3 {
        return client.reply_error(crate::errors::unknown_subcommand_or_arity(
            &argv[0], &argv[1],
        ));
    }
    list_channels(client, &server.pubsub.shard_channels, argv.get(2));
}

fn count_subscribers(
    client: &mut Client,
    map: &HashMap<Vec<u8>, Vec<Subscriber>>,
    argv: &Argv<'_>,
) {
    // Redis compat: a flat array even in RESP3.
    client.reply_array_len((argv.len() - 2) * 2);
    for name in argv.iter().skip(2) {
        client.reply_bulk(name);
        client.reply_integer(map.get(name).map_or(0, Vec::len) as i64);
    }
}

fn pubsub_numsub(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    count_subscribers(client, &server.pubsub.channels, &argv);
}

fn pubsub_shardnumsub(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    count_subscribers(client, &server.pubsub.shard_channels, &argv);
}

fn pubsub_numpat(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_integer(server.pubsub.patterns.len() as i64);
}

fn pubsub_help(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    const LINES: &[&str] = &[
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the channels with subscribers, optionally only those matching <pattern>.",
        "NUMPAT",
        "    Return the number of subscribed patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers of each channel (patterns not counted).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the shard channels with subscribers, optionally only those matching <pattern>.",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers of each shard channel.",
        "HELP",
        "    Print this help.",
    ];
    client.reply_array_len(LINES.len());
    for line in LINES {
        client.reply_simple(line.as_bytes());
    }
}
