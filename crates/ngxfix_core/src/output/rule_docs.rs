//! What `ngxfix rules` and `ngxfix explain` say about rules; the browser
//! page shows the same words.

use std::io::{self, Write};

use crate::rules::{Rule, Safety};

/// The safeties of a rule's fix and its variants' fixes (`safe/unsafe`),
/// or `no`.
pub fn fixable(rule: &Rule) -> String {
    let mut safeties: Vec<&str> = Vec::new();
    let mut note = |safety: Option<Safety>| {
        if let Some(s) = safety {
            if !safeties.contains(&s.as_str()) {
                safeties.push(s.as_str());
            }
        }
    };
    note(rule.fix_for(None).map(|(_, s)| s));
    for variant in &rule.variants {
        note(rule.fix_for(Some(&variant.spec)).map(|(_, s)| s));
    }
    if safeties.is_empty() {
        "no".into()
    } else {
        safeties.join("/")
    }
}

/// The rule list as `ngxfix rules --json` prints it.
pub fn list_json(rules: &[Rule]) -> serde_json::Value {
    rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "severity": r.severity.as_str(),
                "category": r.category,
                "fixable": fixable(r),
                "nginx": r.versions.to_string(),
                "title": r.title,
                "origin": r.origin.to_string(),
            })
        })
        .collect()
}

/// A rule's documentation as markdown (`ngxfix explain`).
pub fn explain(out: &mut dyn Write, rule: &Rule) -> io::Result<()> {
    writeln!(out, "# {}: {}\n", rule.id, rule.title)?;
    writeln!(out, "- severity: {}", rule.severity)?;
    writeln!(out, "- category: {}", rule.category)?;
    writeln!(out, "- nginx versions: {}", rule.versions)?;
    writeln!(out, "- fix: {}", fixable(rule))?;
    writeln!(out, "- defined in: {}", rule.origin)?;
    if !rule.params.is_empty() {
        writeln!(out, "\n## Parameters\n")?;
        for (name, param) in &rule.params {
            writeln!(
                out,
                "- `{name}` (default `{}`): {}",
                param.default, param.description
            )?;
        }
    }
    if !rule.variants.is_empty() {
        writeln!(out, "\n## Cases\n")?;
        for variant in rule.variants.iter().map(|v| &v.spec) {
            let fix = rule
                .fix_for(Some(variant))
                .map_or("no fix", |(_, s)| s.as_str());
            writeln!(
                out,
                "- {}: {}, fix: {fix}",
                variant.description.trim_end_matches('.'),
                variant.severity.unwrap_or(rule.severity),
            )?;
        }
    }
    writeln!(out, "\n{}", rule.explain.trim())?;
    if !rule.references.is_empty() {
        writeln!(out, "\n## References\n")?;
        for reference in &rule.references {
            writeln!(out, "- {reference}")?;
        }
    }
    Ok(())
}
