//! The bundled example configurations are real: nginx accepts them, and
//! ngxfix reads them back byte for byte.

mod common;

use std::path::Path;
use std::process::Command;

use common::{files_under, run};

fn main_files() -> Vec<std::path::PathBuf> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mains: Vec<_> = files_under(&examples)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "nginx.conf"))
        .collect();
    assert!(!mains.is_empty(), "examples/*/nginx.conf exist");
    mains
}

#[test]
fn examples_round_trip() {
    for main in main_files() {
        let out = run(
            &["parse", "--format", "dump", main.to_str().unwrap()],
            None,
            None,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dump = String::from_utf8(out.stdout).unwrap();
        for file in files_under(main.parent().unwrap()) {
            let text = std::fs::read_to_string(&file).unwrap();
            let header = format!("# configuration file {}:\n", file.display());
            assert!(
                dump.contains(&format!("{header}{text}\n")),
                "{} is in the dump unchanged",
                file.display()
            );
        }
    }
}

#[test]
fn examples_pass_nginx_t() {
    if !common::nginx_available() {
        return;
    }
    for main in main_files() {
        let out = Command::new("nginx")
            .arg("-t")
            .arg("-c")
            .arg(&main)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "nginx -t rejects {}: {}",
            main.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
