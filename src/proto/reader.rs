use super::{ProtoError, Result};

/// Checked little-endian and length-encoded reads over one packet payload.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }
    pub fn position(&self) -> usize {
        self.pos
    }
    pub fn u8(&mut self) -> Result<u8> {
        todo!()
    }
    pub fn u16(&mut self) -> Result<u16> {
        todo!()
    }
    pub fn u24(&mut self) -> Result<u32> {
        todo!()
    }
    pub fn u32(&mut self) -> Result<u32> {
        todo!()
    }
    pub fn u64(&mut self) -> Result<u64> {
        todo!()
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let _ = ProtoError::Malformed("");
        todo!()
    }
    pub fn skip(&mut self, n: usize) -> Result<()> {
        todo!()
    }
    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        todo!()
    }
    /// Bytes up to (not including) the next NUL; the NUL is consumed.
    pub fn null_terminated(&mut self) -> Result<&'a [u8]> {
        todo!()
    }
    /// Bytes up to the next NUL, or to the end when there is none (lenient greeting fields).
    pub fn null_terminated_or_rest(&mut self) -> &'a [u8] {
        todo!()
    }
    /// Length-encoded integer. 0xFB (SQL NULL in rows) yields `Ok(None)`.
    pub fn lenenc_int(&mut self) -> Result<Option<u64>> {
        todo!()
    }
    /// Length-encoded string; `None` for SQL NULL (0xFB). The length is checked
    /// against the bytes left before anything is allocated or sliced.
    pub fn lenenc_bytes(&mut self) -> Result<Option<&'a [u8]>> {
        todo!()
    }
}
