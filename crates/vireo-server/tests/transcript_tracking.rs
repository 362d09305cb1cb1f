//! Client-side caching transcripts: several clients on one in-process
//! server, with the exact bytes of every reply and invalidation message.

use vireo_server::testing::{check, words, ClientHandle, Transcript};

/// Asserts what `client` has received without sending anything.
fn pending(t: &mut Transcript, client: ClientHandle, expected: &str) {
    let received = t.send(client, b"");
    assert_eq!(String::from_utf8_lossy(&received), expected);
}

/// A RESP3 client.
fn connect_resp3(t: &mut Transcript) -> ClientHandle {
    let client = t.connect();
    let hello = t.command(client, &words("HELLO 3"));
    assert!(hello.starts_with(b"%7\r\n"));
    client
}

fn info_field(t: &mut Transcript, client: ClientHandle, name: &str) -> String {
    let info = t.command(client, &words("INFO everything"));
    let text = String::from_utf8_lossy(&info).into_owned();
    let prefix = format!("{name}:");
    text.split("\r\n")
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_string))
        .unwrap_or_else(|| panic!("INFO has no {name}"))
}

const PUSH_A: &str = ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n";

#[test]
fn option_rules_read_like_redis() {
    let mut t = Transcript::new();
    let c = t.connect();
    let other = t.connect();
    let syntax = "-ERR syntax error\r\n";
    check(&mut t, c, "CLIENT TRACKING maybe", syntax);
    check(&mut t, c, "CLIENT TRACKING on FOO", syntax);
    check(&mut t, c, "CLIENT TRACKING on REDIRECT", syntax);
    check(
        &mut t,
        c,
        "CLIENT TRACKING on REDIRECT x",
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut t,
        c,
        "CLIENT TRACKING on REDIRECT 99",
        "-ERR The client ID you want redirect to does not exist\r\n",
    );
    check(
        &mut t,
        c,
        "CLIENT TRACKING on REDIRECT 2 REDIRECT 2",
        "-ERR A client can only redirect to a single other client\r\n",
    );
    check(
        &mut t,
        c,
        "CLIENT TRACKING on PREFIX a",
        "-ERR PREFIX option requires BCAST mode to be enabled\r\n",
    );
    check(
        &mut t,
        c,
        "CLIENT TRACKING on BCAST OPTIN",
        "-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n",
    );
    check(
        &mut t,
        c,
        "CLIENT TRACKING on OPTIN OPTOUT",
        "-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n",
    );
    check(&mut t, c, "CLIENT TRACKING on OPTIN", "+OK\r\n");
    check(
        &mut t,
        c,
        "CLIENT TRACKING on OPTOUT",
        "-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.\r\n",
    );
    check(
        &mut t,
        c,
        "CLIENT TRACKING on BCAST",
        "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.\r\n",
    );
    check(&mut t, c, "CLIENT TRACKING off", "+OK\r\n");
    check(&mut t, c, "CLIENT TRACKING on BCAST PREFIX ab", "+OK\r\n");
    check(
        &mut t,
        c,
        "CLIENT TRACKING on BCAST PREFIX a",
        "-ERR Prefix 'a' overlaps with an existing prefix 'ab'. Prefixes for a single client must not overlap.\r\n",
    );
    check(
        &mut t,
        other,
        "CLIENT TRACKING on BCAST PREFIX x PREFIX xy",
        "-ERR Prefix 'x' overlaps with another provided prefix 'xy'. Prefixes for a single client must not overlap.\r\n",
    );
    check(
        &mut t,
        other,
        "CLIENT TRACKING on BCAST PREFIX a PREFIX x PREFIX xy",
        "-ERR Prefix 'x' overlaps with another provided prefix 'xy'. Prefixes for a single client must not overlap.\r\n+OK\r\n",
    );
    check(
        &mut t,
        other,
        "CLIENT TRACKINGINFO",
        "*6\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*3\r\n$1\r\na\r\n$1\r\nx\r\n$2\r\nxy\r\n",
    );
}

#[test]
fn caching_getredir_and_trackinginfo() {
    let mut t = Transcript::new();
    let c = t.connect();
    let _target = t.connect();
    check(
        &mut t,
        c,
        "CLIENT CACHING yes",
        "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n",
    );
    check(&mut t, c, "CLIENT GETREDIR", ":-1\r\n");
    check(
        &mut t,
        c,
        "CLIENT TRACKINGINFO",
        "*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n",
    );
    check(
        &mut t,
        c,
        "CLIENT TRACKING on OPTOUT NOLOOP REDIRECT 2",
        "+OK\r\n",
    );
    check(&mut t, c, "CLIENT GETREDIR", ":2\r\n");
    t.command(c, &words("HELLO 3"));
    check(
        &mut t,
        c,
        "CLIENT CACHING yes",
        "-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n",
    );
    check(&mut t, c, "CLIENT CACHING no", "+OK\r\n");
    check(&mut t, c, "CLIENT CACHING maybe", "-ERR syntax error\r\n");
    check(
        &mut t,
        c,
        "CLIENT TRACKINGINFO",
        "%3\r\n$5\r\nflags\r\n~4\r\n$2\r\non\r\n$6\r\noptout\r\n$10\r\ncaching-no\r\n$6\r\nnoloop\r\n$8\r\nredirect\r\n:2\r\n$8\r\nprefixes\r\n*0\r\n",
    );
    // CACHING covered CLIENT commands only; anything else ends it.
    check(&mut t, c, "PING", "+PONG\r\n");
    check(
        &mut t,
        c,
        "CLIENT TRACKINGINFO",
        "%3\r\n$5\r\nflags\r\n~3\r\n$2\r\non\r\n$6\r\noptout\r\n$6\r\nnoloop\r\n$8\r\nredirect\r\n:2\r\n$8\r\nprefixes\r\n*0\r\n",
    );
}

#[test]
fn resp3_invalidations_follow_the_clients_own_reply() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let writer = t.connect();
    check(&mut t, c, "CLIENT TRACKING on", "+OK\r\n");
    check(&mut t, c, "GET a", "_\r\n");
    check(&mut t, writer, "SET a 1", "+OK\r\n");
    pending(&mut t, c, PUSH_A);
    // Invalidated once: no second message until read again.
    check(&mut t, writer, "SET a 2", "+OK\r\n");
    pending(&mut t, c, "");
    check(&mut t, c, "GET a", "$1\r\n2\r\n");
    check(&mut t, c, "SET a 3", &format!("+OK\r\n{PUSH_A}"));
    check(&mut t, c, "GET a", "$1\r\n3\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "INCR a", "+QUEUED\r\n");
    check(&mut t, c, "GET a", "+QUEUED\r\n");
    check(
        &mut t,
        c,
        "EXEC",
        &format!("*2\r\n:4\r\n$1\r\n4\r\n{PUSH_A}"),
    );
    check(&mut t, c, "CLIENT TRACKING on NOLOOP", "+OK\r\n");
    check(&mut t, c, "SET a 5", "+OK\r\n");
    check(&mut t, c, "GET a", "$1\r\n5\r\n");
    check(&mut t, writer, "DEL a", ":1\r\n");
    pending(&mut t, c, PUSH_A);
}

#[test]
fn resp2_clients_get_pubsub_messages_through_a_redirect() {
    let mut t = Transcript::new();
    let c = t.connect();
    let sink = t.connect();
    let sink3 = connect_resp3(&mut t);
    check(
        &mut t,
        sink,
        "SUBSCRIBE __redis__:invalidate",
        "*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n",
    );
    check(&mut t, c, "CLIENT TRACKING on REDIRECT 2", "+OK\r\n");
    check(&mut t, c, "MGET a b", "*2\r\n$-1\r\n$-1\r\n");
    check(&mut t, c, "MSET a 1 b 2", "+OK\r\n");
    pending(
        &mut t,
        sink,
        "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\na\r\n\
         *3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nb\r\n",
    );
    check(&mut t, c, "FLUSHALL", "+OK\r\n");
    pending(
        &mut t,
        sink,
        "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n",
    );
    // Redirected to a RESP3 connection: a push frame, subscribed or not.
    check(&mut t, c, "CLIENT TRACKING on REDIRECT 3", "+OK\r\n");
    check(&mut t, c, "GET a", "$-1\r\n");
    check(&mut t, sink, "PING", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    check(&mut t, c, "SET a 1", "+OK\r\n");
    pending(&mut t, sink3, PUSH_A);
    pending(&mut t, sink, "");
    // Without a redirect, RESP2 gets nothing.
    check(&mut t, c, "CLIENT TRACKING on", "+OK\r\n");
    check(&mut t, c, "GET a", "$1\r\n1\r\n");
    check(&mut t, c, "SET a 2", "+OK\r\n");
}

#[test]
fn broadcast_mode_sends_one_message_per_prefix_and_iteration() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let quiet = connect_resp3(&mut t);
    let writer = t.connect();
    check(
        &mut t,
        c,
        "CLIENT TRACKING on BCAST PREFIX k: PREFIX m:",
        "+OK\r\n",
    );
    check(&mut t, quiet, "CLIENT TRACKING on BCAST NOLOOP", "+OK\r\n");
    check(&mut t, writer, "MSET k:2 1 k:1 1 x 1 m:1 1", "+OK\r\n");
    pending(
        &mut t,
        c,
        ">2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\nk:1\r\n$3\r\nk:2\r\n\
         >2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nm:1\r\n",
    );
    pending(
        &mut t,
        quiet,
        ">2\r\n$10\r\ninvalidate\r\n*4\r\n$3\r\nk:1\r\n$3\r\nk:2\r\n$3\r\nm:1\r\n$1\r\nx\r\n",
    );
    // NOLOOP: the client's own changes are left out.
    check(&mut t, quiet, "SET x 2", "+OK\r\n");
    check(&mut t, quiet, "PING", "+PONG\r\n");
    assert_eq!(info_field(&mut t, writer, "tracking_total_prefixes"), "3");
    check(&mut t, c, "CLIENT TRACKING off", "+OK\r\n");
    assert_eq!(info_field(&mut t, writer, "tracking_total_prefixes"), "1");
}

#[test]
fn optin_and_optout_follow_client_caching() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let writer = t.connect();
    check(&mut t, c, "CLIENT TRACKING on OPTIN", "+OK\r\n");
    check(&mut t, c, "GET a", "_\r\n");
    check(&mut t, writer, "SET a 1", "+OK\r\n");
    pending(&mut t, c, "");
    check(&mut t, c, "CLIENT CACHING yes", "+OK\r\n");
    check(&mut t, c, "GET a", "$1\r\n1\r\n");
    check(&mut t, writer, "SET a 2", "+OK\r\n");
    pending(&mut t, c, PUSH_A);
    check(&mut t, c, "CLIENT TRACKING off", "+OK\r\n");
    check(&mut t, c, "CLIENT TRACKING on OPTOUT", "+OK\r\n");
    check(&mut t, c, "CLIENT CACHING no", "+OK\r\n");
    check(&mut t, c, "GET a", "$1\r\n2\r\n");
    check(&mut t, writer, "SET a 3", "+OK\r\n");
    pending(&mut t, c, "");
    check(&mut t, c, "GET a", "$1\r\n3\r\n");
    check(&mut t, writer, "SET a 4", "+OK\r\n");
    pending(&mut t, c, PUSH_A);
}

#[test]
fn flushes_invalidate_everything_with_a_null() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let other = connect_resp3(&mut t);
    check(&mut t, c, "CLIENT TRACKING on", "+OK\r\n");
    check(&mut t, other, "CLIENT TRACKING on BCAST", "+OK\r\n");
    check(&mut t, c, "GET a", "_\r\n");
    assert_eq!(info_field(&mut t, c, "tracking_total_keys"), "1");
    let null_push = ">2\r\n$10\r\ninvalidate\r\n_\r\n";
    check(&mut t, c, "FLUSHDB", &format!("+OK\r\n{null_push}"));
    pending(&mut t, other, null_push);
    assert_eq!(info_field(&mut t, c, "tracking_total_keys"), "0");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "FLUSHALL", "+QUEUED\r\n");
    check(&mut t, c, "EXEC", &format!("*1\r\n+OK\r\n{null_push}"));
    pending(&mut t, other, null_push);
}

#[test]
fn expiry_invalidates_like_a_write() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let writer = t.connect();
    check(&mut t, c, "CLIENT TRACKING on", "+OK\r\n");
    check(&mut t, writer, "SET a 1 PX 10", "+OK\r\n");
    check(&mut t, c, "GET a", "$1\r\n1\r\n");
    t.advance_ms(20);
    // The reader's own lookup expires the key: the message follows the reply.
    check(&mut t, c, "GET a", &format!("_\r\n{PUSH_A}"));
    check(&mut t, writer, "SET a 1 PX 10", "+OK\r\n");
    pending(&mut t, c, PUSH_A);
    check(&mut t, c, "GET a", "$1\r\n1\r\n");
    t.advance_ms(20);
    check(&mut t, writer, "EXISTS a", ":0\r\n");
    pending(&mut t, c, PUSH_A);
}

#[test]
fn broken_redirect_is_reported_to_resp3_clients() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let sink = t.connect();
    let writer = t.connect();
    check(&mut t, c, "CLIENT TRACKING on REDIRECT 2", "+OK\r\n");
    check(&mut t, c, "GET a", "_\r\n");
    t.disconnect(sink);
    check(&mut t, writer, "SET a 1", "+OK\r\n");
    pending(&mut t, c, ">2\r\n$21\r\ntracking-redir-broken\r\n:2\r\n");
    let list = t.command(c, &words("CLIENT INFO"));
    let list = String::from_utf8_lossy(&list).into_owned();
    assert!(list.contains(" flags=tR "), "{list}");
    assert!(list.contains(" redir=2 "), "{list}");
    check(
        &mut t,
        c,
        "CLIENT TRACKINGINFO",
        "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n:2\r\n$8\r\nprefixes\r\n*0\r\n",
    );
}

#[test]
fn client_list_and_info_show_tracking() {
    let mut t = Transcript::new();
    let c = t.connect();
    let other = t.connect();
    let list = String::from_utf8_lossy(&t.command(c, &words("CLIENT INFO"))).into_owned();
    assert!(
        list.contains(" flags=N ") && list.contains(" redir=-1 "),
        "{list}"
    );
    check(&mut t, c, "CLIENT TRACKING on BCAST", "+OK\r\n");
    let list = String::from_utf8_lossy(&t.command(c, &words("CLIENT INFO"))).into_owned();
    assert!(
        list.contains(" flags=tB ") && list.contains(" redir=0 "),
        "{list}"
    );
    assert_eq!(info_field(&mut t, other, "tracking_clients"), "1");
    check(&mut t, other, "CLIENT TRACKING on", "+OK\r\n");
    check(&mut t, other, "MGET a b", "*2\r\n$-1\r\n$-1\r\n");
    assert_eq!(info_field(&mut t, other, "tracking_clients"), "2");
    assert_eq!(info_field(&mut t, other, "tracking_total_keys"), "2");
    assert_eq!(info_field(&mut t, other, "tracking_total_items"), "2");
    t.disconnect(c);
    assert_eq!(info_field(&mut t, other, "tracking_clients"), "1");
    assert_eq!(info_field(&mut t, other, "tracking_total_prefixes"), "0");
}

#[test]
fn reset_turns_tracking_off() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let writer = t.connect();
    check(&mut t, c, "CLIENT TRACKING on BCAST", "+OK\r\n");
    check(&mut t, c, "RESET", "+RESET\r\n");
    check(&mut t, c, "CLIENT GETREDIR", ":-1\r\n");
    check(&mut t, writer, "SET a 1", "+OK\r\n");
    pending(&mut t, c, "");
    assert_eq!(info_field(&mut t, writer, "tracking_clients"), "0");
}

#[test]
fn replies_off_keep_invalidations() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let sink = connect_resp3(&mut t);
    check(&mut t, c, "CLIENT TRACKING on", "+OK\r\n");
    check(&mut t, c, "GET a", "_\r\n");
    check(&mut t, c, "CLIENT REPLY OFF", "");
    check(&mut t, c, "SET a 1", PUSH_A);
    check(&mut t, c, "GET a", "");
    check(&mut t, c, "CLIENT REPLY ON", "+OK\r\n");
    // A redirect target with replies off still gets the messages its own
    // commands cause.
    check(&mut t, c, "CLIENT TRACKING on REDIRECT 2", "+OK\r\n");
    check(&mut t, c, "GET b", "_\r\n");
    check(&mut t, sink, "CLIENT REPLY OFF", "");
    check(
        &mut t,
        sink,
        "SET b 1",
        ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nb\r\n",
    );
}

#[test]
fn table_limit_evicts_keys_with_invalidations() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    check(&mut t, c, "CLIENT TRACKING on", "+OK\r\n");
    check(&mut t, c, "MGET a b c", "*3\r\n_\r\n_\r\n_\r\n");
    check(&mut t, c, "CONFIG SET tracking-table-max-keys 1", "+OK\r\n");
    // The limit is enforced before the next command, so the messages come
    // first; which keys go is random.
    let reply = t.command(c, &words("PING"));
    let text = String::from_utf8_lossy(&reply).into_owned();
    assert_eq!(
        text.matches(">2\r\n$10\r\ninvalidate\r\n").count(),
        2,
        "{text}"
    );
    assert!(text.ends_with("+PONG\r\n"), "{text}");
    assert_eq!(info_field(&mut t, c, "tracking_total_keys"), "1");
}

#[test]
fn table_limit_applies_to_commands_queued_in_a_transaction() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let admin = t.connect();
    check(&mut t, c, "CLIENT TRACKING on", "+OK\r\n");
    check(&mut t, c, "MGET a b", "*2\r\n_\r\n_\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(
        &mut t,
        admin,
        "CONFIG SET tracking-table-max-keys 1",
        "+OK\r\n",
    );
    let reply = t.command(c, &words("PING"));
    let text = String::from_utf8_lossy(&reply).into_owned();
    assert!(
        text == format!("{PUSH_A}+QUEUED\r\n")
            || text == ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nb\r\n+QUEUED\r\n",
        "{text}"
    );
    check(&mut t, c, "EXEC", "*1\r\n+PONG\r\n");
}

#[test]
fn deleting_a_missing_key_invalidates_nothing() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let writer = t.connect();
    check(&mut t, c, "CLIENT TRACKING on", "+OK\r\n");
    check(&mut t, c, "MGET a b", "*2\r\n_\r\n_\r\n");
    check(&mut t, writer, "SET a 1", "+OK\r\n");
    pending(&mut t, c, PUSH_A);
    check(&mut t, c, "GET a", "$1\r\n1\r\n");
    check(&mut t, writer, "DEL b a", ":1\r\n");
    pending(&mut t, c, PUSH_A);
    check(&mut t, writer, "SET b 1", "+OK\r\n");
    pending(&mut t, c, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nb\r\n");
}

#[test]
fn caching_given_inside_a_transaction_ends_with_it() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    check(&mut t, c, "CLIENT TRACKING on OPTIN", "+OK\r\n");
    check(&mut t, c, "MULTI", "+OK\r\n");
    check(&mut t, c, "CLIENT CACHING yes", "+QUEUED\r\n");
    check(&mut t, c, "GET a", "+QUEUED\r\n");
    check(&mut t, c, "EXEC", "*2\r\n+OK\r\n_\r\n");
    check(&mut t, c, "GET b", "_\r\n");
    assert_eq!(info_field(&mut t, c, "tracking_total_keys"), "1");
}

#[test]
fn pfcount_refreshing_its_cache_invalidates_trackers_of_the_key() {
    let mut t = Transcript::new();
    let reader = t.connect();
    let counter = t.connect();
    for client in [reader, counter] {
        assert!(t.command(client, &words("HELLO 3")).starts_with(b"%"));
    }
    check(&mut t, reader, "CLIENT TRACKING ON", "+OK\r\n");
    check(&mut t, reader, "PFADD hll a b c", ":1\r\n");
    assert!(t.command(reader, &words("GET hll")).starts_with(b"$"));
    // The cached count was stale: PFCOUNT rewrites it, a change to the value.
    check(&mut t, counter, "PFCOUNT hll", ":3\r\n");
    pending(
        &mut t,
        reader,
        ">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nhll\r\n",
    );
    // With the cache fresh, counting changes nothing.
    assert!(t.command(reader, &words("GET hll")).starts_with(b"$"));
    check(&mut t, counter, "PFCOUNT hll", ":3\r\n");
    pending(&mut t, reader, "");
}

#[test]
fn a_script_tracks_its_declared_keys_only_when_it_reads() {
    let mut t = Transcript::new();
    let c = connect_resp3(&mut t);
    let writer = t.connect();
    check(&mut t, c, "CLIENT TRACKING on", "+OK\r\n");
    // No read command ran: nothing is tracked.
    t.command(
        c,
        &[b"EVAL", b"redis.call('set', 'other', 'x')", b"1", b"a"],
    );
    check(&mut t, writer, "SET a 1", "+OK\r\n");
    pending(&mut t, c, "");
    // A read of any key tracks the keys the script declared.
    t.command(c, &[b"EVAL", b"redis.call('get', 'other')", b"1", b"a"]);
    check(&mut t, writer, "SET a 2", "+OK\r\n");
    pending(&mut t, c, PUSH_A);
    check(&mut t, writer, "SET other y", "+OK\r\n");
    pending(&mut t, c, "");
    // EVAL_RO is tracked the same way, not for its own read-only flag.
    t.command(c, &[b"EVAL_RO", b"redis.call('ping')", b"1", b"a"]);
    check(&mut t, writer, "SET a 3", "+OK\r\n");
    pending(&mut t, c, "");
}
