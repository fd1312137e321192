//! The command phase as a pure machine: fed the server's packets one at a time, it
//! says what they were (columns, a row, the end of a result set, OK, ERR, a request
//! for a local file) and what comes next. No IO, no clock: `client/` runs it over
//! the wire and performs what it asks for (file upload, cancel and drain).

use super::super::packets::bulk::PrepareOk;
use super::super::packets::generic::ERR_HEADER;
use super::super::packets::{ColumnDefinition, EofPacket, ErrPacket, OkPacket};
use super::super::{ProtoError, Result};
use super::query::{classify_head, classify_row, QueryHead, RowEnd};
use crate::consts::capability::CLIENT_DEPRECATE_EOF;
use crate::consts::status::{SERVER_MORE_RESULTS_EXISTS, SERVER_STATUS_NO_BACKSLASH_ESCAPES};

/// What the last finished statement reported (OK / EOF fields).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LastStatus {
    /// For a result set: the rows read so far (libmysqlclient reports the row
    /// count of a stored result here).
    pub affected_rows: u64,
    pub insert_id: u64,
    pub warnings: u16,
    pub info: Vec<u8>,
    pub field_count: usize,
}

/// The machine's answer to a packet.
#[derive(Debug, PartialEq, Eq)]
pub enum CommandStep {
    /// Feed the next packet.
    Wait,
    /// A result set's columns are complete: its rows come next.
    Columns(Vec<ColumnDefinition>),
    /// The packet was a row of the current result set (the caller keeps its bytes).
    Row,
    /// The current result set has ended.
    EndOfRows,
    /// The reply was an OK.
    Done,
    /// The server refused the statement; it is over.
    Failed(ErrPacket),
    /// The server asks for this local file: send its contents (or nothing) and an
    /// empty packet, then feed the server's reply.
    LocalFile(Vec<u8>),
    /// COM_STMT_PREPARE's reply is complete.
    Prepared(PrepareOk),
}

/// What the server sends next.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Idle,
    /// The first packet of a reply (OK, ERR, LOCAL INFILE request or a column count).
    Head,
    /// Column definitions still to come (then an EOF unless DEPRECATE_EOF).
    Columns {
        left: u64,
        columns: Vec<ColumnDefinition>,
    },
    /// Rows, until EOF/OK or ERR.
    Rows,
    /// Another result of a multi-statement follows; [`Command::next_result`] starts it.
    MoreResults,
    /// COM_STMT_PREPARE's first packet: its OK or an ERR.
    PrepareHead,
    /// Parameter and column definitions (and their EOFs) still to come; not kept.
    PrepareDefs {
        ok: PrepareOk,
        left: u32,
    },
}

/// One session's command phase: the phase, server status, the last OK's figures and
/// which result set is current.
#[derive(Debug)]
pub struct Command {
    capabilities: u32,
    status: u16,
    last: LastStatus,
    phase: Phase,
    result_seq: u64,
}

impl Command {
    /// After login: the negotiated capabilities and the status of the login's OK.
    pub fn new(capabilities: u32, status: u16) -> Command {
        Command {
            capabilities,
            status,
            last: LastStatus::default(),
            phase: Phase::Idle,
            result_seq: 0,
        }
    }

    /// A command was sent: its reply's head comes next. The previous statement's
    /// figures are forgotten.
    pub fn start(&mut self) {
        self.forget();
        self.phase = Phase::Head;
    }

    /// COM_STMT_PREPARE was sent: its reply comes next.
    pub fn start_prepare(&mut self) {
        self.forget();
        self.phase = Phase::PrepareHead;
    }

    /// Forget the previous statement's figures (a command whose reply is not fed
    /// to the machine, e.g. COM_STATISTICS, still starts afresh).
    pub fn forget(&mut self) {
        self.last = LastStatus::default();
    }

    /// Move on to the next result of a multi-statement; false when none follows.
    /// As libmysqlclient's mysql_next_result(): no affected-row count until a next
    /// result brings one, so after the last result it reads -1.
    pub fn next_result(&mut self) -> bool {
        self.last.affected_rows = u64::MAX;
        if self.phase == Phase::MoreResults {
            self.phase = Phase::Head;
            return true;
        }
        false
    }

    /// No affected-row count (affected_rows() reads -1), as libmysqlclient after a
    /// failed statement (the server's ERR, or a client-side error) and after the last
    /// result of a statement was visited.
    pub fn clear_affected_rows(&mut self) {
        self.last.affected_rows = u64::MAX;
    }

    /// A login (COM_CHANGE_USER) ended with this status; figures are reset.
    pub fn logged_in(&mut self, status: u16) {
        self.status = status;
        self.last = LastStatus::default();
        self.phase = Phase::Idle;
    }

    /// Feed one packet. A malformed packet is an error; the machine is then idle and
    /// the session should not be trusted further.
    pub fn packet(&mut self, payload: &[u8]) -> Result<CommandStep> {
        match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Head => self.head(payload),
            Phase::Columns { left, mut columns } if left > 0 => {
                columns.push(ColumnDefinition::decode(payload)?);
                self.columns(left - 1, columns)
            }
            Phase::Columns { columns, .. } => {
                // The EOF after the column definitions (no DEPRECATE_EOF).
                self.status = EofPacket::decode(payload)?.status;
                Ok(self.begin_rows(columns))
            }
            Phase::Rows => self.row(payload),
            // An ERR ends a prepare at any point (a definition starts with "\x03def").
            Phase::PrepareHead | Phase::PrepareDefs { .. }
                if payload.first() == Some(&ERR_HEADER) =>
            {
                Ok(CommandStep::Failed(ErrPacket::decode(payload)?))
            }
            Phase::PrepareHead => {
                let ok = PrepareOk::decode(payload)?;
                let eofs = match self.capabilities & CLIENT_DEPRECATE_EOF {
                    0 => u32::from(ok.params > 0) + u32::from(ok.columns > 0),
                    _ => 0,
                };
                let left = u32::from(ok.params) + u32::from(ok.columns) + eofs;
                Ok(self.prepare_defs(ok, left))
            }
            Phase::PrepareDefs { ok, left } => Ok(self.prepare_defs(ok, left - 1)),
            Phase::Idle | Phase::MoreResults => {
                Err(ProtoError::Malformed("a packet nobody asked for"))
            }
        }
    }

    fn head(&mut self, payload: &[u8]) -> Result<CommandStep> {
        match classify_head(payload, self.capabilities)? {
            QueryHead::Ok(ok) => {
                self.finish_ok(ok);
                Ok(CommandStep::Done)
            }
            QueryHead::Err(err) => Ok(CommandStep::Failed(err)),
            QueryHead::LocalInfile(name) => {
                // The server's verdict on the upload is a new head.
                self.phase = Phase::Head;
                Ok(CommandStep::LocalFile(name))
            }
            QueryHead::ResultSet { columns } => {
                let n =
                    usize::try_from(columns).map_err(|_| ProtoError::Malformed("column count"))?;
                self.last.field_count = n;
                self.last.affected_rows = 0; // counts the rows read
                                             // The count is the server's word: memory is committed as columns arrive.
                self.columns(columns, Vec::with_capacity(n.min(4096)))
            }
        }
    }

    fn prepare_defs(&mut self, ok: PrepareOk, left: u32) -> CommandStep {
        if left == 0 {
            self.last.warnings = ok.warnings;
            return CommandStep::Prepared(ok);
        }
        self.phase = Phase::PrepareDefs { ok, left };
        CommandStep::Wait
    }

    fn columns(&mut self, left: u64, columns: Vec<ColumnDefinition>) -> Result<CommandStep> {
        if left == 0 && self.capabilities & CLIENT_DEPRECATE_EOF != 0 {
            return Ok(self.begin_rows(columns));
        }
        self.phase = Phase::Columns { left, columns };
        Ok(CommandStep::Wait)
    }

    fn begin_rows(&mut self, columns: Vec<ColumnDefinition>) -> CommandStep {
        self.result_seq += 1;
        self.phase = Phase::Rows;
        CommandStep::Columns(columns)
    }

    fn row(&mut self, payload: &[u8]) -> Result<CommandStep> {
        match classify_row(payload, self.capabilities)? {
            RowEnd::Row => {
                self.phase = Phase::Rows;
                self.last.affected_rows += 1;
                Ok(CommandStep::Row)
            }
            RowEnd::End {
                status,
                warnings,
                ok,
            } => {
                self.status = status;
                self.last.warnings = warnings;
                if let Some(ok) = ok {
                    self.last.info = ok.info;
                }
                self.phase = self.after_status();
                Ok(CommandStep::EndOfRows)
            }
            RowEnd::Err(err) => Ok(CommandStep::Failed(err)),
        }
    }

    fn finish_ok(&mut self, ok: OkPacket) {
        self.status = ok.status;
        self.last = LastStatus {
            affected_rows: ok.affected_rows,
            insert_id: ok.last_insert_id,
            warnings: ok.warnings,
            info: ok.info,
            field_count: 0,
        };
        self.phase = self.after_status();
    }

    fn after_status(&self) -> Phase {
        if self.status & SERVER_MORE_RESULTS_EXISTS != 0 {
            Phase::MoreResults
        } else {
            Phase::Idle
        }
    }

    pub fn status(&self) -> u16 {
        self.status
    }
    pub fn capabilities(&self) -> u32 {
        self.capabilities
    }
    pub fn last(&self) -> &LastStatus {
        &self.last
    }
    pub fn no_backslash_escapes(&self) -> bool {
        self.status & SERVER_STATUS_NO_BACKSLASH_ESCAPES != 0
    }
    /// No reply is owed: a new command may be sent.
    pub fn is_idle(&self) -> bool {
        self.phase == Phase::Idle
    }
    /// Reading a reply's head or its column definitions.
    pub fn in_head(&self) -> bool {
        matches!(self.phase, Phase::Head | Phase::Columns { .. })
    }
    /// Column definitions or rows of the current result set are still to come.
    pub fn owes_rows(&self) -> bool {
        matches!(self.phase, Phase::Columns { .. } | Phase::Rows)
    }
    /// True while a result set's rows are being read.
    pub fn in_rows(&self) -> bool {
        self.phase == Phase::Rows
    }
    pub fn has_more_results(&self) -> bool {
        self.phase == Phase::MoreResults
    }
    /// Result sets started so far: names the one whose rows are being read.
    pub fn result_seq(&self) -> u64 {
        self.result_seq
    }
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
