//! nginx knowledge, kept in one place: value syntax (durations, sizes),
//! versions, the directive table, and the logical model of a configuration
//! (blocks across include files, effective values after inheritance,
//! `proxy_pass` → `upstream{}` resolution, `map` lookups).

pub mod directives;
pub mod units;
pub mod version;

pub use directives::{Contexts, DirectiveInfo, Inherit, ValueKind};
pub use units::{Duration, Size, TimeSlot, UnitError};
pub use version::{Version, VersionError, VersionRange};
