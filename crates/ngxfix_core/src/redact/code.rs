//! Secrets in code embedded in a configuration: Lua (OpenResty's
//! `*_by_lua_block` bodies and `*_by_lua` strings) and Perl (`perl_set`,
//! `perl`).
//!
//! A small lexer per language finds strings and comments the way the
//! interpreter does (for Lua, the rules the grammar's `lua_item` follows
//! in grammar/nginx.pest: short strings with backslash escapes, long
//! brackets `[==[ ]==]`, `--` and `--[[ ]]` comments), and one walker reads
//! each string in its context: the value of a credential's name
//! (`local password = "x"`, `{ Authorization = "Bearer x" }`,
//! `headers["X-Api-Key"] = "x"`, `password => "x"`), a header set by name
//! (`set_header("X-Token", "x")`), an argument of a credential call
//! (`red:auth("x")`), what `set_by_lua $token` or `perl_set $sig` returns.
//! Comments and every string are also read as prose. Only the insides of
//! strings and comments are ever redacted, so the code still lexes as it
//! did.

use super::detect;
use super::names::{is_credential_call, is_credential_name, is_sensitive_name};
use super::text::{Decoded, Piece};
use super::{Found, Kind};

/// A language of embedded code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Lua,
    Perl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A name (a Perl variable without its sigil) or a keyword.
    Word,
    /// A number.
    Number,
    /// The contents of a string (inside its quotes or long brackets).
    Str,
    /// The text of a comment (after `--` or `#`, inside `--[[ ]]`).
    Comment,
    /// An operator or punctuation.
    Punct,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Tok,
    piece: Piece<'a>,
}

impl Token<'_> {
    fn is(&self, punct: &str) -> bool {
        self.kind == Tok::Punct && self.piece.text == punct
    }
}

/// Words that join values into one (`os.getenv("X") or "fallback"`).
const OPERATOR_WORDS: &[&str] = &["or", "and", "not", "eq", "ne", "x"];

/// Statement keywords: a value assigned before one is complete.
const KEYWORDS: &[&str] = &[
    "local", "return", "if", "then", "else", "elseif", "end", "do", "for", "while", "function",
    "repeat", "until", "my", "our", "sub", "unless", "foreach", "elsif",
];

/// Secrets in code written as is (a `*_by_lua_block` body). `returns` is the
/// variable the code's `return` value sets (`set_by_lua_block $token`):
/// what is returned is secret when the variable's name is.
pub(crate) fn code(piece: Piece<'_>, lang: Lang, returns: Option<&str>, out: &mut Vec<Found>) {
    let tokens = lex(piece.literal(), lang);
    Walker::new(returns.filter(|v| is_sensitive_name(v))).walk(&tokens, out);
}

/// Secrets in code written inside an nginx string (`access_by_lua
/// '...'`, `perl_set $x 'sub { ... }'`): read as the interpreter reads it,
/// escapes undone, and redacted in the file.
pub(crate) fn code_in_word(
    raw: Piece<'_>,
    lang: Lang,
    returns: Option<&str>,
    out: &mut Vec<Found>,
) {
    let decoded = Decoded::new(raw);
    let mut found = Vec::new();
    code(decoded.piece(), lang, returns, &mut found);
    out.extend(found.into_iter().map(|f| {
        let (start, end) = decoded.to_file(f.start, f.end);
        Found { start, end, ..f }
    }));
}

/// The contents of the strings and comments of Lua code: where a secret
/// found elsewhere may be replaced without changing how the code lexes.
pub(crate) fn lua_text_ranges(piece: Piece<'_>) -> Vec<(u32, u32)> {
    lex(piece, Lang::Lua)
        .into_iter()
        .filter(|t| matches!(t.kind, Tok::Str | Tok::Comment))
        .map(|t| (t.piece.start, t.piece.end()))
        .collect()
}

/// A call being read: its function's name, the depth of its arguments,
/// and its string arguments by position.
struct Call<'a> {
    name: &'a str,
    depth: usize,
    index: usize,
    strings: Vec<(usize, Piece<'a>)>,
}

/// Reads tokens in order, keeping track of brackets, of the credential a
/// value is being assigned to, and of the calls being read.
struct Walker<'r, 'a> {
    /// The sensitive variable the code's `return` sets, if any.
    returns: Option<&'r str>,
    depth: usize,
    /// The credential's name the value at this depth is assigned to.
    target: Option<(String, usize)>,
    calls: Vec<Call<'a>>,
}

impl<'r, 'a> Walker<'r, 'a> {
    fn new(returns: Option<&'r str>) -> Self {
        Walker {
            returns,
            depth: 0,
            target: None,
            calls: Vec::new(),
        }
    }

    fn walk(mut self, tokens: &[Token<'a>], out: &mut Vec<Found>) {
        for t in tokens.iter().filter(|t| t.kind == Tok::Comment) {
            detect::free_text(t.piece, true, out);
        }
        let code: Vec<Token<'a>> = tokens
            .iter()
            .copied()
            .filter(|t| t.kind != Tok::Comment)
            .collect();
        for (i, t) in code.iter().enumerate() {
            let before = |n: usize| i.checked_sub(n).map(|j| code[j]);
            match t.kind {
                Tok::Str => self.string(*t, before(1), code.get(i + 1).copied(), out),
                Tok::Word if KEYWORDS.contains(&t.piece.text) => {
                    self.target = match (t.piece.text, self.returns) {
                        ("return", Some(name)) => Some((name.to_string(), self.depth)),
                        _ => None,
                    };
                }
                Tok::Punct => self.punct(i, &code, out),
                _ => {}
            }
        }
    }

    fn string(
        &mut self,
        s: Token<'a>,
        previous: Option<Token<'a>>,
        next: Option<Token<'a>>,
        out: &mut Vec<Found>,
    ) {
        detect::free_text(s.piece, true, out);
        // A name (`["X-Api-Key"] =`, `'password' =>`), not a value.
        if next.is_some_and(|n| n.is("=") || n.is("=>") || n.is("]")) {
            return;
        }
        if let Some(call) = self.calls.last_mut().filter(|c| c.depth == self.depth) {
            call.strings.push((call.index, s.piece));
        }
        // `require "x"`: the argument of a call written without brackets.
        let call_argument = previous.is_some_and(|p| {
            p.kind == Tok::Word
                && !KEYWORDS.contains(&p.piece.text)
                && !OPERATOR_WORDS.contains(&p.piece.text)
        });
        match &self.target {
            Some((name, depth)) if *depth == self.depth && !call_argument => {
                detect::credential_value(name, s.piece, Kind::Assignment, out);
            }
            _ => {}
        }
    }

    fn punct(&mut self, i: usize, code: &[Token<'a>], out: &mut Vec<Found>) {
        let t = code[i];
        match t.piece.text {
            "=" | "=>" => {
                self.target = assigned_name(&code[..i])
                    .filter(|n| is_credential_name(n))
                    .map(|n| (n.to_string(), self.depth));
            }
            "(" | "{" | "[" => {
                if t.piece.text == "(" {
                    if let Some(name) = i.checked_sub(1).map(|j| code[j]) {
                        if name.kind == Tok::Word {
                            self.calls.push(Call {
                                name: name.piece.text,
                                depth: self.depth + 1,
                                index: 0,
                                strings: Vec::new(),
                            });
                        }
                    }
                }
                self.depth += 1;
            }
            ")" | "}" | "]" => {
                if self.calls.last().is_some_and(|c| c.depth == self.depth) {
                    let call = self.calls.pop().expect("checked");
                    call_credentials(&call, out);
                }
                self.depth = self.depth.saturating_sub(1);
                if self.target.as_ref().is_some_and(|(_, d)| *d > self.depth) {
                    self.target = None;
                }
            }
            "," | ";" => {
                if let Some(call) = self.calls.last_mut().filter(|c| c.depth == self.depth) {
                    call.index += 1;
                }
                if self.target.as_ref().is_some_and(|(_, d)| *d >= self.depth) {
                    self.target = None;
                }
            }
            _ => {}
        }
    }
}

/// The name left of an `=` or `=>`: `password =`, `headers.Authorization
/// =`, `["X-Api-Key"] =`, `'password' =>`. Not a comparison's left side.
fn assigned_name<'a>(before: &[Token<'a>]) -> Option<&'a str> {
    match before {
        [.., open, key, close] if open.is("[") && key.kind == Tok::Str && close.is("]") => {
            Some(key.piece.text)
        }
        [.., last] if matches!(last.kind, Tok::Word | Tok::Str) => Some(last.piece.text),
        _ => None,
    }
}

/// A call's string arguments that are credentials: every one of a call
/// named for one (`auth("x")`, `set_password("x")`), or the value of a
/// header or field set by name (`set_header("Authorization", "Bearer x")`;
/// not a file's: `open("passphrase.key", "rb")`).
fn call_credentials(call: &Call<'_>, out: &mut Vec<Found>) {
    if is_credential_call(call.name) {
        for (_, s) in &call.strings {
            detect::credential_value(call.name, *s, Kind::Assignment, out);
        }
        return;
    }
    let arg = |n: usize| call.strings.iter().find(|(i, _)| *i == n).map(|(_, s)| *s);
    if let (Some(name), Some(value)) = (arg(0), arg(1)) {
        let is_field_name = name.text.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if is_field_name && is_credential_name(name.text) {
            detect::credential_value(name.text, value, Kind::HeaderCredential, out);
        }
    }
}

fn lex(piece: Piece<'_>, lang: Lang) -> Vec<Token<'_>> {
    let text = piece.text;
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let token = |kind, from: usize, to: usize| Token {
        kind,
        piece: piece.slice(from, to.min(bytes.len())),
    };
    while i < bytes.len() {
        let b = bytes[i];
        let rest = &text[i..];
        if b.is_ascii_whitespace() {
            i += 1;
        } else if lang == Lang::Lua && rest.starts_with("--") {
            let (body, end) = match long_bracket(&rest[2..]) {
                Some((open, close)) => (i + 2 + open..i + 2 + close, i + 2 + long_end(&rest[2..])),
                None => {
                    let end = line_end(text, i);
                    (i + 2..end, end)
                }
            };
            tokens.push(token(Tok::Comment, body.start, body.end));
            i = end;
        } else if lang == Lang::Perl && b == b'#' && !text[..i].ends_with('$') {
            let end = line_end(text, i);
            tokens.push(token(Tok::Comment, i + 1, end));
            i = end;
        } else if let Some((open, close)) =
            (lang == Lang::Lua).then(|| long_bracket(rest)).flatten()
        {
            tokens.push(token(Tok::Str, i + open, i + close));
            i += long_end(rest);
        } else if b == b'"' || b == b'\'' {
            let end = short_string_end(bytes, i, lang);
            tokens.push(token(Tok::Str, i + 1, end));
            i = end + 1;
        } else if b.is_ascii_alphabetic()
            || b == b'_'
            || (lang == Lang::Perl && b"$@%".contains(&b))
        {
            let start = i + usize::from(!(b.is_ascii_alphabetic() || b == b'_'));
            let len = bytes[start..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            if len == 0 {
                tokens.push(token(Tok::Punct, i, i + 1));
                i += 1;
            } else {
                tokens.push(token(Tok::Word, start, start + len));
                i = start + len;
            }
        } else if b.is_ascii_digit() {
            let len = bytes[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'.')
                .count();
            tokens.push(token(Tok::Number, i, i + len));
            i += len;
        } else {
            let len = ["==", "~=", "<=", ">=", "!=", "=>", "=~", "->", ".."]
                .iter()
                .find(|op| rest.starts_with(**op))
                .map_or(rest.chars().next().map_or(1, char::len_utf8), |op| op.len());
            tokens.push(token(Tok::Punct, i, i + len));
            i += len;
        }
    }
    tokens
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |p| from + p)
}

/// A Lua long bracket at the start of `text` (`[[`, `[==[`): where its
/// contents start and end (the whole rest when it is never closed).
fn long_bracket(text: &str) -> Option<(usize, usize)> {
    let level = text
        .strip_prefix('[')?
        .bytes()
        .take_while(|&b| b == b'=')
        .count();
    if text.as_bytes().get(1 + level) != Some(&b'[') {
        return None;
    }
    let open = level + 2;
    let close = format!("]{}]", "=".repeat(level));
    let end = text[open..].find(&close).map_or(text.len(), |p| open + p);
    Some((open, end))
}

/// Where the long bracket at the start of `text` ends, past its closing
/// bracket.
fn long_end(text: &str) -> usize {
    match long_bracket(text) {
        Some((open, end)) => (end + open).min(text.len()),
        None => 0,
    }
}

/// Where the short string opening at `start` closes (the offset of its
/// closing quote, or where it stops unclosed: Lua strings end at a line
/// break, Perl strings do not).
fn short_string_end(bytes: &[u8], start: usize, lang: Lang) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != quote {
        if lang == Lang::Lua && bytes[i] == b'\n' {
            break;
        }
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i.min(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(code_text: &str, lang: Lang, returns: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        code(Piece::new(0, code_text), lang, returns, &mut out);
        out.sort_by_key(|f| f.start);
        out.dedup_by_key(|f| (f.start, f.end));
        out.iter()
            .map(|f| code_text[f.start as usize..f.end as usize].to_string())
            .collect()
    }

    fn lua(code_text: &str) -> Vec<String> {
        found(code_text, Lang::Lua, None)
    }

    #[test]
    fn lua_strings_in_their_context() {
        assert_eq!(lua(r#"local password = "s3cr3t$x""#), ["s3cr3t$x"]);
        assert_eq!(
            lua(r#"local secret = os.getenv("SECRET") or "fallbackSecret77""#),
            ["fallbackSecret77"]
        );
        assert_eq!(
            lua(
                r#"h = { Authorization = "Bearer abcdef123", ["X-Api-Key"] = "k3yv4lue9", user = "app" }"#
            ),
            ["abcdef123", "k3yv4lue9"]
        );
        assert_eq!(
            lua(r#"ngx.header["Set-Cookie"] = "sid=abc123xyz; Path=/""#),
            ["abc123xyz"]
        );
        assert_eq!(
            lua(r#"ngx.req.set_header("X-Service-Token", "tok3n9value")"#),
            ["tok3n9value"]
        );
        assert_eq!(lua(r#"red:auth('redisPw42x')"#), ["redisPw42x"]);
        assert_eq!(
            lua(r#"local creds = [==[admin:pw9876x]==]"#),
            ["admin:pw9876x"]
        );
        // Names, modules and plain values stay.
        assert_eq!(
            lua(r#"local session = require "resty.session""#),
            Vec::<String>::new()
        );
        assert_eq!(lua(r#"if token == "none" then end"#), Vec::<String>::new());
        assert_eq!(lua(r#"local user = "app""#), Vec::<String>::new());
    }

    #[test]
    fn lua_comments_and_long_strings_are_prose() {
        assert_eq!(lua("-- api_key = Rw4$Kp9Jm2\nlocal x = 1"), ["Rw4$Kp9Jm2"]);
        assert_eq!(
            lua("--[[ old secret: Hs6Qw2Ny8Lc4\n]] local x = 1"),
            ["Hs6Qw2Ny8Lc4"]
        );
        assert_eq!(
            lua("local note = [[Bearer Gt5Mz1Rx9Kv3]]"),
            ["Gt5Mz1Rx9Kv3"]
        );
    }

    #[test]
    fn returned_values_of_sensitive_variables() {
        assert_eq!(
            found(r#"return "Yc4Pt8Wm2Zr6""#, Lang::Lua, Some("$api_token")),
            ["Yc4Pt8Wm2Zr6"]
        );
        assert_eq!(
            found(r#"return "Yc4Pt8Wm2Zr6""#, Lang::Lua, Some("$backend")),
            Vec::<String>::new()
        );
        assert_eq!(
            found(
                "sub { my %a = (user => \"svc\", password => 'Tc7Lv3Jq9'); # token: Zr2Hk6Mp8\n return 1; }",
                Lang::Perl,
                None
            ),
            ["Tc7Lv3Jq9", "Zr2Hk6Mp8"]
        );
    }

    #[test]
    fn code_inside_an_nginx_string_maps_back_to_the_file() {
        // `rewrite_by_lua "local pw = \"Qm5Tx9Lw\""`: the argument's raw text.
        let raw = r#"local pw = \"Qm5Tx9Lw\" x()"#;
        let mut out = Vec::new();
        code_in_word(Piece::new(100, raw), Lang::Lua, None, &mut out);
        let texts: Vec<&str> = out
            .iter()
            .map(|f| &raw[(f.start - 100) as usize..(f.end - 100) as usize])
            .collect();
        assert_eq!(texts, ["Qm5Tx9Lw"]);
    }

    #[test]
    fn text_ranges_are_inside_strings_and_comments() {
        let src = "local a = \"x\" -- c\nlocal b = [[y]]";
        let ranges: Vec<&str> = lua_text_ranges(Piece::new(0, src))
            .into_iter()
            .map(|(s, e)| &src[s as usize..e as usize])
            .collect();
        assert_eq!(ranges, ["x", " c", "y"]);
    }
}
