//! `ngxfix completions` and `ngxfix man`: generated from the clap
//! definitions, so these tests check that what shells and `man` read is
//! well formed and names every subcommand.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{run, stdout};

/// The subcommands a user types; completion scripts and pages name each.
const SUBCOMMANDS: &[&str] = &[
    "check",
    "fix",
    "init",
    "rules",
    "explain",
    "test-rules",
    "parse",
    "redact",
    "diagnose",
    "probe",
    "completions",
    "man",
];

/// Whether `program` runs here; its absence is only a skip.
fn has(program: &str) -> bool {
    let found = Command::new(program).arg("--version").output().is_ok();
    if !found {
        eprintln!("{program} is not installed: skipped");
    }
    found
}

#[test]
fn every_shell_gets_a_script_naming_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = run(&["completions", shell], None, None);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: {sub} is missing");
        }
        assert!(script.contains("nginx-version"), "{shell}");
    }
    let output = run(&["completions", "tcsh"], None, None);
    assert_eq!(output.status.code(), Some(2));
}

/// The bash script parses (`bash -n`); zsh and fish check theirs where
/// they are installed.
#[test]
fn the_scripts_parse_in_their_shells() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, check) in [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")] {
        if !has(shell) {
            continue;
        }
        let script = dir.path().join(format!("ngxfix.{shell}"));
        std::fs::write(&script, run(&["completions", shell], None, None).stdout).unwrap();
        let output = Command::new(shell)
            .arg(check)
            .arg(&script)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{shell} {check}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// `man --out DIR` writes a page per subcommand, named on standard output,
/// and `man -l` renders each without a warning.
#[test]
fn every_page_renders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let output = run(&["man", "--out", out.to_str().unwrap()], None, None);
    assert_eq!(output.status.code(), Some(0));
    let pages: Vec<String> = stdout(&output).lines().map(str::to_string).collect();
    assert_eq!(pages.len(), SUBCOMMANDS.len() + 1, "{pages:?}");
    for sub in SUBCOMMANDS {
        let page = out.join(format!("ngxfix-{sub}.1"));
        assert!(pages.contains(&page.display().to_string()), "{sub}");
    }
    if !has("man") {
        return;
    }
    for page in &pages {
        let output = Command::new("man")
            .args(["-P", "cat", "-l"])
            .arg(Path::new(page))
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{page}");
        assert!(text.contains("NAME"), "{page}: {text}");
        assert!(
            output.stderr.is_empty(),
            "{page}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The check page documents its options.
    let check = std::fs::read_to_string(out.join("ngxfix-check.1")).unwrap();
    assert!(check.contains("assume\\-backend"), "{check}");
}

/// Without `--out`, the main page goes to standard output.
#[test]
fn the_main_page_goes_to_standard_output() {
    let output = run(&["man"], None, None);
    assert_eq!(output.status.code(), Some(0));
    let page = stdout(&output);
    assert!(page.starts_with(".ie"), "{page}");
    assert!(page.contains(".TH ngxfix 1"), "{page}");
}
