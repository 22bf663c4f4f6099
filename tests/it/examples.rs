//! The bundled example configurations are real: nginx accepts them,
//! ngxfix reads them back byte for byte, and `ngxfix fix` turns them into
//! the expected configurations, which nginx accepts too and which a second
//! run leaves alone.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{files_under, run_keepalive as run};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The examples' main files (`examples/*/nginx.conf`).
fn main_files() -> Vec<PathBuf> {
    let mains: Vec<_> = files_under(&examples_dir())
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "nginx.conf"))
        .collect();
    assert!(!mains.is_empty(), "examples/*/nginx.conf exist");
    mains
}

/// The nginx configuration files of an example: its `*.conf` files,
/// without the expected results under `expected/` and without the backend
/// files its `ngxfix.toml` declares (`httpd.conf` is Apache's).
fn config_files(example: &Path) -> Vec<PathBuf> {
    let backends = backend_files(example);
    files_under(example)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .filter(|p| !p.strip_prefix(example).unwrap().starts_with("expected"))
        .filter(|p| !backends.contains(p))
        .collect()
}

/// The `config` files of the `[backends.*]` tables in an example's
/// `ngxfix.toml`.
fn backend_files(example: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(example.join("ngxfix.toml")) else {
        return Vec::new();
    };
    let settings: toml::Table = text.parse().unwrap();
    settings
        .get("backends")
        .and_then(|b| b.as_table())
        .into_iter()
        .flat_map(|t| t.values())
        .filter_map(|b| b.get("config")?.as_str())
        .map(|path| example.join(path))
        .collect()
}

/// The expected results of fixes (`expected/*.conf`; a `mime.types` beside
/// them is what they include).
fn expected_files() -> Vec<PathBuf> {
    files_under(&examples_dir())
        .into_iter()
        .filter(|p| p.components().any(|c| c.as_os_str() == "expected"))
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect()
}

fn nginx_t(main: &Path) -> Output {
    Command::new("nginx")
        .arg("-t")
        .arg("-c")
        .arg(main)
        .output()
        .expect("nginx runs")
}

fn assert_nginx_accepts(main: &Path) {
    let out = nginx_t(main);
    assert!(
        out.status.success(),
        "nginx -t rejects {}: {}",
        main.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A copy of an example folder to fix without touching the original.
fn copy_example(example: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for file in files_under(example) {
        let target = dir.path().join(file.strip_prefix(example).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
    dir
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn examples_round_trip() {
    for main in main_files() {
        let out = run(
            &["parse", "--format", "dump", main.to_str().unwrap()],
            None,
            None,
        );
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        let dump = String::from_utf8(out.stdout).unwrap();
        for file in config_files(main.parent().unwrap()) {
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
fn examples_and_their_expected_fixes_pass_nginx_t() {
    if !common::nginx_available() {
        return;
    }
    for main in main_files().into_iter().chain(expected_files()) {
        assert_nginx_accepts(&main);
    }
}

/// `examples/incident-502`: with its `ngxfix.toml` (nginx 1.30, gunicorn)
/// the only change is the upstream's keepalive_timeout; as an nginx 1.24
/// configuration, `--unsafe-fixes` sets up the whole pool.
#[test]
fn incident_example_is_fixed_as_expected() {
    let example = examples_dir().join("incident-502");
    let cases: [(&[&str], &str); 2] = [
        (&["fix", "nginx.conf"], "nginx-1.30.conf"),
        (
            &[
                "fix",
                "--unsafe-fixes",
                "--nginx-version",
                "1.24.0",
                "nginx.conf",
            ],
            "nginx-1.24.conf",
        ),
    ];
    for (args, expected) in cases {
        let copy = copy_example(&example);
        let out = run(args, None, Some(copy.path()));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", show(&out));
        let fixed = std::fs::read_to_string(copy.path().join("nginx.conf")).unwrap();
        let wanted = std::fs::read_to_string(example.join("expected").join(expected)).unwrap();
        assert_eq!(fixed, wanted, "{args:?} gives expected/{expected}");
        let mut again = args.to_vec();
        again.insert(1, "--dry-run");
        let out = run(&again, None, Some(copy.path()));
        assert_eq!(out.status.code(), Some(0), "idempotent: {}", show(&out));
        assert!(out.stdout.is_empty(), "no diff the second time");
    }
}

/// Every example, fixed with every fix (unsafe ones too): nginx still
/// accepts it, and a second run has nothing left to change.
#[test]
fn every_example_fixes_cleanly_and_idempotently() {
    let nginx = common::nginx_available();
    for main in main_files() {
        let example = main.parent().unwrap();
        let copy = copy_example(example);
        let out = run(
            &["fix", "--unsafe-fixes", "nginx.conf"],
            None,
            Some(copy.path()),
        );
        assert_ne!(
            out.status.code(),
            Some(2),
            "{}: {}",
            main.display(),
            show(&out)
        );
        if nginx {
            assert_nginx_accepts(&copy.path().join("nginx.conf"));
        }
        let out = run(
            &["fix", "--dry-run", "--unsafe-fixes", "nginx.conf"],
            None,
            Some(copy.path()),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            main.display(),
            show(&out)
        );
    }
}
