//! Server-side request parsing: [`RequestDecoder`] turns the bytes a client
//! sent into the argument list of one command ([`Args`]), following Redis
//! 7.0's `processMultibulkBuffer` and `processInlineBuffer` exactly, including
//! which inputs wait for more bytes, which fail, and the error texts.

use std::fmt;
use std::ops::Index;

use memchr::memchr2;

use crate::number::{fast_len, parse_i64};

/// Redis compat: the fixed multibulk cap for clients that have not
/// authenticated yet (`authRequired`).
const UNAUTH_MAX_MULTIBULK_LEN: i64 = 10;

/// Redis compat: the fixed bulk-length cap for clients that have not
/// authenticated yet.
const UNAUTH_MAX_BULK_LEN: i64 = 16384;

/// Redis pre-sizes argv to at most this many slots, so a huge announced count
/// costs nothing until the arguments actually arrive.
const MAX_PREALLOC_ARGS: usize = 1024;

/// Size limits applied while decoding one request.
///
/// They are passed to every [`RequestDecoder::decode`] call rather than stored,
/// so a server can tighten them for some clients and relax them after
/// authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest accepted bulk argument in bytes (Redis's `proto-max-bulk-len`).
    /// A longer one fails with `invalid bulk length`.
    pub max_bulk_len: u64,
    /// Largest accepted multibulk argument count. A larger one fails with
    /// `invalid multibulk length`.
    pub max_multibulk_len: u64,
    /// How many bytes may be buffered while waiting for the end of an inline
    /// request line, a `*<count>` line or a `$<len>` line
    /// (`PROTO_INLINE_MAX_SIZE`).
    pub max_inline_len: usize,
    /// The client must still authenticate (Redis's `authRequired`). Redis then
    /// additionally caps the argument count at 10 and bulk lengths at 16384,
    /// failing with `unauthenticated multibulk length` and
    /// `unauthenticated bulk length`; those checks run after the ones above.
    pub auth_required: bool,
}

impl Default for RequestLimits {
    /// Redis 7.0's defaults: 512 MiB bulks, `i32::MAX` arguments, 64 KiB
    /// lines, no authentication pending.
    fn default() -> Self {
        RequestLimits {
            max_bulk_len: 512 * 1024 * 1024,
            max_multibulk_len: i32::MAX as u64,
            max_inline_len: 64 * 1024,
            auth_required: false,
        }
    }
}

/// The arguments of the last decoded request.
///
/// Multibulk arguments are stored as byte ranges of the buffer given to
/// [`RequestDecoder::decode`], so reading them needs that same buffer:
/// [`Args::get`] and [`Args::view`] take it as a parameter. Inline arguments
/// may contain escapes, so they are unescaped into storage owned by `Args`;
/// the accessors hide the difference.
///
/// An `Args` is meant to live as long as a connection: its storage is reused
/// by every request, so steady-state decoding does not allocate. Replace it
/// with a fresh one to give back the memory of an unusually large request.
#[derive(Debug, Clone, Default)]
pub struct Args {
    ranges: Vec<(usize, usize)>,
    scratch: Vec<u8>,
    /// The ranges index `scratch` rather than the request buffer.
    inline: bool,
}

impl Args {
    /// Creates an empty argument list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of arguments.
    #[inline]
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether there are no arguments.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Removes all arguments, keeping the allocated storage.
    #[inline]
    pub fn clear(&mut self) {
        self.ranges.clear();
        self.scratch.clear();
        self.inline = false;
    }

    /// Heap bytes held by the argument storage, used or not: what a large
    /// request leaves allocated until the `Args` is replaced.
    pub fn heap_bytes(&self) -> usize {
        self.ranges.capacity() * std::mem::size_of::<(usize, usize)>() + self.scratch.capacity()
    }

    /// Argument `i` of the request.
    ///
    /// `buf` must be the buffer that was passed to
    /// [`RequestDecoder::decode`] for this request (it may have moved in
    /// memory, but must start at the same request).
    ///
    /// # Panics
    ///
    /// Panics if `i >= self.len()`, or if `buf` is too short to be the buffer
    /// the request was decoded from. Both are caller bugs; no client input can
    /// cause them.
    #[inline]
    pub fn get<'a>(&'a self, buf: &'a [u8], i: usize) -> &'a [u8] {
        let (start, end) = self.ranges[i];
        let base = if self.inline { &self.scratch[..] } else { buf };
        &base[start..end]
    }

    /// A cheap, copyable view of all arguments, reading multibulk arguments
    /// from `buf` (the buffer passed to [`RequestDecoder::decode`]).
    #[inline]
    pub fn view<'a>(&'a self, buf: &'a [u8]) -> Argv<'a> {
        let base = if self.inline { &self.scratch[..] } else { buf };
        Argv {
            ranges: &self.ranges,
            base,
        }
    }
}

/// A borrowed view of a request's arguments, made by [`Args::view`].
#[derive(Debug, Clone, Copy)]
pub struct Argv<'a> {
    ranges: &'a [(usize, usize)],
    base: &'a [u8],
}

impl<'a> Argv<'a> {
    /// Number of arguments.
    #[inline]
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether there are no arguments.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Argument `i`, or `None` if `i` is out of range.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        let &(start, end) = self.ranges.get(i)?;
        self.base.get(start..end)
    }

    /// Iterates over the arguments in order.
    #[inline]
    pub fn iter(&self) -> ArgvIter<'a> {
        ArgvIter {
            ranges: self.ranges.iter(),
            base: self.base,
        }
    }
}

impl Index<usize> for Argv<'_> {
    type Output = [u8];

    /// # Panics
    ///
    /// Panics if `i` is out of range, or if the view was made with a buffer
    /// that is not the one the request was decoded from.
    #[inline]
    fn index(&self, i: usize) -> &[u8] {
        let (start, end) = self.ranges[i];
        &self.base[start..end]
    }
}

impl<'a> IntoIterator for Argv<'a> {
    type Item = &'a [u8];
    type IntoIter = ArgvIter<'a>;

    fn into_iter(self) -> ArgvIter<'a> {
        self.iter()
    }
}

/// Iterator over the arguments of an [`Argv`].
#[derive(Debug, Clone)]
pub struct ArgvIter<'a> {
    ranges: std::slice::Iter<'a, (usize, usize)>,
    base: &'a [u8],
}

impl<'a> Iterator for ArgvIter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let &(start, end) = self.ranges.next()?;
        // A view made from the wrong buffer yields empty arguments rather
        // than panicking inside an iterator.
        Some(self.base.get(start..end).unwrap_or(&[]))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ranges.size_hint()
    }
}

impl DoubleEndedIterator for ArgvIter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        let &(start, end) = self.ranges.next_back()?;
        Some(self.base.get(start..end).unwrap_or(&[]))
    }
}

impl ExactSizeIterator for ArgvIter<'_> {}

impl std::iter::FusedIterator for ArgvIter<'_> {}

/// A malformed request. The connection cannot be resynchronised after one.
///
/// `Display` gives the text Redis sends after `-ERR `, for example
/// `Protocol error: invalid multibulk length`. Redis then closes the
/// connection once the reply is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// An inline request line grew past `max_inline_len` without a newline.
    TooBigInlineRequest,
    /// An inline request has an unterminated quote, or a closing quote
    /// followed by something other than whitespace.
    UnbalancedQuotes,
    /// The `*<count>` line grew past `max_inline_len` without a `\r`.
    TooBigMultibulkCount,
    /// The argument count is not a valid integer or exceeds
    /// `max_multibulk_len`.
    InvalidMultibulkLength,
    /// The argument count exceeds 10 while `auth_required` is set.
    UnauthenticatedMultibulkLength,
    /// An argument does not start with `$`; holds the byte found instead.
    ExpectedDollar(u8),
    /// A `$<len>` line grew past `max_inline_len` without a `\r`.
    TooBigBulkCount,
    /// A bulk length is not a valid integer, is negative, or exceeds
    /// `max_bulk_len`.
    InvalidBulkLength,
    /// A bulk length exceeds 16384 while `auth_required` is set.
    UnauthenticatedBulkLength,
}

impl ProtocolError {
    /// Appends the complete error reply Redis sends for this error,
    /// `-ERR <message>\r\n`, byte for byte.
    ///
    /// This differs from formatting with `Display` only for
    /// [`ExpectedDollar`](Self::ExpectedDollar) with a byte of `0x80` or
    /// above: Redis sends the raw byte, while `Display` can only show a
    /// `char`.
    pub fn write_reply(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"-ERR ");
        match *self {
            ProtocolError::ExpectedDollar(b) => {
                out.extend_from_slice(b"Protocol error: expected '$', got '");
                out.push(reply_byte(b));
                out.push(b'\'');
            }
            other => {
                out.extend_from_slice(b"Protocol error: ");
                out.extend_from_slice(other.detail().as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
    }

    /// The text after `Protocol error: ` for every variant without a payload.
    fn detail(self) -> &'static str {
        match self {
            ProtocolError::TooBigInlineRequest => "too big inline request",
            ProtocolError::UnbalancedQuotes => "unbalanced quotes in request",
            ProtocolError::TooBigMultibulkCount => "too big mbulk count string",
            ProtocolError::InvalidMultibulkLength => "invalid multibulk length",
            ProtocolError::UnauthenticatedMultibulkLength => "unauthenticated multibulk length",
            ProtocolError::ExpectedDollar(_) => "expected '$'",
            ProtocolError::TooBigBulkCount => "too big bulk count string",
            ProtocolError::InvalidBulkLength => "invalid bulk length",
            ProtocolError::UnauthenticatedBulkLength => "unauthenticated bulk length",
        }
    }
}

/// Redis compat: error replies are built with a formatter that turns `\r` and
/// `\n` into spaces so the reply stays one line; the unexpected byte is
/// otherwise sent raw.
fn reply_byte(b: u8) -> u8 {
    match b {
        b'\r' | b'\n' => b' ',
        other => other,
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ProtocolError::ExpectedDollar(b) => {
                // Bytes above 0x7f are shown as the Latin-1 char of the same
                // value; `write_reply` gives the raw byte.
                write!(
                    f,
                    "Protocol error: expected '$', got '{}'",
                    char::from(reply_byte(b))
                )
            }
            other => write!(f, "Protocol error: {}", other.detail()),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// Which part of a request the decoder is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between requests.
    Idle,
    /// Waiting for the newline of an inline request.
    Inline,
    /// Waiting for the end of the `*<count>` line.
    Count,
    /// Reading the bulk arguments of a multibulk request.
    Bulks,
}

/// Incremental decoder of client requests (server side).
///
/// One decoder serves one connection. It keeps its progress between calls, so
/// a large multibulk request arriving in many reads is scanned once, not once
/// per read.
///
/// # Examples
///
/// ```
/// use vireo_resp::{Args, RequestDecoder, RequestLimits};
///
/// let mut decoder = RequestDecoder::new();
/// let mut args = Args::new();
/// let limits = RequestLimits::default();
///
/// // The request arrives in two reads.
/// let mut buf = b"*2\r\n$4\r\nECHO\r\n$5\r\nhel".to_vec();
/// assert_eq!(decoder.decode(&buf, &limits, &mut args), Ok(None));
/// assert!(decoder.in_progress());
/// buf.extend_from_slice(b"lo\r\nPING\r\n");
/// assert_eq!(decoder.decode(&buf, &limits, &mut args), Ok(Some(25)));
/// assert_eq!(args.view(&buf).iter().collect::<Vec<_>>(), [&b"ECHO"[..], b"hello"]);
///
/// // The server consumes the request and decodes the next (inline) one.
/// buf.drain(..25);
/// assert_eq!(decoder.decode(&buf, &limits, &mut args), Ok(Some(6)));
/// assert_eq!(args.get(&buf, 0), b"PING");
/// ```
#[derive(Debug, Clone)]
pub struct RequestDecoder {
    phase: Phase,
    /// Start of the next unparsed item of a multibulk request: a `$<len>`
    /// line, or the payload when `bulk_len` is known.
    pos: usize,
    /// Where the search for the current line's terminator resumes.
    scanned: usize,
    /// A NUL byte precedes the terminator of the current line.
    blocked: bool,
    /// Bulk arguments still to read.
    pending: u64,
    /// Length of the bulk whose payload starts at `pos`, once its header is
    /// parsed.
    bulk_len: Option<u64>,
    /// Arguments of the current request already stored in the caller's
    /// [`Args`].
    parsed: usize,
}

impl Default for RequestDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestDecoder {
    /// Creates a decoder positioned before a request.
    pub fn new() -> Self {
        RequestDecoder {
            phase: Phase::Idle,
            pos: 0,
            scanned: 0,
            blocked: false,
            pending: 0,
            bulk_len: None,
            parsed: 0,
        }
    }

    /// Forgets any partly parsed request.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Whether a request has been partly parsed: its first bytes were seen
    /// but it is not complete yet.
    #[inline]
    pub fn in_progress(&self) -> bool {
        self.phase != Phase::Idle
    }

    /// Decodes the request at the start of `buf`.
    ///
    /// Returns `Ok(Some(n))` when a whole request occupies `buf[..n]`; its
    /// arguments are then in `args`, which is cleared when a new request
    /// starts. A request may have no arguments (an empty inline line, `*0`,
    /// `*-1`): Redis skips those, and so should the caller.
    ///
    /// Returns `Ok(None)` when more bytes are needed. The decoder remembers
    /// how far it got, and arguments already parsed stay in `args`, so the
    /// next call must pass the same `args` and a buffer that starts with the
    /// same bytes, possibly followed by more (the buffer may move in memory).
    /// If the caller breaks that rule the decoder notices when it can and
    /// starts the request over, which is correct but slower.
    ///
    /// A request that starts with `*` is a multibulk request; anything else is
    /// an inline request, a line split into words like `redis-cli` does.
    ///
    /// # Errors
    ///
    /// Returns a [`ProtocolError`] when the request is malformed or exceeds
    /// `limits`. Redis replies `-ERR <error>` (see
    /// [`ProtocolError::write_reply`]) and closes the connection. The decoder
    /// is then back in its initial state; calling [`reset`](Self::reset) is
    /// harmless but not needed.
    pub fn decode(
        &mut self,
        buf: &[u8],
        limits: &RequestLimits,
        args: &mut Args,
    ) -> Result<Option<usize>, ProtocolError> {
        if self.phase != Phase::Idle && !self.can_resume(buf, args) {
            self.reset();
        }
        let result = match self.phase {
            Phase::Idle => {
                let Some(&first) = buf.first() else {
                    return Ok(None);
                };
                args.clear();
                if first == b'*' {
                    self.phase = Phase::Count;
                    self.decode_count(buf, limits, args)
                } else {
                    self.phase = Phase::Inline;
                    self.decode_inline(buf, limits, args)
                }
            }
            Phase::Inline => self.decode_inline(buf, limits, args),
            Phase::Count => self.decode_count(buf, limits, args),
            Phase::Bulks => self.decode_bulks(buf, limits, args),
        };
        match result {
            Ok(None) => {}
            Ok(Some(_)) => self.reset(),
            Err(_) => {
                self.reset();
                args.clear();
            }
        }
        result
    }

    /// Whether the saved progress still fits `buf` and `args`; guards against
    /// a caller that lost its buffer or swapped `Args` mid-request.
    fn can_resume(&self, buf: &[u8], args: &Args) -> bool {
        self.pos <= buf.len()
            && self.scanned <= buf.len()
            && (self.phase == Phase::Inline || (!args.inline && args.ranges.len() == self.parsed))
    }

    fn decode_inline(
        &mut self,
        buf: &[u8],
        limits: &RequestLimits,
        args: &mut Args,
    ) -> Result<Option<usize>, ProtocolError> {
        if !self.blocked {
            let from = self.scanned;
            match memchr2(b'\n', 0, tail(buf, from)) {
                Some(i) if buf.get(from + i) == Some(&b'\n') => {
                    let newline = from + i;
                    let end = if newline > 0 && buf.get(newline - 1) == Some(&b'\r') {
                        newline - 1
                    } else {
                        newline
                    };
                    split_inline(buf.get(..end).unwrap_or(&[]), args)?;
                    return Ok(Some(newline + 1));
                }
                // Redis compat: Redis looks for the newline with strchr, which
                // stops at a NUL byte, so a line holding a NUL never completes;
                // only the size cap below ends the wait.
                Some(_) => self.blocked = true,
                None => self.scanned = buf.len(),
            }
        }
        if buf.len() > limits.max_inline_len {
            Err(ProtocolError::TooBigInlineRequest)
        } else {
            Ok(None)
        }
    }

    fn decode_count(
        &mut self,
        buf: &[u8],
        limits: &RequestLimits,
        args: &mut Args,
    ) -> Result<Option<usize>, ProtocolError> {
        let (count, cr) = match fast_len(buf, 1) {
            Some((v, cr)) => (v as i64, cr),
            None => {
                let Some(cr) = self.line_end(buf, 0, limits.max_inline_len) else {
                    return Ok(None);
                };
                let cr = cr.map_err(|TooBig| ProtocolError::TooBigMultibulkCount)?;
                let count = parse_i64(buf.get(1..cr).unwrap_or(&[]))
                    .ok_or(ProtocolError::InvalidMultibulkLength)?;
                (count, cr)
            }
        };
        // Redis compat: only the upper bound is checked; zero and negative
        // counts make an empty request that is silently skipped.
        if count > 0 && count as u64 > limits.max_multibulk_len {
            return Err(ProtocolError::InvalidMultibulkLength);
        }
        if limits.auth_required && count > UNAUTH_MAX_MULTIBULK_LEN {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        // Redis compat: the byte after '\r' is skipped without being checked.
        let next = cr + 2;
        if count <= 0 {
            return Ok(Some(next));
        }
        self.phase = Phase::Bulks;
        self.pending = count as u64;
        self.pos = next;
        self.blocked = false;
        args.ranges.reserve(
            usize::try_from(count)
                .unwrap_or(MAX_PREALLOC_ARGS)
                .min(MAX_PREALLOC_ARGS),
        );
        self.decode_bulks(buf, limits, args)
    }

    fn decode_bulks(
        &mut self,
        buf: &[u8],
        limits: &RequestLimits,
        args: &mut Args,
    ) -> Result<Option<usize>, ProtocolError> {
        // Locals instead of fields inside the loop: `&mut self` would force
        // every update through memory.
        let mut pos = self.pos;
        let mut pending = self.pending;
        let mut bulk_len = self.bulk_len;
        while pending > 0 {
            let len = match bulk_len {
                Some(len) => len,
                None => {
                    let fast = match buf.get(pos) {
                        Some(b'$') => fast_len(buf, pos + 1),
                        _ => None,
                    };
                    let (len, cr) = match fast {
                        Some((v, cr)) => (v as i64, cr),
                        None => match self.bulk_header(buf, pos, limits) {
                            Ok(Some(header)) => header,
                            Ok(None) => {
                                self.save(pos, pending, None, args);
                                return Ok(None);
                            }
                            Err(e) => return Err(e),
                        },
                    };
                    if len < 0 || len as u64 > limits.max_bulk_len {
                        return Err(ProtocolError::InvalidBulkLength);
                    }
                    if limits.auth_required && len > UNAUTH_MAX_BULK_LEN {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    // Redis compat: as for the count line, the two bytes
                    // after the length are skipped unchecked.
                    pos = cr + 2;
                    self.blocked = false;
                    len as u64
                }
            };
            let available = buf.len().saturating_sub(pos) as u64;
            // `len` is at most i64::MAX, so adding 2 cannot overflow.
            if available < len + 2 {
                self.save(pos, pending, Some(len), args);
                return Ok(None);
            }
            // Fits in usize: it is below `available`.
            let end = pos + len as usize;
            args.ranges.push((pos, end));
            // Redis compat: the two bytes after the payload are skipped
            // without checking that they are CRLF.
            pos = end + 2;
            pending -= 1;
            bulk_len = None;
        }
        Ok(Some(pos))
    }

    /// The general (slow) path for a `$<len>` line starting at `pos`: the
    /// length and the index of its `\r`, `None` to wait for more bytes.
    #[cold]
    fn bulk_header(
        &mut self,
        buf: &[u8],
        pos: usize,
        limits: &RequestLimits,
    ) -> Result<Option<(i64, usize)>, ProtocolError> {
        let Some(cr) = self.line_end(buf, pos, limits.max_inline_len) else {
            return Ok(None);
        };
        let cr = cr.map_err(|TooBig| ProtocolError::TooBigBulkCount)?;
        // Redis compat: the '$' is checked only once the whole line is there,
        // so `*1\r\nfoo` waits rather than failing.
        match buf.get(pos) {
            Some(b'$') => {}
            Some(&other) => return Err(ProtocolError::ExpectedDollar(other)),
            None => return Ok(None),
        }
        let len = parse_i64(buf.get(pos + 1..cr).unwrap_or(&[]))
            .ok_or(ProtocolError::InvalidBulkLength)?;
        Ok(Some((len, cr)))
    }

    /// Records where a multibulk request stopped for lack of bytes.
    fn save(&mut self, pos: usize, pending: u64, bulk_len: Option<u64>, args: &Args) {
        self.pos = pos;
        self.pending = pending;
        self.bulk_len = bulk_len;
        self.parsed = args.ranges.len();
    }

    /// Finds the `\r` ending the line that starts at `start`, the way Redis
    /// does with `strchr`.
    ///
    /// Returns `None` to wait for more bytes, `Some(Ok(cr))` once the `\r` and
    /// one more byte are buffered, and `Some(Err(TooBig))` when no `\r` is in
    /// sight and more than `max` bytes are buffered from `start`.
    fn line_end(&mut self, buf: &[u8], start: usize, max: usize) -> Option<Result<usize, TooBig>> {
        if !self.blocked {
            let from = self.scanned.max(start);
            match memchr2(b'\r', 0, tail(buf, from)) {
                Some(i) if buf.get(from + i) == Some(&b'\r') => {
                    let cr = from + i;
                    if cr + 1 < buf.len() {
                        return Some(Ok(cr));
                    }
                    // Redis compat: a '\r' that is the last buffered byte
                    // means "wait", however much is buffered.
                    self.scanned = cr;
                    return None;
                }
                // Redis compat: strchr stops at a NUL byte, so this line can
                // never be completed; only the size cap ends the wait.
                Some(_) => self.blocked = true,
                None => self.scanned = buf.len(),
            }
        }
        if buf.len().saturating_sub(start) > max {
            Some(Err(TooBig))
        } else {
            None
        }
    }
}

/// A line outgrew the configured limit before its terminator arrived.
struct TooBig;

#[inline]
fn tail(buf: &[u8], from: usize) -> &[u8] {
    buf.get(from..).unwrap_or(&[])
}

/// `isspace` in the C locale, which Redis uses to skip blanks between
/// arguments.
#[inline]
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Splits an inline request line into arguments with the rules of Redis's
/// `sdssplitargs`, unescaping into `args`'s own storage.
///
/// `line` never contains a NUL byte (such lines never complete), so its end
/// plays the role of the C string terminator.
fn split_inline(line: &[u8], args: &mut Args) -> Result<(), ProtocolError> {
    args.inline = true;
    let mut i = 0;
    loop {
        while line.get(i).is_some_and(|&b| is_c_space(b)) {
            i += 1;
        }
        if i >= line.len() {
            return Ok(());
        }
        let start = args.scratch.len();
        i = split_token(line, i, &mut args.scratch)?;
        args.ranges.push((start, args.scratch.len()));
    }
}

/// Reads one argument starting at `i` (not a blank); returns where the next
/// search for blanks starts.
fn split_token(line: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, ProtocolError> {
    let run = i;
    // Redis compat: outside quotes only these four bytes end an argument;
    // '\v' and '\f' are blanks between arguments but part of one inside it.
    while line
        .get(i)
        .is_some_and(|&b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'"' | b'\''))
    {
        i += 1;
    }
    out.extend_from_slice(line.get(run..i).unwrap_or(&[]));
    match line.get(i) {
        None => Ok(i),
        // Redis compat: a quote may open in the middle of a word (`a"b c"`);
        // the quoted part then ends the argument.
        Some(b'"') => double_quoted(line, i + 1, out),
        Some(b'\'') => single_quoted(line, i + 1, out),
        Some(_) => Ok(i + 1),
    }
}

fn double_quoted(line: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, ProtocolError> {
    loop {
        match line.get(i) {
            None => return Err(ProtocolError::UnbalancedQuotes),
            Some(b'"') => return after_closing_quote(line, i + 1),
            Some(b'\\') => match (line.get(i + 1), line.get(i + 2), line.get(i + 3)) {
                (Some(b'x'), Some(&hi), Some(&lo)) if hex(hi).is_some() && hex(lo).is_some() => {
                    out.push((hex(hi).unwrap_or(0) << 4) | hex(lo).unwrap_or(0));
                    i += 4;
                }
                (Some(&c), _, _) => {
                    out.push(match c {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    i += 2;
                }
                // A backslash ending the line leaves the quote open.
                (None, _, _) => return Err(ProtocolError::UnbalancedQuotes),
            },
            Some(&c) => {
                out.push(c);
                i += 1;
            }
        }
    }
}

fn single_quoted(line: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, ProtocolError> {
    loop {
        match line.get(i) {
            None => return Err(ProtocolError::UnbalancedQuotes),
            // Redis compat: `\'` is the only escape inside single quotes.
            Some(b'\\') if line.get(i + 1) == Some(&b'\'') => {
                out.push(b'\'');
                i += 2;
            }
            Some(b'\'') => return after_closing_quote(line, i + 1),
            Some(&c) => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// Redis compat: a closing quote must be followed by a blank or the end of
/// the line; `"foo"bar` is an error, not two arguments.
fn after_closing_quote(line: &[u8], i: usize) -> Result<usize, ProtocolError> {
    match line.get(i) {
        Some(&b) if !is_c_space(b) => Err(ProtocolError::UnbalancedQuotes),
        _ => Ok(i),
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What decoding the whole input at once should give.
    #[derive(Debug, PartialEq)]
    enum Outcome {
        /// A complete request of this many bytes with these arguments.
        Request(usize, Vec<Vec<u8>>),
        /// Waiting for more bytes.
        Partial,
        /// This error text after `-ERR `.
        Error(String),
    }
    use Outcome::*;

    fn run(input: &[u8], limits: &RequestLimits) -> Outcome {
        let mut decoder = RequestDecoder::new();
        let mut args = Args::new();
        let whole = match decoder.decode(input, limits, &mut args) {
            Ok(Some(n)) => Request(n, args.view(input).iter().map(<[u8]>::to_vec).collect()),
            Ok(None) => Partial,
            Err(e) => {
                let text = e.to_string();
                let mut reply = Vec::new();
                e.write_reply(&mut reply);
                assert_eq!(
                    reply,
                    format!("-ERR {text}\r\n").into_bytes(),
                    "write_reply vs Display"
                );
                Error(text)
            }
        };
        // The same input fed one byte at a time must agree, except that a
        // size cap may trip before a far-away terminator arrives.
        let mut decoder = RequestDecoder::new();
        let mut bytewise = Partial;
        for end in 1..=input.len() {
            let prefix = &input[..end];
            match decoder.decode(prefix, limits, &mut args) {
                Ok(Some(n)) => {
                    bytewise = Request(n, args.view(prefix).iter().map(<[u8]>::to_vec).collect());
                    break;
                }
                Ok(None) => {}
                Err(e) => {
                    bytewise = Error(e.to_string());
                    break;
                }
            }
        }
        if !matches!(&bytewise, Error(t) if t.starts_with("Protocol error: too big")) {
            assert_eq!(bytewise, whole, "byte-by-byte decoding of {input:?}");
        }
        whole
    }

    fn check(input: &[u8], expected: Outcome) {
        assert_eq!(
            run(input, &RequestLimits::default()),
            expected,
            "input {input:?}"
        );
    }

    fn check_with(input: &[u8], limits: RequestLimits, expected: Outcome) {
        assert_eq!(
            run(input, &limits),
            expected,
            "input {input:?} with {limits:?}"
        );
    }

    fn err(text: &str) -> Outcome {
        Error(text.to_string())
    }

    fn req(n: usize, args: &[&[u8]]) -> Outcome {
        Request(n, args.iter().map(|a| a.to_vec()).collect())
    }

    #[test]
    fn multibulk_requests() {
        check(b"*1\r\n$4\r\nPING\r\n", req(14, &[b"PING"]));
        check(
            b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nrest",
            req(20, &[b"GET", b"k"]),
        );
        check(b"*1\r\n$0\r\n\r\n", req(10, &[b""]));
        check(b"*1\r\n$3\r\na\r\n\r\n", req(13, &[b"a\r\n"]));
        check(b"*1\r\n$3\r\n\0\0\0\r\n", req(13, &[b"\0\0\0"]));
        check(b"*0\r\n", req(4, &[]));
        check(b"*-1\r\n", req(5, &[]));
        check(b"*-10\r\n", req(6, &[]));
        check(b"*-9223372036854775808\r\n", req(23, &[]));
        check(b"*2147483647\r\n", Partial);
    }

    #[test]
    fn multibulk_skips_unchecked_terminators() {
        // Redis compat: whatever follows '\r' is skipped, as are the two
        // bytes after a payload.
        check(b"*1\rX$1\rYaZZ", req(11, &[b"a"]));
        check(b"*1\r\n$2\r\nabcd", req(12, &[b"ab"]));
    }

    #[test]
    fn multibulk_partial_input() {
        check(b"", Partial);
        check(b"*", Partial);
        check(b"*1", Partial);
        check(b"*1\r", Partial);
        check(b"*1\r\n", Partial);
        check(b"*1\r\n$", Partial);
        check(b"*1\r\n$3\r", Partial);
        check(b"*1\r\n$3\r\nab", Partial);
        check(b"*1\r\n$3\r\nabc", Partial);
        check(b"*1\r\n$3\r\nabc\r", Partial);
        // Redis compat: the '$' is checked only once a whole line is there.
        check(b"*1\r\nfoo", Partial);
        check(b"*1\r\nfoo\r", Partial);
    }

    #[test]
    fn multibulk_count_errors() {
        check(
            b"*3000000000\r\n",
            err("Protocol error: invalid multibulk length"),
        );
        check(
            b"*2147483648\r\n",
            err("Protocol error: invalid multibulk length"),
        );
        check(b"*abc\r\n", err("Protocol error: invalid multibulk length"));
        check(b"*\r\n", err("Protocol error: invalid multibulk length"));
        check(b"*01\r\n", err("Protocol error: invalid multibulk length"));
        check(b"*+1\r\n", err("Protocol error: invalid multibulk length"));
        check(b"*-0\r\n", err("Protocol error: invalid multibulk length"));
        check(b"* 1\r\n", err("Protocol error: invalid multibulk length"));
        check(b"*1 \r\n", err("Protocol error: invalid multibulk length"));
        check(
            b"*99999999999999999999\r\n",
            err("Protocol error: invalid multibulk length"),
        );
        check(b"*1\n\r\n", err("Protocol error: invalid multibulk length"));
        let long = [b"*".as_slice(), &[b'1'; 65536]].concat();
        check(&long, err("Protocol error: too big mbulk count string"));
        check(&long[..65536], Partial);
        let mut long_cr = long.clone();
        long_cr.push(b'\r');
        // Redis compat: a trailing '\r' suspends the size check.
        check(&long_cr, Partial);
    }

    #[test]
    fn multibulk_bulk_errors() {
        check(
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
            err("Protocol error: expected '$', got 'f'"),
        );
        check(
            b"*1\r\nfoo\r\n",
            err("Protocol error: expected '$', got 'f'"),
        );
        check(b"*1\r\n\r\n", err("Protocol error: expected '$', got ' '"));
        check(
            b"*1\r\n\n\r\n",
            err("Protocol error: expected '$', got ' '"),
        );
        check(
            b"*1\r\n:1\r\n",
            err("Protocol error: expected '$', got ':'"),
        );
        check(
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
            err("Protocol error: invalid bulk length"),
        );
        check(b"*1\r\n$-1\r\n", err("Protocol error: invalid bulk length"));
        check(
            b"*1\r\n$2000000000\r\n",
            err("Protocol error: invalid bulk length"),
        );
        check(
            b"*1\r\n$536870913\r\n",
            err("Protocol error: invalid bulk length"),
        );
        check(b"*1\r\n$536870912\r\n", Partial);
        check(
            b"*1\r\n$blabla\r\n",
            err("Protocol error: invalid bulk length"),
        );
        check(b"*1\r\n$\r\n", err("Protocol error: invalid bulk length"));
        check(b"*1\r\n$01\r\n", err("Protocol error: invalid bulk length"));
        check(b"*1\r\n$+1\r\n", err("Protocol error: invalid bulk length"));
        let long = [b"*1\r\n$".as_slice(), &[b'1'; 65536]].concat();
        check(&long, err("Protocol error: too big bulk count string"));
        // The cap counts from the start of the bulk line, not of the request.
        check(&long[..65536 + 4], Partial);
        // Redis compat: strchr on a line without '\r' errors on size only,
        // even when the line does not start with '$'.
        let junk = [b"*1\r\n".as_slice(), &[b'x'; 65537]].concat();
        check(&junk, err("Protocol error: too big bulk count string"));
    }

    #[test]
    fn expected_dollar_reply_is_raw() {
        let mut decoder = RequestDecoder::new();
        let mut args = Args::new();
        let err = decoder
            .decode(b"*1\r\n\xff\r\n", &RequestLimits::default(), &mut args)
            .expect_err("must fail");
        assert_eq!(err, ProtocolError::ExpectedDollar(0xff));
        let mut reply = Vec::new();
        err.write_reply(&mut reply);
        assert_eq!(reply, b"-ERR Protocol error: expected '$', got '\xff'\r\n");
        assert_eq!(
            err.to_string(),
            "Protocol error: expected '$', got '\u{ff}'"
        );
    }

    #[test]
    fn nul_bytes_block_header_lines() {
        // Redis compat: strchr stops at NUL, so these lines never end.
        check(b"*1\0\r\n", Partial);
        check(b"*1\r\n$1\0\r\na\r\n", Partial);
        let blocked = [b"*1\0\r\n".as_slice(), &[b'a'; 65536]].concat();
        check(&blocked, err("Protocol error: too big mbulk count string"));
        let blocked = [b"*1\r\n$\0\r\n".as_slice(), &[b'a'; 65536]].concat();
        check(&blocked, err("Protocol error: too big bulk count string"));
        // A NUL inside a payload is ordinary data.
        check(b"*1\r\n$1\r\n\0\r\n", req(11, &[b"\0"]));
    }

    #[test]
    fn limits_are_applied() {
        let tight = RequestLimits {
            max_bulk_len: 3,
            max_multibulk_len: 2,
            max_inline_len: 8,
            auth_required: false,
        };
        check_with(
            b"*2\r\n$3\r\nabc\r\n$0\r\n\r\n",
            tight,
            req(19, &[b"abc", b""]),
        );
        check_with(
            b"*3\r\n",
            tight,
            err("Protocol error: invalid multibulk length"),
        );
        check_with(
            b"*1\r\n$4\r\n",
            tight,
            err("Protocol error: invalid bulk length"),
        );
        check_with(
            b"*123456789",
            tight,
            err("Protocol error: too big mbulk count string"),
        );
        check_with(b"*1234567", tight, Partial);
        check_with(
            b"*1\r\n$123456789",
            tight,
            err("Protocol error: too big bulk count string"),
        );
        check_with(
            b"GET 12345",
            tight,
            err("Protocol error: too big inline request"),
        );
        check_with(b"GET 1234", tight, Partial);
        // A line longer than the cap is fine once its newline is buffered.
        check_with(b"GET 123456789\n", tight, req(14, &[b"GET", b"123456789"]));
    }

    #[test]
    fn unauthenticated_limits() {
        let unauth = RequestLimits {
            auth_required: true,
            ..RequestLimits::default()
        };
        check_with(b"*10\r\n", unauth, Partial);
        check_with(
            b"*11\r\n",
            unauth,
            err("Protocol error: unauthenticated multibulk length"),
        );
        check_with(
            b"*3000000000\r\n",
            unauth,
            err("Protocol error: invalid multibulk length"),
        );
        check_with(b"*-5\r\n", unauth, req(5, &[]));
        check_with(b"*1\r\n$16384\r\n", unauth, Partial);
        check_with(
            b"*1\r\n$16385\r\n",
            unauth,
            err("Protocol error: unauthenticated bulk length"),
        );
        check_with(
            b"*1\r\n$-1\r\n",
            unauth,
            err("Protocol error: invalid bulk length"),
        );
    }

    #[test]
    fn inline_requests() {
        check(b"PING\r\n", req(6, &[b"PING"]));
        check(b"PING\n", req(5, &[b"PING"]));
        check(b"set k v\r\nnext", req(9, &[b"set", b"k", b"v"]));
        check(b"  set \t k   v  \r\n", req(17, &[b"set", b"k", b"v"]));
        check(b"\r\n", req(2, &[]));
        check(b"\n", req(1, &[]));
        check(b"   \t\x0b\x0c \r\n", req(9, &[]));
        check(b"a\r\r\n", req(4, &[b"a"]));
        check(b"a\rb\n", req(4, &[b"a", b"b"]));
        check(b"\xff\xfe x\n", req(5, &[b"\xff\xfe", b"x"]));
        // Redis compat: \v and \f separate arguments only between them.
        check(b"a\x0bb \x0bc\n", req(7, &[b"a\x0bb", b"c"]));
        check(b"$3\r\n", req(4, &[b"$3"]));
        check(b"PING", Partial);
        check(b"PING\r", Partial);
        check(b"", Partial);
    }

    #[test]
    fn inline_quotes() {
        check(b"set \"a b\" 'c d'\n", req(16, &[b"set", b"a b", b"c d"]));
        check(b"\"\" ''\n", req(6, &[b"", b""]));
        check(
            br#""\n\r\t\b\a\\\"\q\x41\x4a\x4A\x7"
"#,
            req(34, &[b"\n\r\t\x08\x07\\\"qAJJx7"]),
        );
        check(b"\"\\xzz\\x1\"\n", req(10, &[b"xzzx1"]));
        check(br#"'it\'s' 'a\nb\\'"#, Partial);
        check(b"'it\\'s' 'a\\nb\\'c'\n", req(18, &[b"it's", b"a\\nb'c"]));
        // Redis compat: in `'a\\'` the second backslash escapes the quote,
        // leaving it open.
        check(
            b"'a\\\\'\n",
            err("Protocol error: unbalanced quotes in request"),
        );
        check(b"\"a\"\t\"b\"\x0c'c'\x0b\n", req(13, &[b"a", b"b", b"c"]));
        check(b"ab\"c d\"\n", req(8, &[b"abc d"]));
        check(b"ab'c d' e\n", req(10, &[b"abc d", b"e"]));
        check(b"\"a\"\r\n", req(5, &[b"a"]));
        check(b"\"a\"\r\r\n", req(6, &[b"a"]));
        check(b"\"\xff\0\"\n", Partial);
        check(b"\"a\x0bb\"\n", req(6, &[b"a\x0bb"]));
    }

    #[test]
    fn inline_quote_errors() {
        let unbalanced = err("Protocol error: unbalanced quotes in request");
        check(b"set \"\"\"test-key\"\"\" test-value\r\n", unbalanced);
        check(
            b"\"abc\n",
            err("Protocol error: unbalanced quotes in request"),
        );
        check(
            b"'abc\n",
            err("Protocol error: unbalanced quotes in request"),
        );
        check(
            b"\"a\"b\n",
            err("Protocol error: unbalanced quotes in request"),
        );
        check(
            b"'a'b\n",
            err("Protocol error: unbalanced quotes in request"),
        );
        check(
            b"\"a\\\"\n",
            err("Protocol error: unbalanced quotes in request"),
        );
        check(
            b"\"a\\\n",
            err("Protocol error: unbalanced quotes in request"),
        );
        check(
            b"'a\\'\n",
            err("Protocol error: unbalanced quotes in request"),
        );
        check(b"\"a\r\"\n", req(5, &[b"a\r"]));
        check(b"\"a\"\rb\n", req(6, &[b"a", b"b"]));
    }

    #[test]
    fn inline_size_cap() {
        let long = vec![b'a'; 65536];
        check(&long, Partial);
        let longer = vec![b'a'; 65537];
        check(&longer, err("Protocol error: too big inline request"));
        // Redis compat: a NUL hides the newline that follows it.
        check(b"GET a\0b\r\n", Partial);
        let blocked = [b"GET a\0b\r\n".as_slice(), &[b'x'; 65536]].concat();
        check(&blocked, err("Protocol error: too big inline request"));
    }

    #[test]
    fn decoder_reuse_and_progress() {
        let limits = RequestLimits::default();
        let mut decoder = RequestDecoder::new();
        let mut args = Args::new();
        let stream = b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nPING\r\n*0\r\n*1\r\n$4\r\nQUIT\r\n";
        let mut buf = Vec::new();
        let mut seen = Vec::new();
        for &b in stream.iter() {
            buf.push(b);
            while let Some(n) = decoder
                .decode(&buf, &limits, &mut args)
                .expect("valid stream")
            {
                seen.push(
                    args.view(&buf)
                        .iter()
                        .map(<[u8]>::to_vec)
                        .collect::<Vec<_>>(),
                );
                buf.drain(..n);
            }
        }
        assert!(!decoder.in_progress());
        assert!(buf.is_empty());
        let expected: Vec<Vec<Vec<u8>>> = vec![
            vec![b"GET".to_vec(), b"key".to_vec()],
            vec![b"PING".to_vec()],
            vec![],
            vec![b"QUIT".to_vec()],
        ];
        assert_eq!(seen, expected);
    }

    #[test]
    fn in_progress_and_errors_reset() {
        let limits = RequestLimits::default();
        let mut decoder = RequestDecoder::new();
        let mut args = Args::new();
        assert!(!decoder.in_progress());
        assert_eq!(
            decoder.decode(b"*2\r\n$1\r\na\r\n", &limits, &mut args),
            Ok(None)
        );
        assert!(decoder.in_progress());
        assert_eq!(args.len(), 1);
        assert_eq!(
            decoder.decode(b"*2\r\n$1\r\na\r\n?\r\n", &limits, &mut args),
            Err(ProtocolError::ExpectedDollar(b'?'))
        );
        assert!(!decoder.in_progress());
        assert!(args.is_empty());
        assert_eq!(
            decoder.decode(b"*1\r\n$1\r\nb\r\n", &limits, &mut args),
            Ok(Some(11))
        );
    }

    #[test]
    fn misuse_restarts_instead_of_panicking() {
        let limits = RequestLimits::default();
        let mut decoder = RequestDecoder::new();
        let mut args = Args::new();
        assert_eq!(
            decoder.decode(b"*2\r\n$1\r\na\r\n$5\r\nhe", &limits, &mut args),
            Ok(None)
        );
        // A shorter, different buffer and a fresh Args: the request starts over.
        let mut other = Args::new();
        assert_eq!(
            decoder.decode(b"*1\r\n$1\r\nz\r\n", &limits, &mut other),
            Ok(Some(11))
        );
        assert_eq!(other.get(b"*1\r\n$1\r\nz\r\n", 0), b"z");
        assert_eq!(
            decoder.decode(b"*2\r\n$1\r\na\r\n", &limits, &mut args),
            Ok(None)
        );
        let mut swapped = Args::new();
        assert_eq!(
            decoder.decode(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n", &limits, &mut swapped),
            Ok(Some(18))
        );
        assert_eq!(swapped.len(), 2);
    }

    #[test]
    fn argv_accessors() {
        let limits = RequestLimits::default();
        let mut decoder = RequestDecoder::new();
        let mut args = Args::new();
        let buf = b"*3\r\n$1\r\na\r\n$2\r\nbc\r\n$0\r\n\r\n";
        assert_eq!(decoder.decode(buf, &limits, &mut args), Ok(Some(buf.len())));
        let argv = args.view(buf);
        assert_eq!(argv.len(), 3);
        assert!(!argv.is_empty());
        assert_eq!(argv.get(1), Some(&b"bc"[..]));
        assert_eq!(argv.get(3), None);
        assert_eq!(&argv[2], b"");
        let it = argv.iter();
        assert_eq!(it.len(), 3);
        assert_eq!(it.rev().collect::<Vec<_>>(), [&b""[..], b"bc", b"a"]);
        assert_eq!(argv.into_iter().count(), 3);
        // A view over the wrong buffer degrades instead of panicking.
        assert_eq!(args.view(b"").get(0), None);
        assert_eq!(args.view(b"").iter().collect::<Vec<_>>(), [&b""[..]; 3]);
        args.clear();
        assert!(args.is_empty());
        assert_eq!(args.view(buf).len(), 0);
    }

    #[test]
    fn error_texts() {
        let cases = [
            (
                ProtocolError::TooBigInlineRequest,
                "Protocol error: too big inline request",
            ),
            (
                ProtocolError::UnbalancedQuotes,
                "Protocol error: unbalanced quotes in request",
            ),
            (
                ProtocolError::TooBigMultibulkCount,
                "Protocol error: too big mbulk count string",
            ),
            (
                ProtocolError::InvalidMultibulkLength,
                "Protocol error: invalid multibulk length",
            ),
            (
                ProtocolError::UnauthenticatedMultibulkLength,
                "Protocol error: unauthenticated multibulk length",
            ),
            (
                ProtocolError::ExpectedDollar(b'f'),
                "Protocol error: expected '$', got 'f'",
            ),
            (
                ProtocolError::ExpectedDollar(b'\r'),
                "Protocol error: expected '$', got ' '",
            ),
            (
                ProtocolError::ExpectedDollar(0),
                "Protocol error: expected '$', got '\0'",
            ),
            (
                ProtocolError::TooBigBulkCount,
                "Protocol error: too big bulk count string",
            ),
            (
                ProtocolError::InvalidBulkLength,
                "Protocol error: invalid bulk length",
            ),
            (
                ProtocolError::UnauthenticatedBulkLength,
                "Protocol error: unauthenticated bulk length",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
            let mut reply = Vec::new();
            err.write_reply(&mut reply);
            assert_eq!(reply, format!("-ERR {text}\r\n").into_bytes());
        }
    }

    #[test]
    fn defaults() {
        let limits = RequestLimits::default();
        assert_eq!(limits.max_bulk_len, 536_870_912);
        assert_eq!(limits.max_multibulk_len, 2_147_483_647);
        assert_eq!(limits.max_inline_len, 65_536);
        assert!(!limits.auth_required);
        assert!(!RequestDecoder::default().in_progress());
    }
}
