//! A cooperative event loop (gevent, eventlet, ...) can do the waiting instead of
//! poll(): the wait loop hands it the fd, the direction and one slice of time.

use std::os::fd::RawFd;
use std::time::Duration;

use super::{Direction, Stop};

pub trait Waiter {
    /// Return once `fd` may be ready for `dir`, or when `timeout` has passed (the
    /// loop cannot tell the two apart and need not: it just tries the syscall again).
    /// `Err(Stop)` gives up now; the waiter keeps the reason.
    fn wait_fd(&mut self, fd: RawFd, dir: Direction, timeout: Duration) -> Result<(), Stop>;
}
