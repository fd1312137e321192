//! The session's lock, and the crossing every command makes: the GIL released, the
//! session taken out of its slot, the outcome made the connection's last error.

use std::ffi::CString;
use std::sync::atomic::Ordering;
use std::sync::{MutexGuard, TryLockError};

use pyo3::prelude::*;

use super::{take_session, unsupported, ClientCharsetState, Connection, Slot};
use crate::client::{process_id, query_client_charset, ClientCharset, Conn};
use crate::error::{cr, Error};
use crate::py::convert::Encoding;
use crate::py::errors::{named, raise, settle};
use crate::py::hook::PyHook;
use crate::py::literal;
use crate::py::wait_callback::{self, blocking};

impl Connection {
    /// Lock the session for one call; a second thread gets ProgrammingError (2014).
    pub(super) fn lock(&self, py: Python<'_>) -> PyResult<MutexGuard<'_, Slot>> {
        if process_id() != self.pid {
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
                &format!(
                    "{}: this connection is already in use by another {}",
                    cr::OUT_OF_SYNC,
                    if wait_callback::active() {
                        "thread or greenlet"
                    } else {
                        "thread"
                    }
                ),
            )),
            Err(TryLockError::Poisoned(p)) => Ok(p.into_inner()),
        }
    }

    /// Read something off the open session without releasing the GIL (no IO).
    pub(super) fn peek<T>(&self, py: Python<'_>, f: impl FnOnce(&Conn, &Slot) -> T) -> PyResult<T> {
        let slot = self.lock(py)?;
        match &slot.conn {
            Some(conn) => Ok(f(conn, &slot)),
            None => Err(raise(py, cr::CR_SERVER_GONE_ERROR, "")),
        }
    }

    /// Run `f`, a command that talks to the server, on the open session with the GIL
    /// released. Its outcome becomes the connection's last error (or clears it), as
    /// mysql_errno() reports.
    pub(in crate::py) fn command<T: Send>(
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
        let mut hook = PyHook::new(py);
        let result = blocking(py, hook.cooperative(), || f(&mut conn, slot, &mut hook));
        slot.conn = Some(conn);
        slot.last_error = match &result {
            Err(e) if !e.is_interrupted() => Some((
                e.code(),
                e.message().to_string(),
                e.sqlstate().unwrap_or("HY000").to_string(),
            )),
            _ => None,
        };
        if hook.cooperative() && self.closed_while_busy.load(Ordering::Acquire) {
            // close() from another greenlet could not wait for us (see close()).
            if let Some(conn) = take_session(slot) {
                conn.abandon();
            }
        }
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
    pub(super) fn escaping(&self, py: Python<'_>) -> PyResult<(ClientCharset, bool)> {
        {
            let slot = self.lock(py)?;
            let nbe = slot
                .conn
                .as_ref()
                .map_or(slot.closed_nbe, |c| c.no_backslash_escapes());
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

    /// How literals are written now (see `escaping`).
    pub(in crate::py) fn quoting(
        &self,
        py: Python<'_>,
        binary_prefix: bool,
    ) -> PyResult<literal::Quoting> {
        let (charset, no_backslash_escapes) = self.escaping(py)?;
        Ok(literal::Quoting {
            charset,
            no_backslash_escapes,
            encoding: self.lock(py)?.charset.encoding,
            binary_prefix,
        })
    }

    pub(super) fn text_encoding(&self, py: Python<'_>) -> PyResult<Encoding> {
        Ok(match self.lock(py)?.charset.encoding {
            "utf-8" => Encoding::Utf8,
            other => Encoding::Other(CString::new(other).unwrap_or_default()),
        })
    }
}
