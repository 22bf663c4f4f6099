//! Errors at a place in a source file (syntax errors, bad includes), worded
//! the way nginx words them, shown with the line and a caret.

use std::fmt;

use super::lines::{lossy_chars, LineIndex};

/// An error at a place in a file: nginx would refuse to read it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{col}: {message}")]
pub struct SourceError {
    /// Byte offset of the problem.
    pub offset: u32,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
    /// nginx's wording where it has one, e.g. `unexpected "}"`.
    pub message: String,
    /// What was expected there, or what the problem relates to.
    pub hint: Option<String>,
    /// The offending line, without its line break.
    pub line_text: String,
}

impl SourceError {
    /// An error at `offset` in `text`.
    pub fn at(
        text: &[u8],
        offset: usize,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        let lines = LineIndex::new(text);
        let offset = offset.min(text.len()) as u32;
        let position = lines.line_col(text, offset);
        let range = lines.line_range(text, position.line);
        SourceError {
            offset,
            line: position.line,
            col: position.col,
            message: message.into(),
            hint,
            line_text: String::from_utf8_lossy(&text[range]).into_owned(),
        }
    }

    pub(crate) fn too_large(len: usize) -> Self {
        Self::unreadable(format!(
            "file too large ({len} bytes; at most 4 GiB is supported)"
        ))
    }

    /// A file that cannot be read for a reason that has no place in it.
    pub(crate) fn unreadable(message: String) -> Self {
        SourceError {
            offset: 0,
            line: 1,
            col: 1,
            message,
            hint: None,
            line_text: String::new(),
        }
    }

    /// A renderer that prints `path:line:col: message`, the line and a caret.
    pub fn display<'a>(&'a self, path: &'a str) -> impl fmt::Display + 'a {
        Rendered { error: self, path }
    }
}

struct Rendered<'a> {
    error: &'a SourceError,
    path: &'a str,
}

/// Lines longer than this are cut around the caret.
const MAX_SHOWN: usize = 100;

/// A source line as shown under a message: control characters blanked
/// (they would move the cursor; tabs stay, so a caret lines up under
/// them), and a line longer than `max` characters cut to `max` around
/// column `col`, with `...` where it was cut. Returns the text and the
/// 1-based column of `col` in it.
pub fn window(line: &str, col: u32, max: usize) -> (String, u32) {
    let at = line
        .char_indices()
        .nth(col.max(1) as usize - 1)
        .map_or(line.len(), |(i, _)| i);
    window_at(line.as_bytes(), at, max)
}

/// [`window`] of a line given as bytes (read as by [`lossy`]), the caret
/// at byte `at`. Only the bytes around the caret are read, never the
/// whole line: a finding on a one-line configuration of megabytes costs
/// the same as one on a short line, where reading (or copying) the line
/// for each finding made a run quadratic in the line's length.
///
/// [`lossy`]: super::lossy
pub fn window_at(line: &[u8], at: usize, max: usize) -> (String, u32) {
    let at = at.min(line.len());
    // Most lines are short printable ASCII: shown as they are.
    if line.len() <= max
        && line
            .iter()
            .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        let text = String::from_utf8(line.to_vec()).expect("ASCII is UTF-8");
        return (text, at as u32 + 1);
    }
    // A character takes at most 4 bytes: this many bytes from a point hold
    // at least `chars` whole characters (the last one, cut, aside).
    let room = |chars: usize| (chars + 1) * 4 + 3;
    let blank = |c: char| if c.is_control() && c != '\t' { ' ' } else { c };
    let short = line.len() <= max
        || lossy_chars(&line[..line.len().min(room(max))])
            .nth(max)
            .is_none();
    if short {
        let text: String = lossy_chars(line).map(|(_, c)| blank(c)).collect();
        let caret = lossy_chars(&line[..at]).count();
        return (text, caret as u32 + 1);
    }
    // Back from the caret by `max / 2` characters. Decoding from inside a
    // character reads up to 3 bytes as characters of their own before it
    // falls in step with the line; `room` leaves more than `max / 2` whole
    // characters after them.
    let start = at.saturating_sub(room(max / 2));
    let before: Vec<usize> = lossy_chars(&line[start..at])
        .map(|(i, _)| start + i)
        .collect();
    let back = before.len().min(max / 2);
    let from = if back == 0 {
        at
    } else {
        before[before.len() - back]
    };
    let cut_before = from > 0;
    // Forward from there by `max` characters, one more to see whether the
    // line goes on.
    let end = line.len().min(from + room(max));
    let mut shown: Vec<char> = lossy_chars(&line[from..end])
        .take(max + 1)
        .map(|(_, c)| blank(c))
        .collect();
    let cut_after = shown.len() > max;
    shown.truncate(max);
    let (dots_before, dots_after) = (
        if cut_before { "..." } else { "" },
        if cut_after { "..." } else { "" },
    );
    let text: String = shown.into_iter().collect();
    (
        format!("{dots_before}{text}{dots_after}"),
        (back + dots_before.len() + 1) as u32,
    )
}

/// The whitespace that puts a caret under column `col` of `text` (tabs
/// copied, everything else a space).
pub fn caret_indent(text: &str, col: u32) -> String {
    text.chars()
        .take(col.saturating_sub(1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect()
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.error;
        writeln!(f, "{}:{}:{}: {}", self.path, e.line, e.col, e.message)?;
        let number = e.line.to_string();
        let pad = " ".repeat(number.len());
        let (text, col) = window(&e.line_text, e.col, MAX_SHOWN);
        let indent = caret_indent(&text, col);
        writeln!(f, "{pad} |")?;
        writeln!(f, "{number} | {text}")?;
        write!(f, "{pad} | {indent}^")?;
        if let Some(hint) = &e.hint {
            write!(f, " {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_and_caret() {
        let text = b"http {\n\tfoo bar }\n";
        let error = SourceError::at(text, 16, "unexpected \"}\"", Some("expected \";\"".into()));
        assert_eq!((error.line, error.col), (2, 10));
        let shown = error.display("nginx.conf").to_string();
        assert_eq!(
            shown,
            "nginx.conf:2:10: unexpected \"}\"\n  |\n2 | \tfoo bar }\n  | \t        ^ expected \";\""
        );
    }

    /// What [`window`] did before it read only around the caret: the whole
    /// line decoded into characters.
    fn whole_line_window(line: &str, col: u32, max: usize) -> (String, u32) {
        let chars: Vec<char> = line
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
        let caret = (col.max(1) as usize - 1).min(chars.len());
        let (from, to) = if chars.len() <= max {
            (0, chars.len())
        } else {
            let from = caret.saturating_sub(max / 2);
            (from, (from + max).min(chars.len()))
        };
        let before = if from > 0 { "..." } else { "" };
        let after = if to < chars.len() { "..." } else { "" };
        let text: String = chars[from..to].iter().collect();
        (
            format!("{before}{text}{after}"),
            (caret - from + before.len() + 1) as u32,
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]
        /// Cut from the bytes around the caret, a line (invalid UTF-8,
        /// control characters, multi-byte characters and all) shows as when
        /// the whole line was decoded.
        #[test]
        fn a_window_reads_as_the_whole_line_would(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                &b"a"[..], b"listen 80;", b" ", b"\t", b"\x07", "é".as_bytes(), "€".as_bytes(),
                "😀".as_bytes(), b"\xff", b"\xe2\x82", b"\x80", b"\x80\x80\x80\x80", b"\xf0\x9f",
                b"\xc3", b"\xed\xa0\x80",
            ]), 0..120),
            caret in 0usize..1000,
            max in proptest::sample::select(vec![1usize, 2, 7, 10, 20, 100]),
        ) {
            let line: Vec<u8> = pieces.concat();
            let text = String::from_utf8_lossy(&line);
            // The caret on a character: the byte it starts at in the line.
            let starts: Vec<usize> = super::lossy_chars(&line).map(|(i, _)| i).collect();
            let chars = starts.len();
            let col = caret % (chars + 2);
            let at = starts.get(col).copied().unwrap_or(line.len());
            let expected = whole_line_window(&text, col as u32 + 1, max);
            proptest::prop_assert_eq!(window_at(&line, at, max), expected.clone());
            proptest::prop_assert_eq!(window(&text, col as u32 + 1, max), expected);
        }
    }

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let mut text = "x".repeat(500).into_bytes();
        text.extend_from_slice(b" }");
        let error = SourceError::at(&text, 501, "unexpected \"}\"", None);
        let shown = error.display("f").to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert!(
            lines[2].starts_with("1 | ...xxx") && lines[2].ends_with(" }"),
            "{shown}"
        );
        assert!(lines[2].len() < 120);
        let caret = lines[3].find('^').unwrap();
        assert_eq!(&lines[2][caret..caret + 1], "}");
    }
}
