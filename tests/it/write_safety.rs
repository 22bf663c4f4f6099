//! `ngxfix fix` under hostile conditions: another program editing the
//! files while they are written, files a rename cannot replace, Ctrl-C at
//! any moment, read-only files. Nothing anyone wrote is ever lost, no file
//! is ever torn, nothing of ours is left behind.

use crate::common;

use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{stderr, stdout};

const MAIN: &str = "http {\n    upstream app { server 127.0.0.1:8000; keepalive 16; }\n    include conf.d/*.conf;\n}\n";

/// A server whose location lacks `proxy_http_version 1.1`: one fix each.
fn site(n: usize, padding: usize) -> String {
    let mut text = format!(
        "server {{\n    listen {};\n    proxy_set_header Connection \"\";\n    location / {{\n        proxy_pass http://app;\n    }}\n",
        8000 + n
    );
    for i in 0..padding {
        text.push_str(&format!(
            "    # padding {i:07} so that the file takes a while to write .......\n"
        ));
    }
    text.push_str("}\n");
    text
}

fn fixed(text: &str) -> String {
    text.replace(
        "proxy_pass http://app;\n",
        "proxy_pass http://app;\n        proxy_http_version 1.1;\n",
    )
}

/// A tree of `files` sites under conf.d, each `padding` comment lines long.
fn tree(dir: &Path, files: usize, padding: usize) -> Vec<PathBuf> {
    let conf_d = dir.join("conf.d");
    let _ = fs::remove_dir_all(&conf_d);
    fs::create_dir_all(&conf_d).unwrap();
    fs::write(dir.join("nginx.conf"), MAIN).unwrap();
    (0..files)
        .map(|n| {
            let path = conf_d.join(format!("s{n:03}.conf"));
            fs::write(&path, site(n, padding)).unwrap();
            path
        })
        .collect()
}

/// Our temporary files and recovery folders anywhere under `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    common::files_under(dir)
        .into_iter()
        .chain(
            fs::read_dir(dir)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir()),
        )
        .map(|p| p.display().to_string())
        .filter(|p| p.contains(".ngxfix-"))
        .collect()
}

/// Fail, naming them, if any of our files are left under `dir`.
fn assert_clean(dir: &Path) {
    let left = leftovers(dir);
    assert!(left.is_empty(), "left behind: {left:?}");
}

fn fix(dir: &Path, extra: &[&str]) -> Command {
    let mut command = common::ngxfix();
    command
        .args(common::without_gixy_pack(&[
            "fix",
            "--no-verify",
            "--backend",
            "app=75s",
        ]))
        .args(extra)
        .arg("nginx.conf")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A small deterministic generator, so a failing run can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn an_edit_made_while_the_files_are_written_is_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut outcomes = (0, 0, 0); // all written, refused before writing, partial
    for attempt in 0..12 {
        let files = tree(dir.path(), 50, 0);
        let (first, last) = (files[0].clone(), files[49].clone());
        let first_inode = fs::metadata(&first).unwrap().ino();
        let stop = Arc::new(AtomicBool::new(false));
        // Appends to the last file as soon as the first has been replaced:
        // the moment the old write path lost such an edit.
        let writer = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut appended = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let replaced = fs::metadata(&first).is_ok_and(|m| m.ino() != first_inode);
                    if !replaced && appended.is_empty() {
                        std::thread::yield_now();
                        continue;
                    }
                    let line = format!("# edit {attempt}-{}\n", appended.len());
                    let mut file = fs::OpenOptions::new().append(true).open(&last).unwrap();
                    file.write_all(line.as_bytes()).unwrap();
                    drop(file);
                    appended.push(line);
                    std::thread::sleep(Duration::from_micros(200));
                }
                appended
            })
        };
        let mut child = fix(dir.path(), &[]).spawn().unwrap();
        let status = common::wait_bounded(&mut child, Duration::from_secs(120), "ngxfix fix");
        stop.store(true, Ordering::Relaxed);
        let appended = writer.join().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        let now = fs::read_to_string(&files[49]).unwrap();
        for line in &appended {
            assert!(
                now.contains(line.as_str()),
                "attempt {attempt}: {line:?} was lost\n{err}"
            );
        }
        match status.code() {
            Some(0 | 1) => outcomes.0 += 1,
            Some(2) if err.contains("partly written") => {
                outcomes.2 += 1;
                assert!(err.contains("not written: "), "{err}");
                assert!(err.contains("s049.conf"), "{err}");
                assert!(err.contains("RESTORE"), "{err}");
                // The files before the last hold the fix.
                let second = fs::read_to_string(&files[1]).unwrap();
                assert_eq!(second, fixed(&site(1, 0)));
                for folder in fs::read_dir(dir.path().join("conf.d")).unwrap().flatten() {
                    if folder
                        .file_name()
                        .to_string_lossy()
                        .starts_with(".ngxfix-recovery-")
                    {
                        fs::remove_dir_all(folder.path()).unwrap();
                    }
                }
            }
            Some(2) => {
                outcomes.1 += 1;
                assert!(err.contains("changed on disk"), "{err}");
            }
            _ => panic!("attempt {attempt}: {status:?}\n{err}"),
        }
        assert_clean(dir.path());
        if outcomes.2 > 0 {
            break; // the race was hit where it used to lose data
        }
    }
    eprintln!(
        "concurrent edits: {} runs wrote everything, {} stopped before writing, {} stopped part way",
        outcomes.0, outcomes.1, outcomes.2
    );
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `unshare -m` works here (root in a system that allows namespaces).
fn can_unshare() -> bool {
    is_root()
        && Command::new("unshare")
            .args(["-m", "true"])
            .output()
            .is_ok_and(|o| o.status.success())
}

#[test]
fn a_bind_mounted_file_is_found_before_anything_is_written() {
    if !can_unshare() {
        eprintln!("skipped: needs root and `unshare -m`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = tree(dir.path(), 3, 0);
    // The host's copy, mounted over the second site as a container would.
    let host = dir.path().join("host-s001.conf");
    fs::write(&host, site(1, 0)).unwrap();
    let mounted = |extra: &str| {
        let script =
            format!("mount --bind \"$1\" \"$2\" && exec \"$3\" fix --ignore {} --no-verify --backend app=75s {extra} nginx.conf", common::GIXY_PACK);
        Command::new("unshare")
            .args(["-m", "sh", "-c", &script, "sh"])
            .arg(&host)
            .arg(&files[1])
            .arg(env!("CARGO_BIN_EXE_ngxfix"))
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = mounted("");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("s001.conf: the file is a mount point"),
        "{err}"
    );
    assert!(err.contains("--in-place-ok"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    for (n, path) in files.iter().enumerate() {
        assert_eq!(fs::read_to_string(path).unwrap(), site(n, 0), "{n}");
    }
    assert_eq!(fs::read_to_string(&host).unwrap(), site(1, 0));
    assert_clean(dir.path());

    let out = mounted("--in-place-ok");
    // 0: everything is fixed (the declared backend outlasts nginx).
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("written in place"),
        "{}",
        stderr(&out)
    );
    // The write went through the mount into the host's file.
    assert_eq!(fs::read_to_string(&host).unwrap(), fixed(&site(1, 0)));
    for n in [0, 2] {
        assert_eq!(fs::read_to_string(&files[n]).unwrap(), fixed(&site(n, 0)));
    }
    assert_clean(dir.path());
}

#[test]
fn an_immutable_file_is_found_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let files = tree(dir.path(), 3, 0);
    let chattr = |flag: &str, path: &Path| {
        Command::new("chattr")
            .arg(flag)
            .arg(path)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !chattr("+i", &files[2]) {
        eprintln!("skipped: chattr +i is not allowed here");
        return;
    }
    let out = fix(dir.path(), &[]).output().unwrap();
    chattr("-i", &files[2]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("s002.conf: the file has the immutable attribute"),
        "{err}"
    );
    for (n, path) in files.iter().enumerate() {
        assert_eq!(fs::read_to_string(path).unwrap(), site(n, 0), "{n}");
    }
    assert_clean(dir.path());
}

#[test]
fn an_error_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let files = tree(dir.path(), 1, 0);
    let conf_d = dir.path().join("conf.d");
    let locked = Command::new("chattr")
        .arg("+i")
        .arg(&conf_d)
        .output()
        .is_ok_and(|o| o.status.success());
    if !locked {
        eprintln!("skipped: chattr +i is not allowed here");
        return;
    }
    let out = fix(dir.path(), &[]).output().unwrap();
    Command::new("chattr")
        .arg("-i")
        .arg(&conf_d)
        .status()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is not writable"), "{err}");
    assert_eq!(err.matches("(os error").count(), 1, "{err}");
    assert_eq!(fs::read_to_string(&files[0]).unwrap(), site(0, 0));
}

#[test]
fn a_read_only_file_is_fixed_with_a_note_unless_asked_not_to() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let files = tree(dir.path(), 2, 0);
    fs::set_permissions(&files[1], fs::Permissions::from_mode(0o444)).unwrap();
    let out = fix(dir.path(), &["--respect-readonly"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("s001.conf: the file is read-only (mode 0444)"));
    assert_eq!(fs::read_to_string(&files[0]).unwrap(), site(0, 0));

    let out = fix(dir.path(), &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("s001.conf: the file is read-only (mode 0444); it was replaced"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&files[1]).unwrap(), fixed(&site(1, 0)));
    assert_eq!(fs::metadata(&files[1]).unwrap().mode() & 0o777, 0o444);
    assert!(
        stdout(&out).contains("Fixed 2 findings"),
        "{}",
        stdout(&out)
    );
}

/// Ctrl-C at `runs` points spread over the whole run: the file is always
/// whole, old or new, and nothing of ours is left.
fn interrupted_runs(hard_link: bool, runs: u64) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let files = tree(dir.path(), 1, 60_000); // about 4.6 MB
    let path = &files[0];
    let original = fs::read(path).unwrap();
    let stamp = |meta: &fs::Metadata| (meta.len(), meta.mtime(), meta.mtime_nsec());
    let want = fixed(&String::from_utf8(original.clone()).unwrap()).into_bytes();
    let other = dir.path().join("other-name.conf");
    let mut random = Random(0x9e37_79b9_7f4a_7c15 ^ u64::from(hard_link));
    let (mut old, mut new) = (0, 0);
    // One whole run, to spread the random moments over its length.
    let start = Instant::now();
    let mut child = fix(dir.path(), &[]).spawn().unwrap();
    common::wait_bounded(&mut child, Duration::from_secs(120), "ngxfix fix");
    let length = start.elapsed().as_micros() as u64 + 1;
    fs::write(path, &original).unwrap();
    for run in 0..runs {
        if hard_link {
            let _ = fs::remove_file(&other);
            fs::hard_link(path, &other).unwrap();
        }
        let before = stamp(&fs::metadata(path).unwrap());
        let mut command = fix(dir.path(), &[]);
        // A shell's background job ignores SIGINT, and its children inherit
        // that: give ngxfix the default, as a terminal's Ctrl-C finds it.
        // SAFETY: signal(2) is async-signal-safe, as pre_exec requires.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            })
        };
        let mut child = command.spawn().unwrap();
        let start = Instant::now();
        let running = |child: &mut Child| {
            assert!(start.elapsed() < Duration::from_secs(120), "ngxfix hangs");
            child.try_wait().unwrap().is_none()
        };
        match run % 5 {
            // Any moment of the run.
            0 => std::thread::sleep(Duration::from_micros(random.below(length))),
            // Once the file itself starts to change (an in-place write
            // under way; a rename shows only when done).
            1 | 2 => {
                while running(&mut child) && fs::metadata(path).is_ok_and(|m| stamp(&m) == before) {
                }
            }
            // Soon after our first file appears beside it: staging,
            // keeping the originals, swapping.
            _ => {
                while running(&mut child) && leftovers(dir.path()).is_empty() {}
                std::thread::sleep(Duration::from_micros(random.below(20_000)));
            }
        }
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let status = common::wait_bounded(&mut child, Duration::from_secs(120), "ngxfix fix");
        assert!(
            matches!(status.code(), Some(0 | 1)) || status.signal() == Some(libc::SIGINT),
            "run {run}: {status:?}"
        );
        let now = fs::read(path).unwrap();
        if now == original {
            old += 1;
        } else if now == want {
            new += 1;
        } else {
            panic!("run {run}: a torn file of {} bytes", now.len());
        }
        if hard_link {
            assert_eq!(
                fs::read(&other).unwrap(),
                now,
                "run {run}: the links differ"
            );
        }
        assert!(
            leftovers(dir.path()).is_empty(),
            "run {run}: left {:?}",
            leftovers(dir.path())
        );
        if now == want {
            fs::write(path, &original).unwrap();
        }
    }
    (old, new)
}

#[test]
fn ctrl_c_never_tears_a_file_written_by_rename() {
    let (old, new) = interrupted_runs(false, 50);
    eprintln!("50 interrupted rename writes: {old} left the old text, {new} the new");
}

#[test]
fn ctrl_c_never_tears_a_file_written_in_place() {
    let (old, new) = interrupted_runs(true, 50);
    eprintln!("50 interrupted in-place writes: {old} left the old text, {new} the new");
}
