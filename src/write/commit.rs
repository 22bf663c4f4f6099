//! Step three of a write: each staged file put in place, compared with its
//! original once more immediately before, and taken back if someone else
//! got in between.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use tempfile::TempPath;

use super::stage::{stamp, Kind, Staged};
use super::sys::{self, Lease, LeaseKind};
use super::{io_err, Warning, WriteError};

impl Staged<'_> {
    /// Refuse to replace a file that was modified (or replaced) since its
    /// text was compared with the original.
    pub(super) fn check_unchanged(&self) -> Result<(), WriteError> {
        let meta = std::fs::metadata(&self.real).map_err(io_err(self.path, "read the metadata"))?;
        if !self.is_as_staged(&meta) {
            return Err(self.changed());
        }
        Ok(())
    }

    /// Whether `meta` is of the very file staged, not written to since.
    fn is_as_staged(&self, meta: &std::fs::Metadata) -> bool {
        (meta.dev(), meta.ino()) == self.id && stamp(meta) == self.stamp
    }

    fn changed(&self) -> WriteError {
        WriteError::Changed {
            path: self.path.to_path_buf(),
        }
    }

    /// Open the file the name points to now, and make sure it is the one
    /// staged, unchanged, holding the original text. Compared through the
    /// handle (`pread`), because opening the file again would break our
    /// own lease.
    fn reopen(&self, write: bool) -> Result<File, WriteError> {
        let file = OpenOptions::new()
            .read(true)
            .write(write)
            .custom_flags(libc::O_NONBLOCK)
            .open(&self.real)
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => self.changed(),
                _ => io_err(self.path, "open the file")(e),
            })?;
        let meta = file
            .metadata()
            .map_err(io_err(self.path, "read the metadata"))?;
        if !self.is_as_staged(&meta) {
            return Err(self.changed());
        }
        Ok(file)
    }

    /// Whether the open file still holds the original, unwritten. Its
    /// change time is not compared: our own swap renames it, which sets it.
    fn still_original(&self, file: &File) -> Result<bool, WriteError> {
        let meta = file
            .metadata()
            .map_err(io_err(self.path, "read the metadata"))?;
        let (len, mtime, mtime_nsec, _, _) = stamp(&meta);
        if (len, mtime, mtime_nsec) != (self.stamp.0, self.stamp.1, self.stamp.2) {
            return Ok(false);
        }
        let mut current = vec![0; self.original.len()];
        file.read_exact_at(&mut current, 0)
            .map_err(io_err(self.path, "read the file"))?;
        Ok(current == self.original)
    }

    /// Put the staged text in place.
    pub(crate) fn commit(mut self) -> Result<Vec<Warning>, WriteError> {
        match std::mem::replace(&mut self.kind, Kind::InPlace) {
            Kind::Replace(tmp) => self.swap(tmp)?,
            Kind::InPlace => self.write_in_place()?,
        }
        Ok(self.warnings)
    }

    /// Replace the file by its staged copy.
    ///
    /// A read lease on the original tells us if anyone opens it for writing
    /// from the last comparison on; such an opener waits for the lease, so
    /// taking the swap back before releasing it means their write lands in
    /// the file that is live again. The swap is an exchange of the two
    /// names, so what it displaced is at hand: if it is not the original
    /// (an editor renamed its own copy in meanwhile), it is swapped back.
    fn swap(&self, tmp: TempPath) -> Result<(), WriteError> {
        let file = self.reopen(false)?;
        let lease = Lease::take(&file, LeaseKind::Read);
        if !self.still_original(&file)? || lease.as_ref().is_some_and(|l| !l.intact()) {
            return Err(self.changed());
        }
        #[cfg(test)]
        hook::before_exchange(&self.real, &file);
        let exchanged =
            sys::exchange(&tmp, &self.real).map_err(io_err(self.path, "replace the file"))?;
        if !exchanged {
            // No exchange here (another system, or a filesystem without
            // it): a plain rename, right after the comparison.
            tmp.persist(&self.real)
                .map_err(|e| io_err(self.path, "replace the file")(e.error))?;
            sync_dir(&self.real);
            return Ok(());
        }
        let displaced = std::fs::symlink_metadata(&tmp).ok();
        let was_original = displaced.is_some_and(|m| (m.dev(), m.ino()) == self.id);
        let untouched = lease.as_ref().is_none_or(|l| l.intact())
            && self.still_original(&file).unwrap_or(false);
        if was_original && untouched {
            drop(lease);
            sync_dir(&self.real);
            // `tmp` now names the original, removed when the path drops.
            return Ok(());
        }
        // Someone got in between: their version goes back under the real
        // name before the lease lets them go on.
        match sys::exchange(&tmp, &self.real) {
            // `tmp` names our fixed copy again, removed when it drops.
            Ok(true) => Err(WriteError::ChangedDuringSwap {
                path: self.path.to_path_buf(),
            }),
            // `tmp` names their version: it must outlive us.
            _ => Err(WriteError::Displaced {
                path: self.path.to_path_buf(),
                kept: tmp.keep().unwrap_or_default(),
            }),
        }
    }

    /// Write over the file's own bytes, under a write lease: anyone opening
    /// the file meanwhile waits until the new text is complete and synced.
    /// Signals are deferred by the caller, so the write is never cut short
    /// by Ctrl-C; a failure puts the original back.
    fn write_in_place(&self) -> Result<(), WriteError> {
        let file = self.reopen(true)?;
        let lease = Lease::take(&file, LeaseKind::Write);
        if !self.still_original(&file)? {
            return Err(self.changed());
        }
        if let Err(e) = overwrite(&file, self.fixed) {
            let action = match overwrite(&file, self.original) {
                Ok(()) => "write the file in place (its original text was restored)",
                Err(_) => {
                    "write the file in place, nor restore its original text \
                     (the file may be damaged; its original is in the recovery folder)"
                }
            };
            return Err(io_err(self.path, action)(e));
        }
        drop(lease);
        Ok(())
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

/// A test's way in between the last comparison and the swap, where a
/// concurrent editor is hardest to catch.
#[cfg(test)]
pub(super) mod hook {
    use std::cell::RefCell;
    use std::fs::File;
    use std::path::Path;

    type Hook = Box<dyn FnMut(&Path, &File)>;

    thread_local! {
        static BEFORE_EXCHANGE: RefCell<Option<Hook>> = RefCell::new(None);
    }

    /// Run `hook` (the real path, the handle holding the lease) before
    /// each swap this thread makes.
    pub(in super::super) fn set(hook: impl FnMut(&Path, &File) + 'static) {
        BEFORE_EXCHANGE.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
    }

    pub(in super::super) fn clear() {
        BEFORE_EXCHANGE.with(|h| *h.borrow_mut() = None);
    }

    pub(super) fn before_exchange(real: &Path, file: &File) {
        BEFORE_EXCHANGE.with(|h| {
            if let Some(hook) = h.borrow_mut().as_mut() {
                hook(real, file);
            }
        });
    }
}
