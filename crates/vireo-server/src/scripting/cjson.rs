//! The `cjson` library (lua-cjson 2.1's API, as bundled with Redis):
//! JSON encoding of Lua values and decoding into them.
//!
//! Encoding follows lua-cjson's choices: a table whose keys are all
//! positive integers is an array (holes become `null`, an excessively
//! sparse one is refused), any other table an object, an empty table
//! `{}`; numbers print as `%.14g`; `/` is escaped. `cjson.null` is the
//! NULL light userdata. The settings functions change the state's
//! configuration, kept as app data.

use mlua::{LightUserData, Lua, MultiValue, Table, Value};

use super::{fail_message, format_g};

/// lua-cjson's settings.
#[derive(Debug, Clone, Copy)]
struct Settings {
    encode_max_depth: i64,
    decode_max_depth: i64,
    /// 0: refused, 1: written as is, 2: written as null.
    encode_invalid_numbers: u8,
    decode_invalid_numbers: bool,
    encode_keep_buffer: bool,
    sparse_convert: bool,
    sparse_ratio: i64,
    sparse_safe: i64,
    precision: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            encode_invalid_numbers: 0,
            decode_invalid_numbers: true,
            encode_keep_buffer: true,
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
            precision: 14,
        }
    }
}

fn settings(lua: &Lua) -> Settings {
    lua.app_data_ref::<Settings>()
        .map(|s| *s)
        .unwrap_or_default()
}

fn update(lua: &Lua, change: impl FnOnce(&mut Settings)) {
    let mut current = settings(lua);
    change(&mut current);
    lua.set_app_data(current);
}

/// The library table.
pub fn library(lua: &Lua) -> mlua::Result<Table> {
    lua.set_app_data(Settings::default());
    let table = lua.create_table()?;
    table.raw_set("encode", lua.create_function(encode)?)?;
    table.raw_set("decode", lua.create_function(decode)?)?;
    table.raw_set(
        "null",
        Value::LightUserData(LightUserData(std::ptr::null_mut())),
    )?;
    table.raw_set("_NAME", "cjson")?;
    table.raw_set("_VERSION", "2.1.0")?;
    table.raw_set(
        "encode_max_depth",
        lua.create_function(|lua, argv: MultiValue| {
            depth_setting(lua, argv, "encode_max_depth", |s| &mut s.encode_max_depth)
        })?,
    )?;
    table.raw_set(
        "decode_max_depth",
        lua.create_function(|lua, argv: MultiValue| {
            depth_setting(lua, argv, "decode_max_depth", |s| &mut s.decode_max_depth)
        })?,
    )?;
    table.raw_set(
        "encode_number_precision",
        lua.create_function(|lua, argv: MultiValue| {
            if let Some(value) = argv.front().and_then(number) {
                let precision = value as i64;
                if !(1..=14).contains(&precision) {
                    return fail_message(
                        lua,
                        "bad argument #1 to '?' (expected integer between 1 and 14)",
                    );
                }
                update(lua, |s| s.precision = precision as usize);
            }
            Ok(MultiValue::from_iter([Value::Integer(
                settings(lua).precision as i64,
            )]))
        })?,
    )?;
    table.raw_set(
        "encode_keep_buffer",
        lua.create_function(|lua, argv: MultiValue| {
            if let Some(value) = argv.front().filter(|v| !v.is_nil()) {
                let keep = !matches!(value, Value::Boolean(false));
                update(lua, |s| s.encode_keep_buffer = keep);
            }
            Ok(MultiValue::from_iter([Value::Boolean(
                settings(lua).encode_keep_buffer,
            )]))
        })?,
    )?;
    table.raw_set(
        "encode_invalid_numbers",
        lua.create_function(|lua, argv: MultiValue| {
            if let Some(value) = argv.front().filter(|v| !v.is_nil()) {
                let mode = match value {
                    Value::Boolean(false) => 0,
                    Value::String(s) if s.as_bytes().as_ref() == b"null" => 2,
                    _ => 1,
                };
                update(lua, |s| s.encode_invalid_numbers = mode);
            }
            let current = match settings(lua).encode_invalid_numbers {
                0 => Value::Boolean(false),
                1 => Value::Boolean(true),
                _ => Value::String(lua.create_string("null")?),
            };
            Ok(MultiValue::from_iter([current]))
        })?,
    )?;
    table.raw_set(
        "decode_invalid_numbers",
        lua.create_function(|lua, argv: MultiValue| {
            if let Some(value) = argv.front().filter(|v| !v.is_nil()) {
                let allow = !matches!(value, Value::Boolean(false));
                update(lua, |s| s.decode_invalid_numbers = allow);
            }
            Ok(MultiValue::from_iter([Value::Boolean(
                settings(lua).decode_invalid_numbers,
            )]))
        })?,
    )?;
    table.raw_set(
        "encode_sparse_array",
        lua.create_function(|lua, argv: MultiValue| {
            let values: Vec<Value> = argv.into_iter().collect();
            if let Some(convert) = values.first().filter(|v| !v.is_nil()) {
                let convert = !matches!(convert, Value::Boolean(false));
                update(lua, |s| s.sparse_convert = convert);
            }
            if let Some(ratio) = values.get(1).and_then(number) {
                update(lua, |s| s.sparse_ratio = ratio as i64);
            }
            if let Some(safe) = values.get(2).and_then(number) {
                update(lua, |s| s.sparse_safe = safe as i64);
            }
            let current = settings(lua);
            Ok(MultiValue::from_iter([
                Value::Boolean(current.sparse_convert),
                Value::Integer(current.sparse_ratio),
                Value::Integer(current.sparse_safe),
            ]))
        })?,
    )?;
    Ok(table)
}

fn depth_setting(
    lua: &Lua,
    argv: MultiValue,
    name: &str,
    field: fn(&mut Settings) -> &mut i64,
) -> mlua::Result<MultiValue> {
    if let Some(value) = argv.front().filter(|v| !v.is_nil()) {
        let Some(depth) = number(value).map(|n| n as i64).filter(|&n| n >= 1) else {
            return fail_message(
                lua,
                &format!("bad argument #1 to '{name}' (expected integer between 1 and 2147483647)"),
            );
        };
        update(lua, |s| *field(s) = depth);
    }
    let mut current = settings(lua);
    Ok(MultiValue::from_iter([Value::Integer(*field(
        &mut current,
    ))]))
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Integer(n) => Some(*n as f64),
        Value::Number(n) => Some(*n),
        Value::String(s) => s.to_str().ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn encode(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    if argv.len() != 1 {
        return fail_message(lua, "bad argument #1 to 'encode' (expected 1 argument)");
    }
    let value = argv.front().cloned().unwrap_or(Value::Nil);
    let mut out = Vec::new();
    match encode_value(&settings(lua), &value, 0, &mut out) {
        Ok(()) => Ok(MultiValue::from_iter([Value::String(
            lua.create_string(&out)?,
        )])),
        Err(message) => fail_message(lua, &message),
    }
}

/// Appends the JSON text of `value`, or says why it cannot be encoded.
fn encode_value(
    settings: &Settings,
    value: &Value,
    depth: i64,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    match value {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(pointer) if pointer.0.is_null() => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Integer(n) => encode_number(settings, *n as f64, out)?,
        Value::Number(n) => encode_number(settings, *n, out)?,
        Value::String(s) => encode_string(&s.as_bytes(), out),
        Value::Table(table) => {
            let depth = depth + 1;
            // The setting is capped so that no script can make the encoder
            // recurse deep enough to exhaust the server's stack.
            if depth > settings.encode_max_depth.min(super::MAX_NESTING as i64) {
                return Err(format!("Cannot serialise, excessive nesting ({depth})"));
            }
            match array_length(settings, table)? {
                Some(length) if length > 0 => {
                    out.push(b'[');
                    for index in 1..=length {
                        if index > 1 {
                            out.push(b',');
                        }
                        let item: Value = table.raw_get(index).unwrap_or(Value::Nil);
                        encode_value(settings, &item, depth, out)?;
                    }
                    out.push(b']');
                }
                _ => {
                    out.push(b'{');
                    let mut first = true;
                    for pair in table.pairs::<Value, Value>() {
                        let Ok((key, item)) = pair else { continue };
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        match &key {
                            Value::String(s) => encode_string(&s.as_bytes(), out),
                            Value::Integer(n) => {
                                let mut text = Vec::new();
                                encode_number(settings, *n as f64, &mut text)?;
                                encode_string(&text, out);
                            }
                            Value::Number(n) => {
                                let mut text = Vec::new();
                                encode_number(settings, *n, &mut text)?;
                                encode_string(&text, out);
                            }
                            other => {
                                return Err(format!(
                                    "Cannot serialise {}: table key must be a number or string",
                                    other.type_name()
                                ))
                            }
                        }
                        out.push(b':');
                        encode_value(settings, &item, depth, out)?;
                    }
                    out.push(b'}');
                }
            }
        }
        other => {
            return Err(format!(
                "Cannot serialise {}: type not supported",
                other.type_name()
            ));
        }
    }
    Ok(())
}

/// `Some(n)` when every key is a positive integer (n the largest),
/// `None` for an object.
fn array_length(settings: &Settings, table: &Table) -> Result<Option<usize>, String> {
    let mut max = 0usize;
    let mut items = 0usize;
    for pair in table.pairs::<Value, Value>() {
        let Ok((key, _)) = pair else { return Ok(None) };
        let index = match key {
            Value::Integer(n) if n >= 1 => n as usize,
            Value::Number(n) if n >= 1.0 && n.floor() == n => n as usize,
            _ => return Ok(None),
        };
        max = max.max(index);
        items += 1;
    }
    if settings.sparse_ratio > 0
        && max as i64 > settings.sparse_safe
        && max as i64 > items as i64 * settings.sparse_ratio
    {
        if settings.sparse_convert {
            return Ok(None);
        }
        return Err("Cannot serialise table: excessively sparse array".to_string());
    }
    Ok(Some(max))
}

fn encode_number(settings: &Settings, n: f64, out: &mut Vec<u8>) -> Result<(), String> {
    if !n.is_finite() {
        match settings.encode_invalid_numbers {
            0 => return Err("Cannot serialise number: must not be NaN or Inf".to_string()),
            2 => {
                out.extend_from_slice(b"null");
                return Ok(());
            }
            _ => {}
        }
    }
    out.extend_from_slice(format_g(n, settings.precision).as_bytes());
    Ok(())
}

fn encode_string(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &byte in bytes {
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{byte:04x}").as_bytes()),
            _ => out.push(byte),
        }
    }
    out.push(b'"');
}

fn decode(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    if argv.len() != 1 {
        return fail_message(lua, "bad argument #1 to 'decode' (expected 1 argument)");
    }
    let Some(Value::String(text)) = argv.front() else {
        let got = argv.front().map_or("no value", Value::type_name);
        return fail_message(
            lua,
            &format!("bad argument #1 to 'decode' (string expected, got {got})"),
        );
    };
    let bytes = text.as_bytes().to_vec();
    let mut parser = Parser {
        lua,
        bytes: &bytes,
        at: 0,
        max_depth: settings(lua).decode_max_depth,
    };
    let value = match parser.value(0) {
        Ok(value) => value,
        Err(message) => return parse_failure(lua, message),
    };
    parser.skip_space();
    if parser.at < bytes.len() {
        let message = parser.unexpected("the end");
        return parse_failure(lua, message);
    }
    Ok(MultiValue::from_iter([value]))
}

fn parse_failure(lua: &Lua, message: Result<String, mlua::Error>) -> mlua::Result<MultiValue> {
    match message {
        Ok(text) => fail_message(lua, &text),
        Err(error) => Err(error),
    }
}

/// A parse failure: the message, or an error from Lua itself.
type ParseError = Result<String, mlua::Error>;

struct Parser<'a> {
    lua: &'a Lua,
    bytes: &'a [u8],
    at: usize,
    max_depth: i64,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.at < self.bytes.len()
            && matches!(self.bytes[self.at], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.at += 1;
        }
    }

    /// lua-cjson's wording: what was expected, what was found, where
    /// (1-based).
    fn unexpected(&self, expected: &str) -> ParseError {
        let found = match self.bytes.get(self.at) {
            None => "T_END",
            Some(b'{') => "T_OBJ_BEGIN",
            Some(b'}') => "T_OBJ_END",
            Some(b'[') => "T_ARR_BEGIN",
            Some(b']') => "T_ARR_END",
            Some(b',') => "T_COMMA",
            Some(b':') => "T_COLON",
            Some(b'"') => "T_STRING",
            Some(b'-' | b'0'..=b'9') => "T_NUMBER",
            Some(b't' | b'f') if self.keyword_ahead() => "T_BOOLEAN",
            Some(b'n') if self.keyword_ahead() => "T_NULL",
            _ => "invalid token",
        };
        Ok(format!(
            "Expected {expected} but found {found} at character {}",
            self.at + 1
        ))
    }

    fn keyword_ahead(&self) -> bool {
        let rest = &self.bytes[self.at..];
        rest.starts_with(b"true") || rest.starts_with(b"false") || rest.starts_with(b"null")
    }

    fn value(&mut self, depth: i64) -> Result<Value, ParseError> {
        self.skip_space();
        let Some(&byte) = self.bytes.get(self.at) else {
            return Err(self.unexpected("value"));
        };
        match byte {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => {
                let text = self.string()?;
                Ok(Value::String(self.lua.create_string(&text).map_err(Err)?))
            }
            b't' if self.bytes[self.at..].starts_with(b"true") => {
                self.at += 4;
                Ok(Value::Boolean(true))
            }
            b'f' if self.bytes[self.at..].starts_with(b"false") => {
                self.at += 5;
                Ok(Value::Boolean(false))
            }
            b'n' if self.bytes[self.at..].starts_with(b"null") => {
                self.at += 4;
                Ok(Value::LightUserData(LightUserData(std::ptr::null_mut())))
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.unexpected("value")),
        }
    }

    fn enter(&self, depth: i64) -> Result<(), ParseError> {
        // Capped like the encoder's depth, to keep the server's stack safe.
        if depth > self.max_depth.min(super::MAX_NESTING as i64) {
            return Err(Ok(format!(
                "Found too many nested data structures ({depth}) at character {}",
                self.at + 1
            )));
        }
        Ok(())
    }

    fn object(&mut self, depth: i64) -> Result<Value, ParseError> {
        self.enter(depth)?;
        self.at += 1;
        let table = self.lua.create_table().map_err(Err)?;
        self.skip_space();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Ok(Value::Table(table));
        }
        loop {
            self.skip_space();
            if self.bytes.get(self.at) != Some(&b'"') {
                return Err(self.unexpected("object key string"));
            }
            let key = self.string()?;
            self.skip_space();
            if self.bytes.get(self.at) != Some(&b':') {
                return Err(self.unexpected("colon"));
            }
            self.at += 1;
            let value = self.value(depth)?;
            let key = self.lua.create_string(&key).map_err(Err)?;
            table.raw_set(key, value).map_err(Err)?;
            self.skip_space();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Table(table));
                }
                _ => return Err(self.unexpected("comma or object end")),
            }
        }
    }

    fn array(&mut self, depth: i64) -> Result<Value, ParseError> {
        self.enter(depth)?;
        self.at += 1;
        let table = self.lua.create_table().map_err(Err)?;
        self.skip_space();
        if self.bytes.get(self.at) == Some(&b']') {
            self.at += 1;
            return Ok(Value::Table(table));
        }
        let mut index = 1;
        loop {
            let value = self.value(depth)?;
            table.raw_set(index, value).map_err(Err)?;
            index += 1;
            self.skip_space();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Table(table));
                }
                _ => return Err(self.unexpected("comma or array end")),
            }
        }
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.at;
        while self.at < self.bytes.len()
            && matches!(
                self.bytes[self.at],
                b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
            )
        {
            self.at += 1;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or("");
        match text.parse::<f64>() {
            Ok(n) => Ok(Value::Number(n)),
            Err(_) => {
                self.at = start;
                Err(self.unexpected("value"))
            }
        }
    }

    /// A string token, escapes decoded (`\u` to UTF-8).
    fn string(&mut self) -> Result<Vec<u8>, ParseError> {
        let start = self.at;
        self.at += 1;
        let mut text = Vec::new();
        loop {
            let Some(&byte) = self.bytes.get(self.at) else {
                self.at = start;
                return Err(self.unexpected("value"));
            };
            self.at += 1;
            match byte {
                b'"' => return Ok(text),
                b'\\' => {
                    let Some(&escape) = self.bytes.get(self.at) else {
                        self.at = start;
                        return Err(self.unexpected("value"));
                    };
                    self.at += 1;
                    match escape {
                        b'"' | b'\\' | b'/' => text.push(escape),
                        b'b' => text.push(0x08),
                        b'f' => text.push(0x0c),
                        b'n' => text.push(b'\n'),
                        b'r' => text.push(b'\r'),
                        b't' => text.push(b'\t'),
                        b'u' => {
                            let Some(code) = self.unicode_escape() else {
                                self.at = start;
                                return Err(self.unexpected("value"));
                            };
                            let mut buffer = [0; 4];
                            text.extend_from_slice(code.encode_utf8(&mut buffer).as_bytes());
                        }
                        _ => {
                            self.at = start;
                            return Err(self.unexpected("value"));
                        }
                    }
                }
                _ => text.push(byte),
            }
        }
    }

    /// The code point of `XXXX` (after `\u`), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                return None;
            }
            self.at += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return None;
            }
            return char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00));
        }
        char::from_u32(first)
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        let code = u32::from_str_radix(text, 16).ok()?;
        self.at += 4;
        Some(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lua() -> Lua {
        let lua = Lua::new();
        lua.globals().set("cjson", library(&lua).unwrap()).unwrap();
        lua
    }

    fn eval(lua: &Lua, code: &str) -> String {
        lua.load(code).eval::<String>().unwrap()
    }

    #[test]
    fn encodes_like_lua_cjson() {
        let lua = lua();
        assert_eq!(
            eval(&lua, "return cjson.encode({1, 2, 'a/b'})"),
            r#"[1,2,"a\/b"]"#
        );
        assert_eq!(eval(&lua, "return cjson.encode({})"), "{}");
        assert_eq!(eval(&lua, "return cjson.encode({a = 0.1})"), r#"{"a":0.1}"#);
        assert_eq!(eval(&lua, "return cjson.encode({1, nil, 3})"), "[1,null,3]");
        assert_eq!(eval(&lua, "return cjson.encode('\\n\\1')"), r#""\n\u0001""#);
        assert_eq!(eval(&lua, "return cjson.encode(cjson.null)"), "null");
    }

    #[test]
    fn decodes_like_lua_cjson() {
        let lua = lua();
        assert_eq!(
            eval(
                &lua,
                r#"return table.concat(cjson.decode("[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]"), " ")"#
            ),
            "0 -5000 -1 0.0003 1023.2 0"
        );
        assert_eq!(
            eval(&lua, r#"return cjson.decode('{"a": "\\u00e9"}').a"#),
            "é"
        );
        assert_eq!(
            eval(
                &lua,
                r#"return tostring(cjson.decode('null') == cjson.null)"#
            ),
            "true"
        );
    }

    #[test]
    fn failures_carry_lua_cjson_messages() {
        let lua = lua();
        let error = lua
            .load("return cjson.decode('[1,')")
            .call::<Value>(())
            .unwrap_err();
        let failure = super::super::script_failure(&error).map(ToString::to_string);
        assert!(
            failure.as_deref().is_some_and(
                |text| text.ends_with(":1: Expected value but found T_END at character 4")
            ),
            "{failure:?}"
        );
    }
}
