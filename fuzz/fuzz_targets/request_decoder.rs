//! Fuzz target for `RequestDecoder`: arbitrary bytes, fed whole and in
//! chunks chosen by the first input byte, under default, tight and
//! unauthenticated limits. Decoding must never panic, every reported request
//! must lie inside the buffer, and chunking must not change the result except
//! for a size cap tripping before a distant line terminator arrives.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vireo_resp::{Args, ProtocolError, RequestDecoder, RequestLimits};

#[derive(Debug, PartialEq)]
struct Decoded {
    requests: Vec<Vec<Vec<u8>>>,
    error: Option<ProtocolError>,
}

fn decode_stream(input: &[u8], cuts: &[usize], limits: &RequestLimits) -> Decoded {
    let mut decoder = RequestDecoder::new();
    let mut args = Args::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut requests = Vec::new();
    let mut fed = 0;
    for &cut in cuts {
        let cut = cut.clamp(fed, input.len());
        buf.extend_from_slice(&input[fed..cut]);
        fed = cut;
        loop {
            match decoder.decode(&buf, limits, &mut args) {
                Ok(Some(n)) => {
                    assert!(
                        n > 0 && n <= buf.len(),
                        "request of {n} bytes in a buffer of {}",
                        buf.len()
                    );
                    let argv = args.view(&buf);
                    assert_eq!(argv.len(), args.len());
                    requests.push(argv.iter().map(<[u8]>::to_vec).collect());
                    buf.drain(..n);
                    assert!(!decoder.in_progress());
                }
                Ok(None) => break,
                Err(e) => {
                    assert!(!decoder.in_progress());
                    let mut reply = Vec::new();
                    e.write_reply(&mut reply);
                    assert!(
                        reply.starts_with(b"-ERR Protocol error: ") && reply.ends_with(b"\r\n")
                    );
                    return Decoded {
                        requests,
                        error: Some(e),
                    };
                }
            }
        }
    }
    Decoded {
        requests,
        error: None,
    }
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
    let tight = RequestLimits {
        max_bulk_len: 8,
        max_multibulk_len: 4,
        max_inline_len: 12,
        auth_required: false,
    };
    let unauthenticated = RequestLimits {
        auth_required: true,
        ..RequestLimits::default()
    };
    for limits in [RequestLimits::default(), tight, unauthenticated] {
        let whole = decode_stream(input, &[input.len()], &limits);
        let split = decode_stream(input, &cuts(seed, input.len()), &limits);
        match split.error {
            Some(
                ProtocolError::TooBigInlineRequest
                | ProtocolError::TooBigMultibulkCount
                | ProtocolError::TooBigBulkCount,
            ) => assert!(
                whole.requests.starts_with(&split.requests),
                "chunked decoding diverged before a size cap: {whole:?} vs {split:?}"
            ),
            _ => assert_eq!(whole, split, "chunked decoding diverged"),
        }
    }
});
