//! ngxfix against the tools a user would otherwise run
//! (`benches/peers.sh` installs the Python peers, then runs
//! `cargo bench --bench peers`).
//!
//! On the generated trees of 1,000, 5,000 and 20,000 server blocks
//! (`benches/support/gen_tree.rs`), each tool reads the whole tree:
//!
//! - `ngxfix check` with every built-in rule; `ngxfix check` with the
//!   rules that replace gixy's checks (`--select
//!   security,correctness,performance`), the same checks gixy runs;
//!   `ngxfix fix --dry-run --no-verify --unsafe-fixes` (every fix and the
//!   diff, as `cargo bench --bench fix` runs it); and `ngxfix parse
//!   --format crossplane` (the same JSON crossplane writes);
//! - `crossplane parse` (nginxinc/crossplane, PyPI);
//! - `gixy` (gixy-next, PyPI), which analyses like `ngxfix check`;
//! - `nginx -t`, run with the tree's folder as its prefix.
//!
//! Each is timed as a whole process (interpreter start-up included, as a
//! user waits for it): the median wall time of several runs and the peak
//! RSS, read per child with wait4(2). Ratios are the peer's median over
//! `ngxfix check`'s. A Markdown table goes to stdout and, with an SVG plot
//! (log-log: time against servers), to `target/peers/`.
//!
//! The peers are found in `PEERS_VENV` (default `target/peers-venv`), nginx
//! on PATH or at /usr/sbin/nginx; a missing one is reported and skipped.
//!
//! nginx-lint (github.com/walf443/nginx-lint) is not among them: its
//! command-line package is `publish = false`, and crates.io holds only its
//! libraries (nginx-lint-common, nginx-lint-parser, nginx-lint-plugin), so
//! there is no crate to build it from with the registries CI reaches.

#[path = "support/measure.rs"]
mod measure;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use measure::{median, time_command};

/// A peer's slowest single run before its further runs (and larger trees)
/// are skipped: gixy grows quadratically.
const PATIENCE: Duration = Duration::from_secs(60);

/// The longest one run may take.
const TIMEOUT: Duration = Duration::from_secs(900);

struct Tool {
    name: &'static str,
    program: Option<PathBuf>,
    runs: usize,
    ok_codes: &'static [i32],
    /// The arguments for a tree, given its main file and folder.
    args: fn(&Path, &Path) -> Vec<String>,
}

/// What one tool did on one tree: the median wall time and peak RSS, or why
/// there is none.
type ToolRun = Result<(Duration, u64), String>;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = std::env::var_os("PEERS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/peers-venv"));
    let found = |path: PathBuf| path.is_file().then_some(path);
    let nginx = which("nginx").or_else(|| found(PathBuf::from("/usr/sbin/nginx")));
    let ngxfix = Some(PathBuf::from(env!("CARGO_BIN_EXE_ngxfix")));
    let tools = [
        Tool {
            name: "ngxfix check",
            program: ngxfix.clone(),
            runs: 9,
            ok_codes: &[0, 1],
            args: |main, _| vec!["check".into(), path_arg(main)],
        },
        Tool {
            name: "ngxfix check (gixy's checks)",
            program: ngxfix.clone(),
            runs: 9,
            ok_codes: &[0, 1],
            args: |main, _| {
                let select = ["check", "--select", "security,correctness,performance"];
                select
                    .iter()
                    .map(|a| a.to_string())
                    .chain([path_arg(main)])
                    .collect()
            },
        },
        Tool {
            name: "ngxfix fix --dry-run",
            program: ngxfix.clone(),
            runs: 5,
            ok_codes: &[0, 1],
            // As `cargo bench --bench fix`: the fix loop and the diff,
            // without `nginx -t`, which would measure nginx.
            args: |main, _| {
                let fix = ["fix", "--dry-run", "--no-verify", "--unsafe-fixes"];
                fix.iter()
                    .map(|a| a.to_string())
                    .chain([path_arg(main)])
                    .collect()
            },
        },
        Tool {
            name: "ngxfix parse (crossplane JSON)",
            program: ngxfix,
            runs: 9,
            ok_codes: &[0],
            args: |main, _| {
                let format = ["parse", "--format", "crossplane"];
                format
                    .iter()
                    .map(|a| a.to_string())
                    .chain([path_arg(main)])
                    .collect()
            },
        },
        Tool {
            name: "crossplane parse",
            program: found(venv.join("bin/crossplane")),
            runs: 5,
            ok_codes: &[0],
            args: |main, _| {
                let out = ["-o", "/dev/null"].map(String::from);
                ["parse".to_string(), path_arg(main)]
                    .into_iter()
                    .chain(out)
                    .collect()
            },
        },
        Tool {
            name: "nginx -t",
            program: nginx,
            runs: 5,
            ok_codes: &[0],
            args: |main, dir| {
                // The tree's folder is the prefix its relative log paths
                // resolve against; the error log goes to stderr (discarded).
                let prefix = format!("{}/", dir.display());
                [
                    "-t",
                    "-q",
                    "-e",
                    "stderr",
                    "-p",
                    &prefix,
                    "-c",
                    &path_arg(main),
                ]
                .map(String::from)
                .to_vec()
            },
        },
        Tool {
            name: "gixy",
            program: found(venv.join("bin/gixy")),
            runs: 3,
            // 1: it found something.
            ok_codes: &[0, 1],
            args: |main, _| {
                let json = ["-f", "json", "-o", "/dev/null"].map(String::from);
                json.into_iter().chain([path_arg(main)]).collect()
            },
        },
    ];
    let sizes = measure::selected();
    let mut rows = Vec::new();
    let mut given_up: Vec<Option<String>> = vec![None; tools.len()];
    for &(servers, files) in &sizes {
        let main = measure::tree(servers, files);
        let dir = main.parent().expect("the tree has a folder").to_path_buf();
        let bytes = measure::size_under(&dir);
        let outcomes: Vec<ToolRun> = tools
            .iter()
            .zip(given_up.iter_mut())
            .map(|(tool, gave_up)| {
                if let Some(why) = gave_up {
                    return Err(why.clone());
                }
                let outcome = run(tool, &main, &dir);
                eprintln!("{servers} servers, {}: {}", tool.name, shown(&outcome));
                if let Ok((wall, _)) = &outcome {
                    if *wall > PATIENCE {
                        *gave_up = Some(format!("not run ({servers} servers took {wall:.0?})"));
                    }
                }
                outcome
            })
            .collect();
        rows.push((servers, bytes, outcomes));
    }
    let table = table(&tools, &rows);
    print!("{table}");
    let out = root.join("target/peers");
    std::fs::create_dir_all(&out).expect("create target/peers");
    std::fs::write(out.join("peers.md"), &table).expect("write the table");
    std::fs::write(out.join("peers.svg"), plot(&tools, &rows)).expect("write the plot");
    eprintln!("wrote {0}/peers.md and {0}/peers.svg", out.display());
}

fn run(tool: &Tool, main: &Path, dir: &Path) -> ToolRun {
    let program = tool.program.as_ref().ok_or("not installed")?;
    let mut command = Command::new(program);
    command.args((tool.args)(main, dir)).current_dir(dir);
    // One run first: a slow peer is run once only.
    let first = time_command(&mut command, 1, Some(TIMEOUT), tool.ok_codes)?;
    let more = if first.wall[0] > PATIENCE / 4 {
        0
    } else {
        tool.runs - 1
    };
    let rest = time_command(&mut command, more, Some(TIMEOUT), tool.ok_codes)?;
    let peak_rss = first.peak_rss.max(rest.peak_rss);
    let wall: Vec<Duration> = first.wall.into_iter().chain(rest.wall).collect();
    Ok((median(wall), peak_rss))
}

fn path_arg(path: &Path) -> String {
    path.display().to_string()
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn shown(outcome: &ToolRun) -> String {
    match outcome {
        Ok((wall, rss)) => format!("{} s, {:.0} MB", seconds(*wall), *rss as f64 / 1e6),
        Err(why) => why.clone(),
    }
}

fn seconds(wall: Duration) -> String {
    let s = wall.as_secs_f64();
    if s < 10.0 {
        format!("{s:.3}")
    } else {
        format!("{s:.1}")
    }
}

/// Two Markdown tables: wall time with the ratio to `ngxfix check`, and
/// peak memory.
fn table(tools: &[Tool], rows: &[(usize, u64, Vec<ToolRun>)]) -> String {
    let mut out = String::new();
    let names: Vec<&str> = tools.iter().map(|t| t.name).collect();
    let _ = writeln!(out, "| servers | bytes | {} |", names.join(" | "));
    let _ = writeln!(out, "|---:|---:|{}", "---:|".repeat(tools.len()));
    for (servers, bytes, outcomes) in rows {
        let base = outcomes[0]
            .as_ref()
            .ok()
            .map(|(wall, _)| wall.as_secs_f64());
        let cells: Vec<String> = outcomes
            .iter()
            .enumerate()
            .map(|(i, outcome)| match (outcome, base) {
                (Ok((wall, _)), Some(base)) if i > 0 => {
                    format!("{} s ({:.1}x)", seconds(*wall), wall.as_secs_f64() / base)
                }
                (Ok((wall, _)), _) => format!("{} s", seconds(*wall)),
                (Err(why), _) => why.clone(),
            })
            .collect();
        let _ = writeln!(out, "| {servers} | {bytes} | {} |", cells.join(" | "));
    }
    let _ = writeln!(out, "\nPeak RSS:\n");
    let _ = writeln!(out, "| servers | {} |", names.join(" | "));
    let _ = writeln!(out, "|---:|{}", "---:|".repeat(tools.len()));
    for (servers, _, outcomes) in rows {
        let cells: Vec<String> = outcomes
            .iter()
            .map(|outcome| match outcome {
                Ok((_, rss)) => format!("{:.0} MB", *rss as f64 / 1e6),
                Err(_) => "–".into(),
            })
            .collect();
        let _ = writeln!(out, "| {servers} | {} |", cells.join(" | "));
    }
    out
}

/// A log-log line plot of wall time against servers, one line per tool.
fn plot(tools: &[Tool], rows: &[(usize, u64, Vec<ToolRun>)]) -> String {
    const W: f64 = 640.0;
    const H: f64 = 400.0;
    const LEFT: f64 = 70.0;
    const RIGHT: f64 = 230.0;
    const TOP: f64 = 30.0;
    const BOTTOM: f64 = 50.0;
    const COLORS: [&str; 5] = ["#1b7837", "#5aae61", "#2166ac", "#b2182b", "#762a83"];
    let points: Vec<Vec<(f64, f64)>> = (0..tools.len())
        .map(|i| {
            rows.iter()
                .filter_map(|(servers, _, outcomes)| {
                    let (wall, _) = outcomes[i].as_ref().ok()?;
                    Some((*servers as f64, wall.as_secs_f64()))
                })
                .collect()
        })
        .collect();
    let all = points.iter().flatten();
    let (x_min, x_max) = all.clone().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.0), hi.max(p.0))
    });
    let (y_min, y_max) = all.fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    if x_min > x_max {
        return String::from("<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
    }
    // Whole decades on the time axis.
    let (y_lo, y_hi) = (
        y_min.log10().floor(),
        y_max.log10().ceil().max(y_min.log10().floor() + 1.0),
    );
    let (x_lo, x_hi) = (x_min.log10(), x_max.log10().max(x_min.log10() + 0.1));
    let x = |v: f64| LEFT + (v.log10() - x_lo) / (x_hi - x_lo) * (W - LEFT - RIGHT);
    let y = |v: f64| H - BOTTOM - (v.log10() - y_lo) / (y_hi - y_lo) * (H - TOP - BOTTOM);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">Wall time on generated trees (log-log, lower is better)</text>",
        W / 2.0
    );
    for decade in (y_lo as i32)..=(y_hi as i32) {
        let v = 10f64.powi(decade);
        let label = if v >= 1.0 {
            format!("{v:.0} s")
        } else {
            format!("{:.0} ms", v * 1e3)
        };
        let _ = writeln!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{0}\" y1=\"{1:.1}\" y2=\"{1:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{2}\" y=\"{3:.1}\" text-anchor=\"end\">{label}</text>",
            W - RIGHT,
            y(v),
            LEFT - 6.0,
            y(v) + 4.0
        );
    }
    for (servers, _, _) in rows {
        let sx = x(*servers as f64);
        let _ = writeln!(
            svg,
            "<line x1=\"{sx:.1}\" x2=\"{sx:.1}\" y1=\"{TOP}\" y2=\"{0}\" stroke=\"#ddd\"/>\
             <text x=\"{sx:.1}\" y=\"{1}\" text-anchor=\"middle\">{servers}</text>",
            H - BOTTOM,
            H - BOTTOM + 16.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">server blocks</text>",
        LEFT + (W - LEFT - RIGHT) / 2.0,
        H - 12.0
    );
    for (i, (tool, line)) in tools.iter().zip(&points).enumerate() {
        let color = COLORS[i % COLORS.len()];
        let path: Vec<String> = line
            .iter()
            .map(|&(sx, sy)| format!("{:.1},{:.1}", x(sx), y(sy)))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>",
            path.join(" ")
        );
        for &(sx, sy) in line {
            let _ = writeln!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{color}\"/>",
                x(sx),
                y(sy)
            );
        }
        let ly = TOP + 20.0 + i as f64 * 22.0;
        let lx = W - RIGHT + 16.0;
        let _ = writeln!(
            svg,
            "<line x1=\"{lx}\" x2=\"{}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"3\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            lx + 20.0,
            lx + 26.0,
            ly + 4.0,
            tool.name
        );
    }
    svg.push_str("</svg>\n");
    svg
}
