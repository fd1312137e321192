//! Asking the server which character set it reads statements in, for the escaper.

use super::conn::{Conn, Reply};
use crate::error::{cr, Error, Result};
use crate::io::Interrupt;
use crate::proto::Reader;

/// `@@character_set_client` of the session (one round trip). Rows or results still
/// unread are "commands out of sync" (2014), as for any other statement.
pub fn query_client_charset(conn: &mut Conn, hook: &mut dyn Interrupt) -> Result<String> {
    let malformed = || Error::client(cr::CR_MALFORMED_PACKET, "bad @@character_set_client row");
    match conn.query(b"SELECT @@character_set_client", hook)? {
        Reply::ResultSet(_) => {}
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
