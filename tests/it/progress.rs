//! Progress on standard error: drawn on a terminal for a large tree, never
//! on a pipe or with `--quiet`. The terminal is `script`'s pseudo-terminal
//! (util-linux, in every Debian).

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{assert_exit, run_keepalive as run, stderr};

/// A tree over the 4 MiB from which `check` says its steps: many pooled
/// servers in one file.
fn large_tree(dir: &Path) -> String {
    let mut text = String::from(
        "events {}\nhttp {\n    upstream app { server 127.0.0.1:8000; keepalive 16; }\n",
    );
    let mut n = 0;
    while text.len() < 5 << 20 {
        text.push_str(&format!(
            "    server {{\n        listen 80;\n        server_name site{n}.example.org www.site{n}.example.org;\n        location / {{\n            proxy_pass http://app;\n            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n        }}\n    }}\n"
        ));
        n += 1;
    }
    text.push_str("}\n");
    let path = dir.join("nginx.conf");
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// What `ngxfix ARGS` printed on a terminal (standard output and error
/// together), or `None` without `script`.
fn on_terminal(args: &[&str], cwd: &Path) -> Option<String> {
    let ngxfix = env!("CARGO_BIN_EXE_ngxfix");
    let line = std::iter::once(ngxfix)
        .chain(common::without_gixy_pack(args))
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let output = Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .current_dir(cwd)
        .env("TERM", "xterm")
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn a_large_tree_shows_its_steps_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let conf = large_tree(dir.path());
    let args = [
        "check",
        "--nginx-version",
        "1.24.0",
        "--backend",
        "app=75s",
        &conf,
    ];
    let Some(screen) = on_terminal(&args, dir.path()) else {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    };
    assert!(screen.contains("matching "), "{screen}");
    assert!(screen.contains(" rules"), "{screen}");

    let quiet = [&args[..], &["--quiet"]].concat();
    let screen = on_terminal(&quiet, dir.path()).unwrap();
    assert!(!screen.contains("matching "), "{screen}");

    let output = run(&args, None, Some(dir.path()));
    assert_exit(&output, 0);
    let err = stderr(&output);
    assert!(!err.contains("matching ") && !err.contains('\r'), "{err}");
}
