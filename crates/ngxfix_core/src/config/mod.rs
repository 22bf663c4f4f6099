//! Loading a configuration tree of files: includes, globs, standard input
//! and `nginx -T` dumps. The files come from an [`IncludeSource`]: texts in
//! memory ([`MemorySource`]) or the disk (`crate::disk`, the operating
//! system's side).

pub mod context;
pub mod dump;
mod limits;
mod load;
pub mod paths;
mod source;
mod walk;

pub use context::{ContextFrom, Reading, RootContext};
pub use limits::{size_text, FileKind, DEFAULT_MAX_FILE_SIZE};
pub use load::{
    missing_hint, ConfigTree, FileId, FileOrigin, IncludesChanged, LoadOptions, SkippedInclude,
    SourceFile, MAX_INCLUDE_DEPTH,
};
pub use source::{IncludeSource, MemorySource, GLOB_OPTIONS};
pub use walk::WalkNode;

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
    /// A file named or included is not a regular file: opening a FIFO
    /// waits for a writer, a device may never end.
    #[error("{path}: is {kind}, not a regular file")]
    NotRegular { path: String, kind: FileKind },
    /// A file (or standard input) holds more than `--max-file-size` bytes.
    #[error(
        "{path}: larger than {}, the most ngxfix reads of one file (--max-file-size SIZE raises it)",
        size_text(*.limit)
    )]
    TooLarge { path: String, limit: u64 },
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
