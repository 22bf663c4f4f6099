//! Reading one configuration file: regular files only, and at most a
//! limit of bytes.
//!
//! nginx opens whatever an `include` names and reads as many bytes as
//! fstat(2) reports: a FIFO blocks it in open(2) until a writer comes, a
//! device reads as empty (its size is 0) and a directory fails in pread(2).
//! Here only regular files are read, so that no input can block the load or
//! feed it without end; `/dev/null`, which configurations include as an
//! empty placeholder and nginx reads as empty, is read as empty too.

use std::fs::{Metadata, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use crate::config::{size_text, FileKind, LoadError, DEFAULT_MAX_FILE_SIZE};

/// The kind of what `meta` describes; `None` for a regular file.
pub fn kind_of(meta: &Metadata) -> Option<FileKind> {
    let kind = meta.file_type();
    Some(if kind.is_file() {
        return None;
    } else if kind.is_dir() {
        FileKind::Directory
    } else if kind.is_fifo() {
        FileKind::Fifo
    } else if kind.is_char_device() {
        FileKind::CharDevice
    } else if kind.is_block_device() {
        FileKind::BlockDevice
    } else if kind.is_socket() {
        FileKind::Socket
    } else {
        FileKind::Other
    })
}

/// Read a configuration file of at most `max_size` bytes, with its path in
/// the error. Only a regular file is read (or `/dev/null`, as empty): the
/// kind is checked before opening, since opening a FIFO blocks, and again
/// on the opened file, which is opened non-blocking in case a FIFO was put
/// in its place in between. A file that grows while read is cut at one
/// byte past the limit, so it is refused without being read whole.
pub fn read_file(path: &Path, max_size: u64) -> Result<Vec<u8>, LoadError> {
    let shown = || path.display().to_string();
    let io_error = |error| LoadError::Read {
        path: shown(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(io_error)?;
    if is_dev_null(&meta) {
        return Ok(Vec::new());
    }
    if let Some(kind) = kind_of(&meta) {
        return Err(LoadError::NotRegular {
            path: shown(),
            kind,
        });
    }
    // O_NONBLOCK changes nothing for a regular file; for a FIFO swapped in
    // since the check, open returns at once instead of waiting.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    if let Some(kind) = kind_of(&meta) {
        return Err(LoadError::NotRegular {
            path: shown(),
            kind,
        });
    }
    if meta.len() > max_size {
        return Err(LoadError::TooLarge {
            path: shown(),
            limit: max_size,
        });
    }
    read_limited(file, meta.len(), max_size, &shown())
}

/// Read one of the other files ngxfix is given (rule files, settings,
/// app-server configurations) as text, with the same refusal of special
/// files and the default limit: a FIFO named by `--rules` or `[backends]`
/// must not hang the run either. The error is the bare cause, for the
/// caller to put after the path.
pub fn read_text(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    let bytes = read_file(path, DEFAULT_MAX_FILE_SIZE).map_err(|error| match error {
        LoadError::Read { error, .. } => error,
        LoadError::NotRegular { kind, .. } => Error::new(
            ErrorKind::InvalidInput,
            format!("is {kind}, not a regular file"),
        ),
        LoadError::TooLarge { limit, .. } => Error::new(
            ErrorKind::InvalidInput,
            format!(
                "larger than {}, the most ngxfix reads of one file",
                size_text(limit)
            ),
        ),
        other => Error::other(other.to_string()),
    })?;
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
}

/// Read standard input, at most `max_size` bytes.
pub fn read_stdin(max_size: u64) -> Result<Vec<u8>, LoadError> {
    read_limited(std::io::stdin().lock(), 0, max_size, "standard input")
}

/// Read `reader` to its end if that is at most `max_size` bytes; `expected`
/// is the size to reserve room for.
fn read_limited(
    reader: impl Read,
    expected: u64,
    max_size: u64,
    path: &str,
) -> Result<Vec<u8>, LoadError> {
    let capacity = expected.min(max_size).saturating_add(1);
    let mut text = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    // One byte past the limit tells a file at the limit from a longer one.
    reader
        .take(max_size.saturating_add(1))
        .read_to_end(&mut text)
        .map_err(|error| LoadError::Read {
            path: path.to_string(),
            error,
        })?;
    if text.len() as u64 > max_size {
        return Err(LoadError::TooLarge {
            path: path.to_string(),
            limit: max_size,
        });
    }
    Ok(text)
}

/// Whether `meta` is the null device (compared by device number, so a
/// symlink to it or a bind-mounted copy in a container counts).
fn is_dev_null(meta: &Metadata) -> bool {
    meta.file_type().is_char_device()
        && std::fs::metadata("/dev/null").is_ok_and(|null| null.rdev() == meta.rdev())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_at_the_limit_is_read_and_one_past_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.conf");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_file(&path, 10).unwrap(), b"0123456789");
        let error = read_file(&path, 9).unwrap_err();
        assert!(
            matches!(error, LoadError::TooLarge { limit: 9, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("--max-file-size"), "{error}");
    }

    #[test]
    fn a_reader_longer_than_the_limit_is_read_one_byte_past_it() {
        // An endless reader, as a file that keeps growing would be.
        let error = read_limited(std::io::repeat(b'x'), 0, 1 << 10, "grows").unwrap_err();
        assert!(matches!(error, LoadError::TooLarge { limit: 1024, .. }));
        let text = read_limited(&b"abc"[..], 3, 3, "exact").unwrap();
        assert_eq!(text, b"abc");
    }

    #[test]
    fn only_regular_files_and_dev_null_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_file(dir.path(), 1 << 20).unwrap_err();
        assert!(
            matches!(
                error,
                LoadError::NotRegular {
                    kind: FileKind::Directory,
                    ..
                }
            ),
            "{error}"
        );
        let error = read_file(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert_eq!(
            error.to_string(),
            "/dev/zero: is a character device, not a regular file"
        );
        assert_eq!(read_file(Path::new("/dev/null"), 1 << 20).unwrap(), b"");
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.conf");
        let name = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        // On another thread, so that a read that blocks fails the test
        // instead of hanging it.
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || send.send(read_file(&fifo, 1 << 20).map_err(|e| e.to_string())));
        let result = receive
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("reading a FIFO blocks");
        let error = result.unwrap_err();
        assert!(
            error.ends_with("pipe.conf: is a FIFO (named pipe), not a regular file"),
            "{error}"
        );
    }
}
