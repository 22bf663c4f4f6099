//! The nginx binary this run talks to, and what it says about itself.
//!
//! One discovery ([`Nginx::installed`]) resolves the binary once per
//! process: `NGXFIX_NGINX` (empty: none), else the first `nginx` on PATH,
//! else /usr/sbin/nginx. Everything learned from an nginx comes from that
//! same binary: its version (`nginx -v`), the default main configuration
//! file and the compiled-in prefix (`nginx -V`), and the `nginx -t` runs of
//! [`crate::verify`]. Each of `-v` and `-V` runs at most once per
//! binary, bounded by [`TIMEOUT`].
//!
//! This is the side of ngxfix that touches the operating system; it knows
//! nothing of rules or the configuration model beyond [`Version`].

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::model::Version;

/// How long one nginx run may take. `nginx -v` and `-t` take milliseconds;
/// a resolver or a certificate on a hung network file system can block
/// `-t`, and a wrapper script anything.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(30);

/// nginx's compiled-in prefix when `--prefix` was not given to configure.
const DEFAULT_PREFIX: &str = "/usr/local/nginx";

/// The main configuration file when no nginx says where its is (Debian's
/// and upstream packages' place).
const DEFAULT_CONF_PATH: &str = "/etc/nginx/nginx.conf";

/// An nginx binary, asked about itself at most once per question.
#[derive(Debug, Clone)]
pub struct Nginx {
    program: PathBuf,
    /// What `nginx -v` printed on standard error, asked once (finding an
    /// nginx and reading its version both need it): `None` when it did
    /// not run or did not succeed.
    printed_version: OnceLock<Option<String>>,
    /// What `nginx -V` printed (its build information), asked once: `None`
    /// when it did not run or did not succeed.
    printed_build: OnceLock<Option<String>>,
}

/// Why [`Nginx::version`] has no version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// `nginx -v` did not start, failed or timed out.
    #[error("{} -v did not succeed", program.display())]
    Failed { program: PathBuf },
    /// `nginx -v` succeeded but printed no version (`printed`, trimmed).
    #[error("{} -v printed \"{printed}\", which names no nginx version", program.display())]
    Unrecognised { program: PathBuf, printed: String },
}

impl Nginx {
    /// The nginx of this run: [`Nginx::find`], once per process. Every
    /// caller (the version, the default configuration file, `nginx -t`)
    /// uses it, so all of them describe the same binary.
    pub fn installed() -> Option<&'static Nginx> {
        static INSTALLED: OnceLock<Option<Nginx>> = OnceLock::new();
        INSTALLED.get_or_init(Nginx::find).as_ref()
    }

    /// The nginx named by `NGXFIX_NGINX` (empty: none), else `nginx` from
    /// PATH, else /usr/sbin/nginx; None when none runs.
    ///
    /// Only the first `nginx` on PATH is tried, as a shell would run it;
    /// /usr/sbin is often missing from the PATH of non-root users, hence the
    /// fallback. `NGXFIX_NGINX` serves builds installed elsewhere
    /// (OpenResty's `/usr/local/openresty/nginx/sbin/nginx`) and checks
    /// made on a machine whose nginx is not the one the configuration runs
    /// on.
    pub fn find() -> Option<Nginx> {
        if let Some(chosen) = std::env::var_os("NGXFIX_NGINX") {
            return (!chosen.is_empty())
                .then(|| Nginx::at(PathBuf::from(chosen)))
                .filter(Nginx::runs);
        }
        let on_path = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("nginx"))
                .find(|candidate| candidate.is_file())
                .map(|candidate| std::path::absolute(&candidate).unwrap_or(candidate))
        });
        on_path
            .into_iter()
            .chain([PathBuf::from("/usr/sbin/nginx")])
            .map(Nginx::at)
            .find(Nginx::runs)
    }

    /// The nginx at `program` (a path, or a name looked up in PATH when run).
    pub fn at(program: PathBuf) -> Nginx {
        Nginx {
            program,
            printed_version: OnceLock::new(),
            printed_build: OnceLock::new(),
        }
    }

    /// The program run.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The version this nginx reports (`nginx -v`); an error says what it
    /// printed instead.
    pub fn version(&self) -> Result<Version, VersionError> {
        let printed = self.printed_version().ok_or_else(|| VersionError::Failed {
            program: self.program.clone(),
        })?;
        Version::from_nginx_v(printed).ok_or_else(|| VersionError::Unrecognised {
            program: self.program.clone(),
            printed: printed.trim().to_string(),
        })
    }

    /// The main configuration file this nginx was built to read
    /// (`--conf-path=` in `nginx -V`), when it says.
    pub fn conf_path(&self) -> Option<PathBuf> {
        configure_arg(self.printed_build()?, "--conf-path=").map(PathBuf::from)
    }

    /// The compiled-in prefix (`--prefix=` in `nginx -V`, else nginx's
    /// default); `None` when `nginx -V` did not succeed.
    pub fn prefix(&self) -> Option<PathBuf> {
        let build = self.printed_build()?;
        Some(PathBuf::from(
            configure_arg(build, "--prefix=").unwrap_or(DEFAULT_PREFIX),
        ))
    }

    /// Whether `nginx -v` starts and succeeds.
    fn runs(&self) -> bool {
        self.printed_version().is_some()
    }

    /// Standard error of `nginx -v`, when it succeeds.
    fn printed_version(&self) -> Option<&str> {
        self.printed_version
            .get_or_init(|| self.ask("-v"))
            .as_deref()
    }

    /// Standard output and error of `nginx -V`, when it succeeds.
    fn printed_build(&self) -> Option<&str> {
        self.printed_build.get_or_init(|| self.ask("-V")).as_deref()
    }

    /// What `nginx FLAG` prints on standard output and error, when it
    /// succeeds within [`TIMEOUT`]. Into an unnamed temporary file rather
    /// than pipes: no reader threads, and no deadlock on a full pipe.
    fn ask(&self, flag: &str) -> Option<String> {
        let mut file = tempfile::tempfile().ok()?;
        let child = Command::new(&self.program)
            .arg(flag)
            .stdin(Stdio::null())
            .stdout(file.try_clone().ok()?)
            .stderr(file.try_clone().ok()?)
            .spawn()
            .ok()?;
        wait_bounded(child, TIMEOUT).filter(ExitStatus::success)?;
        file.rewind().ok()?;
        let mut printed = Vec::new();
        file.read_to_end(&mut printed).ok()?;
        Some(String::from_utf8_lossy(&printed).into_owned())
    }
}

/// The main configuration file to read when none is named: the installed
/// nginx's `--conf-path`, else /etc/nginx/nginx.conf.
pub fn default_conf_path() -> PathBuf {
    Nginx::installed()
        .and_then(Nginx::conf_path)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONF_PATH))
}

/// The value of the configure argument `name` (with its `=`) in `nginx
/// -V`'s output, quotes removed; `None` when absent or empty.
fn configure_arg<'a>(build: &'a str, name: &str) -> Option<&'a str> {
    build
        .lines()
        .filter_map(|line| line.strip_prefix("configure arguments:"))
        .flat_map(|args| args.split_whitespace())
        .find_map(|arg| arg.strip_prefix(name))
        .map(|value| value.trim_matches(|c| c == '\'' || c == '"'))
        .filter(|value| !value.is_empty())
}

/// Wait for `child` at most `timeout`; past it (or if waiting fails), kill
/// and reap it and return None.
pub(crate) fn wait_bounded(
    mut child: std::process::Child,
    timeout: Duration,
) -> Option<ExitStatus> {
    let start = Instant::now();
    // Short first naps: nginx usually ends within milliseconds.
    let mut nap = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if start.elapsed() < timeout => {
                std::thread::sleep(nap.min(timeout.saturating_sub(start.elapsed())));
                nap = (nap * 2).min(Duration::from_millis(50));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// A shell script standing in for nginx, `name` in `dir`, for the tests
/// of this module and of [`crate::verify`].
#[cfg(all(test, unix))]
pub(crate) fn fake(dir: &Path, name: &str, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = "nginx version: nginx/1.22.1\nbuilt with OpenSSL 3.0.11 19 Sep 2023\nconfigure arguments: --with-cc-opt='-g -O2' --prefix=/usr/share/nginx --conf-path=/etc/nginx/nginx.conf\n";

    #[test]
    fn configure_arguments_are_read_from_nginx_v() {
        assert_eq!(configure_arg(DEBIAN, "--prefix="), Some("/usr/share/nginx"));
        assert_eq!(
            configure_arg(DEBIAN, "--conf-path="),
            Some("/etc/nginx/nginx.conf")
        );
        let bare = "nginx version: nginx/1.25.0\nconfigure arguments: --with-debug\n";
        assert_eq!(configure_arg(bare, "--prefix="), None);
        assert_eq!(configure_arg(bare, "--conf-path="), None);
        let quoted =
            "configure arguments: --prefix='/opt/nginx' --conf-path=\"/opt/nginx/n.conf\"\n";
        assert_eq!(configure_arg(quoted, "--prefix="), Some("/opt/nginx"));
        assert_eq!(
            configure_arg(quoted, "--conf-path="),
            Some("/opt/nginx/n.conf")
        );
    }

    #[cfg(unix)]
    #[test]
    fn version_conf_path_and_prefix_come_from_one_binary() {
        let dir = tempfile::tempdir().unwrap();
        let script = "case \"$1\" in\n\
                      -v) echo 'nginx version: nginx/1.26.3' >&2 ;;\n\
                      -V) echo 'nginx version: nginx/1.26.3' >&2; echo 'configure arguments: --prefix=/opt/n --conf-path=/opt/n/main.conf' >&2 ;;\n\
                      *) exit 1 ;;\n\
                      esac";
        let nginx = Nginx::at(fake(dir.path(), "nginx", script));
        assert_eq!(nginx.version().unwrap().to_string(), "1.26.3");
        assert_eq!(nginx.conf_path(), Some(PathBuf::from("/opt/n/main.conf")));
        assert_eq!(nginx.prefix(), Some(PathBuf::from("/opt/n")));
        // An nginx whose -V fails has no conf path or prefix to give.
        let broken = Nginx::at(fake(
            dir.path(),
            "broken",
            "[ \"$1\" = -v ] && echo 'nginx version: nginx/1.26.3' >&2 && exit 0\nexit 1",
        ));
        assert_eq!(broken.conf_path(), None);
        assert_eq!(broken.prefix(), None);
        // Without --prefix, nginx's own default.
        let plain = Nginx::at(fake(
            dir.path(),
            "plain",
            "echo 'nginx version: nginx/1.26.3' >&2\n[ \"$1\" = -V ] && echo 'configure arguments: --with-debug' >&2\nexit 0",
        ));
        assert_eq!(plain.prefix(), Some(PathBuf::from(DEFAULT_PREFIX)));
        assert_eq!(plain.conf_path(), None);
    }
}
