//! The [`Frame`] type: one RESP2 or RESP3 value, as produced by
//! [`ReplyDecoder`](crate::ReplyDecoder) and written by
//! [`encode::frame`](crate::encode::frame).

use bytes::Bytes;

/// One RESP value, RESP2 or RESP3.
///
/// Byte payloads are [`Bytes`], so frames produced by
/// [`ReplyDecoder`](crate::ReplyDecoder) share the receive buffer instead of
/// copying it.
///
/// `PartialEq` compares [`Frame::Double`] with `f64` equality, so a frame
/// holding NaN is not equal to itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// Simple string, `+OK\r\n`. Cannot contain `\r\n`.
    Simple(Bytes),
    /// Simple error, `-ERR message\r\n`; holds the text after the `-`.
    Error(Bytes),
    /// Signed 64-bit integer, `:42\r\n`.
    Integer(i64),
    /// Bulk string, `$5\r\nhello\r\n`. Binary safe.
    Bulk(Bytes),
    /// RESP2 null bulk string, `$-1\r\n`.
    NullBulk,
    /// RESP2 null array, `*-1\r\n`.
    NullArray,
    /// Array, `*<n>\r\n` followed by `n` frames.
    Array(Vec<Frame>),
    /// RESP3 null, `_\r\n`.
    Null,
    /// RESP3 boolean, `#t\r\n` or `#f\r\n`.
    Boolean(bool),
    /// RESP3 double, `,3.14\r\n`, including `inf`, `-inf` and `nan`.
    Double(f64),
    /// RESP3 big number, `(3492890328409238509324850943850943825024385\r\n`;
    /// holds the decimal text.
    BigNumber(Bytes),
    /// RESP3 bulk error, `!<len>\r\n<error>\r\n`. Binary safe.
    BulkError(Bytes),
    /// RESP3 verbatim string, `=15\r\ntxt:Some string\r\n`.
    Verbatim {
        /// The three-byte format before the `:`, such as `txt` or `mkd`.
        format: [u8; 3],
        /// The text after the `:`.
        text: Bytes,
    },
    /// RESP3 map, `%<n>\r\n` followed by `n` key/value pairs, in wire order.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 set, `~<n>\r\n` followed by `n` frames, in wire order.
    Set(Vec<Frame>),
    /// RESP3 attribute, `|<n>\r\n` followed by `n` key/value pairs and then
    /// the frame they annotate.
    Attribute {
        /// The attribute pairs, in wire order.
        attributes: Vec<(Frame, Frame)>,
        /// The frame the attributes annotate.
        frame: Box<Frame>,
    },
    /// RESP3 out-of-band push, `><n>\r\n` followed by `n` frames.
    Push(Vec<Frame>),
}
