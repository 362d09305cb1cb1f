//! The RDB serialization format: Redis's on-disk and DUMP encoding of values.
//!
//! Redis uses one encoding for three things: `dump.rdb` files, the payload
//! of `DUMP`/`RESTORE` (and `MIGRATE`), and the full resynchronisation
//! stream of replication. Vireo must read and write it byte for byte, so a
//! `DUMP` taken from Redis restores in Vireo and the other way round.
//!
//! # Layers
//!
//! - [`crc64`]: the checksum (CRC-64/Jones) that ends payloads and files.
//! - [`lzf`]: the compressor for long strings, bit-compatible with Redis's.
//! - [`encoding`]: lengths and strings, the two primitives everything else is
//!   built from, with a bounds-checked [`Reader`] and a [`Writer`].
//! - [`object`]: a value as `type byte + body`, the unit `DUMP` carries and
//!   an RDB file repeats per key.
//! - [`ziplist`]: decoders for the ziplist and zipmap of older files.
//! - [`dump`]: the `DUMP` payload: object, RDB version, checksum.
//! - [`file`]: a whole RDB file (header, aux fields, `SELECTDB`,
//!   `RESIZEDB`, expiry opcodes, one object per key, `EOF`, checksum), with
//!   the opcodes listed in [`opcode`].
//!
//! # A value: type byte and body
//!
//! ```text
//! +--------+--------------------------------+
//! | type   | body (depends on the type)     |
//! | 1 byte | string: one RDB string         |
//! +--------+--------------------------------+
//! ```
//!
//! The type numbers are in [`rdb_type`]. Which type Redis writes depends on
//! the value's encoding (a small hash is a listpack, type 16; a big one a
//! hash table, type 4), and a loader must accept every type older versions
//! wrote (ziplists, zipmaps, quicklists of ziplists).
//!
//! # What Vireo reads and writes today
//!
//! Strings, lists, hashes, sets and sorted sets in Redis 7.0's encodings,
//! and on load every older encoding of them too ([`ziplist`]: ziplists,
//! zipmaps, linked lists). Types Vireo has no data type for yet (streams,
//! modules) are recognised and refused with [`RdbError::UnsupportedType`].
//!
//! # Errors
//!
//! The reader never panics and never allocates more than the input can
//! justify: every length is checked against the bytes left before anything
//! is reserved. Malformed input is an [`RdbError`].

pub mod crc64;
pub mod dump;
pub mod encoding;
pub mod file;
pub mod lzf;
pub mod object;
pub mod ziplist;

pub use encoding::{Reader, Writer};

use std::fmt;

/// The RDB format version Vireo writes, and the newest it accepts in a
/// `DUMP` payload.
///
/// Redis compat: 10 is Redis 7.0's version. Redis 7.2 writes 11 (it added
/// the set listpack and a stream format); 7.0 refuses those payloads, and
/// so does Vireo until it reads them.
pub const RDB_VERSION: u16 = 10;

/// Object type numbers: the first byte of a serialized value.
pub mod rdb_type {
    /// A string.
    pub const STRING: u8 = 0;
    /// A list as a linked list of strings (before Redis 3.2).
    pub const LIST: u8 = 1;
    /// A set as a hash table of strings.
    pub const SET: u8 = 2;
    /// A sorted set with scores as decimal text (before RDB 8).
    pub const ZSET: u8 = 3;
    /// A hash as a hash table.
    pub const HASH: u8 = 4;
    /// A sorted set with binary double scores.
    pub const ZSET_2: u8 = 5;
    /// A module value (old format).
    pub const MODULE: u8 = 6;
    /// A module value with annotations.
    pub const MODULE_2: u8 = 7;
    /// A hash as a zipmap (before Redis 2.6).
    pub const HASH_ZIPMAP: u8 = 9;
    /// A list as one ziplist.
    pub const LIST_ZIPLIST: u8 = 10;
    /// A set of integers as an intset.
    pub const SET_INTSET: u8 = 11;
    /// A sorted set as a ziplist.
    pub const ZSET_ZIPLIST: u8 = 12;
    /// A hash as a ziplist.
    pub const HASH_ZIPLIST: u8 = 13;
    /// A list as a quicklist of ziplists.
    pub const LIST_QUICKLIST: u8 = 14;
    /// A stream (RDB 9).
    pub const STREAM_LISTPACKS: u8 = 15;
    /// A hash as a listpack.
    pub const HASH_LISTPACK: u8 = 16;
    /// A sorted set as a listpack.
    pub const ZSET_LISTPACK: u8 = 17;
    /// A list as a quicklist of listpacks (Redis 7.0).
    pub const LIST_QUICKLIST_2: u8 = 18;
    /// A stream with consumer group metadata (Redis 7.0).
    pub const STREAM_LISTPACKS_2: u8 = 19;
    /// A set as a listpack (Redis 7.2, RDB 11).
    pub const SET_LISTPACK: u8 = 20;
    /// A stream with more consumer group metadata (Redis 7.2, RDB 11).
    pub const STREAM_LISTPACKS_3: u8 = 21;

    /// Whether Redis 7.0 (RDB 10) knows `rdb_type` as an object type.
    pub fn is_object_type(rdb_type: u8) -> bool {
        matches!(rdb_type, 0..=7 | 9..=19)
    }
}

/// Opcodes of an RDB file: bytes in the type position that are not values.
pub mod opcode {
    /// Function library (Redis 7.0).
    pub const FUNCTION2: u8 = 245;
    /// Function library of Redis 7.0 release candidates.
    pub const FUNCTION: u8 = 246;
    /// Module auxiliary data.
    pub const MODULE_AUX: u8 = 247;
    /// The next key's idle time (LRU).
    pub const IDLE: u8 = 248;
    /// The next key's access frequency (LFU).
    pub const FREQ: u8 = 249;
    /// An auxiliary field: two strings.
    pub const AUX: u8 = 250;
    /// Hash table size hints for the current database.
    pub const RESIZEDB: u8 = 251;
    /// The next key's expiry time, milliseconds.
    pub const EXPIRETIME_MS: u8 = 252;
    /// The next key's expiry time, seconds (old).
    pub const EXPIRETIME: u8 = 253;
    /// The database the following keys belong to.
    pub const SELECTDB: u8 = 254;
    /// End of the file; the checksum follows.
    pub const EOF: u8 = 255;
}

/// Why serialized data could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RdbError {
    /// The data ends in the middle of an item.
    Truncated,
    /// A length's first byte has the 32/64-bit prefix `10` with a kind other
    /// than 0x80 or 0x81.
    BadLengthEncoding(u8),
    /// A string has the special-encoding prefix `11` with a kind other than
    /// int8, int16, int32 or LZF.
    BadStringEncoding(u8),
    /// LZF data that does not decode to its declared length.
    BadLzf,
    /// A byte in type position that is no object type.
    UnknownType(u8),
    /// An object type Redis knows that Vireo cannot load yet.
    UnsupportedType(u8),
    /// A well-formed item whose content is invalid (a corrupt listpack, a
    /// duplicate hash field, an empty collection).
    BadData,
    /// A file that does not start with `REDIS` and four digits.
    BadMagic,
    /// A file version Vireo does not read.
    BadVersion(u16),
    /// A file whose checksum does not match its contents.
    BadChecksum,
    /// A database number the server does not have.
    DbOutOfRange(u64),
    /// The same key twice in one database.
    DuplicateKey,
}

impl fmt::Display for RdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RdbError::Truncated => f.write_str("unexpected end of RDB data"),
            RdbError::BadLengthEncoding(byte) => {
                write!(f, "unknown length encoding {byte:#04x}")
            }
            RdbError::BadStringEncoding(kind) => write!(f, "unknown string encoding {kind}"),
            RdbError::BadLzf => f.write_str("invalid LZF compressed string"),
            RdbError::BadData => f.write_str("invalid collection content"),
            RdbError::UnknownType(rdb_type) => write!(f, "unknown object type {rdb_type}"),
            RdbError::UnsupportedType(rdb_type) => {
                write!(f, "object type {rdb_type} is not supported yet")
            }
            RdbError::BadMagic => f.write_str("wrong signature trying to load DB from file"),
            RdbError::BadVersion(version) => write!(f, "can't handle RDB format version {version}"),
            RdbError::BadChecksum => f.write_str("RDB CRC error"),
            RdbError::DbOutOfRange(index) => {
                write!(f, "FATAL: Data file was created with a Redis server configured to handle more than {index} databases")
            }
            RdbError::DuplicateKey => f.write_str("duplicated key found in RDB file"),
        }
    }
}

impl std::error::Error for RdbError {}
