//! Test helpers: packets captured from a real MariaDB 10.11 by tests/tools/capture.py.

const FIXTURE: &str = include_str!("../../tests/fixtures/mariadb-10.11.txt");

pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The payload captured in `session` under `label` (e.g. `("a", "greeting")`).
pub fn captured(session: &str, label: &str) -> Vec<u8> {
    captured_with_seq(session, label).1
}

/// Like [`captured`], also giving the packet's sequence id.
pub fn captured_with_seq(session: &str, label: &str) -> (u8, Vec<u8>) {
    for line in FIXTURE.lines().filter(|l| !l.starts_with('#')) {
        let mut f = line.split(' ');
        let (s, _dir, seq, l) = (f.next(), f.next(), f.next(), f.next());
        if s == Some(session) && l == Some(label) {
            return (seq.unwrap().parse().unwrap(), unhex(f.next().unwrap_or("")));
        }
    }
    panic!("no captured packet {session}/{label}");
}

/// Every packet of one exchange in `session` (labels `<name>_...`), in capture order:
/// (from the server?, sequence id, payload).
pub fn captured_exchange(session: &str, name: &str) -> Vec<(bool, u8, Vec<u8>)> {
    let prefix = format!("{name}_");
    let out: Vec<_> = FIXTURE
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let f: Vec<&str> = line.split(' ').collect();
            (f[0] == session && f[3].starts_with(&prefix)).then(|| {
                let payload = unhex(f.get(4).copied().unwrap_or(""));
                (f[1] == "S", f[2].parse().unwrap(), payload)
            })
        })
        .collect();
    assert!(!out.is_empty(), "no captured exchange {session}/{name}");
    out
}

/// Feed every strict prefix (and the whole) of `payload` to `decode`: it may fail
/// or succeed but must not panic.
pub fn all_prefixes<T>(payload: &[u8], decode: impl Fn(&[u8]) -> T) {
    for n in 0..=payload.len() {
        let _ = decode(&payload[..n]);
    }
}

/// A fixed-seed xorshift generator, so garbage tests reproduce.
pub fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// Deterministic garbage through every decoder: errors are fine, panics are not.
#[test]
fn decoders_survive_garbage() {
    use super::packets::{
        ColumnDefinition, EofPacket, ErrPacket, Greeting, HandshakeResponse, OkPacket,
    };
    use super::session::handshake::{Handshake, HandshakeConfig};
    use super::session::query::{classify_head, classify_row};
    use crate::consts::capability::{CLIENT_DEPRECATE_EOF, CLIENT_SESSION_TRACK};

    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    let greeting = captured("a", "greeting");
    for round in 0..20_000 {
        let len = (next() % 96) as usize;
        let mut p: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Bias the first byte towards the interesting headers.
        if let Some(b) = p.first_mut() {
            *b = [0x00, 0x01, 0x0A, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF, *b][round % 9];
        }
        for caps in [
            0,
            CLIENT_DEPRECATE_EOF,
            CLIENT_DEPRECATE_EOF | CLIENT_SESSION_TRACK,
        ] {
            let _ = OkPacket::decode(&p, caps);
            let _ = classify_head(&p, caps);
            let _ = classify_row(&p, caps);
        }
        let _ = ErrPacket::decode(&p);
        let _ = EofPacket::decode(&p);
        let _ = Greeting::decode(&p);
        let _ = HandshakeResponse::decode(&p);
        let _ = ColumnDefinition::decode(&p);
        let mut hs = Handshake::new(HandshakeConfig::default());
        let _ = hs.greeting(&p);
        let mut hs = Handshake::new(HandshakeConfig::default());
        let _ = hs.greeting(&greeting);
        let _ = hs.packet(&p);
        // Corrupt one byte of a real greeting too.
        let mut g = greeting.clone();
        let i = (next() as usize) % g.len();
        g[i] = next() as u8;
        let _ = Greeting::decode(&g);
    }
}
