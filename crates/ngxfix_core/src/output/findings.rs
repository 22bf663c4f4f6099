//! Findings for people and programs: text (colored on a terminal), JSON
//! (the stable schema in `docs/json-output.md`), SARIF 2.1.0, GitHub
//! workflow annotations and GitLab's Code Quality report (`gitlab.rs`). Findings are written as they come, so a run with
//! tens of thousands of them never holds them all (SARIF, one JSON
//! document with rule metadata, is the exception: it is built whole).

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Value};

use super::{gitlab, plural, Paint};
use crate::config::Reading;
use crate::model::Version;
use crate::rules::fixes::BackendEdit;
use crate::rules::{Finding, FixState, Rule, Safety, Severity, UNUSED_SUPPRESSION};
use crate::syntax::LineCol;

/// Characters of a source line shown under a text finding.
const SHOWN: usize = 100;

/// Version of the JSON output schema; bumped only on incompatible change.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Text {
        color: bool,
    },
    Json,
    Sarif,
    Github,
    /// GitLab Code Quality (a JSON array; see [`super::gitlab`]).
    Gitlab,
}

/// Counts for the summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub info: usize,
    /// Findings with a fix of any safety (the JSON `fixable`).
    pub fixable: usize,
    /// Findings `ngxfix fix` fixes as it is.
    pub safe_fixable: usize,
    /// Findings `ngxfix fix --unsafe-fixes` fixes too.
    pub unsafe_fixable: usize,
}

impl Summary {
    fn add(&mut self, finding: &Finding) {
        self.findings += 1;
        match finding.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.info += 1,
        }
        if let Some(fix) = finding.fix.plan().filter(|f| !f.is_empty()) {
            self.fixable += 1;
            match fix.safety {
                Safety::Safe => self.safe_fixable += 1,
                Safety::Unsafe => self.unsafe_fixable += 1,
                Safety::DisplayOnly => {}
            }
        }
    }
}

/// Writes a report finding by finding: [`Report::finding`] for each, then
/// [`Report::finish`].
pub struct Report<'w> {
    format: ReportFormat,
    out: &'w mut dyn Write,
    /// The rules that ran (SARIF lists them).
    rules: &'w [Rule],
    nginx_version: Version,
    summary: Summary,
    /// SARIF results, each already written as it appears in the log: a
    /// `serde_json::Value` per result held ten times the text's memory
    /// (2.5 GB for the 190,000 findings of a 6 MB configuration).
    sarif_results: Vec<String>,
    /// Whether the JSON `findings` array has been opened.
    findings_open: bool,
    /// What the text summary says about the inputs, from
    /// [`Report::describe`].
    read_line: Option<String>,
    /// Notes for SARIF's run properties and GitHub notices.
    notes: Vec<String>,
    /// GitLab fingerprints handed out so far (they count identical
    /// directives).
    fingerprints: gitlab::Fingerprints,
}

/// What a run read, for [`Report::describe`].
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// How each file the user named was read.
    pub readings: &'a [Reading],
    /// Where the nginx version came from (`--nginx-version`,
    /// `nginx_version in ngxfix.toml`, ...).
    pub version_from: &'a str,
}

impl<'w> Report<'w> {
    /// Start a report; JSON writes its opening here.
    pub fn begin(
        format: ReportFormat,
        out: &'w mut dyn Write,
        rules: &'w [Rule],
        nginx_version: Version,
    ) -> io::Result<Self> {
        if format == ReportFormat::Json {
            write!(
                out,
                "{{\n  \"schema_version\": {JSON_SCHEMA_VERSION},\n  \"tool\": {{\n    \"name\": \"ngxfix\",\n    \"version\": \"{}\"\n  }},\n  \"nginx_version\": \"{nginx_version}\"",
                env!("CARGO_PKG_VERSION")
            )?;
        }
        if format == ReportFormat::Gitlab {
            write!(out, "[")?;
        }
        Ok(Report {
            format,
            out,
            rules,
            nginx_version,
            summary: Summary::default(),
            sarif_results: Vec::new(),
            findings_open: false,
            read_line: None,
            notes: Vec::new(),
            fingerprints: gitlab::Fingerprints::default(),
        })
    }

    /// Say how the inputs were read, before any finding: text prints a
    /// `note:` line for each file read in a context of its own (a fragment,
    /// a site file checked through its nginx.conf) and ends its summary
    /// with the files read and the nginx version assumed; JSON gets
    /// `nginx_version_from` and `inputs`.
    pub fn describe(&mut self, inputs: Inputs<'_>) -> io::Result<()> {
        let notes: Vec<String> = inputs.readings.iter().filter_map(Reading::note).collect();
        match self.format {
            ReportFormat::Text { color } => {
                for note in &notes {
                    writeln!(self.out, "{}: {note}", Paint(color).wrap("1", "note"))?;
                }
                if !notes.is_empty() {
                    writeln!(self.out)?;
                }
            }
            ReportFormat::Json if !self.findings_open => {
                let readings = serde_json::to_string_pretty(inputs.readings)?.replace('\n', "\n  ");
                write!(
                    self.out,
                    ",\n  \"nginx_version_from\": {},\n  \"inputs\": {readings}",
                    serde_json::to_string(inputs.version_from)?
                )?;
            }
            ReportFormat::Github => {
                for note in &notes {
                    writeln!(self.out, "::notice title=ngxfix::{}", escape(note, false))?;
                }
            }
            ReportFormat::Json | ReportFormat::Sarif | ReportFormat::Gitlab => {}
        }
        let files: usize = inputs.readings.iter().map(|r| r.files_read).sum();
        self.read_line = Some(format!(
            "Read {}; nginx {} assumed ({}).",
            plural(files, "file"),
            self.nginx_version,
            inputs.version_from
        ));
        self.notes = notes;
        Ok(())
    }

    /// Open the JSON `findings` array, once.
    fn open_findings(&mut self) -> io::Result<()> {
        if self.format == ReportFormat::Json && !self.findings_open {
            write!(self.out, ",\n  \"findings\": [")?;
        }
        self.findings_open = true;
        Ok(())
    }

    /// Write one finding.
    pub fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        self.findings(std::slice::from_ref(finding))
    }

    /// Write findings in order. Their text is formatted in parallel (tens
    /// of thousands of findings make megabytes of it) and written in order.
    pub fn findings(&mut self, batch: &[Finding]) -> io::Result<()> {
        self.open_findings()?;
        if self.format == ReportFormat::Sarif {
            let rules = self.rules;
            let results: Vec<serde_json::Result<String>> = crate::par::map(batch, |finding| {
                let result = sarif_result(finding, rule_index(rules, &finding.rule));
                // Indented as the log's `runs[0].results[i]`.
                Ok(serde_json::to_string_pretty(&result)?.replace('\n', SARIF_RESULT_INDENT))
            });
            for (finding, result) in batch.iter().zip(results) {
                self.summary.add(finding);
                self.sarif_results.push(result?);
            }
            return Ok(());
        }
        let (format, first) = (self.format, self.summary.findings == 0);
        // A fingerprint counts the identical directives before it: handed
        // out in order, before the findings are formatted in parallel.
        let fingerprints: Vec<String> = if format == ReportFormat::Gitlab {
            batch.iter().map(|f| self.fingerprints.next(f)).collect()
        } else {
            Vec::new()
        };
        let format_one = |(i, finding): (usize, &Finding)| -> io::Result<Vec<u8>> {
            let mut text = Vec::with_capacity(1024);
            match format {
                ReportFormat::Text { color } => text_finding(&mut text, finding, &Paint(color))?,
                ReportFormat::Json => {
                    let body = serde_json::to_string_pretty(&json_finding(finding))?;
                    let indented = body.replace('\n', "\n    ");
                    let comma = if first && i == 0 { "" } else { "," };
                    write!(text, "{comma}\n    {indented}")?;
                }
                ReportFormat::Github => github_finding(&mut text, finding)?,
                ReportFormat::Gitlab => {
                    let issue = gitlab::issue(finding, fingerprints[i].clone());
                    let body = serde_json::to_string_pretty(&issue)?;
                    let indented = body.replace('\n', "\n  ");
                    let comma = if first && i == 0 { "" } else { "," };
                    write!(text, "{comma}\n  {indented}")?;
                }
                ReportFormat::Sarif => unreachable!("SARIF is built whole"),
            }
            Ok(text)
        };
        let texts: Vec<io::Result<Vec<u8>>> = if batch.len() > 1 {
            crate::par::map_indexed(batch, format_one)
        } else {
            batch.iter().enumerate().map(format_one).collect()
        };
        for (finding, text) in batch.iter().zip(texts) {
            self.summary.add(finding);
            self.out.write_all(&text?)?;
        }
        Ok(())
    }

    /// Write the end (summary, closing brackets); the counts.
    pub fn finish(mut self) -> io::Result<Summary> {
        self.open_findings()?;
        let s = self.summary;
        match self.format {
            ReportFormat::Text { .. } => {
                text_summary(self.out, &s)?;
                if let Some(line) = &self.read_line {
                    writeln!(self.out, "{line}")?;
                }
            }
            ReportFormat::Json => {
                let summary = serde_json::to_string_pretty(&json!({
                    "findings": s.findings,
                    "errors": s.errors,
                    "warnings": s.warnings,
                    "info": s.info,
                    "fixable": s.fixable,
                }))?
                .replace('\n', "\n  ");
                let close = if s.findings == 0 { "" } else { "\n  " };
                writeln!(self.out, "{close}],\n  \"summary\": {summary}\n}}")?;
            }
            ReportFormat::Sarif => {
                let mut log = sarif_log(self.rules, self.nginx_version);
                if !self.notes.is_empty() {
                    log["runs"][0]["properties"]["notes"] = json!(self.notes);
                }
                write_sarif(&mut *self.out, &log, &self.sarif_results)?;
            }
            ReportFormat::Gitlab => {
                let close = if s.findings == 0 { "" } else { "\n" };
                writeln!(self.out, "{close}]")?;
            }
            ReportFormat::Github => {}
        }
        Ok(s)
    }
}

impl Paint {
    fn severity(&self, severity: Severity) -> std::borrow::Cow<'static, str> {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.wrap(code, severity.as_str())
    }
}

/// One finding as text: `path:line:col: severity[rule] message`, the line
/// with a caret under the directive, and the fix.
fn text_finding(out: &mut dyn Write, f: &Finding, paint: &Paint) -> io::Result<()> {
    writeln!(
        out,
        "{}: {}[{}] {}",
        paint.wrap("1", &format!("{}:{}:{}", f.path, f.start.line, f.start.col)),
        paint.severity(f.severity),
        paint.wrap("1", &f.rule),
        f.message
    )?;
    let number = f.start.line.to_string();
    let pad = " ".repeat(number.len());
    // The excerpt is already cut around the finding; cut it again to a
    // terminal's width around the caret.
    let (excerpt, col) = crate::syntax::window(&f.excerpt, f.excerpt_col, SHOWN);
    let prefix = crate::syntax::caret_indent(&excerpt, col);
    let room = excerpt
        .chars()
        .count()
        .saturating_sub(prefix.chars().count());
    let width = if f.end.line == f.start.line {
        (f.end.col.saturating_sub(f.start.col)).max(1) as usize
    } else {
        room.max(1)
    }
    .min(room.max(1));
    writeln!(out, "{pad} |")?;
    writeln!(out, "{number} | {excerpt}")?;
    writeln!(
        out,
        "{pad} | {prefix}{}",
        paint.wrap("1;31", &"^".repeat(width))
    )?;
    match &f.fix {
        FixState::Planned(fix) => {
            let fix = fix.plan();
            if !fix.is_empty() {
                writeln!(out, "{pad} = fix ({}): {}", fix.safety.as_str(), fix.title)?;
            }
        }
        FixState::Unavailable(why) => writeln!(out, "{pad} = no fix: {why}")?,
        FixState::None => {}
    }
    writeln!(out)
}

fn text_summary(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if s.findings == 0 {
        return writeln!(out, "No findings.");
    }
    let fixes = match (s.safe_fixable, s.unsafe_fixable) {
        (0, 0) => "none fixable".to_string(),
        (safe, 0) => format!("{safe} fixable with `ngxfix fix`"),
        (0, risky) => format!("{risky} fixable with `ngxfix fix --unsafe-fixes`"),
        (safe, risky) => {
            format!("{safe} fixable with `ngxfix fix`, {risky} more with `--unsafe-fixes`")
        }
    };
    writeln!(
        out,
        "{} ({} {}, {}, {} info); {fixes}.",
        plural(s.findings, "finding"),
        s.errors,
        if s.errors == 1 { "error" } else { "errors" },
        plural(s.warnings, "warning"),
        s.info,
    )
}

/// A line and column in the JSON schema.
#[derive(Serialize)]
pub(crate) struct Position {
    line: u32,
    column: u32,
}

impl From<LineCol> for Position {
    fn from(at: LineCol) -> Self {
        Position {
            line: at.line,
            column: at.col,
        }
    }
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    path: &'a str,
    start_byte: u32,
    end_byte: u32,
    start: Position,
    end: Position,
    text: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    safety: &'static str,
    edits: Vec<JsonEdit<'a>>,
    /// Edits of backend configuration files (`--prefer backend`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    backend_edits: Vec<JsonBackendEdit<'a>>,
}

#[derive(Serialize)]
struct JsonBackendEdit<'a> {
    path: &'a str,
    start_byte: u32,
    end_byte: u32,
    text: &'a str,
}

impl<'a> From<&'a BackendEdit> for JsonBackendEdit<'a> {
    fn from(edit: &'a BackendEdit) -> Self {
        JsonBackendEdit {
            path: &edit.path,
            start_byte: edit.edit.start,
            end_byte: edit.edit.end,
            text: &edit.edit.text,
        }
    }
}

/// One finding in the JSON schema (`check --format json`'s `findings`).
#[derive(Serialize)]
pub(crate) struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'static str,
    title: &'a str,
    message: &'a str,
    path: &'a str,
    start: Position,
    end: Position,
    start_byte: u32,
    end_byte: u32,
    excerpt: &'a str,
    fix: Option<JsonFix<'a>>,
    fix_unavailable: Option<&'a str>,
}

/// One finding as the object `check --format json` prints in `findings`.
pub fn json_value(finding: &Finding) -> Value {
    serde_json::to_value(json_finding(finding)).unwrap_or(Value::Null)
}

pub(crate) fn json_finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: &f.rule,
        severity: f.severity.as_str(),
        title: &f.title,
        message: &f.message,
        path: &f.path,
        start: f.start.into(),
        end: f.end.into(),
        start_byte: f.span.start,
        end_byte: f.span.end,
        excerpt: &f.excerpt,
        fix: f.fix.plan().map(|fix| JsonFix {
            title: &fix.title,
            safety: fix.safety.as_str(),
            edits: f
                .edits()
                .map(|(edit, place)| JsonEdit {
                    path: &place.path,
                    start_byte: edit.start,
                    end_byte: edit.end,
                    start: place.start.into(),
                    end: place.end.into(),
                    text: &edit.text,
                })
                .collect(),
            backend_edits: fix.backend_edits.iter().map(Into::into).collect(),
        }),
        fix_unavailable: f.fix.unavailable(),
    }
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a URI: relative paths stay relative references (resolved
/// against the checkout by code scanning), absolute ones become `file://`
/// URIs; reserved bytes are percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
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

fn sarif_result(f: &Finding, rule_index: usize) -> Value {
    let mut result = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
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
    if let Some(fix) = f.fix.plan().filter(|fix| !fix.edits.is_empty()) {
        let mut changes: Vec<(&str, Vec<Value>)> = Vec::new();
        for (edit, place) in f.edits() {
            let replacement = json!({
                "deletedRegion": region(place.start, place.end, edit.start, edit.end),
                "insertedContent": { "text": edit.text },
            });
            match changes.iter_mut().find(|(p, _)| *p == &*place.path) {
                Some((_, list)) => list.push(replacement),
                None => changes.push((&place.path, vec![replacement])),
            }
        }
        result["fixes"] = json!([{
            "description": { "text": format!("{} ({})", fix.title, fix.safety.as_str()) },
            "properties": { "safety": fix.safety.as_str() },
            "artifactChanges": changes.into_iter().map(|(path, replacements)| json!({
                "artifactLocation": { "uri": uri(path) },
                "replacements": replacements,
            })).collect::<Vec<_>>(),
        }]);
    }
    result
}

/// Where a SARIF log's results go, until they are written: a string no
/// rule or path holds.
const SARIF_RESULTS: &str = "\u{0}ngxfix: SARIF results\u{0}";

/// What follows each line break of a result: the depth of
/// `runs[0].results[i]` in the log, as `serde_json` indents it.
const SARIF_RESULT_INDENT: &str = "\n        ";

/// Write `log` (pretty, as `serde_json` writes it) with `results`, each
/// already written at its depth, as its `runs[0].results`.
fn write_sarif(out: &mut dyn Write, log: &Value, results: &[String]) -> io::Result<()> {
    let text = serde_json::to_string_pretty(log)?;
    let placeholder = serde_json::to_string(SARIF_RESULTS)?;
    let (head, tail) = text
        .split_once(&placeholder)
        .expect("the log has a place for its results");
    out.write_all(head.as_bytes())?;
    if results.is_empty() {
        out.write_all(b"[]")?;
    } else {
        out.write_all(b"[")?;
        for (i, result) in results.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.write_all(SARIF_RESULT_INDENT.as_bytes())?;
            out.write_all(result.as_bytes())?;
        }
        out.write_all(b"\n      ]")?;
    }
    out.write_all(tail.as_bytes())?;
    writeln!(out)
}

/// The index of rule `id` among `rules`: one past them for a finding of
/// no rule there (`unused-suppression`).
fn rule_index(rules: &[Rule], id: &str) -> usize {
    rules.iter().position(|r| r.id == id).unwrap_or(rules.len())
}

/// A SARIF 2.1.0 log with one run, its results left to [`write_sarif`].
/// Results of `unused-suppression` point one past the rules, where its
/// descriptor is added.
fn sarif_log(rules: &[Rule], nginx_version: Version) -> Value {
    let mut descriptors: Vec<Value> = rules
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
    descriptors.push(json!({
        "id": UNUSED_SUPPRESSION,
        "name": UNUSED_SUPPRESSION,
        "shortDescription": { "text": "Suppression comment silences nothing" },
        "defaultConfiguration": { "level": "warning" },
    }));
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
            "properties": { "nginxVersion": nginx_version.to_string() },
            "results": SARIF_RESULTS,
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

/// A GitHub Actions annotation.
fn github_finding(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    writeln!(
        out,
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape(&f.path, true),
        f.start.line,
        f.start.col,
        f.end.line,
        f.end.col,
        escape(&format!("ngxfix {}", f.rule), true),
        escape(&f.message, false)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_texts;
    use crate::model::Model;
    use crate::rules::{load, run, RunOptions};

    /// The report of `findings`, written one call per finding or in one
    /// batch.
    fn report(format: ReportFormat, findings: &[Finding], batched: bool) -> String {
        let mut out = Vec::new();
        let mut report = Report::begin(format, &mut out, &[], Version::ASSUMED).unwrap();
        if batched {
            report.findings(findings).unwrap();
        } else {
            for finding in findings {
                report.finding(finding).unwrap();
            }
        }
        report.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_batch_reads_as_the_same_findings_one_by_one() {
        let tree = from_texts(&[(
            "/etc/nginx/nginx.conf",
            "http {\n  upstream app { server 127.0.0.1:8000; keepalive 8; }\n  server {\n    location /a { proxy_pass http://app; }\n    location /b { proxy_pass http://app; }\n  }\n}\n",
        )]);
        let model = Model::new(&tree, Version::ASSUMED);
        let rules = load::builtin().unwrap();
        let findings = run(&rules, &model, &RunOptions::default());
        assert!(findings.len() > 2, "{findings:?}");
        for format in [
            ReportFormat::Text { color: false },
            ReportFormat::Text { color: true },
            ReportFormat::Json,
            ReportFormat::Github,
            ReportFormat::Sarif,
            ReportFormat::Gitlab,
        ] {
            let one_by_one = report(format, &findings, false);
            assert_eq!(report(format, &findings, true), one_by_one, "{format:?}");
            // Two batches, as a long run writes them.
            let mut out = Vec::new();
            let mut split = Report::begin(format, &mut out, &[], Version::ASSUMED).unwrap();
            split.findings(&findings[..1]).unwrap();
            split.findings(&findings[1..]).unwrap();
            split.finish().unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), one_by_one, "{format:?}");
        }
        let json: Value =
            serde_json::from_str(&report(ReportFormat::Json, &findings, true)).unwrap();
        assert_eq!(json["findings"].as_array().unwrap().len(), findings.len());
        let gitlab: Value =
            serde_json::from_str(&report(ReportFormat::Gitlab, &findings, true)).unwrap();
        assert_eq!(gitlab.as_array().unwrap().len(), findings.len());
        let empty: Value = serde_json::from_str(&report(ReportFormat::Gitlab, &[], true)).unwrap();
        assert_eq!(empty, json!([]));
    }
}
