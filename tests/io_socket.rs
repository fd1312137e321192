//! io::Socket on socketpairs and loopback: data integrity, EOF, deadlines, the hook,
//! and connect over TCP (IPv4/IPv6) and Unix sockets.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::socket::{getsockopt, sockopt};
use unshaken::io::poll::SLICE;
use unshaken::io::{
    Deadline, Direction, Endpoint, Interrupt, IoError, NoInterrupt, Socket, Stop, Waiter,
};

mod io_common;

use io_common::{assert_elapsed, deadline_ms, ms, pair, pattern, StopOn, MIB};
#[test]
fn from_fd_blocks_in_slices_and_knows_the_family() {
    let (sock, _peer) = pair();
    let flags = fcntl(sock.as_fd(), FcntlArg::F_GETFL).expect("F_GETFL");
    assert!(!OFlag::from_bits_retain(flags).contains(OFlag::O_NONBLOCK));
    let timeout = getsockopt(&sock, sockopt::ReceiveTimeout).expect("SO_RCVTIMEO");
    let timeout = Duration::from_secs(timeout.tv_sec() as u64)
        + Duration::from_micros(timeout.tv_usec() as u64);
    // Kept in kernel ticks: rounded up to one.
    assert!(timeout >= SLICE && timeout <= SLICE + ms(10), "{timeout:?}");
    assert!(sock.is_unix());

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let tcp = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
    let sock = Socket::from_fd(OwnedFd::from(tcp)).expect("from_fd");
    assert!(!sock.is_unix());
}

#[test]
fn small_round_trip() {
    let (mut sock, mut peer) = pair();
    let echo = thread::spawn(move || {
        let mut buf = [0u8; 5];
        peer.read_exact(&mut buf).expect("peer read");
        peer.write_all(&buf).expect("peer write");
    });
    sock.write_all(b"hello", deadline_ms(2000), &mut NoInterrupt)
        .expect("write");
    let mut buf = [0u8; 16];
    let n = sock
        .read(&mut buf, deadline_ms(2000), &mut NoInterrupt)
        .expect("read");
    assert_eq!(&buf[..n], b"hello");
    assert_eq!(sock.stats().bytes_out, 5);
    assert_eq!(sock.stats().bytes_in, 5);
    echo.join().expect("echo thread");
}

#[test]
fn empty_buffers_do_not_look_like_eof() {
    let (mut sock, _peer) = pair();
    assert_eq!(
        sock.read(&mut [], deadline_ms(100), &mut NoInterrupt).ok(),
        Some(0)
    );
    assert!(sock
        .write_all(&[], deadline_ms(100), &mut NoInterrupt)
        .is_ok());
}

/// Reads everything `sock` delivers until EOF.
fn read_to_eof(sock: &mut Socket, deadline: Deadline) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match sock.read(&mut buf, deadline, &mut NoInterrupt) {
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(IoError::Eof) => return out,
            Err(e) => panic!("read failed after {} bytes: {e:?}", out.len()),
        }
    }
}

#[test]
fn large_read_from_a_slow_writer() {
    let (mut sock, mut peer) = pair();
    let data = pattern(16 * MIB);
    let expected = data.clone();
    let writer = thread::spawn(move || {
        for (i, chunk) in data.chunks(64 * 1024).enumerate() {
            peer.write_all(chunk).expect("peer write");
            if i % 32 == 0 {
                thread::sleep(ms(1)); // slow: the reader must wait many times
            }
        }
    });
    let got = read_to_eof(&mut sock, deadline_ms(10_000));
    writer.join().expect("writer thread");
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "16 MiB arrived corrupted");
    assert_eq!(sock.stats().bytes_in, expected.len() as u64);
}

#[test]
fn large_write_to_a_slow_reader() {
    let (mut sock, mut peer) = pair();
    let data = pattern(16 * MIB);
    let reader = thread::spawn(move || {
        let mut got = Vec::with_capacity(16 * MIB);
        let mut buf = vec![0u8; 48 * 1024];
        for i in 0.. {
            let n = peer.read(&mut buf).expect("peer read");
            if n == 0 {
                return got;
            }
            got.extend_from_slice(&buf[..n]);
            if i % 32 == 0 {
                thread::sleep(ms(1));
            }
        }
        got
    });
    sock.write_all(&data, deadline_ms(10_000), &mut NoInterrupt)
        .expect("write_all");
    assert_eq!(sock.stats().bytes_out, data.len() as u64);
    drop(sock); // EOF for the reader
    let got = reader.join().expect("reader thread");
    assert_eq!(got.len(), data.len());
    assert!(got == data, "16 MiB arrived corrupted");
}

#[test]
fn read_reports_eof_after_the_data() {
    let (mut sock, mut peer) = pair();
    peer.write_all(b"ab").expect("peer write");
    drop(peer);
    let mut buf = [0u8; 8];
    let n = sock
        .read(&mut buf, deadline_ms(1000), &mut NoInterrupt)
        .expect("data first");
    assert_eq!(&buf[..n], b"ab");
    let r = sock.read(&mut buf, deadline_ms(1000), &mut NoInterrupt);
    assert!(matches!(r, Err(IoError::Eof)), "{r:?}");
}

#[test]
fn read_times_out_at_the_deadline() {
    let (mut sock, _peer) = pair();
    let start = Instant::now();
    let r = sock.read(&mut [0u8; 8], deadline_ms(200), &mut NoInterrupt);
    assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
    let el = assert_elapsed(start, 200, 350);
    eprintln!("read timeout 200 ms fired after {el:?}");
}

#[test]
fn write_times_out_when_the_peer_stops_reading() {
    let (mut sock, _peer) = pair();
    let data = vec![7u8; 16 * MIB];
    let start = Instant::now();
    let r = sock.write_all(&data, deadline_ms(200), &mut NoInterrupt);
    assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
    let el = assert_elapsed(start, 200, 350);
    let out = sock.stats().bytes_out;
    assert!(out > 0 && out < data.len() as u64, "bytes_out {out}");
    eprintln!("write timeout 200 ms fired after {el:?} with {out} bytes buffered");
}

#[test]
fn write_to_a_closed_peer_is_an_os_error() {
    let (mut sock, peer) = pair();
    drop(peer);
    let r = sock.write_all(b"x", deadline_ms(1000), &mut NoInterrupt);
    assert!(
        matches!(
            r,
            Err(IoError::Os {
                op: "write",
                errno: Errno::EPIPE
            })
        ),
        "{r:?}"
    );
}

#[test]
fn hook_stop_on_the_first_slice_interrupts_a_blocked_read() {
    let (mut sock, _peer) = pair();
    let mut hook = StopOn { n: 1, calls: 0 };
    let start = Instant::now();
    let r = sock.read(&mut [0u8; 8], Deadline::NEVER, &mut hook);
    assert!(matches!(r, Err(IoError::Interrupted)), "{r:?}");
    // No signal at all: only the 50 ms slice can have run the hook.
    let el = assert_elapsed(start, 45, 150);
    assert_eq!(hook.calls, 1);
    assert_eq!(sock.stats().interrupted_retries, 0);
    eprintln!("hook stop noticed after {el:?}");
}

#[test]
fn hook_stop_on_the_third_slice() {
    let (mut sock, _peer) = pair();
    let mut hook = StopOn { n: 3, calls: 0 };
    let start = Instant::now();
    let r = sock.read(&mut [0u8; 8], deadline_ms(5000), &mut hook);
    assert!(matches!(r, Err(IoError::Interrupted)), "{r:?}");
    assert_elapsed(start, 145, 300);
    assert_eq!(hook.calls, 3);
}

/// An event loop that notes when it was asked and stops from its second wait on.
struct Cooperative {
    start: Instant,
    asked: Vec<Duration>,
}

impl Interrupt for Cooperative {
    fn check(&mut self) -> Result<(), Stop> {
        Ok(())
    }
    fn waiter(&mut self) -> Option<&mut dyn Waiter> {
        Some(self)
    }
}

impl Waiter for Cooperative {
    fn wait_fd(&mut self, _fd: RawFd, _dir: Direction, timeout: Duration) -> Result<(), Stop> {
        self.asked.push(self.start.elapsed());
        if self.asked.len() >= 2 {
            return Err(Stop);
        }
        thread::sleep(timeout.min(ms(10)));
        Ok(())
    }
}

#[test]
fn a_cooperative_read_never_sleeps_in_recv() {
    // The fd blocks in slices; under an event loop every recv must still return at
    // once, or the loop's other greenlets would stall for a slice.
    let (mut sock, _peer) = pair();
    let mut hook = Cooperative {
        start: Instant::now(),
        asked: Vec::new(),
    };
    let r = sock.read(&mut [0u8; 8], Deadline::NEVER, &mut hook);
    assert!(matches!(r, Err(IoError::Interrupted)), "{r:?}");
    assert_eq!(hook.asked.len(), 2);
    assert!(
        hook.asked[0] < ms(5),
        "first wait after {:?}",
        hook.asked[0]
    );
    assert!(
        hook.asked[1] < ms(30),
        "second wait after {:?}",
        hook.asked[1]
    );
    let r = sock.await_readable(Deadline::NEVER, &mut hook);
    assert!(
        matches!(r, Err(IoError::Interrupted)),
        "the loop was asked: {r:?}"
    );
    assert_eq!(hook.asked.len(), 3);
}

#[test]
fn a_read_near_its_deadline_ends_on_time() {
    // Within a slice of the deadline the wait is poll()'s, exact to the ms, not the
    // socket timeout's (a whole slice, rounded up to the tick).
    let (mut sock, _peer) = pair();
    for wait in [20, 60, 70] {
        let start = Instant::now();
        let r = sock.read(&mut [0u8; 8], deadline_ms(wait), &mut NoInterrupt);
        assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
        assert_elapsed(start, wait, wait + 12);
    }
}

#[test]
fn a_reply_that_comes_later_wakes_the_sleeping_read_at_once() {
    let (mut sock, mut peer) = pair();
    let late = thread::spawn(move || {
        thread::sleep(ms(120));
        peer.write_all(b"late").expect("peer write");
        peer
    });
    let start = Instant::now();
    sock.await_readable(Deadline::NEVER, &mut NoInterrupt)
        .expect("nothing to wait for: the read sleeps");
    assert!(start.elapsed() < ms(5));
    let mut buf = [0u8; 8];
    let n = sock
        .read(&mut buf, Deadline::NEVER, &mut NoInterrupt)
        .expect("read");
    assert_eq!(&buf[..n], b"late");
    assert_elapsed(start, 120, 160);
    late.join().expect("writer");
}

#[test]
fn shutdown_wakes_the_peer_but_drop_only_closes() {
    // shutdown(): the peer sees EOF even though another fd still refers to the socket.
    let (ours, mut peer) = UnixStream::pair().expect("socketpair");
    let dup = ours.try_clone().expect("dup");
    let sock = Socket::from_fd(OwnedFd::from(ours)).expect("from_fd");
    sock.shutdown();
    let mut buf = [0u8; 1];
    assert_eq!(peer.read(&mut buf).expect("peer read"), 0);
    sock.shutdown(); // twice is harmless
    drop(dup);

    // drop: the duplicate fd keeps the connection fully alive.
    let (ours, mut peer) = UnixStream::pair().expect("socketpair");
    let mut dup = ours.try_clone().expect("dup");
    drop(Socket::from_fd(OwnedFd::from(ours)).expect("from_fd"));
    dup.write_all(b"z").expect("write via dup");
    peer.read_exact(&mut buf).expect("peer read");
    assert_eq!(&buf, b"z");
}

fn tcp(host: &str, port: u16) -> Endpoint {
    Endpoint::Tcp {
        host: host.to_owned(),
        port,
    }
}

/// Connects to `listener` through `endpoint` and checks the connection carries data.
fn connect_and_exchange(endpoint: &Endpoint, accept: impl FnOnce() -> Box<dyn Write>) -> Socket {
    let mut sock = Socket::connect(endpoint, deadline_ms(2000), &mut NoInterrupt).expect("connect");
    let mut server_side = accept();
    server_side.write_all(b"hi").expect("server write");
    let mut buf = [0u8; 2];
    let n = sock
        .read(&mut buf, deadline_ms(2000), &mut NoInterrupt)
        .expect("read");
    assert_eq!(&buf[..n], &b"hi"[..n]);
    sock
}

fn assert_tcp_options(sock: &Socket) {
    assert!(!sock.is_unix());
    assert_eq!(getsockopt(sock, sockopt::TcpNoDelay).ok(), Some(true));
    assert_eq!(getsockopt(sock, sockopt::KeepAlive).ok(), Some(true));
}

#[test]
fn connect_tcp_ipv4() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let sock = connect_and_exchange(&tcp("127.0.0.1", port), || {
        Box::new(listener.accept().expect("accept").0)
    });
    assert_tcp_options(&sock);
}

#[test]
fn connect_tcp_ipv6() {
    let listener = match TcpListener::bind("[::1]:0") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("SKIP connect_tcp_ipv6: cannot bind [::1]: {e}");
            return;
        }
    };
    let port = listener.local_addr().expect("addr").port();
    let sock = connect_and_exchange(&tcp("::1", port), || {
        Box::new(listener.accept().expect("accept").0)
    });
    assert_tcp_options(&sock);
}

#[test]
fn connect_refused_on_a_closed_port() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let r = Socket::connect(&tcp("127.0.0.1", port), deadline_ms(2000), &mut NoInterrupt);
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
fn connect_localhost_tries_every_address() {
    let addrs: Vec<SocketAddr> = match ("localhost", 0).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => panic!("localhost does not resolve: {e}"),
    };
    // Listen only on the LAST address: success proves the earlier ones were tried
    // and skipped. With a single address this still checks plain name resolution.
    let Some(last) = addrs.last() else {
        panic!("localhost resolved to nothing")
    };
    if addrs.len() < 2 {
        eprintln!(
            "NOTE: localhost resolves to {addrs:?} only; fallback is covered by the unit test"
        );
    }
    let listener = TcpListener::bind((last.ip(), 0)).expect("bind last localhost address");
    let port = listener.local_addr().expect("addr").port();
    let sock = connect_and_exchange(&tcp("localhost", port), || {
        Box::new(listener.accept().expect("accept").0)
    });
    assert_tcp_options(&sock);
}

#[test]
fn connect_to_an_unresolvable_host() {
    let r = Socket::connect(
        &tcp("no-such-host.invalid", 3306),
        deadline_ms(5000),
        &mut NoInterrupt,
    );
    match r {
        Err(IoError::Resolve { host, reason }) => {
            assert_eq!(host, "no-such-host.invalid");
            assert!(!reason.is_empty());
        }
        other => panic!("expected Resolve, got {other:?}"),
    }
}

fn temp_socket_path(tag: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("unshaken-io-{}-{tag}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn connect_unix() {
    let path = temp_socket_path("ok");
    let listener = UnixListener::bind(&path).expect("bind");
    let sock = connect_and_exchange(&Endpoint::Unix(path.clone()), || {
        Box::new(listener.accept().expect("accept").0)
    });
    assert!(sock.is_unix());
    let _ = std::fs::remove_file(&path);
}

#[test]
fn connect_unix_missing_path_is_enoent() {
    let path = temp_socket_path("missing");
    let r = Socket::connect(&Endpoint::Unix(path), deadline_ms(1000), &mut NoInterrupt);
    assert!(
        matches!(
            r,
            Err(IoError::Os {
                op: "connect",
                errno: Errno::ENOENT
            })
        ),
        "{r:?}"
    );
}

/// A Unix listener with backlog 0 whose one queue slot is already taken, so the
/// next non-blocking connect() gets EAGAIN until somebody accepts.
fn full_unix_listener(tag: &str) -> (PathBuf, UnixListener, UnixStream) {
    use nix::sys::socket::{
        bind, listen, socket, AddressFamily, Backlog, SockFlag, SockType, UnixAddr,
    };
    let path = temp_socket_path(tag);
    let fd = socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .expect("socket");
    bind(
        std::os::fd::AsRawFd::as_raw_fd(&fd),
        &UnixAddr::new(&path).expect("addr"),
    )
    .expect("bind");
    listen(&fd, Backlog::new(0).expect("backlog")).expect("listen");
    let filler = UnixStream::connect(&path).expect("first connect fills the queue");
    (path, UnixListener::from(fd), filler)
}

#[test]
fn connect_unix_times_out_on_a_full_backlog() {
    let (path, _listener, _filler) = full_unix_listener("full");
    let start = Instant::now();
    let r = Socket::connect(
        &Endpoint::Unix(path.clone()),
        deadline_ms(150),
        &mut NoInterrupt,
    );
    assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
    let el = assert_elapsed(start, 150, 300);
    eprintln!("connect timeout 150 ms fired after {el:?}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn connect_unix_succeeds_once_the_backlog_drains() {
    let (path, listener, _filler) = full_unix_listener("drain");
    let acceptor = thread::spawn(move || {
        thread::sleep(ms(50));
        // Blocking accept of the filler frees the slot.
        listener.accept().expect("accept");
        listener
    });
    let start = Instant::now();
    let r = Socket::connect(
        &Endpoint::Unix(path.clone()),
        deadline_ms(2000),
        &mut NoInterrupt,
    );
    assert!(r.is_ok(), "{r:?}");
    assert_elapsed(start, 45, 500);
    drop(acceptor.join().expect("acceptor"));
    let _ = std::fs::remove_file(&path);
}
