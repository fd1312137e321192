//! io under a signal storm: SIGALRM every 100 µs, handler installed WITHOUT
//! SA_RESTART, so every blocking syscall in the test thread keeps failing with EINTR.
//!
//! Signal state is process-global, so these tests live in their own binary and are
//! serialized with a mutex. The no-op handler stays installed for the life of the
//! process (a late SIGALRM under SIG_DFL would kill it); only the timer is disarmed.
//!
//! The timer is a POSIX timer aimed at the test thread (SIGEV_THREAD_ID), the
//! thread-directed equivalent of setitimer(ITIMER_REAL): a process-directed SIGALRM
//! would mostly land on libtest's idle main thread and never interrupt the test.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Once};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{
    sigaction, SaFlags, SigAction, SigEvent, SigHandler, SigSet, SigevNotify, Signal,
};
use nix::sys::time::TimeSpec;
use nix::sys::timer::{Expiration, Timer, TimerSetTimeFlags};
use nix::time::ClockId;
mod io_common;

use io_common::{assert_elapsed, deadline_ms, ms, pair, pattern, StopOn};
use unshaken::io::{Deadline, Endpoint, IoError, NoInterrupt, Socket};

const MIB: usize = 1 << 20;
const STORM_INTERVAL: Duration = Duration::from_micros(100);

static SERIAL: Mutex<()> = Mutex::new(());
static ALARMS: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

extern "C" fn on_alarm(_: libc::c_int) {
    ALARMS.fetch_add(1, Ordering::Relaxed);
}

/// SIGALRMs at 100 µs aimed at the calling thread while alive.
struct Storm {
    _timer: Timer,
    _serial: MutexGuard<'static, ()>,
    alarms_at_start: u64,
}

impl Storm {
    fn start() -> Storm {
        // A failed test poisons the mutex; the next one may still run.
        let serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        INSTALL.call_once(|| {
            // No SA_RESTART: interrupted syscalls fail with EINTR instead of restarting.
            let action = SigAction::new(
                SigHandler::Handler(on_alarm),
                SaFlags::empty(),
                SigSet::empty(),
            );
            // SAFETY: the handler only touches an atomic, which is async-signal-safe.
            unsafe { sigaction(Signal::SIGALRM, &action) }.expect("sigaction");
        });
        let event = SigEvent::new(SigevNotify::SigevThreadId {
            signal: Signal::SIGALRM,
            // SAFETY: gettid has no preconditions.
            thread_id: unsafe { libc::gettid() },
            si_value: 0,
        });
        let mut timer = Timer::new(ClockId::CLOCK_MONOTONIC, event).expect("timer_create");
        let every = TimeSpec::from_duration(STORM_INTERVAL);
        timer
            .set(Expiration::Interval(every), TimerSetTimeFlags::empty())
            .expect("timer_settime");
        Storm {
            _timer: timer,
            _serial: serial,
            alarms_at_start: ALARMS.load(Ordering::Relaxed),
        }
    }

    fn alarms(&self) -> u64 {
        ALARMS.load(Ordering::Relaxed) - self.alarms_at_start
    }
}

#[test]
fn storm_read_waits_for_late_data() {
    let (mut sock, mut peer) = pair();
    // Storm (and the test lock) first, so the peer's 300 ms start together with our read.
    let storm = Storm::start();
    let writer = thread::spawn(move || {
        thread::sleep(ms(300));
        peer.write_all(b"late!").expect("peer write");
        peer
    });
    let start = Instant::now();
    let mut buf = [0u8; 16];
    let n = sock
        .read(&mut buf, deadline_ms(1000), &mut NoInterrupt)
        .expect("read under storm");
    let el = assert_elapsed(start, 295, 600);
    let alarms = storm.alarms();
    drop(storm);
    assert_eq!(&buf[..n], b"late!");
    let retries = sock.stats().interrupted_retries;
    assert!(
        retries > 0,
        "the storm never interrupted poll ({alarms} alarms)"
    );
    eprintln!("late read: {el:?}, {alarms} alarms, {retries} EINTR retries");
    drop(writer.join().expect("writer"));
}

#[test]
fn storm_read_timeout_is_exact() {
    let (mut sock, _peer) = pair();
    let storm = Storm::start();
    let start = Instant::now();
    let r = sock.read(&mut [0u8; 8], deadline_ms(200), &mut NoInterrupt);
    let el = assert_elapsed(start, 200, 300);
    drop(storm);
    assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
    let retries = sock.stats().interrupted_retries;
    assert!(retries > 0, "the storm never interrupted poll");
    eprintln!("200 ms timeout under storm: {el:?}, {retries} EINTR retries");
}

#[test]
fn storm_16mib_read_and_write() {
    let (mut sock, mut peer) = pair();
    let data = pattern(16 * MIB);
    let sent = data.clone();
    // The peer echoes in chunks with pauses, so both our read and write must wait.
    let peer_thread = thread::spawn(move || {
        let mut got = Vec::with_capacity(16 * MIB);
        let mut buf = vec![0u8; 64 * 1024];
        while got.len() < 16 * MIB {
            let n = peer.read(&mut buf).expect("peer read");
            assert!(n > 0, "early EOF at {}", got.len());
            got.extend_from_slice(&buf[..n]);
            if got.len() % (2 * MIB) < n {
                thread::sleep(ms(2));
            }
        }
        for (i, chunk) in sent.chunks(64 * 1024).enumerate() {
            peer.write_all(chunk).expect("peer write");
            if i % 32 == 0 {
                thread::sleep(ms(1));
            }
        }
        got
    });
    let storm = Storm::start();
    let start = Instant::now();
    sock.write_all(&data, deadline_ms(10_000), &mut NoInterrupt)
        .expect("write under storm");
    let mut back = vec![0u8; data.len()];
    let mut filled = 0;
    while filled < back.len() {
        filled += sock
            .read(&mut back[filled..], deadline_ms(10_000), &mut NoInterrupt)
            .expect("read under storm");
    }
    let el = start.elapsed();
    let alarms = storm.alarms();
    drop(storm);
    let got = peer_thread.join().expect("peer thread");
    assert!(got == data, "peer received corrupted data");
    assert!(back == data, "we received corrupted data");
    let stats = sock.stats();
    assert_eq!(stats.bytes_out, data.len() as u64);
    assert_eq!(stats.bytes_in, data.len() as u64);
    assert!(
        stats.interrupted_retries > 0,
        "the storm never hit ({alarms} alarms)"
    );
    eprintln!(
        "16 MiB each way: {el:?}, {alarms} alarms, {} EINTR retries",
        stats.interrupted_retries
    );
}

#[test]
fn storm_hook_stop_after_fifth_eintr() {
    let (mut sock, _peer) = pair();
    let mut hook = StopOn { n: 5, calls: 0 };
    let storm = Storm::start();
    let start = Instant::now();
    let r = sock.read(&mut [0u8; 8], Deadline::NEVER, &mut hook);
    let el = start.elapsed();
    drop(storm);
    assert!(matches!(r, Err(IoError::Interrupted)), "{r:?}");
    // Well before the first 50 ms slice ends: only EINTR can have run the hook.
    assert!(el < ms(45), "took {el:?}");
    assert_eq!(hook.calls, 5);
    assert_eq!(sock.stats().interrupted_retries, 5);
    eprintln!("hook stop on 5th EINTR after {el:?}");
}

#[test]
fn storm_connect_200_of_200() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let acceptor = thread::spawn(move || {
        for _ in 0..200 {
            let (mut stream, _) = listener.accept().expect("accept");
            stream.write_all(b"k").expect("server write");
        }
    });
    let endpoint = Endpoint::Tcp {
        host: "127.0.0.1".to_owned(),
        port,
    };
    let storm = Storm::start();
    let start = Instant::now();
    let mut ok = 0;
    let mut retries = 0;
    let mut failures = Vec::new();
    let mut slowest = Duration::ZERO;
    for _ in 0..200 {
        let one = Instant::now();
        let r = Socket::connect(&endpoint, deadline_ms(2000), &mut NoInterrupt);
        slowest = slowest.max(one.elapsed());
        match r {
            Ok(mut s) => {
                // Waiting for the server's byte keeps the accept queue from overflowing
                // (a dropped SYN costs a 1 s retransmit) and proves the link works.
                let mut b = [0u8; 1];
                let n = s.read(&mut b, deadline_ms(2000), &mut NoInterrupt);
                assert_eq!((n.ok(), b), (Some(1), *b"k"));
                ok += 1;
                retries += s.stats().interrupted_retries;
            }
            Err(e) => failures.push(e),
        }
    }
    let el = start.elapsed();
    let alarms = storm.alarms();
    drop(storm);
    assert_eq!(ok, 200, "failures: {failures:?}");
    acceptor.join().expect("acceptor");
    eprintln!(
        "200 connects under storm: {el:?} (slowest {slowest:?}), {alarms} alarms, {retries} EINTR retries"
    );
}

#[test]
fn storm_unix_connect_deadline_on_a_full_backlog() {
    use nix::sys::socket::{
        bind, listen, socket, AddressFamily, Backlog, SockFlag, SockType, UnixAddr,
    };
    use std::os::fd::AsRawFd;
    let path = std::env::temp_dir().join(format!("unshaken-storm-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .expect("socket");
    bind(listener.as_raw_fd(), &UnixAddr::new(&path).expect("addr")).expect("bind");
    // Backlog 0 with one queued client: further non-blocking connects get EAGAIN.
    listen(&listener, Backlog::new(0).expect("backlog")).expect("listen");
    let _filler = UnixStream::connect(&path).expect("filler");
    let storm = Storm::start();
    let start = Instant::now();
    let r = Socket::connect(
        &Endpoint::Unix(path.clone()),
        deadline_ms(200),
        &mut NoInterrupt,
    );
    let el = assert_elapsed(start, 200, 300);
    let alarms = storm.alarms();
    drop(storm);
    assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
    eprintln!("unix connect 200 ms deadline under storm: {el:?}, {alarms} alarms");
    let _ = std::fs::remove_file(&path);
}
