//! DEBUG: the subcommands test suites and operators rely on.
//!
//! DEBUG is a protected command: the gate refuses it unless
//! `enable-debug-command` allows it for this client.

use std::fmt::Write as _;
use std::time::Duration;

use vireo_resp::{encode, Argv};

use crate::client::Client;
use crate::command::{flags, CommandSpec, Doc};
use crate::server::Server;
use vireo_core::db::NO_EXPIRY;
use vireo_core::{StrValue, Value};

/// DEBUG subcommand [arguments]
pub const DEBUG: CommandSpec = CommandSpec {
    name: "debug",
    arity: -2,
    flags: flags::ADMIN | flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::PROTECTED,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Debugging and testing helpers",
        since: "1.0.0",
        group: "server",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[],
    handler: Some(debug),
};

fn debug(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let sub = &argv[1];
    if sub.eq_ignore_ascii_case(b"set-active-expire") && argv.len() == 3 {
        // Redis compat: parsed with atoi, so anything but a number is 0.
        server.active_expire_enabled = atoi(&argv[2]) != 0;
        client.reply_ok();
    } else if sub.eq_ignore_ascii_case(b"pause-cron") && argv.len() == 3 {
        server.cron_paused = atoi(&argv[2]) != 0;
        client.reply_ok();
    } else if sub.eq_ignore_ascii_case(b"set-disable-deny-scripts") && argv.len() == 3 {
        server.script_disable_deny_script = atoi(&argv[2]) != 0;
        client.reply_ok();
    } else if sub.eq_ignore_ascii_case(b"set-skip-checksum-validation") && argv.len() == 3 {
        server.skip_checksum_validation = atoi(&argv[2]) != 0;
        client.reply_ok();
    } else if sub.eq_ignore_ascii_case(b"object") && argv.len() == 3 {
        crate::cmd::keyspace::debug_object(server, client, &argv[2]);
    } else if sub.eq_ignore_ascii_case(b"protocol") && argv.len() == 3 {
        protocol(client, &argv[2]);
    } else if sub.eq_ignore_ascii_case(b"sleep") && argv.len() == 3 {
        // Redis compat: parsed like strtod, so garbage means zero.
        let seconds: f64 = std::str::from_utf8(&argv[2])
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0.0);
        if seconds.is_finite() && seconds > 0.0 {
            let seconds = seconds.min(3600.0 * 24.0);
            std::thread::sleep(Duration::from_secs_f64(seconds));
            server.slept_us += (seconds * 1e6) as i64;
        }
        client.reply_ok();
    } else if sub.eq_ignore_ascii_case(b"populate") && (3..=5).contains(&argv.len()) {
        populate(server, client, &argv);
    } else if sub.eq_ignore_ascii_case(b"digest") && argv.len() == 2 {
        let digest = dataset_digest(server);
        client.reply_simple(vireo_core::sha1::hex(&digest).as_bytes());
    } else if sub.eq_ignore_ascii_case(b"digest-value") {
        let now = server.now_ms;
        client.reply_array_len(argv.len() - 2);
        for key in argv.iter().skip(2) {
            let mut digest = [0u8; 20];
            // Redis compat: this looks at the key even when it is logically expired.
            if let Some((entry, expire_at)) = server.dbs[client.db].peek_even_if_expired(key, now) {
                mix_value_digest(&mut digest, &entry.value, expire_at);
            }
            client.reply_simple(vireo_core::sha1::hex(&digest).as_bytes());
        }
    } else if sub.eq_ignore_ascii_case(b"error") && argv.len() == 3 {
        let mut message = b"-".to_vec();
        message.extend_from_slice(&argv[2]);
        client.reply_error(message);
    } else if sub.eq_ignore_ascii_case(b"change-repl-id") && argv.len() == 2 {
        crate::warning!("Changing replication IDs after receiving DEBUG change-repl-id");
        server.run_id = crate::server::random_hex_id();
        client.reply_ok();
    } else if sub.eq_ignore_ascii_case(b"stringmatch-test") && argv.len() == 2 {
        stringmatch_fuzz();
        client.reply_simple(b"Apparently Redis did not crash: test passed");
    } else if sub.eq_ignore_ascii_case(b"help") && argv.len() == 2 {
        help(client);
    } else if sub.eq_ignore_ascii_case(b"quicklist-packed-threshold") && argv.len() == 3 {
        // Redis stores elements at least this long in "plain" quicklist
        // nodes of their own. Vireo keeps every element in listpack nodes,
        // which replies identically, so the value is checked and not kept.
        match parse_memory(&argv[2]) {
            Some(size) if size <= (1 << 32) - (1 << 20) => client.reply_ok(),
            _ => client
                .reply_error("argument must be a memory value bigger than 1 and smaller than 4gb"),
        }
    } else if sub.eq_ignore_ascii_case(b"listpack") && argv.len() == 3 {
        debug_listpack(server, client, &argv[2]);
    } else if sub.eq_ignore_ascii_case(b"quicklist") && (argv.len() == 3 || argv.len() == 4) {
        debug_quicklist(server, client, &argv[2]);
    } else if sub.eq_ignore_ascii_case(b"log") && argv.len() == 3 {
        crate::warning!("DEBUG LOG: {}", String::from_utf8_lossy(&argv[2]));
        client.reply_ok();
    } else if sub.eq_ignore_ascii_case(b"reload") {
        reload(server, client, &argv);
    } else if sub.eq_ignore_ascii_case(b"config-rewrite-force-all") && argv.len() == 2 {
        crate::cmd::config::rewrite_config_file(server, client, true);
    } else if sub.eq_ignore_ascii_case(b"htstats") && argv.len() == 3 {
        htstats(server, client, &argv[2]);
    } else {
        client.reply_error(crate::errors::unknown_subcommand_or_arity(&argv[0], sub));
    }
}

/// DEBUG HTSTATS <db>: the shape of a database's key table, in the
/// layout of Redis's `dictGetStats`.
fn htstats(server: &mut Server, client: &mut Client, db: &[u8]) {
    let Some(index) = super::parse_i64(db) else {
        return client.reply_error(crate::errors::NOT_INTEGER);
    };
    let Some(db) = usize::try_from(index).ok().and_then(|i| server.dbs.get(i)) else {
        return client.reply_error("Out of range database");
    };
    let mut text = String::from("[Dictionary HT]\n");
    for table in 0..2 {
        let name = if table == 0 {
            "main hash table"
        } else {
            "rehashing target"
        };
        match db.table_stats(table) {
            None if table == 0 => text.push_str(&format!(
                "Hash table 0 stats ({name}):\nNo stats available for empty dictionaries\n"
            )),
            None => {}
            Some(stats) => {
                let slots = stats.used_buckets.max(1) as f64;
                text.push_str(&format!(
                    "Hash table {table} stats ({name}):\n table size: {}\n number of elements: {}\n different slots: {}\n max chain length: {}\n avg chain length (counted): {:.2}\n avg chain length (computed): {:.2}\n Chain length distribution:\n",
                    stats.size,
                    stats.elements,
                    stats.used_buckets,
                    stats.max_chain,
                    stats.chained as f64 / slots,
                    stats.elements as f64 / slots,
                ));
                for (length, &count) in stats.chain_lengths[..stats.chain_lengths.len() - 1]
                    .iter()
                    .enumerate()
                {
                    if count > 0 {
                        text.push_str(&format!(
                            "   {length}: {count} ({:.2}%)\n",
                            count as f64 * 100.0 / stats.size as f64
                        ));
                    }
                }
            }
        }
    }
    // Expiry times live in the key table's entries, not in a second table.
    text.push_str("[Expires HT]\n");
    match db.volatile_len() {
        0 => text.push_str(
            "Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n",
        ),
        volatile => text.push_str(&format!(
            "Hash table 0 stats (main hash table):\n number of elements: {volatile}\n (kept in the entries of [Dictionary HT])\n"
        )),
    }
    client.reply_verbatim(text.as_bytes(), *b"txt");
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves the RDB file, empties
/// the databases and loads the file back.
fn reload(server: &mut Server, client: &mut Client, argv: &Argv<'_>) {
    let (mut merge, mut flush, mut save) = (false, true, true);
    for option in argv.iter().skip(2) {
        if option.eq_ignore_ascii_case(b"merge") {
            merge = true;
        } else if option.eq_ignore_ascii_case(b"noflush") {
            flush = false;
        } else if option.eq_ignore_ascii_case(b"nosave") {
            save = false;
        } else {
            return client
                .reply_error("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        }
    }
    if save && crate::rdb::save(server).is_err() {
        return client.reply_error("-ERR");
    }
    if flush {
        crate::cmd::server::empty_all_databases(server, client, false);
    }
    let mode = if flush {
        crate::rdb::LoadMode::Replace
    } else if merge {
        crate::rdb::LoadMode::Merge
    } else {
        crate::rdb::LoadMode::Add
    };
    let loaded = crate::rdb::load(server, mode);
    // The history and expired keys a load records matter at start-up only.
    server.persistence.loaded_history = None;
    server.persistence.loaded_expired = Vec::new();
    match loaded {
        Ok(_) => {
            crate::warning!("DB reloaded by DEBUG RELOAD");
            client.reply_ok();
        }
        Err(error) => {
            crate::warning!("Error loading the RDB file: {error}");
            client.reply_error("Error trying to load the RDB dump");
        }
    }
}

/// C's `atoi`: optional spaces and sign, then digits up to the first non-digit.
fn atoi(bytes: &[u8]) -> i64 {
    let text = bytes.trim_ascii_start();
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |acc, &b| {
            acc.wrapping_mul(10).wrapping_add(i64::from(b - b'0'))
        });
    if negative {
        value.wrapping_neg()
    } else {
        value
    }
}

/// Redis compat: `memtoull`: digits with an optional b/k/kb/m/mb/g/gb
/// suffix (case-insensitive).
fn parse_memory(arg: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(arg).ok()?.to_ascii_lowercase();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let multiplier: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(multiplier)
}

/// DEBUG PROTOCOL <type>: one reply of each RESP type, for client tests.
fn protocol(client: &mut Client, kind: &[u8]) {
    let is = |name: &str| kind.eq_ignore_ascii_case(name.as_bytes());
    let resp3 = client.resp >= 3;
    if is("string") {
        client.reply_bulk(b"Hello World");
    } else if is("integer") {
        client.reply_integer(12345);
    } else if is("double") {
        // Redis compat: the exact double Redis sends here (not an
        // approximation of pi that should be a constant).
        #[allow(clippy::approx_constant)]
        client.reply_double(3.141);
    } else if is("bignum") {
        let digits = b"1234567999999999999999999999999999999";
        if resp3 {
            encode::big_number(&mut client.out, digits);
        } else {
            client.reply_bulk(digits);
        }
    } else if is("null") {
        client.reply_null();
    } else if is("array") || is("set") {
        if is("set") {
            client.reply_set_len(3);
        } else {
            client.reply_array_len(3);
        }
        for value in 0..3 {
            client.reply_integer(value);
        }
    } else if is("map") {
        client.reply_map_len(3);
        for value in 0..3 {
            client.reply_integer(value);
            client.reply_bool(value == 1);
        }
    } else if is("attrib") {
        if resp3 {
            encode::attribute_len(&mut client.out, 1);
            client.reply_bulk(b"key-popularity");
            client.reply_array_len(2);
            client.reply_bulk(b"key:123");
            client.reply_integer(90);
        }
        client.reply_bulk(b"Some real reply following the attribute");
    } else if is("push") {
        if !resp3 {
            return client.reply_error("RESP2 is not supported by this command");
        }
        encode::push_len(&mut client.out, 2);
        client.reply_bulk(b"server-cpu-usage");
        client.reply_integer(42);
        client.reply_bulk(b"Some real reply following the push reply");
    } else if is("true") || is("false") {
        client.reply_bool(is("true"));
    } else if is("verbatim") {
        client.reply_verbatim(b"This is a verbatim\nstring", *b"txt");
    } else {
        client.reply_error("Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
    }
}

/// DEBUG POPULATE count [prefix] [size]: `prefix:N` keys holding `value:N`,
/// padded or cut to `size` bytes, skipping keys that exist.
fn populate(server: &mut Server, client: &mut Client, argv: &Argv<'_>) {
    let positive = |arg: &[u8]| super::parse_i64(arg).filter(|v| *v >= 0);
    let Some(count) = positive(&argv[2]) else {
        return client.reply_error("value is out of range, must be positive");
    };
    let size = match argv.get(4) {
        None => None,
        Some(arg) => match positive(arg) {
            Some(size) => Some(size as usize),
            None => return client.reply_error("value is out of range, must be positive"),
        },
    };
    let prefix = argv.get(3).unwrap_or(b"key");
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    for index in 0..count {
        let mut key = prefix.to_vec();
        key.extend_from_slice(format!(":{index}").as_bytes());
        if db.contains(&key, now) {
            continue;
        }
        let mut value = format!("value:{index}").into_bytes();
        if let Some(size) = size {
            value.resize(size, 0);
        }
        db.insert(&key, Value::Str(StrValue::from_bytes(&value)), NO_EXPIRY);
    }
    client.reply_ok();
}

/// Redis's digest building blocks: xor in the SHA-1 of `data`, or mix
/// `data` in (xor, then hash the digest itself).
fn xor_digest(digest: &mut [u8; 20], data: &[u8]) {
    for (byte, hashed) in digest.iter_mut().zip(vireo_core::sha1::sha1(data)) {
        *byte ^= hashed;
    }
}

fn mix_digest(digest: &mut [u8; 20], data: &[u8]) {
    xor_digest(digest, data);
    *digest = vireo_core::sha1::sha1(digest.as_slice());
}

/// The digest of one value, as Redis's xorObjectDigest builds it.
fn mix_value_digest(digest: &mut [u8; 20], value: &Value, expire_at: i64) {
    // Redis compat: the type code is mixed in big-endian.
    let type_code: u32 = match value {
        Value::Str(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
        Value::Stream(_) => 6,
    };
    mix_digest(digest, &type_code.to_be_bytes());
    match value {
        Value::Str(string) => string.with_bytes(|bytes| mix_digest(digest, bytes)),
        Value::List(list) => {
            for element in list.iter() {
                element.with_bytes(|bytes| mix_digest(digest, bytes));
            }
        }
        Value::Hash(hash) => {
            // Redis compat: pairs are digested separately and xored, so their
            // order does not matter.
            for (field, value) in hash.iter() {
                let mut pair = [0u8; 20];
                field.with_bytes(|bytes| mix_digest(&mut pair, bytes));
                value.with_bytes(|bytes| mix_digest(&mut pair, bytes));
                xor_digest(digest, &pair);
            }
        }
        // Redis compat: set members are xored straight into the digest.
        Value::Set(set) => {
            for member in set.iter() {
                member.with_bytes(|bytes| xor_digest(digest, bytes));
            }
        }
        Value::ZSet(zset) => {
            let mut score_text = Vec::new();
            zset.for_each(|member, score| {
                let mut pair = [0u8; 20];
                mix_digest(&mut pair, member);
                score_text.clear();
                vireo_resp::encode::write_double(&mut score_text, score);
                mix_digest(&mut pair, &score_text);
                xor_digest(digest, &pair);
            });
        }
        // Redis compat: entries in order, the ID written `ms.seq`; groups
        // are not part of the digest.
        Value::Stream(stream) => {
            use vireo_core::t_stream::StreamId;
            stream.for_each_in_range(StreamId::MIN, StreamId::MAX, false, |entry| {
                mix_digest(
                    digest,
                    format!("{}.{}", entry.id.ms, entry.id.seq).as_bytes(),
                );
                for element in &entry.fields {
                    mix_digest(digest, element);
                }
                true
            });
        }
    }
    if expire_at != NO_EXPIRY {
        xor_digest(digest, b"!!expire!!");
    }
}

/// DEBUG DIGEST: an order-independent digest of the whole dataset, equal to
/// Redis's for the same data.
fn dataset_digest(server: &Server) -> [u8; 20] {
    let mut total = [0u8; 20];
    for (index, db) in server.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        mix_digest(&mut total, &(index as u32).to_be_bytes());
        for (entry, expire_at) in db.iter() {
            let mut digest = [0u8; 20];
            mix_digest(&mut digest, entry.key());
            mix_value_digest(&mut digest, &entry.value, expire_at);
            xor_digest(&mut total, &digest);
        }
    }
    total
}

/// DEBUG LISTPACK: the elements of a listpack-encoded hash or sorted set.
fn debug_listpack(server: &mut Server, client: &mut Client, key: &[u8]) {
    let now = server.now_ms;
    let Some((entry, _)) = server.dbs[client.db].peek_for_object(key, now) else {
        return client.reply_error(crate::errors::NO_SUCH_KEY);
    };
    let listpack = match &entry.value {
        Value::Hash(hash) => hash.listpack().cloned(),
        Value::ZSet(zset) => zset.small_as_listpack(),
        _ => None,
    };
    let Some(listpack) = listpack else {
        return client.reply_error("Not a listpack encoded object.");
    };
    let mut text = String::new();
    describe_listpack(&mut text, &listpack);
    print_to_stdout(&text);
    client.reply_simple(b"Listpack structure printed on stdout");
}

/// DEBUG QUICKLIST: a list's nodes, each with its elements.
fn debug_quicklist(server: &mut Server, client: &mut Client, key: &[u8]) {
    let now = server.now_ms;
    let Some((entry, _)) = server.dbs[client.db].peek_for_object(key, now) else {
        return client.reply_error(crate::errors::NO_SUCH_KEY);
    };
    let Value::List(list) = &entry.value else {
        return client.reply_error("Not a quicklist encoded object.");
    };
    let mut text = format!("{{quicklist nodes {}}}\n", list.node_count());
    for (index, node) in list.nodes().enumerate() {
        let _ = writeln!(text, "{{node {index}}}");
        describe_listpack(&mut text, node);
    }
    print_to_stdout(&text);
    client.reply_simple(b"Quicklist structure printed on stdout");
}

fn describe_listpack(out: &mut String, listpack: &vireo_core::listpack::Listpack) {
    let _ = writeln!(
        out,
        "{{total bytes {}}} {{num entries {}}}",
        listpack.bytes_len(),
        listpack.len()
    );
    for (index, element) in listpack.iter().enumerate() {
        match element {
            vireo_core::listpack::LpValue::Int(value) => {
                let _ = writeln!(out, "  [{index}] int {value}");
            }
            vireo_core::listpack::LpValue::Str(bytes) => {
                let _ = writeln!(
                    out,
                    "  [{index}] str({}) {}",
                    bytes.len(),
                    String::from_utf8_lossy(bytes).escape_debug()
                );
            }
        }
    }
}

/// Writes a DEBUG report where Redis writes it: standard output, which
/// is the log when `logfile` is empty.
fn print_to_stdout(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn help(client: &mut Client) {
    const LINES: &[&str] = &[
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANGE-REPL-ID",
        "    Change the replication id.",
        "DIGEST",
        "    Return a digest of the whole dataset (40 zeros when empty).",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Return a digest of each key's value.",
        "ERROR <string>",
        "    Reply with <string> as an error.",
        "LISTPACK <key>",
        "    Print a listpack-encoded value's elements on stdout.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Describe how a value is stored.",
        "PAUSE-CRON <0|1>",
        "    Stop or resume the periodic cron work.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys <prefix>:N (default prefix 'key') holding value:N, padded to <size>.",
        "QUICKLIST <key> [<full>]",
        "    Print a list's nodes and their elements on stdout.",
        "PROTOCOL <type>",
        "    Reply with a sample of a RESP type.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Turn the active expire cycle off or on.",
        "SET-DISABLE-DENY-SCRIPTS <0|1>",
        "    Let scripts run the commands flagged noscript (for tests).",
        "SLEEP <seconds>",
        "    Block the server for <seconds> (decimals allowed).",
        "STRINGMATCH-TEST",
        "    Run random patterns and strings through the glob matcher.",
        "HELP",
        "    Print this help.",
    ];
    client.reply_array_len(LINES.len());
    for line in LINES {
        client.reply_simple(line.as_bytes());
    }
}

/// Random patterns and strings through the glob matcher: it must neither
/// panic nor take long, whatever the input.
fn stringmatch_fuzz() {
    // xorshift64: deterministic, no dependency, good enough to vary inputs.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut random_bytes = |alphabet: &[u8], max: u64| -> Vec<u8> {
        let len = next() % max;
        (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect()
    };
    for _ in 0..1000 {
        let pattern = random_bytes(b"ab*?[]^-\\", 32);
        let subject = random_bytes(b"ab-]^", 64);
        vireo_core::glob::matches(&pattern, &subject, false);
        vireo_core::glob::matches(&pattern, &subject, true);
    }
}
