//! Client command packets that are no more than their command byte (a command with an
//! argument goes out through `Wire::write_parts`, framed without a joined copy).

use crate::consts::command::*;

pub fn com_quit() -> Vec<u8> {
    vec![COM_QUIT]
}
