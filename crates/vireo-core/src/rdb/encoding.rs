//! RDB's two primitives: lengths and strings.
//!
//! # Lengths
//!
//! The two high bits of the first byte choose the form (lengths are big
//! endian, unlike almost everything else in RDB):
//!
//! ```text
//! 00LLLLLL                      0..=63
//! 01LLLLLL LLLLLLLL             64..=16383 (14 bits)
//! 10000000 [4 bytes, BE]        up to 2^32 - 1
//! 10000001 [8 bytes, BE]        anything larger
//! 11KKKKKK                      not a length: a specially encoded string
//!                               of kind K follows (see below)
//! ```
//!
//! A writer always uses the shortest form; a reader accepts any form for
//! any value (a 5-byte length of 3 is valid).
//!
//! # Strings
//!
//! ```text
//! [length L] [L bytes]                           verbatim
//! 11000000 [1 byte]                              int8,  the decimal text of it
//! 11000001 [2 bytes, LE]                         int16
//! 11000010 [4 bytes, LE]                         int32
//! 11000011 [length C] [length L] [C bytes]       LZF: C compressed bytes
//!                                                that expand to L bytes
//! ```
//!
//! Redis's writer (`rdbSaveRawString`), which [`Writer::write_string`]
//! follows exactly so `DUMP` output is identical:
//! 1. a string of at most 11 bytes that is the canonical decimal form of an
//!    integer (`string2ll`) in the i32 range is stored in the smallest int
//!    encoding that holds it;
//! 2. with `rdbcompression yes`, a string of more than 20 bytes is
//!    LZF-compressed, and kept compressed if the result is at most
//!    `len - 4` bytes;
//! 3. otherwise it is stored verbatim.
//!
//! A value held as an integer (`OBJECT ENCODING int`) goes through
//! [`Writer::write_int_string`]: an int encoding when it fits in i32, else
//! its decimal text verbatim, which is what rule 1-3 give for that text too.

use super::{lzf, RdbError};
use crate::object::StrValue;
use std::borrow::Cow;

/// First-byte tag of a 32-bit length.
const LEN_32BIT: u8 = 0x80;
/// First-byte tag of a 64-bit length.
const LEN_64BIT: u8 = 0x81;
/// The two high bits of a special string encoding.
const ENCVAL: u8 = 0b11;

/// Special string encoding kinds (the low six bits after `11`).
pub mod string_encoding {
    /// A signed 8-bit integer.
    pub const INT8: u8 = 0;
    /// A signed 16-bit integer, little endian.
    pub const INT16: u8 = 1;
    /// A signed 32-bit integer, little endian.
    pub const INT32: u8 = 2;
    /// An LZF-compressed string.
    pub const LZF: u8 = 3;
}

/// Redis compat: strings this long or shorter are never compressed ("under
/// 20 bytes it's unable to compress even aaaaaaaaaaaaaaaaaa").
const MIN_COMPRESS_LEN: usize = 20;
/// Only strings this long or shorter can be int-encoded.
const MAX_INT_ENCODED_TEXT: usize = 11;

/// A length field as read: a length, or the kind of a special encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// A plain length.
    Plain(u64),
    /// `11KKKKKK`: a specially encoded string of kind K follows.
    Encoded(u8),
}

/// A string as stored: integers stay integers, verbatim bytes borrow the
/// input, decompressed bytes are owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RdbString<'a> {
    /// An int8/16/32 encoding.
    Int(i64),
    /// Bytes of the input or of a decompressed blob.
    Bytes(Cow<'a, [u8]>),
}

impl RdbString<'_> {
    /// The value as Redis keeps a loaded string: integers as integers, any
    /// other bytes as an integer too when they are one (`tryObjectEncoding`).
    pub fn into_str_value(self) -> StrValue {
        match self {
            RdbString::Int(value) => StrValue::Int(value),
            RdbString::Bytes(bytes) => StrValue::from_bytes(&bytes),
        }
    }

    /// The string's bytes (integers in decimal).
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            RdbString::Int(value) => crate::util::format_i64(&mut [0; 20], value).to_vec(),
            RdbString::Bytes(bytes) => bytes.into_owned(),
        }
    }
}

/// A bounds-checked cursor over serialized bytes.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, position: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Bytes not consumed yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.position
    }

    /// One byte.
    ///
    /// # Errors
    /// [`RdbError::Truncated`] at the end.
    pub fn read_u8(&mut self) -> Result<u8, RdbError> {
        let byte = *self.bytes.get(self.position).ok_or(RdbError::Truncated)?;
        self.position += 1;
        Ok(byte)
    }

    /// The next `len` bytes.
    ///
    /// # Errors
    /// [`RdbError::Truncated`] if fewer are left; nothing is consumed then.
    pub fn read_bytes(&mut self, len: u64) -> Result<&'a [u8], RdbError> {
        let len = usize::try_from(len).map_err(|_| RdbError::Truncated)?;
        if len > self.remaining() {
            return Err(RdbError::Truncated);
        }
        let bytes = &self.bytes[self.position..self.position + len];
        self.position += len;
        Ok(bytes)
    }

    /// A little-endian IEEE 754 double (RDB_TYPE_ZSET_2 scores).
    ///
    /// # Errors
    /// [`RdbError::Truncated`] if fewer than 8 bytes are left.
    pub fn read_f64_le(&mut self) -> Result<f64, RdbError> {
        self.read_array().map(f64::from_le_bytes)
    }

    fn read_array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let mut array = [0; N];
        array.copy_from_slice(self.read_bytes(N as u64)?);
        Ok(array)
    }

    /// A length field, or the kind of special encoding it announces
    /// (Redis's `rdbLoadLenByRef`).
    ///
    /// # Errors
    /// Truncation, or a first byte `10xxxxxx` other than 0x80 and 0x81.
    pub fn read_length(&mut self) -> Result<Length, RdbError> {
        let first = self.read_u8()?;
        match first >> 6 {
            0b00 => Ok(Length::Plain(u64::from(first & 0x3f))),
            0b01 => {
                let second = self.read_u8()?;
                Ok(Length::Plain(
                    (u64::from(first & 0x3f) << 8) | u64::from(second),
                ))
            }
            ENCVAL => Ok(Length::Encoded(first & 0x3f)),
            _ if first == LEN_32BIT => Ok(Length::Plain(u64::from(u32::from_be_bytes(
                self.read_array()?,
            )))),
            _ if first == LEN_64BIT => Ok(Length::Plain(u64::from_be_bytes(self.read_array()?))),
            _ => Err(RdbError::BadLengthEncoding(first)),
        }
    }

    /// A length where a length is expected (Redis's `rdbLoadLen` with no
    /// `isencoded` out-parameter).
    ///
    /// # Errors
    /// As [`Reader::read_length`].
    pub fn read_len(&mut self) -> Result<u64, RdbError> {
        match self.read_length()? {
            Length::Plain(len) => Ok(len),
            // Redis compat: where only a length makes sense, the special
            // encoding flag is ignored and the six low bits are the length.
            Length::Encoded(kind) => Ok(u64::from(kind)),
        }
    }

    /// A string in any of its encodings (Redis's
    /// `rdbGenericLoadStringObject`).
    ///
    /// # Errors
    /// Truncation, an unknown special encoding, or bad LZF data.
    pub fn read_string(&mut self) -> Result<RdbString<'a>, RdbError> {
        match self.read_length()? {
            Length::Plain(len) => Ok(RdbString::Bytes(Cow::Borrowed(self.read_bytes(len)?))),
            Length::Encoded(string_encoding::INT8) => {
                let [byte] = self.read_array()?;
                Ok(RdbString::Int(i64::from(byte as i8)))
            }
            Length::Encoded(string_encoding::INT16) => Ok(RdbString::Int(i64::from(
                i16::from_le_bytes(self.read_array()?),
            ))),
            Length::Encoded(string_encoding::INT32) => Ok(RdbString::Int(i64::from(
                i32::from_le_bytes(self.read_array()?),
            ))),
            Length::Encoded(string_encoding::LZF) => {
                let compressed_len = self.read_len()?;
                let len = self.read_len()?;
                let compressed = self.read_bytes(compressed_len)?;
                Ok(RdbString::Bytes(Cow::Owned(decompress_exact(
                    compressed, len,
                )?)))
            }
            Length::Encoded(kind) => Err(RdbError::BadStringEncoding(kind)),
        }
    }
}

/// Decompresses an LZF blob that must expand to exactly `len` bytes.
fn decompress_exact(compressed: &[u8], len: u64) -> Result<Vec<u8>, RdbError> {
    // Redis compat: Redis checks `lzf_decompress(...) == len`, and the
    // decompressor returns 0 on any error, so a declared length of 0
    // accepts any compressed bytes as the empty string.
    if len == 0 {
        return Ok(Vec::new());
    }
    let len = usize::try_from(len).map_err(|_| RdbError::BadLzf)?;
    match lzf::decompress(compressed, len) {
        Ok(bytes) if bytes.len() == len => Ok(bytes),
        _ => Err(RdbError::BadLzf),
    }
}

/// Appends RDB-encoded data to a buffer.
pub struct Writer {
    out: Vec<u8>,
    compression: bool,
    compressor: Option<Box<lzf::Compressor>>,
}

impl Writer {
    /// An empty writer; `compression` is the `rdbcompression` setting.
    pub fn new(compression: bool) -> Writer {
        Writer {
            out: Vec::new(),
            compression,
            compressor: None,
        }
    }

    /// The bytes written so far.
    pub fn bytes(&self) -> &[u8] {
        &self.out
    }

    /// The buffer.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// Forgets the bytes written so far, keeping the buffer's capacity
    /// (a file writer flushes then reuses it).
    pub fn clear(&mut self) {
        self.out.clear();
    }

    /// Appends one byte.
    pub fn write_u8(&mut self, byte: u8) {
        self.out.push(byte);
    }

    /// Appends bytes as they are.
    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// Appends a length in its shortest form (Redis's `rdbSaveLen`).
    pub fn write_len(&mut self, len: u64) {
        if len < 1 << 6 {
            self.out.push(len as u8);
        } else if len < 1 << 14 {
            self.out.push(0x40 | (len >> 8) as u8);
            self.out.push(len as u8);
        } else if let Ok(len) = u32::try_from(len) {
            self.out.push(LEN_32BIT);
            self.out.extend_from_slice(&len.to_be_bytes());
        } else {
            self.out.push(LEN_64BIT);
            self.out.extend_from_slice(&len.to_be_bytes());
        }
    }

    /// Appends `value` in the smallest int encoding; false (and nothing
    /// written) if it does not fit in 32 bits (Redis's `rdbEncodeInteger`).
    fn write_int_encoded(&mut self, value: i64) -> bool {
        let tag = |kind: u8| (ENCVAL << 6) | kind;
        if let Ok(value) = i8::try_from(value) {
            self.out.push(tag(string_encoding::INT8));
            self.out.push(value as u8);
        } else if let Ok(value) = i16::try_from(value) {
            self.out.push(tag(string_encoding::INT16));
            self.out.extend_from_slice(&value.to_le_bytes());
        } else if let Ok(value) = i32::try_from(value) {
            self.out.push(tag(string_encoding::INT32));
            self.out.extend_from_slice(&value.to_le_bytes());
        } else {
            return false;
        }
        true
    }

    /// Appends a string, choosing the encoding as Redis's
    /// `rdbSaveRawString` does (see the module comment).
    pub fn write_string(&mut self, bytes: &[u8]) {
        if bytes.len() <= MAX_INT_ENCODED_TEXT {
            if let Some(value) = crate::util::parse_i64(bytes) {
                if self.write_int_encoded(value) {
                    return;
                }
            }
        }
        if self.compression && bytes.len() > MIN_COMPRESS_LEN {
            let compressor = self
                .compressor
                .get_or_insert_with(|| Box::new(lzf::Compressor::new()));
            // Redis compat: compression must save at least four bytes of
            // the string itself (the lengths in front are not counted).
            if let Some(compressed) = compressor.compress(bytes, bytes.len() - 4) {
                self.write_lzf_blob(&compressed, bytes.len());
                return;
            }
        }
        self.write_len(bytes.len() as u64);
        self.out.extend_from_slice(bytes);
    }

    /// Appends an integer held as an integer (Redis's
    /// `rdbSaveLongLongAsStringObject`).
    pub fn write_int_string(&mut self, value: i64) {
        if !self.write_int_encoded(value) {
            let mut buf = [0; 20];
            let text = crate::util::format_i64(&mut buf, value);
            self.write_len(text.len() as u64);
            self.out.extend_from_slice(text);
        }
    }

    /// Appends a string value as Redis saves a string object.
    pub fn write_str_value(&mut self, value: &StrValue) {
        match value {
            StrValue::Int(value) => self.write_int_string(*value),
            StrValue::Bytes(bytes) => self.write_string(bytes),
        }
    }

    /// Appends already compressed data (Redis's `rdbSaveLzfBlob`; quicklist
    /// nodes that are kept compressed in memory are saved this way).
    pub fn write_lzf_blob(&mut self, compressed: &[u8], original_len: usize) {
        self.out.push((ENCVAL << 6) | string_encoding::LZF);
        self.write_len(compressed.len() as u64);
        self.write_len(original_len as u64);
        self.out.extend_from_slice(compressed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn written(compression: bool, f: impl FnOnce(&mut Writer)) -> Vec<u8> {
        let mut writer = Writer::new(compression);
        f(&mut writer);
        writer.into_bytes()
    }

    #[test]
    fn lengths_use_the_shortest_form() {
        let cases: &[(u64, &[u8])] = &[
            (0, &[0x00]),
            (63, &[0x3f]),
            (64, &[0x40, 0x40]),
            (16383, &[0x7f, 0xff]),
            (16384, &[0x80, 0x00, 0x00, 0x40, 0x00]),
            (u64::from(u32::MAX), &[0x80, 0xff, 0xff, 0xff, 0xff]),
            (1 << 32, &[0x81, 0, 0, 0, 1, 0, 0, 0, 0]),
        ];
        for &(len, bytes) in cases {
            assert_eq!(written(true, |w| w.write_len(len)), bytes, "{len}");
            let mut reader = Reader::new(bytes);
            assert_eq!(reader.read_length(), Ok(Length::Plain(len)));
            assert_eq!(reader.remaining(), 0);
        }
    }

    #[test]
    fn longer_forms_of_small_lengths_are_accepted() {
        let mut reader = Reader::new(&[0x80, 0, 0, 0, 3, 0x81, 0, 0, 0, 0, 0, 0, 0, 4]);
        assert_eq!(reader.read_len(), Ok(3));
        assert_eq!(reader.read_len(), Ok(4));
    }

    #[test]
    fn bad_and_truncated_lengths_are_errors() {
        assert_eq!(
            Reader::new(&[0x82]).read_length(),
            Err(RdbError::BadLengthEncoding(0x82))
        );
        assert_eq!(
            Reader::new(&[0xbf]).read_length(),
            Err(RdbError::BadLengthEncoding(0xbf))
        );
        assert_eq!(Reader::new(&[]).read_length(), Err(RdbError::Truncated));
        assert_eq!(Reader::new(&[0x40]).read_length(), Err(RdbError::Truncated));
        assert_eq!(
            Reader::new(&[0x80, 0, 0]).read_length(),
            Err(RdbError::Truncated)
        );
        assert_eq!(
            Reader::new(&[0x81, 0, 0, 0, 0]).read_length(),
            Err(RdbError::Truncated)
        );
        assert_eq!(Reader::new(&[0xc3]).read_length(), Ok(Length::Encoded(3)));
        // Where only a length is expected, the encoding flag is ignored.
        assert_eq!(Reader::new(&[0xc5]).read_len(), Ok(5));
    }

    #[test]
    fn integers_use_the_smallest_encoding() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"0", &[0xc0, 0x00]),
            (b"-1", &[0xc0, 0xff]),
            (b"127", &[0xc0, 0x7f]),
            (b"-128", &[0xc0, 0x80]),
            (b"128", &[0xc1, 0x80, 0x00]),
            (b"-32768", &[0xc1, 0x00, 0x80]),
            (b"32768", &[0xc2, 0x00, 0x80, 0x00, 0x00]),
            (b"2147483647", &[0xc2, 0xff, 0xff, 0xff, 0x7f]),
            (b"-2147483648", &[0xc2, 0x00, 0x00, 0x00, 0x80]),
            (b"2147483648", b"\x0a2147483648"),
            (b"-2147483649", b"\x0b-2147483649"),
            (b"007", b"\x03007"),
            (b"-0", b"\x02-0"),
            (b"+5", b"\x02+5"),
        ];
        for &(text, bytes) in cases {
            assert_eq!(written(true, |w| w.write_string(text)), bytes, "{text:?}");
            let value = StrValue::from_bytes(text);
            assert_eq!(
                written(true, |w| w.write_str_value(&value)),
                bytes,
                "{text:?}"
            );
            let loaded = Reader::new(bytes).read_string().map(RdbString::into_bytes);
            assert_eq!(loaded.as_deref(), Ok(text), "{text:?}");
        }
    }

    #[test]
    fn long_integers_held_as_integers_are_written_as_text() {
        let bytes = written(true, |w| w.write_int_string(i64::MIN));
        assert_eq!(bytes, b"\x14-9223372036854775808");
    }

    #[test]
    fn strings_compress_only_when_long_and_worth_it() {
        let short = [b'a'; 20];
        assert_eq!(
            written(true, |w| w.write_string(&short)),
            [&[20u8][..], &short].concat()
        );
        let long = [b'a'; 21];
        let compressed = written(true, |w| w.write_string(&long));
        assert_eq!(compressed[0], 0xc3);
        assert!(compressed.len() < 21);
        assert_eq!(
            Reader::new(&compressed)
                .read_string()
                .map(RdbString::into_bytes),
            Ok(long.to_vec())
        );
        assert_eq!(
            written(false, |w| w.write_string(&long)),
            [&[21u8][..], &long].concat()
        );
        let noise = b"the quick brown fox jumps";
        assert_eq!(
            written(true, |w| w.write_string(noise)),
            [&[25u8][..], noise].concat()
        );
    }

    #[test]
    fn malformed_strings_are_errors() {
        assert_eq!(
            Reader::new(&[0x05, b'a']).read_string(),
            Err(RdbError::Truncated)
        );
        assert_eq!(
            Reader::new(&[0xc4]).read_string(),
            Err(RdbError::BadStringEncoding(4))
        );
        assert_eq!(Reader::new(&[0xc0]).read_string(), Err(RdbError::Truncated));
        assert_eq!(
            Reader::new(&[0xc1, 0x00]).read_string(),
            Err(RdbError::Truncated)
        );
        assert_eq!(
            Reader::new(&[0xc2, 0, 0, 0]).read_string(),
            Err(RdbError::Truncated)
        );
        // LZF: compressed bytes missing, wrong expanded length, bad data.
        assert_eq!(
            Reader::new(&[0xc3, 0x05, 0x03, 0x00]).read_string(),
            Err(RdbError::Truncated)
        );
        assert_eq!(
            Reader::new(&[0xc3, 0x02, 0x03, 0x00, b'a']).read_string(),
            Err(RdbError::BadLzf)
        );
        assert_eq!(
            Reader::new(&[0xc3, 0x02, 0x05, 0x20, 0x00]).read_string(),
            Err(RdbError::BadLzf)
        );
        // A huge declared length allocates nothing.
        let huge = [
            0xc3, 0x02, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x00, b'a',
        ];
        assert_eq!(Reader::new(&huge).read_string(), Err(RdbError::BadLzf));
        let huge_verbatim = [0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe];
        assert_eq!(
            Reader::new(&huge_verbatim).read_string(),
            Err(RdbError::Truncated)
        );
    }

    #[test]
    fn lzf_with_zero_declared_length_is_the_empty_string() {
        let bytes = [0xc3, 0x02, 0x00, 0x7f, 0x7f];
        assert_eq!(
            Reader::new(&bytes).read_string().map(RdbString::into_bytes),
            Ok(Vec::new())
        );
    }

    proptest! {
        #[test]
        fn strings_round_trip(
            data in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'1'), any::<u8>()], 0..200),
            compression in any::<bool>(),
        ) {
            let bytes = written(compression, |w| w.write_string(&data));
            let mut reader = Reader::new(&bytes);
            prop_assert_eq!(reader.read_string().map(RdbString::into_bytes), Ok(data));
            prop_assert_eq!(reader.remaining(), 0);
        }

        #[test]
        fn lengths_round_trip(len in any::<u64>()) {
            let bytes = written(true, |w| w.write_len(len));
            prop_assert_eq!(Reader::new(&bytes).read_length(), Ok(Length::Plain(len)));
        }

        #[test]
        fn random_bytes_never_panic_the_string_reader(
            data in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut reader = Reader::new(&data);
            while reader.read_string().is_ok() && reader.remaining() > 0 {}
            prop_assert!(reader.position() <= data.len());
        }
    }
}
