//! Initial handshake (v10) and HandshakeResponse41.

use super::super::reader::Reader;
use super::super::writer::{
    put_lenenc_bytes, put_lenenc_int, put_null_terminated, put_u16, put_u32,
};
use super::super::{ProtoError, Result};
use crate::consts::capability::*;

/// Nonce bytes sent before the filler; the rest follow the capability words.
const NONCE_PART1: usize = 8;
/// Part 2 of the nonce takes at least this many bytes on the wire (12 + NUL).
const NONCE_PART2_MIN: usize = 13;

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
        let mut r = Reader::new(payload);
        let protocol_version = r.u8()?;
        if protocol_version != 10 {
            return Err(ProtoError::OldServer);
        }
        let server_version = String::from_utf8_lossy(r.null_terminated()?).into_owned();
        let connection_id = r.u32()?;
        let mut auth_plugin_data = r.take(NONCE_PART1)?.to_vec();
        r.skip(1)?;
        let mut capabilities = u32::from(r.u16()?);
        let collation = r.u8()?;
        let status = r.u16()?;
        capabilities |= u32::from(r.u16()?) << 16;
        let data_len = usize::from(r.u8()?);
        let filler = r.take(10)?;
        // MariaDB reuses the last 4 filler bytes, and says so by clearing CLIENT_MYSQL.
        let mariadb_capabilities = if capabilities & CLIENT_MYSQL == 0 {
            u32::from_le_bytes([filler[6], filler[7], filler[8], filler[9]])
        } else {
            0
        };
        if capabilities & CLIENT_SECURE_CONNECTION != 0 {
            let len = NONCE_PART2_MIN.max(data_len.saturating_sub(NONCE_PART1));
            let part2 = r.take(len)?;
            // The trailing NUL is a terminator, not nonce.
            let part2 = part2.strip_suffix(&[0]).unwrap_or(part2);
            auth_plugin_data.extend_from_slice(part2);
        }
        let auth_plugin_name = if capabilities & CLIENT_PLUGIN_AUTH != 0 {
            // Some old servers forget the NUL.
            String::from_utf8_lossy(r.null_terminated_or_rest()).into_owned()
        } else {
            String::new()
        };
        Ok(Greeting {
            protocol_version,
            server_version,
            connection_id,
            auth_plugin_data,
            capabilities,
            mariadb_capabilities,
            collation,
            status,
            auth_plugin_name,
        })
    }
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(64 + self.server_version.len() + self.auth_plugin_name.len());
        out.push(self.protocol_version);
        put_null_terminated(&mut out, self.server_version.as_bytes());
        put_u32(&mut out, self.connection_id);
        let split = self.auth_plugin_data.len().min(NONCE_PART1);
        let (part1, part2) = self.auth_plugin_data.split_at(split);
        out.extend_from_slice(part1);
        out.resize(out.len() + NONCE_PART1 - part1.len(), 0);
        out.push(0);
        put_u16(&mut out, self.capabilities as u16);
        out.push(self.collation);
        put_u16(&mut out, self.status);
        put_u16(&mut out, (self.capabilities >> 16) as u16);
        let plugin_auth = self.capabilities & CLIENT_PLUGIN_AUTH != 0;
        out.push(if plugin_auth {
            (self.auth_plugin_data.len() + 1).min(255) as u8
        } else {
            0
        });
        out.extend_from_slice(&[0; 6]);
        let ext = if self.capabilities & CLIENT_MYSQL == 0 {
            self.mariadb_capabilities
        } else {
            0
        };
        put_u32(&mut out, ext);
        if self.capabilities & CLIENT_SECURE_CONNECTION != 0 {
            let start = out.len();
            put_null_terminated(&mut out, part2);
            out.resize(out.len().max(start + NONCE_PART2_MIN), 0);
        }
        if plugin_auth {
            put_null_terminated(&mut out, self.auth_plugin_name.as_bytes());
        }
        out
    }
    /// True for MariaDB servers (whose version may carry a "5.5.5-" prefix for old
    /// clients; see [`Greeting::version`]).
    pub fn is_mariadb(&self) -> bool {
        self.server_version.contains("MariaDB")
    }
    /// The server version without MariaDB's "5.5.5-" compatibility prefix.
    pub fn version(&self) -> &str {
        match self.server_version.strip_prefix("5.5.5-") {
            Some(v) if self.is_mariadb() => v,
            _ => &self.server_version,
        }
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
    /// zstd compression level, sent when CLIENT_ZSTD_COMPRESSION_ALGORITHM is set.
    pub zstd_level: u8,
}

impl HandshakeResponse {
    /// Encode as HandshakeResponse41. Without CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
    /// the auth response has a one-byte length, so it is cut at 255 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let caps = self.capabilities;
        let mut out = Vec::with_capacity(128 + self.user.len() + self.auth_response.len());
        put_u32(&mut out, caps);
        put_u32(&mut out, self.max_packet_size);
        out.push(self.collation);
        out.extend_from_slice(&[0; 19]);
        put_u32(&mut out, self.mariadb_capabilities);
        put_null_terminated(&mut out, &self.user);
        if caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
            put_lenenc_bytes(&mut out, &self.auth_response);
        } else if caps & CLIENT_SECURE_CONNECTION != 0 {
            let n = self.auth_response.len().min(255);
            out.push(n as u8);
            out.extend_from_slice(&self.auth_response[..n]);
        } else {
            put_null_terminated(&mut out, &self.auth_response);
        }
        if caps & CLIENT_CONNECT_WITH_DB != 0 {
            put_null_terminated(&mut out, self.database.as_deref().unwrap_or_default());
        }
        if caps & CLIENT_PLUGIN_AUTH != 0 {
            put_null_terminated(&mut out, self.auth_plugin_name.as_bytes());
        }
        if caps & CLIENT_CONNECT_ATTRS != 0 {
            let mut block = Vec::new();
            for (k, v) in &self.connect_attrs {
                put_lenenc_bytes(&mut block, k.as_bytes());
                put_lenenc_bytes(&mut block, v.as_bytes());
            }
            put_lenenc_int(&mut out, block.len() as u64);
            out.extend_from_slice(&block);
        }
        if caps & CLIENT_ZSTD_COMPRESSION_ALGORITHM != 0 {
            out.push(self.zstd_level);
        }
        out
    }
    pub fn decode(payload: &[u8]) -> Result<HandshakeResponse> {
        let mut r = Reader::new(payload);
        let caps = r.u32()?;
        if caps & CLIENT_PROTOCOL_41 == 0 {
            return Err(ProtoError::Malformed(
                "HandshakeResponse320 is not supported",
            ));
        }
        let max_packet_size = r.u32()?;
        let collation = r.u8()?;
        r.skip(19)?;
        let mariadb_capabilities = r.u32()?;
        let user = r.null_terminated()?.to_vec();
        let auth_response = if caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
            r.lenenc_bytes_not_null()?
        } else if caps & CLIENT_SECURE_CONNECTION != 0 {
            let n = r.u8()?;
            r.take(usize::from(n))?
        } else {
            r.null_terminated()?
        }
        .to_vec();
        let database = if caps & CLIENT_CONNECT_WITH_DB != 0 {
            Some(r.null_terminated()?.to_vec())
        } else {
            None
        };
        let auth_plugin_name = if caps & CLIENT_PLUGIN_AUTH != 0 {
            String::from_utf8_lossy(r.null_terminated_or_rest()).into_owned()
        } else {
            String::new()
        };
        let mut connect_attrs = Vec::new();
        if caps & CLIENT_CONNECT_ATTRS != 0 && !r.is_empty() {
            let mut block = Reader::new(r.lenenc_bytes_not_null()?);
            while !block.is_empty() {
                let k = String::from_utf8_lossy(block.lenenc_bytes_not_null()?).into_owned();
                let v = String::from_utf8_lossy(block.lenenc_bytes_not_null()?).into_owned();
                connect_attrs.push((k, v));
            }
        }
        let zstd_level = if caps & CLIENT_ZSTD_COMPRESSION_ALGORITHM != 0 {
            r.u8()?
        } else {
            0
        };
        Ok(HandshakeResponse {
            capabilities: caps,
            max_packet_size,
            collation,
            user,
            auth_response,
            database,
            auth_plugin_name,
            connect_attrs,
            mariadb_capabilities,
            zstd_level,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::testutil::{all_prefixes, captured};
    use super::*;
    use crate::consts::status::SERVER_STATUS_AUTOCOMMIT;

    #[test]
    fn mariadb_greeting() {
        let p = captured("a", "greeting");
        let g = Greeting::decode(&p).unwrap();
        assert_eq!(g.protocol_version, 10);
        assert_eq!(g.server_version, "5.5.5-10.11.19-MariaDB-0+deb12u1");
        assert_eq!(g.version(), "10.11.19-MariaDB-0+deb12u1");
        assert!(g.is_mariadb());
        assert_eq!(
            g.connection_id,
            u32::from_le_bytes([p[34], p[35], p[36], p[37]])
        );
        assert!(g.connection_id > 0);
        assert_eq!(g.auth_plugin_data.len(), 20);
        assert!(!g.auth_plugin_data.contains(&0));
        assert_eq!(g.auth_plugin_data[..8], p[38..46]);
        assert_eq!(g.capabilities, 0x81ff_f7fe);
        assert_eq!(g.capabilities & CLIENT_MYSQL, 0);
        for bit in [
            CLIENT_PROTOCOL_41,
            CLIENT_PLUGIN_AUTH,
            CLIENT_SECURE_CONNECTION,
            CLIENT_DEPRECATE_EOF,
        ] {
            assert_ne!(g.capabilities & bit, 0);
        }
        assert_eq!(
            g.mariadb_capabilities,
            MARIADB_CLIENT_PROGRESS
                | MARIADB_CLIENT_STMT_BULK_OPERATIONS
                | MARIADB_CLIENT_EXTENDED_METADATA
                | MARIADB_CLIENT_CACHE_METADATA
        );
        assert_eq!(g.collation, 45);
        assert_eq!(g.status, SERVER_STATUS_AUTOCOMMIT);
        assert_eq!(g.auth_plugin_name, "mysql_native_password");
        assert_eq!(g.encode(), p);
        all_prefixes(&p, Greeting::decode);
    }

    #[test]
    fn mysql_style_greeting_round_trip() {
        let g = Greeting {
            protocol_version: 10,
            server_version: "8.0.36".into(),
            connection_id: 7,
            auth_plugin_data: (1..=20).collect(),
            capabilities: 0xdfff_ffff,
            mariadb_capabilities: 0,
            collation: 255,
            status: 2,
            auth_plugin_name: "caching_sha2_password".into(),
        };
        let bytes = g.encode();
        assert_eq!(Greeting::decode(&bytes).unwrap(), g);
        assert!(!g.is_mariadb());
        assert_eq!(g.version(), "8.0.36");
        // Extended caps are ignored when CLIENT_MYSQL is set, whatever the filler holds.
        let mut b = bytes.clone();
        let filler_end = 1 + 7 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10;
        b[filler_end - 4] = 0x1d;
        assert_eq!(Greeting::decode(&b).unwrap().mariadb_capabilities, 0);
        // Plugin name without its NUL is accepted.
        assert_eq!(Greeting::decode(&bytes[..bytes.len() - 1]).unwrap(), g);
        all_prefixes(&bytes, Greeting::decode);
    }

    #[test]
    fn old_protocol_rejected() {
        assert_eq!(Greeting::decode(&[9, b'3', 0]), Err(ProtoError::OldServer));
        assert_eq!(
            Greeting::decode(&[0xFF, 0x10, 0x04]),
            Err(ProtoError::OldServer)
        );
    }

    #[test]
    fn captured_response_round_trip() {
        let p = captured("a", "response");
        let r = HandshakeResponse::decode(&p).unwrap();
        assert_eq!(r.capabilities, 0x013f_a20c);
        assert_eq!(r.max_packet_size, 16 << 20);
        assert_eq!(r.collation, 45);
        assert_eq!(r.user, b"root");
        assert!(r.auth_response.is_empty());
        assert_eq!(r.database.as_deref(), Some(&b"test"[..]));
        assert_eq!(r.auth_plugin_name, "mysql_native_password");
        assert_eq!(
            r.connect_attrs,
            vec![
                ("_client_name".into(), "unshaken-capture".into()),
                ("_pid".into(), "1".into())
            ]
        );
        assert_eq!(r.mariadb_capabilities, 0);
        assert_eq!(r.encode(), p);
        all_prefixes(&p, HandshakeResponse::decode);
    }

    #[test]
    fn response_variants_round_trip() {
        let base = HandshakeResponse {
            capabilities: CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION,
            max_packet_size: 1 << 24,
            collation: 33,
            user: b"u".to_vec(),
            auth_response: vec![0xAB; 20],
            mariadb_capabilities: MARIADB_CLIENT_PROGRESS,
            ..Default::default()
        };
        let plugin = HandshakeResponse {
            capabilities: base.capabilities | CLIENT_PLUGIN_AUTH | CLIENT_CONNECT_WITH_DB,
            database: Some(b"db".to_vec()),
            auth_plugin_name: "mysql_native_password".into(),
            ..base.clone()
        };
        let no_secure = HandshakeResponse {
            capabilities: CLIENT_PROTOCOL_41,
            auth_response: b"pw".to_vec(),
            ..base.clone()
        };
        for r in [base, plugin, no_secure] {
            let bytes = r.encode();
            assert_eq!(bytes[9..28], [0; 19]);
            assert_eq!(HandshakeResponse::decode(&bytes).unwrap(), r);
            all_prefixes(&bytes, HandshakeResponse::decode);
        }
    }
}
