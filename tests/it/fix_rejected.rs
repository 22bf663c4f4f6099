//! A fix `nginx -t` rejects is dropped by its rule and place, and the
//! other fixes are still written: a house rule whose fix nginx refuses
//! beside the built-in ones.

use crate::common;

use std::fs;

use common::{run, stderr, stdout};

const CONF: &str = "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8000;\n        keepalive 16;\n    }\n    server {\n        listen 127.0.0.1:8080;\n        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n";

/// Its fix writes a value nginx refuses (and ngxfix's parser accepts).
const BAD_RULE: &str = "id = \"house-forever\"\ntitle = \"Proxied locations wait forever\"\n\
    severity = \"warning\"\nexplain = \"A fix nginx refuses.\"\n\n[match]\ndirective = \"location\"\n\
    has = { directive = \"proxy_pass\" }\nlacks = { directive = \"proxy_read_timeout\" }\n\n\
    [fix]\nset = { directive = \"proxy_read_timeout\", args = \"forever\", in = \"self\" }\n";

#[test]
fn the_rejected_fix_is_dropped_and_named_and_the_rest_applies() {
    if !common::nginx_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), CONF).unwrap();
    fs::write(dir.path().join("bad.toml"), BAD_RULE).unwrap();
    let args = [
        "fix",
        "--nginx-version",
        "1.24.0",
        "--backend",
        "app=5s",
        "--rules",
        "bad.toml",
    ];
    // As a diff, and in place: the same three fixes, without the bad one.
    let out = run(
        &[&args[..], &["--dry-run", "nginx.conf"]].concat(),
        None,
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(diff.contains("+        keepalive_timeout 4s;\n"), "{diff}");
    assert!(
        diff.contains("+            proxy_http_version 1.1;\n"),
        "{diff}"
    );
    assert!(!diff.contains("forever"), "{diff}");
    let warning = "warning: the fix of house-forever for nginx.conf:9:9 (as the file read before fixing) was not applied: `nginx -t` rejects it (";
    assert!(stderr(&out).contains(warning), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("proxy_read_timeout"),
        "{}",
        stderr(&out)
    );

    let out = run(
        &[&args[..], &["nginx.conf"]].concat(),
        None,
        Some(dir.path()),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings remain: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(warning), "{}", stderr(&out));
    let fixed = fs::read_to_string(dir.path().join("nginx.conf")).unwrap();
    assert!(
        fixed.contains("keepalive_timeout 4s;") && fixed.contains("Connection \"\";"),
        "{fixed}"
    );
    assert!(!fixed.contains("forever"), "{fixed}");
}
