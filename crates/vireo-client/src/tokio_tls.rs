//! [`TlsStream`]: a tokio TCP stream carrying a [`rustls::ClientConnection`],
//! for the tokio adapter's driver task.
//!
//! The driver writes with `write` only (it never calls `flush`) and, after
//! a `Pending` write, offers the same bytes again. So a write reports its
//! bytes as written only once their ciphertext has reached the socket:
//! nothing is left in rustls's buffer for a `flush` that would never come.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use rustls::ClientConnection;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A TLS client stream.
pub(crate) struct TlsStream {
    tcp: TcpStream,
    session: ClientConnection,
    /// Plaintext bytes of the last `poll_write` taken by rustls whose
    /// ciphertext has not all reached the socket yet.
    accepted: usize,
}

impl TlsStream {
    /// Runs the handshake on `tcp` and returns the stream once it is
    /// complete.
    pub(crate) async fn connect(tcp: TcpStream, session: ClientConnection) -> io::Result<Self> {
        let mut stream = TlsStream {
            tcp,
            session,
            accepted: 0,
        };
        std::future::poll_fn(|cx| stream.poll_handshake(cx)).await?;
        Ok(stream)
    }

    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.session.is_handshaking() {
            if self.session.wants_write() {
                ready!(self.poll_send_tls(cx))?;
            } else if ready!(self.poll_receive_tls(cx))? == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection during the TLS handshake",
                )));
            }
        }
        // The client's last handshake message may still be buffered.
        self.poll_drain(cx)
    }

    /// Writes some buffered ciphertext to the socket.
    fn poll_send_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut socket = SocketIo {
            tcp: &mut self.tcp,
            cx,
        };
        match self.session.write_tls(&mut socket) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            other => Poll::Ready(other),
        }
    }

    /// Writes all buffered ciphertext to the socket.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.session.wants_write() {
            if ready!(self.poll_send_tls(cx))? == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Reads ciphertext from the socket and processes it; `Ok(0)` at the
    /// end of the stream.
    fn poll_receive_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut socket = SocketIo {
            tcp: &mut self.tcp,
            cx,
        };
        let read = match self.session.read_tls(&mut socket) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
            other => other?,
        };
        self.session
            .process_new_packets()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        Poll::Ready(Ok(read))
    }
}

impl AsyncRead for TlsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match this.session.reader().read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
            // Records the server sent may call for an answer (a key update);
            // a full socket leaves it for the next write.
            if this.session.wants_write() {
                let _ = this.poll_send_tls(cx);
            }
            // At the end of the stream the next plaintext read says
            // whether it was clean (`Ok(0)`, after close_notify) or cut
            // (`UnexpectedEof`); it no longer answers `WouldBlock`.
            ready!(this.poll_receive_tls(cx))?;
        }
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // Ciphertext of an earlier call (or of a handshake answer) first.
        ready!(this.poll_drain(cx))?;
        if this.accepted > 0 {
            return Poll::Ready(Ok(std::mem::take(&mut this.accepted)));
        }
        let accepted = this.session.writer().write(buf)?;
        if accepted == 0 && !buf.is_empty() {
            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
        }
        match this.poll_drain(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(accepted)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                this.accepted = accepted;
                Poll::Pending
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.session.send_close_notify();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.tcp).poll_shutdown(cx)
    }
}

/// The socket seen as `std::io` for rustls: `Pending` becomes
/// `WouldBlock`, with the task registered for the wake-up.
struct SocketIo<'a, 'b> {
    tcp: &'a mut TcpStream,
    cx: &'a mut Context<'b>,
}

impl Read for SocketIo<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut buf = ReadBuf::new(buf);
        match Pin::new(&mut *self.tcp).poll_read(self.cx, &mut buf) {
            Poll::Ready(Ok(())) => Ok(buf.filled().len()),
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Write for SocketIo<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match Pin::new(&mut *self.tcp).poll_write(self.cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
