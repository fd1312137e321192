//! `_native.Result`: a result set whose rows are built in Rust straight into Python
//! objects, with the converter plan resolved once.

mod described;
mod rows;

pub use described::Described;

use rows::note_lengths;

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use super::connection::Connection;
use super::convert::{self, Decoder, Encoding};
use crate::client::Column as ColumnDefinition;
use crate::consts::field_type::{is_num_field, NOT_NULL_FLAG, NUM_FLAG};

/// Rows per read while a result is stored or streamed whole: between two reads the
/// rows just read are built while the server sends the next ones, and their packets
/// are freed as soon as they are built.
pub const BATCH: usize = 512;

pub enum Rows {
    /// store_result: every row already read. `built` are the first rows, made into
    /// tuples as they arrived (see `store`); `raw` the rest, as the server sent them:
    /// all of them when a user's converter must run at fetch time, or from the first
    /// row that failed to convert (fetching it raises, as it would have).
    Stored {
        built: Vec<Py<PyTuple>>,
        raw: Vec<Bytes>,
    },
    /// use_result: rows are read from the connection as they are fetched; the number
    /// says which of the connection's result sets this is, so a stale result can
    /// never read (and misdecode) a later one's rows.
    Streaming(Py<Connection>, u64),
}

struct Cursor {
    rows: Rows,
    /// Longest value per column over the stored rows (mysql_store_result's
    /// max_length), noted as they were read; zeros while streaming.
    max_lengths: Vec<usize>,
    /// Next stored row to hand out; while streaming, rows handed out so far.
    pos: usize,
    done: bool,
    /// Streaming: rows read after one that failed to convert, handed out next (as
    /// libmysqlclient leaves them on the wire for the next fetch).
    pending: VecDeque<Bytes>,
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
            state: Mutex::new(Cursor {
                max_lengths: vec![0; columns.len()],
                rows,
                pos: 0,
                done: false,
                pending: VecDeque::new(),
            }),
            columns,
            decoders,
            encoding,
        }
    }

    /// Read the whole result set (store_result), building rows into tuples batch by
    /// batch as they arrive: the building overlaps the server's sending, where reading
    /// everything first and building after took the sum of both. A user's converter
    /// runs at fetch time as before (it may use the connection, which is busy here).
    /// `first` are rows already read (`done`: they were all of them), e.g. in the same
    /// crossing as the statement itself.
    pub fn store(
        &self,
        py: Python<'_>,
        conn: &Connection,
        seq: u64,
        first: Vec<Bytes>,
        mut done: bool,
    ) -> PyResult<()> {
        let prebuild = !self
            .decoders
            .iter()
            .any(|d| matches!(d, Decoder::Call { .. }));
        let (mut built, mut raw) = (Vec::new(), Vec::new());
        // The zeros Result::new made, filled here and put back at the end.
        let mut max_lengths = std::mem::take(&mut self.lock(py)?.max_lengths);
        let mut cells = Vec::with_capacity(self.decoders.len());
        let mut next = Some(first);
        loop {
            let rows = match next.take() {
                Some(rows) => rows,
                None => {
                    let (rows, end) = conn.read_rows(py, if prebuild { BATCH } else { 0 }, seq)?;
                    done = end;
                    rows
                }
            };
            let mut rows = rows.into_iter();
            if prebuild && raw.is_empty() {
                for payload in rows.by_ref() {
                    match self.tuple(py, &payload, &mut cells, Some(&mut max_lengths)) {
                        Ok(row) => built.push(row.unbind()),
                        Err(_) => {
                            // Kept as it came: fetching it raises the same error then.
                            raw.push(payload);
                            break;
                        }
                    }
                }
            }
            // Rows kept raw are measured here (from the one that failed to build, if it
            // is this batch's: measuring a row twice is harmless); built ones were
            // measured while they were built.
            let from = raw.len();
            raw.extend(rows);
            note_lengths(&mut max_lengths, &raw[from.saturating_sub(1)..]);
            if done {
                break;
            }
        }
        let mut st = self.lock(py)?;
        st.rows = Rows::Stored { built, raw };
        st.max_lengths = max_lengths;
        Ok(())
    }
}

#[pymethods]
impl Result {
    /// A result is made by store_result()/use_result() only; MySQLdb refuses to
    /// re-initialize one (it would re-point it at another connection's rows).
    #[pyo3(signature = (*_args, **_kwargs))]
    fn __init__(
        &self,
        py: Python<'_>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        Err(super::errors::named(
            py,
            "ProgrammingError",
            0,
            "Result is already initialized",
        ))
    }

    /// The Python objects this result holds (user converters, the connection it
    /// streams from), so the garbage collector sees cycles through it.
    fn __traverse__(&self, visit: PyVisit<'_>) -> std::result::Result<(), PyTraverseError> {
        for dec in &self.decoders {
            if let Decoder::Call { func, .. } = dec {
                visit.call(func)?;
            }
        }
        // Never waited for: a holder of the lock is mid-call and keeps the result alive.
        if let Ok(st) = self.state.try_lock() {
            if let Rows::Streaming(conn, _) = &st.rows {
                visit.call(conn)?;
            }
        }
        Ok(())
    }

    /// The DB-API description, final as `cursor.description` shows it: per column
    /// (name, type_code, display_size, internal_size, precision, scale, null_ok),
    /// each a C int as mysqlclient builds it (a 0xFFFFFFFF length reads -1, null_ok
    /// is 0/1).
    pub(super) fn describe<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let names = self.described_names(py);
        self.description(py, &names, &self.lock(py)?.max_lengths)
    }

    /// Column flags as the C client reports them (`description_flags`).
    pub(super) fn field_flags<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.columns.iter().map(client_flags))
    }

    fn num_rows(&self, py: Python<'_>) -> PyResult<usize> {
        let st = self.lock(py)?;
        Ok(match &st.rows {
            Rows::Stored { built, raw } => built.len() + raw.len(),
            Rows::Streaming(..) => st.pos,
        })
    }

    /// Drop the rows not fetched yet without building them.
    fn discard(&self, py: Python<'_>) -> PyResult<()> {
        let mut guard = self.lock(py)?;
        let st = &mut *guard;
        match &st.rows {
            Rows::Stored { built, raw } => st.pos = built.len() + raw.len(),
            Rows::Streaming(conn, seq) => {
                st.pending.clear();
                if !st.done {
                    conn.get().discard_rows(py, *seq)?;
                    st.done = true;
                }
            }
        }
        Ok(())
    }

    #[pyo3(signature = (maxrows=1, how=0))]
    pub(super) fn fetch_row<'py>(
        &self,
        py: Python<'py>,
        maxrows: usize,
        how: u8,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let mut guard = self.lock(py)?;
        // Fields borrowed apart: the streaming loop reads through `rows` and moves `pos`.
        let st = &mut *guard;
        let keys = self.keys(py, how)?;
        let keys = keys.as_deref();
        let mut out = Vec::new();
        match &st.rows {
            Rows::Stored { built, raw } => {
                let total = built.len() + raw.len();
                let end = if maxrows == 0 {
                    total
                } else {
                    // Any count Python passes is fine: 2**64-1 means "all the rest".
                    st.pos.saturating_add(maxrows).min(total)
                };
                let split = built.len();
                if keys.is_none() && end <= split {
                    // Tuples already built, handed out as they are: no list between.
                    let rows = &built[st.pos.min(end)..end];
                    st.pos = end;
                    return PyTuple::new(py, rows.iter().map(|row| row.bind(py)));
                }
                for row in &built[st.pos.min(split)..end.min(split)] {
                    out.push(Self::shaped(row.bind(py), keys)?);
                }
                if end > split {
                    let from = st.pos.max(split);
                    if let Err((i, e)) =
                        self.build(py, &raw[from - split..end - split], keys, &mut out)
                    {
                        st.pos = from + i + 1;
                        return Err(e);
                    }
                }
                st.pos = end;
            }
            Rows::Streaming(conn, seq) => {
                // In batches, built between reads, as `store` does.
                while maxrows == 0 || out.len() < maxrows {
                    let want = match maxrows {
                        0 => BATCH,
                        n => (n - out.len()).min(BATCH),
                    };
                    let batch: Vec<Bytes> = if !st.pending.is_empty() {
                        let n = want.min(st.pending.len());
                        st.pending.drain(..n).collect()
                    } else if st.done {
                        break;
                    } else {
                        let (rows, done) = conn.get().read_rows(py, want, *seq)?;
                        st.done = done;
                        rows
                    };
                    if let Err((i, e)) = self.build(py, &batch, keys, &mut out) {
                        st.pos += i + 1;
                        for row in batch[i + 1..].iter().rev() {
                            st.pending.push_front(row.clone());
                        }
                        return Err(e);
                    }
                    st.pos += batch.len();
                }
            }
        }
        PyTuple::new(py, out)
    }
}

impl Drop for Result {
    /// An unbuffered result dropped before its last row: the rest is read and thrown
    /// away now, as mysql_free_result() does, so the connection can run the next
    /// statement (a cursor that left rows unread is no 2014 for the next one).
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Rows::Streaming(conn, seq) = &st.rows {
            if !st.done {
                // Errors have nowhere to go here; the next statement reports them.
                Python::attach(|py| {
                    if let Err(e) = conn.get().discard_rows(py, *seq) {
                        drop(e);
                    }
                });
            }
        }
    }
}

impl Result {
    /// The columns' names as the description shows them (decoded in the connection's
    /// charset; a name it cannot decode is shown with replacement characters).
    fn described_names<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        let name = |c: &ColumnDefinition| {
            convert::decode_str(py, c.name(), &self.encoding).unwrap_or_else(|_| {
                PyString::new(py, &String::from_utf8_lossy(c.name())).into_any()
            })
        };
        self.columns.iter().map(name).collect()
    }

    /// The description (see `describe`) with these names and longest values.
    fn description<'py>(
        &self,
        py: Python<'py>,
        names: &[Bound<'py, PyAny>],
        max_lengths: &[usize],
    ) -> PyResult<Bound<'py, PyTuple>> {
        let items = self
            .columns
            .iter()
            .zip(names)
            .zip(max_lengths)
            .map(|((c, name), &max_len)| {
                (
                    name,
                    c.column_type,
                    c_int(max_len as u64),
                    c_int(c.column_length.into()),
                    c_int(c.column_length.into()),
                    c.decimals,
                    i32::from(c.flags & NOT_NULL_FLAG == 0),
                )
            });
        PyTuple::new(py, items)
    }

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
                &format!(
                    "{}: this result is already in use from another thread",
                    crate::error::cr::OUT_OF_SYNC
                ),
            )),
        }
    }
}

/// A length as mysqlclient hands it to Python: through a C `int`, so 0xFFFFFFFF (a
/// LONGTEXT or GEOMETRY length) reads -1.
fn c_int(n: u64) -> i32 {
    n as u32 as i32
}

/// The wire flags plus NUM_FLAG on numeric columns, which the C client adds itself.
fn client_flags(c: &ColumnDefinition) -> u16 {
    if is_num_field(c.column_type, c.column_length) {
        c.flags | NUM_FLAG
    } else {
        c.flags
    }
}
