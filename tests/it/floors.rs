//! The floors of the pure libraries: which may use which. Cargo already
//! refuses a cycle between packages; this test also keeps the modules
//! inside `ngxfix_core` layered (a module may use only modules on lower
//! floors) and each package to the packages it is meant to build on, so an
//! arrow that runs back fails here, with the file and line that draws it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common;

/// The modules of `ngxfix_core`, lowest floor first. Modules on one floor
/// may not use each other.
const CORE_FLOORS: &[&[&str]] = &[
    &["par"],
    &["config"],
    &["model"],
    &["rules"],
    &["settings"],
    &["fix", "init"],
    &["output", "redact", "rule_examples"],
    &["diagnose"],
];

/// Each pure package (its folder) and the `ngxfix_*` packages it may use:
/// those under `crates/`, and the browser page's bindings in `web/`, which
/// stand on the core beside the command line, never on it.
const PACKAGES: &[(&str, &[&str])] = &[
    ("crates/ngxfix_text", &[]),
    ("crates/ngxfix_syntax", &["ngxfix_text"]),
    ("crates/ngxfix_backends", &["ngxfix_text"]),
    (
        "crates/ngxfix_core",
        &["ngxfix_text", "ngxfix_syntax", "ngxfix_backends"],
    ),
    ("web", &["ngxfix_core"]),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn core_modules_use_only_lower_floors() {
    let floor_of: BTreeMap<&str, usize> = CORE_FLOORS
        .iter()
        .enumerate()
        .flat_map(|(floor, modules)| modules.iter().map(move |m| (*m, floor)))
        .collect();
    let src = root().join("crates/ngxfix_core/src");
    let mut wrong = Vec::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        let Some(module) = top_module(relative) else {
            continue;
        };
        let Some(&floor) = floor_of.get(module.as_str()) else {
            wrong.push(format!(
                "{}: module `{module}` has no floor in CORE_FLOORS",
                relative.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, used) in crate_paths(&text) {
            if used == module {
                continue;
            }
            match floor_of.get(used.as_str()) {
                Some(&to) if to < floor => {}
                Some(_) => wrong.push(format!(
                    "{}:{line}: `{module}` (floor {floor}) uses `{used}` (floor {}), which is not below it",
                    relative.display(),
                    floor_of[used.as_str()]
                )),
                None => {}
            }
        }
    }
    no_arrows_back(&wrong);
}

#[test]
fn packages_use_only_the_packages_below_them() {
    let mut wrong = Vec::new();
    for (package, allowed) in PACKAGES {
        let manifest = root().join(package).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let manifest: toml::Table = toml::from_str(&text).unwrap();
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            let Some(deps) = manifest.get(section).and_then(|d| d.as_table()) else {
                continue;
            };
            for name in deps.keys() {
                if (name.starts_with("ngxfix") || name == "ngxfix")
                    && !allowed.contains(&name.as_str())
                {
                    wrong.push(format!("{package} [{section}] uses {name}"));
                }
            }
        }
    }
    no_arrows_back(&wrong);
}

fn no_arrows_back(wrong: &[String]) {
    assert!(
        wrong.is_empty(),
        "arrows that run back:\n{}",
        wrong.join("\n")
    );
}

/// The top-level module a file of `src/` belongs to (`None` for `lib.rs`).
fn top_module(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first.strip_suffix(".rs") {
        Some("lib") => None,
        Some(name) => Some(name.to_string()),
        None => Some(first.to_string()),
    }
}

/// Every `crate::NAME` in code (comments left out), with its line: plain
/// paths and each name of a `crate::{a::X, b}` group.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // `ngxfix_core::...` or `$crate::` in a macro
            }
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 0usize;
                let mut name = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            push_name(&mut found, index + 1, &name);
                            name.clear();
                        }
                        _ => name.push(c),
                    }
                }
                push_name(&mut found, index + 1, &name);
            } else {
                push_name(&mut found, index + 1, rest);
            }
        }
    }
    found
}

fn push_name(found: &mut Vec<(usize, String)>, line: usize, path: &str) {
    let name: String = path
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if !name.is_empty() && name != "self" {
        found.push((line, name));
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = common::files_under(dir);
    files.retain(|path| path.extension().is_some_and(|e| e == "rs"));
    files
}

#[test]
fn crate_paths_reads_groups_and_skips_comments() {
    let text = "use crate::model::Model;\nuse crate::{config::FileId, rules};\n// crate::fix\nlet x = ngxfix_core::fix::y;\n";
    let names: Vec<_> = crate_paths(text)
        .into_iter()
        .map(|(l, n)| format!("{l}:{n}"))
        .collect();
    assert_eq!(names, ["1:model", "2:config", "2:rules"]);
}

/// The page's bindings are as pure as the core: clippy holds `web/` to the
/// same list of refused calls (`web/clippy.toml` is `crates/clippy.toml`).
#[test]
fn the_page_bindings_refuse_what_the_core_refuses() {
    let core = std::fs::read(root().join("crates/clippy.toml")).unwrap();
    let web = std::fs::read(root().join("web/clippy.toml")).unwrap();
    assert!(
        core == web,
        "web/clippy.toml differs from crates/clippy.toml"
    );
}
