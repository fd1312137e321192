//! The blocking driver: runs proto state machines over io. No Python here.

mod cancel;
mod cancel_proof;
mod conn;
mod options;
mod wire;

pub use conn::{Conn, LastStatus, Reply, ServerInfo};
pub use options::{Options, SslMode};
