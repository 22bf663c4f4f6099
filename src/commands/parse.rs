//! `ngxfix parse`.

use std::io::Write;

use crate::cli::{ParseArgs, ParseFormat};
use ngxfix::output;

/// Load the tree and print it in the chosen format.
pub fn run(args: &ParseArgs, out: &mut impl Write) -> anyhow::Result<u8> {
    let config = super::load(args.path.as_deref(), !args.no_includes, &args.limits)?;
    match args.format {
        ParseFormat::Crossplane => {
            writeln!(out, "{}", output::crossplane::render(&config, args.pretty))?;
        }
        ParseFormat::Tree => out.write_all(output::tree::render(&config).as_bytes())?,
        ParseFormat::Source => out.write_all(&ngxfix::syntax::print(&config.main().tree))?,
        ParseFormat::Stats => {
            let files = config.files();
            let sum = |f: &dyn Fn(&ngxfix::syntax::SyntaxTree) -> usize| -> usize {
                files.iter().map(|file| f(&file.tree)).sum()
            };
            writeln!(out, "files: {}", files.len())?;
            writeln!(out, "bytes: {}", sum(&|t| t.text().len()))?;
            writeln!(
                out,
                "lines: {}",
                sum(&|t| t.text().iter().filter(|&&b| b == b'\n').count())
            )?;
            writeln!(out, "tokens: {}", sum(&|t| t.token_count()))?;
            writeln!(out, "directives: {}", sum(&|t| t.directive_count()))?;
            writeln!(out, "comments: {}", sum(&|t| t.comments().count()))?;
        }
        ParseFormat::Dump => {
            for file in config.files() {
                let text = ngxfix::syntax::print(&file.tree);
                ngxfix::config::dump::write_file(out, &file.display_path(), &text)?;
            }
        }
    }
    Ok(0)
}
