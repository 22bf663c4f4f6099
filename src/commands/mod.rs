//! The subcommands.

pub mod check;
pub mod diagnose;
pub mod fix;
pub mod fix_verify;
pub mod inputs;
pub mod parse;
pub mod prompt;
pub mod reading;
pub mod redact;
pub mod rule_docs;
pub mod rulesets;
pub mod test_rules;

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use ngxfix::config::ConfigTree;

/// Load the tree a command was pointed at: a file, `-` (standard input), or
/// the default main file; `follow_includes: false` reads the file alone.
pub fn load(path: Option<&Path>, follow_includes: bool) -> anyhow::Result<ConfigTree> {
    let path = path.map_or_else(default_main_path, Path::to_path_buf);
    if path.as_os_str() == "-" {
        let mut text = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut text)
            .context("reading standard input")?;
        return Ok(ConfigTree::load_stdin(text)?);
    }
    if follow_includes {
        Ok(ConfigTree::load(&path)?)
    } else {
        Ok(ConfigTree::load_single(&path)?)
    }
}

/// The conf path nginx was built with (`nginx -V` prints
/// `--conf-path=...`), else Debian's and upstream's usual place.
fn default_main_path() -> PathBuf {
    let reported = Command::new("nginx")
        .arg("-V")
        .output()
        .ok()
        .and_then(|out| {
            // nginx prints its build information to stderr.
            let text = String::from_utf8_lossy(&out.stderr).into_owned();
            text.split_whitespace()
                .find_map(|arg| arg.strip_prefix("--conf-path=").map(PathBuf::from))
        });
    reported.unwrap_or_else(|| PathBuf::from("/etc/nginx/nginx.conf"))
}
