use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout};

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
    /// The TLS layer failed (bad certificate, alert from the peer, ...).
    #[error("TLS error: {0}")]
    Tls(String),
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
    let events = match dir {
        Direction::Read => PollFlags::POLLIN,
        Direction::Write => PollFlags::POLLOUT,
    };
    if hook.waiter().is_some() {
        return cooperative(fd, dir, deadline, hook);
    }
    loop {
        if deadline.expired() {
            return Err(IoError::TimedOut);
        }
        let timeout = PollTimeout::from(slice_ms(deadline.remaining()));
        let mut fds = [PollFd::new(fd, events)];
        match nix::poll::poll(&mut fds, timeout) {
            // Any revents (including POLLERR/POLLHUP/POLLNVAL) means "go and try".
            Ok(n) if n > 0 => return Ok(()),
            // A slice ran out: let the hook see signals that did not interrupt us.
            Ok(_) => hook.check().map_err(|_| IoError::Interrupted)?,
            Err(Errno::EINTR) => interrupted("poll", hook, stats)?,
            Err(errno) => return Err(IoError::Os { op: "poll", errno }),
        }
    }
}

/// [`wait`] through the hook's event loop: one slice of at most SLICE (exact at the
/// deadline), then the hook runs; `Ok` means "go and try", as after poll().
fn cooperative(
    fd: BorrowedFd<'_>,
    dir: Direction,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
) -> Result<(), IoError> {
    let slice = match deadline.remaining() {
        Some(r) if r.is_zero() => return Err(IoError::TimedOut),
        Some(r) => r.min(SLICE),
        None => SLICE,
    };
    if let Some(waiter) = hook.waiter() {
        waiter
            .wait_fd(fd.as_raw_fd(), dir, slice)
            .map_err(|_| IoError::Interrupted)?;
    }
    hook.check().map_err(|_| IoError::Interrupted)
}

/// Bookkeeping for a syscall that failed with EINTR: count it, log it, ask the hook.
/// `Ok(())` means the caller retries.
pub(super) fn interrupted(
    op: &'static str,
    hook: &mut dyn Interrupt,
    stats: &mut IoStats,
) -> Result<(), IoError> {
    stats.interrupted_retries += 1;
    log::debug!("retrying interrupted {op}");
    hook.check().map_err(|_| IoError::Interrupted)
}

/// Sleep for `dur` (capped by the deadline) without a file descriptor to watch,
/// retrying EINTR like [`wait`]; the hook runs once the pause is over.
pub(super) fn pause(
    dur: Duration,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
    stats: &mut IoStats,
) -> Result<(), IoError> {
    let until = Instant::now()
        .checked_add(dur)
        .map_or(deadline, |t| Deadline::at(t).min(deadline));
    loop {
        if deadline.expired() {
            return Err(IoError::TimedOut);
        }
        if until.expired() {
            return hook.check().map_err(|_| IoError::Interrupted);
        }
        let timeout = PollTimeout::from(slice_ms(until.remaining()));
        match nix::poll::poll(&mut [], timeout) {
            Ok(_) => {}
            Err(Errno::EINTR) => interrupted("poll", hook, stats)?,
            Err(errno) => return Err(IoError::Os { op: "poll", errno }),
        }
    }
}

/// The poll() timeout for one slice: at most SLICE, else the remaining time rounded
/// UP to whole ms (rounding down would spin with 0 ms polls just before the deadline).
fn slice_ms(remaining: Option<Duration>) -> u16 {
    // SLICE is 50 ms, far below u16::MAX.
    let slice = SLICE.as_millis() as u16;
    match remaining {
        None => slice,
        Some(r) => {
            let ms = r.as_nanos().div_ceil(1_000_000);
            if ms >= u128::from(slice) {
                slice
            } else {
                ms as u16
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{NoInterrupt, Stop};
    use std::io::Write;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    struct Counting(u32);
    impl Interrupt for Counting {
        fn check(&mut self) -> Result<(), Stop> {
            self.0 += 1;
            Ok(())
        }
    }

    fn ms(m: u64) -> Duration {
        Duration::from_millis(m)
    }

    #[test]
    fn slice_is_capped_and_rounds_up() {
        assert_eq!(slice_ms(None), 50);
        assert_eq!(slice_ms(Some(Duration::from_secs(3))), 50);
        assert_eq!(slice_ms(Some(ms(50))), 50);
        assert_eq!(slice_ms(Some(Duration::from_micros(49_001))), 50);
        assert_eq!(slice_ms(Some(Duration::from_micros(300))), 1);
        assert_eq!(slice_ms(Some(Duration::from_nanos(1))), 1);
        assert_eq!(slice_ms(Some(ms(7))), 7);
        assert_eq!(slice_ms(Some(Duration::ZERO)), 0);
    }

    #[test]
    fn ready_fd_returns_at_once() {
        let (a, mut b) = UnixStream::pair().expect("socketpair");
        b.write_all(b"x").expect("write");
        let mut stats = IoStats::default();
        let t = Instant::now();
        let r = wait(
            a.as_fd(),
            Direction::Read,
            Deadline::after(Some(ms(500))),
            &mut NoInterrupt,
            &mut stats,
        );
        assert!(r.is_ok(), "{r:?}");
        assert!(t.elapsed() < ms(20));
        // A fresh socket has buffer space.
        let r = wait(
            a.as_fd(),
            Direction::Write,
            Deadline::NEVER,
            &mut NoInterrupt,
            &mut stats,
        );
        assert!(r.is_ok(), "{r:?}");
    }

    #[test]
    fn hangup_counts_as_ready() {
        let (a, b) = UnixStream::pair().expect("socketpair");
        drop(b);
        let mut stats = IoStats::default();
        let r = wait(
            a.as_fd(),
            Direction::Read,
            Deadline::after(Some(ms(500))),
            &mut NoInterrupt,
            &mut stats,
        );
        assert!(r.is_ok(), "{r:?}");
    }

    #[test]
    fn times_out_at_the_deadline_and_checks_hook_each_slice() {
        let (a, _b) = UnixStream::pair().expect("socketpair");
        let mut stats = IoStats::default();
        let mut hook = Counting(0);
        let t = Instant::now();
        let r = wait(
            a.as_fd(),
            Direction::Read,
            Deadline::after(Some(ms(175))),
            &mut hook,
            &mut stats,
        );
        let el = t.elapsed();
        assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
        assert!(el >= ms(175) && el < ms(175 + 60), "{el:?}");
        // Slices of 50, 50, 50, 25 ms; scheduling delays can only merge the last one away.
        assert!((3..=4).contains(&hook.0), "hook ran {} times", hook.0);
        assert_eq!(stats.interrupted_retries, 0);
    }

    /// An event loop that records what it was asked and stops on its third wait.
    struct Loop {
        asked: Vec<(Direction, Duration)>,
        checks: u32,
    }
    impl crate::io::Waiter for Loop {
        fn wait_fd(
            &mut self,
            _fd: std::os::fd::RawFd,
            dir: Direction,
            timeout: Duration,
        ) -> Result<(), Stop> {
            self.asked.push((dir, timeout));
            std::thread::sleep(timeout);
            if self.asked.len() == 3 {
                Err(Stop)
            } else {
                Ok(())
            }
        }
    }
    impl Interrupt for Loop {
        fn check(&mut self) -> Result<(), Stop> {
            self.checks += 1;
            Ok(())
        }
        fn waiter(&mut self) -> Option<&mut dyn crate::io::Waiter> {
            Some(self)
        }
    }

    #[test]
    fn a_waiter_gets_one_slice_then_the_hook_runs() {
        let (a, _b) = UnixStream::pair().expect("socketpair");
        let mut stats = IoStats::default();
        let mut hook = Loop {
            asked: Vec::new(),
            checks: 0,
        };
        let deadline = Deadline::after(Some(ms(70)));
        // Each call is one slice ("go and try"), capped by SLICE and by the deadline.
        let r = wait(a.as_fd(), Direction::Read, deadline, &mut hook, &mut stats);
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(hook.asked[0], (Direction::Read, SLICE));
        let r = wait(a.as_fd(), Direction::Write, deadline, &mut hook, &mut stats);
        assert!(r.is_ok(), "{r:?}");
        let (dir, last) = hook.asked[1];
        assert_eq!(dir, Direction::Write);
        assert!(last <= ms(20) && last > ms(5), "{last:?}");
        assert_eq!(hook.checks, 2);
        // At the deadline: TimedOut without asking the loop.
        let r = wait(a.as_fd(), Direction::Read, deadline, &mut hook, &mut stats);
        assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
        assert_eq!(hook.asked.len(), 2);
        // The loop's stop ends the wait as an interruption.
        let r = wait(
            a.as_fd(),
            Direction::Read,
            Deadline::NEVER,
            &mut hook,
            &mut stats,
        );
        assert!(matches!(r, Err(IoError::Interrupted)), "{r:?}");
        assert_eq!(hook.checks, 2, "no check after the loop said stop");
    }

    #[test]
    fn expired_deadline_times_out_without_waiting() {
        let (a, _b) = UnixStream::pair().expect("socketpair");
        let mut stats = IoStats::default();
        let t = Instant::now();
        let r = wait(
            a.as_fd(),
            Direction::Read,
            Deadline::at(Instant::now()),
            &mut NoInterrupt,
            &mut stats,
        );
        assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
        assert!(t.elapsed() < ms(5));
    }
}
