//! The subcommands.

pub mod baseline;
pub mod check;
pub mod diagnose;
pub mod fix;
pub mod fix_verify;
pub mod init;
pub mod inputs;
pub mod parse;
pub mod probe;
pub mod progress;
pub mod prompt;
pub mod reading;
pub mod redact;
pub mod rule_docs;
pub mod rulesets;
pub mod shell;
pub mod suppressions;
pub mod test_rules;

use std::path::{Path, PathBuf};

use ngxfix::config::{ConfigTree, LoadOptions};
use ngxfix::disk::{self, read_stdin};
use ngxfix::write::{self, Change, WriteError, WriteOptions};

use crate::cli::ReadLimits;

/// Load the tree a command was pointed at: a file, `-` (standard input), or
/// the default main file; `follow_includes: false` reads the file alone.
pub fn load(
    path: Option<&Path>,
    follow_includes: bool,
    limits: &ReadLimits,
) -> anyhow::Result<ConfigTree> {
    let path = path.map_or_else(default_main_path, Path::to_path_buf);
    let options = LoadOptions {
        no_includes: !follow_includes,
        max_file_size: limits.max_file_size,
        ..LoadOptions::default()
    };
    if path.as_os_str() == "-" {
        let text = read_stdin(limits.max_file_size)?;
        // Standard input follows its includes either way, as it always has.
        let options = LoadOptions {
            no_includes: false,
            ..options
        };
        return Ok(disk::tree::load_stdin_with(text, &options)?);
    }
    Ok(disk::tree::load_with(&path, &options)?)
}

/// Write `changes`, every file or none (`ngxfix::write::write_all`), with
/// its warnings on standard error. A signal that came while writing waited
/// for the write to end: it is said, and ends the process now, as it would
/// have without the wait.
pub fn write_changes(changes: &[Change<'_>], options: &WriteOptions) -> anyhow::Result<()> {
    let written = match write::write_all(changes, options) {
        Err(error @ WriteError::Interrupted { signal }) => {
            eprintln!("ngxfix: {error}");
            write::die_of(signal)
        }
        written => written?,
    };
    for warning in &written.warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(signal) = written.interrupted {
        eprintln!(
            "ngxfix: {} came while writing: every file was written first",
            write::signal_name(signal)
        );
        write::die_of(signal);
    }
    Ok(())
}

/// The conf path the installed nginx was built with (the same nginx that
/// gives the version), else Debian's and upstream's usual place.
fn default_main_path() -> PathBuf {
    ngxfix::nginx::default_conf_path()
}
