//! Where the files of a tree are read from: the loader asks an
//! [`IncludeSource`] whether an included path exists, what a pattern
//! matches and what a file holds. [`MemorySource`] holds texts already in
//! memory (an `nginx -T` dump, tests, a page in a browser); reading from
//! disk is the operating system's side (`crate::disk`).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::{FileOrigin, LoadError};

/// How nginx calls glob(3) for an `include` with `*`, `?` or `[`: `*` does
/// not match `/` or a leading dot. (The matches are sorted byte-wise
/// afterwards, by the loader, as glob(3) sorts in the C locale.)
pub const GLOB_OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

/// Where a tree's included files come from. Paths are as the loader
/// resolved them: the `include` argument joined to the prefix, relative
/// paths staying relative.
pub trait IncludeSource: Sync {
    /// The origin of the files read from here.
    fn origin(&self) -> FileOrigin;

    /// The identity of the file `path` names, so that each file is read
    /// once however it is named (on disk: symlinks and `..` resolved);
    /// `None` when it names nothing known.
    fn canonical(&self, path: &Path) -> Option<PathBuf>;

    /// Whether a literal (not a pattern) include names something.
    fn exists(&self, path: &Path) -> bool;

    /// The paths `pattern` matches with [`GLOB_OPTIONS`], in any order
    /// (the loader sorts them); `Err` with the reason when the pattern is
    /// not one.
    fn glob(&self, pattern: &str) -> Result<Vec<PathBuf>, glob::PatternError>;

    /// The text of the file at `path`: [`LoadError::Read`],
    /// [`LoadError::NotRegular`] or [`LoadError::TooLarge`] (more than
    /// `max_size` bytes, `--max-file-size`) with the path as shown, which
    /// the loader then locates at the include that reached the file.
    fn read(&self, path: &Path, max_size: u64) -> Result<Vec<u8>, LoadError>;
}

/// Files held in memory, by their path as written (no path is resolved:
/// `a/../b.conf` is not `b.conf`). Their origin is [`FileOrigin::Dump`]. The
/// texts are already read, so `max_size` does not apply to them: a dump is
/// held to the limit as a whole when it is read.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemorySource {
    pub fn new() -> Self {
        MemorySource::default()
    }

    /// Add (or replace) the file at `path`.
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), text.into());
    }
}

impl<P: Into<PathBuf>, T: Into<Vec<u8>>> FromIterator<(P, T)> for MemorySource {
    /// A later file of the same path replaces an earlier one.
    fn from_iter<I: IntoIterator<Item = (P, T)>>(files: I) -> Self {
        MemorySource {
            files: files
                .into_iter()
                .map(|(path, text)| (path.into(), text.into()))
                .collect(),
        }
    }
}

impl IncludeSource for MemorySource {
    fn origin(&self) -> FileOrigin {
        FileOrigin::Dump
    }

    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        self.exists(path).then(|| path.to_path_buf())
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    fn glob(&self, pattern: &str) -> Result<Vec<PathBuf>, glob::PatternError> {
        let pattern = glob::Pattern::new(pattern)?;
        Ok(self
            .files
            .keys()
            .filter(|p| pattern.matches_path_with(p, GLOB_OPTIONS))
            .cloned()
            .collect())
    }

    fn read(&self, path: &Path, _max_size: u64) -> Result<Vec<u8>, LoadError> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| LoadError::Read {
                path: path.display().to_string(),
                error: io::ErrorKind::NotFound.into(),
            })
    }
}

/// Sort paths as glob(3) does: whole paths byte-wise (nginx runs in the C
/// locale).
pub(super) fn sort_as_glob(paths: &mut [PathBuf]) {
    paths.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_globs_as_nginx_does() {
        let source: MemorySource = [
            ("/etc/nginx/conf.d/b.conf", ""),
            ("/etc/nginx/conf.d/.hidden.conf", ""),
            ("/etc/nginx/conf.d/sub/c.conf", ""),
            ("/etc/nginx/conf.d/a.conf", "x;"),
        ]
        .into_iter()
        .collect();
        let mut found = source.glob("/etc/nginx/conf.d/*.conf").unwrap();
        sort_as_glob(&mut found);
        assert_eq!(
            found,
            [
                PathBuf::from("/etc/nginx/conf.d/a.conf"),
                PathBuf::from("/etc/nginx/conf.d/b.conf")
            ]
        );
        assert!(source.glob("/etc/[").is_err());
        assert!(source.exists(Path::new("/etc/nginx/conf.d/a.conf")));
        assert_eq!(
            source
                .read(Path::new("/etc/nginx/conf.d/a.conf"), 0)
                .unwrap(),
            b"x;"
        );
        let error = source.read(Path::new("/etc/nginx/x.conf"), 1 << 20);
        assert!(matches!(error, Err(LoadError::Read { .. })));
    }
}
