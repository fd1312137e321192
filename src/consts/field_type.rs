//! MYSQL_TYPE_* column types and column flags.
pub const MYSQL_TYPE_DECIMAL: u8 = 0;
pub const MYSQL_TYPE_TINY: u8 = 1;
pub const MYSQL_TYPE_SHORT: u8 = 2;
pub const MYSQL_TYPE_LONG: u8 = 3;
pub const MYSQL_TYPE_FLOAT: u8 = 4;
pub const MYSQL_TYPE_DOUBLE: u8 = 5;
pub const MYSQL_TYPE_NULL: u8 = 6;
pub const MYSQL_TYPE_TIMESTAMP: u8 = 7;
pub const MYSQL_TYPE_LONGLONG: u8 = 8;
pub const MYSQL_TYPE_INT24: u8 = 9;
pub const MYSQL_TYPE_DATE: u8 = 10;
pub const MYSQL_TYPE_TIME: u8 = 11;
pub const MYSQL_TYPE_DATETIME: u8 = 12;
pub const MYSQL_TYPE_YEAR: u8 = 13;
pub const MYSQL_TYPE_NEWDATE: u8 = 14;
pub const MYSQL_TYPE_VARCHAR: u8 = 15;
pub const MYSQL_TYPE_BIT: u8 = 16;
pub const MYSQL_TYPE_TIMESTAMP2: u8 = 17;
pub const MYSQL_TYPE_DATETIME2: u8 = 18;
pub const MYSQL_TYPE_TIME2: u8 = 19;
pub const MYSQL_TYPE_VECTOR: u8 = 242;
pub const MYSQL_TYPE_JSON: u8 = 245;
pub const MYSQL_TYPE_NEWDECIMAL: u8 = 246;
pub const MYSQL_TYPE_ENUM: u8 = 247;
pub const MYSQL_TYPE_SET: u8 = 248;
pub const MYSQL_TYPE_TINY_BLOB: u8 = 249;
pub const MYSQL_TYPE_MEDIUM_BLOB: u8 = 250;
pub const MYSQL_TYPE_LONG_BLOB: u8 = 251;
pub const MYSQL_TYPE_BLOB: u8 = 252;
pub const MYSQL_TYPE_VAR_STRING: u8 = 253;
pub const MYSQL_TYPE_STRING: u8 = 254;
pub const MYSQL_TYPE_GEOMETRY: u8 = 255;

pub const NOT_NULL_FLAG: u16 = 1;
pub const PRI_KEY_FLAG: u16 = 2;
pub const UNIQUE_KEY_FLAG: u16 = 4;
pub const MULTIPLE_KEY_FLAG: u16 = 8;
pub const BLOB_FLAG: u16 = 16;
pub const UNSIGNED_FLAG: u16 = 32;
pub const ZEROFILL_FLAG: u16 = 64;
pub const BINARY_FLAG: u16 = 128;
pub const ENUM_FLAG: u16 = 256;
pub const AUTO_INCREMENT_FLAG: u16 = 512;
pub const TIMESTAMP_FLAG: u16 = 1024;
pub const SET_FLAG: u16 = 2048;
pub const NUM_FLAG: u16 = 32768;

/// Numeric columns, which the C client marks with NUM_FLAG (libmariadb's
/// INTERNAL_NUM_FIELD): the integer and decimal types, YEAR, and TIMESTAMP only in its
/// old 8- and 14-digit forms.
pub fn is_num_field(column_type: u8, column_length: u32) -> bool {
    (column_type <= MYSQL_TYPE_INT24
        && (column_type != MYSQL_TYPE_TIMESTAMP || matches!(column_length, 8 | 14)))
        || matches!(column_type, MYSQL_TYPE_YEAR | MYSQL_TYPE_NEWDECIMAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_field_follows_the_c_client() {
        for t in [
            MYSQL_TYPE_TINY,
            MYSQL_TYPE_LONGLONG,
            MYSQL_TYPE_INT24,
            MYSQL_TYPE_DOUBLE,
        ] {
            assert!(is_num_field(t, 11), "{t}");
        }
        assert!(is_num_field(MYSQL_TYPE_YEAR, 4));
        assert!(is_num_field(MYSQL_TYPE_NEWDECIMAL, 10));
        assert!(is_num_field(MYSQL_TYPE_TIMESTAMP, 14));
        assert!(is_num_field(MYSQL_TYPE_TIMESTAMP, 8));
        assert!(!is_num_field(MYSQL_TYPE_TIMESTAMP, 19));
        for t in [
            MYSQL_TYPE_DATE,
            MYSQL_TYPE_VARCHAR,
            MYSQL_TYPE_BIT,
            MYSQL_TYPE_BLOB,
        ] {
            assert!(!is_num_field(t, 11), "{t}");
        }
    }
}
