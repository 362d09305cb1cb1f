//! DEBUG: the subcommands test suites and operators rely on.
//!
//! DEBUG is a protected command: the gate refuses it unless
//! `enable-debug-command` allows it for this client.

use std::time::Duration;

use vireo_resp::{encode, Argv};

use crate::client::Client;
use crate::command::{flags, CommandSpec, Doc};
use crate::server::Server;

/// DEBUG subcommand [arguments]
pub const DEBUG: CommandSpec = CommandSpec {
    name: "debug",
    arity: -2,
    flags: flags::ADMIN | flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::PROTECTED,
    acl: 0,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Debugging and testing helpers",
        since: "1.0.0",
        group: "server",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[],
    handler: Some(debug),
};

fn debug(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let sub = &argv[1];
    if sub.eq_ignore_ascii_case(b"set-active-expire") && argv.len() == 3 {
        // Redis compat: parsed with atoi, so anything but a number is 0.
        server.active_expire_enabled = atoi(&argv[2]) != 0;
        client.reply_ok();
    } else if sub.eq_ignore_ascii_case(b"set-skip-checksum-validation") && argv.len() == 3 {
        server.skip_checksum_validation = atoi(&argv[2]) != 0;
        client.reply_ok();
    } else if sub.eq_ignore_ascii_case(b"object") && argv.len() == 3 {
        crate::cmd::keyspace::debug_object(server, client, &argv[2]);
    } else if sub.eq_ignore_ascii_case(b"protocol") && argv.len() == 3 {
        protocol(client, &argv[2]);
    } else if sub.eq_ignore_ascii_case(b"sleep") && argv.len() == 3 {
        // Redis compat: parsed like strtod, so garbage means zero.
        let seconds: f64 = std::str::from_utf8(&argv[2])
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0.0);
        if seconds.is_finite() && seconds > 0.0 {
            std::thread::sleep(Duration::from_secs_f64(seconds.min(3600.0 * 24.0)));
        }
        client.reply_ok();
    } else if sub.eq_ignore_ascii_case(b"log") && argv.len() == 3 {
        crate::warning!("DEBUG LOG: {}", String::from_utf8_lossy(&argv[2]));
        client.reply_ok();
    } else {
        client.reply_error(crate::errors::unknown_subcommand_or_arity(&argv[0], sub));
    }
}

/// C's `atoi`: optional spaces and sign, then digits up to the first non-digit.
fn atoi(bytes: &[u8]) -> i64 {
    let text = bytes.trim_ascii_start();
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |acc, &b| {
            acc.wrapping_mul(10).wrapping_add(i64::from(b - b'0'))
        });
    if negative {
        value.wrapping_neg()
    } else {
        value
    }
}

/// DEBUG PROTOCOL <type>: one reply of each RESP type, for client tests.
fn protocol(client: &mut Client, kind: &[u8]) {
    let is = |name: &str| kind.eq_ignore_ascii_case(name.as_bytes());
    let resp3 = client.resp >= 3;
    if is("string") {
        client.reply_bulk(b"Hello World");
    } else if is("integer") {
        client.reply_integer(12345);
    } else if is("double") {
        client.reply_double(3.141);
    } else if is("bignum") {
        let digits = b"1234567999999999999999999999999999999";
        if resp3 {
            encode::big_number(&mut client.out, digits);
        } else {
            client.reply_bulk(digits);
        }
    } else if is("null") {
        client.reply_null();
    } else if is("array") || is("set") {
        if is("set") {
            client.reply_set_len(3);
        } else {
            client.reply_array_len(3);
        }
        for value in 0..3 {
            client.reply_integer(value);
        }
    } else if is("map") {
        client.reply_map_len(3);
        for value in 0..3 {
            client.reply_integer(value);
            client.reply_bool(value == 1);
        }
    } else if is("attrib") {
        if resp3 {
            encode::attribute_len(&mut client.out, 1);
            client.reply_bulk(b"key-popularity");
            client.reply_array_len(2);
            client.reply_bulk(b"key:123");
            client.reply_integer(90);
        }
        client.reply_bulk(b"Some real reply following the attribute");
    } else if is("push") {
        if !resp3 {
            return client.reply_error("RESP2 is not supported by this command");
        }
        encode::push_len(&mut client.out, 2);
        client.reply_bulk(b"server-cpu-usage");
        client.reply_integer(42);
        client.reply_bulk(b"Some real reply following the push reply");
    } else if is("true") || is("false") {
        client.reply_bool(is("true"));
    } else if is("verbatim") {
        client.reply_verbatim(b"This is a verbatim\nstring", *b"txt");
    } else {
        client.reply_error("Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
    }
}
