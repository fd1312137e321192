//! Protocol state machines: they are fed whole packets and say what to send next.

pub mod handshake;
pub mod query;
