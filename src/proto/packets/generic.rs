//! OK, ERR and EOF packets.

use super::super::reader::Reader;
use super::super::writer::{put_lenenc_bytes, put_lenenc_int, put_u16};
use super::super::{ProtoError, Result};
use crate::consts::capability::CLIENT_SESSION_TRACK;
use crate::consts::status::SERVER_SESSION_STATE_CHANGED;

pub const OK_HEADER: u8 = 0x00;
pub const ERR_HEADER: u8 = 0xFF;
pub const EOF_HEADER: u8 = 0xFE;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OkPacket {
    pub affected_rows: u64,
    pub last_insert_id: u64,
    pub status: u16,
    pub warnings: u16,
    /// Human-readable info ("Records: 3  Duplicates: 0  Warnings: 0"); empty if none.
    pub info: Vec<u8>,
}

impl OkPacket {
    /// Decode an OK packet (header 0x00, or 0xFE when it ends a result set under
    /// CLIENT_DEPRECATE_EOF). `capabilities` are the negotiated ones: with
    /// CLIENT_SESSION_TRACK the info is length-encoded and session state follows.
    pub fn decode(payload: &[u8], capabilities: u32) -> Result<OkPacket> {
        let mut r = Reader::new(payload);
        let header = r.u8()?;
        if header != OK_HEADER && header != EOF_HEADER {
            return Err(ProtoError::Malformed("not an OK packet"));
        }
        let affected_rows = r.lenenc_int_not_null()?;
        let last_insert_id = r.lenenc_int_not_null()?;
        let status = r.u16()?;
        let warnings = r.u16()?;
        let info = if r.is_empty() {
            Vec::new()
        } else if capabilities & CLIENT_SESSION_TRACK != 0 {
            // Session-state changes may follow the info; nobody reads them yet, and
            // they are skipped without being parsed so they can never fail the packet.
            r.lenenc_bytes_not_null()?.to_vec()
        } else {
            // The protocol docs say "rest of packet", but MariaDB and MySQL servers
            // both send a length-encoded string here. Take it as length-encoded when
            // the length covers exactly what is left, else as the raw rest.
            let rest = r.rest();
            let mut lr = Reader::new(rest);
            match lr.lenenc_bytes() {
                Ok(Some(s)) if lr.is_empty() => s.to_vec(),
                _ => rest.to_vec(),
            }
        };
        Ok(OkPacket {
            affected_rows,
            last_insert_id,
            status,
            warnings,
            info,
        })
    }
    pub fn encode(&self, header: u8, capabilities: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.info.len());
        out.push(header);
        put_lenenc_int(&mut out, self.affected_rows);
        put_lenenc_int(&mut out, self.last_insert_id);
        put_u16(&mut out, self.status);
        put_u16(&mut out, self.warnings);
        // As servers do: info only when there is some (or session state would follow).
        let state = capabilities & CLIENT_SESSION_TRACK != 0
            && self.status & SERVER_SESSION_STATE_CHANGED != 0;
        if !self.info.is_empty() || state {
            put_lenenc_bytes(&mut out, &self.info);
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrPacket {
    pub code: u16,
    /// Five ASCII characters; "HY000" when the server sent none.
    pub sqlstate: [u8; 5],
    pub message: String,
}

impl ErrPacket {
    /// Decode an ERR packet (header 0xFF). Progress reports (code 0xFFFF, MariaDB)
    /// are not errors: callers check [`ErrPacket::is_progress`] first.
    pub fn decode(payload: &[u8]) -> Result<ErrPacket> {
        let mut r = Reader::new(payload);
        if r.u8()? != ERR_HEADER {
            return Err(ProtoError::Malformed("not an ERR packet"));
        }
        let code = r.u16()?;
        // Errors sent before capabilities are agreed (e.g. "too many connections")
        // carry no SQLSTATE marker.
        let mut sqlstate = *b"HY000";
        if r.peek() == Some(b'#') && r.remaining() >= 6 {
            r.skip(1)?;
            sqlstate.copy_from_slice(r.take(5)?);
        }
        let message = String::from_utf8_lossy(r.rest()).into_owned();
        Ok(ErrPacket {
            code,
            sqlstate,
            message,
        })
    }
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + self.message.len());
        out.push(ERR_HEADER);
        put_u16(&mut out, self.code);
        out.push(b'#');
        out.extend_from_slice(&self.sqlstate);
        out.extend_from_slice(self.message.as_bytes());
        out
    }
    pub fn is_progress(payload: &[u8]) -> bool {
        payload.len() >= 3 && payload[0] == ERR_HEADER && payload[1] == 0xFF && payload[2] == 0xFF
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EofPacket {
    pub warnings: u16,
    pub status: u16,
}

impl EofPacket {
    pub fn decode(payload: &[u8]) -> Result<EofPacket> {
        let mut r = Reader::new(payload);
        if r.u8()? != EOF_HEADER || payload.len() >= 9 {
            return Err(ProtoError::Malformed("not an EOF packet"));
        }
        let warnings = r.u16()?;
        let status = r.u16()?;
        Ok(EofPacket { warnings, status })
    }
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![EOF_HEADER];
        put_u16(&mut out, self.warnings);
        put_u16(&mut out, self.status);
        out
    }
    /// A real EOF packet: header 0xFE and shorter than 9 bytes.
    pub fn is_eof(payload: &[u8]) -> bool {
        !payload.is_empty() && payload[0] == EOF_HEADER && payload.len() < 9
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::testutil::{all_prefixes, captured};
    use super::*;
    use crate::consts::capability::CLIENT_DEPRECATE_EOF;
    use crate::consts::status::*;

    const CAPS: u32 = CLIENT_DEPRECATE_EOF;
    const TRACK: u32 = CLIENT_DEPRECATE_EOF | CLIENT_SESSION_TRACK;

    fn ok_round_trip(session: &str, label: &str, caps: u32, want: OkPacket) {
        let p = captured(session, label);
        let ok = OkPacket::decode(&p, caps).unwrap();
        assert_eq!(ok, want, "{session}/{label}");
        assert_eq!(ok.encode(p[0], caps), p, "{session}/{label}");
        all_prefixes(&p, |b| OkPacket::decode(b, caps));
    }

    #[test]
    fn ok_after_login() {
        let want = OkPacket {
            status: SERVER_STATUS_AUTOCOMMIT,
            ..Default::default()
        };
        ok_round_trip("a", "ok", CAPS, want.clone());
        ok_round_trip("b", "ok", 0, want);
    }

    #[test]
    fn ok_with_affected_rows_insert_id_and_info() {
        let want = OkPacket {
            affected_rows: 3,
            last_insert_id: 1,
            status: SERVER_STATUS_AUTOCOMMIT,
            warnings: 0,
            info: b"Records: 3  Duplicates: 0  Warnings: 0".to_vec(),
        };
        ok_round_trip("a", "insert_head", CAPS, want.clone());
        // The same bytes read with session tracking on mean the same thing.
        assert_eq!(
            OkPacket::decode(&captured("a", "insert_head"), TRACK).unwrap(),
            want
        );
    }

    #[test]
    fn ok_info_as_rest_of_packet() {
        // What the protocol docs describe (no length prefix) still decodes.
        let p = b"\x00\x01\x00\x02\x00\x00\x00Rows matched: 1";
        let ok = OkPacket::decode(p, 0).unwrap();
        assert_eq!(ok.affected_rows, 1);
        assert_eq!(ok.info, b"Rows matched: 1");
    }

    #[test]
    fn ok_ending_result_set_under_deprecate_eof() {
        let want = OkPacket {
            status: SERVER_STATUS_AUTOCOMMIT,
            ..Default::default()
        };
        ok_round_trip("a", "select1_row1", CAPS, want);
        let want = OkPacket {
            status: SERVER_STATUS_AUTOCOMMIT,
            warnings: 1,
            ..Default::default()
        };
        ok_round_trip("a", "warn_row1", CAPS, want);
    }

    #[test]
    fn ok_with_session_state_skipped() {
        for (label, status) in [
            (
                "ok",
                SERVER_STATUS_AUTOCOMMIT | SERVER_SESSION_STATE_CHANGED,
            ),
            (
                "use_head",
                SERVER_STATUS_AUTOCOMMIT | SERVER_SESSION_STATE_CHANGED,
            ),
            ("set_head", SERVER_SESSION_STATE_CHANGED),
        ] {
            let p = captured("c", label);
            let ok = OkPacket::decode(&p, TRACK).unwrap();
            assert_eq!(
                ok,
                OkPacket {
                    status,
                    ..Default::default()
                },
                "c/{label}"
            );
            // Re-encoding drops the session state but keeps everything before it.
            let enc = ok.encode(OK_HEADER, TRACK);
            assert_eq!(enc[..], p[..enc.len()]);
            all_prefixes(&p, |b| OkPacket::decode(b, TRACK));
        }
    }

    #[test]
    fn err_with_sqlstate() {
        let p = captured("a", "error_head");
        let e = ErrPacket::decode(&p).unwrap();
        assert_eq!(e.code, 1146);
        assert_eq!(&e.sqlstate, b"42S02");
        assert_eq!(e.message, "Table 'test.no_such_table' doesn't exist");
        assert_eq!(e.encode(), p);
        assert!(!ErrPacket::is_progress(&p));
        all_prefixes(&p, ErrPacket::decode);

        let p = captured("e", "err");
        let e = ErrPacket::decode(&p).unwrap();
        assert_eq!(e.code, 1049);
        assert_eq!(&e.sqlstate, b"42000");
        assert_eq!(e.message, "Unknown database 'no_such_db_unshaken'");
        assert_eq!(e.encode(), p);
    }

    #[test]
    fn err_without_sqlstate_and_lossy_message() {
        let e = ErrPacket::decode(b"\xff\x10\x04Too many connections").unwrap();
        assert_eq!((e.code, &e.sqlstate), (1040, b"HY000"));
        assert_eq!(e.message, "Too many connections");
        let e = ErrPacket::decode(b"\xff\x10\x04#42\xff").unwrap();
        assert_eq!(&e.sqlstate, b"HY000");
        assert_eq!(e.message, "#42\u{fffd}");
        assert!(ErrPacket::decode(b"\x00\x10\x04").is_err());
        assert!(ErrPacket::is_progress(b"\xff\xff\xff\x01"));
    }

    #[test]
    fn eof() {
        for label in ["select1_coleof", "select1_row1"] {
            let p = captured("b", label);
            assert!(EofPacket::is_eof(&p));
            let e = EofPacket::decode(&p).unwrap();
            assert_eq!(
                e,
                EofPacket {
                    warnings: 0,
                    status: SERVER_STATUS_AUTOCOMMIT
                }
            );
            assert_eq!(e.encode(), p);
            all_prefixes(&p, EofPacket::decode);
        }
        // 9 bytes or more starting with 0xFE is a row (or an OK), never an EOF.
        assert!(EofPacket::decode(&[0xFE, 0, 0, 2, 0, 0, 0, 0, 0]).is_err());
        assert!(EofPacket::decode(&[0x00, 0, 0, 2, 0]).is_err());
    }
}
