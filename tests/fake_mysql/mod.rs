//! A scripted MySQL 8 peer for the Rust integration tests: a listener on 127.0.0.1:0
//! (or a Unix socket) in a thread, plain blocking std IO, packets framed by hand.
//! Each test writes its script as a closure over a [`Peer`].

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rsa::pkcs8::DecodePrivateKey;
use rsa::{Oaep, RsaPrivateKey};
use sha2::{Digest, Sha256};

pub const PRIVATE_PEM: &str = include_str!("../fixtures/rsa_private.pem");
pub const PUBLIC_PEM: &str = include_str!("../fixtures/rsa_public.pem");

/// The nonce of every greeting (20 bytes, as MySQL 8 sends: none of them zero).
pub const NONCE: [u8; 20] = *b"ABCDEFGHIJKLMNOPQRST";
/// Another one, for auth switch requests.
pub const SWITCH_NONCE: [u8; 20] = *b"0123456789abcdefghij";

// Capabilities of a MySQL 8.0 server without TLS.
const CAPS: u32 = 0x0000_0001 // LONG_PASSWORD (CLIENT_MYSQL)
    | 0x0000_0004 // LONG_FLAG
    | 0x0000_0008 // CONNECT_WITH_DB
    | 0x0000_0200 // PROTOCOL_41
    | 0x0000_2000 // TRANSACTIONS
    | 0x0000_8000 // SECURE_CONNECTION
    | 0x0001_0000 // MULTI_STATEMENTS
    | 0x0002_0000 // MULTI_RESULTS
    | 0x0004_0000 // PS_MULTI_RESULTS
    | 0x0008_0000 // PLUGIN_AUTH
    | 0x0010_0000 // CONNECT_ATTRS
    | 0x0020_0000 // PLUGIN_AUTH_LENENC_CLIENT_DATA
    | 0x0100_0000; // DEPRECATE_EOF

pub trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// The server end of one connection.
pub struct Peer {
    stream: Box<dyn Stream>,
    /// Sequence id of the next packet either way.
    seq: u8,
}

impl Peer {
    /// Read one packet (None on EOF); checks the client's sequence id.
    pub fn read(&mut self) -> Option<Vec<u8>> {
        let mut head = [0u8; 4];
        self.stream.read_exact(&mut head).ok()?;
        let len = usize::from(head[0]) | usize::from(head[1]) << 8 | usize::from(head[2]) << 16;
        assert_eq!(head[3], self.seq, "client packet out of sequence");
        self.seq = self.seq.wrapping_add(1);
        let mut payload = vec![0; len];
        self.stream.read_exact(&mut payload).ok()?;
        Some(payload)
    }
    pub fn expect(&mut self) -> Vec<u8> {
        self.read().expect("the client closed the connection")
    }
    pub fn write(&mut self, payload: &[u8]) {
        let len = payload.len() as u32;
        let mut buf = vec![len as u8, (len >> 8) as u8, (len >> 16) as u8, self.seq];
        buf.extend_from_slice(payload);
        self.seq = self.seq.wrapping_add(1);
        // The client may already have given up (the garbage tests): ignore errors.
        let _ = self.stream.write_all(&buf);
    }
    /// The decoded HandshakeResponse41 itself.
    pub fn response_packet(&mut self) -> unshaken::proto::packets::HandshakeResponse {
        let p = self.expect();
        unshaken::proto::packets::HandshakeResponse::decode(&p).expect("handshake response")
    }
    /// Restart the packet sequence (a new command).
    pub fn reset_seq(&mut self) {
        self.seq = 0;
    }
    /// Send (or expect) `seq` next: the reply to the first of two commands.
    pub fn set_seq(&mut self, seq: u8) {
        self.seq = seq;
    }
    /// Read exactly `n` raw bytes.
    pub fn read_raw(&mut self, n: usize) -> Vec<u8> {
        let mut buf = vec![0; n];
        self.stream.read_exact(&mut buf).expect("raw read");
        buf
    }
    /// Raw bytes, outside any framing (for cut and garbage tests).
    pub fn write_raw(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    /// MySQL 8.0's greeting naming `plugin`, with [`NONCE`].
    pub fn greet(&mut self, plugin: &str) {
        self.greet_with(plugin, 0);
    }
    /// The greeting with `extra` capabilities offered too (compression, ...).
    pub fn greet_with(&mut self, plugin: &str, extra: u32) {
        let caps = CAPS | extra;
        let mut g = vec![10u8];
        g.extend_from_slice(b"8.0.36-fake\0");
        g.extend_from_slice(&7u32.to_le_bytes());
        g.extend_from_slice(&NONCE[..8]);
        g.push(0);
        g.extend_from_slice(&(caps as u16).to_le_bytes());
        g.push(255); // utf8mb4_0900_ai_ci
        g.extend_from_slice(&2u16.to_le_bytes()); // SERVER_STATUS_AUTOCOMMIT
        g.extend_from_slice(&((caps >> 16) as u16).to_le_bytes());
        g.push(21);
        g.extend_from_slice(&[0; 10]);
        g.extend_from_slice(&NONCE[8..]);
        g.push(0);
        g.extend_from_slice(plugin.as_bytes());
        g.push(0);
        self.write(&g);
    }
    /// The client's HandshakeResponse41: (plugin name, auth response).
    pub fn response(&mut self) -> (String, Vec<u8>) {
        let p = self.expect();
        let r =
            unshaken::proto::packets::HandshakeResponse::decode(&p).expect("handshake response");
        assert_eq!(r.user, b"app");
        (r.auth_plugin_name, r.auth_response)
    }
    /// AuthSwitchRequest to `plugin` with `data` (MySQL appends a NUL to the nonce).
    pub fn switch(&mut self, plugin: &str, data: &[u8]) {
        let mut p = vec![0xFE];
        p.extend_from_slice(plugin.as_bytes());
        p.push(0);
        p.extend_from_slice(data);
        self.write(&p);
    }
    /// AuthMoreData.
    pub fn more(&mut self, data: &[u8]) {
        let mut p = vec![0x01];
        p.extend_from_slice(data);
        self.write(&p);
    }
    pub fn ok(&mut self) {
        self.ok_with_status(0x0002); // SERVER_STATUS_AUTOCOMMIT
    }
    pub fn ok_with_status(&mut self, status: u16) {
        let [lo, hi] = status.to_le_bytes();
        self.write(&[0x00, 0x00, 0x00, lo, hi, 0x00, 0x00]);
    }
    pub fn err(&mut self, code: u16, state: &str, message: &str) {
        let mut p = vec![0xFF];
        p.extend_from_slice(&code.to_le_bytes());
        p.push(b'#');
        p.extend_from_slice(state.as_bytes());
        p.extend_from_slice(message.as_bytes());
        self.write(&p);
    }
    pub fn access_denied(&mut self) {
        self.err(
            1045,
            "28000",
            "Access denied for user 'app'@'localhost' (using password: YES)",
        );
    }
}

/// The server's side of caching_sha2_password's fast path: is `scramble` the
/// answer to `nonce` for `password`? (Checked as the server does, from the stored
/// SHA256(SHA256(password)) alone.)
pub fn sha2_scramble_ok(password: &[u8], nonce: &[u8], scramble: &[u8]) -> bool {
    let stored = Sha256::digest(Sha256::digest(password));
    let mask = Sha256::new()
        .chain_update(stored)
        .chain_update(nonce)
        .finalize();
    if scramble.len() != 32 {
        return false;
    }
    let candidate: Vec<u8> = scramble
        .iter()
        .zip(mask.iter())
        .map(|(a, b)| a ^ b)
        .collect();
    Sha256::digest(&candidate) == stored
}

/// The server's side of mysql_native_password.
pub fn native_scramble_ok(password: &[u8], nonce: &[u8], scramble: &[u8]) -> bool {
    use sha1::Sha1;
    let stored = Sha1::digest(Sha1::digest(password));
    let mask = Sha1::new()
        .chain_update(nonce)
        .chain_update(stored)
        .finalize();
    if scramble.len() != 20 {
        return false;
    }
    let candidate: Vec<u8> = scramble
        .iter()
        .zip(mask.iter())
        .map(|(a, b)| a ^ b)
        .collect();
    Sha1::digest(&candidate) == stored
}

/// RSA-OAEP(SHA-1) decryption with the fixture's private key, then the XOR with the
/// nonce undone: the password as the client sent it (with its NUL), or None.
pub fn rsa_password(ciphertext: &[u8], nonce: &[u8]) -> Option<Vec<u8>> {
    let key = RsaPrivateKey::from_pkcs8_pem(PRIVATE_PEM).unwrap();
    let mut plain = key.decrypt(Oaep::new::<sha1::Sha1>(), ciphertext).ok()?;
    for (i, b) in plain.iter_mut().enumerate() {
        *b ^= nonce[i % nonce.len()];
    }
    Some(plain)
}

/// Run `script` as the server of one connection on 127.0.0.1:0; the port to connect to
/// and the thread (join it to surface the script's assertion failures).
pub fn serve_tcp(script: impl FnOnce(&mut Peer) + Send + 'static) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut peer = Peer {
            stream: Box::new(stream),
            seq: 0,
        };
        script(&mut peer);
    });
    (port, handle)
}

/// The same on a Unix socket in a fresh temporary directory.
pub fn serve_unix(script: impl FnOnce(&mut Peer) + Send + 'static) -> (PathBuf, JoinHandle<()>) {
    let dir = std::env::temp_dir().join(format!(
        "unshaken-fake-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mysqld.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut peer = Peer {
            stream: Box::new(stream),
            seq: 0,
        };
        script(&mut peer);
        let _ = std::fs::remove_dir_all(dir);
    });
    (path, handle)
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
