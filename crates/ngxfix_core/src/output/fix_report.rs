//! `fix --format json`: what the fix loop changed, for programs. Per
//! applied fix: its rule, the finding it fixed and the text it wrote (as
//! places in the fixed files); per file: the changed lines as hunks; then
//! the findings that remain, in `check --format json`'s shape.

use std::io::{self, Write};

use serde::Serialize;
use similar::TextDiff;

use super::findings::{json_finding, JsonFinding, Position, JSON_SCHEMA_VERSION};
use crate::fix::session::{FixOutcome, Stop};
use crate::model::Version;

/// A changed file of the report.
pub struct ChangedFile<'a> {
    /// The path as the configuration (or `--backend`) named it.
    pub path: String,
    /// `nginx`, or `backend` for an app server's configuration file.
    pub kind: &'static str,
    pub original: &'a [u8],
    pub fixed: &'a [u8],
}

/// What `fix` did, to report.
pub struct FixRun<'a> {
    pub outcomes: &'a [FixOutcome],
    /// The backend files changed, after every tree.
    pub backend_files: Vec<ChangedFile<'a>>,
    pub nginx_version: Version,
    pub dry_run: bool,
    /// Whether the files were written (not with `--dry-run`, not when
    /// nothing changed, not for standard input, whose text is `text`).
    pub written: bool,
    /// Whether `nginx -t` checked the fixed configuration.
    pub verified: bool,
    /// Fixes held back for being unsafe.
    pub held_back: usize,
}

/// Text a fix wrote, at its place in the fixed file.
#[derive(Serialize)]
struct Wrote {
    path: String,
    start: Position,
    end: Position,
    text: String,
}

#[derive(Serialize)]
struct AppliedFix {
    rule: String,
    title: String,
    safety: &'static str,
    /// `path:line:col` of the finding, in the text of the pass that fixed it.
    finding: String,
    pass: usize,
    /// The files its edits changed.
    files: Vec<String>,
    /// What it wrote into the nginx files, where it now is (empty for a
    /// fix that only removed text).
    wrote: Vec<Wrote>,
}

/// Lines `old_start..+old_lines` of the original replaced by
/// `new_start..+new_lines` of the fixed file (1-based; a count of 0 is an
/// insertion or a removal after the line before `*_start`).
#[derive(Serialize)]
struct Hunk {
    old_start: usize,
    old_lines: usize,
    new_start: usize,
    new_lines: usize,
    removed: String,
    added: String,
}

#[derive(Serialize)]
struct File {
    path: String,
    kind: &'static str,
    hunks: Vec<Hunk>,
    /// The whole fixed text, for a file that is not written (standard
    /// input, a dump's copy, `--dry-run`) so a program need not apply hunks.
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    applied: usize,
    files: usize,
    declined: usize,
    held_back: usize,
    remaining: usize,
    quit: bool,
}

/// The whole report, its keys in this order.
#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    nginx_version: String,
    dry_run: bool,
    written: bool,
    verified_with_nginx_t: bool,
    applied: Vec<AppliedFix>,
    files: Vec<File>,
    remaining: Vec<JsonFinding<'a>>,
    summary: Summary,
}

/// Write the report as one pretty-printed JSON object and a newline.
pub fn write_json(out: &mut dyn Write, run: &FixRun<'_>) -> io::Result<()> {
    let mut files = Vec::new();
    let mut applied = Vec::new();
    for outcome in run.outcomes {
        let config = &outcome.config;
        for (file, original, fixed) in outcome.changes() {
            files.push(ChangedFile {
                path: config.file(file).display_path(),
                kind: "nginx",
                original,
                fixed,
            });
        }
        for fix in &outcome.applied {
            let wrote = fix
                .spans
                .iter()
                .filter(|(_, start, end)| start < end)
                .map(|&(file, start, end)| {
                    let tree = &config.file(file).tree;
                    Wrote {
                        path: config.file(file).display_path(),
                        start: tree.line_col(start).into(),
                        end: tree.line_col(end).into(),
                        text: String::from_utf8_lossy(&tree.text()[start as usize..end as usize])
                            .into_owned(),
                    }
                })
                .collect();
            let nginx = fix.edited.iter().map(|&f| config.file(f).display_path());
            let backends = fix
                .edited_backends
                .iter()
                .map(|&f| outcome.facts.file(f).display());
            applied.push(AppliedFix {
                rule: fix.rule.clone(),
                title: fix.title.clone(),
                safety: fix.safety.as_str(),
                finding: fix.location.clone(),
                pass: fix.pass,
                files: nginx.chain(backends).collect(),
                wrote,
            });
        }
    }
    let files: Vec<File> = files
        .iter()
        .chain(&run.backend_files)
        .map(|changed| File {
            path: changed.path.clone(),
            kind: changed.kind,
            hunks: hunks(changed.original, changed.fixed),
            text: (!run.written).then(|| String::from_utf8_lossy(changed.fixed).into_owned()),
        })
        .collect();
    let remaining: Vec<JsonFinding<'_>> = run
        .outcomes
        .iter()
        .flat_map(|o| &o.remaining)
        .map(json_finding)
        .collect();
    let summary = Summary {
        applied: applied.len(),
        files: files.len(),
        declined: run.outcomes.iter().map(|o| o.declined).sum(),
        held_back: run.held_back,
        remaining: remaining.len(),
        quit: run.outcomes.iter().any(|o| o.stop == Stop::Quit),
    };
    let report = Report {
        schema_version: JSON_SCHEMA_VERSION,
        tool: Tool {
            name: "ngxfix",
            version: env!("CARGO_PKG_VERSION"),
        },
        nginx_version: run.nginx_version.to_string(),
        dry_run: run.dry_run,
        written: run.written,
        verified_with_nginx_t: run.verified,
        applied,
        files,
        remaining,
        summary,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// The changed lines of `old` → `new`, without context.
fn hunks(old: &[u8], new: &[u8]) -> Vec<Hunk> {
    let diff = TextDiff::from_lines(old, new);
    let old_lines: Vec<&[u8]> = diff.iter_old_slices().collect();
    let new_lines: Vec<&[u8]> = diff.iter_new_slices().collect();
    let text = |lines: &[&[u8]]| String::from_utf8_lossy(&lines.concat()).into_owned();
    diff.grouped_ops(0)
        .iter()
        .filter_map(|group| {
            let (first, last) = (group.first()?, group.last()?);
            let old = first.old_range().start..last.old_range().end;
            let new = first.new_range().start..last.new_range().end;
            Some(Hunk {
                old_start: old.start + 1,
                old_lines: old.len(),
                new_start: new.start + 1,
                new_lines: new.len(),
                removed: text(&old_lines[old.clone()]),
                added: text(&new_lines[new.clone()]),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_hold_the_changed_lines_only() {
        let old = b"a\nb\nc\nd\n";
        let new = b"a\nB\nc\nd\ne\n";
        let found = hunks(old, new);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (
                found[0].old_start,
                found[0].old_lines,
                found[0].new_start,
                found[0].new_lines
            ),
            (2, 1, 2, 1)
        );
        assert_eq!(
            (found[0].removed.as_str(), found[0].added.as_str()),
            ("b\n", "B\n")
        );
        assert_eq!((found[1].old_start, found[1].old_lines), (5, 0));
        assert_eq!(found[1].added, "e\n");
        assert!(hunks(old, old).is_empty());
    }
}
