//! Every configuration option Redis 7.0 knows, as data: name, alias, type,
//! bounds, default and flags.
//!
//! The config-file parser, `--name value` options, `CONFIG GET` and
//! `CONFIG SET` are all driven by this one table (see `config.rs`), so an
//! option cannot be accepted by one and unknown to another.

/// How an option's value is written and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberUnit {
    /// A plain integer.
    Plain,
    /// A byte count with optional unit (`1gb`, `64k`).
    Memory,
    /// A byte count, or a percentage written `N%`.
    MemoryOrPercent,
    /// An octal number (file permissions).
    Octal,
}

/// The type of an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// `yes` or `no`.
    Bool,
    /// Any string.
    String,
    /// One of the listed names (several, space separated, for multi-arg enums).
    Enum(&'static [&'static str]),
    /// An integer within bounds.
    Number {
        /// Smallest accepted value (for percentages: minus the largest percentage).
        min: i128,
        /// Largest accepted value.
        max: i128,
        /// How it is written.
        unit: NumberUnit,
        /// Compared as unsigned, as Redis does for its unsigned options.
        unsigned: bool,
    },
    /// Parsed by its own rules (`save`, `bind`, `dir`, ...).
    Special,
}

/// Cannot be changed with CONFIG SET.
pub const IMMUTABLE: u8 = 1 << 0;
/// Can be changed only when `enable-protected-configs` allows it.
pub const PROTECTED: u8 = 1 << 1;
/// Value is a secret.
pub const SENSITIVE: u8 = 1 << 2;
/// Not matched by CONFIG GET patterns, only by exact name.
pub const HIDDEN: u8 = 1 << 3;
/// Takes several arguments in the config file.
pub const MULTI_ARG: u8 = 1 << 4;

/// String options that Redis stores as "no value" when set to an empty
/// string; CONFIG REWRITE leaves such an option out of the file.
pub const EMPTY_STRING_IS_NULL: &[&str] = &[
    "unixsocket",
    "pidfile",
    "replica-announce-ip",
    "masteruser",
    "cluster-announce-ip",
    "cluster-announce-hostname",
    "server_cpulist",
    "bio_cpulist",
    "aof_rewrite_cpulist",
    "bgsave_cpulist",
    "bind-source-addr",
    "masterauth",
    "requirepass",
    "tls-cert-file",
    "tls-key-file",
    "tls-key-file-pass",
    "tls-client-cert-file",
    "tls-client-key-file",
    "tls-client-key-file-pass",
    "tls-dh-params-file",
    "tls-ca-cert-file",
    "tls-ca-cert-dir",
    "tls-protocols",
    "tls-ciphers",
    "tls-ciphersuites",
];

/// One option.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// Canonical name.
    pub name: &'static str,
    /// Old name still accepted (`slaveof`, `*-ziplist-*`).
    pub alias: Option<&'static str>,
    /// Type.
    pub kind: OptionKind,
    /// Default, as CONFIG GET shows it.
    pub default: &'static str,
    /// Flag bits above.
    pub flags: u8,
}

/// Every option, in Redis's declaration order.
pub const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "rdbchecksum",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "daemonize",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "io-threads-do-reads",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "always-show-logo",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "protected-mode",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "rdbcompression",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "rdb-del-sync-files",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "activerehashing",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "stop-writes-on-bgsave-error",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "set-proc-title",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "dynamic-hz",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "lazyfree-lazy-eviction",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "lazyfree-lazy-expire",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "lazyfree-lazy-server-del",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "lazyfree-lazy-user-del",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "lazyfree-lazy-user-flush",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "repl-disable-tcp-nodelay",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "repl-diskless-sync",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "aof-rewrite-incremental-fsync",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "no-appendfsync-on-rewrite",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-require-full-coverage",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "rdb-save-incremental-fsync",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "aof-load-truncated",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "aof-use-rdb-preamble",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "aof-timestamp-enabled",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-replica-no-failover",
        alias: Some("cluster-slave-no-failover"),
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "replica-lazy-flush",
        alias: Some("slave-lazy-flush"),
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "replica-serve-stale-data",
        alias: Some("slave-serve-stale-data"),
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "replica-read-only",
        alias: Some("slave-read-only"),
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "replica-ignore-maxmemory",
        alias: Some("slave-ignore-maxmemory"),
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "jemalloc-bg-thread",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "activedefrag",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "syslog-enabled",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "cluster-enabled",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "appendonly",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-allow-reads-when-down",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-allow-pubsubshard-when-down",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "crash-log-enabled",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "crash-memcheck-enabled",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "use-exit-on-panic",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: HIDDEN,
    },
    OptionSpec {
        name: "disable-thp",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "cluster-allow-replica-migration",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "replica-announced",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "latency-tracking",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "aof-disable-auto-gc",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "replica-ignore-disk-write-errors",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "aclfile",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "unixsocket",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "pidfile",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "replica-announce-ip",
        alias: Some("slave-announce-ip"),
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "masteruser",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: SENSITIVE,
    },
    OptionSpec {
        name: "cluster-announce-ip",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-config-file",
        alias: None,
        kind: OptionKind::String,
        default: "nodes.conf",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "cluster-announce-hostname",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "syslog-ident",
        alias: None,
        kind: OptionKind::String,
        default: "redis",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "dbfilename",
        alias: None,
        kind: OptionKind::String,
        default: "dump.rdb",
        flags: PROTECTED,
    },
    OptionSpec {
        name: "appendfilename",
        alias: None,
        kind: OptionKind::String,
        default: "appendonly.aof",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "appenddirname",
        alias: None,
        kind: OptionKind::String,
        default: "appendonlydir",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "server_cpulist",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "bio_cpulist",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "aof_rewrite_cpulist",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "bgsave_cpulist",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "ignore-warnings",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "proc-title-template",
        alias: None,
        kind: OptionKind::String,
        default: "{title} {listen-addr} {server-mode}",
        flags: 0,
    },
    OptionSpec {
        name: "bind-source-addr",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "logfile",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "masterauth",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: SENSITIVE,
    },
    OptionSpec {
        name: "requirepass",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: SENSITIVE,
    },
    OptionSpec {
        name: "supervised",
        alias: None,
        kind: OptionKind::Enum(&["upstart", "systemd", "auto", "no"]),
        default: "no",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "syslog-facility",
        alias: None,
        kind: OptionKind::Enum(&[
            "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
        ]),
        default: "local0",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "repl-diskless-load",
        alias: None,
        kind: OptionKind::Enum(&["disabled", "on-empty-db", "swapdb"]),
        default: "disabled",
        flags: 0,
    },
    OptionSpec {
        name: "loglevel",
        alias: None,
        kind: OptionKind::Enum(&["debug", "verbose", "notice", "warning"]),
        default: "notice",
        flags: 0,
    },
    OptionSpec {
        name: "maxmemory-policy",
        alias: None,
        kind: OptionKind::Enum(&[
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "noeviction",
        ]),
        default: "noeviction",
        flags: 0,
    },
    OptionSpec {
        name: "appendfsync",
        alias: None,
        kind: OptionKind::Enum(&["everysec", "always", "no"]),
        default: "everysec",
        flags: 0,
    },
    OptionSpec {
        name: "oom-score-adj",
        alias: None,
        kind: OptionKind::Enum(&["no", "yes", "relative", "absolute"]),
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "acl-pubsub-default",
        alias: None,
        kind: OptionKind::Enum(&["allchannels", "resetchannels"]),
        default: "resetchannels",
        flags: 0,
    },
    OptionSpec {
        name: "sanitize-dump-payload",
        alias: None,
        kind: OptionKind::Enum(&["no", "yes", "clients"]),
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "enable-protected-configs",
        alias: None,
        kind: OptionKind::Enum(&["no", "yes", "local"]),
        default: "no",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "enable-debug-command",
        alias: None,
        kind: OptionKind::Enum(&["no", "yes", "local"]),
        default: "no",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "enable-module-command",
        alias: None,
        kind: OptionKind::Enum(&["no", "yes", "local"]),
        default: "no",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "cluster-preferred-endpoint-type",
        alias: None,
        kind: OptionKind::Enum(&["ip", "hostname", "unknown-endpoint"]),
        default: "ip",
        flags: 0,
    },
    OptionSpec {
        name: "propagation-error-behavior",
        alias: None,
        kind: OptionKind::Enum(&["ignore", "panic", "panic-on-replicas"]),
        default: "ignore",
        flags: 0,
    },
    OptionSpec {
        name: "shutdown-on-sigint",
        alias: None,
        kind: OptionKind::Enum(&["default", "save", "nosave", "now", "force"]),
        default: "default",
        flags: MULTI_ARG,
    },
    OptionSpec {
        name: "shutdown-on-sigterm",
        alias: None,
        kind: OptionKind::Enum(&["default", "save", "nosave", "now", "force"]),
        default: "default",
        flags: MULTI_ARG,
    },
    OptionSpec {
        name: "databases",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "16",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "port",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 65535,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "6379",
        flags: 0,
    },
    OptionSpec {
        name: "io-threads",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 128,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "1",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "auto-aof-rewrite-percentage",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "100",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-replica-validity-factor",
        alias: Some("cluster-slave-validity-factor"),
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "10",
        flags: 0,
    },
    OptionSpec {
        name: "list-max-listpack-size",
        alias: Some("list-max-ziplist-size"),
        kind: OptionKind::Number {
            min: -2147483648,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "-2",
        flags: 0,
    },
    OptionSpec {
        name: "tcp-keepalive",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "300",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-migration-barrier",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "1",
        flags: 0,
    },
    OptionSpec {
        name: "active-defrag-cycle-min",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 99,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "1",
        flags: 0,
    },
    OptionSpec {
        name: "active-defrag-cycle-max",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 99,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "25",
        flags: 0,
    },
    OptionSpec {
        name: "active-defrag-threshold-lower",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 1000,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "10",
        flags: 0,
    },
    OptionSpec {
        name: "active-defrag-threshold-upper",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 1000,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "100",
        flags: 0,
    },
    OptionSpec {
        name: "lfu-log-factor",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "10",
        flags: 0,
    },
    OptionSpec {
        name: "lfu-decay-time",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "1",
        flags: 0,
    },
    OptionSpec {
        name: "replica-priority",
        alias: Some("slave-priority"),
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "100",
        flags: 0,
    },
    OptionSpec {
        name: "repl-diskless-sync-delay",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "5",
        flags: 0,
    },
    OptionSpec {
        name: "maxmemory-samples",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "5",
        flags: 0,
    },
    OptionSpec {
        name: "maxmemory-eviction-tenacity",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 100,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "10",
        flags: 0,
    },
    OptionSpec {
        name: "timeout",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "replica-announce-port",
        alias: Some("slave-announce-port"),
        kind: OptionKind::Number {
            min: 0,
            max: 65535,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "tcp-backlog",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "511",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "cluster-port",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 65535,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "cluster-announce-bus-port",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 65535,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-announce-port",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 65535,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-announce-tls-port",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 65535,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "repl-timeout",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "60",
        flags: 0,
    },
    OptionSpec {
        name: "repl-ping-replica-period",
        alias: Some("repl-ping-slave-period"),
        kind: OptionKind::Number {
            min: 1,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "10",
        flags: 0,
    },
    OptionSpec {
        name: "list-compress-depth",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "rdb-key-save-delay",
        alias: None,
        kind: OptionKind::Number {
            min: -2147483648,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: HIDDEN,
    },
    OptionSpec {
        name: "key-load-delay",
        alias: None,
        kind: OptionKind::Number {
            min: -2147483648,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: HIDDEN,
    },
    OptionSpec {
        name: "active-expire-effort",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 10,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "1",
        flags: 0,
    },
    OptionSpec {
        name: "hz",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "10",
        flags: 0,
    },
    OptionSpec {
        name: "min-replicas-to-write",
        alias: Some("min-slaves-to-write"),
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "min-replicas-max-lag",
        alias: Some("min-slaves-max-lag"),
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "10",
        flags: 0,
    },
    OptionSpec {
        name: "watchdog-period",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: HIDDEN,
    },
    OptionSpec {
        name: "shutdown-timeout",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "10",
        flags: 0,
    },
    OptionSpec {
        name: "repl-diskless-sync-max-replicas",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "maxclients",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 4294967295,
            unit: NumberUnit::Plain,
            unsigned: true,
        },
        default: "10000",
        flags: 0,
    },
    OptionSpec {
        name: "unixsocketperm",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 511,
            unit: NumberUnit::Octal,
            unsigned: true,
        },
        default: "0",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "socket-mark-id",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 4294967295,
            unit: NumberUnit::Plain,
            unsigned: true,
        },
        default: "0",
        flags: IMMUTABLE,
    },
    OptionSpec {
        name: "active-defrag-max-scan-fields",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: true,
        },
        default: "1000",
        flags: 0,
    },
    OptionSpec {
        name: "slowlog-max-len",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: true,
        },
        default: "128",
        flags: 0,
    },
    OptionSpec {
        name: "acllog-max-len",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: true,
        },
        default: "128",
        flags: 0,
    },
    OptionSpec {
        name: "busy-reply-threshold",
        alias: Some("lua-time-limit"),
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "5000",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-node-timeout",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "15000",
        flags: 0,
    },
    OptionSpec {
        name: "slowlog-log-slower-than",
        alias: None,
        kind: OptionKind::Number {
            min: -1,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "10000",
        flags: 0,
    },
    OptionSpec {
        name: "latency-monitor-threshold",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "proto-max-bulk-len",
        alias: None,
        kind: OptionKind::Number {
            min: 1048576,
            max: 9223372036854775807,
            unit: NumberUnit::Memory,
            unsigned: false,
        },
        default: "536870912",
        flags: 0,
    },
    OptionSpec {
        name: "stream-node-max-entries",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "100",
        flags: 0,
    },
    OptionSpec {
        name: "repl-backlog-size",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 9223372036854775807,
            unit: NumberUnit::Memory,
            unsigned: false,
        },
        default: "1048576",
        flags: 0,
    },
    OptionSpec {
        name: "maxmemory",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: u64::MAX as i128,
            unit: NumberUnit::Memory,
            unsigned: true,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "cluster-link-sendbuf-limit",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: u64::MAX as i128,
            unit: NumberUnit::Memory,
            unsigned: true,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "hash-max-listpack-entries",
        alias: Some("hash-max-ziplist-entries"),
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: true,
        },
        default: "512",
        flags: 0,
    },
    OptionSpec {
        name: "set-max-intset-entries",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: true,
        },
        default: "512",
        flags: 0,
    },
    OptionSpec {
        name: "zset-max-listpack-entries",
        alias: Some("zset-max-ziplist-entries"),
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: true,
        },
        default: "128",
        flags: 0,
    },
    OptionSpec {
        name: "active-defrag-ignore-bytes",
        alias: None,
        kind: OptionKind::Number {
            min: 1,
            max: 9223372036854775807,
            unit: NumberUnit::Memory,
            unsigned: true,
        },
        default: "104857600",
        flags: 0,
    },
    OptionSpec {
        name: "hash-max-listpack-value",
        alias: Some("hash-max-ziplist-value"),
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Memory,
            unsigned: true,
        },
        default: "64",
        flags: 0,
    },
    OptionSpec {
        name: "stream-node-max-bytes",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Memory,
            unsigned: true,
        },
        default: "4096",
        flags: 0,
    },
    OptionSpec {
        name: "zset-max-listpack-value",
        alias: Some("zset-max-ziplist-value"),
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Memory,
            unsigned: true,
        },
        default: "64",
        flags: 0,
    },
    OptionSpec {
        name: "hll-sparse-max-bytes",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Memory,
            unsigned: true,
        },
        default: "3000",
        flags: 0,
    },
    OptionSpec {
        name: "tracking-table-max-keys",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: true,
        },
        default: "1000000",
        flags: 0,
    },
    OptionSpec {
        name: "client-query-buffer-limit",
        alias: None,
        kind: OptionKind::Number {
            min: 1048576,
            max: 9223372036854775807,
            unit: NumberUnit::Memory,
            unsigned: true,
        },
        default: "1073741824",
        flags: 0,
    },
    OptionSpec {
        name: "maxmemory-clients",
        alias: None,
        kind: OptionKind::Number {
            min: -100,
            max: 9223372036854775807,
            unit: NumberUnit::MemoryOrPercent,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "repl-backlog-ttl",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "3600",
        flags: 0,
    },
    OptionSpec {
        name: "auto-aof-rewrite-min-size",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 9223372036854775807,
            unit: NumberUnit::Memory,
            unsigned: false,
        },
        default: "67108864",
        flags: 0,
    },
    OptionSpec {
        name: "loading-process-events-interval-bytes",
        alias: None,
        kind: OptionKind::Number {
            min: 1024,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "2097152",
        flags: HIDDEN,
    },
    OptionSpec {
        name: "tls-port",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 65535,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "0",
        flags: 0,
    },
    OptionSpec {
        name: "tls-session-cache-size",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "20480",
        flags: 0,
    },
    OptionSpec {
        name: "tls-session-cache-timeout",
        alias: None,
        kind: OptionKind::Number {
            min: 0,
            max: 2147483647,
            unit: NumberUnit::Plain,
            unsigned: false,
        },
        default: "300",
        flags: 0,
    },
    OptionSpec {
        name: "tls-cluster",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "tls-replication",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "tls-auth-clients",
        alias: None,
        kind: OptionKind::Enum(&["no", "yes", "optional"]),
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "tls-prefer-server-ciphers",
        alias: None,
        kind: OptionKind::Bool,
        default: "no",
        flags: 0,
    },
    OptionSpec {
        name: "tls-session-caching",
        alias: None,
        kind: OptionKind::Bool,
        default: "yes",
        flags: 0,
    },
    OptionSpec {
        name: "tls-cert-file",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-key-file",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-key-file-pass",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-client-cert-file",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-client-key-file",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-client-key-file-pass",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-dh-params-file",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-ca-cert-file",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-ca-cert-dir",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-protocols",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-ciphers",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "tls-ciphersuites",
        alias: None,
        kind: OptionKind::String,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "dir",
        alias: None,
        kind: OptionKind::Special,
        default: "",
        flags: PROTECTED,
    },
    OptionSpec {
        name: "save",
        alias: None,
        kind: OptionKind::Special,
        default: "3600 1 300 100 60 10000",
        flags: MULTI_ARG,
    },
    OptionSpec {
        name: "client-output-buffer-limit",
        alias: None,
        kind: OptionKind::Special,
        default: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        flags: MULTI_ARG,
    },
    OptionSpec {
        name: "oom-score-adj-values",
        alias: None,
        kind: OptionKind::Special,
        default: "0 200 800",
        flags: MULTI_ARG,
    },
    OptionSpec {
        name: "notify-keyspace-events",
        alias: None,
        kind: OptionKind::Special,
        default: "",
        flags: 0,
    },
    OptionSpec {
        name: "bind",
        alias: None,
        kind: OptionKind::Special,
        default: "* -::*",
        flags: MULTI_ARG,
    },
    OptionSpec {
        name: "replicaof",
        alias: Some("slaveof"),
        kind: OptionKind::Special,
        default: "",
        flags: IMMUTABLE | MULTI_ARG,
    },
    OptionSpec {
        name: "latency-tracking-info-percentiles",
        alias: None,
        kind: OptionKind::Special,
        default: "50 99 99.9",
        flags: MULTI_ARG,
    },
];

/// The index of the option called `name` (canonical or alias, any case).
pub fn find(name: &str) -> Option<usize> {
    OPTIONS.iter().position(|spec| {
        spec.name.eq_ignore_ascii_case(name)
            || spec
                .alias
                .is_some_and(|alias| alias.eq_ignore_ascii_case(name))
    })
}

/// Options whose values are secrets: CONFIG SET shows `(redacted)` in
/// their place to MONITOR and the slow log.
pub fn is_sensitive(name: &str) -> bool {
    ["masteruser", "masterauth", "requirepass"]
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique_and_lower_case() {
        let mut seen = std::collections::HashSet::new();
        for spec in OPTIONS {
            for name in std::iter::once(spec.name).chain(spec.alias) {
                assert_eq!(name, name.to_ascii_lowercase());
                assert!(seen.insert(name), "{name} declared twice");
            }
        }
        assert_eq!(find("SLAVEOF"), find("replicaof"));
    }

    #[test]
    fn empty_string_is_null_names_string_options() {
        for name in EMPTY_STRING_IS_NULL {
            let index = find(name).unwrap_or_else(|| panic!("{name} is not an option"));
            assert_eq!(OPTIONS[index].kind, OptionKind::String, "{name}");
        }
    }
}
