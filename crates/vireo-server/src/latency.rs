//! Latency monitoring: per-event time series of slow commands (LATENCY
//! LATEST/HISTORY, kept when a command takes at least
//! `latency-monitor-threshold` ms) and per-command latency histograms
//! (LATENCY HISTOGRAM and INFO latencystats, when `latency-tracking` is on).

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

/// Samples kept per event, one per second at most.
pub const SAMPLES_PER_EVENT: usize = 160;

/// One latency event's history.
#[derive(Debug, Clone, Default)]
pub struct TimeSeries {
    /// (Unix seconds, milliseconds), oldest first.
    pub samples: std::collections::VecDeque<(i64, u64)>,
    /// The largest latency ever recorded.
    pub max: u64,
}

/// All latency state.
#[derive(Default)]
pub struct Latency {
    /// Event name to its history.
    pub events: BTreeMap<String, TimeSeries>,
    /// Per-command histograms of durations in nanoseconds, by command id.
    pub histograms: Vec<Option<Histogram<u64>>>,
}

impl Latency {
    /// Records a sample for `event`; samples in the same second keep the largest.
    pub fn add_sample(&mut self, event: &str, now_seconds: i64, milliseconds: u64) {
        let series = self.events.entry(event.to_string()).or_default();
        series.max = series.max.max(milliseconds);
        if let Some(last) = series.samples.back_mut() {
            if last.0 == now_seconds {
                last.1 = last.1.max(milliseconds);
                return;
            }
        }
        series.samples.push_back((now_seconds, milliseconds));
        if series.samples.len() > SAMPLES_PER_EVENT {
            series.samples.pop_front();
        }
    }

    /// Records a command's duration in its histogram.
    pub fn record_command(&mut self, command_id: usize, nanoseconds: u64) {
        if self.histograms.len() <= command_id {
            self.histograms.resize_with(command_id + 1, || None);
        }
        let slot = &mut self.histograms[command_id];
        if slot.is_none() {
            // Redis compat: 1 ns to 1 s with two significant digits.
            *slot = Histogram::new_with_bounds(1, 1_000_000_000, 2).ok();
        }
        if let Some(histogram) = slot.as_mut() {
            histogram.saturating_record(nanoseconds.clamp(1, 1_000_000_000));
        }
    }

    /// The histogram of a command, if it ran since the last reset.
    pub fn histogram(&self, command_id: usize) -> Option<&Histogram<u64>> {
        self.histograms.get(command_id).and_then(Option::as_ref)
    }
}

/// `(upper bound in µs, cumulative count)` pairs of a histogram in
/// power-of-two buckets from 1024 ns, as LATENCY HISTOGRAM reports them.
pub fn cumulative_buckets(histogram: &Histogram<u64>) -> Vec<(u64, u64)> {
    let mut buckets = Vec::new();
    let mut cumulative = 0;
    let mut previous = 0;
    for step in histogram.iter_log(1024, 2.0) {
        cumulative += step.count_since_last_iteration();
        if cumulative > previous {
            buckets.push((
                histogram.highest_equivalent(step.value_iterated_to()) / 1000,
                cumulative,
            ));
        }
        previous = cumulative;
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_in_one_second_keep_the_largest() {
        let mut latency = Latency::default();
        latency.add_sample("command", 100, 5);
        latency.add_sample("command", 100, 9);
        latency.add_sample("command", 100, 3);
        latency.add_sample("command", 101, 2);
        let series = &latency.events["command"];
        assert_eq!(
            series.samples.iter().copied().collect::<Vec<_>>(),
            vec![(100, 9), (101, 2)]
        );
        assert_eq!(series.max, 9);
        for second in 0..200 {
            latency.add_sample("command", 1000 + second, 1);
        }
        assert_eq!(latency.events["command"].samples.len(), SAMPLES_PER_EVENT);
    }

    #[test]
    fn buckets_are_cumulative() {
        let mut latency = Latency::default();
        for nanoseconds in [500, 1500, 1500, 3000, 100_000] {
            latency.record_command(0, nanoseconds);
        }
        let buckets = cumulative_buckets(latency.histogram(0).unwrap());
        assert_eq!(buckets.last().map(|b| b.1), Some(5));
        assert!(
            buckets
                .windows(2)
                .all(|pair| pair[0].0 < pair[1].0 && pair[0].1 < pair[1].1),
            "{buckets:?}"
        );
    }
}
