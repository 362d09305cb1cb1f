//! Property tests of `RequestDecoder`: streams of valid requests split at
//! arbitrary points decode to the arguments that were encoded, and arbitrary
//! bytes never cause a panic or a result that depends on how they were split.

use proptest::prelude::*;
use vireo_resp::{encode, Args, ProtocolError, RequestDecoder, RequestLimits};

/// One request as a client might send it, with the arguments the server must
/// see.
#[derive(Debug, Clone)]
struct Request {
    wire: Vec<u8>,
    args: Vec<Vec<u8>>,
}

fn multibulk() -> impl Strategy<Value = Request> {
    let arg = prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..24),
        1 => prop::collection::vec(any::<u8>(), 0..2000),
        1 => Just(b"\r\n".to_vec()),
        1 => Just(b"*1\r\n$1\r\n".to_vec()),
    ];
    prop::collection::vec(arg, 1..8).prop_map(|args| {
        let mut wire = Vec::new();
        let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        encode::command(&mut wire, &refs);
        Request { wire, args }
    })
}

/// Escapes `arg` the way `redis-cli` quotes binary data, inside double quotes.
fn double_quote(arg: &[u8], upper_hex: bool) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &b in arg {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ if upper_hex => out.extend_from_slice(format!("\\x{b:02X}").as_bytes()),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
    out
}

fn inline() -> impl Strategy<Value = Request> {
    let plain = "[A-Za-z0-9_:.$*-]{1,12}".prop_map(|s| {
        let bytes = s.into_bytes();
        (bytes.clone(), bytes)
    });
    let quoted = (prop::collection::vec(any::<u8>(), 0..16), any::<bool>())
        .prop_map(|(arg, upper)| (double_quote(&arg, upper), arg));
    let single = "[A-Za-z0-9 \"$*:-]{0,12}".prop_map(|s| {
        let arg = s.into_bytes();
        let mut wire = vec![b'\''];
        wire.extend_from_slice(&arg);
        wire.push(b'\'');
        (wire, arg)
    });
    let word = prop_oneof![3 => plain, 2 => quoted, 1 => single];
    // No '\v' or '\f': after an unquoted word they would join it to the next.
    let blank = prop_oneof![Just(&b" "[..]), Just(&b"\t"[..]), Just(&b"  \t "[..])];
    let end = prop_oneof![Just(&b"\r\n"[..]), Just(&b"\n"[..])];
    (
        prop::collection::vec((word, blank), 1..6),
        blank_prefix(),
        end,
    )
        .prop_filter(
            "inline requests cannot start with '*'",
            |(words, prefix, _)| {
                !prefix.is_empty()
                    || !matches!(words.first(), Some(((wire, _), _)) if wire.first() == Some(&b'*'))
            },
        )
        .prop_map(|(words, prefix, end)| {
            let mut wire = prefix.to_vec();
            let mut args = Vec::new();
            for ((word, arg), blank) in words {
                wire.extend_from_slice(&word);
                wire.extend_from_slice(blank);
                args.push(arg);
            }
            wire.extend_from_slice(end);
            Request { wire, args }
        })
}

fn blank_prefix() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![3 => Just(&b""[..]), 1 => Just(&b" "[..]), 1 => Just(&b"\t "[..])]
}

fn empty() -> impl Strategy<Value = Request> {
    prop_oneof![
        Just(&b"\r\n"[..]),
        Just(&b"\n"[..]),
        Just(&b" \t \r\n"[..]),
        Just(&b"*0\r\n"[..]),
        Just(&b"*-1\r\n"[..]),
        Just(&b"*-42\r\n"[..]),
    ]
    .prop_map(|wire| Request {
        wire: wire.to_vec(),
        args: Vec::new(),
    })
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![4 => multibulk(), 2 => inline(), 1 => empty()]
}

/// Cuts `len` bytes into chunks at the given fractions of the length.
fn cut_points(len: usize, fractions: &[f64]) -> Vec<usize> {
    let mut cuts: Vec<usize> = fractions
        .iter()
        .map(|f| (f * len as f64) as usize)
        .collect();
    cuts.push(len);
    cuts.sort_unstable();
    cuts
}

/// What the decoder made of a stream: each complete request's arguments, and
/// the error that ended the stream, if any.
#[derive(Debug, PartialEq)]
struct Decoded {
    requests: Vec<Vec<Vec<u8>>>,
    error: Option<ProtocolError>,
}

/// Feeds `input` to a decoder chunk by chunk, the way a server appends reads
/// to its query buffer and drops consumed requests from its front.
fn decode_stream(input: &[u8], cuts: &[usize], limits: &RequestLimits) -> Decoded {
    let mut decoder = RequestDecoder::new();
    let mut args = Args::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut requests = Vec::new();
    let mut fed = 0;
    for &cut in cuts {
        buf.extend_from_slice(&input[fed..cut.max(fed)]);
        fed = cut.max(fed);
        // Move the buffer in memory between reads; progress is relative.
        buf = buf.clone();
        loop {
            match decoder.decode(&buf, limits, &mut args) {
                Ok(Some(n)) => {
                    requests.push(args.view(&buf).iter().map(<[u8]>::to_vec).collect());
                    assert!(n <= buf.len());
                    buf.drain(..n);
                    assert!(!decoder.in_progress());
                }
                Ok(None) => break,
                Err(e) => {
                    return Decoded {
                        requests,
                        error: Some(e),
                    }
                }
            }
        }
    }
    Decoded {
        requests,
        error: None,
    }
}

fn is_size_cap(e: &ProtocolError) -> bool {
    matches!(
        e,
        ProtocolError::TooBigInlineRequest
            | ProtocolError::TooBigMultibulkCount
            | ProtocolError::TooBigBulkCount
    )
}

fn small_limits() -> RequestLimits {
    RequestLimits {
        max_bulk_len: 8,
        max_multibulk_len: 4,
        max_inline_len: 12,
        auth_required: false,
    }
}

/// Protocol-flavoured noise: mostly the bytes that steer the parser.
fn noise() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(&b"*"[..]),
        Just(&b"$"[..]),
        Just(&b"\r"[..]),
        Just(&b"\n"[..]),
        Just(&b"\r\n"[..]),
        Just(&b"1"[..]),
        Just(&b"0"[..]),
        Just(&b"3"[..]),
        Just(&b"-"[..]),
        Just(&b" "[..]),
        Just(&b"\""[..]),
        Just(&b"'"[..]),
        Just(&b"\\"[..]),
        Just(&b"x"[..]),
        Just(&b"\0"[..]),
        Just(&b"*2\r\n"[..]),
        Just(&b"$1\r\n"[..]),
        Just(&b"$-1\r\n"[..]),
    ]
    .prop_map(<[u8]>::to_vec);
    let byte = any::<u8>().prop_map(|b| vec![b]);
    prop::collection::vec(prop_oneof![4 => token, 1 => byte], 0..80)
        .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn split_request_streams_decode_to_their_arguments(
        requests in prop::collection::vec(request(), 1..12),
        fractions in prop::collection::vec(0.0..1.0f64, 0..12),
    ) {
        let input: Vec<u8> = requests.iter().flat_map(|r| r.wire.iter().copied()).collect();
        let expected: Vec<Vec<Vec<u8>>> = requests.iter().map(|r| r.args.clone()).collect();
        let whole = decode_stream(&input, &[input.len()], &RequestLimits::default());
        prop_assert_eq!(&whole, &Decoded { requests: expected.clone(), error: None });
        let split = decode_stream(&input, &cut_points(input.len(), &fractions), &RequestLimits::default());
        prop_assert_eq!(&split, &Decoded { requests: expected.clone(), error: None });
        let bytewise: Vec<usize> = (1..=input.len()).collect();
        let split = decode_stream(&input, &bytewise, &RequestLimits::default());
        prop_assert_eq!(&split, &Decoded { requests: expected, error: None });
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_ignore_splitting(
        input in prop_oneof![noise(), prop::collection::vec(any::<u8>(), 0..200)],
        fractions in prop::collection::vec(0.0..1.0f64, 0..8),
        small in any::<bool>(),
        auth_required in any::<bool>(),
    ) {
        let mut limits = if small { small_limits() } else { RequestLimits::default() };
        limits.auth_required = auth_required;
        let whole = decode_stream(&input, &[input.len()], &limits);
        let split = decode_stream(&input, &cut_points(input.len(), &fractions), &limits);
        // Splitting changes nothing, except that a size cap may trip before a
        // distant terminator arrives.
        match &split.error {
            Some(e) if is_size_cap(e) => {
                prop_assert!(whole.requests.starts_with(&split.requests));
            }
            _ => prop_assert_eq!(&split, &whole),
        }
    }
}
