//! Authentication plugins, each a pure challenge -> response state machine.
//!
//! [`Plugin`] is the state of the plugin the server asked for. The handshake calls
//! [`Plugin::start`] with the nonce of the greeting or of an auth switch request, and
//! [`Plugin::more_data`] with each AuthMoreData (0x01) payload; the answer is
//! "send this" or "send nothing, read on" ([`AuthStep::Wait`]). Everything a plugin
//! needs from outside (password, what the channel is, the user's choices, the server's
//! RSA key, a random source for RSA padding) comes in an [`AuthContext`], so recorded
//! or computed exchanges replay exactly. Where the password may go is decided in one
//! place, [`policy`].

pub mod caching_sha2;
pub mod clear;
pub mod ed25519;
pub mod native;
pub mod policy;
pub mod public_key;
pub mod sha256;

use rand_core::CryptoRngCore;

use super::{ProtoError, Result};
pub use policy::Channel;

pub const MYSQL_NATIVE_PASSWORD: &str = "mysql_native_password";
pub const MYSQL_CLEAR_PASSWORD: &str = clear::NAME;
pub const CACHING_SHA2_PASSWORD: &str = caching_sha2::NAME;
pub const SHA256_PASSWORD: &str = sha256::NAME;
pub const CLIENT_ED25519: &str = ed25519::NAME;

/// The scramble-based plugins use the first 20 bytes of the server's nonce.
pub(crate) const NONCE_LEN: usize = 20;

/// The 20-byte nonce of the scramble-based plugins (anything after it, such as the NUL
/// of a switch request, is not nonce). A shorter one is malformed: a scramble over a
/// few bytes, or none, is one a man in the middle can replay or precompute.
pub(crate) fn nonce20<'n>(plugin: &'static str, nonce: &'n [u8]) -> Result<&'n [u8]> {
    nonce
        .get(..NONCE_LEN)
        .ok_or(ProtoError::Malformed(match plugin {
            MYSQL_NATIVE_PASSWORD => "mysql_native_password: nonce shorter than 20 bytes",
            CACHING_SHA2_PASSWORD => "caching_sha2_password: nonce shorter than 20 bytes",
            _ => "sha256_password: nonce shorter than 20 bytes",
        }))
}

/// What a plugin may know about the connection.
pub struct AuthContext<'a> {
    pub password: &'a [u8],
    /// What the connection is (plain, TLS verified or not, a Unix socket).
    pub channel: Channel,
    /// The user allows mysql_clear_password to a peer that is not verified.
    pub allow_cleartext: bool,
    /// The user allows asking the server for its RSA key over plain TCP.
    pub get_server_public_key: bool,
    /// The user wants the password sent only to a verified peer (or to a pinned key).
    pub require_verified_tls: bool,
    /// The server's RSA public key (PEM) given by the user, if any.
    pub server_public_key: Option<&'a [u8]>,
    /// Randomness for RSA-OAEP padding.
    pub rng: &'a mut dyn CryptoRngCore,
}

/// A plugin's answer to AuthMoreData.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthStep {
    /// Send this payload and read the reply.
    Send(Vec<u8>),
    /// Send nothing; the server's next packet follows on its own.
    Wait,
}

/// One authentication exchange in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plugin {
    /// mysql_native_password: one scramble, then OK/ERR.
    Native,
    /// mysql_clear_password: the password as is (TLS, a Unix socket, or allowed).
    Clear,
    CachingSha2(caching_sha2::CachingSha2),
    Sha256(sha256::Sha256Password),
    /// client_ed25519: one signature, then OK/ERR.
    Ed25519,
}

impl Plugin {
    /// Whether we implement the plugin called `name`.
    pub fn supported(name: &str) -> bool {
        matches!(
            name,
            MYSQL_NATIVE_PASSWORD
                | MYSQL_CLEAR_PASSWORD
                | CACHING_SHA2_PASSWORD
                | SHA256_PASSWORD
                | CLIENT_ED25519
        )
    }

    /// Start the plugin called `name` on the server's `nonce` (the raw plugin data of
    /// a greeting or switch request; each plugin takes the bytes it needs). Returns the
    /// plugin state and the first response. Unknown plugins give `UnsupportedPlugin`.
    pub fn start(name: &str, ctx: &mut AuthContext<'_>, nonce: &[u8]) -> Result<(Plugin, Vec<u8>)> {
        Ok(match name {
            MYSQL_NATIVE_PASSWORD => (Plugin::Native, native::scramble(ctx.password, nonce)?),
            MYSQL_CLEAR_PASSWORD => (Plugin::Clear, clear::start(ctx)?),
            CACHING_SHA2_PASSWORD => {
                let (state, reply) = caching_sha2::CachingSha2::start(ctx, nonce)?;
                (Plugin::CachingSha2(state), reply)
            }
            SHA256_PASSWORD => {
                let (state, reply) = sha256::Sha256Password::start(ctx, nonce)?;
                (Plugin::Sha256(state), reply)
            }
            CLIENT_ED25519 => (Plugin::Ed25519, ed25519::sign(ctx.password, nonce)?),
            other => return Err(ProtoError::UnsupportedPlugin(other.to_owned())),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Plugin::Native => MYSQL_NATIVE_PASSWORD,
            Plugin::Clear => MYSQL_CLEAR_PASSWORD,
            Plugin::CachingSha2(_) => CACHING_SHA2_PASSWORD,
            Plugin::Sha256(_) => SHA256_PASSWORD,
            Plugin::Ed25519 => CLIENT_ED25519,
        }
    }

    /// The reply to an AuthMoreData packet (its payload without the 0x01 header).
    pub fn more_data(&mut self, ctx: &mut AuthContext<'_>, data: &[u8]) -> Result<AuthStep> {
        match self {
            Plugin::CachingSha2(p) => p.more_data(ctx, data),
            Plugin::Sha256(p) => p.more_data(ctx, data),
            // Single-round plugins never get one.
            Plugin::Native | Plugin::Clear | Plugin::Ed25519 => Err(ProtoError::Malformed(
                "unexpected AuthMoreData for a single-round authentication plugin",
            )),
        }
    }
}

/// `password` followed by a NUL.
pub(crate) fn nul_terminated(password: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(password.len() + 1);
    v.extend_from_slice(password);
    v.push(0);
    v
}

#[cfg(test)]
mod tests {
    use super::public_key::tests::CountingRng;
    use super::*;

    fn start(name: &str, channel: Channel) -> Result<(Plugin, Vec<u8>)> {
        let mut rng = CountingRng(0);
        let mut ctx = AuthContext {
            password: b"secret",
            channel,
            allow_cleartext: false,
            get_server_public_key: true,
            require_verified_tls: false,
            server_public_key: None,
            rng: &mut rng,
        };
        Plugin::start(name, &mut ctx, &(1..=32).collect::<Vec<u8>>())
    }

    #[test]
    fn start_per_plugin() {
        let nonce: Vec<u8> = (1..=32).collect();
        let (p, r) = start(MYSQL_NATIVE_PASSWORD, Channel::Plain).unwrap();
        assert_eq!(
            (p.name(), r),
            (
                MYSQL_NATIVE_PASSWORD,
                native::scramble(b"secret", &nonce).unwrap()
            )
        );
        let (p, r) = start(MYSQL_CLEAR_PASSWORD, Channel::VerifiedTls).unwrap();
        assert_eq!((p.name(), r), (MYSQL_CLEAR_PASSWORD, b"secret\0".to_vec()));
        assert_eq!(
            start(MYSQL_CLEAR_PASSWORD, Channel::UnverifiedTls),
            Err(ProtoError::CleartextRefused(MYSQL_CLEAR_PASSWORD.into()))
        );
        let (p, r) = start(CACHING_SHA2_PASSWORD, Channel::Plain).unwrap();
        assert_eq!(
            (p.name(), r),
            (
                CACHING_SHA2_PASSWORD,
                caching_sha2::scramble(b"secret", &nonce).unwrap()
            )
        );
        let (p, r) = start(SHA256_PASSWORD, Channel::Plain).unwrap();
        assert_eq!(
            (p.name(), r),
            (SHA256_PASSWORD, vec![sha256::REQUEST_PUBLIC_KEY])
        );
        let (p, r) = start(CLIENT_ED25519, Channel::Plain).unwrap();
        assert_eq!(
            (p.name(), r),
            (CLIENT_ED25519, ed25519::sign(b"secret", &nonce).unwrap())
        );
        assert_eq!(
            start("auth_gssapi_client", Channel::VerifiedTls),
            Err(ProtoError::UnsupportedPlugin("auth_gssapi_client".into()))
        );
        for name in [
            MYSQL_NATIVE_PASSWORD,
            CLIENT_ED25519,
            SHA256_PASSWORD,
            CACHING_SHA2_PASSWORD,
        ] {
            assert!(Plugin::supported(name));
        }
        assert!(!Plugin::supported("dialog"));
    }

    /// A nonce shorter than 20 bytes (32 for ed25519) is malformed, for every plugin
    /// that uses one, whatever the password; exactly 20 (or more) is fine.
    #[test]
    fn short_nonces_are_refused() {
        for name in [
            MYSQL_NATIVE_PASSWORD,
            CACHING_SHA2_PASSWORD,
            SHA256_PASSWORD,
            CLIENT_ED25519,
        ] {
            for password in [&b"secret"[..], b""] {
                let mut rng = CountingRng(0);
                let mut ctx = AuthContext {
                    password,
                    channel: Channel::UnixSocket,
                    allow_cleartext: false,
                    get_server_public_key: false,
                    require_verified_tls: false,
                    server_public_key: None,
                    rng: &mut rng,
                };
                let need = if name == CLIENT_ED25519 { 32 } else { 20 };
                for len in [0, 1, 8, need - 1] {
                    let nonce = vec![0x41; len];
                    assert!(
                        matches!(
                            Plugin::start(name, &mut ctx, &nonce),
                            Err(ProtoError::Malformed(_))
                        ),
                        "{name} accepted a {len}-byte nonce"
                    );
                }
                assert!(Plugin::start(name, &mut ctx, &vec![0x41; need]).is_ok());
            }
        }
        // mysql_clear_password uses no nonce: an empty one is normal.
        let mut rng = CountingRng(0);
        let mut ctx = AuthContext {
            password: b"pw",
            channel: Channel::UnixSocket,
            allow_cleartext: false,
            get_server_public_key: false,
            require_verified_tls: false,
            server_public_key: None,
            rng: &mut rng,
        };
        assert!(Plugin::start(MYSQL_CLEAR_PASSWORD, &mut ctx, b"").is_ok());
    }

    #[test]
    fn single_round_plugins_reject_more_data() {
        let mut rng = CountingRng(0);
        let mut ctx = AuthContext {
            password: b"x",
            channel: Channel::UnixSocket,
            allow_cleartext: false,
            get_server_public_key: false,
            require_verified_tls: false,
            server_public_key: None,
            rng: &mut rng,
        };
        for mut p in [Plugin::Native, Plugin::Clear, Plugin::Ed25519] {
            assert!(p.more_data(&mut ctx, b"\x04").is_err());
        }
    }
}
