//! Helpers shared by the CLI tests.

pub mod delay_proxy;
pub mod idle;
pub mod load;
pub mod nginx;
pub mod pty;
pub mod servers;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The shared test corpus: `../shared/corpus` beside the repository, or
/// `$NGXFIX_CORPUS`.
pub fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("NGXFIX_CORPUS") {
        return PathBuf::from(dir);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(
        dir.is_dir(),
        "the shared corpus is missing: expected {} (or set NGXFIX_CORPUS)",
        dir.display()
    );
    dir
}

/// Files that are not nginx configuration at all.
pub fn is_config(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let skip_names = ["README.md", "CHANGELOG.md", ".editorconfig", "master.sh"];
    let skip_ext = ["json", "bz2", "golden"];
    !(skip_names.contains(&name)
        || name.starts_with("LICENSE")
        || path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| skip_ext.contains(&e)))
}

/// The `ngxfix` binary built for this test run. Where nginx is installed,
/// ngxfix runs it through [`pinned_nginx`], so the tests see the same nginx
/// version (1.29.6, the one ngxfix assumes without nginx) on every machine
/// while `nginx -t` stays real.
pub fn ngxfix() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ngxfix"));
    if let Some(nginx) = pinned_nginx() {
        command.env("NGXFIX_NGINX", nginx);
    }
    command
}

/// A stand-in for the installed nginx that answers `-v` with
/// `nginx/1.29.6` and runs the real nginx for everything else. The rules
/// follow the version `nginx -v` reports; without this, a machine with
/// nginx 1.30 would run the tests with other defaults.
pub fn pinned_nginx() -> Option<&'static Path> {
    static PINNED: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    PINNED
        .get_or_init(|| {
            // The nginx ngxfix itself would run.
            let real = ngxfix::nginx::Nginx::find()?.program().to_path_buf();
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
            let script = dir.join("nginx-1.29.6");
            let text = format!(
                "#!/bin/sh\nif [ \"$1\" = -v ]; then echo 'nginx version: nginx/1.29.6' >&2; exit 0; fi\nexec '{}' \"$@\"\n",
                real.display()
            );
            // Test binaries run in parallel: write aside, then rename.
            let staged = dir.join(format!("nginx-1.29.6.{}", std::process::id()));
            std::fs::write(&staged, text).ok()?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o755)).ok()?;
            std::fs::rename(&staged, &script).ok()?;
            Some(script)
        })
        .as_deref()
}

/// Run `ngxfix` with arguments and optional standard input.
pub fn run(args: &[&str], stdin: Option<&[u8]>, cwd: Option<&Path>) -> Output {
    use std::io::Write;
    let mut command = ngxfix();
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    let mut child = command.spawn().expect("ngxfix starts");
    let input = stdin.unwrap_or_default().to_vec();
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().expect("ngxfix runs");
    writer.join().expect("stdin writer");
    output
}

/// A run's standard output, which must be UTF-8.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A run's standard error, which must be UTF-8.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Fail unless the run exited with `code`, showing what it printed.
#[track_caller]
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}{}",
        stdout(output),
        stderr(output)
    );
}

/// Wait for `child` at most `limit`, killing it and failing the test past
/// that (`what` names the run): a guard against a hang, not a measure of
/// speed.
pub fn wait_bounded(
    child: &mut std::process::Child,
    limit: std::time::Duration,
    what: &str,
) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Every file under `dir`, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The file a path of the corpus stands for, following a symbolic link as
/// nginx does whatever form the checkout gave it: a real link is read
/// through by the file system, and a link stored as a plain file (its text
/// is the relative path of its target, as git writes it where links are
/// not supported) is replaced by its target here.
pub fn follow_link(path: &Path) -> PathBuf {
    let Ok(text) = std::fs::read(path) else {
        return path.to_path_buf();
    };
    let target = String::from_utf8_lossy(&text);
    let target = target.trim_end_matches('\n');
    let looks_like_a_path = !target.is_empty()
        && target.len() < 256
        && !target.contains(|c: char| c.is_whitespace() || c == ';' || c == '{');
    match path.parent().map(|dir| dir.join(target)) {
        Some(resolved) if looks_like_a_path && resolved.is_file() => resolved,
        _ => path.to_path_buf(),
    }
}

/// Whether `nginx` can be run. Tests that need it skip without it, unless
/// `NGXFIX_REQUIRE_NGINX=1` (set by `.ci/run`, which installs nginx-light),
/// where its absence is a failure rather than a silent skip.
pub fn nginx_available() -> bool {
    let found = Command::new("nginx").arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("NGXFIX_REQUIRE_NGINX").is_none(),
            "NGXFIX_REQUIRE_NGINX is set but nginx is not installed"
        );
        eprintln!("nginx is not installed: skipped");
    }
    found
}

/// The categories of the rules that replace gixy's checks.
pub const GIXY_PACK: &str = "security,correctness,performance";

/// `fix` in place of `nginx.conf` in the working directory, the backend
/// `app` declared (75 s idle) so the keepalive fixes are safe, and
/// without `nginx -t`: the runs the writing tests interrupt or refuse.
pub const FIX_APP_IN_PLACE: &[&str] = &["fix", "--no-verify", "--backend", "app=75s", "nginx.conf"];

/// `args` of a `check` or `fix` run with the gixy-parity rules left out.
/// The tests of what `check` and `fix` do (output, writing, exit codes,
/// the keepalive fixes) are written for the keepalive rules and see only
/// the findings they are about; the other rules are tested by their own
/// examples (`test-rules`, `fix_corpus.rs`, `web_agrees.rs`) and by
/// `gixy_fixtures.rs`.
pub fn without_gixy_pack<'a>(args: &[&'a str]) -> Vec<&'a str> {
    match args.split_first() {
        Some((&command, rest)) if command == "check" || command == "fix" => {
            let mut out = vec![command, "--ignore", GIXY_PACK];
            out.extend_from_slice(rest);
            out
        }
        _ => args.to_vec(),
    }
}

/// [`run`] with the gixy-parity rules left out of `check` and `fix`.
pub fn run_keepalive(args: &[&str], stdin: Option<&[u8]>, cwd: Option<&Path>) -> Output {
    run(&without_gixy_pack(args), stdin, cwd)
}
