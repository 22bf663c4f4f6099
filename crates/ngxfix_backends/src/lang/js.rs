//! JavaScript and TypeScript: tokens, and the literal arithmetic files
//! write for timeouts.

pub(crate) mod eval;
pub(crate) mod lex;
