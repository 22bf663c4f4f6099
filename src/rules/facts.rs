//! Facts from outside the nginx configuration: the backends behind
//! upstreams and the load balancer in front of nginx, as the user declares
//! them (`--backend UPSTREAM=SPEC`, `--front-lb SPEC`, `[backends.NAME]` and
//! `[front_lb]` in `ngxfix.toml`).
//!
//! A backend SPEC is a duration (the backend's idle keepalive timeout) or a
//! server kind, whose documented default is used. The defaults come from
//! each server's source or documentation, collected with references in
//! `research/nginx-semantics.md` §5.

use std::collections::HashMap;
use std::fmt;

use crate::model::{Duration, TimeSlot};

/// How a server treats an idle keepalive connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// Closes it after this long.
    After(Duration),
    /// Never closes it for being idle.
    Never,
    /// Closes every connection after its response without sending
    /// `Connection: close` (uWSGI `--http-socket`): nginx cannot tell, and
    /// any reuse races with the close.
    AfterEachResponse,
}

/// A kind of application server with its documented idle behaviour.
#[derive(Debug, Clone, Copy)]
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

const fn secs(n: u64) -> Idle {
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
        note: "Node 24.6+ closes about 1s after keepAliveTimeout (keepAliveTimeoutBuffer)",
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
        idle: secs(60),
        older: None,
        setting: "http-keepalive / http-timeout (--http router)",
        note: "",
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

/// Load balancers that can sit in front of nginx, with their idle timeout.
pub const FRONT_KINDS: &[(&str, Duration)] = &[("aws-alb", Duration::from_millis(60_000))];

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
        match (self.older, major) {
            (Some((before, older)), Some(major)) if major < before => older,
            (Some((_, older)), None) => shorter(older, self.idle),
            _ => self.idle,
        }
    }
}

fn shorter(a: Idle, b: Idle) -> Idle {
    match (a, b) {
        (Idle::After(x), Idle::After(y)) => Idle::After(x.min(y)),
        (Idle::After(_), _) => a,
        _ => b,
    }
}

impl fmt::Display for Idle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Idle::After(d) => d.fmt(f),
            Idle::Never => f.write_str("no idle timeout"),
            Idle::AfterEachResponse => f.write_str("closes after each response"),
        }
    }
}

/// What is known of the server behind one upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    pub idle: Idle,
    /// The server kind, when declared by kind.
    pub kind: Option<&'static str>,
    /// Where the fact came from, for messages (`--backend`, `ngxfix.toml`).
    pub source: String,
}

impl Backend {
    /// How long the backend keeps an idle keepalive connection open, if
    /// it closes idle connections on a timer.
    pub fn idle_timeout(&self) -> Option<Duration> {
        match self.idle {
            Idle::After(d) => Some(d),
            _ => None,
        }
    }

    /// Whether it closes after each response without saying so.
    pub fn closes_silently(&self) -> bool {
        self.idle == Idle::AfterEachResponse
    }
}

/// Backends by upstream name (case-insensitive, as nginx matches upstreams).
#[derive(Debug, Clone, Default)]
pub struct Backends {
    by_name: HashMap<String, Backend>,
}

impl Backends {
    /// Declare (or redeclare) the backend of an upstream.
    pub fn insert(&mut self, upstream: &str, backend: Backend) {
        self.by_name.insert(upstream.to_ascii_lowercase(), backend);
    }

    /// The backend of an upstream, if declared.
    pub fn get(&self, upstream: &str) -> Option<&Backend> {
        self.by_name.get(&upstream.to_ascii_lowercase())
    }

    /// Whether nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The load balancer in front of nginx: it reuses its connections to nginx
/// until its own idle timeout, so nginx's client-side `keepalive_timeout`
/// must be longer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Front {
    pub idle_timeout: Duration,
    pub kind: Option<&'static str>,
    pub source: String,
}

/// Everything declared about the world around the configuration.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub backends: Backends,
    pub front: Option<Front>,
}

/// A duration as specs write it (`5s`, `750ms`; a bare number is seconds).
pub fn duration(text: &str) -> Option<Duration> {
    Duration::parse(text.trim(), TimeSlot::Milliseconds).ok()
}

/// The names of the server kinds, for messages.
pub fn known_kinds() -> String {
    SERVER_KINDS
        .iter()
        .map(|k| k.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Read a backend spec: a duration, the backend's idle timeout (`5s`,
/// `750ms`; a bare number is seconds), or a server kind with an optional
/// major version (`gunicorn`, `puma@6`).
pub fn parse_spec(spec: &str, source: &str) -> Result<Backend, String> {
    let spec = spec.trim();
    if let Some(idle) = duration(spec) {
        return Ok(Backend {
            idle: Idle::After(idle),
            kind: None,
            source: source.to_string(),
        });
    }
    if let Some((kind, path)) = spec.split_once(':') {
        if ServerKind::find(kind).is_some() {
            return Err(format!(
                "backend spec \"{spec}\": reading {kind}'s configuration file ({path}) is not supported yet; give its idle timeout (`5s`) or the kind alone for its default"
            ));
        }
    }
    let (name, version) = match spec.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (spec, None),
    };
    let Some(kind) = ServerKind::find(name) else {
        return Err(format!(
            "backend spec \"{spec}\" is neither a duration such as 5s or 750ms nor a server kind ({})",
            known_kinds()
        ));
    };
    let major = match version {
        None => None,
        Some(v) => Some(
            v.split('.')
                .next()
                .and_then(|m| m.parse::<u32>().ok())
                .ok_or_else(|| format!("backend spec \"{spec}\": \"{v}\" is not a version"))?,
        ),
    };
    Ok(Backend {
        idle: kind.idle_for(major),
        kind: Some(kind.name),
        source: source.to_string(),
    })
}

/// Split `UPSTREAM=SPEC`.
pub fn parse_assignment(text: &str) -> Result<(String, Backend), String> {
    let (name, spec) = text
        .split_once('=')
        .filter(|(name, _)| !name.trim().is_empty())
        .ok_or_else(|| format!("--backend expects UPSTREAM=SPEC, got \"{text}\""))?;
    let backend = parse_spec(spec, "--backend").map_err(|e| format!("--backend {text}: {e}"))?;
    Ok((name.trim().to_string(), backend))
}

/// Read a front load balancer spec: its idle timeout, or a kind
/// (`aws-alb`).
pub fn parse_front(spec: &str, source: &str) -> Result<Front, String> {
    let spec = spec.trim();
    if let Some(idle) = duration(spec) {
        return Ok(Front {
            idle_timeout: idle,
            kind: None,
            source: source.to_string(),
        });
    }
    FRONT_KINDS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(spec))
        .map(|(name, idle)| Front {
            idle_timeout: *idle,
            kind: Some(name),
            source: source.to_string(),
        })
        .ok_or_else(|| {
            format!(
                "load balancer spec \"{spec}\" is neither a duration such as 60s nor a known kind ({})",
                FRONT_KINDS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_assignments_parse() {
        let (name, backend) = parse_assignment("App=750ms").unwrap();
        assert_eq!(name, "App");
        assert_eq!(backend.idle_timeout(), Some(Duration::from_millis(750)));
        let mut all = Backends::default();
        all.insert(&name, backend);
        assert!(all.get("app").is_some());
        assert!(parse_assignment("app").is_err());
        assert!(parse_assignment("=5s").is_err());
        assert!(parse_assignment("app=soon")
            .unwrap_err()
            .contains("neither a duration"));
    }

    #[test]
    fn server_kinds_give_their_defaults() {
        let idle = |spec: &str| parse_spec(spec, "test").unwrap().idle;
        assert_eq!(idle("gunicorn"), secs(2));
        assert_eq!(idle("Uvicorn"), secs(5));
        assert_eq!(idle("hypercorn"), secs(5));
        assert_eq!(idle("nodejs"), secs(5));
        assert_eq!(idle("httpd"), secs(5));
        assert_eq!(idle("uwsgi-http11"), secs(4));
        // Puma 7 raised its default from 20s to 65s; without a version the
        // shorter one is the safe assumption.
        assert_eq!(idle("puma"), secs(20));
        assert_eq!(idle("puma@6.4.2"), secs(20));
        assert_eq!(idle("puma@7"), secs(65));
        assert_eq!(idle("tomcat"), secs(20));
        assert_eq!(idle("waitress"), secs(120));
        assert_eq!(idle("go"), Idle::Never);
        let silent = parse_spec("uwsgi-http-socket", "test").unwrap();
        assert!(silent.closes_silently());
        assert_eq!(silent.idle_timeout(), None);
        assert_eq!(silent.kind, Some("uwsgi-http-socket"));
        assert!(parse_spec("puma@x", "test")
            .unwrap_err()
            .contains("not a version"));
        assert!(parse_spec("gunicorn:/etc/gunicorn.conf.py", "test")
            .unwrap_err()
            .contains("not supported yet"));
        assert!(parse_spec("tornado", "test")
            .unwrap_err()
            .contains("gunicorn, uvicorn"));
    }

    #[test]
    fn front_specs_parse() {
        assert_eq!(
            parse_front("aws-alb", "t").unwrap().idle_timeout,
            Duration::from_millis(60_000)
        );
        assert_eq!(
            parse_front("350", "t").unwrap().idle_timeout,
            Duration::from_millis(350_000)
        );
        assert!(parse_front("f5", "t").unwrap_err().contains("aws-alb"));
    }
}
