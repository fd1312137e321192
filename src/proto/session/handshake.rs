//! Connection phase: greeting -> response -> (auth switch / more data)* -> OK or ERR.

use rand_core::{CryptoRngCore, OsRng};
use zeroize::Zeroize;

use super::super::auth::{AuthContext, AuthStep, Channel, Plugin, MYSQL_NATIVE_PASSWORD};
use super::super::compress::Algorithm;
use super::super::packets::generic::{EOF_HEADER, ERR_HEADER, OK_HEADER};
use super::super::packets::{ErrPacket, Greeting, HandshakeResponse, OkPacket};
use super::super::reader::Reader;
use super::super::writer::{put_lenenc_bytes, put_u32};
use super::super::{ProtoError, Result};
use crate::consts::capability::*;
use crate::secret::Secret;

/// AuthMoreData: extra plugin data from the server (caching_sha2_password, ...).
const AUTH_MORE_DATA: u8 = 0x01;

/// Auth switch requests and AuthMoreData packets one login may take. The longest real
/// exchange is 3 (a switch to caching_sha2_password, "perform full authentication",
/// the server's key); libmysqlclient follows a single switch. A server that goes on
/// is malformed (2027), not a reason to loop.
pub const MAX_AUTH_ROUNDS: u32 = 5;

/// What we ask for from every server (then masked by what it offers).
/// CLIENT_SESSION_TRACK stays off until something reads session state.
pub const BASE_CAPABILITIES: u32 = CLIENT_LONG_PASSWORD
    | CLIENT_LONG_FLAG
    | CLIENT_PROTOCOL_41
    | CLIENT_TRANSACTIONS
    | CLIENT_SECURE_CONNECTION
    | CLIENT_MULTI_RESULTS
    | CLIENT_PS_MULTI_RESULTS
    | CLIENT_PLUGIN_AUTH
    | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
    | CLIENT_CONNECT_ATTRS
    | CLIENT_DEPRECATE_EOF;

/// User flags we never pass through: compression and TLS need support in the
/// layers below, which must ask for them explicitly.
const USER_FLAG_MASK: u32 = !(CLIENT_COMPRESS
    | CLIENT_ZSTD_COMPRESSION_ALGORITHM
    | CLIENT_SSL
    | CLIENT_SSL_VERIFY_SERVER_CERT);

#[derive(Debug, Clone, Default)]
pub struct HandshakeConfig {
    pub user: Vec<u8>,
    pub password: Secret,
    pub database: Option<Vec<u8>>,
    /// Collation id sent in the response (one byte on the wire).
    pub collation: u8,
    /// Extra CLIENT_* flags the user asked for (client_flag), e.g. CLIENT_FOUND_ROWS.
    pub client_flag: u32,
    pub connect_attrs: Vec<(String, String)>,
    pub max_packet_size: u32,
    /// Ask for TLS when the server offers it (CLIENT_SSL).
    pub tls: bool,
    /// TLS, when it is used, checks the server's certificate (VERIFY_CA or stronger):
    /// only then is the TLS peer verified for passwords.
    pub tls_verified: bool,
    /// The connection is a Unix socket: a verified peer for passwords.
    pub unix_socket: bool,
    /// Allow mysql_clear_password to a peer that is not verified.
    pub allow_cleartext: bool,
    /// Allow asking the server for its RSA key over plain TCP.
    pub get_server_public_key: bool,
    /// Send the password only to a verified peer or encrypted to a pinned key.
    pub auth_requires_verified_tls: bool,
    /// The server's RSA public key (PEM) for caching_sha2_password/sha256_password
    /// over plain TCP; it always wins over a key the server would send.
    pub server_public_key: Option<Vec<u8>>,
    /// Ask for protocol compression. zstd falls back to zlib on a server without it.
    pub compress: Option<Algorithm>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeStep {
    /// Send this payload (the framer assigns the sequence id) and feed the reply.
    Send(Vec<u8>),
    /// Send nothing: read the server's next packet and feed it.
    Wait,
    /// Authenticated.
    Done(OkPacket),
    /// The server refused (bad password, unknown database, ...).
    Failed(ErrPacket),
}

pub struct Handshake {
    config: HandshakeConfig,
    greeting: Option<Greeting>,
    capabilities: u32,
    mariadb_capabilities: u32,
    /// The authentication plugin in use (None before the greeting).
    auth: Option<Plugin>,
    /// Auth switches and AuthMoreData packets so far (bounded by MAX_AUTH_ROUNDS).
    rounds: u32,
    /// Randomness for RSA padding (the OS's unless a test injects its own).
    rng: Box<dyn CryptoRngCore + Send>,
}

impl Handshake {
    pub fn new(config: HandshakeConfig) -> Self {
        Self::with_rng(config, Box::new(OsRng))
    }
    /// A handshake whose RSA padding draws from `rng` (for replayable tests).
    pub fn with_rng(config: HandshakeConfig, rng: Box<dyn CryptoRngCore + Send>) -> Self {
        Handshake {
            config,
            greeting: None,
            capabilities: 0,
            mariadb_capabilities: 0,
            auth: None,
            rounds: 0,
            rng,
        }
    }
    /// What the connection is for a password (valid after `greeting`): a socket stays
    /// a socket with TLS on top; TLS counts as verified only when its mode checks the
    /// certificate.
    pub fn channel(&self) -> Channel {
        if self.config.unix_socket {
            Channel::UnixSocket
        } else if !self.tls() {
            Channel::Plain
        } else if self.config.tls_verified {
            Channel::VerifiedTls
        } else {
            Channel::UnverifiedTls
        }
    }
    fn context(&mut self) -> AuthContext<'_> {
        AuthContext {
            channel: self.channel(),
            password: self.config.password.expose(),
            allow_cleartext: self.config.allow_cleartext,
            get_server_public_key: self.config.get_server_public_key,
            require_verified_tls: self.config.auth_requires_verified_tls,
            server_public_key: self.config.server_public_key.as_deref(),
            rng: &mut *self.rng,
        }
    }
    /// Feed the server's first packet (a greeting, or an ERR such as "too many
    /// connections"): returns the HandshakeResponse41 to send, or Failed.
    pub fn greeting(&mut self, payload: &[u8]) -> Result<HandshakeStep> {
        if payload.first() == Some(&ERR_HEADER) {
            return Ok(HandshakeStep::Failed(ErrPacket::decode(payload)?));
        }
        let g = Greeting::decode(payload)?;
        if g.capabilities & CLIENT_PROTOCOL_41 == 0 {
            return Err(ProtoError::OldServer);
        }
        let mut wanted = BASE_CAPABILITIES | (self.config.client_flag & USER_FLAG_MASK);
        if self.config.database.is_some() {
            wanted |= CLIENT_CONNECT_WITH_DB;
        } else {
            wanted &= !CLIENT_CONNECT_WITH_DB;
        }
        if self.config.tls {
            wanted |= CLIENT_SSL;
        }
        wanted |= match self.config.compress {
            None => 0,
            Some(Algorithm::Zlib) => CLIENT_COMPRESS,
            Some(Algorithm::Zstd(_)) if g.capabilities & CLIENT_ZSTD_COMPRESSION_ALGORITHM != 0 => {
                CLIENT_ZSTD_COMPRESSION_ALGORITHM
            }
            Some(Algorithm::Zstd(_)) => CLIENT_COMPRESS,
        };
        let caps = wanted & g.capabilities;
        // Of MariaDB's extensions only bulk execution (executemany); progress reports
        // and the metadata cache change what the server sends and are not asked for.
        let mariadb_caps = g.mariadb_capabilities & MARIADB_CLIENT_STMT_BULK_OPERATIONS;

        // The server's default plugin; one we do not implement is answered with
        // mysql_native_password, and the server switches to the account's plugin
        // if that is not it (an unsupported one then fails on the switch).
        let plugin_name =
            if caps & CLIENT_PLUGIN_AUTH != 0 && Plugin::supported(&g.auth_plugin_name) {
                g.auth_plugin_name.clone()
            } else {
                MYSQL_NATIVE_PASSWORD.to_owned()
            };
        self.capabilities = caps;
        let (plugin, auth_response) =
            Plugin::start(&plugin_name, &mut self.context(), &g.auth_plugin_data)?;
        let mut response = HandshakeResponse {
            capabilities: caps,
            max_packet_size: self.config.max_packet_size,
            collation: self.config.collation,
            user: self.config.user.clone(),
            auth_response,
            database: if caps & CLIENT_CONNECT_WITH_DB != 0 {
                self.config.database.clone()
            } else {
                None
            },
            auth_plugin_name: plugin.name().to_owned(),
            connect_attrs: self.config.connect_attrs.clone(),
            mariadb_capabilities: mariadb_caps,
            zstd_level: match self.config.compress {
                Some(Algorithm::Zstd(level)) => level.clamp(1, 22) as u8,
                _ => 0,
            },
        };
        self.mariadb_capabilities = mariadb_caps;
        self.auth = Some(plugin);
        self.greeting = Some(g);
        let encoded = response.encode();
        // The answer may be the password itself: only the caller's copy stays.
        response.auth_response.zeroize();
        Ok(HandshakeStep::Send(encoded))
    }
    /// COM_CHANGE_USER on an authenticated session: the same authentication exchange,
    /// begun from the session's original greeting (its nonce and plugin) with the
    /// capabilities agreed then. Returns the command's payload; feed the replies to
    /// [`Handshake::packet`].
    pub fn change_user(&mut self, greeting: Greeting, capabilities: u32) -> Result<Vec<u8>> {
        self.capabilities = capabilities;
        let plugin_name = if capabilities & CLIENT_PLUGIN_AUTH != 0
            && Plugin::supported(&greeting.auth_plugin_name)
        {
            greeting.auth_plugin_name.clone()
        } else {
            MYSQL_NATIVE_PASSWORD.to_owned()
        };
        let (plugin, mut auth) = Plugin::start(
            &plugin_name,
            &mut self.context(),
            &greeting.auth_plugin_data,
        )?;
        let mut out = vec![crate::consts::command::COM_CHANGE_USER];
        out.extend_from_slice(&self.config.user);
        out.push(0);
        if capabilities & CLIENT_SECURE_CONNECTION != 0 {
            // One length byte: a longer answer (a long clear-text password) cannot
            // be sent, and cutting it would only make a wrong login.
            let n = u8::try_from(auth.len()).map_err(|_| ProtoError::Auth {
                plugin: plugin.name(),
                reason: "the authentication answer is too long for COM_CHANGE_USER".into(),
            })?;
            out.push(n);
            out.extend_from_slice(&auth);
        } else {
            out.extend_from_slice(&auth);
            out.push(0);
        }
        auth.zeroize();
        out.extend_from_slice(self.config.database.as_deref().unwrap_or_default());
        out.push(0);
        out.extend_from_slice(&u16::from(self.config.collation).to_le_bytes());
        if capabilities & CLIENT_PLUGIN_AUTH != 0 {
            out.extend_from_slice(plugin.name().as_bytes());
            out.push(0);
        }
        if capabilities & CLIENT_CONNECT_ATTRS != 0 {
            let mut block = Vec::new();
            for (k, v) in &self.config.connect_attrs {
                put_lenenc_bytes(&mut block, k.as_bytes());
                put_lenenc_bytes(&mut block, v.as_bytes());
            }
            put_lenenc_bytes(&mut out, &block);
        }
        self.auth = Some(plugin);
        self.greeting = Some(greeting);
        Ok(out)
    }
    /// Feed every later server packet until Done or Failed.
    pub fn packet(&mut self, payload: &[u8]) -> Result<HandshakeStep> {
        let Some(mut plugin) = self.auth.take() else {
            return Err(ProtoError::Malformed(
                "handshake packet before the greeting",
            ));
        };
        let step = self.auth_packet(&mut plugin, payload);
        self.auth = Some(plugin);
        step
    }
    fn auth_packet(&mut self, plugin: &mut Plugin, payload: &[u8]) -> Result<HandshakeStep> {
        if matches!(payload.first(), Some(&EOF_HEADER | &AUTH_MORE_DATA)) {
            self.rounds += 1;
            if self.rounds > MAX_AUTH_ROUNDS {
                return Err(ProtoError::Malformed(
                    "the server went on with authentication beyond 5 rounds",
                ));
                // The message says 5.
                const _: () = assert!(MAX_AUTH_ROUNDS == 5);
            }
        }
        match payload.first() {
            Some(&OK_HEADER) => Ok(HandshakeStep::Done(OkPacket::decode(
                payload,
                self.capabilities,
            )?)),
            Some(&ERR_HEADER) => Ok(HandshakeStep::Failed(ErrPacket::decode(payload)?)),
            Some(&EOF_HEADER) => {
                // AuthSwitchRequest: plugin name, then that plugin's nonce. A bare
                // 0xFE is the pre-4.1 request for mysql_old_password.
                let mut r = Reader::new(&payload[1..]);
                if r.is_empty() {
                    return Err(ProtoError::UnsupportedPlugin("mysql_old_password".into()));
                }
                let name = String::from_utf8_lossy(r.null_terminated_or_rest()).into_owned();
                // The raw plugin data: each plugin takes the bytes it needs (20 for
                // the scrambles, which drops the NUL MySQL appends; 32 for ed25519,
                // whose nonce has no terminator and may itself end in a zero byte).
                let nonce = r.rest();
                let (next, reply) = Plugin::start(&name, &mut self.context(), nonce)?;
                *plugin = next;
                Ok(HandshakeStep::Send(reply))
            }
            Some(&AUTH_MORE_DATA) => Ok(
                match plugin.more_data(&mut self.context(), &payload[1..])? {
                    AuthStep::Send(reply) => HandshakeStep::Send(reply),
                    AuthStep::Wait => HandshakeStep::Wait,
                },
            ),
            Some(_) => Err(ProtoError::Malformed(
                "unexpected packet during authentication",
            )),
            None => Err(ProtoError::Malformed("empty packet during authentication")),
        }
    }
    pub fn server(&self) -> Option<&Greeting> {
        self.greeting.as_ref()
    }
    /// Capabilities both sides agreed on (valid after `greeting`).
    pub fn capabilities(&self) -> u32 {
        self.capabilities
    }
    /// MariaDB extended capabilities both sides agreed on.
    pub fn mariadb_capabilities(&self) -> u32 {
        self.mariadb_capabilities
    }
    /// The compression both sides agreed on; it starts after the final OK.
    pub fn compression(&self) -> Option<Algorithm> {
        if self.capabilities & CLIENT_ZSTD_COMPRESSION_ALGORITHM != 0 {
            match self.config.compress {
                Some(Algorithm::Zstd(level)) => Some(Algorithm::Zstd(level.clamp(1, 22))),
                _ => None,
            }
        } else if self.capabilities & CLIENT_COMPRESS != 0 {
            Some(Algorithm::Zlib)
        } else {
            None
        }
    }
    /// True when TLS was asked for and the server offers it: the caller sends
    /// [`Handshake::ssl_request`], starts TLS, then sends the response.
    pub fn tls(&self) -> bool {
        self.capabilities & CLIENT_SSL != 0
    }
    /// The SSLRequest packet: the fixed-length head of HandshakeResponse41.
    pub fn ssl_request(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        put_u32(&mut out, self.capabilities);
        put_u32(&mut out, self.config.max_packet_size);
        out.push(self.config.collation);
        out.extend_from_slice(&[0; 19]);
        put_u32(&mut out, self.mariadb_capabilities);
        out
    }
    /// Name of the authentication plugin in use (empty before the greeting).
    pub fn plugin(&self) -> &str {
        self.auth.as_ref().map_or("", Plugin::name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::testutil::{all_prefixes, captured, unhex};
    use super::*;
    use crate::consts::status::SERVER_STATUS_AUTOCOMMIT;

    /// The configuration capture.py used for sessions a, b, d and e.
    fn capture_config() -> HandshakeConfig {
        HandshakeConfig {
            user: b"root".to_vec(),
            password: Secret::default(),
            database: Some(b"test".to_vec()),
            collation: 45,
            // The driver's Python layer asks for multi-statements by default.
            client_flag: CLIENT_MULTI_STATEMENTS,
            connect_attrs: vec![
                ("_client_name".into(), "unshaken-capture".into()),
                ("_pid".into(), "1".into()),
            ],
            max_packet_size: 16 << 20,
            tls: false,
            tls_verified: false,
            unix_socket: false,
            allow_cleartext: false,
            get_server_public_key: false,
            auth_requires_verified_tls: false,
            server_public_key: None,
            compress: None,
        }
    }

    #[test]
    fn change_user_payload() {
        let greeting = Greeting::decode(&captured("a", "greeting")).unwrap();
        let config = HandshakeConfig {
            user: b"bob".to_vec(),
            password: b"secret".to_vec().into(),
            database: None,
            ..capture_config()
        };
        let caps = BASE_CAPABILITIES & greeting.capabilities;
        let mut hs = Handshake::new(config);
        let p = hs.change_user(greeting.clone(), caps).unwrap();
        let scramble =
            crate::proto::auth::native::scramble(b"secret", &greeting.auth_plugin_data).unwrap();
        let mut want = vec![0x11];
        want.extend_from_slice(b"bob\0");
        want.push(20);
        want.extend_from_slice(&scramble);
        want.extend_from_slice(b"\0"); // no database
        want.extend_from_slice(&45u16.to_le_bytes());
        want.extend_from_slice(b"mysql_native_password\0");
        assert_eq!(&p[..want.len()], &want[..]);
        // Connect attributes close it, as in the handshake response.
        let attrs = Reader::new(&p[want.len()..])
            .lenenc_bytes_not_null()
            .unwrap()
            .len();
        assert!(attrs > 0);
        // The server's OK (or its auth switch) continues through packet().
        assert!(matches!(
            hs.packet(&[0, 0, 0, 2, 0, 0, 0]).unwrap(),
            HandshakeStep::Done(_)
        ));
    }

    #[test]
    fn compression_negotiation() {
        let plain = captured("a", "greeting");
        let offer = |caps: u32| {
            let mut g = Greeting::decode(&plain).unwrap();
            g.capabilities |= caps;
            g.encode()
        };
        let ask = |algorithm, greeting: &[u8]| {
            let mut hs = Handshake::new(HandshakeConfig {
                compress: Some(algorithm),
                ..capture_config()
            });
            let response = send(hs.greeting(greeting).unwrap());
            (
                hs.compression(),
                HandshakeResponse::decode(&response).unwrap(),
            )
        };
        // The captured MariaDB offers zlib only: zstd falls back to it.
        let (got, resp) = ask(Algorithm::Zstd(7), &plain);
        assert_eq!(got, Some(Algorithm::Zlib));
        assert_eq!(resp.capabilities & CLIENT_ZSTD_COMPRESSION_ALGORITHM, 0);
        // A server with zstd: the level travels at the end of the response.
        let (got, resp) = ask(
            Algorithm::Zstd(7),
            &offer(CLIENT_ZSTD_COMPRESSION_ALGORITHM),
        );
        assert_eq!(got, Some(Algorithm::Zstd(7)));
        assert_eq!(resp.zstd_level, 7);
        assert_eq!(resp.capabilities & CLIENT_COMPRESS, 0);
        // A server without compression: none, and nothing asked.
        let mut g = Greeting::decode(&plain).unwrap();
        g.capabilities &= !CLIENT_COMPRESS;
        let (got, resp) = ask(Algorithm::Zlib, &g.encode());
        assert_eq!(got, None);
        assert_eq!(resp.capabilities & CLIENT_COMPRESS, 0);
        // Not asked: never on.
        let mut hs = Handshake::new(capture_config());
        hs.greeting(&offer(CLIENT_ZSTD_COMPRESSION_ALGORITHM))
            .unwrap();
        assert_eq!(hs.compression(), None);
    }

    #[test]
    fn tls_only_when_asked_and_offered() {
        let plain = captured("a", "greeting");
        let mut with_ssl = Greeting::decode(&plain).unwrap();
        with_ssl.capabilities |= CLIENT_SSL;
        let with_ssl = with_ssl.encode();
        let asking = HandshakeConfig {
            tls: true,
            ..capture_config()
        };

        // Asked, but the server does not offer it: no CLIENT_SSL anywhere.
        let mut hs = Handshake::new(asking.clone());
        hs.greeting(&plain).unwrap();
        assert!(!hs.tls());
        assert_eq!(hs.capabilities() & CLIENT_SSL, 0);

        // Offered, but not asked.
        let mut hs = Handshake::new(capture_config());
        hs.greeting(&with_ssl).unwrap();
        assert!(!hs.tls());

        // Both: the SSLRequest is the 32-byte head of the response, CLIENT_SSL set.
        let mut hs = Handshake::new(asking);
        let response = send(hs.greeting(&with_ssl).unwrap());
        assert!(hs.tls());
        let request = hs.ssl_request();
        assert_eq!(request.len(), 32);
        assert_eq!(request[..], response[..32]);
        let decoded = HandshakeResponse::decode(&response).unwrap();
        assert_ne!(decoded.capabilities & CLIENT_SSL, 0);
        assert_eq!(
            u32::from_le_bytes(request[..4].try_into().unwrap()),
            decoded.capabilities
        );
    }

    fn send(step: HandshakeStep) -> Vec<u8> {
        match step {
            HandshakeStep::Send(v) => v,
            other => panic!("expected Send, got {other:?}"),
        }
    }

    #[test]
    fn replays_captured_login() {
        let mut hs = Handshake::new(capture_config());
        let sent = send(hs.greeting(&captured("a", "greeting")).unwrap());
        // Byte for byte what the real server accepted, but for the MariaDB capabilities
        // in the filler (bytes 28..32): the capture predates asking for bulk execution.
        let mut want = captured("a", "response");
        want[28..32].copy_from_slice(&MARIADB_CLIENT_STMT_BULK_OPERATIONS.to_le_bytes());
        assert_eq!(sent, want);
        let caps = hs.capabilities();
        // MariaDB clears bit 0 (CLIENT_LONG_PASSWORD, which it reads as CLIENT_MYSQL).
        assert_eq!(
            caps,
            (BASE_CAPABILITIES | CLIENT_CONNECT_WITH_DB | CLIENT_MULTI_STATEMENTS) & !CLIENT_MYSQL
        );
        assert_eq!(
            caps & (CLIENT_SESSION_TRACK | CLIENT_SSL | CLIENT_COMPRESS),
            0
        );
        assert_eq!(
            hs.mariadb_capabilities(),
            MARIADB_CLIENT_STMT_BULK_OPERATIONS
        );
        assert_eq!(hs.plugin(), MYSQL_NATIVE_PASSWORD);
        assert!(hs.server().unwrap().is_mariadb());
        let ok = OkPacket {
            status: SERVER_STATUS_AUTOCOMMIT,
            ..Default::default()
        };
        assert_eq!(
            hs.packet(&captured("a", "ok")).unwrap(),
            HandshakeStep::Done(ok)
        );
    }

    #[test]
    fn password_and_flags() {
        let config = HandshakeConfig {
            password: b"secret".to_vec().into(),
            database: None,
            client_flag: CLIENT_FOUND_ROWS
                | CLIENT_COMPRESS
                | CLIENT_SSL
                | CLIENT_INTERACTIVE
                | (1 << 29),
            ..capture_config()
        };
        let mut hs = Handshake::new(config);
        let sent = send(hs.greeting(&captured("a", "greeting")).unwrap());
        let r = HandshakeResponse::decode(&sent).unwrap();
        let caps = (BASE_CAPABILITIES | CLIENT_FOUND_ROWS | CLIENT_INTERACTIVE) & !CLIENT_MYSQL;
        assert_eq!(r.capabilities, caps);
        assert_eq!(hs.capabilities(), caps);
        assert_eq!(r.database, None);
        // Scramble of "secret" with the captured nonce, computed with Python's hashlib.
        assert_eq!(
            r.auth_response,
            unhex("d0fadefef78e3932e6d9b980290527c29eae35db")
        );
        assert_eq!(r.auth_plugin_name, MYSQL_NATIVE_PASSWORD);
        assert_eq!(r.user, b"root");
    }

    #[test]
    fn auth_switch() {
        let mut hs = Handshake::new(capture_config());
        send(hs.greeting(&captured("d", "greeting")).unwrap());
        // Empty password: empty reply, as sent in the capture.
        let reply = send(hs.packet(&captured("d", "switch")).unwrap());
        assert_eq!(reply, captured("d", "switch_response"));
        assert!(matches!(
            hs.packet(&captured("d", "ok")).unwrap(),
            HandshakeStep::Done(_)
        ));

        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            ..capture_config()
        });
        send(hs.greeting(&captured("d", "greeting")).unwrap());
        let reply = send(hs.packet(&captured("d", "switch")).unwrap());
        assert_eq!(reply, unhex("78d099a5040b4bf5ee08a736229cef595a26300e"));

        // Clear text over plain TCP is refused; the plugin in use does not change.
        assert_eq!(
            hs.packet(b"\xfemysql_clear_password\0"),
            Err(ProtoError::CleartextRefused("mysql_clear_password".into()))
        );
        assert_eq!(hs.plugin(), MYSQL_NATIVE_PASSWORD);
        // ed25519 needs a 32-byte nonce; then something unknown.
        assert!(matches!(
            hs.packet(b"\xfeclient_ed25519\0abc\0"),
            Err(ProtoError::Malformed(_))
        ));
        assert_eq!(
            hs.packet(b"\xfeauth_gssapi_client\0abc\0"),
            Err(ProtoError::UnsupportedPlugin("auth_gssapi_client".into()))
        );
        assert_eq!(
            hs.packet(b"\xfe"),
            Err(ProtoError::UnsupportedPlugin("mysql_old_password".into()))
        );
    }

    #[test]
    fn failures() {
        let mut hs = Handshake::new(capture_config());
        assert!(hs.packet(&captured("a", "ok")).is_err());
        // ERR instead of a greeting.
        match hs.greeting(b"\xff\x10\x04Too many connections").unwrap() {
            HandshakeStep::Failed(e) => assert_eq!(e.code, 1040),
            other => panic!("{other:?}"),
        }
        let mut hs = Handshake::new(capture_config());
        send(hs.greeting(&captured("e", "greeting")).unwrap());
        match hs.packet(&captured("e", "err")).unwrap() {
            HandshakeStep::Failed(e) => assert_eq!((e.code, &e.sqlstate), (1049, b"42000")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            hs.packet(b"\x01\x03"),
            Err(ProtoError::Malformed(_))
        ));
        assert!(hs.packet(b"\x02").is_err());
        assert!(hs.packet(b"").is_err());
    }

    #[test]
    fn unknown_greeting_plugin_falls_back_and_41_required() {
        let mut g = Greeting::decode(&captured("a", "greeting")).unwrap();
        g.auth_plugin_name = "auth_gssapi_client".into();
        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            ..capture_config()
        });
        let r = HandshakeResponse::decode(&send(hs.greeting(&g.encode()).unwrap())).unwrap();
        assert_eq!(r.auth_plugin_name, MYSQL_NATIVE_PASSWORD);
        assert_eq!(hs.plugin(), MYSQL_NATIVE_PASSWORD);
        // The server then switches to the account's plugin: unsupported is an error.
        assert_eq!(
            hs.packet(b"\xfeauth_gssapi_client\0x"),
            Err(ProtoError::UnsupportedPlugin("auth_gssapi_client".into()))
        );
        g.auth_plugin_name.clear();
        send(
            Handshake::new(capture_config())
                .greeting(&g.encode())
                .unwrap(),
        );
        g.capabilities &= !CLIENT_PROTOCOL_41;
        assert_eq!(
            Handshake::new(capture_config()).greeting(&g.encode()),
            Err(ProtoError::OldServer)
        );
    }

    /// A MySQL 8 style greeting: the captured one with caching_sha2_password.
    fn sha2_greeting() -> Vec<u8> {
        let mut g = Greeting::decode(&captured("a", "greeting")).unwrap();
        g.auth_plugin_name = "caching_sha2_password".into();
        g.encode()
    }

    #[test]
    fn caching_sha2_fast_path_waits_for_ok() {
        let nonce = Greeting::decode(&sha2_greeting()).unwrap().auth_plugin_data;
        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            ..capture_config()
        });
        let r = HandshakeResponse::decode(&send(hs.greeting(&sha2_greeting()).unwrap())).unwrap();
        assert_eq!(r.auth_plugin_name, "caching_sha2_password");
        assert_eq!(
            r.auth_response,
            crate::proto::auth::caching_sha2::scramble(b"secret", &nonce).unwrap()
        );
        assert_eq!(hs.packet(b"\x01\x03").unwrap(), HandshakeStep::Wait);
        assert!(matches!(
            hs.packet(&captured("a", "ok")).unwrap(),
            HandshakeStep::Done(_)
        ));
    }

    #[test]
    fn caching_sha2_full_auth_depends_on_the_channel() {
        // Plain TCP, no key, not allowed to fetch one: refused (2061), nothing sent.
        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            ..capture_config()
        });
        send(hs.greeting(&sha2_greeting()).unwrap());
        assert_eq!(hs.channel(), Channel::Plain);
        assert!(matches!(
            hs.packet(b"\x01\x04"),
            Err(ProtoError::Auth {
                plugin: "caching_sha2_password",
                ..
            })
        ));
        // Allowed to fetch it: ask for it (0x02), never the password.
        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            get_server_public_key: true,
            ..capture_config()
        });
        send(hs.greeting(&sha2_greeting()).unwrap());
        assert_eq!(send(hs.packet(b"\x01\x04").unwrap()), b"\x02");
        // Unix socket: the password in clear.
        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            unix_socket: true,
            ..capture_config()
        });
        send(hs.greeting(&sha2_greeting()).unwrap());
        assert!(hs.channel() == Channel::UnixSocket && !hs.tls());
        assert_eq!(send(hs.packet(b"\x01\x04").unwrap()), b"secret\0");
    }

    #[test]
    fn switch_to_ed25519_and_sha256() {
        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            ..capture_config()
        });
        send(hs.greeting(&captured("a", "greeting")).unwrap());
        // A 32-byte nonce ending in a zero byte: all 32 bytes are signed.
        let mut nonce: Vec<u8> = (1..=31).collect();
        nonce.push(0);
        let mut switch = b"\xfeclient_ed25519\0".to_vec();
        switch.extend_from_slice(&nonce);
        assert_eq!(
            send(hs.packet(&switch).unwrap()),
            crate::proto::auth::ed25519::sign(b"secret", &nonce).unwrap()
        );
        assert_eq!(hs.plugin(), "client_ed25519");
        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            unix_socket: true,
            ..capture_config()
        });
        send(hs.greeting(&captured("a", "greeting")).unwrap());
        let reply = send(
            hs.packet(b"\xfesha256_password\0abcdefghijklmnopqrst\0")
                .unwrap(),
        );
        assert_eq!(reply, b"secret\0");
        // Clear text is fine over a socket too.
        let reply = send(hs.packet(b"\xfemysql_clear_password\0").unwrap());
        assert_eq!(reply, b"secret\0");
    }

    /// The channel the plugins see: TLS counts as verified only with a mode that
    /// checks the certificate; a socket is a socket even with TLS on top.
    #[test]
    fn channel_follows_tls_and_verification() {
        let mut g = Greeting::decode(&captured("a", "greeting")).unwrap();
        g.capabilities |= CLIENT_SSL;
        let with_ssl = g.encode();
        let channel = |tls, tls_verified, unix_socket, greeting: &[u8]| {
            let mut hs = Handshake::new(HandshakeConfig {
                tls,
                tls_verified,
                unix_socket,
                ..capture_config()
            });
            hs.greeting(greeting).unwrap();
            hs.channel()
        };
        let plain = captured("a", "greeting");
        assert_eq!(channel(false, false, false, &with_ssl), Channel::Plain);
        assert_eq!(channel(true, true, false, &plain), Channel::Plain);
        assert_eq!(
            channel(true, false, false, &with_ssl),
            Channel::UnverifiedTls
        );
        assert_eq!(channel(true, true, false, &with_ssl), Channel::VerifiedTls);
        assert_eq!(channel(true, false, true, &with_ssl), Channel::UnixSocket);
        assert_eq!(channel(false, false, true, &plain), Channel::UnixSocket);
    }

    /// A MITM that offers TLS (unverified) and switches to mysql_clear_password gets
    /// nothing; with verification, or when allowed, the password is sent.
    #[test]
    fn clear_password_over_unverified_tls() {
        let mut g = Greeting::decode(&captured("a", "greeting")).unwrap();
        g.capabilities |= CLIENT_SSL;
        let with_ssl = g.encode();
        let run = |config: HandshakeConfig| {
            let mut hs = Handshake::new(HandshakeConfig {
                password: b"secret".to_vec().into(),
                tls: true,
                ..config
            });
            send(hs.greeting(&with_ssl).unwrap());
            hs.packet(b"\xfemysql_clear_password\0")
        };
        assert_eq!(
            run(capture_config()),
            Err(ProtoError::CleartextRefused("mysql_clear_password".into()))
        );
        let sent = HandshakeStep::Send(b"secret\0".to_vec());
        for config in [
            HandshakeConfig {
                tls_verified: true,
                ..capture_config()
            },
            HandshakeConfig {
                allow_cleartext: true,
                ..capture_config()
            },
        ] {
            assert_eq!(run(config).unwrap(), sent);
        }
        // The strict option overrides allow_cleartext over unverified TLS.
        assert!(matches!(
            run(HandshakeConfig {
                allow_cleartext: true,
                auth_requires_verified_tls: true,
                ..capture_config()
            }),
            Err(ProtoError::Auth { .. })
        ));
    }

    /// A server may not go on switching plugins (or sending more data) for ever: the
    /// longest real exchange fits, one round more is 2027.
    #[test]
    fn auth_rounds_are_bounded() {
        let mut switch = b"\xfemysql_native_password\0".to_vec();
        switch.extend_from_slice(&[0x41; 20]);
        switch.push(0);
        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            ..capture_config()
        });
        send(hs.greeting(&captured("a", "greeting")).unwrap());
        for _ in 0..MAX_AUTH_ROUNDS {
            send(hs.packet(&switch).unwrap());
        }
        let err = hs.packet(&switch).unwrap_err();
        assert!(matches!(err, ProtoError::Malformed(_)), "{err:?}");
        assert_eq!(
            crate::error::Error::from(err).code(),
            crate::error::cr::CR_MALFORMED_PACKET
        );
        // AuthMoreData counts too. The longest real exchange (a switch to caching_sha2,
        // full authentication, the server's key; then OK) fits.
        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            get_server_public_key: true,
            ..capture_config()
        });
        send(hs.greeting(&captured("a", "greeting")).unwrap());
        let mut to_sha2 = b"\xfecaching_sha2_password\0".to_vec();
        to_sha2.extend_from_slice(&[0x42; 20]);
        to_sha2.push(0);
        send(hs.packet(&to_sha2).unwrap());
        assert_eq!(send(hs.packet(b"\x01\x04").unwrap()), b"\x02");
        let mut key = vec![0x01];
        key.extend_from_slice(crate::proto::auth::public_key::tests::PUBLIC_PEM.as_bytes());
        assert_eq!(send(hs.packet(&key).unwrap()).len(), 256);
        assert!(matches!(
            hs.packet(&captured("a", "ok")).unwrap(),
            HandshakeStep::Done(_)
        ));
    }

    /// Greetings and switch requests with a nonce shorter than 20 bytes are malformed.
    #[test]
    fn short_nonce_is_refused() {
        // Without CLIENT_SECURE_CONNECTION a greeting carries 8 bytes of nonce only.
        let mut g = Greeting::decode(&captured("a", "greeting")).unwrap();
        g.capabilities &= !CLIENT_SECURE_CONNECTION;
        assert_eq!(
            Greeting::decode(&g.encode())
                .unwrap()
                .auth_plugin_data
                .len(),
            8
        );
        for password in [&b"secret"[..], b""] {
            let err = Handshake::new(HandshakeConfig {
                password: password.into(),
                ..capture_config()
            })
            .greeting(&g.encode())
            .unwrap_err();
            assert!(matches!(err, ProtoError::Malformed(_)), "{err:?}");
        }
        let mut hs = Handshake::new(HandshakeConfig {
            password: b"secret".to_vec().into(),
            ..capture_config()
        });
        send(hs.greeting(&captured("a", "greeting")).unwrap());
        for plugin in ["mysql_native_password", "caching_sha2_password"] {
            let mut switch = vec![0xFE];
            switch.extend_from_slice(plugin.as_bytes());
            switch.extend_from_slice(b"\0short\0");
            assert!(matches!(hs.packet(&switch), Err(ProtoError::Malformed(_))));
        }
    }

    /// Debug of the configuration (and so of every struct holding it) never shows the
    /// password.
    #[test]
    fn debug_never_shows_the_password() {
        let config = HandshakeConfig {
            password: b"hunter2-pw".to_vec().into(),
            ..capture_config()
        };
        let shown = format!("{config:?} {config:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("password"));
    }

    #[test]
    fn truncated_packets_never_panic() {
        let greeting = captured("a", "greeting");
        all_prefixes(&greeting, |b| Handshake::new(capture_config()).greeting(b));
        for (s, label) in [("d", "switch"), ("a", "ok"), ("e", "err")] {
            let p = captured(s, label);
            all_prefixes(&p, |b| {
                let mut hs = Handshake::new(capture_config());
                hs.greeting(&greeting).unwrap();
                hs.packet(b)
            });
        }
    }
}
