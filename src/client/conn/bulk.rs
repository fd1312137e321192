//! executemany() through MariaDB's bulk execution: prepare once, send every row's
//! parameters in a few commands, close.

use super::results::Step;
use super::{unreachable_phase, Conn};
use crate::client::statement::Statement;
use crate::consts::capability::MARIADB_CLIENT_STMT_BULK_OPERATIONS;
use crate::consts::command::{COM_STMT_BULK_EXECUTE, COM_STMT_CLOSE, COM_STMT_PREPARE};
use crate::error::Result;
use crate::io::{Deadline, Interrupt};
use crate::proto::packets::bulk::{close_argument, BulkRows, PrepareOk};

impl Conn {
    /// The server runs COM_STMT_BULK_EXECUTE (MariaDB 10.2+; asked for at login).
    pub fn bulk_supported(&self) -> bool {
        self.mariadb_capabilities & MARIADB_CLIENT_STMT_BULK_OPERATIONS != 0
    }

    /// COM_STMT_PREPARE: the statement's id and how many parameters and columns it has.
    pub fn prepare(
        &mut self,
        sql: &[u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<PrepareOk> {
        let stmt = Statement::new(&self.options, deadline);
        self.start_command(COM_STMT_PREPARE, sql, stmt, hook)?;
        self.machine.start_prepare();
        loop {
            match self.step(hook)? {
                Step::Prepared(ok) => return Ok(ok),
                Step::Continue => {}
                _ => return unreachable_phase(),
            }
        }
    }

    /// Run prepared statement `id` once per row of `rows`, in order; the server stops
    /// at the first row that fails and reports its error. The figures (affected rows
    /// summed over the rows) are the last statement's, as after a query.
    pub fn bulk_execute(
        &mut self,
        id: u32,
        rows: &BulkRows,
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<()> {
        // The server refuses a statement that returns rows: the reply is OK or ERR.
        self.queries += 1;
        self.simple_within(COM_STMT_BULK_EXECUTE, &rows.argument(id), deadline, hook)
    }

    /// COM_STMT_CLOSE (the server sends no reply). The last statement's figures stay.
    pub fn close_statement(&mut self, id: u32, hook: &mut dyn Interrupt) -> Result<()> {
        self.ensure_usable()?;
        self.wire.reset_sequence();
        let argument = close_argument(id);
        match self
            .wire
            .write_parts(&[&[COM_STMT_CLOSE], &argument], Deadline::NEVER, hook)
        {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e, "closing a prepared statement")),
        }
    }
}
