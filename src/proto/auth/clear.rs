//! mysql_clear_password: the password itself, NUL-terminated. Used by servers that
//! check passwords elsewhere (PAM, LDAP). Sent only to a verified peer (TLS with a
//! checked certificate, or a Unix socket) unless the user allowed it: see [`policy`].
//!
//! [`policy`]: super::policy

use super::{policy, AuthContext, Result};

pub const NAME: &str = "mysql_clear_password";

pub fn start(ctx: &AuthContext<'_>) -> Result<Vec<u8>> {
    policy::clear_plugin(ctx, NAME)?;
    Ok(super::nul_terminated(ctx.password))
}

#[cfg(test)]
mod tests {
    use super::super::public_key::tests::CountingRng;
    use super::super::{Channel, ProtoError};
    use super::*;

    #[test]
    fn only_to_a_verified_peer_or_when_allowed() {
        let mut rng = CountingRng(0);
        for (channel, allow, ok) in [
            (Channel::Plain, false, false),
            (Channel::UnverifiedTls, false, false),
            (Channel::VerifiedTls, false, true),
            (Channel::UnixSocket, false, true),
            (Channel::Plain, true, true),
            (Channel::UnverifiedTls, true, true),
        ] {
            let c = AuthContext {
                password: b"pw",
                channel,
                allow_cleartext: allow,
                get_server_public_key: false,
                require_verified_tls: false,
                server_public_key: None,
                rng: &mut rng,
            };
            let r = start(&c);
            if ok {
                assert_eq!(r.unwrap(), b"pw\0");
            } else {
                assert_eq!(r, Err(ProtoError::CleartextRefused(NAME.into())));
            }
        }
    }
}
