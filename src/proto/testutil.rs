//! Test helpers: packets captured from a real MariaDB 10.11 by tests/tools/capture.py.

const FIXTURE: &str = include_str!("../../tests/fixtures/mariadb-10.11.txt");

pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
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

/// Feed every strict prefix (and the whole) of `payload` to `decode`: it may fail
/// or succeed but must not panic.
pub fn all_prefixes<T>(payload: &[u8], decode: impl Fn(&[u8]) -> T) {
    for n in 0..=payload.len() {
        let _ = decode(&payload[..n]);
    }
}
