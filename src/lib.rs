//! unshaken: a signal-proof MySQL/MariaDB client core.
//!
//! Dependency direction: `consts <- proto <- value`; `io` stands alone;
//! `client -> proto + io`; `py -> client + value` (only with the `python` feature).

pub mod client;
pub mod consts;
pub mod error;
pub mod io;
pub mod proto;
pub mod secret;
pub mod value;

#[cfg(feature = "python")]
mod py;
