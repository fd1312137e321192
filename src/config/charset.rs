//! The connection character set: a name the server knows, the collation the
//! handshake asks for, and the Python codec its text decodes with.

use crate::consts::charset::{default_collation, python_encoding, UTF8MB4_GENERAL_CI};
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charset {
    /// As the caller spelled it (it goes into SET NAMES and character_set_name()).
    pub name: String,
    /// The set's default collation id.
    pub collation: u16,
    /// Python's codec name for its text ("utf-8", "cp1252", ...).
    pub encoding: &'static str,
}

impl Charset {
    /// A set the driver can both ask the server for and decode. Anything else is
    /// CR_CANT_READ_CHARSET (2019), as libmysqlclient answers an unknown name.
    pub fn named(name: &str) -> Result<Charset> {
        let unknown = || Error::unknown_charset(name);
        // The name is written into SET NAMES, so only a plain identifier passes.
        if !plain_identifier(name) {
            return Err(unknown());
        }
        let collation = default_collation(name).ok_or_else(unknown)?;
        let encoding = python_encoding(name).ok_or_else(unknown)?;
        Ok(Charset {
            name: name.to_string(),
            collation,
            encoding,
        })
    }

    /// The collation id the handshake carries. It is one byte: a set whose default
    /// collation is larger connects as utf8mb4, and SET NAMES after login fixes it.
    pub fn handshake_collation(&self) -> u16 {
        if self.collation < 256 {
            self.collation
        } else {
            UTF8MB4_GENERAL_CI
        }
    }

    /// The statement that switches a session to this set (and `collation`). A
    /// collation name that is not a plain identifier is a bad value (ValueError).
    pub fn set_names_sql(&self, collation: Option<&str>) -> Result<String> {
        match collation {
            None => Ok(format!("SET NAMES {}", self.name)),
            Some(c) if plain_identifier(c) => Ok(format!("SET NAMES {} COLLATE {c}", self.name)),
            Some(c) => Err(Error::bad_value(format!("invalid collation name {c:?}"))),
        }
    }
}

impl Default for Charset {
    fn default() -> Charset {
        Charset {
            name: "utf8mb4".to_string(),
            collation: UTF8MB4_GENERAL_CI,
            encoding: "utf-8",
        }
    }
}

fn plain_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn known_sets_carry_collation_and_codec() {
        let latin1 = Charset::named("latin1").unwrap();
        assert_eq!((latin1.collation, latin1.encoding), (8, "cp1252"));
        let utf8 = Charset::named("UTF8MB4").unwrap();
        assert_eq!(utf8.name, "UTF8MB4");
        assert_eq!((utf8.collation, utf8.encoding), (45, "utf-8"));
        assert_eq!(Charset::named("utf8mb4").unwrap(), Charset::default());
    }

    #[test]
    fn unknown_or_undecodable_sets_are_2019() {
        // "binary" is a server set, but has no Python codec; armscii8 neither.
        for name in ["nope", "", "binary", "armscii8", "utf8mb4; DROP", "latin1 "] {
            let e = Charset::named(name).unwrap_err();
            assert_eq!(
                e.kind(),
                &ErrorKind::Client(crate::error::cr::CR_CANT_READ_CHARSET),
                "{name}"
            );
            assert_eq!(
                e.message(),
                format!("Can't initialize character set {name}")
            );
        }
    }

    #[test]
    fn a_collation_beyond_one_byte_connects_as_utf8mb4() {
        let wide = Charset {
            collation: 2304,
            ..Charset::default()
        };
        assert_eq!(wide.handshake_collation(), UTF8MB4_GENERAL_CI);
        let gbk = Charset::named("gbk").unwrap();
        assert_eq!(gbk.handshake_collation(), gbk.collation);
    }

    #[test]
    fn set_names_takes_plain_collation_names_only() {
        let cs = Charset::named("latin1").unwrap();
        assert_eq!(cs.set_names_sql(None).unwrap(), "SET NAMES latin1");
        assert_eq!(
            cs.set_names_sql(Some("latin1_bin")).unwrap(),
            "SET NAMES latin1 COLLATE latin1_bin"
        );
        let e = cs.set_names_sql(Some("x; DROP TABLE t")).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Usage(crate::error::Usage::BadValue));
    }
}
