//! Fuzz target for `ReplyDecoder` and `encode::frame`: arbitrary bytes, fed
//! whole and in chunks chosen by the first input byte. Decoding must never
//! panic, chunking must not change the frames or the error, and every decoded
//! frame must re-encode to bytes that decode to an equal frame.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use vireo_resp::{encode, Frame, ReplyDecoder, ReplyError};

/// Frame equality where any two NaN doubles are equal: the wire carries no
/// NaN sign or payload.
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

fn decode_stream(
    input: &[u8],
    cuts: &[usize],
    max_depth: usize,
) -> (Vec<Frame>, Option<ReplyError>) {
    let mut decoder = ReplyDecoder::with_max_depth(max_depth);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut fed = 0;
    for &cut in cuts {
        let cut = cut.clamp(fed, input.len());
        buf.extend_from_slice(&input[fed..cut]);
        fed = cut;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

/// A few cut points derived from `seed`, or every byte when its low bit is
/// set.
fn cuts(seed: u8, len: usize) -> Vec<usize> {
    if seed & 1 == 1 {
        return (1..=len).collect();
    }
    let mut state = u32::from(seed)
        .wrapping_mul(2_654_435_761)
        .wrapping_add(0x9e37_79b9);
    let count = usize::from(seed >> 1) % 6 + 1;
    let mut cuts: Vec<usize> = (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as usize % (len + 1)
        })
        .collect();
    cuts.push(len);
    cuts.sort_unstable();
    cuts
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, input)) = data.split_first() else {
        return;
    };
    for max_depth in [128, 2] {
        let (whole, whole_error) = decode_stream(input, &[input.len()], max_depth);
        let (split, split_error) = decode_stream(input, &cuts(seed, input.len()), max_depth);
        assert_eq!(whole_error, split_error, "chunking changed the error");
        assert!(
            whole.len() == split.len() && whole.iter().zip(&split).all(|(a, b)| same(a, b)),
            "chunking changed the frames: {whole:?} vs {split:?}"
        );
        for frame in &whole {
            let mut wire = Vec::new();
            encode::frame(&mut wire, frame);
            let mut buf = BytesMut::from(&wire[..]);
            let again = ReplyDecoder::with_max_depth(max_depth).decode(&mut buf);
            assert!(
                matches!(&again, Ok(Some(g)) if same(frame, g)) && buf.is_empty(),
                "{frame:?} re-encoded as {:?} decodes to {again:?}",
                String::from_utf8_lossy(&wire)
            );
        }
    }
});
