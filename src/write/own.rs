//! Files ngxfix keeps for itself (a probe cache, a baseline): no one else's
//! edits to protect, so none of [`write_all`](super::write_all)'s steps,
//! but still never seen half-written.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::Context;

/// Write `bytes` to `path`: staged beside it, then renamed over it. An
/// existing file keeps its mode; a new one is readable by all (0644), as a
/// file committed to a repository is, not the staging file's 0600.
pub fn replace(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mode = std::fs::metadata(path).map_or(0o644, |meta| meta.permissions().mode() & 0o7777);
    let mut staged = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing {} (in {})", path.display(), dir.display()))?;
    staged.write_all(bytes)?;
    staged.as_file().sync_all()?;
    staged
        .as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    staged
        .persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_is_readable_and_an_old_one_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        replace(&path, b"one").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o644);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        replace(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(mode(&path), 0o600);
        // Nothing is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
