//! What ngxfix refuses to read, and how it says so: a path that is not a
//! regular file (a FIFO would block the read forever, `/dev/zero` never
//! ends), a file larger than `--max-file-size`, includes nested more than
//! 100 deep. Each is an error with exit code 2, located at the include
//! that names it, never a hang or a crash.

use crate::common;

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

/// Far beyond what any of these runs takes; only a run that hangs reaches
/// it.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// Every command that reads a configuration tree, as arguments before the
/// path (`diagnose` reads an empty log from standard input).
const LOADERS: &[&[&str]] = &[
    &["check", "--nginx-version", "1.29.6"],
    &[
        "fix",
        "--dry-run",
        "--no-verify",
        "--nginx-version",
        "1.29.6",
    ],
    &["redact"],
    &["parse"],
    &["diagnose", "--nginx-version", "1.29.6", "--config"],
];

/// Run ngxfix in `cwd` with `stdin` as input, killing it (and failing the
/// test) if it has not ended within [`HANG_GUARD`].
fn run_bounded(args: &[&str], cwd: &Path, stdin: &[u8]) -> Output {
    let mut child = common::ngxfix()
        .args(common::without_gixy_pack(args))
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ngxfix starts");
    // Fed and drained on threads, so that neither side blocks the wait.
    let mut input = child.stdin.take().expect("piped");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let stdout = drain(child.stdout.take().expect("piped"));
    let stderr = drain(child.stderr.take().expect("piped"));
    let status = common::wait_bounded(
        &mut child,
        HANG_GUARD,
        &format!("ngxfix {}", args.join(" ")),
    );
    writer.join().expect("stdin writer");
    Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// Run each of [`LOADERS`] on `path` in `dir`; each must fail with exit
/// code 2 and say `expected` on standard error. Returns `check`'s
/// standard error.
fn refused_by_every_command(dir: &Path, path: &str, expected: &str) -> String {
    let mut check = String::new();
    for command in LOADERS {
        let mut args = command.to_vec();
        args.push(path);
        let out = run_bounded(&args, dir, b"");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        if command[0] == "check" {
            check = stderr;
        }
    }
    check
}

fn mkfifo(path: &Path) {
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    let made = unsafe { libc::mkfifo(name.as_ptr(), 0o600) };
    assert_eq!(made, 0, "mkfifo {}", path.display());
}

#[test]
fn a_fifo_as_the_main_file_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("nginx.conf"));
    refused_by_every_command(
        dir.path(),
        "nginx.conf",
        "nginx.conf: is a FIFO (named pipe), not a regular file",
    );
}

#[test]
fn an_included_fifo_is_refused_at_its_include() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("nginx.conf"),
        "events {}\nhttp {\n    include pipe.conf;\n}\n",
    )
    .unwrap();
    mkfifo(&dir.path().join("pipe.conf"));
    let check = refused_by_every_command(
        dir.path(),
        "nginx.conf",
        "nginx.conf:3:5: included file \"pipe.conf\" is a FIFO (named pipe), not a regular file",
    );
    assert!(
        check.contains("3 |     include pipe.conf;\n  |     ^"),
        "the line and a caret: {check}"
    );
}

#[test]
fn an_included_device_is_refused_and_dev_null_reads_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("zero.conf"),
        "events {}\ninclude /dev/zero;\n",
    )
    .unwrap();
    refused_by_every_command(
        dir.path(),
        "zero.conf",
        "zero.conf:2:1: included file \"/dev/zero\" is a character device, not a regular file",
    );

    // nginx reads a device for the size fstat gives, 0: /dev/null is an
    // empty placeholder some configurations include.
    fs::write(
        dir.path().join("null.conf"),
        "events {}\ninclude /dev/null;\n",
    )
    .unwrap();
    let out = run_bounded(
        &["parse", "--format", "stats", "null.conf"],
        dir.path(),
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("files: 2"));
}

#[test]
fn a_directory_is_refused_as_nginx_refuses_it() {
    // nginx fails too: pread() "..." failed (21: Is a directory).
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("conf.d/sub")).unwrap();
    fs::write(dir.path().join("conf.d/a.conf"), "server_tokens off;\n").unwrap();
    fs::write(
        dir.path().join("named.conf"),
        "events {}\ninclude conf.d;\n",
    )
    .unwrap();
    refused_by_every_command(
        dir.path(),
        "named.conf",
        "named.conf:2:1: included file \"conf.d\" is a directory, not a regular file",
    );
    // A pattern that matches a directory.
    fs::write(
        dir.path().join("glob.conf"),
        "events {}\nhttp { include conf.d/*; }\n",
    )
    .unwrap();
    refused_by_every_command(
        dir.path(),
        "glob.conf",
        "glob.conf:2:8: included file \"conf.d/sub\" is a directory, not a regular file",
    );
    // And as the main file.
    refused_by_every_command(
        dir.path(),
        "conf.d",
        "conf.d: is a directory, not a regular file",
    );
}

#[test]
fn an_included_socket_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("s.sock")).unwrap();
    fs::write(
        dir.path().join("nginx.conf"),
        "events {}\ninclude s.sock;\n",
    )
    .unwrap();
    refused_by_every_command(
        dir.path(),
        "nginx.conf",
        "nginx.conf:2:1: included file \"s.sock\" is a socket, not a regular file",
    );
}

#[test]
fn files_larger_than_max_file_size_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // 2 KiB of comments around a valid configuration.
    let big = format!("events {{}}\n{}", "# padding ....\n".repeat(140));
    assert!(big.len() > 2000);
    fs::write(dir.path().join("big.conf"), &big).unwrap();
    fs::write(dir.path().join("nginx.conf"), "include big.conf;\n").unwrap();

    for command in LOADERS {
        // The main file.
        let mut args = vec![command[0], "--max-file-size", "1K"];
        args.extend(&command[1..]);
        args.push("big.conf");
        let out = run_bounded(&args, dir.path(), b"");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(
                "big.conf: larger than 1 KiB, the most ngxfix reads of one file \
                 (--max-file-size SIZE raises it)"
            ),
            "{args:?}: {stderr}"
        );

        // An included file, at its include.
        let mut args = vec![command[0], "--max-file-size", "1K"];
        args.extend(&command[1..]);
        args.push("nginx.conf");
        let out = run_bounded(&args, dir.path(), b"");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(
                "nginx.conf:1:1: included file \"big.conf\" is larger than 1 KiB, the most \
                 ngxfix reads of one file (--max-file-size)"
            ),
            "{args:?}: {stderr}"
        );
    }

    // A limit above the size reads it.
    let out = run_bounded(
        &[
            "parse",
            "--format",
            "stats",
            "--max-file-size",
            "4k",
            "nginx.conf",
        ],
        dir.path(),
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    // Standard input has the same limit.
    let out = run_bounded(
        &["parse", "--max-file-size", "1024", "-"],
        dir.path(),
        big.as_bytes(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("standard input: larger than 1 KiB"),
        "{stderr}"
    );

    // A size ngxfix cannot read is refused by the option itself.
    let out = run_bounded(&["parse", "--max-file-size", "64MB", "-"], dir.path(), b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("expected bytes, or a number with K, M or G")
    );
}

/// `f0.conf` includes `f1.conf` ... up to `f{links}.conf`, in `dir`.
fn include_chain(dir: &Path, links: usize) {
    for i in 0..=links {
        let text = if i < links {
            format!("include f{}.conf;\n", i + 1)
        } else {
            "events {}\n".to_string()
        };
        fs::write(dir.join(format!("f{i}.conf")), text).unwrap();
    }
}

#[test]
fn an_include_chain_50000_deep_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    include_chain(dir.path(), 50_000);
    let check = refused_by_every_command(
        dir.path(),
        "f0.conf",
        "f100.conf:1:1: includes are nested too deeply to read",
    );
    assert!(
        check.contains(
            "more than 100 levels: f0.conf -> f1.conf -> f2.conf -> ... 96 more ... -> \
             f99.conf -> f100.conf -> f101.conf"
        ),
        "{check}"
    );
}

#[test]
fn an_include_chain_100_deep_loads() {
    let dir = tempfile::tempdir().unwrap();
    include_chain(dir.path(), 100);
    for command in LOADERS {
        let mut args = command.to_vec();
        args.push("f0.conf");
        let out = run_bounded(&args, dir.path(), b"");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
    }
}

#[test]
fn deep_blocks_in_every_file_of_a_deep_include_chain_do_not_overflow() {
    // 100 files, each 499 locations deep around the include of the next:
    // 50,000 nested blocks as nginx reads them, which a recursive walk of
    // the spliced tree overflowed the stack on.
    let dir = tempfile::tempdir().unwrap();
    let files = 100;
    for i in 0..files {
        let (depth, head, tail) = if i == 0 {
            (
                497,
                "events {}\nhttp {\n upstream app { server 127.0.0.1:8000; }\n server {\n",
                "\n }\n}\n",
            )
        } else {
            (499, "", "\n")
        };
        let inner = if i + 1 < files {
            format!("include f{}.conf;", i + 1)
        } else {
            "proxy_pass http://app;".to_string()
        };
        let text = format!(
            "{head}{}add_header X-Level {i}; {inner}{}{tail}",
            "location /x {".repeat(depth),
            "}".repeat(depth)
        );
        fs::write(dir.path().join(format!("f{i}.conf")), text).unwrap();
    }
    for command in LOADERS {
        let mut args = command.to_vec();
        args.push("f0.conf");
        let out = run_bounded(&args, dir.path(), b"");
        let stderr = String::from_utf8_lossy(&out.stderr);
        // check, fix --dry-run and diagnose may report findings (1);
        // nothing may crash (a signal leaves no code) or fail (2).
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {:?} {stderr}",
            out.status
        );
    }
}

#[test]
fn includes_that_double_at_each_level_are_an_error_not_a_hang() {
    // Each file includes the next twice: 2^40 directives as nginx reads
    // them, from 41 small files. A walk of the spliced tree never ends.
    let dir = tempfile::tempdir().unwrap();
    let levels = 40;
    for i in 0..levels {
        let text = format!("include d{n}.conf;\ninclude d{n}.conf;\n", n = i + 1);
        fs::write(dir.path().join(format!("d{i}.conf")), text).unwrap();
    }
    fs::write(
        dir.path().join(format!("d{levels}.conf")),
        "proxy_http_version 1.1;\n",
    )
    .unwrap();
    let out = refused_by_every_command(dir.path(), "d0.conf", "includes pull in too much to read");
    assert!(out.contains("more than 5000000 directives"), "{out}");
}

#[test]
fn a_fifo_given_as_rules_or_settings_is_refused_too() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), "events {}\nhttp {}\n").unwrap();
    mkfifo(&dir.path().join("rules.toml"));
    mkfifo(&dir.path().join("ngxfix.toml"));
    for (option, name) in [("--rules", "rules.toml"), ("--config", "ngxfix.toml")] {
        let out = run_bounded(&["check", option, name, "nginx.conf"], dir.path(), b"");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{option}: {stderr}");
        assert!(
            stderr.contains("is a FIFO (named pipe), not a regular file"),
            "{option}: {stderr}"
        );
    }
}
