//! `check --baseline FILE` and `check --write-baseline FILE`: reading and
//! writing the known findings (the format and matching are
//! `ngxfix::rules::baseline`'s).

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::Inputs;
use ngxfix::config::paths::Anchor;
use ngxfix::config::ConfigTree;
use ngxfix::output::plural;
use ngxfix::rules::baseline::{self, Baseline};
use ngxfix::rules::Finding;

/// A baseline read for a check, with the folder its paths are written from.
pub struct Known {
    path: PathBuf,
    anchor: Anchor,
    baseline: Baseline,
}

impl Known {
    /// Read the baseline at `path`.
    pub fn read(path: &Path) -> anyhow::Result<Known> {
        let text = ngxfix::disk::read_text(path)
            .with_context(|| format!("reading the baseline {}", path.display()))?;
        let baseline = Baseline::parse(&text, &path.display().to_string())?;
        Ok(Known {
            path: path.to_path_buf(),
            anchor: anchor_of(path)?,
            baseline,
        })
    }

    /// Drop the findings of `batch` (of the tree `config`) the baseline
    /// knows.
    pub fn leave_out(&mut self, config: &ConfigTree, batch: &mut Vec<Finding>) {
        batch.retain(|finding| {
            !self
                .baseline
                .take(&baseline::key(finding, config, &self.anchor))
        });
    }

    /// Say on standard error how many findings the baseline hid, and how
    /// many of its entries no longer occur: the report alone would not
    /// tell a reader that findings were left out.
    pub fn say_what_was_left_out(&self) {
        let matched = self.baseline.matched();
        if matched > 0 {
            eprintln!(
                "note: {} in the baseline {} not reported",
                plural(matched, "finding"),
                self.path.display()
            );
        }
        let gone = self.baseline.unmatched();
        if gone > 0 {
            eprintln!(
                "note: {} of the baseline no longer {}: `--write-baseline {}` drops {}",
                plural(gone, "finding"),
                if gone == 1 { "occurs" } else { "occur" },
                self.path.display(),
                if gone == 1 { "it" } else { "them" }
            );
        }
    }
}

/// The folder a baseline's paths are written from: its own.
fn anchor_of(path: &Path) -> anyhow::Result<Anchor> {
    let cwd = std::env::current_dir().context("reading the working directory")?;
    Ok(Anchor::new(&cwd, path.parent().unwrap_or(Path::new(""))))
}

/// `check --write-baseline FILE`: every current finding into FILE; exit 0.
pub fn write(inputs: &Inputs, path: &Path) -> anyhow::Result<u8> {
    let runs = super::inputs::prepare(inputs)?;
    let anchor = anchor_of(path)?;
    let mut baseline = Baseline::default();
    let steps = super::check::Steps::new(&runs, inputs.quiet);
    super::check::each_batch(&runs, &steps, None, &mut |_, config, batch| {
        for finding in batch {
            baseline.add(baseline::key(finding, config, &anchor));
        }
        Ok(())
    })?;
    ngxfix::write::own::replace(path, baseline.to_json().as_bytes())?;
    eprintln!(
        "Wrote {} to the baseline {}: `ngxfix check --baseline {}` reports only new ones.",
        plural(baseline.len(), "finding"),
        path.display(),
        path.display()
    );
    Ok(0)
}
