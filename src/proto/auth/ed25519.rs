//! client_ed25519 (MariaDB 10.1.22+ `auth_ed25519`).
//!
//! The server sends a 32-byte nonce; the client answers with the 64-byte Ed25519
//! signature of that nonce, where the signing key is expanded from SHA-512 of the
//! password itself (of any length) instead of SHA-512 of a 32-byte seed. That is the
//! construction of the reference ("ref10") implementation the server plugin ships:
//! a = clamp(SHA512(password)[0..32]), prefix = SHA512(password)[32..64],
//! R = SHA512(prefix + nonce) * B, S = R + SHA512(R + A + nonce) * a.
//! The server stores only A = a * B (what ed25519_password('...') returns, in base64).

use ed25519_dalek::hazmat::{raw_sign, ExpandedSecretKey};
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha512};

use super::{ProtoError, Result};

pub const NAME: &str = "client_ed25519";

/// Length of the server's nonce.
pub const NONCE_LEN: usize = 32;

/// The secret and public key derived from `password`.
fn keys(password: &[u8]) -> (ExpandedSecretKey, VerifyingKey) {
    let hash: [u8; 64] = Sha512::digest(password).into();
    let secret = ExpandedSecretKey::from_bytes(&hash);
    let public = VerifyingKey::from(&secret);
    (secret, public)
}

/// The public key the server stores for `password` (32 bytes).
pub fn public_key(password: &[u8]) -> [u8; 32] {
    keys(password).1.to_bytes()
}

/// The 64-byte signature of the server's nonce (its first 32 bytes; a shorter
/// nonce is a protocol error).
pub fn sign(password: &[u8], nonce: &[u8]) -> Result<Vec<u8>> {
    let Some(nonce) = nonce.get(..NONCE_LEN) else {
        return Err(ProtoError::Malformed(
            "client_ed25519: nonce shorter than 32 bytes",
        ));
    };
    let (secret, public) = keys(password);
    Ok(raw_sign::<Sha512>(&secret, nonce, &public)
        .to_bytes()
        .to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::testutil::unhex;
    use ed25519_dalek::{Signature, Verifier};

    // Computed independently with a from-scratch Python implementation of the
    // RFC 8032 arithmetic (secret expanded from SHA-512 of the password); that
    // implementation matches the `cryptography` package's Ed25519 for 32-byte seeds.
    const VECTORS: [(&[u8], &str, &str); 3] = [
        (
            b"secret",
            "546c3e9311d19ee389d1ae5d945821bfe459423910136f16b3bd2ae89fd7d63b449e689f4be812891a85b8f999076446d92adb83d0707215aaa60b5a23220907",
            "648814444520e4f56043a2ec9215e63be7992d2d270bc6dee873e36164786096",
        ),
        (
            b"",
            "1e7e2c09c0c0e5f755a202872d95c85c4b14d23a888e9c40a0e9323e1ed28dd4aee4a8197c2d2ca26942bf6496d61c60c63661959ab57706eb0bfda05749ad0f",
            "e0b1fe74117e1b95b608a4f221df314774b20ea66842350d515371c7c6966c6e",
        ),
        (
            b"p\xc3\xa4ssw0rd with a longer phrase",
            "d051d2044685567d53d0e57468f192623f2561df35308ce74379bd4bc1f406728347522aa4b6edcb71643654eb7accf6b354d021461cbd273854f09c21c9c20d",
            "76813ad5a88bee55270a89121f4ee481ec6cb6ed3dd5c1d029f17b911b3ff4cc",
        ),
    ];

    #[test]
    fn known_vectors() {
        let nonce: Vec<u8> = (0..32).collect();
        for (password, sig, public) in VECTORS {
            assert_eq!(sign(password, &nonce).unwrap(), unhex(sig));
            assert_eq!(public_key(password).to_vec(), unhex(public));
            // And it verifies as a standard Ed25519 signature under that key.
            let key = VerifyingKey::from_bytes(&public_key(password)).unwrap();
            let sig = Signature::from_slice(&unhex(sig)).unwrap();
            key.verify(&nonce, &sig).unwrap();
        }
    }

    #[test]
    fn nonce_length() {
        assert!(sign(b"pw", &[0; 31]).is_err());
        assert!(sign(b"pw", &[]).is_err());
        // Extra bytes (a terminating NUL) are ignored.
        let mut long = vec![0xA5; 32];
        let sig = sign(b"pw", &long).unwrap();
        long.push(0);
        assert_eq!(sign(b"pw", &long).unwrap(), sig);
    }
}
