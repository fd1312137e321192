//! Text-protocol result rows: one length-encoded string per column, 0xFB for NULL.

use super::super::Result;

/// Iterates the cells of one text row without copying.
pub struct TextRow<'a> {
    reader: super::super::Reader<'a>,
}

impl<'a> TextRow<'a> {
    pub fn new(payload: &'a [u8]) -> Self {
        TextRow {
            reader: super::super::Reader::new(payload),
        }
    }
    /// The next cell: `Ok(None)` for SQL NULL. Errors when the row is shorter than it claims.
    pub fn next_cell(&mut self) -> Result<Option<&'a [u8]>> {
        self.reader.lenenc_bytes()
    }
    /// True when every byte of the row has been consumed.
    pub fn at_end(&self) -> bool {
        self.reader.is_empty()
    }
}
