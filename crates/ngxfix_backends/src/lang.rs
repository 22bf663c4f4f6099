//! Language-level readers the server formats share: what a Python module,
//! a JavaScript source or a command line says, without knowing which
//! server reads it. Each format asks them about its own settings.

pub mod cmdline;
pub(crate) mod js;
pub(crate) mod properties;
pub(crate) mod python;
pub(crate) mod toml;
pub(crate) mod xml;
pub(crate) mod yaml;
