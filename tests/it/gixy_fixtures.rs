//! gixy's own test fixtures through `ngxfix check`: the built-in rule of
//! each gixy check must fire on every fixture gixy-next expects a report
//! for and stay silent on every `*_fp.conf`. Agreement is reported per
//! check; every disagreement must be one docs/gixy.md lists with its
//! reason, and the targets must hold: 95% overall, and 90% for each
//! check unless none of its disagreements is an ngxfix limitation.
//! Where a fixture fires and the rule has a fix, `ngxfix fix
//! --unsafe-fixes` must succeed (ngxfix's own `nginx -t` check refuses a
//! fix that makes nginx reject a tree it accepted) and a second run must
//! change nothing.
//!
//! The fixtures ship in gixy-next's source distribution
//! (`pip download --no-deps --no-binary :all: gixy-next==0.9.0`), which
//! `.ci/run` unpacks into `target/gixy`; `$NGXFIX_GIXY_SDIST` names
//! another unpacked copy. Without it the test says so and passes, unless
//! `NGXFIX_REQUIRE_GIXY=1`.

use crate::common::run;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The unpacked sdist, if present.
fn sdist() -> Option<PathBuf> {
    let dir = std::env::var_os("NGXFIX_GIXY_SDIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/gixy/gixy_next-0.9.0")
        });
    let fixtures = dir.join("tests/plugins/simply");
    if fixtures.is_dir() {
        return Some(fixtures);
    }
    assert!(
        std::env::var_os("NGXFIX_REQUIRE_GIXY").is_none(),
        "NGXFIX_REQUIRE_GIXY is set but gixy-next's fixtures are not at {}",
        fixtures.display()
    );
    eprintln!(
        "gixy-next's fixtures are not at {} (pip download --no-deps --no-binary :all: \
         gixy-next==0.9.0, unpacked into target/gixy): skipped",
        fixtures.display()
    );
    None
}

/// The disagreements docs/gixy.md lists: (check, fixture file name) and
/// the kind of reason (`gixy wrong`, `not nginx`, `limitation`).
fn documented() -> BTreeMap<(String, String), String> {
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/gixy.md"))
        .expect("docs/gixy.md");
    let section = text
        .split("## Disagreements with gixy's fixtures")
        .nth(1)
        .expect("docs/gixy.md has a disagreements section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | `check` | `fixture.conf` | kind | why |
            let check = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let file = cells.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
            let kind = cells.get(3)?;
            assert!(
                ["gixy wrong", "not nginx", "limitation"].contains(kind),
                "docs/gixy.md: unknown kind `{kind}` for {check}/{file}"
            );
            file.ends_with(".conf")
                .then(|| ((check.to_string(), file.to_string()), kind.to_string()))
        })
        .collect()
}

/// `# Options: {...}` on a fixture's first line: gixy's plugin options,
/// as the rule's parameters (lists joined by commas).
fn settings_for(fixture: &str, rule: &str) -> String {
    let mut out = format!("[params.{rule}]\n");
    let Some(json) = fixture
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# Options: "))
    else {
        return String::new();
    };
    let options: serde_json::Value = serde_json::from_str(json).expect("options are JSON");
    for (key, value) in options.as_object().into_iter().flatten() {
        if key.starts_with("__") {
            continue;
        }
        let value = match value {
            serde_json::Value::Array(items) => serde_json::Value::String(
                items
                    .iter()
                    .map(|i| i.as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            other => other.clone(),
        };
        let _ = writeln!(out, "{key} = {value}");
    }
    out
}

/// The number of findings of `rule` on `file`, read as a configuration
/// of its own and checked in `dir` (where the settings are); `Err` with
/// ngxfix's message when it refuses the file (exit 2). Every finding
/// counts, whatever path it names: an `nginx -T` dump reports the file
/// names written inside it, not the dump's own.
fn findings(rule: &str, file: &Path, dir: &Path) -> Result<usize, String> {
    let args = [
        "check",
        "--select",
        rule,
        "--nginx-version",
        "1.29.6",
        "--format",
        "json",
        "--exit-zero",
        file.to_str().unwrap(),
    ];
    let out = run(&args, None, Some(dir));
    if out.status.code() == Some(2) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(stderr.lines().next().unwrap_or_default().to_string());
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    Ok(report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule)
        .count())
}

/// Copy the files of `from` (one level) into `to`.
fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn gixy_fixtures_agree_with_the_built_in_rules() {
    let Some(fixtures) = sdist() else {
        return;
    };
    let rules = ngxfix::rules::load::builtin().unwrap();
    let fixable: BTreeSet<&str> = rules
        .iter()
        .filter(|r| ngxfix::output::rule_docs::fixable(r) != "no")
        .map(|r| r.id.as_str())
        .collect();
    let work = tempfile::tempdir().unwrap();
    let mut checks: Vec<PathBuf> = fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    checks.sort();
    let mut disagreements: BTreeSet<(String, String)> = BTreeSet::new();
    let mut per_check: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = String::new();
    let mut fixed = 0;
    for check_dir in &checks {
        let check = check_dir.file_name().unwrap().to_str().unwrap().to_string();
        let rule = check.replace('_', "-");
        assert!(
            rules.iter().any(|r| r.id == rule),
            "gixy's check {check} has no built-in rule {rule}"
        );
        let mut names: Vec<String> = fs::read_dir(check_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_str().unwrap().to_string())
            .filter(|n| n.ends_with(".conf"))
            .collect();
        names.sort();
        // Each fixture in a copy of its folder (some include their
        // neighbours), with the settings its `# Options:` line gives, and
        // checked as a configuration of its own: one ngxfix run each.
        let mut results: BTreeMap<String, Result<usize, String>> = BTreeMap::new();
        for name in &names {
            let text = fs::read_to_string(check_dir.join(name)).unwrap();
            let dir = work.path().join(&check).join(name);
            copy_folder(check_dir, &dir);
            fs::write(dir.join("ngxfix.toml"), settings_for(&text, &rule)).unwrap();
            let copy = dir.join(name);
            let found = findings(&rule, &copy, &dir);
            results.insert(name.clone(), found);
        }
        for (name, found) in results {
            let dir = work.path().join(&check).join(&name);
            let copy = dir.join(&name);
            let text = fs::read_to_string(&copy).unwrap();
            let expected = !name.ends_with("_fp.conf");
            let agrees = found
                .as_ref()
                .is_ok_and(|&n| if expected { n > 0 } else { n == 0 });
            let tally = per_check.entry(check.clone()).or_default();
            tally.1 += 1;
            if agrees {
                tally.0 += 1;
            } else {
                disagreements.insert((check.clone(), name.clone()));
            }
            // The fix, where the rule fires and has one.
            if !(found.is_ok_and(|n| n > 0) && fixable.contains(rule.as_str())) {
                continue;
            }
            let path = copy.to_str().unwrap();
            // ngxfix never writes into an `nginx -T` dump (its files are
            // copies of the server's): the fix must come out as a patch.
            if text.starts_with("# configuration file ") {
                let out = run(
                    &[
                        "fix",
                        "--unsafe-fixes",
                        "--dry-run",
                        "--select",
                        &rule,
                        path,
                    ],
                    None,
                    Some(&dir),
                );
                if out.status.code() != Some(1) || !out.stdout.starts_with(b"--- ") {
                    let _ = writeln!(
                        failures,
                        "{check}/{name}: no patch for the dump:\n{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                fixed += 1;
                continue;
            }
            let out = run(
                &["fix", "--unsafe-fixes", "--select", &rule, path],
                None,
                Some(&dir),
            );
            if out.status.code() == Some(2) {
                let _ = writeln!(
                    failures,
                    "{check}/{name}: fix failed:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                continue;
            }
            fixed += usize::from(fs::read_to_string(&copy).unwrap() != text);
            let again = run(
                &[
                    "fix",
                    "--unsafe-fixes",
                    "--dry-run",
                    "--no-verify",
                    "--select",
                    &rule,
                    path,
                ],
                None,
                Some(&dir),
            );
            if !again.stdout.is_empty() {
                let _ = writeln!(
                    failures,
                    "{check}/{name}: a second fix still changes:\n{}",
                    String::from_utf8_lossy(&again.stdout)
                );
            }
        }
    }
    let (agreed, total) = per_check
        .values()
        .fold((0, 0), |(a, t), (ca, ct)| (a + ca, t + ct));
    eprintln!("gixy-next 0.9.0 fixtures: {agreed}/{total} agree; {fixed} fixed");
    for (check, (a, t)) in &per_check {
        eprintln!(
            "  {check:40} {a:3}/{t:3} {:5.1}%",
            100.0 * *a as f64 / *t as f64
        );
    }
    let listed = documented();
    let unexplained: Vec<_> = disagreements
        .iter()
        .filter(|d| !listed.contains_key(*d))
        .collect();
    let stale: Vec<_> = listed
        .keys()
        .filter(|d| !disagreements.contains(*d))
        .collect();
    assert!(
        unexplained.is_empty(),
        "disagreements docs/gixy.md does not list: {unexplained:?}"
    );
    assert!(
        stale.is_empty(),
        "docs/gixy.md lists disagreements that no longer happen: {stale:?}"
    );
    assert!(
        agreed * 100 >= total * 95,
        "{agreed}/{total} is under the 95% target"
    );
    // A check may sit under 90% only when every fixture it disagrees on is
    // one where gixy is wrong or nginx itself refuses the configuration:
    // an ngxfix limitation counts against the target.
    for (check, (a, t)) in &per_check {
        let limitations: Vec<&str> = listed
            .iter()
            .filter(|((c, _), kind)| c == check && kind.as_str() == "limitation")
            .map(|((_, file), _)| file.as_str())
            .collect();
        assert!(
            a * 100 >= t * 90 || limitations.is_empty(),
            "{check}: {a}/{t} is under the 90% target with ngxfix limitations {limitations:?}"
        );
    }
    assert!(failures.is_empty(), "{failures}");
}
