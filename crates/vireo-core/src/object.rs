//! Values stored in the keyspace and the encodings Redis reports for them.

/// Strings longer than this are reported as `raw` rather than `embstr`.
// Redis compat: 44 bytes is where Redis stops embedding the string in the
// object header; clients and tests read OBJECT ENCODING.
pub const EMBSTR_SIZE_LIMIT: usize = 44;

/// Bytes stored inline, with no allocation, up to this length.
pub const INLINE_CAPACITY: usize = 22;

/// A byte string that stores short contents inline.
///
/// Three forms, chosen so the value fits in 24 bytes and the common small
/// string costs no allocation at all:
/// - inline: up to [`INLINE_CAPACITY`] bytes inside the value;
/// - boxed: an exact-size heap copy, never modified in place (Redis's
///   `embstr` up to 44 bytes, `raw` beyond);
/// - growable: a `Vec` behind a box, for strings modified in place
///   (APPEND, SETRANGE), which Redis always reports as `raw`. The extra
///   indirection keeps the common forms small.
#[derive(Clone)]
pub struct Bytes(Repr);

#[derive(Clone)]
enum Repr {
    Inline {
        len: u8,
        buf: [u8; INLINE_CAPACITY],
    },
    Boxed(Box<[u8]>),
    // Boxed on purpose: a bare Vec would make every value 32 bytes.
    #[allow(clippy::box_collection)]
    Growable(Box<Vec<u8>>),
}

impl Bytes {
    /// A copy of `bytes`, inline when short enough.
    pub fn from_slice(bytes: &[u8]) -> Bytes {
        if bytes.len() <= INLINE_CAPACITY {
            let mut buf = [0; INLINE_CAPACITY];
            buf[..bytes.len()].copy_from_slice(bytes);
            Bytes(Repr::Inline {
                len: bytes.len() as u8,
                buf,
            })
        } else {
            Bytes(Repr::Boxed(bytes.into()))
        }
    }

    /// The contents as a growable vector, converting in place if needed.
    pub fn make_vec(&mut self) -> &mut Vec<u8> {
        if !matches!(self.0, Repr::Growable(_)) {
            self.0 = Repr::Growable(Box::new(self.to_vec()));
        }
        match &mut self.0 {
            Repr::Growable(vec) => vec,
            // INVARIANT: converted to the growable form just above.
            _ => unreachable!("converted to a growable vector above"),
        }
    }

    /// Whether Redis would report this string as `raw` rather than `embstr`.
    pub fn is_raw(&self) -> bool {
        match &self.0 {
            Repr::Inline { .. } => false,
            Repr::Boxed(bytes) => bytes.len() > EMBSTR_SIZE_LIMIT,
            Repr::Growable(_) => true,
        }
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => &buf[..usize::from(*len)],
            Repr::Boxed(bytes) => bytes,
            Repr::Growable(vec) => vec,
        }
    }
}

impl From<Vec<u8>> for Bytes {
    /// A vector becomes a growable (`raw`) string, as strings built by
    /// in-place edits are in Redis.
    fn from(vec: Vec<u8>) -> Bytes {
        Bytes(Repr::Growable(Box::new(vec)))
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Bytes) -> bool {
        **self == **other
    }
}

impl Eq for Bytes {}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

/// A string value: integers that round-trip are stored as integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrValue {
    /// A value whose bytes are the canonical decimal form of this integer.
    Int(i64),
    /// Any other bytes.
    Bytes(Bytes),
}

impl StrValue {
    /// Stores `bytes`, as an integer when Redis would.
    pub fn from_bytes(bytes: &[u8]) -> StrValue {
        // Redis compat: only strings of at most 20 characters that parse as a
        // canonical i64 are turned into integers (tryObjectEncoding).
        if bytes.len() <= 20 {
            if let Some(value) = crate::util::parse_i64(bytes) {
                return StrValue::Int(value);
            }
        }
        StrValue::Bytes(Bytes::from_slice(bytes))
    }

    /// Length in bytes of the string form.
    pub fn len(&self) -> usize {
        match self {
            StrValue::Int(value) => crate::util::format_i64(&mut [0; 20], *value).len(),
            StrValue::Bytes(bytes) => bytes.len(),
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` with the string form, formatting integers on the stack.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            StrValue::Int(value) => f(crate::util::format_i64(&mut [0; 20], *value)),
            StrValue::Bytes(bytes) => f(bytes),
        }
    }

    /// The bytes, for in-place modification (APPEND, SETRANGE); an integer
    /// becomes its decimal text, as Redis turns it into a raw string.
    pub fn make_bytes(&mut self) -> &mut Vec<u8> {
        if let StrValue::Int(value) = *self {
            *self = StrValue::Bytes(Bytes::from(
                crate::util::format_i64(&mut [0; 20], value).to_vec(),
            ));
        }
        match self {
            StrValue::Bytes(bytes) => bytes.make_vec(),
            // INVARIANT: the integer case was converted just above.
            StrValue::Int(_) => unreachable!("integer converted to bytes above"),
        }
    }

    /// The `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            StrValue::Int(_) => "int",
            StrValue::Bytes(bytes) if bytes.is_raw() => "raw",
            StrValue::Bytes(_) => "embstr",
        }
    }
}

/// A value of any type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string.
    Str(StrValue),
    /// A list (boxed, like every collection, so a `Value` stays three
    /// words and string keys pay nothing for collections existing).
    List(Box<crate::t_list::List>),
    /// A hash.
    Hash(Box<crate::t_hash::Hash>),
    /// A set.
    Set(Box<crate::t_set::Set>),
    /// A sorted set.
    ZSet(Box<crate::t_zset::ZSet>),
    /// A stream.
    Stream(Box<crate::t_stream::Stream>),
}

impl Value {
    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(value) => value.encoding(),
            Value::List(_) => crate::t_list::LIST_ENCODING,
            Value::Hash(hash) => hash.encoding(),
            Value::Set(set) => set.encoding(),
            Value::ZSet(zset) => zset.encoding(),
            Value::Stream(_) => "stream",
        }
    }
}

impl Bytes {
    /// Heap bytes held beyond the 24-byte value (MEMORY USAGE).
    pub fn heap_len(&self) -> usize {
        match &self.0 {
            Repr::Inline { .. } => 0,
            Repr::Boxed(bytes) => bytes.len(),
            Repr::Growable(vec) => std::mem::size_of::<Vec<u8>>() + vec.capacity(),
        }
    }
}

impl StrValue {
    /// Heap bytes the string holds beyond its 24-byte value (MEMORY USAGE).
    pub fn memory_usage(&self) -> usize {
        match self {
            StrValue::Int(_) => 0,
            StrValue::Bytes(bytes) => bytes.heap_len(),
        }
    }
}

impl Value {
    /// Estimated heap bytes owned by the value beyond its 24-byte handle,
    /// as MEMORY USAGE reports it. Collections extrapolate the size of
    /// their elements from the first `samples` (`usize::MAX`: all of them),
    /// as Redis does, so the cost stays bounded on huge values.
    pub fn memory_usage(&self, samples: usize) -> usize {
        match self {
            Value::Str(string) => string.memory_usage(),
            Value::List(list) => {
                std::mem::size_of::<crate::t_list::List>() + list.memory_usage(samples)
            }
            Value::Hash(hash) => {
                std::mem::size_of::<crate::t_hash::Hash>() + hash.memory_usage(samples)
            }
            Value::Set(set) => std::mem::size_of::<crate::t_set::Set>() + set.memory_usage(samples),
            Value::ZSet(zset) => {
                std::mem::size_of::<crate::t_zset::ZSet>() + zset.memory_usage(samples)
            }
            Value::Stream(stream) => stream.memory_usage(),
        }
    }
}

impl Value {
    /// How much work freeing the value takes, in Redis's units: one per
    /// allocation-heavy element (table entries, skip-list nodes, list
    /// nodes), 1 for a string or a compact encoding. The server hands
    /// values above its threshold to the background freer.
    pub fn free_effort(&self) -> usize {
        match self {
            Value::Str(_) => 1,
            Value::List(list) => list.node_count(),
            Value::Hash(hash) => match hash.as_ref() {
                crate::t_hash::Hash::Listpack(_) => 1,
                crate::t_hash::Hash::Table(_) => hash.len(),
            },
            Value::Set(set) => match set.as_ref() {
                crate::t_set::Set::Intset(_) => 1,
                crate::t_set::Set::Hashtable(_) => set.len(),
            },
            Value::ZSet(zset) => match zset.as_ref() {
                crate::t_zset::ZSet::Listpack(_) => 1,
                crate::t_zset::ZSet::Skiplist(_) => zset.len(),
            },
            // Redis compat: one per node, plus the groups times the first
            // group's PEL size (an estimate that stays constant-time).
            Value::Stream(stream) => {
                let first_pel = stream.groups.values().next().map_or(0, |g| g.pel.len());
                stream.node_count() + stream.groups.len() * (1 + first_pel)
            }
        }
    }
}

/// The total of `len` element sizes estimated from the first `samples` of
/// `sizes`: exact when every element was looked at, else the sampled
/// average times `len`.
pub(crate) fn extrapolate(len: usize, samples: usize, sizes: impl Iterator<Item = usize>) -> usize {
    let mut seen = 0usize;
    let mut total = 0usize;
    for size in sizes.take(samples) {
        seen += 1;
        total += size;
    }
    if seen == 0 || seen >= len {
        total
    } else {
        total / seen * len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_small() {
        assert_eq!(std::mem::size_of::<Bytes>(), 24);
        assert_eq!(std::mem::size_of::<StrValue>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn encodings_follow_redis() {
        let cases: &[(&[u8], &str)] = &[
            (b"123", "int"),
            (b"-5", "int"),
            (b"0123", "embstr"),
            (b"", "embstr"),
            (&[b'x'; 22], "embstr"),
            (&[b'x'; 23], "embstr"),
            (&[b'x'; 44], "embstr"),
            (&[b'x'; 45], "raw"),
        ];
        for (bytes, encoding) in cases {
            let value = StrValue::from_bytes(bytes);
            assert_eq!(value.encoding(), *encoding, "{bytes:?}");
            assert_eq!(value.with_bytes(<[u8]>::to_vec), bytes.to_vec());
        }
    }

    #[test]
    fn edited_strings_become_raw_and_keep_their_bytes() {
        let mut value = StrValue::from_bytes(b"12");
        value.make_bytes().extend_from_slice(b"ab");
        assert_eq!(value.encoding(), "raw");
        assert_eq!(value.with_bytes(<[u8]>::to_vec), b"12ab".to_vec());
        assert_eq!(value, StrValue::Bytes(Bytes::from_slice(b"12ab")));
    }

    #[test]
    fn extrapolate_scales_the_sampled_average() {
        assert_eq!(extrapolate(4, usize::MAX, [1, 2, 3, 4].into_iter()), 10);
        assert_eq!(extrapolate(100, 2, [10, 20, 99].into_iter()), 1500);
        assert_eq!(extrapolate(0, 5, std::iter::empty()), 0);
    }

    #[test]
    fn string_usage_grows_with_length() {
        let small = StrValue::from_bytes(&[b'x'; 10]).memory_usage();
        let big = StrValue::from_bytes(&[b'x'; 1000]).memory_usage();
        assert_eq!(small, 0, "short strings live inside the value");
        assert_eq!(big, 1000);
    }
}
