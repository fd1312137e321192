//! The options a session is opened with, already checked (see `builder.rs` for the
//! rules), and what the client derives from them.

use std::time::Duration;

use super::charset::Charset;
use crate::error::{Error, Result};
use crate::io::{Endpoint, TlsSettings, Verify};
use crate::proto::session::handshake::HandshakeConfig;
use crate::secret::Secret;

/// When to use TLS, with MySQL's names and meanings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SslMode {
    Disabled,
    /// TLS over TCP when the server offers it; plain text otherwise.
    Preferred,
    /// TLS or fail; the certificate is not checked.
    Required,
    /// TLS with a certificate signed by a trusted CA.
    VerifyCa,
    /// VERIFY_CA plus the host name.
    VerifyIdentity,
}

impl SslMode {
    const NAMES: [(&'static str, SslMode); 5] = [
        ("DISABLED", SslMode::Disabled),
        ("PREFERRED", SslMode::Preferred),
        ("REQUIRED", SslMode::Required),
        ("VERIFY_CA", SslMode::VerifyCa),
        ("VERIFY_IDENTITY", SslMode::VerifyIdentity),
    ];

    /// A mode by MySQL's name, in any case. Any other name is refused with
    /// mysqlclient's wording, as NotSupportedError.
    pub fn named(name: &str) -> Result<SslMode> {
        Self::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, mode)| mode)
            .ok_or_else(|| Error::not_supported("Unknown ssl_mode specification"))
    }

    /// MySQL's name of the mode ("VERIFY_CA").
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|&&(_, mode)| mode == self)
            .map_or("DISABLED", |&(n, _)| n)
    }
}

/// libmysqlclient's default max_allowed_packet, and the protocol's largest.
pub const DEFAULT_MAX_PACKET: usize = 1 << 30;

/// Everything needed to open (and re-open, for a cancel side connection) a session.
#[derive(Clone, Debug)]
pub struct Options {
    pub endpoint: Endpoint,
    pub user: Vec<u8>,
    /// Kept for the cancel side connection; zeroed on drop, redacted in Debug.
    pub password: Secret,
    pub database: Option<Vec<u8>>,
    /// The connection character set as asked for, with its Python codec.
    pub charset: Charset,
    /// Collation id for the handshake (one byte on the wire; larger ids are set by SQL).
    pub collation: u16,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    pub write_timeout: Option<Duration>,
    /// Extra CLIENT_* flags (client_flag), e.g. CLIENT_FOUND_ROWS.
    pub client_flag: u32,
    pub connect_attrs: Vec<(String, String)>,
    /// Largest packet accepted from the server (max_allowed_packet).
    pub max_packet: usize,
    /// Cancel the statement on the server (KILL QUERY on a side connection) when a
    /// wait is interrupted or times out, so the connection stays usable.
    pub cancel_on_interrupt: bool,
    pub ssl_mode: SslMode,
    /// CA, client certificate and key files (the `verify` field is set from ssl_mode).
    pub tls: TlsSettings,
    /// The server's RSA public key (PEM) for caching_sha2_password / sha256_password
    /// over plain TCP. When given it is always the one used.
    pub server_public_key: Option<Vec<u8>>,
    /// Without a pinned key, ask the server for its RSA key over plain TCP (off: such
    /// a full authentication fails with 2061, as a man in the middle could send his).
    pub get_server_public_key: bool,
    /// Allow mysql_clear_password to a peer that is not verified, i.e. other than TLS
    /// with VERIFY_CA/VERIFY_IDENTITY or a Unix socket (off: refused with 2059).
    pub allow_cleartext_password: bool,
    /// Send the password only to a verified peer or encrypted to a pinned key: also
    /// refuses caching_sha2/sha256 full authentication inside unverified TLS, which
    /// the default allows (as libmysqlclient does), and overrides the two opt-ins above.
    pub auth_requires_verified_tls: bool,
    /// LOAD DATA LOCAL INFILE: off by default. When on, only files the statement
    /// itself names are sent, and with `local_infile_dir` only files under it.
    pub local_infile: bool,
    pub local_infile_dir: Option<std::path::PathBuf>,
    /// Protocol compression to ask for (None: off).
    pub compress: Option<crate::proto::compress::Algorithm>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            endpoint: Endpoint::Tcp {
                host: "localhost".into(),
                port: 3306,
            },
            user: Vec::new(),
            password: Secret::default(),
            database: None,
            collation: Charset::default().handshake_collation(),
            charset: Charset::default(),
            connect_timeout: None,
            read_timeout: None,
            write_timeout: None,
            client_flag: 0,
            connect_attrs: Vec::new(),
            max_packet: DEFAULT_MAX_PACKET,
            cancel_on_interrupt: true,
            ssl_mode: SslMode::Disabled,
            tls: TlsSettings {
                verify: Verify::Nothing,
                ca_file: None,
                ca_dir: None,
                cert_file: None,
                key_file: None,
                ciphers: None,
            },
            server_public_key: None,
            get_server_public_key: false,
            allow_cleartext_password: false,
            auth_requires_verified_tls: false,
            local_infile: false,
            local_infile_dir: None,
            compress: None,
        }
    }
}

impl Options {
    /// What the login machine starts from (`unix`: the socket is a Unix one).
    pub fn handshake_config(&self, unix: bool) -> HandshakeConfig {
        HandshakeConfig {
            user: self.user.clone(),
            password: self.password.clone(),
            database: self.database.clone(),
            // The builder keeps ids that fit the handshake's one byte.
            collation: u8::try_from(self.collation)
                .unwrap_or(crate::consts::charset::UTF8MB4_GENERAL_CI as u8),
            client_flag: self.client_flag,
            connect_attrs: self.connect_attrs.clone(),
            max_packet_size: u32::try_from(self.max_packet).unwrap_or(u32::MAX),
            tls: self.wants_tls(),
            tls_verified: self.tls_verified(),
            unix_socket: unix,
            allow_cleartext: self.allow_cleartext_password,
            get_server_public_key: self.get_server_public_key,
            auth_requires_verified_tls: self.auth_requires_verified_tls,
            server_public_key: self.server_public_key.clone(),
            compress: self.compress,
        }
    }

    /// Whether to ask for TLS at all: never on DISABLED, and not over a Unix socket
    /// unless the mode demands it (the socket is already private to the machine).
    pub fn wants_tls(&self) -> bool {
        match self.ssl_mode {
            SslMode::Disabled => false,
            SslMode::Preferred => matches!(self.endpoint, Endpoint::Tcp { .. }),
            _ => true,
        }
    }

    /// Whether TLS, when used, checks the server's certificate: only then is the peer
    /// verified for passwords.
    pub fn tls_verified(&self) -> bool {
        self.ssl_mode >= SslMode::VerifyCa
    }

    /// The TLS settings with verification matching the mode.
    pub fn tls_settings(&self) -> TlsSettings {
        let verify = match self.ssl_mode {
            SslMode::VerifyIdentity => Verify::ChainAndName,
            SslMode::VerifyCa => Verify::Chain,
            _ => Verify::Nothing,
        };
        TlsSettings {
            verify,
            ..self.tls.clone()
        }
    }

    /// The name the server certificate must carry (the host we connect to).
    pub fn server_name(&self) -> &str {
        match &self.endpoint {
            Endpoint::Tcp { host, .. } => host,
            Endpoint::Unix(_) => "localhost",
        }
    }

    /// get_host_info()'s text, worded as libmysqlclient words it.
    pub fn host_info(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, .. } => format!("{host} via TCP/IP"),
            Endpoint::Unix(_) => "Localhost via UNIX socket".to_string(),
        }
    }

    /// "host:port" or the socket path, for messages.
    pub fn target(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, port } => format!("{host}:{port}"),
            Endpoint::Unix(path) => path.display().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Debug of the options (what a log line or a panic message could show) never
    /// contains the password, nor its bytes as numbers.
    #[test]
    fn debug_never_shows_the_password() {
        let options = Options {
            password: b"hunter2-pw".to_vec().into(),
            ..Options::default()
        };
        let shown = format!("{options:?} {options:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        let as_numbers = format!("{:?}", b"hunter2-pw");
        assert!(!shown.contains(&as_numbers[1..12]), "{shown}");
        assert_eq!(options.clone().password.expose(), b"hunter2-pw");
    }

    #[test]
    fn mode_names_round_trip_in_any_case() {
        for (name, mode) in SslMode::NAMES {
            assert_eq!(SslMode::named(name), Ok(mode));
            assert_eq!(SslMode::named(&name.to_ascii_lowercase()), Ok(mode));
            assert_eq!(mode.name(), name);
        }
        let e = SslMode::named("STRICT").unwrap_err();
        assert_eq!(e.message(), "Unknown ssl_mode specification");
    }

    #[test]
    fn only_verifying_modes_verify() {
        for (mode, verified) in [
            (SslMode::Disabled, false),
            (SslMode::Preferred, false),
            (SslMode::Required, false),
            (SslMode::VerifyCa, true),
            (SslMode::VerifyIdentity, true),
        ] {
            let o = Options {
                ssl_mode: mode,
                ..Options::default()
            };
            assert_eq!(o.tls_verified(), verified, "{mode:?}");
        }
    }
}
