//! Rendering results for people and programs.

pub mod crossplane;
pub mod diff;
pub mod findings;
pub mod fix_report;
pub mod gitlab;
pub mod rule_docs;
pub mod statistics;
pub mod tree;

/// `1 finding`, `2 findings`, `2 fixes`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else if word.ends_with(['s', 'x']) {
        format!("{n} {word}es")
    } else {
        format!("{n} {word}s")
    }
}

/// ANSI styles when the flag is set, else plain text.
pub struct Paint(pub bool);

impl Paint {
    /// `text` in the SGR style `code` (`1` bold, `1;31` bold red, ...).
    pub fn wrap<'t>(&self, code: &str, text: &'t str) -> std::borrow::Cow<'t, str> {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m").into()
        } else {
            text.into()
        }
    }
}
