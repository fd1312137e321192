//! The blocking driver: runs proto state machines over io. No Python here.

mod cancel;
mod cancel_proof;
mod client_charset;
mod conn;
mod options;
mod wire;

pub use client_charset::query_client_charset;
pub use conn::{Conn, LastStatus, Reply, ServerInfo};
pub use options::{Options, SslMode};
