//! `vireo-check-rdb`: checks an RDB file the way `redis-check-rdb` does:
//! reads it whole with Vireo's loader, then reports its auxiliary fields,
//! how many keys and expiries it holds, or where and why it is damaged.
//! Exit status 0 when the file loads, 1 otherwise.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use vireo_core::db::NO_EXPIRY;
use vireo_core::rdb::file;

/// Databases a file may use: Redis's default configuration allows 16, and
/// a checker accepts any number a server could have been given.
const MAX_DATABASES: usize = 1 << 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = args.as_slice() else {
        eprintln!("Usage: vireo-check-rdb <rdb-file-name>");
        return ExitCode::FAILURE;
    };
    println!("[offset 0] Checking RDB file {path}");
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            println!("--- RDB ERROR DETECTED ---");
            println!("[offset 0] Cannot open the file: {error}");
            return ExitCode::FAILURE;
        }
    };
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64);
    let (mut keys, mut expires, mut expired) = (0u64, 0u64, 0u64);
    let loaded = file::load(&bytes, MAX_DATABASES, |key| {
        keys += 1;
        if key.expire_at_ms != NO_EXPIRY {
            expires += 1;
            if key.expire_at_ms < now_ms {
                expired += 1;
            }
        }
        Ok(())
    });
    let status = match loaded {
        Ok(summary) => {
            for (name, value) in &summary.aux {
                println!(
                    "[info] AUX FIELD {} = '{}'",
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(value)
                );
            }
            println!("[offset {}] \\o/ RDB looks OK! \\o/", bytes.len());
            ExitCode::SUCCESS
        }
        Err(failure) => {
            println!("--- RDB ERROR DETECTED ---");
            println!("[offset {}] {}", failure.offset, failure.error);
            ExitCode::FAILURE
        }
    };
    println!("[info] {keys} keys read");
    println!("[info] {expires} expires");
    println!("[info] {expired} already expired");
    status
}
