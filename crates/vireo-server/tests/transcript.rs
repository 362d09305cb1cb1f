//! RESP transcripts through the server core: exact request bytes in, exact
//! reply bytes out, with a clock the test moves.

use vireo_server::testing::{check, connected as setup, words, ClientHandle, Transcript};

#[test]
fn ping_and_echo() {
    let (mut t, c) = setup();
    check(&mut t, c, "PING", "+PONG\r\n");
    check(&mut t, c, "ping hello", "$5\r\nhello\r\n");
    check(
        &mut t,
        c,
        "PING a b",
        "-ERR wrong number of arguments for 'ping' command\r\n",
    );
    check(&mut t, c, "ECHO x", "$1\r\nx\r\n");
    check(
        &mut t,
        c,
        "ECHO",
        "-ERR wrong number of arguments for 'echo' command\r\n",
    );
}

#[test]
fn unknown_commands_and_subcommands_read_like_redis() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "FOO",
        "-ERR unknown command 'FOO', with args beginning with: \r\n",
    );
    check(
        &mut t,
        c,
        "foo bar baz",
        "-ERR unknown command 'foo', with args beginning with: 'bar' 'baz' \r\n",
    );
    check(
        &mut t,
        c,
        "command nosuch",
        "-ERR unknown subcommand 'nosuch'. Try COMMAND HELP.\r\n",
    );
    check(
        &mut t,
        c,
        "COMMAND COUNT x",
        "-ERR wrong number of arguments for 'command|count' command\r\n",
    );
    // CR/LF in an echoed argument must not break the error line.
    let reply = t.send(c, b"*2\r\n$3\r\nfoo\r\n$4\r\na\r\nb\r\n");
    assert_eq!(
        reply,
        b"-ERR unknown command 'foo', with args beginning with: 'a  b' \r\n"
    );
}

#[test]
fn commands_are_case_insensitive() {
    let (mut t, c) = setup();
    check(&mut t, c, "SeT k v", "+OK\r\n");
    check(&mut t, c, "gEt k", "$1\r\nv\r\n");
}

#[test]
fn set_and_get() {
    let (mut t, c) = setup();
    check(&mut t, c, "GET missing", "$-1\r\n");
    check(&mut t, c, "SET k hello", "+OK\r\n");
    check(&mut t, c, "GET k", "$5\r\nhello\r\n");
    check(&mut t, c, "SET k world GET", "$5\r\nhello\r\n");
    check(&mut t, c, "SET new v GET", "$-1\r\n");
    check(&mut t, c, "SET k v NX", "$-1\r\n");
    check(&mut t, c, "SET k2 v XX", "$-1\r\n");
    check(&mut t, c, "SET k v2 XX", "+OK\r\n");
    check(&mut t, c, "SET k v NX XX", "-ERR syntax error\r\n");
    check(&mut t, c, "SET k v XX NX", "-ERR syntax error\r\n");
    check(&mut t, c, "SET k v NX GET", "$2\r\nv2\r\n");
    check(&mut t, c, "SET k v EX", "-ERR syntax error\r\n");
    check(&mut t, c, "SET k v BOGUS", "-ERR syntax error\r\n");
    check(
        &mut t,
        c,
        "SET",
        "-ERR wrong number of arguments for 'set' command\r\n",
    );
    check(
        &mut t,
        c,
        "SET k",
        "-ERR wrong number of arguments for 'set' command\r\n",
    );
}

#[test]
fn set_expiry_options() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k v EX 10", "+OK\r\n");
    t.advance_ms(10_000);
    check(&mut t, c, "GET k", "$1\r\nv\r\n");
    t.advance_ms(1);
    check(&mut t, c, "GET k", "$-1\r\n");

    check(&mut t, c, "SET k v PX 5", "+OK\r\n");
    t.advance_ms(6);
    check(&mut t, c, "EXISTS k", ":0\r\n");

    let at = (t.server.now_ms + 2000).to_string();
    check(&mut t, c, &format!("SET k v PXAT {at}"), "+OK\r\n");
    let at_seconds = (t.server.now_ms / 1000 + 5).to_string();
    check(&mut t, c, &format!("SET j v EXAT {at_seconds}"), "+OK\r\n");
    t.advance_ms(2001);
    check(&mut t, c, "GET k", "$-1\r\n");
    check(&mut t, c, "GET j", "$1\r\nv\r\n");

    check(
        &mut t,
        c,
        "SET k v EX 0",
        "-ERR invalid expire time in 'set' command\r\n",
    );
    check(
        &mut t,
        c,
        "SET k v EX -5",
        "-ERR invalid expire time in 'set' command\r\n",
    );
    check(
        &mut t,
        c,
        "SET k v PX abc",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut t,
        c,
        "SET k v EX 9223372036854775807",
        "-ERR invalid expire time in 'set' command\r\n",
    );
    check(&mut t, c, "SET k v EX 10 PX 10", "-ERR syntax error\r\n");
    check(&mut t, c, "SET k v EX 10 KEEPTTL", "-ERR syntax error\r\n");
    check(&mut t, c, "SET k v KEEPTTL EX 10", "-ERR syntax error\r\n");
}

#[test]
fn set_keepttl_keeps_and_plain_set_clears_the_expiry() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k v EX 10", "+OK\r\n");
    check(&mut t, c, "SET k v2 KEEPTTL", "+OK\r\n");
    t.advance_ms(10_001);
    check(&mut t, c, "GET k", "$-1\r\n");
    check(&mut t, c, "SET k v EX 10", "+OK\r\n");
    check(&mut t, c, "SET k v2", "+OK\r\n");
    t.advance_ms(10_001);
    check(&mut t, c, "GET k", "$2\r\nv2\r\n");
}

#[test]
fn incr_and_decr() {
    let (mut t, c) = setup();
    check(&mut t, c, "INCR n", ":1\r\n");
    check(&mut t, c, "INCR n", ":2\r\n");
    check(&mut t, c, "DECR n", ":1\r\n");
    check(&mut t, c, "DECR fresh", ":-1\r\n");
    check(&mut t, c, "SET s abc", "+OK\r\n");
    check(
        &mut t,
        c,
        "INCR s",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(&mut t, c, "SET s 007", "+OK\r\n");
    check(
        &mut t,
        c,
        "INCR s",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(&mut t, c, "SET big 9223372036854775807", "+OK\r\n");
    check(
        &mut t,
        c,
        "INCR big",
        "-ERR increment or decrement would overflow\r\n",
    );
    check(&mut t, c, "SET small -9223372036854775808", "+OK\r\n");
    check(
        &mut t,
        c,
        "DECR small",
        "-ERR increment or decrement would overflow\r\n",
    );
    check(&mut t, c, "SET n 41 EX 100", "+OK\r\n");
    check(&mut t, c, "INCR n", ":42\r\n");
    t.advance_ms(100_001);
    check(&mut t, c, "GET n", "$-1\r\n");
}

#[test]
fn mget_mset_del_exists() {
    let (mut t, c) = setup();
    check(&mut t, c, "MSET a 1 b 2", "+OK\r\n");
    check(
        &mut t,
        c,
        "MSET a 1 b",
        "-ERR wrong number of arguments for 'mset' command\r\n",
    );
    check(
        &mut t,
        c,
        "MGET a b nope",
        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n",
    );
    check(&mut t, c, "EXISTS a b nope a", ":3\r\n");
    check(&mut t, c, "DEL a nope", ":1\r\n");
    check(&mut t, c, "DEL a", ":0\r\n");
    check(&mut t, c, "DBSIZE", ":1\r\n");
    check(&mut t, c, "FLUSHDB", "+OK\r\n");
    check(&mut t, c, "DBSIZE", ":0\r\n");
    check(&mut t, c, "FLUSHDB ASYNC", "+OK\r\n");
    check(&mut t, c, "FLUSHDB bogus", "-ERR syntax error\r\n");
    check(&mut t, c, "FLUSHALL SYNC", "+OK\r\n");
    check(&mut t, c, "FLUSHALL a b", "-ERR syntax error\r\n");
}

#[test]
fn select_isolates_databases() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k zero", "+OK\r\n");
    check(&mut t, c, "SELECT 9", "+OK\r\n");
    check(&mut t, c, "GET k", "$-1\r\n");
    check(&mut t, c, "SET k nine", "+OK\r\n");
    check(&mut t, c, "SELECT 16", "-ERR DB index is out of range\r\n");
    check(&mut t, c, "SELECT -1", "-ERR DB index is out of range\r\n");
    check(
        &mut t,
        c,
        "SELECT x",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(&mut t, c, "SELECT 0", "+OK\r\n");
    check(&mut t, c, "GET k", "$4\r\nzero\r\n");
    check(&mut t, c, "FLUSHALL", "+OK\r\n");
    check(&mut t, c, "SELECT 9", "+OK\r\n");
    check(&mut t, c, "DBSIZE", ":0\r\n");
}

#[test]
fn hello_switches_protocol() {
    let (mut t, c) = setup();
    let reply = t.command(c, &words("HELLO 3"));
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.4\r\n$5\r\nproto\r\n:3\r\n"), "{text}");
    assert!(text.ends_with("$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"), "{text}");
    check(&mut t, c, "GET missing", "_\r\n");
    let reply = t.command(c, &words("HELLO 2"));
    assert!(reply.starts_with(b"*14\r\n"));
    check(&mut t, c, "GET missing", "$-1\r\n");
    check(
        &mut t,
        c,
        "HELLO 4",
        "-NOPROTO unsupported protocol version\r\n",
    );
    check(
        &mut t,
        c,
        "HELLO x",
        "-ERR Protocol version is not an integer or out of range\r\n",
    );
    check(
        &mut t,
        c,
        "HELLO 3 BOGUS",
        "-ERR Syntax error in HELLO option 'BOGUS'\r\n",
    );
    check(
        &mut t,
        c,
        "HELLO 3 AUTH default",
        "-ERR Syntax error in HELLO option 'AUTH'\r\n",
    );
    check(
        &mut t,
        c,
        "HELLO 3 AUTH nobody pw",
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    check(
        &mut t,
        c,
        "HELLO 2 SETNAME bad\u{1}name",
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
    );
    let reply = t.command(c, &words("HELLO 2 AUTH default anything SETNAME conn1"));
    assert!(reply.starts_with(b"*14\r\n"));
}

#[test]
fn requirepass_gates_commands_until_auth() {
    let mut config = vireo_server::config::Config::default();
    config.requirepass = Some(b"secret".to_vec());
    let mut t = Transcript::with_config(config);
    let c = t.connect();
    check(&mut t, c, "GET k", "-NOAUTH Authentication required.\r\n");
    check(
        &mut t,
        c,
        "AUTH wrong",
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    check(&mut t, c, "HELLO 3", "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n");
    check(&mut t, c, "AUTH secret", "+OK\r\n");
    check(&mut t, c, "GET k", "$-1\r\n");
    let other = t.connect();
    let reply = t.command(other, &words("HELLO 3 AUTH default secret"));
    assert!(reply.starts_with(b"%7\r\n"));
}

#[test]
fn auth_without_password_configured() {
    let (mut t, c) = setup();
    check(&mut t, c, "AUTH x", "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n");
    check(&mut t, c, "AUTH default x", "+OK\r\n");
    check(&mut t, c, "AUTH a b c", "-ERR syntax error\r\n");
}

#[test]
fn time_reports_the_clock() {
    let (mut t, c) = setup();
    check(&mut t, c, "TIME", "*2\r\n$10\r\n1704067200\r\n$1\r\n0\r\n");
    t.advance_ms(1500);
    check(
        &mut t,
        c,
        "TIME",
        "*2\r\n$10\r\n1704067201\r\n$6\r\n500000\r\n",
    );
}

#[test]
fn quit_replies_then_ignores_the_rest_of_the_pipeline() {
    let (mut t, c) = setup();
    let reply = t.send(
        c,
        b"*1\r\n$4\r\nQUIT\r\n*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$3\r\nbar\r\n",
    );
    assert_eq!(reply, b"+OK\r\n");
    assert!(t.is_closing(c));
    let other = t.connect();
    check(&mut t, other, "GET foo", "$-1\r\n");
}

#[test]
fn inline_commands() {
    let (mut t, c) = setup();
    assert_eq!(t.send(c, b"PING\r\n"), b"+PONG\r\n");
    assert_eq!(t.send(c, b"set \"a b\" 'c d'\n"), b"+OK\r\n");
    assert_eq!(t.send(c, b"get \"a b\"\r\n"), b"$3\r\nc d\r\n");
    assert_eq!(t.send(c, b"\r\n"), b"");
    assert_eq!(t.send(c, b"   \r\nPING\r\n"), b"+PONG\r\n");
}

#[test]
fn requests_split_at_every_byte_give_the_same_replies() {
    let pipeline: &[u8] = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\nGET k\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n";
    let expected: &[u8] = b"+OK\r\n$5\r\nvalue\r\n$0\r\n\r\n+PONG\r\n";
    for split in 0..=pipeline.len() {
        let (mut t, c) = setup();
        let mut reply = t.send(c, &pipeline[..split]);
        reply.extend(t.send(c, &pipeline[split..]));
        assert_eq!(reply, expected, "split at {split}");
    }
    let (mut t, c) = setup();
    let mut reply = Vec::new();
    for byte in pipeline {
        reply.extend(t.send(c, std::slice::from_ref(byte)));
    }
    assert_eq!(reply, expected);
}

#[test]
fn protocol_errors_reply_and_close_only_that_client() {
    let cases: &[(&[u8], &str)] = &[
        (
            b"*3000000000\r\n",
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
            "-ERR Protocol error: expected '$', got 'f'\r\n",
        ),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\nfoo\r\n",
            "-ERR Protocol error: expected '$', got 'f'\r\n",
        ),
        (
            b"set \"\"\"test-key\"\"\" test-value\r\nping\r\n",
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
    ];
    for (request, expected) in cases {
        let (mut t, c) = setup();
        let bystander = t.connect();
        let reply = t.send(c, request);
        assert_eq!(
            String::from_utf8_lossy(&reply),
            *expected,
            "request {:?}",
            String::from_utf8_lossy(request)
        );
        assert!(t.is_closing(c));
        assert!(
            t.send(c, b"PING\r\n").is_empty(),
            "nothing is served after a protocol error"
        );
        check(&mut t, bystander, "PING", "+PONG\r\n");
    }
}

#[test]
fn oversized_inline_and_count_lines_are_protocol_errors() {
    let (mut t, c) = setup();
    let reply = t.send(c, &vec![b'a'; 70 * 1024]);
    assert_eq!(reply, b"-ERR Protocol error: too big inline request\r\n");
    let (mut t, c) = setup();
    let mut request = b"*".to_vec();
    request.extend(vec![b'1'; 70 * 1024]);
    assert_eq!(
        t.send(c, &request),
        b"-ERR Protocol error: too big mbulk count string\r\n"
    );
}

#[test]
fn empty_and_negative_multibulk_requests_are_skipped() {
    let (mut t, c) = setup();
    assert_eq!(
        t.send(c, b"*0\r\n*-10\r\n*1\r\n$4\r\nPING\r\n"),
        b"+PONG\r\n"
    );
}

#[test]
fn unauthenticated_clients_get_small_request_limits() {
    let mut config = vireo_server::config::Config::default();
    config.requirepass = Some(b"pw".to_vec());
    let mut t = Transcript::with_config(config);
    let c = t.connect();
    assert_eq!(
        t.send(c, b"*11\r\n"),
        b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    );
    let c = t.connect();
    assert_eq!(
        t.send(c, b"*2\r\n$4\r\nAUTH\r\n$16385\r\n"),
        b"-ERR Protocol error: unauthenticated bulk length\r\n"
    );
}

#[test]
fn http_requests_are_dropped_without_reply() {
    let (mut t, c) = setup();
    assert_eq!(t.send(c, b"POST / HTTP/1.1\r\nHost: x\r\n"), b"");
    assert!(t.is_closing(c));
}

#[test]
fn command_count_info_docs_and_list_agree_with_the_table() {
    let (mut t, c) = setup();
    let count = t.command(c, &words("COMMAND COUNT"));
    let count: usize = String::from_utf8_lossy(&count[1..count.len() - 2])
        .parse()
        .unwrap();
    assert_eq!(count, vireo_server::cmd::TABLE.len());

    check(
        &mut t,
        c,
        "COMMAND INFO get nosuch",
        "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n\
*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n\
$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n$-1\r\n",
    );
    check(
        &mut t,
        c,
        "COMMAND INFO mset",
        "*1\r\n*10\r\n$4\r\nmset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*3\r\n+@write\r\n+@string\r\n+@slow\r\n\
*2\r\n$26\r\nrequest_policy:multi_shard\r\n$29\r\nresponse_policy:all_succeeded\r\n\
*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n\
$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
    );
    let all = t.command(c, &words("COMMAND"));
    assert!(all.starts_with(format!("*{count}\r\n").as_bytes()));
    let docs = t.command(c, &words("COMMAND DOCS get"));
    assert_eq!(
        String::from_utf8_lossy(&docs),
        "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$33\r\nReturns the string value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n\
$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n\
$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
    );
    check(&mut t, c, "COMMAND DOCS nosuch", "*0\r\n");
    check(
        &mut t,
        c,
        "COMMAND LIST FILTERBY PATTERN ech*",
        "*1\r\n$4\r\necho\r\n",
    );
    check(&mut t, c, "COMMAND LIST FILTERBY ACLCAT nosuch", "*0\r\n");
    check(&mut t, c, "COMMAND LIST FILTERBY MODULE x", "*0\r\n");
    check(
        &mut t,
        c,
        "COMMAND LIST FILTERBY bogus x",
        "-ERR syntax error\r\n",
    );
    check(&mut t, c, "COMMAND LIST x", "-ERR syntax error\r\n");
    let list = String::from_utf8_lossy(&t.command(c, &words("COMMAND LIST"))).into_owned();
    assert!(
        list.contains("$13\r\ncommand|count\r\n"),
        "subcommands are listed: {list}"
    );
    let connection =
        String::from_utf8_lossy(&t.command(c, &words("COMMAND LIST FILTERBY ACLCAT connection")))
            .into_owned();
    assert!(connection.contains("$4\r\nping\r\n") && !connection.contains("$3\r\nget\r\n"));
}

#[test]
fn function_flush_is_accepted() {
    let (mut t, c) = setup();
    check(&mut t, c, "FUNCTION FLUSH", "+OK\r\n");
    check(&mut t, c, "FUNCTION FLUSH ASYNC", "+OK\r\n");
    check(
        &mut t,
        c,
        "FUNCTION FLUSH bogus",
        "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n",
    );
    check(
        &mut t,
        c,
        "FUNCTION",
        "-ERR wrong number of arguments for 'function' command\r\n",
    );
}

#[test]
fn large_multibulk_requests() {
    let (mut t, c) = setup();
    let mut args: Vec<Vec<u8>> = vec![b"MSET".to_vec()];
    for index in 0..10_000 {
        args.push(format!("k{index}").into_bytes());
        args.push(b"v".to_vec());
    }
    let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    assert_eq!(t.command(c, &refs), b"+OK\r\n");
    check(&mut t, c, "DBSIZE", ":10000\r\n");
    let big = vec![b'x'; 1 << 20];
    assert_eq!(t.command(c, &[b"SET", b"big", &big]), b"+OK\r\n");
    let reply = t.command(c, &[b"GET", b"big"]);
    assert_eq!(reply.len(), (1 << 20) + b"$1048576\r\n\r\n".len());
}

#[test]
fn debug_is_refused_unless_enabled() {
    let (mut t, c) = setup();
    check(&mut t, c, "DEBUG PROTOCOL string", "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n");
}

#[test]
fn debug_protocol_emits_every_resp_type() {
    let mut config = vireo_server::config::Config::default();
    config.enable_debug_command = vireo_server::config::ProtectedAccess::Yes;
    let mut t = Transcript::with_config(config);
    let c = t.connect();
    check(&mut t, c, "DEBUG PROTOCOL double", "$5\r\n3.141\r\n");
    check(
        &mut t,
        c,
        "DEBUG PROTOCOL bignum",
        "$37\r\n1234567999999999999999999999999999999\r\n",
    );
    check(&mut t, c, "DEBUG PROTOCOL true", ":1\r\n");
    check(
        &mut t,
        c,
        "DEBUG PROTOCOL push",
        "-ERR RESP2 is not supported by this command\r\n",
    );
    check(
        &mut t,
        c,
        "DEBUG PROTOCOL attrib",
        "$39\r\nSome real reply following the attribute\r\n",
    );
    check(&mut t, c, "DEBUG PROTOCOL x", "-ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false\r\n");
    check(
        &mut t,
        c,
        "DEBUG foo",
        "-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.\r\n",
    );
    t.command(c, &words("HELLO 3"));
    check(&mut t, c, "DEBUG PROTOCOL double", ",3.141\r\n");
    check(
        &mut t,
        c,
        "DEBUG PROTOCOL map",
        "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
    );
    check(&mut t, c, "DEBUG PROTOCOL attrib", "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n");
    check(&mut t, c, "DEBUG PROTOCOL push", ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n");
    check(
        &mut t,
        c,
        "DEBUG PROTOCOL verbatim",
        "=29\r\ntxt:This is a verbatim\nstring\r\n",
    );
    check(&mut t, c, "DEBUG PROTOCOL null", "_\r\n");
    check(&mut t, c, "DEBUG PROTOCOL set", "~3\r\n:0\r\n:1\r\n:2\r\n");
    check(
        &mut t,
        c,
        "DEBUG PROTOCOL bignum",
        "(1234567999999999999999999999999999999\r\n",
    );
}

#[test]
fn ttl_family_follows_the_clock() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k v", "+OK\r\n");
    check(&mut t, c, "EXPIRE k 10", ":1\r\n");
    t.advance_ms(2400);
    check(&mut t, c, "TTL k", ":8\r\n");
    check(&mut t, c, "PTTL k", ":7600\r\n");
    t.advance_ms(200);
    check(&mut t, c, "TTL k", ":7\r\n");
    check(&mut t, c, "EXPIRETIME k", ":1704067210\r\n");
    check(&mut t, c, "PEXPIRETIME k", ":1704067210000\r\n");
    check(&mut t, c, "PEXPIREAT k 1704067300000", ":1\r\n");
    check(&mut t, c, "PERSIST k", ":1\r\n");
    check(&mut t, c, "TTL k", ":-1\r\n");
    check(&mut t, c, "PEXPIRE k 1", ":1\r\n");
    t.advance_ms(2);
    check(&mut t, c, "TTL k", ":-2\r\n");
    check(&mut t, c, "TYPE k", "+none\r\n");
}

#[test]
fn keys_matches_globs_and_skips_expired_keys() {
    let (mut t, c) = setup();
    check(&mut t, c, "MSET foo 1 fob 2 bar 3", "+OK\r\n");
    check(&mut t, c, "PEXPIRE fob 5", ":1\r\n");
    check(&mut t, c, "KEYS f?o", "*1\r\n$3\r\nfoo\r\n");
    t.advance_ms(6);
    check(&mut t, c, "KEYS fo*", "*1\r\n$3\r\nfoo\r\n");
    let all = t.command(c, &words("KEYS *"));
    assert!(
        all.starts_with(b"*2\r\n"),
        "{:?}",
        String::from_utf8_lossy(&all)
    );
}

#[test]
fn setrange_with_an_empty_patch_changes_nothing() {
    let (mut t, c) = setup();
    assert_eq!(t.command(c, &[b"SETRANGE", b"k", b"5", b""]), b":0\r\n");
    check(&mut t, c, "EXISTS k", ":0\r\n");
    check(&mut t, c, "SET k abc", "+OK\r\n");
    assert_eq!(t.command(c, &[b"SETRANGE", b"k", b"10", b""]), b":3\r\n");
    check(&mut t, c, "GET k", "$3\r\nabc\r\n");
}

#[test]
fn append_and_setrange_keep_the_expiry() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k abc EX 10", "+OK\r\n");
    check(&mut t, c, "APPEND k d", ":4\r\n");
    check(&mut t, c, "SETRANGE k 0 X", ":4\r\n");
    check(&mut t, c, "TTL k", ":10\r\n");
    check(&mut t, c, "GET k", "$4\r\nXbcd\r\n");
}

#[test]
fn config_get_patterns_and_set_atomicity() {
    let (mut t, c) = setup();
    let reply =
        String::from_utf8_lossy(&t.command(c, &words("CONFIG GET *read-only"))).into_owned();
    assert!(reply.starts_with("*4\r\n"), "{reply}");
    assert!(
        reply.contains("$17\r\nreplica-read-only\r\n$3\r\nyes\r\n"),
        "{reply}"
    );
    assert!(
        reply.contains("$15\r\nslave-read-only\r\n$3\r\nyes\r\n"),
        "{reply}"
    );
    let all = String::from_utf8_lossy(&t.command(c, &words("CONFIG GET *"))).into_owned();
    assert!(
        all.starts_with("*384\r\n"),
        "every option and alias but the hidden ones: {}",
        &all[..20]
    );
    assert!(
        !all.contains("use-exit-on-panic"),
        "hidden options need their exact name"
    );
    check(&mut t, c, "CONFIG SET maxclients 50 timeout bogus", "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n");
    check(
        &mut t,
        c,
        "CONFIG GET maxclients",
        "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n",
    );
    check(&mut t, c, "CONFIG SET maxclients 50 timeout 3", "+OK\r\n");
    assert_eq!(t.server.config.maxclients, 50);
    assert_eq!(t.server.config.timeout, 3);
    check(&mut t, c, "CONFIG SET proto-max-bulk-len 2mb", "+OK\r\n");
    assert_eq!(t.server.limits.max_bulk_len, 2 * 1024 * 1024);
}

#[test]
fn protected_configs_need_enable_protected_configs() {
    let (mut t, c) = setup();
    check(&mut t, c, "CONFIG SET dir /tmp", "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n");
}

#[test]
fn info_reports_sections_and_counters() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k v EX 100", "+OK\r\n");
    check(
        &mut t,
        c,
        "NOSUCH",
        "-ERR unknown command 'NOSUCH', with args beginning with: \r\n",
    );
    let reply = String::from_utf8_lossy(&t.command(c, &words("INFO"))).into_owned();
    for needle in [
        "# Server\r\nredis_version:7.2.4\r\n",
        "\r\n# Clients\r\nconnected_clients:1\r\n",
        "\r\n# Memory\r\n",
        "\r\n# Stats\r\n",
        "total_commands_processed:1\r\n",
        "total_error_replies:1\r\n",
        "\r\n# Keyspace\r\ndb0:keys=1,expires=1,avg_ttl=0\r\n",
    ] {
        assert!(reply.contains(needle), "missing {needle:?} in {reply}");
    }
    assert!(!reply.contains("# Commandstats"), "not a default section");
    for all in ["INFO all", "INFO everything"] {
        let every = String::from_utf8_lossy(&t.command(c, &words(all))).into_owned();
        assert!(
            every.contains("\r\n# Commandstats\r\n") && every.contains("\r\n# Latencystats\r\n"),
            "{all}: {every}"
        );
    }
    let default = String::from_utf8_lossy(&t.command(c, &words("INFO default"))).into_owned();
    assert!(!default.contains("# Commandstats"), "{default}");
    let keyspace = String::from_utf8_lossy(&t.command(c, &words("INFO keyspace"))).into_owned();
    assert!(
        keyspace.starts_with("$")
            && keyspace.contains("# Keyspace\r\n")
            && !keyspace.contains("# Server"),
        "{keyspace}"
    );
    let two = String::from_utf8_lossy(&t.command(c, &words("INFO clients server"))).into_owned();
    assert!(
        two.find("# Server").unwrap() < two.find("# Clients").unwrap(),
        "sections keep Redis's order: {two}"
    );
    t.command(c, &words("HELLO 3"));
    let verbatim = t.command(c, &words("INFO cluster"));
    assert_eq!(
        verbatim,
        b"=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n"
    );
}

#[test]
fn client_reply_off_and_skip() {
    let (mut t, c) = setup();
    assert_eq!(t.command(c, &words("CLIENT REPLY OFF")), b"");
    assert_eq!(t.command(c, &words("SET k v")), b"", "no reply while off");
    assert_eq!(t.command(c, &words("NOSUCH")), b"", "not even errors");
    check(&mut t, c, "CLIENT REPLY ON", "+OK\r\n");
    check(&mut t, c, "GET k", "$1\r\nv\r\n");
    assert_eq!(t.command(c, &words("CLIENT REPLY SKIP")), b"");
    assert_eq!(
        t.command(c, &words("GET k")),
        b"",
        "the next reply is skipped"
    );
    check(&mut t, c, "GET k", "$1\r\nv\r\n");
}

#[test]
fn pubsub_notifications_bypass_client_reply_off() {
    let (mut t, c) = setup();
    assert_eq!(t.command(c, &words("CLIENT REPLY OFF")), b"");
    check(
        &mut t,
        c,
        "SUBSCRIBE ch",
        "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
    );
    assert_eq!(
        t.command(c, &words("PING")),
        b"",
        "ordinary replies stay off"
    );
    check(
        &mut t,
        c,
        "UNSUBSCRIBE ch",
        "*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n",
    );
    let resp3 = t.connect();
    t.command(resp3, &words("HELLO 3"));
    assert_eq!(t.command(resp3, &words("CLIENT REPLY OFF")), b"");
    check(
        &mut t,
        resp3,
        "SUBSCRIBE ch",
        ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
    );
    // Its own message arrives; PUBLISH's count does not.
    check(
        &mut t,
        resp3,
        "PUBLISH ch hi",
        ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
    );
}

#[test]
fn client_id_name_info_list_and_kill() {
    let (mut t, c) = setup();
    let other = t.connect();
    check(&mut t, c, "CLIENT ID", ":1\r\n");
    check(&mut t, other, "CLIENT ID", ":2\r\n");
    check(&mut t, c, "CLIENT SETNAME worker", "+OK\r\n");
    let info = String::from_utf8_lossy(&t.command(c, &words("CLIENT INFO"))).into_owned();
    assert!(
        info.contains(
            "id=1 addr=127.0.0.1:40000 laddr= fd=-1 name=worker age=0 idle=0 flags=N db=0 "
        ),
        "{info}"
    );
    assert!(
        info.contains(" cmd=client|info user=default redir=-1 resp=2"),
        "{info}"
    );
    assert!(info.ends_with("\n\r\n"), "{info}");
    let list = String::from_utf8_lossy(&t.command(c, &words("CLIENT LIST"))).into_owned();
    assert!(list.contains("id=1 ") && list.contains("id=2 "), "{list}");
    assert!(
        list.find("id=1 ").unwrap() < list.find("id=2 ").unwrap(),
        "ordered by id: {list}"
    );
    let one = String::from_utf8_lossy(&t.command(c, &words("CLIENT LIST ID 2 99"))).into_owned();
    assert!(one.contains("id=2 ") && !one.contains("id=1 "), "{one}");
    check(&mut t, c, "CLIENT KILL ID 2", ":1\r\n");
    assert!(
        t.server.clients_to_close.contains(&1),
        "the victim is queued for closing"
    );
    check(&mut t, c, "CLIENT KILL ID 1", ":0\r\n");
    check(&mut t, c, "CLIENT KILL ID 1 SKIPME no", ":1\r\n");
    assert!(t.is_closing(c));
}

#[test]
fn monitor_streams_commands_with_redactions() {
    let (mut t, watcher) = setup();
    let worker = t.connect();
    check(&mut t, watcher, "MONITOR", "+OK\r\n");
    check(&mut t, worker, "SET k v", "+OK\r\n");
    assert_eq!(
        t.command(worker, &[b"SET", b"quote\"d", b"a\nb\x01"]),
        b"+OK\r\n"
    );
    check(&mut t, worker, "SELECT 3", "+OK\r\n");
    t.command(worker, &words("AUTH secret"));
    t.command(worker, &words("HELLO 2 AUTH user pass"));
    check(
        &mut t,
        worker,
        "CONFIG GET hz",
        "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n",
    );
    let streamed = t.send(watcher, b"");
    let expected = "+1704067200.000000 [0 127.0.0.1:40000] \"SET\" \"k\" \"v\"\r\n\
+1704067200.000000 [0 127.0.0.1:40000] \"SET\" \"quote\\\"d\" \"a\\nb\\x01\"\r\n\
+1704067200.000000 [3 127.0.0.1:40000] \"SELECT\" \"3\"\r\n\
+1704067200.000000 [3 127.0.0.1:40000] \"AUTH\" \"(redacted)\"\r\n\
+1704067200.000000 [3 127.0.0.1:40000] \"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\"\r\n";
    assert_eq!(
        String::from_utf8_lossy(&streamed),
        expected,
        "admin commands such as CONFIG are not shown"
    );
}

#[test]
fn slowlog_records_commands_over_the_threshold() {
    let (mut t, c) = setup();
    check(&mut t, c, "CONFIG SET slowlog-log-slower-than 0", "+OK\r\n");
    check(&mut t, c, "SLOWLOG RESET", "+OK\r\n");
    let long = vec![b'x'; 200];
    t.command(c, &[b"SET", b"k", &long]);
    // Each command is logged after it runs: RESET is entry 1, SET entry 2.
    let entries = String::from_utf8_lossy(&t.command(c, &words("SLOWLOG GET 1"))).into_owned();
    assert!(
        entries.starts_with("*1\r\n*6\r\n:2\r\n:1704067200\r\n:"),
        "{entries}"
    );
    check(&mut t, c, "SLOWLOG LEN", ":3\r\n");
    let shortened = format!("$3\r\nSET\r\n$1\r\nk\r\n$147\r\n{}... (72 more bytes)\r\n$15\r\n127.0.0.1:40000\r\n$0\r\n\r\n", "x".repeat(128));
    assert!(entries.ends_with(&shortened), "{entries}");
    check(
        &mut t,
        c,
        "SLOWLOG GET -2",
        "-ERR count should be greater than or equal to -1\r\n",
    );
    let mut args: Vec<Vec<u8>> = vec![b"DEL".to_vec()];
    args.extend((0..40).map(|i| format!("k{i}").into_bytes()));
    let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    t.command(c, &refs);
    let latest = String::from_utf8_lossy(&t.command(c, &words("SLOWLOG GET 1"))).into_owned();
    assert!(
        latest.contains("*32\r\n$3\r\nDEL\r\n") && latest.contains("... (10 more arguments)"),
        "{latest}"
    );
    check(
        &mut t,
        c,
        "CONFIG SET slowlog-log-slower-than -1",
        "+OK\r\n",
    );
    check(&mut t, c, "SLOWLOG RESET", "+OK\r\n");
    check(&mut t, c, "PING", "+PONG\r\n");
    check(&mut t, c, "SLOWLOG LEN", ":0\r\n");
}

#[test]
fn info_commandstats_and_errorstats() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k v", "+OK\r\n");
    check(
        &mut t,
        c,
        "GET k v",
        "-ERR wrong number of arguments for 'get' command\r\n",
    );
    check(
        &mut t,
        c,
        "INCR k",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(&mut t, c, "CONFIG GET nosuch", "*0\r\n");
    let stats = String::from_utf8_lossy(&t.command(c, &words("INFO commandstats"))).into_owned();
    assert!(stats.contains("cmdstat_set:calls=1,usec="), "{stats}");
    assert!(
        stats.contains(
            "cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"
        ),
        "{stats}"
    );
    assert!(
        stats.contains(",rejected_calls=0,failed_calls=1\r\n"),
        "INCR failed: {stats}"
    );
    assert!(stats.contains("cmdstat_config|get:calls=1"), "{stats}");
    let errors = String::from_utf8_lossy(&t.command(c, &words("INFO errorstats"))).into_owned();
    assert!(
        errors.contains("# Errorstats\r\nerrorstat_ERR:count=2\r\n"),
        "{errors}"
    );
    t.command(c, &words("HELLO 4"));
    let errors = String::from_utf8_lossy(&t.command(c, &words("INFO errorstats"))).into_owned();
    assert!(errors.contains("errorstat_NOPROTO:count=1"), "{errors}");
}

#[test]
fn client_pause_inside_a_transaction_starts_after_it() {
    let (mut t, c) = setup();
    let other = t.connect();
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "SET a 1", "+QUEUED\r\n");
    check(&mut t, c, "CLIENT PAUSE 60000 WRITE", "+QUEUED\r\n");
    check(&mut t, c, "SET b 1", "+QUEUED\r\n");
    check(&mut t, c, "EXEC", "*3\r\n+OK\r\n+OK\r\n+OK\r\n");
    assert_eq!(t.command(other, &words("SET c 1")), b"", "paused now");
    check(
        &mut t,
        c,
        "MGET a b c",
        "*3\r\n$1\r\n1\r\n$1\r\n1\r\n$-1\r\n",
    );
    check(&mut t, c, "CLIENT UNPAUSE", "+OK\r\n");
    assert_eq!(t.send(other, b""), b"+OK\r\n");
}

#[test]
fn client_pause_holds_back_expiry() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET a 1 PX 10", "+OK\r\n");
    check(&mut t, c, "SET b 1 PX 10", "+OK\r\n");
    check(&mut t, c, "CLIENT PAUSE 50000 WRITE", "+OK\r\n");
    t.advance_ms(20);
    check(&mut t, c, "GET a", "$-1\r\n");
    check(&mut t, c, "EXISTS b", ":0\r\n");
    let cycle = vireo_core::expire::CycleKind::Slow;
    assert_eq!(t.server.active_expire_cycle(cycle, &mut || 0), 0);
    assert_eq!(t.server.expired_keys(), 0, "logically gone, not removed");
    check(&mut t, c, "DBSIZE", ":2\r\n");
    check(&mut t, c, "CLIENT UNPAUSE", "+OK\r\n");
    check(&mut t, c, "GET a", "$-1\r\n");
    check(&mut t, c, "GET b", "$-1\r\n");
    assert_eq!(t.server.expired_keys(), 2);
    check(&mut t, c, "DBSIZE", ":0\r\n");
}

#[test]
fn client_pause_holds_back_writes_until_unpause_or_timeout() {
    let (mut t, admin) = setup();
    let writer = t.connect();
    check(&mut t, admin, "CLIENT PAUSE 1000 WRITE", "+OK\r\n");
    check(&mut t, writer, "GET k", "$-1\r\n");
    assert_eq!(t.command(writer, &words("SET k v")), b"", "the write waits");
    assert_eq!(
        t.command(writer, &words("GET k")),
        b"",
        "and so does everything after it"
    );
    check(&mut t, admin, "GET k", "$-1\r\n");
    check(&mut t, admin, "CLIENT UNPAUSE", "+OK\r\n");
    assert_eq!(
        t.send(writer, b""),
        b"+OK\r\n$1\r\nv\r\n",
        "both ran, in order, when the pause ended"
    );

    check(&mut t, admin, "CLIENT PAUSE 50", "+OK\r\n");
    assert_eq!(
        t.command(writer, &words("GET k")),
        b"",
        "ALL holds back reads too"
    );
    t.advance_ms(51);
    t.server.end_pause_if_due(false);
    assert_eq!(t.send(writer, b""), b"$1\r\nv\r\n");

    check(
        &mut t,
        admin,
        "CLIENT PAUSE -1",
        "-ERR timeout is negative\r\n",
    );
    check(
        &mut t,
        admin,
        "CLIENT PAUSE x",
        "-ERR timeout is not an integer or out of range\r\n",
    );
    check(
        &mut t,
        admin,
        "CLIENT PAUSE 10 SOME",
        "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n",
    );
}

#[test]
fn watch_is_invalidated_by_other_clients_flushes_and_expiry() {
    let (mut t, c) = setup();
    let other = t.connect();
    check(&mut t, c, "SET k 1", "+OK\r\n");
    check(&mut t, c, "WATCH k", "+OK\r\n");
    check(&mut t, other, "SET k 2", "+OK\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "INCR k", "+QUEUED\r\n");
    check(&mut t, c, "EXEC", "*-1\r\n");

    check(&mut t, c, "WATCH k", "+OK\r\n");
    check(&mut t, other, "SET k 2 NX", "$-1\r\n");
    check(&mut t, other, "GET k", "$1\r\n2\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "INCR k", "+QUEUED\r\n");
    check(&mut t, c, "EXEC", "*1\r\n:3\r\n");

    check(&mut t, c, "WATCH k", "+OK\r\n");
    check(&mut t, other, "FLUSHALL", "+OK\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "EXEC", "*-1\r\n");

    check(&mut t, c, "SET k v PX 10", "+OK\r\n");
    check(&mut t, c, "WATCH k", "+OK\r\n");
    t.advance_ms(11);
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "EXEC", "*-1\r\n");

    check(&mut t, c, "WATCH k", "+OK\r\n");
    check(&mut t, other, "SET k fresh", "+OK\r\n");
    check(&mut t, c, "UNWATCH", "+OK\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "EXEC", "*0\r\n");
    assert!(
        t.server.watched_keys.is_empty(),
        "nothing stays watched after EXEC/UNWATCH"
    );
}

#[test]
fn exec_replies_with_each_commands_reply_including_errors() {
    let (mut t, c) = setup();
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "SET s abc", "+QUEUED\r\n");
    check(&mut t, c, "INCR s", "+QUEUED\r\n");
    check(&mut t, c, "SELECT 2", "+QUEUED\r\n");
    check(&mut t, c, "SET s other", "+QUEUED\r\n");
    check(
        &mut t,
        c,
        "EXEC",
        "*4\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n+OK\r\n",
    );
    check(&mut t, c, "GET s", "$5\r\nother\r\n");
}

#[test]
fn reset_returns_the_connection_to_a_fresh_state() {
    let (mut t, c) = setup();
    let publisher = t.connect();
    check(&mut t, c, "SELECT 3", "+OK\r\n");
    check(&mut t, c, "CLIENT SETNAME worker", "+OK\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "RESET", "+RESET\r\n");
    check(
        &mut t,
        c,
        "SUBSCRIBE chan",
        "*3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n",
    );
    check(&mut t, c, "RESET", "+RESET\r\n");
    check(&mut t, publisher, "PUBLISH chan x", ":0\r\n");
    check(&mut t, c, "CLIENT GETNAME", "$-1\r\n");
    check(&mut t, c, "SET k v", "+OK\r\n");
    check(&mut t, publisher, "DBSIZE", ":1\r\n");
}

#[test]
fn publish_reaches_channel_and_pattern_subscribers() {
    let (mut t, publisher) = setup();
    let subscriber = t.connect();
    check(
        &mut t,
        subscriber,
        "PSUBSCRIBE news.*",
        "*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:1\r\n",
    );
    check(
        &mut t,
        subscriber,
        "SUBSCRIBE news.eu",
        "*3\r\n$9\r\nsubscribe\r\n$7\r\nnews.eu\r\n:2\r\n",
    );
    check(&mut t, publisher, "PUBLISH news.eu hi", ":2\r\n");
    assert_eq!(
        t.send(subscriber, b""),
        b"*3\r\n$7\r\nmessage\r\n$7\r\nnews.eu\r\n$2\r\nhi\r\n*4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$7\r\nnews.eu\r\n$2\r\nhi\r\n"
    );
    check(&mut t, subscriber, "GET x", "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n");
    let list = String::from_utf8_lossy(&t.command(publisher, &words("CLIENT LIST"))).into_owned();
    assert!(list.contains("flags=P db=0 sub=1 psub=1 ssub=0"), "{list}");
}

#[test]
fn latency_histograms_and_info_latencystats() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k v", "+OK\r\n");
    check(&mut t, c, "SET k w", "+OK\r\n");
    let histogram =
        String::from_utf8_lossy(&t.command(c, &words("LATENCY HISTOGRAM set"))).into_owned();
    assert!(
        histogram
            .starts_with("*2\r\n$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:2\r\n$14\r\nhistogram_usec\r\n"),
        "{histogram}"
    );
    let stats = String::from_utf8_lossy(&t.command(c, &words("INFO latencystats"))).into_owned();
    assert!(
        stats.contains("latency_percentiles_usec_set:p50="),
        "{stats}"
    );
    assert!(
        stats.contains(",p99=") && stats.contains(",p99.9="),
        "{stats}"
    );
    check(&mut t, c, "CONFIG RESETSTAT", "+OK\r\n");
    let after =
        String::from_utf8_lossy(&t.command(c, &words("LATENCY HISTOGRAM set"))).into_owned();
    assert_eq!(after, "*0\r\n");
}

/// Sends `line` and returns the reply bytes.
fn reply(t: &mut Transcript, client: ClientHandle, line: &str) -> Vec<u8> {
    t.command(client, &words(line))
}

/// Parses a SCAN reply into its cursor and keys.
fn parse_scan(reply: &[u8]) -> (String, Vec<String>) {
    let text = String::from_utf8_lossy(reply).into_owned();
    let mut lines = text.split("\r\n");
    assert_eq!(lines.next(), Some("*2"), "scan reply {text:?}");
    lines.next();
    let cursor = lines.next().expect("cursor").to_string();
    let count: usize = lines
        .next()
        .and_then(|l| l.strip_prefix('*'))
        .and_then(|n| n.parse().ok())
        .expect("key count");
    let keys = (0..count)
        .map(|_| {
            lines.next();
            lines.next().expect("key").to_string()
        })
        .collect();
    (cursor, keys)
}

/// Runs a complete SCAN with `options`, calling `between` after each step.
fn full_scan(
    t: &mut Transcript,
    c: ClientHandle,
    options: &str,
    mut between: impl FnMut(&mut Transcript, usize),
) -> std::collections::BTreeSet<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = "0".to_string();
    for step in 0.. {
        let (next, keys) = parse_scan(&reply(t, c, &format!("SCAN {cursor} {options}")));
        seen.extend(keys);
        if next == "0" {
            return seen;
        }
        assert!(step < 100_000, "scan terminates");
        cursor = next;
        between(t, step);
    }
    unreachable!()
}

#[test]
fn scan_returns_every_key_with_match_count_and_type() {
    let (mut t, c) = setup();
    for n in 0..500 {
        check(&mut t, c, &format!("SET key:{n} v"), "+OK\r\n");
    }
    let all: std::collections::BTreeSet<String> = (0..500).map(|n| format!("key:{n}")).collect();
    assert_eq!(full_scan(&mut t, c, "", |_, _| {}), all);
    assert_eq!(full_scan(&mut t, c, "COUNT 1", |_, _| {}), all);
    assert_eq!(full_scan(&mut t, c, "COUNT 1000", |_, _| {}), all);
    assert_eq!(full_scan(&mut t, c, "TYPE string", |_, _| {}), all);
    assert!(full_scan(&mut t, c, "TYPE hash", |_, _| {}).is_empty());
    let nines = full_scan(&mut t, c, "MATCH key:9*", |_, _| {});
    assert_eq!(nines.len(), 11);
    assert!(nines.iter().all(|k| k.starts_with("key:9")));
}

#[test]
fn scan_keeps_its_guarantee_while_the_table_grows_and_shrinks() {
    let (mut t, c) = setup();
    for n in 0..200 {
        check(&mut t, c, &format!("SET stable:{n} v"), "+OK\r\n");
    }
    let stable: std::collections::BTreeSet<String> =
        (0..200).map(|n| format!("stable:{n}")).collect();
    // Growth: thousands of keys arrive between the first steps (a table
    // that grows without end could outrun any cursor).
    let seen = full_scan(&mut t, c, "COUNT 5", |t, step| {
        for n in 0..if step < 40 { 100 } else { 0 } {
            t.command(c, &words(&format!("SET grow:{step}:{n} v")));
        }
    });
    assert!(stable.is_subset(&seen));
    // Shrink: delete the newcomers between steps, with cron-style shrinking.
    let seen = full_scan(&mut t, c, "COUNT 5", |t, step| {
        let doomed: Vec<String> = (0..100).map(|n| format!("grow:{step}:{n}")).collect();
        for key in doomed {
            t.command(c, &[b"DEL", key.as_bytes()]);
        }
        t.server.dbs[0].shrink_if_needed();
    });
    assert!(stable.is_subset(&seen));
}

#[test]
fn scan_skips_and_removes_expired_keys() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET live v", "+OK\r\n");
    check(&mut t, c, "SET gone v PX 10", "+OK\r\n");
    t.advance_ms(20);
    check(&mut t, c, "DBSIZE", ":2\r\n");
    let seen = full_scan(&mut t, c, "", |_, _| {});
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec!["live"]);
    check(&mut t, c, "DBSIZE", ":1\r\n");
}

#[test]
fn scan_accepts_cursors_as_strtoul_does() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET a 1", "+OK\r\n");
    // Any 64-bit cursor is valid, negative ones wrap; the reply is a cursor.
    for cursor in ["-1", "18446744073709551615", "+7", "12345"] {
        let (next, keys) = parse_scan(&reply(&mut t, c, &format!("SCAN {cursor}")));
        assert!(next.parse::<u64>().is_ok());
        assert!(keys.len() <= 1);
    }
    check(
        &mut t,
        c,
        "SCAN 18446744073709551616",
        "-ERR invalid cursor\r\n",
    );
    check(&mut t, c, "SCAN -", "-ERR invalid cursor\r\n");
}

#[test]
fn randomkey_returns_live_keys_only() {
    let (mut t, c) = setup();
    check(&mut t, c, "RANDOMKEY", "$-1\r\n");
    for n in 0..20 {
        check(&mut t, c, &format!("SET old:{n} v PX 5"), "+OK\r\n");
    }
    check(&mut t, c, "SET a 1", "+OK\r\n");
    check(&mut t, c, "SET b 2", "+OK\r\n");
    t.advance_ms(10);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let key = reply(&mut t, c, "RANDOMKEY");
        assert!(key == b"$1\r\na\r\n" || key == b"$1\r\nb\r\n", "{key:?}");
        seen.insert(key);
    }
    assert_eq!(seen.len(), 2, "both keys come up");
    check(&mut t, c, "DBSIZE", ":2\r\n");
}

#[test]
fn active_expiry_reclaims_unread_keys_unless_disabled() {
    let mut config = vireo_server::config::Config::default();
    config.enable_debug_command = vireo_server::config::ProtectedAccess::Yes;
    let mut t = Transcript::with_config(config);
    let c = t.connect();
    for n in 0..100 {
        check(&mut t, c, &format!("SET k:{n} v PX 100"), "+OK\r\n");
    }
    check(&mut t, c, "SET keep v", "+OK\r\n");
    t.advance_ms(200);
    check(&mut t, c, "DEBUG SET-ACTIVE-EXPIRE 0", "+OK\r\n");
    let cycle = vireo_core::expire::CycleKind::Slow;
    assert_eq!(t.server.active_expire_cycle(cycle, &mut || 0), 0);
    check(&mut t, c, "DBSIZE", ":101\r\n");
    check(&mut t, c, "DEBUG SET-ACTIVE-EXPIRE 1", "+OK\r\n");
    assert_eq!(t.server.active_expire_cycle(cycle, &mut || 0), 100);
    check(&mut t, c, "DBSIZE", ":1\r\n");
    assert_eq!(t.server.expired_keys(), 100);
}

#[test]
fn object_idletime_counts_seconds_since_the_last_access() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k v", "+OK\r\n");
    t.advance_ms(5_000);
    check(&mut t, c, "OBJECT IDLETIME k", ":5\r\n");
    check(&mut t, c, "OBJECT IDLETIME k", ":5\r\n");
    // Neither TTL, TYPE nor EXISTS counts as an access; TOUCH and GET do.
    check(&mut t, c, "TTL k", ":-1\r\n");
    check(&mut t, c, "TYPE k", "+string\r\n");
    check(&mut t, c, "EXISTS k", ":1\r\n");
    check(&mut t, c, "OBJECT IDLETIME k", ":5\r\n");
    check(&mut t, c, "TOUCH k", ":1\r\n");
    check(&mut t, c, "OBJECT IDLETIME k", ":0\r\n");
    t.advance_ms(2_000);
    check(&mut t, c, "GET k", "$1\r\nv\r\n");
    check(&mut t, c, "OBJECT IDLETIME k", ":0\r\n");
    t.advance_ms(3_000);
    check(&mut t, c, "TOUCH k", ":1\r\n");
    check(&mut t, c, "OBJECT IDLETIME k", ":0\r\n");
}

#[test]
fn rename_and_move_keep_the_expiry() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET a v PX 5000", "+OK\r\n");
    check(&mut t, c, "RENAME a b", "+OK\r\n");
    check(&mut t, c, "PTTL b", ":5000\r\n");
    check(&mut t, c, "MOVE b 3", ":1\r\n");
    check(&mut t, c, "SELECT 3", "+OK\r\n");
    check(&mut t, c, "PTTL b", ":5000\r\n");
    check(&mut t, c, "COPY b c DB 4", ":1\r\n");
    t.advance_ms(5001);
    check(&mut t, c, "RENAME b x", "-ERR no such key\r\n");
    check(&mut t, c, "SELECT 4", "+OK\r\n");
    check(&mut t, c, "EXISTS c", ":0\r\n");
}

#[test]
fn list_push_pop_and_range() {
    let (mut t, c) = setup();
    check(&mut t, c, "RPUSH l a b c", ":3\r\n");
    check(&mut t, c, "LPUSH l z", ":4\r\n");
    check(
        &mut t,
        c,
        "LRANGE l 0 -1",
        "*4\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    check(&mut t, c, "RPOP l 2", "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
    check(&mut t, c, "LPOP l", "$1\r\nz\r\n");
    check(&mut t, c, "LPOP l", "$1\r\na\r\n");
    check(&mut t, c, "EXISTS l", ":0\r\n");
    check(&mut t, c, "LPOP l 2", "*-1\r\n");
    check(&mut t, c, "TYPE l", "+none\r\n");
    check(&mut t, c, "RPUSH l 12 -7", ":2\r\n");
    check(&mut t, c, "LINDEX l 0", "$2\r\n12\r\n");
    check(&mut t, c, "LINDEX l -1", "$2\r\n-7\r\n");
    check(&mut t, c, "TYPE l", "+list\r\n");
    check(
        &mut t,
        c,
        "GET l",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(&mut t, c, "MGET l", "*1\r\n$-1\r\n");
}

#[test]
fn list_nulls_in_resp3() {
    let (mut t, c) = setup();
    t.command(c, &words("HELLO 3"));
    check(&mut t, c, "LPOP nope", "_\r\n");
    check(&mut t, c, "LPOP nope 3", "_\r\n");
    check(&mut t, c, "LMPOP 1 nope LEFT", "_\r\n");
    check(&mut t, c, "LPOS nope x", "_\r\n");
    check(&mut t, c, "RPUSH l a", ":1\r\n");
    check(
        &mut t,
        c,
        "LMPOP 1 l LEFT",
        "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n",
    );
}

#[test]
fn list_spanning_many_nodes_keeps_order() {
    let (mut t, c) = setup();
    check(&mut t, c, "CONFIG SET list-max-listpack-size 3", "+OK\r\n");
    for i in 0..20 {
        let reply = t.command(c, &[b"RPUSH", b"l", i.to_string().as_bytes()]);
        assert_eq!(reply, format!(":{}\r\n", i + 1).into_bytes());
    }
    check(&mut t, c, "LINSERT l BEFORE 10 x", ":21\r\n");
    check(&mut t, c, "LSET l 0 first", "+OK\r\n");
    check(&mut t, c, "LINDEX l 10", "$1\r\nx\r\n");
    check(&mut t, c, "LINDEX l 11", "$2\r\n10\r\n");
    check(
        &mut t,
        c,
        "LRANGE l 8 12",
        "*5\r\n$1\r\n8\r\n$1\r\n9\r\n$1\r\nx\r\n$2\r\n10\r\n$2\r\n11\r\n",
    );
    check(&mut t, c, "LREM l 0 x", ":1\r\n");
    check(&mut t, c, "LTRIM l 18 100", "+OK\r\n");
    check(&mut t, c, "LRANGE l 0 -1", "*2\r\n$2\r\n18\r\n$2\r\n19\r\n");
}

#[test]
fn hash_commands_and_encodings() {
    let (mut t, c) = setup();
    check(&mut t, c, "HSET h a 1 b 2", ":2\r\n");
    check(&mut t, c, "HSET h a 3", ":0\r\n");
    check(&mut t, c, "HGET h a", "$1\r\n3\r\n");
    check(
        &mut t,
        c,
        "HGETALL h",
        "*4\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    check(&mut t, c, "HINCRBY h a 10", ":13\r\n");
    check(&mut t, c, "HINCRBYFLOAT h b 0.5", "$3\r\n2.5\r\n");
    check(&mut t, c, "HDEL h a b", ":2\r\n");
    check(&mut t, c, "EXISTS h", ":0\r\n");
    check(&mut t, c, "HSET h f v", ":1\r\n");
    check(&mut t, c, "TYPE h", "+hash\r\n");
    check(
        &mut t,
        c,
        "LPUSH h x",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    t.command(c, &words("HELLO 3"));
    check(&mut t, c, "HGETALL h", "%1\r\n$1\r\nf\r\n$1\r\nv\r\n");
    check(
        &mut t,
        c,
        "HRANDFIELD h 1 WITHVALUES",
        "*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
    );
    check(&mut t, c, "HRANDFIELD h -2", "*2\r\n$1\r\nf\r\n$1\r\nf\r\n");
}

#[test]
fn hash_converts_to_a_table_past_the_thresholds() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "CONFIG SET hash-max-listpack-entries 4",
        "+OK\r\n",
    );
    for i in 0..10 {
        let field = format!("f{i}");
        t.command(c, &[b"HSET", b"h", field.as_bytes(), b"v"]);
    }
    check(&mut t, c, "HLEN h", ":10\r\n");
    check(&mut t, c, "HGET h f9", "$1\r\nv\r\n");
    check(&mut t, c, "HDEL h f0 f9", ":2\r\n");
    check(&mut t, c, "HEXISTS h f9", ":0\r\n");
    check(&mut t, c, "HEXISTS h f5", ":1\r\n");
    let scan = t.command(c, &words("HSCAN h 0 MATCH f5"));
    assert_eq!(scan, b"*2\r\n$1\r\n0\r\n*2\r\n$2\r\nf5\r\n$1\r\nv\r\n");
}

#[test]
fn debug_stringmatch_test_survives_hostile_patterns() {
    let mut config = vireo_server::config::Config::default();
    config.enable_debug_command = vireo_server::config::ProtectedAccess::Yes;
    let mut t = Transcript::with_config(config);
    let c = t.connect();
    check(
        &mut t,
        c,
        "DEBUG STRINGMATCH-TEST",
        "+Apparently Redis did not crash: test passed\r\n",
    );
}

#[test]
fn debug_object_shows_a_key_past_its_time_until_something_reclaims_it() {
    let mut config = vireo_server::config::Config::default();
    config.enable_debug_command = vireo_server::config::ProtectedAccess::Yes;
    let mut t = Transcript::with_config(config);
    let c = t.connect();
    check(&mut t, c, "SET brief v PX 10", "+OK\r\n");
    t.advance_ms(20);
    let shown = reply(&mut t, c, "DEBUG OBJECT brief");
    assert!(
        shown.starts_with(b"+Value at:"),
        "{:?}",
        String::from_utf8_lossy(&shown)
    );
    check(&mut t, c, "EXISTS brief", ":0\r\n");
    check(&mut t, c, "DEBUG OBJECT brief", "-ERR no such key\r\n");
}

#[test]
fn output_buffer_limits_close_slow_pubsub_readers() {
    let (mut t, publisher) = setup();
    let reader = t.connect();
    t.command(
        publisher,
        &[
            b"CONFIG",
            b"SET",
            b"client-output-buffer-limit",
            b"pubsub 64kb 0 0",
        ],
    );
    check(
        &mut t,
        reader,
        "SUBSCRIBE feed",
        "*3\r\n$9\r\nsubscribe\r\n$4\r\nfeed\r\n:1\r\n",
    );
    let message = vec![b'm'; 10 * 1024];
    for _ in 0..6 {
        assert_eq!(
            t.command(publisher, &[b"PUBLISH", b"feed", &message]),
            b":1\r\n"
        );
    }
    assert!(
        !t.is_closing(reader),
        "60 KB pending: still within 16 KB + 64 KB"
    );
    for _ in 0..3 {
        t.command(publisher, &[b"PUBLISH", b"feed", &message]);
    }
    assert!(
        t.is_closing(reader),
        "over the hard limit the reader is closed"
    );
    assert!(t.server.clients_to_close.contains(&1));
    let normal = t.connect();
    let big = vec![b'x'; 100 * 1024];
    t.command(normal, &[b"SET", b"big", &big]);
    for _ in 0..5 {
        t.command(normal, &[b"GET", b"big"]);
    }
    assert!(
        !t.is_closing(normal),
        "normal clients have no limit by default"
    );
}

#[test]
fn waiters_see_a_transaction_only_once_it_has_run() {
    let (mut t, waiter) = setup();
    let writer = t.connect();
    assert_eq!(t.command(waiter, &words("BLPOP list 0")), b"");
    check(&mut t, writer, "MULTI", "+OK\r\n");
    check(&mut t, writer, "LPUSH list a", "+QUEUED\r\n");
    check(&mut t, writer, "DEL list", "+QUEUED\r\n");
    check(&mut t, writer, "EXEC", "*2\r\n:1\r\n:1\r\n");
    assert_eq!(
        t.send(waiter, b""),
        b"",
        "the pushed element was gone by then"
    );
    check(&mut t, writer, "MULTI", "+OK\r\n");
    check(&mut t, writer, "RPUSH list b c", "+QUEUED\r\n");
    check(&mut t, writer, "LPOP list", "+QUEUED\r\n");
    check(&mut t, writer, "EXEC", "*2\r\n:2\r\n$1\r\nb\r\n");
    assert_eq!(t.send(waiter, b""), b"*2\r\n$4\r\nlist\r\n$1\r\nc\r\n");
}

#[test]
fn blpop_waits_for_a_push_first_come_first_served() {
    let (mut t, first) = setup();
    let second = t.connect();
    let pusher = t.connect();
    assert_eq!(t.command(first, &words("BLPOP q1 q2 0")), b"");
    assert_eq!(t.command(second, &words("BLPOP q2 0")), b"");
    assert_eq!(
        t.command(first, &words("PING")),
        b"",
        "a blocked client runs nothing else meanwhile"
    );
    check(&mut t, pusher, "RPUSH q2 a b", ":2\r\n");
    assert_eq!(
        t.send(first, b""),
        b"*2\r\n$2\r\nq2\r\n$1\r\na\r\n+PONG\r\n"
    );
    assert_eq!(t.send(second, b""), b"*2\r\n$2\r\nq2\r\n$1\r\nb\r\n");
    check(&mut t, pusher, "EXISTS q2", ":0\r\n");
    let info = String::from_utf8_lossy(&t.command(pusher, &words("INFO clients"))).into_owned();
    assert!(info.contains("blocked_clients:0"), "{info}");
}

#[test]
fn blocking_timeouts_reply_nothing() {
    let (mut t, c) = setup();
    assert_eq!(t.command(c, &words("BRPOP q 0.5")), b"");
    t.advance_ms(400);
    t.server.expire_blocked_clients();
    assert_eq!(t.send(c, b""), b"");
    t.advance_ms(101);
    t.server.expire_blocked_clients();
    assert_eq!(t.send(c, b""), b"*-1\r\n");
    assert_eq!(t.command(c, &words("BLMOVE a b LEFT RIGHT 0.01")), b"");
    t.advance_ms(11);
    t.server.expire_blocked_clients();
    assert_eq!(
        t.send(c, b""),
        b"*-1\r\n",
        "Redis replies a null array here too"
    );
    check(&mut t, c, "BLPOP q -1", "-ERR timeout is negative\r\n");
    check(
        &mut t,
        c,
        "BLPOP q x",
        "-ERR timeout is not a float or out of range\r\n",
    );
}

#[test]
fn blmove_chains_wake_the_next_waiter() {
    let (mut t, mover) = setup();
    let consumer = t.connect();
    let producer = t.connect();
    assert_eq!(t.command(mover, &words("BLMOVE in mid LEFT RIGHT 0")), b"");
    assert_eq!(t.command(consumer, &words("BLPOP mid 0")), b"");
    check(&mut t, producer, "LPUSH in job", ":1\r\n");
    assert_eq!(t.send(mover, b""), b"$3\r\njob\r\n");
    assert_eq!(t.send(consumer, b""), b"*2\r\n$3\r\nmid\r\n$3\r\njob\r\n");
}

#[test]
fn blocking_commands_do_not_block_inside_exec_and_can_be_unblocked() {
    let (mut t, c) = setup();
    let admin = t.connect();
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "BLPOP q 0", "+QUEUED\r\n");
    check(&mut t, c, "BRPOPLPUSH q r 0", "+QUEUED\r\n");
    check(&mut t, c, "EXEC", "*2\r\n*-1\r\n$-1\r\n");
    assert_eq!(t.command(c, &words("BLPOP q 0")), b"");
    check(&mut t, admin, "CLIENT UNBLOCK 1", ":1\r\n");
    assert_eq!(t.send(c, b""), b"*-1\r\n");
    assert_eq!(t.command(c, &words("BLPOP q 0")), b"");
    check(&mut t, admin, "CLIENT UNBLOCK 1 ERROR", ":1\r\n");
    assert_eq!(
        t.send(c, b""),
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
    check(&mut t, admin, "CLIENT UNBLOCK 1", ":0\r\n");
    check(
        &mut t,
        admin,
        "CLIENT UNBLOCK 1 BOGUS",
        "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n",
    );
}

/// The payload of a bulk reply.
fn bulk_payload(reply: &[u8]) -> Vec<u8> {
    let header_end = reply
        .windows(2)
        .position(|window| window == b"\r\n")
        .expect("bulk header");
    reply[header_end + 2..reply.len() - 2].to_vec()
}

#[test]
fn restore_sets_idle_time_and_expiry_against_the_clock() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET foo bar", "+OK\r\n");
    let payload = bulk_payload(&t.command(c, &words("DUMP foo")));
    assert_eq!(
        payload,
        b"\x00\x03bar\x0a\x00\xe6\xbe\x49\x60\xee\x66\xfd\x17"
    );
    let restore = |t: &mut Transcript, key: &str, ttl: &str, options: &str| {
        let mut args: Vec<&[u8]> = vec![b"RESTORE", key.as_bytes(), ttl.as_bytes(), &payload];
        args.extend(words(options));
        t.command(c, &args)
    };
    assert_eq!(restore(&mut t, "idle", "0", "IDLETIME 1000"), b"+OK\r\n");
    check(&mut t, c, "OBJECT IDLETIME idle", ":1000\r\n");
    t.advance_ms(3000);
    check(&mut t, c, "OBJECT IDLETIME idle", ":1003\r\n");
    assert_eq!(restore(&mut t, "ttl", "5000", ""), b"+OK\r\n");
    check(&mut t, c, "PTTL ttl", ":5000\r\n");
    t.advance_ms(5001);
    check(&mut t, c, "EXISTS ttl", ":0\r\n");
    // An absolute time in the past creates nothing; with REPLACE it still
    // deletes what was there.
    assert_eq!(restore(&mut t, "foo", "1", "ABSTTL REPLACE"), b"+OK\r\n");
    check(&mut t, c, "EXISTS foo", ":0\r\n");
    check(&mut t, c, "DBSIZE", ":1\r\n");
}

/// Bulk strings of a flat array reply, in order.
fn bulks(reply: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(reply);
    let lines: Vec<&str> = text.split("\r\n").collect();
    let mut out = Vec::new();
    let mut index = 1;
    while index + 1 < lines.len() {
        if lines[index].starts_with('$') {
            out.push(lines[index + 1].as_bytes().to_vec());
            index += 2;
        } else {
            index += 1;
        }
    }
    out
}

#[test]
fn sets_and_sorted_sets_report_their_type_and_expire() {
    let (mut t, c) = setup();
    check(&mut t, c, "SADD s a", ":1\r\n");
    check(&mut t, c, "ZADD z 1 a", ":1\r\n");
    check(&mut t, c, "TYPE s", "+set\r\n");
    check(&mut t, c, "TYPE z", "+zset\r\n");
    check(&mut t, c, "PEXPIRE s 100", ":1\r\n");
    t.advance_ms(101);
    check(&mut t, c, "SCARD s", ":0\r\n");
    check(
        &mut t,
        c,
        "GET z",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
}

#[test]
fn resp3_uses_sets_doubles_and_pairs() {
    let (mut t, c) = setup();
    t.command(c, &words("HELLO 3"));
    check(&mut t, c, "SADD s 2 1", ":2\r\n");
    check(&mut t, c, "SMEMBERS s", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    check(&mut t, c, "ZADD z 0.1 a 2 b", ":2\r\n");
    check(&mut t, c, "ZSCORE z a", ",0.10000000000000001\r\n");
    check(
        &mut t,
        c,
        "ZRANGE z 0 -1 WITHSCORES",
        "*2\r\n*2\r\n$1\r\na\r\n,0.10000000000000001\r\n*2\r\n$1\r\nb\r\n,2\r\n",
    );
    check(
        &mut t,
        c,
        "ZPOPMIN z",
        "*2\r\n$1\r\na\r\n,0.10000000000000001\r\n",
    );
    check(&mut t, c, "ZPOPMIN z 1", "*1\r\n*2\r\n$1\r\nb\r\n,2\r\n");
    check(&mut t, c, "SPOP nope 1", "~0\r\n");
    check(&mut t, c, "SPOP nope", "_\r\n");
}

#[test]
fn random_replies_follow_redis_count_rules() {
    let (mut t, c) = setup();
    check(&mut t, c, "SADD s a b c d e f g h i j", ":10\r\n");
    check(&mut t, c, "ZADD z 1 a 2 b 3 c 4 d 5 e", ":5\r\n");
    let members: Vec<&[u8]> = vec![b"a", b"b", b"c", b"d", b"e", b"f", b"g", b"h", b"i", b"j"];
    for _ in 0..20 {
        // Positive counts: distinct members, at most the set's size.
        let distinct = bulks(&t.command(c, &words("SRANDMEMBER s 4")));
        assert_eq!(distinct.len(), 4);
        let mut sorted = distinct.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            4,
            "SRANDMEMBER 4 repeated a member: {distinct:?}"
        );
        assert!(distinct.iter().all(|m| members.contains(&m.as_slice())));
        // Negative counts: exactly |count| members, repeats allowed.
        let repeated = bulks(&t.command(c, &words("SRANDMEMBER s -25")));
        assert_eq!(repeated.len(), 25);
        assert!(repeated.iter().all(|m| members.contains(&m.as_slice())));
        let sampled = bulks(&t.command(c, &words("ZRANDMEMBER z -7 WITHSCORES")));
        assert_eq!(sampled.len(), 14);
        for pair in sampled.chunks(2) {
            let expected_score = (pair[0][0] - b'a' + 1).to_string();
            assert_eq!(pair[1], expected_score.as_bytes());
        }
    }
    let whole = bulks(&t.command(c, &words("SRANDMEMBER s 100")));
    assert_eq!(whole.len(), 10);
    let popped = bulks(&t.command(c, &words("SPOP s 3")));
    assert_eq!(popped.len(), 3);
    check(&mut t, c, "SCARD s", ":7\r\n");
    for member in &popped {
        let reply = t.command(c, &[b"SISMEMBER", b"s", member]);
        assert_eq!(reply, b":0\r\n", "popped member still present");
    }
    let rest = bulks(&t.command(c, &words("SPOP s 100")));
    assert_eq!(rest.len(), 7);
    check(&mut t, c, "EXISTS s", ":0\r\n");
}

#[test]
fn config_set_changes_encoding_thresholds_at_run_time() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "CONFIG SET zset-max-ziplist-entries 2",
        "+OK\r\n",
    );
    check(
        &mut t,
        c,
        "CONFIG GET zset-max-listpack-entries",
        "*2\r\n$25\r\nzset-max-listpack-entries\r\n$1\r\n2\r\n",
    );
    check(&mut t, c, "CONFIG SET set-max-intset-entries 1", "+OK\r\n");
    // Behaviour is the same in every encoding; the conversions themselves
    // are covered by the data-structure property tests.
    check(&mut t, c, "ZADD z 3 c 1 a 2 b", ":3\r\n");
    check(
        &mut t,
        c,
        "ZRANGE z 0 -1",
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    check(&mut t, c, "ZRANK z c", ":2\r\n");
    check(&mut t, c, "SADD s 3 1 2", ":3\r\n");
    check(&mut t, c, "SCARD s", ":3\r\n");
    check(&mut t, c, "SISMEMBER s 2", ":1\r\n");
}

/// The integer reply to `line`.
fn integer(t: &mut Transcript, client: ClientHandle, line: &str) -> i64 {
    let reply = String::from_utf8_lossy(&t.command(client, &words(line))).into_owned();
    reply
        .strip_prefix(':')
        .and_then(|rest| rest.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("{line}: not an integer reply: {reply:?}"))
}

#[test]
fn memory_usage_grows_with_the_value() {
    let (mut t, c) = setup();
    check(&mut t, c, "MEMORY USAGE missing", "$-1\r\n");
    check(&mut t, c, "SET small v", "+OK\r\n");
    t.command(c, &[b"SET", b"big", &[b'x'; 10_000]]);
    let small = integer(&mut t, c, "MEMORY USAGE small");
    let big = integer(&mut t, c, "MEMORY USAGE big");
    assert!(small > 0 && big >= small + 10_000, "{small} {big}");
    // One collection of each type, small then grown; every encoding must
    // report more once it holds more.
    type Grower = (&'static str, &'static str, fn(usize) -> String);
    let grow: &[Grower] = &[
        ("hash", "HSET", |n| format!("field{n} value{n}")),
        ("list", "RPUSH", |n| format!("element-number-{n}")),
        ("set", "SADD", |n| format!("member-{n}")),
        ("intset", "SADD", |n| format!("{n}")),
        ("zset", "ZADD", |n| format!("{n} member-{n}")),
    ];
    for (key, command, element) in grow {
        t.command(c, &words(&format!("{command} {key} {}", element(0))));
        let one = integer(&mut t, c, &format!("MEMORY USAGE {key}"));
        for n in 1..1000 {
            t.command(c, &words(&format!("{command} {key} {}", element(n))));
        }
        let many = integer(&mut t, c, &format!("MEMORY USAGE {key} SAMPLES 0"));
        assert!(many > one + 1000, "{key}: {one} then {many}");
        let sampled = integer(&mut t, c, &format!("MEMORY USAGE {key}"));
        assert!(sampled > one + 1000, "{key}: sampled {sampled}");
    }
}

#[test]
fn memory_usage_options_fail_like_redis() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k v", "+OK\r\n");
    for line in [
        "MEMORY USAGE k SAMPLES",
        "MEMORY USAGE k SAMPLES -1",
        "MEMORY USAGE k FOO",
        "MEMORY USAGE k SAMPLES 5 FOO",
    ] {
        check(&mut t, c, line, "-ERR syntax error\r\n");
    }
    check(
        &mut t,
        c,
        "MEMORY USAGE missing SAMPLES x",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut t,
        c,
        "MEMORY USAGE",
        "-ERR wrong number of arguments for 'memory|usage' command\r\n",
    );
    check(
        &mut t,
        c,
        "MEMORY NOSUCH",
        "-ERR unknown subcommand 'NOSUCH'. Try MEMORY HELP.\r\n",
    );
}

#[test]
fn memory_stats_names_redis_fields_in_order() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k v", "+OK\r\n");
    check(&mut t, c, "SELECT 3", "+OK\r\n");
    check(&mut t, c, "SET k v", "+OK\r\n");
    let reply = String::from_utf8_lossy(&t.command(c, &words("MEMORY STATS"))).into_owned();
    assert!(
        reply.starts_with("*58\r\n"),
        "27 fields and 2 databases: {reply}"
    );
    let names: Vec<&str> = reply
        .split("\r\n")
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|pair| pair[0].starts_with('$'))
        .map(|pair| pair[1])
        .collect();
    let expected = [
        "peak.allocated",
        "total.allocated",
        "startup.allocated",
        "replication.backlog",
        "clients.slaves",
        "clients.normal",
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
        "db.0",
        "overhead.hashtable.main",
        "overhead.hashtable.expires",
        "overhead.hashtable.slot-to-keys",
        "db.3",
        "overhead.hashtable.main",
        "overhead.hashtable.expires",
        "overhead.hashtable.slot-to-keys",
        "overhead.total",
        "keys.count",
        "keys.bytes-per-key",
        "dataset.bytes",
        "dataset.percentage",
        "peak.percentage",
        "allocator.allocated",
        "allocator.active",
        "allocator.resident",
        "allocator-fragmentation.ratio",
        "allocator-fragmentation.bytes",
        "allocator-rss.ratio",
        "allocator-rss.bytes",
        "rss-overhead.ratio",
        "rss-overhead.bytes",
        "fragmentation",
        "fragmentation.bytes",
    ];
    // Double values are bulk strings in RESP2; keep only the names.
    let names: Vec<&str> = names
        .into_iter()
        .filter(|name| !name.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(names, expected);
    assert!(reply.contains("keys.count\r\n:2\r\n"), "{reply}");
    let doctor = t.command(c, &words("MEMORY DOCTOR"));
    assert!(doctor.starts_with(b"$") && doctor.len() > 50);
    check(&mut t, c, "MEMORY PURGE", "+OK\r\n");
    let malloc = String::from_utf8_lossy(&t.command(c, &words("MEMORY MALLOC-STATS"))).into_owned();
    assert!(malloc.contains("jemalloc"), "{malloc}");
}

/// (keyspace_hits, keyspace_misses) from INFO stats.
fn lookup_stats(t: &mut Transcript, client: ClientHandle) -> (u64, u64) {
    let info = String::from_utf8_lossy(&t.command(client, &words("INFO stats"))).into_owned();
    let field = |name: &str| -> u64 {
        info.split("\r\n")
            .find_map(|line| line.strip_prefix(name))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {info}"))
    };
    (field("keyspace_hits:"), field("keyspace_misses:"))
}

#[test]
fn keyspace_hits_and_misses_count_reads_only() {
    let (mut t, c) = setup();
    check(&mut t, c, "SET k v", "+OK\r\n");
    check(&mut t, c, "SET gone v PX 100", "+OK\r\n");
    assert_eq!(lookup_stats(&mut t, c), (0, 0), "writes do not count");
    t.command(c, &words("GET k"));
    t.command(c, &words("GET missing"));
    t.command(c, &words("MGET k missing k"));
    assert_eq!(lookup_stats(&mut t, c), (3, 2));
    t.advance_ms(200);
    t.command(c, &words("GET gone"));
    assert_eq!(lookup_stats(&mut t, c), (3, 3), "an expired key is a miss");
    for uncounted in ["MEMORY USAGE k", "MEMORY USAGE missing", "SCAN 0", "KEYS *"] {
        t.command(c, &words(uncounted));
    }
    t.command(c, &words("SET k v2"));
    t.command(c, &words("DEL missing"));
    assert_eq!(lookup_stats(&mut t, c), (3, 3));
    t.command(c, &words("OBJECT ENCODING k"));
    t.command(c, &words("TYPE missing"));
    t.command(c, &words("SET k v3 GET"));
    assert_eq!(lookup_stats(&mut t, c), (5, 4));
    // Inside a transaction each command counts as it would alone.
    t.command(c, &words("MULTI"));
    t.command(c, &words("GET k"));
    t.command(c, &words("SET k v4"));
    t.command(c, &words("EXEC"));
    assert_eq!(lookup_stats(&mut t, c), (6, 4));
    check(&mut t, c, "CONFIG RESETSTAT", "+OK\r\n");
    assert_eq!(lookup_stats(&mut t, c), (0, 0));
}

#[test]
fn bzpopmin_waits_for_a_zadd_first_come_first_served() {
    let (mut t, first) = setup();
    let second = t.connect();
    let writer = t.connect();
    assert_eq!(t.command(first, &words("BZPOPMIN z1 z2 0")), b"");
    assert_eq!(t.command(second, &words("BZPOPMAX z2 0")), b"");
    check(&mut t, writer, "ZADD z2 1 a 2 b 3 c", ":3\r\n");
    assert_eq!(
        t.send(first, b""),
        b"*3\r\n$2\r\nz2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        t.send(second, b""),
        b"*3\r\n$2\r\nz2\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    check(&mut t, writer, "ZRANGE z2 0 -1", "*1\r\n$1\r\nb\r\n");
    check(
        &mut t,
        writer,
        "BZPOPMAX nosuch z2 0",
        "*3\r\n$2\r\nz2\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    check(&mut t, writer, "EXISTS z2", ":0\r\n");
}

#[test]
fn bzmpop_replies_like_zmpop_and_wakes_on_store_commands() {
    let (mut t, c) = setup();
    let writer = t.connect();
    assert_eq!(t.command(c, &words("BZMPOP 0 2 a b MAX COUNT 5")), b"");
    check(&mut t, writer, "ZADD src 1 x 2.5 y", ":2\r\n");
    check(&mut t, writer, "ZUNIONSTORE b 1 src", ":2\r\n");
    assert_eq!(
        t.send(c, b""),
        b"*2\r\n$1\r\nb\r\n*2\r\n*2\r\n$1\r\ny\r\n$3\r\n2.5\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n"
    );
    check(&mut t, c, "EXISTS b", ":0\r\n");
    check(
        &mut t,
        c,
        "BZMPOP 0 1 src MIN",
        "*2\r\n$3\r\nsrc\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n",
    );
    assert_eq!(t.command(c, &words("BZMPOP 0 1 n MIN")), b"");
    check(&mut t, writer, "ZINCRBY n 4 m", "$1\r\n4\r\n");
    assert_eq!(
        t.send(c, b""),
        b"*2\r\n$1\r\nn\r\n*1\r\n*2\r\n$1\r\nm\r\n$1\r\n4\r\n"
    );
}

#[test]
fn blocked_zset_and_list_clients_wait_for_their_own_type() {
    let (mut t, list_waiter) = setup();
    let zset_waiter = t.connect();
    let writer = t.connect();
    assert_eq!(t.command(list_waiter, &words("BLPOP k 0")), b"");
    assert_eq!(t.command(zset_waiter, &words("BZPOPMIN k 0")), b"");
    check(&mut t, writer, "ZADD k 7 m", ":1\r\n");
    assert_eq!(
        t.send(list_waiter, b""),
        b"",
        "a sorted set does not serve a list wait"
    );
    assert_eq!(
        t.send(zset_waiter, b""),
        b"*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n7\r\n"
    );
    assert_eq!(t.command(zset_waiter, &words("BZPOPMIN k 0")), b"");
    check(&mut t, writer, "RPUSH k v", ":1\r\n");
    assert_eq!(
        t.send(zset_waiter, b""),
        b"",
        "a list does not serve a sorted-set wait"
    );
    assert_eq!(t.send(list_waiter, b""), b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
    check(&mut t, writer, "RPUSH k v", ":1\r\n");
    check(
        &mut t,
        writer,
        "BZPOPMIN k 0",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
}

#[test]
fn blocking_zset_pops_time_out_and_do_not_block_inside_exec() {
    let (mut t, c) = setup();
    assert_eq!(t.command(c, &words("BZPOPMAX z 0.5")), b"");
    t.advance_ms(499);
    t.server.expire_blocked_clients();
    assert_eq!(t.send(c, b""), b"");
    t.advance_ms(1);
    t.server.expire_blocked_clients();
    assert_eq!(t.send(c, b""), b"*-1\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "BZPOPMIN z 0", "+QUEUED\r\n");
    check(&mut t, c, "BZMPOP 0 1 z MIN", "+QUEUED\r\n");
    check(&mut t, c, "EXEC", "*2\r\n*-1\r\n*-1\r\n");
    check(&mut t, c, "BZPOPMIN z -1", "-ERR timeout is negative\r\n");
    check(
        &mut t,
        c,
        "BZPOPMIN z x",
        "-ERR timeout is not a float or out of range\r\n",
    );
    check(
        &mut t,
        c,
        "BZMPOP x 0 z MIN",
        "-ERR numkeys should be greater than 0\r\n",
    );
    check(
        &mut t,
        c,
        "BZMPOP x 1 z MIN",
        "-ERR timeout is not a float or out of range\r\n",
    );
    check(&mut t, c, "BZMPOP 0 1 z MIDDLE", "-ERR syntax error\r\n");
    check(
        &mut t,
        c,
        "BZMPOP 0 1 z MIN COUNT 0",
        "-ERR count should be greater than 0\r\n",
    );
}

#[test]
fn sort_store_writes_a_list_and_wakes_list_waiters() {
    let (mut t, waiter) = setup();
    let c = t.connect();
    check(&mut t, c, "RPUSH l 3 1 2", ":3\r\n");
    check(&mut t, c, "HSET h_1 n one", ":1\r\n");
    assert_eq!(t.command(waiter, &words("BLPOP dst 0")), b"");
    check(&mut t, c, "SORT l GET h_*->n GET # STORE dst", ":6\r\n");
    assert_eq!(t.send(waiter, b""), b"*2\r\n$3\r\ndst\r\n$3\r\none\r\n");
    check(
        &mut t,
        c,
        "LRANGE dst 0 -1",
        "*5\r\n$1\r\n1\r\n$0\r\n\r\n$1\r\n2\r\n$0\r\n\r\n$1\r\n3\r\n",
    );
    check(&mut t, c, "SORT l LIMIT 5 1 STORE dst", ":0\r\n");
    check(&mut t, c, "EXISTS dst", ":0\r\n");
}

/// A directory of its own under the system's temporary directory, removed
/// when dropped.
struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    fn new(label: &str) -> ScratchDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("vireo-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        ScratchDir(path)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn transcript_from_file(path: &std::path::Path) -> Transcript {
    let args = vec![path.display().to_string()];
    match vireo_server::config::Config::from_args(&args).unwrap() {
        vireo_server::config::Invocation::Run(config) => Transcript::with_config(*config),
        other => panic!("expected a configuration, got {other:?}"),
    }
}

#[test]
fn config_rewrite_without_a_file() {
    let (mut t, c) = setup();
    check(
        &mut t,
        c,
        "CONFIG REWRITE",
        "-ERR The server is running without a config file\r\n",
    );
}

#[test]
fn config_rewrite_keeps_the_layout_and_reloads_identically() {
    let scratch = ScratchDir::new("rewrite");
    let path = scratch.0.join("redis.conf");
    std::fs::write(
        &path,
        "# Vireo test configuration\n\
         \n\
         port 6399\n\
         hz 20\n\
         # persistence\n\
         save 900 1\n\
         save 300 10\n\
         slave-read-only no\n\
         logfile \"\"\n\
         hz 30\n\
         \n\
         \n\
         maxmemory-policy allkeys-lru\n",
    )
    .unwrap();
    let mut t = transcript_from_file(&path);
    let c = t.connect();
    check(&mut t, c, "CONFIG GET hz", "*2\r\n$2\r\nhz\r\n$2\r\n30\r\n");
    let reply = t.command(c, &[b"CONFIG", b"SET", b"save", b"3600 1 60 5000 10 7"]);
    assert_eq!(reply, b"+OK\r\n");
    check(&mut t, c, "CONFIG SET hz 10 maxmemory 3mb", "+OK\r\n");
    let reply = t.command(c, &[b"CONFIG", b"SET", b"notify-keyspace-events", b"Kx"]);
    assert_eq!(reply, b"+OK\r\n");
    let reply = t.command(c, &[b"CONFIG", b"SET", b"masteruser", b"a \"b\""]);
    assert_eq!(reply, b"+OK\r\n");
    check(&mut t, c, "CONFIG REWRITE", "+OK\r\n");
    let cwd = std::env::current_dir().unwrap();
    let expected = format!(
        "# Vireo test configuration\n\
         \n\
         port 6399\n\
         hz 10\n\
         # persistence\n\
         save 3600 1\n\
         save 60 5000\n\
         replica-read-only no\n\
         logfile \"\"\n\
         \n\
         maxmemory-policy allkeys-lru\n\
         \n\
         # Generated by CONFIG REWRITE\n\
         masteruser \"a \\\"b\\\"\"\n\
         maxmemory 3mb\n\
         dir \"{}\"\n\
         save 10 7\n\
         notify-keyspace-events \"xK\"\n\
         latency-tracking-info-percentiles 50 99 99.9\n",
        cwd.display()
    );
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, expected);

    let everything = t.command(c, &words("CONFIG GET *"));
    let mut reloaded = transcript_from_file(&path);
    let r = reloaded.connect();
    assert_eq!(
        String::from_utf8_lossy(&reloaded.command(r, &words("CONFIG GET *"))),
        String::from_utf8_lossy(&everything),
        "the rewritten file reads back as the running configuration"
    );

    // Redis compat: the file's final newline reads as one more, empty,
    // line, so a second rewrite ends the file with a blank line, and a
    // third changes nothing.
    check(&mut t, c, "CONFIG REWRITE", "+OK\r\n");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{expected}\n")
    );
    check(&mut t, c, "CONFIG REWRITE", "+OK\r\n");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{expected}\n")
    );
}

#[test]
fn config_rewrite_failure_keeps_the_old_file() {
    let scratch = ScratchDir::new("rewrite-failure");
    let path = scratch.0.join("redis.conf");
    std::fs::write(&path, "hz 20\n").unwrap();
    let mut t = transcript_from_file(&path);
    let c = t.connect();
    // A directory where the temporary file would go makes creating it fail.
    let blocker = scratch
        .0
        .join(format!("redis.conf.rewrite-{}", std::process::id()));
    std::fs::create_dir(&blocker).unwrap();
    check(
        &mut t,
        c,
        "CONFIG REWRITE",
        "-ERR Rewriting config file: Is a directory\r\n",
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hz 20\n");
    assert!(
        blocker.is_dir(),
        "the failed rewrite removes nothing it did not create"
    );
}

/// Reads an integer field of `INFO memory`.
fn info_memory_field(t: &mut Transcript, client: ClientHandle, name: &str) -> u64 {
    let reply = t.command(client, &words("INFO memory"));
    let text = String::from_utf8_lossy(&reply).into_owned();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}:")))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Waits (bounded) until the background freer has nothing pending.
fn wait_for_lazyfree(t: &mut Transcript, client: ClientHandle) {
    for _ in 0..500 {
        if info_memory_field(t, client, "lazyfree_pending_objects") == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("lazyfree_pending_objects never reached 0");
}

#[test]
fn unlink_and_async_flushes_free_big_values_in_the_background() {
    let (mut t, c) = setup();
    let mut sadd = vec![b"SADD".to_vec(), b"big".to_vec()];
    sadd.extend((0..1000).map(|i| format!("m{i}").into_bytes()));
    let sadd: Vec<&[u8]> = sadd.iter().map(Vec::as_slice).collect();
    check(&mut t, c, "SADD small a b c", ":3\r\n");
    assert_eq!(t.command(c, &sadd), b":1000\r\n");
    // Small values are freed in place: nothing counted.
    check(&mut t, c, "UNLINK small missing", ":1\r\n");
    check(&mut t, c, "UNLINK big", ":1\r\n");
    check(&mut t, c, "EXISTS big", ":0\r\n");
    wait_for_lazyfree(&mut t, c);
    assert_eq!(info_memory_field(&mut t, c, "lazyfreed_objects"), 1);

    // DEL frees in place unless lazyfree-lazy-user-del says otherwise.
    assert_eq!(t.command(c, &sadd), b":1000\r\n");
    check(&mut t, c, "DEL big", ":1\r\n");
    assert_eq!(info_memory_field(&mut t, c, "lazyfreed_objects"), 1);
    check(
        &mut t,
        c,
        "CONFIG SET lazyfree-lazy-user-del yes",
        "+OK\r\n",
    );
    assert_eq!(t.command(c, &sadd), b":1000\r\n");
    check(&mut t, c, "DEL big", ":1\r\n");
    wait_for_lazyfree(&mut t, c);
    assert_eq!(info_memory_field(&mut t, c, "lazyfreed_objects"), 2);

    // An async flush hands over every key of the database.
    check(&mut t, c, "CONFIG RESETSTAT", "+OK\r\n");
    check(&mut t, c, "MSET a 1 b 2 c 3", "+OK\r\n");
    check(&mut t, c, "FLUSHDB ASYNC", "+OK\r\n");
    check(&mut t, c, "DBSIZE", ":0\r\n");
    wait_for_lazyfree(&mut t, c);
    assert_eq!(info_memory_field(&mut t, c, "lazyfreed_objects"), 3);
    check(&mut t, c, "MSET a 1 b 2", "+OK\r\n");
    check(&mut t, c, "FLUSHALL SYNC", "+OK\r\n");
    assert_eq!(info_memory_field(&mut t, c, "lazyfreed_objects"), 3);
    check(
        &mut t,
        c,
        "CONFIG SET lazyfree-lazy-user-flush yes",
        "+OK\r\n",
    );
    check(&mut t, c, "MSET a 1 b 2", "+OK\r\n");
    check(&mut t, c, "FLUSHALL", "+OK\r\n");
    wait_for_lazyfree(&mut t, c);
    assert_eq!(info_memory_field(&mut t, c, "lazyfreed_objects"), 5);
    check(&mut t, c, "FLUSHALL BOGUS", "-ERR syntax error\r\n");
}

#[test]
fn client_pause_write_also_holds_back_commands_that_may_replicate() {
    let (mut t, admin) = setup();
    let publisher = t.connect();
    let counter = t.connect();
    check(&mut t, admin, "PFADD hll a", ":1\r\n");
    check(&mut t, admin, "CLIENT PAUSE 100000 WRITE", "+OK\r\n");
    // Redis compat: PUBLISH and PFCOUNT can reach the replication stream.
    assert_eq!(t.command(publisher, &words("PUBLISH ch hello")), b"");
    assert_eq!(t.command(counter, &words("PFCOUNT hll")), b"");
    let info = String::from_utf8_lossy(&t.command(admin, &words("INFO clients"))).into_owned();
    assert!(info.contains("blocked_clients:2\r\n"), "{info}");
    check(&mut t, admin, "CLIENT UNPAUSE", "+OK\r\n");
    assert_eq!(t.send(publisher, b""), b":0\r\n");
    assert_eq!(t.send(counter, b""), b":1\r\n");
}

#[test]
fn swapdb_dooms_watches_of_keys_it_changes_even_if_they_did_not_exist() {
    let (mut t, c) = setup();
    // A missing key that SWAPDB brings in.
    check(&mut t, c, "SELECT 1", "+OK\r\n");
    check(&mut t, c, "SET x 30", "+OK\r\n");
    check(&mut t, c, "SELECT 0", "+OK\r\n");
    check(&mut t, c, "WATCH x", "+OK\r\n");
    check(&mut t, c, "SWAPDB 0 1", "+OK\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "PING", "+QUEUED\r\n");
    check(&mut t, c, "EXEC", "*-1\r\n");
    // A key missing on both sides is no change.
    check(&mut t, c, "FLUSHALL", "+OK\r\n");
    check(&mut t, c, "WATCH y", "+OK\r\n");
    check(&mut t, c, "SWAPDB 0 1", "+OK\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "PING", "+QUEUED\r\n");
    check(&mut t, c, "EXEC", "*1\r\n+PONG\r\n");
}

#[test]
fn config_rewrite_force_all_writes_every_option_and_reads_back_identically() {
    let scratch = ScratchDir::new("rewrite-all");
    let path = scratch.0.join("redis.conf");
    std::fs::write(&path, "port 6398\nenable-debug-command yes\n").unwrap();
    let mut t = transcript_from_file(&path);
    let c = t.connect();
    let before = t.command(c, &[b"CONFIG", b"GET", b"*"]);
    check(&mut t, c, "DEBUG CONFIG-REWRITE-FORCE-ALL", "+OK\r\n");
    let text = std::fs::read_to_string(&path).unwrap();
    // Defaults are written too, not only what differs.
    assert!(text.contains("\nhz 10\n"), "{text}");
    assert!(text.contains("\nmaxmemory-policy noeviction\n"), "{text}");
    let mut reloaded = transcript_from_file(&path);
    let c = reloaded.connect();
    assert_eq!(reloaded.command(c, &[b"CONFIG", b"GET", b"*"]), before);
}

/// The `cmdstat_<name>` line of INFO commandstats.
fn command_stat(t: &mut Transcript, c: ClientHandle, name: &str) -> String {
    let info = String::from_utf8(t.command(c, &[b"INFO", b"commandstats"])).unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("cmdstat_{name}:")))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn errors_inside_exec_fail_the_queued_command_not_exec() {
    let (mut t, c) = setup();
    check(&mut t, c, "CONFIG RESETSTAT", "+OK\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "SET a b", "+QUEUED\r\n");
    check(&mut t, c, "AUTH a", "+QUEUED\r\n");
    let reply = t.command(c, &[b"EXEC"]);
    assert!(reply.starts_with(b"*2\r\n+OK\r\n-ERR AUTH"), "{reply:?}");
    assert!(command_stat(&mut t, c, "set").ends_with("rejected_calls=0,failed_calls=0"));
    assert!(command_stat(&mut t, c, "auth").ends_with("rejected_calls=0,failed_calls=1"));
    let exec = command_stat(&mut t, c, "exec");
    assert!(
        exec.starts_with("calls=1,") && exec.ends_with("failed_calls=0"),
        "{exec}"
    );
    check(&mut t, c, "EXEC", "-ERR EXEC without MULTI\r\n");
    let exec = command_stat(&mut t, c, "exec");
    assert!(
        exec.starts_with("calls=2,") && exec.ends_with("failed_calls=1"),
        "{exec}"
    );
}

#[test]
fn a_blocked_command_ended_by_client_unblock_error_counts_as_one_failed_call() {
    let (mut t, c) = setup();
    let waiter = t.connect();
    check(&mut t, c, "CONFIG RESETSTAT", "+OK\r\n");
    let id = String::from_utf8(t.command(waiter, &[b"CLIENT", b"ID"])).unwrap();
    let id = id.trim_start_matches(':').trim_end().to_string();
    assert_eq!(t.command(waiter, &[b"BLPOP", b"list", b"0"]), b"");
    check(&mut t, c, &format!("CLIENT UNBLOCK {id} ERROR"), ":1\r\n");
    assert_eq!(
        t.send(waiter, b""),
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
    let blpop = command_stat(&mut t, c, "blpop");
    assert!(
        blpop.starts_with("calls=1,") && blpop.ends_with("failed_calls=1"),
        "{blpop}"
    );
}

#[test]
fn client_list_splits_pending_output_into_buffer_and_list_as_redis() {
    let (mut t, c) = setup();
    let subscriber = t.connect();
    t.command(subscriber, &[b"SUBSCRIBE", b"news"]);
    let message = vec![b'x'; 10_000];
    for _ in 0..3 {
        t.command(c, &[b"PUBLISH", b"news", &message]);
    }
    let list = String::from_utf8(t.command(c, &[b"CLIENT", b"LIST"])).unwrap();
    let line = list
        .lines()
        .find(|line| line.contains("flags=P"))
        .expect("the subscriber");
    // Three messages of 10,000 bytes plus their framing: 16 KiB in the
    // buffer, the other 13.7 KB in one list node.
    assert!(line.contains(" obl=16384 oll=1 omem="), "{line}");
    let omem: usize = line
        .split(" omem=")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|number| number.parse().ok())
        .expect("omem");
    assert!((30_000 - 16_384..30_200 - 16_384).contains(&omem), "{omem}");
}

#[test]
fn cron_closes_a_client_over_its_soft_output_limit_for_too_long_without_new_replies() {
    let (mut t, c) = setup();
    let subscriber = t.connect();
    let reply = t.command(
        c,
        &[
            b"CONFIG",
            b"SET",
            b"client-output-buffer-limit",
            b"pubsub 0 20000 1",
        ],
    );
    assert_eq!(reply, b"+OK\r\n");
    t.command(subscriber, &[b"SUBSCRIBE", b"news"]);
    let message = vec![b'x'; 20_000];
    for _ in 0..2 {
        t.command(c, &[b"PUBLISH", b"news", &message]);
    }
    // Over the soft limit, but not yet for longer than a second.
    t.server.enforce_output_limits();
    assert!(!t.is_closing(subscriber));
    t.advance_ms(2_500);
    t.server.enforce_output_limits();
    assert!(t.is_closing(subscriber));
}
