//! `_native.Connection`: one session, used from Python with the GIL released
//! around every blocking step. `session.rs` holds the lock and the command crossing,
//! `stored.rs` the statements whose results are built here.

mod session;
mod stored;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, TryLockError};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use super::connect_args::connect_args;
use super::errors::{error, named, raise, settle};
use super::hook::PyHook;
use super::literal;
use super::result::{Described, Result as PyResultSet, Rows};
use super::wait_callback::{self, blocking};
use crate::client::{
    client_charset_after_login, escape_into, may_change_client_charset, may_change_sql_mode,
    process_id, quote_identifier_into, timeout_limit, Charset, ClientCharset,
    Compression as Algorithm, Conn, Deadline, IoStats, ShutdownHandle,
};
use crate::error::cr;

pub(super) struct Slot {
    /// Boxed: each command takes the session out of the slot and puts it back (it
    /// needs the slot too), and moving the whole `Conn` was 400 instructions a statement.
    conn: Option<Box<Conn>>,
    /// Counters of sessions already closed, so stats() survives close().
    closed_stats: IoStats,
    closed_queries: u64,
    /// The connection character set (MySQL name) and its Python codec.
    charset: Charset,
    /// The last command's error (errno, message, SQLSTATE), for errno()/error()/sqlstate().
    last_error: Option<(u16, String, String)>,
    /// How the server reads our statements, for the escaper.
    client_charset: ClientCharsetState,
    /// NO_BACKSLASH_ESCAPES when the session was closed: quoting still works after
    /// close(), as in MySQLdb, with the session's last rules.
    closed_nbe: bool,
}

/// What the escaper knows of the session's `character_set_client`.
enum ClientCharsetState {
    Known(ClientCharset),
    /// A character set the escaper has no rules for: literals are refused.
    Unsupported(String),
    /// A statement may have changed it: ask the server before the next literal.
    Unknown,
}

impl ClientCharsetState {
    fn for_name(name: &str) -> ClientCharsetState {
        match ClientCharset::for_name(name) {
            Some(cs) => ClientCharsetState::Known(cs),
            None => ClientCharsetState::Unsupported(name.to_string()),
        }
    }
}

#[pyclass(module = "unshaken._native", name = "Connection", frozen)]
pub struct Connection {
    slot: Mutex<Slot>,
    /// The process that opened the session; other processes must not speak on it.
    pid: u32,
    conv: Option<Py<PyDict>>,
    host_info: String,
    /// Lets close() in one thread abort a wait in another (see `close`).
    /// Dropped by close(), so the closed socket is really closed (no second fd).
    waker: Mutex<Option<ShutdownHandle>>,
    /// Set by a close() that had to abort another thread's statement.
    closed_while_busy: AtomicBool,
    /// The last stored result's description and flags, for the next (`run_stored`).
    described: Mutex<Option<Described>>,
}

#[pymethods]
impl Connection {
    /// `options` are `client::ConnectArgs`' fields by name (see `connect_args.rs`).
    #[new]
    #[pyo3(signature = (*, conv=None, **options))]
    fn new(
        py: Python<'_>,
        conv: Option<Bound<'_, PyDict>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = connect_args(options)?.build().map_err(|e| error(py, e))?;
        super::forward_logs(py);
        let mut hook = PyHook::new(py);
        let connected = blocking(py, hook.cooperative(), || {
            let mut conn = Conn::connect(&options, &mut hook)?;
            let client_charset =
                client_charset_after_login(&mut conn, &options.charset.name, &mut hook)?;
            Ok((conn, client_charset))
        });
        let (conn, client_charset) = settle(py, connected, &mut hook)?;
        let waker = conn.shutdown_handle();
        Ok(Connection {
            slot: Mutex::new(Slot {
                conn: Some(Box::new(conn)),
                closed_stats: IoStats::default(),
                closed_queries: 0,
                client_charset: ClientCharsetState::for_name(&client_charset),
                charset: options.charset.clone(),
                last_error: None,
                closed_nbe: false,
            }),
            pid: process_id(),
            conv: conv.map(Bound::unbind),
            host_info: options.host_info(),
            waker: Mutex::new(waker),
            closed_while_busy: AtomicBool::new(false),
            described: Mutex::new(None),
        })
    }

    /// The converter dict is the one Python object held: the garbage collector must
    /// see it, or a converter that refers back to its connection keeps the whole
    /// cycle (and the server session) alive forever.
    fn __traverse__(&self, visit: PyVisit<'_>) -> std::result::Result<(), PyTraverseError> {
        visit.call(&self.conv)
    }

    /// Send a statement. `timeout` (seconds) bounds the whole statement: sending it
    /// and reading its every result; when it passes the statement is cancelled.
    #[pyo3(signature = (sql, timeout=None))]
    fn query(&self, py: Python<'_>, sql: &[u8], timeout: Option<f64>) -> PyResult<()> {
        // `sql` borrows the immutable bytes object the caller holds: no copy of a
        // large statement is made to release the GIL.
        let deadline =
            Deadline::after(timeout_limit("timeout", timeout).map_err(|e| error(py, e))?);
        // The reply's columns are kept under the same lock that ran the statement, so
        // no other thread can slip in between and strand them.
        self.command(py, move |conn, slot, hook| {
            if may_change_client_charset(sql) {
                // Even when the statement fails: an earlier one of a multi-statement
                // may have run.
                slot.client_charset = ClientCharsetState::Unknown;
            }
            // A result still being read (use_result) or results not yet visited give
            // "commands out of sync" (2014), as in mysqlclient: never silently dropped.
            conn.query_within(sql, deadline, hook).map(|_| ())
        })
    }

    /// The buffered cursor's statement in one crossing: `query(sql, timeout)`, then
    /// every row of a result set, read with the GIL released once; then the rows
    /// (built as `Result.fetch_row(0, how)`) and what the cursor shows. Returns
    /// `(rows, description, flags, warning_count, affected_rows, insert_id)`:
    /// `()`, None, None for a statement without a result set; `insert_id` is the
    /// OK's, None after a result set (the C client keeps the earlier one). A row
    /// that fails to convert comes back as its exception in place of `rows`, for
    /// the cursor to raise once it shows the statement (as fetch_row after
    /// store_result would).
    #[pyo3(signature = (sql, timeout=None, how=0))]
    fn query_stored<'py>(
        &self,
        py: Python<'py>,
        sql: &[u8],
        timeout: Option<f64>,
        how: u8,
    ) -> PyResult<Bound<'py, PyTuple>> {
        self.run_stored(py, sql, false, timeout, how)
    }

    fn store_result(&self, py: Python<'_>) -> PyResult<Option<PyResultSet>> {
        let head = self.command(py, |conn, _, _| {
            Ok(conn
                .take_columns()
                .map(|columns| (columns, conn.result_seq())))
        })?;
        let Some((columns, seq)) = head else {
            return Ok(None);
        };
        let stored = Rows::Stored {
            built: Vec::new(),
            raw: Vec::new(),
        };
        let result = self.make_result(py, columns, stored)?;
        result.store(py, self, seq, Vec::new(), false)?;
        Ok(Some(result))
    }

    fn use_result(slf: Bound<'_, Self>) -> PyResult<Option<PyResultSet>> {
        let py = slf.py();
        let this = slf.get();
        let (columns, seq) = {
            let mut slot = this.lock(py)?;
            let Some(conn) = slot.conn.as_mut() else {
                return Ok(None);
            };
            match conn.take_columns() {
                Some(columns) => (columns, conn.result_seq()),
                None => return Ok(None),
            }
        };
        this.make_result(py, columns, Rows::Streaming(slf.clone().unbind(), seq))
            .map(Some)
    }

    fn next_result(&self, py: Python<'_>) -> PyResult<i32> {
        self.command(py, |conn, _, hook| {
            Ok(match conn.next_result(hook)? {
                None => -1,
                Some(_) => 0,
            })
        })
    }

    /// Read and drop every pending result (rows and later results) in one call;
    /// a later result's error is raised, as by a `next_result()` loop. Returns the
    /// insert id of the last OK read on the way, None if there was none.
    fn drain(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        {
            // The usual case, once per execute(): nothing is pending, so there is
            // nothing to wait for and no reason to hand the GIL over.
            let mut guard = self.lock(py)?;
            let slot = &mut *guard;
            if let Some(conn) = slot.conn.as_mut().filter(|c| c.is_idle()) {
                let drained = conn.drain(&mut PyHook::default());
                slot.last_error = None;
                return drained.map_err(|e| error(py, e));
            }
        }
        self.command(py, |conn, _, hook| conn.drain(hook))
    }

    fn more_results(&self, py: Python<'_>) -> PyResult<bool> {
        self.peek(py, |conn, _| conn.has_more_results())
    }

    fn ping(&self, py: Python<'_>) -> PyResult<()> {
        self.command(py, |conn, _, hook| conn.ping(hook))
    }

    fn select_db(&self, py: Python<'_>, db: &[u8]) -> PyResult<()> {
        let db = db.to_vec();
        self.command(py, move |conn, _, hook| conn.init_db(&db, hook))
    }

    fn autocommit(&self, py: Python<'_>, on: bool) -> PyResult<()> {
        self.command(py, move |conn, _, hook| conn.set_autocommit(on, hook))
    }

    /// Autocommit set with the next command, not by a round trip of its own: for
    /// a session with no transaction yet (see `Conn::defer_autocommit`).
    fn defer_autocommit(&self, py: Python<'_>, on: bool) -> PyResult<()> {
        match &mut self.lock(py)?.conn {
            Some(conn) => {
                conn.defer_autocommit(on);
                Ok(())
            }
            None => Err(raise(py, cr::CR_SERVER_GONE_ERROR, "")),
        }
    }

    fn get_autocommit(&self, py: Python<'_>) -> PyResult<bool> {
        self.peek(py, |conn, _| conn.autocommit())
    }

    /// Idempotent. In a forked child only the file descriptor is closed: the
    /// parent's session must survive.
    ///
    /// Safe from any thread: if another thread is in the middle of a statement, the
    /// socket is shut down under it (its call fails promptly with 2013) and the
    /// session is closed without a goodbye.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let ours = process_id() == self.pid;
        let taken = match self.slot.try_lock() {
            Ok(mut slot) => take_session(&mut slot),
            Err(TryLockError::Poisoned(p)) => take_session(&mut p.into_inner()),
            // In a forked child the lock may be held by a thread that does not exist
            // here, and shutting the shared socket would end the parent's session:
            // leave everything as it is.
            Err(TryLockError::WouldBlock) if !ours => None,
            Err(TryLockError::WouldBlock) => {
                self.closed_while_busy.store(true, Ordering::Release);
                if let Some(waker) = &*self.waker.lock().unwrap_or_else(|p| p.into_inner()) {
                    waker.shutdown();
                }
                if wait_callback::active() {
                    // The busy caller may be a greenlet of this very thread, which
                    // cannot finish while we block: it closes the session itself.
                    return Ok(());
                }
                // The busy thread needs the GIL to finish: wait for it without.
                py.detach(|| take_session(&mut self.slot.lock().unwrap_or_else(|p| p.into_inner())))
            }
        };
        *self.waker.lock().unwrap_or_else(|p| p.into_inner()) = None;
        if let Some(conn) = taken {
            if ours && !self.closed_while_busy.load(Ordering::Acquire) {
                py.detach(|| conn.quit());
            } else {
                conn.abandon();
            }
        }
        Ok(())
    }

    /// Escape for use inside quotes, in the session's character set and sql_mode.
    fn escape_string<'py>(&self, py: Python<'py>, s: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let (charset, nbe) = self.escaping(py)?;
        Ok(escape_bytes(py, s, charset, nbe))
    }

    /// Escape a name for use inside backticks, in the session's character set. A name
    /// with a lone lead byte cannot be quoted safely and raises ProgrammingError.
    fn quote_identifier<'py>(&self, py: Python<'py>, name: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let (charset, _) = self.escaping(py)?;
        let mut out = Vec::with_capacity(name.len() + 2);
        quote_identifier_into(name, charset, &mut out)
            .map_err(|e| named(py, "ProgrammingError", 0, &e.to_string()))?;
        Ok(PyBytes::new(py, &out))
    }

    /// SQL literals for a sequence of query arguments; see py/literal.rs.
    #[pyo3(signature = (args, encoders, defaults, fallback, binary_prefix=false))]
    fn literals<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyAny>,
        encoders: &Bound<'py, PyAny>,
        defaults: &Bound<'py, PyAny>,
        fallback: Bound<'py, PyAny>,
        binary_prefix: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let quoting = self.quoting(py, binary_prefix)?;
        let writer = literal::Writer::new(quoting, encoders, defaults, fallback)?;
        literal::literals(args, &writer)
    }

    /// -1 while an unbuffered result set is still being read, as libmysqlclient.
    fn affected_rows(&self, py: Python<'_>) -> PyResult<i64> {
        self.peek(py, |conn, _| affected_rows(conn))
    }
    fn insert_id(&self, py: Python<'_>) -> PyResult<u64> {
        self.peek(py, |conn, _| conn.last().insert_id)
    }
    fn warning_count(&self, py: Python<'_>) -> PyResult<u16> {
        self.peek(py, |conn, _| conn.last().warnings)
    }
    fn info(&self, py: Python<'_>) -> PyResult<Option<String>> {
        let info = self.peek(py, |conn, _| conn.last().info.clone())?;
        Ok((!info.is_empty()).then(|| String::from_utf8_lossy(&info).into_owned()))
    }
    fn field_count(&self, py: Python<'_>) -> PyResult<usize> {
        self.peek(py, |conn, _| conn.last().field_count)
    }
    fn server_status(&self, py: Python<'_>) -> PyResult<u16> {
        self.peek(py, |conn, _| conn.status())
    }
    fn thread_id(&self, py: Python<'_>) -> PyResult<u32> {
        self.peek(py, |conn, _| conn.server().connection_id)
    }
    fn get_server_info(&self, py: Python<'_>) -> PyResult<String> {
        self.peek(py, |conn, _| conn.server().version.clone())
    }
    fn get_host_info(&self, py: Python<'_>) -> PyResult<String> {
        self.peek(py, |_, _| self.host_info.clone())
    }
    fn get_proto_info(&self, py: Python<'_>) -> PyResult<u8> {
        self.peek(py, |conn, _| conn.server().protocol_version)
    }
    fn character_set_name(&self, py: Python<'_>) -> PyResult<String> {
        self.peek(py, |_, slot| slot.charset.name.clone())
    }
    /// The Python codec of the connection character set.
    fn encoding(&self, py: Python<'_>) -> PyResult<&'static str> {
        Ok(self.lock(py)?.charset.encoding)
    }

    /// SET NAMES (with a collation if given) and decode later results accordingly.
    #[pyo3(signature = (charset, collation=None))]
    fn set_character_set(
        &self,
        py: Python<'_>,
        charset: String,
        collation: Option<String>,
    ) -> PyResult<()> {
        let charset = Charset::named(&charset).map_err(|e| error(py, e))?;
        let sql = charset
            .set_names_sql(collation.as_deref())
            .map_err(|e| error(py, e))?;
        self.command(py, move |conn, slot, hook| {
            conn.query(sql.as_bytes(), hook)?;
            conn.take_columns();
            slot.client_charset = ClientCharsetState::for_name(&charset.name);
            slot.charset = charset;
            Ok(())
        })
    }

    /// COM_STATISTICS: the server's status line (mysql_stat()).
    fn stat(&self, py: Python<'_>) -> PyResult<String> {
        self.command(py, |conn, _, hook| conn.statistics(hook))
    }

    /// COM_RESET_CONNECTION: reset the session's state, keep the session.
    fn reset_connection(&self, py: Python<'_>) -> PyResult<()> {
        self.command(py, |conn, slot, hook| {
            // The session's character set is back to the one of the login.
            slot.client_charset = ClientCharsetState::Unknown;
            conn.reset_connection(hook)
        })
    }

    /// COM_CHANGE_USER. A refusal raises and closes the session (as libmysqlclient).
    #[pyo3(signature = (user, password, database=None))]
    fn change_user(
        &self,
        py: Python<'_>,
        user: &[u8],
        password: &[u8],
        database: Option<&[u8]>,
    ) -> PyResult<()> {
        self.command(py, |conn, slot, hook| {
            slot.client_charset = ClientCharsetState::Unknown;
            conn.change_user(user, password, database, hook)
        })
    }

    /// The last command's error number (0 when it succeeded), as mysql_errno().
    fn errno(&self, py: Python<'_>) -> PyResult<u16> {
        self.peek(py, |_, slot| slot.last_error.as_ref().map_or(0, |e| e.0))
    }

    /// The last command's error message ("" when it succeeded), as mysql_error().
    fn error(&self, py: Python<'_>) -> PyResult<String> {
        self.peek(py, |_, slot| {
            slot.last_error
                .as_ref()
                .map_or_else(String::new, |e| e.1.clone())
        })
    }

    /// The last command's SQLSTATE ("00000" when it succeeded), as mysql_sqlstate().
    fn sqlstate(&self, py: Python<'_>) -> PyResult<String> {
        self.peek(py, |_, slot| {
            slot.last_error
                .as_ref()
                .map_or_else(|| "00000".to_string(), |e| e.2.clone())
        })
    }

    /// The CLIENT_* capabilities the server offered in its greeting.
    fn server_capabilities(&self, py: Python<'_>) -> PyResult<u32> {
        self.peek(py, |conn, _| conn.server_capabilities())
    }

    /// Drop the current result set without building its rows.
    fn discard_result(&self, py: Python<'_>) -> PyResult<()> {
        self.command(py, |conn, _, hook| conn.discard_rows(hook))
    }
    /// The protocol compression in use: "zlib", "zstd" or None.
    fn get_compression(&self, py: Python<'_>) -> PyResult<Option<&'static str>> {
        self.peek(py, |conn, _| {
            conn.compression().map(|a| match a {
                Algorithm::Zlib => "zlib",
                Algorithm::Zstd(_) => "zstd",
            })
        })
    }

    /// The TLS cipher suite in use, or None on a plain connection.
    fn get_ssl_cipher(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.peek(py, |conn, _| conn.tls_cipher())
    }

    fn fileno(&self, py: Python<'_>) -> PyResult<i32> {
        use std::os::fd::AsRawFd;
        self.peek(py, |conn, _| conn.fd().as_raw_fd())
    }
    #[getter]
    fn open(&self) -> bool {
        self.slot
            .try_lock()
            .map_or(true, |s| s.conn.as_ref().is_some_and(|c| !c.is_broken()))
    }

    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        // Counters are copied out first: no Python code runs under the slot lock.
        let (io, queries) = {
            let slot = self.lock(py)?;
            match &slot.conn {
                Some(c) => (
                    add_stats(slot.closed_stats, c.io_stats()),
                    slot.closed_queries + c.queries(),
                ),
                None => (slot.closed_stats, slot.closed_queries),
            }
        };
        let d = PyDict::new(py);
        d.set_item("interrupted_retries", io.interrupted_retries)?;
        d.set_item("bytes_in", io.bytes_in)?;
        d.set_item("bytes_out", io.bytes_out)?;
        d.set_item("queries", queries)?;
        Ok(d)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let slot = self.slot.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(conn) = slot.conn.take() {
            if process_id() == self.pid {
                // Garbage collection runs with the GIL held: say goodbye without it.
                Python::attach(|py| py.detach(|| conn.quit()));
            } else {
                conn.abandon();
            }
        }
    }
}

/// -1 while an unbuffered result set is still being read, as libmysqlclient.
fn affected_rows(conn: &Conn) -> i64 {
    match conn.in_rows() {
        true => -1,
        false => i64::try_from(conn.last().affected_rows).unwrap_or(-1),
    }
}

/// Take the session out of the slot, keeping its counters for stats().
fn take_session(slot: &mut Slot) -> Option<Box<Conn>> {
    let conn = slot.conn.take()?;
    slot.closed_nbe = conn.no_backslash_escapes();
    slot.closed_stats = add_stats(slot.closed_stats, conn.io_stats());
    slot.closed_queries += conn.queries();
    Some(conn)
}

fn unsupported(py: Python<'_>, charset: &str) -> PyErr {
    named(
        py,
        "NotSupportedError",
        cr::CR_CANT_READ_CHARSET,
        &format!(
            "cannot build SQL literals safely in character set {charset:?} \
             (@@character_set_client): switch with set_character_set()"
        ),
    )
}

fn add_stats(a: IoStats, b: IoStats) -> IoStats {
    IoStats {
        interrupted_retries: a.interrupted_retries + b.interrupted_retries,
        bytes_in: a.bytes_in + b.bytes_in,
        bytes_out: a.bytes_out + b.bytes_out,
    }
}

fn escape_bytes<'py>(
    py: Python<'py>,
    s: &[u8],
    charset: ClientCharset,
    no_backslash_escapes: bool,
) -> Bound<'py, PyBytes> {
    let mut out = Vec::with_capacity(s.len() + s.len() / 8 + 2);
    escape_into(s, charset, no_backslash_escapes, &mut out);
    PyBytes::new(py, &out)
}

/// True when `sql` may change how the server reads a literal later in the same
/// statement: its character_set_client or its sql_mode (NO_BACKSLASH_ESCAPES; see
/// proto/client_charset.rs). Literals inside it must read the same either way.
#[pyfunction]
pub fn changes_literal_rules(sql: &[u8]) -> bool {
    may_change_client_charset(sql) || may_change_sql_mode(sql)
}

/// Backslash-style escaping without a connection (MySQLdb's module-level
/// escape_string): byte by byte, as mysql_escape_string. Never used for arguments.
#[pyfunction]
pub fn escape_string<'py>(py: Python<'py>, s: &[u8]) -> Bound<'py, PyBytes> {
    escape_bytes(py, s, ClientCharset::AsciiSafe, false)
}
