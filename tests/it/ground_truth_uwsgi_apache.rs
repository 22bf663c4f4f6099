//! Ground truth for the uWSGI and Apache readers: each case writes a
//! config file, starts the real server with it on 127.0.0.1, measures when
//! the server closes an idle keepalive connection, and checks that
//! `backends::format(kind).read` says the same about the same file.
//!
//! The servers (Debian 12 "bookworm"; about 7 s and 11 MB with their
//! libraries; no language plugin is needed, uWSGI answers with
//! `route-run = return:200`):
//!
//! ```sh
//! apt-get install -y --no-install-recommends uwsgi-core apache2-bin
//! # measured with uwsgi-core 2.0.21-5.1 and apache2-bin 2.4.71-1~deb12u1
//! ```
//!
//! Without them the tests say so and pass, unless `NGXFIX_REQUIRE_BACKENDS=1`.
//!
//! Tolerance: a measured close must fall in [read − 250 ms, read + 600 ms].
//! The server starts its timer as it finishes writing the response, a few
//! milliseconds before the client has read it (uWSGI's router was measured
//! closing at 1.996 s for 2 s), and the close reaches the client after a
//! scheduling delay (at most 60 ms seen on a loaded machine); a value read
//! a whole second off falls outside. "Closes after each response" must be
//! measured as a close within 500 ms without `Connection: close`;
//! "no keepalive" as a close announced by `Connection: close`.

use crate::common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::idle::{free_port, idle_close_twice, Closed, Server};
use common::servers::{apache, folder, missing, runs};
use ngxfix::backends::{self, Idle, Source};

const EARLY: Duration = Duration::from_millis(250);
const LATE: Duration = Duration::from_millis(600);

/// One server run: a config file and where its server listens and logs.
struct Run<'a> {
    case: &'a str,
    /// The kind the file is read as.
    kind: &'a str,
    /// The kind the reading must report.
    shows: &'a str,
    file: &'a str,
    text: &'a str,
    port: u16,
    log: PathBuf,
}

/// Read the file, start the server with `command`, measure, and compare.
fn check(run: &Run<'_>, command: Command) {
    let case = run.case;
    let format = backends::format(run.kind).expect("a known kind");
    let reading = format.read(&Source {
        path: run.file,
        text: run.text,
        version: None,
    });
    assert_eq!(reading.kind, run.shows, "{case}: {}", reading.detail);
    let port = run.port;
    let server = match Server::start(command, port, Duration::from_secs(10)) {
        Ok(server) => server,
        Err(e) => panic!(
            "{case}: {e}\n{}",
            std::fs::read_to_string(&run.log).unwrap_or_default()
        ),
    };
    let limit = match &reading.idle {
        Idle::After(d) => Duration::from_millis(d.as_millis()) + Duration::from_secs(3),
        _ => Duration::from_secs(3),
    };
    let closed = idle_close_twice(port, limit, |c| agrees(&reading.idle, c))
        .unwrap_or_else(|e| panic!("{case}: {e}"));
    drop(server);
    eprintln!(
        "{case}: read {} ({}: {}), measured {closed:?}",
        reading.idle, reading.kind, reading.detail
    );
    assert!(
        agrees(&reading.idle, &closed),
        "{case}: read {:?}, measured {closed:?}",
        reading.idle
    );
}

/// Whether what the server did matches what ngxfix read.
fn agrees(idle: &Idle, closed: &Closed) -> bool {
    match (idle, closed) {
        (Idle::After(d), Closed::After(m)) => {
            let read = Duration::from_millis(d.as_millis());
            *m + EARLY >= read && *m <= read + LATE
        }
        (Idle::AfterEachResponse, Closed::After(m)) => *m < Duration::from_millis(500),
        (Idle::NoKeepalive, Closed::Announced) => true,
        _ => false,
    }
}

// uWSGI

fn uwsgi_case(case: &str, shows: &str, body: &str) {
    if !runs("uwsgi", &["--version"]) {
        return missing("uwsgi is not installed (apt-get install uwsgi-core)");
    }
    let dir = folder();
    let port = free_port();
    let text = format!(
        "; {case}\n[uwsgi]\n{}\nroute-run = return:200\n",
        body.replace("PORT", &port.to_string())
    );
    let ini = dir.path().join("uwsgi.ini");
    std::fs::write(&ini, &text).expect("write uwsgi.ini");
    let log = dir.path().join("uwsgi.log");
    let mut command = Command::new("uwsgi");
    command
        .arg("--ini")
        .arg(&ini)
        .arg("--logto")
        .arg(&log)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let run = Run {
        case,
        kind: "uwsgi",
        shows,
        file: "uwsgi.ini",
        text: &text,
        port,
        log,
    };
    check(&run, command);
}

#[test]
fn uwsgi_http11_socket_timeout() {
    uwsgi_case(
        "http11-socket, socket-timeout = 2",
        "uwsgi-http11",
        "http11-socket = 127.0.0.1:PORT\nsocket-timeout = 2",
    );
}

#[test]
fn uwsgi_http11_default() {
    uwsgi_case(
        "http11-socket, default socket-timeout",
        "uwsgi-http11",
        "http11-socket = 127.0.0.1:PORT",
    );
}

#[test]
fn uwsgi_http11_underscore_is_ignored() {
    uwsgi_case(
        "http11-socket, socket_timeout = 2 (not uWSGI's name)",
        "uwsgi-http11",
        "http11-socket=127.0.0.1:PORT\nsocket_timeout=2",
    );
}

#[test]
fn uwsgi_http_socket_closes_after_each_response() {
    uwsgi_case(
        "http-socket",
        "uwsgi-http-socket",
        "http-socket = 127.0.0.1:PORT\nsocket-timeout = 30",
    );
}

#[test]
fn uwsgi_http_socket_announcing_close() {
    uwsgi_case(
        "http-socket with add-header = Connection: close",
        "uwsgi-http-socket",
        "http-socket = 127.0.0.1:PORT\nadd-header = Connection: close",
    );
}

#[test]
fn uwsgi_router_without_keepalive() {
    uwsgi_case(
        "http router without http-keepalive",
        "uwsgi-http",
        "plugins = http\nhttp = 127.0.0.1:PORT\nhttp-timeout = 3",
    );
}

#[test]
fn uwsgi_router_keepalive_seconds() {
    uwsgi_case(
        "http router, http-keepalive = 2",
        "uwsgi-http",
        "plugins = http\nhttp = 127.0.0.1:PORT\nhttp-keepalive = 2",
    );
}

#[test]
fn uwsgi_router_keepalive_waits_http_timeout() {
    uwsgi_case(
        "http router, http-keepalive = 1, http-timeout = 3",
        "uwsgi-http",
        "plugins = http\nhttp = 127.0.0.1:PORT\nhttp-keepalive = 1\nhttp-timeout = 3",
    );
}

// Apache httpd

fn apache_case(case: &str, body: &str) {
    let Some((program, modules)) = apache() else {
        return missing("Apache httpd is not installed (apt-get install apache2-bin)");
    };
    let dir = folder();
    let root = dir.path();
    std::fs::write(root.join("index.html"), "hello\n").expect("write index.html");
    let port = free_port();
    let m = modules.display();
    let dir_module = if modules.join("mod_dir.so").is_file() {
        format!("LoadModule dir_module {m}/mod_dir.so\nDirectoryIndex index.html\n")
    } else {
        String::new()
    };
    let r = root.display();
    let text = format!(
        "# {case}\nServerRoot \"{r}\"\nDefaultRuntimeDir \"{r}\"\nPidFile \"{r}/httpd.pid\"\nErrorLog \"{r}/error.log\"\nListen 127.0.0.1:{port}\nServerName localhost\nLoadModule mpm_event_module {m}/mod_mpm_event.so\nLoadModule authz_core_module {m}/mod_authz_core.so\n{dir_module}DocumentRoot \"{r}\"\n<Directory \"{r}\">\n    Require all granted\n</Directory>\n{body}"
    );
    let conf = root.join("httpd.conf");
    std::fs::write(&conf, &text).expect("write httpd.conf");
    let mut command = Command::new(program);
    command
        .arg("-D")
        .arg("FOREGROUND")
        .arg("-f")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let run = Run {
        case,
        kind: "apache",
        shows: "apache",
        file: "httpd.conf",
        text: &text,
        port,
        log: root.join("error.log"),
    };
    check(&run, command);
}

#[test]
fn apache_keepalivetimeout_seconds() {
    apache_case("KeepAliveTimeout 2", "KeepAlive On\nKeepAliveTimeout 2\n");
}

#[test]
fn apache_keepalivetimeout_milliseconds() {
    apache_case("KeepAliveTimeout 1500ms", "KeepAliveTimeout 1500ms\n");
}

#[test]
fn apache_default() {
    apache_case("KeepAliveTimeout not set", "KeepAlive On\n");
}

#[test]
fn apache_keepalive_off() {
    apache_case("KeepAlive Off", "KeepAlive Off\nKeepAliveTimeout 30\n");
}

#[test]
fn apache_virtual_host_overrides() {
    apache_case(
        "KeepAliveTimeout 4, 2 in the virtual host",
        "KeepAliveTimeout 4\n<VirtualHost *:*>\n    ServerName localhost\n    KeepAliveTimeout 2\n</VirtualHost>\n",
    );
}
