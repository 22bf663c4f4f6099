//! File paths seen from a folder: the settings file's (per-file ignores)
//! or a baseline's. Paths are compared by name only, never through the
//! disk, so a tree read from an `nginx -T` dump matches as one on disk.

use std::path::{Component, Path, PathBuf};

/// `path` with `.` and `..` resolved by name (never above the root).
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if out.parent().is_some() {
                    out.pop();
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A folder that relative names are written from, with the working
/// directory the configuration's own relative paths are named from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchor {
    cwd: PathBuf,
    dir: PathBuf,
}

impl Anchor {
    /// The folder `dir` (absolute, or relative to `cwd`), for files named
    /// relative to `cwd` (absolute).
    pub fn new(cwd: &Path, dir: &Path) -> Anchor {
        Anchor {
            cwd: lexical(cwd),
            dir: lexical(&cwd.join(dir)),
        }
    }

    /// `file` as an absolute path with `.` and `..` resolved.
    pub fn absolute(&self, file: &Path) -> PathBuf {
        lexical(&self.cwd.join(file))
    }

    /// `file` relative to the folder, with `/` between its parts; `None`
    /// when it is not below the folder.
    pub fn relative(&self, file: &Path) -> Option<String> {
        let absolute = self.absolute(file);
        let inside = absolute.strip_prefix(&self.dir).ok()?;
        let parts: Vec<String> = inside
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// `file` relative to the folder, with `..` where it is outside it:
    /// how a file kept in the folder (a baseline) names the files of a
    /// tree checked out anywhere.
    pub fn written(&self, file: &Path) -> String {
        let absolute = self.absolute(file);
        let common = absolute
            .components()
            .zip(self.dir.components())
            .take_while(|(a, b)| a == b)
            .count();
        let up = self.dir.components().count() - common;
        let parts: Vec<String> = std::iter::repeat_n("..".to_string(), up)
            .chain(
                absolute
                    .components()
                    .skip(common)
                    .map(|c| c.as_os_str().to_string_lossy().into_owned()),
            )
            .collect();
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_are_resolved_by_name() {
        assert_eq!(lexical(Path::new("/a/./b/../c")), Path::new("/a/c"));
        assert_eq!(lexical(Path::new("/a/../../b")), Path::new("/b"));
    }

    #[test]
    fn files_are_seen_from_the_folder() {
        let anchor = Anchor::new(Path::new("/repo/nginx"), Path::new(".."));
        assert_eq!(
            anchor.relative(Path::new("sites/app.conf")).as_deref(),
            Some("nginx/sites/app.conf")
        );
        assert_eq!(
            anchor.relative(Path::new("/repo/x/../y.conf")).as_deref(),
            Some("y.conf")
        );
        assert_eq!(anchor.relative(Path::new("/etc/nginx/nginx.conf")), None);
        assert_eq!(
            anchor.written(Path::new("/etc/nginx/nginx.conf")),
            "../etc/nginx/nginx.conf"
        );
        let anchor = Anchor::new(Path::new("/repo"), Path::new("ci/baseline"));
        assert_eq!(
            anchor.written(Path::new("sites/a.conf")),
            "../../sites/a.conf"
        );
        assert_eq!(anchor.written(Path::new("ci/baseline/x")), "x");
        // The folder itself is no file below it.
        assert_eq!(anchor.relative(Path::new("..")), None);
    }
}
