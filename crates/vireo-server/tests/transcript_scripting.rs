//! RESP transcripts of scripting: EVAL and friends, the SCRIPT cache, the
//! Lua/RESP conversions both ways, error formats and the sandbox, through
//! the server core with exact reply bytes.

use vireo_server::testing::{connected, words, ClientHandle, Transcript};

/// EVAL `script` with `rest` (numkeys, keys, args) and asserts the reply.
fn eval(t: &mut Transcript, c: ClientHandle, script: &str, rest: &str, expected: &str) {
    let mut args: Vec<&[u8]> = vec![b"EVAL", script.as_bytes()];
    args.extend(words(rest));
    let reply = t.command(c, &args);
    assert_eq!(
        reply.escape_ascii().to_string(),
        expected.as_bytes().escape_ascii().to_string(),
        "script: {script}"
    );
}

fn check(t: &mut Transcript, c: ClientHandle, line: &str, expected: &str) {
    vireo_server::testing::check(t, c, line, expected);
}

/// The error suffix Redis adds to errors raised while a script runs.
fn at(script: &str, line: u32) -> String {
    let sha = vireo_server::scripting::sha1_hex(script.as_bytes());
    format!(" script: {sha}, on @user_script:{line}.")
}

#[test]
fn lua_values_become_redis_replies() {
    let (mut t, c) = connected();
    eval(&mut t, c, "return 1", "0", ":1\r\n");
    eval(&mut t, c, "return 3.99", "0", ":3\r\n");
    eval(&mut t, c, "return -3.99", "0", ":-3\r\n");
    eval(&mut t, c, "return 'x'", "0", "$1\r\nx\r\n");
    eval(&mut t, c, "return true", "0", ":1\r\n");
    eval(&mut t, c, "return false", "0", "$-1\r\n");
    eval(&mut t, c, "return nil", "0", "$-1\r\n");
    eval(
        &mut t,
        c,
        "return {1, 'a', {2}}",
        "0",
        "*3\r\n:1\r\n$1\r\na\r\n*1\r\n:2\r\n",
    );
    // Arrays stop at their first nil.
    eval(
        &mut t,
        c,
        "return {1, 2, nil, 4}",
        "0",
        "*2\r\n:1\r\n:2\r\n",
    );
    eval(&mut t, c, "return {ok = 'fine'}", "0", "+fine\r\n");
    eval(&mut t, c, "return {ok = 'a\\r\\nb'}", "0", "+a  b\r\n");
    eval(&mut t, c, "return {err = 'My Error'}", "0", "-My Error\r\n");
    eval(
        &mut t,
        c,
        "return redis.error_reply('My Error')",
        "0",
        "-My Error\r\n",
    );
    eval(&mut t, c, "return redis.status_reply('OK')", "0", "+OK\r\n");
    eval(
        &mut t,
        c,
        "return redis.status_reply(1)",
        "0",
        "-ERR wrong number or type of arguments\r\n",
    );
    eval(
        &mut t,
        c,
        "return {1e300 * 10}",
        "0",
        "*1\r\n:-9223372036854775808\r\n",
    );
    eval(
        &mut t,
        c,
        "return {KEYS[1], ARGV[1], #KEYS, #ARGV}",
        "1 k a",
        "*4\r\n$1\r\nk\r\n$1\r\na\r\n:1\r\n:1\r\n",
    );
}

#[test]
fn redis_replies_become_lua_values() {
    let (mut t, c) = connected();
    check(&mut t, c, "SET s 5", "+OK\r\n");
    eval(
        &mut t,
        c,
        "return type(redis.call('get', 's'))",
        "0",
        "$6\r\nstring\r\n",
    );
    eval(
        &mut t,
        c,
        "return type(redis.call('incr', 's'))",
        "0",
        "$6\r\nnumber\r\n",
    );
    eval(
        &mut t,
        c,
        "return redis.call('get', 'nosuch') == false",
        "0",
        ":1\r\n",
    );
    eval(
        &mut t,
        c,
        "return redis.call('set', 's', 1).ok",
        "0",
        "$2\r\nOK\r\n",
    );
    eval(
        &mut t,
        c,
        "return redis.pcall('lpush', 's', 1).err",
        "0",
        "$65\r\nWRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    eval(
        &mut t,
        c,
        "redis.call('set', 'f', 1/3) return redis.call('get', 'f')",
        "0",
        "$19\r\n0.33333333333333331\r\n",
    );
}

#[test]
fn resp3_from_scripts() {
    let (mut t, c) = connected();
    check(&mut t, c, "HSET h f v", ":1\r\n");
    eval(
        &mut t,
        c,
        "redis.setresp(3) return redis.call('hgetall', 'h')",
        "0",
        "*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
    );
    eval(
        &mut t,
        c,
        "redis.setresp(3) return redis.call('hgetall', 'h').map.f",
        "0",
        "$1\r\nv\r\n",
    );
    eval(&mut t, c, "return {double = 3.5}", "0", "$3\r\n3.5\r\n");
    t.command(c, &[b"HELLO", b"3"]);
    eval(
        &mut t,
        c,
        "redis.setresp(3) return redis.call('hgetall', 'h')",
        "0",
        "%1\r\n$1\r\nf\r\n$1\r\nv\r\n",
    );
    eval(&mut t, c, "return {double = 3.5}", "0", ",3.5\r\n");
    eval(&mut t, c, "return {big_number = '123'}", "0", "(123\r\n");
    eval(
        &mut t,
        c,
        "return {set = {a = true}}",
        "0",
        "~1\r\n$1\r\na\r\n",
    );
    eval(&mut t, c, "return false", "0", "_\r\n");
    eval(&mut t, c, "redis.setresp(3) return false", "0", "#f\r\n");
    eval(
        &mut t,
        c,
        "redis.setresp(3) return redis.call('get', 'nosuch') == nil",
        "0",
        "#t\r\n",
    );
}

#[test]
fn errors_carry_the_script_and_line() {
    let (mut t, c) = connected();
    let script = "error('x')";
    eval(
        &mut t,
        c,
        script,
        "0",
        &format!("-ERR user_script:1: x{}\r\n", at(script, 1)),
    );
    let script = "\n\nreturn redis.call('nosuch')";
    eval(
        &mut t,
        c,
        script,
        "0",
        &format!(
            "-ERR Unknown Redis command called from script{}\r\n",
            at(script, 3)
        ),
    );
    let script = "return redis.call('get')";
    eval(
        &mut t,
        c,
        script,
        "0",
        &format!(
            "-ERR Wrong number of args calling Redis command from script{}\r\n",
            at(script, 1)
        ),
    );
    let script = "return redis.call('multi')";
    eval(
        &mut t,
        c,
        script,
        "0",
        &format!(
            "-ERR This Redis command is not allowed from script{}\r\n",
            at(script, 1)
        ),
    );
    let script = "return redis.call({})";
    eval(
        &mut t,
        c,
        script,
        "0",
        &format!(
            "-ERR Lua redis lib command arguments must be strings or integers{}\r\n",
            at(script, 1)
        ),
    );
    check(&mut t, c, "SET str v", "+OK\r\n");
    let script = "return redis.call('lpush', 'str', 1)";
    eval(
        &mut t,
        c,
        script,
        "0",
        &format!(
            "-WRONGTYPE Operation against a key holding the wrong kind of value{}\r\n",
            at(script, 1)
        ),
    );
    let script = "error({err = 'CODE message'})";
    eval(
        &mut t,
        c,
        script,
        "0",
        &format!("-CODE message{}\r\n", at(script, 1)),
    );
    eval(&mut t, c, "return 1 +", "0",
        "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n");
    eval(
        &mut t,
        c,
        "return {pcall(function() error('x') end)}",
        "0",
        "*2\r\n$-1\r\n$16\r\nuser_script:1: x\r\n",
    );
}

#[test]
fn sandbox_guards_globals_and_libraries() {
    let (mut t, c) = connected();
    let script = "return a";
    eval(
        &mut t,
        c,
        script,
        "0",
        &format!(
            "-ERR user_script:1: Script attempted to access nonexistent global variable 'a'{}\r\n",
            at(script, 1)
        ),
    );
    for script in [
        "a = 1",
        "redis.call = 1",
        "cjson.encode = 1",
        "bit.band = 1",
        "string.x = 1",
        "_G = {}",
    ] {
        eval(
            &mut t,
            c,
            script,
            "0",
            &format!(
                "-ERR user_script:1: Attempt to modify a readonly table{}\r\n",
                at(script, 1)
            ),
        );
    }
    for script in ["setmetatable(_G, {})", "rawset(_G, 'a', 1)"] {
        eval(
            &mut t,
            c,
            script,
            "0",
            &format!(
                "-ERR Attempt to modify a readonly table{}\r\n",
                at(script, 1)
            ),
        );
    }
    for name in ["loadfile", "dofile", "print"] {
        let script = format!("{name}('x')");
        eval(&mut t, c, &script, "0", &format!(
            "-ERR user_script:1: Script attempted to access nonexistent global variable '{name}'{}\r\n",
            at(&script, 1)));
    }
    let script = "return loadstring(string.dump(function() return 1 end))()";
    eval(
        &mut t,
        c,
        script,
        "0",
        &format!(
            "-ERR user_script:1: attempt to call a nil value{}\r\n",
            at(script, 1)
        ),
    );
}

#[test]
fn select_in_a_script_stays_in_the_script() {
    let (mut t, c) = connected();
    check(&mut t, c, "SELECT 2", "+OK\r\n");
    eval(
        &mut t,
        c,
        "redis.call('select', 4) return redis.call('set', 'k', 'v')",
        "0",
        "+OK\r\n",
    );
    check(&mut t, c, "EXISTS k", ":0\r\n");
    eval(
        &mut t,
        c,
        "return redis.call('set', 'k', 'two')",
        "0",
        "+OK\r\n",
    );
    check(&mut t, c, "GET k", "$3\r\ntwo\r\n");
    check(&mut t, c, "SELECT 4", "+OK\r\n");
    check(&mut t, c, "GET k", "$1\r\nv\r\n");
}

#[test]
fn eval_arguments_and_read_only_scripts() {
    let (mut t, c) = connected();
    eval(
        &mut t,
        c,
        "return 1",
        "-1",
        "-ERR Number of keys can't be negative\r\n",
    );
    eval(
        &mut t,
        c,
        "return 1",
        "2 a",
        "-ERR Number of keys can't be greater than number of args\r\n",
    );
    eval(
        &mut t,
        c,
        "return 1",
        "x",
        "-ERR value is not an integer or out of range\r\n",
    );
    eval(
        &mut t,
        c,
        "#!lua flags=foo\nreturn 1",
        "0",
        "-ERR Unexpected flag in script shebang: foo\r\n",
    );
    eval(&mut t, c, "#!lua", "0", "-ERR Invalid script shebang\r\n");
    let reply = t.command(c, &[b"EVAL_RO", b"#!lua\nreturn 1", b"0"]);
    assert_eq!(
        reply,
        b"-ERR Can not execute a script with write flag using *_ro command.\r\n"
    );
    let script = "return redis.call('set', 'a', 1)";
    let reply = t.command(c, &[b"EVAL_RO", script.as_bytes(), b"0"]);
    assert_eq!(
        String::from_utf8_lossy(&reply),
        format!(
            "-ERR Write commands are not allowed from read-only scripts.{}\r\n",
            at(script, 1)
        )
    );
    let script = "#!lua flags=no-writes\nreturn redis.call('set', 'a', 1)";
    eval(
        &mut t,
        c,
        script,
        "0",
        &format!(
            "-ERR Write commands are not allowed from read-only scripts.{}\r\n",
            at(script, 2)
        ),
    );
}

#[test]
fn script_cache_commands() {
    let (mut t, c) = connected();
    let sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
    check(
        &mut t,
        c,
        "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0",
        "-NOSCRIPT No matching script. Please use EVAL.\r\n",
    );
    let reply = t.command(c, &[b"SCRIPT", b"LOAD", b"return 1"]);
    assert_eq!(reply, format!("$40\r\n{sha}\r\n").as_bytes());
    check(&mut t, c, "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db E0E1F9FABFC9D4800C877A703B823AC0578FF8DB nosuch",
        "*3\r\n:1\r\n:1\r\n:0\r\n");
    check(
        &mut t,
        c,
        "EVALSHA E0E1F9FABFC9D4800C877A703B823AC0578FF8DB 0",
        ":1\r\n",
    );
    check(
        &mut t,
        c,
        "EVALSHA_RO e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0",
        ":1\r\n",
    );
    check(
        &mut t,
        c,
        "EVALSHA short 0",
        "-NOSCRIPT No matching script. Please use EVAL.\r\n",
    );
    check(
        &mut t,
        c,
        "SCRIPT FLUSH x",
        "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n",
    );
    check(&mut t, c, "SCRIPT FLUSH ASYNC", "+OK\r\n");
    check(
        &mut t,
        c,
        "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db",
        "*1\r\n:0\r\n",
    );
    check(
        &mut t,
        c,
        "SCRIPT KILL",
        "-NOTBUSY No scripts in execution right now.\r\n",
    );
    let reply = t.command(c, &[b"SCRIPT", b"LOAD", b"return +"]);
    assert_eq!(
        String::from_utf8_lossy(&reply),
        "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'\r\n"
    );
}

#[test]
fn math_random_is_redis_rand48() {
    let (mut t, c) = connected();
    eval(
        &mut t,
        c,
        "return {math.random(100), math.random(100), math.random(100)}",
        "0",
        "*3\r\n:40\r\n:85\r\n:36\r\n",
    );
    // One sequence for the whole process: SCRIPT FLUSH does not reseed.
    check(&mut t, c, "SCRIPT FLUSH", "+OK\r\n");
    eval(
        &mut t,
        c,
        "return {math.random(100), math.random(100), math.random(100)}",
        "0",
        "*3\r\n:45\r\n:32\r\n:89\r\n",
    );
}

#[test]
fn scripts_in_transactions_and_libraries() {
    let (mut t, c) = connected();
    check(&mut t, c, "MULTI", "+OK\r\n");
    eval(
        &mut t,
        c,
        "return redis.call('incr', 'n')",
        "0",
        "+QUEUED\r\n",
    );
    check(&mut t, c, "EXEC", "*1\r\n:1\r\n");
    eval(
        &mut t,
        c,
        "return cjson.encode({1, 'a/b', {x = true}})",
        "0",
        "$21\r\n[1,\"a\\/b\",{\"x\":true}]\r\n",
    );
    eval(
        &mut t,
        c,
        "return cjson.decode('[1,2,3]')[3]",
        "0",
        ":3\r\n",
    );
    eval(
        &mut t,
        c,
        "return bit.tohex(bit.bor(0x10, 0x01))",
        "0",
        "$8\r\n00000011\r\n",
    );
}

#[test]
fn info_memory_counts_scripts_and_functions() {
    let (mut t, c) = connected();
    let field = |info: &[u8], name: &str| -> String {
        let text = String::from_utf8_lossy(info).into_owned();
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name}:")).map(str::to_string))
            .unwrap_or_default()
    };
    for n in 0..3 {
        t.command(c, &[b"SCRIPT", b"LOAD", format!("return {n}").as_bytes()]);
    }
    t.command(
        c,
        &[
            b"FUNCTION",
            b"LOAD",
            b"#!lua name=lib\nredis.register_function('f', function() return 1 end)",
        ],
    );
    let info = t.command(c, &[b"INFO", b"memory"]);
    assert_eq!(field(&info, "number_of_cached_scripts"), "3");
    assert_eq!(field(&info, "number_of_functions"), "1");
    assert_eq!(field(&info, "number_of_libraries"), "1");
    t.command(c, &[b"SCRIPT", b"FLUSH", b"ASYNC"]);
    let info = t.command(c, &[b"INFO", b"memory"]);
    assert_eq!(field(&info, "number_of_cached_scripts"), "0");
}

#[test]
fn function_libraries_survive_debug_reload() {
    let mut config = vireo_server::config::Config::default();
    config
        .apply("enable-debug-command", &["yes".to_string()])
        .expect("a known option");
    let mut t = Transcript::with_config(config);
    let c = t.connect();
    let code = b"#!lua name=test\nredis.register_function('test', function() return 'hello' end)";
    assert_eq!(
        t.command(c, &[b"FUNCTION", b"LOAD", code]),
        b"$4\r\ntest\r\n"
    );
    check(&mut t, c, "DEBUG RELOAD", "+OK\r\n");
    check(&mut t, c, "FCALL test 0", "$5\r\nhello\r\n");
    check(
        &mut t,
        c,
        "DEBUG RELOAD NOFLUSH",
        "-ERR Error trying to load the RDB dump\r\n",
    );
    check(&mut t, c, "DEBUG RELOAD NOFLUSH MERGE", "+OK\r\n");
    check(&mut t, c, "FCALL test 0", "$5\r\nhello\r\n");
}

#[test]
fn a_write_pause_holds_scripts_that_may_write_and_lets_no_writes_ones_run() {
    let (mut t, c) = connected();
    check(&mut t, c, "CLIENT PAUSE 100000 WRITE", "+OK\r\n");
    let reader = t.connect();
    eval(
        &mut t,
        reader,
        "#!lua flags=no-writes\nreturn 'read'",
        "0",
        "$4\r\nread\r\n",
    );
    eval(
        &mut t,
        reader,
        "#!lua flags=no-writes\nreturn 'read'",
        "0",
        "$4\r\nread\r\n",
    );
    // Without a shebang a script may write: it waits for the pause to end.
    let writer = t.connect();
    eval(&mut t, writer, "return 'late'", "0", "");
    check(&mut t, c, "CLIENT UNPAUSE", "+OK\r\n");
    assert_eq!(t.send(writer, b""), b"$4\r\nlate\r\n");
}

#[test]
fn scripts_cannot_read_streams_with_block() {
    let (mut t, c) = connected();
    check(&mut t, c, "XGROUP CREATE s g $ MKSTREAM", "+OK\r\n");
    eval(
        &mut t,
        c,
        "return redis.pcall('xread','STREAMS','s','$')",
        "1 s",
        "$-1\r\n",
    );
    eval(
        &mut t,
        c,
        "return redis.pcall('xread','BLOCK',0,'STREAMS','s','$')",
        "1 s",
        "-ERR xread command is not allowed with BLOCK option from scripts\r\n",
    );
    eval(
        &mut t,
        c,
        "return redis.pcall('xreadgroup','group','g','c','BLOCK',0,'STREAMS','s','>')",
        "1 s",
        "-ERR xreadgroup command is not allowed with BLOCK option from scripts\r\n",
    );
}
