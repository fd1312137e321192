//! Text-protocol cell parsers: never panic; what parses is in range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unshaken::value::text::*;

fuzz_target!(|cell: &[u8]| {
    let _ = parse_i64(cell);
    let _ = parse_u64(cell);
    let _ = parse_f64(cell);
    if let Some(d) = parse_date(cell) {
        assert!(d.month <= 12 && d.day <= 31);
    }
    if let Some(dt) = parse_datetime(cell) {
        assert!(dt.hour < 24 && dt.minute < 60 && dt.second < 60 && dt.micro < 1_000_000);
    }
    if let Some(t) = parse_duration(cell) {
        assert!(t.minutes < 60 && t.seconds < 60 && t.micro < 1_000_000);
    }
});
