//! Lua scripting: the one Lua 5.1 state, its sandbox, the script cache, and
//! the run of one script (Redis's `eval.c`, `script.c`, `script_lua.c`).
//!
//! The state is created on first use and owned by the `Server` (there are
//! no globals). A script is compiled once, as the registry entry of its
//! SHA-1, with the sandbox's environment: a read-only view of the real
//! global table whose misses are errors. Commands a script issues run
//! through the ordinary gate (`Server::process_command`) on a client of
//! their own, and the reply bytes they produce are decoded back into Lua
//! values, the way Redis's fake "lua client" works.
//!
//! Errors never unwind through Rust: the Rust functions Lua calls return
//! a failure marker that a small Lua wrapper (`sandbox.lua`) raises, so
//! errors are the plain Lua strings and tables Redis's scripts see.
//!
//! Boundary: this module knows the Lua side; `cmd/scripting.rs` has the
//! EVAL and SCRIPT commands that drive it.

pub mod bit;
pub mod busy;
pub mod cjson;
pub mod cmsgpack;
pub mod function;
pub mod lua_struct;
mod reply;

use std::collections::HashMap;

use bytes::BytesMut;
use mlua::{Function, Lua, LuaOptions, MultiValue, StdLib, Table, Value};
use vireo_resp::{encode, Args, Frame, ReplyDecoder, RequestDecoder, RequestLimits};

use crate::client::{Client, Connection};
use crate::command::{self, flags};
use crate::server::{Server, REDIS_VERSION};

/// Script flag: the script never writes (`no-writes`).
pub const FLAG_NO_WRITES: u64 = 1 << 0;
/// Script flag: may run over `maxmemory` (`allow-oom`).
pub const FLAG_ALLOW_OOM: u64 = 1 << 1;
/// Script flag: may run on a stale replica (`allow-stale`).
pub const FLAG_ALLOW_STALE: u64 = 1 << 2;
/// Script flag: refused in cluster mode (`no-cluster`).
pub const FLAG_NO_CLUSTER: u64 = 1 << 3;
/// Script flag: keys may hash to different slots (`allow-cross-slot-keys`).
pub const FLAG_ALLOW_CROSS_SLOT: u64 = 1 << 4;
/// No shebang: Redis 6 behaviour, flags come from the command.
pub const FLAG_EVAL_COMPAT_MODE: u64 = 1 << 5;

/// Shebang flag names, as Redis spells them.
pub const FLAG_NAMES: [(&str, u64); 5] = [
    ("no-writes", FLAG_NO_WRITES),
    ("allow-oom", FLAG_ALLOW_OOM),
    ("allow-stale", FLAG_ALLOW_STALE),
    ("no-cluster", FLAG_NO_CLUSTER),
    ("allow-cross-slot-keys", FLAG_ALLOW_CROSS_SLOT),
];

/// Name of the chunk holding the sandbox's own Lua code; the error
/// handler skips its frames when it looks for the script's line.
const SANDBOX_CHUNK: &str = "=vireo_sandbox";

/// Deepest reply conversion, either way. Redis stops where its Lua stack
/// cannot grow (a few thousand levels); this keeps the Rust stack safe.
const MAX_NESTING: usize = 1000;

/// A cached script.
pub struct Script {
    /// Its source, shebang included.
    pub body: Vec<u8>,
    /// `FLAG_*` bits from its shebang.
    pub flags: u64,
    function: Function,
}

/// Redis's `rand48` generator behind `math.random`: process-wide in
/// Redis, so one sequence across scripts, starting from the same seed.
#[derive(Debug, Clone, Copy)]
struct Rand48 {
    state: u64,
}

impl Rand48 {
    const INITIAL: u64 = 0x1234_ABCD_330E;

    fn seed(&mut self, seed: i32) {
        self.state = ((seed as u32 as u64) << 16) | 0x330E;
    }

    fn next(&mut self) -> i32 {
        self.state = (self.state.wrapping_mul(0x5_DEEC_E66D).wrapping_add(0xB)) & ((1 << 48) - 1);
        (self.state >> 17) as i32
    }
}

/// What the Rust functions Lua calls need to know of the current run,
/// kept as the state's app data.
struct RunState {
    /// A script is running (`redis.setresp` and friends refuse otherwise).
    active: bool,
    /// RESP version the script reads replies in (`redis.setresp`).
    resp: u8,
    rand: Rand48,
}

/// FCALL's keys and arguments, passed to the function as two tables.
pub type FunctionArguments<'a> = (&'a [&'a [u8]], &'a [&'a [u8]]);

/// How a script is run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// No command may write (EVAL_RO, or the `no-writes` flag).
    pub read_only: bool,
    /// The command that runs it (FUNCTION STATS shows it while busy).
    pub command: Vec<Vec<u8>>,
}

/// The registry slot of the current run's busy check (see `busy_hook`).
const BUSY_TICK: &str = "vireo_busy_tick";

/// Instructions between two busy checks (Redis's count hook period).
const BUSY_CHECK_PERIOD: u32 = 100_000;

/// The text of the error a killed script raises.
const KILLED: &[u8] = b"Script killed by user with SCRIPT KILL...";

/// The count hook: runs the current run's busy check.
fn busy_hook(lua: &Lua, _debug: mlua::Debug) -> mlua::Result<mlua::VmState> {
    let tick: Function = lua.named_registry_value(BUSY_TICK)?;
    tick.call::<()>(())?;
    Ok(mlua::VmState::Continue)
}

/// The scripting engine: the Lua state and the script cache.
pub struct Scripting {
    lua: Lua,
    /// The real global table (scripts see it through a read-only view).
    globals: Table,
    /// The real `redis` table, where `call` and `pcall` are set for the
    /// duration of a run.
    redis: Table,
    /// The environment scripts are compiled with.
    env: Table,
    /// Runs a function under the error handler: `runner(f, false)`, or
    /// `runner(f, true, keys, args)` to call `f(keys, args)`.
    runner: Function,
    /// The metatable of `env`: its `__index` is the real globals, except
    /// while FUNCTION LOAD runs a library's code.
    env_meta: Table,
    /// The sandbox's `view`: a read-only proxy of a table.
    view: Function,
    scripts: HashMap<String, Script>,
    client: Box<Client>,
    decoder: RequestDecoder,
    args: Args,
}

/// Redis's error-table text (`luaPushErrorBuff`): `-CODE msg` keeps its
/// code, anything else gets `ERR`; trailing CR and LF are dropped.
pub fn error_text(raw: &[u8]) -> Vec<u8> {
    let (code, message): (&[u8], &[u8]) = match raw.strip_prefix(b"-") {
        Some(coded) => match coded.iter().position(|&b| b == b' ') {
            Some(space) => (&coded[..space], &coded[space + 1..]),
            None => (b"ERR", coded),
        },
        None => (b"ERR", raw),
    };
    let mut message = message;
    while let Some(rest) = message
        .strip_suffix(b"\n")
        .or_else(|| message.strip_suffix(b"\r"))
    {
        message = rest;
    }
    while let Some(rest) = message
        .strip_prefix(b"\n")
        .or_else(|| message.strip_prefix(b"\r"))
    {
        message = rest;
    }
    let mut text = code.to_vec();
    text.push(b' ');
    text.extend_from_slice(message);
    text
}

/// The `{err = ...}` table for `raw` (see [`error_text`]).
fn error_table(lua: &Lua, raw: &[u8]) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("err", lua.create_string(error_text(raw))?)?;
    Ok(table)
}

/// An error a Rust function raises into the script. mlua carries it as
/// an error object; the error handler and `pcall` turn it back into what
/// Redis's C functions raise: a string or an `{err=...}` table.
#[derive(Debug, Clone)]
pub enum ScriptFailure {
    /// `luaL_error`'s string, position included.
    Message(Vec<u8>),
    /// `luaPushError` + `lua_error`: an error table with this text.
    Table(Vec<u8>),
}

impl std::fmt::Display for ScriptFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScriptFailure::Message(text) | ScriptFailure::Table(text) => {
                f.write_str(&String::from_utf8_lossy(text))
            }
        }
    }
}

impl std::error::Error for ScriptFailure {}

/// The [`ScriptFailure`] inside an error mlua hands back, if any.
fn script_failure(error: &mlua::Error) -> Option<&ScriptFailure> {
    match error {
        mlua::Error::CallbackError { cause, .. } => script_failure(cause),
        mlua::Error::ExternalError(inner) => inner.downcast_ref::<ScriptFailure>(),
        mlua::Error::WithContext { cause, .. } => script_failure(cause),
        _ => None,
    }
}

/// Raises `{err = ...}` (see [`error_text`]).
fn fail_table<T>(_lua: &Lua, raw: &str) -> mlua::Result<T> {
    Err(mlua::Error::external(ScriptFailure::Table(error_text(
        raw.as_bytes(),
    ))))
}

/// Raises `message` with the caller's position when the caller is Lua
/// code, as `luaL_error` does.
fn fail_message<T>(lua: &Lua, message: &str) -> mlua::Result<T> {
    let mut text = Vec::new();
    if let Some(caller) = lua.inspect_stack(1) {
        let line = caller.curr_line();
        if let (true, Some(short)) = (line > 0, caller.source().short_src) {
            text.extend_from_slice(format!("{short}:{line}: ").as_bytes());
        }
    }
    text.extend_from_slice(message.as_bytes());
    Err(mlua::Error::external(ScriptFailure::Message(text)))
}

/// What the script sees of an error mlua carries: the string or table a
/// C function would have raised, or the text of mlua's own error.
fn unwrap_failure(lua: &Lua, error: &mlua::Error) -> mlua::Result<Value> {
    Ok(match script_failure(error) {
        Some(ScriptFailure::Message(text)) => Value::String(lua.create_string(text)?),
        Some(ScriptFailure::Table(text)) => {
            let table = lua.create_table()?;
            table.raw_set("err", lua.create_string(text)?)?;
            Value::Table(table)
        }
        None => Value::String(lua.create_string(lua_error_message(error))?),
    })
}

/// Lua 5.1's `luaL_checkint`: a number or a numeric string, truncated.
fn check_int(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Integer(n) => Some(*n),
        Value::Number(n) => Some(*n as i64),
        Value::String(s) => {
            let text = s.to_str().ok()?;
            let text = text.trim();
            let parsed =
                if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                    i64::from_str_radix(hex, 16).ok().map(|n| n as f64)
                } else {
                    text.parse::<f64>().ok()
                };
            parsed.map(|n| n as i64)
        }
        _ => None,
    }
}

/// Lua's type name for error messages.
fn type_name(value: Option<&Value>) -> &'static str {
    match value {
        None => "no value",
        Some(Value::Nil) => "nil",
        Some(Value::Boolean(_)) => "boolean",
        Some(Value::Integer(_) | Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Table(_)) => "table",
        Some(Value::Function(_)) => "function",
        Some(Value::Thread(_)) => "thread",
        _ => "userdata",
    }
}

/// The bytes of a string or number argument (`lua_tolstring`), numbers
/// printed as Lua prints them (`%.14g`).
pub fn to_bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(n) => Some(format_lua_number(*n as f64).into_bytes()),
        Value::Number(n) => Some(format_lua_number(*n).into_bytes()),
        _ => None,
    }
}

/// Lua 5.1's number to string conversion (`LUA_NUMBER_FMT`, `%.14g`).
pub fn format_lua_number(n: f64) -> String {
    format_g(n, 14)
}

/// C's `%.<precision>g`.
pub fn format_g(n: f64, precision: usize) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if n.is_infinite() {
        return if n < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    if n == 0.0 {
        return if n.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let precision = precision.max(1);
    let scientific = format!("{:.*e}", precision - 1, n);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= precision as i32 {
        let mantissa = trim_fraction(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    } else {
        let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
        trim_fraction(&format!("{n:.decimals$}")).to_string()
    }
}

fn trim_fraction(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// Splits a shebang line into words as Redis's `sdssplitargs` does:
/// blanks separate words, and double or single quotes group text anywhere
/// in a word (`name="x y"`), with backslash escapes inside double quotes.
/// `None` for unbalanced quotes.
pub fn shebang_words(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut words = Vec::new();
    let mut at = 0;
    loop {
        while line.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        if at >= line.len() {
            return Some(words);
        }
        let mut word = Vec::new();
        let mut quote: Option<u8> = None;
        loop {
            let Some(&byte) = line.get(at) else {
                if quote.is_some() {
                    return None;
                }
                break;
            };
            at += 1;
            match quote {
                Some(b'"') if byte == b'\\' => match line.get(at) {
                    Some(&escaped) => {
                        at += 1;
                        word.push(match escaped {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            other => other,
                        });
                    }
                    None => return None,
                },
                Some(q) if byte == q => {
                    // Redis compat: a closing quote must end the word.
                    if line.get(at).is_some_and(|b| !b.is_ascii_whitespace()) {
                        return None;
                    }
                    quote = None;
                }
                Some(_) => word.push(byte),
                None if byte == b'"' || byte == b'\'' => quote = Some(byte),
                None if byte.is_ascii_whitespace() => break,
                None => word.push(byte),
            }
        }
        words.push(word);
    }
}

/// Parses a script's `#!` line: its flags, and how many bytes the line
/// takes (the newline stays, so line numbers do not move).
pub fn parse_shebang(body: &[u8]) -> Result<(u64, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((FLAG_EVAL_COMPAT_MODE, 0));
    }
    let Some(end) = body.iter().position(|&b| b == b'\n') else {
        return Err("Invalid script shebang".to_string());
    };
    let words = shebang_words(&body[..end]).unwrap_or_default();
    let Some(engine) = words.first() else {
        return Err("Invalid engine in script shebang".to_string());
    };
    if engine != b"#!lua" {
        return Err(format!(
            "Unexpected engine in script shebang: {}",
            String::from_utf8_lossy(engine)
        ));
    }
    let mut script_flags = 0;
    for word in &words[1..] {
        let Some(names) = word.strip_prefix(b"flags=") else {
            return Err(format!(
                "Unknown lua shebang option: {}",
                String::from_utf8_lossy(word)
            ));
        };
        if names.is_empty() {
            continue;
        }
        for name in names.split(|&b| b == b',') {
            match FLAG_NAMES
                .iter()
                .find(|(known, _)| known.as_bytes() == name)
            {
                Some((_, flag)) => script_flags |= flag,
                None => {
                    return Err(format!(
                        "Unexpected flag in script shebang: {}",
                        String::from_utf8_lossy(name)
                    ))
                }
            }
        }
    }
    Ok((script_flags, end))
}

/// EVAL, EVALSHA, FCALL or one of their read-only forms.
pub fn runs_script(spec: &crate::command::CommandSpec) -> bool {
    matches!(
        spec.name,
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro"
    )
}

/// The flags the gate judges a script command by (Redis's
/// `evalGetCommandFlags`): a script that declared flags in its shebang is
/// a write only without `no-writes`, and no longer "may replicate"; one
/// without a shebang keeps the command's own flags. Other commands keep
/// theirs.
pub fn effective_flags(
    server: &Server,
    spec: &crate::command::CommandSpec,
    argv: &vireo_resp::Argv<'_>,
) -> u64 {
    use crate::command::flags;
    let script_flags = match spec.name {
        "eval" | "eval_ro" => argv
            .get(1)
            .and_then(|body| parse_shebang(body).ok())
            .map(|(f, _)| f),
        "evalsha" | "evalsha_ro" => argv.get(1).and_then(|sha| {
            let sha = std::str::from_utf8(sha).ok()?.to_ascii_lowercase();
            server
                .scripting
                .as_ref()?
                .script(&sha)
                .map(|script| script.flags)
        }),
        "fcall" | "fcall_ro" => argv.get(1).and_then(|name| {
            let name = String::from_utf8_lossy(name);
            server
                .functions
                .as_ref()?
                .function(&name)
                .map(|(_, function)| function.flags)
        }),
        _ => None,
    };
    match script_flags {
        Some(script_flags) if script_flags & FLAG_EVAL_COMPAT_MODE == 0 => {
            let mut command_flags =
                spec.flags & !(flags::STALE | flags::DENYOOM | flags::WRITE | flags::MAY_REPLICATE);
            if script_flags & (FLAG_ALLOW_OOM | FLAG_NO_WRITES) == 0 {
                command_flags |= flags::DENYOOM;
            }
            if script_flags & FLAG_NO_WRITES == 0 {
                command_flags |= flags::WRITE;
            }
            if script_flags & FLAG_ALLOW_STALE != 0 {
                command_flags |= flags::STALE;
            }
            command_flags
        }
        _ => spec.flags,
    }
}

/// Lowercase hex SHA-1 of `body`: a script's id.
pub fn sha1_hex(body: &[u8]) -> String {
    vireo_core::sha1::hex(&vireo_core::sha1::sha1(body))
}

impl Scripting {
    /// A fresh Lua state with the Redis API and the sandbox.
    pub fn new() -> mlua::Result<Scripting> {
        Scripting::with_rand(Rand48 {
            state: Rand48::INITIAL,
        })
    }

    fn with_rand(rand: Rand48) -> mlua::Result<Scripting> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::default(),
        )?;
        lua.set_app_data(RunState {
            active: false,
            resp: 2,
            rand,
        });
        let globals = lua.globals();
        let redis = redis_table(&lua)?;
        globals.raw_set("redis", redis.clone())?;
        globals.raw_set("cjson", cjson::library(&lua)?)?;
        globals.raw_set("bit", bit::library(&lua)?)?;
        globals.raw_set("struct", lua_struct::library(&lua)?)?;
        globals.raw_set("cmsgpack", cmsgpack::library(&lua)?)?;
        let math: Table = globals.raw_get("math")?;
        math.raw_set("random", lua.create_function(math_random)?)?;
        math.raw_set("randomseed", lua.create_function(math_randomseed)?)?;
        let unwrap = lua.create_function(|lua, value: Value| match value {
            Value::Error(error) => unwrap_failure(lua, &error),
            other => Ok(other),
        })?;
        let setmetatable: Function = globals.raw_get("setmetatable")?;
        let rawset: Function = globals.raw_get("rawset")?;
        let (env, readonly, env_meta, view): (Table, Table, Table, Function) = lua
            .load(include_str!("sandbox.lua"))
            .set_name(SANDBOX_CHUNK)
            .call((globals.clone(), unwrap))?;
        // Written in Rust so that, like Redis's C check, they add no Lua
        // frame between the script and the error.
        for (name, original) in [("setmetatable", setmetatable), ("rawset", rawset)] {
            let readonly = readonly.clone();
            let guarded = lua.create_function(move |_, argv: MultiValue| {
                if let Some(Value::Table(target)) = argv.front() {
                    if readonly.raw_get::<bool>(target.clone()).unwrap_or(false) {
                        return Err(mlua::Error::external(ScriptFailure::Message(
                            b"Attempt to modify a readonly table".to_vec(),
                        )));
                    }
                }
                original.call::<MultiValue>(argv)
            })?;
            globals.raw_set(name, guarded)?;
        }
        let xpcall: Function = globals.raw_get("xpcall")?;
        let handler = lua.create_function(error_handler)?;
        let runner: Function = lua
            .load(
                "local xpcall, handler = ...
                return function(f, with_arguments, keys, args)
                    if with_arguments then
                        return xpcall(function() return f(keys, args) end, handler)
                    end
                    return xpcall(f, handler)
                end",
            )
            .set_name(SANDBOX_CHUNK)
            .call((xpcall, handler))?;
        let mut client = Box::new(Client::new(
            0,
            usize::MAX,
            Connection::Detached,
            "lua".to_string(),
            0,
        ));
        // Redis compat: commands never block inside a script.
        client.deny_blocking = true;
        client.is_script = true;
        Ok(Scripting {
            lua,
            redis,
            globals,
            env,
            env_meta,
            view,
            runner,
            scripts: HashMap::new(),
            client,
            decoder: RequestDecoder::new(),
            args: Args::new(),
        })
    }

    /// A fresh state that keeps this one's `math.random` sequence (SCRIPT
    /// FLUSH empties the cache, not Redis's process-wide generator).
    pub fn reset(&self) -> mlua::Result<Scripting> {
        let rand = self
            .lua
            .app_data_ref::<RunState>()
            .map(|state| state.rand)
            .unwrap_or(Rand48 {
                state: Rand48::INITIAL,
            });
        Scripting::with_rand(rand)
    }

    /// Whether a script with this id (any case) is cached.
    pub fn exists(&self, sha: &[u8]) -> bool {
        let sha = String::from_utf8_lossy(sha).to_ascii_lowercase();
        self.scripts.contains_key(&sha)
    }

    /// The cached script with this id (already lowercase).
    pub fn script(&self, sha: &str) -> Option<&Script> {
        self.scripts.get(sha)
    }

    /// Number of cached scripts.
    pub fn len(&self) -> usize {
        self.scripts.len()
    }

    /// True when no script is cached.
    pub fn is_empty(&self) -> bool {
        self.scripts.is_empty()
    }

    /// Bytes of the cached scripts' bodies and ids.
    pub fn body_bytes(&self) -> usize {
        self.scripts
            .values()
            .map(|script| script.body.len() + 40)
            .sum()
    }

    /// Bytes the Lua state uses.
    pub fn memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Compiles and caches `body` unless cached already; returns its id,
    /// or the error reply (without the leading `-ERR `).
    pub fn create(&mut self, body: &[u8]) -> Result<String, String> {
        let sha = sha1_hex(body);
        if self.scripts.contains_key(&sha) {
            return Ok(sha);
        }
        let (script_flags, shebang_len) = parse_shebang(body)?;
        let compiled = self
            .lua
            .load(&body[shebang_len..])
            .set_name("@user_script")
            .set_mode(mlua::ChunkMode::Text)
            .set_environment(self.env.clone())
            .into_function();
        let function = match compiled {
            Ok(function) => function,
            Err(error) => {
                return Err(format!(
                    "Error compiling script (new function): {}",
                    lua_error_message(&error)
                ))
            }
        };
        self.scripts.insert(
            sha.clone(),
            Script {
                body: body.to_vec(),
                flags: script_flags,
                function,
            },
        );
        Ok(sha)
    }

    /// Runs the cached script `sha` for `caller` with `keys` and `args`,
    /// replying to `caller`.
    pub fn run(
        &mut self,
        server: &mut Server,
        caller: &mut Client,
        sha: &str,
        keys: &[&[u8]],
        args: &[&[u8]],
        options: RunOptions,
    ) {
        let Some(function) = self.scripts.get(sha).map(|s| s.function.clone()) else {
            return caller.reply_error(crate::errors::NOSCRIPT);
        };
        let keys_table = self.string_array(keys);
        let args_table = self.string_array(args);
        let (Ok(keys_table), Ok(args_table)) = (keys_table, args_table) else {
            return caller.reply_error("Failed to set up the script's arguments");
        };
        // On EVAL, KEYS and ARGV are globals.
        let _ = self.globals.raw_set("KEYS", keys_table);
        let _ = self.globals.raw_set("ARGV", args_table);
        self.run_function(server, caller, function, sha, None, options);
    }

    /// A Lua array of strings.
    fn string_array(&self, items: &[&[u8]]) -> mlua::Result<Table> {
        // One string at a time: mlua keeps each live value in a Lua stack
        // slot, so collecting thousands first would overflow it.
        let table = self.lua.create_table_with_capacity(items.len(), 0)?;
        for (index, item) in items.iter().enumerate() {
            table.raw_set(index + 1, self.lua.create_string(item)?)?;
        }
        Ok(table)
    }

    /// Runs `function` (named `name` in error replies) for `caller`,
    /// passing it `arguments` (FCALL's KEYS and ARGV tables) if any, and
    /// replies with its result.
    pub fn run_function(
        &mut self,
        server: &mut Server,
        caller: &mut Client,
        function: Function,
        name: &str,
        arguments: Option<FunctionArguments<'_>>,
        options: RunOptions,
    ) {
        let arguments = match arguments {
            Some((keys, args)) => match (self.string_array(keys), self.string_array(args)) {
                (Ok(keys), Ok(args)) => Some((keys, args)),
                _ => return caller.reply_error("Failed to set up the script's arguments"),
            },
            None => None,
        };
        self.client.db = caller.db;
        self.client.resp = 2;
        self.client.authenticated = true;
        if let Some(mut state) = self.lua.app_data_mut::<RunState>() {
            state.active = true;
            state.resp = 2;
        }
        let is_eval = arguments.is_none();
        let outcome = self.call(server, function, name, is_eval, arguments, options);
        let script_resp = match self.lua.app_data_mut::<RunState>() {
            Some(mut state) => {
                state.active = false;
                state.resp
            }
            None => 2,
        };
        let _ = self.redis.raw_set("call", Value::Nil);
        let _ = self.redis.raw_set("pcall", Value::Nil);
        match outcome {
            Ok((true, value)) => {
                reply::lua_to_reply(caller, &value, script_resp, 0);
            }
            Ok((false, value)) => reply_script_error(caller, name, &value),
            Err(error) => caller.reply_error(format!(
                "Error running script (call to {name}): {}",
                lua_error_message(&error).replace(['\r', '\n'], " ")
            )),
        }
        // Redis compat: a GC step every so often, never a full cycle in
        // the middle of a script.
        let _ = self.lua.gc_step_kbytes(50);
    }

    fn call(
        &mut self,
        server: &mut Server,
        function: Function,
        name: &str,
        is_eval: bool,
        arguments: Option<(Table, Table)>,
        options: RunOptions,
    ) -> mlua::Result<(bool, Value)> {
        let threshold_ms = server.config.busy_reply_threshold;
        let lua = self.lua.clone();
        let runner = self.runner.clone();
        let redis = self.redis.clone();
        let mut context = CallContext {
            server,
            client: &mut self.client,
            decoder: &mut self.decoder,
            args: &mut self.args,
            read_only: options.read_only,
            name,
            is_eval,
            command: options.command,
            started: std::time::Instant::now(),
            threshold_ms,
            timed_out: false,
            killed: false,
            write_dirty: false,
        };
        let context = std::cell::RefCell::new(&mut context);
        lua.scope(|scope| {
            let call = scope.create_function(|lua, argv: MultiValue| {
                let mut context = context.try_borrow_mut().map_err(mlua::Error::external)?;
                let (value, failed) = context.redis_call(lua, argv)?;
                match (failed, value) {
                    (true, Value::Table(table)) => {
                        let text: Vec<u8> =
                            table.raw_get::<mlua::String>("err")?.as_bytes().to_vec();
                        Err(mlua::Error::external(ScriptFailure::Table(text)))
                    }
                    (_, value) => Ok(value),
                }
            })?;
            let pcall = scope.create_function(|lua, argv: MultiValue| {
                let mut context = context.try_borrow_mut().map_err(mlua::Error::external)?;
                Ok(context.redis_call(lua, argv)?.0)
            })?;
            redis.raw_set("call", call)?;
            redis.raw_set("pcall", pcall)?;
            if threshold_ms > 0 {
                let tick = scope.create_function(|lua, ()| match context.try_borrow_mut() {
                    Ok(mut context) => context.busy_tick(lua),
                    Err(_) => Ok(()),
                })?;
                lua.set_named_registry_value(BUSY_TICK, tick)?;
                lua.set_hook(
                    mlua::HookTriggers::new().every_nth_instruction(BUSY_CHECK_PERIOD),
                    busy_hook,
                );
            }
            let outcome = match arguments {
                Some((keys, args)) => runner.call::<(bool, Value)>((function, true, keys, args)),
                None => runner.call::<(bool, Value)>((function, false)),
            };
            lua.remove_hook();
            let _ = lua.unset_named_registry_value(BUSY_TICK);
            outcome
        })
    }
}

/// What `redis.call` works with during one run.
struct CallContext<'a> {
    server: &'a mut Server,
    client: &'a mut Client,
    decoder: &'a mut RequestDecoder,
    args: &'a mut Args,
    read_only: bool,
    /// The script's name in errors and logs (SHA-1 or function name).
    name: &'a str,
    is_eval: bool,
    command: Vec<Vec<u8>>,
    started: std::time::Instant,
    /// `busy-reply-threshold` when the run started.
    threshold_ms: u64,
    /// Past the threshold: other clients are being answered BUSY.
    timed_out: bool,
    /// SCRIPT KILL or FUNCTION KILL asked for the end of the script.
    killed: bool,
    /// A write command ran: the script can no longer be killed.
    write_dirty: bool,
}

impl CallContext<'_> {
    /// The count hook's check (Redis's `scriptInterrupt`): past the
    /// threshold, serves the other clients; once killed, raises the kill
    /// error at every instruction so `pcall` cannot keep the script alive.
    fn busy_tick(&mut self, lua: &Lua) -> mlua::Result<()> {
        let killed = || {
            Err(mlua::Error::external(ScriptFailure::Table(error_text(
                KILLED,
            ))))
        };
        if self.killed {
            return killed();
        }
        let elapsed_ms = self.started.elapsed().as_millis() as u64;
        if !self.timed_out {
            if elapsed_ms < self.threshold_ms {
                return Ok(());
            }
            self.timed_out = true;
            crate::warning!(
                "Slow script detected: still in execution after {elapsed_ms} milliseconds. You can try killing the script using the {} command. Script name is: {}.",
                if self.is_eval { "SCRIPT KILL" } else { "FUNCTION KILL" },
                self.name
            );
        }
        let mut script = busy::BusyScript {
            name: self.name,
            is_eval: self.is_eval,
            write_dirty: self.write_dirty,
            elapsed_ms,
            command: &self.command,
            killed: false,
        };
        busy::serve_while_busy(self.server, &mut script);
        if script.killed {
            self.killed = true;
            crate::warning!("Lua script killed by user with SCRIPT KILL.");
            lua.set_hook(
                mlua::HookTriggers::new().every_nth_instruction(1),
                busy_hook,
            );
            return killed();
        }
        Ok(())
    }

    /// `redis.call`/`redis.pcall`: the reply as a Lua value, and whether it
    /// is an error (which `redis.call` raises).
    fn redis_call(&mut self, lua: &Lua, argv: MultiValue) -> mlua::Result<(Value, bool)> {
        if argv.is_empty() {
            let table = error_table(
                lua,
                b"Please specify at least one argument for this redis lib call",
            )?;
            return Ok((Value::Table(table), true));
        }
        let mut words: Vec<Vec<u8>> = Vec::with_capacity(argv.len());
        for value in &argv {
            let word = match value {
                Value::String(s) => s.as_bytes().to_vec(),
                // Redis compat: numbers go as `%.17g`, not Lua's `%.14g`.
                Value::Integer(n) => {
                    let mut text = Vec::new();
                    encode::write_double(&mut text, *n as f64);
                    text
                }
                Value::Number(n) => {
                    let mut text = Vec::new();
                    encode::write_double(&mut text, *n);
                    text
                }
                _ => {
                    let table = error_table(
                        lua,
                        b"Lua redis lib command arguments must be strings or integers",
                    )?;
                    return Ok((Value::Table(table), true));
                }
            };
            words.push(word);
        }
        if let Some(refusal) = self.refusal(&words) {
            let table = error_table(lua, refusal.as_bytes())?;
            return Ok((Value::Table(table), true));
        }
        let mut request = Vec::new();
        let parts: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
        encode::command(&mut request, &parts);
        let limits = RequestLimits {
            max_inline_len: usize::MAX,
            max_bulk_len: u64::MAX,
            ..RequestLimits::default()
        };
        self.client.out.clear();
        self.client.out_sent = 0;
        self.client.resp = lua.app_data_ref::<RunState>().map_or(2, |state| state.resp);
        match self.decoder.decode(&request, &limits, self.args) {
            Ok(Some(_)) => {
                self.server
                    .process_command(self.client, self.args.view(&request));
            }
            _ => {
                let table = error_table(
                    lua,
                    b"Lua redis lib command arguments must be strings or integers",
                )?;
                return Ok((Value::Table(table), true));
            }
        }
        self.client.close_after_reply = false;
        let mut bytes = BytesMut::from(&self.client.out[..]);
        self.client.out.clear();
        let mut decoder = ReplyDecoder::new();
        let (value, is_error) = match decoder.decode(&mut bytes) {
            Ok(Some(frame)) => {
                let is_error = matches!(frame, Frame::Error(_) | Frame::BulkError(_));
                (reply::frame_to_lua(lua, frame, 0)?, is_error)
            }
            _ => (
                Value::Table(error_table(lua, b"internal error: unreadable reply")?),
                true,
            ),
        };
        Ok((value, is_error))
    }

    /// The checks Redis makes before a script's command (`scriptCall`),
    /// in its order, with its wording.
    fn refusal(&mut self, words: &[Vec<u8>]) -> Option<&'static str> {
        let spec = match self.server.commands.lookup(&words[0]) {
            Some(spec) if !spec.subcommands.is_empty() && words.len() >= 2 => {
                match command::lookup_subcommand(spec, &words[1]) {
                    Some(sub) => sub,
                    None => return Some("Unknown Redis command called from script"),
                }
            }
            Some(spec) => spec,
            None => return Some("Unknown Redis command called from script"),
        };
        if !spec.arity_ok(words.len()) {
            return Some("Wrong number of args calling Redis command from script");
        }
        if spec.flags & flags::NOSCRIPT != 0 && !self.server.script_disable_deny_script {
            return Some("This Redis command is not allowed from script");
        }
        if self.read_only && spec.flags & (flags::WRITE | flags::MAY_REPLICATE) != 0 {
            return Some("Write commands are not allowed from read-only scripts.");
        }
        if spec.flags & flags::WRITE != 0 {
            self.write_dirty = true;
        }
        None
    }
}

/// Replies the error a failed script raised (`luaCallFunction`):
/// `<err> script: <sha>, on <source>:<line>.`
fn reply_script_error(caller: &mut Client, sha: &str, value: &Value) {
    let Value::Table(table) = value else {
        let message = match value {
            Value::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
            _ => "execution failure".to_string(),
        };
        let message: String = message.chars().take(100).collect();
        return caller.reply_error(
            format!("Error running script {sha}, {message}").replace(['\r', '\n'], " "),
        );
    };
    let mut text = b"-".to_vec();
    if let Ok(Value::String(err)) = table.raw_get::<Value>("err") {
        text.extend_from_slice(&err.as_bytes());
    }
    let source = table
        .raw_get::<Value>("source")
        .ok()
        .and_then(|v| to_bytes(&v));
    let line = table
        .raw_get::<Value>("line")
        .ok()
        .and_then(|v| to_bytes(&v));
    if let (Some(source), Some(line)) = (source, line) {
        text.extend_from_slice(format!(" script: {sha}, on ").as_bytes());
        text.extend_from_slice(&source);
        text.push(b':');
        text.extend_from_slice(&line);
        text.push(b'.');
    }
    for byte in &mut text {
        if *byte == b'\r' || *byte == b'\n' {
            *byte = b' ';
        }
    }
    caller.reply_error(text);
}

/// The text of an error from mlua itself (compilation, or a failure
/// outside the script's own code).
fn lua_error_message(error: &mlua::Error) -> String {
    match error {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::RuntimeError(message) => message.clone(),
        mlua::Error::CallbackError { cause, .. } => lua_error_message(cause),
        other => other.to_string(),
    }
}

/// The handler every script runs under: turns what was raised into
/// Redis's error table and notes the script line it came from (the first
/// frame that is neither a C function nor the sandbox's own code).
fn error_handler(lua: &Lua, error: Value) -> mlua::Result<Table> {
    let table = match error {
        Value::Table(table) => table,
        other => {
            let text = match &other {
                Value::String(s) => s.as_bytes().to_vec(),
                Value::Error(e) => match unwrap_failure(lua, e)? {
                    // A killed script stops here: no more kill errors.
                    Value::Table(table) if is_kill(&table) => {
                        lua.remove_hook();
                        return finish_error_table(lua, table);
                    }
                    Value::Table(table) => return finish_error_table(lua, table),
                    Value::String(s) => s.as_bytes().to_vec(),
                    _ => Vec::new(),
                },
                value => {
                    let tostring: Function = lua
                        .globals()
                        .get("tostring")
                        .or_else(|_| lua.create_function(|_, _: Value| Ok("?".to_string())))?;
                    tostring
                        .call::<mlua::String>(value.clone())
                        .map(|s| s.as_bytes().to_vec())
                        .unwrap_or_default()
                }
            };
            let table = lua.create_table()?;
            let mut message = b"ERR ".to_vec();
            message.extend_from_slice(&text);
            table.raw_set("err", lua.create_string(message)?)?;
            table
        }
    };
    finish_error_table(lua, table)
}

/// Whether an error table is the one a killed script raises.
fn is_kill(table: &Table) -> bool {
    table
        .raw_get::<mlua::String>("err")
        .is_ok_and(|text| text.as_bytes().ends_with(KILLED))
}

/// Adds the script's source and line to an error table.
fn finish_error_table(lua: &Lua, table: Table) -> mlua::Result<Table> {
    for level in 1..64 {
        let Some(frame) = lua.inspect_stack(level) else {
            break;
        };
        let source = frame.source();
        if source.what == "C" || source.what == "tail" {
            continue;
        }
        if source.source.as_deref() == Some(SANDBOX_CHUNK) {
            continue;
        }
        if let Some(name) = source.source {
            table.raw_set("source", name.as_ref())?;
            table.raw_set("line", frame.curr_line())?;
        }
        break;
    }
    Ok(table)
}

/// The `redis` table's Rust functions (call and pcall are added by the
/// sandbox, around `run.call`).
fn redis_table(lua: &Lua) -> mlua::Result<Table> {
    let redis = lua.create_table()?;
    redis.raw_set("sha1hex", lua.create_function(redis_sha1hex)?)?;
    redis.raw_set("error_reply", lua.create_function(redis_error_reply)?)?;
    redis.raw_set("status_reply", lua.create_function(redis_status_reply)?)?;
    redis.raw_set("log", lua.create_function(redis_log)?)?;
    redis.raw_set("setresp", lua.create_function(redis_setresp)?)?;
    redis.raw_set("set_repl", lua.create_function(redis_set_repl)?)?;
    redis.raw_set(
        "replicate_commands",
        lua.create_function(|_, _: MultiValue| Ok(true))?,
    )?;
    // Redis compat: outside the debugger, breakpoint answers false and
    // debug does nothing.
    redis.raw_set(
        "breakpoint",
        lua.create_function(|_, _: MultiValue| Ok(false))?,
    )?;
    redis.raw_set("debug", lua.create_function(|_, _: MultiValue| Ok(()))?)?;
    for (name, level) in [
        ("LOG_DEBUG", 0),
        ("LOG_VERBOSE", 1),
        ("LOG_NOTICE", 2),
        ("LOG_WARNING", 3),
    ] {
        redis.raw_set(name, level)?;
    }
    for (name, value) in [
        ("REPL_NONE", 0),
        ("REPL_AOF", 1),
        ("REPL_SLAVE", 2),
        ("REPL_REPLICA", 2),
        ("REPL_ALL", 3),
    ] {
        redis.raw_set(name, value)?;
    }
    redis.raw_set("REDIS_VERSION", REDIS_VERSION)?;
    redis.raw_set("REDIS_VERSION_NUM", version_number(REDIS_VERSION))?;
    Ok(redis)
}

/// `7.2.4` as `0x00070204`.
fn version_number(version: &str) -> i64 {
    version.split('.').take(3).fold(0, |number, part| {
        (number << 8) | part.parse::<i64>().unwrap_or(0)
    })
}

fn redis_sha1hex(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    if argv.len() != 1 {
        return fail_table(lua, "wrong number of arguments");
    }
    let body = argv.front().and_then(to_bytes).unwrap_or_default();
    Ok(MultiValue::from_iter([Value::String(
        lua.create_string(sha1_hex(&body))?,
    )]))
}

/// `redis.error_reply` and `redis.status_reply` take exactly one string;
/// anything else returns (not raises) an error table.
fn single_string(argv: &MultiValue) -> Option<&mlua::String> {
    match (argv.len(), argv.front()) {
        (1, Some(Value::String(s))) => Some(s),
        _ => None,
    }
}

fn redis_error_reply(lua: &Lua, argv: MultiValue) -> mlua::Result<Table> {
    let Some(text) = single_string(&argv) else {
        return error_table(lua, b"wrong number or type of arguments");
    };
    let text = text.as_bytes();
    let mut raw = Vec::with_capacity(text.len() + 1);
    if !text.starts_with(b"-") {
        raw.push(b'-');
    }
    raw.extend_from_slice(&text);
    error_table(lua, &raw)
}

fn redis_status_reply(lua: &Lua, argv: MultiValue) -> mlua::Result<Table> {
    let Some(text) = single_string(&argv) else {
        return error_table(lua, b"wrong number or type of arguments");
    };
    let table = lua.create_table()?;
    table.raw_set("ok", text.clone())?;
    Ok(table)
}

fn redis_log(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    if argv.len() < 2 {
        return fail_table(lua, "redis.log() requires two arguments or more.");
    }
    let level = match argv.front() {
        Some(Value::Integer(n)) => *n,
        Some(Value::Number(n)) => *n as i64,
        Some(Value::String(s)) if s.to_str().is_ok_and(|t| t.trim().parse::<f64>().is_ok()) => {
            check_int(argv.front()).unwrap_or(-1)
        }
        _ => return fail_table(lua, "First argument must be a number (log level)."),
    };
    let level = match level {
        0 => crate::config::LogLevel::Debug,
        1 => crate::config::LogLevel::Verbose,
        2 => crate::config::LogLevel::Notice,
        3 => crate::config::LogLevel::Warning,
        _ => return fail_table(lua, "Invalid debug level."),
    };
    let mut message = Vec::new();
    for (index, value) in argv.iter().skip(1).enumerate() {
        if let Some(bytes) = to_bytes(value) {
            if index != 0 {
                message.push(b' ');
            }
            message.extend_from_slice(&bytes);
        }
    }
    crate::log::log(level, &String::from_utf8_lossy(&message));
    Ok(MultiValue::new())
}

fn redis_setresp(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    if argv.len() != 1 {
        return fail_table(lua, "redis.setresp() requires one argument.");
    }
    let resp = check_int(argv.front()).unwrap_or(0);
    if resp != 2 && resp != 3 {
        return fail_table(lua, "RESP version must be 2 or 3.");
    }
    if let Some(mut state) = lua.app_data_mut::<RunState>() {
        if !state.active {
            drop(state);
            return fail_table(
                lua,
                "redis.setresp can only be called inside a script invocation",
            );
        }
        state.resp = resp as u8;
    }
    Ok(MultiValue::new())
}

fn redis_set_repl(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    if argv.len() != 1 {
        return fail_table(lua, "redis.set_repl() requires two arguments.");
    }
    let repl = check_int(argv.front()).unwrap_or(0);
    if repl & !3 != 0 {
        return fail_table(
            lua,
            "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
        );
    }
    // Propagation is not this module's business: the flags are only validated.
    Ok(MultiValue::new())
}

/// `math.random` over Redis's `rand48`, with Lua 5.1's argument rules.
fn math_random(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    const RAND48_MAX: i64 = i32::MAX as i64;
    let Some(drawn) = lua
        .app_data_mut::<RunState>()
        .map(|mut state| state.rand.next())
    else {
        return fail_message(
            lua,
            "math.random can only be called inside a script invocation",
        );
    };
    let r = (i64::from(drawn) % RAND48_MAX) as f64 / RAND48_MAX as f64;
    let values: Vec<Value> = argv.into_iter().collect();
    let result = match values.len() {
        0 => r,
        1 => {
            let Some(upper) = check_int(values.first()) else {
                return fail_message(
                    lua,
                    &format!(
                        "bad argument #1 to 'random' (number expected, got {})",
                        type_name(values.first())
                    ),
                );
            };
            if upper < 1 {
                return fail_message(lua, "bad argument #1 to 'random' (interval is empty)");
            }
            (r * upper as f64).floor() + 1.0
        }
        2 => {
            let (Some(lower), Some(upper)) = (check_int(values.first()), check_int(values.get(1)))
            else {
                let position = if check_int(values.first()).is_none() {
                    0
                } else {
                    1
                };
                return fail_message(
                    lua,
                    &format!(
                        "bad argument #{} to 'random' (number expected, got {})",
                        position + 1,
                        type_name(values.get(position))
                    ),
                );
            };
            if lower > upper {
                return fail_message(lua, "bad argument #2 to 'random' (interval is empty)");
            }
            (r * (upper - lower + 1) as f64).floor() + lower as f64
        }
        _ => return fail_message(lua, "wrong number of arguments"),
    };
    Ok(MultiValue::from_iter([Value::Number(result)]))
}

fn math_randomseed(lua: &Lua, argv: MultiValue) -> mlua::Result<MultiValue> {
    let Some(seed) = check_int(argv.front()) else {
        return fail_message(
            lua,
            &format!(
                "bad argument #1 to 'randomseed' (number expected, got {})",
                type_name(argv.front())
            ),
        );
    };
    if let Some(mut state) = lua.app_data_mut::<RunState>() {
        state.rand.seed(seed as i32);
    }
    Ok(MultiValue::new())
}

/// Runs `f` with the server's scripting engine, creating it on first use.
pub fn with_engine<R>(
    server: &mut Server,
    f: impl FnOnce(&mut Scripting, &mut Server) -> R,
) -> Option<R> {
    let mut engine = match server.scripting.take() {
        Some(engine) => engine,
        None => match Scripting::new() {
            Ok(engine) => Box::new(engine),
            Err(error) => {
                crate::warning!("Failed to initialize the Lua interpreter: {error}");
                return None;
            }
        },
    };
    let result = f(&mut engine, server);
    server.scripting = Some(engine);
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rand48_matches_redis_first_values() {
        let mut rand = Rand48 {
            state: Rand48::INITIAL,
        };
        // lrand48's first values for its default seed.
        assert_eq!(rand.next(), 851_401_618);
        assert_eq!(rand.next(), 1_804_928_587);
    }

    #[test]
    fn format_g_matches_c() {
        assert_eq!(format_g(3.0, 14), "3");
        assert_eq!(format_g(0.1, 14), "0.1");
        assert_eq!(format_g(1.0 / 3.0, 17), "0.33333333333333331");
        assert_eq!(format_g(1e20, 14), "1e+20");
        assert_eq!(format_g(1.5e-7, 14), "1.5e-07");
        assert_eq!(format_g(123456789012345.0, 14), "1.2345678901234e+14");
    }

    #[test]
    fn shebang_flags() {
        assert_eq!(parse_shebang(b"return 1"), Ok((FLAG_EVAL_COMPAT_MODE, 0)));
        assert_eq!(
            parse_shebang(b"#!lua flags=no-writes,allow-oom\nreturn 1"),
            Ok((FLAG_NO_WRITES | FLAG_ALLOW_OOM, 31))
        );
        assert_eq!(
            parse_shebang(b"#!lua"),
            Err("Invalid script shebang".to_string())
        );
        assert_eq!(
            parse_shebang(b"#!lu\n"),
            Err("Unexpected engine in script shebang: #!lu".to_string())
        );
    }

    #[test]
    fn error_text_follows_redis() {
        assert_eq!(error_text(b"-WRONGTYPE bad\r\n"), b"WRONGTYPE bad");
        assert_eq!(error_text(b"-NOCODE"), b"ERR NOCODE");
        assert_eq!(error_text(b"plain"), b"ERR plain");
    }
}
