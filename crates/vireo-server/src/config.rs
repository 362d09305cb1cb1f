//! Configuration: defaults, the `redis.conf` file format and `--name value`
//! command-line options, parsed the way `redis-server` parses them.
//!
//! Command-line options are turned into config lines appended after the
//! file (`--port 7000` becomes `port "7000"`), so both share one parser and
//! the last occurrence of a directive wins, as in Redis.

use std::fmt;

use crate::config_table::{
    self, NumberUnit, OptionKind, OptionSpec, IMMUTABLE, MULTI_ARG, OPTIONS, PROTECTED,
};

/// Options Vireo acts on. Every other option in the table is accepted and
/// kept (CONFIG GET shows it) but has no effect yet, which the log says once.
const IMPLEMENTED: &[&str] = &[
    "port",
    "bind",
    "unixsocket",
    "tcp-backlog",
    "hz",
    "databases",
    "loglevel",
    "logfile",
    "daemonize",
    "pidfile",
    "dir",
    "protected-mode",
    "requirepass",
    "maxclients",
    "proto-max-bulk-len",
    "client-query-buffer-limit",
    "enable-debug-command",
    "enable-module-command",
    "enable-protected-configs",
    "timeout",
    "always-show-logo",
    "save",
    "list-max-listpack-size",
    "hash-max-listpack-entries",
    "hash-max-listpack-value",
    "rdbcompression",
    "rdbchecksum",
    "dbfilename",
    "stop-writes-on-bgsave-error",
    "rdb-key-save-delay",
    "set-max-intset-entries",
    "zset-max-listpack-entries",
    "zset-max-listpack-value",
    "list-compress-depth",
    "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush",
    "hll-sparse-max-bytes",
    "tracking-table-max-keys",
    "notify-keyspace-events",
    "lazyfree-lazy-expire",
    "repl-backlog-size",
    "repl-backlog-ttl",
    "repl-ping-replica-period",
    "repl-timeout",
    "replicaof",
    "replica-read-only",
    "masterauth",
    "masteruser",
    "min-replicas-to-write",
    "min-replicas-max-lag",
    "repl-diskless-sync",
    "repl-diskless-sync-delay",
    "repl-diskless-sync-max-replicas",
];

/// Log verbosity, least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Everything.
    Debug,
    /// Useful detail.
    Verbose,
    /// Normal production level.
    Notice,
    /// Only what needs attention.
    Warning,
}

/// Whether a protected command is allowed: `no`, `yes` or `local` (loopback only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectedAccess {
    /// Never.
    No,
    /// Always.
    Yes,
    /// Only from loopback and Unix-socket clients.
    Local,
}

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// TCP port; 0 disables TCP.
    pub port: u16,
    /// Addresses to listen on; a leading `-` means "optional" (Redis's `-::*`).
    pub bind: Vec<String>,
    /// Unix socket path, if any.
    pub unixsocket: Option<String>,
    /// `listen()` backlog.
    pub tcp_backlog: u32,
    /// Cron frequency.
    pub hz: u32,
    /// Number of databases.
    pub databases: usize,
    /// Log verbosity.
    pub loglevel: LogLevel,
    /// Log file; empty means standard output.
    pub logfile: String,
    /// Fork into the background.
    pub daemonize: bool,
    /// Where to write the pid; empty for none.
    pub pidfile: String,
    /// Working directory.
    pub dir: String,
    /// `save` points as configured: "seconds changes" pairs, space separated.
    pub save: String,
    /// The RDB file's name, in `dir`.
    pub dbfilename: String,
    /// End RDB files with a CRC-64 (0 when off).
    pub rdbchecksum: bool,
    /// Refuse writes while the last background save failed.
    pub stop_writes_on_bgsave_error: bool,
    /// Microseconds to sleep after saving each key (tests use it to make
    /// saves slow; negative: sleep 1 µs once in that many keys on average).
    pub rdb_key_save_delay: i64,
    /// LZF-compress long strings when serializing (DUMP, RDB files).
    pub rdbcompression: bool,
    /// Refuse non-loopback clients when no password and no bind are set.
    pub protected_mode: bool,
    /// Password of the default user.
    pub requirepass: Option<Vec<u8>>,
    /// Maximum simultaneous clients.
    pub maxclients: usize,
    /// Largest bulk argument accepted.
    pub proto_max_bulk_len: u64,
    /// A client whose unparsed input exceeds this is closed.
    pub client_query_buffer_limit: u64,
    /// Most keys the client-side caching table holds (0: no limit).
    pub tracking_table_max_keys: u64,
    /// `DEBUG` access.
    pub enable_debug_command: ProtectedAccess,
    /// `MODULE` access.
    pub enable_module_command: ProtectedAccess,
    /// Changing protected configs at run time.
    pub enable_protected_configs: ProtectedAccess,
    /// Close idle clients after this many seconds (0: never).
    pub timeout: u64,
    /// Print the ASCII-art banner.
    pub always_show_logo: bool,
    /// Commands slower than this many microseconds go to the slow log (-1: never).
    pub slowlog_log_slower_than: i64,
    /// Slow log length limit.
    pub slowlog_max_len: usize,
    /// Commands taking at least this many milliseconds are latency events (0: off).
    pub latency_monitor_threshold: u64,
    /// `busy-reply-threshold` (`lua-time-limit`): milliseconds a script
    /// runs before other clients get BUSY replies; 0 never.
    pub busy_reply_threshold: u64,
    /// Keep per-command latency histograms.
    pub latency_tracking: bool,
    /// `notify-keyspace-events` as class bits (see [`crate::notify`]).
    pub notify_keyspace_events: u32,
    /// `client-output-buffer-limit` for the normal, replica and pub/sub
    /// classes: (hard bytes, soft bytes, soft seconds), 0 meaning no limit.
    pub output_buffer_limits: [(u64, u64, u64); 3],
    /// `list-max-listpack-size`: negative, a node size class; positive, entries per node.
    pub list_max_listpack_size: i64,
    /// `hash-max-listpack-entries` and `hash-max-listpack-value`.
    pub hash_limits: vireo_core::t_hash::HashLimits,
    /// Largest set kept as an intset.
    pub set_max_intset_entries: usize,
    /// Sorted-set small-encoding thresholds.
    pub zset_limits: vireo_core::t_zset::ZSetLimits,
    /// `stream-node-max-bytes` and `stream-node-max-entries`.
    pub stream_node_limits: vireo_core::t_stream::NodeLimits,
    /// `list-compress-depth`: uncompressed nodes at each end of new lists.
    pub list_compress_depth: usize,
    /// DEL frees in the background as UNLINK does.
    pub lazyfree_lazy_user_del: bool,
    /// FLUSHDB and FLUSHALL without a mode free in the background.
    pub lazyfree_lazy_user_flush: bool,
    /// Keys removed on expiry reach replicas as UNLINK rather than DEL.
    pub lazyfree_lazy_expire: bool,
    /// Bytes of recent replication stream kept for partial resyncs.
    pub repl_backlog_size: u64,
    /// Seconds between the PINGs the replication stream carries.
    pub repl_ping_replica_period: u64,
    /// Seconds the backlog outlives the last replica (0: forever).
    pub repl_backlog_ttl: u64,
    /// Writes are refused with fewer good replicas than this (0: never).
    pub min_replicas_to_write: u64,
    /// Seconds since its last ACK within which a replica counts as good.
    pub min_replicas_max_lag: u64,
    /// Largest sparse HyperLogLog, header included, before it turns dense.
    pub hll_sparse_max_bytes: usize,
    /// Config file path, if one was given.
    pub config_file: Option<String>,
    /// Options set that Vireo does not act on yet: (name, value) as given.
    pub unimplemented: Vec<(String, String)>,
    /// Every option's value as CONFIG GET shows it, indexed like [`OPTIONS`].
    values: Vec<String>,
    /// Whether a `save` line has been read from the file yet (the first one
    /// replaces the default save points, later ones add to them).
    save_seen: bool,
}

impl Default for Config {
    fn default() -> Config {
        let mut config = Config {
            port: 0,
            bind: Vec::new(),
            unixsocket: None,
            tcp_backlog: 0,
            hz: 0,
            databases: 0,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            daemonize: false,
            pidfile: String::new(),
            dir: String::new(),
            save: String::new(),
            dbfilename: String::new(),
            rdbchecksum: false,
            stop_writes_on_bgsave_error: false,
            rdb_key_save_delay: 0,
            rdbcompression: false,
            protected_mode: false,
            requirepass: None,
            maxclients: 0,
            proto_max_bulk_len: 0,
            client_query_buffer_limit: 0,
            tracking_table_max_keys: 0,
            enable_debug_command: ProtectedAccess::No,
            enable_module_command: ProtectedAccess::No,
            enable_protected_configs: ProtectedAccess::No,
            timeout: 0,
            always_show_logo: false,
            slowlog_log_slower_than: 0,
            slowlog_max_len: 0,
            latency_monitor_threshold: 0,
            busy_reply_threshold: 5000,
            latency_tracking: false,
            notify_keyspace_events: 0,
            output_buffer_limits: [(0, 0, 0); 3],
            list_max_listpack_size: -2,
            hash_limits: vireo_core::t_hash::HashLimits::default(),
            set_max_intset_entries: 0,
            zset_limits: vireo_core::t_zset::ZSetLimits::default(),
            stream_node_limits: vireo_core::t_stream::NodeLimits::default(),
            list_compress_depth: 0,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            lazyfree_lazy_expire: false,
            repl_backlog_size: 0,
            repl_ping_replica_period: 0,
            repl_backlog_ttl: 0,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 0,
            hll_sparse_max_bytes: 0,
            config_file: None,
            unimplemented: Vec::new(),
            values: OPTIONS
                .iter()
                .map(|spec| spec.default.to_string())
                .collect(),
            save_seen: false,
        };
        let index = config_table::find("dir").unwrap_or(0);
        config.values[index] = std::env::current_dir()
            .map(|dir| dir.display().to_string())
            .unwrap_or_else(|_| ".".to_string());
        config.derive_typed_fields();
        config
    }
}

/// A configuration that cannot be loaded, reported as Redis reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based line number in the combined configuration text, if any.
    pub line_number: Option<usize>,
    /// The offending line.
    pub line: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\n*** FATAL CONFIG FILE ERROR (Vireo {}) ***",
            env!("CARGO_PKG_VERSION")
        )?;
        if let Some(number) = self.line_number {
            writeln!(f, "Reading the configuration file, at line {number}")?;
            writeln!(f, ">>> '{}'", self.line)?;
        }
        write!(f, "{}", self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// What the command line asked for.
#[derive(Debug)]
pub enum Invocation {
    /// Run the server with this configuration.
    Run(Box<Config>),
    /// Print the version and exit.
    Version,
    /// Print usage and exit.
    Help,
}

/// Quotes `arg` the way Redis's `sdscatrepr` does, so it survives the
/// config-line splitter unchanged.
pub fn repr(arg: &[u8]) -> String {
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    for &byte in arg {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b if b.is_ascii_graphic() || b == b' ' => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// A config line whose quotes do not balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnbalancedQuotes;

/// Splits one config line into arguments with Redis's quoting rules.
pub fn split_line(line: &str) -> Result<Vec<Vec<u8>>, UnbalancedQuotes> {
    let mut decoder = vireo_resp::RequestDecoder::new();
    let mut args = vireo_resp::Args::new();
    // The request decoder's inline splitter implements exactly these rules;
    // a leading word keeps a line that starts with '*' from being taken for
    // a multibulk request, and is dropped from the result.
    let mut text = Vec::with_capacity(line.len() + 3);
    text.extend_from_slice(b"_ ");
    text.extend_from_slice(line.as_bytes());
    text.push(b'\n');
    let limits = vireo_resp::RequestLimits {
        max_inline_len: usize::MAX,
        ..Default::default()
    };
    match decoder.decode(&text, &limits, &mut args) {
        Ok(Some(_)) => Ok(args
            .view(&text)
            .iter()
            .skip(1)
            .map(<[u8]>::to_vec)
            .collect()),
        _ => Err(UnbalancedQuotes),
    }
}

impl Config {
    /// Parses `redis-server`-style arguments (without the program name).
    pub fn from_args(args: &[String]) -> Result<Invocation, ConfigError> {
        let mut config = Config::default();
        let mut rest = args;
        if let Some(first) = args.first() {
            match first.as_str() {
                "-v" | "--version" => return Ok(Invocation::Version),
                "-h" | "--help" => return Ok(Invocation::Help),
                _ => {}
            }
            if !first.starts_with('-') {
                config.config_file = Some(first.clone());
                rest = &args[1..];
            }
        }
        let mut text = String::new();
        if let Some(path) = config.config_file.clone() {
            text = std::fs::read_to_string(&path).map_err(|error| ConfigError {
                line_number: None,
                line: String::new(),
                reason: format!("Fatal error, can't open config file '{path}': {error}"),
            })?;
            config.config_file = Some(absolute_path(&path));
        }
        let options = options_to_lines(rest);
        if !options.is_empty() {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&options);
        }
        config.load_text(&text)?;
        Ok(Invocation::Run(Box::new(config)))
    }

    /// Applies a whole configuration text (file contents and options).
    pub fn load_text(&mut self, text: &str) -> Result<(), ConfigError> {
        for (index, raw_line) in text.lines().enumerate() {
            let line = raw_line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let error = |reason: String| ConfigError {
                line_number: Some(index + 1),
                line: line.to_string(),
                reason,
            };
            let Ok(argv) = split_line(line) else {
                return Err(error("Unbalanced quotes in configuration line".to_string()));
            };
            if argv.is_empty() {
                continue;
            }
            let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
            let values: Vec<String> = argv[1..]
                .iter()
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect();
            if name == "include" && values.len() == 1 {
                let included = std::fs::read_to_string(&values[0]).map_err(|e| {
                    error(format!(
                        "Fatal error, can't open config file '{}': {e}",
                        values[0]
                    ))
                })?;
                self.load_text(&included)?;
                continue;
            }
            self.apply(&name, &values).map_err(error)?;
        }
        Ok(())
    }

    /// Sets one option from its config-file arguments.
    pub fn apply(&mut self, name: &str, values: &[String]) -> Result<(), String> {
        if matches!(name, "rename-command" | "user" | "loadmodule" | "sentinel") {
            self.unimplemented
                .push((name.to_string(), values.join(" ")));
            return Ok(());
        }
        let Some(index) = config_table::find(name) else {
            return Err("Bad directive or wrong number of arguments".to_string());
        };
        let spec = &OPTIONS[index];
        if spec.flags & MULTI_ARG == 0 && values.len() != 1 {
            return Err("wrong number of arguments".to_string());
        }
        // Redis compat: one non-empty value of a multi-value option is split
        // on spaces, so `--save "60 100"` means `save 60 100`.
        let split: Vec<String>;
        let values = match values {
            [single] if spec.flags & MULTI_ARG != 0 && !single.is_empty() => {
                split = single.split(' ').map(str::to_string).collect();
                &split[..]
            }
            _ => values,
        };
        let canonical = if spec.name == "save" {
            let points = canonical_save(values)?;
            // Redis compat: save lines in a file accumulate, the first one
            // replacing the defaults.
            let previous = &self.values[index];
            let combined = if self.save_seen && !previous.is_empty() && !points.is_empty() {
                format!("{previous} {points}")
            } else {
                points
            };
            self.save_seen = true;
            combined
        } else {
            canonical_value(spec, values, &self.values[index])?
        };
        self.store(index, canonical);
        self.keep_classes_of(spec.name, values);
        Ok(())
    }

    /// Redis compat: `n` given with `A` is in force though the canonical
    /// text leaves it out, so the classes come from the letters as given.
    fn keep_classes_of(&mut self, name: &str, values: &[String]) {
        if name == "notify-keyspace-events" {
            self.notify_keyspace_events = values
                .first()
                .and_then(|letters| crate::notify::classes_from_letters(letters))
                .unwrap_or(0);
        }
    }

    /// CONFIG SET of one option: the value is one string, split into words
    /// for multi-argument options as Redis does.
    pub fn set_at_runtime(&mut self, index: usize, value: &[u8]) -> Result<(), String> {
        let spec = &OPTIONS[index];
        let text = String::from_utf8_lossy(value).into_owned();
        let values = if spec.flags & MULTI_ARG != 0 {
            let words =
                split_line(&text).map_err(|UnbalancedQuotes| "Invalid argument".to_string())?;
            let words: Vec<String> = words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            if words.is_empty() {
                vec![String::new()]
            } else {
                words
            }
        } else {
            vec![text]
        };
        let canonical = if spec.name == "save" {
            canonical_save(&values)?
        } else {
            canonical_value(spec, &values, &self.values[index])?
        };
        if spec.name == "dir" {
            std::env::set_current_dir(&canonical).map_err(|error| error.to_string())?;
        }
        self.store(index, canonical);
        self.keep_classes_of(spec.name, &values);
        Ok(())
    }

    /// Checks whether CONFIG SET may change option `index` for a client.
    pub fn runtime_settable(&self, index: usize, local_client: bool) -> Result<(), &'static str> {
        let spec = &OPTIONS[index];
        if spec.flags & IMMUTABLE != 0 {
            return Err("can't set immutable config");
        }
        if spec.flags & PROTECTED != 0 {
            let allowed = match self.enable_protected_configs {
                ProtectedAccess::Yes => true,
                ProtectedAccess::No => false,
                ProtectedAccess::Local => local_client,
            };
            if !allowed {
                return Err("can't set protected config");
            }
        }
        Ok(())
    }

    /// The value of option `index` as CONFIG GET shows it.
    pub fn value(&self, index: usize) -> &str {
        &self.values[index]
    }

    /// The value of the option called `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&str> {
        config_table::find(name).map(|index| self.value(index))
    }

    fn store(&mut self, index: usize, canonical: String) {
        let name = OPTIONS[index].name;
        if !IMPLEMENTED.contains(&name) && canonical != OPTIONS[index].default {
            self.unimplemented.retain(|(existing, _)| existing != name);
            self.unimplemented
                .push((name.to_string(), canonical.clone()));
        }
        self.values[index] = canonical;
        self.derive_typed_fields();
    }

    /// Recomputes the typed fields from the table values. Values were
    /// validated when stored, so parsing cannot fail here; a failure would
    /// leave the previous field value.
    fn derive_typed_fields(&mut self) {
        let get = |name: &str| {
            config_table::find(name)
                .map(|index| self.values[index].clone())
                .unwrap_or_default()
        };
        let number = |name: &str| get(name).parse::<i64>().unwrap_or(0);
        let yes = |name: &str| get(name) == "yes";
        let access = |name: &str| match get(name).as_str() {
            "yes" => ProtectedAccess::Yes,
            "local" => ProtectedAccess::Local,
            _ => ProtectedAccess::No,
        };
        self.port = number("port") as u16;
        self.bind = get("bind")
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        self.unixsocket = Some(get("unixsocket")).filter(|path| !path.is_empty());
        self.tcp_backlog = number("tcp-backlog") as u32;
        // Redis compat: out-of-range hz values are clamped, not rejected.
        self.hz = number("hz").clamp(1, 500) as u32;
        self.databases = number("databases") as usize;
        self.loglevel = match get("loglevel").as_str() {
            "debug" => LogLevel::Debug,
            "verbose" => LogLevel::Verbose,
            "warning" => LogLevel::Warning,
            _ => LogLevel::Notice,
        };
        self.logfile = get("logfile");
        self.daemonize = yes("daemonize");
        self.pidfile = get("pidfile");
        self.dir = get("dir");
        self.save = get("save");
        self.dbfilename = get("dbfilename");
        self.rdbchecksum = yes("rdbchecksum");
        self.stop_writes_on_bgsave_error = yes("stop-writes-on-bgsave-error");
        self.rdb_key_save_delay = number("rdb-key-save-delay");
        self.rdbcompression = yes("rdbcompression");
        self.protected_mode = yes("protected-mode");
        self.requirepass = Some(get("requirepass"))
            .filter(|p| !p.is_empty())
            .map(String::into_bytes);
        self.maxclients = number("maxclients") as usize;
        self.proto_max_bulk_len = number("proto-max-bulk-len") as u64;
        self.client_query_buffer_limit = number("client-query-buffer-limit") as u64;
        self.tracking_table_max_keys = number("tracking-table-max-keys") as u64;
        self.enable_debug_command = access("enable-debug-command");
        self.enable_module_command = access("enable-module-command");
        self.enable_protected_configs = access("enable-protected-configs");
        self.timeout = number("timeout") as u64;
        self.always_show_logo = yes("always-show-logo");
        self.slowlog_log_slower_than = number("slowlog-log-slower-than");
        self.slowlog_max_len = number("slowlog-max-len") as usize;
        self.latency_monitor_threshold = number("latency-monitor-threshold").max(0) as u64;
        self.busy_reply_threshold = number("busy-reply-threshold").max(0) as u64;
        self.latency_tracking = yes("latency-tracking");
        self.list_compress_depth = number("list-compress-depth").max(0) as usize;
        self.lazyfree_lazy_user_del = yes("lazyfree-lazy-user-del");
        self.lazyfree_lazy_user_flush = yes("lazyfree-lazy-user-flush");
        self.lazyfree_lazy_expire = yes("lazyfree-lazy-expire");
        self.repl_backlog_size = number("repl-backlog-size").max(1) as u64;
        self.repl_ping_replica_period = number("repl-ping-replica-period").max(1) as u64;
        self.repl_backlog_ttl = number("repl-backlog-ttl").max(0) as u64;
        self.min_replicas_to_write = number("min-replicas-to-write").max(0) as u64;
        self.min_replicas_max_lag = number("min-replicas-max-lag").max(0) as u64;
        let limits: Vec<u64> = get("client-output-buffer-limit")
            .split(' ')
            .collect::<Vec<_>>()
            .chunks(4)
            .flat_map(|class| class.iter().skip(1).map(|n| n.parse().unwrap_or(0)))
            .collect();
        for (index, class) in limits.chunks(3).take(3).enumerate() {
            if let [hard, soft, seconds] = class {
                self.output_buffer_limits[index] = (*hard, *soft, *seconds);
            }
        }
        // Redis compat: quicklistSetFill clamps the fill to -5..=32767.
        self.list_max_listpack_size = number("list-max-listpack-size").clamp(-5, 32767);
        self.hash_limits = vireo_core::t_hash::HashLimits {
            max_entries: number("hash-max-listpack-entries").max(0) as usize,
            max_value: number("hash-max-listpack-value").max(0) as usize,
        };
        self.set_max_intset_entries = number("set-max-intset-entries").max(0) as usize;
        self.zset_limits = vireo_core::t_zset::ZSetLimits {
            max_listpack_entries: number("zset-max-listpack-entries").max(0) as usize,
            max_listpack_value: number("zset-max-listpack-value").max(0) as usize,
        };
        self.stream_node_limits = vireo_core::t_stream::NodeLimits {
            max_bytes: usize::try_from(number("stream-node-max-bytes")).unwrap_or(0),
            max_entries: number("stream-node-max-entries").max(0),
        };
        self.hll_sparse_max_bytes = usize::try_from(number("hll-sparse-max-bytes")).unwrap_or(0);
    }
}

/// Validates `values` for `spec` and returns the canonical text CONFIG GET
/// will show, or Redis's error message.
fn canonical_value(spec: &OptionSpec, values: &[String], previous: &str) -> Result<String, String> {
    let value = values.first().map(String::as_str).unwrap_or("");
    match spec.kind {
        OptionKind::Bool => match value.to_ascii_lowercase().as_str() {
            "yes" => Ok("yes".to_string()),
            "no" => Ok("no".to_string()),
            _ => Err("argument must be 'yes' or 'no'".to_string()),
        },
        OptionKind::String => Ok(value.to_string()),
        OptionKind::Enum(names) => {
            // Redis compat: a flags option given no value at all is refused
            // like a wrong one.
            if values.is_empty() {
                return Err(format!(
                    "argument(s) must be one of the following: {}",
                    names.join(", ")
                ));
            }
            let mut chosen = Vec::new();
            for word in values {
                match names.iter().find(|name| name.eq_ignore_ascii_case(word)) {
                    Some(name) => chosen.push(*name),
                    None => {
                        return Err(format!(
                            "argument(s) must be one of the following: {}",
                            names.join(", ")
                        ));
                    }
                }
            }
            Ok(chosen.join(" "))
        }
        OptionKind::Number {
            min,
            max,
            unit,
            unsigned,
        } => canonical_number(value, min, max, unit, unsigned),
        OptionKind::Special => canonical_special(spec.name, values, previous),
    }
}

fn canonical_number(
    value: &str,
    min: i128,
    max: i128,
    unit: NumberUnit,
    unsigned: bool,
) -> Result<String, String> {
    let parsed: Option<i128> = match unit {
        NumberUnit::Memory => memory_value(value).map(i128::from),
        NumberUnit::MemoryOrPercent => memory_value(value).map(i128::from).or_else(|| {
            let digits = value.strip_suffix('%').filter(|d| !d.is_empty())?;
            vireo_core::util::parse_i64(digits.as_bytes())
                .filter(|p| *p >= 0)
                .map(|p| -i128::from(p))
        }),
        NumberUnit::Octal => i64::from_str_radix(value, 8).ok().map(i128::from),
        NumberUnit::Plain => vireo_core::util::parse_i64(value.as_bytes()).map(i128::from),
    };
    let Some(number) = parsed else {
        return Err(match unit {
            NumberUnit::MemoryOrPercent => "argument must be a memory or percent value",
            NumberUnit::Memory => "argument must be a memory value",
            NumberUnit::Octal => "argument couldn't be parsed as an octal number",
            NumberUnit::Plain => "argument couldn't be parsed into an integer",
        }
        .to_string());
    };
    if unit == NumberUnit::MemoryOrPercent && number < 0 {
        if number < min {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -min
            ));
        }
        return Ok(format!("{}%", -number));
    }
    // Redis compat: unsigned options compare as unsigned, so "negative"
    // values show up as huge ones in the error.
    let compared = if unsigned && number < 0 {
        number + (1i128 << 64)
    } else {
        number
    };
    if compared < min || compared > max {
        return Err(if unit == NumberUnit::Octal {
            format!("argument must be between {min:o} and {max:o} inclusive")
        } else {
            format!("argument must be between {min} and {max} inclusive")
        });
    }
    Ok(if unit == NumberUnit::Octal {
        format!("{number:o}")
    } else {
        number.to_string()
    })
}

/// Redis's memtoull: digits with an optional unit, case-insensitive.
fn memory_value(value: &str) -> Option<u64> {
    parse_memory(value, 0, u64::MAX).ok()
}

fn canonical_save(values: &[String]) -> Result<String, String> {
    if values.len() == 1 && values[0].is_empty() {
        return Ok(String::new());
    }
    if values.len() % 2 != 0 {
        return Err("Invalid save parameters".to_string());
    }
    for (position, value) in values.iter().enumerate() {
        let minimum = if position % 2 == 0 { 1 } else { 0 };
        match value.parse::<i64>() {
            Ok(number) if number >= minimum => {}
            _ => return Err("Invalid save parameters".to_string()),
        }
    }
    Ok(values
        .iter()
        .map(|v| v.parse::<i64>().unwrap_or(0).to_string())
        .collect::<Vec<_>>()
        .join(" "))
}

fn canonical_special(name: &str, values: &[String], previous: &str) -> Result<String, String> {
    let wrong_count = || "wrong number of arguments".to_string();
    match name {
        "dir" => match values {
            [dir] => Ok(dir.clone()),
            _ => Err(wrong_count()),
        },
        "bind" => {
            if values.len() > 16 {
                return Err("Too many bind addresses specified.".to_string());
            }
            Ok(values.join(" ").trim().to_string())
        }
        "replicaof" => match values {
            [host, port] => {
                if host.eq_ignore_ascii_case("no") && port.eq_ignore_ascii_case("one") {
                    return Ok(String::new());
                }
                match port.parse::<i64>() {
                    Ok(port) if (0..=65535).contains(&port) => Ok(format!("{host} {port}")),
                    _ => Err("Invalid master port".to_string()),
                }
            }
            _ => Err(wrong_count()),
        },
        "notify-keyspace-events" => match values {
            [classes] => crate::notify::classes_from_letters(classes)
                .map(crate::notify::letters_from_classes)
                .ok_or_else(|| crate::errors::INVALID_EVENT_CLASS.to_string()),
            _ => Err(wrong_count()),
        },
        "oom-score-adj-values" => {
            if values.len() != 3 {
                return Err(wrong_count());
            }
            let mut parsed = Vec::new();
            for value in values {
                match value.parse::<i64>() {
                    Ok(number) if (-2000..=2000).contains(&number) => {
                        parsed.push(number.to_string())
                    }
                    _ => return Err(
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                            .to_string(),
                    ),
                }
            }
            Ok(parsed.join(" "))
        }
        "latency-tracking-info-percentiles" => {
            if values.len() == 1 && values[0].is_empty() {
                return Ok(String::new());
            }
            let mut parsed = Vec::new();
            for value in values {
                let Ok(percentile) = value.parse::<f64>() else {
                    return Err("Invalid latency-tracking-info-percentiles parameters".to_string());
                };
                if !(0.0..=100.0).contains(&percentile) {
                    return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".to_string());
                }
                parsed.push(format!("{percentile}"));
            }
            Ok(parsed.join(" "))
        }
        "client-output-buffer-limit" => client_output_buffer_limits(values, previous),
        _ => Ok(values.join(" ")),
    }
}

/// Updates the `client-output-buffer-limit` classes named in `values`.
fn client_output_buffer_limits(values: &[String], previous: &str) -> Result<String, String> {
    if values.len() % 4 != 0 {
        return Err("Wrong number of arguments in buffer limit configuration.".to_string());
    }
    let mut classes: Vec<Vec<String>> = previous
        .split(' ')
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
    for group in values.chunks(4) {
        let position = match group[0].to_ascii_lowercase().as_str() {
            "normal" => 0,
            "slave" | "replica" => 1,
            "pubsub" => 2,
            _ => {
                return Err(
                    "Invalid client class specified in buffer limit configuration.".to_string(),
                )
            }
        };
        let (Some(hard), Some(soft)) = (memory_value(&group[1]), memory_value(&group[2])) else {
            return Err(
                "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                    .to_string(),
            );
        };
        let Ok(seconds) =
            group[3]
                .parse::<i64>()
                .map_err(|_| ())
                .and_then(|s| if s < 0 { Err(()) } else { Ok(s) })
        else {
            return Err(
                "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                    .to_string(),
            );
        };
        if let Some(class) = classes.get_mut(position) {
            *class = vec![
                class[0].clone(),
                hard.to_string(),
                soft.to_string(),
                seconds.to_string(),
            ];
        }
    }
    Ok(classes
        .iter()
        .map(|class| class.join(" "))
        .collect::<Vec<_>>()
        .join(" "))
}

/// Turns `--name value ...` arguments into config lines, as `redis-server` does.
fn options_to_lines(args: &[String]) -> String {
    let mut text = String::new();
    // Whether the last option name has received at least one value.
    let mut has_value = true;
    for (index, arg) in args.iter().enumerate() {
        let is_last = index + 1 == args.len();
        let next_is_option = args
            .get(index + 1)
            .is_some_and(|next| next.starts_with("--"));
        if has_value && arg.starts_with("--") {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&arg[2..]);
            text.push(' ');
            let words = split_line(arg).map(|w| w.len()).unwrap_or(1);
            if words == 1 {
                has_value = false;
                // Redis compat: `--save` with no value (last, or followed by
                // another option) means `save ""`.
                if arg.eq_ignore_ascii_case("--save") && (is_last || next_is_option) {
                    text.push_str("\"\"");
                    has_value = true;
                } else if arg.eq_ignore_ascii_case("--sentinel") && (is_last || next_is_option) {
                    has_value = true;
                }
            } else {
                // "--maxmemory 700mb" given as one argument carries its value.
                has_value = true;
            }
        } else {
            text.push_str(&repr(arg.as_bytes()));
            text.push(' ');
            has_value = true;
        }
    }
    text
}

/// Parses a memory amount with Redis's units (`k`=1000, `kb`=1024, `m`, `mb`, `g`, `gb`).
pub fn parse_memory(value: &str, min: u64, max: u64) -> Result<u64, String> {
    let lower = value.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(digits_end);
    let multiplier: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return Err("argument must be a memory value".to_string()),
    };
    let amount = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| "argument must be a memory value".to_string())?;
    if amount < min || amount > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(amount)
}

fn absolute_path(path: &str) -> String {
    std::path::absolute(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, ConfigError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match Config::from_args(&args)? {
            Invocation::Run(config) => Ok(*config),
            other => panic!("expected a configuration, got {other:?}"),
        }
    }

    #[test]
    fn command_line_options_override_defaults() {
        let config = run(&[
            "--port",
            "7000",
            "--save",
            "",
            "--appendonly",
            "no",
            "--hz",
            "100",
        ])
        .unwrap();
        assert_eq!(config.port, 7000);
        assert_eq!(config.save, "");
        assert_eq!(config.hz, 100);
    }

    #[test]
    fn save_without_value_means_empty_save() {
        let config = run(&["--save", "--port", "7001"]).unwrap();
        assert_eq!(config.save, "");
        assert_eq!(config.port, 7001);
        assert_eq!(run(&["--port", "7002", "--save"]).unwrap().save, "");
    }

    #[test]
    fn option_and_value_in_one_argument() {
        let config = run(&["--port 7003", "--bind", "127.0.0.1", "::1"]).unwrap();
        assert_eq!(config.port, 7003);
        assert_eq!(config.bind, vec!["127.0.0.1", "::1"]);
    }

    #[test]
    fn errors_read_like_redis() {
        let error = run(&["--port", "abc"]).unwrap_err();
        assert_eq!(error.reason, "argument couldn't be parsed into an integer");
        assert_eq!(error.line, "port \"abc\"");
        assert_eq!(
            run(&["--port"]).unwrap_err().reason,
            "wrong number of arguments"
        );
        assert_eq!(
            run(&["--no-such-option", "1"]).unwrap_err().reason,
            "Bad directive or wrong number of arguments"
        );
        assert_eq!(
            run(&["--port", "70000"]).unwrap_err().reason,
            "argument must be between 0 and 65535 inclusive"
        );
        assert_eq!(
            run(&["--daemonize", "maybe"]).unwrap_err().reason,
            "argument must be 'yes' or 'no'"
        );
    }

    #[test]
    fn known_but_unimplemented_options_are_kept() {
        let config = run(&[
            "--maxmemory",
            "100mb",
            "--replica-lazy-flush",
            "yes",
            "--lazyfree-lazy-eviction",
            "no",
        ])
        .unwrap();
        assert_eq!(
            config.unimplemented,
            vec![
                ("maxmemory".to_string(), "104857600".to_string()),
                ("replica-lazy-flush".to_string(), "yes".to_string())
            ],
            "options left at their default are not reported"
        );
        assert_eq!(config.get("slave-lazy-flush"), Some("yes"));
        assert_eq!(config.get("maxmemory"), Some("104857600"));
    }

    #[test]
    fn values_are_stored_in_canonical_form() {
        let config = run(&[
            "--maxmemory-clients",
            "10%",
            "--unixsocketperm",
            "700",
            "--appendfsync",
            "ALWAYS",
            "--notify-keyspace-events",
            "KEA",
            "--client-output-buffer-limit",
            "pubsub",
            "64mb",
            "16mb",
            "90",
        ])
        .unwrap();
        assert_eq!(config.get("maxmemory-clients"), Some("10%"));
        assert_eq!(config.get("unixsocketperm"), Some("700"));
        assert_eq!(config.get("appendfsync"), Some("always"));
        assert_eq!(config.get("notify-keyspace-events"), Some("AKE"));
        assert_eq!(
            config.get("client-output-buffer-limit"),
            Some("normal 0 0 0 slave 268435456 67108864 60 pubsub 67108864 16777216 90")
        );
    }

    #[test]
    fn save_lines_in_a_file_accumulate() {
        let mut config = Config::default();
        config.load_text("save 900 1\nsave 300 10\n").unwrap();
        assert_eq!(config.get("save"), Some("900 1 300 10"));
        config.load_text("save \"\"\n").unwrap();
        assert_eq!(config.get("save"), Some(""));
    }

    #[test]
    fn number_errors_read_like_redis() {
        assert_eq!(
            run(&["--maxmemory", "lots"]).unwrap_err().reason,
            "argument must be a memory value"
        );
        assert_eq!(
            run(&["--maxmemory-clients", "200%"]).unwrap_err().reason,
            "percentage argument must be less or equal to 100"
        );
        assert_eq!(
            run(&["--unixsocketperm", "999"]).unwrap_err().reason,
            "argument couldn't be parsed as an octal number"
        );
        assert_eq!(
            run(&["--hz", "-1"]).unwrap_err().reason,
            "argument must be between 0 and 2147483647 inclusive"
        );
        assert_eq!(
            run(&["--appendfsync", "sometimes"]).unwrap_err().reason,
            "argument(s) must be one of the following: everysec, always, no"
        );
        assert_eq!(
            run(&["--replicaof", "host", "x"]).unwrap_err().reason,
            "Invalid master port"
        );
    }

    #[test]
    fn memory_units_follow_redis() {
        assert_eq!(parse_memory("1k", 0, u64::MAX), Ok(1000));
        assert_eq!(parse_memory("1kb", 0, u64::MAX), Ok(1024));
        assert_eq!(parse_memory("2GB", 0, u64::MAX), Ok(2 * 1024 * 1024 * 1024));
        assert!(parse_memory("1x", 0, u64::MAX).is_err());
    }

    #[test]
    fn lines_starting_with_a_star_split_as_words() {
        assert_eq!(
            split_line("* -::*").unwrap(),
            vec![b"*".to_vec(), b"-::*".to_vec()]
        );
    }

    #[test]
    fn repr_survives_the_splitter() {
        let nasty = b"a \"b\"\n\\c\x01";
        let line = format!("name {}", repr(nasty));
        assert_eq!(
            split_line(&line).unwrap(),
            vec![b"name".to_vec(), nasty.to_vec()]
        );
    }
}
