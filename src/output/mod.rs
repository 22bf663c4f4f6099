//! Rendering results for people and programs.

pub mod crossplane;
pub mod diff;
pub mod findings;
pub mod tree;
