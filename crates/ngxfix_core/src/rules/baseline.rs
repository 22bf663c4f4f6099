//! Baselines: the findings a team accepts for now, so that a check reports
//! only new ones (`check --write-baseline FILE`, then `check --baseline
//! FILE`). A finding is known by its rule, its file and the text of the
//! directive it is about, never by its line: an edit elsewhere in the file
//! moves lines but does not bring known findings back. Identical
//! directives with the same rule in one file are counted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::engine::Finding;
use crate::config::paths::Anchor;
use crate::config::{ConfigTree, FileOrigin};
use crate::syntax::SourceError;

/// The baseline format this version writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A finding's identity in a baseline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// The file as written in the baseline: relative to the baseline's
    /// folder (a dump's files by their server paths).
    pub file: String,
    pub rule: String,
    /// The directive's name and arguments, blanks folded to one space.
    pub directive: String,
}

/// The file's shape.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    schema_version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    file: String,
    rule: String,
    directive: String,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    count: u32,
}

fn one() -> u32 {
    1
}

fn is_one(count: &u32) -> bool {
    *count == 1
}

/// A baseline that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Not the JSON of a baseline.
    #[error("{}", .0.display(.1))]
    Invalid(SourceError, String),
    /// Written by a newer ngxfix.
    #[error("{path}: baseline schema_version {found}; this ngxfix reads version {SCHEMA_VERSION} (write it again with --write-baseline)")]
    Version { path: String, found: u32 },
}

/// Known findings: counts by key, used up as findings match them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    counts: BTreeMap<Key, u32>,
    matched: usize,
}

impl Baseline {
    /// Read a baseline's text (`path` for messages).
    pub fn parse(text: &str, path: &str) -> Result<Baseline, BaselineError> {
        let file: File = serde_json::from_str(text).map_err(|error| {
            let offset = offset_of(text, error.line(), error.column());
            let message = error.to_string();
            // serde_json ends its message with the place, which the caret shows.
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(head, _)| head);
            BaselineError::Invalid(
                SourceError::at(
                    text.as_bytes(),
                    offset,
                    message.to_string(),
                    Some(
                        "a baseline is the JSON `ngxfix check --write-baseline FILE` writes".into(),
                    ),
                ),
                path.to_string(),
            )
        })?;
        if file.schema_version != SCHEMA_VERSION {
            return Err(BaselineError::Version {
                path: path.to_string(),
                found: file.schema_version,
            });
        }
        let mut baseline = Baseline::default();
        for entry in file.findings {
            let key = Key {
                file: entry.file,
                rule: entry.rule,
                directive: entry.directive,
            };
            *baseline.counts.entry(key).or_default() += entry.count;
        }
        Ok(baseline)
    }

    /// Count one finding in (when writing a baseline).
    pub fn add(&mut self, key: Key) {
        *self.counts.entry(key).or_default() += 1;
    }

    /// Whether the baseline knows the finding: if so it is used up, so the
    /// same directive a second time is new unless counted twice.
    pub fn take(&mut self, key: &Key) -> bool {
        match self.counts.get_mut(key) {
            Some(count) if *count > 0 => {
                *count -= 1;
                self.matched += 1;
                true
            }
            _ => false,
        }
    }

    /// Findings matched so far.
    pub fn matched(&self) -> usize {
        self.matched
    }

    /// Findings of the baseline not seen (yet): fixed since it was written.
    pub fn unmatched(&self) -> usize {
        self.counts.values().map(|&n| n as usize).sum()
    }

    /// Findings counted in.
    pub fn len(&self) -> usize {
        self.unmatched() + self.matched
    }

    /// Whether it holds no finding.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The baseline as JSON, sorted by file, rule and directive, so that
    /// it diffs well under version control.
    pub fn to_json(&self) -> String {
        let file = File {
            schema_version: SCHEMA_VERSION,
            findings: self
                .counts
                .iter()
                .filter(|(_, &count)| count > 0)
                .map(|(key, &count)| Entry {
                    file: key.file.clone(),
                    rule: key.rule.clone(),
                    directive: key.directive.clone(),
                    count,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).expect("a baseline serializes");
        text.push('\n');
        text
    }
}

/// The byte offset of serde_json's 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// The key of `finding`, a finding on `config`, with files written from
/// the baseline's folder `anchor`.
pub fn key(finding: &Finding, config: &ConfigTree, anchor: &Anchor) -> Key {
    let source = config.file(finding.file);
    let file = match source.origin {
        // Relative, so the baseline holds wherever the tree is checked out.
        FileOrigin::Disk => anchor.written(&source.path),
        // The server's own paths, wherever the dump is read.
        FileOrigin::Dump | FileOrigin::Stdin | FileOrigin::Context => source.display_path(),
    };
    Key {
        file,
        rule: finding.rule.clone(),
        directive: crate::syntax::directive_head(&source.tree.text()[finding.span.range()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_directives_are_counted() {
        let key = Key {
            file: "a.conf".into(),
            rule: "r".into(),
            directive: "x;".into(),
        };
        let mut written = Baseline::default();
        written.add(key.clone());
        written.add(key.clone());
        let mut read = Baseline::parse(&written.to_json(), "b.json").unwrap();
        assert_eq!(read.len(), 2);
        assert!(read.take(&key));
        assert!(read.take(&key));
        assert!(!read.take(&key), "a third one is new");
        assert_eq!((read.matched(), read.unmatched()), (2, 0));
    }

    #[test]
    fn the_file_round_trips_sorted() {
        let mut baseline = Baseline::default();
        for (file, rule) in [("b.conf", "r1"), ("a.conf", "r2"), ("a.conf", "r1")] {
            baseline.add(Key {
                file: file.into(),
                rule: rule.into(),
                directive: "x;".into(),
            });
        }
        let json = baseline.to_json();
        let order: Vec<&str> = json
            .lines()
            .filter_map(|l| l.trim().strip_prefix("\"file\": "))
            .collect();
        assert_eq!(order, ["\"a.conf\",", "\"a.conf\",", "\"b.conf\","]);
        assert_eq!(Baseline::parse(&json, "b.json").unwrap(), baseline);
    }

    #[test]
    fn a_bad_baseline_is_refused_at_its_place() {
        let error = Baseline::parse(
            "{\n  \"schema_version\": 1,\n  \"findings\": [ { \"rule\": 3 } ]\n}\n",
            "b.json",
        )
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("b.json:3:"), "{error}");
        assert!(error.contains("invalid type"), "{error}");
        let error = Baseline::parse("{\"schema_version\": 2, \"findings\": []}", "b.json")
            .unwrap_err()
            .to_string();
        assert!(error.contains("schema_version 2"), "{error}");
    }
}
