//! The one error type of the core. Python sees it through `py/errors.rs`, which maps
//! client (CR_*) and server codes to mysqlclient's exception classes, and a refused
//! option ([`Usage`]) to the plain exception mysqlclient raises for it.

use crate::io::IoError;
use crate::proto::packets::ErrPacket;
use crate::proto::ProtoError;

/// CR_* client error numbers (as libmysqlclient numbers them). Python's
/// `unshaken/constants/CR.py` names the same numbers; a test holds the two equal.
pub mod cr {
    pub const CR_UNKNOWN_ERROR: u16 = 2000;
    pub const CR_CONNECTION_ERROR: u16 = 2002;
    pub const CR_CONN_HOST_ERROR: u16 = 2003;
    pub const CR_UNKNOWN_HOST: u16 = 2005;
    pub const CR_SERVER_GONE_ERROR: u16 = 2006;
    pub const CR_CANT_READ_CHARSET: u16 = 2019;
    pub const CR_SERVER_HANDSHAKE_ERR: u16 = 2012;
    pub const CR_SERVER_LOST: u16 = 2013;
    pub const CR_COMMANDS_OUT_OF_SYNC: u16 = 2014;
    /// CR_COMMANDS_OUT_OF_SYNC's message, as libmysqlclient words it; a detail may follow.
    pub const OUT_OF_SYNC: &str = "Commands out of sync";
    pub const CR_NET_PACKET_TOO_LARGE: u16 = 2020;
    pub const CR_SSL_CONNECTION_ERROR: u16 = 2026;
    pub const CR_MALFORMED_PACKET: u16 = 2027;
    pub const CR_AUTH_PLUGIN_CANNOT_LOAD: u16 = 2059;
    pub const CR_LOAD_DATA_LOCAL_INFILE_REJECTED: u16 = 2068;
    pub const CR_AUTH_PLUGIN_ERR: u16 = 2061;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server sent ERR: its code and SQLSTATE.
    Server { code: u16, sqlstate: [u8; 5] },
    /// A client-side failure with this CR_* number.
    Client(u16),
    /// An option or argument refused before any IO, which mysqlclient raises as a
    /// plain Python exception carrying the message alone (see `py/errors.rs`).
    Usage(Usage),
    /// The interrupt hook said stop; the hook's owner holds the real exception.
    Interrupted,
}

/// What kind of refusal a [`ErrorKind::Usage`] error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Malformed or out of range (Python's ValueError).
    BadValue,
    /// A value the driver does not implement (NotSupportedError).
    NotSupported,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn client(code: u16, message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Client(code),
            message: message.into(),
        }
    }
    pub fn bad_value(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Usage(Usage::BadValue),
            message: message.into(),
        }
    }
    pub fn not_supported(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Usage(Usage::NotSupported),
            message: message.into(),
        }
    }
    pub fn server(err: &ErrPacket) -> Error {
        Error {
            kind: ErrorKind::Server {
                code: err.code,
                sqlstate: err.sqlstate,
            },
            message: err.message.clone(),
        }
    }
    /// A character set the client does not know (CR_CANT_READ_CHARSET).
    pub fn unknown_charset(name: &str) -> Error {
        Error::client(
            cr::CR_CANT_READ_CHARSET,
            format!("Can't initialize character set {name}"),
        )
    }
    pub fn interrupted() -> Error {
        Error {
            kind: ErrorKind::Interrupted,
            message: "interrupted".into(),
        }
    }
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The number Python's exception carries as args[0].
    pub fn code(&self) -> u16 {
        match self.kind {
            ErrorKind::Server { code, .. } => code,
            ErrorKind::Client(code) => code,
            ErrorKind::Usage(_) | ErrorKind::Interrupted => cr::CR_UNKNOWN_ERROR,
        }
    }
    pub fn is_interrupted(&self) -> bool {
        self.kind == ErrorKind::Interrupted
    }
    pub fn is_server(&self) -> bool {
        matches!(self.kind, ErrorKind::Server { .. })
    }
    pub fn sqlstate(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Server { sqlstate, .. } => std::str::from_utf8(sqlstate).ok(),
            _ => None,
        }
    }

    /// An IO failure while connecting to `target` (host:port or socket path).
    pub fn from_connect_io(err: IoError, target: &str, unix: bool) -> Error {
        use cr::*;
        match err {
            IoError::Interrupted => Error::interrupted(),
            IoError::TimedOut => Error::client(
                CR_CONN_HOST_ERROR,
                format!("Can't connect to server on '{target}' (timed out)"),
            ),
            IoError::Resolve { host, reason } => Error::client(
                CR_UNKNOWN_HOST,
                format!("Unknown server host '{host}' ({reason})"),
            ),
            IoError::Eof => Error::client(
                CR_SERVER_LOST,
                format!("Lost connection to server at '{target}' during handshake"),
            ),
            IoError::Tls(reason) => {
                Error::client(CR_SSL_CONNECTION_ERROR, format!("TLS/SSL error: {reason}"))
            }
            IoError::Os { errno, .. } if unix => Error::client(
                CR_CONNECTION_ERROR,
                format!(
                    "Can't connect to local server through socket '{target}' ({} \"{}\")",
                    errno as i32,
                    errno.desc()
                ),
            ),
            IoError::Os { errno, .. } => Error::client(
                CR_CONN_HOST_ERROR,
                format!(
                    "Can't connect to server on '{target}' ({} \"{}\")",
                    errno as i32,
                    errno.desc()
                ),
            ),
        }
    }

    /// An IO failure during a command: the connection is gone.
    pub fn from_command_io(err: IoError) -> Error {
        use cr::*;
        match err {
            IoError::Interrupted => Error::interrupted(),
            IoError::TimedOut => Error::client(
                CR_SERVER_LOST,
                "Lost connection to server during query (timed out)",
            ),
            IoError::Eof => Error::client(CR_SERVER_LOST, "Lost connection to server during query"),
            IoError::Resolve { .. } => Error::client(CR_UNKNOWN_ERROR, err.to_string()),
            IoError::Tls(reason) => Error::client(
                CR_SERVER_LOST,
                format!("Lost connection to server during query (TLS error: {reason})"),
            ),
            IoError::Os { errno, op } => Error::client(
                CR_SERVER_LOST,
                format!(
                    "Lost connection to server during query ({op}: {} \"{}\")",
                    errno as i32,
                    errno.desc()
                ),
            ),
        }
    }
}

impl From<ProtoError> for Error {
    fn from(err: ProtoError) -> Error {
        use cr::*;
        let code = match &err {
            ProtoError::TooLarge { .. } => CR_NET_PACKET_TOO_LARGE,
            ProtoError::UnsupportedPlugin(_) | ProtoError::CleartextRefused(_) => {
                CR_AUTH_PLUGIN_CANNOT_LOAD
            }
            ProtoError::Auth { .. } => CR_AUTH_PLUGIN_ERR,
            ProtoError::OldServer => CR_SERVER_HANDSHAKE_ERR,
            ProtoError::Malformed(_) | ProtoError::Sequence { .. } => CR_MALFORMED_PACKET,
        };
        Error::client(code, err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::cr::*;

    /// Every Rust CR_* constant has the number CR.py gives the same name (but
    /// CR_LOAD_DATA_LOCAL_INFILE_REJECTED, MySQL 8.0's, past mysqlclient's CR.py).
    #[test]
    fn cr_numbers_match_the_python_constants() {
        let python = include_str!("../python/unshaken/constants/CR.py");
        let number = |name: &str| -> u16 {
            python
                .lines()
                .find_map(|l| {
                    l.strip_prefix(name)?
                        .strip_prefix(" = ")?
                        .trim()
                        .parse()
                        .ok()
                })
                .unwrap_or_else(|| panic!("{name} missing from CR.py"))
        };
        let ours = [
            ("UNKNOWN_ERROR", CR_UNKNOWN_ERROR),
            ("CONNECTION_ERROR", CR_CONNECTION_ERROR),
            ("CONN_HOST_ERROR", CR_CONN_HOST_ERROR),
            ("UNKNOWN_HOST", CR_UNKNOWN_HOST),
            ("SERVER_GONE_ERROR", CR_SERVER_GONE_ERROR),
            ("CANT_READ_CHARSET", CR_CANT_READ_CHARSET),
            ("SERVER_HANDSHAKE_ERR", CR_SERVER_HANDSHAKE_ERR),
            ("SERVER_LOST", CR_SERVER_LOST),
            ("COMMANDS_OUT_OF_SYNC", CR_COMMANDS_OUT_OF_SYNC),
            ("NET_PACKET_TOO_LARGE", CR_NET_PACKET_TOO_LARGE),
            ("SSL_CONNECTION_ERROR", CR_SSL_CONNECTION_ERROR),
            ("MALFORMED_PACKET", CR_MALFORMED_PACKET),
            ("AUTH_PLUGIN_CANNOT_LOAD", CR_AUTH_PLUGIN_CANNOT_LOAD),
            ("AUTH_PLUGIN_ERR", CR_AUTH_PLUGIN_ERR),
        ];
        for (name, code) in ours {
            assert_eq!(number(name), code, "CR_{name}");
        }
    }
}
