//! Throughput and client CPU per request of 1,000 tasks doing SET/GET
//! through one shared handle: vireo-client's tokio `Client` against
//! redis-rs's `MultiplexedConnection`, in one run, alternating.
//!
//! `cargo run --release --manifest-path crates/vireo-client/bench/Cargo.toml -- [URL] [ROUNDS]`
//! against a running server (start `redis-server --save "" --appendonly no`).
//! Runs on tokio's multi-thread runtime, then on its current-thread runtime
//! (where no wake-up crosses threads, so the clients' own costs show more);
//! `BENCH_RUNTIME=multi` or `current` runs one. Reports the median of the
//! rounds. With `BENCH_SERVER_PID` set to the server's process id, the
//! server's CPU per request is reported too (it shares the machine: a
//! client that burns less CPU leaves the server more).

use std::sync::Arc;
use std::time::{Duration, Instant};

const TASKS: usize = 1000;
const OPS_PER_TASK: usize = 200;

/// User plus system CPU time of this process, from /proc (Linux only).
fn cpu_time() -> Duration {
    cpu_time_of("self")
}

/// The server's CPU time, when `BENCH_SERVER_PID` names it.
fn server_cpu_time() -> Option<Duration> {
    let pid = std::env::var("BENCH_SERVER_PID").ok()?;
    Some(cpu_time_of(&pid))
}

fn cpu_time_of(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line, in clock ticks (100 per second
    // on Linux).
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

struct Sample {
    ops_per_sec: f64,
    cpu_us_per_op: f64,
    server_us_per_op: Option<f64>,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn report(name: &str, samples: &[Sample]) {
    let ops = median(samples.iter().map(|s| s.ops_per_sec).collect());
    let cpu = median(samples.iter().map(|s| s.cpu_us_per_op).collect());
    let server: Vec<f64> = samples.iter().filter_map(|s| s.server_us_per_op).collect();
    let server = if server.is_empty() {
        String::new()
    } else {
        format!("   {:>5.2} us server CPU per op", median(server))
    };
    println!(
        "{name:>12}: {ops:>10.0} ops/s   {cpu:>5.2} us client CPU per op{server}   (median of {})",
        samples.len()
    );
}

async fn run_vireo(client: &vireo_client::tokio::Client) -> Sample {
    use vireo_client::cmd;
    let cpu = cpu_time();
    let server = server_cpu_time();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(TASKS);
    for t in 0..TASKS {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let key = format!("bench:vireo:{t}");
            for i in 0..OPS_PER_TASK / 2 {
                client
                    .query::<()>(cmd("SET").arg(key.as_str()).arg(i))
                    .await
                    .expect("SET");
                let v: usize = client
                    .query(cmd("GET").arg(key.as_str()))
                    .await
                    .expect("GET");
                assert_eq!(v, i);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    sample(start, cpu, server)
}

async fn run_redis_rs(connection: &redis::aio::MultiplexedConnection) -> Sample {
    let cpu = cpu_time();
    let server = server_cpu_time();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(TASKS);
    for t in 0..TASKS {
        let mut connection = connection.clone();
        tasks.push(tokio::spawn(async move {
            let key = format!("bench:redis-rs:{t}");
            for i in 0..OPS_PER_TASK / 2 {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(i)
                    .query_async::<()>(&mut connection)
                    .await
                    .expect("SET");
                let v: usize = redis::cmd("GET")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await
                    .expect("GET");
                assert_eq!(v, i);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    sample(start, cpu, server)
}

fn sample(start: Instant, cpu: Duration, server: Option<Duration>) -> Sample {
    let elapsed = start.elapsed().as_secs_f64();
    let ops = (TASKS * OPS_PER_TASK) as f64;
    let per_op = |d: Duration| d.as_secs_f64() * 1e6 / ops;
    Sample {
        ops_per_sec: ops / elapsed,
        cpu_us_per_op: per_op(cpu_time().saturating_sub(cpu)),
        server_us_per_op: server
            .zip(server_cpu_time())
            .map(|(before, after)| per_op(after.saturating_sub(before))),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into());
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    println!(
        "{TASKS} tasks x {OPS_PER_TASK} ops (SET+GET) through one shared handle, {rounds} rounds"
    );
    let only = std::env::var("BENCH_RUNTIME").unwrap_or_default();
    for multi_thread in [true, false] {
        if (only == "multi" && !multi_thread) || (only == "current" && multi_thread) {
            continue;
        }
        let runtime = if multi_thread {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        }
        .expect("tokio runtime");
        let flavour = if multi_thread {
            "multi-thread"
        } else {
            "current-thread"
        };
        println!("tokio {flavour} runtime:");
        runtime.block_on(compare(&url, rounds));
    }
}

async fn compare(url: &str, rounds: usize) {
    let vireo = vireo_client::tokio::Client::connect(url)
        .await
        .expect("vireo-client connects");
    let redis_client = redis::Client::open(url).expect("redis-rs URL");
    let redis_rs = Arc::new(
        redis_client
            .get_multiplexed_async_connection()
            .await
            .expect("redis-rs connects"),
    );
    // BENCH_ONLY=vireo-client or redis-rs runs one side (for profiling).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let ours_too = only.is_empty() || only == "vireo-client";
    let theirs_too = only.is_empty() || only == "redis-rs";
    // Warm up both, then alternate so that drift hits both alike.
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..=rounds {
        if ours_too {
            ours.push(run_vireo(&vireo).await);
        }
        if theirs_too {
            theirs.push(run_redis_rs(&redis_rs).await);
        }
        if round == 0 {
            ours.clear();
            theirs.clear();
        }
    }
    if ours_too {
        report("vireo-client", &ours);
    }
    if theirs_too {
        report("redis-rs", &theirs);
    }
}
