//! [`Error`]: every way a command, a connection or a conversion can fail.

use std::fmt;
use std::io;
use std::sync::Arc;

use bytes::Bytes;

/// An error reply from the server (`-ERR ...` or a RESP3 bulk error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    message: Bytes,
}

impl ServerError {
    /// Wraps the text of an error reply (without the leading `-`).
    pub fn new(message: impl Into<Bytes>) -> ServerError {
        ServerError {
            message: message.into(),
        }
    }

    /// The whole error text, such as `ERR unknown command 'x'`.
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The error code: the first word when it is in capitals (`ERR`,
    /// `WRONGTYPE`, `NOSCRIPT`, `MOVED`...), or an empty slice.
    pub fn code(&self) -> &[u8] {
        let end = self
            .message
            .iter()
            .position(|&b| b == b' ')
            .unwrap_or(self.message.len());
        let word = &self.message[..end];
        if !word.is_empty() && word.iter().all(|b| b.is_ascii_uppercase()) {
            word
        } else {
            &[]
        }
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.message))
    }
}

/// Everything that can go wrong.
///
/// `Error` is `Clone` because one connection failure completes many pending
/// commands with the same error.
#[derive(Debug, Clone)]
pub enum Error {
    /// The server answered with an error reply.
    Server(ServerError),
    /// The command's deadline passed before its reply arrived. Only this
    /// command failed: the connection stays up and a late reply is
    /// discarded. The command may still have been executed.
    Timeout,
    /// The connection broke after the command was handed to the socket. The
    /// server may or may not have executed it; it was not sent again
    /// because it was not marked idempotent.
    ConnectionLost {
        /// What broke the connection.
        reason: Arc<str>,
    },
    /// The connection broke and the client gave up reconnecting, or
    /// reconnection is disabled; the command was never sent.
    NotConnected {
        /// What broke the connection last.
        reason: Arc<str>,
    },
    /// The client is closing or closed and accepts no new commands.
    Closed,
    /// Back-pressure: the number of unanswered commands reached the
    /// configured maximum (see [`Config::max_pending`](crate::Config)).
    QueueFull,
    /// The command is not allowed on this connection in its present mode
    /// (RESP2 subscribed mode, MONITOR mode), or must go through a
    /// dedicated API (`SUBSCRIBE` through `subscribe`).
    NotAllowed(&'static str),
    /// Connecting, or the connection handshake (`HELLO`, `AUTH`, `SELECT`,
    /// `CLIENT SETNAME`), failed.
    Connect {
        /// Why.
        reason: Arc<str>,
    },
    /// The server sent bytes that are not valid RESP, or a reply nobody
    /// asked for. The connection was dropped.
    Protocol(Arc<str>),
    /// A reply could not be converted to the requested Rust type.
    Type(Arc<str>),
    /// The connection URL or configuration is invalid.
    InvalidConfig(Arc<str>),
    /// An I/O error outside a connection's life (the blocking client's
    /// socket set-up, for example).
    Io(Arc<io::Error>),
}

impl Error {
    /// The server error, when this is one.
    pub fn server_error(&self) -> Option<&ServerError> {
        match self {
            Error::Server(e) => Some(e),
            _ => None,
        }
    }

    /// True when the command may have reached the server although it
    /// failed: after a timeout or a connection lost mid-flight.
    pub fn may_have_executed(&self) -> bool {
        matches!(self, Error::Timeout | Error::ConnectionLost { .. })
    }

    pub(crate) fn type_error(what: impl fmt::Display) -> Error {
        Error::Type(what.to_string().into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Server(e) => write!(f, "{e}"),
            Error::Timeout => f.write_str("command timed out; it may have been executed"),
            Error::ConnectionLost { reason } => write!(
                f,
                "connection lost while the command was in flight ({reason}); \
                 it may or may not have been executed and was not retried"
            ),
            Error::NotConnected { reason } => {
                write!(f, "not connected ({reason}); the command was not sent")
            }
            Error::Closed => f.write_str("the client is closed"),
            Error::QueueFull => f.write_str("too many pending commands"),
            Error::NotAllowed(why) => f.write_str(why),
            Error::Connect { reason } => write!(f, "cannot connect: {reason}"),
            Error::Protocol(why) => write!(f, "protocol error: {why}"),
            Error::Type(why) => write!(f, "unexpected reply type: {why}"),
            Error::InvalidConfig(why) => write!(f, "invalid configuration: {why}"),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(Arc::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_error_code_is_the_leading_capital_word() {
        assert_eq!(ServerError::new("NOSCRIPT No matching").code(), b"NOSCRIPT");
        assert_eq!(ServerError::new("ERR x").code(), b"ERR");
        assert_eq!(ServerError::new("oops no code").code(), b"");
        assert_eq!(ServerError::new("").code(), b"");
    }
}
