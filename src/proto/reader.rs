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
    /// The next byte without consuming it.
    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    pub fn u24(&mut self) -> Result<u32> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(ProtoError::Malformed("packet shorter than its fields"));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }
    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }
    /// Bytes up to (not including) the next NUL; the NUL is consumed.
    pub fn null_terminated(&mut self) -> Result<&'a [u8]> {
        let left = &self.buf[self.pos..];
        match left.iter().position(|&b| b == 0) {
            Some(i) => {
                self.pos += i + 1;
                Ok(&left[..i])
            }
            None => Err(ProtoError::Malformed("missing NUL terminator")),
        }
    }
    /// Bytes up to the next NUL, or to the end when there is none (lenient greeting fields).
    pub fn null_terminated_or_rest(&mut self) -> &'a [u8] {
        match self.null_terminated() {
            Ok(s) => s,
            Err(_) => self.rest(),
        }
    }
    /// Length-encoded integer. 0xFB (SQL NULL in rows) yields `Ok(None)`.
    pub fn lenenc_int(&mut self) -> Result<Option<u64>> {
        Ok(Some(match self.u8()? {
            b @ 0..=0xFA => u64::from(b),
            0xFB => return Ok(None),
            0xFC => u64::from(self.u16()?),
            0xFD => u64::from(self.u24()?),
            0xFE => self.u64()?,
            // 0xFF starts an ERR packet, never a number.
            0xFF => {
                return Err(ProtoError::Malformed(
                    "0xFF is not a length-encoded integer",
                ))
            }
        }))
    }
    /// Length-encoded string; `None` for SQL NULL (0xFB). The length is checked
    /// against the bytes left before anything is allocated or sliced.
    pub fn lenenc_bytes(&mut self) -> Result<Option<&'a [u8]>> {
        match self.lenenc_int()? {
            None => Ok(None),
            Some(n) => {
                // A u64 that does not fit usize is certainly longer than what is left.
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                self.take(n).map(Some)
            }
        }
    }
    /// A length-encoded integer where NULL makes no sense (counts, ids, lengths).
    pub fn lenenc_int_not_null(&mut self) -> Result<u64> {
        self.lenenc_int()?
            .ok_or(ProtoError::Malformed("unexpected NULL length"))
    }
    /// A length-encoded string where NULL makes no sense (names, messages).
    pub fn lenenc_bytes_not_null(&mut self) -> Result<&'a [u8]> {
        self.lenenc_bytes()?
            .ok_or(ProtoError::Malformed("unexpected NULL string"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_ints() {
        let b = [
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
        ];
        let mut r = Reader::new(&b);
        assert_eq!(r.u8().unwrap(), 1);
        assert_eq!(r.u16().unwrap(), 0x0302);
        assert_eq!(r.u24().unwrap(), 0x060504);
        assert_eq!(r.u32().unwrap(), 0x0a090807);
        assert_eq!(r.u64().unwrap(), 0x1211100f0e0d0c0b);
        assert!(r.is_empty());
        assert!(r.u8().is_err());
        assert_eq!(r.position(), 18);
    }

    #[test]
    fn short_reads_fail_without_consuming() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert!(r.u32().is_err());
        assert_eq!(r.remaining(), 3);
        assert!(r.take(4).is_err());
        assert!(r.skip(usize::MAX).is_err());
        assert_eq!(r.u24().unwrap(), 0x030201);
    }

    #[test]
    fn lenenc_ints() {
        let cases: &[(&[u8], Option<u64>)] = &[
            (&[0], Some(0)),
            (&[0xFA], Some(250)),
            (&[0xFB], None),
            (&[0xFC, 0xFB, 0x00], Some(251)),
            (&[0xFC, 0xFF, 0xFF], Some(0xFFFF)),
            (&[0xFD, 0x00, 0x00, 0x01], Some(0x10000)),
            (&[0xFE, 1, 2, 3, 4, 5, 6, 7, 8], Some(0x0807060504030201)),
        ];
        for (bytes, want) in cases {
            let mut r = Reader::new(bytes);
            assert_eq!(r.lenenc_int().unwrap(), *want, "{bytes:?}");
            assert!(r.is_empty());
            // Every strict prefix is an error.
            for n in 0..bytes.len() {
                assert!(Reader::new(&bytes[..n]).lenenc_int().is_err());
            }
        }
        assert!(Reader::new(&[0xFF]).lenenc_int().is_err());
    }

    #[test]
    fn lenenc_bytes_checks_length_before_slicing() {
        let mut r = Reader::new(&[3, b'a', b'b', b'c', 0xFB, 0]);
        assert_eq!(r.lenenc_bytes().unwrap(), Some(&b"abc"[..]));
        assert_eq!(r.lenenc_bytes().unwrap(), None);
        assert_eq!(r.lenenc_bytes().unwrap(), Some(&b""[..]));
        // Claims 2^64-1 bytes: must fail, not allocate or panic.
        let huge = [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, b'x'];
        assert!(Reader::new(&huge).lenenc_bytes().is_err());
        assert!(Reader::new(&[4, b'a']).lenenc_bytes().is_err());
        assert!(Reader::new(&[0xFB]).lenenc_bytes_not_null().is_err());
    }

    #[test]
    fn nul_terminated() {
        let mut r = Reader::new(b"ab\0cd");
        assert_eq!(r.null_terminated().unwrap(), b"ab");
        assert!(r.null_terminated().is_err());
        assert_eq!(r.remaining(), 2);
        assert_eq!(r.null_terminated_or_rest(), b"cd");
        assert!(r.is_empty());
        assert_eq!(r.rest(), b"");
    }
}
