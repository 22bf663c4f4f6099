//! `parse --format tree`: the lossless tree, one token a line, for debugging.
//!
//! Each line shows the token kind, `line:col`, its byte range and its text
//! (escaped); directives open an indented level. Concatenating the texts in
//! order gives back the file.

use std::fmt::Write;

use crate::config::ConfigTree;
use crate::syntax::{walk, Directive, SyntaxTree, Token, TokenKind, Visitor};

/// Render every file of the tree.
pub fn render(config: &ConfigTree) -> String {
    let mut out = String::new();
    for file in config.files() {
        let tree = &file.tree;
        let _ = writeln!(
            out,
            "file {:?} ({} bytes, {} tokens, {} directives)",
            file.display_path(),
            tree.text().len(),
            tree.token_count(),
            tree.directive_count()
        );
        let mut printer = TreePrinter {
            out: &mut out,
            depth: 1,
        };
        walk(tree, &mut printer);
    }
    out
}

struct TreePrinter<'o> {
    out: &'o mut String,
    depth: usize,
}

impl TreePrinter<'_> {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
}

impl<'t> Visitor<'t> for TreePrinter<'_> {
    fn token(&mut self, tree: &'t SyntaxTree, token: Token) {
        self.indent();
        let at = tree.line_col(token.start);
        let kind = match token.kind {
            TokenKind::Bom => "bom",
            TokenKind::Whitespace => "ws",
            TokenKind::Comment => "comment",
            TokenKind::Bare => "word",
            TokenKind::DoubleQuoted => "word\"",
            TokenKind::SingleQuoted => "word'",
            TokenKind::Semicolon => "semicolon",
            TokenKind::LBrace => "lbrace",
            TokenKind::RBrace => "rbrace",
            TokenKind::LuaCode => "lua",
        };
        let _ = writeln!(
            self.out,
            "{kind} {}:{} {}..{} {:?}",
            at.line,
            at.col,
            token.start,
            token.end,
            tree.slice_str(token.span())
        );
    }

    fn enter(&mut self, directive: Directive<'t>) {
        self.indent();
        let at = directive.line_col();
        let span = directive.span();
        let args: Vec<String> = directive
            .args()
            .map(|a| format!("{:?}", a.value()))
            .collect();
        let _ = writeln!(
            self.out,
            "directive {:?} {}:{} {}..{} args [{}]",
            directive.name().value(),
            at.line,
            at.col,
            span.start,
            span.end,
            args.join(", ")
        );
        self.depth += 1;
    }

    fn leave(&mut self, _directive: Directive<'t>) {
        self.depth -= 1;
    }
}
