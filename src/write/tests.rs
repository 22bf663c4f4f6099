//! The write path on real files: links, modes, owners, concurrent edits,
//! files a rename cannot replace, leftovers.

use super::stage::{stage, temp_prefix};
use super::*;
use std::fs;
use std::fs::{File, Permissions};
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `write_all` with the default options; the warnings of a success.
fn write(changes: &[Change<'_>]) -> Result<Vec<Warning>, WriteError> {
    write_all(changes, &WriteOptions::default()).map(|w| {
        assert_eq!(w.interrupted, None);
        w.warnings
    })
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

/// Fail, naming them, if any of our files are left under `dir`.
fn assert_clean(dir: &Path) {
    let left = leftovers(dir);
    assert!(left.is_empty(), "left behind: {left:?}");
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().mode() & 0o7777
}

#[test]
fn content_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nginx.conf");
    fs::write(&p, b"old;\n").unwrap();
    let warnings = write(&[change(&p, b"old;\n", b"new;\n")]).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(fs::read(&p).unwrap(), b"new;\n");
    assert_clean(dir.path());
}

#[test]
fn inode_changes_so_the_replacement_was_a_rename() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.conf");
    fs::write(&p, b"a").unwrap();
    let before = fs::metadata(&p).unwrap().ino();
    write(&[change(&p, b"a", b"b")]).unwrap();
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
        let warnings = write(&[change(&p, b"x", b"y")]).unwrap();
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
    let warnings = write(&[change(&p, b"x", b"y")]).unwrap();
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
    write(&[change(&link, b"old", b"new")]).unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read_link(&link).unwrap(),
        PathBuf::from("real/site.conf")
    );
    assert_eq!(fs::read(&target).unwrap(), b"new");
    assert_clean(dir.path());
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
    write(&[change(&first, b"old", b"new")]).unwrap();
    for link in [&first, &middle] {
        assert!(fs::symlink_metadata(link).unwrap().file_type().is_symlink());
    }
    assert_eq!(fs::read_link(&middle).unwrap(), PathBuf::from("real.conf"));
    assert_eq!(fs::read_link(&first).unwrap(), middle);
    assert_eq!(fs::read(&target).unwrap(), b"new");
    // The temporary file was made beside the real target, not the link.
    assert_clean(dir.path());
}

#[test]
fn dangling_symlink_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("broken.conf");
    symlink("nowhere.conf", &link).unwrap();
    let err = write(&[change(&link, b"", b"new")]).unwrap_err();
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
    let err = write(&[change(dir.path(), b"", b"new")]).unwrap_err();
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
    let warnings = write(&[change(&a, b"a long old text\n", b"short\n")]).unwrap();
    assert_eq!(fs::read(&a).unwrap(), b"short\n");
    assert_eq!(fs::read(&b).unwrap(), b"short\n");
    assert_eq!(fs::metadata(&a).unwrap().ino(), ino);
    assert_eq!(fs::metadata(&b).unwrap().ino(), ino);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].path, a);
    let text = warnings[0].to_string();
    assert!(text.contains("2 hard links"), "{text}");
    assert!(text.contains("a.conf"), "{text}");
    assert_clean(dir.path());
}

#[test]
fn hard_link_changed_on_disk_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.conf");
    fs::write(&a, b"edited").unwrap();
    fs::hard_link(&a, dir.path().join("b.conf")).unwrap();
    let err = write(&[change(&a, b"loaded", b"fixed")]).unwrap_err();
    assert!(matches!(err, WriteError::Changed { .. }), "{err:?}");
    assert_eq!(fs::read(&a).unwrap(), b"edited");
}

#[test]
fn changed_on_disk_is_an_error_and_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.conf");
    fs::write(&p, b"edited by someone else").unwrap();
    let ino = fs::metadata(&p).unwrap().ino();
    let err = write(&[change(&p, b"as loaded", b"fixed")]).unwrap_err();
    assert!(matches!(err, WriteError::Changed { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("a.conf"), "{text}");
    assert!(text.contains("changed on disk"), "{text}");
    assert_eq!(fs::read(&p).unwrap(), b"edited by someone else");
    assert_eq!(fs::metadata(&p).unwrap().ino(), ino);
    assert_clean(dir.path());
}

#[test]
fn a_file_edited_after_staging_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.conf");
    fs::write(&p, b"as loaded").unwrap();
    let staged = stage(
        &change(&p, b"as loaded", b"fixed"),
        &WriteOptions::default(),
    )
    .unwrap();
    staged.check_unchanged().unwrap();
    fs::write(&p, b"someone's edit").unwrap();
    let err = staged.check_unchanged().unwrap_err();
    assert!(matches!(err, WriteError::Changed { .. }), "{err:?}");
    drop(staged);
    assert_eq!(fs::read(&p).unwrap(), b"someone's edit");
    assert_clean(dir.path());
}

#[test]
fn unchanged_text_is_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.conf");
    fs::write(&p, b"same").unwrap();
    let before = fs::metadata(&p).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let warnings = write(&[change(&p, b"same", b"same")]).unwrap();
    assert!(warnings.is_empty());
    let after = fs::metadata(&p).unwrap();
    assert_eq!(before.ino(), after.ino());
    assert_eq!(
        (before.mtime(), before.mtime_nsec()),
        (after.mtime(), after.mtime_nsec())
    );
    // Skipped before any look at the disk: a missing file is no error.
    let missing = dir.path().join("missing.conf");
    write(&[change(&missing, b"x", b"x")]).unwrap();
    assert!(!missing.exists());
    assert_clean(dir.path());
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
    let result = write(&[
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
    assert_clean(dir.path());
}

#[test]
fn same_file_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.conf");
    fs::write(&real, b"old").unwrap();
    let link = dir.path().join("link.conf");
    symlink("real.conf", &link).unwrap();
    let err = write(&[
        change(&real, b"old", b"fix one"),
        change(&link, b"old", b"fix two"),
    ])
    .unwrap_err();
    assert!(matches!(err, WriteError::Duplicate { .. }), "{err:?}");
    assert_eq!(fs::read(&real).unwrap(), b"old");
    assert_clean(dir.path());
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
    let warnings = write(&[
        change(&a, b"a", b"A"),
        change(&b, b"b", b"b"),
        change(&c, b"c", b"C"),
    ])
    .unwrap();
    assert_eq!(fs::read(&a).unwrap(), b"A");
    assert_eq!(fs::read(&b).unwrap(), b"b");
    assert_eq!(fs::read(&c).unwrap(), b"C");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_clean(dir.path());
}

#[test]
fn temp_prefix_fits_a_long_name() {
    let name = "n".repeat(255);
    let prefix = temp_prefix(Path::new(&name));
    // prefix (with its pid) + 6 random characters + ".tmp" must fit in
    // 255 bytes.
    assert!(prefix.len() + 6 + 4 <= 255);
    assert!(prefix.to_string_lossy().starts_with(".nnn"));
    let pid = format!(".ngxfix-{}-", std::process::id());
    assert!(prefix.to_string_lossy().ends_with(&pid));
}

fn hooked<T>(hook: impl FnMut(&Path, &File) + 'static, run: impl FnOnce() -> T) -> T {
    super::commit::hook::set(hook);
    let result = run();
    super::commit::hook::clear();
    result
}

/// Start another process appending `line` to `real`, and wait until its
/// open is held up by our lease on `file` (the lease shows it).
fn append_meanwhile(real: &Path, file: &File, line: &str) -> std::process::Child {
    use std::os::unix::io::AsRawFd;
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"printf '%s\n' "$2" >> "$1""#)
        .arg("sh")
        .arg(real)
        .arg(line)
        .spawn()
        .unwrap();
    for _ in 0..1000 {
        // SAFETY: fcntl on an open fd.
        if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLEASE) } != libc::F_RDLCK {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    panic!("the writer never reached its open");
}

/// Files named like a recovery folder anywhere under `dir`.
fn recovery_folders(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(".ngxfix-recovery-"))
        .collect()
}

#[test]
fn an_editor_renaming_its_copy_in_between_keeps_its_version() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.conf");
    fs::write(&p, b"as loaded").unwrap();
    let err = hooked(
        |real, _| {
            // What vim and most editors do: write a copy, rename it over.
            let copy = real.with_extension("swp");
            fs::write(&copy, b"the editor's version").unwrap();
            fs::rename(&copy, real).unwrap();
        },
        || write(&[change(&p, b"as loaded", b"fixed")]).unwrap_err(),
    );
    assert!(
        matches!(err, WriteError::ChangedDuringSwap { .. }),
        "{err:?}"
    );
    assert_eq!(fs::read(&p).unwrap(), b"the editor's version");
    assert_clean(dir.path());
    assert!(recovery_folders(dir.path()).is_empty());
}

#[test]
fn a_writer_opening_in_between_waits_and_its_edit_lands() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.conf");
    fs::write(&p, b"as loaded\n").unwrap();
    let writer = std::rc::Rc::new(std::cell::RefCell::new(None));
    let slot = writer.clone();
    let result = hooked(
        move |real, file| *slot.borrow_mut() = Some(append_meanwhile(real, file, "appended")),
        || write(&[change(&p, b"as loaded\n", b"fixed\n")]),
    );
    let mut child = writer.borrow_mut().take().expect("the hook ran");
    assert!(child.wait().unwrap().success());
    let err = result.unwrap_err();
    assert!(
        matches!(err, WriteError::ChangedDuringSwap { .. }),
        "{err:?}"
    );
    assert_eq!(fs::read(&p).unwrap(), b"as loaded\nappended\n");
    assert_clean(dir.path());
}

#[test]
fn a_change_after_the_first_file_is_written_names_what_holds_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.conf");
    let b = dir.path().join("b.conf");
    fs::write(&a, b"a as loaded\n").unwrap();
    fs::write(&b, b"b as loaded\n").unwrap();
    let writer = std::rc::Rc::new(std::cell::RefCell::new(None));
    let slot = writer.clone();
    let mut calls = 0;
    let err = hooked(
        move |real, file| {
            calls += 1;
            if calls == 2 {
                *slot.borrow_mut() = Some(append_meanwhile(real, file, "someone's line"));
            }
        },
        || {
            write(&[
                change(&a, b"a as loaded\n", b"a fixed\n"),
                change(&b, b"b as loaded\n", b"b fixed\n"),
            ])
            .unwrap_err()
        },
    );
    let mut child = writer.borrow_mut().take().expect("the hook ran twice");
    assert!(child.wait().unwrap().success());
    let WriteError::Partial {
        cause,
        written,
        not_written,
        recovery: Some(folder),
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(
        matches!(**cause, WriteError::ChangedDuringSwap { .. }),
        "{cause:?}"
    );
    assert_eq!(written, std::slice::from_ref(&a));
    assert_eq!(not_written, std::slice::from_ref(&b));
    assert_eq!(fs::read(&a).unwrap(), b"a fixed\n");
    assert_eq!(fs::read(&b).unwrap(), b"b as loaded\nsomeone's line\n");
    let text = err.to_string();
    for part in [
        "b.conf: changed on disk",
        "written: ",
        "not written: ",
        "RESTORE",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }
    // The folder's commands undo the run.
    let restore = folder.join("RESTORE");
    let status = std::process::Command::new("sh")
        .arg(&restore)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(fs::read(&a).unwrap(), b"a as loaded\n");
    assert_eq!(fs::metadata(folder).unwrap().mode() & 0o777, 0o700);
    fs::remove_dir_all(folder).unwrap();
    assert_clean(dir.path());
}

#[test]
fn the_recovery_folder_is_gone_after_a_good_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.conf");
    fs::write(&a, b"a").unwrap();
    let mut seen = Vec::new();
    let folders = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let during = folders.clone();
    let parent = dir.path().to_path_buf();
    hooked(
        move |_, _| during.borrow_mut().extend(recovery_folders(&parent)),
        || write(&[change(&a, b"a", b"A")]).unwrap(),
    );
    seen.extend(folders.borrow().iter().cloned());
    assert_eq!(seen.len(), 1, "a folder while writing: {seen:?}");
    assert!(recovery_folders(dir.path()).is_empty());
    assert_eq!(fs::read(&a).unwrap(), b"A");
}

#[test]
fn a_read_only_file_is_replaced_with_a_note_or_refused_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ro.conf");
    fs::write(&p, b"old").unwrap();
    fs::set_permissions(&p, Permissions::from_mode(0o444)).unwrap();
    let respect = WriteOptions {
        respect_readonly: true,
        ..WriteOptions::default()
    };
    let err = write_all(&[change(&p, b"old", b"new")], &respect).unwrap_err();
    assert!(
        matches!(err, WriteError::RespectReadOnly { mode: 0o444, .. }),
        "{err:?}"
    );
    assert_eq!(fs::read(&p).unwrap(), b"old");
    let warnings = write(&[change(&p, b"old", b"new")]).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"new");
    assert_eq!(mode(&p), 0o444);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].message.contains("read-only (mode 0444)"),
        "{warnings:?}"
    );
    assert_clean(dir.path());
}

#[test]
fn an_immutable_file_stops_the_run_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.conf");
    let b = dir.path().join("b.conf");
    fs::write(&a, b"a").unwrap();
    fs::write(&b, b"b").unwrap();
    let chattr = |flag: &str| {
        std::process::Command::new("chattr")
            .arg(flag)
            .arg(&b)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !chattr("+i") {
        eprintln!("skipped: chattr +i is not allowed here");
        return;
    }
    let result = write(&[change(&a, b"a", b"A"), change(&b, b"b", b"B")]);
    chattr("-i");
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            WriteError::Immutable {
                attribute: "immutable",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("chattr -i"), "{err}");
    assert_eq!(fs::read(&a).unwrap(), b"a");
    assert_eq!(fs::read(&b).unwrap(), b"b");
    assert_clean(dir.path());
}

#[test]
fn what_a_killed_run_left_is_swept_and_live_runs_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nginx.conf");
    fs::write(&p, b"old").unwrap();
    // A process that has ended: its id names no live process (until reused).
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    let dead = gone.id();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
    let make = |name: String, age: std::time::SystemTime| {
        let path = dir.path().join(name);
        let file = File::create(&path).unwrap();
        file.set_modified(age).unwrap();
        path
    };
    let stale = make(format!(".nginx.conf.ngxfix-{dead}-aaaaaa.tmp"), old);
    let fresh = make(
        format!(".nginx.conf.ngxfix-{dead}-bbbbbb.tmp"),
        std::time::SystemTime::now(),
    );
    let live = make(
        format!(".nginx.conf.ngxfix-{}-cccccc.tmp", std::process::id()),
        old,
    );
    let stale_folder = dir.path().join(format!(".ngxfix-recovery-{dead}"));
    fs::create_dir(&stale_folder).unwrap();
    File::options().write(true).open(&stale_folder).ok();
    let folder_time = File::open(&stale_folder).unwrap();
    folder_time.set_modified(old).ok();
    let warnings = write(&[change(&p, b"old", b"new")]).unwrap();
    assert!(!stale.exists());
    assert!(fresh.exists() && live.exists());
    assert!(stale_folder.exists(), "a recovery folder is never removed");
    let text: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        text.iter().any(|t| t.contains("removed: a temporary file")),
        "{text:?}"
    );
    assert!(text.iter().any(|t| t.contains("RESTORE")), "{text:?}");
}
