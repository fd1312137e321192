//! `_native.Connection`: one session, used from Python with the GIL released
//! around every blocking step.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use super::convert::{self, Encoding};
use super::errors::{named, raise, settle};
use super::hook::PyHook;
use super::literal;
use super::result::{Result as PyResultSet, Rows};
use crate::client::{query_client_charset, Conn, Options, Reply, SslMode};
use crate::consts::capability::CLIENT_LOCAL_FILES;
use crate::consts::charset;
use crate::error::{cr, Error};
use crate::io::{Deadline, Endpoint, IoStats, ShutdownHandle, TlsSettings, Verify};
use crate::proto::client_charset::{may_change_client_charset, may_change_sql_mode, ClientCharset};
use crate::proto::compress::Algorithm;
use crate::proto::escape::{escape_into, quote_identifier_into};
use crate::proto::packets::ColumnDefinition;

/// Debian's (and MariaDB's) default server socket; MYSQL_UNIX_PORT overrides it.
const DEFAULT_SOCKET: &str = "/run/mysqld/mysqld.sock";

struct Slot {
    conn: Option<Conn>,
    /// Columns of a result head not yet taken by store_result/use_result.
    pending: Option<Vec<ColumnDefinition>>,
    /// Counters of sessions already closed, so stats() survives close().
    closed_stats: IoStats,
    closed_queries: u64,
    /// The connection character set (MySQL name) and its Python codec.
    charset: String,
    encoding_name: &'static str,
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
    use_unicode: bool,
    host_info: String,
    /// Lets close() in one thread abort a wait in another (see `close`).
    /// Dropped by close(), so the closed socket is really closed (no second fd).
    waker: Mutex<Option<ShutdownHandle>>,
    /// Set by a close() that had to abort another thread's statement.
    closed_while_busy: AtomicBool,
}

fn seconds(v: Option<f64>) -> PyResult<Option<Duration>> {
    match v {
        None => Ok(None),
        // Too large for a Duration is as good as no timeout (never a panic).
        Some(s) if s.is_finite() && s >= 0.0 => Ok(Some(
            Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX),
        )
        .filter(|d| !d.is_zero())),
        Some(s) => Err(PyValueError::new_err(format!(
            "timeout must be a non-negative number, not {s}"
        ))),
    }
}

fn endpoint(host: Option<String>, port: u16, unix_socket: Option<String>) -> Endpoint {
    match (host, unix_socket) {
        (_, Some(path)) if !path.is_empty() => Endpoint::Unix(path.into()),
        (None, _) => default_socket(),
        (Some(h), _) if h.is_empty() || h == "localhost" => default_socket(),
        (Some(host), _) => Endpoint::Tcp { host, port },
    }
}

fn default_socket() -> Endpoint {
    let path = std::env::var("MYSQL_UNIX_PORT").unwrap_or_else(|_| DEFAULT_SOCKET.into());
    Endpoint::Unix(path.into())
}

impl Connection {
    /// Lock the session for one call; a second thread gets ProgrammingError (2014).
    fn lock(&self, py: Python<'_>) -> PyResult<MutexGuard<'_, Slot>> {
        if std::process::id() != self.pid {
            return Err(named(
                py,
                "InterfaceError",
                0,
                "connection belongs to another process (it was opened before a fork)",
            ));
        }
        match self.slot.try_lock() {
            Ok(g) => Ok(g),
            Err(TryLockError::WouldBlock) => Err(raise(
                py,
                cr::CR_COMMANDS_OUT_OF_SYNC,
                "Commands out of sync: this connection is in use by another thread",
            )),
            Err(TryLockError::Poisoned(p)) => Ok(p.into_inner()),
        }
    }

    /// Read something off the open session without releasing the GIL (no IO).
    fn peek<T>(&self, py: Python<'_>, f: impl FnOnce(&Conn, &Slot) -> T) -> PyResult<T> {
        let slot = self.lock(py)?;
        match &slot.conn {
            Some(conn) => Ok(f(conn, &slot)),
            None => Err(raise(py, cr::CR_SERVER_GONE_ERROR, "")),
        }
    }

    /// Run `f`, a command that talks to the server, on the open session with the GIL
    /// released. Its outcome becomes the connection's last error (or clears it), as
    /// mysql_errno() reports.
    fn command<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Conn, &mut Slot, &mut PyHook) -> Result<T, Error> + Send,
    ) -> PyResult<T> {
        let mut guard = self.lock(py)?;
        let slot = &mut *guard;
        let Some(mut conn) = slot.conn.take() else {
            // What mysqlclient raises for any use of a closed connection.
            return Err(raise(py, cr::CR_SERVER_GONE_ERROR, ""));
        };
        let mut hook = PyHook::default();
        let result = py.detach(|| f(&mut conn, slot, &mut hook));
        slot.conn = Some(conn);
        slot.last_error = match &result {
            Err(e) if !e.is_interrupted() => Some((
                e.code(),
                e.message().to_string(),
                e.sqlstate().unwrap_or("HY000").to_string(),
            )),
            _ => None,
        };
        if result.is_err() && self.closed_while_busy.load(Ordering::Acquire) {
            return Err(raise(
                py,
                cr::CR_SERVER_LOST,
                "Lost connection to server: the connection was closed by another thread",
            ));
        }
        settle(py, result, &mut hook)
    }

    /// The escaper's rules: the session's client character set (asked of the server
    /// first when a statement may have changed it) and NO_BACKSLASH_ESCAPES. A
    /// character set the escaper has no rules for raises NotSupportedError: literals
    /// are refused rather than guessed.
    fn escaping(&self, py: Python<'_>) -> PyResult<(ClientCharset, bool)> {
        {
            let slot = self.lock(py)?;
            let nbe = slot
                .conn
                .as_ref()
                .map_or(slot.closed_nbe, Conn::no_backslash_escapes);
            match &slot.client_charset {
                ClientCharsetState::Known(cs) => return Ok((*cs, nbe)),
                ClientCharsetState::Unsupported(name) => return Err(unsupported(py, name)),
                // Asking needs the session: command() raises 2006 when it is closed.
                ClientCharsetState::Unknown => {}
            }
        }
        self.command(py, |conn, slot, hook| {
            let name = query_client_charset(conn, hook)?;
            slot.client_charset = ClientCharsetState::for_name(&name);
            Ok(())
        })?;
        self.escaping(py)
    }

    fn text_encoding(&self, py: Python<'_>) -> PyResult<Encoding> {
        Ok(match self.lock(py)?.encoding_name {
            "utf-8" => Encoding::Utf8,
            other => Encoding::Other(CString::new(other).unwrap_or_default()),
        })
    }

    fn make_result(
        &self,
        py: Python<'_>,
        columns: Vec<ColumnDefinition>,
        rows: Rows,
    ) -> PyResult<PyResultSet> {
        let decoders = convert::plan(
            py,
            self.conv.as_ref().map(|c| c.bind(py)),
            &columns,
            self.use_unicode,
        )?;
        Ok(PyResultSet::new(
            columns,
            decoders,
            self.text_encoding(py)?,
            rows,
        ))
    }

    /// Read and drop the rest of the current result set (use_result path).
    pub(super) fn discard_rows(&self, py: Python<'_>, seq: u64) -> PyResult<()> {
        self.command(py, |conn, _, hook| {
            if conn.result_seq() != seq {
                return Ok(()); // already gone with a later statement
            }
            let mut sink = Vec::new();
            while !conn.read_rows_of(seq, 1024, &mut sink, hook)? {
                sink.clear();
            }
            Ok(())
        })
    }

    /// Read up to `max` rows (0 = all) of the current result set (use_result path).
    pub(super) fn read_rows(
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

#[pymethods]
impl Connection {
    #[new]
    #[pyo3(signature = (*, host=None, port=3306, unix_socket=None, user=None, password=None, database=None,
        charset="utf8mb4".to_string(), connect_timeout=None, read_timeout=None,
        write_timeout=None, client_flag=0, conv=None, use_unicode=true, program_name=None,
        cancel_on_interrupt=true, ssl_mode=None, ssl_ca=None, ssl_capath=None, ssl_cert=None,
        ssl_key=None, ssl_cipher=None, server_public_key=None, server_public_key_path=None,
        allow_cleartext_password=false, local_infile=false, local_infile_dir=None,
        compress=None, zstd_level=3, get_server_public_key=false,
        auth_requires_verified_tls=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        host: Option<String>,
        port: u16,
        unix_socket: Option<String>,
        user: Option<Vec<u8>>,
        password: Option<Vec<u8>>,
        database: Option<Vec<u8>>,
        charset: String,
        connect_timeout: Option<f64>,
        read_timeout: Option<f64>,
        write_timeout: Option<f64>,
        client_flag: u32,
        conv: Option<Bound<'_, PyDict>>,
        use_unicode: bool,
        program_name: Option<String>,
        cancel_on_interrupt: bool,
        ssl_mode: Option<String>,
        ssl_ca: Option<PathBuf>,
        ssl_capath: Option<PathBuf>,
        ssl_cert: Option<PathBuf>,
        ssl_key: Option<PathBuf>,
        ssl_cipher: Option<String>,
        server_public_key: Option<Vec<u8>>,
        server_public_key_path: Option<PathBuf>,
        allow_cleartext_password: bool,
        local_infile: bool,
        local_infile_dir: Option<PathBuf>,
        compress: Option<String>,
        zstd_level: i32,
        get_server_public_key: bool,
        auth_requires_verified_tls: bool,
    ) -> PyResult<Self> {
        let compress = match compress.as_deref() {
            None | Some("") => None,
            Some("zlib") => Some(Algorithm::Zlib),
            Some("zstd") => Some(Algorithm::Zstd(zstd_level)),
            Some(other) => {
                return Err(PyValueError::new_err(format!(
                    "unknown compression {other:?} (use 'zlib' or 'zstd')"
                )))
            }
        };
        // The server may ask for local files only when the user allowed them (and even
        // then only for files the statement names: see client/conn.rs).
        let local_infile = local_infile || local_infile_dir.is_some();
        let client_flag = if local_infile {
            client_flag | CLIENT_LOCAL_FILES
        } else {
            client_flag & !CLIENT_LOCAL_FILES
        };
        // A key given inline wins over a key file; the file is read now, so a wrong
        // path is reported at once rather than only when full authentication needs it.
        let server_public_key = match (server_public_key, server_public_key_path) {
            (Some(pem), _) if !pem.is_empty() => Some(pem),
            (_, Some(path)) if !path.as_os_str().is_empty() => {
                Some(std::fs::read(&path).map_err(|e| {
                    raise(
                        py,
                        cr::CR_AUTH_PLUGIN_ERR,
                        &format!(
                            "cannot read the server public key file '{}': {e}",
                            path.display()
                        ),
                    )
                })?)
            }
            _ => None,
        };
        let ssl_mode = match ssl_mode.as_deref() {
            None => SslMode::Disabled,
            Some(name) => SslMode::parse(name)
                .ok_or_else(|| PyValueError::new_err(format!("unknown ssl_mode {name:?}")))?,
        };
        let collation_id = charset::default_collation(&charset).ok_or_else(|| {
            raise(
                py,
                2019,
                &format!("Can't initialize character set {charset}"),
            )
        })?;
        let encoding_name = charset::python_encoding(&charset).ok_or_else(|| {
            raise(
                py,
                2019,
                &format!("Can't initialize character set {charset}"),
            )
        })?;
        let endpoint = endpoint(host, port, unix_socket);
        let host_info = match &endpoint {
            Endpoint::Tcp { host, .. } => format!("{host} via TCP/IP"),
            Endpoint::Unix(_) => "Localhost via UNIX socket".to_string(),
        };
        let mut attrs = vec![
            ("_client_name".to_string(), "unshaken".to_string()),
            (
                "_client_version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
            ("_pid".to_string(), std::process::id().to_string()),
        ];
        if let Some(name) = program_name {
            attrs.push(("program_name".to_string(), name));
        }
        let options = Options {
            endpoint,
            user: user.unwrap_or_default(),
            password: password.unwrap_or_default().into(),
            database: database.filter(|d| !d.is_empty()),
            // Collations above 255 don't fit the handshake byte: connect with utf8mb4
            // and let the Python layer SET NAMES.
            collation: if collation_id < 256 {
                collation_id
            } else {
                charset::UTF8MB4_GENERAL_CI
            },
            connect_timeout: seconds(connect_timeout)?,
            read_timeout: seconds(read_timeout)?,
            write_timeout: seconds(write_timeout)?,
            client_flag,
            connect_attrs: attrs,
            cancel_on_interrupt,
            ssl_mode,
            tls: TlsSettings {
                verify: Verify::Nothing, // derived from ssl_mode when connecting
                ca_file: ssl_ca,
                ca_dir: ssl_capath,
                cert_file: ssl_cert,
                key_file: ssl_key,
                ciphers: ssl_cipher,
            },
            server_public_key,
            get_server_public_key,
            allow_cleartext_password,
            auth_requires_verified_tls,
            local_infile,
            local_infile_dir,
            compress,
            ..Options::default()
        };
        let mut hook = PyHook::default();
        let connected = py.detach(|| Conn::connect(&options, &mut hook));
        let conn = settle(py, connected, &mut hook)?;
        let waker = conn.shutdown_handle();
        Ok(Connection {
            slot: Mutex::new(Slot {
                conn: Some(conn),
                pending: None,
                closed_stats: IoStats::default(),
                closed_queries: 0,
                // A charset with no rules of ours (ucs2, ...) cannot be a client charset:
                // the server kept another one, which is asked for before any literal.
                client_charset: match ClientCharset::for_name(&charset) {
                    Some(cs) => ClientCharsetState::Known(cs),
                    None => ClientCharsetState::Unknown,
                },
                charset,
                encoding_name,
                last_error: None,
                closed_nbe: false,
            }),
            pid: std::process::id(),
            conv: conv.map(Bound::unbind),
            use_unicode,
            host_info,
            waker: Mutex::new(waker),
            closed_while_busy: AtomicBool::new(false),
        })
    }

    /// Send a statement. `timeout` (seconds) bounds the whole statement: sending it
    /// and reading its every result; when it passes the statement is cancelled.
    #[pyo3(signature = (sql, timeout=None))]
    fn query(&self, py: Python<'_>, sql: &[u8], timeout: Option<f64>) -> PyResult<()> {
        // `sql` borrows the immutable bytes object the caller holds: no copy of a
        // large statement is made to release the GIL.
        let deadline = Deadline::after(seconds(timeout)?);
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
            let reply = conn.query_within(sql, deadline, hook)?;
            slot.pending = match reply {
                Reply::ResultSet(cols) => Some(cols),
                Reply::Done => None,
            };
            Ok(())
        })
    }

    fn store_result(&self, py: Python<'_>) -> PyResult<Option<PyResultSet>> {
        let stored = self.command(py, |conn, slot, hook| {
            let Some(columns) = slot.pending.take() else {
                return Ok(None);
            };
            let mut rows = Vec::new();
            conn.read_rows(0, &mut rows, hook)?;
            Ok(Some((columns, rows)))
        })?;
        match stored {
            Some((columns, rows)) => self.make_result(py, columns, Rows::Stored(rows)).map(Some),
            None => Ok(None),
        }
    }

    fn use_result(slf: Bound<'_, Self>) -> PyResult<Option<PyResultSet>> {
        let py = slf.py();
        let this = slf.get();
        let (columns, seq) = {
            let mut slot = this.lock(py)?;
            let seq = slot.conn.as_ref().map_or(0, Conn::result_seq);
            match slot.pending.take() {
                Some(columns) => (columns, seq),
                None => return Ok(None),
            }
        };
        this.make_result(py, columns, Rows::Streaming(slf.clone().unbind(), seq))
            .map(Some)
    }

    fn next_result(&self, py: Python<'_>) -> PyResult<i32> {
        self.command(py, |conn, slot, hook| {
            slot.pending = None;
            Ok(match conn.next_result(hook)? {
                None => -1,
                Some(Reply::Done) => 0,
                Some(Reply::ResultSet(cols)) => {
                    slot.pending = Some(cols);
                    0
                }
            })
        })
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
        let sql: &'static [u8] = if on {
            b"SET autocommit=1"
        } else {
            b"SET autocommit=0"
        };
        self.command(py, move |conn, _, hook| conn.query(sql, hook).map(|_| ()))
    }

    fn get_autocommit(&self, py: Python<'_>) -> PyResult<bool> {
        use crate::consts::status::SERVER_STATUS_AUTOCOMMIT;
        self.peek(py, |conn, _| conn.status() & SERVER_STATUS_AUTOCOMMIT != 0)
    }

    /// Idempotent. In a forked child only the file descriptor is closed: the
    /// parent's session must survive.
    ///
    /// Safe from any thread: if another thread is in the middle of a statement, the
    /// socket is shut down under it (its call fails promptly with 2013) and the
    /// session is closed without a goodbye.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let ours = std::process::id() == self.pid;
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

    /// SQL literals (bytes) for a sequence of query arguments; see py/literal.rs.
    #[pyo3(signature = (args, fallback, binary_prefix=false))]
    fn literals<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyAny>,
        fallback: &Bound<'py, PyAny>,
        binary_prefix: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let (charset, no_backslash_escapes) = self.escaping(py)?;
        let quoting = literal::Quoting {
            charset,
            no_backslash_escapes,
            utf8: self.lock(py)?.encoding_name == "utf-8",
            binary_prefix,
        };
        literal::literals(args, fallback, &quoting)
    }

    /// -1 while an unbuffered result set is still being read, as libmysqlclient.
    fn affected_rows(&self, py: Python<'_>) -> PyResult<i64> {
        self.peek(py, |conn, _| match conn.in_rows() {
            true => -1,
            false => i64::try_from(conn.last().affected_rows).unwrap_or(-1),
        })
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
        self.peek(py, |_, slot| slot.charset.clone())
    }
    /// The Python codec of the connection character set.
    fn encoding(&self, py: Python<'_>) -> PyResult<&'static str> {
        Ok(self.lock(py)?.encoding_name)
    }

    /// SET NAMES (with a collation if given) and decode later results accordingly.
    #[pyo3(signature = (charset, collation=None))]
    fn set_character_set(
        &self,
        py: Python<'_>,
        charset: String,
        collation: Option<String>,
    ) -> PyResult<()> {
        let unknown = || {
            raise(
                py,
                2019,
                &format!("Can't initialize character set {charset}"),
            )
        };
        let valid =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid(&charset) || charset::default_collation(&charset).is_none() {
            return Err(unknown());
        }
        let encoding = charset::python_encoding(&charset).ok_or_else(unknown)?;
        let sql = match &collation {
            Some(c) if valid(c) => format!("SET NAMES {charset} COLLATE {c}"),
            Some(c) => {
                return Err(PyValueError::new_err(format!(
                    "invalid collation name {c:?}"
                )))
            }
            None => format!("SET NAMES {charset}"),
        };
        self.command(py, move |conn, slot, hook| {
            conn.query(sql.as_bytes(), hook)?;
            slot.pending = None;
            slot.client_charset = ClientCharsetState::for_name(&charset);
            slot.charset = charset;
            slot.encoding_name = encoding;
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
            slot.pending = None;
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
            slot.pending = None;
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
        self.command(py, |conn, slot, hook| {
            slot.pending = None;
            conn.discard_rows(hook)
        })
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
            if std::process::id() == self.pid {
                // Garbage collection runs with the GIL held: say goodbye without it.
                Python::attach(|py| py.detach(|| conn.quit()));
            } else {
                conn.abandon();
            }
        }
    }
}

/// Take the session out of the slot, keeping its counters for stats().
fn take_session(slot: &mut Slot) -> Option<Conn> {
    let conn = slot.conn.take()?;
    slot.closed_nbe = conn.no_backslash_escapes();
    slot.closed_stats = add_stats(slot.closed_stats, conn.io_stats());
    slot.closed_queries += conn.queries();
    slot.pending = None;
    Some(conn)
}

fn unsupported(py: Python<'_>, charset: &str) -> PyErr {
    named(
        py,
        "NotSupportedError",
        2019,
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
