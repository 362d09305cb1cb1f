//! The `cmsgpack` library (lua-cmsgpack's API, as bundled with Redis):
//! MessagePack encoding of Lua values and decoding into them.
//!
//! Encoding makes lua-cmsgpack's choices: integral numbers in the
//! smallest integer format, other numbers as a float when that loses
//! nothing and as a double otherwise, strings in the raw formats, a
//! table whose keys are exactly 1..n as an array and any other as a map,
//! tables nested deeper than 16 as nil, anything else as nil.

use mlua::{Lua, MultiValue, Table, Value};

use super::{fail_message, MAX_NESTING};

/// Deepest table nesting packed; deeper tables become nil.
const MAX_PACK_NESTING: usize = 16;

/// The library table.
pub fn library(lua: &Lua) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("pack", lua.create_function(pack)?)?;
    table.raw_set(
        "unpack",
        lua.create_function(|lua, argv: MultiValue| {
            let values: Vec<Value> = argv.into_iter().collect();
            unpack_full(lua, values.first(), 0, 0)
        })?,
    )?;
    table.raw_set(
        "unpack_one",
        lua.create_function(|lua, argv: MultiValue| {
            let values: Vec<Value> = argv.into_iter().collect();
            let offset = optional_integer(lua, values.get(1), 2, "unpack_one")?;
            unpack_full(lua, values.first(), 1, offset)
        })?,
    )?;
    table.raw_set(
        "unpack_limit",
        lua.create_function(|lua, argv: MultiValue| {
            let values: Vec<Value> = argv.into_iter().collect();
            let Some(limit) = integer(values.get(1)) else {
                return fail_message(
                    lua,
                    &format!(
                        "bad argument #2 to 'unpack_limit' (number expected, got {})",
                        super::type_name(values.get(1))
                    ),
                );
            };
            let offset = optional_integer(lua, values.get(2), 3, "unpack_limit")?;
            unpack_full(lua, values.first(), limit, offset)
        })?,
    )?;
    table.raw_set("_NAME", "cmsgpack")?;
    table.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    table.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    table.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    Ok(table)
}

fn integer(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Integer(n) => Some(*n),
        Value::Number(n) => Some(*n as i64),
        Value::String(s) => s
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()
            .map(|n| n as i64),
        _ => None,
    }
}

fn optional_integer(
    lua: &Lua,
    value: Option<&Value>,
    position: usize,
    name: &str,
) -> mlua::Result<i64> {
    match value {
        None | Some(Value::Nil) => Ok(0),
        Some(_) => match integer(value) {
            Some(n) => Ok(n),
            None => fail_message(
                lua,
                &format!(
                    "bad argument #{position} to '{name}' (number expected, got {})",
                    super::type_name(value)
                ),
            ),
        },
    }
}

fn pack(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    if argv.is_empty() {
        return fail_message(
            lua,
            "bad argument #0 to 'pack' (MessagePack pack needs input.)",
        );
    }
    let mut out = Vec::new();
    for value in &argv {
        encode(value, 0, &mut out);
    }
    Ok(MultiValue::from_iter([Value::String(
        lua.create_string(&out)?,
    )]))
}

/// Appends the MessagePack encoding of `value`.
pub fn encode(value: &Value, level: usize, out: &mut Vec<u8>) {
    match value {
        Value::String(s) => encode_bytes(&s.as_bytes(), out),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(n) => encode_number(*n as f64, out),
        Value::Number(n) => encode_number(*n, out),
        Value::Table(table) if level < MAX_PACK_NESTING => encode_table(table, level, out),
        _ => out.push(0xc0),
    }
}

fn encode_number(n: f64, out: &mut Vec<u8>) {
    let integral = n.is_finite()
        && n.trunc() == n
        && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n);
    if integral {
        encode_int(n as i64, out);
    } else if f64::from(n as f32) == n {
        out.push(0xca);
        out.extend_from_slice(&(n as f32).to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        match n {
            0..=127 => out.push(n as u8),
            128..=0xff => out.extend_from_slice(&[0xcc, n as u8]),
            0x100..=0xffff => {
                out.push(0xcd);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(0xce);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            _ => {
                out.push(0xcf);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    let len = bytes.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(bytes);
}

fn encode_header(small: u8, sixteen: u8, thirty_two: u8, n: usize, out: &mut Vec<u8>) {
    if n <= 15 {
        out.push(small | n as u8);
    } else if n <= 0xffff {
        out.push(sixteen);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(thirty_two);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn encode_table(table: &Table, level: usize, out: &mut Vec<u8>) {
    // Walked twice (shape, then encoding) rather than collected: mlua
    // holds every live value in a Lua stack slot, and a few thousand of
    // them at once would overflow it.
    let mut count = 0usize;
    let mut max = 0.0f64;
    let mut is_array = true;
    for (key, _) in table.pairs::<Value, Value>().filter_map(Result::ok) {
        count += 1;
        let n = match key {
            Value::Integer(n) => n as f64,
            Value::Number(n) => n,
            _ => {
                is_array = false;
                continue;
            }
        };
        if !(n > 0.0 && n.trunc() == n && n <= f64::from(i32::MAX)) {
            is_array = false;
        }
        max = max.max(n);
    }
    if is_array && max as usize == count {
        encode_header(0x90, 0xdc, 0xdd, count, out);
        for index in 1..=count {
            let item: Value = table.raw_get(index).unwrap_or(Value::Nil);
            encode(&item, level + 1, out);
        }
    } else {
        encode_header(0x80, 0xde, 0xdf, count, out);
        for (key, item) in table.pairs::<Value, Value>().filter_map(Result::ok) {
            encode(&key, level + 1, out);
            encode(&item, level + 1, out);
        }
    }
}

/// Why decoding stopped.
enum DecodeError {
    Eof,
    BadFormat,
    Lua(mlua::Error),
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn take(&mut self, count: usize) -> Result<&[u8], DecodeError> {
        let end = self.at.checked_add(count).ok_or(DecodeError::Eof)?;
        let slice = self.bytes.get(self.at..end).ok_or(DecodeError::Eof)?;
        self.at = end;
        Ok(slice)
    }

    fn be(&mut self, count: usize) -> Result<u64, DecodeError> {
        Ok(self
            .take(count)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }
}

fn lua_err(error: mlua::Error) -> DecodeError {
    DecodeError::Lua(error)
}

fn decode(lua: &Lua, cursor: &mut Cursor<'_>, depth: usize) -> Result<Value, DecodeError> {
    if depth > MAX_NESTING {
        return Err(DecodeError::BadFormat);
    }
    let tag = cursor.take(1)?[0];
    Ok(match tag {
        0xc0 => Value::Nil,
        0xc2 => Value::Boolean(false),
        0xc3 => Value::Boolean(true),
        0xcc => Value::Number(cursor.be(1)? as f64),
        0xcd => Value::Number(cursor.be(2)? as f64),
        0xce => Value::Number(cursor.be(4)? as f64),
        0xcf => Value::Number(cursor.be(8)? as f64),
        0xd0 => Value::Number(f64::from(cursor.be(1)? as u8 as i8)),
        0xd1 => Value::Number(f64::from(cursor.be(2)? as u16 as i16)),
        0xd2 => Value::Number(f64::from(cursor.be(4)? as u32 as i32)),
        0xd3 => Value::Number(cursor.be(8)? as i64 as f64),
        0xca => Value::Number(f64::from(f32::from_bits(cursor.be(4)? as u32))),
        0xcb => Value::Number(f64::from_bits(cursor.be(8)?)),
        0xd9..=0xdb => {
            let width = match tag {
                0xd9 => 1,
                0xda => 2,
                _ => 4,
            };
            let len = cursor.be(width)? as usize;
            Value::String(lua.create_string(cursor.take(len)?).map_err(lua_err)?)
        }
        0xdc | 0xdd => {
            let len = cursor.be(if tag == 0xdc { 2 } else { 4 })? as usize;
            decode_array(lua, cursor, len, depth)?
        }
        0xde | 0xdf => {
            let len = cursor.be(if tag == 0xde { 2 } else { 4 })? as usize;
            decode_map(lua, cursor, len, depth)?
        }
        0x00..=0x7f => Value::Number(f64::from(tag)),
        0xe0..=0xff => Value::Number(f64::from(tag as i8)),
        0xa0..=0xbf => {
            let len = usize::from(tag & 0x1f);
            Value::String(lua.create_string(cursor.take(len)?).map_err(lua_err)?)
        }
        0x90..=0x9f => decode_array(lua, cursor, usize::from(tag & 0xf), depth)?,
        0x80..=0x8f => decode_map(lua, cursor, usize::from(tag & 0xf), depth)?,
        _ => return Err(DecodeError::BadFormat),
    })
}

fn decode_array(
    lua: &Lua,
    cursor: &mut Cursor<'_>,
    len: usize,
    depth: usize,
) -> Result<Value, DecodeError> {
    let table = lua.create_table().map_err(lua_err)?;
    for index in 1..=len {
        let item = decode(lua, cursor, depth + 1)?;
        table.raw_set(index, item).map_err(lua_err)?;
    }
    Ok(Value::Table(table))
}

fn decode_map(
    lua: &Lua,
    cursor: &mut Cursor<'_>,
    len: usize,
    depth: usize,
) -> Result<Value, DecodeError> {
    let table = lua.create_table().map_err(lua_err)?;
    for _ in 0..len {
        let key = decode(lua, cursor, depth + 1)?;
        let item = decode(lua, cursor, depth + 1)?;
        if matches!(key, Value::Nil) || matches!(key, Value::Number(n) if n.is_nan()) {
            return Err(DecodeError::BadFormat);
        }
        table.raw_set(key, item).map_err(lua_err)?;
    }
    Ok(Value::Table(table))
}

/// lua-cmsgpack's `mp_unpack_full`: up to `limit` values from `offset`
/// (both 0: everything), preceded by the next offset (-1 at the end)
/// unless everything was asked for.
fn unpack_full(
    lua: &Lua,
    input: Option<&Value>,
    limit: i64,
    offset: i64,
) -> mlua::Result<MultiValue> {
    let bytes = match input {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        Some(Value::Integer(_) | Value::Number(_)) => {
            input.and_then(super::to_bytes).unwrap_or_default()
        }
        other => {
            return fail_message(
                lua,
                &format!(
                    "bad argument #1 to 'unpack' (string expected, got {})",
                    super::type_name(other)
                ),
            )
        }
    };
    let decode_all = limit == 0 && offset == 0;
    if offset < 0 || limit < 0 {
        return fail_message(
            lua,
            &format!(
                "Invalid request to unpack with offset of {offset} and limit of {}.",
                bytes.len()
            ),
        );
    }
    if offset as u64 > bytes.len() as u64 {
        return fail_message(
            lua,
            &format!(
                "Start offset {offset} greater than input length {}.",
                bytes.len()
            ),
        );
    }
    let limit = if decode_all { i64::MAX } else { limit };
    let mut cursor = Cursor {
        bytes: &bytes,
        at: offset as usize,
    };
    let mut values = Vec::new();
    while cursor.at < bytes.len() && (values.len() as i64) < limit {
        match decode(lua, &mut cursor, 0) {
            Ok(value) => values.push(value),
            Err(DecodeError::Eof) => return fail_message(lua, "Missing bytes in input."),
            Err(DecodeError::BadFormat) => return fail_message(lua, "Bad data format in input."),
            Err(DecodeError::Lua(error)) => return Err(error),
        }
    }
    let mut result = MultiValue::new();
    if !decode_all {
        let next = if cursor.at == bytes.len() {
            -1
        } else {
            cursor.at as i64
        };
        result.push_back(Value::Number(next as f64));
    }
    result.extend(values);
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(lua: &Lua, code: &str) -> Vec<u8> {
        lua.load(code)
            .eval::<mlua::String>()
            .unwrap()
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn packs_like_lua_cmsgpack() {
        let lua = Lua::new();
        lua.globals()
            .set("cmsgpack", library(&lua).unwrap())
            .unwrap();
        assert_eq!(
            packed(&lua, "return cmsgpack.pack(0.1)"),
            b"\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a"
        );
        assert_eq!(
            packed(&lua, "return cmsgpack.pack(0.5)"),
            b"\xca\x3f\x00\x00\x00"
        );
        assert_eq!(
            packed(&lua, "return cmsgpack.pack(-1099511627776)"),
            b"\xd3\xff\xff\xff\x00\x00\x00\x00\x00"
        );
        assert_eq!(
            packed(&lua, "return cmsgpack.pack(1, -1, 200, -200)"),
            b"\x01\xff\xcc\xc8\xd1\xff\x38"
        );
        assert_eq!(
            packed(&lua, "return cmsgpack.pack({1, 2}, {a = true})"),
            b"\x92\x01\x02\x81\xa1a\xc3"
        );
        assert_eq!(
            packed(&lua, "return cmsgpack.pack(nil, 'abc')"),
            b"\xc0\xa3abc"
        );
    }

    #[test]
    fn unpacks_what_it_packs() {
        let lua = Lua::new();
        lua.globals()
            .set("cmsgpack", library(&lua).unwrap())
            .unwrap();
        let text: String = lua
            .load(
                "local t = cmsgpack.unpack(cmsgpack.pack({1, 'two', {x = 3.5}, true}))
                 return t[1] .. t[2] .. t[3].x .. tostring(t[4])",
            )
            .eval()
            .unwrap();
        assert_eq!(text, "1two3.5true");
        let offsets: String = lua
            .load(
                "local s = cmsgpack.pack(1, 2, 3)
                 local a, x = cmsgpack.unpack_one(s)
                 local b, y, z = cmsgpack.unpack_limit(s, 2, a)
                 return a .. ' ' .. x .. ' ' .. b .. ' ' .. y .. ' ' .. z",
            )
            .eval()
            .unwrap();
        assert_eq!(offsets, "1 1 -1 2 3");
    }
}
