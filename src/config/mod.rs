//! Connection options, checked once. [`ConnectArgs`] holds connect()'s options as
//! plain values (strings, seconds, flags, paths); `build()` checks every one and
//! gives the [`Options`] the client connects with, or an `Error` with the CR_* code
//! (or the usage kind) that py/errors.rs turns into mysqlclient's exception.
//!
//! No pyo3 and no sockets: every rule is tested with plain `cargo test`. The only
//! IO is reading a key file an option names, through `io::file`.

mod builder;
mod charset;
mod endpoint;
mod options;
mod timeout;

pub use builder::{ConnectArgs, MIN_PACKET};
pub use charset::Charset;
pub use endpoint::DEFAULT_SOCKET;
pub use options::{Options, SslMode, DEFAULT_MAX_PACKET};
pub use timeout::timeout_limit;

#[cfg(test)]
mod tests;
