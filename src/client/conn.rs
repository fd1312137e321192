//! One server session: connect, commands, result sets, and the state that says
//! what the next packet from the server must be.

use bytes::Bytes;
use zeroize::Zeroizing;

use super::cancel;
use super::options::{Options, SslMode};
use super::wire::{Wire, WireError};
use crate::consts::capability::CLIENT_DEPRECATE_EOF;
use crate::consts::command::{
    COM_INIT_DB, COM_PING, COM_QUERY, COM_QUIT, COM_RESET_CONNECTION, COM_STATISTICS,
};
use crate::consts::status::{SERVER_MORE_RESULTS_EXISTS, SERVER_STATUS_NO_BACKSLASH_ESCAPES};
use crate::error::{cr, Error, Result};
use std::os::unix::ffi::OsStrExt;

use crate::io::file::LocalFile;
use crate::io::{Deadline, Interrupt, IoError, IoStats, NoInterrupt, Socket};
use crate::proto::packets::command::command;
use crate::proto::packets::generic::ERR_HEADER;
use crate::proto::packets::{ColumnDefinition, EofPacket, ErrPacket, Greeting, OkPacket};
use crate::proto::session::handshake::{Handshake, HandshakeConfig, HandshakeStep};
use crate::proto::session::query::{classify_head, classify_row, QueryHead, RowEnd};

/// Facts about the server learned at connect time.
#[derive(Clone, Debug, Default)]
pub struct ServerInfo {
    pub version: String,
    pub connection_id: u32,
    pub protocol_version: u8,
    pub is_mariadb: bool,
    /// The socket's own and peer addresses (a cancel goes to this peer and proves
    /// it reached this session by them).
    pub ends: crate::io::Ends,
}

/// What the last finished statement reported (OK / EOF fields).
#[derive(Clone, Debug, Default)]
pub struct LastStatus {
    /// For a result set: the rows read so far (libmysqlclient reports the row
    /// count of a stored result here).
    pub affected_rows: u64,
    pub insert_id: u64,
    pub warnings: u16,
    pub info: Vec<u8>,
    pub field_count: usize,
}

/// The reply to a statement: either an OK or the columns of a result set whose
/// rows are then read with [`Conn::read_rows`].
#[derive(Debug)]
pub enum Reply {
    Done,
    ResultSet(Vec<ColumnDefinition>),
}

/// What the server sends next.
#[derive(Debug)]
enum Phase {
    Idle,
    /// The first packet of a reply (OK, ERR or a column count).
    Head,
    /// Column definitions still to come (then an EOF unless DEPRECATE_EOF).
    Columns {
        left: u64,
        columns: Vec<ColumnDefinition>,
    },
    /// Rows, until EOF/OK or ERR.
    Rows,
    /// Another result of a multi-statement follows; `next_result` reads its head.
    MoreResults,
    /// The session is unusable; the reason is said on every later use.
    Broken(String),
}

pub struct Conn {
    wire: Wire,
    options: Options,
    capabilities: u32,
    status: u16,
    server: ServerInfo,
    last: LastStatus,
    phase: Phase,
    queries: u64,
    /// A deadline for the whole current statement (NEVER unless one is set).
    limit: Deadline,
    /// Files the current statement names after LOCAL INFILE: the only ones the
    /// server may have.
    infile_names: Vec<Vec<u8>>,
    /// An error to report once the server has answered (a refused file request).
    deferred: Option<Error>,
    /// The server's greeting: its nonce and plugin start a COM_CHANGE_USER.
    greeting: Greeting,
    /// Result sets started so far: names the one whose rows are being read.
    result_seq: u64,
}

impl Conn {
    /// Open a session: TCP/Unix connect and the whole handshake share one
    /// deadline of `connect_timeout`.
    pub fn connect(options: &Options, hook: &mut dyn Interrupt) -> Result<Conn> {
        Conn::connect_to(options, &options.endpoint, hook)
    }

    /// `connect`, but the socket goes to `endpoint` (a cancel: the main connection's
    /// peer address); TLS still checks the name in `options`.
    pub fn connect_to(
        options: &Options,
        endpoint: &crate::io::Endpoint,
        hook: &mut dyn Interrupt,
    ) -> Result<Conn> {
        let deadline = Deadline::after(options.connect_timeout);
        let target = options.target();
        let unix = matches!(endpoint, crate::io::Endpoint::Unix(_));
        let sock = Socket::connect(endpoint, deadline, hook)
            .map_err(|e| Error::from_connect_io(e, &target, unix))?;
        let ends = sock.ends();
        let mut wire = Wire::new(sock, options.max_packet);
        let connect_err = |e: WireError| match e {
            WireError::Io(e) => Error::from_connect_io(e, &target, unix),
            WireError::Proto(e) => Error::from(e),
        };
        // The handshake's own refusals (a password it will not send, a malformed
        // exchange) are logged: they are what a user debugging a login needs.
        let auth_err = |e: crate::proto::ProtoError| {
            log::debug!("login to {target} stopped by the client: {e}");
            Error::from(e)
        };
        let mut handshake = Handshake::new(handshake_config(options, unix));
        let greeting = wire.read_packet(deadline, hook).map_err(connect_err)?;
        let mut step = handshake.greeting(&greeting).map_err(auth_err)?;
        if let HandshakeStep::Send(_) = step {
            if handshake.tls() {
                wire.write_packet(&handshake.ssl_request(), deadline, hook)
                    .map_err(connect_err)?;
                wire = start_tls(wire, options, deadline, hook).map_err(connect_err)?;
            } else if options.ssl_mode >= SslMode::Required {
                return Err(Error::client(
                    cr::CR_SSL_CONNECTION_ERROR,
                    "TLS/SSL error: TLS is required, but the server does not offer it",
                ));
            }
        }
        let ok = loop {
            match step {
                HandshakeStep::Send(payload) => {
                    // Authentication answers may hold the password: zeroed once sent.
                    let payload = Zeroizing::new(payload);
                    wire.write_packet(&payload[..], deadline, hook)
                        .map_err(connect_err)?;
                    let reply = wire.read_packet(deadline, hook).map_err(connect_err)?;
                    step = handshake.packet(&reply).map_err(auth_err)?;
                }
                HandshakeStep::Wait => {
                    let reply = wire.read_packet(deadline, hook).map_err(connect_err)?;
                    step = handshake.packet(&reply).map_err(auth_err)?;
                }
                HandshakeStep::Done(ok) => {
                    log::debug!("logged in to {target} with {}", handshake.plugin());
                    break ok;
                }
                HandshakeStep::Failed(err) => {
                    log::debug!("{target} refused the login: {} {}", err.code, err.message);
                    return Err(Error::server(&err));
                }
            }
        };
        let greeting = handshake.server().cloned().ok_or_else(|| {
            Error::client(
                cr::CR_SERVER_HANDSHAKE_ERR,
                "handshake finished without a greeting",
            )
        })?;
        if let Some(algorithm) = handshake.compression() {
            wire.start_compression(algorithm);
        }
        wire.read_timeout = options.read_timeout;
        wire.write_timeout = options.write_timeout;
        Ok(Conn {
            wire,
            options: options.clone(),
            capabilities: handshake.capabilities(),
            status: ok.status,
            server: ServerInfo {
                is_mariadb: greeting.is_mariadb(),
                version: greeting.version().to_string(),
                connection_id: greeting.connection_id,
                protocol_version: greeting.protocol_version,
                ends,
            },
            last: LastStatus::default(),
            phase: Phase::Idle,
            queries: 0,
            limit: Deadline::NEVER,
            infile_names: Vec::new(),
            deferred: None,
            greeting,
            result_seq: 0,
        })
    }

    pub fn server(&self) -> &ServerInfo {
        &self.server
    }
    pub fn options(&self) -> &Options {
        &self.options
    }
    pub fn last(&self) -> &LastStatus {
        &self.last
    }
    pub fn status(&self) -> u16 {
        self.status
    }
    pub fn capabilities(&self) -> u32 {
        self.capabilities
    }
    /// What the server offered (before negotiation).
    pub fn server_capabilities(&self) -> u32 {
        self.greeting.capabilities
    }
    pub fn no_backslash_escapes(&self) -> bool {
        self.status & SERVER_STATUS_NO_BACKSLASH_ESCAPES != 0
    }
    pub fn io_stats(&self) -> IoStats {
        self.wire.stats()
    }
    pub fn queries(&self) -> u64 {
        self.queries
    }
    pub fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.wire.stream.as_fd()
    }
    /// A handle another thread can use to abort this session's current wait.
    pub fn shutdown_handle(&self) -> Option<crate::io::ShutdownHandle> {
        self.wire.stream.socket().shutdown_handle()
    }

    /// The compression in use, if any.
    pub fn compression(&self) -> Option<crate::proto::compress::Algorithm> {
        self.wire.compression()
    }

    /// The negotiated TLS cipher suite; None without TLS.
    pub fn tls_cipher(&self) -> Option<String> {
        self.wire.stream.cipher()
    }
    pub fn is_broken(&self) -> bool {
        matches!(self.phase, Phase::Broken(_))
    }
    /// True while a result set's rows are being read.
    pub fn in_rows(&self) -> bool {
        matches!(self.phase, Phase::Rows)
    }
    pub fn has_more_results(&self) -> bool {
        matches!(self.phase, Phase::MoreResults)
    }

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
        self.limit = deadline;
        self.infile_names = if self.options.local_infile {
            crate::proto::infile::local_infile_names(sql, self.no_backslash_escapes())
        } else {
            Vec::new()
        };
        self.start_command(COM_QUERY, sql, hook)?;
        self.queries += 1;
        self.phase = Phase::Head;
        let reply = self.read_reply(hook);
        match self.deferred.take() {
            Some(refusal) if reply.is_ok() => Err(refusal),
            _ => reply,
        }
    }

    /// Read up to `max` rows (0 = all) of the current result set into `out`.
    /// Returns true when the result set has ended.
    pub fn read_rows(
        &mut self,
        max: usize,
        out: &mut Vec<Bytes>,
        hook: &mut dyn Interrupt,
    ) -> Result<bool> {
        if !matches!(self.phase, Phase::Rows) {
            return Ok(true);
        }
        let mut n = 0;
        while max == 0 || n < max {
            match self.step(hook)? {
                Step::Row(row) => {
                    out.push(row);
                    n += 1;
                }
                Step::End => return Ok(true),
                Step::Reply(_) | Step::Continue => unreachable_phase()?,
            }
        }
        Ok(false)
    }

    /// Move to the next result of a multi-statement. `None` when there is none.
    /// The current result's rows must have been read (or discarded) first: rows still
    /// unread are "commands out of sync" (2014), as in libmysqlclient, so one cursor
    /// can never silently swallow another's unbuffered result.
    pub fn next_result(&mut self, hook: &mut dyn Interrupt) -> Result<Option<Reply>> {
        if let Phase::Rows | Phase::Columns { .. } = self.phase {
            return unreachable_phase();
        }
        match self.phase {
            Phase::MoreResults => {
                self.phase = Phase::Head;
                let reply = self.read_reply(hook);
                match self.deferred.take() {
                    Some(refusal) if reply.is_ok() => Err(refusal),
                    _ => reply.map(Some),
                }
            }
            _ => Ok(None),
        }
    }

    /// Read and drop whatever the server still owes (rows, further results).
    pub fn drain(&mut self, hook: &mut dyn Interrupt) -> Result<()> {
        loop {
            match self.phase {
                Phase::Idle => return Ok(()),
                Phase::Broken(_) => return self.ensure_usable(),
                Phase::MoreResults => self.phase = Phase::Head,
                _ => {
                    // An ERR in a later result ends the statement; it is not news to
                    // the caller who abandoned the results.
                    if let Err(e) = self.step(hook) {
                        if !e.is_server() {
                            return Err(e);
                        }
                    }
                }
            }
        }
    }

    pub fn ping(&mut self, hook: &mut dyn Interrupt) -> Result<()> {
        self.simple(COM_PING, &[], hook)
    }

    pub fn init_db(&mut self, db: &[u8], hook: &mut dyn Interrupt) -> Result<()> {
        self.simple(COM_INIT_DB, db, hook)
    }

    /// COM_RESET_CONNECTION: session variables, temporary tables, prepared statements
    /// and transactions are reset; the session and its authentication are kept.
    pub fn reset_connection(&mut self, hook: &mut dyn Interrupt) -> Result<()> {
        self.simple(COM_RESET_CONNECTION, &[], hook)
    }

    /// COM_STATISTICS: the server's one-line status text (mysql_stat()).
    pub fn statistics(&mut self, hook: &mut dyn Interrupt) -> Result<String> {
        self.start_command(COM_STATISTICS, &[], hook)?;
        let packet = match self.wire.read_packet(self.limit, hook) {
            Ok(p) => p,
            Err(e) => return Err(self.fail(e, "reading statistics")),
        };
        if packet.first() == Some(&ERR_HEADER) {
            return Err(Error::server(&ErrPacket::decode(&packet)?));
        }
        Ok(String::from_utf8_lossy(&packet).into_owned())
    }

    /// COM_CHANGE_USER: authenticate as another user (and database) on this session,
    /// which the server resets. A refusal closes the session, as libmysqlclient's does.
    pub fn change_user(
        &mut self,
        user: &[u8],
        password: &[u8],
        database: Option<&[u8]>,
        hook: &mut dyn Interrupt,
    ) -> Result<()> {
        self.ensure_usable()?;
        let mut options = self.options.clone();
        options.user = user.to_vec();
        options.password = password.into();
        options.database = database.map(<[u8]>::to_vec);
        let unix = matches!(options.endpoint, crate::io::Endpoint::Unix(_));
        let mut handshake = Handshake::new(handshake_config(&options, unix));
        let payload = handshake.change_user(self.greeting.clone(), self.capabilities)?;
        self.last = LastStatus::default();
        self.wire.reset_sequence();
        let mut send = Some(Zeroizing::new(payload));
        let outcome = loop {
            if let Some(payload) = send.take() {
                if let Err(e) = self.wire.write_packet(&payload[..], self.limit, hook) {
                    return Err(self.fail(e, "changing user"));
                }
            }
            let reply = match self.wire.read_packet(self.limit, hook) {
                Ok(p) => p,
                Err(e) => return Err(self.fail(e, "changing user")),
            };
            match handshake.packet(&reply) {
                Ok(HandshakeStep::Send(p)) => send = Some(Zeroizing::new(p)),
                Ok(HandshakeStep::Wait) => {}
                Ok(HandshakeStep::Done(ok)) => break Ok(ok),
                Ok(HandshakeStep::Failed(err)) => break Err(Error::server(&err)),
                Err(e) => break Err(Error::from(e)),
            }
        };
        match outcome {
            Ok(ok) => {
                self.status = ok.status;
                // A cancel's side connection must log in as the new user too.
                self.options = options;
                Ok(())
            }
            Err(e) => {
                self.break_with(&format!("change_user failed: {}", e.message()));
                Err(e)
            }
        }
    }

    /// Say goodbye (COM_QUIT, best effort, short deadline) and close the socket.
    pub fn quit(mut self) {
        if matches!(self.phase, Phase::Idle) {
            self.wire.reset_sequence();
            let deadline = Deadline::after(Some(std::time::Duration::from_millis(500)));
            let _ = self
                .wire
                .write_packet(&[COM_QUIT], deadline, &mut NoInterrupt);
            self.wire.stream.close_notify(deadline);
        }
    }

    /// Close without a word to the server (fork children, broken sessions).
    pub fn abandon(self) {}

    /// A command whose reply is a single OK or ERR.
    fn simple(&mut self, cmd: u8, arg: &[u8], hook: &mut dyn Interrupt) -> Result<()> {
        self.start_command(cmd, arg, hook)?;
        self.phase = Phase::Head;
        match self.read_reply(hook)? {
            Reply::Done => Ok(()),
            Reply::ResultSet(_) => {
                self.drain(hook)?;
                Err(Error::client(
                    cr::CR_MALFORMED_PACKET,
                    "unexpected result set",
                ))
            }
        }
    }

    fn ensure_usable(&self) -> Result<()> {
        match &self.phase {
            Phase::Broken(reason) => Err(Error::client(
                cr::CR_SERVER_GONE_ERROR,
                format!("Server has gone away ({reason})"),
            )),
            Phase::Idle => Ok(()),
            _ => Err(Error::client(
                cr::CR_COMMANDS_OUT_OF_SYNC,
                "Commands out of sync; you can't run this command now",
            )),
        }
    }

    fn start_command(&mut self, cmd: u8, arg: &[u8], hook: &mut dyn Interrupt) -> Result<()> {
        self.ensure_usable()?;
        if self.wire.buffered() != 0 {
            self.break_with("the server sent bytes nobody asked for");
            return Err(Error::client(
                cr::CR_MALFORMED_PACKET,
                "unexpected bytes from the server",
            ));
        }
        self.last = LastStatus::default();
        self.deferred = None;
        self.wire.reset_sequence();
        let payload = command(cmd, arg);
        match self.wire.write_packet(&payload, self.limit, hook) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e, "sending a command")),
        }
    }

    /// Read packets until the reply head (and its columns) is complete.
    fn read_reply(&mut self, hook: &mut dyn Interrupt) -> Result<Reply> {
        loop {
            match self.step(hook)? {
                Step::Reply(reply) => return Ok(reply),
                Step::Continue => {}
                Step::Row(_) | Step::End => unreachable_phase()?,
            }
        }
    }

    /// Read and drop the rest of the current result set's rows.
    pub fn discard_rows(&mut self, hook: &mut dyn Interrupt) -> Result<()> {
        let mut sink = Vec::new();
        while matches!(self.phase, Phase::Rows) {
            sink.clear();
            self.read_rows(1024, &mut sink, hook)?;
        }
        Ok(())
    }

    /// Read one packet and advance the phase. An interruption or timeout while
    /// reading cancels the statement (if enabled) so the session stays usable.
    fn step(&mut self, hook: &mut dyn Interrupt) -> Result<Step> {
        let packet = match self.wire.read_packet(self.limit, hook) {
            Ok(p) => p,
            Err(WireError::Io(e @ (IoError::Interrupted | IoError::TimedOut)))
                if self.options.cancel_on_interrupt =>
            {
                return Err(self.cancel_after(e));
            }
            Err(e) => return Err(self.fail(e, "reading the reply")),
        };
        let step = self.advance(&packet, hook);
        if matches!(self.phase, Phase::Idle) {
            // The statement is over: its deadline no longer applies.
            self.limit = Deadline::NEVER;
        }
        step.inspect_err(|e| {
            // A server error ends the statement, not the session, unless the server
            // hangs up after it; anything else (malformed data) ends the session.
            if !e.is_server() || server_hangs_up_after(e.code()) {
                self.break_with(e.message());
            }
        })
    }

    fn advance(&mut self, packet: &Bytes, hook: &mut dyn Interrupt) -> Result<Step> {
        let caps = self.capabilities;
        match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Head => match classify_head(packet, caps)? {
                QueryHead::Ok(ok) => {
                    self.finish_ok(&ok);
                    Ok(Step::Reply(Reply::Done))
                }
                QueryHead::Err(err) => Err(Error::server(&err)),
                QueryHead::LocalInfile(name) => {
                    self.phase = Phase::Head;
                    self.send_local_file(&name, hook)?;
                    Ok(Step::Continue)
                }
                QueryHead::ResultSet { columns } => {
                    let n = usize::try_from(columns).map_err(|_| malformed("column count"))?;
                    self.last.field_count = n;
                    self.phase = Phase::Columns {
                        left: columns,
                        columns: Vec::with_capacity(n.min(4096)),
                    };
                    self.continue_columns()
                }
            },
            Phase::Columns { left, mut columns } => {
                if left > 0 {
                    columns.push(ColumnDefinition::decode(packet)?);
                    self.phase = Phase::Columns {
                        left: left - 1,
                        columns,
                    };
                    return self.continue_columns();
                }
                // The EOF after the column definitions (no DEPRECATE_EOF).
                let eof = EofPacket::decode(packet)?;
                self.status = eof.status;
                self.phase = Phase::Rows;
                Ok(self.result_set(columns))
            }
            Phase::Rows => match classify_row(packet, caps)? {
                RowEnd::Row => {
                    self.phase = Phase::Rows;
                    self.last.affected_rows += 1;
                    Ok(Step::Row(packet.clone()))
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
                    Ok(Step::End)
                }
                RowEnd::Err(err) => Err(Error::server(&err)),
            },
            other => {
                self.phase = other;
                unreachable_phase()
            }
        }
    }

    /// Answer a LOCAL INFILE request: the file's contents, or (refused) nothing; an
    /// empty packet ends either. A refusal is reported after the server's reply.
    /// A Ctrl-C during the upload closes the session (a packet may be half sent).
    fn send_local_file(&mut self, name: &[u8], hook: &mut dyn Interrupt) -> Result<()> {
        const CHUNK: usize = 64 * 1024;
        let file = self.open_local_file(name);
        let mut result = Ok(());
        if let Ok(mut file) = file {
            let mut buf = vec![0; CHUNK];
            loop {
                match file.read_chunk(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if let Err(e) = self.wire.write_packet(&buf[..n], self.limit, hook) {
                            return Err(self.fail(e, "sending a local file"));
                        }
                    }
                    Err(reason) => {
                        // Part of the file went out: the server loads what it got and
                        // the caller learns the load is incomplete.
                        self.deferred = Some(Error::client(
                            cr::CR_LOAD_DATA_LOCAL_INFILE_REJECTED,
                            reason,
                        ));
                        break;
                    }
                }
            }
        } else if let Err(reason) = file {
            self.deferred = Some(Error::client(
                cr::CR_LOAD_DATA_LOCAL_INFILE_REJECTED,
                reason,
            ));
        }
        if let Err(e) = self.wire.write_packet(&[], self.limit, hook) {
            result = Err(self.fail(e, "ending a local file"));
        }
        result
    }

    fn open_local_file(&self, name: &[u8]) -> std::result::Result<LocalFile, String> {
        let shown = String::from_utf8_lossy(name);
        if !self.options.local_infile {
            return Err(format!(
                "the server asked for the local file '{shown}', but local_infile is off"
            ));
        }
        if !self.infile_names.iter().any(|n| n == name) {
            // The malicious-server file-read attack: never send what we did not name.
            return Err(format!(
                "the server asked for the local file '{shown}', which the statement did not name"
            ));
        }
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(name));
        LocalFile::open(path, self.options.local_infile_dir.as_deref())
    }

    /// A result set's columns are complete: its rows come next.
    fn result_set(&mut self, columns: Vec<ColumnDefinition>) -> Step {
        self.result_seq += 1;
        Step::Reply(Reply::ResultSet(columns))
    }

    /// Which result set is current (see `read_rows_of`).
    pub fn result_seq(&self) -> u64 {
        self.result_seq
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
        if seq != self.result_seq {
            return unreachable_phase();
        }
        self.read_rows(max, out, hook)
    }

    /// Columns are complete when none are left and (with DEPRECATE_EOF) no EOF follows.
    fn continue_columns(&mut self) -> Result<Step> {
        if let Phase::Columns { left: 0, columns } = &mut self.phase {
            if self.capabilities & CLIENT_DEPRECATE_EOF != 0 {
                let columns = std::mem::take(columns);
                self.phase = Phase::Rows;
                return Ok(self.result_set(columns));
            }
        }
        Ok(Step::Continue)
    }

    fn finish_ok(&mut self, ok: &OkPacket) {
        self.status = ok.status;
        self.last.affected_rows = ok.affected_rows;
        self.last.insert_id = ok.last_insert_id;
        self.last.warnings = ok.warnings;
        self.last.info = ok.info.clone();
        self.last.field_count = 0;
        self.phase = self.after_status();
    }

    fn after_status(&self) -> Phase {
        if self.status & SERVER_MORE_RESULTS_EXISTS != 0 {
            Phase::MoreResults
        } else {
            Phase::Idle
        }
    }

    /// The wait was interrupted or timed out mid-statement: cancel the statement on
    /// the server, drain what it still sends, and report the original cause. If the
    /// cancel fails, or cannot prove it reached this session, the session is closed
    /// instead.
    fn cancel_after(&mut self, cause: IoError) -> Error {
        let timed_out = matches!(cause, IoError::TimedOut);
        match cancel::kill_query(&self.options, &self.server) {
            Ok(()) => {
                if let Err(e) = self.drain_until(cancel::drain_deadline()) {
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
    fn drain_until(&mut self, deadline: Deadline) -> Result<()> {
        self.limit = deadline;
        let cancel_setting = std::mem::replace(&mut self.options.cancel_on_interrupt, false);
        let result = self.drain(&mut NoInterrupt);
        self.options.cancel_on_interrupt = cancel_setting;
        self.limit = Deadline::NEVER;
        result
    }

    /// An IO or framing failure: the session is gone.
    fn fail(&mut self, e: WireError, doing: &str) -> Error {
        let err = match e {
            WireError::Io(IoError::Interrupted) => Error::interrupted(),
            WireError::Io(e) => Error::from_command_io(e),
            WireError::Proto(e) => Error::from(e),
        };
        let reason = if err.is_interrupted() {
            format!("interrupted while {doing}")
        } else {
            format!("{} while {doing}", err.message())
        };
        self.break_with(&reason);
        err
    }

    fn break_with(&mut self, reason: &str) {
        log::debug!("session closed: {reason}");
        self.wire.stream.shutdown();
        self.phase = Phase::Broken(reason.to_string());
    }
}

fn handshake_config(options: &Options, unix: bool) -> HandshakeConfig {
    HandshakeConfig {
        user: options.user.clone(),
        password: options.password.clone(),
        database: options.database.clone(),
        collation: u8::try_from(options.collation).unwrap_or(45),
        client_flag: options.client_flag,
        connect_attrs: options.connect_attrs.clone(),
        max_packet_size: u32::try_from(options.max_packet).unwrap_or(u32::MAX),
        tls: options.wants_tls(),
        tls_verified: options.tls_verified(),
        unix_socket: unix,
        allow_cleartext: options.allow_cleartext_password,
        get_server_public_key: options.get_server_public_key,
        auth_requires_verified_tls: options.auth_requires_verified_tls,
        server_public_key: options.server_public_key.clone(),
        compress: options.compress,
    }
}

fn start_tls(
    wire: Wire,
    options: &Options,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
) -> std::result::Result<Wire, WireError> {
    let bad_setup = |reason: String| WireError::Io(IoError::Tls(reason));
    let config = crate::io::client_config(&options.tls_settings()).map_err(bad_setup)?;
    let name = crate::io::server_name(options.server_name()).map_err(bad_setup)?;
    wire.start_tls(config, name, deadline, hook)
}

enum Step {
    Reply(Reply),
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

fn malformed(what: &'static str) -> Error {
    Error::from(crate::proto::ProtoError::Malformed(what))
}

fn unreachable_phase<T>() -> Result<T> {
    Err(Error::client(
        cr::CR_COMMANDS_OUT_OF_SYNC,
        "Commands out of sync; you can't run this command now",
    ))
}
