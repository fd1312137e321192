//! The command machine fed captured sessions (byte for byte, in order) and
//! hand-made edge cases.

use super::*;
use crate::consts::capability::CLIENT_SESSION_TRACK;
use crate::consts::command::COM_QUERY;
use crate::consts::status::SERVER_STATUS_AUTOCOMMIT;
use crate::proto::framing::{Framer, MAX_PAYLOAD};
use crate::proto::packets::generic::{EOF_HEADER, OK_HEADER};
use crate::proto::packets::Greeting;
use crate::proto::testutil::{all_prefixes, captured, captured_exchange, xorshift};

const CAPS: u32 = CLIENT_DEPRECATE_EOF;
const MORE: u16 = SERVER_MORE_RESULTS_EXISTS | SERVER_STATUS_AUTOCOMMIT;

/// The capabilities session `s` agreed on: what the client asked for in its captured
/// response, masked by the captured greeting.
fn session_caps(s: &str) -> u32 {
    let response = captured(s, "response");
    let asked = u32::from_le_bytes(response[..4].try_into().unwrap());
    asked
        & Greeting::decode(&captured(s, "greeting"))
            .unwrap()
            .capabilities
}

fn started(caps: u32) -> Command {
    let mut m = Command::new(caps, SERVER_STATUS_AUTOCOMMIT);
    m.start();
    m
}

/// Replay one captured exchange: the client's packet is COM_QUERY exactly, sequence
/// ids run on from it, and the server's packets are fed to the machine in order.
fn replay(s: &str, name: &str) -> (Command, Vec<CommandStep>) {
    let packets = captured_exchange(s, name);
    let (from_server, seq, query) = &packets[0];
    assert!(!from_server && *seq == 0);
    assert_eq!(query[0], COM_QUERY);
    // What Conn::start_command sends through Wire::write_parts: the command byte
    // and the statement framed as parts, without joining them.
    let (mut sent, mut captured) = (Vec::new(), Vec::new());
    Framer::new(1 << 24).encode_parts(&[&[COM_QUERY], &query[1..]], &mut sent);
    Framer::new(1 << 24).encode(query, &mut captured);
    assert_eq!(sent, captured, "the builder re-encodes the query");
    let mut m = started(session_caps(s));
    let mut steps = Vec::new();
    for (i, (from_server, seq, payload)) in packets[1..].iter().enumerate() {
        assert!(from_server);
        assert_eq!(usize::from(*seq), i + 1, "sequence ids are consecutive");
        steps.push(m.packet(payload).unwrap());
    }
    assert!(m.is_idle(), "{s}/{name} leaves the machine idle");
    (m, steps)
}

fn column_names(step: &CommandStep) -> Vec<&[u8]> {
    match step {
        CommandStep::Columns(c) => c.iter().map(|c| c.name()).collect(),
        other => panic!("not columns: {other:?}"),
    }
}

fn ok(status: u16, affected_rows: u64) -> OkPacket {
    OkPacket {
        affected_rows,
        last_insert_id: 0,
        status,
        warnings: 0,
        info: Vec::new(),
    }
}

fn column(name: &str) -> Vec<u8> {
    ColumnDefinition {
        names: crate::proto::packets::ColumnNames::new([
            b"def",
            b"",
            b"",
            b"",
            name.as_bytes(),
            b"",
        ]),
        charset: 63,
        column_type: 3,
        ..Default::default()
    }
    .encode()
}

fn end_of_rows(status: u16) -> Vec<u8> {
    ok(status, 0).encode(EOF_HEADER, CAPS)
}

fn err(code: u16) -> Vec<u8> {
    ErrPacket {
        code,
        sqlstate: *b"HY000",
        message: "no".into(),
    }
    .encode()
}

#[test]
fn captured_sessions_agree_on_deprecate_eof() {
    assert_ne!(session_caps("a") & CLIENT_DEPRECATE_EOF, 0);
    assert_eq!(session_caps("b") & CLIENT_DEPRECATE_EOF, 0);
}

#[test]
fn replays_select1() {
    let (m, steps) = replay("a", "select1");
    assert_eq!(steps.len(), 4);
    assert_eq!(steps[0], CommandStep::Wait);
    assert_eq!(column_names(&steps[1]), [b"1"]);
    assert_eq!(steps[2..], [CommandStep::Row, CommandStep::EndOfRows]);
    assert_eq!(m.last().affected_rows, 1);
    assert_eq!(m.last().field_count, 1);
    assert_eq!(m.result_seq(), 1);
    assert_eq!(m.status(), SERVER_STATUS_AUTOCOMMIT);
}

#[test]
fn replays_select1_with_classic_eof() {
    let (m, steps) = replay("b", "select1");
    assert_eq!(steps[..2], [CommandStep::Wait, CommandStep::Wait]);
    assert_eq!(column_names(&steps[2]), [b"1"]);
    assert_eq!(steps[3..], [CommandStep::Row, CommandStep::EndOfRows]);
    assert_eq!(m.last().affected_rows, 1);
}

#[test]
fn replays_types() {
    let (m, steps) = replay("a", "types");
    assert_eq!(steps[..6], [const { CommandStep::Wait }; 6]);
    assert_eq!(
        column_names(&steps[6]),
        [&b"i"[..], b"s", b"n", b"d", b"dt", b"b"]
    );
    assert_eq!(steps[7..], [CommandStep::Row, CommandStep::EndOfRows]);
    assert_eq!(m.last().field_count, 6);
}

#[test]
fn replays_create_and_insert() {
    let (m, steps) = replay("a", "create");
    assert_eq!(steps, [CommandStep::Done]);
    assert_eq!(m.last().field_count, 0);
    let (m, steps) = replay("a", "insert");
    assert_eq!(steps, [CommandStep::Done]);
    assert_eq!((m.last().affected_rows, m.last().insert_id), (3, 1));
    assert!(!m.last().info.is_empty(), "the insert reports Records: ...");
}

#[test]
fn replays_error() {
    let (m, steps) = replay("a", "error");
    match &steps[..] {
        [CommandStep::Failed(e)] => assert_eq!(e.code, 1146),
        other => panic!("{other:?}"),
    }
    assert_eq!(m.result_seq(), 0);
}

#[test]
fn replays_warn_and_show_warnings() {
    let (m, steps) = replay("a", "warn");
    assert_eq!(steps.last(), Some(&CommandStep::EndOfRows));
    assert_eq!(m.last().warnings, 1);
    let (m, steps) = replay("a", "warnings");
    assert_eq!(
        column_names(&steps[3]),
        [&b"Level"[..], b"Code", b"Message"]
    );
    assert_eq!(m.last().affected_rows, 1);
}

#[test]
fn replays_use_and_set_with_session_track() {
    assert_ne!(session_caps("c") & CLIENT_SESSION_TRACK, 0);
    for name in ["use", "set"] {
        let (_, steps) = replay("c", name);
        assert_eq!(steps, [CommandStep::Done]);
    }
}

#[test]
fn every_prefix_of_every_captured_packet_is_safe() {
    for (s, name) in [
        ("a", "select1"),
        ("a", "types"),
        ("a", "insert"),
        ("a", "error"),
        ("a", "warn"),
        ("b", "select1"),
    ] {
        let packets = captured_exchange(s, name);
        let caps = session_caps(s);
        // Bring a machine to the phase of packet i, then feed every prefix of it.
        for i in 1..packets.len() {
            all_prefixes(&packets[i].2, |prefix| {
                let mut m = started(caps);
                for (_, _, p) in &packets[1..i] {
                    m.packet(p).unwrap();
                }
                m.packet(prefix)
            });
        }
    }
}

#[test]
fn multi_result_ok_then_result_set() {
    let mut m = started(CAPS);
    assert_eq!(
        m.packet(&ok(MORE, 2).encode(OK_HEADER, CAPS)).unwrap(),
        CommandStep::Done
    );
    assert!(m.has_more_results() && !m.is_idle());
    assert_eq!(m.last().affected_rows, 2);
    assert!(m.next_result());
    assert!(m.in_head());
    assert_eq!(m.packet(b"\x01").unwrap(), CommandStep::Wait);
    assert_eq!(column_names(&m.packet(&column("x")).unwrap()), [b"x"]);
    assert_eq!(m.packet(b"\x011").unwrap(), CommandStep::Row);
    assert_eq!(
        m.packet(&end_of_rows(SERVER_STATUS_AUTOCOMMIT)).unwrap(),
        CommandStep::EndOfRows
    );
    assert!(m.is_idle());
    assert!(!m.next_result());
}

#[test]
fn multi_result_sets_count_their_sequence() {
    let mut m = started(CAPS);
    for round in 1..=3u64 {
        m.packet(b"\x01").unwrap();
        m.packet(&column("x")).unwrap();
        assert_eq!(m.result_seq(), round);
        let status = if round < 3 {
            MORE
        } else {
            SERVER_STATUS_AUTOCOMMIT
        };
        assert_eq!(
            m.packet(&end_of_rows(status)).unwrap(),
            CommandStep::EndOfRows
        );
        assert_eq!(m.next_result(), round < 3);
    }
    assert!(m.is_idle());
}

#[test]
fn multi_result_ending_in_err() {
    let mut m = started(CAPS);
    m.packet(&ok(MORE, 0).encode(OK_HEADER, CAPS)).unwrap();
    assert!(m.next_result());
    match m.packet(&err(1064)).unwrap() {
        CommandStep::Failed(e) => assert_eq!(e.code, 1064),
        other => panic!("{other:?}"),
    }
    assert!(m.is_idle() && !m.has_more_results());
}

#[test]
fn local_infile_request_then_ok() {
    let mut m = started(CAPS);
    assert_eq!(
        m.packet(b"\xfb/tmp/x.csv").unwrap(),
        CommandStep::LocalFile(b"/tmp/x.csv".to_vec())
    );
    // The server's verdict on the upload is the reply's head.
    assert!(m.in_head());
    let mut done = ok(SERVER_STATUS_AUTOCOMMIT, 5);
    done.info = b"Records: 5  Deleted: 0  Skipped: 0  Warnings: 0".to_vec();
    assert_eq!(
        m.packet(&done.encode(OK_HEADER, CAPS)).unwrap(),
        CommandStep::Done
    );
    assert_eq!(m.last().affected_rows, 5);
    assert_eq!(m.last().info, done.info);
    assert!(m.is_idle());
}

#[test]
fn local_infile_request_then_err() {
    let mut m = started(CAPS);
    assert!(matches!(
        m.packet(b"\xfbf").unwrap(),
        CommandStep::LocalFile(_)
    ));
    assert!(matches!(m.packet(&err(1148)).unwrap(), CommandStep::Failed(e) if e.code == 1148));
    assert!(m.is_idle());
}

#[test]
fn local_infile_in_a_later_result() {
    let mut m = started(CAPS);
    m.packet(&ok(MORE, 0).encode(OK_HEADER, CAPS)).unwrap();
    assert!(m.next_result());
    assert_eq!(
        m.packet(b"\xfbb").unwrap(),
        CommandStep::LocalFile(b"b".to_vec())
    );
}

#[test]
fn local_infile_name_may_be_empty() {
    let mut m = started(CAPS);
    assert_eq!(
        m.packet(b"\xfb").unwrap(),
        CommandStep::LocalFile(Vec::new())
    );
}

#[test]
fn err_mid_result() {
    let mut m = started(CAPS);
    m.packet(b"\x01").unwrap();
    m.packet(&column("x")).unwrap();
    assert_eq!(m.packet(b"\x011").unwrap(), CommandStep::Row);
    match m.packet(&err(1317)).unwrap() {
        CommandStep::Failed(e) => assert_eq!(e.code, 1317),
        other => panic!("{other:?}"),
    }
    assert!(m.is_idle());
    assert_eq!(
        m.last().affected_rows,
        1,
        "rows read before the ERR are counted"
    );
}

#[test]
fn progress_report_in_rows_is_malformed() {
    let mut m = started(CAPS);
    m.packet(b"\x01").unwrap();
    m.packet(&column("x")).unwrap();
    assert!(m.packet(b"\xff\xff\xff\x01\x00").is_err());
    assert!(m.is_idle());
}

#[test]
fn classic_eof_sets_status_after_columns() {
    let mut m = started(0);
    m.packet(b"\x01").unwrap();
    assert_eq!(m.packet(&column("x")).unwrap(), CommandStep::Wait);
    let eof = EofPacket {
        warnings: 0,
        status: SERVER_STATUS_NO_BACKSLASH_ESCAPES,
    };
    assert!(matches!(
        m.packet(&eof.encode()).unwrap(),
        CommandStep::Columns(_)
    ));
    assert!(m.no_backslash_escapes());
    assert!(m.in_rows());
    let end = EofPacket {
        warnings: 2,
        status: SERVER_STATUS_AUTOCOMMIT,
    };
    assert_eq!(m.packet(&end.encode()).unwrap(), CommandStep::EndOfRows);
    assert!(!m.no_backslash_escapes());
    assert_eq!(m.last().warnings, 2);
    assert!(m.last().info.is_empty());
}

#[test]
fn classic_eof_missing_is_malformed() {
    let mut m = started(0);
    m.packet(b"\x01").unwrap();
    m.packet(&column("x")).unwrap();
    // A row where the EOF after the columns belongs.
    assert!(m.packet(b"\x011").is_err());
}

#[test]
fn deprecate_eof_end_carries_info() {
    let mut m = started(CAPS);
    m.packet(b"\x01").unwrap();
    m.packet(&column("x")).unwrap();
    let mut end = ok(SERVER_STATUS_AUTOCOMMIT, 0);
    end.warnings = 3;
    end.info = b"note".to_vec();
    assert_eq!(
        m.packet(&end.encode(EOF_HEADER, CAPS)).unwrap(),
        CommandStep::EndOfRows
    );
    assert_eq!((m.last().warnings, &m.last().info[..]), (3, &b"note"[..]));
}

#[test]
fn huge_column_count_commits_no_memory_up_front() {
    let mut m = started(CAPS);
    let mut head = vec![0xFE];
    head.extend_from_slice(&(1u64 << 40).to_le_bytes());
    assert_eq!(m.packet(&head).unwrap(), CommandStep::Wait);
    assert_eq!(m.last().field_count, 1 << 40);
    assert_eq!(m.packet(&column("a")).unwrap(), CommandStep::Wait);
    // Anything that is not a column definition ends it.
    assert!(m.packet(b"\x011").is_err());
}

#[test]
fn three_hundred_columns() {
    let mut m = started(CAPS);
    assert_eq!(m.packet(b"\xfc\x2c\x01").unwrap(), CommandStep::Wait);
    for i in 0..299 {
        assert_eq!(
            m.packet(&column(&format!("c{i}"))).unwrap(),
            CommandStep::Wait
        );
    }
    match m.packet(&column("last")).unwrap() {
        CommandStep::Columns(c) => assert_eq!((c.len(), c[299].name()), (300, &b"last"[..])),
        other => panic!("{other:?}"),
    }
}

#[test]
fn big_row_starting_with_fe_is_a_row() {
    let mut m = started(CAPS);
    m.packet(b"\x01").unwrap();
    m.packet(&column("x")).unwrap();
    let mut big = vec![0xFE];
    big.extend_from_slice(&((MAX_PAYLOAD - 9) as u64).to_le_bytes());
    big.resize(MAX_PAYLOAD, b'x');
    assert_eq!(m.packet(&big).unwrap(), CommandStep::Row);
    assert_eq!(m.packet(b"\xfb").unwrap(), CommandStep::Row, "a NULL cell");
}

#[test]
fn rows_are_counted() {
    let mut m = started(CAPS);
    m.packet(b"\x01").unwrap();
    m.packet(&column("x")).unwrap();
    for _ in 0..1000 {
        assert_eq!(m.packet(b"\x011").unwrap(), CommandStep::Row);
    }
    m.packet(&end_of_rows(SERVER_STATUS_AUTOCOMMIT)).unwrap();
    assert_eq!(m.last().affected_rows, 1000);
}

#[test]
fn packets_nobody_asked_for() {
    let mut m = Command::new(CAPS, 0);
    assert!(m.is_idle());
    assert!(m.packet(b"\x00\x00\x00\x02\x00\x00\x00").is_err());
    let mut m = started(CAPS);
    m.packet(&ok(MORE, 0).encode(OK_HEADER, CAPS)).unwrap();
    // Before next_result the later result's head is not expected.
    assert!(m.packet(b"\x01").is_err());
}

#[test]
fn malformed_heads() {
    for head in [&b""[..], b"\x01\x00", b"\xfc\x01", b"\x00"] {
        let mut m = started(CAPS);
        assert!(m.packet(head).is_err(), "{head:?}");
        assert!(m.is_idle());
    }
}

#[test]
fn malformed_column_definition() {
    let mut m = started(CAPS);
    m.packet(b"\x01").unwrap();
    assert!(m.packet(b"\x03de").is_err());
    assert!(m.is_idle());
}

#[test]
fn start_forgets_the_previous_statement() {
    let (mut m, _) = replay("a", "insert");
    assert_eq!(m.last().affected_rows, 3);
    m.start();
    assert_eq!(*m.last(), LastStatus::default());
    assert!(m.in_head());
}

#[test]
fn failed_keeps_the_status() {
    let mut m = Command::new(CAPS, SERVER_STATUS_NO_BACKSLASH_ESCAPES);
    m.start();
    assert!(matches!(
        m.packet(&err(1064)).unwrap(),
        CommandStep::Failed(_)
    ));
    assert!(m.no_backslash_escapes());
}

#[test]
fn logged_in_resets() {
    let (mut m, _) = replay("a", "insert");
    m.logged_in(SERVER_STATUS_NO_BACKSLASH_ESCAPES);
    assert!(m.is_idle() && m.no_backslash_escapes());
    assert_eq!(*m.last(), LastStatus::default());
}

#[test]
fn ok_status_is_kept() {
    let mut m = started(CAPS);
    m.packet(&ok(SERVER_STATUS_NO_BACKSLASH_ESCAPES, 0).encode(OK_HEADER, CAPS))
        .unwrap();
    assert!(m.no_backslash_escapes());
    assert_eq!(m.capabilities(), CAPS);
}

#[test]
fn garbage_in_every_phase_never_panics() {
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    for round in 0..5_000 {
        let len = (next() % 64) as usize;
        let mut p: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if let Some(b) = p.first_mut() {
            *b = [0x00, 0x01, 0xFB, 0xFC, 0xFE, 0xFF, *b][round % 7];
        }
        for caps in [0, CAPS] {
            // Head, columns, (EOF), rows.
            for depth in 0..4 {
                let mut m = started(caps);
                let lead: [&[u8]; 3] = [b"\x01", &column("x"), &EofPacket::default().encode()];
                let ok = lead[..depth.min(if caps == 0 { 3 } else { 2 })]
                    .iter()
                    .all(|l| m.packet(l).is_ok());
                if ok {
                    let _ = m.packet(&p);
                }
            }
            // A prepare's head, and its definitions.
            for depth in 0..2 {
                let mut m = Command::new(caps, SERVER_STATUS_AUTOCOMMIT);
                m.start_prepare();
                if depth == 0 || m.packet(&prepare_ok(1, 2, 2)).is_ok() {
                    let _ = m.packet(&p);
                }
            }
        }
    }
}

fn prepare_ok(id: u32, columns: u16, params: u16) -> Vec<u8> {
    let mut p = vec![0];
    p.extend_from_slice(&id.to_le_bytes());
    p.extend_from_slice(&columns.to_le_bytes());
    p.extend_from_slice(&params.to_le_bytes());
    p.extend_from_slice(&[0, 0, 0]);
    p
}

#[test]
fn prepare_reply_skips_definitions_then_is_idle() {
    for (caps, eofs) in [(CLIENT_DEPRECATE_EOF, 0), (0, 2)] {
        let mut m = Command::new(caps, SERVER_STATUS_AUTOCOMMIT);
        m.start_prepare();
        assert_eq!(m.packet(&prepare_ok(5, 1, 2)).unwrap(), CommandStep::Wait);
        for _ in 0..(3 + eofs - 1) {
            assert!(!m.is_idle());
            assert_eq!(m.packet(&column("p")).unwrap(), CommandStep::Wait);
        }
        let step = m.packet(&end_of_rows(SERVER_STATUS_AUTOCOMMIT)).unwrap();
        let CommandStep::Prepared(ok) = step else {
            panic!("{step:?}")
        };
        assert_eq!((ok.statement_id, ok.columns, ok.params), (5, 1, 2));
        assert!(m.is_idle());
        assert!(m.packet(&column("extra")).is_err(), "nothing more is owed");
    }
}

#[test]
fn prepare_without_definitions_and_refused_prepare() {
    let mut m = Command::new(0, SERVER_STATUS_AUTOCOMMIT);
    m.start_prepare();
    let step = m.packet(&prepare_ok(1, 0, 0)).unwrap();
    assert!(matches!(step, CommandStep::Prepared(_)), "{step:?}");
    assert!(m.is_idle());
    m.start_prepare();
    assert!(matches!(m.packet(&err(1064)).unwrap(), CommandStep::Failed(e) if e.code == 1064));
    assert!(m.is_idle());
    m.start_prepare();
    assert!(
        m.packet(&[0, 1]).is_err(),
        "a truncated prepare OK is malformed"
    );
    m.start_prepare();
    assert_eq!(m.packet(&prepare_ok(2, 0, 3)).unwrap(), CommandStep::Wait);
    assert!(matches!(m.packet(&err(1317)).unwrap(), CommandStep::Failed(e) if e.code == 1317));
    assert!(m.is_idle(), "an ERR among the definitions ends the prepare");
}
