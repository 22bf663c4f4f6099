//! Running the `[[test]]` examples embedded in rule files: each is
//! checked, and its fix run through the fix loop, so this module stands
//! above [`crate::fix`].

use std::collections::BTreeMap;

use std::path::Path;

use crate::backends::BackendFile;
use crate::config::dump::DumpedFile;
use crate::config::{ConfigTree, LoadOptions};
use crate::fix::session::{self, ApproveAll, Job, Policy, Stop, MAX_PASSES};
use crate::model::accepts;
use crate::model::{Model, Version};
use crate::rules::engine::{run, Finding, RunOptions};
use crate::rules::facts::{no_files, parse_front, parse_spec, Facts, Spec};
use crate::rules::load::Rule;
use crate::rules::schema::{Safety, Test, TestSafety};

/// The outcome of one embedded test.
#[derive(Debug, Clone)]
pub struct ExampleOutcome {
    pub rule: String,
    /// 1-based position among the rule's tests.
    pub index: usize,
    pub name: Option<String>,
    /// Line of the `[[test]]` table in the rule file.
    pub line: u32,
    /// `None` when it passed, else what differed.
    pub failure: Option<String>,
}

impl ExampleOutcome {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Run every test of `rule`.
pub fn run_tests(rule: &Rule) -> Vec<ExampleOutcome> {
    rule.tests
        .iter()
        .enumerate()
        .map(|(i, (test, line))| ExampleOutcome {
            rule: rule.id.clone(),
            index: i + 1,
            name: test.name.clone(),
            line: *line,
            failure: run_one(rule, test).err(),
        })
        .collect()
}

/// The test's configuration: a main file, or a fragment in its context.
fn load(test: &Test) -> Result<ConfigTree, String> {
    load_text(test, &test.config)
}

/// `text` read as the test reads its configuration.
fn load_text(test: &Test, text: &str) -> Result<ConfigTree, String> {
    let file = DumpedFile {
        path: "test.conf".into(),
        text: text.as_bytes().to_vec(),
    };
    let Some(context) = test.context else {
        return ConfigTree::load_dump(vec![file]).map_err(|e| e.to_string());
    };
    let lenient = LoadOptions {
        lenient: true,
        ..LoadOptions::default()
    };
    let tree = ConfigTree::load_dump_with(vec![file], &lenient).map_err(|e| e.to_string())?;
    Ok(tree.in_context(context, Path::new("")))
}

/// The nginx version a test runs with.
fn version(test: &Test) -> Result<Version, String> {
    match &test.nginx {
        Some(v) => v
            .parse()
            .map_err(|e: crate::model::VersionError| e.to_string()),
        None => Ok(Version::ASSUMED),
    }
}

fn check(rule: &Rule, test: &Test, options: &RunOptions) -> Result<Vec<Finding>, String> {
    let config = load(test)?;
    let model = Model::new(&config, version(test)?);
    Ok(run(std::slice::from_ref(rule), &model, options))
}

fn run_one(rule: &Rule, test: &Test) -> Result<(), String> {
    let mut facts = Facts::default();
    for (name, spec) in &test.backends {
        let spec = parse_spec(spec).map_err(|e| e.to_string())?;
        let backend = match spec {
            Spec::File {
                format,
                major,
                path,
            } => {
                let text = test.files.get(path.to_str().unwrap_or_default());
                let text = text.ok_or_else(|| format!("{}: not in files", path.display()))?;
                let file = BackendFile {
                    path,
                    format,
                    version: major,
                    text: text.clone(),
                };
                facts
                    .declare_file(name, file, "test")
                    .map_err(|e| e.to_string())?
            }
            spec => facts
                .declare(name, spec, "test", Path::new(""), &no_files)
                .map_err(|e| e.to_string())?,
        };
        if let Some(prefer) = test.prefer {
            backend.prefer = prefer;
        }
    }
    if let Some(spec) = &test.assume_backend {
        let spec = parse_spec(spec).map_err(|e| e.to_string())?;
        facts.assume(spec, "test").map_err(|e| e.to_string())?;
    }
    if let Some(front) = &test.front_lb {
        facts.front = Some(parse_front(front, "test").map_err(|e| e.to_string())?);
    }
    let params: BTreeMap<String, String> = test
        .params
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    let options = RunOptions {
        params: BTreeMap::from([(rule.id.clone(), params)]),
        facts,
        report_unused_suppressions: false,
        known_rules: Vec::new(),
        known_directives: Default::default(),
        file_ignores: Default::default(),
        fix_values: false,
    };
    let findings =
        check(rule, test, &options).map_err(|e| format!("the test config does not load: {e}"))?;
    let lines: Vec<u32> = findings.iter().map(|f| f.start.line).collect();
    if let Some(expected) = test.findings {
        if findings.len() != expected {
            return Err(format!(
                "expected {expected} finding(s), got {} (on lines {lines:?})",
                findings.len()
            ));
        }
    }
    if let Some(expected) = &test.lines {
        if &lines != expected {
            return Err(format!(
                "expected findings on lines {expected:?}, got {lines:?}"
            ));
        }
    }
    if let Some(expected) = test.severity {
        if let Some(f) = findings.iter().find(|f| f.severity != expected) {
            return Err(format!(
                "expected every finding to be {}, got {} on line {}",
                expected.as_str(),
                f.severity.as_str(),
                f.start.line
            ));
        }
    }
    if let Some(expected) = test.fix_safety {
        for f in &findings {
            let got = match f.fix.plan() {
                Some(plan) => match plan.safety {
                    Safety::Safe => TestSafety::Safe,
                    Safety::Unsafe => TestSafety::Unsafe,
                    Safety::DisplayOnly => TestSafety::DisplayOnly,
                },
                None => TestSafety::None,
            };
            if got != expected {
                return Err(format!(
                    "expected every fix to be {expected:?}, got {got:?} on line {}",
                    f.start.line
                ));
            }
        }
    }
    if test.fixed.is_some() || !test.fixed_files.is_empty() {
        let (fixed, files) = fix_to_fixed_point(rule, test, &options)?;
        // Whatever duplicates the example starts with are its own.
        let before = duplicates(test, &test.config)?;
        let added: Vec<String> = duplicates(test, &fixed)?
            .into_iter()
            .filter(|d| !before.contains(d))
            .collect();
        if !added.is_empty() {
            return Err(format!(
                "the fix writes a directive nginx refuses twice in one block: {}\n{fixed}",
                added.join("; ")
            ));
        }
        if let Some(expected) = test.fixed.as_ref().filter(|e| **e != fixed) {
            return Err(format!(
                "the fixed config differs\n--- expected\n{expected}\n--- got\n{fixed}"
            ));
        }
        for (path, expected) in &test.fixed_files {
            let got = files
                .files
                .iter()
                .find(|f| f.path.to_str() == Some(path.as_str()))
                .map(|f| f.text.as_str())
                .ok_or_else(|| format!("fixed_files: {path} is not a backend file of the test"))?;
            if got != expected {
                return Err(format!(
                    "the fixed {path} differs\n--- expected\n{expected}\n--- got\n{got}"
                ));
            }
        }
    }
    Ok(())
}

/// The directives `nginx -t` would refuse as duplicates in `text`.
fn duplicates(test: &Test, text: &str) -> Result<Vec<String>, String> {
    let config = load_text(test, text)?;
    Ok(accepts::duplicates(&Model::new(&config, version(test)?)))
}

/// Apply every fix (whatever its safety) with the loop `ngxfix fix` uses.
/// The fixed main file, and the facts with the backend files as fixed.
fn fix_to_fixed_point(
    rule: &Rule,
    test: &Test,
    options: &RunOptions,
) -> Result<(String, Facts), String> {
    let job = Job {
        rules: std::slice::from_ref(rule),
        options,
        version: version(test)?,
        policy: Policy {
            unsafe_fixes: true,
            display_only: true,
        },
    };
    let outcome = session::fix(&job, load(test)?, &mut ApproveAll).map_err(|e| e.to_string())?;
    if let Some(reverted) = outcome.reverted.first() {
        return Err(format!(
            "the fix was not applied: {}\n{}",
            reverted.reason, test.config
        ));
    }
    if outcome.stop == Stop::PassLimit {
        return Err(format!("fixes did not converge after {MAX_PASSES} passes"));
    }
    let entry = outcome.config.file(outcome.config.entry());
    let main = String::from_utf8(entry.tree.text().to_vec())
        .map_err(|_| "the fixed config is not UTF-8".to_string())?;
    Ok((main, outcome.facts))
}
