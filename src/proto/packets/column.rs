//! Column definition (ColumnDefinition41) packets of a result set.

use super::super::reader::Reader;
use super::super::writer::{put_lenenc_bytes, put_u16, put_u32};
use super::super::{ProtoError, Result};

/// Length of the fixed-size block after the names (always 0x0C).
const FIXED_LEN: u64 = 0x0C;

/// The six names of a column definition, in wire order, kept in one allocation: a
/// result's columns are decoded on every statement, and six `Vec`s per column were a
/// tenth of a point select's instructions (the allocations and their frees).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Names {
    bytes: Box<[u8]>,
    /// Where each name ends in `bytes` (each starts where the one before ends).
    ends: [u32; 6],
}

/// Which of the six names.
#[derive(Clone, Copy)]
enum Field {
    Catalog,
    Schema,
    Table,
    OrgTable,
    Name,
    OrgName,
}

impl Names {
    /// catalog, schema, table, org_table, name, org_name.
    pub fn new(names: [&[u8]; 6]) -> Names {
        let mut bytes = Vec::with_capacity(names.iter().map(|n| n.len()).sum());
        let mut ends = [0; 6];
        for (end, name) in ends.iter_mut().zip(names) {
            bytes.extend_from_slice(name);
            // decode refuses a packet of 4 GiB or more, so only a caller's own
            // names could overflow this.
            *end = u32::try_from(bytes.len()).expect("column names of 4 GiB or more");
        }
        Names {
            bytes: bytes.into_boxed_slice(),
            ends,
        }
    }

    fn get(&self, which: Field) -> &[u8] {
        let i = which as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    fn all(&self) -> [&[u8]; 6] {
        [
            Field::Catalog,
            Field::Schema,
            Field::Table,
            Field::OrgTable,
            Field::Name,
            Field::OrgName,
        ]
        .map(|n| self.get(n))
    }
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.all().map(String::from_utf8_lossy);
        f.debug_list().entries(text).finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnDefinition {
    pub names: Names,
    /// Collation id (63 = binary).
    pub charset: u16,
    pub column_length: u32,
    pub column_type: u8,
    pub flags: u16,
    pub decimals: u8,
}

impl ColumnDefinition {
    pub fn decode(payload: &[u8]) -> Result<ColumnDefinition> {
        if u32::try_from(payload.len()).is_err() {
            // Names::new keeps u32 offsets (no packet of ours is this long).
            return Err(ProtoError::Malformed("column definition over 4 GiB"));
        }
        let mut r = Reader::new(payload);
        let mut s = || r.lenenc_bytes_not_null();
        let names = Names::new([s()?, s()?, s()?, s()?, s()?, s()?]);
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
            names,
            charset,
            column_length,
            column_type,
            flags,
            decimals,
        })
    }

    pub fn catalog(&self) -> &[u8] {
        self.names.get(Field::Catalog)
    }
    pub fn schema(&self) -> &[u8] {
        self.names.get(Field::Schema)
    }
    pub fn table(&self) -> &[u8] {
        self.names.get(Field::Table)
    }
    pub fn org_table(&self) -> &[u8] {
        self.names.get(Field::OrgTable)
    }
    pub fn name(&self) -> &[u8] {
        self.names.get(Field::Name)
    }
    pub fn org_name(&self) -> &[u8] {
        self.names.get(Field::OrgName)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(22 + self.names.bytes.len());
        for s in self.names.all() {
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
            names: Names::new([b"def", b"", b"", b"", name.as_bytes(), b""]),
            charset,
            column_length: len,
            column_type: ty,
            flags,
            decimals,
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
            names: Names::new([b"def", b"test", b"t", b"t", b"id", b"id"]),
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
        let names = [
            c.catalog(),
            c.schema(),
            c.table(),
            c.org_table(),
            c.name(),
            c.org_name(),
        ];
        assert_eq!(names, [&b"def"[..], b"test", b"t", b"t", b"id", b"id"]);
    }
}
