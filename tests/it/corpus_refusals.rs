//! What `nginx -t` would refuse, said without nginx: on every file of the
//! shared corpus, the `nginx-*` rules report errors only where nginx
//! refuses the file, at nginx's line and in nginx's words. The expected
//! refusals were checked against `nginx -t` 1.22.1 (each file included
//! in the block its directives belong to); the run assumes that version.

use crate::common;

use std::collections::BTreeMap;

use common::{corpus_dir, files_under, follow_link, is_config, run};
use serde_json::Value;

const RULES: &str = "nginx-unknown-directive,nginx-directive-not-allowed,nginx-invalid-arguments,\
                     nginx-duplicate-directive,nginx-too-long-parameter,nginx-byte-order-mark";

/// Files nginx refuses for one of these reasons: (folders, file, the
/// errors as `line: message`).
fn expected() -> BTreeMap<String, Vec<&'static str>> {
    const BOTH: &[&str] = &["crossplane/tests/configs", "go-crossplane/testdata/configs"];
    const ALL: &[&str] = &[
        "crossplane/tests/configs",
        "go-crossplane/testdata/configs",
        "go-crossplane/testdata/configs/testdata",
    ];
    const GO: &[&str] = &[
        "go-crossplane/testdata/configs",
        "go-crossplane/testdata/configs/testdata",
    ];
    let cases: &[(&[&str], &str, &[&'static str])] = &[
        (
            &["certbot-etc-nginx"],
            "edge_cases.conf",
            &["22: invalid number of arguments in \"add_header\" directive"],
        ),
        (
            &["certbot-etc-nginx"],
            "nginx.conf",
            &["17: unknown directive \"empty\""],
        ),
        (
            BOTH,
            "bad-args/nginx.conf",
            &["1: invalid number of arguments in \"user\" directive"],
        ),
        (
            ALL,
            "spelling-mistake/nginx.conf",
            &["7: unknown directive \"proxy_passs\""],
        ),
        (
            GO,
            "broken1/nginx2.conf",
            &["5: unknown directive \"server_name#\""],
        ),
        // `sync` is an NGINX Plus parameter.
        (
            &["go-crossplane/testdata/configs"],
            "limit-req-zone/nginx.conf",
            &["15: invalid number of arguments in \"limit_req_zone\" directive"],
        ),
        // `resolver` in upstream{} arrived in 1.27.3.
        (
            GO,
            "upstream_resolver_directive/multiple_resolvers.conf",
            &["4: \"resolver\" directive is not allowed here"],
        ),
        (
            GO,
            "upstream_resolver_directive/multiple_resolvers_with_ports.conf",
            &["4: \"resolver\" directive is not allowed here"],
        ),
    ];
    let mut map = BTreeMap::new();
    for (dirs, file, errors) in cases {
        for dir in *dirs {
            map.insert(format!("{dir}/{file}"), errors.to_vec());
        }
    }
    map
}

#[test]
fn only_files_nginx_refuses_get_refusals() {
    let corpus = corpus_dir();
    let expected = expected();
    let (mut checked, mut accepted, mut refused, mut notes) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for path in files_under(&corpus).into_iter().filter(|p| is_config(p)) {
        let relative = path
            .strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let file = follow_link(&path);
        let out = run(
            &[
                "check",
                "--nginx-version",
                "1.22.1",
                "--no-includes",
                "--select",
                RULES,
                "--format",
                "json",
                file.to_str().unwrap(),
            ],
            None,
            None,
        );
        if out.status.code() == Some(2) {
            continue; // not parsable: corpus_roundtrip knows these
        }
        checked += 1;
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut errors = Vec::new();
        for finding in report["findings"].as_array().unwrap() {
            let message = finding["message"].as_str().unwrap();
            match finding["severity"].as_str() {
                Some("error") => errors.push(format!(
                    "{}: {}",
                    finding["start"]["line"],
                    message.split(": ").next().unwrap()
                )),
                _ => notes += 1,
            }
        }
        let wanted: Vec<String> = expected
            .get(&relative)
            .map(|e| e.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        if errors != wanted {
            failures.push(format!("{relative}: expected {wanted:?}, got {errors:?}"));
        }
        if wanted.is_empty() {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    println!(
        "corpus refusals: {checked} files checked; {accepted} accepted with 0 errors; \
         {refused} refused as nginx refuses them; {notes} notes (third-party modules)"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(refused, expected.len(), "every refused file was found");
    assert!(checked > 150, "the corpus was read");
}
