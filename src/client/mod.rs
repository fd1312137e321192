//! The blocking driver: runs the proto session machines over `wire` (packets) and `io`
//! (sockets, waits), with the options config/ has checked. No Python here.

mod cancel;
mod client_charset;
mod conn;
mod login;
mod statement;

pub use client_charset::{client_charset_after_login, query_client_charset};
pub use conn::{Conn, LastStatus, Reply, ServerInfo};

// What py/ needs from the layers below, named in the client's vocabulary: py/ uses
// client/ (and value/) only.
pub use crate::config::{timeout_limit, Charset, ConnectArgs, Options, SslMode};
pub use crate::io::process::id as process_id;
pub use crate::io::Direction;
pub use crate::io::{Deadline, Interrupt, IoStats, ShutdownHandle, Stop, Waiter};
pub use crate::proto::client_charset::{
    may_change_client_charset, may_change_sql_mode, ClientCharset,
};
pub use crate::proto::compress::Algorithm as Compression;
pub use crate::proto::escape::{escape_into, quote_identifier_into};
pub use crate::proto::packets::bulk::{BulkRows, BulkValue};
pub use crate::proto::packets::row::TextRow;
pub use crate::proto::packets::ColumnDefinition as Column;
