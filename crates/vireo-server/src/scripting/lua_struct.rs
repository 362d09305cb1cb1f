//! The `struct` library (Roberto Ierusalimschy's `struct`, as bundled with
//! Redis): `pack`, `unpack` and `size` of binary records described by a
//! format string.
//!
//! Format options: `>`/`<` big/little endian (little is native here),
//! `!n` maximum alignment, `x` a pad byte, `b B h H l L T i[n] I[n]`
//! signed/unsigned integers of 1, 2, 8, 8 and n (default 4) bytes, `f`
//! and `d` floats, `c[n]` a fixed string (`c0`: as long as the string on
//! pack, the previous number on unpack), `s` a zero-terminated string.

use mlua::{Lua, MultiValue, Table, Value};

use super::{fail_message, type_name};

/// Largest integer option, in bytes.
const MAX_INT_SIZE: usize = 32;
/// The default for `!`: the alignment of a double on this platform.
const MAX_ALIGN: usize = 8;

/// The library table.
pub fn library(lua: &Lua) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("pack", lua.create_function(pack)?)?;
    table.raw_set("unpack", lua.create_function(unpack)?)?;
    table.raw_set("size", lua.create_function(size)?)?;
    Ok(table)
}

#[derive(Clone, Copy)]
struct Header {
    little: bool,
    align: usize,
}

const DEFAULT: Header = Header {
    little: true,
    align: 1,
};

/// Walks a format string one option at a time.
struct Format<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Format<'_> {
    fn next(&mut self) -> Option<u8> {
        let opt = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(opt)
    }

    /// A count after an option, or `default`.
    fn number(&mut self, default: usize) -> Result<usize, String> {
        if !self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            return Ok(default);
        }
        let mut value: usize = 0;
        while let Some(digit) = self.bytes.get(self.at).filter(|b| b.is_ascii_digit()) {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(usize::from(digit - b'0')))
                .filter(|&v| v <= i32::MAX as usize)
                .ok_or_else(|| "integral size overflow".to_string())?;
            self.at += 1;
        }
        Ok(value)
    }

    /// The size of `opt` (reading its count).
    fn size(&mut self, opt: u8) -> Result<usize, String> {
        Ok(match opt {
            b'B' | b'b' | b'x' => 1,
            b'H' | b'h' => 2,
            b'L' | b'l' | b'T' | b'd' => 8,
            b'f' => 4,
            b'c' => self.number(1)?,
            b'i' | b'I' => {
                let size = self.number(4)?;
                if size > MAX_INT_SIZE {
                    return Err(format!(
                        "integral size {size} is larger than limit of {MAX_INT_SIZE}"
                    ));
                }
                size
            }
            _ => 0,
        })
    }

    /// A control option (endianness, alignment, space), or an error.
    fn control(&mut self, opt: u8, header: &mut Header, function: &str) -> Result<(), String> {
        match opt {
            b' ' => {}
            b'>' => header.little = false,
            b'<' => header.little = true,
            b'!' => {
                let align = self.number(MAX_ALIGN)?;
                if !align.is_power_of_two() {
                    return Err(format!("alignment {align} is not a power of 2"));
                }
                header.align = align;
            }
            _ => {
                return Err(format!(
                    "bad argument #1 to '{function}' (invalid format option '{}')",
                    char::from(opt)
                ))
            }
        }
        Ok(())
    }
}

fn to_align(len: usize, header: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(header.align);
    (size - (len & (size - 1))) & (size - 1)
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Integer(n) => Some(*n as f64),
        Value::Number(n) => Some(*n),
        Value::String(s) => s.to_str().ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn string_argument(value: Option<&Value>) -> Option<Vec<u8>> {
    value.and_then(super::to_bytes)
}

fn pack(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    let values: Vec<Value> = argv.into_iter().collect();
    let Some(format) = string_argument(values.first()) else {
        return fail_message(
            lua,
            &format!(
                "bad argument #1 to 'pack' (string expected, got {})",
                type_name(values.first())
            ),
        );
    };
    match pack_values(&format, &values) {
        Ok(out) => Ok(MultiValue::from_iter([Value::String(
            lua.create_string(&out)?,
        )])),
        Err(message) => fail_message(lua, &message),
    }
}

fn pack_values(format: &[u8], values: &[Value]) -> Result<Vec<u8>, String> {
    let mut header = DEFAULT;
    let mut format = Format {
        bytes: format,
        at: 0,
    };
    let mut out = Vec::new();
    let mut arg = 1;
    let number_at = |arg: usize| {
        number(values.get(arg)).ok_or_else(|| {
            format!(
                "bad argument #{} to 'pack' (number expected, got {})",
                arg + 1,
                type_name(values.get(arg))
            )
        })
    };
    while let Some(opt) = format.next() {
        let mut size = format.size(opt)?;
        let pad = to_align(out.len(), &header, opt, size);
        out.resize(out.len() + pad, 0);
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = number_at(arg)?;
                arg += 1;
                let value = if n < 0.0 { n as i64 as u64 } else { n as u64 };
                let bytes: Vec<u8> = (0..size)
                    .map(|i| if i < 8 { (value >> (8 * i)) as u8 } else { 0 })
                    .collect();
                if header.little {
                    out.extend_from_slice(&bytes);
                } else {
                    out.extend(bytes.iter().rev());
                }
            }
            b'x' => out.push(0),
            b'f' => {
                let n = number_at(arg)? as f32;
                arg += 1;
                out.extend_from_slice(&if header.little {
                    n.to_le_bytes()
                } else {
                    n.to_be_bytes()
                });
            }
            b'd' => {
                let n = number_at(arg)?;
                arg += 1;
                out.extend_from_slice(&if header.little {
                    n.to_le_bytes()
                } else {
                    n.to_be_bytes()
                });
            }
            b'c' | b's' => {
                let Some(text) = string_argument(values.get(arg)) else {
                    return Err(format!(
                        "bad argument #{} to 'pack' (string expected, got {})",
                        arg + 1,
                        type_name(values.get(arg))
                    ));
                };
                arg += 1;
                if size == 0 {
                    size = text.len();
                }
                if text.len() < size {
                    // Redis compat: the check names the next argument.
                    return Err(format!(
                        "bad argument #{} to 'pack' (string too short)",
                        arg + 1
                    ));
                }
                out.extend_from_slice(&text[..size]);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => format.control(opt, &mut header, "pack")?,
        }
    }
    Ok(out)
}

fn unpack(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    let values: Vec<Value> = argv.into_iter().collect();
    let Some(format) = string_argument(values.first()) else {
        return fail_message(
            lua,
            &format!(
                "bad argument #1 to 'unpack' (string expected, got {})",
                type_name(values.first())
            ),
        );
    };
    let Some(data) = string_argument(values.get(1)) else {
        return fail_message(
            lua,
            &format!(
                "bad argument #2 to 'unpack' (string expected, got {})",
                type_name(values.get(1))
            ),
        );
    };
    let start = match values.get(2) {
        None | Some(Value::Nil) => 1,
        value => match number(value) {
            Some(n) => n as i64,
            None => {
                return fail_message(
                    lua,
                    &format!(
                        "bad argument #3 to 'unpack' (number expected, got {})",
                        type_name(value)
                    ),
                )
            }
        },
    };
    if start <= 0 {
        return fail_message(
            lua,
            "bad argument #3 to 'unpack' (offset must be 1 or greater)",
        );
    }
    match unpack_values(lua, &format, &data, start as usize - 1) {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(message)) => fail_message(lua, &message),
        Err(error) => Err(error),
    }
}

fn unpack_values(
    lua: &Lua,
    format: &[u8],
    data: &[u8],
    mut pos: usize,
) -> mlua::Result<Result<MultiValue, String>> {
    let mut header = DEFAULT;
    let mut format = Format {
        bytes: format,
        at: 0,
    };
    let mut results: Vec<Value> = Vec::new();
    let too_short = || "bad argument #2 to 'unpack' (data string too short)".to_string();
    while let Some(opt) = format.next() {
        let mut size = match format.size(opt) {
            Ok(size) => size,
            Err(message) => return Ok(Err(message)),
        };
        pos += to_align(pos, &header, opt, size);
        if size > data.len() || pos > data.len() - size {
            return Ok(Err(too_short()));
        }
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let field = &data[pos..pos + size];
                let mut value: u64 = 0;
                let ordered: Vec<u8> = if header.little {
                    field.iter().rev().copied().collect()
                } else {
                    field.to_vec()
                };
                for byte in ordered {
                    value = (value << 8) | u64::from(byte);
                }
                let n = if opt.is_ascii_lowercase() && size > 0 && size < 8 {
                    let shift = 64 - 8 * size as u32;
                    (((value << shift) as i64) >> shift) as f64
                } else if opt.is_ascii_lowercase() {
                    value as i64 as f64
                } else {
                    value as f64
                };
                results.push(Value::Number(n));
            }
            b'x' => {}
            b'f' => {
                let mut bytes = [0u8; 4];
                bytes.copy_from_slice(&data[pos..pos + 4]);
                let n = if header.little {
                    f32::from_le_bytes(bytes)
                } else {
                    f32::from_be_bytes(bytes)
                };
                results.push(Value::Number(f64::from(n)));
            }
            b'd' => {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(&data[pos..pos + 8]);
                let n = if header.little {
                    f64::from_le_bytes(bytes)
                } else {
                    f64::from_be_bytes(bytes)
                };
                results.push(Value::Number(n));
            }
            b'c' => {
                if size == 0 {
                    let previous = match results.last() {
                        Some(Value::Number(n)) => Some(*n),
                        Some(Value::Integer(n)) => Some(*n as f64),
                        Some(Value::String(s)) => {
                            s.to_str().ok().and_then(|t| t.trim().parse().ok())
                        }
                        _ => None,
                    };
                    let Some(previous) = previous else {
                        return Ok(Err("format 'c0' needs a previous size".to_string()));
                    };
                    results.pop();
                    size = previous as usize;
                    if size > data.len() || pos > data.len() - size {
                        return Ok(Err(too_short()));
                    }
                }
                results.push(Value::String(lua.create_string(&data[pos..pos + size])?));
            }
            b's' => {
                let Some(end) = data[pos..].iter().position(|&b| b == 0) else {
                    return Ok(Err("unfinished string in data".to_string()));
                };
                results.push(Value::String(lua.create_string(&data[pos..pos + end])?));
                size = end + 1;
            }
            _ => {
                if let Err(message) = format.control(opt, &mut header, "unpack") {
                    return Ok(Err(message));
                }
            }
        }
        pos += size;
    }
    results.push(Value::Number((pos + 1) as f64));
    Ok(Ok(MultiValue::from_iter(results)))
}

fn size(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    let values: Vec<Value> = argv.into_iter().collect();
    let Some(format) = string_argument(values.first()) else {
        return fail_message(
            lua,
            &format!(
                "bad argument #1 to 'size' (string expected, got {})",
                type_name(values.first())
            ),
        );
    };
    match format_size(&format) {
        Ok(total) => Ok(MultiValue::from_iter([Value::Number(total as f64)])),
        Err(message) => fail_message(lua, &message),
    }
}

fn format_size(format: &[u8]) -> Result<usize, String> {
    let mut header = DEFAULT;
    let mut format = Format {
        bytes: format,
        at: 0,
    };
    let mut pos = 0;
    while let Some(opt) = format.next() {
        let size = format.size(opt)?;
        pos += to_align(pos, &header, opt, size);
        if opt == b's' {
            return Err("bad argument #1 to 'size' (option 's' has no fixed size)".to_string());
        }
        if opt == b'c' && size == 0 {
            return Err("bad argument #1 to 'size' (option 'c0' has no fixed size)".to_string());
        }
        if !opt.is_ascii_alphanumeric() {
            format.control(opt, &mut header, "size")?;
        }
        pos += size;
    }
    Ok(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lua() -> Lua {
        let lua = Lua::new();
        lua.globals().set("struct", library(&lua).unwrap()).unwrap();
        lua
    }

    #[test]
    fn packs_integers_strings_and_alignment() {
        assert_eq!(
            pack_values(b">I2", &[Value::Nil, Value::Number(258.0)]).unwrap(),
            b"\x01\x02"
        );
        assert_eq!(
            pack_values(b"<i", &[Value::Nil, Value::Number(-2.0)]).unwrap(),
            b"\xfe\xff\xff\xff"
        );
        assert_eq!(
            pack_values(
                b"!4bi",
                &[Value::Nil, Value::Number(1.0), Value::Number(2.0)]
            )
            .unwrap(),
            b"\x01\x00\x00\x00\x02\x00\x00\x00"
        );
        assert_eq!(format_size(b"!4bi").unwrap(), 8);
        assert_eq!(format_size(b"hd").unwrap(), 10);
        assert!(format_size(b"s").is_err());
    }

    #[test]
    fn round_trips_through_lua() {
        let lua = lua();
        let text: String = lua
            .load(
                "local s = struct.pack('>hBc0s', -2, 3, 'abc', 'zz')
                 local a, c, d, next = struct.unpack('>hBc0s', s)
                 return a .. ' ' .. c .. ' ' .. d .. ' ' .. next",
            )
            .eval()
            .unwrap();
        assert_eq!(text, "-2 abc zz 10");
        let text: String = lua
            .load("local s = struct.pack('<d', 1.5) return tostring(struct.unpack('<d', s))")
            .eval()
            .unwrap();
        assert_eq!(text, "1.5");
    }
}
