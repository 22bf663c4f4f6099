//! Declarative rules: the TOML schema, loading and validation, the matcher,
//! fixes computed as edits, inline suppressions, and the runner for the
//! examples embedded in rule files.

pub mod engine;
pub mod facts;
pub mod fixes;
pub mod load;
pub mod matcher;
pub mod schema;
pub mod suppress;
pub mod template;

pub use engine::{check, run, Checked, EditPlace, Finding, Hit, RunOptions, UNUSED_SUPPRESSION};
pub use facts::{Backend, Backends, Facts, Front};
pub use fixes::FixPlan;
pub use load::{Origin, Rule, RuleError};
pub use schema::{Safety, Severity};
