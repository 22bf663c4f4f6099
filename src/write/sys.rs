//! The few Linux facilities that make a write safe against other programs:
//! file attributes and mount roots (what a rename cannot replace), leases
//! (being told that someone opened a file we are about to replace), and
//! `renameat2(RENAME_EXCHANGE)` (a swap that can be taken back). On other
//! systems each reports "not available" and the caller falls back to plain
//! checks and renames, with the wider window docs/fix.md describes.

use std::fs::File;
use std::io;
use std::path::Path;

/// What the file's inode says about replacing or writing it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Attributes {
    /// `chattr +i`: neither renamed over nor written.
    pub immutable: bool,
    /// `chattr +a`: only appended to.
    pub append_only: bool,
    /// Whether the file is the root of a mount (a single file bind-mounted
    /// into place), when the kernel can tell (Linux 5.8 and later).
    pub mount_root: Option<bool>,
}

/// How a lease is taken: a read lease is broken only by someone opening
/// the file for writing (or truncating it), a write lease by any open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LeaseKind {
    Read,
    Write,
}

#[cfg(target_os = "linux")]
mod imp {
    use super::*;
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;

    /// Linux's `F_SETSIG`, which the libc crate does not export here.
    const F_SETSIG: libc::c_int = 10;

    pub(in super::super) fn attributes(file: &File) -> Attributes {
        // SAFETY: an all-zero statx is a valid value of a plain C struct.
        let mut stx: libc::statx = unsafe { std::mem::zeroed() };
        let empty = c"";
        // SAFETY: the fd is open for the call's duration, the path is a
        // valid C string and `stx` is a valid out-pointer.
        let rc = unsafe {
            libc::statx(
                file.as_raw_fd(),
                empty.as_ptr(),
                libc::AT_EMPTY_PATH,
                libc::STATX_BASIC_STATS,
                &mut stx,
            )
        };
        if rc != 0 {
            return Attributes::default();
        }
        let has = |bit: libc::c_int| stx.stx_attributes & bit as u64 != 0;
        let known = |bit: libc::c_int| stx.stx_attributes_mask & bit as u64 != 0;
        Attributes {
            immutable: has(libc::STATX_ATTR_IMMUTABLE),
            append_only: has(libc::STATX_ATTR_APPEND),
            mount_root: known(libc::STATX_ATTR_MOUNT_ROOT)
                .then(|| has(libc::STATX_ATTR_MOUNT_ROOT)),
        }
    }

    /// A lease held on an open file until dropped.
    pub(in super::super) struct Lease<'f> {
        file: &'f File,
        kind: LeaseKind,
    }

    impl<'f> Lease<'f> {
        /// Take a lease, retrying for a moment while someone else has the
        /// file open in a conflicting way; `None` when the system will not
        /// give one (not the file's owner without CAP_LEASE, leases turned
        /// off, a filesystem without them, or the file stays open).
        pub(in super::super) fn take(file: &'f File, kind: LeaseKind) -> Option<Lease<'f>> {
            let fd = file.as_raw_fd();
            // The break notice is a signal, SIGIO by default, whose default
            // action ends the process. SIGURG is ignored by default, and
            // the lease's state is read with F_GETLEASE instead.
            // SAFETY: fcntl on an open fd with integer arguments.
            if unsafe { libc::fcntl(fd, F_SETSIG, libc::SIGURG) } != 0 {
                return None;
            }
            let arg = match kind {
                LeaseKind::Read => libc::F_RDLCK,
                LeaseKind::Write => libc::F_WRLCK,
            };
            for _ in 0..40 {
                // SAFETY: as above.
                if unsafe { libc::fcntl(fd, libc::F_SETLEASE, arg) } == 0 {
                    return Some(Lease { file, kind });
                }
                if io::Error::last_os_error().raw_os_error() != Some(libc::EAGAIN) {
                    return None;
                }
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            None
        }

        /// Whether nobody has tried to open the file in a way that breaks
        /// the lease since it was taken.
        pub(in super::super) fn intact(&self) -> bool {
            let want = match self.kind {
                LeaseKind::Read => libc::F_RDLCK,
                LeaseKind::Write => libc::F_WRLCK,
            };
            // SAFETY: fcntl on an open fd.
            unsafe { libc::fcntl(self.file.as_raw_fd(), libc::F_GETLEASE) == want }
        }
    }

    impl Drop for Lease<'_> {
        fn drop(&mut self) {
            // Lets whoever waits on the lease go on.
            // SAFETY: fcntl on an open fd.
            unsafe { libc::fcntl(self.file.as_raw_fd(), libc::F_SETLEASE, libc::F_UNLCK) };
        }
    }

    fn c_path(path: &Path) -> io::Result<CString> {
        CString::new(path.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path with a NUL byte"))
    }

    /// Swap two names atomically; `Ok(false)` when the filesystem cannot.
    pub(in super::super) fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
        let (a, b) = (c_path(a)?, c_path(b)?);
        // The system call itself: musl (the static build of the
        // Dockerfile) has no renameat2() wrapper, nor had glibc before
        // 2.28; the kernel has had the call since 3.15.
        // SAFETY: both paths are valid C strings; the call takes two
        // directory fds, two paths and the flags, as passed.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(true);
        }
        let error = io::Error::last_os_error();
        match error.raw_os_error() {
            Some(libc::EINVAL | libc::ENOSYS | libc::ENOTSUP) => Ok(false),
            _ => Err(error),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::*;

    pub(in super::super) fn attributes(_file: &File) -> Attributes {
        Attributes::default()
    }

    pub(in super::super) struct Lease<'f>(std::marker::PhantomData<&'f File>);

    impl<'f> Lease<'f> {
        pub(in super::super) fn take(_file: &'f File, _kind: LeaseKind) -> Option<Lease<'f>> {
            None
        }

        pub(in super::super) fn intact(&self) -> bool {
            true
        }
    }

    pub(in super::super) fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
        Ok(false)
    }
}

pub(super) use imp::{attributes, exchange, Lease};

/// Whether process `pid` is alive (or exists and is not ours to signal).
pub(super) fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn exchange_swaps_two_names_or_says_it_cannot() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, "first").unwrap();
        std::fs::write(&b, "second").unwrap();
        if exchange(&a, &b).unwrap() {
            assert_eq!(std::fs::read_to_string(&a).unwrap(), "second");
            assert_eq!(std::fs::read_to_string(&b).unwrap(), "first");
        } else {
            // A filesystem without RENAME_EXCHANGE: nothing moved.
            assert_eq!(std::fs::read_to_string(&a).unwrap(), "first");
        }
        let missing = dir.path().join("missing");
        let error = exchange(&missing, &b).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
