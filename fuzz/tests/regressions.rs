//! Every input kept under `regressions/<target>/` (inputs the fuzzer once
//! crashed on, minimized) and every seed, replayed through its target's
//! property. Runs on stable: `cargo test --manifest-path fuzz/Cargo.toml`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 4] = [
    ("parse_roundtrip", ngxfix_fuzz::parse_roundtrip),
    ("check", ngxfix_fuzz::check),
    ("fix_loop", ngxfix_fuzz::fix_loop),
    ("redact", ngxfix_fuzz::redact),
];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Run `target` on each file; the failures, with their panic messages.
fn replay(target: Target, inputs: &[PathBuf]) -> Vec<String> {
    let mut failures = Vec::new();
    for path in inputs {
        let data = std::fs::read(path).unwrap();
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| target(&data))) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", path.display()));
        }
    }
    failures
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn regressions_hold() {
    let mut failures = Vec::new();
    let mut count = 0;
    for (name, target) in TARGETS {
        let inputs = files(&root().join("regressions").join(name));
        count += inputs.len();
        failures.extend(replay(target, &inputs));
    }
    println!("{count} regression inputs replayed");
    assert!(
        failures.is_empty(),
        "{} regression input(s) fail:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn seeds_hold_for_every_target() {
    let seeds = files(&root().join("seeds"));
    assert!(!seeds.is_empty(), "the seed corpus is there");
    let mut failures = Vec::new();
    for (name, target) in TARGETS {
        failures.extend(
            replay(target, &seeds)
                .into_iter()
                .map(|f| format!("{name}: {f}")),
        );
    }
    assert!(
        failures.is_empty(),
        "{} seed(s) fail:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
