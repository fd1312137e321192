//! mysql_native_password: SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))).

/// The 20-byte scramble; an empty password gives an empty response.
pub fn scramble(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    todo!()
}
