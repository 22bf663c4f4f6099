//! pest grammar → lossless [`SyntaxTree`].

use std::borrow::Cow;

use pest::iterators::Pair;
use pest::Parser;

use super::diagnose;
use super::error::SourceError;
use super::tree::{NodeData, SyntaxTree, Token, TokenKind, NONE};

/// The parser generated from `grammar/nginx.pest`.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/nginx.pest"]
pub(crate) struct NginxParser;

/// Larger inputs are refused: spans are stored as `u32`.
pub const MAX_FILE_SIZE: usize = u32::MAX as usize;

/// Parse one file's bytes into a lossless tree.
///
/// Bytes that are not valid UTF-8 are kept: nginx treats them as ordinary
/// characters, and so does the grammar, which sees each of them as `?` (a
/// character with the same role everywhere) while the tree keeps the original
/// bytes and the same offsets.
pub fn parse(text: Vec<u8>) -> Result<SyntaxTree, SourceError> {
    if text.len() > MAX_FILE_SIZE {
        return Err(SourceError::too_large(text.len()));
    }
    let source = grammar_view(&text);
    let (tokens, nodes) = match NginxParser::parse(Rule::config, &source) {
        Ok(mut pairs) => {
            let config = pairs.next().expect("the config rule always yields one pair");
            let mut builder = Builder::with_capacity(text.len());
            builder.block_items(config, NONE);
            (builder.tokens, builder.nodes)
        }
        Err(error) => return Err(diagnose::explain(&text, &source, &error)),
    };
    Ok(SyntaxTree::from_parts(text, tokens, nodes))
}

/// The text the grammar runs on: the file itself when it is UTF-8, else a copy
/// with each invalid byte replaced by `?` (same length, so offsets agree).
pub(crate) fn grammar_view(text: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(text) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let mut out = String::with_capacity(text.len());
            for chunk in text.utf8_chunks() {
                out.push_str(chunk.valid());
                out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
            }
            Cow::Owned(out)
        }
    }
}

struct Builder {
    tokens: Vec<Token>,
    nodes: Vec<NodeData>,
}

impl Builder {
    fn with_capacity(bytes: usize) -> Self {
        // Measured on real configs: about one token per 6 bytes and one
        // directive per 35; reserving avoids most regrowth copies.
        Builder {
            tokens: Vec::with_capacity(bytes / 6 + 16),
            nodes: Vec::with_capacity(bytes / 35 + 4),
        }
    }

    fn push(&mut self, kind: TokenKind, pair: &Pair<'_, Rule>) -> u32 {
        let span = pair.as_span();
        let index = self.tokens.len() as u32;
        self.tokens.push(Token {
            kind,
            start: span.start() as u32,
            end: span.end() as u32,
        });
        index
    }

    /// The items of the file or of a `{ ... }` block, up to and including the
    /// closing brace; returns the token index of that brace, if any.
    fn block_items(&mut self, pair: Pair<'_, Rule>, parent: u32) -> u32 {
        let mut close = NONE;
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::directive => self.directive(item, parent),
                Rule::rbrace => close = self.push(TokenKind::RBrace, &item),
                Rule::EOI => {}
                rule => {
                    self.token(rule, &item);
                }
            }
        }
        close
    }

    fn directive(&mut self, pair: Pair<'_, Rule>, parent: u32) {
        let index = self.nodes.len() as u32;
        self.nodes.push(NodeData {
            first: self.tokens.len() as u32,
            last: NONE,
            open: NONE,
            parent,
            subtree_end: NONE,
        });
        let mut last = NONE;
        let mut open = NONE;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::block | Rule::lua_block => {
                    let mut inner = part.into_inner();
                    let brace = inner.next().expect("a block starts with `{`");
                    open = self.push(TokenKind::LBrace, &brace);
                    for item in inner {
                        match item.as_rule() {
                            Rule::directive => self.directive(item, index),
                            Rule::rbrace => last = self.push(TokenKind::RBrace, &item),
                            rule => {
                                self.token(rule, &item);
                            }
                        }
                    }
                }
                Rule::semicolon => last = self.push(TokenKind::Semicolon, &part),
                rule => {
                    self.token(rule, &part);
                }
            }
        }
        let subtree_end = self.nodes.len() as u32;
        let node = &mut self.nodes[index as usize];
        node.last = last;
        node.open = open;
        node.subtree_end = subtree_end;
    }

    fn token(&mut self, rule: Rule, pair: &Pair<'_, Rule>) -> u32 {
        let kind = match rule {
            Rule::ws => TokenKind::Whitespace,
            Rule::comment => TokenKind::Comment,
            Rule::bare => TokenKind::Bare,
            Rule::lua_name => match pair.as_str().as_bytes()[0] {
                b'"' => TokenKind::DoubleQuoted,
                b'\'' => TokenKind::SingleQuoted,
                _ => TokenKind::Bare,
            },
            Rule::dquoted => TokenKind::DoubleQuoted,
            Rule::squoted => TokenKind::SingleQuoted,
            Rule::bom => TokenKind::Bom,
            Rule::lua_code => TokenKind::LuaCode,
            Rule::semicolon => TokenKind::Semicolon,
            Rule::lbrace => TokenKind::LBrace,
            Rule::rbrace => TokenKind::RBrace,
            other => unreachable!("grammar rule {other:?} is not a token"),
        };
        self.push(kind, pair)
    }
}
