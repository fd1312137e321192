//! SQL literals for query arguments, built in Rust for the common types: the per-value
//! work of execute()/executemany() that would otherwise be Python calls.
//!
//! Which types are written here is Python's decision (connections.py `_NATIVE_LITERALS`):
//! a type is handed over only while the connection's encoder for it is still the
//! default, so an encoder the user registered always wins. Everything else goes to the
//! `fallback` (`Connection.literal`), the Python policy.

use std::cell::Cell;
use std::io::Write;
use std::ops::Range;

use pyo3::exceptions::PyUnicodeEncodeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateAccess, PyDateTime, PyDelta, PyDeltaAccess, PyDict,
    PyFloat, PyInt, PyNone, PyString, PyTime, PyTimeAccess, PyTuple, PyType, PyTzInfoAccess,
};

use crate::client::{escape_into, ClientCharset};
use crate::value::temporal_text::{write_date, write_datetime, write_time, write_timedelta};

pub struct Quoting {
    /// How the server reads the statement (its character_set_client).
    pub charset: ClientCharset,
    pub no_backslash_escapes: bool,
    /// The Python codec of the connection charset; "utf-8" needs no codec call.
    pub encoding: &'static str,
    /// bytes get MySQL's `_binary` introducer (mysqlclient's binary_prefix).
    pub binary_prefix: bool,
}

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The types the core can write, one bit each.
#[derive(Clone, Copy)]
enum Native {
    None = 1,
    Bool = 1 << 1,
    Int = 1 << 2,
    Float = 1 << 3,
    Decimal = 1 << 4,
    Date = 1 << 5,
    DateTime = 1 << 6,
    Delta = 1 << 7,
    Time = 1 << 8,
}

/// The argument of Python's type `ty` when the core has a writer for it.
fn native_of(py: Python<'_>, ty: &Bound<'_, PyType>) -> PyResult<Option<Native>> {
    let is = |other: Bound<'_, PyType>| ty.is(&other);
    Ok(Some(match () {
        _ if is(py.get_type::<PyNone>()) => Native::None,
        _ if is(py.get_type::<PyBool>()) => Native::Bool,
        _ if is(py.get_type::<PyInt>()) => Native::Int,
        _ if is(py.get_type::<PyFloat>()) => Native::Float,
        _ if is(DECIMAL.import(py, "decimal", "Decimal")?.clone()) => Native::Decimal,
        _ if is(py.get_type::<PyDate>()) => Native::Date,
        _ if is(py.get_type::<PyDateTime>()) => Native::DateTime,
        _ if is(py.get_type::<PyDelta>()) => Native::Delta,
        _ if is(py.get_type::<PyTime>()) => Native::Time,
        _ => return Ok(None),
    }))
}

/// The `(type, default encoder)` pairs of a `defaults` sequence whose type the core
/// writes, resolved once: Python passes the same constant tuple every time.
struct Resolved {
    source: Py<PyAny>,
    pairs: Vec<(Py<PyType>, Option<Py<PyAny>>, Native)>,
}

static RESOLVED: PyOnceLock<Resolved> = PyOnceLock::new();

impl Resolved {
    fn new(defaults: &Bound<'_, PyAny>) -> PyResult<Resolved> {
        let py = defaults.py();
        let mut pairs = Vec::new();
        for pair in defaults.try_iter()? {
            let (ty, default): (Bound<'_, PyType>, Bound<'_, PyAny>) = pair?.extract()?;
            if let Some(n) = native_of(py, &ty)? {
                let default = (!default.is_none()).then(|| default.unbind());
                pairs.push((ty.unbind(), default, n));
            }
        }
        Ok(Resolved {
            source: defaults.clone().unbind(),
            pairs,
        })
    }
}

/// Writes the literal of one argument into a statement being built.
pub struct Writer<'py> {
    quoting: Quoting,
    /// The connection's encoders, when a dict (another mapping: every literal goes
    /// through `fallback`), and the defaults they are compared with.
    encoders: Option<Bound<'py, PyDict>>,
    resolved: Defaults,
    /// Bits of `Native`: the types already compared (`checked`), and of those the
    /// ones written here rather than by `fallback` (`native`). Compared on first use:
    /// a statement binds a type or two, and looking up all nine cost more than
    /// binding one int.
    checked: Cell<u16>,
    native: Cell<u16>,
    /// Some literal came from `fallback`: Python's (or the user's) text, not ours.
    used_fallback: Cell<bool>,
    fallback: Bound<'py, PyAny>,
    decimal: Bound<'py, PyType>,
}

/// The resolved defaults: Python's constant tuple (resolved once) or another one.
enum Defaults {
    Shared(&'static Resolved),
    Own(Resolved),
}

impl<'py> Writer<'py> {
    /// `defaults`: `(type, encoder)` pairs, the default encoder whose output the core
    /// reproduces for that type (None: the literal of a type with no encoder). A type
    /// is written here while `encoders` (the connection's) still holds that default;
    /// `fallback(value)` makes every other literal.
    pub fn new(
        quoting: Quoting,
        encoders: &Bound<'py, PyAny>,
        defaults: &Bound<'py, PyAny>,
        fallback: Bound<'py, PyAny>,
    ) -> PyResult<Writer<'py>> {
        let py = fallback.py();
        let first = RESOLVED.get_or_try_init(py, || Resolved::new(defaults))?;
        let resolved = match first.source.is(defaults) {
            true => Defaults::Shared(first),
            false => Defaults::Own(Resolved::new(defaults)?),
        };
        let decimal = DECIMAL.import(py, "decimal", "Decimal")?.clone();
        Ok(Writer {
            quoting,
            encoders: encoders.cast_exact::<PyDict>().ok().cloned(),
            resolved,
            checked: Cell::new(0),
            native: Cell::new(0),
            used_fallback: Cell::new(false),
            fallback,
            decimal,
        })
    }

    /// Every literal so far was written here: numbers, NULL, quoted strings and
    /// temporal values, none of which can change how the server reads what follows.
    pub fn only_native(&self) -> bool {
        !self.used_fallback.get()
    }

    pub fn py(&self) -> Python<'py> {
        self.fallback.py()
    }

    /// The connection charset is utf-8.
    pub fn utf8(&self) -> bool {
        self.quoting.encoding == "utf-8"
    }

    /// Is `n` written here: the connection's encoder for it is still the default.
    fn has(&self, n: Native) -> bool {
        let bit = n as u16;
        if self.checked.get() & bit == 0 {
            self.checked.set(self.checked.get() | bit);
            if self.still_default(n) {
                self.native.set(self.native.get() | bit);
            }
        }
        self.native.get() & bit != 0
    }

    fn still_default(&self, n: Native) -> bool {
        let Some(encoders) = &self.encoders else {
            return false;
        };
        let resolved = match &self.resolved {
            Defaults::Shared(r) => r,
            Defaults::Own(r) => r,
        };
        let py = self.py();
        resolved
            .pairs
            .iter()
            .filter(|(_, _, native)| *native as u16 == n as u16)
            .any(|(ty, default, _)| match encoders.get_item(ty.bind(py)) {
                Ok(Some(current)) => default.as_ref().is_some_and(|d| current.is(d)),
                Ok(None) => default.is_none(),
                // Python's literal() looks the encoder up itself and raises there.
                Err(_) => false,
            })
    }

    fn quoted(&self, prefix: &[u8], body: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(prefix);
        out.push(b'\'');
        escape_into(
            body,
            self.quoting.charset,
            self.quoting.no_backslash_escapes,
            out,
        );
        out.push(b'\'');
    }

    /// Appends the literal of `item` to `out`. When the fallback made something other
    /// than bytes or bytearray, nothing is appended and that object is returned: only
    /// Python's own formatting can judge it.
    pub fn write(
        &self,
        item: &Bound<'py, PyAny>,
        out: &mut Vec<u8>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        if self.write_native(item, out)? {
            return Ok(None);
        }
        self.used_fallback.set(true);
        let lit = self.fallback.call1((item,))?;
        if let Ok(b) = lit.cast::<PyBytes>() {
            out.extend_from_slice(b.as_bytes());
        } else if let Ok(b) = lit.cast::<PyByteArray>() {
            out.extend_from_slice(&b.to_vec());
        } else {
            return Ok(Some(lit));
        }
        Ok(None)
    }

    /// Appends the literal of `item` when the core writes its type; false otherwise.
    pub fn write_native(&self, item: &Bound<'py, PyAny>, out: &mut Vec<u8>) -> PyResult<bool> {
        if item.is_none() {
            if !self.has(Native::None) {
                return Ok(false);
            }
            out.extend_from_slice(b"NULL");
        } else if let Ok(s) = item.cast_exact::<PyString>() {
            let mut encoded = Vec::new();
            if !self.encode_str(s, &mut encoded)? {
                return Ok(false);
            }
            self.quoted(b"", &encoded, out);
        } else if let Ok(b) = item.cast_exact::<PyBytes>() {
            let prefix: &[u8] = if self.quoting.binary_prefix {
                b"_binary"
            } else {
                b""
            };
            self.quoted(prefix, b.as_bytes(), out);
        } else if item.is_exact_instance_of::<PyInt>() {
            if !self.has(Native::Int) {
                return Ok(false);
            }
            match item.extract::<i64>() {
                Ok(v) => {
                    let _ = write!(out, "{v}");
                }
                Err(_) => out.extend_from_slice(item.str()?.to_str()?.as_bytes()),
            }
        } else if let Ok(b) = item.cast_exact::<PyBool>() {
            if !self.has(Native::Bool) {
                return Ok(false);
            }
            out.push(if b.is_true() { b'1' } else { b'0' });
        } else if let Ok(f) = item.cast_exact::<PyFloat>() {
            // inf and nan: the fallback raises the driver's error.
            if !self.has(Native::Float) || !f.value().is_finite() {
                return Ok(false);
            }
            let repr = item.repr()?;
            let text = repr.to_str()?;
            out.extend_from_slice(text.as_bytes());
            if !text.contains('e') {
                out.extend_from_slice(b"e0");
            }
        } else if item.is_exact_instance(&self.decimal) {
            if !self.has(Native::Decimal) {
                return Ok(false);
            }
            self.write_decimal(item, out)?;
        } else if let Ok(d) = item.cast_exact::<PyDateTime>() {
            if !self.has(Native::DateTime) {
                return Ok(false);
            }
            out.push(b'\'');
            write_datetime(
                out,
                (d.get_year(), d.get_month(), d.get_day()),
                (
                    d.get_hour(),
                    d.get_minute(),
                    d.get_second(),
                    d.get_microsecond(),
                ),
            );
            out.push(b'\'');
        } else if let Ok(d) = item.cast_exact::<PyDate>() {
            if !self.has(Native::Date) {
                return Ok(false);
            }
            out.push(b'\'');
            write_date(out, d.get_year(), d.get_month(), d.get_day());
            out.push(b'\'');
        } else if let Ok(d) = item.cast_exact::<PyDelta>() {
            if !self.has(Native::Delta) {
                return Ok(false);
            }
            out.push(b'\'');
            write_timedelta(out, d.get_days(), d.get_seconds(), d.get_microseconds());
            out.push(b'\'');
        } else if let Ok(t) = item.cast_exact::<PyTime>() {
            // str(time) adds the UTC offset of an aware time: Python writes those.
            if !self.has(Native::Time) || t.get_tzinfo().is_some() {
                return Ok(false);
            }
            out.push(b'\'');
            write_time(
                out,
                t.get_hour(),
                t.get_minute(),
                t.get_second(),
                t.get_microsecond(),
            );
            out.push(b'\'');
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// Appends `s` in the connection charset; false when it has no form there (a lone
    /// surrogate, a character the charset lacks): the fallback raises the driver's
    /// error for it.
    fn encode_str(&self, s: &Bound<'py, PyString>, out: &mut Vec<u8>) -> PyResult<bool> {
        if self.utf8() {
            let Ok(text) = s.to_str() else {
                return Ok(false);
            };
            out.extend_from_slice(text.as_bytes());
            return Ok(true);
        }
        let py = s.py();
        let encoding = PyString::new(py, self.quoting.encoding);
        match s.call_method1(intern!(py, "encode"), (encoding,)) {
            Ok(encoded) => out.extend_from_slice(encoded.cast::<PyBytes>()?.as_bytes()),
            Err(e) if e.is_instance_of::<PyUnicodeEncodeError>(py) => return Ok(false),
            Err(e) => return Err(e),
        }
        Ok(true)
    }

    /// `item` as a binary-protocol parameter that the server reads as it reads the
    /// literal `write_native` makes (a quoted string stays a string, `1.5e0` a double,
    /// a Decimal's digits a decimal), its text appended to `buf`; None when the core
    /// makes no literal for it here, or `_binary` bytes (a string of another charset).
    pub fn binary(&self, item: &Bound<'py, PyAny>, buf: &mut Vec<u8>) -> PyResult<Option<Binary>> {
        let start = buf.len();
        let text = |buf: &Vec<u8>| Some(Binary::Text(start..buf.len()));
        Ok(if item.is_none() {
            self.has(Native::None).then_some(Binary::Null)
        } else if let Ok(s) = item.cast_exact::<PyString>() {
            self.encode_str(s, buf)?.then(|| text(buf)).flatten()
        } else if let Ok(b) = item.cast_exact::<PyBytes>() {
            buf.extend_from_slice(b.as_bytes());
            (!self.quoting.binary_prefix).then(|| text(buf)).flatten()
        } else if item.is_exact_instance_of::<PyInt>() {
            match (item.extract::<i64>(), item.extract::<u64>()) {
                _ if !self.has(Native::Int) => None,
                // The literal -9223372036854775808 is minus a number beyond BIGINT: a
                // decimal, as the server reads it.
                (Ok(i64::MIN), _) => {
                    buf.extend_from_slice(i64::MIN.to_string().as_bytes());
                    Some(Binary::Decimal(start..buf.len()))
                }
                (Ok(v), _) => Some(Binary::Int(v)),
                (_, Ok(v)) => Some(Binary::UInt(v)),
                _ => None, // beyond 64 bits: the server reads that literal as a decimal
            }
        } else if let Ok(b) = item.cast_exact::<PyBool>() {
            self.has(Native::Bool)
                .then(|| Binary::Int(i64::from(b.is_true())))
        } else if let Ok(f) = item.cast_exact::<PyFloat>() {
            (self.has(Native::Float) && f.value().is_finite()).then(|| Binary::Double(f.value()))
        } else if item.is_exact_instance(&self.decimal) {
            if !self.has(Native::Decimal) {
                return Ok(None);
            }
            self.write_decimal(item, buf)?;
            let text = &buf[start..];
            let digits = text.iter().filter(|b| b.is_ascii_digit()).count();
            // Not a plain number (NaN, Infinity: the literal is a column name), more
            // digits than DECIMAL holds (the server reads that literal as a double), or
            // minus zero (the server's negation of 0.000 is 0): only the literal says it.
            let plain = text.iter().all(|b| b.is_ascii_digit() || b"-.".contains(b));
            let minus_zero =
                text.first() == Some(&b'-') && !text.iter().any(|b| b"123456789".contains(b));
            (plain && !minus_zero && digits <= MAX_DECIMAL_DIGITS)
                .then_some(Binary::Decimal(start..buf.len()))
        } else {
            // Dates and times: their literal is a quoted string, so is the parameter.
            let mut literal = Vec::new();
            if !self.write_native(item, &mut literal)? {
                return Ok(None);
            }
            match literal.as_slice() {
                [b'\'', body @ .., b'\''] => buf.extend_from_slice(body),
                _ => return Ok(None),
            }
            text(buf)
        })
    }

    /// `format(d, "f")`: str(d) is the same text whenever it is plain digits (no
    /// exponent, not NaN or Infinity), and much cheaper.
    fn write_decimal(&self, item: &Bound<'py, PyAny>, out: &mut Vec<u8>) -> PyResult<()> {
        let s = item.str()?;
        let text = s.to_str()?;
        if text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'.')
        {
            out.extend_from_slice(text.as_bytes());
            return Ok(());
        }
        let py = item.py();
        let f = item.call_method1(intern!(py, "__format__"), (intern!(py, "f"),))?;
        out.extend_from_slice(f.cast::<PyString>()?.to_str()?.as_bytes());
        Ok(())
    }
}

/// A query argument as a binary-protocol parameter ([`Writer::binary`]); text is a
/// range of the caller's buffer.
#[derive(Debug, Clone, PartialEq)]
pub enum Binary {
    Null,
    Int(i64),
    UInt(u64),
    Double(f64),
    Decimal(Range<usize>),
    Text(Range<usize>),
}

/// The digits a DECIMAL column holds at most.
const MAX_DECIMAL_DIGITS: usize = 65;

/// One literal per item of `args`: bytes, or what the fallback made.
pub fn literals<'py>(
    args: &Bound<'py, PyAny>,
    writer: &Writer<'py>,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = args.py();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for item in args.try_iter()? {
        let item = item?;
        buf.clear();
        let lit = match writer.write_native(&item, &mut buf)? {
            true => PyBytes::new(py, &buf).into_any(),
            false => writer.fallback.call1((item,))?,
        };
        out.push(lit);
    }
    PyTuple::new(py, out)
}
