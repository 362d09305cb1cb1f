//! The `DUMP` payload: one serialized value with a version and a checksum.
//!
//! ```text
//! +------+----------------+-------------------+--------------------+
//! | type | body           | RDB version       | CRC-64 of all the  |
//! | 1 B  | (see `object`) | 2 bytes, LE       | bytes before it,   |
//! |      |                | (10 for Redis 7.0)| 8 bytes, LE        |
//! +------+----------------+-------------------+--------------------+
//! ```
//!
//! `RESTORE` checks the footer first (a version newer than the reader's,
//! or a wrong checksum, are refused before anything is parsed), then reads
//! the type and body. Redis parses the whole argument, footer included, and
//! ignores whatever the body leaves unread; [`load_payload`] does the same,
//! so the same malformed payloads are accepted and refused as in Redis.

use super::encoding::{Reader, Writer};
use super::{crc64, object, RdbError, RDB_VERSION};
use crate::object::Value;

/// Bytes of footer: two of version and eight of checksum.
pub const FOOTER_LEN: usize = 10;

/// Why a payload's footer was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FooterError {
    /// Shorter than a footer.
    TooShort,
    /// Written by a newer RDB version than this reader knows.
    NewerVersion(u16),
    /// The checksum does not match.
    Checksum,
}

/// Serializes `value` as Redis's `DUMP` does; `compression` is the
/// `rdbcompression` setting.
pub fn create_payload(value: &Value, compression: bool) -> Vec<u8> {
    let mut writer = Writer::new(compression);
    object::write_typed_object(&mut writer, value);
    writer.write_raw(&RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(writer.bytes());
    writer.write_raw(&crc.to_le_bytes());
    writer.into_bytes()
}

/// Checks the footer of `payload`, returning the RDB version it names
/// (Redis's `verifyDumpPayload`). With `check_checksum` false (`DEBUG
/// SET-SKIP-CHECKSUM-VALIDATION 1`), only the version is checked.
///
/// # Errors
/// A payload too short for a footer, a version newer than
/// [`RDB_VERSION`], or a checksum mismatch.
pub fn verify_footer(payload: &[u8], check_checksum: bool) -> Result<u16, FooterError> {
    let Some(body_len) = payload.len().checked_sub(FOOTER_LEN) else {
        return Err(FooterError::TooShort);
    };
    let (checked, crc_bytes) = payload.split_at(body_len + 2);
    let version = u16::from_le_bytes([checked[body_len], checked[body_len + 1]]);
    if version > RDB_VERSION {
        return Err(FooterError::NewerVersion(version));
    }
    if check_checksum {
        let mut stored = [0u8; 8];
        stored.copy_from_slice(crc_bytes);
        if crc64::crc64(checked) != u64::from_le_bytes(stored) {
            return Err(FooterError::Checksum);
        }
    }
    Ok(version)
}

/// Reads the value of a payload whose footer [`verify_footer`] accepted.
///
/// # Errors
/// Any malformed or unsupported body.
pub fn load_payload(payload: &[u8]) -> Result<Value, RdbError> {
    // Redis compat: the reader runs over the whole argument, footer
    // included; a body cut short may borrow footer bytes, and bytes left
    // over are ignored.
    object::read_typed_object(&mut Reader::new(payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::StrValue;
    use proptest::prelude::*;

    fn string(text: &[u8]) -> Value {
        Value::Str(StrValue::from_bytes(text))
    }

    #[test]
    fn payloads_match_redis() {
        // `SET foo bar` then `DUMP foo`, and the same for 300, on Redis 7.0.
        let cases: &[(&[u8], &[u8])] = &[
            (
                b"bar",
                b"\x00\x03bar\x0a\x00\xe6\xbe\x49\x60\xee\x66\xfd\x17",
            ),
            (
                b"300",
                b"\x00\xc1\x2c\x01\x0a\x00\x95\x42\x61\xf2\x65\x82\x5c\x10",
            ),
        ];
        for &(text, expected) in cases {
            let payload = create_payload(&string(text), true);
            assert_eq!(payload, expected);
            assert_eq!(verify_footer(&payload, true), Ok(10));
            assert_eq!(load_payload(&payload), Ok(string(text)));
        }
    }

    #[test]
    fn footers_are_checked() {
        let payload = create_payload(&string(b"hello"), true);
        let mut corrupted = payload.clone();
        corrupted[1] ^= 1;
        assert_eq!(verify_footer(&corrupted, true), Err(FooterError::Checksum));
        assert_eq!(verify_footer(&corrupted, false), Ok(10));
        let mut newer = payload.clone();
        let at = newer.len() - FOOTER_LEN;
        newer[at] = 11;
        assert_eq!(
            verify_footer(&newer, false),
            Err(FooterError::NewerVersion(11))
        );
        let mut older = payload;
        older[at] = 9;
        assert_eq!(verify_footer(&older, false), Ok(9));
        assert_eq!(verify_footer(&[0; 9], false), Err(FooterError::TooShort));
    }

    #[test]
    fn a_body_may_run_into_the_footer() {
        // A 3-byte string of which only "ab" precedes the footer: the
        // version's two bytes complete it, as in Redis.
        let mut payload = b"\x00\x04ab".to_vec();
        payload.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let crc = crc64::crc64(&payload);
        payload.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(verify_footer(&payload, true), Ok(10));
        assert_eq!(load_payload(&payload), Ok(string(b"ab\x0a\x00")));
    }

    proptest! {
        #[test]
        fn random_payloads_never_panic(data in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = verify_footer(&data, true);
            let loaded = load_payload(&data);
            // Only a string type byte can load today.
            prop_assert!(loaded.is_err() || data.first() == Some(&0));
        }

        #[test]
        fn random_bodies_with_valid_footers_never_panic(
            body in proptest::collection::vec(any::<u8>(), 0..128),
        ) {
            let mut payload = body;
            payload.extend_from_slice(&RDB_VERSION.to_le_bytes());
            let crc = crc64::crc64(&payload);
            payload.extend_from_slice(&crc.to_le_bytes());
            prop_assert_eq!(verify_footer(&payload, true), Ok(RDB_VERSION));
            if let Ok(Value::Str(value)) = load_payload(&payload) {
                prop_assert!(value.len() <= payload.len() * 88);
            }
        }

        #[test]
        fn strings_survive_dump_and_restore(
            data in proptest::collection::vec(prop_oneof![Just(b'7'), Just(b'z'), any::<u8>()], 0..300),
            compression in any::<bool>(),
        ) {
            let value = string(&data);
            let payload = create_payload(&value, compression);
            prop_assert_eq!(verify_footer(&payload, true), Ok(RDB_VERSION));
            prop_assert_eq!(load_payload(&payload), Ok(value));
        }
    }
}
