//! ngxfix: finds and fixes dangerous nginx configurations without disturbing
//! anything else in the file.
//!
//! This package is the floor that touches the operating system: it reads
//! configuration trees, rule folders, settings and backends' files from
//! disk ([`disk`]), finds the installed nginx ([`nginx`]), runs `nginx -t`
//! on a mirror of the fixed tree ([`verify`]) and writes the fixed files
//! back safely ([`write`]); the `ngxfix` binary puts a command line on top.
//! Everything else happens in the pure core, `ngxfix_core`, whose modules
//! are re-exported here under their own names so that a program using
//! ngxfix as a library needs one dependency. ARCHITECTURE.md draws the
//! map.

pub use ngxfix_core::{
    backends, config, diagnose, fix, init, model, output, par, redact, rule_examples, rules,
    settings, syntax, text,
};

pub mod disk;
pub mod nginx;
pub mod probe;
pub mod verify;
pub mod write;
