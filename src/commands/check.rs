//! `ngxfix check`.

use std::io::{IsTerminal, Write};

use crate::cli::{CheckArgs, CheckFormat};
use ngxfix::config::Reading;
use ngxfix::model::Model;
use ngxfix::output::findings::{Inputs, Report, ReportFormat};
use ngxfix::rules::check;

/// Check each tree and print the findings; exit status 1 when there are
/// findings, 0 when none.
pub fn run_check(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let format = match args.format {
        CheckFormat::Text => ReportFormat::Text {
            color: args.color.enabled(std::io::stdout().is_terminal()),
        },
        CheckFormat::Json => ReportFormat::Json,
        CheckFormat::Sarif => ReportFormat::Sarif,
        CheckFormat::Github => ReportFormat::Github,
    };
    let timings = std::env::var_os("NGXFIX_TIMINGS").is_some();
    let clock = std::time::Instant::now();
    let lap = |what: &str| {
        if timings {
            eprintln!("{what}: {:.1} ms", clock.elapsed().as_secs_f64() * 1e3);
        }
    };
    let runs = super::inputs::prepare(&args.inputs)?;
    lap("loaded");
    let rules = super::inputs::all_selected(&runs);
    let readings: Vec<Reading> = runs
        .iter()
        .flat_map(|run| run.inputs.iter().map(|(_, reading)| reading.clone()))
        .collect();
    let version_from = super::inputs::versions_from(&runs);
    let mut report = Report::begin(format, out, &rules, runs[0].version)?;
    report.describe(Inputs {
        readings: &readings,
        version_from: &version_from,
    })?;
    for run in &runs {
        for (config, _) in &run.inputs {
            let model = Model::new(config, run.version);
            lap("model");
            let checked = check(&run.rules.selected, &model, &run.options);
            lap("matched");
            for batch in checked.batches() {
                report.findings(&batch)?;
            }
            lap("reported");
        }
    }
    let summary = report.finish()?;
    Ok(u8::from(summary.findings > 0))
}
