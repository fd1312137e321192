//! The session setup that waits for the first command (`Conn::defer_autocommit`),
//! against a scripted server: it goes out ahead of that command with no round trip
//! of its own (the server reads both before answering either), not at all when the
//! session already has it or a reset undoes it, and a refusal closes the session.

mod fake_mysql;

use std::time::Duration;

use fake_mysql::*;
use unshaken::client::{Conn, Options};
use unshaken::io::{Endpoint, NoInterrupt};

const SET_OFF: &[u8] = b"\x03SET autocommit=0";
const COM_PING: u8 = 0x0e;
const COM_RESET_CONNECTION: u8 = 0x1f;
const NO_STATUS: u16 = 0;

/// Log in to a server that then plays `script`; the connection, and the thread to
/// join once the client is done (the script's assertions fail there).
fn logged_in(
    script: impl FnOnce(&mut Peer) + Send + 'static,
) -> (Conn, std::thread::JoinHandle<()>) {
    let (port, server) = serve_tcp(|p| {
        p.greet("caching_sha2_password");
        p.response();
        p.more(&[0x03]); // fast auth success
        p.ok();
        script(p);
    });
    let options = Options {
        endpoint: Endpoint::Tcp {
            host: "127.0.0.1".into(),
            port,
        },
        user: b"app".to_vec(),
        password: b"secret".to_vec().into(),
        connect_timeout: Some(Duration::from_secs(10)),
        ..Options::default()
    };
    let conn = Conn::connect(&options, &mut NoInterrupt).expect("connect");
    (conn, server)
}

/// The next command's packets, read before anything is answered.
fn command(p: &mut Peer) -> Vec<u8> {
    p.reset_seq();
    p.expect()
}

#[test]
fn the_setup_goes_out_ahead_of_the_first_command_in_its_round_trip() {
    let (mut conn, server) = logged_in(|p| {
        assert_eq!(command(p), SET_OFF);
        // Not answered yet, and the command is already here: one round trip for both.
        assert_eq!(command(p), [COM_PING]);
        p.set_seq(1);
        p.ok_with_status(NO_STATUS);
        p.set_seq(1);
        p.ok_with_status(NO_STATUS);
        assert!(p.read().is_none(), "nothing else was sent");
    });
    assert!(conn.autocommit(), "the server's default, as greeted");
    conn.defer_autocommit(false);
    assert!(!conn.autocommit(), "a deferred setting counts as made");
    conn.ping(&mut NoInterrupt).expect("ping");
    assert!(!conn.autocommit());
    assert!(conn.is_idle());
    drop(conn);
    server.join().expect("server script");
}

#[test]
fn nothing_goes_out_when_the_session_has_it_already() {
    let (mut conn, server) = logged_in(|p| {
        assert_eq!(command(p), [COM_PING]);
        p.ok();
    });
    conn.defer_autocommit(true);
    conn.ping(&mut NoInterrupt).expect("ping");
    assert!(conn.autocommit());
    drop(conn);
    server.join().expect("server script");
}

#[test]
fn a_reset_makes_the_setup_moot() {
    let (mut conn, server) = logged_in(|p| {
        assert_eq!(command(p), [COM_RESET_CONNECTION]);
        p.ok();
        assert_eq!(command(p), [COM_PING]);
        p.ok();
    });
    conn.defer_autocommit(false);
    conn.reset_connection(&mut NoInterrupt).expect("reset");
    assert!(
        conn.autocommit(),
        "reset to the server's default, as mysqlclient's would be"
    );
    conn.ping(&mut NoInterrupt).expect("ping");
    drop(conn);
    server.join().expect("server script");
}

#[test]
fn a_refused_setup_closes_the_session() {
    // The command behind it would run without the setup: its reply cannot be trusted.
    let (mut conn, server) = logged_in(|p| {
        assert_eq!(command(p), SET_OFF);
        assert_eq!(command(p), [COM_PING]);
        p.set_seq(1);
        p.err(1105, "HY000", "no autocommit for you");
        p.set_seq(1);
        p.ok();
    });
    conn.defer_autocommit(false);
    let err = conn.ping(&mut NoInterrupt).expect_err("the setup failed");
    assert_eq!(err.code(), 1105);
    assert!(conn.is_broken());
    let again = conn.ping(&mut NoInterrupt).expect_err("closed");
    assert_eq!(again.code(), 2006, "{}", again.message());
    drop(conn);
    server.join().expect("server script");
}
