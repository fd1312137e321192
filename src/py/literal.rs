//! SQL literals for query arguments, built in Rust for the common types: the per-value
//! work of execute()/executemany() that would otherwise be Python calls.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyInt, PyString, PyTuple};

use crate::proto::client_charset::ClientCharset;
use crate::proto::escape::escape_into;

pub struct Quoting {
    /// How the server reads the statement (its character_set_client).
    pub charset: ClientCharset,
    pub no_backslash_escapes: bool,
    /// The connection charset is utf-8: str needs no codec call.
    pub utf8: bool,
    /// bytes get MySQL's `_binary` introducer (mysqlclient's binary_prefix).
    pub binary_prefix: bool,
}

fn quoted(q: &Quoting, prefix: &[u8], body: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(prefix);
    out.push(b'\'');
    escape_into(body, q.charset, q.no_backslash_escapes, out);
    out.push(b'\'');
}

/// The text of an exact str when the charset is utf-8. A str that has no utf-8 form
/// (a lone surrogate) goes to the fallback, which raises the driver's error for it.
fn utf8_str<'a>(q: &Quoting, item: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    let s = item.cast_exact::<PyString>().ok().filter(|_| q.utf8)?;
    s.to_str().ok()
}

/// One literal per item of `args`: str, bytes, int and None here; anything else
/// (and str in a non-utf-8 charset) through `fallback(value)`, the Python policy.
pub fn literals<'py>(
    args: &Bound<'py, PyAny>,
    fallback: &Bound<'py, PyAny>,
    q: &Quoting,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = args.py();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for item in args.try_iter()? {
        let item = item?;
        let lit = if item.is_none() {
            PyBytes::new(py, b"NULL").into_any()
        } else if let Some(s) = utf8_str(q, &item) {
            quoted(q, b"", s.as_bytes(), &mut buf);
            PyBytes::new(py, &buf).into_any()
        } else if let Ok(b) = item.cast_exact::<PyBytes>() {
            let prefix: &[u8] = if q.binary_prefix { b"_binary" } else { b"" };
            quoted(q, prefix, b.as_bytes(), &mut buf);
            PyBytes::new(py, &buf).into_any()
        } else if item.is_exact_instance_of::<PyInt>() && !item.is_instance_of::<PyBool>() {
            match item.extract::<i64>() {
                Ok(v) => PyBytes::new(py, v.to_string().as_bytes()).into_any(),
                Err(_) => fallback.call1((item,))?,
            }
        } else {
            fallback.call1((item,))?
        };
        out.push(lit);
    }
    PyTuple::new(py, out)
}
