//! The backend side of the timeout chain, through the CLI, on every example
//! under `examples/backends/`: each declares its upstream's server with
//! `kind` and `config` in its `ngxfix.toml`, and the server's file sets an
//! idle timeout below nginx's default 60s.
//!
//! - By default the fix lowers nginx's upstream `keepalive_timeout` and
//!   leaves the backend's file alone.
//! - With `--prefer backend` it raises the backend's setting instead and
//!   leaves nginx alone; applied for real, `check` then finds nothing, and a
//!   second run changes nothing.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use common::run_keepalive as run;
use ngxfix::backends::{format, Idle};
use ngxfix::model::Duration;

/// The examples: (name, folder), each with `nginx.conf`, `ngxfix.toml` and
/// the backend file.
fn examples() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/backends");
    let mut found: Vec<(String, PathBuf)> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("ngxfix.toml").is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    found.sort();
    found
}

/// The `[backends.app]` table of an example: its kind and file name.
fn declared(dir: &Path) -> (String, String) {
    let settings: toml::Table = fs::read_to_string(dir.join("ngxfix.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let app = &settings["backends"]["app"];
    (
        app["kind"].as_str().unwrap().to_string(),
        app["config"].as_str().unwrap().to_string(),
    )
}

/// The files a unified diff names after `+++ b/`.
fn diffed_files(diff: &str) -> Vec<String> {
    diff.lines()
        .filter_map(|l| l.strip_prefix("+++ b/"))
        .map(|p| {
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// What the backend's file says, read as ngxfix reads it.
fn idle_of(kind: &str, path: &Path) -> Idle {
    ngxfix::disk::backends::load(path, format(kind).unwrap(), None)
        .unwrap()
        .read()
        .idle
}

/// Copy an example into a temporary folder.
fn copy(dir: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    tmp
}

#[test]
fn there_is_an_example_per_readable_kind() {
    let kinds: Vec<String> = examples().iter().map(|(_, dir)| declared(dir).0).collect();
    for format in ngxfix::backends::FORMATS {
        assert!(
            format.kinds().iter().any(|k| kinds.iter().any(|d| d == k)),
            "no example under examples/backends declares {}",
            format.kinds()[0]
        );
    }
}

#[test]
fn by_default_nginx_is_lowered_and_the_backend_left_alone() {
    for (name, dir) in examples() {
        let (_, file) = declared(&dir);
        let settings = format!("examples/backends/{name}/ngxfix.toml");
        let conf = format!("examples/backends/{name}/nginx.conf");
        let out = run(
            &["fix", "--dry-run", "--config", &settings, &conf],
            None,
            Some(Path::new(env!("CARGO_MANIFEST_DIR"))),
        );
        let diff = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert_eq!(diffed_files(&diff), ["nginx.conf"], "{name}:\n{diff}");
        assert!(
            diff.contains("+        keepalive_timeout "),
            "{name}:\n{diff}"
        );
        assert!(!diff.contains(&file), "{name}:\n{diff}");
        insta::assert_snapshot!(format!("{name}-prefer-nginx"), diff);
    }
}

#[test]
fn prefer_backend_raises_the_backend_in_its_own_file() {
    for (name, dir) in examples() {
        let (kind, file) = declared(&dir);
        let settings = format!("examples/backends/{name}/ngxfix.toml");
        let conf = format!("examples/backends/{name}/nginx.conf");
        let out = run(
            &[
                "fix",
                "--dry-run",
                "--prefer",
                "backend",
                "--config",
                &settings,
                &conf,
            ],
            None,
            Some(Path::new(env!("CARGO_MANIFEST_DIR"))),
        );
        let diff = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        let file_name = Path::new(&file).file_name().unwrap().to_string_lossy();
        assert_eq!(diffed_files(&diff), [file_name.as_ref()], "{name}:\n{diff}");
        insta::assert_snapshot!(format!("{name}-prefer-backend"), diff);

        // Applied for real: the backend now outlasts nginx's 60s, nothing
        // is left to fix, and nginx.conf is untouched.
        let tmp = copy(&dir);
        let fixed = run(
            &["fix", "--prefer", "backend", "nginx.conf"],
            None,
            Some(tmp.path()),
        );
        assert_eq!(
            fixed.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&fixed.stderr)
        );
        assert_eq!(
            fs::read(tmp.path().join("nginx.conf")).unwrap(),
            fs::read(dir.join("nginx.conf")).unwrap()
        );
        match idle_of(&kind, &tmp.path().join(&file)) {
            Idle::After(d) => assert!(d > Duration::from_secs(60), "{name}: {d}"),
            other => panic!("{name}: {other:?}"),
        }
        let again = run(
            &["fix", "--dry-run", "--prefer", "backend", "nginx.conf"],
            None,
            Some(tmp.path()),
        );
        assert_eq!(
            again.status.code(),
            Some(0),
            "{name}: a second run changes nothing"
        );
        assert!(again.stdout.is_empty(), "{name}");
    }
}

#[test]
fn both_files_in_one_diff() {
    // nginx 1.24 without HTTP/1.1 needs an nginx fix too; the timeout goes
    // to gunicorn's file: one diff holds both.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("nginx.conf"),
        "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8000;\n        keepalive 16;\n    }\n    server {\n        listen 127.0.0.1:8080;\n        proxy_set_header Connection \"\";\n        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("gunicorn.conf.py"),
        "bind = \"127.0.0.1:8000\"\nworker_class = \"gthread\"\nthreads = 4\nkeepalive = 5\n",
    )
    .unwrap();
    let out = run(
        &[
            "fix",
            "--dry-run",
            "--nginx-version",
            "1.24.0",
            "--prefer",
            "backend",
            "--backend",
            "app=gunicorn:gunicorn.conf.py",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    let diff = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        diffed_files(&diff),
        ["nginx.conf", "gunicorn.conf.py"],
        "{diff}"
    );
    assert!(
        diff.contains("+            proxy_http_version 1.1;"),
        "{diff}"
    );
    assert!(diff.contains("-keepalive = 5\n+keepalive = 61\n"), "{diff}");
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("Would fix 2 findings in 2 files")
            && summary.contains("gunicorn.conf.py: 1 × upstream-keepalive-timeout"),
        "{summary}"
    );
}

#[test]
fn a_backend_file_that_cannot_be_read_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), "events {}\nhttp {}\n").unwrap();
    let out = run(
        &[
            "check",
            "--backend",
            "app=gunicorn:missing.py",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.py"), "{stderr}");
    let out = run(
        &["check", "--backend", "app=waitress:app.py", "nginx.conf"],
        None,
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not read waitress"));
}

#[test]
fn a_computed_value_is_reported_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("nginx.conf"),
        "events {}\nhttp {\n    upstream app { server 127.0.0.1:8000; keepalive 16; }\n    server { location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }\n}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("gunicorn.conf.py"),
        "import os\nworker_class = \"gthread\"\nkeepalive = int(os.environ.get(\"KEEPALIVE\", \"5\"))\n",
    )
    .unwrap();
    let out = run(
        &[
            "check",
            "--backend",
            "app=gunicorn:gunicorn.conf.py",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("backend-timeout-unknown"), "{text}");
    assert!(!text.contains("upstream-keepalive-timeout"), "{text}");
    assert!(text.contains("line 3"), "the line is named:\n{text}");
}

#[test]
fn many_upstreams_on_one_backend_file_settle_in_one_raise() {
    // Twelve upstreams with rising timeouts, all served by one Apache: the
    // largest raise goes first and settles them all, instead of one pass
    // per upstream (the loop stops at 10 passes).
    let dir = tempfile::tempdir().unwrap();
    let mut conf = String::from("events {}\nhttp {\n");
    let mut args: Vec<String> = ["fix", "--prefer", "backend", "--no-verify"]
        .map(String::from)
        .to_vec();
    for i in 0..12 {
        conf.push_str(&format!(
            "    upstream u{i} {{ server 127.0.0.1:{}; keepalive 8; keepalive_timeout {}s; }}\n",
            8000 + i,
            70 + i
        ));
        args.extend(["--backend".into(), format!("u{i}=apache:httpd.conf")]);
    }
    conf.push_str("    server {\n");
    for i in 0..12 {
        conf.push_str(&format!(
            "        location /{i} {{ proxy_pass http://u{i}; proxy_http_version 1.1; proxy_set_header Connection \"\"; }}\n"
        ));
    }
    conf.push_str("    }\n}\n");
    fs::write(dir.path().join("nginx.conf"), &conf).unwrap();
    fs::write(
        dir.path().join("httpd.conf"),
        "KeepAlive On\nKeepAliveTimeout 5\n",
    )
    .unwrap();
    args.push("nginx.conf".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args, None, Some(dir.path()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("httpd.conf")).unwrap(),
        "KeepAlive On\nKeepAliveTimeout 82\n"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("nginx.conf")).unwrap(),
        conf
    );
}

#[test]
fn one_file_declared_as_two_kinds_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), "events {}\nhttp {}\n").unwrap();
    fs::write(dir.path().join("puma.rb"), "persistent_timeout 30\n").unwrap();
    let out = run(
        &[
            "check",
            "--backend",
            "a=puma@6:puma.rb",
            "--backend",
            "b=puma@7:puma.rb",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("declared twice, as puma@6 and as puma@7"),
        "{stderr}"
    );
}

#[test]
fn a_bare_kind_and_its_file_that_sets_nothing_agree() {
    // server.js leaves keepAliveTimeout at Node's default: server.timeout's
    // 120s before Node 8, 5s through Node 26, 65s from Node 27. The
    // upstream keeps idle connections longer than all of them, so each
    // form reports the timeout it assumes: `node@V` and `node@V:server.js`
    // must assume the same one.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("nginx.conf"),
        "events {}\nhttp {\n    upstream app { server 127.0.0.1:3000; keepalive 16; keepalive_timeout 200s; }\n    server { location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }\n}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("server.js"),
        "const http = require('http');\nconst server = http.createServer((req, res) => res.end('ok'));\nserver.listen(3000);\n",
    )
    .unwrap();
    for (version, idle) in [("7", "2m"), ("26", "5s"), ("27", "65s")] {
        for spec in [
            format!("node@{version}"),
            format!("node@{version}:server.js"),
        ] {
            let backend = format!("app={spec}");
            let out = run(
                &["check", "--backend", &backend, "nginx.conf"],
                None,
                Some(dir.path()),
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(1), "{spec}:\n{text}");
            assert!(
                text.contains(&format!(
                    "upstream app keeps idle connections for 200s, but its backend closes them after {idle} ("
                )),
                "{spec}:\n{text}"
            );
        }
    }
}
