//! Language-level readers the server formats share: what a command line,
//! a Python module, a JavaScript source, or a TOML, XML, properties or
//! YAML file says, without knowing which server reads it. Each format in
//! `servers/` asks them about its own settings and keeps what the settings
//! mean; these keep how the language is written, so that an edit touches
//! only the bytes of one value or adds one line in the file's own style.

pub(crate) mod cmdline;
pub(crate) mod js;
pub(crate) mod properties;
pub(crate) mod python;
pub(crate) mod toml;
pub(crate) mod xml;
pub(crate) mod yaml;
