//! Differential tests of scripting: the same EVAL, EVALSHA, EVAL_RO,
//! EVALSHA_RO and SCRIPT requests against Vireo and a real
//! `redis-server`, asserting byte-identical replies, errors included
//! (their `script: <sha>, on @user_script:<line>.` suffixes too).
//!
//! Runs when `redis-server` is on PATH; CI installs it, and there a missing
//! binary fails the test instead of skipping it.

mod support;

use support::{Pair, ServerProcess};

fn servers() -> Option<(ServerProcess, ServerProcess)> {
    support::redis_and_vireo(&[])
}

/// What these tests add to the shared pair of connections.
impl Pair {
    /// EVAL `script` with `numkeys` and the remaining words.
    fn eval(&mut self, script: &str, rest: &[&str]) -> Vec<u8> {
        let mut args: Vec<&[u8]> = vec![b"EVAL", script.as_bytes()];
        args.extend(rest.iter().map(|word| word.as_bytes()));
        self.same(&args)
    }
}

/// Scripts whose replies (values or errors) must match, each run with no keys.
const SCRIPTS: &[&str] = &[
    "return 1",
    "return 'hello'",
    "return 3.99",
    "return -3.99",
    "return true",
    "return false",
    "return nil",
    "return {1, 2, 3, 'ciao', {1, 2}}",
    "return {1, 2, nil, 4}",
    "return {}",
    "return {ok = 'fine'}",
    "return {ok = 'a\\r\\nb'}",
    "return {err = 'My Error'}",
    "return {err = 'NOCODE'}",
    "return redis.status_reply('OK')",
    "return redis.status_reply(1)",
    "return redis.error_reply('My Error')",
    "return redis.error_reply('-My Error')",
    "return redis.error_reply(1)",
    "return redis.sha1hex('')",
    "return redis.sha1hex('Pizza & Mandolino')",
    "return redis.sha1hex()",
    "return redis.sha1hex(1, 2)",
    "return a",
    "a = 10",
    "error('x')",
    "error({err = 'My Error'})",
    "local function f() error('deep') end f()",
    "local t = {} t.x.y = 1",
    "return 1 +",
    "return",
    "return redis.call('nosuch')",
    "return redis.call('get')",
    "return redis.call('incr', 'k', 'x')",
    "return redis.call('eval', 'return 1', 0)",
    "return redis.call('blpop', 'l', 0)",
    "return redis.call('config')",
    "return redis.call('config', 'nosuch')",
    "return redis.call()",
    "return redis.call({})",
    "return redis.call('ping')",
    "return redis.pcall('incr', 'k', 'x')",
    "return redis.pcall('nosuch')",
    "return {pcall(function() error('x') end)}",
    "return {pcall(function() redis.call('nosuch') end)}",
    "local ok, e = pcall(function() redis.call('nosuch') end) return type(e)",
    "return {pcall(error, {err = 'X'})}",
    "return redis.call('set', 'x', 3.5)",
    "return redis.call('get', 'x')",
    "redis.call('set', 'x', 1/3) return redis.call('get', 'x')",
    "redis.call('set', 'x', 123456789012345678) return redis.call('get', 'x')",
    "return redis.call('incrbyfloat', 'f', '1.5')",
    "setmetatable(_G, {})",
    "local g = getmetatable(_G) g.__index = {}",
    "redis = function() return 1 end",
    "_G = {}",
    "return rawset(_G, 'a', 1)",
    "redis.call = function() return 1 end",
    "cjson.encode = function() return 1 end",
    "cmsgpack.pack = function() return 1 end",
    "bit.lshift = function() return 1 end",
    "string.x = 1",
    "loadfile('some file')",
    "dofile('some file')",
    "print('some data')",
    "return loadstring(string.dump(function() return 1 end))()",
    "return loadstring('return 7')()",
    "return type(redis.breakpoint)",
    "return redis.breakpoint()",
    "return redis.debug('x')",
    "return redis.replicate_commands()",
    "return redis.set_repl(redis.REPL_ALL)",
    "return redis.set_repl(8)",
    "return redis.set_repl()",
    "return redis.setresp(4)",
    "return redis.setresp()",
    "return redis.log(redis.LOG_WARNING, 'from a script')",
    "return redis.log(1)",
    "return redis.log('a', 'b')",
    "return redis.log(9, 'b')",
    "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
    "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
    "return type(redis.REDIS_VERSION)",
    "return _VERSION",
    "return type(math.random)",
    "return math.random('x')",
    "return math.random(0)",
    "return math.random(3, 1)",
    "return string.format('%d %s', 7, 'x')",
    "return table.concat({1, 2, 3}, ',')",
    "return tostring(0/0) ~= nil",
    "return {1e300 * 10, -1e300 * 10}",
    "return {KEYS[1], ARGV[1]}",
    "#!lua flags=foo\nreturn 1",
    "#!lu\nreturn 1",
    "#!lua x=1\nreturn 1",
    "#!lua",
    "#!lua\nreturn 1",
    "#!lua flags=no-writes\nreturn redis.call('set', 'a', 1)",
    "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 2",
    "#!lua flags=\nreturn 3",
    "\n\nerror('line three')",
    "redis.call('del', 'myset') redis.call('sadd', 'myset', 'z', 'aa', 'b', 'a') return redis.call('sort', 'myset', 'by', '_')",
    "#!lua flags=\"no-writes\"\nreturn 4",
];

#[test]
fn scripts_reply_like_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    for script in SCRIPTS {
        pair.eval(script, &["0"]);
    }
}

#[test]
fn resp3_conversions_match() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    pair.line("RPUSH l a b");
    pair.line("HSET h f v");
    pair.line("SADD s m");
    for protocol in ["2", "3"] {
        // HELLO's own reply names each server's version and client id.
        pair.redis.request(&[b"HELLO", protocol.as_bytes()]);
        pair.vireo.request(&[b"HELLO", protocol.as_bytes()]);
        for script in [
            "return true",
            "return false",
            "return nil",
            "return {double = 3.5}",
            "return {double = 3}",
            "return {big_number = '1234567890123456789012'}",
            "return {verbatim_string = {format = 'txt', string = 'hi'}}",
            "return {map = {a = 1}}",
            "return {set = {a = true}}",
            "redis.setresp(3) return redis.call('hgetall', 'h')",
            "redis.setresp(3) return redis.call('smembers', 's')",
            "redis.setresp(3) return redis.call('get', 'nosuch')",
            "redis.setresp(3) return true",
            "redis.setresp(3) return false",
            "redis.setresp(3) return {double = 0.5}",
            "redis.setresp(3) local r = redis.call('hgetall', 'h') return r.map.f",
            "redis.setresp(3) return type(redis.call('get', 'nosuch'))",
            "redis.setresp(2) return redis.call('hgetall', 'h')",
            "return redis.call('lrange', 'l', 0, -1)",
            "return redis.call('get', 'nosuch')",
            "return redis.call('zscore', 'nosuch', 'm')",
        ] {
            pair.eval(script, &["0"]);
        }
    }
}

#[test]
fn large_values_cross_both_ways() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    pair.eval(
        "local t = {} for i = 1, 20000 do t[i] = i end return t",
        &["0"],
    );
    pair.eval(
        "local t = {} for i = 1, 20000 do t[tostring(i)] = i end return #cmsgpack.pack(t)",
        &["0"],
    );
    pair.eval(
        "local t = {} for i = 1, 20000 do t[i] = tostring(i) end redis.call('rpush', 'big', unpack(t)) return #redis.call('lrange', 'big', 0, -1)",
        &["0"],
    );
    let many: Vec<String> = (0..20000).map(|i| i.to_string()).collect();
    let mut args: Vec<&[u8]> = vec![b"EVAL", b"return {#KEYS, #ARGV, ARGV[19999]}", b"1"];
    args.extend(many.iter().map(|s| s.as_bytes()));
    pair.same(&args);
}

#[test]
fn eval_argument_errors_match() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    pair.eval("return 1", &["-1"]);
    pair.eval("return 1", &["2", "a"]);
    pair.eval("return 1", &["x"]);
    pair.eval(
        "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}",
        &["2", "k1", "k2", "a1", "a2"],
    );
    pair.line("EVAL");
    pair.line("EVAL x");
    pair.line("EVALSHA ffffffffffffffffffffffffffffffffffffffff 0");
    pair.line("EVALSHA short 0");
    pair.line("EVALSHA_RO ffffffffffffffffffffffffffffffffffffffff 0");
    pair.same(&[b"EVAL_RO", b"return redis.call('set', 'a', 1)", b"0"]);
    pair.same(&[b"EVAL_RO", b"return redis.call('get', 'a')", b"0"]);
    pair.same(&[b"EVAL_RO", b"#!lua\nreturn 1", b"0"]);
    pair.same(&[b"EVAL_RO", b"#!lua flags=no-writes\nreturn 1", b"0"]);
}

#[test]
fn script_cache_commands_match() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    pair.line("SCRIPT FLUSH");
    pair.same(&[b"SCRIPT", b"LOAD", b"return 'loaded'"]);
    pair.same(&[b"SCRIPT", b"LOAD", b"return +"]);
    pair.same(&[b"SCRIPT", b"LOAD", b"#!lua flags=bad\nreturn 1"]);
    pair.line(
        "SCRIPT EXISTS 9f3a6bc8a4a0d4b1e4bb58e3d4d1b62c1b5fbc3e 8ab7a5ad0b4fb8d1f9c3f0ef0f6e2c3c8d0ff8b0 nosuch",
    );
    let sha = "c5d9e5ea3b5c4f5fb3f0b0e6c5a9f5d3a26dd2b3";
    pair.line(&format!("SCRIPT EXISTS {sha}"));
    pair.same(&[b"SCRIPT", b"LOAD", b"return 1"]);
    pair.line("SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db E0E1F9FABFC9D4800C877A703B823AC0578FF8DB");
    pair.line("EVALSHA E0E1F9FABFC9D4800C877A703B823AC0578FF8DB 0");
    pair.line("EVALSHA_RO e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0");
    pair.line("SCRIPT FLUSH ASYNC");
    pair.line("SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    pair.line("EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0");
    pair.line("SCRIPT FLUSH SYNC");
    pair.line("SCRIPT FLUSH x");
    pair.line("SCRIPT FLUSH SYNC x");
    pair.line("SCRIPT KILL");
    pair.line("SCRIPT HELP");
    pair.line("SCRIPT NOSUCH");
    pair.line("SCRIPT LOAD");
    pair.line("SCRIPT EXISTS");
}

#[test]
fn scripts_use_the_callers_database_and_keep_it() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    pair.line("SELECT 3");
    pair.eval(
        "redis.call('set', KEYS[1], 'in3') return redis.call('get', KEYS[1])",
        &["1", "k"],
    );
    pair.eval(
        "redis.call('select', 5) redis.call('set', 'k', 'in5') return 1",
        &["0"],
    );
    pair.line("GET k");
    pair.line("SELECT 5");
    pair.line("GET k");
    pair.eval(
        "redis.call('rpush', KEYS[1], 'a', 'b') return redis.call('lpush', KEYS[2], 'x')",
        &["2", "list", "other"],
    );
    pair.line("LRANGE list 0 -1");
}

#[test]
fn math_random_follows_redis_sequence() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    for _ in 0..3 {
        pair.eval(
            "return {math.random(100), math.random(1, 6), tostring(math.random())}",
            &["0"],
        );
    }
    pair.eval(
        "math.randomseed(42) return {math.random(1000), math.random(1000)}",
        &["0"],
    );
    pair.eval("return math.random(1000)", &["0"]);
}

#[test]
fn scripts_inside_transactions_and_write_errors_match() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    pair.line("SET str v");
    pair.eval("return redis.call('lpush', KEYS[1], 'v')", &["1", "str"]);
    pair.eval("return redis.pcall('lpush', KEYS[1], 'v')", &["1", "str"]);
    pair.line("MULTI");
    pair.eval("return redis.call('incr', 'counter')", &["0"]);
    pair.eval("return redis.call('incr', 'counter')", &["0"]);
    pair.line("EXEC");
    pair.line("GET counter");
}

#[test]
fn libraries_match() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    for script in [
        "return cjson.encode({1, 2, {a = 1}})",
        "return cjson.encode({a = 'x/y', b = '\\n\\1'})",
        "return cjson.encode({})",
        "return cjson.encode({1, nil, 3})",
        "return cjson.encode(0.1)",
        "return cjson.encode(1e20)",
        "return cjson.encode(function() end)",
        "return cjson.encode({[false] = 1})",
        "return cjson.encode({[1] = 1, [100] = 2})",
        "return cjson.encode(0/0)",
        "return cjson.decode('[1,')",
        "return {pcall(cjson.decode, '[1,')}",
        "return cjson.decode('x')",
        "return cjson.decode('{\"a\" 1}')",
        "return cjson.decode('[1 2]')",
        "return cjson.decode('{\"a\":1,}')",
        "return cjson.decode('[1] x')",
        "return table.concat(cjson.decode('[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]'), ' ')",
        "local d = cjson.decode('{\"keya\": \"a\", \"keyb\": \"b\"}') return {d.keya, d.keyb}",
        "return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')",
        "return cjson.decode('null') == cjson.null",
        "return cjson.encode(cjson.decode('{\"a\":[1,2,{\"b\":null}]}'))",
        "cjson.encode_max_depth(1) local ok = pcall(cjson.encode, {{1}}) cjson.encode_max_depth(1000) return ok",
        "cjson.decode_max_depth(1) local ok, e = pcall(cjson.decode, '[[1]]') cjson.decode_max_depth(1000) return e",
        "return bit.tobit(0xffffffff)",
        "return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bnot(0)}",
        "return {bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4)}",
        "return {bit.rol(0x12345678, 12), bit.ror(0x12345678, 12), bit.bswap(0x12345678)}",
        "return {bit.tohex(65535), bit.tohex(65535, -4), bit.tohex(-1, 2)}",
        "return bit.band()",
        "return bit.band(1, 'x')",
        "return hex(cmsgpack.pack(0.1, 0.5, -1099511627776, 1, -1, 200, -200, 70000, -70000, 2^40))",
        "return hex(cmsgpack.pack({1, 2, 3}, {a = true, b = false}, 'abc', string.rep('x', 40), nil))",
        "return hex(cmsgpack.pack(string.rep('y', 300), 1/0, -1/0))",
        "local a = {y = 5} local b = {x = a} a.x = b return hex(cmsgpack.pack(a))",
        "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3}))}",
        "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 0)}",
        "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)}",
        "return cmsgpack.unpack('\\193')",
        "return cmsgpack.unpack('\\205')",
        "return cmsgpack.unpack_one('\\1', -1)",
        "return cmsgpack.pack()",
        "return hex(struct.pack('>I2<i!4bid', 258, -2, 1, 2, 1.5))",
        "return hex(struct.pack('c0sBx', 'abc', 'zz', 7))",
        "return {struct.unpack('>hBc0s', struct.pack('>hBc0s', -2, 3, 'abc', 'zz'))}",
        "return {struct.unpack('<i4', struct.pack('<i4', -5))}",
        "return {struct.size('!4bi'), struct.size('hd'), struct.size('c5x')}",
        "return struct.size('s')",
        "return struct.size('c0')",
        "return struct.pack('z', 1)",
        "return struct.pack('i', 'x')",
        "return struct.pack('c5', 'ab')",
        "return struct.unpack('i', 'ab')",
        "return struct.unpack('i', 'abcd', 0)",
        "return struct.unpack('s', 'abc')",
        "return struct.pack('!3i', 1)",
        "return struct.pack('i33', 1)",
    ] {
        let script = format!("{HEX} {script}");
        pair.eval(&script, &["0"]);
    }
}

/// A helper the library scripts use to show packed bytes (one line, so
/// error line numbers stay 1).
const HEX: &str = "local function hex(s) local h = '' for i = 1, #s do h = h .. string.format('%02x', string.byte(s, i)) end return h end";

#[test]
fn functions_match() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    let mut pair = Pair::new(&redis, &vireo);
    pair.line("FUNCTION FLUSH");
    let load = |pair: &mut Pair, code: &str| {
        pair.same(&[b"FUNCTION", b"LOAD", code.as_bytes()]);
    };
    for code in [
        "#!lua name=bad\nredis.call('ping')",
        "#!lua name=bad\nredis.register_function('f')",
        "#!lua name=bad\nredis.register_function('f', 1)",
        "#!lua name=bad\nredis.register_function(1, 2, 3)",
        "#!lua name=bad\nredis.register_function{function_name='g'}",
        "#!lua name=bad\nredis.register_function{callback=function() end}",
        "#!lua name=bad\nredis.register_function{function_name='g', callback=function() end, flags={'x'}}",
        "#!lua name=bad\nredis.register_function{function_name='g', callback=function() end, other=1}",
        "#!lua name=bad\nredis.register_function('bad-name', function() end)",
        "#!lua name=bad\nredis.register_function('f', function() end) redis.register_function('f', function() end)",
        "#!lua name=bad\nerror('x')",
        "#!lua name=bad\nlocal x = 1",
        "#!lua name=bad\nreturn math.random()",
        "#!lua name=bad\nreturn +",
        "#!lua name=bad",
        "#!lua\nreturn 1",
        "#!lua name=a name=b\n",
        "#!lua foo=bar\n",
        "#!js name=x\n",
        "#!lua name=bad-name\n",
        "no shebang",
        "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return {keys[1], args[1], redis.call('ping')} end)",
        "#!lua name=lib1\nredis.register_function('f9', function() return 9 end)",
        "#!lua name=lib2\nredis.register_function('f1', function() return 2 end)",
        "#!lua name=lib2\nredis.register_function{function_name='ro', callback=function() return redis.call('set', 'k', 'v') end, flags={'no-writes'}, description='read only'}\nredis.register_function('err', function() error('oops') end)\nredis.register_function('w', function(k) return redis.call('set', k[1], 'v') end)",
    ] {
        load(&mut pair, code);
    }
    pair.line("FCALL f1 1 key arg");
    pair.line("FCALL f1 x");
    pair.line("FCALL f1 -1");
    pair.line("FCALL f1 3 a");
    pair.line("FCALL nosuch 0");
    pair.line("FCALL ro 0");
    pair.line("FCALL_RO ro 0");
    pair.line("FCALL_RO f1 0");
    pair.line("FCALL err 0");
    pair.line("FCALL w 1 key");
    pair.line("FCALL_RO w 1 key");
    // Libraries and functions are listed in hash order (a documented
    // nondeterministic order), so lists are compared one function at a time.
    pair.line("FUNCTION LIST LIBRARYNAME lib1");
    pair.line("FUNCTION LIST WITHCODE LIBRARYNAME lib1");
    pair.line("FUNCTION LIST LIBRARYNAME nosuch");
    pair.line("FUNCTION LIST LIBRARYNAME");
    pair.line("FUNCTION LIST foo");
    pair.line("FUNCTION STATS");
    pair.line("FUNCTION KILL");
    pair.line("FUNCTION HELP");
    load(
        &mut pair,
        "#!lua name=\"quoted\"\nredis.register_function('Mixed', function() return 1 end)",
    );
    pair.line("FCALL mixed 0");
    pair.line("FCALL MIXED 0");
    pair.line("FUNCTION DELETE quoted");
    pair.same(&[
        b"FUNCTION",
        b"LOAD",
        b"REPLACE",
        b"#!lua name=lib1\nredis.register_function('f1', function() return 'replaced' end)",
    ]);
    pair.same(&[b"FUNCTION", b"LOAD", b"BAD", b"#!lua name=x\n"]);
    pair.line("FCALL f1 0");
    pair.line("FUNCTION DELETE lib2");
    pair.line("FUNCTION DELETE lib2");
    pair.line("FCALL ro 0");
    let dump = pair.line("FUNCTION DUMP");
    // The bulk payload, without its `$<len>\r\n` header and trailing CRLF.
    let start = dump.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
    let payload = dump[start..dump.len() - 2].to_vec();
    pair.same(&[b"FUNCTION", b"RESTORE", &payload]);
    pair.same(&[b"FUNCTION", b"RESTORE", &payload, b"REPLACE"]);
    pair.same(&[b"FUNCTION", b"RESTORE", &payload, b"BAD"]);
    pair.same(&[b"FUNCTION", b"RESTORE", b"garbage"]);
    pair.line("FUNCTION FLUSH");
    pair.same(&[b"FUNCTION", b"RESTORE", &payload, b"FLUSH"]);
    pair.line("FUNCTION LIST WITHCODE");
    pair.line("FUNCTION FLUSH BAD");
    pair.line("FUNCTION FLUSH ASYNC");
    pair.line("FUNCTION LIST");
    pair.line("FUNCTION DUMP");
}

/// `EVAL script 0` as a multibulk request.
fn eval_request(script: &str) -> Vec<u8> {
    format!(
        "*3\r\n$4\r\nEVAL\r\n${}\r\n{script}\r\n$1\r\n0\r\n",
        script.len()
    )
    .into_bytes()
}

/// Past `busy-reply-threshold` other clients get BUSY, SCRIPT KILL ends a
/// script that has not written (even one that keeps calling pcall), and
/// one that wrote is unkillable; the same replies as Redis, byte for byte.
#[test]
fn busy_scripts_answer_like_redis() {
    let Some((redis, vireo)) = servers() else {
        return;
    };
    for server in [&redis, &vireo] {
        let mut admin = server.connect();
        admin.request(&support::words("CONFIG SET lua-time-limit 10"));
    }
    let mut pair = Pair::new(&redis, &vireo);
    let mut runners = [redis.connect(), vireo.connect()];
    for script in [
        "while true do end",
        "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end",
    ] {
        for runner in &mut runners {
            runner.send_raw(&eval_request(script));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        pair.line("PING");
        pair.line("FUNCTION KILL");
        pair.line("FUNCTION STATS");
        pair.line("SCRIPT KILL");
        let replies: Vec<Option<Vec<u8>>> = runners.iter_mut().map(|c| c.read_reply()).collect();
        assert_eq!(replies[0], replies[1], "script: {script}");
        pair.line("PING");
    }
    for server in [&redis, &vireo] {
        let mut admin = server.connect();
        admin.request(&support::words("CONFIG SET lua-time-limit 5000"));
    }
}
