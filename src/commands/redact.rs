//! `ngxfix redact`: the tree with its secrets replaced, on standard output
//! (one file as is, several as an `nginx -T` dump that `ngxfix check -`
//! reads back) or under a folder (`-o DIR`); the report on standard error.
//! The input files are only read.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context};

use crate::cli::{RedactArgs, RedactReport};
use ngxfix::config::{dump, ConfigTree, FileOrigin, LoadError};
use ngxfix::redact::{self, Redacted};

/// Where files outside the main file's directory go under `-o DIR`.
const OUTSIDE: &str = "_outside";
/// What a leading `..` becomes under [`OUTSIDE`].
const UP: &str = "_up";
/// The name of the main file read from standard input, under `-o DIR`.
const STDIN_NAME: &str = "nginx.conf";

/// Redact the tree and print or write it; exit status 0.
pub fn run(args: &RedactArgs, out: &mut impl Write) -> anyhow::Result<u8> {
    let config = super::load(args.path.as_deref(), !args.no_includes, &args.limits)
        .map_err(without_source)?;
    let redacted = redact::redact(&config, redact::Options { hosts: args.hosts })?;
    let written = match &args.output {
        Some(dir) => Some(write_tree(&config, &redacted, dir)?),
        None => {
            print_tree(&config, &redacted, out)?;
            None
        }
    };
    let report = match args.report {
        RedactReport::Text => {
            let mut text = redact::report::text(&[(&config, &redacted)]);
            if let Some(dir) = &written {
                text += &format!("wrote the redacted files under {}\n", dir.display());
            }
            text
        }
        RedactReport::Json => {
            let dir = written.as_ref().map(|d| d.display().to_string());
            serde_json::to_string_pretty(&redact::report::json(&config, &redacted, dir)?)? + "\n"
        }
        RedactReport::None => String::new(),
    };
    std::io::stderr().write_all(report.as_bytes())?;
    Ok(0)
}

/// A load error without the source line and hint `check` would show: the
/// line of a file being redacted may hold the very secret to hide.
fn without_source(error: anyhow::Error) -> anyhow::Error {
    match error.downcast::<LoadError>() {
        Ok(LoadError::Source { path, error }) => anyhow::anyhow!(
            "{path}:{}:{}: {} (the line is not shown: it may hold a secret)",
            error.line,
            error.col,
            error.message
        ),
        Ok(other) => other.into(),
        Err(other) => other,
    }
}

/// One file as its text; several (or a dump read from standard input) as
/// a dump, so the paths and the include links survive.
fn print_tree(
    config: &ConfigTree,
    redacted: &Redacted,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let files = config.files();
    if files.len() == 1 && files[0].origin != FileOrigin::Dump {
        out.write_all(&redacted.texts[0])?;
        return Ok(());
    }
    for (file, text) in files.iter().zip(&redacted.texts) {
        dump::write_file(out, &file.display_path(), text)?;
    }
    Ok(())
}

/// Write every file under `dir`: built in a temporary folder beside it and
/// renamed into place, so a failure leaves nothing half-written. `dir`
/// must not exist or be empty.
fn write_tree(config: &ConfigTree, redacted: &Redacted, dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("{}: not a readable directory", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{}: the output directory is not empty; give a new or empty one",
                dir.display()
            );
        }
    }
    let main_dir = lexical(&config.main().path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let staging = tempfile::Builder::new()
        .prefix(".ngxfix-redact-")
        .tempdir_in(&parent)
        .with_context(|| format!("creating a folder in {}", parent.display()))?;
    for (file, text) in config.files().iter().zip(&redacted.texts) {
        let relative = output_path(&file.path, &main_dir);
        let target = staging.path().join(&relative);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("creating {}", folder.display()))?;
        }
        let mut handle = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .with_context(|| format!("writing {}", relative.display()))?;
        handle.write_all(text)?;
    }
    warn_absolute_includes(config, dir);
    let staged = staging.keep();
    if let Err(error) = std::fs::rename(&staged, dir) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(error).with_context(|| format!("moving the result to {}", dir.display()));
    }
    Ok(dir.to_path_buf())
}

/// Includes keep their text, so an absolute one (as in an `nginx -T`
/// dump) still names the original files, not the copies under `dir`: say
/// so, or `check DIR/...` would silently read the live configuration.
fn warn_absolute_includes(config: &ConfigTree, dir: &Path) {
    let absolute = config
        .files()
        .iter()
        .flat_map(|f| f.tree.directives())
        .filter(|d| d.name().value() == "include")
        .filter(|d| d.args().next().is_some_and(|a| a.value().starts_with('/')))
        .count();
    if absolute > 0 {
        eprintln!(
            "warning: {absolute} include{} name{} an absolute path: in the copies under {} {} still point{} outside it, at the original files",
            if absolute == 1 { "" } else { "s" },
            if absolute == 1 { "s" } else { "" },
            dir.display(),
            if absolute == 1 { "it" } else { "they" },
            if absolute == 1 { "s" } else { "" },
        );
    }
}

/// Where a file goes under the output folder: its path relative to the
/// main file's directory; a file elsewhere under `_outside/`, with its
/// absolute path without the root, or its relative path with each leading
/// `..` as `_up`. Only normal components: nothing can land outside.
fn output_path(path: &Path, main_dir: &Path) -> PathBuf {
    if path.as_os_str() == "-" {
        return PathBuf::from(STDIN_NAME);
    }
    let path = lexical(path);
    if let Ok(inside) = path.strip_prefix(main_dir) {
        if inside
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return inside.to_path_buf();
        }
    }
    let mut out = PathBuf::from(OUTSIDE);
    for component in path.components() {
        match component {
            Component::Normal(name) => out.push(name),
            Component::ParentDir => out.push(UP),
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
        }
    }
    out
}

/// A path with `.` dropped and `dir/..` folded, without asking the disk.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths_stay_inside() {
        let main = Path::new("conf");
        assert_eq!(
            output_path(Path::new("conf/sites/a.conf"), main),
            PathBuf::from("sites/a.conf")
        );
        assert_eq!(
            output_path(Path::new("conf/./x/../b.conf"), main),
            PathBuf::from("b.conf")
        );
        assert_eq!(
            output_path(Path::new("/etc/nginx/mime.types"), main),
            PathBuf::from("_outside/etc/nginx/mime.types")
        );
        assert_eq!(
            output_path(Path::new("conf/../../shared/c.conf"), main),
            PathBuf::from("_outside/_up/shared/c.conf")
        );
        assert_eq!(
            output_path(Path::new("-"), Path::new("")),
            PathBuf::from("nginx.conf")
        );
        assert_eq!(
            output_path(Path::new("conf.d/x.conf"), Path::new("")),
            PathBuf::from("conf.d/x.conf")
        );
    }
}
