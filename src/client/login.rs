//! Logging in: opening a session (socket, greeting, TLS, authentication, all under
//! one connect deadline) and COM_CHANGE_USER, through the one loop that runs a login
//! machine over the wire, and what the machine is configured from.

use zeroize::Zeroizing;

use crate::config::{Options, SslMode};
use crate::error::{cr, Error, Result};
use crate::io::{Deadline, Endpoint, Ends, Interrupt, IoError, Socket};
use crate::proto::packets::{ErrPacket, Greeting, OkPacket};
use crate::proto::session::handshake::{Handshake, HandshakeStep};
use crate::proto::ProtoError;
use crate::wire::{Wire, WireError};

/// A session the server accepted: its wire and what the login learned.
pub(super) struct LoggedIn {
    pub(super) wire: Wire,
    pub(super) greeting: Greeting,
    /// The negotiated CLIENT_* flags.
    pub(super) capabilities: u32,
    /// The negotiated MariaDB extended capabilities.
    pub(super) mariadb_capabilities: u32,
    /// The server status from the login's OK.
    pub(super) status: u16,
    pub(super) ends: Ends,
}

/// Connect to `endpoint` and log in as `options` say; TCP/Unix connect and the whole
/// handshake share one deadline of `connect_timeout`.
pub(super) fn open(
    options: &Options,
    endpoint: &Endpoint,
    hook: &mut dyn Interrupt,
) -> Result<LoggedIn> {
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
    let mut handshake = Handshake::new(options.handshake_config(unix));
    let greeting = wire.read_packet(deadline, hook).map_err(connect_err)?;
    let step = handshake.greeting(&greeting).map_err(auth_err)?;
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
    let ok = match run(&mut wire, &mut handshake, step, deadline, hook) {
        Ok(Ok(ok)) => {
            log::debug!("logged in to {target} with {}", handshake.plugin());
            ok
        }
        Ok(Err(err)) => {
            log::debug!("{target} refused the login: {} {}", err.code, err.message);
            return Err(Error::server(&err));
        }
        Err(Stopped::Wire(e)) => return Err(connect_err(e)),
        Err(Stopped::Client(e)) => return Err(auth_err(e)),
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
    wire.set_timeouts(options.read_timeout, options.write_timeout);
    Ok(LoggedIn {
        wire,
        greeting,
        capabilities: handshake.capabilities(),
        mariadb_capabilities: handshake.mariadb_capabilities(),
        status: ok.status,
        ends,
    })
}

/// COM_CHANGE_USER on a live session as `options` (the new user's) say. The outer
/// error is the wire's (the session is gone); the inner one the server's refusal or
/// the client's own.
pub(super) fn change_user(
    wire: &mut Wire,
    options: &Options,
    greeting: Greeting,
    capabilities: u32,
    limit: Deadline,
    hook: &mut dyn Interrupt,
) -> std::result::Result<Result<OkPacket>, WireError> {
    let unix = matches!(options.endpoint, Endpoint::Unix(_));
    let mut handshake = Handshake::new(options.handshake_config(unix));
    let payload = match handshake.change_user(greeting, capabilities) {
        Ok(payload) => payload,
        Err(e) => return Ok(Err(Error::from(e))),
    };
    wire.reset_sequence();
    let first = HandshakeStep::Send(payload);
    match run(wire, &mut handshake, first, limit, hook) {
        Ok(Ok(ok)) => Ok(Ok(ok)),
        Ok(Err(err)) => Ok(Err(Error::server(&err))),
        Err(Stopped::Wire(e)) => Err(e),
        Err(Stopped::Client(e)) => Ok(Err(Error::from(e))),
    }
}

/// Why a login loop stopped short of the server's verdict.
enum Stopped {
    /// The socket or the framing failed.
    Wire(WireError),
    /// The client's own machine refused (a password it will not send, a malformed
    /// exchange).
    Client(ProtoError),
}

/// Run `handshake` from `step` until the server accepts (its OK) or refuses (its ERR).
fn run(
    wire: &mut Wire,
    handshake: &mut Handshake,
    mut step: HandshakeStep,
    deadline: Deadline,
    hook: &mut dyn Interrupt,
) -> std::result::Result<std::result::Result<OkPacket, ErrPacket>, Stopped> {
    loop {
        match step {
            HandshakeStep::Send(payload) => {
                // Authentication answers may hold the password: zeroed once sent.
                let payload = Zeroizing::new(payload);
                wire.write_packet(&payload[..], deadline, hook)
                    .map_err(Stopped::Wire)?;
            }
            HandshakeStep::Wait => {}
            HandshakeStep::Done(ok) => return Ok(Ok(ok)),
            HandshakeStep::Failed(err) => return Ok(Err(err)),
        }
        let reply = wire.read_packet(deadline, hook).map_err(Stopped::Wire)?;
        step = handshake.packet(&reply).map_err(Stopped::Client)?;
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
