//! Writing fixed files back in place without ever leaving a half-written
//! configuration behind.
//!
//! nginx may be reloaded at any moment, by the user or by a package
//! upgrade, so a reader must see either the old text or the new text of
//! every file, never a torn mix. Each file is therefore written to a
//! temporary file in the same directory as its real target (a rename is only
//! atomic within one filesystem), synced, and renamed over the target.
//!
//! Several files fixed together depend on each other (a fix in a snippet is
//! often only correct together with the fix in the file including it), so
//! [`write_all`] first stages every file and only starts replacing once all
//! of them have been staged: anything that can be checked up front (the
//! file changed since it was read, the directory is not writable, the disk
//! is full) fails before the first file is touched.
//!
//! Symbolic links are resolved so that the link stays a link and its target
//! gets the new text; renaming over the link itself would silently turn it
//! into a private copy. Hard-linked files cannot be replaced by a rename
//! without splitting them from their other names, so they are written in
//! place instead, which is not atomic, and the caller is warned.
//!
//! Known gap: a rename replaces the inode, and extended attributes (SELinux
//! labels, ACLs, capabilities) are not copied to the new one. On a system
//! with SELinux enforcing, the new file gets the default label of its
//! directory, which is usually but not always the right one; `restorecon`
//! fixes it. Only the permission bits and the owner are carried over.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::fs::{File, Metadata, OpenOptions, Permissions};
use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Why a fixed file could not be written. Every variant names the path as
/// it was loaded, since that is the name the user knows.
///
/// Unless the error is [`WriteError::Partial`], or an in-place write of a
/// hard-linked file whose message says otherwise, nothing on disk changed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file on disk no longer holds the text the fixes were computed
    /// from; writing would throw away someone else's edit.
    #[error("{}: changed on disk since it was read; nothing was written", .path.display())]
    Changed { path: PathBuf },
    /// No temporary file can be created beside the real target, so it
    /// cannot be replaced atomically.
    #[error(
        "{}: the directory {} is not writable ({source}); nothing was written",
        .path.display(),
        .dir.display()
    )]
    NotWritable {
        path: PathBuf,
        dir: PathBuf,
        source: io::Error,
    },
    /// A hard-linked file, which must be written in place, cannot be opened
    /// for writing.
    #[error("{}: the file is not writable ({source}); nothing was written", .path.display())]
    ReadOnly { path: PathBuf, source: io::Error },
    /// The path resolves to a directory, a device, a socket or a pipe.
    #[error("{}: not a regular file; nothing was written", .path.display())]
    NotAFile { path: PathBuf },
    /// Two changes name the same file (through a symbolic or hard link);
    /// writing both would silently drop one of them.
    #[error(
        "{}: is the same file as {}; it cannot be written twice; nothing was written",
        .path.display(),
        .other.display()
    )]
    Duplicate { path: PathBuf, other: PathBuf },
    /// Any other failure of the system; `action` says what was being done.
    #[error("{}: cannot {action}: {source}", .path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
    /// Writing failed after other files had already been replaced; they
    /// are listed because the configuration is now partly fixed.
    #[error("{source}; these files had already been written: {}", list(.written))]
    Partial {
        path: PathBuf,
        written: Vec<PathBuf>,
        source: Box<WriteError>,
    },
}

fn list(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

/// A file to write: the path as loaded, the bytes that were read, the new
/// bytes. The original bytes are what make it safe to write: they are
/// compared with the disk just before writing.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The path as loaded; links are resolved when writing, and messages
    /// use this name.
    pub path: &'a Path,
    /// The bytes the fixes were computed from.
    pub original: &'a [u8],
    /// The bytes to write.
    pub fixed: &'a [u8],
}

/// Something the user should know about a write that succeeded (the owner
/// or mode could not be kept, a hard-linked file was written in place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The path as loaded.
    pub path: PathBuf,
    /// What happened, without the path.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Write every change or none: first stage all (temporary files written
/// and synced beside each target), then rename them all into place. If
/// staging any file fails, the temporary files already made are removed and
/// the error returned: nothing on disk has changed. Changes whose fixed
/// bytes equal the original are skipped without touching the disk.
pub fn write_all(changes: &[Change<'_>]) -> Result<Vec<Warning>, WriteError> {
    let mut staged: Vec<Staged<'_>> = Vec::new();
    // Keyed by inode, not path: a symlink and its target, or two hard
    // links, are different paths for one file.
    let mut seen: HashMap<(u64, u64), PathBuf> = HashMap::new();
    for change in changes {
        if change.fixed == change.original {
            continue;
        }
        // On error, `staged` is dropped here and its temporary files with it.
        let s = stage(change)?;
        if let Some(other) = seen.insert(s.id, change.path.to_path_buf()) {
            return Err(WriteError::Duplicate {
                path: change.path.to_path_buf(),
                other,
            });
        }
        staged.push(s);
    }
    // In-place writes go first: they are the ones that can still fail for
    // want of space, and if the first write fails nothing else has changed
    // yet (the file itself is restored). Renames within a directory hardly
    // ever fail once the temporary file exists.
    staged.sort_by_key(|s| !matches!(s.kind, Kind::InPlace { .. }));
    // Staging many files takes a while (each temporary copy is synced): look
    // again right before the first file is replaced.
    for s in &staged {
        s.check_unchanged()?;
    }
    let mut warnings = Vec::new();
    let mut written: Vec<PathBuf> = Vec::new();
    for s in staged.drain(..) {
        let path = s.path.to_path_buf();
        match s.commit() {
            Ok(w) => warnings.extend(w),
            Err(e) if written.is_empty() => return Err(e),
            Err(e) => {
                return Err(WriteError::Partial {
                    path,
                    written,
                    source: Box::new(e),
                })
            }
        }
        written.push(path);
    }
    Ok(warnings)
}

impl Staged<'_> {
    /// Refuse to replace a file that was modified (or replaced) since its
    /// text was compared with the original.
    fn check_unchanged(&self) -> Result<(), WriteError> {
        let meta = std::fs::metadata(&self.real).map_err(io_err(self.path, "read the metadata"))?;
        if (meta.dev(), meta.ino()) != self.id
            || (meta.len(), meta.mtime(), meta.mtime_nsec()) != self.stamp
        {
            return Err(WriteError::Changed {
                path: self.path.to_path_buf(),
            });
        }
        Ok(())
    }
}

/// A file ready to be committed: everything that can fail has been tried,
/// except the final rename or in-place write.
pub(crate) struct Staged<'a> {
    path: &'a Path,
    real: PathBuf,
    id: (u64, u64),
    /// Size and modification time when the text was compared.
    stamp: (u64, i64, i64),
    kind: Kind<'a>,
    warnings: Vec<Warning>,
}

enum Kind<'a> {
    /// Dropping the temporary file deletes it, which is how a failed
    /// [`write_all`] cleans up.
    Replace(NamedTempFile),
    InPlace {
        file: File,
        original: &'a [u8],
        fixed: &'a [u8],
    },
}

fn io_err<'p>(path: &'p Path, action: &'static str) -> impl FnOnce(io::Error) -> WriteError + 'p {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        action,
        source,
    }
}

/// Check that a change can be written and prepare it without changing the
/// target: resolve links, compare the disk with the original text, and
/// either write a synced temporary copy with the target's mode and owner or,
/// for a hard-linked file, open it for writing.
pub(crate) fn stage<'a>(change: &Change<'a>) -> Result<Staged<'a>, WriteError> {
    let path = change.path;
    let real = std::fs::canonicalize(path).map_err(io_err(path, "resolve the path"))?;
    let not_a_file = || WriteError::NotAFile {
        path: path.to_path_buf(),
    };
    // Checked before opening: opening a pipe or a device can block or have
    // side effects.
    let meta = std::fs::metadata(&real).map_err(io_err(path, "read the metadata"))?;
    if !meta.is_file() {
        return Err(not_a_file());
    }
    // Non-blocking in case a pipe was swapped in since the check above.
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&real)
        .map_err(io_err(path, "open the file"))?;
    // Everything below comes from the open file, so the checks and the
    // comparison are about one and the same inode.
    let meta = file.metadata().map_err(io_err(path, "read the metadata"))?;
    if !meta.is_file() {
        return Err(not_a_file());
    }
    let mut current = Vec::with_capacity(change.original.len());
    file.read_to_end(&mut current)
        .map_err(io_err(path, "read the file"))?;
    if current != change.original {
        return Err(WriteError::Changed {
            path: path.to_path_buf(),
        });
    }
    let id = (meta.dev(), meta.ino());
    let stamp = (meta.len(), meta.mtime(), meta.mtime_nsec());

    if meta.nlink() > 1 {
        let file = stage_in_place(path, &real, id)?;
        let warning = Warning {
            path: path.to_path_buf(),
            message: format!(
                "the file has {} hard links; it was written in place so that every link \
                 sees the change (this write is not atomic)",
                meta.nlink()
            ),
        };
        return Ok(Staged {
            path,
            real,
            id,
            stamp,
            kind: Kind::InPlace {
                file,
                original: change.original,
                fixed: change.fixed,
            },
            warnings: vec![warning],
        });
    }

    let (tmp, warnings) = stage_temp(path, &real, &meta, change.fixed)?;
    Ok(Staged {
        path,
        real,
        id,
        stamp,
        kind: Kind::Replace(tmp),
        warnings,
    })
}

/// Open a hard-linked file for writing without truncating it, so that a
/// read-only file is found out before anything is written.
fn stage_in_place(path: &Path, real: &Path, id: (u64, u64)) -> Result<File, WriteError> {
    let file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(real)
        .map_err(|source| match source.kind() {
            ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => WriteError::ReadOnly {
                path: path.to_path_buf(),
                source,
            },
            _ => io_err(path, "open the file for writing")(source),
        })?;
    let meta = file.metadata().map_err(io_err(path, "read the metadata"))?;
    // The file was compared through another handle; if the name now points
    // elsewhere, the comparison says nothing about what would be written.
    if (meta.dev(), meta.ino()) != id {
        return Err(WriteError::Changed {
            path: path.to_path_buf(),
        });
    }
    Ok(file)
}

/// Write the fixed text to a temporary file beside the real target, give it
/// the target's owner and mode, and sync it.
fn stage_temp(
    path: &Path,
    real: &Path,
    meta: &Metadata,
    fixed: &[u8],
) -> Result<(NamedTempFile, Vec<Warning>), WriteError> {
    let dir = match real.parent() {
        Some(dir) => dir,
        None => {
            return Err(WriteError::NotAFile {
                path: path.to_path_buf(),
            })
        }
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(real))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|source| match source.kind() {
            ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
                WriteError::NotWritable {
                    path: path.to_path_buf(),
                    dir: dir.to_path_buf(),
                    source,
                }
            }
            _ => io_err(path, "create a temporary file beside it")(source),
        })?;
    tmp.write_all(fixed)
        .map_err(io_err(path, "write the temporary copy"))?;
    let mut warnings = Vec::new();
    let file = tmp.as_file();
    keep_owner(path, file, meta, &mut warnings)?;
    keep_mode(path, file, meta, &mut warnings)?;
    // Synced before any rename so that a crash after the rename cannot
    // leave an empty or partial file under the real name.
    file.sync_all()
        .map_err(io_err(path, "sync the temporary copy"))?;
    Ok((tmp, warnings))
}

/// `.<name>.ngxfix-`, so a leftover after a crash is hidden and plainly
/// ours. The name is cut short because the random part and the suffix must
/// still fit in the 255 bytes a file name may have.
fn temp_prefix(real: &Path) -> OsString {
    let name = real.file_name().map(|n| n.as_bytes()).unwrap_or(b"");
    let name = &name[..name.len().min(200)];
    let mut prefix = OsString::from(".");
    prefix.push(std::ffi::OsStr::from_bytes(name));
    prefix.push(".ngxfix-");
    prefix
}

/// Give the temporary copy the target's owner. Only root (or the owner
/// giving away a group it belongs to) may do this, and a user fixing a file
/// they can write but do not own is a normal case, so failing for lack of
/// permission is a warning, not an error.
fn keep_owner(
    path: &Path,
    file: &File,
    want: &Metadata,
    warnings: &mut Vec<Warning>,
) -> Result<(), WriteError> {
    let have = file
        .metadata()
        .map_err(io_err(path, "read the metadata of the temporary copy"))?;
    if (have.uid(), have.gid()) == (want.uid(), want.gid()) {
        return Ok(());
    }
    match std::os::unix::fs::fchown(file, Some(want.uid()), Some(want.gid())) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            // Keeping at least the group is often allowed and is what
            // matters when nginx reads the file through its group.
            if have.gid() != want.gid() {
                let _ = std::os::unix::fs::fchown(file, None, Some(want.gid()));
            }
            let now = file
                .metadata()
                .map_err(io_err(path, "read the metadata of the temporary copy"))?;
            warnings.push(Warning {
                path: path.to_path_buf(),
                message: format!(
                    "could not keep owner {}:{} ({e}); the file is now owned by {}:{}",
                    want.uid(),
                    want.gid(),
                    now.uid(),
                    now.gid()
                ),
            });
            Ok(())
        }
        Err(e) => Err(io_err(path, "set the owner of the temporary copy")(e)),
    }
}

/// Give the temporary copy the target's full mode, setuid, setgid and
/// sticky bits included. Called after [`keep_owner`] because changing the
/// owner clears the setuid and setgid bits. The temporary file is created
/// 0600 and fchmod ignores the umask, so the result is exactly the target's
/// mode unless the system silently drops a bit, which is then reported.
fn keep_mode(
    path: &Path,
    file: &File,
    want: &Metadata,
    warnings: &mut Vec<Warning>,
) -> Result<(), WriteError> {
    let mode = want.mode() & 0o7777;
    file.set_permissions(Permissions::from_mode(mode))
        .map_err(io_err(path, "set the permissions of the temporary copy"))?;
    let now = file
        .metadata()
        .map_err(io_err(path, "read the metadata of the temporary copy"))?
        .mode()
        & 0o7777;
    if now != mode {
        warnings.push(Warning {
            path: path.to_path_buf(),
            message: format!("could not keep mode {mode:04o}; the file now has mode {now:04o}"),
        });
    }
    Ok(())
}

impl Staged<'_> {
    /// Put the staged text in place: rename the temporary copy over the
    /// real target, or write a hard-linked file in place.
    pub(crate) fn commit(self) -> Result<Vec<Warning>, WriteError> {
        let path = self.path;
        match self.kind {
            Kind::Replace(tmp) => {
                tmp.persist(&self.real).map_err(|e| {
                    // `e.file` is dropped with the error, deleting the
                    // temporary file.
                    io_err(path, "replace the file with the fixed copy")(e.error)
                })?;
                sync_dir(&self.real);
            }
            Kind::InPlace {
                file,
                original,
                fixed,
            } => {
                if let Err(e) = overwrite(&file, fixed) {
                    let action = match overwrite(&file, original) {
                        Ok(()) => "write the file in place (its original text was restored)",
                        Err(_) => {
                            "write the file in place, nor restore its original text \
                             (the file may be damaged)"
                        }
                    };
                    return Err(io_err(path, action)(e));
                }
            }
        }
        Ok(self.warnings)
    }
}

/// Write `bytes` over the start of the file, then cut it to length. Not
/// truncating first means the file is never seen empty, and the blocks of
/// the old text stay allocated, so restoring the original after a failure
/// cannot run out of space.
fn overwrite(file: &File, bytes: &[u8]) -> io::Result<()> {
    file.write_all_at(bytes, 0)?;
    file.set_len(bytes.len() as u64)?;
    file.sync_all()
}

/// Make the rename itself durable. Errors are ignored: the rename has
/// already happened and is visible, and some filesystems refuse to sync a
/// directory at all.
fn sync_dir(real: &Path) {
    if let Some(dir) = real.parent() {
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn is_root() -> bool {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }

    fn change<'a>(path: &'a Path, original: &'a [u8], fixed: &'a [u8]) -> Change<'a> {
        Change {
            path,
            original,
            fixed,
        }
    }

    /// Names of leftover temporary files anywhere under `dir`.
    fn leftovers(dir: &Path) -> Vec<String> {
        let mut found = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).unwrap() {
                let entry = entry.unwrap();
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.contains(".ngxfix-") {
                    found.push(name);
                }
                if entry.file_type().unwrap().is_dir() {
                    stack.push(entry.path());
                }
            }
        }
        found
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn content_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nginx.conf");
        fs::write(&p, b"old;\n").unwrap();
        let warnings = write_all(&[change(&p, b"old;\n", b"new;\n")]).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(fs::read(&p).unwrap(), b"new;\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn inode_changes_so_the_replacement_was_a_rename() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.conf");
        fs::write(&p, b"a").unwrap();
        let before = fs::metadata(&p).unwrap().ino();
        write_all(&[change(&p, b"a", b"b")]).unwrap();
        let after = fs::metadata(&p).unwrap().ino();
        assert_ne!(before, after);
        assert_eq!(fs::read(&p).unwrap(), b"b");
    }

    #[test]
    fn mode_kept() {
        let dir = tempfile::tempdir().unwrap();
        for want in [0o640, 0o755, 0o600, 0o4750] {
            let p = dir.path().join(format!("m{want:o}.conf"));
            fs::write(&p, b"x").unwrap();
            fs::set_permissions(&p, Permissions::from_mode(want)).unwrap();
            assert_eq!(mode(&p), want);
            let warnings = write_all(&[change(&p, b"x", b"y")]).unwrap();
            assert!(warnings.is_empty(), "{warnings:?}");
            assert_eq!(mode(&p), want, "mode {want:o}");
            assert_eq!(fs::read(&p).unwrap(), b"y");
        }
    }

    #[test]
    fn owner_kept_when_root() {
        if !is_root() {
            // Only root can make a file owned by someone else to begin with.
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("owned.conf");
        fs::write(&p, b"x").unwrap();
        std::os::unix::fs::chown(&p, Some(1234), Some(5678)).unwrap();
        fs::set_permissions(&p, Permissions::from_mode(0o2750)).unwrap();
        let warnings = write_all(&[change(&p, b"x", b"y")]).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let meta = fs::metadata(&p).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (1234, 5678));
        // The setgid bit survives the change of owner.
        assert_eq!(meta.mode() & 0o7777, 0o2750);
    }

    #[test]
    fn relative_symlink_kept_and_target_updated() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/site.conf");
        fs::write(&target, b"old").unwrap();
        let link = dir.path().join("link.conf");
        symlink("real/site.conf", &link).unwrap();
        write_all(&[change(&link, b"old", b"new")]).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::read_link(&link).unwrap(),
            PathBuf::from("real/site.conf")
        );
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn chain_of_symlinks_kept_and_final_target_updated() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sites");
        fs::create_dir(&sub).unwrap();
        let target = sub.join("real.conf");
        fs::write(&target, b"old").unwrap();
        let middle = sub.join("middle.conf");
        symlink("real.conf", &middle).unwrap();
        let first = dir.path().join("first.conf");
        symlink(&middle, &first).unwrap();
        write_all(&[change(&first, b"old", b"new")]).unwrap();
        for link in [&first, &middle] {
            assert!(fs::symlink_metadata(link).unwrap().file_type().is_symlink());
        }
        assert_eq!(fs::read_link(&middle).unwrap(), PathBuf::from("real.conf"));
        assert_eq!(fs::read_link(&first).unwrap(), middle);
        assert_eq!(fs::read(&target).unwrap(), b"new");
        // The temporary file was made beside the real target, not the link.
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn dangling_symlink_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("broken.conf");
        symlink("nowhere.conf", &link).unwrap();
        let err = write_all(&[change(&link, b"", b"new")]).unwrap_err();
        assert!(matches!(err, WriteError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("broken.conf"), "{err}");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(!dir.path().join("nowhere.conf").exists());
    }

    #[test]
    fn directory_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_all(&[change(dir.path(), b"", b"new")]).unwrap_err();
        assert!(matches!(err, WriteError::NotAFile { .. }), "{err:?}");
    }

    #[test]
    fn hard_link_written_in_place_with_warning() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.conf");
        let b = dir.path().join("b.conf");
        fs::write(&a, b"a long old text\n").unwrap();
        fs::hard_link(&a, &b).unwrap();
        let ino = fs::metadata(&a).unwrap().ino();
        let warnings = write_all(&[change(&a, b"a long old text\n", b"short\n")]).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"short\n");
        assert_eq!(fs::read(&b).unwrap(), b"short\n");
        assert_eq!(fs::metadata(&a).unwrap().ino(), ino);
        assert_eq!(fs::metadata(&b).unwrap().ino(), ino);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].path, a);
        let text = warnings[0].to_string();
        assert!(text.contains("2 hard links"), "{text}");
        assert!(text.contains("a.conf"), "{text}");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn hard_link_changed_on_disk_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.conf");
        fs::write(&a, b"edited").unwrap();
        fs::hard_link(&a, dir.path().join("b.conf")).unwrap();
        let err = write_all(&[change(&a, b"loaded", b"fixed")]).unwrap_err();
        assert!(matches!(err, WriteError::Changed { .. }), "{err:?}");
        assert_eq!(fs::read(&a).unwrap(), b"edited");
    }

    #[test]
    fn changed_on_disk_is_an_error_and_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.conf");
        fs::write(&p, b"edited by someone else").unwrap();
        let ino = fs::metadata(&p).unwrap().ino();
        let err = write_all(&[change(&p, b"as loaded", b"fixed")]).unwrap_err();
        assert!(matches!(err, WriteError::Changed { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("a.conf"), "{text}");
        assert!(text.contains("changed on disk"), "{text}");
        assert_eq!(fs::read(&p).unwrap(), b"edited by someone else");
        assert_eq!(fs::metadata(&p).unwrap().ino(), ino);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_file_edited_after_staging_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.conf");
        fs::write(&p, b"as loaded").unwrap();
        let staged = stage(&change(&p, b"as loaded", b"fixed")).unwrap();
        staged.check_unchanged().unwrap();
        fs::write(&p, b"someone's edit").unwrap();
        let err = staged.check_unchanged().unwrap_err();
        assert!(matches!(err, WriteError::Changed { .. }), "{err:?}");
        drop(staged);
        assert_eq!(fs::read(&p).unwrap(), b"someone's edit");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn unchanged_text_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.conf");
        fs::write(&p, b"same").unwrap();
        let before = fs::metadata(&p).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let warnings = write_all(&[change(&p, b"same", b"same")]).unwrap();
        assert!(warnings.is_empty());
        let after = fs::metadata(&p).unwrap();
        assert_eq!(before.ino(), after.ino());
        assert_eq!(
            (before.mtime(), before.mtime_nsec()),
            (after.mtime(), after.mtime_nsec())
        );
        // Skipped before any look at the disk: a missing file is no error.
        let missing = dir.path().join("missing.conf");
        write_all(&[change(&missing, b"x", b"x")]).unwrap();
        assert!(!missing.exists());
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn all_or_nothing_when_second_directory_is_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.conf");
        fs::write(&first, b"one").unwrap();
        let locked = dir.path().join("locked");
        fs::create_dir(&locked).unwrap();
        let second = locked.join("second.conf");
        fs::write(&second, b"two").unwrap();
        fs::set_permissions(&locked, Permissions::from_mode(0o555)).unwrap();
        let first_ino = fs::metadata(&first).unwrap().ino();

        // Root ignores directory permissions, so there the second file is
        // made to fail staging by having changed on disk instead; the
        // all-or-nothing property under test is the same.
        let second_original: &[u8] = if is_root() { b"not two" } else { b"two" };
        let result = write_all(&[
            change(&first, b"one", b"ONE"),
            change(&second, second_original, b"TWO"),
        ]);
        fs::set_permissions(&locked, Permissions::from_mode(0o755)).unwrap();
        let err = result.unwrap_err();
        if is_root() {
            assert!(matches!(err, WriteError::Changed { .. }), "{err:?}");
        } else {
            assert!(matches!(err, WriteError::NotWritable { .. }), "{err:?}");
            let text = err.to_string();
            assert!(text.contains("not writable"), "{text}");
            assert!(text.contains("nothing was written"), "{text}");
            assert!(text.contains("locked"), "{text}");
        }
        assert_eq!(fs::read(&first).unwrap(), b"one");
        assert_eq!(fs::metadata(&first).unwrap().ino(), first_ino);
        assert_eq!(fs::read(&second).unwrap(), b"two");
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );
    }

    #[test]
    fn same_file_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.conf");
        fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.conf");
        symlink("real.conf", &link).unwrap();
        let err = write_all(&[
            change(&real, b"old", b"fix one"),
            change(&link, b"old", b"fix two"),
        ])
        .unwrap_err();
        assert!(matches!(err, WriteError::Duplicate { .. }), "{err:?}");
        assert_eq!(fs::read(&real).unwrap(), b"old");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn several_files_all_written() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.conf");
        let b = dir.path().join("b.conf");
        let c = dir.path().join("c.conf");
        fs::write(&a, b"a").unwrap();
        fs::write(&b, b"b").unwrap();
        fs::write(&c, b"c").unwrap();
        fs::hard_link(&c, dir.path().join("c2.conf")).unwrap();
        let warnings = write_all(&[
            change(&a, b"a", b"A"),
            change(&b, b"b", b"b"),
            change(&c, b"c", b"C"),
        ])
        .unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"A");
        assert_eq!(fs::read(&b).unwrap(), b"b");
        assert_eq!(fs::read(&c).unwrap(), b"C");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn temp_prefix_fits_a_long_name() {
        let name = "n".repeat(255);
        let prefix = temp_prefix(Path::new(&name));
        // prefix + 6 random characters + ".tmp" must fit in 255 bytes.
        assert!(prefix.len() + 6 + 4 <= 255);
        assert!(prefix.to_string_lossy().starts_with(".nnn"));
        assert!(prefix.to_string_lossy().ends_with(".ngxfix-"));
    }
}
