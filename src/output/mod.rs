//! Rendering results for people and programs.

pub mod crossplane;
pub mod findings;
pub mod tree;
