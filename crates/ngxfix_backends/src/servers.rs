//! One module per application server whose configuration ngxfix reads
//! and edits, each a [`crate::ServerFormat`]: what its settings mean, which
//! wins, and its defaults (from [`crate::kinds`]). How its files are
//! written is read with `crate::lang`.

pub(crate) mod apache;
pub(crate) mod asgi;
pub(crate) mod gunicorn;
pub(crate) mod node;
pub(crate) mod puma;
pub(crate) mod spring;
pub(crate) mod tomcat;
pub(crate) mod uwsgi;
