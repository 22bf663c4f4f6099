//! Command-line definitions.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Finds and fixes dangerous nginx configurations without disturbing
/// anything else in the file.
#[derive(Debug, Parser)]
#[command(name = "ngxfix", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse a configuration tree (includes followed) and print it.
    Parse(ParseArgs),
}

#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// The main configuration file, or `-` for standard input (an `nginx -T`
    /// dump is split into its files). Default: the path `nginx -V` reports,
    /// else /etc/nginx/nginx.conf.
    pub path: Option<PathBuf>,

    /// What to print.
    #[arg(long, value_enum, default_value_t = ParseFormat::Crossplane)]
    pub format: ParseFormat,

    /// Parse only the named file, without following its includes (for
    /// fragments such as a sites-enabled file).
    #[arg(long)]
    pub no_includes: bool,

    /// Indent the JSON (crossplane format).
    #[arg(long)]
    pub pretty: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParseFormat {
    /// crossplane's JSON schema (comments included).
    Crossplane,
    /// The lossless tree, one token a line, for debugging.
    Tree,
    /// The main file printed back from the tree: byte-identical to the input.
    Source,
    /// Every file of the tree, the way `nginx -T` prints them.
    Dump,
    /// Counts only: files, bytes, lines, tokens, directives, comments.
    Stats,
}
