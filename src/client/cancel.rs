//! Cancelling a running statement: KILL QUERY over a short-lived side connection.

use std::time::Duration;

use super::conn::{Conn, Reply};
use super::options::Options;
use crate::error::Result;
use crate::io::{Deadline, NoInterrupt};

/// The side connection gets its own short limits: a cancel must never hang, and a
/// caller whose deadline passed must hear about it soon after.
const SIDE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long the original connection may take, after the kill, to end its reply. A
/// healthy server answers the kill at once (ERR 1317); a connection that stays silent
/// longer is closed rather than making the caller wait.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(250);

pub fn kill_query(options: &Options, connection_id: u32) -> Result<()> {
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
    let mut conn = Conn::connect(&side, &mut NoInterrupt)?;
    let sql = format!("KILL QUERY {connection_id}");
    let result = conn.query(sql.as_bytes(), &mut NoInterrupt);
    if let Ok(Reply::ResultSet(_)) = result {
        conn.drain(&mut NoInterrupt)?;
    }
    conn.quit();
    log::debug!("cancelled the statement of connection {connection_id}");
    result.map(|_| ())
}

pub fn drain_deadline() -> Deadline {
    Deadline::after(Some(DRAIN_TIMEOUT))
}
