//! How a row's packet becomes a Python object: cells decoded by the result's plan,
//! a tuple (untracked by the collector when it holds only plain values) or a dict.

use bytes::Bytes;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use super::Result;
use crate::client::TextRow;
use crate::py::convert;

impl Result {
    fn names<'py>(&self, py: Python<'py>, qualified: bool) -> PyResult<Vec<Bound<'py, PyString>>> {
        let mut seen = std::collections::HashSet::new();
        self.columns
            .iter()
            .map(|c| {
                let name = String::from_utf8_lossy(c.name());
                let table = String::from_utf8_lossy(c.table());
                // how=1 keys by name; a repeated name falls back to "table.name".
                let key = if qualified || !seen.insert(name.to_string()) {
                    format!("{table}.{name}")
                } else {
                    name.to_string()
                };
                Ok(PyString::new(py, &key))
            })
            .collect()
    }

    /// The row's cells into `cells`; `max_lengths`, when given, is raised to each
    /// cell's length on the way (the one parse of the row that stores it).
    fn row<'py>(
        &self,
        py: Python<'py>,
        payload: &[u8],
        cells: &mut Vec<Bound<'py, PyAny>>,
        mut max_lengths: Option<&mut [usize]>,
    ) -> PyResult<()> {
        cells.clear();
        let mut row = TextRow::new(payload);
        for (i, dec) in self.decoders.iter().enumerate() {
            let cell = row.next_cell().map_err(|e| {
                crate::py::errors::raise(py, crate::error::cr::CR_MALFORMED_PACKET, &e.to_string())
            })?;
            if let (Some(max), Some(bytes)) = (max_lengths.as_deref_mut(), cell) {
                max[i] = max[i].max(bytes.len());
            }
            cells.push(match cell {
                None => py.None().into_bound(py),
                Some(bytes) => convert::cell(py, dec, bytes, &self.encoding)?,
            });
        }
        Ok(())
    }

    pub(super) fn tuple<'py>(
        &self,
        py: Python<'py>,
        payload: &[u8],
        cells: &mut Vec<Bound<'py, PyAny>>,
        max_lengths: Option<&mut [usize]>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        self.row(py, payload, cells, max_lengths)?;
        Ok(untracked_if_atomic(PyTuple::new(py, cells.drain(..))?))
    }

    /// The keys of a dict row: None for tuples (how=0), names (1) or "table.name" (2).
    pub(super) fn keys<'py>(
        &self,
        py: Python<'py>,
        how: u8,
    ) -> PyResult<Option<Vec<Bound<'py, PyString>>>> {
        match how {
            0 => Ok(None),
            1 | 2 => Ok(Some(self.names(py, how == 2)?)),
            _ => Err(PyValueError::new_err("how out of range")),
        }
    }

    /// A built row in the shape `keys` ask for.
    pub(super) fn shaped<'py>(
        row: &Bound<'py, PyTuple>,
        keys: Option<&[Bound<'py, PyString>]>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Some(keys) = keys else {
            return Ok(row.clone().into_any());
        };
        let d = PyDict::new(row.py());
        for (k, v) in keys.iter().zip(row.iter_borrowed()) {
            d.set_item(k, v)?;
        }
        Ok(d.into_any())
    }

    /// Build `rows` onto `out`; a failure says which row (it counts as fetched and
    /// the rows after it do not, as with mysql_fetch_row).
    pub(super) fn build<'py>(
        &self,
        py: Python<'py>,
        rows: &[Bytes],
        keys: Option<&[Bound<'py, PyString>]>,
        out: &mut Vec<Bound<'py, PyAny>>,
    ) -> std::result::Result<(), (usize, PyErr)> {
        let mut cells = Vec::with_capacity(self.decoders.len());
        out.reserve(rows.len());
        for (i, payload) in rows.iter().enumerate() {
            let row = self
                .tuple(py, payload, &mut cells, None)
                .and_then(|row| Self::shaped(&row, keys))
                .map_err(|e| (i, e))?;
            out.push(row);
        }
        Ok(())
    }
}

/// A row of values that hold no references (ints, strings, dates, ...) can be in no
/// reference cycle: the garbage collector need not track it. CPython untracks such a
/// tuple itself, but only when a collection first walks it; untracked at birth, the
/// collections that 100,000 new rows set off have nothing to walk (they took a tenth
/// of a large fetch).
fn untracked_if_atomic(row: Bound<'_, PyTuple>) -> Bound<'_, PyTuple> {
    // SAFETY: plain queries on live objects; untracking a tracked tuple whose items
    // are all untracked is what CPython's own collector does to it.
    unsafe {
        let atomic = row
            .iter_borrowed()
            .all(|item| pyo3::ffi::PyObject_GC_IsTracked(item.as_ptr()) == 0);
        if atomic && pyo3::ffi::PyObject_GC_IsTracked(row.as_ptr()) == 1 {
            pyo3::ffi::PyObject_GC_UnTrack(row.as_ptr().cast());
        }
    }
    row
}

/// Raise `max` to each column's longest value in `rows`.
pub(super) fn note_lengths(max: &mut [usize], rows: &[Bytes]) {
    for payload in rows {
        let mut row = TextRow::new(payload);
        for m in max.iter_mut() {
            match row.next_cell() {
                Ok(Some(cell)) => *m = (*m).max(cell.len()),
                Ok(None) => {}
                Err(_) => break,
            }
        }
    }
}
