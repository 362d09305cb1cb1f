//! RDB persistence: `SAVE`, `BGSAVE` in a forked child, save points checked
//! by cron, the save on shutdown, and loading `dump.rdb` at start-up and on
//! `DEBUG RELOAD`. The file format itself is `vireo_core::rdb::file`.
//!
//! # Why fork
//!
//! A background save must see one instant of the whole keyspace while the
//! event loop keeps changing it. Like Redis, Vireo forks: the child gets a
//! copy-on-write image of the parent's memory, writes it out and exits;
//! the parent only pays for the pages it touches meanwhile. The child runs
//! nothing but the serializer and system calls on its own file (no
//! logging, no sockets), and leaves with `_exit` so no destructor of the
//! parent's state runs twice. The allocator (jemalloc) takes its locks
//! around `fork`, so the child may allocate even though the lazy-free
//! thread exists in the parent.
//!
//! Every file is written to `temp-<pid>.rdb` and renamed over
//! `dbfilename` only once complete and synced, so a crash mid-save leaves
//! the previous file intact.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use vireo_core::db::Db;
use vireo_core::rdb::{file, RdbError};

use crate::server::Server;

/// Redis compat: after a failed background save, save points wait this
/// long before trying again (`CONFIG_BGSAVE_RETRY_DELAY`).
const RETRY_DELAY_MS: i64 = 5_000;

/// A background save in progress.
#[derive(Debug)]
pub struct SaveChild {
    pid: libc::pid_t,
    started_ms: i64,
    /// `dirty` when the fork happened: changes after it are not in the file.
    dirty_at_fork: u64,
    /// Keys in the databases at the fork.
    keys_total: u64,
    /// The read end of the pipe the child reports progress on.
    reports: Option<File>,
    /// Bytes of a report not complete yet.
    partial: Vec<u8>,
    /// Latest progress: keys written, copy-on-write bytes, when received.
    keys_processed: u64,
    cow_bytes: u64,
    cow_peak: u64,
    cow_updated_ms: i64,
    /// Copy-on-write bytes in the child's final report, if it sent one.
    final_cow: Option<u64>,
}

/// One progress report from the child: kind, keys written, copy-on-write
/// bytes (little-endian).
const REPORT_LEN: usize = 17;
const REPORT_PROGRESS: u8 = 1;
const REPORT_DONE: u8 = 2;

/// Persistence state and counters (INFO persistence, LASTSAVE).
#[derive(Debug)]
pub struct Persistence {
    /// Where the RDB file lives: the working directory, which start-up set
    /// to `dir` (in-process test servers point it at a temporary one).
    pub directory: PathBuf,
    /// The running background save, if any.
    pub child: Option<SaveChild>,
    /// A BGSAVE SCHEDULE waiting for the running child to finish.
    pub bgsave_scheduled: bool,
    /// Unix seconds of the last successful save (start-up time before any).
    pub last_save_s: i64,
    /// Whether the last background save succeeded.
    pub last_bgsave_ok: bool,
    /// When the last background save was attempted, milliseconds.
    pub last_bgsave_try_ms: i64,
    /// Duration of the last background save in seconds (-1: none yet).
    pub last_bgsave_secs: i64,
    /// SAVE commands and background saves started (INFO's `rdb_saves`).
    pub saves: u64,
    /// Copy-on-write bytes of the last background save (its final report).
    pub last_cow_size: u64,
    /// Keys loaded by the last load.
    pub last_load_keys: u64,
    /// Expired keys the last load skipped.
    pub last_load_expired: u64,
    /// The replication history the last loaded file recorded: id,
    /// offset and the stream's database.
    pub loaded_history: Option<(String, i64, usize)>,
    /// Keys the last load found expired, by database: a primary restarted
    /// with its history sends their deletion to its replicas.
    pub loaded_expired: Vec<(usize, Vec<u8>)>,
}

impl Persistence {
    /// State at start-up, `now_ms` being the start time.
    pub fn new(now_ms: i64) -> Persistence {
        Persistence {
            directory: PathBuf::from("."),
            child: None,
            bgsave_scheduled: false,
            last_save_s: now_ms / 1000,
            last_bgsave_ok: true,
            last_bgsave_try_ms: 0,
            last_bgsave_secs: -1,
            saves: 0,
            last_cow_size: 0,
            last_load_keys: 0,
            last_load_expired: 0,
            loaded_history: None,
            loaded_expired: Vec::new(),
        }
    }

    /// The running save's progress for INFO: (copy-on-write bytes, peak,
    /// seconds since the child measured it, keys written, keys in all).
    pub fn child_progress(&self, now_ms: i64) -> (u64, u64, i64, u64, u64) {
        self.child.as_ref().map_or((0, 0, 0, 0, 0), |child| {
            let age = if child.cow_updated_ms == 0 {
                0
            } else {
                (now_ms - child.cow_updated_ms) / 1000
            };
            (
                child.cow_bytes,
                child.cow_peak,
                age,
                child.keys_processed,
                child.keys_total,
            )
        })
    }

    /// Seconds the running background save has taken (-1: none running).
    pub fn current_bgsave_secs(&self, now_ms: i64) -> i64 {
        self.child
            .as_ref()
            .map_or(-1, |child| (now_ms - child.started_ms) / 1000)
    }
}

/// The configured save points: (seconds, changes) pairs.
pub fn save_points(config: &str) -> Vec<(i64, u64)> {
    let numbers: Vec<&str> = config.split_whitespace().collect();
    numbers
        .chunks_exact(2)
        .filter_map(|pair| Some((pair[0].parse().ok()?, pair[1].parse().ok()?)))
        .collect()
}

fn rdb_path(server: &Server) -> PathBuf {
    server.persistence.directory.join(&server.config.dbfilename)
}

fn temp_path(directory: &Path, pid: u32) -> PathBuf {
    directory.join(format!("temp-{pid}.rdb"))
}

/// Writes the databases to `path` through a temporary file (see
/// [`write_rdb`]), renamed over `path` once complete and synced.
fn write_file(
    path: &Path,
    server: &Server,
    now_ms: i64,
    after_key: impl FnMut(u64),
) -> io::Result<()> {
    let temp = temp_path(&server.persistence.directory, std::process::id());
    let result = (|| {
        let mut out = BufWriter::with_capacity(256 * 1024, File::create(&temp)?);
        write_rdb(&mut out, server, &server.dbs, now_ms, after_key)?;
        let file = out.into_inner().map_err(|error| error.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Writes `databases` as an RDB file with the auxiliary fields Redis
/// writes, pacing by `rdb-key-save-delay` and calling `after_key` with the
/// number of keys written so far (files, and snapshots sent to
/// `redis-cli --rdb`).
pub fn write_rdb(
    out: &mut impl std::io::Write,
    server: &Server,
    databases: &[Db],
    now_ms: i64,
    mut after_key: impl FnMut(u64),
) -> io::Result<()> {
    let ctime = (now_ms / 1000).to_string();
    let used_memory = crate::os::allocated_bytes().unwrap_or(0).to_string();
    let mut aux: Vec<(&str, &[u8])> = vec![
        ("redis-ver", crate::server::REDIS_VERSION.as_bytes()),
        ("redis-bits", b"64"),
        ("ctime", ctime.as_bytes()),
        ("used-mem", used_memory.as_bytes()),
    ];
    // Redis compat: a server in a replication chain records its history,
    // so that after a restart it can continue it with PSYNC.
    let history = crate::replication::saved_history(server);
    let (stream_db, offset) = history
        .as_ref()
        .map(|(db, offset)| (db.to_string(), offset.to_string()))
        .unwrap_or_default();
    if history.is_some() {
        aux.push(("repl-stream-db", stream_db.as_bytes()));
        aux.push(("repl-id", server.replication.replid.as_bytes()));
        aux.push(("repl-offset", offset.as_bytes()));
    }
    aux.push(("aof-base", b"0"));
    let delay = server.config.rdb_key_save_delay;
    let mut keys = 0i64;
    let functions: Vec<&[u8]> = server.functions.as_ref().map_or(Vec::new(), |engine| {
        engine
            .libraries
            .values()
            .map(|library| library.code.as_slice())
            .collect()
    });
    file::save(
        out,
        databases,
        &aux,
        &functions,
        server.config.rdbcompression,
        server.config.rdbchecksum,
        || {
            // Redis compat: `rdb-key-save-delay` sleeps that many µs per
            // key; a negative value sleeps 1 µs once every -delay keys.
            keys += 1;
            let micros = match delay {
                0 => 0,
                positive if positive > 0 => positive,
                negative if keys % negative.saturating_neg() == 0 => 1,
                _ => 0,
            };
            if micros > 0 {
                std::thread::sleep(std::time::Duration::from_micros(micros.unsigned_abs()));
            }
            after_key(keys.unsigned_abs());
        },
    )
}

/// `SAVE`, and the save on shutdown: writes the file in the foreground.
///
/// # Errors
/// The I/O error, already logged.
pub fn save(server: &mut Server) -> io::Result<()> {
    let now_ms = crate::networking::unix_time_us() / 1000;
    match write_file(&rdb_path(server), server, now_ms, |_| {}) {
        Ok(()) => {
            crate::notice!("DB saved on disk");
            server.dirty = 0;
            server.persistence.last_save_s = now_ms / 1000;
            server.persistence.last_bgsave_ok = true;
            Ok(())
        }
        Err(error) => {
            crate::warning!("Failed opening the temp RDB file for saving: {error}");
            Err(error)
        }
    }
}

/// `BGSAVE`: forks a child that writes the file. Returns its pid.
///
/// # Errors
/// The fork failed (logged).
pub fn background_save(server: &mut Server) -> io::Result<libc::pid_t> {
    let now_ms = server.now_ms;
    server.persistence.last_bgsave_try_ms = now_ms;
    let path = rdb_path(server);
    // Without a pipe the save still runs; INFO then shows no progress.
    let (reports, report_to) = match crate::os::report_pipe() {
        Ok((read, write)) => (Some(read), Some(write)),
        Err(_) => (None, None),
    };
    let keys_total = server.dbs.iter().map(|db| db.len() as u64).sum();
    let snapshot: &Server = server;
    let forked = crate::os::fork_child(move || {
        let mut reporter = ChildReporter {
            pipe: report_to,
            last_report: std::time::Instant::now(),
        };
        let written = write_file(&path, snapshot, now_ms, |keys| {
            reporter.progress(keys, false);
        });
        match written {
            Ok(()) => {
                reporter.progress(keys_total, true);
                0
            }
            Err(_) => 1,
        }
    });
    match forked {
        Err(error) => {
            server.persistence.last_bgsave_ok = false;
            crate::warning!("Can't save in background: fork: {error}");
            Err(error)
        }
        Ok(pid) => {
            crate::notice!("Background saving started by pid {pid}");
            set_resize_allowed(server, false);
            server.persistence.child = Some(SaveChild {
                pid,
                started_ms: now_ms,
                dirty_at_fork: server.dirty,
                keys_total,
                reports,
                partial: Vec::new(),
                keys_processed: 0,
                cow_bytes: 0,
                cow_peak: 0,
                cow_updated_ms: 0,
                final_cow: None,
            });
            server.persistence.saves += 1;
            Ok(pid)
        }
    }
}

/// Redis compat: while a child shares the parent's memory, key tables do
/// not resize (unless five times overfull), so pages stay shared.
fn set_resize_allowed(server: &mut Server, allowed: bool) {
    for db in &mut server.dbs {
        db.set_resize_allowed(allowed);
    }
}

/// The child's side of the progress pipe: at most one report a second
/// while saving (measuring copy-on-write reads `/proc`), and a final one.
struct ChildReporter {
    pipe: Option<File>,
    last_report: std::time::Instant,
}

impl ChildReporter {
    fn progress(&mut self, keys: u64, done: bool) {
        let Some(pipe) = &mut self.pipe else { return };
        // Checking the clock every key would cost more than saving small keys.
        if !done && (keys % 64 != 0 || self.last_report.elapsed().as_millis() < 1000) {
            return;
        }
        self.last_report = std::time::Instant::now();
        let cow = crate::os::private_dirty_bytes().unwrap_or(0);
        let mut report = [0u8; REPORT_LEN];
        report[0] = if done { REPORT_DONE } else { REPORT_PROGRESS };
        report[1..9].copy_from_slice(&keys.to_le_bytes());
        report[9..].copy_from_slice(&cow.to_le_bytes());
        // A parent that stopped listening loses nothing but the report.
        let _ = std::io::Write::write_all(pipe, &report);
    }
}

/// Takes in the child's progress reports (Redis's `receiveChildInfo`).
fn read_child_reports(server: &mut Server) {
    let now_ms = server.now_ms;
    let Some(child) = &mut server.persistence.child else {
        return;
    };
    let Some(pipe) = &mut child.reports else {
        return;
    };
    let mut chunk = [0u8; 4096];
    loop {
        match std::io::Read::read(pipe, &mut chunk) {
            Ok(0) => break,
            Ok(read) => child.partial.extend_from_slice(&chunk[..read]),
            Err(_) => break,
        }
    }
    let complete = child.partial.len() / REPORT_LEN * REPORT_LEN;
    let reports: Vec<u8> = child.partial.drain(..complete).collect();
    for report in reports.chunks_exact(REPORT_LEN) {
        let mut number = [0u8; 8];
        number.copy_from_slice(&report[1..9]);
        let keys = u64::from_le_bytes(number);
        number.copy_from_slice(&report[9..]);
        let cow = u64::from_le_bytes(number);
        child.keys_processed = keys;
        child.cow_bytes = cow;
        child.cow_peak = child.cow_peak.max(cow);
        child.cow_updated_ms = now_ms;
        if report[0] == REPORT_DONE {
            child.final_cow = Some(cow);
        } else {
            crate::verbose!(
                "Fork CoW for RDB: current {} MB, peak {} MB",
                cow / (1024 * 1024),
                child.cow_peak / (1024 * 1024)
            );
        }
    }
}

/// Cron's part: reaps a finished child, then starts a scheduled or due
/// background save (Redis's `serverCron` checks).
pub fn cron(server: &mut Server) {
    read_child_reports(server);
    reap_child(server, false);
    if server.persistence.child.is_some() {
        return;
    }
    if server.persistence.bgsave_scheduled {
        server.persistence.bgsave_scheduled = false;
        let _ = background_save(server);
        return;
    }
    let now_ms = server.now_ms;
    let persistence = &server.persistence;
    let may_try =
        persistence.last_bgsave_ok || now_ms - persistence.last_bgsave_try_ms > RETRY_DELAY_MS;
    let due = save_points(&server.config.save)
        .into_iter()
        .find(|&(seconds, changes)| {
            server.dirty >= changes && now_ms / 1000 - persistence.last_save_s > seconds
        });
    if let (Some((seconds, changes)), true) = (due, may_try) {
        crate::notice!("{changes} changes in {seconds} seconds. Saving...");
        let _ = background_save(server);
    }
}

/// Collects the background save's exit status if it has ended (waiting
/// for it when `block`).
pub fn reap_child(server: &mut Server, block: bool) {
    let Some(child) = &server.persistence.child else {
        return;
    };
    let Some(succeeded) = crate::os::reap_child(child.pid, block) else {
        return;
    };
    // The final report may have arrived with the exit.
    read_child_reports(server);
    let Some(child) = server.persistence.child.take() else {
        return;
    };
    set_resize_allowed(server, true);
    let (started_ms, dirty_at_fork) = (child.started_ms, child.dirty_at_fork);
    if let Some(cow) = child.final_cow {
        server.persistence.last_cow_size = cow;
        crate::notice!(
            "Fork CoW for RDB: {} MB of memory used by copy-on-write",
            cow / (1024 * 1024)
        );
    }
    let persistence = &mut server.persistence;
    persistence.last_bgsave_secs = (server.now_ms - started_ms) / 1000;
    persistence.last_bgsave_ok = succeeded;
    if succeeded {
        crate::notice!("Background saving terminated with success");
        server.dirty = server.dirty.saturating_sub(dirty_at_fork);
        persistence.last_save_s = started_ms / 1000;
    } else {
        crate::warning!("Background saving error");
    }
    let path = rdb_path(server);
    crate::replication::snapshot_finished(server, succeeded, &path, true);
}

/// Stops a running background save and removes its temporary file (a
/// foreground save or a shutdown supersedes it).
pub fn kill_child(server: &mut Server) {
    let Some(child) = server.persistence.child.take() else {
        return;
    };
    crate::os::kill_child(child.pid);
    set_resize_allowed(server, true);
    let _ = std::fs::remove_file(temp_path(
        &server.persistence.directory,
        child.pid.unsigned_abs(),
    ));
    crate::notice!("Background saving terminated by signal");
    let path = rdb_path(server);
    crate::replication::snapshot_finished(server, false, &path, false);
}

/// The save a shutdown makes (SHUTDOWN, SIGTERM, SIGINT): with `save`, or
/// when save points are configured and not `nosave`. A running background
/// save is stopped first. Returns false if a save was needed and failed.
pub fn save_before_exit(server: &mut Server, save: bool, nosave: bool) -> bool {
    kill_child(server);
    let wanted = save || (!nosave && !save_points(&server.config.save).is_empty());
    if !wanted {
        return true;
    }
    crate::notice!("Saving the final RDB snapshot before exiting.");
    crate::os::set_shutting_down(true);
    let saved = self::save(server).is_ok();
    crate::os::set_shutting_down(false);
    if !saved {
        crate::warning!("Error trying to save the DB, can't exit.");
    }
    saved
}

/// Why loading the file failed.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io(io::Error),
    /// Its contents are invalid.
    Format(file::FileError),
    /// A function library in it could not be loaded.
    Functions(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io(error) => write!(f, "{error}"),
            LoadError::Format(error) => write!(f, "{error}"),
            LoadError::Functions(error) => write!(f, "{error}"),
        }
    }
}

/// Installs the function libraries a file holds: in place of the current
/// ones (a full reload), beside them (a name taken is an error), or over
/// same-named ones (merge).
fn load_functions(server: &mut Server, codes: &[Vec<u8>], mode: LoadMode) -> Result<(), LoadError> {
    if codes.is_empty() && mode != LoadMode::Replace {
        return Ok(());
    }
    if codes.is_empty() {
        if let Some(engine) = server.functions.as_mut() {
            engine.libraries.clear();
        }
        return Ok(());
    }
    let mut engine = match server.functions.take() {
        Some(engine) => engine,
        None => Box::new(
            crate::scripting::function::Functions::new()
                .map_err(|error| LoadError::Functions(error.to_string()))?,
        ),
    };
    let result = (|| {
        let mut libraries = Vec::new();
        for code in codes {
            libraries.push(engine.compile(code)?);
        }
        if mode == LoadMode::Replace {
            engine.libraries.clear();
        }
        engine.install(libraries, mode == LoadMode::Merge)
    })();
    server.functions = Some(engine);
    result.map_err(LoadError::Functions)
}

/// Brings a value read from RDB data (a file or a RESTORE payload) to the
/// server's configuration: encodings past the configured thresholds are
/// converted and lists take `list-compress-depth`, as Redis's loader does.
pub fn fit_to_config(value: &mut vireo_core::Value, config: &crate::config::Config) {
    use vireo_core::Value;
    match value {
        Value::List(list) => list.set_compress_depth(config.list_compress_depth),
        Value::Hash(hash) => hash.fit_limits(config.hash_limits),
        Value::ZSet(zset) => zset.fit_limits(config.zset_limits),
        Value::Set(set)
            if matches!(**set, vireo_core::t_set::Set::Intset(_))
                && set.len() > config.set_max_intset_entries =>
        {
            set.convert_to_hashtable(0);
        }
        _ => {}
    }
}

/// How a load treats the keys already in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadMode {
    /// The databases are replaced, all at once once the file has loaded.
    Replace,
    /// Loaded keys are added; one already present is an error.
    Add,
    /// Loaded keys are added, replacing present ones (DEBUG RELOAD MERGE).
    Merge,
}

/// Loads `dbfilename` (keys already expired are dropped, as a primary
/// does). Ok(false) when there is no file.
///
/// # Errors
/// An unreadable or invalid file. In [`LoadMode::Replace`] the databases
/// are then left as they were; otherwise the keys read before the error
/// stay.
pub fn load(server: &mut Server, mode: LoadMode) -> Result<bool, LoadError> {
    let bytes = match std::fs::read(rdb_path(server)) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(LoadError::Io(error)),
    };
    let now_ms = crate::networking::unix_time_us() / 1000;
    let mut fresh: Vec<Db> = match mode {
        LoadMode::Replace => (0..server.dbs.len()).map(|_| Db::new()).collect(),
        LoadMode::Add | LoadMode::Merge => Vec::new(),
    };
    let config = &server.config;
    let databases = if mode == LoadMode::Replace {
        &mut fresh
    } else {
        &mut server.dbs
    };
    let count = databases.len();
    let (mut loaded, mut expired) = (0u64, 0u64);
    let mut expired_keys = Vec::new();
    let result = file::load(&bytes, count, |key| {
        let db = &mut databases[key.db];
        if mode != LoadMode::Merge && db.peek_even_if_expired(&key.key, now_ms).is_some() {
            return Err(RdbError::DuplicateKey);
        }
        if key.expire_at_ms != vireo_core::db::NO_EXPIRY && key.expire_at_ms < now_ms {
            expired += 1;
            expired_keys.push((key.db, key.key));
            return Ok(());
        }
        let mut value = key.value;
        fit_to_config(&mut value, config);
        db.insert(&key.key, value, key.expire_at_ms);
        loaded += 1;
        Ok(())
    });
    server.persistence.last_load_keys = loaded;
    server.persistence.last_load_expired = expired;
    server.persistence.loaded_expired = expired_keys;
    let summary = result.map_err(LoadError::Format)?;
    load_functions(server, &summary.functions, mode)?;
    if let Some((_, version)) = summary.aux.iter().find(|(name, _)| name == b"redis-ver") {
        crate::notice!(
            "Loading RDB produced by version {}",
            String::from_utf8_lossy(version)
        );
    }
    crate::notice!("Done loading RDB, keys loaded: {loaded}, keys expired: {expired}.");
    let aux = |name: &[u8]| {
        summary
            .aux
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| String::from_utf8_lossy(value).into_owned())
    };
    server.persistence.loaded_history = match (
        aux(b"repl-id"),
        aux(b"repl-offset").and_then(|n| n.parse::<i64>().ok()),
        aux(b"repl-stream-db").and_then(|n| n.parse::<usize>().ok()),
    ) {
        (Some(id), Some(offset), Some(db)) if id.len() == 40 && offset >= 0 => {
            Some((id, offset, db))
        }
        _ => None,
    };
    for (db, mut loaded_db) in server.dbs.iter_mut().zip(fresh) {
        db.swap_contents(&mut loaded_db);
    }
    Ok(true)
}
