//! Helpers shared by the io integration tests (tests/io_socket.rs, tests/io_storm.rs).

#![allow(dead_code)]

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use unshaken::io::{Deadline, Interrupt, Socket, Stop};

pub const MIB: usize = 1 << 20;

pub fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

pub fn deadline_ms(m: u64) -> Deadline {
    Deadline::after(Some(ms(m)))
}

/// Our end as an io::Socket, the peer as a plain blocking std stream.
pub fn pair() -> (Socket, UnixStream) {
    let (ours, peer) = UnixStream::pair().expect("socketpair");
    let sock = Socket::from_fd(OwnedFd::from(ours)).expect("from_fd");
    (sock, peer)
}

/// A recognisable byte pattern, so a lost or duplicated chunk shows up.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ (i >> 16) as u8)
        .collect()
}

pub fn assert_elapsed(start: Instant, lo: u64, hi: u64) -> Duration {
    let el = start.elapsed();
    assert!(
        el >= ms(lo) && el <= ms(hi),
        "elapsed {el:?}, expected [{lo}, {hi}] ms"
    );
    el
}

/// Stops on its `n`th call (1-based); counts calls.
pub struct StopOn {
    pub n: u32,
    pub calls: u32,
}

impl Interrupt for StopOn {
    fn check(&mut self) -> Result<(), Stop> {
        self.calls += 1;
        if self.calls >= self.n {
            Err(Stop)
        } else {
            Ok(())
        }
    }
}
