//! `ngxfix check`.

use std::io::{BufWriter, IsTerminal, Write};
use std::time::Instant;

use anyhow::Context;

use crate::cli::{CheckArgs, CheckFormat};
use ngxfix::config::{ConfigTree, Reading};
use ngxfix::model::Model;
use ngxfix::output::findings::{Inputs, Report, ReportFormat};
use ngxfix::output::plural;
use ngxfix::output::statistics::Statistics;
use ngxfix::rules::{check, Finding, Severity};

use super::baseline::Known;
use super::inputs::Run;
use super::progress::{self, Progress};

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
            format: crate::cli::FixFormat::Text,
        };
        return super::fix::run_fix(&dry_run, stdout);
    }
    if args.statistics && !matches!(args.format, CheckFormat::Text | CheckFormat::Json) {
        let name = clap::ValueEnum::to_possible_value(&args.format)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        anyhow::bail!("--statistics prints text or json, not {name}");
    }
    if let Some(path) = &args.write_baseline {
        return super::baseline::write(&args.inputs, path);
    }
    let mut known = match &args.baseline {
        Some(path) => Some(Known::read(path)?),
        None => None,
    };
    if args.add_suppressions {
        return super::suppressions::add(&args.inputs, known.as_mut());
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
        statistics(args, known.as_mut(), out)?
    } else {
        report(args, known.as_mut(), out)?
    };
    out.flush()?;
    if let Some(known) = &known {
        known.say_what_was_left_out();
    }
    let threshold = args.fail_on.map_or(Severity::Info, |f| f.severity());
    let fails = worst.is_some_and(|worst| worst >= threshold);
    Ok(u8::from(fails && !args.exit_zero))
}

/// The findings' counts per rule; the worst severity found.
fn statistics(
    args: &CheckArgs,
    known: Option<&mut Known>,
    out: &mut dyn Write,
) -> anyhow::Result<Option<Severity>> {
    let runs = super::inputs::prepare(&args.inputs)?;
    let mut counts = Statistics::default();
    let steps = Steps::new(&runs, args.inputs.quiet);
    each_batch(&runs, &steps, known, &mut |_, _, batch| {
        counts.add(batch);
        Ok(())
    })?;
    match args.format {
        CheckFormat::Json => counts.write_json(out)?,
        _ => counts.write_text(out)?,
    }
    Ok(counts.worst())
}

/// What receives a check's findings: the tree's place (run, input), the
/// tree, a batch of its findings.
pub(super) type Sink<'a> =
    dyn FnMut((usize, usize), &ConfigTree, &[Finding]) -> anyhow::Result<()> + 'a;

/// The steps of a check: said on a terminal while a large tree is
/// checked, and timed on standard error with `NGXFIX_TIMINGS` set.
pub(super) struct Steps {
    progress: Progress,
    clock: Option<Instant>,
}

impl Steps {
    /// For `runs`; `quiet` (`--quiet`) says nothing.
    pub fn new(runs: &[Run], quiet: bool) -> Steps {
        let bytes = super::inputs::bytes(runs);
        let timed = std::env::var_os("NGXFIX_TIMINGS").is_some();
        let steps = Steps {
            progress: Progress::steps(progress::wanted(quiet) && bytes > progress::TREE_ABOVE),
            clock: timed.then(Instant::now),
        };
        steps.lap("loaded");
        steps
    }

    /// `done` is over; `next` is under way.
    fn step(&self, done: &str, next: String) {
        self.lap(done);
        self.progress.step(next);
    }

    fn lap(&self, done: &str) {
        if let Some(clock) = self.clock {
            eprintln!("{done}: {:.1} ms", clock.elapsed().as_secs_f64() * 1e3);
        }
    }
}

/// Run each run's rules on each of its trees and hand the findings to
/// `sink` batch by batch, as they are rendered, with their tree and its
/// place (run, input) in `runs`; those the baseline knows are left out.
pub(super) fn each_batch(
    runs: &[Run],
    steps: &Steps,
    mut known: Option<&mut Known>,
    sink: &mut Sink<'_>,
) -> anyhow::Result<()> {
    let trees: usize = runs.iter().map(|run| run.inputs.len()).sum();
    let mut seen = 0;
    for (r, run) in runs.iter().enumerate() {
        for (i, (config, _)) in run.inputs.iter().enumerate() {
            seen += 1;
            let of = if trees > 1 {
                format!(" (tree {seen} of {trees})")
            } else {
                String::new()
            };
            let files = config.files().len();
            steps.progress.step(format!(
                "reading {} into the model{of}",
                plural(files, "file")
            ));
            let model = Model::new(config, run.version);
            steps.step(
                "model",
                format!("matching {}{of}", plural(run.rules.selected.len(), "rule")),
            );
            let checked = check(&run.rules.selected, &model, &run.options);
            steps.step("matched", format!("reporting the findings{of}"));
            for mut batch in checked.batches() {
                if let Some(known) = known.as_deref_mut() {
                    known.leave_out(config, &mut batch);
                }
                sink((r, i), config, &batch)?;
            }
            steps.lap("reported");
        }
    }
    Ok(())
}

/// The findings in the chosen format; the worst severity found.
fn report(
    args: &CheckArgs,
    known: Option<&mut Known>,
    out: &mut dyn Write,
) -> anyhow::Result<Option<Severity>> {
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
    let runs = super::inputs::prepare(&args.inputs)?;
    let steps = Steps::new(&runs, args.inputs.quiet);
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
    each_batch(&runs, &steps, known, &mut |_, _, batch| {
        Ok(report.findings(batch)?)
    })?;
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
