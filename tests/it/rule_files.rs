//! Rule files through the real binary: malformed ones are refused with
//! their place, and a user's rule file behaves exactly like a built-in one
//! in `check`, `explain` and `test-rules`.

use crate::common;

use std::fs;
use std::path::Path;

use common::run_keepalive as run;

const HEAD: &str = "id = \"x\"\ntitle = \"t\"\nseverity = \"error\"\nexplain = \"x\"\n";

/// (file name, text, the expected first line of the error after `PATH:`,
/// the hint or caret line expected somewhere in the message).
const MALFORMED: &[(&str, &str, &str, &str)] = &[
    (
        "unknown_key",
        "[match]\ndirective = \"a\"\nbogus = 1\n",
        "7:1: unknown field `bogus`, expected one of `directive`, `context`",
        "7 | bogus = 1",
    ),
    (
        "unknown_top_key",
        "[match]\ndirective = \"a\"\n[fixx]\nset = {}\n",
        "7:2: unknown field `fixx`, expected one of `id`, `title`",
        "[fixx]",
    ),
    (
        "bad_severity",
        "",
        "3:12: unknown variant `fatal`, expected one of `info`, `warning`, `error`",
        "^",
    ),
    ("no_match", "", "1:1: missing field `match`", "id = \"x\""),
    (
        "bad_regex",
        "[match]\ndirective = \"a\"\narg = { regex = \"(\" }\n",
        "7:17: invalid regex \"(\": unclosed group",
        "arg = { regex = \"(\" }",
    ),
    (
        "bad_range",
        "nginx = \"~1.2\"\n[match]\ndirective = \"a\"\n",
        "5:9: invalid nginx version \"~1.2\": each comparison starts with <, <=, >, >= or =",
        "nginx = \"~1.2\"",
    ),
    (
        "undeclared_param",
        "message = \"{param.nope}\"\n[match]\ndirective = \"a\"\n",
        "5:11: template \"{param.nope}\" uses `param.nope`, which is not a parameter of this rule",
        "none are declared; add a [params.NAME] table",
    ),
    (
        "bad_id",
        "[match]\ndirective = \"a\"\n",
        "1:6: invalid rule id \"Bad_Id\"",
        "ids are lowercase letters, digits and dashes, starting with a letter",
    ),
    (
        "fix_without_action",
        "[match]\ndirective = \"a\"\n[fix]\nsafety = \"safe\"\n",
        "7:1: [fix] has no action",
        "expected one of: set, add, replace_arg, remove_arg, insert, remove",
    ),
    (
        "test_expects_nothing",
        "[match]\ndirective = \"a\"\n[[test]]\nconfig = \"a;\"\n",
        "7:1: [[test]] expects nothing",
        "give `findings`, `lines` or `fixed`",
    ),
    (
        "unknown_reference",
        "[match]\ndirective = \"a\"\n[fix]\nset = { directive = \"b\", args = \"{oops.x}\" }\n",
        "8:33: in template \"{oops.x}\", `{oops.x}`: unknown reference `oops.x`",
        "set = { directive",
    ),
    (
        "unfinished_expression",
        "[match]\ndirective = \"a\"\nhas = { directive = \"b\", arg = { lt = \"{param.m + }\" } }\n",
        "7:39: in template \"{param.m + }\", `{param.m + }`: expected a value, found the end",
        "^",
    ),
    (
        "misplaced_index",
        "[match]\ndirective = \"a\"\neffective.b = { index = 1, equals = \"x\" }\n",
        "5:1: `index` belongs in `arg` tests and in `entry` tests only",
        "[match]",
    ),
    (
        "bad_target_kind",
        "[match]\ndirective = \"a\"\ntarget = \"somewhere\"\n",
        "7:10: unknown variant `somewhere`, expected one of `upstream`, `address`, `unix`, `variable`",
        "^",
    ),
    ("toml_syntax", "[match\ndirective = \"a\"\n", "5:7: unclosed table, expected `]`", "[match"),
    (
        "fixed_without_fix",
        "[match]\ndirective = \"a\"\n[[test]]\nconfig = \"a;\"\nfixed = \"b;\"\n",
        "7:1: [[test]] has `fixed` but the rule has no [fix]",
        "[[test]]",
    ),
    (
        "wrong_type",
        "[match]\ndirective = \"a\"\nhas = 5\n",
        "7:7: invalid type: integer `5`, expected struct Cond",
        "has = 5",
    ),
    (
        "reserved_id",
        "[match]\ndirective = \"a\"\n",
        "1:6: rule id \"unused-suppression\" is reserved for ngxfix's own finding",
        "id = \"unused-suppression\"",
    ),
    (
        "effective_key_in_arg_test",
        "[match]\ndirective = \"a\"\narg = { configured = true }\n",
        "5:1: `configured`, `entry` and `no_entry` belong in `effective` tests only",
        "[match]",
    ),
    (
        "bad_safety",
        "[match]\ndirective = \"a\"\n[fix]\nsafety = \"maybe\"\nremove = true\n",
        "8:10: unknown variant `maybe`, expected one of `safe`, `unsafe`, `display-only`",
        "safety = \"maybe\"",
    ),
];

fn text_for(name: &str, body: &str) -> String {
    match name {
        "bad_severity" => "id = \"x\"\ntitle = \"t\"\nseverity = \"fatal\"\nexplain = \"x\"\n[match]\ndirective = \"a\"\n".into(),
        "no_match" => HEAD.into(),
        "bad_id" => format!("{}{body}", HEAD.replace("\"x\"\ntitle", "\"Bad_Id\"\ntitle")),
        "reserved_id" => format!(
            "{}{body}",
            HEAD.replace("\"x\"\ntitle", "\"unused-suppression\"\ntitle")
        ),
        _ => format!("{HEAD}{body}"),
    }
}

#[test]
fn malformed_rule_files_are_refused_with_their_place() {
    assert!(MALFORMED.len() >= 10);
    let dir = tempfile::tempdir().unwrap();
    for (name, body, first_line, detail) in MALFORMED {
        let path = dir.path().join(format!("{name}.toml"));
        fs::write(&path, text_for(name, body)).unwrap();
        let path = path.display().to_string();
        for command in [vec!["rules", "--rules", &path], vec!["test-rules", &path]] {
            let output = run(&command, None, Some(dir.path()));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
            assert!(output.stdout.is_empty(), "{name}: nothing on stdout");
            let expected = format!("error: {path}:{first_line}");
            assert!(
                stderr.starts_with(&expected),
                "{name}:\nexpected: {expected}\ngot: {stderr}"
            );
            assert!(
                stderr.contains(detail),
                "{name}: {detail:?} not in {stderr}"
            );
        }
    }
}

#[test]
fn duplicate_ids_and_empty_folders_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/proxy-http-version.toml");
    let copy = dir.path().join("copy.toml");
    fs::copy(&builtin, &copy).unwrap();
    let output = run(
        &["rules", "--rules", copy.to_str().unwrap()],
        None,
        Some(dir.path()),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rule id \"proxy-http-version\" is defined twice: built-in rules/proxy-http-version.toml and"), "{stderr}");
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let output = run(
        &["check", "--rules", empty.to_str().unwrap()],
        None,
        Some(dir.path()),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no rule files (*.toml) found"));
}

/// Write a rule file into `dir` and run `ngxfix test-rules` on it: the exit
/// code and what it printed.
fn test_rules(dir: &Path, name: &str, text: &str) -> (Option<i32>, String) {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    let output = run(&["test-rules", path.to_str().unwrap()], None, Some(dir));
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// A built-in rule's file under another id.
fn renamed_copy(dir: &Path, builtin: &str, id: &str) -> String {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .join(format!("{builtin}.toml")),
    )
    .unwrap();
    let text = text.replacen(&format!("id = \"{builtin}\""), &format!("id = \"{id}\""), 1);
    let path = dir.join(format!("{id}.toml"));
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_user_rule_file_behaves_like_the_built_in_one() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("nginx.conf");
    fs::write(
        &conf,
        "http {\n    upstream app { server 127.0.0.1:8000; keepalive 8; }\n    server {\n        proxy_set_header Host $host;\n        location / { proxy_pass http://app; }\n        location /b { proxy_pass http://app; proxy_set_header Connection close; }\n    }\n}\n",
    )
    .unwrap();
    let conf = conf.display().to_string();
    for builtin in [
        "proxy-connection-close",
        "upstream-keepalive-timeout",
        "balancer-after-keepalive",
        "proxy-http-version",
    ] {
        let id = format!("my-{builtin}");
        let file = renamed_copy(dir.path(), builtin, &id);
        let check = |args: &[&str]| {
            let mut all = vec!["check", "--format", "json", "--backend", "app=3s"];
            all.extend_from_slice(args);
            all.push(&conf);
            let output = run(&all, None, Some(dir.path()));
            let mut report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            for finding in report["findings"].as_array_mut().unwrap() {
                finding["rule"] = "RULE".into();
            }
            (output.status.code(), report)
        };
        let ours = check(&["--select", builtin]);
        let theirs = check(&["--rules", &file, "--select", &id]);
        assert_eq!(ours, theirs, "{builtin}: check differs");

        let explain = |id: &str, extra: &[&str]| {
            let mut all = vec!["explain", id];
            all.extend_from_slice(extra);
            let output = run(&all, None, Some(dir.path()));
            assert_eq!(output.status.code(), Some(0));
            String::from_utf8(output.stdout).unwrap()
        };
        let builtin_doc = explain(builtin, &[]).replace(builtin, "RULE");
        let user_doc = explain(&id, &["--rules", &file]).replace(&id, "RULE");
        let strip = |doc: &str| {
            doc.lines()
                .filter(|l| !l.starts_with("- defined in:"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            strip(&builtin_doc),
            strip(&user_doc),
            "{builtin}: explain differs"
        );

        let output = run(&["test-rules", &file], None, Some(dir.path()));
        let text = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(0), "{text}");
        assert!(text.contains(" passed, 0 failed; 1 rules"), "{text}");
    }
}

#[test]
fn test_rules_reports_a_failing_example() {
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = test_rules(
        dir.path(),
        "wrong.toml",
        &format!("{HEAD}[match]\ndirective = \"listen\"\n[fix]\nset = {{ directive = \"listen\", args = \"443\" }}\n\n[[test]]\nconfig = \"server {{ listen 80; }}\\n\"\nfindings = 2\n\n[[test]]\nname = \"wrong fix\"\nconfig = \"server {{ listen 80; }}\\n\"\nfixed = \"server {{ listen 8080; }}\\n\"\n"),
    );
    assert_eq!(code, Some(1));
    assert!(text.contains("FAILED x test 1 at"), "{text}");
    assert!(
        text.contains("expected 2 finding(s), got 1 (on lines [1])"),
        "{text}"
    );
    assert!(text.contains("FAILED x test 2 (wrong fix)"), "{text}");
    assert!(
        text.contains("--- got\n       server { listen 443; }"),
        "{text}"
    );
    assert!(text.ends_with("0 passed, 2 failed; 1 rules\n"), "{text}");
}

#[test]
fn built_in_and_example_rules_pass_their_own_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for args in [vec!["test-rules"], vec!["test-rules", "examples/rules"]] {
        let output = run(&args, None, Some(root));
        let text = String::from_utf8(output.stdout).unwrap();
        println!("{text}");
        assert_eq!(output.status.code(), Some(0), "{text}");
        assert!(
            !text.contains("without tests"),
            "every rule carries examples: {text}"
        );
    }
    let output = run(&["rules"], None, Some(root));
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.starts_with("ID "), "{table}");
    let row = |id: &str| -> Vec<String> {
        let line = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} is listed: {table}"));
        line.split_whitespace().map(str::to_string).collect()
    };
    assert_eq!(
        row("proxy-http-version").join(" "),
        "proxy-http-version error keepalive safe/unsafe proxy_pass to a pooled upstream speaks HTTP/1.0"
    );
    // A rule whose variant has a fix of another safety shows both.
    assert_eq!(row("upstream-keepalive-timeout")[3], "safe/unsafe");
    // The categories close the table, and select as ids do.
    assert!(
        table.contains("Categories (select with `--select CATEGORY`): ")
            && table.contains("keepalive ("),
        "{table}"
    );
    let keepalive = run(&["rules", "--select", "keepalive"], None, Some(root));
    let selected = String::from_utf8(keepalive.stdout).unwrap();
    assert!(
        selected.contains("proxy-http-version")
            && !selected.contains("next-upstream-non-idempotent"),
        "{selected}"
    );
    let ignored = run(&["rules", "--ignore", "keepalive"], None, Some(root));
    let rest = String::from_utf8(ignored.stdout).unwrap();
    assert!(
        !rest.contains("proxy-http-version") && rest.contains("next-upstream-non-idempotent"),
        "{rest}"
    );
}

/// Regressions found while documenting the schema: multi-argument
/// durations, bare numbers in value tests, templates that cannot be
/// computed.
#[test]
fn value_tests_read_values_as_nginx_does() {
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = test_rules(dir.path(), "values.toml", &format!(
            "{HEAD}[match]\ndirective = \"location\"\nall = [\n  {{ effective.keepalive_timeout = {{ gt = \"100s\" }} }},\n  {{ arg_count = {{ ge = 2 }} }},\n]\n\n[[test]]\nname = \"65 60 is 65s, not 125s\"\nconfig = \"server {{ keepalive_timeout 65 60; location = /a {{ }} }}\\n\"\nfindings = 0\n\n[[test]]\nconfig = \"server {{ keepalive_timeout 120 60; location = /a {{ }} location /b {{ }} }}\\n\"\nfindings = 1\n"
        ));
    assert_eq!(code, Some(0), "{text}");

    let (code, text) = test_rules(dir.path(), "missing.toml", &format!("{HEAD}[match]\ndirective = \"upstream\"\narg = {{ not_equals = \"{{backend.name}}\" }}\n\n[[test]]\nname = \"an uncomputable expectation matches nothing\"\nconfig = \"upstream app {{ server a:1; }}\\n\"\nfindings = 0\n"));
    assert_eq!(code, Some(0), "{text}");
}

/// A fix whose `fixed` text holds a directive twice in one block, which
/// nginx refuses, fails its example even when the text is what the test
/// expects.
#[test]
fn test_rules_refuses_a_fix_that_writes_a_directive_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = test_rules(
        dir.path(),
        "twice.toml",
        &format!("{HEAD}[match]\ndirective = \"keepalive_timeout\"\narg = {{ equals = \"1s\" }}\ncontext = \"upstream\"\nnot = {{ before = {{ directive = \"keepalive_timeout\" }} }}\n[fix]\ninsert = {{ directive = \"keepalive_timeout\", args = \"30s\", position = \"after\" }}\n\n[[test]]\nconfig = \"http {{ upstream app {{ server a:1; keepalive_timeout 1s; }} }}\\n\"\nfixed = \"http {{ upstream app {{ server a:1; keepalive_timeout 1s; keepalive_timeout 30s; }} }}\\n\"\n"),
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("the fix writes a directive nginx refuses twice in one block: test.conf:1: \"keepalive_timeout\" directive is duplicate"),
        "{text}"
    );
}

/// `directive = "server"` names a word, which is both a virtual server
/// (`server {}` in http) and an upstream's member (`server a:1;`):
/// `context` tells them apart, as docs/rules.md says.
#[test]
fn context_tells_a_virtual_server_from_an_upstream_member() {
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = test_rules(
        dir.path(),
        "servers.toml",
        &format!("{HEAD}[match]\ndirective = \"server\"\ncontext = \"http\"\n\n[[test]]\nconfig = \"http {{\\n    upstream app {{\\n        server 127.0.0.1:8000;\\n    }}\\n    server {{\\n        listen 80;\\n    }}\\n}}\\n\"\nlines = [5]\n\n[[test]]\nname = \"members only\"\nconfig = \"http {{ upstream app {{ server a:1; server b:1; }} }}\\n\"\nfindings = 0\n"),
    );
    assert_eq!(code, Some(0), "{text}");
}

/// Settings that give a rule a parameter of the wrong kind are refused at
/// their line: the rule would compare with it and silently never fire.
#[test]
fn a_parameter_of_the_wrong_kind_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("ngxfix.toml"),
        "[params.upstream-keepalive-timeout]\nmargin = \"lots\"\n",
    )
    .unwrap();
    fs::write(dir.path().join("nginx.conf"), "events {}\n").unwrap();
    let out = run(&["check", "nginx.conf"], None, Some(dir.path()));
    assert_eq!(out.status.code(), Some(2));
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains("ngxfix.toml:2:10: [params.upstream-keepalive-timeout] margin: \"lots\" is not a duration (`5s`, `500ms`, `1m`), as the default (`1s`) is"),
        "{error}"
    );
    // A bare number is seconds for a duration: accepted.
    fs::write(
        dir.path().join("ngxfix.toml"),
        "[params.upstream-keepalive-timeout]\nmargin = 1\n",
    )
    .unwrap();
    assert_eq!(
        run(&["check", "nginx.conf"], None, Some(dir.path()))
            .status
            .code(),
        Some(0)
    );
}

/// A rules folder may hold the project's ngxfix.toml: it is not a rule.
#[test]
fn a_settings_file_in_a_rules_folder_is_not_a_rule() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    fs::create_dir_all(&rules).unwrap();
    fs::write(rules.join("ngxfix.toml"), "rules = [\".\"]\n").unwrap();
    fs::write(
        rules.join("one.toml"),
        format!("{HEAD}[match]\ndirective = \"listen\"\n"),
    )
    .unwrap();
    let out = run(&["rules", "--rules", "rules"], None, Some(dir.path()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\nx "));
}

/// A case with a fix of its own but no `safety` is as safe as the rule's
/// fix: an unsafe rule stays unsafe in every case.
#[test]
fn a_variant_without_safety_inherits_the_rule_s() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("unsafe.toml"),
        format!("{HEAD}[match]\ndirective = \"listen\"\n[fix]\nsafety = \"unsafe\"\nreplace_arg = {{ index = 0, value = \"443\" }}\n\n[[variant]]\ndescription = \"port 80\"\nwhen = {{ arg = {{ equals = \"80\" }} }}\nfix = {{ replace_arg = {{ index = 0, value = \"8443\" }} }}\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("nginx.conf"),
        "http { server { listen 80; } }\n",
    )
    .unwrap();
    let out = run(
        &[
            "fix",
            "--no-verify",
            "--rules",
            "unsafe.toml",
            "--select",
            "x",
            "nginx.conf",
        ],
        None,
        Some(dir.path()),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "held back, so the finding remains"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("nginx.conf")).unwrap(),
        "http { server { listen 80; } }\n",
        "plain `fix` applies no unsafe fix"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 unsafe fix held back"));
}

/// `nginx-cves` is generated from the advisory table in
/// tools/rulegen/nginx_cves.py: the checked-in rule must be what the
/// script writes.
#[test]
fn the_nginx_cves_rule_is_what_its_generator_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Ok(out) = std::process::Command::new("python3")
        .arg(root.join("tools/rulegen/nginx_cves.py"))
        .arg("--check")
        .output()
    else {
        eprintln!("python3 is not installed: skipped");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
