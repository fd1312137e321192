//! Collation ids used on the wire.

/// The `binary` pseudo-charset: a column with it holds bytes, not text.
pub const BINARY_COLLATION: u16 = 63;
pub const UTF8MB4_GENERAL_CI: u16 = 45;

/// Default collation id for a character set name (the handshake carries one byte).
/// Returns `None` for an unknown name.
pub fn default_collation(charset: &str) -> Option<u16> {
    todo!()
}

/// Python codec name for a MySQL character set name (e.g. utf8mb4 -> utf-8).
pub fn python_encoding(charset: &str) -> Option<&'static str> {
    todo!()
}
