//! Collation ids used on the wire.

/// The `binary` pseudo-charset: a column with it holds bytes, not text.
pub const BINARY_COLLATION: u16 = 63;
pub const UTF8MB4_GENERAL_CI: u16 = 45;

/// Every character set of MariaDB 10.11 with its default collation id, from
/// information_schema.CHARACTER_SETS joined with COLLATIONS on a 10.11.19 server.
const DEFAULT_COLLATIONS: &[(&str, u16)] = &[
    ("armscii8", 32),
    ("ascii", 11),
    ("big5", 1),
    ("binary", 63),
    ("cp1250", 26),
    ("cp1251", 51),
    ("cp1256", 57),
    ("cp1257", 59),
    ("cp850", 4),
    ("cp852", 40),
    ("cp866", 36),
    ("cp932", 95),
    ("dec8", 3),
    ("eucjpms", 97),
    ("euckr", 19),
    ("gb2312", 24),
    ("gbk", 28),
    ("geostd8", 92),
    ("greek", 25),
    ("hebrew", 16),
    ("hp8", 6),
    ("keybcs2", 37),
    ("koi8r", 7),
    ("koi8u", 22),
    ("latin1", 8),
    ("latin2", 9),
    ("latin5", 30),
    ("latin7", 41),
    ("macce", 38),
    ("macroman", 39),
    ("sjis", 13),
    ("swe7", 10),
    ("tis620", 18),
    ("ucs2", 35),
    ("ujis", 12),
    ("utf16", 54),
    ("utf16le", 56),
    ("utf32", 60),
    ("utf8mb3", 33),
    ("utf8mb4", 45),
];

/// Every character set name of MariaDB 10.11.
pub fn names() -> impl Iterator<Item = &'static str> {
    DEFAULT_COLLATIONS.iter().map(|&(name, _)| name)
}

/// Default collation id for a character set name (the handshake carries one byte).
/// Returns `None` for an unknown name.
pub fn default_collation(charset: &str) -> Option<u16> {
    let name = charset.to_ascii_lowercase();
    // "utf8" has meant utf8mb3 on every server so far.
    let name = if name == "utf8" {
        "utf8mb3"
    } else {
        name.as_str()
    };
    DEFAULT_COLLATIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, id)| id)
}

/// Collation ids of the sets most servers default to, beyond the default collations:
/// what a greeting names (MySQL 8 greets with 255, utf8mb4_0900_ai_ci). From MariaDB
/// 10.11's and MySQL 8.0's `SHOW COLLATION`.
const OTHER_COLLATIONS: &[(&str, std::ops::RangeInclusive<u16>)] = &[
    ("latin1", 5..=5),
    ("latin1", 15..=15),
    ("latin1", 31..=31),
    ("latin1", 47..=49),
    ("latin1", 94..=94),
    ("utf8mb3", 83..=83),
    ("utf8mb3", 192..=215),
    ("utf8mb4", 46..=46),
    ("utf8mb4", 224..=247),
    ("utf8mb4", 255..=255),
];

/// The character set of the collation a server's greeting names (one byte of its
/// default collation). `None` for an id this module cannot place.
pub fn charset_of_greeting_collation(id: u8) -> Option<&'static str> {
    let id = u16::from(id);
    DEFAULT_COLLATIONS
        .iter()
        .find(|&&(_, c)| c == id)
        .map(|&(name, _)| name)
        .or_else(|| {
            OTHER_COLLATIONS
                .iter()
                .find(|(_, ids)| ids.contains(&id))
                .map(|&(name, _)| name)
        })
}

/// Python codec name for a MySQL character set name (e.g. utf8mb4 -> utf-8).
/// `None` for `binary` (the value stays bytes) and for sets Python's standard
/// library has no codec for (armscii8, dec8, geostd8, hp8, keybcs2, swe7).
pub fn python_encoding(charset: &str) -> Option<&'static str> {
    Some(match charset.to_ascii_lowercase().as_str() {
        "utf8mb4" | "utf8mb3" | "utf8" => "utf-8",
        // MySQL's latin1 is Windows-1252, not ISO 8859-1.
        "latin1" => "cp1252",
        "ascii" => "ascii",
        "ucs2" | "utf16" => "utf-16-be",
        "utf16le" => "utf-16-le",
        "utf32" => "utf-32-be",
        "big5" => "big5",
        "gbk" => "gbk",
        "gb2312" => "gb2312",
        "gb18030" => "gb18030",
        "sjis" => "shift_jis",
        "cp932" => "cp932",
        "ujis" => "euc_jp",
        // No stdlib codec for eucJP-ms; euc_jp decodes its common range the same way.
        "eucjpms" => "euc_jp",
        "euckr" => "euc_kr",
        "koi8r" => "koi8_r",
        "koi8u" => "koi8_u",
        "greek" => "iso8859_7",
        "hebrew" => "iso8859_8",
        "latin2" => "iso8859_2",
        "latin5" => "iso8859_9",
        "latin7" => "iso8859_13",
        "cp1250" => "cp1250",
        "cp1251" => "cp1251",
        "cp1256" => "cp1256",
        "cp1257" => "cp1257",
        "cp850" => "cp850",
        "cp852" => "cp852",
        "cp866" => "cp866",
        "tis620" => "tis_620",
        "macroman" => "mac_roman",
        "macce" => "mac_latin2",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_collations() {
        assert_eq!(default_collation("utf8mb4"), Some(UTF8MB4_GENERAL_CI));
        assert_eq!(default_collation("UTF8MB4"), Some(45));
        assert_eq!(default_collation("utf8"), Some(33));
        assert_eq!(default_collation("utf8mb3"), Some(33));
        assert_eq!(default_collation("latin1"), Some(8));
        assert_eq!(default_collation("binary"), Some(BINARY_COLLATION));
        assert_eq!(default_collation("klingon"), None);
        assert_eq!(DEFAULT_COLLATIONS.len(), 40);
    }

    #[test]
    fn greeting_collations() {
        for (id, cs) in [
            (8, "latin1"),
            (45, "utf8mb4"),
            (224, "utf8mb4"),
            (255, "utf8mb4"),
        ] {
            assert_eq!(charset_of_greeting_collation(id), Some(cs), "{id}");
        }
        assert_eq!(charset_of_greeting_collation(33), Some("utf8mb3"));
        assert_eq!(charset_of_greeting_collation(28), Some("gbk"));
        assert_eq!(charset_of_greeting_collation(87), None); // gbk_bin: not placed
        assert_eq!(charset_of_greeting_collation(0), None);
    }

    #[test]
    fn python_encodings() {
        for cs in ["utf8mb4", "utf8mb3", "utf8"] {
            assert_eq!(python_encoding(cs), Some("utf-8"));
        }
        assert_eq!(python_encoding("latin1"), Some("cp1252"));
        assert_eq!(python_encoding("binary"), None);
        assert_eq!(python_encoding("klingon"), None);
        assert_eq!(python_encoding("sjis"), Some("shift_jis"));
        // Every charset we know a collation for either has a codec or is binary-like.
        let without: Vec<&str> = DEFAULT_COLLATIONS
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| python_encoding(n).is_none())
            .collect();
        assert_eq!(
            without,
            ["armscii8", "binary", "dec8", "geostd8", "hp8", "keybcs2", "swe7"]
        );
    }
}
