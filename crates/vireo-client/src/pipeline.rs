//! [`Pipeline`] and [`Transaction`]: commands sent back to back as one
//! batch, and how their replies are read.

use vireo_resp::Frame;

use crate::command::{cmd, Command};
use crate::error::Error;
use crate::reply::{check, FromReply};

/// Commands sent back to back, with nothing interleaved, whose replies come
/// back together.
///
/// Read the replies as a tuple or a `Vec`: `let (a, b): (i64, String) = ...`.
/// An error reply inside the batch makes that conversion fail with
/// [`Error::Server`]; read them as `Vec<Frame>` to see each reply,
/// errors included.
///
/// ```
/// use vireo_client::{cmd, Pipeline};
/// let mut pipeline = Pipeline::new();
/// pipeline.add(cmd("INCR").arg("hits")).add(cmd("GET").arg("hits"));
/// assert_eq!(pipeline.len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    commands: Vec<Command>,
}

impl Pipeline {
    /// An empty pipeline.
    pub fn new() -> Pipeline {
        Pipeline::default()
    }

    /// Appends a command.
    pub fn add(&mut self, command: Command) -> &mut Pipeline {
        self.commands.push(command);
        self
    }

    /// Number of commands.
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// True when no command was added.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// The commands, to submit as one batch.
    pub fn commands(&self) -> Vec<Command> {
        self.commands.clone()
    }
}

/// A `MULTI` ... `EXEC` transaction, sent as one batch so no other command
/// of a shared connection slips into it.
///
/// The result is `EXEC`'s reply: read it as a tuple or `Vec` of the
/// commands' replies, or as `Option<...>`, which is `None` when a
/// `WATCH`ed key changed and the transaction was not executed. A command
/// the server refused to queue aborts the whole transaction with
/// `EXECABORT` ([`Error::Server`]).
///
/// # WATCH
///
/// `WATCH` only protects a read-modify-write sequence if no other request
/// uses the connection between `WATCH` and `EXEC`, so use a connection of
/// its own: a [`blocking::Client`](crate::blocking::Client), or a
/// separate tokio [`Client`](crate::tokio::Client) that nothing else
/// shares. Send `WATCH`, read, then run the transaction.
#[derive(Debug, Clone, Default)]
pub struct Transaction {
    commands: Vec<Command>,
}

impl Transaction {
    /// An empty transaction.
    pub fn new() -> Transaction {
        Transaction::default()
    }

    /// Appends a command.
    pub fn add(&mut self, command: Command) -> &mut Transaction {
        self.commands.push(command);
        self
    }

    /// Number of commands between `MULTI` and `EXEC`.
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// True when no command was added.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// `MULTI`, the commands, `EXEC`: the batch to submit.
    pub fn commands(&self) -> Vec<Command> {
        let mut all = Vec::with_capacity(self.commands.len() + 2);
        all.push(cmd("MULTI"));
        all.extend(self.commands.iter().cloned());
        all.push(cmd("EXEC"));
        all
    }

    /// Reads the batch reply of [`commands`](Self::commands) as `T`.
    ///
    /// # Errors
    /// The first error among `MULTI`'s and `EXEC`'s replies, then `T`'s
    /// conversion errors.
    pub fn read<T: FromReply>(batch: Frame) -> Result<T, Error> {
        let Frame::Array(mut replies) = batch else {
            return Err(Error::type_error("a transaction's replies are not a batch"));
        };
        let exec = replies
            .pop()
            .ok_or_else(|| Error::type_error("empty transaction reply"))?;
        if let Some(multi) = replies.into_iter().next() {
            check(multi)?;
        }
        T::from_reply(check(exec)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_wraps_commands_and_reads_exec() {
        let mut tx = Transaction::new();
        tx.add(cmd("INCR").arg("a")).add(cmd("INCR").arg("a"));
        let names: Vec<Vec<u8>> = tx.commands().iter().map(|c| c.name().to_vec()).collect();
        assert_eq!(names, [&b"MULTI"[..], b"INCR", b"INCR", b"EXEC"]);
        let ok = Frame::Simple("OK".into());
        let queued = Frame::Simple("QUEUED".into());
        let exec = Frame::Array(vec![Frame::Integer(1), Frame::Integer(2)]);
        let batch = Frame::Array(vec![ok.clone(), queued.clone(), queued.clone(), exec]);
        assert_eq!(Transaction::read::<(i64, i64)>(batch).ok(), Some((1, 2)));
        let aborted = Frame::Array(vec![ok.clone(), queued.clone(), Frame::NullArray]);
        assert_eq!(
            Transaction::read::<Option<(i64,)>>(aborted).ok(),
            Some(None)
        );
        let refused = Frame::Array(vec![
            ok,
            Frame::Error("EXECABORT Transaction discarded".into()),
        ]);
        let error = Transaction::read::<Vec<i64>>(refused).unwrap_err();
        assert_eq!(
            error.server_error().map(|e| e.code()),
            Some(&b"EXECABORT"[..])
        );
    }
}
