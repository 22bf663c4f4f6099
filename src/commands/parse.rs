//! `ngxfix parse`.

use std::io::Write;

use crate::cli::{ParseArgs, ParseFormat};
use ngxfix::output;

/// Load the tree and print it in the chosen format.
pub fn run(args: &ParseArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let config = super::load(args.path.as_deref(), !args.no_includes)?;
    match args.format {
        ParseFormat::Crossplane => {
            writeln!(out, "{}", output::crossplane::render(&config, args.pretty))?;
        }
        ParseFormat::Tree => out.write_all(output::tree::render(&config).as_bytes())?,
        ParseFormat::Source => out.write_all(&ngxfix::syntax::print(&config.main().tree))?,
        ParseFormat::Dump => {
            for file in config.files() {
                writeln!(out, "# configuration file {}:", file.display_path())?;
                out.write_all(&ngxfix::syntax::print(&file.tree))?;
                writeln!(out)?;
            }
        }
    }
    Ok(())
}
