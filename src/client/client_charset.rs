//! Asking the server which character set it reads statements in, for the escaper.

use super::conn::{Conn, Reply};
use crate::consts::charset::charset_of_greeting_collation;
use crate::error::{cr, Error, Result};
use crate::io::Interrupt;
use crate::proto::client_charset::assumed_after_login;
use crate::proto::Reader;

/// The session's `character_set_client` right after login: the one the handshake
/// asked for (`requested`) when a server that kept its own default instead would
/// read our literals the same way, else the server's answer (one round trip, taken
/// now rather than before a later literal, where it would reset ROW_COUNT()).
pub fn client_charset_after_login(
    conn: &mut Conn,
    requested: &str,
    hook: &mut dyn Interrupt,
) -> Result<String> {
    let server_default = charset_of_greeting_collation(conn.server().collation);
    match assumed_after_login(requested, server_default) {
        Some(_) => Ok(requested.to_owned()),
        None => query_client_charset(conn, hook),
    }
}

/// `@@character_set_client` of the session (one round trip). Rows or results still
/// unread are "commands out of sync" (2014), as for any other statement.
pub fn query_client_charset(conn: &mut Conn, hook: &mut dyn Interrupt) -> Result<String> {
    let malformed = || Error::client(cr::CR_MALFORMED_PACKET, "bad @@character_set_client row");
    match conn.query(b"SELECT @@character_set_client", hook)? {
        Reply::ResultSet => {}
        Reply::Done => return Err(malformed()),
    }
    let mut rows = Vec::new();
    conn.read_rows(0, &mut rows, hook)?;
    let [row] = rows.as_slice() else {
        return Err(malformed());
    };
    let mut r = Reader::new(row);
    let name = r.lenenc_bytes().ok().flatten().ok_or_else(malformed)?;
    String::from_utf8(name.to_vec()).map_err(|_| malformed())
}
