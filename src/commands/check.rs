//! `ngxfix check`.

use std::io::{IsTerminal, Write};

use anyhow::Context;

use crate::cli::{CheckArgs, CheckFormat, ColorChoice};
use ngxfix::model::{Model, Version};
use ngxfix::output::findings::{self, Report, Reported};
use ngxfix::rules::{facts, run, Backends, RunOptions};

/// Check each tree and print the findings; exit status 1 when there are
/// findings, 0 when none.
pub fn run_check(args: &CheckArgs, out: &mut impl Write) -> anyhow::Result<u8> {
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
    let mut reported = Vec::new();
    for path in paths {
        let config = super::load(path, !args.no_includes)?;
        let model = Model::new(&config, version);
        for finding in run(&rules.selected, &model, &options) {
            reported.push(Reported::new(finding, &config));
        }
    }

    let report = Report {
        findings: &reported,
        rules: &rules.selected,
        nginx_version: version,
    };
    match args.format {
        CheckFormat::Text => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::io::stdout().is_terminal()
                }
            };
            out.write_all(findings::text(&report, color).as_bytes())?;
        }
        CheckFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &findings::json(&report))?;
            writeln!(out)?;
        }
        CheckFormat::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &findings::sarif(&report))?;
            writeln!(out)?;
        }
        CheckFormat::Github => out.write_all(findings::github(&report).as_bytes())?,
    }
    Ok(u8::from(!reported.is_empty()))
}
