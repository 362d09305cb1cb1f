//! INFO: the server's state as `field:value` lines in `# Section` groups,
//! with Redis's section and field names so monitoring tools find them.

use std::fmt::Write as _;

use vireo_resp::Argv;

use crate::client::Client;
use crate::cmd::memory::Overhead;
use crate::command::{acl, flags, Arg, ArgKind, CommandSpec, Doc};
use crate::server::{Server, REDIS_VERSION};

/// INFO [section [section ...]]
pub const INFO: CommandSpec = CommandSpec {
    name: "info",
    arity: -1,
    flags: flags::LOADING | flags::STALE,
    acl: acl::SLOW | acl::DANGEROUS,
    tips: &[
        "nondeterministic_output",
        "request_policy:all_shards",
        "response_policy:special",
    ],
    key_specs: &[],
    doc: Doc {
        summary: "Returns information and statistics about the server",
        since: "1.0.0",
        group: "server",
        complexity: "O(1)",
        args: &[Arg::new("section", ArgKind::String).optional().multiple()],
    },
    subcommands: &[],
    handler: Some(info),
};

/// Sections in output order, and whether `INFO` / `INFO default` include them.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("modules", true),
    ("commandstats", false),
    ("latencystats", false),
    ("errorstats", true),
    ("cluster", true),
    ("keyspace", true),
];

fn info(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let live_errors: u64 = server
        .clients
        .iter()
        .flatten()
        .map(|c| c.error_replies)
        .sum::<u64>()
        + client.error_replies;
    let mut error_codes = server.error_codes.clone();
    for live in server
        .clients
        .iter()
        .flatten()
        .map(|c| &**c)
        .chain(std::iter::once(&*client))
    {
        for (code, count) in &live.error_codes {
            *error_codes.entry(code.clone()).or_default() += count;
        }
    }
    let mut wanted: Vec<&str> = Vec::new();
    let requested: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    if requested.is_empty() {
        wanted.extend(
            SECTIONS
                .iter()
                .filter(|(_, default)| *default)
                .map(|(name, _)| *name),
        );
    }
    for name in &requested {
        match name.as_str() {
            // Redis compat: `all` adds the non-default sections
            // (commandstats, latencystats); `everything` would add module
            // sections on top.
            "all" | "everything" => wanted.extend(SECTIONS.iter().map(|(name, _)| *name)),
            "default" => wanted.extend(
                SECTIONS
                    .iter()
                    .filter(|(_, default)| *default)
                    .map(|(name, _)| *name),
            ),
            other => {
                if let Some((section, _)) = SECTIONS.iter().find(|(section, _)| *section == other) {
                    wanted.push(section);
                }
            }
        }
    }
    let memory = wanted
        .contains(&"memory")
        .then(|| crate::cmd::memory::Overhead::measure(server, client));
    let mut text = String::new();
    for (section, _) in SECTIONS {
        if !wanted.contains(section) {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        write_section(
            server,
            section,
            live_errors,
            &error_codes,
            memory.as_ref(),
            &mut text,
        );
    }
    client.reply_verbatim(text.as_bytes(), *b"txt");
}

fn write_section(
    server: &Server,
    section: &str,
    live_errors: u64,
    error_codes: &std::collections::BTreeMap<Vec<u8>, u64>,
    memory: Option<&Overhead>,
    out: &mut String,
) {
    let title = {
        let mut chars = section.chars();
        chars
            .next()
            .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    };
    let title = match section {
        "cpu" => "CPU".to_string(),
        "commandstats" => "Commandstats".to_string(),
        "latencystats" => "Latencystats".to_string(),
        "errorstats" => "Errorstats".to_string(),
        _ => title,
    };
    let _ = write!(out, "# {title}\r\n");
    let mut field = |name: &str, value: &dyn std::fmt::Display| {
        let _ = write!(out, "{name}:{value}\r\n");
    };
    let now_ms = server.now_ms;
    let uptime = (now_ms - server.start_ms).max(0) / 1000;
    match section {
        "server" => {
            field("redis_version", &REDIS_VERSION);
            field("vireo_version", &crate::VIREO_VERSION);
            field("redis_git_sha1", &"00000000");
            field("redis_git_dirty", &0);
            field("redis_mode", &"standalone");
            field(
                "os",
                &format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            );
            field("arch_bits", &(usize::BITS));
            field("multiplexing_api", &"epoll");
            field("process_id", &std::process::id());
            field("process_supervised", &"no");
            field("run_id", &server.run_id);
            field("tcp_port", &server.config.port);
            field("server_time_usec", &server.now_us);
            field("uptime_in_seconds", &uptime);
            field("uptime_in_days", &(uptime / 86_400));
            field("hz", &server.config.hz);
            field("configured_hz", &server.config.hz);
            field("lru_clock", &((now_ms / 1000) & ((1 << 24) - 1)));
            field(
                "executable",
                &std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            );
            field(
                "config_file",
                &server.config.config_file.clone().unwrap_or_default(),
            );
            field("io_threads_active", &0);
        }
        "clients" => {
            field("connected_clients", &server.connected_clients);
            field("cluster_connections", &0);
            field("maxclients", &server.config.maxclients);
            field(
                "blocked_clients",
                &(server.postponed.len() + server.blocking.blocked.len()),
            );
            field("tracking_clients", &server.tracking.clients);
            field("clients_in_timeout_table", &0);
        }
        "memory" => {
            let Some(memory) = memory else {
                return;
            };
            let percent =
                |part: u64, whole: u64| format!("{:.2}%", Overhead::ratio(part, whole) * 100.0);
            let used = memory.total_allocated;
            field("used_memory", &used);
            field("used_memory_human", &human_bytes(used));
            field("used_memory_rss", &memory.rss);
            field("used_memory_rss_human", &human_bytes(memory.rss));
            field("used_memory_peak", &memory.peak_allocated);
            field(
                "used_memory_peak_human",
                &human_bytes(memory.peak_allocated),
            );
            field(
                "used_memory_peak_perc",
                &percent(used, memory.peak_allocated),
            );
            field("used_memory_overhead", &memory.overhead_total);
            field("used_memory_startup", &memory.startup_allocated);
            field("used_memory_dataset", &memory.dataset());
            field(
                "used_memory_dataset_perc",
                &percent(memory.dataset(), memory.net_allocated()),
            );
            field("allocator_allocated", &memory.allocator.allocated);
            field("allocator_active", &memory.allocator.active);
            field("allocator_resident", &memory.allocator.resident);
            let system = crate::os::system_memory_bytes().unwrap_or(0);
            field("total_system_memory", &system);
            field("total_system_memory_human", &human_bytes(system));
            let eval = server.scripting.as_deref();
            let vm_eval = eval.map_or(0, crate::scripting::Scripting::memory);
            let scripts_eval = eval.map_or(0, crate::scripting::Scripting::body_bytes);
            let functions = server.functions.as_deref();
            let vm_functions = functions.map_or(0, |f| f.memory());
            let libraries_code = functions.map_or(0, |f| {
                f.libraries
                    .values()
                    .map(|library| library.code.len())
                    .sum::<usize>()
            });
            field("used_memory_lua", &vm_eval);
            field("used_memory_vm_eval", &vm_eval);
            field("used_memory_lua_human", &human_bytes(vm_eval as u64));
            field("used_memory_scripts_eval", &scripts_eval);
            field(
                "number_of_cached_scripts",
                &eval.map_or(0, crate::scripting::Scripting::len),
            );
            field(
                "number_of_functions",
                &functions.map_or(0, |f| f.function_count()),
            );
            field(
                "number_of_libraries",
                &functions.map_or(0, |f| f.libraries.len()),
            );
            field("used_memory_vm_functions", &vm_functions);
            field("used_memory_vm_total", &(vm_eval + vm_functions));
            field(
                "used_memory_vm_total_human",
                &human_bytes((vm_eval + vm_functions) as u64),
            );
            field("used_memory_functions", &libraries_code);
            field("used_memory_scripts", &(scripts_eval + libraries_code));
            field(
                "used_memory_scripts_human",
                &human_bytes((scripts_eval + libraries_code) as u64),
            );
            let maxmemory = server.config.get("maxmemory").unwrap_or("0");
            field("maxmemory", &maxmemory);
            field(
                "maxmemory_human",
                &human_bytes(maxmemory.parse().unwrap_or(0)),
            );
            field(
                "maxmemory_policy",
                &server
                    .config
                    .get("maxmemory-policy")
                    .unwrap_or("noeviction"),
            );
            let ratios = [
                ("allocator_frag", memory.allocator_fragmentation()),
                ("allocator_rss", memory.allocator_rss()),
                ("rss_overhead", memory.rss_overhead()),
                ("mem_fragmentation", memory.fragmentation()),
            ];
            for (name, (ratio, bytes)) in ratios {
                field(&format!("{name}_ratio"), &format!("{ratio:.2}"));
                field(&format!("{name}_bytes"), &bytes);
            }
            field("mem_not_counted_for_evict", &0);
            field("mem_replication_backlog", &0);
            field("mem_total_replication_buffers", &0);
            field("mem_clients_slaves", &0);
            field("mem_clients_normal", &memory.clients_normal);
            field("mem_cluster_links", &0);
            field("mem_aof_buffer", &0);
            field("mem_allocator", &"jemalloc");
            field("active_defrag_running", &0);
            field(
                "lazyfree_pending_objects",
                &server.lazyfree.pending_objects(),
            );
            field("lazyfreed_objects", &server.lazyfree.freed_objects());
        }
        "persistence" => {
            let persistence = &server.persistence;
            field("loading", &0);
            field("async_loading", &0);
            let (cow, cow_peak, cow_age, processed, total) =
                persistence.child_progress(server.now_ms);
            field("current_cow_peak", &cow_peak);
            field("current_cow_size", &cow);
            field("current_cow_size_age", &cow_age);
            let percent = if total == 0 {
                0.0
            } else {
                processed as f64 * 100.0 / total as f64
            };
            field("current_fork_perc", &format!("{percent:.2}"));
            field("current_save_keys_processed", &processed);
            field("current_save_keys_total", &total);
            field("rdb_changes_since_last_save", &server.dirty);
            field(
                "rdb_bgsave_in_progress",
                &u8::from(persistence.child.is_some()),
            );
            field("rdb_last_save_time", &persistence.last_save_s);
            field(
                "rdb_last_bgsave_status",
                &if persistence.last_bgsave_ok {
                    "ok"
                } else {
                    "err"
                },
            );
            field("rdb_last_bgsave_time_sec", &persistence.last_bgsave_secs);
            field(
                "rdb_current_bgsave_time_sec",
                &persistence.current_bgsave_secs(server.now_ms),
            );
            field("rdb_saves", &persistence.saves);
            field("rdb_last_cow_size", &persistence.last_cow_size);
            field("rdb_last_load_keys_expired", &persistence.last_load_expired);
            field("rdb_last_load_keys_loaded", &persistence.last_load_keys);
            field("aof_enabled", &0);
            field("aof_rewrite_in_progress", &0);
            field("aof_rewrite_scheduled", &0);
            field("aof_last_rewrite_time_sec", &-1);
            field("aof_current_rewrite_time_sec", &-1);
            field("aof_last_bgrewrite_status", &"ok");
            field("aof_rewrites", &0);
            field("aof_rewrites_consecutive_failures", &0);
            field("aof_last_write_status", &"ok");
            field("aof_last_cow_size", &0);
            field("module_fork_in_progress", &0);
            field("module_fork_last_cow_size", &0);
        }
        "stats" => {
            let stats = &server.stats;
            field("total_connections_received", &stats.connections);
            field("total_commands_processed", &stats.commands);
            field("total_net_input_bytes", &stats.net_input_bytes);
            field("total_net_output_bytes", &stats.net_output_bytes);
            field("rejected_connections", &stats.rejected_connections);
            field("sync_full", &server.replication.sync_full);
            field("sync_partial_ok", &server.replication.sync_partial_ok);
            field("sync_partial_err", &server.replication.sync_partial_err);
            field("expired_keys", &server.expired_keys());
            field(
                "expired_stale_perc",
                &format!("{:.2}", server.active_expire.stale_ratio * 100.0),
            );
            field(
                "expired_time_cap_reached_count",
                &server.active_expire.time_cap_reached,
            );
            field(
                "expire_cycle_cpu_milliseconds",
                &(server.active_expire.time_used_us / 1000),
            );
            field("evicted_keys", &0);
            let lookups = server
                .dbs
                .iter()
                .map(|db| db.lookup_stats())
                .fold((0u64, 0u64), |(hits, misses), stats| {
                    (hits + stats.hits, misses + stats.misses)
                });
            field("keyspace_hits", &lookups.0);
            field("keyspace_misses", &lookups.1);
            field("pubsub_channels", &server.pubsub.channels.len());
            field("pubsub_patterns", &server.pubsub.patterns.len());
            field("pubsubshard_channels", &server.pubsub.shard_channels.len());
            // No MIGRATE yet, so no cached connections to other servers.
            field("migrate_cached_sockets", &0);
            field("tracking_total_keys", &server.tracking.total_keys());
            field("tracking_total_items", &server.tracking.total_items());
            field("tracking_total_prefixes", &server.tracking.total_prefixes());
            field("total_error_replies", &(stats.error_replies + live_errors));
        }
        "replication" => {
            crate::replication::info_lines(server, &mut field);
        }
        "cpu" => {
            let (system, user) = crate::os::cpu_seconds();
            field("used_cpu_sys", &format!("{system:.6}"));
            field("used_cpu_user", &format!("{user:.6}"));
        }
        "commandstats" => {
            let entries = server.commands.entries();
            for (stats, (container, spec)) in server.command_stats.iter().zip(entries) {
                if stats.calls == 0 && stats.failed_calls == 0 && stats.rejected_calls == 0 {
                    continue;
                }
                let per_call = if stats.calls > 0 {
                    stats.usec as f64 / stats.calls as f64
                } else {
                    0.0
                };
                field(
                    &format!("cmdstat_{}", crate::command::full_name(*container, spec)),
                    &format!(
                        "calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}",
                        stats.calls, stats.usec, stats.rejected_calls, stats.failed_calls
                    ),
                );
            }
        }
        "latencystats" => {
            let percentiles: Vec<f64> = server
                .config
                .get("latency-tracking-info-percentiles")
                .unwrap_or("")
                .split(' ')
                .filter_map(|p| p.parse().ok())
                .collect();
            for (id, (container, spec)) in server.commands.entries().iter().enumerate() {
                let Some(histogram) = server.latency.histogram(id) else {
                    continue;
                };
                let values: Vec<String> = percentiles
                    .iter()
                    .map(|p| {
                        format!(
                            "p{}={:.3}",
                            trim_float(*p),
                            histogram.value_at_quantile(p / 100.0) as f64 / 1000.0
                        )
                    })
                    .collect();
                field(
                    &format!(
                        "latency_percentiles_usec_{}",
                        crate::command::full_name(*container, spec)
                    ),
                    &values.join(","),
                );
            }
        }
        "errorstats" => {
            for (code, count) in error_codes {
                field(
                    &format!("errorstat_{}", String::from_utf8_lossy(code)),
                    &format!("count={count}"),
                );
            }
        }
        "cluster" => field("cluster_enabled", &0),
        "keyspace" => {
            for (index, db) in server.dbs.iter().enumerate() {
                if !db.is_empty() {
                    field(
                        &format!("db{index}"),
                        &format!(
                            "keys={},expires={},avg_ttl={}",
                            db.len(),
                            db.volatile_len(),
                            db.avg_ttl()
                        ),
                    );
                }
            }
        }
        _ => {}
    }
}

/// A percentile as Redis prints it in field names: no trailing zeros.
fn trim_float(value: f64) -> String {
    let text = format!("{value:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Redis's bytesToHuman: two decimals and a unit letter.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [(u32, &str); 6] = [(6, "E"), (5, "P"), (4, "T"), (3, "G"), (2, "M"), (1, "K")];
    let value = bytes as f64;
    for (power, unit) in UNITS {
        let size = 1024f64.powi(power as i32);
        if value >= size {
            return format!("{:.2}{unit}", value / size);
        }
    }
    format!("{bytes}B")
}
#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn human_bytes_follows_redis() {
        assert_eq!(human_bytes(1000), "1000B");
        assert_eq!(human_bytes(1536), "1.50K");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.00M");
    }
}
