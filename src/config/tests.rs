//! `ConnectArgs::build`: each rule, from the plain values py/ hands over.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::consts::capability::{CLIENT_FOUND_ROWS, CLIENT_LOCAL_FILES};
use crate::error::{cr, Error, ErrorKind, Usage};
use crate::io::Endpoint;
use crate::proto::compress::Algorithm;

fn no_env(_: &str) -> Option<String> {
    None
}

fn build(args: ConnectArgs) -> crate::error::Result<Options> {
    args.build_with(&no_env)
}

fn refused(args: ConnectArgs) -> Error {
    match build(args) {
        Ok(_) => panic!("built, but should have been refused"),
        Err(e) => e,
    }
}

/// A file of its own for each test, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, content: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("unshaken-{}-{name}", std::process::id()));
        std::fs::write(&path, content).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn defaults_build_the_default_options() {
    let o = build(ConnectArgs::default()).unwrap();
    let d = Options::default();
    assert_eq!(o.endpoint, Endpoint::Unix(DEFAULT_SOCKET.into()));
    assert_eq!((o.collation, &o.charset), (d.collation, &d.charset));
    assert_eq!(o.ssl_mode, SslMode::Disabled);
    assert_eq!(o.compress, None);
    assert_eq!(o.max_packet, DEFAULT_MAX_PACKET);
    assert_eq!(
        (o.connect_timeout, o.read_timeout, o.write_timeout),
        (None, None, None)
    );
    assert_eq!(o.client_flag & CLIENT_LOCAL_FILES, 0);
    assert!(!o.local_infile && o.local_infile_dir.is_none());
    assert!(o.cancel_on_interrupt);
    assert_eq!(o.server_public_key, None);
}

#[test]
fn credentials_pass_and_an_empty_database_is_none() {
    let o = build(ConnectArgs {
        user: b"me".to_vec(),
        password: b"pw".to_vec(),
        database: Some(Vec::new()),
        ..ConnectArgs::default()
    })
    .unwrap();
    assert_eq!(
        (o.user.as_slice(), o.password.expose()),
        (&b"me"[..], &b"pw"[..])
    );
    assert_eq!(o.database, None);
    let o = build(ConnectArgs {
        database: Some(b"test".to_vec()),
        ..ConnectArgs::default()
    })
    .unwrap();
    assert_eq!(o.database.as_deref(), Some(&b"test"[..]));
}

#[test]
fn compression_names() {
    let with = |name: Option<&str>, level: Option<i32>| {
        build(ConnectArgs {
            compress: name.map(String::from),
            zstd_level: level,
            ..ConnectArgs::default()
        })
    };
    assert_eq!(with(None, None).unwrap().compress, None);
    assert_eq!(with(Some(""), None).unwrap().compress, None);
    assert_eq!(
        with(Some("zlib"), None).unwrap().compress,
        Some(Algorithm::Zlib)
    );
    assert_eq!(
        with(Some("zstd"), None).unwrap().compress,
        Some(Algorithm::Zstd(3))
    );
    assert_eq!(
        with(Some("zstd"), Some(22)).unwrap().compress,
        Some(Algorithm::Zstd(22))
    );
    assert_eq!(
        with(Some("zlib"), Some(9)).unwrap().compress,
        Some(Algorithm::Zlib)
    );
    for bad in ["lz4", "ZLIB", "zlib "] {
        let e = with(Some(bad), None).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Usage(Usage::NotSupported), "{bad}");
        assert_eq!(
            e.message(),
            format!("unknown compression '{bad}' (use True, 'zlib' or 'zstd')")
        );
    }
}

#[test]
fn zstd_level_is_1_to_22() {
    for level in [0, -1, 23, i32::MAX] {
        let e = refused(ConnectArgs {
            compress: Some("zstd".into()),
            zstd_level: Some(level),
            ..ConnectArgs::default()
        });
        assert_eq!(e.kind(), &ErrorKind::Usage(Usage::BadValue), "{level}");
        assert_eq!(
            e.message(),
            format!("zstd_level must be 1 to 22, not {level}")
        );
    }
    assert!(build(ConnectArgs {
        compress: Some("zstd".into()),
        zstd_level: Some(1),
        ..ConnectArgs::default()
    })
    .is_ok());
}

#[test]
fn ssl_mode_names_in_any_case() {
    for (name, mode) in [
        ("DISABLED", SslMode::Disabled),
        ("preferred", SslMode::Preferred),
        ("Required", SslMode::Required),
        ("verify_ca", SslMode::VerifyCa),
        ("VERIFY_IDENTITY", SslMode::VerifyIdentity),
    ] {
        let o = build(ConnectArgs {
            ssl_mode: Some(name.into()),
            ..ConnectArgs::default()
        })
        .unwrap();
        assert_eq!(o.ssl_mode, mode, "{name}");
    }
    for bad in ["bogus", "", "VERIFY-CA", "REQUIRED "] {
        let e = refused(ConnectArgs {
            ssl_mode: Some(bad.into()),
            ..ConnectArgs::default()
        });
        assert_eq!(e.kind(), &ErrorKind::Usage(Usage::NotSupported), "{bad:?}");
        assert_eq!(e.message(), "Unknown ssl_mode specification");
    }
}

#[test]
fn tls_files_pass_unverified_until_connect() {
    let o = build(ConnectArgs {
        ssl_mode: Some("VERIFY_IDENTITY".into()),
        ssl_ca: Some("/ca.pem".into()),
        ssl_cipher: Some("TLS_AES_128_GCM_SHA256".into()),
        ..ConnectArgs::default()
    })
    .unwrap();
    assert_eq!(
        o.tls.ca_file.as_deref(),
        Some(std::path::Path::new("/ca.pem"))
    );
    assert_eq!(o.tls.ciphers.as_deref(), Some("TLS_AES_128_GCM_SHA256"));
    assert_eq!(o.tls.verify, crate::io::Verify::Nothing);
    assert_eq!(o.tls_settings().verify, crate::io::Verify::ChainAndName);
}

#[test]
fn an_unknown_charset_is_2019_and_a_known_one_sets_the_collation() {
    let e = refused(ConnectArgs {
        charset: "nope".into(),
        ..ConnectArgs::default()
    });
    assert_eq!(e.kind(), &ErrorKind::Client(cr::CR_CANT_READ_CHARSET));
    assert_eq!(e.message(), "Can't initialize character set nope");
    let o = build(ConnectArgs {
        charset: "latin1".into(),
        ..ConnectArgs::default()
    })
    .unwrap();
    assert_eq!((o.collation, o.charset.encoding), (8, "cp1252"));
    assert_eq!(o.charset.name, "latin1");
}

#[test]
fn server_key_inline_wins_over_a_file() {
    let with = |pem: Option<&[u8]>, path: Option<PathBuf>| {
        build(ConnectArgs {
            server_public_key: pem.map(<[u8]>::to_vec),
            server_public_key_path: path,
            ..ConnectArgs::default()
        })
    };
    let file = TempFile::new("key.pem", b"FROM FILE");
    let missing = std::env::temp_dir().join("unshaken-no-such-key.pem");
    assert_eq!(
        with(Some(b"INLINE"), Some(missing.clone()))
            .unwrap()
            .server_public_key,
        Some(b"INLINE".to_vec())
    );
    assert_eq!(
        with(None, Some(file.0.clone())).unwrap().server_public_key,
        Some(b"FROM FILE".to_vec())
    );
    // An empty key is no key: the file is read instead.
    assert_eq!(
        with(Some(b""), Some(file.0.clone()))
            .unwrap()
            .server_public_key,
        Some(b"FROM FILE".to_vec())
    );
    assert_eq!(
        with(Some(b""), Some(PathBuf::new()))
            .unwrap()
            .server_public_key,
        None
    );
    assert_eq!(with(None, None).unwrap().server_public_key, None);
}

#[test]
fn an_unreadable_key_file_is_2061_at_once() {
    let missing = std::env::temp_dir().join("unshaken-no-such-key.pem");
    let e = refused(ConnectArgs {
        server_public_key_path: Some(missing.clone()),
        ..ConnectArgs::default()
    });
    assert_eq!(e.kind(), &ErrorKind::Client(cr::CR_AUTH_PLUGIN_ERR));
    assert!(e.message().contains(&*missing.to_string_lossy()), "{e}");
    assert!(
        e.message()
            .starts_with("cannot read the server public key file"),
        "{e}"
    );
    // A directory is no key file either.
    let e = refused(ConnectArgs {
        server_public_key_path: Some(std::env::temp_dir()),
        ..ConnectArgs::default()
    });
    assert_eq!(e.kind(), &ErrorKind::Client(cr::CR_AUTH_PLUGIN_ERR));
}

#[test]
fn local_files_only_when_allowed() {
    let flags = |local_infile: bool, dir: Option<&str>, client_flag: u32| {
        let o = build(ConnectArgs {
            local_infile,
            local_infile_dir: dir.map(PathBuf::from),
            client_flag,
            ..ConnectArgs::default()
        })
        .unwrap();
        (o.local_infile, o.client_flag)
    };
    let all = CLIENT_LOCAL_FILES | CLIENT_FOUND_ROWS;
    assert_eq!(flags(false, None, 0), (false, 0));
    // Asking for CLIENT_LOCAL_FILES by client_flag alone does not allow it.
    assert_eq!(flags(false, None, all), (false, CLIENT_FOUND_ROWS));
    assert_eq!(flags(true, None, CLIENT_FOUND_ROWS), (true, all));
    assert_eq!(flags(false, Some("/data"), 0), (true, CLIENT_LOCAL_FILES));
    // An empty directory is none.
    assert_eq!(flags(false, Some(""), 0), (false, 0));
    let o = build(ConnectArgs {
        local_infile_dir: Some("/data".into()),
        ..ConnectArgs::default()
    })
    .unwrap();
    assert_eq!(
        o.local_infile_dir.as_deref(),
        Some(std::path::Path::new("/data"))
    );
}

#[test]
fn timeouts_follow_the_one_rule() {
    let o = build(ConnectArgs {
        connect_timeout: Some(0.0),
        read_timeout: Some(2.5),
        write_timeout: Some(1e300),
        ..ConnectArgs::default()
    })
    .unwrap();
    assert_eq!(o.connect_timeout, None);
    assert_eq!(o.read_timeout, Some(Duration::from_millis(2500)));
    assert_eq!(o.write_timeout, None);
    for (field, value) in [
        ("connect_timeout", -1.0),
        ("read_timeout", f64::NAN),
        ("write_timeout", f64::INFINITY),
    ] {
        let mut args = ConnectArgs::default();
        match field {
            "connect_timeout" => args.connect_timeout = Some(value),
            "read_timeout" => args.read_timeout = Some(value),
            _ => args.write_timeout = Some(value),
        }
        let e = refused(args);
        assert_eq!(e.kind(), &ErrorKind::Usage(Usage::BadValue));
        assert!(e.message().starts_with(field), "{e}");
    }
}

#[test]
fn max_allowed_packet_bounds() {
    let with = |size: Option<i64>| {
        build(ConnectArgs {
            max_allowed_packet: size,
            ..ConnectArgs::default()
        })
    };
    assert_eq!(with(None).unwrap().max_packet, 1 << 30);
    assert_eq!(with(Some(1024)).unwrap().max_packet, 1024);
    assert_eq!(with(Some(64 << 10)).unwrap().max_packet, 64 << 10);
    assert_eq!(with(Some(1 << 30)).unwrap().max_packet, 1 << 30);
    for bad in [0, 10, 1023, (1 << 30) + 1, 1 << 31, -1, i64::MIN] {
        let e = with(Some(bad)).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Usage(Usage::BadValue), "{bad}");
        assert_eq!(
            e.message(),
            format!("max_allowed_packet must be 1024 to 1073741824 bytes, not {bad}")
        );
    }
}

#[test]
fn endpoint_from_host_port_socket_and_environment() {
    let env = |name: &str| (name == "MYSQL_UNIX_PORT").then(|| "/tmp/env.sock".to_string());
    let at = |host: Option<&str>, port: u16, socket: Option<&str>| {
        ConnectArgs {
            host: host.map(String::from),
            port,
            unix_socket: socket.map(String::from),
            ..ConnectArgs::default()
        }
        .build_with(&env)
        .unwrap()
    };
    let tcp = at(Some("127.0.0.1"), 3307, None);
    assert_eq!(
        tcp.endpoint,
        Endpoint::Tcp {
            host: "127.0.0.1".into(),
            port: 3307
        }
    );
    assert_eq!(tcp.host_info(), "127.0.0.1 via TCP/IP");
    assert_eq!(tcp.target(), "127.0.0.1:3307");
    let local = at(Some("localhost"), 3306, None);
    assert_eq!(local.endpoint, Endpoint::Unix("/tmp/env.sock".into()));
    assert_eq!(local.host_info(), "Localhost via UNIX socket");
    assert_eq!(
        at(Some("127.0.0.1"), 3306, Some("/tmp/s")).endpoint,
        Endpoint::Unix("/tmp/s".into())
    );
    assert_eq!(
        at(None, 3306, None).endpoint,
        Endpoint::Unix("/tmp/env.sock".into())
    );
}

#[test]
fn connect_attrs_name_the_client_and_the_program() {
    let attrs = |program_name: Option<&str>| {
        build(ConnectArgs {
            program_name: program_name.map(String::from),
            ..ConnectArgs::default()
        })
        .unwrap()
        .connect_attrs
    };
    let plain = attrs(None);
    let names: Vec<&str> = plain.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["_client_name", "_client_version", "_pid"]);
    assert_eq!(plain[0].1, "unshaken");
    assert_eq!(plain[2].1, std::process::id().to_string());
    let named = attrs(Some("worker"));
    assert_eq!(named.len(), 4);
    assert_eq!(named[3], ("program_name".to_string(), "worker".to_string()));
}
