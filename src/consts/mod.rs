//! Wire constants with MySQL's own names.

pub mod capability;
pub mod charset;
pub mod command;
pub mod field_type;
pub mod status;
