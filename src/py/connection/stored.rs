//! Statements whose results are built here: the fused stored path of `execute()`
//! and the rows an unbuffered result reads as it is fetched.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::{affected_rows, ClientCharsetState, Connection};
use crate::client::{
    may_change_client_charset, timeout_limit, Column as ColumnDefinition, Deadline,
};
use crate::py::convert;
use crate::py::errors::error;
use crate::py::result::{Result as PyResultSet, Rows, BATCH};

impl Connection {
    /// `query_stored`; `plain`: the caller knows `sql` cannot change the client
    /// character set (bound by the core from a template that cannot, with the core's
    /// own literals), so it is not scanned again.
    pub(in crate::py) fn run_stored<'py>(
        &self,
        py: Python<'py>,
        sql: &[u8],
        plain: bool,
        timeout: Option<f64>,
        how: u8,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let deadline =
            Deadline::after(timeout_limit("timeout", timeout).map_err(|e| error(py, e))?);
        let (stored, mut warnings, mut affected, insert_id) =
            self.command(py, move |conn, slot, hook| {
                if !plain && may_change_client_charset(sql) {
                    slot.client_charset = ClientCharsetState::Unknown;
                }
                conn.query_within(sql, deadline, hook)?;
                let insert_id = (conn.last().field_count == 0).then(|| conn.last().insert_id);
                let stored = match conn.take_columns() {
                    None => None,
                    Some(columns) => {
                        // The first batch in this crossing: a small result ends here;
                        // a large one is built batch by batch while the rest arrives.
                        let mut rows = Vec::new();
                        let done = conn.read_rows(BATCH, &mut rows, hook)?;
                        Some((columns, conn.result_seq(), rows, done))
                    }
                };
                Ok((stored, conn.last().warnings, affected_rows(conn), insert_id))
            })?;
        let none = || py.None().into_bound(py);
        let (rows, description, flags) = match stored {
            None => (PyTuple::empty(py).into_any(), none(), none()),
            Some((columns, seq, first, done)) => {
                let stored = Rows::Stored {
                    built: Vec::new(),
                    raw: Vec::new(),
                };
                let result = self.make_result(py, columns, stored)?;
                result.store(py, self, seq, first, done)?;
                if !done {
                    // The figures of the result's end, read after the first batch.
                    (warnings, affected) =
                        self.peek(py, |conn, _| (conn.last().warnings, affected_rows(conn)))?;
                }
                // Never waited for: another thread's statement is using it.
                let (description, flags) = match self.described.try_lock() {
                    Ok(mut last) => result.described(py, &mut last)?,
                    Err(_) => (result.describe(py)?, result.field_flags(py)?),
                };
                let (description, flags) = (description.into_any(), flags.into_any());
                let rows = match result.fetch_row(py, 0, how) {
                    Ok(rows) => rows.into_any(),
                    Err(e) => e.into_value(py).into_bound(py).into_any(),
                };
                (rows, description, flags)
            }
        };
        (rows, description, flags, warnings, affected, insert_id).into_pyobject(py)
    }

    pub(super) fn make_result(
        &self,
        py: Python<'_>,
        columns: Vec<ColumnDefinition>,
        rows: Rows,
    ) -> PyResult<PyResultSet> {
        let decoders = convert::plan(py, self.conv.as_ref().map(|c| c.bind(py)), &columns)?;
        Ok(PyResultSet::new(
            columns,
            decoders,
            self.text_encoding(py)?,
            rows,
        ))
    }

    /// True when the session is open with nothing pending (no rows, no later result):
    /// the next statement may go, and the last error is forgotten, as `drain` leaves
    /// it when it finds nothing to read. False otherwise, with nothing changed.
    pub(in crate::py) fn ready_for_next(&self, py: Python<'_>) -> PyResult<bool> {
        let mut slot = self.lock(py)?;
        let ready = slot.conn.as_ref().is_some_and(|c| c.is_idle());
        if ready {
            slot.last_error = None;
        }
        Ok(ready)
    }

    /// Read and drop the rest of the current result set (use_result path).
    pub(in crate::py) fn discard_rows(&self, py: Python<'_>, seq: u64) -> PyResult<()> {
        self.command(py, |conn, _, hook| conn.discard_rows_of(seq, hook))
    }

    /// Read up to `max` rows (0 = all) of the current result set (use_result path).
    pub(in crate::py) fn read_rows(
        &self,
        py: Python<'_>,
        max: usize,
        seq: u64,
    ) -> PyResult<(Vec<bytes::Bytes>, bool)> {
        self.command(py, |conn, _, hook| {
            let mut rows = Vec::new();
            let done = conn.read_rows_of(seq, max, &mut rows, hook)?;
            Ok((rows, done))
        })
    }
}
