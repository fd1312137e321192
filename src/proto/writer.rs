//! Little-endian and length-encoded writes into a `Vec<u8>`.

pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
pub fn put_u24(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes()[..3]);
}
pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
pub fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}
pub fn put_lenenc_int(out: &mut Vec<u8>, v: u64) {
    // Always the shortest form: 0xFB..=0xFF are markers, so one byte only covers < 251.
    if v < 0xFB {
        out.push(v as u8);
    } else if v <= 0xFFFF {
        out.push(0xFC);
        put_u16(out, v as u16);
    } else if v <= 0xFF_FFFF {
        out.push(0xFD);
        put_u24(out, v as u32);
    } else {
        out.push(0xFE);
        put_u64(out, v);
    }
}
/// Bytes `put_lenenc_int` writes for `v`.
pub fn lenenc_int_len(v: u64) -> usize {
    match v {
        0..0xFB => 1,
        0xFB..=0xFFFF => 3,
        0x1_0000..=0xFF_FFFF => 4,
        _ => 9,
    }
}
pub fn put_lenenc_bytes(out: &mut Vec<u8>, v: &[u8]) {
    put_lenenc_int(out, v.len() as u64);
    out.extend_from_slice(v);
}
pub fn put_null_terminated(out: &mut Vec<u8>, v: &[u8]) {
    out.extend_from_slice(v);
    out.push(0);
}

#[cfg(test)]
mod tests {
    #[test]
    fn lenenc_int_len_is_what_is_written() {
        for v in [
            0,
            250,
            251,
            0xFFFF,
            0x1_0000,
            0xFF_FFFF,
            0x100_0000,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            super::put_lenenc_int(&mut out, v);
            assert_eq!(out.len(), super::lenenc_int_len(v), "{v}");
        }
    }

    use super::super::Reader;
    use super::*;

    #[test]
    fn lenenc_int_boundaries_round_trip() {
        let cases: &[(u64, usize)] = &[
            (0, 1),
            (250, 1),
            (251, 3),
            (0xFFFF, 3),
            (0x1_0000, 4),
            (0xFF_FFFF, 4),
            (0x100_0000, 9),
            (u64::MAX, 9),
        ];
        for &(v, len) in cases {
            let mut out = Vec::new();
            put_lenenc_int(&mut out, v);
            assert_eq!(out.len(), len, "{v}");
            let mut r = Reader::new(&out);
            assert_eq!(r.lenenc_int().unwrap(), Some(v));
            assert!(r.is_empty());
        }
    }

    #[test]
    fn strings_round_trip() {
        let mut out = Vec::new();
        put_lenenc_bytes(&mut out, b"hello");
        put_null_terminated(&mut out, b"world");
        put_u16(&mut out, 0xBEEF);
        put_u24(&mut out, 0xABCDEF);
        put_u32(&mut out, 7);
        let mut r = Reader::new(&out);
        assert_eq!(r.lenenc_bytes().unwrap(), Some(&b"hello"[..]));
        assert_eq!(r.null_terminated().unwrap(), b"world");
        assert_eq!(r.u16().unwrap(), 0xBEEF);
        assert_eq!(r.u24().unwrap(), 0xABCDEF);
        assert_eq!(r.u32().unwrap(), 7);
        assert!(r.is_empty());
    }
}
