//! nginx knowledge, kept in one place: value syntax (durations, sizes),
//! versions, the directive table, and the logical model of a configuration
//! (blocks across include files, effective values after inheritance,
//! `proxy_pass` → `upstream{}` resolution, `map` lookups).

pub mod accepts;
mod buckets;
pub mod definitions;
pub mod directives;
pub mod dropped;
pub mod effective;
pub mod fragment;
pub mod hints;
pub mod pcre;
pub mod reuse;
pub mod targets;
pub mod tree;
pub mod variables;
pub use crate::text::units;
pub mod version;

pub use directives::{Contexts, DirectiveInfo, Inherit, ValueKind};
pub use effective::{effective, scope_of, Effective, Source};
pub use targets::{pass_target, Target};
pub use tree::{Model, Node, NodeId, Upstream};
pub use units::{Duration, Size, TimeSlot, UnitError};
pub use version::{Version, VersionError, VersionRange};

/// `text` in ASCII lowercase, copied only when it has an uppercase letter:
/// the names nginx compares case-insensitively (variables, upstreams) are
/// looked up in lowercase maps, and nearly all are written lowercase.
pub(crate) fn lowercase(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(text.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}
