//! Client command packets: a command byte and its argument.

use crate::consts::command::*;

pub fn command(cmd: u8, arg: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(1 + arg.len());
    v.push(cmd);
    v.extend_from_slice(arg);
    v
}
pub fn com_query(sql: &[u8]) -> Vec<u8> {
    command(COM_QUERY, sql)
}
pub fn com_quit() -> Vec<u8> {
    vec![COM_QUIT]
}
