//! Statements with their arguments bound, built in Rust: `execute()`'s one statement
//! (`mogrify`) and `executemany()`'s batches (`Statements`), so no Python code runs per
//! row or per value for the common types (see py/literal.rs for which).
//!
//! What the core cannot bind the way Python's `bytes % args` would (a template with
//! other conversions, a row that is not a tuple, list or dict, the wrong number of
//! arguments, a missing name, a literal that is not bytes) it leaves to Python: `mogrify`
//! answers None, and a batch asks `fallback_row(args)` for that row's text. Python then
//! raises mysqlclient's error, or binds the row its own way.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyIterator, PyList, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use super::connection::{changes_literal_rules, Connection};
use super::literal::Writer;
use crate::value::template::{Shape, Template};

/// How literals are made, as connections.py `_literal_policy` hands it over: the
/// connection's encoders, the defaults the core reproduces, `Connection.literal` for
/// everything else, and binary_prefix.
#[derive(FromPyObject)]
pub struct Policy(Py<PyAny>, Py<PyAny>, Py<PyAny>, bool);

impl Policy {
    pub(super) fn writer<'py>(&self, py: Python<'py>, conn: &Connection) -> PyResult<Writer<'py>> {
        let Policy(encoders, defaults, fallback, binary_prefix) = self;
        Writer::new(
            conn.quoting(py, *binary_prefix)?,
            encoders.bind(py),
            defaults.bind(py),
            fallback.bind(py).clone(),
        )
    }
}

/// A template and the names of its placeholders.
struct RowTemplate {
    template: Template,
    keys: Vec<Vec<u8>>,
}

/// Why binding a row stopped: Python must bind it, or an error.
enum Stop {
    ToPython,
    Error(PyErr),
}

impl From<PyErr> for Stop {
    fn from(e: PyErr) -> Stop {
        Stop::Error(e)
    }
}

impl RowTemplate {
    fn new(template: Template) -> RowTemplate {
        let keys = template.keys().map(<[u8]>::to_vec).collect();
        RowTemplate { template, keys }
    }

    /// Appends the template bound to `args`; false (and `out` as it was) when Python
    /// must bind this row.
    fn write<'py>(
        &self,
        writer: &Writer<'py>,
        args: &Bound<'py, PyAny>,
        out: &mut Vec<u8>,
    ) -> PyResult<bool> {
        let mark = out.len();
        let bound = match self.template.shape() {
            // Python formats a template without placeholders with a mapping too.
            Shape::Positional(0) if args.is_exact_instance_of::<PyDict>() => {
                self.write_named(writer, args, out)
            }
            Shape::Positional(n) => self.write_positional(writer, args, n, out),
            Shape::Named => self.write_named(writer, args, out),
        };
        match bound {
            Ok(()) => Ok(true),
            Err(Stop::ToPython) => {
                out.truncate(mark);
                Ok(false)
            }
            Err(Stop::Error(e)) => Err(e),
        }
    }

    fn write_positional<'py>(
        &self,
        writer: &Writer<'py>,
        args: &Bound<'py, PyAny>,
        n: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Stop> {
        let items = if let Ok(t) = args.cast_exact::<PyTuple>() {
            t.clone()
        } else if let Ok(l) = args.cast_exact::<PyList>() {
            l.to_tuple()
        } else {
            return Err(Stop::ToPython);
        };
        if items.len() != n {
            return Err(Stop::ToPython); // Python raises mysqlclient's error
        }
        // Each literal is made as its placeholder is reached: in the arguments' order.
        self.template.fill(out, |k, out| {
            match writer.write(&items.get_item(k)?, out)? {
                None => Ok(()),
                Some(_) => Err(Stop::ToPython),
            }
        })
    }

    fn write_named<'py>(
        &self,
        writer: &Writer<'py>,
        args: &Bound<'py, PyAny>,
        out: &mut Vec<u8>,
    ) -> Result<(), Stop> {
        let Ok(dict) = args.cast_exact::<PyDict>() else {
            return Err(Stop::ToPython);
        };
        // As Python: every value's literal first, in the dict's order, then the text.
        let mut literals = Vec::new();
        let mut by_key = Vec::with_capacity(dict.len());
        for (key, value) in dict.iter() {
            // Keys are encoded in the connection's charset: Python's to do unless the
            // key is a str whose bytes are the same in it.
            let Ok(key) = key.cast_into_exact::<PyString>() else {
                return Err(Stop::ToPython);
            };
            let ascii_or_utf8 = key.to_str().is_ok_and(|k| writer.utf8() || k.is_ascii());
            if !ascii_or_utf8 {
                return Err(Stop::ToPython);
            }
            let start = literals.len();
            if writer.write(&value, &mut literals)?.is_some() {
                return Err(Stop::ToPython);
            }
            by_key.push((key, start..literals.len()));
        }
        self.template.fill(out, |k, out| {
            let want = &self.keys[k][..];
            for (key, range) in &by_key {
                if key.to_str()?.as_bytes() == want {
                    out.extend_from_slice(&literals[range.clone()]);
                    return Ok(());
                }
            }
            Err(Stop::ToPython) // Python raises KeyError
        })
    }
}

/// The template the core binds `query` by; None when Python must (a statement that
/// may change the literal rules gets charset-neutral literals from Python).
pub(super) fn bindable_template(query: &[u8]) -> Option<Template> {
    match changes_literal_rules(query) {
        true => None,
        false => Template::parse(query),
    }
}

/// `query` with `args` bound, or None when Python must bind them (also when `query`
/// may change the literal rules: Python then writes charset-neutral literals).
#[pyfunction]
pub fn mogrify<'py>(
    py: Python<'py>,
    conn: &Bound<'py, Connection>,
    query: &[u8],
    args: &Bound<'py, PyAny>,
    policy: Policy,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    Ok(bind(py, conn.get(), query, args, &policy)?.map(|bound| bound.sql))
}

/// A statement with its arguments bound.
pub(super) struct BoundSql<'py> {
    pub sql: Bound<'py, PyBytes>,
    /// Neither the template nor any literal can change the literal rules (every
    /// literal was the core's own): the statement needs no scan of its own.
    pub plain: bool,
}

/// [`mogrify`]'s work, for the calls that bind one statement.
pub(super) fn bind<'py>(
    py: Python<'py>,
    conn: &Connection,
    query: &[u8],
    args: &Bound<'py, PyAny>,
    policy: &Policy,
) -> PyResult<Option<BoundSql<'py>>> {
    let Some(template) = last_template(query) else {
        return Ok(None);
    };
    let writer = policy.writer(py, conn)?;
    let mut out = Vec::with_capacity(query.len() + 32);
    Ok(template.write(&writer, args, &mut out)?.then(|| BoundSql {
        sql: PyBytes::new(py, &out),
        plain: writer.only_native(),
    }))
}

thread_local! {
    /// The last query bound on this thread and its template: a loop runs the same
    /// statement with new arguments, and scanning and parsing it again each time was
    /// a tenth of a point select's instructions. Keyed by the query's bytes alone,
    /// which are all a template depends on. A query longer than `CACHED_QUERY_MAX` is
    /// not kept (a bulk INSERT's text would stay alive with the thread).
    static LAST_TEMPLATE: std::cell::RefCell<Option<(Vec<u8>, std::rc::Rc<RowTemplate>)>> =
        const { std::cell::RefCell::new(None) };
}

const CACHED_QUERY_MAX: usize = 4096;

fn last_template(query: &[u8]) -> Option<std::rc::Rc<RowTemplate>> {
    if query.len() > CACHED_QUERY_MAX {
        let template = RowTemplate::new(bindable_template(query)?);
        return Some(std::rc::Rc::new(template));
    }
    LAST_TEMPLATE.with_borrow_mut(|last| {
        if let Some((text, template)) = last {
            if text[..] == *query {
                return Some(template.clone());
            }
        }
        let template = std::rc::Rc::new(RowTemplate::new(bindable_template(query)?));
        *last = Some((query.to_vec(), template.clone()));
        Some(template)
    })
}

/// `executemany()`'s statements, made lazily: an item of `rows` is bound only when the
/// statement it goes into is asked for.
///
/// With a `max_length`, rows go into multi-row statements `head row,row,... tail` of
/// at most that many bytes (a row too long for any makes a statement of its own), as
/// mysqlclient's `_do_execute_many`; without, each row is a statement of its own.
#[pyclass(module = "unshaken._native", name = "Statements")]
pub struct Statements {
    conn: Py<Connection>,
    head: Vec<u8>,
    /// None: every row goes to `fallback_row`.
    row: Option<RowTemplate>,
    tail: Vec<u8>,
    rows: Py<PyIterator>,
    policy: Option<Policy>,
    /// `fallback_row(args)`: the row's text bound by Python.
    fallback_row: Py<PyAny>,
    max_length: Option<usize>,
    /// A bound row that did not fit into the last statement.
    pending: Option<Vec<u8>>,
}

/// The statements of `executemany()`. `policy` None (Python's charset-neutral
/// literals), a `row` that may change the literal rules, or a row that is no template
/// here: every row is bound by `fallback_row`.
#[pyfunction]
#[pyo3(signature = (conn, head, row, tail, rows, policy, fallback_row, max_length=None))]
#[allow(clippy::too_many_arguments)]
pub fn statements(
    conn: Py<Connection>,
    head: Vec<u8>,
    row: &[u8],
    tail: Vec<u8>,
    rows: &Bound<'_, PyAny>,
    policy: Option<Policy>,
    fallback_row: Py<PyAny>,
    max_length: Option<usize>,
) -> PyResult<Statements> {
    let row = bindable_template(row).map(RowTemplate::new);
    Ok(Statements {
        conn,
        head,
        row,
        tail,
        rows: rows.try_iter()?.unbind(),
        policy,
        fallback_row,
        max_length,
        pending: None,
    })
}

#[pymethods]
impl Statements {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The callbacks refer back to the cursor and the connection: the garbage
    /// collector must see them, or a cycle through this iterator would never be freed.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.conn)?;
        visit.call(&self.rows)?;
        visit.call(&self.fallback_row)?;
        if let Some(Policy(encoders, defaults, fallback, _)) = &self.policy {
            visit.call(encoders)?;
            visit.call(defaults)?;
            visit.call(fallback)?;
        }
        Ok(())
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let mut writer = None;
        let mut sql = Vec::with_capacity(self.max_length.map_or(256, |n| n.min(1 << 20)));
        sql.extend_from_slice(&self.head);
        let mut count = 0usize;
        if let Some(row) = self.pending.take() {
            sql.extend_from_slice(&row);
            count = 1;
        }
        let mut rows = self.rows.bind(py).clone();
        while count == 0 || self.max_length.is_some() {
            let Some(args) = rows.next() else {
                break;
            };
            let args = args?;
            let mark = sql.len();
            if count > 0 {
                sql.push(b',');
            }
            let start = sql.len();
            self.write_row(py, &mut writer, &args, &mut sql)?;
            if let (true, Some(max)) = (count > 0, self.max_length) {
                if sql.len() + self.tail.len() > max {
                    self.pending = Some(sql[start..].to_vec());
                    sql.truncate(mark);
                    break;
                }
            }
            count += 1;
        }
        if count == 0 {
            return Ok(None);
        }
        sql.extend_from_slice(&self.tail);
        Ok(Some(PyBytes::new(py, &sql)))
    }
}

impl Statements {
    /// Appends one row bound to `args`. The writer is made at the first row that
    /// needs one, with the session's literal rules of that moment.
    fn write_row<'py>(
        &self,
        py: Python<'py>,
        writer: &mut Option<Writer<'py>>,
        args: &Bound<'py, PyAny>,
        out: &mut Vec<u8>,
    ) -> PyResult<()> {
        if let (Some(row), Some(policy)) = (&self.row, &self.policy) {
            if writer.is_none() {
                *writer = Some(policy.writer(py, self.conn.get())?);
            }
            if let Some(w) = writer.as_ref() {
                if row.write(w, args, out)? {
                    return Ok(());
                }
            }
        }
        let text = self.fallback_row.bind(py).call1((args,))?;
        out.extend_from_slice(text.cast::<PyBytes>()?.as_bytes());
        Ok(())
    }
}
