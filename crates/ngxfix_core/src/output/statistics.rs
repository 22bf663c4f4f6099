//! `ngxfix check --statistics`: findings counted per rule instead of
//! listed, as `ruff --statistics` does: the first look at a large fleet.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;

use crate::rules::engine::Finding;
use crate::rules::schema::Severity;

/// One rule's findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    pub rule: String,
    /// The most severe of its findings.
    pub severity: Severity,
    pub count: usize,
    /// How many of them have a fix (of any safety).
    pub fixable: usize,
}

/// Findings counted per rule, as they are added.
#[derive(Debug, Default)]
pub struct Statistics {
    by_rule: BTreeMap<String, RuleCount>,
}

impl Statistics {
    /// Count `findings`.
    pub fn add(&mut self, findings: &[Finding]) {
        for finding in findings {
            let entry = self
                .by_rule
                .entry(finding.rule.clone())
                .or_insert_with(|| RuleCount {
                    rule: finding.rule.clone(),
                    severity: finding.severity,
                    count: 0,
                    fixable: 0,
                });
            entry.count += 1;
            entry.severity = entry.severity.max(finding.severity);
            if finding.fix.plan().is_some_and(|plan| !plan.is_empty()) {
                entry.fixable += 1;
            }
        }
    }

    /// The rules, the most frequent first (then by id).
    pub fn rows(&self) -> Vec<&RuleCount> {
        let mut rows: Vec<&RuleCount> = self.by_rule.values().collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rule.cmp(&b.rule)));
        rows
    }

    /// The most severe finding counted, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.by_rule.values().map(|row| row.severity).max()
    }

    /// One line per rule (count, rule, severity, fixable), then the total.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        let rows = self.rows();
        let width = rows.iter().map(|row| row.rule.len()).max().unwrap_or(0);
        let mut total = 0;
        for row in rows {
            total += row.count;
            writeln!(
                out,
                "{:>6}  {:<width$}  {:<7}  {} fixable",
                row.count,
                row.rule,
                row.severity.as_str(),
                row.fixable
            )?;
        }
        writeln!(out, "{total:>6}  findings")
    }

    /// `{"schema_version": 1, "statistics": [{rule, severity, count,
    /// fixable}, ...]}`, as docs/json-output.md describes.
    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<serde_json::Value> = self
            .rows()
            .into_iter()
            .map(|row| {
                json!({
                    "rule": row.rule,
                    "severity": row.severity.as_str(),
                    "count": row.count,
                    "fixable": row.fixable,
                })
            })
            .collect();
        let value = json!({ "schema_version": 1, "statistics": rows });
        serde_json::to_writer_pretty(&mut *out, &value)?;
        writeln!(out)
    }
}
