//! Property tests of the protocol core: against Vireo's server core with
//! random read/write splitting, against a scripted peer with random
//! disconnects and a simulated clock, and against random bytes.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use bytes::BytesMut;
use proptest::prelude::*;
use support::{chunks, config, Harness, RequestReader};
use vireo_client::{cmd, Command, Error, Frame, State, Token, TransportAction};
use vireo_resp::ReplyDecoder;
use vireo_server::testing::Transcript;

// ----- against the server core ---------------------------------------------

fn command_strategy() -> impl Strategy<Value = Vec<String>> {
    let key = prop::sample::select(vec!["a", "b", "c"]);
    let value = "[a-z0-9]{0,6}";
    prop_oneof![
        (key.clone(), value).prop_map(|(k, v)| vec!["SET".into(), k.into(), v]),
        key.clone().prop_map(|k| vec!["GET".into(), k.into()]),
        key.clone().prop_map(|k| vec!["INCR".into(), k.into()]),
        key.clone().prop_map(|k| vec!["DEL".into(), k.into()]),
        (key.clone(), value).prop_map(|(k, v)| vec!["APPEND".into(), k.into(), v]),
        key.prop_map(|k| vec!["STRLEN".into(), k.into()]),
        Just(vec!["MGET".into(), "a".into(), "b".into(), "c".into()]),
        Just(vec!["NOSUCHCOMMAND".into()]),
    ]
}

fn to_command(words: &[String]) -> Command {
    let mut command = cmd(&words[0]);
    for word in &words[1..] {
        command = command.arg(word.as_str());
    }
    command
}

/// The replies Vireo's server core gives to `commands` sent one at a time.
fn reference_replies(commands: &[Vec<String>]) -> Vec<Frame> {
    let mut server = Transcript::new();
    let client = server.connect();
    let mut decoder = ReplyDecoder::new();
    let mut buf = BytesMut::from(&server.command(client, &[b"HELLO", b"3"])[..]);
    decoder.decode(&mut buf).expect("HELLO reply");
    commands
        .iter()
        .map(|words| {
            let argv: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
            let mut buf = BytesMut::from(&server.command(client, &argv)[..]);
            decoder
                .decode(&mut buf)
                .expect("valid reply")
                .expect("whole reply")
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn completions_match_the_server_in_order_whatever_the_splitting(
        commands in prop::collection::vec(command_strategy(), 1..40),
        write_cuts in prop::collection::vec(0usize..10_000, 0..12),
        read_cuts in prop::collection::vec(0usize..10_000, 0..12),
        burst in 1usize..8,
    ) {
        let expected = reference_replies(&commands);
        let mut server = Transcript::new();
        let peer = server.connect();
        let mut h = Harness::new(config());
        h.open_socket();
        let mut tokens = Vec::new();
        let mut next = 0;
        while next < commands.len() || h.order.len() < commands.len() {
            // Submit a burst, then move bytes both ways in random pieces.
            for words in commands.iter().skip(next).take(burst) {
                tokens.push(h.submit(to_command(words)));
                next += 1;
            }
            let written = h.written();
            let mut replies = Vec::new();
            for piece in chunks(&written, &write_cuts) {
                replies.extend(server.send(peer, &piece));
            }
            for piece in chunks(&replies, &read_cuts) {
                h.read(&piece);
            }
            prop_assert_eq!(h.conn.state(), State::Ready);
        }
        prop_assert_eq!(&h.order, &tokens);
        for (token, want) in tokens.iter().zip(&expected) {
            prop_assert_eq!(h.reply(*token), want);
        }
    }
}

// ----- exactly once under disconnects --------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Submit {
        idempotent: bool,
        timeout_ms: Option<u64>,
    },
    Batch {
        size: usize,
    },
    Answer {
        count: usize,
        cut: usize,
    },
    Disconnect,
    Advance {
        ms: u64,
    },
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), prop::option::of(1u64..300))
            .prop_map(|(idempotent, timeout_ms)| Op::Submit { idempotent, timeout_ms }),
        1 => (1usize..4).prop_map(|size| Op::Batch { size }),
        4 => (1usize..6, 0usize..1000).prop_map(|(count, cut)| Op::Answer { count, cut }),
        1 => Just(Op::Disconnect),
        2 => (1u64..400).prop_map(|ms| Op::Advance { ms }),
    ]
}

/// A server that answers `ECHO <id>` with `<id>` and counts executions.
#[derive(Default)]
struct EchoPeer {
    reader: RequestReader,
    unanswered: Vec<Vec<Vec<u8>>>,
    executions: HashMap<Vec<u8>, usize>,
}

impl EchoPeer {
    fn reset(&mut self) {
        self.reader = RequestReader::default();
        self.unanswered.clear();
    }

    /// Runs what arrived at once; the replies wait for `answer`, so a
    /// disconnect can lose the reply of a command that did run.
    fn receive(&mut self, bytes: &[u8]) {
        let commands = self.reader.feed(bytes);
        for argv in &commands {
            if argv[0] == b"ECHO" {
                *self.executions.entry(argv[1].clone()).or_default() += 1;
            }
        }
        self.unanswered.extend(commands);
    }

    fn answer(&mut self, count: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let take = count.min(self.unanswered.len());
        for argv in self.unanswered.drain(..take) {
            match argv[0].as_slice() {
                b"HELLO" => out.extend_from_slice(b"%0\r\n"),
                b"ECHO" => {
                    out.extend_from_slice(format!("${}\r\n", argv[1].len()).as_bytes());
                    out.extend_from_slice(&argv[1]);
                    out.extend_from_slice(b"\r\n");
                }
                other => panic!("unexpected {:?}", String::from_utf8_lossy(other)),
            }
        }
        out
    }
}

struct Submitted {
    ids: Vec<Vec<u8>>,
    idempotent: bool,
    batch: bool,
}

fn step_transport(h: &mut Harness, peer: &mut EchoPeer) {
    while let Some(action) = h.transport() {
        match action {
            TransportAction::Connect => {
                h.conn.handle_connected(h.now);
                peer.reset();
            }
            TransportAction::Close => peer.reset(),
        }
        h.collect();
    }
    let written = h.written();
    peer.receive(&written);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_command_completes_exactly_once_and_is_never_replayed_unless_idempotent(
        ops in prop::collection::vec(op_strategy(), 1..80),
    ) {
        let mut h = Harness::new(config());
        let mut peer = EchoPeer::default();
        let mut submitted: HashMap<Token, Submitted> = HashMap::new();
        let mut next_id = 0;
        for op in ops {
            step_transport(&mut h, &mut peer);
            match op {
                Op::Submit { idempotent, timeout_ms } => {
                    let id = format!("id{next_id}").into_bytes();
                    next_id += 1;
                    let mut command = cmd("ECHO").arg(id.as_slice());
                    if idempotent { command = command.idempotent(); }
                    if let Some(ms) = timeout_ms { command = command.timeout(Duration::from_millis(ms)); }
                    let token = h.submit(command);
                    submitted.insert(token, Submitted { ids: vec![id], idempotent, batch: false });
                }
                Op::Batch { size } => {
                    let ids: Vec<Vec<u8>> = (0..size).map(|i| format!("id{next_id}.{i}").into_bytes()).collect();
                    next_id += 1;
                    let commands = ids.iter().map(|id| cmd("ECHO").arg(id.as_slice())).collect();
                    let token = h.conn.submit_batch(commands, h.now).expect("batch");
                    h.collect();
                    submitted.insert(token, Submitted { ids, idempotent: false, batch: true });
                }
                Op::Answer { count, cut } => {
                    let replies = peer.answer(count);
                    for piece in chunks(&replies, &[cut, cut / 3]) {
                        h.read(&piece);
                    }
                }
                Op::Disconnect => {
                    h.disconnect("injected failure");
                    peer.reset();
                }
                Op::Advance { ms } => h.advance(Duration::from_millis(ms)),
            }
        }
        // Drain: close gracefully and keep the peer answering.
        h.conn.close();
        h.collect();
        for _ in 0..1000 {
            if h.conn.state() == State::Closed { break; }
            step_transport(&mut h, &mut peer);
            let replies = peer.answer(usize::MAX);
            h.read(&replies);
            h.advance(Duration::from_millis(50));
        }
        prop_assert_eq!(h.conn.state(), State::Closed);
        prop_assert_eq!(h.conn.pending(), 0);

        let mut ok_order = Vec::new();
        for (token, request) in &submitted {
            let results = h.completions.get(token).map(Vec::as_slice).unwrap_or(&[]);
            prop_assert_eq!(results.len(), 1, "{:?} completed {} times", token, results.len());
            match &results[0] {
                Ok(frame) => {
                    let want = if !request.batch {
                        Frame::Bulk(request.ids[0].clone().into())
                    } else {
                        Frame::Array(request.ids.iter().map(|id| Frame::Bulk(id.clone().into())).collect())
                    };
                    prop_assert_eq!(frame, &want);
                    ok_order.push(*token);
                }
                Err(Error::ConnectionLost { .. }) => prop_assert!(!request.idempotent),
                Err(Error::Timeout | Error::NotConnected { .. } | Error::Closed) => {}
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
            if !request.idempotent {
                for id in &request.ids {
                    prop_assert!(peer.executions.get(id).copied().unwrap_or(0) <= 1, "{:?} replayed", id);
                }
            }
        }
        let completed_ok: Vec<Token> = h.order.iter().copied().filter(|t| ok_order.contains(t)).collect();
        let mut sorted = completed_ok.clone();
        sorted.sort();
        prop_assert_eq!(completed_ok, sorted, "successful replies complete in submission order");
        let unique: BTreeSet<Token> = h.order.iter().copied().collect();
        prop_assert_eq!(unique.len(), h.order.len());
    }
}

// ----- hostile bytes -------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn no_bytes_from_the_server_make_the_core_panic(
        garbage in prop::collection::vec(prop_oneof![
            any::<u8>(),
            prop::sample::select(b"*$:+-%>~_#,(!=|\r\n0123456789".to_vec()),
        ], 0..300),
        subscribed in any::<bool>(),
        resp2 in any::<bool>(),
    ) {
        let mut c = if resp2 { support::resp2() } else { config() };
        c.subscription_capacity = 2;
        let mut h = Harness::ready(c);
        if subscribed {
            let _ = h.conn.subscribe(vireo_client::SubscriptionKind::Channel, b"c", h.now);
        }
        for _ in 0..3 {
            let _ = h.conn.submit(cmd("GET").arg("k"), h.now);
        }
        h.sent();
        for piece in garbage.chunks(7) {
            h.read(piece);
        }
        h.disconnect("end");
        for results in h.completions.values() {
            prop_assert_eq!(results.len(), 1);
        }
    }
}
