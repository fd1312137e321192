//! Autocommit, and the setting that goes out just ahead of the next command (a new or
//! reset session's setup, in that command's round trip).

use super::{Conn, Reply};
use crate::consts::command::COM_QUERY;
use crate::consts::status::SERVER_STATUS_AUTOCOMMIT;
use crate::error::{cr, Error, Result};
use crate::io::Interrupt;

impl Conn {
    /// Autocommit as the session has it, a setting still waiting to go out ahead of
    /// the next command counted as made.
    pub fn autocommit(&self) -> bool {
        self.autocommit_ahead.unwrap_or(self.server_autocommit())
    }

    /// Set autocommit now (a statement), or with the next command if a setting is
    /// already waiting for it: then still no transaction can be open.
    pub fn set_autocommit(&mut self, on: bool, hook: &mut dyn Interrupt) -> Result<()> {
        if self.autocommit_ahead.is_some() {
            self.defer_autocommit(on);
            return Ok(());
        }
        self.query(autocommit_sql(on), hook).map(|_| ())
    }

    /// Set autocommit with the next command instead of in a round trip of its own
    /// (nothing goes out if the session has it already): the setup of a session in
    /// which no transaction can be open yet, such as a new or reset one. Elsewhere
    /// use a statement: turning autocommit on commits the open transaction at once.
    pub fn defer_autocommit(&mut self, on: bool) {
        self.autocommit_ahead = (self.server_autocommit() != on).then_some(on);
    }

    /// Autocommit as the server's last status flags say.
    fn server_autocommit(&self) -> bool {
        self.status() & SERVER_STATUS_AUTOCOMMIT != 0
    }

    /// Send the setup left for the next command (see `defer_autocommit`). Its reply
    /// is read after the command is sent, so both take one round trip (true is
    /// returned), except under compression, whose frame numbers restart with each
    /// command: there it is read at once.
    pub(super) fn send_ahead(&mut self, hook: &mut dyn Interrupt) -> Result<bool> {
        let Some(on) = self.autocommit_ahead.take() else {
            return Ok(false);
        };
        self.wire.reset_sequence();
        let sent =
            self.wire
                .write_parts(&[&[COM_QUERY], autocommit_sql(on)], self.stmt.limit, hook);
        if let Err(e) = sent {
            return Err(self.fail(e, "sending the session setup"));
        }
        if self.wire.compression().is_none() {
            return Ok(true);
        }
        self.read_ahead_reply(hook)?;
        Ok(false)
    }

    /// The setup's reply: an OK. Anything else, an interruption included, closes
    /// the session: the command sent behind it would run without the setup, and a
    /// cancel could not tell the two apart.
    pub(super) fn read_ahead_reply(&mut self, hook: &mut dyn Interrupt) -> Result<()> {
        let command = std::mem::take(&mut self.stmt);
        self.stmt.limit = command.limit;
        self.machine.start();
        let reply = self.read_reply(hook);
        self.stmt = command;
        let err = match reply {
            Ok(Reply::Done) => return Ok(()),
            Ok(Reply::ResultSet) => Error::client(cr::CR_MALFORMED_PACKET, "unexpected result set"),
            Err(e) => e,
        };
        if !self.is_broken() {
            self.break_with(&format!("the session setup failed: {}", err.message()));
        }
        Err(err)
    }
}

fn autocommit_sql(on: bool) -> &'static [u8] {
    if on {
        b"SET autocommit=1"
    } else {
        b"SET autocommit=0"
    }
}
