//! One value as RDB stores it: a type byte and a type-specific body.
//!
//! ```text
//! string (type 0):    [RDB string]
//! ```
//!
//! The bodies of the other types, for the data types still to come (all
//! lengths in RDB length encoding, strings in RDB string encoding):
//!
//! ```text
//! list quicklist 2 (18):  [node count] then per node: [container: 1 plain,
//!                         2 packed] [RDB string: one listpack or element]
//! set (2):                [count] [string]...
//! set intset (11):        [RDB string holding an intset]
//! set listpack (20):      [RDB string holding a listpack]        (RDB 11)
//! zset 2 (5):             [count] ([member string] [8-byte LE double])...
//! zset listpack (17):     [RDB string holding a listpack]
//! hash (4):               [count] ([field string] [value string])...
//! hash listpack (16):     [RDB string holding a listpack]
//! stream listpacks 2 (19): [node count] ([16-byte master ID string]
//!                         [listpack string])... [length] [last ID]
//!                         [first ID] [max deleted ID] [entries added]
//!                         [group count] then per group: [name] [last ID]
//!                         [entries read] [PEL count] ([raw 16-byte ID]
//!                         [8-byte LE delivery ms] [delivery count])...
//!                         [consumer count] ([name] [8-byte LE seen ms]
//!                         [PEL count] [raw 16-byte ID]...)...
//!                         (IDs as two lengths, ms then seq, unless raw;
//!                         type 15 lacks first ID, max deleted ID, entries
//!                         added and entries read)
//! old encodings, load only: list (1), zset (3, text scores), zipmap (9),
//! list ziplist (10), zset ziplist (12), hash ziplist (13),
//! quicklist of ziplists (14)
//! ```
//!
//! Sets and sorted sets are read back from every type Redis 7.0 writes
//! (2, 11, 5, 17) and from the text-score sorted set (3).
//!
//! Which type Redis 7.0 *writes* follows the value's encoding: a list is
//! always type 18; a set is 11 when intset-encoded, else 2; a sorted set
//! 17 when listpack-encoded, else 5; a hash 16 when listpack-encoded, else
//! 4. Writing the same encoding as Redis is what keeps `DUMP` identical.

use super::encoding::{Reader, Writer};
use super::{rdb_type, ziplist, RdbError};
use crate::listpack::{Listpack, LpValue};
use crate::object::Value;
use crate::quicklist::NodeBytes;
use crate::score_tree::{compare, ScoreTree};
use crate::t_set::{Set, DEFAULT_MAX_INTSET_ENTRIES};
use crate::t_stream::{Consumer, ConsumerGroup, Nack, Stream, StreamId};
use crate::t_zset::{strtod, ZSet, ZSetLimits};
use std::collections::BTreeSet;

/// The type byte Redis 7.0 writes for `value`.
pub fn object_type(value: &Value) -> u8 {
    match value {
        Value::Str(_) => rdb_type::STRING,
        Value::List(_) => rdb_type::LIST_QUICKLIST_2,
        Value::Hash(hash) => match hash.listpack() {
            Some(_) => rdb_type::HASH_LISTPACK,
            None => rdb_type::HASH,
        },
        Value::Set(set) => match **set {
            Set::Intset(_) => rdb_type::SET_INTSET,
            Set::Hashtable(_) => rdb_type::SET,
        },
        Value::ZSet(zset) => match **zset {
            ZSet::Listpack(_) => rdb_type::ZSET_LISTPACK,
            ZSet::Skiplist(_) => rdb_type::ZSET_2,
        },
        Value::Stream(_) => rdb_type::STREAM_LISTPACKS_2,
    }
}

/// Quicklist node container kinds (Redis's QUICKLIST_NODE_CONTAINER_*).
const CONTAINER_PLAIN: u64 = 1;
const CONTAINER_PACKED: u64 = 2;

/// Appends the body of `value` (Redis's `rdbSaveObject`).
pub fn write_object(writer: &mut Writer, value: &Value) {
    match value {
        Value::Str(string) => writer.write_str_value(string),
        // Redis compat: a node count, then each node's container kind and
        // its listpack as a (possibly compressed) string.
        Value::List(list) => {
            writer.write_len(list.node_count() as u64);
            for node in list.node_bytes() {
                writer.write_len(CONTAINER_PACKED);
                match node {
                    NodeBytes::Raw(listpack) => writer.write_string(listpack.as_bytes()),
                    NodeBytes::Compressed(lzf, raw_len) => writer.write_lzf_blob(lzf, raw_len),
                }
            }
        }
        Value::Hash(hash) => match hash.listpack() {
            Some(listpack) => writer.write_string(listpack.as_bytes()),
            None => {
                writer.write_len(hash.len() as u64);
                for (field, value) in hash.iter() {
                    field.with_bytes(|bytes| writer.write_string(bytes));
                    value.with_bytes(|bytes| writer.write_string(bytes));
                }
            }
        },
        Value::Set(set) => match &**set {
            Set::Intset(ints) => writer.write_string(ints.as_bytes()),
            Set::Hashtable(_) => {
                writer.write_len(set.len() as u64);
                for member in set.iter() {
                    member.with_bytes(|bytes| writer.write_string(bytes));
                }
            }
        },
        Value::ZSet(zset) => match &**zset {
            ZSet::Listpack(_) => {
                if let Some(listpack) = zset.small_as_listpack() {
                    writer.write_string(listpack.as_bytes());
                }
            }
            // Redis compat: highest score first, so that Redis, loading it, inserts
            // every member at the head of its skip list.
            ZSet::Skiplist(list) => {
                writer.write_len(list.len() as u64);
                let mut node = list.last();
                while let Some(id) = node {
                    let (member, score) = list.entry(id);
                    writer.write_string(member);
                    writer.write_raw(&score.to_le_bytes());
                    node = list.prev(id);
                }
            }
        },
        Value::Stream(stream) => write_stream(writer, stream),
    }
}

/// Appends the type byte and the body of `value`.
pub fn write_typed_object(writer: &mut Writer, value: &Value) {
    writer.write_u8(object_type(value));
    write_object(writer, value);
}

/// Reads a type byte that must be an object type (Redis's
/// `rdbLoadObjectType`).
///
/// # Errors
/// Truncation, or [`RdbError::UnknownType`] for a byte that is no object
/// type of RDB 10 (opcodes included).
pub fn read_object_type(reader: &mut Reader<'_>) -> Result<u8, RdbError> {
    let byte = reader.read_u8()?;
    if rdb_type::is_object_type(byte) {
        Ok(byte)
    } else {
        Err(RdbError::UnknownType(byte))
    }
}

/// Reads the body of a value of type `object_type` (Redis's
/// `rdbLoadObject`).
///
/// # Errors
/// Malformed data, or [`RdbError::UnsupportedType`] for a type whose data
/// type Vireo does not have yet.
pub fn read_object(object_type: u8, reader: &mut Reader<'_>) -> Result<Value, RdbError> {
    match object_type {
        rdb_type::STRING => Ok(Value::Str(reader.read_string()?.into_str_value())),
        rdb_type::LIST_QUICKLIST_2 => read_quicklist_2(reader),
        rdb_type::HASH_LISTPACK => {
            let listpack = read_listpack(reader)?;
            let hash = crate::t_hash::Hash::from_listpack(listpack).ok_or(RdbError::BadData)?;
            if hash.is_empty() {
                return Err(RdbError::BadData);
            }
            Ok(Value::Hash(Box::new(hash)))
        }
        rdb_type::HASH => read_hash_table(reader),
        rdb_type::SET => read_set(reader),
        rdb_type::SET_INTSET => read_intset(reader),
        rdb_type::ZSET_2 => read_zset(reader, ScoreFormat::Binary),
        rdb_type::ZSET => read_zset(reader, ScoreFormat::Text),
        rdb_type::ZSET_LISTPACK => read_zset_listpack(reader),
        rdb_type::LIST => read_linked_list(reader),
        rdb_type::LIST_ZIPLIST => {
            let entries = ziplist::decode_ziplist(&reader.read_string()?.into_bytes())?;
            list_from_elements(entries)
        }
        rdb_type::LIST_QUICKLIST => {
            let nodes = reader.read_len()?;
            let mut elements = Vec::new();
            for _ in 0..nodes {
                let node = ziplist::decode_ziplist(&reader.read_string()?.into_bytes())?;
                // Redis compat: an empty node is corrupt.
                if node.is_empty() {
                    return Err(RdbError::BadData);
                }
                elements.extend(node);
            }
            list_from_elements(elements)
        }
        rdb_type::HASH_ZIPMAP => {
            let pairs = ziplist::decode_zipmap(&reader.read_string()?.into_bytes())?;
            hash_from_pairs(pairs)
        }
        rdb_type::HASH_ZIPLIST => {
            let entries = ziplist::decode_ziplist(&reader.read_string()?.into_bytes())?;
            hash_from_pairs(pairs_of(entries)?)
        }
        rdb_type::ZSET_ZIPLIST => {
            let entries = ziplist::decode_ziplist(&reader.read_string()?.into_bytes())?;
            zset_from_pairs(pairs_of(entries)?)
        }
        rdb_type::STREAM_LISTPACKS => read_stream(reader, false),
        rdb_type::STREAM_LISTPACKS_2 => read_stream(reader, true),
        // Modules, which Vireo does not plan.
        rdb_type::MODULE | rdb_type::MODULE_2 => Err(RdbError::UnsupportedType(object_type)),
        other => Err(RdbError::UnknownType(other)),
    }
}

/// Writes a stream (type 19): nodes, metadata, then each group with its
/// PEL and consumers.
fn write_stream(writer: &mut Writer, stream: &Stream) {
    writer.write_len(stream.node_count() as u64);
    for (master, lp) in stream.nodes() {
        writer.write_string(&master.to_be_bytes());
        writer.write_string(lp.as_bytes());
    }
    writer.write_len(stream.len());
    for id in [stream.last_id, stream.first_id, stream.max_deleted_entry_id] {
        writer.write_len(id.ms);
        writer.write_len(id.seq);
    }
    writer.write_len(stream.entries_added);
    writer.write_len(stream.groups.len() as u64);
    for (name, group) in &stream.groups {
        writer.write_string(name);
        writer.write_len(group.last_id.ms);
        writer.write_len(group.last_id.seq);
        // Redis compat: an unknown counter (-1) is written as a 64-bit
        // length, all ones.
        writer.write_len(group.entries_read as u64);
        writer.write_len(group.pel.len() as u64);
        for (id, nack) in &group.pel {
            writer.write_raw(&id.to_be_bytes());
            writer.write_raw(&nack.delivery_time.to_le_bytes());
            writer.write_len(nack.delivery_count);
        }
        writer.write_len(group.consumers.len() as u64);
        for (name, consumer) in &group.consumers {
            writer.write_string(name);
            writer.write_raw(&consumer.seen_time.to_le_bytes());
            writer.write_len(consumer.pel.len() as u64);
            for id in &consumer.pel {
                writer.write_raw(&id.to_be_bytes());
            }
        }
    }
}

fn read_raw_id(reader: &mut Reader<'_>) -> Result<StreamId, RdbError> {
    let bytes: [u8; 16] = reader
        .read_bytes(16)?
        .try_into()
        .map_err(|_| RdbError::Truncated)?;
    Ok(StreamId::from_be_bytes(&bytes))
}

fn read_ms_time(reader: &mut Reader<'_>) -> Result<u64, RdbError> {
    let bytes: [u8; 8] = reader
        .read_bytes(8)?
        .try_into()
        .map_err(|_| RdbError::Truncated)?;
    Ok(u64::from_le_bytes(bytes))
}

/// Reads a stream of type 15 (`v2` false: no first ID, deleted ID, added
/// count or group read counters, which are derived instead) or 19. Every
/// node is checked entry by entry, and every pending entry must belong to
/// exactly one consumer, so commands never meet an inconsistent stream.
fn read_stream(reader: &mut Reader<'_>, v2: bool) -> Result<Value, RdbError> {
    let mut stream = Stream::new();
    let nodes = reader.read_len()?;
    for _ in 0..nodes {
        let key = reader.read_string()?.into_bytes();
        let key: [u8; 16] = key.as_slice().try_into().map_err(|_| RdbError::BadData)?;
        let lp = read_listpack(reader)?;
        if lp.is_empty() || !stream.insert_node(StreamId::from_be_bytes(&key), lp) {
            return Err(RdbError::BadData);
        }
    }
    stream.set_len(reader.read_len()?);
    stream.last_id = StreamId::new(reader.read_len()?, reader.read_len()?);
    if v2 {
        stream.first_id = StreamId::new(reader.read_len()?, reader.read_len()?);
        stream.max_deleted_entry_id = StreamId::new(reader.read_len()?, reader.read_len()?);
        stream.entries_added = reader.read_len()?;
    } else {
        stream.entries_added = stream.len();
        stream.first_id = stream.edge_id(true).unwrap_or(StreamId::MAX);
    }
    if !stream.validate() {
        return Err(RdbError::BadData);
    }
    let groups = reader.read_len()?;
    for _ in 0..groups {
        let name = reader.read_string()?.into_bytes();
        let last_id = StreamId::new(reader.read_len()?, reader.read_len()?);
        let entries_read = if v2 {
            reader.read_len()? as i64
        } else {
            stream.estimate_distance(last_id)
        };
        let mut group = ConsumerGroup::new(last_id, entries_read);
        let mut owned_ids = BTreeSet::new();
        let pending = reader.read_len()?;
        for _ in 0..pending {
            let id = read_raw_id(reader)?;
            let delivery_time = read_ms_time(reader)?;
            let delivery_count = reader.read_len()?;
            let nack = Nack {
                consumer: Vec::new(),
                delivery_time,
                delivery_count,
            };
            if group.pel.insert(id, nack).is_some() {
                return Err(RdbError::BadData);
            }
        }
        let consumers = reader.read_len()?;
        for _ in 0..consumers {
            let consumer_name = reader.read_string()?.into_bytes();
            let seen_time = read_ms_time(reader)?;
            let mut consumer = Consumer {
                seen_time,
                pel: BTreeSet::new(),
            };
            let owned = reader.read_len()?;
            for _ in 0..owned {
                let id = read_raw_id(reader)?;
                let nack = group.pel.get_mut(&id).ok_or(RdbError::BadData)?;
                if !owned_ids.insert(id) || !consumer.pel.insert(id) {
                    return Err(RdbError::BadData);
                }
                nack.consumer = consumer_name.clone();
            }
            if group.consumers.insert(consumer_name, consumer).is_some() {
                return Err(RdbError::BadData);
            }
        }
        // Redis compat: a pending entry nobody owns is corrupt (Redis's
        // deep sanitization refuses it; it would crash later otherwise).
        if group
            .pel
            .values()
            .any(|nack| !group.consumers.contains_key(&nack.consumer))
        {
            return Err(RdbError::BadData);
        }
        if stream.groups.insert(name, group).is_some() {
            return Err(RdbError::BadData);
        }
    }
    Ok(Value::Stream(Box::new(stream)))
}

/// Reads a type byte and the body that follows.
///
/// # Errors
/// As [`read_object_type`] and [`read_object`].
pub fn read_typed_object(reader: &mut Reader<'_>) -> Result<Value, RdbError> {
    let object_type = read_object_type(reader)?;
    read_object(object_type, reader)
}

/// A listpack stored as an RDB string, validated before use.
fn read_listpack(reader: &mut Reader<'_>) -> Result<Listpack, RdbError> {
    let bytes = reader.read_string()?.into_bytes();
    Listpack::from_bytes(bytes).map_err(|_| RdbError::BadData)
}

/// RDB_TYPE_LIST (before Redis 3.2): an element count, then the elements.
fn read_linked_list(reader: &mut Reader<'_>) -> Result<Value, RdbError> {
    let count = reader.read_len()?;
    let mut elements = Vec::new();
    for _ in 0..count {
        elements.push(reader.read_string()?.into_bytes());
    }
    list_from_elements(elements)
}

/// A list of `elements` in Redis 7.0's default node size; empty is corrupt.
fn list_from_elements(elements: Vec<Vec<u8>>) -> Result<Value, RdbError> {
    const DEFAULT_FILL: i64 = -2;
    if elements.is_empty() {
        return Err(RdbError::BadData);
    }
    let mut list = crate::t_list::List::new();
    for element in &elements {
        list.push_back(element, DEFAULT_FILL);
    }
    Ok(Value::List(Box::new(list)))
}

/// Consecutive entries as (first, second) pairs; an odd count is corrupt.
fn pairs_of(entries: Vec<Vec<u8>>) -> Result<ziplist::Pairs, RdbError> {
    if entries.len() % 2 != 0 {
        return Err(RdbError::BadData);
    }
    let mut entries = entries.into_iter();
    let mut pairs = Vec::new();
    while let (Some(first), Some(second)) = (entries.next(), entries.next()) {
        pairs.push((first, second));
    }
    Ok(pairs)
}

/// A hash of (field, value) pairs, converted past the default thresholds
/// as Redis converts it; a repeated field or no field is corrupt.
fn hash_from_pairs(pairs: ziplist::Pairs) -> Result<Value, RdbError> {
    if pairs.is_empty() {
        return Err(RdbError::BadData);
    }
    let limits = crate::t_hash::HashLimits::default();
    let mut hash = crate::t_hash::Hash::new();
    for (field, value) in pairs {
        if hash.contains(&field) {
            return Err(RdbError::BadData);
        }
        hash.set(&field, &value, limits);
    }
    Ok(Value::Hash(Box::new(hash)))
}

/// A sorted set of (member, score text) pairs; a repeated member, a score
/// that is not a number, or no member is corrupt.
fn zset_from_pairs(pairs: ziplist::Pairs) -> Result<Value, RdbError> {
    if pairs.is_empty() {
        return Err(RdbError::BadData);
    }
    let limits = ZSetLimits::default();
    let mut zset = ZSet::Listpack(Vec::new());
    for (member, score) in pairs {
        let parsed = strtod(&score);
        if parsed.consumed != score.len() || score.is_empty() || parsed.value.is_nan() {
            return Err(RdbError::BadData);
        }
        if zset.score(&member).is_some() {
            return Err(RdbError::BadData);
        }
        zset.insert(&member, parsed.value, limits);
    }
    Ok(Value::ZSet(Box::new(zset)))
}

/// RDB_TYPE_LIST_QUICKLIST_2: node count, then (container, listpack) per node.
fn read_quicklist_2(reader: &mut Reader<'_>) -> Result<Value, RdbError> {
    let nodes = reader.read_len()?;
    let mut listpacks = Vec::new();
    for _ in 0..nodes {
        let container = reader.read_len()?;
        match container {
            CONTAINER_PACKED => listpacks.push(read_listpack(reader)?),
            CONTAINER_PLAIN => {
                // A single large element stored as is: keep it as a
                // one-element node.
                let element = reader.read_string()?.into_bytes();
                let mut node = Listpack::new();
                node.append(&element);
                listpacks.push(node);
            }
            _ => return Err(RdbError::BadData),
        }
    }
    let list = crate::t_list::List::from_nodes(listpacks);
    if list.is_empty() {
        return Err(RdbError::BadData);
    }
    Ok(Value::List(Box::new(list)))
}

/// RDB_TYPE_HASH: a pair count, then field and value strings; converted to
/// the table encoding as Redis does past 128 pairs or 64-byte elements.
fn read_hash_table(reader: &mut Reader<'_>) -> Result<Value, RdbError> {
    let pairs = reader.read_len()?;
    if pairs == 0 {
        return Err(RdbError::BadData);
    }
    let limits = crate::t_hash::HashLimits::default();
    let mut hash = crate::t_hash::Hash::new();
    for _ in 0..pairs {
        let field = reader.read_string()?.into_bytes();
        let value = reader.read_string()?.into_bytes();
        if hash.contains(&field) {
            return Err(RdbError::BadData);
        }
        hash.set(&field, &value, limits);
    }
    Ok(Value::Hash(Box::new(hash)))
}

/// RDB_TYPE_SET: a member count, then member strings. An intset while
/// every member is an integer and the count fits `set-max-intset-entries`
/// (Redis's `rdbLoadObject` decides from the count before reading), else
/// a table. A repeated member is corrupt data.
fn read_set(reader: &mut Reader<'_>) -> Result<Value, RdbError> {
    let count = reader.read_len()?;
    if count == 0 {
        return Err(RdbError::BadData);
    }
    let mut set = if count > DEFAULT_MAX_INTSET_ENTRIES as u64 {
        Set::new_hashtable()
    } else {
        Set::new_intset()
    };
    for _ in 0..count {
        let member = reader.read_string()?.into_bytes();
        if !set.add(&member, DEFAULT_MAX_INTSET_ENTRIES) {
            return Err(RdbError::BadData);
        }
    }
    Ok(Value::Set(Box::new(set)))
}

/// RDB_TYPE_SET_INTSET: an intset blob. It is checked in full (width,
/// length, strictly ascending values), stricter than Redis's default
/// shallow check, because lookups binary-search it. A table past
/// `set-max-intset-entries`, as Redis converts it.
fn read_intset(reader: &mut Reader<'_>) -> Result<Value, RdbError> {
    let bytes = reader.read_string()?.into_bytes();
    let ints = crate::intset::IntSet::from_bytes(bytes).ok_or(RdbError::BadData)?;
    if ints.is_empty() {
        return Err(RdbError::BadData);
    }
    let mut set = Set::Intset(ints);
    if set.len() > DEFAULT_MAX_INTSET_ENTRIES {
        set.convert_to_hashtable(0);
    }
    Ok(Value::Set(Box::new(set)))
}

/// How a sorted set's scores are stored.
#[derive(Clone, Copy)]
enum ScoreFormat {
    /// RDB_TYPE_ZSET_2: 8 bytes, little-endian IEEE 754.
    Binary,
    /// RDB_TYPE_ZSET: a length byte and that much text; 253, 254 and 255
    /// stand for NaN, +inf and -inf.
    Text,
}

/// A text score (Redis's `rdbLoadDoubleValue`).
fn read_text_score(reader: &mut Reader<'_>) -> Result<f64, RdbError> {
    match reader.read_u8()? {
        253 => Ok(f64::NAN),
        254 => Ok(f64::INFINITY),
        255 => Ok(f64::NEG_INFINITY),
        len => {
            let text = reader.read_bytes(u64::from(len))?;
            // Redis compat: read with sscanf("%lg"), so a valid prefix is
            // enough; text with no number at all is corrupt.
            let parsed = strtod(text);
            if parsed.consumed == 0 {
                return Err(RdbError::BadData);
            }
            Ok(parsed.value)
        }
    }
}

/// RDB_TYPE_ZSET_2 and RDB_TYPE_ZSET: a member count, then member and
/// score pairs in any order; loaded into the big encoding and converted to the
/// small encoding afterwards if it fits, as Redis does. A NaN score or a
/// repeated member is corrupt data.
fn read_zset(reader: &mut Reader<'_>, format: ScoreFormat) -> Result<Value, RdbError> {
    let count = reader.read_len()?;
    if count == 0 {
        return Err(RdbError::BadData);
    }
    let mut list = ScoreTree::new();
    for _ in 0..count {
        let member = reader.read_string()?.into_bytes();
        let score = match format {
            ScoreFormat::Binary => reader.read_f64_le()?,
            ScoreFormat::Text => read_text_score(reader)?,
        };
        if score.is_nan() || list.score(&member).is_some() {
            return Err(RdbError::BadData);
        }
        list.insert(score, member.into_boxed_slice());
    }
    let mut zset = ZSet::Skiplist(list);
    zset.shrink_if_fits(ZSetLimits::default());
    Ok(Value::ZSet(Box::new(zset)))
}

/// RDB_TYPE_ZSET_LISTPACK: a listpack of member, score, member, score...
/// Besides the listpack itself, the pairs are checked (scores are numbers,
/// not NaN; members unique; strictly in (score, member) order), which Redis
/// leaves to its deep sanitization, because lookups rely on the order. A
/// big encoding past `zset-max-listpack-entries`, as Redis converts it.
fn read_zset_listpack(reader: &mut Reader<'_>) -> Result<Value, RdbError> {
    let listpack = read_listpack(reader)?;
    let mut elements = listpack.iter();
    let mut pairs: Vec<(Box<[u8]>, f64)> = Vec::new();
    let mut members = std::collections::HashSet::new();
    while let Some(member) = elements.next() {
        let score = match elements.next().ok_or(RdbError::BadData)? {
            LpValue::Int(value) => value as f64,
            LpValue::Str(text) => {
                let parsed = strtod(text);
                if parsed.consumed != text.len() || text.is_empty() || parsed.value.is_nan() {
                    return Err(RdbError::BadData);
                }
                // The small encoding keeps -0 as 0, as a listpack written
                // by Redis would.
                parsed.value + 0.0
            }
        };
        let member: Box<[u8]> = member.to_vec().into_boxed_slice();
        if let Some((last_member, last_score)) = pairs.last() {
            if compare(*last_score, last_member, score, &member) != std::cmp::Ordering::Less {
                return Err(RdbError::BadData);
            }
        }
        if !members.insert(member.clone()) {
            return Err(RdbError::BadData);
        }
        pairs.push((member, score));
    }
    if pairs.is_empty() {
        return Err(RdbError::BadData);
    }
    let mut zset = ZSet::Listpack(pairs);
    if zset.len() > ZSetLimits::default().max_listpack_entries {
        zset.convert_to_skiplist();
    }
    Ok(Value::ZSet(Box::new(zset)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::StrValue;

    #[test]
    fn strings_round_trip_with_their_encoding() {
        for text in [
            &b"12"[..],
            b"hello",
            &[b'x'; 44],
            &[b'y'; 45],
            b"99999999999",
        ] {
            let value = Value::Str(StrValue::from_bytes(text));
            let mut writer = Writer::new(true);
            write_typed_object(&mut writer, &value);
            let bytes = writer.into_bytes();
            assert_eq!(bytes[0], rdb_type::STRING);
            let loaded = read_typed_object(&mut Reader::new(&bytes));
            assert_eq!(loaded.as_ref().map(Value::encoding), Ok(value.encoding()));
            assert_eq!(loaded, Ok(value));
        }
    }

    #[test]
    fn types_are_known_unsupported_or_unknown() {
        for byte in 0..=255u8 {
            let result = read_typed_object(&mut Reader::new(&[byte, 0x00]));
            match byte {
                0 => assert!(result.is_ok()),
                // Loadable types whose body here (an empty collection) is invalid.
                1..=5 | 9..=14 | 16..=18 => assert_eq!(result, Err(RdbError::BadData)),
                6 | 7 => assert_eq!(result, Err(RdbError::UnsupportedType(byte))),
                // Streams: no node, then the length is missing.
                15 | 19 => assert_eq!(result, Err(RdbError::Truncated)),
                _ => assert_eq!(result, Err(RdbError::UnknownType(byte))),
            }
        }
    }

    fn sample_stream() -> Stream {
        use crate::t_stream::{IdSpec, NodeLimits};
        let limits = NodeLimits {
            max_bytes: 4096,
            max_entries: 3,
        };
        let mut stream = Stream::new();
        for i in 1..=10u64 {
            let value = format!("value-{i}");
            let fields: [&[u8]; 4] = [b"f", value.as_bytes(), b"n", b"12"];
            let id = IdSpec::Exact(StreamId::new(i, 0));
            assert!(stream.add(id, &fields, 0, limits).is_ok());
        }
        stream.delete_ids(&[StreamId::new(2, 0), StreamId::new(7, 0)]);
        let mut group = ConsumerGroup::new(StreamId::new(5, 0), 5);
        for name in [&b"alice"[..], b"bob"] {
            group.consumers.insert(name.to_vec(), Consumer::default());
        }
        group.assign(StreamId::new(3, 0), b"alice", 1000, 2);
        group.assign(StreamId::new(4, 0), b"bob", 2000, 1);
        stream.groups.insert(b"g".to_vec(), group);
        stream
    }

    #[test]
    fn streams_round_trip_and_refuse_damaged_bodies() {
        let value = Value::Stream(Box::new(sample_stream()));
        let mut writer = Writer::new(false);
        write_typed_object(&mut writer, &value);
        let bytes = writer.into_bytes();
        assert_eq!(bytes[0], rdb_type::STREAM_LISTPACKS_2);
        assert_eq!(read_typed_object(&mut Reader::new(&bytes)), Ok(value));
        for len in 0..bytes.len() {
            assert!(read_typed_object(&mut Reader::new(&bytes[..len])).is_err());
        }
        // Damage anywhere is refused or yields a consistent stream; it
        // never panics, and what loads survives another round trip.
        for at in 1..bytes.len() {
            for flip in [0x01u8, 0x10, 0x80] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                if let Ok(loaded) = read_typed_object(&mut Reader::new(&damaged)) {
                    let mut writer = Writer::new(false);
                    write_typed_object(&mut writer, &loaded);
                    let again = writer.into_bytes();
                    assert_eq!(read_typed_object(&mut Reader::new(&again)), Ok(loaded));
                }
            }
        }
    }

    #[test]
    fn a_pending_entry_without_an_owner_is_refused() {
        let mut stream = sample_stream();
        if let Some(group) = stream.groups.get_mut(&b"g"[..]) {
            group.consumers.remove(&b"bob"[..]);
        }
        let mut writer = Writer::new(false);
        write_typed_object(&mut writer, &Value::Stream(Box::new(stream)));
        let bytes = writer.into_bytes();
        assert_eq!(
            read_typed_object(&mut Reader::new(&bytes)),
            Err(RdbError::BadData)
        );
    }

    fn set_of(members: &[&[u8]]) -> Value {
        let mut set = Set::new_intset();
        for member in members {
            set.add(member, DEFAULT_MAX_INTSET_ENTRIES);
        }
        Value::Set(Box::new(set))
    }

    fn zset_of(pairs: &[(&[u8], f64)]) -> Value {
        let limits = ZSetLimits::default();
        let mut zset = ZSet::new(0, 0, limits);
        for (member, score) in pairs {
            zset.insert(member, *score, limits);
        }
        Value::ZSet(Box::new(zset))
    }

    fn collections() -> Vec<Value> {
        let many: Vec<Vec<u8>> = (0..600)
            .map(|i| format!("{}", i * 7).into_bytes())
            .collect();
        let many: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
        let long = vec![b'm'; 65];
        let members: Vec<Vec<u8>> = (0..200).map(|i| format!("m{i}").into_bytes()).collect();
        let pairs: Vec<(&[u8], f64)> = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.as_slice(), (i % 7) as f64 - 2.5))
            .collect();
        vec![
            set_of(&[b"3", b"-1", b"70000", b"5000000000"]),
            set_of(&[b"a", b"1", b"bb"]),
            set_of(&many),
            zset_of(&[
                (b"a", 1.0),
                (b"b", 1.5),
                (b"c", -0.0),
                (b"d", f64::INFINITY),
            ]),
            zset_of(&[(b"x", 2.0), (&long, 1.0)]),
            zset_of(&pairs),
        ]
    }

    fn dump(value: &Value) -> Vec<u8> {
        let mut writer = Writer::new(true);
        write_typed_object(&mut writer, value);
        writer.into_bytes()
    }

    #[test]
    fn sets_and_sorted_sets_round_trip_with_their_encoding() {
        for value in collections() {
            let bytes = dump(&value);
            let loaded = read_typed_object(&mut Reader::new(&bytes));
            assert_eq!(loaded.as_ref().map(Value::encoding), Ok(value.encoding()));
            assert_eq!(loaded, Ok(value));
        }
    }

    #[test]
    fn truncated_set_and_sorted_set_bodies_are_errors() {
        for value in collections() {
            let bytes = dump(&value);
            for end in 0..bytes.len() {
                let mut reader = Reader::new(&bytes[..end]);
                assert!(read_typed_object(&mut reader).is_err(), "{end} bytes");
            }
        }
    }

    /// An RDB string (6-bit length, so under 64 bytes) around `bytes`.
    fn short_string(bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }

    fn listpack_of(elements: &[&[u8]]) -> Vec<u8> {
        let mut listpack = Listpack::new();
        for element in elements {
            listpack.append(element);
        }
        listpack.as_bytes().to_vec()
    }

    #[test]
    fn corrupt_sets_and_sorted_sets_are_refused() {
        let zset_listpack = |elements: &[&[u8]]| {
            let mut bytes = vec![rdb_type::ZSET_LISTPACK];
            bytes.extend(short_string(&listpack_of(elements)));
            bytes
        };
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("duplicate set member", vec![2, 2, 1, b'a', 1, b'a']),
            ("duplicate intset member", vec![2, 2, 1, b'1', 1, b'1']),
            ("intset out of order", {
                let mut b = vec![11, 12, 2, 0, 0, 0, 2, 0, 0, 0];
                b.extend_from_slice(&[5, 0, 3, 0]);
                b
            }),
            ("empty intset", vec![11, 8, 2, 0, 0, 0, 0, 0, 0, 0]),
            (
                "intset width 3",
                vec![11, 11, 3, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3],
            ),
            ("NaN binary score", {
                let mut b = vec![5, 1, 1, b'a'];
                b.extend_from_slice(&f64::NAN.to_le_bytes());
                b
            }),
            ("NaN text score", vec![3, 1, 1, b'a', 253]),
            ("text score without a number", vec![3, 1, 1, b'a', 1, b'x']),
            ("duplicate zset member", {
                let mut b = vec![5, 2, 1, b'a'];
                b.extend_from_slice(&1.0f64.to_le_bytes());
                b.extend_from_slice(&[1, b'a']);
                b.extend_from_slice(&2.0f64.to_le_bytes());
                b
            }),
            ("odd listpack", zset_listpack(&[b"a", b"1", b"b"])),
            (
                "listpack out of order",
                zset_listpack(&[b"a", b"2", b"b", b"1"]),
            ),
            (
                "listpack duplicate",
                zset_listpack(&[b"a", b"1", b"b", b"2", b"a", b"3"]),
            ),
            (
                "listpack score not a number",
                zset_listpack(&[b"a", b"one"]),
            ),
            ("listpack NaN score", zset_listpack(&[b"a", b"nan"])),
            ("empty listpack", zset_listpack(&[])),
        ];
        for (name, bytes) in cases {
            let result = read_typed_object(&mut Reader::new(&bytes));
            assert_eq!(result, Err(RdbError::BadData), "{name}");
        }
    }

    #[test]
    fn text_scores_and_big_listpacks_load_like_redis() {
        let mut bytes = vec![3, 2, 1, b'a', 3];
        bytes.extend_from_slice(b"1.5");
        bytes.extend_from_slice(&[1, b'b', 254]);
        let loaded = read_typed_object(&mut Reader::new(&bytes));
        assert_eq!(loaded, Ok(zset_of(&[(b"a", 1.5), (b"b", f64::INFINITY)])));
        let members: Vec<Vec<u8>> = (0..130).map(|i| format!("m{i:03}").into_bytes()).collect();
        let mut elements: Vec<&[u8]> = Vec::new();
        for member in &members {
            elements.push(member);
            elements.push(b"1");
        }
        let listpack = listpack_of(&elements);
        let mut writer = Writer::new(false);
        writer.write_u8(rdb_type::ZSET_LISTPACK);
        writer.write_string(&listpack);
        let bytes = writer.into_bytes();
        let loaded = read_typed_object(&mut Reader::new(&bytes));
        assert_eq!(loaded.as_ref().map(Value::encoding), Ok("skiplist"));
    }

    proptest::proptest! {
        #[test]
        fn corrupted_collections_never_panic(
            which in 0usize..6,
            flips in proptest::collection::vec((0usize..4096, proptest::prelude::any::<u8>()), 1..8),
        ) {
            let mut bytes = dump(&collections()[which]);
            for (at, byte) in flips {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            let _ = read_typed_object(&mut Reader::new(&bytes));
        }
    }
}
