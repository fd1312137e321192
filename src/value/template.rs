//! A statement template with `%s` or `%(name)s` placeholders, as Python's `bytes % args`
//! reads it, for filling in literals without a Python call per row.
//!
//! Only the subset the cursors need is understood: `%s`, `%(name)s` and `%%`. Anything
//! else (`%d`, a width, a flag, a `%` at the end, `%s` and `%(name)s` mixed) is not a
//! template here: the caller leaves such statements to Python, which raises its own
//! error for them.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Bytes copied as they are (`%%` already folded into one `%`).
    Text(Range<usize>),
    /// The next positional argument.
    Next,
    /// The argument of this name (a range of the template's source).
    Key(Range<usize>),
}

/// The shape of the arguments a template takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A sequence of exactly this many arguments (none: no placeholder at all).
    Positional(usize),
    /// A mapping; at least one `%(name)s`.
    Named,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: Vec<u8>,
    /// The template's text with each `%%` folded.
    text: Vec<u8>,
    pieces: Vec<Piece>,
    shape: Shape,
}

impl Template {
    /// The template of `source`, or None when Python must format it.
    pub fn parse(source: &[u8]) -> Option<Template> {
        let mut text = Vec::with_capacity(source.len());
        let mut pieces = Vec::new();
        let (mut positional, mut named) = (0usize, false);
        let mut start = 0; // of the current Text piece, in `text`
        let mut i = 0;
        while i < source.len() {
            let b = source[i];
            if b != b'%' {
                text.push(b);
                i += 1;
                continue;
            }
            match source.get(i + 1)? {
                b'%' => {
                    text.push(b'%');
                    i += 2;
                    continue;
                }
                b's' => {
                    positional += 1;
                    flush(&mut pieces, &mut start, text.len());
                    pieces.push(Piece::Next);
                    i += 2;
                }
                b'(' => {
                    // Python matches nested parentheses: "%(a(b))s" names "a(b)".
                    let key_start = i + 2;
                    let mut depth = 1;
                    let mut j = key_start;
                    while depth > 0 {
                        match source.get(j)? {
                            b'(' => depth += 1,
                            b')' => depth -= 1,
                            _ => {}
                        }
                        j += 1;
                    }
                    if source.get(j) != Some(&b's') {
                        return None;
                    }
                    named = true;
                    flush(&mut pieces, &mut start, text.len());
                    pieces.push(Piece::Key(key_start..j - 1));
                    i = j + 1;
                }
                _ => return None,
            }
        }
        flush(&mut pieces, &mut start, text.len());
        let shape = match (positional, named) {
            (_, false) => Shape::Positional(positional),
            (0, true) => Shape::Named,
            _ => return None,
        };
        Some(Template {
            source: source.to_vec(),
            text,
            pieces,
            shape,
        })
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The names of the `%(name)s` placeholders, in order (repeats included).
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Key(r) => Some(&self.source[r.clone()]),
            _ => None,
        })
    }

    /// Appends the template to `out` with the placeholders filled: `%s` number k by
    /// `arg(k)`, `%(name)s` number k (counting names only) by `arg(k)`. `arg` writes
    /// its literal to the buffer it is given.
    pub fn fill<E>(
        &self,
        out: &mut Vec<u8>,
        mut arg: impl FnMut(usize, &mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut k = 0;
        for piece in &self.pieces {
            match piece {
                Piece::Text(r) => out.extend_from_slice(&self.text[r.clone()]),
                Piece::Next | Piece::Key(_) => {
                    arg(k, out)?;
                    k += 1;
                }
            }
        }
        Ok(())
    }
}

fn flush(pieces: &mut Vec<Piece>, start: &mut usize, end: usize) {
    if end > *start {
        pieces.push(Piece::Text(*start..end));
    }
    *start = end;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(t: &Template, args: &[&[u8]]) -> Vec<u8> {
        let mut out = b">".to_vec();
        t.fill(&mut out, |k, out| {
            out.extend_from_slice(args[k]);
            Ok::<(), ()>(())
        })
        .unwrap();
        out
    }

    #[test]
    fn positional() {
        let t = Template::parse(b"(%s, %s,%s)").unwrap();
        assert_eq!(t.shape(), Shape::Positional(3));
        assert_eq!(filled(&t, &[b"1", b"'a'", b"NULL"]), b">(1, 'a',NULL)");
    }

    #[test]
    fn percent_is_folded_everywhere() {
        let t = Template::parse(b"%%x LIKE '%%a' %s%%").unwrap();
        assert_eq!(t.shape(), Shape::Positional(1));
        assert_eq!(filled(&t, &[b"2"]), b">%x LIKE '%a' 2%");
        let t = Template::parse(b"SELECT '100%%'").unwrap();
        assert_eq!(t.shape(), Shape::Positional(0));
        assert_eq!(filled(&t, &[]), b">SELECT '100%'");
    }

    #[test]
    fn named_with_nested_parentheses_and_repeats() {
        let t = Template::parse(b"(%(a)s, %(b(c))s, %(a)s)").unwrap();
        assert_eq!(t.shape(), Shape::Named);
        let keys: Vec<&[u8]> = t.keys().collect();
        assert_eq!(keys, [&b"a"[..], b"b(c)", b"a"]);
        assert_eq!(filled(&t, &[b"1", b"2", b"3"]), b">(1, 2, 3)");
        // The key runs to the matching parenthesis, "%" and "s" included.
        let t = Template::parse(b"(%(x)s, %(y)s)").unwrap();
        assert_eq!(t.keys().count(), 2);
    }

    #[test]
    fn left_to_python() {
        for source in [
            &b"%d"[..],
            b"%5s",
            b"%-s",
            b"x %",
            b"%(a)d",
            b"%(a",
            b"%(a)",
            b"%s %(a)s",
            b"%(a)s %s",
            b"%r",
            b"%b",
        ] {
            assert_eq!(
                Template::parse(source),
                None,
                "{:?}",
                String::from_utf8_lossy(source)
            );
        }
    }

    #[test]
    fn empty_and_plain() {
        let t = Template::parse(b"").unwrap();
        assert_eq!(t.shape(), Shape::Positional(0));
        assert_eq!(filled(&t, &[]), b">");
    }
}
