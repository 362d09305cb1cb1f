//! Quicklist: a list as a chain of bounded listpacks (Redis 7.0's list
//! encoding).
//!
//! # Shape
//!
//! ```text
//! Quicklist { nodes: VecDeque<Listpack>, len }
//!   [lp: a b c d] <-> [lp: e f g] <-> [lp: h i j k l]
//! ```
//!
//! # Why
//!
//! One listpack is the most compact sequence there is, but inserting or
//! deleting inside it moves every byte after the position. Bounding each
//! node (by bytes or by count, `list-max-listpack-size`) bounds that cost,
//! while keeping nearly all of the listpack's density: pushes and pops at
//! either end touch one small node, an index walks whole nodes by their
//! counts before walking entries.
//!
//! The node chain is a `VecDeque` rather than Redis's doubly linked list:
//! pushing a node at either end is O(1), finding the node of an index
//! skips nodes by count without chasing pointers, and a node in the middle
//! is inserted or removed by moving node handles (a few bytes per node),
//! not element bytes.
//!
//! # Fill
//!
//! `fill` is `list-max-listpack-size`: negative values -1..-5 bound a node
//! to 4, 8, 16, 32 or 64 KiB; positive values bound the number of entries,
//! and then a node also stays under 8 KiB (Redis's safety limit). The fill
//! is a parameter of each write, so `CONFIG SET` takes effect on the next
//! write, as in Redis.
//!
//! # Compression
//!
//! With a `list-compress-depth` of N > 0 (fixed when the list is made, as
//! in Redis), every node but the N at each end is kept LZF-compressed when
//! that saves anything worth having: most lists are pushed and popped at
//! the ends, so the middle is cold. A read of an inner node decompresses
//! it into a copy kept beside the compressed bytes (so readers can borrow
//! elements from `&self`), and the list drops such copies at its next
//! write or when the reader calls [`Quicklist::release_read_copies`]. A
//! write to an inner node decompresses it for good and compresses it again
//! when the write is done. After each write only the nodes it touched and
//! the nodes at the edges of the two uncompressed windows are looked at,
//! so pushes and pops stay O(1).

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::VecDeque;
use std::ops::Range;

use crate::listpack::{Listpack, LpValue, Where};
use crate::rdb::lzf;

/// Redis compat: nodes smaller than this are never compressed
/// (`MIN_COMPRESS_BYTES`).
const MIN_COMPRESS_BYTES: usize = 48;
/// Redis compat: compression must save more than this many bytes
/// (`MIN_COMPRESS_IMPROVE`), or the node stays raw.
const MIN_COMPRESS_IMPROVE: usize = 8;

thread_local! {
    /// The compressor's 512 KiB table is reused across nodes.
    static COMPRESSOR: RefCell<lzf::Compressor> = RefCell::new(lzf::Compressor::new());
}

/// A node's listpack, raw or compressed. A raw node remembers that
/// compressing it did not pay, so it is not tried again until it changes.
#[derive(Clone)]
enum Node {
    Raw(Listpack, NotWorthCompressing),
    Compressed(CompressedNode),
}

type NotWorthCompressing = bool;

#[derive(Clone)]
struct CompressedNode {
    lzf: Box<[u8]>,
    raw_len: usize,
    count: usize,
    /// The listpack, decompressed by a read and kept until released.
    read_copy: OnceCell<Listpack>,
}

impl CompressedNode {
    fn decompress(&self) -> Listpack {
        // INVARIANT: the bytes were compressed from a listpack by
        // `Node::compress`; an empty node stands in if that ever broke.
        match lzf::decompress(&self.lzf, self.raw_len) {
            Ok(bytes) if bytes.len() == self.raw_len => Listpack::from_own_bytes(bytes),
            _ => Listpack::new(),
        }
    }
}

/// How a node is kept, for persistence.
pub enum NodeBytes<'a> {
    /// A raw listpack.
    Raw(&'a Listpack),
    /// LZF-compressed listpack bytes and their decompressed length.
    Compressed(&'a [u8], usize),
}

impl Node {
    #[inline]
    fn len(&self) -> usize {
        match self {
            Node::Raw(lp, _) => lp.len(),
            Node::Compressed(node) => node.count,
        }
    }

    /// The listpack, decompressing a copy on first read.
    #[inline]
    fn listpack(&self, read_copies: &Cell<bool>) -> &Listpack {
        match self {
            Node::Raw(lp, _) => lp,
            Node::Compressed(node) => node.read_copy.get_or_init(|| {
                read_copies.set(true);
                node.decompress()
            }),
        }
    }

    /// The listpack, decompressed for good, for a write.
    fn raw_mut(&mut self) -> &mut Listpack {
        if let Node::Compressed(node) = self {
            let lp = node.read_copy.take().unwrap_or_else(|| node.decompress());
            *self = Node::Raw(lp, false);
        }
        match self {
            Node::Raw(lp, not_worth_compressing) => {
                // The caller is about to change it.
                *not_worth_compressing = false;
                lp
            }
            // INVARIANT: made raw just above.
            Node::Compressed(_) => unreachable!("node was made raw"),
        }
    }

    /// Compresses a raw node when that saves enough (Redis's rules).
    fn compress(&mut self) {
        let Node::Raw(lp, not_worth_compressing) = self else {
            return;
        };
        if *not_worth_compressing {
            return;
        }
        let raw = lp.as_bytes();
        if raw.len() < MIN_COMPRESS_BYTES {
            *not_worth_compressing = true;
            return;
        }
        let compressed =
            COMPRESSOR.with(|compressor| compressor.borrow_mut().compress(raw, raw.len()));
        if let Some(compressed) = compressed {
            if compressed.len() + MIN_COMPRESS_IMPROVE < raw.len() {
                *self = Node::Compressed(CompressedNode {
                    raw_len: raw.len(),
                    count: lp.len(),
                    lzf: compressed.into_boxed_slice(),
                    read_copy: OnceCell::new(),
                });
                return;
            }
        }
        *not_worth_compressing = true;
    }

    fn decompress(&mut self) {
        if matches!(self, Node::Compressed(_)) {
            self.raw_mut();
        }
    }

    fn release_read_copy(&mut self) {
        if let Node::Compressed(node) = self {
            node.read_copy.take();
        }
    }

    fn raw_bytes_len(&self) -> usize {
        match self {
            Node::Raw(lp, _) => lp.bytes_len(),
            Node::Compressed(node) => node.raw_len,
        }
    }

    fn allocated(&self) -> usize {
        match self {
            Node::Raw(lp, _) => lp.allocated(),
            Node::Compressed(node) => {
                node.lzf.len() + node.read_copy.get().map_or(0, Listpack::allocated)
            }
        }
    }
}

const SIZE_LIMITS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Redis compat: the per-entry overhead Redis adds to its size estimate
/// before deciding whether an element still fits a node.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;

/// Whether a node of `bytes` total and `count` entries is within `fill`.
fn within_fill(bytes: usize, count: usize, fill: i64) -> bool {
    if fill < 0 {
        match SIZE_LIMITS.get((-fill - 1) as usize) {
            Some(&limit) => bytes <= limit,
            None => false,
        }
    } else {
        bytes <= SIZE_SAFETY_LIMIT && count as i64 <= fill
    }
}

/// Redis compat: the test of `_quicklistNodeAllowInsert`.
fn allows_insert(node: &Listpack, element_len: usize, fill: i64) -> bool {
    let new_size = node.bytes_len() + element_len + SIZE_ESTIMATE_OVERHEAD;
    if fill < 0 {
        return within_fill(new_size, 0, fill);
    }
    new_size <= SIZE_SAFETY_LIMIT && (node.len() as i64) < fill && node.fits(element_len)
}

/// Redis compat: the test of `_quicklistNodeAllowMerge` (minus one
/// listpack's header and terminator, 11 bytes in Redis's estimate).
fn allows_merge(a: &Listpack, b: &Listpack, fill: i64) -> bool {
    let size = (a.bytes_len() + b.bytes_len()).saturating_sub(11);
    within_fill(size, a.len() + b.len(), fill)
}

/// A list of byte strings.
#[derive(Clone, Default)]
pub struct Quicklist {
    nodes: VecDeque<Node>,
    len: usize,
    /// `list-compress-depth` when the list was made: nodes kept raw at
    /// each end; 0 keeps every node raw.
    compress_depth: usize,
    /// Whether reads left decompressed copies of inner nodes behind.
    read_copies: Cell<bool>,
}

impl PartialEq for Quicklist {
    fn eq(&self, other: &Quicklist) -> bool {
        self.len == other.len
            && self
                .iter()
                .zip(other.iter())
                .all(|(a, b)| a.with_bytes(|a| b.eq_bytes(a)))
    }
}

impl Eq for Quicklist {}

impl std::fmt::Debug for Quicklist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.nodes()).finish()
    }
}

/// A position: node index and byte offset inside that node's listpack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    node: usize,
    pos: usize,
}

impl Quicklist {
    /// A list made of already-built nodes (RDB loading); empty nodes are
    /// dropped.
    pub fn from_nodes(nodes: impl IntoIterator<Item = Listpack>) -> Quicklist {
        let nodes: VecDeque<Node> = nodes
            .into_iter()
            .filter(|node| !node.is_empty())
            .map(|lp| Node::Raw(lp, false))
            .collect();
        let len = nodes.iter().map(Node::len).sum();
        Quicklist {
            nodes,
            len,
            ..Quicklist::default()
        }
    }

    /// An empty list.
    pub fn new() -> Quicklist {
        Quicklist::default()
    }

    /// An empty list whose inner nodes are kept compressed, all but
    /// `depth` at each end (`list-compress-depth`; 0: none).
    pub fn with_compress_depth(depth: usize) -> Quicklist {
        Quicklist {
            compress_depth: depth,
            ..Quicklist::default()
        }
    }

    /// Changes the compression depth and compresses or decompresses every
    /// node to match (a list just loaded or restored).
    pub fn set_compress_depth(&mut self, depth: usize) {
        self.compress_depth = depth;
        let count = self.nodes.len();
        for index in 0..count {
            if self.is_inner(index) {
                self.nodes[index].compress();
            } else {
                self.nodes[index].decompress();
            }
        }
    }

    /// The compression depth the list was made with.
    pub fn compress_depth(&self) -> usize {
        self.compress_depth
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of listpack nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of nodes kept compressed.
    pub fn compressed_node_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|node| matches!(node, Node::Compressed(_)))
            .count()
    }

    /// The nodes' listpacks, head first (decompressing inner nodes into
    /// read copies; see [`Quicklist::release_read_copies`]).
    pub fn nodes(&self) -> impl Iterator<Item = &Listpack> {
        self.nodes
            .iter()
            .map(|node| node.listpack(&self.read_copies))
    }

    /// The nodes as they are kept, head first (for persistence: Redis
    /// saves compressed nodes as they are).
    pub fn node_bytes(&self) -> impl Iterator<Item = NodeBytes<'_>> {
        self.nodes.iter().map(|node| match node {
            Node::Raw(lp, _) => NodeBytes::Raw(lp),
            Node::Compressed(node) => NodeBytes::Compressed(&node.lzf, node.raw_len),
        })
    }

    /// Drops the decompressed copies reads made of compressed nodes.
    pub fn release_read_copies(&mut self) {
        if self.read_copies.replace(false) {
            self.nodes.iter_mut().for_each(Node::release_read_copy);
        }
    }

    /// Estimated heap bytes (MEMORY USAGE): the node ring plus the nodes'
    /// listpacks, extrapolated from the first `samples` nodes.
    pub fn memory_usage(&self, samples: usize) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + crate::object::extrapolate(
                self.nodes.len(),
                samples,
                self.nodes.iter().map(Node::allocated),
            )
    }

    /// Bytes of the nodes' listpacks, uncompressed.
    pub fn bytes_len(&self) -> usize {
        self.nodes.iter().map(Node::raw_bytes_len).sum()
    }

    /// Whether node `index` is outside both uncompressed end windows.
    #[inline]
    fn is_inner(&self, index: usize) -> bool {
        let depth = self.compress_depth;
        depth > 0 && index >= depth && index + depth < self.nodes.len()
    }

    /// The listpack of node `index` for reading.
    #[inline]
    fn node(&self, index: usize) -> Option<&Listpack> {
        self.nodes
            .get(index)
            .map(|node| node.listpack(&self.read_copies))
    }

    /// The listpack of node `index` for writing (decompressed for good).
    #[inline]
    fn node_mut(&mut self, index: usize) -> Option<&mut Listpack> {
        self.nodes.get_mut(index).map(Node::raw_mut)
    }

    /// Restores the compression rule after a write that changed nodes in
    /// `touched` (indices after the write): end-window nodes raw, inner
    /// nodes compressed. Only the touched nodes and the few nodes at each
    /// window's edge can have changed side, so only they are looked at.
    fn settle(&mut self, touched: Range<usize>) {
        self.release_read_copies();
        let depth = self.compress_depth;
        if depth == 0 {
            return;
        }
        let count = self.nodes.len();
        // A write adds or removes at most a few nodes at an end, so the
        // nodes that crossed a window edge are within this margin of it.
        const EDGE_MARGIN: usize = 4;
        let head_edge = 0..(depth + EDGE_MARGIN).min(count);
        let tail_edge = count.saturating_sub(depth + EDGE_MARGIN)..count;
        let touched = touched.start.min(count)..touched.end.min(count);
        for range in [head_edge, tail_edge, touched] {
            for index in range {
                if self.is_inner(index) {
                    self.nodes[index].compress();
                } else {
                    self.nodes[index].decompress();
                }
            }
        }
    }

    /// Adds `element` at the head.
    pub fn push_front(&mut self, element: &[u8], fill: i64) {
        match self.nodes.front_mut().map(Node::raw_mut) {
            Some(node) if allows_insert(node, element.len(), fill) => node.prepend(element),
            full => {
                // The full node will not grow again from this end: give
                // back the spare room its vector kept for growth.
                if let Some(full) = full {
                    full.shrink_to_fit();
                }
                let mut node = Listpack::new();
                node.append(element);
                self.nodes.push_front(Node::Raw(node, false));
            }
        }
        self.len += 1;
        self.settle(0..0);
    }

    /// Adds `element` at the tail.
    pub fn push_back(&mut self, element: &[u8], fill: i64) {
        match self.nodes.back_mut().map(Node::raw_mut) {
            Some(node) if allows_insert(node, element.len(), fill) => node.append(element),
            full => {
                // The full node will not grow again from this end: give
                // back the spare room its vector kept for growth.
                if let Some(full) = full {
                    full.shrink_to_fit();
                }
                let mut node = Listpack::new();
                node.append(element);
                self.nodes.push_back(Node::Raw(node, false));
            }
        }
        self.len += 1;
        self.settle(0..0);
    }

    /// Removes and returns the head element.
    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        let node = self.nodes.front_mut()?.raw_mut();
        let pos = node.first()?;
        let value = node.get(pos)?.to_vec();
        node.delete(pos);
        if node.is_empty() {
            self.nodes.pop_front();
        }
        self.len -= 1;
        self.settle(0..0);
        Some(value)
    }

    /// Removes and returns the tail element.
    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        let node = self.nodes.back_mut()?.raw_mut();
        let pos = node.last()?;
        let value = node.get(pos)?.to_vec();
        node.delete(pos);
        if node.is_empty() {
            self.nodes.pop_back();
        }
        self.len -= 1;
        self.settle(0..0);
        Some(value)
    }

    /// Normalises `index` (negative: from the tail) to `0..len`.
    fn absolute(&self, index: i64) -> Option<usize> {
        let len = self.len as i64;
        let index = if index < 0 { index + len } else { index };
        (0..len).contains(&index).then_some(index as usize)
    }

    /// The node holding element `index` and the offset in that node.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        if index < self.len / 2 {
            let mut skipped = 0;
            for (n, node) in self.nodes.iter().enumerate() {
                let count = node.len();
                if index < skipped + count {
                    return Some((n, index - skipped));
                }
                skipped += count;
            }
        } else {
            let mut after = self.len;
            for (n, node) in self.nodes.iter().enumerate().rev() {
                let count = node.len();
                after -= count;
                if index >= after {
                    return Some((n, index - after));
                }
            }
        }
        None
    }

    fn cursor(&self, index: i64) -> Option<Cursor> {
        let (node, offset) = self.locate(self.absolute(index)?)?;
        let pos = self.node(node)?.seek(offset as i64)?;
        Some(Cursor { node, pos })
    }

    /// The element at `index` (negative: from the tail).
    pub fn get(&self, index: i64) -> Option<LpValue<'_>> {
        let cursor = self.cursor(index)?;
        self.node(cursor.node)?.get(cursor.pos)
    }

    /// Replaces the element at `index`; false if out of range.
    pub fn set(&mut self, index: i64, element: &[u8], fill: i64) -> bool {
        let Some(cursor) = self.cursor(index) else {
            return false;
        };
        let Some(node) = self.node_mut(cursor.node) else {
            return false;
        };
        node.replace(cursor.pos, element);
        if !within_fill(node.bytes_len(), node.len(), fill) && node.len() > 1 {
            self.split_oversized(cursor.node, fill);
        }
        // Splitting adds at most a few nodes after this one.
        self.settle(cursor.node..cursor.node + 8);
        true
    }

    /// Inserts `element` before or after element `index`.
    pub fn insert(&mut self, index: usize, place: Where, element: &[u8], fill: i64) {
        let Some((n, offset)) = self.locate(index) else {
            return;
        };
        let Some(node) = self.node_mut(n) else {
            return;
        };
        if allows_insert(node, element.len(), fill) {
            if let Some(pos) = node.seek(offset as i64) {
                node.insert(pos, place, element);
                self.len += 1;
            }
            self.settle(n..n + 1);
            return;
        }
        // The node is full: split it at the insertion point and put the
        // element at the end of the left part, or in a node of its own.
        let cut = match place {
            Where::Before => offset,
            Where::After => offset + 1,
        };
        let right = split_off(node, cut);
        let left_index = n;
        if !right.is_empty() {
            self.nodes.insert(n + 1, Node::Raw(right, false));
        }
        let Some(left) = self.node_mut(left_index) else {
            return;
        };
        if left.is_empty() || allows_insert(left, element.len(), fill) {
            left.append(element);
        } else {
            let mut fresh = Listpack::new();
            fresh.append(element);
            self.nodes.insert(left_index + 1, Node::Raw(fresh, false));
        }
        self.len += 1;
        self.merge_around(left_index, fill);
        self.settle(left_index.saturating_sub(1)..left_index + 3);
    }

    /// Splits node `n` in halves until each part is within `fill`.
    fn split_oversized(&mut self, n: usize, fill: i64) {
        let Some(node) = self.node_mut(n) else {
            return;
        };
        let half = node.len() / 2;
        let right = split_off(node, half);
        self.nodes.insert(n + 1, Node::Raw(right, false));
        for part in [n + 1, n] {
            let Some(node) = self.node(part) else {
                continue;
            };
            if !within_fill(node.bytes_len(), node.len(), fill) && node.len() > 1 {
                self.split_oversized(part, fill);
            }
        }
    }

    /// Merges small neighbours of nodes `n` and `n + 1` when they fit.
    fn merge_around(&mut self, n: usize, fill: i64) {
        let start = n.saturating_sub(1);
        let end = (n + 2).min(self.nodes.len().saturating_sub(1));
        let mut i = end;
        while i > start {
            let mergeable = match (self.node(i - 1), self.node(i)) {
                (Some(left), Some(right)) => allows_merge(left, right, fill),
                _ => false,
            };
            if mergeable {
                if let Some(mut right) = self.nodes.remove(i) {
                    let right = right.raw_mut();
                    if let Some(left) = self.node_mut(i - 1) {
                        for value in right.iter() {
                            value.with_bytes(|bytes| left.append(bytes));
                        }
                    }
                }
            }
            i -= 1;
        }
    }

    /// Removes up to `count` elements from element `start` on; returns
    /// how many were removed.
    pub fn delete_range(&mut self, start: i64, count: usize) -> usize {
        let Some(start) = self.absolute(start) else {
            return 0;
        };
        let mut remaining = count.min(self.len - start);
        let removed = remaining;
        let Some((first, mut offset)) = self.locate(start) else {
            return 0;
        };
        let mut n = first;
        while remaining > 0 && n < self.nodes.len() {
            let node_len = self.nodes[n].len();
            let take = remaining.min(node_len - offset);
            if take == node_len {
                self.nodes.remove(n);
            } else if let Some(node) = self.node_mut(n) {
                node.delete_range(offset as i64, take);
                n += 1;
            }
            remaining -= take;
            offset = 0;
        }
        self.len -= removed;
        // At most the first and the last node were cut rather than removed.
        self.settle(first..n + 1);
        removed
    }

    /// Removes the element at `index` (0-based, from the head).
    pub fn remove(&mut self, index: usize) -> bool {
        self.delete_range(index as i64, 1) == 1
    }

    /// Elements from `start` (0-based) towards the tail.
    pub fn iter_from(&self, start: usize) -> Iter<'_> {
        let cursor = self.locate(start).and_then(|(node, offset)| {
            Some(Cursor {
                node,
                pos: self.node(node)?.seek(offset as i64)?,
            })
        });
        Iter {
            list: self,
            cursor,
            current: None,
            forward: true,
        }
    }

    /// Elements from `start` (0-based) towards the head.
    pub fn iter_back_from(&self, start: usize) -> Iter<'_> {
        Iter {
            forward: false,
            ..self.iter_from(start)
        }
    }

    /// Every element, head first.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// Removes elements equal to `element`: up to `count` of them (0: all),
    /// from the tail when `from_tail`. Returns how many were removed.
    pub fn remove_matching(&mut self, element: &[u8], count: usize, from_tail: bool) -> usize {
        let mut removed = 0;
        let node_order: Vec<usize> = if from_tail {
            (0..self.nodes.len()).rev().collect()
        } else {
            (0..self.nodes.len()).collect()
        };
        for n in node_order {
            if count != 0 && removed == count {
                break;
            }
            // Only nodes holding the element are decompressed for good.
            let holds = self
                .node(n)
                .is_some_and(|node| node.iter().any(|value| value.eq_bytes(element)));
            if !holds {
                continue;
            }
            let Some(node) = self.node_mut(n) else {
                continue;
            };
            let mut pos = if from_tail { node.last() } else { node.first() };
            while let Some(p) = pos {
                if count != 0 && removed == count {
                    break;
                }
                let matched = node.get(p).is_some_and(|v| v.eq_bytes(element));
                if matched {
                    removed += 1;
                    let next = node.delete(p);
                    pos = if from_tail {
                        match next {
                            Some(next) => node.prev(next),
                            None => node.last(),
                        }
                    } else {
                        next
                    };
                } else {
                    pos = if from_tail {
                        node.prev(p)
                    } else {
                        node.next(p)
                    };
                }
            }
        }
        self.nodes.retain(|node| node.len() != 0);
        self.len -= removed;
        self.settle(0..self.nodes.len());
        removed
    }
}

/// Moves the elements from offset `at` on into a new listpack.
fn split_off(node: &mut Listpack, at: usize) -> Listpack {
    let mut right = Listpack::new();
    for value in node.iter().skip(at) {
        value.with_bytes(|bytes| right.append(bytes));
    }
    let tail = node.len().saturating_sub(at);
    node.delete_range(at as i64, tail);
    right
}

/// Iterator over a quicklist in one direction.
pub struct Iter<'a> {
    list: &'a Quicklist,
    cursor: Option<Cursor>,
    /// The listpack of the cursor's node, once looked up.
    current: Option<&'a Listpack>,
    forward: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = LpValue<'a>;

    fn next(&mut self) -> Option<LpValue<'a>> {
        let Cursor { node, pos } = self.cursor?;
        let lp = match self.current {
            Some(lp) => lp,
            None => self.list.node(node)?,
        };
        let (value, next) = lp.get_and_next(pos)?;
        // The node the cursor moves to is looked up once, here.
        let (cursor, current) = if self.forward {
            match next {
                Some(pos) => (Some(Cursor { node, pos }), Some(lp)),
                None => {
                    let following = self.list.node(node + 1);
                    let cursor = following.and_then(Listpack::first).map(|pos| Cursor {
                        node: node + 1,
                        pos,
                    });
                    (cursor, following)
                }
            }
        } else {
            match lp.prev(pos) {
                Some(pos) => (Some(Cursor { node, pos }), Some(lp)),
                None => {
                    let previous = node.checked_sub(1).and_then(|prev| self.list.node(prev));
                    let cursor = previous.and_then(Listpack::last).map(|pos| Cursor {
                        node: node - 1,
                        pos,
                    });
                    (cursor, previous)
                }
            }
        };
        self.cursor = cursor;
        self.current = current;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn contents(list: &Quicklist) -> Vec<Vec<u8>> {
        list.iter().map(|v| v.to_vec()).collect()
    }

    /// Whether compressing `lp` would pay by Redis's rules.
    fn worth_compressing(lp: &Listpack) -> bool {
        let mut node = Node::Raw(lp.clone(), false);
        node.compress();
        matches!(node, Node::Compressed(_))
    }

    fn check_nodes(list: &Quicklist) {
        assert_eq!(list.nodes.iter().map(Node::len).sum::<usize>(), list.len());
        assert!(list.nodes().all(|node| !node.is_empty()));
        for node in list.nodes() {
            assert!(crate::listpack::validate(node.as_bytes()).is_ok());
        }
        // The compression rule: raw at the ends, compressed inside unless
        // it would not pay.
        for (index, node) in list.nodes.iter().enumerate() {
            match node {
                Node::Compressed(compressed) => {
                    assert!(list.is_inner(index), "end node {index} is compressed");
                    assert_eq!(compressed.count, compressed.decompress().len());
                }
                Node::Raw(lp, _) => assert!(
                    !list.is_inner(index) || !worth_compressing(lp),
                    "inner node {index} of {} left raw",
                    list.nodes.len()
                ),
            }
        }
    }

    #[test]
    fn inner_nodes_are_compressed_and_read_back() {
        let mut list = Quicklist::with_compress_depth(1);
        for i in 0..5000 {
            list.push_back(format!("element-{}", i % 50).as_bytes(), -2);
        }
        assert!(list.node_count() > 3);
        assert_eq!(list.compressed_node_count(), list.node_count() - 2);
        check_nodes(&list);
        assert_eq!(
            list.get(1000).map(|v| v.to_vec()),
            Some(b"element-0".to_vec())
        );
        assert_eq!(list.iter().count(), 5000);
        list.release_read_copies();
        assert!(list.nodes.iter().all(|node| match node {
            Node::Compressed(compressed) => compressed.read_copy.get().is_none(),
            Node::Raw(..) => true,
        }));
        // A plain list holds the same elements in more memory.
        let mut plain = Quicklist::new();
        for i in 0..5000 {
            plain.push_back(format!("element-{}", i % 50).as_bytes(), -2);
        }
        assert_eq!(list, plain);
        list.release_read_copies();
        assert!(list.memory_usage(usize::MAX) < plain.memory_usage(usize::MAX) / 2);
        plain.set_compress_depth(2);
        check_nodes(&plain);
        assert_eq!(plain.compressed_node_count(), plain.node_count() - 4);
    }

    #[test]
    fn nodes_respect_size_and_count_limits() {
        let mut list = Quicklist::new();
        for i in 0..1000 {
            list.push_back(format!("element-{i}").as_bytes(), -2);
        }
        assert!(list.node_count() > 1);
        assert!(list.nodes.iter().all(|n| n.raw_bytes_len() <= 8192));
        let mut counted = Quicklist::new();
        for i in 0..100 {
            counted.push_front(i.to_string().as_bytes(), 5);
        }
        assert_eq!(counted.node_count(), 20);
        assert_eq!(counted.get(0).map(|v| v.to_vec()), Some(b"99".to_vec()));
        assert_eq!(counted.get(-1).map(|v| v.to_vec()), Some(b"0".to_vec()));
        check_nodes(&counted);
    }

    #[derive(Debug, Clone)]
    enum Op {
        PushFront(Vec<u8>),
        PushBack(Vec<u8>),
        PopFront,
        PopBack,
        Set(i64, Vec<u8>),
        Insert(usize, bool, Vec<u8>),
        DeleteRange(i64, usize),
        RemoveMatching(Vec<u8>, usize, bool),
    }

    fn element() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0u8..6).prop_map(|v| vec![b'a' + v]),
            (0i64..300).prop_map(|v| v.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..40),
            (0usize..3000).prop_map(|n| vec![b'z'; n]),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => element().prop_map(Op::PushFront),
            3 => element().prop_map(Op::PushBack),
            1 => Just(Op::PopFront),
            1 => Just(Op::PopBack),
            1 => (-30i64..30, element()).prop_map(|(i, e)| Op::Set(i, e)),
            2 => (any::<usize>(), any::<bool>(), element()).prop_map(|(i, b, e)| Op::Insert(i, b, e)),
            1 => (-30i64..30, 0usize..20).prop_map(|(i, n)| Op::DeleteRange(i, n)),
            1 => ((0u8..6).prop_map(|v| vec![b'a' + v]), 0usize..3, any::<bool>())
                .prop_map(|(e, n, t)| Op::RemoveMatching(e, n, t)),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_a_vecdeque(
            fill in prop_oneof![Just(-1i64), Just(-2), Just(1), Just(3), Just(128)],
            depth in prop_oneof![Just(0usize), Just(1), Just(2)],
            ops in proptest::collection::vec(op(), 0..120),
        ) {
            let mut list = Quicklist::with_compress_depth(depth);
            let mut model: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                match op {
                    Op::PushFront(e) => { list.push_front(&e, fill); model.push_front(e); }
                    Op::PushBack(e) => { list.push_back(&e, fill); model.push_back(e); }
                    Op::PopFront => prop_assert_eq!(list.pop_front(), model.pop_front()),
                    Op::PopBack => prop_assert_eq!(list.pop_back(), model.pop_back()),
                    Op::Set(i, e) => {
                        let len = model.len() as i64;
                        let at = if i < 0 { i + len } else { i };
                        let ok = list.set(i, &e, fill);
                        prop_assert_eq!(ok, at >= 0 && at < len);
                        if ok { model[at as usize] = e; }
                    }
                    Op::Insert(i, after, e) => {
                        if model.is_empty() { continue; }
                        let i = i % model.len();
                        if after {
                            list.insert(i, Where::After, &e, fill);
                            model.insert(i + 1, e);
                        } else {
                            list.insert(i, Where::Before, &e, fill);
                            model.insert(i, e);
                        }
                    }
                    Op::DeleteRange(i, n) => {
                        let len = model.len() as i64;
                        let start = if i < 0 { i + len } else { i };
                        let removed = list.delete_range(i, n);
                        if start >= 0 && start < len {
                            let n = n.min((len - start) as usize);
                            prop_assert_eq!(removed, n);
                            model.drain(start as usize..start as usize + n);
                        } else {
                            prop_assert_eq!(removed, 0);
                        }
                    }
                    Op::RemoveMatching(e, count, from_tail) => {
                        let removed = list.remove_matching(&e, count, from_tail);
                        let mut expected = 0;
                        if from_tail {
                            let mut i = model.len();
                            while i > 0 {
                                i -= 1;
                                if model[i] == e && (count == 0 || expected < count) {
                                    model.remove(i);
                                    expected += 1;
                                }
                            }
                        } else {
                            let mut i = 0;
                            while i < model.len() {
                                if model[i] == e && (count == 0 || expected < count) {
                                    model.remove(i);
                                    expected += 1;
                                } else {
                                    i += 1;
                                }
                            }
                        }
                        prop_assert_eq!(removed, expected);
                    }
                }
                prop_assert_eq!(list.len(), model.len());
                check_nodes(&list);
            }
            prop_assert_eq!(contents(&list), model.iter().cloned().collect::<Vec<_>>());
            if !model.is_empty() {
                let back: Vec<Vec<u8>> = list.iter_back_from(model.len() - 1).map(|v| v.to_vec()).collect();
                prop_assert_eq!(back, model.iter().rev().cloned().collect::<Vec<_>>());
                let mid = model.len() / 2;
                prop_assert_eq!(list.get(mid as i64).map(|v| v.to_vec()), Some(model[mid].clone()));
            }
        }
    }
}
