//! The `nginx-*` rules say what `nginx -t` says: for each kind of refusal,
//! the installed nginx is run on the same file and its first error is
//! found among ngxfix's findings, at the same line and in the same words.

use crate::common;

use std::process::Command;

use common::run;
use serde_json::Value;

/// (rule, configuration) pairs nginx refuses, each for one reason.
fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let long = "A".repeat(4096);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(b"events {}\nhttp {}\n");
    vec![
        (
            "nginx-unknown-directive",
            b"events {}\nhttp {\n    server {\n        location / {\n            proxy_htp_version 1.1;\n        }\n    }\n}\n".to_vec(),
        ),
        (
            "nginx-directive-not-allowed",
            b"events {}\nhttp {\n    server {\n        proxy_pass http://127.0.0.1:9;\n    }\n}\n".to_vec(),
        ),
        (
            "nginx-invalid-arguments",
            b"events {}\nhttp {\n    keepalive_timeout;\n}\n".to_vec(),
        ),
        (
            "nginx-invalid-arguments",
            b"events {}\nhttp {\n    gzip maybe;\n}\n".to_vec(),
        ),
        (
            "nginx-invalid-arguments",
            b"events {}\nhttp {\n    server {\n        location /a;\n    }\n}\n".to_vec(),
        ),
        (
            "nginx-invalid-arguments",
            b"events {}\nhttp {\n    server {\n        listen 8080 { }\n    }\n}\n".to_vec(),
        ),
        (
            "nginx-duplicate-directive",
            b"events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:9;\n        keepalive 8;\n        keepalive 16;\n    }\n}\n".to_vec(),
        ),
        (
            "nginx-duplicate-directive",
            b"events {}\nhttp {\n    server {\n        location /a/ {\n            alias /srv/a/;\n            root /srv;\n        }\n    }\n}\n".to_vec(),
        ),
        (
            "nginx-too-long-parameter",
            format!("events {{}}\nhttp {{\n    add_header X-Blob {long};\n}}\n").into_bytes(),
        ),
        (
            "nginx-too-long-parameter",
            format!("events {{}}\nhttp {{\n    add_header X-Blob \"{long}\";\n}}\n").into_bytes(),
        ),
        ("nginx-byte-order-mark", bom),
    ]
}

/// nginx's first error on `conf` as (line, message), the byte order mark
/// written as ngxfix writes it.
fn nginx_says(nginx_prefix: &std::path::Path, conf: &std::path::Path) -> (u64, String) {
    let out = Command::new("nginx")
        .arg("-t")
        .arg("-p")
        .arg(nginx_prefix)
        .arg("-c")
        .arg(conf)
        .arg("-e")
        .arg(nginx_prefix.join("error.log"))
        .output()
        .expect("nginx -t runs");
    assert!(!out.status.success(), "nginx accepts {}", conf.display());
    let text = String::from_utf8_lossy(&out.stderr).replace('\u{feff}', "\\xEF\\xBB\\xBF");
    let line = text
        .lines()
        .find(|l| l.contains("[emerg]"))
        .unwrap_or_else(|| panic!("no [emerg] in {text}"));
    let message = line.split("[emerg] ").nth(1).unwrap();
    let (message, place) = message.rsplit_once(" in ").unwrap();
    let number = place.rsplit(':').next().unwrap().parse().unwrap();
    (number, message.to_string())
}

#[test]
fn each_refusal_is_nginx_s_own() {
    if !common::nginx_available() {
        return;
    }
    let version = {
        let out = Command::new("nginx").arg("-v").output().unwrap();
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        text.trim().rsplit('/').next().unwrap().to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    for (i, (rule, text)) in cases().into_iter().enumerate() {
        let conf = dir.path().join(format!("case{i}.conf"));
        std::fs::write(&conf, &text).unwrap();
        let (line, message) = nginx_says(dir.path(), &conf);
        let out = run(
            &[
                "check",
                "--nginx-version",
                &version,
                "--select",
                rule,
                "--format",
                "json",
                conf.to_str().unwrap(),
            ],
            None,
            None,
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let found: Vec<(u64, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let text = f["message"].as_str().unwrap();
                (
                    f["start"]["line"].as_u64().unwrap(),
                    text.split(": ").next().unwrap().to_string(),
                )
            })
            .collect();
        println!("{rule}: nginx {version} says line {line}: {message}");
        assert!(
            found.contains(&(line, message.clone())),
            "{rule} (case {i}): nginx says {line}: {message}; ngxfix found {found:?}"
        );
    }
}
