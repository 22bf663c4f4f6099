//! Parsing benchmark (`cargo bench --bench parse`).
//!
//! Generates trees of 1,000, 5,000 and 20,000 server blocks over 10, 50 and
//! 200 included files (the 20,000 one is about 11 MB) and measures, for each:
//! - `disk::tree::load` in this process: read, parse in parallel, link
//!   includes (median of 15 runs);
//! - the real binary, `ngxfix parse --format stats`: wall time (median and
//!   best of 9 runs; a shared 2-core machine is noisy) and peak resident
//!   memory.
//!
//! Figures go to stdout as a Markdown table (copied into
//! docs/benchmarks.md).

#[path = "support/measure.rs"]
mod measure;

use std::time::{Duration, Instant};

use measure::{median, time_binary};
use ngxfix::config::ConfigTree;

fn total_bytes(config: &ConfigTree) -> usize {
    config.files().iter().map(|f| f.tree.text().len()).sum()
}

fn main() {
    println!("| servers | files | bytes | load (in-process, median) | MB/s | `ngxfix parse --format stats` wall, median (best) | peak RSS | RSS / input |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (servers, files) in measure::selected() {
        let main = measure::tree(servers, files);
        // The binary first, before this process holds a parsed tree.
        let path = main.display().to_string();
        let (wall, rss) = time_binary(&["parse", "--format", "stats", &path], 9);
        let mut bytes = 0;
        let samples: Vec<Duration> = (0..15)
            .map(|_| {
                let start = Instant::now();
                let config = ngxfix::disk::tree::load(&main).expect("the generated tree parses");
                let elapsed = start.elapsed();
                bytes = total_bytes(&config);
                drop(config);
                elapsed
            })
            .collect();
        let load = median(samples);

        let best = wall[0];
        let wall = median(wall);
        println!(
            "| {servers} | {} | {bytes} | {:.1} ms | {:.0} | {:.1} ms ({:.1} ms) | {:.1} MB | {:.2}x |",
            files + 1,
            load.as_secs_f64() * 1e3,
            bytes as f64 / load.as_secs_f64() / 1e6,
            wall.as_secs_f64() * 1e3,
            best.as_secs_f64() * 1e3,
            rss as f64 / 1e6,
            rss as f64 / bytes as f64
        );
    }
}
