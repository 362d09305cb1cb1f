//! Set commands: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS, SPOP,
//! SRANDMEMBER, SMOVE, SINTER, SINTERCARD, SINTERSTORE, SUNION,
//! SUNIONSTORE, SDIFF, SDIFFSTORE and SSCAN.

use vireo_core::db::NO_EXPIRY;
use vireo_core::t_set::{Member, Set};
use vireo_core::util::format_i64;
use vireo_core::{StrValue, Value};
use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{
    acl, flags, keys_from_1, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec,
    KEY_RO_ACCESS,
};
use crate::errors;
use crate::notify;
use crate::server::Server;

/// SADD
pub const SADD: CommandSpec = CommandSpec {
    name: "sadd",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::SET,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "insert"], 0, 1)],
    doc: Doc {
        summary: "Adds members to a set, creating it if needed",
        since: "1.0.0",
        group: "set",
        complexity: "O(1)",
        args: &[
            Arg::key("key", 0),
            Arg::new("member", ArgKind::String).multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(sadd),
};

/// SREM
pub const SREM: CommandSpec = CommandSpec {
    name: "srem",
    arity: -3,
    flags: flags::WRITE | flags::FAST,
    acl: acl::SET,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "delete"], 0, 1)],
    doc: Doc {
        summary: "Removes members from a set",
        since: "1.0.0",
        group: "set",
        complexity: "O(N)",
        args: &[
            Arg::key("key", 0),
            Arg::new("member", ArgKind::String).multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(srem),
};

/// SCARD
pub const SCARD: CommandSpec = CommandSpec {
    name: "scard",
    arity: 2,
    flags: flags::READONLY | flags::FAST,
    acl: acl::SET,
    tips: &[],
    key_specs: &[keys_from_1(&["RO"], 0, 1)],
    doc: Doc {
        summary: "Counts the members of a set",
        since: "1.0.0",
        group: "set",
        complexity: "O(1)",
        args: &[Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(scard),
};

/// SISMEMBER
pub const SISMEMBER: CommandSpec = CommandSpec {
    name: "sismember",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    acl: acl::SET,
    tips: &[],
    key_specs: &[keys_from_1(&["RO"], 0, 1)],
    doc: Doc {
        summary: "Tells whether a value is a member of a set",
        since: "1.0.0",
        group: "set",
        complexity: "O(1)",
        args: &[Arg::key("key", 0), Arg::new("member", ArgKind::String)],
    },
    subcommands: &[],
    handler: Some(sismember),
};

/// SMISMEMBER
pub const SMISMEMBER: CommandSpec = CommandSpec {
    name: "smismember",
    arity: -3,
    flags: flags::READONLY | flags::FAST,
    acl: acl::SET,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Tells, for each value, whether it is a member of a set",
        since: "6.2.0",
        group: "set",
        complexity: "O(N)",
        args: &[
            Arg::key("key", 0),
            Arg::new("member", ArgKind::String).multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(smismember),
};

/// SMEMBERS
pub const SMEMBERS: CommandSpec = CommandSpec {
    name: "smembers",
    arity: 2,
    flags: flags::READONLY,
    acl: acl::SET,
    tips: &["nondeterministic_output_order"],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Lists every member of a set",
        since: "1.0.0",
        group: "set",
        complexity: "O(N)",
        args: &[Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(smembers),
};

/// SPOP
pub const SPOP: CommandSpec = CommandSpec {
    name: "spop",
    arity: -2,
    flags: flags::WRITE | flags::FAST,
    acl: acl::SET,
    tips: &["nondeterministic_output"],
    key_specs: &[keys_from_1(&["RW", "access", "delete"], 0, 1)],
    doc: Doc {
        summary: "Removes and returns random members of a set",
        since: "1.0.0",
        group: "set",
        complexity: "Without the count argument O(1), otherwise O(N)",
        args: &[
            Arg::key("key", 0),
            Arg::new("count", ArgKind::Integer)
                .optional()
                .since("3.2.0"),
        ],
    },
    subcommands: &[],
    handler: Some(spop),
};

/// SRANDMEMBER
pub const SRANDMEMBER: CommandSpec = CommandSpec {
    name: "srandmember",
    arity: -2,
    flags: flags::READONLY,
    acl: acl::SET,
    tips: &["nondeterministic_output"],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Returns random members of a set without removing them",
        since: "1.0.0",
        group: "set",
        complexity: "Without the count argument O(1), otherwise O(N)",
        args: &[
            Arg::key("key", 0),
            Arg::new("count", ArgKind::Integer)
                .optional()
                .since("2.6.0"),
        ],
    },
    subcommands: &[],
    handler: Some(srandmember),
};

/// SMOVE
pub const SMOVE: CommandSpec = CommandSpec {
    name: "smove",
    arity: 4,
    flags: flags::WRITE | flags::FAST,
    acl: acl::SET,
    tips: &[],
    key_specs: &[
        keys_from_1(&["RW", "access", "delete"], 0, 1),
        KeySpec {
            flags: &["RW", "insert"],
            begin_search: BeginSearch::Index(2),
            find_keys: FindKeys::Range {
                last_key: 0,
                key_step: 1,
                limit: 0,
            },
        },
    ],
    doc: Doc {
        summary: "Moves a member from one set to another",
        since: "1.0.0",
        group: "set",
        complexity: "O(1)",
        args: &[
            Arg::key("source", 0),
            Arg::key("destination", 1),
            Arg::new("member", ArgKind::String),
        ],
    },
    subcommands: &[],
    handler: Some(smove),
};

/// SINTER
pub const SINTER: CommandSpec = CommandSpec {
    name: "sinter",
    arity: -2,
    flags: flags::READONLY,
    acl: acl::SET,
    tips: &["nondeterministic_output_order"],
    key_specs: &[keys_from_1(&["RO", "access"], -1, 1)],
    doc: Doc {
        summary: "Intersection of sets",
        since: "1.0.0",
        group: "set",
        complexity: "O(N*M) worst case",
        args: &[Arg::key("key", 0).multiple()],
    },
    subcommands: &[],
    handler: Some(sinter),
};

/// SINTERCARD
pub const SINTERCARD: CommandSpec = CommandSpec {
    name: "sintercard",
    arity: -3,
    flags: flags::READONLY | flags::MOVABLEKEYS,
    acl: acl::SET,
    tips: &[],
    key_specs: &[KeySpec {
        flags: &["RO", "access"],
        begin_search: BeginSearch::Index(1),
        find_keys: FindKeys::Keynum {
            keynum_index: 0,
            first_key: 1,
            key_step: 1,
        },
    }],
    doc: Doc {
        summary: "Size of the intersection of sets, optionally capped",
        since: "7.0.0",
        group: "set",
        complexity: "O(N*M) worst case",
        args: &[
            Arg::new("numkeys", ArgKind::Integer),
            Arg::key("key", 0).multiple(),
            Arg::new("limit", ArgKind::Integer)
                .with_token("LIMIT")
                .optional(),
        ],
    },
    subcommands: &[],
    handler: Some(sintercard),
};

/// SINTERSTORE
pub const SINTERSTORE: CommandSpec = CommandSpec {
    name: "sinterstore",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::SET,
    tips: &[],
    key_specs: &[
        keys_from_1(&["RW", "update"], 0, 1),
        KeySpec {
            flags: &["RO", "access"],
            begin_search: BeginSearch::Index(2),
            find_keys: FindKeys::Range {
                last_key: -1,
                key_step: 1,
                limit: 0,
            },
        },
    ],
    doc: Doc {
        summary: "Stores the intersection of sets in a key",
        since: "1.0.0",
        group: "set",
        complexity: "O(N*M) worst case",
        args: &[Arg::key("destination", 0), Arg::key("key", 1).multiple()],
    },
    subcommands: &[],
    handler: Some(sinterstore),
};

/// SUNION (shaped like SINTER)
pub const SUNION: CommandSpec = CommandSpec {
    name: "sunion",
    doc: Doc {
        summary: "Union of sets",
        complexity: "O(N)",
        ..SINTER.doc
    },
    handler: Some(sunion),
    ..SINTER
};

/// SUNIONSTORE
pub const SUNIONSTORE: CommandSpec = CommandSpec {
    name: "sunionstore",
    arity: -3,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::SET,
    tips: &[],
    key_specs: &[
        keys_from_1(&["OW", "update"], 0, 1),
        KeySpec {
            flags: &["RO", "access"],
            begin_search: BeginSearch::Index(2),
            find_keys: FindKeys::Range {
                last_key: -1,
                key_step: 1,
                limit: 0,
            },
        },
    ],
    doc: Doc {
        summary: "Stores the union of sets in a key",
        since: "1.0.0",
        group: "set",
        complexity: "O(N)",
        args: &[Arg::key("destination", 0), Arg::key("key", 1).multiple()],
    },
    subcommands: &[],
    handler: Some(sunionstore),
};

/// SDIFF (shaped like SINTER)
pub const SDIFF: CommandSpec = CommandSpec {
    name: "sdiff",
    doc: Doc {
        summary: "Members of the first set missing from the others",
        complexity: "O(N)",
        ..SINTER.doc
    },
    handler: Some(sdiff),
    ..SINTER
};

/// SDIFFSTORE (shaped like SUNIONSTORE)
pub const SDIFFSTORE: CommandSpec = CommandSpec {
    name: "sdiffstore",
    doc: Doc {
        summary: "Stores the difference of sets in a key",
        complexity: "O(N)",
        ..SUNIONSTORE.doc
    },
    handler: Some(sdiffstore),
    ..SUNIONSTORE
};

/// SSCAN
pub const SSCAN: CommandSpec = CommandSpec {
    name: "sscan",
    arity: -3,
    flags: flags::READONLY,
    acl: acl::SET,
    tips: &["nondeterministic_output"],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Iterates over the members of a set with a cursor",
        since: "2.8.0",
        group: "set",
        complexity: "O(1) for every call",
        args: &[
            Arg::key("key", 0),
            Arg::new("cursor", ArgKind::Integer),
            Arg::new("pattern", ArgKind::Pattern)
                .with_token("MATCH")
                .optional(),
            Arg::new("count", ArgKind::Integer)
                .with_token("COUNT")
                .optional(),
        ],
    },
    subcommands: &[],
    handler: Some(sscan),
};

/// The set at `key`: `Ok(None)` if absent, `Err(())` after replying
/// WRONGTYPE if the key holds another type.
pub(crate) fn set_mut<'a>(
    db: &'a mut vireo_core::Db,
    now: i64,
    client: &mut Client,
    key: &[u8],
) -> Result<Option<&'a mut Set>, ()> {
    match db.lookup(key, now) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::Set(set) => Ok(Some(set)),
            _ => {
                client.reply_error(errors::WRONGTYPE);
                Err(())
            }
        },
    }
}

/// Values of several keys moved out of their database for a multi-key
/// read, and put back by [`TakenValues::restore`].
///
/// Moving a value out and back is O(1) and leaves the key, its expiry and
/// its place in the table untouched, which lets one command read several
/// values of one `Db` at once without cloning them. A key named twice is
/// taken once and shared.
pub(crate) struct TakenValues<'k> {
    keys: Vec<&'k [u8]>,
    /// For each distinct key: its value, `None` if the key does not exist.
    values: Vec<Option<Value>>,
    /// For each requested key: its index in `keys`/`values`.
    slots: Vec<usize>,
}

impl<'k> TakenValues<'k> {
    /// Takes the values of `keys` out of database `db`.
    pub(crate) fn take(
        server: &mut Server,
        db: usize,
        keys: impl Iterator<Item = &'k [u8]>,
    ) -> Self {
        let now = server.now_ms;
        // Redis compat: sources are read with lookupKeyRead, by the
        // storing variants too, so they count as hits and misses.
        server.dbs[db].set_count_reads(true);
        let mut taken = TakenValues {
            keys: Vec::new(),
            values: Vec::new(),
            slots: Vec::new(),
        };
        for key in keys {
            if let Some(slot) = taken.keys.iter().position(|k| *k == key) {
                // Redis compat: a key named twice is looked up (and
                // counted) twice; its value is out, but its entry is not.
                server.dbs[db].contains(key, now);
                taken.slots.push(slot);
                continue;
            }
            let value = server.dbs[db]
                .lookup(key, now)
                .map(|entry| std::mem::replace(&mut entry.value, Value::Str(StrValue::Int(0))));
            taken.slots.push(taken.keys.len());
            taken.keys.push(key);
            taken.values.push(value);
        }
        taken
    }

    /// The value of the `index`th requested key.
    pub(crate) fn get(&self, index: usize) -> Option<&Value> {
        self.values[self.slots[index]].as_ref()
    }

    /// Number of requested keys.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// True if requested keys `a` and `b` are the same key.
    pub(crate) fn same(&self, a: usize, b: usize) -> bool {
        self.slots[a] == self.slots[b]
    }

    /// Puts every value back where it was taken from.
    pub(crate) fn restore(self, server: &mut Server, db: usize) {
        let now = server.now_ms;
        for (key, value) in self.keys.into_iter().zip(self.values) {
            if let (Some(value), Some(entry)) = (value, server.dbs[db].lookup_for_write(key, now)) {
                entry.value = value;
            }
        }
    }
}

/// Sets named by `taken`, all present ones type-checked: `Err(())` after
/// replying WRONGTYPE if any exists with another type.
fn sets_of<'t>(
    taken: &'t TakenValues<'_>,
    client: &mut Client,
) -> Result<Vec<Option<&'t Set>>, ()> {
    let mut sets = Vec::with_capacity(taken.len());
    for index in 0..taken.len() {
        match taken.get(index) {
            None => sets.push(None),
            Some(Value::Set(set)) => sets.push(Some(&**set)),
            Some(_) => {
                client.reply_error(errors::WRONGTYPE);
                return Err(());
            }
        }
    }
    Ok(sets)
}

/// Replies with a member as a bulk string.
#[inline]
fn reply_member(client: &mut Client, member: Member<'_>) {
    match member {
        Member::Int(value) => client.reply_bulk(format_i64(&mut [0; 20], value)),
        Member::Bytes(bytes) => client.reply_bulk(bytes),
    }
}

/// Stores `set` at `key` (replacing any value and expiry) or, if empty,
/// deletes `key`; replies with the new cardinality.
fn store_set(server: &mut Server, client: &mut Client, key: &[u8], set: Set, event: &str) {
    let now = server.now_ms;
    let len = set.len();
    let db = &mut server.dbs[client.db];
    if len > 0 {
        db.insert(key, Value::Set(Box::new(set)), NO_EXPIRY);
        server.dirty += 1;
        client.reply_integer(len as i64);
        server.notify(client, notify::SET, event, key);
        return;
    }
    client.reply_integer(0);
    if db.remove(key, now) {
        server.dirty += 1;
        server.notify(client, notify::GENERIC, "del", key);
    }
}

/// Deletes `key` if `set` is now empty (Redis never keeps empty sets),
/// announcing it.
fn delete_if_empty(server: &mut Server, client: &mut Client, key: &[u8]) {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    if matches!(db.get(key, now), Some(Value::Set(set)) if set.is_empty()) {
        db.remove(key, now);
        server.notify(client, notify::GENERIC, "del", key);
    }
}

fn sadd(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let max_intset = server.config.set_max_intset_entries;
    let key = &argv[1];
    let set = match set_mut(&mut server.dbs[client.db], server.now_ms, client, key) {
        Err(()) => return,
        Ok(Some(set)) => set,
        Ok(None) => {
            let now = server.now_ms;
            let db = &mut server.dbs[client.db];
            db.insert(key, Value::Set(Box::new(Set::new_for(&argv[2]))), NO_EXPIRY);
            match db.lookup(key, now).map(|entry| &mut entry.value) {
                Some(Value::Set(set)) => set,
                // INVARIANT: the set was inserted just above.
                _ => unreachable!("set inserted above"),
            }
        }
    };
    let added = argv
        .iter()
        .skip(2)
        .filter(|m| set.add(m, max_intset))
        .count();
    server.dirty += added as u64;
    if added > 0 {
        server.notify(client, notify::SET, "sadd", key);
    }
    client.reply_integer(added as i64);
}

fn srem(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let key = &argv[1];
    let Ok(found) = set_mut(&mut server.dbs[client.db], server.now_ms, client, key) else {
        return;
    };
    let Some(set) = found else {
        return client.reply_integer(0);
    };
    let mut removed = 0;
    for member in argv.iter().skip(2) {
        if set.remove(member) {
            removed += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    server.dirty += removed;
    if removed > 0 {
        server.notify(client, notify::SET, "srem", key);
    }
    delete_if_empty(server, client, key);
    client.reply_integer(removed as i64);
}

fn scard(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if let Ok(found) = set_mut(&mut server.dbs[client.db], server.now_ms, client, &argv[1]) {
        let len = found.map_or(0, |set| set.len());
        client.reply_integer(len as i64);
    }
}

fn sismember(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if let Ok(found) = set_mut(&mut server.dbs[client.db], server.now_ms, client, &argv[1]) {
        let member = found.is_some_and(|set| set.contains(&argv[2]));
        client.reply_integer(i64::from(member));
    }
}

fn smismember(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Ok(found) = set_mut(&mut server.dbs[client.db], server.now_ms, client, &argv[1]) else {
        return;
    };
    let set = found.map(|set| &*set);
    client.reply_array_len(argv.len() - 2);
    for member in argv.iter().skip(2) {
        let present = set.is_some_and(|set| set.contains(member));
        client.reply_integer(i64::from(present));
    }
}

fn smembers(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Ok(found) = set_mut(&mut server.dbs[client.db], server.now_ms, client, &argv[1]) else {
        return;
    };
    match found {
        None => client.reply_set_len(0),
        Some(set) => {
            client.reply_set_len(set.len());
            for member in set.iter() {
                reply_member(client, member);
            }
        }
    }
}

fn spop(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let key = &argv[1];
    if argv.len() > 3 {
        return client.reply_error(errors::SYNTAX);
    }
    let count = match argv.get(2) {
        None => None,
        Some(arg) => match super::parse_i64(arg) {
            Some(count) if count >= 0 => Some(count as u64),
            _ => return client.reply_error(errors::MUST_BE_POSITIVE),
        },
    };
    let Ok(found) = set_mut(&mut server.dbs[client.db], server.now_ms, client, key) else {
        return;
    };
    let Some(size) = found.map(|set| set.len()) else {
        return match count {
            None => client.reply_null(),
            Some(_) => client.reply_set_len(0),
        };
    };
    if count == Some(0) {
        return client.reply_set_len(0);
    }
    server.dirty += 1;
    // Redis compat: announced before the popped members are replied.
    server.notify(client, notify::SET, "spop", key);
    let Ok(Some(set)) = set_mut(&mut server.dbs[client.db], server.now_ms, client, key) else {
        return;
    };
    let rng = &mut server.rng;
    // Redis compat: replicas get the members removed (SREM), never the
    // random choice, or a DEL when the whole set went.
    let propagating = server.propagation.enabled;
    let mut removed: Vec<Vec<u8>> = Vec::new();
    match count {
        None => {
            if let Some(member) = set.pop_random(rng) {
                reply_member(client, member.as_member());
                if propagating {
                    removed.push(member.as_member().with_bytes(<[u8]>::to_vec));
                }
            }
        }
        Some(count) => {
            let count = count.min(size as u64) as usize;
            client.reply_set_len(count);
            if count == size {
                // Redis compat: the whole set, in its iteration order.
                for member in set.iter() {
                    reply_member(client, member);
                }
                let now = server.now_ms;
                server.dbs[client.db].remove(key, now);
                server.rewrite_propagated(&[b"DEL", key]);
                server.notify(client, notify::GENERIC, "del", key);
                return;
            }
            for _ in 0..count {
                if let Some(member) = set.pop_random(rng) {
                    reply_member(client, member.as_member());
                    if propagating {
                        removed.push(member.as_member().with_bytes(<[u8]>::to_vec));
                    }
                }
            }
        }
    }
    if propagating {
        match (count, removed.as_slice()) {
            (None, [member]) => server.rewrite_propagated(&[b"SREM", key, member]),
            _ => {
                server.prevent_propagation();
                for member in &removed {
                    server.also_propagate(client.db, &[b"SREM", key, member]);
                }
            }
        }
    }
    delete_if_empty(server, client, key);
}

fn srandmember(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() > 3 {
        return client.reply_error(errors::SYNTAX);
    }
    let count = match argv.get(2) {
        None => None,
        Some(arg) => match super::parse_i64(arg) {
            None => return client.reply_error(errors::NOT_INTEGER),
            Some(i64::MIN) => return client.reply_error(errors::out_of_range(-i64::MAX, i64::MAX)),
            Some(count) => Some(count),
        },
    };
    let Ok(found) = set_mut(&mut server.dbs[client.db], server.now_ms, client, &argv[1]) else {
        return;
    };
    let Some(set) = found else {
        return match count {
            None => client.reply_null(),
            Some(_) => client.reply_array_len(0),
        };
    };
    let set: &Set = set;
    let rng = &mut server.rng;
    let Some(count) = count else {
        if let Some(member) = set.random(rng) {
            reply_member(client, member);
        }
        return;
    };
    if count == 0 {
        return client.reply_array_len(0);
    }
    if count < 0 {
        // Redis compat: a negative count samples with repetition.
        let count = count.unsigned_abs() as usize;
        client.reply_array_len(count);
        for _ in 0..count {
            if let Some(member) = set.random(rng) {
                reply_member(client, member);
            }
        }
        return;
    }
    let count = count as usize;
    if count >= set.len() {
        client.reply_array_len(set.len());
        for member in set.iter() {
            reply_member(client, member);
        }
        return;
    }
    // Distinct members: a partial Fisher-Yates shuffle of positions.
    let mut positions: Vec<usize> = (0..set.len()).collect();
    client.reply_array_len(count);
    for picked in 0..count {
        let swap_with = picked + rng.below(positions.len() - picked);
        positions.swap(picked, swap_with);
        if let Some(member) = set.get_index(positions[picked]) {
            reply_member(client, member);
        }
    }
}

/// Whether `key` holds a set, another type, or nothing (no reply).
fn kind_of(server: &mut Server, db: usize, key: &[u8]) -> Option<bool> {
    let now = server.now_ms;
    server.dbs[db]
        .get(key, now)
        .map(|value| matches!(value, Value::Set(_)))
}

fn smove(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let (source, destination, member) = (&argv[1], &argv[2], &argv[3]);
    let max_intset = server.config.set_max_intset_entries;
    // Redis compat: a missing source answers 0 before any type check.
    let source_kind = kind_of(server, client.db, source);
    let destination_kind = kind_of(server, client.db, destination);
    match source_kind {
        None => return client.reply_integer(0),
        Some(false) => return client.reply_error(errors::WRONGTYPE),
        Some(true) => {}
    }
    if destination_kind == Some(false) {
        return client.reply_error(errors::WRONGTYPE);
    }
    if source == destination {
        let present = matches!(set_mut(&mut server.dbs[client.db], server.now_ms, client, source), Ok(Some(set)) if set.contains(member));
        return client.reply_integer(i64::from(present));
    }
    let removed = match set_mut(&mut server.dbs[client.db], server.now_ms, client, source) {
        Ok(Some(set)) => set.remove(member),
        _ => false,
    };
    if !removed {
        return client.reply_integer(0);
    }
    server.notify(client, notify::SET, "srem", source);
    delete_if_empty(server, client, source);
    if destination_kind.is_none() {
        server.dbs[client.db].insert(
            destination,
            Value::Set(Box::new(Set::new_for(member))),
            NO_EXPIRY,
        );
    }
    let added = match set_mut(
        &mut server.dbs[client.db],
        server.now_ms,
        client,
        destination,
    ) {
        Ok(Some(set)) => set.add(member, max_intset),
        _ => false,
    };
    server.dirty += 1;
    // Redis compat: the destination counts as modified (for WATCH and for
    // notifications) only when the member was new to it.
    if !server.watched_keys.is_empty() {
        let db = client.db;
        server.touch_key(client, db, source);
        if added {
            server.touch_key(client, db, destination);
        }
        server.watchers_touched_by_command = true;
    }
    if added {
        server.notify(client, notify::SET, "sadd", destination);
    }
    client.reply_integer(1);
}

/// What to do with an intersection.
enum InterOutput<'a> {
    Reply,
    Cardinality(usize),
    Store(&'a [u8]),
}

fn sinter_generic(
    server: &mut Server,
    client: &mut Client,
    keys: &[&[u8]],
    output: InterOutput<'_>,
) {
    let taken = TakenValues::take(server, client.db, keys.iter().copied());
    let Ok(sets) = sets_of(&taken, client) else {
        return taken.restore(server, client.db);
    };
    let max_intset = server.config.set_max_intset_entries;
    let present: Option<Vec<&Set>> = sets.iter().copied().collect();
    let result: Result<Set, usize> = match present {
        None => {
            taken.restore(server, client.db);
            match output {
                InterOutput::Reply => client.reply_set_len(0),
                InterOutput::Cardinality(_) => client.reply_integer(0),
                InterOutput::Store(destination) => {
                    // Redis compat: with a source missing, the deletion is
                    // announced before the reply (after it otherwise).
                    let now = server.now_ms;
                    if server.dbs[client.db].remove(destination, now) {
                        server.dirty += 1;
                        server.notify(client, notify::GENERIC, "del", destination);
                    }
                    client.reply_integer(0);
                }
            }
            return;
        }
        Some(mut sets) => {
            // Smallest first: every member of the result is one of its members.
            sets.sort_by_key(|set| set.len());
            let first = sets[0];
            let others = &sets[1..];
            let is_common = |member: Member<'_>| {
                others.iter().all(|other| {
                    std::ptr::eq(*other, first) || member.with_bytes(|bytes| other.contains(bytes))
                })
            };
            match output {
                InterOutput::Cardinality(limit) => {
                    let mut count = 0;
                    for member in first.iter() {
                        if is_common(member) {
                            count += 1;
                            if limit != 0 && count >= limit {
                                break;
                            }
                        }
                    }
                    Err(count)
                }
                InterOutput::Reply => {
                    let common: Vec<Member<'_>> = first.iter().filter(|m| is_common(*m)).collect();
                    client.reply_set_len(common.len());
                    for member in common {
                        reply_member(client, member);
                    }
                    Err(usize::MAX)
                }
                InterOutput::Store(_) => {
                    let mut result = Set::new_intset();
                    for member in first.iter().filter(|m| is_common(*m)) {
                        member.with_bytes(|bytes| result.add(bytes, max_intset));
                    }
                    Ok(result)
                }
            }
        }
    };
    taken.restore(server, client.db);
    match (result, output) {
        (Ok(set), InterOutput::Store(destination)) => {
            store_set(server, client, destination, set, "sinterstore")
        }
        (Err(count), InterOutput::Cardinality(_)) => client.reply_integer(count as i64),
        _ => {}
    }
}

fn sinter(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).collect();
    sinter_generic(server, client, &keys, InterOutput::Reply);
}

fn sinterstore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(2).collect();
    sinter_generic(server, client, &keys, InterOutput::Store(&argv[1]));
}

/// Parses `numkeys` for SINTERCARD/ZINTERCARD/ZMPOP-style commands: the
/// count, or `Err` after replying.
pub(crate) fn parse_numkeys(
    client: &mut Client,
    argv: &Argv<'_>,
    at: usize,
    message: &str,
) -> Result<usize, ()> {
    let numkeys = match super::parse_i64(&argv[at]) {
        None => {
            client.reply_error(message);
            return Err(());
        }
        Some(n) if n <= 0 => {
            client.reply_error(message);
            return Err(());
        }
        Some(n) => n as u64,
    };
    if numkeys > (argv.len() - at - 1) as u64 {
        client.reply_error(errors::NUMKEYS_TOO_MANY);
        return Err(());
    }
    Ok(numkeys as usize)
}

fn sintercard(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Ok(numkeys) = parse_numkeys(client, &argv, 1, errors::NUMKEYS_POSITIVE) else {
        return;
    };
    let mut limit = 0usize;
    let mut index = 2 + numkeys;
    while index < argv.len() {
        if argv[index].eq_ignore_ascii_case(b"LIMIT") && index + 1 < argv.len() {
            match super::parse_i64(&argv[index + 1]) {
                Some(n) if n >= 0 => limit = n as usize,
                _ => return client.reply_error(errors::LIMIT_NEGATIVE),
            }
            index += 2;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
    }
    let keys: Vec<&[u8]> = argv.iter().skip(2).take(numkeys).collect();
    sinter_generic(server, client, &keys, InterOutput::Cardinality(limit));
}

fn sunion_diff(
    server: &mut Server,
    client: &mut Client,
    keys: &[&[u8]],
    diff: bool,
    destination: Option<&[u8]>,
) {
    let taken = TakenValues::take(server, client.db, keys.iter().copied());
    let Ok(sets) = sets_of(&taken, client) else {
        return taken.restore(server, client.db);
    };
    let max_intset = server.config.set_max_intset_entries;
    let mut result = Set::new_intset();
    if !diff {
        for set in sets.iter().flatten() {
            for member in set.iter() {
                member.with_bytes(|bytes| result.add(bytes, max_intset));
            }
        }
    } else if let Some(first) = sets[0] {
        let same_as_first = (1..taken.len()).any(|i| taken.same(0, i));
        if !same_as_first {
            for member in first.iter() {
                let elsewhere = sets[1..]
                    .iter()
                    .flatten()
                    .any(|other| member.with_bytes(|bytes| other.contains(bytes)));
                if !elsewhere {
                    member.with_bytes(|bytes| result.add(bytes, max_intset));
                }
            }
        }
    }
    taken.restore(server, client.db);
    match destination {
        Some(destination) => {
            let event = if diff { "sdiffstore" } else { "sunionstore" };
            store_set(server, client, destination, result, event)
        }
        None => {
            client.reply_set_len(result.len());
            for member in result.iter() {
                reply_member(client, member);
            }
        }
    }
}

fn sunion(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).collect();
    sunion_diff(server, client, &keys, false, None);
}

fn sunionstore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(2).collect();
    sunion_diff(server, client, &keys, false, Some(&argv[1]));
}

fn sdiff(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).collect();
    sunion_diff(server, client, &keys, true, None);
}

fn sdiffstore(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(2).collect();
    sunion_diff(server, client, &keys, true, Some(&argv[1]));
}

/// SSCAN/ZSCAN options: COUNT and MATCH.
pub(crate) struct ScanOptions<'a> {
    pub(crate) count: usize,
    pub(crate) pattern: Option<&'a [u8]>,
}

/// Parses a SCAN cursor, replying on error.
pub(crate) fn parse_scan_cursor(client: &mut Client, arg: &[u8]) -> Result<u64, ()> {
    // Redis compat: strtoull-style, any u64 in decimal.
    match std::str::from_utf8(arg)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        Some(cursor) if !arg.starts_with(b"+") => Ok(cursor),
        _ => {
            client.reply_error(errors::INVALID_CURSOR);
            Err(())
        }
    }
}

/// Parses the options after `argv[from]`, replying on error.
pub(crate) fn parse_scan_options<'a>(
    client: &mut Client,
    argv: &'a Argv<'_>,
    from: usize,
) -> Result<ScanOptions<'a>, ()> {
    let mut options = ScanOptions {
        count: 10,
        pattern: None,
    };
    let mut index = from;
    while index < argv.len() {
        let more = index + 1 < argv.len();
        if argv[index].eq_ignore_ascii_case(b"COUNT") && more {
            match super::parse_i64(&argv[index + 1]) {
                None => {
                    client.reply_error(errors::NOT_INTEGER);
                    return Err(());
                }
                Some(count) if count < 1 => {
                    client.reply_error(errors::SYNTAX);
                    return Err(());
                }
                Some(count) => options.count = count as usize,
            }
        } else if argv[index].eq_ignore_ascii_case(b"MATCH") && more {
            let pattern = argv.get(index + 1).unwrap_or_default();
            // Redis compat: "*" matches everything and is not applied.
            options.pattern = Some(pattern).filter(|p| *p != b"*");
        } else {
            client.reply_error(errors::SYNTAX);
            return Err(());
        }
        index += 2;
    }
    Ok(options)
}

fn sscan(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Ok(cursor) = parse_scan_cursor(client, &argv[2]) else {
        return;
    };
    let Ok(found) = set_mut(&mut server.dbs[client.db], server.now_ms, client, &argv[1]) else {
        return;
    };
    let Some(set) = found else {
        client.reply_array_len(2);
        client.reply_bulk(b"0");
        return client.reply_array_len(0);
    };
    let set: &Set = set;
    let Ok(options) = parse_scan_options(client, &argv, 3) else {
        return;
    };
    let mut members: Vec<Vec<u8>> = Vec::new();
    let next = set.scan(cursor, options.count, |member| {
        member.with_bytes(|bytes| {
            if options
                .pattern
                .is_none_or(|p| vireo_core::glob::matches(p, bytes, false))
            {
                members.push(bytes.to_vec());
            }
        })
    });
    client.reply_array_len(2);
    client.reply_bulk(next.to_string().as_bytes());
    client.reply_array_len(members.len());
    for member in &members {
        client.reply_bulk(member);
    }
}
