//! The RESP wire protocol for Vireo: the crate root owns the crate
//! documentation and the public re-exports.
//!
//! `vireo-resp` has three independent parts:
//!
//! * [`RequestDecoder`] parses client requests on the server side, in both the
//!   multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and the inline
//!   (`GET k\r\n`) forms, with the exact acceptance rules and error texts of
//!   Redis 7.0. Multibulk arguments are not copied: [`Args`] records byte
//!   ranges of the caller's buffer.
//! * [`ReplyDecoder`] parses server replies on the client side: every RESP2 and
//!   RESP3 type, incrementally, into [`Frame`] trees whose payloads share the
//!   receive buffer.
//! * [`encode`] appends RESP to a `Vec<u8>`: single values, aggregate headers,
//!   whole [`Frame`]s and client commands.
//!
//! # Example
//!
//! ```
//! use bytes::BytesMut;
//! use vireo_resp::{encode, Args, Frame, ReplyDecoder, RequestDecoder, RequestLimits};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A client encodes a command...
//! let mut wire = Vec::new();
//! encode::command(&mut wire, &[b"SET", b"greeting", b"hello"]);
//!
//! // ...and the server decodes it without copying the arguments.
//! let mut decoder = RequestDecoder::new();
//! let mut args = Args::new();
//! let limits = RequestLimits::default();
//! let used = decoder.decode(&wire, &limits, &mut args)?.ok_or("incomplete request")?;
//! assert_eq!(used, wire.len());
//! let argv = args.view(&wire);
//! assert_eq!(argv.len(), 3);
//! assert_eq!(&argv[0], b"SET");
//! assert_eq!(argv.get(2), Some(&b"hello"[..]));
//!
//! // The server answers...
//! let mut out = Vec::new();
//! encode::simple(&mut out, b"OK");
//! encode::array_len(&mut out, 2);
//! encode::integer(&mut out, 42);
//! encode::null_bulk(&mut out);
//!
//! // ...and the client decodes the replies one frame at a time.
//! let mut replies = ReplyDecoder::new();
//! let mut buf = BytesMut::from(&out[..]);
//! assert_eq!(replies.decode(&mut buf)?, Some(Frame::Simple("OK".into())));
//! assert_eq!(
//!     replies.decode(&mut buf)?,
//!     Some(Frame::Array(vec![Frame::Integer(42), Frame::NullBulk])),
//! );
//! assert_eq!(replies.decode(&mut buf)?, None);
//! # Ok(())
//! # }
//! ```
//!
//! # Partial input
//!
//! Both decoders accept input that stops anywhere, including inside a length
//! line or a payload: they answer "need more bytes" (`Ok(None)`) and remember
//! how far they got, so a large request or reply arriving in many small reads
//! is parsed in linear time.
//!
//! # Panics
//!
//! No function in this crate panics because of the bytes it is given. The only
//! panics are documented caller errors, such as asking [`Args::get`] for an
//! argument past the end.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod encode;
mod frame;
mod number;
mod reply;
mod request;

pub use frame::Frame;
pub use reply::{ReplyDecoder, ReplyError};
pub use request::{Args, Argv, ArgvIter, ProtocolError, RequestDecoder, RequestLimits};
