//! RESP encoding: free functions that append one value, one aggregate
//! header, a whole [`Frame`] or a client command to a `Vec<u8>`.
//!
//! Aggregates are written as a header (`array_len`, `map_len`, ...) followed
//! by their elements, written with further calls. Nothing here validates its
//! input: [`simple`] and [`error`] write their text as given, so it must not
//! contain `\r` or `\n`.
//!
//! # Examples
//!
//! ```
//! use vireo_resp::encode;
//!
//! let mut out = Vec::new();
//! encode::array_len(&mut out, 2);
//! encode::bulk(&mut out, b"hello");
//! encode::integer(&mut out, -7);
//! assert_eq!(out, b"*2\r\n$5\r\nhello\r\n:-7\r\n");
//! ```

use std::fmt::Write as _;

use crate::frame::Frame;
use crate::number::two_digits;
pub use crate::number::{fmt_i64, fmt_u64};

const CRLF: &[u8; 2] = b"\r\n";

/// Writes `<prefix><n>\r\n`, the header shared by lengths and counts.
#[inline]
fn header(out: &mut Vec<u8>, prefix: u8, n: u64) {
    // Most headers carry one or two digits; a fixed-size copy beats the
    // general formatter for them.
    if n < 10 {
        out.extend_from_slice(&[prefix, b'0' + n as u8, b'\r', b'\n']);
    } else if n < 100 {
        let [hi, lo] = two_digits(n);
        out.extend_from_slice(&[prefix, hi, lo, b'\r', b'\n']);
    } else {
        let mut digits = [0u8; 20];
        let digits = fmt_u64(&mut digits, n);
        out.reserve(digits.len() + 3);
        out.push(prefix);
        out.extend_from_slice(digits);
        out.extend_from_slice(CRLF);
    }
}

/// Writes `<prefix><text>\r\n`.
#[inline]
fn line(out: &mut Vec<u8>, prefix: u8, text: &[u8]) {
    out.reserve(text.len() + 3);
    out.push(prefix);
    out.extend_from_slice(text);
    out.extend_from_slice(CRLF);
}

/// Writes `<prefix><len>\r\n<data>\r\n`.
#[inline]
fn blob(out: &mut Vec<u8>, prefix: u8, data: &[u8]) {
    // One reservation for header, payload and trailer: 20 digits, the prefix
    // and two CRLFs.
    out.reserve(data.len() + 25);
    header(out, prefix, data.len() as u64);
    out.extend_from_slice(data);
    out.extend_from_slice(CRLF);
}

/// Appends a simple string, `+<text>\r\n`. `text` must not contain `\r` or
/// `\n`.
#[inline]
pub fn simple(out: &mut Vec<u8>, text: &[u8]) {
    line(out, b'+', text);
}

/// Appends a simple error, `-<message>\r\n`. `message` is given without the
/// dash, usually starting with an error code: `ERR unknown command`. It must
/// not contain `\r` or `\n`.
#[inline]
pub fn error(out: &mut Vec<u8>, message: &[u8]) {
    line(out, b'-', message);
}

/// Appends an integer, `:<v>\r\n`.
#[inline]
pub fn integer(out: &mut Vec<u8>, v: i64) {
    if (0..10).contains(&v) {
        out.extend_from_slice(&[b':', b'0' + v as u8, b'\r', b'\n']);
        return;
    }
    let mut digits = [0u8; 20];
    line(out, b':', fmt_i64(&mut digits, v));
}

/// Appends a bulk string, `$<len>\r\n<data>\r\n`.
#[inline]
pub fn bulk(out: &mut Vec<u8>, data: &[u8]) {
    blob(out, b'$', data);
}

/// Appends the RESP2 null bulk string, `$-1\r\n`.
#[inline]
pub fn null_bulk(out: &mut Vec<u8>) {
    out.extend_from_slice(b"$-1\r\n");
}

/// Appends an array header, `*<n>\r\n`; the `n` elements must follow.
#[inline]
pub fn array_len(out: &mut Vec<u8>, n: usize) {
    header(out, b'*', n as u64);
}

/// Appends the RESP2 null array, `*-1\r\n`.
#[inline]
pub fn null_array(out: &mut Vec<u8>) {
    out.extend_from_slice(b"*-1\r\n");
}

/// Appends a RESP3 map header, `%<n>\r\n`; `n` key/value pairs (`2 * n`
/// frames) must follow.
#[inline]
pub fn map_len(out: &mut Vec<u8>, n: usize) {
    header(out, b'%', n as u64);
}

/// Appends a RESP3 set header, `~<n>\r\n`; the `n` elements must follow.
#[inline]
pub fn set_len(out: &mut Vec<u8>, n: usize) {
    header(out, b'~', n as u64);
}

/// Appends a RESP3 push header, `><n>\r\n`; the `n` elements must follow.
#[inline]
pub fn push_len(out: &mut Vec<u8>, n: usize) {
    header(out, b'>', n as u64);
}

/// Appends a RESP3 attribute header, `|<n>\r\n`; `n` key/value pairs must
/// follow, and then the frame they annotate.
#[inline]
pub fn attribute_len(out: &mut Vec<u8>, n: usize) {
    header(out, b'|', n as u64);
}

/// Appends the RESP3 null, `_\r\n`.
#[inline]
pub fn null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"_\r\n");
}

/// Appends a RESP3 boolean, `#t\r\n` or `#f\r\n`.
#[inline]
pub fn boolean(out: &mut Vec<u8>, v: bool) {
    out.extend_from_slice(if v { b"#t\r\n" } else { b"#f\r\n" });
}

/// Appends a RESP3 double, `,<v>\r\n`.
///
/// The text is what Redis sends: `inf`, `-inf` or `nan` for the special
/// values, otherwise the output of C's `%.17g` (17 significant digits,
/// trailing zeros dropped, exponent form below `1e-4` or from `1e17` up), which
/// reads back as exactly the same `f64`.
///
/// # Examples
///
/// ```
/// let mut out = Vec::new();
/// vireo_resp::encode::double(&mut out, 0.1);
/// vireo_resp::encode::double(&mut out, 1e20);
/// vireo_resp::encode::double(&mut out, f64::NEG_INFINITY);
/// assert_eq!(out, b",0.10000000000000001\r\n,1e+20\r\n,-inf\r\n");
/// ```
pub fn double(out: &mut Vec<u8>, v: f64) {
    out.push(b',');
    write_double(out, v);
    out.extend_from_slice(CRLF);
}

/// Appends `v` formatted like C's `printf("%.17g")`, with `inf`, `-inf` and
/// `nan` spelled as Redis spells them: the text of a RESP2 double reply and
/// of a non-integral score in RDB and listpack encodings.
pub fn write_double(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        // Redis compat: the sign of a NaN is not shown.
        out.extend_from_slice(b"nan");
        return;
    }
    if v.is_infinite() {
        let text: &[u8] = if v > 0.0 { b"inf" } else { b"-inf" };
        out.extend_from_slice(text);
        return;
    }
    // Rust's exact scientific formatting picks the same 17 correctly rounded
    // digits as glibc's %.17g; only the layout differs, and is redone below.
    let mut sci = StackText::default();
    let _ = write!(sci, "{v:.16e}");
    let mut digits = [b'0'; 17];
    let mut count = 0;
    let mut exponent: i32 = 0;
    let mut exponent_negative = false;
    let mut in_exponent = false;
    for &b in sci.as_bytes() {
        match b {
            b'e' => in_exponent = true,
            b'-' if in_exponent => exponent_negative = true,
            b'0'..=b'9' if in_exponent => {
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add(i32::from(b - b'0'));
            }
            b'0'..=b'9' => {
                if let Some(slot) = digits.get_mut(count) {
                    *slot = b;
                    count += 1;
                }
            }
            _ => {}
        }
    }
    if exponent_negative {
        exponent = -exponent;
    }
    // %g drops trailing zeros of the fraction.
    let mut significant = digits.len();
    while significant > 1 && digits.get(significant - 1) == Some(&b'0') {
        significant -= 1;
    }
    let digits = &digits[..];
    if v.is_sign_negative() {
        out.push(b'-');
    }
    if !(-4..17).contains(&exponent) {
        out.push(digits[0]);
        if significant > 1 {
            out.push(b'.');
            out.extend_from_slice(digits.get(1..significant).unwrap_or(&[]));
        }
        out.push(b'e');
        out.push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = u64::from(exponent.unsigned_abs());
        // C prints at least two exponent digits.
        if magnitude < 10 {
            out.push(b'0');
        }
        let mut buf = [0u8; 20];
        out.extend_from_slice(fmt_u64(&mut buf, magnitude));
    } else if exponent < 0 {
        out.extend_from_slice(b"0.");
        for _ in 0..(-exponent - 1) {
            out.push(b'0');
        }
        out.extend_from_slice(digits.get(..significant).unwrap_or(&[]));
    } else {
        // 1 to 17 digits before the point.
        let int_len = exponent as usize + 1;
        out.extend_from_slice(digits.get(..int_len).unwrap_or(&[]));
        if significant > int_len {
            out.push(b'.');
            out.extend_from_slice(digits.get(int_len..significant).unwrap_or(&[]));
        }
    }
}

/// A fixed-capacity `fmt::Write` target, so formatting a double does not
/// allocate.
struct StackText {
    buf: [u8; 40],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        StackText {
            buf: [0; 40],
            len: 0,
        }
    }
}

impl StackText {
    fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Appends a RESP3 big number, `(<digits>\r\n`. `digits` is the decimal text,
/// optionally with a leading `-`.
#[inline]
pub fn big_number(out: &mut Vec<u8>, digits: &[u8]) {
    line(out, b'(', digits);
}

/// Appends a RESP3 bulk error, `!<len>\r\n<message>\r\n`.
#[inline]
pub fn bulk_error(out: &mut Vec<u8>, message: &[u8]) {
    blob(out, b'!', message);
}

/// Appends a RESP3 verbatim string, `=<len>\r\n<format>:<text>\r\n`, where
/// `format` is a three-byte type such as `txt` or `mkd`.
#[inline]
pub fn verbatim(out: &mut Vec<u8>, format: [u8; 3], text: &[u8]) {
    out.reserve(text.len() + 29);
    header(out, b'=', text.len() as u64 + 4);
    out.extend_from_slice(&format);
    out.push(b':');
    out.extend_from_slice(text);
    out.extend_from_slice(CRLF);
}

/// Appends a command as a client sends it: an array of bulk strings.
///
/// # Examples
///
/// ```
/// let mut out = Vec::new();
/// vireo_resp::encode::command(&mut out, &[b"GET", b"key"]);
/// assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
/// ```
pub fn command(out: &mut Vec<u8>, args: &[&[u8]]) {
    array_len(out, args.len());
    for arg in args {
        bulk(out, arg);
    }
}

/// Appends any frame, recursively.
///
/// The recursion follows the nesting of `f`; frames from
/// [`ReplyDecoder`](crate::ReplyDecoder) are bounded by its depth limit.
///
/// # Examples
///
/// ```
/// use vireo_resp::{encode, Frame};
///
/// let mut out = Vec::new();
/// encode::frame(&mut out, &Frame::Map(vec![(Frame::Simple("a".into()), Frame::Boolean(true))]));
/// assert_eq!(out, b"%1\r\n+a\r\n#t\r\n");
/// ```
pub fn frame(out: &mut Vec<u8>, f: &Frame) {
    match f {
        Frame::Simple(text) => simple(out, text),
        Frame::Error(message) => error(out, message),
        Frame::Integer(v) => integer(out, *v),
        Frame::Bulk(data) => bulk(out, data),
        Frame::NullBulk => null_bulk(out),
        Frame::NullArray => null_array(out),
        Frame::Array(items) => {
            array_len(out, items.len());
            frames(out, items);
        }
        Frame::Null => null(out),
        Frame::Boolean(v) => boolean(out, *v),
        Frame::Double(v) => double(out, *v),
        Frame::BigNumber(digits) => big_number(out, digits),
        Frame::BulkError(message) => bulk_error(out, message),
        Frame::Verbatim { format, text } => verbatim(out, *format, text),
        Frame::Map(pairs) => {
            map_len(out, pairs.len());
            frame_pairs(out, pairs);
        }
        Frame::Set(items) => {
            set_len(out, items.len());
            frames(out, items);
        }
        Frame::Attribute {
            attributes,
            frame: annotated,
        } => {
            attribute_len(out, attributes.len());
            frame_pairs(out, attributes);
            frame(out, annotated);
        }
        Frame::Push(items) => {
            push_len(out, items.len());
            frames(out, items);
        }
    }
}

fn frames(out: &mut Vec<u8>, items: &[Frame]) {
    for item in items {
        frame(out, item);
    }
}

fn frame_pairs(out: &mut Vec<u8>, pairs: &[(Frame, Frame)]) {
    for (key, value) in pairs {
        frame(out, key);
        frame(out, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(write: impl FnOnce(&mut Vec<u8>), expected: &[u8]) {
        let mut out = b"prefix".to_vec();
        write(&mut out);
        assert_eq!(
            out.get(6..),
            Some(expected),
            "got {:?}, want {:?}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(expected)
        );
    }

    #[test]
    fn scalars() {
        check(|o| simple(o, b"OK"), b"+OK\r\n");
        check(|o| simple(o, b""), b"+\r\n");
        check(|o| error(o, b"ERR bad"), b"-ERR bad\r\n");
        check(|o| integer(o, 0), b":0\r\n");
        check(|o| integer(o, 9), b":9\r\n");
        check(|o| integer(o, 10), b":10\r\n");
        check(|o| integer(o, -1), b":-1\r\n");
        check(|o| integer(o, i64::MIN), b":-9223372036854775808\r\n");
        check(|o| integer(o, i64::MAX), b":9223372036854775807\r\n");
        check(|o| bulk(o, b""), b"$0\r\n\r\n");
        check(|o| bulk(o, b"a\r\nb"), b"$4\r\na\r\nb\r\n");
        check(
            |o| bulk(o, &[b'x'; 100]),
            &[b"$100\r\n".as_slice(), &[b'x'; 100], b"\r\n"].concat(),
        );
        check(null_bulk, b"$-1\r\n");
        check(null_array, b"*-1\r\n");
        check(null, b"_\r\n");
        check(|o| boolean(o, true), b"#t\r\n");
        check(|o| boolean(o, false), b"#f\r\n");
        check(
            |o| big_number(o, b"-123456789012345678901234567890"),
            b"(-123456789012345678901234567890\r\n",
        );
        check(
            |o| bulk_error(o, b"SYNTAX invalid"),
            b"!14\r\nSYNTAX invalid\r\n",
        );
        check(
            |o| verbatim(o, *b"txt", b"Some string"),
            b"=15\r\ntxt:Some string\r\n",
        );
        check(|o| verbatim(o, *b"mkd", b""), b"=4\r\nmkd:\r\n");
    }

    #[test]
    fn headers() {
        check(|o| array_len(o, 0), b"*0\r\n");
        check(|o| array_len(o, 7), b"*7\r\n");
        check(|o| array_len(o, 10), b"*10\r\n");
        check(|o| array_len(o, 99), b"*99\r\n");
        check(|o| array_len(o, 100), b"*100\r\n");
        check(|o| array_len(o, 123_456), b"*123456\r\n");
        check(|o| map_len(o, 3), b"%3\r\n");
        check(|o| set_len(o, 42), b"~42\r\n");
        check(|o| push_len(o, 2), b">2\r\n");
        check(|o| attribute_len(o, 1), b"|1\r\n");
    }

    #[test]
    fn doubles_match_printf() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1, "0.10000000000000001"),
            (1.0 / 3.0, "0.33333333333333331"),
            (2.675, "2.6749999999999998"),
            (100.0, "100"),
            (123456.789, "123456.789"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (1.5e17, "1.5e+17"),
            (12345678901234567.0, "12345678901234568"),
            (1e20, "1e+20"),
            (1e100, "1e+100"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (0.00001, "1.0000000000000001e-05"),
            (1.5e-5, "1.5e-05"),
            (1e-300, "1e-300"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "nan"),
        ];
        for &(v, text) in cases {
            let mut out = Vec::new();
            double(&mut out, v);
            assert_eq!(
                String::from_utf8_lossy(&out),
                format!(",{text}\r\n"),
                "double({v:e})"
            );
            if v.is_finite() {
                let back: f64 = text.parse().expect("valid float text");
                assert_eq!(back.to_bits(), v.to_bits(), "{text} reads back as {v:e}");
            }
        }
    }

    #[test]
    fn commands_and_frames() {
        check(
            |o| command(o, &[b"SET", b"k", b""]),
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n",
        );
        check(|o| command(o, &[]), b"*0\r\n");
        let f = Frame::Attribute {
            attributes: vec![(Frame::Bulk("ttl".into()), Frame::Integer(3))],
            frame: Box::new(Frame::Push(vec![
                Frame::Set(vec![Frame::Null, Frame::Double(2.5)]),
                Frame::Array(vec![Frame::NullBulk, Frame::NullArray]),
                Frame::Error("ERR x".into()),
                Frame::BulkError("e".into()),
                Frame::BigNumber("12".into()),
                Frame::Verbatim {
                    format: *b"txt",
                    text: "hi".into(),
                },
                Frame::Map(vec![]),
                Frame::Boolean(false),
            ])),
        };
        check(
            |o| frame(o, &f),
            b"|1\r\n$3\r\nttl\r\n:3\r\n>8\r\n~2\r\n_\r\n,2.5\r\n*2\r\n$-1\r\n*-1\r\n-ERR x\r\n!1\r\ne\r\n(12\r\n=6\r\ntxt:hi\r\n%0\r\n#f\r\n",
        );
    }
}
