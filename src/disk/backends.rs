//! Backends' configuration files (`--backend NAME=KIND:PATH`,
//! `[backends.NAME] config`).

use std::path::Path;

use super::read::read_text;
use crate::backends::{BackendFile, ServerFormat};
use crate::rules::facts::ReadError;

/// The text of a backend's file, or what stops it being read after its
/// path: a [`ReadFile`](crate::rules::facts::ReadFile).
pub fn read(path: &Path) -> Result<String, ReadError> {
    read_text(path).map_err(|e| ReadError {
        path: path.to_path_buf(),
        reason: e.into(),
    })
}

/// Read the file at `path`.
pub fn load(
    path: &Path,
    format: &'static dyn ServerFormat,
    version: Option<u32>,
) -> Result<BackendFile, ReadError> {
    Ok(BackendFile {
        text: read(path)?,
        path: path.to_path_buf(),
        format,
        version,
    })
}
