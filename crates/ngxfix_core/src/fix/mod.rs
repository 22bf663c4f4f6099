//! The fix loop ([`session`]): check, apply the fixes that do not clash,
//! parse the changed files again, and repeat. A fix is a set of byte-range
//! edits on the original text of the files ([`Edit`], from `ngxfix_text`),
//! computed by the rules in each file's own style; [`values`] puts a
//! person's values in the places a fix writes its own. Checking the result
//! with `nginx -t` and writing the files back belong to the `ngxfix`
//! package, which touches the disk.

pub mod session;
pub mod values;

pub use crate::rules::fixes::{BackendEdit, Claim, FixValue, ValuePlace};
pub use crate::text::edit::{apply, clash, shift_end, shift_offset, Edit, EditError};
