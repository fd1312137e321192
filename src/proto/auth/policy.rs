//! Where the password may go: the one decision every plugin that reveals it asks.
//!
//! The rules (libmysqlclient's and Connector/J's, and stricter where they trust any TLS):
//! - mysql_clear_password only to a peer the client has verified (TLS whose
//!   certificate was checked, or a Unix socket), unless the user allows it
//!   (`allow_cleartext_password`).
//! - caching_sha2_password / sha256_password full authentication: in clear over TLS
//!   or a Unix socket (the server expects it so). Over TLS whose certificate was not
//!   checked that is libmysqlclient's residual risk, kept by default (MySQL 8's
//!   self-signed certificates) and refused with `auth_requires_verified_tls`.
//!   Over plain TCP: RSA with the key the user pinned (always first), or with the
//!   server's own key only when the user asked for it (`get_server_public_key`),
//!   since a man in the middle would hand over his key.
//! - `auth_requires_verified_tls` overrides both opt-ins: the password goes only to a
//!   verified peer or encrypted to a pinned key.

use super::{AuthContext, ProtoError, Result};

/// What the connection is, as far as a password is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Channel {
    /// TCP without TLS: anyone on the path reads it.
    #[default]
    Plain,
    /// TLS, but the server's certificate was not checked (ssl_mode PREFERRED or
    /// REQUIRED): private from eavesdroppers, not from a man in the middle.
    UnverifiedTls,
    /// TLS with the certificate checked (VERIFY_CA or VERIFY_IDENTITY).
    VerifiedTls,
    /// A Unix socket: the peer is a local process named by a file path.
    UnixSocket,
}

impl Channel {
    /// The server expects a password in clear on this channel (TLS or a socket).
    pub fn encrypted(self) -> bool {
        !matches!(self, Channel::Plain)
    }
    /// The client knows who the peer is.
    pub fn verified(self) -> bool {
        matches!(self, Channel::VerifiedTls | Channel::UnixSocket)
    }
}

/// How caching_sha2_password / sha256_password send the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullAuth<'a> {
    /// NUL-terminated, as is (TLS or a socket).
    Clear,
    /// RSA-encrypted with this PEM key (the pinned one).
    Encrypt(&'a [u8]),
    /// Ask the server for its key first.
    RequestKey,
}

/// May mysql_clear_password send the password?
pub fn clear_plugin(ctx: &AuthContext<'_>, plugin: &'static str) -> Result<()> {
    if ctx.channel.verified() {
        return Ok(());
    }
    if ctx.require_verified_tls {
        return Err(ProtoError::Auth {
            plugin,
            reason: format!(
                "auth_requires_verified_tls=True: the password is sent in clear only over \
                 TLS with a verified certificate (ssl_mode=\"VERIFY_CA\" or \
                 \"VERIFY_IDENTITY\") or a Unix socket, and this connection is {}",
                describe(ctx.channel)
            ),
        });
    }
    if ctx.allow_cleartext {
        return Ok(());
    }
    Err(ProtoError::CleartextRefused(plugin.into()))
}

/// How full authentication of `plugin` may send the password, or why it may not.
pub fn full_auth<'a>(ctx: &AuthContext<'a>, plugin: &'static str) -> Result<FullAuth<'a>> {
    let refuse = |reason: String| Err(ProtoError::Auth { plugin, reason });
    match ctx.channel {
        Channel::VerifiedTls | Channel::UnixSocket => Ok(FullAuth::Clear),
        Channel::UnverifiedTls if ctx.require_verified_tls => refuse(
            "auth_requires_verified_tls=True: refusing to send the password inside a TLS \
             session whose certificate was not verified; connect with \
             ssl_mode=\"VERIFY_IDENTITY\" (or \"VERIFY_CA\") and the server's CA"
                .into(),
        ),
        Channel::UnverifiedTls => Ok(FullAuth::Clear),
        Channel::Plain => match ctx.server_public_key {
            Some(pem) => Ok(FullAuth::Encrypt(pem)),
            None if ctx.get_server_public_key && !ctx.require_verified_tls => {
                Ok(FullAuth::RequestKey)
            }
            None if ctx.get_server_public_key => refuse(
                "auth_requires_verified_tls=True forbids encrypting the password with a key \
                 the server sends (get_server_public_key): give server_public_key or \
                 server_public_key_path, or connect with ssl_mode=\"VERIFY_IDENTITY\""
                    .into(),
            ),
            None => refuse(
                "Authentication requires secure connection. The connection has no TLS \
                 and no server public key: connect with TLS (ssl_mode=\"VERIFY_IDENTITY\"), \
                 give the server's RSA key (server_public_key or server_public_key_path), \
                 or let the client fetch it from the server with get_server_public_key=True \
                 (a man in the middle could then read the password)"
                    .into(),
            ),
        },
    }
}

fn describe(channel: Channel) -> &'static str {
    match channel {
        Channel::Plain => "plain TCP",
        Channel::UnverifiedTls => "TLS with an unverified certificate",
        Channel::VerifiedTls => "TLS with a verified certificate",
        Channel::UnixSocket => "a Unix socket",
    }
}

#[cfg(test)]
mod tests {
    use super::super::public_key::tests::CountingRng;
    use super::*;
    use Channel::*;

    const PLUGIN: &str = "p";

    fn ctx<'a>(
        rng: &'a mut CountingRng,
        channel: Channel,
        (allow, fetch, strict): (bool, bool, bool),
        key: Option<&'a [u8]>,
    ) -> AuthContext<'a> {
        AuthContext {
            password: b"pw",
            channel,
            allow_cleartext: allow,
            get_server_public_key: fetch,
            require_verified_tls: strict,
            server_public_key: key,
            rng,
        }
    }

    #[test]
    fn clear_plugin_table() {
        use crate::error::cr::{CR_AUTH_PLUGIN_CANNOT_LOAD, CR_AUTH_PLUGIN_ERR};
        let mut rng = CountingRng(0);
        // (channel, allow_cleartext, strict) -> allowed, or the code of the refusal
        // (CR_AUTH_PLUGIN_CANNOT_LOAD: not allowed; CR_AUTH_PLUGIN_ERR: refused by the
        // strict option).
        let table = [
            (Plain, false, false, Err(CR_AUTH_PLUGIN_CANNOT_LOAD)),
            (Plain, true, false, Ok(())),
            (Plain, true, true, Err(CR_AUTH_PLUGIN_ERR)),
            (UnverifiedTls, false, false, Err(CR_AUTH_PLUGIN_CANNOT_LOAD)),
            (UnverifiedTls, true, false, Ok(())),
            (UnverifiedTls, true, true, Err(CR_AUTH_PLUGIN_ERR)),
            (VerifiedTls, false, false, Ok(())),
            (VerifiedTls, false, true, Ok(())),
            (UnixSocket, false, false, Ok(())),
            (UnixSocket, false, true, Ok(())),
        ];
        for (channel, allow, strict, want) in table {
            let c = ctx(&mut rng, channel, (allow, false, strict), None);
            let got = clear_plugin(&c, PLUGIN).map_err(|e| match e {
                ProtoError::CleartextRefused(_) => CR_AUTH_PLUGIN_CANNOT_LOAD,
                ProtoError::Auth { .. } => CR_AUTH_PLUGIN_ERR,
                other => panic!("{other:?}"),
            });
            assert_eq!(got, want, "{channel:?} allow={allow} strict={strict}");
        }
    }

    #[test]
    fn full_auth_table() {
        let mut rng = CountingRng(0);
        let key: &[u8] = b"PEM";
        // (channel, get_server_public_key, strict, pinned key) -> decision (None: refused,
        // CR_AUTH_PLUGIN_ERR)
        type Row<'k> = (Channel, bool, bool, Option<&'k [u8]>, Option<FullAuth<'k>>);
        let table: [Row; 14] = [
            (Plain, false, false, None, None),
            (Plain, true, false, None, Some(FullAuth::RequestKey)),
            (Plain, true, true, None, None),
            (Plain, false, false, Some(key), Some(FullAuth::Encrypt(key))),
            // A pinned key wins over fetching.
            (Plain, true, false, Some(key), Some(FullAuth::Encrypt(key))),
            (Plain, true, true, Some(key), Some(FullAuth::Encrypt(key))),
            (UnverifiedTls, false, false, None, Some(FullAuth::Clear)),
            (UnverifiedTls, true, false, Some(key), Some(FullAuth::Clear)),
            (UnverifiedTls, false, true, None, None),
            (UnverifiedTls, true, true, Some(key), None),
            (VerifiedTls, false, false, None, Some(FullAuth::Clear)),
            (VerifiedTls, false, true, None, Some(FullAuth::Clear)),
            (UnixSocket, false, false, None, Some(FullAuth::Clear)),
            (UnixSocket, false, true, Some(key), Some(FullAuth::Clear)),
        ];
        for (channel, fetch, strict, pinned, want) in table {
            let c = ctx(&mut rng, channel, (false, fetch, strict), pinned);
            let got = full_auth(&c, PLUGIN);
            match want {
                Some(w) => assert_eq!(got, Ok(w), "{channel:?} {fetch} {strict} {pinned:?}"),
                None => assert!(
                    matches!(got, Err(ProtoError::Auth { plugin: PLUGIN, .. })),
                    "{channel:?} {fetch} {strict} {pinned:?}: {got:?}"
                ),
            }
        }
        // allow_cleartext_password never makes plain TCP send the password in clear.
        let c = ctx(&mut rng, Plain, (true, false, false), None);
        assert!(full_auth(&c, PLUGIN).is_err());
        // The refusal says what to do.
        let c = ctx(&mut rng, Plain, (false, false, false), None);
        let msg = full_auth(&c, PLUGIN).unwrap_err().to_string();
        for needle in [
            "requires secure connection",
            "server_public_key",
            "get_server_public_key=True",
            "VERIFY_IDENTITY",
        ] {
            assert!(msg.contains(needle), "{msg}");
        }
    }
}
