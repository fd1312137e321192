//! Packet framing: 3-byte length + 1-byte sequence id; payloads of 0xFFFFFF bytes
//! continue in the next packet (a final short, possibly empty, packet ends them).

use bytes::{Bytes, BytesMut};

use super::{ProtoError, Result};

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

/// Payload length and sequence id of the physical packet at the front of `buf`.
fn header(buf: &[u8]) -> Option<(usize, u8)> {
    match buf {
        [a, b, c, seq, ..] => Some((
            usize::from(*a) | usize::from(*b) << 8 | usize::from(*c) << 16,
            *seq,
        )),
        _ => None,
    }
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
        self.seq = 0;
        self.partial = None;
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
        loop {
            let Some((len, seq)) = header(buf) else {
                return Ok(None);
            };
            if seq != self.seq {
                return Err(ProtoError::Sequence {
                    expected: self.seq,
                    got: seq,
                });
            }
            // Judge the size from the header alone so a huge packet is refused
            // before we buffer it.
            let so_far = self.partial.as_ref().map_or(0, |p| p.len());
            let size = so_far + len;
            if size > self.max_packet {
                return Err(ProtoError::TooLarge {
                    size,
                    limit: self.max_packet,
                });
            }
            if buf.len() < HEADER_LEN + len {
                return Ok(None);
            }
            let _ = buf.split_to(HEADER_LEN);
            let chunk = buf.split_to(len);
            self.seq = self.seq.wrapping_add(1);
            let whole = match self.partial.take() {
                None => chunk,
                Some(mut p) => {
                    p.extend_from_slice(&chunk);
                    p
                }
            };
            if len == MAX_PAYLOAD {
                // More of this logical packet follows (maybe an empty packet).
                self.partial = Some(whole);
                continue;
            }
            return Ok(Some(whole.freeze()));
        }
    }
    /// How many bytes `buf` must hold before `decode` can make progress (>= buf.len()+1
    /// when more are needed). Lets the reader size one read for a big packet.
    pub fn wanted(&self, buf: &[u8]) -> usize {
        match header(buf) {
            None => HEADER_LEN,
            Some((len, _)) => HEADER_LEN + len,
        }
    }
    /// Append `payload` to `out` as one or more framed packets, advancing the
    /// sequence id. Checking the size against the server's max_allowed_packet is
    /// the caller's job (it knows the server's limit, we only know ours).
    pub fn encode(&mut self, payload: &[u8], out: &mut Vec<u8>) {
        self.encode_parts(&[payload], out);
    }

    /// `encode` of the payload that is `parts` one after another, without joining
    /// them first (a command byte and its statement: no copy of the statement).
    pub fn encode_parts(&mut self, parts: &[&[u8]], out: &mut Vec<u8>) {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        out.reserve(total + HEADER_LEN * (1 + total / MAX_PAYLOAD));
        let mut parts = parts.iter().copied();
        let mut part: &[u8] = &[];
        let mut left = total;
        loop {
            let n = left.min(MAX_PAYLOAD);
            out.extend_from_slice(&(n as u32).to_le_bytes()[..3]);
            out.push(self.seq);
            let mut need = n;
            while need > 0 {
                if part.is_empty() {
                    // `need` never exceeds what the parts still hold: they sum to `total`.
                    let Some(next) = parts.next() else { break };
                    part = next;
                    continue;
                }
                let (now, rest) = part.split_at(need.min(part.len()));
                out.extend_from_slice(now);
                part = rest;
                need -= now.len();
            }
            self.seq = self.seq.wrapping_add(1);
            left -= n;
            // A full-size chunk always needs a successor, even an empty one.
            if n < MAX_PAYLOAD {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG: usize = 64 << 20;

    fn payload(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 251) as u8).collect()
    }

    /// Decode everything in `wire` fed in slices of `step` bytes.
    fn feed(wire: &[u8], step: usize, max: usize) -> Vec<Bytes> {
        let mut f = Framer::new(max);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in wire.chunks(step) {
            buf.extend_from_slice(chunk);
            while let Some(p) = f.decode(&mut buf).unwrap() {
                out.push(p);
            }
        }
        assert!(buf.is_empty());
        out
    }

    #[test]
    fn boundary_sizes_round_trip() {
        for &n in &[0, 1, 0xFF_FFFE, 0xFF_FFFF, 0x100_0000, 2 * 0xFF_FFFF] {
            let p = payload(n);
            let mut enc = Framer::new(BIG);
            let mut wire = Vec::new();
            enc.encode(&p, &mut wire);
            let packets = n / MAX_PAYLOAD + 1;
            assert_eq!(wire.len(), n + HEADER_LEN * packets, "size {n}");
            assert_eq!(enc.seq(), packets as u8);
            // The last physical packet is short (empty when n is a multiple of 0xFFFFFF).
            let last = wire.len() - HEADER_LEN - n % MAX_PAYLOAD;
            assert_eq!(
                header(&wire[last..]),
                Some((n % MAX_PAYLOAD, packets as u8 - 1))
            );

            let mut dec = Framer::new(BIG);
            let mut buf = BytesMut::from(&wire[..]);
            let got = dec.decode(&mut buf).unwrap().unwrap();
            assert!(got[..] == p[..], "size {n}");
            assert!(buf.is_empty());
            assert_eq!(dec.seq(), packets as u8);
            assert_eq!(dec.decode(&mut buf).unwrap(), None);

            // Odd-sized slices hit every kind of split, including inside headers.
            let got = feed(&wire, 65_521, BIG);
            assert_eq!(got.len(), 1);
            assert!(got[0][..] == p[..]);
        }
    }

    #[test]
    fn byte_at_a_time_small_packets() {
        let mut enc = Framer::new(BIG);
        let mut wire = Vec::new();
        let sizes = [0, 1, 2, 3, 4, 5, 250, 251, 300];
        for &n in &sizes {
            enc.encode(&payload(n), &mut wire);
        }
        let got = feed(&wire, 1, BIG);
        assert_eq!(got.len(), sizes.len());
        for (g, &n) in got.iter().zip(&sizes) {
            assert_eq!(g[..], payload(n)[..]);
        }
    }

    #[test]
    fn byte_at_a_time_across_16mib_boundary() {
        let p = payload(0xFF_FFFF);
        let mut wire = Vec::new();
        Framer::new(BIG).encode(&p, &mut wire);
        let mut f = Framer::new(BIG);
        let mut buf = BytesMut::new();
        // All but the last 20 bytes at once, then one byte at a time.
        let split = wire.len() - 20;
        buf.extend_from_slice(&wire[..split]);
        assert_eq!(f.decode(&mut buf).unwrap(), None);
        let mut got = None;
        for (i, b) in wire[split..].iter().enumerate() {
            assert!(got.is_none(), "packet completed early at {i}");
            assert!(f.wanted(&buf) > buf.len());
            buf.extend_from_slice(&[*b]);
            got = f.decode(&mut buf).unwrap();
        }
        assert!(got.unwrap()[..] == p[..]);
    }

    /// The framing of a contiguous payload, written out plainly: chunks of
    /// MAX_PAYLOAD, each with its header, and a short (maybe empty) last one.
    fn framed_plainly(payload: &[u8], mut seq: u8) -> Vec<u8> {
        let mut out = Vec::new();
        let mut chunks = payload.chunks(MAX_PAYLOAD).peekable();
        loop {
            let chunk = chunks.next().unwrap_or_default();
            out.extend_from_slice(&(chunk.len() as u32).to_le_bytes()[..3]);
            out.push(seq);
            out.extend_from_slice(chunk);
            seq = seq.wrapping_add(1);
            if chunk.len() < MAX_PAYLOAD {
                return out;
            }
            if chunks.peek().is_none() {
                // A full last chunk: an empty packet ends the payload.
                out.extend_from_slice(&[0, 0, 0, seq]);
                return out;
            }
        }
    }

    #[test]
    fn parts_frame_as_their_joined_payload() {
        // Every split of payloads around the 16 MiB chunk size, including empty parts
        // and a split that falls exactly on a chunk boundary.
        for total in [
            0,
            1,
            2,
            MAX_PAYLOAD - 1,
            MAX_PAYLOAD,
            MAX_PAYLOAD + 1,
            2 * MAX_PAYLOAD,
        ] {
            let p = payload(total);
            for cut in [0, 1, total / 2, total.saturating_sub(1), total] {
                let cut = cut.min(total);
                let (a, b) = p.split_at(cut);
                for parts in [
                    vec![a, b],
                    vec![a, &[][..], b],
                    vec![&[][..], a, b, &[][..]],
                ] {
                    let mut f = Framer::new(BIG);
                    f.set_seq(250);
                    let mut out = Vec::new();
                    f.encode_parts(&parts, &mut out);
                    assert!(out == framed_plainly(&p, 250), "total {total}, cut {cut}");
                    let packets = 1 + total / MAX_PAYLOAD;
                    assert_eq!(f.seq(), 250u8.wrapping_add(packets as u8));
                }
            }
        }
    }

    #[test]
    fn wanted_sizes_reads() {
        let f = Framer::new(BIG);
        assert_eq!(f.wanted(&[]), 4);
        assert_eq!(f.wanted(&[5, 0]), 4);
        assert_eq!(f.wanted(&[5, 0, 0, 0]), 9);
        assert_eq!(f.wanted(&[0xFF, 0xFF, 0xFF, 0]), 4 + MAX_PAYLOAD);
    }

    #[test]
    fn sequence_checked_and_wraps() {
        let mut f = Framer::new(BIG);
        let mut buf = BytesMut::from(&[1, 0, 0, 1, b'x'][..]);
        assert_eq!(
            f.decode(&mut buf),
            Err(ProtoError::Sequence {
                expected: 0,
                got: 1
            })
        );

        let mut enc = Framer::new(BIG);
        enc.set_seq(255);
        let mut wire = Vec::new();
        enc.encode(b"a", &mut wire);
        enc.encode(b"b", &mut wire);
        assert_eq!(enc.seq(), 1);
        let mut dec = Framer::new(BIG);
        dec.set_seq(255);
        let mut buf = BytesMut::from(&wire[..]);
        assert_eq!(&dec.decode(&mut buf).unwrap().unwrap()[..], b"a");
        assert_eq!(&dec.decode(&mut buf).unwrap().unwrap()[..], b"b");

        // A continuation with the wrong id is caught too.
        let mut wire = Vec::new();
        Framer::new(BIG).encode(&payload(MAX_PAYLOAD), &mut wire);
        let n = wire.len();
        wire[n - 1] = 7;
        let mut buf = BytesMut::from(&wire[..]);
        assert_eq!(
            Framer::new(BIG).decode(&mut buf),
            Err(ProtoError::Sequence {
                expected: 1,
                got: 7
            })
        );
    }

    #[test]
    fn too_large_rejected_from_header() {
        let mut f = Framer::new(100);
        let mut buf = BytesMut::from(&[101, 0, 0, 0][..]);
        assert_eq!(
            f.decode(&mut buf),
            Err(ProtoError::TooLarge {
                size: 101,
                limit: 100
            })
        );
        let mut f = Framer::new(100);
        let mut buf = BytesMut::from(&[100, 0, 0, 0][..]);
        assert_eq!(f.decode(&mut buf), Ok(None));

        // 16 MiB limit: the first full chunk fits, the continuation header overflows.
        let mut f = Framer::new(MAX_PAYLOAD + 10);
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0]);
        buf.resize(4 + MAX_PAYLOAD, 0);
        buf.extend_from_slice(&[11, 0, 0, 1]);
        assert_eq!(
            f.decode(&mut buf),
            Err(ProtoError::TooLarge {
                size: MAX_PAYLOAD + 11,
                limit: MAX_PAYLOAD + 10
            })
        );
    }

    #[test]
    fn reset_clears_partial() {
        let mut f = Framer::new(BIG);
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0]);
        buf.resize(4 + MAX_PAYLOAD, 0);
        assert_eq!(f.decode(&mut buf), Ok(None));
        assert_eq!(f.seq(), 1);
        f.reset();
        assert_eq!(f.seq(), 0);
        let mut buf = BytesMut::from(&[1, 0, 0, 0, 9][..]);
        assert_eq!(&f.decode(&mut buf).unwrap().unwrap()[..], &[9]);
    }
}
