//! The interrupt hook: re-attach to Python between waits to run signal handlers.

use pyo3::prelude::*;

use crate::io::{Interrupt, Stop};

/// Runs Python's signal handlers; keeps the first exception one of them raised.
#[derive(Default)]
pub struct PyHook {
    raised: Option<PyErr>,
}

impl PyHook {
    /// The exception a signal handler raised during the blocking call, if any.
    /// Python code also runs inside log calls (pyo3-log), and a handler that raises
    /// there leaves its exception set on the thread: that one is claimed too.
    pub fn finish(&mut self, py: Python<'_>) -> Option<PyErr> {
        let pending = PyErr::take(py);
        self.raised.take().or(pending)
    }
}

impl Interrupt for PyHook {
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
