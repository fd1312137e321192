//! What a cancel must prove before it sends KILL QUERY: that its side connection
//! reached the server the main connection talks to, and that the thread id is ours
//! there. Behind a proxy or a balancer the side connection can land on another
//! server, where the same thread id belongs to someone else (often the same user,
//! running the same statement): id, user and statement text prove nothing.
//!
//! The proof is the address each session comes from, as the server itself reports
//! it in PROCESSLIST.HOST:
//! - TCP: the main session must show our main socket's local port, and the side
//!   session its own local port, both from our address (`ip:port`, or
//!   `localhost:port` for a loopback client when the server resolves names; a
//!   resolved name must be the same for both). A proxy opens its own connections to
//!   the server, so the server sees the proxy's ports, not ours, and the proof fails.
//!   A balancer that keeps client addresses (NAT, PROXY protocol) shows our ports on
//!   the right server only: on another, matching both would take a victim connected
//!   from our address with our main port and the side connection's port to match
//!   a proxy's, by chance.
//! - Unix socket: the server shows 'localhost' without a port, so the proof is the
//!   socket: the side connection's peer is the same process as the main one's
//!   (SO_PEERCRED pid: a server started later on the same path is another process),
//!   the server's own @@socket is the file we connected to (a proxy listening there
//!   would forward the question to a server with another socket), and both sessions
//!   show 'localhost' (a proxy reaching its server over TCP shows an address).
//!   And when the server's @@pid_file can be read, the pid in it must be that process
//!   (in any of its pid namespaces, for a server in a container): a proxy that took the
//!   server's socket path, forwarding to the server's socket moved elsewhere, passes
//!   every other check. An unreadable pid file leaves that case open.
//!   SO_PEERCRED names the process that called listen(): under socket activation
//!   that is the service manager, and a server restarted between our timeout and
//!   the side connection (our session then already gone) would pass the pid check.
//!
//! Between this check and the KILL (one round trip) the id stays ours: a server
//! never hands out a live session's id again, and MariaDB and MySQL do not reuse
//! ids until their counter wraps.
//!
//! Pure: the facts come from the sockets and one PROCESSLIST query.

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;

use crate::proto::packets::row::TextRow;
use crate::proto::ProtoError;

/// One row of `SELECT ID, HOST FROM information_schema.PROCESSLIST`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: u64,
    pub host: String,
}

/// How the two connections reached the server, as our sockets see it.
#[derive(Clone, Debug)]
pub enum Route {
    /// The local addresses of the main and the side connection.
    Tcp { main: SocketAddr, side: SocketAddr },
    Unix {
        /// The pid behind the socket, for the main and the side connection.
        main_pid: Option<i32>,
        side_pid: Option<i32>,
        /// The server's @@socket names the file both connections went to.
        server_socket_is_ours: bool,
        /// `main_pid` in every pid namespace it is in (ours first).
        main_pids: Vec<i32>,
        /// The pid in the server's @@pid_file, when it could be read.
        pid_file_pid: Option<i32>,
    },
}

const NOT_PROVEN: &str = "the server reached for the cancel is not provably the same (a proxy?)";

/// Ok when killing `main_id` hits our statement and nobody else's; otherwise the
/// reason, worded for the error the next use of the connection raises.
pub fn check(
    main_id: u32,
    side_id: u32,
    route: &Route,
    sessions: &[Session],
) -> Result<(), String> {
    let fail = |detail: String| Err(format!("{NOT_PROVEN}: {detail}"));
    let find = |id: u32| sessions.iter().find(|s| s.id == u64::from(id));
    let Some(main) = find(main_id) else {
        return fail(format!("it has no session {main_id} of this user"));
    };
    let Some(side) = find(side_id) else {
        return fail(format!(
            "it does not list the cancel's own session {side_id}"
        ));
    };
    match route {
        Route::Tcp {
            main: main_local,
            side: side_local,
        } => {
            let main_from = from_us(&main.host, main_local);
            let side_from = from_us(&side.host, side_local);
            match (main_from, side_from) {
                (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => Ok(()),
                (None, _) => fail(format!(
                    "session {main_id} comes from {}, not from our {main_local}",
                    main.host
                )),
                (_, None) => fail(format!(
                    "the cancel's own session comes from {}, not from our {side_local}",
                    side.host
                )),
                _ => fail(format!(
                    "session {main_id} ({}) and the cancel's ({}) come from different places",
                    main.host, side.host
                )),
            }
        }
        Route::Unix {
            main_pid,
            side_pid,
            server_socket_is_ours,
            main_pids,
            pid_file_pid,
        } => {
            if main_pid.is_none() || main_pid != side_pid {
                return fail(format!(
                    "the socket is served by another process than before (pid {} then, {} now)",
                    show_pid(*main_pid),
                    show_pid(*side_pid)
                ));
            }
            if !server_socket_is_ours {
                return fail("the server's @@socket is not the socket connected to".into());
            }
            if let Some(pid) = pid_file_pid.filter(|p| !main_pids.contains(p)) {
                return fail(format!(
                    "the socket is served by pid {}, but the server's pid file names {pid}",
                    show_pid(*main_pid)
                ));
            }
            for (what, s) in [("session", main), ("the cancel's own session", side)] {
                if !s.host.eq_ignore_ascii_case("localhost") {
                    return fail(format!(
                        "{what} {} comes from {}, not from this machine's socket",
                        s.id, s.host
                    ));
                }
            }
            Ok(())
        }
    }
}

fn show_pid(pid: Option<i32>) -> String {
    pid.map_or_else(|| "unknown".into(), |p| p.to_string())
}

/// The name part of a PROCESSLIST host when it can be our `local` address: the
/// port must be ours and the name our IP, `localhost` for a loopback IP, or a name
/// the server resolved (it must then match the other session's: see `check`).
fn from_us<'a>(host: &'a str, local: &SocketAddr) -> Option<&'a str> {
    // "ip:port", "::1:port" (IPv6 without brackets, as MariaDB shows it),
    // "[::1]:port", "name:port".
    let (name, port) = host.rsplit_once(':')?;
    if port.parse::<u16>().ok()? != local.port() {
        return None;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    let ours = match bare.parse::<IpAddr>() {
        Ok(ip) => ip.to_canonical() == local.ip().to_canonical(),
        Err(_) if bare.eq_ignore_ascii_case("localhost") => local.ip().is_loopback(),
        Err(_) => !bare.is_empty(),
    };
    ours.then_some(name)
}

/// Our session and the side connection's, as the server lists them, with the
/// server's socket path (NULL when it has none) and its pid file.
pub const SESSIONS_SQL: &str = "SELECT ID, HOST, @@socket, @@pid_file \
                            FROM information_schema.PROCESSLIST \
                            WHERE ID IN (CONNECTION_ID(), {id})";

/// The server's own paths, as SESSIONS_SQL reports them.
#[derive(Default)]
pub struct ServerPaths {
    pub socket: Option<String>,
    pub pid_file: Option<String>,
}

/// Decode SESSIONS_SQL's rows: the sessions, and the server's paths.
pub fn sessions(rows: &[Bytes]) -> Result<(Vec<Session>, ServerPaths), ProtoError> {
    let mut out = Vec::with_capacity(rows.len());
    let mut paths = ServerPaths::default();
    let text = |cell: Option<&[u8]>| cell.map(|s| String::from_utf8_lossy(s).into_owned());
    for row in rows {
        let mut cells = TextRow::new(row);
        let id = cells.next_cell()?.and_then(crate::value::text::parse_u64);
        let host = text(cells.next_cell()?);
        paths.socket = text(cells.next_cell()?);
        paths.pid_file = text(cells.next_cell()?);
        match (id, host) {
            (Some(id), Some(host)) => out.push(Session { id, host }),
            _ => {
                return Err(ProtoError::Malformed(
                    "a PROCESSLIST row without an id or host",
                ))
            }
        }
    }
    Ok((out, paths))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text-protocol row: each cell length-prefixed (one byte here), NULL as 0xFB.
    fn text_row(cells: &[Option<&str>]) -> Bytes {
        let mut out = Vec::new();
        for cell in cells {
            match cell {
                Some(c) => {
                    out.push(u8::try_from(c.len()).unwrap());
                    out.extend_from_slice(c.as_bytes());
                }
                None => out.push(0xFB),
            }
        }
        Bytes::from(out)
    }

    #[test]
    fn sessions_reply_decodes_and_refuses_rows_without_id_or_host() {
        let sock = Some("/run/mysqld/mysqld.sock");
        let reply = [
            text_row(&[Some("7"), Some("localhost"), sock, None]),
            text_row(&[Some("9"), Some("127.0.0.1:5000"), sock, None]),
        ];
        let (found, paths) = sessions(&reply).unwrap();
        assert_eq!(found, rows(&[(7, "localhost"), (9, "127.0.0.1:5000")]));
        assert_eq!(paths.socket.as_deref(), sock);
        assert_eq!(paths.pid_file, None);
        for bad in [
            [None, Some("localhost"), sock, None],
            [Some("x"), Some("localhost"), sock, None],
            [Some("7"), None, sock, None],
        ] {
            assert!(sessions(&[text_row(&bad)]).is_err(), "{bad:?}");
        }
        // A row cut short is malformed, never a panic.
        assert!(sessions(&[Bytes::from_static(b"\x017\x09local")]).is_err());
    }

    fn rows(list: &[(u64, &str)]) -> Vec<Session> {
        list.iter()
            .map(|(id, host)| Session {
                id: *id,
                host: (*host).to_string(),
            })
            .collect()
    }

    fn tcp(main: &str, side: &str) -> Route {
        Route::Tcp {
            main: main.parse().expect("main"),
            side: side.parse().expect("side"),
        }
    }

    fn unix(main_pid: Option<i32>, side_pid: Option<i32>, ours: bool) -> Route {
        Route::Unix {
            main_pid,
            side_pid,
            server_socket_is_ours: ours,
            main_pids: main_pid.into_iter().collect(),
            pid_file_pid: None,
        }
    }

    fn unix_with_pid_file(main_pids: &[i32], pid_file_pid: Option<i32>) -> Route {
        Route::Unix {
            main_pid: Some(main_pids[0]),
            side_pid: Some(main_pids[0]),
            server_socket_is_ours: true,
            main_pids: main_pids.to_vec(),
            pid_file_pid,
        }
    }

    #[test]
    fn direct_tcp_sessions_in_every_form_the_server_shows() {
        let route = tcp("127.0.0.1:40001", "127.0.0.1:40002");
        for (a, b) in [
            ("127.0.0.1:40001", "127.0.0.1:40002"), // skip-name-resolve
            ("localhost:40001", "localhost:40002"), // loopback, names resolved
            ("LOCALHOST:40001", "localhost:40002"), // case
            ("client.example:40001", "client.example:40002"), // a resolved name
        ] {
            let r = check(7, 9, &route, &rows(&[(7, a), (9, b), (8, "x:1")]));
            assert_eq!(r, Ok(()), "{a} {b}");
        }
        let v6 = tcp("[::1]:40001", "[::1]:40002");
        assert_eq!(
            check(7, 9, &v6, &rows(&[(7, "::1:40001"), (9, "::1:40002")])),
            Ok(())
        );
        assert_eq!(
            check(7, 9, &v6, &rows(&[(7, "[::1]:40001"), (9, "[::1]:40002")])),
            Ok(())
        );
        // An IPv4-mapped socket address against the server's plain IPv4.
        let mapped = tcp("[::ffff:127.0.0.1]:40001", "[::ffff:127.0.0.1]:40002");
        let seen = rows(&[(7, "127.0.0.1:40001"), (9, "127.0.0.1:40002")]);
        assert_eq!(check(7, 9, &mapped, &seen), Ok(()));
    }

    #[test]
    fn a_proxy_in_between_is_never_proof() {
        let route = tcp("127.0.0.1:40001", "127.0.0.1:40002");
        // The server sees the proxy's ports: the victim with our id is someone else.
        let via_proxy = rows(&[(7, "127.0.0.1:51000"), (9, "127.0.0.1:51001")]);
        let e = check(7, 9, &route, &via_proxy).expect_err("proxy");
        assert!(e.starts_with(NOT_PROVEN), "{e}");
        assert!(e.contains("session 7 comes from 127.0.0.1:51000"), "{e}");
        // The victim happens to have our main port, but the side session shows the
        // proxy's port: still no proof.
        let lucky = rows(&[(7, "127.0.0.1:40001"), (9, "127.0.0.1:51001")]);
        let e = check(7, 9, &route, &lucky).expect_err("one coincidence");
        assert!(e.contains("the cancel's own session"), "{e}");
        // A remote proxy or another client machine.
        let remote = tcp("10.0.0.5:40001", "10.0.0.5:40002");
        let seen = rows(&[(7, "10.0.0.9:40001"), (9, "10.0.0.9:40002")]);
        assert!(check(7, 9, &remote, &seen).is_err());
        // 'localhost' names only a loopback client.
        let seen = rows(&[(7, "localhost:40001"), (9, "localhost:40002")]);
        assert!(check(7, 9, &remote, &seen).is_err());
        // Two resolved names that differ are two places.
        let seen = rows(&[(7, "a.example:40001"), (9, "b.example:40002")]);
        assert!(check(7, 9, &route, &seen)
            .unwrap_err()
            .contains("different places"));
    }

    #[test]
    fn missing_or_unparsable_rows_are_not_proof() {
        let route = tcp("127.0.0.1:40001", "127.0.0.1:40002");
        let e = check(7, 9, &route, &rows(&[(9, "127.0.0.1:40002")])).expect_err("none");
        assert!(e.contains("no session 7"), "{e}");
        let e = check(7, 9, &route, &rows(&[(7, "127.0.0.1:40001")])).expect_err("no side");
        assert!(e.contains("own session 9"), "{e}");
        for bad in [
            "localhost",
            "",
            ":40001",
            "127.0.0.1:",
            "127.0.0.1:99999",
            "x:40001:",
        ] {
            let seen = rows(&[(7, bad), (9, "127.0.0.1:40002")]);
            assert!(check(7, 9, &route, &seen).is_err(), "{bad:?}");
        }
        // A thread id above 32 bits never matches the 32-bit id of the handshake.
        let big = rows(&[((1 << 32) + 7, "127.0.0.1:40001"), (9, "127.0.0.1:40002")]);
        assert!(check(7, 9, &route, &big).is_err());
    }

    #[test]
    fn a_unix_socket_needs_the_same_process_its_own_socket_and_localhost() {
        let seen = rows(&[(7, "localhost"), (9, "localhost")]);
        assert_eq!(check(7, 9, &unix(Some(10), Some(10), true), &seen), Ok(()));
        let e = check(7, 9, &unix(Some(10), Some(11), true), &seen).expect_err("pid");
        assert!(
            e.contains("another process") && e.contains("pid 10 then, 11 now"),
            "{e}"
        );
        assert!(check(7, 9, &unix(None, None, true), &seen).is_err());
        let e = check(7, 9, &unix(Some(10), Some(10), false), &seen).expect_err("socket");
        assert!(e.contains("@@socket"), "{e}");
        // A proxy on the socket that reaches its server over TCP.
        let proxied = rows(&[(7, "127.0.0.1:51000"), (9, "localhost")]);
        assert!(check(7, 9, &unix(Some(10), Some(10), true), &proxied).is_err());
        let proxied = rows(&[(7, "localhost"), (9, "127.0.0.1:51001")]);
        assert!(check(7, 9, &unix(Some(10), Some(10), true), &proxied).is_err());
    }

    #[test]
    fn a_readable_pid_file_must_name_the_process_behind_the_socket() {
        let seen = rows(&[(7, "localhost"), (9, "localhost")]);
        assert_eq!(
            check(7, 9, &unix_with_pid_file(&[10], Some(10)), &seen),
            Ok(())
        );
        // A server in a container writes its own namespace's pid.
        let r = unix_with_pid_file(&[4242, 1], Some(1));
        assert_eq!(check(7, 9, &r, &seen), Ok(()));
        // A proxy on the server's socket path: the pid file names the real server.
        let e = check(7, 9, &unix_with_pid_file(&[10], Some(99)), &seen).expect_err("proxy");
        assert!(
            e.contains("served by pid 10") && e.contains("pid file names 99"),
            "{e}"
        );
        // Unreadable: the other checks decide alone.
        assert_eq!(check(7, 9, &unix_with_pid_file(&[10], None), &seen), Ok(()));
    }
}
