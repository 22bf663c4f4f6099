//! Rule files and folders named by `--rules` or the settings.

use std::path::{Path, PathBuf};

use super::read::read_text;
use crate::rules::load::{from_texts, RuleError};
use crate::rules::Rule;
use crate::settings;

/// Read rules from a file, or every `*.toml` in a folder (sorted) but a
/// settings file (`ngxfix.toml`), which a project keeps beside its rules.
pub fn from_path(path: &Path) -> Result<Vec<Rule>, RuleError> {
    let display = path.display().to_string();
    let read_error = |error| RuleError::Read {
        path: display.clone(),
        error,
    };
    let files = if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(read_error)?
            .filter_map(|entry| entry.ok().map(|e| e.path()));
        let files: Vec<PathBuf> = rule_files(entries)
            .into_iter()
            .filter(|p| p.is_file())
            .collect();
        if files.is_empty() {
            return Err(RuleError::Empty { path: display });
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    // Read as parsed: the first bad file is the one reported.
    from_texts(files.into_iter().map(|file| match read_text(&file) {
        Ok(text) => Ok((file, text)),
        Err(error) => Err(RuleError::Read {
            path: file.display().to_string(),
            error,
        }),
    }))
}

/// Of the entries of a rule folder, the rule files, sorted: every
/// `*.toml` but a settings file (`ngxfix.toml`), which a project keeps
/// beside its rules.
fn rule_files(entries: impl IntoIterator<Item = PathBuf>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = entries
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| p.file_name().is_none_or(|n| n != settings::FILE_NAME))
        .collect();
    files.sort();
    files
}
