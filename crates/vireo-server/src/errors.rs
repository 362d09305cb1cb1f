//! Every error reply string, in one place.
//!
//! Clients and test suites compare these byte for byte with Redis's, so they
//! are constants: a handler never spells an error inline. Strings without a
//! leading `-` get the generic `ERR` code when sent; coded errors carry it.

/// Generic syntax error.
pub const SYNTAX: &str = "syntax error";
/// CONFIG SET notify-keyspace-events with a letter that names no class.
pub const INVALID_EVENT_CLASS: &str = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
/// An argument that must be an integer is not one (or is out of range).
pub const NOT_INTEGER: &str = "value is not an integer or out of range";
/// INCR/DECR family overflow.
pub const INCR_OVERFLOW: &str = "increment or decrement would overflow";
/// Operation on a key of another type.
pub const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value";
/// A command that needs an existing key (LSET) on a missing one.
pub const NO_SUCH_KEY: &str = "no such key";
/// An index past either end of a list (LSET).
pub const INDEX_OUT_OF_RANGE: &str = "index out of range";
/// LPOS RANK 0.
pub const LPOS_RANK_ZERO: &str = "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
/// SELECT/MOVE/SWAPDB with an index past `databases`.
pub const DB_INDEX_OUT_OF_RANGE: &str = "DB index is out of range";
/// RESTORE onto an existing key without REPLACE.
pub const BUSYKEY: &str = "-BUSYKEY Target key name already exists.";
/// RESTORE with a negative TTL.
pub const RESTORE_INVALID_TTL: &str = "Invalid TTL value, must be >= 0";
/// RESTORE with a negative IDLETIME.
pub const RESTORE_INVALID_IDLETIME: &str = "Invalid IDLETIME value, must be >= 0";
/// RESTORE with a FREQ outside 0..=255.
pub const RESTORE_INVALID_FREQ: &str = "Invalid FREQ value, must be >= 0 and <= 255";
/// RESTORE with a payload whose footer is refused.
pub const DUMP_PAYLOAD_WRONG: &str = "DUMP payload version or checksum are wrong";
/// RESTORE with a payload whose body cannot be loaded.
pub const BAD_DATA_FORMAT: &str = "Bad data format";
/// HELLO with a protocol version other than 2 or 3.
pub const NOPROTO: &str = "-NOPROTO unsupported protocol version";
/// A command that needs authentication, before it.
pub const NOAUTH: &str = "-NOAUTH Authentication required.";
/// A write sent to a read-only replica.
pub const READONLY_REPLICA: &str = "-READONLY You can't write against a read only replica.";
/// A write refused by min-replicas-to-write.
pub const NOREPLICAS: &str = "-NOREPLICAS Not enough good replicas to write.";
/// A write while the last background save failed and
/// `stop-writes-on-bgsave-error` is on.
pub const MISCONF_RDB: &str = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
/// SAVE or BGSAVE while a background save runs.
pub const BGSAVE_IN_PROGRESS: &str = "Background save already in progress";
/// AUTH with a wrong password.
pub const WRONGPASS: &str = "-WRONGPASS invalid username-password pair or user is disabled.";
/// AUTH when no password is configured.
pub const AUTH_WITHOUT_PASSWORD: &str =
    "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";

/// A count that must not be negative (SPOP, ZPOPMIN...).
pub const MUST_BE_POSITIVE: &str = "value is out of range, must be positive";
/// A numkeys argument below 1.
pub const NUMKEYS_POSITIVE: &str = "numkeys should be greater than 0";
/// A numkeys argument larger than the arguments that follow.
pub const NUMKEYS_TOO_MANY: &str = "Number of keys can't be greater than number of args";
/// EVAL with a negative key count.
pub const NUMKEYS_NEGATIVE: &str = "Number of keys can't be negative";
/// EVALSHA of a script not in the cache.
pub const NOSCRIPT: &str = "-NOSCRIPT No matching script. Please use EVAL.";
/// SCRIPT KILL with no script running.
pub const NOTBUSY: &str = "-NOTBUSY No scripts in execution right now.";
/// EVAL_RO of a script without the `no-writes` flag.
pub const SCRIPT_WRITE_FLAG_RO: &str =
    "Can not execute a script with write flag using *_ro command.";
/// A script that may write, while writes are refused after a failed save.
pub const MISCONF_SCRIPT: &str = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.";
/// SINTERCARD/ZINTERCARD LIMIT below 0.
pub const LIMIT_NEGATIVE: &str = "LIMIT can't be negative";
/// A SCAN cursor that is not an unsigned integer.
pub const INVALID_CURSOR: &str = "invalid cursor";
/// A score that does not parse.
pub const NOT_A_FLOAT: &str = "value is not a valid float";
/// A score range bound that does not parse.
pub const MIN_MAX_NOT_FLOAT: &str = "min or max is not a float";
/// A lexicographic range bound that does not parse.
pub const MIN_MAX_NOT_LEX: &str = "min or max not valid string range item";
/// ZADD/ZINCRBY producing NaN.
pub const SCORE_NAN: &str = "resulting score is not a number (NaN)";
/// ZADD with both NX and XX.
pub const ZADD_NX_XX: &str = "XX and NX options at the same time are not compatible";
/// ZADD with GT/LT/NX combined.
pub const ZADD_GT_LT_NX: &str = "GT, LT, and/or NX options at the same time are not compatible";
/// ZADD INCR with several pairs.
pub const ZADD_INCR_PAIRS: &str = "INCR option supports a single increment-element pair";
/// ZRANGE LIMIT without BYSCORE/BYLEX.
pub const ZRANGE_LIMIT: &str =
    "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
/// ZRANGE BYLEX WITHSCORES.
pub const ZRANGE_LEX_WITHSCORES: &str =
    "syntax error, WITHSCORES not supported in combination with BYLEX";
/// A ZUNIONSTORE-family WEIGHTS value that does not parse.
pub const WEIGHT_NOT_FLOAT: &str = "weight value is not a float";
/// ZMPOP COUNT below 1.
pub const COUNT_POSITIVE: &str = "count should be greater than 0";
/// A bare out-of-range error (ZRANDMEMBER WITHSCORES with a huge count).
pub const OUT_OF_RANGE: &str = "value is out of range";

/// SORT on values that do not parse as numbers.
pub const SORT_NOT_DOUBLE: &str = "One or more scores can't be converted into double";

/// A GEO distance unit other than m, km, ft or mi.
pub const GEO_UNSUPPORTED_UNIT: &str = "unsupported unit provided. please use M, KM, FT, MI";
/// A GEO radius that does not parse.
pub const GEO_RADIUS_NOT_NUMERIC: &str = "need numeric radius";
/// A GEO radius below zero.
pub const GEO_RADIUS_NEGATIVE: &str = "radius cannot be negative";
/// A BYBOX width that does not parse.
pub const GEO_WIDTH_NOT_NUMERIC: &str = "need numeric width";
/// A BYBOX height that does not parse.
pub const GEO_HEIGHT_NOT_NUMERIC: &str = "need numeric height";
/// A BYBOX width or height below zero.
pub const GEO_BOX_NEGATIVE: &str = "height or width cannot be negative";
/// A GEO search centred on a member the set does not hold.
pub const GEO_MEMBER_NOT_FOUND: &str = "could not decode requested zset member";
/// A GEO search COUNT below 1.
pub const GEO_COUNT_POSITIVE: &str = "COUNT must be > 0";
/// A GEO search with ANY but no COUNT.
pub const GEO_ANY_WITHOUT_COUNT: &str = "the ANY argument requires COUNT argument";

/// `invalid longitude,latitude pair <lon>,<lat>` (C's `%f`: six decimals).
pub fn geo_invalid_pair(longitude: f64, latitude: f64) -> String {
    format!("invalid longitude,latitude pair {longitude:.6},{latitude:.6}")
}

/// A storing GEO search asked for WITHDIST, WITHHASH or WITHCOORD; `what`
/// names the command (`GEOSEARCHSTORE` or `STORE option in GEORADIUS`).
pub fn geo_store_with_options(what: &str) -> String {
    format!("{what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
}

/// GEOSEARCH without FROMMEMBER or FROMLONLAT; `command` as the client spelt it.
pub fn geo_search_needs_from(command: &[u8]) -> Vec<u8> {
    let mut message = b"exactly one of FROMMEMBER or FROMLONLAT can be specified for ".to_vec();
    message.extend_from_slice(command);
    message
}

/// GEOSEARCH without BYRADIUS or BYBOX; `command` as the client spelt it.
pub fn geo_search_needs_by(command: &[u8]) -> Vec<u8> {
    let mut message = b"exactly one of BYRADIUS and BYBOX can be specified for ".to_vec();
    message.extend_from_slice(command);
    message
}

/// `at least 1 input key is needed for '<name>' command`.
pub fn no_input_keys(command: &str) -> String {
    format!("at least 1 input key is needed for '{command}' command")
}

/// An integer argument outside the range a command accepts.
pub fn out_of_range(min: i64, max: i64) -> String {
    format!("value is out of range, value must between {min} and {max}")
}

/// Sent to a non-loopback client in protected mode, before closing it.
pub const PROTECTED_MODE_DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// `wrong number of arguments for '<name>' command`.
pub fn wrong_arity(full_name: &str) -> String {
    format!("wrong number of arguments for '{full_name}' command")
}

/// `invalid expire time in '<name>' command`.
pub fn invalid_expire(command: &str) -> String {
    format!("invalid expire time in '{command}' command")
}

/// A HyperLogLog command on a string that is not a sketch.
pub const HLL_NOT_VALID: &str = "-WRONGTYPE Key is not a valid HyperLogLog string value.";
/// A sketch whose sparse body is malformed.
pub const HLL_CORRUPT: &str = "-INVALIDOBJ Corrupted HLL object detected";
/// PFDEBUG on a missing key.
pub const HLL_NO_SUCH_KEY: &str = "The specified key does not exist";
/// PFDEBUG DECODE on a dense sketch.
pub const HLL_NOT_SPARSE: &str = "HLL encoding is not sparse";

/// `Unknown PFDEBUG subcommand '<sub>'`.
pub fn unknown_pfdebug_subcommand(sub: &[u8]) -> Vec<u8> {
    let mut message = b"Unknown PFDEBUG subcommand '".to_vec();
    message.extend_from_slice(c_string_prefix(sub, usize::MAX));
    message.push(b'\'');
    message
}

/// Redis compat: `%.128s` stops at a NUL byte and after 128 bytes.
fn c_string_prefix(bytes: &[u8], max: usize) -> &[u8] {
    let end = bytes
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(bytes.len())
        .min(max);
    &bytes[..end]
}

/// `unknown command '<name>', with args beginning with: '<a>' '<b>' `.
pub fn unknown_command(name: &[u8], args: impl Iterator<Item = impl AsRef<[u8]>>) -> Vec<u8> {
    let mut quoted = Vec::new();
    for arg in args {
        if quoted.len() >= 128 {
            break;
        }
        let room = 128 - quoted.len();
        quoted.push(b'\'');
        quoted.extend_from_slice(c_string_prefix(arg.as_ref(), room));
        quoted.extend_from_slice(b"' ");
    }
    let mut message = b"unknown command '".to_vec();
    message.extend_from_slice(c_string_prefix(name, 128));
    message.extend_from_slice(b"', with args beginning with: ");
    message.extend_from_slice(&quoted);
    message
}

/// `unknown subcommand '<sub>'. Try <CONTAINER> HELP.`.
pub fn unknown_subcommand(container: &[u8], sub: &[u8]) -> Vec<u8> {
    let mut message = b"unknown subcommand '".to_vec();
    message.extend_from_slice(c_string_prefix(sub, 128));
    message.extend_from_slice(b"'. Try ");
    message.extend(
        c_string_prefix(container, usize::MAX)
            .iter()
            .map(u8::to_ascii_uppercase),
    );
    message.extend_from_slice(b" HELP.");
    message
}

/// `unknown subcommand or wrong number of arguments for '<sub>'. Try <CONTAINER> HELP.`
pub fn unknown_subcommand_or_arity(container: &[u8], sub: &[u8]) -> Vec<u8> {
    let mut message = b"unknown subcommand or wrong number of arguments for '".to_vec();
    message.extend_from_slice(c_string_prefix(sub, 128));
    message.extend_from_slice(b"'. Try ");
    message.extend(container.iter().map(u8::to_ascii_uppercase));
    message.extend_from_slice(b" HELP.");
    message
}

/// CLIENT TRACKING with REDIRECT given twice.
pub const TRACKING_ONE_REDIRECT: &str = "A client can only redirect to a single other client";
/// CLIENT TRACKING REDIRECT to an id no client has.
pub const TRACKING_REDIRECT_MISSING: &str = "The client ID you want redirect to does not exist";
/// CLIENT TRACKING ON with PREFIX but without BCAST.
pub const TRACKING_PREFIX_NEEDS_BCAST: &str = "PREFIX option requires BCAST mode to be enabled";
/// CLIENT TRACKING ON switching BCAST while tracking.
pub const TRACKING_BCAST_SWITCH: &str = "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
/// CLIENT TRACKING ON with BCAST and OPTIN or OPTOUT.
pub const TRACKING_OPT_WITH_BCAST: &str = "OPTIN and OPTOUT are not compatible with BCAST";
/// CLIENT TRACKING ON with both OPTIN and OPTOUT.
pub const TRACKING_OPTIN_AND_OPTOUT: &str = "You can't specify both OPTIN mode and OPTOUT mode";
/// CLIENT TRACKING ON switching between OPTIN and OPTOUT while tracking.
pub const TRACKING_OPT_SWITCH: &str = "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
/// CLIENT CACHING without tracking on.
pub const CACHING_WITHOUT_TRACKING: &str = "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled";
/// CLIENT CACHING YES outside OPTIN mode.
pub const CACHING_YES_NEEDS_OPTIN: &str =
    "CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.";
/// CLIENT CACHING NO outside OPTOUT mode.
pub const CACHING_NO_NEEDS_OPTOUT: &str =
    "CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.";

/// CLIENT TRACKING BCAST PREFIX overlapping one the client already has.
pub fn tracking_prefix_overlaps_existing(prefix: &str, existing: &str) -> String {
    format!("Prefix '{prefix}' overlaps with an existing prefix '{existing}'. Prefixes for a single client must not overlap.")
}

/// CLIENT TRACKING BCAST with two overlapping PREFIX arguments.
pub fn tracking_prefix_overlaps_provided(prefix: &str, other: &str) -> String {
    format!("Prefix '{prefix}' overlaps with another provided prefix '{other}'. Prefixes for a single client must not overlap.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_command_quotes_args_like_redis() {
        let message = unknown_command(b"foo", [b"a".as_slice(), b"bc"].into_iter());
        assert_eq!(
            message,
            b"unknown command 'foo', with args beginning with: 'a' 'bc' "
        );
        let none = unknown_command(b"foo", std::iter::empty::<&[u8]>());
        assert_eq!(none, b"unknown command 'foo', with args beginning with: ");
    }

    #[test]
    fn unknown_command_truncates_args_at_128_bytes() {
        let long = vec![b'x'; 200];
        let message = unknown_command(b"foo", [long.as_slice(), b"next"].into_iter());
        let expected = format!(
            "unknown command 'foo', with args beginning with: '{}' ",
            "x".repeat(128)
        );
        assert_eq!(message, expected.as_bytes());
    }

    #[test]
    fn unknown_subcommand_upper_cases_the_container() {
        assert_eq!(
            unknown_subcommand(b"command", b"foo"),
            b"unknown subcommand 'foo'. Try COMMAND HELP."
        );
    }
}
