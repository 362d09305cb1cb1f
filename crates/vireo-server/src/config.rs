//! Configuration: defaults, the `redis.conf` file format and `--name value`
//! command-line options, parsed the way `redis-server` parses them.
//!
//! Command-line options are turned into config lines appended after the
//! file (`--port 7000` becomes `port "7000"`), so both share one parser and
//! the last occurrence of a directive wins, as in Redis.

use std::fmt;

/// Options Redis 7.0 knows (names and aliases). Those Vireo does not act on
/// yet are accepted with a warning, so existing config files keep working.
const REDIS_OPTIONS: &[&str] = &[
    "acl-pubsub-default",
    "aclfile",
    "acllog-max-len",
    "active-defrag-cycle-max",
    "active-defrag-cycle-min",
    "active-defrag-ignore-bytes",
    "active-defrag-max-scan-fields",
    "active-defrag-threshold-lower",
    "active-defrag-threshold-upper",
    "active-expire-effort",
    "activedefrag",
    "activerehashing",
    "always-show-logo",
    "aof-disable-auto-gc",
    "aof-load-truncated",
    "aof-rewrite-incremental-fsync",
    "aof-timestamp-enabled",
    "aof-use-rdb-preamble",
    "appenddirname",
    "appendfilename",
    "appendfsync",
    "appendonly",
    "auto-aof-rewrite-min-size",
    "auto-aof-rewrite-percentage",
    "bind",
    "bind-source-addr",
    "busy-reply-threshold",
    "client-output-buffer-limit",
    "client-query-buffer-limit",
    "cluster-allow-pubsubshard-when-down",
    "cluster-allow-reads-when-down",
    "cluster-allow-replica-migration",
    "cluster-announce-bus-port",
    "cluster-announce-hostname",
    "cluster-announce-ip",
    "cluster-announce-port",
    "cluster-announce-tls-port",
    "cluster-config-file",
    "cluster-enabled",
    "cluster-link-sendbuf-limit",
    "cluster-migration-barrier",
    "cluster-node-timeout",
    "cluster-port",
    "cluster-preferred-endpoint-type",
    "cluster-replica-no-failover",
    "cluster-replica-validity-factor",
    "cluster-require-full-coverage",
    "cluster-slave-no-failover",
    "cluster-slave-validity-factor",
    "crash-log-enabled",
    "crash-memcheck-enabled",
    "daemonize",
    "databases",
    "dbfilename",
    "dir",
    "disable-thp",
    "dynamic-hz",
    "enable-debug-command",
    "enable-module-command",
    "enable-protected-configs",
    "hash-max-listpack-entries",
    "hash-max-listpack-value",
    "hash-max-ziplist-entries",
    "hash-max-ziplist-value",
    "hll-sparse-max-bytes",
    "hz",
    "ignore-warnings",
    "include",
    "io-threads",
    "io-threads-do-reads",
    "jemalloc-bg-thread",
    "key-load-delay",
    "latency-monitor-threshold",
    "latency-tracking",
    "latency-tracking-info-percentiles",
    "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del",
    "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush",
    "lfu-decay-time",
    "lfu-log-factor",
    "list-compress-depth",
    "list-max-listpack-size",
    "list-max-ziplist-size",
    "loading-process-events-interval-bytes",
    "loadmodule",
    "logfile",
    "loglevel",
    "lua-time-limit",
    "masterauth",
    "masteruser",
    "maxclients",
    "maxmemory",
    "maxmemory-clients",
    "maxmemory-eviction-tenacity",
    "maxmemory-policy",
    "maxmemory-samples",
    "min-replicas-max-lag",
    "min-replicas-to-write",
    "min-slaves-max-lag",
    "min-slaves-to-write",
    "no-appendfsync-on-rewrite",
    "notify-keyspace-events",
    "oom-score-adj",
    "oom-score-adj-values",
    "pidfile",
    "port",
    "proc-title-template",
    "propagation-error-behavior",
    "protected-mode",
    "proto-max-bulk-len",
    "rdb-del-sync-files",
    "rdb-key-save-delay",
    "rdb-save-incremental-fsync",
    "rdbchecksum",
    "rdbcompression",
    "rename-command",
    "repl-backlog-size",
    "repl-backlog-ttl",
    "repl-disable-tcp-nodelay",
    "repl-diskless-load",
    "repl-diskless-sync",
    "repl-diskless-sync-delay",
    "repl-diskless-sync-max-replicas",
    "repl-ping-replica-period",
    "repl-ping-slave-period",
    "repl-timeout",
    "replica-announce-ip",
    "replica-announce-port",
    "replica-announced",
    "replica-ignore-disk-write-errors",
    "replica-ignore-maxmemory",
    "replica-lazy-flush",
    "replica-priority",
    "replica-read-only",
    "replica-serve-stale-data",
    "replicaof",
    "requirepass",
    "sanitize-dump-payload",
    "save",
    "sentinel",
    "set-max-intset-entries",
    "set-proc-title",
    "shutdown-on-sigint",
    "shutdown-on-sigterm",
    "shutdown-timeout",
    "slave-announce-ip",
    "slave-announce-port",
    "slave-ignore-maxmemory",
    "slave-lazy-flush",
    "slave-priority",
    "slave-read-only",
    "slave-serve-stale-data",
    "slaveof",
    "slowlog-log-slower-than",
    "slowlog-max-len",
    "socket-mark-id",
    "stop-writes-on-bgsave-error",
    "stream-node-max-bytes",
    "stream-node-max-entries",
    "supervised",
    "syslog-enabled",
    "syslog-facility",
    "syslog-ident",
    "tcp-backlog",
    "tcp-keepalive",
    "timeout",
    "tls-auth-clients",
    "tls-ca-cert-dir",
    "tls-ca-cert-file",
    "tls-cert-file",
    "tls-ciphers",
    "tls-ciphersuites",
    "tls-client-cert-file",
    "tls-client-key-file",
    "tls-client-key-file-pass",
    "tls-cluster",
    "tls-dh-params-file",
    "tls-key-file",
    "tls-key-file-pass",
    "tls-port",
    "tls-prefer-server-ciphers",
    "tls-protocols",
    "tls-replication",
    "tls-session-cache-size",
    "tls-session-cache-timeout",
    "tls-session-caching",
    "tracking-table-max-keys",
    "unixsocket",
    "unixsocketperm",
    "use-exit-on-panic",
    "user",
    "watchdog-period",
    "zset-max-listpack-entries",
    "zset-max-listpack-value",
    "zset-max-ziplist-entries",
    "zset-max-ziplist-value",
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
    /// `save` points as configured (kept for `CONFIG GET`; persistence comes later).
    pub save: String,
    /// `appendonly`.
    pub appendonly: bool,
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
    /// Config file path, if one was given.
    pub config_file: Option<String>,
    /// Redis options accepted but not acted on yet: (name, value) as given.
    pub unimplemented: Vec<(String, String)>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            port: 6379,
            bind: vec!["*".to_string(), "-::*".to_string()],
            unixsocket: None,
            tcp_backlog: 511,
            hz: 10,
            databases: 16,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            daemonize: false,
            pidfile: String::new(),
            dir: ".".to_string(),
            save: "3600 1 300 100 60 10000".to_string(),
            appendonly: false,
            protected_mode: true,
            requirepass: None,
            maxclients: 10000,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            enable_debug_command: ProtectedAccess::No,
            enable_module_command: ProtectedAccess::No,
            enable_protected_configs: ProtectedAccess::No,
            timeout: 0,
            always_show_logo: false,
            config_file: None,
            unimplemented: Vec::new(),
        }
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

/// Splits one config line into arguments with Redis's quoting rules.
pub fn split_line(line: &str) -> Result<Vec<Vec<u8>>, ()> {
    let mut decoder = vireo_resp::RequestDecoder::new();
    let mut args = vireo_resp::Args::new();
    let mut text = Vec::with_capacity(line.len() + 1);
    text.extend_from_slice(line.as_bytes());
    text.push(b'\n');
    let limits = vireo_resp::RequestLimits {
        max_inline_len: usize::MAX,
        ..Default::default()
    };
    match decoder.decode(&text, &limits, &mut args) {
        Ok(Some(_)) => Ok(args.view(&text).iter().map(<[u8]>::to_vec).collect()),
        _ => Err(()),
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
        let multi_arg = matches!(
            name,
            "save"
                | "bind"
                | "client-output-buffer-limit"
                | "oom-score-adj-values"
                | "replicaof"
                | "slaveof"
                | "latency-tracking-info-percentiles"
                | "user"
                | "rename-command"
                | "loadmodule"
                | "sentinel"
        );
        if !REDIS_OPTIONS.contains(&name) {
            return Err("Bad directive or wrong number of arguments".to_string());
        }
        if !multi_arg && values.len() != 1 {
            return Err("wrong number of arguments".to_string());
        }
        let value = values.first().map(String::as_str).unwrap_or("");
        match name {
            "port" => self.port = parse_int(value, 0, 65535)? as u16,
            "bind" => {
                if values.is_empty() {
                    return Err("wrong number of arguments".to_string());
                }
                self.bind = values.to_vec();
            }
            "unixsocket" => self.unixsocket = (!value.is_empty()).then(|| value.to_string()),
            "tcp-backlog" => self.tcp_backlog = parse_int(value, 0, i32::MAX as i64)? as u32,
            // Redis compat: out-of-range hz values are clamped, not rejected.
            "hz" => self.hz = parse_int(value, 0, i32::MAX as i64)?.clamp(1, 500) as u32,
            "databases" => self.databases = parse_int(value, 1, i32::MAX as i64)? as usize,
            "loglevel" => {
                self.loglevel = match value.to_ascii_lowercase().as_str() {
                    "debug" => LogLevel::Debug,
                    "verbose" => LogLevel::Verbose,
                    "notice" => LogLevel::Notice,
                    "warning" => LogLevel::Warning,
                    _ => return Err(
                        "argument(s) must be one of the following: debug, verbose, notice, warning"
                            .to_string(),
                    ),
                }
            }
            "logfile" => self.logfile = value.to_string(),
            "daemonize" => self.daemonize = parse_bool(value)?,
            "pidfile" => self.pidfile = value.to_string(),
            "dir" => self.dir = value.to_string(),
            "save" => {
                if values.len() % 2 != 0 && !(values.len() == 1 && value.is_empty()) {
                    return Err("Invalid save parameters".to_string());
                }
                for pair in values.chunks(2) {
                    if pair.len() == 2
                        && (pair[0].parse::<u64>().is_err() || pair[1].parse::<u64>().is_err())
                    {
                        return Err("Invalid save parameters".to_string());
                    }
                }
                self.save = values.join(" ");
            }
            "appendonly" => self.appendonly = parse_bool(value)?,
            "protected-mode" => self.protected_mode = parse_bool(value)?,
            "requirepass" => {
                self.requirepass = (!value.is_empty()).then(|| value.as_bytes().to_vec())
            }
            "maxclients" => self.maxclients = parse_int(value, 1, i32::MAX as i64)? as usize,
            "proto-max-bulk-len" => {
                self.proto_max_bulk_len = parse_memory(value, 1024 * 1024, i64::MAX as u64)?
            }
            "client-query-buffer-limit" => {
                self.client_query_buffer_limit = parse_memory(value, 1024 * 1024, i64::MAX as u64)?
            }
            "enable-debug-command" => self.enable_debug_command = parse_protected(value)?,
            "enable-module-command" => self.enable_module_command = parse_protected(value)?,
            "enable-protected-configs" => self.enable_protected_configs = parse_protected(value)?,
            "timeout" => self.timeout = parse_int(value, 0, i32::MAX as i64)? as u64,
            "always-show-logo" => self.always_show_logo = parse_bool(value)?,
            _ => self
                .unimplemented
                .push((name.to_string(), values.join(" "))),
        }
        Ok(())
    }
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

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".to_string()),
    }
}

fn parse_protected(value: &str) -> Result<ProtectedAccess, String> {
    match value.to_ascii_lowercase().as_str() {
        "no" => Ok(ProtectedAccess::No),
        "yes" => Ok(ProtectedAccess::Yes),
        "local" => Ok(ProtectedAccess::Local),
        _ => Err("argument(s) must be one of the following: no, yes, local".to_string()),
    }
}

fn parse_int(value: &str, min: i64, max: i64) -> Result<i64, String> {
    let parsed = vireo_core::util::parse_i64(value.as_bytes())
        .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
    if parsed < min || parsed > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(parsed)
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
        let config = run(&["--maxmemory", "100mb", "--slave-read-only", "yes"]).unwrap();
        assert_eq!(
            config.unimplemented,
            vec![
                ("maxmemory".to_string(), "100mb".to_string()),
                ("slave-read-only".to_string(), "yes".to_string())
            ]
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
    fn repr_survives_the_splitter() {
        let nasty = b"a \"b\"\n\\c\x01";
        let line = format!("name {}", repr(nasty));
        assert_eq!(
            split_line(&line).unwrap(),
            vec![b"name".to_vec(), nasty.to_vec()]
        );
    }
}
