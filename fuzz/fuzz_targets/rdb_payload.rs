//! Fuzz target for the RDB loaders behind RESTORE: arbitrary bytes as a
//! DUMP payload (footer checks, then the value, streams with their node
//! listpacks and consumer groups included), as an LZF stream, and as a
//! run of RDB strings. Nothing may panic; a value that loads must survive
//! DUMP and RESTORE unchanged; LZF output never exceeds its limit.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vireo_core::rdb::{dump, lzf, Reader};

fuzz_target!(|data: &[u8]| {
    let _ = dump::verify_footer(data, true);
    if let Ok(value) = dump::load_payload(data) {
        for compression in [false, true] {
            let payload = dump::create_payload(&value, compression);
            assert!(dump::verify_footer(&payload, true).is_ok());
            assert_eq!(dump::load_payload(&payload).as_ref(), Ok(&value));
        }
    }
    let limit = data.first().map_or(0, |&b| usize::from(b) * 16);
    if let Ok(out) = lzf::decompress(data, limit) {
        assert!(out.len() <= limit);
    }
    let mut reader = Reader::new(data);
    while reader.remaining() > 0 && reader.read_string().is_ok() {}
});
