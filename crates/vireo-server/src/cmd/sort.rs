//! SORT and SORT_RO over lists, sets and sorted sets: BY, GET (`#`, key
//! and `key->field` patterns), LIMIT, ASC/DESC, ALPHA, STORE (a list).

use std::cmp::Ordering;

use vireo_core::db::NO_EXPIRY;
use vireo_core::t_list::List;
use vireo_core::t_zset::strtod;
use vireo_core::Value;
use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{
    acl, flags, keys_from_1, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec,
};
use crate::errors;
use crate::server::Server;

/// SORT
pub const SORT: CommandSpec = CommandSpec {
    name: "sort",
    arity: -2,
    flags: flags::WRITE | flags::DENYOOM | flags::MOVABLEKEYS,
    acl: acl::SET | acl::SORTEDSET | acl::LIST | acl::DANGEROUS,
    tips: &[],
    key_specs: &[
        keys_from_1(&["RO", "access"], 0, 1),
        KeySpec {
            flags: &["RO", "access"],
            begin_search: BeginSearch::Unknown,
            find_keys: FindKeys::Unknown,
        },
        KeySpec {
            flags: &["OW", "update"],
            begin_search: BeginSearch::Unknown,
            find_keys: FindKeys::Unknown,
        },
    ],
    doc: Doc {
        summary: "Sorts the elements of a list, set or sorted set, optionally storing them",
        since: "1.0.0",
        group: "generic",
        complexity: "O(N+M*log(M))",
        args: &[
            Arg::key("key", 0),
            Arg::new("pattern", ArgKind::Pattern)
                .with_token("BY")
                .optional(),
            Arg::new("offset_count", ArgKind::Block)
                .with_token("LIMIT")
                .optional()
                .of(&[
                    Arg::new("offset", ArgKind::Integer),
                    Arg::new("count", ArgKind::Integer),
                ]),
            Arg::new("pattern", ArgKind::Pattern)
                .with_token("GET")
                .optional()
                .multiple(),
            Arg::new("order", ArgKind::OneOf)
                .optional()
                .of(&[Arg::token("asc", "ASC"), Arg::token("desc", "DESC")]),
            Arg::token("sorting", "ALPHA").optional(),
            Arg::key("destination", 2).with_token("STORE").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(sort),
};

/// SORT_RO
pub const SORT_RO: CommandSpec = CommandSpec {
    name: "sort_ro",
    arity: -2,
    flags: flags::READONLY | flags::MOVABLEKEYS,
    acl: acl::SET | acl::SORTEDSET | acl::LIST | acl::DANGEROUS,
    tips: &[],
    key_specs: &[
        keys_from_1(&["RO", "access"], 0, 1),
        KeySpec {
            flags: &["RO", "access"],
            begin_search: BeginSearch::Unknown,
            find_keys: FindKeys::Unknown,
        },
    ],
    doc: Doc {
        summary: "Sorts the elements of a list, set or sorted set (read-only)",
        since: "7.0.0",
        group: "generic",
        complexity: "O(N+M*log(M))",
        args: &[
            Arg::key("key", 0),
            Arg::new("pattern", ArgKind::Pattern)
                .with_token("BY")
                .optional(),
            Arg::new("offset_count", ArgKind::Block)
                .with_token("LIMIT")
                .optional()
                .of(&[
                    Arg::new("offset", ArgKind::Integer),
                    Arg::new("count", ArgKind::Integer),
                ]),
            Arg::new("pattern", ArgKind::Pattern)
                .with_token("GET")
                .optional()
                .multiple(),
            Arg::new("order", ArgKind::OneOf)
                .optional()
                .of(&[Arg::token("asc", "ASC"), Arg::token("desc", "DESC")]),
            Arg::token("sorting", "ALPHA").optional(),
        ],
    },
    subcommands: &[],
    handler: Some(sort_ro),
};

fn sort(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    sort_generic(server, client, argv, false);
}

fn sort_ro(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    sort_generic(server, client, argv, true);
}

/// The string a BY or GET pattern names for `element` (Redis's
/// `lookupKeyByPattern`): `#` is the element itself; otherwise the first
/// `*` is replaced by the element and the key must hold a string, or, for
/// a `key->field` pattern, a hash with that field.
fn lookup_by_pattern(
    server: &mut Server,
    db: usize,
    pattern: &[u8],
    element: &[u8],
) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(element.to_vec());
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let arrow = pattern[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|at| star + 1 + at)
        .filter(|&at| at + 2 < pattern.len());
    let key_end = arrow.unwrap_or(pattern.len());
    let mut key = pattern[..star].to_vec();
    key.extend_from_slice(element);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    let now = server.now_ms;
    match (server.dbs[db].get(&key, now)?, arrow) {
        (Value::Str(value), None) => Some(value.with_bytes(<[u8]>::to_vec)),
        (Value::Hash(hash), Some(arrow)) => hash.get(&pattern[arrow + 2..]).map(|v| v.to_vec()),
        _ => None,
    }
}

fn sort_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, read_only: bool) {
    // Redis compat: the sorted key and the BY/GET keys are all read with
    // lookupKeyRead, even when the result is stored.
    super::count_reads(server, client, true);
    let (mut desc, mut alpha) = (false, false);
    let (mut limit_start, mut limit_count) = (0i64, -1i64);
    let mut store: Option<&[u8]> = None;
    let mut by: Option<&[u8]> = None;
    let mut dont_sort = false;
    let mut gets: Vec<&[u8]> = Vec::new();
    let mut index = 2;
    while index < argv.len() {
        let option = &argv[index];
        let left = argv.len() - index - 1;
        if option.eq_ignore_ascii_case(b"ASC") {
            desc = false;
        } else if option.eq_ignore_ascii_case(b"DESC") {
            desc = true;
        } else if option.eq_ignore_ascii_case(b"ALPHA") {
            alpha = true;
        } else if option.eq_ignore_ascii_case(b"LIMIT") && left >= 2 {
            match (
                super::parse_i64(&argv[index + 1]),
                super::parse_i64(&argv[index + 2]),
            ) {
                (Some(start), Some(count)) => (limit_start, limit_count) = (start, count),
                _ => return client.reply_error(errors::NOT_INTEGER),
            }
            index += 2;
        } else if !read_only && option.eq_ignore_ascii_case(b"STORE") && left >= 1 {
            store = Some(&argv[index + 1]);
            index += 1;
        } else if option.eq_ignore_ascii_case(b"BY") && left >= 1 {
            let pattern = &argv[index + 1];
            // Redis compat: a BY pattern without `*` means "do not sort".
            dont_sort = !pattern.contains(&b'*');
            by = Some(pattern);
            index += 1;
        } else if option.eq_ignore_ascii_case(b"GET") && left >= 1 {
            gets.push(&argv[index + 1]);
            index += 1;
        } else {
            return client.reply_error(errors::SYNTAX);
        }
        index += 1;
    }
    let now = server.now_ms;
    let key = &argv[1];
    let mut elements: Vec<Vec<u8>> = Vec::new();
    let mut is_set = false;
    match server.dbs[client.db].get(key, now) {
        None => {}
        Some(Value::List(list)) => elements = list.iter().map(|e| e.to_vec()).collect(),
        Some(Value::Set(set)) => {
            is_set = true;
            elements = set.iter().map(|m| m.to_vec()).collect();
        }
        Some(Value::ZSet(zset)) => zset.for_each(|m, _| elements.push(m.to_vec())),
        Some(_) => return client.reply_error(errors::WRONGTYPE),
    }
    // Redis compat: lists and sorted sets keep their own order when not
    // sorted (reversed by DESC); an unsorted set is sorted anyway when stored, so the
    // stored list does not depend on the set's internal order; so is one a
    // script reads, so that scripts stay deterministic.
    if dont_sort && is_set && (store.is_some() || client.is_script) {
        dont_sort = false;
        alpha = true;
        by = None;
    }
    if dont_sort && !is_set && desc {
        elements.reverse();
    }
    // Redis compat: LIMIT's bounds are clamped this way, so a negative
    // count means "to the end" and an offset past the end selects nothing.
    let len = elements.len() as i64;
    let start = limit_start.clamp(0, len);
    let count = limit_count.clamp(-1, len);
    let (start, end) = if start >= len {
        (len - 1, len - 2)
    } else if count < 0 {
        (start, len - 1)
    } else {
        (start, (start + count - 1).min(len - 1))
    };
    if !dont_sort {
        let mut keyed: Vec<(Vec<u8>, Option<Vec<u8>>, f64)> = Vec::with_capacity(elements.len());
        for element in elements {
            let by_value = match by {
                Some(pattern) => lookup_by_pattern(server, client.db, pattern, &element),
                None => Some(element.clone()),
            };
            let mut score = 0.0;
            if !alpha {
                if let Some(text) = &by_value {
                    let parsed = strtod(text);
                    if parsed.consumed != text.len() || parsed.out_of_range || parsed.value.is_nan()
                    {
                        return client.reply_error(errors::SORT_NOT_DOUBLE);
                    }
                    score = parsed.value;
                }
            }
            keyed.push((element, by_value, score));
        }
        let by_pattern = by.is_some();
        keyed.sort_by(|a, b| {
            let order = if !alpha {
                a.2.partial_cmp(&b.2)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.0.cmp(&b.0))
            } else if by_pattern {
                match (&a.1, &b.1) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(x), Some(y)) => x.cmp(y),
                }
            } else {
                a.0.cmp(&b.0)
            };
            if desc {
                order.reverse()
            } else {
                order
            }
        });
        elements = keyed.into_iter().map(|(element, _, _)| element).collect();
    }
    let selected: &[Vec<u8>] = if start <= end && end >= 0 {
        &elements[start as usize..=end as usize]
    } else {
        &[]
    };
    let mut outputs: Vec<Option<Vec<u8>>> = Vec::new();
    for element in selected {
        if gets.is_empty() {
            outputs.push(Some(element.clone()));
        }
        for pattern in &gets {
            outputs.push(lookup_by_pattern(server, client.db, pattern, element));
        }
    }
    match store {
        None => {
            client.reply_array_len(outputs.len());
            for output in &outputs {
                match output {
                    Some(bytes) => client.reply_bulk(bytes),
                    None => client.reply_null(),
                }
            }
        }
        Some(destination) => {
            let stored = outputs.len();
            let db = &mut server.dbs[client.db];
            if stored > 0 {
                let fill = server.config.list_max_listpack_size;
                let mut list = List::with_compress_depth(server.config.list_compress_depth);
                for output in &outputs {
                    // Redis compat: a GET that finds nothing stores "".
                    list.push_back(output.as_deref().unwrap_or_default(), fill);
                }
                db.insert(destination, Value::List(Box::new(list)), NO_EXPIRY);
                server.dirty += stored as u64;
                server.signal_key_ready(client.db, destination);
                server.notify(client, crate::notify::LIST, "sortstore", destination);
            } else if db.remove(destination, now) {
                server.dirty += 1;
                server.notify(client, crate::notify::GENERIC, "del", destination);
            }
            client.reply_integer(stored as i64);
        }
    }
}
