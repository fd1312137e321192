//! Every packet decoder on arbitrary bytes (the first byte picks the decoder, the next
//! four are the capabilities). A decoded packet re-encodes without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unshaken::proto::packets::row::TextRow;
use unshaken::proto::packets::{
    ColumnDefinition, EofPacket, ErrPacket, Greeting, HandshakeResponse, OkPacket,
};

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let caps = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
    let p = &data[5..];
    match data[0] % 8 {
        0 => {
            if let Ok(g) = Greeting::decode(p) {
                let _ = g.encode();
                let _ = g.version();
                let _ = g.is_mariadb();
            }
        }
        1 => {
            if let Ok(r) = HandshakeResponse::decode(p) {
                let _ = r.encode();
            }
        }
        2 => {
            if let Ok(ok) = OkPacket::decode(p, caps) {
                let _ = ok.encode(p.first().copied().unwrap_or(0), caps);
            }
        }
        3 => {
            if let Ok(e) = ErrPacket::decode(p) {
                let _ = e.encode();
            }
            let _ = ErrPacket::is_progress(p);
        }
        4 => {
            if let Ok(e) = EofPacket::decode(p) {
                let _ = e.encode();
            }
            let _ = EofPacket::is_eof(p);
        }
        5 => {
            if let Ok(c) = ColumnDefinition::decode(p) {
                let _ = c.encode();
            }
        }
        _ => {
            let mut row = TextRow::new(p);
            let mut total = 0usize;
            while let Ok(Some(cell)) = row.next_cell() {
                total += cell.len();
                assert!(total <= p.len(), "cells longer than the row");
            }
            let _ = row.at_end();
        }
    }
});
