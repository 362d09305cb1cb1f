//! Whole RDB files (`dump.rdb`): what `SAVE` and `BGSAVE` write and what
//! start-up and `DEBUG RELOAD` read, byte-compatible with Redis 7.0.
//!
//! # Layout
//!
//! ```text
//! "REDIS0010"                          magic and 4-digit version
//! AUX  name value                      250, two strings, any number
//! SELECTDB n                           254, length: following keys' db
//! RESIZEDB keys volatile               251, two lengths: sizing hints
//! [EXPIRETIME_MS t] type key body      252 + 8-byte LE ms, then one key
//! ...                                  more keys, more databases
//! EOF                                  255
//! checksum                             CRC-64 (Jones) LE of everything
//!                                      before it; 0 means "not computed"
//! ```
//!
//! The reader also accepts what older versions wrote (`EXPIRETIME` in
//! seconds, `IDLE`/`FREQ` hints, files without a checksum before version
//! 5), and refuses what Vireo cannot hold (modules, function libraries,
//! streams) with an error instead of dropping data.

use std::io::{self, Write};

use super::encoding::{Reader, Writer};
use super::object::{object_type, read_object, read_object_type, write_object};
use super::{crc64, opcode, RdbError, RDB_VERSION};
use crate::db::{Db, NO_EXPIRY};
use crate::object::Value;

/// Bytes buffered before a write to the file.
const FLUSH_AT: usize = 64 * 1024;

/// Writes `databases` as an RDB file to `out`, with `aux` fields after the
/// header and then the `functions` libraries' code (one FUNCTION2 record
/// each), calling `after_key` once per key written (the server paces
/// slow saves with it). Keys are written as they are, expired or not (the
/// loader drops expired ones), as Redis does.
///
/// # Errors
/// Whatever `out` returns.
pub fn save(
    out: &mut impl Write,
    databases: &[Db],
    aux: &[(&str, &[u8])],
    functions: &[&[u8]],
    compression: bool,
    checksum: bool,
    mut after_key: impl FnMut(),
) -> io::Result<()> {
    let mut sink = ChecksummedSink {
        out,
        crc: 0,
        checksum,
    };
    let mut writer = Writer::new(compression);
    writer.write_raw(format!("REDIS{RDB_VERSION:04}").as_bytes());
    for (name, value) in aux {
        writer.write_u8(opcode::AUX);
        writer.write_string(name.as_bytes());
        writer.write_string(value);
    }
    for code in functions {
        writer.write_u8(opcode::FUNCTION2);
        writer.write_string(code);
    }
    for (index, db) in databases.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        writer.write_u8(opcode::SELECTDB);
        writer.write_len(index as u64);
        writer.write_u8(opcode::RESIZEDB);
        writer.write_len(db.len() as u64);
        writer.write_len(db.volatile_len() as u64);
        for (entry, expire_at_ms) in db.iter() {
            if expire_at_ms != NO_EXPIRY {
                writer.write_u8(opcode::EXPIRETIME_MS);
                writer.write_raw(&expire_at_ms.to_le_bytes());
            }
            writer.write_u8(object_type(&entry.value));
            writer.write_string(entry.key());
            write_object(&mut writer, &entry.value);
            after_key();
            if writer.bytes().len() >= FLUSH_AT {
                sink.write(writer.bytes())?;
                writer.clear();
            }
        }
    }
    writer.write_u8(opcode::EOF);
    sink.write(writer.bytes())?;
    let crc = if checksum { sink.crc } else { 0 };
    sink.out.write_all(&crc.to_le_bytes())
}

/// A writer that keeps the running checksum of what passed through it.
struct ChecksummedSink<'a, W: Write> {
    out: &'a mut W,
    crc: u64,
    checksum: bool,
}

impl<W: Write> ChecksummedSink<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.checksum {
            self.crc = crc64::update(self.crc, bytes);
        }
        self.out.write_all(bytes)
    }
}

/// One key read from a file.
#[derive(Debug)]
pub struct LoadedKey {
    /// Its database.
    pub db: usize,
    /// The key.
    pub key: Vec<u8>,
    /// The value.
    pub value: Value,
    /// Unix milliseconds, [`NO_EXPIRY`] if none.
    pub expire_at_ms: i64,
}

/// What a load found besides the keys.
#[derive(Debug, Default)]
pub struct LoadSummary {
    /// The file's format version.
    pub version: u16,
    /// Auxiliary fields, in file order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// Keys handed to the sink.
    pub keys: usize,
    /// The code of each function library (FUNCTION2 records), in file order.
    pub functions: Vec<Vec<u8>>,
}

/// A load that failed: what went wrong and the file offset of the item
/// being read (the header, an opcode, a key or the checksum).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// Where the item that failed starts.
    pub offset: usize,
    /// What is wrong with it.
    pub error: RdbError,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at offset {})", self.error, self.offset)
    }
}

impl std::error::Error for FileError {}

/// Reads a whole RDB file, handing each key to `sink` in file order.
/// `databases` is the number of databases the server has: a key for any
/// other is an error.
///
/// # Errors
/// Malformed data, a bad checksum, a version newer than Vireo writes, an
/// item Vireo cannot hold, or whatever `sink` returns, with the offset of
/// the item.
pub fn load(
    bytes: &[u8],
    databases: usize,
    sink: impl FnMut(LoadedKey) -> Result<(), RdbError>,
) -> Result<LoadSummary, FileError> {
    let mut summary = LoadSummary::default();
    let mut offset = 0;
    match load_items(bytes, databases, sink, &mut summary, &mut offset) {
        Ok(()) => Ok(summary),
        Err(error) => Err(FileError { offset, error }),
    }
}

/// The body of [`load`], keeping `offset` at the start of the item it reads.
fn load_items(
    bytes: &[u8],
    databases: usize,
    mut sink: impl FnMut(LoadedKey) -> Result<(), RdbError>,
    summary: &mut LoadSummary,
    offset: &mut usize,
) -> Result<(), RdbError> {
    let version = read_header(bytes)?;
    summary.version = version;
    let mut reader = Reader::new(&bytes[9..]);
    let mut db = 0usize;
    let mut expire_at_ms = NO_EXPIRY;
    loop {
        *offset = 9 + reader.position();
        let byte = reader.read_u8()?;
        match byte {
            opcode::EOF => break,
            opcode::SELECTDB => {
                let index = reader.read_len()?;
                db = usize::try_from(index)
                    .ok()
                    .filter(|&index| index < databases)
                    .ok_or(RdbError::DbOutOfRange(index))?;
            }
            opcode::RESIZEDB => {
                reader.read_len()?;
                reader.read_len()?;
            }
            opcode::AUX => {
                let name = reader.read_string()?.into_bytes();
                let value = reader.read_string()?.into_bytes();
                summary.aux.push((name, value));
            }
            opcode::EXPIRETIME_MS => {
                let raw = reader.read_bytes(8)?;
                expire_at_ms = i64::from_le_bytes(raw.try_into().map_err(|_| RdbError::Truncated)?);
            }
            opcode::EXPIRETIME => {
                let raw = reader.read_bytes(4)?;
                let seconds = i32::from_le_bytes(raw.try_into().map_err(|_| RdbError::Truncated)?);
                expire_at_ms = i64::from(seconds) * 1000;
            }
            opcode::IDLE => {
                reader.read_len()?;
            }
            opcode::FREQ => {
                reader.read_u8()?;
            }
            opcode::FUNCTION2 => {
                let code = reader.read_string()?.into_bytes();
                summary.functions.push(code);
            }
            opcode::MODULE_AUX | opcode::FUNCTION => {
                return Err(RdbError::UnsupportedType(byte));
            }
            _ => {
                let object_type = read_object_type(&mut Reader::new(&[byte]))?;
                let key = reader.read_string()?.into_bytes();
                let value = read_object(object_type, &mut reader)?;
                sink(LoadedKey {
                    db,
                    key,
                    value,
                    expire_at_ms,
                })?;
                summary.keys += 1;
                expire_at_ms = NO_EXPIRY;
            }
        }
    }
    if version >= 5 {
        let end = 9 + reader.position();
        *offset = end;
        let stored = reader.read_bytes(8)?;
        let stored = u64::from_le_bytes(stored.try_into().map_err(|_| RdbError::Truncated)?);
        // Redis compat: a zero checksum means the writer had `rdbchecksum no`.
        if stored != 0 && stored != crc64::crc64(&bytes[..end]) {
            return Err(RdbError::BadChecksum);
        }
    }
    Ok(())
}

/// Checks the magic and returns the version (1 to [`RDB_VERSION`]).
fn read_header(bytes: &[u8]) -> Result<u16, RdbError> {
    let header = bytes.get(..9).ok_or(RdbError::Truncated)?;
    if &header[..5] != b"REDIS" {
        return Err(RdbError::BadMagic);
    }
    let digits = &header[5..];
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(RdbError::BadMagic);
    }
    let version = digits.iter().fold(0u16, |version, digit| {
        version * 10 + u16::from(digit - b'0')
    });
    if version == 0 || version > RDB_VERSION {
        return Err(RdbError::BadVersion(version));
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::StrValue;

    fn string(text: &str) -> Value {
        Value::Str(StrValue::from_bytes(text.as_bytes()))
    }

    fn saved(databases: &[Db], checksum: bool) -> Vec<u8> {
        let mut out = Vec::new();
        save(
            &mut out,
            databases,
            &[("redis-ver", b"7.2.4")],
            &[],
            true,
            checksum,
            || {},
        )
        .unwrap();
        out
    }

    fn loaded(bytes: &[u8]) -> Result<Vec<(usize, Vec<u8>, i64)>, RdbError> {
        let mut keys = Vec::new();
        load(bytes, 16, |key| {
            keys.push((key.db, key.key, key.expire_at_ms));
            Ok(())
        })
        .map_err(|failure| failure.error)?;
        keys.sort();
        Ok(keys)
    }

    #[test]
    fn an_empty_server_is_header_aux_eof_and_checksum() {
        let bytes = saved(&[Db::new()], true);
        assert!(bytes.starts_with(b"REDIS0010\xfa\x09redis-ver\x057.2.4\xff"));
        assert_eq!(bytes.len(), 9 + 1 + 10 + 6 + 1 + 8);
        let summary = load(&bytes, 16, |_| Ok(())).unwrap();
        assert_eq!(summary.version, 10);
        assert_eq!(
            summary.aux,
            vec![(b"redis-ver".to_vec(), b"7.2.4".to_vec())]
        );
    }

    #[test]
    fn keys_expiries_and_databases_round_trip() {
        let mut databases = vec![Db::new(), Db::new(), Db::new()];
        databases[0].insert(b"a", string("1"), NO_EXPIRY);
        databases[0].insert(b"b", string("two"), 1_900_000_000_000);
        databases[2].insert(b"c", string("three"), NO_EXPIRY);
        for checksum in [true, false] {
            let bytes = saved(&databases, checksum);
            assert_eq!(
                loaded(&bytes).unwrap(),
                vec![
                    (0, b"a".to_vec(), NO_EXPIRY),
                    (0, b"b".to_vec(), 1_900_000_000_000),
                    (2, b"c".to_vec(), NO_EXPIRY),
                ]
            );
        }
    }

    #[test]
    fn damage_is_an_error_never_a_panic() {
        let mut db = Db::new();
        db.insert(b"key", string("value"), NO_EXPIRY);
        let bytes = saved(&[db], true);
        let mut flipped = bytes.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x20;
        assert!(loaded(&flipped).is_err());
        for end in 0..bytes.len() {
            assert!(loaded(&bytes[..end]).is_err(), "prefix of {end} bytes");
        }
        assert_eq!(loaded(b"REDIS0011\xff"), Err(RdbError::BadVersion(11)));
        assert_eq!(loaded(b"RADIS0010\xff"), Err(RdbError::BadMagic));
        assert_eq!(
            loaded(b"REDIS0010\xfe\x20\xff"),
            Err(RdbError::DbOutOfRange(32))
        );
        let failure = load(b"REDIS0010\xfa\x01a\x01b\x08", 16, |_| Ok(())).unwrap_err();
        assert_eq!(failure.offset, 14);
        assert_eq!(failure.error, RdbError::UnknownType(8));
    }

    #[test]
    fn old_files_without_a_checksum_and_with_second_expiries_load() {
        // Version 4: no checksum; EXPIRETIME in seconds; one string key.
        let bytes = b"REDIS0004\xfe\x00\xfd\x00\x00\x00\x70\x00\x01k\x01v\xff";
        assert_eq!(
            loaded(bytes).unwrap(),
            vec![(0, b"k".to_vec(), 0x7000_0000 * 1000)]
        );
    }

    #[test]
    fn function_libraries_round_trip() {
        let mut out = Vec::new();
        let code: &[u8] = b"#!lua name=lib\nredis.register_function('f', function() return 1 end)";
        save(&mut out, &[], &[], &[code], true, true, || {}).unwrap();
        let summary = load(&out, 16, |_| Ok(())).unwrap();
        assert_eq!(summary.functions, vec![code.to_vec()]);
    }
}
