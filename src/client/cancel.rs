//! Cancelling a running statement: KILL QUERY over a short-lived side connection,
//! sent only once the side connection has proved it reached our session (see
//! `cancel_proof`). The side connection goes to the main connection's peer address
//! (or the same socket path), never to the host name resolved again.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;

use super::conn::{Conn, Reply, ServerInfo};
use crate::config::Options;
use crate::error::{Error, Result};
use crate::io::{peer, Deadline, Endpoint, WaitOnly};
use crate::proto::session::cancel_proof::{self, sessions, Route, SESSIONS_SQL};

/// The whole cancel (connect, check, kill) gets its own short limit: a cancel must
/// never hang, and a caller whose deadline passed must hear about it soon after.
const SIDE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long the original connection may take, after the kill, to end its reply. A
/// healthy server answers the kill at once (ERR 1317); a connection that stays silent
/// longer is closed rather than making the caller wait.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(250);

/// Cancel the statement `main` (the session's facts from connect time) is running.
/// Err is the reason the session must be closed instead, worded for its next use.
pub fn kill_query(
    options: &Options,
    main: &ServerInfo,
    hook: &mut WaitOnly<'_>,
) -> std::result::Result<(), String> {
    let failed = |e: Error| format!("statement could not be cancelled: {}", e.message());
    let endpoint = match (&options.endpoint, main.ends.peer) {
        (Endpoint::Tcp { .. }, Some(addr)) => Endpoint::from(addr),
        (Endpoint::Unix(path), _) => Endpoint::Unix(path.clone()),
        (Endpoint::Tcp { .. }, None) => {
            return Err("statement could not be cancelled: the server's address is unknown".into())
        }
    };
    let deadline = Deadline::after(Some(SIDE_TIMEOUT));
    let mut side = options.clone();
    side.connect_timeout = Some(
        side.connect_timeout
            .map_or(SIDE_TIMEOUT, |t| t.min(SIDE_TIMEOUT)),
    );
    side.read_timeout = Some(SIDE_TIMEOUT);
    side.write_timeout = Some(SIDE_TIMEOUT);
    side.cancel_on_interrupt = false;
    side.connect_attrs
        .push(("_purpose".into(), "cancel".into()));
    // Signals are not checked here (WaitOnly): the caller already has its exception
    // and the deadlines bound the whole cancel. An event loop still does the waiting.
    let mut conn = Conn::connect_to(&side, &endpoint, hook).map_err(failed)?;
    let result = prove_and_kill(&mut conn, &endpoint, main, deadline, hook);
    conn.quit();
    match &result {
        Ok(()) => log::debug!(
            "cancelled the statement of connection {}",
            main.connection_id
        ),
        Err(reason) => log::debug!("no cancel: {reason}"),
    }
    result
}

fn prove_and_kill(
    conn: &mut Conn,
    endpoint: &Endpoint,
    main: &ServerInfo,
    deadline: Deadline,
    hook: &mut WaitOnly<'_>,
) -> std::result::Result<(), String> {
    let failed = |e: Error| format!("statement could not be cancelled: {}", e.message());
    let id = main.connection_id;
    let sql = SESSIONS_SQL.replace("{id}", &id.to_string());
    let rows = fetch(conn, &sql, deadline, hook).map_err(failed)?;
    let (sessions, server) = sessions(&rows).map_err(|e| failed(e.into()))?;
    let side_ends = conn.server().ends;
    let route = match endpoint {
        Endpoint::Unix(path) => Route::Unix {
            main_pid: main.ends.peer_pid,
            side_pid: side_ends.peer_pid,
            server_socket_is_ours: server.socket.is_some_and(|s| is_our_socket(path, &s)),
            main_pids: main
                .ends
                .peer_pid
                .map_or_else(Vec::new, peer::namespace_pids),
            pid_file_pid: server
                .pid_file
                .and_then(|f| peer::pid_in_file(Path::new(&f))),
        },
        Endpoint::Tcp { .. } => match (main.ends.local, side_ends.local) {
            (Some(main), Some(side)) => Route::Tcp { main, side },
            _ => return Err(failed(unknown("a local address"))),
        },
    };
    cancel_proof::check(id, conn.server().connection_id, &route, &sessions)
        .map_err(|reason| format!("the statement could not be cancelled safely: {reason}"))?;
    fetch(conn, format!("KILL QUERY {id}").as_bytes(), deadline, hook).map_err(failed)?;
    Ok(())
}

/// Run one statement within `deadline` and return its rows (none for an OK).
fn fetch(
    conn: &mut Conn,
    sql: impl AsRef<[u8]>,
    deadline: Deadline,
    hook: &mut WaitOnly<'_>,
) -> Result<Vec<Bytes>> {
    let mut rows = Vec::new();
    if let Reply::ResultSet = conn.query_within(sql.as_ref(), deadline, hook)? {
        conn.read_rows(0, &mut rows, hook)?;
        conn.drain(hook)?;
    }
    Ok(rows)
}

/// The server's socket path names the file we connected to (as written, or the same
/// file reached another way: a symlinked directory, a relative path).
fn is_our_socket(ours: &Path, server: &str) -> bool {
    let server = Path::new(server);
    ours == server || crate::io::peer::same_file(ours, server)
}

fn unknown(what: &str) -> Error {
    Error::client(
        crate::error::cr::CR_MALFORMED_PACKET,
        format!("the cancel could not learn {what}"),
    )
}

pub fn drain_deadline() -> Deadline {
    Deadline::after(Some(DRAIN_TIMEOUT))
}
