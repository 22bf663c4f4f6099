//! `ngxfix rules` and `ngxfix explain`.

use std::io::Write;

use anyhow::bail;

use crate::cli::{ExplainArgs, RulesArgs};
use ngxfix::output::rule_docs::{self, fixable};

/// The rule table (selected rules), or JSON.
pub fn list(args: &RulesArgs, out: &mut impl Write) -> anyhow::Result<u8> {
    let rules = super::rulesets::load(&args.source)?;
    if args.json {
        let list = rule_docs::list_json(&rules.selected);
        serde_json::to_writer_pretty(&mut *out, &list)?;
        writeln!(out)?;
        return Ok(0);
    }
    let width = rules
        .selected
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let category_width = rules
        .selected
        .iter()
        .map(|r| r.category.len())
        .max()
        .unwrap_or(8)
        .max(8);
    writeln!(
        out,
        "{:width$}  {:8}  {:category_width$}  {:12}  TITLE",
        "ID", "SEVERITY", "CATEGORY", "FIX"
    )?;
    for rule in &rules.selected {
        writeln!(
            out,
            "{:width$}  {:8}  {:category_width$}  {:12}  {}",
            rule.id,
            rule.severity.as_str(),
            rule.category,
            fixable(rule),
            rule.title
        )?;
    }
    // The categories, each a name `--select` and `--ignore` take.
    let mut categories: Vec<(&str, usize)> = Vec::new();
    for rule in &rules.selected {
        match categories.iter_mut().find(|(c, _)| *c == rule.category) {
            Some((_, n)) => *n += 1,
            None => categories.push((&rule.category, 1)),
        }
    }
    categories.sort_unstable();
    let summary: Vec<String> = categories
        .iter()
        .map(|(c, n)| format!("{c} ({n})"))
        .collect();
    writeln!(
        out,
        "\nCategories (select with `--select CATEGORY`): {}",
        summary.join(", ")
    )?;
    Ok(0)
}

/// A rule's documentation as markdown.
pub fn explain(args: &ExplainArgs, out: &mut impl Write) -> anyhow::Result<u8> {
    let rules = super::rulesets::load(&args.source)?;
    let Some(rule) = rules.all.iter().find(|r| r.id == args.rule) else {
        bail!("no rule \"{}\" (see `ngxfix rules`)", args.rule);
    };
    rule_docs::explain(out, rule)?;
    Ok(0)
}
