//! Names and values outside ASCII, through the real binary: nginx takes
//! configuration words as bytes, so `upstream backenä` is a valid name, and
//! no command may panic on one (issue 18: `check` cut `backenä` at byte 7,
//! inside `ä`, when taking the `grpc://` scheme off).

use crate::common;

use std::fs;
use std::path::Path;

use common::{run, stderr, stdout};

/// The configurations of the report, and one with non-ASCII text in every
/// place a rule reads: names, URLs, hosts, variables' values, durations,
/// sizes, headers and comments.
const CONFIGS: &[&str] = &[
    "http { upstream backenä { server 127.0.0.1:50051; } \
     server { location / { grpc_pass backenä; } } }\n",
    "http { server { location / { proxy_pass aaaaaaé; } } }\n",
    "\
# café
http {
    map $host $pœl { default backenä; ä.example ö; }
    upstream backenä {
        server 127.0.0.1:8000;
        keepalive 1é;
        keepalive_timeout 6é;
    }
    upstream ö { server 127.0.0.1:8001; keepalive 16; }
    server {
        listen 80;
        server_name ä.example;
        add_header X-Ä ö;
        location /ä {
            proxy_pass http://backenä/ö;
            proxy_set_header Connection ä;
            proxy_read_timeout 1ä;
            client_max_body_size 10ä;
        }
        location /é { set $to ö; proxy_pass http://$to$request_uri; }
        location /p { proxy_pass http://$pœl; }
        location /g { grpc_pass grpc://backenä; }
        location /u { uwsgi_pass ééé; fastcgi_pass é:9000; }
    }
}
",
];

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Exit 0 (nothing found) or 1 (findings or changes); a panic exits 101.
fn assert_ran(args: &[&str], dir: &Path) {
    let output = run(args, None, Some(dir));
    let err = stderr(&output);
    assert!(
        matches!(output.status.code(), Some(0 | 1)) && !err.contains("panicked"),
        "ngxfix {}: {:?}\n{}{err}",
        args.join(" "),
        output.status.code(),
        stdout(&output),
    );
}

#[test]
fn check_and_fix_take_non_ascii_names() {
    let dir = tempfile::tempdir().unwrap();
    for (i, text) in CONFIGS.iter().enumerate() {
        let conf = write(dir.path(), &format!("nginx{i}.conf"), text);
        for format in ["text", "json", "sarif", "github", "gitlab"] {
            assert_ran(
                &[
                    "check",
                    "--nginx-version",
                    "1.29.6",
                    "--format",
                    format,
                    &conf,
                ],
                dir.path(),
            );
        }
        assert_ran(
            &["fix", "--nginx-version", "1.29.6", "--dry-run", &conf],
            dir.path(),
        );
    }
}
