//! End to end over loopback TCP (and a Unix socket) against an in-process
//! Vireo server: the tokio and blocking adapters with the real core.

mod support;

use std::sync::OnceLock;
use std::time::Duration;

use support::start_vireo;
use vireo_client::tokio::Client;
use vireo_client::{blocking, cmd, Config, Error, Pipeline, State};

fn port() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(start_vireo)
}

fn url(db: u32) -> String {
    format!("redis://127.0.0.1:{}/{db}", port())
}

/// Every test bounds itself: a hung test fails instead of blocking CI.
async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("test took too long")
}

#[tokio::test]
async fn get_set_and_typed_replies() {
    bounded(async {
        let client = Client::connect(&url(1)).await.unwrap();
        assert_eq!(client.state(), State::Ready);
        client
            .query::<()>(cmd("SET").arg("e2e:greeting").arg("hello"))
            .await
            .unwrap();
        let value: Option<String> = client.query(cmd("GET").arg("e2e:greeting")).await.unwrap();
        assert_eq!(value.as_deref(), Some("hello"));
        let missing: Option<Vec<u8>> = client.query(cmd("GET").arg("e2e:nothing")).await.unwrap();
        assert_eq!(missing, None);
        let n: i64 = client
            .query(cmd("INCRBY").arg("e2e:n").arg(41))
            .await
            .unwrap();
        let m: u64 = client.query(cmd("INCR").arg("e2e:n")).await.unwrap();
        assert_eq!((n, m), (41, 42));
        let error = client
            .query::<i64>(cmd("INCR").arg("e2e:greeting"))
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "ERR value is not an integer or out of range"
        );
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_share_one_pipelined_connection_in_order() {
    bounded(async {
        let client = Client::connect(&url(2)).await.unwrap();
        let mut tasks = Vec::new();
        for task in 0..200 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                let key = format!("e2e:task:{task}");
                for i in 0..20i64 {
                    let n: i64 = client.query(cmd("INCR").arg(key.as_str())).await.unwrap();
                    assert_eq!(n, i + 1, "task {task} sees its own replies in order");
                    client
                        .query::<i64>(cmd("INCR").arg("e2e:shared"))
                        .await
                        .unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let total: i64 = client.query(cmd("GET").arg("e2e:shared")).await.unwrap();
        assert_eq!(total, 200 * 20);
    })
    .await
}

#[tokio::test]
async fn pipelines_come_back_as_tuples() {
    bounded(async {
        let client = Client::connect(&url(3)).await.unwrap();
        let mut pipeline = Pipeline::new();
        pipeline
            .add(cmd("SET").arg("e2e:p").arg(7))
            .add(cmd("INCR").arg("e2e:p"))
            .add(cmd("MGET").arg("e2e:p").arg("e2e:none"));
        let (ok, n, values): (String, i64, Vec<Option<i64>>) =
            client.pipeline(&pipeline).await.unwrap();
        assert_eq!((ok.as_str(), n), ("OK", 8));
        assert_eq!(values, [Some(8), None]);
    })
    .await
}

#[tokio::test]
async fn the_database_in_the_url_is_selected() {
    bounded(async {
        let db5 = Client::connect(&url(5)).await.unwrap();
        let db6 = Client::connect(&url(6)).await.unwrap();
        db5.query::<()>(cmd("SET").arg("e2e:where").arg("five"))
            .await
            .unwrap();
        let there: Option<String> = db6.query(cmd("GET").arg("e2e:where")).await.unwrap();
        assert_eq!(there, None);
        let here: Option<String> = db5.query(cmd("GET").arg("e2e:where")).await.unwrap();
        assert_eq!(here.as_deref(), Some("five"));
    })
    .await
}

#[tokio::test]
async fn a_timed_out_command_leaves_the_connection_usable() {
    bounded(async {
        let client = Client::connect(&url(7)).await.unwrap();
        client
            .query::<()>(cmd("SET").arg("e2e:t").arg("v"))
            .await
            .unwrap();
        let slow = client
            .query::<()>(
                cmd("DEBUG")
                    .arg("SLEEP")
                    .arg("0.3")
                    .timeout(Duration::from_millis(50)),
            )
            .await;
        assert!(matches!(slow, Err(Error::Timeout)), "{slow:?}");
        // The late +OK of DEBUG SLEEP must not be taken for GET's reply.
        let value: String = client.query(cmd("GET").arg("e2e:t")).await.unwrap();
        assert_eq!(value, "v");
        assert_eq!(client.state(), State::Ready);
    })
    .await
}

#[tokio::test]
async fn dropping_a_query_future_keeps_the_connection_in_step() {
    bounded(async {
        let client = Client::connect(&url(11)).await.unwrap();
        client
            .query::<()>(cmd("SET").arg("e2e:c").arg("kept"))
            .await
            .unwrap();
        // Cancelled after it was sent: the server still answers it, and that
        // answer must not be given to the next command.
        let cancelled = tokio::time::timeout(
            Duration::from_millis(20),
            client.query::<()>(cmd("DEBUG").arg("SLEEP").arg("0.2")),
        )
        .await;
        assert!(cancelled.is_err(), "the query was cancelled by the timeout");
        // Cancelled before it was ever polled: nothing is sent.
        drop(client.query::<i64>(cmd("INCR").arg("e2e:never")));
        let value: String = client.query(cmd("GET").arg("e2e:c")).await.unwrap();
        assert_eq!(value, "kept");
        let never: Option<i64> = client.query(cmd("GET").arg("e2e:never")).await.unwrap();
        assert_eq!(never, None);
    })
    .await
}

#[tokio::test]
async fn back_pressure_waits_for_room_or_fails_fast() {
    bounded(async {
        let mut config = Config::from_url(&url(8)).unwrap();
        config.max_pending = 2;
        let client = Client::with_config(config).unwrap();
        client.ready().await.unwrap();
        let sleeper = client.clone();
        let sleeping = tokio::spawn(async move {
            sleeper
                .query::<()>(cmd("DEBUG").arg("SLEEP").arg("0.5"))
                .await
        });
        let second = client.clone();
        let queued = tokio::spawn(async move { second.query::<String>(cmd("PING")).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = client.try_query::<String>(cmd("PING")).await;
        assert!(matches!(refused, Err(Error::QueueFull)), "{refused:?}");
        let waited: String = client.query(cmd("PING")).await.unwrap();
        assert_eq!(waited, "PONG");
        sleeping.await.unwrap().unwrap();
        assert_eq!(queued.await.unwrap().unwrap(), "PONG");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senders_contending_for_a_small_queue_all_get_room() {
    bounded(async {
        let mut config = Config::from_url(&url(12)).unwrap();
        config.max_pending = 3;
        let client = Client::with_config(config).unwrap();
        client.ready().await.unwrap();
        let mut tasks = Vec::new();
        for t in 0..20 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                let key = format!("e2e:room:{t}");
                for i in 1..=50 {
                    let n: i64 = client.query(cmd("INCR").arg(&key)).await.unwrap();
                    assert_eq!(n, i);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    })
    .await
}

#[tokio::test]
async fn closing_drains_pending_commands() {
    bounded(async {
        let client = Client::connect(&url(9)).await.unwrap();
        let mut replies = Vec::new();
        for i in 0..50 {
            let client = client.clone();
            replies.push(tokio::spawn(async move {
                client.query::<i64>(cmd("INCR").arg("e2e:drain")).await
            }));
            if i == 25 {
                tokio::task::yield_now().await;
            }
        }
        tokio::task::yield_now().await;
        client.close().await;
        assert_eq!(client.state(), State::Closed);
        let mut answered = 0;
        for reply in replies {
            match reply.await.unwrap() {
                Ok(_) => answered += 1,
                Err(Error::Closed) => {}
                Err(other) => panic!("{other}"),
            }
        }
        assert!(answered > 0);
        let after = client.query::<i64>(cmd("INCR").arg("e2e:drain")).await;
        assert!(matches!(after, Err(Error::Closed)));
        let check = Client::connect(&url(9)).await.unwrap();
        let total: i64 = check.query(cmd("GET").arg("e2e:drain")).await.unwrap();
        assert_eq!(
            total, answered,
            "every command accepted before close ran once"
        );
    })
    .await
}

#[tokio::test]
async fn connect_reports_a_refused_connection() {
    bounded(async {
        let port = support::free_port();
        let error = Client::connect(&format!("redis://127.0.0.1:{port}"))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Connect { .. }), "{error}");
    })
    .await
}

/// Starts an in-process server listening only on a Unix socket.
fn start_unix_server(name: &str) -> std::path::PathBuf {
    use vireo_server::config::Config as ServerConfig;
    let path =
        std::env::temp_dir().join(format!("vireo-client-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut config = ServerConfig::default();
    config.port = 0;
    config.unixsocket = Some(path.to_string_lossy().into_owned());
    config.save = String::new();
    std::thread::spawn(move || {
        let _ = vireo_server::run(config);
    });
    for _ in 0..500 {
        if path.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    path
}

#[tokio::test]
async fn a_unix_socket_url_works() {
    let path = start_unix_server("tokio");
    bounded(async {
        let client = Client::connect(&format!("unix://{}", path.display()))
            .await
            .unwrap();
        let pong: String = client.query(cmd("PING")).await.unwrap();
        assert_eq!(pong, "PONG");
    })
    .await;
    let _ = std::fs::remove_file(&path);
}

#[test]
fn the_blocking_client_speaks_over_a_unix_socket() {
    let path = start_unix_server("blocking");
    let mut client = blocking::Client::open(&format!("unix://{}?db=2", path.display())).unwrap();
    client.query::<()>(cmd("SET").arg("u").arg("x")).unwrap();
    let value: String = client.query(cmd("GET").arg("u")).unwrap();
    assert_eq!(value, "x");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn the_blocking_client_runs_commands_and_pipelines() {
    let mut client = blocking::Client::open(&url(10)).unwrap();
    client
        .query::<()>(cmd("SET").arg("e2e:b").arg("1"))
        .unwrap();
    let n: i64 = client.query(cmd("INCR").arg("e2e:b")).unwrap();
    assert_eq!(n, 2);
    let mut pipeline = Pipeline::new();
    pipeline
        .add(cmd("INCR").arg("e2e:b"))
        .add(cmd("GET").arg("e2e:b"));
    let (a, b): (i64, String) = client.pipeline(&pipeline).unwrap();
    assert_eq!((a, b.as_str()), (3, "3"));
    let slow = client.query::<()>(
        cmd("DEBUG")
            .arg("SLEEP")
            .arg("0.2")
            .timeout(Duration::from_millis(20)),
    );
    assert!(matches!(slow, Err(Error::Timeout)));
    let still: i64 = client.query(cmd("GET").arg("e2e:b")).unwrap();
    assert_eq!(still, 3);
    client.close();
}

#[test]
fn the_blocking_client_reports_a_refused_connection() {
    let port = support::free_port();
    let error = blocking::Client::open(&format!("redis://127.0.0.1:{port}")).unwrap_err();
    assert!(matches!(error, Error::Connect { .. }), "{error}");
}
