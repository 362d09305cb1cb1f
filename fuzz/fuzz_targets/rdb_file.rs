//! Fuzz target for whole RDB files: any bytes after a valid header load
//! or fail with an error, never a panic, and whatever loads saves and
//! loads again to the same keys.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vireo_core::db::{Db, NO_EXPIRY};
use vireo_core::rdb::file;

fuzz_target!(|data: &[u8]| {
    // Random bytes rarely start with the magic, so it is supplied here.
    let mut bytes = b"REDIS0010".to_vec();
    bytes.extend_from_slice(data);
    let mut databases: Vec<Db> = (0..16).map(|_| Db::new()).collect();
    let loaded = file::load(&bytes, 16, |key| {
        databases[key.db].insert(&key.key, key.value, key.expire_at_ms);
        Ok(())
    });
    if loaded.is_err() {
        return;
    }
    let mut saved = Vec::new();
    file::save(&mut saved, &databases, &[], &[], true, true, || {}).expect("writing to a Vec");
    let mut again = 0;
    file::load(&saved, 16, |key| {
        again += 1;
        let (entry, expiry) = databases[key.db]
            .peek_even_if_expired(&key.key, 0)
            .expect("a saved key was loaded before");
        assert_eq!(entry.value, key.value);
        assert_eq!(expiry == NO_EXPIRY, key.expire_at_ms == NO_EXPIRY);
        Ok(())
    })
    .expect("a file Vireo wrote loads");
    assert_eq!(again, databases.iter().map(Db::len).sum::<usize>());
});
