//! (being written) Reading and raising the idle timeout of uvicorn and hypercorn.

use super::{Reading, Source, TextEdit};
use crate::model::Duration;

pub fn read_uvicorn(_src: &Source<'_>) -> Reading {
    todo!("uvicorn reader")
}

pub fn raise_uvicorn(_src: &Source<'_>, _target: Duration) -> Result<Vec<TextEdit>, String> {
    todo!("uvicorn editor")
}

pub fn read_hypercorn(_src: &Source<'_>) -> Reading {
    todo!("hypercorn reader")
}

pub fn raise_hypercorn(_src: &Source<'_>, _target: Duration) -> Result<Vec<TextEdit>, String> {
    todo!("hypercorn editor")
}
