//! Column definition (ColumnDefinition41) packets of a result set.

use super::super::Result;

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
        todo!()
    }
    pub fn encode(&self) -> Vec<u8> {
        todo!()
    }
}
