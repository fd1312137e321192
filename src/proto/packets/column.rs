//! Column definition (ColumnDefinition41) packets of a result set.

use super::super::reader::Reader;
use super::super::writer::{put_lenenc_bytes, put_u16, put_u32};
use super::super::{ProtoError, Result};

/// Length of the fixed-size block after the names (always 0x0C).
const FIXED_LEN: u64 = 0x0C;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnDefinition {
    pub catalog: Vec<u8>,
    pub schema: Vec<u8>,
    pub table: Vec<u8>,
    pub org_table: Vec<u8>,
    pub name: Vec<u8>,
    pub org_name: Vec<u8>,
    /// Collation id (63 = binary).
    pub charset: u16,
    pub column_length: u32,
    pub column_type: u8,
    pub flags: u16,
    pub decimals: u8,
}

impl ColumnDefinition {
    pub fn decode(payload: &[u8]) -> Result<ColumnDefinition> {
        let mut r = Reader::new(payload);
        let mut s = || r.lenenc_bytes_not_null().map(<[u8]>::to_vec);
        let (catalog, schema, table, org_table, name, org_name) =
            (s()?, s()?, s()?, s()?, s()?, s()?);
        if r.lenenc_int_not_null()? < FIXED_LEN - 2 {
            return Err(ProtoError::Malformed(
                "column definition fixed block too short",
            ));
        }
        let charset = r.u16()?;
        let column_length = r.u32()?;
        let column_type = r.u8()?;
        let flags = r.u16()?;
        let decimals = r.u8()?;
        // The 2 filler bytes that follow are not always sent; ignore whatever is left.
        Ok(ColumnDefinition {
            catalog,
            schema,
            table,
            org_table,
            name,
            org_name,
            charset,
            column_length,
            column_type,
            flags,
            decimals,
        })
    }
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            22 + self.catalog.len()
                + self.schema.len()
                + self.table.len()
                + self.org_table.len()
                + self.name.len()
                + self.org_name.len(),
        );
        for s in [
            &self.catalog,
            &self.schema,
            &self.table,
            &self.org_table,
            &self.name,
            &self.org_name,
        ] {
            put_lenenc_bytes(&mut out, s);
        }
        out.push(FIXED_LEN as u8);
        put_u16(&mut out, self.charset);
        put_u32(&mut out, self.column_length);
        out.push(self.column_type);
        put_u16(&mut out, self.flags);
        out.push(self.decimals);
        out.extend_from_slice(&[0, 0]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::testutil::{all_prefixes, captured};
    use super::*;
    use crate::consts::field_type::*;

    fn col(
        name: &str,
        charset: u16,
        len: u32,
        ty: u8,
        flags: u16,
        decimals: u8,
    ) -> ColumnDefinition {
        ColumnDefinition {
            catalog: b"def".to_vec(),
            name: name.as_bytes().to_vec(),
            charset,
            column_length: len,
            column_type: ty,
            flags,
            decimals,
            ..Default::default()
        }
    }

    #[test]
    fn captured_columns() {
        let bin = NOT_NULL_FLAG | BINARY_FLAG;
        let cases = [
            ("select1_col0", col("1", 63, 1, MYSQL_TYPE_LONG, bin, 0)),
            ("types_col0", col("i", 63, 1, MYSQL_TYPE_LONG, bin, 0)),
            (
                "types_col1",
                col("s", 45, 12, MYSQL_TYPE_VAR_STRING, NOT_NULL_FLAG, 39),
            ),
            (
                "types_col2",
                col("n", 63, 0, MYSQL_TYPE_NULL, BINARY_FLAG, 0),
            ),
            ("types_col3", col("d", 63, 5, MYSQL_TYPE_NEWDECIMAL, bin, 2)),
            (
                "types_col4",
                col("dt", 63, 19, MYSQL_TYPE_DATETIME, BINARY_FLAG, 0),
            ),
            (
                "types_col5",
                col("b", 63, 2, MYSQL_TYPE_VAR_STRING, bin | UNSIGNED_FLAG, 0),
            ),
            (
                "warn_col0",
                col("'a' + 1", 63, 23, MYSQL_TYPE_DOUBLE, bin, 31),
            ),
            (
                "warnings_col0",
                col("Level", 45, 28, MYSQL_TYPE_VAR_STRING, NOT_NULL_FLAG, 39),
            ),
            (
                "warnings_col1",
                col("Code", 63, 4, MYSQL_TYPE_LONG, bin | UNSIGNED_FLAG, 0),
            ),
            (
                "warnings_col2",
                col(
                    "Message",
                    45,
                    2048,
                    MYSQL_TYPE_VAR_STRING,
                    NOT_NULL_FLAG,
                    39,
                ),
            ),
        ];
        for (label, want) in &cases {
            let p = captured("a", label);
            let c = ColumnDefinition::decode(&p).unwrap();
            assert_eq!(&c, want, "{label}");
            assert_eq!(c.encode(), p, "{label}");
            all_prefixes(&p, ColumnDefinition::decode);
        }
        assert_eq!(
            ColumnDefinition::decode(&captured("b", "select1_col0")).unwrap(),
            cases[0].1
        );
    }

    #[test]
    fn with_table_names_and_missing_filler() {
        let c = ColumnDefinition {
            catalog: b"def".to_vec(),
            schema: b"test".to_vec(),
            table: b"t".to_vec(),
            org_table: b"t".to_vec(),
            name: b"id".to_vec(),
            org_name: b"id".to_vec(),
            charset: 63,
            column_length: 11,
            column_type: MYSQL_TYPE_LONG,
            flags: NOT_NULL_FLAG | PRI_KEY_FLAG | AUTO_INCREMENT_FLAG,
            decimals: 0,
        };
        let bytes = c.encode();
        assert_eq!(ColumnDefinition::decode(&bytes).unwrap(), c);
        assert_eq!(
            ColumnDefinition::decode(&bytes[..bytes.len() - 2]).unwrap(),
            c
        );
        assert!(ColumnDefinition::decode(&bytes[..bytes.len() - 3]).is_err());
    }
}
