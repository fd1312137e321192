//! Whole packets over a socket: the framer, the buffers, compression, the TLS upgrade
//! and the per-step deadlines. It knows MySQL's framing and nothing of its commands:
//! `client/` runs the session machines over it.

use std::time::Duration;

use bytes::{Bytes, BytesMut};

use std::sync::Arc;

use crate::io::{Deadline, Interrupt, IoError, IoStats, Socket, Stream};
use crate::proto::compress::{Algorithm, Compression};
use crate::proto::{Framer, ProtoError};

/// Bytes asked of the kernel per read when no big packet is pending.
const READ_CHUNK: usize = 64 * 1024;
/// The first size of the buffer small reads land in (see `fill`).
const FIRST_SCRATCH: usize = 4096;

#[derive(Debug)]
pub enum WireError {
    Io(IoError),
    Proto(ProtoError),
}

impl From<IoError> for WireError {
    fn from(e: IoError) -> Self {
        WireError::Io(e)
    }
}
impl From<ProtoError> for WireError {
    fn from(e: ProtoError) -> Self {
        WireError::Proto(e)
    }
}

pub struct Wire {
    stream: Stream,
    framer: Framer,
    /// Whole packets' bytes (decompressed when compression is on).
    inbuf: BytesMut,
    outbuf: Vec<u8>,
    /// The compressed protocol, once the handshake turned it on: `raw` holds the
    /// compressed frames read, `zbuf` the frames to send.
    compression: Option<Compression>,
    raw: BytesMut,
    zbuf: Vec<u8>,
    /// Where a read lands when no large packet is pending (see `fill`).
    scratch: Vec<u8>,
    /// A command went out and nothing has been read since: its reply cannot be
    /// here yet, so the first read waits before asking (see `Stream::await_reply`).
    awaiting_reply: bool,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl Wire {
    pub fn new(sock: Socket, max_packet: usize) -> Wire {
        Wire {
            stream: Stream::Plain(sock),
            framer: Framer::new(max_packet),
            inbuf: BytesMut::with_capacity(READ_CHUNK),
            outbuf: Vec::new(),
            compression: None,
            raw: BytesMut::new(),
            zbuf: Vec::new(),
            scratch: Vec::new(),
            awaiting_reply: false,
            read_timeout: None,
            write_timeout: None,
        }
    }

    /// The next whole packet. Each read syscall that has to wait gets a fresh
    /// deadline of `read_timeout` (an inactivity limit, as libmysqlclient's), fixed
    /// for the whole wait however many signals arrive; `limit` caps it further.
    pub fn read_packet(
        &mut self,
        limit: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<Bytes, WireError> {
        loop {
            if let Some(packet) = self.framer.decode(&mut self.inbuf)? {
                return Ok(packet);
            }
            let deadline = Deadline::after(self.read_timeout).min(limit);
            match &mut self.compression {
                None => {
                    if std::mem::take(&mut self.awaiting_reply) && self.inbuf.is_empty() {
                        self.stream.await_reply(deadline, hook)?;
                    }
                    let want = self.framer.wanted(&self.inbuf);
                    fill(
                        &mut self.stream,
                        &mut self.inbuf,
                        &mut self.scratch,
                        want,
                        deadline,
                        hook,
                    )?;
                }
                Some(c) => {
                    // One frame per turn: the framer judges the packets it holds
                    // before more is inflated (at most one packet plus one frame).
                    if !c.decode(&mut self.raw, &mut self.inbuf)? {
                        let want = c.wanted(&self.raw);
                        fill(
                            &mut self.stream,
                            &mut self.raw,
                            &mut self.scratch,
                            want,
                            deadline,
                            hook,
                        )?;
                    }
                }
            }
        }
    }

    /// Send one logical packet (split at 16 MiB as needed) with the next sequence id.
    pub fn write_packet(
        &mut self,
        payload: &[u8],
        limit: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<(), WireError> {
        self.write_parts(&[payload], limit, hook)
    }

    /// `write_packet` of the payload that is `parts` one after another, framed
    /// straight into the output buffer: a command's byte and its statement go out
    /// without a joined copy of the statement first.
    pub fn write_parts(
        &mut self,
        parts: &[&[u8]],
        limit: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<(), WireError> {
        self.outbuf.clear();
        self.framer.encode_parts(parts, &mut self.outbuf);
        let mut bytes = &self.outbuf;
        if let Some(c) = &mut self.compression {
            self.zbuf.clear();
            c.encode(&self.outbuf, &mut self.zbuf);
            bytes = &self.zbuf;
        }
        let deadline = Deadline::after(self.write_timeout).min(limit);
        let result = self.stream.write_all(bytes, deadline, hook);
        self.awaiting_reply = result.is_ok();
        // Do not keep a 16 MiB statement's buffers alive for the connection's life.
        for buf in [&mut self.outbuf, &mut self.zbuf] {
            if buf.capacity() > 4 * READ_CHUNK {
                *buf = Vec::new();
            }
        }
        Ok(result?)
    }

    /// A new command: packet (and compressed frame) sequence ids restart at 0.
    /// Inactivity limits for each read and write syscall's wait (None: none).
    pub fn set_timeouts(&mut self, read: Option<Duration>, write: Option<Duration>) {
        self.read_timeout = read;
        self.write_timeout = write;
    }

    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    pub fn stream_mut(&mut self) -> &mut Stream {
        &mut self.stream
    }

    /// The packet sequence id the next packet must carry.
    pub fn sequence(&self) -> u8 {
        self.framer.seq()
    }

    /// Expect (or send) `seq` next: the reply to a command sent ahead of another.
    pub fn set_sequence(&mut self, seq: u8) {
        self.framer.set_seq(seq);
    }

    pub fn reset_sequence(&mut self) {
        self.framer.reset();
        if let Some(c) = &mut self.compression {
            c.reset();
        }
    }

    /// Everything after the handshake's OK travels compressed.
    pub fn start_compression(&mut self, algorithm: Algorithm) {
        self.compression = Some(Compression::new(algorithm, self.framer.max_packet()));
    }

    pub fn compression(&self) -> Option<Algorithm> {
        self.compression.as_ref().map(Compression::algorithm)
    }

    /// Switch to TLS (after the SSLRequest packet went out in clear text).
    pub fn start_tls(
        self,
        config: Arc<rustls::ClientConfig>,
        server_name: rustls::pki_types::ServerName<'static>,
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<Wire, WireError> {
        if !self.inbuf.is_empty() {
            // Bytes before the TLS handshake would be an injection attempt.
            return Err(WireError::Proto(crate::proto::ProtoError::Malformed(
                "unexpected data before the TLS handshake",
            )));
        }
        let stream = self.stream.start_tls(config, server_name, deadline, hook)?;
        Ok(Wire { stream, ..self })
    }

    /// Unread bytes already received (a well-behaved server leaves none between commands).
    pub fn buffered(&self) -> usize {
        self.inbuf.len() + self.raw.len()
    }

    pub fn stats(&self) -> IoStats {
        self.stream.stats()
    }
}

/// One read into `buf`, sized for what the decoder `wants` in total (at least a chunk,
/// at most 1 MiB at a time so a huge packet is read in bounded steps).
///
/// A read of one chunk goes through `scratch`, zeroed once per size: growing `buf` by
/// a zeroed chunk per read cost a 64 KiB memset per statement (more than copying a
/// short reply). `scratch` starts at one page and doubles, up to the chunk, each time
/// a read fills it: a short-lived connection's small replies never pay for zeroing
/// (and faulting in) the whole 64 KiB. A larger wanted packet is read into `buf`'s
/// spare capacity, not zeroed first (a 1 MiB memset per step of a large row).
fn fill(
    stream: &mut Stream,
    buf: &mut BytesMut,
    scratch: &mut Vec<u8>,
    wants: usize,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
) -> Result<(), WireError> {
    let room = wants
        .saturating_sub(buf.len())
        .clamp(READ_CHUNK, 16 * READ_CHUNK);
    if room == READ_CHUNK {
        if scratch.is_empty() {
            scratch.resize(FIRST_SCRATCH, 0);
        }
        let got = stream.read(scratch, deadline, hook)?;
        buf.extend_from_slice(&scratch[..got]);
        if got == scratch.len() && got < READ_CHUNK {
            scratch.resize(2 * got, 0);
        }
        return Ok(());
    }
    buf.reserve(room);
    let got = stream.read_uninit(&mut buf.spare_capacity_mut()[..room], deadline, hook)?;
    // SAFETY: read_uninit initialized the first `got` bytes of the spare capacity.
    unsafe { buf.set_len(buf.len() + got) };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::NoInterrupt;
    use crate::proto::Framer;
    use std::io::Write;
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixStream;

    fn pair() -> (Wire, UnixStream) {
        let (ours, theirs) = UnixStream::pair().expect("socketpair");
        let sock = Socket::from_fd(OwnedFd::from(ours)).expect("socket");
        (Wire::new(sock, 1 << 24), theirs)
    }

    fn framed(payloads: &[Vec<u8>]) -> Vec<u8> {
        let mut framer = Framer::new(1 << 24);
        let mut out = Vec::new();
        for p in payloads {
            framer.encode(p, &mut out);
        }
        out
    }

    fn read_all(wire: &mut Wire, n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|_| {
                let p = wire.read_packet(Deadline::NEVER, &mut NoInterrupt);
                p.expect("packet").to_vec()
            })
            .collect()
    }

    #[test]
    fn small_replies_zero_one_page_of_scratch() {
        let (mut wire, mut peer) = pair();
        let replies: Vec<Vec<u8>> = (0..50u8).map(|i| vec![i; 7 + usize::from(i)]).collect();
        for reply in &replies {
            peer.write_all(&framed(std::slice::from_ref(reply)))
                .unwrap();
            wire.reset_sequence(); // each a new command's reply
            assert_eq!(read_all(&mut wire, 1), std::slice::from_ref(reply));
        }
        assert_eq!(wire.scratch.len(), FIRST_SCRATCH);
    }

    #[test]
    fn scratch_doubles_to_a_chunk_while_reads_fill_it() {
        let (mut wire, mut peer) = pair();
        // 70 KB already waiting (well within a socket's buffer): the reads of 4, 8, 16
        // and 32 KiB each fill the scratch, and it ends at one chunk.
        let waiting: Vec<Vec<u8>> = (0..70u8).map(|i| vec![i; 1000]).collect();
        peer.write_all(&framed(&waiting)).unwrap();
        assert_eq!(read_all(&mut wire, waiting.len()), waiting);
        assert_eq!(wire.scratch.len(), READ_CHUNK);
        // Then 300 KB of packets of every size from 1 byte to ~60 KB, written while
        // they are read: no byte is lost or reordered, and the scratch grows no more.
        wire.reset_sequence();
        let payloads: Vec<Vec<u8>> = (0..300usize)
            .map(|i| (0..(i * 997) % 60_000 + 1).map(|j| (i + j) as u8).collect())
            .collect();
        let wire_bytes = framed(&payloads);
        let writer = std::thread::spawn(move || peer.write_all(&wire_bytes).unwrap());
        assert_eq!(read_all(&mut wire, payloads.len()), payloads);
        writer.join().unwrap();
        assert_eq!(wire.scratch.len(), READ_CHUNK);
    }
}
