use std::os::fd::BorrowedFd;

use super::{Deadline, Interrupt};

/// How long one poll() may block before the hook runs again, so that a signal
/// delivered to another thread (or just before poll) is still noticed promptly.
pub const SLICE: std::time::Duration = std::time::Duration::from_millis(50);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Read,
    Write,
}

#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("timed out")]
    TimedOut,
    /// The interrupt hook said stop.
    #[error("interrupted")]
    Interrupted,
    /// Orderly EOF from the peer.
    #[error("connection closed by peer")]
    Eof,
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    #[error("{op}: {errno}")]
    Os {
        op: &'static str,
        errno: nix::errno::Errno,
    },
}

/// Counters kept per socket; read by `connection.stats()`.
#[derive(Clone, Copy, Debug, Default)]
pub struct IoStats {
    /// Syscalls that failed with EINTR and were retried.
    pub interrupted_retries: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

/// Block until `fd` is ready for `dir`, the deadline passes, or the hook says stop.
/// EINTR runs the hook, counts a retry (DEBUG log record), and waits again with the
/// remaining time. POLLERR/POLLHUP count as ready: the next read/write reports them.
pub fn wait(
    fd: BorrowedFd<'_>,
    dir: Direction,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
    stats: &mut IoStats,
) -> Result<(), IoError> {
    todo!()
}
