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
    writeln!(
        out,
        "{:width$}  {:8}  {:12}  TITLE",
        "ID", "SEVERITY", "FIX"
    )?;
    for rule in &rules.selected {
        writeln!(
            out,
            "{:width$}  {:8}  {:12}  {}",
            rule.id,
            rule.severity.as_str(),
            fixable(rule),
            rule.title
        )?;
    }
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
