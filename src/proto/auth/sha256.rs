//! sha256_password (MySQL 5.6 - 8.x).
//!
//! No scramble: over TLS or a Unix socket the first response is the password,
//! NUL-terminated. Otherwise it is RSA-encrypted with the server's public key: the
//! user's, or (only when the user allows it) one asked for by answering 0x01 and
//! received as AuthMoreData holding the PEM. [`policy`] decides which. An empty
//! password is a single NUL whatever the channel.
//!
//! [`policy`]: super::policy

use super::policy::{self, FullAuth};
use super::{nonce20, public_key, AuthContext, AuthStep, ProtoError, Result};

pub const NAME: &str = "sha256_password";

/// The first response byte that asks the server for its public key.
pub const REQUEST_PUBLIC_KEY: u8 = 0x01;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Key asked for: waiting for the PEM.
    Key,
    /// The password (in whatever form) is sent: only OK/ERR may follow.
    Sent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sha256Password {
    nonce: Vec<u8>,
    state: State,
}

impl Sha256Password {
    pub fn start(ctx: &mut AuthContext<'_>, nonce: &[u8]) -> Result<(Sha256Password, Vec<u8>)> {
        let nonce = nonce20(NAME, nonce)?.to_vec();
        let (state, reply) = if ctx.password.is_empty() {
            (State::Sent, vec![0])
        } else {
            match policy::full_auth(ctx, NAME)? {
                FullAuth::Clear => (State::Sent, super::nul_terminated(ctx.password)),
                FullAuth::Encrypt(pem) => {
                    let enc =
                        public_key::encrypt_password(NAME, pem, ctx.password, &nonce, ctx.rng)?;
                    (State::Sent, enc)
                }
                FullAuth::RequestKey => (State::Key, vec![REQUEST_PUBLIC_KEY]),
            }
        };
        Ok((Sha256Password { nonce, state }, reply))
    }

    pub fn more_data(&mut self, ctx: &mut AuthContext<'_>, data: &[u8]) -> Result<AuthStep> {
        match self.state {
            State::Key => {
                self.state = State::Sent;
                Ok(AuthStep::Send(public_key::encrypt_password(
                    NAME,
                    data,
                    ctx.password,
                    &self.nonce,
                    ctx.rng,
                )?))
            }
            State::Sent => Err(ProtoError::Malformed(
                "sha256_password: unexpected data after authentication",
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

    fn ctx<'a>(
        rng: &'a mut CountingRng,
        password: &'a [u8],
        channel: Channel,
        key: Option<&'a [u8]>,
    ) -> AuthContext<'a> {
        AuthContext {
            password,
            channel,
            allow_cleartext: false,
            get_server_public_key: true,
            require_verified_tls: false,
            server_public_key: key,
            rng,
        }
    }

    #[test]
    fn secure_channel_sends_clear() {
        let mut rng = CountingRng(0);
        let mut c = ctx(&mut rng, b"pw", Channel::UnixSocket, None);
        let (mut p, first) = Sha256Password::start(&mut c, &[5; 20]).unwrap();
        assert_eq!(first, b"pw\0");
        assert!(p.more_data(&mut c, b"anything").is_err());
    }

    #[test]
    fn empty_password_is_one_nul() {
        let mut rng = CountingRng(0);
        for channel in [Channel::Plain, Channel::UnverifiedTls] {
            let mut c = ctx(&mut rng, b"", channel, None);
            c.get_server_public_key = false;
            assert_eq!(Sha256Password::start(&mut c, &[5; 20]).unwrap().1, b"\0");
        }
    }

    #[test]
    fn plain_requests_key_then_encrypts() {
        // A switch request's nonce: 20 bytes and a NUL.
        let mut nonce: Vec<u8> = (100..120).collect();
        nonce.push(0);
        let mut rng = CountingRng(3);
        let mut c = ctx(&mut rng, b"s3cr3t!", Channel::Plain, None);
        let (mut p, first) = Sha256Password::start(&mut c, &nonce).unwrap();
        assert_eq!(first, [REQUEST_PUBLIC_KEY]);
        let AuthStep::Send(enc) = p.more_data(&mut c, PUBLIC_PEM.as_bytes()).unwrap() else {
            panic!("expected Send");
        };
        assert_eq!(decrypt(&enc), xor_with_nonce(b"s3cr3t!", &nonce[..20]));
        assert!(p.more_data(&mut c, PUBLIC_PEM.as_bytes()).is_err());
    }

    #[test]
    fn given_key_encrypts_at_once() {
        let nonce: Vec<u8> = (1..=20).collect();
        let mut rng = CountingRng(0);
        let mut c = ctx(&mut rng, b"pw", Channel::Plain, Some(PUBLIC_PEM.as_bytes()));
        let (_, first) = Sha256Password::start(&mut c, &nonce).unwrap();
        assert_eq!(decrypt(&first), xor_with_nonce(b"pw", &nonce));
        let mut c = ctx(&mut rng, b"pw", Channel::Plain, Some(b"garbage"));
        assert!(Sha256Password::start(&mut c, &nonce).is_err());
    }

    #[test]
    fn plain_without_key_or_permission_is_refused() {
        let nonce = [4u8; 20];
        let mut rng = CountingRng(0);
        let mut c = ctx(&mut rng, b"pw", Channel::Plain, None);
        c.get_server_public_key = false;
        assert!(matches!(
            Sha256Password::start(&mut c, &nonce),
            Err(ProtoError::Auth { plugin: NAME, .. })
        ));
        // Unverified TLS: clear by default, refused by the strict option.
        let mut c = ctx(&mut rng, b"pw", Channel::UnverifiedTls, None);
        assert_eq!(Sha256Password::start(&mut c, &nonce).unwrap().1, b"pw\0");
        c.require_verified_tls = true;
        assert!(Sha256Password::start(&mut c, &nonce).is_err());
        // A short nonce.
        let mut c = ctx(&mut rng, b"pw", Channel::UnixSocket, None);
        assert!(matches!(
            Sha256Password::start(&mut c, &nonce[..19]),
            Err(ProtoError::Malformed(_))
        ));
    }
}
