//! Lossless syntax: the pest grammar, the tree it builds, printing it back,
//! and syntax errors in nginx's words.

mod diagnose;
mod error;
mod lines;
mod parse;
mod walk;
mod tree;

pub use error::SourceError;
pub use lines::LineIndex;
pub use parse::{bench_pest, parse, MAX_FILE_SIZE};
pub use walk::{print, walk, Visitor};
pub use tree::{
    Children, Comment, Directive, LineCol, Quote, Span, SyntaxTree, Token, TokenKind, Word,
};
