use std::time::Duration;

use crate::consts::charset::UTF8MB4_GENERAL_CI;
use crate::io::Endpoint;

/// Everything needed to open (and re-open, for a cancel side connection) a session.
#[derive(Clone, Debug)]
pub struct Options {
    pub endpoint: Endpoint,
    pub user: Vec<u8>,
    pub password: Vec<u8>,
    pub database: Option<Vec<u8>>,
    /// Collation id for the handshake (one byte on the wire; larger ids are set by SQL).
    pub collation: u16,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    pub write_timeout: Option<Duration>,
    /// Extra CLIENT_* flags (client_flag), e.g. CLIENT_FOUND_ROWS.
    pub client_flag: u32,
    pub connect_attrs: Vec<(String, String)>,
    /// Largest packet accepted from the server.
    pub max_packet: usize,
    /// Cancel the statement on the server (KILL QUERY on a side connection) when a
    /// wait is interrupted or times out, so the connection stays usable.
    pub cancel_on_interrupt: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            endpoint: Endpoint::Tcp {
                host: "localhost".into(),
                port: 3306,
            },
            user: Vec::new(),
            password: Vec::new(),
            database: None,
            collation: UTF8MB4_GENERAL_CI,
            connect_timeout: None,
            read_timeout: None,
            write_timeout: None,
            client_flag: 0,
            connect_attrs: Vec::new(),
            max_packet: 1 << 30,
            cancel_on_interrupt: true,
        }
    }
}

impl Options {
    /// "host:port" or the socket path, for messages and get_host_info().
    pub fn target(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, port } => format!("{host}:{port}"),
            Endpoint::Unix(path) => path.display().to_string(),
        }
    }
}
