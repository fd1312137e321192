//! Reading a statement's reply: the head, rows, later results, draining; and the
//! cancel when a wait is interrupted or times out mid-statement.

use bytes::Bytes;

use super::{gone, unreachable_phase, Conn, Reply};
use crate::client::cancel;
use crate::client::statement::Statement;
use crate::consts::command::COM_QUERY;
use crate::error::{cr, Error, Result};
use crate::io::{Deadline, Interrupt, IoError, WaitOnly};
use crate::proto::packets::bulk::PrepareOk;
use crate::proto::session::command::CommandStep;
use crate::wire::WireError;

/// Row bytes after which a bounded `read_rows` batch ends early.
const BATCH_BYTES: usize = 1 << 20;

impl Conn {
    /// Send COM_QUERY and read the reply's head (and column definitions).
    pub fn query(&mut self, sql: &[u8], hook: &mut dyn Interrupt) -> Result<Reply> {
        self.query_within(sql, Deadline::NEVER, hook)
    }

    /// `query` with a deadline for the whole statement: sending it, and reading
    /// every packet of its reply (rows and later results included). When it passes,
    /// the statement is cancelled like an interrupted one.
    pub fn query_within(
        &mut self,
        sql: &[u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<Reply> {
        self.ensure_usable()?;
        let stmt = Statement::query(&self.options, deadline, sql, self.no_backslash_escapes());
        self.start_command(COM_QUERY, sql, stmt, hook)?;
        self.machine.start();
        self.queries += 1;
        let reply = self.read_reply(hook);
        match self.stmt.refusal.take() {
            Some(refusal) if reply.is_ok() => Err(refusal),
            _ => reply,
        }
    }

    /// Read up to `max` rows (0 = all) of the current result set into `out`; a
    /// bounded batch also ends once it holds `BATCH_BYTES` of rows, so large rows are
    /// built (and their wire buffers freed and reused) a few at a time instead of a
    /// whole batch of them held at once. Returns true when the result set has ended.
    pub fn read_rows(
        &mut self,
        max: usize,
        out: &mut Vec<Bytes>,
        hook: &mut dyn Interrupt,
    ) -> Result<bool> {
        if !self.in_rows() {
            return Ok(true);
        }
        let (mut n, mut bytes) = (0, 0);
        while max == 0 || (n < max && bytes < BATCH_BYTES) {
            match self.step(hook)? {
                Step::Row(row) => {
                    bytes += row.len();
                    out.push(row);
                    n += 1;
                }
                Step::End => return Ok(true),
                Step::Reply(_) | Step::Continue | Step::Prepared(_) => unreachable_phase()?,
            }
        }
        Ok(false)
    }

    /// Move to the next result of a multi-statement. `None` when there is none.
    /// The current result's rows must have been read (or discarded) first: rows still
    /// unread are "commands out of sync" (2014), as in libmysqlclient, so one cursor
    /// can never silently swallow another's unbuffered result.
    pub fn next_result(&mut self, hook: &mut dyn Interrupt) -> Result<Option<Reply>> {
        if self.broken.is_none() && self.machine.owes_rows() {
            return unreachable_phase();
        }
        self.head = None;
        if self.broken.is_some() || !self.machine.next_result() {
            return Ok(None);
        }
        let reply = self.read_reply(hook);
        match self.stmt.refusal.take() {
            Some(refusal) if reply.is_ok() => Err(refusal),
            _ => reply.map(Some),
        }
    }

    /// Read and drop every later result of the statement, as mysqlclient's
    /// `next_result()`/`discard_result()` loop does: rows of the current result still
    /// unread are "commands out of sync" (2014), never silently dropped; a later
    /// result's ERR ends the statement and is returned. Returns the insert id of the
    /// last OK read on the way (the C client updates its insert id from those).
    pub fn drain(&mut self, hook: &mut dyn Interrupt) -> Result<Option<u64>> {
        if self.broken.is_none() && self.machine.owes_rows() {
            return unreachable_phase();
        }
        let insert_id = self.read_to_end(hook)?;
        // As the next_result() loop this stands for: after the last result, no count.
        self.machine.clear_affected_rows();
        Ok(insert_id)
    }

    /// Read and drop whatever the server still owes, rows included.
    fn read_to_end(&mut self, hook: &mut dyn Interrupt) -> Result<Option<u64>> {
        self.head = None;
        let mut insert_id = None;
        loop {
            if let Some(reason) = &self.broken {
                return Err(gone(reason));
            }
            if self.machine.is_idle() {
                return Ok(insert_id);
            }
            if !self.machine.next_result() {
                match self.step(hook)? {
                    Step::Reply(Reply::Done) => insert_id = Some(self.machine.last().insert_id),
                    // A prepare whose caller gave up (interrupted, timed out): nobody
                    // will close what it prepared, so it is closed here.
                    Step::Prepared(ok) => self.close_statement(ok.statement_id, hook)?,
                    _ => {}
                }
            }
            self.head = None;
        }
    }

    /// `drain` for a caller who abandoned the results: their errors are not news.
    pub(super) fn discard_all(&mut self, hook: &mut dyn Interrupt) -> Result<()> {
        match self.read_to_end(hook) {
            Err(e) if e.is_server() && !self.is_broken() => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// Read packets until the reply head (and its columns) is complete.
    pub(super) fn read_reply(&mut self, hook: &mut dyn Interrupt) -> Result<Reply> {
        loop {
            match self.step(hook)? {
                Step::Reply(reply) => return Ok(reply),
                Step::Continue => {}
                Step::Row(_) | Step::End | Step::Prepared(_) => unreachable_phase()?,
            }
        }
    }

    /// Read and drop the rest of the current result set's rows.
    pub fn discard_rows(&mut self, hook: &mut dyn Interrupt) -> Result<()> {
        self.head = None;
        let mut sink = Vec::new();
        while self.in_rows() {
            sink.clear();
            self.read_rows(1024, &mut sink, hook)?;
        }
        Ok(())
    }

    /// Read one packet and advance the phase. An interruption or timeout while
    /// reading cancels the statement (if enabled) so the session stays usable.
    pub(super) fn step(&mut self, hook: &mut dyn Interrupt) -> Result<Step> {
        let packet = match self.wire.read_packet(self.stmt.limit, hook) {
            Ok(p) => p,
            Err(WireError::Io(e @ (IoError::Interrupted | IoError::TimedOut)))
                if self.stmt.cancellable =>
            {
                return Err(self.cancel_after(e, hook));
            }
            Err(e) => return Err(self.fail(e, "reading the reply")),
        };
        let step = self.advance(&packet, hook);
        if self.machine.is_idle() {
            // The statement is over: its deadline no longer applies.
            self.stmt.limit = Deadline::NEVER;
        }
        step.inspect_err(|e| {
            self.machine.clear_affected_rows();
            // A server error ends the statement, not the session, unless the server
            // hangs up after it; anything else (malformed data) ends the session.
            if !e.is_server() || server_hangs_up_after(e.code()) {
                self.break_with(e.message());
            }
        })
    }

    fn advance(&mut self, packet: &Bytes, hook: &mut dyn Interrupt) -> Result<Step> {
        match self.machine.packet(packet)? {
            CommandStep::Row => Ok(Step::Row(packet.clone())),
            CommandStep::Wait => Ok(Step::Continue),
            CommandStep::Columns(columns) => {
                self.head = Some(columns);
                Ok(Step::Reply(Reply::ResultSet))
            }
            CommandStep::EndOfRows => Ok(Step::End),
            CommandStep::Done => Ok(Step::Reply(Reply::Done)),
            CommandStep::Prepared(ok) => Ok(Step::Prepared(ok)),
            CommandStep::Failed(err) => Err(Error::server(&err)),
            CommandStep::LocalFile(name) => {
                let sent = self
                    .stmt
                    .send_local_file(&mut self.wire, &self.options, &name, hook);
                sent.map_err(|e| self.fail(e, "sending a local file"))?;
                Ok(Step::Continue)
            }
        }
    }

    /// Which result set is current (see `read_rows_of`).
    pub fn result_seq(&self) -> u64 {
        self.machine.result_seq()
    }

    /// `discard_rows` for result set number `seq`; nothing once the session has moved
    /// on to another (its rows went with it).
    pub fn discard_rows_of(&mut self, seq: u64, hook: &mut dyn Interrupt) -> Result<()> {
        if seq != self.machine.result_seq() {
            return Ok(());
        }
        self.discard_rows(hook)
    }

    /// `read_rows` for result set number `seq`: an error (2014) once the session has
    /// moved on to another, never the rows of the wrong one.
    pub fn read_rows_of(
        &mut self,
        seq: u64,
        max: usize,
        out: &mut Vec<Bytes>,
        hook: &mut dyn Interrupt,
    ) -> Result<bool> {
        if seq != self.machine.result_seq() {
            return unreachable_phase();
        }
        self.read_rows(max, out, hook)
    }

    /// The wait was interrupted or timed out mid-statement: cancel the statement on
    /// the server, drain what it still sends, and report the original cause. If the
    /// cancel fails, or cannot prove it reached this session, the session is closed
    /// instead.
    fn cancel_after(&mut self, cause: IoError, hook: &mut dyn Interrupt) -> Error {
        let timed_out = matches!(cause, IoError::TimedOut);
        // The cancel waits in the caller's event loop (gevent...) but stops for nothing.
        let mut hook = WaitOnly(hook);
        match cancel::kill_query(&self.options, &self.server, &mut hook) {
            Ok(()) => {
                if let Err(e) = self.drain_until(cancel::drain_deadline(), &mut hook) {
                    self.break_with(&format!("could not drain after cancel: {}", e.message()));
                }
            }
            Err(reason) => self.break_with(&reason),
        }
        match (timed_out, self.is_broken()) {
            (false, _) => Error::interrupted(),
            (true, false) => Error::client(
                cr::CR_SERVER_LOST,
                "Query timed out; the statement was cancelled and the connection is still usable",
            ),
            (true, true) => Error::from_command_io(cause),
        }
    }

    /// Drain with no interruptions and a hard deadline (the cancel path).
    fn drain_until(&mut self, deadline: Deadline, hook: &mut WaitOnly<'_>) -> Result<()> {
        // The drain is a statement of its own: bounded, and never cancelled again.
        let cancelled = std::mem::replace(
            &mut self.stmt,
            Statement {
                limit: deadline,
                ..Statement::default()
            },
        );
        let result = self.discard_all(hook);
        self.stmt = Statement {
            limit: Deadline::NEVER,
            ..cancelled
        };
        result
    }
}

pub(super) enum Step {
    Reply(Reply),
    Prepared(PrepareOk),
    Row(Bytes),
    End,
    Continue,
}

/// Server errors after which the server closes the connection itself.
fn server_hangs_up_after(code: u16) -> bool {
    matches!(
        code,
        1053 // ER_SERVER_SHUTDOWN
        | 1153 // ER_NET_PACKET_TOO_LARGE
        | 1927 // ER_CONNECTION_KILLED (MariaDB)
        | 4031 // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
    )
}
