//! Explaining a failed parse in nginx's words.
//!
//! The structural grammar knows *that* a file is wrong; nginx's messages say
//! *what* is wrong from the tokenizer's point of view (`unexpected "}"`,
//! `unexpected end of file, expecting ";" or "}"`). To give those, the same
//! token rules are run as a flat stream (`token_stream` in the grammar) and
//! nginx's statement logic from `ngx_conf_parse()` / `ngx_conf_read_token()`
//! is replayed over it to find the first place nginx would stop.

use pest::error::{Error, InputLocation};
use pest::Parser;

use super::error::SourceError;
use super::parse::{lua_block_name, NginxParser, Rule};

/// Turn a failed structural parse into nginx's error for the same input.
pub(crate) fn explain(text: &[u8], source: &str, failure: &Error<Rule>) -> SourceError {
    // The flat replay runs first even when pest gave up for depth: a file
    // that opens blocks without closing them gets nginx's message.
    replay(text, source).unwrap_or_else(|| fallback(text, failure))
}

/// An open block: where its `{` is and the directive that opened it.
struct OpenBlock {
    brace: usize,
    name: String,
}

fn replay(text: &[u8], source: &str) -> Option<SourceError> {
    let stream = NginxParser::parse(Rule::token_stream, source)
        .ok()?
        .next()?;
    let end = stream.as_span().end();
    let mut open: Vec<OpenBlock> = Vec::new();
    // The words of the statement being read: (offset, text).
    let mut words: Vec<(usize, &str)> = Vec::new();
    // The first `{` glued to a regular expression (`location ~ ^/a{2}$ {`):
    // nginx ends the word there and opens a block, which leaves one block
    // open at the end of the file, however far below.
    let mut glued: Option<(usize, String)> = None;
    let unexpected = |offset: usize, what: &str, hint: Option<String>| {
        Some(SourceError::at(
            text,
            offset,
            format!("unexpected \"{what}\""),
            hint,
        ))
    };

    for token in stream.into_inner() {
        let offset = token.as_span().start();
        match token.as_rule() {
            Rule::bare | Rule::dquoted | Rule::squoted => words.push((offset, token.as_str())),
            Rule::lua_statement => words.clear(),
            Rule::semicolon => {
                if words.is_empty() {
                    return unexpected(
                        offset,
                        ";",
                        Some("a directive name was expected before \";\"".into()),
                    );
                }
                words.clear();
            }
            Rule::lbrace => {
                let Some(&(start, name)) = words.first() else {
                    return unexpected(
                        offset,
                        "{",
                        Some("a directive name was expected before \"{\"".into()),
                    );
                };
                if let Some(lua) = lua_block_name(name) {
                    // The stream reads a Lua directive and its block as one
                    // item; reaching its `{` as a plain brace means the
                    // block could not be read as Lua.
                    return Some(unreadable_lua_block(text, start, lua));
                }
                if glued.is_none() {
                    glued = glued_regex(&words, offset).map(|word| (offset, word));
                }
                open.push(OpenBlock {
                    brace: offset,
                    name: name.to_string(),
                });
                words.clear();
            }
            Rule::rbrace => {
                if let Some(&(start, name)) = words.first() {
                    let line = line_of(text, start);
                    return unexpected(
                        offset,
                        "}",
                        Some(format!(
                            "expected \";\" to end the \"{name}\" directive on line {line}"
                        )),
                    );
                }
                if open.pop().is_none() {
                    return unexpected(offset, "}", Some("no block is open here".into()));
                }
            }
            _ => {}
        }
    }

    if end < source.len() {
        return Some(stuck_at(text, source, end));
    }
    if let Some(&(start, name)) = words.first() {
        let line = line_of(text, start);
        return Some(SourceError::at(
            text,
            text.len(),
            "unexpected end of file, expecting \";\" or \"}\"",
            Some(format!(
                "the \"{name}\" directive on line {line} is not terminated"
            )),
        ));
    }
    if let (Some((brace, word)), false) = (&glued, open.is_empty()) {
        return Some(SourceError::at(
            text,
            *brace,
            "\"{\" in an unquoted regular expression opens a block",
            Some(format!(
                "nginx ends the word \"{word}\" at \"{{\", so the file ends with a block left open \
                 (nginx -t: unexpected end of file, expecting \"}}\"); quote the expression: \"{word}{{...\""
            )),
        ));
    }
    if let Some(block) = open.last() {
        let line = line_of(text, block.brace);
        return Some(SourceError::at(
            text,
            text.len(),
            "unexpected end of file, expecting \"}\"",
            Some(format!(
                "the \"{}\" block opened on line {line} is not closed",
                block.name
            )),
        ));
    }
    None
}

/// The last word of a statement when a `{` follows it with no space in
/// between and the statement is one whose arguments are regular
/// expressions: `location ~`/`~*`, `if`, `rewrite`, or a word starting with
/// `^` or holding `$` at its end, as regular expressions do.
fn glued_regex(words: &[(usize, &str)], brace: usize) -> Option<String> {
    let &(start, last) = words.last()?;
    if words.len() < 2 || start + last.len() != brace || last.starts_with(['"', '\'']) {
        return None;
    }
    let first = words[0].1;
    let regex_statement = match first {
        "location" => words.iter().any(|(_, w)| matches!(*w, "~" | "~*")),
        "if" | "rewrite" | "map" => true,
        _ => false,
    };
    (regex_statement || last.starts_with('^')).then(|| last.to_string())
}

fn line_of(text: &[u8], offset: usize) -> u32 {
    super::lines::LineIndex::new(text).line(offset as u32)
}

/// A `*_by_lua_block` whose body is not balanced Lua.
pub(crate) fn unreadable_lua_block(text: &[u8], offset: usize, name: &str) -> SourceError {
    SourceError::at(
        text,
        offset,
        format!("cannot read the Lua block of \"{name}\""),
        Some(
            "unbalanced braces, or an unterminated string, long bracket or comment in the Lua code"
                .into(),
        ),
    )
}

/// The flat stream stopped where no token can start: a quoted string that
/// never closes, or one followed by something other than whitespace, `;`,
/// `{` or `)`.
fn stuck_at(text: &[u8], source: &str, offset: usize) -> SourceError {
    let rest = &source[offset..];
    match NginxParser::parse(Rule::quoted_only, rest) {
        Ok(pairs) => {
            let after = offset + pairs.as_str().len();
            let what = source[after..].chars().next().unwrap_or(' ');
            SourceError::at(
                text,
                after,
                format!("unexpected \"{what}\""),
                Some("expected whitespace, \";\" or \"{\" after the closing quote".into()),
            )
        }
        Err(_) if rest.starts_with(['"', '\'']) => SourceError::at(
            text,
            offset,
            "unexpected end of file, expecting \";\" or \"}\"",
            Some("this quoted string is never closed".into()),
        ),
        Err(_) => SourceError::at(text, offset, "unexpected character", None),
    }
}

/// When the replay finds nothing wrong, the grammar stopped for a reason
/// the replay does not model; report pest's own finding rather than nothing.
fn fallback(text: &[u8], failure: &Error<Rule>) -> SourceError {
    let offset = match failure.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let message = match &failure.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } if !positives.is_empty() => {
            let names: Vec<String> = positives.iter().map(|r| format!("{r:?}")).collect();
            format!("syntax error, expected {}", names.join(" or "))
        }
        _ => "syntax error".to_string(),
    };
    SourceError::at(text, offset, message, None)
}
