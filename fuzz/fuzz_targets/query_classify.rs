//! The result-set state: classify_head and classify_row on arbitrary packets with
//! arbitrary capabilities, then a whole reply (head, columns, rows) walked as the
//! session does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unshaken::proto::packets::row::TextRow;
use unshaken::proto::packets::{ColumnDefinition, EofPacket};
use unshaken::proto::session::query::{classify_head, classify_row, QueryHead, RowEnd};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let caps = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
    let body = &data[4..];
    let _ = classify_head(body, caps);
    let _ = classify_row(body, caps);
    // A reply split into packets at 0xAA bytes (an arbitrary but stable cut).
    let mut packets = body.split(|b| *b == 0xAA);
    let Some(head) = packets.next() else { return };
    let Ok(QueryHead::ResultSet { columns }) = classify_head(head, caps) else {
        return;
    };
    let mut n = 0u64;
    for p in packets.by_ref() {
        if n == columns {
            break;
        }
        if ColumnDefinition::decode(p).is_err() {
            return;
        }
        n += 1;
    }
    if caps & unshaken::consts::capability::CLIENT_DEPRECATE_EOF == 0 {
        match packets.next() {
            Some(p) if EofPacket::decode(p).is_ok() => {}
            _ => return,
        }
    }
    for p in packets {
        match classify_row(p, caps) {
            Ok(RowEnd::Row) => {
                let mut row = TextRow::new(p);
                for _ in 0..columns.min(4096) {
                    if row.next_cell().is_err() {
                        return;
                    }
                }
            }
            _ => return,
        }
    }
});
