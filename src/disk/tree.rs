//! Configuration trees read from disk: [`DiskSource`], and loading
//! through it.

use std::path::{Path, PathBuf};

use super::read::read_file;
use crate::config::{
    ConfigTree, FileOrigin, IncludeSource, LoadError, LoadOptions, RootContext, GLOB_OPTIONS,
};

/// Included files read from disk: identity is the canonical path, a
/// pattern is expanded by the file system, and only regular files (or
/// `/dev/null`) of at most `--max-file-size` bytes are read.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiskSource;

impl IncludeSource for DiskSource {
    fn origin(&self) -> FileOrigin {
        FileOrigin::Disk
    }

    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn glob(&self, pattern: &str) -> Result<Vec<PathBuf>, glob::PatternError> {
        // Entries that cannot be read are passed over, as glob(3) does
        // without GLOB_ERR.
        Ok(glob::glob_with(pattern, GLOB_OPTIONS)?
            .filter_map(Result::ok)
            .collect())
    }

    fn read(&self, path: &Path, max_size: u64) -> Result<Vec<u8>, LoadError> {
        read_file(path, max_size)
    }
}

/// Load from a path on disk, following includes.
pub fn load(path: &Path) -> Result<ConfigTree, LoadError> {
    load_with(path, &LoadOptions::default())
}

/// Load from a path on disk as `options` say.
pub fn load_with(path: &Path, options: &LoadOptions) -> Result<ConfigTree, LoadError> {
    ConfigTree::load_from(&DiskSource, path, options)
}

/// Load the file at `path`, whose text has been read, as `options` say.
pub fn load_text(
    path: &Path,
    text: Vec<u8>,
    options: &LoadOptions,
) -> Result<ConfigTree, LoadError> {
    ConfigTree::load_text_from(&DiskSource, path, text, options)
}

/// Load one file on its own, without following its includes: for
/// fragments such as a `sites-enabled/` file.
pub fn load_single(path: &Path) -> Result<ConfigTree, LoadError> {
    load_with(
        path,
        &LoadOptions {
            no_includes: true,
            ..LoadOptions::default()
        },
    )
}

/// Load from bytes read from standard input: an `nginx -T` dump is split
/// into its files; anything else is one file named `-` whose relative
/// includes are resolved against the working directory.
pub fn load_stdin(text: Vec<u8>) -> Result<ConfigTree, LoadError> {
    load_stdin_with(text, &LoadOptions::default())
}

/// [`load_stdin`] as `options` say (the prefix defaults to the working
/// directory).
pub fn load_stdin_with(text: Vec<u8>, options: &LoadOptions) -> Result<ConfigTree, LoadError> {
    ConfigTree::load_stdin_from(&DiskSource, text, options)
}

/// The file of `tree` that `path` names, compared by identity on disk
/// (symlinks and `..` resolved) or, for a dump, by the path as printed.
pub fn find(tree: &ConfigTree, path: &Path) -> Option<crate::config::FileId> {
    tree.find(&DiskSource, path)
}

/// `tree` read as the inside of `context` ([`ConfigTree::in_context`]),
/// the written main file including the fragment by its absolute path (a
/// relative one is relative to the working directory).
pub fn in_context(tree: ConfigTree, context: RootContext, prefix: &Path) -> ConfigTree {
    let fragment = &tree.main().path;
    let absolute = std::path::absolute(fragment).unwrap_or_else(|_| fragment.clone());
    tree.in_context_including(context, prefix, &absolute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::context::absolute_lexically;

    #[test]
    fn absolute_paths_are_made_absolute_as_the_system_would() {
        for path in [
            "/etc/nginx/sites-enabled/api.conf",
            "/etc/./nginx//sites-enabled/../api.conf",
            "//etc/nginx/a.conf",
            "///etc/nginx/a.conf",
            "/etc/nginx/conf.d/",
            "/",
        ] {
            let path = Path::new(path);
            assert_eq!(
                absolute_lexically(path),
                std::path::absolute(path).unwrap(),
                "{}",
                path.display()
            );
        }
        assert_eq!(absolute_lexically(Path::new("a.conf")), Path::new("a.conf"));
    }
}
