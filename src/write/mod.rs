//! Writing fixed files back without losing anyone's edit and without ever
//! leaving a half-written configuration behind.
//!
//! nginx may be reloaded at any moment, by the user or by a package
//! upgrade, so a reader must see either the old text or the new text of
//! every file, never a torn mix; and an editor, a deploy tool or a second
//! ngxfix may be changing the same files while this one writes.
//!
//! [`write_all`] goes in steps, each of which can only fail before the
//! next begins:
//!
//! 1. **Stage** every file ([`stage`]): resolve links, refuse what is not a
//!    regular file, compare the disk with the text the fixes were computed
//!    from, find what a rename cannot replace (immutable and append-only
//!    files, a single file bind-mounted into place), and write a synced
//!    temporary copy beside each target with its owner and mode. Nothing
//!    has changed yet; any failure removes the copies.
//! 2. **Keep the originals** in a recovery folder ([`recovery`]), synced,
//!    so that a run killed half way can be undone.
//! 3. **Swap** each file ([`commit`]): compare the file with its original
//!    once more, immediately before replacing it, under a lease that tells
//!    us if anyone opens it for writing meanwhile, and replace it with an
//!    atomic exchange that is taken back if what it displaced was not the
//!    original. Hard-linked and bind-mounted files are written in place
//!    instead, under a lease that makes anyone opening them wait.
//! 4. Remove the recovery folder.
//!
//! Ctrl-C and `kill` wait until the write is done ([`signals`]).
//!
//! Known gap: a rename replaces the inode, and extended attributes (SELinux
//! labels, ACLs, capabilities) are not copied to the new one. On a system
//! with SELinux enforcing, the new file gets the default label of its
//! directory, which is usually but not always the right one; `restorecon`
//! fixes it. Only the permission bits and the owner are carried over.

mod commit;
pub mod own;
mod recovery;
mod signals;
mod stage;
mod sys;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

pub use signals::{die_of, signal_name};

/// Why a fixed file could not be written. Every variant names the path as
/// it was loaded, since that is the name the user knows.
///
/// Unless the error is [`WriteError::Partial`], nothing on disk changed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file on disk no longer holds the text the fixes were computed
    /// from; writing would throw away someone else's edit.
    #[error("{}: changed on disk since it was read; nothing was written", .path.display())]
    Changed { path: PathBuf },
    /// The file changed (or was opened for writing) between the last
    /// comparison and its replacement; the replacement was taken back.
    #[error(
        "{}: changed on disk while it was being replaced; the replacement was taken back, \
         the file holds the other edit",
        .path.display()
    )]
    ChangedDuringSwap { path: PathBuf },
    /// The file was replaced by someone else between the last comparison
    /// and our swap, and their version could not be put back.
    #[error(
        "{}: replaced by another program while it was being written, and its version could \
         not be put back: it is kept at {}",
        .path.display(),
        .kept.display()
    )]
    Displaced { path: PathBuf, kept: PathBuf },
    /// No temporary file can be created beside the real target, so it
    /// cannot be replaced atomically.
    #[error(
        "{}: the directory {} is not writable; nothing was written",
        .path.display(),
        .dir.display()
    )]
    NotWritable {
        path: PathBuf,
        dir: PathBuf,
        source: io::Error,
    },
    /// A file that must be written in place cannot be opened for writing.
    #[error("{}: the file is not writable; nothing was written", .path.display())]
    ReadOnly { path: PathBuf, source: io::Error },
    /// The file is read-only and the user asked to leave such files alone.
    #[error(
        "{}: the file is read-only (mode {mode:04o}) and --respect-readonly was given; \
         nothing was written",
        .path.display()
    )]
    RespectReadOnly { path: PathBuf, mode: u32 },
    /// `chattr +i` or `+a`: the file can be neither replaced nor rewritten.
    #[error(
        "{}: the file has the {attribute} attribute, so it can be neither replaced nor \
         rewritten (`chattr -{flag}` removes it); nothing was written",
        .path.display()
    )]
    Immutable {
        path: PathBuf,
        attribute: &'static str,
        flag: char,
    },
    /// A single file bind-mounted into place (`docker run -v
    /// nginx.conf:/etc/nginx/nginx.conf`): a rename over it fails.
    #[error(
        "{}: the file is a mount point (a single file bind-mounted into place, as \
         `docker run -v FILE:FILE` does), which a rename cannot replace; run again with \
         --in-place-ok to write it in place, or fix the file it is mounted from; \
         nothing was written",
        .path.display()
    )]
    MountPoint { path: PathBuf },
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
    #[error("{}: cannot {action}", .path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
    /// Ctrl-C or `kill` came before the first file was replaced.
    #[error("interrupted by {} before any file was replaced; nothing was written", signal_name(*.signal))]
    Interrupted { signal: i32 },
    /// Writing stopped after other files had already been replaced: which
    /// files hold the fix, which do not, and where the originals are.
    #[error("{}", partial(.cause, .written, .not_written, .recovery.as_deref()))]
    Partial {
        cause: Box<WriteError>,
        written: Vec<PathBuf>,
        not_written: Vec<PathBuf>,
        recovery: Option<PathBuf>,
    },
}

/// An error and its causes on one line, for an error shown inside another.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn partial(
    cause: &WriteError,
    written: &[PathBuf],
    not_written: &[PathBuf],
    recovery: Option<&Path>,
) -> String {
    let list = |paths: &[PathBuf]| {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        names.join(", ")
    };
    let mut text = format!(
        "{}\nThe fix is only partly written.\n  written: {}\n  not written: {}",
        chain(cause),
        list(written),
        list(not_written)
    );
    match recovery {
        Some(folder) => text.push_str(&format!(
            "\nTo finish, run `ngxfix fix` again: it fixes what is left, as the files are now. \
             To undo, the original of every file is in {0}, and {0}/RESTORE has the \
             commands that put them back; remove the folder when done.",
            folder.display()
        )),
        None => text.push_str(
            "\nTo finish, run `ngxfix fix` again: it fixes what is left, as the files are now.",
        ),
    }
    text
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

/// How to treat files a plain rename cannot, or should not, replace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Write a file that is a mount point in place (not atomic for a
    /// program that already has it open) instead of refusing the run.
    pub in_place_ok: bool,
    /// Refuse the run when a file to write is read-only, instead of
    /// replacing it (as `sed -i` does) and saying so.
    pub respect_readonly: bool,
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

/// What a successful [`write_all`] has to say.
#[derive(Debug, Default)]
pub struct Written {
    /// Notes about files written (and leftovers of earlier runs swept).
    pub warnings: Vec<Warning>,
    /// A signal that arrived while writing and waited for it: the caller
    /// reports, then ends the process with [`die_of`].
    pub interrupted: Option<i32>,
}

pub(crate) fn io_err<'p>(
    path: &'p Path,
    action: &'static str,
) -> impl FnOnce(io::Error) -> WriteError + 'p {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        action,
        source,
    }
}

/// Write every change or none, as the module documentation describes.
/// Changes whose fixed bytes equal the original are skipped without
/// touching the disk.
pub fn write_all(changes: &[Change<'_>], options: &WriteOptions) -> Result<Written, WriteError> {
    let changes: Vec<&Change<'_>> = changes.iter().filter(|c| c.fixed != c.original).collect();
    if changes.is_empty() {
        return Ok(Written::default());
    }
    let signals = signals::Deferred::install();
    let mut staged: Vec<stage::Staged<'_>> = Vec::new();
    // Keyed by inode, not path: a symlink and its target, or two hard
    // links, are different paths for one file.
    let mut seen: HashMap<(u64, u64), PathBuf> = HashMap::new();
    for change in &changes {
        // On error, `staged` is dropped here and its temporary files with it.
        let s = stage::stage(change, options)?;
        if let Some(other) = seen.insert(s.id, change.path.to_path_buf()) {
            return Err(WriteError::Duplicate {
                path: change.path.to_path_buf(),
                other,
            });
        }
        staged.push(s);
    }
    let dirs: BTreeSet<&Path> = staged.iter().filter_map(|s| s.real.parent()).collect();
    let mut warnings = recovery::sweep(&dirs.into_iter().collect::<Vec<_>>());
    // In-place writes go first: they are the ones that can still fail for
    // want of space, and if the first write fails nothing else has changed
    // yet (the file itself is restored). Renames within a directory hardly
    // ever fail once the temporary file exists.
    staged.sort_by_key(|s| !s.in_place());
    // Staging many files takes a while (each temporary copy is synced): look
    // again before anything is replaced, so that an edit made meanwhile
    // stops the run while nothing is written yet.
    for s in &staged {
        s.check_unchanged()?;
    }
    let originals: Vec<(&Path, &Path, &[u8])> = staged
        .iter()
        .map(|s| (s.path, s.real.as_path(), s.original))
        .collect();
    let folder = recovery::Folder::create(&originals)?;
    // The last moment to stop with nothing written.
    if let Some(signal) = signals.caught() {
        folder.remove();
        return Err(WriteError::Interrupted { signal });
    }
    let paths: Vec<PathBuf> = staged.iter().map(|s| s.path.to_path_buf()).collect();
    for (index, s) in staged.into_iter().enumerate() {
        match s.commit() {
            Ok(w) => warnings.extend(w),
            Err(cause) if index == 0 => {
                folder.remove();
                return Err(cause);
            }
            Err(cause) => {
                return Err(WriteError::Partial {
                    cause: Box::new(cause),
                    written: paths[..index].to_vec(),
                    not_written: paths[index..].to_vec(),
                    recovery: Some(folder.keep()),
                })
            }
        }
    }
    folder.remove();
    Ok(Written {
        warnings,
        interrupted: signals.caught(),
    })
}
