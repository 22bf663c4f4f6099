//! `ngxfix check`.

use std::io::{IsTerminal, Write};

use crate::cli::{CheckArgs, CheckFormat};
use ngxfix::model::Model;
use ngxfix::output::findings::{Format, Report};
use ngxfix::rules::check;

/// Check each tree and print the findings; exit status 1 when there are
/// findings, 0 when none.
pub fn run_check(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let format = match args.format {
        CheckFormat::Text => Format::Text {
            color: args.color.enabled(std::io::stdout().is_terminal()),
        },
        CheckFormat::Json => Format::Json,
        CheckFormat::Sarif => Format::Sarif,
        CheckFormat::Github => Format::Github,
    };
    let timings = std::env::var_os("NGXFIX_TIMINGS").is_some();
    let clock = std::time::Instant::now();
    let lap = |what: &str| {
        if timings {
            eprintln!("{what}: {:.1} ms", clock.elapsed().as_secs_f64() * 1e3);
        }
    };
    let prepared = super::inputs::prepare(&args.inputs)?;
    let (rules, version, options) = (&prepared.rules, prepared.version, &prepared.options);
    lap("loaded");
    let mut report = Report::begin(format, out, &rules.selected, version)?;
    for config in &prepared.configs {
        let model = Model::new(config, version);
        lap("model");
        let checked = check(&rules.selected, &model, options);
        lap("matched");
        for batch in checked.batches() {
            report.findings(&batch)?;
        }
        lap("reported");
    }
    let summary = report.finish()?;
    Ok(u8::from(summary.findings > 0))
}
