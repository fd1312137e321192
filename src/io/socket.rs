use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::socket::{
    self, getsockopt, setsockopt, sockopt, AddressFamily, MsgFlags, SockFlag, SockType,
    SockaddrLike, SockaddrStorage, UnixAddr,
};

use super::poll::{interrupted, pause, SLICE};
use super::{wait, Deadline, Direction, Interrupt, IoError, IoStats};

/// How long to back off before retrying an AF_UNIX connect whose listener backlog is full.
const UNIX_BACKLOG_RETRY: Duration = Duration::from_millis(5);

/// More than the kernel's tick (4 ms at HZ=250, 10 ms at HZ=100), by which a socket
/// timeout may run late.
const TICK_MARGIN: Duration = Duration::from_millis(15);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Resolved with getaddrinfo under the deadline and hook (see `resolve`); every
    /// address is tried in order.
    Tcp {
        host: String,
        port: u16,
    },
    Unix(PathBuf),
}

/// A connected stream socket (TCP_NODELAY on TCP).
///
/// The fd is in blocking mode with SO_RCVTIMEO of one [`SLICE`]: a read that has to
/// wait is one recv() that sleeps (a signal ends it with EINTR, the slice with EAGAIN,
/// and the hook runs as after poll()), not recv + poll + recv. Every other call passes
/// MSG_DONTWAIT and waits through [`wait`]: writes, reads near a deadline (poll is
/// exact to the ms, the socket timeout only to the tick) and reads under a cooperative
/// waiter, which must never block the thread.
///
/// Dropping it only closes the fd: no shutdown(), so a forked child that drops its
/// copy does not tear down the parent's connection.
#[derive(Debug)]
pub struct Socket {
    fd: OwnedFd,
    stats: IoStats,
    unix: bool,
}

/// See [`Socket::shutdown_handle`].
#[derive(Debug)]
pub struct ShutdownHandle(OwnedFd);

impl ShutdownHandle {
    /// shutdown(SHUT_RDWR): the socket's reads see EOF and its writes fail, in every
    /// thread; the connection is over.
    pub fn shutdown(&self) {
        let _ = socket::shutdown(self.0.as_raw_fd(), socket::Shutdown::Both);
    }
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
        let mut stats = IoStats::default();
        let (fd, unix) = match endpoint {
            Endpoint::Tcp { host, port } => {
                let addrs = super::resolve::resolve(host, *port, deadline, hook, &mut stats)?;
                (connect_any(&addrs, deadline, hook, &mut stats)?, false)
            }
            Endpoint::Unix(path) => (connect_unix(path, deadline, hook, &mut stats)?, true),
        };
        block_in_slices(&fd)?;
        Ok(Socket { fd, stats, unix })
    }

    /// Wrap an already connected fd (tests: socketpairs).
    pub fn from_fd(fd: OwnedFd) -> Result<Socket, IoError> {
        let os = |op| move |errno| IoError::Os { op, errno };
        block_in_slices(&fd)?;
        let local: SockaddrStorage =
            socket::getsockname(fd.as_raw_fd()).map_err(os("getsockname"))?;
        let unix = local.family() == Some(AddressFamily::Unix);
        Ok(Socket {
            fd,
            stats: IoStats::default(),
            unix,
        })
    }

    /// Read at least one byte into `buf` (returns the count), waiting as needed.
    /// A 0-byte read is `Err(IoError::Eof)`.
    pub fn read(
        &mut self,
        buf: &mut [u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<usize, IoError> {
        // SAFETY: the same memory seen as possibly uninitialized; `read_uninit` only
        // ever writes received bytes into it, never uninitialized ones.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        self.read_uninit(buf, deadline, hook)
    }

    /// `read` into memory that need not be initialized (a buffer's spare capacity,
    /// so a large read costs no memset first). On `Ok(n)` the first `n` bytes of
    /// `buf` hold what was received; nothing else of it was written.
    pub fn read_uninit(
        &mut self,
        buf: &mut [MaybeUninit<u8>],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<usize, IoError> {
        // recv() into an empty buffer returns 0, which would look like EOF.
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let blocks = sleeps_in_recv(deadline, hook);
            let flags = if blocks { 0 } else { nix::libc::MSG_DONTWAIT };
            // SAFETY: recv writes at most buf.len() bytes at buf's start and says how
            // many; the fd is ours and open for the call.
            let n = unsafe {
                nix::libc::recv(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    flags,
                )
            };
            match Errno::result(n).map(|n| n as usize) {
                Ok(0) => return Err(IoError::Eof),
                Ok(n) => {
                    self.stats.bytes_in += n as u64;
                    return Ok(n);
                }
                // A slice ran out: let the hook see signals that did not interrupt us.
                Err(Errno::EAGAIN) if blocks => hook.check().map_err(|_| IoError::Interrupted)?,
                Err(Errno::EAGAIN) => self.wait(Direction::Read, deadline, hook)?,
                Err(Errno::EINTR) => interrupted("read", hook, &mut self.stats)?,
                Err(errno) => return Err(IoError::Os { op: "read", errno }),
            }
        }
    }

    /// Write all of `buf`, looping over partial writes, with MSG_NOSIGNAL.
    pub fn write_all(
        &mut self,
        buf: &[u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<(), IoError> {
        let mut rest = buf;
        while !rest.is_empty() {
            // MSG_NOSIGNAL: a closed peer gives EPIPE, not a process-killing SIGPIPE.
            let flags = MsgFlags::MSG_NOSIGNAL | MsgFlags::MSG_DONTWAIT;
            match socket::send(self.fd.as_raw_fd(), rest, flags) {
                // A stream socket never accepts 0 of a non-empty buffer; don't spin on it.
                Ok(0) => {
                    return Err(IoError::Os {
                        op: "write",
                        errno: Errno::EIO,
                    })
                }
                Ok(n) => {
                    self.stats.bytes_out += n as u64;
                    rest = rest.get(n..).unwrap_or_default();
                }
                Err(Errno::EAGAIN) => self.wait(Direction::Write, deadline, hook)?,
                Err(Errno::EINTR) => interrupted("write", hook, &mut self.stats)?,
                Err(errno) => return Err(IoError::Os { op: "write", errno }),
            }
        }
        Ok(())
    }

    /// Block until the socket is ready for `dir` (see [`wait`]), counting into this
    /// socket's stats.
    pub fn wait(
        &mut self,
        dir: Direction,
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<(), IoError> {
        wait(self.fd.as_fd(), dir, deadline, hook, &mut self.stats)
    }

    /// Wait until a read would find something, when the next read is sure to find
    /// nothing yet (the reply to a command just sent) and would not sleep in recv()
    /// itself: it saves that read's EAGAIN.
    pub fn await_readable(
        &mut self,
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<(), IoError> {
        if sleeps_in_recv(deadline, hook) {
            return Ok(());
        }
        self.wait(Direction::Read, deadline, hook)
    }

    /// Shut down both directions, best effort: wakes any thread blocked on this
    /// socket and tells the peer we are gone. Errors (e.g. ENOTCONN) are ignored.
    pub fn shutdown(&self) {
        let _ = socket::shutdown(self.fd.as_raw_fd(), socket::Shutdown::Both);
    }

    /// A second descriptor for this socket that can only shut it down: another
    /// thread uses it to wake a wait in progress. Dropping it closes only itself.
    pub fn shutdown_handle(&self) -> Option<ShutdownHandle> {
        self.fd.try_clone().ok().map(ShutdownHandle)
    }

    pub fn stats(&self) -> IoStats {
        self.stats
    }

    pub fn is_unix(&self) -> bool {
        self.unix
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Whether a read may sleep in recv() for one slice: not under a cooperative waiter,
/// and not within a slice and a tick of the deadline (the socket timeout is rounded
/// up to the kernel's tick, so near the deadline poll() takes over to end on time).
fn sleeps_in_recv(deadline: Deadline, hook: &mut dyn Interrupt) -> bool {
    hook.waiter().is_none()
        && deadline
            .remaining()
            .map_or(true, |r| r >= SLICE + TICK_MARGIN)
}

/// Put `fd` in blocking mode with SO_RCVTIMEO of one slice (see [`Socket`]).
fn block_in_slices(fd: &OwnedFd) -> Result<(), IoError> {
    let os = |op| move |errno| IoError::Os { op, errno };
    let flags = fcntl(fd.as_fd(), FcntlArg::F_GETFL).map_err(os("fcntl"))?;
    let flags = OFlag::from_bits_retain(flags) - OFlag::O_NONBLOCK;
    fcntl(fd.as_fd(), FcntlArg::F_SETFL(flags)).map_err(os("fcntl"))?;
    let slice = nix::sys::time::TimeVal::new(0, SLICE.as_micros() as _);
    setsockopt(fd, sockopt::ReceiveTimeout, &slice).map_err(os("setsockopt"))
}

/// Try every address in order. A stop from the hook or an expired deadline ends
/// the attempt at once; any other failure moves on to the next address.
fn connect_any(
    addrs: &[SocketAddr],
    deadline: Deadline,
    hook: &mut dyn Interrupt,
    stats: &mut IoStats,
) -> Result<OwnedFd, IoError> {
    let mut last = IoError::TimedOut;
    for addr in addrs {
        if deadline.expired() {
            return Err(IoError::TimedOut);
        }
        match connect_tcp(addr, deadline, hook, stats) {
            Ok(fd) => return Ok(fd),
            Err(e @ (IoError::Interrupted | IoError::TimedOut)) => return Err(e),
            Err(e) => {
                log::debug!("connect to {addr} failed: {e}");
                last = e;
            }
        }
    }
    Err(last)
}

fn connect_tcp(
    addr: &SocketAddr,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
    stats: &mut IoStats,
) -> Result<OwnedFd, IoError> {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::Inet,
        SocketAddr::V6(_) => AddressFamily::Inet6,
    };
    let fd = new_socket(family)?;
    // Small request packets must not sit in Nagle's buffer; keepalive finds dead peers.
    let os = |errno| IoError::Os {
        op: "setsockopt",
        errno,
    };
    setsockopt(&fd, sockopt::TcpNoDelay, &true).map_err(os)?;
    setsockopt(&fd, sockopt::KeepAlive, &true).map_err(os)?;
    start_connect(fd, &SockaddrStorage::from(*addr), deadline, hook, stats)
}

/// AF_UNIX connect. A full listen backlog gives EAGAIN (not EINPROGRESS) and the fd
/// cannot be waited on, so back off briefly and retry with a fresh fd.
fn connect_unix(
    path: &Path,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
    stats: &mut IoStats,
) -> Result<OwnedFd, IoError> {
    let addr = UnixAddr::new(path).map_err(|errno| IoError::Os {
        op: "connect",
        errno,
    })?;
    loop {
        let fd = new_socket(AddressFamily::Unix)?;
        match start_connect(fd, &addr, deadline, hook, stats) {
            Err(IoError::Os {
                errno: Errno::EAGAIN,
                ..
            }) => pause(UNIX_BACKLOG_RETRY, deadline, hook, stats)?,
            other => return other,
        }
    }
}

fn new_socket(family: AddressFamily) -> Result<OwnedFd, IoError> {
    let flags = SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC;
    socket::socket(family, SockType::Stream, flags, None).map_err(|errno| IoError::Os {
        op: "socket",
        errno,
    })
}

/// One connect() on a fresh non-blocking fd, then wait for the outcome.
fn start_connect(
    fd: OwnedFd,
    addr: &dyn SockaddrLike,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
    stats: &mut IoStats,
) -> Result<OwnedFd, IoError> {
    match socket::connect(fd.as_raw_fd(), addr) {
        Ok(()) => return Ok(fd),
        Err(Errno::EINPROGRESS) => {}
        // An interrupted connect keeps going asynchronously; calling connect()
        // again would fail with EALREADY, so wait for it like EINPROGRESS.
        Err(Errno::EINTR) => interrupted("connect", hook, stats)?,
        Err(errno) => {
            return Err(IoError::Os {
                op: "connect",
                errno,
            })
        }
    }
    wait(fd.as_fd(), Direction::Write, deadline, hook, stats)?;
    match getsockopt(&fd, sockopt::SocketError) {
        Ok(0) => Ok(fd),
        Ok(code) => Err(IoError::Os {
            op: "connect",
            errno: Errno::from_raw(code),
        }),
        Err(errno) => Err(IoError::Os {
            op: "getsockopt",
            errno,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::NoInterrupt;
    use std::net::TcpListener;

    fn closed_port_addr() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("local_addr")
        // `l` drops here: nothing listens on that port any more.
    }

    #[test]
    fn read_uninit_fills_only_what_arrived_and_sees_eof() {
        use std::io::Write;
        let (a, mut b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
        let mut sock = Socket::from_fd(OwnedFd::from(a)).expect("socket");
        b.write_all(b"abc").expect("write");
        let mut buf: Vec<u8> = Vec::with_capacity(64);
        let got = sock
            .read_uninit(buf.spare_capacity_mut(), Deadline::NEVER, &mut NoInterrupt)
            .expect("read");
        assert_eq!(got, 3);
        // SAFETY: read_uninit initialized the first `got` bytes.
        unsafe { buf.set_len(got) };
        assert_eq!(buf, b"abc");
        assert_eq!(sock.stats().bytes_in, 3);
        let mut none: [MaybeUninit<u8>; 0] = [];
        let empty = sock.read_uninit(&mut none, Deadline::NEVER, &mut NoInterrupt);
        assert!(matches!(empty, Ok(0)), "an empty buffer is not EOF");
        drop(b);
        let eof = sock.read_uninit(buf.spare_capacity_mut(), Deadline::NEVER, &mut NoInterrupt);
        assert!(matches!(eof, Err(IoError::Eof)));
    }

    #[test]
    fn every_address_is_tried_until_one_connects() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let good = listener.local_addr().expect("local_addr");
        let addrs = [closed_port_addr(), closed_port_addr(), good];
        let mut stats = IoStats::default();
        let fd = connect_any(&addrs, Deadline::NEVER, &mut NoInterrupt, &mut stats);
        let fd = fd.expect("third address connects");
        let peer: SockaddrStorage = socket::getpeername(fd.as_raw_fd()).expect("peer");
        assert_eq!(peer.as_sockaddr_in().map(|a| a.port()), Some(good.port()));
    }

    #[test]
    fn the_last_error_is_returned_when_all_fail() {
        let addrs = [closed_port_addr(), closed_port_addr()];
        let mut stats = IoStats::default();
        let r = connect_any(&addrs, Deadline::NEVER, &mut NoInterrupt, &mut stats);
        assert!(
            matches!(
                r,
                Err(IoError::Os {
                    op: "connect",
                    errno: Errno::ECONNREFUSED
                })
            ),
            "{r:?}"
        );
    }

    #[test]
    fn an_expired_deadline_stops_before_any_attempt() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addrs = [listener.local_addr().expect("local_addr")];
        let mut stats = IoStats::default();
        let r = connect_any(
            &addrs,
            Deadline::at(std::time::Instant::now()),
            &mut NoInterrupt,
            &mut stats,
        );
        assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
    }
}
