//! The `bit` library (LuaBitOp's API): 32-bit operations on Lua numbers.
//!
//! Every argument is first normalised to a signed 32-bit integer the way
//! LuaBitOp does it (rounded to nearest, then taken modulo 2^32), and
//! every result is returned as a signed 32-bit number.

use mlua::{Lua, MultiValue, Table, Value};

use super::{fail_message, type_name};

/// The library table.
pub fn library(lua: &Lua) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set(
        "tobit",
        lua.create_function(|lua, argv| unary(lua, argv, "tobit", |x| x))?,
    )?;
    table.raw_set(
        "bnot",
        lua.create_function(|lua, argv| unary(lua, argv, "bnot", |x| !x))?,
    )?;
    table.raw_set(
        "bswap",
        lua.create_function(|lua, argv| unary(lua, argv, "bswap", i32::swap_bytes))?,
    )?;
    table.raw_set(
        "band",
        lua.create_function(|lua, argv| fold(lua, argv, "band", |a, b| a & b))?,
    )?;
    table.raw_set(
        "bor",
        lua.create_function(|lua, argv| fold(lua, argv, "bor", |a, b| a | b))?,
    )?;
    table.raw_set(
        "bxor",
        lua.create_function(|lua, argv| fold(lua, argv, "bxor", |a, b| a ^ b))?,
    )?;
    table.raw_set(
        "lshift",
        lua.create_function(|lua, argv| {
            shift(lua, argv, "lshift", |x, n| ((x as u32) << n) as i32)
        })?,
    )?;
    table.raw_set(
        "rshift",
        lua.create_function(|lua, argv| {
            shift(lua, argv, "rshift", |x, n| ((x as u32) >> n) as i32)
        })?,
    )?;
    table.raw_set(
        "arshift",
        lua.create_function(|lua, argv| shift(lua, argv, "arshift", |x, n| x >> n))?,
    )?;
    table.raw_set(
        "rol",
        lua.create_function(|lua, argv| {
            shift(lua, argv, "rol", |x, n| (x as u32).rotate_left(n) as i32)
        })?,
    )?;
    table.raw_set(
        "ror",
        lua.create_function(|lua, argv| {
            shift(lua, argv, "ror", |x, n| (x as u32).rotate_right(n) as i32)
        })?,
    )?;
    table.raw_set("tohex", lua.create_function(tohex)?)?;
    Ok(table)
}

/// LuaBitOp's normalisation of a number to 32 bits.
pub fn to_bit(n: f64) -> i32 {
    if !n.is_finite() {
        return i32::MIN;
    }
    n.round_ties_even().rem_euclid(4_294_967_296.0) as u32 as i32
}

/// A number argument (`luaL_checknumber`: numbers and numeric strings).
fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Integer(n) => Some(*n as f64),
        Value::Number(n) => Some(*n),
        Value::String(s) => {
            let text = s.to_str().ok()?;
            let text = text.trim();
            if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                return u64::from_str_radix(hex, 16).ok().map(|n| n as f64);
            }
            text.parse::<f64>().ok()
        }
        _ => None,
    }
}

fn argument(
    lua: &Lua,
    values: &[Value],
    index: usize,
    name: &str,
) -> Result<i32, mlua::Result<MultiValue>> {
    match number(values.get(index)) {
        Some(n) => Ok(to_bit(n)),
        None => Err(fail_message(
            lua,
            &format!(
                "bad argument #{} to '{name}' (number expected, got {})",
                index + 1,
                type_name(values.get(index))
            ),
        )),
    }
}

fn result(value: i32) -> mlua::Result<MultiValue> {
    Ok(MultiValue::from_iter([Value::Number(f64::from(value))]))
}

fn unary(lua: &Lua, argv: MultiValue, name: &str, op: fn(i32) -> i32) -> mlua::Result<MultiValue> {
    let values: Vec<Value> = argv.into_iter().collect();
    match argument(lua, &values, 0, name) {
        Ok(x) => result(op(x)),
        Err(failure) => failure,
    }
}

fn fold(
    lua: &Lua,
    argv: MultiValue,
    name: &str,
    op: fn(i32, i32) -> i32,
) -> mlua::Result<MultiValue> {
    let values: Vec<Value> = argv.into_iter().collect();
    let mut acc = match argument(lua, &values, 0, name) {
        Ok(x) => x,
        Err(failure) => return failure,
    };
    for index in 1..values.len() {
        match argument(lua, &values, index, name) {
            Ok(x) => acc = op(acc, x),
            Err(failure) => return failure,
        }
    }
    result(acc)
}

fn shift(
    lua: &Lua,
    argv: MultiValue,
    name: &str,
    op: fn(i32, u32) -> i32,
) -> mlua::Result<MultiValue> {
    let values: Vec<Value> = argv.into_iter().collect();
    let x = match argument(lua, &values, 0, name) {
        Ok(x) => x,
        Err(failure) => return failure,
    };
    let n = match argument(lua, &values, 1, name) {
        Ok(n) => (n & 31) as u32,
        Err(failure) => return failure,
    };
    result(op(x, n))
}

fn tohex(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    let values: Vec<Value> = argv.into_iter().collect();
    let x = match argument(lua, &values, 0, "tohex") {
        Ok(x) => x,
        Err(failure) => return failure,
    };
    let digits = match values.get(1) {
        None | Some(Value::Nil) => 8,
        Some(_) => match argument(lua, &values, 1, "tohex") {
            Ok(n) => n,
            Err(failure) => return failure,
        },
    };
    Ok(MultiValue::from_iter([Value::String(
        lua.create_string(hex(x, digits))?,
    )]))
}

/// `bit.tohex`: the low `digits` nibbles, uppercase for a negative count.
pub fn hex(x: i32, digits: i32) -> String {
    let alphabet: &[u8; 16] = if digits < 0 {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let count = digits.unsigned_abs().min(8) as usize;
    let mut value = x as u32;
    let mut text = vec![b'0'; count];
    for slot in text.iter_mut().rev() {
        *slot = alphabet[(value & 15) as usize];
        value >>= 4;
    }
    String::from_utf8_lossy(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_luabitop() {
        assert_eq!(to_bit(0xffff_ffff_u32 as f64), -1);
        assert_eq!(to_bit(4_294_967_296.0), 0);
        assert_eq!(to_bit(-1.0), -1);
        assert_eq!(to_bit(2.5), 2);
        assert_eq!(to_bit(3.5), 4);
    }

    #[test]
    fn tohex_digits_and_case() {
        assert_eq!(hex(1, 8), "00000001");
        assert_eq!(hex(-1, 8), "ffffffff");
        assert_eq!(hex(0x1234_5678, -4), "5678");
        assert_eq!(hex(0x1234_5678, 2), "78");
        assert_eq!(hex(0x1234_5678, 20), "12345678");
    }

    #[test]
    fn functions_through_lua() {
        let lua = Lua::new();
        lua.globals().set("bit", library(&lua).unwrap()).unwrap();
        let check = |code: &str, expected: f64| {
            let got: f64 = lua.load(code).eval().unwrap();
            assert_eq!(got, expected, "{code}");
        };
        check("return (bit.band(0xff, 0x0f, 0x3))", 3.0);
        check("return (bit.bor(1, 2, 4))", 7.0);
        check("return (bit.bxor(5, 3))", 6.0);
        check("return (bit.bnot(0))", -1.0);
        check("return (bit.lshift(1, 31))", -2_147_483_648.0);
        check("return (bit.rshift(-1, 28))", 15.0);
        check("return (bit.arshift(-256, 4))", -16.0);
        check("return (bit.rol(0x12345678, 12))", f64::from(0x4567_8123));
        check("return (bit.ror(0x12345678, 12))", f64::from(0x6781_2345));
        check("return (bit.bswap(0x12345678))", f64::from(0x7856_3412));
        check("return (bit.tobit(0xffffffff + 1))", 0.0);
    }
}
