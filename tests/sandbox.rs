//! The browser page, end to end: `web/build.sh` builds it (the core
//! compiled to WebAssembly), then its browser tests (`web/tests/`, run by
//! `node --test` in Debian's headless Chromium through puppeteer-core)
//! check it against this build's `ngxfix` and watch every request it
//! makes. They need the wasm32 target, wasm-bindgen-cli 0.2.129, Node.js,
//! Chromium and `npm ci --prefix web`; without one of them the test says
//! what is missing and skips, unless `NGXFIX_REQUIRE_BROWSER=1` (set by
//! `.ci/run`, which installs them all), where that is a failure.
//!
//! A test binary of its own, not a module of `it`: cargo runs test
//! binaries one after another, so the page's WebAssembly build does not
//! compete for the CPU with the tests that time app servers' idle
//! timeouts.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What the browser tests need that this machine lacks.
fn missing() -> Vec<String> {
    let mut missing = Vec::new();
    let output = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    match output("wasm-bindgen", &["--version"]) {
        Some(version) if version.trim() == "wasm-bindgen 0.2.129" => {}
        Some(version) => missing.push(format!(
            "wasm-bindgen 0.2.129 ({} found; cargo install wasm-bindgen-cli --version 0.2.129 --locked)",
            version.trim()
        )),
        None => missing.push(
            "wasm-bindgen (cargo install wasm-bindgen-cli --version 0.2.129 --locked)".into(),
        ),
    }
    let wasm_target = output("rustc", &["--print", "sysroot"]).is_some_and(|sysroot| {
        Path::new(sysroot.trim())
            .join("lib/rustlib/wasm32-unknown-unknown")
            .is_dir()
    });
    if !wasm_target {
        missing.push("the wasm32 target (rustup target add wasm32-unknown-unknown)".into());
    }
    if output("node", &["--version"]).is_none() {
        missing.push("node".into());
    }
    let chromium = std::env::var("NGXFIX_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        missing.push(format!("{chromium} (apt-get install chromium)"));
    }
    if !root().join("web/node_modules/puppeteer-core").is_dir() {
        missing.push("puppeteer-core (npm ci --prefix web)".into());
    }
    missing
}

#[test]
fn the_page_passes_its_browser_tests() {
    let missing = missing();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("NGXFIX_REQUIRE_BROWSER").is_none(),
            "NGXFIX_REQUIRE_BROWSER is set, but the browser tests lack: {}",
            missing.join(", ")
        );
        eprintln!(
            "the browser tests are skipped: missing {}",
            missing.join(", ")
        );
        return;
    }
    // A target folder of its own: this test runs while `cargo test` may
    // still hold the workspace's.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-build");
    let build = Command::new("bash")
        .arg(root().join("web/build.sh"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("web/build.sh runs");
    assert!(
        build.status.success(),
        "web/build.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );
    println!("{}", String::from_utf8_lossy(&build.stdout));
    let tests = Command::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .arg("tests/")
        .current_dir(root().join("web"))
        .env("NGXFIX_BIN", env!("CARGO_BIN_EXE_ngxfix"))
        .output()
        .expect("node runs");
    let report = String::from_utf8_lossy(&tests.stdout);
    println!("{report}");
    assert!(
        tests.status.success(),
        "the browser tests failed:\n{report}\n{}",
        String::from_utf8_lossy(&tests.stderr)
    );
}
