//! Layout benchmark (`cargo bench --bench one_line`): the same servers
//! written on one line and on many, at 610 KB and 6.1 MB (one-line size).
//!
//! Per server, a pooled upstream whose backend is not declared (one
//! finding) and two locations proxying to it without HTTP/1.1 or a cleared
//! Connection header (two findings and two fixes each): about 190,000
//! findings on line 1 of the 6.1 MB one-line file. Runs `ngxfix check` (text,
//! `--format json`, `--format sarif`) and `ngxfix fix --dry-run --no-verify`
//! (`nginx -t` is left out: it measures nginx): median wall time of 3 runs
//! (one, when the first takes over 15 s), peak RSS read per child with
//! wait4(2), against the input size. A run over 10 minutes is stopped and
//! said to be. Figures go to stdout as a Markdown table.
//!
//! `NGXFIX_BENCH_BIN=/path/to/ngxfix` measures another build (an older
//! commit's) on the same files. Arguments select rows: a size (`610000`,
//! `6100000`) or a layout (`one`, `many`); `-- 6100000 one` runs the 6.1 MB
//! one-line file only.

#[path = "support/measure.rs"]
mod measure;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use measure::{median, time_command};

/// Bumped whenever the generated text changes.
const VERSION: u32 = 1;

/// One-line sizes, in bytes; the many-line file holds the same servers.
const SIZES: &[usize] = &[610_000, 6_100_000];

/// The longest one run may take.
const TIMEOUT: Duration = Duration::from_secs(600);

/// A first run slower than this is not repeated.
const PATIENCE: Duration = Duration::from_secs(15);

const COMMANDS: &[(&str, &[&str])] = &[
    ("check", &["check"]),
    ("check --format json", &["check", "--format", "json"]),
    ("check --format sarif", &["check", "--format", "sarif"]),
    // The fixes turn pooling on without a declared backend: unsafe.
    (
        "fix --dry-run",
        &["fix", "--dry-run", "--no-verify", "--unsafe-fixes"],
    ),
];

fn main() {
    let binary = std::env::var_os("NGXFIX_BENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ngxfix")));
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-one-line-v{VERSION}"));
    std::fs::create_dir_all(&dir).expect("create the folder of the files");
    println!("| layout | bytes | command | wall, median | peak RSS | RSS / input |");
    println!("|---|---:|---|---:|---:|---:|");
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    for &size in SIZES {
        for layout in [Layout::OneLine, Layout::ManyLines] {
            let selected = filter
                .iter()
                .all(|f| *f == size.to_string() || layout.name().starts_with(f.as_str()));
            if !selected {
                continue;
            }
            let path = dir.join(format!("{}-{size}.conf", layout.name().replace(' ', "-")));
            if !path.exists() {
                std::fs::write(&path, generate(size, layout)).expect("write the file");
            }
            let bytes = path.metadata().expect("the file is there").len();
            for (name, args) in COMMANDS {
                let mut command = Command::new(&binary);
                command.args(*args).arg(&path);
                let row = match run(&mut command) {
                    Ok((wall, rss)) => format!(
                        "{:.2} s | {:.1} MB | {:.1}x",
                        wall.as_secs_f64(),
                        rss as f64 / 1e6,
                        rss as f64 / bytes as f64
                    ),
                    Err(why) => format!("{why} | | "),
                };
                println!("| {} | {bytes} | `{name}` | {row} |", layout.name());
            }
        }
    }
}

/// Median wall time and largest peak RSS of the runs of `command`.
fn run(command: &mut Command) -> Result<(Duration, u64), String> {
    let first = time_command(command, 1, Some(TIMEOUT), &[0, 1])?;
    let more = if first.wall[0] > PATIENCE { 0 } else { 2 };
    let rest = time_command(command, more, Some(TIMEOUT), &[0, 1])?;
    let wall: Vec<Duration> = first.wall.into_iter().chain(rest.wall).collect();
    Ok((median(wall), first.peak_rss.max(rest.peak_rss)))
}

#[derive(Clone, Copy)]
enum Layout {
    OneLine,
    ManyLines,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::OneLine => "one line",
            Layout::ManyLines => "many lines",
        }
    }
}

/// Servers enough for `size` bytes on one line, on one line or indented on
/// lines of their own. Deterministic: the same arguments give the same
/// bytes.
fn generate(size: usize, layout: Layout) -> String {
    let mut lines: Vec<String> = vec![
        "events { worker_connections 1024; }".into(),
        "http {".into(),
    ];
    let mut one_line = lines.iter().map(|l| l.len() + 1).sum::<usize>();
    let mut n = 0;
    while one_line < size {
        let server = server(n);
        one_line += server.iter().map(|(_, l)| l.len() + 1).sum::<usize>();
        lines.extend(
            server
                .into_iter()
                .map(|(depth, line)| format!("{}{line}", "    ".repeat(depth))),
        );
        n += 1;
    }
    lines.push("}".into());
    match layout {
        Layout::OneLine => {
            let words: Vec<&str> = lines.iter().map(|l| l.trim_start()).collect();
            words.join(" ") + "\n"
        }
        Layout::ManyLines => lines.join("\n") + "\n",
    }
}

/// One upstream and its server, as (depth, line).
fn server(n: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut line = |depth: usize, text: &str| out.push((depth, text.to_string()));
    line(1, &format!("upstream backend_{n} {{"));
    let address = format!("10.0.{}.{}:8080", n / 250 % 250, n % 250 + 1);
    line(
        2,
        &format!("server {address} max_fails=3 fail_timeout=10s;"),
    );
    line(2, "keepalive 32;");
    line(1, "}");
    line(1, "server {");
    line(2, "listen 80;");
    line(2, &format!("server_name shop-{n}.example.com;"));
    for location in ["/", "/api/"] {
        line(2, &format!("location {location} {{"));
        line(3, &format!("proxy_pass http://backend_{n};"));
        line(3, "proxy_set_header Host $host;");
        line(2, "}");
    }
    line(1, "}");
    out
}
