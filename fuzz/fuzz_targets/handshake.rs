//! The connection-phase state machine: an arbitrary greeting, then arbitrary server
//! packets (auth switch, more data, OK, ERR), with a config chosen by the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unshaken::proto::session::handshake::{Handshake, HandshakeConfig, HandshakeStep};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let flags = data[0];
    let config = HandshakeConfig {
        user: b"fuzz".to_vec(),
        password: if flags & 1 != 0 {
            b"secret".to_vec().into()
        } else {
            Default::default()
        },
        database: (flags & 2 != 0).then(|| b"test".to_vec()),
        collation: 45,
        client_flag: u32::from(data[1]) << 16,
        connect_attrs: vec![("_client_name".into(), "fuzz".into())],
        max_packet_size: 1 << 24,
        tls: flags & 4 != 0,
        unix_socket: flags & 8 != 0,
        allow_cleartext: flags & 16 != 0,
        tls_verified: flags & 32 != 0,
        get_server_public_key: flags & 64 != 0,
        auth_requires_verified_tls: flags & 128 != 0,
        ..HandshakeConfig::default()
    };
    let mut hs = Handshake::new(config);
    // Packets separated by 0xAA bytes: first the greeting, then the server's replies.
    let mut packets = data[2..].split(|b| *b == 0xAA);
    let Some(greeting) = packets.next() else {
        return;
    };
    match hs.greeting(greeting) {
        Ok(HandshakeStep::Send(_) | HandshakeStep::Wait) => {}
        _ => return,
    }
    let _ = hs.capabilities();
    let _ = hs.tls();
    let _ = hs.ssl_request();
    for p in packets.take(16) {
        match hs.packet(p) {
            Ok(HandshakeStep::Send(_) | HandshakeStep::Wait) => continue,
            _ => break,
        }
    }
});
