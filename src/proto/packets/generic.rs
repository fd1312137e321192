//! OK, ERR and EOF packets.

use super::super::Result;

pub const OK_HEADER: u8 = 0x00;
pub const ERR_HEADER: u8 = 0xFF;
pub const EOF_HEADER: u8 = 0xFE;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OkPacket {
    pub affected_rows: u64,
    pub last_insert_id: u64,
    pub status: u16,
    pub warnings: u16,
    /// Human-readable info ("Records: 3  Duplicates: 0  Warnings: 0"); empty if none.
    pub info: Vec<u8>,
}

impl OkPacket {
    /// Decode an OK packet (header 0x00, or 0xFE when it ends a result set under
    /// CLIENT_DEPRECATE_EOF). `capabilities` are the negotiated ones: with
    /// CLIENT_SESSION_TRACK the info is length-encoded and session state follows.
    pub fn decode(payload: &[u8], capabilities: u32) -> Result<OkPacket> {
        todo!()
    }
    pub fn encode(&self, header: u8, capabilities: u32) -> Vec<u8> {
        todo!()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrPacket {
    pub code: u16,
    /// Five ASCII characters; "HY000" when the server sent none.
    pub sqlstate: [u8; 5],
    pub message: String,
}

impl ErrPacket {
    /// Decode an ERR packet (header 0xFF). Progress reports (code 0xFFFF, MariaDB)
    /// are not errors: callers check [`ErrPacket::is_progress`] first.
    pub fn decode(payload: &[u8]) -> Result<ErrPacket> {
        todo!()
    }
    pub fn encode(&self) -> Vec<u8> {
        todo!()
    }
    pub fn is_progress(payload: &[u8]) -> bool {
        payload.len() >= 3 && payload[0] == ERR_HEADER && payload[1] == 0xFF && payload[2] == 0xFF
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EofPacket {
    pub warnings: u16,
    pub status: u16,
}

impl EofPacket {
    pub fn decode(payload: &[u8]) -> Result<EofPacket> {
        todo!()
    }
    pub fn encode(&self) -> Vec<u8> {
        todo!()
    }
    /// A real EOF packet: header 0xFE and shorter than 9 bytes.
    pub fn is_eof(payload: &[u8]) -> bool {
        !payload.is_empty() && payload[0] == EOF_HEADER && payload.len() < 9
    }
}
