//! Fixes: byte-range edits on the original text of each file and the
//! rendering of new text in the file's own style (the primitives the rules
//! compute their edits with), then the fix loop, the `nginx -t` check of its
//! result and the safe writing of the fixed files.

pub mod edit;
pub mod session;
pub mod style;
pub mod verify;
pub mod write;

pub use edit::{apply, BackendEdit, Claim, Edit, EditError};
