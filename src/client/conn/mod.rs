//! One server session: connect, commands, result sets. What the next packet from
//! the server must be is the command machine's (`proto::session::command`); this
//! file reads packets for it, performs what it asks and maps failures to `Error`.

mod autocommit;
mod bulk;
mod results;

use super::login;
use super::statement::Statement;
use crate::config::Options;
use crate::consts::command::{COM_INIT_DB, COM_PING, COM_RESET_CONNECTION, COM_STATISTICS};
use crate::error::{cr, Error, Result};
use crate::wire::{Wire, WireError};

use crate::io::{Deadline, Interrupt, IoError, IoStats, NoInterrupt};
use crate::proto::packets::command::com_quit;
use crate::proto::packets::generic::ERR_HEADER;
use crate::proto::packets::{ColumnDefinition, ErrPacket, Greeting};
use crate::proto::session::command::Command;
pub use crate::proto::session::command::LastStatus;

/// Facts about the server learned at connect time.
#[derive(Clone, Debug, Default)]
pub struct ServerInfo {
    pub version: String,
    pub connection_id: u32,
    pub protocol_version: u8,
    pub is_mariadb: bool,
    /// The greeting's collation id: the server's default, which it may keep for the
    /// session whatever the handshake asked for.
    pub collation: u8,
    /// The socket's own and peer addresses (a cancel goes to this peer and proves
    /// it reached this session by them).
    pub ends: crate::io::Ends,
}

/// The reply to a statement: either an OK or the columns of a result set whose
/// rows are then read with [`Conn::read_rows`].
#[derive(Debug)]
pub enum Reply {
    Done,
    /// Its columns wait in [`Conn::take_columns`].
    ResultSet,
}

pub struct Conn {
    wire: Wire,
    options: Options,
    server: ServerInfo,
    /// The command phase: what the server sends next, status, the last OK's figures.
    machine: Command,
    /// Why the session is unusable, said on every later use.
    broken: Option<String>,
    queries: u64,
    /// The current statement's own state, replaced when the next one starts.
    stmt: Statement,
    /// The current result set's columns, until py/ takes them (store/use_result).
    head: Option<Vec<ColumnDefinition>>,
    /// The server's greeting: its nonce and plugin start a COM_CHANGE_USER.
    greeting: Greeting,
    /// The negotiated MariaDB extended capabilities.
    mariadb_capabilities: u32,
    /// An autocommit setting to go out just ahead of the next command (see
    /// [`Conn::defer_autocommit`]).
    autocommit_ahead: Option<bool>,
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
        let login::LoggedIn {
            wire,
            greeting,
            capabilities,
            mariadb_capabilities,
            status,
            ends,
        } = login::open(options, endpoint, hook)?;
        Ok(Conn {
            wire,
            options: options.clone(),
            machine: Command::new(capabilities, status),
            broken: None,
            server: ServerInfo {
                is_mariadb: greeting.is_mariadb(),
                version: greeting.version().to_string(),
                connection_id: greeting.connection_id,
                protocol_version: greeting.protocol_version,
                collation: greeting.collation,
                ends,
            },
            queries: 0,
            stmt: Statement::new(options, Deadline::NEVER),
            head: None,
            greeting,
            mariadb_capabilities,
            autocommit_ahead: None,
        })
    }

    pub fn server(&self) -> &ServerInfo {
        &self.server
    }
    pub fn options(&self) -> &Options {
        &self.options
    }
    pub fn last(&self) -> &LastStatus {
        self.machine.last()
    }
    pub fn status(&self) -> u16 {
        self.machine.status()
    }

    pub fn capabilities(&self) -> u32 {
        self.machine.capabilities()
    }
    /// What the server offered (before negotiation).
    pub fn server_capabilities(&self) -> u32 {
        self.greeting.capabilities
    }
    pub fn no_backslash_escapes(&self) -> bool {
        self.machine.no_backslash_escapes()
    }
    pub fn io_stats(&self) -> IoStats {
        self.wire.stats()
    }
    pub fn queries(&self) -> u64 {
        self.queries
    }
    pub fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.wire.stream().as_fd()
    }
    /// A handle another thread can use to abort this session's current wait.
    pub fn shutdown_handle(&self) -> Option<crate::io::ShutdownHandle> {
        self.wire.stream().socket().shutdown_handle()
    }

    /// The compression in use, if any.
    pub fn compression(&self) -> Option<crate::proto::compress::Algorithm> {
        self.wire.compression()
    }

    /// The negotiated TLS cipher suite; None without TLS.
    pub fn tls_cipher(&self) -> Option<String> {
        self.wire.stream().cipher()
    }
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }
    /// True between statements: nothing of the last one is left to read.
    pub fn is_idle(&self) -> bool {
        self.broken.is_none() && self.machine.is_idle()
    }
    /// True while a result set's rows are being read.
    pub fn in_rows(&self) -> bool {
        self.broken.is_none() && self.machine.in_rows()
    }
    pub fn has_more_results(&self) -> bool {
        self.broken.is_none() && self.machine.has_more_results()
    }

    /// The columns of the result set just started, once (store/use_result).
    pub fn take_columns(&mut self) -> Option<Vec<ColumnDefinition>> {
        self.head.take()
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
        // The reset undoes a setting sent ahead of it: it need not go.
        self.autocommit_ahead = None;
        self.simple(COM_RESET_CONNECTION, &[], hook)
    }

    /// COM_STATISTICS: the server's one-line status text (mysql_stat()).
    pub fn statistics(&mut self, hook: &mut dyn Interrupt) -> Result<String> {
        let stmt = Statement::new(&self.options, Deadline::NEVER);
        self.start_command(COM_STATISTICS, &[], stmt, hook)?;
        let packet = match self.wire.read_packet(self.stmt.limit, hook) {
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
        self.head = None;
        self.autocommit_ahead = None; // as for reset_connection
        let mut options = self.options.clone();
        options.user = user.to_vec();
        options.password = password.into();
        options.database = database.map(<[u8]>::to_vec);
        let capabilities = self.capabilities();
        let outcome = login::change_user(
            &mut self.wire,
            &options,
            self.greeting.clone(),
            capabilities,
            self.stmt.limit,
            hook,
        );
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(e) => return Err(self.fail(e, "changing user")),
        };
        match outcome {
            Ok(ok) => {
                self.machine.logged_in(ok.status);
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
        if self.broken.is_none() && self.machine.is_idle() {
            self.wire.reset_sequence();
            let deadline = Deadline::after(Some(std::time::Duration::from_millis(500)));
            let _ = self
                .wire
                .write_packet(&com_quit(), deadline, &mut NoInterrupt);
            self.wire.stream_mut().close_notify(deadline);
        }
    }

    /// Close without a word to the server (fork children, broken sessions).
    pub fn abandon(self) {}

    /// A command whose reply is a single OK or ERR.
    fn simple(&mut self, cmd: u8, arg: &[u8], hook: &mut dyn Interrupt) -> Result<()> {
        self.simple_within(cmd, arg, Deadline::NEVER, hook)
    }

    /// `simple`, the whole command bounded by `deadline`.
    fn simple_within(
        &mut self,
        cmd: u8,
        arg: &[u8],
        deadline: Deadline,
        hook: &mut dyn Interrupt,
    ) -> Result<()> {
        let stmt = Statement::new(&self.options, deadline);
        self.start_command(cmd, arg, stmt, hook)?;
        self.machine.start();
        match self.read_reply(hook)? {
            Reply::Done => Ok(()),
            Reply::ResultSet => {
                self.discard_all(hook)?;
                Err(Error::client(
                    cr::CR_MALFORMED_PACKET,
                    "unexpected result set",
                ))
            }
        }
    }

    fn ensure_usable(&self) -> Result<()> {
        match &self.broken {
            Some(reason) => Err(gone(reason)),
            None if self.machine.is_idle() => Ok(()),
            None => unreachable_phase(),
        }
    }

    fn start_command(
        &mut self,
        cmd: u8,
        arg: &[u8],
        stmt: Statement,
        hook: &mut dyn Interrupt,
    ) -> Result<()> {
        self.ensure_usable()?;
        if self.wire.buffered() != 0 {
            self.break_with("the server sent bytes nobody asked for");
            return Err(Error::client(
                cr::CR_MALFORMED_PACKET,
                "unexpected bytes from the server",
            ));
        }
        self.stmt = stmt;
        self.head = None;
        let ahead = self.send_ahead(hook)?;
        self.wire.reset_sequence();
        if let Err(e) = self.wire.write_parts(&[&[cmd], arg], self.stmt.limit, hook) {
            return Err(self.fail(e, "sending a command"));
        }
        if ahead {
            // The setup's reply comes first; it answers one single-packet command.
            let after_command = self.wire.sequence();
            self.wire.set_sequence(1);
            self.read_ahead_reply(hook)?;
            self.wire.set_sequence(after_command);
        }
        self.machine.forget();
        Ok(())
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
        self.wire.stream_mut().shutdown();
        self.broken = Some(reason.to_string());
    }
}

fn gone(reason: &str) -> Error {
    Error::client(
        cr::CR_SERVER_GONE_ERROR,
        format!("Server has gone away ({reason})"),
    )
}

fn unreachable_phase<T>() -> Result<T> {
    Err(Error::client(
        cr::CR_COMMANDS_OUT_OF_SYNC,
        format!("{}; you can't run this command now", cr::OUT_OF_SYNC),
    ))
}
