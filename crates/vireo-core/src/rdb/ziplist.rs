//! Decoders for the compact encodings older Redis versions wrote into RDB
//! files and DUMP payloads: the ziplist (lists, hashes and sorted sets up
//! to Redis 6.2, quicklist nodes from 3.2 to 6.2) and the zipmap (hashes
//! before 2.6). Vireo never writes them; it reads them into its own
//! encodings, so a `dump.rdb` from an older Redis loads unchanged.
//!
//! # Ziplist
//!
//! ```text
//! zlbytes u32 LE | zltail u32 LE | zllen u16 LE | entry ... | 0xFF
//! entry: prevlen (1 byte < 254, or 0xFE + u32 LE) | encoding | data
//!   00pppppp                 string of 6-bit length
//!   01pppppp qqqqqqqq        string of 14-bit length (big-endian)
//!   10000000 + u32 BE        string of 32-bit length
//!   11000000 / 11010000 / 11100000   int16 / int32 / int64, LE
//!   11110000                 int24, LE
//!   11111110                 int8
//!   1111xxxx (0001..1101)    the integer xxxx - 1 (0 to 12), no data
//! ```
//!
//! # Zipmap
//!
//! ```text
//! zmlen u8 | (len key len free value <free bytes>)... | 0xFF
//! len: one byte < 254, or 0xFE + u32 LE
//! ```
//!
//! Both decoders check every length against the bytes present and the
//! framing (`zlbytes`, `zltail`, the end marker), so damaged input is an
//! error, never a panic.

use super::RdbError;

/// (field, value) or (member, score) pairs as read from a container.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// The entries of a ziplist, integers as their decimal text.
///
/// # Errors
/// [`RdbError::BadData`] for anything malformed.
pub fn decode_ziplist(bytes: &[u8]) -> Result<Vec<Vec<u8>>, RdbError> {
    const HEADER: usize = 10;
    let bad = || RdbError::BadData;
    if bytes.len() < HEADER + 1 {
        return Err(bad());
    }
    let total = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let tail = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    let count = u16::from_le_bytes([bytes[8], bytes[9]]);
    if total != bytes.len() || bytes[total - 1] != 0xFF || tail >= total {
        return Err(bad());
    }
    let mut entries = Vec::new();
    let mut position = HEADER;
    let mut last_entry = None;
    while bytes[position] != 0xFF {
        last_entry = Some(position);
        position += match bytes[position] {
            254 => 5,
            255 => return Err(bad()),
            _ => 1,
        };
        let encoding = *bytes.get(position).ok_or_else(bad)?;
        let take = |from: usize, len: usize| -> Result<&[u8], RdbError> {
            bytes
                .get(from..from.checked_add(len).ok_or_else(bad)?)
                .ok_or_else(bad)
        };
        let (value, used) = match encoding >> 6 {
            0b00 => {
                let len = usize::from(encoding & 0x3F);
                (take(position + 1, len)?.to_vec(), 1 + len)
            }
            0b01 => {
                let low = *bytes.get(position + 1).ok_or_else(bad)?;
                let len = usize::from(encoding & 0x3F) << 8 | usize::from(low);
                (take(position + 2, len)?.to_vec(), 2 + len)
            }
            0b10 => {
                if encoding != 0x80 {
                    return Err(bad());
                }
                let raw = take(position + 1, 4)?;
                let len = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
                (take(position + 5, len)?.to_vec(), 5 + len)
            }
            _ => {
                let (value, width) = match encoding {
                    0xC0 => {
                        let raw = take(position + 1, 2)?;
                        (i64::from(i16::from_le_bytes([raw[0], raw[1]])), 2)
                    }
                    0xD0 => {
                        let raw = take(position + 1, 4)?;
                        (
                            i64::from(i32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]])),
                            4,
                        )
                    }
                    0xE0 => {
                        let raw = take(position + 1, 8)?;
                        let mut array = [0u8; 8];
                        array.copy_from_slice(raw);
                        (i64::from_le_bytes(array), 8)
                    }
                    0xF0 => {
                        let raw = take(position + 1, 3)?;
                        // Sign-extend 24 bits through the top of an i32.
                        let wide = i32::from_le_bytes([0, raw[0], raw[1], raw[2]]) >> 8;
                        (i64::from(wide), 3)
                    }
                    0xFE => {
                        let raw = take(position + 1, 1)?;
                        (i64::from(raw[0] as i8), 1)
                    }
                    0xF1..=0xFD => (i64::from(encoding & 0x0F) - 1, 0),
                    _ => return Err(bad()),
                };
                (value.to_string().into_bytes(), 1 + width)
            }
        };
        entries.push(value);
        position += used;
        if position >= total {
            return Err(bad());
        }
    }
    if position != total - 1 || last_entry.unwrap_or(HEADER) != tail {
        return Err(bad());
    }
    // Redis compat: 65535 means "too many to count in the header".
    if count != u16::MAX && usize::from(count) != entries.len() {
        return Err(bad());
    }
    Ok(entries)
}

/// The (key, value) pairs of a zipmap.
///
/// # Errors
/// [`RdbError::BadData`] for anything malformed.
pub fn decode_zipmap(bytes: &[u8]) -> Result<Pairs, RdbError> {
    let bad = || RdbError::BadData;
    let mut position = 1;
    let length = |position: &mut usize| -> Result<usize, RdbError> {
        let first = *bytes.get(*position).ok_or_else(bad)?;
        match first {
            0..=253 => {
                *position += 1;
                Ok(usize::from(first))
            }
            254 => {
                let raw = bytes.get(*position + 1..*position + 5).ok_or_else(bad)?;
                *position += 5;
                Ok(u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize)
            }
            255 => Err(bad()),
        }
    };
    let take = |position: &mut usize, len: usize| -> Result<Vec<u8>, RdbError> {
        let end = position.checked_add(len).ok_or_else(bad)?;
        let slice = bytes.get(*position..end).ok_or_else(bad)?;
        *position = end;
        Ok(slice.to_vec())
    };
    let mut pairs = Vec::new();
    loop {
        match bytes.get(position) {
            None => return Err(bad()),
            Some(0xFF) => break,
            Some(_) => {}
        }
        let key_len = length(&mut position)?;
        let key = take(&mut position, key_len)?;
        let value_len = length(&mut position)?;
        let free = usize::from(*bytes.get(position).ok_or_else(bad)?);
        position += 1;
        let value = take(&mut position, value_len)?;
        take(&mut position, free)?;
        pairs.push((key, value));
    }
    if position + 1 != bytes.len() {
        return Err(bad());
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ziplist built by hand from (prevlen, encoding and data) entries.
    fn ziplist(entries: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut previous = 0usize;
        let mut tail = 10;
        for entry in entries {
            tail = 10 + body.len();
            body.push(previous as u8);
            body.extend_from_slice(entry);
            previous = 1 + entry.len();
        }
        let total = 10 + body.len() + 1;
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&(total as u32).to_le_bytes());
        bytes.extend_from_slice(&(tail as u32).to_le_bytes());
        bytes.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&body);
        bytes.push(0xFF);
        bytes
    }

    #[test]
    fn every_ziplist_encoding_decodes() {
        let bytes = ziplist(&[
            b"\x03abc",
            b"\xF1",
            b"\xFD",
            b"\xFE\x85",
            b"\xC0\x00\x80",
            b"\xF0\xFF\xFF\x7F",
            b"\xD0\x00\x00\x00\x80",
            b"\xE0\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x7F",
            b"\x40\x02hi",
        ]);
        let decoded = decode_ziplist(&bytes).unwrap();
        let expected: Vec<&[u8]> = vec![
            b"abc",
            b"0",
            b"12",
            b"-123",
            b"-32768",
            b"8388607",
            b"-2147483648",
            b"9223372036854775807",
            b"hi",
        ];
        assert_eq!(decoded, expected);
    }

    #[test]
    fn damaged_ziplists_are_errors() {
        let good = ziplist(&[b"\x03abc", b"\xF5"]);
        assert!(decode_ziplist(&good).is_ok());
        for end in 0..good.len() {
            assert!(decode_ziplist(&good[..end]).is_err(), "prefix {end}");
        }
        let mut wrong_count = good.clone();
        wrong_count[8] = 3;
        assert!(decode_ziplist(&wrong_count).is_err());
        let mut bad_encoding = good.clone();
        bad_encoding[11] = 0x81;
        assert!(decode_ziplist(&bad_encoding).is_err());
        let mut long_string = good;
        long_string[11] = 0x3F;
        assert!(decode_ziplist(&long_string).is_err());
    }

    #[test]
    fn zipmaps_decode_with_free_space_and_damage_is_an_error() {
        let bytes = b"\x02\x03foo\x03\x02bar\x00\x00\x01a\x01\x00b\xFF";
        assert_eq!(
            decode_zipmap(bytes).unwrap(),
            vec![
                (b"foo".to_vec(), b"bar".to_vec()),
                (b"a".to_vec(), b"b".to_vec())
            ]
        );
        for end in 0..bytes.len() {
            assert!(decode_zipmap(&bytes[..end]).is_err(), "prefix {end}");
        }
    }
}
