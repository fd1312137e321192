//! Wire cell -> typed value, for the text protocol. Pure functions, no Python.

pub mod text;
