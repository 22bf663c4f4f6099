//! Acceptance test against real nginx: `ngxfix fix` never changes the
//! request headers nginx sends upstream, other than `Connection`.
//!
//! `proxy_set_header` is inherited all-or-nothing (research notes §3): a
//! level with any `proxy_set_header` inherits none from above, so a fix that
//! puts `Connection ""` at the wrong level silently drops `Host`,
//! `X-Forwarded-For`, ... This test does not trust a reading of the rules or
//! of nginx: it runs nginx on a matrix of configurations, records what an
//! echo backend receives for each request, runs `ngxfix fix`, runs nginx
//! again on the fixed files and compares. It asserts invariants rather than
//! an exact diff, so that rules added later keep it meaningful.
//!
//! Runs where nginx is installed; everything listens on 127.0.0.1 only, and
//! every wait is bounded.

use crate::common;

use ngxfix::model::Version;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Every socket gets this read and write timeout: a hung nginx or backend
/// fails the test instead of blocking it.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// Headers every probe sends, so that passing client headers through is
/// part of what is compared.
const CLIENT_HEADERS: [(&str, &str); 4] = [
    ("User-Agent", "test"),
    ("X-Client", "t"),
    ("Cookie", "c=1"),
    ("Accept", "*/*"),
];

// ---------------------------------------------------------------------------
// What the backend received

/// A request as the backend received it: the request line and the raw
/// header lines, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Received {
    line: String,
    headers: Vec<String>,
}

impl Received {
    /// The echo body: the request line, then each header line, each ended
    /// by CRLF.
    fn render(&self) -> String {
        std::iter::once(&self.line)
            .chain(&self.headers)
            .map(|line| format!("{line}\r\n"))
            .collect()
    }

    /// Read back what `render` wrote.
    fn parse(echo: &str) -> Option<Self> {
        let mut lines = echo.split("\r\n");
        let line = lines.next().filter(|l| !l.is_empty())?.to_string();
        let headers = lines
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        Some(Self { line, headers })
    }

    /// Header fields as (lowercase name, value exactly as sent).
    fn fields(&self) -> impl Iterator<Item = (String, &str)> {
        self.headers.iter().map(|header| {
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            (name.trim().to_ascii_lowercase(), value.trim_start())
        })
    }

    fn values(&self, name: &str) -> Vec<&str> {
        self.fields()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v)
            .collect()
    }

    /// The `Connection` header's values, joined; `None` when not sent.
    fn connection(&self) -> Option<String> {
        let values = self.values("connection");
        (!values.is_empty()).then(|| values.join(", "))
    }

    fn says_close(&self) -> bool {
        self.connection()
            .is_some_and(|c| c.to_ascii_lowercase().contains("close"))
    }

    /// Every header but `Connection`, sorted: a multiset that ignores order
    /// and the case of names but not duplicates or values.
    fn others(&self) -> Vec<(String, String)> {
        let mut fields: Vec<(String, String)> = self
            .fields()
            .filter(|(name, _)| name != "connection")
            .map(|(name, value)| (name, value.to_string()))
            .collect();
        fields.sort();
        fields
    }

    /// `HTTP/1.0` or `HTTP/1.1`: the last word of the request line.
    fn version(&self) -> &str {
        self.line.rsplit(' ').next().unwrap_or_default()
    }

    /// The request line without its version: method and URI.
    fn target(&self) -> &str {
        self.line.rsplit_once(' ').map_or(&self.line, |(t, _)| t)
    }

    fn content_length(&self) -> usize {
        self.values("content-length")
            .first()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------
// The echo backend

/// Start the echo backend on a free port of 127.0.0.1 and return the port.
/// Each request is answered `200 OK` with a body holding the request line
/// and header lines it came with. Connections are kept alive, as behind a
/// pooled upstream, until a request says `Connection: close`, the peer
/// closes or a read times out. The accepting thread lives as long as the
/// test binary.
fn start_echo_backend() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the echo backend");
    let port = listener
        .local_addr()
        .expect("the echo backend's address")
        .port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve(stream));
        }
    });
    port
}

/// Answer the requests of one connection until it should close.
fn serve(stream: TcpStream) {
    let timeouts = stream
        .set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)));
    let Ok(read_half) = timeouts.and_then(|()| stream.try_clone()) else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        let body = request.render();
        let close = request.says_close();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n",
            body.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        let written = writer
            .write_all(head.as_bytes())
            .and_then(|()| writer.write_all(body.as_bytes()));
        if written.is_err() || close {
            return;
        }
    }
}

/// One HTTP/1.x request: header lines up to the empty line, then a
/// `Content-Length` body (read and dropped). `None` at EOF or on a timeout.
fn read_request(reader: &mut impl BufRead) -> Option<Received> {
    let line = read_line(reader)?;
    let mut headers = Vec::new();
    loop {
        let header = read_line(reader)?;
        if header.is_empty() {
            break;
        }
        headers.push(header);
    }
    let request = Received { line, headers };
    let mut body = vec![0; request.content_length()];
    reader.read_exact(&mut body).ok()?;
    Some(request)
}

fn read_line(reader: &mut impl BufRead) -> Option<String> {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

// ---------------------------------------------------------------------------
// Probes: the requests sent to nginx

/// What a probe's location promises, which decides what is asserted beyond
/// the invariant every probe has (headers other than `Connection` kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Reaches the `keepalive` upstream: after the fix no `Connection:
    /// close` and HTTP/1.1.
    Pooled,
    /// Reaches an upstream without a pool, at a level no fix of a pooled
    /// location touches: the request must not change at all.
    Control,
    /// Reaches an upstream without a pool but shares its headers' level
    /// with a pooled location, so that location's fix may reach it.
    Shared,
}

/// One request to nginx, over a fresh connection.
#[derive(Debug, Clone, Copy)]
struct Probe {
    /// The configuration case, for the table.
    case: &'static str,
    host: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
    role: Role,
    /// `Connection: close` before the fix and no `Connection` after: the
    /// proof the test sees a fix at all.
    cleared: bool,
}

impl Probe {
    const fn new(case: &'static str, host: &'static str, path: &'static str, role: Role) -> Self {
        Self {
            case,
            host,
            path,
            headers: &[],
            body: None,
            role,
            cleared: false,
        }
    }

    const fn cleared(self) -> Self {
        Self {
            cleared: true,
            ..self
        }
    }

    const fn with_headers(self, headers: &'static [(&'static str, &'static str)]) -> Self {
        Self { headers, ..self }
    }

    const fn with_body(self, body: &'static str) -> Self {
        Self {
            body: Some(body),
            ..self
        }
    }

    fn method(&self) -> &'static str {
        if self.body.is_some() {
            "POST"
        } else {
            "GET"
        }
    }

    /// The request as HTTP/1.1 text, closing the connection after it.
    fn request(&self) -> String {
        let mut text = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\n",
            self.method(),
            self.path,
            self.host
        );
        for (name, value) in CLIENT_HEADERS.iter().chain(self.headers) {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = self.body {
            text.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        text.push_str("Connection: close\r\n\r\n");
        text.push_str(self.body.unwrap_or_default());
        text
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}{}", self.method(), self.host, self.path)?;
        for (name, _) in self.headers {
            write!(f, " +{name}")?;
        }
        Ok(())
    }
}

/// Send the probe to nginx and return what the backend received, read from
/// the echo in the response body.
fn fetch(port: u16, probe: &Probe) -> Received {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&address, IO_TIMEOUT)
        .unwrap_or_else(|e| panic!("{probe}: cannot connect to nginx: {e}"));
    stream
        .set_read_timeout(Some(IO_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(IO_TIMEOUT)))
        .expect("client socket timeouts");
    stream
        .write_all(probe.request().as_bytes())
        .unwrap_or_else(|e| panic!("{probe}: cannot send the request: {e}"));
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .unwrap_or_else(|e| panic!("{probe}: cannot read the response: {e}"));
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{probe}: incomplete response:\n{response}"));
    assert!(
        head.starts_with("HTTP/1.1 200 "),
        "{probe}: nginx answered\n{response}"
    );
    Received::parse(body).unwrap_or_else(|| panic!("{probe}: not an echo:\n{response}"))
}

// ---------------------------------------------------------------------------
// nginx

/// A running nginx (`master_process off`, so one process), killed and
/// reaped when dropped so that a failing assertion never leaves it behind.
struct RunningNginx {
    child: Child,
}

impl Drop for RunningNginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx on the tree in `dir` (its main file the first of the tree),
/// with its prefix and error log there too.
fn nginx_command(dir: &Path, main: &str) -> Command {
    let mut command = Command::new("nginx");
    command
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join(main))
        .arg("-e")
        .arg(dir.join("error.log"));
    command
}

fn error_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
}

/// `nginx -t` accepts the tree.
fn assert_nginx_accepts(dir: &Path, main: &str, when: &str) {
    let output = nginx_command(dir, main)
        .arg("-t")
        .output()
        .expect("nginx -t runs");
    assert!(
        output.status.success(),
        "nginx -t rejects the tree {when}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The version of the installed nginx (`nginx -v`), such as `1.22.1`.
fn installed_version() -> Version {
    let output = Command::new("nginx")
        .arg("-v")
        .output()
        .expect("nginx -v runs");
    let text = String::from_utf8_lossy(&output.stderr);
    Version::from_nginx_v(&text)
        .unwrap_or_else(|| panic!("no version in `nginx -v` output: {text}"))
}

fn nginx_version() -> String {
    installed_version().to_string()
}

/// Whether the installed nginx sends `Connection: close` upstream by
/// default, the behaviour these tests watch being fixed. From 1.29.7 the
/// default header is empty and there is nothing to clear.
fn nginx_sends_connection_close() -> bool {
    if !common::nginx_available() {
        return false;
    }
    let version = installed_version();
    let before = version < Version::new(1, 29, 7);
    if !before {
        eprintln!("nginx {version} sends no Connection header by default: skipped");
    }
    before
}

/// Start nginx and wait (at most 100 × 50 ms) until it accepts connections.
fn start_nginx(dir: &Path, main: &str, port: u16) -> RunningNginx {
    let child = nginx_command(dir, main)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx starts");
    let mut nginx = RunningNginx { child };
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    for _ in 0..100 {
        if let Some(status) = nginx.child.try_wait().expect("nginx can be polled") {
            panic!(
                "nginx exited ({status}) before accepting connections:\n{}",
                error_log(dir)
            );
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return nginx;
        }
        thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "nginx does not accept connections on port {port}:\n{}",
        error_log(dir)
    );
}

/// A port of 127.0.0.1 free a moment ago, for nginx to listen on.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Run nginx on the tree, send every probe, stop nginx.
fn record(dir: &Path, main: &str, port: u16, probes: &[Probe]) -> Vec<Received> {
    let nginx = start_nginx(dir, main, port);
    let received = probes.iter().map(|probe| fetch(port, probe)).collect();
    drop(nginx);
    received
}

// ---------------------------------------------------------------------------
// Configuration trees

/// The main context and the runtime part of http{}: everything inside the
/// tempdir, so that nginx runs there as any user, in the foreground, as one
/// process. `{DIR}`, `{LISTEN}` and `{BACKEND}` are filled in when the tree
/// is written.
const MAIN_HEAD: &str = "\
daemon off;
master_process off;
pid {DIR}/nginx.pid;
error_log {DIR}/error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path {DIR}/client_body;
    proxy_temp_path {DIR}/proxy;
    fastcgi_temp_path {DIR}/fastcgi;
    uwsgi_temp_path {DIR}/uwsgi;
    scgi_temp_path {DIR}/scgi;
    proxy_connect_timeout 2s;
    proxy_send_timeout 5s;
    proxy_read_timeout 5s;
";

/// The upstreams every tree proxies to.
const UPSTREAMS: &str = "
    upstream pooled { server 127.0.0.1:{BACKEND}; keepalive 8; }
    upstream plain { server 127.0.0.1:{BACKEND}; }
";

/// nginx.conf: the runtime head, then `http` (the rest of http{}).
fn main_conf(http: &str) -> String {
    [MAIN_HEAD, UPSTREAMS, http, "}\n"].concat()
}

/// Headers at every level an http{} can have them at, from included files
/// too; explicit `Connection` values; `if` blocks.
fn tree_with_http_headers() -> Vec<(&'static str, String)> {
    let http = r#"
    # http level: a proxy_params-style include, then lines of its own.
    include proxy_params;
    proxy_set_header X-Level http;
    proxy_set_header X-Empty "";

    # The WebSocket map of the nginx documentation.
    map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      close;
    }

    # Headers from http{} only.
    server {
        listen 127.0.0.1:{LISTEN};
        server_name http.test;
        location /a { proxy_pass http://pooled; }
        location /a-shared { proxy_pass http://plain; }
    }

    # The server's headers hide http's; locations with their own; nested
    # locations; the controls.
    server {
        listen 127.0.0.1:{LISTEN};
        server_name server.test;
        proxy_set_header Host $host;
        proxy_set_header X-Level server;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;

        location /b/ { proxy_pass http://pooled; }
        location /b/loc/ {
            proxy_pass http://pooled;
            proxy_set_header X-Level location;
            proxy_set_header X-Scheme $scheme;
            proxy_set_header X-Dup one;
            proxy_set_header X-Dup two;
        }
        location /b/outer/ {
            proxy_set_header X-Level outer;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_pass http://pooled;
            location /b/outer/inner/ { proxy_pass http://pooled; }
            location /b/outer/own/ {
                proxy_pass http://pooled;
                proxy_set_header X-Level inner;
            }
        }
        location /b/plain {
            proxy_pass http://plain;
            proxy_set_header Host $host;
            proxy_set_header X-Control plain;
        }
        location /b/implicit {
            proxy_pass http://127.0.0.1:{BACKEND};
            proxy_set_header X-Control implicit;
        }
    }

    # Headers from files included in a server and in a location.
    server {
        listen 127.0.0.1:{LISTEN};
        server_name include.test;
        include server_params;
        location /d { proxy_pass http://pooled; }
        location /d/loc {
            include location_params;
            proxy_pass http://pooled;
        }
    }

    # Connection set explicitly: to close among other headers, and from the
    # WebSocket map.
    server {
        listen 127.0.0.1:{LISTEN};
        server_name connection.test;
        location /e {
            proxy_pass http://pooled;
            proxy_set_header Host $host;
            proxy_set_header Connection close;
            proxy_set_header X-After-Connection yes;
        }
        location /ws {
            proxy_pass http://pooled;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
        }
    }

    # proxy_pass inside `if`. HTTP/1.1 is inherited from the server, so that
    # only the headers' fix is at work here; where proxy_http_version has
    # to be added for an `if` is proxy_pass_inside_if_without_inherited_values.
    server {
        listen 127.0.0.1:{LISTEN};
        server_name if.test;
        proxy_http_version 1.1;
        location /c {
            proxy_pass http://pooled;
            if ($arg_x) {
                proxy_pass http://pooled;
            }
        }
        location /c/own {
            proxy_set_header Host $host;
            proxy_set_header X-Branch $branch;
            proxy_pass http://plain;
            if ($arg_x) {
                set $branch if;
                proxy_pass http://pooled;
            }
        }
    }
"#;
    vec![
        ("nginx.conf", main_conf(http)),
        (
            "proxy_params",
            "proxy_set_header Host $http_host;\n\
             proxy_set_header X-Real-IP $remote_addr;\n\
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
             proxy_set_header X-Forwarded-Proto $scheme;\n"
                .to_string(),
        ),
        (
            "server_params",
            "proxy_set_header Host $host;\n\
             proxy_set_header X-Level server-include;\n\
             proxy_set_header X-Forwarded-Proto $scheme;\n"
                .to_string(),
        ),
        (
            "location_params",
            "proxy_set_header X-Level location-include;\n\
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                .to_string(),
        ),
    ]
}

/// The same tree with the inside of http{} in a site file of its own, as
/// sites-enabled files are: the file ngxfix is pointed at, alone. nginx
/// runs it from a main file that is not named nginx.conf, so that ngxfix
/// does not find it and reads the site file as a fragment.
fn fragment_with_http_headers() -> Vec<(&'static str, String)> {
    let mut tree = tree_with_http_headers();
    let http = tree[0].1.clone();
    let inside = http
        .strip_prefix(MAIN_HEAD)
        .and_then(|rest| rest.strip_suffix("}\n"))
        .expect("the main file is MAIN_HEAD + http + }");
    tree[0] = (
        "run.conf",
        format!("{MAIN_HEAD}    include {{DIR}}/site.conf;\n}}\n"),
    );
    tree.push(("site.conf", inside.to_string()));
    tree
}

const UPGRADE: &[(&str, &str)] = &[("Upgrade", "websocket")];

fn probes_with_http_headers() -> Vec<Probe> {
    use Role::*;
    vec![
        Probe::new("http only (include + own)", "http.test", "/a", Pooled).cleared(),
        Probe::new("http only, POST body", "http.test", "/a", Pooled).with_body("hello"),
        Probe::new("http only, no pool", "http.test", "/a-shared", Shared),
        Probe::new("http + server", "server.test", "/b/", Pooled).cleared(),
        Probe::new("server + location, dup", "server.test", "/b/loc/", Pooled).cleared(),
        Probe::new("outer location", "server.test", "/b/outer/", Pooled).cleared(),
        Probe::new(
            "nested, inherits outer",
            "server.test",
            "/b/outer/inner/",
            Pooled,
        )
        .cleared(),
        Probe::new(
            "nested, own headers",
            "server.test",
            "/b/outer/own/",
            Pooled,
        )
        .cleared(),
        Probe::new("control: no keepalive", "server.test", "/b/plain", Control),
        Probe::new("control: implicit", "server.test", "/b/implicit", Control),
        Probe::new("include in server", "include.test", "/d", Pooled).cleared(),
        Probe::new("include in location", "include.test", "/d/loc", Pooled).cleared(),
        Probe::new("Connection close", "connection.test", "/e", Pooled).cleared(),
        Probe::new("WebSocket map", "connection.test", "/ws", Pooled).cleared(),
        Probe::new("WebSocket map, Upgrade", "connection.test", "/ws", Pooled)
            .with_headers(UPGRADE),
        Probe::new("if not taken", "if.test", "/c", Pooled).cleared(),
        Probe::new("if taken", "if.test", "/c?x=1", Pooled).cleared(),
        Probe::new("if not taken, no pool", "if.test", "/c/own", Shared),
        Probe::new("if taken, set", "if.test", "/c/own?x=1", Pooled).cleared(),
    ]
}

/// No `proxy_set_header` in http{}: locations with no headers anywhere,
/// headers at location level only and at server level only.
fn tree_without_http_headers() -> Vec<(&'static str, String)> {
    let http = r#"
    server {
        listen 127.0.0.1:{LISTEN};
        server_name bare.test;
        location /f { proxy_pass http://pooled; }
        location /g {
            proxy_pass http://pooled;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Empty "";
        }
        location /f-plain { proxy_pass http://plain; }
        location /f-implicit { proxy_pass http://127.0.0.1:{BACKEND}; }
    }

    server {
        listen 127.0.0.1:{LISTEN};
        server_name server-only.test;
        proxy_set_header Host $host;
        proxy_set_header X-Level server;
        location /h { proxy_pass http://pooled; }
        location /h-shared { proxy_pass http://plain; }
    }
"#;
    vec![("nginx.conf", main_conf(http))]
}

fn probes_without_http_headers() -> Vec<Probe> {
    use Role::*;
    vec![
        Probe::new("no headers anywhere", "bare.test", "/f", Pooled).cleared(),
        Probe::new("location only, empty", "bare.test", "/g", Pooled).cleared(),
        Probe::new("control: no keepalive", "bare.test", "/f-plain", Control),
        Probe::new("control: implicit", "bare.test", "/f-implicit", Control),
        Probe::new("server only", "server-only.test", "/h", Pooled).cleared(),
        Probe::new(
            "server only, no pool",
            "server-only.test",
            "/h-shared",
            Shared,
        ),
    ]
}

/// `proxy_pass` inside `if` without `proxy_http_version 1.1` from an
/// enclosing level; headers nowhere, in the location, or in the server.
fn tree_with_bare_if() -> Vec<(&'static str, String)> {
    let http = r#"
    server {
        listen 127.0.0.1:{LISTEN};
        server_name if.test;
        location /i {
            proxy_pass http://pooled;
            if ($arg_x) {
                set $branch if;
                proxy_pass http://pooled;
            }
        }
        location /j {
            proxy_set_header Host $host;
            proxy_set_header X-Branch $branch;
            proxy_pass http://pooled;
            if ($arg_x) {
                set $branch if;
                proxy_pass http://pooled;
            }
        }
    }

    server {
        listen 127.0.0.1:{LISTEN};
        server_name if-server.test;
        proxy_set_header Host $host;
        proxy_set_header X-Branch $branch;
        location /k {
            proxy_pass http://plain;
            if ($arg_x) {
                set $branch if;
                proxy_pass http://pooled;
            }
        }
    }
"#;
    vec![("nginx.conf", main_conf(http))]
}

fn probes_with_bare_if() -> Vec<Probe> {
    use Role::*;
    vec![
        Probe::new("if not taken, no headers", "if.test", "/i", Pooled).cleared(),
        Probe::new("if taken, no headers", "if.test", "/i?x=1", Pooled).cleared(),
        Probe::new("if not taken, headers", "if.test", "/j", Pooled).cleared(),
        Probe::new("if taken, headers", "if.test", "/j?x=1", Pooled).cleared(),
        Probe::new("if not taken, inherits", "if-server.test", "/k", Shared),
        Probe::new("if taken, inherits", "if-server.test", "/k?x=1", Pooled).cleared(),
    ]
}

/// Write the tree into `dir` with its placeholders filled in.
fn write_tree(dir: &Path, tree: &[(&str, String)], listen: u16, backend: u16) {
    for (name, text) in tree {
        let text = text
            .replace("{DIR}", &dir.display().to_string())
            .replace("{LISTEN}", &listen.to_string())
            .replace("{BACKEND}", &backend.to_string());
        std::fs::write(dir.join(name), text).expect("write a file of the tree");
    }
}

/// The texts of the tree's files, by path.
fn snapshot(dir: &Path, tree: &[(&str, String)]) -> BTreeMap<PathBuf, String> {
    tree.iter()
        .map(|(name, _)| {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).expect("read a file of the tree");
            (path, text)
        })
        .collect()
}

/// Print a unified diff of each file `fix` changed; return how many.
fn print_changes(before: &BTreeMap<PathBuf, String>, after: &BTreeMap<PathBuf, String>) -> usize {
    let mut changed = 0;
    for (path, old) in before {
        let new = &after[path];
        if old != new {
            changed += 1;
            let name = path.display().to_string();
            print!(
                "{}",
                similar::TextDiff::from_lines(old, new)
                    .unified_diff()
                    .context_radius(2)
                    .header(&name, &name)
            );
        }
    }
    changed
}

// ---------------------------------------------------------------------------
// ngxfix

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `ngxfix fix` on the tree for the installed nginx's version. Exit 0
/// (nothing left) or 1 (findings left, e.g. unsafe fixes held back); 2 is
/// an error.
fn run_fix(dir: &Path, target: &str) {
    let conf = dir.join(target);
    let conf = conf.to_str().expect("a UTF-8 tempdir path");
    let version = nginx_version();
    let output = common::run(
        &[
            &["fix", "--nginx-version", &version][..],
            &DECLARED,
            &[conf],
        ]
        .concat(),
        None,
        Some(dir),
    );
    println!(
        "ngxfix fix --nginx-version {version}: {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "ngxfix fix failed ({}):\n{}",
        output.status,
        text(&output.stderr)
    );
}

/// The backends of both upstreams, declared: the fixes that turn pooling on
/// are only safe (and applied by a plain `fix`) with the backend's idle
/// timeout known. The echo backend never closes an idle connection before
/// nginx does; this test is about the headers nginx sends.
const DECLARED: [&str; 4] = ["--backend", "pooled=1h", "--backend", "plain=1h"];

/// The rules that touch request headers.
const HEADER_RULES: &str = "proxy-connection-close,proxy-http-version,websocket-map-close";

/// On the fixed tree, the header rules have nothing left to change:
/// `fix --dry-run` limited to them prints no diff and exits 0 (with
/// `--dry-run`, 1 means there are changes to show). With every rule, no
/// diff line may touch a header directive.
fn assert_settled(dir: &Path, target: &str) {
    let conf = dir.join(target);
    let conf = conf.to_str().expect("a UTF-8 tempdir path");
    let version = nginx_version();
    let base = [
        &["fix", "--dry-run", "--nginx-version", &version][..],
        &DECLARED,
        &[conf],
    ]
    .concat();

    let selected = [&base[..], &["--select", HEADER_RULES]].concat();
    let output = common::run(&selected, None, Some(dir));
    assert!(
        output.status.code() == Some(0) && output.stdout.is_empty(),
        "the header rules still change the fixed tree ({}):\n{}{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );

    let output = common::run(&base, None, Some(dir));
    let diff = text(&output.stdout);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "ngxfix fix --dry-run failed ({}):\n{}",
        output.status,
        text(&output.stderr)
    );
    let header_lines: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with(['+', '-']) && !l.starts_with("+++") && !l.starts_with("---"))
        .filter(|l| l.contains("proxy_set_header") || l.contains("proxy_http_version"))
        .collect();
    assert!(
        header_lines.is_empty(),
        "a second fix would change header directives again:\n{diff}"
    );
}

// ---------------------------------------------------------------------------
// The procedure and its assertions

/// One probe, before and after the fix.
struct Row {
    probe: Probe,
    before: Received,
    after: Received,
}

/// Write the tree, record every probe through nginx (the tree's first file
/// is nginx's main file), fix the tree by pointing ngxfix at `target`,
/// check it changed and still passes `nginx -t`, record again.
fn fix_and_record(tree: &[(&str, String)], target: &str, probes: &[Probe]) -> Vec<Row> {
    let dir = tempfile::tempdir().expect("a tempdir");
    let dir = dir.path();
    let main = tree[0].0;
    let backend = start_echo_backend();
    let listen = free_port();
    write_tree(dir, tree, listen, backend);
    let original = snapshot(dir, tree);

    assert_nginx_accepts(dir, main, "as written");
    let before = record(dir, main, listen, probes);

    run_fix(dir, target);
    let fixed = snapshot(dir, tree);
    assert!(
        print_changes(&original, &fixed) > 0,
        "ngxfix fix changed no file"
    );
    assert_nginx_accepts(dir, main, "after ngxfix fix");
    let after = record(dir, main, listen, probes);
    assert_settled(dir, target);

    probes
        .iter()
        .zip(before.into_iter().zip(after))
        .map(|(probe, (before, after))| Row {
            probe: *probe,
            before,
            after,
        })
        .collect()
}

/// The table `--show-output` shows: each probe's `Connection` header and
/// HTTP version, before → after.
fn print_table(rows: &[Row]) {
    let connection = |r: &Received| r.connection().unwrap_or_else(|| "-".to_string());
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|row| {
            [
                row.probe.case.to_string(),
                row.probe.to_string(),
                format!("{:?}", row.probe.role),
                format!("{} → {}", connection(&row.before), connection(&row.after)),
                format!("{} → {}", row.before.version(), row.after.version()),
            ]
        })
        .collect();
    let titles = ["case", "request", "role", "Connection", "version"];
    let mut widths = titles.map(|t| t.chars().count());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("| {} |", padded.join(" | "));
    };
    line(&titles.map(str::to_string));
    for row in &cells {
        line(row);
    }
}

/// The invariant for every probe, and what each role promises.
fn assert_rows(rows: &[Row]) {
    assert!(
        rows.iter().any(|r| r.probe.cleared),
        "the matrix has no probe that proves a fix was seen"
    );
    for Row {
        probe,
        before,
        after,
    } in rows
    {
        let both = format!("before:\n{}after:\n{}", before.render(), after.render());
        assert_eq!(
            before.target(),
            after.target(),
            "{probe}: the request line changed\n{both}"
        );
        assert_eq!(
            before.others(),
            after.others(),
            "{probe}: headers other than Connection changed\n{both}"
        );
        match probe.role {
            Role::Control => {
                assert_eq!(before, after, "{probe}: a control changed\n{both}");
            }
            Role::Pooled => {
                assert!(
                    !after.says_close(),
                    "{probe}: the pooled upstream still gets Connection: close\n{both}"
                );
                assert_eq!(
                    after.version(),
                    "HTTP/1.1",
                    "{probe}: the pooled upstream is not spoken to in HTTP/1.1\n{both}"
                );
            }
            Role::Shared => {}
        }
        if probe.cleared {
            assert_eq!(
                (before.connection().as_deref(), after.connection()),
                (Some("close"), None),
                "{probe}: expected Connection: close before the fix and none after\n{both}"
            );
        }
    }
}

fn check(tree: &[(&str, String)], target: &str, probes: &[Probe]) {
    let started = Instant::now();
    let rows = fix_and_record(tree, target, probes);
    print_table(&rows);
    println!("({:.1?})", started.elapsed());
    assert_rows(&rows);
}

#[test]
fn fix_keeps_upstream_headers_with_http_level_headers() {
    if !nginx_sends_connection_close() {
        return;
    }
    check(
        &tree_with_http_headers(),
        "nginx.conf",
        &probes_with_http_headers(),
    );
}

/// The site file alone: read as the inside of http{}, its top-level
/// headers are http's, and no fix drops one.
#[test]
fn fix_keeps_upstream_headers_in_a_site_file_checked_alone() {
    if !nginx_sends_connection_close() {
        return;
    }
    check(
        &fragment_with_http_headers(),
        "site.conf",
        &probes_with_http_headers(),
    );
}

#[test]
fn fix_keeps_upstream_headers_without_http_level_headers() {
    if !nginx_sends_connection_close() {
        return;
    }
    check(
        &tree_without_http_headers(),
        "nginx.conf",
        &probes_without_http_headers(),
    );
}

/// `proxy_http_version` and `proxy_set_header` are not allowed in `if`, so
/// a fix for a `proxy_pass` inside one must go to the enclosing location.
#[test]
fn proxy_pass_inside_if_without_inherited_values() {
    if !nginx_sends_connection_close() {
        return;
    }
    check(&tree_with_bare_if(), "nginx.conf", &probes_with_bare_if());
}
