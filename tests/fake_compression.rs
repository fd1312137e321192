//! zstd protocol compression (MySQL 8.0.18+) against a scripted peer: no server here
//! speaks it (MariaDB has zlib only, tested in tests/test_compression.py).

mod fake_mysql;

use fake_mysql::{serve_tcp, Peer};
use unshaken::client::{Conn, Options, Reply};
use unshaken::consts::capability::{CLIENT_COMPRESS, CLIENT_ZSTD_COMPRESSION_ALGORITHM};
use unshaken::io::{Endpoint, NoInterrupt};
use unshaken::proto::compress::Algorithm;

/// Read one compressed frame and return its uncompressed bytes (checked by zstd
/// itself, independently of the client's code).
fn read_frame(p: &mut Peer, seq: u8) -> Vec<u8> {
    let head = p.read_raw(7);
    let stored = usize::from(head[0]) | usize::from(head[1]) << 8 | usize::from(head[2]) << 16;
    let original = usize::from(head[4]) | usize::from(head[5]) << 8 | usize::from(head[6]) << 16;
    assert_eq!(head[3], seq, "compressed sequence id");
    let body = p.read_raw(stored);
    if original == 0 {
        return body;
    }
    let plain = zstd::decode_all(&body[..]).expect("client sent valid zstd");
    assert_eq!(plain.len(), original);
    plain
}

/// Send `packets` (already framed) as one zstd frame.
fn write_frame(p: &mut Peer, seq: u8, packets: &[u8]) {
    let body = zstd::encode_all(packets, 3).unwrap();
    let mut frame = Vec::new();
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes()[..3]);
    frame.push(seq);
    frame.extend_from_slice(&(packets.len() as u32).to_le_bytes()[..3]);
    frame.extend_from_slice(&body);
    p.write_raw(&frame);
}

fn framed(seq: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = (payload.len() as u32).to_le_bytes()[..3].to_vec();
    v.push(seq);
    v.extend_from_slice(payload);
    v
}

fn options(port: u16, compress: Algorithm) -> Options {
    Options {
        endpoint: Endpoint::Tcp {
            host: "127.0.0.1".into(),
            port,
        },
        user: b"app".to_vec(),
        compress: Some(compress),
        ..Options::default()
    }
}

#[test]
fn zstd_is_negotiated_with_its_level_and_used_both_ways() {
    let sql = "SELECT 'a long enough statement to be worth compressing', 1, 2, 3, 4, 5, 6, 7";
    let (port, server) = serve_tcp(move |p| {
        p.greet_with(
            "mysql_native_password",
            CLIENT_ZSTD_COMPRESSION_ALGORITHM | CLIENT_COMPRESS,
        );
        let resp = p.response_packet();
        assert_ne!(resp.capabilities & CLIENT_ZSTD_COMPRESSION_ALGORITHM, 0);
        assert_eq!(resp.capabilities & CLIENT_COMPRESS, 0, "one algorithm only");
        assert_eq!(resp.zstd_level, 9);
        p.ok();
        // From here on, compressed frames: COM_QUERY comes in frame 0.
        let plain = read_frame(p, 0);
        assert_eq!(plain[3], 0, "packet sequence restarts per command");
        assert_eq!(plain[4], 0x03, "COM_QUERY");
        assert_eq!(&plain[5..], sql.as_bytes());
        let ok = [0x00, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00]; // 5 rows affected
        write_frame(p, 1, &framed(1, &ok));
    });
    let mut conn = Conn::connect(&options(port, Algorithm::Zstd(9)), &mut NoInterrupt).unwrap();
    assert_eq!(conn.compression(), Some(Algorithm::Zstd(9)));
    let reply = conn.query(sql.as_bytes(), &mut NoInterrupt).unwrap();
    assert!(matches!(reply, Reply::Done));
    assert_eq!(conn.last().affected_rows, 5);
    server.join().unwrap();
}

#[test]
fn corrupt_compressed_frame_is_an_error_not_a_panic() {
    let (port, server) = serve_tcp(|p| {
        p.greet_with("mysql_native_password", CLIENT_ZSTD_COMPRESSION_ALGORITHM);
        p.response_packet();
        p.ok();
        read_frame(p, 0);
        // Claims 100 uncompressed bytes; holds garbage.
        p.write_raw(&[4, 0, 0, 1, 100, 0, 0, 0xde, 0xad, 0xbe, 0xef]);
    });
    let mut conn = Conn::connect(&options(port, Algorithm::Zstd(3)), &mut NoInterrupt).unwrap();
    let err = conn.query(b"SELECT 1", &mut NoInterrupt).err().unwrap();
    assert_eq!(err.code(), 2027);
    assert!(conn.is_broken());
    server.join().unwrap();
}
