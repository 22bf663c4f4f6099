//! nginx knowledge, kept in one place: value syntax (durations, sizes) to
//! begin with; the directive table, inheritance and upstream resolution come
//! with the rule engine.

pub mod units;

pub use units::{Duration, Size, TimeSlot, UnitError};
