//! Rendering results for people and programs.

pub mod crossplane;
pub mod diff;
pub mod findings;
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
