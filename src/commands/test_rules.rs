//! `ngxfix test-rules`.

use std::io::Write;

use anyhow::Context;

use crate::cli::TestRulesArgs;
use ngxfix::disk::settings;
use ngxfix::rule_examples as testing;
use ngxfix::rules::{load, Rule};

/// Run the embedded examples; exit status 1 if any fails.
pub fn run(args: &TestRulesArgs, out: &mut impl Write) -> anyhow::Result<u8> {
    let rules: Vec<Rule> = if args.paths.is_empty() {
        let cwd = std::env::current_dir().context("reading the working directory")?;
        let settings = settings::load(args.config.as_deref(), &cwd)?;
        let mut rules = load::builtin()?;
        for path in settings.rule_paths() {
            rules.extend(ngxfix::disk::rules::from_path(&path)?);
        }
        rules
    } else {
        let mut rules = Vec::new();
        for path in &args.paths {
            rules.extend(ngxfix::disk::rules::from_path(path)?);
        }
        rules
    };
    load::check_unique(&rules)?;
    let (mut passed, mut failed, mut untested) = (0, 0, Vec::new());
    for rule in &rules {
        if rule.tests.is_empty() {
            untested.push(rule.id.as_str());
        }
        for outcome in testing::run_tests(rule) {
            let name = outcome.name.as_deref().map_or_else(
                || format!("test {}", outcome.index),
                |n| format!("test {} ({n})", outcome.index),
            );
            match &outcome.failure {
                None => {
                    passed += 1;
                    writeln!(out, "ok     {} {name}", rule.id)?;
                }
                Some(why) => {
                    failed += 1;
                    writeln!(
                        out,
                        "FAILED {} {name} at {}:{}",
                        rule.id, rule.origin, outcome.line
                    )?;
                    for line in why.lines() {
                        writeln!(out, "       {line}")?;
                    }
                }
            }
        }
    }
    writeln!(
        out,
        "\n{passed} passed, {failed} failed; {} rules{}",
        rules.len(),
        if untested.is_empty() {
            String::new()
        } else {
            format!(
                " ({} without tests: {})",
                untested.len(),
                untested.join(", ")
            )
        }
    )?;
    Ok(u8::from(failed > 0))
}
