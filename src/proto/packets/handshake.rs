//! Initial handshake (v10) and HandshakeResponse41.

use super::super::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    pub protocol_version: u8,
    pub server_version: String,
    pub connection_id: u32,
    /// The whole nonce (part 1 + part 2), without the trailing NUL: normally 20 bytes.
    pub auth_plugin_data: Vec<u8>,
    pub capabilities: u32,
    /// MariaDB extended capabilities (0 when the server is MySQL or sets CLIENT_MYSQL).
    pub mariadb_capabilities: u32,
    pub collation: u8,
    pub status: u16,
    /// Empty when the server did not send one (then mysql_native_password is assumed).
    pub auth_plugin_name: String,
}

impl Greeting {
    pub fn decode(payload: &[u8]) -> Result<Greeting> {
        todo!()
    }
    pub fn encode(&self) -> Vec<u8> {
        todo!()
    }
    /// MariaDB prefixes its version with "5.5.5-" for old clients; this strips it.
    pub fn is_mariadb(&self) -> bool {
        todo!()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HandshakeResponse {
    pub capabilities: u32,
    pub max_packet_size: u32,
    pub collation: u8,
    pub user: Vec<u8>,
    pub auth_response: Vec<u8>,
    /// Sent when CLIENT_CONNECT_WITH_DB is set.
    pub database: Option<Vec<u8>>,
    /// Sent when CLIENT_PLUGIN_AUTH is set.
    pub auth_plugin_name: String,
    /// Sent when CLIENT_CONNECT_ATTRS is set.
    pub connect_attrs: Vec<(String, String)>,
    /// Sent in the filler when the server speaks MariaDB's extended capabilities.
    pub mariadb_capabilities: u32,
}

impl HandshakeResponse {
    pub fn encode(&self) -> Vec<u8> {
        todo!()
    }
    pub fn decode(payload: &[u8]) -> Result<HandshakeResponse> {
        todo!()
    }
}
