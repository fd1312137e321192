//! Framing: arbitrary bytes fed in arbitrary slices to a Framer with an arbitrary limit.
//! Never panics; a logical packet is never larger than the limit; every byte handed
//! out was in the input; `wanted` always asks for more than is buffered when stuck.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use unshaken::proto::framing::{Framer, HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let limit = (usize::from(data[0]) << 16 | usize::from(data[1]) << 8) + 1;
    let slice = usize::from(data[2]).max(1);
    let input = &data[3..];
    let mut framer = Framer::new(limit);
    let mut buf = BytesMut::new();
    let mut out = 0usize;
    for chunk in input.chunks(slice) {
        buf.extend_from_slice(chunk);
        loop {
            match framer.decode(&mut buf) {
                Ok(Some(packet)) => {
                    assert!(packet.len() <= limit, "packet over the limit");
                    out += packet.len();
                    assert!(out <= input.len(), "more payload than input");
                }
                Ok(None) => {
                    assert!(framer.wanted(&buf) > buf.len() || buf.len() < HEADER_LEN);
                    break;
                }
                Err(_) => return,
            }
        }
    }
    // Re-encoding whatever is left must not panic either.
    let mut enc = Vec::new();
    Framer::new(limit).encode(&buf, &mut enc);
});
