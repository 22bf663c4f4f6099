//! Whether the app servers a test starts are here: a missing one skips the
//! test, unless `NGXFIX_REQUIRE_BACKENDS=1` (set by `.ci/run`, which
//! installs them all) makes it a failure.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::idle::Server;

/// Whether a missing server is a failure rather than a skip.
pub fn required() -> bool {
    std::env::var_os("NGXFIX_REQUIRE_BACKENDS").is_some_and(|v| v == "1")
}

/// Skip (or fail under NGXFIX_REQUIRE_BACKENDS=1) when a server is missing.
pub fn missing(what: &str) {
    assert!(!required(), "NGXFIX_REQUIRE_BACKENDS=1 but {what}");
    eprintln!("skipped: {what}");
}

/// Whether `program args` runs and succeeds.
pub fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `python3` can import `module`; says why not.
pub fn python_has(module: &str) -> bool {
    let ok = runs("python3", &["-c", &format!("import {module}")]);
    if !ok {
        missing(&format!(
            "python3 cannot import {module} (python3 -m pip install -r .ci/python-servers.txt)"
        ));
    }
    ok
}

/// A WSGI app answering `ok` with its length, for gunicorn and uWSGI.
pub const WSGI_APP: &str = "def app(environ, start_response):
    body = b\"ok\\n\"
    start_response(\"200 OK\", [(\"Content-Type\", \"text/plain\"), (\"Content-Length\", str(len(body)))])
    return [body]
";

/// The same as an ASGI app, for uvicorn, hypercorn and daphne.
pub const ASGI_APP: &str = "async def app(scope, receive, send):
    if scope[\"type\"] != \"http\":
        return
    body = b\"ok\\n\"
    await send({\"type\": \"http.response.start\", \"status\": 200,
                \"headers\": [(b\"content-type\", b\"text/plain\"), (b\"content-length\", str(len(body)).encode())]})
    await send({\"type\": \"http.response.body\", \"body\": body})
";

/// A temporary folder the servers (which may drop to `nobody`) can read.
pub fn folder() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod the temporary folder");
    dir
}

/// Start `program args` in `dir` (output to `dir/LOG`) and wait, at most
/// `startup`, until it listens on `port`; the log in the panic otherwise.
pub fn start<S: AsRef<OsStr>>(
    dir: &Path,
    log: &str,
    program: &str,
    args: &[S],
    port: u16,
    startup: Duration,
) -> Server {
    let log = dir.join(log);
    let file = std::fs::File::create(&log).expect("a log file");
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log handle"))
        .stderr(file);
    Server::start(command, port, startup)
        .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()))
}

/// The Apache binary and the folder of its modules.
pub fn apache() -> Option<(&'static str, PathBuf)> {
    let program = ["apache2", "httpd"]
        .into_iter()
        .find(|p| runs(p, &["-v"]))?;
    let modules = [
        "/usr/lib/apache2/modules",
        "/usr/lib64/httpd/modules",
        "/usr/lib/httpd/modules",
        "/usr/libexec/apache2",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|d| d.join("mod_mpm_event.so").is_file() && d.join("mod_authz_core.so").is_file())?;
    Some((program, modules))
}

/// The running node's major version and keepAliveTimeoutBuffer: the
/// property where it exists (22.19+/24.6+), else the constant in its
/// http server source (20.18+), else none.
pub fn node_facts() -> (u32, Duration) {
    let script = r#"
const http = require('http');
const major = Number(process.versions.node.split('.')[0]);
let buffer = http.createServer().keepAliveTimeoutBuffer;
if (buffer === undefined) {
  try {
    const src = process.binding('natives')._http_server;
    const m = /HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER = (\d+)/.exec(src);
    buffer = m ? Number(m[1]) : 0;
  } catch (e) {
    buffer = 0;
  }
}
console.log(major, buffer);
"#;
    let out = Command::new("node")
        .args(["--no-deprecation", "-e", script])
        .output()
        .expect("node runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text
        .split_whitespace()
        .map(|p| p.parse::<u64>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let buffer = parts.next().unwrap_or(0);
    (
        u32::try_from(major).unwrap_or(0),
        Duration::from_millis(buffer),
    )
}

/// Tomcat's installation: `CATALINA_HOME`, else Debian's.
pub fn catalina_home() -> Option<PathBuf> {
    std::env::var_os("CATALINA_HOME")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/usr/share/tomcat10", "/usr/share/tomcat9"].map(PathBuf::from))
        .find(|home| home.join("bin/catalina.sh").is_file())
}

/// `catalina.sh run` of the installation `home` with the instance `base`
/// (its `conf/server.xml` written), logging to `base/logs/run.log`, with
/// the JVM options that start it fastest.
pub fn catalina_run(home: &Path, base: &Path) -> Command {
    let log = std::fs::File::create(base.join("logs/run.log")).expect("a log file");
    let mut command = Command::new(home.join("bin/catalina.sh"));
    command
        .arg("run")
        .env("CATALINA_HOME", home)
        .env("CATALINA_BASE", base)
        .env("CATALINA_TMPDIR", base.join("temp"))
        .env("JAVA_OPTS", "-XX:TieredStopAtLevel=1 -Xshare:auto")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log);
    command
}
