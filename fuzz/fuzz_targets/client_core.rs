//! Fuzz target for the client's protocol core: the input is a script of
//! application calls, server bytes, disconnects and clock moves. The core
//! must never panic, must complete each token at most once, and after
//! `abort` must have completed every token exactly once.

#![no_main]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use vireo_client::{
    cmd, Address, Backoff, Config, Connection, Protocol, SubscriptionKind, Token, TransportAction,
};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut script)) = data.split_first() else {
        return;
    };
    let mut config = Config::new(Address::Tcp {
        host: "127.0.0.1".into(),
        port: 6379,
    });
    config.protocol = if flags & 1 == 0 {
        Protocol::Resp3
    } else {
        Protocol::Resp2
    };
    config.password = (flags & 2 != 0).then(|| "pw".to_string());
    config.db = u32::from(flags >> 5);
    config.max_pending = 16;
    config.subscription_capacity = 2;
    config.reconnect = (flags & 4 == 0).then_some(Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(100),
        max_attempts: (flags & 8 != 0).then_some(3),
    });
    let mut now = Instant::now();
    let mut core = Connection::new(config, now);
    let mut submitted: Vec<Token> = Vec::new();
    let mut completed: HashMap<Token, usize> = HashMap::new();
    let mut subscriptions = Vec::new();
    let mut out = Vec::new();

    while let Some((&op, rest)) = script.split_first() {
        script = rest;
        match op % 12 {
            0 | 1 => {
                let mut command = cmd("GET").arg(u32::from(op));
                if op & 0x10 != 0 {
                    command = command.idempotent();
                }
                if op & 0x20 != 0 {
                    command = command.timeout(Duration::from_millis(u64::from(op)));
                }
                if let Ok(token) = core.submit(command, now) {
                    submitted.push(token);
                }
            }
            2 => {
                let batch = vec![cmd("MULTI"), cmd("INCR").arg("k"), cmd("EXEC")];
                if let Ok(token) = core.submit_batch(batch, now) {
                    submitted.push(token);
                }
            }
            3 => {
                let blocking = cmd("BLPOP").arg("q").arg(u32::from(op >> 6));
                if let Ok(token) = core.submit(blocking, now) {
                    submitted.push(token);
                }
            }
            4 => {
                let kind = [
                    SubscriptionKind::Channel,
                    SubscriptionKind::Pattern,
                    SubscriptionKind::Shard,
                ][usize::from(op >> 4) % 3];
                if let Ok((id, token)) = core.subscribe(kind, &[b'c', op >> 6], now) {
                    submitted.push(token);
                    subscriptions.push(id);
                }
            }
            5 => {
                if let Some(id) = subscriptions.pop() {
                    core.unsubscribe(id);
                }
            }
            6 => {
                if let Ok((id, token)) = core.monitor(now) {
                    submitted.push(token);
                    subscriptions.push(id);
                }
            }
            7 => {
                let len = usize::from(op >> 4).min(script.len());
                let (bytes, rest) = script.split_at(len);
                script = rest;
                core.handle_read(bytes, now);
            }
            8 => core.handle_disconnected("fuzz", now),
            9 => {
                now += Duration::from_millis(u64::from(op) * 3);
                core.handle_timeout(now);
            }
            10 => core.close(),
            _ => {
                while let Some(action) = core.poll_transport() {
                    match action {
                        TransportAction::Connect if op & 0x80 != 0 => {
                            core.handle_connect_failed("refused", now)
                        }
                        TransportAction::Connect => core.handle_connected(now),
                        TransportAction::Close => {}
                    }
                }
            }
        }
        out.clear();
        core.poll_transmit(&mut out);
        while let Some(completion) = core.poll_completion() {
            let count = completed.entry(completion.token).or_default();
            *count += 1;
            assert_eq!(*count, 1, "{:?} completed twice", completion.token);
        }
        while core.poll_event().is_some() {}
        for id in &subscriptions {
            while let Some(delivery) = core.poll_delivery(*id) {
                if delivery == vireo_client::Delivery::Closed {
                    break;
                }
            }
        }
    }
    core.abort();
    while let Some(completion) = core.poll_completion() {
        let count = completed.entry(completion.token).or_default();
        *count += 1;
        assert_eq!(*count, 1, "{:?} completed twice", completion.token);
    }
    for token in &submitted {
        assert_eq!(completed.get(token), Some(&1), "{token:?} never completed");
    }
    assert_eq!(core.pending(), 0);
});
