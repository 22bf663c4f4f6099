//! Lossless syntax: the pest grammar, the tree it builds, printing it back,
//! and syntax errors in nginx's words.

mod diagnose;
mod error;
mod lines;
mod parse;
mod tree;
mod walk;

pub use error::{caret_indent, window, window_at, SourceError};
pub use lines::{lossy, LineIndex};
pub(crate) use parse::grammar_view;
pub use parse::{parse, MAX_FILE_SIZE, MAX_NESTING};
pub use tree::{
    Children, Comment, Directive, LineCol, Quote, Span, SyntaxTree, Token, TokenKind, Word,
};
pub use walk::{print, walk, Visitor};
