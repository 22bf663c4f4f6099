//! What survives a run that stopped half way: the originals of every file
//! about to be written, kept in a recovery folder until the last file is in
//! place, and the sweep of what a killed run left behind.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{io_err, sys, Warning, WriteError};

/// How old a leftover temporary file must be before it is taken for
/// stale: a run in another PID namespace (a container sharing the
/// directory) has a process id this one cannot see.
const STALE_AFTER: Duration = Duration::from_secs(60);

/// The recovery folder's name: hidden, so that no `include dir/*` of nginx
/// reads it (nginx's glob leaves out names starting with a dot).
/// The time in it keeps a folder left by an earlier run whose process id
/// came round again from being taken for ours.
fn folder_name(pid: u32) -> String {
    let seconds = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(".ngxfix-recovery-{pid}-{seconds}")
}

/// The originals of the files a run writes, in a folder beside the first
/// of them that can hold it, mirrored under their absolute paths, with a
/// `RESTORE` file listing the commands that put them back.
pub(super) struct Folder {
    path: PathBuf,
}

impl Folder {
    /// Write every original (path as the user knows it, real path,
    /// original bytes) and sync them, before anything is replaced.
    pub(super) fn create(files: &[(&Path, &Path, &[u8])]) -> Result<Folder, WriteError> {
        let name = folder_name(std::process::id());
        let mut last_error = None;
        for (shown, real, _) in files {
            let Some(dir) = real.parent() else { continue };
            let path = dir.join(&name);
            // 0700: the copies may hold the same secrets as the configs.
            match DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => {
                    let folder = Folder { path };
                    return match folder.fill(files) {
                        Ok(()) => Ok(folder),
                        Err(error) => {
                            folder.remove();
                            Err(error)
                        }
                    };
                }
                Err(source) => last_error = Some((shown.to_path_buf(), source)),
            }
        }
        match last_error {
            Some((path, source)) => {
                Err(io_err(&path, "create a recovery folder beside it")(source))
            }
            None => Err(WriteError::NotAFile {
                path: PathBuf::from("/"),
            }),
        }
    }

    fn fill(&self, files: &[(&Path, &Path, &[u8])]) -> Result<(), WriteError> {
        let mut restore = String::from(
            "# The original text of each file an interrupted `ngxfix fix` was writing.\n\
             # To undo what it wrote, run these commands; to finish instead, run\n\
             # `ngxfix fix` again and remove this folder.\n",
        );
        for (shown, real, original) in files {
            let copy = self.copy_of(real);
            if let Some(parent) = copy.parent() {
                DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)
                    .map_err(io_err(shown, "create its recovery copy"))?;
            }
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&copy)
                .map_err(io_err(shown, "create its recovery copy"))?;
            file.write_all(original)
                .and_then(|()| file.sync_all())
                .map_err(io_err(shown, "write its recovery copy"))?;
            restore.push_str(&format!(
                "cat -- {} > {}\n",
                shell_quote(&copy),
                shell_quote(real)
            ));
        }
        let restore_path = self.path.join("RESTORE");
        fs::write(&restore_path, restore)
            .map_err(io_err(&restore_path, "write the recovery notes"))?;
        sync(&self.path);
        Ok(())
    }

    fn copy_of(&self, real: &Path) -> PathBuf {
        self.path.join(real.strip_prefix("/").unwrap_or(real))
    }

    /// The folder, kept for the user after a run that stopped half way.
    pub(super) fn keep(self) -> PathBuf {
        self.path
    }

    /// The run is over and every file holds what it should: the copies are
    /// not needed any more.
    pub(super) fn remove(self) {
        let _ = fs::remove_dir_all(&self.path);
        if let Some(dir) = self.path.parent() {
            sync(dir);
        }
    }
}

fn sync(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// `cat` rather than `cp`: writing into the existing file keeps its owner,
/// mode, links and mounts, as the fix did.
fn shell_quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The process id in the name of a temporary file of ours
/// (`.NAME.ngxfix-PID-RANDOM.tmp`), or of a recovery folder.
fn owner_pid(name: &str) -> Option<u32> {
    if let Some(rest) = name.strip_prefix(".ngxfix-recovery-") {
        let pid = rest.split_once('-').map_or(rest, |(pid, _)| pid);
        return pid.parse().ok();
    }
    let rest = name.strip_suffix(".tmp")?;
    let (_, tail) = rest.rsplit_once(".ngxfix-")?;
    let (pid, random) = tail.split_once('-')?;
    (!random.is_empty() && name.starts_with('.'))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Look in each directory about to be written for what a killed run of
/// ngxfix left: its temporary files are removed (they hold either a fixed
/// copy that never took or an original already replaced), its recovery
/// folders are pointed out but kept. Runs still alive are left alone.
pub(super) fn sweep(dirs: &[&Path]) -> Vec<Warning> {
    let mut notes = Vec::new();
    let now = SystemTime::now();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(owner_pid) else {
                continue;
            };
            let Ok(meta) = entry.metadata() else { continue };
            let old = meta
                .modified()
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age >= STALE_AFTER);
            if pid == std::process::id() || sys::alive(pid) || !old {
                continue;
            }
            let path = entry.path();
            if meta.is_dir() {
                notes.push(Warning {
                    path: path.clone(),
                    message: format!(
                        "a recovery folder left by an ngxfix run that stopped half way \
                         (process {pid}); its RESTORE file says how to undo that run"
                    ),
                });
            } else if meta.is_file() && fs::remove_file(&path).is_ok() {
                notes.push(Warning {
                    path,
                    message: format!(
                        "removed: a temporary file left by an ngxfix run that was killed \
                         (process {pid})"
                    ),
                });
            }
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_pids_are_read_from_our_names_only() {
        assert_eq!(owner_pid(".nginx.conf.ngxfix-1234-aB3xYz.tmp"), Some(1234));
        assert_eq!(owner_pid(".a.ngxfix-b.conf.ngxfix-77-q.tmp"), Some(77));
        assert_eq!(owner_pid(".ngxfix-recovery-99"), Some(99));
        assert_eq!(owner_pid(".ngxfix-recovery-99-1796000000"), Some(99));
        assert!(folder_name(42).starts_with(".ngxfix-recovery-42-"));
        assert_eq!(owner_pid(".nginx.conf.ngxfix-aB3xYz.tmp"), None);
        assert_eq!(owner_pid("nginx.conf.ngxfix-12-a.tmp"), None);
        assert_eq!(owner_pid(".nginx.conf.ngxfix-12-a.swp"), None);
        assert_eq!(owner_pid("nginx.conf"), None);
    }

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(shell_quote(Path::new("/a b/it's")), r"'/a b/it'\''s'");
    }
}
