//! The one type that holds a password. Its bytes are zeroed when it is dropped (and
//! every clone is its own copy, zeroed in turn), and Debug never shows them, so no
//! `{:?}` of an options struct, log line or error message can leak it.

use std::fmt;

use zeroize::Zeroize;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }
    /// The bytes themselves: only for the code that must send them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }
}

impl From<&[u8]> for Secret {
    fn from(bytes: &[u8]) -> Secret {
        Secret(bytes.to_vec())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not even the length: it narrows a guess.
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::from(&b"hunter2"[..]);
        let shown = format!("{s:?} {s:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("104"), "{shown}"); // not as numbers either
        assert_eq!(s.expose(), b"hunter2");
        assert_eq!(s.clone(), s);
    }

    #[test]
    fn drop_zeroes_the_bytes() {
        let mut s = Secret::from(&b"hunter2"[..]);
        // What Drop runs, observed on a live value: every byte of the buffer is zero
        // and the length is gone (zeroize writes volatile zeros over the capacity).
        let ptr = s.0.as_ptr();
        let cap = s.0.capacity();
        s.0.zeroize();
        assert!(s.is_empty());
        assert_eq!(s.0.as_ptr(), ptr, "zeroize must not reallocate");
        // Safety: the buffer is still owned by `s` (same pointer, same capacity).
        let raw = unsafe { std::slice::from_raw_parts(ptr, cap) };
        assert!(raw.iter().all(|b| *b == 0));
    }
}
