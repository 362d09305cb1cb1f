//! The stream type: entries in listpack nodes keyed by their master ID,
//! consumer groups with their pending entries lists.
//!
//! The node layout is Redis's, kept in memory exactly as RDB files and
//! DUMP payloads hold it, so saving is a copy and XTRIM's `~` (which only
//! drops whole nodes) removes what Redis would remove:
//!
//! ```text
//! master entry: [count] [deleted] [num-fields] [field]... [0]
//! entry:        [flags] [ms-delta] [seq-delta] [num-fields] [field] [value]... [lp-count]
//! same fields:  [flags] [ms-delta] [seq-delta] [value]... [lp-count]
//! ```
//!
//! `count` is the number of live entries and `deleted` the number of
//! entries flagged deleted but still present; a node whose last live entry
//! goes is dropped. Deltas are relative to the node's key (the ID of the
//! first entry ever added to it). Nodes are a `BTreeMap` instead of a rax:
//! only ordered lookups by ID are needed.
//!
//! Nodes are trusted once in the map: they were built here, or checked
//! entry by entry by [`Stream::validate`] when loaded. The walkers still
//! never panic; on bytes that break the layout they stop early.

use std::collections::{BTreeMap, BTreeSet};

use crate::listpack::{Listpack, LpValue};

/// Entry flag: the entry is deleted (a tombstone).
const FLAG_DELETED: i64 = 1;
/// Entry flag: the entry has the master entry's fields and omits them.
const FLAG_SAMEFIELDS: i64 = 2;

/// Largest listpack a node may grow to, whatever the configuration.
// Redis compat: STREAM_LISTPACK_MAX_SIZE, 1 GB.
pub const LISTPACK_MAX_SIZE: usize = 1 << 30;

/// `entries-read` value meaning "unknown" (Redis's SCG_INVALID_ENTRIES_READ).
pub const INVALID_ENTRIES_READ: i64 = -1;

/// A stream entry ID: milliseconds and a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// The smallest ID, `0-0`.
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest ID.
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// A new ID.
    pub fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The 16-byte big-endian form RDB and the node keys use.
    pub fn to_be_bytes(self) -> [u8; 16] {
        let mut out = [0; 16];
        out[..8].copy_from_slice(&self.ms.to_be_bytes());
        out[8..].copy_from_slice(&self.seq.to_be_bytes());
        out
    }

    /// The ID from its 16-byte big-endian form.
    pub fn from_be_bytes(bytes: &[u8; 16]) -> StreamId {
        let mut ms = [0; 8];
        let mut seq = [0; 8];
        ms.copy_from_slice(&bytes[..8]);
        seq.copy_from_slice(&bytes[8..]);
        StreamId {
            ms: u64::from_be_bytes(ms),
            seq: u64::from_be_bytes(seq),
        }
    }

    /// The next ID, or `None` after the largest.
    pub fn successor(self) -> Option<StreamId> {
        if self.seq == u64::MAX {
            if self.ms == u64::MAX {
                return None;
            }
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            Some(StreamId::new(self.ms, self.seq + 1))
        }
    }

    /// The previous ID, or `None` before the smallest.
    pub fn predecessor(self) -> Option<StreamId> {
        if self.seq == 0 {
            if self.ms == 0 {
                return None;
            }
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            Some(StreamId::new(self.ms, self.seq - 1))
        }
    }

    /// True for `0-0`.
    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// The `ms-seq` text form.
    pub fn format(self) -> Vec<u8> {
        format!("{}-{}", self.ms, self.seq).into_bytes()
    }
}

/// One live entry: its ID and its fields and values, interleaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's ID.
    pub id: StreamId,
    /// Field, value, field, value...
    pub fields: Vec<Vec<u8>>,
}

/// The node size limits (`stream-node-max-bytes`, `stream-node-max-entries`;
/// 0 means no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeLimits {
    /// Largest node in bytes.
    pub max_bytes: usize,
    /// Most entries (live and deleted) in a node.
    pub max_entries: i64,
}

impl Default for NodeLimits {
    fn default() -> NodeLimits {
        NodeLimits {
            max_bytes: 4096,
            max_entries: 100,
        }
    }
}

/// How XADD picks the new entry's ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdSpec {
    /// `*`: from the clock (`now_ms`), or the last ID's successor.
    Auto,
    /// `ms-*`: the given milliseconds, the sequence chosen.
    Ms(u64),
    /// A full explicit ID.
    Exact(StreamId),
}

/// Why XADD did not add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddError {
    /// The ID is not greater than the stream's last ID.
    NotGreater,
    /// The fields and values are too large for one node.
    TooLarge,
}

/// Trimming rule for XADD and XTRIM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrimStrategy {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Drop entries below this ID.
    MinId(StreamId),
}

/// A full trim request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trim {
    /// What to keep.
    pub strategy: TrimStrategy,
    /// `~`: only whole nodes go.
    pub approx: bool,
    /// Most entries removed (0: no limit).
    pub limit: i64,
}

/// A pending entry: delivered to a consumer and not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nack {
    /// The consumer that owns it.
    pub consumer: Vec<u8>,
    /// When it was last delivered (ms).
    pub delivery_time: u64,
    /// How many times it was delivered.
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Consumer {
    /// Last time the consumer was active (ms).
    pub seen_time: u64,
    /// IDs it owns in the group's PEL.
    pub pel: BTreeSet<StreamId>,
}

/// A consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroup {
    /// Last ID delivered to the group.
    pub last_id: StreamId,
    /// Logical read counter, or [`INVALID_ENTRIES_READ`].
    pub entries_read: i64,
    /// Pending entries of every consumer, by ID.
    pub pel: BTreeMap<StreamId, Nack>,
    /// Consumers by name.
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

impl ConsumerGroup {
    /// A group with no consumers.
    pub fn new(last_id: StreamId, entries_read: i64) -> ConsumerGroup {
        ConsumerGroup {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// Gives pending entry `id` to `consumer` (which must exist), taking
    /// it from its previous owner.
    pub fn assign(&mut self, id: StreamId, consumer: &[u8], delivery_time: u64, count: u64) {
        if let Some(old) = self.pel.get(&id) {
            if let Some(owner) = self.consumers.get_mut(&old.consumer) {
                owner.pel.remove(&id);
            }
        }
        self.pel.insert(
            id,
            Nack {
                consumer: consumer.to_vec(),
                delivery_time,
                delivery_count: count,
            },
        );
        if let Some(owner) = self.consumers.get_mut(consumer) {
            owner.pel.insert(id);
        }
    }

    /// Removes pending entry `id` from the group and its owner.
    pub fn ack(&mut self, id: StreamId) -> bool {
        match self.pel.remove(&id) {
            Some(nack) => {
                if let Some(owner) = self.consumers.get_mut(&nack.consumer) {
                    owner.pel.remove(&id);
                }
                true
            }
            None => false,
        }
    }

    /// Deletes a consumer and its pending entries; returns how many it had.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let consumer = self.consumers.remove(name)?;
        for id in &consumer.pel {
            self.pel.remove(id);
        }
        Some(consumer.pel.len())
    }
}

/// One entry as the node holds it.
struct RawEntry {
    id: StreamId,
    flags: i64,
    /// Position of the flags element in the node.
    flags_pos: usize,
    /// Position of the first field (or, with the same fields as the
    /// master entry, the first value).
    fields_pos: Option<usize>,
}

/// A node's master entry and the layout of its entries. Fields and values
/// stay in the listpack until [`NodeView::fields`] copies them out, so a
/// range query pays only for the entries it returns.
struct NodeView {
    count: i64,
    deleted: i64,
    master_fields: Vec<Vec<u8>>,
    entries: Vec<RawEntry>,
}

impl NodeView {
    /// The fields and values of `raw`, interleaved.
    fn fields(&self, lp: &Listpack, raw: &RawEntry) -> Vec<Vec<u8>> {
        let mut pos = raw.fields_pos;
        let mut take = || -> Vec<u8> {
            match pos.and_then(|p| lp.get_and_next(p)) {
                Some((value, next)) => {
                    pos = next;
                    value.to_vec()
                }
                None => Vec::new(),
            }
        };
        if raw.flags & FLAG_SAMEFIELDS != 0 {
            let mut fields = Vec::with_capacity(self.master_fields.len() * 2);
            for field in &self.master_fields {
                fields.push(field.clone());
                fields.push(take());
            }
            fields
        } else {
            let pairs = lp
                .get(raw.fields_pos.unwrap_or(0))
                .and_then(int_of)
                .unwrap_or(0)
                .max(0) as usize;
            take();
            (0..pairs * 2).map(|_| take()).collect()
        }
    }
}

fn int_of(value: LpValue<'_>) -> Option<i64> {
    match value {
        LpValue::Int(v) => Some(v),
        LpValue::Str(bytes) => crate::util::parse_i64(bytes),
    }
}

/// Decodes the layout of a node (deleted entries too); `None` when the
/// bytes break it.
fn decode_node(master: StreamId, lp: &Listpack) -> Option<NodeView> {
    let mut pos = lp.first();
    let next_int = |pos: &mut Option<usize>| -> Option<i64> {
        let (value, next) = lp.get_and_next((*pos)?)?;
        *pos = next;
        int_of(value)
    };
    let skip = |pos: &mut Option<usize>, count: i64| -> Option<()> {
        for _ in 0..count {
            let at = (*pos)?;
            *pos = lp.next(at);
        }
        Some(())
    };
    let count = next_int(&mut pos)?;
    let deleted = next_int(&mut pos)?;
    let num_fields = next_int(&mut pos)?;
    if count < 0 || deleted < 0 || num_fields < 0 {
        return None;
    }
    let mut master_fields = Vec::new();
    for _ in 0..num_fields {
        let (value, next) = lp.get_and_next(pos?)?;
        master_fields.push(value.to_vec());
        pos = next;
    }
    if next_int(&mut pos)? != 0 {
        return None;
    }
    let mut entries = Vec::new();
    while let Some(flags_pos) = pos {
        let flags = next_int(&mut pos)?;
        let ms_delta = next_int(&mut pos)?;
        let seq_delta = next_int(&mut pos)?;
        let id = StreamId::new(
            master.ms.wrapping_add(ms_delta as u64),
            master.seq.wrapping_add(seq_delta as u64),
        );
        let fields_pos = pos;
        let elements = if flags & FLAG_SAMEFIELDS != 0 {
            skip(&mut pos, num_fields)?;
            num_fields + 3
        } else {
            let n = next_int(&mut pos)?;
            let values = n.checked_mul(2).filter(|_| n >= 0)?;
            skip(&mut pos, values)?;
            values.checked_add(4)?
        };
        if next_int(&mut pos)? != elements {
            return None;
        }
        entries.push(RawEntry {
            id,
            flags,
            flags_pos,
            fields_pos,
        });
    }
    Some(NodeView {
        count,
        deleted,
        master_fields,
        entries,
    })
}

/// A stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stream {
    nodes: BTreeMap<StreamId, Listpack>,
    length: u64,
    /// Greatest ID ever added (or set by XSETID).
    pub last_id: StreamId,
    /// ID of the first live entry (`0-0` when empty).
    pub first_id: StreamId,
    /// Greatest ID ever deleted by XDEL.
    pub max_deleted_entry_id: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
    /// Consumer groups by name.
    pub groups: BTreeMap<Vec<u8>, ConsumerGroup>,
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// Number of live entries.
    pub fn len(&self) -> u64 {
        self.length
    }

    /// True when there is no live entry.
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Number of listpack nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The nodes, by master ID (for RDB).
    pub fn nodes(&self) -> impl Iterator<Item = (&StreamId, &Listpack)> {
        self.nodes.iter()
    }

    /// Adds an entry with `fields` (field, value pairs flattened; an odd
    /// last element is ignored); returns its ID (Redis's
    /// `streamAppendItem`).
    ///
    /// # Errors
    /// [`AddError::NotGreater`] when the ID is not above the last ID,
    /// [`AddError::TooLarge`] when the elements exceed a node's maximum.
    pub fn add(
        &mut self,
        spec: IdSpec,
        fields: &[&[u8]],
        now_ms: u64,
        limits: NodeLimits,
    ) -> Result<StreamId, AddError> {
        let id = match spec {
            IdSpec::Auto => {
                if now_ms > self.last_id.ms {
                    StreamId::new(now_ms, 0)
                } else {
                    self.last_id.successor().ok_or(AddError::NotGreater)?
                }
            }
            IdSpec::Ms(ms) => {
                if self.last_id.ms == ms {
                    if self.last_id.seq == u64::MAX {
                        return Err(AddError::NotGreater);
                    }
                    StreamId::new(ms, self.last_id.seq + 1)
                } else {
                    StreamId::new(ms, 0)
                }
            }
            IdSpec::Exact(id) => id,
        };
        if id <= self.last_id {
            return Err(AddError::NotGreater);
        }
        let fields = &fields[..fields.len() - fields.len() % 2];
        let total: usize = fields.iter().map(|f| f.len()).sum();
        if total > LISTPACK_MAX_SIZE {
            return Err(AddError::TooLarge);
        }
        let num_fields = (fields.len() / 2) as i64;

        let max_bytes = if limits.max_bytes == 0 || limits.max_bytes > LISTPACK_MAX_SIZE {
            LISTPACK_MAX_SIZE
        } else {
            limits.max_bytes
        };
        let mut tail = self.nodes.iter_mut().next_back();
        if let Some((_, lp)) = &tail {
            let mut full = lp.bytes_len() + total >= max_bytes;
            if !full && limits.max_entries > 0 {
                let mut pos = lp.first();
                let mut live_and_deleted = 0;
                for _ in 0..2 {
                    if let Some((value, next)) = pos.and_then(|p| lp.get_and_next(p)) {
                        live_and_deleted += int_of(value).unwrap_or(0);
                        pos = next;
                    }
                }
                full = live_and_deleted >= limits.max_entries;
            }
            if full {
                if let Some((_, lp)) = tail.as_mut() {
                    lp.shrink_to_fit();
                }
                tail = None;
            }
        }

        let mut flags = 0;
        let master;
        let lp = match tail {
            Some((master_id, lp)) => {
                master = *master_id;
                if let Some(count_pos) = lp.first() {
                    let count = lp.get(count_pos).and_then(int_of).unwrap_or(0);
                    lp.replace(count_pos, &(count + 1).to_string().into_bytes());
                }
                let mut pos = lp.first().and_then(|p| lp.next(p)).and_then(|p| lp.next(p));
                let master_fields = pos.and_then(|p| lp.get(p)).and_then(int_of);
                if master_fields == Some(num_fields) {
                    pos = pos.and_then(|p| lp.next(p));
                    let mut same = true;
                    for i in 0..fields.len() / 2 {
                        match pos.and_then(|p| lp.get_and_next(p)) {
                            Some((value, next)) if value.eq_bytes(fields[i * 2]) => pos = next,
                            _ => {
                                same = false;
                                break;
                            }
                        }
                    }
                    if same {
                        flags |= FLAG_SAMEFIELDS;
                    }
                }
                lp
            }
            None => {
                master = id;
                let mut lp = Listpack::new();
                lp.append_int(1);
                lp.append_int(0);
                lp.append_int(num_fields);
                for pair in fields.chunks_exact(2) {
                    lp.append(pair[0]);
                }
                lp.append_int(0);
                flags |= FLAG_SAMEFIELDS;
                self.nodes.entry(id).or_insert(lp)
            }
        };
        lp.append_int(flags);
        lp.append_int(id.ms.wrapping_sub(master.ms) as i64);
        lp.append_int(id.seq.wrapping_sub(master.seq) as i64);
        let same = flags & FLAG_SAMEFIELDS != 0;
        if !same {
            lp.append_int(num_fields);
        }
        for pair in fields.chunks_exact(2) {
            if !same {
                lp.append(pair[0]);
            }
            lp.append(pair[1]);
        }
        let lp_count = if same {
            num_fields + 3
        } else {
            num_fields * 2 + 4
        };
        lp.append_int(lp_count);

        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
        Ok(id)
    }

    /// Calls `visit` on the live entries between `start` and `end`
    /// (inclusive), in order or reversed, until it returns false.
    pub fn for_each_in_range(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        mut visit: impl FnMut(Entry) -> bool,
    ) {
        if start > end {
            return;
        }
        let from = self
            .nodes
            .range(..=start)
            .next_back()
            .map_or(StreamId::MIN, |(k, _)| *k);
        let nodes = self.nodes.range(from..=end);
        let mut handle = |master: &StreamId, lp: &Listpack| -> bool {
            let Some(view) = decode_node(*master, lp) else {
                return true;
            };
            let mut go = |raw: &RawEntry| -> Option<bool> {
                if raw.flags & FLAG_DELETED != 0 || raw.id < start || raw.id > end {
                    return None;
                }
                Some(visit(Entry {
                    id: raw.id,
                    fields: view.fields(lp, raw),
                }))
            };
            if rev {
                for raw in view.entries.iter().rev() {
                    if go(raw) == Some(false) {
                        return false;
                    }
                }
            } else {
                for raw in &view.entries {
                    if go(raw) == Some(false) {
                        return false;
                    }
                }
            }
            true
        };
        if rev {
            for (master, lp) in nodes.rev() {
                if !handle(master, lp) {
                    return;
                }
            }
        } else {
            for (master, lp) in nodes {
                if !handle(master, lp) {
                    return;
                }
            }
        }
    }

    /// Up to `count` live entries between `start` and `end` (0: all).
    pub fn range(&self, start: StreamId, end: StreamId, count: usize, rev: bool) -> Vec<Entry> {
        let mut out = Vec::new();
        self.for_each_in_range(start, end, rev, |entry| {
            out.push(entry);
            count == 0 || out.len() < count
        });
        out
    }

    /// The live entry `id`.
    pub fn get(&self, id: StreamId) -> Option<Entry> {
        self.range(id, id, 1, false).pop()
    }

    /// The first (or last) live entry's ID.
    pub fn edge_id(&self, first: bool) -> Option<StreamId> {
        let mut found = None;
        self.for_each_in_range(StreamId::MIN, StreamId::MAX, !first, |entry| {
            found = Some(entry.id);
            false
        });
        found
    }

    /// Marks entry `id` deleted (Redis's `streamIteratorRemoveEntry`);
    /// false if there is no such live entry. Leaves `first_id` and
    /// `max_deleted_entry_id` to the caller, as XDEL updates them once.
    pub fn remove(&mut self, id: StreamId) -> bool {
        let Some((master, lp)) = self.nodes.range_mut(..=id).next_back() else {
            return false;
        };
        let master = *master;
        let Some(view) = decode_node(master, lp) else {
            return false;
        };
        let Some(raw) = view
            .entries
            .iter()
            .find(|raw| raw.id == id && raw.flags & FLAG_DELETED == 0)
        else {
            return false;
        };
        if view.count <= 1 {
            self.nodes.remove(&master);
        } else {
            lp.replace(
                raw.flags_pos,
                &(raw.flags | FLAG_DELETED).to_string().into_bytes(),
            );
            set_counters(lp, view.count - 1, view.deleted + 1);
        }
        self.length -= 1;
        true
    }

    /// Deletes entries (XDEL): returns how many existed.
    pub fn delete_ids(&mut self, ids: &[StreamId]) -> u64 {
        let mut deleted = 0;
        let mut first_entry = false;
        for &id in ids {
            if self.remove(id) {
                deleted += 1;
                if id > self.max_deleted_entry_id {
                    self.max_deleted_entry_id = id;
                }
                if id == self.first_id {
                    first_entry = true;
                }
            }
        }
        if deleted > 0 {
            self.update_first_id(first_entry);
        }
        deleted
    }

    fn update_first_id(&mut self, changed: bool) {
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else if changed {
            self.first_id = self.edge_id(true).unwrap_or(StreamId::MAX);
        }
    }

    /// Trims the stream (Redis's `streamTrim`); returns how many entries
    /// went.
    pub fn trim(&mut self, trim: Trim) -> u64 {
        let mut deleted: i64 = 0;
        // Nodes are visited from the first by key, so the cost is the
        // number of nodes touched, not the size of the stream.
        let mut next_key = self.nodes.keys().next().copied();
        while let Some(master) = next_key {
            next_key = master
                .successor()
                .and_then(|after| self.nodes.range(after..).next().map(|(key, _)| *key));
            if let TrimStrategy::MaxLen(maxlen) = trim.strategy {
                if self.length <= maxlen {
                    break;
                }
            }
            let Some(lp) = self.nodes.get_mut(&master) else {
                continue;
            };
            let Some(view) = decode_node(master, lp) else {
                break;
            };
            let entries = view.count;
            if trim.limit > 0 && deleted + entries > trim.limit {
                break;
            }
            let remove_node = match trim.strategy {
                TrimStrategy::MaxLen(maxlen) => self.length - entries as u64 >= maxlen,
                TrimStrategy::MinId(min) => {
                    // Redis compat: the node's last entry counts even when
                    // it is deleted.
                    view.entries.last().map_or(master, |raw| raw.id) < min
                }
            };
            if remove_node {
                self.nodes.remove(&master);
                self.length -= entries as u64;
                deleted += entries;
                continue;
            }
            if trim.approx {
                break;
            }
            let mut deleted_here = 0;
            for raw in &view.entries {
                let stop = match trim.strategy {
                    TrimStrategy::MaxLen(maxlen) => self.length <= maxlen,
                    TrimStrategy::MinId(min) => raw.id >= min,
                };
                if stop {
                    break;
                }
                if raw.flags & FLAG_DELETED == 0 {
                    lp.replace(
                        raw.flags_pos,
                        &(raw.flags | FLAG_DELETED).to_string().into_bytes(),
                    );
                    deleted_here += 1;
                    self.length -= 1;
                }
            }
            deleted += deleted_here;
            // Redis compat: the node stays even when nothing live is left
            // in it; only XDEL and whole-node trimming drop nodes.
            set_counters(lp, entries - deleted_here, view.deleted + deleted_here);
            break;
        }
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else if deleted > 0 {
            self.first_id = self.edge_id(true).unwrap_or(StreamId::MAX);
        }
        deleted as u64
    }

    /// Whether a deleted entry may lie between `start` and the end
    /// (Redis's `streamRangeHasTombstones` with no end).
    pub fn range_has_tombstones(&self, start: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_entry_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_entry_id {
            return false;
        }
        start <= self.max_deleted_entry_id
    }

    /// The logical read counter of `id`, if it can be known (Redis's
    /// `streamEstimateDistanceFromFirstEverEntry`).
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        if self.length == 0 && id <= self.last_id {
            return self.entries_added as i64;
        }
        if id == self.last_id {
            return self.entries_added as i64;
        } else if id > self.last_id {
            return INVALID_ENTRIES_READ;
        }
        if self.max_deleted_entry_id.is_zero() || self.max_deleted_entry_id < self.first_id {
            if id < self.first_id {
                return self.entries_added.wrapping_sub(self.length) as i64;
            } else if id == self.first_id {
                return self.entries_added.wrapping_sub(self.length).wrapping_add(1) as i64;
            }
        }
        INVALID_ENTRIES_READ
    }

    /// A group's lag, if known (Redis's `streamReplyWithCGLag`).
    pub fn group_lag(&self, group: &ConsumerGroup) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if group.entries_read != INVALID_ENTRIES_READ && !self.range_has_tombstones(group.last_id) {
            return Some((self.entries_added as i64).wrapping_sub(group.entries_read));
        }
        let read = self.estimate_distance(group.last_id);
        (read != INVALID_ENTRIES_READ).then(|| (self.entries_added as i64).wrapping_sub(read))
    }

    /// Advances `group` past `id`, as delivering new entry `id` does.
    pub fn advance_group(&self, group: &mut ConsumerGroup, id: StreamId) {
        if id <= group.last_id {
            return;
        }
        if group.entries_read != INVALID_ENTRIES_READ && !self.range_has_tombstones(id) {
            group.entries_read = group.entries_read.wrapping_add(1);
        } else if self.entries_added != 0 {
            group.entries_read = self.estimate_distance(id);
        }
        group.last_id = id;
    }

    /// How many nodes Redis's radix tree would have for these node keys
    /// (XINFO STREAM's `radix-tree-nodes`): one per branching point, one
    /// per run of single-child bytes (compressed node), one per key end.
    pub fn rax_node_count(&self) -> usize {
        let keys: Vec<[u8; 16]> = self.nodes.keys().map(|id| id.to_be_bytes()).collect();
        if keys.is_empty() {
            return 1;
        }
        rax_nodes(&keys, 0)
    }

    /// Adds a node loaded from RDB.
    pub fn insert_node(&mut self, master: StreamId, lp: Listpack) -> bool {
        if self.nodes.contains_key(&master) {
            return false;
        }
        self.nodes.insert(master, lp);
        true
    }

    /// Sets the live entry count (RDB load).
    pub fn set_len(&mut self, length: u64) {
        self.length = length;
    }

    /// Checks every node's layout and counters, and that the IDs increase
    /// and stay within `last_id` and the recorded length.
    pub fn validate(&self) -> bool {
        let mut live = 0u64;
        let mut previous: Option<StreamId> = None;
        for (master, lp) in &self.nodes {
            let Some(view) = decode_node(*master, lp) else {
                return false;
            };
            let mut count = 0;
            let mut deleted = 0;
            for raw in &view.entries {
                if previous.is_some_and(|p| raw.id <= p) || raw.id < *master {
                    return false;
                }
                previous = Some(raw.id);
                if raw.flags & FLAG_DELETED != 0 {
                    deleted += 1;
                } else {
                    count += 1;
                }
                if raw.flags & !(FLAG_DELETED | FLAG_SAMEFIELDS) != 0 {
                    return false;
                }
            }
            if count != view.count || deleted != view.deleted {
                return false;
            }
            live += count as u64;
        }
        if previous.is_some_and(|p| p > self.last_id) {
            return false;
        }
        live == self.length
    }

    /// Heap bytes, roughly (MEMORY USAGE): the nodes, the tree, the groups.
    pub fn memory_usage(&self) -> usize {
        let nodes: usize = self.nodes.values().map(|lp| lp.allocated() + 48).sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, group)| {
                name.len()
                    + 64
                    + group
                        .pel
                        .values()
                        .map(|n| n.consumer.len() + 64)
                        .sum::<usize>()
                    + group
                        .consumers
                        .iter()
                        .map(|(name, c)| name.len() + 48 + c.pel.len() * 24)
                        .sum::<usize>()
            })
            .sum();
        std::mem::size_of::<Stream>() + nodes + groups
    }
}

/// Nodes of the rax subtree holding sorted, distinct `keys` from byte
/// `depth` on (see [`Stream::rax_node_count`]).
fn rax_nodes(keys: &[[u8; 16]], depth: usize) -> usize {
    if depth == 16 {
        return 1;
    }
    let (first, last) = (keys[0], keys[keys.len() - 1]);
    let mut end = depth;
    while end < 16 && first[end] == last[end] {
        end += 1;
    }
    if end > depth {
        // A compressed node for the shared run, then what follows it.
        return 1 + rax_nodes(keys, end);
    }
    let mut count = 1;
    let mut start = 0;
    while start < keys.len() {
        let byte = keys[start][depth];
        let stop = keys[start..]
            .iter()
            .position(|key| key[depth] != byte)
            .map_or(keys.len(), |offset| start + offset);
        count += rax_nodes(&keys[start..stop], depth + 1);
        start = stop;
    }
    count
}

/// Rewrites a node's live and deleted counters.
fn set_counters(lp: &mut Listpack, count: i64, deleted: i64) {
    if let Some(pos) = lp.first() {
        lp.replace(pos, &count.to_string().into_bytes());
    }
    if let Some(pos) = lp.first().and_then(|p| lp.next(p)) {
        lp.replace(pos, &deleted.to_string().into_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields(n: usize, tag: u8) -> Vec<Vec<u8>> {
        (0..n)
            .flat_map(|i| [format!("f{i}").into_bytes(), vec![tag; i + 1]])
            .collect()
    }

    fn add(stream: &mut Stream, id: StreamId, f: &[Vec<u8>], limits: NodeLimits) {
        let refs: Vec<&[u8]> = f.iter().map(Vec::as_slice).collect();
        assert_eq!(stream.add(IdSpec::Exact(id), &refs, 0, limits), Ok(id));
    }

    #[test]
    fn ids_follow_the_clock_and_the_last_id() {
        let mut s = Stream::new();
        let l = NodeLimits::default();
        assert_eq!(
            s.add(IdSpec::Auto, &[b"a", b"1"], 5, l),
            Ok(StreamId::new(5, 0))
        );
        assert_eq!(
            s.add(IdSpec::Auto, &[b"a", b"1"], 5, l),
            Ok(StreamId::new(5, 1))
        );
        assert_eq!(
            s.add(IdSpec::Auto, &[b"a", b"1"], 3, l),
            Ok(StreamId::new(5, 2))
        );
        assert_eq!(
            s.add(IdSpec::Ms(5), &[b"a", b"1"], 3, l),
            Ok(StreamId::new(5, 3))
        );
        assert_eq!(
            s.add(IdSpec::Ms(4), &[b"a", b"1"], 3, l),
            Err(AddError::NotGreater)
        );
        assert_eq!(
            s.add(IdSpec::Exact(StreamId::new(5, 3)), &[b"a", b"1"], 3, l),
            Err(AddError::NotGreater)
        );
        assert_eq!(s.len(), 4);
        assert!(s.validate());
    }

    #[test]
    fn nodes_split_at_the_entry_limit() {
        let mut s = Stream::new();
        let l = NodeLimits {
            max_bytes: 0,
            max_entries: 3,
        };
        for i in 1..=7 {
            add(&mut s, StreamId::new(i, 0), &fields(2, b'x'), l);
        }
        assert_eq!(s.node_count(), 3);
        assert!(s.validate());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(u8, bool),
        Del(u8),
        TrimLen(u8, bool),
        TrimMin(u8, bool),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (any::<u8>(), any::<bool>()).prop_map(|(n, s)| Op::Add(n, s)),
            2 => any::<u8>().prop_map(Op::Del),
            1 => (any::<u8>(), any::<bool>()).prop_map(|(n, a)| Op::TrimLen(n, a)),
            1 => (any::<u8>(), any::<bool>()).prop_map(|(n, a)| Op::TrimMin(n, a)),
        ]
    }

    /// The group invariant: the group PEL and the consumers' PELs hold the
    /// same IDs, each owned by the consumer its entry names.
    fn assert_pels_agree(group: &ConsumerGroup) {
        let owned: usize = group.consumers.values().map(|c| c.pel.len()).sum();
        assert_eq!(owned, group.pel.len());
        for (name, consumer) in &group.consumers {
            for id in &consumer.pel {
                assert_eq!(group.pel.get(id).map(|n| &n.consumer), Some(name));
            }
        }
    }

    proptest! {
        #[test]
        fn group_pels_stay_consistent(ops in proptest::collection::vec((0u8..4, 0u8..4, 0u64..12), 1..200)) {
            let mut group = ConsumerGroup::new(StreamId::MIN, 0);
            for (op, who, id) in ops {
                let name = [b'c', who];
                let id = StreamId::new(id, 0);
                match op {
                    0 | 1 => {
                        group.consumers.entry(name.to_vec()).or_default();
                        group.assign(id, &name, id.ms, 1);
                    }
                    2 => {
                        group.ack(id);
                    }
                    _ => {
                        let owned = group.consumers.get(&name[..]).map(|c| c.pel.len());
                        prop_assert_eq!(group.delete_consumer(&name), owned);
                    }
                }
                assert_pels_agree(&group);
            }
        }
    }

    proptest! {
        #[test]
        fn matches_an_ordered_map(ops in proptest::collection::vec(op(), 1..200), max_entries in 0i64..6) {
            let limits = NodeLimits { max_bytes: 200, max_entries };
            let mut s = Stream::new();
            let mut model: BTreeMap<StreamId, Vec<Vec<u8>>> = BTreeMap::new();
            let mut next_ms = 1u64;
            for op in ops {
                match op {
                    Op::Add(n, same) => {
                        let f = if same { fields(2, n) } else { fields(1 + n as usize % 3, n) };
                        let id = StreamId::new(next_ms, 0);
                        next_ms += 1 + n as u64 % 2;
                        add(&mut s, id, &f, limits);
                        model.insert(id, f);
                    }
                    Op::Del(n) => {
                        let id = StreamId::new(n as u64, 0);
                        let existed = model.remove(&id).is_some();
                        prop_assert_eq!(s.delete_ids(&[id]), existed as u64);
                    }
                    Op::TrimLen(n, approx) => {
                        let before = s.len();
                        let removed = s.trim(Trim { strategy: TrimStrategy::MaxLen(n as u64 % 20), approx, limit: 0 });
                        prop_assert_eq!(before - removed, s.len());
                        if !approx { prop_assert!(s.len() <= n as u64 % 20); }
                        while model.len() as u64 > s.len() {
                            let first = *model.keys().next().unwrap();
                            model.remove(&first);
                        }
                    }
                    Op::TrimMin(n, approx) => {
                        let min = StreamId::new(n as u64, 0);
                        s.trim(Trim { strategy: TrimStrategy::MinId(min), approx, limit: 0 });
                        if !approx { model.retain(|id, _| *id >= min); }
                        else { while model.len() as u64 > s.len() {
                            let first = *model.keys().next().unwrap();
                            prop_assert!(first < min);
                            model.remove(&first);
                        } }
                    }
                }
                prop_assert!(s.validate());
                prop_assert_eq!(s.len(), model.len() as u64);
                let all: Vec<(StreamId, Vec<Vec<u8>>)> = s.range(StreamId::MIN, StreamId::MAX, 0, false).into_iter().map(|e| (e.id, e.fields)).collect();
                let expected: Vec<(StreamId, Vec<Vec<u8>>)> = model.iter().map(|(k, v)| (*k, v.clone())).collect();
                prop_assert_eq!(&all, &expected);
                let rev: Vec<StreamId> = s.range(StreamId::MIN, StreamId::MAX, 3, true).into_iter().map(|e| e.id).collect();
                let expected_rev: Vec<StreamId> = model.keys().rev().take(3).copied().collect();
                prop_assert_eq!(rev, expected_rev);
                prop_assert_eq!(s.first_id, model.keys().next().copied().unwrap_or(StreamId::MIN));
            }
        }
    }
}
