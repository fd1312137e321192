//! executemany() of an UPDATE or DELETE through MariaDB's bulk execution: each row's
//! arguments bound here as binary parameters that the server reads as it would read
//! their literals, and a few commands in place of one statement per row.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use super::batch::{bindable_template, Policy};
use super::connection::Connection;
use super::errors::error;
use super::literal::{Binary, Writer};
use crate::client::{timeout_limit, BulkRows, BulkValue, Deadline};
use crate::value::template::Shape;

/// The figures of the rows run: affected rows (summed), the last insert id, warnings
/// (summed).
type Figures = (u64, u64, u16);

/// What [`execute_bulk`] did: rows run, their figures, the first row not run (in a
/// 1-tuple: a row may be None), the last row run.
type Outcome<'py> = Option<(
    u64,
    u64,
    u64,
    u16,
    Option<(Bound<'py, PyAny>,)>,
    Option<Bound<'py, PyAny>>,
)>;

/// Run `query` (`%s` placeholders only) once per item of the iterator `rows` by bulk
/// execution. None when the template is not one (or `rows` is empty); nothing of
/// `rows` was read then. Else `(ran, affected_rows, insert_id, warnings, rest, last)`:
/// `ran` rows were run in batches of at most `max_length` bytes; `rest`, a 1-tuple of
/// the first row not run, for the caller to run with the rows after it one by one:
/// the first with no binary form here (a type the core makes no literal for, a row
/// of the wrong shape), or the very first when bulk execution cannot start (the
/// server has none, cannot prepare the statement, or it returns rows); `last` is the
/// last row run.
#[pyfunction]
#[pyo3(signature = (conn, query, rows, policy, max_length, timeout=None))]
pub fn execute_bulk<'py>(
    py: Python<'py>,
    conn: &Bound<'py, Connection>,
    query: &[u8],
    rows: &Bound<'py, PyAny>,
    policy: Policy,
    max_length: usize,
    timeout: Option<f64>,
) -> PyResult<Outcome<'py>> {
    let Some(template) = bindable_template(query) else {
        return Ok(None);
    };
    let Shape::Positional(n @ 1..) = template.shape() else {
        return Ok(None);
    };
    let mut sql = Vec::with_capacity(query.len());
    let _ = template.fill(&mut sql, |_, out| {
        out.push(b'?');
        Ok::<(), ()>(())
    });
    let limit = timeout_limit("timeout", timeout).map_err(|e| error(py, e))?;
    let me = conn.get();
    let writer = policy.writer(py, me)?;
    let mut rows = rows.try_iter()?;
    let Some(first) = rows.next().transpose()? else {
        return Ok(None);
    };
    // A first row with no binary form (an encoder of the user's, say) is not worth
    // a prepare: it goes back, with nothing run.
    let nothing_run = |first| Ok(Some((0, 0, 0, 0, Some((first,)), None)));
    if !bind(&writer, &first, n, &mut Vec::new(), &mut Vec::new())? {
        return nothing_run(first);
    }
    let prepared = me.command(py, |c, _, hook| {
        if !c.bulk_supported() {
            return Ok(None);
        }
        match c.prepare(&sql, Deadline::after(limit), hook) {
            Ok(ok) if ok.columns == 0 && usize::from(ok.params) == n => Ok(Some(ok.statement_id)),
            // Placeholders the server does not see (in quotes, in a comment): not the
            // statement Python would format.
            Ok(ok) => c.close_statement(ok.statement_id, hook).map(|()| None),
            // Run as queries, the rows meet that error (or none) as Python sends them.
            Err(e) if e.is_server() => Ok(None),
            Err(e) => Err(e),
        }
    })?;
    let Some(id) = prepared else {
        return nothing_run(first);
    };
    let mut run = Run {
        conn: me,
        id,
        limit,
        figures: (0, 0, 0),
        open: true,
        ran: 0,
        last: None,
    };
    let outcome = run.rows(
        &writer,
        n,
        max_length,
        std::iter::once(Ok(first)).chain(rows),
    );
    if run.open {
        // Not closed with a batch (the rows ended between batches, or binding failed).
        let closed = me.command(py, move |c, _, hook| match c.is_idle() {
            true => c.close_statement(id, hook),
            false => Ok(()),
        });
        if outcome.is_ok() {
            closed?;
        }
    }
    let rest = outcome?.map(|row| (row,));
    let (affected, insert_id, warnings) = run.figures;
    Ok(Some((
        run.ran, affected, insert_id, warnings, rest, run.last,
    )))
}

/// One bulk executemany on a prepared statement.
struct Run<'a, 'py> {
    conn: &'a Connection,
    id: u32,
    limit: Option<std::time::Duration>,
    figures: Figures,
    /// The statement is still prepared on the server.
    open: bool,
    /// Rows put in a batch so far, and the last one (cursor._executed shows its
    /// statement).
    ran: u64,
    last: Option<Bound<'py, PyAny>>,
}

impl<'py> Run<'_, 'py> {
    /// Bind and send the rows in batches of at most `max_length` bytes (a larger row
    /// goes alone); the first row without a binary form is returned unsent. When
    /// reading or binding a row raises, the rows before it are sent first, as a loop
    /// would have run them, and then the error is raised.
    fn rows(
        &mut self,
        writer: &Writer<'py>,
        n: usize,
        max_length: usize,
        rows: impl Iterator<Item = PyResult<Bound<'py, PyAny>>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = writer.py();
        let mut batch = BulkRows::new(n);
        let (mut buf, mut args) = (Vec::new(), Vec::with_capacity(n));
        let mut rest = None;
        for row in rows {
            let bound = row.and_then(|row| {
                buf.clear();
                args.clear();
                Ok((bind(writer, &row, n, &mut buf, &mut args)?, row))
            });
            let row = match bound {
                Ok((true, row)) => row,
                Ok((false, row)) => {
                    rest = Some(row);
                    break;
                }
                Err(e) => {
                    if !batch.is_empty() {
                        self.send(py, &batch, true)?;
                    }
                    return Err(e);
                }
            };
            let values: Vec<BulkValue<'_>> = args.iter().map(|a| value(a, &buf)).collect();
            let too_long = batch.size() + BulkRows::row_size(&values) > max_length;
            if !batch.is_empty() && (too_long || !batch.push(&values)) {
                // Too long with this row, or this row's types are not the batch's: the
                // batch goes first and this row starts the next (which takes any types).
                self.send(py, &batch, false)?;
                batch.clear();
            }
            if batch.is_empty() {
                batch.push(&values);
            }
            self.ran += 1;
            self.last = Some(row);
        }
        if !batch.is_empty() {
            self.send(py, &batch, true)?;
        }
        Ok(rest)
    }

    /// One COM_STMT_BULK_EXECUTE; the statement is closed with the last batch, or
    /// when a batch fails (in the same crossing, so the error stays the connection's
    /// last).
    fn send(&mut self, py: Python<'_>, batch: &BulkRows, last: bool) -> PyResult<()> {
        let (id, deadline) = (self.id, Deadline::after(self.limit));
        let mut closed = false;
        let sent = self.conn.command(py, |c, _, hook| {
            let sent = c.bulk_execute(id, batch, deadline, hook);
            if last || sent.is_err() {
                closed = true;
                if c.is_idle() {
                    let _ = c.close_statement(id, hook);
                }
            }
            sent.map(|()| {
                (
                    c.last().affected_rows,
                    c.last().insert_id,
                    c.last().warnings,
                )
            })
        });
        self.open &= !closed;
        let (affected, insert_id, warnings) = sent?;
        let (total, _, warned) = self.figures;
        self.figures = (
            total.saturating_add(affected),
            insert_id,
            warned.saturating_add(warnings),
        );
        Ok(())
    }
}

/// The arguments of `row` (a tuple or list of `n`) as parameters, their text in `buf`;
/// false when one has no binary form here.
fn bind<'py>(
    writer: &Writer<'py>,
    row: &Bound<'py, PyAny>,
    n: usize,
    buf: &mut Vec<u8>,
    args: &mut Vec<Binary>,
) -> PyResult<bool> {
    let items = if let Ok(t) = row.cast_exact::<PyTuple>() {
        t.clone()
    } else if let Ok(l) = row.cast_exact::<PyList>() {
        l.to_tuple()
    } else {
        return Ok(false);
    };
    if items.len() != n {
        return Ok(false); // Python raises mysqlclient's error for it
    }
    for item in items.iter() {
        match writer.binary(&item, buf)? {
            Some(b) => args.push(b),
            None => return Ok(false),
        }
    }
    Ok(true)
}

fn value<'a>(arg: &Binary, buf: &'a [u8]) -> BulkValue<'a> {
    match arg {
        Binary::Null => BulkValue::Null,
        Binary::Int(v) => BulkValue::Int(*v),
        Binary::UInt(v) => BulkValue::UInt(*v),
        Binary::Double(v) => BulkValue::Double(*v),
        Binary::Decimal(r) => BulkValue::Decimal(&buf[r.clone()]),
        Binary::Text(r) => BulkValue::Text(&buf[r.clone()]),
    }
}
