//! Connection phase: greeting -> response -> (auth switch / more data)* -> OK or ERR.

use super::super::packets::{ErrPacket, Greeting, OkPacket};
use super::super::Result;

#[derive(Debug, Clone, Default)]
pub struct HandshakeConfig {
    pub user: Vec<u8>,
    pub password: Vec<u8>,
    pub database: Option<Vec<u8>>,
    /// Collation id sent in the response (one byte on the wire).
    pub collation: u8,
    /// Extra CLIENT_* flags the user asked for (client_flag), e.g. CLIENT_FOUND_ROWS.
    pub client_flag: u32,
    pub connect_attrs: Vec<(String, String)>,
    pub max_packet_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeStep {
    /// Send this payload (the framer assigns the sequence id) and feed the reply.
    Send(Vec<u8>),
    /// Authenticated.
    Done(OkPacket),
    /// The server refused (bad password, unknown database, ...).
    Failed(ErrPacket),
}

pub struct Handshake {
    config: HandshakeConfig,
    greeting: Option<Greeting>,
    capabilities: u32,
    plugin: String,
}

impl Handshake {
    pub fn new(config: HandshakeConfig) -> Self {
        Handshake {
            config,
            greeting: None,
            capabilities: 0,
            plugin: String::new(),
        }
    }
    /// Feed the server's first packet (a greeting, or an ERR such as "too many
    /// connections"): returns the HandshakeResponse41 to send, or Failed.
    pub fn greeting(&mut self, payload: &[u8]) -> Result<HandshakeStep> {
        todo!()
    }
    /// Feed every later server packet until Done or Failed.
    pub fn packet(&mut self, payload: &[u8]) -> Result<HandshakeStep> {
        todo!()
    }
    pub fn server(&self) -> Option<&Greeting> {
        self.greeting.as_ref()
    }
    /// Capabilities both sides agreed on (valid after `greeting`).
    pub fn capabilities(&self) -> u32 {
        self.capabilities
    }
    /// MariaDB extended capabilities both sides agreed on.
    pub fn mariadb_capabilities(&self) -> u32 {
        todo!()
    }
}
