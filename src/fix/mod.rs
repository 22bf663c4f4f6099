//! Fixes as byte-range edits on the original text of each file, and the
//! rendering of new text in the file's own style. The rules compute edits;
//! applying them (and the fixed-point loop) lives here too.

pub mod edit;
pub mod style;

pub use edit::{apply, non_overlapping, Edit, EditError};
