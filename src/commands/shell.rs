//! What shells and `man` read: completion scripts and manual pages, both
//! generated from the clap definitions in `cli.rs`, so that they cannot
//! drift from the options the binary takes.

use std::io::Write;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};

/// `ngxfix completions SHELL`: the script on standard output.
pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "ngxfix", out);
    Ok(0)
}

/// `ngxfix man`: `ngxfix.1` on standard output, or every page into a
/// folder, each path written named on standard output.
pub fn man(args: &ManArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let command = Cli::command();
    let Some(dir) = &args.out else {
        clap_mangen::Man::new(command).render(out)?;
        return Ok(0);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    // The pages clap_mangen writes: the command's and each visible
    // subcommand's (clap's own `help` has none).
    let pages: Vec<String> = std::iter::once("ngxfix.1".to_string())
        .chain(
            command
                .get_subcommands()
                .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
                .map(|sub| format!("ngxfix-{}.1", sub.get_name())),
        )
        .collect();
    clap_mangen::generate_to(command, dir).with_context(|| format!("{}", dir.display()))?;
    for page in pages {
        writeln!(out, "{}", dir.join(page).display())?;
    }
    Ok(0)
}
