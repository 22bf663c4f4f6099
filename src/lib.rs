//! ngxfix: finds and fixes dangerous nginx configurations without disturbing
//! anything else in the file.
//!
//! Data flows one way: [`config`] loads the files of a configuration tree,
//! [`syntax`] parses each into a lossless tree, and [`output`] renders what
//! the command asked for.
//!
//! ```
//! use ngxfix::syntax::{parse, print};
//!
//! let text = b"http {\n    # keep me\n    server { listen 80; }\n}\n".to_vec();
//! let tree = parse(text.clone()).expect("valid nginx syntax");
//! // Lossless: printing the tree gives back every byte.
//! assert_eq!(print(&tree), text);
//! let listen = tree.directives().find(|d| d.name().value() == "listen").unwrap();
//! assert_eq!(listen.args().next().unwrap().value(), "80");
//! let ancestors: Vec<_> = listen.ancestors().map(|d| d.name().value().into_owned()).collect();
//! assert_eq!(ancestors, ["server", "http"]);
//! assert_eq!(listen.line_col().line, 3);
//! ```

// The grammar's generated parser names `alloc` (pest without `std`: see
// syntax::parse on the nesting limit).
extern crate alloc;

pub mod backends;
pub mod config;
pub mod diagnose;
pub mod disk;
pub mod fix;
pub mod model;
pub mod nginx;
pub mod output;
pub mod par;
pub mod redact;
pub mod rules;
pub mod settings;
pub mod syntax;
