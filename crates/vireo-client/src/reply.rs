//! [`FromReply`]: conversion of reply [`Frame`]s into Rust values.
//!
//! Conversions follow what the reply means rather than its exact RESP type,
//! so the same code works over RESP2 and RESP3: a RESP2 null bulk and a RESP3
//! null both become `None`, a map may come as a RESP3 map or as a flat RESP2
//! array, a number may come as an integer, a bulk string or a double.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use bytes::Bytes;
use vireo_resp::Frame;

use crate::error::{Error, ServerError};

/// Types a reply converts into.
///
/// An error reply converts into `Err(`[`Error::Server`]`)` for every type
/// except [`Frame`] itself, which keeps it as data.
pub trait FromReply: Sized {
    /// Converts one reply.
    ///
    /// # Errors
    /// [`Error::Server`] for an error reply, [`Error::Type`] when the reply
    /// does not have the expected shape.
    fn from_reply(frame: Frame) -> Result<Self, Error>;
}

/// Converts an error frame into its error, and passes anything else on,
/// looking through RESP3 attributes.
pub(crate) fn check(frame: Frame) -> Result<Frame, Error> {
    match frame {
        Frame::Error(message) | Frame::BulkError(message) => {
            Err(Error::Server(ServerError::new(message)))
        }
        Frame::Attribute { frame, .. } => check(*frame),
        other => Ok(other),
    }
}

fn unexpected<T>(frame: &Frame, wanted: &str) -> Result<T, Error> {
    Err(Error::type_error(format_args!(
        "cannot convert {} into {wanted}",
        describe(frame)
    )))
}

fn describe(frame: &Frame) -> &'static str {
    match frame {
        Frame::Simple(_) => "a simple string",
        Frame::Error(_) | Frame::BulkError(_) => "an error",
        Frame::Integer(_) => "an integer",
        Frame::Bulk(_) => "a bulk string",
        Frame::NullBulk | Frame::NullArray | Frame::Null => "a null",
        Frame::Array(_) => "an array",
        Frame::Boolean(_) => "a boolean",
        Frame::Double(_) => "a double",
        Frame::BigNumber(_) => "a big number",
        Frame::Verbatim { .. } => "a verbatim string",
        Frame::Map(_) => "a map",
        Frame::Set(_) => "a set",
        Frame::Attribute { .. } => "an attribute",
        Frame::Push(_) => "a push message",
    }
}

fn is_null(frame: &Frame) -> bool {
    matches!(frame, Frame::NullBulk | Frame::NullArray | Frame::Null)
}

impl FromReply for Frame {
    fn from_reply(frame: Frame) -> Result<Frame, Error> {
        Ok(frame)
    }
}

impl FromReply for () {
    fn from_reply(frame: Frame) -> Result<(), Error> {
        check(frame).map(drop)
    }
}

impl FromReply for Bytes {
    fn from_reply(frame: Frame) -> Result<Bytes, Error> {
        match check(frame)? {
            Frame::Bulk(b) | Frame::Simple(b) | Frame::BigNumber(b) => Ok(b),
            Frame::Verbatim { text, .. } => Ok(text),
            Frame::Integer(i) => Ok(Bytes::from(i.to_string())),
            Frame::Double(d) => Ok(Bytes::from(d.to_string())),
            other => unexpected(&other, "bytes"),
        }
    }
}

impl FromReply for Vec<u8> {
    fn from_reply(frame: Frame) -> Result<Vec<u8>, Error> {
        Bytes::from_reply(frame).map(Vec::from)
    }
}

impl FromReply for String {
    fn from_reply(frame: Frame) -> Result<String, Error> {
        let bytes = Bytes::from_reply(frame)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Error::type_error("reply is not UTF-8"))
    }
}

/// Parses a decimal integer reply text as `str::parse` would: plain
/// digits short enough not to overflow are added up here (replies are
/// mostly those), anything else goes through `str::parse`.
fn parse_integer<T>(bytes: &[u8], wanted: &str) -> Result<T, Error>
where
    T: std::str::FromStr + TryFrom<u64>,
{
    if (1..=18).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_digit) {
        let n = bytes.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        if let Ok(n) = T::try_from(n) {
            return Ok(n);
        }
    }
    parse_text(bytes, wanted)
}

fn parse_text<T: std::str::FromStr>(bytes: &[u8], wanted: &str) -> Result<T, Error> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            Error::type_error(format_args!(
                "{:?} is not {wanted}",
                String::from_utf8_lossy(bytes)
            ))
        })
}

macro_rules! integer_reply {
    ($($t:ty),*) => {$(
        impl FromReply for $t {
            fn from_reply(frame: Frame) -> Result<$t, Error> {
                match check(frame)? {
                    Frame::Integer(i) => <$t>::try_from(i).map_err(|_| {
                        Error::type_error(format_args!("{i} is out of range for {}", stringify!($t)))
                    }),
                    Frame::Bulk(b) | Frame::Simple(b) | Frame::BigNumber(b) => {
                        parse_integer(&b, stringify!($t))
                    }
                    Frame::Boolean(v) => Ok(<$t>::from(v)),
                    other => unexpected(&other, stringify!($t)),
                }
            }
        }
    )*};
}
integer_reply!(i8, i16, i32, i64, isize, u16, u32, u64, usize);

impl FromReply for f64 {
    fn from_reply(frame: Frame) -> Result<f64, Error> {
        match check(frame)? {
            Frame::Double(d) => Ok(d),
            Frame::Integer(i) => Ok(i as f64),
            Frame::Bulk(b) | Frame::Simple(b) | Frame::BigNumber(b) => match &b[..] {
                b"inf" | b"+inf" => Ok(f64::INFINITY),
                b"-inf" => Ok(f64::NEG_INFINITY),
                text => parse_text(text, "f64"),
            },
            other => unexpected(&other, "f64"),
        }
    }
}

impl FromReply for bool {
    fn from_reply(frame: Frame) -> Result<bool, Error> {
        match check(frame)? {
            Frame::Boolean(v) => Ok(v),
            Frame::Integer(i) => Ok(i != 0),
            Frame::Simple(s) if &s[..] == b"OK" => Ok(true),
            f if is_null(&f) => Ok(false),
            other => unexpected(&other, "bool"),
        }
    }
}

impl<T: FromReply> FromReply for Option<T> {
    fn from_reply(frame: Frame) -> Result<Option<T>, Error> {
        let frame = check(frame)?;
        if is_null(&frame) {
            Ok(None)
        } else {
            T::from_reply(frame).map(Some)
        }
    }
}

fn elements(frame: Frame, wanted: &str) -> Result<Vec<Frame>, Error> {
    match check(frame)? {
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => Ok(items),
        Frame::Map(pairs) => Ok(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect()),
        f if is_null(&f) => Ok(Vec::new()),
        other => unexpected(&other, wanted),
    }
}

impl<T: FromReply> FromReply for Vec<T> {
    fn from_reply(frame: Frame) -> Result<Vec<T>, Error> {
        elements(frame, "a list")?
            .into_iter()
            .map(T::from_reply)
            .collect()
    }
}

fn pairs(frame: Frame) -> Result<Vec<(Frame, Frame)>, Error> {
    match check(frame)? {
        Frame::Map(pairs) => Ok(pairs),
        Frame::Array(items) if items.len() % 2 == 0 => {
            let mut out = Vec::with_capacity(items.len() / 2);
            let mut items = items.into_iter();
            while let (Some(k), Some(v)) = (items.next(), items.next()) {
                out.push((k, v));
            }
            Ok(out)
        }
        f if is_null(&f) => Ok(Vec::new()),
        other => unexpected(&other, "a map"),
    }
}

impl<K: FromReply + Eq + Hash, V: FromReply> FromReply for HashMap<K, V> {
    fn from_reply(frame: Frame) -> Result<HashMap<K, V>, Error> {
        pairs(frame)?
            .into_iter()
            .map(|(k, v)| Ok((K::from_reply(k)?, V::from_reply(v)?)))
            .collect()
    }
}

impl<K: FromReply + Ord, V: FromReply> FromReply for BTreeMap<K, V> {
    fn from_reply(frame: Frame) -> Result<BTreeMap<K, V>, Error> {
        pairs(frame)?
            .into_iter()
            .map(|(k, v)| Ok((K::from_reply(k)?, V::from_reply(v)?)))
            .collect()
    }
}

macro_rules! tuple_reply {
    ($n:literal; $($name:ident)+) => {
        impl<$($name: FromReply),+> FromReply for ($($name,)+) {
            fn from_reply(frame: Frame) -> Result<Self, Error> {
                let items = elements(frame, concat!("a tuple of ", $n))?;
                if items.len() != $n {
                    return Err(Error::type_error(format_args!(
                        "expected {} elements, got {}", $n, items.len()
                    )));
                }
                let mut items = items.into_iter();
                Ok(($(
                    $name::from_reply(items.next().ok_or_else(|| Error::type_error("short tuple"))?)?,
                )+))
            }
        }
    };
}
tuple_reply!(1; A);
tuple_reply!(2; A B);
tuple_reply!(3; A B C);
tuple_reply!(4; A B C D);
tuple_reply!(5; A B C D E);

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn scalars() {
        assert_eq!(i64::from_reply(Frame::Integer(-3)).ok(), Some(-3));
        assert_eq!(u32::from_reply(bulk("42")).ok(), Some(42));
        assert!(i8::from_reply(Frame::Integer(300)).is_err());
        assert_eq!(f64::from_reply(bulk("1.5")).ok(), Some(1.5));
        assert_eq!(f64::from_reply(Frame::Double(2.0)).ok(), Some(2.0));
        assert_eq!(String::from_reply(bulk("hi")).ok().as_deref(), Some("hi"));
        assert_eq!(bool::from_reply(Frame::Integer(1)).ok(), Some(true));
        assert!(<()>::from_reply(Frame::Simple("OK".into())).is_ok());
    }

    #[test]
    fn integer_texts_parse_as_str_parse_does() {
        let texts = [
            "0",
            "007",
            "42",
            "+5",
            "-5",
            "",
            "1 ",
            "255",
            "256",
            "-128",
            "999999999999999999",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
        ];
        for text in texts {
            let frame = || bulk(text);
            assert_eq!(u16::from_reply(frame()).ok(), text.parse().ok(), "{text}");
            assert_eq!(i8::from_reply(frame()).ok(), text.parse().ok(), "{text}");
            assert_eq!(i64::from_reply(frame()).ok(), text.parse().ok(), "{text}");
            assert_eq!(u64::from_reply(frame()).ok(), text.parse().ok(), "{text}");
            assert_eq!(usize::from_reply(frame()).ok(), text.parse().ok(), "{text}");
        }
    }

    #[test]
    fn nulls_become_none_in_both_protocols() {
        assert_eq!(
            Option::<String>::from_reply(Frame::NullBulk).ok(),
            Some(None)
        );
        assert_eq!(Option::<String>::from_reply(Frame::Null).ok(), Some(None));
        assert_eq!(
            Option::<i64>::from_reply(Frame::Integer(1)).ok(),
            Some(Some(1))
        );
    }

    #[test]
    fn error_replies_become_server_errors() {
        let error = String::from_reply(Frame::Error("WRONGTYPE bad".into()));
        match error {
            Err(Error::Server(e)) => assert_eq!(e.code(), b"WRONGTYPE"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            Frame::from_reply(Frame::Error("ERR".into())),
            Ok(Frame::Error(_))
        ));
    }

    #[test]
    fn maps_from_resp2_arrays_and_resp3_maps() {
        let resp2 = Frame::Array(vec![bulk("a"), bulk("1"), bulk("b"), bulk("2")]);
        let resp3 = Frame::Map(vec![
            (bulk("a"), Frame::Integer(1)),
            (bulk("b"), Frame::Integer(2)),
        ]);
        let want: HashMap<String, i64> = [("a".into(), 1), ("b".into(), 2)].into();
        assert_eq!(
            HashMap::<String, i64>::from_reply(resp2).ok(),
            Some(want.clone())
        );
        assert_eq!(HashMap::<String, i64>::from_reply(resp3).ok(), Some(want));
    }

    #[test]
    fn vectors_and_tuples() {
        let array = Frame::Array(vec![bulk("k"), Frame::Integer(7)]);
        assert_eq!(
            <(String, i64)>::from_reply(array.clone()).ok(),
            Some(("k".to_string(), 7))
        );
        assert!(<(String, i64, i64)>::from_reply(array).is_err());
        let list = Frame::Array(vec![bulk("a"), Frame::NullBulk]);
        assert_eq!(
            Vec::<Option<String>>::from_reply(list).ok(),
            Some(vec![Some("a".to_string()), None])
        );
    }
}
