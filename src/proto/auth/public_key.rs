//! The RSA step shared by caching_sha2_password and sha256_password: over a channel
//! that is neither TLS nor a Unix socket the password travels encrypted with the
//! server's public key, never in clear.
//!
//! What is encrypted: the password with a terminating NUL, XORed byte by byte with
//! the 20-byte nonce repeated, padded with OAEP (SHA-1, MGF1-SHA-1), which is what
//! the server decrypts with RSA_PKCS1_OAEP_PADDING.

use rand_core::CryptoRngCore;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Oaep, RsaPublicKey};
use zeroize::Zeroize;

use super::{ProtoError, Result, NONCE_LEN};

/// Parse a PEM public key: SubjectPublicKeyInfo ("BEGIN PUBLIC KEY", what MySQL
/// sends) or PKCS#1 ("BEGIN RSA PUBLIC KEY"). Trailing NULs and whitespace are ignored.
pub fn parse(plugin: &'static str, pem: &[u8]) -> Result<RsaPublicKey> {
    let end = pem
        .iter()
        .rposition(|b| !(b.is_ascii_whitespace() || *b == 0))
        .map_or(0, |i| i + 1);
    let text = std::str::from_utf8(&pem[..end]).map_err(|_| ProtoError::Auth {
        plugin,
        reason: "the server's public key is not PEM text".into(),
    })?;
    let text = text.trim_start();
    RsaPublicKey::from_public_key_pem(text)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(text))
        .map_err(|e| ProtoError::Auth {
            plugin,
            reason: format!("cannot read the server's RSA public key: {e}"),
        })
}

/// `password` + NUL, XORed with the nonce (its first 20 bytes) repeated.
pub fn xor_with_nonce(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    let nonce = &nonce[..nonce.len().min(NONCE_LEN)];
    let mut out = Vec::with_capacity(password.len() + 1);
    out.extend_from_slice(password);
    out.push(0);
    if !nonce.is_empty() {
        for (i, b) in out.iter_mut().enumerate() {
            *b ^= nonce[i % nonce.len()];
        }
    }
    out
}

/// RSA-OAEP(SHA-1) of the XORed password with the PEM key; `rng` gives the padding's
/// randomness (injectable so tests are deterministic).
pub fn encrypt_password(
    plugin: &'static str,
    pem: &[u8],
    password: &[u8],
    nonce: &[u8],
    rng: &mut dyn CryptoRngCore,
) -> Result<Vec<u8>> {
    let key = parse(plugin, pem)?;
    // The password XOR a nonce the wire shows: as good as the password; zeroed after use.
    let mut message = xor_with_nonce(password, nonce);
    let mut rng = rng;
    let encrypted = key.encrypt(&mut rng, Oaep::new::<sha1::Sha1>(), &message);
    message.zeroize();
    encrypted.map_err(|e| ProtoError::Auth {
        plugin,
        reason: match e {
            rsa::Error::MessageTooLong => {
                "the password is too long for the server's RSA key".into()
            }
            other => format!("RSA encryption failed: {other}"),
        },
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand_core::{CryptoRng, RngCore};
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::RsaPrivateKey;

    /// The test key pair of tests/fixtures (2048-bit, generated once with openssl).
    pub const PRIVATE_PEM: &str = include_str!("../../../tests/fixtures/rsa_private.pem");
    pub const PUBLIC_PEM: &str = include_str!("../../../tests/fixtures/rsa_public.pem");

    /// A deterministic "random" source: only for tests.
    pub struct CountingRng(pub u8);
    impl RngCore for CountingRng {
        fn next_u32(&mut self) -> u32 {
            rand_core::impls::next_u32_via_fill(self)
        }
        fn next_u64(&mut self) -> u64 {
            rand_core::impls::next_u64_via_fill(self)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for b in dest {
                self.0 = self.0.wrapping_add(1);
                *b = self.0;
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> std::result::Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl CryptoRng for CountingRng {}

    pub fn decrypt(ciphertext: &[u8]) -> Vec<u8> {
        RsaPrivateKey::from_pkcs8_pem(PRIVATE_PEM)
            .unwrap()
            .decrypt(Oaep::new::<sha1::Sha1>(), ciphertext)
            .unwrap()
    }

    #[test]
    fn xor_repeats_the_nonce() {
        let nonce: Vec<u8> = (1..=20).collect();
        // Computed independently with Python: bytes(a ^ nonce[i % 20] for ...).
        let out = xor_with_nonce(b"0123456789abcdefghijklmnop", &nonce);
        assert_eq!(out.len(), 27);
        for (i, b) in out.iter().enumerate() {
            let plain = b"0123456789abcdefghijklmnop\0"[i];
            assert_eq!(*b, plain ^ nonce[i % 20]);
        }
        // A 21st nonce byte (the NUL of a switch request) is not used.
        let mut long = nonce.clone();
        long.push(0xAA);
        assert_eq!(xor_with_nonce(b"pw", &long), xor_with_nonce(b"pw", &nonce));
        assert_eq!(xor_with_nonce(b"pw", &[]), b"pw\0");
    }

    #[test]
    fn encrypts_for_the_private_key() {
        let nonce: Vec<u8> = (1..=20).collect();
        let a = encrypt_password(
            "p",
            PUBLIC_PEM.as_bytes(),
            b"secret",
            &nonce,
            &mut CountingRng(0),
        )
        .unwrap();
        assert_eq!(a.len(), 256);
        assert_eq!(decrypt(&a), xor_with_nonce(b"secret", &nonce));
        // Same randomness: same bytes (replayable); different: different bytes.
        let b = encrypt_password(
            "p",
            PUBLIC_PEM.as_bytes(),
            b"secret",
            &nonce,
            &mut CountingRng(0),
        )
        .unwrap();
        assert_eq!(a, b);
        let c = encrypt_password(
            "p",
            PUBLIC_PEM.as_bytes(),
            b"secret",
            &nonce,
            &mut CountingRng(9),
        )
        .unwrap();
        assert_ne!(a, c);
        // The key as the server sends it: a trailing NUL and newline.
        let mut sent = PUBLIC_PEM.as_bytes().to_vec();
        sent.extend_from_slice(b"\n\0");
        let d = encrypt_password("p", &sent, b"secret", &nonce, &mut CountingRng(0)).unwrap();
        assert_eq!(a, d);
    }

    #[test]
    fn bad_keys_and_long_passwords_are_errors() {
        let nonce = [7u8; 20];
        for pem in [
            &b""[..],
            b"\xff\xfe",
            b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        ] {
            assert!(matches!(
                encrypt_password("p", pem, b"pw", &nonce, &mut CountingRng(0)),
                Err(ProtoError::Auth { plugin: "p", .. })
            ));
        }
        // 2048-bit key, OAEP-SHA1: at most 256 - 42 = 214 bytes, NUL included.
        assert!(encrypt_password(
            "p",
            PUBLIC_PEM.as_bytes(),
            &[b'x'; 213],
            &nonce,
            &mut CountingRng(0)
        )
        .is_ok());
        let err = encrypt_password(
            "p",
            PUBLIC_PEM.as_bytes(),
            &[b'x'; 214],
            &nonce,
            &mut CountingRng(0),
        )
        .unwrap_err();
        assert!(err.to_string().contains("too long"), "{err}");
    }
}
