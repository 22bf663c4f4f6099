//! The core of ngxfix: text in, findings, edits and diffs out. It never
//! touches the operating system: configuration files come through an
//! [`config::IncludeSource`], rule files and settings as texts, and the
//! `ngxfix` package does the reading, the `nginx -t` runs and the writing.
//! `crates/clippy.toml` refuses file, process, environment and thread
//! calls here, and CI builds this crate for `wasm32-unknown-unknown`.
//!
//! The modules stand on floors, each using only those below it (checked by
//! `tests/it/floors.rs`): [`par`]; [`config`]; [`model`]; [`rules`];
//! [`settings`]; [`fix`] and [`init`]; [`output`], [`redact`] and [`rule_examples`];
//! [`diagnose`]. Under them all are the [`text`], [`syntax`] and
//! [`backends`] packages, re-exported here under those names.

pub use ngxfix_backends as backends;
pub use ngxfix_syntax as syntax;
pub use ngxfix_text as text;

pub mod config;
pub mod diagnose;
pub mod fix;
pub mod init;
pub mod model;
pub mod output;
pub mod par;
pub mod redact;
pub mod rule_examples;
pub mod rules;
pub mod settings;
