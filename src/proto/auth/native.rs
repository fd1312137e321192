//! mysql_native_password: SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))).

use sha1::{Digest, Sha1};

/// The server's nonce is 20 bytes; anything after that (such as a stray NUL) is ignored.
const NONCE_LEN: usize = 20;

/// The 20-byte scramble; an empty password gives an empty response.
pub fn scramble(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let stage1 = Sha1::digest(password);
    let stage2 = Sha1::digest(stage1);
    let nonce = &nonce[..nonce.len().min(NONCE_LEN)];
    let mask = Sha1::new()
        .chain_update(nonce)
        .chain_update(stage2)
        .finalize();
    stage1.iter().zip(mask.iter()).map(|(a, b)| a ^ b).collect()
}

#[cfg(test)]
mod tests {
    use super::super::super::testutil::unhex;
    use super::*;

    // Expected values computed independently with Python's hashlib.
    #[test]
    fn known_vectors() {
        let nonce: Vec<u8> = (1..=20).collect();
        assert_eq!(
            scramble(b"secret", &nonce),
            unhex("b32bb3a583e1340c0a1108d58b1be49781ad8c2f")
        );
        // A trailing NUL after the 20 bytes does not change the result.
        let mut with_nul = nonce.clone();
        with_nul.push(0);
        assert_eq!(scramble(b"secret", &with_nul), scramble(b"secret", &nonce));
        assert!(scramble(b"", &nonce).is_empty());
        assert_eq!(scramble(b"x", &[]).len(), 20);
    }
}
