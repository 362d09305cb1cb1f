//! End to end against a real `redis-server` on loopback, for what Vireo's
//! server does not do yet: pub/sub (and its restoration after a server
//! restart), MULTI/EXEC with WATCH, scripts, blocking commands, MONITOR.
//! Skipped only when `redis-server` is missing and CI is unset.

mod support;

use std::time::Duration;

use support::RedisServer;
use vireo_client::tokio::{Client, ConnectionEvent, Subscription};
use vireo_client::{blocking, cmd, Config, Delivery, Error, Script, State, Transaction};

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test took too long")
}

async fn next_message(subscription: &mut Subscription) -> (String, String) {
    match tokio::time::timeout(Duration::from_secs(5), subscription.next()).await {
        Ok(Delivery::Message(m)) => (
            String::from_utf8_lossy(&m.channel).into_owned(),
            String::from_utf8_lossy(&m.payload).into_owned(),
        ),
        other => panic!("expected a message, got {other:?}"),
    }
}

#[tokio::test]
async fn commands_wait_for_a_server_that_is_not_up_yet() {
    let port = support::free_port();
    let mut config = Config::from_url(&format!("redis://127.0.0.1:{port}")).unwrap();
    if let Some(backoff) = config.reconnect.as_mut() {
        backoff.initial = Duration::from_millis(10);
        backoff.max = Duration::from_millis(100);
    }
    let client = Client::with_config(config).unwrap();
    let mut states = client.state_changes();
    let early = {
        let client = client.clone();
        tokio::spawn(async move { client.query::<String>(cmd("PING")).await })
    };
    // Wait until at least one attempt has failed and a retry is scheduled.
    bounded(async {
        while !matches!(*states.borrow_and_update(), State::WaitingToReconnect(_)) {
            states.changed().await.unwrap();
        }
    })
    .await;
    let Some(_server) = RedisServer::start_on_port(port) else {
        return;
    };
    let pong = bounded(early).await.unwrap().unwrap();
    assert_eq!(pong, "PONG");
    assert_eq!(client.state(), State::Ready);
}

#[tokio::test]
async fn pubsub_channels_and_patterns_over_resp3() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    bounded(async {
        let client = Client::connect(&server.url()).await.unwrap();
        let mut room = client.subscribe("chat:room").await.unwrap();
        let mut all = client.psubscribe("chat:*").await.unwrap();
        // RESP3: the same connection still runs commands.
        let receivers: i64 = client
            .query(cmd("PUBLISH").arg("chat:room").arg("hello"))
            .await
            .unwrap();
        assert_eq!(receivers, 2);
        client
            .query::<i64>(cmd("PUBLISH").arg("chat:other").arg("psst"))
            .await
            .unwrap();
        assert_eq!(
            next_message(&mut room).await,
            ("chat:room".into(), "hello".into())
        );
        assert_eq!(
            next_message(&mut all).await,
            ("chat:room".into(), "hello".into())
        );
        assert_eq!(
            next_message(&mut all).await,
            ("chat:other".into(), "psst".into())
        );
        drop(room);
        let receivers: i64 = client
            .query(cmd("PUBLISH").arg("chat:room").arg("again"))
            .await
            .unwrap();
        assert_eq!(receivers, 1, "dropping the subscription unsubscribed");
    })
    .await
}

#[tokio::test]
async fn pubsub_over_resp2_refuses_ordinary_commands_while_subscribed() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    bounded(async {
        let url = format!("{}?protocol=resp2", server.url());
        let subscriber = Client::connect(&url).await.unwrap();
        let publisher = Client::connect(&url).await.unwrap();
        let mut news = subscriber.subscribe("news").await.unwrap();
        let refused = subscriber
            .query::<Option<String>>(cmd("GET").arg("k"))
            .await;
        assert!(matches!(refused, Err(Error::NotAllowed(_))), "{refused:?}");
        let pong: Vec<String> = subscriber.query(cmd("PING")).await.unwrap();
        assert_eq!(pong, ["pong", ""]);
        publisher
            .query::<i64>(cmd("PUBLISH").arg("news").arg("n1"))
            .await
            .unwrap();
        assert_eq!(next_message(&mut news).await, ("news".into(), "n1".into()));
        drop(news);
        let value: Option<String> = subscriber.query(cmd("GET").arg("k")).await.unwrap();
        assert_eq!(value, None);
    })
    .await
}

#[tokio::test]
async fn subscriptions_are_restored_after_a_server_restart() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let client = bounded(Client::connect(&url)).await.unwrap();
    let mut config = Config::from_url(&url).unwrap();
    if let Some(backoff) = config.reconnect.as_mut() {
        backoff.initial = Duration::from_millis(20);
        backoff.max = Duration::from_millis(200);
    }
    let subscriber = Client::with_config(config).unwrap();
    let mut events = bounded(subscriber.subscribe("events")).await.unwrap();
    let mut states = subscriber.state_changes();
    let mut connection_events = subscriber.events();

    // A blocking command in flight when the server dies fails, and says so.
    let blocked = {
        let subscriber = subscriber.clone();
        tokio::spawn(async move {
            subscriber
                .query::<Option<Vec<String>>>(cmd("BLPOP").arg("never").arg(0))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.restart();
    let lost = bounded(blocked).await.unwrap();
    match lost {
        Err(error @ Error::ConnectionLost { .. }) => assert!(error.may_have_executed()),
        other => panic!("{other:?}"),
    }
    bounded(async {
        while *states.borrow_and_update() != State::Ready {
            states.changed().await.unwrap();
        }
    })
    .await;
    let seen = bounded(async {
        let mut seen = Vec::new();
        loop {
            let event = connection_events.recv().await.unwrap();
            let connected = matches!(event, ConnectionEvent::Connected);
            seen.push(event);
            if connected {
                break seen;
            }
        }
    })
    .await;
    assert!(
        matches!(seen.first(), Some(ConnectionEvent::Disconnected(_))),
        "{seen:?}"
    );

    // The old publisher reconnects too; publish until the restored
    // subscription sees a message (the SUBSCRIBE may still be on its way).
    let received = bounded(async {
        loop {
            let _ = client
                .query::<i64>(cmd("PUBLISH").arg("events").arg("after restart"))
                .await;
            if let Ok(delivery) =
                tokio::time::timeout(Duration::from_millis(100), events.next()).await
            {
                break delivery;
            }
        }
    })
    .await;
    match received {
        Delivery::Message(m) => assert_eq!(&m.payload[..], b"after restart"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_slow_subscriber_sees_lag_instead_of_silent_loss() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    bounded(async {
        let mut config = Config::from_url(&server.url()).unwrap();
        config.subscription_capacity = 4;
        let subscriber = Client::with_config(config).unwrap();
        let publisher = Client::connect(&server.url()).await.unwrap();
        let mut feed = subscriber.subscribe("feed").await.unwrap();
        for i in 0..100 {
            publisher
                .query::<i64>(cmd("PUBLISH").arg("feed").arg(i))
                .await
                .unwrap();
        }
        // Wait for the last message to reach the subscriber's queue.
        publisher
            .query::<i64>(cmd("PUBLISH").arg("feed").arg("end"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (mut messages, mut lagged) = (0u64, 0u64);
        loop {
            match feed.next().await {
                Delivery::Lagged(n) => lagged += n,
                Delivery::Message(m) => {
                    messages += 1;
                    if &m.payload[..] == b"end" {
                        break;
                    }
                }
                Delivery::Closed => panic!("closed"),
            }
        }
        assert!(lagged > 0, "a queue of 4 cannot hold 101 messages");
        assert_eq!(
            messages + lagged,
            101,
            "every message is delivered or counted"
        );
    })
    .await
}

#[tokio::test]
async fn transactions_scripts_and_blocking_pops() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    bounded(async {
        let client = Client::connect(&server.url()).await.unwrap();
        let mut tx = Transaction::new();
        tx.add(cmd("SET").arg("tx:a").arg(1))
            .add(cmd("INCR").arg("tx:a"))
            .add(cmd("GET").arg("tx:a"));
        let (set, incr, get): (String, i64, i64) = client.transaction(&tx).await.unwrap();
        assert_eq!((set.as_str(), incr, get), ("OK", 2, 2));

        let mut bad = Transaction::new();
        bad.add(cmd("SET").arg("tx:a")).add(cmd("INCR").arg("tx:a"));
        let error = client.transaction::<Vec<i64>>(&bad).await.unwrap_err();
        assert_eq!(
            error.server_error().map(|e| e.code()),
            Some(&b"EXECABORT"[..])
        );

        let script = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        client
            .query::<()>(cmd("SCRIPT").arg("FLUSH"))
            .await
            .unwrap();
        let first: i64 = client
            .invoke(&script, &["sc:n"][..], &[5][..])
            .await
            .unwrap();
        let second: i64 = client
            .invoke(&script, &["sc:n"][..], &[5][..])
            .await
            .unwrap();
        assert_eq!((first, second), (5, 10));
        let cached: Vec<bool> = client
            .query(cmd("SCRIPT").arg("EXISTS").arg(script.sha1()))
            .await
            .unwrap();
        assert_eq!(cached, [true]);

        // BLPOP 1 times out on the server and answers null: no client
        // timeout, because its deadline is 1 s plus the grace.
        let nothing: Option<(String, String)> = client
            .query(cmd("BLPOP").arg("jobs:none").arg(1))
            .await
            .unwrap();
        assert_eq!(nothing, None);
        let worker = client.clone();
        let waiting = tokio::spawn(async move {
            worker
                .query::<Option<(String, String)>>(cmd("BLPOP").arg("jobs").arg(5))
                .await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let other = Client::connect(&server.url()).await.unwrap();
        other
            .query::<i64>(cmd("RPUSH").arg("jobs").arg("job-1"))
            .await
            .unwrap();
        let job = waiting.await.unwrap().unwrap();
        assert_eq!(job, Some(("jobs".to_string(), "job-1".to_string())));
    })
    .await
}

#[tokio::test]
async fn monitor_shows_other_clients_commands() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    bounded(async {
        let watcher = Client::connect(&server.url()).await.unwrap();
        let mut lines = watcher.monitor().await.unwrap();
        let refused = watcher.query::<String>(cmd("PING")).await;
        assert!(matches!(refused, Err(Error::NotAllowed(_))));
        let client = Client::connect(&server.url()).await.unwrap();
        client
            .query::<Option<String>>(cmd("GET").arg("monitored-key"))
            .await
            .unwrap();
        loop {
            match tokio::time::timeout(Duration::from_secs(5), lines.next()).await {
                Ok(Delivery::Message(m)) => {
                    let line = String::from_utf8_lossy(&m.payload).into_owned();
                    if line.contains("\"monitored-key\"") {
                        assert!(line.contains("\"GET\""), "{line}");
                        break;
                    }
                }
                other => panic!("{other:?}"),
            }
        }
    })
    .await
}

#[test]
fn watch_aborts_a_transaction_when_the_key_changes() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut client = blocking::Client::open(&server.url()).unwrap();
    let mut other = blocking::Client::open(&server.url()).unwrap();
    client
        .query::<()>(cmd("SET").arg("balance").arg(10))
        .unwrap();

    client.query::<()>(cmd("WATCH").arg("balance")).unwrap();
    let balance: i64 = client.query(cmd("GET").arg("balance")).unwrap();
    other.query::<()>(cmd("SET").arg("balance").arg(0)).unwrap();
    let mut tx = Transaction::new();
    tx.add(cmd("SET").arg("balance").arg(balance + 5));
    let result: Option<(String,)> = client.transaction(&tx).unwrap();
    assert_eq!(result, None, "the concurrent write wins");

    client.query::<()>(cmd("WATCH").arg("balance")).unwrap();
    let balance: i64 = client.query(cmd("GET").arg("balance")).unwrap();
    let mut tx = Transaction::new();
    tx.add(cmd("SET").arg("balance").arg(balance + 5));
    let result: Option<(String,)> = client.transaction(&tx).unwrap();
    assert_eq!(result, Some(("OK".to_string(),)));
    let now: i64 = other.query(cmd("GET").arg("balance")).unwrap();
    assert_eq!(now, 5);
}

#[test]
fn the_blocking_client_receives_messages() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut subscriber = blocking::Client::open(&server.url()).unwrap();
    let mut publisher = blocking::Client::open(&server.url()).unwrap();
    let id = subscriber
        .subscribe(vireo_client::SubscriptionKind::Channel, "b")
        .unwrap();
    publisher
        .query::<i64>(cmd("PUBLISH").arg("b").arg("hi"))
        .unwrap();
    match subscriber
        .next_delivery(id, Some(Duration::from_secs(5)))
        .unwrap()
    {
        Some(Delivery::Message(m)) => assert_eq!(&m.payload[..], b"hi"),
        other => panic!("{other:?}"),
    }
    let nothing = subscriber
        .next_delivery(id, Some(Duration::from_millis(50)))
        .unwrap();
    assert_eq!(nothing, None);

    let mut watcher = blocking::Client::open(&server.url()).unwrap();
    let lines = watcher.monitor().unwrap();
    publisher
        .query::<i64>(cmd("PUBLISH").arg("b").arg("seen"))
        .unwrap();
    match watcher
        .next_delivery(lines, Some(Duration::from_secs(5)))
        .unwrap()
    {
        Some(Delivery::Message(m)) => {
            assert!(String::from_utf8_lossy(&m.payload).contains("\"PUBLISH\""))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_blocking_client_reconnects_after_a_server_restart() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let mut config = Config::from_url(&server.url()).unwrap();
    if let Some(backoff) = config.reconnect.as_mut() {
        backoff.initial = Duration::from_millis(20);
        backoff.max = Duration::from_millis(200);
    }
    let mut client = blocking::Client::with_config(config).unwrap();
    client
        .query::<()>(cmd("SET").arg("k").arg("before"))
        .unwrap();
    server.restart();
    // The first command after the restart may be the one that discovers
    // the broken socket: it fails, saying it may not have run; a read
    // marked idempotent is retried instead.
    let value: Option<String> = client.query(cmd("GET").arg("k").idempotent()).unwrap();
    assert_eq!(value, None, "a fresh server has no keys");
    client
        .query::<()>(cmd("SET").arg("k").arg("after"))
        .unwrap();
    let value: String = client.query(cmd("GET").arg("k")).unwrap();
    assert_eq!(value, "after");
}
