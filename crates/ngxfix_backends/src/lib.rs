//! The application servers behind upstreams: what each does with an idle
//! keepalive connection by default ([`kinds`]), how long its own
//! configuration says it waits, and how to raise that in the file without
//! disturbing the rest of it.
//!
//! Each server whose files ngxfix reads is a [`ServerFormat`] (its module
//! under `servers/`), found by kind name with [`format()`]: `read` gives the
//! [`Reading`] of one file's text, `raise` the [`Edit<()>`]s that make it
//! wait at least a target, or the [`RaiseError`] that says why not. The
//! language-level readers the formats share (command lines, Python,
//! JavaScript, TOML, XML, properties, YAML) are under `lang/`; each
//! kind's default idle behaviour is in [`kinds`] alone.

// What is `pub` is the crate's interface to ngxfix_core and the tests;
// everything else says pub(crate), and this keeps it so.
#![warn(unreachable_pub)]
#![warn(missing_docs)]

mod error;
mod format;
pub mod kinds;
mod lang;
mod servers;
#[cfg(test)]
mod testing;
mod text;

use std::path::PathBuf;

pub use error::{MisplacedEdit, RaiseError};
pub use format::ServerFormat;
pub use kinds::{Idle, ServerKind, SERVER_KINDS};
use ngxfix_text::Duration;
/// The edits a format makes: of its one text, not yet told which file it is.
pub use ngxfix_text::Edit;
use servers::{apache, asgi, gunicorn, node, puma, spring, tomcat, uwsgi};

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
    /// What the server does with an idle keepalive connection.
    pub idle: Idle,
    /// The server kind as the file shows it: the same as asked for, except
    /// for uWSGI, whose kind depends on the socket it serves HTTP on
    /// (`uwsgi-http11`, `uwsgi-http`, `uwsgi-http-socket`).
    pub kind: &'static str,
    /// Where the value comes from, for messages: `keepalive = 75 at line
    /// 3`, or `keepalive is not set: gunicorn's default`.
    pub detail: String,
}

/// Every format, in the order messages list them.
pub static FORMATS: &[&dyn ServerFormat] = &[
    &gunicorn::Gunicorn,
    &asgi::Uvicorn,
    &asgi::Hypercorn,
    &uwsgi::Uwsgi,
    &node::Node,
    &puma::Puma,
    &tomcat::Tomcat,
    &spring::SpringBoot,
    &apache::Apache,
];

/// The format that reads files of the kind named `kind`.
pub fn format(kind: &str) -> Option<&'static dyn ServerFormat> {
    FORMATS
        .iter()
        .copied()
        .find(|f| f.kinds().iter().any(|k| k.eq_ignore_ascii_case(kind)))
}

/// The kinds whose files ngxfix reads, for messages.
pub fn readable_kinds() -> String {
    FORMATS
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A backend configuration file, loaded to be read and perhaps edited
/// (read from disk by `crate::disk::backends`).
#[derive(Debug, Clone)]
pub struct BackendFile {
    /// The path as the user named it (joined to the settings file's folder
    /// when it came from there).
    pub path: PathBuf,
    /// The format that reads it, chosen by the declared kind.
    pub format: &'static dyn ServerFormat,
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
        self.format.read(&self.source())
    }

    /// Edits that make the file give an idle timeout of at least `target`
    /// ([`ServerFormat::raise`]).
    pub fn raised(&self, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        self.format.raise(&self.source(), target)
    }
}
