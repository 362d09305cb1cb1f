//! Property tests of `ReplyDecoder` and the encoder: arbitrary RESP3 frame
//! trees survive encoding and decoding, whole or split at arbitrary points,
//! and arbitrary bytes never cause a panic or a split-dependent result.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use vireo_resp::{encode, Frame, ReplyDecoder, ReplyError};

/// Bytes for simple strings and errors, which cannot hold CR or LF.
fn line_bytes() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(
        any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
        0..20,
    )
    .prop_map(Bytes::from)
}

fn any_bytes() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..24),
        1 => prop::collection::vec(any::<u8>(), 0..600),
        1 => Just(b"\r\n$1\r\n".to_vec()),
    ]
    .prop_map(Bytes::from)
}

fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(f64::NAN),
        1 => Just(-0.0),
        1 => (-1000i32..1000).prop_map(f64::from),
    ]
}

fn leaf() -> impl Strategy<Value = Frame> {
    prop_oneof![
        line_bytes().prop_map(Frame::Simple),
        line_bytes().prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        any_bytes().prop_map(Frame::Bulk),
        Just(Frame::NullBulk),
        Just(Frame::NullArray),
        Just(Frame::Null),
        any::<bool>().prop_map(Frame::Boolean),
        double().prop_map(Frame::Double),
        "-?[0-9]{1,40}".prop_map(|s| Frame::BigNumber(Bytes::from(s))),
        any_bytes().prop_map(Frame::BulkError),
        (any::<[u8; 3]>(), any_bytes()).prop_map(|(format, text)| Frame::Verbatim { format, text }),
    ]
}

fn frame() -> impl Strategy<Value = Frame> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        let pairs = prop::collection::vec((inner.clone(), inner.clone()), 0..4);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Array),
            pairs.clone().prop_map(Frame::Map),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Set),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Push),
            (pairs, inner).prop_map(|(attributes, frame)| Frame::Attribute {
                attributes,
                frame: Box::new(frame),
            }),
        ]
    })
}

/// Frame equality where doubles compare by bits, except that any two NaNs
/// are equal (the wire carries no NaN sign or payload).
fn same(a: &Frame, b: &Frame) -> bool {
    fn all(a: &[Frame], b: &[Frame]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
    }
    fn pairs(a: &[(Frame, Frame)], b: &[(Frame, Frame)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
    }
    match (a, b) {
        (Frame::Double(x), Frame::Double(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Frame::Array(x), Frame::Array(y))
        | (Frame::Set(x), Frame::Set(y))
        | (Frame::Push(x), Frame::Push(y)) => all(x, y),
        (Frame::Map(x), Frame::Map(y)) => pairs(x, y),
        (
            Frame::Attribute {
                attributes: x,
                frame: f,
            },
            Frame::Attribute {
                attributes: y,
                frame: g,
            },
        ) => pairs(x, y) && same(f, g),
        _ => a == b,
    }
}

fn all_same(a: &[Frame], b: &[Frame]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
}

/// Feeds `input` chunk by chunk into a growing `BytesMut`, collecting frames.
fn decode_stream(input: &[u8], cuts: &[usize]) -> (Vec<Frame>, Option<ReplyError>, usize) {
    let mut decoder = ReplyDecoder::new();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut fed = 0;
    for &cut in cuts {
        buf.extend_from_slice(&input[fed..cut.max(fed)]);
        fed = cut.max(fed);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(e) => return (frames, Some(e), buf.len()),
            }
        }
    }
    (frames, None, buf.len())
}

fn cut_points(len: usize, fractions: &[f64]) -> Vec<usize> {
    let mut cuts: Vec<usize> = fractions
        .iter()
        .map(|f| (f * len as f64) as usize)
        .collect();
    cuts.push(len);
    cuts.sort_unstable();
    cuts
}

fn noise() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(&b"*1\r\n"[..]),
        Just(&b"%1\r\n"[..]),
        Just(&b"|1\r\n"[..]),
        Just(&b"~2\r\n"[..]),
        Just(&b">0\r\n"[..]),
        Just(&b"$3\r\n"[..]),
        Just(&b"=5\r\n"[..]),
        Just(&b"!1\r\n"[..]),
        Just(&b"$-1\r\n"[..]),
        Just(&b"*-1\r\n"[..]),
        Just(&b":12\r\n"[..]),
        Just(&b",1.5\r\n"[..]),
        Just(&b",nan\r\n"[..]),
        Just(&b"#t\r\n"[..]),
        Just(&b"_\r\n"[..]),
        Just(&b"(12\r\n"[..]),
        Just(&b"+ok\r\n"[..]),
        Just(&b"txt:"[..]),
        Just(&b"abc"[..]),
        Just(&b"\r\n"[..]),
        Just(&b"\r"[..]),
        Just(&b"-"[..]),
        Just(&b"9"[..]),
    ]
    .prop_map(<[u8]>::to_vec);
    let byte = any::<u8>().prop_map(|b| vec![b]);
    prop::collection::vec(prop_oneof![6 => token, 1 => byte], 0..60)
        .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn encoded_frames_roundtrip(f in frame()) {
        let mut wire = Vec::new();
        encode::frame(&mut wire, &f);
        let mut buf = BytesMut::from(&wire[..]);
        let decoded = ReplyDecoder::new().decode(&mut buf);
        prop_assert!(matches!(&decoded, Ok(Some(g)) if same(&f, g)), "{:?} decoded as {:?}", f, decoded);
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn split_frame_streams_decode_to_the_same_frames(
        frames in prop::collection::vec(frame(), 1..6),
        fractions in prop::collection::vec(0.0..1.0f64, 0..16),
    ) {
        let mut input = Vec::new();
        for f in &frames {
            encode::frame(&mut input, f);
        }
        let (split, error, left) = decode_stream(&input, &cut_points(input.len(), &fractions));
        prop_assert_eq!(error, None);
        prop_assert_eq!(left, 0);
        prop_assert!(all_same(&frames, &split), "{:?} vs {:?}", frames, split);
        let bytewise: Vec<usize> = (1..=input.len()).collect();
        let (split, error, left) = decode_stream(&input, &bytewise);
        prop_assert_eq!(error, None);
        prop_assert_eq!(left, 0);
        prop_assert!(all_same(&frames, &split));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_ignore_splitting(
        input in prop_oneof![noise(), prop::collection::vec(any::<u8>(), 0..200)],
        fractions in prop::collection::vec(0.0..1.0f64, 0..8),
    ) {
        let (whole, whole_error, _) = decode_stream(&input, &[input.len()]);
        let (split, split_error, _) = decode_stream(&input, &cut_points(input.len(), &fractions));
        prop_assert_eq!(whole_error, split_error);
        prop_assert!(all_same(&whole, &split));
        // Whatever decodes re-encodes to something that decodes the same.
        for f in &whole {
            let mut wire = Vec::new();
            encode::frame(&mut wire, f);
            let mut buf = BytesMut::from(&wire[..]);
            let again = ReplyDecoder::new().decode(&mut buf);
            prop_assert!(matches!(&again, Ok(Some(g)) if same(f, g)), "{:?} re-decoded as {:?}", f, again);
        }
    }
}
