//! Fixing benchmark (`cargo bench --bench fix`).
//!
//! Runs `ngxfix fix --dry-run --no-verify` (the fix loop to its fixed
//! point, then the diff of every file) on the generated trees of 1,000,
//! 5,000 and 20,000 server blocks, where every location needs two fixes
//! (HTTP/1.1 and a cleared Connection header; `--unsafe-fixes`, since those
//! turn pooling on and no backend is declared): wall time (median, fastest
//! and slowest of 5 runs) and peak resident memory, against the input size
//! and against `ngxfix check` on the same tree. `nginx -t` is left out: it
//! measures nginx, not ngxfix. Nothing is asserted: benchmarks measure.
//! Figures go to stdout as a Markdown table (copied into
//! docs/benchmarks.md).

#[path = "support/measure.rs"]
mod measure;

use measure::{median, spread, time_binary};

/// The command, without the tree.
const FIX: &[&str] = &["fix", "--dry-run", "--no-verify", "--unsafe-fixes"];

fn main() {
    println!("| servers | bytes | fixes | `ngxfix fix --dry-run` wall, median (fastest–slowest) | peak RSS | RSS / input | against `ngxfix check`: time, peak RSS |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for (servers, files) in measure::selected() {
        let main = measure::tree(servers, files);
        let bytes = measure::size_under(main.parent().unwrap());
        let main = main.display().to_string();
        let (wall, rss) = time_binary(
            &FIX.iter()
                .copied()
                .chain([main.as_str()])
                .collect::<Vec<_>>(),
            5,
        );
        // The same tree checked, runs alternating with the fix's so that
        // both see the same machine.
        let (check_wall, check_rss) = time_binary(&["check", main.as_str()], 5);
        let fixes = added_lines(&main);
        println!(
            "| {servers} | {bytes} | {fixes} | {} | {:.1} MB | {:.2}x | {:.2}x, {:.2}x |",
            spread(&wall),
            rss as f64 / 1e6,
            rss as f64 / bytes as f64,
            median(wall.clone()).as_secs_f64() / median(check_wall).as_secs_f64(),
            rss as f64 / check_rss as f64,
        );
    }
}

/// Lines the diff adds, counted as it streams.
fn added_lines(main: &str) -> usize {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ngxfix"))
        .args(FIX)
        .arg(main)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ngxfix runs");
    let lines = std::io::BufReader::new(child.stdout.take().unwrap())
        .lines()
        .filter(|line| {
            line.as_ref()
                .is_ok_and(|l| l.starts_with('+') && !l.starts_with("+++"))
        })
        .count();
    child.wait().expect("ngxfix ends");
    lines
}
