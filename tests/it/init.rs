//! `ngxfix init`: the ngxfix.toml it writes, read back by `check`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::pty::{Session, DOWN};
use crate::common::{self, assert_exit, run, stderr, stdout};

/// Upstreams of every sort: one hinted by a comment, one by its socket,
/// one with no hint, one reached by uWSGI only (never reused: no table),
/// one no pass reaches (no table).
const CONF: &str = "events {}
http {
    upstream app { server 127.0.0.1:8000; server 127.0.0.1:8001; keepalive 16; }
    # the Django site, served by gunicorn
    upstream web { server 127.0.0.1:8100; keepalive 8; }
    upstream php { server unix:/run/php/php8.2-fpm.sock; keepalive 4; }
    upstream legacy { server 127.0.0.1:9000; keepalive 4; }
    upstream unused { server 127.0.0.1:9100; keepalive 4; }
    server {
        listen 8080;
        location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
        location /web/ { proxy_pass http://web; }
        location ~ \\.php$ { fastcgi_pass php; fastcgi_keep_conn on; }
        location /legacy/ { uwsgi_pass legacy; }
    }
}
";

/// A stand-in nginx in `dir` that says it is 1.24.0.
fn fake_nginx(dir: &Path) -> String {
    let path = dir.join("nginx");
    fs::write(
        &path,
        "#!/bin/sh\nif [ \"$1\" = -v ]; then echo 'nginx version: nginx/1.24.0' >&2; exit 0; fi\nexit 1\n",
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_string()
}

/// `ngxfix init ARGS` in `dir` with `stdin`, the installed nginx being
/// `nginx` (empty: none).
fn init(dir: &Path, nginx: &str, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut command = common::ngxfix();
    command
        .arg("init")
        .args(args)
        .current_dir(dir)
        .env("NGXFIX_NGINX", nginx)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("ngxfix starts");
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn settings(dir: &Path) -> String {
    fs::read_to_string(dir.join("ngxfix.toml")).unwrap()
}

/// `check --config ngxfix.toml nginx.conf --format json` in `dir`: the
/// report, once the settings are accepted (exit 0 or 1, not 2).
fn check_json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "check",
        "--config",
        "ngxfix.toml",
        "--format",
        "json",
        "--select",
        "upstream-keepalive-timeout",
    ];
    args.extend_from_slice(extra);
    args.push("nginx.conf");
    let out = run(&args, None, Some(dir));
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "check refuses the settings:\n{}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The rule id, severity and message of each finding of a JSON report.
fn findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn yes_writes_the_hints_as_guesses_and_the_rest_commented_out() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), CONF).unwrap();
    let nginx = fake_nginx(dir.path());
    let out = init(dir.path(), &nginx, &["--yes", "nginx.conf"], None);
    assert_exit(&out, 0);
    assert!(
        !stderr(&out).contains("no terminal"),
        "--yes asks nothing, and says nothing of it:\n{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("Wrote ngxfix.toml:"),
        "{}",
        stderr(&out)
    );
    let text = settings(dir.path());
    insta::assert_snapshot!(
        "init-yes",
        text.replace(dir.path().to_str().unwrap(), "[TMP]")
    );
    // check reads it: the version, and the guessed backends as declared.
    let report = check_json(dir.path(), &[]);
    assert_eq!(report["nginx_version"], "1.24.0");
    assert_eq!(report["nginx_version_from"], "nginx_version in ngxfix.toml");
    let found = findings(&report);
    assert!(
        found.iter().any(
            |(rule, severity, message)| rule == "upstream-keepalive-timeout"
                && severity == "info"
                && message.contains("upstream app")
                && message.contains("not declared")
        ),
        "{found:?}"
    );
}

#[test]
fn without_a_terminal_nothing_is_asked_and_the_run_says_so() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), CONF).unwrap();
    let nginx = fake_nginx(dir.path());
    let out = init(dir.path(), &nginx, &["nginx.conf"], None);
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains(
            "note: no terminal to ask on, so the backends of upstreams app, web, php are written \
             as with --yes"
        ),
        "{}",
        stderr(&out)
    );
    let asked = settings(dir.path());
    fs::remove_file(dir.path().join("ngxfix.toml")).unwrap();
    assert_exit(&init(dir.path(), &nginx, &["--yes", "nginx.conf"], None), 0);
    assert_eq!(asked, settings(dir.path()));
}

#[test]
fn backends_given_are_declared_and_change_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), CONF).unwrap();
    fs::create_dir(dir.path().join("deploy")).unwrap();
    fs::write(
        dir.path().join("deploy/gunicorn.conf.py"),
        "worker_class = \"gthread\"\nkeepalive = 3\n",
    )
    .unwrap();
    // No settings: the backend of `app` is not known.
    let before = run(
        &[
            "check",
            "--format",
            "json",
            "--select",
            "upstream-keepalive-timeout",
            "--nginx-version",
            "1.24.0",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    let before: serde_json::Value = serde_json::from_slice(&before.stdout).unwrap();
    assert!(findings(&before)
        .iter()
        .any(|(_, severity, message)| severity == "info" && message.contains("upstream app")));

    let out = init(
        dir.path(),
        "",
        &[
            "--backend",
            "app=uvicorn",
            "--backend",
            "web=gunicorn:deploy/gunicorn.conf.py",
            "--backend",
            "php=puma@6",
            "--backend",
            "php=10s",
            "--nginx-version",
            "1.24.0",
            "nginx.conf",
        ],
        None,
    );
    assert_exit(&out, 0);
    assert!(!stderr(&out).contains("no terminal"), "{}", stderr(&out));
    let text = settings(dir.path());
    for expected in [
        "# Declared with --backend app=uvicorn.\n[backends.app]\nkind = \"uvicorn\"\n",
        "[backends.web]\nkind = \"gunicorn\"\nconfig = \"deploy/gunicorn.conf.py\"\n",
        // The last one for an upstream wins, as in `check`.
        "[backends.php]\nidle_timeout = \"10s\"\n",
        "\nnginx_version = \"1.24.0\"\n",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    let report = check_json(dir.path(), &[]);
    let found = findings(&report);
    // uvicorn closes after 5s: a declared backend's error, with its fix.
    assert!(
        found.iter().any(
            |(rule, severity, message)| rule == "upstream-keepalive-timeout"
                && severity == "error"
                && message.contains("upstream app")
                && message.contains("after 5s")
        ),
        "{found:?}"
    );
    assert!(
        !found
            .iter()
            .any(|(_, severity, message)| severity == "info" && message.contains("upstream app")),
        "{found:?}"
    );
}

#[test]
fn a_bad_backend_is_refused_as_check_refuses_it_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), CONF).unwrap();
    for (backend, said) in [
        (
            "app=nope",
            "is neither a duration such as 5s or 750ms nor a server kind",
        ),
        ("app", "UPSTREAM=SPEC"),
        ("app=gunicorn:missing.py", "missing.py"),
        ("nope=5s", "no upstream nope that a *_pass reaches"),
    ] {
        let out = init(dir.path(), "", &["--backend", backend, "nginx.conf"], None);
        assert_exit(&out, 2);
        assert!(stderr(&out).contains(said), "{backend}: {}", stderr(&out));
        assert!(!dir.path().join("ngxfix.toml").exists(), "{backend}");
    }
    let check = run(
        &["check", "--backend", "app=nope", "nginx.conf"],
        None,
        Some(dir.path()),
    );
    let init_error = stderr(&init(
        dir.path(),
        "",
        &["--backend", "app=nope", "nginx.conf"],
        None,
    ));
    assert_eq!(
        stderr(&check).lines().last(),
        init_error.lines().last(),
        "the same words as check"
    );
}

#[test]
fn an_existing_file_is_kept_without_force_and_replaced_with_it() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), CONF).unwrap();
    let path = dir.path().join("ngxfix.toml");
    fs::write(&path, "select = [\"upstream-keepalive-timeout\"]\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let out = init(dir.path(), "", &["--yes", "nginx.conf"], None);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("ngxfix.toml already exists: nothing was written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "select = [\"upstream-keepalive-timeout\"]\n"
    );

    let out = init(dir.path(), "", &["--yes", "--force", "nginx.conf"], None);
    assert_exit(&out, 0);
    let text = settings(dir.path());
    assert!(text.contains("[backends.web]"), "{text}");
    // Replaced as fix replaces files: the mode is kept.
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // The same again changes nothing.
    let again = init(dir.path(), "", &["--yes", "--force", "nginx.conf"], None);
    assert_exit(&again, 0);
    assert!(
        stderr(&again).contains("already says this"),
        "{}",
        stderr(&again)
    );
    // --out writes elsewhere, and refuses an existing file too.
    let out = init(
        dir.path(),
        "",
        &["--yes", "--out", "other.toml", "nginx.conf"],
        None,
    );
    assert_exit(&out, 0);
    assert_eq!(
        fs::read_to_string(dir.path().join("other.toml")).unwrap(),
        text
    );
    let out = init(
        dir.path(),
        "",
        &["--yes", "--out", "other.toml", "nginx.conf"],
        None,
    );
    assert_exit(&out, 2);
}

#[test]
fn a_configuration_on_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = init(dir.path(), "", &["--yes", "-"], Some(CONF.as_bytes()));
    assert_exit(&out, 0);
    let text = settings(dir.path());
    assert!(
        text.starts_with("# ngxfix settings for standard input,"),
        "{text}"
    );
    assert!(
        text.contains("[backends.php]\nkind = \"php-fpm\" # guessed\n"),
        "{text}"
    );
    assert!(text.contains("# [backends.app]\n"), "{text}");
    // No nginx here: the version is left for the user to set.
    assert!(text.contains("\n# nginx_version = \"1.29.6\"\n"), "{text}");
    // `--out -` prints it instead.
    let out = init(
        dir.path(),
        "",
        &["--yes", "--out", "-", "-"],
        Some(CONF.as_bytes()),
    );
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), text);
}

#[test]
fn on_a_terminal_the_kind_is_chosen_with_the_arrow_keys() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), CONF).unwrap();
    let mut session = Session::start(
        &[
            "init",
            "--nginx-version",
            "1.24.0",
            "--backend",
            "web=5s",
            "--backend",
            "php=php-fpm",
            "nginx.conf",
        ],
        dir.path(),
    );
    // `app` is asked about ("don't know" first): one down is gunicorn.
    session.wait_for("Which server is behind upstream app?", 1);
    session.keys(DOWN);
    session.keys(b"\r");
    let (code, screen) = session.finish();
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        !screen.contains("upstream web?") && !screen.contains("upstream php?"),
        "given upstreams are not asked about:\n{screen}"
    );
    let text = settings(dir.path());
    assert!(
        text.contains("# Declared at `ngxfix init`.\n[backends.app]\nkind = \"gunicorn\"\n"),
        "{text}\n{screen}"
    );
    assert!(
        text.contains("[backends.web]\nidle_timeout = \"5s\"\n"),
        "{text}"
    );
}
