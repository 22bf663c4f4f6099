//! Whether the app servers a test starts are here: a missing one skips the
//! test, unless `NGXFIX_REQUIRE_BACKENDS=1` (set by `.ci/run`, which
//! installs them all) makes it a failure.

use std::process::{Command, Stdio};

/// Whether a missing server is a failure rather than a skip.
pub fn required() -> bool {
    std::env::var_os("NGXFIX_REQUIRE_BACKENDS").is_some_and(|v| v == "1")
}

/// Skip (or fail under NGXFIX_REQUIRE_BACKENDS=1) when a server is missing.
pub fn missing(what: &str) {
    assert!(!required(), "NGXFIX_REQUIRE_BACKENDS=1 but {what}");
    eprintln!("skipped: {what}");
}

/// Whether `program args` runs and succeeds.
pub fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `python3` can import `module`; says why not.
pub fn python_has(module: &str) -> bool {
    let ok = runs("python3", &["-c", &format!("import {module}")]);
    if !ok {
        missing(&format!(
            "python3 cannot import {module} (python3 -m pip install -r .ci/python-servers.txt)"
        ));
    }
    ok
}
