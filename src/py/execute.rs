//! `execute()` of a buffered cursor in one call: bind, run, store (cursors.py
//! `BaseCursor._execute_stored`), for the statements of a point-select workload, where
//! the Python steps between the core's calls cost as much as the core's own work.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::batch::{bind, Policy};
use super::connection::Connection;

/// `query` with `args` bound as `mogrify` binds it, then `Connection.query_stored`.
/// Returns `(executed, outcome)`: the statement sent, and query_stored's tuple or the
/// exception the statement raised in its place (the cursor shows the statement's
/// figures either way). A binding error raises: nothing was sent. None when this path
/// cannot run it: results still pending (the cursor drains them first), the session
/// closed, or arguments only Python can bind.
#[pyfunction]
#[pyo3(signature = (conn, query, args, policy, timeout, how))]
pub fn execute_stored<'py>(
    py: Python<'py>,
    conn: &Bound<'py, Connection>,
    query: &Bound<'py, PyBytes>,
    args: Option<&Bound<'py, PyAny>>,
    policy: Option<Policy>,
    timeout: Option<f64>,
    how: u8,
) -> PyResult<Option<(Bound<'py, PyBytes>, Bound<'py, PyAny>)>> {
    let this = conn.get();
    if !this.ready_for_next(py).unwrap_or(false) {
        return Ok(None);
    }
    let (executed, plain) = match (args, &policy) {
        (None, _) => (query.clone(), false),
        (Some(args), Some(policy)) => match bind(py, this, query.as_bytes(), args, policy)? {
            Some(bound) => (bound.sql, bound.plain),
            None => return Ok(None),
        },
        (Some(_), None) => return Ok(None),
    };
    let outcome = match this.run_stored(py, executed.as_bytes(), plain, timeout, how) {
        Ok(stored) => stored.into_any(),
        Err(e) => e.into_value(py).into_bound(py).into_any(),
    };
    Ok(Some((executed, outcome)))
}
