//! What `cargo package` would publish: for each publishable package of
//! the workspace, the sources, what they need to build (the core's rules,
//! the grammar), the README and the licenses, and nothing else: no tests,
//! fixtures, benches, examples, corpus, browser page or node_modules.
//! Skipped only when cargo cannot be run.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The cargo running the tests (cargo sets `CARGO`), else the one on PATH.
fn cargo() -> Option<Command> {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let runs = Command::new(&program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        eprintln!("cargo cannot be run: skipped");
        return None;
    }
    let mut command = Command::new(program);
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    Some(command)
}

/// The workspace's packages, as `cargo metadata` describes them.
fn packages() -> Option<Vec<Value>> {
    let output = cargo()?
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    Some(metadata["packages"].as_array().unwrap().clone())
}

/// Whether a package may be published (`publish = false` is `[]`).
fn publishable(package: &Value) -> bool {
    package["publish"]
        .as_array()
        .is_none_or(|registries| !registries.is_empty())
}

/// The files `cargo package --list` would put in the package.
fn listed(name: &str) -> Vec<String> {
    let output = cargo()
        .expect("cargo ran for the metadata")
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--locked",
            "--offline",
        ])
        .args(["-p", name])
        .output()
        .expect("cargo package runs");
    assert!(
        output.status.success(),
        "cargo package --list -p {name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Files every package has, or may have (cargo's own).
const ALWAYS: &[&str] = &["Cargo.toml", "README.md", "LICENSE-MIT", "LICENSE-APACHE"];
const CARGOS_OWN: &[&str] = &["Cargo.toml.orig", "Cargo.lock", ".cargo_vcs_info.json"];

/// Besides `src/**/*.rs`, what each package carries.
fn own_files(name: &str) -> &'static [&'static str] {
    match name {
        "ngxfix" => &["CHANGELOG.md"],
        "ngxfix_syntax" => &["grammar/nginx.pest"],
        "ngxfix_core" => &["build.rs"],
        _ => &[],
    }
}

#[test]
fn the_publishable_packages_are_the_binary_and_its_libraries() {
    let Some(packages) = packages() else { return };
    let mut names: Vec<&str> = packages
        .iter()
        .filter(|p| publishable(p))
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "ngxfix",
            "ngxfix_backends",
            "ngxfix_core",
            "ngxfix_syntax",
            "ngxfix_text"
        ],
        "a new package: publish = false, or add it here and to the release order"
    );
    // A published package finds its workspace dependencies on the
    // registry: each needs a version (the workspace's) beside its path.
    for package in packages.iter().filter(|p| publishable(p)) {
        let version = package["version"].as_str().unwrap();
        for dep in package["dependencies"].as_array().unwrap() {
            let internal = names.contains(&dep["name"].as_str().unwrap());
            if internal && dep["kind"].is_null() {
                assert_eq!(
                    dep["req"].as_str().unwrap(),
                    format!("^{version}"),
                    "{} -> {}",
                    package["name"],
                    dep["name"]
                );
            }
        }
    }
}

#[test]
fn each_package_carries_its_sources_readme_and_licenses_only() {
    let Some(packages) = packages() else { return };
    for package in packages.iter().filter(|p| publishable(p)) {
        let name = package["name"].as_str().unwrap();
        let files = listed(name);
        let stray: Vec<&String> = files
            .iter()
            .filter(|file| {
                let source = file.starts_with("src/") && file.ends_with(".rs");
                !(source
                    || ALWAYS.contains(&file.as_str())
                    || CARGOS_OWN.contains(&file.as_str())
                    || own_files(name).contains(&file.as_str())
                    || (name == "ngxfix_core"
                        && file.starts_with("rules/")
                        && file.ends_with(".toml")))
            })
            .collect();
        assert!(stray.is_empty(), "{name} would publish {stray:?}");
        for needed in ALWAYS.iter().chain(own_files(name)) {
            assert!(
                files.iter().any(|f| f == needed),
                "{name} lacks {needed}: {files:?}"
            );
        }
        let root = if name == "ngxfix" {
            "src/main.rs"
        } else {
            "src/lib.rs"
        };
        assert!(files.iter().any(|f| f == root), "{name} lacks {root}");
    }
}

#[test]
fn the_core_package_carries_every_built_in_rule() {
    if cargo().is_none() {
        return;
    }
    let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut builtin: Vec<String> = std::fs::read_dir(&rules_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .map(|name| format!("rules/{name}"))
        .collect();
    builtin.sort();
    assert!(builtin.len() > 10, "{builtin:?}");
    let mut packaged: Vec<String> = listed("ngxfix_core")
        .into_iter()
        .filter(|f| f.starts_with("rules/"))
        .collect();
    packaged.sort();
    assert_eq!(packaged, builtin);
}
