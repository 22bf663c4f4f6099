//! `ngxfix redact` through the real binary: on a corpus of configurations
//! with planted secrets (tests/fixtures/redact, listed in planted.txt),
//! every planted secret is gone from standard output, from `-o` files and
//! from the report; the output parses; `check` finds the same rules on the
//! same lines; a second run changes nothing. On the planted-secret corpus
//! of issue 18 (tests/fixtures/redact/planted, listed by family in
//! planted-families.txt), not even a run of 4 characters of a secret is
//! left, in single files, include trees, `-o DIR` and `nginx -T` dumps.
//! Then every file of the shared corpus: still parses, same findings.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{corpus_dir, files_under, is_config, run};

const VERSION: &str = "--nginx-version=1.29.6";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/redact")
}

/// Paths as the tests name them: relative to the repository, so reports
/// and snapshots do not depend on where it is checked out.
fn site() -> &'static str {
    "tests/fixtures/redact/site/nginx.conf"
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn lines_of(name: &str) -> Vec<String> {
    std::fs::read_to_string(fixtures().join(name))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn planted() -> Vec<String> {
    lines_of("planted.txt")
}

fn assert_gone(what: &str, text: &[u8], secrets: &[String]) {
    let text = String::from_utf8_lossy(text);
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{secret} is still in {what}:\n{text}"
        );
    }
}

/// (rule, path, line) of each finding of `check --format json`.
fn findings(args: &[&str], stdin: Option<&[u8]>, cwd: &Path) -> BTreeSet<(String, String, u64)> {
    let mut all = vec!["check", "--format", "json", VERSION];
    all.extend_from_slice(args);
    let out = run(&all, stdin, Some(cwd));
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "check {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Findings without their path, for a file checked under another name.
fn rule_lines(found: BTreeSet<(String, String, u64)>) -> BTreeSet<(String, u64)> {
    found
        .into_iter()
        .map(|(rule, _, line)| (rule, line))
        .collect()
}

fn redact(args: &[&str], stdin: Option<&[u8]>) -> (Vec<u8>, Vec<u8>) {
    let mut all = vec!["redact"];
    all.extend_from_slice(args);
    let out = run(&all, stdin, Some(repo()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "redact {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, out.stderr)
}

fn parses(text: &[u8]) {
    let out = run(
        &["parse", "--format", "stats", "-"],
        Some(text),
        Some(repo()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "the redacted text does not parse: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn planted_secrets_are_gone_and_findings_stay() {
    let dump = std::fs::read(fixtures().join("dump.txt")).unwrap();
    for hosts in [false, true] {
        let mut flags = vec![];
        let mut secrets = planted();
        if hosts {
            flags.push("--hosts");
            secrets.extend(lines_of("planted-hosts.txt"));
        }
        // A tree of files on disk, a CRLF file, an `nginx -T` dump.
        let cases: [(&str, Option<&[u8]>); 4] = [
            (site(), None),
            ("tests/fixtures/redact/crlf.conf", None),
            ("tests/fixtures/redact/edge.conf", None),
            ("-", Some(&dump)),
        ];
        for (path, stdin) in cases {
            let mut args = flags.clone();
            args.push(path);
            let (out, report) = redact(&args, stdin);
            assert_gone("the output", &out, &secrets);
            assert_gone("the report", &report, &secrets);
            parses(&out);
            let before = findings(&[path], stdin, repo());
            assert!(!before.is_empty(), "{path}: the fixture has findings");
            let after = findings(&["-"], Some(&out), repo());
            if stdin.is_none() && path != site() {
                // One file comes back as plain text: its path is `-`.
                assert_eq!(
                    rule_lines(before),
                    rule_lines(after),
                    "{path} hosts={hosts}"
                );
                if path.ends_with("crlf.conf") {
                    assert!(out.windows(2).any(|w| w == b"\r\n"), "CRLF kept");
                }
            } else {
                assert_eq!(before, after, "{path} hosts={hosts}");
            }
            // Idempotent: the output redacted again is the same.
            let (again, report) = redact(&[flags.as_slice(), &["-"]].concat(), Some(&out));
            assert_eq!(
                String::from_utf8_lossy(&again),
                String::from_utf8_lossy(&out),
                "{path}: a second run changed the output"
            );
            assert!(
                String::from_utf8_lossy(&report).contains("redacted 0 values"),
                "{}",
                String::from_utf8_lossy(&report)
            );
        }
    }
}

#[test]
fn same_secret_same_placeholder_across_files() {
    let (_, report) = redact(&["--report", "json", site()], None);
    let report: serde_json::Value = serde_json::from_slice(&report).unwrap();
    let at = |path: &str, line: u64| -> Vec<String> {
        report["redacted"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["path"].as_str().unwrap().ends_with(path) && e["line"] == line)
            .map(|e| e["placeholder"].as_str().unwrap().to_string())
            .collect()
    };
    // The internal token, in a proxy_set_header and in an add_header.
    assert_eq!(at("api.conf", 14), at("api.conf", 34));
    assert_eq!(at("api.conf", 14), ["REDACTED_TOKEN_2"]);
    // The upstream password, in a comment and in the server line.
    assert_eq!(at("nginx.conf", 20), at("nginx.conf", 21));
    assert_eq!(report["totals"]["header-credential"], 4);
    let unread: Vec<&str> = report["not_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["directive"].as_str().unwrap())
        .collect();
    assert_eq!(
        unread,
        [
            "ssl_certificate_key",
            "ssl_password_file",
            "ssl_session_ticket_key",
            "auth_basic_user_file"
        ]
    );
}

#[test]
fn output_folder_holds_the_tree_without_secret_files() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("out");
    let dir_arg = dir.to_str().unwrap();
    let (stdout, report) = redact(&["--hosts", "-o", dir_arg, site()], None);
    assert!(stdout.is_empty());
    let mut secrets = planted();
    secrets.extend(lines_of("planted-hosts.txt"));
    assert_gone("the report", &report, &secrets);
    let written: Vec<PathBuf> = files_under(&dir)
        .into_iter()
        .map(|p| p.strip_prefix(&dir).unwrap().to_path_buf())
        .collect();
    assert_eq!(
        written,
        [
            PathBuf::from("conf.d/api.conf"),
            PathBuf::from("nginx.conf")
        ],
        "the files the directives name as secret are neither read nor copied"
    );
    for file in &written {
        assert_gone(
            &file.display().to_string(),
            &std::fs::read(dir.join(file)).unwrap(),
            &secrets,
        );
    }
    // The same findings, on the same lines of the same files.
    let relative =
        |set: BTreeSet<(String, String, u64)>, base: &str| -> BTreeSet<(String, String, u64)> {
            set.into_iter()
                .map(|(r, p, l)| (r, p.trim_start_matches(base).to_string(), l))
                .collect()
        };
    let before = relative(
        findings(&[site()], None, repo()),
        "tests/fixtures/redact/site/",
    );
    let after = relative(findings(&["nginx.conf"], None, &dir), "");
    assert_eq!(before, after);
    // The input is untouched, and a non-empty folder is refused.
    let out = run(&["redact", "-o", dir_arg, site()], None, Some(repo()));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    let original = std::fs::read_to_string(repo().join(site())).unwrap();
    assert!(original.contains("Pl4ntedPartnerKey0001"));
}

#[test]
fn snapshot_of_a_redacted_tree_and_its_report() {
    let (out, report) = redact(&["--hosts", site()], None);
    insta::assert_snapshot!(
        "redacted-site",
        format!(
            "{}\n--- report ---\n{}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&report)
        )
    );
}

/// Every configuration file of the shared corpus (its own includes not
/// followed): the redacted file still parses, and check finds the same
/// rules on the same lines. Files nginx rejects are skipped.
#[test]
fn corpus_files_parse_and_keep_their_findings() {
    let corpus = corpus_dir();
    let scratch = tempfile::tempdir().unwrap();
    let (mut checked, mut changed) = (0, 0);
    for path in files_under(&corpus).into_iter().filter(|p| is_config(p)) {
        let path_arg = path.to_str().unwrap();
        let parsed = run(
            &["parse", "--no-includes", "--format", "stats", path_arg],
            None,
            None,
        );
        if parsed.status.code() != Some(0) {
            continue;
        }
        let original = std::fs::read(&path).unwrap();
        for hosts in [false, true] {
            let mut args = vec!["redact", "--no-includes", "--report", "none"];
            if hosts {
                args.push("--hosts");
            }
            args.push(path_arg);
            let out = run(&args, None, None);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            changed += usize::from(out.stdout != original);
            // The redacted text under the same file name, so paths match.
            let copy = scratch.path().join(path.file_name().unwrap());
            std::fs::write(&copy, &out.stdout).unwrap();
            let before = rule_lines(findings(&["--no-includes", path_arg], None, repo()));
            let after = rule_lines(findings(
                &["--no-includes", copy.to_str().unwrap()],
                None,
                repo(),
            ));
            assert_eq!(before, after, "{} (hosts: {hosts})", path.display());
            checked += 1;
        }
    }
    println!("corpus: {checked} redactions checked, {changed} changed their file");
    assert!(checked > 300, "the corpus was found and read");
}

/// A file that does not parse: the error names the place, never the line,
/// which may hold the secret.
#[test]
fn parse_errors_do_not_echo_the_line() {
    let text = b"http { proxy_set_header Authorization \"Bearer Pl4ntedErrTok\"; server {\n";
    let out = run(&["redact", "-"], Some(text), Some(repo()));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("-:2:1:"), "{stderr}");
    assert!(!stderr.contains("Pl4ntedErrTok"), "{stderr}");
}

/// Placeholders, stand-in addresses and names already in the input are
/// never handed out for something else.
#[test]
fn numbering_skips_stand_ins_already_in_the_input() {
    let (out, _) = redact(&["--hosts", "tests/fixtures/redact/edge.conf"], None);
    let out = String::from_utf8_lossy(&out);
    for taken in ["REDACTED_TOKEN_1", "192.0.2.1", "host1.example"] {
        assert_eq!(out.matches(taken).count(), 1, "{taken} in\n{out}");
    }
    assert!(out.contains("REDACTED_TOKEN_2"), "{out}");
}

/// `-o` from an `nginx -T` dump: its includes are absolute, so the copies
/// still name the original files; the report says so.
#[test]
fn output_folder_from_a_dump_warns_about_absolute_includes() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("out");
    let dump = std::fs::read(fixtures().join("dump.txt")).unwrap();
    let (_, report) = redact(&["-o", dir.to_str().unwrap(), "-"], Some(&dump));
    let report = String::from_utf8_lossy(&report);
    assert!(report.contains("absolute path"), "{report}");
}

/// A planted secret of the issue-18 corpus: its family, and its text as
/// written in the file.
struct Planted {
    family: String,
    secret: String,
}

fn planted_corpus() -> Vec<Planted> {
    lines_of("planted-families.txt")
        .into_iter()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (family, secret) = l.split_once('\t').expect("family<TAB>secret");
            Planted {
                family: family.to_string(),
                secret: secret.to_string(),
            }
        })
        .collect()
}

/// The corpus's files, as the tests name them (relative to the repository).
fn planted_files() -> Vec<String> {
    files_under(&fixtures().join("planted"))
        .into_iter()
        .map(|p| {
            p.strip_prefix(repo())
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn planted_main() -> &'static str {
    "tests/fixtures/redact/planted/nginx.conf"
}

/// The runs of 4 characters of `secret` that occur in `text`.
fn runs_in<'s>(text: &str, secret: &'s str) -> Vec<&'s str> {
    (0..=secret.len().saturating_sub(4))
        .map(|i| &secret[i..i + 4])
        .filter(|run| text.contains(run))
        .collect()
}

/// The planted secrets a run of 4 characters of which is in `text`, as
/// `family: secret (run)` lines.
fn survivors(text: &[u8], corpus: &[Planted]) -> Vec<String> {
    let text = String::from_utf8_lossy(text);
    corpus
        .iter()
        .filter_map(|p| {
            let runs = runs_in(&text, &p.secret);
            (!runs.is_empty()).then(|| format!("{}: {} ({})", p.family, p.secret, runs[0]))
        })
        .collect()
}

fn assert_no_run_left(what: &str, text: &[u8], corpus: &[Planted]) {
    let left = survivors(text, corpus);
    assert!(
        left.is_empty(),
        "{what}: {} planted secrets partly left:\n{}\n--- output ---\n{}",
        left.len(),
        left.join("\n"),
        String::from_utf8_lossy(text)
    );
}

/// An `nginx -T` dump of the planted tree, as if installed in /etc/nginx.
fn planted_dump() -> Vec<u8> {
    let dir = fixtures().join("planted");
    let mut dump = b"nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n".to_vec();
    for file in files_under(&dir) {
        let relative = file.strip_prefix(&dir).unwrap().display().to_string();
        dump.extend(format!("# configuration file /etc/nginx/{relative}:\n").into_bytes());
        dump.extend(std::fs::read(&file).unwrap());
        dump.push(b'\n');
    }
    dump
}

/// The check is meaningful: every secret is long, in the fixtures, and no
/// run of 4 of its characters occurs anywhere else in them or in what
/// redaction writes; so the unredacted fixtures fail the check for every
/// secret, and a redaction that did nothing would fail the tests below.
#[test]
fn planted_corpus_is_meaningful() {
    let corpus = planted_corpus();
    let texts: String = planted_files()
        .iter()
        .map(|f| std::fs::read_to_string(repo().join(f)).unwrap())
        .collect();
    let mut rest = texts.clone();
    let mut by_length: Vec<&Planted> = corpus.iter().collect();
    by_length.sort_by_key(|p| std::cmp::Reverse(p.secret.len()));
    for p in &by_length {
        assert!(p.secret.len() >= 12, "{}: too short to check", p.secret);
        assert!(
            texts.contains(&p.secret),
            "{} is not in the fixtures",
            p.secret
        );
        rest = rest.replace(&p.secret, "\n");
    }
    let vocabulary = "REDACTED_TOKEN_COOKIE_PASSWORD_SECRET_KEY_PRIVATE_KEY_STRING_0123456789 \
                      host0123456789.example 192.0.2.198.51.100.203.0.113.198.18.2001:db8::";
    for p in &corpus {
        let runs = runs_in(&rest, &p.secret);
        assert!(
            runs.is_empty(),
            "{}: {runs:?} also outside the secret",
            p.secret
        );
        let runs = runs_in(vocabulary, &p.secret);
        assert!(
            runs.is_empty(),
            "{}: {runs:?} in what redaction writes",
            p.secret
        );
    }
    assert_eq!(
        survivors(texts.as_bytes(), &corpus).len(),
        corpus.len(),
        "unredacted, every planted secret is found"
    );
    let families: BTreeSet<&str> = corpus.iter().map(|p| p.family.as_str()).collect();
    for family in [
        "lua-comment",
        "lua-block-comment",
        "lua-long-string",
        "lua-table-field",
        "lua-string",
        "lua-inline",
        "perl",
        "name",
        "argument",
        "prose",
        "jwt",
        "special-characters",
    ] {
        assert!(families.contains(family), "no {family} secret planted");
    }
    println!(
        "planted corpus: {} secrets in {} families",
        corpus.len(),
        families.len()
    );
}

/// A redaction of the planted corpus: no run of 4 characters of a secret
/// left in the output or the report; the output parses, `check` finds the
/// same rules on the same lines, and redacting it again changes nothing.
fn assert_redacted(args: &[&str], stdin: Option<&[u8]>, single_file: bool) {
    let corpus = planted_corpus();
    let what = format!("redact {args:?}");
    let (out, report) = redact(args, stdin);
    assert_no_run_left(&what, &out, &corpus);
    assert_no_run_left(&format!("the report of {what}"), &report, &corpus);
    parses(&out);
    let path = *args.last().unwrap();
    let no_includes: &[&str] = if args.contains(&"--no-includes") {
        &["--no-includes"]
    } else {
        &[]
    };
    let before = findings(&[no_includes, &[path]].concat(), stdin, repo());
    assert!(
        single_file || !before.is_empty(),
        "{path}: the fixture has findings"
    );
    let after = findings(&["-"], Some(&out), repo());
    if single_file {
        assert_eq!(rule_lines(before), rule_lines(after), "{what}");
    } else {
        assert_eq!(before, after, "{what}");
    }
    let flags: Vec<&str> = args.iter().copied().filter(|a| *a == "--hosts").collect();
    let (again, report) = redact(&[flags.as_slice(), &["-"]].concat(), Some(&out));
    assert_eq!(
        String::from_utf8_lossy(&again),
        String::from_utf8_lossy(&out),
        "{what}: a second run changed the output"
    );
    assert!(String::from_utf8_lossy(&report).contains("redacted 0 values"));
}

/// Issue 18: every family of planted secrets, each file on its own.
#[test]
fn planted_secrets_leave_no_run_in_single_files() {
    for file in planted_files() {
        assert_redacted(&["--no-includes", &file], None, true);
    }
}

/// Issue 18: the planted tree through its includes, with and without
/// `--hosts`, and as an `nginx -T` dump on standard input.
#[test]
fn planted_secrets_leave_no_run_in_trees_and_dumps() {
    assert_redacted(&[planted_main()], None, false);
    assert_redacted(&["--hosts", planted_main()], None, false);
    let dump = planted_dump();
    assert_redacted(&["-"], Some(&dump), false);
}

/// Issue 18: `-o DIR` writes the planted tree with no run of a secret in
/// any file, and `check DIR/nginx.conf` finds what it found before.
#[test]
fn planted_secrets_leave_no_run_in_an_output_folder() {
    let corpus = planted_corpus();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("out");
    let (stdout, report) = redact(&["-o", dir.to_str().unwrap(), planted_main()], None);
    assert!(stdout.is_empty());
    assert_no_run_left("the report", &report, &corpus);
    let written = files_under(&dir);
    assert_eq!(written.len(), planted_files().len());
    for file in &written {
        assert_no_run_left(
            &file.display().to_string(),
            &std::fs::read(file).unwrap(),
            &corpus,
        );
    }
    let relative = |set: BTreeSet<(String, String, u64)>, base: &str| -> BTreeSet<_> {
        set.into_iter()
            .map(|(r, p, l)| (r, p.trim_start_matches(base).to_string(), l))
            .collect()
    };
    let before = relative(
        findings(&[planted_main()], None, repo()),
        "tests/fixtures/redact/planted/",
    );
    let after = relative(findings(&["nginx.conf"], None, &dir), "");
    assert_eq!(before, after);
}

/// Issue 18, item 8 (found by fuzzing): a `*_by_lua_block` name that
/// looked random was redacted, its Lua body was then read as a block of
/// directives, and `redact` failed on its own output. Redaction never
/// changes what the text parses as.
#[test]
fn redaction_keeps_what_the_text_parses_as() {
    let text = b"p{r{/{k{}}r75sate_by_lua_block{\"\"}a{}}o{k{}}}";
    let (out, _) = redact(&["-"], Some(text));
    assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(text));
}
