//! Embeds the built-in rule files (`rules/*.toml` at the workspace root)
//! into the library.
//!
//! They are read through `rules` beside this file: in the repository a
//! symbolic link to the workspace's `rules/`, in the published package a
//! copy of its files (`cargo package` follows the link). A checkout where
//! the link is a plain file (git on Windows without symbolic links) falls
//! back to `../../rules`.

// A build script runs on the build machine, not in the core: it may read
// the rule folder and print to cargo.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::print_stdout
)]

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = [manifest.join("rules"), manifest.join("../../rules")]
        .into_iter()
        .find(|dir| dir.is_dir())
        .expect("the built-in rules: rules/ beside build.rs, or ../../rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("the rule folder can be listed")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("&[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let name = file.file_name().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            file.display().to_string()
        ));
    }
    out.push_str("]\n");
    let target = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_rules.rs");
    fs::write(target, out).unwrap();
}
