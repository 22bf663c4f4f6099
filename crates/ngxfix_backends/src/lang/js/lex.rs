//! A small JavaScript/TypeScript tokenizer: enough to find assignments,
//! calls and object literals while skipping comments, strings, template
//! literals and regular expressions, whose text is never code.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Ident,
    Num,
    /// A quoted string; its text includes the quotes.
    Str,
    Template,
    Regex,
    Punct,
}

/// A token: its kind, byte range, and whether a line break comes before it
/// (which matters where JavaScript inserts semicolons).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) newline_before: bool,
}

/// The tokens of `text` with, for each bracket, the index of its partner.
pub(crate) struct Tokens<'a> {
    pub(crate) text: &'a str,
    pub(crate) toks: Vec<Token>,
    /// For `(`, `[`, `{` and their closers: the partner's index.
    pub(crate) partner: Vec<Option<usize>>,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let toks = tokenize(text);
        let partner = partners(text, &toks);
        Tokens {
            text,
            toks,
            partner,
        }
    }

    /// The text of token `i` (empty past the end).
    pub(crate) fn s(&self, i: usize) -> &'a str {
        self.toks.get(i).map_or("", |t| &self.text[t.start..t.end])
    }

    /// Whether token `i` is the punctuator or identifier `what`.
    pub(crate) fn is(&self, i: usize, what: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| matches!(t.kind, Kind::Punct | Kind::Ident) && self.s(i) == what)
    }

    pub(crate) fn kind(&self, i: usize) -> Option<Kind> {
        self.toks.get(i).map(|t| t.kind)
    }

    /// The content of a string token without its quotes.
    pub(crate) fn str_value(&self, i: usize) -> Option<&'a str> {
        let t = self.toks.get(i)?;
        let raw = &self.text.as_bytes()[t.start..t.end];
        // An unterminated string (cut at its line's end) has no value.
        if t.kind != Kind::Str || raw.len() < 2 || raw[raw.len() - 1] != raw[0] {
            return None;
        }
        Some(&self.text[t.start + 1..t.end - 1])
    }

    pub(crate) fn len(&self) -> usize {
        self.toks.len()
    }
}

const OPERATORS: &[&str] = &[
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=",
    "<=", ">=", "&&", "||", "??", "?.", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "**", "++",
    "--", "<<", ">>",
];

/// Keywords after which a `/` starts a regular expression.
const EXPRESSION_KEYWORDS: &[&str] = &[
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "instanceof",
    "yield",
    "await",
];

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b == b'#' || b >= 0x80
}

fn is_ident_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut toks: Vec<Token> = Vec::new();
    let mut i = crate::text::bom_len(text);
    if bytes[i..].starts_with(b"#!") {
        i = line_end(bytes, i);
    }
    let mut newline = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            newline = true;
            i += 1;
            continue;
        }
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if bytes[i..].starts_with(b"//") {
            i = line_end(bytes, i);
            continue;
        }
        if bytes[i..].starts_with(b"/*") {
            let end = find(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2);
            newline |= bytes[i..end].contains(&b'\n');
            i = end;
            continue;
        }
        let (kind, end) = scan_token(bytes, i, toks.last().map(|t| (t, text)));
        toks.push(Token {
            kind,
            start: i,
            end,
            newline_before: newline,
        });
        newline = false;
        i = end;
    }
    toks
}

/// The kind and end of the token starting at `i`.
fn scan_token(bytes: &[u8], i: usize, prev: Option<(&Token, &str)>) -> (Kind, usize) {
    let b = bytes[i];
    if is_ident_start(b) {
        let mut j = i + 1;
        while j < bytes.len() && is_ident_part(bytes[j]) {
            j += 1;
        }
        return (Kind::Ident, j);
    }
    if b.is_ascii_digit() || (b == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
        return (Kind::Num, number_end(bytes, i));
    }
    match b {
        b'"' | b'\'' => return (Kind::Str, string_end(bytes, i)),
        b'`' => return (Kind::Template, template_end(bytes, i)),
        b'/' if regex_allowed(prev) => {
            if let Some(end) = regex_end(bytes, i) {
                return (Kind::Regex, end);
            }
        }
        _ => {}
    }
    let op = OPERATORS
        .iter()
        .find(|op| bytes[i..].starts_with(op.as_bytes()));
    // Punctuators are ASCII; any other byte is taken whole with its
    // continuation bytes so that slices stay on character boundaries.
    let len = op.map_or_else(|| utf8_len(b), |op| op.len());
    (Kind::Punct, (i + len).min(bytes.len()))
}

fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn regex_allowed(prev: Option<(&Token, &str)>) -> bool {
    let Some((t, text)) = prev else {
        return true;
    };
    let s = &text[t.start..t.end];
    match t.kind {
        Kind::Ident => EXPRESSION_KEYWORDS.contains(&s),
        Kind::Punct => !matches!(s, ")" | "]" | "}" | "++" | "--"),
        _ => false,
    }
}

fn line_end(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| i + p)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn number_end(bytes: &[u8], i: usize) -> usize {
    let radix_prefix = bytes[i] == b'0'
        && matches!(
            bytes.get(i + 1),
            Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')
        );
    let mut j = i;
    while j < bytes.len() {
        let c = bytes[j];
        let exponent_sign = !radix_prefix
            && (c == b'+' || c == b'-')
            && j > i
            && matches!(bytes[j - 1], b'e' | b'E');
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// The end of a quoted string; an unterminated one ends at the line end.
fn string_end(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'\n' => return j,
            c if c == quote => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// The end of a template literal, skipping the code in `${...}`.
fn template_end(bytes: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'`' => return j + 1,
            b'$' if bytes.get(j + 1) == Some(&b'{') => j = code_block_end(bytes, j + 2),
            _ => j += 1,
        }
    }
    bytes.len()
}

/// The end of code inside `${...}`: just past its closing brace.
fn code_block_end(bytes: &[u8], mut j: usize) -> usize {
    let mut depth = 0usize;
    while j < bytes.len() {
        match bytes[j] {
            b'{' => depth += 1,
            b'}' if depth == 0 => return j + 1,
            b'}' => depth -= 1,
            b'"' | b'\'' => {
                j = string_end(bytes, j);
                continue;
            }
            b'`' => {
                j = template_end(bytes, j);
                continue;
            }
            b'/' if bytes.get(j + 1) == Some(&b'/') => {
                j = line_end(bytes, j);
                continue;
            }
            b'/' if bytes.get(j + 1) == Some(&b'*') => {
                j = find(bytes, j + 2, b"*/").map_or(bytes.len(), |e| e + 2);
                continue;
            }
            _ => {}
        }
        j += 1;
    }
    bytes.len()
}

/// The end of a regular expression literal with its flags, or `None` when
/// the line ends first (then the `/` was a division).
fn regex_end(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let mut in_class = false;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 1,
            b'\n' => return None,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'/' if !in_class => {
                j += 1;
                while j < bytes.len() && is_ident_part(bytes[j]) && bytes[j] < 0x80 {
                    j += 1;
                }
                return Some(j);
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// Matches brackets; unbalanced ones have no partner.
fn partners(text: &str, toks: &[Token]) -> Vec<Option<usize>> {
    let mut out = vec![None; toks.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.kind != Kind::Punct {
            continue;
        }
        let s = &text[t.start..t.end];
        let open = match s {
            "(" | "[" | "{" => {
                stack.push(i);
                continue;
            }
            ")" => "(",
            "]" => "[",
            "}" => "{",
            _ => continue,
        };
        // Skip unclosed openers of another kind, as a forgiving parser would.
        if let Some(pos) = stack
            .iter()
            .rposition(|&o| &text[toks[o].start..toks[o].end] == open)
        {
            let o = stack[pos];
            stack.truncate(pos);
            out[o] = Some(i);
            out[i] = Some(o);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, String)> {
        let t = Tokens::new(text);
        (0..t.len())
            .map(|i| (t.toks[i].kind, t.s(i).to_string()))
            .collect()
    }

    #[test]
    fn comments_strings_and_regexes_are_not_code() {
        let got =
            kinds("a = 'x.keepAliveTimeout = 1' // b.c = 2\n/* d = 3 */ e = /=5/g; f = 4 / 2");
        let texts: Vec<&str> = got.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            texts,
            [
                "a",
                "=",
                "'x.keepAliveTimeout = 1'",
                "e",
                "=",
                "/=5/g",
                ";",
                "f",
                "=",
                "4",
                "/",
                "2"
            ]
        );
        assert_eq!(got[5].0, Kind::Regex);
    }

    #[test]
    fn templates_skip_their_code() {
        let got = kinds("x = `a ${ {b: `c`}.b } d` ; y");
        let texts: Vec<&str> = got.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(texts, ["x", "=", "`a ${ {b: `c`}.b } d`", ";", "y"]);
    }

    #[test]
    fn numbers_and_operators() {
        let got = kinds("65_000 65e3 1.5e+3 0x1F === => ?. a");
        let texts: Vec<&str> = got.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            texts,
            ["65_000", "65e3", "1.5e+3", "0x1F", "===", "=>", "?.", "a"]
        );
    }

    #[test]
    fn brackets_pair_and_lines_are_seen() {
        let t = Tokens::new("f(a, {b: [1]})\ng");
        assert_eq!(t.partner[1], Some(11));
        assert_eq!(t.partner[4], Some(10));
        assert_eq!(t.partner[11], Some(1));
        assert!(t.toks[12].newline_before);
        assert!(!t.toks[1].newline_before);
    }

    #[test]
    fn odd_bytes_do_not_panic() {
        for s in [
            "\u{feff}x",
            "é = 1",
            "'unterminated",
            "`${",
            "/* open",
            "#!/usr/bin/env node\nx",
            "a /",
            "€",
        ] {
            let t = Tokens::new(s);
            for i in 0..t.len() {
                let _ = t.s(i);
            }
        }
    }
}
