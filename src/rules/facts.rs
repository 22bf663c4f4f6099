//! Facts from outside the nginx configuration: the backends behind
//! upstreams, as the user declares them (`--backend UPSTREAM=SPEC`,
//! `[backends.NAME]` in `ngxfix.toml`).

use std::collections::HashMap;

use crate::model::{Duration, TimeSlot};

/// What is known of the server behind one upstream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backend {
    /// How long the backend keeps an idle keepalive connection open.
    pub idle_timeout: Option<Duration>,
    /// Where the fact came from, for messages (`--backend`, `ngxfix.toml`).
    pub source: String,
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

/// Read a backend spec: for now a duration, the backend's idle timeout
/// (`5s`, `750ms`; a bare number is seconds).
pub fn parse_spec(spec: &str, source: &str) -> Result<Backend, String> {
    let idle = Duration::parse(spec.trim(), TimeSlot::Milliseconds)
        .map_err(|_| format!("backend spec \"{spec}\" is not a duration such as 5s or 750ms"))?;
    Ok(Backend {
        idle_timeout: Some(idle),
        source: source.to_string(),
    })
}

/// Split `UPSTREAM=SPEC`.
pub fn parse_assignment(text: &str) -> Result<(String, Backend), String> {
    let (name, spec) = text
        .split_once('=')
        .filter(|(name, _)| !name.trim().is_empty())
        .ok_or_else(|| format!("--backend expects UPSTREAM=SPEC, got \"{text}\""))?;
    Ok((name.trim().to_string(), parse_spec(spec, "--backend")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_assignments_parse() {
        let (name, backend) = parse_assignment("App=750ms").unwrap();
        assert_eq!(name, "App");
        assert_eq!(backend.idle_timeout, Some(Duration::from_millis(750)));
        let mut all = Backends::default();
        all.insert(&name, backend);
        assert!(all.get("app").is_some());
        assert!(parse_assignment("app").is_err());
        assert!(parse_assignment("=5s").is_err());
        assert!(parse_assignment("app=soon")
            .unwrap_err()
            .contains("not a duration"));
    }
}
