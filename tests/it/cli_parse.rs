//! `ngxfix parse` through the real binary: include resolution (globs,
//! relative paths, missing files, cycles), standard input, `nginx -T` dumps,
//! errors and exit codes.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use common::run;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn crossplane(args: &[&str], stdin: Option<&[u8]>, cwd: Option<&Path>) -> Value {
    let out = run(args, stdin, cwd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn files(payload: &Value) -> Vec<String> {
    payload["config"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn globs_expand_sorted_without_dotfiles_and_may_match_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "nginx.conf",
        "http {\n    include conf.d/*.conf;\n    include empty.d/*.conf;\n}\n",
    );
    write(d, "conf.d/b.conf", "server { listen 81; }\n");
    write(d, "conf.d/a.conf", "server { listen 80; }\n");
    write(d, "conf.d/.hidden.conf", "this is not even valid\n");
    write(d, "conf.d/c.txt", "not matched\n");
    fs::create_dir(d.join("empty.d")).unwrap();

    let payload = crossplane(&["parse", "nginx.conf"], None, Some(d));
    assert_eq!(
        files(&payload),
        ["nginx.conf", "conf.d/a.conf", "conf.d/b.conf"]
    );
    let http = &payload["config"][0]["parsed"][0];
    assert_eq!(http["block"][0]["includes"], serde_json::json!([1, 2]));
    assert_eq!(http["block"][1]["includes"], serde_json::json!([]));
}

#[test]
fn relative_includes_resolve_against_the_main_files_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "etc/nginx.conf", "http { include sites/site.conf; }\n");
    // nginx resolves this against etc/, not etc/sites/.
    write(
        d,
        "etc/sites/site.conf",
        "server { include snippets/common.conf; }\n",
    );
    write(d, "etc/snippets/common.conf", "listen 80;\n");
    write(d, "etc/sites/snippets/common.conf", "the wrong file {\n");

    let payload = crossplane(&["parse", "etc/nginx.conf"], None, Some(d));
    assert_eq!(
        files(&payload),
        [
            "etc/nginx.conf",
            "etc/sites/site.conf",
            "etc/snippets/common.conf"
        ]
    );
    // Absolute paths work too, and a file reached twice is parsed once.
    let abs = d.join("etc/snippets/common.conf");
    write(
        d,
        "etc/twice.conf",
        &format!(
            "include {};\ninclude snippets/common.conf;\n",
            abs.display()
        ),
    );
    let payload = crossplane(&["parse", "etc/twice.conf"], None, Some(d));
    assert_eq!(files(&payload).len(), 2);
    assert_eq!(
        payload["config"][0]["parsed"][1]["includes"],
        serde_json::json!([1])
    );
}

#[test]
fn a_missing_literal_include_is_an_error_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "nginx.conf",
        "events {}\nhttp {\n    include missing.conf;\n}\n",
    );
    let out = run(&["parse", "nginx.conf"], None, Some(d));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nginx.conf:3:5: included file \"missing.conf\" does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("3 |     include missing.conf;"), "{stderr}");
    assert!(stderr.contains("  |     ^"), "{stderr}");
}

#[test]
fn include_cycles_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "nginx.conf", "http { include a.conf; }\n");
    write(d, "a.conf", "include b.conf;\n");
    write(d, "b.conf", "# loops back\ninclude a.conf;\n");
    let out = run(&["parse", "nginx.conf"], None, Some(d));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("b.conf:2:1: include cycle"), "{stderr}");
    assert!(
        stderr.contains("nginx.conf -> a.conf -> b.conf -> a.conf"),
        "{stderr}"
    );
}

#[test]
fn syntax_errors_exit_2_with_location_line_and_caret() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "nginx.conf",
        "http {\n    server {\n        listen 80\n    }\n}\n",
    );
    let out = run(
        &["parse", "--format", "source", "nginx.conf"],
        None,
        Some(d),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = "nginx.conf:4:5: unexpected \"}\"\n  |\n4 |     }\n  |     ^ expected \";\" to end the \"listen\" directive on line 3\n";
    assert!(stderr.ends_with(expected), "{stderr}");
}

#[test]
fn standard_input_is_one_file_named_dash() {
    let text = b"\xef\xbb\xbfevents {}\r\nhttp { server { listen 80; } }";
    let out = run(&["parse", "--format", "source", "-"], Some(text), None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, text);
    let payload = crossplane(&["parse", "-"], Some(text), None);
    assert_eq!(files(&payload), ["-"]);
    let out = run(&["parse", "-"], Some(b"http {"), None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("-:1:7: unexpected end of file, expecting \"}\""));
}

#[test]
fn an_nginx_t_dump_is_split_into_its_files() {
    let dump = "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n\
nginx: configuration file /etc/nginx/nginx.conf test is successful\n\
# configuration file /etc/nginx/nginx.conf:\n\
events {}\n\
http {\n    include /etc/nginx/mime.types;\n    include conf.d/*.conf;\n}\n\n\
# configuration file /etc/nginx/mime.types:\n\
types { text/html html; }\n\n\
# configuration file /etc/nginx/conf.d/b.conf:\n\
server { listen 81; }\n\
# configuration file /etc/nginx/conf.d/a.conf:\n\
server { listen 80; }  # no final newline\n";
    let payload = crossplane(&["parse", "-"], Some(dump.as_bytes()), None);
    assert_eq!(
        files(&payload),
        [
            "/etc/nginx/nginx.conf",
            "/etc/nginx/mime.types",
            "/etc/nginx/conf.d/a.conf",
            "/etc/nginx/conf.d/b.conf"
        ]
    );
    let http = &payload["config"][0]["parsed"][1];
    assert_eq!(http["block"][1]["includes"], serde_json::json!([2, 3]));
    // Printing the tree as a dump gives back the dump (less nginx's stderr lines).
    let out = run(
        &["parse", "--format", "dump", "-"],
        Some(dump.as_bytes()),
        None,
    );
    let body = dump.split_once("successful\n").unwrap().1;
    let mut expected = String::new();
    for name in ["nginx.conf", "mime.types", "conf.d/a.conf", "conf.d/b.conf"] {
        let header = format!("# configuration file /etc/nginx/{name}:\n");
        let start = body.find(&header).unwrap();
        let rest = &body[start + header.len()..];
        let end = rest.find("# configuration file ").unwrap_or(rest.len());
        expected.push_str(&header);
        expected.push_str(&rest[..end]);
    }
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

/// Ground truth: a real `nginx -T` of a real tree splits back into files
/// byte-identical to the originals. Runs where nginx is installed (CI
/// installs Debian's nginx-light).
#[test]
fn real_nginx_t_output_splits_back_into_the_original_files() {
    if !common::nginx_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let main = format!(
        "pid {0}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n    access_log off;\n    include conf.d/*.conf;\n}}\n",
        d.display()
    );
    write(d, "nginx.conf", &main);
    write(
        d,
        "conf.d/a.conf",
        "server {\n    listen 127.0.0.1:18080; # comment\n}\n",
    );
    write(
        d,
        "conf.d/b.conf",
        "server {\r\n    listen 127.0.0.1:18081;\r\n}",
    ); // CRLF, no final newline
    let out = Command::new("nginx")
        .args(["-T", "-q", "-p"])
        .arg(d)
        .arg("-c")
        .arg(d.join("nginx.conf"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nginx -T failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed = run(&["parse", "--format", "dump", "-"], Some(&out.stdout), None);
    assert_eq!(
        parsed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    assert_eq!(
        parsed.stdout, out.stdout,
        "the dump printed back is nginx's dump"
    );
    let payload = crossplane(&["parse", "-"], Some(&out.stdout), None);
    let names = files(&payload);
    assert_eq!(names.len(), 3);
    for (name, original) in names
        .iter()
        .zip(["nginx.conf", "conf.d/a.conf", "conf.d/b.conf"])
    {
        assert_eq!(Path::new(name), d.join(original));
    }
}

#[test]
fn no_includes_reads_a_fragment_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "site.conf",
        "server {\n    include snippets/absent.conf;\n}\n",
    );
    let out = run(&["parse", "--format", "source", "site.conf"], None, Some(d));
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &["parse", "--no-includes", "--format", "source", "site.conf"],
        None,
        Some(d),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, fs::read(d.join("site.conf")).unwrap());
}

#[test]
fn tree_format_shows_every_token() {
    let out = run(
        &["parse", "--format", "tree", "-"],
        Some(b"a 'b'; # c\n"),
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = [
        "file \"-\" (11 bytes, 7 tokens, 1 directives)",
        "  directive \"a\" 1:1 0..6 args [\"b\"]",
        "    word 1:1 0..1 \"a\"",
        "    ws 1:2 1..2 \" \"",
        "    word' 1:3 2..5 \"'b'\"",
        "    semicolon 1:6 5..6 \";\"",
        "  ws 1:7 6..7 \" \"",
        "  comment 1:8 7..10 \"# c\"",
        "  ws 1:11 10..11 \"\\n\"",
    ];
    assert_eq!(text.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&["parse", "--format", "nope", "x"], None, None);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["parse", "/nonexistent/nginx.conf"], None, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/nginx.conf"));
}
