//! The sorted-set type: a compact sorted vector while small, a
//! [`ScoreTree`] (an order-statistic B+ tree with a member index) once it
//! has more than `zset-max-listpack-entries` members or a member longer
//! than `zset-max-listpack-value` bytes.
//!
//! `OBJECT ENCODING` reports `listpack` and `skiplist`, Redis 7.0's names.
//! The small encoding is a vector of (member, score) kept in (score, member)
//! order: the same costs as Redis's listpack (O(n) member lookup and
//! insertion, O(log n) score search, one contiguous allocation for the
//! index) without its byte format. When the shared Redis-format listpack
//! module lands, this encoding should move onto it so RDB can write it as is.
//!
//! Every range query is reduced to a range of ranks first
//! ([`ZSet::score_range_ranks`], [`ZSet::lex_range_ranks`]); commands then
//! walk ranks, which both encodings answer in O(log n) to start and O(1)
//! per step.
//!
//! Also here: Redis's rules for reading scores (`strtod` based) and ranges.

use std::cmp::Ordering;

use crate::score_tree::{compare, ScoreTree};

/// Appends `score` as Redis's small sorted-set encoding stores it: a whole
/// number in Redis's safe range (`double2ll`) as an integer, any other as
/// its `%.17g` text. The listpack turns integer text into an integer entry.
pub fn write_listpack_score(out: &mut Vec<u8>, score: f64) {
    const SAFE_LIMIT: f64 = (i64::MAX / 2) as f64;
    if (-SAFE_LIMIT..=SAFE_LIMIT).contains(&score) && score.trunc() == score {
        out.extend_from_slice(crate::util::format_i64(&mut [0; 20], score as i64));
    } else {
        vireo_resp::encode::write_double(out, score);
    }
}

/// Conversion thresholds (`zset-max-listpack-entries`, `-value`).
#[derive(Debug, Clone, Copy)]
pub struct ZSetLimits {
    /// Most members in the small encoding.
    pub max_listpack_entries: usize,
    /// Longest member in the small encoding.
    pub max_listpack_value: usize,
}

impl Default for ZSetLimits {
    fn default() -> Self {
        ZSetLimits {
            max_listpack_entries: 128,
            max_listpack_value: 64,
        }
    }
}

/// A sorted-set value.
#[derive(Debug, Clone)]
pub enum ZSet {
    /// Small: (member, score) pairs in (score, member) order.
    Listpack(Vec<(Box<[u8]>, f64)>),
    /// Big: ordered tree plus member index; `OBJECT ENCODING` says `skiplist`.
    Skiplist(ScoreTree),
}

impl PartialEq for ZSet {
    fn eq(&self, other: &ZSet) -> bool {
        self.len() == other.len()
            && (0..self.len()).all(|rank| self.get_by_rank(rank) == other.get_by_rank(rank))
    }
}

// INVARIANT: scores are never NaN (every path that stores one rejects
// NaN first), so equality on them is total.
impl Eq for ZSet {}

impl ZSet {
    /// An empty sorted set in the encoding Redis's `zsetTypeCreate` picks for
    /// `size_hint` members of at most `max_member_len` bytes.
    pub fn new(size_hint: usize, max_member_len: usize, limits: ZSetLimits) -> ZSet {
        if size_hint <= limits.max_listpack_entries && max_member_len <= limits.max_listpack_value {
            ZSet::Listpack(Vec::with_capacity(
                size_hint.min(limits.max_listpack_entries),
            ))
        } else {
            ZSet::Skiplist(ScoreTree::new())
        }
    }

    /// Estimated heap bytes (MEMORY USAGE).
    pub fn memory_usage(&self, samples: usize) -> usize {
        match self {
            ZSet::Listpack(pairs) => {
                pairs.capacity() * std::mem::size_of::<(Box<[u8]>, f64)>()
                    + crate::object::extrapolate(
                        pairs.len(),
                        samples,
                        pairs.iter().map(|(member, _)| member.len()),
                    )
            }
            ZSet::Skiplist(skiplist) => skiplist.memory_usage(samples),
        }
    }

    /// The listpack Redis keeps for this sorted set in its small encoding
    /// (what RDB files and DEBUG LISTPACK show): member, score, member,
    /// score... in order, each score as [`write_listpack_score`] spells it.
    /// `None` for the big encoding.
    pub fn small_as_listpack(&self) -> Option<crate::listpack::Listpack> {
        let ZSet::Listpack(pairs) = self else {
            return None;
        };
        let mut listpack = crate::listpack::Listpack::new();
        let mut text = Vec::new();
        for (member, score) in pairs {
            listpack.append(member);
            text.clear();
            write_listpack_score(&mut text, *score);
            listpack.append(&text);
        }
        Some(listpack)
    }

    /// The `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            ZSet::Listpack(_) => "listpack",
            ZSet::Skiplist(_) => "skiplist",
        }
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            ZSet::Listpack(entries) => entries.len(),
            ZSet::Skiplist(list) => list.len(),
        }
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Listpack(entries) => entries
                .iter()
                .find(|(m, _)| &**m == member)
                .map(|&(_, s)| s),
            ZSet::Skiplist(list) => list.score(member),
        }
    }

    /// Adds a member that is absent, converting to the big encoding when a
    /// threshold would be crossed (Redis checks before inserting).
    pub fn insert(&mut self, member: &[u8], score: f64, limits: ZSetLimits) {
        if let ZSet::Listpack(entries) = self {
            if entries.len() + 1 > limits.max_listpack_entries
                || member.len() > limits.max_listpack_value
            {
                self.convert_to_skiplist();
            }
        }
        match self {
            ZSet::Listpack(entries) => {
                // Redis compat: the listpack stores -0 as the integer 0.
                let score = score + 0.0;
                let at = entries
                    .partition_point(|(m, s)| compare(*s, m, score, member) == Ordering::Less);
                entries.insert(at, (member.into(), score));
            }
            ZSet::Skiplist(list) => {
                list.insert(score, member.into());
            }
        }
    }

    /// Changes the score of a present member.
    pub fn set_score(&mut self, member: &[u8], score: f64) {
        match self {
            ZSet::Listpack(entries) => {
                let Some(from) = entries.iter().position(|(m, _)| &**m == member) else {
                    return;
                };
                let (owned, _) = entries.remove(from);
                let score = score + 0.0;
                let at = entries
                    .partition_point(|(m, s)| compare(*s, m, score, member) == Ordering::Less);
                entries.insert(at, (owned, score));
            }
            ZSet::Skiplist(list) => {
                list.update_score(member, score);
            }
        }
    }

    /// Removes `member`, returning its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Listpack(entries) => {
                let at = entries.iter().position(|(m, _)| &**m == member)?;
                Some(entries.remove(at).1)
            }
            ZSet::Skiplist(list) => list.remove(member),
        }
    }

    /// The 0-based ascending rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self {
            ZSet::Listpack(entries) => entries.iter().position(|(m, _)| &**m == member),
            ZSet::Skiplist(list) => list.rank(member),
        }
    }

    /// The member and score at 0-based ascending `rank`.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        match self {
            ZSet::Listpack(entries) => entries.get(rank).map(|(m, s)| (&**m, *s)),
            ZSet::Skiplist(list) => list.by_rank(rank).map(|id| list.entry(id)),
        }
    }

    /// Visits ranks `start..=end` (ascending ranks; `rev` walks from `end`
    /// down to `start`). Ranks must be in bounds.
    pub fn for_each_in_ranks(
        &self,
        start: usize,
        end: usize,
        rev: bool,
        mut visit: impl FnMut(&[u8], f64),
    ) {
        if start > end || end >= self.len() {
            return;
        }
        match self {
            ZSet::Listpack(entries) => {
                let slice = &entries[start..=end];
                if rev {
                    slice.iter().rev().for_each(|(m, s)| visit(m, *s));
                } else {
                    slice.iter().for_each(|(m, s)| visit(m, *s));
                }
            }
            ZSet::Skiplist(list) => {
                let mut at = list.by_rank(if rev { end } else { start });
                for _ in start..=end {
                    let Some(id) = at else { break };
                    let (m, s) = list.entry(id);
                    visit(m, s);
                    at = if rev { list.prev(id) } else { list.next(id) };
                }
            }
        }
    }

    /// Visits every member in ascending order.
    pub fn for_each(&self, visit: impl FnMut(&[u8], f64)) {
        if !self.is_empty() {
            self.for_each_in_ranks(0, self.len() - 1, false, visit);
        }
    }

    /// Inclusive rank bounds of the members in a monotone window: members
    /// for which `below` holds come first, those for which `above` holds
    /// come last; `None` if the window is empty.
    fn window_ranks(
        &self,
        mut below: impl FnMut(f64, &[u8]) -> bool,
        mut above: impl FnMut(f64, &[u8]) -> bool,
    ) -> Option<(usize, usize)> {
        let (first, last) = match self {
            ZSet::Listpack(entries) => {
                let first = entries.partition_point(|(m, s)| below(*s, m));
                let end = entries.partition_point(|(m, s)| !above(*s, m));
                if end == 0 {
                    return None;
                }
                (first, end - 1)
            }
            ZSet::Skiplist(list) => {
                let (_, first) = list.first_not_before(below)?;
                let (_, last) = list.last_not_after(above)?;
                (first, last)
            }
        };
        (first <= last).then_some((first, last))
    }

    /// Inclusive ascending rank bounds of the members in `range`.
    pub fn score_range_ranks(&self, range: &ScoreRange) -> Option<(usize, usize)> {
        if range.is_empty() {
            return None;
        }
        self.window_ranks(|s, _| !range.gte_min(s), |s, _| !range.lte_max(s))
    }

    /// Inclusive ascending rank bounds of the members in `range` (members
    /// are expected to share one score, as Redis documents).
    ///
    /// Redis compat: like Redis, first checks that the highest member is
    /// not below the range and the lowest not above it; then the small
    /// encoding scans linearly from the first member not below the range
    /// (`zzlFirstInLexRange`), the tree descends. On members with
    /// different scores (undefined behaviour in Redis's documentation) the
    /// answers depend on each structure's shape, as Redis's do.
    pub fn lex_range_ranks(&self, range: &LexRange) -> Option<(usize, usize)> {
        if range.is_empty() || self.is_empty() {
            return None;
        }
        let (lowest, _) = self.get_by_rank(0)?;
        let (highest, _) = self.get_by_rank(self.len() - 1)?;
        if !range.gte_min(highest) || !range.lte_max(lowest) {
            return None;
        }
        match self {
            ZSet::Listpack(entries) => {
                let first = entries.iter().position(|(m, _)| range.gte_min(m))?;
                let count = entries[first..]
                    .iter()
                    .take_while(|(m, _)| range.lte_max(m))
                    .count();
                (count > 0).then(|| (first, first + count - 1))
            }
            ZSet::Skiplist(_) => {
                self.window_ranks(|_, m| !range.gte_min(m), |_, m| !range.lte_max(m))
            }
        }
    }

    /// Removes ranks `start..=end`, returning how many were removed.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        if start > end || end >= self.len() {
            return 0;
        }
        match self {
            ZSet::Listpack(entries) => {
                entries.drain(start..=end);
            }
            ZSet::Skiplist(list) => {
                for _ in start..=end {
                    if let Some(id) = list.by_rank(start) {
                        list.remove_at(id);
                    }
                }
            }
        }
        end - start + 1
    }

    /// Removes and returns the lowest (or with `max`, highest) member.
    pub fn pop(&mut self, max: bool) -> Option<(Box<[u8]>, f64)> {
        match self {
            ZSet::Listpack(entries) => {
                if entries.is_empty() {
                    None
                } else if max {
                    entries.pop()
                } else {
                    Some(entries.remove(0))
                }
            }
            ZSet::Skiplist(list) => {
                let id = if max { list.last() } else { list.first() }?;
                Some(list.remove_at(id))
            }
        }
    }

    /// Switches to the big encoding if the small one holds more members or
    /// a longer member than `limits` allow (a loaded value meeting the
    /// server's configuration).
    pub fn fit_limits(&mut self, limits: ZSetLimits) {
        if let ZSet::Listpack(entries) = self {
            if entries.len() > limits.max_listpack_entries
                || entries
                    .iter()
                    .any(|(member, _)| member.len() > limits.max_listpack_value)
            {
                self.convert_to_skiplist();
            }
        }
    }

    /// Switches to the big (`skiplist`) encoding.
    pub fn convert_to_skiplist(&mut self) {
        if let ZSet::Listpack(entries) = self {
            let mut list = ScoreTree::new();
            for (member, score) in std::mem::take(entries) {
                list.insert(score, member);
            }
            *self = ZSet::Skiplist(list);
        }
    }

    /// Switches the big encoding back to the small encoding if it fits the
    /// limits (Redis's `zsetConvertToListpackIfNeeded`, used by the STORE
    /// commands on their result).
    pub fn shrink_if_fits(&mut self, limits: ZSetLimits) {
        let ZSet::Skiplist(list) = self else { return };
        if list.len() > limits.max_listpack_entries {
            return;
        }
        let mut entries = Vec::with_capacity(list.len());
        let mut at = list.first();
        while let Some(id) = at {
            let (member, score) = list.entry(id);
            if member.len() > limits.max_listpack_value {
                return;
            }
            entries.push((member.into(), score));
            at = list.next(id);
        }
        *self = ZSet::Listpack(entries);
    }

    /// One ZSCAN step: the small encoding is returned whole (cursor 0);
    /// the big encoding is scanned through its member index like SSCAN.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        match self {
            ZSet::Listpack(entries) => {
                entries.iter().for_each(|(m, s)| visit(m, *s));
                0
            }
            ZSet::Skiplist(list) => {
                let mut cursor = cursor;
                let mut visited = 0;
                let mut budget = count.saturating_mul(10);
                loop {
                    cursor = list.scan_step(cursor, |m, s| {
                        visited += 1;
                        visit(m, s);
                    });
                    budget = budget.saturating_sub(1);
                    if cursor == 0 || budget == 0 || visited >= count {
                        return cursor;
                    }
                }
            }
        }
    }
}

/// A score interval, each end inclusive or exclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// The lower bound itself is excluded.
    pub min_exclusive: bool,
    /// The upper bound itself is excluded.
    pub max_exclusive: bool,
}

impl ScoreRange {
    /// Parses `min` and `max` as ZRANGEBYSCORE does (`(` for exclusive).
    pub fn parse(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
        let (min, min_exclusive) = parse_range_bound(min)?;
        let (max, max_exclusive) = parse_range_bound(max)?;
        Some(ScoreRange {
            min,
            max,
            min_exclusive,
            max_exclusive,
        })
    }

    /// Redis compat: a reversed or empty interval matches nothing.
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.min_exclusive || self.max_exclusive))
    }

    /// `score` is not below the lower bound.
    #[inline]
    pub fn gte_min(&self, score: f64) -> bool {
        if self.min_exclusive {
            score > self.min
        } else {
            score >= self.min
        }
    }

    /// `score` is not above the upper bound.
    #[inline]
    pub fn lte_max(&self, score: f64) -> bool {
        if self.max_exclusive {
            score < self.max
        } else {
            score <= self.max
        }
    }
}

/// Redis compat: range bounds use plain `strtod`, so leading spaces, an
/// empty string (0) and out-of-range values (±inf or 0) are accepted; only
/// trailing garbage and NaN are not.
fn parse_range_bound(text: &[u8]) -> Option<(f64, bool)> {
    let (text, exclusive) = match text.strip_prefix(b"(") {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    let parsed = strtod(text);
    if parsed.consumed != text.len() || parsed.value.is_nan() {
        return None;
    }
    Some((parsed.value, exclusive))
}

/// One end of a lexicographic range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below everything.
    NegInf,
    /// `+`: above everything.
    PosInf,
    /// `[member`.
    Inclusive(Vec<u8>),
    /// `(member`.
    Exclusive(Vec<u8>),
}

impl LexBound {
    /// Parses `-`, `+`, `[member` or `(member`.
    pub fn parse(text: &[u8]) -> Option<LexBound> {
        match text {
            b"-" => Some(LexBound::NegInf),
            b"+" => Some(LexBound::PosInf),
            [b'[', rest @ ..] => Some(LexBound::Inclusive(rest.to_vec())),
            [b'(', rest @ ..] => Some(LexBound::Exclusive(rest.to_vec())),
            _ => None,
        }
    }
}

/// A lexicographic interval for the BYLEX commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexRange {
    /// Lower bound.
    pub min: LexBound,
    /// Upper bound.
    pub max: LexBound,
}

impl LexRange {
    /// Parses both ends.
    pub fn parse(min: &[u8], max: &[u8]) -> Option<LexRange> {
        Some(LexRange {
            min: LexBound::parse(min)?,
            max: LexBound::parse(max)?,
        })
    }

    /// Redis compat: a reversed interval, or equal ends with one exclusive,
    /// matches nothing (`-` and `+` compare as below and above everything).
    pub fn is_empty(&self) -> bool {
        use LexBound::*;
        let (min, min_exclusive) = match &self.min {
            NegInf => return matches!(self.max, NegInf),
            PosInf => return true,
            Inclusive(m) => (m, false),
            Exclusive(m) => (m, true),
        };
        let (max, max_exclusive) = match &self.max {
            NegInf => return true,
            PosInf => return false,
            Inclusive(m) => (m, false),
            Exclusive(m) => (m, true),
        };
        match min.cmp(max) {
            Ordering::Greater => true,
            Ordering::Equal => min_exclusive || max_exclusive,
            Ordering::Less => false,
        }
    }

    /// `member` is not below the lower bound.
    pub fn gte_min(&self, member: &[u8]) -> bool {
        match &self.min {
            LexBound::NegInf => true,
            LexBound::PosInf => false,
            LexBound::Inclusive(m) => member >= &m[..],
            LexBound::Exclusive(m) => member > &m[..],
        }
    }

    /// `member` is not above the upper bound.
    pub fn lte_max(&self, member: &[u8]) -> bool {
        match &self.max {
            LexBound::NegInf => false,
            LexBound::PosInf => true,
            LexBound::Inclusive(m) => member <= &m[..],
            LexBound::Exclusive(m) => member < &m[..],
        }
    }
}

/// What C's `strtod` makes of a prefix of some bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Strtod {
    /// The value (0 if nothing was parsed).
    pub value: f64,
    /// Bytes consumed (0 if nothing was parsed).
    pub consumed: usize,
    /// The result overflowed (±inf) or underflowed to zero: `ERANGE`.
    pub out_of_range: bool,
}

fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's `strtod` in the C locale: leading white space, a sign, then a
/// decimal or hexadecimal number, `inf`, `infinity` or `nan`.
pub fn strtod(text: &[u8]) -> Strtod {
    let nothing = Strtod {
        value: 0.0,
        consumed: 0,
        out_of_range: false,
    };
    let mut at = text.iter().take_while(|&&b| is_c_space(b)).count();
    let negative = match text.get(at) {
        Some(b'-') => {
            at += 1;
            true
        }
        Some(b'+') => {
            at += 1;
            false
        }
        _ => false,
    };
    let sign = if negative { -1.0 } else { 1.0 };
    let rest = &text[at..];
    let starts_with =
        |word: &[u8]| rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word);
    if starts_with(b"infinity") || starts_with(b"inf") {
        let len = if starts_with(b"infinity") { 8 } else { 3 };
        return Strtod {
            value: sign * f64::INFINITY,
            consumed: at + len,
            out_of_range: false,
        };
    }
    if starts_with(b"nan") {
        let mut len = 3;
        if rest.get(3) == Some(&b'(') {
            if let Some(close) = rest[4..]
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            {
                if rest[4 + close] == b')' {
                    len = 4 + close + 1;
                }
            }
        }
        return Strtod {
            value: f64::NAN,
            consumed: at + len,
            out_of_range: false,
        };
    }
    if (starts_with(b"0x") || starts_with(b"0X"))
        && rest.get(2).is_some_and(|&b| {
            b.is_ascii_hexdigit() || (b == b'.' && rest.get(3).is_some_and(u8::is_ascii_hexdigit))
        })
    {
        return parse_hex(&rest[2..], at + 2, sign);
    }
    let digits_before = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut len = digits_before;
    let mut digits_after = 0;
    if rest.get(len) == Some(&b'.') {
        digits_after = rest[len + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits_before + digits_after > 0 {
            len += 1 + digits_after;
        }
    }
    if digits_before + digits_after == 0 {
        return nothing;
    }
    if matches!(rest.get(len), Some(b'e' | b'E')) {
        let mut exponent_at = len + 1;
        if matches!(rest.get(exponent_at), Some(b'+' | b'-')) {
            exponent_at += 1;
        }
        let exponent_digits = rest[exponent_at.min(rest.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if exponent_digits > 0 {
            len = exponent_at + exponent_digits;
        }
    }
    let number = &rest[..len];
    // The accepted syntax is a subset of what Rust's parser takes.
    let magnitude: f64 = std::str::from_utf8(number)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    let nonzero_mantissa = number
        .iter()
        .take_while(|&&b| b != b'e' && b != b'E')
        .any(|&b| (b'1'..=b'9').contains(&b));
    let out_of_range = magnitude.is_infinite() || (magnitude == 0.0 && nonzero_mantissa);
    Strtod {
        value: sign * magnitude,
        consumed: at + len,
        out_of_range,
    }
}

/// The hexadecimal form after `0x`: hex digits, an optional fraction and an
/// optional binary exponent `p±n`.
fn parse_hex(rest: &[u8], offset: usize, sign: f64) -> Strtod {
    let mut value = 0.0f64;
    let mut len = 0;
    while let Some(digit) = rest.get(len).and_then(|&b| (b as char).to_digit(16)) {
        value = value * 16.0 + f64::from(digit);
        len += 1;
    }
    if rest.get(len) == Some(&b'.') {
        len += 1;
        let mut scale = 1.0 / 16.0;
        while let Some(digit) = rest.get(len).and_then(|&b| (b as char).to_digit(16)) {
            value += f64::from(digit) * scale;
            scale /= 16.0;
            len += 1;
        }
    }
    if matches!(rest.get(len), Some(b'p' | b'P')) {
        let mut exponent_at = len + 1;
        let negative = rest.get(exponent_at) == Some(&b'-');
        if matches!(rest.get(exponent_at), Some(b'+' | b'-')) {
            exponent_at += 1;
        }
        let digits = rest[exponent_at.min(rest.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > 0 {
            let exponent: i32 = std::str::from_utf8(&rest[exponent_at..exponent_at + digits])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(i32::MAX);
            value *= 2f64.powi(if negative { -exponent } else { exponent });
            len = exponent_at + digits;
        }
    }
    Strtod {
        value: sign * value,
        consumed: offset + len,
        out_of_range: value.is_infinite(),
    }
}

/// Parses a score the way ZADD and ZINCRBY do (Redis's `string2d`): the
/// whole text must be a number, with no leading space, not NaN, not out of
/// range.
pub fn parse_score(text: &[u8]) -> Option<f64> {
    if text.is_empty() || is_c_space(text[0]) {
        return None;
    }
    let parsed = strtod(text);
    if parsed.consumed != text.len() || parsed.out_of_range || parsed.value.is_nan() {
        return None;
    }
    Some(parsed.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn scores_parse_like_strtod() {
        for (text, expected) in [
            (&b"1"[..], Some(1.0)),
            (b"-2.5", Some(-2.5)),
            (b"+inf", Some(f64::INFINITY)),
            (b"-Infinity", Some(f64::NEG_INFINITY)),
            (b"1e3", Some(1000.0)),
            (b".5", Some(0.5)),
            (b"5.", Some(5.0)),
            (b"0x10", Some(16.0)),
            (b"1e400", None),
            (b"1e-400", None),
            (b"0e-400", Some(0.0)),
            (b"nan", None),
            (b" 1", None),
            (b"1 ", None),
            (b"", None),
            (b"abc", None),
            (b"1e", None),
        ] {
            assert_eq!(
                parse_score(text),
                expected,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        assert_eq!(parse_range_bound(b"(1.5"), Some((1.5, true)));
        assert_eq!(parse_range_bound(b" 2"), Some((2.0, false)));
        assert_eq!(parse_range_bound(b""), Some((0.0, false)));
        assert_eq!(parse_range_bound(b"1e400"), Some((f64::INFINITY, false)));
        assert_eq!(parse_range_bound(b"(nan"), None);
        assert_eq!(parse_range_bound(b"[1"), None);
    }

    #[test]
    fn lex_ranges_follow_redis_rules() {
        let range = |a: &[u8], b: &[u8]| LexRange::parse(a, b).unwrap();
        assert!(range(b"+", b"-").is_empty());
        assert!(range(b"[b", b"[a").is_empty());
        assert!(range(b"(a", b"[a").is_empty());
        assert!(!range(b"[a", b"[a").is_empty());
        assert!(!range(b"-", b"+").is_empty());
        assert!(LexRange::parse(b"a", b"+").is_none());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(u8, i8),
        Remove(u8),
        Pop(bool),
        RemoveRanks(u8, u8),
    }

    proptest! {
        #[test]
        fn behaves_like_a_model(ops in prop::collection::vec(prop_oneof![
            4 => (any::<u8>(), any::<i8>()).prop_map(|(m, s)| Op::Set(m % 40, s % 6)),
            2 => any::<u8>().prop_map(|m| Op::Remove(m % 40)),
            1 => any::<bool>().prop_map(Op::Pop),
            1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::RemoveRanks(a % 10, b % 10)),
        ], 0..300), max_entries in 0usize..20, long_member in any::<bool>()) {
            let limits = ZSetLimits { max_listpack_entries: max_entries, max_listpack_value: 8 };
            let mut zset = ZSet::new(1, 0, limits);
            let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
            let name = |m: u8| {
                if long_member && m == 7 { b"a-very-long-member".to_vec() } else { format!("m{m}").into_bytes() }
            };
            for op in ops {
                match op {
                    Op::Set(m, s) => {
                        let member = name(m);
                        let score = f64::from(s);
                        match model.insert(member.clone(), score) {
                            Some(_) => zset.set_score(&member, score),
                            None => zset.insert(&member, score, limits),
                        }
                    }
                    Op::Remove(m) => {
                        let member = name(m);
                        prop_assert_eq!(zset.remove(&member), model.remove(&member));
                    }
                    Op::Pop(max) => {
                        let popped = zset.pop(max);
                        let mut sorted: Vec<(f64, Vec<u8>)> = model.iter().map(|(m, s)| (*s, m.clone())).collect();
                        sorted.sort_by(|a, b| compare(a.0, &a.1, b.0, &b.1));
                        let expected = if max { sorted.last() } else { sorted.first() };
                        prop_assert_eq!(popped.as_ref().map(|(m, s)| (m.to_vec(), *s)), expected.map(|(s, m)| (m.clone(), *s)));
                        if let Some((_, m)) = expected { model.remove(m); }
                    }
                    Op::RemoveRanks(a, b) => {
                        let (a, b) = (a as usize, b as usize);
                        let mut sorted: Vec<(f64, Vec<u8>)> = model.iter().map(|(m, s)| (*s, m.clone())).collect();
                        sorted.sort_by(|x, y| compare(x.0, &x.1, y.0, &y.1));
                        let expected = if a <= b && b < sorted.len() { b - a + 1 } else { 0 };
                        prop_assert_eq!(zset.remove_ranks(a, b), expected);
                        if expected > 0 {
                            for (_, m) in &sorted[a..=b] { model.remove(m); }
                        }
                    }
                }
                prop_assert_eq!(zset.len(), model.len());
                if let ZSet::Listpack(entries) = &zset {
                    prop_assert!(entries.len() <= max_entries);
                    prop_assert!(entries.iter().all(|(m, _)| m.len() <= 8));
                }
            }
            let mut sorted: Vec<(f64, Vec<u8>)> = model.iter().map(|(m, s)| (*s, m.clone())).collect();
            sorted.sort_by(|a, b| compare(a.0, &a.1, b.0, &b.1));
            for (rank, (score, member)) in sorted.iter().enumerate() {
                prop_assert_eq!(zset.rank(member), Some(rank));
                prop_assert_eq!(zset.score(member), Some(*score));
                prop_assert_eq!(zset.get_by_rank(rank), Some((&member[..], *score)));
            }
            for lo in -6..6 {
                for hi in -6..6 {
                    for (min_exclusive, max_exclusive) in [(false, false), (true, false), (false, true)] {
                        let range = ScoreRange { min: f64::from(lo), max: f64::from(hi), min_exclusive, max_exclusive };
                        let ranks: Vec<usize> = sorted.iter().enumerate()
                            .filter(|(_, (s, _))| range.gte_min(*s) && range.lte_max(*s))
                            .map(|(r, _)| r).collect();
                        let expected = if range.is_empty() || ranks.is_empty() { None } else { Some((ranks[0], ranks[ranks.len() - 1])) };
                        prop_assert_eq!(zset.score_range_ranks(&range), expected);
                    }
                }
            }
            let mut copy = zset.clone();
            copy.convert_to_skiplist();
            prop_assert_eq!(&copy, &zset);
            copy.shrink_if_fits(ZSetLimits::default());
            prop_assert_eq!(&copy, &zset);
        }
    }
}
