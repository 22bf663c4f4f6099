//! `[per-file-ignores]` in ngxfix.toml: rules left out for the files a glob
//! names, as ruff's setting of that name does. A pattern without `/`
//! matches a file's name wherever it is (`*.inc`); one with `/` matches the
//! path from the settings file's folder (`sites-enabled/legacy-*.conf`,
//! `vendor/**`) or, written from `/`, the absolute path (a dump's files).

use std::path::Path;

use glob::{MatchOptions, Pattern, PatternError};

use crate::config::paths::Anchor;

/// `*` and `?` stop at `/`; `**` crosses folders.
const MATCH: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// The compiled `[per-file-ignores]` table.
#[derive(Debug, Clone, Default)]
pub struct FileIgnores {
    anchor: Anchor,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    pattern: Pattern,
    /// What the pattern is matched against.
    scope: Scope,
    /// Rule ids or categories.
    rules: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Name,
    Relative,
    Absolute,
}

/// A pattern that is not a glob.
#[derive(Debug, thiserror::Error)]
#[error("\"{pattern}\" is not a glob pattern: {error}")]
pub struct FileIgnoreError {
    pub pattern: String,
    pub error: PatternError,
}

impl FileIgnores {
    /// The table's entries (glob, rule ids or categories), globs read from
    /// `anchor`'s folder.
    pub fn new(
        anchor: Anchor,
        entries: impl IntoIterator<Item = (String, Vec<String>)>,
    ) -> Result<FileIgnores, FileIgnoreError> {
        let entries = entries
            .into_iter()
            .map(|(text, rules)| {
                let written = text.strip_prefix("./").unwrap_or(&text);
                let scope = if written.starts_with('/') {
                    Scope::Absolute
                } else if written.contains('/') {
                    Scope::Relative
                } else {
                    Scope::Name
                };
                let pattern = Pattern::new(written).map_err(|error| FileIgnoreError {
                    pattern: text.clone(),
                    error,
                })?;
                Ok(Entry {
                    pattern,
                    scope,
                    rules,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(FileIgnores { anchor, entries })
    }

    /// Whether there is nothing to ignore.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The rule ids and categories left out for the file named `path` (as
    /// the configuration or the user named it).
    pub fn for_file(&self, path: &Path) -> Vec<&str> {
        let mut rules = Vec::new();
        for entry in &self.entries {
            let matched = match entry.scope {
                Scope::Name => path
                    .file_name()
                    .is_some_and(|name| entry.pattern.matches_with(&name.to_string_lossy(), MATCH)),
                Scope::Relative => self
                    .anchor
                    .relative(path)
                    .is_some_and(|relative| entry.pattern.matches_with(&relative, MATCH)),
                Scope::Absolute => entry
                    .pattern
                    .matches_path_with(&self.anchor.absolute(path), MATCH),
            };
            if matched {
                rules.extend(entry.rules.iter().map(String::as_str));
            }
        }
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignores(entries: &[(&str, &[&str])]) -> FileIgnores {
        FileIgnores::new(
            Anchor::new(Path::new("/repo"), Path::new("nginx")),
            entries.iter().map(|(glob, rules)| {
                (
                    glob.to_string(),
                    rules.iter().map(|r| r.to_string()).collect(),
                )
            }),
        )
        .unwrap()
    }

    #[test]
    fn a_name_pattern_matches_in_any_folder() {
        let table = ignores(&[("*.inc", &["server-tokens"])]);
        assert_eq!(
            table.for_file(Path::new("nginx/snippets/a.inc")),
            ["server-tokens"]
        );
        assert_eq!(
            table.for_file(Path::new("/etc/nginx/b.inc")),
            ["server-tokens"]
        );
        assert!(table.for_file(Path::new("nginx/a.conf")).is_empty());
    }

    #[test]
    fn a_path_pattern_is_read_from_the_settings_folder() {
        let table = ignores(&[
            ("sites-enabled/legacy-*.conf", &["keepalive"]),
            ("./vendor/**", &["security", "add-header-redefinition"]),
        ]);
        // Named from the working directory, /repo.
        assert_eq!(
            table.for_file(Path::new("nginx/sites-enabled/legacy-a.conf")),
            ["keepalive"]
        );
        // `*` does not cross a folder.
        assert!(table
            .for_file(Path::new("nginx/sites-enabled/old/legacy-a.conf"))
            .is_empty());
        assert_eq!(
            table.for_file(Path::new("/repo/nginx/vendor/x/y.conf")),
            ["security", "add-header-redefinition"]
        );
        // Outside the settings folder, a relative pattern matches nothing.
        assert!(table
            .for_file(Path::new("/srv/sites-enabled/legacy-a.conf"))
            .is_empty());
    }

    #[test]
    fn an_absolute_pattern_matches_absolute_paths() {
        let table = ignores(&[("/etc/nginx/conf.d/*.conf", &["server-tokens"])]);
        assert_eq!(
            table.for_file(Path::new("/etc/nginx/conf.d/default.conf")),
            ["server-tokens"]
        );
        assert!(table.for_file(Path::new("conf.d/default.conf")).is_empty());
    }

    #[test]
    fn a_bad_glob_is_refused_with_its_text() {
        let error = FileIgnores::new(
            Anchor::default(),
            [("sites/[a.conf".to_string(), vec!["x".to_string()])],
        )
        .unwrap_err();
        assert!(error
            .to_string()
            .starts_with("\"sites/[a.conf\" is not a glob"));
    }
}
