//! `ngxfix fix` through the real binary: the file's own style (indentation,
//! line endings, BOM, final newline, one-line blocks), included and
//! symlinked files, modes, unwritable directories, `--dry-run` and its exit
//! codes, standard input, unsafe fixes and the `nginx -t` check.

use crate::common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use common::{ngxfix, run_keepalive as run};

/// A pooled upstream and a location reaching it, without HTTP/1.1 or a
/// cleared Connection header: two safe fixes. Lines use `unit` for each
/// level of indentation and end with `eol`.
fn pooled(unit: &str, eol: &str) -> String {
    let lines: [(usize, &str); 11] = [
        (0, "http {"),
        (1, "upstream app {"),
        (2, "server 127.0.0.1:8000;"),
        (2, "keepalive 16;"),
        (1, "}"),
        (1, "server {"),
        (2, "location / {"),
        (3, "proxy_pass http://app;"),
        (2, "}"),
        (1, "}"),
        (0, "}"),
    ];
    lines
        .iter()
        .map(|(level, text)| format!("{}{text}{eol}", unit.repeat(*level)))
        .collect()
}

/// `pooled` as it should be after `fix`.
fn pooled_fixed(unit: &str, eol: &str) -> String {
    let at = pooled(unit, eol).find("proxy_pass http://app;").unwrap();
    let mut text = pooled(unit, eol);
    let line_end = at + text[at..].find(eol).unwrap() + eol.len();
    let indent = unit.repeat(3);
    text.insert_str(
        line_end,
        &format!(
            "{indent}proxy_http_version 1.1;{eol}{indent}proxy_set_header Connection \"\";{eol}"
        ),
    );
    text
}

/// `ngxfix fix --no-verify` in `dir`. The upstream `app` of the fixtures
/// is declared with a backend that outlasts nginx's 60s, so the timeout
/// rule stays quiet and the tests see only the fixes they are about.
fn fix_in(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["fix", "--no-verify", "--backend", "app=75s"];
    all.extend_from_slice(args);
    run(&all, None, Some(dir))
}

fn text(output: &[u8]) -> String {
    String::from_utf8_lossy(output).into_owned()
}

/// Fix `original` written as `nginx.conf` and return what the file holds.
fn fixed(original: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), original).unwrap();
    let out = fix_in(dir.path(), &["nginx.conf"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    fs::read(dir.path().join("nginx.conf")).unwrap()
}

#[test]
fn indentation_is_copied_from_the_neighbours() {
    for unit in ["\t", "  ", "    "] {
        let result = fixed(pooled(unit, "\n").as_bytes());
        assert_eq!(text(&result), pooled_fixed(unit, "\n"), "indent {unit:?}");
    }
}

#[test]
fn crlf_files_get_crlf_lines() {
    let result = fixed(pooled("    ", "\r\n").as_bytes());
    assert_eq!(text(&result), pooled_fixed("    ", "\r\n"));
    assert!(!text(&result).replace("\r\n", "").contains('\n'));
}

#[test]
fn a_bom_and_a_missing_final_newline_are_kept() {
    // Other fixes keep the byte order mark; only the rule about it (nginx
    // refuses a file that starts with one) takes it away.
    let mut original = b"\xEF\xBB\xBF".to_vec();
    original.extend(pooled("  ", "\n").trim_end().as_bytes());
    let mut expected = b"\xEF\xBB\xBF".to_vec();
    expected.extend(pooled_fixed("  ", "\n").trim_end().as_bytes());
    let kept = run(
        &[
            "fix",
            "--ignore",
            "nginx-byte-order-mark",
            "--backend",
            "app=75s",
            "-",
        ],
        Some(&original),
        None,
    );
    assert_eq!(text(&kept.stdout), text(&expected));
    let without = fixed(&original);
    assert_eq!(text(&without), text(&expected[3..]));
}

#[test]
fn one_line_blocks_stay_on_one_line() {
    let original = "http { upstream app { server 127.0.0.1:8000; keepalive 16; } server { location / { proxy_pass http://app; } } }\n";
    assert_eq!(
        text(&fixed(original.as_bytes())),
        "http { upstream app { server 127.0.0.1:8000; keepalive 16; } server { location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }\n"
    );
}

#[test]
fn comments_and_blank_lines_are_untouched() {
    let original = "# top\nhttp {\n\n    upstream app { server 127.0.0.1:8000; keepalive 16; }  # pool\n\n    server {\n        # the app\n        location / {\n            proxy_pass http://app;  # trailing\n        }\n    }\n}\n";
    let result = text(&fixed(original.as_bytes()));
    assert_eq!(
        result,
        original.replace(
            "proxy_pass http://app;  # trailing\n",
            "proxy_pass http://app;  # trailing\n            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n"
        )
    );
}

#[test]
fn dry_run_prints_a_diff_writes_nothing_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nginx.conf");
    fs::write(&path, pooled("    ", "\n")).unwrap();
    let out = fix_in(dir.path(), &["--dry-run", "nginx.conf"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert!(
        diff.starts_with("--- a/nginx.conf\n+++ b/nginx.conf\n@@ -6,6 +6,8 @@\n"),
        "{diff}"
    );
    assert!(
        diff.contains("+            proxy_http_version 1.1;\n"),
        "{diff}"
    );
    assert!(!diff.contains("\x1b["), "no colors when piped");
    assert!(text(&out.stderr).contains("Would fix 2 findings in 1 file"));
    assert_eq!(fs::read_to_string(&path).unwrap(), pooled("    ", "\n"));

    // Nothing to change: no diff, exit 0.
    fs::write(&path, pooled_fixed("    ", "\n")).unwrap();
    let out = fix_in(dir.path(), &["--dry-run", "nginx.conf"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn standard_input_is_fixed_to_standard_output() {
    let original = pooled("    ", "\n");
    let out = run(
        &[
            "fix",
            "--no-verify",
            "--backend",
            "app=75s",
            "--dry-run",
            "-",
        ],
        Some(original.as_bytes()),
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("--- a/-\n+++ b/-\n"));

    let out = run(
        &["fix", "--no-verify", "--backend", "app=75s", "-"],
        Some(original.as_bytes()),
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), pooled_fixed("    ", "\n"));
    assert!(text(&out.stderr).contains("Fixed 2 findings"));
}

#[test]
fn a_dump_on_standard_input_is_fixed_file_by_file() {
    let dump = "# configuration file /etc/nginx/nginx.conf:\nhttp {\n    upstream app { server 127.0.0.1:8000; keepalive 16; }\n    include /etc/nginx/conf.d/app.conf;\n}\n\n# configuration file /etc/nginx/conf.d/app.conf:\nserver {\n    location / {\n        proxy_pass http://app;\n    }\n}\n\n";
    let out = run(
        &[
            "fix",
            "--no-verify",
            "--dry-run",
            "--backend",
            "app=75s",
            "-",
        ],
        Some(dump.as_bytes()),
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert!(
        diff.starts_with("--- a/etc/nginx/conf.d/app.conf\n+++ b/etc/nginx/conf.d/app.conf\n"),
        "{diff}"
    );
}

#[test]
fn fixes_land_in_included_files_and_only_there() {
    let dir = tempfile::tempdir().unwrap();
    let main = "events {}\nhttp {\n    upstream app { server 127.0.0.1:8000; keepalive 16; }\n    include conf.d/*.conf;\n}\n";
    let site = "server {\n    listen 127.0.0.1:8080;\n    location / {\n        proxy_pass http://app;\n    }\n}\n";
    fs::create_dir(dir.path().join("conf.d")).unwrap();
    fs::write(dir.path().join("nginx.conf"), main).unwrap();
    fs::write(dir.path().join("conf.d/site.conf"), site).unwrap();
    let before = fs::metadata(dir.path().join("nginx.conf")).unwrap();

    let out = fix_in(dir.path(), &["--dry-run", "nginx.conf"]);
    let diff = text(&out.stdout);
    assert!(diff.starts_with("--- a/conf.d/site.conf\n"), "{diff}");
    assert!(!diff.contains("a/nginx.conf"), "{diff}");

    let out = fix_in(dir.path(), &["nginx.conf"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout)
        .contains("conf.d/site.conf: 1 × proxy-connection-close, 1 × proxy-http-version"));
    let after = fs::metadata(dir.path().join("nginx.conf")).unwrap();
    assert_eq!(
        (before.ino(), before.mtime_nsec()),
        (after.ino(), after.mtime_nsec())
    );
    assert!(fs::read_to_string(dir.path().join("conf.d/site.conf"))
        .unwrap()
        .contains("        proxy_pass http://app;\n        proxy_http_version 1.1;\n"));
}

#[test]
fn a_symlinked_config_keeps_its_link() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("real")).unwrap();
    fs::write(dir.path().join("real/nginx.conf"), pooled("    ", "\n")).unwrap();
    std::os::unix::fs::symlink("real/nginx.conf", dir.path().join("nginx.conf")).unwrap();
    let out = fix_in(dir.path(), &["nginx.conf"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let link = fs::symlink_metadata(dir.path().join("nginx.conf")).unwrap();
    assert!(link.file_type().is_symlink());
    assert_eq!(
        fs::read_to_string(dir.path().join("real/nginx.conf")).unwrap(),
        pooled_fixed("    ", "\n")
    );
}

#[test]
fn the_mode_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nginx.conf");
    fs::write(&path, pooled("    ", "\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let out = fix_in(dir.path(), &["nginx.conf"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        pooled_fixed("    ", "\n")
    );
    assert_eq!(fs::metadata(&path).unwrap().mode() & 0o7777, 0o640);
}

#[test]
fn a_read_only_directory_is_a_clear_error_and_the_file_is_intact() {
    // Root writes into any directory; run ngxfix as nobody then.
    let root = unsafe { libc::geteuid() } == 0;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let conf = dir.path().join("conf");
    fs::create_dir(&conf).unwrap();
    let path = conf.join("nginx.conf");
    fs::write(&path, pooled("    ", "\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
    fs::set_permissions(&conf, fs::Permissions::from_mode(0o555)).unwrap();

    let mut command = if root {
        // A copy nobody can run wherever the build directory is.
        use std::os::unix::process::CommandExt;
        let copy = dir.path().join("ngxfix");
        fs::copy(env!("CARGO_BIN_EXE_ngxfix"), &copy).unwrap();
        fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).unwrap();
        let mut command = std::process::Command::new(copy);
        command.uid(65534).gid(65534);
        command
    } else {
        ngxfix()
    };
    command
        .args(common::without_gixy_pack(common::FIX_APP_IN_PLACE))
        .current_dir(&conf);
    let out = command.output().unwrap();
    fs::set_permissions(&conf, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let message = text(&out.stderr);
    assert!(message.contains("not writable"), "{message}");
    assert!(message.contains("nothing was written"), "{message}");
    assert_eq!(fs::read_to_string(&path).unwrap(), pooled("    ", "\n"));
    assert_eq!(
        fs::read_dir(&conf).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nginx.conf");
    fs::write(&path, pooled("    ", "\n")).unwrap();
    assert_eq!(fix_in(dir.path(), &["nginx.conf"]).status.code(), Some(0));
    let once = fs::read(&path).unwrap();
    let inode = fs::metadata(&path).unwrap().ino();
    let out = fix_in(dir.path(), &["nginx.conf"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("Nothing to fix."));
    assert_eq!(fs::read(&path).unwrap(), once);
    assert_eq!(fs::metadata(&path).unwrap().ino(), inode, "not rewritten");
}

/// A rule file with one fix of the given safety, replacing `listen 80`.
fn listen_rule(dir: &Path, safety: &str, to: &str) -> String {
    let path = dir.join("rule.toml");
    fs::write(
        &path,
        format!(
            r#"id = "listen-port"
title = "port 80"
severity = "warning"
explain = "Test rule."
[match]
directive = "listen"
arg = {{ index = 0, equals = "127.0.0.1:8080" }}
[fix]
safety = "{safety}"
{to}
"#
        ),
    )
    .unwrap();
    path.display().to_string()
}

const SMALL: &str = "events {}\nhttp {\n    server {\n        listen 127.0.0.1:8080;\n    }\n}\n";

#[test]
fn unsafe_fixes_are_held_back_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let rule = listen_rule(
        dir.path(),
        "unsafe",
        "replace_arg = { index = 0, value = '127.0.0.1:8081' }",
    );
    let path = dir.path().join("nginx.conf");
    fs::write(&path, SMALL).unwrap();
    let args = ["--rules", &rule, "--select", "listen-port", "nginx.conf"];
    let out = fix_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "a finding remains");
    assert!(
        text(&out.stdout).contains("1 unsafe fix held back; rerun with --unsafe-fixes to apply it"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), SMALL);

    let mut unsafe_args = vec!["--unsafe-fixes"];
    unsafe_args.extend_from_slice(&args);
    let out = fix_in(dir.path(), &unsafe_args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(fs::read_to_string(&path)
        .unwrap()
        .contains("listen 127.0.0.1:8081;"));
}

#[test]
fn a_result_nginx_rejects_is_not_written() {
    if !common::nginx_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rule = listen_rule(
        dir.path(),
        "safe",
        "replace_arg = { index = 0, value = '127.0.0.1:80808' }",
    );
    let path = dir.path().join("nginx.conf");
    fs::write(&path, SMALL).unwrap();
    let out = run(
        &[
            "fix",
            "--rules",
            &rule,
            "--select",
            "listen-port",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    // The fix nginx rejects is left out, named with nginx's words; its
    // finding remains.
    let message = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(
        message.contains("warning: the fix of listen-port for nginx.conf:4:"),
        "{message}"
    );
    assert!(message.contains("invalid port"), "{message}");
    assert_eq!(fs::read_to_string(&path).unwrap(), SMALL);

    // --no-verify writes it anyway.
    let out = run(
        &[
            "fix",
            "--no-verify",
            "--rules",
            &rule,
            "--select",
            "listen-port",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(fs::read_to_string(&path)
        .unwrap()
        .contains("listen 127.0.0.1:80808;"));
}

#[test]
fn verified_fixes_are_written() {
    if !common::nginx_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nginx.conf");
    let original = format!("events {{}}\n{}", pooled("    ", "\n"));
    fs::write(&path, &original).unwrap();
    let out = run(
        &["fix", "--backend", "app=75s", "nginx.conf"],
        None,
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        format!("events {{}}\n{}", pooled_fixed("    ", "\n"))
    );
}

#[test]
fn interactive_without_a_terminal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), pooled("    ", "\n")).unwrap();
    let out = fix_in(dir.path(), &["-i", "nginx.conf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("fix -i needs a terminal"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("nginx.conf")).unwrap(),
        pooled("    ", "\n")
    );
}

#[test]
fn the_same_file_named_twice_is_fixed_once() {
    // Two trees reaching one file would each write their own fixed copy:
    // the second name is left out before anything is fixed.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nginx.conf");
    fs::write(&path, pooled("    ", "\n")).unwrap();
    std::os::unix::fs::symlink("nginx.conf", dir.path().join("other.conf")).unwrap();
    let out = fix_in(dir.path(), &["nginx.conf", "other.conf"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("note: other.conf is checked once, as part of nginx.conf"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        pooled_fixed("    ", "\n")
    );
    assert!(fs::symlink_metadata(dir.path().join("other.conf"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn standard_input_never_writes_the_files_it_includes() {
    let dir = tempfile::tempdir().unwrap();
    let site = "server {\n    location / {\n        proxy_pass http://app;\n    }\n}\n";
    fs::write(dir.path().join("site.conf"), site).unwrap();
    let main = "http {\n    upstream app { server 127.0.0.1:8000; keepalive 16; }\n    include site.conf;\n}\n";
    let out = run(
        &["fix", "--no-verify", "--backend", "app=75s", "-"],
        Some(main.as_bytes()),
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("includes from disk (site.conf)"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("site.conf")).unwrap(),
        site
    );
    // The diff is fine.
    let out = run(
        &[
            "fix",
            "--no-verify",
            "--dry-run",
            "--backend",
            "app=75s",
            "-",
        ],
        Some(main.as_bytes()),
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("--- a/site.conf\n"));

    let out = run(
        &[
            "fix",
            "--no-verify",
            "--backend",
            "app=75s",
            "-",
            "site.conf",
        ],
        Some(main.as_bytes()),
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot be fixed together with other paths"));
}

#[test]
fn fixes_that_never_settle_are_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    fs::create_dir(&rules).unwrap();
    for (id, from, to) in [("there", "8080", "8081"), ("back", "8081", "8080")] {
        fs::write(
            rules.join(format!("{id}.toml")),
            format!(
                "id = \"{id}\"\ntitle = \"t\"\nseverity = \"warning\"\nexplain = \"e\"\n[match]\ndirective = \"listen\"\narg = {{ index = 0, equals = \"127.0.0.1:{from}\" }}\n[fix]\nreplace_arg = {{ index = 0, value = '127.0.0.1:{to}' }}\n"
            ),
        )
        .unwrap();
    }
    let path = dir.path().join("nginx.conf");
    fs::write(&path, SMALL).unwrap();
    let args = [
        "--rules",
        rules.to_str().unwrap(),
        "--select",
        "there,back",
        "nginx.conf",
    ];
    let out = fix_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(2));
    let message = text(&out.stderr);
    assert!(
        message.contains("the fixes of back, there did not settle after 10 passes"),
        "{message}"
    );
    assert!(message.contains("nothing was written"), "{message}");
    assert_eq!(fs::read_to_string(&path).unwrap(), SMALL);
}

#[test]
fn a_dry_run_shows_no_change_nginx_refuses() {
    if !common::nginx_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rule = listen_rule(
        dir.path(),
        "safe",
        "replace_arg = { index = 0, value = '127.0.0.1:80808' }",
    );
    fs::write(dir.path().join("nginx.conf"), SMALL).unwrap();
    let out = run(
        &[
            "fix",
            "--dry-run",
            "--rules",
            &rule,
            "--select",
            "listen-port",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    // Checked before it is shown: the only change is left out.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("the fix of listen-port for nginx.conf:4:")
            && text(&out.stderr).contains("invalid port"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_summary_names_every_file_a_fix_changed() {
    // The location inherits its headers from a file included in http{}:
    // the cleared Connection header goes there, not beside the proxy_pass.
    let dir = tempfile::tempdir().unwrap();
    let main = "http {\n    include proxy_params;\n    upstream app { server 127.0.0.1:8000; keepalive 16; }\n    server {\n        location / {\n            proxy_http_version 1.1;\n            proxy_pass http://app;\n        }\n    }\n}\n";
    let params = "proxy_set_header Host $host;\n";
    fs::write(dir.path().join("nginx.conf"), main).unwrap();
    fs::write(dir.path().join("proxy_params"), params).unwrap();
    let out = fix_in(
        dir.path(),
        &["--select", "proxy-connection-close", "nginx.conf"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(
        summary
            .contains("Fixed 1 finding in 1 file:\n  proxy_params: 1 × proxy-connection-close\n"),
        "{summary}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("proxy_params")).unwrap(),
        "proxy_set_header Host $host;\nproxy_set_header Connection \"\";\n"
    );
}
