//! (being written) Reading and raising the idle timeout in puma's files.

use super::{Reading, Source, TextEdit};
use crate::model::Duration;

pub fn read(_src: &Source<'_>) -> Reading {
    todo!("puma reader")
}

pub fn raise(_src: &Source<'_>, _target: Duration) -> Result<Vec<TextEdit>, String> {
    todo!("puma editor")
}
