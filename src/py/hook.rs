//! The interrupt hook: re-attach to Python between waits to run signal handlers.

use pyo3::prelude::*;

use crate::client::{Interrupt, Stop, Waiter};

/// Runs Python's signal handlers; keeps the first exception one of them raised.
/// With a wait callback (see `wait_callback`), the event loop does the waiting.
#[derive(Default)]
pub struct PyHook {
    pub(super) raised: Option<PyErr>,
    pub(super) callback: Option<Py<PyAny>>,
}

impl PyHook {
    /// A hook for one blocking call, with the wait callback installed now, if any.
    pub fn new(py: Python<'_>) -> PyHook {
        PyHook {
            raised: None,
            callback: super::wait_callback::current(py),
        }
    }

    /// Whether an event loop does this call's waiting.
    pub fn cooperative(&self) -> bool {
        self.callback.is_some()
    }

    /// The exception a signal handler raised during the blocking call, if any.
    /// Python code also runs inside log calls (pyo3-log), and a handler that raises
    /// there leaves its exception set on the thread: that one is claimed too.
    pub fn finish(&mut self, py: Python<'_>) -> Option<PyErr> {
        let pending = PyErr::take(py);
        self.raised.take().or(pending)
    }
}

impl Interrupt for PyHook {
    fn waiter(&mut self) -> Option<&mut dyn Waiter> {
        match self.callback {
            Some(_) => Some(self),
            None => None,
        }
    }

    fn check(&mut self) -> Result<(), Stop> {
        if self.raised.is_some() {
            return Err(Stop);
        }
        Python::attach(|py| {
            let handled = py.check_signals();
            let pending = PyErr::take(py);
            match (handled, pending) {
                (Err(e), _) | (Ok(()), Some(e)) => {
                    self.raised = Some(e);
                    Err(Stop)
                }
                (Ok(()), None) => Ok(()),
            }
        })
    }
}
