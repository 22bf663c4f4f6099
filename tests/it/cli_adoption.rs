//! Adopting ngxfix on a tree with many findings: `[per-file-ignores]`,
//! baselines (`check --write-baseline` / `--baseline`) and
//! `check --add-suppressions`, through the real binary.

use crate::common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{assert_exit, run_keepalive as run, stderr, stdout};
use serde_json::Value;

/// An upstream pooled by two sites; each site's location lacks
/// `proxy_http_version 1.1` and the cleared Connection header.
const MAIN: &str = "\
http {
    upstream app {
        server 127.0.0.1:8000;
        keepalive 16;
    }
    include sites-enabled/*.conf;
}
";

const SITE: &str = "\
server {
    listen 80;
    location / {
        proxy_pass http://app;
    }
}
";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A tree with the sites `legacy-a.conf` and `new.conf`.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "nginx.conf", MAIN);
    write(dir.path(), "sites-enabled/legacy-a.conf", SITE);
    write(dir.path(), "sites-enabled/new.conf", SITE);
    dir
}

/// (path, rule) of each finding of a JSON check run in `cwd`.
fn findings(args: &[&str], cwd: &Path) -> (Vec<(String, String)>, Option<i32>) {
    let mut all = vec!["check", "--format", "json", "--nginx-version", "1.24.0"];
    all.extend_from_slice(args);
    let output = run(&all, None, Some(cwd));
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&output), stderr(&output)));
    let list = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (list, output.status.code())
}

fn paths(found: &[(String, String)]) -> Vec<&str> {
    let mut paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    paths.dedup();
    paths
}

#[test]
fn per_file_ignores_leave_rules_out_of_the_files_a_glob_names() {
    let dir = tree();
    let (all, code) = findings(&["nginx.conf"], dir.path());
    assert_eq!(code, Some(1));
    assert!(all.iter().any(|(_, r)| r == "proxy-http-version"));
    assert!(paths(&all).contains(&"sites-enabled/legacy-a.conf"));

    // A path glob with a category, and a name glob with one rule id.
    write(
        dir.path(),
        "ngxfix.toml",
        "[per-file-ignores]\n\"sites-enabled/legacy-*.conf\" = [\"keepalive\"]\n\"new.conf\" = [\"proxy-http-version\"]\n",
    );
    let (some, code) = findings(&["nginx.conf"], dir.path());
    assert_eq!(code, Some(1));
    assert!(
        !some.iter().any(|(p, _)| p.ends_with("legacy-a.conf")),
        "{some:?}"
    );
    assert!(
        some.iter().any(|(p, _)| p.ends_with("new.conf")),
        "{some:?}"
    );
    assert!(
        !some.iter().any(|(_, r)| r == "proxy-http-version"),
        "{some:?}"
    );
    // The globs are read from the settings file's folder, wherever the
    // check runs from.
    let sub = dir.path().join("sites-enabled");
    let (from_below, _) = findings(&["../nginx.conf"], &sub);
    assert_eq!(from_below.len(), some.len(), "{from_below:?}");

    // The same files, fixed: the ignored findings are not fixed either.
    let output = run(
        &[
            "fix",
            "--dry-run",
            "--unsafe-fixes",
            "--no-verify",
            "--nginx-version",
            "1.24.0",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    assert_exit(&output, 1);
    let diff = stdout(&output);
    assert!(diff.contains("+++ b/sites-enabled/new.conf"), "{diff}");
    assert!(!diff.contains("legacy-a.conf"), "{diff}");
    assert!(!diff.contains("proxy_http_version"), "{diff}");
}

#[test]
fn per_file_ignores_with_an_unknown_rule_are_refused_at_their_place() {
    let dir = tree();
    write(
        dir.path(),
        "ngxfix.toml",
        "[per-file-ignores]\n\"*.conf\" = [\"keepalive\", \"no-such-rule\"]\n",
    );
    let output = run(&["check", "nginx.conf"], None, Some(dir.path()));
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(err.contains("ngxfix.toml:2:"), "{err}");
    assert!(err.contains("no-such-rule"), "{err}");
    assert!(output.stdout.is_empty());

    write(
        dir.path(),
        "ngxfix.toml",
        "[per-file-ignores]\n\"[x\" = [\"keepalive\"]\n",
    );
    let output = run(&["check", "nginx.conf"], None, Some(dir.path()));
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("not a glob"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_baseline_hides_known_findings_after_unrelated_edits_and_shows_new_ones() {
    let dir = tree();
    fs::create_dir(dir.path().join("ci")).unwrap();
    let output = run(
        &[
            "check",
            "--nginx-version",
            "1.24.0",
            "--write-baseline",
            "ci/baseline.json",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    assert_exit(&output, 0);
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
    assert!(stderr(&output).contains("to the baseline ci/baseline.json"));
    let written: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("ci/baseline.json")).unwrap())
            .unwrap();
    assert_eq!(written["schema_version"], 1);
    let entries = written["findings"].as_array().unwrap();
    // Paths are written from the baseline's folder; directives by text.
    assert!(
        entries
            .iter()
            .any(|e| e["file"] == "../sites-enabled/new.conf"),
        "{written}"
    );
    assert!(entries
        .iter()
        .any(|e| e["directive"] == "proxy_pass http://app;"));

    let baseline = ["--baseline", "ci/baseline.json", "nginx.conf"];
    let (none, code) = findings(&baseline, dir.path());
    assert_eq!((none.len(), code), (0, Some(0)), "{none:?}");

    // The tree checked out elsewhere: the baseline's relative paths hold.
    let elsewhere = tempfile::tempdir().unwrap();
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", dir.path().display()))
        .arg(elsewhere.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let (none, code) = findings(&baseline, elsewhere.path());
    assert_eq!((none.len(), code), (0, Some(0)), "{none:?}");

    // Lines added above and the block re-indented: nothing comes back.
    let edited = format!(
        "# the legacy site, kept for a partner\nmap $x $y {{ default 1; }}\n\n{}",
        SITE.replace("    ", "  ")
    );
    write(dir.path(), "sites-enabled/legacy-a.conf", &edited);
    let (none, code) = findings(&baseline, dir.path());
    assert_eq!((none.len(), code), (0, Some(0)), "{none:?}");

    // A second pooled location is new, though its directive reads the
    // same as a known one: the baseline counts them.
    let grown = SITE.replace(
        "    location / {",
        "    location /api/ {\n        proxy_pass http://app;\n    }\n    location / {",
    );
    write(dir.path(), "sites-enabled/new.conf", &grown);
    let output = run(
        &[
            "check",
            "--nginx-version",
            "1.24.0",
            "--baseline",
            "ci/baseline.json",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    assert_exit(&output, 1);
    let text = stdout(&output);
    assert!(text.contains("sites-enabled/new.conf:"), "{text}");
    assert!(!text.contains("legacy-a.conf"), "{text}");
    assert!(stderr(&output).contains("in the baseline ci/baseline.json not reported"));

    // Fixed findings are said to be gone from the tree.
    write(dir.path(), "sites-enabled/legacy-a.conf", "");
    let output = run(
        &[
            "check",
            "--nginx-version",
            "1.24.0",
            "--baseline",
            "ci/baseline.json",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    assert!(
        stderr(&output).contains("no longer occur"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_baseline_is_an_error_with_its_place() {
    let dir = tree();
    write(
        dir.path(),
        "b.json",
        "{\n  \"schema_version\": 1,\n  \"findings\": 3\n}\n",
    );
    let output = run(
        &["check", "--baseline", "b.json", "nginx.conf"],
        None,
        Some(dir.path()),
    );
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("b.json:3:"), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
}

#[test]
fn add_suppressions_comments_each_finding_line_and_the_check_then_passes() {
    let dir = tree();
    // A CRLF site file whose mode is kept.
    let crlf = SITE.replace('\n', "\r\n");
    write(dir.path(), "sites-enabled/new.conf", &crlf);
    let new = dir.path().join("sites-enabled/new.conf");
    fs::set_permissions(&new, fs::Permissions::from_mode(0o640)).unwrap();
    let args = [
        "check",
        "--nginx-version",
        "1.24.0",
        "--add-suppressions",
        "nginx.conf",
    ];
    let output = run(&args, None, Some(dir.path()));
    assert_exit(&output, 0);
    let err = stderr(&output);
    assert!(err.contains("Added "), "{err}");
    assert!(err.contains("TODO: say why this is accepted"), "{err}");

    let text = fs::read_to_string(&new).unwrap();
    assert!(
        text.contains("        # ngxfix: ignore ")
            && text.contains(
                " -- TODO: say why this is accepted\r\n        proxy_pass http://app;\r\n"
            ),
        "{text}"
    );
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CRLF kept: {text:?}"
    );
    assert_eq!(
        fs::metadata(&new).unwrap().permissions().mode() & 0o777,
        0o640
    );

    let (left, code) = findings(&["nginx.conf"], dir.path());
    assert_eq!((left.len(), code), (0, Some(0)), "{left:?}");

    // Nothing left to suppress: nothing written.
    let before = fs::read(&new).unwrap();
    let output = run(&args, None, Some(dir.path()));
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("Nothing to suppress"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read(&new).unwrap(), before);
}

#[test]
fn add_suppressions_refuses_standard_input_and_writes_nothing() {
    let conf = MAIN.replace("include sites-enabled/*.conf;", SITE);
    let output = run(
        &[
            "check",
            "--nginx-version",
            "1.24.0",
            "--add-suppressions",
            "-",
        ],
        Some(conf.as_bytes()),
        None,
    );
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("not a file on disk"),
        "{}",
        stderr(&output)
    );
}
