//! MariaDB's bulk execution of a prepared statement: COM_STMT_PREPARE's reply,
//! COM_STMT_BULK_EXECUTE's parameter rows, COM_STMT_CLOSE. One bulk command runs the
//! statement once per row of parameters, in order, and stops at the first error.

use super::super::reader::Reader;
use super::super::writer::{lenenc_int_len, put_lenenc_bytes, put_u16, put_u32, put_u64};
use super::super::{ProtoError, Result};
use crate::consts::field_type::{
    MYSQL_TYPE_DOUBLE, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_NEWDECIMAL, MYSQL_TYPE_VAR_STRING,
};

/// COM_STMT_PREPARE's OK: the statement's id and shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareOk {
    pub statement_id: u32,
    pub columns: u16,
    pub params: u16,
    pub warnings: u16,
}

impl PrepareOk {
    pub fn decode(payload: &[u8]) -> Result<PrepareOk> {
        let mut r = Reader::new(payload);
        if r.u8()? != 0 {
            return Err(ProtoError::Malformed("not a prepare OK packet"));
        }
        let statement_id = r.u32()?;
        let columns = r.u16()?;
        let params = r.u16()?;
        r.skip(1)?; // filler
        let warnings = if r.remaining() >= 2 { r.u16()? } else { 0 };
        Ok(PrepareOk {
            statement_id,
            columns,
            params,
            warnings,
        })
    }
}

/// One parameter value of a bulk row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BulkValue<'a> {
    Null,
    Int(i64),
    /// Above i64::MAX.
    UInt(u64),
    Double(f64),
    /// A decimal number's text (exact, as the text protocol's literal).
    Decimal(&'a [u8]),
    /// A string in the connection's character set (as a quoted literal is read).
    Text(&'a [u8]),
}

/// Bulk flag: the parameter types precede the rows.
const SEND_TYPES_TO_SERVER: u16 = 128;
const UNSIGNED: u8 = 128;
const INDICATOR_NONE: u8 = 0;
const INDICATOR_NULL: u8 = 1;

impl BulkValue<'_> {
    /// (field type, flag), or None for NULL, which fits any type.
    fn wire_type(&self) -> Option<(u8, u8)> {
        Some(match self {
            BulkValue::Null => return None,
            BulkValue::Int(_) => (MYSQL_TYPE_LONGLONG, 0),
            BulkValue::UInt(_) => (MYSQL_TYPE_LONGLONG, UNSIGNED),
            BulkValue::Double(_) => (MYSQL_TYPE_DOUBLE, 0),
            BulkValue::Decimal(_) => (MYSQL_TYPE_NEWDECIMAL, 0),
            BulkValue::Text(_) => (MYSQL_TYPE_VAR_STRING, 0),
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            BulkValue::Null => out.push(INDICATOR_NULL),
            BulkValue::Int(v) => put_value(out, |out| put_u64(out, v as u64)),
            BulkValue::UInt(v) => put_value(out, |out| put_u64(out, v)),
            BulkValue::Double(v) => put_value(out, |out| put_u64(out, v.to_bits())),
            BulkValue::Decimal(s) | BulkValue::Text(s) => {
                put_value(out, |out| put_lenenc_bytes(out, s))
            }
        }
    }
}

/// A value's indicator, then the value.
fn put_value(out: &mut Vec<u8>, value: impl FnOnce(&mut Vec<u8>)) {
    out.push(INDICATOR_NONE);
    value(out);
}

/// The rows of one COM_STMT_BULK_EXECUTE. The types are sent once for all rows, so a
/// row whose types differ from the batch's does not fit: it starts the next batch.
#[derive(Debug)]
pub struct BulkRows {
    /// Per parameter: its type once a row gave it a non-NULL value.
    types: Vec<Option<(u8, u8)>>,
    rows: Vec<u8>,
    count: usize,
}

impl BulkRows {
    pub fn new(params: usize) -> BulkRows {
        BulkRows {
            types: vec![None; params],
            rows: Vec::new(),
            count: 0,
        }
    }

    /// Adds a row of exactly `params` values; false (and nothing added) when it has
    /// the wrong length or a value whose type differs from the batch's.
    pub fn push(&mut self, row: &[BulkValue<'_>]) -> bool {
        if row.len() != self.types.len() {
            return false;
        }
        let fits = row.iter().zip(&self.types).all(|(v, t)| {
            matches!((v.wire_type(), t), (None, _) | (_, None)) || v.wire_type() == *t
        });
        if !fits {
            return false;
        }
        for (v, t) in row.iter().zip(&mut self.types) {
            if t.is_none() {
                *t = v.wire_type();
            }
            v.encode(&mut self.rows);
        }
        self.count += 1;
        true
    }

    /// Bytes `row` adds to the command.
    pub fn row_size(row: &[BulkValue<'_>]) -> usize {
        row.iter()
            .map(|v| match v {
                BulkValue::Null => 1,
                BulkValue::Int(_) | BulkValue::UInt(_) | BulkValue::Double(_) => 9,
                BulkValue::Decimal(s) | BulkValue::Text(s) => {
                    1 + lenenc_int_len(s.len() as u64) + s.len()
                }
            })
            .sum()
    }

    pub fn len(&self) -> usize {
        self.count
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    /// Bytes the command will take.
    pub fn size(&self) -> usize {
        6 + 2 * self.types.len() + self.rows.len()
    }

    /// The command's argument (after the command byte), for statement `id`. A
    /// parameter NULL in every row is sent as a string (any type carries NULL).
    pub fn argument(&self, id: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size());
        put_u32(&mut out, id);
        put_u16(&mut out, SEND_TYPES_TO_SERVER);
        for t in &self.types {
            let (ty, flag) = t.unwrap_or((MYSQL_TYPE_VAR_STRING, 0));
            out.push(ty);
            out.push(flag);
        }
        out.extend_from_slice(&self.rows);
        out
    }

    pub fn clear(&mut self) {
        self.types.iter_mut().for_each(|t| *t = None);
        self.rows.clear();
        self.count = 0;
    }
}

/// COM_STMT_CLOSE's argument: the statement id (the server does not answer).
pub fn close_argument(id: u32) -> Vec<u8> {
    id.to_le_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_ok_decodes_and_refuses_other_packets() {
        let ok = [0, 7, 0, 0, 0, 0, 0, 3, 0, 0, 1, 0];
        assert_eq!(
            PrepareOk::decode(&ok).unwrap(),
            PrepareOk {
                statement_id: 7,
                columns: 0,
                params: 3,
                warnings: 1
            }
        );
        assert!(PrepareOk::decode(&[0xff, 1, 2]).is_err());
        assert!(PrepareOk::decode(&[0, 7, 0]).is_err(), "truncated");
    }

    #[test]
    fn rows_carry_types_once_and_nulls_by_indicator() {
        let mut rows = BulkRows::new(2);
        assert!(rows.push(&[BulkValue::Null, BulkValue::Text(b"ab")]));
        assert!(rows.push(&[BulkValue::Int(-2), BulkValue::Null]));
        let arg = rows.argument(9);
        let mut want = vec![9, 0, 0, 0, 128, 0];
        want.extend_from_slice(&[MYSQL_TYPE_LONGLONG, 0, MYSQL_TYPE_VAR_STRING, 0]);
        want.extend_from_slice(&[1, 0, 2, b'a', b'b']);
        want.push(0);
        want.extend_from_slice(&(-2i64).to_le_bytes());
        want.push(1);
        assert_eq!(arg, want);
        assert_eq!(rows.size(), arg.len());
        let row = [
            BulkValue::Text(&[b'x'; 300]),
            BulkValue::Null,
            BulkValue::Double(1.0),
        ];
        let mut one = BulkRows::new(3);
        let empty = one.size();
        assert!(one.push(&row));
        assert_eq!(one.size() - empty, BulkRows::row_size(&row));
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn a_row_of_other_types_or_length_does_not_fit() {
        let mut rows = BulkRows::new(1);
        assert!(rows.push(&[BulkValue::Int(1)]));
        assert!(!rows.push(&[BulkValue::Text(b"1")]));
        assert!(
            !rows.push(&[BulkValue::UInt(u64::MAX)]),
            "unsigned is a type of its own"
        );
        assert!(!rows.push(&[]));
        assert!(!rows.push(&[BulkValue::Int(1), BulkValue::Int(2)]));
        assert!(rows.push(&[BulkValue::Null]));
        assert_eq!(rows.len(), 2);
        rows.clear();
        assert!(rows.is_empty());
        assert!(
            rows.push(&[BulkValue::Double(0.5)]),
            "a new batch takes new types"
        );
        assert_eq!(rows.argument(1)[6], MYSQL_TYPE_DOUBLE);
    }
}
