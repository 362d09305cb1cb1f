//! Active expiry: reclaiming keys whose time has passed but nobody reads.
//!
//! Lazy expiry (every lookup removes an expired key it meets, see
//! [`crate::db`]) keeps replies correct, but a key written once with a TTL
//! and never read again would hold its memory forever. Redis's answer,
//! reproduced here as [`ActiveExpire::cycle`], is statistical:
//!
//! - Each call visits databases in turn (16 per call, all of them after a
//!   call that ran out of time) and samples 20 volatile keys at a time from
//!   a per-database cursor, removing the expired ones.
//! - While more than 10% of a sample was expired, the database probably
//!   holds many more, so it samples again; otherwise it moves on. The
//!   share of expired keys left in memory therefore stays near 10% without
//!   ever scanning everything.
//! - The work is bounded by time: the slow cycle (from `server_cron`, `hz`
//!   times a second) may use 25% of a cron period; the fast cycle (from
//!   `before_sleep`) at most 1 ms, at most once per 2 ms, and only when the
//!   previous cycle ran out of time (see the Redis compat note in
//!   [`ActiveExpire::cycle`]). Time is checked every 16 samples, not each.
//! - `active-expire-effort` (1..10) scales the sample size, the time
//!   budgets and the acceptable stale share.
//!
//! Cost: a sample is one step of the volatile arena (dense, so there are no
//! empty buckets to skip as in Redis's bucket walk); a removal is a delete.
//! Alternatives: a timer wheel or a sorted index of expiry times would find
//! expired keys exactly, at the cost of memory per volatile key and work
//! on every EXPIRE; sampling costs nothing per key and is what Redis users
//! tune for (`expired_stale_perc`, `active-expire-effort`).
//!
//! There is no clock here: the caller passes `now_ms` (the instant keys are
//! judged at) and a clock for the time budget.

use crate::db::Db;

/// Keys sampled per database loop at effort 1.
const KEYS_PER_LOOP: u64 = 20;
/// Fast cycle budget at effort 1, microseconds.
const FAST_DURATION_US: u64 = 1000;
/// Share of a cron period the slow cycle may use at effort 1, percent.
const SLOW_TIME_PERCENT: u64 = 25;
/// Expired share of a sample above which a database is sampled again, percent.
const ACCEPTABLE_STALE_PERCENT: u64 = 10;
/// Databases visited per call unless the previous call ran out of time.
const DBS_PER_CALL: usize = 16;

/// Which cycle to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleKind {
    /// From `server_cron`: a share of the cron period.
    Slow,
    /// From `before_sleep`: short, and only when keys are piling up.
    Fast,
}

/// The state the active expire cycle keeps between calls, and its statistics.
#[derive(Debug, Clone)]
pub struct ActiveExpire {
    /// `active-expire-effort`, 1 to 10.
    pub effort: u32,
    current_db: usize,
    timelimit_exit: bool,
    last_fast_cycle_us: i64,
    /// Running estimate of the share (0 to 1) of expired keys among the
    /// volatile keys sampled (INFO `expired_stale_perc`, times 100).
    pub stale_ratio: f64,
    /// Cycles that stopped because their time ran out
    /// (INFO `expired_time_cap_reached_count`).
    pub time_cap_reached: u64,
    /// Microseconds spent in cycles (INFO `expire_cycle_cpu_milliseconds`, /1000).
    pub time_used_us: u64,
}

impl Default for ActiveExpire {
    fn default() -> Self {
        ActiveExpire {
            effort: 1,
            current_db: 0,
            timelimit_exit: false,
            last_fast_cycle_us: 0,
            stale_ratio: 0.0,
            time_cap_reached: 0,
            time_used_us: 0,
        }
    }
}

impl ActiveExpire {
    /// Runs one cycle over `dbs`: keys expiring before `now_ms` may be
    /// removed; `clock_us` reads the current time in microseconds for the
    /// time budget; `hz` is the cron frequency. Returns the keys removed.
    pub fn cycle(
        &mut self,
        dbs: &mut [Db],
        kind: CycleKind,
        now_ms: i64,
        hz: u32,
        clock_us: &mut dyn FnMut() -> i64,
    ) -> u64 {
        let effort = u64::from(self.effort.clamp(1, 10) - 1);
        let keys_per_loop = KEYS_PER_LOOP + KEYS_PER_LOOP / 4 * effort;
        let fast_duration = FAST_DURATION_US + FAST_DURATION_US / 4 * effort;
        let slow_time_percent = SLOW_TIME_PERCENT + 2 * effort;
        let acceptable_stale = ACCEPTABLE_STALE_PERCENT - effort;

        let start = clock_us();
        if kind == CycleKind::Fast {
            // Redis compat: the running estimate is a ratio (0 to 1) and is
            // compared with a percentage here, as Redis 7.0 does, so the
            // fast cycle runs only after a cycle that ran out of time.
            if !self.timelimit_exit && self.stale_ratio < acceptable_stale as f64 {
                return 0;
            }
            if start < self.last_fast_cycle_us + 2 * fast_duration as i64 {
                return 0;
            }
            self.last_fast_cycle_us = start;
        }
        let mut dbs_per_call = DBS_PER_CALL;
        if dbs_per_call > dbs.len() || self.timelimit_exit {
            dbs_per_call = dbs.len();
        }
        let timelimit = match kind {
            CycleKind::Fast => fast_duration as i64,
            CycleKind::Slow => {
                (slow_time_percent * 1_000_000 / u64::from(hz.max(1)) / 100).max(1) as i64
            }
        };
        self.timelimit_exit = false;

        let (mut total_sampled, mut total_expired) = (0u64, 0u64);
        let mut iteration = 0u64;
        let mut visited = 0;
        while visited < dbs_per_call && !self.timelimit_exit && !dbs.is_empty() {
            let db = &mut dbs[self.current_db % dbs.len()];
            self.current_db = self.current_db.wrapping_add(1);
            visited += 1;
            loop {
                iteration += 1;
                if db.volatile_len() == 0 {
                    db.avg_ttl = 0;
                    break;
                }
                let count = (db.volatile_len() as u64).min(keys_per_loop) as usize;
                let (sampled, expired, ttl_sum, ttl_samples) = db.expire_sample(now_ms, count);
                total_sampled += sampled as u64;
                total_expired += expired as u64;
                if ttl_samples > 0 {
                    let avg_ttl = ttl_sum / ttl_samples as i64;
                    // Redis compat: the first sample seeds the average, and
                    // is then blended in again.
                    if db.avg_ttl == 0 {
                        db.avg_ttl = avg_ttl;
                    }
                    db.avg_ttl = (db.avg_ttl / 50) * 49 + avg_ttl / 50;
                }
                if iteration % 16 == 0 && clock_us() - start > timelimit {
                    self.timelimit_exit = true;
                    self.time_cap_reached += 1;
                    break;
                }
                if sampled == 0 || (expired as u64) * 100 / (sampled as u64) <= acceptable_stale {
                    break;
                }
            }
        }
        self.time_used_us += (clock_us() - start).max(0) as u64;
        let current = if total_sampled > 0 {
            total_expired as f64 / total_sampled as f64
        } else {
            0.0
        };
        self.stale_ratio = current * 0.05 + self.stale_ratio * 0.95;
        total_expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::NO_EXPIRY;
    use crate::object::{StrValue, Value};

    fn value() -> Value {
        Value::Str(StrValue::from_bytes(b"v"))
    }

    /// A clock that advances `step_us` each time it is read.
    fn ticking(step_us: i64) -> impl FnMut() -> i64 {
        let mut now = 1_000_000;
        move || {
            now += step_us;
            now
        }
    }

    fn fill(db: &mut Db, expired: usize, live: usize, persistent: usize) {
        for n in 0..expired {
            db.insert(format!("old{n}").as_bytes(), value(), 1_000);
        }
        for n in 0..live {
            db.insert(format!("live{n}").as_bytes(), value(), 1_000_000);
        }
        for n in 0..persistent {
            db.insert(format!("keep{n}").as_bytes(), value(), NO_EXPIRY);
        }
    }

    #[test]
    fn slow_cycle_repeats_while_many_sampled_keys_are_expired() {
        let mut dbs = vec![Db::new()];
        fill(&mut dbs[0], 1000, 10, 50);
        let mut expire = ActiveExpire::default();
        // A frozen clock: the budget never runs out.
        let removed = expire.cycle(&mut dbs, CycleKind::Slow, 2_000, 10, &mut || 0);
        assert!(removed >= 990, "removed {removed}");
        assert_eq!(dbs[0].len(), 60 + 1000 - removed as usize);
        assert_eq!(dbs[0].expired_keys(), removed);
        assert!(expire.stale_ratio > 0.0);
        assert!(dbs[0].avg_ttl() > 0);
    }

    #[test]
    fn slow_cycle_stops_when_few_sampled_keys_are_expired() {
        let mut dbs = vec![Db::new()];
        fill(&mut dbs[0], 1, 1000, 0);
        let mut expire = ActiveExpire::default();
        let removed = expire.cycle(&mut dbs, CycleKind::Slow, 2_000, 10, &mut || 0);
        assert!(removed <= 1);
        assert_eq!(dbs[0].len(), 1001 - removed as usize);
    }

    #[test]
    fn slow_cycle_respects_its_time_budget() {
        let mut dbs = vec![Db::new()];
        fill(&mut dbs[0], 100_000, 0, 0);
        let mut expire = ActiveExpire::default();
        // Each clock read costs 10 ms: the 25 ms budget (hz 10) is found
        // spent at the third check, after 48 loops of 20 samples.
        let removed = expire.cycle(&mut dbs, CycleKind::Slow, 2_000, 10, &mut ticking(10_000));
        assert_eq!(removed, 48 * 20);
        assert_eq!(expire.time_cap_reached, 1);
        // The time-capped cycle lets the next fast cycle run.
        let fast = expire.cycle(&mut dbs, CycleKind::Fast, 2_000, 10, &mut ticking(10_000));
        assert!(fast > 0);
    }

    #[test]
    fn fast_cycle_is_skipped_when_the_previous_cycle_finished_in_time() {
        let mut dbs = vec![Db::new()];
        fill(&mut dbs[0], 100, 0, 0);
        let mut expire = ActiveExpire::default();
        let removed = expire.cycle(&mut dbs, CycleKind::Fast, 2_000, 10, &mut || 0);
        assert_eq!(removed, 0);
        assert_eq!(dbs[0].len(), 100);
    }

    #[test]
    fn cycles_visit_every_database_and_keep_keys_not_yet_expired() {
        let mut dbs: Vec<Db> = (0..20).map(|_| Db::new()).collect();
        for db in &mut dbs {
            fill(db, 5, 5, 5);
        }
        let mut expire = ActiveExpire::default();
        expire.cycle(&mut dbs, CycleKind::Slow, 2_000, 10, &mut || 0);
        expire.cycle(&mut dbs, CycleKind::Slow, 2_000, 10, &mut || 0);
        for db in &mut dbs {
            assert_eq!(db.len(), 10);
            assert_eq!(db.volatile_len(), 5);
        }
    }
}
