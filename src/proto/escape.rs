//! SQL string literal escaping (the body of a quoted literal, without quotes).

/// Escape `input` for use between single quotes. With `no_backslash_escapes`
/// (SERVER_STATUS_NO_BACKSLASH_ESCAPES) only `'` is doubled, as the server then
/// treats backslash as an ordinary character.
pub fn escape_into(input: &[u8], no_backslash_escapes: bool, out: &mut Vec<u8>) {
    todo!()
}
