//! Bit commands on strings: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
//! BITFIELD and BITFIELD_RO.
//!
//! Bits are numbered from the most significant bit of the first byte, as in
//! Redis. Writes beyond the end grow the string with zero bytes, bounded by
//! `proto-max-bulk-len`.

use vireo_core::db::NO_EXPIRY;
use vireo_core::{StrValue, Value};
use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{
    acl, flags, keys_from_1, Arg, ArgKind, CommandSpec, Doc, KeySpec, KEY_RO_ACCESS,
};
use crate::errors;
use crate::notify;
use crate::server::Server;

const BIT_OFFSET_ERROR: &str = "bit offset is not an integer or out of range";
const BITFIELD_TYPE_ERROR: &str =
    "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

/// Parses a bit offset; with `hash_bits`, `#N` means N times the field width.
fn parse_bit_offset(
    server: &Server,
    arg: &[u8],
    hash_bits: Option<u32>,
) -> Result<u64, &'static str> {
    let (digits, multiplier) = match (arg.first(), hash_bits) {
        (Some(b'#'), Some(bits)) => (&arg[1..], i64::from(bits)),
        _ => (arg, 1),
    };
    let offset = super::parse_i64(digits).ok_or(BIT_OFFSET_ERROR)?;
    // Redis compat: the multiplication wraps as C's does; the range check catches the rest.
    let offset = offset.wrapping_mul(multiplier);
    if offset < 0 || (offset as u64 >> 3) >= server.config.proto_max_bulk_len {
        return Err(BIT_OFFSET_ERROR);
    }
    Ok(offset as u64)
}

/// Copies the string at `key` for reading: `Ok(None)` if absent.
fn read_string(
    server: &mut Server,
    client: &mut Client,
    key: &[u8],
) -> Result<Option<Vec<u8>>, ()> {
    let now = server.now_ms;
    match server.dbs[client.db].get(key, now) {
        None => Ok(None),
        Some(Value::Str(value)) => Ok(Some(value.with_bytes(<[u8]>::to_vec))),
        #[allow(unreachable_patterns)]
        Some(_) => {
            client.reply_error(errors::WRONGTYPE);
            Err(())
        }
    }
}

/// The string at `key` made writable and at least `len` bytes long (zero
/// padded), creating it if absent. Returns the bytes and whether they grew.
fn writable_string<'a>(
    server: &'a mut Server,
    client: &mut Client,
    key: &[u8],
    len: usize,
) -> Result<(&'a mut Vec<u8>, bool), ()> {
    let now = server.now_ms;
    let db = &mut server.dbs[client.db];
    if db.lookup(key, now).is_none() {
        db.insert(
            key,
            Value::Str(StrValue::Bytes(Vec::new().into())),
            NO_EXPIRY,
        );
    }
    let Some(entry) = db.lookup(key, now) else {
        return Err(());
    };
    match &mut entry.value {
        Value::Str(value) => {
            let bytes = value.make_bytes();
            let grew = bytes.len() < len;
            if grew {
                bytes.resize(len, 0);
            }
            Ok((bytes, grew))
        }
        #[allow(unreachable_patterns)]
        _ => {
            client.reply_error(errors::WRONGTYPE);
            Err(())
        }
    }
}

/// True if the key holds something other than a string (after replying WRONGTYPE).
fn is_wrong_type(server: &mut Server, client: &mut Client, key: &[u8]) -> bool {
    let now = server.now_ms;
    match server.dbs[client.db].get(key, now) {
        None | Some(Value::Str(_)) => false,
        #[allow(unreachable_patterns)]
        Some(_) => {
            client.reply_error(errors::WRONGTYPE);
            true
        }
    }
}

/// SETBIT key offset value
pub const SETBIT: CommandSpec = CommandSpec {
    name: "setbit",
    arity: 4,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::BITMAP,
    tips: &[],
    key_specs: &[keys_from_1(&["RW", "access", "update"], 0, 1)],
    doc: Doc {
        summary:
            "Sets or clears one bit of a string value, growing it if needed; returns the old bit",
        since: "2.2.0",
        group: "bitmap",
        complexity: "O(1)",
        args: &[
            Arg::key("key", 0),
            Arg::new("offset", ArgKind::Integer),
            Arg::new("value", ArgKind::Integer),
        ],
    },
    subcommands: &[],
    handler: Some(setbit),
};

fn setbit(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let offset = match parse_bit_offset(server, &argv[2], None) {
        Ok(offset) => offset,
        Err(message) => return client.reply_error(message),
    };
    let on = match super::parse_i64(&argv[3]) {
        Some(value @ (0 | 1)) => value == 1,
        _ => return client.reply_error("bit is not an integer or out of range"),
    };
    if is_wrong_type(server, client, &argv[1]) {
        return;
    }
    let byte = (offset >> 3) as usize;
    let mask = 1u8 << (7 - (offset & 7));
    let Ok((bytes, grew)) = writable_string(server, client, &argv[1], byte + 1) else {
        return;
    };
    let old = bytes[byte] & mask != 0;
    if on {
        bytes[byte] |= mask;
    } else {
        bytes[byte] &= !mask;
    }
    if grew || old != on {
        server.dirty += 1;
        server.notify(client, notify::STRING, "setbit", &argv[1]);
    }
    client.reply_integer(i64::from(old));
}

/// GETBIT key offset
pub const GETBIT: CommandSpec = CommandSpec {
    name: "getbit",
    arity: 3,
    flags: flags::READONLY | flags::FAST,
    acl: acl::BITMAP,
    tips: &[],
    key_specs: &[keys_from_1(&["RO", "access"], 0, 1)],
    doc: Doc {
        summary: "Returns one bit of a string value",
        since: "2.2.0",
        group: "bitmap",
        complexity: "O(1)",
        args: &[Arg::key("key", 0), Arg::new("offset", ArgKind::Integer)],
    },
    subcommands: &[],
    handler: Some(getbit),
};

fn getbit(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let offset = match parse_bit_offset(server, &argv[2], None) {
        Ok(offset) => offset,
        Err(message) => return client.reply_error(message),
    };
    let Ok(bytes) = read_string(server, client, &argv[1]) else {
        return;
    };
    let bytes = bytes.unwrap_or_default();
    let byte = (offset >> 3) as usize;
    let bit = bytes
        .get(byte)
        .is_some_and(|b| b & (1 << (7 - (offset & 7))) != 0);
    client.reply_integer(i64::from(bit));
}

/// Whether BITCOUNT/BITPOS ranges count bytes or bits.
fn parse_range_unit(client: &mut Client, arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"bit") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"byte") {
        Some(false)
    } else {
        client.reply_error(errors::SYNTAX);
        None
    }
}

/// A byte range with masks for the bits outside it in its first and last
/// bytes (BIT ranges), after Redis's normalisation of negative indexes.
struct BitRange {
    start: i64,
    end: i64,
    first_byte_neg_mask: u8,
    last_byte_neg_mask: u8,
}

fn normalise_range(len: usize, mut start: i64, mut end: i64, in_bits: bool) -> BitRange {
    let mut total = len as i64;
    if in_bits {
        total <<= 3;
    }
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    let mut range = BitRange {
        start,
        end,
        first_byte_neg_mask: 0,
        last_byte_neg_mask: 0,
    };
    if in_bits && start <= end {
        range.first_byte_neg_mask = !((1u16 << (8 - (start & 7))) - 1) as u8;
        range.last_byte_neg_mask = ((1u16 << (7 - (end & 7))) - 1) as u8;
        range.start >>= 3;
        range.end >>= 3;
    }
    range
}

const RANGE_UNIT: Arg = Arg::new("unit", ArgKind::OneOf)
    .optional()
    .since("7.0.0")
    .of(&[Arg::token("byte", "BYTE"), Arg::token("bit", "BIT")]);

/// BITCOUNT key [start end [BYTE|BIT]]
pub const BITCOUNT: CommandSpec = CommandSpec {
    name: "bitcount",
    arity: -2,
    flags: flags::READONLY,
    acl: acl::BITMAP,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Counts the set bits of a string value, optionally in a range",
        since: "2.6.0",
        group: "bitmap",
        complexity: "O(N)",
        args: &[
            Arg::key("key", 0),
            Arg::new("range", ArgKind::Block).optional().of(&[
                Arg::new("start", ArgKind::Integer),
                Arg::new("end", ArgKind::Integer),
                RANGE_UNIT,
            ]),
        ],
    },
    subcommands: &[],
    handler: Some(bitcount),
};

fn popcount(bytes: &[u8]) -> i64 {
    bytes.iter().map(|b| i64::from(b.count_ones() as u8)).sum()
}

fn bitcount(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let Ok(bytes) = read_string(server, client, &argv[1]) else {
        return;
    };
    let Some(bytes) = bytes else {
        return client.reply_integer(0);
    };
    let range = match argv.len() {
        2 => BitRange {
            start: 0,
            end: bytes.len() as i64 - 1,
            first_byte_neg_mask: 0,
            last_byte_neg_mask: 0,
        },
        4 | 5 => {
            let (Some(start), Some(end)) = (super::parse_i64(&argv[2]), super::parse_i64(&argv[3]))
            else {
                return client.reply_error(errors::NOT_INTEGER);
            };
            if start < 0 && end < 0 && start > end {
                return client.reply_integer(0);
            }
            let in_bits = match argv.get(4) {
                Some(unit) => match parse_range_unit(client, unit) {
                    Some(in_bits) => in_bits,
                    None => return,
                },
                None => false,
            };
            normalise_range(bytes.len(), start, end, in_bits)
        }
        _ => return client.reply_error(errors::SYNTAX),
    };
    if range.start > range.end {
        return client.reply_integer(0);
    }
    let (start, end) = (range.start as usize, range.end as usize);
    let mut count = popcount(&bytes[start..=end]);
    if range.first_byte_neg_mask != 0 {
        count -= popcount(&[bytes[start] & range.first_byte_neg_mask]);
    }
    if range.last_byte_neg_mask != 0 {
        count -= popcount(&[bytes[end] & range.last_byte_neg_mask]);
    }
    client.reply_integer(count);
}

/// BITPOS key bit [start [end [BYTE|BIT]]]
pub const BITPOS: CommandSpec = CommandSpec {
    name: "bitpos",
    arity: -3,
    flags: flags::READONLY,
    acl: acl::BITMAP,
    tips: &[],
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Finds the first set or clear bit of a string value, optionally in a range",
        since: "2.8.7",
        group: "bitmap",
        complexity: "O(N)",
        args: &[
            Arg::key("key", 0),
            Arg::new("bit", ArgKind::Integer),
            Arg::new("range", ArgKind::Block).optional().of(&[
                Arg::new("start", ArgKind::Integer),
                Arg::new("end-unit-block", ArgKind::Block)
                    .optional()
                    .of(&[Arg::new("end", ArgKind::Integer), RANGE_UNIT]),
            ]),
        ],
    },
    subcommands: &[],
    handler: Some(bitpos),
};

/// Position of the first bit equal to `bit` in `bytes`; when looking for a
/// clear bit and none is found, the position just past the end (Redis's
/// redisBitpos), and -1 when looking for a set bit and none is found.
fn first_bit(bytes: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0x00 } else { 0xff };
    match bytes.iter().position(|&b| b != skip) {
        Some(index) => {
            let byte = if bit { bytes[index] } else { !bytes[index] };
            (index as i64) * 8 + i64::from(byte.leading_zeros() as u8)
        }
        None if bit => -1,
        None => (bytes.len() as i64) * 8,
    }
}

fn bitpos(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let bit = match super::parse_i64(&argv[2]) {
        None => return client.reply_error(errors::NOT_INTEGER),
        Some(0) => false,
        Some(1) => true,
        Some(_) => return client.reply_error("The bit argument must be 1 or 0."),
    };
    let Ok(bytes) = read_string(server, client, &argv[1]) else {
        return;
    };
    let Some(bytes) = bytes else {
        return client.reply_integer(if bit { -1 } else { 0 });
    };
    let mut end_given = false;
    let range = match argv.len() {
        3 => BitRange {
            start: 0,
            end: bytes.len() as i64 - 1,
            first_byte_neg_mask: 0,
            last_byte_neg_mask: 0,
        },
        4..=6 => {
            let Some(start) = super::parse_i64(&argv[3]) else {
                return client.reply_error(errors::NOT_INTEGER);
            };
            let in_bits = match argv.get(5) {
                Some(unit) => match parse_range_unit(client, unit) {
                    Some(in_bits) => in_bits,
                    None => return,
                },
                None => false,
            };
            let end = match argv.get(4) {
                Some(arg) => match super::parse_i64(arg) {
                    Some(end) => {
                        end_given = true;
                        end
                    }
                    None => return client.reply_error(errors::NOT_INTEGER),
                },
                None if in_bits => ((bytes.len() as i64) << 3) + 7,
                None => bytes.len() as i64 - 1,
            };
            normalise_range(bytes.len(), start, end, in_bits)
        }
        _ => return client.reply_error(errors::SYNTAX),
    };
    if range.start > range.end {
        return client.reply_integer(-1);
    }
    let mut start = range.start as usize;
    let end = range.end as usize;
    let mut count = end - start + 1;
    let apply_masks = |byte: u8, first: u8, last: u8| -> u8 {
        if bit {
            byte & !first & !last
        } else {
            byte | first | last
        }
    };
    let mut position;
    'search: {
        if range.first_byte_neg_mask != 0 {
            let last = if range.last_byte_neg_mask != 0 && count == 1 {
                range.last_byte_neg_mask
            } else {
                0
            };
            let byte = apply_masks(bytes[start], range.first_byte_neg_mask, last);
            position = first_bit(&[byte], bit);
            if count == 1 || (position != -1 && position != 8) {
                break 'search;
            }
            start += 1;
            count -= 1;
        }
        let whole = count - usize::from(range.last_byte_neg_mask != 0);
        if whole > 0 {
            position = first_bit(&bytes[start..start + whole], bit);
            if count == whole || (position != -1 && position != (whole as i64) << 3) {
                break 'search;
            }
            start += whole;
            count -= whole;
        }
        let byte = apply_masks(bytes[end], 0, range.last_byte_neg_mask);
        position = first_bit(&[byte], bit);
    }
    // Redis compat: with an explicit end, "no clear bit in range" is -1
    // rather than the position just past the range.
    if end_given && !bit && position == (count as i64) << 3 {
        return client.reply_integer(-1);
    }
    if position != -1 {
        position += (start as i64) << 3;
    }
    client.reply_integer(position);
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]
pub const BITOP: CommandSpec = CommandSpec {
    name: "bitop",
    arity: -4,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::BITMAP,
    tips: &[],
    key_specs: &[
        KeySpec {
            flags: &["OW", "update"],
            begin_search: crate::command::BeginSearch::Index(2),
            find_keys: crate::command::FindKeys::Range {
                last_key: 0,
                key_step: 1,
                limit: 0,
            },
        },
        KeySpec {
            flags: &["RO", "access"],
            begin_search: crate::command::BeginSearch::Index(3),
            find_keys: crate::command::FindKeys::Range {
                last_key: -1,
                key_step: 1,
                limit: 0,
            },
        },
    ],
    doc: Doc {
        summary: "Combines string values bit by bit into a destination key",
        since: "2.6.0",
        group: "bitmap",
        complexity: "O(N)",
        args: &[
            Arg::new("operation", ArgKind::String),
            Arg::key("destkey", 0),
            Arg::key("key", 1).multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(bitop),
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

fn bitop(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    // Redis compat: the source keys are read with lookupKeyRead.
    super::count_reads(server, client, true);
    let name = &argv[1];
    let op = if name.eq_ignore_ascii_case(b"and") {
        BitOp::And
    } else if name.eq_ignore_ascii_case(b"or") {
        BitOp::Or
    } else if name.eq_ignore_ascii_case(b"xor") {
        BitOp::Xor
    } else if name.eq_ignore_ascii_case(b"not") {
        BitOp::Not
    } else {
        return client.reply_error(errors::SYNTAX);
    };
    if op == BitOp::Not && argv.len() != 4 {
        return client.reply_error("BITOP NOT must be called with a single source key.");
    }
    let mut sources = Vec::with_capacity(argv.len() - 3);
    for key in argv.iter().skip(3) {
        match read_string(server, client, key) {
            Err(()) => return,
            Ok(bytes) => sources.push(bytes.unwrap_or_default()),
        }
    }
    let max_len = sources.iter().map(Vec::len).max().unwrap_or(0);
    let destination = &argv[2];
    let now = server.now_ms;
    if max_len == 0 {
        if server.dbs[client.db].remove(destination, now) {
            server.dirty += 1;
            server.notify(client, notify::GENERIC, "del", destination);
        }
        return client.reply_integer(0);
    }
    let mut result = Vec::with_capacity(max_len);
    for index in 0..max_len {
        let byte_at = |source: &Vec<u8>| source.get(index).copied().unwrap_or(0);
        let mut output = byte_at(&sources[0]);
        if op == BitOp::Not {
            output = !output;
        }
        for source in &sources[1..] {
            let byte = byte_at(source);
            match op {
                BitOp::And => output &= byte,
                BitOp::Or => output |= byte,
                BitOp::Xor => output ^= byte,
                BitOp::Not => {}
            }
        }
        result.push(output);
    }
    server.dbs[client.db].insert(
        destination,
        Value::Str(StrValue::Bytes(result.into())),
        NO_EXPIRY,
    );
    server.dirty += 1;
    server.notify(client, notify::STRING, "set", destination);
    client.reply_integer(max_len as i64);
}

/// BITFIELD key [GET type offset | SET type offset value | INCRBY type offset increment | OVERFLOW WRAP|SAT|FAIL ...]
pub const BITFIELD: CommandSpec = CommandSpec {
    name: "bitfield",
    arity: -2,
    flags: flags::WRITE | flags::DENYOOM,
    acl: acl::BITMAP,
    tips: &[],
    key_specs: &[keys_from_1(
        &["RW", "access", "update", "variable_flags"],
        0,
        1,
    )],
    doc: Doc {
        summary: "Reads, writes and increments integers of any width at any bit offset of a string",
        since: "3.2.0",
        group: "bitmap",
        complexity: "O(1) for each subcommand specified",
        args: &[
            Arg::key("key", 0),
            Arg::new("operation", ArgKind::String).optional().multiple(),
        ],
    },
    subcommands: &[],
    handler: Some(bitfield),
};

/// BITFIELD_RO key [GET type offset ...]
pub const BITFIELD_RO: CommandSpec = CommandSpec {
    name: "bitfield_ro",
    arity: -2,
    flags: flags::READONLY | flags::FAST,
    key_specs: KEY_RO_ACCESS,
    doc: Doc {
        summary: "Reads integers of any width at any bit offset of a string",
        since: "6.0.0",
        complexity: "O(1) for each subcommand specified",
        ..BITFIELD.doc
    },
    handler: Some(bitfield_ro),
    ..BITFIELD
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldOp {
    Get,
    Set,
    IncrBy,
}

struct FieldCommand {
    op: FieldOp,
    signed: bool,
    bits: u32,
    offset: u64,
    value: i64,
    overflow: Overflow,
}

fn parse_field_type(arg: &[u8]) -> Option<(bool, u32)> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return None,
    };
    let bits = super::parse_i64(&arg[1..])?;
    let max = if signed { 64 } else { 63 };
    (1..=max).contains(&bits).then_some((signed, bits as u32))
}

fn read_field(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    let mut value = 0u64;
    for index in 0..u64::from(bits) {
        let position = offset + index;
        let byte = bytes.get((position >> 3) as usize).copied().unwrap_or(0);
        value = (value << 1) | u64::from((byte >> (7 - (position & 7))) & 1);
    }
    value
}

fn write_field(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    for index in 0..u64::from(bits) {
        let bit = (value >> (u64::from(bits) - 1 - index)) & 1;
        let position = offset + index;
        let shift = 7 - (position & 7);
        if let Some(byte) = bytes.get_mut((position >> 3) as usize) {
            *byte = (*byte & !(1 << shift)) | ((bit as u8) << shift);
        }
    }
}

fn sign_extend(value: u64, bits: u32) -> i64 {
    if bits < 64 && value & (1 << (bits - 1)) != 0 {
        (value | (u64::MAX << bits)) as i64
    } else {
        value as i64
    }
}

/// Redis's checkUnsignedBitfieldOverflow: `Some(limit)` on overflow (the
/// wrapped or saturated value to store), `None` if the result fits.
fn unsigned_overflow(value: u64, increment: i64, bits: u32, overflow: Overflow) -> Option<u64> {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let max_increment = max.wrapping_sub(value) as i64;
    let min_increment = (value as i64).wrapping_neg();
    let wrap = || value.wrapping_add(increment as u64) & !(u64::MAX.checked_shl(bits).unwrap_or(0));
    if value > max || (increment > 0 && increment > max_increment) {
        Some(if overflow == Overflow::Wrap {
            wrap()
        } else {
            max
        })
    } else if increment < 0 && increment < min_increment {
        Some(if overflow == Overflow::Wrap {
            wrap()
        } else {
            0
        })
    } else {
        None
    }
}

/// Redis's checkSignedBitfieldOverflow, same contract as [`unsigned_overflow`].
fn signed_overflow(value: i64, increment: i64, bits: u32, overflow: Overflow) -> Option<i64> {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_increment = (max as u64).wrapping_sub(value as u64) as i64;
    let min_increment = min.wrapping_sub(value);
    let wrap = || {
        let sum = (value as u64).wrapping_add(increment as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if sum & (1 << (bits - 1)) != 0 {
                (sum | mask) as i64
            } else {
                (sum & !mask) as i64
            }
        } else {
            sum as i64
        }
    };
    if value > max
        || (bits != 64 && increment > max_increment)
        || (value >= 0 && increment > 0 && increment > max_increment)
    {
        Some(if overflow == Overflow::Wrap {
            wrap()
        } else {
            max
        })
    } else if value < min
        || (bits != 64 && increment < min_increment)
        || (value < 0 && increment < 0 && increment < min_increment)
    {
        Some(if overflow == Overflow::Wrap {
            wrap()
        } else {
            min
        })
    } else {
        None
    }
}

fn bitfield(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    bitfield_generic(server, client, argv, false);
}

fn bitfield_ro(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    bitfield_generic(server, client, argv, true);
}

fn bitfield_generic(server: &mut Server, client: &mut Client, argv: Argv<'_>, read_only: bool) {
    let mut commands = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest_write: Option<u64> = None;
    let mut index = 2;
    while index < argv.len() {
        let remaining = argv.len() - index - 1;
        let name = &argv[index];
        let op = if name.eq_ignore_ascii_case(b"get") && remaining >= 2 {
            FieldOp::Get
        } else if name.eq_ignore_ascii_case(b"set") && remaining >= 3 {
            FieldOp::Set
        } else if name.eq_ignore_ascii_case(b"incrby") && remaining >= 3 {
            FieldOp::IncrBy
        } else if name.eq_ignore_ascii_case(b"overflow") && remaining >= 1 {
            let kind = &argv[index + 1];
            overflow = if kind.eq_ignore_ascii_case(b"wrap") {
                Overflow::Wrap
            } else if kind.eq_ignore_ascii_case(b"sat") {
                Overflow::Sat
            } else if kind.eq_ignore_ascii_case(b"fail") {
                Overflow::Fail
            } else {
                return client.reply_error("Invalid OVERFLOW type specified");
            };
            index += 2;
            continue;
        } else {
            return client.reply_error(errors::SYNTAX);
        };
        let Some((signed, bits)) = parse_field_type(&argv[index + 1]) else {
            return client.reply_error(BITFIELD_TYPE_ERROR);
        };
        let offset = match parse_bit_offset(server, &argv[index + 2], Some(bits)) {
            Ok(offset) => offset,
            Err(message) => return client.reply_error(message),
        };
        let mut value = 0;
        if op != FieldOp::Get {
            let last = offset + u64::from(bits) - 1;
            highest_write = Some(highest_write.map_or(last, |h| h.max(last)));
            match super::parse_i64(&argv[index + 3]) {
                Some(parsed) => value = parsed,
                None => return client.reply_error(errors::NOT_INTEGER),
            }
        }
        commands.push(FieldCommand {
            op,
            signed,
            bits,
            offset,
            value,
            overflow,
        });
        index += if op == FieldOp::Get { 3 } else { 4 };
    }
    let key = &argv[1];
    if read_only && highest_write.is_some() {
        return client.reply_error("BITFIELD_RO only supports the GET subcommand");
    }
    // Redis compat: only a BITFIELD of GETs reads the key with
    // lookupKeyRead, and only once.
    super::count_reads(server, client, false);
    if is_wrong_type(server, client, key) {
        return;
    }
    let Some(highest_write) = highest_write else {
        super::count_reads(server, client, true);
        let Ok(bytes) = read_string(server, client, key) else {
            return;
        };
        let bytes = bytes.unwrap_or_default();
        client.reply_array_len(commands.len());
        for command in &commands {
            let raw = read_field(&bytes, command.offset, command.bits);
            let value = if command.signed {
                sign_extend(raw, command.bits)
            } else {
                raw as i64
            };
            client.reply_integer(value);
        }
        return;
    };
    let Ok((bytes, grew)) = writable_string(server, client, key, (highest_write >> 3) as usize + 1)
    else {
        return;
    };
    let mut changes = 0u64;
    client.reply_array_len(commands.len());
    for command in &commands {
        let raw = read_field(bytes, command.offset, command.bits);
        let (reply, store, failed) = match (command.op, command.signed) {
            (FieldOp::Get, signed) => {
                let value = if signed {
                    sign_extend(raw, command.bits)
                } else {
                    raw as i64
                };
                client.reply_integer(value);
                continue;
            }
            (FieldOp::IncrBy, true) => {
                let old = sign_extend(raw, command.bits);
                let limited = signed_overflow(old, command.value, command.bits, command.overflow);
                let new = limited.unwrap_or_else(|| old.wrapping_add(command.value));
                (new, new as u64, limited.is_some())
            }
            (FieldOp::Set, true) => {
                let old = sign_extend(raw, command.bits);
                let limited = signed_overflow(command.value, 0, command.bits, command.overflow);
                (
                    old,
                    limited.unwrap_or(command.value) as u64,
                    limited.is_some(),
                )
            }
            (FieldOp::IncrBy, false) => {
                let limited = unsigned_overflow(raw, command.value, command.bits, command.overflow);
                let new = limited.unwrap_or_else(|| raw.wrapping_add(command.value as u64));
                (new as i64, new, limited.is_some())
            }
            (FieldOp::Set, false) => {
                let limited =
                    unsigned_overflow(command.value as u64, 0, command.bits, command.overflow);
                (
                    raw as i64,
                    limited.unwrap_or(command.value as u64),
                    limited.is_some(),
                )
            }
        };
        if failed && command.overflow == Overflow::Fail {
            client.reply_null();
            continue;
        }
        client.reply_integer(reply);
        write_field(bytes, command.offset, command.bits, store);
        let stored = read_field(bytes, command.offset, command.bits);
        if grew || stored != raw {
            changes += 1;
        }
    }
    server.dirty += changes;
    if changes > 0 {
        server.notify(client, notify::STRING, "setbit", key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_across_byte_boundaries() {
        let mut bytes = vec![0u8; 4];
        write_field(&mut bytes, 5, 13, 0x1abc);
        assert_eq!(read_field(&bytes, 5, 13), 0x1abc);
        assert_eq!(sign_extend(read_field(&bytes, 5, 13), 13), 0x1abc - 0x2000);
    }

    #[test]
    fn first_bit_follows_redis() {
        assert_eq!(first_bit(&[0x00, 0x10], true), 11);
        assert_eq!(first_bit(&[0x00], true), -1);
        assert_eq!(first_bit(&[0xff, 0xff], false), 16);
        assert_eq!(first_bit(&[0xff, 0xfe], false), 15);
    }
}
