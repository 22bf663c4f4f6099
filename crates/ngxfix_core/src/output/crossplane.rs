//! crossplane's JSON schema (`crossplane parse`), for tools built on it.
//!
//! Same shape as crossplane's output with comments included: top-level
//! `status`/`errors`/`config`, one `config[]` entry per file in the order the
//! files were reached, directives as `{directive, line, args, block?,
//! includes?}` and comments as `{directive: "#", line, args: [], comment}`.
//! Values follow crossplane's conventions, not nginx's unescaping: a quoted
//! argument loses its quotes and the backslash before its own quote
//! character, other escapes stay as written; `if` loses its parentheses; a
//! Lua block's code is its last argument. Deliberate differences (correct
//! `${var}` splitting, comment lines, nginx's error wording) are listed in
//! docs/parser.md.

use serde::Serialize;

use crate::config::{ConfigTree, FileId};
use crate::syntax::{walk, Directive, Quote, SyntaxTree, Token, TokenKind, Visitor, Word};

/// The whole payload.
#[derive(Debug, Serialize)]
pub struct Payload {
    pub status: &'static str,
    pub errors: Vec<PayloadError>,
    pub config: Vec<FileEntry>,
}

/// An error, as crossplane reports it at the top level.
#[derive(Debug, Serialize)]
pub struct PayloadError {
    pub file: String,
    pub line: Option<u32>,
    pub error: String,
}

/// One file.
#[derive(Debug, Serialize)]
pub struct FileEntry {
    pub file: String,
    pub status: &'static str,
    pub errors: Vec<serde_json::Value>,
    pub parsed: Vec<Entry>,
}

/// A directive or a comment.
#[derive(Debug, Serialize)]
pub struct Entry {
    pub directive: String,
    pub line: u32,
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub includes: Option<Vec<FileId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<Vec<Entry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Build the payload for a loaded tree.
pub fn payload(config: &ConfigTree) -> Payload {
    let files = config
        .files_with_ids()
        .map(|(id, file)| FileEntry {
            file: file.display_path(),
            status: "ok",
            errors: Vec::new(),
            parsed: file_entries(config, id, &file.tree),
        })
        .collect();
    Payload {
        status: "ok",
        errors: Vec::new(),
        config: files,
    }
}

/// Render as JSON text (compact, like `crossplane parse` without `--indent`).
pub fn render(config: &ConfigTree, pretty: bool) -> String {
    let payload = payload(config);
    let result = if pretty {
        serde_json::to_string_pretty(&payload)
    } else {
        serde_json::to_string(&payload)
    };
    result.expect("the payload holds only strings, numbers and lists")
}

fn file_entries(config: &ConfigTree, file: FileId, tree: &SyntaxTree) -> Vec<Entry> {
    let mut builder = Builder {
        config,
        file,
        stack: Vec::new(),
        root: Vec::new(),
    };
    walk(tree, &mut builder);
    builder.root
}

struct Frame {
    entry: Entry,
    block: Vec<Entry>,
    in_block: bool,
    /// Comments between the arguments: crossplane lists them after the directive.
    inner_comments: Vec<Entry>,
}

struct Builder<'c> {
    config: &'c ConfigTree,
    file: FileId,
    stack: Vec<Frame>,
    root: Vec<Entry>,
}

impl<'t> Visitor<'t> for Builder<'_> {
    fn token(&mut self, tree: &'t SyntaxTree, token: Token) {
        match token.kind {
            TokenKind::Comment => {
                let line = tree.line_col(token.start).line;
                let text = tree.slice_str(token.span());
                let text = text
                    .strip_prefix('#')
                    .unwrap_or(&text)
                    .trim_end_matches('\r');
                let entry = Entry {
                    directive: "#".into(),
                    line,
                    args: Vec::new(),
                    includes: None,
                    block: None,
                    comment: Some(text.to_string()),
                };
                match self.stack.last_mut() {
                    Some(frame) if !frame.in_block => frame.inner_comments.push(entry),
                    Some(frame) => frame.block.push(entry),
                    None => self.root.push(entry),
                }
            }
            TokenKind::LBrace => {
                if let Some(frame) = self.stack.last_mut() {
                    frame.in_block = true;
                }
            }
            TokenKind::LuaCode => {
                if let Some(frame) = self.stack.last_mut() {
                    frame
                        .entry
                        .args
                        .push(tree.slice_str(token.span()).into_owned());
                }
            }
            _ => {}
        }
    }

    fn enter(&mut self, directive: Directive<'t>) {
        let name = crossplane_value(&directive.name());
        let mut args: Vec<String> = directive.args().map(|a| crossplane_value(&a)).collect();
        if name == "if" {
            strip_if_parens(&mut args);
        }
        self.stack.push(Frame {
            entry: Entry {
                directive: name,
                line: directive.line_col().line,
                args,
                includes: None,
                block: None,
                comment: None,
            },
            block: Vec::new(),
            in_block: false,
            inner_comments: Vec::new(),
        });
    }

    fn leave(&mut self, directive: Directive<'t>) {
        let Frame {
            mut entry,
            block,
            inner_comments,
            ..
        } = self.stack.pop().expect("leave follows enter");
        if directive.has_block() && directive.lua_code().is_none() {
            entry.block = Some(block);
        }
        if let Some(targets) = self.config.included(self.file, &directive) {
            entry.includes = Some(targets.to_vec());
        }
        let siblings = match self.stack.last_mut() {
            Some(parent) => &mut parent.block,
            None => &mut self.root,
        };
        siblings.push(entry);
        siblings.extend(inner_comments);
    }
}

/// crossplane's value of a word: quotes removed with the backslash before
/// the quote character; every other escape as written.
pub(crate) fn crossplane_value(word: &Word<'_>) -> String {
    let inner = word.inner();
    let quote = match word.quote() {
        Quote::None => return inner.into_owned(),
        Quote::Double => '"',
        Quote::Single => '\'',
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next) if next == quote => out.push(quote),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// crossplane drops the parentheses around an `if` condition.
fn strip_if_parens(args: &mut Vec<String>) {
    let (Some(first), Some(last)) = (args.first(), args.last()) else {
        return;
    };
    if !(first.starts_with('(') && last.ends_with(')')) {
        return;
    }
    let first = args[0][1..].trim_start().to_string();
    args[0] = first;
    let n = args.len() - 1;
    let last = args[n][..args[n].len() - 1].trim_end().to_string();
    args[n] = last;
    if args.last().is_some_and(String::is_empty) {
        args.pop();
    }
    if args.first().is_some_and(String::is_empty) {
        args.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn args_of(src: &str) -> Vec<String> {
        let tree = parse(src.as_bytes().to_vec()).unwrap();
        let d = tree.top_level().next().unwrap();
        d.args().map(|a| crossplane_value(&a)).collect()
    }

    #[test]
    fn quoted_values_follow_crossplane() {
        assert_eq!(
            args_of(r#"return 200 "a\" \\ \n" 'b\'c';"#),
            vec!["200", r#"a" \\ \n"#, "b'c"]
        );
    }

    #[test]
    fn if_parens_are_dropped() {
        let mut args = vec!["($a".to_string(), "=".into(), "b)".into()];
        strip_if_parens(&mut args);
        assert_eq!(args, ["$a", "=", "b"]);
        let mut args = vec!["(".to_string(), "$a".into(), ")".into()];
        strip_if_parens(&mut args);
        assert_eq!(args, ["$a"]);
    }
}
