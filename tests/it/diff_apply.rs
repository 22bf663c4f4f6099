//! A `fix --dry-run` diff applies: with `git apply` and `patch -p1`, it
//! turns a copy of the tree into exactly what `fix` writes in place, for a
//! tree with an absolute include, a main file named with `..` from the
//! working directory, and a backend's configuration file.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run_keepalive as run, stderr};

/// The files of the tree, by path under its root.
const FILES: [&str; 3] = [
    "tree/nginx.conf",
    "srv/site/conf.d/upstream.conf",
    "backend/gunicorn.conf.py",
];

/// Write the tree under `root`: nginx.conf includes the upstreams by
/// their absolute path; `app` runs gunicorn, whose file is raised, `api`
/// closes after 5s, so its upstream gets a shorter timeout.
fn write_tree(root: &Path) {
    fs::write(
        root.join("ngxfix.toml"),
        "nginx_version = \"1.24.0\"\n[backends.app]\nkind = \"gunicorn\"\nconfig = \"backend/gunicorn.conf.py\"\nprefer = \"backend\"\n[backends.api]\nidle_timeout = \"5s\"\n",
    )
    .unwrap();
    for dir in ["tree", "srv/site/conf.d", "backend", "work"] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    fs::write(
        root.join("tree/nginx.conf"),
        format!(
            "events {{}}\nhttp {{\n    include {}/srv/site/conf.d/*.conf;\n    server {{\n        listen 127.0.0.1:8080;\n        location / {{\n            proxy_pass http://app;\n        }}\n        location /api/ {{\n            proxy_pass http://api;\n        }}\n    }}\n}}\n",
            root.display()
        ),
    )
    .unwrap();
    fs::write(
        root.join("srv/site/conf.d/upstream.conf"),
        "upstream app {\n    server 127.0.0.1:8000;\n    keepalive 8;\n}\nupstream api {\n    server 127.0.0.1:9000;\n    keepalive 8;\n}\n",
    )
    .unwrap();
    fs::write(
        root.join("backend/gunicorn.conf.py"),
        "bind = \"127.0.0.1:8000\"\nworker_class = \"gthread\"\nkeepalive = 5\n",
    )
    .unwrap();
}

fn snapshot(root: &Path) -> BTreeMap<&'static str, Vec<u8>> {
    FILES
        .iter()
        .map(|name| (*name, fs::read(root.join(name)).unwrap()))
        .collect()
}

fn restore(root: &Path, files: &BTreeMap<&'static str, Vec<u8>>) {
    for (name, text) in files {
        fs::write(root.join(name), text).unwrap();
    }
}

/// `ngxfix fix` with the tree's settings (found from the main file), so
/// that the diff holds nginx files and the backend's.
fn fix(cwd: &Path, main: &str, dry_run: bool) -> std::process::Output {
    let mut args = vec!["fix", "--no-verify"];
    if dry_run {
        args.push("--dry-run");
    }
    args.push(main);
    run(&args, None, Some(cwd))
}

fn apply(tool: &[&str], cwd: &Path, diff: &[u8]) {
    use std::io::Write;
    let mut child = Command::new(tool[0])
        .args(&tool[1..])
        .current_dir(cwd)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool:?} runs: {e}"));
    child.stdin.take().unwrap().write_all(diff).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{tool:?} in {} refuses the diff:\n{}{}\n--- the diff:\n{}",
        cwd.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(diff)
    );
}

fn tools_available() -> bool {
    let found = ["git", "patch"]
        .iter()
        .all(|tool| Command::new(tool).arg("--version").output().is_ok());
    if !found {
        assert!(
            std::env::var_os("NGXFIX_REQUIRE_NGINX").is_none(),
            "git and patch are needed here (.ci/run installs them)"
        );
        eprintln!("git or patch is not installed: skipped");
    }
    found
}

#[test]
fn a_dry_run_diff_applies_with_git_and_patch() {
    if !tools_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Canonical: /tmp may be a link, and the diff names real paths.
    let root: PathBuf = fs::canonicalize(dir.path()).unwrap();
    write_tree(&root);
    let original = snapshot(&root);

    // What `fix` writes in place.
    let out = fix(&root, "tree/nginx.conf", false);
    common::assert_exit(&out, 0);
    let fixed = snapshot(&root);
    for name in FILES {
        assert_ne!(original[name], fixed[name], "{name} is fixed");
    }

    // From the tree's root, every file is under the working directory.
    restore(&root, &original);
    let out = fix(&root, "tree/nginx.conf", true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = out.stdout.clone();
    let text = String::from_utf8_lossy(&diff).into_owned();
    assert!(text.contains("--- a/tree/nginx.conf\n"), "{text}");
    assert!(
        text.contains("--- a/srv/site/conf.d/upstream.conf\n"),
        "{text}"
    );
    assert!(text.contains("--- a/backend/gunicorn.conf.py\n"), "{text}");
    assert!(
        stderr(&out).contains("In the diff, paths are relative to the working directory"),
        "{}",
        stderr(&out)
    );
    for tool in [&["git", "apply"][..], &["patch", "-p1"]] {
        let copy = tempfile::tempdir().unwrap();
        for name in FILES {
            fs::create_dir_all(copy.path().join(name).parent().unwrap()).unwrap();
            fs::write(copy.path().join(name), &original[name]).unwrap();
        }
        apply(tool, copy.path(), &diff);
        assert_eq!(snapshot(copy.path()), fixed, "{tool:?}");
    }

    // From a folder beside the tree, named with `..`: paths from `/`, and
    // no `..` in them.
    let out = fix(&root.join("work"), "../tree/nginx.conf", true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = out.stdout.clone();
    let text = String::from_utf8_lossy(&diff).into_owned();
    assert!(!text.contains("/../") && !text.contains("a/.."), "{text}");
    let absolute = format!(
        "--- a/{}\n",
        root.join("tree/nginx.conf")
            .display()
            .to_string()
            .trim_start_matches('/')
    );
    assert!(text.contains(&absolute), "{text}");
    assert!(
        stderr(&out)
            .contains("In the diff, paths are relative to / (`patch -p1 -d /` applies the diff)"),
        "{}",
        stderr(&out)
    );
    for tool in [&["git", "apply"][..], &["patch", "-p1"]] {
        restore(&root, &original);
        apply(tool, Path::new("/"), &diff);
        assert_eq!(snapshot(&root), fixed, "{tool:?} from /");
    }
}
