//! Fuzz target for HyperLogLog sketches read from stored strings: bytes
//! behind a valid header (any SET or RESTORE can store them) go through
//! every operation the HLL commands perform. Nothing may panic or loop
//! (Redis compat: a corrupt body may still take an add and fail only when
//! counted, so results are not compared), and a dense sketch made from a
//! sketch that counted must count.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vireo_core::hyperloglog::{self, HEADER_LEN, REGISTERS};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    // Random bytes rarely pass the header check, so the header is made
    // here: the first byte picks the encoding and the rest is the body.
    let mut sketch = hyperloglog::new_sketch();
    sketch.truncate(HEADER_LEN);
    sketch[4] = selector & 1;
    sketch.extend_from_slice(body);
    if hyperloglog::validate(&sketch).is_err() {
        return;
    }
    let counted = hyperloglog::count(&sketch);
    let mut registers = [0u8; REGISTERS];
    let _ = hyperloglog::merge_into(&mut registers, &sketch);
    let _ = hyperloglog::decode_sparse(&sketch);
    let mut added = sketch.clone();
    if hyperloglog::add(&mut added, b"element", 3000).is_ok() {
        let _ = hyperloglog::count(&added);
    }
    let mut dense = sketch;
    if hyperloglog::to_dense(&mut dense).is_ok() && counted.is_ok() {
        assert!(hyperloglog::count(&dense).is_ok());
    }
});
