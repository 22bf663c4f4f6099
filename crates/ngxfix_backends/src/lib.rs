//! The application servers behind upstreams: what each does with an idle
//! keepalive connection by default ([`kinds`]), how long its own
//! configuration says it waits (`read`), and how to raise that in the
//! file without disturbing the rest of it (`raise`).
//!
//! Each server kind has a module with two functions over the text of one
//! file (a config file, or a Procfile, systemd unit, shell script or env
//! file holding its command line):
//!
//! - `read(&Source) -> Reading`: the idle timeout the file gives, or the
//!   server's default when the file does not set it; `Idle::Unknown` when
//!   the value is computed or comes from somewhere ngxfix cannot see.
//!   Never a guess.
//! - `raise(&Source, target) -> Result<Vec<TextEdit>, String>`: edits that
//!   make the file give an idle timeout of at least `target` (rounded up to
//!   the unit the server reads), changing only the value, or adding the
//!   setting in the file's own style when it is missing. No edits when the
//!   file already gives enough.

mod error;
mod format;
pub mod kinds;
pub mod lang;
mod servers;
#[cfg(test)]
mod testing;
pub mod text;

use servers::{apache, asgi, gunicorn, node, puma, spring, tomcat, uwsgi};

use std::path::PathBuf;

pub use error::{MisplacedEdit, RaiseError};
pub use kinds::{Idle, ServerKind, SERVER_KINDS};
use ngxfix_text::Duration;

/// One backend configuration file, as a reader sees it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The file's path as the user named it: readers pick the format from
    /// its name (`gunicorn.conf.py` vs `Procfile`) and messages show it.
    pub path: &'a str,
    /// Its text (a leading byte-order mark included, as on disk).
    pub text: &'a str,
    /// The server's major version when the user gave one (`puma@6:...`).
    pub version: Option<u32>,
}

/// What a file says about the server's idle keepalive timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub idle: Idle,
    /// The server kind as the file shows it: the same as asked for, except
    /// for uWSGI, whose kind depends on the socket it serves HTTP on
    /// (`uwsgi-http11`, `uwsgi-http`, `uwsgi-http-socket`).
    pub kind: &'static str,
    /// Where the value comes from, for messages: `keepalive = 75 at line
    /// 3`, or `keepalive is not set: gunicorn's default`.
    pub detail: String,
}

/// Replace `start..end` (byte offsets) of a backend file with `text`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct TextEdit {
    #[serde(rename = "start_byte")]
    pub start: usize,
    #[serde(rename = "end_byte")]
    pub end: usize,
    pub text: String,
}

/// A server kind whose configuration ngxfix reads and edits.
pub struct Format {
    /// The kind names it serves (the first is its own).
    pub kinds: &'static [&'static str],
    /// The files it reads, for messages.
    pub files: &'static str,
    pub read: fn(&Source<'_>) -> Reading,
    pub raise: fn(&Source<'_>, Duration) -> Result<Vec<TextEdit>, RaiseError>,
}

/// Every readable kind.
pub const FORMATS: &[Format] = &[
    Format {
        kinds: &["gunicorn"],
        files:
            "gunicorn.conf.py, or a command line (Procfile, systemd unit, shell script, env file)",
        read: gunicorn::read,
        raise: gunicorn::raise,
    },
    Format {
        kinds: &["uvicorn"],
        files: "a command line (Procfile, systemd unit, shell script) or env file",
        read: asgi::read_uvicorn,
        raise: asgi::raise_uvicorn,
    },
    Format {
        kinds: &["hypercorn"],
        files: "hypercorn.toml, or a command line (Procfile, systemd unit, shell script)",
        read: asgi::read_hypercorn,
        raise: asgi::raise_hypercorn,
    },
    Format {
        kinds: &[
            "uwsgi",
            "uwsgi-http11",
            "uwsgi-http11-socket",
            "uwsgi-http",
            "uwsgi-http-socket",
        ],
        files: "uwsgi.ini",
        read: uwsgi::read,
        raise: uwsgi::raise,
    },
    Format {
        kinds: &["node", "nodejs"],
        files: "the JavaScript or TypeScript source that creates the server",
        read: node::read,
        raise: node::raise,
    },
    Format {
        kinds: &["puma"],
        files: "puma.rb (config/puma.rb)",
        read: puma::read,
        raise: puma::raise,
    },
    Format {
        kinds: &["tomcat"],
        files: "server.xml",
        read: tomcat::read,
        raise: tomcat::raise,
    },
    Format {
        kinds: &["spring-boot"],
        files: "application.properties or application.yml",
        read: spring::read,
        raise: spring::raise,
    },
    Format {
        kinds: &["apache", "httpd"],
        files: "httpd.conf / apache2.conf or a file it includes",
        read: apache::read,
        raise: apache::raise,
    },
];

/// The format that reads files of the kind named `kind`.
pub fn format(kind: &str) -> Option<&'static Format> {
    FORMATS
        .iter()
        .find(|f| f.kinds.iter().any(|k| k.eq_ignore_ascii_case(kind)))
}

/// The kinds whose files ngxfix reads, for messages.
pub fn readable_kinds() -> String {
    FORMATS
        .iter()
        .map(|f| f.kinds[0])
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Format({})", self.kinds[0])
    }
}

/// A backend configuration file, loaded to be read and perhaps edited
/// (read from disk by `crate::disk::backends`).
#[derive(Debug, Clone)]
pub struct BackendFile {
    /// The path as the user named it (joined to the settings file's folder
    /// when it came from there).
    pub path: PathBuf,
    pub format: &'static Format,
    /// The server's major version, when given.
    pub version: Option<u32>,
    /// The current text: the file's, then with the fixes applied so far.
    pub text: String,
}

impl BackendFile {
    /// The path for messages and diffs.
    pub fn display(&self) -> String {
        self.path.display().to_string()
    }

    fn source(&self) -> Source<'_> {
        Source {
            path: self.path.to_str().unwrap_or_default(),
            text: &self.text,
            version: self.version,
        }
    }

    /// What the file says now.
    pub fn read(&self) -> Reading {
        let source = self.source();
        (self.format.read)(&source)
    }

    /// Edits that make the file give an idle timeout of at least `target`,
    /// checked by reading the edited text again: an edit the reader would
    /// not see (a later duplicate setting wins, say) is refused rather than
    /// written into the application's configuration.
    pub fn raised(&self, target: Duration) -> Result<Vec<TextEdit>, RaiseError> {
        let source = self.source();
        let edits = (self.format.raise)(&source, target)?;
        if edits.is_empty() {
            return Ok(edits);
        }
        let text = text::apply(&self.text, &edits)?;
        let after = (self.format.read)(&Source {
            text: &text,
            ..source
        });
        match after.idle {
            Idle::Never => Ok(edits),
            Idle::After(d) if d >= target => Ok(edits),
            idle => Err(RaiseError::StillShort {
                idle,
                detail: after.detail,
                target,
            }),
        }
    }
}
