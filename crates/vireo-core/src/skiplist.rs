//! The big sorted-set encoding: a skip list ordered by (score, member) with
//! span counts, plus a member → node hash index over the same nodes.
//!
//! # Layout
//!
//! Nodes live in one arena (`Vec<Node>`) and refer to each other by `u32`
//! index, so there is no `unsafe` and no per-link pointer chasing through
//! separate allocations; freed slots are recycled through a free list.
//! Node 0 is the header, with [`MAX_LEVEL`] levels. Each node has:
//!
//! - its member bytes and score;
//! - level `i` = `(forward, span)` (levels 0 and 1 inline, higher ones in a
//!   side allocation): the next node at level `i` and how many
//!   level-0 steps that link jumps over. Summing spans while descending gives
//!   a node's rank, and following spans finds the node of a given rank, both
//!   in O(log n) expected, as in Redis's `zskiplist`;
//! - `backward`, the previous node at level 0, for reverse ranges;
//! - `bucket_next`, the next node in the same bucket of the member index.
//!
//! The member index is a chained hash table whose chains run through the
//! nodes themselves (`buckets[hash] → node → bucket_next → ...`), so the
//! member bytes are stored once and ZSCORE/ZADD find a member in O(1)
//! without a second copy of it, where Redis's dict adds a 24-byte entry per
//! member on top of the skip-list node.
//!
//! # Why a skip list
//!
//! A B-tree with counts would be more cache-friendly, but a skip list gives
//! the same O(log n) rank and range queries with much simpler code, and
//! matches Redis's behaviour on ties and iteration order by construction.
//! Levels are drawn with p = 1/4 up to 32, Redis's parameters.

use std::cmp::Ordering;
use std::hash::BuildHasher;

use crate::hash::KeyHasherBuilder;

/// Highest level a node can have.
pub const MAX_LEVEL: usize = 32;

const NIL: u32 = u32::MAX;
const HEADER: u32 = 0;

#[derive(Clone, Copy, Debug)]
struct Level {
    forward: u32,
    span: u32,
}

/// Levels kept inside the node itself. With p = 1/4, 15 nodes in 16 have
/// at most two levels, so almost every traversal step reads the next link
/// from the node it has just compared instead of from a second allocation.
const INLINE_LEVELS: usize = 2;

#[derive(Clone, Debug)]
struct Node {
    member: Box<[u8]>,
    score: f64,
    backward: u32,
    bucket_next: u32,
    /// Levels 0 and 1 (level 1 unused by one-level nodes).
    low: [Level; INLINE_LEVELS],
    /// Levels from 2 up; empty, without an allocation, for most nodes.
    high: Box<[Level]>,
}

impl Node {
    fn new(member: Box<[u8]>, score: f64, height: usize) -> Node {
        const UNLINKED: Level = Level {
            forward: NIL,
            span: 0,
        };
        Node {
            member,
            score,
            backward: NIL,
            bucket_next: NIL,
            low: [UNLINKED; INLINE_LEVELS],
            high: vec![UNLINKED; height.saturating_sub(INLINE_LEVELS)].into_boxed_slice(),
        }
    }

    #[inline]
    fn level(&self, i: usize) -> Level {
        match self.low.get(i) {
            Some(level) => *level,
            None => self.high[i - INLINE_LEVELS],
        }
    }

    #[inline]
    fn level_mut(&mut self, i: usize) -> &mut Level {
        match self.low.get_mut(i) {
            Some(level) => level,
            None => &mut self.high[i - INLINE_LEVELS],
        }
    }
}

/// Orders two (score, member) pairs the way Redis's skip list does.
#[inline]
pub fn compare(a_score: f64, a_member: &[u8], b_score: f64, b_member: &[u8]) -> Ordering {
    match a_score.partial_cmp(&b_score) {
        Some(Ordering::Equal) | None => a_member.cmp(b_member),
        Some(order) => order,
    }
}

/// A skip list with a member index. Members are unique; scores are never NaN.
#[derive(Clone)]
pub struct SkipList {
    nodes: Vec<Node>,
    free: Vec<u32>,
    tail: u32,
    level: usize,
    len: usize,
    buckets: Vec<u32>,
    hasher: KeyHasherBuilder,
    rng_state: u64,
}

impl std::fmt::Debug for SkipList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        let mut at = self.first();
        while let Some(node) = at {
            let (member, score) = self.entry(node);
            list.entry(&(String::from_utf8_lossy(member), score));
            at = self.next(node);
        }
        list.finish()
    }
}

impl Default for SkipList {
    fn default() -> Self {
        SkipList::new()
    }
}

/// A node handle, valid until the list is next modified.
pub type NodeId = u32;

impl SkipList {
    /// Estimated heap bytes (MEMORY USAGE): the node arena, the member
    /// index, and members and levels extrapolated from the first `samples`
    /// nodes in arena order.
    pub fn memory_usage(&self, samples: usize) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.free.capacity() * std::mem::size_of::<u32>()
            + self.buckets.capacity() * std::mem::size_of::<u32>()
            + crate::object::extrapolate(
                self.nodes.len(),
                samples,
                self.nodes
                    .iter()
                    .map(|node| node.member.len() + node.high.len() * std::mem::size_of::<Level>()),
            )
    }

    /// An empty list.
    pub fn new() -> SkipList {
        let header = Node::new(Box::default(), 0.0, MAX_LEVEL);
        SkipList {
            nodes: vec![header],
            free: Vec::new(),
            tail: NIL,
            level: 1,
            len: 0,
            buckets: vec![NIL; 4],
            hasher: KeyHasherBuilder::default(),
            rng_state: 0x853C_49E6_748F_EA9B,
        }
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn random_level(&mut self) -> usize {
        self.rng_state ^= self.rng_state << 13;
        self.rng_state ^= self.rng_state >> 7;
        self.rng_state ^= self.rng_state << 17;
        // Two random bits per level: each further level with probability 1/4.
        let bits = self.rng_state;
        let mut level = 1;
        while level < MAX_LEVEL && (bits >> (2 * (level - 1))) & 3 == 0 {
            level += 1;
        }
        level
    }

    #[inline]
    fn bucket_of(&self, member: &[u8]) -> usize {
        (self.hasher.hash_one(member) as usize) & (self.buckets.len() - 1)
    }

    /// The node holding `member`.
    pub fn find(&self, member: &[u8]) -> Option<NodeId> {
        let mut at = self.buckets[self.bucket_of(member)];
        while at != NIL {
            let node = &self.nodes[at as usize];
            if &*node.member == member {
                return Some(at);
            }
            at = node.bucket_next;
        }
        None
    }

    /// The score of `member`.
    #[inline]
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|id| self.nodes[id as usize].score)
    }

    /// The member and score of a node.
    #[inline]
    pub fn entry(&self, id: NodeId) -> (&[u8], f64) {
        let node = &self.nodes[id as usize];
        (&node.member, node.score)
    }

    /// The lowest node.
    #[inline]
    pub fn first(&self) -> Option<NodeId> {
        Some(self.nodes[HEADER as usize].level(0).forward).filter(|&id| id != NIL)
    }

    /// The highest node.
    #[inline]
    pub fn last(&self) -> Option<NodeId> {
        Some(self.tail).filter(|&id| id != NIL)
    }

    /// The node after `id`.
    #[inline]
    pub fn next(&self, id: NodeId) -> Option<NodeId> {
        Some(self.nodes[id as usize].level(0).forward).filter(|&id| id != NIL)
    }

    /// The node before `id`.
    #[inline]
    pub fn prev(&self, id: NodeId) -> Option<NodeId> {
        Some(self.nodes[id as usize].backward).filter(|&id| id != NIL)
    }

    /// Adds a member that is not present.
    pub fn insert(&mut self, score: f64, member: Box<[u8]>) -> NodeId {
        debug_assert!(!score.is_nan());
        let mut update = [HEADER; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let forward = self.nodes[x as usize].level(i).forward;
                if forward == NIL {
                    break;
                }
                let f = &self.nodes[forward as usize];
                if compare(f.score, &f.member, score, &member) != Ordering::Less {
                    break;
                }
                rank[i] += self.nodes[x as usize].level(i).span;
                x = forward;
            }
            update[i] = x;
        }
        let level = self.random_level();
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEADER;
                self.nodes[HEADER as usize].level_mut(i).span = self.len as u32;
            }
            self.level = level;
        }
        let node = Node::new(member, score, level);
        let id = match self.free.pop() {
            Some(id) => {
                self.nodes[id as usize] = node;
                id
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        for i in 0..level {
            let prev = update[i] as usize;
            let prev_level = self.nodes[prev].level(i);
            *self.nodes[id as usize].level_mut(i) = Level {
                forward: prev_level.forward,
                span: prev_level.span - (rank[0] - rank[i]),
            };
            *self.nodes[prev].level_mut(i) = Level {
                forward: id,
                span: rank[0] - rank[i] + 1,
            };
        }
        for (i, &prev) in update.iter().enumerate().take(self.level).skip(level) {
            self.nodes[prev as usize].level_mut(i).span += 1;
        }
        self.nodes[id as usize].backward = if update[0] == HEADER { NIL } else { update[0] };
        match self.nodes[id as usize].level(0).forward {
            NIL => self.tail = id,
            forward => self.nodes[forward as usize].backward = id,
        }
        self.len += 1;
        self.index_insert(id);
        id
    }

    fn index_insert(&mut self, id: NodeId) {
        if self.len > self.buckets.len() {
            // The rebuild walks the list, which already holds the new node.
            self.rebuild_index(self.buckets.len() * 2);
            return;
        }
        let bucket = self.bucket_of(&self.nodes[id as usize].member);
        self.nodes[id as usize].bucket_next = self.buckets[bucket];
        self.buckets[bucket] = id;
    }

    fn index_remove(&mut self, id: NodeId) {
        let bucket = self.bucket_of(&self.nodes[id as usize].member);
        let next = self.nodes[id as usize].bucket_next;
        if self.buckets[bucket] == id {
            self.buckets[bucket] = next;
        } else {
            let mut at = self.buckets[bucket];
            while at != NIL {
                if self.nodes[at as usize].bucket_next == id {
                    self.nodes[at as usize].bucket_next = next;
                    break;
                }
                at = self.nodes[at as usize].bucket_next;
            }
        }
        if self.buckets.len() > 4 && self.len * 8 < self.buckets.len() {
            self.rebuild_index((self.len.next_power_of_two()).max(4));
        }
    }

    fn rebuild_index(&mut self, bucket_count: usize) {
        self.buckets = vec![NIL; bucket_count];
        let mut at = self.first();
        while let Some(id) = at {
            let bucket = self.bucket_of(&self.nodes[id as usize].member);
            self.nodes[id as usize].bucket_next = self.buckets[bucket];
            self.buckets[bucket] = id;
            at = self.next(id);
        }
    }

    /// Removes `member`, returning its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let id = self.find(member)?;
        Some(self.remove_node(id).1)
    }

    /// Removes a node, returning its member and score.
    pub fn remove_node(&mut self, id: NodeId) -> (Box<[u8]>, f64) {
        let score = self.nodes[id as usize].score;
        let mut update = [HEADER; MAX_LEVEL];
        let mut x = HEADER;
        for i in (0..self.level).rev() {
            loop {
                let forward = self.nodes[x as usize].level(i).forward;
                if forward == NIL || forward == id {
                    break;
                }
                let f = &self.nodes[forward as usize];
                let t = &self.nodes[id as usize];
                if compare(f.score, &f.member, t.score, &t.member) != Ordering::Less {
                    break;
                }
                x = forward;
            }
            update[i] = x;
        }
        for (i, &prev) in update.iter().enumerate().take(self.level) {
            let prev = prev as usize;
            if self.nodes[prev].level(i).forward == id {
                let removed = self.nodes[id as usize].level(i);
                self.nodes[prev].level_mut(i).span += removed.span;
                self.nodes[prev].level_mut(i).span -= 1;
                self.nodes[prev].level_mut(i).forward = removed.forward;
            } else {
                self.nodes[prev].level_mut(i).span -= 1;
            }
        }
        let forward = self.nodes[id as usize].level(0).forward;
        let backward = self.nodes[id as usize].backward;
        match forward {
            NIL => self.tail = backward,
            forward => self.nodes[forward as usize].backward = backward,
        }
        while self.level > 1 && self.nodes[HEADER as usize].level(self.level - 1).forward == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        self.index_remove(id);
        let node = &mut self.nodes[id as usize];
        let member = std::mem::take(&mut node.member);
        node.high = Box::default();
        self.free.push(id);
        (member, score)
    }

    /// Changes the score of `member` (present), keeping the node in place
    /// when the order allows, as Redis's `zslUpdateScore` does.
    pub fn update_score(&mut self, member: &[u8], new_score: f64) -> Option<NodeId> {
        let id = self.find(member)?;
        let stays = {
            let node = &self.nodes[id as usize];
            let after_prev = match self.prev(id) {
                None => true,
                Some(p) => {
                    let p = &self.nodes[p as usize];
                    compare(p.score, &p.member, new_score, &node.member) == Ordering::Less
                }
            };
            let before_next = match self.next(id) {
                None => true,
                Some(n) => {
                    let n = &self.nodes[n as usize];
                    compare(new_score, &node.member, n.score, &n.member) == Ordering::Less
                }
            };
            after_prev && before_next
        };
        if stays {
            self.nodes[id as usize].score = new_score;
            return Some(id);
        }
        let (member, _) = self.remove_node(id);
        Some(self.insert(new_score, member))
    }

    /// The first node for which `before` is false, with its 0-based rank.
    /// `before` must be true for a prefix of the list and false after it.
    pub fn first_not_before(
        &self,
        mut before: impl FnMut(f64, &[u8]) -> bool,
    ) -> Option<(NodeId, usize)> {
        let mut x = HEADER;
        let mut rank = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let forward = self.nodes[x as usize].level(i).forward;
                if forward == NIL {
                    break;
                }
                let f = &self.nodes[forward as usize];
                if !before(f.score, &f.member) {
                    break;
                }
                rank += self.nodes[x as usize].level(i).span as usize;
                x = forward;
            }
        }
        let next = self.nodes[x as usize].level(0).forward;
        (next != NIL).then_some((next, rank))
    }

    /// The last node for which `after` is false, with its 0-based rank.
    /// `after` must be false for a prefix of the list and true after it.
    pub fn last_not_after(
        &self,
        mut after: impl FnMut(f64, &[u8]) -> bool,
    ) -> Option<(NodeId, usize)> {
        let mut x = HEADER;
        let mut rank = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let forward = self.nodes[x as usize].level(i).forward;
                if forward == NIL {
                    break;
                }
                let f = &self.nodes[forward as usize];
                if after(f.score, &f.member) {
                    break;
                }
                rank += self.nodes[x as usize].level(i).span as usize;
                x = forward;
            }
        }
        (x != HEADER).then(|| (x, rank - 1))
    }

    /// The 0-based rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let id = self.find(member)?;
        let (target, score) = self.entry(id);
        let (found, rank) =
            self.first_not_before(|s, m| compare(s, m, score, target) == Ordering::Less)?;
        (found == id).then_some(rank)
    }

    /// The node at 0-based `rank`.
    pub fn by_rank(&self, rank: usize) -> Option<NodeId> {
        if rank >= self.len {
            return None;
        }
        let target = rank + 1;
        let mut x = HEADER;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let level = self.nodes[x as usize].level(i);
                if level.forward == NIL || traversed + level.span as usize > target {
                    break;
                }
                traversed += level.span as usize;
                x = level.forward;
            }
            if traversed == target {
                return Some(x);
            }
        }
        None
    }

    /// Visits the members of one bucket of the member index for `cursor`
    /// and returns the next cursor, 0 when done (Redis's reverse-binary
    /// `dictScan` order, safe across resizes).
    pub fn scan_step(&self, cursor: u64, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        let mask = (self.buckets.len() - 1) as u64;
        let mut at = self.buckets[(cursor & mask) as usize];
        while at != NIL {
            let node = &self.nodes[at as usize];
            visit(&node.member, node.score);
            at = node.bucket_next;
        }
        let cursor = (cursor | !mask).reverse_bits().wrapping_add(1);
        cursor.reverse_bits()
    }

    /// Checks every structural invariant; for tests.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut count = 0;
        let mut prev: Option<NodeId> = None;
        let mut at = self.first();
        while let Some(id) = at {
            if self.nodes[id as usize].backward != prev.unwrap_or(NIL) {
                return Err(format!("bad backward link at node {id}"));
            }
            if let Some(p) = prev {
                let (pm, ps) = self.entry(p);
                let (m, s) = self.entry(id);
                if compare(ps, pm, s, m) != Ordering::Less {
                    return Err("out of order".into());
                }
            }
            if self.find(self.entry(id).0) != Some(id) {
                return Err("member index out of sync".into());
            }
            if self.by_rank(count) != Some(id) {
                return Err(format!("rank {count} wrong"));
            }
            count += 1;
            prev = Some(id);
            at = self.next(id);
        }
        if count != self.len || self.tail != prev.unwrap_or(NIL) {
            return Err("length or tail wrong".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Totally ordered f64 for the reference model.
    #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
    struct Score(f64);
    impl Eq for Score {}
    #[allow(clippy::derive_ord_xor_partial_ord)]
    impl Ord for Score {
        fn cmp(&self, other: &Self) -> Ordering {
            self.0.partial_cmp(&other.0).unwrap_or(Ordering::Equal)
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(u8, i8),
        Remove(u8),
    }

    proptest! {
        #[test]
        fn behaves_like_a_btreemap(ops in prop::collection::vec(prop_oneof![
            3 => (any::<u8>(), any::<i8>()).prop_map(|(m, s)| Op::Set(m % 64, s % 8)),
            1 => any::<u8>().prop_map(|m| Op::Remove(m % 64)),
        ], 0..400)) {
            let mut list = SkipList::new();
            let mut scores: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Set(m, s) => {
                        let member = format!("m{m}").into_bytes();
                        let score = f64::from(s);
                        if scores.insert(member.clone(), score).is_some() {
                            prop_assert!(list.update_score(&member, score).is_some());
                        } else {
                            list.insert(score, member.into());
                        }
                    }
                    Op::Remove(m) => {
                        let member = format!("m{m}").into_bytes();
                        prop_assert_eq!(list.remove(&member), scores.remove(&member));
                    }
                }
            }
            prop_assert_eq!(list.check_invariants(), Ok(()));
            let ordered: BTreeSet<(Score, Vec<u8>)> =
                scores.iter().map(|(m, s)| (Score(*s), m.clone())).collect();
            for (rank, (score, member)) in ordered.iter().enumerate() {
                prop_assert_eq!(list.rank(member), Some(rank));
                let id = list.by_rank(rank).unwrap();
                prop_assert_eq!(list.entry(id), (&member[..], score.0));
                prop_assert_eq!(list.score(member), Some(score.0));
            }
            // Score-range bounds against the model.
            for bound in -8..8 {
                let bound = f64::from(bound);
                let expected_first = ordered.iter().position(|(s, _)| s.0 >= bound);
                prop_assert_eq!(list.first_not_before(|s, _| s < bound).map(|(_, r)| r), expected_first);
                let expected_last = ordered.iter().rposition(|(s, _)| s.0 <= bound);
                prop_assert_eq!(list.last_not_after(|s, _| s > bound).map(|(_, r)| r), expected_last);
            }
            let mut seen = BTreeSet::new();
            let mut cursor = 0;
            loop {
                cursor = list.scan_step(cursor, |m, _| { seen.insert(m.to_vec()); });
                if cursor == 0 { break; }
            }
            prop_assert_eq!(seen.len(), scores.len());
        }
    }
}
