//! One statement's own state, from the command that starts it to the next one.

use std::os::unix::ffi::OsStrExt;

use crate::config::Options;
use crate::error::{cr, Error};
use crate::io::file::LocalFile;
use crate::io::{Deadline, Interrupt};
use crate::wire::{Wire, WireError};

/// What one statement carries from start to end: made when it starts, replaced by
/// the next one's.
pub(super) struct Statement {
    /// A deadline for the whole statement (NEVER unless one is set).
    pub(super) limit: Deadline,
    /// An interruption or timeout cancels the statement (KILL QUERY) rather than
    /// closing the session; never while draining after a cancel.
    pub(super) cancellable: bool,
    /// Files the statement names after LOCAL INFILE: the only ones the server may have.
    pub(super) infile_names: Vec<Vec<u8>>,
    /// An error to report once the server has answered (a refused file request).
    pub(super) refusal: Option<Error>,
}

impl Default for Statement {
    fn default() -> Statement {
        Statement {
            limit: Deadline::NEVER,
            cancellable: false,
            infile_names: Vec::new(),
            refusal: None,
        }
    }
}

impl Statement {
    pub(super) fn new(options: &Options, limit: Deadline) -> Statement {
        Statement {
            limit,
            cancellable: options.cancel_on_interrupt,
            ..Statement::default()
        }
    }

    /// A COM_QUERY of `sql`: the files it names after LOCAL INFILE are the only
    /// ones the server may ask for.
    pub(super) fn query(
        options: &Options,
        limit: Deadline,
        sql: &[u8],
        no_backslash_escapes: bool,
    ) -> Statement {
        let mut stmt = Statement::new(options, limit);
        if options.local_infile {
            stmt.infile_names = crate::proto::infile::local_infile_names(sql, no_backslash_escapes);
        }
        stmt
    }

    /// The file the server asks for, if this statement named it and the options
    /// allow it; otherwise why not.
    fn open_local_file(
        &self,
        options: &Options,
        name: &[u8],
    ) -> std::result::Result<LocalFile, String> {
        let shown = String::from_utf8_lossy(name);
        if !options.local_infile {
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
        LocalFile::open(path, options.local_infile_dir.as_deref())
    }

    /// Answer a LOCAL INFILE request: the file's contents, or (refused) nothing; an
    /// empty packet ends either. A refusal is kept for after the server's reply; the
    /// error returned is the wire's (a packet may be half sent: the session is gone).
    pub(super) fn send_local_file(
        &mut self,
        wire: &mut Wire,
        options: &Options,
        name: &[u8],
        hook: &mut dyn Interrupt,
    ) -> Result<(), WireError> {
        const CHUNK: usize = 64 * 1024;
        match self.open_local_file(options, name) {
            Ok(mut file) => {
                let mut buf = vec![0; CHUNK];
                loop {
                    match file.read_chunk(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => wire.write_packet(&buf[..n], self.limit, hook)?,
                        Err(reason) => {
                            // Part of the file went out: the server loads what it got
                            // and the caller learns the load is incomplete.
                            self.refuse(reason);
                            break;
                        }
                    }
                }
            }
            Err(reason) => self.refuse(reason),
        }
        wire.write_packet(&[], self.limit, hook)
    }

    fn refuse(&mut self, reason: String) {
        self.refusal = Some(Error::client(
            cr::CR_LOAD_DATA_LOCAL_INFILE_REJECTED,
            reason,
        ));
    }
}
