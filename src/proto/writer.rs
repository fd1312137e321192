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
pub fn put_lenenc_int(out: &mut Vec<u8>, v: u64) {
    todo!()
}
pub fn put_lenenc_bytes(out: &mut Vec<u8>, v: &[u8]) {
    put_lenenc_int(out, v.len() as u64);
    out.extend_from_slice(v);
}
pub fn put_null_terminated(out: &mut Vec<u8>, v: &[u8]) {
    out.extend_from_slice(v);
    out.push(0);
}
