//! Ground truth for the Node.js and Puma readers: each case writes a
//! server file into a temporary directory, starts the real server on
//! 127.0.0.1, measures when it closes an idle keep-alive connection, and
//! compares that with what ngxfix reads from the same file.
//!
//! Install (Debian bookworm; the tests skip what is missing unless
//! `NGXFIX_REQUIRE_BACKENDS=1`):
//!   apt-get install -y nodejs=18.20.4+dfsg-1~deb12u3 puma=5.6.5-3+deb12u2
//! (the development machines carry Node 20.20.2 from NodeSource instead;
//! any Node 18+ works: the expected close is computed from the running
//! node).
//!
//! Node closes an idle socket `keepAliveTimeout + keepAliveTimeoutBuffer`
//! after the response: the buffer is a fixed 1000 ms since Node 20.18
//! (nodejs/node#54863) and a property since 22.19/24.6, so the expected
//! close is read + buffer, the buffer asked of the running node. Puma checks
//! its timeouts in its reactor loop, a little after they fall due.
//!
//! Tolerance: measured in [expected - 100 ms, expected + 700 ms]. The
//! server starts its timer when it finishes writing the response, slightly
//! before the client has read it (hence the 100 ms below), and timers on a
//! loaded two-core machine fire late, never early (Puma's reactor adds up
//! to a few hundred ms).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::idle::{free_port, idle_close, idle_close_twice, Closed, Server};
use common::servers::node_facts;
use ngxfix::backends::{format, Idle, Source};

const EARLY: Duration = Duration::from_millis(100);
const LATE: Duration = Duration::from_millis(700);

/// Whether a server program runs here; when not, the test says why and
/// stops, unless NGXFIX_REQUIRE_BACKENDS=1 makes that a failure.
fn available(program: &str, arg: &str) -> bool {
    let ok = Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("NGXFIX_REQUIRE_BACKENDS").is_none(),
            "NGXFIX_REQUIRE_BACKENDS is set but {program} is not installed"
        );
        eprintln!("skipped: {program} is not installed");
    }
    ok
}

/// A fresh directory for one case.
fn case_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ngxfix-gt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// What ngxfix reads from `file` for `kind`.
fn read(kind: &str, file: &Path, version: Option<u32>) -> Idle {
    let text = std::fs::read_to_string(file).expect("the case's file");
    let path = file.to_string_lossy();
    let f = format(kind).expect("a known kind");
    f.read(&Source {
        path: &path,
        text: &text,
        version,
    })
    .idle
}

/// Starts the server, measures the idle close and checks it against
/// `expected` (None: it must stay open for `limit`).
fn check(case: &str, command: Command, port: u16, read: &Idle, expected: Option<Duration>) {
    let server = Server::start(command, port, Duration::from_secs(15))
        .unwrap_or_else(|e| panic!("{case}: {e}"));
    let limit = expected.map_or(Duration::from_secs(3), |e| e + Duration::from_secs(3));
    let closed = idle_close_twice(port, limit, |c| agrees(expected, c))
        .unwrap_or_else(|e| panic!("{case}: {e}"));
    drop(server);
    eprintln!("{case}: read {read}, expected {expected:?}, measured {closed:?}");
    assert!(
        agrees(expected, &closed),
        "{case}: expected {expected:?} (read {read}), measured {closed:?}"
    );
}

/// Whether a measured close matches the expected one (None: never).
fn agrees(expected: Option<Duration>, closed: &Closed) -> bool {
    match (expected, closed) {
        (Some(e), Closed::After(m)) => *m + EARLY >= e && *m <= e + LATE,
        (None, Closed::NotWithin(_)) => true,
        _ => false,
    }
}

fn millis(idle: &Idle) -> Duration {
    match idle {
        Idle::After(d) => Duration::from_millis(d.as_millis()),
        other => panic!("expected a duration, read {other:?}"),
    }
}

// ----- Node.js --------------------------------------------------------------

/// A server.js whose server is made by `create` and configured by
/// `configure`, answering a short body with Content-Length.
fn node_server(dir: &Path, create: &str, configure: &str) -> PathBuf {
    let file = dir.join("server.js");
    let text = format!(
        "'use strict';\n\
         const http = require('http');\n\
         \n\
         const handler = (req, res) => {{\n\
         \x20 res.writeHead(200, {{ 'Content-Type': 'text/plain', 'Content-Length': 2 }});\n\
         \x20 res.end('ok');\n\
         }};\n\
         \n\
         const server = {create};\n\
         {configure}\n\
         server.listen(Number(process.argv[2]), '127.0.0.1');\n"
    );
    std::fs::write(&file, text).expect("server.js");
    file
}

fn node_case(case: &str, create: &str, configure: &str, min_major: u32) {
    if !available("node", "--version") {
        return;
    }
    let (major, buffer) = node_facts();
    if major < min_major {
        eprintln!("skipped {case}: node {major} is older than {min_major}");
        return;
    }
    let dir = case_dir(case);
    let file = node_server(&dir, create, configure);
    let read = read("node", &file, Some(major));
    let expected = match &read {
        Idle::Never => None,
        idle => Some(millis(idle) + buffer),
    };
    if expected.is_some_and(|e| e > Duration::from_secs(10)) {
        eprintln!("skipped {case}: node {major} reads {read}, too long to wait for");
        return;
    }
    let port = free_port();
    let mut command = Command::new("node");
    command
        .arg(&file)
        .arg(port.to_string())
        .current_dir(&dir)
        .stdout(Stdio::null());
    check(case, command, port, &read, expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn node_property() {
    node_case(
        "node-property",
        "http.createServer(handler)",
        "server.keepAliveTimeout = 1500;",
        8,
    );
}

#[test]
fn node_create_server_options() {
    node_case(
        "node-options",
        "http.createServer({ keepAliveTimeout: 1.2 * 1000 }, handler)",
        "",
        18,
    );
}

#[test]
fn node_default() {
    node_case("node-default", "http.createServer(handler)", "", 8);
}

#[test]
fn node_zero_keeps_idle_connections() {
    node_case(
        "node-zero",
        "http.createServer(handler)",
        "server.keepAliveTimeout = 0;",
        13,
    );
}

// ----- Puma -----------------------------------------------------------------

/// The installed Puma's major version.
fn puma_major() -> Option<u32> {
    let out = Command::new("puma").arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "puma version 5.6.5"
    text.split_whitespace()
        .last()?
        .split('.')
        .next()?
        .parse()
        .ok()
}

fn puma_case(case: &str, settings: &str, expect_close_announced: bool) {
    if !available("puma", "--version") {
        return;
    }
    let major = puma_major();
    let dir = case_dir(case);
    let port = free_port();
    std::fs::write(
        dir.join("config.ru"),
        "run ->(env) { [200, { \"content-type\" => \"text/plain\", \"content-length\" => \"2\" }, [\"ok\"]] }\n",
    )
    .expect("config.ru");
    let file = dir.join("puma.rb");
    std::fs::write(
        &file,
        format!("# Puma for the ground truth\nbind \"tcp://127.0.0.1:{port}\"\nthreads 1, 2\n{settings}\n"),
    )
    .expect("puma.rb");
    let read = read("puma", &file, major);
    let mut command = Command::new("puma");
    command
        .args(["-C", "puma.rb", "config.ru"])
        .current_dir(&dir)
        .stdout(Stdio::null());
    if expect_close_announced {
        assert_eq!(read, Idle::NoKeepalive, "{case}");
        let server = Server::start(command, port, Duration::from_secs(15))
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        let closed =
            idle_close(port, Duration::from_secs(3)).unwrap_or_else(|e| panic!("{case}: {e}"));
        drop(server);
        eprintln!("{case}: read {read}, measured {closed:?}");
        assert_eq!(closed, Closed::Announced, "{case}");
    } else {
        check(case, command, port, &read, Some(millis(&read)));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn puma_persistent_timeout() {
    puma_case("puma-timeout", "persistent_timeout 2", false);
}

#[test]
fn puma_persistent_timeout_string() {
    puma_case("puma-timeout-string", "persistent_timeout(\"1\")", false);
}

#[test]
fn puma_without_request_queueing_closes_every_connection() {
    puma_case("puma-no-queue", "queue_requests false", true);
}
