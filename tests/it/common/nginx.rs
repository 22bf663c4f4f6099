//! A real nginx for end-to-end tests: its own prefix directory (the
//! configuration, pid file, logs and temp directories all inside it), one
//! worker, listening on 127.0.0.1 only; reloaded like in production and
//! stopped, with its workers, when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::idle::Server;

/// How long nginx may take to start, or to replace its worker on reload.
const STARTUP: Duration = Duration::from_secs(15);

/// A running nginx (master in the foreground, `daemon off`).
pub struct Nginx {
    dir: PathBuf,
    port: u16,
    // Declared last: dropped (killed with its workers) after the fields above.
    _server: Server,
}

/// Positions in the error and access logs, to read what a phase added.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogMark {
    error: usize,
    access: usize,
}

impl Nginx {
    /// Start nginx on `dir/nginx.conf` with `dir` as its prefix; the
    /// configuration must listen on 127.0.0.1:`port` and name `dir`'s pid
    /// file and logs (see [`Nginx::preamble`]).
    pub fn start(dir: &Path, port: u16) -> Result<Self, String> {
        let server = Server::start(Self::command(dir), port, STARTUP)
            .map_err(|e| format!("{e}\n{}", read(&dir.join("error.log"))))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            port,
            _server: server,
        })
    }

    /// The main-context lines every test configuration starts with: the
    /// foreground master, one worker (one keepalive cache per upstream),
    /// and the pid file and logs in `dir`. The access log records each
    /// request's `$upstream_status` ("502, 200": a retried attempt).
    pub fn preamble(dir: &Path) -> String {
        let d = dir.display();
        format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{\n    worker_connections 1024;\n}}\n",
        )
    }

    /// The http{} lines for the access log [`Nginx::preamble`] describes.
    pub fn access_log(dir: &Path) -> String {
        format!(
            "    log_format e2e '$request_method $uri $status \"$upstream_status\"';\n    access_log {}/access.log e2e;\n",
            dir.display()
        )
    }

    fn command(dir: &Path) -> Command {
        let mut command = Command::new("nginx");
        command
            .arg("-p")
            .arg(format!("{}/", dir.display()))
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// The port nginx listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `nginx -s reload`, then wait until the old worker has exited and a
    /// new one runs: from then on every request sees the new configuration.
    pub fn reload(&self) -> Result<(), String> {
        let master = self.master()?;
        let old = children(master);
        let output = Self::command(&self.dir)
            .args(["-s", "reload"])
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("nginx -s reload: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "nginx -s reload failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let deadline = Instant::now() + STARTUP;
        while Instant::now() < deadline {
            let now = children(master);
            if !now.is_empty() && now.iter().all(|pid| !old.contains(pid)) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "nginx did not replace its worker {old:?} within {STARTUP:?}:\n{}",
            self.error_log()
        ))
    }

    fn master(&self) -> Result<i32, String> {
        let text = read(&self.dir.join("nginx.pid"));
        text.trim()
            .parse()
            .map_err(|_| format!("no pid in {}/nginx.pid: {text:?}", self.dir.display()))
    }

    /// The whole error log.
    pub fn error_log(&self) -> String {
        read(&self.dir.join("error.log"))
    }

    /// The whole access log.
    pub fn access_log_text(&self) -> String {
        read(&self.dir.join("access.log"))
    }

    /// Where the logs end now.
    pub fn mark(&self) -> LogMark {
        LogMark {
            error: self.error_log().len(),
            access: self.access_log_text().len(),
        }
    }

    /// What the error and access logs gained since `mark`.
    pub fn since(&self, mark: LogMark) -> (String, String) {
        let tail = |text: String, from: usize| text.get(from..).unwrap_or_default().to_string();
        (
            tail(self.error_log(), mark.error),
            tail(self.access_log_text(), mark.access),
        )
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The processes whose parent is `pid` (nginx's workers), from /proc.
fn children(pid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let child: i32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            let ppid: i32 = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            (ppid == pid).then_some(child)
        })
        .collect()
}
