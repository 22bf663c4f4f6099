//! `ngxfix check`.

use std::io::{BufWriter, IsTerminal, Write};

use anyhow::Context;

use crate::cli::{CheckArgs, CheckFormat};
use ngxfix::config::Reading;
use ngxfix::model::Model;
use ngxfix::output::findings::{Inputs, Report, ReportFormat};
use ngxfix::output::statistics::Statistics;
use ngxfix::rules::{check, Finding, Severity};

use super::inputs::Run;

/// Check each tree and print the findings (or, with `--statistics`, their
/// counts per rule) to standard output or `--output-file`. Exit status 1
/// when some finding reaches `--fail-on` (any finding by default), 0 with
/// `--exit-zero` or none.
pub fn run_check(args: &CheckArgs, stdout: &mut dyn Write) -> anyhow::Result<u8> {
    if args.diff {
        // `ruff check --diff`'s habit, kept as an alias: one code path.
        let dry_run = crate::cli::FixArgs {
            inputs: args.inputs.clone(),
            dry_run: true,
            interactive: false,
            unsafe_fixes: false,
            no_verify: false,
            in_place_ok: false,
            respect_readonly: false,
            color: args.color,
        };
        return super::fix::run_fix(&dry_run, stdout);
    }
    if args.statistics && !matches!(args.format, CheckFormat::Text | CheckFormat::Json) {
        let name = clap::ValueEnum::to_possible_value(&args.format)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        anyhow::bail!("--statistics prints text or json, not {name}");
    }
    let mut file = match &args.output_file {
        Some(path) => Some(BufWriter::new(
            std::fs::File::create(path).with_context(|| path.display().to_string())?,
        )),
        None => None,
    };
    let out: &mut dyn Write = match &mut file {
        Some(file) => file,
        None => stdout,
    };
    let worst = if args.statistics {
        statistics(args, out)?
    } else {
        report(args, out)?
    };
    out.flush()?;
    let threshold = args.fail_on.map_or(Severity::Info, |f| f.severity());
    let fails = worst.is_some_and(|worst| worst >= threshold);
    Ok(u8::from(fails && !args.exit_zero))
}

/// The findings' counts per rule; the worst severity found.
fn statistics(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<Option<Severity>> {
    let runs = super::inputs::prepare(&args.inputs)?;
    let mut counts = Statistics::default();
    each_batch(&runs, &|_| {}, &mut |batch| {
        counts.add(batch);
        Ok(())
    })?;
    match args.format {
        CheckFormat::Json => counts.write_json(out)?,
        _ => counts.write_text(out)?,
    }
    Ok(counts.worst())
}

/// Run each run's rules on each of its trees and hand the findings to
/// `sink` batch by batch, as they are rendered; `lap` marks the steps.
fn each_batch(
    runs: &[Run],
    lap: &dyn Fn(&str),
    sink: &mut dyn FnMut(&[Finding]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    for run in runs {
        for (config, _) in &run.inputs {
            let model = Model::new(config, run.version);
            lap("model");
            let checked = check(&run.rules.selected, &model, &run.options);
            lap("matched");
            for batch in checked.batches() {
                sink(&batch)?;
            }
            lap("reported");
        }
    }
    Ok(())
}

/// The findings in the chosen format; the worst severity found.
fn report(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<Option<Severity>> {
    let format = match args.format {
        CheckFormat::Text => ReportFormat::Text {
            // A file is no terminal: `auto` writes it without colors.
            color: args
                .color
                .enabled(args.output_file.is_none() && std::io::stdout().is_terminal()),
        },
        CheckFormat::Json => ReportFormat::Json,
        CheckFormat::Sarif => ReportFormat::Sarif,
        CheckFormat::Github => ReportFormat::Github,
        CheckFormat::Gitlab => ReportFormat::Gitlab,
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
    each_batch(&runs, &lap, &mut |batch| Ok(report.findings(batch)?))?;
    let summary = report.finish()?;
    Ok([
        (summary.errors, Severity::Error),
        (summary.warnings, Severity::Warning),
        (summary.info, Severity::Info),
    ]
    .into_iter()
    .find(|(count, _)| *count > 0)
    .map(|(_, severity)| severity))
}
