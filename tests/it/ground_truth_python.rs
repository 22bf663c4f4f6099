//! Ground truth for the Python servers: each case writes a backend file
//! into a temp dir, starts the real server from it on 127.0.0.1, measures
//! when the server closes an idle keepalive connection, and checks that
//! ngxfix reads the same file to the same answer. Some cases also raise the
//! file with ngxfix and measure the raised file, so the edits are ones the
//! real server accepts.
//!
//! The servers, pinned (into the `python3` on PATH):
//!
//! ```sh
//! python3 -m pip install gunicorn==27.0.1 uvicorn==0.54.0 hypercorn==0.18.0
//! ```
//!
//! Without them the tests print why and pass, unless
//! `NGXFIX_REQUIRE_BACKENDS=1`, where a missing server fails them.
//!
//! Tolerance: the measured close must fall in [read - 50 ms, read + 600 ms].
//! All three servers arm a timer when the response ends (gthread wakes its
//! poll loop for the first expiring connection; uvicorn `call_later`;
//! hypercorn `wait_for`) and close within a few milliseconds of it on an
//! idle machine; the harness times from the end of the response it read,
//! which comes slightly after the server armed the timer (hence 50 ms
//! early), and a loaded CI machine can delay the server's wakeup (hence
//! 600 ms late).

use crate::common;
use common::servers::WSGI_APP;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration as StdDuration;

use common::idle::{free_port, idle_close_twice, Closed, Server};
use ngxfix::backends::{self, Edit, Idle, Source};
use ngxfix::model::Duration;

const ASGI_APP: &str = "async def app(scope, receive, send):
    if scope[\"type\"] == \"lifespan\":
        while True:
            message = await receive()
            if message[\"type\"] == \"lifespan.startup\":
                await send({\"type\": \"lifespan.startup.complete\"})
            elif message[\"type\"] == \"lifespan.shutdown\":
                await send({\"type\": \"lifespan.shutdown.complete\"})
                return
    body = b\"ok\\n\"
    await send({\"type\": \"http.response.start\", \"status\": 200,
                \"headers\": [(b\"content-type\", b\"text/plain\"), (b\"content-length\", str(len(body)).encode())]})
    await send({\"type\": \"http.response.body\", \"body\": body})
";

/// Whether `python3` can import `module`; a failure when the servers are
/// required.
fn available(module: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("NGXFIX_REQUIRE_BACKENDS").is_none(),
            "NGXFIX_REQUIRE_BACKENDS is set but python3 cannot import {module}"
        );
        eprintln!("python3 cannot import {module}: skipped (python3 -m pip install gunicorn==27.0.1 uvicorn==0.54.0 hypercorn==0.18.0)");
    }
    ok
}

/// One measurement: a file the server starts from, and how it starts.
struct Case<'a> {
    name: &'a str,
    kind: &'a str,
    /// The backend file's name and text.
    file: &'a str,
    text: String,
    /// The server's command, run in the temp dir.
    command: Vec<String>,
    /// The app module the server loads.
    app: (&'a str, &'a str),
    /// The port the file makes the server listen on.
    port: u16,
}

/// Start the case's server, measure, read the file, compare; returns the
/// reading.
fn run(case: &Case<'_>) -> Idle {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(case.file), &case.text).expect("backend file");
    std::fs::write(dir.path().join(case.app.0), case.app.1).expect("app");
    let format = backends::format(case.kind).expect("a readable kind");
    let reading = format.read(&Source {
        path: case.file,
        text: &case.text,
        version: None,
    });
    let measured = measure(dir.path(), &case.command, case.port, &reading.idle);
    eprintln!(
        "{:<28} read {:<36} measured {:?}   ({})",
        case.name,
        reading.idle.to_string(),
        measured,
        reading.detail
    );
    check(case.name, &reading.idle, &measured);
    reading.idle
}

fn measure(dir: &Path, command: &[String], port: u16, idle: &Idle) -> Closed {
    let mut cmd = Command::new(&command[0]);
    cmd.args(&command[1..])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _server = Server::start(cmd, port, StdDuration::from_secs(20)).expect("server starts");
    let limit = match idle {
        Idle::After(d) => StdDuration::from_millis(d.as_millis() + 3000),
        _ => StdDuration::from_secs(3),
    };
    idle_close_twice(port, limit, |c| agrees(idle, c))
        .expect("one request on a keepalive connection")
}

fn check(name: &str, read: &Idle, measured: &Closed) {
    assert!(
        agrees(read, measured),
        "{name}: ngxfix reads {read:?}, the server did {measured:?}"
    );
}

/// Whether what the server did matches what ngxfix read.
fn agrees(read: &Idle, measured: &Closed) -> bool {
    match (read, measured) {
        (Idle::After(d), Closed::After(m)) => {
            let read_ms = i128::from(d.as_millis());
            let m_ms = i128::try_from(m.as_millis()).unwrap_or(i128::MAX);
            (read_ms - 50..=read_ms + 600).contains(&m_ms)
        }
        (Idle::NoKeepalive, Closed::Announced) => true,
        _ => false,
    }
}

fn apply(text: &str, edits: &[Edit<()>]) -> String {
    let edits: Vec<&Edit<()>> = edits.iter().collect();
    ngxfix::text::apply_str(text, &edits).expect("edits that apply")
}

/// The case with its file raised by ngxfix to `target`, on a fresh port
/// (the killed server's workers may still hold the old one for a moment).
fn raised<'a>(case: &Case<'a>, name: &'a str, target: Duration) -> Case<'a> {
    let format = backends::format(case.kind).expect("a readable kind");
    let edits = format
        .raise(
            &Source {
                path: case.file,
                text: &case.text,
                version: None,
            },
            target,
        )
        .expect("raisable");
    assert!(!edits.is_empty(), "{name}: nothing to raise");
    let port = free_port();
    let text = apply(&case.text, &edits).replace(&case.port.to_string(), &port.to_string());
    Case {
        name,
        kind: case.kind,
        file: case.file,
        text,
        command: case.command.clone(),
        app: case.app,
        port,
    }
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// A Procfile's `web:` command, run the way a Procfile runner does.
fn procfile_command() -> Vec<String> {
    words("sh -c")
        .into_iter()
        .chain(["exec $(sed -n 's/^web: //p' Procfile)".to_string()])
        .collect()
}

fn gunicorn_conf(
    name: &'static str,
    settings: &str,
    app: (&'static str, &'static str),
) -> Case<'static> {
    let port = free_port();
    Case {
        name,
        kind: "gunicorn",
        file: "gunicorn.conf.py",
        text: format!("# {name}\nbind = \"127.0.0.1:{port}\"\nworkers = 1\n{settings}"),
        command: words("python3 -m gunicorn -c gunicorn.conf.py app:app"),
        app,
        port,
    }
}

#[test]
fn gunicorn_gthread_keepalive_in_conf_file() {
    if !available("gunicorn") {
        return;
    }
    let case = gunicorn_conf(
        "gunicorn gthread keepalive=2",
        "threads = 2\nkeepalive = 2\n",
        ("app.py", WSGI_APP),
    );
    assert_eq!(run(&case), Idle::After(Duration::from_secs(2)));
    let up = raised(&case, "gunicorn raised to 3", Duration::from_secs(3));
    assert!(up.text.contains("keepalive = 3\n"), "{}", up.text);
    run(&up);
}

#[test]
fn gunicorn_gthread_default_keepalive() {
    if !available("gunicorn") {
        return;
    }
    let case = gunicorn_conf(
        "gunicorn gthread default",
        "threads = 2\n",
        ("app.py", WSGI_APP),
    );
    assert_eq!(run(&case), Idle::After(Duration::from_secs(2)));
    // The missing setting added after the worker settings.
    let up = raised(
        &case,
        "gunicorn default raised to 3",
        Duration::from_secs(3),
    );
    assert!(
        up.text.ends_with("threads = 2\nkeepalive = 3\n"),
        "{}",
        up.text
    );
    run(&up);
}

#[test]
fn gunicorn_sync_worker_announces_close() {
    if !available("gunicorn") {
        return;
    }
    let case = gunicorn_conf("gunicorn sync", "keepalive = 5\n", ("app.py", WSGI_APP));
    assert_eq!(run(&case), Idle::NoKeepalive);
}

#[test]
fn gunicorn_uvicorn_worker_uses_keepalive() {
    if !available("gunicorn") || !available("uvicorn") {
        return;
    }
    let case = gunicorn_conf(
        "gunicorn UvicornWorker",
        "worker_class = \"uvicorn.workers.UvicornWorker\"\nkeepalive = 1\n",
        ("app.py", ASGI_APP),
    );
    assert_eq!(run(&case), Idle::After(Duration::from_secs(1)));
}

#[test]
fn gunicorn_command_line() {
    if !available("gunicorn") {
        return;
    }
    let port = free_port();
    let case = Case {
        name: "gunicorn Procfile",
        kind: "gunicorn",
        file: "Procfile",
        text: format!(
            "web: python3 -m gunicorn --bind 127.0.0.1:{port} --threads 2 --keep-alive 1 app:app\n"
        ),
        command: procfile_command(),
        app: ("app.py", WSGI_APP),
        port,
    };
    assert_eq!(run(&case), Idle::After(Duration::from_secs(1)));
}

fn uvicorn_procfile(name: &'static str, options: &str) -> Case<'static> {
    let port = free_port();
    Case {
        name,
        kind: "uvicorn",
        file: "Procfile",
        text: format!("web: python3 -m uvicorn app:app --host 127.0.0.1 --port {port}{options}\n"),
        command: procfile_command(),
        app: ("app.py", ASGI_APP),
        port,
    }
}

#[test]
fn uvicorn_timeout_keep_alive() {
    if !available("uvicorn") {
        return;
    }
    let case = uvicorn_procfile("uvicorn --timeout-keep-alive 1", " --timeout-keep-alive 1");
    assert_eq!(run(&case), Idle::After(Duration::from_secs(1)));
}

#[test]
fn uvicorn_default() {
    if !available("uvicorn") {
        return;
    }
    let case = uvicorn_procfile("uvicorn default", "");
    assert_eq!(run(&case), Idle::After(Duration::from_secs(5)));
    // The option added right after the program's word.
    let up = raised(&case, "uvicorn raised to 6", Duration::from_millis(5500));
    assert!(
        up.text
            .starts_with("web: python3 -m uvicorn --timeout-keep-alive 6 app:app"),
        "{}",
        up.text
    );
    run(&up);
}

#[test]
fn uvicorn_environment_in_shell_script() {
    if !available("uvicorn") {
        return;
    }
    let port = free_port();
    let case = Case {
        name: "uvicorn env in start.sh",
        kind: "uvicorn",
        file: "start.sh",
        text: format!("#!/bin/sh\nset -e\nexport UVICORN_TIMEOUT_KEEP_ALIVE=1\nexec python3 -m uvicorn app:app \\\n    --host 127.0.0.1 --port {port}\n"),
        command: words("sh start.sh"),
        app: ("app.py", ASGI_APP),
        port,
    };
    assert_eq!(run(&case), Idle::After(Duration::from_secs(1)));
}

fn hypercorn_toml(name: &'static str, settings: &str) -> Case<'static> {
    let port = free_port();
    Case {
        name,
        kind: "hypercorn",
        file: "hypercorn.toml",
        text: format!("# {name}\nbind = [\"127.0.0.1:{port}\"]\n{settings}\n[logging]\n"),
        command: words("python3 -m hypercorn -c hypercorn.toml app:app"),
        app: ("app.py", ASGI_APP),
        port,
    }
}

#[test]
fn hypercorn_fractional_keep_alive_timeout() {
    if !available("hypercorn") {
        return;
    }
    let case = hypercorn_toml("hypercorn keep_alive=1.5", "keep_alive_timeout = 1.5\n");
    assert_eq!(run(&case), Idle::After(Duration::from_millis(1500)));
    let up = raised(
        &case,
        "hypercorn raised to 2.5",
        Duration::from_millis(2500),
    );
    assert!(
        up.text.contains("keep_alive_timeout = 2.5\n"),
        "{}",
        up.text
    );
    run(&up);
}

#[test]
fn hypercorn_default() {
    if !available("hypercorn") {
        return;
    }
    let case = hypercorn_toml("hypercorn default", "");
    assert_eq!(run(&case), Idle::After(Duration::from_secs(5)));
}
