//! The only module that uses pyo3: the `unshaken._native` extension.

mod connection;
mod convert;
mod errors;
mod hook;
mod literal;
mod result;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Rust `log` records go to the Python logger named after the target's crate: "unshaken".
    let _ = pyo3_log::try_init();
    m.add_class::<connection::Connection>()?;
    m.add_class::<result::Result>()?;
    m.add_function(wrap_pyfunction!(connection::escape_string, m)?)?;
    m.add_function(wrap_pyfunction!(connection::changes_literal_rules, m)?)?;
    m.add_function(wrap_pyfunction!(get_client_info, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

#[pyfunction]
fn get_client_info() -> String {
    format!("unshaken {}", env!("CARGO_PKG_VERSION"))
}
