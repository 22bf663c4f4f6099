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

pub use crate::backends::kinds::{Idle, ServerKind, FRONT_KINDS, SERVER_KINDS};
use crate::model::{Duration, TimeSlot};

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
    use crate::backends::kinds::secs;

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
