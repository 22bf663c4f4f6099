//! Progress on standard error for the long runs (a large log, a large
//! tree, a probe that waits for idle closes), drawn by indicatif on a
//! terminal only: nothing on a pipe, in a file or with `--quiet`, where
//! redraws would be noise in a log.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Trees larger than this show their steps while `check` and `fix` run;
/// smaller ones are done before a bar would be read.
pub const TREE_ABOVE: u64 = 4 << 20;

/// Whether to show progress: standard error is a terminal, and no
/// `--quiet`.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// A bar or spinner on standard error, cleared when done or dropped.
pub struct Progress(ProgressBar);

impl Progress {
    /// Nothing drawn.
    pub fn hidden() -> Progress {
        Progress(ProgressBar::hidden())
    }

    /// Bytes read of `total` (none for a pipe): a bar with the share and
    /// speed, or the bytes and speed alone.
    pub fn bytes(name: &str, total: Option<u64>, show: bool) -> Progress {
        if !show {
            return Progress::hidden();
        }
        let (bar, template) = match total {
            Some(total) => (
                ProgressBar::new(total),
                "{prefix}: [{bar:30}] {decimal_bytes} / {decimal_total_bytes} ({percent}%), {decimal_bytes_per_sec}",
            ),
            None => (
                ProgressBar::no_length(),
                "{spinner} {prefix}: {decimal_bytes}, {decimal_bytes_per_sec}",
            ),
        };
        bar.set_style(style(template));
        bar.set_prefix(name.to_string());
        Progress(bar)
    }

    /// `done` of `total` things, with what they are (`addresses
    /// measured`) and a note after the count.
    pub fn count(total: u64, what: &str, note: String, show: bool) -> Progress {
        if !show {
            return Progress::hidden();
        }
        let bar = ProgressBar::new(total);
        bar.set_style(style(&format!(
            "{{spinner}} [{{bar:30}}] {{pos}} of {{len}} {what}{{msg}}"
        )));
        bar.set_message(note);
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(bar)
    }

    /// A spinner naming the step under way, for steps of unknown length.
    pub fn steps(show: bool) -> Progress {
        if !show {
            return Progress::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(style("{spinner} {msg} ({elapsed})"));
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(bar)
    }

    /// How far it is (bytes, or things done).
    pub fn set(&self, position: u64) {
        self.0.set_position(position);
    }

    /// The step now under way.
    pub fn step(&self, message: String) {
        self.0.set_message(message);
    }

    /// Run `f` with the bar off the screen, for a message of its own.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.0.suspend(f)
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .expect("a valid progress template")
        .progress_chars("=> ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_valid_and_a_hidden_bar_draws_nothing() {
        // The templates are checked when a bar is made; a hidden one is
        // made here for each, then the shown ones (to a non-terminal in
        // the test harness, where indicatif draws nothing either).
        for show in [false, true] {
            let bytes = Progress::bytes("log", Some(100), show);
            bytes.set(50);
            let piped = Progress::bytes("-", None, show);
            piped.set(10);
            let count = Progress::count(3, "addresses measured", " (at most 75s)".into(), show);
            count.set(1);
            let steps = Progress::steps(show);
            steps.step("matching".into());
            assert_eq!(steps.suspend(|| 7), 7);
        }
        assert!(Progress::hidden().0.is_hidden());
    }
}
