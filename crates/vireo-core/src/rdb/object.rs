//! One value as RDB stores it: a type byte and a type-specific body.
//!
//! ```text
//! string (type 0):    [RDB string]
//! ```
//!
//! The bodies of the other types, for the data types still to come (all
//! lengths in RDB length encoding, strings in RDB string encoding):
//!
//! ```text
//! list quicklist 2 (18):  [node count] then per node: [container: 1 plain,
//!                         2 packed] [RDB string: one listpack or element]
//! set (2):                [count] [string]...
//! set intset (11):        [RDB string holding an intset]
//! set listpack (20):      [RDB string holding a listpack]        (RDB 11)
//! zset 2 (5):             [count] ([member string] [8-byte LE double])...
//! zset listpack (17):     [RDB string holding a listpack]
//! hash (4):               [count] ([field string] [value string])...
//! hash listpack (16):     [RDB string holding a listpack]
//! old encodings, load only: list (1), zset (3, text scores), zipmap (9),
//! list ziplist (10), zset ziplist (12), hash ziplist (13),
//! quicklist of ziplists (14)
//! ```
//!
//! Which type Redis 7.0 *writes* follows the value's encoding: a list is
//! always type 18; a set is 11 when intset-encoded, else 2; a sorted set
//! 17 when listpack-encoded, else 5; a hash 16 when listpack-encoded, else
//! 4. Writing the same encoding as Redis is what keeps `DUMP` identical.

use super::encoding::{Reader, Writer};
use super::{rdb_type, RdbError};
use crate::object::Value;

/// The type byte Redis 7.0 writes for `value`.
pub fn object_type(value: &Value) -> u8 {
    match value {
        Value::Str(_) => rdb_type::STRING,
    }
}

/// Appends the body of `value` (Redis's `rdbSaveObject`).
pub fn write_object(writer: &mut Writer, value: &Value) {
    match value {
        Value::Str(string) => writer.write_str_value(string),
    }
}

/// Appends the type byte and the body of `value`.
pub fn write_typed_object(writer: &mut Writer, value: &Value) {
    writer.write_u8(object_type(value));
    write_object(writer, value);
}

/// Reads a type byte that must be an object type (Redis's
/// `rdbLoadObjectType`).
///
/// # Errors
/// Truncation, or [`RdbError::UnknownType`] for a byte that is no object
/// type of RDB 10 (opcodes included).
pub fn read_object_type(reader: &mut Reader<'_>) -> Result<u8, RdbError> {
    let byte = reader.read_u8()?;
    if rdb_type::is_object_type(byte) {
        Ok(byte)
    } else {
        Err(RdbError::UnknownType(byte))
    }
}

/// Reads the body of a value of type `object_type` (Redis's
/// `rdbLoadObject`).
///
/// # Errors
/// Malformed data, or [`RdbError::UnsupportedType`] for a type whose data
/// type Vireo does not have yet.
pub fn read_object(object_type: u8, reader: &mut Reader<'_>) -> Result<Value, RdbError> {
    match object_type {
        rdb_type::STRING => Ok(Value::Str(reader.read_string()?.into_str_value())),
        // Each of these needs its data type first, then:
        // - LIST, LIST_ZIPLIST, LIST_QUICKLIST, LIST_QUICKLIST_2: a ziplist
        //   and a listpack decoder (validating, converting ziplists to
        //   listpacks), quicklist node containers;
        // - SET, SET_INTSET, SET_LISTPACK: an intset decoder, and the
        //   `set-max-intset-entries` conversion rules;
        // - ZSET, ZSET_2, ZSET_ZIPLIST, ZSET_LISTPACK: text and binary
        //   double scores, listpack/ziplist pairs;
        // - HASH, HASH_ZIPMAP, HASH_ZIPLIST, HASH_LISTPACK: zipmap and
        //   listpack pairs with duplicate detection;
        // - STREAM_LISTPACKS(_2): the stream type with consumer groups;
        // - MODULE, MODULE_2: modules, which Vireo does not plan.
        // An empty collection is an error (Redis's `emptykey`).
        rdb_type::LIST
        | rdb_type::SET
        | rdb_type::ZSET
        | rdb_type::HASH
        | rdb_type::ZSET_2
        | rdb_type::MODULE
        | rdb_type::MODULE_2
        | rdb_type::HASH_ZIPMAP
        | rdb_type::LIST_ZIPLIST
        | rdb_type::SET_INTSET
        | rdb_type::ZSET_ZIPLIST
        | rdb_type::HASH_ZIPLIST
        | rdb_type::LIST_QUICKLIST
        | rdb_type::STREAM_LISTPACKS
        | rdb_type::HASH_LISTPACK
        | rdb_type::ZSET_LISTPACK
        | rdb_type::LIST_QUICKLIST_2
        | rdb_type::STREAM_LISTPACKS_2 => Err(RdbError::UnsupportedType(object_type)),
        other => Err(RdbError::UnknownType(other)),
    }
}

/// Reads a type byte and the body that follows.
///
/// # Errors
/// As [`read_object_type`] and [`read_object`].
pub fn read_typed_object(reader: &mut Reader<'_>) -> Result<Value, RdbError> {
    let object_type = read_object_type(reader)?;
    read_object(object_type, reader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::StrValue;

    #[test]
    fn strings_round_trip_with_their_encoding() {
        for text in [
            &b"12"[..],
            b"hello",
            &[b'x'; 44],
            &[b'y'; 45],
            b"99999999999",
        ] {
            let value = Value::Str(StrValue::from_bytes(text));
            let mut writer = Writer::new(true);
            write_typed_object(&mut writer, &value);
            let bytes = writer.into_bytes();
            assert_eq!(bytes[0], rdb_type::STRING);
            let loaded = read_typed_object(&mut Reader::new(&bytes));
            assert_eq!(loaded.as_ref().map(Value::encoding), Ok(value.encoding()));
            assert_eq!(loaded, Ok(value));
        }
    }

    #[test]
    fn types_are_known_unsupported_or_unknown() {
        for byte in 0..=255u8 {
            let result = read_typed_object(&mut Reader::new(&[byte, 0x00]));
            match byte {
                0 => assert!(result.is_ok()),
                1..=7 | 9..=19 => assert_eq!(result, Err(RdbError::UnsupportedType(byte))),
                _ => assert_eq!(result, Err(RdbError::UnknownType(byte))),
            }
        }
    }
}
