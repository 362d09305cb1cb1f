//! Client-side reply parsing: [`ReplyDecoder`] takes RESP2 and RESP3 frames
//! off the front of a receive buffer, incrementally and without copying
//! payloads.

use std::fmt;

use bytes::{Buf, Bytes, BytesMut};
use memchr::memchr;

use crate::frame::Frame;
use crate::number::parse_i64;

/// Default limit on aggregate nesting. hiredis stops at 7; deeper replies are
/// legitimate (nested `COMMAND DOCS`, scripts returning trees), and 128 still
/// keeps recursive handling of a frame far from the stack limit.
const DEFAULT_MAX_DEPTH: usize = 128;

/// Longest valid content of a line that carries an integer (a length, a
/// count, an integer reply): the `string2ll` grammar rejects 21 bytes or more.
const MAX_NUMBER_LINE: usize = 20;

/// Announced element counts are trusted only this far when pre-allocating,
/// so a hostile `*4000000000` header costs nothing until the elements arrive.
const MAX_PREALLOC_ITEMS: usize = 1024;

/// A malformed reply. The stream cannot be resynchronised after one; the
/// connection should be closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyError {
    /// A frame starts with a byte that is not a RESP2 or RESP3 type.
    InvalidType(u8),
    /// A length or element count is not a valid integer, is negative (other
    /// than `$-1` and `*-1`), or is too large for this platform.
    InvalidLength,
    /// An integer reply (`:`) is not a valid 64-bit integer.
    InvalidInteger,
    /// A double (`,`) is neither a decimal number nor `inf`, `-inf` or `nan`.
    InvalidDouble,
    /// A boolean (`#`) is neither `t` nor `f`.
    InvalidBoolean,
    /// A null (`_`) carries text.
    InvalidNull,
    /// A big number (`(`) is not an optionally signed string of digits.
    InvalidBigNumber,
    /// A verbatim string (`=`) is shorter than 4 bytes or lacks the `:` after
    /// its three-byte format.
    InvalidVerbatim,
    /// A bulk payload is not followed by `\r\n`.
    MissingCrlf,
    /// Aggregates are nested deeper than the decoder allows.
    DepthExceeded {
        /// The decoder's limit.
        max: usize,
    },
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::InvalidType(b) => {
                write!(f, "invalid RESP type byte '{}'", b.escape_ascii())
            }
            ReplyError::InvalidLength => f.write_str("invalid length in RESP reply"),
            ReplyError::InvalidInteger => f.write_str("invalid integer in RESP reply"),
            ReplyError::InvalidDouble => f.write_str("invalid double in RESP reply"),
            ReplyError::InvalidBoolean => f.write_str("invalid boolean in RESP reply"),
            ReplyError::InvalidNull => f.write_str("invalid null in RESP reply"),
            ReplyError::InvalidBigNumber => f.write_str("invalid big number in RESP reply"),
            ReplyError::InvalidVerbatim => f.write_str("invalid verbatim string in RESP reply"),
            ReplyError::MissingCrlf => f.write_str("missing CRLF after bulk payload in RESP reply"),
            ReplyError::DepthExceeded { max } => {
                write!(f, "RESP reply nests aggregates deeper than {max}")
            }
        }
    }
}

impl std::error::Error for ReplyError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Array,
    Map,
    Set,
    Push,
    Attribute,
}

/// An aggregate whose header has been read but not all of its elements.
#[derive(Debug, Clone)]
enum Partial {
    /// Collecting elements; maps and attributes collect keys and values
    /// alternately.
    Items {
        kind: Aggregate,
        items: Vec<Frame>,
        remaining: usize,
    },
    /// An attribute whose pairs are complete, waiting for the frame it
    /// annotates.
    Annotated { attributes: Vec<(Frame, Frame)> },
}

/// What reading one item off the buffer produced.
enum Item {
    Incomplete,
    Frame(Frame),
    /// An aggregate header with this many frames to follow.
    Open(Aggregate, usize),
}

/// Incremental decoder of server replies (client side).
///
/// One decoder serves one connection. Completed elements of an aggregate are
/// moved off the buffer into the decoder as they arrive, so a large reply
/// delivered in many small reads is parsed in linear time.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use vireo_resp::{Frame, ReplyDecoder};
///
/// let mut decoder = ReplyDecoder::new();
/// let mut buf = BytesMut::from(&b"*2\r\n$5\r\nhel"[..]);
/// assert_eq!(decoder.decode(&mut buf), Ok(None));
/// buf.extend_from_slice(b"lo\r\n#t\r\n");
/// assert_eq!(
///     decoder.decode(&mut buf),
///     Ok(Some(Frame::Array(vec![Frame::Bulk("hello".into()), Frame::Boolean(true)]))),
/// );
/// assert!(buf.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct ReplyDecoder {
    max_depth: usize,
    /// Aggregates being filled, outermost first.
    stack: Vec<Partial>,
    /// Where the search for the CRLF of the line at the front of the buffer
    /// resumes.
    scanned: usize,
    /// The buffer must hold at least this many bytes before another attempt
    /// can make progress.
    need: usize,
}

impl Default for ReplyDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ReplyDecoder {
    /// Creates a decoder that accepts aggregates nested up to 128 deep.
    pub fn new() -> Self {
        Self::with_max_depth(DEFAULT_MAX_DEPTH)
    }

    /// Creates a decoder that accepts aggregates nested up to `max_depth`
    /// deep. An array of scalars has depth 1; with `max_depth` 0 no aggregate
    /// is accepted.
    pub fn with_max_depth(max_depth: usize) -> Self {
        ReplyDecoder {
            max_depth,
            stack: Vec::new(),
            scanned: 0,
            need: 0,
        }
    }

    /// Forgets any partly decoded frame, for reuse on a new connection.
    pub fn reset(&mut self) {
        self.stack.clear();
        self.scanned = 0;
        self.need = 0;
    }

    /// Takes one complete frame off the front of `buf`.
    ///
    /// Returns `Ok(None)` when `buf` holds only part of a frame; call again
    /// once more bytes were appended to `buf`. In the meantime the decoder may
    /// already have moved the complete elements of a partly received
    /// aggregate out of `buf`; the rest stays. Bulk payloads of the returned
    /// frame share `buf`'s memory.
    ///
    /// # Errors
    ///
    /// Returns a [`ReplyError`] when the bytes are not valid RESP or nest
    /// deeper than the configured limit. The decoder is then reset, but the
    /// stream cannot be resynchronised: the connection should be closed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, ReplyError> {
        let result = self.decode_frame(buf);
        if result.is_err() {
            self.reset();
        }
        result
    }

    fn decode_frame(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, ReplyError> {
        loop {
            if buf.is_empty() || buf.len() < self.need {
                return Ok(None);
            }
            let frame = match self.item(buf)? {
                Item::Incomplete => return Ok(None),
                Item::Frame(frame) => frame,
                Item::Open(kind, count) => match self.open(kind, count) {
                    Some(empty) => empty,
                    None => continue,
                },
            };
            if let Some(done) = self.attach(frame) {
                return Ok(Some(done));
            }
        }
    }

    /// Starts an aggregate of `count` frames; an empty one is complete at
    /// once and returned.
    fn open(&mut self, kind: Aggregate, count: usize) -> Option<Frame> {
        if count == 0 {
            return match kind {
                Aggregate::Array => Some(Frame::Array(Vec::new())),
                Aggregate::Map => Some(Frame::Map(Vec::new())),
                Aggregate::Set => Some(Frame::Set(Vec::new())),
                Aggregate::Push => Some(Frame::Push(Vec::new())),
                Aggregate::Attribute => {
                    self.stack.push(Partial::Annotated {
                        attributes: Vec::new(),
                    });
                    None
                }
            };
        }
        self.stack.push(Partial::Items {
            kind,
            items: Vec::with_capacity(count.min(MAX_PREALLOC_ITEMS)),
            remaining: count,
        });
        None
    }

    /// Adds a complete frame to the innermost open aggregate, closing every
    /// aggregate it completes. Returns the frame once nothing is left open.
    fn attach(&mut self, mut frame: Frame) -> Option<Frame> {
        loop {
            let Some(top) = self.stack.last_mut() else {
                return Some(frame);
            };
            frame = match top {
                Partial::Items {
                    kind,
                    items,
                    remaining,
                } => {
                    items.push(frame);
                    *remaining = remaining.saturating_sub(1);
                    if *remaining > 0 {
                        return None;
                    }
                    let items = std::mem::take(items);
                    match *kind {
                        Aggregate::Array => Frame::Array(items),
                        Aggregate::Set => Frame::Set(items),
                        Aggregate::Push => Frame::Push(items),
                        Aggregate::Map => Frame::Map(pairs(items)),
                        Aggregate::Attribute => {
                            *top = Partial::Annotated {
                                attributes: pairs(items),
                            };
                            return None;
                        }
                    }
                }
                Partial::Annotated { attributes } => Frame::Attribute {
                    attributes: std::mem::take(attributes),
                    frame: Box::new(frame),
                },
            };
            self.stack.pop();
        }
    }

    /// Reads one scalar frame or aggregate header off the front of `buf`.
    fn item(&mut self, buf: &mut BytesMut) -> Result<Item, ReplyError> {
        let Some(&kind) = buf.first() else {
            return Ok(Item::Incomplete);
        };
        let (max_line, line_error) = match kind {
            b'+' | b'-' | b'(' | b',' => (usize::MAX, ReplyError::InvalidLength),
            b':' => (MAX_NUMBER_LINE, ReplyError::InvalidInteger),
            b'#' => (MAX_NUMBER_LINE, ReplyError::InvalidBoolean),
            b'_' => (MAX_NUMBER_LINE, ReplyError::InvalidNull),
            b'$' | b'!' | b'=' | b'*' | b'%' | b'~' | b'>' | b'|' => {
                (MAX_NUMBER_LINE, ReplyError::InvalidLength)
            }
            other => return Err(ReplyError::InvalidType(other)),
        };
        let Some(cr) = self.find_crlf(buf, max_line, line_error)? else {
            return Ok(Item::Incomplete);
        };
        let content = buf.get(1..cr).unwrap_or(&[]);
        let frame = match kind {
            b'+' => Frame::Simple(self.take_line(buf, cr)),
            b'-' => Frame::Error(self.take_line(buf, cr)),
            b'(' => {
                if !is_big_number(content) {
                    return Err(ReplyError::InvalidBigNumber);
                }
                Frame::BigNumber(self.take_line(buf, cr))
            }
            b',' => {
                let v = parse_double(content).ok_or(ReplyError::InvalidDouble)?;
                self.consume(buf, cr + 2);
                Frame::Double(v)
            }
            b':' => {
                let v = parse_i64(content).ok_or(ReplyError::InvalidInteger)?;
                self.consume(buf, cr + 2);
                Frame::Integer(v)
            }
            b'#' => {
                let v = match content {
                    b"t" => true,
                    b"f" => false,
                    _ => return Err(ReplyError::InvalidBoolean),
                };
                self.consume(buf, cr + 2);
                Frame::Boolean(v)
            }
            b'_' => {
                if !content.is_empty() {
                    return Err(ReplyError::InvalidNull);
                }
                self.consume(buf, cr + 2);
                Frame::Null
            }
            b'$' | b'!' | b'=' => return self.blob(buf, kind, cr),
            _ => return self.aggregate(buf, kind, cr),
        };
        Ok(Item::Frame(frame))
    }

    /// Reads a length-prefixed frame (`$`, `!`, `=`) whose header line ends
    /// at `cr`.
    fn blob(&mut self, buf: &mut BytesMut, kind: u8, cr: usize) -> Result<Item, ReplyError> {
        let len = parse_i64(buf.get(1..cr).unwrap_or(&[])).ok_or(ReplyError::InvalidLength)?;
        if len == -1 && kind == b'$' {
            self.consume(buf, cr + 2);
            return Ok(Item::Frame(Frame::NullBulk));
        }
        let len = usize::try_from(len).map_err(|_| ReplyError::InvalidLength)?;
        let start = cr + 2;
        let end = start.checked_add(len).ok_or(ReplyError::InvalidLength)?;
        let total = end.checked_add(2).ok_or(ReplyError::InvalidLength)?;
        if buf.len() < total {
            // Nothing changes until the whole payload is there; the header is
            // short enough to parse again then.
            self.need = total;
            return Ok(Item::Incomplete);
        }
        if buf.get(end..total) != Some(b"\r\n") {
            return Err(ReplyError::MissingCrlf);
        }
        let format = if kind == b'=' {
            match buf.get(start..end) {
                Some(&[a, b, c, b':', ..]) => Some([a, b, c]),
                _ => return Err(ReplyError::InvalidVerbatim),
            }
        } else {
            None
        };
        let skip = if format.is_some() { 4 } else { 0 };
        buf.advance(start + skip);
        let payload = buf.split_to(len - skip).freeze();
        self.consume(buf, 2);
        Ok(Item::Frame(match (kind, format) {
            (_, Some(format)) => Frame::Verbatim {
                format,
                text: payload,
            },
            (b'!', None) => Frame::BulkError(payload),
            _ => Frame::Bulk(payload),
        }))
    }

    /// Reads an aggregate header (`*`, `%`, `~`, `>`, `|`) whose line ends at
    /// `cr`.
    fn aggregate(&mut self, buf: &mut BytesMut, kind: u8, cr: usize) -> Result<Item, ReplyError> {
        let count = parse_i64(buf.get(1..cr).unwrap_or(&[])).ok_or(ReplyError::InvalidLength)?;
        if count == -1 && kind == b'*' {
            self.consume(buf, cr + 2);
            return Ok(Item::Frame(Frame::NullArray));
        }
        let count = usize::try_from(count).map_err(|_| ReplyError::InvalidLength)?;
        let (aggregate, frames) = match kind {
            b'*' => (Aggregate::Array, Some(count)),
            b'~' => (Aggregate::Set, Some(count)),
            b'>' => (Aggregate::Push, Some(count)),
            b'%' => (Aggregate::Map, count.checked_mul(2)),
            _ => (Aggregate::Attribute, count.checked_mul(2)),
        };
        let frames = frames.ok_or(ReplyError::InvalidLength)?;
        if self.stack.len() >= self.max_depth {
            return Err(ReplyError::DepthExceeded {
                max: self.max_depth,
            });
        }
        self.consume(buf, cr + 2);
        Ok(Item::Open(aggregate, frames))
    }

    /// Finds the CRLF ending the line at the front of `buf`; returns the index
    /// of its `\r`, or `None` to wait for more bytes.
    ///
    /// A lone `\r` or `\n` is part of the line, as in hiredis.
    fn find_crlf(
        &mut self,
        buf: &[u8],
        max_content: usize,
        too_long: ReplyError,
    ) -> Result<Option<usize>, ReplyError> {
        let mut from = self.scanned.max(1);
        loop {
            let Some(i) = memchr(b'\r', buf.get(from..).unwrap_or(&[])) else {
                self.scanned = buf.len();
                self.need = buf.len() + 1;
                break;
            };
            let cr = from + i;
            match buf.get(cr + 1) {
                Some(b'\n') => return Ok(Some(cr)),
                Some(_) => from = cr + 1,
                None => {
                    self.scanned = cr;
                    self.need = cr + 2;
                    break;
                }
            }
        }
        // A number line already longer than any valid number fails now, with
        // the error the complete line would get, instead of buffering without
        // bound.
        if self.scanned.saturating_sub(1) > max_content {
            Err(too_long)
        } else {
            Ok(None)
        }
    }

    /// Moves the content of the line ending at `cr` out of `buf`.
    fn take_line(&mut self, buf: &mut BytesMut, cr: usize) -> Bytes {
        buf.advance(1);
        let line = buf.split_to(cr.saturating_sub(1)).freeze();
        self.consume(buf, 2);
        line
    }

    /// Drops `n` parsed bytes off the front of `buf`; the next item starts
    /// a fresh search.
    fn consume(&mut self, buf: &mut BytesMut, n: usize) {
        buf.advance(n);
        self.scanned = 0;
        self.need = 0;
    }
}

/// Pairs up alternating keys and values.
fn pairs(items: Vec<Frame>) -> Vec<(Frame, Frame)> {
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut items = items.into_iter();
    while let (Some(key), Some(value)) = (items.next(), items.next()) {
        out.push((key, value));
    }
    out
}

fn is_big_number(s: &[u8]) -> bool {
    let digits = match s {
        [b'-' | b'+', rest @ ..] => rest,
        _ => s,
    };
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// Parses a RESP3 double: `inf`, `-inf`, `nan` (any case, as hiredis
/// accepts) or a decimal number with optional fraction and exponent.
fn parse_double(s: &[u8]) -> Option<f64> {
    let special = |word: &[u8]| s.eq_ignore_ascii_case(word);
    if special(b"inf") || special(b"+inf") {
        return Some(f64::INFINITY);
    }
    if special(b"-inf") {
        return Some(f64::NEG_INFINITY);
    }
    if special(b"nan") || special(b"-nan") || special(b"+nan") {
        return Some(f64::NAN);
    }
    // Rust's float parser also takes spellings such as "infinity"; only plain
    // decimal syntax may reach it.
    if !s
        .iter()
        .all(|b| matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes every frame of `input` at once and one byte at a time; both
    /// must agree.
    fn decode_all(input: &[u8], max_depth: usize) -> Result<Vec<Frame>, ReplyError> {
        let whole = {
            let mut decoder = ReplyDecoder::with_max_depth(max_depth);
            let mut buf = BytesMut::from(input);
            let mut frames = Vec::new();
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Some(frame)) => frames.push(frame),
                    Ok(None) => break Ok(frames),
                    Err(e) => break Err(e),
                }
            }
        };
        let bytewise = {
            let mut decoder = ReplyDecoder::with_max_depth(max_depth);
            let mut buf = BytesMut::new();
            let mut frames = Vec::new();
            let mut result = Ok(());
            'outer: for &b in input {
                buf.extend_from_slice(&[b]);
                loop {
                    match decoder.decode(&mut buf) {
                        Ok(Some(frame)) => frames.push(frame),
                        Ok(None) => break,
                        Err(e) => {
                            result = Err(e);
                            break 'outer;
                        }
                    }
                }
            }
            result.map(|()| frames)
        };
        assert_eq!(
            format!("{whole:?}"),
            format!("{bytewise:?}"),
            "byte-by-byte decoding of {input:?}"
        );
        whole
    }

    fn check(input: &[u8], expected: Frame) {
        assert_eq!(
            decode_all(input, DEFAULT_MAX_DEPTH),
            Ok(vec![expected]),
            "input {input:?}"
        );
    }

    fn check_err(input: &[u8], expected: ReplyError) {
        assert_eq!(
            decode_all(input, DEFAULT_MAX_DEPTH),
            Err(expected),
            "input {input:?}"
        );
    }

    fn check_partial(input: &[u8]) {
        assert_eq!(
            decode_all(input, DEFAULT_MAX_DEPTH),
            Ok(vec![]),
            "input {input:?}"
        );
    }

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn resp2_scalars() {
        check(b"+OK\r\n", Frame::Simple(b("OK")));
        check(b"+\r\n", Frame::Simple(b("")));
        check(b"+a\rb\nc\r\n", Frame::Simple(b("a\rb\nc")));
        check(b"+a\r\r\n", Frame::Simple(b("a\r")));
        check(b"-ERR wrong\r\n", Frame::Error(b("ERR wrong")));
        check(b":0\r\n", Frame::Integer(0));
        check(b":-42\r\n", Frame::Integer(-42));
        check(b":9223372036854775807\r\n", Frame::Integer(i64::MAX));
        check(b":-9223372036854775808\r\n", Frame::Integer(i64::MIN));
        check(b"$5\r\nhello\r\n", Frame::Bulk(b("hello")));
        check(b"$0\r\n\r\n", Frame::Bulk(b("")));
        check(b"$4\r\na\r\nb\r\n", Frame::Bulk(b("a\r\nb")));
        check(b"$-1\r\n", Frame::NullBulk);
        check(b"*-1\r\n", Frame::NullArray);
    }

    #[test]
    fn resp3_scalars() {
        check(b"_\r\n", Frame::Null);
        check(b"#t\r\n", Frame::Boolean(true));
        check(b"#f\r\n", Frame::Boolean(false));
        check(b",1.5\r\n", Frame::Double(1.5));
        check(b",-0.25\r\n", Frame::Double(-0.25));
        check(b",10\r\n", Frame::Double(10.0));
        check(b",1e+17\r\n", Frame::Double(1e17));
        check(b",1.0000000000000001e-05\r\n", Frame::Double(0.00001));
        check(b",inf\r\n", Frame::Double(f64::INFINITY));
        check(b",-inf\r\n", Frame::Double(f64::NEG_INFINITY));
        check(b",INF\r\n", Frame::Double(f64::INFINITY));
        check(
            b"(3492890328409238509324850943850943825024385\r\n",
            Frame::BigNumber(b("3492890328409238509324850943850943825024385")),
        );
        check(b"(-1\r\n", Frame::BigNumber(b("-1")));
        check(
            b"!21\r\nSYNTAX invalid syntax\r\n",
            Frame::BulkError(b("SYNTAX invalid syntax")),
        );
        check(
            b"=15\r\ntxt:Some string\r\n",
            Frame::Verbatim {
                format: *b"txt",
                text: b("Some string"),
            },
        );
        check(
            b"=4\r\nmkd:\r\n",
            Frame::Verbatim {
                format: *b"mkd",
                text: b(""),
            },
        );
        check(
            b"=5\r\n:::::\r\n",
            Frame::Verbatim {
                format: *b":::",
                text: b(":"),
            },
        );
        match decode_all(b",nan\r\n", DEFAULT_MAX_DEPTH).as_deref() {
            Ok([Frame::Double(v)]) => assert!(v.is_nan()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn aggregates() {
        check(b"*0\r\n", Frame::Array(vec![]));
        check(b"%0\r\n", Frame::Map(vec![]));
        check(b"~0\r\n", Frame::Set(vec![]));
        check(b">0\r\n", Frame::Push(vec![]));
        check(
            b"*3\r\n:1\r\n*1\r\n$1\r\nx\r\n*0\r\n",
            Frame::Array(vec![
                Frame::Integer(1),
                Frame::Array(vec![Frame::Bulk(b("x"))]),
                Frame::Array(vec![]),
            ]),
        );
        check(
            b"%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
            Frame::Map(vec![
                (Frame::Simple(b("first")), Frame::Integer(1)),
                (Frame::Simple(b("second")), Frame::Integer(2)),
            ]),
        );
        check(
            b"~2\r\n+a\r\n_\r\n",
            Frame::Set(vec![Frame::Simple(b("a")), Frame::Null]),
        );
        check(
            b">3\r\n+message\r\n+chan\r\n$2\r\nhi\r\n",
            Frame::Push(vec![
                Frame::Simple(b("message")),
                Frame::Simple(b("chan")),
                Frame::Bulk(b("hi")),
            ]),
        );
        check(
            b"*2\r\n$-1\r\n*-1\r\n",
            Frame::Array(vec![Frame::NullBulk, Frame::NullArray]),
        );
    }

    #[test]
    fn attributes() {
        check(
            b"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
            Frame::Attribute {
                attributes: vec![(
                    Frame::Simple(b("key-popularity")),
                    Frame::Map(vec![
                        (Frame::Bulk(b("a")), Frame::Double(0.1923)),
                        (Frame::Bulk(b("b")), Frame::Double(0.0012)),
                    ]),
                )],
                frame: Box::new(Frame::Array(vec![Frame::Integer(2039123), Frame::Integer(9543892)])),
            },
        );
        check(
            b"|0\r\n:1\r\n",
            Frame::Attribute {
                attributes: vec![],
                frame: Box::new(Frame::Integer(1)),
            },
        );
        check(
            b"*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n",
            Frame::Array(vec![
                Frame::Attribute {
                    attributes: vec![(Frame::Simple(b("a")), Frame::Simple(b("b")))],
                    frame: Box::new(Frame::Integer(1)),
                },
                Frame::Integer(2),
            ]),
        );
        check(
            b"|0\r\n|0\r\n_\r\n",
            Frame::Attribute {
                attributes: vec![],
                frame: Box::new(Frame::Attribute {
                    attributes: vec![],
                    frame: Box::new(Frame::Null),
                }),
            },
        );
    }

    #[test]
    fn several_frames_in_one_buffer() {
        assert_eq!(
            decode_all(b"+OK\r\n:1\r\n*1\r\n_\r\n$-1\r\n", DEFAULT_MAX_DEPTH),
            Ok(vec![
                Frame::Simple(b("OK")),
                Frame::Integer(1),
                Frame::Array(vec![Frame::Null]),
                Frame::NullBulk
            ])
        );
    }

    #[test]
    fn partial_input() {
        check_partial(b"");
        check_partial(b"+OK");
        check_partial(b"+OK\r");
        check_partial(b"$5\r\nhel");
        check_partial(b"$5\r\nhello");
        check_partial(b"$5\r\nhello\r");
        check_partial(b"*2\r\n:1\r\n");
        check_partial(b"|1\r\n+a\r\n+b\r\n");
        check_partial(b"%1\r\n+a\r\n");
        check_partial(b":12345678901234567890");
    }

    #[test]
    fn errors() {
        check_err(b"?\r\n", ReplyError::InvalidType(b'?'));
        check_err(b"\r\n", ReplyError::InvalidType(b'\r'));
        check_err(b":abc\r\n", ReplyError::InvalidInteger);
        check_err(b":\r\n", ReplyError::InvalidInteger);
        check_err(b":01\r\n", ReplyError::InvalidInteger);
        check_err(b":9223372036854775808\r\n", ReplyError::InvalidInteger);
        check_err(b":123456789012345678901", ReplyError::InvalidInteger);
        check_err(b"$abc\r\n", ReplyError::InvalidLength);
        check_err(b"$-2\r\n", ReplyError::InvalidLength);
        check_err(b"!-1\r\n", ReplyError::InvalidLength);
        check_err(b"=-1\r\n", ReplyError::InvalidLength);
        check_err(b"%-1\r\n", ReplyError::InvalidLength);
        check_err(b"*-2\r\n", ReplyError::InvalidLength);
        check_err(b"*1234567890123456789012", ReplyError::InvalidLength);
        check_err(b"$3\r\nabcd\r\n", ReplyError::MissingCrlf);
        check_err(b"$3\r\nabc\n\r", ReplyError::MissingCrlf);
        check_err(b",abc\r\n", ReplyError::InvalidDouble);
        check_err(b",\r\n", ReplyError::InvalidDouble);
        check_err(b",infinity\r\n", ReplyError::InvalidDouble);
        check_err(b",1.5x\r\n", ReplyError::InvalidDouble);
        check_err(b"#x\r\n", ReplyError::InvalidBoolean);
        check_err(b"#\r\n", ReplyError::InvalidBoolean);
        check_err(b"#tt\r\n", ReplyError::InvalidBoolean);
        check_err(b"_x\r\n", ReplyError::InvalidNull);
        check_err(b"(\r\n", ReplyError::InvalidBigNumber);
        check_err(b"(12a\r\n", ReplyError::InvalidBigNumber);
        check_err(b"(-\r\n", ReplyError::InvalidBigNumber);
        check_err(b"=3\r\ntxt\r\n", ReplyError::InvalidVerbatim);
        check_err(b"=5\r\ntxt-x\r\n", ReplyError::InvalidVerbatim);
        // The error comes after the frames before it.
        assert_eq!(
            decode_all(b":1\r\n*1\r\n?", DEFAULT_MAX_DEPTH),
            Err(ReplyError::InvalidType(b'?'))
        );
    }

    #[test]
    fn depth_limit() {
        let nested = |depth: usize| {
            let mut input = b"*1\r\n".repeat(depth);
            input.extend_from_slice(b":1\r\n");
            input
        };
        assert!(decode_all(&nested(128), 128).is_ok());
        assert_eq!(
            decode_all(&nested(129), 128),
            Err(ReplyError::DepthExceeded { max: 128 })
        );
        assert_eq!(
            decode_all(&nested(3), 2),
            Err(ReplyError::DepthExceeded { max: 2 })
        );
        assert_eq!(
            decode_all(b"*0\r\n", 0),
            Err(ReplyError::DepthExceeded { max: 0 })
        );
        assert_eq!(decode_all(b":1\r\n", 0), Ok(vec![Frame::Integer(1)]));
        let mut deep = b"*1\r\n".repeat(7);
        deep.extend_from_slice(b"*0\r\n");
        assert_eq!(
            decode_all(&deep, 7),
            Err(ReplyError::DepthExceeded { max: 7 })
        );
        assert_eq!(ReplyDecoder::default().max_depth, DEFAULT_MAX_DEPTH);
    }

    #[test]
    fn error_resets_the_decoder() {
        let mut decoder = ReplyDecoder::new();
        let mut buf = BytesMut::from(&b"*2\r\n:1\r\n#?\r\n"[..]);
        assert_eq!(decoder.decode(&mut buf), Err(ReplyError::InvalidBoolean));
        let mut buf = BytesMut::from(&b":7\r\n"[..]);
        assert_eq!(decoder.decode(&mut buf), Ok(Some(Frame::Integer(7))));
    }

    #[test]
    fn payloads_share_the_buffer() {
        let mut decoder = ReplyDecoder::new();
        let mut buf = BytesMut::with_capacity(64);
        buf.extend_from_slice(b"$5\r\nhello\r\n");
        let base = buf.as_ptr() as usize;
        match decoder.decode(&mut buf) {
            Ok(Some(Frame::Bulk(payload))) => assert_eq!(payload.as_ptr() as usize, base + 4),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn large_frame_in_small_reads_is_linear() {
        // 200k elements fed 7 bytes at a time: quadratic rescanning would
        // take minutes, linear decoding milliseconds.
        let count = 200_000;
        let mut input = format!("*{count}\r\n").into_bytes();
        for i in 0..count {
            input.extend_from_slice(format!(":{i}\r\n").as_bytes());
        }
        let big_simple = [b"+".as_slice(), &vec![b'x'; 1 << 20], b"\r\n"].concat();
        for input in [input, big_simple] {
            let mut decoder = ReplyDecoder::new();
            let mut buf = BytesMut::new();
            let mut frames = 0;
            for chunk in input.chunks(7) {
                buf.extend_from_slice(chunk);
                while let Some(_frame) = decoder.decode(&mut buf).expect("valid input") {
                    frames += 1;
                }
            }
            assert_eq!(frames, 1);
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn error_texts() {
        let cases = [
            (ReplyError::InvalidType(b'?'), "invalid RESP type byte '?'"),
            (ReplyError::InvalidType(0), "invalid RESP type byte '\\x00'"),
            (ReplyError::InvalidLength, "invalid length in RESP reply"),
            (ReplyError::InvalidInteger, "invalid integer in RESP reply"),
            (ReplyError::InvalidDouble, "invalid double in RESP reply"),
            (ReplyError::InvalidBoolean, "invalid boolean in RESP reply"),
            (ReplyError::InvalidNull, "invalid null in RESP reply"),
            (
                ReplyError::InvalidBigNumber,
                "invalid big number in RESP reply",
            ),
            (
                ReplyError::InvalidVerbatim,
                "invalid verbatim string in RESP reply",
            ),
            (
                ReplyError::MissingCrlf,
                "missing CRLF after bulk payload in RESP reply",
            ),
            (
                ReplyError::DepthExceeded { max: 7 },
                "RESP reply nests aggregates deeper than 7",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
        }
    }
}
