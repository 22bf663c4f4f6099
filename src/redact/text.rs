//! Pieces of a file's text with their byte offsets, and the ways an
//! argument's raw text is taken apart: at unescaped whitespace, around
//! nginx variables.

/// A piece of a file's text: where it starts in the file, and its bytes as
/// written (quotes and escapes are the file's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece<'a> {
    pub start: u32,
    pub text: &'a str,
}

impl<'a> Piece<'a> {
    /// Where the piece ends in the file.
    pub fn end(&self) -> u32 {
        self.start + self.text.len() as u32
    }

    /// The bytes `from..to` of the piece.
    pub fn slice(&self, from: usize, to: usize) -> Piece<'a> {
        Piece {
            start: self.start + from as u32,
            text: &self.text[from..to],
        }
    }

    /// The piece from byte `from` on.
    pub fn from(&self, from: usize) -> Piece<'a> {
        self.slice(from, self.text.len())
    }

    /// Without leading and trailing characters that match; `None` when
    /// nothing is left.
    pub fn trim_matches(&self, strip: impl Fn(char) -> bool) -> Option<Piece<'a>> {
        let start = self.text.len() - self.text.trim_start_matches(&strip).len();
        let end = self.text.trim_end_matches(&strip).len();
        (start < end).then(|| self.slice(start, end))
    }

    /// The secret part of a value: without leading punctuation (a `-`
    /// after `$var`, an escaped quote) and trailing separators, so the
    /// placeholder neither extends a variable name nor breaks an escape.
    pub fn secret_core(&self) -> Option<Piece<'a>> {
        let start = self.text.len()
            - self
                .text
                .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
                .len();
        let end = self
            .text
            .trim_end_matches(|c: char| {
                c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '\\' | ')' | ']' | '}')
            })
            .len();
        (start < end).then(|| self.slice(start, end))
    }

    /// Split at whitespace that is not escaped with a backslash.
    pub fn split_whitespace(&self) -> Vec<Piece<'a>> {
        let bytes = self.text.as_bytes();
        let mut pieces = Vec::new();
        let mut start = None;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_whitespace() {
                if let Some(s) = start.take() {
                    pieces.push(self.slice(s, i));
                }
                i += 1;
                continue;
            }
            start.get_or_insert(i);
            // An escape pair stays together.
            i += if b == b'\\' && i + 1 < bytes.len() {
                2
            } else {
                1
            };
        }
        if let Some(s) = start {
            pieces.push(self.slice(s, bytes.len().min(self.text.len())));
        }
        pieces
    }

    /// The literal parts between nginx variables (`$name`, `${name}`).
    pub fn literals(&self) -> Vec<Piece<'a>> {
        let bytes = self.text.as_bytes();
        let mut out = Vec::new();
        let mut literal_start = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\\' {
                i += 2;
                continue;
            }
            if bytes[i] != b'$' {
                i += 1;
                continue;
            }
            let end = variable_end(bytes, i);
            if end == i + 1 {
                i += 1; // a lone `$` is literal
                continue;
            }
            if literal_start < i {
                out.push(self.slice(literal_start, i));
            }
            literal_start = end;
            i = end;
        }
        if literal_start < bytes.len() {
            out.push(self.slice(literal_start, bytes.len()));
        }
        out
    }

    /// Whether the piece is made of variables (and nothing else but
    /// punctuation).
    pub fn only_variables(&self) -> bool {
        self.literals()
            .iter()
            .all(|l| !l.text.bytes().any(|b| b.is_ascii_alphanumeric()))
    }
}

/// The end of the variable starting with `$` at `at`: `${name}` or a run of
/// letters, digits and `_`.
fn variable_end(bytes: &[u8], at: usize) -> usize {
    if bytes.get(at + 1) == Some(&b'{') {
        return bytes[at..]
            .iter()
            .position(|&b| b == b'}')
            .map_or(at + 1, |p| at + p + 1);
    }
    let name = bytes[at + 1..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    at + 1 + name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(text: &str) -> Piece<'_> {
        Piece { start: 10, text }
    }

    fn texts<'a>(pieces: &[Piece<'a>]) -> Vec<&'a str> {
        pieces.iter().map(|p| p.text).collect()
    }

    #[test]
    fn splits_at_unescaped_whitespace() {
        let p = piece("Basic  abc\\ def x");
        let parts = p.split_whitespace();
        assert_eq!(texts(&parts), ["Basic", "abc\\ def", "x"]);
        assert_eq!(parts[1].start, 17);
    }

    #[test]
    fn literals_between_variables() {
        assert_eq!(texts(&piece("a$b-c${d}e$").literals()), ["a", "-c", "e$"]);
        assert!(piece("$http_authorization").only_variables());
        assert!(piece("${a}:$b").only_variables());
        assert!(!piece("Bearer $token").only_variables());
    }

    #[test]
    fn secret_core_keeps_separators_outside() {
        assert_eq!(piece("-abc,").secret_core().unwrap().text, "abc");
        assert_eq!(piece("\\\"abc\\\"").secret_core().unwrap().text, "abc");
        assert_eq!(piece("abc==").secret_core().unwrap().text, "abc==");
        assert_eq!(piece("--").secret_core(), None);
    }
}
