//! Command phase: how to read the first reply to COM_QUERY and each later packet.

use super::super::packets::{ErrPacket, OkPacket};
use super::super::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryHead {
    Ok(OkPacket),
    Err(ErrPacket),
    /// LOCAL INFILE request with the file name the server wants.
    LocalInfile(Vec<u8>),
    /// A result set with this many columns; column definitions follow.
    ResultSet {
        columns: u64,
    },
}

/// Classify the first packet of a reply to COM_QUERY.
pub fn classify_head(payload: &[u8], capabilities: u32) -> Result<QueryHead> {
    todo!()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowEnd {
    /// More rows: the payload is a row.
    Row,
    /// The result set ended: status flags and warnings (from EOF, or OK under DEPRECATE_EOF).
    End {
        status: u16,
        warnings: u16,
        ok: Option<OkPacket>,
    },
    Err(ErrPacket),
}

/// Classify a packet read while expecting rows. Under CLIENT_DEPRECATE_EOF the end is
/// an OK packet with header 0xFE; a row can only start with 0xFE when it is >= 16 MiB.
pub fn classify_row(payload: &[u8], capabilities: u32) -> Result<RowEnd> {
    todo!()
}
