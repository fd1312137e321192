//! How the server's lexer splits a statement into characters, per client character
//! set: what an escaper must agree with it about.
//!
//! The server reads a statement in `character_set_client`. Inside a quoted string or
//! identifier it first asks whether the bytes at the current position form a
//! multibyte character (MariaDB's `my_ismbchar`: a lead byte followed by a valid trail
//! byte); if so it skips them whole, and only otherwise looks at the byte for a quote
//! or a backslash. So a byte the escaper treats as a quote or a backslash is harmless
//! only if the server also sees it at a character boundary.
//!
//! In most character sets no byte below 0x80 is ever part of a multibyte character,
//! and byte-by-byte escaping is exact. In sjis/cp932, gbk and big5 the trail byte of a
//! two-byte character may be ASCII, 0x5C (`\`) and 0x60 (`` ` ``) included: there the
//! escaper must walk the input character by character with the server's own rules.

/// The lexing rules of one client character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCharset {
    /// No byte below 0x80 is ever part of a multibyte character: every single-byte
    /// set, binary, utf8mb3/utf8mb4 (trail bytes 0x80-0xBF), ujis/eucjpms and gb2312
    /// (trail bytes >= 0xA1), euckr (trail bytes are ASCII letters or >= 0x81: never a
    /// quote, a backslash, a backtick or a byte the escaper rewrites).
    AsciiSafe,
    /// sjis and cp932: lead 0x81-0x9F or 0xE0-0xFC, trail 0x40-0x7E or 0x80-0xFC.
    Sjis,
    /// gbk: lead 0x81-0xFE, trail 0x40-0x7E or 0x80-0xFE.
    Gbk,
    /// big5: lead 0xA1-0xF9, trail 0x40-0x7E or 0xA1-0xFE.
    Big5,
}

/// Character sets of MariaDB 10.11 where no ASCII byte is ever part of a multibyte
/// character (from `SHOW CHARACTER SET`; the multibyte ones are checked byte for byte
/// against the server by tests/test_injection.py).
const ASCII_SAFE: &[&str] = &[
    "armscii8", "ascii", "binary", "cp1250", "cp1251", "cp1256", "cp1257", "cp850", "cp852",
    "cp866", "dec8", "eucjpms", "euckr", "gb2312", "geostd8", "greek", "hebrew", "hp8", "keybcs2",
    "koi8r", "koi8u", "latin1", "latin2", "latin5", "latin7", "macce", "macroman", "swe7",
    "tis620", "ujis", "utf8", "utf8mb3", "utf8mb4",
];

impl ClientCharset {
    /// The rules for a character set name (as `@@character_set_client` gives it).
    /// `None` for a name we have no rules for: one that cannot be a client character
    /// set (ucs2, utf16, utf16le, utf32) or one this driver does not know (gb18030 of
    /// newer servers, whose trail bytes can be ASCII digits). Literals must not be
    /// built for those.
    pub fn for_name(name: &str) -> Option<ClientCharset> {
        let name = name.to_ascii_lowercase();
        Some(match name.as_str() {
            "sjis" | "cp932" => ClientCharset::Sjis,
            "gbk" => ClientCharset::Gbk,
            "big5" => ClientCharset::Big5,
            n if ASCII_SAFE.contains(&n) => ClientCharset::AsciiSafe,
            _ => return None,
        })
    }

    /// A byte that starts a two-byte character when a valid trail byte follows.
    /// Always false for [`ClientCharset::AsciiSafe`]: its multibyte characters never
    /// swallow an ASCII byte, so the escaper need not know where they are.
    pub fn is_lead(self, b: u8) -> bool {
        match self {
            ClientCharset::AsciiSafe => false,
            ClientCharset::Sjis => matches!(b, 0x81..=0x9F | 0xE0..=0xFC),
            ClientCharset::Gbk => matches!(b, 0x81..=0xFE),
            ClientCharset::Big5 => matches!(b, 0xA1..=0xF9),
        }
    }

    fn is_trail(self, b: u8) -> bool {
        match self {
            ClientCharset::AsciiSafe => false,
            ClientCharset::Sjis => matches!(b, 0x40..=0x7E | 0x80..=0xFC),
            ClientCharset::Gbk => matches!(b, 0x40..=0x7E | 0x80..=0xFE),
            ClientCharset::Big5 => matches!(b, 0x40..=0x7E | 0xA1..=0xFE),
        }
    }

    /// 2 when `s` starts with a complete two-byte character whose trail could be
    /// ASCII (the server skips both bytes without looking at them), else 1. For an
    /// empty `s`, 0.
    pub fn char_len(self, s: &[u8]) -> usize {
        match s {
            [] => 0,
            [lead, trail, ..] if self.is_lead(*lead) && self.is_trail(*trail) => 2,
            _ => 1,
        }
    }
}

/// True when a statement might change `character_set_client`, so the escaper must
/// learn it again before building the next literal.
///
/// The session's client character set changes only through `SET NAMES`,
/// `SET CHARACTER SET` / `SET CHARSET` / `SET CHAR SET`, a `SET` of the variable
/// `character_set_client` (any scope or quoting), or a prepared statement that does one
/// of these (`EXECUTE`, `EXECUTE IMMEDIATE`, whose text may be built at run time).
/// Stored routines restore the caller's character set when they return, and the
/// variable cannot be set in `SET STATEMENT`. Keywords and system variable names are
/// ASCII and matched without regard to case (accented look-alikes are not folded to
/// them), so each of those statements has one of the words below in ASCII, in any
/// case, at the start of a token: whatever surrounds it (comments, quotes, `@@`,
/// other statements), the byte before it is not an ASCII letter, digit, `_` or `$`,
/// which would make the server read it as the tail of a longer identifier, and the
/// byte after it is not one either. Whole tokens only, so data (`'Charles'`) and
/// longer names (`charge`, `namespace`) do not count; a false positive that remains (a
/// `CHAR` column, the word `names` in a string) costs one `SELECT @@character_set_client`
/// before the next literal.
pub fn may_change_client_charset(sql: &[u8]) -> bool {
    // `CHARSET(x)`, `CHAR(65)`: a word glued to `(` is a function call, which none of
    // the statements that change the charset is (SET NAMES('gbk') is a syntax error).
    has_token(
        sql,
        false,
        &[
            b"char",
            b"character",
            b"charset",
            b"character_set_client",
            b"names",
            b"execute",
        ],
    )
}

/// The rules the escaper may assume right after login, before asking the server.
/// `requested` is the character set the handshake asked for, `server_default` the one
/// the server's greeting names (None when its collation id is not a known default).
///
/// A server may ignore the handshake's character set (`skip-character-set-client-handshake`
/// keeps its own; `init_connect` may run `SET NAMES`). That is harmless when both sets are
/// ASCII-safe: every such set reads quotes and backslashes at the same bytes. When either is
/// one whose trail bytes can be ASCII (sjis, gbk, big5, ...), escaping for the wrong one is an
/// injection, so `None`: ask `@@character_set_client` before the first literal.
pub fn assumed_after_login(requested: &str, server_default: Option<&str>) -> Option<ClientCharset> {
    let ours = ClientCharset::for_name(requested)?;
    let theirs = server_default.and_then(ClientCharset::for_name);
    let same_set = server_default.is_some_and(|s| s.eq_ignore_ascii_case(requested));
    (same_set || (ours == ClientCharset::AsciiSafe && theirs == Some(ClientCharset::AsciiSafe)))
        .then_some(ours)
}

/// True when a statement might change `sql_mode`, and with it NO_BACKSLASH_ESCAPES,
/// before a later part of the same statement is read (`SET sql_mode=''; SELECT %s`).
/// The server's status flags tell the escaper the new mode once the statement has run;
/// literals inside such a statement must read the same in either mode. Prepared
/// statements (`EXECUTE`) count, as above.
pub fn may_change_sql_mode(sql: &[u8]) -> bool {
    has_token(sql, true, &[b"sql_mode", b"execute"])
}

/// Bytes the server reads as part of an identifier: a word next to one is not a token.
const GLUED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
        b += 1;
    }
    t
};

/// Does `sql` hold one of `words` (ASCII, any case) as a whole token? A token
/// followed at once by `(` counts only with `calls`.
///
/// This runs on every statement, often twice: a table lookup per byte, and a token is
/// compared only when its length is one of the words' (most identifiers are not).
fn has_token(sql: &[u8], calls: bool, words: &[&[u8]]) -> bool {
    let (shortest, longest) = words.iter().fold((usize::MAX, 0), |(lo, hi), w| {
        (lo.min(w.len()), hi.max(w.len()))
    });
    let mut i = 0;
    while i < sql.len() {
        if !GLUED[usize::from(sql[i])] {
            i += 1;
            continue;
        }
        let start = i;
        while i < sql.len() && GLUED[usize::from(sql[i])] {
            i += 1;
        }
        let token = &sql[start..i];
        if token.len() < shortest || token.len() > longest {
            continue;
        }
        if !calls && sql.get(i) == Some(&b'(') {
            continue;
        }
        if words.iter().any(|w| token.eq_ignore_ascii_case(w)) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_charset_is_assumed_only_when_a_mismatch_cannot_matter() {
        use ClientCharset::*;
        // Asked for what the server defaults to, or both ASCII-safe.
        assert_eq!(
            assumed_after_login("utf8mb4", Some("utf8mb4")),
            Some(AsciiSafe)
        );
        assert_eq!(
            assumed_after_login("utf8mb4", Some("latin1")),
            Some(AsciiSafe)
        );
        assert_eq!(assumed_after_login("gbk", Some("GBK")), Some(Gbk));
        // The server may keep its own: a trail byte of one set is a quote in the other.
        assert_eq!(assumed_after_login("utf8mb4", Some("gbk")), None);
        assert_eq!(assumed_after_login("utf8mb4", Some("sjis")), None);
        assert_eq!(assumed_after_login("sjis", Some("latin1")), None);
        assert_eq!(assumed_after_login("big5", Some("gbk")), None);
        // A greeting collation we cannot place, or a set with no rules of ours.
        assert_eq!(assumed_after_login("utf8mb4", None), None);
        assert_eq!(assumed_after_login("utf8mb4", Some("gb18030")), None);
        assert_eq!(assumed_after_login("ucs2", Some("ucs2")), None);
    }

    #[test]
    fn names() {
        assert_eq!(ClientCharset::for_name("SJIS"), Some(ClientCharset::Sjis));
        assert_eq!(ClientCharset::for_name("cp932"), Some(ClientCharset::Sjis));
        assert_eq!(ClientCharset::for_name("gbk"), Some(ClientCharset::Gbk));
        assert_eq!(ClientCharset::for_name("big5"), Some(ClientCharset::Big5));
        for safe in [
            "utf8mb4", "utf8", "latin1", "ujis", "eucjpms", "euckr", "gb2312",
        ] {
            assert_eq!(
                ClientCharset::for_name(safe),
                Some(ClientCharset::AsciiSafe)
            );
        }
        for refused in [
            "ucs2", "utf16", "utf16le", "utf32", "gb18030", "klingon", "",
        ] {
            assert_eq!(ClientCharset::for_name(refused), None, "{refused}");
        }
    }

    #[test]
    fn every_client_charset_of_the_server_has_rules() {
        for name in crate::consts::charset::names() {
            let rules = ClientCharset::for_name(name);
            let client = !matches!(name, "ucs2" | "utf16" | "utf16le" | "utf32");
            assert_eq!(rules.is_some(), client, "{name}");
        }
    }

    #[test]
    fn char_boundaries() {
        let sjis = ClientCharset::Sjis;
        // The utf-8 bytes of 表 (E8 A1 A8) start with an sjis pair.
        assert_eq!(sjis.char_len("表".as_bytes()), 2);
        assert_eq!(sjis.char_len(b"\xe8\xa1"), 2);
        assert_eq!(sjis.char_len(b"\x95\x5c'"), 2);
        assert_eq!(sjis.char_len(b"\x95'"), 1);
        assert_eq!(sjis.char_len(b"\x95"), 1);
        assert_eq!(sjis.char_len(b"\xa1\x5c"), 1); // half-width katakana: one byte
        assert_eq!(sjis.char_len(b""), 0);
        assert_eq!(ClientCharset::Gbk.char_len(b"\xbf\x5c"), 2);
        assert_eq!(ClientCharset::Gbk.char_len(b"\xbf'"), 1);
        assert_eq!(ClientCharset::Gbk.char_len(b"\x81`"), 2);
        assert_eq!(ClientCharset::Gbk.char_len(b"\x80\x5c"), 1);
        assert_eq!(ClientCharset::Big5.char_len(b"\xa5\x5c"), 2);
        assert_eq!(ClientCharset::Big5.char_len(b"\xa0\x5c"), 1);
        assert_eq!(ClientCharset::AsciiSafe.char_len(b"\xe8\x5c"), 1);
        // No quote, double quote or NUL is ever a trail byte.
        for cs in [ClientCharset::Sjis, ClientCharset::Gbk, ClientCharset::Big5] {
            for lead in 0x80..=0xFF {
                for b in [b'\'', b'"', 0, b'\n', b'\r', 0x1A] {
                    assert_eq!(cs.char_len(&[lead, b]), 1);
                }
            }
        }
    }

    #[test]
    fn statements_that_may_change_the_client_charset() {
        for sql in [
            &b"SET NAMES sjis"[..],
            b"set names gbk",
            b"SET/**/CHARACTER/**/SET big5",
            b"SET CHARSET sjis",
            b"set char set sjis",
            b"SET @@session.`Character_Set_Client` = gbk",
            b"SELECT 1; SET character_set_client=sjis",
            b"EXECUTE s",
            b"execute immediate @q",
            b"/*!40101 SET NAMES sjis */",
            b"x NaMeS",
            b"SET x=1,character_set_client=gbk",
            b"SET\x95\x40names", // conservative: only an ASCII identifier byte glues
            b"SET CHARACTER SET gbk",
            b"CREATE TABLE t (a CHAR (3))", // conservative: only a glued `(` is a call
        ] {
            assert!(
                may_change_client_charset(sql),
                "{}",
                String::from_utf8_lossy(sql)
            );
        }
        for sql in [
            &b"SELECT 1"[..],
            b"SET autocommit=0",
            b"INSERT INTO t VALUES ('nam', 'es')",
            b"SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'",
            b"cha",
            b"CREATE TABLE t (a VARCHAR(20), usernames INT)",
            b"SELECT 0x1CHARSET, 1names, $names, _execute",
            b"INSERT INTO t VALUES ('Charles', 'namespace', 'characters', 'executed')",
            b"SELECT charge, names_of, character_set_server FROM t",
            b"CREATE TABLE t (a CHAR(3))",
            b"SELECT CHARSET(%s), CHAR(65), COLLATION(x)",
            b"",
        ] {
            assert!(
                !may_change_client_charset(sql),
                "{}",
                String::from_utf8_lossy(sql)
            );
        }
    }

    #[test]
    fn statements_that_may_change_sql_mode() {
        for sql in [
            &b"SET SESSION sql_mode='NO_BACKSLASH_ESCAPES'; SELECT 1"[..],
            b"set @@SQL_MODE := ''",
            b"SET @@session.`sql_mode` = ''",
            b"/*!40101 SET SQL_MODE='' */",
            b"EXECUTE s",
        ] {
            assert!(may_change_sql_mode(sql), "{}", String::from_utf8_lossy(sql));
        }
        for sql in [
            &b"SELECT 1"[..],
            b"SELECT 'sql_modes', @@sql_mode_x",
            b"SET NAMES gbk",
        ] {
            assert!(
                !may_change_sql_mode(sql),
                "{}",
                String::from_utf8_lossy(sql)
            );
        }
    }

    /// The fast scan agrees with the plain reading of its rule on random statements
    /// built from the words, their neighbours and the bytes that end or glue a token.
    #[test]
    fn token_scan_matches_the_plain_rule() {
        fn plain(sql: &[u8], calls: bool, words: &[&[u8]]) -> bool {
            let glued = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
            (0..sql.len()).any(|start| {
                if start > 0 && glued(sql[start - 1]) {
                    return false;
                }
                let end = (start..sql.len())
                    .find(|&i| !glued(sql[i]))
                    .unwrap_or(sql.len());
                end > start
                    && (calls || sql.get(end) != Some(&b'('))
                    && words
                        .iter()
                        .any(|w| sql[start..end].eq_ignore_ascii_case(w))
            })
        }
        let parts: [&[u8]; 14] = [
            b"names",
            b"NAMES",
            b"sql_mode",
            b"Char",
            b"charset",
            b"execute",
            b"x",
            b"_",
            b"$",
            b"(",
            b" ",
            b"'",
            b"\xc3\xa9",
            b"@@",
        ];
        let words: &[&[u8]] = &[b"char", b"names", b"sql_mode", b"charset", b"execute"];
        let mut seed = 0x2545_f491_u64;
        for _ in 0..20_000 {
            let mut sql = Vec::new();
            for _ in 0..(seed % 7) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                sql.extend_from_slice(parts[(seed % parts.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(0x9e37_79b9);
            for calls in [false, true] {
                assert_eq!(
                    has_token(&sql, calls, words),
                    plain(&sql, calls, words),
                    "{:?} calls={calls}",
                    String::from_utf8_lossy(&sql)
                );
            }
        }
    }
}
