//! `fix --format json` through the real binary: what was applied, per file
//! and rule, with the edits, in each of fix's modes.

use crate::common;

use std::fs;

use common::{assert_exit, run_keepalive as run, stderr, stdout};
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

/// The backend keeps idle connections longer than nginx: no timeout finding.
const FIX: [&str; 7] = [
    "fix",
    "--format",
    "json",
    "--unsafe-fixes",
    "--no-verify",
    "--nginx-version=1.24.0",
    "--backend=app=75s",
];

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(output), stderr(output)))
}

/// The original with the report's hunks applied, from the last up.
fn apply_hunks(original: &str, file: &Value) -> String {
    let mut lines: Vec<String> = original.split_inclusive('\n').map(String::from).collect();
    let mut hunks = file["hunks"].as_array().unwrap().clone();
    hunks.reverse();
    for hunk in hunks {
        let start = hunk["old_start"].as_u64().unwrap() as usize - 1;
        let count = hunk["old_lines"].as_u64().unwrap() as usize;
        let removed: String = lines[start..start + count].concat();
        assert_eq!(removed, hunk["removed"].as_str().unwrap());
        let added: Vec<String> = hunk["added"]
            .as_str()
            .unwrap()
            .split_inclusive('\n')
            .map(String::from)
            .collect();
        lines.splice(start..start + count, added);
    }
    lines.concat()
}

fn rules(report: &Value) -> Vec<&str> {
    report["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["rule"].as_str().unwrap())
        .collect()
}

#[test]
fn an_applied_fix_reports_its_rule_hunks_and_the_text_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("nginx.conf");
    fs::write(&conf, POOLED).unwrap();
    let mut args = FIX.to_vec();
    args.push("nginx.conf");
    let output = run(&args, None, Some(dir.path()));
    // Every finding fixed: nothing remains.
    assert_exit(&output, 0);
    let report = json(&output);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(
        (report["dry_run"].clone(), report["written"].clone()),
        (false.into(), true.into())
    );
    assert_eq!(
        rules(&report),
        ["proxy-http-version", "proxy-connection-close"]
    );
    let fixed = fs::read_to_string(&conf).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["path"], "nginx.conf");
    assert_eq!(files[0]["kind"], "nginx");
    assert!(
        files[0].get("text").is_none(),
        "written files carry no text"
    );
    assert_eq!(apply_hunks(POOLED, &files[0]), fixed);
    // What each fix wrote is where the report says, in the fixed file.
    let lines: Vec<&str> = fixed.lines().collect();
    for applied in report["applied"].as_array().unwrap() {
        assert_eq!(applied["finding"], "nginx.conf:9:13");
        let wrote = &applied["wrote"][0];
        let end = &wrote["end"];
        let line = lines[end["line"].as_u64().unwrap() as usize - 1];
        let text = wrote["text"].as_str().unwrap().trim();
        assert!(line.ends_with(text), "{line:?} {text:?}");
        assert_eq!(line.len() + 1, end["column"].as_u64().unwrap() as usize);
    }
    assert_eq!(report["summary"]["applied"], 2);
    assert_eq!(report["summary"]["remaining"], 0);
    assert_eq!(report["remaining"], Value::Array(vec![]));
}

#[test]
fn a_dry_run_reports_the_fixed_text_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("nginx.conf");
    fs::write(&conf, POOLED).unwrap();
    let mut args = FIX.to_vec();
    args.extend(["--dry-run", "nginx.conf"]);
    let output = run(&args, None, Some(dir.path()));
    assert_exit(&output, 1);
    let report = json(&output);
    assert_eq!(
        (report["dry_run"].clone(), report["written"].clone()),
        (true.into(), false.into())
    );
    assert_eq!(fs::read_to_string(&conf).unwrap(), POOLED);
    let file = &report["files"][0];
    assert_eq!(file["text"].as_str().unwrap(), apply_hunks(POOLED, file));
    assert!(file["text"]
        .as_str()
        .unwrap()
        .contains("proxy_http_version 1.1;"));
}

#[test]
fn standard_input_gets_its_fixed_text_in_the_report() {
    let output = run(&[&FIX[..], &["-"]].concat(), Some(POOLED.as_bytes()), None);
    assert_exit(&output, 0);
    let report = json(&output);
    assert_eq!(report["written"], false);
    let text = report["files"][0]["text"].as_str().unwrap();
    assert!(text.contains("proxy_set_header Connection \"\";"), "{text}");
}

#[test]
fn nothing_to_fix_is_an_empty_report_and_held_back_fixes_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("ok.conf"), "http {\n}\n").unwrap();
    let output = run(&[&FIX[..], &["ok.conf"]].concat(), None, Some(dir.path()));
    assert_exit(&output, 0);
    let report = json(&output);
    assert_eq!(report["applied"], Value::Array(vec![]));
    assert_eq!(report["files"], Value::Array(vec![]));
    assert_eq!(report["written"], false);

    // With the backend unknown and no --unsafe-fixes, the keepalive fixes
    // are held back and their findings remain.
    fs::write(dir.path().join("nginx.conf"), POOLED).unwrap();
    let args = [
        "fix",
        "--format",
        "json",
        "--no-verify",
        "--nginx-version=1.24.0",
        "nginx.conf",
    ];
    let output = run(&args, None, Some(dir.path()));
    assert_exit(&output, 1);
    let report = json(&output);
    assert_eq!(report["summary"]["held_back"], 2);
    let left: Vec<&str> = report["remaining"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(left.contains(&"proxy-connection-close"), "{left:?}");
    assert_eq!(report["summary"]["remaining"], left.len());
    assert_eq!(
        fs::read_to_string(dir.path().join("nginx.conf")).unwrap(),
        POOLED
    );
}
