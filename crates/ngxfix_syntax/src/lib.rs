//! Lossless syntax: the pest grammar, the tree it builds, printing it back,
//! syntax errors in nginx's words, and new text written in a file's own
//! style ([`style`]).
//!
//! ```
//! use ngxfix_syntax::{parse, print};
//!
//! let text = b"http {\n    # keep me\n    server { listen 80; }\n}\n".to_vec();
//! let tree = parse(text.clone()).expect("valid nginx syntax");
//! // Lossless: printing the tree gives back every byte.
//! assert_eq!(print(&tree), text);
//! let listen = tree.directives().find(|d| d.name().value() == "listen").unwrap();
//! assert_eq!(listen.args().next().unwrap().value(), "80");
//! let ancestors: Vec<_> = listen.ancestors().map(|d| d.name().value().into_owned()).collect();
//! assert_eq!(ancestors, ["server", "http"]);
//! assert_eq!(listen.line_col().line, 3);
//! ```

// The grammar's generated parser names `alloc` (pest without `std`: see
// parse.rs on the nesting limit).
extern crate alloc;

mod diagnose;
mod error;
mod head;
mod parse;
pub mod style;
mod tree;
mod walk;

pub use error::{caret_indent, window, window_at, SourceError};
pub use head::directive_head;
pub use ngxfix_text::lines::{self, lossy, LineIndex};
pub use parse::grammar_view;
pub use parse::{parse, MAX_FILE_SIZE, MAX_NESTING};
pub use tree::{
    Children, Comment, Directive, LineCol, Quote, Span, SyntaxTree, Token, TokenKind, Word,
};
pub use walk::{print, walk, Visitor};
