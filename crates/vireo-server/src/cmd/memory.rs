//! MEMORY USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE and HELP: what the
//! keyspace and the server cost, in Redis's reply shapes.
//!
//! The numbers are Vireo's own: USAGE adds up the sizes of the Rust
//! structures holding a key (see `Value::memory_usage`), STATS and DOCTOR
//! read jemalloc's counters and the resident set size. They will not equal
//! Redis's numbers for the same data; they grow and shrink with the data,
//! which is what tools and tests rely on.

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{acl, flags, Arg, ArgKind, BeginSearch, CommandSpec, Doc, FindKeys, KeySpec};
use crate::errors;
use crate::server::Server;

/// Redis compat: MEMORY USAGE looks at 5 elements of a collection unless
/// told otherwise (`OBJ_COMPUTE_SIZE_DEF_SAMPLES`).
const DEFAULT_SAMPLES: usize = 5;

/// Below this many allocated bytes DOCTOR declines to judge (as Redis does:
/// the ratios mean nothing for a nearly empty heap).
const DOCTOR_MIN_ALLOCATED: u64 = 5 << 20;

/// An overhead ratio DOCTOR reports only when it also wastes this much.
const DOCTOR_MIN_WASTE: u64 = 10 << 20;

const MALLOC_TIPS: &[&str] = &[
    "nondeterministic_output",
    "request_policy:all_shards",
    "response_policy:special",
];

const fn sub(
    name: &'static str,
    summary: &'static str,
    complexity: &'static str,
    tips: &'static [&'static str],
    handler: crate::command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: 2,
        flags: 0,
        acl: 0,
        tips,
        key_specs: &[],
        doc: Doc {
            summary,
            since: "4.0.0",
            group: "server",
            complexity,
            args: &[],
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

/// MEMORY and its subcommands.
pub const MEMORY: CommandSpec = CommandSpec {
    name: "memory",
    arity: -2,
    flags: 0,
    acl: acl::SLOW,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "A container for memory diagnostics commands",
        since: "4.0.0",
        group: "server",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[
        sub(
            "doctor",
            "Outputs memory problems report",
            "O(1)",
            MALLOC_TIPS,
            memory_doctor,
        ),
        sub(
            "malloc-stats",
            "Show allocator internal stats",
            "Depends on how much memory is allocated, could be slow",
            MALLOC_TIPS,
            memory_malloc_stats,
        ),
        sub(
            "purge",
            "Ask the allocator to release memory",
            "Depends on how much memory is allocated, could be slow",
            &["request_policy:all_shards", "response_policy:all_succeeded"],
            memory_purge,
        ),
        sub(
            "stats",
            "Show memory usage details",
            "O(1)",
            MALLOC_TIPS,
            memory_stats,
        ),
        CommandSpec {
            arity: -3,
            flags: flags::READONLY,
            tips: &[],
            key_specs: &[KeySpec {
                flags: &["RO"],
                begin_search: BeginSearch::Index(2),
                find_keys: FindKeys::Range {
                    last_key: 0,
                    key_step: 1,
                    limit: 0,
                },
            }],
            doc: Doc {
                summary: "Estimate the memory usage of a key",
                since: "4.0.0",
                group: "server",
                complexity: "O(N) where N is the number of samples.",
                args: &[
                    Arg::key("key", 0),
                    Arg::new("count", ArgKind::Integer)
                        .with_token("SAMPLES")
                        .optional(),
                ],
            },
            ..sub("usage", "", "", &[], memory_usage)
        },
        CommandSpec {
            flags: flags::LOADING | flags::STALE,
            ..sub(
                "help",
                "Show helpful text about the different subcommands",
                "O(1)",
                &[],
                memory_help,
            )
        },
    ],
    handler: None,
};

fn memory_usage(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let mut samples = DEFAULT_SAMPLES;
    let mut index = 3;
    // Redis compat: options are checked before the key is looked up, and
    // anything but `SAMPLES <count>` is a syntax error.
    while index < argv.len() {
        if !argv[index].eq_ignore_ascii_case(b"samples") || index + 1 >= argv.len() {
            return client.reply_error(errors::SYNTAX);
        }
        samples = match super::parse_i64(&argv[index + 1]) {
            None => return client.reply_error(errors::NOT_INTEGER),
            Some(count) if count < 0 => return client.reply_error(errors::SYNTAX),
            Some(0) => usize::MAX,
            Some(count) => usize::try_from(count).unwrap_or(usize::MAX),
        };
        index += 2;
    }
    match server.dbs[client.db].memory_usage(&argv[2], samples) {
        Some(bytes) => client.reply_integer(i64::try_from(bytes).unwrap_or(i64::MAX)),
        None => client.reply_null(),
    }
}

/// The figures behind MEMORY STATS and DOCTOR (Redis's
/// `getMemoryOverheadData`), measured now.
pub(crate) struct Overhead {
    pub(crate) peak_allocated: u64,
    pub(crate) total_allocated: u64,
    pub(crate) startup_allocated: u64,
    pub(crate) clients_normal: u64,
    /// (database index, keyspace table bytes, expiry bytes) of each
    /// non-empty database.
    dbs: Vec<(usize, u64, u64)>,
    pub(crate) overhead_total: u64,
    keys: u64,
    pub(crate) allocator: crate::os::AllocatorStats,
    pub(crate) rss: u64,
}

impl Overhead {
    pub(crate) fn measure(server: &mut Server, client: &Client) -> Overhead {
        let allocator = crate::os::allocator_stats().unwrap_or(crate::os::AllocatorStats {
            allocated: 0,
            active: 0,
            resident: 0,
        });
        let total_allocated = allocator.allocated;
        server.peak_allocated = server.peak_allocated.max(total_allocated);
        let clients_normal: u64 = server
            .clients
            .iter()
            .flatten()
            .map(|c| &**c)
            .chain(std::iter::once(client))
            .map(|c| (std::mem::size_of::<Client>() + c.query.capacity() + c.out.capacity()) as u64)
            .sum();
        let dbs: Vec<(usize, u64, u64)> = server
            .dbs
            .iter()
            .enumerate()
            .filter(|(_, db)| !db.is_empty())
            .map(|(index, db)| {
                let (main, expires) = db.table_overhead();
                (index, main as u64, expires as u64)
            })
            .collect();
        let overhead_total = server.startup_allocated
            + clients_normal
            + dbs
                .iter()
                .map(|(_, main, expires)| main + expires)
                .sum::<u64>();
        Overhead {
            peak_allocated: server.peak_allocated,
            total_allocated,
            startup_allocated: server.startup_allocated,
            clients_normal,
            dbs,
            overhead_total,
            keys: server.dbs.iter().map(|db| db.len() as u64).sum(),
            allocator,
            rss: crate::os::resident_bytes().unwrap_or(0),
        }
    }

    /// Bytes allocated since start-up: what the dataset and clients added.
    pub(crate) fn net_allocated(&self) -> u64 {
        self.total_allocated.saturating_sub(self.startup_allocated)
    }

    pub(crate) fn dataset(&self) -> u64 {
        self.total_allocated.saturating_sub(self.overhead_total)
    }

    /// `numerator / denominator`, 0 when there is nothing to divide by.
    pub(crate) fn ratio(numerator: u64, denominator: u64) -> f64 {
        if denominator == 0 {
            0.0
        } else {
            numerator as f64 / denominator as f64
        }
    }

    pub(crate) fn allocator_fragmentation(&self) -> (f64, i64) {
        let a = &self.allocator;
        (
            Self::ratio(a.active, a.allocated),
            a.active as i64 - a.allocated as i64,
        )
    }

    pub(crate) fn allocator_rss(&self) -> (f64, i64) {
        let a = &self.allocator;
        (
            Self::ratio(a.resident, a.active),
            a.resident as i64 - a.active as i64,
        )
    }

    pub(crate) fn rss_overhead(&self) -> (f64, i64) {
        (
            Self::ratio(self.rss, self.allocator.resident),
            self.rss as i64 - self.allocator.resident as i64,
        )
    }

    pub(crate) fn fragmentation(&self) -> (f64, i64) {
        (
            Self::ratio(self.rss, self.total_allocated),
            self.rss as i64 - self.total_allocated as i64,
        )
    }
}

fn memory_stats(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let overhead = Overhead::measure(server, client);
    let field = |client: &mut Client, name: &str, value: i64| {
        client.reply_bulk(name.as_bytes());
        client.reply_integer(value);
    };
    let as_i64 = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    // Redis compat: 27 fixed fields plus one per non-empty database, in
    // Redis's order; the parts Vireo does not have yet (replication, AOF,
    // scripting, cluster) are zero.
    client.reply_map_len(27 + overhead.dbs.len());
    field(client, "peak.allocated", as_i64(overhead.peak_allocated));
    field(client, "total.allocated", as_i64(overhead.total_allocated));
    field(
        client,
        "startup.allocated",
        as_i64(overhead.startup_allocated),
    );
    field(client, "replication.backlog", 0);
    field(client, "clients.slaves", 0);
    field(client, "clients.normal", as_i64(overhead.clients_normal));
    field(client, "cluster.links", 0);
    field(client, "aof.buffer", 0);
    field(client, "lua.caches", 0);
    field(client, "functions.caches", 0);
    for (index, main, expires) in &overhead.dbs {
        client.reply_bulk(format!("db.{index}").as_bytes());
        client.reply_map_len(3);
        field(client, "overhead.hashtable.main", as_i64(*main));
        field(client, "overhead.hashtable.expires", as_i64(*expires));
        field(client, "overhead.hashtable.slot-to-keys", 0);
    }
    field(client, "overhead.total", as_i64(overhead.overhead_total));
    field(client, "keys.count", as_i64(overhead.keys));
    let per_key = overhead
        .net_allocated()
        .checked_div(overhead.keys)
        .unwrap_or(0);
    field(client, "keys.bytes-per-key", as_i64(per_key));
    field(client, "dataset.bytes", as_i64(overhead.dataset()));
    client.reply_bulk(b"dataset.percentage");
    client.reply_double(single(
        Overhead::ratio(overhead.dataset(), overhead.net_allocated()) * 100.0,
    ));
    client.reply_bulk(b"peak.percentage");
    client.reply_double(single(
        Overhead::ratio(overhead.total_allocated, overhead.peak_allocated) * 100.0,
    ));
    field(
        client,
        "allocator.allocated",
        as_i64(overhead.allocator.allocated),
    );
    field(
        client,
        "allocator.active",
        as_i64(overhead.allocator.active),
    );
    field(
        client,
        "allocator.resident",
        as_i64(overhead.allocator.resident),
    );
    let pairs = [
        (
            "allocator-fragmentation",
            overhead.allocator_fragmentation(),
        ),
        ("allocator-rss", overhead.allocator_rss()),
        ("rss-overhead", overhead.rss_overhead()),
    ];
    for (name, (ratio, bytes)) in pairs {
        client.reply_bulk(format!("{name}.ratio").as_bytes());
        client.reply_double(single(ratio));
        field(client, &format!("{name}.bytes"), bytes);
    }
    let (ratio, bytes) = overhead.fragmentation();
    client.reply_bulk(b"fragmentation");
    client.reply_double(single(ratio));
    field(client, "fragmentation.bytes", bytes);
}

/// Redis compat: Redis keeps these ratios in single precision and prints
/// the widened value, so 1.04 reads `1.0399999618530273`.
fn single(value: f64) -> f64 {
    f64::from(value as f32)
}

fn memory_doctor(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let overhead = Overhead::measure(server, client);
    let report = doctor_report(&overhead, server.connected_clients.max(1) as u64);
    client.reply_verbatim(report.as_bytes(), *b"txt");
}

/// The DOCTOR text: Redis's greeting lines, then one paragraph per
/// problem found with the measured figures.
fn doctor_report(overhead: &Overhead, clients: u64) -> String {
    if overhead.total_allocated < DOCTOR_MIN_ALLOCATED {
        return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n".to_string();
    }
    let mut issues = Vec::new();
    if Overhead::ratio(overhead.peak_allocated, overhead.total_allocated) > 1.5 {
        issues.push(format!(
            " * Peak memory: the peak allocation ({} bytes) is more than 150% of what is allocated now ({} bytes). Memory freed since the peak may stay resident; MEMORY PURGE asks the allocator to return it.\n\n",
            overhead.peak_allocated, overhead.total_allocated
        ));
    }
    let checks = [
        ("High total RSS", overhead.fragmentation(), 1.4),
        (
            "High allocator fragmentation",
            overhead.allocator_fragmentation(),
            1.1,
        ),
        ("High allocator RSS overhead", overhead.allocator_rss(), 1.1),
        ("High process RSS overhead", overhead.rss_overhead(), 1.1),
    ];
    for (title, (ratio, bytes), limit) in checks {
        if ratio > limit && bytes > DOCTOR_MIN_WASTE as i64 {
            issues.push(format!(
                " * {title}: the ratio is {ratio:.2} (above {limit}), {bytes} bytes beyond what is in use.\n\n"
            ));
        }
    }
    if overhead.clients_normal / clients > 200 * 1024 {
        issues.push(format!(
            " * Big client buffers: clients hold {} bytes of buffers on average, more than 200K each. Check for clients that do not read their replies.\n\n",
            overhead.clients_normal / clients
        ));
    }
    if issues.is_empty() {
        return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n".to_string();
    }
    let mut report =
        "Sam, I detected a few issues in this Redis instance memory implants:\n\n".to_string();
    for issue in issues {
        report.push_str(&issue);
    }
    report.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
    report
}

fn memory_malloc_stats(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let report = crate::os::allocator_report();
    client.reply_verbatim(report.as_bytes(), *b"txt");
}

fn memory_purge(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    if crate::os::allocator_purge() {
        client.reply_ok();
    } else {
        client.reply_error("Error purging dirty pages");
    }
}

fn memory_help(_server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    super::keyspace::reply_help(
        client,
        &argv[0],
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
}
