//! The application servers ngxfix knows and how each treats an idle
//! keepalive connection by default. The defaults come from each server's
//! source or documentation, collected with references in
//! `research/nginx-semantics.md` §5.

use std::fmt;

use crate::model::Duration;

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
    /// Versions before this major version default to `older`.
    pub older: Option<(u32, Idle)>,
    /// Where the default is set, for messages and `--help`.
    pub setting: &'static str,
    /// A caveat worth telling the user.
    pub note: &'static str,
}

pub(crate) const fn secs(n: u64) -> Idle {
    Idle::After(Duration::from_millis(n * 1000))
}

/// The server kinds ngxfix knows, with their defaults.
pub const SERVER_KINDS: &[ServerKind] = &[
    ServerKind {
        name: "gunicorn",
        aliases: &[],
        idle: secs(2),
        older: None,
        setting: "keepalive / --keep-alive",
        note: "the sync worker closes every connection (Connection: close), so nothing is pooled",
    },
    ServerKind {
        name: "uvicorn",
        aliases: &[],
        idle: secs(5),
        older: None,
        setting: "--timeout-keep-alive",
        note: "",
    },
    ServerKind {
        name: "hypercorn",
        aliases: &[],
        idle: secs(5),
        older: None,
        setting: "--keep-alive / keep_alive_timeout",
        note: "",
    },
    ServerKind {
        name: "waitress",
        aliases: &[],
        idle: secs(120),
        older: None,
        setting: "channel_timeout",
        note: "",
    },
    ServerKind {
        name: "node",
        aliases: &["nodejs"],
        idle: secs(5),
        older: None,
        setting: "server.keepAliveTimeout",
        note: "Node 20.18+ closes about 1s after keepAliveTimeout (keepAliveTimeoutBuffer, settable since 22.19/24.6)",
    },
    ServerKind {
        name: "apache",
        aliases: &["httpd"],
        idle: secs(5),
        older: None,
        setting: "KeepAliveTimeout",
        note: "",
    },
    ServerKind {
        name: "puma",
        aliases: &[],
        idle: secs(65),
        older: Some((7, secs(20))),
        setting: "persistent_timeout",
        note: "",
    },
    ServerKind {
        name: "tomcat",
        aliases: &[],
        idle: secs(20),
        older: None,
        setting: "keepAliveTimeout (defaults to connectionTimeout)",
        note: "20s is connectionTimeout in the server.xml Tomcat ships; without it Tomcat uses 60s",
    },
    ServerKind {
        name: "spring-boot",
        aliases: &[],
        idle: secs(60),
        older: None,
        setting: "server.tomcat.keep-alive-timeout",
        note: "embedded Tomcat: keepAliveTimeout defaults to connectionTimeout, 60s",
    },
    ServerKind {
        name: "uwsgi-http11",
        aliases: &["uwsgi-http11-socket"],
        idle: secs(4),
        older: None,
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
        older: None,
        setting: "http-keepalive / http-timeout (--http router)",
        note: "without http-keepalive the router closes after each response; read uwsgi.ini (uwsgi:PATH) for its real setting",
    },
    ServerKind {
        name: "uwsgi-http-socket",
        aliases: &[],
        idle: Idle::AfterEachResponse,
        older: None,
        setting: "--http-socket",
        note: "closes after every response without sending Connection: close",
    },
    ServerKind {
        name: "go",
        aliases: &["go-net-http"],
        idle: Idle::Never,
        older: None,
        setting: "http.Server{IdleTimeout} (0: ReadTimeout; both 0: none)",
        note: "",
    },
    ServerKind {
        name: "caddy",
        aliases: &[],
        idle: secs(300),
        older: None,
        setting: "servers { timeouts { idle } }",
        note: "",
    },
    ServerKind {
        name: "envoy",
        aliases: &[],
        idle: secs(3600),
        older: None,
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
    /// version, the shorter of the defaults: nginx closing sooner than
    /// needed only costs a reconnect, later than the backend a 502.
    pub fn idle_for(&self, major: Option<u32>) -> Idle {
        match (&self.older, major) {
            (Some((before, older)), Some(major)) if major < *before => older.clone(),
            (Some((_, older)), None) => shorter(older, &self.idle),
            _ => self.idle.clone(),
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
