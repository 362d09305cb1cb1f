//! Conversions between RESP replies and Lua values, both ways, with
//! Redis's rules (`redisProtocolToLuaType_*` and `luaReplyToRedisReply`).
//!
//! Commands to Lua: integers become numbers, bulk strings strings, nulls
//! `false` (RESP3's null is `nil`), status and error replies the tables
//! `{ok=...}` and `{err=...}`, RESP3 doubles, big numbers, verbatim
//! strings, maps and sets tables with a single field naming the type.
//! Lua to the client: the same tables back, numbers truncated to
//! integers, arrays cut at their first `nil`, booleans as RESP2 `1`/null
//! unless the script chose RESP3.

use mlua::{Lua, Table, Value};
use vireo_resp::Frame;

use super::{error_table, MAX_NESTING};
use crate::client::Client;

/// A command's reply as the Lua value scripts see.
pub fn frame_to_lua(lua: &Lua, frame: Frame, depth: usize) -> mlua::Result<Value> {
    if depth > MAX_NESTING {
        return Ok(Value::Boolean(false));
    }
    Ok(match frame {
        Frame::Integer(n) => Value::Number(n as f64),
        Frame::Bulk(bytes) => Value::String(lua.create_string(&bytes)?),
        Frame::NullBulk | Frame::NullArray => Value::Boolean(false),
        Frame::Null => Value::Nil,
        Frame::Boolean(b) => Value::Boolean(b),
        Frame::Simple(text) => {
            let table = lua.create_table()?;
            table.raw_set("ok", lua.create_string(&text)?)?;
            Value::Table(table)
        }
        Frame::Error(text) | Frame::BulkError(text) => {
            let mut raw = b"-".to_vec();
            raw.extend_from_slice(&text);
            Value::Table(error_table(lua, &raw)?)
        }
        Frame::Double(d) => single(lua, "double", Value::Number(d))?,
        Frame::BigNumber(text) => {
            single(lua, "big_number", Value::String(lua.create_string(&text)?))?
        }
        Frame::Verbatim { format, text } => {
            let inner = lua.create_table()?;
            inner.raw_set("string", lua.create_string(&text)?)?;
            inner.raw_set("format", lua.create_string(format)?)?;
            single(lua, "verbatim_string", Value::Table(inner))?
        }
        Frame::Array(items) | Frame::Push(items) => {
            let table = lua.create_table_with_capacity(items.len(), 0)?;
            for (index, item) in items.into_iter().enumerate() {
                table.raw_set(index + 1, frame_to_lua(lua, item, depth + 1)?)?;
            }
            Value::Table(table)
        }
        Frame::Map(pairs) => {
            let inner = lua.create_table()?;
            for (key, value) in pairs {
                let key = frame_to_lua(lua, key, depth + 1)?;
                let value = frame_to_lua(lua, value, depth + 1)?;
                if usable_key(&key) {
                    inner.raw_set(key, value)?;
                }
            }
            single(lua, "map", Value::Table(inner))?
        }
        Frame::Set(items) => {
            let inner = lua.create_table()?;
            for item in items {
                let key = frame_to_lua(lua, item, depth + 1)?;
                if usable_key(&key) {
                    inner.raw_set(key, true)?;
                }
            }
            single(lua, "set", Value::Table(inner))?
        }
        // Redis compat: attributes are dropped, the value they annotate kept.
        Frame::Attribute { frame, .. } => frame_to_lua(lua, *frame, depth)?,
    })
}

/// Lua refuses nil and NaN as table keys.
fn usable_key(key: &Value) -> bool {
    match key {
        Value::Nil => false,
        Value::Number(n) => !n.is_nan(),
        _ => true,
    }
}

fn single(lua: &Lua, field: &str, value: Value) -> mlua::Result<Value> {
    let table = lua.create_table()?;
    table.raw_set(field, value)?;
    Ok(Value::Table(table))
}

/// Replies `value`, a script's result, to `client`; `script_resp` is the
/// protocol the script chose with `redis.setresp`.
pub fn lua_to_reply(client: &mut Client, value: &Value, script_resp: u8, depth: usize) {
    if depth > MAX_NESTING {
        return client.reply_error("reached lua stack limit");
    }
    match value {
        Value::String(s) => client.reply_bulk(&s.as_bytes()),
        Value::Boolean(b) => {
            if script_resp == 2 {
                if *b {
                    client.reply_integer(1);
                } else {
                    client.reply_null();
                }
            } else {
                client.reply_bool(*b);
            }
        }
        Value::Integer(n) => client.reply_integer(*n),
        Value::Number(n) => client.reply_integer(c_cast_i64(*n)),
        Value::Table(table) => table_to_reply(client, table, script_resp, depth),
        _ => client.reply_null(),
    }
}

/// Redis compat: C's `(long long)` cast on x86-64, which truncates toward
/// zero and turns NaN and out-of-range values into the minimum.
fn c_cast_i64(n: f64) -> i64 {
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

fn table_to_reply(client: &mut Client, table: &Table, script_resp: u8, depth: usize) {
    let field = |name: &str| table.raw_get::<Value>(name).unwrap_or(Value::Nil);
    if let Value::String(err) = field("err") {
        let mut text = b"-".to_vec();
        text.extend(
            err.as_bytes()
                .iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        return client.reply_error(text);
    }
    if let Value::String(ok) = field("ok") {
        let text: Vec<u8> = ok
            .as_bytes()
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
            .collect();
        return client.reply_simple(&text);
    }
    match field("double") {
        Value::Number(d) => return client.reply_double(d),
        Value::Integer(n) => return client.reply_double(n as f64),
        _ => {}
    }
    if let Value::String(big) = field("big_number") {
        let text: Vec<u8> = big
            .as_bytes()
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
            .collect();
        if client.resp >= 3 {
            client.out.push(b'(');
            client.out.extend_from_slice(&text);
            client.out.extend_from_slice(b"\r\n");
        } else {
            client.reply_bulk(&text);
        }
        return;
    }
    if let Value::Table(verbatim) = field("verbatim_string") {
        let format = verbatim.raw_get::<Value>("format").unwrap_or(Value::Nil);
        let text = verbatim.raw_get::<Value>("string").unwrap_or(Value::Nil);
        if let (Value::String(format), Value::String(text)) = (format, text) {
            let format = format.as_bytes();
            let mut code = [b' '; 3];
            for (slot, byte) in code.iter_mut().zip(format.iter()) {
                *slot = *byte;
            }
            return client.reply_verbatim(&text.as_bytes(), code);
        }
    }
    // Tables are walked twice (count, then reply) rather than collected:
    // mlua holds every live value in a Lua stack slot, and a few thousand
    // of them at once would overflow it.
    if let Value::Table(map) = field("map") {
        client.reply_map_len(map.pairs::<Value, Value>().count());
        for (key, value) in map.pairs::<Value, Value>().filter_map(Result::ok) {
            lua_to_reply(client, &key, script_resp, depth + 1);
            lua_to_reply(client, &value, script_resp, depth + 1);
        }
        return;
    }
    if let Value::Table(set) = field("set") {
        client.reply_set_len(set.pairs::<Value, Value>().count());
        for (member, _) in set.pairs::<Value, Value>().filter_map(Result::ok) {
            lua_to_reply(client, &member, script_resp, depth + 1);
        }
        return;
    }
    let mut len = 0;
    while !matches!(table.raw_get::<Value>(len + 1), Ok(Value::Nil) | Err(_)) {
        len += 1;
    }
    client.reply_array_len(len);
    for index in 1..=len {
        let item = table.raw_get::<Value>(index).unwrap_or(Value::Nil);
        lua_to_reply(client, &item, script_resp, depth + 1);
    }
}
