//! Findings for people and programs: text (colored on a terminal), JSON
//! (the stable schema in `docs/json-output.md`), SARIF 2.1.0 and GitHub
//! workflow annotations.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::config::ConfigTree;
use crate::model::Version;
use crate::rules::{Finding, Rule, Severity, UNUSED_SUPPRESSION};
use crate::syntax::LineCol;

/// Version of the JSON output schema; bumped only on incompatible change.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// An edit with its place in human terms.
#[derive(Debug, Clone)]
pub struct EditView {
    pub path: String,
    pub start_byte: u32,
    pub end_byte: u32,
    pub start: LineCol,
    pub end: LineCol,
    pub text: String,
}

/// A finding and the places of its fix's edits.
#[derive(Debug, Clone)]
pub struct Reported {
    pub finding: Finding,
    pub edits: Vec<EditView>,
}

impl Reported {
    /// Attach edit positions, read from the tree the finding came from.
    pub fn new(finding: Finding, config: &ConfigTree) -> Self {
        let edits = finding
            .fix
            .iter()
            .flat_map(|fix| &fix.edits)
            .map(|edit| {
                let file = &config.files()[edit.file];
                EditView {
                    path: file.display_path(),
                    start_byte: edit.start,
                    end_byte: edit.end,
                    start: file.tree.line_col(edit.start),
                    end: file.tree.line_col(edit.end),
                    text: edit.text.clone(),
                }
            })
            .collect();
        Reported { finding, edits }
    }
}

/// Everything a report shows.
pub struct Report<'r> {
    pub findings: &'r [Reported],
    /// The rules that ran.
    pub rules: &'r [Rule],
    pub nginx_version: Version,
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub info: usize,
    pub fixable: usize,
}

impl Report<'_> {
    /// Count findings by severity, and those with a fix.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for r in self.findings {
            match r.finding.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.info += 1,
            }
            if r.finding.fix.as_ref().is_some_and(|f| !f.edits.is_empty()) {
                summary.fixable += 1;
            }
        }
        summary
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// ANSI styles, or nothing.
struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.wrap(code, severity.as_str())
    }
}

/// The text report: `path:line:col: severity[rule] message`, the line with
/// a caret under the directive, the fix, and a summary.
pub fn text(report: &Report<'_>, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    for r in report.findings {
        let f = &r.finding;
        let _ = writeln!(
            out,
            "{}: {}[{}] {}",
            paint.wrap("1", &format!("{}:{}:{}", f.path, f.start.line, f.start.col)),
            paint.severity(f.severity),
            paint.wrap("1", &f.rule),
            f.message
        );
        let number = f.start.line.to_string();
        let pad = " ".repeat(number.len());
        let excerpt: String = f
            .excerpt
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
        let prefix: String = excerpt
            .chars()
            .take(f.start.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let width = if f.end.line == f.start.line {
            (f.end.col.saturating_sub(f.start.col)).max(1) as usize
        } else {
            excerpt
                .chars()
                .count()
                .saturating_sub(prefix.chars().count())
                .max(1)
        };
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{number} | {excerpt}");
        let _ = writeln!(
            out,
            "{pad} | {prefix}{}",
            paint.wrap("1;31", &"^".repeat(width.min(80)))
        );
        if let Some(fix) = &f.fix {
            if !fix.edits.is_empty() {
                let _ = writeln!(out, "{pad} = fix ({}): {}", fix.safety.as_str(), fix.title);
            }
        } else if let Some(why) = &f.fix_unavailable {
            let _ = writeln!(out, "{pad} = no fix: {why}");
        }
        out.push('\n');
    }
    let s = report.summary();
    let total = report.findings.len();
    if total == 0 {
        out.push_str("No findings.\n");
    } else {
        let _ = writeln!(
            out,
            "{} ({} {}, {}, {} info); {} fixable with `ngxfix fix`.",
            plural(total, "finding"),
            s.errors,
            if s.errors == 1 { "error" } else { "errors" },
            plural(s.warnings, "warning"),
            s.info,
            s.fixable
        );
    }
    out
}

fn position(at: LineCol) -> Value {
    json!({ "line": at.line, "column": at.col })
}

/// The JSON report (schema: `docs/json-output.md`).
pub fn json(report: &Report<'_>) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|r| {
            let f = &r.finding;
            let fix = f.fix.as_ref().map(|fix| {
                json!({
                    "title": fix.title,
                    "safety": fix.safety.as_str(),
                    "edits": r.edits.iter().map(|e| json!({
                        "path": e.path,
                        "start_byte": e.start_byte,
                        "end_byte": e.end_byte,
                        "start": position(e.start),
                        "end": position(e.end),
                        "text": e.text,
                    })).collect::<Vec<_>>(),
                })
            });
            json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "title": f.title,
                "message": f.message,
                "path": f.path,
                "start": position(f.start),
                "end": position(f.end),
                "start_byte": f.span.start,
                "end_byte": f.span.end,
                "excerpt": f.excerpt,
                "fix": fix,
                "fix_unavailable": f.fix_unavailable,
            })
        })
        .collect();
    let s = report.summary();
    json!({
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": { "name": "ngxfix", "version": env!("CARGO_PKG_VERSION") },
        "nginx_version": report.nginx_version.to_string(),
        "findings": findings,
        "summary": {
            "findings": report.findings.len(),
            "errors": s.errors,
            "warnings": s.warnings,
            "info": s.info,
            "fixable": s.fixable,
        },
    })
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a relative URI reference: forward slashes, reserved bytes
/// percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn region(start: LineCol, end: LineCol, start_byte: u32, end_byte: u32) -> Value {
    json!({
        "startLine": start.line,
        "startColumn": start.col,
        "endLine": end.line,
        "endColumn": end.col,
        "byteOffset": start_byte,
        "byteLength": end_byte - start_byte,
    })
}

/// A SARIF 2.1.0 log with one run.
pub fn sarif(report: &Report<'_>) -> Value {
    let mut rule_ids: Vec<&str> = report.rules.iter().map(|r| r.id.as_str()).collect();
    let mut descriptors: Vec<Value> = report
        .rules
        .iter()
        .map(|rule| {
            let mut descriptor = json!({
                "id": rule.id,
                "name": rule.id,
                "shortDescription": { "text": rule.title },
                "fullDescription": { "text": first_paragraph(&rule.explain) },
                "help": { "text": rule.explain, "markdown": rule.explain },
                "helpUri": rule.references.first(),
                "defaultConfiguration": { "level": sarif_level(rule.severity) },
                "properties": { "category": rule.category, "tags": [rule.category] },
            });
            if rule.references.is_empty() {
                descriptor.as_object_mut().unwrap().remove("helpUri");
            }
            descriptor
        })
        .collect();
    if report
        .findings
        .iter()
        .any(|r| r.finding.rule == UNUSED_SUPPRESSION)
    {
        rule_ids.push(UNUSED_SUPPRESSION);
        descriptors.push(json!({
            "id": UNUSED_SUPPRESSION,
            "name": UNUSED_SUPPRESSION,
            "shortDescription": { "text": "Suppression comment silences nothing" },
            "defaultConfiguration": { "level": "warning" },
        }));
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|r| {
            let f = &r.finding;
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": rule_ids.iter().position(|id| *id == f.rule),
                "level": sarif_level(f.severity),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.path) },
                        "region": {
                            "startLine": f.start.line,
                            "startColumn": f.start.col,
                            "endLine": f.end.line,
                            "endColumn": f.end.col,
                            "snippet": { "text": f.excerpt },
                        },
                    },
                }],
            });
            if let Some(fix) = f.fix.as_ref().filter(|fix| !fix.edits.is_empty()) {
                let mut changes: Vec<(String, Vec<Value>)> = Vec::new();
                for e in &r.edits {
                    let replacement = json!({
                        "deletedRegion": region(e.start, e.end, e.start_byte, e.end_byte),
                        "insertedContent": { "text": e.text },
                    });
                    match changes.iter_mut().find(|(p, _)| *p == e.path) {
                        Some((_, list)) => list.push(replacement),
                        None => changes.push((e.path.clone(), vec![replacement])),
                    }
                }
                result["fixes"] = json!([{
                    "description": { "text": format!("{} ({})", fix.title, fix.safety.as_str()) },
                    "artifactChanges": changes.into_iter().map(|(path, replacements)| json!({
                        "artifactLocation": { "uri": uri(&path) },
                        "replacements": replacements,
                    })).collect::<Vec<_>>(),
                }]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "ngxfix",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/ngxfix/ngxfix",
                    "rules": descriptors,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn first_paragraph(markdown: &str) -> String {
    markdown
        .trim()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .replace('\n', " ")
}

/// Escape workflow-command data (`%`, CR, LF) and, in properties, `:` and `,`.
fn escape(text: &str, property: bool) -> String {
    let mut out = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

/// GitHub Actions annotations, one line per finding.
pub fn github(report: &Report<'_>) -> String {
    let mut out = String::new();
    for r in report.findings {
        let f = &r.finding;
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape(&f.path, true),
            f.start.line,
            f.start.col,
            f.end.line,
            f.end.col,
            escape(&format!("ngxfix {}", f.rule), true),
            escape(&f.message, false)
        );
    }
    out
}
