//! Byte offset → line and column.

use std::borrow::Cow;

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Start offsets of every line of a file, and the column at points along
/// long lines.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
    /// (byte offset, characters from its line's start to it) about every
    /// [`MARK_EVERY`] bytes along lines longer than that, in file order:
    /// a column is counted from the nearest mark before it, not from the
    /// line's start, so that the columns of a one-line configuration's
    /// findings cost a few hundred bytes each instead of the line up to
    /// them (quadratic in the line's length over all its findings).
    marks: Vec<(u32, u32)>,
}

/// Bytes between two marks of a long line (8 bytes of index each).
const MARK_EVERY: usize = 512;

impl LineIndex {
    /// Index the lines of `text` (LF ends a line; a CR before it is part of
    /// the line's end, as for nginx).
    pub fn new(text: &[u8]) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i as u32 + 1));
        let mut marks = Vec::new();
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(text.len(), |&next| next as usize);
            let (mut from, mut col) = (start as usize, 0u32);
            while end - from > MARK_EVERY {
                // A mark sits where the line's decoding starts a character
                // (any byte but a continuation byte): characters are then
                // counted the same from the mark as from the line's start.
                let Some(at) = (from + MARK_EVERY..end).find(|&at| text[at] & 0xC0 != 0x80) else {
                    break;
                };
                col += lossy(&text[from..at]).chars().count() as u32;
                marks.push((at as u32, col));
                from = at;
            }
        }
        LineIndex { starts, marks }
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
        let start = self.starts[line as usize - 1];
        let end = (offset as usize).min(text.len());
        let mark = self.marks.partition_point(|&(at, _)| at as usize <= end);
        let (from, before) = match mark.checked_sub(1).map(|m| self.marks[m]) {
            Some((at, col)) if at >= start => (at as usize, col),
            _ => (start as usize, 0),
        };
        let col = before + lossy(&text[from..end]).chars().count() as u32 + 1;
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

/// The characters of `bytes` read as [`lossy`] reads them (each invalid
/// sequence one U+FFFD), with the byte offset each starts at. Each run of
/// valid text is checked whole when the first of its characters is taken:
/// a caller wanting a few characters of a long line passes only the bytes
/// around them.
pub fn lossy_chars(bytes: &[u8]) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut at = 0;
    bytes.utf8_chunks().flat_map(move |chunk| {
        let start = at;
        let valid = chunk.valid();
        at += valid.len() + chunk.invalid().len();
        let replaced = (!chunk.invalid().is_empty()).then_some((start + valid.len(), '\u{FFFD}'));
        valid
            .char_indices()
            .map(move |(i, c)| (start + i, c))
            .chain(replaced)
    })
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 300,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]
        /// Columns counted from the marks of long lines are the characters
        /// from the line's start, as [`lossy`] reads them.
        #[test]
        fn columns_on_long_lines_count_from_the_line_start(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                &b"x"[..], b"server_name a.example;", b" ", "é".as_bytes(),
                "😀".as_bytes(), b"\xff", b"\xe2\x82", b"\x80\x80\x80", b"\xf0\x9f",
            ]), 0..600),
            breaks in proptest::collection::vec((0usize..600, proptest::bool::ANY), 0..3),
            probes in proptest::collection::vec(0usize..8000, 20),
        ) {
            // Long lines, a few line breaks between them.
            let mut pieces = pieces;
            for (at, crlf) in breaks {
                pieces.insert(at.min(pieces.len()), if crlf { b"\r\n" } else { b"\n" });
            }
            let text: Vec<u8> = pieces.concat();
            let index = LineIndex::new(&text);
            for probe in probes {
                let offset = probe.min(text.len()) as u32;
                let line_start = text[..offset as usize]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                let col = String::from_utf8_lossy(&text[line_start..offset as usize]).chars().count();
                proptest::prop_assert_eq!(index.line_col(&text, offset).col, col as u32 + 1);
            }
        }
    }

    #[test]
    fn lossy_chars_are_the_characters_of_lossy() {
        for bytes in [
            &b"a\xffb"[..],
            b"\xe2\x82 x",
            "é€😀".as_bytes(),
            b"\x80\x80",
            b"",
        ] {
            let chars: String = lossy_chars(bytes).map(|(_, c)| c).collect();
            assert_eq!(chars, String::from_utf8_lossy(bytes));
            for (at, c) in lossy_chars(bytes) {
                assert!(c == '\u{FFFD}' || bytes[at..].starts_with(c.to_string().as_bytes()));
            }
        }
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
