//! Cancelling a running statement: KILL QUERY over a short-lived side connection,
//! sent only once the side connection has proved it reached our session (see
//! `cancel_proof`). The side connection goes to the main connection's peer address
//! (or the same socket path), never to the host name resolved again.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;

use super::cancel_proof::{self, Route, Session};
use super::conn::{Conn, Reply, ServerInfo};
use super::options::Options;
use crate::error::{Error, Result};
use crate::io::{Deadline, Endpoint, NoInterrupt};
use crate::proto::packets::row::TextRow;

/// The whole cancel (connect, check, kill) gets its own short limit: a cancel must
/// never hang, and a caller whose deadline passed must hear about it soon after.
const SIDE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long the original connection may take, after the kill, to end its reply. A
/// healthy server answers the kill at once (ERR 1317); a connection that stays silent
/// longer is closed rather than making the caller wait.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(250);

/// Our session and the side connection's, as the server lists them, with the
/// server's socket path (NULL when it has none).
const SESSIONS_SQL: &str = "SELECT ID, HOST, @@socket FROM information_schema.PROCESSLIST \
                            WHERE ID IN (CONNECTION_ID(), {id})";

/// Cancel the statement `main` (the session's facts from connect time) is running.
/// Err is the reason the session must be closed instead, worded for its next use.
pub fn kill_query(options: &Options, main: &ServerInfo) -> std::result::Result<(), String> {
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
    // Signals are not checked here: the caller already has its exception and the
    // deadlines bound the whole cancel.
    let mut conn = Conn::connect_to(&side, &endpoint, &mut NoInterrupt).map_err(failed)?;
    let result = prove_and_kill(&mut conn, &endpoint, main, deadline);
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
) -> std::result::Result<(), String> {
    let failed = |e: Error| format!("statement could not be cancelled: {}", e.message());
    let id = main.connection_id;
    let sql = SESSIONS_SQL.replace("{id}", &id.to_string());
    let rows = fetch(conn, &sql, deadline).map_err(failed)?;
    let (sessions, server_socket) = sessions(&rows).map_err(failed)?;
    let side_ends = conn.server().ends;
    let route = match endpoint {
        Endpoint::Unix(path) => Route::Unix {
            main_pid: main.ends.peer_pid,
            side_pid: side_ends.peer_pid,
            server_socket_is_ours: server_socket.is_some_and(|s| is_our_socket(path, &s)),
        },
        Endpoint::Tcp { .. } => match (main.ends.local, side_ends.local) {
            (Some(main), Some(side)) => Route::Tcp { main, side },
            _ => return Err(failed(unknown("a local address"))),
        },
    };
    cancel_proof::check(id, conn.server().connection_id, &route, &sessions)
        .map_err(|reason| format!("the statement could not be cancelled safely: {reason}"))?;
    fetch(conn, format!("KILL QUERY {id}").as_bytes(), deadline).map_err(failed)?;
    Ok(())
}

/// Run one statement within `deadline` and return its rows (none for an OK).
fn fetch(conn: &mut Conn, sql: impl AsRef<[u8]>, deadline: Deadline) -> Result<Vec<Bytes>> {
    let mut rows = Vec::new();
    if let Reply::ResultSet(_) = conn.query_within(sql.as_ref(), deadline, &mut NoInterrupt)? {
        conn.read_rows(0, &mut rows, &mut NoInterrupt)?;
        conn.drain(&mut NoInterrupt)?;
    }
    Ok(rows)
}

/// Decode SESSIONS_SQL's rows: the sessions, and the server's @@socket.
fn sessions(rows: &[Bytes]) -> Result<(Vec<Session>, Option<String>)> {
    let mut out = Vec::with_capacity(rows.len());
    let mut socket = None;
    for row in rows {
        let mut cells = TextRow::new(row);
        let id = cells.next_cell()?.and_then(crate::value::text::parse_u64);
        let host = cells
            .next_cell()?
            .map(|h| String::from_utf8_lossy(h).into_owned());
        socket = cells
            .next_cell()?
            .map(|s| String::from_utf8_lossy(s).into_owned());
        match (id, host) {
            (Some(id), Some(host)) => out.push(Session { id, host }),
            _ => return Err(unknown("a session's id or host")),
        }
    }
    Ok((out, socket))
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
