//! mysql_native_password: SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))).

use sha1::{Digest, Sha1};
use zeroize::Zeroize;

use super::{nonce20, Result, MYSQL_NATIVE_PASSWORD};

/// The 20-byte scramble of the nonce's first 20 bytes (anything after them, such as a
/// stray NUL, is ignored; fewer is an error); an empty password gives an empty response.
pub fn scramble(password: &[u8], nonce: &[u8]) -> Result<Vec<u8>> {
    let nonce = nonce20(MYSQL_NATIVE_PASSWORD, nonce)?;
    if password.is_empty() {
        return Ok(Vec::new());
    }
    // SHA1(password) is as good as the password against this plugin: zero it after use.
    let mut stage1: [u8; 20] = Sha1::digest(password).into();
    let stage2 = Sha1::digest(stage1);
    let mask = Sha1::new()
        .chain_update(nonce)
        .chain_update(stage2)
        .finalize();
    let out = stage1.iter().zip(mask.iter()).map(|(a, b)| a ^ b).collect();
    stage1.zeroize();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::super::testutil::unhex;
    use super::super::ProtoError;
    use super::*;

    // Expected values computed independently with Python's hashlib.
    #[test]
    fn known_vectors() {
        let nonce: Vec<u8> = (1..=20).collect();
        assert_eq!(
            scramble(b"secret", &nonce).unwrap(),
            unhex("b32bb3a583e1340c0a1108d58b1be49781ad8c2f")
        );
        // A trailing NUL after the 20 bytes does not change the result.
        let mut with_nul = nonce.clone();
        with_nul.push(0);
        assert_eq!(scramble(b"secret", &with_nul), scramble(b"secret", &nonce));
        assert!(scramble(b"", &nonce).unwrap().is_empty());
    }

    #[test]
    fn short_nonce_is_malformed() {
        for len in [0, 1, 8, 19] {
            assert!(matches!(
                scramble(b"x", &vec![7; len]),
                Err(ProtoError::Malformed(_))
            ));
            assert!(scramble(b"", &vec![7; len]).is_err());
        }
    }
}
