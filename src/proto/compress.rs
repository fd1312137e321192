//! The compressed protocol: after the handshake, every byte of (already framed)
//! packets travels inside compressed frames: 3-byte compressed length, a sequence
//! id of its own, 3-byte uncompressed length (0: stored as is), then the payload.

use bytes::{Buf, BytesMut};
use std::io::Write;

use super::framing::HEADER_LEN;

use super::{ProtoError, Result};

pub const FRAME_HEADER: usize = 7;
const MAX_FRAME: usize = 0xFF_FFFF;
/// Below this size compression costs more than it saves: sent as is.
const MIN_COMPRESS: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Zlib,
    /// zstd with this level (1..=22; MySQL's default is 3).
    Zstd(i32),
}

pub struct Compression {
    algorithm: Algorithm,
    seq: u8,
    /// Largest uncompressed size accepted for one frame's payload and for a whole
    /// decompression (guards against decompression bombs).
    max_packet: usize,
}

impl Compression {
    pub fn new(algorithm: Algorithm, max_packet: usize) -> Self {
        Compression {
            algorithm,
            seq: 0,
            max_packet,
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// A new command starts at sequence 0, as the packet sequence does.
    pub fn reset(&mut self) {
        self.seq = 0;
    }

    /// Move the complete frame at the front of `raw`, if there is one, into `plain`
    /// (uncompressed). One frame per call, so the caller looks at the packets it
    /// holds before inflating more: a few KB of hostile frames cannot become GBs of
    /// buffered bytes. Returns whether a frame was taken; `Ok(false)` means "need
    /// more bytes".
    pub fn decode(&mut self, raw: &mut BytesMut, plain: &mut BytesMut) -> Result<bool> {
        if raw.len() < FRAME_HEADER {
            return Ok(false);
        }
        let stored = u24(&raw[0..3]);
        let seq = raw[3];
        let original = u24(&raw[4..7]);
        if seq != self.seq {
            return Err(ProtoError::Sequence {
                expected: self.seq,
                got: seq,
            });
        }
        // Judged from the header, before anything is allocated. A frame carries
        // packet headers too, so allow one packet and its header (never more than a
        // frame can say: the field is 3 bytes).
        let limit = self.max_packet.saturating_add(HEADER_LEN).min(MAX_FRAME);
        if original > limit {
            return Err(ProtoError::TooLarge {
                size: original,
                limit,
            });
        }
        if raw.len() < FRAME_HEADER + stored {
            return Ok(false);
        }
        self.seq = self.seq.wrapping_add(1);
        raw.advance(FRAME_HEADER);
        let payload = raw.split_to(stored);
        if original == 0 {
            plain.extend_from_slice(&payload);
        } else {
            let start = plain.len();
            plain.resize(start + original, 0);
            let inflated = self.inflate(&payload, &mut plain[start..]);
            if inflated.is_err() {
                plain.truncate(start);
            }
            inflated?;
        }
        Ok(true)
    }

    /// Bytes `raw` must hold before `decode` can make progress.
    pub fn wanted(&self, raw: &[u8]) -> usize {
        if raw.len() < FRAME_HEADER {
            FRAME_HEADER
        } else {
            FRAME_HEADER + u24(&raw[0..3])
        }
    }

    /// Wrap `plain` (framed packets) into compressed frames appended to `out`.
    pub fn encode(&mut self, plain: &[u8], out: &mut Vec<u8>) {
        for chunk in plain
            .chunks(MAX_FRAME)
            .chain(plain.is_empty().then_some(&[][..]))
        {
            let start = out.len();
            out.extend_from_slice(&[0; FRAME_HEADER]);
            let original = if chunk.len() >= MIN_COMPRESS && self.deflate(chunk, out) {
                chunk.len()
            } else {
                out.truncate(start + FRAME_HEADER);
                out.extend_from_slice(chunk);
                0
            };
            let stored = out.len() - start - FRAME_HEADER;
            put_u24(&mut out[start..start + 3], stored);
            out[start + 3] = self.seq;
            put_u24(&mut out[start + 4..start + 7], original);
            self.seq = self.seq.wrapping_add(1);
        }
    }

    /// Compress `chunk` onto `out`; false when that would not fit a frame or would
    /// not be smaller (then it is stored as is).
    fn deflate(&self, chunk: &[u8], out: &mut Vec<u8>) -> bool {
        let before = out.len();
        let ok = match self.algorithm {
            Algorithm::Zlib => {
                let mut z =
                    flate2::write::ZlibEncoder::new(&mut *out, flate2::Compression::default());
                z.write_all(chunk).is_ok() && z.finish().is_ok()
            }
            Algorithm::Zstd(level) => zstd::stream::copy_encode(chunk, &mut *out, level).is_ok(),
        };
        ok && out.len() - before < chunk.len().min(MAX_FRAME)
    }

    /// Decompress exactly `into.len()` bytes, the frame's stated size: the
    /// decompressor writes into `into` only, so it can never produce more than was
    /// stated, and producing less (or leaving input over) is a malformed frame.
    fn inflate(&self, payload: &[u8], into: &mut [u8]) -> Result<()> {
        let exact = match self.algorithm {
            Algorithm::Zlib => {
                let mut z = flate2::Decompress::new(true);
                matches!(
                    z.decompress(payload, into, flate2::FlushDecompress::Finish),
                    Ok(flate2::Status::StreamEnd)
                ) && z.total_out() == into.len() as u64
                    && z.total_in() == payload.len() as u64
            }
            // One-shot decoding straight into `into`: no window buffer of the size
            // a hostile frame header asks for, and "destination too small" is an error.
            Algorithm::Zstd(_) => {
                zstd::bulk::decompress_to_buffer(payload, into).is_ok_and(|n| n == into.len())
            }
        };
        if exact {
            Ok(())
        } else {
            Err(ProtoError::Malformed(
                "compressed frame does not decompress to its stated size",
            ))
        }
    }
}

fn u24(b: &[u8]) -> usize {
    usize::from(b[0]) | usize::from(b[1]) << 8 | usize::from(b[2]) << 16
}

fn put_u24(b: &mut [u8], v: usize) {
    b.copy_from_slice(&(v as u32).to_le_bytes()[..3]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(algorithm: Algorithm, plain: &[u8]) {
        let mut tx = Compression::new(algorithm, 1 << 30);
        let mut rx = Compression::new(algorithm, 1 << 30);
        let mut wire = Vec::new();
        tx.encode(plain, &mut wire);
        // Fed one byte at a time, the receiver gets exactly the same bytes back.
        let mut raw = BytesMut::new();
        let mut got = BytesMut::new();
        for b in &wire {
            raw.extend_from_slice(&[*b]);
            rx.decode(&mut raw, &mut got).unwrap();
        }
        assert!(raw.is_empty());
        assert_eq!(&got[..], plain);
    }

    #[test]
    fn round_trips() {
        let text: Vec<u8> = b"SELECT * FROM t WHERE a = 1; ".repeat(1000);
        let noise: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        for algorithm in [Algorithm::Zlib, Algorithm::Zstd(3)] {
            round_trip(algorithm, b"");
            round_trip(algorithm, b"\x01\x00\x00\x00\x0e"); // small: stored as is
            round_trip(algorithm, &text);
            round_trip(algorithm, &noise);
        }
    }

    #[test]
    fn large_input_spans_frames() {
        let big = vec![7u8; MAX_FRAME * 2 + 10];
        let mut tx = Compression::new(Algorithm::Zlib, 1 << 30);
        let mut wire = Vec::new();
        tx.encode(&big, &mut wire);
        let mut rx = Compression::new(Algorithm::Zlib, 1 << 30);
        let (mut raw, mut got) = (BytesMut::from(&wire[..]), BytesMut::new());
        while rx.decode(&mut raw, &mut got).unwrap() {}
        assert_eq!(got.len(), big.len());
        assert_eq!(rx.seq, 3);
    }

    /// A bomb: frames of a few hundred bytes that each inflate to the largest size a
    /// frame can state. Each call takes exactly one, so the caller can look at the
    /// packets (and refuse them) before more is inflated.
    #[test]
    fn frames_are_inflated_one_per_call() {
        for algorithm in [Algorithm::Zlib, Algorithm::Zstd(3)] {
            // One frame of MAX_FRAME zeros, sent three times with the next sequence ids.
            let mut one = Vec::new();
            Compression::new(algorithm, 1 << 30).encode(&vec![0u8; MAX_FRAME], &mut one);
            assert!(one.len() < MAX_FRAME / 300, "{algorithm:?}: {}", one.len());
            let mut wire = Vec::new();
            for seq in 0..3 {
                one[3] = seq;
                wire.extend_from_slice(&one);
            }
            let mut rx = Compression::new(algorithm, 1 << 30);
            let mut raw = BytesMut::from(&wire[..]);
            for step in 1..=3 {
                let mut plain = BytesMut::new();
                assert!(rx.decode(&mut raw, &mut plain).unwrap());
                assert_eq!(plain.len(), MAX_FRAME, "{algorithm:?} step {step}");
                assert_eq!(rx.seq, step);
                assert_eq!(raw.is_empty(), step == 3);
            }
            assert!(!rx.decode(&mut raw, &mut BytesMut::new()).unwrap());
        }
    }

    /// One frame of `len` bytes of `b'a'`, compressed.
    fn one_frame(algorithm: Algorithm, len: usize) -> Vec<u8> {
        let mut wire = Vec::new();
        Compression::new(algorithm, 1 << 30).encode(&vec![b'a'; len], &mut wire);
        assert_ne!(&wire[4..7], &[0, 0, 0], "compressed, not stored");
        wire
    }

    fn set_stated(wire: &mut [u8], size: usize) {
        put_u24(&mut wire[4..7], size);
    }

    /// The stated size is the exact size: a frame that inflates to more (the
    /// decompressor stops at the stated size) or to less is malformed, and nothing
    /// of it is left in `plain`.
    #[test]
    fn frame_that_lies_about_its_size_is_refused() {
        for algorithm in [Algorithm::Zlib, Algorithm::Zstd(3)] {
            for (holds, states) in [(100_000, 99_999), (100_000, 100_001), (100_000, 1)] {
                let mut wire = one_frame(algorithm, holds);
                set_stated(&mut wire, states);
                let mut rx = Compression::new(algorithm, 1 << 30);
                let mut plain = BytesMut::from(&b"kept"[..]);
                let got = rx.decode(&mut BytesMut::from(&wire[..]), &mut plain);
                assert!(
                    matches!(got, Err(ProtoError::Malformed(_))),
                    "{algorithm:?} holds {holds} states {states}: {got:?}"
                );
                assert_eq!(&plain[..], b"kept");
            }
            // Telling the truth still works.
            let wire = one_frame(algorithm, 100_000);
            let mut plain = BytesMut::new();
            let mut rx = Compression::new(algorithm, 1 << 30);
            assert!(rx
                .decode(&mut BytesMut::from(&wire[..]), &mut plain)
                .unwrap());
            assert_eq!(plain.len(), 100_000);
        }
    }

    /// Bytes after the end of the compressed stream are not silently dropped.
    #[test]
    fn trailing_bytes_after_the_stream_are_refused() {
        for algorithm in [Algorithm::Zlib, Algorithm::Zstd(3)] {
            let mut wire = one_frame(algorithm, 1000);
            wire.push(0x55);
            let stored = u24(&wire[0..3]) + 1;
            put_u24(&mut wire[0..3], stored);
            let mut rx = Compression::new(algorithm, 1 << 30);
            assert!(rx
                .decode(&mut BytesMut::from(&wire[..]), &mut BytesMut::new())
                .is_err());
        }
    }

    #[test]
    fn hostile_frames_are_errors() {
        let mut rx = Compression::new(Algorithm::Zlib, 1 << 20);
        // Wrong sequence.
        let mut raw = BytesMut::from(&[1, 0, 0, 5, 0, 0, 0, b'x'][..]);
        assert!(rx.decode(&mut raw, &mut BytesMut::new()).is_err());
        // Claims 2 MiB uncompressed: over the limit, refused before any allocation.
        let mut raw = BytesMut::from(&[1, 0, 0, 0, 0, 0, 0x20, b'x'][..]);
        assert!(matches!(
            rx.decode(&mut raw, &mut BytesMut::new()),
            Err(ProtoError::TooLarge { .. })
        ));
        // Garbage that is not zlib, and a stated size that does not match.
        let mut raw = BytesMut::from(&[3, 0, 0, 0, 10, 0, 0, 1, 2, 3][..]);
        assert!(rx.decode(&mut raw, &mut BytesMut::new()).is_err());
        let mut tx = Compression::new(Algorithm::Zlib, 1 << 20);
        let mut wire = Vec::new();
        tx.encode(&[b'a'; 100], &mut wire);
        wire[4] = 99; // says 99 bytes, holds 100
        let mut rx = Compression::new(Algorithm::Zlib, 1 << 20);
        assert!(rx
            .decode(&mut BytesMut::from(&wire[..]), &mut BytesMut::new())
            .is_err());
    }
}
