//! Two rules that write the same directive into one block: a house rule
//! beside a built-in one. Their edits need not overlap, yet a second
//! `keepalive_timeout` in an upstream is a configuration nginx refuses; the
//! second fix waits for the next pass and finds the directive written, and
//! rules that keep disagreeing are reported as a conflict, with nothing
//! written.

use crate::common;

use std::fs;
use std::path::PathBuf;

use common::{run_keepalive as run, stderr};
use proptest::prelude::*;

use ngxfix::config::{dump::DumpedFile, ConfigTree};
use ngxfix::fix::session::{self, ApproveAll, Job, Policy, Stop};
use ngxfix::model::accepts;
use ngxfix::model::{Model, Version};
use ngxfix::rules::load::{self, RuleOrigin};
use ngxfix::rules::{Rule, RunOptions};

const CONF: &str = "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8000;\n        keepalive 16;\n    }\n    server {\n        location / {\n            proxy_pass http://app;\n            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n        }\n    }\n}\n";

/// A house rule: every pooled upstream says its idle timeout, 30s; with
/// `insist`, it also changes one that says another value.
fn policy(insist: bool) -> String {
    let condition = if insist {
        "effective.keepalive_timeout = { not_equals = \"30s\" }"
    } else {
        "lacks = { directive = \"keepalive_timeout\" }"
    };
    format!(
        "id = \"house-upstream-timeout\"\ntitle = \"Pooled upstreams keep idle connections 30s\"\n\
         severity = \"warning\"\nexplain = \"House policy.\"\n\n[match]\ndirective = \"upstream\"\n\
         pooled = true\n{condition}\n\n[fix]\nset = {{ directive = \"keepalive_timeout\", \
         args = \"30s\", in = \"self\", after = [\"keepalive\", \"server\"] }}\n"
    )
}

fn setup(rule: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), CONF).unwrap();
    fs::write(dir.path().join("house.toml"), rule).unwrap();
    let conf = dir.path().join("nginx.conf");
    (dir, conf)
}

const ARGS: [&str; 7] = [
    "--no-verify",
    "--nginx-version",
    "1.24.0",
    "--backend",
    "app=2s",
    "--rules",
    "house.toml",
];

#[test]
fn two_rules_setting_one_directive_write_it_once() {
    let (dir, conf) = setup(&policy(false));
    let out = run(
        &[&["fix"][..], &ARGS, &["nginx.conf"]].concat(),
        None,
        Some(dir.path()),
    );
    common::assert_exit(&out, 0);
    let fixed = fs::read_to_string(&conf).unwrap();
    assert_eq!(
        fixed.matches("keepalive_timeout").count(),
        1,
        "one keepalive_timeout, not one per rule:\n{fixed}"
    );
    // The built-in rule, first in the upstream, wrote 1s; the house rule
    // found a keepalive_timeout there and had nothing left to do.
    assert!(
        fixed.contains("        keepalive 16;\n        keepalive_timeout 1s;\n"),
        "{fixed}"
    );
}

#[test]
fn rules_that_keep_disagreeing_are_a_conflict_and_nothing_is_written() {
    let (dir, conf) = setup(&policy(true));
    for extra in [&["--dry-run"][..], &[]] {
        let out = run(
            &[&["fix"][..], extra, &ARGS, &["nginx.conf"]].concat(),
            None,
            Some(dir.path()),
        );
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            out.stdout.is_empty(),
            "no diff of a result the rules disagree on"
        );
        let error = stderr(&out);
        assert!(
            error.contains("conflicting fixes: ")
                && error.contains("upstream-keepalive-timeout")
                && error.contains("house-upstream-timeout")
                && error.contains("set `keepalive_timeout` in upstream app (nginx.conf:3)"),
            "{error}"
        );
        assert_eq!(fs::read_to_string(&conf).unwrap(), CONF);
    }
}

// ---------------------------------------------------------------------------
// Random pairs of rule fixes on generated trees

/// One rule writing into a block: `set` a scalar (only where it is missing,
/// or wherever it differs), `add` an entry to an array by its key, or
/// `insert` a scalar where it is missing.
#[derive(Debug, Clone)]
enum Action {
    Set {
        block: &'static str,
        directive: &'static str,
        value: &'static str,
        insist: bool,
    },
    Add {
        header: &'static str,
        value: &'static str,
    },
    Insert {
        block: &'static str,
        directive: &'static str,
        value: &'static str,
    },
}

/// Scalars nginx takes once per block, by block, with values.
const SCALARS: &[(&str, &str, &[&str])] = &[
    ("upstream", "keepalive_timeout", &["1s", "30s", "60s"]),
    ("upstream", "keepalive", &["8", "32"]),
    ("location", "proxy_read_timeout", &["5s", "90s"]),
    ("location", "proxy_http_version", &["1.1", "1.0"]),
    ("location", "client_max_body_size", &["1m", "10m"]),
    ("server", "client_max_body_size", &["1m", "20m"]),
    ("server", "keepalive_timeout", &["15s", "75s"]),
];

fn action() -> impl Strategy<Value = Action> {
    let scalar = (0..SCALARS.len(), 0..3usize);
    prop_oneof![
        (scalar.clone(), any::<bool>()).prop_map(|((i, v), insist)| {
            let (block, directive, values) = SCALARS[i];
            Action::Set {
                block,
                directive,
                value: values[v % values.len()],
                insist,
            }
        }),
        (
            prop::sample::select(&["Connection", "Host", "X-Forwarded-Proto"][..]),
            prop::sample::select(&["\"\"", "$host", "$scheme", "close"][..]),
        )
            .prop_map(|(header, value)| Action::Add { header, value }),
        scalar.prop_map(|(i, v)| {
            let (block, directive, values) = SCALARS[i];
            Action::Insert {
                block,
                directive,
                value: values[v % values.len()],
            }
        }),
    ]
}

fn rule(id: &str, action: &Action) -> Rule {
    let head = format!("id = \"{id}\"\ntitle = \"t\"\nseverity = \"warning\"\nexplain = \"e\"\n\n");
    let body = match action {
        Action::Set {
            block,
            directive,
            value,
            insist,
        } => {
            let condition = if *insist {
                format!("effective.{directive} = {{ not_equals = \"{value}\" }}")
            } else {
                format!("lacks = {{ directive = \"{directive}\" }}")
            };
            format!(
                "[match]\ndirective = \"{block}\"\n{condition}\n\n[fix]\nset = {{ directive = \"{directive}\", args = \"{value}\", in = \"self\" }}\n"
            )
        }
        Action::Add { header, value } => format!(
            "[match]\ndirective = \"proxy_pass\"\neffective.proxy_set_header = {{ no_entry = [{{ index = 0, equals = \"{header}\", ignore_case = true }}, {{ index = 1, equals = '{value}' }}] }}\n\n[fix]\nadd = {{ directive = \"proxy_set_header\", args = '{header} {value}', in = \"location\" }}\n"
        ),
        Action::Insert {
            block,
            directive,
            value,
        } => format!(
            "[match]\ndirective = \"{block}\"\nlacks = {{ directive = \"{directive}\" }}\n\n[fix]\ninsert = {{ directive = \"{directive}\", args = \"{value}\", position = \"last\", in = \"self\" }}\n"
        ),
    };
    load::parse(
        &(head + &body),
        RuleOrigin::File(PathBuf::from(format!("{id}.toml"))),
    )
    .unwrap_or_else(|e| panic!("{e}\n{body}"))
}

/// A tree of upstreams, servers and locations, with headers and scalars
/// written here and there (by `seed`'s bits).
fn tree(seed: u32, servers: usize) -> String {
    let bit = |n: u32| seed >> (n % 32) & 1 == 1;
    let mut text = String::from("events {}\nhttp {\n");
    if bit(0) {
        text.push_str("    proxy_set_header Host $host;\n");
    }
    text.push_str("    upstream app {\n        server 127.0.0.1:8000;\n");
    if bit(1) {
        text.push_str("        keepalive 16;\n");
    }
    if bit(2) {
        text.push_str("        keepalive_timeout 30s;\n");
    }
    text.push_str("    }\n");
    for s in 0..servers as u32 {
        text.push_str("    server {\n        listen 8080;\n");
        if bit(3 + s) {
            text.push_str("        client_max_body_size 1m;\n        proxy_set_header X-Forwarded-Proto $scheme;\n");
        }
        for l in 0..2u32 {
            text.push_str(&format!(
                "        location /{s}{l} {{\n            proxy_pass http://app;\n"
            ));
            if bit(5 + s + l) {
                text.push_str("            proxy_set_header Connection \"\";\n");
            }
            if bit(9 + s * 2 + l) {
                text.push_str("            proxy_read_timeout 90s;\n");
            }
            text.push_str("        }\n");
        }
        text.push_str("    }\n");
    }
    text.push_str("}\n");
    text
}

fn load_text(text: &str) -> ConfigTree {
    ConfigTree::load_dump(vec![DumpedFile {
        path: "/etc/nginx/nginx.conf".into(),
        text: text.as_bytes().to_vec(),
    }])
    .unwrap()
}

fn duplicates(tree: &ConfigTree) -> Vec<String> {
    accepts::duplicates(&Model::new(tree, Version::new(1, 24, 0)))
}

fn fix(rules: &[Rule], text: &str) -> session::FixOutcome {
    let options = RunOptions::default();
    let job = Job {
        rules,
        options: &options,
        version: Version::new(1, 24, 0),
        policy: Policy {
            unsafe_fixes: true,
            display_only: true,
        },
    };
    session::fix(&job, load_text(text), &mut ApproveAll).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever two rules and whichever order: the result parses, holds no
    /// directive twice where nginx refuses that, and a second run changes
    /// nothing; or the rules disagree, and that is reported.
    #[test]
    fn pairs_of_fixes_never_write_a_directive_twice(
        a in action(),
        b in action(),
        swap in any::<bool>(),
        seed in any::<u32>(),
        servers in 1..3usize,
    ) {
        let text = tree(seed, servers);
        let mut rules = vec![rule("rule-a", &a), rule("rule-b", &b)];
        if swap {
            rules.reverse();
        }
        let outcome = fix(&rules, &text);
        if outcome.stop == Stop::PassLimit {
            // The rules disagree: `fix` reports it and writes nothing
            // (rules_that_keep_disagreeing_are_a_conflict...).
            let rules: Vec<&str> = outcome.applied.iter().map(|a| a.rule.as_str()).collect();
            prop_assert!(rules.contains(&"rule-a") && rules.contains(&"rule-b"), "{rules:?}");
            return Ok(());
        }
        prop_assert_eq!(outcome.stop, Stop::Converged);
        let fixed = String::from_utf8(outcome.config.main().tree.text().to_vec()).unwrap();
        // Parses (load_text would panic otherwise), and no new duplicate.
        let before = duplicates(&load_text(&text));
        let after = duplicates(&load_text(&fixed));
        prop_assert_eq!(&before, &after, "{}\n--- fixed:\n{}", text, fixed);
        let again = fix(&rules, &fixed);
        prop_assert!(again.applied.is_empty(), "a second run changes {:?}\n{}", again.applied, fixed);
    }
}
