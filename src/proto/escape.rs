//! SQL string literal and identifier escaping (the body, without the quotes), in the
//! connection's client character set.
//!
//! The rule that makes it safe: walk the input exactly as the server's lexer will
//! (see [`ClientCharset`]). A complete two-byte character is copied whole, never
//! looked into, because the server skips it whole; everything else is one byte, and
//! the special ones are escaped. So every quote and backslash the escaper writes is
//! at a character boundary for the server too.

use super::client_charset::ClientCharset;

/// Escape `input` for use between single quotes, for a server that reads it in
/// `charset`. With `no_backslash_escapes` (SERVER_STATUS_NO_BACKSLASH_ESCAPES) only
/// `'` is doubled, as the server then treats backslash as an ordinary character.
///
/// A lead byte with no valid trail after it (the input is not valid in `charset`, or
/// is binary data) is one character for the server. In backslash mode it is written
/// as `\<lead>`: the server's lexer takes the byte after a backslash as escaped without
/// pairing it with what follows, and unescapes it to the lead byte itself, so the lead
/// can never swallow a backslash the escaper writes next. With no_backslash_escapes
/// it is copied: the next byte written is then either the input's own next byte (not
/// a valid trail, or it would have been a pair) or a quote, and no charset has the
/// quote as a trail byte. Either way the value reaches the server unchanged.
pub fn escape_into(
    input: &[u8],
    charset: ClientCharset,
    no_backslash_escapes: bool,
    out: &mut Vec<u8>,
) {
    out.reserve(input.len() + input.len() / 8 + 2);
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if charset.char_len(&input[i..]) == 2 {
            out.extend_from_slice(&input[i..i + 2]);
            i += 2;
            continue;
        }
        i += 1;
        if no_backslash_escapes {
            if b == b'\'' {
                out.push(b'\'');
            }
            out.push(b);
            continue;
        }
        // Escaping NUL, newlines and Ctrl-Z keeps logs and the Windows console sane;
        // quotes, backslash and lone lead bytes are what safety needs.
        let esc = match b {
            0 => b'0',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\\' => b'\\',
            b'\'' => b'\'',
            b'"' => b'"',
            0x1A => b'Z',
            lead if charset.is_lead(lead) => lead,
            _ => {
                out.push(b);
                continue;
            }
        };
        out.push(b'\\');
        out.push(esc);
    }
}

/// A name that cannot be quoted as an identifier: it ends in, or has inside it, a
/// lead byte with no valid trail byte after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("identifier is not valid in the connection character set (a lone lead byte 0x{byte:02X} at offset {offset})")]
pub struct LoneLeadByte {
    pub byte: u8,
    pub offset: usize,
}

/// Escape `name` for use between backticks: backticks doubled, two-byte characters
/// copied whole (in gbk, sjis and big5 0x60 can be a trail byte).
///
/// Identifiers have no backslash escapes, so a lone lead byte cannot be made
/// harmless: the server would pair it with the byte that follows (the closing
/// backtick, or the `_` of a name built around it). It is refused.
pub fn quote_identifier_into(
    name: &[u8],
    charset: ClientCharset,
    out: &mut Vec<u8>,
) -> Result<(), LoneLeadByte> {
    out.reserve(name.len() + 2);
    let mut i = 0;
    while let Some(&b) = name.get(i) {
        if charset.char_len(&name[i..]) == 2 {
            out.extend_from_slice(&name[i..i + 2]);
            i += 2;
            continue;
        }
        if charset.is_lead(b) {
            return Err(LoneLeadByte { byte: b, offset: i });
        }
        if b == b'`' {
            out.push(b'`');
        }
        out.push(b);
        i += 1;
    }
    Ok(())
}

/// A model of how the server reads a string literal: `sql` starts just after the
/// opening quote. Returns the value and the length consumed (closing quote included),
/// or `None` when the literal does not end. Mirrors MariaDB's lexer (`get_text`) and
/// unescaping: two-byte characters skipped whole, a backslash takes the next single
/// byte, `''` is a quote. For tests and the fuzz target.
pub fn read_literal(
    sql: &[u8],
    charset: ClientCharset,
    no_backslash_escapes: bool,
) -> Option<(Vec<u8>, usize)> {
    let mut value = Vec::with_capacity(sql.len());
    let mut i = 0;
    loop {
        let rest = sql.get(i..)?;
        if charset.char_len(rest) == 2 {
            value.extend_from_slice(&rest[..2]);
            i += 2;
            continue;
        }
        match *rest {
            [] => return None,
            [b'\\', c, ..] if !no_backslash_escapes => {
                match c {
                    b'n' => value.push(b'\n'),
                    b't' => value.push(b'\t'),
                    b'r' => value.push(b'\r'),
                    b'b' => value.push(0x08),
                    b'0' => value.push(0),
                    b'Z' => value.push(0x1A),
                    b'_' | b'%' => value.extend_from_slice(&[b'\\', c]),
                    c => value.push(c),
                }
                i += 2;
            }
            [b'\\'] if !no_backslash_escapes => return None,
            [b'\'', b'\'', ..] => {
                value.push(b'\'');
                i += 2;
            }
            [b'\'', ..] => return Some((value, i + 1)),
            [c, ..] => {
                value.push(c);
                i += 1;
            }
        }
    }
}

/// The same model for a backtick-quoted identifier (`sql` starts after the opening
/// backtick): the name and the length consumed, or `None` when it does not end.
pub fn read_identifier(sql: &[u8], charset: ClientCharset) -> Option<(Vec<u8>, usize)> {
    let mut name = Vec::with_capacity(sql.len());
    let mut i = 0;
    loop {
        let rest = sql.get(i..)?;
        if charset.char_len(rest) == 2 {
            name.extend_from_slice(&rest[..2]);
            i += 2;
            continue;
        }
        match *rest {
            [] => return None,
            [b'`', b'`', ..] => {
                name.push(b'`');
                i += 2;
            }
            [b'`', ..] => return Some((name, i + 1)),
            [c, ..] => {
                name.push(c);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClientCharset::{AsciiSafe, Big5, Gbk, Sjis};

    const ALL: [ClientCharset; 4] = [AsciiSafe, Sjis, Gbk, Big5];

    fn esc_in(input: &[u8], cs: ClientCharset, nbe: bool) -> Vec<u8> {
        let mut out = b"prefix:".to_vec();
        escape_into(input, cs, nbe, &mut out);
        out.split_off(7)
    }

    fn esc(input: &[u8], nbe: bool) -> Vec<u8> {
        esc_in(input, AsciiSafe, nbe)
    }

    /// The literal as sent, followed by more SQL: the server must read back exactly
    /// `input` and stop at our closing quote.
    fn assert_round_trip(input: &[u8], cs: ClientCharset, nbe: bool) {
        let mut sql = esc_in(input, cs, nbe);
        sql.extend_from_slice(b"' OR 1 -- '");
        let (value, used) = read_literal(&sql, cs, nbe).expect("literal must end");
        assert_eq!(value, input, "{cs:?} nbe={nbe} {input:02X?}");
        assert_eq!(&sql[used..], b" OR 1 -- '", "{cs:?} nbe={nbe} {input:02X?}");
    }

    fn assert_identifier_round_trip(name: &[u8], cs: ClientCharset) {
        let mut sql = Vec::new();
        match quote_identifier_into(name, cs, &mut sql) {
            Ok(()) => {
                sql.extend_from_slice(b"`_0`");
                let (value, used) = read_identifier(&sql, cs).expect("identifier must end");
                assert_eq!(value, name, "{cs:?} {name:02X?}");
                assert_eq!(&sql[used..], b"_0`");
            }
            Err(e) => {
                assert!(cs.is_lead(e.byte) && name[e.offset] == e.byte);
                assert_eq!(cs.char_len(&name[e.offset..]), 1);
            }
        }
    }

    #[test]
    fn backslash_style() {
        assert_eq!(esc(b"plain", false), b"plain");
        assert_eq!(
            esc(b"a\0b\nc\rd\\e'f\"g\x1ah", false),
            b"a\\0b\\nc\\rd\\\\e\\'f\\\"g\\Zh"
        );
        assert_eq!(esc("é'".as_bytes(), false), "é\\'".as_bytes());
        assert_eq!(esc(b"", false), b"");
    }

    #[test]
    fn no_backslash_escapes_only_doubles_quotes() {
        assert_eq!(
            esc(b"it's a \\ \"test\"\n\0", true),
            b"it''s a \\ \"test\"\n\0"
        );
        assert_eq!(esc(b"''", true), b"''''");
    }

    #[test]
    fn sjis_copies_whole_characters() {
        // '表' is 95 5C in sjis: the 5C is not a backslash.
        assert_eq!(esc_in(b"\x95\x5c' OR 1", Sjis, false), b"\x95\x5c\\' OR 1");
        assert_eq!(esc_in(b"\x95\x5c' OR 1", Sjis, true), b"\x95\x5c'' OR 1");
        // Byte-wise escaping would have doubled it, leaving a lone backslash.
        assert_eq!(esc_in(b"\x95\x5c'", AsciiSafe, false), b"\x95\\\\\\'");
        // Half-width katakana (A1-DF) are single bytes: the 5C after one is a backslash.
        assert_eq!(esc_in(b"\xb1\x5c", Sjis, false), b"\xb1\\\\");
    }

    #[test]
    fn lone_lead_bytes_are_escaped() {
        // gbk BF 27 is not a character: BF stands alone and must not pair with the
        // backslash written before the quote (BF 5C is a character).
        assert_eq!(esc_in(b"\xbf' --", Gbk, false), b"\\\xbf\\' --");
        assert_eq!(esc_in(b"\xbf' --", Gbk, true), b"\xbf'' --");
        assert_eq!(esc_in(b"end\x95", Sjis, false), b"end\\\x95");
        assert_eq!(esc_in(b"end\x95", Sjis, true), b"end\x95");
        assert_eq!(esc_in(b"\xa1\x0a", Big5, false), b"\\\xa1\\n");
        // Not a lead byte in big5 (A1-F9 are): left alone.
        assert_eq!(esc_in(b"\x81'", Big5, false), b"\x81\\'");
    }

    #[test]
    fn every_lead_before_every_special_byte_round_trips() {
        let specials = [
            b'\\', b'\'', b'"', b'`', 0, b'\n', b'\r', 0x1A, b'%', b'_', b'A',
        ];
        for cs in ALL {
            for nbe in [false, true] {
                for lead in 0x80..=0xFFu8 {
                    assert_round_trip(&[lead], cs, nbe);
                    for &s in &specials {
                        assert_round_trip(&[lead, s], cs, nbe);
                        assert_round_trip(&[lead, s, b'\''], cs, nbe);
                        assert_round_trip(&[lead, lead, s], cs, nbe);
                        assert_round_trip(&[s, lead], cs, nbe);
                    }
                }
            }
        }
    }

    /// xorshift64*: a fixed-seed generator, so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn byte(&mut self) -> u8 {
            // Half the bytes from the interesting few, so specials meet leads often.
            const HOT: &[u8] = b"\\'\"`\0\n\r\x1a\x95\xbf\xa1\x81\xe0\xfc\xfe\x5c\x60";
            let r = self.next();
            if r & 1 == 0 {
                HOT[(r >> 8) as usize % HOT.len()]
            } else {
                (r >> 16) as u8
            }
        }
    }

    #[test]
    fn random_bytes_round_trip_in_every_charset() {
        let mut rng = Rng(0x5EED_0010);
        for _ in 0..5_000 {
            let len = (rng.next() % 12) as usize;
            let input: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
            for cs in ALL {
                assert_round_trip(&input, cs, false);
                assert_round_trip(&input, cs, true);
                assert_identifier_round_trip(&input, cs);
            }
        }
    }

    #[test]
    fn identifiers() {
        let quote = |name: &[u8], cs| {
            let mut out = Vec::new();
            quote_identifier_into(name, cs, &mut out).map(|()| out)
        };
        assert_eq!(quote(b"a`b", AsciiSafe), Ok(b"a``b".to_vec()));
        // In gbk 81 60 is one character: its 60 is not a backtick.
        assert_eq!(quote(b"\x81`", Gbk), Ok(b"\x81`".to_vec()));
        assert_eq!(quote(b"\x81``", Gbk), Ok(b"\x81```".to_vec()));
        assert_eq!(quote(b"\x81`", AsciiSafe), Ok(b"\x81``".to_vec()));
        assert_eq!(
            quote(b"p\x81", Gbk),
            Err(LoneLeadByte {
                byte: 0x81,
                offset: 1
            })
        );
        assert!(quote(b"\x95'", Sjis).is_err());
        assert_eq!(
            quote("表".as_bytes(), AsciiSafe),
            Ok("表".as_bytes().to_vec())
        );
    }
}
