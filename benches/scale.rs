//! Scale benchmark (`cargo bench --bench scale`): does ngxfix stay linear
//! past the 20,000-server tree, and what does one large file cost?
//!
//! Runs `ngxfix check` and `ngxfix fix --dry-run --no-verify
//! --unsafe-fixes` (as `cargo bench --bench fix` does) on:
//!
//! - the generated trees of 20,000 and 100,000 server blocks (200 and 1,000
//!   included files; about 12 and 61 MB);
//! - the 20,000-server tree as one file: every included file written in
//!   place of its `include`, about 12 MB in one nginx.conf. Files are parsed
//!   in parallel, so a single file is parsed on one core;
//! - the 20,000-server tree as `nginx -T` prints it (one stream, split
//!   back into its 201 files when read).
//!
//! For each: median wall time (fastest and slowest in brackets) of 5
//! runs, 3 on the 100,000-server tree, peak RSS read per child with
//! wait4(2), and both per server and against the 20,000-server tree's
//! figures. Figures go to stdout as a Markdown table (copied into
//! docs/benchmarks.md).
//!
//! `NGXFIX_BENCH_BIN=/path/to/ngxfix` measures another build on the same
//! files. Arguments select rows by their first word (`tree`, `one-file`,
//! `dump`) or size (`100000`).

#[path = "support/measure.rs"]
mod measure;

use std::path::PathBuf;
use std::process::Command;

use measure::{median, spread, time_command};

const CHECK: &[&str] = &["check"];
const FIX: &[&str] = &["fix", "--dry-run", "--no-verify", "--unsafe-fixes"];

/// A configuration measured: its name, server blocks, main file and bytes.
struct Input {
    name: String,
    servers: usize,
    main: PathBuf,
    bytes: u64,
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| {
        filter.is_empty()
            || filter
                .iter()
                .any(|f| name.split(' ').any(|word| word == f.as_str()))
    };
    let binary = std::env::var_os("NGXFIX_BENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ngxfix")));

    let mut inputs = Vec::new();
    for (servers, files) in [(20_000, 200), (100_000, 1_000)] {
        let main = measure::tree(servers, files);
        let bytes = measure::size_under(main.parent().unwrap());
        inputs.push(Input {
            name: format!("tree {servers}"),
            servers,
            main,
            bytes,
        });
    }
    let tree = measure::tree(20_000, 200);
    for (name, path) in [
        ("one-file 20000", measure::one_file(&tree)),
        ("dump 20000", measure::dump(&tree)),
    ] {
        let bytes = path.metadata().unwrap().len();
        inputs.push(Input {
            name: name.to_string(),
            servers: 20_000,
            main: path,
            bytes,
        });
    }

    println!("| input | bytes | command | wall, median (fastest–slowest) | peak RSS | RSS / input | per server | time, memory per server against the 20,000-server tree |");
    println!("|---|---:|---|---:|---:|---:|---:|---:|");
    // Per server, the 20,000-server tree's figures of each command.
    let mut reference: Vec<Option<(f64, f64)>> = vec![None; 2];
    for input in &inputs {
        let runs = if input.servers > 20_000 { 3 } else { 5 };
        for (slot, (command, args)) in [("check", CHECK), ("fix --dry-run", FIX)]
            .into_iter()
            .enumerate()
        {
            let mut run = Command::new(&binary);
            run.args(args).arg(&input.main);
            let timed = time_command(&mut run, runs, None, &[0, 1])
                .unwrap_or_else(|why| panic!("{} {command}: {why}", input.name));
            let wall = median(timed.wall.clone()).as_secs_f64();
            let per_server = (
                wall / input.servers as f64,
                timed.peak_rss as f64 / input.servers as f64,
            );
            if input.name == "tree 20000" {
                reference[slot] = Some(per_server);
            }
            // Only the selected rows are printed; the 20,000-server tree
            // is always measured, as the reference.
            if !wanted(&input.name) {
                continue;
            }
            let against = reference[slot].map_or("-".to_string(), |(time, memory)| {
                format!("{:.2}x, {:.2}x", per_server.0 / time, per_server.1 / memory)
            });
            println!(
                "| {} | {} | `{command}` | {} | {:.1} MB | {:.2}x | {:.1} µs, {:.2} KB | {against} |",
                input.name,
                input.bytes,
                spread(&timed.wall),
                timed.peak_rss as f64 / 1e6,
                timed.peak_rss as f64 / input.bytes as f64,
                per_server.0 * 1e6,
                per_server.1 / 1e3,
            );
        }
    }
}
