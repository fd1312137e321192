//! TLS over a [`Socket`] with rustls. rustls itself does no IO: every byte moves
//! through the socket's wait loop, so signals and deadlines behave exactly as in
//! plain text (the TLS handshake included).

use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

use super::{Deadline, Interrupt, IoError, IoStats, Socket};

/// Largest TLS record plus header: one read can always make progress.
const RECORD: usize = 16 * 1024 + 2048;

pub struct TlsStream {
    sock: Socket,
    conn: ClientConnection,
    incoming: Vec<u8>,
    /// `incoming[pending..filled]`: bytes read from the socket not yet given to rustls.
    pending: usize,
    filled: usize,
    outgoing: Vec<u8>,
}

impl std::fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsStream")
            .field("sock", &self.sock)
            .finish_non_exhaustive()
    }
}

fn tls_error(e: impl std::fmt::Display) -> IoError {
    IoError::Tls(e.to_string())
}

impl TlsStream {
    /// Run the client handshake on an already connected socket.
    pub fn handshake(
        sock: Socket,
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<TlsStream, IoError> {
        let conn = ClientConnection::new(config, server_name).map_err(tls_error)?;
        let mut stream = TlsStream {
            sock,
            conn,
            incoming: vec![0; RECORD],
            pending: 0,
            filled: 0,
            outgoing: Vec::new(),
        };
        while stream.conn.is_handshaking() {
            if stream.conn.wants_write() {
                stream.flush(deadline, hook)?;
            } else if stream.conn.wants_read() {
                stream.fill(deadline, hook)?;
            }
        }
        // TLS 1.2 ends with our Finished still queued.
        stream.flush(deadline, hook)?;
        Ok(stream)
    }

    /// Read at least one byte of plaintext; `Eof` when the peer closed.
    pub fn read(
        &mut self,
        buf: &mut [u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<usize, IoError> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.conn.reader().read(buf) {
                Ok(0) => return Err(IoError::Eof),
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Err(IoError::Eof)
                }
                Err(e) => return Err(tls_error(e)),
            }
            // Answers rustls owes the peer (key updates) go out before we wait.
            self.flush(deadline, hook)?;
            self.fill(deadline, hook)?;
        }
    }

    /// Encrypt and send all of `buf`.
    pub fn write_all(
        &mut self,
        buf: &[u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<(), IoError> {
        let mut rest = buf;
        while !rest.is_empty() {
            let n = self.conn.writer().write(rest).map_err(tls_error)?;
            rest = &rest[n..];
            self.flush(deadline, hook)?;
        }
        Ok(())
    }

    /// Send every TLS record rustls has queued.
    fn flush(&mut self, deadline: Deadline, hook: &mut dyn Interrupt) -> Result<(), IoError> {
        while self.conn.wants_write() {
            self.outgoing.clear();
            self.conn.write_tls(&mut self.outgoing).map_err(tls_error)?;
            self.sock.write_all(&self.outgoing, deadline, hook)?;
        }
        Ok(())
    }

    /// Give rustls TLS bytes until it has plaintext to read or the bytes run out,
    /// reading a batch from the socket first when none are left over. Feeding stops
    /// at the first plaintext: rustls refuses more input once it holds over 16 KiB
    /// of unread plaintext, which one batch of small records would exceed.
    fn fill(&mut self, deadline: Deadline, hook: &mut dyn Interrupt) -> Result<(), IoError> {
        if self.pending == self.filled {
            self.filled = self.sock.read(&mut self.incoming, deadline, hook)?;
            self.pending = 0;
        }
        while self.pending < self.filled {
            let mut data = &self.incoming[self.pending..self.filled];
            let used = self.conn.read_tls(&mut data).map_err(tls_error)?;
            if used == 0 {
                // After close_notify rustls takes nothing more: what follows is dropped.
                self.pending = self.filled;
            }
            self.pending += used;
            match self.conn.process_new_packets() {
                Ok(state) if state.plaintext_bytes_to_read() > 0 => break,
                Ok(_) => {}
                Err(e) => {
                    // Tell the peer why (rustls queued an alert), then give up.
                    let _ = self.flush(deadline, hook);
                    return Err(tls_error(e));
                }
            }
        }
        Ok(())
    }

    /// Best effort: send close_notify within `deadline`.
    pub fn close_notify(&mut self, deadline: Deadline) {
        self.conn.send_close_notify();
        let _ = self.flush(deadline, &mut super::NoInterrupt);
    }

    pub fn socket(&self) -> &Socket {
        &self.sock
    }

    pub fn stats(&self) -> IoStats {
        self.sock.stats()
    }

    /// The negotiated protocol version and cipher suite, for get_ssl_cipher()-style reports.
    pub fn cipher(&self) -> Option<String> {
        self.conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
    }
}

impl AsFd for TlsStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}
