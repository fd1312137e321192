//! COM_* command bytes.
pub const COM_QUIT: u8 = 0x01;
pub const COM_INIT_DB: u8 = 0x02;
pub const COM_QUERY: u8 = 0x03;
pub const COM_FIELD_LIST: u8 = 0x04;
pub const COM_STATISTICS: u8 = 0x09;
pub const COM_PROCESS_KILL: u8 = 0x0c;
pub const COM_PING: u8 = 0x0e;
pub const COM_CHANGE_USER: u8 = 0x11;
pub const COM_STMT_PREPARE: u8 = 0x16;
pub const COM_STMT_EXECUTE: u8 = 0x17;
pub const COM_STMT_CLOSE: u8 = 0x19;
/// MariaDB: run a prepared statement once per row of parameters.
pub const COM_STMT_BULK_EXECUTE: u8 = 0xfa;
pub const COM_SET_OPTION: u8 = 0x1b;
pub const COM_RESET_CONNECTION: u8 = 0x1f;
