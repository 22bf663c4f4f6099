//! The text layer under every other ngxfix crate: byte-range edits on an
//! original text and their application ([`edit`]), byte offset to line and
//! column ([`lines`]), and nginx's durations and sizes ([`units`]). Nothing
//! here knows nginx's grammar.

pub mod edit;
pub mod lines;
pub mod units;

pub use edit::{apply, clash, shift_offset, Edit, EditError};
pub use lines::{lossy, LineCol, LineIndex};
pub use units::{Duration, Size, TimeSlot, UnitError};

/// Index of a file in the set a change is made to (a configuration tree's
/// files, in `ngxfix_core::config::ConfigTree::files`).
pub type FileId = usize;
