//! Facts from outside the nginx configuration: the backends behind
//! upstreams and the load balancer in front of nginx, as the user declares
//! them (`--backend UPSTREAM=SPEC`, `--front-lb SPEC`, `[backends.NAME]` and
//! `[front_lb]` in `ngxfix.toml`).
//!
//! A backend SPEC is a duration (the backend's idle keepalive timeout), a
//! server kind, whose documented default is used ([`crate::backends::kinds`]),
//! or a kind with its configuration file, which [`crate::backends`] reads
//! (and edits, for `--prefer backend`). Facts keep those files' current
//! text, so the fix loop reads them again after editing them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use crate::backends::kinds::{Idle, ServerKind, SERVER_KINDS};
use crate::backends::{self, BackendFile, Reading, ServerFormat};
use crate::model::{Duration, TimeSlot};

/// Which side a timeout fix changes when the backend closes idle
/// connections before nginx does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Prefer {
    /// Lower nginx's upstream `keepalive_timeout`: one file, no redeploy
    /// of the application.
    #[default]
    Nginx,
    /// Raise the backend's idle timeout in its configuration file.
    Backend,
}

impl Prefer {
    /// The name used in options and settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Prefer::Nginx => "nginx",
            Prefer::Backend => "backend",
        }
    }
}

impl std::str::FromStr for Prefer {
    type Err = PreferError;

    fn from_str(text: &str) -> Result<Self, PreferError> {
        match text {
            "nginx" => Ok(Prefer::Nginx),
            "backend" => Ok(Prefer::Backend),
            _ => Err(PreferError {
                text: text.to_string(),
            }),
        }
    }
}

/// Text that names no [`Prefer`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{text}\": expected nginx or backend")]
pub struct PreferError {
    /// The text as given.
    pub text: String,
}

/// How ngxfix came to know the server behind an upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// The user declared it for this upstream (`--backend`,
    /// `[backends.NAME]`).
    #[default]
    Declared,
    /// The configuration hints at it (a comment, a socket name, FastCGI):
    /// [`crate::model::hints`]. A guess never makes a finding more severe
    /// or a fix safer.
    Guessed,
    /// The user asked to assume it for every upstream nobody declared
    /// (`--assume-backend`, `assume_backend` in `ngxfix.toml`).
    Assumed,
}

/// What is known of the server behind one upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    pub idle: Idle,
    /// The server kind, when declared by kind.
    pub kind: Option<&'static str>,
    /// Where the fact came from, for messages (`--backend`, `ngxfix.toml`).
    pub source: String,
    /// Where its configuration file says so, when read from one.
    pub detail: Option<String>,
    /// Its configuration file, in [`Facts::files`].
    pub file: Option<BackendId>,
    /// Which side a timeout fix changes.
    pub prefer: Prefer,
    /// Declared, guessed or assumed.
    pub origin: Origin,
}

impl Backend {
    /// A backend known by its idle behaviour alone.
    pub fn new(idle: Idle, kind: Option<&'static str>, source: &str) -> Backend {
        Backend {
            idle,
            kind,
            source: source.to_string(),
            detail: None,
            file: None,
            prefer: Prefer::default(),
            origin: Origin::Declared,
        }
    }

    /// The backend a configuration hint points at: the kind's default
    /// (the shortest, for a kind whose default changed with its version).
    /// Its detail says why, and what the default depends on, since nothing
    /// tells the version or the worker model.
    pub fn guessed(hint: &crate::model::hints::Hint) -> Backend {
        let kind = hint.kind;
        let mut detail = format!(
            "likely {0}, as {1}; {0}'s default is {2}",
            kind.name,
            hint.why,
            kind.idle_for(None)
        );
        if let Some(major) = kind.changed_in() {
            let since = kind.idle_for(Some(major));
            detail.push_str(&format!(" before {} {major}, {since} since", kind.name));
        }
        if !kind.note.is_empty() {
            detail.push_str(&format!(" ({})", kind.note));
        }
        Backend {
            detail: Some(detail),
            origin: Origin::Guessed,
            ..Backend::new(kind.idle_for(None), Some(kind.name), "the configuration")
        }
    }

    /// How long the backend keeps an idle keepalive connection open, if
    /// it closes idle connections on a timer.
    pub(crate) fn idle_timeout(&self) -> Option<Duration> {
        match self.idle {
            Idle::After(d) => Some(d),
            _ => None,
        }
    }

    /// Whether it closes after each response without saying so.
    pub(crate) fn closes_silently(&self) -> bool {
        self.idle == Idle::AfterEachResponse
    }
}

/// Backends by upstream name (case-insensitive, as nginx matches upstreams).
#[derive(Debug, Clone, Default)]
pub struct Backends {
    by_name: HashMap<String, Backend>,
}

impl Backends {
    /// The backend of an upstream, if declared.
    pub fn get(&self, upstream: &str) -> Option<&Backend> {
        // Asked for every `*_pass` by several rules: most runs declare
        // nothing, and then there is no name to lowercase.
        if self.by_name.is_empty() {
            return None;
        }
        self.by_name.get(&upstream.to_ascii_lowercase())
    }

    /// Whether nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Make every backend prefer `prefer` (`--prefer` overrides the
    /// settings).
    pub fn prefer_all(&mut self, prefer: Prefer) {
        for backend in self.by_name.values_mut() {
            backend.prefer = prefer;
        }
    }
}

/// Load balancers that can sit in front of nginx, with their idle timeout.
pub(crate) const FRONT_KINDS: &[(&str, Duration)] = &[("aws-alb", Duration::from_millis(60_000))];

/// The load balancer in front of nginx: it reuses its connections to nginx
/// until its own idle timeout, so nginx's client-side `keepalive_timeout`
/// must be longer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Front {
    pub idle_timeout: Duration,
    pub kind: Option<&'static str>,
    pub source: String,
}

/// Which of [`Facts::files`] a backend's configuration file is: its own
/// index type, so that it cannot be taken for a configuration file's
/// [`FileId`](crate::config::FileId).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BackendId(usize);

impl BackendId {
    /// The file's position in [`Facts::files`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// Everything declared about the world around the configuration.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub backends: Backends,
    /// The backend to assume behind every upstream nobody declared and
    /// the configuration gives no hint about (`--assume-backend`).
    pub assumed: Option<Backend>,
    pub front: Option<Front>,
    /// The backends' configuration files, each once however many
    /// upstreams it serves.
    pub files: Vec<BackendFile>,
}

impl Facts {
    /// The backend configuration file `id`.
    pub fn file(&self, id: BackendId) -> &BackendFile {
        &self.files[id.0]
    }

    /// Declare the backend of `upstream` from a spec, reading its
    /// configuration file with `read` if the spec names one (relative paths
    /// against `base`) and it was not read yet.
    pub fn declare(
        &mut self,
        upstream: &str,
        spec: Spec,
        source: &str,
        base: &Path,
        read: ReadFile<'_>,
    ) -> Result<&mut Backend, DeclareError> {
        let (format, major, path) = match spec {
            Spec::File {
                format,
                major,
                path,
            } => (format, major, path),
            spec => {
                let backend = without_file(&spec, source, "as declared in")
                    .expect("every spec but a file gives a backend");
                return Ok(self.insert(upstream, backend));
            }
        };
        let path = base.join(path);
        let file = match self.files.iter().find(|f| f.path == path) {
            // Read once; declare_file checks the two declarations agree.
            Some(known) => BackendFile {
                format,
                version: major,
                ..known.clone()
            },
            None => BackendFile {
                text: read(&path)?,
                path,
                format,
                version: major,
            },
        };
        self.declare_file(upstream, file, source)
    }

    /// Assume the backend `spec` behind every upstream nobody declared and
    /// the configuration gives no hint about. A spec naming a file is
    /// refused: one file cannot be every backend's.
    pub fn assume(&mut self, spec: Spec, source: &str) -> Result<(), AssumeError> {
        let mut backend = without_file(&spec, source, "assumed with").ok_or(AssumeError)?;
        backend.origin = Origin::Assumed;
        self.assumed = Some(backend);
        Ok(())
    }

    /// Declare the backend of `upstream` from its configuration file. A
    /// file already declared for another upstream is shared (one text, one
    /// set of edits), so both declarations must read it the same way.
    pub(crate) fn declare_file(
        &mut self,
        upstream: &str,
        file: BackendFile,
        source: &str,
    ) -> Result<&mut Backend, DeclareError> {
        let index = match self.files.iter().position(|f| f.path == file.path) {
            Some(index) => {
                let known = &self.files[index];
                if known.format.name() != file.format.name() || known.version != file.version {
                    return Err(DeclareError::Twice {
                        file: file.display(),
                        first: spec_name(known),
                        second: spec_name(&file),
                    });
                }
                BackendId(index)
            }
            None => {
                self.files.push(file);
                BackendId(self.files.len() - 1)
            }
        };
        let mut backend = Backend::new(Idle::Never, None, source);
        backend.file = Some(index);
        let file = self.file(index);
        apply_reading(&mut backend, file, file.read());
        Ok(self.insert(upstream, backend))
    }
    /// Declare the backend of `upstream` as measured on its servers
    /// (`ngxfix probe`): `idle` as observed, `detail` saying where and
    /// when, for the findings' messages.
    pub fn declare_measured(
        &mut self,
        upstream: &str,
        idle: Idle,
        detail: String,
        source: &str,
    ) -> &mut Backend {
        let backend = Backend {
            detail: Some(detail),
            ..Backend::new(idle, None, source)
        };
        self.insert(upstream, backend)
    }

    fn insert(&mut self, upstream: &str, backend: Backend) -> &mut Backend {
        let key = upstream.to_ascii_lowercase();
        self.backends.by_name.insert(key.clone(), backend);
        self.backends.by_name.get_mut(&key).expect("just inserted")
    }

    /// Backend file `index` with `text` instead, and what it then says;
    /// refused when the new text no longer reads to a known value.
    pub fn edited(
        &self,
        id: BackendId,
        text: String,
    ) -> Result<(BackendFile, Reading), NoLongerReads> {
        let edited = BackendFile {
            text,
            ..self.file(id).clone()
        };
        let reading = edited.read();
        if let Idle::Unknown(why) = &reading.idle {
            return Err(NoLongerReads {
                file: edited.display(),
                why: why.clone(),
            });
        }
        Ok((edited, reading))
    }

    /// Install a file made by [`Facts::edited`] (after a fix), with its
    /// reading for every backend it serves.
    pub(crate) fn replace_file(&mut self, id: BackendId, file: BackendFile, reading: Reading) {
        for backend in self.backends.by_name.values_mut() {
            if backend.file == Some(id) {
                apply_reading(backend, &file, reading.clone());
            }
        }
        self.files[id.0] = file;
    }
}

/// The backend a duration or a kind gives, its detail saying `how` it came
/// from `source` ("as declared in --backend"); `None` for a file spec,
/// which must be read.
fn without_file(spec: &Spec, source: &str, how: &str) -> Option<Backend> {
    match spec {
        Spec::Idle { idle, kind } => Some(Backend {
            detail: Some(format!("{how} {source}")),
            ..Backend::new(Idle::After(*idle), kind.map(|k| k.name), source)
        }),
        Spec::Kind { kind, major } => Some(Backend {
            detail: Some(format!("{}'s default, {how} {source}", kind.name)),
            ..Backend::new(kind.idle_for(*major), Some(kind.name), source)
        }),
        Spec::File { .. } => None,
    }
}

/// `KIND[@VERSION]` of a declared file, for messages.
fn spec_name(file: &BackendFile) -> String {
    match file.version {
        Some(major) => format!("{}@{major}", file.format.name()),
        None => file.format.name().to_string(),
    }
}

fn apply_reading(backend: &mut Backend, file: &BackendFile, reading: Reading) {
    backend.idle = reading.idle;
    backend.kind = ServerKind::find(reading.kind).map(|k| k.name);
    backend.detail = Some(format!("{}: {}", file.display(), reading.detail));
}

/// How [`Facts::declare`] reads a backend's configuration file: its text,
/// or the message for a file that cannot be read (with its path).
pub type ReadFile<'a> = &'a dyn Fn(&Path) -> Result<String, ReadError>;

/// A [`ReadFile`] for declarations that name no file: each is refused.
pub fn no_files(path: &Path) -> Result<String, ReadError> {
    Err(ReadError {
        path: path.to_path_buf(),
        reason: "no files are read here".into(),
    })
}

/// Why a backend's configuration file cannot be read ([`ReadFile`]).
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct ReadError {
    /// The file, as declared (joined to the base).
    pub path: PathBuf,
    /// Why it cannot be read.
    pub reason: Box<dyn std::error::Error + Send + Sync>,
}

/// A backend to assume for every upstream that names a file
/// ([`Facts::assume`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("give a server kind or a duration: a configuration file belongs to one backend, declare it with --backend UPSTREAM=KIND:PATH")]
pub struct AssumeError;

/// Why [`Facts::declare`] or [`Facts::declare_file`] declares no backend.
#[derive(Debug, thiserror::Error)]
pub enum DeclareError {
    /// The backend's configuration file cannot be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// One file declared with two formats or versions.
    #[error("{file} is declared twice, as {first} and as {second}: one file is read one way")]
    Twice {
        file: String,
        first: String,
        second: String,
    },
}

/// A backend file's edited text that no longer reads to a known value
/// ([`Facts::edited`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} no longer reads: {why}")]
pub struct NoLongerReads {
    /// The file, as shown.
    pub file: String,
    /// What its reading says.
    pub why: String,
}

/// A duration as specs write it (`5s`, `750ms`; a bare number is seconds).
pub fn duration(text: &str) -> Option<Duration> {
    Duration::parse(text.trim(), TimeSlot::Milliseconds).ok()
}

/// The names of the server kinds, for messages.
pub(crate) fn known_kinds() -> String {
    SERVER_KINDS
        .iter()
        .map(|k| k.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A backend as a spec declares it.
#[derive(Debug, Clone)]
pub enum Spec {
    /// Its idle timeout, and its kind when also given.
    Idle {
        idle: Duration,
        kind: Option<&'static ServerKind>,
    },
    /// A server kind with its documented default.
    Kind {
        kind: &'static ServerKind,
        major: Option<u32>,
    },
    /// A server kind whose configuration file says.
    File {
        format: &'static dyn ServerFormat,
        major: Option<u32>,
        path: PathBuf,
    },
}

/// Read a backend spec: a duration, the backend's idle timeout (`5s`,
/// `750ms`; a bare number is seconds), a server kind with an optional
/// major version (`gunicorn`, `puma@6`), or either followed by `:PATH`, the
/// server's configuration file (`gunicorn:deploy/gunicorn.conf.py`).
pub fn parse_spec(spec: &str) -> Result<Spec, SpecError> {
    let spec = spec.trim();
    if let Some(idle) = duration(spec) {
        return Ok(Spec::Idle { idle, kind: None });
    }
    let (kind_part, path) = match spec.split_once(':') {
        Some((kind, path)) => (kind, Some(path)),
        None => (spec, None),
    };
    let (name, version) = match kind_part.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (kind_part, None),
    };
    let major = match version {
        None => None,
        Some(v) => Some(
            v.split('.')
                .next()
                .and_then(|m| m.parse::<u32>().ok())
                .ok_or_else(|| SpecError::Version {
                    spec: spec.to_string(),
                    version: v.to_string(),
                })?,
        ),
    };
    if let Some(path) = path {
        if path.is_empty() {
            return Err(SpecError::EmptyPath {
                spec: spec.to_string(),
            });
        }
        let format = backends::format(name).ok_or_else(|| {
            let (spec, name) = (spec.to_string(), name.to_string());
            if ServerKind::find(&name).is_some() {
                SpecError::FileNotRead { spec, name }
            } else {
                SpecError::NotReadable { spec, name }
            }
        })?;
        return Ok(Spec::File {
            format,
            major,
            path: PathBuf::from(path),
        });
    }
    let Some(kind) = ServerKind::find(name) else {
        return Err(SpecError::Unknown {
            spec: spec.to_string(),
            needs_file: backends::format(name).map(|_| name.to_string()),
        });
    };
    Ok(Spec::Kind { kind, major })
}

/// Split `UPSTREAM=SPEC`.
pub fn parse_assignment(text: &str) -> Result<(String, Spec), AssignmentError> {
    let (name, spec) = text
        .split_once('=')
        .filter(|(name, _)| !name.trim().is_empty())
        .ok_or_else(|| AssignmentError::Malformed {
            text: text.to_string(),
        })?;
    let spec = parse_spec(spec).map_err(|error| AssignmentError::Spec {
        text: text.to_string(),
        error,
    })?;
    Ok((name.trim().to_string(), spec))
}

/// Read a front load balancer spec: its idle timeout, or a kind
/// (`aws-alb`).
pub fn parse_front(spec: &str, source: &str) -> Result<Front, FrontError> {
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
        .ok_or_else(|| FrontError {
            spec: spec.to_string(),
        })
}

/// Why a backend spec ([`parse_spec`]) declares no backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The text after `@` is no version.
    #[error("backend spec \"{spec}\": \"{version}\" is not a version")]
    Version { spec: String, version: String },
    /// `KIND:` with no path.
    #[error("backend spec \"{spec}\": the path after `:` is empty")]
    EmptyPath { spec: String },
    /// `KIND:PATH` for a known server kind whose file ngxfix does not read.
    #[error(
        "backend spec \"{spec}\": ngxfix does not read {name}'s configuration; give its idle timeout (`5s`) or the kind alone for its default. Files are read for: {}",
        backends::readable_kinds()
    )]
    FileNotRead { spec: String, name: String },
    /// `NAME:PATH` where NAME is no kind whose file ngxfix reads.
    #[error(
        "backend spec \"{spec}\": \"{name}\" is not a server kind whose file ngxfix reads ({})",
        backends::readable_kinds()
    )]
    NotReadable { spec: String, name: String },
    /// Neither a duration nor a server kind; `needs_file` names a format
    /// that is read only from its file (`NAME:PATH`).
    #[error(
        "backend spec \"{spec}\" is neither a duration such as 5s or 750ms nor a server kind ({}){}",
        known_kinds(),
        needs_file.as_deref().map_or(String::new(), |name| format!(" ({name} needs its file: `{name}:PATH`)"))
    )]
    Unknown {
        spec: String,
        needs_file: Option<String>,
    },
}

/// Why a `--backend` argument ([`parse_assignment`]) declares no backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    /// No `UPSTREAM=` before the spec.
    #[error("--backend expects UPSTREAM=SPEC, got \"{text}\"")]
    Malformed { text: String },
    /// The spec after `=` does not read.
    #[error("--backend {text}: {error}")]
    Spec { text: String, error: SpecError },
}

/// Why a load balancer spec ([`parse_front`]) declares none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "load balancer spec \"{spec}\" is neither a duration such as 60s nor a known kind ({})",
    FRONT_KINDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
)]
pub struct FrontError {
    /// The spec as given (trimmed).
    pub spec: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::kinds::secs;

    /// The backend a spec declares.
    fn backend(spec: &str) -> Result<Backend, String> {
        let mut facts = Facts::default();
        let spec = parse_spec(spec).map_err(|e| e.to_string())?;
        facts
            .declare("x", spec, "test", Path::new(""), &no_files)
            .cloned()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn backend_assignments_parse() {
        let (name, spec) = parse_assignment("App=750ms").unwrap();
        assert_eq!(name, "App");
        let mut facts = Facts::default();
        facts
            .declare(&name, spec, "test", Path::new(""), &no_files)
            .unwrap();
        let app = facts.backends.get("app").unwrap();
        assert_eq!(app.idle_timeout(), Some(Duration::from_millis(750)));
        assert_eq!(app.detail.as_deref(), Some("as declared in test"));
        assert!(parse_assignment("app").is_err());
        assert!(parse_assignment("=5s").is_err());
        assert!(parse_assignment("app=soon")
            .unwrap_err()
            .to_string()
            .contains("neither a duration"));
    }

    #[test]
    fn spec_errors_read_as_before() {
        let spec = |s: &str| parse_spec(s).unwrap_err().to_string();
        assert_eq!(
            spec("puma@x"),
            "backend spec \"puma@x\": \"x\" is not a version"
        );
        assert_eq!(
            spec("gunicorn:"),
            "backend spec \"gunicorn:\": the path after `:` is empty"
        );
        assert_eq!(
            spec("soon"),
            format!(
                "backend spec \"soon\" is neither a duration such as 5s or 750ms nor a server kind ({})",
                known_kinds()
            )
        );
        assert_eq!(
            spec("nope:x"),
            format!(
                "backend spec \"nope:x\": \"nope\" is not a server kind whose file ngxfix reads ({})",
                backends::readable_kinds()
            )
        );
        assert_eq!(
            parse_assignment("app").unwrap_err().to_string(),
            "--backend expects UPSTREAM=SPEC, got \"app\""
        );
        assert_eq!(
            parse_assignment("app=puma@x").unwrap_err().to_string(),
            "--backend app=puma@x: backend spec \"puma@x\": \"x\" is not a version"
        );
        assert_eq!(
            "x".parse::<Prefer>().unwrap_err().to_string(),
            "\"x\": expected nginx or backend"
        );
        assert_eq!(
            parse_front("f5", "t").unwrap_err().to_string(),
            format!(
                "load balancer spec \"f5\" is neither a duration such as 60s nor a known kind ({})",
                FRONT_KINDS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
    }

    #[test]
    fn server_kinds_give_their_defaults() {
        let idle = |spec: &str| backend(spec).unwrap().idle;
        assert_eq!(idle("gunicorn"), secs(2));
        assert_eq!(idle("Uvicorn"), secs(5));
        assert_eq!(idle("hypercorn"), secs(5));
        assert_eq!(idle("nodejs"), secs(5));
        // Node 27 raises keepAliveTimeout to 65s (nodejs/node#62782); Node
        // before 8 has none and closes idle connections at server.timeout.
        assert_eq!(idle("node@26"), secs(5));
        assert_eq!(idle("node@27"), secs(65));
        assert_eq!(idle("node@7"), secs(120));
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
        let silent = backend("uwsgi-http-socket").unwrap();
        assert!(silent.closes_silently());
        assert_eq!(silent.idle_timeout(), None);
        assert_eq!(silent.kind, Some("uwsgi-http-socket"));
        assert!(backend("puma@x").unwrap_err().contains("not a version"));
        assert!(backend("mongrel")
            .unwrap_err()
            .contains("gunicorn, gunicorn-sync, uvicorn"));
        assert!(backend("uwsgi").unwrap_err().contains("needs its file"));
    }

    #[test]
    fn file_specs_name_a_readable_kind_and_a_file() {
        match parse_spec("puma@7:config/puma.rb").unwrap() {
            Spec::File {
                format,
                major,
                path,
            } => {
                assert_eq!(format.name(), "puma");
                assert_eq!(major, Some(7));
                assert_eq!(path, Path::new("config/puma.rb"));
            }
            other => panic!("{other:?}"),
        }
        assert!(backend("waitress:app.py")
            .unwrap_err()
            .contains("does not read waitress"));
        assert!(backend("mongrel:app.py")
            .unwrap_err()
            .contains("not a server kind whose file"));
        assert!(backend("gunicorn:").unwrap_err().contains("is empty"));
        let missing = backend("gunicorn:/nonexistent/gunicorn.conf.py").unwrap_err();
        assert!(
            missing.contains("/nonexistent/gunicorn.conf.py"),
            "{missing}"
        );
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
        assert!(parse_front("f5", "t")
            .unwrap_err()
            .to_string()
            .contains("aws-alb"));
    }
}
