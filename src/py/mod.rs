//! The only module that uses pyo3: the `unshaken._native` extension.

mod batch;
mod bulk;
mod connect_args;
mod connection;
mod convert;
mod errors;
mod execute;
mod hook;
mod literal;
mod result;
mod wait_callback;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    forward_logs(m.py());
    m.add_class::<connection::Connection>()?;
    m.add_class::<result::Result>()?;
    m.add_class::<batch::Statements>()?;
    m.add_function(wrap_pyfunction!(batch::mogrify, m)?)?;
    m.add_function(wrap_pyfunction!(batch::statements, m)?)?;
    m.add_function(wrap_pyfunction!(execute::execute_stored, m)?)?;
    m.add_function(wrap_pyfunction!(bulk::execute_bulk, m)?)?;
    m.add_function(wrap_pyfunction!(connection::escape_string, m)?)?;
    m.add_function(wrap_pyfunction!(connection::changes_literal_rules, m)?)?;
    m.add_function(wrap_pyfunction!(get_client_info, m)?)?;
    m.add_function(wrap_pyfunction!(connect_args::timeout_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(connect_args::ssl_mode_name, m)?)?;
    m.add_function(wrap_pyfunction!(wait_callback::set_wait_callback, m)?)?;
    m.add_function(wrap_pyfunction!(wait_callback::get_wait_callback, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// Rust `log` records go to the Python logger named after the target's crate
/// ("unshaken"), through pyo3-log, once the program has imported `logging`: until then
/// no handler exists that could take a record (the driver logs only at DEBUG and
/// TRACE), and importing it for pyo3-log would cost every process about 7 ms at its
/// first connect. Called at import and before each connect, so a program that sets up
/// logging after importing the driver gets the records of its next connection.
pub(crate) fn forward_logs(py: Python<'_>) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.load(Ordering::Acquire) {
        return;
    }
    // Looked up in sys.modules directly: import("sys") went through the import
    // machinery on every connect (9k of a connect+close's 230k instructions).
    let name = pyo3::intern!(py, "logging");
    // SAFETY: PyImport_GetModule takes a borrowed name and returns a new reference,
    // or NULL: not imported (no error set), or sys.modules broken (error cleared).
    let module =
        unsafe { Bound::from_owned_ptr_or_opt(py, pyo3::ffi::PyImport_GetModule(name.as_ptr())) };
    if module.is_none() {
        drop(PyErr::take(py));
    }
    let imported = module.is_some();
    if imported && !INSTALLED.swap(true, Ordering::AcqRel) {
        let _ = pyo3_log::try_init();
    }
}

#[pyfunction]
fn get_client_info() -> String {
    format!("unshaken {}", env!("CARGO_PKG_VERSION"))
}
