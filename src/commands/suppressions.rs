//! `check --add-suppressions`: a suppression comment above each line with
//! findings (ruff's `--add-noqa`), so a team can turn the check on in CI
//! today and work through the comments later. The comments say what they
//! silence and carry a reason placeholder to replace.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::bail;

use crate::cli::Inputs;
use ngxfix::config::{FileId, FileOrigin};
use ngxfix::output::plural;
use ngxfix::rules::suppress::{comment_edits, REASON_PLACEHOLDER};
use ngxfix::rules::UNUSED_SUPPRESSION;
use ngxfix::write::{Change, WriteOptions};

use super::baseline::Known;

/// The findings of one file: by line, where the first of their
/// directives starts and their rule ids; and the tree that read it.
struct FileFindings {
    /// (run, tree, file) of the first tree that reported in the file.
    source: (usize, usize, FileId),
    lines: BTreeMap<u32, (u32, BTreeSet<String>)>,
}

/// Write the comments in place, every file or none; exit 0.
pub fn add(inputs: &Inputs, known: Option<&mut Known>) -> anyhow::Result<u8> {
    let runs = super::inputs::prepare(inputs)?;
    // By path: a file included by two trees gets one comment per line.
    let mut files: BTreeMap<PathBuf, FileFindings> = BTreeMap::new();
    let mut elsewhere: BTreeSet<String> = BTreeSet::new();
    let mut unused = 0;
    let mut findings = 0;
    let steps = super::check::Steps::new(&runs, inputs.quiet);
    super::check::each_batch(&runs, &steps, known, &mut |(r, t), config, batch| {
        for finding in batch {
            // A suppression that silences nothing is removed, not silenced.
            if finding.rule == UNUSED_SUPPRESSION {
                unused += 1;
                continue;
            }
            let source = config.file(finding.file);
            if source.origin != FileOrigin::Disk {
                elsewhere.insert(source.display_path());
                continue;
            }
            findings += 1;
            files
                .entry(source.path.clone())
                .or_insert_with(|| FileFindings {
                    source: (r, t, finding.file),
                    lines: BTreeMap::new(),
                })
                .lines
                .entry(finding.start.line)
                .and_modify(|(at, _)| *at = (*at).min(finding.span.start))
                .or_insert_with(|| (finding.span.start, BTreeSet::new()))
                .1
                .insert(finding.rule.clone());
        }
        Ok(())
    })?;
    if !elsewhere.is_empty() {
        let verb = if elsewhere.len() == 1 { "is" } else { "are" };
        bail!(
            "there are findings in {}, which {verb} not a file on disk (standard input or an \
             `nginx -T` dump) to write comments into; nothing was written",
            elsewhere.into_iter().collect::<Vec<_>>().join(", "),
        );
    }
    let mut fixed: Vec<(PathBuf, &[u8], Vec<u8>)> = Vec::new();
    let mut comments = 0;
    for (path, found) in &files {
        let (r, t, file) = found.source;
        let tree = &runs[r].inputs[t].0.file(file).tree;
        let edits = comment_edits(tree, &found.lines);
        comments += edits.len();
        let edits: Vec<&ngxfix::text::Edit<()>> = edits.iter().collect();
        let text = ngxfix::text::edit::apply(tree.text(), &edits)?;
        fixed.push((path.clone(), tree.text(), text));
    }
    let changes: Vec<Change> = fixed
        .iter()
        .map(|(path, original, fixed)| Change {
            path,
            original,
            fixed,
        })
        .collect();
    super::write_changes(&changes, &WriteOptions::default())?;
    if comments == 0 {
        eprintln!("Nothing to suppress.");
    } else {
        eprintln!(
            "Added {} for {} to {}. Replace each `{REASON_PLACEHOLDER}` with the reason.",
            plural(comments, "suppression comment"),
            plural(findings, "finding"),
            plural(fixed.len(), "file"),
        );
    }
    if unused > 0 {
        eprintln!(
            "{} silence nothing: remove {} (`ngxfix check` shows where).",
            plural(unused, "suppression comment"),
            if unused == 1 { "it" } else { "them" }
        );
    }
    Ok(0)
}
