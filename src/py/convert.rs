//! Per-result converter plans and cell -> Python object conversion. The plan is
//! resolved once per result set; only user-supplied converters call into Python.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBytes, PyDate, PyDateTime, PyDelta, PyDict, PyFloat, PyList, PyString, PyTuple, PyType,
};

use crate::client::Column as ColumnDefinition;
use crate::consts::charset::BINARY_COLLATION;
use crate::consts::field_type::*;
use crate::value::text;

pub enum Decoder {
    Bytes,
    Str,
    Int,
    Float,
    Decimal,
    DateTime,
    Date,
    TimeDelta,
    /// A user converter; `text` says whether it gets `str` (temporal and decimal
    /// columns, as MySQLdb) or `bytes`.
    Call {
        func: Py<PyAny>,
        text: bool,
    },
}

/// The connection's text encoding, resolved once.
#[derive(Clone, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Other(std::ffi::CString),
}

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATETIME_OR_NONE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DATE_OR_NONE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TIMEDELTA_OR_NONE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn times_fn<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    name: &str,
) -> Option<&'py Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("unshaken.times")?.getattr(name)?.unbind())
    })
    .ok()
    .map(|f| f.bind(py))
}

/// Types whose user converters receive `str` (MySQLdb passes text for these).
fn converter_gets_text(t: u8) -> bool {
    matches!(
        t,
        MYSQL_TYPE_DECIMAL
            | MYSQL_TYPE_NEWDECIMAL
            | MYSQL_TYPE_TIMESTAMP
            | MYSQL_TYPE_DATETIME
            | MYSQL_TYPE_TIME
            | MYSQL_TYPE_DATE
    )
}

/// The converter `conv` names for this column: a callable, or a sequence of
/// `(flag_mask, callable)` pairs where the first mask matching the column's flags wins.
fn lookup<'py>(
    conv: Option<&Bound<'py, PyDict>>,
    col: &ColumnDefinition,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Some(conv) = conv else { return Ok(None) };
    let Some(found) = conv.get_item(col.column_type)? else {
        return Ok(None);
    };
    if found.is_callable() || found.is_none() {
        return Ok(Some(found));
    }
    // BINARY_FLAG is also set on text columns with a _bin collation: whether a
    // column holds bytes is told by its charset alone (as mysqlclient 2.x does).
    let flags = if col.charset == BINARY_COLLATION {
        col.flags | BINARY_FLAG
    } else {
        col.flags & !BINARY_FLAG
    };
    let pick = |pair: Bound<'py, PyAny>| -> PyResult<Option<Bound<'py, PyAny>>> {
        let (mask, func): (Bound<'py, PyAny>, Bound<'py, PyAny>) = pair.extract()?;
        let matched = mask.is_none() || mask.extract::<u32>()? & u32::from(flags) != 0;
        Ok(matched.then_some(func))
    };
    let first = |pairs: &mut dyn Iterator<Item = Bound<'py, PyAny>>| {
        for pair in pairs {
            if let Some(func) = pick(pair)? {
                return Ok(Some(func));
            }
        }
        Ok(None)
    };
    // A list or tuple (as MySQLdb's converters are) is walked without an iterator
    // object: this runs for every text column of every result.
    if let Ok(list) = found.cast_exact::<PyList>() {
        return first(&mut list.iter());
    }
    if let Ok(tuple) = found.cast_exact::<PyTuple>() {
        return first(&mut tuple.iter());
    }
    for pair in found.try_iter()? {
        if let Some(func) = pick(pair?)? {
            return Ok(Some(func));
        }
    }
    Ok(None)
}

/// The decoders for one result set, as `conv` names them per column type. A type it
/// does not name (or maps to None) is bytes, as in mysqlclient: which types are text
/// is said once, by the Python converter dicts (`converters._TEXT_TYPES`).
pub fn plan(
    py: Python<'_>,
    conv: Option<&Bound<'_, PyDict>>,
    columns: &[ColumnDefinition],
) -> PyResult<Vec<Decoder>> {
    let decimal = DECIMAL.import(py, "decimal", "Decimal")?;
    columns
        .iter()
        .map(|col| {
            let found = lookup(conv, col)?;
            let Some(func) = found.filter(|f| !f.is_none()) else {
                return Ok(Decoder::Bytes);
            };
            let is = |cell, name| times_fn(py, cell, name).is_some_and(|f| f.is(&func));
            Ok(if func.is(py.get_type::<pyo3::types::PyInt>()) {
                Decoder::Int
            } else if func.is(py.get_type::<PyFloat>()) {
                Decoder::Float
            } else if func.is(py.get_type::<PyString>()) {
                Decoder::Str
            } else if func.is(py.get_type::<PyBytes>()) {
                Decoder::Bytes
            } else if func.is(decimal) {
                Decoder::Decimal
            } else if is(&DATETIME_OR_NONE, "DateTime_or_None") {
                Decoder::DateTime
            } else if is(&DATE_OR_NONE, "Date_or_None") {
                Decoder::Date
            } else if is(&TIMEDELTA_OR_NONE, "TimeDelta_or_None") {
                Decoder::TimeDelta
            } else {
                Decoder::Call {
                    func: func.unbind(),
                    text: converter_gets_text(col.column_type),
                }
            })
        })
        .collect()
}

pub fn decode_str<'py>(
    py: Python<'py>,
    cell: &[u8],
    enc: &Encoding,
) -> PyResult<Bound<'py, PyAny>> {
    match enc {
        Encoding::Utf8 => {
            let len =
                isize::try_from(cell.len()).map_err(|_| PyValueError::new_err("cell too large"))?;
            // One pass: CPython validates while it decodes (checking first with
            // from_utf8 doubled the work on every text cell).
            // SAFETY: pointer and length describe `cell`; NULL becomes the pending
            // UnicodeDecodeError.
            unsafe {
                let ptr =
                    pyo3::ffi::PyUnicode_DecodeUTF8(cell.as_ptr().cast(), len, c"strict".as_ptr());
                Bound::from_owned_ptr_or_err(py, ptr)
            }
        }
        Encoding::Other(name) => decode_with(py, cell, name),
    }
}

fn decode_with<'py>(
    py: Python<'py>,
    cell: &[u8],
    encoding: &std::ffi::CStr,
) -> PyResult<Bound<'py, PyAny>> {
    let len = isize::try_from(cell.len()).map_err(|_| PyValueError::new_err("cell too large"))?;
    // SAFETY: pointer and length describe `cell`; the codec name is NUL-terminated;
    // a NULL result is turned into the pending Python exception.
    unsafe {
        let ptr = pyo3::ffi::PyUnicode_Decode(
            cell.as_ptr().cast(),
            len,
            encoding.as_ptr(),
            c"strict".as_ptr(),
        );
        Bound::from_owned_ptr_or_err(py, ptr)
    }
}

/// One non-NULL cell to a Python object.
pub fn cell<'py>(
    py: Python<'py>,
    dec: &Decoder,
    cell: &[u8],
    enc: &Encoding,
) -> PyResult<Bound<'py, PyAny>> {
    match dec {
        Decoder::Bytes => Ok(PyBytes::new(py, cell).into_any()),
        Decoder::Str => decode_str(py, cell, enc),
        Decoder::Int => int(py, cell),
        Decoder::Float => match text::parse_f64(cell) {
            Some(v) => Ok(PyFloat::new(py, v).into_any()),
            None => py.get_type::<PyFloat>().call1((ascii(py, cell)?,)),
        },
        Decoder::Decimal => DECIMAL
            .import(py, "decimal", "Decimal")?
            .call1((ascii(py, cell)?,)),
        Decoder::DateTime => Ok(match text::parse_datetime(cell) {
            Some(v) => PyDateTime::new(
                py,
                i32::from(v.date.year),
                v.date.month,
                v.date.day,
                v.hour,
                v.minute,
                v.second,
                v.micro,
                None,
            )?
            .into_any(),
            None => py.None().into_bound(py),
        }),
        Decoder::Date => Ok(match text::parse_date(cell) {
            Some(v) => PyDate::new(py, i32::from(v.year), v.month, v.day)?.into_any(),
            None => py.None().into_bound(py),
        }),
        Decoder::TimeDelta => Ok(match text::parse_duration(cell) {
            Some(v) => timedelta(py, &v)?,
            None => py.None().into_bound(py),
        }),
        Decoder::Call { func, text } => {
            let arg = if *text {
                ascii(py, cell)?
            } else {
                PyBytes::new(py, cell).into_any()
            };
            func.bind(py).call1((arg,))
        }
    }
}

fn int<'py>(py: Python<'py>, cell: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    if let Some(v) = text::parse_i64(cell) {
        return Ok(v.into_pyobject(py)?.into_any());
    }
    if let Some(v) = text::parse_u64(cell) {
        return Ok(v.into_pyobject(py)?.into_any());
    }
    py.get_type::<pyo3::types::PyInt>()
        .call1((ascii(py, cell)?,))
}

fn ascii<'py>(py: Python<'py>, cell: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    decode_str(py, cell, &Encoding::Utf8)
}

fn timedelta<'py>(py: Python<'py>, t: &text::Duration) -> PyResult<Bound<'py, PyAny>> {
    let secs = i64::from(t.hours) * 3600 + i64::from(t.minutes) * 60 + i64::from(t.seconds);
    let sign = if t.negative { -1 } else { 1 };
    let (days, secs) = ((secs / 86400) as i32, (secs % 86400) as i32);
    Ok(PyDelta::new(py, sign * days, sign * secs, sign * t.micro as i32, true)?.into_any())
}
