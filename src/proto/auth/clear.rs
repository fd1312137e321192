//! mysql_clear_password: the password itself, NUL-terminated. Used by servers that
//! check passwords elsewhere (PAM, LDAP). Refused unless the channel is TLS or a Unix
//! socket, or the user explicitly allowed it.

use super::{AuthContext, ProtoError, Result};

pub const NAME: &str = "mysql_clear_password";

pub fn start(ctx: &AuthContext<'_>) -> Result<Vec<u8>> {
    if !ctx.secure && !ctx.allow_cleartext {
        return Err(ProtoError::CleartextRefused(NAME.into()));
    }
    Ok(super::nul_terminated(ctx.password))
}

#[cfg(test)]
mod tests {
    use super::super::public_key::tests::CountingRng;
    use super::*;

    #[test]
    fn only_when_secure_or_allowed() {
        let mut rng = CountingRng(0);
        for (secure, allow, ok) in [
            (false, false, false),
            (true, false, true),
            (false, true, true),
            (true, true, true),
        ] {
            let c = AuthContext {
                password: b"pw",
                secure,
                allow_cleartext: allow,
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
