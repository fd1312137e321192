//! unshaken: a signal-proof MySQL/MariaDB client core.
//!
//! Dependency direction: `consts <- proto <- value`; `io` stands alone;
//! `config -> proto + io` (options checked once); `wire -> proto + io` (whole packets
//! over a stream); `client -> config + wire + proto + io`;
//! `py -> client + value` (only with the `python` feature).

pub mod client;
pub mod config;
pub mod consts;
pub mod error;
pub mod io;
pub mod proto;
pub mod secret;
pub mod value;
pub mod wire;

#[cfg(feature = "python")]
mod py;
