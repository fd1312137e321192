//! Protocol state machines: they are fed whole packets and say what to send next;
//! and the pure check a cancel's side connection must pass before KILL QUERY.

pub mod cancel_proof;
pub mod command;
pub mod handshake;
pub mod query;
