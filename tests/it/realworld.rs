//! Precision on real configurations: `ngxfix check` over the nginx
//! configurations public projects publish (`tests/realworld/configs/`,
//! listed with their sources in `tests/realworld/SOURCES.md`), against a
//! table of judged findings (`tests/realworld/judgements.tsv`).
//!
//! The rule files' own `[[test]]` examples show that a rule fires where it
//! should; this corpus shows how often what it says about configurations
//! nobody wrote for it is right. Every finding must have a row in the
//! table, judged `true` (a real problem, or a correct and relevant note),
//! `false` (refuted by the configuration or by nginx's semantics) or
//! `debatable` (rests on facts the configuration does not show). So:
//!
//! - a finding without a row fails the test ("unjudged"): a rule change
//!   that makes new claims on real configurations must have them judged;
//!   the missing rows are printed ready to paste, with verdict `?`;
//! - a row judged `true` that is no longer found fails ("a true finding
//!   was lost");
//! - a row judged `false` that is found fails: fixed false positives stay
//!   in the table so that they cannot come back;
//! - `debatable` rows may come and go.
//!
//! Each file is checked at two nginx versions, one before 1.29.7 (where
//! only `keepalive N` pools connections and HTTP/1.0 is the default) and
//! one after, since many rules depend on that boundary. The counts per rule
//! (strict precision: true / found; lenient: (true + debatable) / found)
//! are printed on every run: `cargo test --test it realworld:: --
//! --show-output`.
//!
//! Absolute includes are not remapped: a fragment's missing absolute
//! include is an `include-not-found` finding, but a main file's
//! (`include /etc/nginx/mime.types;` in an `http{}` of a whole nginx.conf)
//! is read from this machine, and is an error (exit 2) where nginx is not
//! installed. Only nginx's own files are included that way by the corpus;
//! without them those files are left out (with a note), unless
//! `NGXFIX_REQUIRE_NGINX=1`, where that is a failure.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One version before the 1.29.7 keepalive defaults, one after.
const VERSIONS: [&str; 2] = ["1.24.0", "1.30.0"];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/realworld")
}

/// What a row of the table is about: one rule's finding on one line of one
/// file (the file the finding points into: a snippet's own path when the
/// finding is in an included file), at one nginx version. Paths are
/// relative to `tests/realworld/configs/`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    file: String,
    nginx: String,
    rule: String,
    line: u64,
}

impl Key {
    fn tsv(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}",
            self.file, self.nginx, self.rule, self.line
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    True,
    False,
    Debatable,
}

/// The checked files, in the order of the table in SOURCES.md: the first
/// cell of every row whose first cell is a path in backticks.
fn checked_files(sources: &str) -> Vec<String> {
    let files: Vec<String> = sources
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(path, _)| path.to_string())
        .collect();
    assert!(!files.is_empty(), "SOURCES.md lists no files");
    files
}

/// Whether a checked file includes nginx's own files by absolute path
/// (`include /etc/nginx/mime.types;`): ngxfix reads them from this
/// machine, and a whole nginx.conf whose include is missing is an error.
fn reads_host_files(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .any(|line| {
            let line = line.trim_start();
            line.starts_with("include") && line.contains("/etc/nginx/")
        })
}

/// The judged table: a header line, `#` comments, then one row per finding.
fn judgements(tsv: &str) -> BTreeMap<Key, Verdict> {
    let mut table = BTreeMap::new();
    for (n, line) in tsv.lines().enumerate().skip(1) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let [file, nginx, rule, number, verdict, reason] = cells[..] else {
            panic!(
                "judgements.tsv:{}: expected 6 tab-separated cells: {line}",
                n + 1
            );
        };
        let verdict = match verdict {
            "true" => Verdict::True,
            "false" => Verdict::False,
            "debatable" => Verdict::Debatable,
            other => panic!("judgements.tsv:{}: unknown verdict {other:?}", n + 1),
        };
        assert!(
            !reason.trim().is_empty(),
            "judgements.tsv:{}: a verdict needs a reason",
            n + 1
        );
        let key = Key {
            file: file.to_string(),
            nginx: nginx.to_string(),
            rule: rule.to_string(),
            line: number.parse().unwrap_or_else(|_| {
                panic!("judgements.tsv:{}: line {number:?} is not a number", n + 1)
            }),
        };
        assert!(
            table.insert(key, verdict).is_none(),
            "judgements.tsv:{}: a second row for the same finding",
            n + 1
        );
    }
    table
}

/// The findings of `ngxfix check` on one file at one version, each with its
/// message (which the printed rows carry, to help judge them). Run from
/// `tests/realworld/`, whose `ngxfix.toml` stops the settings lookup there.
fn findings(file: &str, nginx: &str) -> Vec<(Key, String)> {
    let path = format!("configs/{file}");
    let args = [
        "check",
        "--format",
        "json",
        "--nginx-version",
        nginx,
        "--config",
        "ngxfix.toml",
        &path,
    ];
    let output = common::run_keepalive(&args, None, Some(&corpus_dir()));
    // 1 only means that there are findings; 2 is an error.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "ngxfix check {path} at nginx {nginx} failed:\n{}",
        common::stderr(&output)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            let path = finding["path"].as_str().expect("path");
            let key = Key {
                file: path.strip_prefix("configs/").unwrap_or(path).to_string(),
                nginx: nginx.to_string(),
                rule: finding["rule"].as_str().expect("rule").to_string(),
                line: finding["start"]["line"].as_u64().expect("line"),
            };
            (
                key,
                finding["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Per rule: findings now, and the verdicts among them.
#[derive(Default)]
struct Tally {
    found: usize,
    true_: usize,
    false_: usize,
    debatable: usize,
}

impl Tally {
    fn add(&mut self, verdict: Option<Verdict>) {
        self.found += 1;
        match verdict {
            Some(Verdict::True) => self.true_ += 1,
            Some(Verdict::False) => self.false_ += 1,
            Some(Verdict::Debatable) => self.debatable += 1,
            None => {}
        }
    }

    fn row(&self, name: &str) -> String {
        let ratio = |n: usize| match self.found {
            0 => "-".to_string(),
            all => format!("{:.0}%", 100.0 * n as f64 / all as f64),
        };
        format!(
            "{name:<34} {:>5} {:>5} {:>5} {:>9} {:>7} {:>8}\n",
            self.found,
            self.true_,
            self.false_,
            self.debatable,
            ratio(self.true_),
            ratio(self.true_ + self.debatable),
        )
    }
}

fn report(found: &BTreeSet<Key>, table: &BTreeMap<Key, Verdict>, files: &[String]) -> String {
    let mut rules: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut versions: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for key in found {
        let verdict = table.get(key).copied();
        rules.entry(&key.rule).or_default().add(verdict);
        versions.entry(&key.nginx).or_default().add(verdict);
        total.add(verdict);
    }
    let projects: BTreeSet<&str> = files
        .iter()
        .map(|f| f.split('/').next().unwrap_or(f))
        .collect();
    let mut out = format!(
        "real-world corpus: {} checked files from {} projects, nginx {}\n\n",
        files.len(),
        projects.len(),
        VERSIONS.join(" and ")
    );
    out.push_str(&format!(
        "{:<34} {:>5} {:>5} {:>5} {:>9} {:>7} {:>8}\n",
        "rule", "found", "true", "false", "debatable", "strict", "lenient"
    ));
    for (rule, tally) in &rules {
        out.push_str(&tally.row(rule));
    }
    out.push_str(&total.row("total"));
    for (nginx, tally) in &versions {
        out.push_str(&tally.row(&format!("  at nginx {nginx}")));
    }
    out
}

#[test]
fn findings_match_the_judged_table() {
    let dir = corpus_dir();
    let files = checked_files(&std::fs::read_to_string(dir.join("SOURCES.md")).unwrap());
    let table = judgements(&std::fs::read_to_string(dir.join("judgements.tsv")).unwrap());

    // The files that read nginx's own files from this machine are checked
    // where nginx is installed (always in CI); elsewhere they are left out,
    // with their rows, and said so.
    let host_files = Path::new("/etc/nginx/mime.types").exists();
    let skipped: Vec<&String> = files
        .iter()
        .filter(|file| !host_files && reads_host_files(&dir.join("configs").join(file)))
        .collect();
    if !skipped.is_empty() {
        assert!(
            std::env::var_os("NGXFIX_REQUIRE_NGINX").is_none(),
            "NGXFIX_REQUIRE_NGINX is set but /etc/nginx/mime.types is missing"
        );
        println!(
            "/etc/nginx/mime.types is missing (no nginx here): left out {}",
            skipped
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let is_skipped = |file: &str| skipped.iter().any(|s| s.as_str() == file);

    let mut found = BTreeSet::new();
    let mut unjudged = String::new();
    let mut false_found = String::new();
    for file in files.iter().filter(|f| !is_skipped(f)) {
        for nginx in VERSIONS {
            for (key, message) in findings(file, nginx) {
                match table.get(&key) {
                    None if !found.contains(&key) => {
                        writeln!(unjudged, "{}\t?\t{message}", key.tsv()).unwrap();
                    }
                    Some(Verdict::False) if !found.contains(&key) => {
                        writeln!(false_found, "{}", key.tsv()).unwrap();
                    }
                    _ => {}
                }
                found.insert(key);
            }
        }
    }
    let lost: String = table
        .iter()
        .filter(|(key, verdict)| {
            **verdict == Verdict::True && !found.contains(*key) && !is_skipped(&key.file)
        })
        .map(|(key, _)| format!("{}\n", key.tsv()))
        .collect();

    println!("{}", report(&found, &table, &files));

    let mut failures = String::new();
    if !unjudged.is_empty() {
        write!(
            failures,
            "\nunjudged findings (judge them, then add the rows to judgements.tsv):\n{unjudged}"
        )
        .unwrap();
    }
    if !lost.is_empty() {
        write!(failures, "\na true finding was lost:\n{lost}").unwrap();
    }
    if !false_found.is_empty() {
        write!(
            failures,
            "\nfindings judged false are reported:\n{false_found}"
        )
        .unwrap();
    }
    assert!(failures.is_empty(), "{failures}");
}
