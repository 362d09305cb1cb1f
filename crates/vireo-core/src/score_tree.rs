//! The big sorted-set encoding (`OBJECT ENCODING` says `skiplist`, Redis's
//! name): an order-statistic B+ tree of (score, member) entries plus a
//! member → score hash index.
//!
//! # Why a B+ tree and not Redis's skip list
//!
//! A skip list step reads one node per comparison, and on a set of 100K
//! members nearly every step below the top levels is a cache miss; an
//! update (ZADD of a present member with a new score) pays two such walks.
//! Here a leaf holds up to [`LEAF_CAP`] scores in one array, so a walk is a
//! few binary searches over contiguous `f64`s, one node per level, with
//! three or four levels for a million members. Each child pointer carries
//! the size of its subtree, which gives rank (ZRANK) and select (ZRANGE by
//! index) in O(log n), as the skip list's spans do. Ties on score compare
//! member bytes, so the order is exactly Redis's (score, then member).
//!
//! # Layout
//!
//! - `slots`: one per member, owning its bytes and score, chained through
//!   `bucket_next` into the member index (`buckets`), so ZSCORE and the
//!   first half of ZADD are one hash lookup and member bytes are stored
//!   once. Slots are recycled through `free_slots`.
//! - `leaves`: arrays of (score, slot) in order, doubly linked for range
//!   walks in both directions. A [`Cursor`] is (leaf, index).
//! - `inners`: up to [`INNER_CAP`] children with their subtree sizes, and
//!   separators: `separator[i]` (i ≥ 1) is a (score, member) copy with
//!   `max(child i-1) < separator[i] <= min(child i)`. Separators own their
//!   bytes, so deleting the member they were copied from never invalidates
//!   them; they stay valid bounds until a merge or rebalance rewrites them.
//!
//! Every node but the root holds at least a quarter of its capacity; an
//! underfull node merges with, or takes entries from, a sibling.

use std::cmp::Ordering;
use std::hash::BuildHasher;

use crate::hash::KeyHasherBuilder;

/// Entries per leaf. 32 scores are four cache lines: a leaf search touches
/// few lines and an insertion moves at most 32 entries.
pub const LEAF_CAP: usize = 32;
const LEAF_MIN: usize = LEAF_CAP / 4;
/// Children per inner node.
pub const INNER_CAP: usize = 32;
const INNER_MIN: usize = INNER_CAP / 4;

const NIL: u32 = u32::MAX;

/// Orders two (score, member) pairs the way Redis's skip list does.
#[inline]
pub fn compare(a_score: f64, a_member: &[u8], b_score: f64, b_member: &[u8]) -> Ordering {
    match a_score.partial_cmp(&b_score) {
        Some(Ordering::Equal) | None => a_member.cmp(b_member),
        Some(order) => order,
    }
}

#[derive(Clone, Debug)]
struct Slot {
    member: Box<[u8]>,
    score: f64,
    bucket_next: u32,
}

#[derive(Clone, Debug)]
struct Leaf {
    scores: [f64; LEAF_CAP],
    slots: [u32; LEAF_CAP],
    len: u32,
    prev: u32,
    next: u32,
}

impl Leaf {
    fn empty() -> Leaf {
        Leaf {
            scores: [0.0; LEAF_CAP],
            slots: [NIL; LEAF_CAP],
            len: 0,
            prev: NIL,
            next: NIL,
        }
    }
}

#[derive(Clone, Debug)]
struct Inner {
    len: u32,
    children: [u32; INNER_CAP],
    counts: [u32; INNER_CAP],
    /// Index 0 is unused: child 0 has no lower separator.
    separator_scores: [f64; INNER_CAP],
    separator_members: [Box<[u8]>; INNER_CAP],
}

impl Inner {
    fn empty() -> Inner {
        Inner {
            len: 0,
            children: [NIL; INNER_CAP],
            counts: [0; INNER_CAP],
            separator_scores: [0.0; INNER_CAP],
            separator_members: std::array::from_fn(|_| Box::default()),
        }
    }

    fn total(&self) -> u32 {
        self.counts[..self.len as usize].iter().sum()
    }

    /// Inserts `child` at `at`, shifting the children after it right.
    fn insert_child(&mut self, at: usize, child: u32, count: u32, separator: (f64, Box<[u8]>)) {
        let n = self.len as usize;
        self.children.copy_within(at..n, at + 1);
        self.counts.copy_within(at..n, at + 1);
        self.separator_scores.copy_within(at..n, at + 1);
        self.separator_members[at..=n].rotate_right(1);
        self.children[at] = child;
        self.counts[at] = count;
        self.separator_scores[at] = separator.0;
        self.separator_members[at] = separator.1;
        self.len += 1;
    }

    /// Removes the child at `at` (never 0) with its separator.
    fn remove_child(&mut self, at: usize) {
        let n = self.len as usize;
        self.children.copy_within(at + 1..n, at);
        self.counts.copy_within(at + 1..n, at);
        self.separator_scores.copy_within(at + 1..n, at);
        self.separator_members[at..n].rotate_left(1);
        self.separator_members[n - 1] = Box::default();
        self.len -= 1;
    }
}

/// What a node that split hands to its parent.
struct Split {
    right: u32,
    separator: (f64, Box<[u8]>),
    left_count: u32,
    right_count: u32,
}

/// A position in the tree, valid until the tree is next modified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    leaf: u32,
    index: u32,
}

/// A sorted set's big encoding. Members are unique; scores are never NaN.
#[derive(Clone)]
pub struct ScoreTree {
    slots: Vec<Slot>,
    free_slots: Vec<u32>,
    buckets: Vec<u32>,
    hasher: KeyHasherBuilder,
    leaves: Vec<Leaf>,
    free_leaves: Vec<u32>,
    inners: Vec<Inner>,
    free_inners: Vec<u32>,
    root: u32,
    /// Levels of inner nodes above the leaves: 0 when the root is a leaf.
    height: usize,
    first_leaf: u32,
    last_leaf: u32,
    len: usize,
}

impl std::fmt::Debug for ScoreTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        let mut at = self.first();
        while let Some(cursor) = at {
            let (member, score) = self.entry(cursor);
            list.entry(&(String::from_utf8_lossy(member), score));
            at = self.next(cursor);
        }
        list.finish()
    }
}

impl Default for ScoreTree {
    fn default() -> Self {
        ScoreTree::new()
    }
}

impl ScoreTree {
    /// An empty tree.
    pub fn new() -> ScoreTree {
        ScoreTree {
            slots: Vec::new(),
            free_slots: Vec::new(),
            buckets: vec![NIL; 4],
            hasher: KeyHasherBuilder::default(),
            leaves: vec![Leaf::empty()],
            free_leaves: Vec::new(),
            inners: Vec::new(),
            free_inners: Vec::new(),
            root: 0,
            height: 0,
            first_leaf: 0,
            last_leaf: 0,
            len: 0,
        }
    }

    /// Estimated heap bytes (MEMORY USAGE): the arenas and the index, plus
    /// member bytes extrapolated from the first `samples` slots.
    pub fn memory_usage(&self, samples: usize) -> usize {
        let separator_bytes: usize = self
            .inners
            .iter()
            .flat_map(|inner| inner.separator_members.iter())
            .map(|member| member.len())
            .sum();
        self.slots.capacity() * std::mem::size_of::<Slot>()
            + (self.free_slots.capacity()
                + self.free_leaves.capacity()
                + self.free_inners.capacity())
                * std::mem::size_of::<u32>()
            + self.buckets.capacity() * std::mem::size_of::<u32>()
            + self.leaves.capacity() * std::mem::size_of::<Leaf>()
            + self.inners.capacity() * std::mem::size_of::<Inner>()
            + separator_bytes
            + crate::object::extrapolate(
                self.slots.len(),
                samples,
                self.slots.iter().map(|slot| slot.member.len()),
            )
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

    // ----- member index ------------------------------------------------------

    #[inline]
    fn bucket_of(&self, member: &[u8]) -> usize {
        (self.hasher.hash_one(member) as usize) & (self.buckets.len() - 1)
    }

    fn find_slot(&self, member: &[u8]) -> Option<u32> {
        let mut at = self.buckets[self.bucket_of(member)];
        while at != NIL {
            let slot = &self.slots[at as usize];
            if &*slot.member == member {
                return Some(at);
            }
            at = slot.bucket_next;
        }
        None
    }

    /// The score of `member`.
    #[inline]
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find_slot(member)
            .map(|id| self.slots[id as usize].score)
    }

    fn index_insert(&mut self, id: u32) {
        if self.len >= self.buckets.len() {
            self.rebuild_index(self.buckets.len() * 2, Some(id));
            return;
        }
        let bucket = self.bucket_of(&self.slots[id as usize].member);
        self.slots[id as usize].bucket_next = self.buckets[bucket];
        self.buckets[bucket] = id;
    }

    fn index_remove(&mut self, id: u32) {
        let bucket = self.bucket_of(&self.slots[id as usize].member);
        let next = self.slots[id as usize].bucket_next;
        if self.buckets[bucket] == id {
            self.buckets[bucket] = next;
        } else {
            let mut at = self.buckets[bucket];
            while at != NIL {
                if self.slots[at as usize].bucket_next == id {
                    self.slots[at as usize].bucket_next = next;
                    break;
                }
                at = self.slots[at as usize].bucket_next;
            }
        }
    }

    /// Rehashes every member in the tree, plus `extra` (a slot not yet in
    /// the tree), into `bucket_count` buckets.
    fn rebuild_index(&mut self, bucket_count: usize, extra: Option<u32>) {
        self.buckets = vec![NIL; bucket_count];
        let mut leaf = self.first_leaf;
        let mut ids: Vec<u32> = extra.into_iter().collect();
        while leaf != NIL {
            let node = &self.leaves[leaf as usize];
            ids.extend_from_slice(&node.slots[..node.len as usize]);
            leaf = node.next;
        }
        for id in ids {
            let bucket = self.bucket_of(&self.slots[id as usize].member);
            self.slots[id as usize].bucket_next = self.buckets[bucket];
            self.buckets[bucket] = id;
        }
    }

    // ----- arenas --------------------------------------------------------------

    fn alloc_slot(&mut self, member: Box<[u8]>, score: f64) -> u32 {
        let slot = Slot {
            member,
            score,
            bucket_next: NIL,
        };
        place(&mut self.slots, &mut self.free_slots, slot)
    }

    fn alloc_leaf(&mut self, leaf: Leaf) -> u32 {
        place(&mut self.leaves, &mut self.free_leaves, leaf)
    }

    fn alloc_inner(&mut self, inner: Inner) -> u32 {
        place(&mut self.inners, &mut self.free_inners, inner)
    }

    fn free_inner(&mut self, id: u32) {
        self.inners[id as usize] = Inner::empty();
        self.free_inners.push(id);
    }

    // ----- searching -----------------------------------------------------------

    #[inline]
    fn member_of(&self, slot: u32) -> &[u8] {
        &self.slots[slot as usize].member
    }

    /// The child of `inner` to descend into: the number of separators for
    /// which `goes_right` holds (`goes_right` is true for a prefix of them).
    #[inline]
    fn child_for(inner: &Inner, mut goes_right: impl FnMut(f64, &[u8]) -> bool) -> usize {
        let (mut low, mut high) = (1, inner.len as usize);
        while low < high {
            let mid = (low + high) / 2;
            if goes_right(inner.separator_scores[mid], &inner.separator_members[mid]) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low - 1
    }

    /// How many entries of `leaf` satisfy `before` (true for a prefix).
    #[inline]
    fn leaf_partition(&self, leaf: &Leaf, mut before: impl FnMut(f64, &[u8]) -> bool) -> usize {
        let (mut low, mut high) = (0, leaf.len as usize);
        while low < high {
            let mid = (low + high) / 2;
            if before(leaf.scores[mid], self.member_of(leaf.slots[mid])) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    }

    /// The child of `inner` that holds (or would hold) the key.
    #[inline]
    fn child_for_key(&self, inner: &Inner, score: f64, member: &[u8]) -> usize {
        ScoreTree::child_for(inner, |s, m| {
            compare(s, m, score, member) != Ordering::Greater
        })
    }

    /// The first entry for which `before` is false and its 0-based rank
    /// (the entry is `None` when there is none; the rank is then the length).
    fn partition(&self, mut before: impl FnMut(f64, &[u8]) -> bool) -> (Option<Cursor>, usize) {
        let mut node = self.root;
        let mut rank = 0usize;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let child = ScoreTree::child_for(inner, &mut before);
            rank += inner.counts[..child]
                .iter()
                .map(|&c| c as usize)
                .sum::<usize>();
            node = inner.children[child];
        }
        let leaf = &self.leaves[node as usize];
        let index = self.leaf_partition(leaf, &mut before);
        rank += index;
        if index < leaf.len as usize {
            return (
                Some(Cursor {
                    leaf: node,
                    index: index as u32,
                }),
                rank,
            );
        }
        // Separators are bounds, not exact minimums: every entry of this
        // leaf passed, so the answer is the next leaf's first entry.
        let next = (leaf.next != NIL).then_some(Cursor {
            leaf: leaf.next,
            index: 0,
        });
        (next, rank)
    }

    /// The first entry for which `before` is false, with its 0-based rank.
    /// `before` must be true for a prefix of the entries and false after.
    pub fn first_not_before(
        &self,
        before: impl FnMut(f64, &[u8]) -> bool,
    ) -> Option<(Cursor, usize)> {
        match self.partition(before) {
            (Some(cursor), rank) => Some((cursor, rank)),
            (None, _) => None,
        }
    }

    /// The last entry for which `after` is false, with its 0-based rank.
    /// `after` must be false for a prefix of the entries and true after.
    pub fn last_not_after(
        &self,
        mut after: impl FnMut(f64, &[u8]) -> bool,
    ) -> Option<(Cursor, usize)> {
        let (first_after, rank) = self.partition(|s, m| !after(s, m));
        if rank == 0 {
            return None;
        }
        let cursor = match first_after {
            Some(cursor) => self.prev(cursor)?,
            None => self.last()?,
        };
        Some((cursor, rank - 1))
    }

    /// The 0-based rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let slot = self.find_slot(member)?;
        let score = self.slots[slot as usize].score;
        let mut node = self.root;
        let mut rank = 0usize;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let child = self.child_for_key(inner, score, member);
            rank += inner.counts[..child]
                .iter()
                .map(|&c| c as usize)
                .sum::<usize>();
            node = inner.children[child];
        }
        let leaf = &self.leaves[node as usize];
        let index =
            self.leaf_partition(leaf, |s, m| compare(s, m, score, member) == Ordering::Less);
        (index < leaf.len as usize && leaf.slots[index] == slot).then_some(rank + index)
    }

    /// The entry at 0-based `rank`.
    pub fn by_rank(&self, rank: usize) -> Option<Cursor> {
        if rank >= self.len {
            return None;
        }
        let mut rank = rank;
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let mut child = 0;
            while child + 1 < inner.len as usize && rank >= inner.counts[child] as usize {
                rank -= inner.counts[child] as usize;
                child += 1;
            }
            node = inner.children[child];
        }
        Some(Cursor {
            leaf: node,
            index: rank as u32,
        })
    }

    // ----- cursors ---------------------------------------------------------------

    /// The member and score at `cursor`.
    #[inline]
    pub fn entry(&self, cursor: Cursor) -> (&[u8], f64) {
        let leaf = &self.leaves[cursor.leaf as usize];
        let index = cursor.index as usize;
        (self.member_of(leaf.slots[index]), leaf.scores[index])
    }

    /// The lowest entry.
    #[inline]
    pub fn first(&self) -> Option<Cursor> {
        (self.len > 0).then_some(Cursor {
            leaf: self.first_leaf,
            index: 0,
        })
    }

    /// The highest entry.
    #[inline]
    pub fn last(&self) -> Option<Cursor> {
        (self.len > 0).then(|| Cursor {
            leaf: self.last_leaf,
            index: self.leaves[self.last_leaf as usize].len - 1,
        })
    }

    /// The entry after `cursor`.
    #[inline]
    pub fn next(&self, cursor: Cursor) -> Option<Cursor> {
        let leaf = &self.leaves[cursor.leaf as usize];
        if cursor.index + 1 < leaf.len {
            return Some(Cursor {
                leaf: cursor.leaf,
                index: cursor.index + 1,
            });
        }
        (leaf.next != NIL).then_some(Cursor {
            leaf: leaf.next,
            index: 0,
        })
    }

    /// The entry before `cursor`.
    #[inline]
    pub fn prev(&self, cursor: Cursor) -> Option<Cursor> {
        if cursor.index > 0 {
            return Some(Cursor {
                leaf: cursor.leaf,
                index: cursor.index - 1,
            });
        }
        let prev = self.leaves[cursor.leaf as usize].prev;
        (prev != NIL).then(|| Cursor {
            leaf: prev,
            index: self.leaves[prev as usize].len - 1,
        })
    }

    // ----- updates ---------------------------------------------------------------

    /// Adds a member that is not present.
    pub fn insert(&mut self, score: f64, member: Box<[u8]>) {
        debug_assert!(!score.is_nan());
        let slot = self.alloc_slot(member, score);
        self.index_insert(slot);
        self.tree_insert(score, slot);
        self.len += 1;
    }

    /// Removes `member`, returning its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let slot = self.find_slot(member)?;
        Some(self.remove_slot(slot).1)
    }

    /// Removes the entry at `cursor`, returning its member and score.
    pub fn remove_at(&mut self, cursor: Cursor) -> (Box<[u8]>, f64) {
        let slot = self.leaves[cursor.leaf as usize].slots[cursor.index as usize];
        self.remove_slot(slot)
    }

    fn remove_slot(&mut self, slot: u32) -> (Box<[u8]>, f64) {
        let score = self.slots[slot as usize].score;
        self.tree_remove(score, slot);
        self.index_remove(slot);
        self.len -= 1;
        let member = std::mem::take(&mut self.slots[slot as usize].member);
        self.free_slots.push(slot);
        if self.buckets.len() > 4 && self.len * 8 < self.buckets.len() {
            self.rebuild_index(self.len.next_power_of_two().max(4), None);
        }
        (member, score)
    }

    /// Changes the score of `member`; false if it is not present.
    pub fn update_score(&mut self, member: &[u8], new_score: f64) -> bool {
        debug_assert!(!new_score.is_nan());
        let Some(slot) = self.find_slot(member) else {
            return false;
        };
        let old_score = self.slots[slot as usize].score;
        self.tree_remove(old_score, slot);
        self.slots[slot as usize].score = new_score;
        self.tree_insert(new_score, slot);
        true
    }

    fn tree_insert(&mut self, score: f64, slot: u32) {
        if let Some(split) = self.insert_into(self.root, self.height, score, slot) {
            let mut root = Inner::empty();
            root.len = 2;
            root.children[0] = self.root;
            root.children[1] = split.right;
            root.counts[0] = split.left_count;
            root.counts[1] = split.right_count;
            root.separator_scores[1] = split.separator.0;
            root.separator_members[1] = split.separator.1;
            self.root = self.alloc_inner(root);
            self.height += 1;
        }
    }

    fn insert_into(&mut self, node: u32, height: usize, score: f64, slot: u32) -> Option<Split> {
        if height == 0 {
            return self.insert_into_leaf(node, score, slot);
        }
        let child_index = {
            let inner = &self.inners[node as usize];
            self.child_for_key(inner, score, self.member_of(slot))
        };
        let child = self.inners[node as usize].children[child_index];
        self.inners[node as usize].counts[child_index] += 1;
        let split = self.insert_into(child, height - 1, score, slot)?;
        self.inners[node as usize].counts[child_index] = split.left_count;
        let at = child_index + 1;
        if (self.inners[node as usize].len as usize) < INNER_CAP {
            self.inners[node as usize].insert_child(
                at,
                split.right,
                split.right_count,
                split.separator,
            );
            return None;
        }
        // Full: the upper half moves to a new node, and the separator of
        // its first child moves up to the parent.
        let half = INNER_CAP / 2;
        let mut right = Inner::empty();
        let left = &mut self.inners[node as usize];
        let moved = INNER_CAP - half;
        right.children[..moved].copy_from_slice(&left.children[half..]);
        right.counts[..moved].copy_from_slice(&left.counts[half..]);
        right.separator_scores[..moved].copy_from_slice(&left.separator_scores[half..]);
        for (to, from) in right.separator_members[..moved]
            .iter_mut()
            .zip(&mut left.separator_members[half..])
        {
            *to = std::mem::take(from);
        }
        right.len = moved as u32;
        left.len = half as u32;
        let up = (
            right.separator_scores[0],
            std::mem::take(&mut right.separator_members[0]),
        );
        if at <= half {
            left.insert_child(at, split.right, split.right_count, split.separator);
        } else {
            right.insert_child(at - half, split.right, split.right_count, split.separator);
        }
        let left_count = left.total();
        let right_count = right.total();
        let right = self.alloc_inner(right);
        Some(Split {
            right,
            separator: up,
            left_count,
            right_count,
        })
    }

    fn insert_into_leaf(&mut self, node: u32, score: f64, slot: u32) -> Option<Split> {
        let at = {
            let member = self.member_of(slot);
            self.leaf_partition(&self.leaves[node as usize], |s, m| {
                compare(s, m, score, member) == Ordering::Less
            })
        };
        let leaf = &mut self.leaves[node as usize];
        if (leaf.len as usize) < LEAF_CAP {
            leaf_insert(leaf, at, score, slot);
            return None;
        }
        let half = LEAF_CAP / 2;
        let mut right = Leaf::empty();
        right.scores[..LEAF_CAP - half].copy_from_slice(&leaf.scores[half..]);
        right.slots[..LEAF_CAP - half].copy_from_slice(&leaf.slots[half..]);
        right.len = (LEAF_CAP - half) as u32;
        leaf.len = half as u32;
        if at <= half {
            leaf_insert(leaf, at, score, slot);
        } else {
            leaf_insert(&mut right, at - half, score, slot);
        }
        right.prev = node;
        right.next = leaf.next;
        let left_count = leaf.len;
        let right_count = right.len;
        let separator = (right.scores[0], right.slots[0]);
        let right = self.alloc_leaf(right);
        let next = self.leaves[right as usize].next;
        match next {
            NIL => self.last_leaf = right,
            next => self.leaves[next as usize].prev = right,
        }
        self.leaves[node as usize].next = right;
        Some(Split {
            right,
            separator: (separator.0, self.member_of(separator.1).into()),
            left_count,
            right_count,
        })
    }

    fn tree_remove(&mut self, score: f64, slot: u32) {
        self.remove_from(self.root, self.height, score, slot);
        while self.height > 0 && self.inners[self.root as usize].len == 1 {
            let only_child = self.inners[self.root as usize].children[0];
            self.free_inner(self.root);
            self.root = only_child;
            self.height -= 1;
        }
    }

    /// Removes the entry (score, slot) under `node`; true when `node` is
    /// left below its minimum fill.
    fn remove_from(&mut self, node: u32, height: usize, score: f64, slot: u32) -> bool {
        if height == 0 {
            let at = {
                let member = self.member_of(slot);
                self.leaf_partition(&self.leaves[node as usize], |s, m| {
                    compare(s, m, score, member) == Ordering::Less
                })
            };
            let leaf = &mut self.leaves[node as usize];
            let len = leaf.len as usize;
            // INVARIANT: callers remove entries that are in the tree, whose
            // slot and score agree with the leaf's copy.
            assert!(
                at < len && leaf.slots[at] == slot,
                "sorted-set entry missing from its tree"
            );
            leaf.scores.copy_within(at + 1..len, at);
            leaf.slots.copy_within(at + 1..len, at);
            leaf.len -= 1;
            return (leaf.len as usize) < LEAF_MIN;
        }
        let child_index = {
            let inner = &self.inners[node as usize];
            self.child_for_key(inner, score, self.member_of(slot))
        };
        let child = self.inners[node as usize].children[child_index];
        self.inners[node as usize].counts[child_index] -= 1;
        if self.remove_from(child, height - 1, score, slot) {
            self.rebalance(node, child_index, height - 1);
        }
        (self.inners[node as usize].len as usize) < INNER_MIN
    }

    /// Restores the minimum fill of child `index` of `parent` by merging it
    /// with a sibling or moving entries over from one.
    fn rebalance(&mut self, parent: u32, index: usize, child_height: usize) {
        if self.inners[parent as usize].len < 2 {
            return;
        }
        let left_index = index.saturating_sub(1);
        let right_index = left_index + 1;
        let left = self.inners[parent as usize].children[left_index];
        let right = self.inners[parent as usize].children[right_index];
        if child_height == 0 {
            self.rebalance_leaves(parent, left_index, left, right);
        } else {
            self.rebalance_inners(parent, left_index, left, right);
        }
    }

    fn rebalance_leaves(&mut self, parent: u32, left_index: usize, left: u32, right: u32) {
        let right_index = left_index + 1;
        let mut l = std::mem::replace(&mut self.leaves[left as usize], Leaf::empty());
        let mut r = std::mem::replace(&mut self.leaves[right as usize], Leaf::empty());
        let (ln, rn) = (l.len as usize, r.len as usize);
        if ln + rn <= LEAF_CAP {
            l.scores[ln..ln + rn].copy_from_slice(&r.scores[..rn]);
            l.slots[ln..ln + rn].copy_from_slice(&r.slots[..rn]);
            l.len = (ln + rn) as u32;
            l.next = r.next;
            match r.next {
                NIL => self.last_leaf = left,
                next => self.leaves[next as usize].prev = left,
            }
            self.leaves[left as usize] = l;
            self.free_leaves.push(right);
            let parent = &mut self.inners[parent as usize];
            parent.counts[left_index] += parent.counts[right_index];
            parent.remove_child(right_index);
            return;
        }
        let target = (ln + rn) / 2;
        if ln < target {
            let moved = target - ln;
            l.scores[ln..target].copy_from_slice(&r.scores[..moved]);
            l.slots[ln..target].copy_from_slice(&r.slots[..moved]);
            r.scores.copy_within(moved..rn, 0);
            r.slots.copy_within(moved..rn, 0);
        } else {
            let moved = ln - target;
            r.scores.copy_within(..rn, moved);
            r.slots.copy_within(..rn, moved);
            r.scores[..moved].copy_from_slice(&l.scores[target..ln]);
            r.slots[..moved].copy_from_slice(&l.slots[target..ln]);
        }
        l.len = target as u32;
        r.len = (ln + rn - target) as u32;
        let separator = (r.scores[0], self.member_of(r.slots[0]).into());
        let parent = &mut self.inners[parent as usize];
        parent.counts[left_index] = l.len;
        parent.counts[right_index] = r.len;
        parent.separator_scores[right_index] = separator.0;
        parent.separator_members[right_index] = separator.1;
        self.leaves[left as usize] = l;
        self.leaves[right as usize] = r;
    }

    fn rebalance_inners(&mut self, parent: u32, left_index: usize, left: u32, right: u32) {
        let right_index = left_index + 1;
        let mut l = std::mem::replace(&mut self.inners[left as usize], Inner::empty());
        let mut r = std::mem::replace(&mut self.inners[right as usize], Inner::empty());
        let p = &mut self.inners[parent as usize];
        let (ln, rn) = (l.len as usize, r.len as usize);
        if ln + rn <= INNER_CAP {
            // The parent's separator becomes the bound of right's first child.
            l.children[ln..ln + rn].copy_from_slice(&r.children[..rn]);
            l.counts[ln..ln + rn].copy_from_slice(&r.counts[..rn]);
            l.separator_scores[ln] = p.separator_scores[right_index];
            l.separator_members[ln] = std::mem::take(&mut p.separator_members[right_index]);
            for i in 1..rn {
                l.separator_scores[ln + i] = r.separator_scores[i];
                l.separator_members[ln + i] = std::mem::take(&mut r.separator_members[i]);
            }
            l.len = (ln + rn) as u32;
            p.counts[left_index] += p.counts[right_index];
            p.remove_child(right_index);
            self.inners[left as usize] = l;
            self.free_inner(right);
            return;
        }
        let target = (ln + rn) / 2;
        while (l.len as usize) < target {
            // Right's first child moves to the end of left.
            let at = l.len as usize;
            l.children[at] = r.children[0];
            l.counts[at] = r.counts[0];
            l.separator_scores[at] = p.separator_scores[right_index];
            l.separator_members[at] = std::mem::take(&mut p.separator_members[right_index]);
            l.len += 1;
            p.separator_scores[right_index] = r.separator_scores[1];
            p.separator_members[right_index] = std::mem::take(&mut r.separator_members[1]);
            let n = r.len as usize;
            r.children.copy_within(1..n, 0);
            r.counts.copy_within(1..n, 0);
            r.separator_scores.copy_within(1..n, 0);
            r.separator_members[..n].rotate_left(1);
            r.len -= 1;
        }
        while (l.len as usize) > target {
            // Left's last child moves to the front of right.
            let from = l.len as usize - 1;
            let n = r.len as usize;
            r.children.copy_within(..n, 1);
            r.counts.copy_within(..n, 1);
            r.separator_scores.copy_within(..n, 1);
            r.separator_members[..=n].rotate_right(1);
            r.children[0] = l.children[from];
            r.counts[0] = l.counts[from];
            r.separator_scores[1] = p.separator_scores[right_index];
            r.separator_members[1] = std::mem::take(&mut p.separator_members[right_index]);
            p.separator_scores[right_index] = l.separator_scores[from];
            p.separator_members[right_index] = std::mem::take(&mut l.separator_members[from]);
            r.len += 1;
            l.len -= 1;
        }
        p.counts[left_index] = l.total();
        p.counts[right_index] = r.total();
        self.inners[left as usize] = l;
        self.inners[right as usize] = r;
    }

    // ----- scanning and checking ---------------------------------------------

    /// Visits the members of one bucket of the member index for `cursor`
    /// and returns the next cursor, 0 when done (Redis's reverse-binary
    /// `dictScan` order, safe across resizes).
    pub fn scan_step(&self, cursor: u64, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        let mask = (self.buckets.len() - 1) as u64;
        let mut at = self.buckets[(cursor & mask) as usize];
        while at != NIL {
            let slot = &self.slots[at as usize];
            visit(&slot.member, slot.score);
            at = slot.bucket_next;
        }
        let cursor = (cursor | !mask).reverse_bits().wrapping_add(1);
        cursor.reverse_bits()
    }

    /// Checks every structural invariant; for tests.
    pub fn check_invariants(&self) -> Result<(), String> {
        let count = self.check_node(self.root, self.height, true, None, None)?;
        if count != self.len {
            return Err(format!(
                "{count} entries in the tree, length says {}",
                self.len
            ));
        }
        let mut walked = 0;
        let mut previous: Option<(f64, &[u8])> = None;
        let mut leaf = self.first_leaf;
        let mut before = NIL;
        while leaf != NIL {
            let node = &self.leaves[leaf as usize];
            if node.prev != before {
                return Err(format!("leaf {leaf} has a wrong back link"));
            }
            for i in 0..node.len as usize {
                let (score, slot) = (node.scores[i], node.slots[i]);
                let member = self.member_of(slot);
                if self.slots[slot as usize].score != score {
                    return Err("slot and leaf disagree on a score".into());
                }
                if self.find_slot(member) != Some(slot) {
                    return Err("member index out of sync".into());
                }
                if let Some((ps, pm)) = previous {
                    if compare(ps, pm, score, member) != Ordering::Less {
                        return Err("entries out of order".into());
                    }
                }
                if self.rank(member) != Some(walked) {
                    return Err(format!("rank {walked} wrong"));
                }
                previous = Some((score, member));
                walked += 1;
            }
            before = leaf;
            leaf = node.next;
        }
        if walked != self.len || before != self.last_leaf {
            return Err("leaf chain length or last leaf wrong".into());
        }
        Ok(())
    }

    /// Checks the subtree at `node` against its bounds; returns its size.
    fn check_node(
        &self,
        node: u32,
        height: usize,
        is_root: bool,
        low: Option<(f64, &[u8])>,
        high: Option<(f64, &[u8])>,
    ) -> Result<usize, String> {
        let within = |score: f64, member: &[u8]| {
            low.is_none_or(|(s, m)| compare(s, m, score, member) != Ordering::Greater)
                && high.is_none_or(|(s, m)| compare(score, member, s, m) == Ordering::Less)
        };
        if height == 0 {
            let leaf = &self.leaves[node as usize];
            if !is_root && (leaf.len as usize) < LEAF_MIN {
                return Err(format!("leaf {node} underfull: {}", leaf.len));
            }
            for i in 0..leaf.len as usize {
                if !within(leaf.scores[i], self.member_of(leaf.slots[i])) {
                    return Err(format!("leaf {node} entry {i} outside its separators"));
                }
            }
            return Ok(leaf.len as usize);
        }
        let inner = &self.inners[node as usize];
        let n = inner.len as usize;
        if (!is_root && n < INNER_MIN) || (is_root && n < 2) {
            return Err(format!("inner {node} underfull: {n}"));
        }
        let mut total = 0;
        for i in 0..n {
            let child_low = if i == 0 {
                low
            } else {
                Some((inner.separator_scores[i], &*inner.separator_members[i]))
            };
            let child_high = if i + 1 == n {
                high
            } else {
                Some((
                    inner.separator_scores[i + 1],
                    &*inner.separator_members[i + 1],
                ))
            };
            let size =
                self.check_node(inner.children[i], height - 1, false, child_low, child_high)?;
            if size != inner.counts[i] as usize {
                return Err(format!("inner {node} child {i} count wrong"));
            }
            total += size;
        }
        Ok(total)
    }
}

/// Stores `value` in a recycled index of `arena` or at its end.
fn place<T>(arena: &mut Vec<T>, free: &mut Vec<u32>, value: T) -> u32 {
    match free.pop() {
        Some(id) => {
            arena[id as usize] = value;
            id
        }
        None => {
            arena.push(value);
            (arena.len() - 1) as u32
        }
    }
}

/// Inserts (score, slot) at `at` in a leaf with room.
#[inline]
fn leaf_insert(leaf: &mut Leaf, at: usize, score: f64, slot: u32) {
    let len = leaf.len as usize;
    leaf.scores.copy_within(at..len, at + 1);
    leaf.slots.copy_within(at..len, at + 1);
    leaf.scores[at] = score;
    leaf.slots[at] = slot;
    leaf.len += 1;
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
        Set(u16, i8),
        Remove(u16),
        PopFirst,
        PopLast,
    }

    fn check_against_model(
        tree: &ScoreTree,
        scores: &BTreeMap<Vec<u8>, f64>,
    ) -> Result<(), TestCaseError> {
        prop_assert_eq!(tree.check_invariants(), Ok(()));
        let ordered: Vec<(Score, Vec<u8>)> = scores
            .iter()
            .map(|(m, s)| (Score(*s), m.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        prop_assert_eq!(tree.len(), ordered.len());
        for (rank, (score, member)) in ordered.iter().enumerate() {
            prop_assert_eq!(tree.rank(member), Some(rank));
            let cursor = tree.by_rank(rank).unwrap();
            prop_assert_eq!(tree.entry(cursor), (&member[..], score.0));
            prop_assert_eq!(tree.score(member), Some(score.0));
        }
        let mut backwards = Vec::new();
        let mut at = tree.last();
        while let Some(cursor) = at {
            backwards.push(tree.entry(cursor).0.to_vec());
            at = tree.prev(cursor);
        }
        backwards.reverse();
        let forwards: Vec<Vec<u8>> = ordered.iter().map(|(_, m)| m.clone()).collect();
        prop_assert_eq!(backwards, forwards);
        for bound in -8..8 {
            let bound = f64::from(bound);
            let expected_first = ordered.iter().position(|(s, _)| s.0 >= bound);
            let first = tree.first_not_before(|s, _| s < bound);
            prop_assert_eq!(first.map(|(_, r)| r), expected_first);
            if let Some((cursor, rank)) = first {
                prop_assert_eq!(tree.entry(cursor).0, &ordered[rank].1[..]);
            }
            let expected_last = ordered.iter().rposition(|(s, _)| s.0 <= bound);
            let last = tree.last_not_after(|s, _| s > bound);
            prop_assert_eq!(last.map(|(_, r)| r), expected_last);
            if let Some((cursor, rank)) = last {
                prop_assert_eq!(tree.entry(cursor).0, &ordered[rank].1[..]);
            }
        }
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        loop {
            cursor = tree.scan_step(cursor, |m, _| {
                seen.insert(m.to_vec());
            });
            if cursor == 0 {
                break;
            }
        }
        prop_assert_eq!(seen.len(), scores.len());
        Ok(())
    }

    fn apply(tree: &mut ScoreTree, scores: &mut BTreeMap<Vec<u8>, f64>, op: Op) {
        match op {
            Op::Set(m, s) => {
                let member = format!("m{m}").into_bytes();
                let score = f64::from(s);
                if scores.insert(member.clone(), score).is_some() {
                    assert!(tree.update_score(&member, score));
                } else {
                    tree.insert(score, member.into());
                }
            }
            Op::Remove(m) => {
                let member = format!("m{m}").into_bytes();
                assert_eq!(tree.remove(&member), scores.remove(&member));
            }
            Op::PopFirst | Op::PopLast => {
                let at = if matches!(op, Op::PopFirst) {
                    tree.first()
                } else {
                    tree.last()
                };
                if let Some(cursor) = at {
                    let (member, score) = tree.remove_at(cursor);
                    assert_eq!(scores.remove(&*member), Some(score));
                } else {
                    assert!(scores.is_empty());
                }
            }
        }
    }

    fn ops(members: u16) -> impl Strategy<Value = Vec<Op>> {
        prop::collection::vec(
            prop_oneof![
                6 => (any::<u16>(), any::<i8>()).prop_map(move |(m, s)| Op::Set(m % members, s % 8)),
                2 => any::<u16>().prop_map(move |m| Op::Remove(m % members)),
                1 => Just(Op::PopFirst),
                1 => Just(Op::PopLast),
            ],
            0..1500,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn behaves_like_a_btreemap_while_small(ops in ops(48)) {
            let mut tree = ScoreTree::new();
            let mut scores = BTreeMap::new();
            for op in ops {
                apply(&mut tree, &mut scores, op);
            }
            check_against_model(&tree, &scores)?;
        }

        #[test]
        fn behaves_like_a_btreemap_across_splits_and_merges(ops in ops(3000)) {
            let mut tree = ScoreTree::new();
            let mut scores = BTreeMap::new();
            for (step, op) in ops.into_iter().enumerate() {
                apply(&mut tree, &mut scores, op);
                if step % 250 == 0 {
                    prop_assert_eq!(tree.check_invariants(), Ok(()));
                }
            }
            check_against_model(&tree, &scores)?;
        }
    }

    #[test]
    fn grows_and_shrinks_through_several_levels() {
        let mut tree = ScoreTree::new();
        let members: Vec<Vec<u8>> = (0..40_000)
            .map(|i| format!("member:{i}").into_bytes())
            .collect();
        for (i, member) in members.iter().enumerate() {
            tree.insert(((i * 7919) % 1000) as f64, member.clone().into());
        }
        assert!(tree.height >= 2, "height {}", tree.height);
        assert_eq!(tree.check_invariants(), Ok(()));
        for (i, member) in members.iter().enumerate() {
            assert!(tree.update_score(member, ((i * 104_729) % 977) as f64));
        }
        assert_eq!(tree.check_invariants(), Ok(()));
        for (i, member) in members.iter().enumerate() {
            if i % 3 != 0 {
                assert!(tree.remove(member).is_some());
            }
        }
        assert_eq!(tree.check_invariants(), Ok(()));
        while let Some(cursor) = tree.first() {
            tree.remove_at(cursor);
        }
        assert_eq!(tree.check_invariants(), Ok(()));
        assert_eq!(tree.height, 0);
        assert!(tree.is_empty());
    }
}
