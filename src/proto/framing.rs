//! Packet framing: 3-byte length + 1-byte sequence id; payloads of 0xFFFFFF bytes
//! continue in the next packet (a final short, possibly empty, packet ends them).

use bytes::{Bytes, BytesMut};

use super::Result;

pub const HEADER_LEN: usize = 4;
pub const MAX_PAYLOAD: usize = 0xFF_FFFF;

/// Sequence-checking packet splitter/joiner for one connection.
pub struct Framer {
    seq: u8,
    /// Largest logical payload accepted from the server (max_allowed_packet).
    max_packet: usize,
    /// Continuation chunks of a logical packet of >= 16 MiB.
    partial: Option<BytesMut>,
}

impl Framer {
    pub fn new(max_packet: usize) -> Self {
        Framer {
            seq: 0,
            max_packet,
            partial: None,
        }
    }
    /// A new command starts at sequence 0.
    pub fn reset(&mut self) {
        todo!()
    }
    pub fn seq(&self) -> u8 {
        self.seq
    }
    pub fn set_seq(&mut self, seq: u8) {
        self.seq = seq;
    }
    pub fn max_packet(&self) -> usize {
        self.max_packet
    }
    /// Take one whole logical packet off the front of `buf` if it is all there;
    /// `Ok(None)` means "need more bytes" (see [`Framer::wanted`]).
    /// Checks every sequence id and the max_packet limit.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>> {
        todo!()
    }
    /// How many bytes `buf` must hold before `decode` can make progress (>= buf.len()+1
    /// when more are needed). Lets the reader size one read for a big packet.
    pub fn wanted(&self, buf: &[u8]) -> usize {
        todo!()
    }
    /// Append `payload` to `out` as one or more framed packets, advancing the
    /// sequence id. Errors with `TooLarge` when payload exceeds `limit` (if given).
    pub fn encode(&mut self, payload: &[u8], out: &mut Vec<u8>) {
        todo!()
    }
}
