//! MONITOR: every command run is shown to monitoring clients, one line
//! each, as `+<unix time with µs> [<db> <addr>] "arg" "arg" ...`.
//!
//! The line is built once per command and only when a monitor is
//! connected, so the cost when nobody watches is one emptiness check.

use vireo_resp::Argv;

use crate::client::{Client, Connection};
use crate::server::Server;

/// Builds the MONITOR line for a command `client` just ran.
fn monitor_line(server: &Server, client: &Client, argv: &Argv<'_>) -> Vec<u8> {
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
    let redacted = redacted_arguments(argv);
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

/// Positions of secrets that monitors and the slow log must not show
/// (Redis compat: they show `(redacted)` in their place).
pub fn redacted_arguments(argv: &Argv<'_>) -> Vec<usize> {
    let name = argv[0].to_ascii_lowercase();
    match std::str::from_utf8(&name).unwrap_or_default() {
        "auth" => (1..argv.len()).collect(),
        "migrate" => crate::cmd::migrate::secret_arguments(argv),
        "config" if argv.len() > 1 && argv[1].eq_ignore_ascii_case(b"set") => (2..argv.len())
            .step_by(2)
            .filter(|&index| {
                crate::config_table::is_sensitive(&String::from_utf8_lossy(&argv[index]))
            })
            .map(|index| index + 1)
            .filter(|&index| index < argv.len())
            .collect(),
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
pub fn feed_monitors(server: &mut Server, client: &mut Client, argv: &Argv<'_>) {
    let line = monitor_line(server, client, argv);
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
