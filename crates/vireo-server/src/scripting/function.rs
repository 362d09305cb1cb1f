//! Redis 7 functions: libraries of Lua functions loaded with FUNCTION LOAD
//! and called with FCALL (Redis's `functions.c` and `function_lua.c`).
//!
//! Functions run in a Lua state of their own, separate from EVAL's, with
//! the same sandbox. While a library's code runs at load time the
//! environment's `__index` is switched to the library API (only
//! `redis.register_function`, `redis.log` and the version fields), so the
//! code can register functions but not call commands; the callbacks it
//! registers keep the same environment and see the full API when called.
//!
//! Invariant: a function name belongs to exactly one library; a load or
//! restore that would break this changes nothing.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mlua::{Function, HookTriggers, Lua, MultiValue, Value, VmState};

use super::{
    error_text, fail_table, lua_error_message, redis_log, to_bytes, version_number, ScriptFailure,
    Scripting, FLAG_NAMES,
};
use crate::server::REDIS_VERSION;

/// How long a library's code may run at load time (Redis's
/// `LOAD_TIMEOUT_MS`).
const LOAD_TIMEOUT: Duration = Duration::from_millis(500);

/// A registered function.
pub struct FunctionInfo {
    /// Its name, unique across libraries.
    pub name: String,
    /// The description given at registration.
    pub description: Option<Vec<u8>>,
    /// Script flags (`FLAG_*` of the scripting module).
    pub flags: u64,
    callback: Function,
}

/// A loaded library.
pub struct Library {
    /// Its name (from the `#!lua name=` line).
    pub name: String,
    /// Its code, shebang included.
    pub code: Vec<u8>,
    /// Its functions, by name.
    pub functions: BTreeMap<String, FunctionInfo>,
}

/// What `redis.register_function` collects during a load, kept as the
/// state's app data.
#[derive(Default)]
struct LoadState {
    active: bool,
    registered: Vec<FunctionInfo>,
}

/// The function engine: its Lua state and the loaded libraries.
pub struct Functions {
    engine: Scripting,
    /// The environment `__index` during a load: the library API.
    library_api: Value,
    /// Loaded libraries, by name.
    pub libraries: BTreeMap<String, Library>,
}

/// Redis's rule for library and function names.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

const INVALID_NAME: &str = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// The library name and where the code starts (the newline ending the
/// shebang, kept so line numbers do not move).
fn parse_metadata(code: &[u8]) -> Result<(String, usize), String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".to_string());
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err("Invalid library metadata".to_string());
    };
    let words = super::shebang_words(&code[..end]).unwrap_or_default();
    let Some(engine) = words.first() else {
        return Err("Invalid library metadata".to_string());
    };
    let mut name: Option<String> = None;
    for part in &words[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(
                    "Invalid metadata value, name argument was given multiple times".to_string(),
                );
            }
            name = Some(String::from_utf8_lossy(&part[5..]).into_owned());
            continue;
        }
        return Err(format!(
            "Invalid metadata value given: {}",
            String::from_utf8_lossy(part)
        ));
    }
    let Some(name) = name else {
        return Err("Library name was not given".to_string());
    };
    if !valid_name(&name) {
        return Err(INVALID_NAME.to_string());
    }
    let engine = engine.get(2..).unwrap_or_default();
    if !engine.eq_ignore_ascii_case(b"lua") {
        return Err(format!(
            "Engine '{}' not found",
            String::from_utf8_lossy(engine)
        ));
    }
    Ok((name, end))
}

impl Functions {
    /// A fresh engine with no library.
    pub fn new() -> mlua::Result<Functions> {
        let engine = Scripting::new()?;
        let library_api = library_api(&engine)?;
        Ok(Functions {
            engine,
            library_api,
            libraries: BTreeMap::new(),
        })
    }

    /// The library owning function `name` (any case, as Redis looks
    /// functions up), and the function.
    pub fn function(&self, name: &str) -> Option<(&Library, &FunctionInfo)> {
        self.libraries.values().find_map(|library| {
            library
                .functions
                .values()
                .find(|f| f.name.eq_ignore_ascii_case(name))
                .map(|f| (library, f))
        })
    }

    /// Number of functions across libraries.
    pub fn function_count(&self) -> usize {
        self.libraries
            .values()
            .map(|library| library.functions.len())
            .sum()
    }

    /// Compiles and runs a library's code, collecting the functions it
    /// registers. Does not install it.
    pub fn compile(&mut self, code: &[u8]) -> Result<Library, String> {
        let (name, shebang_len) = parse_metadata(code)?;
        let lua = self.engine.lua.clone();
        let chunk = lua
            .load(&code[shebang_len..])
            .set_name("@user_function")
            .set_mode(mlua::ChunkMode::Text)
            .set_environment(self.engine.env.clone())
            .into_function()
            .map_err(|error| format!("Error compiling function: {}", lua_error_message(&error)))?;
        let env_meta = self.engine.env_meta.clone();
        let globals = self.engine.globals.clone();
        env_meta
            .raw_set("__index", self.library_api.clone())
            .map_err(|error| error.to_string())?;
        lua.set_app_data(LoadState {
            active: true,
            registered: Vec::new(),
        });
        let started = Instant::now();
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(100_000),
            move |_, _| {
                if started.elapsed() > LOAD_TIMEOUT {
                    return Err(mlua::Error::external(ScriptFailure::Table(error_text(
                        b"FUNCTION LOAD timeout",
                    ))));
                }
                Ok(VmState::Continue)
            },
        );
        let outcome = self.engine.runner.call::<(bool, Value)>((chunk, false));
        lua.remove_hook();
        let _ = env_meta.raw_set("__index", globals);
        let registered = lua
            .remove_app_data::<LoadState>()
            .map(|state| state.registered)
            .unwrap_or_default();
        match outcome {
            Ok((true, _)) => {}
            Ok((false, error)) => {
                let message = match &error {
                    Value::Table(table) => table
                        .raw_get::<Value>("err")
                        .ok()
                        .and_then(|v| to_bytes(&v))
                        .unwrap_or_default(),
                    other => to_bytes(other).unwrap_or_default(),
                };
                return Err(format!(
                    "Error registering functions: {}",
                    String::from_utf8_lossy(&message)
                ));
            }
            Err(error) => {
                return Err(format!(
                    "Error registering functions: {}",
                    lua_error_message(&error)
                ));
            }
        }
        if registered.is_empty() {
            return Err("No functions registered".to_string());
        }
        let functions = registered
            .into_iter()
            .map(|function| (function.name.clone(), function))
            .collect();
        Ok(Library {
            name,
            code: code.to_vec(),
            functions,
        })
    }

    /// FUNCTION LOAD: compiles `code` and installs it, replacing a library
    /// of the same name only with `replace`. Returns the library's name.
    pub fn load(&mut self, code: &[u8], replace: bool) -> Result<String, String> {
        let (name, _) = parse_metadata(code)?;
        if self.libraries.contains_key(&name) && !replace {
            return Err(format!("Library '{name}' already exists"));
        }
        let library = self.compile(code)?;
        self.install(vec![library], replace)?;
        Ok(name)
    }

    /// Installs `libraries` all or nothing: a library whose name is taken
    /// replaces the old one only with `replace`; a function name taken by
    /// another library refuses the lot.
    pub fn install(&mut self, libraries: Vec<Library>, replace: bool) -> Result<(), String> {
        for library in &libraries {
            if self.libraries.contains_key(&library.name) && !replace {
                return Err(format!("Library {} already exists", library.name));
            }
            for function in library.functions.keys() {
                let owner = self
                    .function(function)
                    .map(|(other, _)| other.name.as_str());
                if owner.is_some_and(|owner| owner != library.name) {
                    return Err(format!("Function {function} already exists"));
                }
            }
        }
        for library in libraries {
            self.libraries.insert(library.name.clone(), library);
        }
        Ok(())
    }

    /// Runs function `name` for FCALL; `None` when there is no such function.
    pub fn call(
        &mut self,
        server: &mut crate::server::Server,
        caller: &mut crate::client::Client,
        name: &str,
        keys: &[&[u8]],
        args: &[&[u8]],
        options: super::RunOptions,
    ) {
        let Some(callback) = self.function(name).map(|(_, f)| f.callback.clone()) else {
            return caller.reply_error("Function not found");
        };
        self.engine
            .run_function(server, caller, callback, name, Some((keys, args)), options);
    }

    /// Bytes the Lua state uses.
    pub fn memory(&self) -> usize {
        self.engine.memory()
    }
}

/// The table the environment reads from during a load: `redis` with
/// only `register_function`, `log` and the version fields; any other
/// name is an error.
fn library_api(engine: &Scripting) -> mlua::Result<Value> {
    let lua = &engine.lua;
    let missing: Value = engine
        .globals
        .metatable()
        .map(|meta| meta.raw_get("__index"))
        .transpose()?
        .unwrap_or(Value::Nil);
    let error_meta = lua.create_table()?;
    error_meta.raw_set("__index", missing)?;
    let redis = lua.create_table()?;
    redis.raw_set("register_function", lua.create_function(register_function)?)?;
    redis.raw_set("log", lua.create_function(redis_log)?)?;
    for (name, level) in [
        ("LOG_DEBUG", 0),
        ("LOG_VERBOSE", 1),
        ("LOG_NOTICE", 2),
        ("LOG_WARNING", 3),
    ] {
        redis.raw_set(name, level)?;
    }
    redis.raw_set("REDIS_VERSION", REDIS_VERSION)?;
    redis.raw_set("REDIS_VERSION_NUM", version_number(REDIS_VERSION))?;
    redis.set_metatable(Some(error_meta.clone()));
    let api = lua.create_table()?;
    api.raw_set("redis", engine.view.call::<Value>(redis)?)?;
    api.set_metatable(Some(error_meta));
    engine.view.call::<Value>(api)
}

/// A string argument as `lua_isstring` sees it (numbers too).
fn string_value(value: &Value) -> Option<String> {
    to_bytes(value).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// `redis.register_function(name, callback)` or
/// `redis.register_function{function_name=, callback=, flags=, description=}`.
fn register_function(lua: &Lua, argv: MultiValue) -> mlua::Result<()> {
    if !lua
        .app_data_ref::<LoadState>()
        .is_some_and(|state| state.active)
    {
        return fail_table(
            lua,
            "redis.register_function can only be called on FUNCTION LOAD command",
        );
    }
    let values: Vec<Value> = argv.into_iter().collect();
    let function = match values.len() {
        1 => named_arguments(lua, &values[0])?,
        2 => {
            let Some(name) = string_value(&values[0]) else {
                return fail_table(
                    lua,
                    "first argument to redis.register_function must be a string",
                );
            };
            let Value::Function(callback) = &values[1] else {
                return fail_table(
                    lua,
                    "second argument to redis.register_function must be a function",
                );
            };
            FunctionInfo {
                name,
                description: None,
                flags: 0,
                callback: callback.clone(),
            }
        }
        _ => return fail_table(lua, "wrong number of arguments to redis.register_function"),
    };
    if !valid_name(&function.name) {
        return fail_table(lua, INVALID_NAME);
    }
    let Some(mut state) = lua.app_data_mut::<LoadState>() else {
        return fail_table(
            lua,
            "redis.register_function can only be called on FUNCTION LOAD command",
        );
    };
    if state.registered.iter().any(|f| f.name == function.name) {
        drop(state);
        return fail_table(lua, "Function already exists in the library");
    }
    state.registered.push(function);
    Ok(())
}

fn named_arguments(lua: &Lua, value: &Value) -> mlua::Result<FunctionInfo> {
    let Value::Table(table) = value else {
        return fail_table(
            lua,
            "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).",
        );
    };
    let mut name = None;
    let mut description = None;
    let mut callback = None;
    let mut flags = 0;
    for pair in table.clone().pairs::<Value, Value>() {
        let (key, value) = pair?;
        let Some(key) = (match &key {
            Value::String(_) | Value::Integer(_) | Value::Number(_) => string_value(&key),
            _ => None,
        }) else {
            return fail_table(
                lua,
                "named argument key given to redis.register_function is not a string",
            );
        };
        if key.eq_ignore_ascii_case("function_name") {
            let Some(text) = string_value(&value) else {
                return fail_table(
                    lua,
                    "function_name argument given to redis.register_function must be a string",
                );
            };
            name = Some(text);
        } else if key.eq_ignore_ascii_case("description") {
            let Some(text) = to_bytes(&value) else {
                return fail_table(
                    lua,
                    "description argument given to redis.register_function must be a string",
                );
            };
            description = Some(text);
        } else if key.eq_ignore_ascii_case("callback") {
            let Value::Function(function) = value else {
                return fail_table(
                    lua,
                    "callback argument given to redis.register_function must be a function",
                );
            };
            callback = Some(function);
        } else if key.eq_ignore_ascii_case("flags") {
            let Value::Table(list) = value else {
                return fail_table(
                    lua,
                    "flags argument to redis.register_function must be a table representing function flags",
                );
            };
            for index in 1.. {
                let item: Value = list.raw_get(index)?;
                if item.is_nil() {
                    break;
                }
                let flag = string_value(&item).and_then(|text| {
                    FLAG_NAMES
                        .iter()
                        .find(|(known, _)| known.eq_ignore_ascii_case(&text))
                        .map(|(_, flag)| *flag)
                });
                match flag {
                    Some(flag) => flags |= flag,
                    None => return fail_table(lua, "unknown flag given"),
                }
            }
        } else {
            return fail_table(lua, "unknown argument given to redis.register_function");
        }
    }
    let Some(name) = name else {
        return fail_table(
            lua,
            "redis.register_function must get a function name argument",
        );
    };
    let Some(callback) = callback else {
        return fail_table(lua, "redis.register_function must get a callback argument");
    };
    Ok(FunctionInfo {
        name,
        description,
        flags,
        callback,
    })
}

/// FUNCTION DUMP's payload: one FUNCTION2 record per library, then the
/// RDB version and a CRC-64, like a DUMP payload.
pub fn dump(libraries: &BTreeMap<String, Library>) -> Vec<u8> {
    let mut writer = vireo_core::rdb::encoding::Writer::new(false);
    for library in libraries.values() {
        writer.write_u8(vireo_core::rdb::opcode::FUNCTION2);
        writer.write_string(&library.code);
    }
    let mut payload = writer.into_bytes();
    payload.extend_from_slice(&vireo_core::rdb::RDB_VERSION.to_le_bytes());
    let crc = vireo_core::rdb::crc64::crc64(&payload);
    payload.extend_from_slice(&crc.to_le_bytes());
    payload
}

/// The library codes in a FUNCTION DUMP payload (footer already checked).
pub fn payload_codes(payload: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let body = &payload[..payload
        .len()
        .saturating_sub(vireo_core::rdb::dump::FOOTER_LEN)];
    let mut reader = vireo_core::rdb::encoding::Reader::new(body);
    let mut codes = Vec::new();
    while reader.remaining() > 0 {
        let Ok(kind) = reader.read_u8() else {
            return Err("can not read data type".to_string());
        };
        if kind != vireo_core::rdb::opcode::FUNCTION2 {
            return Err("given type is not a function".to_string());
        }
        match reader.read_string() {
            Ok(code) => codes.push(code.into_bytes()),
            Err(_) => return Err("failed loading the given functions payload".to_string()),
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_rules() {
        assert_eq!(
            parse_metadata(b"#!lua name=lib\ncode"),
            Ok(("lib".to_string(), 14))
        );
        assert_eq!(
            parse_metadata(b"#!LUA NAME=lib\n"),
            Ok(("lib".to_string(), 14))
        );
        assert_eq!(
            parse_metadata(b"code"),
            Err("Missing library metadata".to_string())
        );
        assert_eq!(
            parse_metadata(b"#!lua name=x"),
            Err("Invalid library metadata".to_string())
        );
        assert_eq!(
            parse_metadata(b"#!lua\n"),
            Err("Library name was not given".to_string())
        );
        assert_eq!(
            parse_metadata(b"#!lua name=a name=b\n"),
            Err("Invalid metadata value, name argument was given multiple times".to_string())
        );
        assert_eq!(
            parse_metadata(b"#!js name=a\n"),
            Err("Engine 'js' not found".to_string())
        );
        assert_eq!(
            parse_metadata(b"#!lua name=a-b\n"),
            Err(INVALID_NAME.to_string())
        );
    }

    #[test]
    fn loads_registers_and_dumps() {
        let mut functions = Functions::new().unwrap();
        let code =
            b"#!lua name=lib\nredis.register_function('f', function(keys, args) return 1 end)";
        assert_eq!(functions.load(code, false), Ok("lib".to_string()));
        assert!(functions.function("f").is_some());
        assert_eq!(
            functions.load(code, false),
            Err("Library 'lib' already exists".to_string())
        );
        let payload = dump(&functions.libraries);
        assert_eq!(payload_codes(&payload), Ok(vec![code.to_vec()]));
        let other = b"#!lua name=other\nredis.register_function('f', function() end)";
        assert_eq!(
            functions.load(other, false),
            Err("Function f already exists".to_string())
        );
        assert_eq!(
            functions.load(b"#!lua name=bad\nredis.call('ping')", false),
            Err("Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'".to_string())
        );
    }
}
