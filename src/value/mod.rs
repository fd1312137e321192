//! Wire cell -> typed value, for the text protocol. Pure functions, no Python.

pub mod template;
pub mod temporal_text;
pub mod text;
