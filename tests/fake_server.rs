//! Authentication against a scripted MySQL 8 peer: the exact exchanges of
//! caching_sha2_password (fast path, full authentication with the server's key
//! fetched when allowed or given, over a Unix socket), sha256_password, auth
//! switches, the refusals that keep the password from a man in the middle (clear
//! text, a key fetched without permission), the bound on auth rounds, short nonces,
//! unsupported plugins, and garbage or short packets (errors, never panics).

mod fake_mysql;

use std::path::PathBuf;
use std::time::Duration;

use fake_mysql::*;
use unshaken::client::{Conn, Options};
use unshaken::error::Error;
use unshaken::io::{Endpoint, NoInterrupt};

const PASSWORD: &[u8] = b"secret";

fn options(endpoint: Endpoint) -> Options {
    Options {
        endpoint,
        user: b"app".to_vec(),
        password: PASSWORD.to_vec().into(),
        connect_timeout: Some(Duration::from_secs(10)),
        ..Options::default()
    }
}

fn tcp(port: u16) -> Options {
    options(Endpoint::Tcp {
        host: "127.0.0.1".into(),
        port,
    })
}

/// Plain TCP with permission to ask the server for its RSA key.
fn tcp_fetching_key(port: u16) -> Options {
    Options {
        get_server_public_key: true,
        ..tcp(port)
    }
}

fn unix(path: PathBuf) -> Options {
    options(Endpoint::Unix(path))
}

/// Connect with `opts` to a server playing `script`; the script's own assertions
/// are checked too.
fn run_tcp(
    opts: impl FnOnce(u16) -> Options,
    script: impl FnOnce(&mut Peer) + Send + 'static,
) -> Result<Conn, Error> {
    let (port, server) = serve_tcp(script);
    let result = Conn::connect(&opts(port), &mut NoInterrupt);
    if let Err(e) = &result {
        eprintln!("connect: {} {}", e.code(), e.message());
    }
    server.join().expect("fake server script failed");
    result
}

#[test]
fn caching_sha2_fast_path() {
    let conn = run_tcp(tcp, |p| {
        p.greet("caching_sha2_password");
        let (plugin, scramble) = p.response();
        assert_eq!(plugin, "caching_sha2_password");
        assert!(sha2_scramble_ok(PASSWORD, &NONCE, &scramble));
        p.more(&[0x03]); // fast auth success: the client sends nothing
        p.ok();
    })
    .unwrap();
    assert_eq!(conn.server().version, "8.0.36-fake");
}

#[test]
fn caching_sha2_wrong_password_is_the_servers_error() {
    let err = run_tcp(
        |port| Options {
            password: b"wrong".to_vec().into(),
            ..tcp(port)
        },
        |p| {
            p.greet("caching_sha2_password");
            let (_, scramble) = p.response();
            assert!(!sha2_scramble_ok(PASSWORD, &NONCE, &scramble));
            p.access_denied();
        },
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), 1045);
}

/// Full authentication over plain TCP, allowed to fetch the key: the client asks for
/// it (0x02) and sends the password RSA-encrypted, never in clear.
#[test]
fn caching_sha2_full_auth_fetches_the_key() {
    run_tcp(tcp_fetching_key, |p| {
        p.greet("caching_sha2_password");
        let (_, scramble) = p.response();
        assert!(sha2_scramble_ok(PASSWORD, &NONCE, &scramble));
        p.more(&[0x04]); // perform full authentication
        assert_eq!(p.expect(), [0x02], "expected a public key request");
        p.more(PUBLIC_PEM.as_bytes());
        let encrypted = p.expect();
        assert_eq!(encrypted.len(), 256);
        assert!(!encrypted.windows(PASSWORD.len()).any(|w| w == PASSWORD));
        assert_eq!(rsa_password(&encrypted, &NONCE).unwrap(), b"secret\0");
        p.ok();
    })
    .unwrap();
}

/// By default (no key, no permission) full authentication over plain TCP is refused
/// with 2061 before anything goes out: no key request, no password in any form. A man
/// in the middle who stripped TLS and asked for full authentication learns nothing.
#[test]
fn caching_sha2_full_auth_without_key_is_refused() {
    let err = run_tcp(tcp, |p| {
        p.greet("caching_sha2_password");
        p.response();
        p.more(&[0x04]);
        // The client hangs up: nothing (or only COM_QUIT) follows, never 0x02.
        while let Some(packet) = p.read() {
            assert_ne!(packet, [0x02], "the client asked for the server's key");
            assert!(!packet.windows(PASSWORD.len()).any(|w| w == PASSWORD));
        }
    })
    .err()
    .unwrap();
    assert_eq!(err.code(), 2061);
    let msg = err.message();
    for needle in [
        "caching_sha2_password",
        "Authentication requires secure connection",
        "get_server_public_key=True",
        "server_public_key_path",
    ] {
        assert!(msg.contains(needle), "{msg}");
    }
}

/// The same for sha256_password: its first answer would be the key request.
#[test]
fn sha256_password_without_key_is_refused() {
    let err = run_tcp(tcp, |p| {
        p.greet("mysql_native_password");
        p.response();
        let mut data = SWITCH_NONCE.to_vec();
        data.push(0);
        p.switch("sha256_password", &data);
        while let Some(packet) = p.read() {
            assert_ne!(packet, [0x01], "the client asked for the server's key");
            assert!(!packet.windows(PASSWORD.len()).any(|w| w == PASSWORD));
        }
    })
    .err()
    .unwrap();
    assert_eq!(err.code(), 2061);
    assert!(
        err.message().contains("sha256_password"),
        "{}",
        err.message()
    );
}

/// A pinned key always wins: even with get_server_public_key the client never asks,
/// and never uses a key the server pushes.
#[test]
fn caching_sha2_full_auth_with_the_users_key() {
    run_tcp(
        |port| Options {
            server_public_key: Some(PUBLIC_PEM.as_bytes().to_vec()),
            ..tcp_fetching_key(port)
        },
        |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.more(&[0x04]);
            // No key request: the encrypted password at once.
            let encrypted = p.expect();
            assert_eq!(rsa_password(&encrypted, &NONCE).unwrap(), b"secret\0");
            p.ok();
        },
    )
    .unwrap();
}

#[test]
fn caching_sha2_full_auth_over_a_unix_socket_sends_clear() {
    let (path, server) = serve_unix(|p| {
        p.greet("caching_sha2_password");
        p.response();
        p.more(&[0x04]);
        assert_eq!(p.expect(), b"secret\0");
        p.ok();
    });
    Conn::connect(&unix(path), &mut NoInterrupt).unwrap();
    server.join().unwrap();
}

#[test]
fn caching_sha2_empty_password() {
    run_tcp(
        |port| Options {
            password: Default::default(),
            ..tcp(port)
        },
        |p| {
            p.greet("caching_sha2_password");
            let (_, response) = p.response();
            assert!(response.is_empty());
            p.ok();
        },
    )
    .unwrap();
}

#[test]
fn switch_from_native_to_caching_sha2() {
    run_tcp(tcp_fetching_key, |p| {
        p.greet("mysql_native_password");
        let (plugin, scramble) = p.response();
        assert_eq!(plugin, "mysql_native_password");
        assert!(native_scramble_ok(PASSWORD, &NONCE, &scramble));
        let mut data = SWITCH_NONCE.to_vec();
        data.push(0);
        p.switch("caching_sha2_password", &data);
        let scramble = p.expect();
        assert!(sha2_scramble_ok(PASSWORD, &SWITCH_NONCE, &scramble));
        p.more(&[0x04]);
        assert_eq!(p.expect(), [0x02]);
        p.more(PUBLIC_PEM.as_bytes());
        assert_eq!(
            rsa_password(&p.expect(), &SWITCH_NONCE).unwrap(),
            b"secret\0"
        );
        p.ok();
    })
    .unwrap();
}

#[test]
fn sha256_password_fetches_the_key() {
    run_tcp(tcp_fetching_key, |p| {
        p.greet("sha256_password");
        let (plugin, response) = p.response();
        assert_eq!(plugin, "sha256_password");
        assert_eq!(response, [0x01], "expected a public key request");
        p.more(PUBLIC_PEM.as_bytes());
        assert_eq!(rsa_password(&p.expect(), &NONCE).unwrap(), b"secret\0");
        p.ok();
    })
    .unwrap();
}

#[test]
fn sha256_password_by_switch_with_the_users_key() {
    run_tcp(
        |port| Options {
            server_public_key: Some(PUBLIC_PEM.as_bytes().to_vec()),
            ..tcp_fetching_key(port)
        },
        |p| {
            p.greet("mysql_native_password");
            p.response();
            let mut data = SWITCH_NONCE.to_vec();
            data.push(0);
            p.switch("sha256_password", &data);
            assert_eq!(
                rsa_password(&p.expect(), &SWITCH_NONCE).unwrap(),
                b"secret\0"
            );
            p.ok();
        },
    )
    .unwrap();
}

#[test]
fn clear_password_refused_on_plain_tcp() {
    let err = run_tcp(tcp, |p| {
        p.greet("mysql_native_password");
        p.response();
        p.switch("mysql_clear_password", b"");
        // The client hangs up (COM_QUIT at most): the password never comes.
        while let Some(packet) = p.read() {
            assert!(!packet.windows(PASSWORD.len()).any(|w| w == PASSWORD));
        }
    })
    .err()
    .unwrap();
    assert_eq!(err.code(), 2059);
    assert!(
        err.message().contains("mysql_clear_password"),
        "{}",
        err.message()
    );
    assert!(
        err.message().contains("allow_cleartext_password"),
        "{}",
        err.message()
    );
}

#[test]
fn clear_password_when_allowed_or_over_a_socket() {
    run_tcp(
        |port| Options {
            allow_cleartext_password: true,
            ..tcp(port)
        },
        |p| {
            p.greet("mysql_native_password");
            p.response();
            p.switch("mysql_clear_password", b"");
            assert_eq!(p.expect(), b"secret\0");
            p.ok();
        },
    )
    .unwrap();
    let (path, server) = serve_unix(|p| {
        p.greet("mysql_native_password");
        p.response();
        p.switch("mysql_clear_password", b"");
        assert_eq!(p.expect(), b"secret\0");
        p.ok();
    });
    Conn::connect(&unix(path), &mut NoInterrupt).unwrap();
    server.join().unwrap();
}

/// A server that keeps switching plugins (5,000 times in the report) is cut off
/// after a handful of rounds with 2027; the client does not loop.
#[test]
fn endless_auth_switches_are_2027() {
    let err = run_tcp(tcp, |p| {
        p.greet("mysql_native_password");
        p.response();
        let mut data = SWITCH_NONCE.to_vec();
        data.push(0);
        let mut answered = 0;
        for _ in 0..5000 {
            p.switch("mysql_native_password", &data);
            match p.read() {
                Some(reply) if reply.len() == 20 => answered += 1,
                _ => break,
            }
        }
        assert_eq!(answered, 5, "the client answered {answered} switches");
    })
    .err()
    .unwrap();
    assert_eq!(err.code(), 2027);
}

/// mysql_native_password (and caching_sha2_password) with a nonce shorter than 20
/// bytes: refused (2027) instead of answering a scramble over a few bytes.
#[test]
fn short_nonce_is_2027() {
    for plugin in ["mysql_native_password", "caching_sha2_password"] {
        let err = run_tcp(tcp, move |p| {
            p.greet("mysql_native_password");
            p.response();
            p.switch(plugin, b"12345678\0");
            while let Some(packet) = p.read() {
                assert!(packet.len() < 20, "{plugin}: the client answered the nonce");
            }
        })
        .err()
        .unwrap();
        assert_eq!(err.code(), 2027, "{plugin}: {}", err.message());
        assert!(err.message().contains("nonce"), "{}", err.message());
    }
}

#[test]
fn unsupported_plugin_is_2059_naming_it() {
    let err = run_tcp(tcp, |p| {
        p.greet("mysql_native_password");
        p.response();
        p.switch("authentication_kerberos_client", b"realm\0");
        while p.read().is_some() {}
    })
    .err()
    .unwrap();
    assert_eq!(err.code(), 2059);
    assert!(err.message().contains("authentication_kerberos_client"));
    // The greeting naming an unknown plugin: the client answers with
    // mysql_native_password and lets the server switch.
    run_tcp(tcp, |p| {
        p.greet("authentication_kerberos_client");
        let (plugin, scramble) = p.response();
        assert_eq!(plugin, "mysql_native_password");
        assert!(native_scramble_ok(PASSWORD, &NONCE, &scramble));
        p.ok();
    })
    .unwrap();
}

#[test]
fn bad_server_key_is_2061() {
    let err = run_tcp(tcp_fetching_key, |p| {
        p.greet("caching_sha2_password");
        p.response();
        p.more(&[0x04]);
        p.expect();
        p.more(b"-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");
        while p.read().is_some() {}
    })
    .err()
    .unwrap();
    assert_eq!(err.code(), 2061);
    assert!(err.message().contains("caching_sha2_password"));
}

/// Garbage, short and cut packets at every step of the exchanges: each gives an
/// error (never a panic, never a success).
#[test]
fn garbage_during_auth_is_an_error() {
    type Script = fn(&mut Peer);
    let scripts: Vec<(&str, Script)> = vec![
        ("empty packet", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.write(&[]);
        }),
        ("bare AuthMoreData", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.more(&[]);
        }),
        ("unknown fast-auth verdict", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.more(&[0x07]);
        }),
        ("long fast-auth verdict", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.more(&[0x03, 0x03, 0x03]);
        }),
        ("two fast-auth successes", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.more(&[0x03]);
            p.more(&[0x03]);
        }),
        ("more data after the password", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.more(&[0x04]);
            p.expect();
            p.more(PUBLIC_PEM.as_bytes());
            p.expect();
            p.more(&[0x04]);
        }),
        ("garbage key", |p| {
            p.greet("sha256_password");
            p.response();
            p.more(&[0xFF, 0x00, 0x13, 0x37]);
        }),
        ("unknown packet type", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.write(&[0x42, 0x01, 0x02]);
        }),
        ("truncated OK", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.more(&[0x03]);
            p.write(&[0x00]);
        }),
        ("truncated ERR", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.write(&[0xFF, 0x15]);
        }),
        ("switch without a name terminator", |p| {
            p.greet("mysql_native_password");
            p.response();
            p.write(b"\xfecaching_sha2");
        }),
        ("switch to ed25519 with a short nonce", |p| {
            p.greet("mysql_native_password");
            p.response();
            p.switch("client_ed25519", b"short");
        }),
        ("bare switch (old password)", |p| {
            p.greet("mysql_native_password");
            p.response();
            p.write(&[0xFE]);
        }),
        ("ed25519 then more data", |p| {
            p.greet("mysql_native_password");
            p.response();
            p.switch("client_ed25519", &[7; 32]);
            p.expect();
            p.more(&[0x03]);
        }),
        ("cut mid-packet", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.write_raw(&[0x10, 0x00, 0x00, 0x02, 0x01]);
        }),
        ("cut after the fast-auth success", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.more(&[0x03]);
        }),
        ("wrong sequence id", |p| {
            p.greet("caching_sha2_password");
            p.response();
            p.write_raw(&[0x02, 0x00, 0x00, 0x09, 0x01, 0x03]);
        }),
        ("truncated greeting", |p| {
            p.write(&[10, b'8', b'.', 0, 1, 2]);
        }),
    ];
    for (name, script) in scripts {
        let err = run_tcp(tcp_fetching_key, move |p| {
            script(p);
            // Then hang up.
        })
        .err()
        .unwrap_or_else(|| panic!("{name}: connected"));
        eprintln!("{name}: {} {}", err.code(), err.message());
        assert!(
            !err.is_server(),
            "{name}: a client-side error expected, got {} {}",
            err.code(),
            err.message()
        );
    }
}
