//! A connected byte stream: plain socket or TLS over it.

use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::ClientConfig;

use super::{Deadline, Interrupt, IoError, IoStats, Socket, TlsStream};

#[derive(Debug)]
pub enum Stream {
    Plain(Socket),
    Tls(Box<TlsStream>),
}

impl Stream {
    pub fn read(
        &mut self,
        buf: &mut [u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<usize, IoError> {
        match self {
            Stream::Plain(s) => s.read(buf, deadline, hook),
            Stream::Tls(s) => s.read(buf, deadline, hook),
        }
    }

    /// `read` into memory that need not be initialized (see `Socket::read_uninit`);
    /// over TLS it is zeroed first, as rustls reads into initialized memory.
    pub fn read_uninit(
        &mut self,
        buf: &mut [std::mem::MaybeUninit<u8>],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<usize, IoError> {
        match self {
            Stream::Plain(s) => s.read_uninit(buf, deadline, hook),
            Stream::Tls(s) => {
                buf.fill(std::mem::MaybeUninit::new(0));
                // SAFETY: every byte was just initialized.
                let buf = unsafe { &mut *(buf as *mut [_] as *mut [u8]) };
                s.read(buf, deadline, hook)
            }
        }
    }

    /// Wait until a plain socket is readable, before a read that is sure to find
    /// nothing yet (the reply to a command just sent): it saves the read that would
    /// say EAGAIN. Over TLS nothing is waited for here (the TLS layer may hold
    /// bytes already); the read waits as needed.
    pub fn await_reply(
        &mut self,
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<(), IoError> {
        match self {
            Stream::Plain(s) => s.await_readable(deadline, hook),
            Stream::Tls(_) => Ok(()),
        }
    }

    pub fn write_all(
        &mut self,
        buf: &[u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<(), IoError> {
        match self {
            Stream::Plain(s) => s.write_all(buf, deadline, hook),
            Stream::Tls(s) => s.write_all(buf, deadline, hook),
        }
    }

    /// Replace a plain stream by TLS over the same socket (after the protocol's own
    /// "switch to TLS" message). A TLS stream cannot be upgraded again.
    pub fn start_tls(
        self,
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<Stream, IoError> {
        match self {
            Stream::Plain(sock) => {
                let tls = TlsStream::handshake(sock, config, server_name, deadline, hook)?;
                Ok(Stream::Tls(Box::new(tls)))
            }
            Stream::Tls(_) => Err(IoError::Tls("TLS is already active".into())),
        }
    }

    pub fn socket(&self) -> &Socket {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.socket(),
        }
    }

    pub fn shutdown(&self) {
        self.socket().shutdown();
    }

    pub fn stats(&self) -> IoStats {
        self.socket().stats()
    }

    /// End TLS politely (close_notify) before the socket closes; nothing in clear text.
    pub fn close_notify(&mut self, deadline: Deadline) {
        if let Stream::Tls(s) = self {
            s.close_notify(deadline);
        }
    }

    pub fn cipher(&self) -> Option<String> {
        match self {
            Stream::Plain(_) => None,
            Stream::Tls(s) => s.cipher(),
        }
    }
}

impl AsFd for Stream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket().as_fd()
    }
}
