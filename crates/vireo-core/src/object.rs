//! Values stored in the keyspace and the encodings Redis reports for them.

/// Strings longer than this are reported as `raw` rather than `embstr`.
// Redis compat: 44 bytes is where Redis stops embedding the string in the
// object header; clients and tests read OBJECT ENCODING.
pub const EMBSTR_SIZE_LIMIT: usize = 44;

/// A string value: integers that round-trip are stored as integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrValue {
    /// A value whose bytes are the canonical decimal form of this integer.
    Int(i64),
    /// Any other bytes.
    Bytes(Vec<u8>),
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
        StrValue::Bytes(bytes.to_vec())
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
            *self = StrValue::Bytes(crate::util::format_i64(&mut [0; 20], value).to_vec());
        }
        match self {
            StrValue::Bytes(bytes) => bytes,
            // INVARIANT: the integer case was converted just above.
            StrValue::Int(_) => unreachable!("integer converted to bytes above"),
        }
    }

    /// The `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            StrValue::Int(_) => "int",
            StrValue::Bytes(bytes) if bytes.len() <= EMBSTR_SIZE_LIMIT => "embstr",
            StrValue::Bytes(_) => "raw",
        }
    }
}

/// A value of any type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string.
    Str(StrValue),
    /// A set.
    Set(crate::t_set::Set),
    /// A sorted set.
    ZSet(crate::t_zset::ZSet),
}

impl Value {
    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }
}
