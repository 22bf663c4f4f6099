//! `ngxfix fix` over real configurations: every file of the shared corpus
//! and every example embedded in the built-in and example rules. Fixing
//! (unsafe fixes included) must leave each parsable, must not make nginx
//! reject a tree it accepted (ngxfix's own `nginx -t` check refuses that with
//! exit 2, which fails here), and a second run must change nothing.

use crate::common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{corpus_dir, files_under, is_config, run};
use ngxfix::model::Version;

/// Copy a directory tree (files and folders; symlinks as the files they
/// point to). The copies are writable (0644) whatever the checkout made of
/// the corpus: a read-only file is fixed with a note, which is tested in
/// `write_safety.rs`, not here.
fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for file in files_under(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(&file, &target).unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
    }
}

/// Ways to make a whole configuration of a file: as it is, or included in
/// the context its top-level directives belong to.
const WRAPPERS: [(&str, &str); 4] = [
    ("as is", ""),
    ("in http{}", "events {}\nhttp {\n    include FILE;\n}\n"),
    (
        "in server{}",
        "events {}\nhttp {\n    server {\n        listen 127.0.0.1:8080;\n        include FILE;\n    }\n}\n",
    ),
    (
        "in location{}",
        "events {}\nhttp {\n    server {\n        listen 127.0.0.1:8080;\n        location / {\n            include FILE;\n        }\n    }\n}\n",
    ),
];

fn nginx_accepts(main: &Path, prefix: &Path) -> bool {
    Command::new("nginx")
        .arg("-t")
        .arg("-q")
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(main)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// The main file to fix `file` through: the first wrapper nginx accepts,
/// else one chosen by the file's top-level directives.
fn main_for(file: &Path, nginx: bool, prefix: &Path) -> (PathBuf, &'static str, bool) {
    let wrapper_path = file.with_extension("ngxfix-wrapper");
    let make = |index: usize| -> PathBuf {
        if index == 0 {
            return file.to_path_buf();
        }
        let text = WRAPPERS[index]
            .1
            .replace("FILE", &file.display().to_string());
        fs::write(&wrapper_path, text).unwrap();
        wrapper_path.clone()
    };
    if nginx {
        for (index, (how, _)) in WRAPPERS.iter().enumerate() {
            let main = make(index);
            if nginx_accepts(&main, prefix) {
                return (main, how, true);
            }
        }
    }
    let text = String::from_utf8_lossy(&fs::read(file).unwrap()).into_owned();
    let starts = |name: &str| {
        text.lines()
            .any(|l| l.starts_with(&format!("{name} ")) || l.starts_with(&format!("{name}{{")))
    };
    // http-level directives (server, upstream, proxy_*...) go in http{}.
    let index = if starts("http") || starts("events") || starts("stream") {
        0
    } else if starts("location") {
        2
    } else {
        1
    };
    (make(index), WRAPPERS[index].0, false)
}

/// `ngxfix fix --unsafe-fixes` with the built-in rules and those of
/// `examples/rules/` (which fire on far more of the corpus).
fn fix(main: &Path, extra: &[&str]) -> std::process::Output {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules");
    let examples = examples.display().to_string();
    let mut args = vec!["fix", "--unsafe-fixes", "--rules", &examples];
    args.extend_from_slice(extra);
    let main = main.display().to_string();
    args.push(&main);
    run(&args, None, None)
}

/// The built-in rules' findings on one tree, by rule, for an nginx
/// version (before and since 1.29.7 the defaults differ).
fn count_findings(
    main: &Path,
    version: &str,
    counts: &mut BTreeMap<String, [usize; 2]>,
    slot: usize,
) {
    let out = run(
        &[
            "check",
            "--format",
            "json",
            "--nginx-version",
            version,
            main.to_str().unwrap(),
        ],
        None,
        None,
    );
    assert_ne!(
        out.status.code(),
        Some(2),
        "check {}: {}",
        main.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("check --format json prints JSON");
    for finding in report["findings"].as_array().into_iter().flatten() {
        if let Some(rule) = finding["rule"].as_str() {
            counts.entry(rule.to_string()).or_default()[slot] += 1;
        }
    }
}

#[test]
fn fixing_the_corpus_is_safe_and_idempotent() {
    let nginx = common::nginx_available();
    let work = tempfile::tempdir().unwrap();
    let corpus = work.path().join("corpus");
    copy_tree(&corpus_dir(), &corpus);
    let prefix = work.path().join("prefix");
    fs::create_dir_all(prefix.join("logs")).unwrap();

    let (mut tried, mut accepted, mut changed, mut fixes, mut verified) = (0, 0, 0, 0, 0);
    let mut failures = String::new();
    // rule → [findings assuming 1.24.0, findings assuming 1.30.0]
    let mut counts: BTreeMap<String, [usize; 2]> = BTreeMap::new();
    for file in files_under(&corpus).into_iter().filter(|p| is_config(p)) {
        let name = file.strip_prefix(&corpus).unwrap().display().to_string();
        // Files nginx refuses to parse are not for fixing.
        let parsed = run(
            &[
                "parse",
                "--no-includes",
                "--format",
                "stats",
                file.to_str().unwrap(),
            ],
            None,
            None,
        );
        if !parsed.status.success() {
            continue;
        }
        let (main, how, nginx_ok) = main_for(&file, nginx, &prefix);
        // A file whose includes are not in the corpus cannot load.
        let loads = run(
            &["parse", "--format", "stats", main.to_str().unwrap()],
            None,
            None,
        );
        if !loads.status.success() {
            continue;
        }
        tried += 1;
        accepted += usize::from(nginx_ok);
        count_findings(&main, "1.24.0", &mut counts, 0);
        count_findings(&main, "1.30.0", &mut counts, 1);
        let before = fs::read(&file).unwrap();
        let out = fix(&main, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() == Some(2)
            || stderr.contains("warning: ") && !stderr.contains("too, so the fixes")
        {
            let _ = writeln!(
                failures,
                "{name} ({how}): exit {:?}\n{stderr}",
                out.status.code()
            );
            continue;
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        if let Some(line) = stdout.lines().find(|l| l.starts_with("Fixed ")) {
            changed += 1;
            // Checked here too, not only by ngxfix's own nginx -t run.
            if nginx_ok {
                verified += 1;
                if !nginx_accepts(&main, &prefix) {
                    let _ = writeln!(failures, "{name} ({how}): nginx -t rejects the fixed tree");
                }
            }
            fixes += line
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
        }
        if fs::read(&file).unwrap() != before
            && !run(
                &["parse", "--format", "stats", main.to_str().unwrap()],
                None,
                None,
            )
            .status
            .success()
        {
            let _ = writeln!(failures, "{name} ({how}): the fixed tree does not parse");
        }
        let again = fix(&main, &["--dry-run", "--no-verify"]);
        if again.status.code() != Some(0) || !again.stdout.is_empty() {
            let _ = writeln!(
                failures,
                "{name} ({how}): a second run still changes:\n{}{}",
                String::from_utf8_lossy(&again.stdout),
                String::from_utf8_lossy(&again.stderr)
            );
        }
    }
    eprintln!(
        "corpus: {tried} trees fixed ({accepted} accepted by nginx -t before fixing), \
         {changed} changed by {fixes} fixes, {verified} of them checked by nginx -t"
    );
    eprintln!("built-in rule findings before fixing (nginx 1.24.0 / 1.30.0):");
    for (rule, [old, new]) in &counts {
        eprintln!("  {rule:40} {old:5} {new:5}");
    }
    assert!(tried > 100, "only {tried} corpus files could be tried");
    assert!(
        !nginx || verified > 50,
        "only {verified} fixed trees were checked by nginx"
    );
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn rule_examples_are_fixed_in_one_run() {
    let mut rules = ngxfix::rules::load::builtin().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules");
    let example_files: Vec<PathBuf> = files_under(&examples)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    for path in &example_files {
        rules.extend(ngxfix::disk::rules::from_path(path).unwrap());
    }
    // The installed nginx judges the examples written for its version or
    // older: `keepalive 0` of a 1.30 example is not for nginx 1.22.
    let installed = common::nginx_available()
        .then(|| {
            let out = Command::new("nginx").arg("-v").output().ok()?;
            Version::from_nginx_v(&String::from_utf8_lossy(&out.stderr))
        })
        .flatten();
    let (mut checked, mut accepted) = (0, 0);
    let mut failures = String::new();
    for rule in &rules {
        for (index, (test, _)) in rule.tests.iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            let prefix = dir.path().join("prefix");
            fs::create_dir_all(prefix.join("logs")).unwrap();
            // An http-only example becomes a whole configuration, so that
            // nginx -t can judge it before and after the fix.
            let config = if test.config.starts_with("http") && !test.config.contains("events") {
                format!("events {{}}\n{}", test.config)
            } else {
                test.config.clone()
            };
            let main = dir.path().join("nginx.conf");
            fs::write(&main, &config).unwrap();
            let version: Version = match &test.nginx {
                Some(v) => v.parse().unwrap(),
                None => Version::ASSUMED,
            };
            let judged = installed.is_some_and(|i| version <= i || test.nginx.is_none());
            let nginx_ok = judged && nginx_accepts(&main, &prefix);
            // The example's parameters, each of its kind (`true`, not
            // `"true"`: a boolean parameter refuses text).
            let mut settings = String::new();
            if !test.params.is_empty() {
                let _ = writeln!(settings, "[params.{}]", rule.id);
            }
            for (key, value) in &test.params {
                use ngxfix::rules::schema::ParamValue;
                let value = match value {
                    ParamValue::Text(text) => format!("{text:?}"),
                    ParamValue::List(items) => format!("{items:?}"),
                    other => other.to_string(),
                };
                let _ = writeln!(settings, "{key} = {value}");
            }
            fs::write(dir.path().join("ngxfix.toml"), settings).unwrap();
            let mut args: Vec<String> = ["fix", "--unsafe-fixes", "--no-verify"]
                .map(String::from)
                .to_vec();
            for path in &example_files {
                args.push("--rules".into());
                args.push(path.display().to_string());
            }
            if let Some(version) = &test.nginx {
                args.extend(["--nginx-version".into(), version.clone()]);
            }
            for (name, spec) in &test.backends {
                args.extend(["--backend".into(), format!("{name}={spec}")]);
            }
            // Backend files are edited too (--prefer backend): the second
            // run must leave them alone as well.
            for (path, text) in &test.files {
                fs::write(dir.path().join(path), text).unwrap();
            }
            if let Some(prefer) = test.prefer {
                args.extend(["--prefer".into(), prefer.as_str().into()]);
            }
            if let Some(front) = &test.front_lb {
                args.extend(["--front-lb".into(), front.clone()]);
            }
            args.push("nginx.conf".into());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let first = run(&args, None, Some(dir.path()));
            let once = fs::read(dir.path().join("nginx.conf")).unwrap();
            let mut again = args.clone();
            again.insert(1, "--dry-run");
            let second = run(&again, None, Some(dir.path()));
            checked += 1;
            if nginx_ok {
                accepted += 1;
                if !nginx_accepts(&main, &prefix) {
                    let _ = writeln!(
                        failures,
                        "{} test {}: nginx -t accepts the example but not its fix:\n{}",
                        rule.id,
                        index + 1,
                        String::from_utf8_lossy(&once)
                    );
                }
            }
            if first.status.code() == Some(2)
                || second.status.code() != Some(0)
                || !second.stdout.is_empty()
            {
                let _ = writeln!(
                    failures,
                    "{} test {}: first exit {:?}, second exit {:?}\n{}{}\n--- after the first run:\n{}",
                    rule.id,
                    index + 1,
                    first.status.code(),
                    second.status.code(),
                    String::from_utf8_lossy(&first.stderr),
                    String::from_utf8_lossy(&second.stdout),
                    String::from_utf8_lossy(&once)
                );
            }
        }
    }
    eprintln!("rule examples: {checked} fixed, {accepted} of them accepted by nginx -t before and checked after");
    assert!(checked >= 100, "only {checked} examples");
    assert!(
        installed.is_none() || accepted >= 40,
        "only {accepted} examples were judged by nginx -t"
    );
    assert!(failures.is_empty(), "{failures}");
}
