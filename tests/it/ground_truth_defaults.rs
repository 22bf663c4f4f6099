//! Ground truth for the kinds table (`ngxfix::backends::SERVER_KINDS`)
//! where ngxfix reads no file: each case starts the real server with its
//! defaults on 127.0.0.1, measures when it closes an idle keepalive
//! connection, and checks the measurement against the kind's default in
//! the table, so a wrong row fails here. Some cases also set the kind's
//! `setting` to a short value, to show that it is the setting that
//! governs the close.
//!
//! The servers (Debian 12 "bookworm" and PyPI, pinned in
//! .ci/python-servers.txt; about 17 s and 30 MB on top of Ruby and a JRE):
//!
//! ```sh
//! apt-get install -y --no-install-recommends unicorn thin jetty9
//! # measured with unicorn 6.0.0-2+b4, thin 1.8.1-2, jetty9 9.4.57-1.1~deb12u1
//! python3 -m pip install gunicorn==27.0.1 tornado==6.6.1 daphne==4.2.3 waitress==3.0.2
//! ```
//!
//! Without them the tests say so and pass, unless `NGXFIX_REQUIRE_BACKENDS=1`.
//!
//! Tolerance: a measured close must fall in [default − 250 ms,
//! default + 600 ms], as in ground_truth_uwsgi_apache.rs: the servers arm
//! their timer as they finish writing the response (tornado's
//! `with_timeout`, Twisted's `callLater`, EventMachine's inactivity timer,
//! Jetty's idle timeout scheduler), a few milliseconds before the client
//! has read it, and a loaded machine delays the close. Waitress closes an
//! idle channel from a cleanup pass that runs every `cleanup_interval`,
//! so its close may come up to one interval later. A default longer than
//! the time measured (tornado's hour) must be measured as still open.
//!
//! The long defaults (thin and Jetty 30 s, daphne 60 s) are measured at
//! the same time, in one test.

use crate::common;

use std::process::Command;
use std::time::Duration;

use common::idle::{free_port, idle_close, idle_close_twice, Closed};
use common::servers::{folder, missing, python_has, runs, start, ASGI_APP, WSGI_APP};
use ngxfix::backends::{Idle, ServerKind};

const EARLY: Duration = Duration::from_millis(250);
const LATE: Duration = Duration::from_millis(600);

/// A tornado server on the port of argv[1], with `idle_connection_timeout`
/// from argv[2] unless it is `default`.
const TORNADO_APP: &str = "import sys, asyncio, tornado.web, tornado.httpserver
class Hello(tornado.web.RequestHandler):
    def get(self):
        self.write(\"ok\\n\")
async def main():
    kw = {} if sys.argv[2] == \"default\" else {\"idle_connection_timeout\": float(sys.argv[2])}
    server = tornado.httpserver.HTTPServer(tornado.web.Application([(r\"/\", Hello)]), **kw)
    server.listen(int(sys.argv[1]), address=\"127.0.0.1\")
    await asyncio.Event().wait()
asyncio.run(main())
";

const RACK_APP: &str = "run lambda { |env| [200, {\"Content-Type\" => \"text/plain\", \"Content-Length\" => \"3\"}, [\"ok\\n\"]] }\n";

/// The table's default for `kind` (current versions).
fn table(kind: &str) -> Idle {
    ServerKind::find(kind)
        .unwrap_or_else(|| panic!("{kind} is not in SERVER_KINDS"))
        .idle
        .clone()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// How long to wait for the close of a connection whose server should
/// close it as `idle` says.
fn limit(idle: &Idle) -> Duration {
    match idle {
        Idle::After(d) => Duration::from_millis(d.as_millis()) + Duration::from_secs(3),
        _ => Duration::from_secs(3),
    }
}

/// Whether what the server did matches `idle`, a close being allowed up
/// to `late` after it.
fn agrees(idle: &Idle, closed: &Closed, late: Duration) -> bool {
    match (idle, closed) {
        (Idle::After(d), Closed::After(m)) => {
            let want = Duration::from_millis(d.as_millis());
            *m + EARLY >= want && *m <= want + late
        }
        // Still open when measuring stopped, before the timeout is due.
        (Idle::After(d), Closed::NotWithin(limit)) => {
            *limit + LATE < Duration::from_millis(d.as_millis())
        }
        (Idle::Never, Closed::NotWithin(_)) => true,
        (Idle::NoKeepalive, Closed::Announced) => true,
        _ => false,
    }
}

/// Measure the server on `port` (once more on disagreement) and check it
/// against `idle`.
fn check(case: &str, idle: &Idle, port: u16, limit: Duration, late: Duration) {
    let closed = idle_close_twice(port, limit, |c| agrees(idle, c, late))
        .unwrap_or_else(|e| panic!("{case}: {e}"));
    eprintln!(
        "{case:<40} table {:<36} measured {closed:?}",
        idle.to_string()
    );
    assert!(
        agrees(idle, &closed, late),
        "{case}: the table says {idle:?}, the server did {closed:?}"
    );
}

#[test]
fn gunicorn_default_worker_is_gunicorn_sync() {
    if !python_has("gunicorn") {
        return;
    }
    let dir = folder();
    std::fs::write(dir.path().join("app.py"), WSGI_APP).expect("app");
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let _server = start(
        dir.path(),
        "server.log",
        "python3",
        &strings(&[
            "-m",
            "gunicorn",
            "--bind",
            &bind,
            "--workers",
            "1",
            "app:app",
        ]),
        port,
        Duration::from_secs(20),
    );
    let idle = table("gunicorn-sync");
    check("gunicorn, no settings", &idle, port, limit(&idle), LATE);
}

#[test]
fn tornado_idle_connection_timeout_and_default() {
    if !python_has("tornado") {
        return;
    }
    let dir = folder();
    std::fs::write(dir.path().join("serve.py"), TORNADO_APP).expect("app");
    // The setting governs the close ...
    let port = free_port();
    let set = Idle::After(ngxfix::model::Duration::from_millis(1500));
    let _short = start(
        dir.path(),
        "server.log",
        "python3",
        &strings(&["serve.py", &port.to_string(), "1.5"]),
        port,
        Duration::from_secs(20),
    );
    check(
        "tornado idle_connection_timeout=1.5",
        &set,
        port,
        limit(&set),
        LATE,
    );
    // ... and without it the connection outlives any wait here (3600s).
    let port = free_port();
    let _default = start(
        dir.path(),
        "server.log",
        "python3",
        &strings(&["serve.py", &port.to_string(), "default"]),
        port,
        Duration::from_secs(20),
    );
    let idle = table("tornado");
    check("tornado default", &idle, port, Duration::from_secs(4), LATE);
}

#[test]
fn waitress_channel_timeout_and_default() {
    if !python_has("waitress") {
        return;
    }
    // The default the installed waitress declares is the table's.
    let out = Command::new("python3")
        .args([
            "-c",
            "from waitress.adjustments import Adjustments as A; print(A.channel_timeout, A.cleanup_interval)",
        ])
        .output()
        .expect("python3 runs");
    let declared = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(
        declared, "120 30",
        "waitress's channel_timeout and cleanup_interval"
    );
    assert_eq!(
        table("waitress"),
        Idle::After(ngxfix::model::Duration::from_secs(120))
    );
    // channel_timeout governs the close, checked every cleanup_interval.
    let dir = folder();
    std::fs::write(dir.path().join("app.py"), WSGI_APP).expect("app");
    let port = free_port();
    let _server = start(
        dir.path(),
        "server.log",
        "python3",
        &strings(&[
            "-m",
            "waitress",
            &format!("--listen=127.0.0.1:{port}"),
            "--channel-timeout=2",
            "--cleanup-interval=1",
            "app:app",
        ]),
        port,
        Duration::from_secs(20),
    );
    let set = Idle::After(ngxfix::model::Duration::from_secs(2));
    check(
        "waitress channel_timeout=2 cleanup=1",
        &set,
        port,
        Duration::from_secs(6),
        Duration::from_secs(1) + LATE,
    );
}

#[test]
fn unicorn_sends_connection_close_and_thin_honours_timeout() {
    let dir = folder();
    std::fs::write(dir.path().join("config.ru"), RACK_APP).expect("config.ru");
    if runs("unicorn", &["-v"]) {
        let port = free_port();
        let _server = start(
            dir.path(),
            "server.log",
            "unicorn",
            &strings(&["-l", &format!("127.0.0.1:{port}"), "config.ru"]),
            port,
            Duration::from_secs(20),
        );
        let idle = table("unicorn");
        check("unicorn default", &idle, port, limit(&idle), LATE);
    } else {
        missing("unicorn is not installed (apt-get install unicorn)");
    }
    if runs("thin", &["-v"]) {
        let port = free_port();
        let _server = start(
            dir.path(),
            "server.log",
            "thin",
            &strings(&[
                "start",
                "-a",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-R",
                "config.ru",
                "--timeout",
                "2",
            ]),
            port,
            Duration::from_secs(20),
        );
        let set = Idle::After(ngxfix::model::Duration::from_secs(2));
        check("thin --timeout 2", &set, port, limit(&set), LATE);
    } else {
        missing("thin is not installed (apt-get install thin)");
    }
}

/// The Jetty home of Debian's jetty9 package (or `JETTY_HOME`).
fn jetty_home() -> Option<std::path::PathBuf> {
    std::env::var_os("JETTY_HOME")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain([std::path::PathBuf::from("/usr/share/jetty9")])
        .find(|home| home.join("start.jar").is_file())
}

/// Thin's, Jetty's and daphne's defaults, measured at the same time: each
/// takes half a minute or more.
#[test]
fn thin_jetty_and_daphne_defaults() {
    let dir = folder();
    let mut servers = Vec::new();
    let mut cases: Vec<(&str, Idle, u16)> = Vec::new();
    if runs("thin", &["-v"]) {
        std::fs::write(dir.path().join("config.ru"), RACK_APP).expect("config.ru");
        let port = free_port();
        let args = [
            "start",
            "-a",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-R",
            "config.ru",
        ];
        servers.push(start(
            dir.path(),
            "server.log",
            "thin",
            &strings(&args),
            port,
            Duration::from_secs(20),
        ));
        cases.push(("thin default", table("thin"), port));
    } else {
        missing("thin is not installed (apt-get install thin)");
    }
    match (jetty_home(), runs("java", &["-version"])) {
        (Some(home), true) => {
            let base = dir.path().join("jetty-base");
            std::fs::create_dir_all(&base).expect("a jetty.base");
            let port = free_port();
            let args = [
                "-jar".to_string(),
                home.join("start.jar").display().to_string(),
                format!("jetty.home={}", home.display()),
                format!("jetty.base={}", base.display()),
                "--module=http".to_string(),
                "jetty.http.host=127.0.0.1".to_string(),
                format!("jetty.http.port={port}"),
            ];
            servers.push(start(
                &base,
                "server.log",
                "java",
                &args,
                port,
                Duration::from_secs(40),
            ));
            cases.push(("jetty default", table("jetty"), port));
        }
        (None, _) => missing("Jetty is not installed (apt-get install jetty9)"),
        (Some(_), false) => missing("java does not run"),
    }
    if python_has("daphne") {
        let app = dir.path().join("asgi");
        std::fs::create_dir_all(&app).expect("a folder for the app");
        std::fs::write(app.join("app.py"), ASGI_APP).expect("app");
        let port = free_port();
        let args = [
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "app:app",
        ];
        servers.push(start(
            &app,
            "server.log",
            "python3",
            &strings(&args),
            port,
            Duration::from_secs(20),
        ));
        cases.push(("daphne default", table("daphne"), port));
    }
    let measured: Vec<Result<Closed, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|(_, idle, port)| {
                let (idle, port) = (idle.clone(), *port);
                s.spawn(move || idle_close(port, limit(&idle)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a measuring thread"))
            .collect()
    });
    drop(servers);
    let mut failures = Vec::new();
    for ((case, idle, _), closed) in cases.iter().zip(&measured) {
        eprintln!(
            "{case:<40} table {:<36} measured {closed:?}",
            idle.to_string()
        );
        match closed {
            Ok(c) if agrees(idle, c, LATE) => {}
            other => failures.push(format!(
                "{case}: the table says {idle:?}, measured {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
