//! `ngxfix diagnose` benchmark (`cargo bench --bench diagnose`).
//!
//! Generates a 1 GB error log once under `target/bench-logs/`
//! (`support/gen_log.rs`: deterministic, realistic mix: a quarter of the
//! lines are upstream failures of every signature, the rest access denials,
//! missing files, client closes, rate limiting, buffering warnings, TLS
//! handshakes, multi-line FastCGI stderr, 1.5 KB request lines), runs the
//! release binary on it (text and JSON), and on a gzip-compressed 100 MB
//! log: wall time (median of 3 runs, best in brackets), throughput of log
//! text and peak RSS of the process. Targets: >= 200 MB/s, < 50 MB RSS.
//! `-- 1000` / `-- 100` selects a size in MB.

#[path = "support/gen_log.rs"]
mod gen_log;
#[path = "support/measure.rs"]
mod measure;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use measure::{median, time_binary};

const MB: u64 = 1_000_000;

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |mb: u64| filter.is_empty() || filter.iter().any(|f| f == &mb.to_string());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-logs");
    std::fs::create_dir_all(&dir).expect("create target/bench-logs");
    println!("| input | log bytes | file bytes | format | wall, median (best) | MB/s of log text | peak RSS |");
    println!("|---|---:|---:|---|---:|---:|---:|");
    if wanted(1000) {
        let log = plain(&dir, 1000 * MB);
        let size = log.metadata().unwrap().len();
        measure_run("1 GB log", &log, size, &[]);
        measure_run("1 GB log", &log, size, &["--format", "json"]);
    }
    if wanted(100) {
        let gz = gzipped(&dir, 100 * MB);
        let size = plain(&dir, 100 * MB).metadata().unwrap().len();
        measure_run("100 MB log, gzip", &gz, size, &[]);
    }
}

fn measure_run(label: &str, path: &Path, log_bytes: u64, extra: &[&str]) {
    let path_text = path.display().to_string();
    let mut args = vec!["diagnose", "--quiet"];
    args.extend_from_slice(extra);
    args.push(&path_text);
    let (wall, rss) = time_binary(&args, 3);
    let best = wall[0];
    let wall = median(wall);
    let file_bytes = path.metadata().unwrap().len();
    println!(
        "| {label} | {log_bytes} | {file_bytes} | {} | {:.2} s ({:.2} s) | {:.0} | {:.1} MB |",
        if extra.is_empty() { "text" } else { "json" },
        wall.as_secs_f64(),
        best.as_secs_f64(),
        log_bytes as f64 / MB as f64 / wall.as_secs_f64(),
        rss as f64 / 1e6,
    );
}

/// The generated log of about `bytes` bytes, made on first use.
fn plain(dir: &Path, bytes: u64) -> PathBuf {
    let path = dir.join(format!("error-{}mb-v{}.log", bytes / MB, gen_log::VERSION));
    if !path.exists() {
        let staged = path.with_extension("partial");
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&staged).unwrap());
        gen_log::generate(&mut out, bytes).expect("write the log");
        out.flush().unwrap();
        drop(out);
        std::fs::rename(&staged, &path).unwrap();
    }
    path
}

/// The generated log of about `bytes` bytes, gzip-compressed.
fn gzipped(dir: &Path, bytes: u64) -> PathBuf {
    let source = plain(dir, bytes);
    let path = source.with_extension("log.gz");
    if !path.exists() {
        let staged = path.with_extension("partial");
        let mut encoder = flate2::write::GzEncoder::new(
            BufWriter::new(File::create(&staged).unwrap()),
            flate2::Compression::default(),
        );
        std::io::copy(&mut File::open(&source).unwrap(), &mut encoder).unwrap();
        encoder.finish().unwrap().flush().unwrap();
        std::fs::rename(&staged, &path).unwrap();
    }
    path
}
