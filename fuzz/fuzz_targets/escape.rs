//! The escaper against a model of the server's lexer: in every client charset rule
//! set and both quoting modes, any input reads back exactly and the literal ends at
//! our closing quote; an identifier either quotes back exactly or is refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unshaken::proto::client_charset::ClientCharset;
use unshaken::proto::escape::{escape_into, quote_identifier_into, read_identifier, read_literal};

const CHARSETS: [ClientCharset; 4] = [
    ClientCharset::AsciiSafe,
    ClientCharset::Sjis,
    ClientCharset::Gbk,
    ClientCharset::Big5,
];
const AFTER: &[u8] = b"' OR 1 -- '";

fuzz_target!(|input: &[u8]| {
    for cs in CHARSETS {
        for nbe in [false, true] {
            let mut sql = Vec::new();
            escape_into(input, cs, nbe, &mut sql);
            sql.extend_from_slice(AFTER);
            let (value, used) = read_literal(&sql, cs, nbe).expect("literal ends");
            assert_eq!(value, input);
            assert_eq!(&sql[used..], &AFTER[1..]);
        }
        let mut name = Vec::new();
        if quote_identifier_into(input, cs, &mut name).is_ok() {
            name.extend_from_slice(b"`x`");
            let (value, used) = read_identifier(&name, cs).expect("identifier ends");
            assert_eq!(value, input);
            assert_eq!(&name[used..], b"x`");
        }
    }
});
