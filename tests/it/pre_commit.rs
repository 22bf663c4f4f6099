//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run as a user's
//! repository runs them: `pre-commit try-repo` builds ngxfix from this
//! checkout (`cargo install --path .`, pre-commit's `language: rust`) and
//! runs both hooks on a repository holding a bad nginx.conf and a file the
//! hooks must leave alone. Then `cargo install --path .` (the same build,
//! its artefacts reused) installs a binary that answers `completions bash`
//! and `man`.
//!
//! Skipped when pre-commit, git or cargo is missing, or the checkout is
//! not a git repository (try-repo clones it), unless
//! `NGXFIX_REQUIRE_PRECOMMIT=1` (set by `.ci/run`, which installs
//! pre-commit). The build is a release build: its fat LTO and single
//! codegen unit are turned off through cargo's environment, and its target
//! directory is kept under target/ so a second run rebuilds only ngxfix's
//! own crates (pre-commit clones the checkout into a new place each time).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;

/// The longest a cold build and both hooks may take on a slow machine: a
/// guard against a hang.
const LIMIT: Duration = Duration::from_secs(40 * 60);

fn required() -> bool {
    std::env::var_os("NGXFIX_REQUIRE_PRECOMMIT").is_some_and(|v| v == "1")
}

/// Whether `program --version` runs; its absence is a skip, or a failure
/// under `NGXFIX_REQUIRE_PRECOMMIT=1`.
fn has(program: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            !required(),
            "NGXFIX_REQUIRE_PRECOMMIT=1 but {program} cannot be run"
        );
        eprintln!("{program} is not installed: skipped");
    }
    found
}

/// The checkout, when it is a git repository pre-commit can clone.
fn checkout() -> Option<&'static Path> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let is_repo = Command::new("git")
        .args(["rev-parse", "--git-dir"])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !is_repo {
        assert!(
            !required(),
            "NGXFIX_REQUIRE_PRECOMMIT=1 but {} is not a git repository",
            root.display()
        );
        eprintln!("{} is not a git repository: skipped", root.display());
        return None;
    }
    Some(root)
}

/// Run `git` in `dir`, which must succeed.
fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A user's repository: an nginx tree whose nginx.conf has findings, one
/// of them with a safe fix (`server_tokens off;`), and a redis.conf, which
/// is not nginx syntax and must not be handed to ngxfix.
const NGINX_CONF: &str = "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8000;\n        keepalive 8;\n    }\n    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n";
const REDIS_CONF: &str = "bind 127.0.0.1\nport 6379\nsave 900 1\n";

fn user_repo(dir: &Path) {
    fs::create_dir_all(dir.join("nginx")).unwrap();
    fs::write(dir.join("nginx/nginx.conf"), NGINX_CONF).unwrap();
    fs::write(dir.join("redis.conf"), REDIS_CONF).unwrap();
    git(dir, &["init", "-q"]);
    git(dir, &["add", "nginx/nginx.conf", "redis.conf"]);
}

/// Where the hook's build keeps its artefacts between runs.
fn build_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-target")
}

/// `pre-commit try-repo CHECKOUT --files FILES...` in `repo`, every hook
/// of the checkout's `.pre-commit-hooks.yaml`; exit code and output.
fn try_repo(checkout: &Path, repo: &Path, home: &Path, files: &[&str]) -> (Option<i32>, String) {
    let log = repo.join("../try-repo.log");
    let out = fs::File::create(&log).unwrap();
    let mut command = Command::new("pre-commit");
    command
        .arg("try-repo")
        .arg(checkout)
        .arg("--verbose")
        .arg("--color=never")
        .arg("--files")
        .args(files)
        .current_dir(repo)
        // try-repo installs the hooks in a store of its own, removed
        // afterwards; this keeps pre-commit's other files out of ~/.cache.
        .env("PRE_COMMIT_HOME", home)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out);
    fast_release(&mut command);
    // The same nginx as the other tests see (or none), for `fix`'s
    // `nginx -t` and the version the rules follow.
    match common::pinned_nginx() {
        Some(nginx) => command.env("NGXFIX_NGINX", nginx),
        None => command.env_remove("NGXFIX_NGINX"),
    };
    let mut child = command.spawn().expect("pre-commit starts");
    let status = common::wait_bounded(&mut child, LIMIT, "pre-commit try-repo");
    (status.code(), fs::read_to_string(&log).unwrap())
}

/// `cargo install --path CHECKOUT --root ROOT`, as a user installs from a
/// clone and as pre-commit built the hooks' binary (same environment and
/// target directory, so its artefacts are reused): the installed binary.
fn cargo_install(checkout: &Path, root: &Path) -> PathBuf {
    let log = root.with_extension("log");
    let out = fs::File::create(&log).unwrap();
    let mut command = Command::new("cargo");
    command
        .args(["install", "--path"])
        .arg(checkout)
        .arg("--root")
        .arg(root)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out);
    fast_release(&mut command);
    let mut child = command.spawn().expect("cargo starts");
    let status = common::wait_bounded(&mut child, LIMIT, "cargo install");
    assert!(status.success(), "{}", fs::read_to_string(&log).unwrap());
    root.join("bin/ngxfix")
}

/// The release profile's optimisation, fat LTO and one codegen unit are
/// for the binary people install, and take minutes; what the tests look
/// at (the hooks' verdicts, the generated scripts and pages) does not
/// depend on them. The target directory is kept between runs.
fn fast_release(command: &mut Command) {
    // What `cargo test` tells the test binary about this package is not
    // the environment a user builds in: ring's build script, for one,
    // reads CARGO_MANIFEST_DIR, and would see this package's.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let of_this_package = name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_")
            || [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&name.as_ref());
        if of_this_package {
            command.env_remove(name.as_ref());
        }
    }
    command
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("CARGO_TARGET_DIR", build_dir());
}

#[test]
fn both_hooks_run_through_pre_commit_try_repo() {
    if !(has("pre-commit") && has("git") && has("cargo")) {
        return;
    }
    let Some(checkout) = checkout() else { return };
    let temp = tempfile::tempdir().unwrap();
    let home = temp.path().join("pre-commit-home");
    let repo = temp.path().join("repo");
    fs::create_dir_all(&repo).unwrap();
    user_repo(&repo);

    let started = Instant::now();
    let (code, output) = try_repo(checkout, &repo, &home, &["nginx/nginx.conf", "redis.conf"]);
    eprintln!(
        "pre-commit try-repo (build and both hooks): {:.0} s",
        started.elapsed().as_secs_f64()
    );
    // Both hooks fail: check reports findings, fix changed the file.
    assert_eq!(code, Some(1), "{output}");
    let failed = |hook: &str| {
        output
            .lines()
            .any(|l| l.starts_with(hook) && l.trim_end().ends_with("Failed"))
    };
    assert!(failed("ngxfix check"), "{output}");
    assert!(failed("ngxfix fix"), "{output}");
    assert!(output.contains("- hook id: ngxfix-check"), "{output}");
    assert!(
        output.contains("nginx/nginx.conf:10:13: error[proxy-http-version]"),
        "check reports the finding: {output}"
    );
    assert!(
        output.contains("files were modified by this hook"),
        "{output}"
    );
    // The fix: its line inserted, everything else byte for byte.
    let fixed = fs::read_to_string(repo.join("nginx/nginx.conf")).unwrap();
    assert!(fixed.contains("server_tokens off;"), "{fixed}");
    let unfixed: String = fixed
        .lines()
        .filter(|l| !l.contains("server_tokens off;"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(unfixed, NGINX_CONF);
    // redis.conf is not nginx's: neither hook read it (ngxfix would have
    // stopped on it, exit 2, and fixed nothing).
    assert_eq!(
        fs::read_to_string(repo.join("redis.conf")).unwrap(),
        REDIS_CONF
    );
    assert!(!output.contains("redis.conf:"), "{output}");

    // `cargo install --path .` (try-repo's own install is removed with its
    // store): the binary answers `completions` and `man`.
    let started = Instant::now();
    let ngxfix = cargo_install(checkout, &temp.path().join("root"));
    eprintln!(
        "cargo install --path . after it: {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let script = Command::new(&ngxfix)
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(script.status.success());
    let path = temp.path().join("ngxfix.bash");
    fs::write(&path, &script.stdout).unwrap();
    let parsed = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let pages = temp.path().join("man");
    let man = Command::new(&ngxfix)
        .args(["man", "--out"])
        .arg(&pages)
        .output()
        .unwrap();
    assert!(
        man.status.success(),
        "{}",
        String::from_utf8_lossy(&man.stderr)
    );
    for page in ["ngxfix.1", "ngxfix-check.1", "ngxfix-fix.1"] {
        let text = fs::read_to_string(pages.join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page}");
    }
    let version = Command::new(&ngxfix).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8(version.stdout).unwrap().trim(),
        format!("ngxfix {}", env!("CARGO_PKG_VERSION"))
    );
}
