//! `ngxfix check` through the real binary: formats, exit codes, selection,
//! settings, suppressions.

use crate::common;

use std::fs;
use std::path::Path;

use common::{run_keepalive as run, stderr, stdout};
use serde_json::Value;

const POOLED: &str = "\
http {
    upstream app {
        server 127.0.0.1:8000;
        keepalive 16;
    }
    server {
        listen 80;
        location / {
            proxy_pass http://app;
        }
    }
}
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn json_check(args: &[&str], cwd: &Path) -> (Value, Option<i32>) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let output = run(&all, None, Some(cwd));
    let value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&output), stderr(&output)));
    (value, output.status.code())
}

fn rule_ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn text_output_shows_place_line_caret_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write(dir.path(), "nginx.conf", POOLED);
    let output = run(
        &["check", "--color", "always", &conf],
        None,
        Some(dir.path()),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("\x1b["), "colors were asked for");
    // With the backend declared, the fixes that turn pooling on are safe:
    // its idle timeout is known.
    let output = run(
        &["check", "--backend", "app=gunicorn", &conf],
        None,
        Some(dir.path()),
    );
    let text = stdout(&output);
    assert!(!text.contains("\x1b["), "no colors when not on a terminal");
    let expected = format!(
        "{conf}:9:13: error[proxy-connection-close] requests to upstream app are sent with `Connection: close`, so the backend closes every connection and the pool never fills
  |
9 |             proxy_pass http://app;
  |             ^^^^^^^^^^^^^^^^^^^^^^
  = fix (safe): Add `proxy_set_header Connection \"\";`
"
    );
    assert!(text.contains(&expected), "{text}");
    // The summary, then what was read and the version assumed (the test
    // pins 1.29.6; where it came from depends on whether nginx is here).
    // Nothing reuses a connection yet (HTTP/1.0, `Connection: close`), so
    // upstream-keepalive-timeout waits for those fixes.
    assert!(
        text.contains("2 findings (2 errors, 0 warnings, 0 info); 2 fixable with `ngxfix fix`.\nRead 1 file; nginx 1.29.6 assumed ("),
        "{text}"
    );
    assert!(text.ends_with(").\n"), "{text}");
    // Without it, the same fixes are unsafe.
    let output = run(&["check", &conf], None, Some(dir.path()));
    let text = stdout(&output);
    assert!(
        text.contains("  = fix (unsafe): Add `proxy_set_header Connection \"\";`\n"),
        "{text}"
    );
    assert!(
        text.contains("2 findings (2 errors, 0 warnings, 0 info); 2 fixable with `ngxfix fix --unsafe-fixes`.\n"),
        "{text}"
    );
}

#[test]
fn exit_codes_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(
        dir.path(),
        "clean.conf",
        "events {}\nhttp { server { listen 80; } }\n",
    );
    let output = run(&["check", &clean], None, Some(dir.path()));
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).starts_with("No findings.\nRead 1 file; nginx 1.29.6 assumed ("),
        "{}",
        stdout(&output)
    );
    let output = run(
        &["check", "--nginx-version", "1.24.0", &clean],
        None,
        Some(dir.path()),
    );
    assert_eq!(
        stdout(&output),
        "No findings.\nRead 1 file; nginx 1.24.0 assumed (--nginx-version).\n"
    );
    let pooled = write(dir.path(), "pooled.conf", POOLED);
    assert_eq!(
        run(&["check", &pooled], None, Some(dir.path()))
            .status
            .code(),
        Some(1)
    );
    let broken = write(dir.path(), "broken.conf", "http {\n");
    let output = run(&["check", &broken], None, Some(dir.path()));
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).is_empty());
    assert!(
        stderr(&output).contains("broken.conf:2:1: unexpected end of file"),
        "{}",
        stderr(&output)
    );
    let output = run(
        &["check", "--select", "no-such-rule", &pooled],
        None,
        Some(dir.path()),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown rule id or category \"no-such-rule\""));
    let output = run(
        &["check", "--backend", "app", &pooled],
        None,
        Some(dir.path()),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--backend expects UPSTREAM=SPEC"));
}

#[test]
fn standard_input_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        &["check", "--format", "json", "-"],
        Some(POOLED.as_bytes()),
        Some(dir.path()),
    );
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["findings"][0]["path"], "-");
}

#[test]
fn select_ignore_and_nginx_version_choose_what_runs() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write(dir.path(), "nginx.conf", POOLED);
    let (all, _) = json_check(&[&conf], dir.path());
    // HTTP/1.0 and `Connection: close`, the defaults before 1.29.7: the
    // pool is never used, so no connection can go stale yet.
    assert_eq!(
        rule_ids(&all),
        ["proxy-connection-close", "proxy-http-version"]
    );
    let (one, _) = json_check(&["--select", "proxy-http-version", &conf], dir.path());
    assert_eq!(rule_ids(&one), ["proxy-http-version"]);
    let (other, _) = json_check(
        &[
            "--ignore",
            "proxy-http-version,upstream-keepalive-timeout",
            &conf,
        ],
        dir.path(),
    );
    assert_eq!(rule_ids(&other), ["proxy-connection-close"]);
    // 1.29.7 speaks HTTP/1.1 without a Connection header by default; the
    // undeclared backend is still a risk.
    let (new, code) = json_check(&["--nginx-version", "1.29.7", &conf], dir.path());
    assert_eq!(rule_ids(&new), ["upstream-keepalive-timeout"]);
    assert_eq!(code, Some(1));
    assert_eq!(new["nginx_version"], "1.29.7");
    let (timeout, _) = json_check(
        &[
            "--backend",
            "app=5s",
            "--select",
            "upstream-keepalive-timeout",
            "--nginx-version",
            "1.30.0",
            &conf,
        ],
        dir.path(),
    );
    assert_eq!(rule_ids(&timeout), ["upstream-keepalive-timeout"]);
    assert_eq!(
        timeout["findings"][0]["fix"]["edits"][0]["text"],
        "\n        keepalive_timeout 4s;"
    );
}

#[test]
fn settings_file_is_found_in_a_parent_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ngxfix.toml",
        "select = [\"upstream-keepalive-timeout\"]\nrules = [\"custom\"]\nnginx_version = \"1.30.0\"\n\n[params.upstream-keepalive-timeout]\nmargin = \"2s\"\n\n[backends.app]\nidle_timeout = \"10s\"\n",
    );
    fs::create_dir_all(dir.path().join("custom")).unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules/server-tokens-off.toml"),
        dir.path().join("custom/server-tokens-off.toml"),
    )
    .unwrap();
    let sub = dir.path().join("etc/nginx");
    let conf = write(&sub, "nginx.conf", POOLED);
    let (report, _) = json_check(&[&conf], &sub);
    assert_eq!(rule_ids(&report), ["upstream-keepalive-timeout"]);
    let fix = &report["findings"][0]["fix"];
    assert_eq!(fix["edits"][0]["text"], "\n        keepalive_timeout 8s;");
    // The custom folder's rule exists (it can be selected) ...
    let (custom, _) = json_check(&["--select", "server-tokens-off", &conf], &sub);
    assert_eq!(rule_ids(&custom), ["server-tokens-off"]);
    // ... and a bad settings file is an error with its place.
    write(
        dir.path(),
        "ngxfix.toml",
        "[params.upstream-keepalive-timeout]\nmargn = \"2s\"\n",
    );
    let output = run(&["check", &conf], None, Some(&sub));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("[params.upstream-keepalive-timeout] margn: the rule has no such parameter (it has: margin, undeclared_idle)"),
        "{}",
        stderr(&output)
    );
    write(dir.path(), "ngxfix.toml", "slect = []\n");
    let output = run(&["check", &conf], None, Some(&sub));
    assert!(
        stderr(&output).contains("ngxfix.toml:1:1: unknown field `slect`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn inline_suppressions_silence_and_stale_ones_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let conf = POOLED
        .replace(
            "            proxy_pass http://app;\n",
            "            # ngxfix: ignore proxy-http-version -- the backend only speaks HTTP/1.0\n            proxy_pass http://app; # ngxfix: ignore proxy-connection-close\n",
        )
        .replace(
            "        listen 80;\n",
            "        listen 80; # ngxfix: ignore websocket-map-close,no-such-rule\n",
        )
        .replace(
            "        keepalive 16;\n",
            "        keepalive 16; # ngxfix: ignore balancer-after-keepalive\n",
        );
    let conf = write(dir.path(), "nginx.conf", &conf);
    let (report, code) = json_check(&["--backend", "app=75s", &conf], dir.path());
    assert_eq!(code, Some(1));
    let messages: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                "unused-suppression",
                "suppression of `balancer-after-keepalive` silences nothing on line 4"
            ),
            (
                "unused-suppression",
                "suppression of `websocket-map-close` silences nothing on line 7"
            ),
            (
                "unused-suppression",
                "suppression names unknown rule `no-such-rule`"
            ),
        ]
    );
    let (quiet, code) = json_check(
        &[
            "--backend",
            "app=75s",
            "--ignore",
            "unused-suppression",
            &conf,
        ],
        dir.path(),
    );
    assert_eq!(rule_ids(&quiet), Vec::<String>::new());
    assert_eq!(code, Some(0));
    // A rule that does not apply to this nginx version cannot use its
    // suppression: that is not reported.
    // `balancer-after-keepalive` only applies before 1.29.7;
    // `proxy-http-version` applies to every version and silences nothing
    // once HTTP/1.1 is the default.
    let (newer, _) = json_check(
        &["--backend", "app=75s", "--nginx-version", "1.30.0", &conf],
        dir.path(),
    );
    let messages: Vec<&str> = newer["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        !messages
            .iter()
            .any(|m| m.contains("balancer-after-keepalive")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`proxy-http-version` silences nothing")),
        "{messages:?}"
    );
}

#[test]
fn findings_in_included_files_name_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let main = write(
        dir.path(),
        "nginx.conf",
        "http {\n    include conf.d/*.conf;\n}\n",
    );
    write(
        dir.path(),
        "conf.d/up.conf",
        "upstream app { server 127.0.0.1:8000; keepalive 4; }\n",
    );
    write(
        dir.path(),
        "conf.d/site.conf",
        "server {\n    location / { proxy_pass http://app; }\n}\n",
    );
    let (report, _) = json_check(&["--select", "proxy-http-version", &main], dir.path());
    let finding = &report["findings"][0];
    assert!(
        finding["path"]
            .as_str()
            .unwrap()
            .ends_with("conf.d/site.conf"),
        "{finding}"
    );
    assert_eq!(finding["start"]["line"], 2);
    assert_eq!(
        finding["fix"]["edits"][0]["text"],
        " proxy_http_version 1.1;"
    );
}

#[test]
fn github_annotations_escape_their_data() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write(dir.path(), "a,b.conf", POOLED);
    let output = run(
        &[
            "check",
            "--format",
            "github",
            "--select",
            "proxy-http-version",
            &conf,
        ],
        None,
        Some(dir.path()),
    );
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let escaped = conf.replace(',', "%2C");
    assert_eq!(
        text,
        format!("::error file={escaped},line=9,col=13,endLine=9,endColumn=35,title=ngxfix proxy-http-version::upstream app pools connections, but proxy_http_version here is 1.0: HTTP/1.0 connections are closed after each response, so nothing is ever reused\n")
    );
}

/// Run `check --format json` with `NGXFIX_NGINX` set: the nginx whose
/// `-v` gives the version when none is configured.
fn check_with_nginx(nginx: &str, args: &[&str], cwd: &Path) -> (Value, String) {
    let output = common::ngxfix()
        .args(common::without_gixy_pack(&["check", "--format", "json"]))
        .args(args)
        .env("NGXFIX_NGINX", nginx)
        .current_dir(cwd)
        .output()
        .expect("ngxfix runs");
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&output), stderr(&output)));
    (report, stderr(&output))
}

/// A stand-in for nginx that prints `version` the way `nginx -v` does.
fn fake_nginx(dir: &Path, version: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(format!("nginx-{}", version.replace(['/', ' '], "-")));
    fs::write(
        &path,
        format!("#!/bin/sh\necho 'nginx version: {version}' >&2\n"),
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[test]
fn the_nginx_version_comes_from_the_option_the_settings_or_nginx_v() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write(dir.path(), "nginx.conf", POOLED);
    // The installed nginx decides when nothing is configured.
    let newer = fake_nginx(dir.path(), "nginx/1.30.1");
    let (report, err) = check_with_nginx(&newer, &[&conf], dir.path());
    assert_eq!(report["nginx_version"], "1.30.1");
    assert!(err.is_empty(), "{err}");
    // 1.30 speaks HTTP/1.1 without a Connection header by default.
    assert_eq!(rule_ids(&report), ["upstream-keepalive-timeout"]);
    let tengine = fake_nginx(dir.path(), "Tengine/2.3.3 (nginx/1.18.0)");
    let (report, _) = check_with_nginx(&tengine, &[&conf], dir.path());
    assert_eq!(report["nginx_version"], "1.18.0");
    // The option wins over nginx -v, and so does the settings file.
    let (report, _) = check_with_nginx(&newer, &["--nginx-version", "1.24.0", &conf], dir.path());
    assert_eq!(report["nginx_version"], "1.24.0");
    write(dir.path(), "ngxfix.toml", "nginx_version = \"1.26.2\"\n");
    let (report, _) = check_with_nginx(&newer, &[&conf], dir.path());
    assert_eq!(report["nginx_version"], "1.26.2");
    fs::remove_file(dir.path().join("ngxfix.toml")).unwrap();
    // Without nginx (or with a fork numbered its own way) the version is
    // assumed, and said once.
    for (nginx, why) in [
        (String::new(), "NGXFIX_NGINX is empty"),
        (
            fake_nginx(dir.path(), "Angie/1.5.0"),
            "names no nginx version",
        ),
    ] {
        let (report, err) = check_with_nginx(&nginx, &[&conf, &conf], dir.path());
        assert_eq!(report["nginx_version"], "1.29.6");
        assert_eq!(
            err.matches("note: assuming nginx 1.29.6").count(),
            1,
            "{err}"
        );
        assert!(err.contains(why), "{err}");
        assert!(err.contains("--nginx-version"), "{err}");
    }
}

/// A stand-in for nginx whose `-v` gives `version` and whose `-V` gives
/// `conf` as the `--conf-path` it was built with.
fn fake_nginx_built(path: &Path, version: &str, conf: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(
        path,
        format!(
            "#!/bin/sh\ncase \"$1\" in\n\
             -v) echo 'nginx version: nginx/{version}' >&2 ;;\n\
             -V) echo 'nginx version: nginx/{version}' >&2; echo 'configure arguments: --prefix=/usr/share/nginx --conf-path={conf}' >&2 ;;\n\
             *) exit 1 ;;\n\
             esac\n"
        ),
    )
    .unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

/// `check` without a path reads the main file of the same nginx that gives
/// the version: the one `NGXFIX_NGINX` names, not the `nginx` on PATH.
#[test]
fn the_nginx_named_by_ngxfix_nginx_gives_both_the_version_and_the_default_config() {
    let dir = tempfile::tempdir().unwrap();
    let on_path_conf = write(dir.path(), "on-path.conf", POOLED);
    let chosen_conf = write(dir.path(), "chosen.conf", POOLED);
    fake_nginx_built(&dir.path().join("bin/nginx"), "1.20.0", &on_path_conf);
    let chosen = fake_nginx_built(&dir.path().join("chosen-nginx"), "1.26.0", &chosen_conf);
    let path = std::env::join_paths(std::iter::once(dir.path().join("bin")).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let check = |nginx: &str| {
        common::ngxfix()
            .args(common::without_gixy_pack(&["check", "--format", "json"]))
            .env("NGXFIX_NGINX", nginx)
            .env("PATH", &path)
            .current_dir(dir.path())
            .output()
            .expect("ngxfix runs")
    };
    let output = check(&chosen);
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&output), stderr(&output)));
    assert_eq!(report["nginx_version"], "1.26.0");
    assert_eq!(report["nginx_version_from"], format!("{chosen} -v"));
    assert_eq!(
        report["inputs"][0]["path"],
        chosen_conf.as_str(),
        "{report}"
    );
    // Empty means no nginx: neither the version nor the main file comes
    // from the one on PATH.
    let output = check("");
    let printed = format!("{}{}", stdout(&output), stderr(&output));
    assert!(!printed.contains("on-path.conf"), "{printed}");
    assert!(!printed.contains("1.20.0"), "{printed}");
    assert!(printed.contains("/etc/nginx/nginx.conf"), "{printed}");
}

/// A one-line configuration of 36 KB: each finding shows the part of the
/// line around its caret, not the whole line (which made 16 MB of text
/// and JSON).
#[test]
fn a_very_long_line_is_cut_around_each_finding() {
    let dir = tempfile::tempdir().unwrap();
    let locations: String = (0..900)
        .map(|i| format!("location /l{i} {{ proxy_pass http://app; }} "))
        .collect();
    let conf = format!(
        "events {{}} http {{ upstream app {{ server 127.0.0.1:8000; keepalive 8; }} server {{ {locations}}} }}\n"
    );
    assert!(conf.len() > 30_000);
    fs::write(dir.path().join("nginx.conf"), &conf).unwrap();
    let output = run(
        &[
            "check",
            "--nginx-version",
            "1.24.0",
            "--color",
            "never",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    let text = stdout(&output);
    let findings = text.matches("error[proxy-http-version]").count();
    assert_eq!(findings, 900, "{}", &text[..2000.min(text.len())]);
    assert!(text.len() < findings * 1_500, "{} bytes", text.len());
    // The caret still points at its directive in the cut line.
    let block = text
        .split("\n\n")
        .find(|b| b.contains("error[proxy-http-version]") && b.contains("/l350 "))
        .unwrap();
    let lines: Vec<&str> = block.lines().collect();
    let caret = lines[3].find('^').unwrap();
    assert_eq!(&lines[2][caret..caret + 10], "proxy_pass", "{block}");
    assert!(
        lines[2].contains("...") && lines[2].chars().count() < 120,
        "{block}"
    );

    let output = run(
        &[
            "check",
            "--nginx-version",
            "1.24.0",
            "--format",
            "json",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    assert!(
        output.stdout.len() < findings * 5_000,
        "{} bytes of JSON",
        output.stdout.len()
    );
}

/// Without a declared backend or a hint, an upstream gets a note and no
/// fix; `--assume-backend` (or `assume_backend` in ngxfix.toml) brings the
/// fix back as a warning, and a guess from a socket name says so.
#[test]
fn undeclared_backends_are_quiet_unless_assumed() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write(dir.path(), "nginx.conf", POOLED);
    // 1.30: HTTP/1.1 and no Connection header by default, so the pool is
    // used.
    let select = [
        "--select",
        "upstream-keepalive-timeout",
        "--nginx-version",
        "1.30.0",
    ];
    let finding = |extra: &[&str]| {
        let mut args = select.to_vec();
        args.extend_from_slice(extra);
        args.push(&conf);
        let (report, code) = json_check(&args, dir.path());
        assert_eq!(code, Some(1), "{report}");
        report["findings"][0].clone()
    };
    let unknown = finding(&[]);
    assert_eq!(unknown["severity"], "info");
    assert!(unknown["fix"].is_null(), "{unknown}");
    assert!(unknown["message"]
        .as_str()
        .unwrap()
        .contains("--assume-backend KIND"));
    let assumed = finding(&["--assume-backend", "gunicorn"]);
    assert_eq!(assumed["severity"], "warning");
    assert_eq!(assumed["fix"]["safety"], "unsafe");
    assert_eq!(
        assumed["fix"]["edits"][0]["text"],
        "\n        keepalive_timeout 1s;"
    );
    assert!(assumed["message"]
        .as_str()
        .unwrap()
        .contains("gunicorn's default, assumed with --assume-backend"));
    // The same from the settings file, named as the source.
    write(dir.path(), "ngxfix.toml", "assume_backend = \"10s\"\n");
    let from_settings = finding(&[]);
    assert_eq!(
        from_settings["fix"]["edits"][0]["text"],
        "\n        keepalive_timeout 9s;"
    );
    // The option wins over the settings file.
    let option = finding(&["--assume-backend", "uvicorn"]);
    assert_eq!(
        option["fix"]["edits"][0]["text"],
        "\n        keepalive_timeout 4s;"
    );
    // A file belongs to one backend: refused, in both places.
    let output = run(
        &[
            "check",
            "--assume-backend",
            "gunicorn:gunicorn.conf.py",
            &conf,
        ],
        None,
        Some(dir.path()),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--assume-backend: give a server kind or a duration"),
        "{}",
        stderr(&output)
    );
    write(
        dir.path(),
        "ngxfix.toml",
        "assume_backend = \"gunicorn:gunicorn.conf.py\"\n",
    );
    let output = run(&["check", &conf], None, Some(dir.path()));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("assume_backend: give a server kind or a duration"),
        "{}",
        stderr(&output)
    );
    fs::remove_file(dir.path().join("ngxfix.toml")).unwrap();
    // A socket named after the server: a guess, said as one.
    let guessed = write(
        dir.path(),
        "guessed.conf",
        &POOLED.replace("127.0.0.1:8000", "unix:/run/gunicorn.sock"),
    );
    let (report, _) = json_check(&[&select[..], &[guessed.as_str()]].concat(), dir.path());
    let finding = &report["findings"][0];
    assert_eq!(finding["severity"], "info");
    assert_eq!(finding["fix"]["safety"], "unsafe");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("likely gunicorn, as its socket is `unix:/run/gunicorn.sock`"),
        "{finding}"
    );
}

/// `--exit-zero`, `--fail-on`, `--statistics` and `--output-file`: what a
/// pipeline needs to adopt the check step by step.
#[test]
fn exit_status_statistics_and_output_file_for_pipelines() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write(dir.path(), "nginx.conf", POOLED);
    let code = |args: &[&str]| {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        all.push(&conf);
        run(&all, None, Some(dir.path())).status.code()
    };
    // Two errors at 1.29.6; one info note on 1.30 (no backend declared).
    assert_eq!(code(&[]), Some(1));
    assert_eq!(code(&["--exit-zero"]), Some(0));
    assert_eq!(code(&["--fail-on", "error"]), Some(1));
    let info_only = ["--nginx-version", "1.30.0"];
    assert_eq!(code(&info_only), Some(1));
    assert_eq!(
        code(&[&info_only[..], &["--fail-on", "info"]].concat()),
        Some(1)
    );
    assert_eq!(
        code(&[&info_only[..], &["--fail-on", "warning"]].concat()),
        Some(0)
    );
    assert_eq!(code(&["--exit-zero", "--fail-on", "error"]), Some(2));

    // Counts per rule instead of findings, most frequent first.
    let output = run(&["check", "--statistics", &conf], None, Some(dir.path()));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "     1  proxy-connection-close  error    1 fixable\n     1  proxy-http-version      error    1 fixable\n     2  findings\n"
    );
    let (json, _) = json_check(&["--statistics", &conf], dir.path());
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["statistics"][0]["rule"], "proxy-connection-close");
    assert_eq!(json["statistics"][0]["count"], 1);
    assert_eq!(json["statistics"][0]["fixable"], 1);
    let output = run(
        &["check", "--statistics", "--format", "sarif", &conf],
        None,
        Some(dir.path()),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--statistics prints text or json, not sarif"));

    // Any format to a file; nothing on standard output.
    let report = dir.path().join("report.sarif");
    let output = run(
        &[
            "check",
            "--format",
            "sarif",
            "--output-file",
            report.to_str().unwrap(),
            &conf,
        ],
        None,
        Some(dir.path()),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let sarif: Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    // `--color auto` writes a file without colors.
    let text = dir.path().join("report.txt");
    run(
        &["check", "--output-file", text.to_str().unwrap(), &conf],
        None,
        Some(dir.path()),
    );
    assert!(!fs::read_to_string(&text).unwrap().contains('\x1b'));
}

/// `check --diff` is `fix --dry-run` under the name ruff users type: the
/// same diff, messages and exit status, and nothing written.
#[test]
fn check_diff_is_fix_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write(dir.path(), "nginx.conf", POOLED);
    let both = |command: &[&str]| {
        let mut args = command.to_vec();
        args.extend_from_slice(&["--backend", "app=75s", &conf]);
        run(&args, None, Some(dir.path()))
    };
    let diff = both(&["check", "--diff"]);
    let dry_run = both(&["fix", "--dry-run"]);
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    assert_eq!(diff.status.code(), dry_run.status.code());
    assert_eq!(stdout(&diff), stdout(&dry_run));
    assert_eq!(stderr(&diff), stderr(&dry_run));
    assert!(stdout(&diff).contains("+            proxy_http_version 1.1;"));
    assert_eq!(fs::read_to_string(&conf).unwrap(), POOLED);
    // A diff has one format.
    let output = run(&["check", "--diff", "--format", "json", &conf], None, None);
    assert_eq!(output.status.code(), Some(2));
}
