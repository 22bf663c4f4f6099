//! `ngxfix diagnose` through the real binary: error logs with every
//! signature (real nginx 1.22 lines and a hand-written incident), multi-line
//! and malformed lines, gzip, standard input, JSON shape, `--config`, exit
//! codes.

use crate::common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use common::{run, stderr, stdout};
use serde_json::Value;

/// Made by real nginx 1.22.1 on 127.0.0.1 against backends that reset,
/// close, stall, send too big or invalid headers, a closed port, a missing
/// unix socket and a two-server upstream with both servers down.
const REAL: &str = "tests/fixtures/error-logs/nginx-1.22-real.log";
/// A stale-keepalive incident plus every other signature, neighbours,
/// multi-line FastCGI stderr, two malformed lines and a line cut at nginx's
/// 2048-byte limit.
const INCIDENT: &str = "tests/fixtures/error-logs/incident.log";

fn diagnose_json(args: &[&str], stdin: Option<&[u8]>) -> (Value, Option<i32>) {
    let mut all = vec!["diagnose", "--format", "json"];
    all.extend_from_slice(args);
    let output = run(&all, stdin, None);
    let value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&output), stderr(&output)));
    (value, output.status.code())
}

fn ids(report: &Value) -> BTreeSet<String> {
    report["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

fn signature<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report:#}"))
}

#[test]
fn text_reports() {
    for (name, path) in [("real", REAL), ("incident", INCIDENT)] {
        let output = run(&["diagnose", path], None, None);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert_eq!(stderr(&output), "");
        insta::assert_snapshot!(format!("text-{name}"), stdout(&output));
    }
}

#[test]
fn json_report() {
    let (report, code) = diagnose_json(&[INCIDENT], None);
    assert_eq!(code, Some(1));
    insta::assert_json_snapshot!("json-incident", report);
}

#[test]
fn every_signature_is_recognised() {
    let (report, code) = diagnose_json(&[REAL, INCIDENT], None);
    assert_eq!(code, Some(1));
    let every = [
        "reset-reading-header",
        "closed-reading-header",
        "reset-sending-request",
        "reset-reading-body",
        "closed-reading-body",
        "refused",
        "reset-connecting",
        "socket-missing",
        "socket-permission",
        "socket-backlog-full",
        "unreachable",
        "timeout-connecting",
        "timeout-sending-request",
        "timeout-reading-header",
        "timeout-reading-body",
        "no-live-upstreams",
        "server-disabled",
        "too-big-header",
        "invalid-response",
        "tls-handshake",
        "client-closed",
        "fastcgi-stderr",
        "buffered-to-temp-file",
    ];
    let want: BTreeSet<String> = every.iter().map(|s| s.to_string()).collect();
    assert_eq!(ids(&report), want);
    assert_eq!(report["other_upstream_errors"]["count"], 1);
    assert_eq!(
        report["other_upstream_errors"]["messages"][0]["message"],
        "memcached sent invalid trailer"
    );
}

#[test]
fn real_nginx_lines() {
    let (report, _) = diagnose_json(&[REAL], None);
    let lines = &report["lines"];
    assert_eq!(lines["malformed"], 0);
    assert_eq!(lines["orphan"], 0);
    assert_eq!(lines["continuation"], 0);
    assert_eq!(lines["total"], lines["entries"]);
    // The stale-connection reset: a GET (retried by nginx), a POST and a
    // PATCH (not retried: 502s).
    let reset = signature(&report, "reset-reading-header");
    assert_eq!(reset["count"], 3);
    assert_eq!(reset["methods"]["POST"], 1);
    assert_eq!(reset["methods"]["PATCH"], 1);
    assert_eq!(reset["not_retried"], 2);
    assert_eq!(reset["upstreams"]["127.0.0.1:18901"], 3);
    assert_eq!(
        signature(&report, "closed-reading-header")["methods"]["HEAD"],
        1
    );
    // Body-phase resets with buffering (readv) and without (recv).
    assert_eq!(signature(&report, "reset-reading-body")["count"], 2);
    // no live upstreams logs the upstream's name as the peer.
    assert_eq!(
        signature(&report, "no-live-upstreams")["upstreams"]["pair"],
        2
    );
    assert_eq!(signature(&report, "server-disabled")["count"], 2);
    assert_eq!(
        signature(&report, "socket-missing")["upstreams"]["unix:/srv/diag/nonexistent.sock"],
        2
    );
}

#[test]
fn multi_line_malformed_and_truncated() {
    let (report, _) = diagnose_json(&[INCIDENT], None);
    let lines = &report["lines"];
    // The FastCGI stack trace: four continuation lines of one entry.
    assert_eq!(lines["continuation"], 4);
    assert_eq!(lines["malformed"], 2);
    assert_eq!(lines["truncated_entries"], 1);
    assert_eq!(signature(&report, "fastcgi-stderr")["count"], 1);
    let total = lines["total"].as_u64().unwrap();
    let entries = lines["entries"].as_u64().unwrap();
    assert_eq!(total, entries + 4 + 2);
    // The cut line still counts, with its upstream.
    assert_eq!(
        signature(&report, "reset-reading-header")["upstreams"]["10.0.1.5:8000"],
        3
    );
}

#[test]
fn gzip_stdin_and_several_inputs_agree() {
    let plain = std::fs::read(INCIDENT).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("error.log.1.gz");
    // Two gzip members, as `cat a.gz b.gz` makes: both are read.
    let half = plain.len() / 2;
    let cut = half + plain[half..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut file = std::fs::File::create(&gz).unwrap();
    for part in [&plain[..cut], &plain[cut..]] {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(part).unwrap();
        file.write_all(&encoder.finish().unwrap()).unwrap();
    }
    drop(file);
    let gz = gz.display().to_string();
    let (from_file, _) = diagnose_json(&[INCIDENT], None);
    let (from_gz, _) = diagnose_json(&[&gz], None);
    let (from_stdin, _) = diagnose_json(&[], Some(&plain));
    let (from_dash, _) = diagnose_json(&["-"], Some(&plain));
    assert_eq!(from_gz["inputs"][0]["gzip"], true);
    assert_eq!(from_stdin["inputs"][0]["name"], "-");
    let without_inputs = |mut v: Value| {
        v.as_object_mut().unwrap().remove("inputs");
        v
    };
    let expected = without_inputs(from_file.clone());
    assert_eq!(without_inputs(from_gz), expected);
    assert_eq!(without_inputs(from_stdin), expected);
    assert_eq!(without_inputs(from_dash), expected);
    // Two inputs: counts add up.
    let (both, _) = diagnose_json(&[INCIDENT, &gz], None);
    assert_eq!(
        both["upstream_failures"].as_u64().unwrap(),
        2 * from_file["upstream_failures"].as_u64().unwrap()
    );
    assert_eq!(both["inputs"].as_array().unwrap().len(), 2);
}

#[test]
fn exit_codes() {
    // Nothing upstream: 0.
    let quiet = b"2026/11/24 09:05:02 [info] 2114#2114: *1702 client 192.0.2.51 closed keepalive connection\n";
    let output = run(&["diagnose"], Some(quiet), None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("No upstream failures."));
    let output = run(&["diagnose"], Some(b""), None);
    assert_eq!(output.status.code(), Some(0));
    // Upstream failures: 1.
    assert_eq!(run(&["diagnose", REAL], None, None).status.code(), Some(1));
    // Unreadable inputs: 2, with the path, nothing on stdout.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.log").display().to_string();
    let output = run(&["diagnose", REAL, &missing], None, None);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).starts_with(&format!("error: reading {missing}: ")),
        "{}",
        stderr(&output)
    );
    let folder = dir.path().display().to_string();
    let output = run(&["diagnose", &folder], None, None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is a directory"),
        "{}",
        stderr(&output)
    );
    // A corrupt gzip stream: 2.
    let bad = dir.path().join("bad.gz");
    std::fs::write(&bad, b"\x1f\x8b\x08\x00garbage that is not deflate").unwrap();
    let output = run(&["diagnose", &bad.display().to_string()], None, None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("bad.gz"), "{}", stderr(&output));
}

#[test]
fn bytes_that_are_not_a_log_never_crash() {
    let mut junk = Vec::new();
    junk.extend_from_slice(b"\xff\xfe\x00binary\r\n");
    junk.extend_from_slice(b"2026/11/24 09:00:01 [error] 1#1: *1 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: \xff, server: \xc3\x28, request: \"\xff\xff /x HTTP/1.1\", upstream: \"http://10.0.0.\xfe:80/\", host: \"\xff\"\n");
    junk.extend_from_slice(b"2026/11/24 09:00:01 [error] 1#1: *1 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 1.1.1.1, server: x, request: \"");
    for seed in 0u32..2000 {
        junk.push((seed.wrapping_mul(2_654_435_761) >> 13) as u8);
    }
    for (args, input) in [
        (vec!["diagnose"], junk.clone()),
        (vec!["diagnose", "--format", "json"], junk.clone()),
    ] {
        let output = run(&args, Some(&input), None);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    }
    let (report, _) = diagnose_json(&[], Some(&junk));
    assert_eq!(report["lines"]["orphan"], 1);
    assert_eq!(signature(&report, "reset-reading-header")["count"], 2);
    // `\xff\xff` and the random bytes of the cut line are no methods.
    assert_eq!(
        signature(&report, "reset-reading-header")["methods"]["(invalid)"],
        2
    );
}

#[test]
fn config_findings_for_the_signatures_seen() {
    let config = "examples/incident-502/nginx.conf";
    let settings = "examples/incident-502/ngxfix.toml";
    let log = b"2026/11/24 09:00:01 [error] 2114#2114: *1201 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 203.0.113.7, server: _, request: \"POST /api/orders HTTP/1.1\", upstream: \"http://127.0.0.1:8000/api/orders\", host: \"shop.example.com\"\n";
    let args = ["--config", config, "--settings", settings];
    let (report, code) = diagnose_json(&args, Some(log));
    assert_eq!(code, Some(1));
    let rules: Vec<&str> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(rules.contains(&"upstream-keepalive-timeout"), "{rules:?}");
    assert!(!rules.contains(&"upstream-max-fails-pooled"), "{rules:?}");
    // The findings are exactly what `check --format json` says for those
    // rules, in the same shape.
    let select = rules.join(",");
    let output = run(
        &[
            "check", "--format", "json", "--config", settings, "--select", &select, config,
        ],
        None,
        None,
    );
    let check: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["findings"], check["findings"]);
    let found: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["upstream-keepalive-timeout"]);
    // The address is traced to its upstream block.
    assert_eq!(
        report["upstreams"][0]["upstream_blocks"],
        serde_json::json!([format!("app_backend ({config}:23)")])
    );
    // The text report lists the findings under the log report.
    let mut all = vec!["diagnose", "--color", "never"];
    all.extend_from_slice(&args);
    let output = run(&all, Some(log), None);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings_at = text.find("error[upstream-keepalive-timeout]").expect(&text);
    assert!(findings_at > text.find("By upstream address").unwrap());
    assert!(text.contains("; upstream app_backend (examples/incident-502/nginx.conf:23)"));
    // Without a config, no findings key value.
    let (plain, _) = diagnose_json(&[], Some(log));
    assert_eq!(plain["findings"], Value::Null);
}

/// An `upstream {}` block whose servers are written in a file it includes:
/// the failing addresses are traced to the block, as when the servers are
/// written in it. They were left untraced when only the files' own texts
/// were read, although the rules (on the spliced tree) saw those servers.
#[test]
fn upstream_servers_from_an_included_file_are_traced() {
    let dir = "tests/fixtures/error-logs/included-upstream";
    let config = format!("{dir}/nginx.conf");
    let log = format!("{dir}/error.log");
    let label = format!("app ({config}:3)");
    let (report, code) = diagnose_json(&["--config", &config, &log], None);
    assert_eq!(code, Some(1));
    let traced: Vec<(&str, &Value)> = report["upstreams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["address"].as_str().unwrap(), &u["upstream_blocks"]))
        .collect();
    let expected = serde_json::json!([label]);
    assert_eq!(
        traced,
        [
            ("10.0.0.1:8080", &expected),
            ("10.0.0.2:8080", &expected),
            ("app", &expected),
        ]
    );
    let output = run(
        &["diagnose", "--color", "never", "--config", &config, &log],
        None,
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    // The "By upstream address" rows: count, address, signatures, block.
    for address in ["10.0.0.1:8080", "10.0.0.2:8080", "app"] {
        assert!(
            text.lines().any(|l| {
                l.split_whitespace().nth(1) == Some(address)
                    && l.ends_with(&format!("; upstream {label}"))
            }),
            "{address} is not traced to {label}:\n{text}"
        );
    }
}

#[test]
fn config_without_matching_rules_and_bad_config() {
    let refused = b"2026/11/24 09:01:10 [error] 2114#2114: *1300 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.7, server: _, request: \"GET / HTTP/1.1\", upstream: \"http://127.0.0.1:8000/\", host: \"h\"\n";
    let args = [
        "diagnose",
        "--config",
        "examples/incident-502/nginx.conf",
        "--settings",
        "examples/incident-502/ngxfix.toml",
    ];
    let output = run(&args, Some(refused), None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("no rule addresses the failures seen"));
    // A configuration that does not parse: 2 before reading the log.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("nginx.conf");
    std::fs::write(&bad, "http {\n").unwrap();
    let output = run(
        &["diagnose", "--config", &bad.display().to_string()],
        Some(refused),
        Some(Path::new(env!("CARGO_MANIFEST_DIR"))),
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("nginx.conf"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn every_json_key_is_documented() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json-output.md"))
            .unwrap();
    let section = &text[text
        .find("## `ngxfix diagnose --format json`")
        .expect("docs/json-output.md has a diagnose section")..];
    let (report, _) = diagnose_json(&[REAL, INCIDENT], None);
    let objects = [
        &report,
        &report["inputs"][0],
        &report["lines"],
        &report["levels"],
        &report["signatures"][0],
        &report["other_upstream_errors"],
        &report["upstreams"][0],
        &report["methods"][0],
        &report["histogram"],
    ];
    for object in objects {
        for key in object.as_object().unwrap().keys() {
            assert!(
                section.contains(&format!("`{key}`")),
                "the diagnose section of docs/json-output.md does not document `{key}`"
            );
        }
    }
}
