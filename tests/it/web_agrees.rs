//! The browser page's engine and the command line agree: every example
//! embedded in the built-in rules, checked and fixed through the page's
//! exported API (`ngxfix_web::Engine`, the functions the WebAssembly
//! module exports, run natively here) and through `ngxfix check --format
//! json` and `ngxfix fix --dry-run`, gives the same findings and
//! byte-identical diffs.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::common::{run, stdout};

/// What one example asks for, as the command line's arguments and as the
/// page's request.
struct Case {
    name: String,
    args: Vec<String>,
    request: Value,
    files: BTreeMap<String, String>,
}

/// The examples the page can state: those with parameters, a front load
/// balancer or a preferred side have no control on the page.
fn cases() -> (Vec<Case>, usize) {
    let mut cases = Vec::new();
    let mut skipped = 0;
    for rule in ngxfix::rules::load::builtin().unwrap() {
        for (i, (test, _)) in rule.tests.iter().enumerate() {
            if !test.params.is_empty() || test.front_lb.is_some() || test.prefer.is_some() {
                skipped += 1;
                continue;
            }
            let version = test.nginx.clone().unwrap_or_else(|| "1.29.6".into());
            let mut args = vec!["--nginx-version".to_string(), version.clone()];
            let mut request = json!({ "nginx_version": version });
            if let Some(context) = test.context {
                args.extend(["--context".into(), context.to_string()]);
                request["context"] = context.to_string().into();
            }
            for (upstream, spec) in &test.backends {
                args.extend(["--backend".into(), format!("{upstream}={spec}")]);
                request["backends"][upstream] = spec.clone().into();
            }
            if let Some(spec) = &test.assume_backend {
                args.extend(["--assume-backend".into(), spec.clone()]);
                request["assume_backend"] = spec.clone().into();
            }
            let mut files = BTreeMap::from([("test.conf".to_string(), test.config.clone())]);
            files.extend(test.files.clone());
            request["files"] = files
                .iter()
                .map(|(path, text)| json!({ "path": path, "text": text }))
                .collect();
            cases.push(Case {
                name: format!("{} test {}", rule.id, i + 1),
                args,
                request,
                files,
            });
        }
    }
    (cases, skipped)
}

fn cli(case: &Case, dir: &Path, command: &[&str]) -> String {
    let mut args: Vec<&str> = command.to_vec();
    args.extend(case.args.iter().map(String::as_str));
    args.push("test.conf");
    let output = run(&args, None, Some(dir));
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}: ngxfix {}: {}",
        case.name,
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

fn page(call: impl Fn(&str) -> String, request: &Value) -> Value {
    let answer: Value = serde_json::from_str(&call(&request.to_string())).unwrap();
    assert_eq!(answer["ok"], true, "{answer}");
    answer
}

#[test]
fn the_page_and_the_command_line_agree_on_every_rule_example() {
    let engine = ngxfix_web::Engine::new().unwrap();
    let (cases, skipped) = cases();
    let mut with_findings = 0;
    let mut with_diffs = 0;
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in &case.files {
            std::fs::write(dir.path().join(path), text).unwrap();
        }

        let mut expected: Value =
            serde_json::from_str(&cli(case, dir.path(), &["check", "--format", "json"])).unwrap();
        // Declarations are named where they were made: `--backend` there,
        // the page here.
        let report = page(|r| engine.check(r), &case.request)["report"]
            .to_string()
            .replace("declared in the page's settings", "declared in --backend")
            .replace(
                "assumed with the page's settings",
                "assumed with --assume-backend",
            );
        let mut got: Value = serde_json::from_str(&report).unwrap();
        // Where the version came from is worded for each: the option, or
        // the page's control.
        for report in [&mut expected, &mut got] {
            report.as_object_mut().unwrap().remove("nginx_version_from");
        }
        assert_eq!(got, expected, "{}: check", case.name);
        if !expected["findings"].as_array().unwrap().is_empty() {
            with_findings += 1;
        }

        for (unsafe_fixes, extra) in [(false, None), (true, Some("--unsafe-fixes"))] {
            let mut command = vec!["fix", "--dry-run", "--no-verify"];
            command.extend(extra);
            let expected = cli(case, dir.path(), &command);
            let mut request = case.request.clone();
            request["unsafe_fixes"] = unsafe_fixes.into();
            let got = page(|r| engine.fix(r), &request)["diff"]
                .as_str()
                .unwrap()
                .to_string();
            assert_eq!(got, expected, "{}: {}", case.name, command.join(" "));
            if !expected.is_empty() {
                with_diffs += 1;
            }
        }
    }
    println!(
        "the page and the CLI agree on {} rule examples ({with_findings} with findings, {with_diffs} diffs); {skipped} left out (parameters, front load balancer, preferred side)",
        cases.len()
    );
    assert!(cases.len() > 100 && with_findings > 50 && with_diffs > 50);
}
