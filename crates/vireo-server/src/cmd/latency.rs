//! LATENCY: LATEST, HISTORY, RESET, HISTOGRAM, GRAPH, DOCTOR and HELP.

use std::fmt::Write as _;

use vireo_resp::Argv;

use crate::client::Client;
use crate::command::{self, acl, flags, Arg, ArgKind, CommandSpec, Doc};
use crate::server::Server;

const LATENCY_FLAGS: u64 = flags::ADMIN | flags::NOSCRIPT | flags::LOADING | flags::STALE;
const REPORT_TIPS: &[&str] = &[
    "nondeterministic_output",
    "request_policy:all_nodes",
    "response_policy:special",
];

const fn sub(
    name: &'static str,
    arity: i32,
    summary: &'static str,
    tips: &'static [&'static str],
    args: &'static [Arg],
    handler: command::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags: LATENCY_FLAGS,
        acl: 0,
        tips,
        key_specs: &[],
        doc: Doc {
            summary,
            since: "2.8.13",
            group: "server",
            complexity: "O(1)",
            args,
        },
        subcommands: &[],
        handler: Some(handler),
    }
}

const EVENT_ARG: &[Arg] = &[Arg::new("event", ArgKind::String)];

/// LATENCY and its subcommands.
pub const LATENCY: CommandSpec = CommandSpec {
    name: "latency",
    arity: -2,
    flags: 0,
    acl: acl::SLOW,
    tips: &[],
    key_specs: &[],
    doc: Doc {
        summary: "Reports the latency monitor's findings",
        since: "2.8.13",
        group: "server",
        complexity: "Depends on subcommand.",
        args: &[],
    },
    subcommands: &[
        sub(
            "latest",
            2,
            "Returns the latest sample of every latency event",
            REPORT_TIPS,
            &[],
            latency_latest,
        ),
        sub(
            "history",
            3,
            "Returns the samples of one latency event",
            REPORT_TIPS,
            EVENT_ARG,
            latency_history,
        ),
        sub(
            "reset",
            -2,
            "Forgets the samples of some or all latency events",
            &["request_policy:all_nodes", "response_policy:all_succeeded"],
            &[Arg::new("event", ArgKind::String).optional().multiple()],
            latency_reset,
        ),
        sub(
            "histogram",
            -2,
            "Returns the cumulative latency distributions of commands",
            REPORT_TIPS,
            &[Arg::new("command", ArgKind::String).optional().multiple()],
            latency_histogram,
        ),
        sub(
            "graph",
            3,
            "Draws the samples of one latency event",
            REPORT_TIPS,
            EVENT_ARG,
            latency_graph,
        ),
        sub(
            "doctor",
            2,
            "Summarises the latency events in words",
            REPORT_TIPS,
            &[],
            latency_doctor,
        ),
        CommandSpec {
            flags: flags::LOADING | flags::STALE,
            ..sub(
                "help",
                2,
                "Lists the LATENCY subcommands",
                &[],
                &[],
                latency_help,
            )
        },
    ],
    handler: None,
};

fn latency_latest(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    client.reply_array_len(server.latency.events.len());
    for (event, series) in &server.latency.events {
        let (time, latest) = series.samples.back().copied().unwrap_or((0, 0));
        client.reply_array_len(4);
        client.reply_bulk(event.as_bytes());
        client.reply_integer(time);
        client.reply_integer(latest as i64);
        client.reply_integer(series.max as i64);
    }
}

fn latency_history(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let event = String::from_utf8_lossy(&argv[2]);
    let samples: Vec<(i64, u64)> = server
        .latency
        .events
        .get(event.as_ref())
        .map(|s| s.samples.iter().copied().collect())
        .unwrap_or_default();
    client.reply_array_len(samples.len());
    for (time, milliseconds) in samples {
        client.reply_array_len(2);
        client.reply_integer(time);
        client.reply_integer(milliseconds as i64);
    }
}

fn latency_reset(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let events = &mut server.latency.events;
    let resets = if argv.len() == 2 {
        let count = events.len();
        events.clear();
        count
    } else {
        let mut count = 0;
        for name in argv.iter().skip(2) {
            let name = String::from_utf8_lossy(name);
            let matching: Vec<String> = events
                .keys()
                .filter(|e| e.eq_ignore_ascii_case(&name))
                .cloned()
                .collect();
            for event in matching {
                events.remove(&event);
                count += 1;
            }
        }
        count
    };
    client.reply_integer(resets as i64);
}

fn reply_histogram(server: &Server, client: &mut Client, command_id: usize) -> bool {
    let Some(histogram) = server.latency.histogram(command_id) else {
        return false;
    };
    let (container, spec) = server.commands.entries()[command_id];
    client.reply_bulk(command::full_name(container, spec).as_bytes());
    client.reply_map_len(2);
    client.reply_bulk(b"calls");
    client.reply_integer(histogram.len() as i64);
    client.reply_bulk(b"histogram_usec");
    let buckets = crate::latency::cumulative_buckets(histogram);
    client.reply_map_len(buckets.len());
    for (micros, cumulative) in buckets {
        client.reply_integer(micros as i64);
        client.reply_integer(cumulative as i64);
    }
    true
}

fn latency_histogram(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let entries = server.commands.entries();
    let mut wanted: Vec<usize> = Vec::new();
    if argv.len() == 2 {
        wanted.extend(0..entries.len());
    } else {
        for name in argv.iter().skip(2) {
            for (id, (container, spec)) in entries.iter().enumerate() {
                let top_level_match =
                    container.is_none() && spec.name.as_bytes().eq_ignore_ascii_case(name);
                let sub_of_match =
                    container.is_some_and(|c| c.name.as_bytes().eq_ignore_ascii_case(name));
                let full_match = command::full_name(*container, spec)
                    .as_bytes()
                    .eq_ignore_ascii_case(name);
                if (top_level_match || sub_of_match || full_match) && !wanted.contains(&id) {
                    wanted.push(id);
                }
            }
        }
    }
    let with_data: Vec<usize> = wanted
        .into_iter()
        .filter(|id| server.latency.histogram(*id).is_some())
        .collect();
    client.reply_map_len(with_data.len());
    for id in with_data {
        reply_histogram(server, client, id);
    }
}

fn latency_graph(server: &mut Server, client: &mut Client, argv: Argv<'_>) {
    let event = String::from_utf8_lossy(&argv[2]).into_owned();
    let Some(series) = server.latency.events.get(&event) else {
        return client.reply_error(format!("No samples available for event '{event}'"));
    };
    // One row per sample: a bar scaled to the event's maximum.
    let mut text = format!(
        "{event} - high {} ms, low {} ms (all time high {} ms)\n",
        series.samples.iter().map(|s| s.1).max().unwrap_or(0),
        series.samples.iter().map(|s| s.1).min().unwrap_or(0),
        series.max
    );
    let scale = series.max.max(1);
    for (time, milliseconds) in &series.samples {
        let width = (milliseconds * 40 / scale) as usize;
        let _ = writeln!(
            text,
            "{time} {:>6} ms |{}",
            milliseconds,
            "#".repeat(width.max(1))
        );
    }
    client.reply_verbatim(text.as_bytes(), *b"txt");
}

fn latency_doctor(server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    let mut text = String::new();
    if server.latency.events.is_empty() {
        text.push_str("No latency events were recorded");
        if server.config.latency_monitor_threshold == 0 {
            text.push_str(": the latency monitor is off. Enable it with CONFIG SET latency-monitor-threshold <milliseconds>.");
        } else {
            text.push('.');
        }
        text.push('\n');
    } else {
        for (event, series) in &server.latency.events {
            let count = series.samples.len();
            let average = series.samples.iter().map(|s| s.1).sum::<u64>() / count.max(1) as u64;
            let _ = writeln!(
                text,
                "{event}: {count} samples, average {average} ms, worst {} ms.",
                series.max
            );
        }
    }
    client.reply_verbatim(text.as_bytes(), *b"txt");
}

fn latency_help(_server: &mut Server, client: &mut Client, _argv: Argv<'_>) {
    const LINES: &[&str] = &[
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Summarise the recorded latency events.",
        "GRAPH <event>",
        "    Draw the samples of <event>.",
        "HISTORY <event>",
        "    Return the (time, latency) samples of <event>.",
        "LATEST",
        "    Return the latest sample of every event.",
        "RESET [<event> ...]",
        "    Forget the samples of the given events, or of all of them.",
        "HISTOGRAM [<command> ...]",
        "    Return the cumulative latency distribution of commands (all of them by default).",
        "HELP",
        "    Print this help.",
    ];
    client.reply_array_len(LINES.len());
    for line in LINES {
        client.reply_simple(line.as_bytes());
    }
}
