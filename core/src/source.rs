//! Byte offsets to line and column.

use crate::diagnostic::Position;

/// Start offsets of every line of a text, to turn byte offsets into positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and character column of the byte `offset` (clamped to the text).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset); // 1-based
        let start = self.starts[line - 1];
        let column = text[start..offset].chars().count() + 1;
        Position {
            line: line as u32,
            column: column as u32,
        }
    }

    /// The text of 1-based `line`, without its line break (and without a trailing `\r`).
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let i = (line.max(1) - 1) as usize;
        let start = self.starts.get(i).copied().unwrap_or(text.len());
        let end = self.starts.get(i + 1).map(|e| e - 1).unwrap_or(text.len());
        text[start..end].trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "ab\nçé x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(text, 3), Position { line: 2, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(idx.position(text, x), Position { line: 2, column: 4 });
        assert_eq!(idx.line_text(text, 2), "çé x");
    }

    #[test]
    fn offset_past_end_is_clamped() {
        let text = "a\nb";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 99), Position { line: 2, column: 2 });
    }
}
