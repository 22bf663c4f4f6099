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

/// Wall times as the tables show them: the median, then the fastest and
/// slowest run, in milliseconds (`449.1 ms (441.0–467.3)`).
pub fn spread(samples: &[Duration]) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut sorted = samples.to_vec();
    sorted.sort();
    format!(
        "{:.1} ms ({:.1}–{:.1})",
        ms(median(sorted.clone())),
        ms(sorted[0]),
        ms(sorted[sorted.len() - 1])
    )
}

/// Run the `ngxfix` binary `runs` times with `args` (output discarded):
/// wall times sorted fastest first, and the largest peak RSS of those runs
/// in bytes, read per child with wait4(2). Exit codes 0 and 1 (findings)
/// count as success.
///
/// Call it before the benchmark allocates much itself: a forked child's
/// peak RSS can include the parent's pages from before exec.
pub fn time_binary(args: &[&str], runs: usize) -> (Vec<Duration>, u64) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ngxfix"));
    command.args(args);
    let timed = time_command(&mut command, runs, None, &[0, 1])
        .unwrap_or_else(|why| panic!("ngxfix {args:?}: {why}"));
    (timed.wall, timed.peak_rss)
}

/// Wall times (fastest first) and the largest peak RSS of repeated runs.
pub struct Timed {
    pub wall: Vec<Duration>,
    pub peak_rss: u64,
}

/// Run `command` up to `runs` times (output discarded), each stopped after
/// `timeout`; an exit code outside `ok_codes` or a timeout is an error that
/// says which. Peak RSS is read per child with wait4(2).
pub fn time_command(
    command: &mut Command,
    runs: usize,
    timeout: Option<Duration>,
    ok_codes: &[i32],
) -> Result<Timed, String> {
    use std::process::Stdio;
    use std::sync::mpsc;
    let mut peak_rss = 0u64;
    let mut wall = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        // Reaped by wait4 below, which also gives its resource usage.
        #[allow(clippy::zombie_processes)]
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("does not start: {e}"))?;
        let pid = child.id() as i32;
        // A watchdog kills the child at the deadline unless told it ended.
        let (ended, wait_end) = mpsc::channel::<()>();
        let watchdog = timeout.map(|limit| {
            std::thread::spawn(move || {
                if wait_end.recv_timeout(limit).is_err() {
                    // SAFETY: signalling our own child, not yet reaped.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return true;
                }
                false
            })
        });
        let mut status = 0;
        // SAFETY: wait4 writes the status and usage of our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        let elapsed = start.elapsed();
        let _ = ended.send(());
        let timed_out = watchdog.is_some_and(|w| w.join().unwrap_or(false));
        assert_eq!(reaped, pid, "wait4 failed");
        if timed_out {
            return Err(format!("timed out after {:.0?}", timeout.unwrap()));
        }
        let code = libc::WEXITSTATUS(status);
        if !libc::WIFEXITED(status) || !ok_codes.contains(&code) {
            return Err(format!("failed with status {status}"));
        }
        peak_rss = peak_rss.max(usage.ru_maxrss as u64 * 1024);
        wall.push(elapsed);
    }
    wall.sort();
    Ok(Timed { wall, peak_rss })
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

/// The sites of a generated tree, in the order nginx's glob includes them.
fn sites(main: &Path) -> Vec<PathBuf> {
    let mut sites: Vec<PathBuf> = std::fs::read_dir(main.parent().unwrap().join("sites"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    sites.sort();
    sites
}

/// The generated tree of `main` as one file, every site written in place
/// of the `include` that reads it; made on first use beside the tree.
pub fn one_file(main: &Path) -> PathBuf {
    let path = main.parent().unwrap().with_extension("one-file.conf");
    if !path.exists() {
        let text = std::fs::read_to_string(main).unwrap();
        let include = "    include sites/*.conf;\n";
        let (before, after) = text
            .split_once(include)
            .expect("the tree includes its sites");
        let mut out = before.to_string();
        for site in sites(main) {
            out.push_str(&std::fs::read_to_string(site).unwrap());
        }
        out.push_str(after);
        std::fs::write(&path, out).unwrap();
    }
    path
}

/// The generated tree of `main` as `nginx -T` prints it, installed under
/// /etc/nginx; made on first use beside the tree.
pub fn dump(main: &Path) -> PathBuf {
    let path = main.parent().unwrap().with_extension("dump.txt");
    if !path.exists() {
        let mut out = Vec::new();
        let mut file = |name: &str, source: &Path| {
            out.extend_from_slice(format!("# configuration file /etc/nginx/{name}:\n").as_bytes());
            out.extend_from_slice(&std::fs::read(source).unwrap());
            out.push(b'\n');
        };
        file("nginx.conf", main);
        for site in sites(main) {
            let name = format!("sites/{}", site.file_name().unwrap().to_string_lossy());
            file(&name, &site);
        }
        std::fs::write(&path, out).unwrap();
    }
    path
}
