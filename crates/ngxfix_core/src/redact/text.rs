//! Pieces of a file's text with their byte offsets, and the ways an
//! argument's raw text is taken apart: at unescaped whitespace, around
//! nginx variables, into the value that follows a name; and text decoded
//! from an nginx quoted string, with the way back to the file's bytes.

/// How a `$` reads in a piece of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dollar {
    /// An nginx argument: `$name` and `${name}` are variables.
    Variable,
    /// Text nginx does not interpolate (a comment, Lua or Perl code, an
    /// `env` value): `$` is a character like any other.
    Literal,
}

/// A piece of a file's text: where it starts in the file, and its bytes as
/// written (quotes and escapes are the file's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Piece<'a> {
    pub start: u32,
    pub text: &'a str,
    pub dollar: Dollar,
}

impl<'a> Piece<'a> {
    /// A piece of an nginx argument, starting at byte `start` of the file.
    pub fn new(start: u32, text: &'a str) -> Piece<'a> {
        Piece {
            start,
            text,
            dollar: Dollar::Variable,
        }
    }

    /// The same piece, read as text nginx does not interpolate.
    pub(crate) fn literal(self) -> Piece<'a> {
        Piece {
            dollar: Dollar::Literal,
            ..self
        }
    }

    /// Where the piece ends in the file.
    pub fn end(&self) -> u32 {
        self.start + self.text.len() as u32
    }

    /// The bytes `from..to` of the piece.
    pub fn slice(&self, from: usize, to: usize) -> Piece<'a> {
        Piece {
            start: self.start + from as u32,
            text: &self.text[from..to],
            dollar: self.dollar,
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
    pub(crate) fn secret_core(&self) -> Option<Piece<'a>> {
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

    /// The literal parts between nginx variables (`$name`, `${name}`): the
    /// whole piece where `$` is literal.
    pub(crate) fn literals(&self) -> Vec<Piece<'a>> {
        self.split_at_variables(false)
    }

    /// The parts of a secret value nginx does not compute: the literal
    /// parts, where a `$name` written right after a letter or digit of a
    /// literal (`Xk9$Qz`) belongs to it. A password holding `$` is written
    /// that way; a variable meant to follow text is set off by a separator
    /// (`key-$host`) or braces (`key${host}`).
    pub(crate) fn secret_literals(&self) -> Vec<Piece<'a>> {
        self.split_at_variables(true)
    }

    fn split_at_variables(&self, glued_is_literal: bool) -> Vec<Piece<'a>> {
        if self.dollar == Dollar::Literal {
            return if self.text.is_empty() {
                Vec::new()
            } else {
                vec![*self]
            };
        }
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
            let glued = glued_is_literal
                && literal_start < i
                && bytes[i - 1].is_ascii_alphanumeric()
                && bytes[i + 1] != b'{';
            if glued {
                i = end;
                continue;
            }
            if literal_start < i {
                out.push(self.slice(literal_start, i));
            }
            literal_start = end;
            i = end;
        }
        if literal_start < bytes.len() {
            out.push(self.slice(literal_start.min(bytes.len()), bytes.len()));
        }
        out
    }

    /// Whether the piece is made of variables (and nothing else but
    /// punctuation).
    pub(crate) fn only_variables(&self) -> bool {
        self.literals()
            .iter()
            .all(|l| !l.text.bytes().any(|b| b.is_ascii_alphanumeric()))
    }
}

impl<'a> Piece<'a> {
    /// The value written at the start of the piece, as after `password=`,
    /// `"api_key":` or `password is`: inside its quotes when quoted (`"x"`,
    /// `'x'`, or `\"x\"` inside an nginx string), else the whole token, up
    /// to whitespace or a `&`, `,` or `;` that starts the next `name=` (a
    /// query string, a JSON object, a connection string). A `$`, `#`, `;`
    /// or quote inside the token belongs to the value.
    pub fn value(&self) -> Option<Piece<'a>> {
        let text = self.text;
        for quote in ["\\\"", "\\'", "\"", "'"] {
            if let Some(rest) = text.strip_prefix(quote) {
                let start = quote.len();
                let len = closing_quote(rest, quote).unwrap_or(rest.len());
                return (len > 0).then(|| self.slice(start, start + len));
            }
        }
        let bytes = text.as_bytes();
        let mut end = 0;
        while end < bytes.len() && !bytes[end].is_ascii_whitespace() {
            if matches!(bytes[end], b'&' | b',' | b';') && starts_field(&text[end + 1..]) {
                break;
            }
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let end = end.min(bytes.len());
        (end > 0).then(|| self.slice(0, end))
    }
}

/// Where the quoted text `rest` ends: the first `quote` not escaped by a
/// backslash (for an escaped quote `\"`, the next `\"`).
fn closing_quote(rest: &str, quote: &str) -> Option<usize> {
    let (bytes, quote) = (rest.as_bytes(), quote.as_bytes());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(quote) {
            return Some(i);
        }
        i += if bytes[i] == b'\\' && quote.len() == 1 {
            2
        } else {
            1
        };
    }
    None
}

/// Whether text starts a `name=` or `"name":` field, after spaces.
fn starts_field(text: &str) -> bool {
    let text = text.trim_start_matches([' ', '\t', '\\', '"', '\'']);
    let name = text
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        .count();
    name > 0
        && text[name..]
            .trim_start_matches(['\\', '"', '\'', ' '])
            .starts_with(['=', ':'])
}

/// The text an nginx word stands for, its escapes (`\"`, `\'`, `\\`,
/// `\n`, `\r`, `\t`) read as `ngx_conf_read_token()` reads them, with the
/// byte of the file each of its bytes came from: code written inside an
/// nginx string (`access_by_lua 'local k = \'x\''`) is read as the
/// interpreter reads it, and what is found in it is redacted in the file.
pub(crate) struct Decoded {
    pub text: String,
    /// For each byte of `text` (and one past its end), its offset in the
    /// piece it was decoded from.
    origins: Vec<u32>,
    start: u32,
}

impl Decoded {
    /// Decode the raw text of a word (inside its quotes).
    pub fn new(raw: Piece<'_>) -> Decoded {
        let bytes = raw.text.as_bytes();
        let mut text = Vec::with_capacity(bytes.len());
        let mut origins = Vec::with_capacity(bytes.len() + 1);
        let mut i = 0;
        while i < bytes.len() {
            let (byte, width) = match (bytes[i], bytes.get(i + 1)) {
                (b'\\', Some(&c @ (b'"' | b'\'' | b'\\'))) => (c, 2),
                (b'\\', Some(b'n')) => (b'\n', 2),
                (b'\\', Some(b'r')) => (b'\r', 2),
                (b'\\', Some(b't')) => (b'\t', 2),
                (b, _) => (b, 1),
            };
            text.push(byte);
            origins.push(i as u32);
            i += width;
        }
        origins.push(bytes.len() as u32);
        Decoded {
            // Escapes are ASCII and replace ASCII: UTF-8 stays whole.
            text: String::from_utf8(text).expect("decoding keeps UTF-8"),
            origins,
            start: raw.start,
        }
    }

    /// The decoded text as a piece of its own (offsets from 0).
    pub fn piece(&self) -> Piece<'_> {
        Piece::new(0, &self.text).literal()
    }

    /// Where the decoded bytes `start..end` were written in the file.
    pub(crate) fn to_file(&self, start: u32, end: u32) -> (u32, u32) {
        (
            self.start + self.origins[start as usize],
            self.start + self.origins[end as usize],
        )
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
        Piece::new(10, text)
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
