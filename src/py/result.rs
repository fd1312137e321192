//! `_native.Result`: a result set whose rows are built in Rust straight into Python
//! objects, with the converter plan resolved once.

use std::sync::Mutex;

use bytes::Bytes;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use super::connection::Connection;
use super::convert::{self, Decoder, Encoding};
use crate::consts::field_type::NOT_NULL_FLAG;
use crate::proto::packets::row::TextRow;
use crate::proto::packets::ColumnDefinition;

pub enum Rows {
    /// store_result: every row already read.
    Stored(Vec<Bytes>),
    /// use_result: rows are read from the connection as they are fetched; the number
    /// says which of the connection's result sets this is, so a stale result can
    /// never read (and misdecode) a later one's rows.
    Streaming(Py<Connection>, u64),
}

struct Cursor {
    rows: Rows,
    /// Next stored row to hand out.
    pos: usize,
    done: bool,
}

#[pyclass(module = "unshaken._native", name = "Result", frozen)]
pub struct Result {
    columns: Vec<ColumnDefinition>,
    decoders: Vec<Decoder>,
    encoding: Encoding,
    state: Mutex<Cursor>,
}

impl Result {
    pub fn new(
        columns: Vec<ColumnDefinition>,
        decoders: Vec<Decoder>,
        encoding: Encoding,
        rows: Rows,
    ) -> Self {
        Result {
            columns,
            decoders,
            encoding,
            state: Mutex::new(Cursor {
                rows,
                pos: 0,
                done: false,
            }),
        }
    }

    fn names<'py>(&self, py: Python<'py>, qualified: bool) -> PyResult<Vec<Bound<'py, PyString>>> {
        let mut seen = std::collections::HashSet::new();
        self.columns
            .iter()
            .map(|c| {
                let name = String::from_utf8_lossy(&c.name);
                let table = String::from_utf8_lossy(&c.table);
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

    fn row<'py>(
        &self,
        py: Python<'py>,
        payload: &[u8],
        cells: &mut Vec<Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        cells.clear();
        let mut row = TextRow::new(payload);
        for dec in &self.decoders {
            let cell = row.next_cell().map_err(|e| {
                super::errors::raise(py, crate::error::cr::CR_MALFORMED_PACKET, &e.to_string())
            })?;
            cells.push(match cell {
                None => py.None().into_bound(py),
                Some(bytes) => convert::cell(py, dec, bytes, &self.encoding)?,
            });
        }
        Ok(())
    }

    fn build<'py>(
        &self,
        py: Python<'py>,
        rows: &[Bytes],
        how: u8,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let keys = match how {
            0 => None,
            1 | 2 => Some(self.names(py, how == 2)?),
            _ => return Err(PyValueError::new_err("how out of range")),
        };
        let mut cells = Vec::with_capacity(self.decoders.len());
        let mut out = Vec::with_capacity(rows.len());
        for payload in rows {
            self.row(py, payload, &mut cells)?;
            out.push(match &keys {
                None => PyTuple::new(py, cells.drain(..))?.into_any(),
                Some(keys) => {
                    let d = PyDict::new(py);
                    for (k, v) in keys.iter().zip(cells.drain(..)) {
                        d.set_item(k, v)?;
                    }
                    d.into_any()
                }
            });
        }
        Ok(out)
    }
}

#[pymethods]
impl Result {
    /// DB-API description entries: (name, type_code, display_size, internal_size,
    /// precision, scale, null_ok), as MySQLdb builds them.
    fn describe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let max_lengths = self.max_lengths(py)?;
        let items = self.columns.iter().zip(max_lengths).map(|(c, max_len)| {
            let name = convert::decode_str(py, &c.name, &self.encoding).unwrap_or_else(|_| {
                PyString::new(py, &String::from_utf8_lossy(&c.name)).into_any()
            });
            (
                name,
                c.column_type,
                max_len,
                c.column_length,
                c.column_length,
                c.decimals,
                c.flags & NOT_NULL_FLAG == 0,
            )
        });
        PyTuple::new(py, items.collect::<Vec<_>>())
    }

    fn field_flags<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.columns.iter().map(|c| c.flags))
    }

    fn num_rows(&self, py: Python<'_>) -> PyResult<usize> {
        let st = self.lock(py)?;
        Ok(match &st.rows {
            Rows::Stored(rows) => rows.len(),
            Rows::Streaming(..) => st.pos,
        })
    }

    /// Drop the rows not fetched yet without building them.
    fn discard(&self, py: Python<'_>) -> PyResult<()> {
        let mut st = self.lock(py)?;
        match &st.rows {
            Rows::Stored(rows) => st.pos = rows.len(),
            Rows::Streaming(conn, seq) => {
                if !st.done {
                    conn.get().discard_rows(py, *seq)?;
                    st.done = true;
                }
            }
        }
        Ok(())
    }

    #[pyo3(signature = (maxrows=1, how=0))]
    fn fetch_row<'py>(
        &self,
        py: Python<'py>,
        maxrows: usize,
        how: u8,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let mut st = self.lock(py)?;
        let built = match &st.rows {
            Rows::Stored(rows) => {
                let end = if maxrows == 0 {
                    rows.len()
                } else {
                    // Any count Python passes is fine: 2**64-1 means "all the rest".
                    st.pos.saturating_add(maxrows).min(rows.len())
                };
                let built = self.build(py, &rows[st.pos..end], how)?;
                st.pos = end;
                built
            }
            Rows::Streaming(conn, seq) => {
                if st.done {
                    Vec::new()
                } else {
                    let (rows, done) = conn.get().read_rows(py, maxrows, *seq)?;
                    st.done = done;
                    st.pos += rows.len();
                    self.build(py, &rows, how)?
                }
            }
        };
        PyTuple::new(py, built)
    }
}

impl Result {
    /// The cursor state, for one call. Never waited for: the holder may be reading
    /// from the network with the GIL released (and would need it back), so a second
    /// thread gets ProgrammingError (2014) instead of a deadlock.
    fn lock(&self, py: Python<'_>) -> PyResult<std::sync::MutexGuard<'_, Cursor>> {
        match self.state.try_lock() {
            Ok(g) => Ok(g),
            Err(std::sync::TryLockError::Poisoned(p)) => Ok(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => Err(super::errors::raise(
                py,
                crate::error::cr::CR_COMMANDS_OUT_OF_SYNC,
                "Commands out of sync: this result is in use by another thread",
            )),
        }
    }

    /// Longest value per column over stored rows (0 while streaming), as libmysql's
    /// mysql_store_result reports max_length.
    fn max_lengths(&self, py: Python<'_>) -> PyResult<Vec<usize>> {
        let mut max = vec![0usize; self.columns.len()];
        let st = self.lock(py)?;
        if let Rows::Stored(rows) = &st.rows {
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
        Ok(max)
    }
}
