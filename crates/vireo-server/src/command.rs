//! Command metadata, declared once.
//!
//! Every command is a [`CommandSpec`] value in [`crate::cmd::TABLE`]: name,
//! arity, flags, ACL categories, key specs, documentation and handler. The
//! gate ([`crate::server::Server::process_command`]), `COMMAND INFO`,
//! `COMMAND DOCS`, `COMMAND LIST` and `COMMAND COUNT` all read this one
//! table, so they cannot disagree.

use std::collections::HashMap;
use std::sync::OnceLock;

use vireo_resp::Argv;

use crate::client::Client;
use crate::server::Server;

/// A command handler. The gate has already checked existence and arity.
pub type Handler = fn(&mut Server, &mut Client, Argv<'_>);

/// Command flags, in the order `COMMAND INFO` lists them.
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u64 = 1 << 0;
    /// Only reads the keyspace.
    pub const READONLY: u64 = 1 << 1;
    /// May grow memory use: refused when over `maxmemory`.
    pub const DENYOOM: u64 = 1 << 2;
    /// Implemented by a module.
    pub const MODULE: u64 = 1 << 3;
    /// An administrative command.
    pub const ADMIN: u64 = 1 << 4;
    /// A pub/sub command.
    pub const PUBSUB: u64 = 1 << 5;
    /// Not allowed in scripts.
    pub const NOSCRIPT: u64 = 1 << 6;
    /// May block the client.
    pub const BLOCKING: u64 = 1 << 7;
    /// Allowed while loading the dataset.
    pub const LOADING: u64 = 1 << 8;
    /// Allowed on a replica with stale data.
    pub const STALE: u64 = 1 << 9;
    /// Not shown to MONITOR.
    pub const SKIP_MONITOR: u64 = 1 << 10;
    /// Not recorded in the slow log.
    pub const SKIP_SLOWLOG: u64 = 1 << 11;
    /// Cluster: accepted on an importing slot after ASKING.
    pub const ASKING: u64 = 1 << 12;
    /// O(1) or O(log N): never delays the server noticeably.
    pub const FAST: u64 = 1 << 13;
    /// Allowed before authentication.
    pub const NO_AUTH: u64 = 1 << 14;
    /// May replicate even though it is not a write.
    pub const MAY_REPLICATE: u64 = 1 << 15;
    /// Sentinel mode command.
    pub const SENTINEL: u64 = 1 << 16;
    /// Only in sentinel mode.
    pub const ONLY_SENTINEL: u64 = 1 << 17;
    /// Keys are optional.
    pub const NO_MANDATORY_KEYS: u64 = 1 << 18;
    /// Needs a protected-config option to run.
    pub const PROTECTED: u64 = 1 << 19;
    /// Refused during async loading.
    pub const NO_ASYNC_LOADING: u64 = 1 << 20;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u64 = 1 << 21;
    /// Key positions depend on the arguments.
    pub const MOVABLEKEYS: u64 = 1 << 22;
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: u64 = 1 << 23;
    /// May touch keys it does not name (SCAN, RANDOMKEY expire keys they
    /// come across): its propagated deletions are not wrapped in MULTI.
    pub const TOUCHES_ARBITRARY_KEYS: u64 = 1 << 24;

    /// Names in bit order.
    pub const NAMES: [&str; 25] = [
        "write",
        "readonly",
        "denyoom",
        "module",
        "admin",
        "pubsub",
        "noscript",
        "blocking",
        "loading",
        "stale",
        "skip_monitor",
        "skip_slowlog",
        "asking",
        "fast",
        "no_auth",
        "may_replicate",
        "sentinel",
        "only_sentinel",
        "no_mandatory_keys",
        "protected",
        "no_async_loading",
        "no_multi",
        "movablekeys",
        "allow_busy",
        "touches_arbitrary_keys",
    ];
}

/// ACL categories, in the order `COMMAND INFO` lists them.
pub mod acl {
    /// Names in bit order; the bit of a category is `1 << index`.
    pub const NAMES: [&str; 21] = [
        "keyspace",
        "read",
        "write",
        "set",
        "sortedset",
        "list",
        "hash",
        "string",
        "bitmap",
        "hyperloglog",
        "geo",
        "stream",
        "pubsub",
        "admin",
        "fast",
        "slow",
        "blocking",
        "dangerous",
        "connection",
        "transaction",
        "scripting",
    ];
    /// `@keyspace`.
    pub const KEYSPACE: u64 = 1 << 0;
    /// `@read`.
    pub const READ: u64 = 1 << 1;
    /// `@write`.
    pub const WRITE: u64 = 1 << 2;
    /// `@set`.
    pub const SET: u64 = 1 << 3;
    /// `@sortedset`.
    pub const SORTEDSET: u64 = 1 << 4;
    /// `@list`.
    pub const LIST: u64 = 1 << 5;
    /// `@hash`.
    pub const HASH: u64 = 1 << 6;
    /// `@string`.
    pub const STRING: u64 = 1 << 7;
    /// `@bitmap`.
    pub const BITMAP: u64 = 1 << 8;
    /// `@geo`.
    pub const GEO: u64 = 1 << 10;
    /// `@hyperloglog`.
    pub const HYPERLOGLOG: u64 = 1 << 9;
    /// `@stream`.
    pub const STREAM: u64 = 1 << 11;
    /// `@pubsub`.
    pub const PUBSUB: u64 = 1 << 12;
    /// `@admin`.
    pub const ADMIN: u64 = 1 << 13;
    /// `@fast`.
    pub const FAST: u64 = 1 << 14;
    /// `@slow`.
    pub const SLOW: u64 = 1 << 15;
    /// `@blocking`.
    pub const BLOCKING: u64 = 1 << 16;
    /// `@dangerous`.
    pub const DANGEROUS: u64 = 1 << 17;
    /// `@connection`.
    pub const CONNECTION: u64 = 1 << 18;
    /// `@scripting`.
    pub const SCRIPTING: u64 = 1 << 20;
}

/// Where the search for keys starts.
#[derive(Debug, Clone, Copy)]
pub enum BeginSearch {
    /// At a fixed argument index.
    Index(i32),
    /// After a keyword, searched from `start_from` (negative: from the end).
    Keyword {
        /// The keyword.
        keyword: &'static str,
        /// Where the search begins.
        start_from: i32,
    },
    /// The keys cannot be found from the arguments alone (SORT's BY, GET
    /// and STORE); a command-specific function finds them.
    Unknown,
}

/// How keys are found once the search has begun.
#[derive(Debug, Clone, Copy)]
pub enum FindKeys {
    /// A range: up to `last_key` (relative; -1 = last argument), every `key_step`.
    Range {
        /// Last key, relative to the first.
        last_key: i32,
        /// Distance between keys.
        key_step: i32,
        /// With `last_key` -1: only 1/limit of the remaining arguments.
        limit: i32,
    },
    /// An argument says how many keys follow.
    Keynum {
        /// Index of the count, relative to the begin-search position.
        keynum_index: i32,
        /// First key, relative to the begin-search position.
        first_key: i32,
        /// Distance between keys.
        key_step: i32,
    },
    /// See [`BeginSearch::Unknown`].
    Unknown,
}

/// One key specification (Redis 7 key specs).
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    /// Access flags as Redis names them (`RO`, `RW`, `OW`, `RM`, `access`, ...).
    pub flags: &'static [&'static str],
    /// Where the search begins.
    pub begin_search: BeginSearch,
    /// How the keys are found.
    pub find_keys: FindKeys,
}

/// The kind of a documented argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// A key name.
    Key,
    /// Any string.
    String,
    /// An integer.
    Integer,
    /// A floating point number.
    Double,
    /// A pattern.
    Pattern,
    /// A Unix time.
    UnixTime,
    /// A token alone, with no value.
    PureToken,
    /// Exactly one of the nested arguments.
    OneOf,
    /// The nested arguments in sequence.
    Block,
}

impl ArgKind {
    /// The name `COMMAND DOCS` uses.
    pub fn name(self) -> &'static str {
        match self {
            ArgKind::Key => "key",
            ArgKind::String => "string",
            ArgKind::Integer => "integer",
            ArgKind::Double => "double",
            ArgKind::Pattern => "pattern",
            ArgKind::UnixTime => "unix-time",
            ArgKind::PureToken => "pure-token",
            ArgKind::OneOf => "oneof",
            ArgKind::Block => "block",
        }
    }
}

/// A documented argument, for `COMMAND DOCS`.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// Argument name.
    pub name: &'static str,
    /// Its kind.
    pub kind: ArgKind,
    /// For keys: index into the command's key specs.
    pub key_spec_index: Option<usize>,
    /// The token that introduces it, if any.
    pub token: Option<&'static str>,
    /// The version that added it, if later than the command.
    pub since: Option<&'static str>,
    /// May be left out.
    pub optional: bool,
    /// May repeat.
    pub multiple: bool,
    /// For `OneOf` and `Block`: the nested arguments.
    pub args: &'static [Arg],
}

impl Arg {
    /// An argument of `kind` with no token or flags.
    pub const fn new(name: &'static str, kind: ArgKind) -> Arg {
        Arg {
            name,
            kind,
            key_spec_index: None,
            token: None,
            since: None,
            optional: false,
            multiple: false,
            args: &[],
        }
    }
    /// A key argument described by key spec `index`.
    pub const fn key(name: &'static str, index: usize) -> Arg {
        Arg {
            key_spec_index: Some(index),
            ..Arg::new(name, ArgKind::Key)
        }
    }
    /// A token with no value, e.g. `NX`.
    pub const fn token(name: &'static str, token: &'static str) -> Arg {
        Arg {
            token: Some(token),
            ..Arg::new(name, ArgKind::PureToken)
        }
    }
    /// Introduced by `token`.
    pub const fn with_token(self, token: &'static str) -> Arg {
        Arg {
            token: Some(token),
            ..self
        }
    }
    /// Marked optional.
    pub const fn optional(self) -> Arg {
        Arg {
            optional: true,
            ..self
        }
    }
    /// Marked repeatable.
    pub const fn multiple(self) -> Arg {
        Arg {
            multiple: true,
            ..self
        }
    }
    /// Added in `version`.
    pub const fn since(self, version: &'static str) -> Arg {
        Arg {
            since: Some(version),
            ..self
        }
    }
    /// Nested arguments of a `OneOf` or `Block`.
    pub const fn of(self, args: &'static [Arg]) -> Arg {
        Arg { args, ..self }
    }
}

/// A command's documentation, for `COMMAND DOCS`.
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    /// One line on what the command does.
    pub summary: &'static str,
    /// The Redis version that introduced it.
    pub since: &'static str,
    /// The command group (`string`, `server`, `connection`, `keyspace`, ...).
    pub group: &'static str,
    /// Time complexity.
    pub complexity: &'static str,
    /// Arguments.
    pub args: &'static [Arg],
}

/// Everything known about one command or subcommand.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lower-case name (subcommands: just the subcommand's name).
    pub name: &'static str,
    /// Arity: exact count if positive, minimum count if negative (the name counts).
    pub arity: i32,
    /// [`flags`] bits.
    pub flags: u64,
    /// [`acl`] bits declared for the command; implied ones are added by [`CommandSpec::acl_categories`].
    pub acl: u64,
    /// Request/response policy hints for cluster clients.
    pub tips: &'static [&'static str],
    /// Key specifications.
    pub key_specs: &'static [KeySpec],
    /// Documentation.
    pub doc: Doc,
    /// Subcommands of a container command (`COMMAND`, `CONFIG`, ...).
    pub subcommands: &'static [CommandSpec],
    /// Handler; `None` only for containers, which are never called directly.
    pub handler: Option<Handler>,
}

impl CommandSpec {
    /// ACL categories including those Redis implies from the flags.
    pub fn acl_categories(&self) -> u64 {
        let mut categories = self.acl;
        if self.flags & flags::WRITE != 0 {
            categories |= acl::WRITE;
        }
        if self.flags & flags::READONLY != 0 && self.acl & acl::SCRIPTING == 0 {
            categories |= acl::READ;
        }
        if self.flags & flags::ADMIN != 0 {
            categories |= acl::ADMIN | acl::DANGEROUS;
        }
        if self.flags & flags::PUBSUB != 0 {
            categories |= acl::PUBSUB;
        }
        if self.flags & flags::FAST != 0 {
            categories |= acl::FAST;
        }
        if self.flags & flags::BLOCKING != 0 {
            categories |= acl::BLOCKING;
        }
        if categories & acl::FAST == 0 {
            categories |= acl::SLOW;
        }
        categories
    }

    /// Legacy `(first, last, step)` key positions, derived from the key specs
    /// the way Redis does for `COMMAND INFO`.
    pub fn legacy_key_range(&self) -> (i32, i32, i32) {
        let mut range: Option<(i32, i32, i32)> = None;
        for spec in self.key_specs {
            let (
                BeginSearch::Index(first),
                FindKeys::Range {
                    last_key,
                    key_step,
                    limit: _,
                },
            ) = (spec.begin_search, spec.find_keys)
            else {
                continue;
            };
            let last = if last_key < 0 {
                last_key
            } else {
                first + last_key
            };
            range = Some(match range {
                None => (first, last, key_step),
                Some((prev_first, prev_last, prev_step)) => {
                    let merged_last = if prev_last < 0 || last < 0 {
                        -1
                    } else {
                        prev_last.max(last)
                    };
                    (prev_first.min(first), merged_last, prev_step.min(key_step))
                }
            });
        }
        range.unwrap_or((0, 0, 0))
    }

    /// Whether `argc` arguments (name included) satisfy the arity.
    #[inline]
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = i64::from(self.arity);
        if arity > 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }
}

/// The command table indexed by lower-case name.
///
/// Every command and subcommand also has a dense id (its position in
/// [`CommandTable::entries`]), so per-command statistics live in a plain
/// vector instead of a map keyed by name.
pub struct CommandTable {
    by_name:
        HashMap<&'static [u8], (&'static CommandSpec, usize), vireo_core::hash::KeyHasherBuilder>,
    entries: Vec<(Option<&'static CommandSpec>, &'static CommandSpec)>,
}

/// Longest command name; anything longer cannot be a command.
const MAX_NAME_LEN: usize = 32;

impl CommandTable {
    /// The table built from [`crate::cmd::TABLE`], once per process.
    pub fn get() -> &'static CommandTable {
        static TABLE: OnceLock<CommandTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            let mut by_name = HashMap::default();
            let mut entries = Vec::new();
            for spec in crate::cmd::TABLE {
                by_name.insert(spec.name.as_bytes(), (spec, entries.len()));
                entries.push((None, spec));
                entries.extend(spec.subcommands.iter().map(|sub| (Some(spec), sub)));
            }
            CommandTable { by_name, entries }
        })
    }

    /// Looks up a top-level command by name, ignoring case.
    #[inline]
    pub fn lookup(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.lookup_with_id(name).map(|(spec, _)| spec)
    }

    /// Looks up a top-level command and its id.
    #[inline]
    pub fn lookup_with_id(&self, name: &[u8]) -> Option<(&'static CommandSpec, usize)> {
        if name.len() > MAX_NAME_LEN {
            return None;
        }
        let mut lower = [0u8; MAX_NAME_LEN];
        let lower = &mut lower[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        self.by_name.get(&*lower).copied()
    }

    /// Every top-level command, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &'static CommandSpec> + '_ {
        self.by_name.values().map(|(spec, _)| *spec)
    }

    /// Every command and subcommand as (container, command), indexed by id.
    pub fn entries(&self) -> &[(Option<&'static CommandSpec>, &'static CommandSpec)] {
        &self.entries
    }

    /// Number of top-level commands.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// True if the table is empty (it never is).
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// Whether `input` is the lower-case command name `name` in any case.
///
/// The gate runs this on every request, so names of 4 to 16 bytes (nearly
/// all of them) are compared a word at a time: two overlapping loads from
/// each side, the input lower-cased in register.
#[inline]
pub fn name_matches(input: &[u8], name: &[u8]) -> bool {
    let len = input.len();
    if len != name.len() {
        return false;
    }
    if (8..=16).contains(&len) {
        let word = |bytes: &[u8], at: usize| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(word)
        };
        ascii_lower(word(input, 0)) == word(name, 0)
            && ascii_lower(word(input, len - 8)) == word(name, len - 8)
    } else if (4..8).contains(&len) {
        let word = |bytes: &[u8], at: usize| {
            let mut word = [0u8; 4];
            word.copy_from_slice(&bytes[at..at + 4]);
            u64::from(u32::from_le_bytes(word))
        };
        ascii_lower(word(input, 0)) == word(name, 0)
            && ascii_lower(word(input, len - 4)) == word(name, len - 4)
    } else {
        input.eq_ignore_ascii_case(name)
    }
}

/// `to_ascii_lowercase` of each of the eight bytes of `word`.
#[inline]
fn ascii_lower(word: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low = word & !HIGH;
    // Adding to 7-bit bytes cannot carry into the next byte: the high bit
    // of each sum says whether the byte is at least b'A', or above b'Z'.
    let at_least_a = low + 0x3f3f_3f3f_3f3f_3f3f;
    let above_z = low + 0x2525_2525_2525_2525;
    let upper = at_least_a & !above_z & !word & HIGH;
    word | (upper >> 2)
}

/// Finds a subcommand of the container with id `container_id`, returning
/// it with its own id.
pub fn lookup_subcommand_with_id(
    container: &'static CommandSpec,
    container_id: usize,
    name: &[u8],
) -> Option<(&'static CommandSpec, usize)> {
    let position = container
        .subcommands
        .iter()
        .position(|sub| sub.name.as_bytes().eq_ignore_ascii_case(name))?;
    Some((
        &container.subcommands[position],
        container_id + 1 + position,
    ))
}

/// Finds a subcommand of `container` by name, ignoring case.
pub fn lookup_subcommand(
    container: &'static CommandSpec,
    name: &[u8],
) -> Option<&'static CommandSpec> {
    container
        .subcommands
        .iter()
        .find(|sub| sub.name.as_bytes().eq_ignore_ascii_case(name))
}

/// `container|sub` or `name`: how Redis names a command in errors and replies.
pub fn full_name(container: Option<&CommandSpec>, spec: &CommandSpec) -> String {
    match container {
        Some(parent) => format!("{}|{}", parent.name, spec.name),
        None => spec.name.to_string(),
    }
}

/// A key spec for commands whose keys start at argument 1: the last key
/// `last_key` arguments later (-1: the last argument), every `key_step`.
pub const fn keys_from_1(flags: &'static [&'static str], last_key: i32, key_step: i32) -> KeySpec {
    KeySpec {
        flags,
        begin_search: BeginSearch::Index(1),
        find_keys: FindKeys::Range {
            last_key,
            key_step,
            limit: 0,
        },
    }
}

/// The arguments of `argv` that are keys, by the command's key specs, with
/// each key spec's flags; `None` when the arguments do not fit the specs
/// (Redis's getKeysUsingKeySpecs).
pub fn keys_of<'a>(
    spec: &CommandSpec,
    argc: usize,
    arg: impl Fn(usize) -> Option<&'a [u8]>,
) -> Option<Vec<(usize, &'static [&'static str])>> {
    let argc = argc as i64;
    let mut keys = Vec::new();
    for key_spec in spec.key_specs {
        // Redis compat: channel names are declared like keys but are not keys.
        if key_spec.flags.contains(&"not_key") {
            continue;
        }
        let first = match key_spec.begin_search {
            BeginSearch::Index(position) => i64::from(position),
            BeginSearch::Keyword {
                keyword,
                start_from,
            } => {
                let start_from = i64::from(start_from);
                let (start, end) = if start_from > 0 {
                    (start_from, argc - 1)
                } else {
                    (argc + start_from, 1)
                };
                let mut found = 0;
                let mut index = start;
                while index != end && (1..argc).contains(&index) {
                    if arg(index as usize)
                        .is_some_and(|arg| arg.eq_ignore_ascii_case(keyword.as_bytes()))
                    {
                        found = index + 1;
                        break;
                    }
                    index += if start <= end { 1 } else { -1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            BeginSearch::Unknown => continue,
        };
        let (first, last, step) = match key_spec.find_keys {
            FindKeys::Range {
                last_key,
                key_step,
                limit,
            } => {
                let last_key = i64::from(last_key);
                let last = if last_key >= 0 {
                    first + last_key
                } else if limit == 0 {
                    argc + last_key
                } else {
                    first + ((argc - first) / i64::from(limit) + last_key)
                };
                (first, last, i64::from(key_step))
            }
            FindKeys::Keynum {
                keynum_index,
                first_key,
                key_step,
            } => {
                let count_at = first + i64::from(keynum_index);
                let count =
                    arg(usize::try_from(count_at).ok()?).and_then(vireo_core::util::parse_i64)?;
                if count < 0 {
                    return None;
                }
                let first = first + i64::from(first_key);
                (first, first + count - 1, i64::from(key_step))
            }
            FindKeys::Unknown => continue,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut index = first;
        while index <= last {
            keys.push((index as usize, key_spec.flags));
            index += step.max(1);
        }
    }
    // Redis compat: key specs marked variable_flags have their real access
    // decided by the arguments (Redis's setGetKeys and bitfieldGetKeys).
    if let [(_, flags)] = keys.as_mut_slice() {
        if flags.contains(&"variable_flags") {
            *flags = variable_key_flags(spec.name, argc as usize, &arg);
        }
    }
    // Redis compat: MIGRATE's keys are either the key argument or, when
    // it is empty and KEYS is given, the arguments after KEYS (Redis's
    // migrateGetKeys), never both.
    if spec.name == "migrate" {
        let empty_key = arg(3).is_some_and(<[u8]>::is_empty);
        let keys_form = keys.iter().any(|&(index, _)| index > 3);
        keys.retain(|&(index, _)| {
            if empty_key && keys_form {
                index > 3
            } else {
                index == 3
            }
        });
    }
    if spec.name == "sort" {
        if let Some(position) = sort_store_key(argc as usize, &arg) {
            keys.push((position, &["OW", "update"]));
        }
    }
    Some(keys)
}

/// The destination of `SORT ... STORE key`, which no key spec can express
/// (Redis's sortGetKeys): the last STORE, skipping the arguments of LIMIT,
/// GET and BY so that a pattern named "store" is not taken for the option.
fn sort_store_key<'a>(argc: usize, arg: &impl Fn(usize) -> Option<&'a [u8]>) -> Option<usize> {
    let mut store = None;
    let mut index = 2;
    while index < argc {
        let word = arg(index)?;
        if word.eq_ignore_ascii_case(b"limit") {
            index += 2;
        } else if word.eq_ignore_ascii_case(b"get") || word.eq_ignore_ascii_case(b"by") {
            index += 1;
        } else if word.eq_ignore_ascii_case(b"store") && index + 1 < argc {
            store = Some(index + 1);
        }
        index += 1;
    }
    store
}

fn variable_key_flags<'a>(
    command: &str,
    argc: usize,
    arg: &impl Fn(usize) -> Option<&'a [u8]>,
) -> &'static [&'static str] {
    const READ_WRITE: &[&str] = &["RW", "access", "update"];
    match command {
        "set" => {
            if (3..argc).any(|index| arg(index).is_some_and(|a| a.eq_ignore_ascii_case(b"get"))) {
                READ_WRITE
            } else {
                &["OW", "update"]
            }
        }
        "bitfield" => {
            let mut index = 2;
            while index < argc {
                let remaining = argc - index - 1;
                let word = arg(index).unwrap_or_default();
                if word.eq_ignore_ascii_case(b"get") && remaining >= 2 {
                    index += 3;
                } else if word.eq_ignore_ascii_case(b"overflow") && remaining >= 1 {
                    index += 2;
                } else {
                    // A write, or a syntax error that is safer taken as one.
                    return READ_WRITE;
                }
            }
            &["RO", "access"]
        }
        _ => READ_WRITE,
    }
}

/// The key specs shared by every single-key read command.
pub const KEY_RO_ACCESS: &[KeySpec] = &[KeySpec {
    flags: &["RO", "access"],
    begin_search: BeginSearch::Index(1),
    find_keys: FindKeys::Range {
        last_key: 0,
        key_step: 1,
        limit: 0,
    },
}];

/// The key specs shared by single-key read-modify-write commands.
pub const KEY_RW_ACCESS_UPDATE: &[KeySpec] = &[KeySpec {
    flags: &["RW", "access", "update"],
    begin_search: BeginSearch::Index(1),
    find_keys: FindKeys::Range {
        last_key: 0,
        key_step: 1,
        limit: 0,
    },
}];

/// Documentation placeholder for container commands' own entry point.
pub const NO_ARGS: &[Arg] = &[];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn name_matches_agrees_with_eq_ignore_ascii_case(
            name in proptest::collection::vec(prop_oneof![b'a'..=b'z', Just(b'-'), Just(b'_'), Just(b'|'), b'0'..=b'9'], 0..20),
            flips in proptest::collection::vec(any::<u8>(), 20),
            noise in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            // The name in a mixed case, and arbitrary bytes.
            let mixed: Vec<u8> = name
                .iter()
                .zip(&flips)
                .map(|(&b, &flip)| match flip % 3 {
                    0 => b.to_ascii_uppercase(),
                    1 => b,
                    _ => b ^ (flip & 0xe0),
                })
                .collect();
            for input in [&mixed, &noise] {
                prop_assert_eq!(name_matches(input, &name), input.eq_ignore_ascii_case(&name));
            }
        }
    }

    #[test]
    fn name_matches_every_command_in_upper_case() {
        for (_, spec) in CommandTable::get().entries() {
            let name = spec.name.as_bytes();
            assert!(
                name_matches(&name.to_ascii_uppercase(), name),
                "{}",
                spec.name
            );
            assert!(name_matches(name, name), "{}", spec.name);
        }
    }
}
