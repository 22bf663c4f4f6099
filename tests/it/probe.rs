//! `ngxfix probe` against real servers on 127.0.0.1: each case starts a
//! server with a known idle keep-alive timeout (the servers and settings of
//! the ground-truth tests, with short timeouts), runs
//! `ngxfix probe --format json --target 127.0.0.1:PORT` and checks the
//! measured close against the server's setting, within the tolerance the
//! ground-truth test of that server uses (see there why):
//!
//! | servers                       | measured close within      |
//! |-------------------------------|----------------------------|
//! | gunicorn, uvicorn, hypercorn  | [set − 50 ms, set + 600 ms]  |
//! | uWSGI, Apache                 | [set − 250 ms, set + 600 ms] |
//! | Node, Puma                    | [set − 100 ms, set + 700 ms] |
//! | Tomcat                        | [set − 50 ms, set + 1300 ms] |
//!
//! As in those tests a disagreeing address is probed once more (a timer
//! firing late on a loaded two-core machine is noise; a wrong measurement
//! fails both times), and a missing server skips its test unless
//! `NGXFIX_REQUIRE_BACKENDS=1`.
//!
//! Then: a UNIX socket reached through a configuration's upstream,
//! `check`/`fix --backend UPSTREAM=probe` and `probe = true` on the
//! incident-502 example, `--probe-cache`, per-address errors, and the
//! response framings and request limits, these against small servers
//! written here (a thread on 127.0.0.1:0 each, gone when dropped).

use crate::common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::idle::{free_port, Server};
use common::servers::{
    apache, catalina_home, catalina_run, folder, missing, node_facts, python_has, runs, start,
    ASGI_APP, WSGI_APP,
};
use serde_json::Value;

// ---------------------------------------------------------------------------
// What a probe must report

/// How far a measured close may fall before and after the set timeout.
#[derive(Debug, Clone, Copy)]
struct Tolerance {
    early: Duration,
    late: Duration,
}

const fn tolerance(early_ms: u64, late_ms: u64) -> Tolerance {
    Tolerance {
        early: Duration::from_millis(early_ms),
        late: Duration::from_millis(late_ms),
    }
}

/// gunicorn, uvicorn, hypercorn (ground_truth_python.rs); the servers
/// written here, whose timer is a read timeout armed after the response.
const PYTHON: Tolerance = tolerance(50, 600);
/// ground_truth_uwsgi_apache.rs.
const UWSGI_APACHE: Tolerance = tolerance(250, 600);
/// ground_truth_node.rs (Node and Puma).
const NODE_PUMA: Tolerance = tolerance(100, 700);
/// ground_truth_java.rs: Tomcat's poller looks about once a second.
const TOMCAT: Tolerance = tolerance(50, 1300);

/// What the probe must report for one address.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// `idle-timeout` with `seconds` within the tolerance of `set`.
    After(Duration, Tolerance),
    /// `each-response`, `announced` as given.
    EachResponse { announced: bool },
    /// `still-open` after the whole wait.
    StillOpen(Duration),
}

fn after_ms(ms: u64, tolerance: Tolerance) -> Expect {
    Expect::After(Duration::from_millis(ms), tolerance)
}

/// One address of a probe's JSON report.
#[derive(Debug, Clone)]
struct Measured {
    server: String,
    address: String,
    kind: String,
    seconds: Option<f64>,
    announced: Option<bool>,
    served: Option<u64>,
    status: Option<u64>,
    http_version: Option<String>,
    keep_alive: Option<String>,
    error: Option<String>,
}

impl Measured {
    fn of(value: &Value) -> Measured {
        let text = |v: &Value| v.as_str().map(str::to_string);
        Measured {
            server: text(&value["server"]).unwrap_or_default(),
            address: text(&value["address"]).unwrap_or_default(),
            kind: text(&value["idle"]["kind"]).unwrap_or_default(),
            seconds: value["idle"]["seconds"].as_f64(),
            announced: value["idle"]["announced"].as_bool(),
            served: value["served"].as_u64(),
            status: value["status"].as_u64(),
            http_version: text(&value["http_version"]),
            keep_alive: text(&value["keep_alive"]),
            error: text(&value["error"]),
        }
    }

    /// In a word or two, for the log.
    fn short(&self) -> String {
        if let Some(e) = &self.error {
            return format!("error: {e}");
        }
        let mut s = match (self.kind.as_str(), self.seconds, self.announced) {
            (kind, Some(secs), _) => format!("{kind} {secs:.3} s"),
            (kind, None, Some(announced)) => format!("{kind} (announced: {announced})"),
            (kind, ..) => kind.to_string(),
        };
        if let Some(n) = self.served {
            s.push_str(&format!(", served {n}"));
        }
        s
    }
}

/// Whether a measurement is what was expected.
fn agrees(expect: &Expect, m: &Measured) -> bool {
    if m.error.is_some() {
        return false;
    }
    match *expect {
        Expect::After(set, tol) => {
            m.kind == "idle-timeout"
                && m.seconds.is_some_and(|s| {
                    let measured = Duration::from_secs_f64(s);
                    measured + tol.early >= set && measured <= set + tol.late
                })
        }
        Expect::EachResponse { announced } => {
            m.kind == "each-response" && m.announced == Some(announced)
        }
        Expect::StillOpen(wait) => {
            m.kind == "still-open"
                && m.seconds
                    .is_some_and(|s| (s - wait.as_secs_f64()).abs() < 1e-3)
        }
    }
}

// ---------------------------------------------------------------------------
// Running the probe

/// `ngxfix probe --format json ARGS`: its exit status and report.
fn probe_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["probe", "--format", "json"];
    all.extend_from_slice(args);
    let out = common::run(&all, None, None);
    let code = out.status.code().expect("ngxfix exits");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "ngxfix {all:?}: not JSON ({e}), exit {code}:\n{}{}",
            common::stdout(&out),
            common::stderr(&out)
        )
    });
    (code, report)
}

/// Every address of a report, in order, across its upstreams (or
/// targets).
fn addresses(report: &Value) -> Vec<Measured> {
    report["upstreams"]
        .as_array()
        .expect("upstreams[]")
        .iter()
        .flat_map(|u| u["addresses"].as_array().expect("addresses[]").iter())
        .map(Measured::of)
        .collect()
}

/// Probe `targets` (`--target` each, in one run with `--max-wait wait` and
/// `extra`), expecting every one to be measured as its `Expect` says; the
/// addresses that disagree are probed once more, in a run of their own.
/// Returns the measurements, in the order of `targets`.
fn probe_targets(
    case: &str,
    targets: &[(String, Expect)],
    wait: &str,
    extra: &[&str],
) -> Vec<Measured> {
    let run = |which: &[usize]| -> Vec<Measured> {
        let mut args = vec!["--max-wait", wait];
        args.extend_from_slice(extra);
        for &i in which {
            args.push("--target");
            args.push(&targets[i].0);
        }
        let (code, report) = probe_json(&args);
        let found = addresses(&report);
        assert_eq!(
            (code, found.len()),
            (0, which.len()),
            "{case}: exit status and addresses of {report:#}"
        );
        which
            .iter()
            .map(|&i| {
                found
                    .iter()
                    .find(|m| m.server == targets[i].0)
                    .unwrap_or_else(|| panic!("{case}: {} not in {report:#}", targets[i].0))
                    .clone()
            })
            .collect()
    };
    let all: Vec<usize> = (0..targets.len()).collect();
    let mut measured = run(&all);
    let again: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| !agrees(&targets[i].1, &measured[i]))
        .collect();
    if !again.is_empty() {
        for &i in &again {
            eprintln!(
                "{case}: {} measured {}, probing once more",
                targets[i].0,
                measured[i].short()
            );
        }
        for (i, m) in again.iter().zip(run(&again)) {
            measured[*i] = m;
        }
    }
    let mut failures = Vec::new();
    for ((target, expect), m) in targets.iter().zip(&measured) {
        eprintln!(
            "{case}: {target} expected {expect:?}, measured {}",
            m.short()
        );
        if !agrees(expect, m) {
            failures.push(format!("{target}: expected {expect:?}, measured {m:?}"));
        }
    }
    assert!(failures.is_empty(), "{case}:\n{}", failures.join("\n"));
    measured
}

fn local(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

/// `run()` once more when its result does not satisfy `ok`: the first
/// satisfying result, else the second.
fn twice<T: std::fmt::Debug>(what: &str, run: impl Fn() -> T, ok: impl Fn(&T) -> bool) -> T {
    let first = run();
    if ok(&first) {
        return first;
    }
    eprintln!("{what}: got {first:?}, once more");
    run()
}

// ---------------------------------------------------------------------------
// Starting the real servers (as the ground-truth tests do)

/// A folder with `app.py`.
fn python_app(app: &str) -> tempfile::TempDir {
    let dir = folder();
    std::fs::write(dir.path().join("app.py"), app).expect("app.py");
    dir
}

/// gunicorn with one worker on 127.0.0.1:`port` (or `bind`), `args` after.
fn gunicorn(dir: &Path, bind: &str, args: &[&str], port: u16) -> Server {
    let mut all = vec!["-m", "gunicorn", "--bind", bind, "--workers", "1"];
    all.extend_from_slice(args);
    all.push("app:app");
    start(
        dir,
        "gunicorn.log",
        "python3",
        &all,
        port,
        Duration::from_secs(30),
    )
}

// ---------------------------------------------------------------------------
// 1. Each real server, probed by --target

#[test]
fn gunicorn_gthread_keepalive_and_still_open() {
    if !python_has("gunicorn") {
        return;
    }
    let dir = python_app(WSGI_APP);
    let port = free_port();
    let _server = gunicorn(
        dir.path(),
        &local(port),
        &["--threads", "2", "--keep-alive", "3"],
        port,
    );
    // Kept longer than the wait: still open, for the whole wait.
    let m = probe_targets(
        "gunicorn gthread keepalive 3, --max-wait 1s",
        &[(local(port), Expect::StillOpen(Duration::from_secs(1)))],
        "1s",
        &[],
    );
    assert_eq!(
        (m[0].status, m[0].http_version.as_deref()),
        (Some(200), Some("HTTP/1.1"))
    );
    probe_targets(
        "gunicorn gthread keepalive 3",
        &[(local(port), after_ms(3000, PYTHON))],
        "6s",
        &[],
    );
}

/// Over TLS: gunicorn with a self-signed certificate (made with openssl
/// here), probed as `--target https://...` and through a configuration
/// whose `proxy_pass https://` reaches it.
#[test]
fn gunicorn_over_tls() {
    if !python_has("gunicorn") {
        return;
    }
    if !runs("openssl", &["version"]) {
        missing("openssl, to make the test's certificate (apt-get install openssl)");
        return;
    }
    let dir = python_app(WSGI_APP);
    assert!(
        runs(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-keyout",
                dir.path().join("key.pem").to_str().expect("UTF-8"),
                "-out",
                dir.path().join("cert.pem").to_str().expect("UTF-8"),
            ]
        ),
        "openssl makes a certificate"
    );
    let port = free_port();
    let _server = gunicorn(
        dir.path(),
        &local(port),
        &[
            "--threads",
            "2",
            "--keep-alive",
            "1",
            "--certfile",
            "cert.pem",
            "--keyfile",
            "key.pem",
        ],
        port,
    );
    let https = format!("https://{}", local(port));
    let m = probe_targets(
        "gunicorn over TLS, keepalive 1",
        &[(https, after_ms(1000, PYTHON))],
        "5s",
        &[],
    );
    assert_eq!(m[0].status, Some(200));

    // Through a configuration: the pass's https:// makes the probe speak TLS.
    let conf = dir.path().join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "events {{}}\nhttp {{\n    upstream tls_app {{ server {}; keepalive 4; }}\n    server {{\n        listen 8080;\n        location / {{ proxy_pass https://tls_app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }}\n    }}\n}}\n",
            local(port)
        ),
    )
    .expect("nginx.conf");
    let measured = twice(
        "gunicorn over TLS through a configuration",
        || probe_json(&["--max-wait", "5s", conf.to_str().expect("UTF-8")]),
        |(code, report)| {
            *code == 0
                && addresses(report)
                    .first()
                    .is_some_and(|m| agrees(&after_ms(1000, PYTHON), m))
        },
    );
    let (code, report) = measured;
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["upstreams"][0]["upstream"], "tls_app", "{report:#}");
    assert_eq!(
        report["upstreams"][0]["addresses"][0]["tls"], true,
        "{report:#}"
    );
    let m = &addresses(&report)[0];
    assert!(agrees(&after_ms(1000, PYTHON), m), "{m:?}");
}

#[test]
fn gunicorn_sync_worker_announces_close() {
    if !python_has("gunicorn") {
        return;
    }
    let dir = python_app(WSGI_APP);
    let port = free_port();
    let _server = gunicorn(dir.path(), &local(port), &["--keep-alive", "5"], port);
    let m = probe_targets(
        "gunicorn sync",
        &[(local(port), Expect::EachResponse { announced: true })],
        "3s",
        &[],
    );
    assert_eq!(m[0].status, Some(200));
}

#[test]
fn uvicorn_timeout_keep_alive() {
    if !python_has("uvicorn") {
        return;
    }
    let dir = python_app(ASGI_APP);
    let port = free_port();
    let p = port.to_string();
    let _server = start(
        dir.path(),
        "uvicorn.log",
        "python3",
        &[
            "-m",
            "uvicorn",
            "app:app",
            "--host",
            "127.0.0.1",
            "--port",
            &p,
            "--timeout-keep-alive",
            "1",
        ],
        port,
        Duration::from_secs(30),
    );
    probe_targets(
        "uvicorn --timeout-keep-alive 1",
        &[(local(port), after_ms(1000, PYTHON))],
        "4s",
        &[],
    );
}

#[test]
fn hypercorn_keep_alive_timeout() {
    if !python_has("hypercorn") {
        return;
    }
    let dir = python_app(ASGI_APP);
    let port = free_port();
    std::fs::write(
        dir.path().join("hypercorn.toml"),
        format!("bind = [\"127.0.0.1:{port}\"]\nkeep_alive_timeout = 1.5\n[logging]\n"),
    )
    .expect("hypercorn.toml");
    let _server = start(
        dir.path(),
        "hypercorn.log",
        "python3",
        &["-m", "hypercorn", "-c", "hypercorn.toml", "app:app"],
        port,
        Duration::from_secs(30),
    );
    probe_targets(
        "hypercorn keep_alive_timeout = 1.5",
        &[(local(port), after_ms(1500, PYTHON))],
        "5s",
        &[],
    );
}

/// uWSGI on `port` from an ini whose `[uwsgi]` section is `body` (its
/// `PORT` replaced), answering 200 without a language plugin.
fn uwsgi(dir: &Path, name: &str, body: &str, port: u16) -> Server {
    let ini = format!(
        "[uwsgi]\n{}\nroute-run = return:200\n",
        body.replace("PORT", &port.to_string())
    );
    let file = format!("{name}.ini");
    std::fs::write(dir.join(&file), ini).expect("the uwsgi ini");
    start(
        dir,
        &format!("{name}.log"),
        "uwsgi",
        &["--ini", &file],
        port,
        Duration::from_secs(30),
    )
}

#[test]
fn uwsgi_http11_router_and_http_socket() {
    if !runs("uwsgi", &["--version"]) {
        return missing("uwsgi is not installed (apt-get install uwsgi-core)");
    }
    let dir = folder();
    let ports = [free_port(), free_port(), free_port()];
    let _http11 = uwsgi(
        dir.path(),
        "http11",
        "http11-socket = 127.0.0.1:PORT\nsocket-timeout = 2",
        ports[0],
    );
    let _router = uwsgi(
        dir.path(),
        "router",
        "plugins = http\nhttp = 127.0.0.1:PORT\nhttp-keepalive = 2",
        ports[1],
    );
    let _http_socket = uwsgi(
        dir.path(),
        "http-socket",
        "http-socket = 127.0.0.1:PORT\nsocket-timeout = 30",
        ports[2],
    );
    probe_targets(
        "uWSGI http11-socket socket-timeout 2, router http-keepalive 2, http-socket",
        &[
            (local(ports[0]), after_ms(2000, UWSGI_APACHE)),
            (local(ports[1]), after_ms(2000, UWSGI_APACHE)),
            // Closes right after each response, without saying so.
            (local(ports[2]), Expect::EachResponse { announced: false }),
        ],
        "5s",
        &[],
    );
}

#[test]
fn node_keep_alive_timeout() {
    if !runs("node", &["--version"]) {
        return missing("node is not installed");
    }
    let dir = folder();
    std::fs::write(
        dir.path().join("server.js"),
        "'use strict';\nconst http = require('http');\n\
         const server = http.createServer((req, res) => {\n\
         \x20 res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 2 });\n\
         \x20 res.end('ok');\n});\n\
         server.keepAliveTimeout = 500;\n\
         server.listen(Number(process.argv[2]), '127.0.0.1');\n",
    )
    .expect("server.js");
    let port = free_port();
    let _server = start(
        dir.path(),
        "node.log",
        "node",
        &["server.js", &port.to_string()],
        port,
        Duration::from_secs(30),
    );
    let expected = Duration::from_millis(500) + node_facts().1;
    let m = probe_targets(
        &format!("node keepAliveTimeout 500 (closes after {expected:?})"),
        &[(local(port), Expect::After(expected, NODE_PUMA))],
        "4s",
        &[],
    );
    // Node says its timeout in whole seconds (here `timeout=0`), without
    // the buffer: the header is passed on as sent.
    assert!(
        m[0].keep_alive
            .as_deref()
            .is_some_and(|k| k.starts_with("timeout=")),
        "{m:?}"
    );
}

#[test]
fn puma_persistent_timeout() {
    if !runs("puma", &["--version"]) {
        return missing("puma is not installed (apt-get install puma)");
    }
    let dir = folder();
    let port = free_port();
    std::fs::write(
        dir.path().join("config.ru"),
        "run ->(env) { [200, { \"content-type\" => \"text/plain\", \"content-length\" => \"2\" }, [\"ok\"]] }\n",
    )
    .expect("config.ru");
    std::fs::write(
        dir.path().join("puma.rb"),
        format!("bind \"tcp://127.0.0.1:{port}\"\nthreads 1, 2\npersistent_timeout 1\n"),
    )
    .expect("puma.rb");
    let _server = start(
        dir.path(),
        "puma.log",
        "puma",
        &["-C", "puma.rb", "config.ru"],
        port,
        Duration::from_secs(30),
    );
    probe_targets(
        "puma persistent_timeout 1",
        &[(local(port), after_ms(1000, NODE_PUMA))],
        "4s",
        &[],
    );
}

#[test]
fn tomcat_keep_alive_timeout_and_one_request_per_connection() {
    let Some(home) = catalina_home() else {
        return missing("Tomcat is not installed (no /usr/share/tomcat10/bin/catalina.sh)");
    };
    if !runs("java", &["-version"]) {
        return missing("java does not run");
    }
    let base = tempfile::tempdir().expect("a CATALINA_BASE");
    let base = base.path();
    for dir in ["conf", "logs", "temp", "work", "webapps"] {
        std::fs::create_dir_all(base.join(dir)).expect("CATALINA_BASE folders");
    }
    let ports = [free_port(), free_port()];
    let connector = |port: u16, attrs: &str| {
        format!("    <Connector port=\"{port}\" address=\"127.0.0.1\" {attrs}/>\n")
    };
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Server port=\"-1\" shutdown=\"SHUTDOWN\">\n  <Service name=\"Catalina\">\n{}{}    <Engine name=\"Catalina\" defaultHost=\"localhost\">\n      <Host name=\"localhost\" appBase=\"webapps\" unpackWARs=\"false\" autoDeploy=\"false\"/>\n    </Engine>\n  </Service>\n</Server>\n",
        connector(
            ports[0],
            r#"protocol="HTTP/1.1" connectionTimeout="3000" keepAliveTimeout="2000""#
        ),
        connector(
            ports[1],
            r#"keepAliveTimeout="2000" maxKeepAliveRequests="1""#
        ),
    );
    std::fs::write(base.join("conf/server.xml"), xml).expect("server.xml");
    let command = catalina_run(&home, base);
    // The connectors start in order: the last one listening means both do.
    let _tomcat = Server::start(command, ports[1], Duration::from_secs(60)).unwrap_or_else(|e| {
        panic!(
            "{e}\n{}",
            std::fs::read_to_string(base.join("logs/run.log")).unwrap_or_default()
        )
    });
    let m = probe_targets(
        "tomcat keepAliveTimeout 2000; maxKeepAliveRequests 1",
        &[
            (local(ports[0]), after_ms(2000, TOMCAT)),
            (local(ports[1]), Expect::EachResponse { announced: true }),
        ],
        "5s",
        &[],
    );
    // No webapp: Tomcat's own 404 page, read to its end.
    assert_eq!((m[0].status, m[1].status), (Some(404), Some(404)), "{m:?}");
}

/// Apache serving a static file on `port`, with `settings`; in a folder of
/// its own (returned: it must outlive the server).
fn apache_server(
    program: &str,
    modules: &Path,
    settings: &str,
    port: u16,
) -> (tempfile::TempDir, Server) {
    let dir = folder();
    let r = dir.path().display().to_string();
    std::fs::write(dir.path().join("index.html"), "hello\n").expect("index.html");
    let m = modules.display();
    let dir_module = if modules.join("mod_dir.so").is_file() {
        format!("LoadModule dir_module {m}/mod_dir.so\nDirectoryIndex index.html\n")
    } else {
        String::new()
    };
    let conf = format!(
        "ServerRoot \"{r}\"\nDefaultRuntimeDir \"{r}\"\nPidFile \"{r}/httpd.pid\"\nErrorLog \"{r}/error.log\"\nListen 127.0.0.1:{port}\nServerName localhost\nLoadModule mpm_event_module {m}/mod_mpm_event.so\nLoadModule authz_core_module {m}/mod_authz_core.so\n{dir_module}DocumentRoot \"{r}\"\n<Directory \"{r}\">\n    Require all granted\n</Directory>\n{settings}"
    );
    std::fs::write(dir.path().join("httpd.conf"), conf).expect("httpd.conf");
    let server = start(
        dir.path(),
        "run.log",
        program,
        &["-D", "FOREGROUND", "-f", &format!("{r}/httpd.conf")],
        port,
        Duration::from_secs(30),
    );
    (dir, server)
}

#[test]
fn apache_keepalive_timeout_off_and_request_limit() {
    let Some((program, modules)) = apache() else {
        return missing("Apache httpd is not installed (apt-get install apache2-bin)");
    };
    let ports = [free_port(), free_port(), free_port()];
    let _timeout = apache_server(
        program,
        &modules,
        "KeepAlive On\nKeepAliveTimeout 2\n",
        ports[0],
    );
    let _off = apache_server(
        program,
        &modules,
        "KeepAlive Off\nKeepAliveTimeout 30\n",
        ports[1],
    );
    let _limited = apache_server(
        program,
        &modules,
        "KeepAlive On\nKeepAliveTimeout 1\nMaxKeepAliveRequests 2\n",
        ports[2],
    );
    probe_targets(
        "apache KeepAliveTimeout 2; KeepAlive Off",
        &[
            (local(ports[0]), after_ms(2000, UWSGI_APACHE)),
            (local(ports[1]), Expect::EachResponse { announced: true }),
        ],
        "5s",
        &[],
    );
    // MaxKeepAliveRequests counts the requests after the first: three a
    // connection, the third response says `Connection: close` and the
    // fourth request is not sent; the idle close is measured on a fresh
    // connection after one request.
    let m = probe_targets(
        "apache MaxKeepAliveRequests 2 KeepAliveTimeout 1, --requests 4",
        &[(local(ports[2]), after_ms(1000, UWSGI_APACHE))],
        "4s",
        &["--requests", "4"],
    );
    assert_eq!(m[0].served, Some(3), "{m:?}");
}

// ---------------------------------------------------------------------------
// 2. A UNIX socket, through a configuration's upstream

/// A server listening on a UNIX socket, killed (with its process group)
/// when dropped.
struct UnixServer {
    child: std::process::Child,
}

impl UnixServer {
    /// Start `command` in its own process group and wait (at most 30 s)
    /// until `socket` accepts connections.
    fn start(mut command: Command, socket: &Path) -> UnixServer {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
        let child = command.spawn().expect("the server starts");
        let mut server = UnixServer { child };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("{command:?} exited at start: {status}");
            }
            if std::os::unix::net::UnixStream::connect(socket).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{command:?} did not listen on {} within 30 s",
            socket.display()
        );
    }
}

impl Drop for UnixServer {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this struct started.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

#[test]
fn unix_socket_upstream_of_a_configuration() {
    if !python_has("gunicorn") {
        return;
    }
    let dir = python_app(WSGI_APP);
    let socket = dir.path().join("app.sock");
    let log = std::fs::File::create(dir.path().join("gunicorn.log")).expect("a log file");
    let mut command = Command::new("python3");
    command
        .args([
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--threads",
            "2",
            "--keep-alive",
            "2",
        ])
        .arg("--bind")
        .arg(format!("unix:{}", socket.display()))
        .arg("app:app")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log);
    let _server = UnixServer::start(command, &socket);
    // Another upstream, on a closed port: --upstream leaves it out.
    let conf = dir.path().join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "events {{}}\nhttp {{\n    upstream app {{\n        server unix:{};\n    }}\n    upstream other {{\n        server 127.0.0.1:{};\n    }}\n    server {{\n        listen 127.0.0.1:8080;\n        location / {{\n            proxy_pass http://app;\n        }}\n        location /other/ {{\n            proxy_pass http://other;\n        }}\n    }}\n}}\n",
            socket.display(),
            free_port()
        ),
    )
    .expect("nginx.conf");
    let conf = conf.to_str().expect("a UTF-8 path");
    let address = format!("unix:{}", socket.display());
    let expect = after_ms(2000, PYTHON);
    let (code, report) = twice(
        "gunicorn on a UNIX socket",
        || {
            probe_json(&[
                conf,
                "--upstream",
                "app",
                "--max-wait",
                "5s",
                "--nginx-version",
                "1.30.0",
            ])
        },
        |(_, report)| {
            addresses(report)
                .first()
                .is_some_and(|m| agrees(&expect, m))
        },
    );
    let upstreams = report["upstreams"].as_array().expect("upstreams[]");
    assert_eq!(
        (code, upstreams.len()),
        (0, 1),
        "only the upstream asked for: {report:#}"
    );
    let upstream = &upstreams[0];
    assert_eq!(upstream["upstream"], "app", "{report:#}");
    let m = addresses(&report);
    eprintln!(
        "gunicorn gthread keepalive 2 on {address}: measured {}",
        m[0].short()
    );
    assert_eq!(
        (m[0].server.as_str(), m[0].address.as_str()),
        (address.as_str(), address.as_str())
    );
    assert!(
        agrees(&expect, &m[0]),
        "expected {expect:?}, measured {m:?}"
    );
    let detail = upstream["result"]["detail"]
        .as_str()
        .expect("result.detail");
    assert!(
        detail.starts_with("measured: closes idle connections after ")
            && detail.contains(&format!(" on {address} at ")),
        "{detail}"
    );
}

// ---------------------------------------------------------------------------
// 3. check and fix with --backend UPSTREAM=probe, and probe = true

/// The incident-502 example (nginx.conf and mime.types) in `dir`, its
/// upstream's server moved to 127.0.0.1:`port`; the path of nginx.conf.
fn incident_502(dir: &Path, port: u16) -> PathBuf {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/incident-502");
    let conf = std::fs::read_to_string(example.join("nginx.conf")).expect("the example");
    assert!(conf.contains("server 127.0.0.1:8000;"), "{conf}");
    let conf = conf.replace(
        "server 127.0.0.1:8000;",
        &format!("server {};", local(port)),
    );
    std::fs::write(dir.join("nginx.conf"), conf).expect("nginx.conf");
    std::fs::copy(example.join("mime.types"), dir.join("mime.types")).expect("mime.types");
    dir.join("nginx.conf")
}

/// The `measured: ...` detail in a finding's message, and its seconds.
fn measured_detail(text: &str) -> Option<(String, f64)> {
    let start = text.find("(measured: ")? + 1;
    let detail = &text[start..start + text[start..].find(')')?];
    let rest = detail.strip_prefix("measured: closes idle connections after ")?;
    let (number, unit) = rest.split_once(' ')?;
    let number: f64 = number.parse().ok()?;
    let seconds = match unit.split_whitespace().next()? {
        "s" => number,
        "ms" => number / 1000.0,
        _ => return None,
    };
    Some((detail.to_string(), seconds))
}

/// The `keepalive_timeout` a diff adds, in milliseconds, with the line
/// above it.
fn added_keepalive_timeout(diff: &str) -> Option<(String, u64)> {
    let lines: Vec<&str> = diff.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with('+') && l.contains("keepalive_timeout"))?;
    let value = lines[at][1..]
        .trim()
        .strip_prefix("keepalive_timeout ")?
        .strip_suffix(';')?;
    let ms = ngxfix::rules::facts::duration(value)?.as_millis();
    Some((lines.get(at.checked_sub(1)?)?.to_string(), ms))
}

#[test]
fn check_and_fix_with_a_probed_backend() {
    if !python_has("gunicorn") {
        return;
    }
    let app = python_app(WSGI_APP);
    let port = free_port();
    let _server = gunicorn(
        app.path(),
        &local(port),
        &["--threads", "2", "--keep-alive", "3"],
        port,
    );
    let work = tempfile::tempdir().expect("a temporary folder");
    let conf = incident_502(work.path(), port);
    let conf = conf.to_str().expect("a UTF-8 path");
    // The settings file elsewhere, so that the runs without --config do
    // not find it beside nginx.conf.
    let settings = tempfile::tempdir().expect("a temporary folder");
    let toml = settings.path().join("probe.toml");
    std::fs::write(&toml, "[backends.app_backend]\nprobe = true\n").expect("probe.toml");
    let toml = toml.to_str().expect("a UTF-8 path");
    let flags = ["--nginx-version", "1.30.0"];
    let in_work = |args: &[&str]| common::run(args, None, Some(work.path()));
    let set = Duration::from_secs(3);
    let close_enough = |seconds: f64| {
        let m = Duration::from_secs_f64(seconds);
        m + PYTHON.early >= set && m <= set + PYTHON.late
    };
    // The three runs probe at the same time (gthread keeps each idle
    // connection in its poller, not on a thread).
    let (fix, check, configured) = std::thread::scope(|s| {
        let fix = s.spawn(|| {
            let mut args = vec![
                "fix",
                conf,
                "--backend",
                "app_backend=probe",
                "--dry-run",
                "--no-verify",
            ];
            args.extend(flags);
            in_work(&args)
        });
        let check = s.spawn(|| {
            twice(
                "check --backend app_backend=probe",
                || {
                    let mut args = vec!["check", conf, "--backend", "app_backend=probe"];
                    args.extend(flags);
                    in_work(&args)
                },
                |out| measured_detail(&common::stdout(out)).is_some_and(|(_, s)| close_enough(s)),
            )
        });
        let configured = s.spawn(|| {
            twice(
                "check --config with probe = true",
                || {
                    let mut args = vec!["check", conf, "--config", toml];
                    args.extend(flags);
                    in_work(&args)
                },
                |out| measured_detail(&common::stdout(out)).is_some_and(|(_, s)| close_enough(s)),
            )
        });
        (
            fix.join().expect("fix"),
            check.join().expect("check"),
            configured.join().expect("check --config"),
        )
    });

    // fix: the upstream's keepalive_timeout below the measured 3 s.
    common::assert_exit(&fix, 1);
    let diff = common::stdout(&fix);
    let (above, ms) = added_keepalive_timeout(&diff)
        .unwrap_or_else(|| panic!("no keepalive_timeout added:\n{diff}"));
    eprintln!("fix --backend app_backend=probe writes keepalive_timeout {ms} ms");
    assert_eq!(
        above.trim(),
        format!("server {};", local(port)),
        "in the upstream:\n{diff}"
    );
    assert!(
        ms < 3000,
        "keepalive_timeout {ms} ms is not below gunicorn's 3 s:\n{diff}"
    );

    // check, declared on the command line and in the settings file.
    for (what, out) in [
        ("--backend app_backend=probe", &check),
        ("probe = true", &configured),
    ] {
        common::assert_exit(out, 1);
        let text = common::stdout(out);
        let (detail, seconds) = measured_detail(&text).unwrap_or_else(|| {
            panic!(
                "{what}: no measured detail in\n{text}{}",
                common::stderr(out)
            )
        });
        eprintln!("check with {what}: {detail}");
        assert!(
            text.contains("error[upstream-keepalive-timeout] upstream app_backend"),
            "{what}:\n{text}"
        );
        assert!(
            detail.contains(&format!(" on {} at ", local(port))),
            "{what}: {detail}"
        );
        assert!(detail.ends_with(" UTC"), "{what}: {detail}");
        assert!(
            close_enough(seconds),
            "{what}: measured {seconds} s, set 3 s"
        );
    }
}

// ---------------------------------------------------------------------------
// Small servers written here

/// What a small server does with one connection.
type Handler = Arc<dyn Fn(TcpStream) + Send + Sync>;

/// A server on 127.0.0.1:0 that hands each connection to its handler on a
/// thread of its own and counts them; it stops accepting (and closes its
/// port) when dropped, or after two minutes at the latest.
struct Small {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Small {
    fn start(handler: impl Fn(TcpStream) + Send + Sync + 'static) -> Small {
        let handler: Handler = Arc::new(handler);
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("its address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (accepted, stop) = (accepted.clone(), stop.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(120) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                            let _ = stream.set_nonblocking(false);
                            let handler = handler.clone();
                            std::thread::spawn(move || handler(stream));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        Err(_) => break,
                    }
                }
            })
        };
        Small {
            addr,
            accepted,
            stop,
            thread: Some(thread),
        }
    }

    fn target(&self) -> String {
        self.addr.to_string()
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Small {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Read one request head (up to its blank line) within `timeout`; false
/// when none came (closed, or silent that long).
fn read_request(stream: &mut TcpStream, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let mut data = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return false;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
        if data.windows(4).any(|w| w == b"\r\n\r\n") {
            return true;
        }
    }
}

/// A handler that answers request `i` (from 0) of a connection with the
/// pieces of `answer(i)`, written apart with short pauses (so that a
/// response arrives in several reads); after `requests` answers it closes
/// at once, else it waits `idle` for the next request and closes when
/// none comes.
fn scripted(
    requests: usize,
    idle: Duration,
    answer: fn(usize) -> Vec<&'static str>,
) -> impl Fn(TcpStream) + Send + Sync + 'static {
    move |mut stream: TcpStream| {
        let _ = stream.set_nodelay(true);
        for i in 0..requests {
            let wait = if i == 0 {
                Duration::from_secs(10)
            } else {
                idle
            };
            if !read_request(&mut stream, wait) {
                return;
            }
            for (n, piece) in answer(i).iter().enumerate() {
                if n > 0 {
                    std::thread::sleep(Duration::from_millis(10));
                }
                if stream.write_all(piece.as_bytes()).is_err() {
                    return;
                }
            }
        }
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
}

const OK: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

// ---------------------------------------------------------------------------
// 4. --probe-cache

#[test]
fn probe_cache_spares_the_second_measurement() {
    // Requests, not connections, are counted: another test's start-up may
    // poll a port it was given just before this server got it.
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let answer = scripted(100, Duration::from_millis(1000), |_| vec![OK]);
    let server = Small::start(move |stream: TcpStream| {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        if matches!(stream.peek(&mut [0u8; 1]), Ok(n) if n > 0) {
            counter.fetch_add(1, Ordering::SeqCst);
        }
        answer(stream);
    });
    let probed = || requests.load(Ordering::SeqCst);
    let port = server.addr.port();
    let work = tempfile::tempdir().expect("a temporary folder");
    let conf = incident_502(work.path(), port);
    let conf = conf.to_str().expect("a UTF-8 path");
    let cache = work.path().join("probe-cache.json");
    let cache = cache.to_str().expect("a UTF-8 path");
    let check = || {
        let out = common::run(
            &[
                "check",
                conf,
                "--backend",
                "app_backend=probe",
                "--probe-cache",
                cache,
                "--nginx-version",
                "1.30.0",
            ],
            None,
            Some(work.path()),
        );
        common::assert_exit(&out, 1);
        let text = common::stdout(&out);
        measured_detail(&text)
            .unwrap_or_else(|| panic!("no measured detail in\n{text}{}", common::stderr(&out)))
            .0
    };
    let first = check();
    eprintln!("first check: {first}");
    assert_eq!(probed(), 1, "the first check sends one request");

    // The file holds the measurement.
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(cache).expect("the cache file written"))
            .expect("the cache is JSON");
    let entries = file["measurements"].as_array().expect("measurements[]");
    assert_eq!(entries.len(), 1, "{file:#}");
    let entry = &entries[0];
    let key = entry["key"].as_str().expect("key");
    assert!(key.starts_with(&format!("{} GET / ", local(port))), "{key}");
    assert_eq!(entry["idle"]["kind"], "after", "{file:#}");
    let ms = entry["idle"]["ms"].as_u64().expect("idle.ms");
    assert!(
        (950..=1600).contains(&ms),
        "the server closes after 1000 ms, cached {ms} ms"
    );
    let at = entry["measured_at_utc"].as_str().expect("measured_at_utc");
    assert!(first.ends_with(&format!(" at {at}")), "{first} / {at}");

    // Again, with the server still up: no connection, the same words.
    let second = check();
    assert_eq!(probed(), 1, "the second check must not probe again");
    assert_eq!(second, first);

    // And with the server gone.
    drop(server);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server is stopped"
    );
    assert_eq!(check(), first);
}

// ---------------------------------------------------------------------------
// 5. Errors, per address

#[test]
fn errors_are_per_address() {
    // Says it is SSH, reads the request, hangs up.
    let ssh = Small::start(|mut stream: TcpStream| {
        let _ = stream.write_all(b"SSH-2.0-x\r\n");
        let _ = read_request(&mut stream, Duration::from_secs(5));
    });
    let good = Small::start(scripted(100, Duration::from_millis(300), |_| vec![OK]));
    // Port 1: nothing listens there, and no test's server can be given it
    // (a free port picked now could be handed to another test's server
    // before this probe runs, and connect).
    let refused = local(1);
    let targets = [
        good.target(),
        refused.clone(),
        ssh.target(),
        "192.0.2.1:80".to_string(),
        "8.8.8.8:53".to_string(),
    ];
    let mut args = vec!["--max-wait", "3s"];
    for t in &targets {
        args.extend(["--target", t.as_str()]);
    }
    let started = Instant::now();
    let (code, report) = probe_json(&args);
    eprintln!("probe of {targets:?}: {:?}", started.elapsed());
    assert_eq!(code, 1, "some address failed: {report:#}");
    let found = addresses(&report);
    let by = |target: &str| {
        found
            .iter()
            .find(|m| m.server == target)
            .unwrap_or_else(|| panic!("{target} not in {report:#}"))
    };
    for t in &targets {
        eprintln!("{t}: {}", by(t).short());
    }
    // The address that works is measured all the same.
    assert_eq!(
        by(&targets[0]).kind,
        "idle-timeout",
        "{:?}",
        by(&targets[0])
    );
    let error = |target: &str| {
        by(target)
            .error
            .clone()
            .unwrap_or_else(|| panic!("{target}: no error in {report:#}"))
    };
    let e = error(&refused);
    assert!(
        e.starts_with("cannot connect: ") && e.to_lowercase().contains("refused"),
        "{e}"
    );
    let e = error(&ssh.target());
    assert!(e.contains("not an HTTP"), "{e}");
    assert!(e.contains("SSH-2.0-x"), "{e}");
    // Refused before connecting: the error is the address's, not a
    // connection's (192.0.2.1 would time out, 8.8.8.8 answer nothing).
    for public in ["192.0.2.1:80", "8.8.8.8:53"] {
        let e = error(public);
        assert!(e.contains("--allow-public"), "{public}: {e}");
        assert!(e.contains("not a private address"), "{public}: {e}");
        assert!(!e.contains("connect"), "{public}: {e}");
    }
    assert_eq!(ssh.accepted(), 1);
    assert_eq!(good.accepted(), 1);

    // The same in text.
    let out = common::run(
        &[
            "probe",
            "--max-wait",
            "1s",
            "--target",
            &refused,
            "--target",
            "192.0.2.1:80",
        ],
        None,
        None,
    );
    common::assert_exit(&out, 1);
    let text = common::stdout(&out);
    assert!(
        text.lines().filter(|l| l.contains(" error: ")).count() == 2
            && text.contains("give --allow-public"),
        "{text}"
    );

    // In a configuration: the public server of an upstream is reported
    // as written, beside the private one measured.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let conf = dir.path().join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "events {{}}\nhttp {{\n    upstream app {{\n        server {};\n        server 192.0.2.1:8080;\n    }}\n    server {{\n        listen 127.0.0.1:8080;\n        location / {{\n            proxy_pass http://app;\n        }}\n    }}\n}}\n",
            good.target()
        ),
    )
    .expect("nginx.conf");
    let conf = conf.to_str().expect("a UTF-8 path");
    let (code, report) = probe_json(&[conf, "--max-wait", "3s", "--nginx-version", "1.30.0"]);
    assert_eq!(code, 1, "{report:#}");
    let found = addresses(&report);
    assert_eq!(found.len(), 2, "{report:#}");
    assert_eq!(found[0].kind, "idle-timeout", "{found:?}");
    assert_eq!(found[1].server, "192.0.2.1:8080");
    assert!(
        found[1]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("--allow-public")),
        "{found:?}"
    );
    let result = &report["upstreams"][0]["result"];
    assert_eq!(result["addresses_measured"], 1, "{report:#}");

    // check --backend app=probe: the whole run stops, naming the flag.
    let out = common::run(
        &[
            "check",
            conf,
            "--backend",
            "app=probe",
            "--nginx-version",
            "1.30.0",
        ],
        None,
        Some(dir.path()),
    );
    common::assert_exit(&out, 2);
    let err = common::stderr(&out);
    assert!(
        err.contains("192.0.2.1:8080") && err.contains("--allow-public"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------
// 6. Request limits and framings

#[test]
fn requests_counts_what_a_connection_serves() {
    // Two requests a connection, the second answer saying so; 400 ms idle
    // between them.
    let limited = Small::start(scripted(2, Duration::from_millis(400), |i| {
        vec![if i == 0 {
            OK
        } else {
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
        }]
    }));
    let unlimited = Small::start(scripted(100, Duration::from_millis(400), |_| vec![OK]));
    let m = probe_targets(
        "--requests 3",
        &[
            (limited.target(), after_ms(400, PYTHON)),
            (unlimited.target(), after_ms(400, PYTHON)),
        ],
        "3s",
        &["--requests", "3"],
    );
    assert_eq!((m[0].served, m[1].served), (Some(2), None), "{m:?}");
    // One connection counts (three requests on it for the unlimited one),
    // a fresh one is timed; more only when probed once more.
    // (Twice that when probed once more.)
    for (server, n) in [
        ("limited", limited.accepted()),
        ("unlimited", unlimited.accepted()),
    ] {
        assert!(matches!(n, 2 | 4), "{server}: {n} connections");
    }
}

/// A server that closes a connection after some requests without saying
/// so (`Connection: close`), as uWSGI's `--http-socket` does after every
/// one: `--requests N` reports how many it served, not an error for the
/// request after its last (which failed before the fix: "the connection
/// closed without a response", exit status 1).
#[test]
fn requests_counts_a_silent_close_too() {
    let silent = Small::start(scripted(2, Duration::from_millis(400), |_| vec![OK]));
    let mut args = vec!["--max-wait", "3s", "--requests", "3", "--target"];
    let target = silent.target();
    args.push(&target);
    let (code, report) = probe_json(&args);
    let m = addresses(&report);
    eprintln!(
        "silent close after 2 requests, --requests 3: {}",
        m[0].short()
    );
    assert_eq!((code, m[0].error.as_deref()), (0, None), "{report:#}");
    assert_eq!(m[0].served, Some(2), "{report:#}");
}

#[test]
fn framings_are_read_to_their_end() {
    // Chunked, with an extension and a trailer, in pieces.
    let chunked = Small::start(scripted(100, Duration::from_millis(400), |_| {
        vec![
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n",
            "5;ext=1\r\nhel",
            "lo\r\n",
            "6\r\n world\r\n",
            "0\r\nX-Trailer: 1\r\n",
            "\r\n",
        ]
    }));
    // HTTP/1.0, the body up to the close.
    let http10 = Small::start(scripted(1, Duration::ZERO, |_| {
        vec![
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello",
            " world",
        ]
    }));
    // HTTP/1.1, the body up to the close, the close not announced.
    let unannounced = Small::start(scripted(1, Duration::ZERO, |_| {
        vec![
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello",
            " world",
        ]
    }));
    // HTTP/1.0 kept alive.
    let http10_kept = Small::start(scripted(100, Duration::from_millis(400), |_| {
        vec!["HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"]
    }));
    // An interim response before the real one.
    let interim = Small::start(scripted(100, Duration::from_millis(400), |_| {
        vec![
            "HTTP/1.1 100 Continue\r\n\r\n",
            "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok",
        ]
    }));
    let m = probe_targets(
        "framings",
        &[
            (chunked.target(), after_ms(400, PYTHON)),
            (http10.target(), Expect::EachResponse { announced: true }),
            (
                unannounced.target(),
                Expect::EachResponse { announced: false },
            ),
            (http10_kept.target(), after_ms(400, PYTHON)),
            (interim.target(), after_ms(400, PYTHON)),
        ],
        "3s",
        &[],
    );
    let versions: Vec<_> = m.iter().map(|m| m.http_version.as_deref()).collect();
    assert_eq!(
        versions,
        [
            Some("HTTP/1.1"),
            Some("HTTP/1.0"),
            Some("HTTP/1.1"),
            Some("HTTP/1.0"),
            Some("HTTP/1.1")
        ]
    );
    assert_eq!(m[4].status, Some(200), "the final response's status: {m:?}");
    assert_eq!(m[4].keep_alive.as_deref(), Some("timeout=1"), "{m:?}");

    // HEAD: a Content-Length without its body.
    let head = Small::start(scripted(100, Duration::from_millis(400), |_| {
        vec!["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"]
    }));
    probe_targets(
        "HEAD",
        &[(head.target(), after_ms(400, PYTHON))],
        "3s",
        &["--method", "head"],
    );
}
