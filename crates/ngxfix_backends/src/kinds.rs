//! The application servers ngxfix knows and how each treats an idle
//! keepalive connection by default. The defaults come from each server's
//! source or documentation, collected with references in
//! `research/nginx-semantics.md` §5.

use std::fmt;

use ngxfix_text::Duration;

/// How a server treats an idle keepalive connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idle {
    /// Closes it after this long.
    After(Duration),
    /// Never closes it for being idle.
    Never,
    /// Closes every connection after its response without sending
    /// `Connection: close` (uWSGI `--http-socket`): nginx cannot tell, and
    /// any reuse races with the close.
    AfterEachResponse,
    /// Closes every connection after its response and says so
    /// (`Connection: close`): safe, but nginx has nothing to pool
    /// (gunicorn's sync worker, Apache `KeepAlive Off`).
    NoKeepalive,
    /// Its configuration does not say, in a way ngxfix can read with
    /// confidence (a computed value, an environment variable): why.
    Unknown(String),
}

/// A kind of application server with its documented idle behaviour.
#[derive(Debug, Clone)]
pub struct ServerKind {
    /// The name used in specs (`gunicorn`).
    pub name: &'static str,
    /// Other names accepted for it.
    pub aliases: &'static [&'static str],
    /// The default idle behaviour of current versions.
    pub idle: Idle,
    /// The defaults of older versions, oldest first: `(major, idle)` is
    /// the default of the versions before `major` that no earlier entry
    /// covers.
    pub older: &'static [(u32, Idle)],
    /// Where the default is set, for messages and `--help`.
    pub setting: &'static str,
    /// A caveat worth telling the user.
    pub note: &'static str,
}

/// An idle timeout of `n` seconds, for the table and its readers.
pub const fn secs(n: u64) -> Idle {
    Idle::After(Duration::from_millis(n * 1000))
}

/// The Node major that brought `server.keepAliveTimeout`. Before it,
/// `server.timeout` closes idle connections.
pub(crate) const NODE_KEEP_ALIVE_TIMEOUT_SINCE: u32 = 8;

/// Node's `server.timeout` default before Node 13 (none since): what closes
/// idle connections before Node 8, and in Node 8–12 when keepAliveTimeout
/// is 0. Both Node facts live here, beside the table that uses them, so
/// that node.rs does not state them a second time.
pub(crate) const NODE_OLD_SERVER_TIMEOUT: Duration = Duration::from_secs(120);

/// Tomcat's `connectionTimeout` when nothing sets it
/// (`Constants.DEFAULT_CONNECTION_TIMEOUT`), and so its `keepAliveTimeout`:
/// embedded Tomcat's default (spring-boot below) and that of a server.xml
/// connector without either attribute (tomcat.rs). Here, beside the table,
/// so that the fact is stated once.
pub(crate) const TOMCAT_CONNECTION_TIMEOUT: Duration = Duration::from_secs(60);

/// The server kinds ngxfix knows, with their defaults.
pub const SERVER_KINDS: &[ServerKind] = &[
    ServerKind {
        name: "gunicorn",
        aliases: &[],
        idle: secs(2),
        older: &[],
        setting: "keepalive / --keep-alive",
        note: "the sync worker closes every connection (Connection: close), so nothing is pooled",
    },
    ServerKind {
        name: "uvicorn",
        aliases: &[],
        idle: secs(5),
        older: &[],
        setting: "--timeout-keep-alive",
        note: "",
    },
    ServerKind {
        name: "hypercorn",
        aliases: &[],
        idle: secs(5),
        older: &[],
        setting: "--keep-alive / keep_alive_timeout",
        note: "",
    },
    ServerKind {
        name: "waitress",
        aliases: &[],
        idle: secs(120),
        older: &[],
        setting: "channel_timeout",
        note: "",
    },
    ServerKind {
        name: "node",
        aliases: &["nodejs"],
        // 65 s on main since nodejs/node#62782 (semver-major: Node 27);
        // 5 s since keepAliveTimeout came in Node 8.
        idle: secs(65),
        older: &[
            (NODE_KEEP_ALIVE_TIMEOUT_SINCE, Idle::After(NODE_OLD_SERVER_TIMEOUT)),
            (27, secs(5)),
        ],
        setting: "server.keepAliveTimeout",
        note: "Node 20.18+ closes about 1s after keepAliveTimeout (keepAliveTimeoutBuffer, settable since 22.19/24.6)",
    },
    ServerKind {
        name: "apache",
        aliases: &["httpd"],
        idle: secs(5),
        older: &[],
        setting: "KeepAliveTimeout",
        note: "",
    },
    ServerKind {
        name: "puma",
        aliases: &[],
        idle: secs(65),
        older: &[(7, secs(20))],
        setting: "persistent_timeout",
        note: "",
    },
    ServerKind {
        name: "tomcat",
        aliases: &[],
        idle: secs(20),
        older: &[],
        setting: "keepAliveTimeout (defaults to connectionTimeout)",
        note: "20s is connectionTimeout in the server.xml Tomcat ships; without it Tomcat uses 60s",
    },
    ServerKind {
        name: "spring-boot",
        aliases: &[],
        idle: Idle::After(TOMCAT_CONNECTION_TIMEOUT),
        older: &[],
        setting: "server.tomcat.keep-alive-timeout",
        note: "embedded Tomcat: keepAliveTimeout defaults to connectionTimeout, 60s",
    },
    ServerKind {
        name: "uwsgi-http11",
        aliases: &["uwsgi-http11-socket"],
        idle: secs(4),
        older: &[],
        setting: "socket-timeout (--http11-socket)",
        note: "",
    },
    ServerKind {
        name: "uwsgi-http",
        aliases: &[],
        // Measured with uWSGI 2.0.21: without `http-keepalive` the router
        // closes after every response and does not say so; with
        // `http-keepalive = N` (N > 1) it waits N seconds.
        idle: Idle::AfterEachResponse,
        older: &[],
        setting: "http-keepalive / http-timeout (--http router)",
        note: "without http-keepalive the router closes after each response; read uwsgi.ini (uwsgi:PATH) for its real setting",
    },
    ServerKind {
        name: "uwsgi-http-socket",
        aliases: &[],
        idle: Idle::AfterEachResponse,
        older: &[],
        setting: "--http-socket",
        note: "closes after every response without sending Connection: close",
    },
    ServerKind {
        name: "go",
        aliases: &["go-net-http"],
        idle: Idle::Never,
        older: &[],
        setting: "http.Server{IdleTimeout} (0: ReadTimeout; both 0: none)",
        note: "",
    },
    ServerKind {
        name: "caddy",
        aliases: &[],
        idle: secs(300),
        older: &[],
        setting: "servers { timeouts { idle } }",
        note: "",
    },
    ServerKind {
        name: "envoy",
        aliases: &[],
        idle: secs(3600),
        older: &[],
        setting: "common_http_protocol_options.idle_timeout",
        note: "",
    },
];

impl ServerKind {
    /// The kind named `name` (or one of its aliases), case-insensitively.
    pub fn find(name: &str) -> Option<&'static ServerKind> {
        SERVER_KINDS.iter().find(|k| {
            k.name.eq_ignore_ascii_case(name)
                || k.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
    }

    /// The idle behaviour of a version given by its major number. With no
    /// version, the shortest of the defaults: nginx closing sooner than
    /// needed only costs a reconnect, later than the backend a 502.
    pub fn idle_for(&self, major: Option<u32>) -> Idle {
        match major {
            Some(major) => self
                .older
                .iter()
                .find(|(before, _)| major < *before)
                .map_or(&self.idle, |(_, idle)| idle)
                .clone(),
            None => self
                .older
                .iter()
                .fold(self.idle.clone(), |acc, (_, older)| shorter(older, &acc)),
        }
    }

    /// The kind a format module reads files of, by its own name. Readers
    /// take the default of a setting their file leaves out from here, so
    /// that `KIND` and `KIND:PATH` agree; a name missing from the table is
    /// a bug in ngxfix (the readers' tests find it).
    pub(crate) fn own(name: &str) -> &'static ServerKind {
        Self::find(name).unwrap_or_else(|| panic!("{name} is not in SERVER_KINDS"))
    }

    /// The default idle timeout of a version, for a kind whose every
    /// default is a timeout (see [`ServerKind::idle_for`]).
    pub(crate) fn timeout_for(&self, major: Option<u32>) -> Duration {
        match self.idle_for(major) {
            Idle::After(d) => d,
            other => panic!("{}'s default is not a timeout: {other}", self.name),
        }
    }

    /// The major version whose default differs from the one before it,
    /// the latest such: what to give as `KIND@VERSION` for today's
    /// default. `None` when the default never changed.
    pub(crate) fn changed_in(&self) -> Option<u32> {
        self.older.last().map(|(major, _)| *major)
    }
}

impl Idle {
    /// Whether an idle connection stays open at least `target` (or is
    /// never closed for idling): a file that gives this needs no raise,
    /// and a raise must leave its file giving it.
    pub(crate) fn at_least(&self, target: Duration) -> bool {
        match self {
            Idle::Never => true,
            Idle::After(d) => *d >= target,
            _ => false,
        }
    }

    /// How bad it is for nginx, as a sort key: the most dangerous first.
    /// Not knowing is worst; a close nginx cannot see coming (after each
    /// response, silently) beats any timeout; shorter timeouts come before
    /// longer ones; a connection never closed, then one closed with
    /// `Connection: close` (nginx pools nothing), are harmless.
    pub(crate) fn danger(&self) -> (u8, u64) {
        match self {
            Idle::Unknown(_) => (0, 0),
            Idle::AfterEachResponse => (1, 0),
            Idle::After(d) => (2, d.as_millis()),
            Idle::Never => (3, 0),
            Idle::NoKeepalive => (4, 0),
        }
    }
}

fn shorter(a: &Idle, b: &Idle) -> Idle {
    match (a, b) {
        (Idle::After(x), Idle::After(y)) => Idle::After(*x.min(y)),
        (Idle::After(_), _) => a.clone(),
        _ => b.clone(),
    }
}

impl fmt::Display for Idle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Idle::After(d) => d.fmt(f),
            Idle::Never => f.write_str("no idle timeout"),
            Idle::AfterEachResponse => f.write_str("closes after each response"),
            Idle::NoKeepalive => f.write_str("no keepalive (Connection: close)"),
            Idle::Unknown(why) => write!(f, "cannot be determined: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{format, Source};

    #[test]
    fn node_defaults_follow_the_major_version() {
        let node = ServerKind::find("nodejs").unwrap();
        assert_eq!(node.idle_for(Some(7)), secs(120));
        assert_eq!(node.idle_for(Some(8)), secs(5));
        assert_eq!(node.idle_for(Some(26)), secs(5));
        assert_eq!(node.idle_for(Some(27)), secs(65));
        // Without a version, the shortest of them all.
        assert_eq!(node.idle_for(None), secs(5));
        assert_eq!(node.changed_in(), Some(27));
        let puma = ServerKind::find("puma").unwrap();
        assert_eq!(
            (
                puma.idle_for(Some(6)),
                puma.idle_for(Some(7)),
                puma.idle_for(None)
            ),
            (secs(20), secs(65), secs(20))
        );
        assert_eq!(ServerKind::find("gunicorn").unwrap().changed_in(), None);
    }

    /// A file that sets no idle timeout reads as the bare kind's default,
    /// for every version: `KIND@V` and `KIND@V:PATH` agree. Tomcat is left
    /// out on purpose: a server.xml without `connectionTimeout` gets
    /// Tomcat's built-in 60 s, while the bare kind assumes the server.xml
    /// Tomcat ships, which sets 20 s.
    #[test]
    fn a_file_that_sets_nothing_reads_as_the_kinds_default() {
        let files: &[(&str, &str, &str)] = &[
            (
                "gunicorn",
                "gunicorn.conf.py",
                "bind = \"127.0.0.1:8000\"\nworker_class = \"gthread\"\n",
            ),
            ("uvicorn", "Procfile", "web: uvicorn app:app\n"),
            ("uvicorn", "serve.py", "import uvicorn\nuvicorn.run(app)\n"),
            (
                "hypercorn",
                "hypercorn.toml",
                "bind = [\"127.0.0.1:8000\"]\n",
            ),
            ("hypercorn", "Procfile", "web: hypercorn app:app\n"),
            ("uwsgi", "uwsgi.ini", "[uwsgi]\nhttp11-socket = :8000\n"),
            ("uwsgi", "uwsgi.ini", "[uwsgi]\nhttp = :8000\n"),
            ("uwsgi", "uwsgi.ini", "[uwsgi]\nhttp-socket = :8000\n"),
            (
                "node",
                "server.js",
                "const http = require('http');\nhttp.createServer(app).listen(3000);\n",
            ),
            ("node", "server.js", "app.listen(3000);\n"),
            ("puma", "puma.rb", "workers 2\n"),
            (
                "spring-boot",
                "application.properties",
                "server.port=8080\n",
            ),
            ("apache", "httpd.conf", "KeepAlive On\n"),
        ];
        for (kind, path, text) in files {
            for version in [
                None,
                Some(6),
                Some(7),
                Some(8),
                Some(26),
                Some(27),
                Some(30),
            ] {
                let reading = format(kind).unwrap().read(&Source {
                    path,
                    text,
                    version,
                });
                let table = ServerKind::find(reading.kind)
                    .unwrap_or_else(|| panic!("{kind}: {} is not a kind", reading.kind));
                assert_eq!(
                    reading.idle,
                    table.idle_for(version),
                    "{kind}@{version:?}:{path} {text:?}: {}",
                    reading.detail
                );
            }
        }
    }
}
