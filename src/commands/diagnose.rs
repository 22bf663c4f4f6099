//! `ngxfix diagnose`: read error logs (files, gzip files, standard input),
//! report upstream failures by signature, and with `--config` run the
//! rules those failures point to.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::Context;
use flate2::read::MultiGzDecoder;

use crate::cli::{DiagnoseArgs, DiagnoseFormat, Inputs, ReadingArgs, RuleSource};
use ngxfix::diagnose::{self, blocks, report, Tally};
use ngxfix::model::Model;
use ngxfix::output::findings::{self, Report, ReportFormat};
use ngxfix::rules::check;

use super::inputs::{self, Run as Prepared};
use super::progress::Progress;

/// Inputs larger than this (or of unknown size) show progress on a
/// terminal.
const PROGRESS_ABOVE: u64 = 64 * 1024 * 1024;

/// Diagnose the logs; exit status 1 when there are upstream failures, 0
/// when none.
pub fn run(args: &DiagnoseArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    // A bad configuration or settings file stops the run before a long read.
    let prepared = match &args.config {
        Some(path) => Some(prepare(args, path)?),
        None => None,
    };
    let names: Vec<PathBuf> = if args.logs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.logs.clone()
    };
    let mut sources = names
        .iter()
        .map(|name| Source::open(name))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let show_progress = super::progress::wanted(args.quiet);
    let mut tally = Tally::default();
    let mut read = Vec::new();
    for source in &mut sources {
        read.push(source.read(&mut tally, show_progress)?);
    }
    // One model per configuration: it traces addresses to upstream blocks
    // and then runs the rules.
    let models: Vec<Model<'_>> = prepared
        .iter()
        .flat_map(|p| {
            p.inputs
                .iter()
                .map(|(config, _)| Model::new(config, p.version))
        })
        .collect();
    let mut blocks = BTreeMap::new();
    for model in &models {
        for (address, labels) in blocks::upstream_blocks(model) {
            blocks
                .entry(address)
                .or_insert_with(Vec::new)
                .extend(labels);
        }
    }
    let diagnosis = report::Diagnosis {
        inputs: &read,
        tally: &tally,
        blocks: &blocks,
    };
    let rule_ids = diagnosis.rule_ids();
    match args.format {
        DiagnoseFormat::Text => {
            report::text(out, &diagnosis)?;
            if let Some(prepared) = &prepared {
                let color = args.color.enabled(io::stdout().is_terminal());
                config_text(out, prepared, &models, &rule_ids, color)?;
            }
        }
        DiagnoseFormat::Json => {
            let found = prepared
                .as_ref()
                .map(|p| config_json(p, &models, &rule_ids));
            let value = report::json(&diagnosis, found);
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)?;
        }
    }
    Ok(u8::from(tally.failures > 0))
}

/// Rules, settings, facts and the configuration, as `check` loads them;
/// `--config` here names the nginx configuration, `--settings` ngxfix.toml.
fn prepare(args: &DiagnoseArgs, config: &Path) -> anyhow::Result<Prepared> {
    let inputs = Inputs {
        paths: vec![config.to_path_buf()],
        source: RuleSource {
            config: args.settings.clone(),
            ..RuleSource::default()
        },
        nginx_version: args.nginx_version.clone(),
        backends: args.backends.clone(),
        prefer: None,
        assume_backend: None,
        front_lb: None,
        reading: ReadingArgs::default(),
        probe_cache: None,
        allow_public: false,
        quiet: args.quiet,
        limits: args.limits.clone(),
    };
    let mut prepared = inputs::prepare(&inputs)?
        .pop()
        .expect("one configuration, one run");
    // Only some rules run: a suppression of another one is not unused.
    prepared.options.report_unused_suppressions = false;
    Ok(prepared)
}

/// The selected rules among `ids`.
fn chosen(prepared: &Prepared, ids: &[&str]) -> Vec<ngxfix::rules::Rule> {
    prepared
        .rules
        .selected
        .iter()
        .filter(|r| ids.contains(&r.id.as_str()))
        .cloned()
        .collect()
}

fn config_text(
    out: &mut dyn Write,
    prepared: &Prepared,
    models: &[Model<'_>],
    ids: &[&str],
    color: bool,
) -> anyhow::Result<()> {
    writeln!(out)?;
    let rules = chosen(prepared, ids);
    if rules.is_empty() {
        writeln!(
            out,
            "Configuration: no rule addresses the failures seen; nothing to check."
        )?;
        return Ok(());
    }
    let names: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    writeln!(
        out,
        "Configuration, checked with the rules for these failures ({}):",
        names.join(", ")
    )?;
    writeln!(out)?;
    let mut report = Report::begin(ReportFormat::Text { color }, out, &rules, prepared.version)?;
    for model in models {
        for finding in check(&rules, model, &prepared.options).findings() {
            report.finding(&finding)?;
        }
    }
    report.finish()?;
    Ok(())
}

fn config_json(prepared: &Prepared, models: &[Model<'_>], ids: &[&str]) -> Vec<serde_json::Value> {
    let rules = chosen(prepared, ids);
    let mut values = Vec::new();
    for model in models {
        for finding in check(&rules, model, &prepared.options).findings() {
            values.push(findings::json_value(&finding));
        }
    }
    values
}

/// One log to read: a file or standard input, plain or gzip.
struct Source {
    name: String,
    reader: Box<dyn BufRead>,
    /// Bytes read from the file itself (compressed bytes for gzip).
    raw: Rc<Cell<u64>>,
    /// The file's size, when it is a regular file.
    size: Option<u64>,
}

/// Counts the bytes that pass through.
struct Counted<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

impl Source {
    fn open(path: &Path) -> anyhow::Result<Source> {
        let name = path.display().to_string();
        let raw = Rc::new(Cell::new(0));
        let (inner, size): (Box<dyn Read>, Option<u64>) = if path.as_os_str() == "-" {
            if io::stdin().is_terminal() {
                eprintln!("ngxfix diagnose: reading the error log from standard input (end it with Ctrl-D)");
            }
            (Box::new(io::stdin()), None)
        } else {
            let file = File::open(path).with_context(|| format!("reading {name}"))?;
            let meta = file.metadata().with_context(|| format!("reading {name}"))?;
            anyhow::ensure!(!meta.is_dir(), "reading {name}: is a directory");
            (Box::new(file), meta.is_file().then_some(meta.len()))
        };
        let counted = Counted {
            inner,
            count: Rc::clone(&raw),
        };
        // For the gzip check; the splitter's reads are larger than this
        // buffer and bypass it, so plain files are not copied twice.
        let reader = BufReader::with_capacity(64 * 1024, counted);
        Ok(Source {
            name,
            reader: Box::new(reader),
            raw,
            size,
        })
    }

    /// Read the whole log into `tally`.
    fn read(&mut self, tally: &mut Tally, show_progress: bool) -> anyhow::Result<report::Input> {
        let context = || format!("reading {}", self.name);
        // gzip's magic bytes (RFC 1952); concatenated members, as logrotate
        // and `cat a.gz b.gz` make them, are all read.
        let gzip = self
            .reader
            .fill_buf()
            .with_context(context)?
            .starts_with(&[0x1f, 0x8b]);
        let large = self.size.is_none_or(|s| s > PROGRESS_ABOVE);
        let progress = Progress::bytes(&self.name, self.size, show_progress && large);
        let raw = Rc::clone(&self.raw);
        let reader: &mut dyn BufRead = &mut self.reader;
        let lines = if gzip {
            diagnose::read(MultiGzDecoder::new(reader), tally, |_| {
                progress.set(raw.get())
            })
        } else {
            diagnose::read(reader, tally, |_| progress.set(raw.get()))
        }
        .with_context(context)?;
        drop(progress);
        Ok(report::Input {
            name: self.name.clone(),
            gzip,
            lines,
        })
    }
}
