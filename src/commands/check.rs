//! `ngxfix check`.

use std::io::{IsTerminal, Write};

use anyhow::Context;

use crate::cli::{CheckArgs, CheckFormat, ColorChoice};
use ngxfix::model::{Model, Version};
use ngxfix::output::findings::{Format, Report};
use ngxfix::rules::{check, facts, Backends, RunOptions};

/// Check each tree and print the findings; exit status 1 when there are
/// findings, 0 when none.
pub fn run_check(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let rules = super::rulesets::load(&args.source)?;
    let version = match args.nginx_version.as_deref().or(rules
        .settings
        .settings
        .nginx_version
        .as_deref())
    {
        Some(text) => text
            .parse::<Version>()
            .context("reading the nginx version (--nginx-version or nginx_version)")?,
        None => Version::ASSUMED,
    };
    let mut backends = Backends::default();
    for (name, backend) in rules.settings.backends()? {
        backends.insert(&name, backend);
    }
    for assignment in &args.backends {
        let (name, backend) = facts::parse_assignment(assignment).map_err(anyhow::Error::msg)?;
        backends.insert(&name, backend);
    }
    let options = RunOptions {
        params: rules.params.clone(),
        backends,
        report_unused_suppressions: rules.unused_suppressions,
        known_rules: rules.all.iter().map(|r| r.id.clone()).collect(),
    };

    let paths: Vec<Option<&std::path::Path>> = if args.paths.is_empty() {
        vec![None]
    } else {
        args.paths.iter().map(|p| Some(p.as_path())).collect()
    };
    let format = match args.format {
        CheckFormat::Text => Format::Text {
            color: match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::io::stdout().is_terminal()
                }
            },
        },
        CheckFormat::Json => Format::Json,
        CheckFormat::Sarif => Format::Sarif,
        CheckFormat::Github => Format::Github,
    };
    // Load every tree first: a bad one stops the run before any output.
    let configs = paths
        .into_iter()
        .map(|path| super::load(path, !args.no_includes))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let timings = std::env::var_os("NGXFIX_TIMINGS").is_some();
    let clock = std::time::Instant::now();
    let lap = |what: &str| {
        if timings {
            eprintln!("{what}: {:.1} ms", clock.elapsed().as_secs_f64() * 1e3);
        }
    };
    lap("loaded");
    let mut report = Report::begin(format, out, &rules.selected, version)?;
    for config in &configs {
        let model = Model::new(config, version);
        lap("model");
        let checked = check(&rules.selected, &model, &options);
        lap("matched");
        for finding in checked.findings() {
            report.finding(&finding)?;
        }
        lap("reported");
    }
    let summary = report.finish()?;
    Ok(u8::from(summary.findings > 0))
}
