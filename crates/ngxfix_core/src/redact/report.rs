//! What a redaction did, for people (text) and programs (JSON): never a
//! secret, only where each was and what stands there now.

use std::collections::BTreeMap;

use super::{Kind, Redacted};
use crate::config::{ConfigTree, FileId};

/// Redacted values by kind.
pub fn totals(redacted: &Redacted) -> BTreeMap<Kind, usize> {
    let mut totals = BTreeMap::new();
    for entry in &redacted.entries {
        *totals.entry(entry.kind).or_default() += 1;
    }
    totals
}

/// One line per redacted value and per secret file not read, then the
/// totals: of one tree, or of several redacted apart (files a page holds
/// that no include reaches).
pub fn text(parts: &[(&ConfigTree, &Redacted)]) -> String {
    let mut out = String::new();
    let mut all = BTreeMap::new();
    let (mut values, mut files) = (0, 0);
    for (config, redacted) in parts {
        let path = |file: FileId| config.file(file).display_path();
        for entry in &redacted.entries {
            out += &format!(
                "{}:{}: {} -> {}\n",
                path(entry.file),
                entry.line,
                entry.kind.name(),
                entry.placeholder
            );
        }
        for unread in &redacted.unread {
            out += &format!(
                "{}:{}: {} names a secret file: not read, not copied, path kept\n",
                path(unread.file),
                unread.line,
                unread.directive
            );
        }
        for (kind, n) in totals(redacted) {
            *all.entry(kind).or_insert(0) += n;
        }
        values += redacted.entries.len();
        files += config.files().len();
    }
    let listed: Vec<String> = Kind::ALL
        .iter()
        .filter_map(|k| all.get(k).map(|n| format!("{} {n}", k.name())))
        .collect();
    out += &format!(
        "redacted {values} value{} in {files} file{}{}{}\n",
        plural(values),
        plural(files),
        if listed.is_empty() { "" } else { ": " },
        listed.join(", ")
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The report as JSON: `redacted` and `not_read` (each with its path),
/// `totals` by kind, and `output_dir`, where the files were written.
pub fn json(
    config: &ConfigTree,
    redacted: &Redacted,
    output_dir: Option<String>,
) -> serde_json::Result<serde_json::Value> {
    let path = |file: FileId| config.file(file).display_path();
    let with_path = |file: FileId, value: serde_json::Value| {
        let mut value = value;
        value["path"] = path(file).into();
        value
    };
    let entries = redacted
        .entries
        .iter()
        .map(|e| Ok(with_path(e.file, serde_json::to_value(e)?)))
        .collect::<serde_json::Result<Vec<_>>>()?;
    let unread = redacted
        .unread
        .iter()
        .map(|u| Ok(with_path(u.file, serde_json::to_value(u)?)))
        .collect::<serde_json::Result<Vec<_>>>()?;
    let totals: BTreeMap<&str, usize> = totals(redacted)
        .into_iter()
        .map(|(k, n)| (k.name(), n))
        .collect();
    Ok(serde_json::json!({
        "redacted": entries,
        "not_read": unread,
        "totals": totals,
        "output_dir": output_dir,
    }))
}
