//! Parsing of text-protocol cells into Rust values.
