//! Ground truth for the `php-fpm` kind: a real PHP-FPM serves one pool on
//! 127.0.0.1, a minimal FastCGI client sends one request with
//! `FCGI_KEEP_CONN` (what nginx sends with `fastcgi_keep_conn on`), and the
//! test measures when FPM closes the kept connection afterwards.
//!
//! Install (Debian 12 "bookworm"; about 11 s and 20 MB with unicorn and
//! thin; no service is started under Docker's policy-rc.d):
//!
//! ```sh
//! apt-get install -y --no-install-recommends php-fpm
//! # measured with php8.2-fpm 8.2.36-1~deb12u1
//! ```
//!
//! The binary is `/usr/sbin/php-fpmX.Y` (or set `NGXFIX_PHP_FPM`). Without
//! it the tests say so and pass, unless `NGXFIX_REQUIRE_BACKENDS=1`.
//!
//! What is measured: with Debian's stock pool settings (`pm = dynamic`,
//! 5 children, 2 started, 1–3 spare) FPM never closes a kept connection
//! for idling, as the kinds table says; `pm = ondemand` with a short
//! `pm.process_idle_timeout` does not close it either (the child waits in
//! "Reading headers", not idle); `request_terminate_timeout` does (the
//! master kills the child; it looks at children about once a second, so
//! up to 1.3 s late); `pm.max_requests` closes right after the child's
//! last response. The kind's note says all of this.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::idle::{free_port, wait_for_close, Server};
use ngxfix::backends::{Idle, ServerKind};

/// How long a kept connection must stay open to count as never closed.
const NEVER_LIMIT: Duration = Duration::from_secs(4);

const FCGI_BEGIN_REQUEST: u8 = 1;
const FCGI_END_REQUEST: u8 = 3;
const FCGI_PARAMS: u8 = 4;
const FCGI_STDIN: u8 = 5;
const FCGI_STDOUT: u8 = 6;
const FCGI_RESPONDER: u16 = 1;
const FCGI_KEEP_CONN: u8 = 1;

/// The php-fpm binary, or why the tests are skipped (a failure under
/// `NGXFIX_REQUIRE_BACKENDS=1`).
fn php_fpm() -> Option<PathBuf> {
    let found = std::env::var_os("NGXFIX_PHP_FPM")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/sbin")
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("php-fpm"))
                })
                .collect();
            found.sort();
            found.pop()
        });
    if found.is_none() {
        let why = "php-fpm is not installed (apt-get install php-fpm; or set NGXFIX_PHP_FPM)";
        assert!(
            std::env::var_os("NGXFIX_REQUIRE_BACKENDS").is_none_or(|v| v != "1"),
            "NGXFIX_REQUIRE_BACKENDS=1 but {why}"
        );
        eprintln!("skipped: {why}");
    }
    found
}

/// A running FPM with one pool on 127.0.0.1:`port`, and its folder.
struct Fpm {
    _server: Server,
    dir: tempfile::TempDir,
    port: u16,
}

/// Start FPM with one pool whose process-manager lines are `pool`.
fn start(binary: &PathBuf, pool: &str) -> Fpm {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temporary folder");
    // The pool's children run as nobody when FPM runs as root: they must
    // read the script.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod the temporary folder");
    std::fs::write(dir.path().join("ok.php"), "<?php echo \"ok\\n\";\n").expect("the script");
    let port = free_port();
    // SAFETY: geteuid(2) has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let conf = format!(
        "[global]\nerror_log = {log}\npid = {pid}\ndaemonize = no\n\n[www]\n{user}listen = 127.0.0.1:{port}\n{pool}",
        log = dir.path().join("fpm.log").display(),
        pid = dir.path().join("fpm.pid").display(),
        user = if root { "user = nobody\n" } else { "" },
    );
    std::fs::write(dir.path().join("fpm.conf"), conf).expect("fpm.conf");
    let mut command = Command::new(binary);
    command
        .arg("-n")
        .arg("-F")
        .arg("-y")
        .arg(dir.path().join("fpm.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match Server::start(command, port, Duration::from_secs(20)) {
        Ok(server) => Fpm {
            _server: server,
            dir,
            port,
        },
        Err(e) => panic!(
            "{e}\n{}",
            std::fs::read_to_string(dir.path().join("fpm.log")).unwrap_or_default()
        ),
    }
}

/// A FastCGI record.
fn record(kind: u8, id: u16, content: &[u8]) -> Vec<u8> {
    let len = u16::try_from(content.len()).expect("a record under 64 KiB");
    let mut r = vec![1, kind];
    r.extend_from_slice(&id.to_be_bytes());
    r.extend_from_slice(&len.to_be_bytes());
    r.extend_from_slice(&[0, 0]);
    r.extend_from_slice(content);
    r
}

/// A FastCGI name-value pair (both under 128 bytes).
fn pair(name: &str, value: &str) -> Vec<u8> {
    let mut p = vec![name.len() as u8, value.len() as u8];
    p.extend_from_slice(name.as_bytes());
    p.extend_from_slice(value.as_bytes());
    p
}

/// What happened to the kept connection after the response.
#[derive(Debug)]
enum Kept {
    ClosedAfter(Duration),
    /// Still open when the wait ran out.
    StillOpen,
}

/// Send one GET for `script` with FCGI_KEEP_CONN, read the response to its
/// FCGI_END_REQUEST, then wait (at most `limit`) for FPM to close the
/// connection; the time counts from the end of the response.
fn keep_conn_request(port: u16, script: &str, limit: Duration) -> Result<Kept, String> {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    let mut begin = FCGI_RESPONDER.to_be_bytes().to_vec();
    begin.extend_from_slice(&[FCGI_KEEP_CONN, 0, 0, 0, 0, 0]);
    let params: Vec<u8> = [
        ("SCRIPT_FILENAME", script),
        ("SCRIPT_NAME", "/ok.php"),
        ("REQUEST_URI", "/ok.php"),
        ("REQUEST_METHOD", "GET"),
        ("QUERY_STRING", ""),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("GATEWAY_INTERFACE", "CGI/1.1"),
    ]
    .iter()
    .flat_map(|(n, v)| pair(n, v))
    .collect();
    let mut request = record(FCGI_BEGIN_REQUEST, 1, &begin);
    request.extend(record(FCGI_PARAMS, 1, &params));
    request.extend(record(FCGI_PARAMS, 1, &[]));
    request.extend(record(FCGI_STDIN, 1, &[]));
    stream
        .write_all(&request)
        .map_err(|e| format!("send: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut stdout = Vec::new();
    loop {
        let mut header = [0u8; 8];
        stream
            .read_exact(&mut header)
            .map_err(|e| format!("record header: {e}"))?;
        let len = usize::from(u16::from_be_bytes([header[4], header[5]]));
        let mut content = vec![0u8; len + usize::from(header[6])];
        stream
            .read_exact(&mut content)
            .map_err(|e| format!("record content: {e}"))?;
        match header[1] {
            FCGI_STDOUT => stdout.extend_from_slice(&content[..len]),
            FCGI_END_REQUEST => break,
            _ => {}
        }
    }
    let body = String::from_utf8_lossy(&stdout);
    if !body.ends_with("\r\n\r\nok\n") {
        return Err(format!("unexpected response {body:?}"));
    }
    Ok(match wait_for_close(&mut stream, limit)? {
        Some(after) => Kept::ClosedAfter(after),
        None => Kept::StillOpen,
    })
}

/// One pool, one kept request; returns what happened.
fn measure(binary: &PathBuf, case: &str, pool: &str, limit: Duration) -> Kept {
    let fpm = start(binary, pool);
    let script = fpm.dir.path().join("ok.php");
    let kept =
        keep_conn_request(fpm.port, &script.display().to_string(), limit).unwrap_or_else(|e| {
            panic!(
                "{case}: {e}\n{}",
                std::fs::read_to_string(fpm.dir.path().join("fpm.log")).unwrap_or_default()
            )
        });
    eprintln!("{case:<55} measured {kept:?}");
    kept
}

/// Debian's stock pool (`/etc/php/*/fpm/pool.d/www.conf`).
const STOCK_POOL: &str = "pm = dynamic\npm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n";

#[test]
fn php_fpm_stock_pool_keeps_a_kept_connection_as_the_table_says() {
    let Some(binary) = php_fpm() else {
        return;
    };
    let table = &ServerKind::find("php-fpm").expect("php-fpm is a kind").idle;
    assert_eq!(*table, Idle::Never, "the kinds table");
    let kept = measure(
        &binary,
        "php-fpm stock pool (pm = dynamic)",
        STOCK_POOL,
        NEVER_LIMIT,
    );
    assert!(
        matches!(kept, Kept::StillOpen),
        "the table says {table:?}, FPM did {kept:?}"
    );
}

#[test]
fn php_fpm_ondemand_idle_timeout_leaves_a_kept_connection_open() {
    let Some(binary) = php_fpm() else {
        return;
    };
    let pool = "pm = ondemand\npm.max_children = 5\npm.process_idle_timeout = 1s\n";
    let kept = measure(
        &binary,
        "php-fpm pm = ondemand, process_idle_timeout = 1s",
        pool,
        NEVER_LIMIT,
    );
    assert!(matches!(kept, Kept::StillOpen), "{kept:?}");
}

#[test]
fn php_fpm_request_terminate_timeout_closes_a_kept_connection() {
    let Some(binary) = php_fpm() else {
        return;
    };
    let pool = format!("{STOCK_POOL}request_terminate_timeout = 2s\n");
    let kept = measure(
        &binary,
        "php-fpm request_terminate_timeout = 2s",
        &pool,
        Duration::from_secs(6),
    );
    match kept {
        Kept::ClosedAfter(d)
            if d + Duration::from_millis(250) >= Duration::from_secs(2)
                && d <= Duration::from_millis(3300) => {}
        other => panic!("expected a close 2s to 3.3s after the response, got {other:?}"),
    }
}

#[test]
fn php_fpm_max_requests_closes_after_the_last_response() {
    let Some(binary) = php_fpm() else {
        return;
    };
    let pool = format!("{STOCK_POOL}pm.max_requests = 1\n");
    let kept = measure(
        &binary,
        "php-fpm pm.max_requests = 1",
        &pool,
        Duration::from_secs(3),
    );
    match kept {
        Kept::ClosedAfter(d) if d < Duration::from_millis(500) => {}
        other => panic!("expected a close right after the response, got {other:?}"),
    }
}
