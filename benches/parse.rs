//! Parsing benchmark (`cargo bench --bench parse`).
//!
//! Generates trees of 1,000, 5,000 and 20,000 server blocks over 10, 50 and
//! 200 included files (the 20,000 one is about 11 MB) and measures, for each:
//! - `ConfigTree::load` in this process: read, parse in parallel, link
//!   includes (median of 15 runs);
//! - the real binary, `ngxfix parse --format stats`: wall time (median and
//!   best of 9 runs; a shared 2-core machine is noisy) and peak resident
//!   memory.
//!
//! Figures go to stdout as a Markdown table (copied into the README).

#[path = "support/gen_tree.rs"]
mod gen_tree;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ngxfix::config::ConfigTree;

fn tree_dir(servers: usize) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-trees")
        .join(format!("servers-{servers}-v{}", gen_tree::VERSION))
}

fn total_bytes(config: &ConfigTree) -> usize {
    config.files().iter().map(|f| f.tree.text().len()).sum()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Peak RSS of the largest child waited for so far, in bytes.
fn children_max_rss() -> u64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss as u64 * 1024
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects sizes.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    println!("| servers | files | bytes | load (in-process, median) | MB/s | `ngxfix parse --format stats` wall, median (best) | peak RSS | RSS / input |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (servers, files) in [(1_000, 10), (5_000, 50), (20_000, 200)] {
        if !filter.is_empty() && !filter.iter().any(|f| f == &servers.to_string()) {
            continue;
        }
        let dir = tree_dir(servers);
        let main = dir.join("nginx.conf");
        if !main.exists() {
            gen_tree::generate(&dir, servers, files).expect("generate the tree");
        }

        let mut bytes = 0;
        let samples: Vec<Duration> = (0..15)
            .map(|_| {
                let start = Instant::now();
                let config = ConfigTree::load(&main).expect("the generated tree parses");
                let elapsed = start.elapsed();
                bytes = total_bytes(&config);
                drop(config);
                elapsed
            })
            .collect();
        let load = median(samples);

        // Runs one size per process so the peak RSS belongs to this size.
        let mut wall: Vec<Duration> = (0..9)
            .map(|_| {
                let start = Instant::now();
                let out = Command::new(env!("CARGO_BIN_EXE_ngxfix"))
                    .args(["parse", "--format", "stats"])
                    .arg(&main)
                    .output()
                    .expect("ngxfix runs");
                let elapsed = start.elapsed();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                elapsed
            })
            .collect();
        let rss = children_max_rss();
        wall.sort();
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
