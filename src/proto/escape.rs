//! SQL string literal escaping (the body of a quoted literal, without quotes).

/// Escape `input` for use between single quotes. With `no_backslash_escapes`
/// (SERVER_STATUS_NO_BACKSLASH_ESCAPES) only `'` is doubled, as the server then
/// treats backslash as an ordinary character.
pub fn escape_into(input: &[u8], no_backslash_escapes: bool, out: &mut Vec<u8>) {
    out.reserve(input.len() + input.len() / 8 + 2);
    if no_backslash_escapes {
        for &b in input {
            if b == b'\'' {
                out.push(b'\'');
            }
            out.push(b);
        }
        return;
    }
    for &b in input {
        // Escaping NUL, newlines and Ctrl-Z keeps logs and the Windows console sane;
        // quotes and backslash are what safety needs. Multi-byte charsets whose
        // trailing bytes can be 0x5C (sjis, big5, gbk, cp932) must not reach here
        // unconverted: the connection should use a safe charset such as utf8mb4.
        let esc = match b {
            0 => b'0',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\\' => b'\\',
            b'\'' => b'\'',
            b'"' => b'"',
            0x1A => b'Z',
            _ => {
                out.push(b);
                continue;
            }
        };
        out.push(b'\\');
        out.push(esc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(input: &[u8], nbe: bool) -> Vec<u8> {
        let mut out = b"prefix:".to_vec();
        escape_into(input, nbe, &mut out);
        out.split_off(7)
    }

    #[test]
    fn backslash_style() {
        assert_eq!(esc(b"plain", false), b"plain");
        assert_eq!(
            esc(b"a\0b\nc\rd\\e'f\"g\x1ah", false),
            b"a\\0b\\nc\\rd\\\\e\\'f\\\"g\\Zh"
        );
        assert_eq!(esc("é'".as_bytes(), false), "é\\'".as_bytes());
        assert_eq!(esc(b"", false), b"");
    }

    #[test]
    fn no_backslash_escapes_only_doubles_quotes() {
        assert_eq!(
            esc(b"it's a \\ \"test\"\n\0", true),
            b"it''s a \\ \"test\"\n\0"
        );
        assert_eq!(esc(b"''", true), b"''''");
    }
}
