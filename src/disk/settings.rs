//! Finding and reading the settings file, `ngxfix.toml`.

use std::path::{Path, PathBuf};

use super::read::read_text;
use crate::settings::{Loaded, SettingsError, FILE_NAME};

/// Read `explicit`, else the nearest `ngxfix.toml` from `start` upwards,
/// else defaults.
pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Loaded, SettingsError> {
    load_path(explicit.map(Path::to_path_buf).or_else(|| find(&[start])))
}

/// The nearest `ngxfix.toml` from each of `starts` upwards, the first
/// start first (ruff looks from the checked file, then the working
/// directory).
pub fn find(starts: &[&Path]) -> Option<PathBuf> {
    starts.iter().find_map(|start| {
        start
            .ancestors()
            .map(|dir| dir.join(FILE_NAME))
            .find(|candidate| candidate.is_file())
    })
}

/// Read the settings file at `path`, or defaults when there is none.
pub fn load_path(path: Option<PathBuf>) -> Result<Loaded, SettingsError> {
    let Some(path) = path else {
        return Ok(Loaded::default());
    };
    let text = read_text(&path).map_err(|error| SettingsError::Read {
        path: path.display().to_string(),
        error,
    })?;
    Loaded::from_text(path, text)
}
