//! End to end: real nginx, real backends (Node.js `http`, gunicorn with
//! threaded workers), real 502s, then `ngxfix fix`, a reload, and none.
//!
//! Each scenario starts a backend on 127.0.0.1, puts a [`DelayProxy`]
//! (10 ms each way) between it and nginx, since on loopback nginx sees the
//! backend's FIN at once and the race never shows, and starts nginx 1.22
//! with upstreams that pool connections for its default 60 s while the
//! backend closes them after about a second. Requests are sent with idle
//! gaps swept around the backend's measured close time; the 502s, the
//! stale-connection lines of nginx's error log and the `$upstream_status`
//! of the access log are counted and printed. Then the real `ngxfix` binary
//! checks the configuration (the scenario's rule must fire), fixes it,
//! nginx reloads, and the same requests run again.
//!
//! | scenario | rule it demonstrates |
//! |---|---|
//! | `node`, `gunicorn` | `upstream-keepalive-timeout`: POSTs get 502 until the fix, none after, and nginx still pools |
//! | `retries` | §2 of the research notes and `next-upstream-non-idempotent`: GETs are retried (`502, 200`), POSTs fail, `non_idempotent` resends POSTs |
//! | `next-upstream-off` | `next-upstream-off-pooled`: with `proxy_next_upstream off` GETs fail too, until the fix restores `error` |
//! | `max-fails` | `upstream-max-fails-pooled`: stale resets disable both servers of a group, then every request gets `no live upstreams` |
//!
//! Why "after" is 0 by construction, not by luck: the fix sets the
//! upstream's `keepalive_timeout` to the backend's declared idle timeout
//! minus a margin of 1 s, or to half of it when that is more: 150ms for
//! Node's `keepAliveTimeout = 300`, 500ms for gunicorn's `keepalive = 1`
//! (the test reads the value from the fixed nginx.conf). nginx then closes
//! a cached connection 150 ms / 500 ms after its last use, while the
//! backend closes it after about 1.3 s (Node adds a 1 s buffer to the
//! declared 300 ms) / 1 s (gunicorn never closes before `keepalive`). The
//! 0.5-1.15 s between the two is far more than the proxy's 20 ms round trip
//! and any scheduling delay, so a request never meets a connection the
//! backend closed.
//!
//! And pooling survives the fix (an earlier rule wrote `0s` here, which
//! closes every connection after one request: no 502s, and no pool
//! either): after the fix each lane sends [`BURST_REQUESTS`] requests
//! [`BURST_GAP`] apart, well inside the new timeout, and the delay proxy
//! must have seen at most half as many upstream connections as requests
//! (about one per lane in practice). Only a request delayed by more than
//! the whole timeout (130 ms beyond the 20 ms gap for Node, 480 ms for
//! gunicorn) opens a new connection, and more than half of them would have
//! to be, so the bound does not depend on the machine's load.
//!
//! Scenarios run one at a time (a static lock): their timing is what is
//! under test, and two of them at once on a two-core machine would disturb
//! it. Every process is killed when its scenario ends, pass or fail; every
//! socket has a timeout and every loop a bound. Error logs of each phase
//! are kept under `target/e2e-logs/`.
//!
//! Needs nginx, node and python3 with gunicorn (`.ci/run` installs them);
//! without them the test says so and passes, unless `NGXFIX_REQUIRE_NGINX`
//! / `NGXFIX_REQUIRE_BACKENDS` is set.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::delay_proxy::{BackendClose, DelayProxy};
use common::idle::{free_port, idle_close, Closed, Server};
use common::load::{self, Lane, Sweep};
use common::nginx::Nginx;
use ngxfix::model::TimeSlot;

/// One-way delay between nginx and the backend.
const DELAY: Duration = Duration::from_millis(10);
/// Lanes (each with its own upstream) per kind of request.
const LANES: usize = 8;
/// Each gap is probed this many times in a sweep.
const ROUNDS: usize = 4;
/// A sweep that finds no stale connection at all is run again, at most
/// this many times, before the test fails.
const ATTEMPTS: usize = 3;

/// Requests per lane in a pooling burst after the fix.
const BURST_REQUESTS: usize = 10;
/// Pause between a burst's requests: far below the fixed
/// `keepalive_timeout` (150ms, 500ms), so each finds a cached connection.
const BURST_GAP: Duration = Duration::from_millis(20);

/// Scenarios run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

// ---------------------------------------------------------------------------
// Backends

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Node,
    Gunicorn,
}

/// A Node.js `http` server that reads the body and answers 200; idle
/// connections close 300 ms after a response, plus Node's 1 s buffer.
const SERVER_JS: &str = r#"const http = require('http');

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 3 });
    res.end('ok\n');
  });
});
server.keepAliveTimeout = 300;
server.listen(Number(process.env.PORT), '127.0.0.1');
"#;

/// gunicorn with the threaded worker, which keeps connections alive for
/// `keepalive` seconds (the default sync worker closes after each response).
const GUNICORN_CONF: &str = "worker_class = \"gthread\"\nthreads = 4\nkeepalive = 1\n";

const WSGI_APP: &str = r#"def app(environ, start_response):
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
    return [b"ok\n"]
"#;

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Node => "node",
            Backend::Gunicorn => "gunicorn",
        }
    }

    /// `KIND:FILE` for `ngxfix --backend UPSTREAM=...`.
    fn spec(self) -> &'static str {
        match self {
            Backend::Node => "node:server.js",
            Backend::Gunicorn => "gunicorn:gunicorn.conf.py",
        }
    }

    /// The upstream `keepalive_timeout` `ngxfix fix` must write for it:
    /// max(declared idle - 1s margin, declared idle / 2), from the 300 ms
    /// and 1 s declared in [`SERVER_JS`] and [`GUNICORN_CONF`].
    fn fixed_keepalive_timeout(self) -> Duration {
        match self {
            Backend::Node => Duration::from_millis(150),
            Backend::Gunicorn => Duration::from_millis(500),
        }
    }

    /// Whether it can run here; when not, say so, or fail when the CI asks
    /// for every backend.
    fn available(self) -> bool {
        let (program, args): (&str, &[&str]) = match self {
            Backend::Node => ("node", &["--version"]),
            Backend::Gunicorn => ("python3", &["-c", "import gunicorn"]),
        };
        let ok = Command::new(program)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            assert!(
                std::env::var_os("NGXFIX_REQUIRE_BACKENDS").is_none(),
                "NGXFIX_REQUIRE_BACKENDS is set but {} cannot run",
                self.name()
            );
            eprintln!("skipped: {} is not installed", self.name());
        }
        ok
    }

    /// Write its files into `dir` and start it on a free port.
    fn start(self, dir: &Path) -> (Server, u16) {
        let port = free_port();
        let mut command = match self {
            Backend::Node => {
                std::fs::write(dir.join("server.js"), SERVER_JS).expect("server.js written");
                let mut command = Command::new("node");
                command.arg("server.js").env("PORT", port.to_string());
                command
            }
            Backend::Gunicorn => {
                std::fs::write(dir.join("gunicorn.conf.py"), GUNICORN_CONF)
                    .expect("gunicorn.conf.py written");
                std::fs::write(dir.join("app.py"), WSGI_APP).expect("app.py written");
                let mut command = Command::new("python3");
                command.args(["-m", "gunicorn", "-c", "gunicorn.conf.py"]);
                command.args(["--bind", &format!("127.0.0.1:{port}"), "app:app"]);
                command
            }
        };
        command
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let server = Server::start(command, port, Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("{}: {e}", self.name()));
        (server, port)
    }
}

/// Background traffic straight to a backend: a request every
/// [`Ticker::EVERY`] on a connection of its own, until dropped.
///
/// gunicorn's gthread worker closes expired keepalive connections only when
/// its event loop wakes up (a `select` with a 1 s timeout, or any socket
/// event), so with nothing else going on it closes an idle connection
/// anywhere between `keepalive` and `keepalive` + 1 s, depending on when
/// the other lanes' requests wake it. A worker that serves other clients,
/// as in production, wakes all the time and closes on time; the ticker is
/// those other clients.
struct Ticker {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<usize>>,
}

impl Ticker {
    const EVERY: Duration = Duration::from_millis(10);

    fn start(port: u16) -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut sent = 0;
            while !flag.load(Ordering::Relaxed) {
                sent += usize::from(load::request(port, "GET", "/tick").is_ok());
                std::thread::sleep(Self::EVERY);
            }
            sent
        });
        Ticker {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// When the backend really closes an idle connection after a response:
/// the median of three measurements on a direct connection.
fn close_time(backend: Backend, port: u16) -> Duration {
    let mut times: Vec<Duration> = (0..3)
        .map(|_| match idle_close(port, Duration::from_secs(5)) {
            Ok(Closed::After(after)) => after,
            other => panic!("{}: no idle close measured: {other:?}", backend.name()),
        })
        .collect();
    times.sort();
    times[1]
}

/// The gaps a sweep probes: the stale window is where a request leaves
/// nginx less than one delay before the backend's FIN reaches it, so a
/// little before the close time as the client sees it.
fn gaps_around(close: Duration) -> Vec<Duration> {
    let us = Duration::from_micros;
    load::gaps(close - us(40_000), close + us(10_000), us(2_500))
}

// ---------------------------------------------------------------------------
// nginx configurations

/// An upstream block: its servers' ports and extra lines.
struct Upstream {
    name: String,
    ports: Vec<u16>,
}

/// A location proxying to an upstream, with extra lines.
struct Location {
    path: String,
    upstream: String,
    extra: &'static str,
}

/// A configuration written the way the incident's was: pooled upstreams
/// (`keepalive 8`, nginx's default upstream `keepalive_timeout` of 60s),
/// HTTP/1.1 and an empty Connection header in each location.
fn config(dir: &Path, port: u16, upstreams: &[Upstream], locations: &[Location]) -> String {
    let mut text = Nginx::preamble(dir);
    text.push_str("\nhttp {\n");
    text.push_str(&Nginx::access_log(dir));
    for upstream in upstreams {
        text.push_str(&format!("\n    upstream {} {{\n", upstream.name));
        for port in &upstream.ports {
            text.push_str(&format!("        server 127.0.0.1:{port};\n"));
        }
        text.push_str("        keepalive 8;\n    }\n");
    }
    text.push_str(&format!(
        "\n    server {{\n        listen 127.0.0.1:{port};\n"
    ));
    for location in locations {
        text.push_str(&format!(
            "\n        location = {} {{\n            proxy_pass http://{};\n            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n{}        }}\n",
            location.path, location.upstream, location.extra
        ));
    }
    text.push_str("    }\n}\n");
    text
}

/// `count` lanes named `{prefix}0`, `{prefix}1`, ...: an upstream each
/// (all through the same proxy), a location each, and the lanes.
fn lanes(
    prefix: &str,
    count: usize,
    proxy: u16,
    method: &'static str,
    extra: &'static str,
) -> (Vec<Upstream>, Vec<Location>, Vec<Lane>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for index in 0..count {
        let name = format!("{prefix}{index}");
        out.0.push(Upstream {
            name: name.clone(),
            ports: vec![proxy],
        });
        out.1.push(Location {
            path: format!("/{name}"),
            upstream: name.clone(),
            extra,
        });
        out.2.push(Lane {
            path: format!("/{name}"),
            method,
        });
    }
    out
}

// ---------------------------------------------------------------------------
// ngxfix

/// The version of the installed nginx, for `--nginx-version` (the shared
/// test helper pins 1.29.6 for other tests; here the real one matters).
fn nginx_version() -> String {
    let output = Command::new("nginx")
        .arg("-v")
        .output()
        .expect("nginx -v runs");
    let text = String::from_utf8_lossy(&output.stderr);
    ngxfix::model::Version::from_nginx_v(&text)
        .unwrap_or_else(|| panic!("no version in `nginx -v`: {text}"))
        .to_string()
}

/// `ngxfix SUBCOMMAND --nginx-version V ARGS... nginx.conf` in `dir`.
fn ngxfix(dir: &Path, subcommand: &str, args: &[String]) -> std::process::Output {
    let version = nginx_version();
    let mut all = vec![subcommand, "--nginx-version", &version];
    all.extend(args.iter().map(String::as_str));
    all.push("nginx.conf");
    let output = common::run_keepalive(&all, None, Some(dir));
    assert_ne!(
        output.status.code(),
        Some(2),
        "ngxfix {all:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The rules `ngxfix check` reports, with their counts.
fn findings(dir: &Path, args: &[String]) -> BTreeMap<String, usize> {
    let mut all = vec!["--format".to_string(), "json".to_string()];
    all.extend_from_slice(args);
    let output = ngxfix(dir, "check", &all);
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("check --format json prints JSON");
    let mut rules = BTreeMap::new();
    for finding in json["findings"].as_array().expect("a findings array") {
        let rule = finding["rule"].as_str().expect("a rule id").to_string();
        *rules.entry(rule).or_insert(0) += 1;
    }
    rules
}

/// Print the diff `ngxfix fix` would make, then make it.
fn fix(dir: &Path, scenario: &str, args: &[String]) {
    let mut dry = vec!["--dry-run".to_string()];
    dry.extend_from_slice(args);
    let diff = ngxfix(dir, "fix", &dry);
    println!(
        "[{scenario}] ngxfix fix {}:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&diff.stdout)
    );
    ngxfix(dir, "fix", args);
}

/// The `keepalive_timeout` inside each `upstream NAME {}` block of an
/// nginx.conf written by [`config`] and fixed by ngxfix (one directive a
/// line); upstreams without one are left out.
fn upstream_keepalive_timeouts(conf: &str) -> BTreeMap<String, Duration> {
    let mut out = BTreeMap::new();
    let mut upstream = None;
    for line in conf.lines().map(str::trim) {
        if let Some(name) = line
            .strip_prefix("upstream ")
            .and_then(|rest| rest.strip_suffix('{'))
        {
            upstream = Some(name.trim().to_string());
        } else if line == "}" {
            upstream = None;
        } else if let (Some(name), Some(value)) = (
            &upstream,
            line.strip_prefix("keepalive_timeout ")
                .and_then(|rest| rest.strip_suffix(';')),
        ) {
            let millis = ngxfix::model::Duration::parse(value.trim(), TimeSlot::Milliseconds)
                .unwrap_or_else(|e| panic!("upstream {name}: {e}"))
                .as_millis();
            out.insert(name.clone(), Duration::from_millis(millis));
        }
    }
    out
}

/// `--backend UPSTREAM=SPEC` for each upstream.
fn backend_args(upstreams: &[Upstream], spec: &str) -> Vec<String> {
    upstreams
        .iter()
        .flat_map(|u| ["--backend".to_string(), format!("{}={spec}", u.name)])
        .collect()
}

// ---------------------------------------------------------------------------
// Counting

/// What nginx logged and answered during one phase.
struct Phase {
    /// Each request's path and status.
    statuses: Vec<(String, u16)>,
    error: String,
    access: String,
    connections: usize,
    resets: usize,
    wall: Duration,
}

/// What one phase produced, for all its requests or those of one arm.
#[derive(Debug, Default)]
struct Counts {
    requests: usize,
    bad_gateway: usize,
    /// Error-log lines of a request meeting a connection the backend closed.
    stale_lines: usize,
    /// Requests whose `$upstream_status` starts with a 502 and goes on: a
    /// failed attempt retried.
    retried: usize,
    disabled: usize,
    no_live: usize,
    connections: usize,
    resets: usize,
    wall: Duration,
}

impl Counts {
    /// The counts of the requests whose path starts with `arm` ("" for all).
    fn of(phase: &Phase, arm: &str) -> Self {
        let errors = || phase.error.lines().filter(|l| l.contains(arm));
        let lines = |needle: &str| errors().filter(|l| l.contains(needle)).count();
        let statuses = || phase.statuses.iter().filter(|(p, _)| p.starts_with(arm));
        Counts {
            requests: statuses().count(),
            bad_gateway: statuses().filter(|(_, s)| *s == 502).count(),
            stale_lines: errors().filter(|l| is_stale(l)).count(),
            retried: phase
                .access
                .lines()
                .filter(|l| l.contains(arm) && l.contains("\"502, "))
                .count(),
            disabled: lines("upstream server temporarily disabled"),
            no_live: lines("no live upstreams"),
            connections: phase.connections,
            resets: phase.resets,
            wall: phase.wall,
        }
    }

    fn print(&self, scenario: &str, phase: &str, what: &str) {
        println!(
            "[{scenario}] {phase}: {} {what}, 502: {}, stale error lines: {}, retried (\"502, ...\"): {}, \
             servers disabled: {}, no live upstreams: {}, upstream connections: {}, resets: {}, wall {:.1}s",
            self.requests,
            self.bad_gateway,
            self.stale_lines,
            self.retried,
            self.disabled,
            self.no_live,
            self.connections,
            self.resets,
            self.wall.as_secs_f64()
        );
    }
}

/// An error-log line of a request sent on a connection the backend had
/// closed (research notes §2).
fn is_stale(line: &str) -> bool {
    line.contains("upstream")
        && [
            "(104: Connection reset by peer) while reading response header",
            "prematurely closed connection while reading response header",
            "(32: Broken pipe) while sending request",
            "(104: Connection reset by peer) while sending request",
        ]
        .iter()
        .any(|signature| line.contains(signature))
}

/// `target/e2e-logs/` (under CARGO_TARGET_DIR when set).
fn log_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("e2e-logs");
    std::fs::create_dir_all(&dir).expect("target/e2e-logs");
    dir
}

fn keep_log(scenario: &str, phase: &str, error: &str) {
    let path = log_dir().join(format!("{scenario}-{phase}.log"));
    std::fs::write(&path, error).expect("phase log written");
    println!("[{scenario}] {phase} error.log: {}", path.display());
}

/// Run `body` between two log marks and proxy readings; what it did.
fn phase(
    scenario: &str,
    name: &str,
    nginx: &Nginx,
    proxies: &[&DelayProxy],
    body: impl FnOnce() -> Vec<(String, u16)>,
) -> Phase {
    let mark = nginx.mark();
    let connections = || proxies.iter().map(|p| p.connections()).sum::<usize>();
    let resets = || proxies.iter().map(|p| p.resets()).sum::<usize>();
    let (connections_before, resets_before) = (connections(), resets());
    let started = Instant::now();
    let statuses = body();
    let wall = started.elapsed();
    // Every request has been answered, so nginx has written its lines.
    let (error, access) = nginx.since(mark);
    keep_log(scenario, name, &error);
    Phase {
        statuses,
        error,
        access,
        connections: connections() - connections_before,
        resets: resets() - resets_before,
        wall,
    }
}

/// A sweep as a phase; statuses other than 200 and 502 fail the test.
fn sweep_phase(
    scenario: &str,
    name: &str,
    nginx: &Nginx,
    proxy: &DelayProxy,
    lanes: &[Lane],
    gaps: &[Duration],
) -> (Phase, Sweep) {
    let mut sweep = Sweep::default();
    // ROUNDS probes per gap for every LANES lanes.
    let rounds = ROUNDS * lanes.len().div_ceil(LANES);
    let phase = phase(scenario, name, nginx, &[proxy], || {
        sweep = load::sweep(nginx.port(), lanes, gaps, rounds)
            .unwrap_or_else(|e| panic!("[{scenario}] {name}: {e}"));
        sweep
            .probes
            .iter()
            .map(|p| (lanes[p.lane].path.clone(), p.status))
            .collect()
    });
    let odd: Vec<u16> = sweep
        .probes
        .iter()
        .map(|p| p.status)
        .chain(sweep.prime_failures.iter().copied())
        .filter(|s| *s != 200 && *s != 502)
        .collect();
    assert!(
        odd.is_empty(),
        "[{scenario}] {name}: unexpected statuses {odd:?}"
    );
    (phase, sweep)
}

fn print_gaps(scenario: &str, phase: &str, sweep: &Sweep) {
    let rows: Vec<String> = sweep
        .by_gap()
        .iter()
        .map(|(gap, n, bad)| format!("{:.1}ms {bad}/{n}", gap.as_secs_f64() * 1e3))
        .collect();
    println!("[{scenario}] {phase} 502s by gap: {}", rows.join(", "));
}

/// Run a "before" sweep until it meets stale connections (at most
/// [`ATTEMPTS`] times; each retry is reported).
fn sweep_until_stale(
    scenario: &str,
    name: &str,
    nginx: &Nginx,
    proxy: &DelayProxy,
    lanes: &[Lane],
    gaps: &[Duration],
) -> (Phase, Sweep) {
    let mut attempt = 1;
    loop {
        let (phase, sweep) = sweep_phase(scenario, name, nginx, proxy, lanes, gaps);
        if phase.error.lines().any(is_stale) || attempt == ATTEMPTS {
            return (phase, sweep);
        }
        println!("[{scenario}] attempt {attempt} met no stale connection: sweeping again");
        attempt += 1;
    }
}

/// Everything a scenario needs, in its own directory.
struct Site {
    dir: tempfile::TempDir,
    port: u16,
}

impl Site {
    fn new(scenario: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("ngxfix-e2e-{scenario}-"))
            .tempdir()
            .expect("a temporary directory");
        // nginx's worker runs as nobody when the tests run as root.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod the temporary directory");
        Site {
            dir,
            port: free_port(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn start_nginx(&self, text: &str) -> Nginx {
        std::fs::write(self.path().join("nginx.conf"), text).expect("nginx.conf written");
        Nginx::start(self.path(), self.port).unwrap_or_else(|e| panic!("nginx: {e}"))
    }
}

/// A scenario's directory, its backend (with the gunicorn ticker), the
/// backend's measured close time and the delay proxy in front of it.
struct Rig {
    site: Site,
    close: Duration,
    proxy: DelayProxy,
    // Dropped after the proxy: the ticker, then the backend.
    _ticker: Option<Ticker>,
    _backend: Server,
}

impl Rig {
    fn start(scenario: &str, backend: Backend) -> Self {
        let site = Site::new(scenario);
        let (server, port) = backend.start(site.path());
        let ticker = (backend == Backend::Gunicorn).then(|| Ticker::start(port));
        let close = close_time(backend, port);
        println!("[{scenario}] backend closes idle connections after {close:?}");
        let proxy = DelayProxy::start(port, DELAY, BackendClose::Forward).expect("proxy");
        Rig {
            site,
            close,
            proxy,
            _ticker: ticker,
            _backend: server,
        }
    }
}

/// Whether the scenario can run; prerequisites missing are reported (or
/// fail the test in CI).
fn ready(backend: Backend) -> bool {
    common::nginx_available() && backend.available()
}

/// Held for a scenario's whole run: it runs alone, and its wall time is
/// printed at the end.
struct Serial {
    scenario: &'static str,
    started: Instant,
    _guard: std::sync::MutexGuard<'static, ()>,
}

impl Drop for Serial {
    fn drop(&mut self) {
        let wall = self.started.elapsed().as_secs_f64();
        println!("[{}] scenario wall time: {wall:.1}s", self.scenario);
    }
}

fn serial(scenario: &'static str) -> Serial {
    // A failed scenario poisons the lock; the next one still runs alone.
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    Serial {
        scenario,
        started: Instant::now(),
        _guard: guard,
    }
}

// ---------------------------------------------------------------------------
// Scenarios 1 and 2: upstream-keepalive-timeout

/// POSTs with idle gaps around the backend's close time get 502s while
/// nginx keeps connections for 60 s; after `ngxfix fix` with the backend
/// declared and a reload, none, and bursts of requests still reuse pooled
/// connections.
fn timeout_scenario(backend: Backend) {
    let scenario = backend.name();
    let Rig {
        site, close, proxy, ..
    } = &Rig::start(scenario, backend);
    let (upstreams, locations, lanes) = lanes("app", LANES, proxy.port(), "POST", "");
    let nginx = site.start_nginx(&config(site.path(), site.port, &upstreams, &locations));
    let backends = backend_args(&upstreams, backend.spec());

    let rules = findings(site.path(), &backends);
    println!("[{scenario}] ngxfix check before: {rules:?}");
    assert_eq!(rules.get("upstream-keepalive-timeout"), Some(&LANES));

    let gaps = gaps_around(*close);
    let (before, sweep) = sweep_until_stale(scenario, "before", &nginx, proxy, &lanes, &gaps);
    let before = Counts::of(&before, "");
    before.print(scenario, "before", "POST");
    print_gaps(scenario, "before", &sweep);

    fix(site.path(), scenario, &backends);
    let rules = findings(site.path(), &backends);
    println!("[{scenario}] ngxfix check after: {rules:?}");
    assert!(!rules.contains_key("upstream-keepalive-timeout"));
    let timeout = fixed_timeout(scenario, site.path(), &upstreams, backend);
    // Why "after" cannot meet a stale connection and the bursts cannot miss
    // the pool (module doc): both margins, checked on this run's numbers.
    assert!(
        timeout + 2 * DELAY + Duration::from_millis(100) < *close,
        "[{scenario}] keepalive_timeout {timeout:?} is too close to the backend's {close:?}"
    );
    assert!(BURST_GAP * 4 <= timeout, "[{scenario}] bursts too sparse");
    nginx.reload().expect("nginx reloads");

    let (after, _) = sweep_phase(scenario, "after", &nginx, proxy, &lanes, &gaps);
    let after = Counts::of(&after, "");
    after.print(scenario, "after", "POST");
    pooling_burst(scenario, &nginx, proxy, &lanes);

    assert!(before.bad_gateway > 0, "[{scenario}] no 502 before the fix");
    assert!(
        before.stale_lines > 0,
        "[{scenario}] no stale line before the fix"
    );
    assert_eq!(after.bad_gateway, 0, "[{scenario}] 502s after the fix");
    assert_eq!(
        after.stale_lines, 0,
        "[{scenario}] stale lines after the fix"
    );
}

/// The `keepalive_timeout` ngxfix wrote, the same in every upstream and
/// the one the rule gives for `backend`.
fn fixed_timeout(scenario: &str, dir: &Path, upstreams: &[Upstream], backend: Backend) -> Duration {
    let conf = std::fs::read_to_string(dir.join("nginx.conf")).expect("nginx.conf read");
    let fixed = upstream_keepalive_timeouts(&conf);
    let expected: BTreeMap<String, Duration> = upstreams
        .iter()
        .map(|u| (u.name.clone(), backend.fixed_keepalive_timeout()))
        .collect();
    assert_eq!(
        fixed, expected,
        "[{scenario}] keepalive_timeout after the fix"
    );
    println!(
        "[{scenario}] fixed upstream keepalive_timeout: {:?}",
        backend.fixed_keepalive_timeout()
    );
    backend.fixed_keepalive_timeout()
}

/// After the fix: [`BURST_REQUESTS`] requests [`BURST_GAP`] apart on every
/// lane. Every one must succeed, and nginx must still pool: at most one
/// upstream connection opened for every two requests.
fn pooling_burst(scenario: &str, nginx: &Nginx, proxy: &DelayProxy, lanes: &[Lane]) {
    let burst = phase(scenario, "pooled", nginx, &[proxy], || {
        load::bursts(nginx.port(), lanes, BURST_REQUESTS, BURST_GAP)
            .unwrap_or_else(|e| panic!("[{scenario}] pooled: {e}"))
            .into_iter()
            .map(|(lane, status)| (lanes[lane].path.clone(), status))
            .collect()
    });
    let counts = Counts::of(&burst, "");
    counts.print(scenario, "pooled", "requests");
    println!(
        "[{scenario}] pooled: {} upstream connections opened for {} requests {}ms apart on {} lanes",
        counts.connections,
        counts.requests,
        BURST_GAP.as_millis(),
        lanes.len()
    );
    assert_eq!(counts.requests, lanes.len() * BURST_REQUESTS);
    assert!(
        burst.statuses.iter().all(|(_, status)| *status == 200),
        "[{scenario}] pooled: statuses {:?}",
        burst.statuses
    );
    assert!(
        counts.connections * 2 <= counts.requests,
        "[{scenario}] pooling is off: {} upstream connections for {} requests",
        counts.connections,
        counts.requests
    );
}

#[test]
fn node_502s_before_the_fix_and_none_after() {
    let _serial = serial("node");
    if ready(Backend::Node) {
        timeout_scenario(Backend::Node);
    }
}

#[test]
fn gunicorn_502s_before_the_fix_and_none_after() {
    let _serial = serial("gunicorn");
    if ready(Backend::Gunicorn) {
        timeout_scenario(Backend::Gunicorn);
    }
}

/// The parser behind [`fixed_timeout`]: only `keepalive_timeout` inside an
/// `upstream` block counts, in nginx's units.
#[test]
fn upstream_keepalive_timeouts_reads_upstream_blocks_only() {
    let conf = "http {\n    keepalive_timeout 75s;\n    upstream app0 {\n        server 127.0.0.1:1;\n        keepalive 8;\n        keepalive_timeout 150ms;\n    }\n    upstream app1 {\n        keepalive_timeout 2s;\n    }\n    upstream app2 {\n        keepalive 8;\n    }\n    server {\n        keepalive_timeout 5s;\n    }\n}\n";
    let expected = BTreeMap::from([
        ("app0".to_string(), Duration::from_millis(150)),
        ("app1".to_string(), Duration::from_secs(2)),
    ]);
    assert_eq!(upstream_keepalive_timeouts(conf), expected);
}

// ---------------------------------------------------------------------------
// Scenario 3: which requests nginx retries (research notes §2)

/// The same stale connections, three kinds of location side by side: GETs
/// are retried on a new connection (`502, 200`, no 502 for the client),
/// POSTs are not (502), and `non_idempotent` makes nginx resend POSTs
/// (`next-upstream-non-idempotent`). After the timeout fix (and the unsafe
/// fix removing `non_idempotent`) nothing is stale and nothing is resent.
#[test]
fn retries_get_is_retried_post_fails() {
    let _serial = serial("retries");
    if !ready(Backend::Node) {
        return;
    }
    let scenario = "retries";
    let Rig {
        site, close, proxy, ..
    } = &Rig::start(scenario, Backend::Node);
    let arms = [
        ("get", "GET", ""),
        ("post", "POST", ""),
        (
            "resend",
            "POST",
            "            proxy_next_upstream error timeout non_idempotent;\n",
        ),
    ];
    let (mut upstreams, mut locations, mut all_lanes) = (Vec::new(), Vec::new(), Vec::new());
    for (arm, method, extra) in arms {
        let (u, l, lanes) = lanes(arm, LANES, proxy.port(), method, extra);
        upstreams.extend(u);
        locations.extend(l);
        all_lanes.extend(lanes);
    }
    let nginx = site.start_nginx(&config(site.path(), site.port, &upstreams, &locations));
    let args = backend_args(&upstreams, Backend::Node.spec());

    let rules = findings(site.path(), &args);
    println!("[{scenario}] ngxfix check before: {rules:?}");
    assert_eq!(rules.get("next-upstream-non-idempotent"), Some(&LANES));
    assert_eq!(rules.get("upstream-keepalive-timeout"), Some(&(3 * LANES)));

    let gaps = gaps_around(*close);
    let (before, _) = sweep_until_stale(scenario, "before", &nginx, proxy, &all_lanes, &gaps);
    let [get, post, resend] = arms.map(|(arm, method, _)| {
        let counts = Counts::of(&before, &format!("/{arm}"));
        counts.print(scenario, &format!("before /{arm}*"), method);
        counts
    });

    let mut fix_args = args.clone();
    fix_args.push("--unsafe-fixes".into());
    fix(site.path(), scenario, &fix_args);
    let rules = findings(site.path(), &args);
    println!("[{scenario}] ngxfix check after: {rules:?}");
    assert!(rules.is_empty());
    nginx.reload().expect("nginx reloads");
    let (after, _) = sweep_phase(scenario, "after", &nginx, proxy, &all_lanes, &gaps);
    let after = Counts::of(&after, "");
    after.print(scenario, "after", "GET and POST");

    assert_eq!(get.bad_gateway, 0, "[{scenario}] GETs are retried");
    assert!(
        get.retried > 0,
        "[{scenario}] no GET met a stale connection"
    );
    assert_eq!(get.retried, get.stale_lines);
    assert!(post.bad_gateway > 0, "[{scenario}] no POST failed");
    assert_eq!(post.retried, 0, "[{scenario}] POSTs are not retried");
    assert_eq!(
        resend.bad_gateway, 0,
        "[{scenario}] non_idempotent resends POSTs"
    );
    assert!(resend.retried > 0, "[{scenario}] no POST was resent");
    assert_eq!(
        (after.bad_gateway, after.retried, after.stale_lines),
        (0, 0, 0)
    );
}

// ---------------------------------------------------------------------------
// Scenario 4: next-upstream-off-pooled

/// With `proxy_next_upstream off` nginx does not retry a stale pooled
/// connection even for GET: 502s. The rule's fix (`error`) brings the
/// retry back: the connections are as stale as before, the clients see
/// no 502.
#[test]
fn next_upstream_off_fails_gets_until_fixed() {
    let _serial = serial("next-upstream-off");
    if !ready(Backend::Node) {
        return;
    }
    let scenario = "next-upstream-off";
    let Rig {
        site, close, proxy, ..
    } = &Rig::start(scenario, Backend::Node);
    let extra = "            proxy_next_upstream off;\n";
    let (upstreams, locations, lanes) = lanes("app", LANES, proxy.port(), "GET", extra);
    let nginx = site.start_nginx(&config(site.path(), site.port, &upstreams, &locations));
    let rule = "next-upstream-off-pooled";

    let rules = findings(site.path(), &[]);
    println!("[{scenario}] ngxfix check before: {rules:?}");
    assert_eq!(rules.get(rule), Some(&LANES));

    let gaps = gaps_around(*close);
    let (before, _) = sweep_until_stale(scenario, "before", &nginx, proxy, &lanes, &gaps);
    let before = Counts::of(&before, "");
    before.print(scenario, "before", "GET");

    let args = ["--unsafe-fixes".to_string(), "--select".into(), rule.into()];
    fix(site.path(), scenario, &args);
    let rules = findings(site.path(), &[]);
    println!("[{scenario}] ngxfix check after: {rules:?}");
    assert!(!rules.contains_key(rule));
    nginx.reload().expect("nginx reloads");
    let (after, _) = sweep_until_stale(scenario, "after", &nginx, proxy, &lanes, &gaps);
    let after = Counts::of(&after, "");
    after.print(scenario, "after", "GET");

    assert!(before.bad_gateway > 0, "[{scenario}] no GET failed");
    assert_eq!(
        before.retried, 0,
        "[{scenario}] nothing is retried with off"
    );
    assert_eq!(
        after.bad_gateway, 0,
        "[{scenario}] GETs failed after the fix"
    );
    assert!(
        after.retried > 0,
        "[{scenario}] no GET met a stale connection after the fix"
    );
}

// ---------------------------------------------------------------------------
// Scenario 5: upstream-max-fails-pooled

/// Requests in the cascade: the probe, then a request every
/// [`CASCADE_SPACING`] (well inside the 10 s `fail_timeout`).
const CASCADE_REQUESTS: usize = 20;
const CASCADE_SPACING: Duration = Duration::from_millis(100);

/// Prime one cached connection per server (round robin alternates), wait
/// until both backends have closed them, then send GETs.
fn cascade(port: u16, idle: Duration) -> Vec<(String, u16)> {
    let path = "/pair";
    for _ in 0..2 {
        let primed = load::request(port, "GET", path).expect("priming request");
        assert_eq!(primed, 200, "priming request");
    }
    std::thread::sleep(idle);
    (0..CASCADE_REQUESTS)
        .map(|i| {
            if i > 0 {
                std::thread::sleep(CASCADE_SPACING);
            }
            let status = load::request(port, "GET", path).expect("cascade request");
            (path.to_string(), status)
        })
        .collect()
}

/// A group of two servers, each disabled by one failure (the default
/// `max_fails=1 fail_timeout=10s`). The proxies keep the backends' close
/// from nginx, like a NAT or firewall that dropped the idle flows (research
/// notes §4, the usual trigger): when both cached connections are stale,
/// one GET disables both servers, and every request after it gets
/// `no live upstreams` although both backends are up. The timeout fix
/// closes nginx's connections first, so nothing is stale.
#[test]
fn max_fails_cascade_until_fixed() {
    let _serial = serial("max-fails");
    if !ready(Backend::Node) {
        return;
    }
    let scenario = "max-fails";
    let site = Site::new(scenario);
    let (_a, port_a) = Backend::Node.start(site.path());
    let (_b, port_b) = Backend::Node.start(site.path());
    let idle = close_time(Backend::Node, port_a) + Duration::from_millis(300);
    let proxy_a = DelayProxy::start(port_a, DELAY, BackendClose::Hide).expect("proxy");
    let proxy_b = DelayProxy::start(port_b, DELAY, BackendClose::Hide).expect("proxy");
    let upstreams = [Upstream {
        name: "pair".into(),
        ports: vec![proxy_a.port(), proxy_b.port()],
    }];
    let locations = [Location {
        path: "/pair".into(),
        upstream: "pair".into(),
        extra: "",
    }];
    let nginx = site.start_nginx(&config(site.path(), site.port, &upstreams, &locations));
    let args = backend_args(&upstreams, Backend::Node.spec());
    let proxies = [&proxy_a, &proxy_b];

    let rules = findings(site.path(), &args);
    println!("[{scenario}] ngxfix check before: {rules:?}");
    assert_eq!(rules.get("upstream-max-fails-pooled"), Some(&1));
    assert_eq!(rules.get("upstream-keepalive-timeout"), Some(&1));

    let before = phase(scenario, "before", &nginx, &proxies, || {
        cascade(nginx.port(), idle)
    });
    let before = Counts::of(&before, "");
    before.print(scenario, "before", "GET");

    fix(site.path(), scenario, &args);
    let rules = findings(site.path(), &args);
    println!("[{scenario}] ngxfix check after: {rules:?}");
    // No automatic fix for max_fails: the rule stays, the cause is gone.
    assert!(rules.contains_key("upstream-max-fails-pooled"));
    assert!(!rules.contains_key("upstream-keepalive-timeout"));
    nginx.reload().expect("nginx reloads");
    let after = phase(scenario, "after", &nginx, &proxies, || {
        cascade(nginx.port(), idle)
    });
    let after = Counts::of(&after, "");
    after.print(scenario, "after", "GET");

    assert_eq!(before.disabled, 2, "[{scenario}] both servers disabled");
    assert_eq!(
        before.bad_gateway, CASCADE_REQUESTS,
        "[{scenario}] every request 502"
    );
    assert!(
        before.no_live >= CASCADE_REQUESTS,
        "[{scenario}] no live upstreams"
    );
    assert_eq!(
        (after.bad_gateway, after.disabled, after.stale_lines),
        (0, 0, 0)
    );
}
