//! One file per packet family; each type has decode() and, where the client sends
//! it (or tests need it), encode().

pub mod bulk;
pub mod column;
pub mod command;
pub mod generic;
pub mod handshake;
pub mod row;

pub use column::{ColumnDefinition, Names as ColumnNames};
pub use generic::{EofPacket, ErrPacket, OkPacket};
pub use handshake::{Greeting, HandshakeResponse};
