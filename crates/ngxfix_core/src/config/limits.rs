//! What ngxfix reads of one file: a regular file only, and at most a
//! limit of bytes. The reading itself is the operating system's side
//! (`crate::disk`); here are the kinds refused and the limit, which errors
//! name.

use std::fmt;

/// The most bytes read of one file unless `--max-file-size` says otherwise:
/// 256 MiB, far above any real configuration (the largest seen are a few
/// MiB of generated `map` entries) and far below what would exhaust memory.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 256 << 20;

/// What a path is when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Directory,
    /// A named pipe: opening it for reading waits for a writer.
    Fifo,
    /// A character device such as `/dev/zero`, which never ends.
    CharDevice,
    BlockDevice,
    Socket,
    /// None of the above (a platform's own kind).
    Other,
}

/// With its article, to follow "is": `a FIFO (named pipe)`.
impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a FIFO (named pipe)",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Socket => "a socket",
            FileKind::Other => "a special file",
        })
    }
}

/// A limit of bytes as people write it: `256 MiB`, `1 KiB`, `1000 bytes`.
pub fn size_text(bytes: u64) -> String {
    for (unit, scale) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes != 0 && bytes % scale == 0 {
            return format!("{} {unit}", bytes / scale);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_named_in_the_largest_exact_unit() {
        assert_eq!(size_text(DEFAULT_MAX_FILE_SIZE), "256 MiB");
        assert_eq!(size_text(1024), "1 KiB");
        assert_eq!(size_text(3 << 30), "3 GiB");
        assert_eq!(size_text(1000), "1000 bytes");
        assert_eq!(size_text(0), "0 bytes");
    }
}
