//! MONITOR: every command run is shown to monitoring clients, one line
//! each, as `+<unix time with µs> [<db> <addr>] "arg" "arg" ...`.
//!
//! The line is built once per command and only when a monitor is
//! connected, so the cost when nobody watches is one emptiness check.

use vireo_resp::Argv;

use crate::client::{Client, Connection};
use crate::command::CommandSpec;
use crate::server::Server;

/// Builds the MONITOR line for a command `client` just ran.
fn monitor_line(server: &Server, client: &Client, spec: &CommandSpec, argv: &Argv<'_>) -> Vec<u8> {
    let micros = server.now_us;
    let mut line = format!(
        "+{}.{:06} ",
        micros.div_euclid(1_000_000),
        micros.rem_euclid(1_000_000)
    );
    match client.conn {
        Connection::Unix(_) => line.push_str(&format!(
            "[{} unix:{}] ",
            client.db,
            server.config.unixsocket.clone().unwrap_or_default()
        )),
        _ => line.push_str(&format!("[{} {}] ", client.db, client.peer)),
    }
    let redacted = redacted_arguments(spec, argv);
    for (index, arg) in argv.iter().enumerate() {
        if index > 0 {
            line.push(' ');
        }
        if redacted.contains(&index) {
            line.push_str("\"(redacted)\"");
        } else {
            line.push_str(&crate::config::repr(arg));
        }
    }
    line.push_str("\r\n");
    line.into_bytes()
}

/// Positions of secrets that monitors must not see.
fn redacted_arguments(spec: &CommandSpec, argv: &Argv<'_>) -> Vec<usize> {
    match spec.name {
        "auth" => (1..argv.len()).collect(),
        "hello" => {
            let mut positions = Vec::new();
            let mut index = 2;
            while index < argv.len() {
                if argv[index].eq_ignore_ascii_case(b"AUTH") && index + 2 < argv.len() {
                    positions.extend([index + 1, index + 2]);
                    index += 3;
                } else {
                    index += 1;
                }
            }
            positions
        }
        _ => Vec::new(),
    }
}

/// Shows a command that `client` just ran to every monitor.
pub fn feed_monitors(
    server: &mut Server,
    client: &mut Client,
    spec: &CommandSpec,
    argv: &Argv<'_>,
) {
    let line = monitor_line(server, client, spec, argv);
    let monitors = std::mem::take(&mut server.monitors);
    for &slot in &monitors {
        if slot == client.slot && client.monitor {
            client.out.extend_from_slice(&line);
            continue;
        }
        let Some(Some(mut monitor)) = server.clients.get_mut(slot).map(Option::take) else {
            continue;
        };
        monitor.out.extend_from_slice(&line);
        server.queue_write(&mut monitor);
        server.clients[slot] = Some(monitor);
    }
    server.monitors = monitors;
}
