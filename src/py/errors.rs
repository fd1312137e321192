//! The one place where core errors become Python exceptions.

use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyAny;

use super::hook::PyHook;
use crate::error::{Error, ErrorKind, Usage};

static ERROR_CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// mysqlclient's errno -> class table lives in `unshaken._exceptions.error_class`
/// (data in one place); this calls it and builds `cls(errno, message)`.
pub fn to_pyerr(py: Python<'_>, err: Error, hook: &mut PyHook) -> PyErr {
    match hook.finish(py) {
        // The exception a signal handler raised reaches the caller unchanged, and it
        // wins over a database error that happened meanwhile.
        Some(raised) => raised,
        None => error(py, err),
    }
}

/// The exception for `err`: mysqlclient's class by errno with `(errno, message)`,
/// and for a refused option the exception mysqlclient raises for it, with the
/// message alone (ValueError, or `NotSupportedError("Unknown ssl_mode specification")`).
pub fn error(py: Python<'_>, err: Error) -> PyErr {
    match err.kind() {
        ErrorKind::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        ErrorKind::Usage(Usage::BadValue) => PyValueError::new_err(err.message().to_string()),
        ErrorKind::Usage(Usage::NotSupported) => {
            class_call(py, "NotSupportedError", (err.message(),))
        }
        ErrorKind::Server { .. } | ErrorKind::Client(_) => raise(py, err.code(), err.message()),
    }
}

/// The result of a blocking call, unless a signal handler raised meanwhile.
pub fn settle<T>(py: Python<'_>, result: Result<T, Error>, hook: &mut PyHook) -> PyResult<T> {
    match result {
        Ok(v) => match hook.finish(py) {
            Some(raised) => Err(raised),
            None => Ok(v),
        },
        Err(e) => Err(to_pyerr(py, e, hook)),
    }
}

pub fn raise(py: Python<'_>, code: u16, message: &str) -> PyErr {
    match error_class(py, code) {
        Ok(cls) => match cls.call1((code, message)) {
            Ok(exc) => PyErr::from_value(exc),
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// An exception class by name from `unshaken._exceptions` (InterfaceError, ...).
pub fn named(py: Python<'_>, class: &str, code: u16, message: &str) -> PyErr {
    class_call(py, class, (code, message))
}

fn class_call<'py>(py: Python<'py>, class: &str, args: impl pyo3::call::PyCallArgs<'py>) -> PyErr {
    match py
        .import("unshaken._exceptions")
        .and_then(|m| m.getattr(class))
        .and_then(|cls| cls.call1(args))
    {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

fn error_class<'py>(py: Python<'py>, code: u16) -> PyResult<Bound<'py, PyAny>> {
    let f = ERROR_CLASS.get_or_try_init(py, || {
        py.import("unshaken._exceptions")?
            .getattr("error_class")
            .map(Bound::unbind)
    })?;
    f.bind(py).call1((code,))
}
