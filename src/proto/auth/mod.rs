//! Authentication plugins, each a pure challenge -> response function or state machine.

pub mod native;

pub const MYSQL_NATIVE_PASSWORD: &str = "mysql_native_password";
pub const MYSQL_CLEAR_PASSWORD: &str = "mysql_clear_password";

/// The first response for `plugin` given the server's nonce.
/// Unknown plugins give `ProtoError::UnsupportedPlugin`.
pub fn respond(plugin: &str, password: &[u8], nonce: &[u8]) -> super::Result<Vec<u8>> {
    todo!()
}
