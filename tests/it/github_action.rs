//! The composite GitHub Action (`action.yml`), which cannot run here: its
//! shell steps are parsed with `bash -n`, and then run in order as the
//! runner runs them (`bash --noprofile --norc -eo pipefail`, the step's
//! `env:` with its `${{ }}` expressions filled in, `GITHUB_OUTPUT` and
//! `GITHUB_PATH` honoured, `if:` evaluated, a failing step ending the
//! job) on a repository with nginx configurations, with the ngxfix built
//! for these tests. The steps that use other actions (cache, SARIF upload)
//! are only checked for their inputs; `cargo install` is a stand-in that
//! records its arguments (each checked against `cargo install --help`) and
//! installs the built binary.
//!
//! action.yml is read with PyYAML (pre-commit's own dependency): skipped
//! without python3 and PyYAML, unless `NGXFIX_REQUIRE_PRECOMMIT=1`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use regex::Regex;
use serde_json::Value;

/// action.yml as JSON, through PyYAML; `None` (a skip) without it. A
/// file PyYAML cannot read fails the test.
fn action() -> Option<Value> {
    let has_yaml = Command::new("python3")
        .args(["-c", "import yaml"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_yaml {
        assert!(
            std::env::var_os("NGXFIX_REQUIRE_PRECOMMIT").is_none_or(|v| v != "1"),
            "NGXFIX_REQUIRE_PRECOMMIT=1 but python3 cannot import yaml (PyYAML)"
        );
        eprintln!("python3 with PyYAML is not available: skipped");
        return None;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "action.yml is not valid YAML: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

fn steps(action: &Value) -> &Vec<Value> {
    action["runs"]["steps"].as_array().expect("runs.steps")
}

fn expression() -> Regex {
    Regex::new(r"\$\{\{\s*(.*?)\s*\}\}").unwrap()
}

#[test]
fn the_action_is_a_composite_whose_scripts_parse() {
    let Some(action) = action() else { return };
    assert_eq!(action["runs"]["using"], "composite");
    for key in ["name", "description"] {
        assert!(action[key].is_string(), "{key}");
    }
    let inputs = action["inputs"].as_object().unwrap();
    for (name, input) in inputs {
        assert!(input["description"].is_string(), "input {name}");
        assert!(
            input["required"] == Value::Bool(true) || input.get("default").is_some(),
            "input {name}: required, or a default"
        );
    }
    let expressions = expression();
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    for found in expressions.captures_iter(&text) {
        if let Some(name) = found[1].strip_prefix("inputs.") {
            assert!(
                inputs.contains_key(name),
                "${{{{ inputs.{name} }}}} is not declared"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    for (i, step) in steps(&action).iter().enumerate() {
        let name = step["name"].as_str().expect("every step has a name");
        if let Some(uses) = step["uses"].as_str() {
            // An action at a major version tag, as its maintainers publish.
            let (_, version) = uses.split_once('@').expect("uses: OWNER/REPO@VERSION");
            assert!(
                version.starts_with('v') && version[1..].parse::<u32>().is_ok(),
                "{name}: {uses}"
            );
            continue;
        }
        let script = step["run"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: run or uses"));
        assert_eq!(
            step["shell"], "bash",
            "{name}: composite steps name their shell"
        );
        // Inputs reach the script through env:, not spliced into it.
        assert!(
            !expressions.is_match(script),
            "{name}: an expression inside run: (use env:)"
        );
        let file = dir.path().join(format!("step-{i}.sh"));
        fs::write(&file, script).unwrap();
        let parsed = Command::new("bash").arg("-n").arg(&file).output().unwrap();
        assert!(
            parsed.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&parsed.stderr)
        );
    }
}

/// A job run of the action's steps: what each did.
struct Job {
    /// Each step's name and exit code (`None`: skipped by its `if:`, or
    /// an action, not run here).
    steps: Vec<(String, Option<i32>)>,
    /// Everything the steps printed.
    log: String,
    /// The arguments the `cargo` stand-in was called with.
    cargo_calls: Vec<String>,
}

impl Job {
    fn code(&self, step: &str) -> Option<i32> {
        self.steps
            .iter()
            .find(|(name, _)| name == step)
            .unwrap_or_else(|| panic!("no step {step} ran or was skipped: {:?}", self.steps))
            .1
    }
}

/// The value of a `${{ }}` expression's inside.
fn context(
    expr: &str,
    inputs: &BTreeMap<&str, String>,
    outputs: &BTreeMap<String, String>,
    tools: &Path,
) -> String {
    if let Some(name) = expr.strip_prefix("inputs.") {
        return inputs
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("input {name} has no value"));
    }
    if let Some(rest) = expr.strip_prefix("steps.") {
        let (id, output) = rest.split_once(".outputs.").expect("steps.ID.outputs.NAME");
        // A missing output is empty, as on GitHub.
        return outputs
            .get(&format!("{id}.{output}"))
            .cloned()
            .unwrap_or_default();
    }
    match expr {
        "runner.tool_cache" => tools.display().to_string(),
        "runner.os" => "Linux".to_string(),
        "runner.arch" => "X64".to_string(),
        other => panic!("an expression the test does not know: {other}"),
    }
}

/// `LEFT == 'text'` or `LEFT != 'text'`, the conditions the action uses.
fn condition(text: &str, value: &dyn Fn(&str) -> String) -> bool {
    let text = text.trim();
    let text = text
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .unwrap_or(text)
        .trim();
    let (left, op, right) = [" == ", " != "]
        .iter()
        .find_map(|op| text.split_once(op).map(|(l, r)| (l.trim(), *op, r.trim())))
        .unwrap_or_else(|| panic!("a condition the test does not know: {text}"));
    let literal = right
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .unwrap_or_else(|| panic!("compared with a string literal: {text}"));
    (value(left) == literal) == (op == " == ")
}

/// A stand-in for `cargo`: records its arguments; `install ... --root R`
/// puts the built ngxfix in R/bin.
fn fake_cargo(bin: &Path, calls: &Path) {
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{calls}'\nroot=\nwhile [ $# -gt 0 ]; do\n  if [ \"$1\" = --root ]; then root=$2; fi\n  shift\ndone\n[ -n \"$root\" ] || exit 3\nmkdir -p \"$root/bin\" && ln -sf '{ngxfix}' \"$root/bin/ngxfix\"\n",
        calls = calls.display(),
        ngxfix = env!("CARGO_BIN_EXE_ngxfix"),
    );
    let path = bin.join("cargo");
    fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Run the action's steps in `repo` with `given` inputs (the others at
/// their defaults).
fn run_job(action: &Value, repo: &Path, given: &[(&'static str, &str)]) -> Job {
    let scratch = repo.join("../runner");
    let (tools, bin) = (scratch.join("tools"), scratch.join("bin"));
    fs::create_dir_all(&tools).unwrap();
    fs::create_dir_all(&bin).unwrap();
    let calls = scratch.join("cargo-calls");
    fs::write(&calls, "").unwrap();
    fake_cargo(&bin, &calls);
    let mut inputs: BTreeMap<&str, String> = BTreeMap::new();
    for (name, input) in action["inputs"].as_object().unwrap() {
        if let Some(default) = input.get("default") {
            inputs.insert(name, default.as_str().unwrap().to_string());
        }
    }
    for (name, value) in given {
        assert!(action["inputs"].get(*name).is_some(), "no input {name}");
        inputs.insert(name, value.to_string());
    }
    let mut outputs: BTreeMap<String, String> = BTreeMap::new();
    let mut path: Vec<PathBuf> = vec![bin.clone()];
    let expressions = expression();
    let mut job = Job {
        steps: Vec::new(),
        log: String::new(),
        cargo_calls: Vec::new(),
    };
    for (i, step) in steps(action).iter().enumerate() {
        let name = step["name"].as_str().unwrap().to_string();
        let value = |expr: &str| context(expr, &inputs, &outputs, &tools);
        let fill = |text: &str| {
            expressions
                .replace_all(text, |c: &regex::Captures| value(&c[1]))
                .into_owned()
        };
        let runs = step["if"].as_str().is_none_or(|c| condition(c, &value));
        let Some(script) = step["run"].as_str().filter(|_| runs) else {
            // An action's inputs must still resolve.
            if let Some(with) = step["with"].as_object() {
                for text in with.values() {
                    fill(text.as_str().unwrap());
                }
            }
            job.steps.push((name, None));
            continue;
        };
        let github_output = scratch.join(format!("output-{i}"));
        let github_path = scratch.join(format!("path-{i}"));
        fs::write(&github_output, "").unwrap();
        fs::write(&github_path, "").unwrap();
        let file = scratch.join(format!("step-{i}.sh"));
        fs::write(&file, script).unwrap();
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(repo)
            .env("GITHUB_OUTPUT", &github_output)
            .env("GITHUB_PATH", &github_path)
            .env(
                "PATH",
                std::env::join_paths(path.iter().cloned().chain(std::env::split_paths(
                    &std::env::var_os("PATH").unwrap_or_default(),
                )))
                .unwrap(),
            )
            // The runner has no nginx: the version is given or assumed.
            .env("NGXFIX_NGINX", "")
            .stdin(Stdio::null());
        for (key, text) in step["env"].as_object().into_iter().flatten() {
            command.env(key, fill(text.as_str().unwrap()));
        }
        let output = command.output().unwrap();
        job.log.push_str(&format!(
            "== {name}\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
        let code = output.status.code();
        job.steps.push((name, code));
        if let Some(id) = step["id"].as_str() {
            for line in fs::read_to_string(&github_output).unwrap().lines() {
                let (key, value) = line.split_once('=').expect("NAME=VALUE");
                outputs.insert(format!("{id}.{key}"), value.to_string());
            }
        }
        for line in fs::read_to_string(&github_path).unwrap().lines().rev() {
            path.insert(0, PathBuf::from(line));
        }
        if code != Some(0) {
            break; // a failing step ends the job
        }
    }
    job.cargo_calls = fs::read_to_string(&calls)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    job
}

/// A repository with an nginx tree: the site file has errors, nginx.conf
/// only info findings.
fn repo(dir: &Path) -> PathBuf {
    let repo = dir.join("repo");
    fs::create_dir_all(repo.join("nginx/conf.d")).unwrap();
    fs::write(
        repo.join("nginx/nginx.conf"),
        "events {}\nhttp {\n    server_tokens off;\n    include conf.d/*.conf;\n}\n",
    )
    .unwrap();
    fs::write(
        repo.join("nginx/conf.d/app.conf"),
        "upstream app {\n    server 127.0.0.1:8000;\n    keepalive 8;\n}\nserver {\n    listen 80;\n    location / {\n        proxy_pass http://app;\n    }\n}\n",
    )
    .unwrap();
    fs::write(
        repo.join("nginx/info-only.conf"),
        "events {}\nhttp {\n    server_tokens off;\n}\n",
    )
    .unwrap();
    repo
}

const STEPS: &[&str] = &[
    "Read the inputs",
    "Restore ngxfix from the cache",
    "Install ngxfix",
    "Put ngxfix on the PATH",
    "Check (SARIF report)",
    "Upload to code scanning",
    "Check (verdict)",
];

#[test]
fn the_action_reports_to_code_scanning_then_fails_on_errors() {
    let Some(action) = action() else { return };
    let dir = tempfile::tempdir().unwrap();
    let repo = repo(dir.path());
    let job = run_job(
        &action,
        &repo,
        &[
            ("paths", "nginx/nginx.conf"),
            ("version", "0.1.0"),
            ("args", "--nginx-version 1.29.6"),
        ],
    );
    let log = &job.log;
    let names: Vec<&str> = job.steps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, STEPS, "{log}");
    assert_eq!(job.code("Read the inputs"), Some(0), "{log}");
    // The cache is an action: not run here, so no hit, so cargo installs.
    assert_eq!(job.code("Restore ngxfix from the cache"), None);
    assert_eq!(job.code("Install ngxfix"), Some(0), "{log}");
    assert_eq!(job.cargo_calls.len(), 1, "{:?}", job.cargo_calls);
    let call = &job.cargo_calls[0];
    assert!(
        call.starts_with("install ngxfix --locked --version 0.1.0 --root ")
            && call.ends_with("/ngxfix/0.1.0"),
        "{call}"
    );
    // Each flag exists in the real cargo.
    if let Ok(help) = Command::new("cargo").args(["install", "--help"]).output() {
        let help = String::from_utf8_lossy(&help.stdout);
        for flag in call.split(' ').filter(|w| w.starts_with("--")) {
            assert!(help.contains(flag), "cargo install has no {flag}");
        }
    }
    assert_eq!(job.code("Put ngxfix on the PATH"), Some(0), "{log}");
    assert!(
        log.contains(&format!("ngxfix {}", env!("CARGO_PKG_VERSION"))),
        "{log}"
    );
    // The SARIF report, whatever was found.
    assert_eq!(job.code("Check (SARIF report)"), Some(0), "{log}");
    let sarif: Value =
        serde_json::from_slice(&fs::read(repo.join("ngxfix.sarif")).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "proxy-http-version"
            && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "nginx/conf.d/app.conf"),
        "{sarif}"
    );
    assert_eq!(job.code("Upload to code scanning"), None);
    // Errors were found: the verdict fails the job, in text.
    assert_eq!(job.code("Check (verdict)"), Some(1), "{log}");
    assert!(log.contains("error[proxy-http-version]"), "{log}");
}

#[test]
fn fail_on_decides_the_verdict_and_annotations_replace_code_scanning() {
    let Some(action) = action() else { return };
    let dir = tempfile::tempdir().unwrap();
    let repo = repo(dir.path());
    let base = [("version", "0.1.0"), ("args", "--nginx-version 1.29.6")];
    let with = |more: &[(&'static str, &'static str)]| {
        let mut all: Vec<(&'static str, &str)> = base.to_vec();
        all.extend_from_slice(more);
        all
    };
    // Errors, never failing, no SARIF upload: annotations, exit 0.
    let job = run_job(
        &action,
        &repo,
        &with(&[
            ("paths", "nginx/nginx.conf"),
            ("fail-on", "never"),
            ("sarif", "false"),
            ("cache", "false"),
        ]),
    );
    assert_eq!(job.code("Check (verdict)"), Some(0), "{}", job.log);
    assert!(
        job.log.contains("::error file=nginx/conf.d/app.conf"),
        "{}",
        job.log
    );
    assert_eq!(job.code("Upload to code scanning"), None);
    // Only info findings: `error` passes, `info` fails.
    let info_only = [("paths", "nginx/info-only.conf")];
    let job = run_job(&action, &repo, &with(&[info_only[0], ("fail-on", "error")]));
    assert_eq!(job.code("Check (verdict)"), Some(0), "{}", job.log);
    assert!(job.log.contains("info["), "{}", job.log);
    let job = run_job(&action, &repo, &with(&[info_only[0], ("fail-on", "info")]));
    assert_eq!(job.code("Check (verdict)"), Some(1), "{}", job.log);
    // Several paths, and a glob.
    let job = run_job(
        &action,
        &repo,
        &with(&[
            ("paths", "nginx/info-only.conf\nnginx/conf.d/*.conf"),
            ("fail-on", "warning"),
        ]),
    );
    assert_eq!(job.code("Check (verdict)"), Some(1), "{}", job.log);
    assert!(job.log.contains("nginx/conf.d/app.conf:"), "{}", job.log);
    // A wrong choice stops the job before anything is installed.
    let job = run_job(
        &action,
        &repo,
        &with(&[("paths", "nginx/nginx.conf"), ("fail-on", "sometimes")]),
    );
    assert_eq!(job.code("Read the inputs"), Some(2));
    assert!(
        job.log.contains("::error title=ngxfix::fail-on must be"),
        "{}",
        job.log
    );
    assert!(job.cargo_calls.is_empty());
    // A configuration ngxfix cannot read fails the job whatever the choice.
    fs::write(repo.join("nginx/broken.conf"), "http {\n").unwrap();
    let job = run_job(
        &action,
        &repo,
        &with(&[("paths", "nginx/broken.conf"), ("fail-on", "never")]),
    );
    assert_eq!(job.code("Check (SARIF report)"), Some(2), "{}", job.log);
}

/// Every ```yaml block of a page, parsed by PyYAML.
fn yaml_blocks(page: &str) -> Vec<Value> {
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(page)).unwrap();
    let mut blocks: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    let mut python = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; json.dump([yaml.safe_load(b) for b in json.load(sys.stdin)], sys.stdout)",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(&blocks).unwrap();
    use std::io::Write;
    python.stdin.take().unwrap().write_all(&input).unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{page}: a yaml block does not parse: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&output.stdout).unwrap()
}

/// Every string inside `value`.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[test]
fn the_documented_examples_use_the_hooks_inputs_and_flags_that_exist() {
    let Some(action) = action() else { return };
    let hooks_file = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(&hooks_file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let hooks: Value = serde_json::from_slice(&output.stdout).unwrap();
    let hook_ids: Vec<&str> = hooks
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(hook_ids, ["ngxfix-check", "ngxfix-fix"]);
    let inputs = action["inputs"].as_object().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let repo = repo(dir.path());
    let mut commands = 0;
    for page in ["docs/integrations.md", "docs/json-output.md"] {
        for block in yaml_blocks(page) {
            // pre-commit configurations name hooks that exist.
            for repo_entry in block["repos"].as_array().into_iter().flatten() {
                for hook in repo_entry["hooks"].as_array().unwrap() {
                    let id = hook["id"].as_str().unwrap();
                    assert!(hook_ids.contains(&id), "{page}: no hook {id}");
                }
            }
            // Workflows give the action inputs it has, and those it needs.
            let mut found = Vec::new();
            strings(&block, &mut found);
            let mut steps: Vec<&Value> = Vec::new();
            for job in block["jobs"]
                .as_object()
                .into_iter()
                .flat_map(|j| j.values())
            {
                steps.extend(job["steps"].as_array().into_iter().flatten());
            }
            for step in steps {
                if !step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("ngxfix/ngxfix@"))
                {
                    continue;
                }
                let with = step["with"].as_object().expect("the action's inputs");
                for key in with.keys() {
                    assert!(inputs.contains_key(key), "{page}: no input {key}");
                }
                for (name, input) in inputs {
                    if input["required"] == Value::Bool(true) {
                        assert!(with.contains_key(name), "{page}: {name} is required");
                    }
                }
            }
            // Every ngxfix command runs with the flags it names, on a
            // repository with an nginx/nginx.conf.
            for line in found.iter().flat_map(|s| s.lines()) {
                let words: Vec<&str> = line.split_whitespace().collect();
                let Some(at) = words
                    .iter()
                    .position(|w| *w == "ngxfix" || w.ends_with("/bin/ngxfix"))
                else {
                    continue;
                };
                // `test -x .ngxfix/bin/ngxfix || cargo install ...` installs.
                if at > 0 {
                    continue;
                }
                let output = Command::new(env!("CARGO_BIN_EXE_ngxfix"))
                    .args(&words[1..])
                    .current_dir(&repo)
                    .env("NGXFIX_NGINX", "")
                    .output()
                    .unwrap();
                assert!(
                    matches!(output.status.code(), Some(0 | 1)),
                    "{page}: `{line}` exits {:?}: {}",
                    output.status.code(),
                    String::from_utf8_lossy(&output.stderr)
                );
                commands += 1;
            }
        }
    }
    assert!(commands >= 4, "{commands} documented commands run");
}
