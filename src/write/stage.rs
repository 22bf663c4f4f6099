//! Step one of a write: everything that can be checked or prepared
//! without changing the target.

use std::ffi::OsString;
use std::fs::{File, Metadata, OpenOptions, Permissions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use super::{io_err, sys, Change, Warning, WriteError, WriteOptions};

/// A file ready to be committed: everything that can fail has been tried,
/// except the final swap or in-place write.
pub(crate) struct Staged<'a> {
    /// The path as loaded.
    pub(super) path: &'a Path,
    /// Links resolved: the file that is replaced.
    pub(super) real: PathBuf,
    /// (device, inode) of the file when it was compared.
    pub(super) id: (u64, u64),
    /// What changes whenever the file is written, renamed or chmod-ed.
    pub(super) stamp: Stamp,
    pub(super) original: &'a [u8],
    pub(super) fixed: &'a [u8],
    pub(super) kind: Kind,
    pub(super) warnings: Vec<Warning>,
}

/// Size, modification and change times.
pub(super) type Stamp = (u64, i64, i64, i64, i64);

pub(super) fn stamp(meta: &Metadata) -> Stamp {
    (
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec(),
    )
}

pub(super) enum Kind {
    /// A synced copy beside the target, swapped in; dropping the path
    /// deletes the copy, which is how a failed write cleans up.
    Replace(TempPath),
    /// Written over the file's own bytes: hard links and mount points.
    InPlace,
}

impl Staged<'_> {
    pub(super) fn in_place(&self) -> bool {
        matches!(self.kind, Kind::InPlace)
    }
}

/// Check that a change can be written and prepare it without changing the
/// target: resolve links, compare the disk with the original text, find
/// out how the file can be replaced, and either write a synced temporary
/// copy with the target's mode and owner or check that the file can be
/// written in place.
pub(crate) fn stage<'a>(
    change: &Change<'a>,
    options: &WriteOptions,
) -> Result<Staged<'a>, WriteError> {
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
    // One byte past the original is enough to tell it changed, and a file
    // growing meanwhile cannot make us read without end.
    let mut current = Vec::with_capacity(change.original.len() + 1);
    (&mut file)
        .take(change.original.len() as u64 + 1)
        .read_to_end(&mut current)
        .map_err(io_err(path, "read the file"))?;
    if current != change.original {
        return Err(WriteError::Changed {
            path: path.to_path_buf(),
        });
    }
    let attributes = sys::attributes(&file);
    for (set, attribute, flag) in [
        (attributes.immutable, "immutable", 'i'),
        (attributes.append_only, "append-only", 'a'),
    ] {
        if set {
            return Err(WriteError::Immutable {
                path: path.to_path_buf(),
                attribute,
                flag,
            });
        }
    }
    let mut warnings = Vec::new();
    let mode = meta.mode() & 0o7777;
    if mode & 0o222 == 0 {
        if options.respect_readonly {
            return Err(WriteError::RespectReadOnly {
                path: path.to_path_buf(),
                mode,
            });
        }
        warnings.push(Warning {
            path: path.to_path_buf(),
            message: format!(
                "the file is read-only (mode {mode:04o}); it was replaced all the same, as \
                 `sed -i` would, and keeps its mode (--respect-readonly leaves such files alone)"
            ),
        });
    }
    let mount_point = attributes
        .mount_root
        .unwrap_or_else(|| on_other_device(&real, &meta));
    let in_place = if mount_point {
        if !options.in_place_ok {
            return Err(WriteError::MountPoint {
                path: path.to_path_buf(),
            });
        }
        Some(
            "the file is a mount point; it was written in place, as --in-place-ok allows \
             (a program that already had it open may have seen the write half done)"
                .to_string(),
        )
    } else if meta.nlink() > 1 {
        Some(format!(
            "the file has {} hard links; it was written in place so that every link \
             sees the change (a program that already had it open may have seen the write \
             half done)",
            meta.nlink()
        ))
    } else {
        None
    };
    let id = (meta.dev(), meta.ino());
    let kind = match in_place {
        Some(message) => {
            check_writable(path, &real, id)?;
            warnings.push(Warning {
                path: path.to_path_buf(),
                message,
            });
            Kind::InPlace
        }
        None => Kind::Replace(stage_temp(path, &real, &meta, change.fixed, &mut warnings)?),
    };
    Ok(Staged {
        path,
        real,
        id,
        stamp: stamp(&meta),
        original: change.original,
        fixed: change.fixed,
        kind,
        warnings,
    })
}

/// Where the kernel cannot say whether a file is a mount root, a file on
/// another device than its directory can only be one.
fn on_other_device(real: &Path, meta: &Metadata) -> bool {
    real.parent()
        .and_then(|dir| std::fs::metadata(dir).ok())
        .is_some_and(|dir| dir.dev() != meta.dev())
}

/// Open a file to be written in place for writing, without truncating it,
/// so that a read-only file is found out before anything is written. The
/// handle is closed again: a lease, taken when writing, needs the file to
/// be open nowhere else.
fn check_writable(path: &Path, real: &Path, id: (u64, u64)) -> Result<(), WriteError> {
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
    Ok(())
}

/// Write the fixed text to a temporary file beside the real target, give it
/// the target's owner and mode, and sync it.
fn stage_temp(
    path: &Path,
    real: &Path,
    meta: &Metadata,
    fixed: &[u8],
    warnings: &mut Vec<Warning>,
) -> Result<TempPath, WriteError> {
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
    let file = tmp.as_file();
    keep_owner(path, file, meta, warnings)?;
    keep_mode(path, file, meta, warnings)?;
    // Synced before any rename so that a crash after the rename cannot
    // leave an empty or partial file under the real name.
    file.sync_all()
        .map_err(io_err(path, "sync the temporary copy"))?;
    // Only the name is kept: a run that fixes thousands of files must not
    // hold thousands of open files.
    Ok(tmp.into_temp_path())
}

/// `.<name>.ngxfix-<pid>-`, so a leftover after a crash is hidden, plainly
/// ours, and known to be stale once that process is gone. The name is cut
/// short because the pid, the random part and the suffix must still fit
/// in the 255 bytes a file name may have.
pub(super) fn temp_prefix(real: &Path) -> OsString {
    let name = real.file_name().map(|n| n.as_bytes()).unwrap_or(b"");
    let name = &name[..name.len().min(200)];
    let mut prefix = OsString::from(".");
    prefix.push(std::ffi::OsStr::from_bytes(name));
    prefix.push(format!(".ngxfix-{}-", std::process::id()));
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
