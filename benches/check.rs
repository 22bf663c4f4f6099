//! Checking benchmark (`cargo bench --bench check`).
//!
//! Runs `ngxfix check` with every built-in rule on the generated trees of
//! 1,000, 5,000 and 20,000 server blocks (the 20,000 one is about 11 MB;
//! every location proxies to a pooled upstream without HTTP/1.1 or a
//! cleared Connection header, so each tree gives two findings per server,
//! each with its fix computed): wall time (median, fastest and slowest of
//! 9 runs) and peak resident memory of the process, against the input
//! size. Also the
//! time per finding of output, for JSON. Figures go to stdout as a
//! Markdown table (copied into docs/benchmarks.md; the README keeps the
//! main one).

#[path = "support/measure.rs"]
mod measure;

use measure::{median, spread, time_binary};

fn main() {
    println!("| servers | bytes | findings | `ngxfix check` wall, median (fastest–slowest) | peak RSS | RSS / input | `--format json` wall, median |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for (servers, files) in measure::selected() {
        let main = measure::tree(servers, files);
        let bytes = measure::size_under(main.parent().unwrap());
        let main = main.display().to_string();
        let (wall, rss) = time_binary(&["check", &main], 9);
        let json = median(time_binary(&["check", "--format", "json", &main], 5).0);
        let findings = count_annotations(&main);
        println!(
            "| {servers} | {bytes} | {findings} | {} | {:.1} MB | {:.2}x | {:.1} ms |",
            spread(&wall),
            rss as f64 / 1e6,
            rss as f64 / bytes as f64,
            json.as_secs_f64() * 1e3,
        );
    }
}

/// The number of findings: GitHub annotation lines, counted as they stream
/// (holding the report would grow this process, and a forked child's peak
/// RSS can include the parent's pages).
fn count_annotations(main: &str) -> usize {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ngxfix"))
        .args(["check", "--format", "github", main])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("ngxfix runs");
    let lines = std::io::BufReader::new(child.stdout.take().unwrap())
        .lines()
        .filter(|line| line.as_ref().is_ok_and(|l| l.starts_with("::")))
        .count();
    child.wait().expect("ngxfix ends");
    lines
}
