//! Loading a configuration tree of files: includes, globs, standard input
//! and `nginx -T` dumps.

pub mod context;
pub mod dump;
mod load;
mod walk;

pub use context::{ContextFrom, Reading, RootContext};
pub use load::{
    missing_hint, read_file, ConfigTree, FileId, IncludesChanged, LoadOptions, Origin,
    SkippedInclude, SourceFile,
};
pub use walk::Node;

use crate::syntax::SourceError;

/// Why a configuration tree could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("{path}: {error}")]
    Read { path: String, error: std::io::Error },
    /// A syntax error, or a bad `include`, at a place in a file.
    #[error("{}", .error.display(.path))]
    Source { path: String, error: SourceError },
    /// Standard input held an `nginx -T` header but no file.
    #[error("the nginx -T dump on standard input holds no file")]
    EmptyDump,
}

/// A tree from (path, text) pairs, the first being the main file, as an
/// `nginx -T` dump would give them (for tests).
#[cfg(test)]
pub(crate) fn from_texts(files: &[(&str, &str)]) -> ConfigTree {
    let files = files
        .iter()
        .map(|(path, text)| dump::DumpedFile {
            path: path.into(),
            text: text.as_bytes().to_vec(),
        })
        .collect();
    ConfigTree::load_dump(files).unwrap()
}
