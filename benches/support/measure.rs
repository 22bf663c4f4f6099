//! Helpers shared by the benchmarks: the generated trees, medians, and the
//! peak memory of child processes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "gen_tree.rs"]
pub mod gen_tree;

/// The sizes measured: (server blocks, included files).
pub const SIZES: &[(usize, usize)] = &[(1_000, 10), (5_000, 50), (20_000, 200)];

/// The main file of the generated tree of `servers` servers, generated on
/// first use under `target/bench-trees`.
pub fn tree(servers: usize, files: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-trees")
        .join(format!("servers-{servers}-v{}", gen_tree::VERSION));
    let main = dir.join("nginx.conf");
    if !main.exists() {
        gen_tree::generate(&dir, servers, files).expect("generate the tree");
    }
    main
}

/// Sizes selected by the non-flag arguments (`cargo bench --bench X -- 20000`).
pub fn selected() -> Vec<(usize, usize)> {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    SIZES
        .iter()
        .copied()
        .filter(|(servers, _)| {
            filter.is_empty() || filter.iter().any(|f| f == &servers.to_string())
        })
        .collect()
}

/// The middle sample.
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Run the `ngxfix` binary `runs` times with `args` (output discarded):
/// wall times sorted fastest first, and the largest peak RSS of those runs
/// in bytes, read per child with wait4(2). Exit codes 0 and 1 (findings)
/// count as success.
///
/// Call it before the benchmark allocates much itself: a forked child's
/// peak RSS can include the parent's pages from before exec.
pub fn time_binary(args: &[&str], runs: usize) -> (Vec<Duration>, u64) {
    use std::process::Stdio;
    let mut peak = 0u64;
    let mut wall: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            // Reaped by wait4 below, which also gives its resource usage.
            #[allow(clippy::zombie_processes)]
            let child = Command::new(env!("CARGO_BIN_EXE_ngxfix"))
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("ngxfix starts");
            let mut status = 0;
            // SAFETY: wait4 writes the status and usage of our own child.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
            let elapsed = start.elapsed();
            assert_eq!(pid, child.id() as i32, "wait4 failed");
            let code = libc::WEXITSTATUS(status);
            assert!(
                libc::WIFEXITED(status) && (code == 0 || code == 1),
                "ngxfix {args:?} failed with status {status}"
            );
            peak = peak.max(usage.ru_maxrss as u64 * 1024);
            elapsed
        })
        .collect();
    wall.sort();
    (wall, peak)
}

/// Bytes of every file under a folder.
pub fn size_under(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            if path.is_dir() {
                size_under(&path)
            } else {
                path.metadata().unwrap().len()
            }
        })
        .sum()
}
