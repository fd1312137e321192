//! Host name to addresses, under the deadline and the interrupt hook.
//!
//! getaddrinfo() blocks and cannot be interrupted, so it runs in a helper thread
//! while the caller waits in the one wait loop on a pipe the thread closes when it
//! is done. A caller that times out or is stopped leaves the thread behind to
//! finish on its own; only a few such abandoned lookups may be pending at once, so
//! a DNS server that never answers cannot pile up threads without bound.
//! IP literals are parsed on the spot: no thread, no lookup.

use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6, ToSocketAddrs};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicU32, AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use nix::fcntl::OFlag;

use super::{wait, Deadline, Direction, Interrupt, IoError, IoStats};

/// Abandoned lookups (their caller gave up) allowed to be still running.
pub const MAX_ABANDONED: usize = 8;

/// The system's resolver: getaddrinfo through std.
pub fn system_lookup(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    Ok((host, port).to_socket_addrs()?.collect())
}

/// Lookups whose caller gave up and that are still running, for the system resolver.
static SYSTEM_ABANDONED: AtomicUsize = AtomicUsize::new(0);
/// The process [`SYSTEM_ABANDONED`] counts for: a forked child has none of its
/// parent's lookup threads, so it starts from zero instead of inheriting a full count.
static COUNTED_FOR_PID: AtomicU32 = AtomicU32::new(0);

fn system_abandoned() -> &'static AtomicUsize {
    let pid = std::process::id();
    let counted_for = COUNTED_FOR_PID.load(Ordering::Acquire);
    if counted_for != pid
        && COUNTED_FOR_PID
            .compare_exchange(counted_for, pid, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    {
        SYSTEM_ABANDONED.store(0, Ordering::Release);
    }
    &SYSTEM_ABANDONED
}

/// The addresses of `host`, every one to be tried in order.
pub fn resolve(
    host: &str,
    port: u16,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
    stats: &mut IoStats,
) -> Result<Vec<SocketAddr>, IoError> {
    resolve_with(
        system_lookup,
        system_abandoned(),
        host,
        port,
        deadline,
        hook,
        stats,
    )
}

/// [`resolve`] with the lookup and the abandoned-lookup counter given (tests inject
/// a resolver that hangs).
pub fn resolve_with(
    lookup: fn(&str, u16) -> io::Result<Vec<SocketAddr>>,
    abandoned: &'static AtomicUsize,
    host: &str,
    port: u16,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
    stats: &mut IoStats,
) -> Result<Vec<SocketAddr>, IoError> {
    let failed = |reason: String| IoError::Resolve {
        host: host.to_owned(),
        reason,
    };
    if let Some(addr) = ip_literal(host, port) {
        return Ok(vec![addr]);
    }
    if deadline.expired() {
        return Err(IoError::TimedOut);
    }
    let pending = abandoned.load(Ordering::Acquire);
    if pending >= MAX_ABANDONED {
        return Err(failed(format!(
            "{pending} earlier name lookups never finished; the resolver is not answering"
        )));
    }
    let (done_rx, done_tx) =
        nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|errno| IoError::Os { op: "pipe", errno })?;
    let (tx, rx) = mpsc::channel();
    let state = Arc::new(AtomicU8::new(RUNNING));
    let thread_state = Arc::clone(&state);
    let name = host.to_owned();
    let spawned = std::thread::Builder::new()
        .name("unshaken-resolve".into())
        .spawn(move || {
            let _ = tx.send(lookup(&name, port));
            finish(&thread_state, abandoned);
            drop::<OwnedFd>(done_tx); // EOF on the pipe: the waiter wakes
        });
    if let Err(e) = spawned {
        return Err(failed(format!("cannot start a lookup thread: {e}")));
    }
    if let Err(e) = wait(done_rx.as_fd(), Direction::Read, deadline, hook, stats) {
        abandon(&state, abandoned);
        return Err(e);
    }
    match rx.try_recv() {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(failed("no addresses".to_owned())),
        Ok(Err(e)) => Err(failed(e.to_string())),
        Err(_) => Err(failed("the lookup thread failed".to_owned())),
    }
}

/// An IP address needs no lookup: IPv4, IPv6, and IPv6 with a zone
/// (`fe80::1%eth0` or `fe80::1%2`, which std's parser does not take).
fn ip_literal(host: &str, port: u16) -> Option<SocketAddr> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip, port));
    }
    let (ip, zone) = host.split_once('%')?;
    let ip = ip.parse::<Ipv6Addr>().ok()?;
    let scope = match zone.parse::<u32>() {
        Ok(index) => index,
        Err(_) => nix::net::if_::if_nametoindex(zone).ok()?,
    };
    Some(SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope)))
}

const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const ABANDONED: u8 = 2;

/// The lookup thread is done: if its caller had given up, it no longer counts.
fn finish(state: &AtomicU8, abandoned: &AtomicUsize) {
    if state
        .compare_exchange(RUNNING, FINISHED, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        abandoned.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The caller gives up: the thread counts as abandoned until it finishes (counted
/// first, so the thread's decrement can never come before the increment).
fn abandon(state: &AtomicU8, abandoned: &AtomicUsize) {
    abandoned.fetch_add(1, Ordering::AcqRel);
    if state
        .compare_exchange(RUNNING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        abandoned.fetch_sub(1, Ordering::AcqRel); // it had just finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{NoInterrupt, Stop};
    use std::time::{Duration, Instant};

    fn ms(m: u64) -> Duration {
        Duration::from_millis(m)
    }

    fn answer(_: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok(vec![SocketAddr::from(([10, 1, 2, 3], port))])
    }

    fn refuse(_: &str, _: u16) -> io::Result<Vec<SocketAddr>> {
        Err(io::Error::other("no such host"))
    }

    fn hang(_: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        std::thread::sleep(ms(1500));
        answer("", port)
    }

    fn unreachable(_: &str, _: u16) -> io::Result<Vec<SocketAddr>> {
        panic!("an IP literal must not be looked up")
    }

    /// Says stop once `after` has passed.
    struct StopAfter(Instant);
    impl Interrupt for StopAfter {
        fn check(&mut self) -> Result<(), Stop> {
            if Instant::now() >= self.0 {
                Err(Stop)
            } else {
                Ok(())
            }
        }
    }

    fn run(
        lookup: fn(&str, u16) -> io::Result<Vec<SocketAddr>>,
        abandoned: &'static AtomicUsize,
        host: &str,
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> (Result<Vec<SocketAddr>, IoError>, Duration) {
        let t0 = Instant::now();
        let r = resolve_with(
            lookup,
            abandoned,
            host,
            3306,
            deadline,
            hook,
            &mut IoStats::default(),
        );
        (r, t0.elapsed())
    }

    #[test]
    fn ip_literals_are_parsed_without_a_lookup() {
        static A: AtomicUsize = AtomicUsize::new(0);
        for host in ["127.0.0.1", "::1", "10.0.0.7", "fe80::1"] {
            let (r, el) = run(unreachable, &A, host, Deadline::NEVER, &mut NoInterrupt);
            assert_eq!(
                r.unwrap(),
                vec![SocketAddr::new(host.parse().unwrap(), 3306)]
            );
            assert!(el < ms(5), "{el:?}");
        }
        // IPv6 with a zone, by index or by interface name: no lookup either.
        let lo = nix::net::if_::if_nametoindex("lo").expect("lo");
        for (host, scope) in [("fe80::1%7", 7), ("fe80::1%lo", lo)] {
            let (r, _) = run(unreachable, &A, host, Deadline::NEVER, &mut NoInterrupt);
            let want = SocketAddrV6::new("fe80::1".parse().unwrap(), 3306, 0, scope);
            assert_eq!(r.unwrap(), vec![SocketAddr::V6(want)], "{host}");
        }
        // An unknown interface is a name like any other: the resolver is asked.
        let (r, _) = run(
            unreachable,
            &A,
            "fe80::1%nosuchif0",
            Deadline::NEVER,
            &mut NoInterrupt,
        );
        assert!(r.is_err());
    }

    #[test]
    fn answers_and_failures_come_back() {
        static A: AtomicUsize = AtomicUsize::new(0);
        let (r, _) = run(answer, &A, "db.example", Deadline::NEVER, &mut NoInterrupt);
        assert_eq!(r.unwrap(), vec![SocketAddr::from(([10, 1, 2, 3], 3306))]);
        let (r, _) = run(refuse, &A, "db.example", Deadline::NEVER, &mut NoInterrupt);
        match r {
            Err(IoError::Resolve { host, reason }) => {
                assert_eq!(host, "db.example");
                assert!(reason.contains("no such host"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(A.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_hung_lookup_times_out_at_the_deadline() {
        static A: AtomicUsize = AtomicUsize::new(0);
        let deadline = Deadline::after(Some(ms(300)));
        let (r, el) = run(hang, &A, "slow.example", deadline, &mut NoInterrupt);
        assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
        assert!(el >= ms(300) && el < ms(300 + 150), "{el:?}");
        assert_eq!(A.load(Ordering::Acquire), 1, "the thread is left to finish");
        std::thread::sleep(ms(1500));
        assert_eq!(
            A.load(Ordering::Acquire),
            0,
            "and stops counting when it does"
        );
    }

    #[test]
    fn a_hung_lookup_stops_when_the_hook_says_so() {
        static A: AtomicUsize = AtomicUsize::new(0);
        let mut hook = StopAfter(Instant::now() + ms(100));
        let (r, el) = run(hang, &A, "slow.example", Deadline::NEVER, &mut hook);
        assert!(matches!(r, Err(IoError::Interrupted)), "{r:?}");
        // The hook runs when a 50 ms wait slice ends.
        assert!(el >= ms(100) && el < ms(100 + 50 + 100), "{el:?}");
    }

    #[test]
    fn abandoned_lookups_are_capped() {
        static A: AtomicUsize = AtomicUsize::new(0);
        for _ in 0..MAX_ABANDONED {
            let (r, _) = run(
                hang,
                &A,
                "slow.example",
                Deadline::after(Some(ms(10))),
                &mut NoInterrupt,
            );
            assert!(matches!(r, Err(IoError::TimedOut)), "{r:?}");
        }
        // No new thread while that many are still stuck: refused at once.
        let (r, el) = run(answer, &A, "db.example", Deadline::NEVER, &mut NoInterrupt);
        assert!(
            matches!(&r, Err(IoError::Resolve { reason, .. }) if reason.contains("never finished")),
            "{r:?}"
        );
        assert!(el < ms(5), "{el:?}");
        // IP literals need no thread and still work.
        let (r, _) = run(answer, &A, "10.9.8.7", Deadline::NEVER, &mut NoInterrupt);
        assert!(r.is_ok());
        // Once they finish, lookups start again.
        std::thread::sleep(ms(1700));
        let (r, _) = run(answer, &A, "db.example", Deadline::NEVER, &mut NoInterrupt);
        assert!(r.is_ok(), "{r:?}");
    }
}
