//! Command phase: how to read the first reply to COM_QUERY and each later packet.

use super::super::framing::MAX_PAYLOAD;
use super::super::packets::generic::{EOF_HEADER, ERR_HEADER, OK_HEADER};
use super::super::packets::{EofPacket, ErrPacket, OkPacket};
use super::super::reader::Reader;
use super::super::{ProtoError, Result};
use crate::consts::capability::CLIENT_DEPRECATE_EOF;

/// LOCAL INFILE request header.
const LOCAL_INFILE_HEADER: u8 = 0xFB;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryHead {
    Ok(OkPacket),
    Err(ErrPacket),
    /// LOCAL INFILE request with the file name the server wants.
    LocalInfile(Vec<u8>),
    /// A result set with this many columns; column definitions follow.
    ResultSet {
        columns: u64,
    },
}

/// Classify the first packet of a reply to COM_QUERY.
pub fn classify_head(payload: &[u8], capabilities: u32) -> Result<QueryHead> {
    match payload.first() {
        None => Err(ProtoError::Malformed("empty reply")),
        Some(&OK_HEADER) => Ok(QueryHead::Ok(OkPacket::decode(payload, capabilities)?)),
        Some(&ERR_HEADER) => Ok(QueryHead::Err(ErrPacket::decode(payload)?)),
        Some(&LOCAL_INFILE_HEADER) => Ok(QueryHead::LocalInfile(payload[1..].to_vec())),
        Some(_) => {
            let mut r = Reader::new(payload);
            let columns = r.lenenc_int_not_null()?;
            // Nothing may follow the count (we never ask for optional metadata).
            if !r.is_empty() {
                return Err(ProtoError::Malformed("column count packet too long"));
            }
            Ok(QueryHead::ResultSet { columns })
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowEnd {
    /// More rows: the payload is a row.
    Row,
    /// The result set ended: status flags and warnings (from EOF, or OK under DEPRECATE_EOF).
    End {
        status: u16,
        warnings: u16,
        ok: Option<OkPacket>,
    },
    Err(ErrPacket),
}

/// Classify a packet read while expecting rows. Under CLIENT_DEPRECATE_EOF the end is
/// an OK packet with header 0xFE; a row can only start with 0xFE when it is >= 16 MiB.
pub fn classify_row(payload: &[u8], capabilities: u32) -> Result<RowEnd> {
    match payload.first() {
        None => Err(ProtoError::Malformed("empty row packet")),
        Some(&ERR_HEADER) => {
            // We never ask for MARIADB_CLIENT_PROGRESS, so a progress report here
            // means the stream is not what we think it is.
            if ErrPacket::is_progress(payload) {
                return Err(ProtoError::Malformed("unrequested progress report"));
            }
            Ok(RowEnd::Err(ErrPacket::decode(payload)?))
        }
        Some(&EOF_HEADER) if payload.len() < MAX_PAYLOAD => {
            if capabilities & CLIENT_DEPRECATE_EOF != 0 {
                let ok = OkPacket::decode(payload, capabilities)?;
                Ok(RowEnd::End {
                    status: ok.status,
                    warnings: ok.warnings,
                    ok: Some(ok),
                })
            } else {
                let eof = EofPacket::decode(payload)?;
                Ok(RowEnd::End {
                    status: eof.status,
                    warnings: eof.warnings,
                    ok: None,
                })
            }
        }
        Some(_) => Ok(RowEnd::Row),
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::packets::row::TextRow;
    use super::super::super::packets::ColumnDefinition;
    use super::super::super::testutil::{all_prefixes, captured};
    use super::*;
    use crate::consts::capability::CLIENT_SESSION_TRACK;
    use crate::consts::status::SERVER_STATUS_AUTOCOMMIT;

    const CAPS: u32 = CLIENT_DEPRECATE_EOF;

    fn cells(payload: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut row = TextRow::new(payload);
        let mut out = Vec::new();
        while !row.at_end() {
            out.push(row.next_cell().unwrap().map(<[u8]>::to_vec));
        }
        out
    }

    #[test]
    fn heads() {
        assert_eq!(
            classify_head(&captured("a", "select1_head"), CAPS).unwrap(),
            QueryHead::ResultSet { columns: 1 }
        );
        assert_eq!(
            classify_head(&captured("a", "types_head"), CAPS).unwrap(),
            QueryHead::ResultSet { columns: 6 }
        );
        match classify_head(&captured("a", "insert_head"), CAPS).unwrap() {
            QueryHead::Ok(ok) => assert_eq!((ok.affected_rows, ok.last_insert_id), (3, 1)),
            other => panic!("{other:?}"),
        }
        match classify_head(&captured("a", "error_head"), CAPS).unwrap() {
            QueryHead::Err(e) => assert_eq!(e.code, 1146),
            other => panic!("{other:?}"),
        }
        match classify_head(&captured("c", "use_head"), CAPS | CLIENT_SESSION_TRACK).unwrap() {
            QueryHead::Ok(ok) => assert!(ok.info.is_empty()),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            classify_head(b"\xfb/tmp/x.csv", CAPS).unwrap(),
            QueryHead::LocalInfile(b"/tmp/x.csv".to_vec())
        );
        assert_eq!(
            classify_head(b"\xfc\x2c\x01", CAPS).unwrap(),
            QueryHead::ResultSet { columns: 300 }
        );
        assert!(classify_head(b"", CAPS).is_err());
        assert!(classify_head(b"\x01\x00", CAPS).is_err());
        for label in ["select1_head", "insert_head", "error_head"] {
            all_prefixes(&captured("a", label), |b| classify_head(b, CAPS));
        }
    }

    #[test]
    fn captured_result_set_with_null() {
        // Walk the captured reply to the typed SELECT as the driver will.
        let QueryHead::ResultSet { columns } =
            classify_head(&captured("a", "types_head"), CAPS).unwrap()
        else {
            panic!("not a result set")
        };
        let names: Vec<Vec<u8>> = (0..columns)
            .map(|i| {
                ColumnDefinition::decode(&captured("a", &format!("types_col{i}")))
                    .unwrap()
                    .name()
                    .to_vec()
            })
            .collect();
        assert_eq!(names, [&b"i"[..], b"s", b"n", b"d", b"dt", b"b"]);
        let row = captured("a", "types_row0");
        assert_eq!(classify_row(&row, CAPS).unwrap(), RowEnd::Row);
        assert_eq!(
            cells(&row),
            vec![
                Some(b"1".to_vec()),
                Some(b"abc".to_vec()),
                None,
                Some(b"3.14".to_vec()),
                Some(b"2024-01-02 03:04:05".to_vec()),
                Some(vec![0x00, 0xFF]),
            ]
        );
        all_prefixes(&row, |b| {
            let mut r = TextRow::new(b);
            while !r.at_end() && r.next_cell().is_ok() {}
        });
        match classify_row(&captured("a", "types_row1"), CAPS).unwrap() {
            RowEnd::End {
                status,
                warnings,
                ok: Some(ok),
            } => {
                assert_eq!((status, warnings), (SERVER_STATUS_AUTOCOMMIT, 0));
                assert_eq!(ok.status, status);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn show_warnings_rows() {
        let row = captured("a", "warnings_row0");
        assert_eq!(classify_row(&row, CAPS).unwrap(), RowEnd::Row);
        assert_eq!(
            cells(&row),
            vec![
                Some(b"Warning".to_vec()),
                Some(b"1292".to_vec()),
                Some(b"Truncated incorrect DOUBLE value: 'a'".to_vec()),
            ]
        );
        match classify_row(&captured("a", "warn_row1"), CAPS).unwrap() {
            RowEnd::End { warnings, .. } => assert_eq!(warnings, 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn classic_eof_ends_rows() {
        assert_eq!(
            classify_row(&captured("b", "select1_row0"), 0).unwrap(),
            RowEnd::Row
        );
        assert_eq!(
            classify_row(&captured("b", "select1_row1"), 0).unwrap(),
            RowEnd::End {
                status: SERVER_STATUS_AUTOCOMMIT,
                warnings: 0,
                ok: None
            }
        );
        all_prefixes(&captured("b", "select1_row1"), |b| classify_row(b, 0));
        all_prefixes(&captured("a", "select1_row1"), |b| classify_row(b, CAPS));
    }

    #[test]
    fn errors_and_odd_rows() {
        let err = ErrPacket {
            code: 1317,
            sqlstate: *b"70100",
            message: "Query execution was interrupted".into(),
        };
        assert_eq!(classify_row(&err.encode(), CAPS).unwrap(), RowEnd::Err(err));
        assert!(classify_row(b"\xff\xff\xff\x01\x00", CAPS).is_err());
        assert!(classify_row(b"", CAPS).is_err());
        // A row >= 16 MiB whose first cell has an 8-byte length starts with 0xFE.
        let mut big = vec![0xFE];
        big.extend_from_slice(&((MAX_PAYLOAD - 9) as u64).to_le_bytes());
        big.resize(MAX_PAYLOAD, b'x');
        assert_eq!(classify_row(&big, CAPS).unwrap(), RowEnd::Row);
        // A row whose first cell is NULL.
        assert_eq!(classify_row(b"\xfb\x011", CAPS).unwrap(), RowEnd::Row);
    }
}
