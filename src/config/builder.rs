//! connect()'s options as plain values -> checked [`Options`]. Every option is
//! checked here and nowhere else; py/ only unpacks Python's arguments into
//! [`ConnectArgs`], and Python only maps mysqlclient's names and aliases onto them.

use std::path::PathBuf;

use super::charset::Charset;
use super::endpoint::endpoint;
use super::options::{Options, SslMode, DEFAULT_MAX_PACKET};
use super::timeout::timeout_limit;
use crate::consts::capability::CLIENT_LOCAL_FILES;
use crate::error::{cr, Error, Result};
use crate::io::file::read_option_file;
use crate::io::{TlsSettings, Verify};
use crate::proto::compress::Algorithm;

/// The smallest max_allowed_packet MySQL accepts (its largest is the default).
pub const MIN_PACKET: i64 = 1024;
/// zstd's levels, as MySQL's zstd_compression_level takes them.
const ZSTD_LEVELS: std::ops::RangeInclusive<i32> = 1..=22;
const DEFAULT_ZSTD_LEVEL: i32 = 3;

/// Every connect option, unchecked, named as `_native.Connection` takes it. An empty
/// string or path is the same as none. (No Debug: it holds the password.)
#[derive(Clone)]
pub struct ConnectArgs {
    pub host: Option<String>,
    pub port: u16,
    pub unix_socket: Option<String>,
    pub user: Vec<u8>,
    pub password: Vec<u8>,
    pub database: Option<Vec<u8>>,
    pub charset: String,
    /// Seconds; see `timeout.rs` for what 0, None and negative mean.
    pub connect_timeout: Option<f64>,
    pub read_timeout: Option<f64>,
    pub write_timeout: Option<f64>,
    pub client_flag: u32,
    /// Sent as the `program_name` connect attribute.
    pub program_name: Option<String>,
    pub cancel_on_interrupt: bool,
    /// MySQL's mode names, any case; none is DISABLED.
    pub ssl_mode: Option<String>,
    pub ssl_ca: Option<PathBuf>,
    pub ssl_capath: Option<PathBuf>,
    pub ssl_cert: Option<PathBuf>,
    pub ssl_key: Option<PathBuf>,
    pub ssl_cipher: Option<String>,
    /// PEM, inline; it wins over `server_public_key_path`.
    pub server_public_key: Option<Vec<u8>>,
    pub server_public_key_path: Option<PathBuf>,
    pub allow_cleartext_password: bool,
    pub get_server_public_key: bool,
    pub auth_requires_verified_tls: bool,
    pub local_infile: bool,
    /// Implies `local_infile`, confined to this directory.
    pub local_infile_dir: Option<PathBuf>,
    /// "zlib" or "zstd"; none is no compression.
    pub compress: Option<String>,
    pub zstd_level: Option<i32>,
    /// Bytes, MIN_PACKET to DEFAULT_MAX_PACKET (the default).
    pub max_allowed_packet: Option<i64>,
}

impl Default for ConnectArgs {
    fn default() -> ConnectArgs {
        ConnectArgs {
            host: None,
            port: 3306,
            unix_socket: None,
            user: Vec::new(),
            password: Vec::new(),
            database: None,
            charset: "utf8mb4".into(),
            connect_timeout: None,
            read_timeout: None,
            write_timeout: None,
            client_flag: 0,
            program_name: None,
            cancel_on_interrupt: true,
            ssl_mode: None,
            ssl_ca: None,
            ssl_capath: None,
            ssl_cert: None,
            ssl_key: None,
            ssl_cipher: None,
            server_public_key: None,
            server_public_key_path: None,
            allow_cleartext_password: false,
            get_server_public_key: false,
            auth_requires_verified_tls: false,
            local_infile: false,
            local_infile_dir: None,
            compress: None,
            zstd_level: None,
            max_allowed_packet: None,
        }
    }
}

impl ConnectArgs {
    /// Check every option and build the session's options, reading the environment
    /// (MYSQL_UNIX_PORT) of this process.
    pub fn build(self) -> Result<Options> {
        self.build_with(&|name| std::env::var(name).ok())
    }

    /// [`build`](Self::build), with `env` as the environment.
    pub fn build_with(self, env: &dyn Fn(&str) -> Option<String>) -> Result<Options> {
        let charset = Charset::named(&self.charset)?;
        let compress = compression(self.compress.as_deref(), self.zstd_level)?;
        let ssl_mode = match self.ssl_mode {
            None => SslMode::Disabled,
            Some(name) => SslMode::named(&name)?,
        };
        let max_packet = max_packet(self.max_allowed_packet)?;
        let server_public_key =
            server_public_key(self.server_public_key, self.server_public_key_path)?;
        let local_infile_dir = self.local_infile_dir.filter(|d| !d.as_os_str().is_empty());
        // The server may ask for local files only when the user allowed them (and even
        // then only for files the statement names: see client/statement.rs).
        let local_infile = self.local_infile || local_infile_dir.is_some();
        let client_flag = if local_infile {
            self.client_flag | CLIENT_LOCAL_FILES
        } else {
            self.client_flag & !CLIENT_LOCAL_FILES
        };
        Ok(Options {
            endpoint: endpoint(self.host, self.port, self.unix_socket, env),
            user: self.user,
            password: self.password.into(),
            database: self.database.filter(|d| !d.is_empty()),
            collation: charset.handshake_collation(),
            charset,
            connect_timeout: timeout_limit("connect_timeout", self.connect_timeout)?,
            read_timeout: timeout_limit("read_timeout", self.read_timeout)?,
            write_timeout: timeout_limit("write_timeout", self.write_timeout)?,
            client_flag,
            connect_attrs: connect_attrs(self.program_name),
            max_packet,
            cancel_on_interrupt: self.cancel_on_interrupt,
            ssl_mode,
            tls: TlsSettings {
                verify: Verify::Nothing, // derived from ssl_mode when connecting
                ca_file: self.ssl_ca,
                ca_dir: self.ssl_capath,
                cert_file: self.ssl_cert,
                key_file: self.ssl_key,
                ciphers: self.ssl_cipher,
            },
            server_public_key,
            get_server_public_key: self.get_server_public_key,
            allow_cleartext_password: self.allow_cleartext_password,
            auth_requires_verified_tls: self.auth_requires_verified_tls,
            local_infile,
            local_infile_dir,
            compress,
        })
    }
}

fn compression(name: Option<&str>, zstd_level: Option<i32>) -> Result<Option<Algorithm>> {
    let level = zstd_level.unwrap_or(DEFAULT_ZSTD_LEVEL);
    if !ZSTD_LEVELS.contains(&level) {
        return Err(Error::bad_value(format!(
            "zstd_level must be {} to {}, not {level}",
            ZSTD_LEVELS.start(),
            ZSTD_LEVELS.end()
        )));
    }
    match name {
        None | Some("") => Ok(None),
        Some("zlib") => Ok(Some(Algorithm::Zlib)),
        Some("zstd") => Ok(Some(Algorithm::Zstd(level))),
        Some(other) => Err(Error::not_supported(format!(
            "unknown compression '{other}' (use True, 'zlib' or 'zstd')"
        ))),
    }
}

/// A reply larger than this is refused (2020) before its memory is taken, however
/// the server frames or compresses it.
fn max_packet(size: Option<i64>) -> Result<usize> {
    let Some(size) = size else {
        return Ok(DEFAULT_MAX_PACKET);
    };
    let max = DEFAULT_MAX_PACKET as i64;
    match usize::try_from(size) {
        Ok(bytes) if (MIN_PACKET..=max).contains(&size) => Ok(bytes),
        _ => Err(Error::bad_value(format!(
            "max_allowed_packet must be {MIN_PACKET} to {max} bytes, not {size}"
        ))),
    }
}

/// A key given inline wins over a key file; the file is read now, so a wrong path
/// is reported at once rather than only when full authentication needs it.
fn server_public_key(pem: Option<Vec<u8>>, path: Option<PathBuf>) -> Result<Option<Vec<u8>>> {
    match (pem, path) {
        (Some(pem), _) if !pem.is_empty() => Ok(Some(pem)),
        (_, Some(path)) if !path.as_os_str().is_empty() => {
            read_option_file(&path).map(Some).map_err(|e| {
                Error::client(
                    cr::CR_AUTH_PLUGIN_ERR,
                    format!(
                        "cannot read the server public key file '{}': {e}",
                        path.display()
                    ),
                )
            })
        }
        _ => Ok(None),
    }
}

/// What the server's performance_schema.session_connect_attrs shows for us.
fn connect_attrs(program_name: Option<String>) -> Vec<(String, String)> {
    let mut attrs = vec![
        ("_client_name".to_string(), "unshaken".to_string()),
        (
            "_client_version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("_pid".to_string(), std::process::id().to_string()),
    ];
    if let Some(name) = program_name {
        attrs.push(("program_name".to_string(), name));
    }
    attrs
}
