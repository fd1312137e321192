//! The description and flags of a connection's last stored result, kept for the next
//! one: a loop runs the same statement, and building them again was a tenth of a
//! `SELECT 1`'s instructions in the core.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::Result;
use crate::client::Column as ColumnDefinition;
use crate::py::convert::Encoding;

/// What `Result::described` made last, with what it was made from.
pub struct Described {
    columns: Vec<ColumnDefinition>,
    encoding: Encoding,
    names: Vec<Py<PyAny>>,
    flags: Py<PyTuple>,
    max_lengths: Vec<usize>,
    description: Py<PyTuple>,
}

impl Result {
    /// `(describe(), field_flags())`, reusing `last`'s when this result's columns are
    /// the same in every field and decoded the same way: its flags and names, and its
    /// description too when the longest values are the same (they are its display
    /// sizes). `last` then describes this result.
    pub(crate) fn described<'py>(
        &self,
        py: Python<'py>,
        last: &mut Option<Described>,
    ) -> PyResult<(Bound<'py, PyTuple>, Bound<'py, PyTuple>)> {
        let st = self.lock(py)?;
        let same = last
            .as_mut()
            .filter(|d| d.columns == self.columns && d.encoding == self.encoding);
        if let Some(d) = same {
            if d.max_lengths != st.max_lengths {
                let names: Vec<_> = d.names.iter().map(|n| n.bind(py).clone()).collect();
                d.description = self.description(py, &names, &st.max_lengths)?.unbind();
                d.max_lengths.clone_from(&st.max_lengths);
            }
            return Ok((d.description.bind(py).clone(), d.flags.bind(py).clone()));
        }
        let names = self.described_names(py);
        let description = self.description(py, &names, &st.max_lengths)?;
        let flags = self.field_flags(py)?;
        *last = Some(Described {
            columns: self.columns.clone(),
            encoding: self.encoding.clone(),
            names: names.into_iter().map(Bound::unbind).collect(),
            flags: flags.clone().unbind(),
            max_lengths: st.max_lengths.clone(),
            description: description.clone().unbind(),
        });
        Ok((description, flags))
    }
}
