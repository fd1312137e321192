//! `unshaken.set_wait_callback(fn)`: an event loop (gevent, eventlet, ...) waits for
//! the socket instead of poll(), so other greenlets run meanwhile.
//!
//! `fn(fd, writable, timeout)` returns when the fd may be ready or `timeout`
//! seconds have passed; an exception it raises (gevent.Timeout, GreenletExit,
//! KeyboardInterrupt) stops the wait like a raising signal handler: the statement
//! is cancelled on the server and that same exception reaches the caller.
//!
//! With a callback installed the GIL stays held around blocking steps: the callback
//! switches greenlets on this thread, and pyo3's GIL bookkeeping is per thread, so
//! releasing and re-taking it from interleaved greenlets would corrupt it. gevent's
//! hub releases the GIL while it sleeps.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pyo3::prelude::*;

use super::hook::PyHook;
use crate::client::{Direction, Stop, Waiter};

/// The fast path's one check: no callback, no lock, no Python.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static CALLBACK: Mutex<Option<Py<PyAny>>> = Mutex::new(None);

/// Install (or, with None, remove) the process-wide wait callback.
#[pyfunction]
#[pyo3(signature = (callback))]
pub fn set_wait_callback(callback: Option<Py<PyAny>>) {
    let old = {
        let mut slot = CALLBACK.lock().unwrap_or_else(|p| p.into_inner());
        ACTIVE.store(callback.is_some(), Ordering::Release);
        std::mem::replace(&mut *slot, callback)
    };
    // Dropped outside the lock: its __del__ may run Python code.
    drop(old);
}

#[pyfunction]
pub fn get_wait_callback(py: Python<'_>) -> Option<Py<PyAny>> {
    current(py)
}

/// The callback a blocking call made now should use.
pub fn current(py: Python<'_>) -> Option<Py<PyAny>> {
    if !ACTIVE.load(Ordering::Acquire) {
        return None;
    }
    let slot = CALLBACK.lock().unwrap_or_else(|p| p.into_inner());
    slot.as_ref().map(|cb| cb.clone_ref(py))
}

/// Whether a callback is installed (for error messages that name greenlets).
pub fn active() -> bool {
    ACTIVE.load(Ordering::Acquire)
}

/// Run a blocking step: without the GIL normally, with it under a wait callback.
pub fn blocking<T: Send>(py: Python<'_>, cooperative: bool, f: impl FnOnce() -> T + Send) -> T {
    if cooperative {
        f()
    } else {
        py.detach(f)
    }
}

impl Waiter for PyHook {
    fn wait_fd(&mut self, fd: RawFd, dir: Direction, timeout: Duration) -> Result<(), Stop> {
        let Some(callback) = &self.callback else {
            return Ok(());
        };
        let writable = dir == Direction::Write;
        Python::attach(
            |py| match callback.call1(py, (fd, writable, timeout.as_secs_f64())) {
                Ok(_) => Ok(()),
                Err(e) => {
                    // The first exception wins (a second one raised while cancelling
                    // must not replace what the caller is to see).
                    self.raised.get_or_insert(e);
                    Err(Stop)
                }
            },
        )
    }
}
