//! Property tests of list and hash commands through the server core:
//! random command sequences against `VecDeque`/`HashMap` models, and the
//! count rules of HRANDFIELD, whose replies are random.

use std::collections::{HashMap, HashSet, VecDeque};

use proptest::prelude::*;
use vireo_resp::{Frame, ReplyDecoder};
use vireo_server::testing::Transcript;

fn decode(bytes: &[u8]) -> Frame {
    let mut decoder = ReplyDecoder::new();
    let mut buffer = bytes::BytesMut::from(bytes);
    decoder
        .decode(&mut buffer)
        .expect("valid reply")
        .expect("complete reply")
}

fn bulk_strings(frame: Frame) -> Vec<Vec<u8>> {
    match frame {
        Frame::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Frame::Bulk(bytes) => bytes.to_vec(),
                other => panic!("expected a bulk string, got {other:?}"),
            })
            .collect(),
        other => panic!("expected an array, got {other:?}"),
    }
}

#[derive(Debug, Clone)]
enum ListOp {
    Push(bool, Vec<String>),
    Pop(bool, usize),
    Set(i64, String),
    Insert(bool, String, String),
    Rem(i64, String),
    Trim(i64, i64),
}

fn element() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u8..5).prop_map(|v| ((b'a' + v) as char).to_string()),
        (-3i64..300).prop_map(|v| v.to_string()),
        (1usize..200).prop_map(|n| "x".repeat(n)),
    ]
}

fn list_op() -> impl Strategy<Value = ListOp> {
    prop_oneof![
        4 => (any::<bool>(), proptest::collection::vec(element(), 1..8)).prop_map(|(l, e)| ListOp::Push(l, e)),
        1 => (any::<bool>(), 0usize..6).prop_map(|(l, n)| ListOp::Pop(l, n)),
        1 => (-20i64..20, element()).prop_map(|(i, e)| ListOp::Set(i, e)),
        1 => (any::<bool>(), element(), element()).prop_map(|(b, p, e)| ListOp::Insert(b, p, e)),
        1 => (-3i64..3, element()).prop_map(|(n, e)| ListOp::Rem(n, e)),
        1 => (-30i64..30, -30i64..30).prop_map(|(s, e)| ListOp::Trim(s, e)),
    ]
}

fn normalise(index: i64, len: usize) -> i64 {
    if index < 0 {
        index + len as i64
    } else {
        index
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn list_commands_behave_like_a_vecdeque(
        fill in prop_oneof![Just("-1"), Just("-2"), Just("1"), Just("4")],
        ops in proptest::collection::vec(list_op(), 1..60),
    ) {
        let mut t = Transcript::new();
        let c = t.connect();
        t.command(c, &[b"CONFIG", b"SET", b"list-max-listpack-size", fill.as_bytes()]);
        let mut model: VecDeque<String> = VecDeque::new();
        for op in ops {
            match op {
                ListOp::Push(left, elements) => {
                    let mut args: Vec<&[u8]> = vec![if left { b"LPUSH" } else { b"RPUSH" }, b"l"];
                    args.extend(elements.iter().map(|e| e.as_bytes()));
                    t.command(c, &args);
                    for e in elements {
                        if left { model.push_front(e) } else { model.push_back(e) }
                    }
                }
                ListOp::Pop(left, count) => {
                    let count_text = count.to_string();
                    let reply = t.command(c, &[if left { b"LPOP" } else { b"RPOP" }, b"l", count_text.as_bytes()]);
                    if model.is_empty() {
                        prop_assert_eq!(reply, b"*-1\r\n".to_vec());
                    } else {
                        let popped = bulk_strings(decode(&reply));
                        let expected: Vec<Vec<u8>> = (0..count.min(model.len()))
                            .filter_map(|_| if left { model.pop_front() } else { model.pop_back() })
                            .map(String::into_bytes)
                            .collect();
                        prop_assert_eq!(popped, expected);
                    }
                }
                ListOp::Set(index, e) => {
                    let index_text = index.to_string();
                    let reply = t.command(c, &[b"LSET", b"l", index_text.as_bytes(), e.as_bytes()]);
                    let at = normalise(index, model.len());
                    if model.is_empty() {
                        prop_assert_eq!(reply, b"-ERR no such key\r\n".to_vec());
                    } else if at >= 0 && (at as usize) < model.len() {
                        prop_assert_eq!(reply, b"+OK\r\n".to_vec());
                        model[at as usize] = e;
                    } else {
                        prop_assert_eq!(reply, b"-ERR index out of range\r\n".to_vec());
                    }
                }
                ListOp::Insert(before, pivot, e) => {
                    let place: &[u8] = if before { b"BEFORE" } else { b"AFTER" };
                    let reply = t.command(c, &[b"LINSERT", b"l", place, pivot.as_bytes(), e.as_bytes()]);
                    let expected = match model.iter().position(|x| *x == pivot) {
                        _ if model.is_empty() => 0,
                        None => -1,
                        Some(at) => {
                            model.insert(if before { at } else { at + 1 }, e);
                            model.len() as i64
                        }
                    };
                    prop_assert_eq!(reply, format!(":{expected}\r\n").into_bytes());
                }
                ListOp::Rem(count, e) => {
                    let count_text = count.to_string();
                    let reply = t.command(c, &[b"LREM", b"l", count_text.as_bytes(), e.as_bytes()]);
                    let limit = if count == 0 { usize::MAX } else { count.unsigned_abs() as usize };
                    let mut removed = 0;
                    let mut kept: Vec<String> = model.iter().cloned().collect();
                    if count < 0 { kept.reverse(); }
                    kept.retain(|x| {
                        if *x == e && removed < limit { removed += 1; false } else { true }
                    });
                    if count < 0 { kept.reverse(); }
                    model = kept.into();
                    prop_assert_eq!(reply, format!(":{removed}\r\n").into_bytes());
                }
                ListOp::Trim(start, end) => {
                    let (s, e) = (start.to_string(), end.to_string());
                    t.command(c, &[b"LTRIM", b"l", s.as_bytes(), e.as_bytes()]);
                    let len = model.len();
                    let start = normalise(start, len).max(0);
                    let end = normalise(end, len).min(len as i64 - 1);
                    model = if start > end || start >= len as i64 {
                        VecDeque::new()
                    } else {
                        model.range(start as usize..=end as usize).cloned().collect()
                    };
                }
            }
            let len_reply = t.command(c, &[b"LLEN", b"l"]);
            prop_assert_eq!(len_reply, format!(":{}\r\n", model.len()).into_bytes());
        }
        let range = bulk_strings(decode(&t.command(c, &[b"LRANGE", b"l", b"0", b"-1"])));
        let expected: Vec<Vec<u8>> = model.iter().map(|e| e.clone().into_bytes()).collect();
        prop_assert_eq!(range, expected);
        if !model.is_empty() {
            let last = t.command(c, &[b"LINDEX", b"l", b"-1"]);
            let last_element = model.back().cloned().unwrap_or_default();
            prop_assert_eq!(decode(&last), Frame::Bulk(last_element.into_bytes().into()));
        }
    }

    #[test]
    fn hash_commands_behave_like_a_hashmap(
        entries in 0usize..6,
        ops in proptest::collection::vec(
            (0u8..12, prop_oneof![element(), (60usize..70).prop_map(|n| "v".repeat(n))], any::<bool>()),
            1..60,
        ),
    ) {
        let mut t = Transcript::new();
        let c = t.connect();
        let entries_text = entries.to_string();
        t.command(c, &[b"CONFIG", b"SET", b"hash-max-listpack-entries", entries_text.as_bytes()]);
        let mut model: HashMap<String, String> = HashMap::new();
        for (field, value, delete) in ops {
            let field = format!("f{field}");
            if delete {
                let reply = t.command(c, &[b"HDEL", b"h", field.as_bytes()]);
                let existed = model.remove(&field).is_some();
                prop_assert_eq!(reply, format!(":{}\r\n", i64::from(existed)).into_bytes());
            } else {
                let reply = t.command(c, &[b"HSET", b"h", field.as_bytes(), value.as_bytes()]);
                let created = model.insert(field, value).is_none();
                prop_assert_eq!(reply, format!(":{}\r\n", i64::from(created)).into_bytes());
            }
            let len = t.command(c, &[b"HLEN", b"h"]);
            prop_assert_eq!(len, format!(":{}\r\n", model.len()).into_bytes());
        }
        let all = bulk_strings(decode(&t.command(c, &[b"HGETALL", b"h"])));
        let mut pairs: Vec<(Vec<u8>, Vec<u8>)> =
            all.chunks(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect();
        let mut expected: Vec<(Vec<u8>, Vec<u8>)> =
            model.into_iter().map(|(f, v)| (f.into_bytes(), v.into_bytes())).collect();
        pairs.sort();
        expected.sort();
        prop_assert_eq!(pairs, expected);
    }

    #[test]
    fn hrandfield_follows_redis_count_rules(
        size in 1usize..40,
        count in -60i64..60,
        table in any::<bool>(),
        with_values in any::<bool>(),
    ) {
        let mut t = Transcript::new();
        let c = t.connect();
        if table {
            t.command(c, &[b"CONFIG", b"SET", b"hash-max-listpack-entries", b"0"]);
        }
        for i in 0..size {
            let (field, value) = (format!("f{i}"), format!("v{i}"));
            t.command(c, &[b"HSET", b"h", field.as_bytes(), value.as_bytes()]);
        }
        let count_text = count.to_string();
        let mut args: Vec<&[u8]> = vec![b"HRANDFIELD", b"h", count_text.as_bytes()];
        if with_values {
            args.push(b"WITHVALUES");
        }
        let reply = bulk_strings(decode(&t.command(c, &args)));
        let step = if with_values { 2 } else { 1 };
        let fields: Vec<Vec<u8>> = reply.iter().step_by(step).cloned().collect();
        let expected_len = if count < 0 { count.unsigned_abs() as usize } else { (count as usize).min(size) };
        prop_assert_eq!(fields.len(), expected_len);
        for (i, field) in fields.iter().enumerate() {
            let name = String::from_utf8(field.clone()).unwrap_or_default();
            let index: usize = name.trim_start_matches('f').parse().unwrap_or(usize::MAX);
            prop_assert!(index < size, "unknown field {name}");
            if with_values {
                prop_assert_eq!(&reply[i * 2 + 1], &format!("v{index}").into_bytes());
            }
        }
        if count > 0 {
            let distinct: HashSet<&Vec<u8>> = fields.iter().collect();
            prop_assert_eq!(distinct.len(), fields.len(), "a positive count returns distinct fields");
        }
    }
}

#[test]
fn hrandfield_reaches_every_field() {
    let mut t = Transcript::new();
    let c = t.connect();
    for i in 0..10 {
        let field = format!("f{i}");
        t.command(c, &[b"HSET", b"h", field.as_bytes(), b"v"]);
    }
    let mut seen = HashSet::new();
    for _ in 0..50 {
        seen.extend(bulk_strings(decode(
            &t.command(c, &[b"HRANDFIELD", b"h", b"-20"]),
        )));
        seen.extend(bulk_strings(decode(
            &t.command(c, &[b"HRANDFIELD", b"h", b"3"]),
        )));
    }
    assert_eq!(seen.len(), 10, "each field is eventually returned");
}
