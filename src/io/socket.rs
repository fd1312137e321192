use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;

use super::{Deadline, Interrupt, IoError, IoStats};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Resolved with getaddrinfo; every address is tried in order.
    Tcp {
        host: String,
        port: u16,
    },
    Unix(PathBuf),
}

/// A connected, non-blocking stream socket (TCP_NODELAY on TCP).
pub struct Socket {
    fd: OwnedFd,
    stats: IoStats,
}

impl Socket {
    /// Non-blocking connect: EINPROGRESS/EINTR -> wait writable -> SO_ERROR;
    /// connect() is never called twice on one fd. On failure of every address,
    /// the last address's error is returned.
    pub fn connect(
        endpoint: &Endpoint,
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<Socket, IoError> {
        todo!()
    }

    /// Wrap an already connected fd (tests: socketpairs). Sets O_NONBLOCK.
    pub fn from_fd(fd: OwnedFd) -> Result<Socket, IoError> {
        todo!()
    }

    /// Read at least one byte into `buf` (returns the count), waiting as needed.
    /// A 0-byte read is `Err(IoError::Eof)`.
    pub fn read(
        &mut self,
        buf: &mut [u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<usize, IoError> {
        todo!()
    }

    /// Write all of `buf`, looping over partial writes, with MSG_NOSIGNAL.
    pub fn write_all(
        &mut self,
        buf: &[u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<(), IoError> {
        todo!()
    }

    pub fn stats(&self) -> IoStats {
        self.stats
    }

    pub fn is_unix(&self) -> bool {
        todo!()
    }

    /// Best-effort shutdown(SHUT_RDWR); wakes any thread blocked on this socket.
    pub fn shutdown(&self) {
        todo!()
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
