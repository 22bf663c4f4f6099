//! What people hold in their hands: one site file, a pasted fragment, a
//! Debian-layout tree, a dump in a file, settings beside the checked file.
//! Each is read as nginx would read it.

use crate::common;

use std::fs;
use std::path::Path;

use common::{run_keepalive as run, stderr, stdout};
use serde_json::Value;

/// The incident's site file: a pooled upstream and a `proxy_pass` without
/// HTTP/1.1, with an inherited header at its top level.
const SITE: &str = "\
proxy_set_header Host $host;

upstream api {
    server 127.0.0.1:8000;
    keepalive 32;
}

server {
    listen 80;
    location / {
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://api;
    }
    location /plain {
        proxy_pass http://api;
    }
}
";

/// `check --format json` on `args`; (exit code, report).
fn check_json(args: &[&str], stdin: Option<&[u8]>, cwd: &Path) -> (Option<i32>, Value) {
    let mut all = vec!["check", "--format", "json", "--nginx-version", "1.24.0"];
    all.extend_from_slice(args);
    let out = run(&all, stdin, Some(cwd));
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    (out.status.code(), report)
}

/// Each finding as (rule, line, edits as `line:col +text`), lines shifted
/// by `shift`.
fn summary(report: &Value, shift: i64) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let line = f["start"]["line"].as_i64().unwrap() - shift;
            let edits: Vec<String> = f["fix"]["edits"]
                .as_array()
                .map(|edits| {
                    edits
                        .iter()
                        .map(|e| {
                            format!(
                                "{}:{} {:?}",
                                e["start"]["line"].as_i64().unwrap() - shift,
                                e["start"]["column"],
                                e["text"].as_str().unwrap()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "{} {line} {}",
                f["rule"].as_str().unwrap(),
                edits.join(", ")
            )
        })
        .collect()
}

#[test]
fn a_fragment_gives_the_findings_of_the_same_text_inside_http() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("api.conf"), SITE).unwrap();
    let wrapped = format!("http {{\n{SITE}}}\n");
    fs::write(dir.path().join("wrapped.conf"), &wrapped).unwrap();
    let backend = ["--backend", "api=gunicorn"];

    let (code, inside) = check_json(
        &[&backend[..], &["wrapped.conf"]].concat(),
        None,
        dir.path(),
    );
    assert_eq!(code, Some(1));
    let expected = summary(&inside, 1);
    // The pool without HTTP/1.1 and with `Connection: close`: nothing is
    // reused until both are fixed (the timeout above gunicorn's comes
    // after them).
    let rules: Vec<&str> = expected
        .iter()
        .map(|s| s.split(' ').next().unwrap())
        .collect();
    assert!(rules.contains(&"proxy-http-version"), "{expected:?}");
    assert!(rules.contains(&"proxy-connection-close"), "{expected:?}");

    for (how, args, stdin) in [
        ("a file", vec!["api.conf"], None),
        ("standard input", vec!["-"], Some(SITE.as_bytes())),
        ("--no-includes", vec!["--no-includes", "api.conf"], None),
    ] {
        let (code, report) = check_json(&[&backend[..], &args[..]].concat(), stdin, dir.path());
        assert_eq!(code, Some(1), "{how}");
        assert_eq!(summary(&report, 0), expected, "{how}");
        let input = &report["inputs"][0];
        assert_eq!(input["context"], "http", "{how}");
        assert_eq!(input["context_from"], "inferred", "{how}");
        assert_eq!(
            input["evidence"],
            serde_json::json!(["proxy_set_header", "upstream", "server"])
        );
    }

    // The header fix of `/` adds to the location's own headers; that of
    // `/plain`, which inherits http's, adds to http's (the fragment's top
    // level), so `Host $host` is never lost.
    let out = run(
        &[
            "fix",
            "--dry-run",
            "--nginx-version",
            "1.24.0",
            "--backend",
            "api=gunicorn",
            "api.conf",
        ],
        None,
        Some(dir.path()),
    );
    let diff = stdout(&out);
    assert!(
        diff.contains(" proxy_set_header Host $host;\n+proxy_set_header Connection \"\";\n"),
        "{diff}"
    );
    assert!(
        diff.contains("         proxy_set_header X-Forwarded-Proto $scheme;\n+        proxy_set_header Connection \"\";\n"),
        "{diff}"
    );
}

#[test]
fn the_text_report_says_how_a_fragment_was_read() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("api.conf"), SITE).unwrap();
    let out = run(
        &["check", "--nginx-version", "1.24.0", "api.conf"],
        None,
        Some(dir.path()),
    );
    let text = stdout(&out);
    assert!(
        text.starts_with("note: api.conf read as the inside of http{} (top-level proxy_set_header, upstream, server)\n\n"),
        "{text}"
    );
    assert!(
        text.ends_with("Read 1 file; nginx 1.24.0 assumed (--nginx-version).\n"),
        "{text}"
    );

    // `--context` overrides; a file no block takes is said to be doubtful.
    fs::write(
        dir.path().join("locations.conf"),
        "location / { return 204; }\n",
    )
    .unwrap();
    let out = run(
        &["check", "--context", "server", "locations.conf"],
        None,
        Some(dir.path()),
    );
    assert!(
        stdout(&out).starts_with(
            "note: locations.conf read as the inside of server{} in http{} (--context server)"
        ),
        "{}",
        stdout(&out)
    );
    fs::write(
        dir.path().join("mixed.conf"),
        "worker_processes 2;\nserver { listen 80; }\n",
    )
    .unwrap();
    let out = run(&["check", "mixed.conf"], None, Some(dir.path()));
    let text = stdout(&out);
    assert!(
        text.starts_with("note: cannot tell which block mixed.conf is the inside of: no block accepts all of its directives (main refuses server; http refuses worker_processes;"),
        "{text}"
    );
    assert!(
        text.contains(
            "error[nginx-directive-not-allowed] \"server\" directive is not allowed here"
        ),
        "{text}"
    );
    let out = run(
        &["check", "--context", "upstream", "mixed.conf"],
        None,
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown context \"upstream\""),
        "{}",
        stderr(&out)
    );
}

/// A Debian layout: nginx.conf includes sites-enabled/*, a site (a link
/// into sites-available) includes snippets/proxy.conf.
fn debian_tree(root: &Path) -> std::path::PathBuf {
    let etc = root.join("etc/nginx");
    for dir in ["sites-available", "sites-enabled", "snippets"] {
        fs::create_dir_all(etc.join(dir)).unwrap();
    }
    fs::write(
        etc.join("nginx.conf"),
        "events {}\nhttp {\n    proxy_set_header Host $host;\n    include sites-enabled/*;\n}\n",
    )
    .unwrap();
    fs::write(
        etc.join("snippets/proxy.conf"),
        "proxy_set_header X-Real-IP $remote_addr;\n",
    )
    .unwrap();
    fs::write(
        etc.join("sites-available/api.conf"),
        "upstream api {\n    server 127.0.0.1:8000;\n    keepalive 32;\n}\n\nserver {\n    listen 127.0.0.1:8080;\n    location / {\n        include snippets/proxy.conf;\n        proxy_pass http://api;\n    }\n}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        "../sites-available/api.conf",
        etc.join("sites-enabled/api.conf"),
    )
    .unwrap();
    etc
}

#[test]
fn a_site_file_is_checked_through_the_nginx_conf_that_includes_it() {
    let root = tempfile::tempdir().unwrap();
    let etc = debian_tree(root.path());
    let backend = ["--backend", "api=gunicorn"];
    let from_root = etc.join("sites-enabled/api.conf");
    let from_root = from_root
        .strip_prefix("/")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for (cwd, path) in [
        (etc.join("sites-enabled"), "api.conf".to_string()),
        (Path::new("/").to_path_buf(), from_root),
    ] {
        let (code, report) = check_json(&[&backend[..], &[path.as_str()]].concat(), None, &cwd);
        assert_eq!(code, Some(1), "from {}", cwd.display());
        let input = &report["inputs"][0];
        assert_eq!(input["context_from"], "including", "{input}");
        assert!(
            input["main"]
                .as_str()
                .unwrap()
                .ends_with("etc/nginx/nginx.conf"),
            "{input}"
        );
        assert_eq!(input["files_read"], 3);
        let mut rules: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        rules.sort_unstable();
        // Nothing reuses a connection before those two are fixed, so
        // upstream-keepalive-timeout waits for them.
        assert_eq!(
            rules,
            ["proxy-connection-close", "proxy-http-version"],
            "from {}",
            cwd.display()
        );
        for finding in report["findings"].as_array().unwrap() {
            assert!(
                finding["path"]
                    .as_str()
                    .unwrap()
                    .ends_with("sites-enabled/api.conf"),
                "{finding}"
            );
        }
    }

    // Fixed from `/`: the site file, and the snippet the location's
    // headers come from, which the fix says it changes.
    let path = etc.join("sites-enabled/api.conf");
    let path = path
        .strip_prefix("/")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let out = run(
        &[
            "fix",
            "--nginx-version",
            "1.24.0",
            "--backend",
            "api=gunicorn",
            &path,
        ],
        None,
        Some(Path::new("/")),
    );
    common::assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("also changes ") && stderr(&out).contains("snippets/proxy.conf"),
        "{}",
        stderr(&out)
    );
    let site = fs::read_to_string(etc.join("sites-available/api.conf")).unwrap();
    assert!(
        site.contains("    keepalive 32;\n    keepalive_timeout 1s;\n"),
        "{site}"
    );
    assert!(
        site.contains("        proxy_pass http://api;\n        proxy_http_version 1.1;\n"),
        "{site}"
    );
    assert!(
        fs::symlink_metadata(etc.join("sites-enabled/api.conf"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    let snippet = fs::read_to_string(etc.join("snippets/proxy.conf")).unwrap();
    assert_eq!(
        snippet,
        "proxy_set_header X-Real-IP $remote_addr;\nproxy_set_header Connection \"\";\n"
    );
    if common::nginx_available() {
        let tested = std::process::Command::new("nginx")
            .args(["-t", "-q", "-p"])
            .arg(root.path())
            .arg("-c")
            .arg(etc.join("nginx.conf"))
            .arg("-e")
            .arg(root.path().join("error.log"))
            .output()
            .unwrap();
        assert!(
            tested.status.success(),
            "{}",
            String::from_utf8_lossy(&tested.stderr)
        );
    }
}

#[test]
fn a_site_file_without_its_nginx_conf_resolves_includes_above_its_folder() {
    let root = tempfile::tempdir().unwrap();
    let etc = debian_tree(root.path());
    fs::remove_file(etc.join("nginx.conf")).unwrap();
    let site = etc.join("sites-enabled");
    let (code, report) = check_json(&["api.conf"], None, &site);
    assert_eq!(code, Some(1));
    let input = &report["inputs"][0];
    assert_eq!(input["context_from"], "inferred");
    assert_eq!(
        input["skipped_includes"], 0,
        "snippets/ is found above sites-enabled/"
    );
    assert_eq!(input["files_read"], 2);
    assert!(
        input["prefix"].as_str().unwrap().ends_with("etc/nginx"),
        "{input}"
    );

    // The snippet gone: a warning that names what was skipped, and the
    // rest still checked.
    fs::remove_file(etc.join("snippets/proxy.conf")).unwrap();
    let out = run(
        &["check", "--nginx-version", "1.24.0", "api.conf"],
        None,
        Some(&site),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("api.conf:9:9: warning[include-not-found] included file \"")
            && text.contains("etc/nginx/snippets/proxy.conf\" was not found, so what it holds was not checked: nginx resolves a relative include against its prefix"),
        "{text}"
    );
    assert!(text.contains("1 missing include skipped"), "{text}");
    assert!(text.contains("error[proxy-http-version]"), "{text}");
    // The snippet may set what a fix would add to its block: no fix adds
    // a directive there (a second proxy_http_version is refused).
    assert!(
        text.contains("= no fix: `include snippets/proxy.conf` (line 9) was not read, and the file may set proxy_http_version there already"),
        "{text}"
    );

    // In a whole nginx.conf, a missing include is nginx's error, with the
    // rule it follows.
    fs::write(
        etc.join("nginx.conf"),
        "events {}\nhttp { include snippets/proxy.conf; }\n",
    )
    .unwrap();
    let out = run(&["check", "nginx.conf"], None, Some(&etc));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "against its prefix, the directory of nginx.conf (here the working directory)"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_dump_in_a_file_is_split_into_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let dump = "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n\
                # configuration file /etc/nginx/nginx.conf:\n\
                events {}\nhttp {\n    include conf.d/app.conf;\n}\n\n\
                # configuration file /etc/nginx/conf.d/app.conf:\n\
                upstream app { server 127.0.0.1:8000; keepalive 8; }\n\
                server { location / { proxy_pass http://app; } }\n\n";
    fs::write(dir.path().join("dump.txt"), dump).unwrap();
    let (code, report) = check_json(&["dump.txt"], None, dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(report["inputs"][0]["context_from"], "dump");
    assert_eq!(report["inputs"][0]["files_read"], 2);
    assert_eq!(report["findings"][0]["path"], "/etc/nginx/conf.d/app.conf");

    let out = run(
        &[
            "fix",
            "--nginx-version",
            "1.24.0",
            "--backend",
            "app=5s",
            "dump.txt",
        ],
        None,
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is an `nginx -T` dump, whose files are copies of the server's: nothing was written. Take the changes to the server as a patch: `ngxfix fix --dry-run DUMP > fix.patch`"),
        "{}",
        stderr(&out)
    );
    // The same dump on standard input: the fixed files on standard output.
    let out = run(
        &[
            "fix",
            "--no-verify",
            "--nginx-version",
            "1.24.0",
            "--backend",
            "app=5s",
            "-",
        ],
        Some(dump.as_bytes()),
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("# configuration file /etc/nginx/conf.d/app.conf:\nupstream app { server 127.0.0.1:8000; keepalive 8; keepalive_timeout 4s; }"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("dump.txt")).unwrap(),
        dump
    );
    let out = run(
        &[
            "fix",
            "--dry-run",
            "--no-verify",
            "--nginx-version",
            "1.24.0",
            "--backend",
            "app=5s",
            "dump.txt",
        ],
        None,
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("+++ b/etc/nginx/conf.d/app.conf"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn settings_are_found_from_the_checked_file() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("deploy/nginx");
    fs::create_dir_all(&project).unwrap();
    fs::write(
        project.join("nginx.conf"),
        "events {}\nhttp { upstream app { server 127.0.0.1:8000; } server { location / { proxy_pass http://app; } } }\n",
    )
    .unwrap();
    fs::write(
        root.path().join("deploy/ngxfix.toml"),
        "nginx_version = \"1.30.0\"\n",
    )
    .unwrap();
    fs::write(
        root.path().join("ngxfix.toml"),
        "nginx_version = \"1.22.1\"\n",
    )
    .unwrap();
    let out = run(
        &["check", "deploy/nginx/nginx.conf"],
        None,
        Some(root.path()),
    );
    assert!(
        stdout(&out).ends_with("nginx 1.30.0 assumed (nginx_version in deploy/ngxfix.toml).\n"),
        "{}",
        stdout(&out)
    );
    // Standard input has no directory: the working directory's settings.
    let out = run(&["check", "-"], Some(b"events {}\n"), Some(root.path()));
    assert!(
        stdout(&out).ends_with("nginx 1.22.1 assumed (nginx_version in ngxfix.toml).\n"),
        "{}",
        stdout(&out)
    );
}

/// A fix in a fragment writes in the fragment: the block it is the inside
/// of is its top level; a block further out is not in the file, and the
/// fix says so instead of writing there.
#[test]
fn fixes_stay_inside_the_fragment() {
    let dir = tempfile::tempdir().unwrap();
    let rule = |id: &str, place: &str| {
        format!(
            "id = \"{id}\"\ntitle = \"t\"\nseverity = \"warning\"\nexplain = \"e\"\n\
             [match]\ndirective = \"location\"\nlacks = {{ directive = \"return\" }}\n\
             [fix]\nset = {{ directive = \"server_tokens\", args = \"off\", in = \"{place}\" }}\n"
        )
    };
    fs::create_dir_all(dir.path().join("rules")).unwrap();
    fs::write(
        dir.path().join("rules/in-server.toml"),
        rule("in-server", "server"),
    )
    .unwrap();
    fs::write(
        dir.path().join("rules/in-http.toml"),
        rule("in-http", "http"),
    )
    .unwrap();
    fs::write(
        dir.path().join("locations.conf"),
        "listen 8080;\nlocation / {\n    root /srv;\n}\n",
    )
    .unwrap();
    let args = [
        "--rules",
        "rules",
        "--select",
        "in-server,in-http",
        "locations.conf",
    ];
    let out = run(&[&["check"][..], &args].concat(), None, Some(dir.path()));
    let text = stdout(&out);
    assert!(text.contains("note: locations.conf read as the inside of server{} in http{} (top-level listen, location)"), "{text}");
    assert!(
        text.contains(
            "= no fix: the fix changes the http{} around locations.conf, which is not in it"
        ),
        "{text}"
    );
    let out = run(
        &[
            &["fix", "--select", "in-server", "--no-verify"][..],
            &args[..2],
            &args[4..],
        ]
        .concat(),
        None,
        Some(dir.path()),
    );
    // Written where it would go at the start of the server{} block.
    common::assert_exit(&out, 1);
    assert_eq!(
        fs::read_to_string(dir.path().join("locations.conf")).unwrap(),
        "server_tokens off;\nlisten 8080;\nlocation / {\n    root /srv;\n}\n"
    );
}

/// pre-commit (and a shell glob) name the nginx.conf and the files it
/// includes side by side: each finding is reported once, and `fix` writes
/// each file once instead of refusing a file fixed by two trees.
#[test]
fn a_file_named_beside_the_nginx_conf_that_includes_it_is_checked_once() {
    let root = tempfile::tempdir().unwrap();
    let etc = debian_tree(root.path());
    let args = ["--backend", "api=gunicorn"];
    let alone = [&args[..], &["nginx.conf"]].concat();
    let (_, one) = check_json(&alone, None, &etc);
    let count = one["findings"].as_array().unwrap().len();
    assert!(count > 0, "{one}");
    let side_by_side = [
        &args[..],
        &[
            "sites-enabled/api.conf",
            "nginx.conf",
            "./nginx.conf",
            "snippets/proxy.conf",
        ],
    ]
    .concat();
    let (_, both) = check_json(&side_by_side, None, &etc);
    assert_eq!(both["findings"].as_array().unwrap().len(), count, "{both}");

    let mut fix = vec![
        "fix",
        "--unsafe-fixes",
        "--no-verify",
        "--nginx-version",
        "1.24.0",
    ];
    fix.extend_from_slice(&side_by_side);
    let output = run(&fix, None, Some(&etc));
    let err = stderr(&output);
    assert!(
        err.contains("note: sites-enabled/api.conf is checked once, as part of nginx.conf"),
        "{err}"
    );
    assert!(matches!(output.status.code(), Some(0 | 1)), "{err}");
    let site = fs::read_to_string(etc.join("sites-available/api.conf")).unwrap();
    assert_eq!(site.matches("proxy_http_version 1.1;").count(), 1, "{site}");
}
