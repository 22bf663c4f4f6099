//! The `ngxfix` binary: parse arguments, run, map errors to exit codes
//! (0 clean, 1 findings or changes, 2 error).

mod cli;
mod commands;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = match &cli.command {
        cli::Command::Check(args) => commands::check::run_check(args, &mut out),
        cli::Command::Fix(args) => commands::fix::run_fix(args, &mut out),
        cli::Command::Init(args) => commands::init::run(args, &mut out),
        cli::Command::Rules(args) => commands::rule_docs::list(args, &mut out),
        cli::Command::Explain(args) => commands::rule_docs::explain(args, &mut out),
        cli::Command::TestRules(args) => commands::test_rules::run(args, &mut out),
        cli::Command::Parse(args) => commands::parse::run(args, &mut out),
        cli::Command::Redact(args) => commands::redact::run(args, &mut out),
        cli::Command::Diagnose(args) => commands::diagnose::run(args, &mut out),
        cli::Command::Probe(args) => commands::probe::run(args, &mut out),
        cli::Command::Completions(args) => commands::shell::completions(args, &mut out),
        cli::Command::Man(args) => commands::shell::man(args, &mut out),
    };
    let result = result.and_then(|code| out.flush().map(|()| code).map_err(Into::into));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// `ngxfix parse ... | head` closing the pipe early is not an error.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
