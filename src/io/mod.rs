//! The only module that makes syscalls. It knows nothing about MySQL or Python.
//!
//! Every blocking step goes through [`poll::wait`]: it waits in slices, retries
//! EINTR with the remaining time, and asks the [`Interrupt`] hook between tries.
//! A hook may carry a cooperative [`Waiter`] that replaces poll() (gevent).

pub mod deadline;
pub mod file;
pub mod interrupt;
pub mod peer;
pub mod poll;
pub mod process;
pub mod resolve;
pub mod socket;
pub mod stream;
pub mod tls;
pub mod tls_config;
pub mod waiter;

pub use deadline::Deadline;
pub use interrupt::{Interrupt, NoInterrupt, Stop, WaitOnly};
pub use peer::Ends;
pub use poll::{wait, Direction, IoError, IoStats};
pub use socket::{Endpoint, ShutdownHandle, Socket};
pub use stream::Stream;
pub use tls::TlsStream;
pub use tls_config::{client_config, server_name, TlsSettings, Verify};
pub use waiter::Waiter;
