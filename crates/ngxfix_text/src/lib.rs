//! The text layer under every other ngxfix crate: byte-range edits on an
//! original text and their application ([`edit`]), byte offset to line and
//! column ([`lines`]), and nginx's durations and sizes ([`units`]). Nothing
//! here knows nginx's grammar.

pub mod edit;
pub mod lines;
pub mod units;

pub use edit::{apply, apply_str, clash, shift_end, shift_offset, Edit, EditError};
pub use lines::{lossy, LineCol, LineIndex};
pub use units::{Duration, Size, TimeSlot, UnitError};

/// Index of a file in the set a change is made to (a configuration tree's
/// files, in `ngxfix_core::config::ConfigTree::files`). A type of its own
/// rather than a bare number: a file index cannot be passed where a
/// directive index or a byte offset is meant. Serialized as the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct FileId(u32);

impl FileId {
    /// The first file of the set: a tree's main file, or the context
    /// written around a fragment.
    pub const FIRST: FileId = FileId(0);

    /// The file at `index` in the set.
    ///
    /// # Panics
    ///
    /// From 2^32 files on, which no tree reaches: each file read costs far
    /// more memory than the address space holds at that count.
    pub fn new(index: usize) -> Self {
        FileId(u32::try_from(index).expect("fewer than 2^32 files"))
    }

    /// The file's position in the set, to index it with.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
