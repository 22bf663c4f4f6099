//! ngxfix: finds and fixes dangerous nginx configurations without disturbing
//! anything else in the file.
//!
//! Data flows one way: [`config`] loads the files of a configuration tree,
//! [`syntax`] parses each into a lossless tree, and [`output`] renders what
//! the command asked for.

pub mod config;
pub mod output;
pub mod syntax;
