//! The interrupt hook: re-attach to Python between waits to run signal handlers.

use pyo3::prelude::*;

use crate::io::{Interrupt, Stop};

/// Runs Python's signal handlers; keeps the first exception one of them raised.
#[derive(Default)]
pub struct PyHook {
    raised: Option<PyErr>,
}

impl PyHook {
    pub fn take(&mut self) -> Option<PyErr> {
        self.raised.take()
    }
}

impl Interrupt for PyHook {
    fn check(&mut self) -> Result<(), Stop> {
        if self.raised.is_some() {
            return Err(Stop);
        }
        Python::attach(|py| match py.check_signals() {
            Ok(()) => Ok(()),
            Err(e) => {
                self.raised = Some(e);
                Err(Stop)
            }
        })
    }
}
