//! Sans-IO MySQL client/server protocol: no sockets, no clock, no pyo3.
//! Nothing here may panic on wire data: every read is checked.

pub mod auth;
pub mod client_charset;
pub mod compress;
pub mod escape;
pub mod framing;
pub mod infile;
pub mod packets;
pub mod reader;
pub mod session;
#[cfg(test)]
mod testutil;
pub mod writer;

pub use framing::Framer;
pub use reader::Reader;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtoError {
    /// The bytes do not form the packet they should (truncated, bad length, ...).
    #[error("malformed packet: {0}")]
    Malformed(&'static str),
    #[error("packets out of order: expected sequence {expected}, got {got}")]
    Sequence { expected: u8, got: u8 },
    /// A packet (either direction) larger than max_allowed_packet.
    #[error("packet of {size} bytes is larger than max_allowed_packet ({limit})")]
    TooLarge { size: usize, limit: usize },
    #[error("Authentication plugin '{0}' cannot be loaded: not supported by this client")]
    UnsupportedPlugin(String),
    /// mysql_clear_password asked for by a peer the client has not verified (neither
    /// TLS with a checked certificate nor a Unix socket), and the user did not allow it.
    #[error(
        "Authentication plugin '{0}' cannot be loaded: refusing to send the password in \
         clear text to a server whose identity is not verified (it is, over TLS with \
         ssl_mode=\"VERIFY_CA\" or \"VERIFY_IDENTITY\", or over a Unix socket); allow it \
         explicitly with allow_cleartext_password=True"
    )]
    CleartextRefused(String),
    /// A plugin could not produce its answer (bad RSA key, password too long, ...).
    #[error("Authentication plugin '{plugin}' reported error: {reason}")]
    Auth {
        plugin: &'static str,
        reason: String,
    },
    #[error("server does not support the 4.1 protocol")]
    OldServer,
}

pub type Result<T> = std::result::Result<T, ProtoError>;
