//! A job queue on a list: a producer RPUSHes jobs, workers wait for them
//! with BLPOP. Each BLPOP gets a client deadline of its own timeout plus a
//! grace period, so a worker waiting on an empty queue never times out
//! early.
//!
//! `cargo run -p vireo-client --example job_queue [URL]`

use std::time::Duration;

use vireo_client::{cmd, tokio::Client, Error};

const JOBS: usize = 20;
const WORKERS: usize = 3;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into());
    // Each worker blocks its connection while waiting, so each has its own.
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let client = Client::connect(&url).await?;
        workers.push(tokio::spawn(async move {
            let mut done = 0;
            loop {
                let job: Option<(String, String)> =
                    client.query(cmd("BLPOP").arg("jobs").arg(1)).await?;
                match job {
                    Some((_, job)) => {
                        println!("worker {worker} runs {job}");
                        done += 1;
                    }
                    None => return Ok::<usize, Error>(done),
                }
            }
        }));
    }

    let producer = Client::connect(&url).await?;
    for n in 0..JOBS {
        producer
            .query::<i64>(cmd("RPUSH").arg("jobs").arg(format!("job-{n}")))
            .await?;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let mut total = 0;
    for worker in workers {
        total += worker
            .await
            .map_err(|e| Error::Io(std::sync::Arc::new(e.into())))??;
    }
    println!("{total} of {JOBS} jobs done");
    Ok(())
}
