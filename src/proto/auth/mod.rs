//! Authentication plugins, each a pure challenge -> response function or state machine.
//!
//! [`Plugin`] is the state of the plugin the server asked for. Multi-round plugins
//! (caching_sha2_password, sha256_password, client_ed25519) become further variants
//! carrying their own state; the handshake only calls [`Plugin::start`] and
//! [`Plugin::more_data`].

pub mod native;

use super::{ProtoError, Result};

pub const MYSQL_NATIVE_PASSWORD: &str = "mysql_native_password";
pub const MYSQL_CLEAR_PASSWORD: &str = "mysql_clear_password";

/// One authentication exchange in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plugin {
    /// mysql_native_password: one scramble, then OK/ERR.
    Native,
    /// mysql_clear_password: the password as is (only sensible over TLS or a socket).
    Clear,
}

impl Plugin {
    /// The plugin called `name`, or `UnsupportedPlugin`.
    pub fn for_name(name: &str) -> Result<Plugin> {
        match name {
            MYSQL_NATIVE_PASSWORD => Ok(Plugin::Native),
            MYSQL_CLEAR_PASSWORD => Ok(Plugin::Clear),
            other => Err(ProtoError::UnsupportedPlugin(other.to_owned())),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Plugin::Native => MYSQL_NATIVE_PASSWORD,
            Plugin::Clear => MYSQL_CLEAR_PASSWORD,
        }
    }
    /// The first response, to the greeting's or an auth switch's nonce.
    pub fn start(&mut self, password: &[u8], nonce: &[u8]) -> Result<Vec<u8>> {
        Ok(match self {
            Plugin::Native => native::scramble(password, nonce),
            Plugin::Clear => {
                let mut v = Vec::with_capacity(password.len() + 1);
                v.extend_from_slice(password);
                v.push(0);
                v
            }
        })
    }
    /// The reply to an AuthMoreData packet (its payload without the 0x01 header).
    /// Single-round plugins never get one, so it means the server wants something
    /// we cannot give.
    pub fn more_data(&mut self, _password: &[u8], _data: &[u8]) -> Result<Vec<u8>> {
        Err(ProtoError::UnsupportedPlugin(self.name().to_owned()))
    }
}

/// The first response for `plugin` given the server's nonce.
/// Unknown plugins give `ProtoError::UnsupportedPlugin`.
pub fn respond(plugin: &str, password: &[u8], nonce: &[u8]) -> super::Result<Vec<u8>> {
    Plugin::for_name(plugin)?.start(password, nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respond_per_plugin() {
        let nonce: Vec<u8> = (1..=20).collect();
        assert_eq!(
            respond(MYSQL_NATIVE_PASSWORD, b"secret", &nonce).unwrap(),
            native::scramble(b"secret", &nonce)
        );
        assert_eq!(
            respond(MYSQL_CLEAR_PASSWORD, b"secret", &nonce).unwrap(),
            b"secret\0"
        );
        assert_eq!(respond(MYSQL_CLEAR_PASSWORD, b"", &nonce).unwrap(), b"\0");
        assert_eq!(
            respond("caching_sha2_password", b"x", &nonce),
            Err(ProtoError::UnsupportedPlugin(
                "caching_sha2_password".into()
            ))
        );
        assert_eq!(
            Plugin::Native.more_data(b"x", b"\x04"),
            Err(ProtoError::UnsupportedPlugin(MYSQL_NATIVE_PASSWORD.into()))
        );
    }
}
