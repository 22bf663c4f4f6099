//! Byte offset → line and column.

use std::borrow::Cow;

use super::tree::LineCol;

/// Start offsets of every line of a file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    /// Index the lines of `text` (LF ends a line; a CR before it is part of
    /// the line's end, as for nginx).
    pub fn new(text: &[u8]) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i as u32 + 1));
        LineIndex { starts }
    }

    /// Number of lines (a file ending in LF has an empty last line).
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Always false: even an empty file has one (empty) line.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: u32) -> u32 {
        self.starts.partition_point(|&s| s <= offset) as u32
    }

    /// 1-based line and column; the column counts characters (each invalid
    /// UTF-8 byte counts as one).
    pub fn line_col(&self, text: &[u8], offset: u32) -> LineCol {
        let line = self.line(offset);
        let start = self.starts[line as usize - 1] as usize;
        let end = (offset as usize).min(text.len());
        let col = lossy(&text[start..end]).chars().count() as u32 + 1;
        LineCol { line, col }
    }

    /// The byte range of a 1-based line, without its line break.
    pub fn line_range(&self, text: &[u8], line: u32) -> std::ops::Range<usize> {
        let start = self.starts[line as usize - 1] as usize;
        let mut end = self
            .starts
            .get(line as usize)
            .map_or(text.len(), |&next| next as usize - 1);
        if end > start && text[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }
}

/// `bytes` as text, each invalid UTF-8 sequence replaced by U+FFFD, like
/// [`String::from_utf8_lossy`] but borrowing valid text after the standard
/// library's word-at-a-time check: `from_utf8_lossy` walks valid text a byte
/// at a time, and words, lines and excerpts are read this way by the
/// hundred thousand on large trees.
pub fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let text = b"ab\r\ncd\n\xc3\xa9x";
        let index = LineIndex::new(text);
        assert_eq!(index.len(), 3);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, col: 1 });
        assert_eq!(index.line_col(text, 4), LineCol { line: 2, col: 1 });
        assert_eq!(index.line_col(text, 9), LineCol { line: 3, col: 2 });
        assert_eq!(&text[index.line_range(text, 1)], b"ab");
        assert_eq!(&text[index.line_range(text, 3)], b"\xc3\xa9x");
    }

    #[test]
    fn lossy_borrows_valid_text_and_replaces_like_the_standard_library() {
        assert!(matches!(lossy("é;".as_bytes()), Cow::Borrowed("é;")));
        for bytes in [
            &b"a\xffb"[..],
            b"\xe2\x82",
            b"x\xc3",
            b"\xf0\x9f\x98\x80\xff",
        ] {
            assert_eq!(lossy(bytes), String::from_utf8_lossy(bytes));
        }
        // A cut sequence is one character in a column, as before.
        let text = b"\xe2\x82 x";
        assert_eq!(LineIndex::new(text).line_col(text, 3).col, 3);
    }
}
