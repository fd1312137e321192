//! caching_sha2_password (MySQL 8's default).
//!
//! Fast path: the client answers the 20-byte nonce with
//! XOR(SHA256(password), SHA256(SHA256(SHA256(password)) + nonce)); the server replies
//! AuthMoreData 0x03 ("fast auth success", then an OK follows and the client sends
//! nothing) or 0x04 ("perform full authentication"). Full authentication sends the
//! password NUL-terminated in clear over TLS or a Unix socket; otherwise encrypted
//! with the server's RSA key (the user's, or, only when the user allows it, asked for
//! with 0x02 and received as AuthMoreData holding the PEM). [`policy`] decides which.
//!
//! [`policy`]: super::policy

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::policy::{self, FullAuth};
use super::{nonce20, public_key, AuthContext, AuthStep, ProtoError, Result};

pub const NAME: &str = "caching_sha2_password";

/// AuthMoreData bytes of the fast-path verdict, and the client's key request.
pub const FAST_AUTH_SUCCESS: u8 = 0x03;
pub const PERFORM_FULL_AUTH: u8 = 0x04;
pub const REQUEST_PUBLIC_KEY: u8 = 0x02;

/// The fast-path scramble (32 bytes) of the nonce's first 20 bytes (fewer is an
/// error); an empty password gives an empty response.
pub fn scramble(password: &[u8], nonce: &[u8]) -> Result<Vec<u8>> {
    let nonce = nonce20(NAME, nonce)?;
    if password.is_empty() {
        return Ok(Vec::new());
    }
    // SHA256(password) answers any later challenge: zero it after use.
    let mut stage1: [u8; 32] = Sha256::digest(password).into();
    let stage2 = Sha256::digest(stage1);
    let mask = Sha256::new()
        .chain_update(stage2)
        .chain_update(nonce)
        .finalize();
    let out = stage1.iter().zip(mask.iter()).map(|(a, b)| a ^ b).collect();
    stage1.zeroize();
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Scramble sent: waiting for 0x03 / 0x04 (or directly OK/ERR).
    FastResult,
    /// 0x03 seen: only the OK (or ERR) may follow.
    FastOk,
    /// Public key asked for: waiting for the PEM.
    Key,
    /// The full-authentication answer is sent: only OK/ERR may follow.
    Sent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachingSha2 {
    nonce: Vec<u8>,
    state: State,
}

impl CachingSha2 {
    /// The first response to `nonce` (from the greeting or an auth switch).
    pub fn start(ctx: &mut AuthContext<'_>, nonce: &[u8]) -> Result<(CachingSha2, Vec<u8>)> {
        let reply = scramble(ctx.password, nonce)?;
        let nonce = nonce20(NAME, nonce)?.to_vec();
        let state = if reply.is_empty() {
            State::Sent
        } else {
            State::FastResult
        };
        Ok((CachingSha2 { nonce, state }, reply))
    }

    /// An AuthMoreData payload (after the 0x01 header).
    pub fn more_data(&mut self, ctx: &mut AuthContext<'_>, data: &[u8]) -> Result<AuthStep> {
        match (self.state, data) {
            (State::FastResult, [FAST_AUTH_SUCCESS]) => {
                self.state = State::FastOk;
                Ok(AuthStep::Wait)
            }
            (State::FastResult, [PERFORM_FULL_AUTH]) => match policy::full_auth(ctx, NAME)? {
                FullAuth::Clear => {
                    self.state = State::Sent;
                    Ok(AuthStep::Send(super::nul_terminated(ctx.password)))
                }
                FullAuth::Encrypt(pem) => {
                    self.state = State::Sent;
                    Ok(AuthStep::Send(public_key::encrypt_password(
                        NAME,
                        pem,
                        ctx.password,
                        &self.nonce,
                        ctx.rng,
                    )?))
                }
                FullAuth::RequestKey => {
                    self.state = State::Key;
                    Ok(AuthStep::Send(vec![REQUEST_PUBLIC_KEY]))
                }
            },
            (State::Key, pem) => {
                self.state = State::Sent;
                Ok(AuthStep::Send(public_key::encrypt_password(
                    NAME,
                    pem,
                    ctx.password,
                    &self.nonce,
                    ctx.rng,
                )?))
            }
            (State::FastResult, _) => Err(ProtoError::Malformed(
                "caching_sha2_password: unexpected fast authentication result",
            )),
            (State::FastOk | State::Sent, _) => Err(ProtoError::Malformed(
                "caching_sha2_password: unexpected data after authentication",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::public_key::tests::{decrypt, CountingRng, PUBLIC_PEM};
    use super::super::public_key::xor_with_nonce;
    use super::super::Channel;
    use super::*;
    use crate::proto::testutil::unhex;

    fn ctx<'a>(
        rng: &'a mut CountingRng,
        channel: Channel,
        key: Option<&'a [u8]>,
    ) -> AuthContext<'a> {
        AuthContext {
            password: b"secret",
            channel,
            allow_cleartext: false,
            get_server_public_key: true,
            require_verified_tls: false,
            server_public_key: key,
            rng,
        }
    }

    // Expected scrambles computed independently with Python's hashlib:
    //   s1 = sha256(pw); s2 = sha256(s1); m = sha256(s2 + nonce); xor(s1, m)
    #[test]
    fn scramble_vectors() {
        let nonce: Vec<u8> = (1..=20).collect();
        assert_eq!(
            scramble(b"secret", &nonce).unwrap(),
            unhex("746ebe205d56a0707acb3e796e834e0dd7b1d61743b26bd5202c7a623230c7c9")
        );
        assert_eq!(
            scramble(b"p\xc3\xa4ss w\0rd", b"abcdefghijklmnopqrst").unwrap(),
            unhex("bd51b2fef7c1b70d61973db380c6a29e25b25dc25f24986c00e0f275fec693d5")
        );
        // Only 20 bytes of nonce count (a switch request adds a NUL).
        let mut with_nul = nonce.clone();
        with_nul.push(0);
        assert_eq!(scramble(b"secret", &with_nul), scramble(b"secret", &nonce));
        assert!(scramble(b"", &nonce).unwrap().is_empty());
        assert!(scramble(b"secret", &nonce[..19]).is_err());
    }

    #[test]
    fn fast_path() {
        let nonce: Vec<u8> = (1..=20).collect();
        let mut rng = CountingRng(0);
        let mut c = ctx(&mut rng, Channel::Plain, None);
        let (mut p, first) = CachingSha2::start(&mut c, &nonce).unwrap();
        assert_eq!(first, scramble(b"secret", &nonce).unwrap());
        assert_eq!(
            p.more_data(&mut c, &[FAST_AUTH_SUCCESS]).unwrap(),
            AuthStep::Wait
        );
        // Nothing more is expected from the server but OK.
        assert!(p.more_data(&mut c, &[FAST_AUTH_SUCCESS]).is_err());
    }

    #[test]
    fn full_auth_secure_sends_clear() {
        let nonce = [9u8; 20];
        let mut rng = CountingRng(0);
        let mut c = ctx(&mut rng, Channel::VerifiedTls, None);
        let (mut p, _) = CachingSha2::start(&mut c, &nonce).unwrap();
        assert_eq!(
            p.more_data(&mut c, &[PERFORM_FULL_AUTH]).unwrap(),
            AuthStep::Send(b"secret\0".to_vec())
        );
        assert!(p.more_data(&mut c, b"x").is_err());
    }

    #[test]
    fn full_auth_plain_requests_key_then_encrypts() {
        let nonce: Vec<u8> = (1..=20).collect();
        let mut rng = CountingRng(0);
        let mut c = ctx(&mut rng, Channel::Plain, None);
        let (mut p, _) = CachingSha2::start(&mut c, &nonce).unwrap();
        assert_eq!(
            p.more_data(&mut c, &[PERFORM_FULL_AUTH]).unwrap(),
            AuthStep::Send(vec![REQUEST_PUBLIC_KEY])
        );
        let AuthStep::Send(enc) = p.more_data(&mut c, PUBLIC_PEM.as_bytes()).unwrap() else {
            panic!("expected Send");
        };
        assert_eq!(enc.len(), 256);
        assert_eq!(decrypt(&enc), xor_with_nonce(b"secret", &nonce));
        assert!(!enc.windows(6).any(|w| w == b"secret"));
    }

    #[test]
    fn full_auth_with_given_key() {
        let nonce: Vec<u8> = (1..=20).collect();
        let mut rng = CountingRng(0);
        let mut c = ctx(&mut rng, Channel::Plain, Some(PUBLIC_PEM.as_bytes()));
        let (mut p, _) = CachingSha2::start(&mut c, &nonce).unwrap();
        let AuthStep::Send(enc) = p.more_data(&mut c, &[PERFORM_FULL_AUTH]).unwrap() else {
            panic!("expected Send");
        };
        assert_eq!(decrypt(&enc), xor_with_nonce(b"secret", &nonce));
    }

    /// Without a key and without permission to fetch one, full authentication over
    /// plain TCP is refused (2061) before anything is sent: no key request, no password.
    #[test]
    fn full_auth_plain_without_permission_is_refused() {
        let nonce = [3u8; 20];
        let mut rng = CountingRng(0);
        let mut c = ctx(&mut rng, Channel::Plain, None);
        c.get_server_public_key = false;
        let (mut p, _) = CachingSha2::start(&mut c, &nonce).unwrap();
        let err = p.more_data(&mut c, &[PERFORM_FULL_AUTH]).unwrap_err();
        assert!(
            matches!(err, ProtoError::Auth { plugin: NAME, .. }),
            "{err:?}"
        );
        // Over unverified TLS the password goes in clear (the residual case), unless
        // the strict option is on.
        let mut c = ctx(&mut rng, Channel::UnverifiedTls, None);
        let (mut p, _) = CachingSha2::start(&mut c, &nonce).unwrap();
        assert_eq!(
            p.more_data(&mut c, &[PERFORM_FULL_AUTH]).unwrap(),
            AuthStep::Send(b"secret\0".to_vec())
        );
        c.require_verified_tls = true;
        let (mut p, _) = CachingSha2::start(&mut c, &nonce).unwrap();
        assert!(p.more_data(&mut c, &[PERFORM_FULL_AUTH]).is_err());
    }

    #[test]
    fn garbage_is_an_error() {
        let nonce = [1u8; 20];
        let mut rng = CountingRng(0);
        let mut c = ctx(&mut rng, Channel::Plain, None);
        for bad in [&b""[..], b"\x05", b"\x03\x03", b"\x04\x00"] {
            let (mut p, _) = CachingSha2::start(&mut c, &nonce).unwrap();
            assert!(p.more_data(&mut c, bad).is_err());
        }
        // A garbage "key".
        let (mut p, _) = CachingSha2::start(&mut c, &nonce).unwrap();
        p.more_data(&mut c, &[PERFORM_FULL_AUTH]).unwrap();
        assert!(matches!(
            p.more_data(&mut c, b"not a key"),
            Err(ProtoError::Auth { plugin: NAME, .. })
        ));
    }
}
