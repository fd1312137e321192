//! Where a connected socket leads: its two addresses and, over a Unix socket, the
//! pid of the process that accepted it. A second connection that must reach the same
//! peer (a cancel) goes to these, not to a name resolved again.

use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use nix::sys::socket::{self, SockaddrStorage};

use super::{Endpoint, Socket};

/// The ends of a connected socket as the kernel reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ends {
    /// Our address (getsockname); None over a Unix socket.
    pub local: Option<SocketAddr>,
    /// The peer's address (getpeername); None over a Unix socket.
    pub peer: Option<SocketAddr>,
    /// Over a Unix socket, the pid of the process holding the other end
    /// (SO_PEERCRED, recorded by the kernel at connect time).
    pub peer_pid: Option<i32>,
}

impl Socket {
    /// getsockname as an IP address and port (None over a Unix socket).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        ip_addr(socket::getsockname(self.as_fd().as_raw_fd()).ok()?)
    }

    /// getpeername as an IP address and port (None over a Unix socket).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        ip_addr(socket::getpeername(self.as_fd().as_raw_fd()).ok()?)
    }

    /// The pid of the process at the other end of a Unix socket.
    pub fn peer_pid(&self) -> Option<i32> {
        if !self.is_unix() {
            return None;
        }
        peer_pid(self)
    }

    pub fn ends(&self) -> Ends {
        Ends {
            local: self.local_addr(),
            peer: self.peer_addr(),
            peer_pid: self.peer_pid(),
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn peer_pid(sock: &Socket) -> Option<i32> {
    let cred = socket::getsockopt(sock, socket::sockopt::PeerCredentials).ok()?;
    Some(cred.pid())
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn peer_pid(_sock: &Socket) -> Option<i32> {
    None
}

/// The pid a pid file names (its first line), or None when it cannot be read or
/// holds none. The path may come from a server: only a regular file is read (opened
/// non-blocking, so a FIFO or a device there cannot hang or disturb anything), and
/// only its first bytes.
pub fn pid_in_file(path: &Path) -> Option<i32> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None; // checked before opening too: opening some devices does things
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let text = read_prefix(file, 32)?;
    text.lines()
        .next()?
        .trim()
        .parse()
        .ok()
        .filter(|&pid| pid > 0)
}

/// Every pid the process `pid` (as our pid namespace numbers it) has, from ours to
/// its own innermost namespace (`NSpid:` of /proc/<pid>/status): a server in a
/// container writes its innermost one to its pid file. Just `pid` when unknown.
pub fn namespace_pids(pid: i32) -> Vec<i32> {
    let status = std::fs::File::open(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|f| read_prefix(f, 8192));
    let listed: Option<Vec<i32>> = status.as_deref().and_then(|s| {
        let line = s.lines().find_map(|l| l.strip_prefix("NSpid:"))?;
        line.split_whitespace().map(|p| p.parse().ok()).collect()
    });
    match listed {
        Some(pids) if pids.first() == Some(&pid) => pids,
        _ => vec![pid],
    }
}

fn read_prefix(file: std::fs::File, limit: u64) -> Option<String> {
    use std::io::Read;
    let mut text = String::new();
    file.take(limit).read_to_string(&mut text).ok()?;
    Some(text)
}

fn ip_addr(storage: SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = storage.as_sockaddr_in() {
        return Some(SocketAddr::from(*v4));
    }
    storage.as_sockaddr_in6().map(|v6| SocketAddr::from(*v6))
}

/// A TCP endpoint that connects to exactly this address: an IP literal needs no
/// name server. A link-local IPv6 address keeps its scope (`fe80::1%2`).
impl From<SocketAddr> for Endpoint {
    fn from(addr: SocketAddr) -> Self {
        let host = match addr {
            SocketAddr::V6(a) if a.scope_id() != 0 => format!("{}%{}", a.ip(), a.scope_id()),
            _ => addr.ip().to_string(),
        };
        Endpoint::Tcp {
            host,
            port: addr.port(),
        }
    }
}

/// Whether two paths name the same file (same device and inode), e.g. one socket
/// reached through a symlinked directory. False when either cannot be stat'ed.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{Deadline, NoInterrupt};
    use std::net::{Ipv6Addr, SocketAddrV6, TcpListener};
    use std::os::unix::net::UnixListener;

    #[test]
    fn a_tcp_socket_knows_both_of_its_addresses() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let server = listener.local_addr().expect("local_addr");
        let sock = Socket::connect(&Endpoint::from(server), Deadline::NEVER, &mut NoInterrupt)
            .expect("connect");
        let (accepted, client_seen) = listener.accept().expect("accept");
        let ends = sock.ends();
        assert_eq!(ends.peer, Some(server));
        assert_eq!(ends.local, Some(client_seen));
        assert_eq!(ends.local, Some(accepted.peer_addr().expect("peer")));
        assert_eq!(ends.peer_pid, None);
    }

    #[test]
    fn a_unix_socket_knows_the_pid_behind_it() {
        let dir = std::env::temp_dir().join(format!("unshaken-peer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("s.sock");
        let _ = std::fs::remove_file(&path);
        let _listener = UnixListener::bind(&path).expect("bind");
        let sock = Socket::connect(
            &Endpoint::Unix(path.clone()),
            Deadline::NEVER,
            &mut NoInterrupt,
        )
        .expect("connect");
        let ends = sock.ends();
        assert_eq!(ends.local, None);
        assert_eq!(ends.peer, None);
        #[cfg(target_os = "linux")]
        assert_eq!(
            ends.peer_pid,
            Some(i32::try_from(std::process::id()).expect("pid"))
        );
        // The socket file seen through another spelling of its path is the same file.
        let other = dir.join(".").join("s.sock");
        assert!(same_file(&path, &other));
        assert!(!same_file(&path, &dir.join("missing.sock")));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn an_endpoint_from_an_address_names_that_address() {
        let v4: SocketAddr = "127.0.0.1:3306".parse().expect("v4");
        assert_eq!(
            Endpoint::from(v4),
            Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 3306
            }
        );
        let v6 = SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 3307, 0, 0));
        assert_eq!(
            Endpoint::from(v6),
            Endpoint::Tcp {
                host: "::1".into(),
                port: 3307
            }
        );
        let scoped = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().expect("ll"), 1, 0, 2));
        assert_eq!(
            Endpoint::from(scoped),
            Endpoint::Tcp {
                host: "fe80::1%2".into(),
                port: 1
            }
        );
    }
}
