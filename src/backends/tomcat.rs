//! (being written) Reading and raising the idle timeout in tomcat's files.

use super::{Reading, Source, TextEdit};
use crate::model::Duration;

pub fn read(_src: &Source<'_>) -> Reading {
    todo!("tomcat reader")
}

pub fn raise(_src: &Source<'_>, _target: Duration) -> Result<Vec<TextEdit>, String> {
    todo!("tomcat editor")
}
