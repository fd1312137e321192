//! LOAD DATA LOCAL INFILE: which files did the client's own statement name?
//!
//! A server may ask for any file at any time (the malicious-server file-read attack);
//! the client only sends a file its own statement named after `LOCAL INFILE`.

/// The file names following `LOCAL INFILE` in `sql`, decoded from their SQL string
/// literals (quotes, doubled quotes and backslash escapes undone). Comments and other
/// string literals are skipped, so a name inside them does not count.
pub fn local_infile_names(sql: &[u8], no_backslash_escapes: bool) -> Vec<Vec<u8>> {
    let mut names = Vec::new();
    let mut words: [&[u8]; 2] = [b"", b""];
    let mut i = 0;
    while i < sql.len() {
        let c = sql[i];
        if c == b'\'' || c == b'"' {
            let (literal, end) = string_literal(sql, i, no_backslash_escapes);
            if words[0].eq_ignore_ascii_case(b"LOCAL") && words[1].eq_ignore_ascii_case(b"INFILE") {
                names.push(literal);
            }
            words = [b"", b""];
            i = end;
        } else if c == b'#' || (c == b'-' && sql[i..].starts_with(b"-- ")) {
            i = sql[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(sql.len(), |p| i + p + 1);
        } else if sql[i..].starts_with(b"/*") {
            i = find(&sql[i + 2..], b"*/").map_or(sql.len(), |p| i + 2 + p + 2);
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let end = sql[i..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                .map_or(sql.len(), |p| i + p);
            words = [words[1], &sql[i..end]];
            i = end;
        } else {
            if !c.is_ascii_whitespace() {
                words = [b"", b""];
            }
            i += 1;
        }
    }
    names
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The literal starting at `start` (a quote): its decoded bytes and the index after it.
fn string_literal(sql: &[u8], start: usize, no_backslash_escapes: bool) -> (Vec<u8>, usize) {
    let quote = sql[start];
    let mut out = Vec::new();
    let mut i = start + 1;
    while i < sql.len() {
        let c = sql[i];
        if c == quote {
            if sql.get(i + 1) == Some(&quote) {
                out.push(quote);
                i += 2;
                continue;
            }
            return (out, i + 1);
        }
        if c == b'\\' && !no_backslash_escapes && i + 1 < sql.len() {
            out.push(match sql[i + 1] {
                b'0' => 0,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'Z' => 0x1a,
                other => other,
            });
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    (out, sql.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<String> {
        local_infile_names(sql.as_bytes(), false)
            .into_iter()
            .map(|n| String::from_utf8(n).unwrap())
            .collect()
    }

    #[test]
    fn finds_the_named_file() {
        assert_eq!(
            names("LOAD DATA LOCAL INFILE '/tmp/a.csv' INTO TABLE t"),
            ["/tmp/a.csv"]
        );
        assert_eq!(
            names("load data  local\n infile \"b.csv\" into table t"),
            ["b.csv"]
        );
        assert_eq!(
            names(r"LOAD DATA LOCAL INFILE 'it''s\\x.csv' INTO TABLE t"),
            [r"it's\x.csv"]
        );
    }

    #[test]
    fn other_literals_and_comments_do_not_count() {
        assert!(names("SELECT 'LOCAL INFILE /etc/passwd'").is_empty());
        assert!(names("LOAD DATA INFILE '/srv/a.csv' INTO TABLE t").is_empty());
        assert!(names("SELECT 1 -- LOCAL INFILE 'x'\n").is_empty());
        assert!(names("SELECT 1 /* LOCAL INFILE 'x' */").is_empty());
        assert!(names("SELECT 'LOCAL', 'INFILE', 'x'").is_empty());
        assert!(names("SELECT local_infile, 'x'").is_empty());
    }

    #[test]
    fn several_statements_and_unterminated_input() {
        assert_eq!(
            names(
                "LOAD DATA LOCAL INFILE 'a' INTO TABLE t; LOAD DATA LOCAL INFILE 'b' INTO TABLE u"
            ),
            ["a", "b"]
        );
        assert_eq!(names("LOAD DATA LOCAL INFILE 'open"), ["open"]);
        assert!(names("'").is_empty());
    }

    #[test]
    fn no_backslash_escapes_keeps_backslashes() {
        let got = local_infile_names(br"LOAD DATA LOCAL INFILE 'C:\new.csv' INTO TABLE t", true);
        assert_eq!(got, vec![br"C:\new.csv".to_vec()]);
    }
}
