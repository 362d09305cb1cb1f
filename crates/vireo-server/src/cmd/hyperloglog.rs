//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.
//!
//! Sketches are ordinary string values (see `vireo_core::hyperloglog` for
//! the bytes), so every command first checks that the string really is one
//! and edits it in place as a raw string, as Redis does.

use vireo_core::db::NO_EXPIRY;
use vireo_core::hyperloglog::{self as hll, Encoding, REGISTERS};
use vireo_core::{Bytes, StrValue, Value};
use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{
    acl, flags, keys_from_1, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec,
};
use crate::errors;
use crate::notify;
use crate::server::Server;

/// PFADD key [element ...]
pub const PFADD: CommandSpec = CommandSpec {
    name: "pfadd",
    arity: -2,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    acl: acl::HYPERLOGLOG,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "insert"], 0, 1)],
    doc: Doc {
        summary: "Adds elements to a HyperLogLog, creating it if needed",
        since: "2.8.9",
        group: "hyperloglog",
        complexity: "O(1) to add every element.",
        args: &[
            Arg::key("key", 0),
            Arg::new("element", ArgKind::String).optional().multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(pfadd),
};

/// PFCOUNT key [key ...]
pub const PFCOUNT: CommandSpec = CommandSpec {
    name: "pfcount",
    arity: -2,
    flags: flags::READONLY | flags::MAY_REPLICATE,
    acl: acl::HYPERLOGLOG,
    tips: &[],
    // Redis compat: RW although the command is read-only, because counting
    // may rewrite the cached cardinality in the value.
    key_specs: &[keys_from_1(&["RW", "access"], -1, 1)],
    doc: Doc {
        summary: "Returns the approximate cardinality of the union of HyperLogLogs",
        since: "2.8.9",
        group: "hyperloglog",
        complexity: "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
        args: &[Arg::key("key", 0).multiple()],
    },
    subcommands: &[],
    handler: Some(pfcount),
};

/// PFMERGE destkey [sourcekey ...]
pub const PFMERGE: CommandSpec = CommandSpec {
    name: "pfmerge",
    arity: -2,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::HYPERLOGLOG,
    tips: &[],
    key_specs: &[
        keys_from_1(&["RW", "access", "insert"], 0, 1),
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
        summary: "Merges HyperLogLogs into one",
        since: "2.8.9",
        group: "hyperloglog",
        complexity: "O(N) to merge N HyperLogLogs, but with high constant times.",
        args: &[Arg::key("destkey", 0), Arg::key("sourcekey", 1).multiple()],
    },
    subcommands: &[],
    handler: Some(pfmerge),
};

/// PFDEBUG subcommand key
pub const PFDEBUG: CommandSpec = CommandSpec {
    name: "pfdebug",
    arity: 3,
    flags: flags::WRITE | flags::DENYOOM | flags::ADMIN,
    acl: acl::HYPERLOGLOG,
    tips: &[],
    key_specs: &[KeySpec {
        flags: &["RW", "access"],
        begin_search: BeginSearch::Index(2),
        find_keys: FindKeys::Range {
            last_key: 0,
            key_step: 1,
            limit: 0,
        },
    }],
    doc: Doc {
        summary: "Internal commands for debugging HyperLogLog values",
        since: "2.8.9",
        group: "hyperloglog",
        complexity: "N/A",
        args: &[Arg::new("subcommand", ArgKind::String), Arg::key("key", 0)],
    },
    subcommands: &[],
    handler: Some(pfdebug),
};

/// PFSELFTEST
pub const PFSELFTEST: CommandSpec = CommandSpec {
    name: "pfselftest",
    arity: 1,
    flags: flags::ADMIN,
    acl: acl::HYPERLOGLOG,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "An internal command for testing HyperLogLog values",
        since: "2.8.9",
        group: "hyperloglog",
        complexity: "N/A",
        args: &[],
    },
    subcommands: &[],
    handler: Some(pfselftest),
};

/// Checks that `value` is a string holding a sketch, replying with Redis's
/// error if not.
fn check_sketch(client: &mut Client, value: &Value) -> Result<Encoding, ()> {
    let verdict = match value {
        Value::Str(StrValue::Bytes(bytes)) => hll::validate(bytes),
        // Redis compat: an integer-encoded string is never a sketch.
        Value::Str(StrValue::Int(_)) => Err(hll::NotHll),
        _ => {
            client.reply_error(errors::WRONGTYPE);
            return Err(());
        }
    };
    verdict.map_err(|hll::NotHll| client.reply_error(errors::HLL_NOT_VALID))
}

/// The bytes of the sketch at `key` ready for editing in place (a raw
/// string, as Redis's dbUnshareStringValue leaves it), creating an empty
/// sketch if the key is missing. `Ok(None)` if the key is missing and
/// `create` is false; `Err` once an error was sent.
fn sketch_for_write<'a>(
    server: &'a mut Server,
    client: &mut Client,
    key: &[u8],
    create: bool,
) -> Result<Option<(&'a mut Vec<u8>, bool)>, ()> {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    let created = match db.lookup_for_write(key, now) {
        None if !create => return Ok(None),
        None => {
            let sketch = StrValue::Bytes(Bytes::from(hll::new_sketch()));
            db.insert(key, Value::Str(sketch), NO_EXPIRY);
            true
        }
        Some(entry) => {
            check_sketch(client, &entry.value)?;
            false
        }
    };
    match db.lookup_for_write(key, now) {
        Some(entry) => match &mut entry.value {
            Value::Str(value) => Ok(Some((value.make_bytes(), created))),
            _ => Err(()),
        },
        None => Err(()),
    }
}

fn pfadd(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let sparse_max_bytes = server.config.hll_sparse_max_bytes;
    let Ok(Some((bytes, created))) = sketch_for_write(server, client, &argv[1], true) else {
        return;
    };
    let mut updated = u64::from(created);
    for element in argv.iter().skip(2) {
        match hll::add(bytes, element, sparse_max_bytes) {
            Ok(true) => updated += 1,
            Ok(false) => {}
            // Redis compat: registers raised before the corruption was
            // found stay raised, and the change is neither counted nor
            // signalled.
            Err(hll::Corrupt) => return client.reply_error(errors::HLL_CORRUPT),
        }
    }
    if updated > 0 {
        hll::invalidate_cache(bytes);
        server.dirty += updated;
        server.notify(client, notify::STRING, "pfadd", &argv[1]);
    }
    client.reply_integer(i64::from(updated > 0));
}

fn pfcount(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    if argv.len() > 2 {
        return pfcount_union(server, client, &argv);
    }
    let now = server.now_ms;
    let Some(entry) = server.dbs[client.db].lookup(&argv[1], now) else {
        return client.reply_integer(0);
    };
    if check_sketch(client, &entry.value).is_err() {
        return;
    }
    let Value::Str(value) = &mut entry.value else {
        return;
    };
    let bytes = value.make_bytes();
    let card = match hll::cached_cardinality(bytes) {
        Some(card) => card,
        None => {
            let Ok(card) = hll::count(bytes) else {
                return client.reply_error(errors::HLL_CORRUPT);
            };
            hll::store_cardinality(bytes, card);
            // Redis compat: rewriting the cache is a change to the value,
            // which WATCH and client-side caching see although the command
            // is read-only (the gate only handles the keys of writes).
            server.dirty += 1;
            server.touch_key(client, client.db, &argv[1]);
            crate::tracking::key_changed_by_read(server, client, &argv[1]);
            card
        }
    };
    // Redis compat: the count is replied as a signed 64-bit integer.
    client.reply_integer(card as i64);
}

/// Folds the sketches at `keys` (missing keys count as empty) into one
/// byte per register; whether any of them was dense. `Err` once an error
/// was sent.
fn merge_sketches<'a>(
    server: &mut Server,
    client: &mut Client,
    keys: impl Iterator<Item = &'a [u8]>,
) -> Result<(Box<[u8; REGISTERS]>, bool), ()> {
    let now = server.now_ms;
    let mut max = Box::new([0u8; REGISTERS]);
    let mut any_dense = false;
    for key in keys {
        let Some(entry) = server.dbs[client.db].lookup(key, now) else {
            continue;
        };
        if check_sketch(client, &entry.value)? == Encoding::Dense {
            any_dense = true;
        }
        let Value::Str(StrValue::Bytes(bytes)) = &entry.value else {
            return Err(());
        };
        if hll::merge_into(&mut max, bytes).is_err() {
            client.reply_error(errors::HLL_CORRUPT);
            return Err(());
        }
    }
    Ok((max, any_dense))
}

fn pfcount_union(server: &mut Server, client: &mut Client, argv: &Argv<'_>) {
    let Ok((max, _)) = merge_sketches(server, client, argv.iter().skip(1)) else {
        return;
    };
    client.reply_integer(hll::count_registers(&max) as i64);
}

fn pfmerge(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: every key, the destination included, is read as a
    // source first with lookupKeyRead.
    super::count_reads(server, client, true);
    let merged = merge_sketches(server, client, argv.iter().skip(1));
    super::count_reads(server, client, false);
    let Ok((max, any_dense)) = merged else {
        return;
    };
    let sparse_max_bytes = server.config.hll_sparse_max_bytes;
    let Ok(Some((bytes, _))) = sketch_for_write(server, client, &argv[1], true) else {
        return;
    };
    // Redis compat: the result is dense as soon as one input was, and
    // otherwise stays sparse until it outgrows the sparse limit.
    if hll::store_registers(bytes, &max, any_dense, sparse_max_bytes).is_err() {
        return client.reply_error(errors::HLL_CORRUPT);
    }
    server.dirty += 1;
    // Redis compat: PFMERGE announces itself under PFADD's event name.
    server.notify(client, notify::STRING, "pfadd", &argv[1]);
    client.reply_ok();
}

fn pfdebug(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let subcommand = &argv[1];
    let bytes = match sketch_for_write(server, client, &argv[2], false) {
        Err(()) => return,
        Ok(None) => return client.reply_error(errors::HLL_NO_SUCH_KEY),
        Ok(Some((bytes, _))) => bytes,
    };
    let encoding = hll::encoding(bytes);
    if subcommand.eq_ignore_ascii_case(b"getreg") {
        match hll::to_dense(bytes) {
            Err(hll::Corrupt) => client.reply_error(errors::HLL_CORRUPT),
            Ok(converted) => {
                let registers = hll::dense_registers(bytes);
                server.dirty += u64::from(converted);
                client.reply_array_len(registers.len());
                for register in registers {
                    client.reply_integer(i64::from(register));
                }
            }
        }
    } else if subcommand.eq_ignore_ascii_case(b"decode") {
        if encoding != Encoding::Sparse {
            return client.reply_error(errors::HLL_NOT_SPARSE);
        }
        client.reply_bulk(hll::decode_sparse(bytes).as_bytes());
    } else if subcommand.eq_ignore_ascii_case(b"encoding") {
        client.reply_simple(encoding.name().as_bytes());
    } else if subcommand.eq_ignore_ascii_case(b"todense") {
        match hll::to_dense(bytes) {
            Err(hll::Corrupt) => client.reply_error(errors::HLL_CORRUPT),
            Ok(converted) => {
                server.dirty += u64::from(converted);
                client.reply_integer(i64::from(converted));
            }
        }
    } else {
        client.reply_error(errors::unknown_pfdebug_subcommand(subcommand));
    }
}

fn pfselftest(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let sparse_max_bytes = server.config.hll_sparse_max_bytes;
    match hll::self_test(&mut server.rng, hll::FULL_SELF_TEST, sparse_max_bytes) {
        Ok(()) => client.reply_ok(),
        Err(message) => client.reply_error(message),
    }
}
