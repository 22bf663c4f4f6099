//! Everything ngxfix reads from disk, in one place: configuration files
//! and their includes, standard input, rule files and folders, the
//! settings file, backends' configuration files. The rest of the library
//! is given texts, or reads through a trait ([`IncludeSource`], which
//! [`DiskSource`] implements here), and never touches the operating system
//! itself; this module belongs with the command-line program.
//!
//! [`IncludeSource`]: crate::config::IncludeSource

pub mod backends;
pub mod read;
pub mod rules;
pub mod settings;
pub mod tree;

pub use read::{read_file, read_stdin, read_text};
pub use tree::DiskSource;
