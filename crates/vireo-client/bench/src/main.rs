//! Throughput and client CPU per request of 1,000 tasks doing SET/GET
//! through one shared handle: vireo-client's tokio `Client` against
//! redis-rs's `MultiplexedConnection`, in one run, alternating.
//!
//! `cargo run --release --manifest-path crates/vireo-client/bench/Cargo.toml -- [URL] [ROUNDS]`
//! against a running server (start `redis-server --save "" --appendonly no`).
//! Runs on tokio's multi-thread runtime, then on its current-thread runtime
//! (where no wake-up crosses threads, so the clients' own costs show more).
//! Runs once on tokio's multi-thread runtime, once on its current-thread
//! runtime (where no wake-up crosses threads, so the clients' own costs
//! show more).

use std::sync::Arc;
use std::time::{Duration, Instant};

const TASKS: usize = 1000;
const OPS_PER_TASK: usize = 200;

/// User plus system CPU time of this process, from /proc (Linux only).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
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
}

fn report(name: &str, samples: &[Sample]) {
    let n = samples.len() as f64;
    let ops = samples.iter().map(|s| s.ops_per_sec).sum::<f64>() / n;
    let cpu = samples.iter().map(|s| s.cpu_us_per_op).sum::<f64>() / n;
    println!(
        "{name:>12}: {ops:>10.0} ops/s   {cpu:>6.2} us client CPU per op   (mean of {})",
        samples.len()
    );
}

async fn run_vireo(client: &vireo_client::tokio::Client) -> Sample {
    use vireo_client::cmd;
    let cpu = cpu_time();
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
    sample(start, cpu)
}

async fn run_redis_rs(connection: &redis::aio::MultiplexedConnection) -> Sample {
    let cpu = cpu_time();
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
    sample(start, cpu)
}

fn sample(start: Instant, cpu: Duration) -> Sample {
    let elapsed = start.elapsed().as_secs_f64();
    let ops = (TASKS * OPS_PER_TASK) as f64;
    Sample {
        ops_per_sec: ops / elapsed,
        cpu_us_per_op: (cpu_time() - cpu).as_secs_f64() * 1e6 / ops,
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
    for multi_thread in [true, false] {
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
