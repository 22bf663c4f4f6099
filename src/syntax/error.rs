//! Errors at a place in a source file (syntax errors, bad includes), worded
//! the way nginx words them, shown with the line and a caret.

use std::fmt;

use super::lines::LineIndex;

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
        SourceError {
            offset: 0,
            line: 1,
            col: 1,
            message: format!("file too large ({len} bytes; at most 4 GiB is supported)"),
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

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.error;
        writeln!(f, "{}:{}:{}: {}", self.path, e.line, e.col, e.message)?;
        let number = e.line.to_string();
        let pad = " ".repeat(number.len());
        // Tabs are kept so the caret lines up under them in a terminal.
        let text: String = e
            .line_text
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
        let indent: String = text
            .chars()
            .take(e.col as usize - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
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
}
